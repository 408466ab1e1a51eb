// Reference server for the chat benchmark: the subset of bkx-chatd's protocol (docs/protocol.md)
// that the load generator uses, written with the stack a Node.js team would pick:
// socket.io v4, jsonwebtoken, sanitize-html and mysql2.
//
// It does the same work per event as the daemon:
//   connect            verify the HS256 token (algorithm pinned, expiry with 30 s leeway,
//                      `sub` shape), keep the identity and per-connection flood buckets
//   conversation:start insert a conversation in a transaction, join its room, notify staff
//   conversation:join  load the conversation, check access, join the room, replay history
//   message:send       flood buckets, payload size, validation, sanitising (same allow-list
//                      and plain-text fast path), then one transaction: lock the conversation
//                      row, idempotency check by client_id, insert, update the counters,
//                      read the row back, commit; broadcast `message:new` to the room and
//                      staff (not the sender's socket), ack `{ok, data: {message}}`
// It writes the same `{prefix}bkx_chat_*` tables, created by bkx-chatd's own migration.
//
// Configuration (environment): BENCH_LISTEN (host:port), BENCH_SECRET, BENCH_DB_HOST,
// BENCH_DB_PORT, BENCH_DB_USER, BENCH_DB_PASS, BENCH_DB_NAME, BENCH_DB_PREFIX,
// BENCH_DB_POOL (default 16, bkx-chatd's default), BENCH_RATE_BURST / BENCH_RATE_PER_SEC
// (flood buckets; the benchmark raises them like the daemon's [limits]).

import http from "node:http";
import { Server } from "socket.io";
import jwt from "jsonwebtoken";
import sanitizeHtml from "sanitize-html";
import mysql from "mysql2/promise";

const env = process.env;
const [HOST, PORT] = (env.BENCH_LISTEN || "127.0.0.1:8090").split(":");
const SECRET = env.BENCH_SECRET || "";
if (SECRET.length < 32) {
  console.error("reference-server: BENCH_SECRET must be at least 32 bytes");
  process.exit(2);
}
const PREFIX = env.BENCH_DB_PREFIX || "wp_";
if (!/^[A-Za-z0-9_]{0,32}$/.test(PREFIX)) {
  console.error("reference-server: bad BENCH_DB_PREFIX");
  process.exit(2);
}
const T = {
  conv: `${PREFIX}bkx_chat_conversations`,
  msg: `${PREFIX}bkx_chat_messages`,
  att: `${PREFIX}bkx_chat_attachments`,
};
const NAMESPACE = "/chat";
const MAX_EVENT_BYTES = 64 * 1024;
const MAX_MESSAGE_CHARS = 10_000;
const MAX_CLIENT_ID = 64;
const LEEWAY_SECS = 30;
const BURST = Number(env.BENCH_RATE_BURST || 0);
const PER_SEC = Number(env.BENCH_RATE_PER_SEC || 0);
const LIMITS = {
  messagesPerConnection: BURST ? { burst: BURST, perSec: PER_SEC } : { burst: 20, perSec: 5 },
  messagesPerIdentity: BURST ? { burst: BURST, perSec: PER_SEC } : { burst: 40, perSec: 10 },
  eventsPerConnection: BURST ? { burst: BURST, perSec: PER_SEC } : { burst: 60, perSec: 30 },
};

// ------------------------------------------------------------------------------------------
// Errors and the ack envelope

class ChatError extends Error {
  constructor(code, message, details) {
    super(message);
    this.code = code;
    this.details = details;
  }
}
const invalid = (field, message) => new ChatError("invalid_argument", message, { field });

function reply(ack, promise) {
  promise.then(
    (data) => typeof ack === "function" && ack({ ok: true, data }),
    (e) => {
      if (!(e instanceof ChatError)) {
        console.error("reference-server:", e);
        e = new ChatError("storage_error", "the database failed");
      }
      const error = { code: e.code, message: e.message };
      if (e.details) error.details = e.details;
      if (typeof ack === "function") ack({ ok: false, error });
    },
  );
}

// ------------------------------------------------------------------------------------------
// Tokens (the claims of crates/core/src/token.rs)

