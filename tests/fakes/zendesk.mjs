// Zendesk messaging's server API, Sunshine Conversations v2, under `/sc` as on
// `{subdomain}.zendesk.com/sc`: Basic auth with an API key id and secret, `/v2/apps/{appId}/…`
// routes, `{"errors":[{"code","title"}]}` bodies, cursor pages of at most 100 messages going
// backwards (`page[before]`, `meta.hasMore`, `meta.beforeCursor`), 429 with `Retry-After`,
// and webhooks authenticated by the `X-API-Key` header. Zendesk's other webhooks (a Support
// trigger posting our documented `chat.*` body) are signed
// `X-Zendesk-Webhook-Signature: base64(HMAC-SHA256(secret, timestamp + body))` with
// `X-Zendesk-Webhook-Signature-Timestamp`; the fake sends those too (`chat.started`,
// `chat.message`, `chat.ended`), mode `stale` dating the signature 10 minutes back.
//
// Config: { app_id, key_id, secret, webhook_secret }.

import { createHmac } from "node:crypto";
import { randomId, same, basic, applyMode } from "./lib.mjs";

const errors = (code, title) => ({ errors: [{ code, title }] });
const iso = (ms = Date.now()) => new Date(ms).toISOString();
const PAGE = 100;

export function create(config) {
  const cfg = { app_id: "5ebee0975ac5304b664a12fa", key_id: "app_5ebee0975ac5", secret: "zd-key-secret", webhook_secret: "zd-webhook-secret", ...config };
  let users, conversations;
  const reset = () => {
    users = new Map();
    conversations = new Map();
  };
  reset();
  const base = `/sc/v2/apps/${cfg.app_id}`;

  function user(u) {
    return { id: u.id, externalId: u.externalId ?? null, signedUpAt: u.signedUpAt, toBeRetained: true, profile: u.profile ?? {}, metadata: u.metadata ?? {}, identities: [] };
  }
  function findUser(idOrExternal) {
    return users.get(idOrExternal) ?? [...users.values()].find((u) => u.externalId === idOrExternal);
  }
  function addMessage(c, author, text) {
    const m = { id: randomId(24), received: iso(), author, content: { type: "text", text }, source: { type: "api" } };
    c.messages.push(m);
    return m;
  }
  function newConversation(u, extra = {}) {
    const c = { id: randomId(24), type: "personal", participants: [{ userId: u.id }], messages: [], metadata: extra.metadata ?? {}, displayName: extra.displayName ?? null };
    conversations.set(c.id, c);
    return c;
  }
  const userAuthor = (u) => ({ type: "user", userId: u.id, displayName: [u.profile?.givenName, u.profile?.surname].filter(Boolean).join(" ") || "Visitor", user: { id: u.id, externalId: u.externalId ?? null, authenticated: true } });

  function supportWebhook(event, data, mode) {
    const chatId = String(data.chat_id ?? randomId(5, true));
    const payload = { event, id: `zd-evt-${randomId(10)}`, chat_id: chatId, timestamp: iso().replace(/\.\d+Z$/, "Z") };
    if (event === "chat.started") {
      payload.visitor = { id: `zd-user-${randomId(6, true)}`, name: data.name ?? "Visitor", email: data.email ?? null };
    }
    if (event !== "chat.ended") {
      payload.message = { id: `zd-msg-${randomId(10)}`, text: data.text ?? "Hello", sender_type: data.author === "agent" ? "agent" : "visitor", sender_name: data.name ?? "Visitor" };
    }
    const body = JSON.stringify(payload);
    const ms = mode === "stale" ? Date.now() - 600_000 : Date.now();
    const ts = new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");
    const secret = mode === "wrong_secret" ? "not-the-secret" : cfg.webhook_secret;
    const delivery = {
      headers: {
        "X-Zendesk-Webhook-Signature": createHmac("sha256", secret).update(ts + body).digest("base64"),
        "X-Zendesk-Webhook-Signature-Timestamp": ts,
        "X-Zendesk-Webhook-Id": randomId(26),
      },
      body,
      conversation_id: chatId,
    };
    return applyMode(delivery, mode, ["X-Zendesk-Webhook-Signature", "X-Zendesk-Webhook-Signature-Timestamp"]);
  }

  const vendor = {
    name: "zendesk",
    reset,
    state: () => ({ users: [...users.values()].map(user), conversations: [...conversations.values()] }),
    authorize(req) {
      const b = basic(req);
      if (!b || !same(b.user, cfg.key_id) || !same(b.pass, cfg.secret)) {
        return [401, errors("unauthorized", "Authorization is required")];
      }
      return null;
    },
    tooLarge: () => errors("request_entity_too_large", "Request body is larger than the maximum allowed size (100kb)"),
    badJson: () => errors("bad_request", "Invalid JSON body"),
    notFound: () => [404, errors("not_found", "Resource not found")],
    throttled: ({ retry_after }) => [429, errors("too_many_requests", "Too many requests"), { "Retry-After": String(retry_after ?? 1) }],
    outage: (status) => [status, errors("service_unavailable", "Service unavailable")],

    route(req) {
      const b = req.body ?? {};
      if (!req.path.startsWith(base)) {
        return req.path.startsWith("/sc/v2/apps/") ? [403, errors("forbidden", "Cannot access this app")] : null;
      }
      const rest = req.path.slice(base.length);
      if (req.method === "GET" && rest === "") {
        return [200, { app: { id: cfg.app_id, displayName: "Fake Spa", subdomain: "fakespa", settings: {}, metadata: null } }];
      }
      if (req.method === "POST" && rest === "/users") {
        if (typeof b.externalId !== "string" || !b.externalId) return [400, errors("bad_request", "externalId is required")];
        if ([...users.values()].some((u) => u.externalId === b.externalId)) {
          return [409, errors("conflict", "A user with the same externalId already exists")];
        }
        const u = { id: randomId(24), externalId: b.externalId, profile: b.profile ?? {}, metadata: b.metadata ?? {}, signedUpAt: iso() };
        users.set(u.id, u);
        return [201, { user: user(u) }];
      }
      let m = rest.match(/^\/users\/([^/]+)$/);
      if (m && req.method === "GET") {
        const u = findUser(decodeURIComponent(m[1]));
        return u ? [200, { user: user(u) }] : [404, errors("not_found", "User not found")];
      }
      if (req.method === "POST" && rest === "/conversations") {
        if (!["personal", "sdkGroup"].includes(b.type)) return [400, errors("bad_request", "type must be personal or sdkGroup")];
        const p = Array.isArray(b.participants) ? b.participants[0] : null;
        const u = p && (p.userId ? users.get(p.userId) : findUser(p.userExternalId));
        if (!u) return [400, errors("bad_request", "participants must name an existing user")];
        const c = newConversation(u, b);
        return [201, { conversation: { id: c.id, type: c.type, metadata: c.metadata, displayName: c.displayName, isDefault: false, lastUpdatedAt: iso() } }];
      }
      m = rest.match(/^\/conversations\/([^/]+)\/messages$/);
      if (m) {
        const c = conversations.get(m[1]);
        if (!c) return [404, errors("not_found", "Conversation not found")];
        if (req.method === "POST") {
          const a = b.author ?? {};
          if (!b.content || b.content.type !== "text" || typeof b.content.text !== "string" || !b.content.text) {
            return [400, errors("bad_request", "content must be a text message with text")];
          }
          let author;
          if (a.type === "business") author = { type: "business", displayName: a.displayName ?? "Fake Spa" };
          else if (a.type === "user") {
            const u = a.userId ? users.get(a.userId) : findUser(a.userExternalId);
            if (!u) return [400, errors("bad_request", "author.userId must name a user of the conversation")];
            author = userAuthor(u);
          } else return [400, errors("bad_request", "author.type must be user or business")];
          if (c.messages.length >= 30000) return [423, errors("locked", "Message limit of 30000 per conversation reached.")];
          const msg = addMessage(c, author, b.content.text);
          if (b.metadata) msg.metadata = b.metadata;
          return [201, { messages: [msg] }];
        }
        if (req.method === "GET") {
          // Backwards: the latest page by default, `page[before]` for older ones.
          const before = req.query.get("page[before]");
          let end = c.messages.length;
          if (before) {
            end = c.messages.findIndex((x) => x.id === before);
            if (end < 0) return [400, errors("bad_request", "page[before] is not a message of this conversation")];
          }
          const start = Math.max(0, end - PAGE);
          const page = c.messages.slice(start, end);
          const meta = { hasMore: start > 0 };
          if (start > 0) meta.beforeCursor = page[0].id;
          const links = start > 0 ? { prev: `${base}/conversations/${c.id}/messages?page[before]=${page[0].id}` } : {};
          return [200, { messages: page, meta, links }];
        }
      }
      return null;
    },

    addMessage({ conversation_id, author = "agent", text }) {
      const c = conversations.get(String(conversation_id));
      if (!c) return { error: "unknown conversation" };
      const u = users.get(c.participants[0].userId);
      const m = addMessage(c, author === "agent" ? { type: "business", displayName: "Fake Agent" } : userAuthor(u), text);
      return { id: m.id, conversation_id: c.id };
    },

    /** `conversation:message` (data: {conversation_id?, external_id?, name?, text, author?:
     * "user"|"business", echo?}): a new conversation when none is named. */
    webhook(event, data, mode) {
      if (event.startsWith("chat.")) return supportWebhook(event, data, mode);
      if (event !== "conversation:message") throw new Error(`unsupported event ${event}`);
      let c = data.conversation_id ? conversations.get(String(data.conversation_id)) : null;
      let msg;
      if (!c) {
        const ext = data.external_id ?? `visitor-${randomId(8)}`;
        let u = findUser(ext);
        if (!u) {
          const [givenName, surname] = String(data.name ?? "Visitor").split(" ");
          u = { id: randomId(24), externalId: ext, profile: { givenName, surname, email: data.email }, signedUpAt: iso() };
          users.set(u.id, u);
        }
        c = newConversation(u);
      }
      if (data.echo) msg = c.messages[c.messages.length - 1];
      else {
        const u = users.get(c.participants[0].userId);
        msg = addMessage(c, data.author === "business" ? { type: "business", displayName: "Fake Agent" } : userAuthor(u), data.text ?? "Hello");
      }
      const body = JSON.stringify({
        app: { id: cfg.app_id },
        webhook: { id: randomId(24), version: "v2" },
        events: [{ id: randomId(24), createdAt: iso(), type: "conversation:message", payload: { conversation: { id: c.id, type: c.type }, message: msg } }],
      });
      const delivery = {
        headers: { "X-API-Key": mode === "wrong_secret" ? "not-the-secret" : cfg.webhook_secret },
        body,
        conversation_id: c.id,
      };
      return applyMode(delivery, mode, ["X-API-Key"]);
    },
  };
  return vendor;
}
