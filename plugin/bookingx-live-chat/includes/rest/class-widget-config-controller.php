<?php
/**
 * GET /bookingx/v1/chat/widget-config — the widget's public configuration, cacheable.
 *
 * The same array the page prints inline (Widget::config()): colours, position, greeting,
 * feature switches, translated strings, the REST root and asset URLs. Nothing in it depends
 * on the caller, so unlike every other chat route it is sent with public cache headers
 * (the spec caches the widget configuration for an hour) and never carries the guest nonce
 * header or a cookie. Meant for embeds that cannot print the inline JSON (a headless front
 * end, a page builder, a static site on another host).
 *
 * @package BookingX\Addons\LiveChat\WP
 */

namespace BookingX\Addons\LiveChat\WP\REST;

use BookingX\Addons\LiveChat\WP\REST_Errors;
use BookingX\Addons\LiveChat\WP\Settings;
use BookingX\Addons\LiveChat\WP\Visitor;
use BookingX\Addons\LiveChat\WP\Widget;
use WP_HTTP_Response;
use WP_REST_Request;
use WP_REST_Response;
use WP_REST_Server;

defined( 'ABSPATH' ) || exit;

/**
 * Serves the widget configuration.
 */
class Widget_Config_Controller extends Chat_Controller {

	/** How long shared caches may keep the answer (spec: widget configuration, 1 hour). */
	public const MAX_AGE = HOUR_IN_SECONDS;

	/**
	 * Route base.
	 *
	 * @var string
	 */
	protected $rest_base = 'chat/widget-config';

	/**
	 * Registers the route and the cache-header filter.
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
				'schema' => array( $this, 'get_public_item_schema' ),
			)
		);
		// After Route_Hooks (priority 10), which marks every chat answer private.
		add_filter( 'rest_post_dispatch', array( $this, 'cache_headers' ), 20, 3 );
	}

	/**
	 * Everyone may read it while the chat is switched on; when it is off the answer is
	 * `503 platform_unavailable` for everybody (staff included: the answer must not depend
	 * on who asks, since it is cached).
	 *
	 * @param WP_REST_Request $request Request.
	 * @return true|\WP_Error
	 */
	public function get_item_permissions_check( $request ) {
		if ( Settings::get( 'enabled' ) ) {
			return true;
		}
		return REST_Errors::error( 'platform_unavailable', __( 'Chat service temporarily unavailable.', 'bookingx-live-chat' ) );
	}

	/**
	 * The configuration.
	 *
	 * @param WP_REST_Request $request Request.
	 * @return WP_REST_Response
	 */
	public function get_item( $request ) {
		return new WP_REST_Response( Widget::config(), 200 );
	}

	/**
	 * Public caching for a successful answer of this route; nothing per visitor on it.
	 *
	 * @param WP_HTTP_Response $response Response.
	 * @param WP_REST_Server   $server   Server.
	 * @param WP_REST_Request  $request  Request.
	 * @return WP_HTTP_Response
	 */
	public function cache_headers( $response, $server, $request ) {
		if ( ! $request instanceof WP_REST_Request || ! $response instanceof WP_HTTP_Response
			|| '/' . $this->namespace . '/' . $this->rest_base !== $request->get_route()
			|| 200 !== $response->get_status() ) {
			return $response;
		}
		$headers = $response->get_headers();
		unset( $headers[ Visitor::HEADER ], $headers['Vary'] );
		$headers['Cache-Control'] = 'public, max-age=' . self::MAX_AGE;
		$response->set_headers( $headers );
		return $response;
	}

	/**
	 * The response schema (the main keys; `strings` maps names to translated texts).
	 *
	 * @return array<string, mixed>
	 */
	public function get_item_schema() {
		if ( $this->schema ) {
			return $this->add_additional_fields_schema( $this->schema );
		}
		$string       = array(
			'type'     => 'string',
			'readonly' => true,
		);
		$boolean      = array(
			'type'     => 'boolean',
			'readonly' => true,
		);
		$this->schema = array(
			'$schema'    => 'http://json-schema.org/draft-04/schema#',
			'title'      => 'bkx-chat-widget-config',
			'type'       => 'object',
			'properties' => array(
				'platform'        => $string + array( 'description' => __( 'The chat platform of the site.', 'bookingx-live-chat' ) ),
				'rest'            => $string + array( 'description' => __( 'Root URL of the bookingx/v1 REST namespace.', 'bookingx-live-chat' ) ),
				'ajax'            => $string + array( 'description' => __( 'URL of admin-ajax.php (REST nonce of logged-in visitors).', 'bookingx-live-chat' ) ),
				'chat_js'         => $string + array( 'description' => __( 'URL of the second stage the loader fetches on interaction: the chat UI, or vendor.js on a vendor platform.', 'bookingx-live-chat' ) ),
				'booking_url'     => $string + array( 'description' => __( "BookingX's booking page ('' without one), where a booking prompt sends visitors.", 'bookingx-live-chat' ) ),
				'color'           => $string + array( 'description' => __( 'Widget colour.', 'bookingx-live-chat' ) ),
				'text_color'      => $string + array( 'description' => __( 'Text colour on the widget colour.', 'bookingx-live-chat' ) ),
				'position'        => $string + array(
					'description' => __( 'Corner of the floating button.', 'bookingx-live-chat' ),
					'enum'        => array( 'bottom-right', 'bottom-left' ),
				),
				'rtl'             => $boolean + array( 'description' => __( 'Whether the site language is written right to left.', 'bookingx-live-chat' ) ),
				'locale'          => $string + array( 'description' => __( 'Site locale as a BCP 47 tag (timestamps).', 'bookingx-live-chat' ) ),
				'mobile'          => $boolean + array( 'description' => __( 'Whether the widget shows on small screens.', 'bookingx-live-chat' ) ),
				'greeting'        => $string + array( 'description' => __( 'Greeting shown when the chat opens.', 'bookingx-live-chat' ) ),
				'offline_message' => $string + array( 'description' => __( 'Text above the offline form.', 'bookingx-live-chat' ) ),
				'site_name'       => $string,
				'icon'            => $string + array( 'description' => __( 'Site icon URL, or empty.', 'bookingx-live-chat' ) ),
				'gdpr'            => $boolean + array( 'description' => __( 'Whether a consent step comes before the first request.', 'bookingx-live-chat' ) ),
				'privacy_url'     => $string,
				'features'        => array(
					'type'     => 'object',
					'readonly' => true,
				),
				'uploads'         => array(
					'type'     => 'object',
					'readonly' => true,
				),
				'strings'         => array(
					'type'     => 'object',
					'readonly' => true,
				),
			),
		);
		return $this->add_additional_fields_schema( $this->schema );
	}
}
