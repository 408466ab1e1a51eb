<?php
/**
 * Uninstall: deletes the plugin's data ONLY when an administrator turned on
 * "Delete all chat data when the plugin is uninstalled" (`delete_data_on_uninstall`,
 * off by default). Otherwise conversations, settings, the secret and the roles stay, so a
 * reinstall finds everything as it was.
 *
 * @package BookingX\Addons\LiveChat\WP
 */

defined( 'WP_UNINSTALL_PLUGIN' ) || exit;

require_once __DIR__ . '/includes/class-settings.php';
require_once __DIR__ . '/includes/class-roles.php';
require_once __DIR__ . '/includes/class-secret.php';
require_once __DIR__ . '/includes/class-installer.php';
require_once __DIR__ . '/includes/class-upload-store.php';

/**
 * Deletes one site's chat data when that site asked for it.
 */
function bkx_livechat_uninstall_site(): void {
	global $wpdb;

	$settings = get_option( \BookingX\Addons\LiveChat\WP\Settings::OPTION );
	if ( ! is_array( $settings ) || empty( $settings['delete_data_on_uninstall'] ) ) {
		return;
	}

	/*
	 * The plugin otherwise never touches the chat tables: the extension owns them. The
	 * extension has no "drop everything" call (a destructive call in a library that every
	 * request loads is a risk we do not want), so uninstall drops them here, with $wpdb.
	 * Every table of the extension is named {prefix}bkx_chat_*; the messages table refers to
	 * the conversations table, hence the foreign-key switch.
	 */
	$like   = $wpdb->esc_like( $wpdb->prefix . 'bkx_chat_' ) . '%';
	$tables = $wpdb->get_col( $wpdb->prepare( 'SHOW TABLES LIKE %s', $like ) ); // phpcs:ignore WordPress.DB.DirectDatabaseQuery
	if ( $tables ) {
		$wpdb->query( 'SET FOREIGN_KEY_CHECKS = 0' ); // phpcs:ignore WordPress.DB.DirectDatabaseQuery
		foreach ( $tables as $table ) {
			// Names come from SHOW TABLES with our prefix; quote them as identifiers.
			$wpdb->query( 'DROP TABLE IF EXISTS `' . str_replace( '`', '``', $table ) . '`' ); // phpcs:ignore WordPress.DB.DirectDatabaseQuery, WordPress.DB.PreparedSQL.NotPrepared
		}
		$wpdb->query( 'SET FOREIGN_KEY_CHECKS = 1' ); // phpcs:ignore WordPress.DB.DirectDatabaseQuery
	}

	foreach ( array(
		\BookingX\Addons\LiveChat\WP\Settings::OPTION,
		\BookingX\Addons\LiveChat\WP\Secret::OPTION,
		\BookingX\Addons\LiveChat\WP\Installer::SCHEMA_OPTION,
		\BookingX\Addons\LiveChat\WP\Installer::VERSION_OPTION,
		\BookingX\Addons\LiveChat\WP\Installer::EXTENSION_OPTION,
	) as $option ) {
		delete_option( $option );
	}
	delete_transient( \BookingX\Addons\LiveChat\WP\Installer::FAILED_TRANSIENT );

	// The bytes of chat attachments (the rows went with the tables).
	\BookingX\Addons\LiveChat\WP\Upload_Store::delete_all();

	\BookingX\Addons\LiveChat\WP\Roles::uninstall();
}

if ( is_multisite() ) {
	foreach ( get_sites(
		array(
			'fields' => 'ids',
			'number' => 0,
		)
	) as $bkx_livechat_site_id ) {
		switch_to_blog( (int) $bkx_livechat_site_id );
		bkx_livechat_uninstall_site();
		restore_current_blog();
	}
} else {
	bkx_livechat_uninstall_site();
}

// Per-user notice dismissals are not site data; remove them whatever the setting says.
delete_metadata( 'user', 0, 'bkx_livechat_dismissed_bookingx_notice', '', true );
