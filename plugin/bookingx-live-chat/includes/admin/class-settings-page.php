<?php
/**
 * Live Chat → Settings: the Settings API screen over `bkx_livechat_settings`, with a status box.
 *
 * @package BookingX\Addons\LiveChat\WP
 */

namespace BookingX\Addons\LiveChat\WP\Admin;

use BookingX\Addons\LiveChat\WP\Chat_Service;
use BookingX\Addons\LiveChat\WP\Installer;
use BookingX\Addons\LiveChat\WP\Plugin;
use BookingX\Addons\LiveChat\WP\REST\Token_Controller;
use BookingX\Addons\LiveChat\WP\Roles;
use BookingX\Addons\LiveChat\WP\Secret;
use BookingX\Addons\LiveChat\WP\Settings;

defined( 'ABSPATH' ) || exit;

/**
 * The settings screen.
 */
final class Settings_Page {

	/** Menu slug of the screen. */
	public const SLUG = 'bkx-livechat';

	/**
	 * The extension service (for the status box).
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
		add_action( 'admin_menu', array( $this, 'add_menu' ) );
		add_action( 'admin_init', array( $this, 'add_fields' ) );
		( new Platforms_Box( $this->chat ) )->register();
		// Let chat managers without manage_options save through options.php.
		add_filter( 'option_page_capability_' . Settings::GROUP, static fn() => Roles::MANAGE_SETTINGS );
	}

	/**
	 * The "Live Chat" menu with its Settings page.
	 */
	public function add_menu(): void {
		add_menu_page(
			__( 'Live Chat', 'bookingx-live-chat' ),
			__( 'Live Chat', 'bookingx-live-chat' ),
			Roles::MANAGE_SETTINGS,
			self::SLUG,
			array( $this, 'render' ),
			'dashicons-format-chat',
			58
		);
		add_submenu_page(
			self::SLUG,
			__( 'Live Chat Settings', 'bookingx-live-chat' ),
			__( 'Settings', 'bookingx-live-chat' ),
			Roles::MANAGE_SETTINGS,
			self::SLUG,
			array( $this, 'render' )
		);
	}

