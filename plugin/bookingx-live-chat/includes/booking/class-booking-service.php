<?php
/**
 * The booking features of the chat, wired: the BookingProvider gathers plain data from the
 * booking system, the extension's BookingAssistant decides (availability, quotes, slot
 * checks, holds, links, cards), ChatManager stores the card messages and the booking link.
 *
 * No booking rule is decided here: this class only moves data between the three.
 *
 * @package BookingX\Addons\LiveChat\WP
 */

namespace BookingX\Addons\LiveChat\WP\Booking;

use BookingX\Addons\LiveChat\BookingAssistant;
use BookingX\Addons\LiveChat\WP\Chat_Service;

require_once __DIR__ . '/interface-booking-provider.php';
require_once __DIR__ . '/class-slot-taken-exception.php';

defined( 'ABSPATH' ) || exit;

/**
 * Booking features for the REST controllers.
 */
final class Booking_Service {

	/** How many fresh alternatives a refused booking offers. */
	public const ALTERNATIVES = 6;

	/** How far ahead alternatives are looked for, in days. */
	public const ALTERNATIVE_DAYS = 14;

	/**
	 * The extension service (ChatManager and its configuration).
	 *
	 * @var Chat_Service
	 */
	private Chat_Service $chat;

	/**
	 * The booking system.
	 *
	 * @var BookingProvider
	 */
	private BookingProvider $provider;

	/**
	 * The assistant, built on first use.
	 *
	 * @var BookingAssistant|null
	 */
	private $assistant = null;

	/**
	 * Constructor.
	 *
	 * @param Chat_Service    $chat     The extension service.
	 * @param BookingProvider $provider The booking system.
	 */
	public function __construct( Chat_Service $chat, BookingProvider $provider ) {
		$this->chat     = $chat;
		$this->provider = $provider;
	}

	/**
	 * The provider for the active booking system, or null when none is active.
	 *
	 * Filter `bkx_livechat_booking_provider` may return another BookingProvider.
	 */
	public static function detect_provider(): ?BookingProvider {
		$provider = BookingX_Provider::detect() ? new BookingX_Provider() : null;
		/**
		 * Filters the booking system the chat books into.
		 *
		 * @param BookingProvider|null $provider The BookingX adapter when BookingX is active.
		 */
		$provider = apply_filters( 'bkx_livechat_booking_provider', $provider );
		return $provider instanceof BookingProvider ? $provider : null;
	}

	/**
	 * The booking system.
	 */
	public function provider(): BookingProvider {
		return $this->provider;
	}

	/**
	 * The extension's BookingAssistant (same configuration as ChatManager).
	 *
	 * @return BookingAssistant
	 */
	public function assistant() {
		if ( null === $this->assistant ) {
			$this->assistant = new BookingAssistant( $this->chat->config() );
		}
		return $this->assistant;
	}

	/**
	 * Free start times: {slots, timezone, ...} as BookingAssistant::availability answers.
	 *
	 * @param array<string, mixed> $query {service_id, resource_id|'any', extras, extension,
	 *                                    date | date_from + date_to, conversation_id?}.
	 * @return array<string, mixed>
	 */
	public function availability( array $query ): array {
		list( $from, $to ) = self::window( $query );
		$catalog           = $this->provider->catalog(
			array(
				'service_id'  => (int) $query['service_id'],
				'resource_id' => self::resource_or_null( $query['resource_id'] ?? null ),
				'date_from'   => $from,
				'date_to'     => $to,
			)
		);
		return $this->assistant()->availability( $catalog, self::assistant_query( $query, $from, $to ) );
	}

	/**
	 * A price quote as BookingAssistant::quote answers (the `quote` card shape).
	 *
	 * @param array<string, mixed> $query {service_id, resource_id?, extras, extension, locale?}.
	 * @return array<string, mixed>
	 */
	public function quote( array $query ): array {
		$today   = wp_date( 'Y-m-d' );
		$catalog = $this->provider->catalog(
			array(
				'service_id'  => (int) $query['service_id'],
				'resource_id' => self::resource_or_null( $query['resource_id'] ?? null ),
				'date_from'   => $today,
				'date_to'     => $today,
			)
		);
		return $this->assistant()->quote( $catalog, self::assistant_query( $query, $today, $today ) );
	}

