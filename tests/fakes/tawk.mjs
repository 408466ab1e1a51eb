// tawk.to's REST API (`https://api.tawk.to/v1/<method>`: every call a POST with a JSON body,
// HTTP Basic with the API key as the user name and an empty password, answers
// `{"ok":true,...}` / `{"ok":false,"error":"<code>"}`) and its webhooks: `X-Tawk-Signature`
// = hex HMAC-SHA1 of the raw body with the webhook secret, `X-Hook-Event-Id` stable across
// retries.
//
// tawk.to's REST API cannot post into a chat; chats begin in its widget, which the fake
// stands for with `/__fake/webhook` (`chat:start`) and `/__fake/message`.
//
// Config: { api_key, webhook_secret, property_id }.

import { createHmac } from "node:crypto";
import { randomId, same, basic, applyMode } from "./lib.mjs";

const nope = (error) => ({ ok: false, error });

export function create(config) {
  const cfg = { api_key: "tk-api-key", webhook_secret: "tk-webhook-secret", property_id: "5b4142cc4af8e57442dc6d41", ...config };
  let chats;
  const reset = () => {
    chats = new Map();
  };
  reset();

  function newChat(visitor) {
    const c = { id: `${randomId(8)}-${randomId(4)}-${randomId(4)}-${randomId(4)}-${randomId(12)}`, visitor, messages: [], startedAt: new Date().toISOString() };
    chats.set(c.id, c);
    return c;
  }
  function say(c, who, text) {
    const m = { sender: who === "agent" ? { t: "a", n: "Fake Agent", id: "agent-1" } : { t: "v", n: c.visitor.name }, type: "msg", msg: text, time: new Date().toISOString() };
    c.messages.push(m);
    return m;
  }

  const vendor = {
    name: "tawk",
    reset,
    state: () => ({ chats: [...chats.values()] }),
    authorize(req) {
      const b = basic(req);
      if (!b || !same(b.user, cfg.api_key) || b.pass !== "") return [401, nope("unauthorized")];
      return null;
    },
    notFound: () => [404, nope("method_not_found")],
    throttled: ({ retry_after }) => [429, nope("rate_limit_exceeded"), { "Retry-After": String(retry_after ?? 1) }],
    outage: (status) => [status, nope("service_unavailable")],
    route(req) {
      if (req.method !== "POST") return [405, nope("method_not_allowed")];
      const b = req.body ?? {};
      const method = req.path.replace(/^\/v1\//, "/").slice(1);
      if (method === "property.list") {
        return [200, { ok: true, data: [{ id: cfg.property_id, name: "Fake Spa", propertyId: cfg.property_id }] }];
      }
      if (method === "chat.list" || method === "chat.get") {
        if (b.propertyId !== cfg.property_id) return [200, nope("property_not_found")];
        if (method === "chat.list") return [200, { ok: true, data: [...chats.values()].map((c) => ({ id: c.id, visitor: c.visitor })), total: chats.size }];
        const c = chats.get(b.chatId);
        if (!c) return [200, nope("chat_not_found")];
        return [200, { ok: true, data: { id: c.id, visitor: c.visitor, messages: c.messages, createdOn: c.startedAt } }];
      }
      return [404, nope("method_not_found")];
    },

    addMessage({ conversation_id, author = "agent", text }) {
      const c = chats.get(String(conversation_id));
      if (!c) return { error: "unknown conversation" };
      say(c, author, text);
      return { conversation_id: c.id };
    },

    /** `chat:start` (data: {name, email, text}), `chat:end` and `chat:transcript_created`
     * (data: {conversation_id}). */
    webhook(event, data, mode) {
      const time = new Date().toISOString();
      let c = data.conversation_id ? chats.get(String(data.conversation_id)) : null;
      let payload;
      const property = { id: cfg.property_id, name: "Fake Spa" };
      if (event === "chat:start") {
        c = newChat({ name: data.name ?? "Visitor", email: data.email ?? undefined, city: "London", country: "GB" });
        say(c, "visitor", data.text ?? "Hello");
        payload = { event, chatId: c.id, time, message: { text: data.text ?? "Hello", type: "msg", sender: { type: "visitor" } }, visitor: c.visitor, property };
      } else if (!c) {
        throw new Error(`unknown conversation ${data.conversation_id}`);
      } else if (event === "chat:end") {
        payload = { event, chatId: c.id, time, visitor: c.visitor, property };
      } else if (event === "chat:transcript_created") {
        payload = { event, time, property, chat: { id: c.id, visitor: c.visitor, messages: c.messages } };
      } else {
        throw new Error(`unsupported event ${event}`);
      }
      const body = JSON.stringify(payload);
      const secret = mode === "wrong_secret" ? "not-the-secret" : cfg.webhook_secret;
      const delivery = {
        headers: { "X-Tawk-Signature": createHmac("sha1", secret).update(body).digest("hex"), "X-Hook-Event-Id": randomId(24) },
        body,
        conversation_id: c.id,
      };
      return applyMode(delivery, mode, ["X-Tawk-Signature"]);
    },
  };
  return vendor;
}
