<?php
/**
 * Live Chat → Inbox: the agents' live screen (waiting queue, own conversations, replies).
 *
 * The screen is a React app on WordPress's own React (`wp-element`, `wp-components`,
 * `wp-api-fetch`, `wp-i18n`; built from assets/src/inbox/). It takes a daemon token from
 * `POST /chat/token` (apiFetch sends the X-WP-Nonce) and talks to bkx-chatd directly; history
 * pages and the conversation lists come from the REST routes.
 *
 * @package BookingX\Addons\LiveChat\WP
 */

namespace BookingX\Addons\LiveChat\WP\Admin;

use BookingX\Addons\LiveChat\WP\Roles;
use BookingX\Addons\LiveChat\WP\Settings;
use BookingX\Addons\LiveChat\WP\Widget;

defined( 'ABSPATH' ) || exit;

/**
 * The inbox screen.
 */
final class Inbox_Page {

	/** Menu slug. */
	public const SLUG = 'bkx-livechat-inbox';

	/** Script and style handle. */
	public const HANDLE = 'bkx-livechat-inbox';

	/**
	 * Hook suffix of the screen (set when the menu is added).
	 *
	 * @var string
	 */
	private string $hook = '';

	/**
	 * Hooks in.
	 */
	public function register(): void {
		// After Settings_Page (priority 10) so the "Live Chat" parent exists.
		add_action( 'admin_menu', array( $this, 'add_menu' ), 20 );
		add_action( 'admin_enqueue_scripts', array( $this, 'enqueue' ) );
	}

	/**
	 * Live Chat → Inbox, for everyone who handles chats. Agents without the settings
	 * capability see "Live Chat" with the inbox as its only entry (WordPress promotes the
	 * first accessible submenu).
	 */
	public function add_menu(): void {
		$hook = add_submenu_page(
			Settings_Page::SLUG,
			__( 'Live Chat Inbox', 'bookingx-live-chat' ),
			__( 'Inbox', 'bookingx-live-chat' ),
			Roles::HANDLE,
			self::SLUG,
			array( $this, 'render' )
		);
		$this->hook = is_string( $hook ) ? $hook : '';
	}

	/**
	 * Scripts and styles, on this screen only.
	 *
	 * @param string $hook_suffix Current screen.
	 */
	public function enqueue( $hook_suffix ): void {
		if ( '' === $this->hook || $hook_suffix !== $this->hook ) {
			return;
		}
		// Chat text keeps the system's own emoji: WordPress's emoji script would swap every
		// emoji in the live message list for an image from its CDN.
		remove_action( 'admin_print_scripts', 'print_emoji_detection_script' );
		remove_action( 'admin_print_styles', 'print_emoji_styles' );

		$asset = Widget::asset( 'inbox.js' );
		wp_enqueue_script( self::HANDLE, BKX_LIVECHAT_URL . 'assets/dist/inbox.js', $asset['dependencies'], $asset['version'], true );
		wp_enqueue_style( self::HANDLE, BKX_LIVECHAT_URL . 'assets/dist/inbox.css', array( 'wp-components' ), Widget::asset( 'inbox.css' )['version'] );
		// The inbox's strings are in the .pot under assets/src/inbox/; a translation's JSON file
		// is found by handle: languages/bookingx-live-chat-{locale}-bkx-livechat-inbox.json.
		wp_set_script_translations( self::HANDLE, 'bookingx-live-chat', BKX_LIVECHAT_DIR . 'languages' );
		wp_add_inline_script( self::HANDLE, 'window.bkxLiveChatInbox = ' . wp_json_encode( $this->data() ) . ';', 'before' );
	}

	/**
	 * What the app needs to start (this is wp-admin: per-user data is fine here).
	 *
	 * @return array<string, mixed>
	 */
	private function data(): array {
		$user     = wp_get_current_user();
		$settings = Settings::get();
		return array(
			'namespace' => BKX_LIVECHAT_REST_NAMESPACE,
			// For plain links to files (GET /chat/uploads/{id} needs it as _wpnonce).
			'nonce'     => wp_create_nonce( 'wp_rest' ),
			'user'      => array(
				'id'     => (int) $user->ID,
				'name'   => $user->display_name,
				'avatar' => (string) get_avatar_url( $user->ID, array( 'size' => 64 ) ),
			),
			'locale'    => str_replace( '_', '-', get_user_locale() ),
			'features'  => array(
				'typing'        => (bool) $settings['typing_indicators'],
				'read_receipts' => (bool) $settings['read_receipts'],
			),
			'can'       => array(
				'assign'   => current_user_can( Roles::ASSIGN ),
				'view_all' => current_user_can( Roles::VIEW_ALL ),
			),
		);
	}

	/**
	 * The screen: a mount point (the app renders everything, including the heading).
	 */
	public function render(): void {
		if ( ! current_user_can( Roles::HANDLE ) ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to handle chats.', 'bookingx-live-chat' ), 403 );
		}
		printf(
			'<div class="wrap bkx-inbox-wrap"><h1 class="wp-heading-inline">%1$s</h1><div id="bkx-inbox-root"><p>%2$s</p></div><noscript><p>%3$s</p></noscript></div>',
			esc_html__( 'Live Chat Inbox', 'bookingx-live-chat' ),
			esc_html__( 'Loading…', 'bookingx-live-chat' ),
			esc_html__( 'The inbox needs JavaScript.', 'bookingx-live-chat' )
		);
	}
}
