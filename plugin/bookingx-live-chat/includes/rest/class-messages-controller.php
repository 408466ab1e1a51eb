<?php
/**
 * /bookingx/v1/chat/conversations/{conversation_id}/messages — history and sending.
 *
 * The side of a message (customer or agent), its sender id and name come from the caller,
 * never from the request body. The body is sanitised by the extension, once, when stored.
 *
 * @package BookingX\Addons\LiveChat\WP
 */

namespace BookingX\Addons\LiveChat\WP\REST;

use BookingX\Addons\LiveChat\WP\REST_Errors;
use WP_REST_Request;
use WP_REST_Response;
use WP_REST_Server;

defined( 'ABSPATH' ) || exit;

/**
 * Messages controller.
 */
class Messages_Controller extends Chat_Controller {

	/**
	 * Route base.
	 *
	 * @var string
	 */
	protected $rest_base = 'chat/conversations/(?P<conversation_id>\d+)/messages';

	/**
	 * Message types an agent may send through REST (customers always send `text`).
	 */
	public const AGENT_MESSAGE_TYPES = array( 'text', 'booking_slots', 'quote', 'booking_link', 'booking' );

	/**
	 * Registers the routes.
	 */
	public function register_routes() {
		register_rest_route(
			$this->namespace,
			'/' . $this->rest_base,
			array(
				'args'   => array(
					'conversation_id' => $this->id_arg( __( 'Conversation id.', 'bookingx-live-chat' ) ),
				),
				array(
					'methods'             => WP_REST_Server::READABLE,
					'callback'            => array( $this, 'get_items' ),
					'permission_callback' => array( $this, 'get_items_permissions_check' ),
					'args'                => $this->get_collection_params(),
				),
				array(
					'methods'             => WP_REST_Server::CREATABLE,
					'callback'            => array( $this, 'create_item' ),
					'permission_callback' => array( $this, 'create_item_permissions_check' ),
					'args'                => array(
						'body'          => array(
							'description' => __( 'The message, 1–10000 characters. Basic HTML (b, i, a, lists, code...) is kept; everything else is removed. Required unless attachment_id is given (the file name is the body then).', 'bookingx-live-chat' ),
							'type'        => 'string',
						),
						'attachment_id' => array(
							'description' => __( 'An uploaded file (POST /chat/uploads) of this conversation to send: the message becomes a file message.', 'bookingx-live-chat' ),
							'type'        => 'integer',
							'minimum'     => 1,
						),
						'client_id'     => array(
							'description' => __( 'Client-side id (at most 64 characters): resending with the same id returns the stored message instead of a duplicate.', 'bookingx-live-chat' ),
							'type'        => 'string',
						),
						'message_type'  => array(
							'description' => __( 'Agents only, except file: customers send text, or file with attachment_id.', 'bookingx-live-chat' ),
							'type'        => 'string',
							'enum'        => array_merge( self::AGENT_MESSAGE_TYPES, array( 'file' ) ),
						),
					),
				),
				'schema' => array( $this, 'get_public_item_schema' ),
			)
		);
	}

	/**
	 * Participants and staff.
	 *
	 * @param WP_REST_Request $request Request.
	 * @return true|\WP_Error
	 */
	public function get_items_permissions_check( $request ) {
		return $this->check_conversation_access( $request, (int) $request['conversation_id'] );
	}

	/**
	 * Participants and staff (guests with their nonce).
	 *
	 * @param WP_REST_Request $request Request.
	 * @return true|\WP_Error
	 */
	public function create_item_permissions_check( $request ) {
		return $this->check_conversation_access( $request, (int) $request['conversation_id'] );
	}

