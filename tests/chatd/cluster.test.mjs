// Two daemons sharing the database and Redis: a customer on node A and an agent on node B
// talk as if on one node.

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
  ensureRedis,
  REDIS_URL,
  sql,
  table,
} from "./lib/harness.mjs";

const world = new World("redis");
let a;
let b;

before(async () => {
  await ensureRedis();
  a = await world.daemon({ name: "nodeA", redisUrl: REDIS_URL });
  b = await world.daemon({ name: "nodeB", redisUrl: REDIS_URL });
});
after(() => world.close());

test("customer on node A, agent on node B: queue, messages and typing cross nodes both ways", async () => {
  const customer = visitor("Cross Node");
  const ag = await connect(b, world.token(agent(2, "Agent B")));
  const cu = await connect(a, world.token(customer));

  // A → B: the new conversation and its first message.
  const started = okData(await call(cu, "conversation:start", { message: "hello from A" }));
  const conv = started.conversation;
  const queued = await ag.inbox.take("conversation:queued", (d) => d.conversation.id === conv.id);
  assert.equal(queued.conversation.visitor_id, customer.visitorId);
  const first = await ag.inbox.take("message:new", (d) => d.message.conversation_id === conv.id);
  assert.equal(first.message.id, started.message.id);
  assert.equal(first.message.body, "hello from A");

  // B → A: the agent (joined on B) replies; the customer on A receives it and the assignment.
  okData(await call(ag, "conversation:join", { conversation_id: conv.id }));
  const reply = okData(
    await call(ag, "message:send", { conversation_id: conv.id, client_id: clientId(), body: "hello from B" }),
  ).message;
  const got = await cu.inbox.take("message:new", (d) => d.message.id === reply.id);
  assert.equal(got.message.body, "hello from B");
  assert.equal(got.message.sender_type, "agent");
  await cu.inbox.take(
    "conversation:updated",
    (d) => d.conversation.id === conv.id && d.conversation.assigned_agent_id === 2,
  );

  // A → B again, a regular send.
  const m2 = okData(
    await call(cu, "message:send", { conversation_id: conv.id, client_id: clientId(), body: "thanks" }),
  ).message;
  await ag.inbox.take("message:new", (d) => d.message.id === m2.id);

  // Typing, both ways.
  okData(await call(cu, "typing", { conversation_id: conv.id, state: true }));
  const t1 = await ag.inbox.take("typing", (d) => d.conversation_id === conv.id);
  assert.deepEqual([t1.sender_type, t1.state], ["customer", true]);
  okData(await call(ag, "typing", { conversation_id: conv.id, state: true }));
  const t2 = await cu.inbox.take("typing", (d) => d.conversation_id === conv.id);
  assert.deepEqual([t2.sender_type, t2.state], ["agent", true]);

  // Read receipts cross too.
  okData(await call(ag, "message:read", { conversation_id: conv.id }));
  const r = await cu.inbox.take("message:read", (d) => d.conversation_id === conv.id);
  assert.equal(r.reader_type, "agent");

  // Nothing was delivered twice (local + Redis echo).
  assert.equal(ag.inbox.all("message:new", (d) => d.message.id === m2.id).length, 1);
  assert.equal(cu.inbox.all("message:new", (d) => d.message.id === reply.id).length, 1);

  const [[n]] = sql(`SELECT COUNT(*) FROM ${table(world.prefix, "messages")} WHERE conversation_id = ${conv.id}`);
  assert.equal(n, "3");
  ag.close();
  cu.close();
});

test("a customer on B and an agent on A (the other direction), and two agents on both nodes", async () => {
  const agA = await connect(a, world.token(agent(3, "Agent A")));
  const agB = await connect(b, world.token(agent(4, "Agent B2")));
  const cu = await connect(b, world.token(visitor()));
  const conv = okData(await call(cu, "conversation:start", { message: "from B" })).conversation;
  await agA.inbox.take("conversation:queued", (d) => d.conversation.id === conv.id);
  await agB.inbox.take("conversation:queued", (d) => d.conversation.id === conv.id);
  const sent = okData(
    await call(agA, "message:send", { conversation_id: conv.id, client_id: clientId(), body: "from A" }),
  ).message;
  await cu.inbox.take("message:new", (d) => d.message.id === sent.id);
  // The other agent (staff room on node B) sees the colleague's reply too.
  await agB.inbox.take("message:new", (d) => d.message.id === sent.id);
  agA.close();
  agB.close();
  cu.close();
});

test("another site sharing the Redis server (other database prefix) hears nothing", async () => {
  const other = new World("redis_other");
  try {
    const c = await other.daemon({ name: "otherSite", redisUrl: REDIS_URL });
    const stranger = await connect(c, other.token(agent(2, "Other site's agent")));
    const local = await connect(b, world.token(agent(2, "Agent B")));
    const cu = await connect(a, world.token(visitor()));
    const conv = okData(await call(cu, "conversation:start", { message: "private to this site" })).conversation;
    // Our own agent on the other node gets it...
    await local.inbox.take("message:new", (d) => d.message.conversation_id === conv.id);
    // ...the other site's agent must not (same Redis, different site).
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(
      stranger.inbox.events.map((e) => e.event),
      [],
      "events leaked to another site through Redis",
    );
    stranger.close();
    local.close();
    cu.close();
  } finally {
    await other.close();
  }
});
