// Typing (with throttling), read receipts, and replay after a reconnect (`since_id`).

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
  sleep,
} from "./lib/harness.mjs";

const world = new World("rt");
let daemon;

before(async () => {
  daemon = await world.daemon();
});
after(() => world.close());

/** A customer with a fresh conversation, and an agent that joined it. */
async function pair(opts = {}) {
  const customer = visitor();
  const cu = await connect(daemon, world.token(customer), opts);
  const ag = await connect(daemon, world.token(agent(2)), opts);
  const conv = okData(await call(cu, "conversation:start", { message: "hello" })).conversation;
  okData(await call(ag, "conversation:join", { conversation_id: conv.id }));
  return { customer, cu, ag, conv };
}

test("typing is forwarded, throttled to one state:true a second, state:false always", async () => {
  const { cu, ag, conv } = await pair();
  const isTyping = (d) => d.conversation_id === conv.id;

  okData(await call(cu, "typing", { conversation_id: conv.id, state: true }));
  const t1 = await ag.inbox.take("typing", isTyping);
  assert.deepEqual(
    { conversation_id: t1.conversation_id, sender_type: t1.sender_type, state: t1.state },
    { conversation_id: conv.id, sender_type: "customer", state: true },
  );
  assert.ok("sender_name" in t1);

  // A second "on" within the second is swallowed (the ack says so)...
  const second = okData(await call(cu, "typing", { conversation_id: conv.id, state: true }));
  assert.equal(second.throttled, true);
  // ..."off" always goes through.
  okData(await call(cu, "typing", { conversation_id: conv.id, state: false }));
  const t2 = await ag.inbox.take("typing", isTyping);
  assert.equal(t2.state, false, "the throttled state:true must not have been forwarded");
  await sleep(100);
  assert.equal(ag.inbox.all("typing", isTyping).length, 2, "exactly one on and one off");

  // A fire-and-forget typing (no ack callback) works too.
  cu.emit("typing", { conversation_id: conv.id, state: true });
  const t3 = await ag.inbox.take("typing", isTyping);
  assert.equal(t3.state, true, "after an off, the next on is forwarded");

  // The agent's typing reaches the customer, marked as the agent's.
  okData(await call(ag, "typing", { conversation_id: conv.id, state: true }));
  const back = await cu.inbox.take("typing", isTyping);
  assert.equal(back.sender_type, "agent");
  assert.equal(back.state, true);
  // Nobody gets their own typing back.
  assert.equal(cu.inbox.all("typing", (d) => d.sender_type === "customer").length, 0);

  // After the throttle window, a new state:true goes through again.
  okData(await call(cu, "typing", { conversation_id: conv.id, state: true }));
  await sleep(1050);
  okData(await call(cu, "typing", { conversation_id: conv.id, state: true }));
  await ag.inbox.take("typing", (d) => isTyping(d) && d.state === true);
  cu.close();
  ag.close();
});

test("read receipts reach the customer and are stored", async () => {
  const { cu, ag, conv } = await pair();
  const ids = [];
  for (let i = 0; i < 3; i++) {
    const m = okData(
      await call(cu, "message:send", { conversation_id: conv.id, client_id: clientId(), body: `q${i}` }),
    ).message;
    ids.push(m.id);
  }
  const upTo = ids[1];
  const ack = okData(await call(ag, "message:read", { conversation_id: conv.id, up_to_id: upTo }));
  // The first message of conversation:start and q0, q1.
  assert.equal(ack.updated, 3);
  assert.equal(typeof ack.read_at, "string");

  const ev = await cu.inbox.take("message:read", (d) => d.conversation_id === conv.id);
  assert.equal(ev.reader_type, "agent");
  assert.equal(ev.up_to_id, upTo);
  assert.match(ev.read_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);
  assert.equal(ev.read_at, ack.read_at);
  assert.equal(ag.inbox.all("message:read").length, 0, "the reader does not get its own receipt");

  const rows = sql(
    `SELECT id, is_read, read_at IS NOT NULL FROM ${table(world.prefix, "messages")} ` +
      `WHERE conversation_id = ${conv.id} ORDER BY id`,
  );
  assert.equal(rows.length, 4);
  for (const [id, isRead, hasReadAt] of rows) {
    const expected = Number(id) <= upTo ? ["1", "1"] : ["0", "0"];
    assert.deepEqual([isRead, hasReadAt], expected, `message ${id}`);
  }
  cu.close();
  ag.close();
});

