// Zero message loss: a customer sends a burst with per-message ack timeouts and resends
// whatever was not acknowledged (same client_id); the daemon is SIGKILLed in the middle of
// the burst and restarted on the same port; both clients reconnect by themselves. In the end
// every message was acknowledged, stored exactly once, and seen by the agent exactly once.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  World,
  openSocket,
  call,
  okData,
  visitor,
  agent,
  clientId,
  sql,
  table,
  sleep,
  eventually,
} from "./lib/harness.mjs";

// Raised limits: the burst is about delivery, not flood control.
const LIMITS = {
  messages_per_connection: { burst: 100000, per_sec: 100000.0 },
  messages_per_identity: { burst: 100000, per_sec: 100000.0 },
  events_per_connection: { burst: 100000, per_sec: 100000.0 },
};

const N = 300; // messages in the burst
const WINDOW = 25; // sends in flight at once
const ACK_TIMEOUT_MS = 2000;
const KILL_AFTER = 100; // acknowledged messages before the SIGKILL

const world = new World("zl");
let daemon;

before(async () => {
  daemon = await world.daemon({ limits: LIMITS });
});
after(() => world.close());

const RECONNECT = {
  reconnection: true,
  reconnectionDelay: 100,
  reconnectionDelayMax: 500,
  randomizationFactor: 0,
  timeout: 2000,
};

function connected(socket) {
  return socket.connected
    ? Promise.resolve()
    : new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("no connection within 10 s")), 10_000);
        socket.once("connect", () => {
          clearTimeout(timer);
          resolve();
        });
      });
}

