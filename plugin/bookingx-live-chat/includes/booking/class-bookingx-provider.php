<?php
/**
 * BookingProvider for BookingX 1.1.2 (and later versions, feature-detected).
 *
 * What this relies on, all present in BookingX 1.1.2:
 * - storage: post types bkx_seat / bkx_base / bkx_addition / bkx_booking, the booking
 *   statuses bkx-*, the meta keys of each (selected_days, base_*, addition_*, seat payment
 *   keys, the booking's booking_date, booking_time {in_sec}, bookingTimeRecord with its
 *   full_day slot lists, booking_multi_days), and the options bkx_business_days,
 *   bkx_biz_vac_sd/_ed, bkx_biz_pub_holiday, bkx_tax_*, currency_option,
 *   bkx_set_booking_page — read with bkx_crud_option_multisite();
 * - BkxBooking::get_verify_slot() (its own slot check) and MakeBookingProcess() (the
 *   front end's creation path: it verifies, stores, sends the pending e-mails and sets the
 *   author). Both read superglobals, so $_POST, $_SESSION and the referer are backed up and
 *   restored around every call, and a concrete seat is always passed (never 'any').
 * - the filter bkx_booking_collection_posts to mark a booking as coming from the chat.
 *
 * One BkxBooking instance per request: each instance hooks itself to status changes, and
 * extra instances would duplicate BookingX's e-mails.
 *
 * @package BookingX\Addons\LiveChat\WP
 */

namespace BookingX\Addons\LiveChat\WP\Booking;

require_once __DIR__ . '/interface-booking-provider.php';
require_once __DIR__ . '/class-slot-taken-exception.php';

defined( 'ABSPATH' ) || exit;

/**
 * BookingX adapter.
 */
final class BookingX_Provider implements BookingProvider {

	/** Booking statuses whose bookings hold their slots (BookingX's GetBookedRecords). */
	public const HOLDING_STATUSES = array( 'bkx-pending', 'bkx-ack', 'bkx-completed', 'bkx-missed' );

	/** Every booking status of BookingX 1.1.2. */
	public const STATUSES = array( 'bkx-pending', 'bkx-ack', 'bkx-completed', 'bkx-missed', 'bkx-cancelled', 'bkx-failed' );

	/** Meta keys the adapter adds to bookings made in the chat. */
	public const META_SOURCE       = 'booking_source';
	public const META_CONVERSATION = 'bkx_livechat_conversation_id';

	/**
	 * The one BookingX booking object of this request.
	 *
	 * @var \BkxBooking|null
	 */
	private $booking_api = null;

	/**
	 * What the chat wants added to the booking being created (for the collection filter).
	 *
	 * @var array<string, mixed>|null
	 */
	private ?array $pending_marks = null;

	/**
	 * {@inheritDoc}
	 */
	public static function detect(): bool {
		return class_exists( 'Bookingx' ) && defined( 'BKX_PLUGIN_VER' ) && class_exists( 'BkxBooking' );
	}

	/**
	 * {@inheritDoc}
	 */
	public function version(): string {
		return defined( 'BKX_PLUGIN_VER' ) ? (string) BKX_PLUGIN_VER : '';
	}

	/**
	 * The one BkxBooking instance of this request.
	 *
	 * @return \BkxBooking
	 */
	private function api() {
		if ( null === $this->booking_api ) {
			$this->booking_api = new \BkxBooking();
		}
		return $this->booking_api;
	}

	/**
	 * An option through BookingX's multisite-aware reader.
	 *
	 * @param string $name Option.
	 * @return mixed
	 */
	private static function option( string $name ) {
		return function_exists( 'bkx_crud_option_multisite' ) ? bkx_crud_option_multisite( $name ) : get_option( $name );
	}

