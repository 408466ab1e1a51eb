// Intercom REST API (2.x) as its published reference describes it: Bearer access token,
// `Intercom-Version` header (2.7–2.16), `Accept: application/json`, `error.list` bodies,
// X-RateLimit-* headers on authenticated answers (a 10-second window), and webhooks signed
// `X-Hub-Signature: sha1=hex(HMAC-SHA1(client_secret, raw body))`.
//
// Config: { access_token, client_secret, admin_id, app_id, default_version?, rate_limit? }.
// Without `default_version` a request must name its version (real Intercom falls back to the
// version set on the app; give `default_version` to get that behaviour).

import { createHmac } from "node:crypto";
import { randomId, same, bearer, applyMode, noStale, paragraph, uuid, FakeError } from "./lib.mjs";

export const VERSIONS = ["2.7", "2.8", "2.9", "2.10", "2.11", "2.12", "2.13", "2.14", "2.15", "2.16"];
const WINDOW_S = 10;

const errors = (code, message, field) => ({
  type: "error.list",
  request_id: uuid(),
  errors: [{ code, message, ...(field ? { field } : {}) }],
});
const now = () => Math.floor(Date.now() / 1000);

export function create(config = {}) {
  const cfg = {
    access_token: "ic-token",
    client_secret: "ic-client-secret",
    admin_id: "991267459",
    app_id: "a86dr8yl",
    default_version: null,
    // 10,000 calls a minute for a private app, "evenly distributed into 10 second windows".
    rate_limit: 1666,
    ...config,
  };
  cfg.admin_id = String(cfg.admin_id);
  const admin = { type: "admin", id: cfg.admin_id, name: "Fake Admin", email: "admin@example.com" };
  let contacts, conversations, events, window;
  const reset = () => {
    contacts = new Map();
    conversations = new Map();
    events = [];
    window = { start: now(), used: 0 };
  };
  reset();

  function tick() {
    const t = now();
    if (t - window.start >= WINDOW_S) window = { start: t - ((t - window.start) % WINDOW_S), used: 0 };
    window.used++;
    return window.used <= cfg.rate_limit;
  }
  const rateHeaders = (remaining) => ({
    "X-RateLimit-Limit": String(cfg.rate_limit),
    "X-RateLimit-Remaining": String(Math.max(0, remaining)),
    "X-RateLimit-Reset": String(window.start + WINDOW_S),
  });

  const contactRef = (c) => ({ type: "contact", id: c.id, external_id: c.external_id ?? null });
  const author = (a) => ({ type: a.type, id: a.id, name: a.name ?? null, email: a.email ?? "" });
  const userOf = (contact) => ({ type: contact.role === "lead" ? "lead" : "user", id: contact.id, name: contact.name, email: contact.email });

  function contactObject(c) {
    const list = (what) => ({ type: "list", data: [], url: `/contacts/${c.id}/${what}`, total_count: 0, has_more: false });
    return {
      type: "contact",
      id: c.id,
      workspace_id: cfg.app_id,
      external_id: c.external_id,
      role: c.role,
      email: c.email,
      phone: c.phone,
      name: c.name,
      avatar: null,
      owner_id: c.owner_id ?? null,
      social_profiles: { type: "list", data: [] },
      has_hard_bounced: false,
      marked_email_as_spam: false,
      unsubscribed_from_emails: c.unsubscribed_from_emails ?? false,
      created_at: c.created_at,
      updated_at: c.updated_at,
      signed_up_at: c.signed_up_at ?? null,
      last_seen_at: c.last_seen_at ?? null,
      last_replied_at: null,
      last_contacted_at: null,
      last_email_opened_at: null,
      last_email_clicked_at: null,
      language_override: null,
      browser: null,
      browser_version: null,
      browser_language: null,
      os: null,
      location: { type: "location", country: null, region: null, city: null, country_code: null, continent_code: null },
      custom_attributes: c.custom_attributes,
      tags: list("tags"),
      notes: list("notes"),
      companies: list("companies"),
      opted_out_subscription_types: list("subscriptions"),
      opted_in_subscription_types: list("subscriptions"),
      utm_campaign: null,
      utm_content: null,
      utm_medium: null,
      utm_source: null,
      utm_term: null,
      referrer: null,
    };
  }

  function partObject(p) {
    return {
      type: "conversation_part",
      id: p.id,
      part_type: p.part_type,
      body: p.body ?? null,
      created_at: p.created_at,
      updated_at: p.created_at,
      notified_at: p.created_at,
      assigned_to: p.assigned_to ?? null,
      author: author(p.author),
      attachments: [],
      external_id: null,
      redacted: false,
    };
  }

  /** The Conversation object; `parts` narrows the parts listed (webhooks send the new ones). */
  function conversationObject(c, parts) {
    const [first, ...rest] = c.parts;
    const listed = parts ?? rest;
    return {
      type: "conversation",
      id: c.id,
      title: null,
      created_at: c.created_at,
      updated_at: c.updated_at,
      waiting_since: c.state === "open" ? c.updated_at : null,
      snoozed_until: null,
      open: c.state === "open",
      state: c.state,
      read: false,
      priority: "not_priority",
      admin_assignee_id: c.admin_assignee_id ?? null,
      team_assignee_id: c.team_assignee_id ?? null,
      company: null,
      tags: { type: "tag.list", tags: [] },
      conversation_rating: c.rating ?? null,
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
      teammates: { type: "admin.list", admins: c.teammates.map((id) => ({ type: "admin", id })) },
      custom_attributes: {},
      first_contact_reply: { created_at: c.created_at, type: "conversation", url: null },
      sla_applied: null,
      statistics: null,
      conversation_parts: {
        type: "conversation_part.list",
        conversation_parts: listed.map(partObject),
        total_count: listed.length,
      },
      linked_objects: { type: "list", data: [], total_count: 0, has_more: false },
      ai_agent_participated: false,
    };
  }

  function newContact(fields) {
    const t = now();
    const c = {
      id: randomId(24),
      role: "user",
      external_id: null,
      email: null,
      phone: null,
      name: null,
      custom_attributes: {},
      created_at: t,
      updated_at: t,
      ...fields,
    };
    contacts.set(c.id, c);
    return c;
  }

  function newConversation(contact, body, at = now()) {
    const id = randomId(9, true);
    const c = {
      id,
      contact,
      state: "open",
      created_at: at,
      updated_at: at,
      teammates: [],
      parts: [{ id: randomId(9, true), part_type: "comment", body: paragraph(body), created_at: at, author: userOf(contact) }],
    };
    conversations.set(id, c);
    return c;
  }

  function findContact(field, value) {
    if (value === undefined || value === null || value === "") return undefined;
    return [...contacts.values()].find((c) => c[field] === value);
  }

  function addPart(c, part) {
    const p = { id: randomId(10, true), created_at: now(), ...part };
    c.parts.push(p);
    c.updated_at = p.created_at;
    if (p.author.type === "admin" && !c.teammates.includes(p.author.id)) c.teammates.push(p.author.id);
    return p;
  }

  function getConversation(id) {
    if (id === "last") return [...conversations.values()].at(-1);
    return conversations.get(String(id));
  }

  /** `/contacts/search`: a single filter or an AND/OR of filters. */
  function matches(c, q) {
    if (q.operator === "AND") return q.value.every((x) => matches(c, x));
    if (q.operator === "OR") return q.value.some((x) => matches(c, x));
    const v = c[q.field === "id" ? "id" : q.field];
    switch (q.operator) {
      case "=":
        return v === q.value;
      case "!=":
        return v !== q.value;
      case "IN":
        return Array.isArray(q.value) && q.value.includes(v);
      case "NIN":
        return Array.isArray(q.value) && !q.value.includes(v);
      case "~":
        return typeof v === "string" && v.includes(q.value);
      case "^":
        return typeof v === "string" && v.startsWith(q.value);
      case "$":
        return typeof v === "string" && v.endsWith(q.value);
      default:
        return false;
    }
  }
  function validQuery(q) {
    if (!q || typeof q !== "object") return false;
    if (q.operator === "AND" || q.operator === "OR") return Array.isArray(q.value) && q.value.length > 0 && q.value.every(validQuery);
    return typeof q.field === "string" && ["=", "!=", "IN", "NIN", "<", "<=", ">", ">=", "~", "!~", "^", "$"].includes(q.operator) && "value" in q;
  }

  const vendor = {
    name: "intercom",
    config: cfg,
    reset,
    state: () => ({
      contacts: [...contacts.values()].map(contactObject),
      conversations: [...conversations.values()].map((c) => conversationObject(c)),
      events,
    }),

    authorize(req) {
      if (!same(bearer(req), cfg.access_token)) {
        return [401, errors("unauthorized", "Access Token Invalid")];
      }
      const v = req.headers["intercom-version"] ?? cfg.default_version;
      if (!VERSIONS.includes(v)) {
        return [400, errors("intercom_version_invalid", "The requested version could not be found")];
      }
      const accept = req.headers.accept ?? "";
      if (!/application\/json|\*\/\*/.test(accept)) {
        return [406, errors("media_type_not_acceptable", "The Accept header should send application/json")];
      }
      if (!tick()) {
        return [429, errors("rate_limit_exceeded", `Exceeded rate limit of ${cfg.rate_limit} in 10_seconds`), rateHeaders(0)];
      }
      return null;
    },

    decorate(status, headers) {
      if (!headers["X-RateLimit-Limit"]) Object.assign(headers, rateHeaders(cfg.rate_limit - window.used));
    },
    notFound: () => [404, errors("not_found", "Resource Not Found")],
    badJson: () => [400, errors("parameter_invalid", "Request body is not valid JSON")],
    throttled: ({ retry_after, reset_in }) => [
      429,
      errors("rate_limit_exceeded", `Exceeded rate limit of ${cfg.rate_limit} in 10_seconds`),
      { ...rateHeaders(0), "X-RateLimit-Reset": String(now() + Number(reset_in ?? retry_after ?? 1)) },
    ],
    outage: ({ status, retry_after }) => [
      status,
      errors(status === 503 ? "service_unavailable" : "server_error", status === 503 ? "Sorry, the API service is temporarily unavailable" : "An unexpected error occurred"),
      retry_after !== undefined ? { "Retry-After": String(retry_after) } : {},
    ],

    route(req) {
      const b = req.body ?? {};
      const ok = (status, body) => [status, body];
      if (req.method === "GET" && req.path === "/me") {
        return ok(200, {
          type: "admin",
          id: cfg.admin_id,
          email: admin.email,
          name: admin.name,
          email_verified: true,
          app: { type: "app", id_code: cfg.app_id, name: "Fake Workspace", created_at: 1734537243, secure: true, identity_verification: true, timezone: "Europe/London", region: "US" },
          avatar: { type: "avatar", image_url: null },
          has_inbox_seat: true,
        });
      }
      if (req.method === "POST" && req.path === "/contacts") {
        if (!b.email && !b.external_id && !b.role) {
          return [400, errors("parameter_invalid", "email, external_id or role must be specified")];
        }
        if (b.role !== undefined && !["user", "lead"].includes(b.role)) {
          return [400, errors("parameter_invalid", "role must be user or lead", "role")];
        }
        if (b.email_verified !== undefined && !b.email) {
          return [400, errors("parameter_invalid", "email_verified can only be set together with email", "email_verified")];
        }
        if (b.custom_attributes !== undefined && (typeof b.custom_attributes !== "object" || Array.isArray(b.custom_attributes) || b.custom_attributes === null)) {
          return [400, errors("parameter_invalid", "custom_attributes must be an object", "custom_attributes")];
        }
        const existing = findContact("external_id", b.external_id) ?? findContact("email", b.email);
        if (existing) {
          return [409, errors("conflict", `A contact matching those details already exists with id=${existing.id}`)];
        }
        const c = newContact({
          role: b.role ?? "user",
          external_id: b.external_id ?? null,
          email: b.email ?? null,
          phone: b.phone ?? null,
          name: b.name ?? null,
          signed_up_at: b.signed_up_at ?? null,
          last_seen_at: b.last_seen_at ?? null,
          owner_id: b.owner_id ?? null,
          unsubscribed_from_emails: b.unsubscribed_from_emails ?? false,
          custom_attributes: b.custom_attributes ?? {},
        });
        return ok(200, { ...contactObject(c), enabled_push_messaging: null });
      }
      if (req.method === "POST" && req.path === "/contacts/search") {
        if (!validQuery(b.query)) return [400, errors("parameter_invalid", "query must be a filter {field, operator, value} or a nested AND/OR of filters", "query")];
        const per = Math.min(150, Number(b.pagination?.per_page ?? 50));
        const data = [...contacts.values()].filter((c) => matches(c, b.query)).map(contactObject);
        return ok(200, { type: "list", data: data.slice(0, per), total_count: data.length, pages: { type: "pages", page: 1, per_page: per, total_pages: Math.ceil(data.length / per) } });
      }
      let m = req.path.match(/^\/contacts\/([^/]+)$/);
      if (m && req.method === "GET") {
        const c = contacts.get(m[1]);
        return c ? ok(200, contactObject(c)) : [404, errors("not_found", "User Not Found")];
      }
      if (req.method === "POST" && req.path === "/conversations") {
        if (!b.from || typeof b.from !== "object") return [400, errors("parameter_not_found", "from not specified", "from")];
        if (!["user", "lead", "contact"].includes(b.from.type)) return [400, errors("parameter_invalid", "from.type must be user, lead or contact", "from.type")];
        if (typeof b.from.id !== "string" || !b.from.id) return [400, errors("parameter_not_found", "from.id not specified", "from.id")];
        if (typeof b.body !== "string" || !b.body) return [400, errors("parameter_not_found", "body not specified", "body")];
        if (b.attachment_urls !== undefined && (!Array.isArray(b.attachment_urls) || b.attachment_urls.length > 10)) {
          return [400, errors("parameter_invalid", "attachment_urls must be a list of at most 10 URLs", "attachment_urls")];
        }
        const contact = contacts.get(b.from.id);
        if (!contact) return [404, errors("not_found", "User Not Found")];
        const at = Number.isInteger(b.created_at) ? b.created_at : now();
        const c = newConversation(contact, b.body, at);
        return ok(200, { type: "user_message", id: c.parts[0].id, created_at: at, body: b.body, message_type: "inapp", conversation_id: c.id });
      }
      m = req.path.match(/^\/conversations\/([^/]+)(\/reply)?$/);
      if (m && !m[2] && req.method === "GET") {
        const c = /^\d+$/.test(m[1]) ? conversations.get(m[1]) : undefined;
        if (!c) return [404, errors("not_found", "Resource Not Found")];
        return ok(200, conversationObject(c));
      }
      if (m && m[2] && req.method === "POST") {
        const c = getConversation(m[1]);
        if (!c) return [404, errors("not_found", "Resource Not Found")];
        if (b.type === "admin") {
          if (!["comment", "note", "quick_reply"].includes(b.message_type)) {
            return [400, errors(b.message_type === undefined ? "parameter_not_found" : "parameter_invalid", "message_type must be comment, note or quick_reply", "message_type")];
          }
          if (b.admin_id === undefined || b.admin_id === null || b.admin_id === "") return [400, errors("parameter_not_found", "admin_id not specified", "admin_id")];
          if (String(b.admin_id) !== cfg.admin_id) return [404, errors("admin_not_found", "Admin not found")];
          if (b.message_type !== "quick_reply" && (typeof b.body !== "string" || !b.body)) return [400, errors("parameter_not_found", "body not specified", "body")];
          addPart(c, { part_type: b.message_type, body: paragraph(b.body), author: admin });
        } else if (b.type === "user") {
          if (b.message_type !== "comment") return [400, errors(b.message_type === undefined ? "parameter_not_found" : "parameter_invalid", "message_type must be comment", "message_type")];
          if (!b.intercom_user_id && !b.user_id && !b.email) {
            return [400, errors("parameter_not_found", "intercom_user_id, user_id or email must be specified")];
          }
          if (typeof b.body !== "string" || !b.body) return [400, errors("parameter_not_found", "body not specified", "body")];
          const who = b.intercom_user_id ? contacts.get(b.intercom_user_id) : b.user_id ? findContact("external_id", b.user_id) : findContact("email", b.email);
          if (!who) return [404, errors("not_found", "User Not Found")];
          addPart(c, { part_type: "comment", body: paragraph(b.body), author: userOf(who) });
          if (c.state !== "open") c.state = "open";
        } else {
          return [400, errors(b.type === undefined ? "parameter_not_found" : "parameter_invalid", "type must be admin or user", "type")];
        }
        return ok(200, conversationObject(c));
      }
      if (req.method === "POST" && req.path === "/events") {
        if (typeof b.event_name !== "string" || !b.event_name) return [400, errors("parameter_not_found", "event_name not specified", "event_name")];
        if (!Number.isInteger(b.created_at)) return [400, errors("parameter_invalid", "created_at must be a UTC Unix timestamp", "created_at")];
        if (!(b.user_id || b.id || b.email)) return [400, errors("parameter_not_found", "id, user_id or email must be specified")];
        if (b.metadata !== undefined && (typeof b.metadata !== "object" || b.metadata === null || Array.isArray(b.metadata))) {
          return [400, errors("parameter_invalid", "metadata must be an object", "metadata")];
        }
        const who = b.id ? contacts.get(b.id) : b.user_id ? findContact("external_id", b.user_id) : findContact("email", b.email);
        if (!who) return [404, errors("not_found", "User Not Found")];
        events.push({ event_name: b.event_name, created_at: b.created_at, contact_id: who.id, metadata: b.metadata ?? {} });
        return [202, null];
      }
      return null;
    },

    addMessage({ conversation_id, author: who = "agent", text }) {
      const c = conversations.get(String(conversation_id));
      if (!c) return { error: "unknown conversation" };
      const p = addPart(c, { part_type: "comment", body: paragraph(text), author: who === "agent" ? admin : userOf(c.contact) });
      return { id: p.id, conversation_id: c.id };
    },

    /**
     * Topics: `conversation.user.created` (data: {email, name, external_id, text}),
     * `conversation.user.replied` / `conversation.admin.replied` ({conversation_id, text,
     * echo}), `conversation.admin.noted`, `conversation.admin.closed` ({conversation_id, text?}),
     * `conversation.admin.assigned` ({conversation_id, admin_id?, team_id?}),
     * `conversation.rating.added` ({conversation_id, rating 1–5, remark}), `ping`.
     */
    webhook(event, data, mode) {
      noStale("Intercom", mode);
      let item;
      let c = data.conversation_id !== undefined ? getConversation(data.conversation_id) : null;
      const needConversation = () => {
        if (!c) throw new FakeError(404, `unknown conversation ${data.conversation_id}`);
      };
      if (event === "ping") {
        item = { type: "ping", message: "something" };
      } else if (event === "conversation.user.created") {
        const email = data.email ?? `visitor${randomId(6, true)}@example.com`;
        const contact = findContact("email", email) ?? newContact({ email, name: data.name ?? "Visitor", external_id: data.external_id ?? null });
        c = newConversation(contact, data.text ?? "Hello");
        item = conversationObject(c, []);
      } else if (event === "conversation.user.replied") {
        needConversation();
        const p = data.echo ? c.parts.at(-1) : addPart(c, { part_type: "comment", body: paragraph(data.text ?? "More"), author: userOf(c.contact) });
        item = conversationObject(c, [p]);
      } else if (event === "conversation.admin.replied" || event === "conversation.admin.noted") {
        needConversation();
        const kind = event === "conversation.admin.noted" ? "note" : "comment";
        const p = data.echo ? c.parts.at(-1) : addPart(c, { part_type: kind, body: paragraph(data.text ?? "Reply"), author: admin });
        item = conversationObject(c, [p]);
      } else if (event === "conversation.admin.closed") {
        needConversation();
        c.state = "closed";
        const p = addPart(c, { part_type: "close", body: data.text ? paragraph(data.text) : null, author: admin });
        item = conversationObject(c, [p]);
      } else if (event === "conversation.admin.assigned") {
        needConversation();
        const to = String(data.admin_id ?? cfg.admin_id);
        c.admin_assignee_id = Number(to);
        if (data.team_id !== undefined) c.team_assignee_id = Number(data.team_id);
        const p = addPart(c, { part_type: "assignment", body: data.text ? paragraph(data.text) : null, author: admin, assigned_to: { type: "admin", id: to } });
        item = conversationObject(c, [p]);
      } else if (event === "conversation.rating.added") {
        needConversation();
        const rating = Number(data.rating ?? 5);
        if (!(rating >= 1 && rating <= 5)) throw new FakeError(400, "rating must be 1–5");
        c.rating = {
          rating,
          ...(data.remark !== undefined ? { remark: String(data.remark) } : {}),
          created_at: now(),
          contact: { type: "contact", id: c.contact.id, external_id: c.contact.external_id ?? null },
          teammate: { type: "admin", id: cfg.admin_id },
        };
        item = conversationObject(c, []);
      } else {
        throw new FakeError(400, `unsupported Intercom topic ${event}`);
      }
      const t = now();
      const id = `notif_${uuid()}`;
      const body = JSON.stringify({
        type: "notification_event",
        app_id: cfg.app_id,
        data: { type: "notification_event_data", item },
        links: {},
        id,
        topic: event,
        delivery_status: "pending",
        delivery_attempts: 1,
        delivered_at: 0,
        first_sent_at: t,
        created_at: t,
        self: null,
      });
      const secret = mode === "wrong_secret" ? `${cfg.client_secret}-wrong` : cfg.client_secret;
      const delivery = {
        headers: {
          "X-Hub-Signature": `sha1=${createHmac("sha1", secret).update(body).digest("hex")}`,
          "User-Agent": "intercom-parrot-service-client/1.0",
        },
        body,
        conversation_id: c?.id ?? null,
        event_id: id,
      };
      return applyMode(delivery, mode, ["X-Hub-Signature"]);
    },
  };
  return vendor;
}
