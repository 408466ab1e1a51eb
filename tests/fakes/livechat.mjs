// LiveChat Agent Chat API v3.6 (the latest stable): `POST /v3.6/agent/action/<action>`
// with a JSON body (or `POST /agent/action/<action>` with `X-API-Version: 3.6`), Basic auth
// with the account id and a Personal Access Token (or `Bearer <OAuth token>`),
// `{"error":{"type","message"}}` bodies, and webhooks that carry the `secret_key` chosen at
// registration inside the JSON payload (LiveChat signs nothing).
//
// HTTP statuses of the error types are not published; the fake uses 401 authentication,
// 400 validation, 400 unsupported_version, 404 not_found (unknown chat or action), 422
// chat_inactive, 429 too_many_requests (with Retry-After), 503 service_unavailable.
//
// Config: { account_id, pat, access_token, agent_id, webhook_secret, license }.

import { randomId, same, basic, bearer, applyMode, noStale, upperId, uuid, FakeError } from "./lib.mjs";

export const STABLE = "3.6";
const KNOWN = ["3.3", "3.4", "3.5", "3.6", "3.7"];
const LEGACY = { "3.3": "2024-08-07", "3.4": "2025-08-07", "3.5": "2026-08-07" };
const err = (type, message, data) => ({ error: { type, message, ...(data ? { data } : {}) } });
const invalid = (message) => [400, err("validation", message)];
// RFC 3339 with microseconds, as LiveChat writes `created_at`.
const at = () => new Date().toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");

