// Drift's conversation API (`https://driftapi.com`): Bearer OAuth token, numeric ids,
// `{"data": ...}` wrappers, and webhooks carrying the app's verification token both as the
// body's `token` and as the `X-Verification-Token` header (no HMAC).
//
// Drift publishes neither an error schema nor the pagination object of
// `GET /conversations/{id}/messages`; the fake answers `{"error":{"type","message"}}` and
// `{"data":{"messages":[...],"pagination":{"more":bool,"next":"<cursor>"}}}` (50 a page,
// oldest first, `?next=<cursor>`). A second contact with the same e-mail is a 409 `conflict`.
//
// Config: { access_token, verification_token, org_id, user_id }.

import { randomId, same, bearer, applyMode, noStale, paragraph, FakeError } from "./lib.mjs";

const err = (type, message) => ({ error: { type, message } });
const PAGE = 50;

export function create(config = {}) {
  const cfg = { access_token: "dr-token", verification_token: "dr-verification", org_id: 1234567, user_id: 228224, ...config };
  cfg.user_id = Number(cfg.user_id);
  cfg.org_id = Number(cfg.org_id);
  const agent = { id: cfg.user_id, orgId: cfg.org_id, name: "Fake Agent", alias: "Fake", email: "agent@example.com", phone: null, locale: "en-US", availability: "AVAILABLE", role: "admin", timeZone: "Europe/London", avatarUrl: null, verified: true, bot: false, createdAt: 1548700000000, updatedAt: 1548700000000 };
  let contacts, conversations, nextId;
  const reset = () => {
    contacts = new Map();
    conversations = new Map();
    nextId = 464000000 + Math.floor(Math.random() * 1_000_000) * 100;
  };
  reset();
  const id = () => ++nextId;

  function message(c, author, body, type = "chat", extra = {}) {
    const m = { id: id(), orgId: cfg.org_id, body, author, type, conversationId: c.id, createdAt: Date.now(), attributes: {}, ...extra };
    c.messages.push(m);
    c.updatedAt = m.createdAt;
    return m;
  }
  const contactByEmail = (email) => [...contacts.values()].find((c) => c.attributes.email === email);
  function newContact(attributes) {
    const c = { id: id(), createdAt: Date.now(), attributes: { ...attributes } };
    contacts.set(c.id, c);
    return c;
  }
  function newConversation(contact) {
    const t = Date.now();
    const c = { id: id(), status: "open", contactId: contact.id, createdAt: t, updatedAt: t, inboxId: 116983, participants: [cfg.user_id], messages: [] };
    conversations.set(c.id, c);
    return c;
  }
  const conversationObject = (c) => ({ id: c.id, participants: c.participants, status: c.status, contactId: c.contactId, inboxId: c.inboxId, createdAt: c.createdAt, updatedAt: c.updatedAt, conversationTags: [] });
  const contactAuthor = (c) => ({ type: "contact", id: c.contactId, bot: false });
  const userAuthor = (uid = cfg.user_id) => ({ type: "user", id: Number(uid), bot: false });

  const vendor = {
    name: "drift",
    config: cfg,
    reset,
    state: () => ({ contacts: [...contacts.values()], conversations: [...conversations.values()] }),
    authorize(req) {
      if (!same(bearer(req), cfg.access_token)) return [401, err("authentication_error", "Invalid or expired access token")];
      return null;
    },
    badJson: () => [400, err("invalid_request", "Request body is not valid JSON")],
    notFound: () => [404, err("not_found", "Not found")],
    throttled: ({ retry_after }) => [429, err("rate_limit_exceeded", "Too many requests"), { "Retry-After": String(retry_after ?? 1) }],
    outage: ({ status, retry_after }) => [status, err("server_error", status === 503 ? "Service unavailable" : "Internal server error"), retry_after !== undefined ? { "Retry-After": String(retry_after) } : {}],
    route(req) {
      const b = req.body ?? {};
      if (req.method === "GET" && req.path === "/users/list") return [200, { data: [agent] }];
      let m = req.path.match(/^\/users\/(\d+)$/);
      if (m && req.method === "GET") return Number(m[1]) === cfg.user_id ? [200, { data: agent }] : [404, err("not_found", "User not found")];
      if (req.method === "GET" && req.path === "/contacts") {
        const email = req.query.get("email");
        if (!email) return [400, err("invalid_request", "email is required")];
        const c = contactByEmail(email);
        return [200, { data: c ? [c] : [] }];
      }
      if (req.method === "POST" && req.path === "/contacts") {
        const a = b.attributes;
        if (!a || typeof a !== "object" || Array.isArray(a)) return [400, err("invalid_request", "attributes is required")];
        if (typeof a.email !== "string" || !a.email) return [400, err("invalid_request", "attributes.email is required")];
        if (contactByEmail(a.email)) return [409, err("conflict", "A contact with this email already exists")];
        return [200, { data: newContact(a) }];
      }
      m = req.path.match(/^\/contacts\/(\d+)$/);
      if (m && req.method === "GET") {
        const c = contacts.get(Number(m[1]));
        return c ? [200, { data: c }] : [404, err("not_found", "Contact not found")];
      }
      if (req.method === "POST" && req.path === "/conversations/new") {
        if (typeof b.email !== "string" || !b.email) return [400, err("invalid_request", "email is required")];
        if (!b.message || typeof b.message.body !== "string" || !b.message.body) return [400, err("invalid_request", "message.body is required")];
        const contact = contactByEmail(b.email) ?? newContact({ email: b.email });
        const c = newConversation(contact);
        message(c, contactAuthor(c), b.message.body, "chat", { attributes: b.message.attributes ?? {} });
        return [200, { status: c.status, participants: c.participants, contactId: contact.id, createdAt: c.createdAt, id: c.id, inboxId: c.inboxId }];
      }
      if (req.method === "GET" && req.path === "/conversations/list") {
        const limit = Math.min(100, Number(req.query.get("limit") ?? 50));
        const start = Number(req.query.get("next") ?? 0);
        const all = [...conversations.values()];
        const data = all.slice(start, start + limit).map(conversationObject);
        const more = start + limit < all.length;
        return [200, { data, links: more ? { next: `/conversations/list?limit=${limit}&next=${start + limit}` } : {} }];
      }
      m = req.path.match(/^\/conversations\/([^/]+)(\/messages)?$/);
      if (m) {
        const c = /^\d+$/.test(m[1]) ? conversations.get(Number(m[1])) : undefined;
        if (!c) return [404, err("not_found", "Conversation not found")];
        if (!m[2] && req.method === "GET") return [200, { data: conversationObject(c) }];
        if (m[2] && req.method === "POST") {
          if (!["chat", "private_note"].includes(b.type)) return [400, err("invalid_request", "type must be chat or private_note")];
          if ((typeof b.body !== "string" || !b.body) && !Array.isArray(b.buttons)) return [400, err("invalid_request", "body or buttons is required")];
          if (b.userId !== undefined && !Number.isInteger(b.userId)) return [400, err("invalid_request", "userId must be an integer")];
          const msg = message(c, userAuthor(b.userId ?? cfg.user_id), b.body ?? "", b.type, b.buttons ? { buttons: b.buttons } : {});
          return [200, { data: { messages: [msg] } }];
        }
        if (m[2] && req.method === "GET") {
          const cursor = req.query.get("next");
          const start = cursor === null ? 0 : Number(cursor);
          if (!Number.isInteger(start) || start < 0 || start > c.messages.length) return [400, err("invalid_request", "next is not a cursor of this conversation")];
          const page = c.messages.slice(start, start + PAGE);
          const more = start + PAGE < c.messages.length;
          return [200, { data: { messages: page, pagination: { more, ...(more ? { next: String(start + PAGE) } : {}) } } }];
        }
      }
      return null;
    },

    addMessage({ conversation_id, author = "agent", text }) {
      const c = conversations.get(Number(conversation_id));
      if (!c) return { error: "unknown conversation" };
      const msg = message(c, author === "agent" ? userAuthor() : contactAuthor(c), paragraph(text));
      return { id: msg.id, conversation_id: c.id };
    },

    /**
     * Events: `new_message` (data: {conversation_id?, email?, name?, text, author?:
     * "contact"|"user", type?: "chat"|"private_note", echo?}: opens a conversation when none
     * is named), `contact_identified` ({email, name?}), `conversation_status_updated`
     * ({conversation_id, status?: "closed"|"open"|"pending"}), `new_conversation`
     * ({email?}; the event name is UNCONFIRMED upstream).
     */
    webhook(event, data, mode) {
      noStale("Drift", mode);
      let c = data.conversation_id ? conversations.get(Number(data.conversation_id)) : null;
      if (data.conversation_id && !c) throw new FakeError(404, `unknown conversation ${data.conversation_id}`);
      const contactFor = () => {
        const email = data.email ?? `visitor${randomId(6, true)}@example.com`;
        return contactByEmail(email) ?? newContact({ email, name: data.name ?? "Visitor" });
      };
      let payload;
      if (event === "new_message") {
        c ??= newConversation(contactFor());
        const msg = data.echo ? c.messages.at(-1) : message(c, data.author === "user" ? userAuthor() : contactAuthor(c), paragraph(data.text ?? "Hello"), data.type ?? "chat");
        if (!msg) throw new FakeError(400, "the conversation has no message to echo");
        payload = msg;
      } else if (event === "contact_identified") {
        const contact = contactFor();
        payload = contact;
      } else if (event === "conversation_status_updated") {
        if (!c) throw new FakeError(400, "conversation_status_updated needs data.conversation_id");
        c.status = data.status ?? "closed";
        c.updatedAt = Date.now();
        payload = { conversationId: c.id, status: c.status, updatedAt: c.updatedAt };
      } else if (event === "new_conversation") {
        c ??= newConversation(contactFor());
        payload = { ...conversationObject(c), conversationId: c.id };
      } else {
        throw new FakeError(400, `unsupported Drift event ${event}`);
      }
      const token = mode === "wrong_secret" ? `${cfg.verification_token}-wrong` : cfg.verification_token;
      const envelope = { orgId: cfg.org_id, type: event, token, data: payload };
      if (mode === "unsigned") delete envelope.token;
      const delivery = { headers: mode === "unsigned" ? {} : { "X-Verification-Token": token }, body: JSON.stringify(envelope), conversation_id: c?.id ?? null };
      // The token travels as is: `tampered` still carries it (nothing is signed).
      return applyMode(delivery, mode === "unsigned" ? "signed" : mode, []);
    },
  };
  return vendor;
}
