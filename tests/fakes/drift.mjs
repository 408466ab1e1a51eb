// Drift's conversation API (`https://driftapi.com`): Bearer OAuth token, numeric ids,
// `{"data": ...}` wrappers, and webhooks carrying the app's verification token both as the
// body's `token` and as the `X-Verification-Token` header.
//
// Drift publishes neither an error schema nor the pagination object of
// `GET /conversations/{id}/messages`; the fake answers `{"error":{"type","message"}}` and
// `{"data":{"messages":[...],"pagination":{"more":bool,"next":"<cursor>"}}}` (50 a page).
//
// Config: { access_token, verification_token, org_id, user_id }.

import { randomId, same, applyMode } from "./lib.mjs";

const err = (type, message) => ({ error: { type, message } });
const PAGE = 50;

export function create(config) {
  const cfg = { access_token: "dr-token", verification_token: "dr-verification", org_id: 1234567, user_id: 228224, ...config };
  let contacts, conversations, nextId;
  const reset = () => {
    contacts = new Map();
    conversations = new Map();
    nextId = 464000000 + Math.floor(Math.random() * 1_000_000) * 100;
  };
  reset();
  const id = () => ++nextId;

  function message(c, author, body, type = "chat") {
    const m = { id: id(), orgId: cfg.org_id, body, author, type, conversationId: c.id, createdAt: Date.now(), attributes: {} };
    c.messages.push(m);
    return m;
  }
  function contactByEmail(email) {
    return [...contacts.values()].find((c) => c.attributes.email === email);
  }
  function newContact(attributes) {
    const c = { id: id(), createdAt: Date.now(), attributes };
    contacts.set(c.id, c);
    return c;
  }
  function newConversation(contact) {
    const c = { id: id(), status: "open", contactId: contact.id, createdAt: Date.now(), inboxId: 116983, participants: [cfg.user_id], messages: [] };
    conversations.set(c.id, c);
    return c;
  }
  const contactAuthor = (c) => ({ type: "contact", id: c.contactId, bot: false });
  const userAuthor = (uid = cfg.user_id) => ({ type: "user", id: Number(uid), bot: false });

  const vendor = {
    name: "drift",
    reset,
    state: () => ({ contacts: [...contacts.values()], conversations: [...conversations.values()] }),
    authorize(req) {
      if (!same(req.headers.authorization, `Bearer ${cfg.access_token}`)) {
        return [401, err("authentication_error", "Invalid or expired access token")];
      }
      return null;
    },
    notFound: () => [404, err("not_found", "Not found")],
    throttled: ({ retry_after }) => [429, err("rate_limit_exceeded", "Too many requests"), { "Retry-After": String(retry_after ?? 1) }],
    outage: (status) => [status, err("server_error", "Service unavailable")],
    route(req) {
      const b = req.body ?? {};
      if (req.method === "GET" && req.path === "/users/list") {
        return [200, { data: [{ id: cfg.user_id, orgId: cfg.org_id, name: "Fake Agent", email: "agent@example.com", availability: "AVAILABLE" }] }];
      }
      if (req.method === "GET" && req.path === "/contacts") {
        const email = req.query.get("email");
        if (!email) return [400, err("invalid_request", "email or idType is required")];
        const c = contactByEmail(email);
        return [200, { data: c ? [c] : [] }];
      }
      if (req.method === "POST" && req.path === "/contacts") {
        const a = b.attributes ?? {};
        if (!a.email) return [400, err("invalid_request", "attributes.email is required")];
        if (contactByEmail(a.email)) return [409, err("conflict", "A contact with this email already exists")];
        return [200, { data: newContact(a) }];
      }
      if (req.method === "POST" && req.path === "/conversations/new") {
        if (!b.email || !b.message || typeof b.message.body !== "string" || !b.message.body) {
          return [400, err("invalid_request", "email and message.body are required")];
        }
        const contact = contactByEmail(b.email) ?? newContact({ email: b.email });
        const c = newConversation(contact);
        message(c, contactAuthor(c), b.message.body);
        return [200, { status: c.status, participants: c.participants, contactId: contact.id, createdAt: c.createdAt, id: c.id, inboxId: c.inboxId }];
      }
      const m = req.path.match(/^\/conversations\/(\d+)(\/messages)?$/);
      if (m) {
        const c = conversations.get(Number(m[1]));
        if (!c) return [404, err("not_found", "Conversation not found")];
        if (!m[2] && req.method === "GET") {
          return [200, { data: { id: c.id, status: c.status, contactId: c.contactId, createdAt: c.createdAt, inboxId: c.inboxId, participants: c.participants } }];
        }
        if (m[2] && req.method === "POST") {
          if (!["chat", "private_note"].includes(b.type)) return [400, err("invalid_request", "type must be chat or private_note")];
          if (!b.body && !b.buttons) return [400, err("invalid_request", "body or buttons is required")];
          const msg = message(c, userAuthor(b.userId), b.body, b.type);
          return [200, { data: { messages: [msg] } }];
        }
        if (m[2] && req.method === "GET") {
          const start = Number(req.query.get("next") ?? 0);
          if (!Number.isInteger(start) || start < 0) return [400, err("invalid_request", "next is not a cursor of this conversation")];
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
      const msg = message(c, author === "agent" ? userAuthor() : contactAuthor(c), `<p>${text}</p>`);
      return { id: msg.id, conversation_id: c.id };
    },

    /** `new_message` (data: {conversation_id?, email?, text, author?: "contact"|"user",
     * echo?}): opens a conversation when none is named. */
    webhook(event, data, mode) {
      if (event !== "new_message") throw new Error(`unsupported event ${event}`);
      let c = data.conversation_id ? conversations.get(Number(data.conversation_id)) : null;
      if (!c) {
        const email = data.email ?? `visitor${randomId(6, true)}@example.com`;
        c = newConversation(contactByEmail(email) ?? newContact({ email, name: data.name ?? "Visitor" }));
      }
      const msg = data.echo
        ? c.messages[c.messages.length - 1]
        : message(c, data.author === "user" ? userAuthor() : contactAuthor(c), `<p>${data.text ?? "Hello"}</p>`);
      const token = mode === "wrong_secret" ? "not-the-token" : cfg.verification_token;
      const envelope = { orgId: cfg.org_id, type: "new_message", token, data: msg };
      if (mode === "unsigned") delete envelope.token;
      const delivery = { headers: mode === "unsigned" ? {} : { "X-Verification-Token": token }, body: JSON.stringify(envelope), conversation_id: c.id };
      return applyMode(delivery, mode === "unsigned" ? "signed" : mode, []);
    },
  };
  return vendor;
}
