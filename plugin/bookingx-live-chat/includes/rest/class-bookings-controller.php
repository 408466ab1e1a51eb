<?php
/**
 * POST /chat/bookings: books a slot offered in the chat — by the agent or by the customer
 * accepting a card — through BookingX's own creation path. The slot is re-verified first; a
 * taken slot answers 409 `booking_unavailable` with `data.alternatives` (fresh slots).
 *
 * @package BookingX\Addons\LiveChat\WP
 */

namespace BookingX\Addons\LiveChat\WP\REST;

use BookingX\Addons\LiveChat\WP\Booking\Booking_Service;
use BookingX\Addons\LiveChat\WP\Booking\Booking_Unavailable;
use BookingX\Addons\LiveChat\WP\REST_Errors;
use WP_Error;
use WP_REST_Request;
use WP_REST_Response;
use WP_REST_Server;

defined( 'ABSPATH' ) || exit;

/**
 * Bookings from the chat.
 */
final class Bookings_Controller extends Booking_Controller {

	/**
	 * Route base.
	 *
	 * @var string
	 */
	protected $rest_base = 'chat/bookings';

	/**
	 * Registers the route.
	 */
	public function register_routes() {
		$args = $this->common_args( false );
		unset( $args['send_card'], $args['resource_id'] );
		$args['conversation_id']['required'] = true;
		$text                                = array(
			'type'      => 'string',
			'maxLength' => 100,
		);
		$args += array(
			'slot'       => array(
				'description' => __( 'The slot: {start (RFC 3339, as offered), resource_id (or "any")}.', 'bookingx-live-chat' ),
				'type'        => 'object',
				'required'    => true,
				'properties'  => array(
					'start'       => array(
						'type'     => 'string',
						'format'   => 'date-time',
						'required' => true,
					),
					'resource_id' => array(
						'type'    => array( 'integer', 'string' ),
						'pattern' => '^(any|[1-9][0-9]*)$',
					),
				),
			),
			'hold_id'    => array(
				'description' => __( 'The hold of the offered slot, released once booked.', 'bookingx-live-chat' ),
				'type'        => 'string',
				'maxLength'   => 64,
			),
			'first_name' => $text + array( 'description' => __( 'Customer first name (default: the logged-in user\'s or the chat name).', 'bookingx-live-chat' ) ),
			'last_name'  => $text + array( 'description' => __( 'Customer last name.', 'bookingx-live-chat' ) ),
			'phone'      => array(
				'description' => __( 'Customer phone.', 'bookingx-live-chat' ),
				'type'        => 'string',
				'maxLength'   => 40,
			),
			'email'      => array(
				'description' => __( 'Customer e-mail for BookingX\'s confirmation (default: the logged-in user\'s).', 'bookingx-live-chat' ),
				'type'        => 'string',
				'format'      => 'email',
			),
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
	 * Permission: the conversation's customer or an agent+.
	 *
	 * @param WP_REST_Request $request Request.
	 * @return true|WP_Error
	 */
	public function create_item_permissions_check( $request ) {
		return $this->check_booking_access( $request, true );
	}

	/**
	 * 201 {booking_id, booking, conversation, message} or 409 booking_unavailable.
	 *
	 * @param WP_REST_Request $request Request.
	 * @return WP_REST_Response|WP_Error
	 */
	public function create_item( $request ) {
		$conversation_id = (int) $request['conversation_id'];
		$conversation    = $this->conversation( $conversation_id );
		if ( is_wp_error( $conversation ) ) {
			return $conversation;
		}
		if ( 'closed' === ( $conversation['status'] ?? '' ) ) {
			return REST_Errors::error( 'conflict', __( 'This conversation is closed.', 'bookingx-live-chat' ) );
		}
		$slot  = (array) $request['slot'];
		$query = $this->query_of( $request );
		$query['resource_id'] = $slot['resource_id'] ?? 'any';
		$check = $this->check_service( $query );
		if ( is_wp_error( $check ) ) {
			return $check;
		}
		$customer = $this->customer_fields( $request, $conversation );
		if ( is_wp_error( $customer ) ) {
			return $customer;
		}
		$input  = array_merge(
			$customer,
			array(
				'slot'       => array(
					'start'       => (string) $slot['start'],
					'resource_id' => $slot['resource_id'] ?? 'any',
				),
				'service_id' => $query['service_id'],
				'extras'     => $query['extras'],
				'extension'  => $query['extension'],
				'hold_id'    => (string) ( $request['hold_id'] ?? '' ),
				'page_url'   => (string) wp_get_referer(),
			)
		);
		$result = $this->booking_call(
			static function ( Booking_Service $booking ) use ( $input, $conversation ) {
				try {
					return $booking->create( $input, $conversation );
				} catch ( Booking_Unavailable $e ) {
					$error = REST_Errors::error(
						'booking_unavailable',
						__( 'Sorry, this time was just taken. Here are other times.', 'bookingx-live-chat' )
					);
					$data                 = (array) $error->get_error_data();
					$data['alternatives'] = $e->alternatives();
					$error->add_data( $data );
					return $error;
				} catch ( \RuntimeException $e ) {
					if ( $e instanceof \BookingX\Addons\LiveChat\ChatException ) {
						throw $e;
					}
					return REST_Errors::error( 'booking_error', __( 'The booking could not be made. Please try again or ask the agent.', 'bookingx-live-chat' ), array( 'reason' => $e->getMessage() ) );
				}
			}
		);
		$this->forget( $conversation_id );
		if ( is_wp_error( $result ) ) {
			return $result;
		}
		return new WP_REST_Response(
			array(
				'booking_id'   => (int) $result['booking']['booking_id'],
				'booking'      => $result['booking'],
				'conversation' => $result['conversation'],
				'message'      => $result['message'],
			),
			201
		);
	}

	/**
	 * The customer's name, e-mail and phone: the request's, else the logged-in user's (for the
	 * customer side), else the chat's visitor name. BookingX needs an e-mail to confirm.
	 *
	 * @param WP_REST_Request      $request      Request.
	 * @param array<string, mixed> $conversation Conversation.
	 * @return array<string, string>|WP_Error
	 */
	private function customer_fields( WP_REST_Request $request, array $conversation ) {
		$user = null;
		if ( ! empty( $conversation['customer_id'] ) ) {
			$user = get_userdata( (int) $conversation['customer_id'] );
		}
		$name   = (string) ( $conversation['metadata']['visitor_name'] ?? '' );
		$fields = array(
			'first_name' => (string) ( $request['first_name'] ?? ( $user ? $user->first_name : '' ) ),
			'last_name'  => (string) ( $request['last_name'] ?? ( $user ? $user->last_name : '' ) ),
			'email'      => (string) ( $request['email'] ?? ( $user ? $user->user_email : '' ) ),
			'phone'      => (string) ( $request['phone'] ?? '' ),
		);
		if ( '' === $fields['first_name'] ) {
			$fields['first_name'] = $user ? $user->display_name : $name;
		}
		$fields = array_map( 'sanitize_text_field', $fields );
		if ( '' === $fields['email'] || ! is_email( $fields['email'] ) ) {
			return REST_Errors::error( 'invalid_argument', __( 'An e-mail address is needed for the booking confirmation.', 'bookingx-live-chat' ), array( 'field' => 'email' ) );
		}
		if ( '' === $fields['first_name'] ) {
			return REST_Errors::error( 'invalid_argument', __( 'A name is needed for the booking.', 'bookingx-live-chat' ), array( 'field' => 'first_name' ) );
		}
		return $fields;
	}
}
