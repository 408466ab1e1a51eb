// The plumbing every fake vendor shares: an HTTP server on loopback, JSON bodies with the
// vendor's size limit, a record of every API request, failure injection (429 storms,
// outages, hangs) and the control routes under /__fake/ that tests drive.
//
// A vendor module exports `create(config)` returning:
//   { name, config,                                      // the credentials it accepts
//     maxBody?,                                          // request size limit (bytes)
//     authorize(req) -> null | [status, body, headers?], // the vendor's auth check
//     route(req) -> [status, body, headers?] | null,     // its API (null: its 404)
//     notFound(req) -> [status, body],
//     tooLarge?() -> [status, body], badJson?() -> [status, body],
//     throttled(spec) -> [status, body, headers],        // its 429 ({retry_after, reset_in})
//     outage(spec) -> [status, body, headers?],          // its 5xx ({status, retry_after})
//     decorate?(status, headers),                        // headers on authenticated answers
//     webhook(event, data, mode) -> { headers, body, conversation_id, event_id },
//     addMessage(data) -> message,                       // vendor-side activity, no webhook
//     state() -> object, reset() }
//
// `req` given to authorize/route: { method, path, query (URLSearchParams), headers, body
// (parsed JSON or undefined), raw (string), url (absolute URL of the request) }.

import http from "node:http";
import { randomUUID } from "node:crypto";

const DEFAULT_MAX_BODY = 1024 * 1024;
export const MODES = ["signed", "tampered", "unsigned", "wrong_secret", "stale"];

export class FakeError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function send(res, status, body, headers = {}) {
  if (res.writableEnded || res.destroyed) return;
  const text = body === undefined || body === null ? "" : typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(status, {
    ...(text ? { "Content-Type": "application/json; charset=utf-8" } : {}),
    "Content-Length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** Reads the whole body (draining what is over `limit` so the client sees our answer). */
async function readBody(req, limit) {
  const chunks = [];
  let size = 0;
  for await (const c of req) {
    size += c.length;
    if (size <= limit) chunks.push(c);
  }
  if (size > limit) return { tooLarge: true, raw: "", size };
  const raw = Buffer.concat(chunks).toString("utf8");
  if (!raw) return { raw, json: undefined, size };
  try {
    return { raw, json: JSON.parse(raw), size };
  } catch {
    return { raw, json: undefined, invalid: true, size };
  }
}

/** Posts a delivery to `url` (the WordPress webhook route); answers what WordPress said. */
export async function deliver(url, delivery) {
  const r = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...delivery.headers },
    body: delivery.body,
    signal: AbortSignal.timeout(15_000),
  });
  const text = await r.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: r.status, body, delivery };
}

