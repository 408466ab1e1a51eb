<?php
/**
 * What the four booking controllers share: the booking service, the permission rule
 * (agents+ for any conversation, customers only for their own, staff alone without a
 * conversation or when sending a card) and the common query arguments.
 *
 * @package BookingX\Addons\LiveChat\WP
 */

namespace BookingX\Addons\LiveChat\WP\REST;

use BookingX\Addons\LiveChat\WP\Access;
use BookingX\Addons\LiveChat\WP\Booking\Booking_Service;
use BookingX\Addons\LiveChat\WP\Chat_Service;
use BookingX\Addons\LiveChat\WP\REST_Errors;
use WP_Error;
use WP_REST_Request;

defined( 'ABSPATH' ) || exit;

/**
 * Base class of /chat/availability, /chat/quote, /chat/bookings and /chat/booking-links.
 */
abstract class Booking_Controller extends Chat_Controller {

	/**
	 * The booking service (null when no booking system is active).
	 *
	 * @var Booking_Service|null
	 */
	protected ?Booking_Service $booking;

	/**
	 * Constructor.
	 *
	 * @param Chat_Service         $chat    The extension.
	 * @param Access               $access  Access rules.
	 * @param Booking_Service|null $booking The booking service, null without a booking system.
	 */
	public function __construct( Chat_Service $chat, Access $access, ?Booking_Service $booking ) {
		parent::__construct( $chat, $access );
		$this->booking = $booking;
	}

	/**
	 * The permission rule of every booking route.
	 *
	 * @param WP_REST_Request $request          Request.
	 * @param bool            $need_conversation Whether conversation_id is required.
	 * @return true|WP_Error
	 */
	protected function check_booking_access( WP_REST_Request $request, bool $need_conversation = false ) {
		if ( null === $this->booking ) {
			return REST_Errors::error( 'platform_unavailable', __( 'Booking from the chat is off: no booking system (BookingX) is active.', 'bookingx-live-chat' ) );
		}
		$conversation_id = (int) ( $request['conversation_id'] ?? 0 );
		if ( $request['send_card'] && ! $this->access->is_staff() ) {
			return REST_Errors::error( 'forbidden', __( 'Only agents can send booking cards.', 'bookingx-live-chat' ) );
		}
		if ( $conversation_id <= 0 ) {
			if ( $need_conversation || $request['send_card'] ) {
				return REST_Errors::error( 'invalid_argument', __( 'conversation_id is required.', 'bookingx-live-chat' ), array( 'field' => 'conversation_id' ) );
			}
			if ( $this->access->is_staff() ) {
				return true;
			}
			return is_user_logged_in() || null !== $this->access->visitor()->current()
				? REST_Errors::error( 'forbidden', __( 'Ask within your conversation (conversation_id).', 'bookingx-live-chat' ) )
				: REST_Errors::error( 'unauthenticated', __( 'Start a chat or log in first.', 'bookingx-live-chat' ) );
		}
		return $this->check_conversation_access( $request, $conversation_id );
	}

	/**
	 * The query of a request (service, resource, extras, extension, dates, locale).
	 *
	 * @param WP_REST_Request $request Request.
	 * @return array<string, mixed>
	 */
	protected function query_of( WP_REST_Request $request ): array {
		$query = array(
			'service_id'  => (int) $request['service_id'],
			'resource_id' => $request['resource_id'] ?? 'any',
			'extras'      => array_values( array_map( 'intval', (array) ( $request['extras'] ?? array() ) ) ),
			'extension'   => (int) ( $request['extension'] ?? 0 ),
		);
		foreach ( array( 'date', 'date_from', 'date_to', 'time', 'locale' ) as $key ) {
			if ( isset( $request[ $key ] ) && '' !== $request[ $key ] ) {
				$query[ $key ] = (string) $request[ $key ];
			}
		}
		if ( ! isset( $query['locale'] ) ) {
			$query['locale'] = determine_locale();
		}
		if ( (int) ( $request['conversation_id'] ?? 0 ) > 0 ) {
			$query['conversation_id'] = (int) $request['conversation_id'];
		}
		return $query;
	}

