// Load generator of the chat benchmark (socket.io-client, loopback only). Every mode prints
// one JSON line on stdout; progress goes to stderr.
//
//   node loadgen.mjs pairs --url URL --secret S [--pairs 64] [--inflight 2] [--rate 0]
//        [--warmup 5] [--duration 15] [--html-every 2] [--pid PID] [--db-pid PID]
//     N senders and N receivers in conversation pairs: each sender starts a conversation,
//     its receiver (another visitor whose token names that conversation) joins it. Senders
//     send `message:send` in a closed loop (`--inflight` outstanding per sender) or, with
//     `--rate R`, open-loop at R messages/s in total. Throughput = `message:new` events
//     received by receivers per second during the window that follows the warm-up; latency =
//     receive time − send time of each message sent in the window (tracked by client_id, one
//     process, one monotonic clock). Sending stops at the end of the window; in-flight
//     messages are drained (at most 10 s) to count losses.
//
//   node loadgen.mjs idle --url URL --secret S --pid PID [--counts 1000,10000] [--procs 4]
//        [--settle 3]
//     Opens idle authenticated websocket connections in steps (spread over --procs child
//     processes) and reads the server's VmRSS from /proc/PID/status before and after each
//     step; per-connection memory = (RSS − baseline) / connections.

import { fork } from "node:child_process";
import { createHmac, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { io } from "socket.io-client";

const log = (...a) => console.error("[loadgen]", ...a);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ------------------------------------------------------------------------------------------
// Tokens: an independent HS256 implementation of the contract's claims

function mint(secret, claims) {
  const now = Math.floor(Date.now() / 1000);
  const b64 = (x) => Buffer.from(x).toString("base64url");
  const head = b64(JSON.stringify({ alg: "HS256", typ: "JWT" }));
  const body = b64(JSON.stringify({ iat: now, exp: now + 900, jti: randomBytes(16).toString("hex"), ...claims }));
  const sig = createHmac("sha256", secret).update(`${head}.${body}`).digest("base64url");
  return `${head}.${body}.${sig}`;
}

function connect(url, token, ms = 15_000) {
  const socket = io(`${url}/chat`, {
    transports: ["websocket"],
    forceNew: true,
    reconnection: false,
    timeout: ms,
    auth: { token },
  });
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      socket.close();
      reject(new Error("connect timeout"));
    }, ms);
    socket.once("connect", () => {
      clearTimeout(t);
      resolve(socket);
    });
    socket.once("connect_error", (e) => {
      clearTimeout(t);
      socket.close();
      reject(e);
    });
  });
}

function okData(ack, what) {
  if (!ack || ack.ok !== true) throw new Error(`${what} failed: ${JSON.stringify(ack)}`);
  return ack.data;
}

/** Runs `fn` over `items` with at most `limit` at a time. */
async function pool(items, limit, fn) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

function percentile(sorted, p) {
  if (!sorted.length) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return Math.round(sorted[i] * 100) / 100;
}

function summary(samples) {
  const s = Float64Array.from(samples).sort();
  return {
    n: s.length,
    p50: percentile(s, 50),
    p90: percentile(s, 90),
    p99: percentile(s, 99),
    max: s.length ? Math.round(s[s.length - 1] * 100) / 100 : null,
  };
}

// CPU time of a process in clock ticks (utime + stime), from /proc.
function cpuTicks(pid) {
  if (!pid) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(f[11]) + Number(f[12]);
  } catch {
    return null;
  }
}
const CLK_TCK = 100;

// Busy CPU time of the whole machine in clock ticks (every core), from /proc/stat.
function machineBusyTicks() {
  try {
    const f = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal: busy = all but idle, iowait and steal
    return f[0] + f[1] + f[2] + f[5] + f[6];
  } catch {
    return null;
  }
}

function rssKiB(pid) {
  const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]);
}

// ------------------------------------------------------------------------------------------
// pairs: throughput and latency

const PLAIN = (n, i) => `Hello, I would like to book a massage on Friday at 10:00 for two people. Message ${n} of pair ${i}.`;
const HTML = (n, i) =>
  `Hi <b>there</b>, here is <a href="https://example.com/booking?n=${n}" onclick="steal()">my booking</a>` +
  `<script>alert(1)</script> for pair <em>${i}</em>, message ${n}.`;

