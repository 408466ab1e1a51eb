<?php
/**
 * Where the bytes of chat attachments live: a private folder, written and read only by PHP.
 *
 * The extension decides whether a file is acceptable and gives it a random storage name
 * (32 hex digits, no extension); this class only keeps the bytes under that name. The
 * folder is `wp-content/uploads/bkx-livechat-private/` by default (filter
 * `bkx_livechat_private_upload_dir`: a folder outside the web root is better still). It gets
 * an `.htaccess` and a `web.config` that deny every request, and an `index.php`; nginx does
 * not read those, so on nginx add `location ^~ /wp-content/uploads/bkx-livechat-private/
 * { deny all; }` (docs/deploy.md). Even without that rule the names are unguessable, carry
 * no extension (nothing executes them) and are never shown to clients: files are served by
 * `GET /chat/uploads/{id}` after an access check.
 *
 * @package BookingX\Addons\LiveChat\WP
 */

namespace BookingX\Addons\LiveChat\WP;

defined( 'ABSPATH' ) || exit;

/**
 * The private file store of attachments.
 */
final class Upload_Store {

	/** Folder name under the uploads base directory. */
	public const FOLDER = 'bkx-livechat-private';

	/**
	 * The folder (no trailing slash).
	 */
	public static function dir(): string {
		$uploads = wp_upload_dir( null, false );
		$default = rtrim( (string) $uploads['basedir'], '/\\' ) . '/' . self::FOLDER;

		/**
		 * Filters the folder that keeps the bytes of chat attachments. Point it outside the
		 * web root when you can; the folder is created if missing.
		 *
		 * @param string $dir Absolute path, without a trailing slash.
		 */
		return rtrim( (string) apply_filters( 'bkx_livechat_private_upload_dir', $default ), '/\\' );
	}

	/**
	 * True for the names the extension hands out (the only names ever used as a path).
	 *
	 * @param string $name Storage name.
	 */
	public static function is_storage_name( string $name ): bool {
		return 1 === preg_match( '/^[0-9a-f]{32}$/D', $name );
	}

	/**
	 * The path of a stored file, or null for a name that is not a storage name.
	 *
	 * @param string $name Storage name.
	 */
	public static function path( string $name ): ?string {
		return self::is_storage_name( $name ) ? self::dir() . '/' . $name : null;
	}

	/**
	 * Creates the folder with its deny rules (idempotent).
	 *
	 * @return bool Whether the folder is usable.
	 */
	public static function ensure_dir(): bool {
		$dir = self::dir();
		if ( ! is_dir( $dir ) && ! wp_mkdir_p( $dir ) ) {
			return false;
		}
		$files = array(
			'.htaccess'  => "# BookingX Live Chat: private files, served only through the REST API.\n<IfModule mod_authz_core.c>\n\tRequire all denied\n</IfModule>\n<IfModule !mod_authz_core.c>\n\tOrder deny,allow\n\tDeny from all\n</IfModule>\n",
			'web.config' => "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<configuration><system.webServer><authorization><deny users=\"*\" /></authorization></system.webServer></configuration>\n",
			'index.php'  => "<?php\n// Silence is golden.\n",
		);
		foreach ( $files as $name => $content ) {
			$path = $dir . '/' . $name;
			if ( ! file_exists( $path ) ) {
				// phpcs:ignore WordPress.WP.AlternativeFunctions.file_system_operations_file_put_contents -- plain local file.
				file_put_contents( $path, $content );
			}
		}
		return is_dir( $dir ) && wp_is_writable( $dir );
	}

	/**
	 * Keeps `$content` under `$name`: written to a temporary name and renamed, so a reader
	 * never sees half a file.
	 *
	 * @param string $name    Storage name from the extension.
	 * @param string $content The bytes the extension checked.
	 * @return bool Success.
	 */
	public static function write( string $name, string $content ): bool {
		$path = self::path( $name );
		if ( null === $path || ! self::ensure_dir() ) {
			return false;
		}
		$tmp = $path . '.part-' . bin2hex( random_bytes( 6 ) );
		// phpcs:ignore WordPress.WP.AlternativeFunctions.file_system_operations_file_put_contents -- plain local file.
		if ( strlen( $content ) !== file_put_contents( $tmp, $content, LOCK_EX ) ) {
			@unlink( $tmp ); // phpcs:ignore WordPress.PHP.NoSilencedErrors, WordPress.WP.AlternativeFunctions.unlink_unlink
			return false;
		}
		chmod( $tmp, 0640 ); // phpcs:ignore WordPress.WP.AlternativeFunctions.file_system_operations_chmod
		if ( ! rename( $tmp, $path ) ) { // phpcs:ignore WordPress.WP.AlternativeFunctions.rename_rename
			@unlink( $tmp ); // phpcs:ignore WordPress.PHP.NoSilencedErrors, WordPress.WP.AlternativeFunctions.unlink_unlink
			return false;
		}
		return true;
	}

	/**
	 * Removes a stored file (missing is fine).
	 *
	 * @param string $name Storage name.
	 */
	public static function delete( string $name ): void {
		$path = self::path( $name );
		if ( null !== $path && is_file( $path ) ) {
			wp_delete_file( $path );
		}
	}

	/**
	 * Removes the folder and everything in it (uninstall with "delete data").
	 */
	public static function delete_all(): void {
		$dir = self::dir();
		if ( ! is_dir( $dir ) ) {
			return;
		}
		foreach ( (array) scandir( $dir ) as $entry ) {
			if ( '.' === $entry || '..' === $entry || ! is_string( $entry ) ) {
				continue;
			}
			$path = $dir . '/' . $entry;
			if ( is_file( $path ) && ! is_link( $path ) ) {
				@unlink( $path ); // phpcs:ignore WordPress.PHP.NoSilencedErrors, WordPress.WP.AlternativeFunctions.unlink_unlink
			}
		}
		@rmdir( $dir ); // phpcs:ignore WordPress.PHP.NoSilencedErrors, WordPress.WP.AlternativeFunctions.file_system_operations_rmdir
	}
}
