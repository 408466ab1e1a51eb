// The plumbing every fake vendor shares: an HTTP server on loopback, JSON bodies with the
// vendor's size limit, a record of every API request, failure injection (429 storms,
// outages, hangs) and the control routes under /__fake/ that tests drive.
//
// A vendor module exports `create(config)` returning:
//   { name, authorize(req) -> null | [status, body],   // the vendor's auth check
//     route(req) -> [status, body, headers?] | null,   // its API (null: 404 of the vendor)
//     notFound(req) -> [status, body],
//     throttled(seconds) -> [status, body, headers],   // its 429
//     outage(status) -> [status, body],                // its 5xx
//     webhook(event, data, mode) -> { headers, body }, // a delivery, signed as it signs
//     addMessage(data) -> message,                     // vendor-side activity, no webhook
//     state() -> object, reset() }

import http from "node:http";

const MAX_BODY = 100 * 1024;

function send(res, status, body, headers = {}) {
  const text = body === undefined || body === null ? "" : JSON.stringify(body);
  res.writeHead(status, {
    ...(text ? { "Content-Type": "application/json; charset=utf-8" } : {}),
    "Content-Length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

async function readBody(req) {
  const chunks = [];
  let size = 0;
  for await (const c of req) {
    size += c.length;
    if (size > MAX_BODY) return { tooLarge: true };
    chunks.push(c);
  }
  const raw = Buffer.concat(chunks).toString("utf8");
  if (!raw) return { raw, json: undefined };
  try {
    return { raw, json: JSON.parse(raw) };
  } catch {
    return { raw, json: undefined, invalid: true };
  }
}

/** Posts a delivery to `url` (the WordPress webhook route); answers what WordPress said. */
export async function deliver(url, delivery) {
  const r = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...delivery.headers },
    body: delivery.body,
    signal: AbortSignal.timeout(10_000),
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

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, "http://fake");
    const body = await readBody(req);
    if (url.pathname.startsWith("/__fake/")) {
      return control(url, body.json ?? {}, res);
    }
    const record = {
      method: req.method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body: body.json ?? body.raw,
      at: Date.now(),
    };
    requests.push(record);
    if (body.tooLarge) return send(res, 413, vendor.tooLarge?.() ?? { error: "payload_too_large" });
    const denied = vendor.authorize(req);
    if (denied) return send(res, ...denied);
    const injected = failures.shift();
    if (injected) {
      if (injected.hang_ms !== undefined) {
        if (injected.hang_ms < 0) return; // never answers
        await new Promise((r) => setTimeout(r, injected.hang_ms));
      } else if (injected.status === 429) {
        return send(res, ...vendor.throttled(injected));
      } else {
        return send(res, ...vendor.outage(injected.status));
      }
    }
    if (body.invalid) return send(res, 400, vendor.badJson?.() ?? { error: "invalid_json" });
    const req2 = { method: req.method, path: url.pathname, query: url.searchParams, headers: req.headers, body: body.json };
    let out;
    try {
      out = vendor.route(req2);
    } catch (e) {
      out = [500, { error: String(e?.message ?? e) }];
    }
    if (!out) out = vendor.notFound(req2);
    send(res, ...out);
  });

  async function control(url, p, res) {
    switch (url.pathname) {
      case "/__fake/requests":
        return send(res, 200, requests);
      case "/__fake/reset":
        requests.length = 0;
        failures = [];
        vendor.reset();
        return send(res, 200, { ok: true });
      case "/__fake/state":
        return send(res, 200, vendor.state());
      case "/__fake/fail": {
        const n = Math.max(1, Number(p.count ?? 1));
        for (let i = 0; i < n; i++) failures.push({ ...p });
        return send(res, 200, { queued: failures.length });
      }
      case "/__fake/message":
        return send(res, 200, vendor.addMessage(p));
      case "/__fake/webhook": {
        if (!p.url) return send(res, 400, { error: "url is required" });
        const delivery = vendor.webhook(p.event, p.data ?? {}, p.mode ?? "signed");
        if (p.dry) return send(res, 200, { delivery });
        try {
          return send(res, 200, await deliver(p.url, delivery));
        } catch (e) {
          return send(res, 502, { error: String(e?.message ?? e), delivery });
        }
      }
      case "/__fake/redeliver":
        try {
          return send(res, 200, await deliver(p.url, p.delivery));
        } catch (e) {
          return send(res, 502, { error: String(e?.message ?? e) });
        }
      default:
        return send(res, 404, { error: "unknown control route" });
    }
  }

  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      const { port: p } = server.address();
      resolve({ server, url: `http://127.0.0.1:${p}` });
    });
  });
}

/** A vendor-style random id: `len` characters of [0-9a-f] (or digits only). */
export function randomId(len = 24, digits = false) {
  const chars = digits ? "0123456789" : "0123456789abcdef";
  let s = digits ? String(1 + Math.floor(Math.random() * 9)) : "";
  while (s.length < len) s += chars[Math.floor(Math.random() * chars.length)];
  return s;
}

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
  if (!h.startsWith("Basic ")) return null;
  const [user, ...rest] = Buffer.from(h.slice(6), "base64").toString("utf8").split(":");
  return { user, pass: rest.join(":") };
}

/** Tampering modes shared by the webhook builders: what to do to a signed delivery. */
export function applyMode(delivery, mode, signatureHeaders) {
  if (mode === "tampered") {
    // Changed after signing: one character of the body.
    delivery.body = delivery.body.replace(/"(text|body|msg)":"/, '"$1":"(edited) ');
  } else if (mode === "unsigned") {
    for (const h of signatureHeaders) delete delivery.headers[h];
  }
  return delivery;
}