	/**
	 * Sections and their fields: section => [title, [setting => [label, type, extra]]].
	 *
	 * @return array<string, array{0: string, 1: array<string, array<int, mixed>>}>
	 */
	private function sections(): array {
		$sections = array(
			'general'   => array(
				__( 'General', 'bookingx-live-chat' ),
				array(
					'enabled'            => array( __( 'Enable chat', 'bookingx-live-chat' ), 'bool' ),
					'platform'           => array( __( 'Chat platform', 'bookingx-live-chat' ), 'select', $this->platform_labels() ),
					'display_on_pages'   => array( __( 'Show the widget on', 'bookingx-live-chat' ), 'multi', $this->page_labels() ),
					'mobile_enabled'     => array( __( 'Show on mobile devices', 'bookingx-live-chat' ), 'bool' ),
					'custom_chat_server' => array( __( 'Chat server URL (native chat)', 'bookingx-live-chat' ), 'url', __( 'The public URL of bkx-chatd, e.g. wss://chat.example.com. The BKX_LIVECHAT_CHATD_URL constant overrides it.', 'bookingx-live-chat' ) ),
					'custom_chat_port'   => array( __( 'Chat server port', 'bookingx-live-chat' ), 'int' ),
				),
			),
			'platforms' => array( '', array() ), // Replaced by one section per vendor below.
			'widget'    => array(
				__( 'Widget appearance', 'bookingx-live-chat' ),
				array(
					'widget_position'    => array(
						__( 'Position', 'bookingx-live-chat' ),
						'select',
						array(
							'bottom-right' => __( 'Bottom right', 'bookingx-live-chat' ),
							'bottom-left'  => __( 'Bottom left', 'bookingx-live-chat' ),
						),
					),
					'widget_color'       => array( __( 'Colour', 'bookingx-live-chat' ), 'color' ),
					'widget_greeting'    => array( __( 'Greeting', 'bookingx-live-chat' ), 'textarea' ),
					'avatar_enabled'     => array( __( 'Show agent avatars', 'bookingx-live-chat' ), 'bool' ),
					'agent_name_visible' => array( __( 'Show agent names', 'bookingx-live-chat' ), 'bool' ),
				),
			),
			'proactive' => array(
				__( 'Proactive engagement', 'bookingx-live-chat' ),
				array(
					'proactive_enabled'          => array( __( 'Enable proactive prompts', 'bookingx-live-chat' ), 'bool' ),
					'time_on_page_trigger'       => array( __( 'Prompt after seconds on page', 'bookingx-live-chat' ), 'int' ),
					'exit_intent_trigger'        => array( __( 'Exit intent', 'bookingx-live-chat' ), 'bool' ),
					'cart_abandonment_trigger'   => array( __( 'Booking abandonment', 'bookingx-live-chat' ), 'bool' ),
					'booking_hesitation_trigger' => array( __( 'Booking hesitation', 'bookingx-live-chat' ), 'bool' ),
					'return_visitor_greeting'    => array( __( 'Greet returning visitors', 'bookingx-live-chat' ), 'bool' ),
				),
			),
			'agents'    => array(
				__( 'Agent settings', 'bookingx-live-chat' ),
				array(
					'agent_assignment'        => array(
						__( 'Assignment', 'bookingx-live-chat' ),
						'select',
						array(
							'round_robin'   => __( 'Round robin', 'bookingx-live-chat' ),
							'load_balanced' => __( 'Load balanced', 'bookingx-live-chat' ),
							'manual'        => __( 'Manual', 'bookingx-live-chat' ),
						),
					),
					'max_concurrent_chats'    => array( __( 'Maximum concurrent chats per agent', 'bookingx-live-chat' ), 'int' ),
					'auto_away_timeout'       => array( __( 'Set agents away after seconds idle', 'bookingx-live-chat' ), 'int' ),
					'offline_message_enabled' => array( __( 'Accept messages when nobody is online', 'bookingx-live-chat' ), 'bool' ),
				),
			),
			'features'  => array(
				__( 'Chat features', 'bookingx-live-chat' ),
				array(
					'file_sharing_enabled' => array( __( 'File sharing', 'bookingx-live-chat' ), 'bool', __( 'Images, PDF and plain text up to 10 MB, checked by content and kept private.', 'bookingx-live-chat' ) ),
					'clamav_address'       => array( __( 'Virus scanner (ClamAV) address', 'bookingx-live-chat' ), 'text', __( 'Where clamd listens: a unix socket path (/var/run/clamav/clamd.ctl) or host:port (127.0.0.1:3310). Empty: try those two. "off": do not scan. Without a reachable scanner, uploads are stored unscanned.', 'bookingx-live-chat' ) ),
					'emoji_enabled'        => array( __( 'Emoji picker', 'bookingx-live-chat' ), 'bool' ),
					'typing_indicators'    => array( __( 'Typing indicators', 'bookingx-live-chat' ), 'bool' ),
					'read_receipts'        => array( __( 'Read receipts', 'bookingx-live-chat' ), 'bool' ),
					'chat_rating_enabled'  => array( __( 'Let customers rate chats', 'bookingx-live-chat' ), 'bool' ),
					'transcript_email'     => array( __( 'E-mail transcripts', 'bookingx-live-chat' ), 'bool' ),
				),
			),
			'booking'   => array(
				__( 'Booking integration', 'bookingx-live-chat' ),
				array(
					'booking_assistant_enabled'  => array( __( 'Booking assistant', 'bookingx-live-chat' ), 'bool' ),
					'availability_check_in_chat' => array( __( 'Check availability in chat', 'bookingx-live-chat' ), 'bool' ),
					'create_booking_from_chat'   => array( __( 'Create bookings from chat', 'bookingx-live-chat' ), 'bool' ),
					'send_payment_links'         => array( __( 'Send payment links', 'bookingx-live-chat' ), 'bool' ),
				),
			),
			'hours'     => array(
				__( 'Business hours', 'bookingx-live-chat' ),
				array(
					'business_hours_enabled' => array( __( 'Use business hours', 'bookingx-live-chat' ), 'bool' ),
					'timezone'               => array( __( 'Time zone', 'bookingx-live-chat' ), 'timezone' ),
					'working_hours'          => array( __( 'Working hours', 'bookingx-live-chat' ), 'hours' ),
					'outside_hours_message'  => array( __( 'Message outside business hours', 'bookingx-live-chat' ), 'textarea' ),
				),
			),
			'privacy'   => array(
				__( 'Privacy', 'bookingx-live-chat' ),
				array(
					'gdpr_compliance'             => array( __( 'GDPR tools (consent step, export and erasure)', 'bookingx-live-chat' ), 'bool' ),
					'conversation_retention_days' => array( __( 'Keep conversations for days', 'bookingx-live-chat' ), 'int' ),
					'anonymous_chat_enabled'      => array( __( 'Anonymous chats (store no customer names)', 'bookingx-live-chat' ), 'bool' ),
					'delete_data_on_uninstall'    => array( __( 'Delete all chat data when the plugin is uninstalled', 'bookingx-live-chat' ), 'bool', __( 'Off by default: uninstalling keeps conversations, settings and roles.', 'bookingx-live-chat' ) ),
				),
			),
		);
		return $this->with_vendor_sections( $sections );
	}

