#!/usr/bin/env bash
# A private, self-contained WordPress site with the plugin, the extension and bkx-chatd:
# nginx + php-fpm + bkx-chatd, all started from and confined to one folder (SITE_DIR).
#
#   scripts/site.sh up     [demo|test] [options]   (re)start the site; install it if needed
#   scripts/site.sh stop   [demo|test] [options]   stop nginx, php-fpm and bkx-chatd
#   scripts/site.sh status [demo|test] [options]
#   scripts/site.sh info   [demo|test] [options]   print URLs and the admin login
#
# Profiles:        demo                      test
#   SITE_DIR       .run/demo                 .run/test
#   SITE_PORT      8088                      8091
#   SITE_CHATD_PORT 8089                     8092
#   SITE_DB_NAME   bkx_livechat_demo         bkx_livechat_test
#   SITE_DB_USER   bkx_demo                  bkx_test
#   SITE_FRESH     0 (keep data)             1 (drop the DB and reinstall every time)
# Each can be overridden by the environment variable of that name or by an option:
#   --site-dir=DIR --port=N --chatd-port=N --db-name=NAME --db-user=NAME --fresh
#   --wp-only      WordPress alone: no extension, no plugin, no bkx-chatd (for benchmarks
#                  and for checking this script before the other parts exist)
# Also: SITE_BLOCK_EXTERNAL=1 makes WordPress refuse outbound HTTP except to loopback
# (default for test: no waiting on wordpress.org from a machine without network).
#
# Everything runs as the invoking user (as root: php-fpm with -R, nginx with `user root`):
# these sites listen on 127.0.0.1 only and are for development and tests, not production
# (see docs/deploy.md for a production layout).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ACTION=${1:-up}; shift || true
KIND=demo
if [ $# -gt 0 ] && [[ $1 != -* ]]; then KIND=$1; shift; fi
WP_ONLY=${SITE_WP_ONLY:-0}

case "$KIND" in
    demo) d_dir=.run/demo d_port=8088 d_cport=8089 d_db=bkx_livechat_demo d_user=bkx_demo d_fresh=0 d_block=0 ;;
    test) d_dir=.run/test d_port=8091 d_cport=8092 d_db=bkx_livechat_test d_user=bkx_test d_fresh=1 d_block=1 ;;
    *) die "unknown site profile '$KIND' (demo or test)" ;;
esac
SITE_DIR=${SITE_DIR:-$d_dir}
SITE_PORT=${SITE_PORT:-$d_port}
SITE_CHATD_PORT=${SITE_CHATD_PORT:-$d_cport}
SITE_DB_NAME=${SITE_DB_NAME:-$d_db}
SITE_DB_USER=${SITE_DB_USER:-$d_user}
SITE_FRESH=${SITE_FRESH:-$d_fresh}
SITE_BLOCK_EXTERNAL=${SITE_BLOCK_EXTERNAL:-$d_block}

for arg in "$@"; do
    case "$arg" in
        --site-dir=*)   SITE_DIR=${arg#*=} ;;
        --port=*)       SITE_PORT=${arg#*=} ;;
        --chatd-port=*) SITE_CHATD_PORT=${arg#*=} ;;
        --db-name=*)    SITE_DB_NAME=${arg#*=} ;;
        --db-user=*)    SITE_DB_USER=${arg#*=} ;;
        --fresh)        SITE_FRESH=1 ;;
        --keep)         SITE_FRESH=0 ;;
        --wp-only)      WP_ONLY=1 ;;
        *) die "unknown option $arg" ;;
    esac
done

