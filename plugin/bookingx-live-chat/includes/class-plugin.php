<?php
/**
 * The bootstrap: checks what the plugin depends on, then wires the other classes.
 *
 * Guard clauses, in order:
 * 1. No `bkx_livechat` extension: an admin notice says how to install it; nothing else loads
 *    (no routes, no screens, no fatal error).
 * 2. No BookingX: a dismissible notice says booking features are off; the chat works.
 *
 * @package BookingX\Addons\LiveChat\WP
 */

namespace BookingX\Addons\LiveChat\WP;

use BookingX\Addons\LiveChat\WP\Admin\Inbox_Page;
use BookingX\Addons\LiveChat\WP\Admin\Settings_Page;
use BookingX\Addons\LiveChat\WP\Admin\Triggers_Page;
use BookingX\Addons\LiveChat\WP\Booking\Booking_Service;
use BookingX\Addons\LiveChat\WP\REST\Availability_Controller;
use BookingX\Addons\LiveChat\WP\REST\Booking_Links_Controller;
use BookingX\Addons\LiveChat\WP\REST\Bookings_Controller;
use BookingX\Addons\LiveChat\WP\REST\Quote_Controller;
use BookingX\Addons\LiveChat\WP\REST\Conversations_Controller;
use BookingX\Addons\LiveChat\WP\REST\Messages_Controller;
use BookingX\Addons\LiveChat\WP\REST\Platforms_Controller;
use BookingX\Addons\LiveChat\WP\REST\Platform_Widget_Controller;
use BookingX\Addons\LiveChat\WP\REST\Route_Hooks;
use BookingX\Addons\LiveChat\WP\REST\Token_Controller;
use BookingX\Addons\LiveChat\WP\REST\Triggers_Controller;
use BookingX\Addons\LiveChat\WP\REST\Uploads_Controller;
use BookingX\Addons\LiveChat\WP\REST\Webhooks_Controller;
use BookingX\Addons\LiveChat\WP\REST\Widget_Config_Controller;

defined( 'ABSPATH' ) || exit;

/**
 * Plugin bootstrap.
 */
final class Plugin {

	/** User meta remembering that the "BookingX missing" notice was dismissed. */
	public const DISMISS_META = 'bkx_livechat_dismissed_bookingx_notice';

	/**
	 * The booted instance.
	 *
	 * @var Plugin|null
	 */
	private static ?Plugin $instance = null;

	/**
	 * The extension service shared by the controllers.
	 *
	 * @var Chat_Service|null
	 */
	private ?Chat_Service $chat = null;

	/**
	 * Guest identity.
	 *
	 * @var Visitor|null
	 */
	private ?Visitor $visitor = null;

	/**
	 * Boots once, on `plugins_loaded` (BookingX must have loaded to be detected).
	 */
	public static function boot(): void {
		if ( null !== self::$instance ) {
			return;
		}
		self::$instance = new self();
		self::$instance->init();
	}

	/**
	 * The booted instance (null before `plugins_loaded` or when the extension is missing).
	 */
	public static function instance(): ?Plugin {
		return self::$instance;
	}

	/**
	 * Whether the native extension is loaded in this PHP.
	 */
	public static function has_extension(): bool {
		return extension_loaded( 'bkx_livechat' );
	}

	/**
	 * Whether BookingX (the booking plugin) is active.
	 */
	public static function has_bookingx(): bool {
		return class_exists( 'Bookingx' ) && defined( 'BKX_PLUGIN_VER' );
	}

	/**
	 * The shared extension service.
	 */
	public function chat(): Chat_Service {
		if ( null === $this->chat ) {
			$this->chat = new Chat_Service();
		}
		return $this->chat;
	}

	/**
	 * Wires everything, after the guard clauses.
	 */
	private function init(): void {
		add_action( 'init', array( $this, 'load_textdomain' ) );

		if ( ! self::has_extension() ) {
			add_action( 'admin_notices', array( $this, 'notice_missing_extension' ) );
			add_action( 'network_admin_notices', array( $this, 'notice_missing_extension' ) );
			return;
		}

		if ( ! self::has_bookingx() ) {
			add_action( 'admin_notices', array( $this, 'notice_missing_bookingx' ) );
			add_action( 'admin_init', array( $this, 'dismiss_bookingx_notice' ) );
		}

		$this->visitor = new Visitor();

		add_action( 'init', array( Installer::class, 'maybe_upgrade' ) );
		add_action( 'admin_init', array( Settings::class, 'register' ) );
		add_action( 'rest_api_init', array( Settings::class, 'register' ) );
		add_action( 'rest_api_init', array( $this, 'register_routes' ) );
		( new Route_Hooks( $this->visitor ) )->register();

		if ( is_admin() ) {
			( new Settings_Page( $this->chat() ) )->register();
			( new Inbox_Page() )->register();
			( new Triggers_Page( $this->chat() ) )->register();
		} else {
			( new Widget() )->register();
		}
	}

