<?php
/**
 * The booking system refused a slot at creation time (someone else took it).
 *
 * @package BookingX\Addons\LiveChat\WP
 */

namespace BookingX\Addons\LiveChat\WP\Booking;

defined( 'ABSPATH' ) || exit;

/**
 * Thrown by BookingProvider::create_booking() when the slot is no longer free.
 */
class Slot_Taken_Exception extends \RuntimeException {
}
