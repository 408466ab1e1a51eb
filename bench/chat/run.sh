#!/usr/bin/env bash
# The chat benchmark: bkx-chatd (release build) against the Node.js + Socket.IO reference
# server, one after the other, under the same load generator, on loopback. Prints one table,
# the ratios (chatd vs node) and a machine-readable JSON line (prefixed "BENCH_JSON ").
#
# Phases (each on a freshly started server process):
#   1. idle memory   open 1 000 then 10 000 idle authenticated websocket connections and read
#                    the server's VmRSS (per connection = (RSS - baseline) / connections)
#   2. throughput    N sender/receiver pairs, closed loop; messages delivered per second
#   3. latency       the same pairs, open loop at a fixed rate both servers sustain
# 2 and 3 run in rounds (BKX_BENCH_ROUNDS), chatd first in odd rounds and node first in even.
#
# Environment (all optional):
#   BKX_CHATD_BIN        daemon binary (default: target/release/bkx-chatd of this repository)
#   BKX_BENCH_DB_HOST/PORT/USER/PASS/NAME   MariaDB/MySQL (default root@127.0.0.1:3306,
#                        database bkx_livechat_bench, created if missing; tables are prefixed
#                        per run and dropped at the end)
#   BKX_BENCH_PAIRS (64) BKX_BENCH_INFLIGHT (2) BKX_BENCH_WARMUP (5) BKX_BENCH_DURATION (10)
#   BKX_BENCH_LAT_DURATION (8) BKX_BENCH_ROUNDS (2: throughput and latency are measured in
#                        rounds, the servers' order alternating; the report averages them)
#   BKX_BENCH_RATE (100, msg/s of the fixed-rate latency phase) BKX_BENCH_HTML_EVERY (2)
#   BKX_BENCH_IDLE_COUNTS (1000,10000) BKX_BENCH_IDLE_PROCS (4)
#   BKX_BENCH_SERVERS (chatd,node) BKX_BENCH_PHASES (idle,load) — subsets, for iterating;
#                        the report then shows only what was measured
#   BKX_BENCH_OUT        also write the JSON (with every raw load-generator result) to this file
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
CHATD_BIN="${BKX_CHATD_BIN:-$ROOT/target/release/bkx-chatd}"
DB_HOST="${BKX_BENCH_DB_HOST:-127.0.0.1}"
DB_PORT="${BKX_BENCH_DB_PORT:-3306}"
DB_USER="${BKX_BENCH_DB_USER:-root}"
DB_PASS="${BKX_BENCH_DB_PASS:-}"
DB_NAME="${BKX_BENCH_DB_NAME:-bkx_livechat_bench}"
PAIRS="${BKX_BENCH_PAIRS:-64}"
INFLIGHT="${BKX_BENCH_INFLIGHT:-2}"
WARMUP="${BKX_BENCH_WARMUP:-5}"
DURATION="${BKX_BENCH_DURATION:-10}"
LAT_DURATION="${BKX_BENCH_LAT_DURATION:-8}"
ROUNDS="${BKX_BENCH_ROUNDS:-2}"
RATE="${BKX_BENCH_RATE:-100}"
HTML_EVERY="${BKX_BENCH_HTML_EVERY:-2}"
IDLE_COUNTS="${BKX_BENCH_IDLE_COUNTS:-1000,10000}"
IDLE_PROCS="${BKX_BENCH_IDLE_PROCS:-4}"
SERVERS="${BKX_BENCH_SERVERS:-chatd,node}"
PHASES="${BKX_BENCH_PHASES:-idle,load}"
# Flood control is raised for both servers so that it never throttles the benchmark.
RAISED_BURST=1000000
RAISED_PER_SEC=1000000

say() { printf '[bench] %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

[[ "$DB_NAME" =~ ^[A-Za-z0-9_]+$ ]] || die "BKX_BENCH_DB_NAME must be letters, digits and underscores"
for v in PAIRS INFLIGHT WARMUP DURATION LAT_DURATION ROUNDS RATE HTML_EVERY; do
  [[ "${!v}" =~ ^[0-9]+$ ]] || die "BKX_BENCH_$v must be a whole number"
done
(( ROUNDS >= 1 && ROUNDS <= 10 )) || die "BKX_BENCH_ROUNDS must be between 1 and 10"
[[ -x "$CHATD_BIN" ]] || die "bkx-chatd not found at $CHATD_BIN (run: cargo build --release -p bkx-chatd)"
command -v node >/dev/null || die "node (>= 20) is required"
MYSQL_CLI="$(command -v mariadb || command -v mysql || true)"
[[ -n "$MYSQL_CLI" ]] || die "the mariadb (or mysql) command-line client is required"
sql() { MYSQL_PWD="$DB_PASS" "$MYSQL_CLI" -h "$DB_HOST" -P "$DB_PORT" -u "$DB_USER" --connect-timeout=5 -N -B "$@"; }

cd "$HERE"
if [[ ! -d node_modules/socket.io || package-lock.json -nt node_modules/.package-lock.json ]]; then
  say "installing the benchmark's npm packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error >&2
fi

# Both servers hold 10 000+ sockets: raise the soft descriptor limit to the hard one.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
(( $(ulimit -n) >= 12000 )) || die "need a file-descriptor limit of at least 12000 (have $(ulimit -n))"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/bkx-chat-bench.XXXXXX")"
RUN_ID="$(node -e 'process.stdout.write(require("crypto").randomBytes(3).toString("hex"))')"
SECRET="$(node -e 'process.stdout.write(require("crypto").randomBytes(24).toString("hex"))')"
PREFIX_CHATD="bkxbench_${RUN_ID}_c_"
PREFIX_NODE="bkxbench_${RUN_ID}_n_"
SERVER_PID=""
LOADGEN_PID=""

# The load generator runs in the background so that a signal reaches the trap at once.
loadgen() { # output-file args...
  local out="$1"; shift
  node loadgen.mjs "$@" >"$out" &
  LOADGEN_PID=$!
  wait "$LOADGEN_PID"
  LOADGEN_PID=""
}

stop_server() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
}

