#!/usr/bin/env bash
# The plugin's front-end assets (assets/src -> assets/dist) with esbuild from npm.
#
#   scripts/build-assets.sh           build (npm ci first when node_modules is missing or stale)
#   scripts/build-assets.sh --check   fail when the committed assets/dist differs from a build
#                                     of assets/src (the plugin is used as copied, dist included)
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PLUGIN="$BKX_ROOT/plugin/bookingx-live-chat"
cd "$PLUGIN"
command -v npm >/dev/null || die "npm is not installed (run scripts/deps.sh)"
if [ ! -x node_modules/.bin/esbuild ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    log "front-end: npm ci (plugin/bookingx-live-chat)"
    npm ci --no-audit --no-fund --loglevel=error
fi
if [ "${1:-}" = --check ]; then
    node assets/build.mjs --check
else
    node assets/build.mjs
fi
