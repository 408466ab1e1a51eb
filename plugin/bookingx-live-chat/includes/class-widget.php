<?php
/**
 * The customer widget on the front end: which pages get it, the loader script, and its
 * public configuration.
 *
 * Two stages keep pages fast and private (DESIGN.md, "What sets us apart" 7 and 8):
 * - `assets/dist/loader.js` (~2 KB gzipped, deferred) draws the button. It sets no cookie,
 *   uses no storage and makes no request until the visitor interacts with the button.
 * - `assets/dist/chat.js` (the chat UI with socket.io-client) is fetched by the loader on
 *   that first interaction. When the site uses a vendor platform (Intercom, Zendesk,
 *   LiveChat, Drift, tawk.to) the second stage is `assets/dist/vendor.js` instead: it asks
 *   `GET /chat/platform-widget` for the vendor's script, boot settings and the visitor's
 *   signed identity, then loads the vendor's own widget. A vendor whose widget id is not
 *   saved shows no widget at all.
 *
 * The configuration is printed as inline JSON (`#bkx-livechat-config`) and holds nothing
 * specific to the visitor — no nonce, no user name, no visitor id — so a page cache may serve
 * the same HTML to everyone. The same array is served by `GET /chat/widget-config`.
 *
 * Pages (setting `display_on_pages`): `all` = every front-end page; `booking` = BookingX's
 * booking page and pages with its booking form; `services` = BookingX services, resources
 * and extras (single and archive) and pages with its `[bookingx]` listing; `checkout` =
 * BookingX's thank-you/payment page and WooCommerce's checkout. The filter
 * `bkx_livechat_widget_visible` has the last word. `mobile_enabled` = false is applied by the
 * loader (a screen-width check), not by user-agent sniffing, which page caches would break.
 *
 * @package BookingX\Addons\LiveChat\WP
 */

namespace BookingX\Addons\LiveChat\WP;

defined( 'ABSPATH' ) || exit;

/**
 * Enqueues the loader and prints its configuration.
 */
final class Widget {

	/** Script handle of the loader. */
	public const HANDLE = 'bkx-livechat-loader';

	/** Element id of the inline configuration. */
	public const CONFIG_ID = 'bkx-livechat-config';

	/** Default largest upload, in bytes (the spec's "10MB max"). */
	public const MAX_UPLOAD = 10485760;

	/**
	 * Versions of the built files (assets/dist/assets.php), loaded once.
	 *
	 * @var array<string, array<string, mixed>>|null
	 */
	private static ?array $assets = null;

	/**
	 * Hooks in (front end only).
	 */
	public function register(): void {
		add_action( 'wp_enqueue_scripts', array( $this, 'enqueue' ) );
		add_filter( 'script_loader_tag', array( $this, 'defer' ), 10, 2 );
	}

	/**
	 * Metadata of a built asset: `version` (content hash) and, for scripts using WordPress
	 * packages, `dependencies`.
	 *
	 * @param string $file File name in assets/dist.
	 * @return array<string, mixed>
	 */
	public static function asset( string $file ): array {
		if ( null === self::$assets ) {
			$path         = BKX_LIVECHAT_DIR . 'assets/dist/assets.php';
			$loaded       = is_readable( $path ) ? include $path : array();
			self::$assets = is_array( $loaded ) ? $loaded : array();
		}
		$asset = self::$assets[ $file ] ?? array();
		return array(
			'version'      => (string) ( $asset['version'] ?? BKX_LIVECHAT_VERSION ),
			'dependencies' => (array) ( $asset['dependencies'] ?? array() ),
		);
	}

	/**
	 * URL of a built asset, with its version.
	 *
	 * @param string $file File name in assets/dist.
	 */
	public static function asset_url( string $file ): string {
		return add_query_arg( 'ver', self::asset( $file )['version'], BKX_LIVECHAT_URL . 'assets/dist/' . $file );
	}

	/**
	 * Whether this front-end request shows the chat widget: the native chat, or a vendor's
	 * once its widget id is saved (`platform_ready()`).
	 */
	public function is_visible(): bool {
		$settings = Settings::get();
		$visible  = ! empty( $settings['enabled'] )
			&& self::platform_ready( $settings )
			&& ! is_admin() && ! is_feed() && ! is_embed() && ! is_robots() && ! is_trackback()
			&& self::page_matches( (array) $settings['display_on_pages'] );

		/**
		 * Whether the chat widget is shown on the current front-end page.
		 *
		 * Runs on `wp_enqueue_scripts`, so conditional tags work. Keep the decision the same
		 * for every visitor of a URL: pages may be cached.
		 *
		 * @param bool     $visible Decision from the settings.
		 * @param string[] $pages   The `display_on_pages` setting.
		 */
		return (bool) apply_filters( 'bkx_livechat_widget_visible', $visible, (array) $settings['display_on_pages'] );
	}

