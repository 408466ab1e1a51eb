// Flood control with the default limits: a flooding client is throttled, what it got
// accepted is stored exactly once, and nobody else notices. Size limits and validation.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  World,
  connect,
  call,
  okData,
  errCode,
  visitor,
  clientId,
  sql,
  table,
} from "./lib/harness.mjs";

const world = new World("flood");
let daemon;

before(async () => {
  daemon = await world.daemon();
});
after(() => world.close());

test("200 sends as fast as possible: some rate_limited, accepted ones stored once, others unaffected", async (t) => {
  const flooder = await connect(daemon, world.token(visitor("Flooder")), { transports: ["websocket"] });
  const bystander = await connect(daemon, world.token(visitor("Bystander")), { transports: ["websocket"] });
  const fconv = okData(await call(flooder, "conversation:start", {})).conversation;
  const bconv = okData(await call(bystander, "conversation:start", {})).conversation;

  const N = 200;
  const ids = Array.from({ length: N }, (_, i) => clientId(`flood${i}`));
  const started = Date.now();
  const flood = ids.map((cid, i) =>
    call(flooder, "message:send", { conversation_id: fconv.id, client_id: cid, body: `flood ${i}` }, 15_000),
  );

  // Meanwhile: another client's send is acknowledged promptly, and /healthz answers.
  const t0 = performance.now();
  const bAck = await call(
    bystander,
    "message:send",
    { conversation_id: bconv.id, client_id: clientId("calm"), body: "am I slowed down?" },
    5000,
  );
  const bystanderMs = performance.now() - t0;
  okData(bAck, "bystander send");
  const h0 = performance.now();
  const health = await daemon.get("/healthz");
  const healthMs = performance.now() - h0;
  assert.equal(health.status, 200);

  const acks = await Promise.all(flood);
  const elapsed = Date.now() - started;
  const accepted = [];
  const limited = [];
  acks.forEach((a, i) => {
    if (a.ok) accepted.push(ids[i]);
    else {
      errCode(a, "rate_limited", `flood send ${i}`);
      limited.push(ids[i]);
    }
  });
  assert.ok(limited.length > 0, "some sends must be rate_limited");
  assert.ok(accepted.length > 0, "the burst allowance must be accepted");
  // The default per-connection burst is 20 (plus the refill during the flood).
  assert.ok(accepted.length <= 20 + Math.ceil((elapsed / 1000) * 5) + 1, `${accepted.length} accepted`);
  assert.ok(bystanderMs < 1000, `bystander ack took ${bystanderMs.toFixed(0)} ms`);
  assert.ok(healthMs < 1000, `/healthz took ${healthMs.toFixed(0)} ms`);

  // Every accepted send is stored exactly once; nothing refused was stored.
  const rows = sql(
    `SELECT client_id, COUNT(*) FROM ${table(world.prefix, "messages")} ` +
      `WHERE conversation_id = ${fconv.id} GROUP BY client_id`,
  );
  const stored = new Map(rows.map(([cid, n]) => [cid, Number(n)]));
  assert.equal(stored.size, accepted.length, "one row per accepted client_id, nothing else");
  for (const cid of accepted) assert.equal(stored.get(cid), 1, `${cid} stored once`);
  for (const cid of limited) assert.ok(!stored.has(cid), `${cid} was refused but stored`);
  const [[count]] = sql(`SELECT message_count FROM ${table(world.prefix, "conversations")} WHERE id = ${fconv.id}`);
  assert.equal(Number(count), accepted.length);

  const metrics = await daemon.get("/metrics");
  const limitedMetric = Number(metrics.text.match(/^bkx_chatd_rate_limited_total (\d+)/m)?.[1]);
  assert.ok(limitedMetric >= limited.length, `rate_limited_total ${limitedMetric}`);
  t.diagnostic(
    `${accepted.length} accepted, ${limited.length} rate_limited in ${elapsed} ms; bystander ack ` +
      `${bystanderMs.toFixed(0)} ms, /healthz ${healthMs.toFixed(0)} ms`,
  );
  flooder.close();
  bystander.close();
});