	/**
	 * The vendors' credential fields, one section per vendor (replacing the `platforms`
	 * placeholder, in its place), so an administrator fills in only the platform they use;
	 * the section of the platform in use says so.
	 *
	 * @param array<string, array{0: string, 1: array<string, array<int, mixed>>}> $sections Sections.
	 * @return array<string, array{0: string, 1: array<string, array<int, mixed>>}>
	 */
	private function with_vendor_sections( array $sections ): array {
		$fields = array(
			'intercom_app_id'                => array( __( 'Intercom app ID', 'bookingx-live-chat' ), 'text' ),
			'intercom_api_key'               => array( __( 'Intercom access token', 'bookingx-live-chat' ), 'secret' ),
			'intercom_identity_verification' => array( __( 'Intercom identity verification', 'bookingx-live-chat' ), 'bool' ),
			'intercom_secret_key'            => array( __( 'Intercom identity verification secret', 'bookingx-live-chat' ), 'secret' ),
			'intercom_identity_mode'         => array(
				__( 'Intercom identity scheme', 'bookingx-live-chat' ),
				'select',
				array(
					'hash' => __( 'user_hash (HMAC)', 'bookingx-live-chat' ),
					'jwt'  => __( 'Messenger security JWT', 'bookingx-live-chat' ),
				),
			),
			'intercom_admin_id'              => array( __( 'Intercom admin ID (replies from wp-admin)', 'bookingx-live-chat' ), 'text' ),
			'zendesk_subdomain'              => array( __( 'Zendesk subdomain', 'bookingx-live-chat' ), 'text' ),
			'zendesk_api_key'                => array( __( 'Zendesk API key', 'bookingx-live-chat' ), 'secret' ),
			'zendesk_api_token'              => array( __( 'Zendesk API token', 'bookingx-live-chat' ), 'secret' ),
			'zendesk_department'             => array( __( 'Zendesk department', 'bookingx-live-chat' ), 'text' ),
			'zendesk_app_id'                 => array( __( 'Zendesk messaging app ID', 'bookingx-live-chat' ), 'text' ),
			'zendesk_widget_key'             => array( __( 'Zendesk Web Widget key', 'bookingx-live-chat' ), 'text' ),
			'zendesk_jwt_key_id'             => array( __( 'Zendesk messaging JWT key ID', 'bookingx-live-chat' ), 'text' ),
			'zendesk_jwt_secret'             => array( __( 'Zendesk messaging JWT secret', 'bookingx-live-chat' ), 'secret' ),
			'livechat_license'               => array( __( 'LiveChat license number', 'bookingx-live-chat' ), 'text' ),
			'livechat_api_key'               => array( __( 'LiveChat API key', 'bookingx-live-chat' ), 'secret' ),
			'livechat_group'                 => array( __( 'LiveChat group', 'bookingx-live-chat' ), 'text' ),
			'livechat_account_id'            => array( __( 'LiveChat account ID (for the API key)', 'bookingx-live-chat' ), 'text' ),
			'drift_widget_id'                => array( __( 'Drift widget ID', 'bookingx-live-chat' ), 'text' ),
			'drift_api_token'                => array( __( 'Drift API token', 'bookingx-live-chat' ), 'secret' ),
			'drift_identity_secret'          => array( __( 'Drift signed identity secret', 'bookingx-live-chat' ), 'secret' ),
			'drift_user_id'                  => array( __( 'Drift user ID (replies from wp-admin)', 'bookingx-live-chat' ), 'text' ),
			'tawk_property_id'               => array( __( 'tawk.to property ID', 'bookingx-live-chat' ), 'text' ),
			'tawk_widget_id'                 => array( __( 'tawk.to widget ID', 'bookingx-live-chat' ), 'text' ),
			'tawk_api_key'                   => array( __( 'tawk.to REST API key', 'bookingx-live-chat' ), 'secret' ),
			'tawk_js_api_key'                => array( __( 'tawk.to JavaScript API key (secure mode)', 'bookingx-live-chat' ), 'secret' ),
			'intercom_client_secret'         => array( __( 'Intercom client secret (webhooks)', 'bookingx-live-chat' ), 'secret', $this->webhook_hint( 'intercom' ) ),
			'zendesk_webhook_secret'         => array( __( 'Zendesk webhook signing secret', 'bookingx-live-chat' ), 'secret', $this->webhook_hint( 'zendesk' ) ),
			'livechat_webhook_secret'        => array( __( 'LiveChat webhook secret key', 'bookingx-live-chat' ), 'secret', $this->webhook_hint( 'livechat' ) ),
			'drift_verification_token'       => array( __( 'Drift verification token', 'bookingx-live-chat' ), 'secret', $this->webhook_hint( 'drift' ) ),
			'tawk_webhook_secret'            => array( __( 'tawk.to webhook secret key', 'bookingx-live-chat' ), 'secret', $this->webhook_hint( 'tawk' ) ),
			'intercom_base_url'              => array( __( 'Intercom API base URL (advanced)', 'bookingx-live-chat' ), 'url' ),
			'zendesk_base_url'               => array( __( 'Zendesk API base URL (advanced)', 'bookingx-live-chat' ), 'url' ),
			'livechat_base_url'              => array( __( 'LiveChat API base URL (advanced)', 'bookingx-live-chat' ), 'url' ),
			'drift_base_url'                 => array( __( 'Drift API base URL (advanced)', 'bookingx-live-chat' ), 'url' ),
			'tawk_base_url'                  => array( __( 'tawk.to API base URL (advanced)', 'bookingx-live-chat' ), 'url' ),
		);
		$current = (string) Settings::get( 'platform' );
		$out     = array();
		foreach ( $sections as $key => $section ) {
			if ( 'platforms' !== $key ) {
				$out[ $key ] = $section;
				continue;
			}
			foreach ( $this->platform_labels() as $vendor => $label ) {
				if ( 'custom' === $vendor ) {
					continue;
				}
				$mine = array();
				foreach ( $fields as $name => $field ) {
					if ( 0 === strpos( $name, $vendor . '_' ) ) {
						$mine[ $name ] = $field;
					}
				}
				$title = $vendor === $current
					/* translators: %s: platform name */
					? sprintf( __( '%s (the platform in use)', 'bookingx-live-chat' ), $label )
					: $label;
				$out[ 'vendor_' . $vendor ] = array( $title, $mine );
			}
		}
		return $out;
	}