	/**
	 * {@inheritDoc}
	 */
	public function catalog( array $scope ): array {
		$tz        = wp_timezone();
		$service   = isset( $scope['service_id'] ) ? (int) $scope['service_id'] : 0;
		$resource  = isset( $scope['resource_id'] ) ? (int) $scope['resource_id'] : 0;
		$from      = isset( $scope['date_from'] ) ? (string) $scope['date_from'] : wp_date( 'Y-m-d' );
		$to        = isset( $scope['date_to'] ) ? (string) $scope['date_to'] : $from;
		$services  = $this->services( $service > 0 ? array( $service ) : array() );
		$seat_ids  = array();
		foreach ( $services as $s ) {
			$seat_ids = array_merge( $seat_ids, $s['resource_ids'] );
		}
		if ( $resource > 0 ) {
			$seat_ids = array( $resource );
		}
		$seat_ids = array_values( array_unique( array_map( 'intval', $seat_ids ) ) );
		$tax_rate = self::option( 'bkx_tax_rate' );
		$vac_from = self::option( 'bkx_biz_vac_sd' );
		$vac_to   = self::option( 'bkx_biz_vac_ed' );
		$currency = (string) self::option( 'currency_option' );

		return array(
			'timezone'        => $tz->getName(),
			'now'             => ( new \DateTimeImmutable( 'now', $tz ) )->format( DATE_RFC3339 ),
			'currency'        => '' !== $currency ? $currency : 'AUD',
			'currency_symbol' => html_entity_decode( function_exists( 'get_bookingx_currency_symbol' ) ? (string) get_bookingx_currency_symbol( '' !== $currency ? $currency : 'AUD' ) : '', ENT_QUOTES, 'UTF-8' ),
			'tax'             => array(
				'rate'      => is_numeric( $tax_rate ) && (float) $tax_rate > 0 ? (float) $tax_rate : 0.0,
				'name'      => (string) self::option( 'bkx_tax_name' ),
				'inclusive' => 1 === (int) self::option( 'bkx_prices_include_tax' ),
			),
			'business_hours'  => self::hours( self::option( 'bkx_business_days' ) ),
			'vacation'        => ( ! empty( $vac_from ) && ! empty( $vac_to ) )
				? array(
					'from' => self::ymd( (string) $vac_from ),
					'to'   => self::ymd( (string) $vac_to ),
				)
				: null,
			'holidays'        => array_values( array_filter( array_map( array( self::class, 'ymd' ), array_filter( (array) self::option( 'bkx_biz_pub_holiday' ) ) ) ) ),
			'services'        => $services,
			'resources'       => $this->resources( $seat_ids ),
			'extras'          => $this->extras( $service > 0 ? $service : null ),
			'bookings'        => $this->bookings( $seat_ids, $from, $to ),
		);
	}

	/**
	 * Services (published bkx_base) as catalog entries.
	 *
	 * @param list<int> $ids Only these (all when empty).
	 * @return list<array<string, mixed>>
	 */
	private function services( array $ids ): array {
		$posts = get_posts(
			array(
				'post_type'      => 'bkx_base',
				'post_status'    => 'publish',
				'posts_per_page' => -1,
				'post__in'       => $ids,
				'orderby'        => 'title',
				'order'          => 'ASC',
			)
		);
		$out   = array();
		foreach ( $posts as $post ) {
			$m     = self::meta( $post->ID );
			$seats = maybe_unserialize( $m['base_selected_seats'] ?? '' );
			if ( 'All' === ( $m['base_seat_all'] ?? '' ) ) {
				$seats = get_posts(
					array(
						'post_type'      => 'bkx_seat',
						'post_status'    => 'publish',
						'posts_per_page' => -1,
						'fields'         => 'ids',
					)
				);
			}
			$out[] = array(
				'id'              => $post->ID,
				'name'            => $post->post_title,
				'price'           => self::price( $m['base_price'] ?? 0 ),
				'sale_price'      => self::price( $m['base_sale_price'] ?? 0 ),
				'time_option'     => in_array( $m['base_time_option'] ?? '', array( 'H', 'D', 'M' ), true ) ? $m['base_time_option'] : 'H',
				'minutes'         => self::minutes( $m['base_hours'] ?? 0, $m['base_minutes'] ?? 0 ),
				'days'            => (int) ( $m['base_day'] ?? 0 ),
				'months'          => (int) ( $m['months'] ?? 0 ),
				'extendable'      => 'Y' === ( $m['base_is_extended'] ?? '' ),
				'extension_limit' => (int) ( $m['base_extended_limit'] ?? 0 ),
				'resource_ids'    => array_values( array_map( 'intval', is_array( $seats ) ? $seats : array() ) ),
				'unavailable'     => 'Y' === ( $m['base_is_unavailable'] ?? '' ) ? array(
					'from' => self::ymd( (string) ( $m['base_unavailable_from'] ?? '' ) ),
					'to'   => self::ymd( (string) ( $m['base_unavailable_till'] ?? '' ) ),
				) : null,
			);
		}
		return $out;
	}