export function create(config = {}) {
  const cfg = {
    account_id: "6f4e7b1c-0a1b-4c2d-9e8f-0123456789ab",
    pat: "lc-pat",
    access_token: "lc-oauth-token",
    agent_id: "agent@example.com",
    webhook_secret: "lc-webhook-secret",
    license: 12345678,
    ...config,
  };
  const agent = { id: cfg.agent_id, type: "agent", name: "Fake Agent", email: cfg.agent_id, present: true, avatar: "https://cdn.livechat-files.com/api/file/avatar.png" };
  const webhookId = randomId(32); // the id register_webhook answered
  let chats;
  const reset = () => {
    chats = new Map();
  };
  reset();

  function newThread(chat) {
    const t = { id: upperId(), active: true, created_at: at(), events: [], user_ids: chat.users.map((u) => u.id), properties: {}, access: chat.access };
    const prev = chat.threads.at(-1);
    if (prev) {
      t.previous_thread_id = prev.id;
      prev.next_thread_id = t.id;
    }
    chat.threads.push(t);
    return t;
  }
  function newChat(customer, access = { group_ids: [0] }) {
    const chat = { id: upperId(), users: [customer, agent], threads: [], access, properties: {} };
    newThread(chat);
    chats.set(chat.id, chat);
    return chat;
  }
  function push(chat, e) {
    const t = chat.threads.at(-1);
    const ev = { id: `${t.id}_${t.events.length + 1}`, created_at: at(), visibility: "all", ...e };
    t.events.push(ev);
    return ev;
  }
  const customerOf = (chat) => chat.users.find((u) => u.type === "customer");
  const threadObject = (t) => ({ ...t, events: [...t.events] });
  const summary = (c) => {
    const t = c.threads.at(-1);
    return {
      id: c.id,
      users: c.users,
      last_thread_summary: { id: t.id, created_at: t.created_at, user_ids: t.user_ids, properties: t.properties, active: t.active, access: t.access },
      last_event_per_type: t.events.length ? { message: { thread_id: t.id, thread_created_at: t.created_at, event: t.events.at(-1) } } : {},
      properties: c.properties,
      access: c.access,
      is_followed: false,
    };
  };

  /** Opaque page ids, as LiveChat's (base64 of the cursor). */
  const pageId = (p) => Buffer.from(JSON.stringify(p)).toString("base64");
  function readPage(b, defLimit) {
    if (b.page_id !== undefined) {
      if (b.limit !== undefined || b.sort_order !== undefined || b.filters !== undefined) return { error: invalid("page_id cannot be combined with filters, limit or sort_order") };
      try {
        const p = JSON.parse(Buffer.from(String(b.page_id), "base64").toString("utf8"));
        if (!Number.isInteger(p.offset) || !Number.isInteger(p.limit)) throw new Error();
        return p;
      } catch {
        return { error: invalid("page_id is invalid") };
      }
    }
    const limit = b.limit ?? defLimit;
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) return { error: invalid("limit must be an integer from 1 to 100") };
    const sort = b.sort_order ?? "desc";
    if (!["asc", "desc"].includes(sort)) return { error: invalid("sort_order must be asc or desc") };
    return { offset: 0, limit, sort_order: sort };
  }
  function paged(list, p) {
    const ordered = p.sort_order === "asc" ? list : [...list].reverse();
    const items = ordered.slice(p.offset, p.offset + p.limit);
    const out = {};
    if (p.offset + p.limit < ordered.length) out.next_page_id = pageId({ ...p, offset: p.offset + p.limit });
    if (p.offset > 0) out.previous_page_id = pageId({ ...p, offset: Math.max(0, p.offset - p.limit) });
    return { items, out };
  }

  function validEvent(e) {
    if (!e || typeof e !== "object") return "event is required";
    if (e.type !== "message") return "event.type must be message (the only event type this fake accepts)";
    if (typeof e.text !== "string" || !e.text) return "event.text is required";
    if (Buffer.byteLength(e.text) > 16 * 1024) return "event.text is longer than 16 KB";
    if (e.visibility !== undefined && !["all", "agents"].includes(e.visibility)) return "event.visibility must be all or agents";
    return null;
  }

  function chatOf(id) {
    if (typeof id !== "string" || !id) return { error: invalid("chat id is required") };
    const c = chats.get(id);
    return c ? { c } : { error: [404, err("not_found", "Chat not found")] };
  }

  function action(name, b) {
    switch (name) {
      case "list_chats": {
        const p = readPage(b, 10);
        if (p.error) return p.error;
        let all = [...chats.values()];
        if (typeof b.filters?.active === "boolean") all = all.filter((c) => c.threads.at(-1).active === b.filters.active);
        const { items, out } = paged(all, p);
        return [200, { chats_summary: items.map(summary), found_chats: all.length, ...out }];
      }
      case "start_chat": {
        const chat = b.chat ?? {};
        const events = chat.thread?.events ?? [];
        if (!Array.isArray(events)) return invalid("chat.thread.events must be an array");
        for (const e of events) {
          const problem = validEvent(e);
          if (problem) return invalid(problem);
        }
        const customer = { id: uuid(), type: "customer", name: "Customer", email: null, present: false, created_at: at() };
        const c = newChat(customer, chat.access ?? { group_ids: [0] });
        c.properties = chat.properties ?? {};
        if (b.active === false) c.threads[0].active = false;
        const ids = events.map((e) => push(c, { type: "message", text: e.text, visibility: e.visibility ?? "all", author_id: agent.id, ...(e.custom_id ? { custom_id: e.custom_id } : {}) }).id);
        return [200, { chat_id: c.id, thread_id: c.threads[0].id, ...(ids.length ? { event_ids: ids } : {}) }];
      }
      case "resume_chat": {
        const { c, error } = chatOf(b.chat?.id);
        if (error) return error;
        if (c.threads.at(-1).active) return [422, err("chat_active", "Chat is already active")];
        const t = newThread(c);
        return [200, { thread_id: t.id }];
      }
      case "send_event": {
        const { c, error } = chatOf(b.chat_id);
        if (error) return error;
        const problem = validEvent(b.event);
        if (problem) return invalid(problem);
        if (!c.threads.at(-1).active) return [422, err("chat_inactive", "Chat is inactive")];
        const e = b.event;
        const ev = push(c, { type: "message", text: e.text, visibility: e.visibility ?? "all", author_id: agent.id, ...(e.custom_id ? { custom_id: e.custom_id } : {}) });
        return [200, { event_id: ev.id }];
      }
      case "list_threads": {
        const { c, error } = chatOf(b.chat_id);
        if (error) return error;
        const p = readPage(b, 3);
        if (p.error) return p.error;
        let threads = c.threads;
        if (Number.isInteger(b.min_events_count)) threads = threads.filter((t) => t.events.length >= b.min_events_count);
        const { items, out } = paged(threads, p);
        return [200, { threads: items.map(threadObject), found_threads: threads.length, ...out }];
      }
      case "get_chat": {
        const { c, error } = chatOf(b.chat_id);
        if (error) return error;
        const t = b.thread_id ? c.threads.find((x) => x.id === b.thread_id) : c.threads.at(-1);
        if (!t) return [404, err("not_found", "Thread not found")];
        return [200, { id: c.id, thread: threadObject(t), users: c.users, properties: c.properties, access: c.access, is_followed: false }];
      }
      case "transfer_chat": {
        const { c, error } = chatOf(b.id);
        if (error) return error;
        const t = b.target;
        if (!t || !["group", "agent"].includes(t.type) || !Array.isArray(t.ids) || t.ids.length === 0) return invalid("target must be {type: group|agent, ids: [...]} with at least one id");
        if (t.type === "group" && !t.ids.every(Number.isInteger)) return invalid("group ids must be integers");
        if (t.type === "agent" && !t.ids.every((x) => typeof x === "string")) return invalid("agent ids must be strings");
        if (t.type === "group") c.access = { group_ids: t.ids };
        c.transferred_to = t;
        return [200, {}];
      }
      case "deactivate_chat": {
        const { c, error } = chatOf(b.id);
        if (error) return error;
        if (!c.threads.at(-1).active) return [422, err("chat_inactive", "Chat is already inactive")];
        c.threads.at(-1).active = false;
        return [200, {}];
      }
      default:
        return [404, err("not_found", `Unknown action ${name}`)];
    }
  }

  const vendor = {
    name: "livechat",
    config: cfg,
    reset,
    state: () => ({ chats: [...chats.values()] }),
    authorize(req) {
      const b = basic(req);
      if (b && same(b.user, cfg.account_id) && same(b.pass, cfg.pat)) return null;
      const t = bearer(req);
      if (t && same(t, cfg.access_token)) return null;
      return [401, err("authentication", "Invalid access token")];
    },
    badJson: () => invalid("Invalid JSON body"),
    notFound: () => [404, err("not_found", "Not found")],
    throttled: ({ retry_after }) => [429, err("too_many_requests", "Too many requests"), { "Retry-After": String(retry_after ?? 1) }],
    outage: ({ status, retry_after }) => [
      status,
      status === 503 ? err("service_unavailable", "Service is temporarily unavailable") : err("internal", "Internal server error"),
      retry_after !== undefined ? { "Retry-After": String(retry_after) } : {},
    ],
    route(req) {
      const m = req.path.match(/^\/v(\d+\.\d+)\/agent\/action\/([a-z_]+)$/) ?? req.path.match(/^\/agent\/action\/([a-z_]+)$/);
      if (!m) {
        const v = req.path.match(/^\/v([^/]+)\/agent\/action\//);
        return v ? [400, err("unsupported_version", `Unsupported version ${v[1]}`)] : null;
      }
      const version = m.length === 3 ? m[1] : req.headers["x-api-version"];
      const name = m.length === 3 ? m[2] : m[1];
      if (!KNOWN.includes(version)) return [400, err("unsupported_version", `Unsupported version ${version ?? "(none)"}`)];
      if (req.method !== "POST") return invalid("Use POST");
      if (!(req.headers["content-type"] ?? "").includes("application/json")) return invalid("Content-Type must be application/json");
      const b = req.body ?? {};
      if (typeof b !== "object" || Array.isArray(b)) return invalid("The body must be a JSON object");
      const [status, body, headers] = action(name, b);
      const h = { ...(headers ?? {}) };
      if (LEGACY[version]) h.Legacy = LEGACY[version];
      return [status, body, h];
    },

    addMessage({ conversation_id, author = "agent", text }) {
      const c = chats.get(String(conversation_id));
      if (!c) return { error: "unknown conversation" };
      const ev = push(c, { type: "message", text, author_id: author === "agent" ? agent.id : customerOf(c).id });
      return { id: ev.id, conversation_id: c.id };
    },

    /**
     * Actions: `incoming_chat` (data: {name, email, text}) opens a chat; `incoming_event`
     * ({conversation_id, text, author: "customer"|"agent", visibility?, echo}),
     * `chat_deactivated` ({conversation_id}), `chat_transferred` ({conversation_id,
     * group_ids?, agent_ids?, reason?}), `chat_properties_updated` ({conversation_id,
     * score: 0|1, comment?}: the rating namespace).
     */
    webhook(event, data, mode) {
      noStale("LiveChat", mode);
      let payload;
      const additional = {};
      let c = data.conversation_id ? chats.get(String(data.conversation_id)) : null;
      if (event !== "incoming_chat" && !c) throw new FakeError(404, `unknown conversation ${data.conversation_id}`);
      if (event === "incoming_chat") {
        const customer = { id: uuid(), type: "customer", name: data.name ?? "Visitor", email: data.email ?? undefined, present: true, created_at: at() };
        c = newChat(customer);
        push(c, { type: "message", text: data.text ?? "Hello", author_id: customer.id });
        const t = c.threads[0];
        payload = { chat: { id: c.id, users: c.users, properties: c.properties, access: c.access, thread: threadObject(t) } };
        additional.chat_presence_user_ids = [customer.id];
      } else if (event === "incoming_event") {
        if (!c.threads.at(-1).active) newThread(c);
        const ev = data.echo
          ? c.threads.at(-1).events.at(-1)
          : push(c, { type: "message", text: data.text ?? "More", visibility: data.visibility ?? "all", author_id: data.author === "agent" ? agent.id : customerOf(c).id });
        if (!ev) throw new FakeError(400, "the chat has no event to echo");
        payload = { chat_id: c.id, thread_id: c.threads.at(-1).id, event: ev };
      } else if (event === "chat_deactivated") {
        c.threads.at(-1).active = false;
        payload = { chat_id: c.id, thread_id: c.threads.at(-1).id, user_id: agent.id };
      } else if (event === "chat_transferred") {
        const to = {};
        if (data.group_ids) to.group_ids = data.group_ids;
        if (data.agent_ids) to.agent_ids = data.agent_ids;
        if (!to.group_ids && !to.agent_ids) to.group_ids = [1];
        if (to.group_ids) c.access = { group_ids: to.group_ids };
        payload = { chat_id: c.id, thread_id: c.threads.at(-1).id, requester_id: agent.id, reason: data.reason ?? "manual", transferred_to: to, queue: { position: 1, wait_time: 0, queued_at: at() } };
      } else if (event === "chat_properties_updated") {
        const rating = { score: { value: Number(data.score ?? 1) } };
        if (data.comment) rating.comment = { value: data.comment };
        c.properties.rating = rating;
        payload = { chat_id: c.id, properties: { rating } };
      } else {
        throw new FakeError(400, `unsupported LiveChat action ${event}`);
      }
      const envelope = {
        webhook_id: webhookId,
        secret_key: mode === "wrong_secret" ? `${cfg.webhook_secret}-wrong` : cfg.webhook_secret,
        action: event,
        organization_id: "390e44e6-f1e6-4c8b-9d6d-74a14508c2e1",
        payload,
        additional_data: additional,
      };
      if (mode === "unsigned") delete envelope.secret_key;
      const delivery = { headers: {}, body: JSON.stringify(envelope), conversation_id: c.id };
      // The secret travels in the body: `tampered` still carries it (nothing is signed).
      return applyMode(delivery, mode === "unsigned" ? "signed" : mode, []);
    },
  };
  return vendor;
}
