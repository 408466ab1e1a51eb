<?php
/**
 * The "Platform connection" card of Live Chat → Settings: each vendor platform's health,
 * its webhook URL, and a "Test connection" button that calls the vendor with the saved
 * credentials (a form posted to admin-post.php with a nonce; the result is shown on return).
 *
 * @package BookingX\Addons\LiveChat\WP
 */

namespace BookingX\Addons\LiveChat\WP\Admin;

use BookingX\Addons\LiveChat\WP\Chat_Service;
use BookingX\Addons\LiveChat\WP\Platform_Health;
use BookingX\Addons\LiveChat\WP\Plugin;
use BookingX\Addons\LiveChat\WP\REST\Webhooks_Controller;
use BookingX\Addons\LiveChat\WP\Roles;
use BookingX\Addons\LiveChat\WP\Settings;

defined( 'ABSPATH' ) || exit;

/**
 * Platform health and connection tests on the settings screen.
 */
final class Platforms_Box {

	/** admin-post action and nonce name of a connection test. */
	public const ACTION = 'bkx_livechat_test_platform';

	/**
	 * The extension service.
	 *
	 * @var Chat_Service
	 */
	private Chat_Service $chat;

	/**
	 * Constructor.
	 *
	 * @param Chat_Service $chat The extension service.
	 */
	public function __construct( Chat_Service $chat ) {
		$this->chat = $chat;
	}

	/**
	 * Hooks in.
	 */
	public function register(): void {
		add_action( 'admin_post_' . self::ACTION, array( $this, 'test' ) );
	}

	/**
	 * admin-post: runs a connection test, then back to the settings screen.
	 */
	public function test(): void {
		if ( ! current_user_can( Roles::MANAGE_SETTINGS ) ) {
			wp_die( esc_html__( 'You are not allowed to manage the chat platforms.', 'bookingx-live-chat' ), 403 );
		}
		check_admin_referer( self::ACTION );
		// phpcs:ignore WordPress.Security.NonceVerification.Missing -- checked above.
		$platform = isset( $_POST['platform'] ) ? sanitize_key( wp_unslash( $_POST['platform'] ) ) : '';
		if ( ! in_array( $platform, Platform_Health::VENDORS, true ) ) {
			wp_die( esc_html__( 'Unknown chat platform.', 'bookingx-live-chat' ), 400 );
		}
		$result = ( new Platform_Health( $this->chat ) )->test( $platform );
		wp_safe_redirect(
			add_query_arg(
				array(
					'page'          => Settings_Page::SLUG,
					'bkx_tested'    => $platform,
					'bkx_tested_ok' => $result['ok'] ? '1' : '0',
				),
				admin_url( 'admin.php' )
			)
		);
		exit;
	}

	/**
	 * The card.
	 */
	public function render(): void {
		if ( ! Plugin::has_extension() ) {
			return;
		}
		$health  = new Platform_Health( $this->chat );
		$current = (string) Settings::get( 'platform' );
		// phpcs:disable WordPress.Security.NonceVerification.Recommended -- display only.
		$tested = isset( $_GET['bkx_tested'] ) ? sanitize_key( wp_unslash( $_GET['bkx_tested'] ) ) : '';
		$ok     = isset( $_GET['bkx_tested_ok'] ) && '1' === $_GET['bkx_tested_ok'];
		// phpcs:enable
		if ( in_array( $tested, Platform_Health::VENDORS, true ) ) {
			printf(
				'<div class="notice %1$s is-dismissible"><p>%2$s</p></div>',
				esc_attr( $ok ? 'notice-success' : 'notice-error' ),
				esc_html(
					$ok
						/* translators: %s: platform name */
						? sprintf( __( 'Connection to %s works.', 'bookingx-live-chat' ), $tested )
						/* translators: %s: platform name */
						: sprintf( __( 'Connection to %s failed (details below).', 'bookingx-live-chat' ), $tested )
				)
			);
		}
		echo '<div class="card bkx-platforms" style="max-width:none"><h2 class="title">' . esc_html__( 'Platform connection', 'bookingx-live-chat' ) . '</h2>';
		echo '<table class="widefat striped" style="max-width:960px"><thead><tr><th>' . esc_html__( 'Platform', 'bookingx-live-chat' ) . '</th><th>' . esc_html__( 'Health', 'bookingx-live-chat' ) . '</th><th>' . esc_html__( 'Webhook URL', 'bookingx-live-chat' ) . '</th><th></th></tr></thead><tbody>';
		foreach ( Platform_Health::VENDORS as $platform ) {
			$status = $health->status( $platform );
			printf(
				'<tr data-platform="%1$s" data-status="%2$s"><th scope="row">%3$s</th><td class="bkx-health">%4$s</td><td><code>%5$s</code></td><td>',
				esc_attr( $platform ),
				esc_attr( (string) ( $status['status'] ?? 'unknown' ) ),
				esc_html( $platform . ( $platform === $current ? ' ' . __( '(in use)', 'bookingx-live-chat' ) : '' ) ),
				esc_html( Platform_Health::describe( $status ) ),
				esc_html( Webhooks_Controller::url( $platform ) )
			);
			echo '<form method="post" action="' . esc_url( admin_url( 'admin-post.php' ) ) . '">';
			wp_nonce_field( self::ACTION );
			printf( '<input type="hidden" name="action" value="%s" />', esc_attr( self::ACTION ) );
			printf( '<input type="hidden" name="platform" value="%s" />', esc_attr( $platform ) );
			submit_button( __( 'Test connection', 'bookingx-live-chat' ), 'secondary small', 'submit', false );
			echo '</form></td></tr>';
		}
		echo '</tbody></table></div>';
	}
}