async function pairs(o) {
  const N = o.pairs;
  const run = randomBytes(3).toString("hex");
  const pending = new Map(); // client_id -> {t, inWindow}
  let warmEnd = Infinity;
  let winEnd = Infinity;
  const inWin = (t) => t >= warmEnd && t < winEnd;
  const latencies = [];
  const ackLatencies = [];
  const errors = {};
  const c = { sent: 0, sentInWindow: 0, acked: 0, received: 0, deliveredInWindow: 0, unknown: 0, echoed: 0, skipped: 0 };
  const samples = {};

  const onNew = (d) => {
    const now = performance.now();
    const m = d?.message;
    const p = m && pending.get(m.client_id);
    if (!p) {
      c.unknown++;
      return;
    }
    pending.delete(m.client_id);
    c.received++;
    if (inWin(now)) c.deliveredInWindow++;
    if (p.inWindow) latencies.push(now - p.t);
    // The same two messages on every run and server: pair 0's first (HTML) and second.
    if (p.sample) samples[p.sample] = m.body;
  };

  log(`pairs: setting up ${N} conversation pairs on ${o.url}`);
  const ps = [];
  await pool([...Array(N).keys()], 16, async (i) => {
    const s = await connect(o.url, mint(o.secret, { sub: `v:bench-s-${run}-${i}`, role: "customer", name: `Sender ${i}` }));
    const call = async (sock, event, payload) => {
      try {
        return okData(await sock.timeout(30_000).emitWithAck(event, payload), event);
      } catch (e) {
        throw new Error(`set-up of pair ${i}: ${event}: ${e.message}`);
      }
    };
    const st = await call(s, "conversation:start", { department: "bench" });
    const convId = st.conversation.id;
    const r = await connect(
      o.url,
      mint(o.secret, { sub: `v:bench-r-${run}-${i}`, role: "customer", name: `Receiver ${i}`, conversations: [convId] }),
    );
    await call(r, "conversation:join", { conversation_id: convId });
    r.on("message:new", onNew);
    s.on("message:new", () => c.echoed++);
    ps[i] = { i, s, r, convId, seq: 0, outstanding: 0 };
  });

  let stopping = false;
  const sendOne = (pair) => {
    const n = pair.seq++;
    const cid = `${run}-${pair.i}-${n}`;
    const html = o.htmlEvery > 0 && n % o.htmlEvery === 0;
    const t = performance.now();
    const inWindow = inWin(t);
    const sample = pair.i === 0 && n < 2 ? (html ? "html" : "plain") : undefined;
    pending.set(cid, { t, inWindow, sample });
    c.sent++;
    if (inWindow) c.sentInWindow++;
    pair.outstanding++;
    pair.s.timeout(10_000).emit(
      "message:send",
      { conversation_id: pair.convId, client_id: cid, body: html ? HTML(n, pair.i) : PLAIN(n, pair.i) },
      (err, ack) => {
        pair.outstanding--;
        const now = performance.now();
        if (inWindow) ackLatencies.push(now - t);
        if (err) {
          errors.ack_timeout = (errors.ack_timeout || 0) + 1;
          pending.delete(cid);
        } else if (ack?.ok) {
          c.acked++;
        } else {
          const code = ack?.error?.code || "bad_ack";
          errors[code] = (errors[code] || 0) + 1;
          pending.delete(cid);
        }
        if (o.rate === 0) pump(pair);
      },
    );
  };
  const pump = (pair) => {
    while (!stopping && pair.outstanding < o.inflight) sendOne(pair);
  };

  const MAX_MESSAGES = 5_000_000; // a hard bound, whatever the server's speed
  const t0 = performance.now();
  warmEnd = t0 + o.warmup * 1000;
  winEnd = warmEnd + o.duration * 1000;
  log(`pairs: ${o.rate ? `open loop at ${o.rate} msg/s` : `closed loop, ${o.inflight} in flight per sender`}, ` +
    `warm-up ${o.warmup} s, window ${o.duration} s`);
  let ticker = null;
  if (o.rate === 0) {
    for (const p of ps) pump(p);
  } else {
    // Open loop: the schedule does not wait for acks; a sender with too many unanswered
    // sends skips its turn (counted), so a slow server cannot make the generator unbounded.
    let due = 0;
    ticker = setInterval(() => {
      const want = Math.floor(((performance.now() - t0) / 1000) * o.rate);
      for (; due < want && !stopping; due++) {
        const pair = ps[due % N];
        if (pair.outstanding >= 1000) c.skipped++;
        else sendOne(pair);
      }
    }, 2);
  }
  let cpu0 = null;
  let db0 = null;
  let self0 = null;
  const mark = async (until) => {
    while (performance.now() < until && c.sent < MAX_MESSAGES) await sleep(Math.min(50, Math.max(1, until - performance.now())));
  };
  await mark(warmEnd);
  cpu0 = cpuTicks(o.pid);
  db0 = cpuTicks(o.dbPid);
  self0 = process.cpuUsage();
  const all0 = machineBusyTicks();
  await mark(winEnd);
  const cpu1 = cpuTicks(o.pid);
  const db1 = cpuTicks(o.dbPid);
  const self1 = process.cpuUsage(self0);
  const all1 = machineBusyTicks();
  const windowS = (Math.min(performance.now(), winEnd) - warmEnd) / 1000;
  stopping = true;
  if (ticker) clearInterval(ticker);
  const drainEnd = performance.now() + 10_000;
  while (performance.now() < drainEnd && (pending.size > 0 || ps.some((p) => p.outstanding > 0))) await sleep(20);
  const lost = pending.size;
  for (const p of ps) {
    p.s.close();
    p.r.close();
  }
  const pct = (a, b) => (a == null || b == null ? null : Math.round(((b - a) / CLK_TCK / windowS) * 1000) / 10);
  const delivered = c.deliveredInWindow;
  const result = {
    mode: "pairs",
    pairs: N,
    inflight: o.rate ? null : o.inflight,
    offered_rate: o.rate || null,
    warmup_s: o.warmup,
    window_s: Math.round(windowS * 100) / 100,
    html_every: o.htmlEvery,
    throughput: Math.round((delivered / windowS) * 10) / 10,
    delivered_in_window: delivered,
    latency_ms: summary(latencies),
    ack_ms: summary(ackLatencies),
    sent: c.sent,
    acked: c.acked,
    received: c.received,
    lost_after_drain: lost,
    errors,
    skipped_by_generator: c.skipped,
    unknown_deliveries: c.unknown,
    echoed_to_sender: c.echoed,
    server_cpu_pct: pct(cpu0, cpu1),
    db_cpu_pct: pct(db0, db1),
    loadgen_cpu_pct: Math.round(((self1.user + self1.system) / 1e6 / windowS) * 1000) / 10,
    machine_cpu_pct: pct(all0, all1),
    sample_bodies: samples,
  };
  log(`pairs: ${result.throughput} msg/s delivered, p50 ${result.latency_ms.p50} ms, p99 ${result.latency_ms.p99} ms`);
  return result;
}