	/**
	 * Resources (bkx_seat) as catalog entries.
	 *
	 * @param list<int> $ids Resource ids.
	 * @return list<array<string, mixed>>
	 */
	private function resources( array $ids ): array {
		if ( ! $ids ) {
			return array();
		}
		$out = array();
		foreach ( get_posts(
			array(
				'post_type'      => 'bkx_seat',
				'post_status'    => 'publish',
				'posts_per_page' => -1,
				'post__in'       => $ids,
				'orderby'        => 'title',
				'order'          => 'ASC',
			)
		) as $post ) {
			$m       = self::meta( $post->ID );
			$own     = 'Y' === ( $m['seat_is_certain_day'] ?? '' ) ? self::hours( maybe_unserialize( $m['selected_days'] ?? '' ) ) : array();
			$prepay  = null;
			$months  = null;
			if ( 'Y' === ( $m['seatIsPrePayment'] ?? '' ) ) {
				$prepay = array(
					'payment_type' => (string) ( $m['seat_payment_type'] ?? '' ),
					'deposit_type' => (string) ( $m['seat_payment_option'] ?? '' ),
					'amount'       => (float) ( $m['seat_amount'] ?? 0 ),
					'percentage'   => (float) ( $m['seat_percentage'] ?? 0 ),
				);
			}
			if ( 'Y' === ( $m['seat_is_certain_month'] ?? '' ) ) {
				$months = array_values( array_filter( array_map( 'trim', explode( ',', (string) ( $m['seat_months'] ?? '' ) ) ) ) );
			}
			$out[] = array(
				'id'         => $post->ID,
				'name'       => $post->post_title,
				// Empty: the business hours apply (BookingX falls back to them).
				'hours'      => $own,
				'months'     => $months,
				'prepayment' => $prepay,
			);
		}
		return $out;
	}

	/**
	 * Extras (bkx_addition), those linked to a service when given.
	 *
	 * @param int|null $service_id Service.
	 * @return list<array<string, mixed>>
	 */
	private function extras( ?int $service_id ): array {
		$out = array();
		foreach ( get_posts(
			array(
				'post_type'      => 'bkx_addition',
				'post_status'    => 'publish',
				'posts_per_page' => -1,
				'orderby'        => 'title',
				'order'          => 'ASC',
			)
		) as $post ) {
			$m     = self::meta( $post->ID );
			$bases = maybe_unserialize( $m['extra_selected_base'] ?? '' );
			$bases = array_values( array_map( 'intval', is_array( $bases ) ? $bases : array() ) );
			if ( null !== $service_id && ! in_array( $service_id, $bases, true ) ) {
				continue;
			}
			$out[] = array(
				'id'          => $post->ID,
				'name'        => $post->post_title,
				'price'       => self::price( $m['addition_price'] ?? 0 ),
				'sale_price'  => self::price( $m['extra_sale_price'] ?? 0 ),
				'time_option' => in_array( $m['addition_time_option'] ?? '', array( 'H', 'D', 'M' ), true ) ? $m['addition_time_option'] : 'H',
				'minutes'     => self::minutes( $m['addition_hours'] ?? 0, $m['addition_minutes'] ?? 0 ),
				'days'        => (int) ( $m['addition_days'] ?? 0 ),
				'months'      => (int) ( $m['addition_months'] ?? 0 ),
				'service_ids' => $bases,
				'unavailable' => 'Y' === ( $m['addition_is_unavailable'] ?? '' ) ? array(
					'from' => self::ymd( (string) ( $m['addition_unavailable_from'] ?? '' ) ),
					'to'   => self::ymd( (string) ( $m['addition_unavailable_to'] ?? '' ) ),
				) : null,
			);
		}
		return $out;
	}

