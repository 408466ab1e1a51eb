<?php
/**
 * Plugin Name:       BookingX Live Chat
 * Plugin URI:        https://booking-x.com/
 * Description:       Real-time customer support during the booking process: native chat, vendor chat platforms, chat history and booking assistance for BookingX.
 * Version:           0.1.0
 * Requires at least: 6.1
 * Requires PHP:      8.0
 * Author:            BookingX Development Team
 * License:           GPLv2 or later
 * License URI:       https://www.gnu.org/licenses/gpl-2.0.html
 * Text Domain:       bookingx-live-chat
 * Domain Path:       /languages
 *
 * The chat logic lives in the native PHP extension `bkx_livechat`; this plugin is the
 * WordPress face of it: roles, settings, REST routes and admin screens. Without the
 * extension the plugin only explains how to install it (see Plugin::boot()).
 *
 * @package BookingX\Addons\LiveChat\WP
 */

defined( 'ABSPATH' ) || exit;

define( 'BKX_LIVECHAT_VERSION', '0.1.0' );
define( 'BKX_LIVECHAT_FILE', __FILE__ );
define( 'BKX_LIVECHAT_DIR', plugin_dir_path( __FILE__ ) );
define( 'BKX_LIVECHAT_URL', plugin_dir_url( __FILE__ ) );
define( 'BKX_LIVECHAT_REST_NAMESPACE', 'bookingx/v1' );

/*
 * Plugin classes live in BookingX\Addons\LiveChat\WP (the extension owns the parent
 * namespace). Files follow WordPress naming: `REST\Token_Controller` is
 * `includes/rest/class-token-controller.php`.
 */
spl_autoload_register(
	static function ( $class_name ) {
		$prefix = 'BookingX\\Addons\\LiveChat\\WP\\';
		if ( 0 !== strncmp( $class_name, $prefix, strlen( $prefix ) ) ) {
			return;
		}
		$parts = explode( '\\', substr( $class_name, strlen( $prefix ) ) );
		$file  = 'class-' . strtolower( str_replace( '_', '-', array_pop( $parts ) ) ) . '.php';
		$dir   = $parts ? strtolower( implode( '/', $parts ) ) . '/' : '';
		$path  = BKX_LIVECHAT_DIR . 'includes/' . $dir . $file;
		if ( is_readable( $path ) ) {
			require_once $path;
		}
	}
);

register_activation_hook( __FILE__, array( 'BookingX\\Addons\\LiveChat\\WP\\Installer', 'activate' ) );
register_deactivation_hook( __FILE__, array( 'BookingX\\Addons\\LiveChat\\WP\\Installer', 'deactivate' ) );

add_action( 'plugins_loaded', array( 'BookingX\\Addons\\LiveChat\\WP\\Plugin', 'boot' ) );
