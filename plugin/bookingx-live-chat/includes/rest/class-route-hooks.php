<?php
/**
 * Behaviour shared by every chat route, attached to WordPress's REST hooks:
 *
 * - stray output (a PHP notice printed by some code during our callbacks) is captured and
 *   logged instead of corrupting the JSON;
 * - responses are never cached (they are per visitor, and may carry a new cookie):
 *   `Cache-Control: no-store, private`, also for logged-in users, for whom core's REST server
 *   sends its own no-cache headers after ours (`nocache_headers` is filtered to keep ours);
 * - a guest's responses carry `X-BKX-Chat-Nonce`, so a widget that just got its visitor
 *   cookie from POST /chat/conversations can send the next message without a token call.
 *
 * @package BookingX\Addons\LiveChat\WP
 */

namespace BookingX\Addons\LiveChat\WP\REST;

use BookingX\Addons\LiveChat\WP\Visitor;
use WP_HTTP_Response;
use WP_REST_Request;

defined( 'ABSPATH' ) || exit;

/**
 * Cross-cutting REST behaviour of the chat routes.
 */
final class Route_Hooks {

	/** The Cache-Control of every chat route's response. */
	public const CACHE_CONTROL = 'no-store, private';

	/**
	 * Guest identity.
	 *
	 * @var Visitor
	 */
	private Visitor $visitor;

	/**
	 * Output-buffer levels opened for our callbacks (a stack: REST requests can nest).
	 *
	 * @var list<int>
	 */
	private array $buffers = array();

	/**
	 * Constructor.
	 *
	 * @param Visitor $visitor Guest identity.
	 */
	public function __construct( Visitor $visitor ) {
		$this->visitor = $visitor;
	}

	/**
	 * Hooks in.
	 */
	public function register(): void {
		add_filter( 'rest_request_before_callbacks', array( $this, 'before_callbacks' ), 10, 3 );
		add_filter( 'rest_request_after_callbacks', array( $this, 'after_callbacks' ), 10, 3 );
		add_filter( 'rest_post_dispatch', array( $this, 'post_dispatch' ), 10, 3 );
	}

	/**
	 * True for the chat routes of this plugin.
	 *
	 * @param WP_REST_Request $request Request.
	 */
	public static function is_chat_route( $request ): bool {
		return $request instanceof WP_REST_Request
			&& 0 === strpos( $request->get_route(), '/' . BKX_LIVECHAT_REST_NAMESPACE . '/chat' );
	}

	/**
	 * Opens a buffer around our permission callback and handler.
	 *
	 * @param mixed           $response Response so far (passed through).
	 * @param array           $handler  Route handler.
	 * @param WP_REST_Request $request  Request.
	 * @return mixed
	 */
	public function before_callbacks( $response, $handler, $request ) {
		if ( self::is_chat_route( $request ) ) {
			ob_start();
			$this->buffers[] = ob_get_level();
		}
		return $response;
	}

	/**
	 * Closes the buffer; anything printed goes to the error log, not to the client.
	 *
	 * @param mixed           $response Response (passed through).
	 * @param array           $handler  Route handler.
	 * @param WP_REST_Request $request  Request.
	 * @return mixed
	 */
	public function after_callbacks( $response, $handler, $request ) {
		if ( self::is_chat_route( $request ) && $this->buffers ) {
			$level  = array_pop( $this->buffers );
			$output = '';
			while ( ob_get_level() >= $level && ob_get_level() > 0 ) {
				$output = ob_get_clean() . $output;
			}
			if ( '' !== trim( $output ) ) {
				// phpcs:ignore WordPress.PHP.DevelopmentFunctions.error_log_error_log -- keeps stray output out of JSON.
				error_log( sprintf( '[bookingx-live-chat] output discarded from %s: %s', $request->get_route(), substr( $output, 0, 2000 ) ) );
			}
		}
		return $response;
	}

	/**
	 * No caching, and the guest nonce header.
	 *
	 * @param WP_HTTP_Response $response Response.
	 * @param \WP_REST_Server  $server   Server.
	 * @param WP_REST_Request  $request  Request.
	 * @return WP_HTTP_Response
	 */
	public function post_dispatch( $response, $server, $request ) {
		if ( ! self::is_chat_route( $request ) || ! $response instanceof WP_HTTP_Response ) {
			return $response;
		}
		$response->header( 'Cache-Control', self::CACHE_CONTROL );
		// Core sends wp_get_nocache_headers() after these for logged-in users: same value there.
		add_filter( 'nocache_headers', array( $this, 'nocache_headers' ) );
		if ( ! is_user_logged_in() ) {
			$visitor_id = $this->visitor->current();
			if ( null !== $visitor_id ) {
				$response->header( Visitor::HEADER, $this->visitor->nonce( $visitor_id ) );
			}
			$response->header( 'Vary', 'Cookie' );
		}
		return $response;
	}

	/**
	 * Core's no-cache headers, sent after a chat route's response headers when a user is
	 * logged in, keep the chat routes' `Cache-Control` (`no-store, private`) instead of
	 * replacing it with `no-cache, must-revalidate, max-age=0`.
	 *
	 * @param array<string, string> $headers Header names and values.
	 * @return array<string, string>
	 */
	public function nocache_headers( $headers ) {
		$headers                  = (array) $headers;
		$headers['Cache-Control'] = self::CACHE_CONTROL;
		return $headers;
	}
}