	/**
	 * The description of a webhook secret field: where the vendor must post.
	 *
	 * @param string $platform Platform name.
	 */
	private function webhook_hint( string $platform ): string {
		/* translators: %s: the webhook URL to enter in the vendor's dashboard */
		return sprintf( __( 'Webhook URL: %s', 'bookingx-live-chat' ), \BookingX\Addons\LiveChat\WP\REST\Webhooks_Controller::url( $platform ) );
	}

	/**
	 * Registers the sections and fields with the Settings API.
	 */
	public function add_fields(): void {
		foreach ( $this->sections() as $section => list( $title, $fields ) ) {
			add_settings_section( 'bkx_livechat_' . $section, $title, '__return_false', self::SLUG );
			foreach ( $fields as $name => $field ) {
				add_settings_field(
					'bkx_livechat_' . $name,
					$field[0],
					array( $this, 'render_field' ),
					self::SLUG,
					'bkx_livechat_' . $section,
					array(
						'name'      => $name,
						'type'      => $field[1],
						'extra'     => $field[2] ?? null,
						'label_for' => in_array( $field[1], array( 'multi', 'hours' ), true ) ? null : 'bkx_livechat_' . $name,
					)
				);
			}
		}
	}

	/**
	 * The screen.
	 */
	public function render(): void {
		if ( ! current_user_can( Roles::MANAGE_SETTINGS ) ) {
			wp_die( esc_html__( 'You are not allowed to manage the chat settings.', 'bookingx-live-chat' ) );
		}
		echo '<div class="wrap">';
		echo '<h1>' . esc_html__( 'Live Chat Settings', 'bookingx-live-chat' ) . '</h1>';
		$this->render_status();
		( new Platforms_Box( $this->chat ) )->render();
		settings_errors( Settings::OPTION );
		echo '<form method="post" action="' . esc_url( admin_url( 'options.php' ) ) . '">';
		settings_fields( Settings::GROUP );
		do_settings_sections( self::SLUG );
		submit_button();
		echo '</form></div>';
	}

