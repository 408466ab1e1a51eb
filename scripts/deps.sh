#!/usr/bin/env bash
# Install the Debian 12 packages the build, the demo and the tests need — only what is missing.
# A no-op (no apt call at all) when everything is present. The Rust toolchain comes from
# rustup, not apt; this script only checks that cargo is there.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PACKAGES=(
    php-cli php-dev php-fpm php-mysql php-curl php-mbstring php-xml php-intl
    clang libclang-dev
    phpunit wordpress wordpress-theme-twentytwentythree nginx mariadb-server mariadb-client redis-server
    composer nodejs npm curl
    chromium
    clamav-daemon clamav
)

# Some tools may come from elsewhere (e.g. Node's own repository ships npm inside its
# nodejs package, and Debian's npm package would then conflict): a command on PATH counts.
declare -A PROVIDES_CMD=([nodejs]=node [npm]=npm [composer]=composer [curl]=curl)

# One dpkg-query for all packages: "name status" lines for the installed ones.
declare -A STATUS=()
while read -r name status; do
    STATUS[$name]=$status
done < <(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${PACKAGES[@]}" 2>/dev/null || true)

installed() {
    [ "${STATUS[$1]:-}" = installed ] && return 0
    local cmd=${PROVIDES_CMD[$1]:-}
    [ -n "$cmd" ] && command -v "$cmd" >/dev/null 2>&1
}

missing=()
for p in "${PACKAGES[@]}"; do
    installed "$p" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
    log "installing missing packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    as_root apt-get update
    as_root apt-get install -y --no-install-recommends "${missing[@]}"
else
    log "system packages: all present"
fi

if ! command -v cargo >/dev/null 2>&1; then
    cat >&2 <<'MSG'
error: cargo (the Rust toolchain) is not installed.
Install it with rustup (https://rustup.rs), then open a new shell or `source ~/.cargo/env`:
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal -c rustfmt,clippy
MSG
    exit 1
fi
for comp in rustfmt clippy; do
    cargo "${comp/rustfmt/fmt}" --version >/dev/null 2>&1 \
        || warn "cargo $comp is missing (rustup component add $comp); 'make test' needs it"
done
