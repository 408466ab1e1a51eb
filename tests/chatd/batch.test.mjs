// Group commit of message:send: many sends arriving together share transactions, yet each
// sender gets its own answer after the commit; a bad row (a closed conversation) in the same
// window fails alone, and retries with the same client_id never store a message twice.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { World, connect, call, okData, errCode, visitor, agent, clientId, eventually } from "./lib/harness.mjs";

const world = new World("batch");
let daemon;

before(async () => {
  daemon = await world.daemon();
});
after(() => world.close());

test("concurrent sends: each acked once, a closed conversation fails alone, retries are not stored twice", async () => {
  const n = 24;
  const senders = [];
  for (let i = 0; i < n; i++) {
    const s = await connect(daemon, world.token(visitor(`Batch ${i}`)));
    const conv = okData(await call(s, "conversation:start", {})).conversation;
    senders.push({ s, conv });
  }
  // One conversation is closed by its customer before the burst.
  const bad = senders[5];
  okData(await call(bad.s, "conversation:close", { conversation_id: bad.conv.id }));

  const ids = senders.map(() => clientId("b"));
  const burst = () =>
    Promise.all(
      senders.map(({ s, conv }, i) =>
        call(s, "message:send", { conversation_id: conv.id, client_id: ids[i], body: `hello ${i}` }),
      ),
    );
  const [first, retry] = await Promise.all([burst(), burst()]);
  for (let i = 0; i < n; i++) {
    if (i === 5) {
      errCode(first[i], "conflict", "send to the closed conversation");
      errCode(retry[i], "conflict", "retry to the closed conversation");
      continue;
    }
    const a = okData(first[i], `send ${i}`).message;
    const b = okData(retry[i], `retry ${i}`).message;
    assert.equal(a.conversation_id, senders[i].conv.id);
    assert.equal(a.body, `hello ${i}`);
    assert.equal(a.id, b.id, `send ${i} and its retry are one stored message`);
  }
  // Each conversation's history holds the message exactly once.
  for (let i = 0; i < n; i++) {
    if (i === 5) continue;
    const { s, conv } = senders[i];
    const joined = okData(await call(s, "conversation:join", { conversation_id: conv.id, since_id: 0 }));
    const mine = (joined.messages ?? []).filter((m) => m.client_id === ids[i]);
    assert.equal(mine.length, 1, `conversation ${i}: ${JSON.stringify(joined.messages)}`);
  }
  const metrics = await (await fetch(`${daemon.url}/metrics`)).text();
  const batches = Number(metrics.match(/^bkx_chatd_send_batches_total (\d+)$/m)?.[1]);
  const sends = Number(metrics.match(/^bkx_chatd_send_batch_messages_total (\d+)$/m)?.[1]);
  assert.equal(sends, 2 * n, "every send went through the group-commit queue");
  assert.ok(batches < sends, `some sends shared a transaction (${batches} batches for ${sends} sends)`);
});

test("a sender that does not wait for acks: every message stored once and delivered once, in id order", async () => {
  // Several conversations, each with many sends in flight at once: a conversation's next
  // messages are queued (and may share a batch) while the earlier ones are still being
  // committed and broadcast, yet each is stored once and the agent (another socket)
  // receives each conversation's messages once, in id order.
  const ag = await connect(daemon, world.token(agent(7)));
  const convs = [];
  for (let c = 0; c < 4; c++) {
    const s = await connect(daemon, world.token(visitor(`Pipeline ${c}`)));
    const conv = okData(await call(s, "conversation:start", {})).conversation;
    okData(await call(ag, "conversation:join", { conversation_id: conv.id }));
    convs.push({ s, conv });
  }
  const per = 18; // within the default per-connection burst (20)
  const acks = await Promise.all(
    convs.flatMap(({ s, conv }) =>
      Array.from({ length: per }, (_, i) =>
        call(s, "message:send", { conversation_id: conv.id, client_id: clientId("p"), body: `m${i}` }),
      ),
    ),
  );
  for (const [c, { conv }] of convs.entries()) {
    const mine = acks.slice(c * per, (c + 1) * per).map((a, i) => okData(a, `conversation ${c}, send ${i}`).message);
    // Sends in flight together are handled concurrently: they are stored in the order the
    // daemon takes them (a client that needs its own order waits for each ack, as the widget
    // does), and delivered in id order.
    assert.deepEqual(mine.map((m) => m.body), Array.from({ length: per }, (_, i) => `m${i}`));
    const ids = mine.map((m) => m.id).sort((a, b) => a - b);
    assert.equal(new Set(ids).size, per, `conversation ${c}: one id per message`);
    const got = () => ag.inbox.all("message:new", (d) => d.message.conversation_id === conv.id).map((d) => d.message);
    await eventually(() => got().length >= per, 5000, `the agent gets conversation ${c}'s ${per} messages`);
    assert.deepEqual(got().map((m) => m.id), ids, `conversation ${c}: delivered once each, in id order`);
    const history = okData(await call(ag, "conversation:join", { conversation_id: conv.id, since_id: 0 })).messages;
    assert.deepEqual(history.map((m) => m.id), ids, `conversation ${c}: stored once each`);
  }
});