	/**
	 * The setting each vendor's widget cannot load without (its id in the script URL).
	 */
	public const VENDOR_WIDGET_IDS = array(
		'intercom' => 'intercom_app_id',
		'zendesk'  => 'zendesk_widget_key',
		'livechat' => 'livechat_license',
		'drift'    => 'drift_widget_id',
		'tawk'     => 'tawk_property_id',
	);

	/**
	 * Whether the platform in use can show a widget: the native chat always; a vendor once
	 * its widget id is saved (a vendor without one would show a broken widget).
	 *
	 * @param array<string, mixed> $settings The settings.
	 */
	public static function platform_ready( array $settings ): bool {
		$platform = (string) $settings['platform'];
		if ( 'custom' === $platform ) {
			return true;
		}
		$key = self::VENDOR_WIDGET_IDS[ $platform ] ?? null;
		return null !== $key && '' !== trim( (string) ( $settings[ $key ] ?? '' ) );
	}

	/**
	 * BookingX's booking page (its `bkx_set_booking_page` option), or '' without one.
	 */
	public static function booking_url(): string {
		$page = (int) get_option( 'bkx_set_booking_page' );
		$url  = $page > 0 ? get_permalink( $page ) : false;
		return is_string( $url ) ? esc_url_raw( $url ) : '';
	}

	/**
	 * The page rules of `display_on_pages`.
	 *
	 * @param string[] $kinds Selected kinds of pages.
	 */
	public static function page_matches( array $kinds ): bool {
		if ( in_array( 'all', $kinds, true ) ) {
			return true;
		}
		$post    = is_singular() ? get_post() : null;
		$content = $post ? (string) $post->post_content : '';
		foreach ( $kinds as $kind ) {
			switch ( $kind ) {
				case 'booking':
					$page = (int) get_option( 'bkx_set_booking_page' );
					if ( ( $page > 0 && is_page( $page ) )
						|| ( $post && ( has_shortcode( $content, 'bkx_booking_form' ) || has_block( 'bookingx/bkx-booking-form', $post ) ) ) ) {
						return true;
					}
					break;
				case 'services':
					$types = array( 'bkx_base', 'bkx_seat', 'bkx_addition' );
					if ( is_singular( $types ) || is_post_type_archive( $types ) || ( $post && has_shortcode( $content, 'bookingx' ) ) ) {
						return true;
					}
					break;
				case 'checkout':
					$page = (int) get_option( 'bkx_set_thank_you_page' );
					if ( ( $page > 0 && is_page( $page ) ) || ( function_exists( 'is_checkout' ) && is_checkout() ) ) {
						return true;
					}
					break;
			}
		}
		return false;
	}

	/**
	 * Enqueues the loader (deferred, in the footer) when the page shows the widget.
	 */
	public function enqueue(): void {
		if ( ! $this->is_visible() ) {
			return;
		}
		wp_enqueue_script(
			self::HANDLE,
			BKX_LIVECHAT_URL . 'assets/dist/loader.js',
			array(),
			self::asset( 'loader.js' )['version'],
			array(
				'in_footer' => true,
				'strategy'  => 'defer',
			)
		);
		add_action( 'wp_footer', array( $this, 'print_config' ), 5 );
	}

	/**
	 * `defer` on WordPress versions without script loading strategies (before 6.3).
	 *
	 * @param string $tag    The script tag.
	 * @param string $handle Script handle.
	 */
	public function defer( $tag, $handle ) {
		if ( self::HANDLE !== $handle || false !== strpos( $tag, ' defer' ) ) {
			return $tag;
		}
		return str_replace( ' src=', ' defer src=', $tag );
	}

	/**
	 * Prints the configuration as inline JSON (data, not code: it runs under any CSP).
	 */
	public function print_config(): void {
		printf(
			'<script type="application/json" id="%1$s">%2$s</script>' . "\n",
			esc_attr( self::CONFIG_ID ),
			// JSON_HEX_TAG keeps "</script>" inside strings from ending the element.
			wp_json_encode( self::config(), JSON_HEX_TAG | JSON_HEX_AMP | JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE ) // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- JSON with tags hex-escaped.
		);
	}