case "$SITE_DIR" in /*) ;; *) SITE_DIR="$BKX_ROOT/$SITE_DIR" ;; esac
WP="$SITE_DIR/wordpress"
RUN="$SITE_DIR/run"
LOGS="$SITE_DIR/logs"
SITE_URL="http://127.0.0.1:$SITE_PORT"
CHATD_URL="http://127.0.0.1:$SITE_CHATD_PORT"
PLUGIN_SLUG=bookingx-live-chat
PLUGIN_SRC="$BKX_ROOT/plugin/$PLUGIN_SLUG"
WP_SRC=${WP_SRC:-/usr/share/wordpress}
ADMIN_USER=admin
ADMIN_EMAIL=admin@example.test

PHP_VER=$(php_version)
PHP_FPM=$(command -v "php-fpm$PHP_VER" || command -v php-fpm || true)
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

# ---------------------------------------------------------------------------------------
# stop / status

# Is pid $1 a live (not zombie) process whose command name is $2?
pid_is() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    [ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ] || return 1
    stat=${stat##*) }
    [ "${stat%% *}" != Z ]
}

alive() { # pidfile name
    [ -f "$1" ] && pid_is "$(cat "$1")" "$2"
}

# Stop the process in pidfile $1 if its command name is $2 (never anything else): TERM,
# then KILL after 10 s. Polls itself rather than waiting for the parent to reap.
stop_pidfile() {
    local pidfile=$1 name=$2 pid i
    [ -f "$pidfile" ] || return 0
    pid=$(cat "$pidfile")
    if [[ $pid =~ ^[0-9]+$ ]] && pid_is "$pid" "$name"; then
        kill -TERM "$pid" 2>/dev/null || true
        for ((i = 0; i < 100; i++)); do
            pid_is "$pid" "$name" || break
            sleep 0.1
        done
        if pid_is "$pid" "$name"; then
            warn "$name (pid $pid) ignored TERM for 10 s: killing it"
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    rm -f "$pidfile"
}

do_stop() {
    stop_pidfile "$RUN/nginx.pid" nginx TERM/10/KILL/2
    stop_pidfile "$RUN/php-fpm.pid" "$(basename "${PHP_FPM:-php-fpm}" | cut -c1-15)" TERM/10/KILL/2
    stop_pidfile "$RUN/chatd.pid" bkx-chatd TERM/10/KILL/2
    rm -f "$RUN/php-fpm.sock"
}

do_status() {
    local rc=0
    for p in "nginx nginx" "php-fpm $(basename "${PHP_FPM:-php-fpm}" | cut -c1-15)" "chatd bkx-chatd"; do
        set -- $p
        if alive "$RUN/$1.pid" "$2"; then echo "$1: running (pid $(cat "$RUN/$1.pid"))"
        else echo "$1: stopped"; rc=3; fi
    done
    return $rc
}

do_info() {
    [ -f "$SITE_DIR/site.env" ] || die "no site in ${SITE_DIR#"$BKX_ROOT"/} yet (run: scripts/site.sh up $KIND)"
    # shellcheck disable=SC1091
    . "$SITE_DIR/site.env"
    cat <<INFO

  BookingX Live Chat — $KIND site
  site            $BKX_SITE_URL/
  sample page     $BKX_SITE_URL/chat-demo/
  wp-admin        $BKX_SITE_URL/wp-admin/
  admin login     $BKX_SITE_ADMIN_USER / $BKX_SITE_ADMIN_PASS
  REST base       $BKX_SITE_URL/wp-json/bookingx/v1/
  chatd           $BKX_SITE_CHATD_URL  (health: $BKX_SITE_CHATD_URL/healthz)
  logs            ${SITE_DIR#"$BKX_ROOT"/}/logs/
  stop with       make stop   (or scripts/site.sh stop $KIND)

INFO
    local bkx
    bkx=$(readlink "$WP/wp-content/plugins/bookingx" 2>/dev/null || true)
    if [ "$bkx" = "$BOOKINGX_FIXTURE" ]; then
        printf '  BookingX        the test fixture (not the real plugin); for a real copy:\n                  make demo BOOKINGX_DIR=/path/to/bookingx\n\n'
    elif [ -n "$bkx" ]; then
        printf '  BookingX        %s\n\n' "$bkx"
    fi
}

# ---------------------------------------------------------------------------------------
# up

preflight() {
    [ -n "$PHP_FPM" ] || die "php-fpm not found (run scripts/deps.sh)"
    [ -d "$WP_SRC/wp-includes" ] || die "WordPress not found in $WP_SRC (run scripts/deps.sh)"
    if [ "$WP_ONLY" != 1 ]; then
        [ -f "$BKX_EXT_SO" ] || die "the extension is not built: ${BKX_EXT_SO#"$BKX_ROOT"/} is missing (run 'make build')"
        [ -x "$BKX_CHATD_BIN" ] || die "the daemon is not built: ${BKX_CHATD_BIN#"$BKX_ROOT"/} is missing (run 'make build')"
        [ -d "$PLUGIN_SRC" ] || die "the plugin folder plugin/$PLUGIN_SLUG is missing"
        local err
        err=$(php -n -d display_startup_errors=1 -d extension="$BKX_EXT_SO" \
            -r 'exit(extension_loaded("bkx_livechat") ? 0 : 1);' 2>&1) \
            || die "PHP $PHP_VER cannot load ${BKX_EXT_SO#"$BKX_ROOT"/}: ${err:-module bkx_livechat not registered}"
    fi
    local p
    for p in "$SITE_PORT" $([ "$WP_ONLY" = 1 ] || echo "$SITE_CHATD_PORT"); do
        port_in_use "$p" && die "port $p on 127.0.0.1 is taken by another program (choose another with --port/--chatd-port)"
    done
    return 0
}

# Secrets live in the site folder and survive re-runs (so logins and tokens stay valid on
# a kept demo); a fresh site gets new ones.
ensure_secrets() {
    local f="$SITE_DIR/secrets.env"
    if [ ! -f "$f" ]; then
        umask 077
        {
            echo "BKX_SECRET=$(random_secret 64)"
            echo "ADMIN_PASS=$(random_secret 16)"
            for k in AUTH_KEY SECURE_AUTH_KEY LOGGED_IN_KEY NONCE_KEY AUTH_SALT SECURE_AUTH_SALT LOGGED_IN_SALT NONCE_SALT; do
                echo "$k=$(random_secret 64)"
            done
        } > "$f"
        umask 022
    fi
    # shellcheck disable=SC1090
    . "$f"
    # shellcheck disable=SC1091
    . "$SITE_DIR/db.env"
}

# Copy Debian's WordPress into a self-contained folder: real files instead of Debian's
# symlinks, our own wp-config.php (Debian's reads /etc/wordpress) and our own wp-content.
copy_wordpress() {
    local src_ver dst_ver
    src_ver=$(grep -m1 '^\$wp_version' "$WP_SRC/wp-includes/version.php")
    dst_ver=$(grep -m1 '^\$wp_version' "$WP/wp-includes/version.php" 2>/dev/null || true)
    if [ "$src_ver" != "$dst_ver" ]; then
        log "copying WordPress from $WP_SRC"
        local keep_uploads=""
        if [ -d "$WP/wp-content/uploads" ]; then
            keep_uploads="$SITE_DIR/uploads.keep"; rm -rf "$keep_uploads"
            mv "$WP/wp-content/uploads" "$keep_uploads"
        fi
        rm -rf "$WP"
        mkdir -p "$WP"
        local entry
        for entry in "$WP_SRC"/* "$WP_SRC"/.[!.]*; do
            [ -e "$entry" ] || continue
            case "$(basename "$entry")" in wp-config.php|.htaccess|wp-content) continue ;; esac
            cp -RL --no-preserve=ownership "$entry" "$WP/"
        done
        mkdir -p "$WP/wp-content/plugins" "$WP/wp-content/themes"
        cp -L "$WP_SRC/wp-content/index.php" "$WP/wp-content/" 2>/dev/null || echo '<?php // Silence is golden.' > "$WP/wp-content/index.php"
        cp "$WP/wp-content/index.php" "$WP/wp-content/plugins/index.php"
        cp "$WP/wp-content/index.php" "$WP/wp-content/themes/index.php"
        if [ -n "$keep_uploads" ]; then mv "$keep_uploads" "$WP/wp-content/uploads"; fi
    fi
    mkdir -p "$WP/wp-content/uploads" "$WP/wp-content/upgrade"
    # Default themes: Debian ships them in /usr/share/wordpress/wp-content/themes and links
    # them from /var/lib/wordpress/wp-content/themes; take whichever exist.
    local t
    for t in "$WP_SRC"/wp-content/themes/*/ /var/lib/wordpress/wp-content/themes/*/; do
        [ -d "$t" ] || continue
        [ -d "$WP/wp-content/themes/$(basename "$t")" ] && continue
        cp -RL --no-preserve=ownership "${t%/}" "$WP/wp-content/themes/"
    done
    ls "$WP"/wp-content/themes/*/style.css >/dev/null 2>&1 || die "no WordPress theme found to copy"
    # The plugin is linked, not copied, so edits in the checkout show up immediately.
    rm -rf "$WP/wp-content/plugins/$PLUGIN_SLUG"
    if [ "$WP_ONLY" != 1 ]; then
        ln -s "$PLUGIN_SRC" "$WP/wp-content/plugins/$PLUGIN_SLUG"
    fi
    link_bookingx
}

