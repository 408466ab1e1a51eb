// Customer ↔ agent exchange over both transports, ack shapes, sanitising, assignment, and
// the HTTP routes (/healthz, /metrics) after traffic.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  World,
  connect,
  call,
  okData,
  visitor,
  agent,
  clientId,
  openSocket,
  sql,
  table,
} from "./lib/harness.mjs";

const world = new World("xchg");
let daemon;

before(async () => {
  daemon = await world.daemon();
});
after(() => world.close());

const MESSAGE_KEYS = [
  "id",
  "conversation_id",
  "client_id",
  "sender_type",
  "sender_id",
  "sender_name",
  "body",
  "message_type",
  "attachment",
  "sent_at",
  "read_at",
];

function assertMessageShape(m) {
  for (const k of MESSAGE_KEYS) assert.ok(k in m, `message lacks ${k}: ${JSON.stringify(m)}`);
  assert.equal(typeof m.id, "number");
  assert.match(m.sent_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|\+00:00)$/);
}

async function basicExchange(transport) {
  const transports = [transport];
  const customer = visitor(`Cust ${transport}`);
  const staff = agent(2, "Agent Two");
  // The agent is online first, so it sees the conversation being queued.
  const ag = await connect(daemon, world.token(staff), { transports });
  const cu = await connect(daemon, world.token(customer), { transports });
  assert.equal(ag.io.engine.transport.name, transport);
  assert.equal(cu.io.engine.transport.name, transport);

  // 1. The customer starts a conversation with a first message that carries an XSS payload.
  const firstCid = clientId("first");
  const startAck = await call(cu, "conversation:start", {
    department: "sales",
    message: { body: "<img src=x onerror=alert(1)>hi", client_id: firstCid },
    context: { service: "massage" },
  });
  const started = okData(startAck, "conversation:start");
  const conv = started.conversation;
  assert.equal(typeof conv.id, "number");
  assert.equal(conv.visitor_id, customer.visitorId);
  assert.equal(conv.assigned_agent_id, null);
  assertMessageShape(started.message);
  assert.equal(started.message.body, "hi", "the first message is sanitised");
  assert.equal(started.message.sender_type, "customer");
  assert.equal(started.message.client_id, firstCid);

  // 2. The agent hears about it: queued, then the message.
  const queued = await ag.inbox.take("conversation:queued", (d) => d.conversation?.id === conv.id);
  assert.equal(queued.conversation.status, conv.status);
  const firstNew = await ag.inbox.take("message:new", (d) => d.message?.conversation_id === conv.id);
  assertMessageShape(firstNew.message);
  assert.equal(firstNew.message.id, started.message.id);
  assert.equal(firstNew.message.body, "hi");
  assert.ok(!firstNew.message.body.includes("onerror"));

  // 3. The agent joins and gets the history.
  const joined = okData(await call(ag, "conversation:join", { conversation_id: conv.id }), "join");
  assert.equal(joined.conversation.id, conv.id);
  assert.deepEqual(
    joined.messages.map((m) => m.id),
    [started.message.id],
  );
  assert.equal(joined.has_more, false);

  // 4. The agent replies; the ack carries the stored message; the customer receives it.
  const replyCid = clientId("reply");
  const sent = okData(
    await call(ag, "message:send", {
      conversation_id: conv.id,
      client_id: replyCid,
      body: "Hello! <script>alert(2)</script><b>How can I help?</b>",
    }),
    "message:send",
  );
  assert.deepEqual(Object.keys(sent), ["message"]);
  assertMessageShape(sent.message);
  assert.equal(sent.message.sender_type, "agent");
  assert.equal(sent.message.sender_id, 2);
  assert.equal(sent.message.sender_name, "Agent Two");
  assert.equal(sent.message.client_id, replyCid);
  assert.ok(!sent.message.body.includes("<script"), sent.message.body);
  assert.ok(sent.message.body.includes("How can I help?"), sent.message.body);

  const got = await cu.inbox.take("message:new", (d) => d.message?.id === sent.message.id);
  assert.deepEqual(got.message, sent.message);
  // The sender's own socket does not get its message echoed.
  assert.equal(ag.inbox.all("message:new", (d) => d.message?.id === sent.message.id).length, 0);

  // 5. The first agent to answer is assigned.
  const upd = await cu.inbox.take(
    "conversation:updated",
    (d) => d.conversation?.id === conv.id && d.conversation.assigned_agent_id === 2,
  );
  assert.equal(upd.conversation.assigned_agent_id, 2);
  await ag.inbox.take(
    "conversation:updated",
    (d) => d.conversation?.id === conv.id && d.conversation.assigned_agent_id === 2,
  );

  // 6. The customer answers; the agent receives it.
  const c2 = okData(
    await call(cu, "message:send", { conversation_id: conv.id, client_id: clientId(), body: "thanks" }),
  );
  const got2 = await ag.inbox.take("message:new", (d) => d.message?.id === c2.message.id);
  assert.equal(got2.message.body, "thanks");

  // The database agrees.
  const rows = sql(
    `SELECT sender_type, sender_id, message, client_id FROM ${table(world.prefix, "messages")} ` +
      `WHERE conversation_id = ${conv.id} ORDER BY id`,
  );
  assert.deepEqual(rows, [
    ["customer", null, "hi", firstCid],
    ["agent", "2", sent.message.body, replyCid],
    ["customer", null, "thanks", c2.message.client_id],
  ]);
  const [[assigned, count]] = sql(
    `SELECT assigned_agent_id, message_count FROM ${table(world.prefix, "conversations")} WHERE id = ${conv.id}`,
  );
  assert.equal(assigned, "2");
  assert.equal(count, "3");

  ag.close();
  cu.close();
}