/** Starts `vendor` on 127.0.0.1:`port` (0 = any free port); resolves with { server, url }. */
export function serve(vendor, port = 0) {
  const requests = [];
  let failures = []; // queued injected answers, consumed one per API call
  const hanging = new Set();

  const server = http.createServer(async (req, res) => {
    try {
      await handle(req, res);
    } catch (e) {
      send(res, 500, { error: String(e?.stack ?? e) });
    }
  });

  async function handle(req, res) {
    const url = new URL(req.url, `http://${req.headers.host ?? "127.0.0.1"}`);
    if (url.pathname.startsWith("/__fake/")) {
      const body = await readBody(req, 64 * 1024 * 1024);
      return control(url, body.json ?? {}, res);
    }
    const body = await readBody(req, vendor.maxBody ?? DEFAULT_MAX_BODY);
    requests.push({
      method: req.method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body: body.json ?? body.raw,
      at: Date.now(),
    });
    if (body.tooLarge) return send(res, ...(vendor.tooLarge?.() ?? [413, { error: "payload_too_large" }]));
    const r = { method: req.method, path: url.pathname, query: url.searchParams, headers: req.headers, body: body.json, raw: body.raw, url: url.href };
    const denied = vendor.authorize(r);
    if (denied) return send(res, ...denied);
    const injected = failures.shift();
    if (injected) {
      if (injected.hang_ms !== undefined) {
        if (Number(injected.hang_ms) < 0) {
          hanging.add(res);
          res.on("close", () => hanging.delete(res));
          return; // never answers
        }
        await new Promise((ok) => setTimeout(ok, Number(injected.hang_ms)));
      } else if (Number(injected.status) === 429) {
        return send(res, ...vendor.throttled(injected));
      } else {
        return send(res, ...vendor.outage({ ...injected, status: Number(injected.status ?? 503) }));
      }
    }
    let out;
    if (body.invalid) {
      out = vendor.badJson?.() ?? [400, { error: "invalid_json" }];
    } else {
      try {
        out = vendor.route(r);
      } catch (e) {
        out = vendor.outage({ status: 500, message: String(e?.message ?? e) });
      }
      if (!out) out = vendor.notFound(r);
    }
    const [status, payload, headers = {}] = out;
    vendor.decorate?.(status, headers);
    send(res, status, payload, headers);
  }

  async function control(url, p, res) {
    switch (url.pathname) {
      case "/__fake/requests":
        return send(res, 200, requests);
      case "/__fake/reset":
        requests.length = 0;
        failures = [];
        for (const h of hanging) h.destroy();
        hanging.clear();
        vendor.reset();
        return send(res, 200, { ok: true });
      case "/__fake/state":
        return send(res, 200, vendor.state());
      case "/__fake/config":
        return send(res, 200, vendor.config);
      case "/__fake/fail": {
        if (p.status === undefined && p.hang_ms === undefined) return send(res, 400, { error: "give status (429, 5xx) or hang_ms" });
        const n = Math.max(1, Number(p.count ?? 1));
        for (let i = 0; i < n; i++) failures.push({ ...p });
        return send(res, 200, { queued: failures.length });
      }
      case "/__fake/message":
        return send(res, 200, vendor.addMessage(p));
      case "/__fake/webhook": {
        const mode = p.mode ?? "signed";
        if (!p.event) return send(res, 400, { error: "event is required" });
        if (!MODES.includes(mode)) return send(res, 400, { error: `mode must be one of ${MODES.join(", ")}` });
        let delivery;
        try {
          delivery = vendor.webhook(p.event, p.data ?? {}, mode);
        } catch (e) {
          return send(res, e instanceof FakeError ? e.status : 500, { error: String(e?.message ?? e) });
        }
        if (p.dry || !p.url) return send(res, 200, { delivery });
        try {
          return send(res, 200, await deliver(p.url, delivery));
        } catch (e) {
          return send(res, 502, { error: String(e?.cause?.message ?? e?.message ?? e), delivery });
        }
      }
      case "/__fake/redeliver":
        if (!p.url || !p.delivery?.body) return send(res, 400, { error: "url and delivery {headers, body} are required" });
        try {
          return send(res, 200, await deliver(p.url, p.delivery));
        } catch (e) {
          return send(res, 502, { error: String(e?.cause?.message ?? e?.message ?? e) });
        }
      default:
        return send(res, 404, { error: `unknown control route ${url.pathname}` });
    }
  }

  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      const { port: p } = server.address();
      const close = () => {
        for (const h of hanging) h.destroy();
        server.closeAllConnections?.();
        server.close();
      };
      resolve({ server, url: `http://127.0.0.1:${p}`, close });
    });
  });
}

/** A vendor-style random id: `len` characters of [0-9a-f] (or digits only, no leading 0). */
export function randomId(len = 24, digits = false) {
  const chars = digits ? "0123456789" : "0123456789abcdef";
  let s = digits ? String(1 + Math.floor(Math.random() * 9)) : "";
  while (s.length < len) s += chars[Math.floor(Math.random() * chars.length)];
  return s;
}

/** Upper-case alphanumerics, as LiveChat's chat/thread/event ids. */
export function upperId(len = 10) {
  const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  let s = "";
  while (s.length < len) s += chars[Math.floor(Math.random() * chars.length)];
  return s;
}

export const uuid = () => randomUUID();

/** Constant-time string equality (the fakes check credentials as vendors do). */
export function same(a, b) {
  const x = Buffer.from(String(a ?? ""));
  const y = Buffer.from(String(b ?? ""));
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

/** Basic credentials of a request, or null. */
export function basic(req) {
  const h = req.headers.authorization ?? "";
  if (!/^Basic /i.test(h)) return null;
  const [user, ...rest] = Buffer.from(h.slice(6).trim(), "base64").toString("utf8").split(":");
  return { user, pass: rest.join(":") };
}

/** The bearer token of a request, or null. */
export function bearer(req) {
  const m = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? "");
  return m ? m[1].trim() : null;
}

/** HTML as Intercom and Drift store a plain-text body: one escaped paragraph. */
export function paragraph(text) {
  const s = String(text ?? "");
  if (/^\s*</.test(s)) return s;
  return `<p>${s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")}</p>`;
}

/**
 * Applies a delivery mode after signing: `tampered` changes one text field of the body (the
 * signature no longer matches), `unsigned` drops the signature headers. `wrong_secret` and
 * `stale` are handled by the vendor while signing; a vendor whose scheme has no timestamp
 * refuses `stale` (FakeError 400).
 */
export function applyMode(delivery, mode, signatureHeaders) {
  if (mode === "tampered") {
    const before = delivery.body;
    delivery.body = before.replace(/"(text|body|msg|message)":"/, '"$1":"(edited) ');
    if (delivery.body === before) delivery.body = before.replace(/^\{/, '{"tampered":true,');
  } else if (mode === "unsigned") {
    for (const h of signatureHeaders) delete delivery.headers[h];
  }
  return delivery;
}

export function noStale(vendor, mode) {
  if (mode === "stale") throw new FakeError(400, `${vendor} webhooks carry no timestamp: mode "stale" does not apply`);
}
