<?php
/**
 * POST /chat/booking-links: a link to the booking page pre-filled with service, resource,
 * extras, date and time (BookingX's deep link plus the widget's parameters), and a payment
 * link when a payment gateway is active; agents may post it as a `booking_link` card.
 *
 * @package BookingX\Addons\LiveChat\WP
 */

namespace BookingX\Addons\LiveChat\WP\REST;

use BookingX\Addons\LiveChat\WP\Booking\Booking_Service;
use WP_REST_Request;
use WP_REST_Response;
use WP_REST_Server;

defined( 'ABSPATH' ) || exit;

/**
 * Booking links.
 */
final class Booking_Links_Controller extends Booking_Controller {

	/**
	 * Route base.
	 *
	 * @var string
	 */
	protected $rest_base = 'chat/booking-links';

	/**
	 * Registers the route.
	 */
	public function register_routes() {
		$args         = $this->common_args();
		$args['time'] = array(
			'description' => __( 'Start time (H:i, site time).', 'bookingx-live-chat' ),
			'type'        => 'string',
			'pattern'     => '^([01]\d|2[0-3]):[0-5]\d$',
		);
		register_rest_route(
			$this->namespace,
			'/' . $this->rest_base,
			array(
				array(
					'methods'             => WP_REST_Server::CREATABLE,
					'callback'            => array( $this, 'create_item' ),
					'permission_callback' => array( $this, 'create_item_permissions_check' ),
					'args'                => $args,
				),
			)
		);
	}

	/**
	 * Permission: see Booking_Controller::check_booking_access().
	 *
	 * @param WP_REST_Request $request Request.
	 * @return true|\WP_Error
	 */
	public function create_item_permissions_check( $request ) {
		return $this->check_booking_access( $request );
	}

	/**
	 * {url, label, payment_url} (+ message when a card was sent).
	 *
	 * @param WP_REST_Request $request Request.
	 * @return WP_REST_Response|\WP_Error
	 */
	public function create_item( $request ) {
		$query = $this->query_of( $request );
		$check = $this->check_service( $query );
		if ( is_wp_error( $check ) ) {
			return $check;
		}
		$facts = $this->booking->provider()->link_facts( $query );
		if ( empty( $facts['booking_page_url'] ) ) {
			return \BookingX\Addons\LiveChat\WP\REST_Errors::error(
				'booking_error',
				__( 'BookingX has no booking page set (BookingX settings: booking page), so there is nothing to link to.', 'bookingx-live-chat' ),
				array( 'reason' => 'no_booking_page' )
			);
		}
		$link = $this->booking_call(
			static function ( Booking_Service $booking ) use ( $query ) {
				return $booking->link( $query );
			}
		);
		if ( is_wp_error( $link ) || ! $request['send_card'] ) {
			return is_wp_error( $link ) ? $link : new WP_REST_Response( $link, 200 );
		}
		$conversation_id = (int) $request['conversation_id'];
		$message         = $this->booking_call(
			static function ( Booking_Service $booking ) use ( $link, $conversation_id ) {
				return $booking->send_link_card( $conversation_id, $link );
			}
		);
		if ( is_wp_error( $message ) ) {
			return $message;
		}
		$link['message'] = $message;
		return new WP_REST_Response( $link, 200 );
	}
}
