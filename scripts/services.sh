#!/usr/bin/env bash
# Shared local services: MariaDB and Redis, and a dedicated database + user per site.
#
#   scripts/services.sh up
#       start MariaDB and Redis unless they already answer; wait until they do.
#   scripts/services.sh db <site-dir> <db-name> <db-user> [--fresh]
#       create the database and a user that owns it (password generated once and kept in
#       <site-dir>/db.env); --fresh drops and recreates the database.
#       The user may also create databases named <db-name>_* (e.g. per-test databases).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DB_HOST=${BKX_DB_HOST:-127.0.0.1}
DB_PORT=${BKX_DB_PORT:-3306}

mariadb_up() { mariadb-admin ping -h"$DB_HOST" -P"$DB_PORT" --connect-timeout=2 2>/dev/null | grep -q alive; }
redis_up()   { [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = PONG ]; }
have_systemd() { [ -d /run/systemd/system ]; }

start_mariadb() {
    if mariadb_up; then log "MariaDB: already running"; return; fi
    log "MariaDB: starting"
    if have_systemd; then
        as_root systemctl start mariadb
    else
        [ "$(id -u)" -eq 0 ] || die "MariaDB is not running and starting it needs root"
        install -d -o mysql -g mysql -m 0755 /run/mysqld
        if [ ! -d /var/lib/mysql/mysql ]; then
            log "MariaDB: initialising the data directory"
            mariadb-install-db --user=mysql --datadir=/var/lib/mysql >/dev/null
        fi
        install -d -o mysql -g adm -m 2750 /var/log/mysql 2>/dev/null || true
        start-stop-daemon --start --oknodo --background --quiet \
            --output /var/log/mysql/bkx-start.log \
            --exec /usr/sbin/mariadbd -- --user=mysql
    fi
    wait_for 60 mariadb_up || die "MariaDB did not answer within 60 s (see /var/log/mysql/)"
    log "MariaDB: up"
}

start_redis() {
    if redis_up; then log "Redis: already running"; return; fi
    log "Redis: starting"
    if have_systemd && systemctl cat redis-server >/dev/null 2>&1; then
        as_root systemctl start redis-server
    else
        redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
            >/dev/null
    fi
    wait_for 30 redis_up || die "Redis did not answer within 30 s"
    log "Redis: up"
}

# Run SQL as the MariaDB administrator: root over the unix socket (Debian's default), then
# root over TCP (machines where root has an empty password on 127.0.0.1).
root_sql() {
    if mariadb -uroot --connect-timeout=5 -e 'SELECT 1' >/dev/null 2>&1; then
        mariadb -uroot "$@"
    elif [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 \
        && sudo -n mariadb -uroot -e 'SELECT 1' >/dev/null 2>&1; then
        sudo -n mariadb -uroot "$@"
    else
        mariadb -uroot -h"$DB_HOST" -P"$DB_PORT" "$@"
    fi
}

ensure_db() {
    local site_dir=$1 name=$2 user=$3 fresh=${4:-}
    [[ $name =~ ^[A-Za-z0-9_]+$ && $user =~ ^[A-Za-z0-9_]+$ ]] \
        || die "database and user names must be [A-Za-z0-9_]+"
    mkdir -p "$site_dir"
    local envf="$site_dir/db.env" pass=""
    if [ -f "$envf" ]; then
        pass=$(sed -n 's/^DB_PASS=//p' "$envf")
    fi
    [ -n "$pass" ] || pass=$(random_secret 24)

    local pattern=${name//_/\\_}\\_%
    local drop=""
    [ "$fresh" = "--fresh" ] && drop="DROP DATABASE IF EXISTS \`$name\`;"
    root_sql <<SQL
$drop
CREATE DATABASE IF NOT EXISTS \`$name\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS '$user'@'localhost' IDENTIFIED BY '$pass';
CREATE USER IF NOT EXISTS '$user'@'127.0.0.1' IDENTIFIED BY '$pass';
ALTER USER '$user'@'localhost' IDENTIFIED BY '$pass';
ALTER USER '$user'@'127.0.0.1' IDENTIFIED BY '$pass';
GRANT ALL PRIVILEGES ON \`$name\`.* TO '$user'@'localhost', '$user'@'127.0.0.1';
GRANT ALL PRIVILEGES ON \`$pattern\`.* TO '$user'@'localhost', '$user'@'127.0.0.1';
FLUSH PRIVILEGES;
SQL
    umask 077
    cat > "$envf.tmp" <<ENV
DB_HOST=$DB_HOST
DB_PORT=$DB_PORT
DB_NAME=$name
DB_USER=$user
DB_PASS=$pass
ENV
    mv -f "$envf.tmp" "$envf"
    mariadb -u"$user" -p"$pass" -h"$DB_HOST" -P"$DB_PORT" "$name" -e 'SELECT 1' >/dev/null \
        || die "cannot log in as $user to $name over TCP"
    log "database $name ready (user $user; credentials in ${envf#"$BKX_ROOT"/})"
}

case "${1:-up}" in
    up)
        start_mariadb
        start_redis
        ;;
    db)
        [ $# -ge 4 ] || die "usage: $0 db <site-dir> <db-name> <db-user> [--fresh]"
        mariadb_up || start_mariadb
        ensure_db "$2" "$3" "$4" "${5:-}"
        ;;
    *)
        die "usage: $0 up | db <site-dir> <db-name> <db-user> [--fresh]"
        ;;
esac