	/**
	 * The widget's public configuration. Nothing in it depends on the visitor: the same for
	 * everyone who sees a page (page caches) and for `GET /chat/widget-config`.
	 *
	 * @return array<string, mixed>
	 */
	public static function config(): array {
		$s     = Settings::get();
		$color = sanitize_hex_color( (string) $s['widget_color'] );
		$color = $color ? $color : '#0084FF';

		$attachments = '\\BookingX\\Addons\\LiveChat\\Attachments';
		$limit       = defined( $attachments . '::MAX_BYTES' ) ? (int) constant( $attachments . '::MAX_BYTES' ) : self::MAX_UPLOAD;
		$max_upload  = (int) min( $limit, wp_max_upload_size() );
		/**
		 * Whether the widget offers file uploads. True when file sharing is on in the settings
		 * and the plugin has its uploads route (`REST\Uploads_Controller`).
		 *
		 * @param bool $enabled Decision.
		 */
		$uploads = (bool) apply_filters(
			'bkx_livechat_uploads_enabled',
			! empty( $s['file_sharing_enabled'] ) && class_exists( REST\Uploads_Controller::class )
		);

		$config = array(
			'platform'        => (string) $s['platform'],
			'rest'            => esc_url_raw( rest_url( BKX_LIVECHAT_REST_NAMESPACE . '/' ) ),
			'ajax'            => esc_url_raw( admin_url( 'admin-ajax.php' ) ),
			// The second stage: our chat UI, or the vendor's widget booted by vendor.js.
			'chat_js'         => esc_url_raw( self::asset_url( 'custom' === (string) $s['platform'] ? 'chat.js' : 'vendor.js' ) ),
			'color'           => $color,
			'text_color'      => self::text_color( $color ),
			'position'        => (string) $s['widget_position'],
			'rtl'             => is_rtl(),
			'locale'          => str_replace( '_', '-', get_locale() ),
			'mobile'          => (bool) $s['mobile_enabled'],
			'greeting'        => (string) $s['widget_greeting'],
			'offline_message' => (string) $s['outside_hours_message'],
			'site_name'       => wp_specialchars_decode( get_bloginfo( 'name' ), ENT_QUOTES ),
			'icon'            => esc_url_raw( (string) get_site_icon_url( 96 ) ),
			'gdpr'            => (bool) $s['gdpr_compliance'],
			'privacy_url'     => esc_url_raw( (string) get_privacy_policy_url() ),
			'features'        => array(
				'emoji'         => (bool) $s['emoji_enabled'],
				'typing'        => (bool) $s['typing_indicators'],
				'read_receipts' => (bool) $s['read_receipts'],
				'avatar'        => (bool) $s['avatar_enabled'],
				'agent_name'    => (bool) $s['agent_name_visible'],
				'offline_form'  => (bool) $s['offline_message_enabled'],
			),
			'uploads'         => array(
				'enabled'   => $uploads,
				'route'     => 'chat/uploads',
				'max_bytes' => $max_upload,
				'accept'    => $uploads ? self::accept() : '',
			),
			'strings'         => self::strings( $max_upload ),
			// Where a `booking` prompt sends visitors off a page without the booking form.
			'booking_url'     => self::booking_url(),
			// Proactive rules for the loader's sensors: ids, types, delays, pre-filters only.
			'triggers'        => Engagement::compact(),
		);

		/**
		 * The widget's public configuration (inline JSON and `GET /chat/widget-config`).
		 * Never add anything specific to a visitor: pages and this route are cached.
		 *
		 * @param array $config Configuration.
		 */
		return (array) apply_filters( 'bkx_livechat_widget_config', $config );
	}

	/**
	 * The file picker's `accept` list: the types the extension takes (it decides by content;
	 * this only spares visitors picking a file that would be refused).
	 */
	private static function accept(): string {
		$callback = array( '\\BookingX\\Addons\\LiveChat\\Attachments', 'allowedTypes' );
		if ( ! is_callable( $callback ) ) {
			return '';
		}
		$accept = array();
		foreach ( (array) call_user_func( $callback ) as $type ) {
			if ( ! empty( $type['mime'] ) ) {
				$accept[] = (string) $type['mime'];
			}
			foreach ( (array) ( $type['extensions'] ?? array() ) as $extension ) {
				$accept[] = '.' . $extension;
			}
		}
		return implode( ',', array_unique( $accept ) );
	}

	/**
	 * Readable text colour on the widget colour (WCAG relative luminance).
	 *
	 * @param string $hex `#rgb` or `#rrggbb`.
	 */
	public static function text_color( string $hex ): string {
		$hex = ltrim( $hex, '#' );
		if ( 3 === strlen( $hex ) ) {
			$hex = $hex[0] . $hex[0] . $hex[1] . $hex[1] . $hex[2] . $hex[2];
		}
		$channel = static function ( string $pair ): float {
			$c = hexdec( $pair ) / 255;
			return $c <= 0.03928 ? $c / 12.92 : ( ( $c + 0.055 ) / 1.055 ) ** 2.4;
		};
		$l = 0.2126 * $channel( substr( $hex, 0, 2 ) ) + 0.7152 * $channel( substr( $hex, 2, 2 ) ) + 0.0722 * $channel( substr( $hex, 4, 2 ) );
		// White while its contrast ratio, 1.05 / (L + 0.05), reaches 3:1 (WCAG's ratio for
		// large text and UI components): brand colours keep the white text people expect.
		return ( 1.05 / ( $l + 0.05 ) ) >= 3.0 ? '#ffffff' : '#1d2327';
	}