	/**
	 * One field.
	 *
	 * @param array<string, mixed> $args name, type, extra.
	 */
	public function render_field( array $args ): void {
		$name  = $args['name'];
		$type  = $args['type'];
		$extra = $args['extra'];
		$value = Settings::get( $name );
		$id    = 'bkx_livechat_' . $name;
		$field = Settings::OPTION . '[' . $name . ']';

		switch ( $type ) {
			case 'bool':
				printf( '<input type="hidden" name="%s" value="%s" />', esc_attr( Settings::OPTION . '[' . Settings::FORM_BOOLEANS . '][]' ), esc_attr( $name ) );
				printf(
					'<input type="checkbox" id="%1$s" name="%2$s" value="1" %3$s />',
					esc_attr( $id ),
					esc_attr( $field ),
					checked( (bool) $value, true, false )
				);
				break;
			case 'int':
				$range = Settings::int_ranges()[ $name ] ?? array( 0, PHP_INT_MAX );
				printf(
					'<input type="number" class="small-text" id="%1$s" name="%2$s" value="%3$d" min="%4$d" max="%5$d" />',
					esc_attr( $id ),
					esc_attr( $field ),
					(int) $value,
					(int) $range[0],
					(int) $range[1]
				);
				break;
			case 'select':
				printf( '<select id="%1$s" name="%2$s">', esc_attr( $id ), esc_attr( $field ) );
				foreach ( (array) $extra as $option => $label ) {
					printf( '<option value="%1$s" %2$s>%3$s</option>', esc_attr( $option ), selected( $value, $option, false ), esc_html( $label ) );
				}
				echo '</select>';
				$extra = null;
				break;
			case 'multi':
				printf( '<input type="hidden" name="%s" value="%s" />', esc_attr( Settings::OPTION . '[' . Settings::FORM_BOOLEANS . '][]' ), esc_attr( $name ) );
				echo '<fieldset>';
				foreach ( (array) $extra as $option => $label ) {
					printf(
						'<label><input type="checkbox" name="%1$s[]" value="%2$s" %3$s /> %4$s</label><br />',
						esc_attr( $field ),
						esc_attr( $option ),
						checked( in_array( $option, (array) $value, true ), true, false ),
						esc_html( $label )
					);
				}
				echo '</fieldset>';
				$extra = null;
				break;
			case 'secret':
				printf(
					'<input type="password" class="regular-text" id="%1$s" name="%2$s" value="" autocomplete="new-password" placeholder="%3$s" />',
					esc_attr( $id ),
					esc_attr( $field ),
					esc_attr( '' !== (string) $value ? __( 'Saved — leave empty to keep', 'bookingx-live-chat' ) : '' )
				);
				$extra = trim( ( is_string( $extra ) ? $extra . ' ' : '' ) . __( 'Enter a single space to remove a saved value.', 'bookingx-live-chat' ) );
				break;
			case 'color':
				printf( '<input type="color" id="%1$s" name="%2$s" value="%3$s" />', esc_attr( $id ), esc_attr( $field ), esc_attr( (string) $value ) );
				break;
			case 'textarea':
				printf( '<textarea class="large-text" rows="3" id="%1$s" name="%2$s">%3$s</textarea>', esc_attr( $id ), esc_attr( $field ), esc_textarea( (string) $value ) );
				break;
			case 'url':
				printf( '<input type="text" class="regular-text code" id="%1$s" name="%2$s" value="%3$s" />', esc_attr( $id ), esc_attr( $field ), esc_attr( (string) $value ) );
				break;
			case 'timezone':
				printf( '<select id="%1$s" name="%2$s">', esc_attr( $id ), esc_attr( $field ) );
				foreach ( timezone_identifiers_list() as $zone ) {
					printf( '<option value="%1$s" %2$s>%1$s</option>', esc_attr( $zone ), selected( $value, $zone, false ) );
				}
				echo '</select>';
				break;
			case 'hours':
				$this->render_hours( (array) $value );
				break;
			default:
				printf( '<input type="text" class="regular-text" id="%1$s" name="%2$s" value="%3$s" />', esc_attr( $id ), esc_attr( $field ), esc_attr( (string) $value ) );
		}
		if ( is_string( $extra ) && '' !== $extra ) {
			echo '<p class="description">' . esc_html( $extra ) . '</p>';
		}
	}

