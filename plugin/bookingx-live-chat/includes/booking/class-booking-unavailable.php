<?php
/**
 * A booking could not be made because its slot is no longer free; carries fresh options.
 *
 * @package BookingX\Addons\LiveChat\WP
 */

namespace BookingX\Addons\LiveChat\WP\Booking;

defined( 'ABSPATH' ) || exit;

/**
 * Thrown by Booking_Service::create(); the REST layer answers 409 `booking_unavailable`
 * with `data.alternatives`.
 */
class Booking_Unavailable extends \RuntimeException {

	/**
	 * Fresh free slots.
	 *
	 * @var list<array<string, mixed>>
	 */
	private array $alternatives;

	/**
	 * Constructor.
	 *
	 * @param list<array<string, mixed>> $alternatives Fresh free slots.
	 */
	public function __construct( array $alternatives ) {
		parent::__construct( 'This time is no longer available.' );
		$this->alternatives = $alternatives;
	}

	/**
	 * Fresh free slots.
	 *
	 * @return list<array<string, mixed>>
	 */
	public function alternatives(): array {
		return $this->alternatives;
	}
}
