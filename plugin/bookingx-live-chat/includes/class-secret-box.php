<?php
/**
 * Encryption at rest of the credentials kept in the settings option.
 *
 * Vendor API keys, tokens and webhook secrets are stored as `bkxsb1:` + base64(nonce ‖
 * XSalsa20-Poly1305 box) (libsodium `crypto_secretbox`, bundled with PHP). The key is derived
 * with BLAKE2b from the `BKX_LIVECHAT_KEY` constant when wp-config.php defines one, otherwise
 * from the site's `SECURE_AUTH` key and salt: a database dump alone does not reveal them.
 * Changing the salts (or the constant) makes stored credentials unreadable: they read as
 * empty and must be entered again. Values stored before encryption existed (plain text) are
 * read as they are and sealed on the next save.
 *
 * @package BookingX\Addons\LiveChat\WP
 */

namespace BookingX\Addons\LiveChat\WP;

defined( 'ABSPATH' ) || exit;

/**
 * Seals and opens settings secrets.
 */
final class Secret_Box {

	/** Marks a sealed value (version 1 of the format). */
	public const PREFIX = 'bkxsb1:';

	/**
	 * The 32-byte secretbox key of this site.
	 */
	private static function key(): string {
		$material = defined( 'BKX_LIVECHAT_KEY' ) && is_string( BKX_LIVECHAT_KEY ) && '' !== BKX_LIVECHAT_KEY
			? 'constant|' . BKX_LIVECHAT_KEY
			: 'salt|' . wp_salt( 'secure_auth' );
		return sodium_crypto_generichash( 'bkx-livechat-settings|' . $material, '', SODIUM_CRYPTO_SECRETBOX_KEYBYTES );
	}

	/**
	 * True when `$value` is a sealed value.
	 *
	 * @param string $value Stored value.
	 */
	public static function is_sealed( string $value ): bool {
		return 0 === strncmp( $value, self::PREFIX, strlen( self::PREFIX ) );
	}

	/**
	 * Seals a secret; empty and already sealed values are returned unchanged.
	 *
	 * @param string $plain Secret.
	 */
	public static function seal( string $plain ): string {
		if ( '' === $plain || self::is_sealed( $plain ) ) {
			return $plain;
		}
		$nonce = random_bytes( SODIUM_CRYPTO_SECRETBOX_NONCEBYTES );
		// phpcs:ignore WordPress.PHP.DiscouragedPHPFunctions.obfuscation_base64_encode -- binary ciphertext in an option.
		return self::PREFIX . base64_encode( $nonce . sodium_crypto_secretbox( $plain, $nonce, self::key() ) );
	}

	/**
	 * Opens a stored value: the secret, the value itself when it was never sealed, or '' when
	 * it was sealed with another key (changed salts) or altered.
	 *
	 * @param string $stored Stored value.
	 */
	public static function open( string $stored ): string {
		if ( ! self::is_sealed( $stored ) ) {
			return $stored;
		}
		// phpcs:ignore WordPress.PHP.DiscouragedPHPFunctions.obfuscation_base64_decode -- see seal().
		$raw = base64_decode( substr( $stored, strlen( self::PREFIX ) ), true );
		if ( false === $raw || strlen( $raw ) < SODIUM_CRYPTO_SECRETBOX_NONCEBYTES + SODIUM_CRYPTO_SECRETBOX_MACBYTES ) {
			return '';
		}
		$plain = sodium_crypto_secretbox_open(
			substr( $raw, SODIUM_CRYPTO_SECRETBOX_NONCEBYTES ),
			substr( $raw, 0, SODIUM_CRYPTO_SECRETBOX_NONCEBYTES ),
			self::key()
		);
		return false === $plain ? '' : $plain;
	}

	/**
	 * A secret as the admin may see it: which value is set, never the value (`••••1a2b`).
	 *
	 * @param string $plain Secret.
	 */
	public static function mask( string $plain ): string {
		if ( '' === $plain ) {
			return '';
		}
		return str_repeat( '•', 4 ) . ( strlen( $plain ) >= 12 ? substr( $plain, -4 ) : '' );
	}
}