	/**
	 * A booking link (the `booking_link` card shape).
	 *
	 * @param array<string, mixed> $query {service_id, resource_id?, extras, extension, date?, time?}.
	 * @return array<string, mixed>
	 */
	public function link( array $query ): array {
		$service = (int) ( $query['service_id'] ?? 0 );
		$today   = wp_date( 'Y-m-d' );
		$catalog = $this->provider->catalog(
			array(
				'service_id'  => $service,
				'resource_id' => self::resource_or_null( $query['resource_id'] ?? null ),
				'date_from'   => $today,
				'date_to'     => $today,
			)
		);
		$catalog['links'] = $this->provider->link_facts( $query );
		return $this->assistant()->bookingLink( $catalog, self::assistant_query( $query, $today, $today ) );
	}

	/**
	 * Creates a booking from the chat.
	 *
	 * Under a lock per resource and day: BookingAssistant re-checks the slot against fresh
	 * data (holds of other conversations included) and so does the booking system; a taken
	 * slot throws Booking_Unavailable with fresh alternatives. Then the booking system's own
	 * creation path stores it, the conversation is linked to it (`booking_id`), the slot's
	 * hold is released and a `booking` card is posted.
	 *
	 * @param array<string, mixed> $request      {slot: {start, resource_id}, service_id, extras,
	 *                                           extension, first_name, last_name, email, phone,
	 *                                           hold_id?, page_url?}.
	 * @param array<string, mixed> $conversation The conversation.
	 * @return array{booking: array<string, mixed>, conversation: array<string, mixed>, message: array<string, mixed>}
	 * @throws Booking_Unavailable When the slot is taken.
	 * @throws \RuntimeException   When the booking system fails.
	 */
	public function create( array $request, array $conversation ): array {
		$tz         = wp_timezone();
		$start      = new \DateTimeImmutable( (string) $request['slot']['start'] );
		$local      = $start->setTimezone( $tz );
		$date       = $local->format( 'Y-m-d' );
		$time       = $local->format( 'H:i' );
		$service_id = (int) $request['service_id'];
		$resource   = self::resource_or_null( $request['slot']['resource_id'] ?? null );
		$extras     = array_values( array_map( 'intval', (array) ( $request['extras'] ?? array() ) ) );
		$extension  = (int) ( $request['extension'] ?? 0 );
		$conv_id    = (int) $conversation['id'];
		$query      = array(
			'service_id'      => $service_id,
			'resource_id'     => null === $resource ? 'any' : $resource,
			'extras'          => $extras,
			'extension'       => $extension,
			'conversation_id' => $conv_id,
		);
		$candidates = $this->provider->resources_for( $service_id, $resource );
		if ( ! $candidates ) {
			throw new Booking_Unavailable( $this->alternatives( $query, $date ) );
		}

		$booking = null;
		foreach ( $candidates as $seat ) {
			$lock = self::lock_name( $seat, $date );
			if ( ! self::lock( $lock ) ) {
				continue;
			}
			try {
				$slot = array(
					'start'           => $local->format( DATE_RFC3339 ),
					'resource_id'     => $seat,
					'service_id'      => $service_id,
					'extras'          => $extras,
					'extension'       => $extension,
					'conversation_id' => $conv_id,
				);
				if ( ! $this->slot_is_free( $slot, $date, $time ) ) {
					continue;
				}
				$booking = $this->provider->create_booking(
					array(
						'service_id'      => $service_id,
						'resource_id'     => $seat,
						'extras'          => $extras,
						'extension'       => $extension,
						'date'            => $date,
						'time'            => $time,
						'first_name'      => (string) ( $request['first_name'] ?? '' ),
						'last_name'       => (string) ( $request['last_name'] ?? '' ),
						'email'           => (string) ( $request['email'] ?? '' ),
						'phone'           => (string) ( $request['phone'] ?? '' ),
						'conversation_id' => $conv_id,
						'page_url'        => (string) ( $request['page_url'] ?? '' ),
					)
				);
				break;
			} catch ( Slot_Taken_Exception $e ) {
				continue;
			} finally {
				self::unlock( $lock );
			}
		}
		if ( null === $booking ) {
			throw new Booking_Unavailable( $this->alternatives( $query, $date ) );
		}

		if ( ! empty( $request['hold_id'] ) ) {
			try {
				$this->assistant()->releaseHold( (string) $request['hold_id'] );
			} catch ( \Throwable $e ) {
				// An expired or unknown hold is already gone: nothing to release.
				unset( $e );
			}
		}
		$manager = $this->chat->manager();
		$linked  = $manager->updateConversation( $conv_id, array( 'booking_id' => (int) $booking['booking_id'] ) );
		$message = $this->post_card( $conv_id, 'booking', $this->booking_card( $booking ), self::booking_text( $booking ) );
		return array(
			'booking'      => $booking,
			'conversation' => $linked,
			'message'      => $message,
		);
	}