function parseSubject(sub) {
  if (typeof sub !== "string") return null;
  if (sub.startsWith("v:")) {
    const v = sub.slice(2);
    return /^[A-Za-z0-9_-]{8,64}$/.test(v) ? { visitor: v } : null;
  }
  if (sub.startsWith("u:")) {
    const u = sub.slice(2);
    return /^[0-9]+$/.test(u) && Number(u) > 0 ? { user: Number(u) } : null;
  }
  return null;
}

const ROLES = new Set(["customer", "agent", "manager", "admin"]);

function verifyToken(token) {
  let claims;
  try {
    claims = jwt.verify(token, SECRET, { algorithms: ["HS256"], clockTolerance: LEEWAY_SECS });
  } catch (e) {
    if (e.name === "TokenExpiredError") throw new ChatError("unauthenticated", "token expired");
    throw new ChatError("signature_invalid", `invalid token: ${e.message}`);
  }
  const subject = parseSubject(claims.sub);
  if (!subject || !ROLES.has(claims.role) || typeof claims.jti !== "string") {
    throw new ChatError("signature_invalid", "invalid token: bad claims");
  }
  if (typeof claims.iat !== "number" || claims.iat > Date.now() / 1000 + LEEWAY_SECS) {
    throw new ChatError("signature_invalid", "invalid token: issued in the future");
  }
  return {
    sub: claims.sub,
    role: claims.role,
    name: typeof claims.name === "string" ? claims.name : null,
    subject,
    conversations: Array.isArray(claims.conversations) ? claims.conversations.map(Number) : [],
    staff: claims.role !== "customer",
  };
}

function canAccess(me, c) {
  if (me.staff || me.conversations.includes(c.id)) return true;
  if (me.subject.visitor) return c.visitor_id === me.subject.visitor;
  return c.customer_id === me.subject.user;
}

// ------------------------------------------------------------------------------------------
// Flood control: token buckets per connection and per identity (crates/chatd/src/limits.rs)

class Bucket {
  constructor({ burst, perSec }) {
    this.capacity = burst;
    this.refill = perSec;
    this.tokens = burst;
    this.last = performance.now();
  }
  tryTake() {
    const now = performance.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) / 1000) * this.refill);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    return false;
  }
}
const identityBuckets = new Map();

function admit(socket, payload, isMessage) {
  const { buckets, me } = socket.data;
  const limited = () => new ChatError("rate_limited", "too many events; slow down");
  if (!buckets.events.tryTake()) throw limited();
  if (isMessage) {
    if (!buckets.messages.tryTake()) throw limited();
    if (identityBuckets.size > 50_000) identityBuckets.clear();
    let b = identityBuckets.get(me.sub);
    if (!b) identityBuckets.set(me.sub, (b = new Bucket(LIMITS.messagesPerIdentity)));
    if (!b.tryTake()) throw limited();
  }
  const size = JSON.stringify(payload ?? null).length;
  if (size > MAX_EVENT_BYTES) {
    throw new ChatError("payload_too_large", "the event payload is too large", {
      max: MAX_EVENT_BYTES,
      size,
    });
  }
  if (!payload || typeof payload !== "object" || Array.isArray(payload)) {
    throw invalid("payload", "the payload must be a JSON object");
  }
  return payload;
}

function optId(p, key) {
  const v = p[key];
  if (v === undefined || v === null) return null;
  const n = typeof v === "number" ? v : typeof v === "string" && /^[0-9]+$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n <= 0) throw invalid(key, `${key} must be a positive integer`);
  return n;
}

// ------------------------------------------------------------------------------------------
// Sanitising: the allow-list of crates/core/src/sanitize.rs, with sanitize-html

const LINK_REL = "nofollow noopener noreferrer";
const DROP_WITH_CONTENT = ["script", "style", "template", "noscript", "iframe", "textarea", "title", "xmp"];
const ABSOLUTE_URL = /^[A-Za-z][A-Za-z0-9+.-]*:/;