	/**
	 * The service must exist and the resource (when one is named) must offer it.
	 *
	 * @param array<string, mixed> $query Query.
	 * @return true|WP_Error
	 */
	protected function check_service( array $query ) {
		$resource  = 'any' === $query['resource_id'] || '' === $query['resource_id'] ? null : (int) $query['resource_id'];
		$resources = $this->booking->provider()->resources_for( (int) $query['service_id'], null );
		if ( ! $resources ) {
			return REST_Errors::error( 'not_found', __( 'No such service, or nobody offers it.', 'bookingx-live-chat' ), array( 'field' => 'service_id' ) );
		}
		if ( null !== $resource && ! in_array( $resource, $resources, true ) ) {
			return REST_Errors::error( 'invalid_argument', __( 'This resource does not offer this service.', 'bookingx-live-chat' ), array( 'field' => 'resource_id' ) );
		}
		return true;
	}

	/**
	 * Runs a booking call; exceptions become the mapped WP_Error.
	 *
	 * @param callable $call The call (gets the Booking_Service).
	 * @return mixed|WP_Error
	 */
	protected function booking_call( callable $call ) {
		try {
			return $call( $this->booking );
		} catch ( \Throwable $e ) {
			return REST_Errors::from_throwable( $e );
		}
	}

	/**
	 * Arguments shared by the routes.
	 *
	 * @param bool $dates Include date arguments.
	 * @return array<string, array<string, mixed>>
	 */
	protected function common_args( bool $dates = true ): array {
		$args = array(
			'conversation_id' => array(
				'description' => __( 'The conversation asked about (customers: required, their own).', 'bookingx-live-chat' ),
				'type'        => 'integer',
				'minimum'     => 1,
			),
			'service_id'      => array(
				'description' => __( 'The service (BookingX bkx_base id).', 'bookingx-live-chat' ),
				'type'        => 'integer',
				'minimum'     => 1,
				'required'    => true,
			),
			'resource_id'     => array(
				'description' => __( 'A resource (bkx_seat id) or "any".', 'bookingx-live-chat' ),
				'type'        => array( 'integer', 'string' ),
				'default'     => 'any',
				'pattern'     => '^(any|[1-9][0-9]*)$',
			),
			'extras'          => array(
				'description' => __( 'Extras (bkx_addition ids).', 'bookingx-live-chat' ),
				'type'        => 'array',
				'items'       => array(
					'type'    => 'integer',
					'minimum' => 1,
				),
				'default'     => array(),
				'maxItems'    => 20,
			),
			'extension'       => array(
				'description' => __( 'How many times the service is extended.', 'bookingx-live-chat' ),
				'type'        => 'integer',
				'minimum'     => 0,
				'maximum'     => 100,
				'default'     => 0,
			),
			'locale'          => array(
				'description' => __( 'Locale for formatted amounts (default: the site\'s).', 'bookingx-live-chat' ),
				'type'        => 'string',
				'pattern'     => '^[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,8})*$',
			),
			'send_card'       => array(
				'description' => __( 'Agents: also post the result as a card message into the conversation.', 'bookingx-live-chat' ),
				'type'        => 'boolean',
				'default'     => false,
			),
		);
		if ( $dates ) {
			$date = array(
				'type'    => 'string',
				'pattern' => '^\d{4}-\d{2}-\d{2}$',
			);
			$args['date']      = $date + array( 'description' => __( 'One day (Y-m-d, site time).', 'bookingx-live-chat' ) );
			$args['date_from'] = $date + array( 'description' => __( 'First day of a range.', 'bookingx-live-chat' ) );
			$args['date_to']   = $date + array( 'description' => __( 'Last day of a range (at most 62 days).', 'bookingx-live-chat' ) );
		}
		return $args;
	}

	/**
	 * The date window must be valid and at most 62 days.
	 *
	 * @param array<string, mixed> $query Query.
	 * @return true|WP_Error
	 */
	protected function check_window( array $query ) {
		list( $from, $to ) = Booking_Service::window( $query );
		$a                 = \DateTimeImmutable::createFromFormat( '!Y-m-d', $from );
		$b                 = \DateTimeImmutable::createFromFormat( '!Y-m-d', $to );
		if ( ! $a || ! $b || $a->format( 'Y-m-d' ) !== $from || $b->format( 'Y-m-d' ) !== $to ) {
			return REST_Errors::error( 'invalid_argument', __( 'Dates must be real days (Y-m-d).', 'bookingx-live-chat' ), array( 'field' => 'date' ) );
		}
		if ( $b < $a || $a->diff( $b )->days > 61 ) {
			return REST_Errors::error( 'invalid_argument', __( 'date_to must follow date_from, at most 62 days.', 'bookingx-live-chat' ), array( 'field' => 'date_to' ) );
		}
		return true;
	}
}