# BookingX: the test site always gets the fixture of tests/fixtures/bookingx (same storage and
# functions as BookingX 1.1.2) plus a mu-plugin that captures e-mails and enables the
# fixture's seeding routes; the demo links BOOKINGX_DIR (a real BookingX copy) when set, else
# the fixture.
BOOKINGX_FIXTURE="$BKX_ROOT/tests/fixtures/bookingx"
link_bookingx() {
    rm -rf "$WP/wp-content/plugins/bookingx" "$WP/wp-content/mu-plugins/bkx-test-capture.php"
    [ "$WP_ONLY" = 1 ] && return 0
    local src="$BOOKINGX_FIXTURE"
    if [ "$KIND" = demo ] && [ -n "${BOOKINGX_DIR:-}" ]; then
        src=$(cd "$BOOKINGX_DIR" 2>/dev/null && pwd) || die "BOOKINGX_DIR=$BOOKINGX_DIR is not a folder"
        [ -f "$src/bookingx.php" ] || die "BOOKINGX_DIR=$BOOKINGX_DIR has no bookingx.php (point it at the BookingX plugin folder)"
        log "BookingX: linking $src"
    elif [ "$KIND" = demo ]; then
        log "BookingX: not given, so booking features use the test fixture (tests/fixtures/bookingx), not the real plugin."
        log "  To use a real BookingX copy: make demo BOOKINGX_DIR=/path/to/bookingx (the plugin folder with bookingx.php)"
    fi
    ln -s "$src" "$WP/wp-content/plugins/bookingx"
    if [ "$KIND" = test ]; then
        mkdir -p "$WP/wp-content/mu-plugins"
        cp "$BOOKINGX_FIXTURE/mu-plugin/bkx-test-capture.php" "$WP/wp-content/mu-plugins/"
    fi
}