	/**
	 * A page of history, oldest first. `X-WP-Total` is the conversation's message count;
	 * `Link: rel="next"` continues in the direction of the cursor when the page is full
	 * (older with `before_id` or without a cursor, newer with `after_id`).
	 *
	 * @param WP_REST_Request $request Request.
	 * @return WP_REST_Response|\WP_Error
	 */
	public function get_items( $request ) {
		$conversation_id = (int) $request['conversation_id'];
		$page            = array( 'limit' => (int) $request['limit'] );
		foreach ( array( 'before_id', 'after_id' ) as $key ) {
			if ( isset( $request[ $key ] ) ) {
				$page[ $key ] = (int) $request[ $key ];
			}
		}
		$messages = $this->call(
			static function ( $manager ) use ( $conversation_id, $page ) {
				return $manager->getMessages( $conversation_id, $page );
			}
		);
		if ( is_wp_error( $messages ) ) {
			return $messages;
		}

		$next = array();
		if ( $messages && count( $messages ) >= $page['limit'] ) {
			if ( isset( $page['after_id'] ) ) {
				$last = end( $messages );
				$next = array( 'after_id' => (int) $last['id'] );
			} else {
				$next = array( 'before_id' => (int) $messages[0]['id'] );
			}
		}
		$query = array_diff_key( $page, array_flip( array( 'before_id', 'after_id' ) ) );
		$route = sprintf( '/chat/conversations/%d/messages', $conversation_id );
		$response = $this->list_response( $messages, $route, $query, $next );

		$conversation = $this->conversation( $conversation_id );
		if ( ! is_wp_error( $conversation ) && isset( $conversation['message_count'] ) ) {
			$response->header( 'X-WP-Total', (string) (int) $conversation['message_count'] );
		}
		return $response;
	}

	/**
	 * Sends a message on the caller's side. An agent replying to an unassigned conversation
	 * takes it (filter `bkx_livechat_assign_on_reply`).
	 *
	 * @param WP_REST_Request $request Request.
	 * @return WP_REST_Response|\WP_Error
	 */
	public function create_item( $request ) {
		$conversation_id = (int) $request['conversation_id'];
		$conversation    = $this->conversation( $conversation_id );
		if ( is_wp_error( $conversation ) ) {
			return $conversation;
		}
		$attachment_id = isset( $request['attachment_id'] ) ? (int) $request['attachment_id'] : 0;
		if ( ! isset( $request['body'] ) && 0 === $attachment_id ) {
			// The shape of WordPress's own check (body is optional only for files).
			return new \WP_Error(
				'rest_missing_callback_param',
				/* translators: %s: parameter name */
				sprintf( __( 'Missing parameter(s): %s' ), 'body' ), // phpcs:ignore WordPress.WP.I18n.MissingArgDomain -- WordPress's own string.
				array(
					'status' => 400,
					'params' => array( 'body' ),
				)
			);
		}
		if ( 'file' === $request['message_type'] && 0 === $attachment_id ) {
			return REST_Errors::error(
				'invalid_argument',
				__( 'A file message needs attachment_id (upload the file first).', 'bookingx-live-chat' ),
				array( 'field' => 'attachment_id' )
			);
		}
		$side    = (string) $this->access->side_in( $conversation );
		$user_id = get_current_user_id();
		$type    = 'agent' === $side && isset( $request['message_type'] ) ? $request['message_type'] : 'text';
		$message = array(
			'sender_type'  => $side,
			'message_type' => $attachment_id > 0 ? 'file' : $type,
		);
		if ( isset( $request['body'] ) ) {
			$message['body'] = $request['body'];
		}
		if ( $attachment_id > 0 ) {
			// The extension checks that the file belongs to this conversation and side.
			$message['attachment_id']  = $attachment_id;
			$message['attachment_url'] = Uploads_Controller::download_url( $attachment_id );
		}
		if ( $user_id > 0 ) {
			$message['sender_id'] = $user_id;
		}
		$name = $this->access->sender_name( $side, $conversation );
		if ( null !== $name && '' !== $name ) {
			$message['sender_name'] = mb_substr( $name, 0, 100 );
		}
		if ( isset( $request['client_id'] ) ) {
			$message['client_id'] = $request['client_id'];
		}

		/**
		 * Whether an agent replying to an unassigned conversation is assigned to it.
		 *
		 * @param bool  $assign       Default true.
		 * @param array $conversation The conversation.
		 */
		$claim = 'agent' === $side && empty( $conversation['assigned_agent_id'] )
			&& 'closed' !== ( $conversation['status'] ?? '' )
			&& apply_filters( 'bkx_livechat_assign_on_reply', true, $conversation );

		// A conversation that lives on a vendor (Intercom, Zendesk...) gets the reply there
		// too: the platform class stores it here first, then posts it to the vendor, and
		// says how that went in `platform_delivery` (the local message is kept either way).
		$platform = (string) ( $conversation['platform'] ?? 'custom' );
		$remote   = 'custom' !== $platform && ! empty( $conversation['platform_conversation_id'] );
		$stored   = $this->call(
			static function ( $manager ) use ( $conversation_id, $message, $platform, $remote ) {
				return $remote
					? $manager->platform( $platform )->sendMessage( (string) $conversation_id, $message )
					: $manager->sendMessage( $conversation_id, $message );
			}
		);
		$this->forget( $conversation_id );
		if ( is_wp_error( $stored ) ) {
			return $stored;
		}
		if ( $claim ) {
			// The message is stored whatever happens here; a failed claim only leaves
			// the conversation in the queue for someone else.
			$this->call(
				static function ( $manager ) use ( $conversation_id, $user_id ) {
					return $manager->updateConversation( $conversation_id, array( 'assigned_agent_id' => $user_id ) );
				}
			);
		}

		/**
		 * Fires after a message was stored through the REST API.
		 *
		 * @param array $message      The stored message.
		 * @param array $conversation The conversation before the message.
		 */
		do_action( 'bkx_livechat_message_sent', $stored, $conversation );

		return new WP_REST_Response( $stored, 201 );
	}