	/**
	 * Both verdicts on a slot: ours (fresh data, other conversations' holds) and the booking
	 * system's own.
	 *
	 * @param array<string, mixed> $slot For BookingAssistant::verifySlot.
	 * @param string               $date Y-m-d (site time).
	 * @param string               $time H:i (site time).
	 */
	private function slot_is_free( array $slot, string $date, string $time ): bool {
		$catalog = $this->provider->catalog(
			array(
				'service_id'  => $slot['service_id'],
				'resource_id' => $slot['resource_id'],
				'date_from'   => $date,
				'date_to'     => $date,
			)
		);
		$verdict = $this->assistant()->verifySlot( $catalog, $slot );
		$free    = is_bool( $verdict ) ? $verdict : ! empty( $verdict['available'] );
		if ( ! $free ) {
			return false;
		}
		if ( 'D' === self::time_option( $catalog, (int) $slot['service_id'] ) ) {
			return true; // BookingX checks no day bookings itself; ours is the check.
		}
		return $this->provider->verify(
			array(
				'service_id'  => $slot['service_id'],
				'resource_id' => $slot['resource_id'],
				'extras'      => $slot['extras'],
				'extension'   => $slot['extension'],
				'date'        => $date,
				'time'        => $time,
			)
		);
	}

	/**
	 * Fresh free slots from the refused day on (at most ALTERNATIVES).
	 *
	 * @param array<string, mixed> $query Availability query (without dates).
	 * @param string               $date  Y-m-d.
	 * @return list<array<string, mixed>>
	 */
	public function alternatives( array $query, string $date ): array {
		$from = max( $date, wp_date( 'Y-m-d' ) );
		$to   = ( new \DateTimeImmutable( $from, new \DateTimeZone( 'UTC' ) ) )->modify( '+' . ( self::ALTERNATIVE_DAYS - 1 ) . ' day' )->format( 'Y-m-d' );
		try {
			$found = $this->availability( $query + array( 'date_from' => $from, 'date_to' => $to ) );
		} catch ( \Throwable $e ) {
			return array();
		}
		return array_slice( (array) ( $found['slots'] ?? array() ), 0, self::ALTERNATIVES );
	}

	/**
	 * The `booking` card of a booking.
	 *
	 * @param array<string, mixed> $booking From the provider.
	 * @return array<string, mixed>
	 */
	public function booking_card( array $booking ): array {
		return $this->assistant()->bookingCard(
			array(
				'booking_id'      => (int) $booking['booking_id'],
				'status'          => (string) $booking['status'],
				'service_name'    => (string) $booking['service_name'],
				'resource_name'   => (string) $booking['resource_name'],
				'start'           => $booking['start'],
				'end'             => $booking['end'],
				'total'           => (string) $booking['total'],
				'currency'        => (string) $booking['currency'],
				'locale'          => get_locale(),
				'manage_url'      => null,
			)
		);
	}

	/**
	 * Posts a card message (system sender) into a conversation.
	 *
	 * @param int                  $conversation_id Conversation.
	 * @param string               $type            booking_slots, quote, booking_link or booking.
	 * @param array<string, mixed> $card            The card (metadata.card).
	 * @param string               $text            Plain-text fallback body.
	 * @return array<string, mixed> The stored message.
	 */
	public function post_card( int $conversation_id, string $type, array $card, string $text ): array {
		return $this->chat->manager()->sendMessage(
			$conversation_id,
			array(
				'sender_type'  => 'system',
				'message_type' => $type,
				'body'         => '' !== trim( $text ) ? $text : $type,
				'metadata'     => array( 'card' => $card ),
			)
		);
	}