	/**
	 * Bookings of the resources in the window (every status; BookingAssistant keeps the ones
	 * that hold slots), plus every day booking of those resources (they block whole days).
	 *
	 * Read with two queries on BookingX's own tables (posts + postmeta) instead of loading
	 * every booking's ~40 meta rows: a month of a busy site is hundreds of bookings.
	 *
	 * @param list<int> $seat_ids Resources.
	 * @param string    $from     Y-m-d.
	 * @param string    $to       Y-m-d.
	 * @return list<array<string, mixed>>
	 */
	private function bookings( array $seat_ids, string $from, string $to ): array {
		global $wpdb;
		if ( ! $seat_ids ) {
			return array();
		}
		$dates = array();
		$day   = new \DateTimeImmutable( $from, new \DateTimeZone( 'UTC' ) );
		$last  = new \DateTimeImmutable( $to, new \DateTimeZone( 'UTC' ) );
		for ( $n = 0; $day <= $last && $n < 400; $n++, $day = $day->modify( '+1 day' ) ) {
			// The formats BookingX's own queries match booking_date against.
			foreach ( array( 'Y-m-d', 'm/d/Y', 'F j, Y', 'Y-n-d', 'Y-n-j', 'Y-m-j' ) as $format ) {
				$dates[] = $day->format( $format );
			}
		}
		$dates    = array_values( array_unique( $dates ) );
		$seats    = array_map( 'strval', $seat_ids );
		$statuses = self::STATUSES;
		$in       = static function ( array $values ): string {
			return implode( ',', array_fill( 0, count( $values ), '%s' ) );
		};
		// phpcs:disable WordPress.DB.DirectDatabaseQuery, WordPress.DB.PreparedSQL.InterpolatedNotPrepared, WordPress.DB.PreparedSQLPlaceholders.UnfinishedPrepare -- placeholders built above.
		$rows = $wpdb->get_results(
			$wpdb->prepare(
				"SELECT p.ID, p.post_status FROM {$wpdb->posts} p
				 JOIN {$wpdb->postmeta} s ON s.post_id = p.ID AND s.meta_key = 'seat_id'
				 JOIN {$wpdb->postmeta} d ON d.post_id = p.ID AND d.meta_key = 'booking_date'
				 LEFT JOIN {$wpdb->postmeta} o ON o.post_id = p.ID AND o.meta_key = 'base_time_option'
				 WHERE p.post_type = 'bkx_booking' AND p.post_status IN ({$in( $statuses )})
				   AND s.meta_value IN ({$in( $seats )})
				   AND ( d.meta_value IN ({$in( $dates )}) OR o.meta_value = 'D' )
				   AND EXISTS ( SELECT 1 FROM {$wpdb->postmeta} x WHERE x.post_id = p.ID AND x.meta_key = 'order_meta_data' )
				 GROUP BY p.ID ORDER BY p.ID",
				array_merge( $statuses, $seats, $dates )
			),
			ARRAY_A
		);
		if ( ! $rows ) {
			return array();
		}
		$status = array_column( $rows, 'post_status', 'ID' );
		$ids    = array_map( 'intval', array_keys( $status ) );
		$keys   = array( 'seat_id', 'base_id', 'booking_date', 'booking_time', 'bookingTimeRecord', 'booking_multi_days', 'base_time_option' );
		$meta   = array();
		foreach ( $wpdb->get_results(
			$wpdb->prepare(
				"SELECT post_id, meta_key, meta_value FROM {$wpdb->postmeta}
				 WHERE post_id IN (" . implode( ',', array_fill( 0, count( $ids ), '%d' ) ) . ") AND meta_key IN ({$in( $keys )})
				 ORDER BY meta_id",
				array_merge( $ids, $keys )
			),
			ARRAY_A
		) as $row ) {
			// The first value of a key, as get_post_meta( $id, $key, true ) answers.
			if ( ! isset( $meta[ (int) $row['post_id'] ][ $row['meta_key'] ] ) ) {
				$meta[ (int) $row['post_id'] ][ $row['meta_key'] ] = maybe_unserialize( $row['meta_value'] );
			}
		}
		// phpcs:enable
		$out = array();
		foreach ( $ids as $id ) {
			$out[] = self::booking_row( $id, (string) $status[ $id ], $meta[ $id ] ?? array() );
		}
		return $out;
	}

	/**
	 * One booking as the catalog's entry: {id, resource_id, service_id, status, date, slots
	 * (what BookingX blocks on date: slot_count slots from first_slot), first_slot (the first
	 * slot of its first bookingTimeRecord row), slot_count (duration / 15 min, 1..100),
	 * minutes, time_option, records [{date, slots}] (as stored), multi_days [Y-m-d]}.
	 *
	 * @param int                  $id     Booking id.
	 * @param string               $status Post status.
	 * @param array<string, mixed> $meta   Its meta (first values, unserialised).
	 * @return array<string, mixed>
	 */
	private static function booking_row( int $id, string $status, array $meta ): array {
		$records = $meta['bookingTimeRecord'] ?? array();
		$records = is_array( $records ) ? array_values( $records ) : array();
		$rows    = array();
		foreach ( $records as $record ) {
			$rows[] = array(
				'date'  => self::ymd( (string) ( $record['booking_date'] ?? '' ) ),
				'slots' => array_values( array_map( 'intval', array_filter( explode( ',', (string) ( $record['full_day'] ?? '' ) ), 'strlen' ) ) ),
			);
		}
		$time    = $meta['booking_time'] ?? null;
		$seconds = is_array( $time ) ? (int) ( $time['in_sec'] ?? 0 ) : 0;
		$count   = max( 1, min( 100, intdiv( intdiv( $seconds, 60 ), 15 ) ) );
		$multi   = $meta['booking_multi_days'] ?? null;
		$option  = (string) ( $meta['base_time_option'] ?? '' );
		$first   = $rows[0]['slots'][0] ?? null;
		return array(
			'id'          => $id,
			'resource_id' => (int) ( $meta['seat_id'] ?? 0 ),
			'service_id'  => (int) ( $meta['base_id'] ?? 0 ),
			'status'      => $status,
			'date'        => self::ymd( (string) ( $meta['booking_date'] ?? '' ) ),
			'time_option' => '' !== $option ? $option : 'H',
			'minutes'     => intdiv( $seconds, 60 ),
			'first_slot'  => $first,
			'slot_count'  => $count,
			// What BookingX blocks on `date`: slot_count slots from the first one (for a
			// booking past midnight this is not its first record's full_day list).
			'slots'       => null === $first ? array() : range( $first, $first + $count - 1 ),
			'records'     => $rows,
			'multi_days'  => is_array( $multi ) ? array_values( array_filter( array_map( array( self::class, 'ymd' ), $multi ) ) ) : array(),
		);
	}

