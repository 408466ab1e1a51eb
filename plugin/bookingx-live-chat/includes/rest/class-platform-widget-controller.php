<?php
/**
 * GET /bookingx/v1/chat/platform-widget — what the vendor widget's second stage
 * (`assets/dist/vendor.js`) needs to boot the site's chat platform (Intercom, Zendesk,
 * LiveChat, Drift or tawk.to): the vendor's documented script, its public boot settings and,
 * for a logged-in visitor, the identity that verifies them to the vendor (Intercom
 * `user_hash` / JWT, Zendesk messaging JWT, Drift signed identity, tawk.to secure-mode hash),
 * all computed by the extension's platform class (`embedWidget()`).
 *
 * The identity is per visitor, so it is never printed into the page (full-page caches would
 * hand it to the next visitor): the script asks for it after the visitor interacts, and the
 * answer is `Cache-Control: no-store, private` like every chat route. Secrets never leave the
 * server. Logged-in visitors are recognised by the login cookie plus `X-WP-Nonce` (from core's
 * `rest-nonce` Ajax action).
 *
 * @package BookingX\Addons\LiveChat\WP
 */

namespace BookingX\Addons\LiveChat\WP\REST;

use BookingX\Addons\LiveChat\WP\Platform_Health;
use BookingX\Addons\LiveChat\WP\REST_Errors;
use BookingX\Addons\LiveChat\WP\Settings;
use WP_REST_Request;
use WP_REST_Response;
use WP_REST_Server;

defined( 'ABSPATH' ) || exit;

/**
 * Serves the vendor widget's boot data.
 */
class Platform_Widget_Controller extends Chat_Controller {

	/**
	 * Route base.
	 *
	 * @var string
	 */
	protected $rest_base = 'chat/platform-widget';

	/**
	 * Registers the route.
	 */
	public function register_routes() {
		register_rest_route(
			$this->namespace,
			'/' . $this->rest_base,
			array(
				array(
					'methods'             => WP_REST_Server::READABLE,
					'callback'            => array( $this, 'get_item' ),
					'permission_callback' => array( $this, 'get_item_permissions_check' ),
					'args'                => array(),
				),
			)
		);
	}

	/**
	 * Anyone may read it while the chat is on and the site uses a vendor platform.
	 *
	 * @param WP_REST_Request $request Request.
	 * @return true|\WP_Error
	 */
	public function get_item_permissions_check( $request ) {
		if ( ! Settings::get( 'enabled' ) ) {
			return REST_Errors::error( 'platform_unavailable', __( 'Chat service temporarily unavailable.', 'bookingx-live-chat' ) );
		}
		if ( ! in_array( (string) Settings::get( 'platform' ), Platform_Health::VENDORS, true ) ) {
			return REST_Errors::error(
				'not_found',
				__( 'The site uses its own chat, not an external platform.', 'bookingx-live-chat' ),
				array( 'field' => 'platform' )
			);
		}
		return true;
	}

	/**
	 * The embed description, with the identity of a logged-in visitor.
	 *
	 * @param WP_REST_Request $request Request.
	 * @return WP_REST_Response|\WP_Error
	 */
	public function get_item( $request ) {
		$visitor = null;
		$user    = wp_get_current_user();
		if ( $user->exists() ) {
			$visitor = array(
				'user_id' => (string) $user->ID,
				'email'   => (string) $user->user_email,
				'name'    => (string) $user->display_name,
			);
		}
		$embed = $this->call(
			static function ( $manager ) use ( $visitor ) {
				return $manager->platform()->embedWidget( $visitor );
			}
		);
		if ( is_wp_error( $embed ) ) {
			return $embed;
		}
		return new WP_REST_Response( $embed, 200 );
	}
}