	/**
	 * Posts a `booking_slots` card of an availability answer.
	 *
	 * @param int                  $conversation_id Conversation.
	 * @param array<string, mixed> $availability    BookingAssistant::availability's answer (slots cut to the card's).
	 * @param array<string, mixed> $query           The query (service, resource, extras, extension).
	 * @param string|null          $hold_until      When the holds end (RFC 3339), if held.
	 * @return array<string, mixed> The stored message.
	 */
	public function send_slots_card( int $conversation_id, array $availability, array $query, ?string $hold_until ): array {
		$card  = $this->assistant()->slotsCard( $availability, self::assistant_query( $query, '', '' ) + array( 'hold_until' => $hold_until ) );
		$times = array();
		foreach ( (array) ( $card['slots'] ?? array() ) as $slot ) {
			$times[] = (string) ( $slot['label'] ?? $slot['start'] ?? '' );
		}
		$text = $times
			/* translators: 1: service, 2: comma-separated times */
			? sprintf( __( 'Available times for %1$s: %2$s', 'bookingx-live-chat' ), (string) ( $card['service_name'] ?? '' ), implode( ', ', $times ) )
			/* translators: %s: service */
			: sprintf( __( 'No free times for %s in these days.', 'bookingx-live-chat' ), (string) ( $card['service_name'] ?? '' ) );
		return $this->post_card( $conversation_id, 'booking_slots', $card, $text );
	}

	/**
	 * Posts a `quote` card.
	 *
	 * @param int                  $conversation_id Conversation.
	 * @param array<string, mixed> $quote           BookingAssistant::quote's answer.
	 * @return array<string, mixed> The stored message.
	 */
	public function send_quote_card( int $conversation_id, array $quote ): array {
		$card = $this->assistant()->quoteCard( $quote );
		$text = sprintf(
			/* translators: 1: service, 2: formatted total */
			__( 'Price for %1$s: %2$s', 'bookingx-live-chat' ),
			(string) ( $card['service_name'] ?? '' ),
			(string) ( $card['formatted']['total'] ?? $card['total'] ?? '' )
		);
		return $this->post_card( $conversation_id, 'quote', $card, $text );
	}

	/**
	 * Posts a `booking_link` card.
	 *
	 * @param int                  $conversation_id Conversation.
	 * @param array<string, mixed> $link            BookingAssistant::bookingLink's answer.
	 * @return array<string, mixed> The stored message.
	 */
	public function send_link_card( int $conversation_id, array $link ): array {
		$card = array(
			'url'         => (string) ( $link['url'] ?? '' ),
			'label'       => (string) ( $link['label'] ?? __( 'Book online', 'bookingx-live-chat' ) ),
			'payment_url' => isset( $link['payment_url'] ) ? (string) $link['payment_url'] : null,
		);
		return $this->post_card( $conversation_id, 'booking_link', $card, $card['label'] . ': ' . $card['url'] );
	}

	/**
	 * Holds the slots offered in a card for a conversation (BookingAssistant::hold); returns
	 * the earliest expiry (RFC 3339) or null when nothing could be held.
	 *
	 * @param list<array<string, mixed>> $slots           Slots of the card.
	 * @param array<string, mixed>       $query           service_id, extras, extension.
	 * @param int                        $conversation_id Conversation.
	 * @param int                        $ttl             Seconds.
	 */
	public function hold_slots( array $slots, array $query, int $conversation_id, int $ttl ): ?string {
		$until = null;
		foreach ( $slots as $slot ) {
			try {
				$hold = $this->assistant()->hold(
					array(
						'start'       => $slot['start'],
						'end'         => $slot['end'] ?? null,
						'resource_id' => $slot['resource_id'],
						'service_id'  => (int) $query['service_id'],
						'extras'      => array_values( array_map( 'intval', (array) ( $query['extras'] ?? array() ) ) ),
						'extension'   => (int) ( $query['extension'] ?? 0 ),
					),
					$conversation_id,
					$ttl
				);
			} catch ( \Throwable $e ) {
				continue; // Someone else holds it: the card still offers it, creation re-checks.
			}
			$expires = (string) ( $hold['expires_at'] ?? '' );
			if ( '' !== $expires && ( null === $until || $expires < $until ) ) {
				$until = $expires;
			}
		}
		return $until;
	}

	/*
	 * Helpers.
	 */