	/**
	 * The working-hours grid.
	 *
	 * @param array<string, mixed> $hours Current hours.
	 */
	private function render_hours( array $hours ): void {
		$labels = array(
			'monday'    => __( 'Monday', 'bookingx-live-chat' ),
			'tuesday'   => __( 'Tuesday', 'bookingx-live-chat' ),
			'wednesday' => __( 'Wednesday', 'bookingx-live-chat' ),
			'thursday'  => __( 'Thursday', 'bookingx-live-chat' ),
			'friday'    => __( 'Friday', 'bookingx-live-chat' ),
			'saturday'  => __( 'Saturday', 'bookingx-live-chat' ),
			'sunday'    => __( 'Sunday', 'bookingx-live-chat' ),
		);
		echo '<table class="bkx-livechat-hours"><tbody>';
		foreach ( Settings::DAYS as $day ) {
			$current = $hours[ $day ] ?? 'closed';
			$closed  = ! is_array( $current );
			$open    = $closed ? '09:00' : (string) $current[0];
			$close   = $closed ? '17:00' : (string) $current[1];
			$base    = Settings::OPTION . '[working_hours][' . $day . ']';
			printf(
				'<tr><th scope="row">%1$s</th><td><input type="time" name="%2$s[open]" value="%3$s" /> – <input type="time" name="%2$s[close]" value="%4$s" /> <label><input type="checkbox" name="%2$s[closed]" value="1" %5$s /> %6$s</label></td></tr>',
				esc_html( $labels[ $day ] ),
				esc_attr( $base ),
				esc_attr( $open ),
				esc_attr( $close ),
				checked( $closed, true, false ),
				esc_html__( 'Closed', 'bookingx-live-chat' )
			);
		}
		echo '</tbody></table>';
	}

