#!/usr/bin/env bash
# PHP stubs of the extension (for IDEs and static analysis), generated from the built module.
#   scripts/stubs.sh write   regenerate stubs/bkx_livechat.stubs.php
#   scripts/stubs.sh check   regenerate into a temporary file and diff against the committed one
# The generator is scripts/gen-stubs.php, run with the extension loaded; it gets the output
# path as its argument (if it prints the stubs to stdout instead, that is used).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

STUBS="$BKX_ROOT/stubs/bkx_livechat.stubs.php"
GEN="$BKX_ROOT/scripts/gen-stubs.php"
[ -f "$GEN" ] || die "the stub generator scripts/gen-stubs.php is missing"
require_ext

generate() { # $1 = output file
    local out=$1 captured
    captured=$(mktemp)
    rm -f "$out"
    "$BKX_ROOT/scripts/php-ext.sh" -d display_errors=stderr "$GEN" "$out" > "$captured" \
        || { rm -f "$captured"; die "scripts/gen-stubs.php failed"; }
    if [ ! -s "$out" ]; then mv "$captured" "$out"; else rm -f "$captured"; fi
    [ -s "$out" ] || die "scripts/gen-stubs.php produced no stubs"
}

case "${1:-check}" in
    write)
        generate "$STUBS.new"
        mv -f "$STUBS.new" "$STUBS"
        log "wrote ${STUBS#"$BKX_ROOT"/}"
        ;;
    check)
        [ -f "$STUBS" ] || die "${STUBS#"$BKX_ROOT"/} is missing (run 'make stubs' and commit it)"
        tmp=$(mktemp --suffix=.php)
        trap 'rm -f "$tmp"' EXIT
        generate "$tmp"
        if ! diff -u "$STUBS" "$tmp" --label "${STUBS#"$BKX_ROOT"/} (committed)" --label "generated"; then
            die "stubs are out of date: run 'make stubs' and commit ${STUBS#"$BKX_ROOT"/}"
        fi
        log "stubs up to date"
        ;;
    *) die "usage: $0 write|check" ;;
esac
