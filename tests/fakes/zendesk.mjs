// Zendesk messaging's server API, Sunshine Conversations v2, under `/sc` as on
// `{subdomain}.zendesk.com/sc`: Basic auth with an API key id and secret (or a Bearer JWT,
// HS256, `kid` = key id, `scope` app/account/integration), `/v2/apps/{appId}/…` routes,
// `{"errors":[{"code","title"}]}` bodies, JSON bodies of at most 100 kB (413), cursor pages
// of messages (fixed at 100, backwards by default; `page[before]` / `page[after]`,
// `meta{hasMore, beforeCursor?, afterCursor?}`, `links{prev?, next?}`), 423 at 30,000
// messages, 429 with `Retry-After`, and webhooks authenticated by the `X-API-Key` header.
//
// Zendesk's other webhooks (a Support trigger posting our documented `chat.*` body, see
// crates/core/src/platforms/zendesk.rs) are signed `X-Zendesk-Webhook-Signature:
// base64(HMAC-SHA256(secret, timestamp + body))` with `X-Zendesk-Webhook-Signature-Timestamp`;
// the fake sends those too (`chat.started`, `chat.message`, `chat.ended`, `chat.rating`),
// mode `stale` dating the signature 10 minutes back.
//
// Config: { app_id, key_id, secret, webhook_secret }.

import { createHmac } from "node:crypto";
import { randomId, same, basic, bearer, applyMode, noStale, FakeError } from "./lib.mjs";

const errors = (code, title) => ({ errors: [{ code, title }] });
const iso = (ms = Date.now()) => new Date(ms).toISOString();
const PAGE = 100;
const MAX_MESSAGES = 30000;

const b64url = (buf) => Buffer.from(buf).toString("base64url");

/** Verifies an HS256 JWT signed with `secret` for key `kid`; answers its claims or null. */
export function verifyJwt(token, kid, secret) {
  const parts = String(token).split(".");
  if (parts.length !== 3) return null;
  let header, claims;
  try {
    header = JSON.parse(Buffer.from(parts[0], "base64url").toString("utf8"));
    claims = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8"));
  } catch {
    return null;
  }
  if (header.alg !== "HS256" || !same(header.kid, kid)) return null;
  const sig = b64url(createHmac("sha256", secret).update(`${parts[0]}.${parts[1]}`).digest());
  if (!same(sig, parts[2])) return null;
  if (claims.exp !== undefined && Number(claims.exp) < Date.now() / 1000) return null;
  if (!["app", "account", "integration"].includes(claims.scope)) return null;
  return claims;
}

/** Signs an HS256 JWT as Sunshine's docs describe (for tests). */
export function signJwt(kid, secret, claims = { scope: "app" }) {
  const h = b64url(JSON.stringify({ alg: "HS256", typ: "JWT", kid }));
  const p = b64url(JSON.stringify(claims));
  return `${h}.${p}.${b64url(createHmac("sha256", secret).update(`${h}.${p}`).digest())}`;
}

