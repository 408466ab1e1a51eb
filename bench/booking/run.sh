#!/usr/bin/env bash
# The availability benchmark: 30 days x 20 resources through the chat (the adapter's catalog
# + BookingAssistant, the Rust computation) beside BookingX's own PHP computation of the same
# days (get_display_availability_slots + get_verify_slot for every open slot), in one run, on
# the same data. BookingX is the real plugin when BOOKINGX_DIR points at a copy of it, else
# the test fixture (tests/fixtures/bookingx). Prints times and the ratio, and a
# machine-readable line prefixed "BENCH_JSON ".
#
# It starts a private WordPress site (scripts/site.sh, folder .run/bench-booking, its own
# database, dropped and re-created each run) and stops it at the end.
#
# Environment (all optional):
#   BOOKINGX_DIR            a BookingX plugin folder (the one with bookingx.php)
#   BKX_EXT_SO              the extension to load (default: the release build)
#   BKX_BENCH_BOOKING_PORT  site port (default 8095; the daemon gets the next one)
#   BKX_BENCH_RUNS          repetitions of the chat's computation (default 50; the median counts)
#   BKX_BENCH_BOOKINGX_RESOURCES  resources BookingX's own computation runs on (default 2; scaled to 20; the real plugin needs ~35 s per resource)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
PORT="${BKX_BENCH_BOOKING_PORT:-8095}"
export SITE_DIR="$ROOT/.run/bench-booking" SITE_PORT="$PORT" SITE_CHATD_PORT="$((PORT + 1))" \
       SITE_DB_NAME=bkx_bench_booking SITE_DB_USER=bkx_bench_booking SITE_FRESH=1 SITE_BLOCK_EXTERNAL=1

cleanup() { "$ROOT/scripts/site.sh" stop demo >/dev/null 2>&1 || true; }
trap cleanup EXIT

"$ROOT/scripts/site.sh" up demo >"$ROOT/.run/bench-booking.log" 2>&1 \
    || { cat "$ROOT/.run/bench-booking.log" >&2; echo "error: the benchmark site did not start" >&2; exit 1; }
grep -i 'bookingx' "$ROOT/.run/bench-booking.log" | sed 's/^/  /' >&2 || true

PHP_INI_SCAN_DIR="$SITE_DIR/php/cli-conf.d" php -d display_errors=stderr -d error_reporting=E_ALL\&~E_DEPRECATED \
    "$HERE/bench.php" "$SITE_DIR/wordpress" "http://127.0.0.1:$PORT"