	/**
	 * Loads translations.
	 */
	public function load_textdomain(): void {
		load_plugin_textdomain( 'bookingx-live-chat', false, dirname( plugin_basename( BKX_LIVECHAT_FILE ) ) . '/languages' );
	}

	/**
	 * Registers the REST routes of namespace bookingx/v1.
	 */
	public function register_routes(): void {
		$access = new Access( $this->visitor ?? new Visitor() );
		$chat   = $this->chat();
		foreach ( array(
			new Token_Controller( $chat, $access ),
			new Conversations_Controller( $chat, $access ),
			new Messages_Controller( $chat, $access ),
			new Uploads_Controller( $chat, $access ),
			new Webhooks_Controller( $chat, $access ),
			new Widget_Config_Controller( $chat, $access ),
			new Triggers_Controller( $chat, $access ),
			new Platforms_Controller( $chat, $access ),
			new Platform_Widget_Controller( $chat, $access ),
		) as $controller ) {
			$controller->register_routes();
		}
		// Booking routes always exist; without a booking system they answer 503.
		$provider = Booking_Service::detect_provider();
		$booking  = null !== $provider ? new Booking_Service( $chat, $provider ) : null;
		foreach ( array(
			new Availability_Controller( $chat, $access, $booking ),
			new Quote_Controller( $chat, $access, $booking ),
			new Bookings_Controller( $chat, $access, $booking ),
			new Booking_Links_Controller( $chat, $access, $booking ),
		) as $controller ) {
			$controller->register_routes();
		}
	}

	/**
	 * Admin notice: the extension is missing.
	 */
	public function notice_missing_extension(): void {
		if ( ! current_user_can( 'activate_plugins' ) ) {
			return;
		}
		printf(
			'<div class="notice notice-error"><p><strong>%1$s</strong> %2$s</p><p>%3$s</p></div>',
			esc_html__( 'BookingX Live Chat is inactive:', 'bookingx-live-chat' ),
			esc_html__( 'the PHP extension bkx_livechat is not loaded in this PHP.', 'bookingx-live-chat' ),
			wp_kses(
				sprintf(
					/* translators: 1: command, 2: php.ini line, 3: service name */
					__( 'Install it with %1$s from the plugin\'s source package, or copy the built module into PHP\'s extension directory and add %2$s to php.ini (or a conf.d file), then restart PHP (for example %3$s).', 'bookingx-live-chat' ),
					'<code>make install</code>',
					'<code>extension=bkx_livechat.so</code>',
					'<code>php-fpm</code>'
				),
				array( 'code' => array() )
			)
		);
	}

	/**
	 * Admin notice (dismissible, remembered per user): BookingX is missing.
	 */
	public function notice_missing_bookingx(): void {
		if ( ! current_user_can( Roles::MANAGE_SETTINGS ) && ! current_user_can( 'activate_plugins' ) ) {
			return;
		}
		if ( get_user_meta( get_current_user_id(), self::DISMISS_META, true ) ) {
			return;
		}
		$dismiss_url = wp_nonce_url( add_query_arg( 'bkx-livechat-dismiss', 'bookingx' ), 'bkx_livechat_dismiss' );
		printf(
			'<div class="notice notice-warning is-dismissible"><p>%1$s <a href="%2$s">%3$s</a></p></div>',
			esc_html__( 'BookingX Live Chat: BookingX is not active, so booking features in the chat (availability, quotes, bookings from chat) are off. The chat itself works.', 'bookingx-live-chat' ),
			esc_url( $dismiss_url ),
			esc_html__( 'Do not show again', 'bookingx-live-chat' )
		);
	}

	/**
	 * Remembers the dismissal of the BookingX notice.
	 */
	public function dismiss_bookingx_notice(): void {
		if ( ! isset( $_GET['bkx-livechat-dismiss'] ) || 'bookingx' !== $_GET['bkx-livechat-dismiss'] ) { // phpcs:ignore WordPress.Security.NonceVerification.Recommended -- verified below.
			return;
		}
		check_admin_referer( 'bkx_livechat_dismiss' );
		update_user_meta( get_current_user_id(), self::DISMISS_META, 1 );
		wp_safe_redirect( remove_query_arg( array( 'bkx-livechat-dismiss', '_wpnonce' ) ) );
		exit;
	}
}
