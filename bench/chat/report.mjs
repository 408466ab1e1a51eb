// Prints the benchmark table, the ratios (chatd vs node) and one JSON line, from the JSON
// results run.sh collected: {chatd,node}-{idle,throughput,latency}.json in --dir.

import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: { dir: { type: "string" }, meta: { type: "string", default: "{}" }, out: { type: "string" } },
});
const meta = JSON.parse(values.meta);
const load = (server, phase) => JSON.parse(readFileSync(path.join(values.dir, `${server}-${phase}.json`), "utf8"));
const servers = ["chatd", "node"];
const R = Object.fromEntries(
  servers.map((s) => [s, { idle: load(s, "idle"), throughput: load(s, "throughput"), latency: load(s, "latency") }]),
);

const step = (r, n) => r.idle.steps.find((x) => x.target === n) ?? null;
const counts = R.chatd.idle.steps.map((x) => x.target);

function figures(r) {
  const f = {
    throughput_msgs_per_s: r.throughput.throughput,
    saturation_latency_p50_ms: r.throughput.latency_ms.p50,
    saturation_latency_p99_ms: r.throughput.latency_ms.p99,
    fixed_rate_latency_p50_ms: r.latency.latency_ms.p50,
    fixed_rate_latency_p99_ms: r.latency.latency_ms.p99,
    fixed_rate_delivered_msgs_per_s: r.latency.throughput,
  };
  for (const n of counts) f[`idle_rss_per_connection_kib_at_${n}`] = step(r, n)?.per_connection_kib ?? null;
  f.server_cpu_pct_at_saturation = r.throughput.server_cpu_pct;
  f.server_cpu_ms_per_1000_msgs =
    r.throughput.server_cpu_pct == null || !r.throughput.throughput
      ? null
      : Math.round(((r.throughput.server_cpu_pct * 10) / r.throughput.throughput) * 1000 * 10) / 10;
  f.db_cpu_pct_at_saturation = r.throughput.db_cpu_pct;
  f.loadgen_cpu_pct_at_saturation = r.throughput.loadgen_cpu_pct;
  f.errors = { ...r.throughput.errors, ...Object.fromEntries(Object.entries(r.latency.errors).map(([k, v]) => [`fixed_rate_${k}`, v])) };
  f.lost = r.throughput.lost_after_drain + r.latency.lost_after_drain;
  f.idle_failed_connections = r.idle.failed;
  return f;
}
const F = Object.fromEntries(servers.map((s) => [s, figures(R[s])]));

// Ratio > 1 means chatd is ahead: higher-is-better figures divide chatd by node, the others
// node by chatd.
const rows = [
  ["throughput_msgs_per_s", "throughput, messages delivered/s", "higher", 1],
  ["saturation_latency_p50_ms", "send→deliver p50 at saturation (ms)", "lower", 2],
  ["saturation_latency_p99_ms", "send→deliver p99 at saturation (ms)", "lower", 2],
  ["fixed_rate_latency_p50_ms", `send→deliver p50 at ${meta.fixed_rate ?? "?"} msg/s (ms)`, "lower", 2],
  ["fixed_rate_latency_p99_ms", `send→deliver p99 at ${meta.fixed_rate ?? "?"} msg/s (ms)`, "lower", 2],
  ...counts.map((n) => [`idle_rss_per_connection_kib_at_${n}`, `RSS per idle connection at ${n.toLocaleString("en")} (KiB)`, "lower", 1]),
  ["server_cpu_ms_per_1000_msgs", "server CPU per 1 000 messages (ms)", "lower", 1],
];
const ratios = {};
for (const [key, , better] of rows) {
  const c = F.chatd[key];
  const n = F.node[key];
  ratios[key] = c == null || n == null || c <= 0 || n <= 0 ? null : Math.round((better === "higher" ? c / n : n / c) * 100) / 100;
}

const fmt = (v, d) => (v == null ? "n/a" : v.toLocaleString("en", { minimumFractionDigits: d, maximumFractionDigits: d }));
const w0 = Math.max(...rows.map((r) => r[1].length)) + 2;
const line = (a, b, c, d) => `${a.padEnd(w0)}${b.padStart(12)}${c.padStart(12)}${d.padStart(16)}`;
const out = [];
out.push("");
out.push(`bkx-chatd vs Node.js reference (socket.io + jsonwebtoken + sanitize-html + mysql2), ${meta.cpus ?? "?"} CPU`);
out.push(
  `load: ${meta.pairs} sender/receiver pairs on loopback, websocket transport; throughput closed loop (${meta.inflight} in flight per sender), ` +
    `${meta.warmup_s}s warm-up + ${meta.window_s}s window; every ${meta.html_every === 1 ? "" : `${meta.html_every}nd `}message carries HTML to sanitise`,
);
out.push("flood control ([limits] of bkx-chatd, the same buckets in the reference) raised on both servers so it never throttles the benchmark");
if (meta.loadavg_start != null) {
  out.push(
    `load average before the run: ${meta.loadavg_start}, after: ${meta.loadavg_end ?? "?"}` +
      (Math.max(meta.loadavg_start, meta.loadavg_end ?? 0) > 0.5 * (meta.cpus || 1)
        ? "  (WARNING: other work was running on this machine; the figures are noisy)"
        : ""),
  );
}
out.push("");
out.push(line("", "chatd", "node", "chatd vs node"));
out.push(line("", "-----", "----", "-------------"));
for (const [key, label, , d] of rows) {
  const r = ratios[key];
  out.push(line(label, fmt(F.chatd[key], d), fmt(F.node[key], d), r == null ? "n/a" : `${r.toFixed(2)}x ${r >= 1 ? "ahead" : "behind"}`));
}
out.push("");
for (const s of servers) {
  const f = F[s];
  out.push(
    `${s}: server CPU ${fmt(f.server_cpu_pct_at_saturation, 0)}% of a core at saturation, database ${fmt(f.db_cpu_pct_at_saturation, 0)}%, ` +
      `load generator ${fmt(f.loadgen_cpu_pct_at_saturation, 0)}%; errors ${JSON.stringify(f.errors)}, lost ${f.lost}, ` +
      `failed idle connections ${f.idle_failed_connections}`,
  );
}
const samples = servers.map((s) => R[s].throughput.sample_bodies?.html ?? null);
out.push(`sanitised HTML sample identical on both servers: ${samples[0] !== null && samples[0] === samples[1] ? "yes" : "NO"}`);
if (samples[0] !== samples[1]) for (const [i, s] of servers.entries()) out.push(`  ${s}: ${samples[i]}`);
const ahead = rows.every(([k]) => ratios[k] != null && ratios[k] >= 1);
const t3 = (ratios.throughput_msgs_per_s ?? 0) >= 3;
const m3 = counts.every((n) => (ratios[`idle_rss_per_connection_kib_at_${n}`] ?? 0) >= 3);
out.push(
  `target (chatd ahead on every figure; >= 3x on throughput and memory): ahead on every figure: ${ahead ? "yes" : "no"}; ` +
    `throughput >= 3x: ${t3 ? "yes" : "no"}; memory >= 3x: ${m3 ? "yes" : "no"}`,
);
console.log(out.join("\n"));

const json = { bench: "bkx-chat", meta, figures: F, ratios_chatd_vs_node: ratios, target: { ahead_on_every_figure: ahead, throughput_3x: t3, memory_3x: m3 } };
console.log(`BENCH_JSON ${JSON.stringify(json)}`);
// The file also keeps every raw loadgen result.
if (values.out) writeFileSync(values.out, JSON.stringify({ ...json, raw: R }) + "\n");
