#!/usr/bin/env bash
# Run PHP (or a PHP tool such as phpunit) with the extension built in this checkout loaded:
#   scripts/php-ext.sh script.php args...        -> php script.php args...
#   scripts/php-ext.sh --tool phpunit -c x.xml   -> phpunit -c x.xml (same PHP settings)
# Equivalent to `php -d extension=<checkout>/target/release/libbkx_livechat.so`, except that
# an installed copy of the module (from `make install`) is kept out of the way.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

require_ext
scan="$BKX_ROOT/.run/php/cli-conf.d"
php_scan_dir cli "$scan" ext
export PHP_INI_SCAN_DIR="$scan"

if [ "${1:-}" = "--tool" ]; then
    shift
    [ $# -ge 1 ] || die "usage: $0 --tool <command> [args...]"
    exec "$@"
fi
exec php "$@"
