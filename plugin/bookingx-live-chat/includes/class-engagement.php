<?php
/**
 * Proactive engagement glue: builds the extension's `ProactiveEngagement`, keeps the
 * loader's compact rule set in an option (so printing the widget costs no query), and
 * asks bkx-chatd whether an agent is online (cached briefly).
 *
 * @package BookingX\Addons\LiveChat\WP
 */

namespace BookingX\Addons\LiveChat\WP;

use BookingX\Addons\LiveChat\ProactiveEngagement;

defined( 'ABSPATH' ) || exit;

/**
 * Static helpers around ProactiveEngagement.
 */
final class Engagement {

	/** The loader's rules (autoloaded: read on every page). */
	public const OPTION = 'bkx_livechat_triggers';

	/** Seconds the daemon's presence answer is cached. */
	public const PRESENCE_TTL = 5;

	/** Cache of the daemon's presence answer. */
	public const PRESENCE_TRANSIENT = 'bkx_livechat_agents_online';

	/**
	 * The extension's engine with the site's database and settings.
	 *
	 * @param Chat_Service $chat The request's chat service.
	 */
	public static function engine( Chat_Service $chat ): ProactiveEngagement {
		return new ProactiveEngagement( $chat->config() );
	}

	/**
	 * Recomputes the loader's rule set after a rule changed.
	 *
	 * @param Chat_Service $chat The request's chat service.
	 */
	public static function refresh_compact( Chat_Service $chat ): void {
		try {
			update_option( self::OPTION, self::engine( $chat )->compactRules(), true );
		} catch ( \Throwable $e ) {
			delete_option( self::OPTION );
		}
	}

	/**
	 * The loader's rule set: `[{id, type, delay, priority, pre}]` (nothing visitor-specific).
	 *
	 * @return list<array<string, mixed>>
	 */
	public static function compact(): array {
		if ( ! Settings::get( 'proactive_enabled' ) ) {
			return array();
		}
		$rules = get_option( self::OPTION, null );
		return is_array( $rules ) ? array_values( $rules ) : array();
	}

	/**
	 * Whether an agent is online: bkx-chatd's `GET /presence`, cached PRESENCE_TTL seconds. Unknown
	 * (daemon unreachable) counts as nobody, so a prompt never promises a live answer.
	 */
	public static function agents_online(): bool {
		$cached = get_transient( self::PRESENCE_TRANSIENT );
		if ( false !== $cached ) {
			return 'yes' === $cached;
		}
		$online = false;
		$base   = Chat_Service::relay_url();
		if ( '' !== $base ) {
			$r = wp_remote_get( untrailingslashit( $base ) . '/presence', array( 'timeout' => 1 ) );
			if ( ! is_wp_error( $r ) && 200 === wp_remote_retrieve_response_code( $r ) ) {
				$body   = json_decode( (string) wp_remote_retrieve_body( $r ), true );
				$online = is_array( $body ) && (int) ( $body['agents_online'] ?? 0 ) > 0;
			}
		}
		// Short: an agent coming online (or the last one leaving) shows within seconds, and a
		// loopback call every few seconds costs nothing.
		set_transient( self::PRESENCE_TRANSIENT, $online ? 'yes' : 'no', self::PRESENCE_TTL );
		return $online;
	}
}
