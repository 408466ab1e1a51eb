<?php
/**
 * The spec's roles and the capabilities they hold, defined in this one place.
 *
 * Spec section 2: Admin (full configuration, all chats, assigns agents), Manager (analytics,
 * manages agents), Chat Agent (handles conversations, creates bookings), Customer (starts
 * chats, sees own history). WordPress administrators get every capability; the other three
 * are WordPress roles of their own, so a site can hand them out without giving wp-admin
 * powers.
 *
 * @package BookingX\Addons\LiveChat\WP
 */

namespace BookingX\Addons\LiveChat\WP;

defined( 'ABSPATH' ) || exit;

/**
 * Creates, updates and removes the chat roles and capabilities.
 */
final class Roles {

	/** Bumped whenever the map below changes, so existing sites get the new caps. */
	public const VERSION = 1;

	/** Option remembering which VERSION a site has. */
	public const VERSION_OPTION = 'bkx_livechat_roles_version';

	public const MANAGE_SETTINGS = 'bkx_chat_manage_settings';
	public const VIEW_ALL        = 'bkx_chat_view_all';
	public const ASSIGN          = 'bkx_chat_assign';
	public const VIEW_ANALYTICS  = 'bkx_chat_view_analytics';
	public const MANAGE_AGENTS   = 'bkx_chat_manage_agents';
	public const HANDLE          = 'bkx_chat_handle';
	public const CREATE_BOOKING  = 'bkx_chat_create_booking';
	public const START           = 'bkx_chat_start';

	public const ROLE_MANAGER  = 'bkx_chat_manager';
	public const ROLE_AGENT    = 'bkx_chat_agent';
	public const ROLE_CUSTOMER = 'bkx_chat_customer';

	/**
	 * Every capability of the plugin.
	 *
	 * @return list<string>
	 */
	public static function all_caps(): array {
		return array(
			self::MANAGE_SETTINGS,
			self::VIEW_ALL,
			self::ASSIGN,
			self::VIEW_ANALYTICS,
			self::MANAGE_AGENTS,
			self::HANDLE,
			self::CREATE_BOOKING,
			self::START,
		);
	}

	/**
	 * Role => [translated name, capabilities]. `administrator` is WordPress's own role.
	 *
	 * @return array<string, array{name: string, caps: list<string>}>
	 */
	public static function map(): array {
		return array(
			'administrator'      => array(
				'name' => 'Administrator',
				'caps' => self::all_caps(),
			),
			self::ROLE_MANAGER  => array(
				/* translators: role name */
				'name' => __( 'Chat Manager', 'bookingx-live-chat' ),
				'caps' => array(
					self::VIEW_ALL,
					self::ASSIGN,
					self::VIEW_ANALYTICS,
					self::MANAGE_AGENTS,
					self::HANDLE,
					self::CREATE_BOOKING,
					self::START,
				),
			),
			self::ROLE_AGENT    => array(
				/* translators: role name */
				'name' => __( 'Chat Agent', 'bookingx-live-chat' ),
				'caps' => array( self::HANDLE, self::CREATE_BOOKING, self::START ),
			),
			self::ROLE_CUSTOMER => array(
				/* translators: role name */
				'name' => __( 'Chat Customer', 'bookingx-live-chat' ),
				'caps' => array( self::START ),
			),
		);
	}

	/**
	 * Creates the roles and grants the capabilities (idempotent).
	 */
	public static function install(): void {
		foreach ( self::map() as $role_name => $definition ) {
			$role = get_role( $role_name );
			if ( null === $role ) {
				if ( 'administrator' === $role_name ) {
					continue; // A site without administrators: nothing to extend.
				}
				$role = add_role( $role_name, $definition['name'], array( 'read' => true ) );
				if ( null === $role ) {
					continue;
				}
			}
			// Only adds: capabilities a site granted by hand on top of these stay.
			foreach ( $definition['caps'] as $cap ) {
				if ( ! $role->has_cap( $cap ) ) {
					$role->add_cap( $cap );
				}
			}
		}
		update_option( self::VERSION_OPTION, self::VERSION );
	}

	/**
	 * Re-applies the map after an update that changed it.
	 */
	public static function maybe_upgrade(): void {
		if ( (int) get_option( self::VERSION_OPTION, 0 ) !== self::VERSION ) {
			self::install();
		}
	}

	/**
	 * Removes the plugin's roles and capabilities (uninstall only).
	 */
	public static function uninstall(): void {
		foreach ( array_keys( self::map() ) as $role_name ) {
			if ( 'administrator' === $role_name ) {
				$role = get_role( 'administrator' );
				if ( $role ) {
					foreach ( self::all_caps() as $cap ) {
						$role->remove_cap( $cap );
					}
				}
				continue;
			}
			remove_role( $role_name );
		}
		delete_option( self::VERSION_OPTION );
	}
}
