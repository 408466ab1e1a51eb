#!/usr/bin/env bash
# The whole test suite, in the order of `make test`. Expects deps, services and the release
# build to be in place (the Makefile runs those first). The test site is stopped at the end,
# whether the tests pass or not.
#
#   scripts/test.sh                    everything
#   scripts/test.sh [rust] [chatd] [assets] [stubs] [php] [e2e]   only those stages (while iterating;
#                                      e2e = test site + PHPUnit end-to-end + browser tests)
#
# Environment:
#   BKX_TEST_SKIP_MISSING=1   skip (with a warning) suites whose files do not exist yet,
#                             instead of failing
#   PHPUNIT=...               the phpunit command (default: phpunit from PATH)
#   SITE_DIR, SITE_PORT, SITE_CHATD_PORT, SITE_DB_NAME, SITE_DB_USER
#                             another folder/port/database for the test site (two
#                             checkouts or two people testing side by side); see scripts/site.sh
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$BKX_ROOT"

PHPUNIT=${PHPUNIT:-phpunit}
TEST_SITE_DIR="${SITE_DIR:-$BKX_ROOT/.run/test}"
case "$TEST_SITE_DIR" in /*) ;; *) TEST_SITE_DIR="$BKX_ROOT/$TEST_SITE_DIR" ;; esac
export SITE_DIR="$TEST_SITE_DIR"
declare -a TIMES=()
T0=$SECONDS
CURRENT=""
STAGES=${*:-rust chatd assets stubs php e2e}
want() { [[ " $STAGES " == *" $1 "* ]]; }

step() { # name command...
    local name=$1 t=$SECONDS; shift
    log "$name"
    CURRENT=$name
    "$@"
    CURRENT=""
    TIMES+=("$(printf '%4ds  %s' $((SECONDS - t)) "$name")")
}

missing() { # what
    if [ "${BKX_TEST_SKIP_MISSING:-0}" = 1 ]; then
        warn "$1 is missing: skipped"
        TIMES+=("   -   $1 (skipped: missing)")
        return 0
    fi
    die "$1 is missing (set BKX_TEST_SKIP_MISSING=1 to skip suites that do not exist yet)"
}

summary() {
    local rc=$?
    trap - EXIT
    if [ -f "$TEST_SITE_DIR/run/nginx.pid" ] || [ -f "$TEST_SITE_DIR/run/chatd.pid" ] \
        || [ -f "$TEST_SITE_DIR/run/php-fpm.pid" ]; then
        "$BKX_ROOT/scripts/site.sh" stop test || true
    fi
    echo >&2
    printf '%s\n' "${TIMES[@]}" >&2
    printf '%4ds  total\n' $((SECONDS - T0)) >&2
    if [ $rc -eq 0 ]; then log "all tests passed"; else printf '\033[1;31mFAILED\033[0m in step "%s" (exit %d); test site logs: .run/test/logs/\n' "${CURRENT:-?}" "$rc" >&2; fi
    exit $rc
}
trap summary EXIT

# A fresh test database for the Rust store tests and the extension's PHPUnit tests.
step "test database" scripts/services.sh db "$TEST_SITE_DIR" "${SITE_DB_NAME:-bkx_livechat_test}" "${SITE_DB_USER:-bkx_test}" --fresh
# shellcheck disable=SC1091
. "$TEST_SITE_DIR/db.env"
export BKX_TEST_DB_HOST=$DB_HOST BKX_TEST_DB_PORT=$DB_PORT BKX_TEST_DB_USER=$DB_USER \
       BKX_TEST_DB_PASS=$DB_PASS BKX_TEST_DB_NAME=$DB_NAME
export BKX_TEST_REDIS_URL=${BKX_TEST_REDIS_URL:-redis://127.0.0.1:6379/}

if want rust; then
    step "cargo fmt --check" cargo fmt --all -- --check
    step "cargo clippy" cargo clippy --workspace --all-targets -- -D warnings
    step "cargo test" cargo test --workspace --no-fail-fast
fi

if want rust; then
    # The fake vendors the platform tests run against: they must behave as the vendors do.
    step "fake chat vendors (tests/fakes)" node --test tests/fakes/
fi

if want chatd; then
    # The daemon with the official socket.io-client: protocol, faults, flood, Redis.
    step "bkx-chatd protocol (tests/chatd)" env BKX_CHATD_BIN="$BKX_ROOT/target/release/bkx-chatd" tests/chatd/run.sh
fi

if want assets; then
    # The widget and inbox: the committed build matches the sources, the widget keeps its weight.
    step "front-end assets: dist is current" scripts/build-assets.sh --check
    step "front-end assets: gzip budget" scripts/asset-weight.sh
fi

if ! want stubs; then :
elif [ -f scripts/gen-stubs.php ]; then
    step "stubs check" scripts/stubs.sh check
else
    missing "scripts/gen-stubs.php (stubs check)"
fi

if ! want php; then :
elif [ -f php/tests/phpunit.xml ] || [ -f php/tests/phpunit.xml.dist ]; then
    step "PHPUnit: extension (php/tests)" scripts/php-ext.sh --tool "$PHPUNIT" -c php/tests
else
    missing "php/tests/phpunit.xml (extension tests)"
fi

if ! want e2e; then :
elif [ -f tests/e2e/phpunit.xml ] || [ -f tests/e2e/phpunit.xml.dist ]; then
    step "test site up" scripts/site.sh up test
    # shellcheck disable=SC1091
    . "$TEST_SITE_DIR/site.env"
    export BKX_TEST_URL=$BKX_SITE_URL BKX_TEST_ADMIN_USER=$BKX_SITE_ADMIN_USER \
           BKX_TEST_ADMIN_PASS=$BKX_SITE_ADMIN_PASS BKX_TEST_WP_PATH=$BKX_SITE_WP_PATH \
           BKX_TEST_CHATD_URL=$BKX_SITE_CHATD_URL BKX_TEST_SECRET=$BKX_SITE_SECRET \
           BKX_TEST_DB_HOST=$BKX_SITE_DB_HOST BKX_TEST_DB_PORT=$BKX_SITE_DB_PORT \
           BKX_TEST_DB_USER=$BKX_SITE_DB_USER BKX_TEST_DB_PASS=$BKX_SITE_DB_PASS \
           BKX_TEST_DB_NAME=$BKX_SITE_DB_NAME BKX_TEST_DB_PREFIX=$BKX_SITE_DB_PREFIX
    step "PHPUnit: WordPress end-to-end (tests/e2e)" scripts/php-ext.sh --tool "$PHPUNIT" -c tests/e2e
    step "browser: widget and inbox (tests/browser)" tests/browser/run.sh
else
    missing "tests/e2e/phpunit.xml (end-to-end tests)"
fi
