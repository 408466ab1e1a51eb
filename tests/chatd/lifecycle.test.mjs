// The rest of the protocol: transfer, close, agent presence, the booking relay.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  World,
  connect,
  call,
  okData,
  errCode,
  visitor,
  agent,
  clientId,
  sql,
  table,
  eventually,
} from "./lib/harness.mjs";

const world = new World("life");
let daemon;

before(async () => {
  daemon = await world.daemon();
});
after(() => world.close());

test("transfer to an agent and to a department; close; no writes after close", async () => {
  const cu = await connect(daemon, world.token(visitor()));
  const a2 = await connect(daemon, world.token(agent(2, "Two")));
  const a3 = await connect(daemon, world.token(agent(3, "Three")));
  const conv = okData(await call(cu, "conversation:start", { message: "help" })).conversation;
  okData(await call(a2, "message:send", { conversation_id: conv.id, client_id: clientId(), body: "on it" }));
  await cu.inbox.take("conversation:updated", (d) => d.conversation.assigned_agent_id === 2);

  const t1 = okData(await call(a2, "conversation:transfer", { conversation_id: conv.id, agent_id: 3 }));
  assert.equal(t1.conversation.assigned_agent_id, 3);
  const u = await cu.inbox.take("conversation:updated", (d) => d.conversation.assigned_agent_id === 3);
  assert.equal(u.conversation.id, conv.id);
  await a3.inbox.take("conversation:updated", (d) => d.conversation.assigned_agent_id === 3);
  const sys = await cu.inbox.take("message:new", (d) => d.message.sender_type === "system");
  assert.match(sys.message.body, /#3/);

  const t2 = okData(
    await call(a3, "conversation:transfer", { conversation_id: conv.id, department: "<b>billing</b>" }),
  );
  assert.equal(t2.conversation.assigned_agent_id, null);
  assert.equal(t2.conversation.status, "waiting");
  await a2.inbox.take("conversation:queued", (d) => d.conversation.id === conv.id && d.conversation.status === "waiting");
  const sys2 = await cu.inbox.take("message:new", (d) => d.message.sender_type === "system");
  assert.ok(!sys2.message.body.includes("<b>"), sys2.message.body);
  errCode(await call(a3, "conversation:transfer", { conversation_id: conv.id }), "invalid_argument", "no target");

  const closed = okData(await call(cu, "conversation:close", { conversation_id: conv.id }));
  assert.equal(closed.conversation.status, "closed");
  const cl = await a2.inbox.take("conversation:updated", (d) => d.conversation.status === "closed");
  assert.equal(cl.conversation.id, conv.id);
  errCode(
    await call(cu, "message:send", { conversation_id: conv.id, client_id: clientId(), body: "late" }),
    "conflict",
    "send to a closed conversation",
  );
  const [[status]] = sql(`SELECT status FROM ${table(world.prefix, "conversations")} WHERE id = ${conv.id}`);
  assert.equal(status, "closed");
  for (const s of [cu, a2, a3]) s.close();
});

test("agent presence: agent:status to other agents, /presence counts", async () => {
  const presence = async () => JSON.parse((await daemon.get("/presence")).text).agents_online;
  const watcher = await connect(daemon, world.token(agent(10, "Watcher")));
  await eventually(async () => (await presence()) === 1, 3000, "one agent online");
  const a = await connect(daemon, world.token(agent(11, "Eleven")));
  const on = await watcher.inbox.take("agent:status", (d) => d.agent_id === 11);
  assert.equal(on.status, "online");
  assert.equal(await presence(), 2);

  okData(await call(a, "agent:status", { status: "away" }));
  assert.equal((await watcher.inbox.take("agent:status", (d) => d.agent_id === 11)).status, "away");
  assert.equal(await presence(), 1);
  errCode(await call(a, "agent:status", { status: "sleeping" }), "invalid_argument", "bad status");

  a.close();
  assert.equal((await watcher.inbox.take("agent:status", (d) => d.agent_id === 11)).status, "offline");
  await eventually(async () => (await presence()) === 1, 3000, "back to one agent");
  // Customers never hear about agents.
  const cu = await connect(daemon, world.token(visitor()));
  const b = await connect(daemon, world.token(agent(12, "Twelve")));
  await watcher.inbox.take("agent:status", (d) => d.agent_id === 12);
  assert.equal(cu.inbox.all("agent:status").length, 0);
  for (const s of [watcher, b, cu]) s.close();
});

test("booking relay: context from the customer to agents, fields from an agent to the customer", async () => {
  const cu = await connect(daemon, world.token(visitor()));
  const ag = await connect(daemon, world.token(agent(2)));
  const conv = okData(await call(cu, "conversation:start", { context: { step: 1 } })).conversation;
  okData(await call(cu, "booking:context", { conversation_id: conv.id, context: { service: 7, date: "2030-05-01" } }));
  const ctx = await ag.inbox.take("booking:context");
  assert.deepEqual(ctx, { conversation_id: conv.id, context: { service: 7, date: "2030-05-01" } });
  errCode(await call(ag, "booking:context", { conversation_id: conv.id, context: {} }), "forbidden", "agent context");
  errCode(await call(cu, "booking:context", { conversation_id: conv.id }), "invalid_argument", "no context");

  okData(await call(ag, "booking:fill", { conversation_id: conv.id, fields: { time: "10:30" } }));
  assert.deepEqual(await cu.inbox.take("booking:fill"), { conversation_id: conv.id, fields: { time: "10:30" } });
  // The agent's own form is not filled (staff are excluded).
  assert.equal(ag.inbox.all("booking:fill").length, 0);
  cu.close();
  ag.close();
});