drop_tables() {
  local like list="" t
  like="bkxbench\\_${RUN_ID}\\_%"
  while IFS= read -r t; do
    [[ -n "$t" ]] && list+="${list:+, }\`$t\`"
  done < <(sql -D "$DB_NAME" -e "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name LIKE '$like'" 2>/dev/null || true)
  if [[ -n "$list" ]]; then
    sql -D "$DB_NAME" -e "SET FOREIGN_KEY_CHECKS = 0; DROP TABLE IF EXISTS $list" 2>/dev/null || true
  fi
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if (( rc != 0 )); then
    for f in "$WORK"/*.log; do
      [[ -s "$f" ]] && { say "last lines of $(basename "$f"):"; tail -n 20 "$f" >&2; }
    done
  fi
  if [[ -n "$LOADGEN_PID" ]]; then kill -TERM "$LOADGEN_PID" 2>/dev/null || true; wait "$LOADGEN_PID" 2>/dev/null || true; fi
  stop_server
  drop_tables
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{process.stdout.write(String(s.address().port));s.close()})'
}

wait_healthy() { # url name
  local i
  for i in $(seq 1 200); do
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      say "$2 exited during start-up; its log:"; tail -n 30 "$WORK/$2.log" >&2; exit 1
    fi
    if node -e 'fetch(process.argv[1]).then(r=>process.exit(r.status===200?0:1),()=>process.exit(1))' "$1/healthz"; then
      return 0
    fi
    sleep 0.1
  done
  die "$2 did not become healthy at $1"
}

start_chatd() { # prefix -> sets SERVER_PID, URL
  local port cfg
  port="$(free_port)"
  cfg="$WORK/chatd-$port.toml"
  cat >"$cfg" <<EOF
listen = "127.0.0.1:$port"
db_host = "$DB_HOST"
db_port = $DB_PORT
db_user = "$DB_USER"
db_password = "$DB_PASS"
db_name = "$DB_NAME"
db_prefix = "$1"
db_max_connections = 16
secret = "$SECRET"
log_level = "warn"

[limits]
messages_per_connection = { burst = $RAISED_BURST, per_sec = $RAISED_PER_SEC.0 }
messages_per_identity = { burst = $RAISED_BURST, per_sec = $RAISED_PER_SEC.0 }
events_per_connection = { burst = $RAISED_BURST, per_sec = $RAISED_PER_SEC.0 }
EOF
  env -u RUST_LOG $(env | sed -n 's/^\(BKX_CHATD_[A-Z_]*\)=.*/-u \1/p') \
    "$CHATD_BIN" --config "$cfg" >>"$WORK/chatd.log" 2>&1 &
  SERVER_PID=$!
  URL="http://127.0.0.1:$port"
  wait_healthy "$URL" chatd
}

start_node() { # prefix -> sets SERVER_PID, URL
  local port
  port="$(free_port)"
  BENCH_LISTEN="127.0.0.1:$port" BENCH_SECRET="$SECRET" BENCH_DB_HOST="$DB_HOST" \
    BENCH_DB_PORT="$DB_PORT" BENCH_DB_USER="$DB_USER" BENCH_DB_PASS="$DB_PASS" \
    BENCH_DB_NAME="$DB_NAME" BENCH_DB_PREFIX="$1" BENCH_DB_POOL=16 \
    BENCH_RATE_BURST="$RAISED_BURST" BENCH_RATE_PER_SEC="$RAISED_PER_SEC" NODE_ENV=production \
    node reference-server.mjs >>"$WORK/node.log" 2>&1 &
  SERVER_PID=$!
  URL="http://127.0.0.1:$port"
  wait_healthy "$URL" node
}

DB_PID="$(pidof mariadbd 2>/dev/null || pidof mysqld 2>/dev/null || true)"
DB_PID="${DB_PID%% *}"