test("payload_too_large: a 100 KB event and a 10 001-character body; 10 000 is fine", async () => {
  const c = await connect(daemon, world.token(visitor()));
  const conv = okData(await call(c, "conversation:start", {})).conversation;
  const big = await call(c, "message:send", {
    conversation_id: conv.id,
    client_id: clientId(),
    body: "x".repeat(100 * 1024),
  });
  errCode(big, "payload_too_large", "100 KB payload");
  // Any event, not only message:send.
  errCode(
    await call(c, "booking:context", { conversation_id: conv.id, context: { blob: "y".repeat(100 * 1024) } }),
    "payload_too_large",
    "100 KB booking:context",
  );
  const longCid = clientId("long");
  errCode(
    await call(c, "message:send", { conversation_id: conv.id, client_id: longCid, body: "z".repeat(10_001) }),
    "payload_too_large",
    "10 001 characters",
  );
  // Characters, not bytes: 10 000 multi-byte characters are accepted.
  const ok = okData(
    await call(c, "message:send", { conversation_id: conv.id, client_id: clientId(), body: "é".repeat(10_000) }),
  );
  assert.equal(ok.message.body.length, 10_000);
  const [[n]] = sql(
    `SELECT COUNT(*) FROM ${table(world.prefix, "messages")} WHERE conversation_id = ${conv.id}`,
  );
  assert.equal(n, "1", "only the valid message is stored");
  // The connection survived all of it.
  assert.ok(c.connected);
  c.close();
});

test("invalid sends: missing or empty client_id, missing conversation, bad payloads", async () => {
  const c = await connect(daemon, world.token(visitor()));
  const conv = okData(await call(c, "conversation:start", {})).conversation;
  errCode(await call(c, "message:send", { conversation_id: conv.id, body: "no id" }), "invalid_argument", "no client_id");
  errCode(
    await call(c, "message:send", { conversation_id: conv.id, client_id: "", body: "empty id" }),
    "invalid_argument",
    "empty client_id",
  );
  errCode(
    await call(c, "message:send", { conversation_id: conv.id, client_id: "x".repeat(65), body: "long id" }),
    "invalid_argument",
    "65-char client_id",
  );
  errCode(await call(c, "message:send", { client_id: clientId(), body: "where?" }), "invalid_argument", "no conversation");
  errCode(
    await call(c, "message:send", { conversation_id: conv.id, client_id: clientId(), body: "<img src=x>" }),
    "invalid_argument",
    "body empty after sanitising",
  );
  errCode(await call(c, "message:send", "just a string"), "invalid_argument", "string payload");
  errCode(await call(c, "message:send", [1, 2]), "invalid_argument", "array payload");
  const [[n]] = sql(`SELECT COUNT(*) FROM ${table(world.prefix, "messages")} WHERE conversation_id = ${conv.id}`);
  assert.equal(n, "0");
  c.close();
});

test("an unknown event is answered with invalid_argument, draws from the flood bucket, and the socket keeps working", async () => {
  const c = await connect(daemon, world.token(visitor("Curious")), { transports: ["websocket"] });
  const e = await call(c, "conversation:delete", { conversation_id: 1 });
  errCode(e, "invalid_argument", "unknown event");
  assert.equal(e.error.details.field, "event");
  // A burst of unknown events is throttled like any other event.
  const answers = await Promise.all(Array.from({ length: 200 }, () => call(c, "no:such-event", {})));
  const codes = new Set(answers.map((a) => a.error?.code));
  assert.ok(codes.has("rate_limited"), `some unknown events throttled (got ${[...codes]})`);
  assert.ok(answers.every((a) => a.ok === false), "no unknown event succeeds");
  c.close();
  // Known events of another connection still work.
  const d = await connect(daemon, world.token(visitor("After")));
  okData(await call(d, "conversation:start", {}));
  d.close();
});

test("events over the engine cap (4 × max_event_bytes) close the connection, store nothing", async () => {
  for (const transport of ["websocket", "polling"]) {
    const identity = visitor();
    const c = await connect(daemon, world.token(identity), { transports: [transport] });
    const conv = okData(await call(c, "conversation:start", {})).conversation;
    const gone = new Promise((resolve) => c.once("disconnect", resolve));
    const cid = clientId("huge");
    const r = await call(
      c,
      "message:send",
      { conversation_id: conv.id, client_id: cid, body: "x".repeat(300 * 1024) },
      5000,
    ).then(
      (ack) => ack,
      (e) => e,
    );
    assert.ok(r instanceof Error, `${transport}: expected the connection to close, got ${JSON.stringify(r)}`);
    const reason = await gone;
    assert.match(reason, /transport (error|close)/, transport);
    const [[n]] = sql(`SELECT COUNT(*) FROM ${table(world.prefix, "messages")} WHERE client_id = '${cid}'`);
    assert.equal(n, "0");
    // The daemon is fine and the same identity reconnects.
    const again = await connect(daemon, world.token(identity), { transports: [transport] });
    okData(await call(again, "message:send", { conversation_id: conv.id, client_id: clientId(), body: "ok" }));
    again.close();
  }
  assert.equal((await daemon.get("/healthz")).status, 200);
});
