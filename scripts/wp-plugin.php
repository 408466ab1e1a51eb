<?php
/**
 * Activate (or deactivate) a plugin of a local WordPress from the command line.
 * Run it with the extension loaded (scripts/php-ext.sh does that):
 *
 *   scripts/php-ext.sh scripts/wp-plugin.php <wordpress-dir> activate <plugin-folder>
 *   scripts/php-ext.sh scripts/wp-plugin.php <wordpress-dir> deactivate <plugin-folder>
 *
 * Reads BKX_SITE_URL and BKX_ADMIN_USER (activation runs as that user, as it would from
 * wp-admin). Exits non-zero with the plugin's error when activation fails.
 */

if ( PHP_SAPI !== 'cli' ) {
	exit( 1 );
}
[ , $dir, $action, $folder ] = array_pad( $argv, 4, '' );
$dir = rtrim( $dir, '/' );
if ( ! is_file( "$dir/wp-load.php" ) || ! in_array( $action, array( 'activate', 'deactivate' ), true ) || $folder === '' ) {
	fwrite( STDERR, "usage: php wp-plugin.php <wordpress-dir> activate|deactivate <plugin-folder>\n" );
	exit( 2 );
}

$url                       = getenv( 'BKX_SITE_URL' ) ?: 'http://127.0.0.1:8088';
$parts                     = parse_url( $url );
$_SERVER['HTTP_HOST']      = $parts['host'] . ( isset( $parts['port'] ) ? ':' . $parts['port'] : '' );
$_SERVER['SERVER_NAME']    = $parts['host'];
$_SERVER['SERVER_PORT']    = (string) ( $parts['port'] ?? 80 );
$_SERVER['REQUEST_URI']    = '/wp-admin/plugins.php';
$_SERVER['REQUEST_METHOD'] = 'GET';

require "$dir/wp-load.php";
require_once ABSPATH . 'wp-admin/includes/plugin.php';
add_filter( 'pre_wp_mail', '__return_false' );

$admin = get_user_by( 'login', getenv( 'BKX_ADMIN_USER' ) ?: 'admin' );
if ( $admin ) {
	wp_set_current_user( $admin->ID );
}

$plugins = get_plugins( '/' . $folder );
if ( ! $plugins ) {
	fwrite( STDERR, "no plugin found in wp-content/plugins/$folder\n" );
	exit( 1 );
}
// The main file is the one whose name matches the folder, else the first with a header.
$files = array_keys( $plugins );
$main  = in_array( "$folder.php", $files, true ) ? "$folder.php" : $files[0];
$file  = "$folder/$main";

if ( $action === 'deactivate' ) {
	deactivate_plugins( $file, true );
	echo "deactivated $file\n";
	exit( 0 );
}

if ( ! extension_loaded( 'bkx_livechat' ) ) {
	fwrite( STDERR, "warning: the bkx_livechat extension is not loaded in this PHP\n" );
}
$result = activate_plugin( $file );
if ( is_wp_error( $result ) ) {
	fwrite( STDERR, "activation of $file failed: " . $result->get_error_code() . ': ' . wp_strip_all_tags( $result->get_error_message() ) . "\n" );
	$data = $result->get_error_data();
	if ( is_string( $data ) && $data !== '' ) {
		fwrite( STDERR, "plugin output: $data\n" );
	}
	exit( 1 );
}
if ( ! is_plugin_active( $file ) ) {
	fwrite( STDERR, "$file is not active after activation\n" );
	exit( 1 );
}
echo "active: $file ({$plugins[$main]['Name']} {$plugins[$main]['Version']})\n";