// ------------------------------------------------------------------------------------------
// idle: server memory per idle connection

async function idleWorker() {
  // A child holding a share of the idle connections; driven by its parent over IPC.
  const sockets = [];
  process.on("message", async (m) => {
    if (m.cmd === "open") {
      let failed = 0;
      const firstError = [];
      await pool([...Array(m.n).keys()], 64, async (k) => {
        const i = m.start + k;
        try {
          sockets.push(await connect(m.url, mint(m.secret, { sub: `v:bench-idle-${m.run}-${i}`, role: "customer", name: `Idle ${i}` })));
        } catch (e) {
          failed++;
          if (!firstError.length) firstError.push(String(e.message || e));
        }
      });
      process.send({ opened: m.n - failed, failed, error: firstError[0] });
    } else if (m.cmd === "close") {
      for (const s of sockets.splice(0)) s.close();
      process.send({ closed: true });
    } else if (m.cmd === "exit") {
      for (const s of sockets.splice(0)) s.close();
      process.exit(0);
    }
  });
  // The parent gone (killed, crashed): nothing to hold the connections for.
  process.on("disconnect", () => process.exit(0));
  process.send({ ready: true });
}

async function idle(o) {
  const self = fileURLToPath(import.meta.url);
  const run = randomBytes(3).toString("hex");
  const workers = [];
  for (let w = 0; w < o.procs; w++) {
    const child = fork(self, ["idle-worker"], { stdio: ["ignore", "ignore", "inherit", "ipc"] });
    const queue = [];
    child.on("message", (m) => queue.shift()?.(m));
    const next = () => new Promise((r) => queue.push(r));
    const ready = next();
    workers.push({ child, next });
    await ready;
  }
  const ask = (w, msg) => {
    const p = workers[w].next();
    workers[w].child.send(msg);
    return p;
  };
  let opened = 0;
  let index = 0;
  const open = async (n) => {
    const per = Math.ceil(n / o.procs);
    const replies = await Promise.all(
      workers.map((_, w) => {
        const k = Math.max(0, Math.min(per, n - w * per));
        const start = index + w * per;
        return ask(w, { cmd: "open", n: k, start, url: o.url, secret: o.secret, run });
      }),
    );
    index += n;
    const ok = replies.reduce((a, r) => a + r.opened, 0);
    const failed = replies.reduce((a, r) => a + r.failed, 0);
    if (failed) log(`idle: ${failed} connections failed (${replies.find((r) => r.error)?.error})`);
    return { ok, failed };
  };
  try {
    // Warm the server's connection path once, so one-time costs stay out of the baseline.
    log("idle: warm-up (200 connections opened and closed)");
    await open(200);
    await Promise.all(workers.map((_, w) => ask(w, { cmd: "close" })));
    await sleep(o.settle * 1000);
    const baseline = rssKiB(o.pid);
    log(`idle: server baseline RSS ${(baseline / 1024).toFixed(1)} MiB`);
    const steps = [];
    let failedTotal = 0;
    for (const target of o.counts) {
      const t = performance.now();
      const r = await open(target - opened);
      opened += r.ok;
      failedTotal += r.failed;
      const connectS = (performance.now() - t) / 1000;
      await sleep(o.settle * 1000);
      const rss = rssKiB(o.pid);
      const perConn = ((rss - baseline) * 1024) / opened;
      steps.push({
        connections: opened,
        target,
        rss_kib: rss,
        per_connection_kib: Math.round((perConn / 1024) * 100) / 100,
        connect_s: Math.round(connectS * 100) / 100,
      });
      log(`idle: ${opened} connections: RSS ${(rss / 1024).toFixed(1)} MiB, ${(perConn / 1024).toFixed(2)} KiB/connection`);
    }
    return { mode: "idle", baseline_rss_kib: baseline, steps, failed: failedTotal, procs: o.procs, settle_s: o.settle };
  } finally {
    for (const w of workers) w.child.send({ cmd: "exit" });
  }
}