php_str() { # a PHP single-quoted string literal
    local s=${1//\\/\\\\}
    printf "'%s'" "${s//\'/\\\'}"
}

write_wp_config() {
    local f="$WP/wp-config.php" k
    {
        echo '<?php'
        echo "// Generated by scripts/site.sh ($KIND site); rewritten on every start. Local use only."
        echo "define( 'DB_NAME', $(php_str "$DB_NAME") );"
        echo "define( 'DB_USER', $(php_str "$DB_USER") );"
        echo "define( 'DB_PASSWORD', $(php_str "$DB_PASS") );"
        echo "define( 'DB_HOST', $(php_str "$DB_HOST:$DB_PORT") );"
        echo "define( 'DB_CHARSET', 'utf8mb4' );"
        echo "define( 'DB_COLLATE', '' );"
        for k in AUTH_KEY SECURE_AUTH_KEY LOGGED_IN_KEY NONCE_KEY AUTH_SALT SECURE_AUTH_SALT LOGGED_IN_SALT NONCE_SALT; do
            echo "define( '$k', $(php_str "${!k}") );"
        done
        echo "\$table_prefix = 'wp_';"
        echo "define( 'WP_HOME', $(php_str "$SITE_URL") );"
        echo "define( 'WP_SITEURL', $(php_str "$SITE_URL") );"
        echo "define( 'WP_ENVIRONMENT_TYPE', 'local' );"
        echo "// WordPress 6.1 on PHP 8.2 emits deprecation notices: keep them out of HTTP output."
        echo "define( 'WP_DEBUG', false );"
        echo "define( 'WP_DEBUG_DISPLAY', false );"
        echo "@ini_set( 'display_errors', '0' );"
        echo "define( 'DISALLOW_FILE_EDIT', true );"
        echo "define( 'AUTOMATIC_UPDATER_DISABLED', true );"
        echo "define( 'WP_AUTO_UPDATE_CORE', false );"
        echo "define( 'FS_METHOD', 'direct' );"
        if [ "$SITE_BLOCK_EXTERNAL" = 1 ]; then
            echo "define( 'WP_HTTP_BLOCK_EXTERNAL', true );"
            echo "define( 'WP_ACCESSIBLE_HOSTS', 'localhost,127.0.0.1' );"
        fi
        echo "// BookingX Live Chat: shared secret with bkx-chatd, and where browsers reach it."
        echo "define( 'BKX_LIVECHAT_SECRET', $(php_str "$BKX_SECRET") );"
        echo "define( 'BKX_LIVECHAT_CHATD_URL', $(php_str "$CHATD_URL") );"
        echo "if ( ! defined( 'ABSPATH' ) ) {"
        echo "    define( 'ABSPATH', __DIR__ . '/' );"
        echo "}"
        echo "require_once ABSPATH . 'wp-settings.php';"
    } > "$f.tmp"
    chmod 600 "$f.tmp"
    mv -f "$f.tmp" "$f"
}

# PHP for this site, CLI and FPM: the system's ini files plus the extension of this checkout.
site_php() {
    local mode=ext
    [ "$WP_ONLY" = 1 ] && mode=noext
    php_scan_dir cli "$SITE_DIR/php/cli-conf.d" "$mode"
    php_scan_dir fpm "$SITE_DIR/php/fpm-conf.d" "$mode"
}

cli_php() {
    PHP_INI_SCAN_DIR="$SITE_DIR/php/cli-conf.d" php -d display_errors=stderr -d log_errors=0 "$@"
}

install_wordpress() {
    log "installing WordPress into ${WP#"$BKX_ROOT"/}"
    BKX_SITE_URL="$SITE_URL" BKX_SITE_TITLE="BookingX Live Chat $KIND" \
    BKX_ADMIN_USER="$ADMIN_USER" BKX_ADMIN_EMAIL="$ADMIN_EMAIL" BKX_ADMIN_PASS="$ADMIN_PASS" \
        cli_php "$BKX_ROOT/scripts/wp-install.php" "$WP" > "$LOGS/wp-install.log" 2>&1 \
        || { cat "$LOGS/wp-install.log" >&2; die "WordPress install failed"; }
    grep -v -i 'deprecated' "$LOGS/wp-install.log" | sed 's/^/    /' >&2 || true
    if [ "$WP_ONLY" != 1 ]; then
        log "activating BookingX ($(readlink "$WP/wp-content/plugins/bookingx" | sed "s|^$BKX_ROOT/||"))"
        BKX_SITE_URL="$SITE_URL" BKX_ADMIN_USER="$ADMIN_USER" \
            cli_php "$BKX_ROOT/scripts/wp-plugin.php" "$WP" activate bookingx > "$LOGS/wp-bookingx.log" 2>&1 \
            || { cat "$LOGS/wp-bookingx.log" >&2; die "BookingX activation failed (log: ${LOGS#"$BKX_ROOT"/}/wp-bookingx.log)"; }
        log "activating the plugin $PLUGIN_SLUG"
        BKX_SITE_URL="$SITE_URL" BKX_ADMIN_USER="$ADMIN_USER" \
            cli_php "$BKX_ROOT/scripts/wp-plugin.php" "$WP" activate "$PLUGIN_SLUG" > "$LOGS/wp-plugin.log" 2>&1 \
            || { cat "$LOGS/wp-plugin.log" >&2; die "plugin activation failed (log: ${LOGS#"$BKX_ROOT"/}/wp-plugin.log)"; }
        grep -v -i 'deprecated' "$LOGS/wp-plugin.log" | sed 's/^/    /' >&2 || true
    fi
}

write_fpm_conf() {
    local owner=""
    if [ "$(id -u)" -eq 0 ]; then
        owner=$'user = root\ngroup = root'
    fi
    cat > "$SITE_DIR/php-fpm.conf" <<CONF
; Generated by scripts/site.sh. php-fpm for the $KIND site only.
[global]
pid = $RUN/php-fpm.pid
error_log = $LOGS/php-fpm.log
daemonize = yes

[bkx]
$owner
listen = $RUN/php-fpm.sock
listen.mode = 0660
pm = static
pm.max_children = 4
request_terminate_timeout = 120s
catch_workers_output = yes
decorate_workers_output = no
php_admin_flag[display_errors] = off
php_admin_flag[log_errors] = on
php_admin_value[error_log] = $LOGS/php-error.log
php_admin_value[upload_max_filesize] = 12M
php_admin_value[post_max_size] = 13M
php_admin_value[memory_limit] = 256M
php_admin_value[max_execution_time] = 120
CONF
}

write_nginx_conf() {
    local user_line=""
    [ "$(id -u)" -eq 0 ] && user_line="user root root;"
    mkdir -p "$SITE_DIR/tmp"
    cat > "$SITE_DIR/nginx.conf" <<CONF
# Generated by scripts/site.sh. nginx for the $KIND site only.
$user_line
worker_processes 2;
pid $RUN/nginx.pid;
error_log $LOGS/nginx-error.log warn;
events { worker_connections 1024; }

http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log $LOGS/nginx-access.log;
    client_body_temp_path $SITE_DIR/tmp/client_body;
    proxy_temp_path $SITE_DIR/tmp/proxy;
    fastcgi_temp_path $SITE_DIR/tmp/fastcgi;
    uwsgi_temp_path $SITE_DIR/tmp/uwsgi;
    scgi_temp_path $SITE_DIR/tmp/scgi;
    sendfile on;
    keepalive_timeout 65;
    client_max_body_size 12m;
    gzip on;
    gzip_types text/css application/javascript application/json image/svg+xml;

    map \$http_upgrade \$connection_upgrade { default upgrade; '' close; }

    server {
        listen 127.0.0.1:$SITE_PORT;
        server_name 127.0.0.1 localhost;
        root $WP;
        index index.php;

        location = /wp-config.php { deny all; }
        location ~ /\\. { deny all; }
        # Chat attachments are served by PHP only (GET /chat/uploads/{id}), never directly.
        location ^~ /wp-content/uploads/bkx-livechat-private/ { deny all; }
        location ~* ^/wp-content/uploads/.*\\.php\$ { deny all; }

        # "/" straight to WordPress: through the index module nginx answers 405 to PUT,
        # PATCH and DELETE (REST calls as /?rest_route=...).
        location = / {
            rewrite ^ /index.php last;
        }

        location / {
            try_files \$uri \$uri/ /index.php?\$args;
        }

        location ~ \\.php\$ {
            try_files \$uri =404;
            # Spelled out rather than included: some Debian nginx builds pass HTTP_HOST
            # as \$host (no port), which sends WordPress into a redirect loop on :$SITE_PORT.
            fastcgi_param QUERY_STRING \$query_string;
            fastcgi_param REQUEST_METHOD \$request_method;
            fastcgi_param CONTENT_TYPE \$content_type;
            fastcgi_param CONTENT_LENGTH \$content_length;
            fastcgi_param SCRIPT_NAME \$fastcgi_script_name;
            fastcgi_param SCRIPT_FILENAME \$document_root\$fastcgi_script_name;
            fastcgi_param REQUEST_URI \$request_uri;
            fastcgi_param DOCUMENT_URI \$document_uri;
            fastcgi_param DOCUMENT_ROOT \$document_root;
            fastcgi_param SERVER_PROTOCOL \$server_protocol;
            fastcgi_param REQUEST_SCHEME \$scheme;
            fastcgi_param GATEWAY_INTERFACE CGI/1.1;
            fastcgi_param SERVER_SOFTWARE nginx/\$nginx_version;
            fastcgi_param REMOTE_ADDR \$remote_addr;
            fastcgi_param REMOTE_PORT \$remote_port;
            fastcgi_param SERVER_ADDR \$server_addr;
            fastcgi_param SERVER_PORT \$server_port;
            fastcgi_param SERVER_NAME \$server_name;
            fastcgi_param HTTPS \$https if_not_empty;
            fastcgi_param REDIRECT_STATUS 200;
            fastcgi_param HTTP_HOST \$host:\$server_port;
            fastcgi_param HTTP_PROXY "";
            fastcgi_pass unix:$RUN/php-fpm.sock;
            fastcgi_read_timeout 120s;
            fastcgi_buffers 16 16k;
            fastcgi_buffer_size 32k;
        }

        # Same-origin route to bkx-chatd (Socket.IO's default path), for clients that
        # prefer one origin; BKX_LIVECHAT_CHATD_URL points at chatd's own port.
        location /socket.io/ {
            proxy_pass http://127.0.0.1:$SITE_CHATD_PORT;
            proxy_http_version 1.1;
            proxy_set_header Upgrade \$http_upgrade;
            proxy_set_header Connection \$connection_upgrade;
            proxy_set_header Host \$host;
            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
            proxy_read_timeout 120s;
        }
    }
}
CONF
}

