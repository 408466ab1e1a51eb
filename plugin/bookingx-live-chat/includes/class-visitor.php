<?php
/**
 * The identity of a guest (a visitor who is not logged in).
 *
 * A guest is a random visitor id carried in the HttpOnly cookie `bkx_chat_visitor`, whose
 * value is `<visitor_id>.<HMAC-SHA256(visitor_id, secret)>`: the browser keeps it, scripts
 * cannot read it, and nobody can forge someone else's id without the shared secret.
 *
 * Guests have no WordPress nonce, so state-changing requests of a guest who already has a
 * visitor id must carry `X-BKX-Chat-Nonce: HMAC-SHA256('nonce|' . visitor_id, secret)`. A
 * cross-site form or script cannot know that value (it is only ever handed out in responses
 * to the visitor's own same-origin requests), which is what makes it a CSRF token.
 *
 * No cookie is set before the visitor interacts with the chat: only the first `/chat/token`
 * or `/chat/conversations` request of a guest creates one. Requests from other origins never
 * see or get a visitor cookie (see is_cross_origin()).
 *
 * @package BookingX\Addons\LiveChat\WP
 */

namespace BookingX\Addons\LiveChat\WP;

defined( 'ABSPATH' ) || exit;

/**
 * Reads, verifies and issues the guest visitor cookie and nonce.
 */
final class Visitor {

	public const COOKIE = 'bkx_chat_visitor';
	public const HEADER = 'X-BKX-Chat-Nonce';

	/**
	 * The verified visitor id of this request, false when not yet looked up.
	 *
	 * @var string|null|false
	 */
	private $current = false;

	/**
	 * The verified visitor id from the request's cookie, or null.
	 */
	public function current(): ?string {
		if ( false === $this->current ) {
			$this->current = null;
			if ( self::is_cross_origin() ) {
				return null;
			}
			$raw = isset( $_COOKIE[ self::COOKIE ] ) ? wp_unslash( $_COOKIE[ self::COOKIE ] ) : ''; // phpcs:ignore WordPress.Security.ValidatedSanitizedInput.InputNotSanitized -- verified below.
			if ( is_string( $raw ) ) {
				$this->current = $this->verify_cookie( $raw );
			}
		}
		return $this->current;
	}

	/**
	 * The visitor id, creating it (and setting the cookie) when the guest has none yet.
	 */
	public function ensure(): string {
		$id = $this->current();
		if ( null !== $id ) {
			return $id;
		}
		// 128 random bits; hex keeps it safe in cookies, JWT subjects and SQL columns.
		$id = bin2hex( random_bytes( 16 ) );
		if ( self::is_cross_origin() ) {
			return $id; // A throw-away identity: no cookie for other sites' scripts.
		}
		$this->current = $id;
		$this->send_cookie( $id );
		return $id;
	}

	/**
	 * True when the request comes from a script of another origin.
	 *
	 * WordPress answers REST requests from any origin with credentialed CORS headers and
	 * relies on X-WP-Nonce for logged-in users. Guests have no such header on reads, so a
	 * request whose `Origin` is not one of the site's own is treated as having no visitor
	 * cookie at all (SameSite=Lax already keeps the cookie off most cross-site requests;
	 * this also covers sibling subdomains and browsers without SameSite).
	 */
	public static function is_cross_origin(): bool {
		$origin = get_http_origin();
		if ( '' === $origin || is_allowed_http_origin( $origin ) ) {
			return false;
		}
		// WordPress's own list has hosts without ports (http://host, https://host), so on a
		// site served from a non-default port its own pages would count as foreign: compare
		// with the site's origins, ports included, as well.
		return ! in_array( strtolower( $origin ), array( self::origin_of( home_url() ), self::origin_of( site_url() ) ), true );
	}

	/**
	 * `scheme://host[:port]` of a URL (lower case), or '' when it has none.
	 *
	 * @param string $url URL.
	 */
	private static function origin_of( string $url ): string {
		$parts = wp_parse_url( $url );
		if ( ! is_array( $parts ) || empty( $parts['scheme'] ) || empty( $parts['host'] ) ) {
			return '';
		}
		return strtolower( $parts['scheme'] . '://' . $parts['host'] . ( isset( $parts['port'] ) ? ':' . $parts['port'] : '' ) );
	}

	/**
	 * The nonce a guest must send on state-changing requests.
	 *
	 * @param string $visitor_id Visitor id.
	 */
	public function nonce( string $visitor_id ): string {
		return hash_hmac( 'sha256', 'nonce|' . $visitor_id, Secret::get() );
	}

	/**
	 * Checks a submitted nonce against the visitor id (constant time).
	 *
	 * @param string $visitor_id Visitor id.
	 * @param mixed  $nonce      Submitted value.
	 */
	public function verify_nonce( string $visitor_id, $nonce ): bool {
		return is_string( $nonce ) && '' !== $nonce && hash_equals( $this->nonce( $visitor_id ), $nonce );
	}

	/**
	 * The visitor id inside a cookie value when its signature is right.
	 *
	 * @param string $value Cookie value.
	 */
	public function verify_cookie( string $value ): ?string {
		$parts = explode( '.', $value );
		if ( 2 !== count( $parts ) || ! preg_match( '/^[0-9a-f]{32}$/', $parts[0] ) ) {
			return null;
		}
		return hash_equals( $this->sign( $parts[0] ), $parts[1] ) ? $parts[0] : null;
	}

	/**
	 * The cookie value for a visitor id.
	 *
	 * @param string $visitor_id Visitor id.
	 */
	public function cookie_value( string $visitor_id ): string {
		return $visitor_id . '.' . $this->sign( $visitor_id );
	}

	/**
	 * HMAC of the visitor id. The "visitor|" domain keeps it distinct from the nonce.
	 *
	 * @param string $visitor_id Visitor id.
	 */
	private function sign( string $visitor_id ): string {
		return hash_hmac( 'sha256', 'visitor|' . $visitor_id, Secret::get() );
	}

	/**
	 * Sends the cookie: HttpOnly, SameSite=Lax, Secure on HTTPS.
	 *
	 * @param string $visitor_id Visitor id.
	 */
	private function send_cookie( string $visitor_id ): void {
		$value = $this->cookie_value( $visitor_id );
		// Later reads in this request see the new visitor too.
		$_COOKIE[ self::COOKIE ] = $value;

		/**
		 * How long the guest visitor cookie lives, in seconds (default 30 days).
		 *
		 * @param int $lifetime Seconds.
		 */
		$lifetime = (int) apply_filters( 'bkx_livechat_visitor_cookie_lifetime', 30 * DAY_IN_SECONDS );
		if ( headers_sent() ) {
			return;
		}
		setcookie(
			self::COOKIE,
			$value,
			array(
				'expires'  => time() + max( 60, $lifetime ),
				'path'     => defined( 'COOKIEPATH' ) && COOKIEPATH ? COOKIEPATH : '/',
				'domain'   => defined( 'COOKIE_DOMAIN' ) && COOKIE_DOMAIN ? COOKIE_DOMAIN : '',
				'secure'   => is_ssl(),
				'httponly' => true,
				'samesite' => 'Lax',
			)
		);
	}
}
