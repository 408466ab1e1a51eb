<?php
/**
 * The plugin's one option, `bkx_livechat_settings`: defaults, reading and sanitising.
 *
 * The structure is the spec's settings array (section 6) key for key, so the same array can
 * be handed to the extension (`ChatManager` takes it as `settings`). Four deliberate
 * differences, all documented in readme.txt:
 *
 * - `platform` defaults to `custom` (the native chat), not `intercom`: a fresh site has no
 *   vendor credentials, and a vendor platform without them would show a broken widget.
 * - `delete_data_on_uninstall` (default false) is added: uninstalling keeps the chat history
 *   unless an administrator asked for it to be deleted.
 * - `clamav_address` (default empty) is added: where the ClamAV daemon that scans chat
 *   uploads listens (empty: `/var/run/clamav/clamd.ctl`, then `127.0.0.1:3310`; `off`: no
 *   scanning).
 * - Vendor API and widget keys the spec lacks are added (all default empty): Intercom
 *   `intercom_identity_mode` (`hash`: `user_hash`; `jwt`: Messenger security JWT) and
 *   `intercom_admin_id`; Zendesk messaging `zendesk_app_id`, `zendesk_widget_key` (the Web
 *   Widget snippet key), `zendesk_jwt_key_id` + `zendesk_jwt_secret` (visitor JWT); the
 *   spec's `zendesk_api_key` / `zendesk_api_token` are the Sunshine Conversations API key id
 *   and secret; `livechat_account_id` (with the PAT in `livechat_api_key`);
 *   `drift_identity_secret` (signed identities) and `drift_user_id`; tawk.to
 *   `tawk_property_id`, `tawk_widget_id`, `tawk_api_key` (REST) and `tawk_js_api_key`
 *   (secure mode).
 * - Webhook secrets are added, one per vendor platform (default empty: that platform's
 *   webhook route refuses every delivery): `intercom_client_secret` (the Intercom app's
 *   client secret, which signs X-Hub-Signature; the spec's `intercom_secret_key` stays the
 *   identity-verification secret), `zendesk_webhook_secret`, `livechat_webhook_secret`,
 *   `drift_verification_token` and `tawk_webhook_secret` (tawk.to has no key in the spec).
 *
 * @package BookingX\Addons\LiveChat\WP
 */

namespace BookingX\Addons\LiveChat\WP;

defined( 'ABSPATH' ) || exit;

/**
 * Reads and sanitises the settings option.
 */
final class Settings {

	/** The option name. */
	public const OPTION = 'bkx_livechat_settings';

	/** The Settings API group the admin screen submits. */
	public const GROUP = 'bkx_livechat';

	/** Hidden form field listing the checkboxes a form rendered (absent checkbox = false). */
	public const FORM_BOOLEANS = '_form_booleans';