write_chatd_conf() {
    local f="$SITE_DIR/chatd.toml"
    cat > "$f.tmp" <<CONF
# Generated by scripts/site.sh ($KIND site). bkx-chatd configuration.
listen = "127.0.0.1:$SITE_CHATD_PORT"
db_host = "$DB_HOST"
db_port = $DB_PORT
db_user = "$DB_USER"
db_password = "$DB_PASS"
db_name = "$DB_NAME"
db_prefix = "wp_"
secret = "$BKX_SECRET"
# File messages point at the site's download route.
rest_url = "$SITE_URL/wp-json/"
CONF
    chmod 600 "$f.tmp"
    mv -f "$f.tmp" "$f"
}

start_fpm() {
    local root_flag=()
    [ "$(id -u)" -eq 0 ] && root_flag=(-R)
    PHP_INI_SCAN_DIR="$SITE_DIR/php/fpm-conf.d" "$PHP_FPM" "${root_flag[@]}" -t -y "$SITE_DIR/php-fpm.conf" >"$LOGS/php-fpm-test.log" 2>&1 \
        || { cat "$LOGS/php-fpm-test.log" >&2; die "php-fpm configuration test failed"; }
    PHP_INI_SCAN_DIR="$SITE_DIR/php/fpm-conf.d" "$PHP_FPM" "${root_flag[@]}" -y "$SITE_DIR/php-fpm.conf" \
        || die "php-fpm did not start (log: ${LOGS#"$BKX_ROOT"/}/php-fpm.log)"
    wait_for 15 test -S "$RUN/php-fpm.sock" || die "php-fpm did not open its socket (log: ${LOGS#"$BKX_ROOT"/}/php-fpm.log)"
}