	/**
	 * {@inheritDoc}
	 */
	public function resources_for( int $service_id, ?int $resource_id ): array {
		$seats = maybe_unserialize( get_post_meta( $service_id, 'base_selected_seats', true ) );
		if ( 'All' === get_post_meta( $service_id, 'base_seat_all', true ) ) {
			$seats = get_posts(
				array(
					'post_type'      => 'bkx_seat',
					'post_status'    => 'publish',
					'posts_per_page' => -1,
					'fields'         => 'ids',
				)
			);
		}
		$seats = array_values( array_unique( array_map( 'intval', is_array( $seats ) ? $seats : array() ) ) );
		$seats = array_values(
			array_filter(
				$seats,
				static function ( int $id ): bool {
					return 'bkx_seat' === get_post_type( $id ) && 'publish' === get_post_status( $id );
				}
			)
		);
		if ( null !== $resource_id && $resource_id > 0 ) {
			return in_array( $resource_id, $seats, true ) ? array( $resource_id ) : array();
		}
		return $seats;
	}

	/**
	 * {@inheritDoc}
	 */
	public function verify( array $slot ): bool {
		$args = array(
			'seat_id'        => (string) (int) $slot['resource_id'],
			'base_id'        => (string) (int) $slot['service_id'],
			'extra_ids'      => array_map( 'strval', array_map( 'intval', (array) ( $slot['extras'] ?? array() ) ) ),
			'service_extend' => (string) (int) ( $slot['extension'] ?? 0 ),
			'date'           => (string) $slot['date'],
			'time'           => (string) $slot['time'],
			'slot'           => (string) self::slot_of( (string) $slot['time'] ),
		);
		$answer = $this->with_clean_globals(
			function () use ( $args ) {
				return $this->api()->get_verify_slot( $args, false );
			}
		);
		if ( ! is_string( $answer ) || 'NORF' === $answer ) {
			return false;
		}
		$decoded = json_decode( $answer, true );
		return is_array( $decoded ) && 1 === (int) ( $decoded['result'] ?? 0 );
	}

	/**
	 * {@inheritDoc}
	 */
	public function create_booking( array $booking ): array {
		$service  = (int) $booking['service_id'];
		$resource = (int) $booking['resource_id'];
		$option   = (string) get_post_meta( $service, 'base_time_option', true );
		$is_day   = 'D' === $option;
		$form     = array(
			'seat_id'           => (string) $resource,
			'base_id'           => (string) $service,
			'starting_slot'     => $is_day ? '' : (string) self::slot_of( (string) $booking['time'] ),
			'time_option'       => $is_day ? 'D' : 'H',
			'date'              => (string) $booking['date'],
			'booking_time'      => $is_day ? '' : (string) $booking['time'],
			'extra_id'          => array_map( 'strval', array_map( 'intval', (array) ( $booking['extras'] ?? array() ) ) ),
			'service_extend'    => (string) (int) ( $booking['extension'] ?? 0 ),
			'bkx_first_name'    => (string) ( $booking['first_name'] ?? '' ),
			'bkx_last_name'     => (string) ( $booking['last_name'] ?? '' ),
			'bkx_phone_number'  => (string) ( $booking['phone'] ?? '' ),
			'bkx_email_address' => (string) ( $booking['email'] ?? '' ),
			'last_page_url'     => ! empty( $booking['page_url'] ) ? esc_url_raw( (string) $booking['page_url'] ) : home_url( '/' ),
			'payment_method'    => array( 'bkx_gateway_pay_later' ),
		);
		if ( $is_day ) {
			$form['booking_multi_days'] = self::day_range( (string) $booking['date'], max( 1, (int) get_post_meta( $service, 'base_day', true ) ) + (int) ( $booking['extension'] ?? 0 ) );
		}
		if ( empty( $form['extra_id'] ) ) {
			$form['extra_id'] = '';
		}

		$this->pending_marks = array(
			self::META_SOURCE       => 'chat',
			self::META_CONVERSATION => (int) ( $booking['conversation_id'] ?? 0 ),
		);
		$mark                = array( $this, 'mark_collection' );
		add_filter( 'bkx_booking_collection_posts', $mark, 20, 2 );
		$created_before = did_action( 'bkx_booking_created' );
		try {
			$result = $this->with_clean_globals(
				function () use ( $form ) {
					return $this->api()->MakeBookingProcess( $form, false );
				},
				$form
			);
		} finally {
			remove_filter( 'bkx_booking_collection_posts', $mark, 20 );
			$this->pending_marks = null;
		}

		if ( 'NORF' === $result ) {
			throw new Slot_Taken_Exception( 'BookingX refused the slot (NORF).' );
		}
		$decoded  = is_string( $result ) ? json_decode( $result, true ) : null;
		$order_id = is_array( $decoded ) ? (int) ( $decoded['meta_data']['order_id'] ?? 0 ) : 0;
		if ( $order_id <= 0 ) {
			throw new \RuntimeException( sprintf( 'BookingX did not create the booking (%s).', is_string( $result ) ? substr( $result, 0, 40 ) : gettype( $result ) ) );
		}
		// BookingX 1.1.2 updates post_status and author without cleaning the post cache.
		clean_post_cache( $order_id );
		// BookingX 1.1.2 fires no "booking created" action; add-ons listen for this one. A
		// newer core that fires it itself is not doubled.
		if ( did_action( 'bkx_booking_created' ) === $created_before ) {
			do_action( 'bkx_booking_created', $order_id, (array) ( $decoded['meta_data'] ?? array() ) );
		}
		$created = $this->get_booking( $order_id );
		if ( null === $created ) {
			throw new \RuntimeException( 'The booking BookingX created cannot be read back.' );
		}
		return $created;
	}