test("customer ↔ agent exchange over websocket", () => basicExchange("websocket"));

test("customer ↔ agent exchange over long-polling", () => basicExchange("polling"));

test("a resent client_id returns the same message and stores one row", async () => {
  const cu = await connect(daemon, world.token(visitor()));
  const conv = okData(await call(cu, "conversation:start", {})).conversation;
  const cid = clientId("dup");
  const a = okData(await call(cu, "message:send", { conversation_id: conv.id, client_id: cid, body: "once" }));
  const b = okData(await call(cu, "message:send", { conversation_id: conv.id, client_id: cid, body: "once" }));
  assert.deepEqual(b.message, a.message);
  const [[n]] = sql(
    `SELECT COUNT(*) FROM ${table(world.prefix, "messages")} WHERE conversation_id = ${conv.id} AND client_id = '${cid}'`,
  );
  assert.equal(n, "1");
  cu.close();
});

test("/healthz answers 200 and /metrics shows messages and the ack latency histogram", async () => {
  const h = await daemon.get("/healthz");
  assert.equal(h.status, 200);
  const health = JSON.parse(h.text);
  assert.equal(health.status, "ok");
  assert.ok(Number.isInteger(health.schema_version) && health.schema_version >= 1, h.text);

  const m = await daemon.get("/metrics");
  assert.equal(m.status, 200);
  const value = (name) => {
    const line = m.text.split("\n").find((l) => l.startsWith(`${name} `));
    assert.ok(line, `metric ${name} missing:\n${m.text}`);
    return Number(line.split(" ")[1]);
  };
  // The tests above stored 3 messages per exchange (the first one through
  // conversation:start) and 1 more, and answered 1 resend from the store.
  const stored = Number(sql(`SELECT COUNT(*) FROM ${table(world.prefix, "messages")}`)[0][0]);
  assert.equal(stored, 7);
  assert.equal(value("bkx_chatd_messages_total"), stored, "every stored message is counted");
  assert.equal(value("bkx_chatd_duplicate_messages_total"), 1);
  assert.match(m.text, /# TYPE bkx_chatd_ack_latency_seconds histogram/);
  const count = value("bkx_chatd_ack_latency_seconds_count");
  // Every message:send is timed (the two first messages came with conversation:start).
  assert.equal(count, 6, `ack latency count ${count}`);
  const inf = m.text.split("\n").find((l) => l.startsWith('bkx_chatd_ack_latency_seconds_bucket{le="+Inf"}'));
  assert.ok(inf, m.text);
  assert.equal(Number(inf.split(" ")[1]), count);
  assert.ok(value("bkx_chatd_ack_latency_seconds_sum") > 0);
  assert.ok(value("bkx_chatd_connections_total") >= 5);
});

// Regression: socketioxide sends the connect packet before it runs the connect handler in
// a task of its own, so handlers registered there could miss an event emitted the moment
// the client connected (CI saw conversation:start time out). Many clients emitting from
// inside their "connect" callback, customers and agents at once, must all be answered.
test("an event emitted the instant a socket connects is answered (60 sockets at once)", async () => {
  const answers = await Promise.all(
    Array.from({ length: 60 }, (_, n) => {
      const staff = n % 3 === 0;
      const who = staff ? agent(100 + n, `Agent ${n}`) : visitor(`Eager ${n}`);
      const s = openSocket(daemon, world.token(who), { transports: ["websocket"] });
      return new Promise((resolve, reject) => {
        s.once("connect_error", reject);
        s.once("connect", () => {
          const [event, payload] = staff
            ? ["agent:status", { status: "away" }]
            : ["conversation:start", { message: { body: `hello ${n}`, client_id: clientId("eager") } }];
          s.timeout(8000).emit(event, payload, (err, ack) => (err ? reject(new Error(`${event} #${n}: ${err.message}`)) : resolve(ack)));
        });
      });
    }),
  );
  for (const a of answers) assert.equal(a.ok, true, JSON.stringify(a));
});