start_nginx() {
    "$NGINX" -e "$LOGS/nginx-error.log" -p "$SITE_DIR" -c nginx.conf -t >"$LOGS/nginx-test.log" 2>&1 \
        || { cat "$LOGS/nginx-test.log" >&2; die "nginx configuration test failed"; }
    "$NGINX" -e "$LOGS/nginx-error.log" -p "$SITE_DIR" -c nginx.conf \
        || die "nginx did not start (log: ${LOGS#"$BKX_ROOT"/}/nginx-error.log)"
}

start_chatd() {
    "$BKX_CHATD_BIN" --config "$SITE_DIR/chatd.toml" --check-config >"$LOGS/chatd-check.log" 2>&1 \
        || { cat "$LOGS/chatd-check.log" >&2; die "bkx-chatd rejected ${SITE_DIR#"$BKX_ROOT"/}/chatd.toml"; }
    echo "--- $(date -u +%FT%TZ) start" >> "$LOGS/chatd.log"
    start-stop-daemon --start --quiet --background --make-pidfile --pidfile "$RUN/chatd.pid" \
        --output "$LOGS/chatd.log" --chdir "$SITE_DIR" \
        --exec "$BKX_CHATD_BIN" -- --config "$SITE_DIR/chatd.toml" \
        || die "bkx-chatd did not start"
    local deadline=$((SECONDS + 30))
    until curl -fs -o /dev/null --max-time 2 "$CHATD_URL/healthz"; do
        if ! alive "$RUN/chatd.pid" bkx-chatd; then
            tail -n 30 "$LOGS/chatd.log" >&2
            die "bkx-chatd exited during start-up (log: ${LOGS#"$BKX_ROOT"/}/chatd.log)"
        fi
        [ "$SECONDS" -ge "$deadline" ] && die "bkx-chatd did not answer $CHATD_URL/healthz within 30 s"
        sleep 0.3
    done
}

