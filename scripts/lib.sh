# Shared helpers for the build/run scripts. Source it; do not execute it.
# shellcheck shell=bash

# Repository root, whatever directory the caller runs from.
BKX_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export BKX_ROOT

# rustup installs into ~/.cargo/bin, which non-login shells may not have on PATH.
if [ -d "${CARGO_HOME:-$HOME/.cargo}/bin" ]; then
    case ":$PATH:" in
        *":${CARGO_HOME:-$HOME/.cargo}/bin:"*) ;;
        *) PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH" ;;
    esac
fi

BKX_EXT_SO="${BKX_EXT_SO:-$BKX_ROOT/target/release/libbkx_livechat.so}"
BKX_CHATD_BIN="${BKX_CHATD_BIN:-$BKX_ROOT/target/release/bkx-chatd}"

log()  { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }
warn() { printf '\033[1;33mwarning:\033[0m %s\n' "$*" >&2; }
die()  { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }

# PHP major.minor of the php on PATH, e.g. "8.2".
php_version() { php -r 'echo PHP_MAJOR_VERSION, ".", PHP_MINOR_VERSION;'; }

# Run a command as root (directly, or through sudo when available).
as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"
    elif command -v sudo >/dev/null 2>&1; then sudo "$@"
    else die "need root for: $* (run as root or install sudo)"; fi
}

# Is something listening on 127.0.0.1:$1 ?
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Wait up to $1 seconds for the command "$@" (after the first arg) to succeed.
wait_for() {
    local timeout=$1; shift
    local deadline=$((SECONDS + timeout))
    until "$@" >/dev/null 2>&1; do
        [ "$SECONDS" -ge "$deadline" ] && return 1
        sleep 0.3
    done
}

random_secret() { head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c "${1:-40}"; }

# Build a PHP ini scan directory in $2 that mirrors the system one for SAPI $1 (cli|fpm)
# minus any installed bkx_livechat ini, plus one ini that loads the freshly built extension
# (unless $3 is "noext"). So the build under test is what runs, even on a host where
# `make install` put an older module in place. Rebuilt only when the system dir changed.
php_scan_dir() {
    local sapi=$1 dir=$2 mode=${3:-ext} ver src f
    ver=$(php_version)
    src="/etc/php/$ver/$sapi/conf.d"
    if [ -f "$dir/.stamp" ] && ! [ "$src" -nt "$dir/.stamp" ] \
        && [ "$(cat "$dir/.stamp")" = "$mode:$BKX_EXT_SO" ]; then
        return 0
    fi
    mkdir -p "$dir"
    find "$dir" -maxdepth 1 -name '*.ini' ! -name '99-bkx_livechat-dev.ini' -delete 2>/dev/null || true
    if [ -d "$src" ]; then
        for f in "$src"/*.ini; do
            [ -e "$f" ] || continue
            case "$(basename "$f")" in *bkx_livechat*) continue ;; esac
            ln -sfn "$f" "$dir/$(basename "$f")"
        done
    fi
    if [ "$mode" = ext ]; then
        printf '; generated: load the extension from this checkout\nextension=%s\n' "$BKX_EXT_SO" \
            > "$dir/99-bkx_livechat-dev.ini.tmp"
        mv -f "$dir/99-bkx_livechat-dev.ini.tmp" "$dir/99-bkx_livechat-dev.ini"
    else
        rm -f "$dir/99-bkx_livechat-dev.ini"
    fi
    printf '%s' "$mode:$BKX_EXT_SO" > "$dir/.stamp"
}

require_ext() {
    [ -f "$BKX_EXT_SO" ] || die "extension not built: $BKX_EXT_SO is missing (run 'make build')"
}
