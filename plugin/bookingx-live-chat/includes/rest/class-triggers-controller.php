<?php
/**
 * Proactive engagement over REST: the rules (managers), the decision for a visitor and the
 * events visitors report (public, rate-limited). The decisions are the extension's
 * `ProactiveEngagement` (docs/engagement.md); this controller only wires.
 *
 * @package BookingX\Addons\LiveChat\WP
 */

namespace BookingX\Addons\LiveChat\WP\REST;

use BookingX\Addons\LiveChat\WP\Engagement;
use BookingX\Addons\LiveChat\WP\REST_Errors;
use BookingX\Addons\LiveChat\WP\Roles;
use BookingX\Addons\LiveChat\WP\Settings;
use WP_REST_Request;
use WP_REST_Response;
use WP_REST_Server;

defined( 'ABSPATH' ) || exit;

/**
 * `/chat/triggers`, `/chat/triggers/{id}`, `/chat/triggers/{id}/stats`,
 * `/chat/triggers/evaluate`, `/chat/triggers/events`, `/chat/triggers/preview`.
 */
class Triggers_Controller extends Chat_Controller {

	/**
	 * Public calls per client address and minute (evaluate + events). A visitor's page makes
	 * one or two; the margin is for offices behind one address. Filter:
	 * `bkx_livechat_trigger_rate_limit`.
	 */
	public const PUBLIC_PER_MINUTE = 120;

	/**
	 * Route base.
	 *
	 * @var string
	 */
	protected $rest_base = 'chat/triggers';

	/**
	 * Registers the routes.
	 */
	public function register_routes() {
		$base = '/' . $this->rest_base;
		register_rest_route(
			$this->namespace,
			$base,
			array(
				array(
					'methods'             => WP_REST_Server::READABLE,
					'callback'            => array( $this, 'get_items' ),
					'permission_callback' => array( $this, 'manage_permissions_check' ),
				),
				array(
					'methods'             => WP_REST_Server::CREATABLE,
					'callback'            => array( $this, 'create_item' ),
					'permission_callback' => array( $this, 'manage_permissions_check' ),
				),
			)
		);
		register_rest_route(
			$this->namespace,
			$base . '/(?P<id>\d+)',
			array(
				array(
					'methods'             => WP_REST_Server::READABLE,
					'callback'            => array( $this, 'get_item' ),
					'permission_callback' => array( $this, 'manage_permissions_check' ),
				),
				array(
					'methods'             => WP_REST_Server::EDITABLE,
					'callback'            => array( $this, 'update_item' ),
					'permission_callback' => array( $this, 'manage_permissions_check' ),
				),
				array(
					'methods'             => WP_REST_Server::DELETABLE,
					'callback'            => array( $this, 'delete_item' ),
					'permission_callback' => array( $this, 'manage_permissions_check' ),
				),
			)
		);
		register_rest_route(
			$this->namespace,
			$base . '/(?P<id>\d+)/stats',
			array(
				'methods'             => WP_REST_Server::READABLE,
				'callback'            => array( $this, 'stats' ),
				'permission_callback' => array( $this, 'manage_permissions_check' ),
			)
		);
		register_rest_route(
			$this->namespace,
			$base . '/preview',
			array(
				'methods'             => WP_REST_Server::CREATABLE,
				'callback'            => array( $this, 'preview' ),
				'permission_callback' => array( $this, 'manage_permissions_check' ),
			)
		);
		register_rest_route(
			$this->namespace,
			$base . '/evaluate',
			array(
				'methods'             => WP_REST_Server::CREATABLE,
				'callback'            => array( $this, 'evaluate' ),
				'permission_callback' => array( $this, 'public_permissions_check' ),
			)
		);
		register_rest_route(
			$this->namespace,
			$base . '/events',
			array(
				'methods'             => WP_REST_Server::CREATABLE,
				'callback'            => array( $this, 'record_event' ),
				'permission_callback' => array( $this, 'public_permissions_check' ),
			)
		);
	}

	/**
	 * Managers of the chat (the cookie + X-WP-Nonce of WordPress's REST authentication).
	 *
	 * @param WP_REST_Request $request Request.
	 * @return true|\WP_Error
	 */
	public function manage_permissions_check( $request ) {
		if ( current_user_can( Roles::MANAGE_SETTINGS ) ) {
			return true;
		}
		return REST_Errors::error(
			is_user_logged_in() ? 'forbidden' : 'unauthenticated',
			__( 'Only chat managers may change proactive rules.', 'bookingx-live-chat' )
		);
	}

	/**
	 * Anyone, while the chat and proactive engagement are on, within the per-address rate.
	 *
	 * @param WP_REST_Request $request Request.
	 * @return true|\WP_Error
	 */
	public function public_permissions_check( $request ) {
		if ( ! Settings::get( 'enabled' ) || ! Settings::get( 'proactive_enabled' ) ) {
			return REST_Errors::error( 'forbidden', __( 'Proactive chat is turned off.', 'bookingx-live-chat' ) );
		}
		$ip  = isset( $_SERVER['REMOTE_ADDR'] ) ? sanitize_text_field( wp_unslash( $_SERVER['REMOTE_ADDR'] ) ) : '';
		$key = 'bkx_lc_trg_' . substr( hash_hmac( 'sha256', $ip . '|' . gmdate( 'YmdHi' ), wp_salt( 'nonce' ) ), 0, 24 );
		$n   = (int) get_transient( $key );
		if ( $n >= (int) apply_filters( 'bkx_livechat_trigger_rate_limit', self::PUBLIC_PER_MINUTE ) ) {
			return REST_Errors::error( 'rate_limited', __( 'Too many requests. Please wait a moment.', 'bookingx-live-chat' ), array( 'retry_after' => 60 ) );
		}
		set_transient( $key, $n + 1, MINUTE_IN_SECONDS );
		return true;
	}

