#!/usr/bin/env bash
# Protocol tests of bkx-chatd with the official socket.io-client (Node's built-in runner).
#
#   tests/chatd/run.sh                             every *.test.mjs file
#   tests/chatd/run.sh tests/chatd/flood.test.mjs  only some files (paths from the repo root)
#
# Installs the locked dependencies when node_modules is missing or the lock changed. The
# daemon binary is $BKX_CHATD_BIN, else target/release/bkx-chatd, else target/debug/bkx-chatd.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

command -v node >/dev/null || { echo "error: node (20.11 or newer) is required" >&2; exit 1; }
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=11)?0:1)' ||
  { echo "error: node $(node --version) is too old; 20.11 or newer is required" >&2; exit 1; }

stamp="$here/node_modules/.bkx-lock-stamp"
if [ ! -d "$here/node_modules/socket.io-client" ] || ! cmp -s "$here/package-lock.json" "$stamp"; then
  (cd "$here" && npm ci --no-audit --no-fund)
  cp "$here/package-lock.json" "$stamp"
fi

cd "$root"
if [ "$#" -gt 0 ]; then
  files=("$@")
else
  files=(tests/chatd/*.test.mjs)
fi
exec node --test --test-concurrency=1 --test-timeout=90000 "${files[@]}"
