// LiveChat Agent Chat API v3.6 (the latest stable): `POST /v3.6/agent/action/<action>`
// with a JSON body (the version may also come as `X-API-Version`), Basic auth with the
// account id and a Personal Access Token, `{"error":{"type","message"}}` bodies, and
// webhooks that carry the `secret_key` chosen at registration inside the JSON payload.
//
// HTTP statuses of the error types are not published; the fake uses 401 authentication,
// 400 validation, 404 not_found, 422 chat_inactive, 429 too_many_requests (with
// Retry-After), 400 unsupported_version.
//
// Config: { account_id, pat, webhook_secret, license }.

import { randomId, same, basic, applyMode } from "./lib.mjs";

const STABLE = "3.6";
const KNOWN = ["3.3", "3.4", "3.5", "3.6", "3.7"];
const err = (type, message) => ({ error: { type, message } });
// RFC 3339 with microseconds, as LiveChat writes `created_at`.
const at = () => new Date().toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
const eventId = (thread, n) => `${thread}_${n}`;

export function create(config) {
  const cfg = { account_id: "6f4e7b1c-0a1b-4c2d-9e8f-0123456789ab", pat: "lc-pat", webhook_secret: "lc-webhook-secret", license: 12345678, ...config };
  let chats;
  const reset = () => {
    chats = new Map();
  };
  reset();

  const agent = { id: "agent@example.com", type: "agent", name: "Fake Agent", email: "agent@example.com" };
  function newChat(customer, events = [], access = {}) {
    const id = randomId(10).toUpperCase();
    const thread = { id: randomId(10).toUpperCase(), active: true, created_at: at(), events: [], user_ids: [customer.id, agent.id] };
    const chat = { id, users: [customer, agent], threads: [thread], access, properties: {} };
    chats.set(id, chat);
    for (const e of events) push(chat, e);
    return chat;
  }
  function push(chat, e) {
    const t = chat.threads[chat.threads.length - 1];
    const ev = { id: eventId(t.id, t.events.length + 1), created_at: at(), visibility: "all", ...e };
    t.events.push(ev);
    return ev;
  }
  const customerOf = (chat) => chat.users.find((u) => u.type === "customer");

  function action(name, b) {
    switch (name) {
      case "list_chats": {
        if (b.page_id && (b.filters || b.limit || b.sort_order)) return [400, err("validation", "page_id cannot be combined with filters, limit or sort_order")];
        const limit = b.limit ?? 10;
        if (limit > 100) return [400, err("validation", "limit must be at most 100")];
        const all = [...chats.values()];
        return [200, { chats_summary: all.slice(0, limit).map((c) => ({ id: c.id, users: c.users, last_thread_summary: { id: c.threads.at(-1).id, active: c.threads.at(-1).active } })), found_chats: all.length, previous_page_id: "" }];
      }
      case "start_chat": {
        const chat = b.chat ?? {};
        const events = chat.thread?.events ?? [];
        for (const e of events) {
          if (e.type !== "message" || typeof e.text !== "string") return [400, err("validation", "thread events must be messages with text")];
        }
        const customer = { id: randomId(8) + "-" + randomId(4) + "-" + randomId(4) + "-" + randomId(4) + "-" + randomId(12), type: "customer", name: "Visitor", email: null };
        const c = newChat(customer, events.map((e) => ({ ...e, author_id: agent.id })), chat.access ?? {});
        return [200, { chat_id: c.id, thread_id: c.threads[0].id, event_ids: c.threads[0].events.map((e) => e.id) }];
      }
      case "send_event": {
        const c = chats.get(b.chat_id);
        if (!c) return [404, err("not_found", "Chat not found")];
        const e = b.event ?? {};
        if (e.type !== "message" || typeof e.text !== "string" || !e.text) return [400, err("validation", "event.type must be message with a text")];
        if (Buffer.byteLength(e.text) > 16 * 1024) return [400, err("validation", "text is longer than 16 KB")];
        if (e.visibility && !["all", "agents"].includes(e.visibility)) return [400, err("validation", "visibility must be all or agents")];
        if (!c.threads.at(-1).active) return [422, err("chat_inactive", "Chat is inactive")];
        const ev = push(c, { type: "message", text: e.text, visibility: e.visibility ?? "all", author_id: agent.id, ...(e.custom_id ? { custom_id: e.custom_id } : {}) });
        return [200, { event_id: ev.id }];
      }
      case "list_threads": {
        const c = chats.get(b.chat_id);
        if (!c) return [404, err("not_found", "Chat not found")];
        if (b.page_id && (b.sort_order || b.limit)) return [400, err("validation", "page_id cannot be combined with limit or sort_order")];
        const threads = c.threads.map((t) => ({ id: t.id, active: t.active, user_ids: t.user_ids, events: t.events, created_at: t.created_at, users: c.users }));
        return [200, { threads, found_threads: threads.length }];
      }
      case "get_chat": {
        const c = chats.get(b.chat_id);
        if (!c) return [404, err("not_found", "Chat not found")];
        return [200, { id: c.id, users: c.users, thread: c.threads.at(-1), access: c.access, properties: c.properties }];
      }
      case "transfer_chat": {
        const c = chats.get(b.id);
        if (!c) return [404, err("not_found", "Chat not found")];
        const t = b.target ?? {};
        if (!["group", "agent"].includes(t.type) || !Array.isArray(t.ids) || !t.ids.length) return [400, err("validation", "target must be a group or agent with ids")];
        c.access = t.type === "group" ? { group_ids: t.ids } : c.access;
        c.transferred_to = t;
        return [200, {}];
      }
      case "deactivate_chat": {
        const c = chats.get(b.id);
        if (!c) return [404, err("not_found", "Chat not found")];
        c.threads.at(-1).active = false;
        return [200, {}];
      }
      default:
        return [404, err("not_found", `Unknown action ${name}`)];
    }
  }

  const vendor = {
    name: "livechat",
    reset,
    state: () => ({ chats: [...chats.values()] }),
    authorize(req) {
      const b = basic(req);
      if (!b || !same(b.user, cfg.account_id) || !same(b.pass, cfg.pat)) {
        return [401, err("authentication", "Invalid access token")];
      }
      return null;
    },
    notFound: () => [404, err("not_found", "Not found")],
    throttled: ({ retry_after }) => [429, err("too_many_requests", "Too many requests"), { "Retry-After": String(retry_after ?? 1) }],
    outage: (status) => [status, err("service_unavailable", "Service unavailable")],
    route(req) {
      const m = req.path.match(/^\/v(\d+\.\d+)\/agent\/action\/([a-z_]+)$/) ?? req.path.match(/^\/agent\/action\/([a-z_]+)$/);
      if (!m) return null;
      const version = m.length === 3 ? m[1] : req.headers["x-api-version"];
      const name = m.length === 3 ? m[2] : m[1];
      if (!KNOWN.includes(version)) return [400, err("unsupported_version", `Unsupported version ${version}`)];
      if (req.method !== "POST") return [405, err("validation", "Use POST")];
      if ((req.headers["content-type"] ?? "").indexOf("application/json") < 0) return [400, err("validation", "Content-Type must be application/json")];
      const [status, body, headers] = action(name, req.body ?? {});
      const h = { ...(headers ?? {}) };
      if (version !== STABLE && version !== "3.7") h["Legacy"] = "2027-01-01";
      return [status, body, h];
    },

    addMessage({ conversation_id, author = "agent", text }) {
      const c = chats.get(String(conversation_id));
      if (!c) return { error: "unknown conversation" };
      const ev = push(c, { type: "message", text, author_id: author === "agent" ? agent.id : customerOf(c).id });
      return { id: ev.id, conversation_id: c.id };
    },

    /** `incoming_chat` (data: {name, email, text}) opens a chat; `incoming_event`
     * (data: {conversation_id, text, author}), `chat_deactivated` ({conversation_id}). */
    webhook(event, data, mode) {
      let payload;
      let c = data.conversation_id ? chats.get(String(data.conversation_id)) : null;
      if (event === "incoming_chat") {
        const customer = { id: `${randomId(8)}-${randomId(4)}-${randomId(4)}-${randomId(4)}-${randomId(12)}`, type: "customer", name: data.name ?? "Visitor", email: data.email ?? null };
        c = newChat(customer);
        push(c, { type: "message", text: data.text ?? "Hello", author_id: customer.id });
        const t = c.threads[0];
        payload = { chat: { id: c.id, users: c.users, thread: { id: t.id, active: true, user_ids: t.user_ids, events: t.events, created_at: t.created_at }, access: {} } };
      } else if (!c) {
        throw new Error(`unknown conversation ${data.conversation_id}`);
      } else if (event === "incoming_event") {
        const ev = data.echo ? c.threads.at(-1).events.at(-1) : push(c, { type: "message", text: data.text ?? "More", author_id: data.author === "agent" ? agent.id : customerOf(c).id });
        payload = { chat_id: c.id, thread_id: c.threads.at(-1).id, event: ev };
      } else if (event === "chat_deactivated") {
        c.threads.at(-1).active = false;
        payload = { chat_id: c.id, thread_id: c.threads.at(-1).id, user_id: agent.id };
      } else {
        throw new Error(`unsupported event ${event}`);
      }
      const secret = mode === "wrong_secret" ? "not-the-secret" : cfg.webhook_secret;
      const envelope = { webhook_id: randomId(32), secret_key: secret, action: event, organization_id: "390e44e6-f1e6-4c8b-9d6d-74a14508c2e1", payload, additional_data: {} };
      if (mode === "unsigned") delete envelope.secret_key;
      const delivery = { headers: {}, body: JSON.stringify(envelope), conversation_id: c.id };
      return applyMode(delivery, mode === "unsigned" ? "signed" : mode, []);
    },
  };
  return vendor;
}