	/**
	 * The JSON (or form) body.
	 *
	 * @param WP_REST_Request $request Request.
	 * @return array<string, mixed>
	 */
	private static function body( WP_REST_Request $request ): array {
		$json = $request->get_json_params();
		return is_array( $json ) ? $json : (array) $request->get_body_params();
	}

	/**
	 * Runs an engagement call; exceptions become the REST error shape.
	 *
	 * @param callable $fn Gets the ProactiveEngagement.
	 * @param int      $status Success status.
	 * @return WP_REST_Response|\WP_Error
	 */
	private function run( callable $fn, int $status = 200 ) {
		try {
			return new WP_REST_Response( $fn( Engagement::engine( $this->chat ) ), $status );
		} catch ( \Throwable $e ) {
			return REST_Errors::from_throwable( $e );
		}
	}

	/**
	 * GET /chat/triggers.
	 *
	 * @param WP_REST_Request $request Request.
	 */
	public function get_items( $request ) {
		return $this->run( static fn( $e ) => $e->listRules( false ) );
	}

	/**
	 * POST /chat/triggers.
	 *
	 * @param WP_REST_Request $request Request.
	 */
	public function create_item( $request ) {
		$rule = self::body( $request );
		unset( $rule['id'] );
		$chat = $this->chat;
		return $this->run(
			static function ( $e ) use ( $rule, $chat ) {
				$saved = $e->saveRule( $rule );
				Engagement::refresh_compact( $chat );
				return $saved;
			},
			201
		);
	}

	/**
	 * GET /chat/triggers/{id}.
	 *
	 * @param WP_REST_Request $request Request.
	 */
	public function get_item( $request ) {
		$id = (int) $request['id'];
		return $this->run( static fn( $e ) => $e->getRule( $id ) );
	}

	/**
	 * PUT/PATCH /chat/triggers/{id}: changes only the keys given.
	 *
	 * @param WP_REST_Request $request Request.
	 */
	public function update_item( $request ) {
		$rule       = self::body( $request );
		$rule['id'] = (int) $request['id'];
		$chat       = $this->chat;
		return $this->run(
			static function ( $e ) use ( $rule, $chat ) {
				$saved = $e->saveRule( $rule );
				Engagement::refresh_compact( $chat );
				return $saved;
			}
		);
	}

	/**
	 * DELETE /chat/triggers/{id}.
	 *
	 * @param WP_REST_Request $request Request.
	 */
	public function delete_item( $request ) {
		$id = (int) $request['id'];
		try {
			$engine  = Engagement::engine( $this->chat );
			$deleted = $engine->deleteRule( $id );
		} catch ( \Throwable $e ) {
			return REST_Errors::from_throwable( $e );
		}
		if ( ! $deleted ) {
			return REST_Errors::error( 'not_found', __( 'No such proactive rule.', 'bookingx-live-chat' ), array( 'id' => $id ) );
		}
		Engagement::refresh_compact( $this->chat );
		return new WP_REST_Response(
			array(
				'deleted' => true,
				'id'      => $id,
			),
			200
		);
	}

	/**
	 * GET /chat/triggers/{id}/stats.
	 *
	 * @param WP_REST_Request $request Request.
	 */
	public function stats( $request ) {
		$id = (int) $request['id'];
		return $this->run( static fn( $e ) => $e->stats( $id ) );
	}

	/**
	 * POST /chat/triggers/evaluate {rule_ids, visitor}: the decision, logged.
	 *
	 * @param WP_REST_Request $request Request.
	 */
	public function evaluate( $request ) {
		$body    = self::body( $request );
		$visitor = is_array( $body['visitor'] ?? null ) ? $body['visitor'] : array();
		$ids     = is_array( $body['rule_ids'] ?? null ) ? array_values( $body['rule_ids'] ) : array();
		if ( empty( $visitor['language'] ) && isset( $_SERVER['HTTP_ACCEPT_LANGUAGE'] ) ) {
			$visitor['language'] = substr( sanitize_text_field( wp_unslash( $_SERVER['HTTP_ACCEPT_LANGUAGE'] ) ), 0, 5 );
		}
		$context = array( 'agents_online' => Engagement::agents_online() );
		return $this->run( static fn( $e ) => $e->evaluate( $visitor, $ids, $context ) );
	}

	/**
	 * POST /chat/triggers/preview {visitor, rule_ids?}: the decision for a sample visitor,
	 * counting nothing (the rule builder's "test against this visitor").
	 *
	 * @param WP_REST_Request $request Request.
	 */
	public function preview( $request ) {
		$body    = self::body( $request );
		$visitor = is_array( $body['visitor'] ?? null ) ? $body['visitor'] : array();
		$ids     = is_array( $body['rule_ids'] ?? null ) ? array_values( $body['rule_ids'] ) : array();
		$context = array(
			'dry_run'       => true,
			'agents_online' => isset( $body['agents_online'] ) ? (bool) $body['agents_online'] : Engagement::agents_online(),
		);
		return $this->run( static fn( $e ) => $e->evaluate( $visitor, $ids, $context ) );
	}

	/**
	 * POST /chat/triggers/events {rule_id, variant, event, visitor_key, conversation_id?}.
	 *
	 * @param WP_REST_Request $request Request.
	 */
	public function record_event( $request ) {
		$event = self::body( $request );
		return $this->run(
			static function ( $e ) use ( $event ) {
				$e->recordEvent( $event );
				return array( 'recorded' => true );
			},
			202
		);
	}
}
