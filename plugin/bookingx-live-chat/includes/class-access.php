<?php
/**
 * Who is calling, and what that caller may do with a conversation.
 *
 * Three kinds of callers reach the chat routes:
 * - staff: logged-in users with `bkx_chat_handle` or `bkx_chat_view_all` (agents, managers,
 *   administrators) — every conversation;
 * - customers: logged-in users — conversations whose `customer_id` is their user id;
 * - guests: not logged in — conversations whose `visitor_id` is the one in their verified
 *   visitor cookie (see Visitor).
 *
 * A customer or guest is a "participant" of their own conversations only. The side a caller
 * writes on (customer or agent) is decided here, from the conversation and capabilities,
 * never from the request.
 *
 * @package BookingX\Addons\LiveChat\WP
 */

namespace BookingX\Addons\LiveChat\WP;

use WP_Error;
use WP_REST_Request;

defined( 'ABSPATH' ) || exit;

/**
 * Access decisions for the REST controllers.
 */
final class Access {

	/**
	 * Guest identity.
	 *
	 * @var Visitor
	 */
	private Visitor $visitor;

	/**
	 * Constructor.
	 *
	 * @param Visitor $visitor Guest identity.
	 */
	public function __construct( Visitor $visitor ) {
		$this->visitor = $visitor;
	}

	/**
	 * The guest identity helper.
	 */
	public function visitor(): Visitor {
		return $this->visitor;
	}

	/**
	 * True for agents, managers and administrators.
	 */
	public function is_staff(): bool {
		return current_user_can( Roles::HANDLE ) || current_user_can( Roles::VIEW_ALL );
	}

	/**
	 * True when the caller is the customer of the conversation (as a user or as a guest).
	 *
	 * A logged-in user who chatted as a guest before logging in keeps access to that chat
	 * through the visitor cookie.
	 *
	 * @param array<string, mixed> $conversation The extension's conversation.
	 */
	public function is_customer_of( array $conversation ): bool {
		$user_id = get_current_user_id();
		if ( $user_id > 0 && isset( $conversation['customer_id'] ) && (int) $conversation['customer_id'] === $user_id ) {
			return true;
		}
		$visitor_id = $this->visitor->current();
		return null !== $visitor_id
			&& isset( $conversation['visitor_id'] ) && is_string( $conversation['visitor_id'] )
			&& hash_equals( $conversation['visitor_id'], $visitor_id );
	}

	/**
	 * The side the caller writes on in a conversation: 'customer', 'agent', or null (no access).
	 *
	 * @param array<string, mixed> $conversation The extension's conversation.
	 */
	public function side_in( array $conversation ): ?string {
		if ( $this->is_customer_of( $conversation ) ) {
			return 'customer';
		}
		return $this->is_staff() ? 'agent' : null;
	}

	/**
	 * The daemon role of the caller: admin, manager, agent or customer.
	 */
	public function token_role(): string {
		if ( current_user_can( Roles::MANAGE_SETTINGS ) ) {
			return 'admin';
		}
		if ( current_user_can( Roles::VIEW_ANALYTICS ) || current_user_can( Roles::MANAGE_AGENTS ) ) {
			return 'manager';
		}
		if ( current_user_can( Roles::HANDLE ) ) {
			return 'agent';
		}
		return 'customer';
	}

	/**
	 * The display name stored with what the caller writes (null for guests and, when
	 * anonymous chats are on, for customers).
	 *
	 * @param string               $side         'customer' or 'agent'.
	 * @param array<string, mixed> $conversation The conversation (guests' name is in its metadata).
	 */
	public function sender_name( string $side, array $conversation = array() ): ?string {
		if ( 'customer' === $side && Settings::get( 'anonymous_chat_enabled' ) ) {
			return null;
		}
		$user = wp_get_current_user();
		if ( $user->exists() ) {
			return $user->display_name;
		}
		$name = $conversation['metadata']['visitor_name'] ?? null;
		return is_string( $name ) && '' !== $name ? $name : null;
	}

	/**
	 * CSRF check for guests: a guest who already has a visitor id must send the visitor
	 * nonce on every state-changing request. Logged-in users are covered by WordPress's own
	 * `X-WP-Nonce` cookie check; guests without a visitor id have nothing to protect yet.
	 *
	 * @param WP_REST_Request $request Request.
	 * @return true|WP_Error
	 */
	public function check_guest_nonce( WP_REST_Request $request ) {
		if ( is_user_logged_in() || in_array( $request->get_method(), array( 'GET', 'HEAD', 'OPTIONS' ), true ) ) {
			return true;
		}
		$visitor_id = $this->visitor->current();
		if ( null === $visitor_id ) {
			return true;
		}
		if ( $this->visitor->verify_nonce( $visitor_id, $request->get_header( Visitor::HEADER ) ) ) {
			return true;
		}
		return REST_Errors::error(
			'forbidden',
			__( 'The chat nonce is missing or invalid. Request a new one from /chat/token.', 'bookingx-live-chat' ),
			array( 'header' => Visitor::HEADER )
		);
	}

	/**
	 * The error for a caller without access: 401 when we do not know who they are, 403 when
	 * we do and it is not theirs.
	 */
	public function denied(): WP_Error {
		if ( ! is_user_logged_in() && null === $this->visitor->current() ) {
			return REST_Errors::error( 'unauthenticated', __( 'Start a chat or log in first.', 'bookingx-live-chat' ) );
		}
		return REST_Errors::error( 'forbidden', __( 'You cannot access this conversation.', 'bookingx-live-chat' ) );
	}
}