const POLICY = {
  allowedTags: ["a", "b", "blockquote", "br", "code", "em", "i", "li", "ol", "p", "pre", "s", "strong", "u", "ul"],
  allowedAttributes: { a: ["href", "rel"] },
  allowedSchemes: ["http", "https", "mailto"],
  allowedSchemesAppliedToAttributes: ["href"],
  allowProtocolRelative: false,
  nonTextTags: DROP_WITH_CONTENT,
  disallowedTagsMode: "discard",
  // Relative links are dropped (they would resolve against whichever page renders the
  // transcript); every link gets the forced rel; no other attribute survives.
  transformTags: {
    a: (tagName, attribs) => {
      const out = {};
      if (typeof attribs.href === "string" && ABSOLUTE_URL.test(attribs.href.trim())) out.href = attribs.href;
      out.rel = LINK_REL;
      return { tagName, attribs: out };
    },
  },
};
const TEXT_POLICY = {
  allowedTags: [],
  allowedAttributes: {},
  nonTextTags: DROP_WITH_CONTENT,
  disallowedTagsMode: "discard",
};

// Plain text (most chat messages) cannot contain markup: returned as is, like the daemon.
const isPlainText = (s) => !/[<>&\0\r]/.test(s);

function clean(html) {
  return isPlainText(html) ? html : sanitizeHtml(html, POLICY);
}

function toText(html) {
  if (isPlainText(html)) return html;
  return sanitizeHtml(html, TEXT_POLICY)
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&nbsp;", "\u00a0")
    .replaceAll("&quot;", '"')
    .replaceAll("&#39;", "'")
    .replaceAll("&amp;", "&");
}

function prepareBody(raw) {
  const chars = [...raw].length;
  if (chars > MAX_MESSAGE_CHARS) {
    throw new ChatError("payload_too_large", `the message is longer than ${MAX_MESSAGE_CHARS} characters`, {
      field: "body",
      max: MAX_MESSAGE_CHARS,
      length: chars,
    });
  }
  const out = clean(raw);
  // Nothing visible left (an empty link counts as nothing: it cannot be clicked).
  if (toText(out).trim() === "") throw invalid("body", "the message is empty");
  // What the `message` TEXT column holds.
  const bytes = Buffer.byteLength(out);
  if (bytes > 65_535) {
    throw new ChatError("payload_too_large", "the message is too long once formatted; send it in parts", {
      field: "body",
      max_bytes: 65_535,
      bytes,
    });
  }
  return out;
}

// ------------------------------------------------------------------------------------------
// Store (the SQL of crates/core/src/store/*.rs)

const pool = mysql.createPool({
  host: env.BENCH_DB_HOST || "127.0.0.1",
  port: Number(env.BENCH_DB_PORT || 3306),
  user: env.BENCH_DB_USER || "root",
  password: env.BENCH_DB_PASS || "",
  database: env.BENCH_DB_NAME || "wordpress",
  connectionLimit: Number(env.BENCH_DB_POOL || 16),
  charset: "UTF8MB4_UNICODE_CI",
  timezone: "Z",
  dateStrings: true,
  supportBigNumbers: true,
});

const CONV_COLS =
  "id, platform, platform_conversation_id, customer_id, visitor_id, assigned_agent_id, status, " +
  "rating, rating_comment, first_response_time, resolution_time, message_count, booking_id, tags, " +
  "metadata, started_at, ended_at, created_at, updated_at";
// Messages are read with the summary of their attached file (LEFT JOIN, as the daemon does
// since schema v3); against an older schema without the attachments table, without it.
let MSG_SELECT = "";
async function prepareSelects() {
  const [rows] = await pool.query(
    "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?",
    [T.att],
  );
  const cols =
    "m.id, m.conversation_id, m.client_id, m.platform_message_id, m.sender_type, m.sender_id, " +
    "m.sender_name, m.message, m.message_type, m.attachment_url, m.is_read, m.read_at, m.metadata, " +
    "m.sent_at, m.created_at";
  MSG_SELECT = Number(rows[0].n)
    ? `SELECT ${cols}, a.id AS att_id, a.original_name AS att_name, a.mime AS att_mime, a.size AS att_size ` +
      `FROM ${T.msg} m LEFT JOIN ${T.att} a ON a.message_id = m.id`
    : `SELECT ${cols} FROM ${T.msg} m`;
}

