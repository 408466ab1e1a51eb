// Intercom REST API (2.x) as its published reference describes it: Bearer access token,
// `Intercom-Version` header (2.7–2.16), `error.list` bodies, X-RateLimit-* headers on
// authenticated answers, and webhooks signed `X-Hub-Signature: sha1=hex(HMAC-SHA1(client
// secret, raw body))`.
//
// Config: { access_token, client_secret, admin_id, app_id }.

import { createHmac } from "node:crypto";
import { randomId, same, applyMode } from "./lib.mjs";

const VERSIONS = ["2.7", "2.8", "2.9", "2.10", "2.11", "2.12", "2.13", "2.14", "2.15", "2.16"];
const LIMIT = 10_000;

const errors = (code, message) => ({ type: "error.list", request_id: randomId(20), errors: [{ code, message }] });
const now = () => Math.floor(Date.now() / 1000);

export function create(config) {
  const cfg = {
    access_token: "ic-token",
    client_secret: "ic-client-secret",
    admin_id: "991267459",
    app_id: "a86dr8yl",
    ...config,
  };
  let contacts, conversations, remaining;
  const reset = () => {
    contacts = new Map();
    conversations = new Map();
    remaining = LIMIT;
  };
  reset();

  const rate = () => ({
    "X-RateLimit-Limit": String(LIMIT),
    "X-RateLimit-Remaining": String(Math.max(0, --remaining)),
    "X-RateLimit-Reset": String(now() + 10),
  });

  const contactRef = (c) => ({ type: "contact", id: c.id, external_id: c.external_id ?? null });
  const author = (a) => ({ type: a.type, id: a.id, name: a.name ?? null, email: a.email ?? null });

  function conversationObject(c) {
    const [first, ...rest] = c.parts;
    return {
      type: "conversation",
      id: c.id,
      title: null,
      created_at: c.created_at,
      updated_at: c.updated_at,
      waiting_since: null,
      snoozed_until: null,
      open: c.state !== "closed",
      state: c.state,
      read: false,
      priority: "not_priority",
      admin_assignee_id: null,
      team_assignee_id: null,
      tags: { type: "tag.list", tags: [] },
      conversation_rating: null,
      source: {
        type: "conversation",
        id: first.id,
        delivered_as: "customer_initiated",
        subject: "",
        body: first.body,
        author: author(first.author),
        attachments: [],
        url: null,
        redacted: false,
      },
      contacts: { type: "contact.list", contacts: [contactRef(c.contact)] },
      teammates: { type: "admin.list", admins: [] },
      custom_attributes: {},
      statistics: null,
      conversation_parts: {
        type: "conversation_part.list",
        conversation_parts: rest.map((p) => ({
          type: "conversation_part",
          id: p.id,
          part_type: p.part_type,
          body: p.body,
          created_at: p.created_at,
          updated_at: p.created_at,
          notified_at: p.created_at,
          assigned_to: null,
          author: author(p.author),
          attachments: [],
          external_id: null,
          redacted: false,
        })),
        total_count: rest.length,
      },
    };
  }

  function newConversation(contact, body, at = now()) {
    const id = randomId(9, true);
    const c = {
      id,
      contact,
      state: "open",
      created_at: at,
      updated_at: at,
      parts: [{ id: randomId(10, true), part_type: "comment", body, created_at: at, author: { type: "user", id: contact.id, name: contact.name, email: contact.email } }],
    };
    conversations.set(id, c);
    return c;
  }

  function findContact(field, value) {
    return [...contacts.values()].find((c) => c[field] !== undefined && c[field] !== null && c[field] === value);
  }

  function addPart(c, part) {
    const p = { id: randomId(10, true), created_at: now(), ...part };
    c.parts.push(p);
    c.updated_at = p.created_at;
    return p;
  }

  const vendor = {
    name: "intercom",
    reset,
    state: () => ({ contacts: [...contacts.values()], conversations: [...conversations.values()].map(conversationObject) }),

    authorize(req) {
      if (!same(req.headers.authorization, `Bearer ${cfg.access_token}`)) {
        return [401, errors("unauthorized", "Access Token Invalid")];
      }
      const v = req.headers["intercom-version"];
      if (v !== undefined && !VERSIONS.includes(v)) {
        return [400, errors("intercom_version_invalid", `Requested version ${v} is not valid`)];
      }
      if ((req.headers.accept ?? "").indexOf("json") < 0) {
        return [406, errors("media_type_not_acceptable", "The Accept header should send application/json")];
      }
      return null;
    },

    notFound: () => [404, errors("not_found", "Resource Not Found")],
    throttled: ({ retry_after, reset_in }) => [
      429,
      errors("rate_limit_exceeded", "Exceeded rate limit of 167 in 10_seconds"),
      { "X-RateLimit-Limit": "167", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": String(now() + Number(reset_in ?? retry_after ?? 1)) },
    ],
    outage: (status) => [status, errors("server_error", "Internal server error")],

    route(req) {
      const b = req.body ?? {};
      const m = req.path.match(/^\/conversations\/([^/]+)(\/reply)?$/);
      if (req.method === "GET" && req.path === "/me") {
        return [200, { type: "admin", id: cfg.admin_id, email: "admin@example.com", name: "Fake Admin", email_verified: true, app: { type: "app", id_code: cfg.app_id, name: "Fake Workspace", created_at: 1734537243, secure: true, identity_verification: true, timezone: "Europe/London", region: "US" } }, rate()];
      }
      if (req.method === "POST" && req.path === "/contacts") {
        if (!b.email && !b.external_id && !b.role) {
          return [400, errors("parameter_invalid", "email, external_id or role is required")];
        }
        if (b.email_verified !== undefined && !b.email) {
          return [400, errors("parameter_invalid", "email_verified requires email")];
        }
        const existing = (b.external_id && findContact("external_id", b.external_id)) || (b.email && findContact("email", b.email));
        if (existing) {
          return [409, errors("conflict", `A contact matching those details already exists with id=${existing.id}`)];
        }
        const c = { type: "contact", id: randomId(24), workspace_id: cfg.app_id, role: b.role ?? "user", external_id: b.external_id ?? null, email: b.email ?? null, name: b.name ?? null, phone: b.phone ?? null, custom_attributes: b.custom_attributes ?? {}, created_at: now() };
        contacts.set(c.id, c);
        return [200, c, rate()];
      }
      if (req.method === "POST" && req.path === "/contacts/search") {
        const q = b.query ?? {};
        if (!q.field || !q.operator) return [400, errors("parameter_invalid", "query needs field and operator")];
        const data = [...contacts.values()].filter((c) => q.operator === "=" && c[q.field] === q.value);
        return [200, { type: "list", data, total_count: data.length, pages: { type: "pages", page: 1, per_page: 50, total_pages: data.length ? 1 : 0 } }, rate()];
      }
      if (req.method === "POST" && req.path === "/conversations") {
        if (!b.from || !b.from.id || !["user", "lead", "contact"].includes(b.from.type)) {
          return [400, errors("parameter_invalid", "from must be a user, lead or contact with an id")];
        }
        if (typeof b.body !== "string" || !b.body) return [400, errors("parameter_invalid", "body is required")];
        const contact = contacts.get(b.from.id);
        if (!contact) return [404, errors("not_found", "User Not Found")];
        const c = newConversation(contact, b.body);
        return [200, { type: "user_message", id: c.parts[0].id, created_at: c.created_at, body: b.body, message_type: "inapp", conversation_id: c.id }, rate()];
      }
      if (m && !m[2] && req.method === "GET") {
        const c = conversations.get(m[1]);
        if (!c) return [404, errors("not_found", "Resource Not Found")];
        return [200, conversationObject(c), rate()];
      }
      if (m && m[2] && req.method === "POST") {
        const c = conversations.get(m[1]);
        if (!c) return [404, errors("not_found", "Resource Not Found")];
        if (b.type === "admin") {
          if (!b.admin_id || !["comment", "note", "quick_reply"].includes(b.message_type)) {
            return [400, errors("parameter_not_found", "admin_id and message_type are required")];
          }
          if (b.message_type !== "quick_reply" && !b.body) return [400, errors("parameter_not_found", "body is required")];
          addPart(c, { part_type: b.message_type, body: b.body, author: { type: "admin", id: String(b.admin_id), name: "Fake Admin" } });
        } else if (b.type === "user") {
          const who = b.intercom_user_id ? contacts.get(b.intercom_user_id) : b.email ? findContact("email", b.email) : findContact("external_id", b.user_id);
          if (!who || b.message_type !== "comment" || !b.body) {
            return [400, errors("parameter_invalid", "a user reply needs a known user, message_type comment and a body")];
          }
          addPart(c, { part_type: "comment", body: b.body, author: { type: "user", id: who.id, name: who.name, email: who.email } });
        } else {
          return [400, errors("parameter_invalid", "type must be admin or user")];
        }
        return [200, conversationObject(c), rate()];
      }
      if (req.method === "POST" && req.path === "/events") {
        if (!b.event_name || !b.created_at || !(b.user_id || b.id || b.email)) {
          return [400, errors("parameter_invalid", "event_name, created_at and a user are required")];
        }
        return [202, null, rate()];
      }
      return null;
    },

    addMessage({ conversation_id, author = "agent", text }) {
      const c = conversations.get(String(conversation_id));
      if (!c) return { error: "unknown conversation" };
      const p = author === "agent"
        ? addPart(c, { part_type: "comment", body: `<p>${text}</p>`, author: { type: "admin", id: cfg.admin_id, name: "Fake Admin" } })
        : addPart(c, { part_type: "comment", body: `<p>${text}</p>`, author: { type: "user", id: c.contact.id, name: c.contact.name } });
      return { id: p.id, conversation_id: c.id };
    },

    /** Events: conversation.user.created (data: {email, name, external_id, text}),
     * conversation.user.replied / conversation.admin.replied ({conversation_id, text}),
     * conversation.admin.closed ({conversation_id}). */
    webhook(event, data, mode) {
      let c = data.conversation_id ? conversations.get(String(data.conversation_id)) : null;
      if (event === "conversation.user.created") {
        const email = data.email ?? `visitor${randomId(6, true)}@example.com`;
        let contact = findContact("email", email);
        if (!contact) {
          contact = { type: "contact", id: randomId(24), role: "user", external_id: data.external_id ?? null, email, name: data.name ?? "Visitor", created_at: now() };
          contacts.set(contact.id, contact);
        }
        c = newConversation(contact, `<p>${data.text ?? "Hello"}</p>`);
      } else if (!c) {
        throw new Error(`unknown conversation ${data.conversation_id}`);
      } else if (event === "conversation.user.replied") {
        addPart(c, { part_type: "comment", body: `<p>${data.text ?? "More"}</p>`, author: { type: "user", id: c.contact.id, name: c.contact.name } });
      } else if (event === "conversation.admin.replied") {
        if (!data.echo) addPart(c, { part_type: "comment", body: `<p>${data.text ?? "Reply"}</p>`, author: { type: "admin", id: cfg.admin_id, name: "Fake Admin" } });
      } else if (event === "conversation.admin.closed") {
        c.state = "closed";
        addPart(c, { part_type: "close", body: null, author: { type: "admin", id: cfg.admin_id, name: "Fake Admin" } });
      }
      const obj = conversationObject(c);
      // A notification carries the parts added by the event (Intercom sends the new ones).
      if (event !== "conversation.user.created") {
        obj.conversation_parts.conversation_parts = obj.conversation_parts.conversation_parts.slice(-1);
        obj.conversation_parts.total_count = 1;
      }
      const body = JSON.stringify({
        type: "notification_event",
        app_id: cfg.app_id,
        data: { type: "notification_event_data", item: obj },
        links: {},
        id: `notif_${randomId(8)}-${randomId(4)}-${randomId(4)}-${randomId(4)}-${randomId(12)}`,
        topic: event,
        delivery_status: "pending",
        delivery_attempts: 1,
        delivered_at: 0,
        first_sent_at: now(),
        created_at: now(),
        self: null,
      });
      const secret = mode === "wrong_secret" ? "not-the-secret" : cfg.client_secret;
      const delivery = {
        headers: {
          "X-Hub-Signature": `sha1=${createHmac("sha1", secret).update(body).digest("hex")}`,
          "User-Agent": "intercom-parrot-service-client/1.0",
        },
        body,
        conversation_id: c.id,
      };
      return applyMode(delivery, mode, ["X-Hub-Signature"]);
    },
  };
  return vendor;
}
