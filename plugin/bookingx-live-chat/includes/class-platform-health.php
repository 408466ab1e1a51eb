<?php
/**
 * The health of the vendor platforms, as the admin sees it: "Test connection" results and
 * what the extension has seen of each vendor.
 *
 * The extension keeps a circuit breaker per vendor in each PHP process (a vendor that keeps
 * failing is not called for a while, so no page waits on it). Processes do not share it, so
 * the outcome of every connection test is also kept in the `bkx_livechat_platform_health`
 * option: the settings screen and `GET /chat/platforms/health` show both.
 *
 * @package BookingX\Addons\LiveChat\WP
 */

namespace BookingX\Addons\LiveChat\WP;

use BookingX\Addons\LiveChat\ChatException;

defined( 'ABSPATH' ) || exit;

/**
 * Connection tests and health of the vendor platforms.
 */
final class Platform_Health {

	/** Option holding the last test of each platform. */
	public const OPTION = 'bkx_livechat_platform_health';

	/** The vendor platforms (the native chat has no remote service to test). */
	public const VENDORS = array( 'intercom', 'zendesk', 'livechat', 'drift', 'tawk' );

	/**
	 * The extension.
	 *
	 * @var Chat_Service
	 */
	private Chat_Service $chat;

	/**
	 * Constructor.
	 *
	 * @param Chat_Service $chat The extension.
	 */
	public function __construct( Chat_Service $chat ) {
		$this->chat = $chat;
	}

	/**
	 * Calls the vendor with the saved credentials and records the outcome.
	 *
	 * @param string $platform A vendor platform.
	 * @return array{ok: bool, platform: string, checked_at: int, account?: array<string, mixed>, error?: array<string, mixed>, health: array<string, mixed>}
	 */
	public function test( string $platform ): array {
		$result = array(
			'ok'         => false,
			'platform'   => $platform,
			'checked_at' => time(),
		);
		$object = null;
		try {
			$object            = $this->chat->manager()->platform( $platform );
			$result['account'] = $object->testConnection();
			$result['ok']      = true;
		} catch ( ChatException $e ) {
			$result['error'] = array(
				'code'    => (string) $e->getErrorCode(),
				'message' => $e->getMessage(),
				'details' => self::public_details( (array) $e->getDetails() ),
			);
		} catch ( \Throwable $e ) {
			$result['error'] = array(
				'code'    => 'internal_error',
				'message' => __( 'The chat service failed unexpectedly.', 'bookingx-live-chat' ),
				'details' => array(),
			);
		}
		$result['health'] = $object ? (array) $object->health() : array( 'status' => 'unknown' );

		$stored              = (array) get_option( self::OPTION, array() );
		$stored[ $platform ] = array(
			'ok'         => $result['ok'],
			'checked_at' => $result['checked_at'],
			'error'      => $result['error'] ?? null,
		);
		update_option( self::OPTION, $stored, false );
		return $result;
	}

	/**
	 * The health of a platform: `status` (`unknown`, `ok`, `degraded`, `down`,
	 * `unconfigured`) from this process's breaker, and `last_test` from the option.
	 *
	 * @param string $platform A vendor platform.
	 * @return array<string, mixed>
	 */
	public function status( string $platform ): array {
		try {
			$health = (array) $this->chat->manager()->platform( $platform )->health();
		} catch ( \Throwable $e ) {
			$health = array(
				'platform' => $platform,
				'status'   => 'unknown',
			);
		}
		$stored              = (array) get_option( self::OPTION, array() );
		$health['last_test'] = $stored[ $platform ] ?? null;
		// Processes do not share their breakers: the newest observation wins, this process's
		// own calls or the last test (made by whichever process served it).
		$test = $health['last_test'];
		if ( is_array( $test ) && 'unconfigured' !== ( $health['status'] ?? '' ) ) {
			$seen = max( (int) ( $health['last_success_at'] ?? 0 ), (int) ( $health['last_failure_at'] ?? 0 ) );
			if ( (int) $test['checked_at'] >= $seen && 'down' !== ( $health['status'] ?? '' ) ) {
				$health['status'] = $test['ok'] ? 'ok' : 'degraded';
			}
		}
		return $health;
	}

	/**
	 * Error details safe to show an administrator: the vendor's code and message, the HTTP
	 * status and what to wait, never a credential.
	 *
	 * @param array<string, mixed> $details Details of the exception.
	 * @return array<string, mixed>
	 */
	private static function public_details( array $details ): array {
		$keep = array( 'platform', 'http_status', 'vendor_code', 'vendor_message', 'reason', 'retry_after', 'field', 'attempts', 'unsupported_operation' );
		return array_intersect_key( $details, array_flip( $keep ) );
	}

	/**
	 * A one-line, translated summary for the settings screen.
	 *
	 * @param array<string, mixed> $health What status() returned.
	 */
	public static function describe( array $health ): string {
		$labels = array(
			'ok'           => __( 'connected', 'bookingx-live-chat' ),
			'degraded'     => __( 'failing — recent calls failed', 'bookingx-live-chat' ),
			'down'         => __( 'unavailable — calls are paused after repeated failures', 'bookingx-live-chat' ),
			'unconfigured' => __( 'not configured — API credentials are missing', 'bookingx-live-chat' ),
			'unknown'      => __( 'not tested yet', 'bookingx-live-chat' ),
		);
		$status = (string) ( $health['status'] ?? 'unknown' );
		$line   = $labels[ $status ] ?? $status;
		$test   = $health['last_test'] ?? null;
		if ( is_array( $test ) ) {
			$when = wp_date( get_option( 'date_format' ) . ' ' . get_option( 'time_format' ), (int) $test['checked_at'] );
			if ( $test['ok'] ) {
				/* translators: %s: date and time of the test */
				$line .= '; ' . sprintf( __( 'last test passed %s', 'bookingx-live-chat' ), $when );
			} else {
				$error = (array) ( $test['error'] ?? array() );
				$line .= '; ' . sprintf(
					/* translators: 1: date and time of the test, 2: error message */
					__( 'last test failed %1$s: %2$s', 'bookingx-live-chat' ),
					$when,
					(string) ( $error['message'] ?? '' )
				);
			}
		}
		return $line;
	}
}