check_http() {
    local code
    wait_for 20 curl -fsS -o /dev/null --max-time 5 "$SITE_URL/wp-login.php" \
        || { tail -n 20 "$LOGS/nginx-error.log" "$LOGS/php-error.log" 2>/dev/null >&2; die "the site does not answer at $SITE_URL/wp-login.php"; }
    code=$(curl -s -o "$SITE_DIR/tmp/wp-json.out" -w '%{http_code}' --max-time 10 "$SITE_URL/wp-json/")
    [ "$code" = 200 ] || die "GET $SITE_URL/wp-json/ answered $code"
    if [ "$WP_ONLY" != 1 ] && ! grep -q 'bookingx\\/v1' "$SITE_DIR/tmp/wp-json.out"; then
        warn "the REST index lists no bookingx/v1 namespace (is the plugin registering its routes?)"
    fi
}

write_site_env() {
    umask 077
    cat > "$SITE_DIR/site.env" <<ENV
# Generated by scripts/site.sh: the $KIND site, for scripts and tests (source it).
BKX_SITE_KIND=$KIND
BKX_SITE_URL=$SITE_URL
BKX_SITE_ADMIN_USER=$ADMIN_USER
BKX_SITE_ADMIN_PASS=$ADMIN_PASS
BKX_SITE_WP_PATH=$WP
BKX_SITE_CHATD_URL=$CHATD_URL
BKX_SITE_SECRET=$BKX_SECRET
BKX_SITE_DB_HOST=$DB_HOST
BKX_SITE_DB_PORT=$DB_PORT
BKX_SITE_DB_USER=$DB_USER
BKX_SITE_DB_PASS=$DB_PASS
BKX_SITE_DB_NAME=$DB_NAME
BKX_SITE_DB_PREFIX=wp_
ENV
    umask 022
}