	/**
	 * The bkx_booking_collection_posts filter while the chat creates a booking: adds the
	 * chat marks (saved by BookingX as meta and inside order_meta_data).
	 *
	 * @param array $data      BookingX's meta array.
	 * @param array $post_data The form fields.
	 * @return array
	 */
	public function mark_collection( $data, $post_data = array() ) {
		unset( $post_data );
		if ( is_array( $data ) && null !== $this->pending_marks ) {
			$data = array_merge( $data, $this->pending_marks );
		}
		return $data;
	}

	/**
	 * Runs a BookingX call with the superglobals it reads set to what we mean (and nothing
	 * from the current request), restoring them afterwards whatever happens.
	 *
	 * @param callable                  $call The call.
	 * @param array<string, mixed>|null $post What $_POST must hold during the call.
	 * @return mixed
	 */
	private function with_clean_globals( callable $call, ?array $post = null ) {
		// phpcs:disable WordPress.Security.NonceVerification -- saved and restored, never read.
		$saved_post    = $_POST;
		$saved_request = $_REQUEST;
		$had_session   = isset( $_SESSION );
		$saved_session = $had_session ? $_SESSION : null;
		$had_referer   = isset( $_SERVER['HTTP_REFERER'] );
		$saved_referer = $had_referer ? $_SERVER['HTTP_REFERER'] : null; // phpcs:ignore WordPress.Security.ValidatedSanitizedInput
		$_POST         = $post ?? array();
		$_REQUEST      = $_POST;
		$_SERVER['HTTP_REFERER'] = home_url( '/' );
		$level         = ob_get_level();
		ob_start(); // BookingX may echo (notices, its own output paths).
		try {
			return $call();
		} finally {
			while ( ob_get_level() > $level ) {
				ob_end_clean();
			}
			$_POST    = $saved_post;
			$_REQUEST = $saved_request;
			if ( $had_session ) {
				$_SESSION = $saved_session; // phpcs:ignore WordPress.VIP.SessionVariableUsage
			} else {
				unset( $_SESSION );
			}
			if ( $had_referer ) {
				$_SERVER['HTTP_REFERER'] = $saved_referer;
			} else {
				unset( $_SERVER['HTTP_REFERER'] );
			}
		}
		// phpcs:enable WordPress.Security.NonceVerification
	}