// DATETIME columns hold UTC; the protocol speaks RFC 3339 to the second.
const sqlNow = () => new Date().toISOString().slice(0, 19).replace("T", " ");
const rfc3339 = (t) => (t == null ? null : `${t.replace(" ", "T")}Z`);
const jsonMap = (s) => {
  try {
    const v = JSON.parse(s);
    return v && typeof v === "object" && !Array.isArray(v) ? v : {};
  } catch {
    return {};
  }
};
const jsonList = (s) => {
  try {
    const v = JSON.parse(s);
    return Array.isArray(v) ? v : [];
  } catch {
    return [];
  }
};

function convRow(r) {
  return {
    ...r,
    message_count: Number(r.message_count ?? 0),
    tags: jsonList(r.tags),
    metadata: jsonMap(r.metadata),
  };
}

function convJson(c) {
  return {
    id: c.id,
    platform: c.platform,
    platform_conversation_id: c.platform_conversation_id,
    customer_id: c.customer_id,
    visitor_id: c.visitor_id,
    assigned_agent_id: c.assigned_agent_id,
    status: c.status,
    rating: c.rating,
    rating_comment: c.rating_comment,
    first_response_time: c.first_response_time,
    resolution_time: c.resolution_time,
    message_count: c.message_count,
    booking_id: c.booking_id,
    tags: c.tags,
    metadata: c.metadata,
    started_at: rfc3339(c.started_at),
    ended_at: rfc3339(c.ended_at),
    created_at: rfc3339(c.created_at),
    updated_at: rfc3339(c.updated_at),
  };
}

function messageJson(r) {
  return {
    id: r.id,
    conversation_id: r.conversation_id,
    client_id: r.client_id,
    platform_message_id: r.platform_message_id,
    sender_type: r.sender_type,
    sender_id: r.sender_id,
    sender_name: r.sender_name,
    body: r.message,
    message: r.message,
    message_type: r.message_type ?? "text",
    attachment_url: r.attachment_url,
    attachment:
      r.att_id != null
        ? { id: r.att_id, name: r.att_name ?? "", mime: r.att_mime ?? "", size: Number(r.att_size ?? 0), url: r.attachment_url }
        : r.attachment_url
          ? { url: r.attachment_url }
          : null,
    is_read: Number(r.is_read ?? 0) !== 0,
    read_at: rfc3339(r.read_at),
    metadata: jsonMap(r.metadata),
    sent_at: rfc3339(r.sent_at),
    created_at: rfc3339(r.created_at),
  };
}

async function getConversation(q, id, forUpdate = false) {
  const [rows] = await q.execute(`SELECT ${CONV_COLS} FROM ${T.conv} WHERE id = ?${forUpdate ? " FOR UPDATE" : ""}`, [id]);
  return rows.length ? convRow(rows[0]) : null;
}

/** Runs `fn(conn)` in one transaction; rolls back on any error. */
async function inTransaction(fn) {
  const conn = await pool.getConnection();
  try {
    await conn.beginTransaction();
    const out = await fn(conn);
    return out;
  } catch (e) {
    await conn.rollback().catch(() => {});
    throw e;
  } finally {
    conn.release();
  }
}

async function createConversation(me, p) {
  const metadata = {};
  if (p.context !== undefined && p.context !== null) {
    if (typeof p.context !== "object" || Array.isArray(p.context)) throw invalid("context", "context must be a map");
    metadata.context = p.context;
  }
  if (me.name) metadata.customer_name = me.name;
  if (p.department !== undefined && p.department !== null) {
    if (typeof p.department !== "string" || p.department.length > 100) throw invalid("department", "bad department");
    metadata.department = toText(p.department);
  }
  if (p.message !== undefined) {
    throw invalid("message", "the reference server does not implement a first message in conversation:start");
  }
  const at = sqlNow();
  return inTransaction(async (tx) => {
    const [ins] = await tx.execute(
      `INSERT INTO ${T.conv} (platform, platform_conversation_id, customer_id, visitor_id, ` +
        `assigned_agent_id, status, message_count, booking_id, tags, metadata, started_at, ` +
        `created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?)`,
      ["custom", null, me.subject.user ?? null, me.subject.visitor ?? null, null, "waiting", null, "[]", JSON.stringify(metadata), at, at, at],
    );
    const conv = await getConversation(tx, ins.insertId);
    await tx.commit();
    return conv;
  });
}

