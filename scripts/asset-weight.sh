#!/usr/bin/env bash
# Gzip weight of the customer widget, against its budget (DESIGN.md, "Front end"):
#   loader.js  on every page where the chat shows           <= 3 KB gzipped
#   loader.js + chat.js (chat UI with socket.io-client)      <= 35 KB gzipped
#   vendor.js (boots a vendor's widget instead of chat.js)    <= 2 KB gzipped
# Prints the sizes of every built file; fails when a budget is exceeded.
#
#   scripts/asset-weight.sh [dist-dir]
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DIST=${1:-$BKX_ROOT/plugin/bookingx-live-chat/assets/dist}
LOADER_BUDGET=${BKX_LOADER_BUDGET:-3072}
WIDGET_BUDGET=${BKX_WIDGET_BUDGET:-35840}
VENDOR_BUDGET=${BKX_VENDOR_BUDGET:-2048}

[ -f "$DIST/loader.js" ] && [ -f "$DIST/chat.js" ] && [ -f "$DIST/vendor.js" ] || die "no built widget in $DIST (run scripts/build-assets.sh)"

gz() { gzip -9 -c "$1" | wc -c; }

printf '%-14s %9s %9s\n' file bytes gzip
for f in "$DIST"/*.js "$DIST"/*.css; do
    [ -e "$f" ] || continue
    printf '%-14s %9d %9d\n' "$(basename "$f")" "$(wc -c < "$f")" "$(gz "$f")"
done

loader=$(gz "$DIST/loader.js")
widget=$((loader + $(gz "$DIST/chat.js")))
printf '\nloader              %6d B gzipped (budget %d)\n' "$loader" "$LOADER_BUDGET"
printf 'loader + chat UI    %6d B gzipped (budget %d)\n' "$widget" "$WIDGET_BUDGET"
vendor=$(gz "$DIST/vendor.js")
printf 'vendor stage        %6d B gzipped (budget %d)\n' "$vendor" "$VENDOR_BUDGET"
rc=0
[ "$loader" -le "$LOADER_BUDGET" ] || { printf '\033[1;31mloader.js is over its budget\033[0m\n' >&2; rc=1; }
[ "$widget" -le "$WIDGET_BUDGET" ] || { printf '\033[1;31mthe widget is over its budget\033[0m\n' >&2; rc=1; }
[ "$vendor" -le "$VENDOR_BUDGET" ] || { printf '\033[1;31mvendor.js is over its budget\033[0m\n' >&2; rc=1; }
exit $rc