export function create(config = {}) {
  const cfg = { app_id: "5ebee0975ac5304b664a12fa", key_id: "app_5ebee0975ac5", secret: "zd-key-secret", webhook_secret: "zd-webhook-secret", ...config };
  const integrationId = "5ecff63ffc3ab25f4561c8a0";
  const switchboard = {
    agent: { id: "5eecde2dcdbffb08f5c3ed37", name: "zd-agentWorkspace", integrationId: "5f11a650e4e987667c2051d1", integrationType: "zd:agentWorkspace" },
    bot: { id: "5eecde2dcdbffb08f5c3ed38", name: "zd-answerBot", integrationId: "5f11a650e4e987667c2051d2", integrationType: "zd:answerBot" },
  };
  let users, conversations;
  const reset = () => {
    users = new Map();
    conversations = new Map();
  };
  reset();
  const base = `/sc/v2/apps/${cfg.app_id}`;

  function user(u) {
    return { id: u.id, externalId: u.externalId ?? null, signedUpAt: u.signedUpAt, toBeRetained: true, profile: { locale: "en-US", ...u.profile }, metadata: u.metadata ?? {}, identities: [], authenticated: Boolean(u.externalId) };
  }
  const userTruncated = (u) => ({ id: u.id, externalId: u.externalId ?? undefined, authenticated: Boolean(u.externalId) });
  function findUser(idOrExternal) {
    return users.get(idOrExternal) ?? [...users.values()].find((u) => u.externalId === idOrExternal);
  }
  function newUser(fields) {
    const u = { id: randomId(24), externalId: null, profile: {}, metadata: {}, signedUpAt: iso(), ...fields };
    users.set(u.id, u);
    return u;
  }
  const displayName = (u) => [u.profile?.givenName, u.profile?.surname].filter(Boolean).join(" ") || "Visitor";
  const userAuthor = (u) => ({ type: "user", userId: u.id, displayName: displayName(u), user: userTruncated(u) });
  const businessAuthor = (name = "Fake Spa") => ({ type: "business", subtypes: ["agent"], displayName: name, avatarUrl: "https://www.gravatar.com/image.jpg" });

  function addMessage(c, author, text, extra = {}) {
    const m = {
      id: randomId(24),
      received: iso(),
      author,
      content: { type: "text", text },
      source: author.type === "user" ? { type: "web", integrationId } : { type: "api:conversations" },
      ...extra,
    };
    c.messages.push(m);
    c.lastUpdatedAt = m.received;
    return m;
  }
  function newConversation(u, extra = {}) {
    const t = iso();
    const c = {
      id: randomId(24),
      type: extra.type ?? "personal",
      participants: [{ userId: u.id }],
      messages: [],
      metadata: extra.metadata ?? {},
      displayName: extra.displayName ?? null,
      description: extra.description ?? null,
      isDefault: ![...conversations.values()].some((x) => x.participants[0].userId === u.id),
      createdAt: t,
      lastUpdatedAt: t,
      active: switchboard.agent,
    };
    conversations.set(c.id, c);
    return c;
  }
  const conversationObject = (c) => ({
    id: c.id,
    type: c.type,
    metadata: c.metadata,
    activeSwitchboardIntegration: c.active,
    isDefault: c.isDefault,
    displayName: c.displayName,
    description: c.description,
    businessLastRead: null,
    lastUpdatedAt: c.lastUpdatedAt,
    createdAt: c.createdAt,
  });
  const conversationTruncated = (c) => ({ id: c.id, type: c.type, metadata: c.metadata, activeSwitchboardIntegration: c.active });

  function supportWebhook(event, data, mode) {
    const chatId = String(data.chat_id ?? data.conversation_id ?? randomId(5, true));
    const payload = { event, id: `zd-evt-${randomId(10)}`, chat_id: chatId, timestamp: iso().replace(/\.\d+Z$/, "Z") };
    if (event === "chat.started") {
      payload.visitor = { id: `zd-user-${randomId(6, true)}`, name: data.name ?? "Visitor", email: data.email ?? null };
    }
    if (event === "chat.started" || event === "chat.message") {
      payload.message = { id: `zd-msg-${randomId(10)}`, text: data.text ?? "Hello", sender_type: data.author === "agent" ? "agent" : "visitor", sender_name: data.name ?? "Visitor" };
    }
    if (event === "chat.rating") {
      payload.rating = data.rating ?? "good";
      if (data.comment) payload.comment = data.comment;
    }
    const body = JSON.stringify(payload);
    const ms = mode === "stale" ? Date.now() - 600_000 : Date.now();
    const ts = new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");
    const secret = mode === "wrong_secret" ? `${cfg.webhook_secret}-wrong` : cfg.webhook_secret;
    const delivery = {
      headers: {
        "X-Zendesk-Webhook-Signature": createHmac("sha256", secret).update(ts + body).digest("base64"),
        "X-Zendesk-Webhook-Signature-Timestamp": ts,
        "X-Zendesk-Webhook-Id": randomId(26),
        "X-Zendesk-Webhook-Invocation-Id": randomId(19, true),
      },
      body,
      conversation_id: chatId,
      event_id: payload.id,
    };
    return applyMode(delivery, mode, ["X-Zendesk-Webhook-Signature", "X-Zendesk-Webhook-Signature-Timestamp"]);
  }

  /** A page of messages, as ListMessages pages them. */
  function page(c, query, url) {
    const before = query.get("page[before]");
    const after = query.get("page[after]");
    if (before && after) return [400, errors("bad_request", "Only one of page[before] or page[after] may be provided")];
    const list = c.messages;
    let start, end;
    if (after) {
      const i = list.findIndex((x) => x.id === after);
      if (i < 0) return [400, errors("bad_request", "page[after] must be the id of a message of this conversation")];
      start = i + 1;
      end = Math.min(list.length, start + PAGE);
    } else {
      end = list.length;
      if (before) {
        end = list.findIndex((x) => x.id === before);
        if (end < 0) return [400, errors("bad_request", "page[before] must be the id of a message of this conversation")];
      }
      start = Math.max(0, end - PAGE);
    }
    const messages = list.slice(start, end);
    const olderExist = start > 0;
    const newerExist = end < list.length;
    const meta = { hasMore: after ? newerExist : olderExist };
    const links = {};
    const self = new URL(url);
    const link = (k, v) => {
      const u = new URL(self.origin + self.pathname);
      u.searchParams.set(k, v);
      return u.href.replace(/%5B/g, "[").replace(/%5D/g, "]");
    };
    if (olderExist && messages.length) {
      meta.beforeCursor = messages[0].id;
      links.prev = link("page[before]", messages[0].id);
    }
    if (newerExist && messages.length) {
      meta.afterCursor = messages.at(-1).id;
      links.next = link("page[after]", messages.at(-1).id);
    }
    return [200, { messages, meta, links }];
  }

  function validContent(content) {
    if (!content || typeof content !== "object") return "content is required";
    switch (content.type) {
      case "text":
        return typeof content.text === "string" && content.text.length > 0 ? null : "content.text is required for a text message";
      case "image":
      case "file":
        return typeof content.mediaUrl === "string" && content.mediaUrl ? null : `content.mediaUrl is required for a ${content.type} message`;
      default:
        return `content.type ${JSON.stringify(content.type)} is not supported by this fake`;
    }
  }

  const vendor = {
    name: "zendesk",
    config: cfg,
    maxBody: 100 * 1024,
    reset,
    state: () => ({ users: [...users.values()].map(user), conversations: [...conversations.values()].map((c) => ({ ...conversationObject(c), participants: c.participants, messages: c.messages })) }),
    authorize(req) {
      const h = req.headers.authorization;
      if (!h) return [401, errors("unauthorized", "Authorization is required")];
      const b = basic(req);
      if (b) {
        return same(b.user, cfg.key_id) && same(b.pass, cfg.secret) ? null : [401, errors("unauthorized", "Authorization is required")];
      }
      const t = bearer(req);
      if (t) return verifyJwt(t, cfg.key_id, cfg.secret) ? null : [401, errors("invalid_auth", "Invalid JWT")];
      return [401, errors("unauthorized", "Authorization is required")];
    },
    tooLarge: () => [413, errors("request_entity_too_large", "Request body is larger than the maximum allowed size (100kb)")],
    badJson: () => [400, errors("bad_request", "Invalid JSON body")],
    notFound: () => [404, errors("not_found", "Resource not found")],
    throttled: ({ retry_after }) => [429, errors("too_many_requests", "Too Many Requests"), { "Retry-After": String(retry_after ?? 1) }],
    outage: ({ status, retry_after }) => [
      status,
      errors(status === 503 ? "service_unavailable" : "internal_server_error", status === 503 ? "Service Unavailable" : "Internal Server Error"),
      retry_after !== undefined ? { "Retry-After": String(retry_after) } : {},
    ],

    route(req) {
      const b = req.body ?? {};
      const json = () => (req.headers["content-type"] ?? "").includes("application/json");
      if (!req.path.startsWith(`${base}/`) && req.path !== base) {
        return req.path.startsWith("/sc/v2/apps/") ? [403, errors("forbidden", "Cannot access this app")] : null;
      }
      const rest = req.path.slice(base.length);
      if (req.method === "POST" && !json()) return [415, errors("unsupported_media_type", "Content-Type must be application/json")];
      if (req.method === "GET" && rest === "") {
        return [200, { app: { id: cfg.app_id, displayName: "Fake Spa", subdomain: "fakespa", settings: { conversationRetentionSeconds: 0, maskCreditCardNumbers: true, useAnimalNames: false, echoPostback: false, ignoreAutoConversationStart: false, multiConvoEnabled: true, appLocalizationEnabled: false }, metadata: null } }];
      }
      if (req.method === "POST" && rest === "/users") {
        if (typeof b.externalId !== "string" || !b.externalId) return [400, errors("bad_request", "externalId is required")];
        if (b.profile !== undefined && (typeof b.profile !== "object" || b.profile === null || Array.isArray(b.profile))) return [400, errors("bad_request", "profile must be an object")];
        if ([...users.values()].some((u) => u.externalId === b.externalId)) {
          return [409, errors("conflict", "User already exists")];
        }
        const u = newUser({ externalId: b.externalId, profile: b.profile ?? {}, metadata: b.metadata ?? {} });
        return [201, { user: user(u) }];
      }
      let m = rest.match(/^\/users\/([^/]+)$/);
      if (m && req.method === "GET") {
        const u = findUser(decodeURIComponent(m[1]));
        return u ? [200, { user: user(u) }] : [404, errors("user_not_found", "User not found")];
      }
      if (req.method === "POST" && rest === "/conversations") {
        if (!["personal", "sdkGroup"].includes(b.type)) return [400, errors("bad_request", "type must be one of personal, sdkGroup")];
        const ps = b.participants;
        if (b.type === "personal" && (!Array.isArray(ps) || ps.length !== 1)) return [400, errors("bad_request", "participants must contain exactly 1 participant for a personal conversation")];
        if (!Array.isArray(ps) || ps.length === 0 || ps.length > 10) return [400, errors("bad_request", "participants must contain 1 to 10 participants")];
        const p = ps[0];
        if (!p || typeof p !== "object" || (p.userId && p.userExternalId) || (!p.userId && !p.userExternalId)) {
          return [400, errors("bad_request", "a participant needs one of userId or userExternalId, but not both")];
        }
        const u = p.userId ? users.get(p.userId) : [...users.values()].find((x) => x.externalId === p.userExternalId);
        if (!u) return [404, errors("user_not_found", "User not found")];
        const c = newConversation(u, b);
        return [201, { conversation: conversationObject(c) }];
      }
      m = rest.match(/^\/conversations\/([^/]+)$/);
      if (m && req.method === "GET") {
        const c = conversations.get(m[1]);
        return c ? [200, { conversation: conversationObject(c) }] : [404, errors("conversation_not_found", "Conversation not found")];
      }
      m = rest.match(/^\/conversations\/([^/]+)\/messages$/);
      if (m) {
        const c = conversations.get(m[1]);
        if (!c) return [404, errors("not_found", "Resource not found")];
        if (req.method === "POST") {
          const a = b.author;
          if (!a || typeof a !== "object") return [400, errors("bad_request", "author is required")];
          const problem = validContent(b.content);
          if (problem) return [400, errors("bad_request", problem)];
          let author;
          if (a.type === "business") author = businessAuthor(a.displayName);
          else if (a.type === "user") {
            if ((a.userId && a.userExternalId) || (!a.userId && !a.userExternalId)) return [400, errors("bad_request", "author needs one of userId or userExternalId, but not both")];
            const u = a.userId ? users.get(a.userId) : [...users.values()].find((x) => x.externalId === a.userExternalId);
            if (!u) return [404, errors("user_not_found", "User not found")];
            if (!c.participants.some((p) => p.userId === u.id)) return [400, errors("bad_request", "The user is not a participant of the conversation")];
            author = userAuthor(u);
          } else return [400, errors("bad_request", "author.type must be one of business, user")];
          if (c.messages.length >= MAX_MESSAGES) return [423, errors("locked", "Message limit of 30000 per conversation reached.")];
          const msg = addMessage(c, author, b.content.text ?? "", b.metadata ? { metadata: b.metadata } : {});
          if (b.content.type !== "text") msg.content = { ...b.content };
          return [201, { messages: [msg] }];
        }
        if (req.method === "GET") return page(c, req.query, req.url);
        if (req.method === "DELETE") {
          c.messages = [];
          return [200, {}];
        }
      }
      return null;
    },

    addMessage({ conversation_id, author = "agent", text }) {
      const c = conversations.get(String(conversation_id));
      if (!c) return { error: "unknown conversation" };
      const u = users.get(c.participants[0].userId);
      const m = addMessage(c, author === "agent" ? businessAuthor("Fake Agent") : userAuthor(u), text);
      return { id: m.id, conversation_id: c.id };
    },

    /**
     * Sunshine events: `conversation:message` (data: {conversation_id?, external_id?, name?,
     * email?, text, author?: "user"|"business", echo?}: a new user and conversation when none
     * is named), `conversation:create` ({external_id?, name?, email?}), `conversation:remove`
     * ({conversation_id}), `switchboard:passControl` ({conversation_id, reason?:
     * "ticketClosed"|"transferToEmail", to?: "agent"|"bot"}). Zendesk trigger bodies:
     * `chat.started`, `chat.message`, `chat.ended`, `chat.rating` ({chat_id?, text, name,
     * email, author, rating, comment}).
     */
    webhook(event, data, mode) {
      if (event.startsWith("chat.")) {
        if (!["chat.started", "chat.message", "chat.ended", "chat.rating"].includes(event)) throw new FakeError(400, `unsupported Zendesk trigger event ${event}`);
        return supportWebhook(event, data, mode);
      }
      noStale("Sunshine Conversations", mode);
      let c = data.conversation_id ? conversations.get(String(data.conversation_id)) : null;
      if (data.conversation_id && !c) throw new FakeError(404, `unknown conversation ${data.conversation_id}`);
      const userFor = () => {
        const ext = data.external_id ?? `visitor-${randomId(8)}`;
        let u = [...users.values()].find((x) => x.externalId === ext);
        if (!u) {
          const [givenName, ...surname] = String(data.name ?? "Visitor").split(" ");
          u = newUser({ externalId: ext, profile: { givenName, surname: surname.join(" ") || undefined, email: data.email } });
        }
        return u;
      };
      const ev = { id: randomId(24), createdAt: iso(), type: event };
      if (event === "conversation:message") {
        c ??= newConversation(userFor());
        const u = users.get(c.participants[0].userId);
        const msg = data.echo ? c.messages.at(-1) : addMessage(c, data.author === "business" ? businessAuthor("Fake Agent") : userAuthor(u), data.text ?? "Hello");
        if (!msg) throw new FakeError(400, "the conversation has no message to echo");
        ev.payload = { conversation: conversationTruncated(c), message: msg };
      } else if (event === "conversation:create") {
        c ??= newConversation(userFor());
        const u = users.get(c.participants[0].userId);
        ev.payload = { conversation: conversationTruncated(c), creationReason: "message", source: { type: "web", integrationId }, user: user(u) };
      } else if (event === "conversation:remove") {
        if (!c) throw new FakeError(400, "conversation:remove needs data.conversation_id");
        conversations.delete(c.id);
        ev.payload = { conversation: conversationTruncated(c) };
      } else if (event === "switchboard:passControl") {
        if (!c) throw new FakeError(400, "switchboard:passControl needs data.conversation_id");
        c.active = switchboard[data.to ?? (data.reason === "ticketClosed" ? "bot" : "agent")] ?? switchboard.agent;
        ev.payload = { conversation: conversationTruncated(c), metadata: {}, ...(data.reason ? { reason: data.reason } : {}) };
      } else {
        throw new FakeError(400, `unsupported Sunshine event ${event}`);
      }
      const body = JSON.stringify({ app: { id: cfg.app_id }, webhook: { id: "5f4eaef81e3dcc117c7ba48a", version: "v2" }, events: [ev] });
      const delivery = {
        headers: { "X-API-Key": mode === "wrong_secret" ? `${cfg.webhook_secret}-wrong` : cfg.webhook_secret },
        body,
        conversation_id: c.id,
        event_id: ev.id,
      };
      return applyMode(delivery, mode, ["X-API-Key"]);
    },
  };
  return vendor;
}
