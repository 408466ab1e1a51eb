// The fakes against the vendors' own OpenAPI documents (Intercom REST 2.14, Zendesk
// Sunshine Conversations): run only when SHARED_REF names the reference folder, e.g.
//
//   SHARED_REF=/path/to/ref node --test tests/fakes/conformance.test.mjs
//
// Without SHARED_REF this file registers no test at all (the documents are not part of this
// repository; `make test` does not need them). With SHARED_REF set, a missing document or
// a missing `yaml` package (npm ci in tests/fakes) fails loudly.
//
// It drives each fake through the calls our clients make, then checks: every request the
// fake recorded is an operation of the document whose JSON body validates against the
// operation's request schema (and, for Intercom, whose Intercom-Version is one the document
// lists); every answer's status is documented for the operation (2xx always; errors when the
// document lists them) and its body validates against the documented response schema; and
// the webhook payloads validate (Sunshine's `x-webhooks` body, Intercom's Conversation).

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { serve } from "./lib.mjs";
import { load, operation, validate, responseSchema, checkRequest, DOCS } from "./conformance/openapi.mjs";

const REF = process.env.SHARED_REF;

if (REF) {
  const docs = {};
  const closers = [];
  before(async () => {
    for (const v of Object.keys(DOCS)) docs[v] = await load(REF, v);
  });
  after(() => closers.forEach((c) => c()));

  async function start(name, config) {
    const { create } = await import(`./${name}.mjs`);
    const { url, close } = await serve(create(config));
    closers.push(close);
    return url;
  }

  /** A client that keeps every answer, to be checked against the document afterwards. */
  function client(url, headers, strip = "") {
    const answers = [];
    const call = async (method, path, body) => {
      const r = await fetch(url + path, {
        method,
        headers: { Accept: "application/json", ...(body !== undefined ? { "Content-Type": "application/json" } : {}), ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await r.text();
      const out = { method, path: new URL(url + path).pathname.slice(strip.length), status: r.status, body: text ? JSON.parse(text) : null };
      answers.push(out);
      return out;
    };
    return { call, answers };
  }

  function checkAll(vendor, requests, answers) {
    const doc = docs[vendor];
    const problems = [];
    for (const r of requests) {
      const { problems: p } = checkRequest(doc, vendor, r);
      problems.push(...p.map((x) => `request ${r.method} ${r.path}: ${x}`));
    }
    for (const a of answers) {
      const found = operation(doc, a.method, a.path);
      if (!found) {
        problems.push(`answer ${a.method} ${a.path}: no such operation`);
        continue;
      }
      const schema = responseSchema(doc, found.op, a.status);
      if (schema === undefined) {
        // Errors the document does not list (409 on contacts, 400s of validation) are the
        // vendor's documented error shape all the same; a success must be documented.
        if (a.status < 300) problems.push(`answer ${a.method} ${a.path}: status ${a.status} is not documented`);
        continue;
      }
      if (schema) problems.push(...validate(doc, schema, a.body ?? undefined).map((x) => `answer ${a.method} ${a.path} ${a.status}: ${x}`));
    }
    return problems;
  }

  test("intercom fake: requests and answers conform to the REST 2.14 document", async () => {
    const url = await start("intercom", { access_token: "conf", client_secret: "cs", admin_id: "991267459" });
    const { call, answers } = client(url, { Authorization: "Bearer conf", "Intercom-Version": "2.14" });
    await call("GET", "/me");
    const contact = (await call("POST", "/contacts", { role: "user", external_id: "wp-7", email: "ada@example.com", name: "Ada", custom_attributes: {} })).body;
    await call("POST", "/contacts", { role: "user", external_id: "wp-7" }); // 409
    await call("POST", "/contacts/search", { query: { field: "external_id", operator: "=", value: "wp-7" } });
    const m = (await call("POST", "/conversations", { from: { type: "user", id: contact.id }, body: "Hello" })).body;
    await call("POST", `/conversations/${m.conversation_id}/reply`, { message_type: "comment", type: "admin", admin_id: "991267459", body: "Hi Ada" });
    await call("POST", `/conversations/${m.conversation_id}/reply`, { message_type: "comment", type: "user", intercom_user_id: contact.id, body: "Thanks" });
    await call("GET", `/conversations/${m.conversation_id}`);
    await call("GET", "/conversations/123456");
    await call("POST", "/events", { event_name: "booked", created_at: 1700000000, user_id: "wp-7", metadata: { service: "massage" } });
    const requests = await (await fetch(`${url}/__fake/requests`)).json();
    assert.deepEqual(checkAll("intercom", requests, answers), []);

    // Webhook items are the REST API's Conversation.
    const doc = docs.intercom;
    const conversation = { $ref: "#/components/schemas/conversation" };
    for (const [event, data] of [
      ["conversation.user.created", { text: "Hello" }],
      ["conversation.admin.replied", { conversation_id: m.conversation_id, text: "Reply" }],
      ["conversation.admin.assigned", { conversation_id: m.conversation_id }],
      ["conversation.rating.added", { conversation_id: m.conversation_id, rating: 5 }],
      ["conversation.admin.closed", { conversation_id: m.conversation_id }],
    ]) {
      const r = await fetch(`${url}/__fake/webhook`, { method: "POST", body: JSON.stringify({ event, data, dry: true }) });
      const item = JSON.parse((await r.json()).delivery.body).data.item;
      assert.deepEqual(validate(doc, conversation, item), [], event);
    }
  });

  test("zendesk fake: requests, answers and webhooks conform to the Sunshine Conversations document", async () => {
    const app = "5ebee0975ac5304b664a12fa";
    const url = await start("zendesk", { app_id: app, key_id: "app_conf", secret: "s", webhook_secret: "w" });
    const { call, answers } = client(url, { Authorization: "Basic " + Buffer.from("app_conf:s").toString("base64") }, "/sc");
    const api = `/sc/v2/apps/${app}`;
    await call("GET", api);
    const u = (await call("POST", `${api}/users`, { externalId: "wp-7", profile: { givenName: "Ada", surname: "Lovelace", email: "ada@example.com" } })).body.user;
    await call("POST", `${api}/users`, { externalId: "wp-7" }); // 409
    await call("GET", `${api}/users/wp-7`);
    const c = (await call("POST", `${api}/conversations`, { type: "personal", participants: [{ userId: u.id, subscribeSDKClient: false }] })).body.conversation;
    await call("POST", `${api}/conversations/${c.id}/messages`, { author: { type: "user", userId: u.id }, content: { type: "text", text: "Hello" } });
    for (let i = 0; i < 105; i++) {
      await call("POST", `${api}/conversations/${c.id}/messages`, { author: { type: "business" }, content: { type: "text", text: `m${i}` }, metadata: { bkx_message_id: `k${i}` } });
    }
    const last = (await call("GET", `${api}/conversations/${c.id}/messages`)).body;
    await call("GET", `${api}/conversations/${c.id}/messages?page[before]=${last.meta.beforeCursor}`);
    await call("GET", `${api}/conversations/nope/messages`);
    const requests = await (await fetch(`${url}/__fake/requests`)).json();
    assert.deepEqual(checkAll("zendesk", requests, answers), []);

    const doc = docs.zendesk;
    const hook = doc["x-webhooks"]?.["Webhook Event"]?.post?.requestBody?.content?.["application/json"]?.schema;
    assert.ok(hook, "the document describes the webhook body");
    for (const [event, data] of [
      ["conversation:message", { conversation_id: c.id, text: "hi" }],
      ["conversation:message", { conversation_id: c.id, text: "hi", author: "business" }],
      ["conversation:create", { external_id: "wp-8" }],
      ["switchboard:passControl", { conversation_id: c.id, reason: "ticketClosed" }],
      ["conversation:remove", { conversation_id: c.id }],
    ]) {
      const r = await fetch(`${url}/__fake/webhook`, { method: "POST", body: JSON.stringify({ event, data, dry: true }) });
      const body = JSON.parse((await r.json()).delivery.body);
      assert.deepEqual(validate(doc, hook, body), [], event);
    }
  });
}