	/**
	 * The date window of a query: date, or date_from..date_to (at most 62 days).
	 *
	 * @param array<string, mixed> $query Query.
	 * @return array{0: string, 1: string}
	 */
	public static function window( array $query ): array {
		if ( ! empty( $query['date'] ) ) {
			return array( (string) $query['date'], (string) $query['date'] );
		}
		$from = ! empty( $query['date_from'] ) ? (string) $query['date_from'] : wp_date( 'Y-m-d' );
		$to   = ! empty( $query['date_to'] ) ? (string) $query['date_to'] : $from;
		return array( $from, $to );
	}

	/**
	 * The query BookingAssistant gets.
	 *
	 * @param array<string, mixed> $query Request query.
	 * @param string               $from  Y-m-d.
	 * @param string               $to    Y-m-d.
	 * @return array<string, mixed>
	 */
	private static function assistant_query( array $query, string $from, string $to ): array {
		$resource = self::resource_or_null( $query['resource_id'] ?? null );
		$out      = array(
			'service_id'  => (int) ( $query['service_id'] ?? 0 ),
			'resource_id' => null === $resource ? 'any' : $resource,
			'extras'      => array_values( array_map( 'intval', (array) ( $query['extras'] ?? array() ) ) ),
			'extension'   => (int) ( $query['extension'] ?? 0 ),
			'date_from'   => $from,
			'date_to'     => $to,
			'locale'      => (string) ( $query['locale'] ?? get_locale() ),
		);
		foreach ( array( 'conversation_id', 'date', 'time' ) as $key ) {
			if ( isset( $query[ $key ] ) && '' !== $query[ $key ] && null !== $query[ $key ] ) {
				$out[ $key ] = 'conversation_id' === $key ? (int) $query[ $key ] : (string) $query[ $key ];
			}
		}
		return $out;
	}

	/**
	 * A concrete resource id, or null for 'any'/absent.
	 *
	 * @param mixed $value Request value.
	 */
	private static function resource_or_null( $value ): ?int {
		if ( null === $value || 'any' === $value || '' === $value ) {
			return null;
		}
		$id = (int) $value;
		return $id > 0 ? $id : null;
	}

	/**
	 * A service's time option in a catalog.
	 *
	 * @param array<string, mixed> $catalog    Catalog.
	 * @param int                  $service_id Service.
	 */
	private static function time_option( array $catalog, int $service_id ): string {
		foreach ( (array) ( $catalog['services'] ?? array() ) as $service ) {
			if ( (int) ( $service['id'] ?? 0 ) === $service_id ) {
				return (string) ( $service['time_option'] ?? 'H' );
			}
		}
		return 'H';
	}

	/**
	 * The plain-text fallback of a booking card.
	 *
	 * @param array<string, mixed> $booking Booking.
	 */
	private static function booking_text( array $booking ): string {
		return sprintf(
			/* translators: 1: booking number, 2: service, 3: resource, 4: date and time */
			__( 'Booking #%1$d confirmed: %2$s with %3$s, %4$s.', 'bookingx-live-chat' ),
			(int) $booking['booking_id'],
			(string) $booking['service_name'],
			(string) $booking['resource_name'],
			trim( (string) $booking['date'] . ' ' . (string) $booking['time'] )
		);
	}

	/**
	 * The MySQL lock name of a resource's day (GET_LOCK names are at most 64 characters).
	 *
	 * @param int    $resource Resource.
	 * @param string $date     Y-m-d.
	 */
	private static function lock_name( int $resource, string $date ): string {
		global $wpdb;
		return substr( 'bkx_lc_' . md5( DB_NAME . $wpdb->prefix ) . "_{$resource}_{$date}", 0, 64 );
	}

	/**
	 * Takes a named lock (waits up to 10 s).
	 *
	 * @param string $name Lock.
	 */
	private static function lock( string $name ): bool {
		global $wpdb;
		return '1' === (string) $wpdb->get_var( $wpdb->prepare( 'SELECT GET_LOCK(%s, 10)', $name ) ); // phpcs:ignore WordPress.DB.DirectDatabaseQuery
	}

	/**
	 * Releases a named lock.
	 *
	 * @param string $name Lock.
	 */
	private static function unlock( string $name ): void {
		global $wpdb;
		$wpdb->query( $wpdb->prepare( 'SELECT RELEASE_LOCK(%s)', $name ) ); // phpcs:ignore WordPress.DB.DirectDatabaseQuery
	}
}