sql -e "CREATE DATABASE IF NOT EXISTS \`$DB_NAME\`" || die "cannot reach MariaDB/MySQL as $DB_USER@$DB_HOST:$DB_PORT"

say "machine: $(nproc) CPU, $(node -v), $("$CHATD_BIN" --version), database $(sql -e 'SELECT VERSION()')"
say "flood control raised on both servers for the benchmark: every bucket burst $RAISED_BURST, $RAISED_PER_SEC/s"

# The reference server writes the same tables; bkx-chatd's migration creates them.
say "migrating the reference server's tables with bkx-chatd (prefix $PREFIX_NODE)"
start_chatd "$PREFIX_NODE"; stop_server

LOADAVG_START="$(cut -d' ' -f1 /proc/loadavg)"
(( $(awk '{print ($1 > 0.5 * '"$(nproc)"')}' /proc/loadavg) )) &&
  say "warning: load average $LOADAVG_START before the run: other work on this machine will make the figures noisy"
START_TS=$SECONDS
prefix_of() { if [[ "$1" == node ]]; then echo "$PREFIX_NODE"; else echo "$PREFIX_CHATD"; fi; }

want_server() { [[ ",$SERVERS," == *",$1,"* ]]; }
want_phase() { [[ ",$PHASES," == *",$1,"* ]]; }

for server in chatd node; do
  want_phase idle && want_server "$server" || continue
  say "== $server: idle connections ($IDLE_COUNTS)"
  "start_$server" "$(prefix_of "$server")"
  loadgen "$WORK/$server-idle.json" idle --url "$URL" --secret "$SECRET" --pid "$SERVER_PID" \
    --counts "$IDLE_COUNTS" --procs "$IDLE_PROCS" --settle 3
  stop_server
done

# Throughput and latency in rounds, the order alternating (chatd node, node chatd, ...), so
# that drifting background load on the machine hits both servers alike.
for round in $(seq 1 "$ROUNDS"); do
  want_phase load || break
  order="chatd node"; (( round % 2 == 0 )) && order="node chatd"
  for server in $order; do
    want_server "$server" || continue
    "start_$server" "$(prefix_of "$server")"
    say "== round $round/$ROUNDS, $server: throughput ($PAIRS pairs, $INFLIGHT in flight per sender, ${WARMUP}s warm-up, ${DURATION}s window)"
    loadgen "$WORK/$server-throughput-$round.json" pairs --url "$URL" --secret "$SECRET" --pid "$SERVER_PID" \
      ${DB_PID:+--db-pid "$DB_PID"} --pairs "$PAIRS" --inflight "$INFLIGHT" --warmup "$WARMUP" \
      --duration "$DURATION" --html-every "$HTML_EVERY"
    say "== round $round/$ROUNDS, $server: latency at a fixed $RATE msg/s (3s warm-up, ${LAT_DURATION}s window)"
    loadgen "$WORK/$server-latency-$round.json" pairs --url "$URL" --secret "$SECRET" --pid "$SERVER_PID" \
      ${DB_PID:+--db-pid "$DB_PID"} --pairs "$PAIRS" --rate "$RATE" --warmup 3 --duration "$LAT_DURATION" \
      --html-every "$HTML_EVERY"
    stop_server
  done
done
say "load phases took $((SECONDS - START_TS)) s"

LOADAVG_END="$(cut -d' ' -f1 /proc/loadavg)"
META="$(CHATD_VERSION="$("$CHATD_BIN" --version)" DB_VERSION="$(sql -e 'SELECT VERSION()')" \
  CPUS="$(nproc)" PAIRS="$PAIRS" INFLIGHT="$INFLIGHT" WARMUP="$WARMUP" DURATION="$DURATION" \
  LAT_DURATION="$LAT_DURATION" ROUNDS="$ROUNDS" \
  RATE="$RATE" HTML_EVERY="$HTML_EVERY" LOADAVG_START="$LOADAVG_START" LOADAVG_END="$LOADAVG_END" \
  node -e 'const e = process.env; process.stdout.write(JSON.stringify({
    cpus: +e.CPUS, chatd: e.CHATD_VERSION, node: process.version, database: e.DB_VERSION,
    pairs: +e.PAIRS, inflight: +e.INFLIGHT, warmup_s: +e.WARMUP, window_s: +e.DURATION,
    latency_window_s: +e.LAT_DURATION, rounds: +e.ROUNDS,
    fixed_rate: +e.RATE, html_every: +e.HTML_EVERY, flood_control_raised: true,
    loadavg_start: +e.LOADAVG_START, loadavg_end: +e.LOADAVG_END }))')"
if [[ "$SERVERS" != "chatd,node" || "$PHASES" != "idle,load" ]]; then
  say "subset run ($SERVERS; $PHASES): raw load-generator results, no report"
  for f in "$WORK"/*.json; do printf '%s %s\n' "$(basename "$f" .json)" "$(cat "$f")"; done
  exit 0
fi
node report.mjs --meta "$META" --dir "$WORK" ${BKX_BENCH_OUT:+--out "$BKX_BENCH_OUT"}
