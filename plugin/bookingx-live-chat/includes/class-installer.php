<?php
/**
 * Activation, upgrades and deactivation.
 *
 * Activation never fails because of the extension: without it, the roles, the secret and the
 * default settings are still created, and the chat tables are created by the first request
 * after the extension appears (maybe_upgrade()).
 *
 * @package BookingX\Addons\LiveChat\WP
 */

namespace BookingX\Addons\LiveChat\WP;

defined( 'ABSPATH' ) || exit;

/**
 * Installs and upgrades the plugin's data.
 */
final class Installer {

	/** The schema version reported by the extension's last migrate(). */
	public const SCHEMA_OPTION = 'bkx_livechat_schema_version';

	/** The plugin version whose install routine ran last. */
	public const VERSION_OPTION = 'bkx_livechat_version';

	/** The extension version that ran the last migration (a new build may bring new tables). */
	public const EXTENSION_OPTION = 'bkx_livechat_extension_version';

	/** WP-Cron hooks the plugin schedules (none yet: retention and re-assignment will). */
	public const CRON_HOOKS = array();

	/** Set for a few minutes after a failed migration, so requests do not retry each time. */
	public const FAILED_TRANSIENT = 'bkx_livechat_migrate_failed';

	/**
	 * Activation hook.
	 *
	 * @param bool $network_wide Network activation on multisite.
	 */
	public static function activate( $network_wide = false ): void {
		if ( is_multisite() && $network_wide ) {
			foreach ( get_sites(
				array(
					'fields' => 'ids',
					'number' => 0,
				)
			) as $site_id ) {
				switch_to_blog( (int) $site_id );
				self::install_site();
				restore_current_blog();
			}
			return;
		}
		self::install_site();
	}

	/**
	 * Deactivation hook. Keeps every piece of data (uninstall.php decides about deleting);
	 * only scheduled work stops.
	 */
	public static function deactivate(): void {
		foreach ( self::CRON_HOOKS as $hook ) {
			wp_clear_scheduled_hook( $hook );
		}
		delete_transient( self::FAILED_TRANSIENT );
	}

	/**
	 * Everything one site needs.
	 */
	public static function install_site(): void {
		Roles::install();
		Secret::ensure();
		if ( false === get_option( Settings::OPTION ) ) {
			add_option( Settings::OPTION, self::first_settings() );
		}
		self::migrate();
		update_option( self::VERSION_OPTION, BKX_LIVECHAT_VERSION );
	}

	/**
	 * The settings of a first activation: the defaults, with business hours on the site's
	 * own clock when the site names its time zone (General → Settings), so a site outside
	 * New York does not start with New York's office hours.
	 *
	 * @return array<string, mixed>
	 */
	public static function first_settings(): array {
		$settings  = Settings::defaults();
		$site_zone = (string) get_option( 'timezone_string' );
		if ( '' !== $site_zone && in_array( $site_zone, timezone_identifiers_list(), true ) ) {
			$settings['timezone'] = $site_zone;
		}
		return $settings;
	}

	/**
	 * Runs on `init`: installs what a new plugin version (or a newly loaded extension) needs.
	 * Costs one autoloaded option read when nothing is to do.
	 */
	public static function maybe_upgrade(): void {
		if ( get_option( self::VERSION_OPTION ) !== BKX_LIVECHAT_VERSION ) {
			self::install_site();
			return;
		}
		Roles::maybe_upgrade();
		if ( ! extension_loaded( 'bkx_livechat' ) ) {
			return;
		}
		// A new build of the extension may bring a new schema version without a new
		// extension version number: compare the schema too (no database call).
		$latest   = method_exists( 'BookingX\\Addons\\LiveChat\\ChatManager', 'latestSchemaVersion' )
			? (int) \BookingX\Addons\LiveChat\ChatManager::latestSchemaVersion()
			: 0;
		$outdated = ! get_option( self::SCHEMA_OPTION )
			|| (int) get_option( self::SCHEMA_OPTION ) < $latest
			|| get_option( self::EXTENSION_OPTION ) !== (string) phpversion( 'bkx_livechat' );
		if ( $outdated && ! get_transient( self::FAILED_TRANSIENT ) ) {
			self::migrate();
		}
	}

	/**
	 * Creates or upgrades the chat tables through the extension.
	 *
	 * @return int|null The schema version, or null when the extension is missing or failed.
	 */
	public static function migrate(): ?int {
		if ( ! extension_loaded( 'bkx_livechat' ) ) {
			return null;
		}
		try {
			$version = (int) ( new Chat_Service() )->manager()->migrate();
		} catch ( \Throwable $e ) {
			set_transient( self::FAILED_TRANSIENT, $e->getMessage(), 5 * MINUTE_IN_SECONDS );
			// phpcs:ignore WordPress.PHP.DevelopmentFunctions.error_log_error_log -- the admin needs the cause.
			error_log( '[bookingx-live-chat] creating the chat tables failed: ' . $e->getMessage() );
			return null;
		}
		update_option( self::SCHEMA_OPTION, $version );
		update_option( self::EXTENSION_OPTION, (string) phpversion( 'bkx_livechat' ) );
		delete_transient( self::FAILED_TRANSIENT );
		return $version;
	}
}