	/**
	 * Every text the widget shows, translated here (the widget has no translation runtime).
	 *
	 * @param int $max_upload Largest upload in bytes (for the file_too_large text).
	 * @return array<string, string>
	 */
	public static function strings( int $max_upload ): array {
		return array(
			// The loader.
			'open'              => __( 'Open chat', 'bookingx-live-chat' ),
			/* translators: %d: number of unread messages */
			'open_unread'       => __( 'Open chat (%d unread messages)', 'bookingx-live-chat' ),
			'close'             => __( 'Close chat', 'bookingx-live-chat' ),
			'prompt_accept'     => __( 'Chat now', 'bookingx-live-chat' ),
			'prompt_dismiss'    => __( 'Dismiss', 'bookingx-live-chat' ),

			// The chat window.
			'title'             => __( 'Chat with us', 'bookingx-live-chat' ),
			'minimize'          => __( 'Minimise chat', 'bookingx-live-chat' ),
			'sound'             => __( 'Notification sound', 'bookingx-live-chat' ),
			'messages'          => __( 'Messages', 'bookingx-live-chat' ),
			'load_older'        => __( 'Load earlier messages', 'bookingx-live-chat' ),
			'placeholder'       => __( 'Type your message…', 'bookingx-live-chat' ),
			'message'           => __( 'Message', 'bookingx-live-chat' ),
			'send'              => __( 'Send', 'bookingx-live-chat' ),
			'emoji'             => __( 'Insert emoji', 'bookingx-live-chat' ),
			'attach'            => __( 'Attach a file', 'bookingx-live-chat' ),
			'uploading'         => __( 'Uploading file', 'bookingx-live-chat' ),
			'sending'           => __( 'Sending…', 'bookingx-live-chat' ),
			'retry'             => __( 'Try again', 'bookingx-live-chat' ),
			'sent'              => __( 'Sent', 'bookingx-live-chat' ),
			'read'              => __( 'Read', 'bookingx-live-chat' ),
			'you'               => __( 'You:', 'bookingx-live-chat' ) . ' ',
			'agent'             => __( 'Agent', 'bookingx-live-chat' ),
			/* translators: %s: the agent's name, or "Agent" */
			'typing'            => __( '%s is typing…', 'bookingx-live-chat' ),
			'status_online'     => __( 'We are online', 'bookingx-live-chat' ),
			'status_offline'    => __( 'We will reply as soon as we can', 'bookingx-live-chat' ),
			'ended'             => __( 'This conversation has ended.', 'bookingx-live-chat' ),
			'new_chat'          => __( 'Start a new chat', 'bookingx-live-chat' ),
			'staff_notice'      => __( 'You are logged in as a chat agent: answer customers from Live Chat → Inbox in the dashboard.', 'bookingx-live-chat' ),

			// Consent (gdpr_compliance).
			'consent'           => __( 'I agree that my messages and the details I give are stored so that the team can answer me.', 'bookingx-live-chat' ),
			'privacy_policy'    => __( 'Privacy policy', 'bookingx-live-chat' ),

			// The offline form.
			'name'              => __( 'Your name', 'bookingx-live-chat' ),
			'email'             => __( 'Your e-mail address', 'bookingx-live-chat' ),
			'send_offline'      => __( 'Send message', 'bookingx-live-chat' ),
			'offline_invalid'   => __( 'Please enter your name, a valid e-mail address and a message.', 'bookingx-live-chat' ),
			/* translators: %s: the visitor's e-mail address */
			'offline_thanks'    => __( 'Thank you! We will reply to %s as soon as we can.', 'bookingx-live-chat' ),

			// The spec's user-facing errors (section 10).
			'connection_lost'   => __( 'Connection lost. Reconnecting...', 'bookingx-live-chat' ),
			'message_failed'    => __( 'Message failed to send. Please try again.', 'bookingx-live-chat' ),
			'agent_unavailable' => __( 'All agents are currently busy. Please leave a message.', 'bookingx-live-chat' ),
			/* translators: %s: largest file size, e.g. "10 MB" */
			'file_too_large'    => sprintf( __( 'File size exceeds limit (%s max).', 'bookingx-live-chat' ), size_format( $max_upload ) ),
			'file_type'         => __( 'This type of file cannot be sent. Images, PDF and text files can.', 'bookingx-live-chat' ),
			'booking_error'     => __( 'Unable to create booking. Please try the booking form.', 'bookingx-live-chat' ),
			'platform_error'    => __( 'Chat service temporarily unavailable.', 'bookingx-live-chat' ),
		);
	}
}
