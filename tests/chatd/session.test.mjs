// Open sockets whose token expires: the daemon emits `session:expired`, then disconnects;
// the client fetches a fresh token and reconnects (socket.connect() with an auth callback
// that returns the new token, as docs/protocol.md tells clients to). Sockets with valid tokens stay.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { World, connect, call, okData, visitor, clientId, sleep } from "./lib/harness.mjs";

const world = new World("session");
let daemon;

before(async () => {
  daemon = await world.daemon();
});
after(() => world.close());

const now = () => Math.floor(Date.now() / 1000);
// The daemon accepts a token until exp + 30 s (clock leeway): this one has ~3 s left.
const LEEWAY = 30;
const nearlyExpired = (who) => world.token(who, { iat: now() - 120, exp: now() - LEEWAY + 3 });

test("an expired token's socket gets session:expired, is disconnected, and reconnects with a fresh token", async () => {
  const guest = visitor("Expiring");
  const fresh = visitor("Fresh");
  const tokens = [nearlyExpired(guest)];
  const s = await connect(daemon, () => tokens.shift() ?? world.token(guest));
  const other = await connect(daemon, world.token(fresh));
  const started = okData(await call(s, "conversation:start", {}));
  const conversationId = started.conversation.id;

  const expired = new Promise((resolve) => s.once("session:expired", resolve));
  const disconnected = new Promise((resolve) => s.once("disconnect", resolve));
  const ev = await Promise.race([expired, sleep(8000).then(() => null)]);
  assert.ok(ev, "session:expired arrived within 8 s of the token's end");
  assert.equal(ev.reason, "token_expired");
  assert.ok(Number.isInteger(ev.expired_at) && ev.expired_at <= now(), `expired_at ${ev.expired_at}`);
  assert.equal(await disconnected, "io server disconnect", "the server closed the socket");

  // After a server-side disconnect socket.io-client does not reconnect by itself: the client
  // calls connect() and its auth callback hands over the fresh token (from /chat/token).
  await new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error("no reconnect")), 5000);
    s.once("connect", () => resolve(clearTimeout(t)));
    s.once("connect_error", (e) => reject(e));
    s.connect();
  });
  okData(await call(s, "conversation:join", { conversation_id: conversationId }));
  okData(await call(s, "message:send", { conversation_id: conversationId, client_id: clientId("m"), body: "back" }));

  assert.equal(other.connected, true, "a socket with a valid token stays connected");
  s.close();
  other.close();
});

test("an expired socket is counted in /metrics", async () => {
  const res = await fetch(`${daemon.url}/metrics`);
  const text = await res.text();
  const m = text.match(/^bkx_chatd_sessions_expired_total (\d+)$/m);
  assert.ok(m && Number(m[1]) >= 1, `sessions_expired_total in:\n${text}`);
});