test("a reconnecting customer gets exactly the missed messages with since_id", async () => {
  const { customer, cu, ag, conv } = await pair();
  const mine = okData(
    await call(cu, "message:send", { conversation_id: conv.id, client_id: clientId(), body: "before" }),
  ).message;
  const lastSeen = mine.id;
  cu.close();

  const sent = [];
  for (const body of ["one", "two", "three"]) {
    sent.push(
      okData(await call(ag, "message:send", { conversation_id: conv.id, client_id: clientId(), body }))
        .message,
    );
  }

  const cu2 = await connect(daemon, world.token(customer));
  const j = okData(await call(cu2, "conversation:join", { conversation_id: conv.id, since_id: lastSeen }));
  assert.deepEqual(
    j.messages.map((m) => [m.id, m.body, m.sender_type]),
    sent.map((m) => [m.id, m.body, "agent"]),
  );
  assert.equal(j.has_more, false);

  // since_id 0 replays everything (a client that has seen nothing yet).
  const all = okData(await call(cu2, "conversation:join", { conversation_id: conv.id, since_id: 0 }));
  assert.deepEqual(
    all.messages.map((m) => m.body),
    ["hello", "before", "one", "two", "three"],
  );

  // And the rejoined socket is live again.
  const live = okData(
    await call(ag, "message:send", { conversation_id: conv.id, client_id: clientId(), body: "live" }),
  ).message;
  await cu2.inbox.take("message:new", (d) => d.message.id === live.id);
  cu2.close();
  ag.close();
});

test("replay pages: at most 1 000 messages per join, has_more tells whether more follow", async () => {
  const cu = await connect(daemon, world.token(visitor()));
  const conv = okData(await call(cu, "conversation:start", {})).conversation;
  const t = table(world.prefix, "messages");
  // 1 105 messages, written straight into the table (the Sequence engine makes the rows).
  sql(
    `INSERT INTO ${t} (conversation_id, client_id, sender_type, message, sent_at, created_at) ` +
      `SELECT ${conv.id}, CONCAT('bulk', seq), 'agent', CONCAT('bulk ', seq), UTC_TIMESTAMP(), UTC_TIMESTAMP() ` +
      `FROM seq_1_to_1105 ORDER BY seq`,
  );
  const ids = sql(`SELECT id FROM ${t} WHERE conversation_id = ${conv.id} ORDER BY id`).map((r) => Number(r[0]));
  assert.equal(ids.length, 1105);

  const first = okData(await call(cu, "conversation:join", { conversation_id: conv.id, since_id: 0 }));
  assert.equal(first.messages.length, 1000);
  assert.equal(first.has_more, true);
  assert.deepEqual(first.messages.map((m) => m.id), ids.slice(0, 1000), "the oldest 1 000, in order");

  const rest = okData(
    await call(cu, "conversation:join", { conversation_id: conv.id, since_id: ids[999] }),
  );
  assert.deepEqual(rest.messages.map((m) => m.id), ids.slice(1000));
  assert.equal(rest.has_more, false);

  // Exactly 1 000 left: all of them, and nothing more to fetch.
  const exact = okData(
    await call(cu, "conversation:join", { conversation_id: conv.id, since_id: ids[104] }),
  );
  assert.equal(exact.messages.length, 1000);
  assert.equal(exact.has_more, false);

  // Without since_id: the latest 50.
  const latest = okData(await call(cu, "conversation:join", { conversation_id: conv.id }));
  assert.deepEqual(latest.messages.map((m) => m.id), ids.slice(-50));
  assert.equal(latest.has_more, true);

  errCode(
    await call(cu, "conversation:join", { conversation_id: conv.id, since_id: -1 }),
    "invalid_argument",
    "negative since_id",
  );
  cu.close();
});