async function sendMessage(conversationId, m) {
  return inTransaction(async (tx) => {
    // The row lock serialises senders of one conversation (client_id check and counters).
    const conv = await getConversation(tx, conversationId, true);
    if (!conv) throw new ChatError("not_found", "conversation not found", { conversation_id: conversationId });
    const [existing] = await tx.execute(
      `${MSG_SELECT} WHERE m.conversation_id = ? AND m.client_id = ?`,
      [conversationId, m.client_id],
    );
    if (existing.length) {
      // A retry that found its message changed nothing: the commit is as good as a rollback.
      await tx.commit();
      return [existing[0], false];
    }
    if (conv.status === "closed") {
      throw new ChatError("conflict", "the conversation is closed", { conversation_id: conversationId });
    }
    const at = sqlNow();
    const [ins] = await tx.execute(
      `INSERT INTO ${T.msg} (conversation_id, client_id, platform_message_id, sender_type, ` +
        `sender_id, sender_name, message, message_type, attachment_url, is_read, metadata, ` +
        `sent_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)`,
      [conversationId, m.client_id, null, m.sender_type, m.sender_id, m.sender_name, m.body, m.message_type, null, "{}", at, at],
    );
    conv.message_count += 1;
    conv.updated_at = at;
    if (m.sender_type === "agent" && conv.first_response_time == null) {
      conv.first_response_time = Math.max(0, Math.round((Date.parse(`${at}Z`) - Date.parse(`${conv.started_at}Z`)) / 1000));
    }
    await tx.execute(
      `UPDATE ${T.conv} SET assigned_agent_id = ?, status = ?, rating = ?, rating_comment = ?, ` +
        `first_response_time = ?, resolution_time = ?, message_count = ?, booking_id = ?, ` +
        `tags = ?, metadata = ?, ended_at = ?, updated_at = ? WHERE id = ?`,
      [
        conv.assigned_agent_id,
        conv.status,
        conv.rating,
        conv.rating_comment,
        conv.first_response_time,
        conv.resolution_time,
        conv.message_count,
        conv.booking_id,
        JSON.stringify(conv.tags),
        JSON.stringify(conv.metadata),
        conv.ended_at,
        conv.updated_at,
        conv.id,
      ],
    );
    const [rows] = await tx.execute(`${MSG_SELECT} WHERE m.id = ?`, [ins.insertId]);
    await tx.commit();
    return [rows[0], true];
  });
}

async function latestMessages(conversationId, limit) {
  const [rows] = await pool.execute(
    `${MSG_SELECT} WHERE m.conversation_id = ? ORDER BY m.id DESC LIMIT ${Number(limit)}`,
    [conversationId],
  );
  return rows.reverse();
}

// ------------------------------------------------------------------------------------------
// Socket.IO

const room = (id) => `conv:${id}`;

const httpServer = http.createServer((req, res) => {
  if (req.url === "/healthz") {
    pool.query("SELECT 1").then(
      () => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end('{"status":"ok"}');
      },
      (e) => {
        res.writeHead(503, { "content-type": "application/json" });
        res.end(JSON.stringify({ status: "unavailable", database: e.message }));
      },
    );
    return;
  }
  // socket.io answers its own path; anything else is not ours.
  if (!req.url.startsWith("/socket.io/")) {
    res.writeHead(404);
    res.end();
  }
});

const io = new Server(httpServer, {
  cors: { origin: "*" },
  maxHttpBufferSize: 4 * MAX_EVENT_BYTES,
});
const chat = io.of(NAMESPACE);

