// Prints the benchmark table, the ratios (chatd vs node) and one JSON line (prefixed
// "BENCH_JSON "), from the loadgen results run.sh collected in --dir:
// {chatd,node}-idle.json and {chatd,node}-{throughput,latency}-<round>.json.
// Figures of the rounds are averaged; the per-round values are printed too.

import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: { dir: { type: "string" }, meta: { type: "string", default: "{}" }, out: { type: "string" } },
});
const meta = JSON.parse(values.meta);
const dir = values.dir;
const read = (f) => JSON.parse(readFileSync(path.join(dir, f), "utf8"));
const servers = ["chatd", "node"];
const rounds = (server, phase) =>
  readdirSync(dir)
    .filter((f) => f.startsWith(`${server}-${phase}-`) && f.endsWith(".json"))
    .sort((a, b) => parseInt(a.split("-").pop(), 10) - parseInt(b.split("-").pop(), 10))
    .map(read);
const R = Object.fromEntries(
  servers.map((s) => [s, { idle: read(`${s}-idle.json`), throughput: rounds(s, "throughput"), latency: rounds(s, "latency") }]),
);

const mean = (xs) => {
  const v = xs.filter((x) => typeof x === "number");
  return v.length ? Math.round((v.reduce((a, b) => a + b, 0) / v.length) * 100) / 100 : null;
};
const sumObjects = (objs) => {
  const out = {};
  for (const o of objs) for (const [k, v] of Object.entries(o)) out[k] = (out[k] || 0) + v;
  return out;
};
const counts = R.chatd.idle.steps.map((x) => x.target);

function figures(r) {
  const tp = r.throughput;
  const lat = r.latency;
  const f = {
    throughput_msgs_per_s: mean(tp.map((x) => x.throughput)),
    saturation_latency_p50_ms: mean(tp.map((x) => x.latency_ms.p50)),
    saturation_latency_p99_ms: mean(tp.map((x) => x.latency_ms.p99)),
    fixed_rate_latency_p50_ms: mean(lat.map((x) => x.latency_ms.p50)),
    fixed_rate_latency_p99_ms: mean(lat.map((x) => x.latency_ms.p99)),
    fixed_rate_delivered_msgs_per_s: mean(lat.map((x) => x.throughput)),
  };
  for (const n of counts) f[`idle_rss_per_connection_kib_at_${n}`] = r.idle.steps.find((x) => x.target === n)?.per_connection_kib ?? null;
  f.idle_baseline_rss_mib = Math.round((r.idle.baseline_rss_kib / 1024) * 10) / 10;
  f.server_cpu_pct_at_saturation = mean(tp.map((x) => x.server_cpu_pct));
  f.server_cpu_ms_per_1000_msgs = mean(
    tp.map((x) => (x.server_cpu_pct == null || !x.throughput ? null : Math.round(((x.server_cpu_pct * 10) / x.throughput) * 1000 * 10) / 10)),
  );
  f.db_cpu_pct_at_saturation = mean(tp.map((x) => x.db_cpu_pct));
  f.loadgen_cpu_pct_at_saturation = mean(tp.map((x) => x.loadgen_cpu_pct));
  // Whatever else ran on the machine during the windows (other processes, the kernel).
  f.other_cpu_pct_at_saturation = mean(
    tp.map((x) => (x.machine_cpu_pct == null ? null : Math.max(0, x.machine_cpu_pct - x.server_cpu_pct - (x.db_cpu_pct ?? 0) - x.loadgen_cpu_pct))),
  );
  f.per_round = {
    throughput_msgs_per_s: tp.map((x) => x.throughput),
    saturation_latency_p99_ms: tp.map((x) => x.latency_ms.p99),
    fixed_rate_latency_p99_ms: lat.map((x) => x.latency_ms.p99),
  };
  f.errors = sumObjects([...tp.map((x) => x.errors), ...lat.map((x) => x.errors)]);
  f.lost = [...tp, ...lat].reduce((a, x) => a + x.lost_after_drain, 0);
  f.skipped_by_generator = lat.reduce((a, x) => a + x.skipped_by_generator, 0);
  f.idle_failed_connections = r.idle.failed;
  return f;
}
const F = Object.fromEntries(servers.map((s) => [s, figures(R[s])]));

// [key, label, better, decimals, one of the target's figures]. A ratio > 1 means chatd is
// ahead: higher-is-better figures divide chatd by node, the others node by chatd.
const rows = [
  ["throughput_msgs_per_s", "throughput, messages delivered/s", "higher", 1, true],
  ["saturation_latency_p50_ms", "send→deliver p50 at saturation (ms)", "lower", 1, true],
  ["saturation_latency_p99_ms", "send→deliver p99 at saturation (ms)", "lower", 1, true],
  ["fixed_rate_latency_p50_ms", `send→deliver p50 at ${meta.fixed_rate ?? "?"} msg/s (ms)`, "lower", 1, true],
  ["fixed_rate_latency_p99_ms", `send→deliver p99 at ${meta.fixed_rate ?? "?"} msg/s (ms)`, "lower", 1, true],
  ...counts.map((n) => [`idle_rss_per_connection_kib_at_${n}`, `RSS per idle connection at ${n.toLocaleString("en")} (KiB)`, "lower", 1, true]),
  ["server_cpu_ms_per_1000_msgs", "server CPU per 1 000 messages (ms) *", "lower", 0, false],
];
const ratios = {};
for (const [key, , better] of rows) {
  const c = F.chatd[key];
  const n = F.node[key];
  ratios[key] = c == null || n == null || c <= 0 || n <= 0 ? null : Math.round((better === "higher" ? c / n : n / c) * 100) / 100;
}

