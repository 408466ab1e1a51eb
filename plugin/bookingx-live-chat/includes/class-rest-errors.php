<?php
/**
 * The one place that turns the extension's exceptions into REST errors.
 *
 * The code is the extension's stable code (`getErrorCode()`), never re-invented here; this
 * class only adds the HTTP status (the table of docs/php-api.md) and WordPress's error shape:
 * `{"code": "...", "message": "...", "data": {"status": 4xx, "details": {...}}}`.
 *
 * @package BookingX\Addons\LiveChat\WP
 */

namespace BookingX\Addons\LiveChat\WP;

use BookingX\Addons\LiveChat\ChatException;
use WP_Error;

defined( 'ABSPATH' ) || exit;

/**
 * Maps ChatException (and unexpected throwables) to WP_Error.
 */
final class REST_Errors {

	/**
	 * HTTP status of every stable error code.
	 */
	public const STATUS = array(
		'invalid_argument'       => 400,
		'unauthenticated'        => 401,
		'signature_invalid'      => 401,
		'forbidden'              => 403,
		'not_found'              => 404,
		'conflict'               => 409,
		'booking_unavailable'    => 409,
		'agent_unavailable'      => 409,
		'outside_hours'          => 409,
		'payload_too_large'      => 413,
		'unsupported_media_type' => 415,
		'booking_error'          => 422,
		'rate_limited'           => 429,
		'storage_error'          => 500,
		'platform_error'         => 502,
		'platform_unavailable'   => 503,
	);

	/**
	 * The code used for failures that are not ChatExceptions (a bug, not a client error).
	 */
	public const INTERNAL = 'internal_error';

	/**
	 * A WP_Error for any throwable caught around an extension call.
	 *
	 * @param \Throwable $e What was thrown.
	 */
	public static function from_throwable( \Throwable $e ): WP_Error {
		if ( $e instanceof ChatException ) {
			return self::from_exception( $e );
		}
		self::log( self::INTERNAL, $e->getMessage(), array( 'class' => get_class( $e ) ) );
		return new WP_Error(
			self::INTERNAL,
			__( 'The chat service failed unexpectedly.', 'bookingx-live-chat' ),
			array( 'status' => 500 )
		);
	}

	/**
	 * A WP_Error for a ChatException: its code, the mapped status, its details.
	 *
	 * Server-side failures (5xx) get a generic message and no details: the extension puts
	 * driver messages (host names, SQL) there for logs, not for visitors.
	 *
	 * @param ChatException $e The exception.
	 */
	public static function from_exception( ChatException $e ): WP_Error {
		$code    = (string) $e->getErrorCode();
		$status  = self::STATUS[ $code ] ?? 500;
		$details = $e->getDetails();
		$details = is_array( $details ) ? $details : array();

		if ( $status >= 500 ) {
			self::log( $code, $e->getMessage(), $details );
			return new WP_Error( $code, self::public_message( $code ), array( 'status' => $status ) );
		}
		return new WP_Error(
			$code,
			$e->getMessage(),
			array(
				'status'  => $status,
				'details' => (object) $details,
			)
		);
	}

	/**
	 * A WP_Error of one of our codes raised by the plugin itself (permissions, nonce...).
	 *
	 * @param string               $code    Stable code.
	 * @param string               $message Human message (translated).
	 * @param array<string, mixed> $details Machine-readable context.
	 */
	public static function error( string $code, string $message, array $details = array() ): WP_Error {
		return new WP_Error(
			$code,
			$message,
			array(
				'status'  => self::STATUS[ $code ] ?? 500,
				'details' => (object) $details,
			)
		);
	}

	/**
	 * Translatable messages for server-side failures (the spec's user-facing texts).
	 *
	 * @param string $code Stable code.
	 */
	private static function public_message( string $code ): string {
		switch ( $code ) {
			case 'platform_error':
			case 'platform_unavailable':
				return __( 'Chat service temporarily unavailable.', 'bookingx-live-chat' );
			default:
				return __( 'The chat service could not complete the request. Please try again.', 'bookingx-live-chat' );
		}
	}

	/**
	 * Logs a server-side failure for the site owner.
	 *
	 * @param string               $code    Code.
	 * @param string               $message Message.
	 * @param array<string, mixed> $details Details.
	 */
	private static function log( string $code, string $message, array $details ): void {
		// phpcs:ignore WordPress.PHP.DevelopmentFunctions.error_log_error_log -- operators need the cause.
		error_log( sprintf( '[bookingx-live-chat] %s: %s %s', $code, $message, wp_json_encode( $details ) ) );
	}
}
