// Refused tokens and what a customer token may not do.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  World,
  connect,
  openSocket,
  call,
  okData,
  errCode,
  mintToken,
  visitor,
  agent,
  clientId,
  newSecret,
} from "./lib/harness.mjs";

const world = new World("auth");
let daemon;

before(async () => {
  daemon = await world.daemon();
});
after(() => world.close());

/** Resolves with the connect_error of a refused connection (fails if it connects). */
function refusal(auth) {
  const s = openSocket(daemon, null, { auth });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("neither connect nor connect_error")), 5000);
    s.once("connect", () => {
      clearTimeout(timer);
      s.close();
      reject(new Error("the daemon accepted the connection"));
    });
    s.once("connect_error", (err) => {
      clearTimeout(timer);
      s.close();
      resolve(err);
    });
  });
}

const customer = visitor();
const now = () => Math.floor(Date.now() / 1000);

const refused = {
  "forged signature": () =>
    mintToken(world.secret, { sub: customer.sub, role: "customer" }, { signWith: newSecret() }),
  "tampered claims (customer → admin, old signature)": () => {
    const good = mintToken(world.secret, { sub: customer.sub, role: "customer" });
    const [h, , s] = good.split(".");
    const evil = Buffer.from(
      JSON.stringify({ sub: "u:1", role: "admin", iat: now(), exp: now() + 900, jti: "x" }),
    ).toString("base64url");
    return `${h}.${evil}.${s}`;
  },
  expired: () =>
    mintToken(world.secret, { sub: customer.sub, role: "customer", iat: now() - 3600, exp: now() - 600 }),
  "alg none": () => mintToken(world.secret, { sub: customer.sub, role: "customer" }, { alg: "none", noSignature: true }),
  "alg none with a signature": () =>
    mintToken(world.secret, { sub: customer.sub, role: "customer" }, { alg: "none" }),
  "alg HS512": () => mintToken(world.secret, { sub: customer.sub, role: "customer" }, { alg: "HS512" }),
  "unknown role": () => mintToken(world.secret, { sub: customer.sub, role: "superuser" }),
  "bad subject": () => mintToken(world.secret, { sub: "x:1", role: "customer" }),
  "user id 0": () => mintToken(world.secret, { sub: "u:0", role: "agent" }),
  "not a JWT": () => "garbage",
  "empty string": () => "",
};

for (const [name, make] of Object.entries(refused)) {
  test(`refused token: ${name}`, async () => {
    const err = await refusal((cb) => cb({ token: make() }));
    assert.ok(
      err.message.startsWith("unauthenticated"),
      `connect_error message ${JSON.stringify(err.message)}`,
    );
  });
}

test("refused: missing token (no auth, empty auth, token of the wrong type)", async () => {
  for (const auth of [undefined, {}, { token: 42 }, { tok: "x" }]) {
    const err = await refusal(auth === undefined ? undefined : (cb) => cb(auth));
    assert.ok(err.message.startsWith("unauthenticated"), `${JSON.stringify(auth)} → ${err.message}`);
  }
});

test("expired token message names the cause", async () => {
  const err = await refusal((cb) =>
    cb({ token: mintToken(world.secret, { sub: customer.sub, role: "customer", iat: now() - 3600, exp: now() - 600 }) }),
  );
  assert.match(err.message, /^unauthenticated: .*expired/);
});

test("a valid token connects (control)", async () => {
  const s = await connect(daemon, world.token(customer));
  assert.ok(s.connected);
  s.close();
});

test("a customer cannot join, write to or read another visitor's conversation", async () => {
  const alice = visitor("Alice");
  const mallory = visitor("Mallory");
  const a = await connect(daemon, world.token(alice));
  const m = await connect(daemon, world.token(mallory));
  const conv = okData(await call(a, "conversation:start", { message: "private" })).conversation;

  errCode(await call(m, "conversation:join", { conversation_id: conv.id }), "forbidden", "join");
  errCode(
    await call(m, "conversation:join", { conversation_id: conv.id, since_id: 1 }),
    "forbidden",
    "join with since_id",
  );
  errCode(
    await call(m, "message:send", { conversation_id: conv.id, client_id: clientId(), body: "hi" }),
    "forbidden",
    "send",
  );
  errCode(await call(m, "message:read", { conversation_id: conv.id }), "forbidden", "read");
  errCode(await call(m, "conversation:close", { conversation_id: conv.id }), "forbidden", "close");
  errCode(
    await call(m, "booking:context", { conversation_id: conv.id, context: { x: 1 } }),
    "forbidden",
    "booking:context",
  );
  errCode(await call(m, "typing", { conversation_id: conv.id, state: true }), "forbidden", "typing");
  // Nothing of Alice's conversation leaked to Mallory.
  assert.equal(m.inbox.events.length, 0, JSON.stringify(m.inbox.events));

  // A token that names the conversation explicitly may join it.
  const guest = visitor("Invited");
  const g = await connect(daemon, world.token(guest, { conversations: [conv.id] }));
  okData(await call(g, "conversation:join", { conversation_id: conv.id }));
  // A user-id customer is not a visitor: no access either.
  const u = await connect(daemon, world.token({ sub: "u:77", role: "customer", name: "User" }));
  errCode(await call(u, "conversation:join", { conversation_id: conv.id }), "forbidden", "user join");
  errCode(await call(u, "conversation:join", { conversation_id: 999999999 }), "not_found", "missing");
  a.close();
  m.close();
  g.close();
  u.close();
});

test("a customer cannot transfer, fill the booking form, set an agent status", async () => {
  const c = await connect(daemon, world.token(visitor()));
  const conv = okData(await call(c, "conversation:start", { message: "hi" })).conversation;
  errCode(
    await call(c, "conversation:transfer", { conversation_id: conv.id, agent_id: 3 }),
    "forbidden",
    "transfer",
  );
  errCode(
    await call(c, "conversation:transfer", { conversation_id: conv.id, department: "sales" }),
    "forbidden",
    "transfer to a department",
  );
  errCode(
    await call(c, "booking:fill", { conversation_id: conv.id, fields: { date: "2030-01-01" } }),
    "forbidden",
    "booking:fill",
  );
  errCode(await call(c, "agent:status", { status: "online" }), "forbidden", "agent:status");
  // Agents cannot start conversations (they take them from the queue).
  const ag = await connect(daemon, world.token(agent(5)));
  errCode(await call(ag, "conversation:start", { message: "x" }), "forbidden", "agent start");
  // ...but may transfer and fill.
  okData(await call(ag, "booking:fill", { conversation_id: conv.id, fields: { date: "2030-01-01" } }));
  const fill = await c.inbox.take("booking:fill");
  assert.deepEqual(fill, { conversation_id: conv.id, fields: { date: "2030-01-01" } });
  const tr = okData(await call(ag, "conversation:transfer", { conversation_id: conv.id, agent_id: 3 }));
  assert.equal(tr.conversation.assigned_agent_id, 3);
  c.close();
  ag.close();
});
