<?php
/**
 * GET|POST /chat/availability: free start times of a service (with extras and extensions)
 * for a resource or any resource, on a day or a range of days; agents may post them into
 * the conversation as a `booking_slots` card and hold the offered slots for a few minutes.
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
 * Availability.
 */
final class Availability_Controller extends Booking_Controller {

	/**
	 * Route base.
	 *
	 * @var string
	 */
	protected $rest_base = 'chat/availability';

	/**
	 * Registers the route.
	 */
	public function register_routes() {
		register_rest_route(
			$this->namespace,
			'/' . $this->rest_base,
			array(
				array(
					'methods'             => WP_REST_Server::READABLE . ', ' . WP_REST_Server::CREATABLE,
					'callback'            => array( $this, 'get_items' ),
					'permission_callback' => array( $this, 'get_items_permissions_check' ),
					'args'                => $this->common_args() + array(
						'hold_minutes' => array(
							'description' => __( 'With send_card: hold the offered slots for this conversation for so many minutes (0: no hold).', 'bookingx-live-chat' ),
							'type'        => 'integer',
							'minimum'     => 0,
							'maximum'     => 30,
							'default'     => 5,
						),
						'limit'        => array(
							'description' => __( 'With send_card: at most so many slots in the card.', 'bookingx-live-chat' ),
							'type'        => 'integer',
							'minimum'     => 1,
							'maximum'     => 50,
							'default'     => 12,
						),
					),
				),
				'schema' => array( $this, 'get_public_item_schema' ),
			)
		);
	}

	/**
	 * Permission: see Booking_Controller::check_booking_access().
	 *
	 * @param WP_REST_Request $request Request.
	 * @return true|\WP_Error
	 */
	public function get_items_permissions_check( $request ) {
		return $this->check_booking_access( $request );
	}

	/**
	 * Free slots {slots, timezone} (+ message when a card was sent).
	 *
	 * @param WP_REST_Request $request Request.
	 * @return WP_REST_Response|\WP_Error
	 */
	public function get_items( $request ) {
		$query = $this->query_of( $request );
		foreach ( array( $this->check_window( $query ), $this->check_service( $query ) ) as $check ) {
			if ( is_wp_error( $check ) ) {
				return $check;
			}
		}
		$result = $this->booking_call(
			static function ( Booking_Service $booking ) use ( $query ) {
				return $booking->availability( $query );
			}
		);
		if ( is_wp_error( $result ) || ! $request['send_card'] ) {
			return is_wp_error( $result ) ? $result : new WP_REST_Response( $result, 200 );
		}
		$conversation_id = (int) $request['conversation_id'];
		$limit           = (int) $request['limit'];
		$ttl             = 60 * (int) $request['hold_minutes'];
		$message         = $this->booking_call(
			static function ( Booking_Service $booking ) use ( $result, $query, $conversation_id, $limit, $ttl ) {
				$offered    = array_slice( (array) ( $result['slots'] ?? array() ), 0, $limit );
				$hold_until = $ttl > 0 ? $booking->hold_slots( $offered, $query, $conversation_id, $ttl ) : null;
				return $booking->send_slots_card( $conversation_id, array_merge( $result, array( 'slots' => $offered ) ), $query, $hold_until );
			}
		);
		if ( is_wp_error( $message ) ) {
			return $message;
		}
		$this->forget( $conversation_id );
		$result['message'] = $message;
		return new WP_REST_Response( $result, 200 );
	}

	/**
	 * The answer's schema.
	 *
	 * @return array<string, mixed>
	 */
	public function get_item_schema() {
		return $this->add_additional_fields_schema(
			array(
				'$schema'    => 'http://json-schema.org/draft-04/schema#',
				'title'      => 'bkx_chat_availability',
				'type'       => 'object',
				'properties' => array(
					'slots'    => array(
						'description' => __( 'Free start times: {start, end (RFC 3339 with the site\'s offset), resource_id, label}.', 'bookingx-live-chat' ),
						'type'        => 'array',
					),
					'timezone' => array(
						'description' => __( 'The site\'s time zone.', 'bookingx-live-chat' ),
						'type'        => 'string',
					),
					'message'  => array(
						'description' => __( 'The card message, when send_card was set.', 'bookingx-live-chat' ),
						'type'        => 'object',
					),
				),
			)
		);
	}
}
