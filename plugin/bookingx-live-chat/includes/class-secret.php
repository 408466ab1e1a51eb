<?php
/**
 * The secret WordPress shares with the chat daemon (`bkx-chatd`).
 *
 * It signs the daemon tokens (JWT HS256), the guest visitor cookie and the guest nonce.
 * A `BKX_LIVECHAT_SECRET` constant in wp-config.php wins (multi-node sites put the same value
 * in the daemon's configuration); otherwise a random 64-character value is generated once and
 * kept in the `bkx_livechat_secret` option.
 *
 * @package BookingX\Addons\LiveChat\WP
 */

namespace BookingX\Addons\LiveChat\WP;

defined( 'ABSPATH' ) || exit;

/**
 * Provides the shared secret.
 */
final class Secret {

	/** The option holding a generated secret. */
	public const OPTION = 'bkx_livechat_secret';

	/** The extension refuses secrets shorter than this (bytes). */
	public const MIN_LENGTH = 32;

	/**
	 * True when the secret comes from the wp-config.php constant.
	 */
	public static function from_constant(): bool {
		return defined( 'BKX_LIVECHAT_SECRET' ) && is_string( BKX_LIVECHAT_SECRET )
			&& strlen( BKX_LIVECHAT_SECRET ) >= self::MIN_LENGTH;
	}

	/**
	 * The secret; generated and stored on first use if activation did not run.
	 */
	public static function get(): string {
		if ( self::from_constant() ) {
			return BKX_LIVECHAT_SECRET;
		}
		$secret = get_option( self::OPTION );
		if ( ! is_string( $secret ) || strlen( $secret ) < self::MIN_LENGTH ) {
			$secret = self::ensure();
		}
		return $secret;
	}

	/**
	 * Generates and stores a secret unless one exists or the constant is defined.
	 *
	 * @return string The secret in use.
	 */
	public static function ensure(): string {
		if ( self::from_constant() ) {
			return BKX_LIVECHAT_SECRET;
		}
		$secret = get_option( self::OPTION );
		if ( is_string( $secret ) && strlen( $secret ) >= self::MIN_LENGTH ) {
			return $secret;
		}
		// 32 random bytes as 64 hex characters: safe in wp-config.php and in the daemon's env.
		$secret = bin2hex( random_bytes( 32 ) );
		if ( false === get_option( self::OPTION ) && add_option( self::OPTION, $secret, '', false ) ) {
			return $secret;
		}
		// Another request won the race (or a short value is stored): use what is stored now.
		wp_cache_delete( self::OPTION, 'options' );
		wp_cache_delete( 'notoptions', 'options' );
		$stored = get_option( self::OPTION );
		if ( is_string( $stored ) && strlen( $stored ) >= self::MIN_LENGTH ) {
			return $stored;
		}
		update_option( self::OPTION, $secret, false );
		return $secret;
	}
}
