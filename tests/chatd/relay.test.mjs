// The relay (`POST /internal/notify`): rows written outside the daemon — by WordPress through
// the PHP extension (vendor webhooks, REST messages, booking cards) — reach the live sockets.
// Only notices signed with the site's secret are accepted; the daemon re-reads the rows.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import {
  World,
  connect,
  call,
  okData,
  visitor,
  agent,
  sql,
  table,
  sleep,
} from "./lib/harness.mjs";

const world = new World("relay");
let daemon;

before(async () => {
  daemon = await world.daemon();
});
after(() => world.close());

/** The relay key: HMAC-SHA256 of a fixed label with the shared secret (not the secret itself). */
function relayKey(secret) {
  return createHmac("sha256", secret).update("bkx-chatd relay v1").digest();
}

function signature(secret, body, ts = Math.floor(Date.now() / 1000)) {
  const mac = createHmac("sha256", relayKey(secret)).update(`${ts}.${body}`).digest("hex");
  return `t=${ts},v1=${mac}`;
}

async function notify(events, { secret = world.secret, ts, header } = {}) {
  const body = JSON.stringify({ events });
  const headers = { "content-type": "application/json" };
  const sig = header !== undefined ? header : signature(secret, body, ts);
  if (sig !== null) headers["x-bkx-relay-signature"] = sig;
  const r = await fetch(`${daemon.url}/internal/notify`, { method: "POST", headers, body });
  return { status: r.status, json: await r.json() };
}

/** A message row written the way the PHP extension writes it (not through the daemon). */
function insertMessage(conversationId, body) {
  const t = table(world.prefix, "messages");
  const rows = sql(
    `INSERT INTO ${t} (conversation_id, sender_type, sender_name, message, message_type, sent_at, created_at) ` +
      `VALUES (${conversationId}, 'agent', 'Intercom agent', '${body}', 'text', UTC_TIMESTAMP(), UTC_TIMESTAMP()); ` +
      `SELECT LAST_INSERT_ID();`,
  );
  return Number(rows[0][0]);
}

async function pair() {
  const cu = await connect(daemon, world.token(visitor()));
  const ag = await connect(daemon, world.token(agent(2)));
  const conv = okData(await call(cu, "conversation:start", { message: "hello" })).conversation;
  return { cu, ag, conv };
}

test("a signed notice emits the stored row to the conversation and to staff", async () => {
  const { cu, ag, conv } = await pair();
  const id = insertMessage(conv.id, "Reply from the vendor console");
  const r = await notify([{ type: "message:new", conversation_id: conv.id, message_id: id }]);
  assert.equal(r.status, 202);
  assert.deepEqual(r.json.data, { events: 1, emitted: 1 });
  for (const s of [cu, ag]) {
    const m = (await s.inbox.take("message:new", (d) => d.message.id === id)).message;
    assert.equal(m.body, "Reply from the vendor console");
    assert.equal(m.sender_type, "agent");
    assert.equal(m.conversation_id, conv.id);
  }
  // A conversation change is re-read and emitted too.
  sql(`UPDATE ${table(world.prefix, "conversations")} SET status = 'closed' WHERE id = ${conv.id}`);
  assert.equal((await notify([{ type: "conversation:updated", conversation_id: conv.id }])).status, 202);
  const upd = await cu.inbox.take("conversation:updated", (d) => d.conversation.id === conv.id);
  assert.equal(upd.conversation.status, "closed");
});

test("a queued conversation is announced to staff only", async () => {
  const { cu, ag, conv } = await pair();
  await ag.inbox.take("conversation:queued", (d) => d.conversation.id === conv.id);
  const before = cu.inbox.all("conversation:queued").length;
  assert.equal((await notify([{ type: "conversation:queued", conversation_id: conv.id }])).status, 202);
  await ag.inbox.take("conversation:queued", (d) => d.conversation.id === conv.id);
  await sleep(150);
  assert.equal(cu.inbox.all("conversation:queued").length, before, "customers never see the queue");
});

test("unsigned, forged, stale and replayed-elsewhere notices are refused and emit nothing", async () => {
  const { cu, conv } = await pair();
  const id = insertMessage(conv.id, "should never be emitted");
  const ev = [{ type: "message:new", conversation_id: conv.id, message_id: id }];
  const cases = [
    [{ header: null }, "missing_signature"],
    [{ secret: "another site's secret, long enough to use" }, "mismatch"],
    [{ ts: Math.floor(Date.now() / 1000) - 3600 }, "stale_timestamp"],
    [{ header: "sha256=deadbeef" }, "malformed_signature"],
  ];
  for (const [opts, reason] of cases) {
    const r = await notify(ev, opts);
    assert.equal(r.status, 401, reason);
    assert.equal(r.json.code, "signature_invalid");
    assert.equal(r.json.data.reason, reason);
  }
  // The token secret itself is not the relay key.
  const body = JSON.stringify({ events: ev });
  const ts = Math.floor(Date.now() / 1000);
  const raw = createHmac("sha256", world.secret).update(`${ts}.${body}`).digest("hex");
  assert.equal((await notify(ev, { header: `t=${ts},v1=${raw}` })).status, 401);
  await sleep(200);
  assert.equal(cu.inbox.all("message:new", (d) => d.message.id === id).length, 0);
});

test("a notice naming a message of another conversation emits nothing; bad bodies get 400", async () => {
  const a = await pair();
  const b = await pair();
  const id = insertMessage(b.conv.id, "belongs to b");
  const r = await notify([{ type: "message:new", conversation_id: a.conv.id, message_id: id }]);
  assert.equal(r.status, 202);
  assert.equal(r.json.data.emitted, 0);
  await sleep(150);
  assert.equal(a.cu.inbox.all("message:new", (d) => d.message.id === id).length, 0);

  const bad = await notify([{ type: "message:new", conversation_id: a.conv.id }]);
  assert.equal(bad.status, 400);
  assert.equal(bad.json.code, "invalid_argument");
});
