<?php
/**
 * What every chat REST controller shares: the extension, the access rules, the error mapping.
 *
 * @package BookingX\Addons\LiveChat\WP
 */

namespace BookingX\Addons\LiveChat\WP\REST;

use BookingX\Addons\LiveChat\WP\Access;
use BookingX\Addons\LiveChat\WP\Chat_Service;
use BookingX\Addons\LiveChat\WP\REST_Errors;
use BookingX\Addons\LiveChat\WP\Settings;
use WP_Error;
use WP_REST_Controller;
use WP_REST_Request;
use WP_REST_Response;

defined( 'ABSPATH' ) || exit;

/**
 * Base class of the chat controllers (namespace `bookingx/v1`).
 */
abstract class Chat_Controller extends WP_REST_Controller {

	/**
	 * The extension.
	 *
	 * @var Chat_Service
	 */
	protected Chat_Service $chat;

	/**
	 * Access rules.
	 *
	 * @var Access
	 */
	protected Access $access;

	/**
	 * Conversations loaded by permission callbacks, reused by the handlers of the same request.
	 *
	 * @var array<int, array<string, mixed>>
	 */
	private array $conversations = array();

	/**
	 * Constructor.
	 *
	 * @param Chat_Service $chat   The extension.
	 * @param Access       $access Access rules.
	 */
	public function __construct( Chat_Service $chat, Access $access ) {
		$this->namespace = BKX_LIVECHAT_REST_NAMESPACE;
		$this->chat      = $chat;
		$this->access    = $access;
	}

	/**
	 * Runs an extension call; every exception becomes the mapped WP_Error.
	 *
	 * @param callable $call The call.
	 * @return mixed|WP_Error
	 */
	protected function call( callable $call ) {
		try {
			return $call( $this->chat->manager() );
		} catch ( \Throwable $e ) {
			return REST_Errors::from_throwable( $e );
		}
	}

	/**
	 * The conversation of a route, loaded once per request.
	 *
	 * @param int  $id    Conversation id.
	 * @param bool $fresh Reload even when cached (after a write).
	 * @return array<string, mixed>|WP_Error
	 */
	protected function conversation( int $id, bool $fresh = false ) {
		if ( $fresh || ! isset( $this->conversations[ $id ] ) ) {
			$conversation = $this->call(
				static function ( $manager ) use ( $id ) {
					return $manager->getConversation( $id );
				}
			);
			if ( is_wp_error( $conversation ) ) {
				return $conversation;
			}
			$this->conversations[ $id ] = $conversation;
		}
		return $this->conversations[ $id ];
	}

	/**
	 * Forgets a cached conversation (after the handler changed it).
	 *
	 * @param int $id Conversation id.
	 */
	protected function forget( int $id ): void {
		unset( $this->conversations[ $id ] );
	}

	/**
	 * Permission for a conversation's route: the guest nonce on writes, then a known
	 * conversation, then one of the allowed kinds of callers.
	 *
	 * @param WP_REST_Request $request       Request.
	 * @param int             $id            Conversation id.
	 * @param bool            $staff_allowed Whether agents+ may use the route.
	 * @param bool            $customer_only Only the conversation's customer (not staff).
	 * @return true|WP_Error
	 */
	protected function check_conversation_access( WP_REST_Request $request, int $id, bool $staff_allowed = true, bool $customer_only = false ) {
		$nonce = $this->access->check_guest_nonce( $request );
		if ( is_wp_error( $nonce ) ) {
			return $nonce;
		}
		if ( ! is_user_logged_in() && null === $this->access->visitor()->current() ) {
			// Nobody to compare with: do not even look the conversation up.
			return $this->access->denied();
		}
		$conversation = $this->conversation( $id );
		if ( is_wp_error( $conversation ) ) {
			return $conversation;
		}
		if ( $this->access->is_customer_of( $conversation ) ) {
			return true;
		}
		if ( ! $customer_only && $staff_allowed && $this->access->is_staff() ) {
			return true;
		}
		return $this->access->denied();
	}

	/**
	 * 503 when the chat is switched off in the settings (staff can still work).
	 *
	 * @return true|WP_Error
	 */
	protected function check_chat_enabled() {
		if ( Settings::get( 'enabled' ) || $this->access->is_staff() ) {
			return true;
		}
		return REST_Errors::error( 'platform_unavailable', __( 'Chat service temporarily unavailable.', 'bookingx-live-chat' ) );
	}

	/**
	 * A response with `Link` headers for the next page of a cursor-paginated list.
	 *
	 * @param array<int, mixed>    $items   The page.
	 * @param string               $route   Route (without namespace).
	 * @param array<string, mixed> $query   Query of this page.
	 * @param array<string, mixed> $next    Query of the next page, or empty when none.
	 * @param int                  $status  HTTP status.
	 */
	protected function list_response( array $items, string $route, array $query, array $next, int $status = 200 ): WP_REST_Response {
		$response = new WP_REST_Response( array_values( $items ), $status );
		if ( $next ) {
			$url = add_query_arg( array_map( 'rawurlencode', array_map( 'strval', array_merge( $query, $next ) ) ), rest_url( $this->namespace . $route ) );
			$response->link_header( 'next', $url );
		}
		return $response;
	}

	/**
	 * The `id` path parameter of the routes.
	 *
	 * @return array<string, mixed>
	 */
	protected function id_arg( string $description ): array {
		return array(
			'description' => $description,
			'type'        => 'integer',
			'minimum'     => 1,
			'required'    => true,
		);
	}
}