// ------------------------------------------------------------------------------------------

const mode = process.argv[2];
if (mode === "idle-worker") {
  idleWorker();
} else {
  const { values } = parseArgs({
    args: process.argv.slice(3),
    options: {
      url: { type: "string" },
      secret: { type: "string" },
      pairs: { type: "string", default: "64" },
      inflight: { type: "string", default: "2" },
      rate: { type: "string", default: "0" },
      warmup: { type: "string", default: "5" },
      duration: { type: "string", default: "15" },
      "html-every": { type: "string", default: "2" },
      pid: { type: "string" },
      "db-pid": { type: "string" },
      counts: { type: "string", default: "1000,10000" },
      procs: { type: "string", default: "4" },
      settle: { type: "string", default: "3" },
    },
  });
  if (!values.url || !values.secret) {
    console.error("usage: node loadgen.mjs pairs|idle --url URL --secret SECRET [options] (see the header)");
    process.exit(2);
  }
  const num = (k, min, max) => {
    const v = Number(values[k]);
    if (!Number.isFinite(v) || v < min || v > max) {
      console.error(`--${k} must be between ${min} and ${max}`);
      process.exit(2);
    }
    return v;
  };
  const o = {
    url: values.url,
    secret: values.secret,
    pid: values.pid ? Number(values.pid) : null,
    dbPid: values["db-pid"] ? Number(values["db-pid"]) : null,
  };
  let job;
  if (mode === "pairs") {
    Object.assign(o, {
      pairs: num("pairs", 1, 2000),
      inflight: num("inflight", 1, 100),
      rate: num("rate", 0, 100_000),
      warmup: num("warmup", 0, 120),
      duration: num("duration", 1, 600),
      htmlEvery: num("html-every", 0, 1_000_000),
    });
    job = pairs(o);
  } else if (mode === "idle") {
    if (!o.pid) {
      console.error("idle needs --pid (the server whose RSS is measured)");
      process.exit(2);
    }
    const counts = values.counts.split(",").map(Number);
    if (!counts.every((n, i) => Number.isInteger(n) && n > 0 && n <= 15_000 && (i === 0 || n > counts[i - 1]))) {
      console.error("--counts must be increasing integers up to 15000");
      process.exit(2);
    }
    Object.assign(o, { counts, procs: num("procs", 1, 16), settle: num("settle", 0, 60) });
    job = idle(o);
  } else {
    console.error(`unknown mode ${mode}`);
    process.exit(2);
  }
  // Everything is bounded; this is the last resort.
  const guard = setTimeout(() => {
    console.error("[loadgen] timed out");
    process.exit(1);
  }, 300_000);
  guard.unref();
  job.then(
    (r) => {
      process.stdout.write(JSON.stringify(r) + "\n");
      process.exit(0);
    },
    (e) => {
      console.error("[loadgen] failed:", e);
      process.exit(1);
    },
  );
}