chat.use((socket, next) => {
  const token = socket.handshake.auth?.token;
  if (typeof token !== "string") return next(new Error("unauthenticated: auth.token is required"));
  try {
    const me = verifyToken(token);
    socket.data.me = me;
    socket.data.buckets = {
      messages: new Bucket(LIMITS.messagesPerConnection),
      events: new Bucket(LIMITS.eventsPerConnection),
    };
    next();
  } catch (e) {
    next(new Error(`unauthenticated: ${e.message}`));
  }
});

chat.on("connection", (socket) => {
  const me = socket.data.me;
  if (me.staff) socket.join(me.subject.user ? ["staff", `agent:${me.subject.user}`] : "staff");

  socket.on("conversation:start", (p, ack) =>
    reply(
      ack,
      (async () => {
        admit(socket, p, true);
        if (me.staff) throw new ChatError("forbidden", "agents take conversations from the queue");
        const conv = await createConversation(me, p);
        socket.join(room(conv.id));
        const cj = convJson(conv);
        socket.to("staff").emit("conversation:queued", { conversation: cj });
        return { conversation: cj };
      })(),
    ),
  );

  socket.on("conversation:join", (p, ack) =>
    reply(
      ack,
      (async () => {
        admit(socket, p, false);
        const id = optId(p, "conversation_id");
        if (!id) throw invalid("conversation_id", "conversation_id is required");
        if (p.since_id !== undefined && p.since_id !== null) {
          throw invalid("since_id", "the reference server does not implement since_id replay");
        }
        const conv = await getConversation(pool, id);
        if (!conv) throw new ChatError("not_found", "conversation not found", { conversation_id: id });
        if (!canAccess(me, conv)) throw new ChatError("forbidden", "you are not a participant of this conversation");
        socket.join(room(id));
        const page = await latestMessages(id, 50);
        return { conversation: convJson(conv), messages: page.map(messageJson), has_more: page.length === 50 };
      })(),
    ),
  );

  socket.on("message:send", (p, ack) =>
    reply(
      ack,
      (async () => {
        admit(socket, p, true);
        const id = optId(p, "conversation_id");
        if (!id) throw invalid("conversation_id", "conversation_id is required");
        const clientId = p.client_id;
        if (typeof clientId !== "string" || clientId === "") {
          throw invalid("client_id", "client_id is required (it makes retries safe)");
        }
        if ([...clientId].length > MAX_CLIENT_ID) throw invalid("client_id", "client_id is too long");
        if (p.attachment_id !== undefined && p.attachment_id !== null) {
          throw new ChatError("unsupported_media_type", "attachments are uploaded through the REST uploads route of the site");
        }
        if (!socket.rooms.has(room(id))) {
          const conv = await getConversation(pool, id);
          if (!conv) throw new ChatError("not_found", "conversation not found", { conversation_id: id });
          if (!canAccess(me, conv)) throw new ChatError("forbidden", "you are not a participant of this conversation");
          socket.join(room(id));
        }
        if (typeof p.body !== "string") throw invalid("body", "body is required");
        const type = p.type ?? "text";
        if (!["text", "file", "system", "booking_slots", "quote", "booking_link", "booking"].includes(type)) {
          throw invalid("message_type", "unknown message_type");
        }
        const [row, created] = await sendMessage(id, {
          client_id: clientId,
          sender_type: me.staff ? "agent" : "customer",
          sender_id: me.subject.user ?? null,
          sender_name: me.name ? toText(me.name).trim() : null,
          body: prepareBody(p.body),
          message_type: type,
        });
        const message = messageJson(row);
        if (created) socket.to([room(id), "staff"]).emit("message:new", { message });
        return { message };
      })(),
    ),
  );
});

prepareSelects().then(
  () =>
    httpServer.listen(Number(PORT), HOST, () => {
      console.error(`reference-server listening on ${HOST}:${PORT} (pid ${process.pid})`);
    }),
  (e) => {
    console.error("reference-server: cannot reach the database:", e.message);
    process.exit(1);
  },
);

const stop = () => {
  io.close();
  pool.end().finally(() => process.exit(0));
  setTimeout(() => process.exit(0), 3000).unref();
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
