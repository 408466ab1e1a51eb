// tawk.to's REST API (`https://api.tawk.to/v1/<method>`: every call a POST with a JSON body,
// HTTP Basic with the API key as the user name and an empty password, or an OAuth Bearer
// token; answers `{"ok":true,...}` / `{"ok":false,"error":"<code>"}`) and its webhooks:
// `X-Tawk-Signature` = hex HMAC-SHA1 of the raw body with the webhook secret,
// `X-Hook-Event-Id` stable across retries.
//
// tawk.to's REST API cannot post into a chat; chats begin in its widget, which the fake
// stands for with `/__fake/webhook` (`chat:start`) and `/__fake/message`. Methods modelled:
// `property.list`, `chat.list`, `chat.get`. Error codes and statuses beyond 401 are
// UNCONFIRMED upstream: 400 `invalid_params` (a required parameter missing), 200 with
// `ok:false` for `property_not_found` / `chat_not_found`, 404 `method_not_found`.
//
// Config: { api_key, access_token, webhook_secret, property_id }.

import { createHmac } from "node:crypto";
import { randomId, same, basic, bearer, applyMode, noStale, FakeError } from "./lib.mjs";

const nope = (error, message) => ({ ok: false, error, ...(message ? { message } : {}) });

export function create(config = {}) {
  const cfg = { api_key: "tk-api-key", access_token: "tk-oauth-token", webhook_secret: "tk-webhook-secret", property_id: "5b4142cc4af8e57442dc6d41", ...config };
  const property = { id: cfg.property_id, propertyId: cfg.property_id, name: "Fake Spa", type: "business", status: "active", createdOn: "2024-01-01T00:00:00.000Z" };
  let chats;
  const reset = () => {
    chats = new Map();
  };
  reset();

  function newChat(visitor) {
    const c = { id: `${randomId(8)}-${randomId(4)}-${randomId(4)}-${randomId(4)}-${randomId(12)}`, visitor, messages: [], createdOn: new Date().toISOString(), status: "open" };
    chats.set(c.id, c);
    return c;
  }
  function say(c, who, text) {
    const m = { sender: who === "agent" ? { t: "a", n: "Fake Agent", id: "agent-1" } : { t: "v", n: c.visitor.name }, type: "msg", msg: text, time: new Date().toISOString() };
    c.messages.push(m);
    return m;
  }
  const chatObject = (c) => ({ id: c.id, propertyId: cfg.property_id, visitor: c.visitor, messages: c.messages, messageCount: c.messages.length, createdOn: c.createdOn, status: c.status });

  const vendor = {
    name: "tawk",
    config: cfg,
    reset,
    state: () => ({ chats: [...chats.values()].map(chatObject) }),
    authorize(req) {
      const b = basic(req);
      if (b && same(b.user, cfg.api_key) && b.pass === "") return null;
      const t = bearer(req);
      if (t && same(t, cfg.access_token)) return null;
      return [401, nope("unauthorized", "Invalid credentials")];
    },
    badJson: () => [400, nope("invalid_json")],
    notFound: () => [404, nope("method_not_found")],
    throttled: ({ retry_after }) => [429, nope("rate_limit_exceeded"), { "Retry-After": String(retry_after ?? 1) }],
    outage: ({ status, retry_after }) => [status, nope(status === 503 ? "service_unavailable" : "internal_error"), retry_after !== undefined ? { "Retry-After": String(retry_after) } : {}],
    route(req) {
      const m = req.path.match(/^\/v1\/([a-z.-]+)$/) ?? req.path.match(/^\/([a-z]+\.[a-z.-]+)$/);
      if (!m) return null;
      if (req.method !== "POST") return [405, nope("method_not_allowed")];
      const b = req.body ?? {};
      const method = m[1];
      if (method === "property.list") return [200, { ok: true, data: [property] }];
      if (method === "chat.list" || method === "chat.get") {
        if (typeof b.propertyId !== "string" || !b.propertyId) return [400, nope("invalid_params", "propertyId is required")];
        if (b.propertyId !== cfg.property_id) return [200, nope("property_not_found")];
        if (method === "chat.list") {
          const size = Math.min(100, Number(b.size ?? 25));
          const all = [...chats.values()];
          const start = b.startId ? all.findIndex((c) => c.id === b.startId) + 1 : 0;
          const data = all.slice(start, start + size).map((c) => ({ id: c.id, visitor: c.visitor, messageCount: c.messages.length, createdOn: c.createdOn, status: c.status }));
          return [200, { ok: true, data, total: all.length }];
        }
        if (typeof b.chatId !== "string" || !b.chatId) return [400, nope("invalid_params", "chatId is required")];
        const c = chats.get(b.chatId);
        if (!c) return [200, nope("chat_not_found")];
        return [200, { ok: true, data: chatObject(c) }];
      }
      return [404, nope("method_not_found")];
    },

    addMessage({ conversation_id, author = "agent", text }) {
      const c = chats.get(String(conversation_id));
      if (!c) return { error: "unknown conversation" };
      say(c, author, text);
      return { conversation_id: c.id };
    },

    /** `chat:start` (data: {name, email, text, author?: "visitor"|"agent"}), `chat:end` and
     * `chat:transcript_created` (data: {conversation_id}). */
    webhook(event, data, mode) {
      noStale("tawk.to", mode);
      const time = new Date().toISOString();
      let c = data.conversation_id ? chats.get(String(data.conversation_id)) : null;
      if (event !== "chat:start" && !c) throw new FakeError(404, `unknown conversation ${data.conversation_id}`);
      let payload;
      const prop = { id: property.id, name: property.name };
      if (event === "chat:start") {
        c = newChat({ name: data.name ?? "Visitor", email: data.email ?? undefined, city: "London", country: "GB" });
        const who = data.author === "agent" ? "agent" : "visitor";
        say(c, who, data.text ?? "Hello");
        payload = { event, chatId: c.id, time, message: { text: data.text ?? "Hello", type: "msg", sender: { type: who } }, visitor: c.visitor, property: prop };
      } else if (event === "chat:end") {
        c.status = "ended";
        payload = { event, chatId: c.id, time, visitor: c.visitor, property: prop };
      } else if (event === "chat:transcript_created") {
        payload = { event, time, property: prop, chat: { id: c.id, visitor: c.visitor, messages: c.messages } };
      } else {
        throw new FakeError(400, `unsupported tawk.to event ${event}`);
      }
      const body = JSON.stringify(payload);
      const secret = mode === "wrong_secret" ? `${cfg.webhook_secret}-wrong` : cfg.webhook_secret;
      const eventId = randomId(24);
      const delivery = {
        headers: { "X-Tawk-Signature": createHmac("sha1", secret).update(body).digest("hex"), "X-Hook-Event-Id": eventId },
        body,
        conversation_id: c.id,
        event_id: eventId,
      };
      return applyMode(delivery, mode, ["X-Tawk-Signature"]);
    },
  };
  return vendor;
}
