// Self-tests of the fake vendors (node --test tests/fakes/): each refuses what the vendor
// refuses, answers in the vendor's shapes, throttles with the vendor's headers, and signs
// webhooks so that a verifier written from the vendor's documentation accepts them — and
// rejects them once tampered with.

import { test, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { createHmac } from "node:crypto";
import { serve } from "./lib.mjs";

const servers = [];
after(() => servers.forEach((s) => s.close()));

async function start(name, config = {}) {
  const { create } = await import(`./${name}.mjs`);
  const { server, url } = await serve(create(config));
  servers.push(server);
  return url;
}

async function call(url, method, path, { headers = {}, body } = {}) {
  const r = await fetch(url + path, {
    method,
    headers: { Accept: "application/json", ...(body !== undefined ? { "Content-Type": "application/json" } : {}), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, headers: r.headers, body: text ? JSON.parse(text) : null };
}

/** A one-shot receiver standing in for the WordPress webhook route. */
async function receiver() {
  const got = [];
  const server = http.createServer((req, res) => {
    let raw = "";
    req.on("data", (d) => (raw += d));
    req.on("end", () => {
      got.push({ headers: req.headers, raw });
      res.writeHead(200, { "Content-Type": "application/json" }).end('{"status":"stored"}');
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  servers.push(server);
  return { url: `http://127.0.0.1:${server.address().port}/hook`, got };
}

const basic = (u, p) => ({ Authorization: "Basic " + Buffer.from(`${u}:${p}`).toString("base64") });

test("intercom: auth, version, validation, round trip, 429 and signed webhooks", async () => {
  const url = await start("intercom", { access_token: "tok", client_secret: "cs" });
  const h = { Authorization: "Bearer tok", "Intercom-Version": "2.14" };
  assert.equal((await call(url, "GET", "/me", { headers: { ...h, Authorization: "Bearer nope" } })).body.errors[0].code, "unauthorized");
  assert.equal((await call(url, "GET", "/me", { headers: { ...h, "Intercom-Version": "9.9" } })).status, 400);
  const me = await call(url, "GET", "/me", { headers: h });
  assert.equal(me.body.type, "admin");
  assert.ok(me.headers.get("x-ratelimit-remaining"));
  assert.equal((await call(url, "POST", "/contacts", { headers: h, body: {} })).body.errors[0].code, "parameter_invalid");
  const contact = (await call(url, "POST", "/contacts", { headers: h, body: { role: "user", external_id: "wp-1", email: "a@example.com" } })).body;
  assert.equal((await call(url, "POST", "/contacts", { headers: h, body: { role: "user", external_id: "wp-1" } })).status, 409);
  const msg = (await call(url, "POST", "/conversations", { headers: h, body: { from: { type: "user", id: contact.id }, body: "Hi" } })).body;
  assert.equal(msg.type, "user_message");
  const reply = await call(url, "POST", `/conversations/${msg.conversation_id}/reply`, { headers: h, body: { message_type: "comment", type: "admin", admin_id: "1", body: "Hello" } });
  assert.equal(reply.body.conversation_parts.conversation_parts.at(-1).body, "Hello");
  await call(url, "POST", "/__fake/fail", { body: { status: 429, count: 1, reset_in: 30 } });
  const t = await call(url, "GET", "/me", { headers: h });
  assert.equal(t.status, 429);
  assert.equal(t.body.errors[0].code, "rate_limit_exceeded");
  assert.ok(Number(t.headers.get("x-ratelimit-reset")) >= Date.now() / 1000 + 29);

  const r = await receiver();
  await call(url, "POST", "/__fake/webhook", { body: { url: r.url, event: "conversation.user.created", data: { email: "b@example.com", text: "Help" } } });
  await call(url, "POST", "/__fake/webhook", { body: { url: r.url, event: "conversation.user.created", data: { text: "Help" }, mode: "tampered" } });
  const sign = (raw) => "sha1=" + createHmac("sha1", "cs").update(raw).digest("hex");
  assert.equal(r.got[0].headers["x-hub-signature"], sign(r.got[0].raw));
  assert.notEqual(r.got[1].headers["x-hub-signature"], sign(r.got[1].raw));
  assert.equal(JSON.parse(r.got[0].raw).topic, "conversation.user.created");
});

test("zendesk sunshine: basic auth, 409 users, backwards pages, Retry-After, X-API-Key and signed chat webhooks", async () => {
  const url = await start("zendesk", { app_id: "app1", key_id: "kid", secret: "sec", webhook_secret: "whs" });
  const h = basic("kid", "sec");
  assert.equal((await call(url, "GET", "/sc/v2/apps/app1", { headers: basic("kid", "bad") })).body.errors[0].code, "unauthorized");
  const u = (await call(url, "POST", "/sc/v2/apps/app1/users", { headers: h, body: { externalId: "wp-1" } })).body.user;
  assert.equal((await call(url, "POST", "/sc/v2/apps/app1/users", { headers: h, body: { externalId: "wp-1" } })).status, 409);
  const c = (await call(url, "POST", "/sc/v2/apps/app1/conversations", { headers: h, body: { type: "personal", participants: [{ userId: u.id }] } })).body.conversation;
  for (let i = 0; i < 120; i++) {
    await call(url, "POST", `/sc/v2/apps/app1/conversations/${c.id}/messages`, { headers: h, body: { author: { type: "business" }, content: { type: "text", text: `m${i}` } } });
  }
  const last = (await call(url, "GET", `/sc/v2/apps/app1/conversations/${c.id}/messages`, { headers: h })).body;
  assert.equal(last.messages.length, 100);
  assert.equal(last.messages.at(-1).content.text, "m119");
  assert.equal(last.meta.hasMore, true);
  const older = (await call(url, "GET", `/sc/v2/apps/app1/conversations/${c.id}/messages?page[before]=${last.meta.beforeCursor}`, { headers: h })).body;
  assert.deepEqual(older.messages.map((m) => m.content.text), Array.from({ length: 20 }, (_, i) => `m${i}`));
  assert.equal(older.meta.hasMore, false);
  await call(url, "POST", "/__fake/fail", { body: { status: 429, retry_after: 7 } });
  const t = await call(url, "GET", "/sc/v2/apps/app1", { headers: h });
  assert.equal(t.headers.get("retry-after"), "7");

  const r = await receiver();
  await call(url, "POST", "/__fake/webhook", { body: { url: r.url, event: "conversation:message", data: { text: "hi" } } });
  assert.equal(r.got[0].headers["x-api-key"], "whs");
  await call(url, "POST", "/__fake/webhook", { body: { url: r.url, event: "chat.started", data: { text: "hi" } } });
  const ts = r.got[1].headers["x-zendesk-webhook-signature-timestamp"];
  assert.equal(r.got[1].headers["x-zendesk-webhook-signature"], createHmac("sha256", "whs").update(ts + r.got[1].raw).digest("base64"));
});

test("livechat: v3.6 actions, validation, threads, transfer and the body secret", async () => {
  const url = await start("livechat", { account_id: "acc", pat: "pat", webhook_secret: "lcs" });
  const h = basic("acc", "pat");
  assert.equal((await call(url, "POST", "/v3.6/agent/action/list_chats", { headers: basic("acc", "x"), body: {} })).body.error.type, "authentication");
  assert.equal((await call(url, "POST", "/v2.0/agent/action/list_chats", { headers: h, body: {} })).body.error.type, "unsupported_version");
  const s = (await call(url, "POST", "/v3.6/agent/action/start_chat", { headers: h, body: { chat: { thread: { events: [{ type: "message", text: "Hi", visibility: "all" }] } } } })).body;
  assert.ok(s.chat_id && s.thread_id);
  assert.equal((await call(url, "POST", "/v3.6/agent/action/send_event", { headers: h, body: { chat_id: s.chat_id, event: { type: "message" } } })).body.error.type, "validation");
  const ev = (await call(url, "POST", "/v3.6/agent/action/send_event", { headers: h, body: { chat_id: s.chat_id, event: { type: "message", text: "Yes", visibility: "all" } } })).body;
  const threads = (await call(url, "POST", "/v3.6/agent/action/list_threads", { headers: h, body: { chat_id: s.chat_id } })).body.threads;
  assert.equal(threads[0].events.at(-1).id, ev.event_id);
  assert.equal((await call(url, "POST", "/v3.6/agent/action/transfer_chat", { headers: h, body: { id: s.chat_id, target: { type: "group", ids: [2] } } })).status, 200);
  const r = await receiver();
  await call(url, "POST", "/__fake/webhook", { body: { url: r.url, event: "incoming_chat", data: { text: "Hello" } } });
  assert.equal(JSON.parse(r.got[0].raw).secret_key, "lcs");
  await call(url, "POST", "/__fake/webhook", { body: { url: r.url, event: "incoming_chat", data: {}, mode: "unsigned" } });
  assert.equal(JSON.parse(r.got[1].raw).secret_key, undefined);
});

test("drift: bearer, contacts by e-mail, conversations, cursor pages, verification token", async () => {
  const url = await start("drift", { access_token: "dt", verification_token: "vt" });
  const h = { Authorization: "Bearer dt" };
  assert.equal((await call(url, "GET", "/users/list", { headers: { Authorization: "Bearer x" } })).status, 401);
  const c = (await call(url, "POST", "/conversations/new", { headers: h, body: { email: "a@example.com", message: { body: "Hi" } } })).body;
  assert.ok(c.id && c.contactId);
  for (let i = 0; i < 60; i++) {
    await call(url, "POST", `/conversations/${c.id}/messages`, { headers: h, body: { type: "chat", body: `m${i}` } });
  }
  const p1 = (await call(url, "GET", `/conversations/${c.id}/messages`, { headers: h })).body.data;
  assert.equal(p1.messages.length, 50);
  assert.equal(p1.pagination.more, true);
  const p2 = (await call(url, "GET", `/conversations/${c.id}/messages?next=${p1.pagination.next}`, { headers: h })).body.data;
  assert.equal(p2.messages.length, 11);
  assert.equal((await call(url, "GET", `/contacts?email=a@example.com`, { headers: h })).body.data[0].id, c.contactId);
  const r = await receiver();
  await call(url, "POST", "/__fake/webhook", { body: { url: r.url, event: "new_message", data: { conversation_id: c.id, text: "More" } } });
  assert.equal(r.got[0].headers["x-verification-token"], "vt");
  assert.equal(JSON.parse(r.got[0].raw).token, "vt");
});

test("tawk.to: RPC over POST, ok/error bodies, HMAC-SHA1 webhooks with a stable event id", async () => {
  const url = await start("tawk", { api_key: "ak", webhook_secret: "ws", property_id: "prop1" });
  const h = basic("ak", "");
  assert.equal((await call(url, "POST", "/v1/property.list", { headers: basic("ak", "x"), body: {} })).status, 401);
  assert.equal((await call(url, "POST", "/v1/property.list", { headers: h, body: {} })).body.data[0].id, "prop1");
  const r = await receiver();
  const sent = (await call(url, "POST", "/__fake/webhook", { body: { url: r.url, event: "chat:start", data: { name: "Ada", email: "ada@example.com", text: "Hi" } } })).body;
  assert.equal(r.got[0].headers["x-tawk-signature"], createHmac("sha1", "ws").update(r.got[0].raw).digest("hex"));
  const chat = (await call(url, "POST", "/v1/chat.get", { headers: h, body: { propertyId: "prop1", chatId: sent.delivery.conversation_id } })).body;
  assert.equal(chat.data.messages[0].msg, "Hi");
  assert.equal((await call(url, "POST", "/v1/chat.get", { headers: h, body: { propertyId: "other", chatId: "x" } })).body.error, "property_not_found");
  await call(url, "POST", "/__fake/redeliver", { body: { url: r.url, delivery: sent.delivery } });
  assert.equal(r.got[1].headers["x-hook-event-id"], r.got[0].headers["x-hook-event-id"], "a redelivery keeps its event id");
  assert.equal(r.got[1].raw, r.got[0].raw);
});