	/**
	 * {@inheritDoc}
	 */
	public function get_booking( int $booking_id ): ?array {
		clean_post_cache( $booking_id );
		$post = get_post( $booking_id );
		if ( ! $post || 'bkx_booking' !== $post->post_type ) {
			return null;
		}
		$order = get_post_meta( $booking_id, 'order_meta_data', true );
		if ( ! is_array( $order ) ) {
			return null;
		}
		$tz       = wp_timezone();
		$service  = (int) get_post_meta( $booking_id, 'base_id', true );
		$resource = (int) get_post_meta( $booking_id, 'seat_id', true );
		$date     = self::ymd( (string) get_post_meta( $booking_id, 'booking_date', true ) );
		$time     = (string) get_post_meta( $booking_id, 'booking_time_from', true );
		$start    = (string) get_post_meta( $booking_id, 'booking_start_date', true );
		$end      = (string) get_post_meta( $booking_id, 'booking_end_date', true );
		$extras   = array_values( array_filter( array_map( 'intval', explode( ',', (string) get_post_meta( $booking_id, 'addition_ids', true ) ) ) ) );
		$conv     = (int) get_post_meta( $booking_id, self::META_CONVERSATION, true );
		return array(
			'booking_id'      => $booking_id,
			'status'          => substr( (string) $post->post_status, 0, 4 ) === 'bkx-' ? substr( (string) $post->post_status, 4 ) : (string) $post->post_status,
			'service_id'      => $service,
			'service_name'    => get_the_title( $service ),
			'resource_id'     => $resource,
			'resource_name'   => get_the_title( $resource ),
			'extras'          => $extras,
			'date'            => $date,
			'time'            => $time,
			'start'           => self::rfc3339( $start, $tz ),
			'end'             => self::rfc3339( $end, $tz ),
			'total'           => (string) ( $order['total_price'] ?? '' ),
			'tax'             => (string) ( $order['total_tax'] ?? '' ),
			'currency'        => (string) ( $order['currency_option'] ?? self::option( 'currency_option' ) ),
			'email'           => (string) get_post_meta( $booking_id, 'email', true ),
			'conversation_id' => $conv > 0 ? $conv : null,
			'source'          => (string) get_post_meta( $booking_id, self::META_SOURCE, true ),
		);
	}

	/**
	 * {@inheritDoc}
	 */
	public function find_customer_bookings( array $who ): array {
		$user_id = (int) ( $who['user_id'] ?? 0 );
		$email   = sanitize_email( (string) ( $who['email'] ?? '' ) );
		$or      = array( 'relation' => 'OR' );
		if ( '' !== $email ) {
			$or[] = array(
				'key'   => 'email',
				'value' => $email,
			);
		}
		if ( $user_id > 0 ) {
			$or[] = array(
				'key'   => 'created_by',
				'value' => (string) $user_id,
			);
		}
		if ( count( $or ) < 2 && $user_id <= 0 ) {
			return array();
		}
		$args = array(
			'post_type'      => 'bkx_booking',
			'post_status'    => self::STATUSES,
			'posts_per_page' => max( 1, min( 50, (int) ( $who['limit'] ?? 10 ) ) ),
			'orderby'        => 'ID',
			'order'          => 'DESC',
			'fields'         => 'ids',
		);
		if ( count( $or ) > 1 ) {
			$args['meta_query'] = array( $or ); // phpcs:ignore WordPress.DB.SlowDBQuery.slow_db_query_meta_query
		} else {
			$args['author'] = $user_id;
		}
		$out = array();
		foreach ( get_posts( $args ) as $id ) {
			$row = $this->get_booking( (int) $id );
			if ( null !== $row ) {
				$out[] = $row;
			}
		}
		return $out;
	}

	/**
	 * {@inheritDoc}
	 */
	public function link_facts( array $params ): array {
		$page = (int) self::option( 'bkx_set_booking_page' );
		$url  = $page > 0 && 'publish' === get_post_status( $page ) ? get_permalink( $page ) : null;
		$args = array();
		if ( ! empty( $params['service_id'] ) ) {
			// BookingX's own deep link: the booking page pre-selects this service.
			$args = array(
				'bookingx_type'    => 'bkx_base',
				'bookingx_type_id' => (int) $params['service_id'],
			);
		} elseif ( ! empty( $params['resource_id'] ) ) {
			$args = array(
				'bookingx_type'    => 'bkx_seat',
				'bookingx_type_id' => (int) $params['resource_id'],
			);
		}
		$gateways = apply_filters( 'bkx_payment_gateways', array() );
		return array(
			'booking_page_url' => is_string( $url ) ? $url : null,
			'deep_link_args'   => $args,
			'payment_gateways' => array_values( array_map( 'strval', array_keys( is_array( $gateways ) ? $gateways : array() ) ) ),
		);
	}

	/*
	 * Conversions.
	 */

	/**
	 * All meta of a post, first values, unserialised.
	 *
	 * @param int $id Post.
	 * @return array<string, mixed>
	 */
	private static function meta( int $id ): array {
		$out = array();
		foreach ( (array) get_post_meta( $id ) as $key => $values ) {
			$out[ $key ] = isset( $values[0] ) ? maybe_unserialize( $values[0] ) : '';
		}
		return $out;
	}

	/**
	 * A price the way BookingX cleans it (truncated to cents).
	 *
	 * @param mixed $value Stored value.
	 */
	private static function price( $value ): float {
		if ( ! is_numeric( $value ) || (float) $value <= 0 ) {
			return 0.0;
		}
		return intval( (float) $value * 100 ) / 100;
	}