test(`zero loss: ${N} messages, daemon SIGKILLed mid-burst and restarted`, async (t) => {
  const customer = visitor("Burst Customer");
  const staff = agent(2, "Agent Zero");

  // auth is a function, so every reconnect presents a freshly minted token.
  let customerTokens = 0;
  const cu = openSocket(daemon, null, {
    ...RECONNECT,
    transports: ["websocket"],
    auth: (cb) => {
      customerTokens += 1;
      cb({ token: world.token(customer) });
    },
  });
  await connected(cu);
  const conv = okData(await call(cu, "conversation:start", { department: "zero-loss" })).conversation;

  // --- The agent: records message:new, and on every (re)connect re-joins with since_id.
  const seen = new Map(); // message id → message
  let maxSeen = 0;
  let agentConnects = 0;
  // message:new arrivals per connection of the agent: a node emits in commit (id) order.
  const sessions = [];
  const joins = [];
  const record = (m) => {
    if (m.conversation_id !== conv.id) return;
    const prev = seen.get(m.id);
    if (prev) assert.equal(prev.client_id, m.client_id, `message ${m.id} changed its client_id`);
    seen.set(m.id, m);
    maxSeen = Math.max(maxSeen, m.id);
  };
  const ag = openSocket(daemon, null, {
    ...RECONNECT, // default transports: long-polling first, then the upgrade
    auth: (cb) => cb({ token: world.token(staff) }),
  });
  ag.on("message:new", (d) => {
    if (d.message.conversation_id === conv.id) sessions.at(-1)?.push(d.message.id);
    record(d.message);
  });
  const agentJoin = async () => {
    for (let attempt = 0; attempt < 20 && ag.connected; attempt++) {
      const since = maxSeen;
      try {
        const ack = await call(ag, "conversation:join", { conversation_id: conv.id, since_id: since }, 3000);
        const data = okData(ack, "agent join");
        data.messages.forEach(record);
        joins.push({ since, replayed: data.messages.length });
        return;
      } catch (e) {
        if (e.code === "ERR_ASSERTION") throw e;
        await sleep(100); // the daemon went away again; retry while connected
      }
    }
  };
  let joinFailure = null;
  ag.on("connect", () => {
    agentConnects += 1;
    sessions.push([]);
    agentJoin().catch((e) => (joinFailure = e));
  });
  await connected(ag);
  await eventually(() => joinFailure || joins.length >= 1, 5000, "first agent join");
  if (joinFailure) throw joinFailure;

  // The customer re-joins on reconnect too (the protocol's advice), to pick up replies.
  let customerConnects = 1;
  cu.on("connect", () => {
    customerConnects += 1;
    call(cu, "conversation:join", { conversation_id: conv.id, since_id: 0 }, 3000).catch(() => {});
  });

  // --- The burst, with a resend loop.
  const msgs = Array.from({ length: N }, (_, i) => ({
    i,
    cid: clientId(`zl${i}`),
    body: `burst message #${i}`,
    acked: false,
    inflight: false,
    attempts: 0,
    id: null,
  }));
  let ackedCount = 0;
  let inflight = 0;
  const failures = [];
  let wake = () => {};
  const sendOne = async (m) => {
    m.inflight = true;
    m.attempts += 1;
    inflight += 1;
    try {
      const ack = await call(
        cu,
        "message:send",
        { conversation_id: conv.id, client_id: m.cid, body: m.body },
        ACK_TIMEOUT_MS,
      );
      if (ack?.ok) {
        const got = ack.data.message;
        assert.equal(got.client_id, m.cid);
        if (m.acked) {
          assert.equal(got.id, m.id, `client_id ${m.cid} acked with two ids`);
        } else {
          m.acked = true;
          m.id = got.id;
          ackedCount += 1;
        }
      } else if (!["storage_error", "rate_limited"].includes(ack?.error?.code)) {
        failures.push({ i: m.i, ack });
      }
      // storage_error / rate_limited: resent by the loop.
    } catch {
      // Ack timeout or disconnect: resent (same client_id) by the loop.
    } finally {
      m.inflight = false;
      inflight -= 1;
      wake();
    }
  };

  let killedAt = null;
  let restartedAt = null;
  let inflightAtKill = 0;
  const chaos = (async () => {
    await eventually(() => ackedCount >= KILL_AFTER, 20_000, `${KILL_AFTER} acks before the kill`);
    inflightAtKill = inflight;
    killedAt = { acked: ackedCount, t: Date.now() };
    await daemon.kill();
    await sleep(150); // clients see refused connections for a moment
    await daemon.start();
    restartedAt = Date.now();
  })();

  const burstStart = Date.now();
  const deadline = Date.now() + 45_000;
  while (ackedCount < N) {
    if (Date.now() > deadline) {
      throw new Error(`only ${ackedCount}/${N} acknowledged before the deadline`);
    }
    if (failures.length) break;
    if (cu.connected) {
      for (const m of msgs) {
        if (inflight >= WINDOW) break;
        if (!m.acked && !m.inflight) sendOne(m);
      }
    }
    await new Promise((resolve) => {
      wake = resolve;
      setTimeout(resolve, 20);
    });
  }
  await chaos;
  const burstMs = Date.now() - burstStart;
  assert.deepEqual(failures, [], "no send may be refused for another reason");
  assert.equal(ackedCount, N, "every message acknowledged");
  assert.ok(killedAt && killedAt.acked < N, "the kill happened in the middle of the burst");
  assert.ok(inflightAtKill > 0, "sends were in flight when the daemon died");
  assert.ok(customerConnects >= 2, "the customer reconnected by itself");
  assert.ok(customerTokens >= 2, "the auth function was asked again on reconnect");
  const resent = msgs.filter((m) => m.attempts > 1).length;
  assert.ok(resent > 0, "some messages had to be resent");

  // --- The database: exactly one row per client_id, with the acknowledged id.
  const rows = sql(
    `SELECT client_id, COUNT(*), MIN(id), MIN(message) FROM ${table(world.prefix, "messages")} ` +
      `WHERE conversation_id = ${conv.id} GROUP BY client_id`,
  );
  const byCid = new Map(rows.map(([cid, n, id, body]) => [cid, { n: Number(n), id: Number(id), body }]));
  assert.equal(rows.length, N, "one client_id per message, nothing extra");
  for (const m of msgs) {
    const r = byCid.get(m.cid);
    assert.ok(r, `message #${m.i} (${m.cid}) lost`);
    assert.equal(r.n, 1, `message #${m.i} stored ${r.n} times`);
    assert.equal(r.id, m.id, `message #${m.i} acked as ${m.id} but stored as ${r.id}`);
    assert.equal(r.body, m.body);
  }
  const [[total, count]] = sql(
    `SELECT (SELECT COUNT(*) FROM ${table(world.prefix, "messages")} WHERE conversation_id = ${conv.id}), ` +
      `message_count FROM ${table(world.prefix, "conversations")} WHERE id = ${conv.id}`,
  );
  assert.equal(Number(total), N);
  assert.equal(Number(count), N, "the conversation's message_count matches");

  // --- The agent: after de-duplication by id, every message exactly once.
  const ackedIds = new Set(msgs.map((m) => m.id));
  await eventually(
    () => joinFailure || [...ackedIds].every((id) => seen.has(id)),
    10_000,
    "the agent to have every message",
  ).catch((e) => {
    const missing = msgs.filter((m) => !seen.has(m.id)).map((m) => `#${m.i}=${m.id}`);
    throw new Error(`${e.message}; missing ${missing.length}: ${missing.slice(0, 20).join(" ")}`);
  });
  if (joinFailure) throw joinFailure;
  assert.ok(agentConnects >= 2, "the agent reconnected by itself");
  assert.ok(
    joins.some((j) => j.since > 0),
    `the agent re-joined with since_id after reconnecting: ${JSON.stringify(joins)}`,
  );
  for (const [n, ids] of sessions.entries()) {
    const sorted = [...ids].sort((x, y) => x - y);
    assert.deepEqual(ids, sorted, `agent connection #${n + 1} got message:new out of id order`);
  }
  const agentCids = new Map();
  for (const m of seen.values()) {
    agentCids.set(m.client_id, (agentCids.get(m.client_id) ?? 0) + 1);
  }
  assert.equal(seen.size, N, "the agent saw no message that was not sent");
  for (const m of msgs) assert.equal(agentCids.get(m.cid), 1, `agent saw #${m.i} under one id`);

  t.diagnostic(
    `burst took ${burstMs} ms (kill at +${killedAt.t - burstStart} ms); killed after ${killedAt.acked} acks with ${inflightAtKill} in flight; back after ` +
      `${restartedAt - killedAt.t} ms; ${resent} messages resent; agent joins ${JSON.stringify(joins)}`,
  );
  cu.close();
  ag.close();
});
