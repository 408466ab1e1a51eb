<?php
/**
 * POST /bookingx/v1/chat/token — a short-lived token for the chat daemon.
 *
 * The daemon (`bkx-chatd`) never calls WordPress: it trusts a JWT (HS256) signed with the
 * secret both share. This route is where a browser gets one, and where a guest gets their
 * visitor cookie and visitor nonce. It changes nothing on the server, so it is the one guest
 * write route that does not require the visitor nonce: it is how the widget obtains it after
 * a page load (the cookie is HttpOnly).
 *
 * @package BookingX\Addons\LiveChat\WP
 */

namespace BookingX\Addons\LiveChat\WP\REST;

use BookingX\Addons\LiveChat\ChatToken;
use BookingX\Addons\LiveChat\WP\REST_Errors;
use BookingX\Addons\LiveChat\WP\Secret;
use BookingX\Addons\LiveChat\WP\Settings;
use WP_REST_Request;
use WP_REST_Response;
use WP_REST_Server;

defined( 'ABSPATH' ) || exit;

/**
 * Issues daemon tokens.
 */
class Token_Controller extends Chat_Controller {

	/**
	 * Route base.
	 *
	 * @var string
	 */
	protected $rest_base = 'chat/token';

	/**
	 * Registers the route.
	 */
	public function register_routes() {
		register_rest_route(
			$this->namespace,
			'/' . $this->rest_base,
			array(
				array(
					'methods'             => WP_REST_Server::CREATABLE,
					'callback'            => array( $this, 'create_item' ),
					'permission_callback' => array( $this, 'create_item_permissions_check' ),
					'args'                => array(
						'conversation_id' => array(
							'description' => __( 'A conversation of the caller the token may join (optional).', 'bookingx-live-chat' ),
							'type'        => 'integer',
							'minimum'     => 1,
						),
					),
				),
				'schema' => array( $this, 'get_public_item_schema' ),
			)
		);
	}

	/**
	 * Anyone may ask for a token: guests get one for their visitor id. A requested
	 * conversation must be the caller's own (or any, for staff).
	 *
	 * @param WP_REST_Request $request Request.
	 * @return true|\WP_Error
	 */
	public function create_item_permissions_check( $request ) {
		$enabled = $this->check_chat_enabled();
		if ( true !== $enabled ) {
			return $enabled;
		}
		$conversation_id = (int) $request->get_param( 'conversation_id' );
		if ( $conversation_id > 0 ) {
			if ( ! is_user_logged_in() ) {
				// The conversation check compares visitor ids; make sure this guest has one.
				$this->access->visitor()->ensure();
			}
			$conversation = $this->conversation( $conversation_id );
			if ( is_wp_error( $conversation ) ) {
				return $conversation;
			}
			if ( null === $this->access->side_in( $conversation ) ) {
				return $this->access->denied();
			}
		}
		return true;
	}

	/**
	 * Issues the token.
	 *
	 * @param WP_REST_Request $request Request.
	 * @return WP_REST_Response|\WP_Error
	 */
	public function create_item( $request ) {
		$user       = wp_get_current_user();
		$visitor_id = null;
		if ( $user->exists() ) {
			$claims = array(
				'sub'  => 'u:' . $user->ID,
				'role' => $this->access->token_role(),
				'name' => $user->display_name,
			);
		} else {
			$visitor_id = $this->access->visitor()->ensure();
			$claims     = array(
				'sub'  => 'v:' . $visitor_id,
				'role' => 'customer',
			);
		}
		$conversation_id = (int) $request->get_param( 'conversation_id' );
		if ( $conversation_id > 0 ) {
			$claims['conversations'] = array( $conversation_id );
		}

		/**
		 * Lifetime of a daemon token in seconds (default 15 minutes; clients refresh).
		 *
		 * @param int   $ttl    Seconds.
		 * @param array $claims The claims.
		 */
		$ttl = (int) apply_filters( 'bkx_livechat_token_ttl', 15 * MINUTE_IN_SECONDS, $claims );

		try {
			$issued = ChatToken::issue( $claims, Secret::get(), max( 30, $ttl ) );
		} catch ( \Throwable $e ) {
			return REST_Errors::from_throwable( $e );
		}

		$data = array(
			'token'      => $issued['token'],
			'expires_at' => $issued['expires_at'],
			'chatd_url'  => self::chatd_url(),
		);
		if ( null !== $visitor_id ) {
			$data['visitor_id'] = $visitor_id;
			$data['nonce']      = $this->access->visitor()->nonce( $visitor_id );
		}
		return new WP_REST_Response( $data, 200 );
	}

	/**
	 * The daemon's public URL: the `BKX_LIVECHAT_CHATD_URL` constant, else the settings'
	 * `custom_chat_server` with `custom_chat_port` when that is not the scheme's default.
	 */
	public static function chatd_url(): string {
		if ( defined( 'BKX_LIVECHAT_CHATD_URL' ) && is_string( BKX_LIVECHAT_CHATD_URL ) && '' !== BKX_LIVECHAT_CHATD_URL ) {
			return BKX_LIVECHAT_CHATD_URL;
		}
		$server = (string) Settings::get( 'custom_chat_server' );
		$port   = (int) Settings::get( 'custom_chat_port' );
		$parts  = wp_parse_url( $server );
		if ( ! is_array( $parts ) || empty( $parts['host'] ) || isset( $parts['port'] ) || $port <= 0 ) {
			return $server;
		}
		$scheme        = strtolower( $parts['scheme'] ?? 'https' );
		$default_ports = array(
			'http'  => 80,
			'ws'    => 80,
			'https' => 443,
			'wss'   => 443,
		);
		if ( ( $default_ports[ $scheme ] ?? 0 ) === $port ) {
			return $server;
		}
		$host = str_contains( $parts['host'], ':' ) ? '[' . $parts['host'] . ']' : $parts['host'];
		return $scheme . '://' . $host . ':' . $port . ( $parts['path'] ?? '' );
	}

	/**
	 * The response schema.
	 *
	 * @return array<string, mixed>
	 */
	public function get_item_schema() {
		if ( $this->schema ) {
			return $this->add_additional_fields_schema( $this->schema );
		}
		$this->schema = array(
			'$schema'    => 'http://json-schema.org/draft-04/schema#',
			'title'      => 'bkx-chat-token',
			'type'       => 'object',
			'properties' => array(
				'token'      => array(
					'description' => __( 'JWT (HS256) for the chat daemon; claims sub, role, name, iat, exp, jti.', 'bookingx-live-chat' ),
					'type'        => 'string',
					'readonly'    => true,
				),
				'expires_at' => array(
					'description' => __( 'When the token expires (RFC 3339, UTC).', 'bookingx-live-chat' ),
					'type'        => 'string',
					'format'      => 'date-time',
					'readonly'    => true,
				),
				'chatd_url'  => array(
					'description' => __( 'Base URL of the chat daemon (Socket.IO namespace /chat).', 'bookingx-live-chat' ),
					'type'        => 'string',
					'readonly'    => true,
				),
				'visitor_id' => array(
					'description' => __( 'Guests only: the visitor id of the visitor cookie.', 'bookingx-live-chat' ),
					'type'        => 'string',
					'readonly'    => true,
				),
				'nonce'      => array(
					'description' => __( 'Guests only: the value to send as X-BKX-Chat-Nonce on state-changing requests.', 'bookingx-live-chat' ),
					'type'        => 'string',
					'readonly'    => true,
				),
			),
		);
		return $this->add_additional_fields_schema( $this->schema );
	}
}