	/**
	 * The status box: extension, schema, BookingX, secret, daemon URL.
	 */
	private function render_status(): void {
		$rows    = array();
		$version = phpversion( 'bkx_livechat' );
		$rows[]  = array(
			__( 'Extension bkx_livechat', 'bookingx-live-chat' ),
			Plugin::has_extension()
				/* translators: %s: extension version */
				? sprintf( __( 'loaded, version %s', 'bookingx-live-chat' ), false === $version ? '?' : $version )
				: __( 'not loaded', 'bookingx-live-chat' ),
		);
		$rows[] = array( __( 'Database schema', 'bookingx-live-chat' ), $this->schema_status() );
		$rows[] = array(
			__( 'BookingX', 'bookingx-live-chat' ),
			Plugin::has_bookingx()
				/* translators: %s: BookingX version */
				? sprintf( __( 'detected, version %s', 'bookingx-live-chat' ), (string) BKX_PLUGIN_VER )
				: __( 'not detected — booking features are off', 'bookingx-live-chat' ),
		);
		$rows[] = array(
			__( 'Shared secret', 'bookingx-live-chat' ),
			Secret::from_constant()
				? __( 'from the BKX_LIVECHAT_SECRET constant', 'bookingx-live-chat' )
				: __( 'generated, stored in the bkx_livechat_secret option', 'bookingx-live-chat' ),
		);
		$rows[] = array( __( 'Chat server URL', 'bookingx-live-chat' ), Token_Controller::chatd_url() );
		$rows[] = array( __( 'Chat platform', 'bookingx-live-chat' ), $this->platform_status() );
		$rows[] = array( __( 'Virus scanning (ClamAV)', 'bookingx-live-chat' ), $this->scanner_status() );

		echo '<div class="card" style="max-width:none"><h2 class="title">' . esc_html__( 'Status', 'bookingx-live-chat' ) . '</h2><table class="widefat striped" style="max-width:720px"><tbody>';
		foreach ( $rows as list( $label, $value ) ) {
			printf( '<tr><th scope="row">%1$s</th><td>%2$s</td></tr>', esc_html( $label ), esc_html( $value ) );
		}
		echo '</tbody></table></div>';
	}

	/**
	 * The platform line of the status box: which platform, its webhook URL, which credentials
	 * are saved (masked, never in full) and where their encryption key comes from.
	 */
	private function platform_status(): string {
		$platform = (string) Settings::get( 'platform' );
		if ( 'custom' === $platform ) {
			return __( 'native chat (custom)', 'bookingx-live-chat' );
		}
		$saved = array();
		foreach ( Settings::secret_keys() as $key ) {
			if ( 0 === strpos( $key, $platform . '_' ) && '' !== (string) Settings::get( $key ) ) {
				$saved[] = $key . ' ' . \BookingX\Addons\LiveChat\WP\Secret_Box::mask( (string) Settings::get( $key ) );
			}
		}
		return sprintf(
			/* translators: 1: platform, 2: webhook URL, 3: saved credentials (masked), 4: key source */
			__( '%1$s — webhook URL %2$s; saved credentials: %3$s; encrypted at rest with %4$s', 'bookingx-live-chat' ),
			$platform,
			\BookingX\Addons\LiveChat\WP\REST\Webhooks_Controller::url( $platform ),
			$saved ? implode( ', ', $saved ) : __( 'none', 'bookingx-live-chat' ),
			defined( 'BKX_LIVECHAT_KEY' ) ? __( 'the BKX_LIVECHAT_KEY constant', 'bookingx-live-chat' ) : __( "the site's salts", 'bookingx-live-chat' )
		);
	}