	/**
	 * Query parameters of the history.
	 *
	 * @return array<string, array<string, mixed>>
	 */
	public function get_collection_params() {
		return array(
			'before_id' => array(
				'description' => __( 'Cursor: messages older than this id.', 'bookingx-live-chat' ),
				'type'        => 'integer',
				'minimum'     => 1,
			),
			'after_id'  => array(
				'description' => __( 'Cursor: messages newer than this id (not together with before_id).', 'bookingx-live-chat' ),
				'type'        => 'integer',
				'minimum'     => 1,
			),
			'limit'     => array(
				'description' => __( 'Page size.', 'bookingx-live-chat' ),
				'type'        => 'integer',
				'minimum'     => 1,
				'maximum'     => 100,
				'default'     => 50,
			),
		);
	}

	/**
	 * The message schema (the extension's array).
	 *
	 * @return array<string, mixed>
	 */
	public function get_item_schema() {
		if ( $this->schema ) {
			return $this->add_additional_fields_schema( $this->schema );
		}
		$int  = array( 'integer', 'null' );
		$str  = array( 'string', 'null' );
		$time = array(
			'type'     => $str,
			'format'   => 'date-time',
			'readonly' => true,
		);

		$this->schema = array(
			'$schema'    => 'http://json-schema.org/draft-04/schema#',
			'title'      => 'bkx-chat-message',
			'type'       => 'object',
			'properties' => array(
				'id'                  => array(
					'type'     => 'integer',
					'readonly' => true,
				),
				'conversation_id'     => array(
					'type'     => 'integer',
					'readonly' => true,
				),
				'client_id'           => array( 'type' => $str ),
				'platform_message_id' => array(
					'type'     => $str,
					'readonly' => true,
				),
				'sender_type'         => array(
					'description' => __( 'Decided by the server from the caller.', 'bookingx-live-chat' ),
					'type'        => 'string',
					'enum'        => array( 'customer', 'agent', 'system' ),
					'readonly'    => true,
				),
				'sender_id'           => array(
					'type'     => $int,
					'readonly' => true,
				),
				'sender_name'         => array(
					'type'     => $str,
					'readonly' => true,
				),
				'body'                => array(
					'description' => __( 'Sanitised HTML, safe to render.', 'bookingx-live-chat' ),
					'type'        => 'string',
				),
				'message'             => array(
					'description' => __( 'Same as body (the column\'s name).', 'bookingx-live-chat' ),
					'type'        => 'string',
					'readonly'    => true,
				),
				'message_type'        => array(
					'type' => 'string',
					'enum' => array( 'text', 'file', 'system', 'booking_slots', 'quote', 'booking_link', 'booking' ),
				),
				'attachment_url'      => array(
					'type'     => $str,
					'readonly' => true,
				),
				'attachment'          => array(
					'type'     => array( 'object', 'null' ),
					'readonly' => true,
				),
				'is_read'             => array(
					'type'     => 'boolean',
					'readonly' => true,
				),
				'read_at'             => $time,
				'metadata'            => array(
					'type'     => array( 'object', 'array' ),
					'readonly' => true,
				),
				'sent_at'             => $time,
				'created_at'          => $time,
			),
		);
		return $this->add_additional_fields_schema( $this->schema );
	}
}