	/**
	 * A duration from hours (counted only when 1..23, as BookingX) and minutes.
	 *
	 * @param mixed $hours   Hours.
	 * @param mixed $minutes Minutes.
	 */
	private static function minutes( $hours, $minutes ): int {
		$h = is_numeric( $hours ) && $hours > 0 && $hours <= 23 ? (int) $hours : 0;
		$m = is_numeric( $minutes ) && $minutes > 0 ? (int) $minutes : 0;
		return $h * 60 + $m;
	}

	/**
	 * BookingX's day groups ({selected_days_N: {days, time: {open: '9:00 AM', close}}}) as
	 * [{days, open: 'HH:MM', close: 'HH:MM'}] in 24-hour time with BookingX's conversions
	 * (12 AM opens at 00:00; a 12 AM closing after an AM opening is 24:00).
	 *
	 * @param mixed $groups Stored groups.
	 * @return list<array{days: list<string>, open: string, close: string}>
	 */
	public static function hours( $groups ): array {
		if ( ! is_array( $groups ) ) {
			$groups = maybe_unserialize( $groups );
		}
		$out = array();
		foreach ( is_array( $groups ) ? $groups : array() as $group ) {
			if ( ! is_array( $group ) || empty( $group['days'] ) || empty( $group['time']['open'] ) || empty( $group['time']['close'] ) ) {
				continue;
			}
			$open_suffix = strtoupper( (string) ( explode( ' ', trim( (string) $group['time']['open'] ) )[1] ?? '' ) );
			$out[]       = array(
				'days'  => array_values( array_map( 'strval', (array) $group['days'] ) ),
				'open'  => self::clock( (string) $group['time']['open'], false, $open_suffix ),
				'close' => self::clock( (string) $group['time']['close'], true, $open_suffix ),
			);
		}
		return $out;
	}

	/**
	 * '9:00 AM' -> '09:00' with BookingX's rules (see hours()).
	 *
	 * @param string $time      Time.
	 * @param bool   $closing   Whether it is a closing time.
	 * @param string $open_ampm The opening time's AM/PM.
	 */
	private static function clock( string $time, bool $closing, string $open_ampm ): string {
		$bits   = explode( ' ', trim( $time ) );
		$hm     = explode( ':', $bits[0] );
		$hours  = (int) $hm[0];
		$mins   = (int) ( $hm[1] ?? 0 );
		$suffix = strtoupper( $bits[1] ?? '' );
		if ( 'AM' === $suffix && 12 === $hours ) {
			$hours = $closing && 'AM' === $open_ampm ? 24 : ( $closing ? 12 : 0 );
		} elseif ( 'PM' === $suffix && 12 !== $hours ) {
			$hours += 12;
		}
		return sprintf( '%02d:%02d', $hours, $mins );
	}

	/**
	 * Any date BookingX stores (Y-m-d, m/d/Y, 'F j, Y') as Y-m-d ('' when unreadable).
	 *
	 * @param string $date Date.
	 */
	public static function ymd( string $date ): string {
		$date = trim( $date );
		if ( '' === $date ) {
			return '';
		}
		if ( preg_match( '/^\d{4}-\d{1,2}-\d{1,2}$/', $date ) ) {
			$parts = array_map( 'intval', explode( '-', $date ) );
			return sprintf( '%04d-%02d-%02d', $parts[0], $parts[1], $parts[2] );
		}
		$ts = strtotime( $date . ' 00:00:00 UTC' );
		return false === $ts ? '' : gmdate( 'Y-m-d', $ts );
	}

	/**
	 * BookingX's slot number of 'H:i' (00:00 is slot 1).
	 *
	 * @param string $time Time.
	 */
	public static function slot_of( string $time ): int {
		$hm = explode( ':', $time );
		return (int) $hm[0] * 4 + intdiv( (int) ( $hm[1] ?? 0 ), 15 ) + 1;
	}

	/**
	 * 'Y-m-d H:i:s' site time as RFC 3339 with the site's offset on that date (null if empty).
	 *
	 * @param string        $local Local date-time.
	 * @param \DateTimeZone $tz    Site time zone.
	 */
	private static function rfc3339( string $local, \DateTimeZone $tz ): ?string {
		if ( '' === $local ) {
			return null;
		}
		try {
			return ( new \DateTimeImmutable( $local, $tz ) )->format( DATE_RFC3339 );
		} catch ( \Exception $e ) {
			return null;
		}
	}

	/**
	 * The days of a day booking as BookingX's form sends them (first and last day, m/d/Y).
	 *
	 * @param string $first Y-m-d.
	 * @param int    $days  Number of days.
	 * @return list<string>
	 */
	private static function day_range( string $first, int $days ): array {
		$start = new \DateTimeImmutable( $first, new \DateTimeZone( 'UTC' ) );
		$end   = $start->modify( '+' . max( 0, $days - 1 ) . ' day' );
		return array( $start->format( 'm/d/Y' ), $end->format( 'm/d/Y' ) );
	}
}
