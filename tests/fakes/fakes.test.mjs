// Self-tests of the fake vendors (node --test tests/fakes/): each refuses what the vendor
// refuses, answers in the vendor's shapes, round-trips create → send → history, throttles
// with the vendor's headers, and signs webhooks so that a verifier written from the vendor's
// documentation accepts them — and rejects them once tampered with.

import { test, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { spawn } from "node:child_process";
import { createHmac, timingSafeEqual } from "node:crypto";
import { fileURLToPath } from "node:url";
import { serve } from "./lib.mjs";
import { signJwt } from "./zendesk.mjs";

const closers = [];
after(() => closers.forEach((c) => c()));

async function start(name, config = {}) {
  const { create } = await import(`./${name}.mjs`);
  const { url, close } = await serve(create(config));
  closers.push(close);
  return url;
}

async function call(url, method, path, { headers = {}, body, raw } = {}) {
  const r = await fetch(url + path, {
    method,
    headers: { Accept: "application/json", ...(body !== undefined || raw !== undefined ? { "Content-Type": "application/json" } : {}), ...headers },
    body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
  });
  const text = await r.text();
  return { status: r.status, headers: r.headers, body: text ? JSON.parse(text) : null };
}
const control = (url, route, body = {}) => call(url, "POST", `/__fake/${route}`, { body }).then((r) => r.body);

/** A receiver standing in for the WordPress webhook route. */
async function receiver() {
  const got = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (d) => chunks.push(d));
    req.on("end", () => {
      got.push({ headers: req.headers, raw: Buffer.concat(chunks).toString("utf8") });
      res.writeHead(200, { "Content-Type": "application/json" }).end('{"status":"stored"}');
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  closers.push(() => server.close());
  return { url: `http://127.0.0.1:${server.address().port}/hook`, got };
}

const basic = (u, p) => ({ Authorization: "Basic " + Buffer.from(`${u}:${p}`).toString("base64") });
const equal = (a, b) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

test("server.mjs prints one JSON line with its URL, serves, and refuses bad arguments", async () => {
  const script = fileURLToPath(new URL("./server.mjs", import.meta.url));
  const proc = spawn(process.execPath, [script, "--vendor", "tawk", "--port", "0", "--config", '{"api_key":"cli-key"}'], { stdio: ["ignore", "pipe", "pipe"] });
  const line = await new Promise((resolve, reject) => {
    let buf = "";
    proc.stdout.on("data", (d) => {
      buf += d;
      if (buf.includes("\n")) resolve(buf.split("\n")[0]);
    });
    proc.once("exit", (code) => reject(new Error(`exited ${code}`)));
  });
  try {
    const info = JSON.parse(line);
    assert.equal(info.vendor, "tawk");
    assert.equal(info.pid, proc.pid);
    assert.match(info.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal((await call(info.url, "POST", "/v1/property.list", { headers: basic("cli-key", ""), body: {} })).body.ok, true);
  } finally {
    proc.kill();
  }
  const bad = spawn(process.execPath, [script, "--vendor", "nope"], { stdio: "ignore" });
  assert.equal(await new Promise((r) => bad.once("exit", r)), 2);
});

test("intercom: token, version and Accept checks, validation, round trip, rate limits, signed webhooks", async () => {
  const url = await start("intercom", { access_token: "tok", client_secret: "cs", admin_id: "42" });
  const h = { Authorization: "Bearer tok", "Intercom-Version": "2.14" };

  // Auth and headers.
  let r = await call(url, "GET", "/me", { headers: { "Intercom-Version": "2.14" } });
  assert.equal(r.status, 401);
  assert.deepEqual(r.body.errors, [{ code: "unauthorized", message: "Access Token Invalid" }]);
  assert.equal(r.body.type, "error.list");
  assert.equal(r.headers.get("x-ratelimit-limit"), null, "rate-limit headers only on authenticated answers");
  assert.equal((await call(url, "GET", "/me", { headers: { ...h, Authorization: "Bearer nope" } })).status, 401);
  r = await call(url, "GET", "/me", { headers: { ...h, "Intercom-Version": "9.9" } });
  assert.equal(r.status, 400);
  assert.equal(r.body.errors[0].code, "intercom_version_invalid");
  assert.equal((await call(url, "GET", "/me", { headers: { Authorization: "Bearer tok" } })).status, 400, "the version is required");
  assert.equal((await call(url, "GET", "/me", { headers: { ...h, Accept: "text/html" } })).status, 406);
  const me = await call(url, "GET", "/me", { headers: h });
  assert.equal(me.body.type, "admin");
  assert.equal(me.body.id, "42");
  assert.ok(Number(me.headers.get("x-ratelimit-remaining")) > 0);
  assert.ok(Number(me.headers.get("x-ratelimit-reset")) > Date.now() / 1000);

  // Validation.
  assert.equal((await call(url, "POST", "/contacts", { headers: h, body: {} })).body.errors[0].code, "parameter_invalid");
  assert.equal((await call(url, "POST", "/contacts", { headers: h, body: { email_verified: true, role: "user" } })).status, 400);
  assert.equal((await call(url, "POST", "/conversations", { headers: h, body: { from: { type: "user", id: "x" } } })).body.errors[0].code, "parameter_not_found");
  r = await call(url, "POST", "/conversations", { headers: h, body: { from: { type: "user", id: "000000000000000000000000" }, body: "Hi" } });
  assert.equal(r.status, 404);
  assert.equal(r.body.errors[0].message, "User Not Found");

  // Round trip.
  const contact = (await call(url, "POST", "/contacts", { headers: h, body: { role: "user", external_id: "wp-1", email: "a@example.com", name: "Ada" } })).body;
  assert.equal(contact.type, "contact");
  assert.match(contact.id, /^[0-9a-f]{24}$/);
  r = await call(url, "POST", "/contacts", { headers: h, body: { role: "user", external_id: "wp-1" } });
  assert.equal(r.status, 409);
  assert.equal(r.body.errors[0].message, `A contact matching those details already exists with id=${contact.id}`);
  const found = (await call(url, "POST", "/contacts/search", { headers: h, body: { query: { field: "external_id", operator: "=", value: "wp-1" } } })).body;
  assert.equal(found.type, "list");
  assert.equal(found.total_count, 1);
  assert.equal(found.data[0].id, contact.id);
  assert.equal(found.pages.type, "pages");
  const msg = (await call(url, "POST", "/conversations", { headers: h, body: { from: { type: "user", id: contact.id }, body: "Hi there" } })).body;
  assert.equal(msg.type, "user_message");
  assert.equal(msg.message_type, "inapp");
  assert.match(msg.conversation_id, /^\d+$/);
  r = await call(url, "POST", `/conversations/${msg.conversation_id}/reply`, { headers: h, body: { message_type: "comment", type: "admin", body: "Hello" } });
  assert.equal(r.body.errors[0].code, "parameter_not_found");
  r = await call(url, "POST", `/conversations/${msg.conversation_id}/reply`, { headers: h, body: { message_type: "comment", type: "admin", admin_id: "42", body: "Hello" } });
  assert.equal(r.body.type, "conversation");
  await call(url, "POST", `/conversations/${msg.conversation_id}/reply`, { headers: h, body: { message_type: "comment", type: "user", intercom_user_id: contact.id, body: "Thanks" } });
  await call(url, "POST", `/conversations/${msg.conversation_id}/reply`, { headers: h, body: { message_type: "note", type: "admin", admin_id: 42, body: "internal" } });
  const conv = (await call(url, "GET", `/conversations/${msg.conversation_id}`, { headers: h })).body;
  assert.equal(conv.source.body, "<p>Hi there</p>");
  assert.equal(conv.source.author.id, contact.id);
  assert.equal(conv.conversation_parts.type, "conversation_part.list");
  assert.deepEqual(
    conv.conversation_parts.conversation_parts.map((p) => [p.part_type, p.author.type, p.body]),
    [["comment", "admin", "<p>Hello</p>"], ["comment", "user", "<p>Thanks</p>"], ["note", "admin", "<p>internal</p>"]],
  );
  assert.equal(conv.conversation_parts.total_count, 3);
  assert.equal((await call(url, "GET", "/conversations/999999999", { headers: h })).body.errors[0].code, "not_found");
  r = await call(url, "POST", "/events", { headers: h, body: { event_name: "booked", created_at: 1700000000, user_id: "wp-1", metadata: { service: "massage" } } });
  assert.equal(r.status, 202);
  assert.equal((await call(url, "POST", "/events", { headers: h, body: { event_name: "booked", user_id: "wp-1" } })).status, 400);

  // Failure injection: 429 with the reset time, then an outage, then a slow answer.
  await control(url, "fail", { status: 429, count: 1, reset_in: 30 });
  const t = await call(url, "GET", "/me", { headers: h });
  assert.equal(t.status, 429);
  assert.equal(t.body.errors[0].code, "rate_limit_exceeded");
  assert.equal(t.headers.get("x-ratelimit-remaining"), "0");
  assert.ok(Number(t.headers.get("x-ratelimit-reset")) >= Math.floor(Date.now() / 1000) + 29);
  assert.equal((await call(url, "GET", "/me", { headers: h })).status, 200, "only `count` calls fail");
  await control(url, "fail", { status: 503, count: 2 });
  assert.equal((await call(url, "GET", "/me", { headers: h })).body.errors[0].code, "service_unavailable");
  assert.equal((await call(url, "GET", "/me", { headers: h })).status, 503);
  await control(url, "fail", { hang_ms: 150 });
  const t0 = Date.now();
  assert.equal((await call(url, "GET", "/me", { headers: h })).status, 200);
  assert.ok(Date.now() - t0 >= 140);
  const recorded = await (await fetch(`${url}/__fake/requests`)).json();
  assert.ok(recorded.some((x) => x.path === "/events" && x.body.event_name === "booked" && x.headers["intercom-version"] === "2.14"));

  // Webhooks.
  const rc = await receiver();
  const sign = (raw) => "sha1=" + createHmac("sha1", "cs").update(raw).digest("hex");
  const sent = await control(url, "webhook", { url: rc.url, event: "conversation.user.created", data: { email: "b@example.com", text: "Help" } });
  assert.equal(sent.status, 200);
  assert.deepEqual(sent.body, { status: "stored" });
  const n = JSON.parse(rc.got[0].raw);
  assert.ok(equal(rc.got[0].headers["x-hub-signature"], sign(rc.got[0].raw)));
  assert.equal(n.type, "notification_event");
  assert.equal(n.topic, "conversation.user.created");
  assert.match(n.id, /^notif_/);
  assert.equal(n.data.item.type, "conversation");
  assert.equal(n.data.item.source.body, "<p>Help</p>");
  assert.equal(n.data.item.id, sent.delivery.conversation_id);
  await control(url, "webhook", { url: rc.url, event: "conversation.user.created", data: { text: "Help" }, mode: "tampered" });
  assert.notEqual(rc.got[1].headers["x-hub-signature"], sign(rc.got[1].raw));
  await control(url, "webhook", { url: rc.url, event: "conversation.user.created", data: { text: "Help" }, mode: "wrong_secret" });
  assert.notEqual(rc.got[2].headers["x-hub-signature"], sign(rc.got[2].raw));
  await control(url, "webhook", { url: rc.url, event: "conversation.user.created", data: { text: "Help" }, mode: "unsigned" });
  assert.equal(rc.got[3].headers["x-hub-signature"], undefined);
  assert.equal((await call(url, "POST", "/__fake/webhook", { body: { url: rc.url, event: "conversation.user.created", mode: "stale" } })).status, 400);
  const cid = sent.delivery.conversation_id;
  const reply = (await control(url, "webhook", { dry: true, event: "conversation.admin.replied", data: { conversation_id: cid, text: "On it" } })).delivery;
  const parts = JSON.parse(reply.body).data.item.conversation_parts.conversation_parts;
  assert.deepEqual(parts.map((p) => [p.part_type, p.author.type, p.body]), [["comment", "admin", "<p>On it</p>"]]);
  const assigned = JSON.parse((await control(url, "webhook", { dry: true, event: "conversation.admin.assigned", data: { conversation_id: cid, admin_id: "7", team_id: 5 } })).delivery.body).data.item;
  assert.equal(assigned.conversation_parts.conversation_parts[0].part_type, "assignment");
  assert.equal(assigned.conversation_parts.conversation_parts[0].assigned_to.id, "7");
  assert.equal(assigned.team_assignee_id, 5);
  const rated = JSON.parse((await control(url, "webhook", { dry: true, event: "conversation.rating.added", data: { conversation_id: cid, rating: 4, remark: "Nice" } })).delivery.body).data.item;
  assert.deepEqual([rated.conversation_rating.rating, rated.conversation_rating.remark], [4, "Nice"]);
  const closed = JSON.parse((await control(url, "webhook", { dry: true, event: "conversation.admin.closed", data: { conversation_id: cid } })).delivery.body).data.item;
  assert.equal(closed.state, "closed");
  assert.equal(closed.conversation_parts.conversation_parts[0].part_type, "close");
  // Byte-for-byte replay.
  await control(url, "redeliver", { url: rc.url, delivery: sent.delivery });
  assert.equal(rc.got.at(-1).raw, rc.got[0].raw);
  assert.equal(rc.got.at(-1).headers["x-hub-signature"], rc.got[0].headers["x-hub-signature"]);
});

test("zendesk sunshine: Basic and JWT auth, errors, 100 kB limit, 409 users, cursor pages, Retry-After, webhooks", async () => {
  const url = await start("zendesk", { app_id: "app1", key_id: "kid", secret: "sec", webhook_secret: "whs" });
  const h = basic("kid", "sec");
  const api = "/sc/v2/apps/app1";

  let r = await call(url, "GET", api);
  assert.equal(r.status, 401);
  assert.deepEqual(r.body, { errors: [{ code: "unauthorized", title: "Authorization is required" }] });
  assert.equal((await call(url, "GET", api, { headers: basic("kid", "bad") })).status, 401);
  assert.equal((await call(url, "GET", api, { headers: { Authorization: `Bearer ${signJwt("kid", "sec")}` } })).body.app.id, "app1");
  assert.equal((await call(url, "GET", api, { headers: { Authorization: `Bearer ${signJwt("kid", "other")}` } })).status, 401);
  assert.equal((await call(url, "GET", api, { headers: h })).body.app.id, "app1");

  // Validation and limits.
  r = await call(url, "POST", `${api}/users`, { headers: h, body: { profile: {} } });
  assert.equal(r.status, 400);
  assert.equal(r.body.errors[0].code, "bad_request");
  r = await call(url, "POST", `${api}/users`, { headers: h, body: { externalId: "x", profile: { givenName: "x".repeat(110 * 1024) } } });
  assert.equal(r.status, 413);
  assert.ok(r.body.errors[0].code);
  const u = (await call(url, "POST", `${api}/users`, { headers: h, body: { externalId: "wp-1", profile: { givenName: "Ada", surname: "Lovelace", email: "ada@example.com" } } })).body.user;
  assert.equal(u.externalId, "wp-1");
  r = await call(url, "POST", `${api}/users`, { headers: h, body: { externalId: "wp-1" } });
  assert.equal(r.status, 409);
  assert.equal(r.body.errors[0].code, "conflict");
  assert.equal((await call(url, "GET", `${api}/users/wp-1`, { headers: h })).body.user.id, u.id);
  assert.equal((await call(url, "GET", `${api}/users/nobody`, { headers: h })).status, 404);
  assert.equal((await call(url, "POST", `${api}/conversations`, { headers: h, body: { type: "personal", participants: [] } })).status, 400);
  assert.equal((await call(url, "POST", `${api}/conversations`, { headers: h, body: { type: "personal", participants: [{ userExternalId: "nobody" }] } })).status, 404);

  // Round trip with pages of 100, backwards by default.
  const c = (await call(url, "POST", `${api}/conversations`, { headers: h, body: { type: "personal", participants: [{ userExternalId: "wp-1", subscribeSDKClient: false }] } })).body.conversation;
  assert.equal(c.type, "personal");
  r = await call(url, "POST", `${api}/conversations/${c.id}/messages`, { headers: h, body: { author: { type: "user", userId: u.id }, content: { type: "text", text: "m0" } } });
  assert.equal(r.status, 201);
  assert.equal(r.body.messages[0].author.userId, u.id);
  assert.equal((await call(url, "POST", `${api}/conversations/${c.id}/messages`, { headers: h, body: { author: { type: "business" }, content: { type: "text" } } })).status, 400);
  for (let i = 1; i < 120; i++) {
    await call(url, "POST", `${api}/conversations/${c.id}/messages`, { headers: h, body: { author: { type: "business" }, content: { type: "text", text: `m${i}` } } });
  }
  const last = (await call(url, "GET", `${api}/conversations/${c.id}/messages`, { headers: h })).body;
  assert.equal(last.messages.length, 100);
  assert.equal(last.messages.at(-1).content.text, "m119");
  assert.equal(last.messages.at(-1).source.type, "api:conversations");
  assert.equal(last.meta.hasMore, true);
  assert.equal(last.meta.afterCursor, undefined);
  assert.ok(last.links.prev.endsWith(`page[before]=${last.meta.beforeCursor}`));
  const older = (await call(url, "GET", `${api}/conversations/${c.id}/messages?page[before]=${last.meta.beforeCursor}`, { headers: h })).body;
  assert.deepEqual(older.messages.map((m) => m.content.text), Array.from({ length: 20 }, (_, i) => `m${i}`));
  assert.equal(older.meta.hasMore, false);
  assert.equal(older.meta.afterCursor, older.messages.at(-1).id);
  const newer = (await call(url, "GET", `${api}/conversations/${c.id}/messages?page[after]=${older.meta.afterCursor}`, { headers: h })).body;
  assert.equal(newer.messages[0].content.text, "m20");
  assert.equal(newer.meta.hasMore, false);
  assert.equal((await call(url, "GET", `${api}/conversations/${c.id}/messages?page[after]=a&page[before]=b`, { headers: h })).status, 400);

  await control(url, "fail", { status: 429, retry_after: 7 });
  const t = await call(url, "GET", api, { headers: h });
  assert.equal(t.status, 429);
  assert.equal(t.headers.get("retry-after"), "7");
  assert.ok(t.body.errors[0].code);

  // Webhooks: Sunshine's X-API-Key, and Zendesk's signed trigger bodies.
  const rc = await receiver();
  const sent = await control(url, "webhook", { url: rc.url, event: "conversation:message", data: { text: "hi", name: "Ada Lovelace" } });
  assert.equal(rc.got[0].headers["x-api-key"], "whs");
  const batch = JSON.parse(rc.got[0].raw);
  assert.equal(batch.app.id, "app1");
  assert.equal(batch.webhook.version, "v2");
  assert.equal(batch.events[0].type, "conversation:message");
  assert.equal(batch.events[0].payload.message.author.type, "user");
  assert.equal(batch.events[0].payload.message.content.text, "hi");
  assert.equal(batch.events[0].payload.conversation.id, sent.delivery.conversation_id);
  await control(url, "webhook", { url: rc.url, event: "conversation:message", data: { text: "hi" }, mode: "wrong_secret" });
  assert.notEqual(rc.got[1].headers["x-api-key"], "whs");
  const create = JSON.parse((await control(url, "webhook", { dry: true, event: "conversation:create", data: { external_id: "wp-9", name: "Bo" } })).delivery.body);
  assert.equal(create.events[0].payload.user.externalId, "wp-9");
  const pass = JSON.parse((await control(url, "webhook", { dry: true, event: "switchboard:passControl", data: { conversation_id: sent.delivery.conversation_id, reason: "ticketClosed" } })).delivery.body);
  assert.equal(pass.events[0].payload.reason, "ticketClosed");
  const signed = (d) => createHmac("sha256", "whs").update(d.headers["x-zendesk-webhook-signature-timestamp"] + d.raw).digest("base64");
  await control(url, "webhook", { url: rc.url, event: "chat.started", data: { text: "hi" } });
  await control(url, "webhook", { url: rc.url, event: "chat.started", data: { text: "hi" }, mode: "tampered" });
  await control(url, "webhook", { url: rc.url, event: "chat.started", data: { text: "hi" }, mode: "stale" });
  const [ok, tampered, stale] = rc.got.slice(2);
  assert.ok(equal(ok.headers["x-zendesk-webhook-signature"], signed(ok)));
  assert.notEqual(tampered.headers["x-zendesk-webhook-signature"], signed(tampered));
  assert.equal(stale.headers["x-zendesk-webhook-signature"], signed(stale), "a stale delivery is validly signed…");
  assert.ok(Date.now() - Date.parse(stale.headers["x-zendesk-webhook-signature-timestamp"]) > 5 * 60_000, "…with an old timestamp");
});

test("livechat: v3.6 actions, auth, validation, threads with pages, inactive chats, 429 and the body secret", async () => {
  const url = await start("livechat", { account_id: "acc", pat: "pat", webhook_secret: "lcs", agent_id: "smith@example.com" });
  const h = basic("acc", "pat");
  const act = (name, body, headers = h) => call(url, "POST", `/v3.6/agent/action/${name}`, { headers, body });

  let r = await act("list_chats", {}, {});
  assert.equal(r.status, 401);
  assert.equal(r.body.error.type, "authentication");
  assert.equal((await act("list_chats", {}, basic("acc", "x"))).body.error.type, "authentication");
  assert.equal((await act("list_chats", {}, { Authorization: "Bearer lc-oauth-token" })).status, 200);
  r = await call(url, "POST", "/v2.0/agent/action/list_chats", { headers: h, body: {} });
  assert.equal(r.body.error.type, "unsupported_version");
  assert.equal((await call(url, "POST", "/agent/action/list_chats", { headers: { ...h, "X-API-Version": "3.6" }, body: {} })).status, 200);

  const s = (await act("start_chat", { chat: { thread: { events: [{ type: "message", text: "Hi", visibility: "all" }] } } })).body;
  assert.match(s.chat_id, /^[A-Z0-9]{10}$/);
  assert.equal(s.event_ids.length, 1);
  r = await act("send_event", { chat_id: s.chat_id, event: { type: "message" } });
  assert.equal(r.status, 400);
  assert.equal(r.body.error.type, "validation");
  assert.equal((await act("send_event", { chat_id: s.chat_id, event: { type: "message", text: "x", visibility: "public" } })).status, 400);
  assert.equal((await act("send_event", { chat_id: s.chat_id, event: { type: "message", text: "x".repeat(16 * 1024 + 1) } })).status, 400);
  assert.equal((await act("send_event", { chat_id: "NOSUCHCHAT", event: { type: "message", text: "x" } })).body.error.type, "not_found");
  const ev = (await act("send_event", { chat_id: s.chat_id, event: { type: "message", text: "Yes", visibility: "all" } })).body;
  await act("send_event", { chat_id: s.chat_id, event: { type: "message", text: "note", visibility: "agents" } });
  const threads = (await act("list_threads", { chat_id: s.chat_id, sort_order: "asc", limit: 25 })).body;
  assert.equal(threads.found_threads, 1);
  assert.deepEqual(threads.threads[0].events.map((e) => [e.text, e.author_id, e.visibility]), [["Hi", "smith@example.com", "all"], ["Yes", "smith@example.com", "all"], ["note", "smith@example.com", "agents"]]);
  assert.equal(threads.threads[0].events[1].id, ev.event_id);
  assert.match(threads.threads[0].events[0].created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  assert.equal((await act("list_threads", { chat_id: s.chat_id, page_id: "x", limit: 2 })).body.error.type, "validation");
  assert.equal((await act("get_chat", { chat_id: s.chat_id })).body.thread.events.length, 3);
  assert.equal((await act("transfer_chat", { id: s.chat_id, target: { type: "group", ids: [2] } })).status, 200);
  assert.equal((await act("transfer_chat", { id: s.chat_id, target: { type: "team", ids: [2] } })).status, 400);
  assert.equal((await act("deactivate_chat", { id: s.chat_id })).status, 200);
  r = await act("send_event", { chat_id: s.chat_id, event: { type: "message", text: "late" } });
  assert.equal(r.status, 422);
  assert.equal(r.body.error.type, "chat_inactive");
  // Pages: three chats, two a page.
  await act("start_chat", {});
  await act("start_chat", {});
  const p1 = (await act("list_chats", { limit: 2 })).body;
  assert.equal(p1.found_chats, 3);
  assert.equal(p1.chats_summary.length, 2);
  const p2 = (await act("list_chats", { page_id: p1.next_page_id })).body;
  assert.equal(p2.chats_summary.length, 1);
  assert.ok(p2.previous_page_id);

  await control(url, "fail", { status: 429, retry_after: 3 });
  r = await act("list_chats", {});
  assert.equal(r.status, 429);
  assert.equal(r.body.error.type, "too_many_requests");
  assert.equal(r.headers.get("retry-after"), "3");

  const rc = await receiver();
  const sent = await control(url, "webhook", { url: rc.url, event: "incoming_chat", data: { text: "Hello", name: "Ada" } });
  const w = JSON.parse(rc.got[0].raw);
  assert.equal(w.secret_key, "lcs");
  assert.equal(w.action, "incoming_chat");
  assert.equal(w.payload.chat.id, sent.delivery.conversation_id);
  assert.equal(w.payload.chat.thread.events[0].text, "Hello");
  assert.equal(w.payload.chat.users.find((x) => x.type === "customer").name, "Ada");
  await control(url, "webhook", { url: rc.url, event: "incoming_chat", data: {}, mode: "unsigned" });
  assert.equal(JSON.parse(rc.got[1].raw).secret_key, undefined);
  await control(url, "webhook", { url: rc.url, event: "incoming_chat", data: {}, mode: "wrong_secret" });
  assert.notEqual(JSON.parse(rc.got[2].raw).secret_key, "lcs");
  const cid = sent.delivery.conversation_id;
  const tr = JSON.parse((await control(url, "webhook", { dry: true, event: "chat_transferred", data: { conversation_id: cid, agent_ids: ["jones@example.com"] } })).delivery.body);
  assert.deepEqual(tr.payload.transferred_to, { agent_ids: ["jones@example.com"] });
  const inc = JSON.parse((await control(url, "webhook", { dry: true, event: "incoming_event", data: { conversation_id: cid, text: "More" } })).delivery.body);
  assert.equal(inc.payload.event.text, "More");
  assert.equal(inc.payload.chat_id, cid);
  const off = JSON.parse((await control(url, "webhook", { dry: true, event: "chat_deactivated", data: { conversation_id: cid } })).delivery.body);
  assert.equal(off.payload.chat_id, cid);
});

test("drift: bearer, validation, contacts by e-mail, conversations, cursor pages, hangs, verification token", async () => {
  const url = await start("drift", { access_token: "dt", verification_token: "vt", user_id: 77 });
  const h = { Authorization: "Bearer dt" };
  assert.equal((await call(url, "GET", "/users/list")).status, 401);
  const r401 = await call(url, "GET", "/users/list", { headers: { Authorization: "Bearer x" } });
  assert.equal(r401.status, 401);
  assert.ok(r401.body.error.type);
  assert.equal((await call(url, "GET", "/users/list", { headers: h })).body.data[0].id, 77);
  assert.equal((await call(url, "POST", "/conversations/new", { headers: h, body: { message: { body: "Hi" } } })).status, 400);
  assert.equal((await call(url, "POST", "/contacts", { headers: h, body: { attributes: {} } })).status, 400);
  const contact = (await call(url, "POST", "/contacts", { headers: h, body: { attributes: { email: "a@example.com", name: "Ada" } } })).body.data;
  assert.ok(contact.id && contact.createdAt);
  assert.equal((await call(url, "POST", "/contacts", { headers: h, body: { attributes: { email: "a@example.com" } } })).status, 409);
  const c = (await call(url, "POST", "/conversations/new", { headers: h, body: { email: "a@example.com", message: { body: "Hi", attributes: { integrationSource: "BookingX" } } } })).body;
  assert.deepEqual(Object.keys(c).sort(), ["contactId", "createdAt", "id", "inboxId", "participants", "status"]);
  assert.equal(c.contactId, contact.id);
  assert.equal((await call(url, "POST", `/conversations/${c.id}/messages`, { headers: h, body: { type: "shout", body: "x" } })).status, 400);
  const sent = (await call(url, "POST", `/conversations/${c.id}/messages`, { headers: h, body: { type: "chat", body: "m1", userId: 77 } })).body.data.messages[0];
  assert.deepEqual([sent.conversationId, sent.author, sent.type], [c.id, { type: "user", id: 77, bot: false }, "chat"]);
  for (let i = 2; i < 60; i++) await call(url, "POST", `/conversations/${c.id}/messages`, { headers: h, body: { type: "chat", body: `m${i}` } });
  const p1 = (await call(url, "GET", `/conversations/${c.id}/messages`, { headers: h })).body.data;
  assert.equal(p1.messages.length, 50);
  assert.equal(p1.messages[0].body, "Hi");
  assert.equal(p1.pagination.more, true);
  const p2 = (await call(url, "GET", `/conversations/${c.id}/messages?next=${p1.pagination.next}`, { headers: h })).body.data;
  assert.equal(p2.messages.length, 10);
  assert.equal(p2.pagination.more, false);
  assert.equal((await call(url, "GET", `/conversations/${c.id}`, { headers: h })).body.data.status, "open");
  assert.equal((await call(url, "GET", `/contacts?email=a@example.com`, { headers: h })).body.data[0].id, c.contactId);
  assert.equal((await call(url, "GET", "/conversations/1", { headers: h })).status, 404);

  await control(url, "fail", { status: 429, count: 2, retry_after: 4 });
  for (let i = 0; i < 2; i++) {
    const t = await call(url, "GET", "/users/list", { headers: h });
    assert.equal(t.status, 429);
    assert.equal(t.headers.get("retry-after"), "4");
  }
  await control(url, "fail", { hang_ms: -1 });
  await assert.rejects(fetch(`${url}/users/list`, { headers: h, signal: AbortSignal.timeout(200) }));
  await control(url, "reset");
  assert.deepEqual((await control(url, "state")).conversations, []);

  const rc = await receiver();
  const w = await control(url, "webhook", { url: rc.url, event: "new_message", data: { email: "b@example.com", text: "More" } });
  assert.equal(rc.got[0].headers["x-verification-token"], "vt");
  const body = JSON.parse(rc.got[0].raw);
  assert.equal(body.token, "vt");
  assert.equal(body.type, "new_message");
  assert.equal(body.data.conversationId, w.delivery.conversation_id);
  assert.equal(body.data.body, "<p>More</p>");
  await control(url, "webhook", { url: rc.url, event: "new_message", data: {}, mode: "wrong_secret" });
  assert.notEqual(rc.got[1].headers["x-verification-token"], "vt");
  await control(url, "webhook", { url: rc.url, event: "new_message", data: {}, mode: "unsigned" });
  assert.equal(rc.got[2].headers["x-verification-token"], undefined);
  assert.equal(JSON.parse(rc.got[2].raw).token, undefined);
  const ident = JSON.parse((await control(url, "webhook", { dry: true, event: "contact_identified", data: { email: "c@example.com" } })).delivery.body);
  assert.equal(ident.data.attributes.email, "c@example.com");
  const closed = JSON.parse((await control(url, "webhook", { dry: true, event: "conversation_status_updated", data: { conversation_id: w.delivery.conversation_id } })).delivery.body);
  assert.deepEqual([closed.data.conversationId, closed.data.status], [w.delivery.conversation_id, "closed"]);
});

test("tawk.to: RPC over POST, Basic with an empty password, ok/error bodies, HMAC-SHA1 webhooks with a stable event id", async () => {
  const url = await start("tawk", { api_key: "ak", webhook_secret: "ws", property_id: "prop1" });
  const h = basic("ak", "");
  assert.equal((await call(url, "POST", "/v1/property.list", { body: {} })).status, 401);
  const bad = await call(url, "POST", "/v1/property.list", { headers: basic("ak", "x"), body: {} });
  assert.deepEqual([bad.status, bad.body.ok, bad.body.error], [401, false, "unauthorized"]);
  assert.equal((await call(url, "POST", "/v1/property.list", { headers: h, body: {} })).body.data[0].id, "prop1");
  assert.equal((await call(url, "POST", "/property.list", { headers: h, body: {} })).body.ok, true, "a base URL ending in /v1 works too");
  const inv = await call(url, "POST", "/v1/chat.get", { headers: h, body: { propertyId: "prop1" } });
  assert.deepEqual([inv.status, inv.body.ok, inv.body.error], [400, false, "invalid_params"]);
  assert.equal((await call(url, "POST", "/v1/chat.get", { headers: h, body: { propertyId: "other", chatId: "x" } })).body.error, "property_not_found");
  assert.equal((await call(url, "GET", "/v1/property.list", { headers: h })).status, 405);

  const rc = await receiver();
  const sent = await control(url, "webhook", { url: rc.url, event: "chat:start", data: { name: "Ada", email: "ada@example.com", text: "Hi" } });
  assert.ok(equal(rc.got[0].headers["x-tawk-signature"], createHmac("sha1", "ws").update(rc.got[0].raw).digest("hex")));
  assert.ok(rc.got[0].headers["x-hook-event-id"]);
  const start_ = JSON.parse(rc.got[0].raw);
  assert.deepEqual([start_.event, start_.chatId, start_.message.text, start_.message.sender.type], ["chat:start", sent.delivery.conversation_id, "Hi", "visitor"]);
  await control(url, "message", { conversation_id: sent.delivery.conversation_id, author: "agent", text: "Hello Ada" });
  const chat = (await call(url, "POST", "/v1/chat.get", { headers: h, body: { propertyId: "prop1", chatId: sent.delivery.conversation_id } })).body;
  assert.deepEqual(chat.data.messages.map((m) => [m.sender.t, m.msg]), [["v", "Hi"], ["a", "Hello Ada"]]);
  assert.equal((await call(url, "POST", "/v1/chat.list", { headers: h, body: { propertyId: "prop1" } })).body.data.length, 1);
  await control(url, "webhook", { url: rc.url, event: "chat:start", data: { text: "Hi" }, mode: "tampered" });
  assert.notEqual(rc.got[1].headers["x-tawk-signature"], createHmac("sha1", "ws").update(rc.got[1].raw).digest("hex"));
  await control(url, "redeliver", { url: rc.url, delivery: sent.delivery });
  assert.equal(rc.got[2].headers["x-hook-event-id"], rc.got[0].headers["x-hook-event-id"], "a redelivery keeps its event id");
  assert.equal(rc.got[2].raw, rc.got[0].raw);
  const tr = JSON.parse((await control(url, "webhook", { dry: true, event: "chat:transcript_created", data: { conversation_id: sent.delivery.conversation_id } })).delivery.body);
  assert.equal(tr.chat.messages.length, 2);
  await control(url, "fail", { status: 429, retry_after: 9 });
  const t = await call(url, "POST", "/v1/property.list", { headers: h, body: {} });
  assert.deepEqual([t.status, t.body.ok, t.headers.get("retry-after")], [429, false, "9"]);
  await control(url, "fail", { status: 503 });
  assert.deepEqual((await call(url, "POST", "/v1/property.list", { headers: h, body: {} })).body, { ok: false, error: "service_unavailable" });
});