	/**
	 * The virus-scanner line of the status box: whether uploads are scanned, and by what.
	 */
	private function scanner_status(): string {
		if ( ! Plugin::has_extension() ) {
			return __( 'unknown — the extension is not loaded', 'bookingx-live-chat' );
		}
		try {
			$status = $this->chat->attachments()->scannerStatus();
		} catch ( \Throwable $e ) {
			/* translators: %s: error message */
			return sprintf( __( 'off — the scanner setting is invalid: %s', 'bookingx-live-chat' ), $e->getMessage() );
		}
		if ( empty( $status['enabled'] ) ) {
			return __( 'off — switched off in the settings; uploads are not scanned', 'bookingx-live-chat' );
		}
		if ( ! empty( $status['available'] ) ) {
			return sprintf(
				/* translators: 1: ClamAV version, 2: socket path or host:port */
				__( 'on — %1$s at %2$s; infected uploads are refused', 'bookingx-live-chat' ),
				(string) $status['version'],
				(string) $status['address']
			);
		}
		$why = is_string( $status['error'] ?? null ) && '' !== $status['error']
			? $status['error']
			: implode( ', ', array_map( 'strval', (array) ( $status['addresses'] ?? array() ) ) );
		return sprintf(
			/* translators: %s: what was tried and why it failed */
			__( 'off — no ClamAV daemon is reachable, uploads are stored without a virus scan (%s)', 'bookingx-live-chat' ),
			$why
		);
	}

	/**
	 * The schema line of the status box: what the database has and what this build writes.
	 */
	private function schema_status(): string {
		$stored = (int) get_option( Installer::SCHEMA_OPTION, 0 );
		$failed = get_transient( Installer::FAILED_TRANSIENT );
		if ( Plugin::has_extension() ) {
			try {
				$manager = $this->chat->manager();
				if ( method_exists( $manager, 'schemaVersion' ) ) {
					$schema = $manager->schemaVersion();
					return sprintf(
						/* translators: 1: version in the database, 2: version of the extension */
						__( 'version %1$d in the database (this extension writes version %2$d)', 'bookingx-live-chat' ),
						(int) ( $schema['current'] ?? 0 ),
						(int) ( $schema['latest'] ?? 0 )
					);
				}
			} catch ( \Throwable $e ) {
				/* translators: %s: error message */
				return sprintf( __( 'unavailable: %s', 'bookingx-live-chat' ), $e->getMessage() );
			}
		}
		if ( $failed ) {
			/* translators: %s: error message */
			return sprintf( __( 'not installed — the last attempt failed: %s', 'bookingx-live-chat' ), (string) $failed );
		}
		return $stored > 0
			/* translators: %d: schema version */
			? sprintf( __( 'version %d', 'bookingx-live-chat' ), $stored )
			: __( 'not installed', 'bookingx-live-chat' );
	}

	/**
	 * Labels of the platforms.
	 *
	 * @return array<string, string>
	 */
	private function platform_labels(): array {
		return array(
			'custom'   => __( 'Native chat (bkx-chatd)', 'bookingx-live-chat' ),
			'intercom' => 'Intercom',
			'zendesk'  => 'Zendesk Chat',
			'livechat' => 'LiveChat',
			'drift'    => 'Drift',
			'tawk'     => 'Tawk.to',
		);
	}

	/**
	 * Labels of the page groups.
	 *
	 * @return array<string, string>
	 */
	private function page_labels(): array {
		return array(
			'booking'  => __( 'Booking pages', 'bookingx-live-chat' ),
			'services' => __( 'Service pages', 'bookingx-live-chat' ),
			'checkout' => __( 'Checkout', 'bookingx-live-chat' ),
			'all'      => __( 'All other pages', 'bookingx-live-chat' ),
		);
	}
}