do_up() {
    local t0=$SECONDS
    do_stop
    # A half-started site is worse than none: on failure stop what did start (logs stay).
    trap 'rc=$?; if [ $rc -ne 0 ]; then do_stop; warn "start-up failed; logs in ${LOGS#"$BKX_ROOT"/}/"; fi; exit $rc' EXIT
    mkdir -p "$SITE_DIR"
    preflight
    if [ "$SITE_FRESH" = 1 ]; then
        # Everything but the DB credentials goes; the database is dropped and recreated.
        find "$SITE_DIR" -mindepth 1 -maxdepth 1 ! -name db.env -exec rm -rf {} +
        "$BKX_ROOT/scripts/services.sh" db "$SITE_DIR" "$SITE_DB_NAME" "$SITE_DB_USER" --fresh
    else
        "$BKX_ROOT/scripts/services.sh" db "$SITE_DIR" "$SITE_DB_NAME" "$SITE_DB_USER"
    fi
    mkdir -p "$RUN" "$LOGS" "$SITE_DIR/tmp"
    ensure_secrets
    copy_wordpress
    write_wp_config
    site_php
    install_wordpress
    write_fpm_conf
    write_nginx_conf
    write_site_env
    start_fpm
    start_nginx
    if [ "$WP_ONLY" != 1 ]; then
        write_chatd_conf
        start_chatd
    fi
    check_http
    log "$KIND site up in $((SECONDS - t0)) s"
}

case "$ACTION" in
    up)     do_up; do_info ;;
    stop)   do_stop; log "$KIND site stopped" ;;
    status) do_status ;;
    info)   do_info ;;
    *) die "usage: $0 up|stop|status|info [demo|test] [options]" ;;
esac
