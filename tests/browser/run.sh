#!/usr/bin/env bash
# Browser tests of the chat widget and the agent inbox (node --test + playwright-core
# driving Debian's chromium) against a running site: BKX_TEST_URL, BKX_TEST_ADMIN_USER,
# BKX_TEST_ADMIN_PASS (and optionally BKX_TEST_WP_PATH), as for tests/e2e. scripts/test.sh
# runs it against the test site it starts.
#
#   tests/browser/run.sh [test files...]
#   BKX_TEST_SCREENSHOTS=/tmp/shots tests/browser/run.sh     keep screenshots
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

: "${BKX_TEST_URL:?BKX_TEST_URL is not set (the URL of a running test site)}"
: "${BKX_TEST_ADMIN_USER:?BKX_TEST_ADMIN_USER is not set}"
: "${BKX_TEST_ADMIN_PASS:?BKX_TEST_ADMIN_PASS is not set}"
CHROMIUM=${BKX_CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ]; then
    echo "error: no browser at $CHROMIUM (apt-get install chromium, or set BKX_CHROMIUM)" >&2
    exit 1
fi

# Install from the committed lock when node_modules is missing or older than the lock.
if [ ! -d node_modules/playwright-core ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund --loglevel=error
fi

if [ $# -eq 0 ]; then
    set -- ./*.test.mjs
fi
exec node --test --test-concurrency=1 "$@"
