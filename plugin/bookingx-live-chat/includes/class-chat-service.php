<?php
/**
 * Builds the one `ChatManager` of a request from WordPress's own configuration.
 *
 * The chat tables live in the WordPress database with the WordPress table prefix, so the
 * extension connects with DB_HOST/DB_USER/DB_PASSWORD/DB_NAME and `$wpdb->prefix`. The plugin
 * never queries the chat tables itself (uninstall.php is the one documented exception).
 *
 * @package BookingX\Addons\LiveChat\WP
 */

namespace BookingX\Addons\LiveChat\WP;

use BookingX\Addons\LiveChat\Attachments;
use BookingX\Addons\LiveChat\ChatManager;

defined( 'ABSPATH' ) || exit;

/**
 * Owns the request's ChatManager.
 */
final class Chat_Service {

	/**
	 * The manager, built on first use.
	 *
	 * @var ChatManager|null
	 */
	private ?ChatManager $manager = null;

	/**
	 * The attachments service, built on first use.
	 *
	 * @var Attachments|null
	 */
	private ?Attachments $attachments = null;

	/**
	 * The shared ChatManager. Building it only validates the configuration: the extension
	 * opens its (per-process, pooled) connection on the first call that needs the database.
	 *
	 * @throws \BookingX\Addons\LiveChat\ChatException When the configuration is invalid.
	 */
	public function manager(): ChatManager {
		if ( null === $this->manager ) {
			$this->manager = new ChatManager( $this->config() );
		}
		return $this->manager;
	}

	/**
	 * The shared Attachments service (same database; the virus scanner of the settings).
	 *
	 * @throws \BookingX\Addons\LiveChat\ChatException When the configuration is invalid
	 *                                                   (for example a malformed scanner address).
	 */
	public function attachments(): Attachments {
		if ( null === $this->attachments ) {
			$this->attachments = new Attachments( $this->config() );
		}
		return $this->attachments;
	}

	/**
	 * The configuration handed to the extension: `db`, `settings`, `scanner` (the
	 * clamd address of the `clamav_address` setting: empty tries the defaults, `off`
	 * disables scanning) and `chatd` (the daemon notified of writes, see relay_url()).
	 *
	 * @return array{db: array<string, mixed>, settings: array<string, mixed>, scanner: array<string, mixed>, chatd?: array<string, string>}
	 */
	public function config(): array {
		global $wpdb;

		$config = array(
			'db'       => array_merge(
				self::parse_db_host( defined( 'DB_HOST' ) ? (string) DB_HOST : 'localhost' ),
				array(
					'user'     => defined( 'DB_USER' ) ? (string) DB_USER : '',
					'password' => defined( 'DB_PASSWORD' ) ? (string) DB_PASSWORD : '',
					'name'     => defined( 'DB_NAME' ) ? (string) DB_NAME : '',
					'prefix'   => (string) $wpdb->prefix,
				)
			),
			'settings' => Settings::get(),
			'scanner'  => array( 'address' => (string) Settings::get( 'clamav_address' ) ),
		);
		$relay_url = self::relay_url();
		if ( '' !== $relay_url ) {
			// Messages and changes written here (webhooks, REST, booking cards) reach live sockets.
			$config['chatd'] = array(
				'url'    => $relay_url,
				'secret' => Secret::get(),
			);
		}

		/**
		 * Filters the configuration the chat extension is built with (for example to point it
		 * at a different database user with rights on the chat tables only).
		 *
		 * @param array $config `db`, `settings` and `scanner`.
		 */
		return apply_filters( 'bkx_livechat_chat_manager_config', $config );
	}

	/**
	 * Where the extension posts its signed relay notices (`/internal/notify` of bkx-chatd):
	 * the `BKX_LIVECHAT_CHATD_INTERNAL_URL` constant (the daemon's address seen from PHP,
	 * e.g. `http://127.0.0.1:8089`, so notices need not travel through the public proxy), else
	 * the public chat server URL with `ws(s)://` read as `http(s)://`. Empty: no relay.
	 */
	public static function relay_url(): string {
		if ( defined( 'BKX_LIVECHAT_CHATD_INTERNAL_URL' ) && is_string( BKX_LIVECHAT_CHATD_INTERNAL_URL ) ) {
			$url = BKX_LIVECHAT_CHATD_INTERNAL_URL;
		} else {
			$url = REST\Token_Controller::chatd_url();
		}
		$url = (string) preg_replace( '#^ws(s?)://#i', 'http$1://', trim( $url ) );
		return preg_match( '#^https?://#i', $url ) ? $url : '';
	}

	/**
	 * Splits DB_HOST the way WordPress's mysqli connection does: `host`, `host:port`,
	 * `host:/socket/path`, `:/socket/path`, `[::1]:3306`. Like mysqli, a bare `localhost`
	 * means the default unix socket when one exists.
	 *
	 * @param string $db_host DB_HOST.
	 * @return array{host: string, port: int, socket?: string}
	 */
	public static function parse_db_host( string $db_host ): array {
		$socket = null;
		$port   = null;
		$host   = $db_host;

		$socket_pos = strpos( $host, ':/' );
		if ( false !== $socket_pos ) {
			$socket = substr( $host, $socket_pos + 1 );
			$host   = substr( $host, 0, $socket_pos );
		}
		if ( substr_count( $host, ':' ) > 1 ) {
			// IPv6, optionally bracketed with a port.
			if ( preg_match( '/^\[?(?P<host>[0-9a-fA-F:]+)\]?(?::(?P<port>\d+))?$/', $host, $m ) && str_starts_with( $host, '[' ) ) {
				$host = $m['host'];
				$port = isset( $m['port'] ) && '' !== $m['port'] ? (int) $m['port'] : null;
			} else {
				$host = trim( $host, '[]' );
			}
		} elseif ( preg_match( '/^(?P<host>[^:]*)(?::(?P<port>\d+))?$/', $host, $m ) ) {
			$host = $m['host'];
			$port = isset( $m['port'] ) && '' !== $m['port'] ? (int) $m['port'] : null;
		}

		if ( null === $socket && null === $port && 'localhost' === $host ) {
			$default = ini_get( 'mysqli.default_socket' );
			foreach ( array( $default, '/run/mysqld/mysqld.sock', '/var/run/mysqld/mysqld.sock', '/tmp/mysql.sock' ) as $candidate ) {
				if ( is_string( $candidate ) && '' !== $candidate && @file_exists( $candidate ) ) { // phpcs:ignore WordPress.PHP.NoSilencedErrors -- open_basedir may forbid the probe.
					$socket = $candidate;
					break;
				}
			}
		}

		$parsed = array(
			'host' => '' === $host ? 'localhost' : $host,
			'port' => $port ?? 3306,
		);
		if ( null !== $socket && '' !== $socket ) {
			$parsed['socket'] = $socket;
		}
		return $parsed;
	}
}
