// Test harness for bkx-chatd: starts daemons on free ports with a fresh table prefix, mints
// tokens (an independent HS256 implementation of the contract, not the daemon's code),
// connects the official socket.io-client, and reads the database with the `mariadb` CLI.
//
// Everything a test needs is checked up front and a missing piece (binary, database,
// Redis) fails the test file loudly: nothing is ever skipped.

import { spawn, execFileSync } from "node:child_process";
import { createHmac, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, writeFileSync, createWriteStream, statSync, readdirSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";
import { io } from "socket.io-client";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

export const DB = {
  host: process.env.BKX_TEST_DB_HOST || "127.0.0.1",
  port: Number(process.env.BKX_TEST_DB_PORT || 3306),
  user: process.env.BKX_TEST_DB_USER || "root",
  pass: process.env.BKX_TEST_DB_PASS || "",
  name: process.env.BKX_TEST_DB_NAME || "bkx_livechat_chatd",
};

export const REDIS_URL = process.env.BKX_TEST_REDIS_URL || "redis://127.0.0.1:6379";

/** Where daemon configs and logs go (kept after the run for post-mortems). */
export const WORK_DIR = path.join(os.tmpdir(), `bkx-chatd-tests-${process.pid}`);

// ---------------------------------------------------------------------------------------
// Preconditions

/** The daemon binary: $BKX_CHATD_BIN, else target/release, else target/debug. */
export function daemonBinary() {
  const candidates = process.env.BKX_CHATD_BIN
    ? [path.resolve(REPO_ROOT, process.env.BKX_CHATD_BIN)]
    : [
        path.join(REPO_ROOT, "target/release/bkx-chatd"),
        path.join(REPO_ROOT, "target/debug/bkx-chatd"),
      ];
  const found = candidates.find((c) => existsSync(c));
  if (!found) {
    throw new Error(
      `bkx-chatd binary not found (looked for ${candidates.join(", ")}); ` +
        "build it with `cargo build -p bkx-chatd` or set BKX_CHATD_BIN",
    );
  }
  warnIfStale(found);
  return found;
}

let staleChecked = false;
/** Warns (once) when the binary is older than the daemon's or the core's sources. */
function warnIfStale(bin) {
  if (staleChecked) return;
  staleChecked = true;
  const built = statSync(bin).mtimeMs;
  const newer = [];
  const walk = (dir) => {
    if (!existsSync(dir)) return;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".rs") && statSync(p).mtimeMs > built) newer.push(path.relative(REPO_ROOT, p));
    }
  };
  walk(path.join(REPO_ROOT, "crates/chatd/src"));
  walk(path.join(REPO_ROOT, "crates/core/src"));
  if (newer.length) {
    process.stderr.write(
      `warning: ${path.relative(REPO_ROOT, bin)} is older than ${newer.slice(0, 3).join(", ")}` +
        `${newer.length > 3 ? ` and ${newer.length - 3} more` : ""}; rebuild it or set BKX_CHATD_BIN\n`,
    );
  }
}

function mariadbArgs(extra) {
  return ["-h", DB.host, "-P", String(DB.port), "-u", DB.user, "--connect-timeout=5", ...extra];
}

function mariadbEnv() {
  return { ...process.env, MYSQL_PWD: DB.pass };
}

/** Creates the test database if it is missing; throws (loudly) if MariaDB is unreachable. */
export function ensureDatabase() {
  try {
    execFileSync(
      "mariadb",
      mariadbArgs(["-N", "-B", "-e", `CREATE DATABASE IF NOT EXISTS \`${DB.name}\``]),
      { env: mariadbEnv(), stdio: ["ignore", "pipe", "pipe"] },
    );
  } catch (e) {
    throw new Error(
      `MariaDB is required at ${DB.user}@${DB.host}:${DB.port} (database ${DB.name}): ` +
        `${e.stderr?.toString().trim() || e.message}`,
    );
  }
}

/** Fails unless Redis answers PING at `url`. */
export async function ensureRedis(url = REDIS_URL) {
  const u = new URL(url);
  const port = Number(u.port || 6379);
  const host = u.hostname || "127.0.0.1";
  const reply = await new Promise((resolve, reject) => {
    const s = net.connect({ host, port });
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error("timeout"));
    }, 3000);
    let buf = "";
    s.on("connect", () => s.write("PING\r\n"));
    s.on("data", (d) => {
      buf += d.toString();
      if (buf.includes("\r\n")) {
        clearTimeout(timer);
        s.end();
        resolve(buf.trim());
      }
    });
    s.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
  }).catch((e) => {
    throw new Error(`Redis is required at ${url}: ${e.message}`);
  });
  assert.equal(reply, "+PONG", `Redis at ${url} answered ${reply}`);
}

