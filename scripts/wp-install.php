<?php
/**
 * Non-interactive WordPress install for a local site (there is no WP-CLI on Debian 12).
 *
 *   php scripts/wp-install.php <wordpress-dir>
 *
 * Reads BKX_SITE_URL, BKX_SITE_TITLE, BKX_ADMIN_USER, BKX_ADMIN_EMAIL, BKX_ADMIN_PASS from
 * the environment. Idempotent: on an installed site it only re-applies the settings below
 * and resets the admin password to BKX_ADMIN_PASS.
 */

if ( PHP_SAPI !== 'cli' ) {
	exit( 1 );
}
$dir = rtrim( $argv[1] ?? '', '/' );
if ( $dir === '' || ! is_file( "$dir/wp-load.php" ) ) {
	fwrite( STDERR, "usage: php wp-install.php <wordpress-dir>\n" );
	exit( 2 );
}

function bkx_env( string $name, string $default = '' ): string {
	$v = getenv( $name );
	return ( $v === false || $v === '' ) ? $default : $v;
}

$url   = bkx_env( 'BKX_SITE_URL', 'http://127.0.0.1:8088' );
$title = bkx_env( 'BKX_SITE_TITLE', 'BookingX Live Chat demo' );
$user  = bkx_env( 'BKX_ADMIN_USER', 'admin' );
$email = bkx_env( 'BKX_ADMIN_EMAIL', 'admin@example.test' );
$pass  = bkx_env( 'BKX_ADMIN_PASS' );
if ( $pass === '' ) {
	fwrite( STDERR, "BKX_ADMIN_PASS is not set\n" );
	exit( 2 );
}

// WordPress reads these while bootstrapping; a CLI run has none of them.
$parts                   = parse_url( $url );
$_SERVER['HTTP_HOST']    = $parts['host'] . ( isset( $parts['port'] ) ? ':' . $parts['port'] : '' );
$_SERVER['SERVER_NAME']  = $parts['host'];
$_SERVER['SERVER_PORT']  = (string) ( $parts['port'] ?? 80 );
$_SERVER['REQUEST_URI']  = '/';
$_SERVER['REQUEST_METHOD'] = 'GET';

define( 'WP_INSTALLING', true );
require "$dir/wp-load.php";
require_once ABSPATH . 'wp-admin/includes/upgrade.php';

// No MTA here: the "new site" e-mail would only fail noisily.
add_filter( 'pre_wp_mail', '__return_false' );

if ( ! is_blog_installed() ) {
	$result = wp_install( $title, $user, $email, true, '', wp_slash( $pass ) );
	if ( is_wp_error( $result ) ) {
		fwrite( STDERR, 'wp_install failed: ' . $result->get_error_message() . "\n" );
		exit( 1 );
	}
	echo "installed WordPress {$GLOBALS['wp_version']}\n";
} else {
	echo "WordPress already installed; re-applying settings\n";
}

$admin = get_user_by( 'login', $user );
if ( ! $admin ) {
	$id = wp_create_user( $user, $pass, $email );
	if ( is_wp_error( $id ) ) {
		fwrite( STDERR, 'cannot create admin user: ' . $id->get_error_message() . "\n" );
		exit( 1 );
	}
	$admin = get_user_by( 'id', $id );
	$admin->set_role( 'administrator' );
} else {
	wp_set_password( $pass, $admin->ID );
}

update_option( 'siteurl', $url );
update_option( 'home', $url );
update_option( 'blogname', $title );
update_option( 'blogdescription', 'Chat that books' );
update_option( 'timezone_string', 'UTC' );

// Pretty permalinks so /wp-json/... works (nginx routes everything to index.php).
global $wp_rewrite;
$wp_rewrite->set_permalink_structure( '/%postname%/' );
$wp_rewrite->flush_rules( false );

// A page to try the widget on.
if ( ! get_page_by_path( 'chat-demo' ) ) {
	$page_id = wp_insert_post(
		array(
			'post_type'    => 'page',
			'post_status'  => 'publish',
			'post_name'    => 'chat-demo',
			'post_title'   => 'Book with a chat',
			'post_content' => '<!-- wp:paragraph --><p>Questions about a booking? Open the chat in the corner: an agent (or the booking assistant) can find you a free slot and book it right here.</p><!-- /wp:paragraph -->',
			'post_author'  => $admin->ID,
		),
		true
	);
	if ( is_wp_error( $page_id ) ) {
		fwrite( STDERR, 'cannot create the sample page: ' . $page_id->get_error_message() . "\n" );
		exit( 1 );
	}
}
echo "site ready at $url\n";
