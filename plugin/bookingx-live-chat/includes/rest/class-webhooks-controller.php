<?php
/**
 * POST /bookingx/v1/chat/{platform}/webhook — vendor chat platforms report their events.
 *
 * Intercom, Zendesk, LiveChat, Drift and tawk.to post conversation events here. The
 * `permission_callback` is the signature check: `WebhookVerifier::check()` against the raw
 * body (`$request->get_body()`, never the re-encoded JSON) with the platform's webhook secret
 * from the settings; a delivery that fails it gets `401 signature_invalid` and nothing is
 * stored. The handler then makes one `ChatManager::ingestWebhook()` call, which stores the
 * event in the unified conversation and message tables (one short transaction; redeliveries
 * are recognised by the vendor's event id and store nothing).
 *
 * Why synchronous, without a queue: vendors give up after 5 s (Intercom) to 30 s (tawk.to).
 * Verification and ingestion together are a handful of indexed queries in one transaction,
 * milliseconds on any database the site itself can use, so queueing the work would only add a
 * second place where an event can be lost. A failure answers 4xx/5xx and the vendor retries.
 *
 * `GET`/`HEAD` on the same URL answer 200 without touching anything: Intercom checks that a
 * webhook URL answers a HEAD request when it is saved.
 *
 * @package BookingX\Addons\LiveChat\WP
 */

namespace BookingX\Addons\LiveChat\WP\REST;

use BookingX\Addons\LiveChat\WebhookVerifier;
use BookingX\Addons\LiveChat\WP\REST_Errors;
use BookingX\Addons\LiveChat\WP\Settings;
use WP_REST_Request;
use WP_REST_Response;
use WP_REST_Server;

defined( 'ABSPATH' ) || exit;

/**
 * Receives vendor webhooks.
 */
class Webhooks_Controller extends Chat_Controller {

	/**
	 * The settings key holding each platform's webhook secret.
	 */
	public const SECRETS = array(
		'intercom' => 'intercom_client_secret',
		'zendesk'  => 'zendesk_webhook_secret',
		'livechat' => 'livechat_webhook_secret',
		'drift'    => 'drift_verification_token',
		'tawk'     => 'tawk_webhook_secret',
	);

	/**
	 * Route base (the platform is part of the path).
	 *
	 * @var string
	 */
	protected $rest_base = 'chat/(?P<platform>intercom|zendesk|livechat|drift|tawk)/webhook';

	/**
	 * The webhook URL of a platform (for the settings screen and the docs).
	 *
	 * @param string $platform Platform name.
	 */
	public static function url( string $platform ): string {
		return rest_url( BKX_LIVECHAT_REST_NAMESPACE . '/chat/' . $platform . '/webhook' );
	}

	/**
	 * Registers the routes.
	 */
	public function register_routes() {
		register_rest_route(
			$this->namespace,
			'/' . $this->rest_base,
			array(
				array(
					'methods'             => WP_REST_Server::CREATABLE,
					'callback'            => array( $this, 'create_item' ),
					'permission_callback' => array( $this, 'create_item_permissions_check' ),
				),
				array(
					// WordPress answers HEAD with the GET handler (and sends no body).
					'methods'             => WP_REST_Server::READABLE,
					'callback'            => array( $this, 'probe' ),
					'permission_callback' => '__return_true',
				),
			)
		);
	}

	/**
	 * The platform of the route. Read from the path only: a JSON body is merged into the
	 * request's parameters and could carry a `platform` key of its own.
	 *
	 * @param WP_REST_Request $request Request.
	 */
	private function platform( WP_REST_Request $request ): string {
		$params = $request->get_url_params();
		return (string) ( $params['platform'] ?? '' );
	}

	/**
	 * The signature check: 401 `signature_invalid` unless the raw body is signed with the
	 * platform's webhook secret (and, for Zendesk, fresh).
	 *
	 * @param WP_REST_Request $request Request.
	 * @return true|\WP_Error
	 */
	public function create_item_permissions_check( $request ) {
		$platform = $this->platform( $request );
		if ( ! isset( self::SECRETS[ $platform ] ) ) {
			return REST_Errors::error( 'not_found', __( 'Unknown chat platform.', 'bookingx-live-chat' ) );
		}
		$secret = (string) Settings::get( self::SECRETS[ $platform ] );
		if ( '' === $secret ) {
			return REST_Errors::error(
				'signature_invalid',
				__( 'Webhooks from this platform are not set up on this site: its webhook secret is empty.', 'bookingx-live-chat' ),
				array(
					'platform' => $platform,
					'reason'   => 'not_configured',
				)
			);
		}
		try {
			WebhookVerifier::check( $platform, $request->get_headers(), $request->get_body(), $secret );
		} catch ( \Throwable $e ) {
			return REST_Errors::from_throwable( $e );
		}
		return true;
	}

	/**
	 * Stores the delivery; answers `{status, event_id, conversation_id, message_ids, events}`
	 * with 200 (also for a redelivery: `duplicate`, so the vendor stops retrying).
	 *
	 * @param WP_REST_Request $request Request.
	 * @return WP_REST_Response|\WP_Error
	 */
	public function create_item( $request ) {
		$platform = $this->platform( $request );
		$headers  = $request->get_headers();
		$body     = $request->get_body();
		$result   = $this->call(
			static function ( $manager ) use ( $platform, $headers, $body ) {
				return $manager->ingestWebhook( $platform, $headers, $body );
			}
		);
		if ( is_wp_error( $result ) ) {
			return $result;
		}

		/**
		 * Fires after a verified vendor webhook was processed.
		 *
		 * @param string $platform `intercom`, `zendesk`, `livechat`, `drift` or `tawk`.
		 * @param array  $result   `status` (`stored`, `duplicate`, `ignored`), `event_id`,
		 *                         `conversation_id`, `message_ids`, `events`.
		 */
		do_action( 'bkx_livechat_webhook_processed', $platform, $result );

		return new WP_REST_Response( $result, 200 );
	}

	/**
	 * GET/HEAD: the URL exists (Intercom probes it with HEAD when the webhook is saved).
	 *
	 * @param WP_REST_Request $request Request.
	 */
	public function probe( $request ): WP_REST_Response {
		return new WP_REST_Response( array( 'platform' => $this->platform( $request ) ), 200 );
	}
}