// ---------------------------------------------------------------------------------------
// Database

/** Runs SQL in the test database; returns rows as arrays of strings (NULL as null). */
export function sql(query) {
  const out = execFileSync("mariadb", mariadbArgs(["-N", "-B", "-D", DB.name, "-e", query]), {
    env: mariadbEnv(),
    stdio: ["ignore", "pipe", "pipe"],
    maxBuffer: 64 * 1024 * 1024,
  }).toString();
  return out
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => l.split("\t").map((v) => (v === "NULL" ? null : v)));
}

/** A fresh table prefix, unique to this run. */
export function freshPrefix(tag = "t") {
  return `bkxt_${tag}_${randomBytes(4).toString("hex")}_`;
}

/** Prefixed table name. */
export function table(prefix, name) {
  return `${prefix}bkx_chat_${name}`;
}

/** Drops every table of `prefix` (unless BKX_TEST_KEEP_TABLES is set). */
export function dropPrefix(prefix) {
  if (process.env.BKX_TEST_KEEP_TABLES) return;
  const like = prefix.replace(/_/g, "\\_") + "%";
  const tables = sql(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() ` +
      `AND table_name LIKE '${like}'`,
  ).map((r) => r[0]);
  if (tables.length) {
    sql(`SET FOREIGN_KEY_CHECKS = 0; DROP TABLE IF EXISTS ${tables.map((t) => `\`${t}\``).join(", ")}`);
  }
}

// ---------------------------------------------------------------------------------------
// Tokens (HS256 JWT, the contract's claims)

const b64url = (x) => Buffer.from(x).toString("base64url");

/** A random secret (the daemon wants at least 32 bytes). */
export function newSecret() {
  return randomBytes(24).toString("hex");
}

/**
 * Signs a token. `claims` are merged over sane defaults (iat now, exp in 15 min, random jti).
 * Options: `alg` (header), `signWith` (a different secret), `noSignature`.
 */
export function mintToken(secret, claims, opts = {}) {
  const now = Math.floor(Date.now() / 1000);
  const full = {
    iat: now,
    exp: now + 900,
    jti: randomBytes(16).toString("hex"),
    ...claims,
  };
  const header = b64url(JSON.stringify({ alg: opts.alg ?? "HS256", typ: "JWT" }));
  const payload = b64url(JSON.stringify(full));
  const input = `${header}.${payload}`;
  if (opts.noSignature) return `${input}.`;
  const sig = createHmac("sha256", opts.signWith ?? secret)
    .update(input)
    .digest("base64url");
  return `${input}.${sig}`;
}

/** A customer (guest visitor) identity. */
export function visitor(name = "Guest") {
  const id = `visitor-${randomBytes(6).toString("hex")}`;
  return { sub: `v:${id}`, role: "customer", name, visitorId: id };
}

/** A staff identity. */
export function agent(userId = 2, name = "Agent Smith", role = "agent") {
  return { sub: `u:${userId}`, role, name, userId };
}

// ---------------------------------------------------------------------------------------
// Daemons

/** A port nobody listens on right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const children = new Set();
process.on("exit", () => {
  for (const c of children) {
    try {
      c.kill("SIGKILL");
    } catch {
      /* already gone */
    }
  }
});

function toml(cfg) {
  const lines = [];
  const tables = [];
  for (const [k, v] of Object.entries(cfg)) {
    if (v && typeof v === "object" && !Array.isArray(v)) tables.push([k, v]);
    else lines.push(`${k} = ${JSON.stringify(v)}`);
  }
  for (const [name, t] of tables) {
    lines.push(`[${name}]`);
    for (const [k, v] of Object.entries(t)) {
      if (v && typeof v === "object") {
        lines.push(`${k} = { ${Object.entries(v).map(([a, b]) => `${a} = ${JSON.stringify(b)}`).join(", ")} }`);
      } else {
        lines.push(`${k} = ${JSON.stringify(v)}`);
      }
    }
  }
  return lines.join("\n") + "\n";
}

/**
 * A daemon on a fixed port and config, which can be started, killed and restarted.
 * `opts`: prefix, secret, port?, redisUrl?, limits?, name?.
 */
export class Daemon {
  constructor(opts) {
    this.opts = opts;
    this.name = opts.name ?? "chatd";
    this.proc = null;
    this.starts = 0;
  }

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid() {
    return this.proc?.pid;
  }

  async start() {
    const bin = daemonBinary();
    if (!this.port) this.port = this.opts.port ?? (await freePort());
    mkdirSync(WORK_DIR, { recursive: true });
    this.configPath = path.join(WORK_DIR, `${this.name}-${this.port}.toml`);
    const cfg = {
      listen: `127.0.0.1:${this.port}`,
      db_host: DB.host,
      db_port: DB.port,
      db_user: DB.user,
      db_password: DB.pass,
      db_name: DB.name,
      db_prefix: this.opts.prefix,
      secret: this.opts.secret,
      log_format: "text",
      log_level: process.env.BKX_TEST_DAEMON_LOG_LEVEL || "info",
    };
    if (this.opts.redisUrl) cfg.redis_url = this.opts.redisUrl;
    if (this.opts.limits) cfg.limits = this.opts.limits;
    if (this.opts.restUrl) cfg.rest_url = this.opts.restUrl;
    writeFileSync(this.configPath, toml(cfg));
    this.starts += 1;
    this.logPath = path.join(WORK_DIR, `${this.name}-${this.port}.${this.starts}.log`);
    const log = createWriteStream(this.logPath);
    // Nothing from the environment may override the test's config.
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !k.startsWith("BKX_CHATD_") && k !== "RUST_LOG"),
    );
    const proc = spawn(bin, ["--config", this.configPath], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.proc = proc;
    children.add(proc);
    let tail = "";
    const keep = (d) => {
      log.write(d);
      tail = (tail + d.toString()).slice(-4000);
      if (process.env.BKX_TEST_DAEMON_LOGS) process.stderr.write(`[${this.name}] ${d}`);
    };
    proc.stdout.on("data", keep);
    proc.stderr.on("data", keep);
    this.exited = new Promise((resolve) =>
      proc.on("exit", (code, signal) => {
        children.delete(proc);
        log.end();
        resolve({ code, signal });
      }),
    );
    const deadline = Date.now() + 20_000;
    let early = null;
    this.exited.then((x) => (early = x));
    for (;;) {
      if (early) {
        throw new Error(
          `${this.name} exited during start-up (${JSON.stringify(early)}); log ${this.logPath}:\n${tail}`,
        );
      }
      try {
        const r = await fetch(`${this.url}/healthz`, { signal: AbortSignal.timeout(1000) });
        if (r.status === 200) break;
      } catch {
        /* not yet */
      }
      if (Date.now() > deadline) {
        throw new Error(`${this.name} did not become healthy on ${this.url}; log ${this.logPath}:\n${tail}`);
      }
      await sleep(50);
    }
    return this;
  }

  /** SIGKILL, and wait until the process is gone. */
  async kill() {
    if (!this.proc || this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    process.kill(this.proc.pid, "SIGKILL");
    await this.exited;
  }

  /** SIGTERM (graceful), SIGKILL after 5 s. */
  async stop() {
    if (!this.proc || this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    this.proc.kill("SIGTERM");
    const t = setTimeout(() => this.proc.kill("SIGKILL"), 5000);
    await this.exited;
    clearTimeout(t);
  }

  async get(pathname) {
    const r = await fetch(`${this.url}${pathname}`, { signal: AbortSignal.timeout(5000) });
    return { status: r.status, text: await r.text() };
  }
}

/** Starts a daemon; preconditions (binary, database) are checked first. */
export async function startDaemon(opts) {
  daemonBinary();
  ensureDatabase();
  return new Daemon(opts).start();
}

// ---------------------------------------------------------------------------------------
// Clients

const sockets = new Set();

/**
 * Connects to `daemon`'s /chat with `token` (a string, or a function returning one), and
 * resolves once connected. Options are socket.io-client's (reconnection off by default).
 */
export async function connect(daemonOrUrl, token, opts = {}) {
  const socket = openSocket(daemonOrUrl, token, opts);
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("connect timeout")), 10_000);
    socket.once("connect", () => {
      clearTimeout(timer);
      resolve();
    });
    socket.once("connect_error", (e) => {
      clearTimeout(timer);
      socket.close();
      reject(e);
    });
  });
  return socket;
}

/** Creates the socket without waiting (for refusal tests and reconnecting clients). */
export function openSocket(daemonOrUrl, token, opts = {}) {
  const url = typeof daemonOrUrl === "string" ? daemonOrUrl : daemonOrUrl.url;
  const auth =
    opts.auth !== undefined
      ? opts.auth
      : (cb) => cb({ token: typeof token === "function" ? token() : token });
  const { auth: _ignored, ...rest } = opts;
  const socket = io(`${url}/chat`, {
    forceNew: true,
    reconnection: false,
    timeout: 5000,
    ...rest,
    auth,
  });
  sockets.add(socket);
  socket.inbox = new Inbox(socket);
  return socket;
}

/** Closes every socket this process opened. */
export function closeAllSockets() {
  for (const s of sockets) s.close();
  sockets.clear();
}

/** Emits with an ack; rejects after `ms` (with the event's name in the error). */
export function call(socket, event, payload, ms = 10_000) {
  return socket
    .timeout(ms)
    .emitWithAck(event, payload)
    .catch((e) => {
      const err = new Error(`${event}: ${e.message}`);
      err.cause = e;
      throw err;
    });
}

/** Asserts an ok ack and returns its data. */
export function okData(ack, what = "ack") {
  assert.equal(typeof ack, "object", `${what}: not an object: ${JSON.stringify(ack)}`);
  assert.equal(ack.ok, true, `${what}: expected ok, got ${JSON.stringify(ack)}`);
  assert.ok(ack.data && typeof ack.data === "object", `${what}: no data: ${JSON.stringify(ack)}`);
  return ack.data;
}

/** Asserts an error ack with `code`. */
export function errCode(ack, code, what = "ack") {
  assert.equal(ack?.ok, false, `${what}: expected error ${code}, got ${JSON.stringify(ack)}`);
  assert.equal(ack.error?.code, code, `${what}: expected ${code}, got ${JSON.stringify(ack)}`);
  assert.equal(typeof ack.error.message, "string", `${what}: no message`);
}

/** Records every event a socket receives, for later assertions. */
export class Inbox {
  constructor(socket) {
    this.events = [];
    this.consumed = new Set();
    this.waiters = [];
    socket.onAny((event, ...args) => {
      this.events.push({ event, data: args[0], at: Date.now() });
      for (const w of [...this.waiters]) w();
    });
  }

  /** Every event named `event` (optionally filtered). */
  all(event, pred = () => true) {
    return this.events.filter((e) => e.event === event && pred(e.data)).map((e) => e.data);
  }

  /** The first not-yet-taken `event` matching `pred`, waiting up to `ms`. */
  take(event, pred = () => true, ms = 5000) {
    return new Promise((resolve, reject) => {
      const find = () => {
        const i = this.events.findIndex(
          (e, i) => !this.consumed.has(i) && e.event === event && pred(e.data),
        );
        if (i >= 0) {
          this.consumed.add(i);
          return this.events[i].data;
        }
        return undefined;
      };
      const hit = find();
      if (hit !== undefined) return resolve(hit);
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== check);
        const seen = this.events.map((e) => e.event).join(", ") || "nothing";
        reject(new Error(`no ${event} within ${ms} ms (received: ${seen})`));
      }, ms);
      const check = () => {
        const h = find();
        if (h !== undefined) {
          clearTimeout(timer);
          this.waiters = this.waiters.filter((w) => w !== check);
          resolve(h);
        }
      };
      this.waiters.push(check);
    });
  }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` until it returns a truthy value, or throws after `ms`. */
export async function eventually(fn, ms = 5000, what = "condition") {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    last = await fn();
    if (last) return last;
    if (Date.now() > deadline) throw new Error(`${what} not reached within ${ms} ms`);
    await sleep(25);
  }
}

/** A unique client message id. */
export function clientId(tag = "m") {
  return `${tag}-${randomBytes(8).toString("hex")}`;
}

/**
 * One test file's world: a secret, a prefix, daemons, and clean-up of all of it.
 * Use `world.daemon(opts)` to start daemons and `world.close()` in `after`.
 */
export class World {
  constructor(tag) {
    this.secret = newSecret();
    this.prefix = freshPrefix(tag);
    this.daemons = [];
  }

  async daemon(opts = {}) {
    const d = await startDaemon({
      prefix: this.prefix,
      secret: this.secret,
      name: opts.name ?? `chatd${this.daemons.length}`,
      ...opts,
    });
    this.daemons.push(d);
    return d;
  }

  token(identity, extra = {}) {
    const { sub, role, name } = identity;
    return mintToken(this.secret, { sub, role, name, ...extra });
  }

  async close() {
    closeAllSockets();
    await Promise.all(this.daemons.map((d) => d.stop()));
    try {
      dropPrefix(this.prefix);
    } catch {
      /* the database may be the reason the tests failed */
    }
  }
}
