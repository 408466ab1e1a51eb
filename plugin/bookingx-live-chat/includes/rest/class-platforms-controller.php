<?php
/**
 * The vendor platforms' connection, for the settings screen and scripts:
 *
 * - `POST /bookingx/v1/chat/platforms/{platform}/test` — calls the vendor with the saved
 *   credentials (through the extension's platform class) and answers the result:
 *   `{ok: true, account}` or `{ok: false, error: {code, message, details}}`, plus `health`.
 *   A failed test is a result, not a failed request: the answer is 200 either way.
 * - `GET /bookingx/v1/chat/platforms/health` — the health of every vendor platform.
 * - `POST /bookingx/v1/chat/conversations/{id}/sync` — fetches a vendor conversation's
 *   history from the vendor's API (one page; `cursor` for the next) and stores what the
 *   webhooks did not bring, each vendor message once: `{outcome, next_cursor}`.
 *
 * Test and health need the `bkx_chat_manage_settings` capability (administrators, chat
 * managers), sync an agent of the conversation's site (staff); with cookie authentication
 * WordPress requires the REST nonce.
 *
 * @package BookingX\Addons\LiveChat\WP
 */

namespace BookingX\Addons\LiveChat\WP\REST;

use BookingX\Addons\LiveChat\WP\Platform_Health;
use BookingX\Addons\LiveChat\WP\REST_Errors;
use BookingX\Addons\LiveChat\WP\Roles;
use WP_REST_Request;
use WP_REST_Response;
use WP_REST_Server;

defined( 'ABSPATH' ) || exit;

/**
 * Test connection and health of the vendor platforms.
 */
class Platforms_Controller extends Chat_Controller {

	/**
	 * Route base.
	 *
	 * @var string
	 */
	protected $rest_base = 'chat/platforms';

	/**
	 * Registers the routes.
	 */
	public function register_routes() {
		register_rest_route(
			$this->namespace,
			'/' . $this->rest_base . '/(?P<platform>[a-z]+)/test',
			array(
				array(
					'methods'             => WP_REST_Server::CREATABLE,
					'callback'            => array( $this, 'test' ),
					'permission_callback' => array( $this, 'permissions_check' ),
					'args'                => array(
						'platform' => array(
							'description' => __( 'The vendor platform to test.', 'bookingx-live-chat' ),
							'type'        => 'string',
							'enum'        => Platform_Health::VENDORS,
							'required'    => true,
						),
					),
				),
			)
		);
		register_rest_route(
			$this->namespace,
			'/chat/conversations/(?P<id>\d+)/sync',
			array(
				array(
					'methods'             => WP_REST_Server::CREATABLE,
					'callback'            => array( $this, 'sync' ),
					'permission_callback' => array( $this, 'sync_permissions_check' ),
					'args'                => array(
						'id'     => array(
							'description' => __( 'The conversation.', 'bookingx-live-chat' ),
							'type'        => 'integer',
							'minimum'     => 1,
							'required'    => true,
						),
						'cursor' => array(
							'description' => __( 'Where the previous page ended (its next_cursor).', 'bookingx-live-chat' ),
							'type'        => 'string',
							'maxLength'   => 500,
						),
					),
				),
			)
		);
		register_rest_route(
			$this->namespace,
			'/' . $this->rest_base . '/health',
			array(
				array(
					'methods'             => WP_REST_Server::READABLE,
					'callback'            => array( $this, 'health' ),
					'permission_callback' => array( $this, 'permissions_check' ),
					'args'                => array(),
				),
			)
		);
	}

	/**
	 * Settings managers only.
	 *
	 * @param WP_REST_Request $request Request.
	 * @return true|\WP_Error
	 */
	public function permissions_check( $request ) {
		if ( current_user_can( Roles::MANAGE_SETTINGS ) ) {
			return true;
		}
		return REST_Errors::error(
			is_user_logged_in() ? 'forbidden' : 'unauthenticated',
			__( 'You are not allowed to manage the chat platforms.', 'bookingx-live-chat' )
		);
	}

	/**
	 * Staff only, and only for a conversation that lives on a vendor.
	 *
	 * @param WP_REST_Request $request Request.
	 * @return true|\WP_Error
	 */
	public function sync_permissions_check( $request ) {
		if ( ! $this->access->is_staff() ) {
			return $this->access->denied();
		}
		$conversation = $this->conversation( (int) $request['id'] );
		if ( is_wp_error( $conversation ) ) {
			return $conversation;
		}
		if ( 'custom' === ( $conversation['platform'] ?? 'custom' ) || empty( $conversation['platform_conversation_id'] ) ) {
			return REST_Errors::error(
				'invalid_argument',
				__( 'This conversation is not on an external platform.', 'bookingx-live-chat' ),
				array( 'field' => 'id' )
			);
		}
		return true;
	}

	/**
	 * Imports one page of a vendor conversation's history.
	 *
	 * @param WP_REST_Request $request Request.
	 * @return WP_REST_Response|\WP_Error
	 */
	public function sync( $request ) {
		$conversation = $this->conversation( (int) $request['id'] );
		if ( is_wp_error( $conversation ) ) {
			return $conversation;
		}
		$cursor = isset( $request['cursor'] ) && '' !== $request['cursor'] ? (string) $request['cursor'] : null;
		$result = $this->call(
			static function ( $manager ) use ( $conversation, $cursor ) {
				return $manager->platform( (string) $conversation['platform'] )
					->importHistory( (string) $conversation['platform_conversation_id'], $cursor );
			}
		);
		if ( is_wp_error( $result ) ) {
			return $result;
		}
		return new WP_REST_Response( $result, 200 );
	}

	/**
	 * Tests one platform.
	 *
	 * @param WP_REST_Request $request Request.
	 * @return WP_REST_Response
	 */
	public function test( $request ) {
		$health = new Platform_Health( $this->chat );
		return new WP_REST_Response( $health->test( (string) $request['platform'] ), 200 );
	}

	/**
	 * Health of every vendor platform, and which one the site uses.
	 *
	 * @param WP_REST_Request $request Request.
	 * @return WP_REST_Response
	 */
	public function health( $request ) {
		$health = new Platform_Health( $this->chat );
		$out    = array();
		foreach ( Platform_Health::VENDORS as $platform ) {
			$out[ $platform ] = $health->status( $platform );
		}
		return new WP_REST_Response(
			array(
				'platform'  => (string) \BookingX\Addons\LiveChat\WP\Settings::get( 'platform' ),
				'platforms' => $out,
			),
			200
		);
	}
}
