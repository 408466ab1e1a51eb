<?php
/**
 * POST /chat/quote: the price of a service with extras and extensions for a resource, with
 * tax and deposit by BookingX's rules; agents may post it as a `quote` card.
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
 * Quotes.
 */
final class Quote_Controller extends Booking_Controller {

	/**
	 * Route base.
	 *
	 * @var string
	 */
	protected $rest_base = 'chat/quote';

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
					'args'                => $this->common_args( false ),
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
	 * The quote (the `quote` card shape; + message when a card was sent).
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
		$quote = $this->booking_call(
			static function ( Booking_Service $booking ) use ( $query ) {
				return $booking->quote( $query );
			}
		);
		if ( is_wp_error( $quote ) || ! $request['send_card'] ) {
			return is_wp_error( $quote ) ? $quote : new WP_REST_Response( $quote, 200 );
		}
		$conversation_id = (int) $request['conversation_id'];
		$message         = $this->booking_call(
			static function ( Booking_Service $booking ) use ( $quote, $conversation_id ) {
				return $booking->send_quote_card( $conversation_id, $quote );
			}
		);
		if ( is_wp_error( $message ) ) {
			return $message;
		}
		$quote['message'] = $message;
		return new WP_REST_Response( $quote, 200 );
	}
}