const fmt = (v, d) => (v == null ? "n/a" : v.toLocaleString("en", { minimumFractionDigits: d, maximumFractionDigits: d }));
const w0 = Math.max(...rows.map((r) => r[1].length)) + 2;
const line = (a, b, c, d) => `${a.padEnd(w0)}${b.padStart(10)}${c.padStart(10)}${d.padStart(16)}`;
const out = [];
out.push("");
out.push(`bkx-chatd vs Node.js reference (socket.io + jsonwebtoken + sanitize-html + mysql2), ${meta.cpus ?? "?"} CPU, ${meta.database ?? ""}`);
out.push(
  `load: ${meta.pairs} sender/receiver pairs, websocket, loopback; saturation = closed loop, ${meta.inflight} in flight per sender, ` +
    `${meta.warmup_s}s warm-up + ${meta.window_s}s window; fixed rate: 3s warm-up + ${meta.latency_window_s}s window; ` +
    `${meta.rounds} round(s), order alternating, averaged`,
);
out.push(
  `every ${meta.html_every === 1 ? "" : `${meta.html_every}nd `}message carries HTML to sanitise; ` +
    "flood control ([limits] of bkx-chatd, the same buckets in the reference) raised on both servers so it never throttles the benchmark",
);
if (meta.loadavg_start != null) {
  // The value after the run includes the benchmark's own processes; only the one before
  // tells whether other work was running.
  const busy = meta.loadavg_start > 0.5 * (meta.cpus || 1);
  out.push(
    `load average before the run ${meta.loadavg_start} (after it, with the benchmark's own load: ${meta.loadavg_end ?? "?"})` +
      (busy ? "  WARNING: other work was running on this machine; the figures are noisy" : ""),
  );
}
out.push("");
out.push(line("", "chatd", "node", "chatd vs node"));
out.push(line("", "-----", "----", "-------------"));
for (const [key, label, , d] of rows) {
  const r = ratios[key];
  out.push(line(label, fmt(F.chatd[key], d), fmt(F.node[key], d), r == null ? "n/a" : `${r.toFixed(2)}x ${r >= 1 ? "ahead" : "behind"}`));
}
out.push("* at saturation; informative, not one of the target's figures");
out.push("");
for (const s of servers) {
  const f = F[s];
  out.push(
    `${s}: per round: throughput ${f.per_round.throughput_msgs_per_s.join(" / ")} msg/s, p99 at saturation ` +
      `${f.per_round.saturation_latency_p99_ms.join(" / ")} ms, p99 at fixed rate ${f.per_round.fixed_rate_latency_p99_ms.join(" / ")} ms`,
  );
  out.push(
    `${s}: at saturation server CPU ${fmt(f.server_cpu_pct_at_saturation, 0)}% of a core, database ${fmt(f.db_cpu_pct_at_saturation, 0)}%, ` +
      `load generator ${fmt(f.loadgen_cpu_pct_at_saturation, 0)}%, everything else (other processes, interrupts) ${fmt(f.other_cpu_pct_at_saturation, 0)}%; ` +
      `idle baseline RSS ${f.idle_baseline_rss_mib} MiB; ` +
      `errors ${JSON.stringify(f.errors)}, lost ${f.lost}, skipped by the generator ${f.skipped_by_generator}, ` +
      `failed idle connections ${f.idle_failed_connections}`,
  );
}
const sample = (s, k) => R[s].throughput[0]?.sample_bodies?.[k] ?? null;
const same = ["html", "plain"].every((k) => sample("chatd", k) !== null && sample("chatd", k) === sample("node", k));
out.push(`the same messages come out of both sanitisers identical: ${same ? "yes" : "NO"}`);
if (!same) for (const s of servers) out.push(`  ${s}: ${sample(s, "html")} | ${sample(s, "plain")}`);
const targetRows = rows.filter((r) => r[4]);
const ahead = targetRows.every(([k]) => ratios[k] != null && ratios[k] >= 1);
const t3 = (ratios.throughput_msgs_per_s ?? 0) >= 3;
const m3 = counts.every((n) => (ratios[`idle_rss_per_connection_kib_at_${n}`] ?? 0) >= 3);
out.push(
  `target (chatd ahead on every figure; >= 3x on throughput and memory): ahead on every figure: ${ahead ? "yes" : "NO"}; ` +
    `throughput >= 3x: ${t3 ? "yes" : "NO"}; memory >= 3x: ${m3 ? "yes" : "NO"}`,
);
console.log(out.join("\n"));

const json = {
  bench: "bkx-chat",
  meta,
  figures: F,
  ratios_chatd_vs_node: ratios,
  target: { ahead_on_every_figure: ahead, throughput_3x: t3, memory_3x: m3 },
};
console.log(`BENCH_JSON ${JSON.stringify(json)}`);
// The file also keeps every raw loadgen result.
if (values.out) writeFileSync(values.out, JSON.stringify({ ...json, raw: R }) + "\n");
