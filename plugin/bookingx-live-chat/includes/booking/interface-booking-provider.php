<?php
/**
 * The one door between the chat and a booking system.
 *
 * Everything the chat needs from the booking plugin goes through this interface: gathering
 * the plain catalog data the Rust BookingAssistant computes on, the booking system's own
 * slot check, creating a booking through the booking system's own creation path, reading a
 * booking back, finding a customer's bookings, building booking-page links, and detecting
 * whether the booking system is there at all. The REST controllers and Booking_Service never
 * touch the booking plugin's classes, options or post meta directly.
 *
 * @package BookingX\Addons\LiveChat\WP
 */

namespace BookingX\Addons\LiveChat\WP\Booking;

defined( 'ABSPATH' ) || exit;

/**
 * A booking system the chat can book into.
 */
interface BookingProvider {

	/**
	 * Whether the booking system is active in this request (no side effects).
	 */
	public static function detect(): bool;

	/**
	 * The booking system's version string (for diagnostics and feature notes).
	 */
	public function version(): string;

	/**
	 * The plain data BookingAssistant computes on (docs/booking.md, "catalog"): services,
	 * resources, extras, business hours, vacation, holidays, the bookings that hold slots in
	 * the date window, tax, currency, time zone and now.
	 *
	 * @param array{service_id?: int, resource_id?: int|null, date_from?: string, date_to?: string} $scope What the question is about (dates Y-m-d, site time).
	 * @return array<string, mixed>
	 */
	public function catalog( array $scope ): array;

	/**
	 * The concrete resources that offer a service (never 'any'), optionally narrowed to one.
	 *
	 * @param int      $service_id  Service.
	 * @param int|null $resource_id One resource, or null for every resource of the service.
	 * @return list<int>
	 */
	public function resources_for( int $service_id, ?int $resource_id ): array;

	/**
	 * The booking system's own verdict on a start time (its slot check, not ours).
	 *
	 * @param array{service_id: int, resource_id: int, extras?: list<int>, extension?: int, date: string, time: string} $slot Date Y-m-d and time H:i in site time.
	 */
	public function verify( array $slot ): bool;

	/**
	 * Creates a booking through the booking system's own creation path (its e-mails and hooks
	 * fire), marked as coming from the chat.
	 *
	 * @param array<string, mixed> $booking {service_id, resource_id, extras, extension, date, time,
	 *                                      first_name, last_name, email, phone, conversation_id,
	 *                                      page_url?, user_id?}.
	 * @return array<string, mixed> The booking as get_booking() answers it.
	 * @throws Slot_Taken_Exception When the booking system refuses the slot.
	 * @throws \RuntimeException    When it fails for another reason.
	 */
	public function create_booking( array $booking ): array;

	/**
	 * One booking: {booking_id, status, service_id, service_name, resource_id, resource_name,
	 * extras, date, time, start, end (RFC 3339 in site time), total, currency, email,
	 * conversation_id|null, source}.
	 *
	 * @param int $booking_id Booking id.
	 * @return array<string, mixed>|null
	 */
	public function get_booking( int $booking_id ): ?array;

	/**
	 * A customer's bookings, newest first, by user id and/or e-mail.
	 *
	 * @param array{user_id?: int, email?: string, limit?: int} $who Who.
	 * @return list<array<string, mixed>>
	 */
	public function find_customer_bookings( array $who ): array;

	/**
	 * The booking page and payment facts links are built from: {booking_page_url|null,
	 * deep_link_args (the booking system's own query args), payment_gateways: list<string>}.
	 *
	 * @param array<string, mixed> $params {service_id?, resource_id?}.
	 * @return array<string, mixed>
	 */
	public function link_facts( array $params ): array;
}