	/** Days of `working_hours`, in order. */
	public const DAYS = array( 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday' );

	/**
	 * The defaults: the spec's structure and values, except `platform` (see the file doc).
	 *
	 * @return array<string, mixed>
	 */
	public static function defaults(): array {
		return array(
			// General Settings.
			'enabled'                        => true,
			'platform'                       => 'custom',
			'display_on_pages'               => array( 'booking', 'services', 'checkout', 'all' ),
			'mobile_enabled'                 => true,

			// Intercom Configuration.
			'intercom_app_id'                => '',
			'intercom_api_key'               => '',
			'intercom_identity_verification' => true,
			'intercom_secret_key'            => '',
			'intercom_client_secret'         => '',
			'intercom_identity_mode'         => 'hash',
			'intercom_admin_id'              => '',

			// Zendesk Configuration.
			'zendesk_subdomain'              => '',
			'zendesk_api_key'                => '',
			'zendesk_api_token'              => '',
			'zendesk_department'             => '',
			'zendesk_webhook_secret'         => '',
			'zendesk_app_id'                 => '',
			'zendesk_widget_key'             => '',
			'zendesk_jwt_key_id'             => '',
			'zendesk_jwt_secret'             => '',

			// LiveChat Configuration.
			'livechat_license'               => '',
			'livechat_api_key'               => '',
			'livechat_group'                 => '',
			'livechat_webhook_secret'        => '',
			'livechat_account_id'            => '',

			// Drift Configuration.
			'drift_widget_id'                => '',
			'drift_api_token'                => '',
			'drift_verification_token'       => '',
			'drift_identity_secret'          => '',
			'drift_user_id'                  => '',

			// tawk.to Configuration (added: webhooks; the spec has no tawk.to keys).
			'tawk_webhook_secret'            => '',
			'tawk_property_id'               => '',
			'tawk_widget_id'                 => '',
			'tawk_api_key'                   => '',
			'tawk_js_api_key'                => '',

			// Advanced: each vendor's API base URL (empty: the vendor's own; tests use a fake).
			'intercom_base_url'              => '',
			'zendesk_base_url'               => '',
			'livechat_base_url'              => '',
			'drift_base_url'                 => '',
			'tawk_base_url'                  => '',

			// Custom Chat Configuration.
			'custom_chat_server'             => 'wss://chat.example.com',
			'custom_chat_port'               => 443,

			// Widget Appearance.
			'widget_position'                => 'bottom-right',
			'widget_color'                   => '#0084FF',
			'widget_greeting'                => 'Hi! How can we help you today?',
			'avatar_enabled'                 => true,
			'agent_name_visible'             => true,

			// Proactive Engagement.
			'proactive_enabled'              => true,
			'time_on_page_trigger'           => 30,
			'exit_intent_trigger'            => true,
			'cart_abandonment_trigger'       => true,
			'booking_hesitation_trigger'     => true,
			'return_visitor_greeting'        => true,

			// Agent Settings.
			'agent_assignment'               => 'round_robin',
			'max_concurrent_chats'           => 5,
			'auto_away_timeout'              => 300,
			'offline_message_enabled'        => true,

			// Chat Features.
			'file_sharing_enabled'           => true,
			'emoji_enabled'                  => true,
			'typing_indicators'              => true,
			'read_receipts'                  => true,
			'chat_rating_enabled'            => true,
			'transcript_email'               => true,

			// Booking Integration.
			'booking_assistant_enabled'      => true,
			'availability_check_in_chat'     => true,
			'create_booking_from_chat'       => true,
			'send_payment_links'             => true,

			// Business Hours.
			'business_hours_enabled'         => true,
			'timezone'                       => 'America/New_York',
			'working_hours'                  => array(
				'monday'    => array( '09:00', '17:00' ),
				'tuesday'   => array( '09:00', '17:00' ),
				'wednesday' => array( '09:00', '17:00' ),
				'thursday'  => array( '09:00', '17:00' ),
				'friday'    => array( '09:00', '17:00' ),
				'saturday'  => array( '10:00', '14:00' ),
				'sunday'    => 'closed',
			),
			'outside_hours_message'          => 'We\'re currently offline. Leave a message!',

			// Privacy.
			'gdpr_compliance'                => true,
			'conversation_retention_days'    => 365,
			'anonymous_chat_enabled'         => false,

			// Added by the plugin (not in the spec): see the file doc.
			'delete_data_on_uninstall'       => false,
			// Virus scanner for chat uploads: '' = try the clamd defaults, 'off', a unix
			// socket path or host:port.
			'clamav_address'                 => '',
		);
	}

	/**
	 * Allowed values of the enumerated settings.
	 *
	 * @return array<string, list<string>>
	 */
	public static function choices(): array {
		return array(
			'platform'         => array( 'intercom', 'zendesk', 'livechat', 'drift', 'tawk', 'custom' ),
			'display_on_pages' => array( 'booking', 'services', 'checkout', 'all' ),
			'widget_position'  => array( 'bottom-right', 'bottom-left' ),
			'agent_assignment' => array( 'round_robin', 'load_balanced', 'manual' ),
			'intercom_identity_mode' => array( 'hash', 'jwt' ),
		);
	}

	/**
	 * Credentials: never echoed back into forms; an empty submission keeps the stored value.
	 *
	 * @return list<string>
	 */
	public static function secret_keys(): array {
		return array(
			'intercom_api_key',
			'intercom_secret_key',
			'zendesk_api_key',
			'zendesk_api_token',
			'livechat_api_key',
			'drift_api_token',
			'zendesk_jwt_secret',
			'drift_identity_secret',
			'tawk_api_key',
			'tawk_js_api_key',
			'intercom_client_secret',
			'zendesk_webhook_secret',
			'livechat_webhook_secret',
			'drift_verification_token',
			'tawk_webhook_secret',
		);
	}

	/**
	 * The settings keys of the vendor platforms' webhook secrets.
	 *
	 * @return list<string>
	 */
	public static function webhook_secret_keys(): array {
		return array(
			'intercom_client_secret',
			'zendesk_webhook_secret',
			'livechat_webhook_secret',
			'drift_verification_token',
			'tawk_webhook_secret',
		);
	}

	/**
	 * Integer settings with their accepted range.
	 *
	 * @return array<string, array{0:int, 1:int}>
	 */
	public static function int_ranges(): array {
		return array(
			'custom_chat_port'            => array( 1, 65535 ),
			'time_on_page_trigger'        => array( 0, 3600 ),
			'max_concurrent_chats'        => array( 1, 100 ),
			'auto_away_timeout'           => array( 0, 86400 ),
			'conversation_retention_days' => array( 1, 3650 ),
		);
	}

	/**
	 * The settings: stored values over the defaults. Unknown stored keys are dropped.
	 *
	 * @param string|null $key One setting, or null for all of them.
	 * @return mixed
	 */
	public static function get( ?string $key = null ) {
		$defaults = self::defaults();
		$stored   = get_option( self::OPTION, array() );
		$settings = $defaults;
		if ( is_array( $stored ) ) {
			foreach ( $stored as $name => $value ) {
				if ( array_key_exists( $name, $defaults ) ) {
					$settings[ $name ] = $value;
				}
			}
			// A partial working_hours (say, one day saved by an older version) keeps the other days.
			if ( isset( $stored['working_hours'] ) && is_array( $stored['working_hours'] ) ) {
				$settings['working_hours'] = array_merge( $defaults['working_hours'], $stored['working_hours'] );
			} else {
				$settings['working_hours'] = $defaults['working_hours'];
			}
		}
		// Credentials are sealed at rest (Secret_Box); callers see them in clear.
		foreach ( self::secret_keys() as $secret ) {
			$settings[ $secret ] = Secret_Box::open( (string) $settings[ $secret ] );
		}
		if ( null === $key ) {
			return $settings;
		}
		return $settings[ $key ] ?? null;
	}

	/**
	 * Registers the option with the Settings API (also shows it to the REST settings schema: no).
	 */
	public static function register(): void {
		register_setting(
			self::GROUP,
			self::OPTION,
			array(
				'type'              => 'object',
				'description'       => __( 'BookingX Live Chat settings.', 'bookingx-live-chat' ),
				'sanitize_callback' => array( self::class, 'sanitize' ),
				'default'           => self::defaults(),
				'show_in_rest'      => false,
			)
		);
	}

	/**
	 * The sanitize callback: starts from the current settings and applies what was submitted,
	 * so a form showing only some fields never resets the others. Idempotent (WordPress runs
	 * it twice when the option is first created).
	 *
	 * @param mixed $input Submitted value.
	 * @return array<string, mixed>
	 */
	public static function sanitize( $input ): array {
		$current = self::get();
		if ( ! is_array( $input ) ) {
			return self::seal_secrets( $current );
		}
		$defaults = self::defaults();
		$choices  = self::choices();
		$ranges   = self::int_ranges();
		$secrets  = self::secret_keys();
		$output   = $current;

		// Checkboxes a form rendered but the browser did not send are unchecked.
		$form_booleans = isset( $input[ self::FORM_BOOLEANS ] ) && is_array( $input[ self::FORM_BOOLEANS ] )
			? array_map( 'strval', $input[ self::FORM_BOOLEANS ] )
			: array();
		foreach ( $form_booleans as $name ) {
			if ( isset( $defaults[ $name ] ) && is_bool( $defaults[ $name ] ) && ! array_key_exists( $name, $input ) ) {
				$input[ $name ] = false;
			}
		}
		if ( in_array( 'display_on_pages', $form_booleans, true ) && ! array_key_exists( 'display_on_pages', $input ) ) {
			$input['display_on_pages'] = array();
		}

		foreach ( $defaults as $name => $default ) {
			if ( ! array_key_exists( $name, $input ) ) {
				continue;
			}
			$value = $input[ $name ];

			if ( is_bool( $default ) ) {
				$output[ $name ] = rest_sanitize_boolean( is_scalar( $value ) ? $value : false );
			} elseif ( is_int( $default ) ) {
				if ( ! is_numeric( $value ) ) {
					self::error( $name, __( 'must be a number', 'bookingx-live-chat' ) );
					continue;
				}
				$number = (int) $value;
				if ( isset( $ranges[ $name ] ) ) {
					$number = max( $ranges[ $name ][0], min( $ranges[ $name ][1], $number ) );
				}
				$output[ $name ] = $number;
			} elseif ( 'display_on_pages' === $name ) {
				$pages           = is_array( $value ) ? array_map( 'strval', $value ) : array();
				$output[ $name ] = array_values( array_intersect( $choices['display_on_pages'], $pages ) );
			} elseif ( 'working_hours' === $name ) {
				$output[ $name ] = self::sanitize_hours( $value, $current['working_hours'] );
			} elseif ( is_string( $default ) ) {
				if ( ! is_scalar( $value ) ) {
					continue;
				}
				$value = (string) $value;
				if ( in_array( $name, $secrets, true ) ) {
					// WordPress may sanitize its own output again: a sealed value is the secret.
					$value = Secret_Box::open( $value );
					// An empty password field means "unchanged"; a single space clears it.
					if ( '' === $value ) {
						continue;
					}
					if ( ' ' === $value ) {
						$output[ $name ] = '';
					} elseif ( in_array( $name, self::webhook_secret_keys(), true ) ) {
						// Compared byte for byte with what the vendor sends: only trimmed, never
						// text-sanitised (which would drop `%xx` sequences or `<`).
						$output[ $name ] = substr( (string) preg_replace( '/[\x00-\x1F\x7F]/', '', trim( $value ) ), 0, 255 );
					} else {
						$output[ $name ] = sanitize_text_field( $value );
					}
					continue;
				}
				$clean = self::sanitize_string( $name, $value, $choices );
				if ( null === $clean ) {
					self::error( $name, __( 'has an invalid value and was not changed', 'bookingx-live-chat' ) );
					continue;
				}
				$output[ $name ] = $clean;
			}
		}
		return self::seal_secrets( $output );
	}

	/**
	 * Settings as stored: every credential sealed (Secret_Box).
	 *
	 * @param array<string, mixed> $settings Settings with credentials in clear.
	 * @return array<string, mixed>
	 */
	private static function seal_secrets( array $settings ): array {
		foreach ( self::secret_keys() as $secret ) {
			$settings[ $secret ] = Secret_Box::seal( (string) ( $settings[ $secret ] ?? '' ) );
		}
		return $settings;
	}

	/**
	 * One string setting; null when the value is not acceptable.
	 *
	 * @param string                     $name    Setting.
	 * @param string                     $value   Submitted value.
	 * @param array<string,list<string>> $choices Enumerations.
	 */
	private static function sanitize_string( string $name, string $value, array $choices ): ?string {
		if ( isset( $choices[ $name ] ) ) {
			return in_array( $value, $choices[ $name ], true ) ? $value : null;
		}
		switch ( $name ) {
			case 'widget_color':
				$color = sanitize_hex_color( $value );
				return $color ? strtoupper( $color ) : null;
			case 'custom_chat_server':
				$value = trim( $value );
				if ( '' === $value ) {
					return '';
				}
				$url = esc_url_raw( $value, array( 'wss', 'ws', 'https', 'http' ) );
				return '' === $url ? null : $url;
			case 'intercom_base_url':
			case 'zendesk_base_url':
			case 'livechat_base_url':
			case 'drift_base_url':
			case 'tawk_base_url':
				$value = trim( $value );
				if ( '' === $value ) {
					return '';
				}
				$url = esc_url_raw( $value, array( 'https', 'http' ) );
				return '' === $url ? null : untrailingslashit( $url );
			case 'timezone':
				return in_array( $value, timezone_identifiers_list(), true ) ? $value : null;
			case 'widget_greeting':
			case 'outside_hours_message':
				return sanitize_textarea_field( $value );
			case 'clamav_address':
				$value = trim( $value );
				if ( '' === $value || in_array( strtolower( $value ), array( 'off', 'auto' ), true ) ) {
					return strtolower( $value );
				}
				// A unix socket path, or host:port (the extension checks it again).
				$socket = '#^(unix:(//)?)?/[A-Za-z0-9._/-]{1,250}$#D';
				$tcp    = '/^(tcp:\/\/)?(\[[0-9A-Fa-f:]+\]|[A-Za-z0-9._-]+):[0-9]{1,5}$/D';
				if ( ( preg_match( $socket, $value ) && false === strpos( $value, '/../' ) ) || preg_match( $tcp, $value ) ) {
					return $value;
				}
				return null;
			case 'intercom_app_id':
			case 'intercom_admin_id':
			case 'zendesk_app_id':
			case 'zendesk_widget_key':
			case 'zendesk_jwt_key_id':
			case 'livechat_license':
			case 'livechat_account_id':
			case 'livechat_group':
			case 'drift_widget_id':
			case 'drift_user_id':
			case 'tawk_property_id':
			case 'tawk_widget_id':
				// Ids that end up in vendor URLs and scripts: letters, digits, '-', '_' only.
				$value = trim( $value );
				return ( '' === $value || preg_match( '/^[A-Za-z0-9_-]{1,100}$/D', $value ) ) ? $value : null;
			case 'zendesk_subdomain':
				$value = strtolower( trim( $value ) );
				return ( '' === $value || preg_match( '/^[a-z0-9][a-z0-9-]{0,62}$/', $value ) ) ? $value : null;
			default:
				return sanitize_text_field( $value );
		}
	}

	/**
	 * `working_hours`: each day is `'closed'` or `[open, close]` in 24 h `HH:MM`, open < close.
	 *
	 * @param mixed                $value   Submitted value.
	 * @param array<string, mixed> $current Current hours (kept for days that are invalid).
	 * @return array<string, mixed>
	 */
	private static function sanitize_hours( $value, array $current ): array {
		$hours = $current;
		if ( ! is_array( $value ) ) {
			return $hours;
		}
		foreach ( self::DAYS as $day ) {
			if ( ! array_key_exists( $day, $value ) ) {
				continue;
			}
			$day_value = $value[ $day ];
			// The admin form sends ['closed' => '1', 'open' => ..., 'close' => ...].
			if ( is_array( $day_value ) && isset( $day_value['open'] ) ) {
				$day_value = ! empty( $day_value['closed'] ) ? 'closed' : array( $day_value['open'], $day_value['close'] ?? '' );
			}
			if ( 'closed' === $day_value ) {
				$hours[ $day ] = 'closed';
				continue;
			}
			if ( is_array( $day_value ) && 2 === count( $day_value ) ) {
				list( $open, $close ) = array_values( $day_value );
				$pattern              = '/^([01]\d|2[0-3]):[0-5]\d$/';
				if ( is_string( $open ) && is_string( $close ) && preg_match( $pattern, $open ) && preg_match( $pattern, $close ) && $open < $close ) {
					$hours[ $day ] = array( $open, $close );
					continue;
				}
			}
			self::error( 'working_hours', __( 'has an invalid day and it was not changed', 'bookingx-live-chat' ) );
		}
		return $hours;
	}

	/**
	 * Reports a rejected value on the settings screen (no-op outside wp-admin).
	 *
	 * @param string $name    Setting.
	 * @param string $problem What is wrong.
	 */
	private static function error( string $name, string $problem ): void {
		if ( function_exists( 'add_settings_error' ) ) {
			add_settings_error(
				self::OPTION,
				'bkx_livechat_' . $name,
				/* translators: 1: setting name, 2: the problem */
				sprintf( __( 'Setting %1$s %2$s.', 'bookingx-live-chat' ), $name, $problem )
			);
		}
	}
}
