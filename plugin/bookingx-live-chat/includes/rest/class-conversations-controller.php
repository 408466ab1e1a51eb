<?php
/**
 * /bookingx/v1/chat/conversations — start, list, read, update, mark read, close and rate.
 *
 * Responses are the extension's arrays as they are (snake_case keys of the table columns);
 * this controller decides who may do what and fills in the fields a client must not choose
 * (customer_id, visitor_id, platform, sides).
 *
 * @package BookingX\Addons\LiveChat\WP
 */

namespace BookingX\Addons\LiveChat\WP\REST;

use BookingX\Addons\LiveChat\WP\REST_Errors;
use BookingX\Addons\LiveChat\WP\Roles;
use BookingX\Addons\LiveChat\WP\Settings;
use WP_REST_Request;
use WP_REST_Response;
use WP_REST_Server;

defined( 'ABSPATH' ) || exit;

/**
 * Conversations controller.
 */
class Conversations_Controller extends Chat_Controller {

	/**
	 * Route base.
	 *
	 * @var string
	 */
	protected $rest_base = 'chat/conversations';

	/**
	 * Registers the routes.
	 */
	public function register_routes() {
		$id_route = '/' . $this->rest_base . '/(?P<id>\d+)';
		$id_arg   = array( 'id' => $this->id_arg( __( 'Conversation id.', 'bookingx-live-chat' ) ) );

		register_rest_route(
			$this->namespace,
			'/' . $this->rest_base,
			array(
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
					'args'                => $this->create_args(),
				),
				'schema' => array( $this, 'get_public_item_schema' ),
			)
		);

		register_rest_route(
			$this->namespace,
			$id_route,
			array(
				'args'   => $id_arg,
				array(
					'methods'             => WP_REST_Server::READABLE,
					'callback'            => array( $this, 'get_item' ),
					'permission_callback' => array( $this, 'get_item_permissions_check' ),
				),
				array(
					'methods'             => WP_REST_Server::EDITABLE,
					'callback'            => array( $this, 'update_item' ),
					'permission_callback' => array( $this, 'update_item_permissions_check' ),
					'args'                => $this->update_args(),
				),
				'schema' => array( $this, 'get_public_item_schema' ),
			)
		);

		register_rest_route(
			$this->namespace,
			$id_route . '/read',
			array(
				'args' => $id_arg,
				array(
					'methods'             => WP_REST_Server::CREATABLE,
					'callback'            => array( $this, 'mark_read' ),
					'permission_callback' => array( $this, 'get_item_permissions_check' ),
					'args'                => array(
						'up_to_id' => array(
							'description' => __( 'Mark the other side\'s messages up to this id (default: all).', 'bookingx-live-chat' ),
							'type'        => 'integer',
							'minimum'     => 1,
						),
					),
				),
			)
		);

		register_rest_route(
			$this->namespace,
			$id_route . '/close',
			array(
				'args'   => $id_arg,
				array(
					'methods'             => WP_REST_Server::CREATABLE,
					'callback'            => array( $this, 'close' ),
					'permission_callback' => array( $this, 'get_item_permissions_check' ),
				),
				'schema' => array( $this, 'get_public_item_schema' ),
			)
		);

		register_rest_route(
			$this->namespace,
			$id_route . '/rating',
			array(
				'args'   => $id_arg,
				array(
					'methods'             => WP_REST_Server::CREATABLE,
					'callback'            => array( $this, 'rate' ),
					'permission_callback' => array( $this, 'rate_permissions_check' ),
					'args'                => array(
						'rating'  => array(
							'description' => __( 'Satisfaction, 1 (worst) to 5 (best).', 'bookingx-live-chat' ),
							'type'        => 'integer',
							'minimum'     => 1,
							'maximum'     => 5,
							'required'    => true,
						),
						'comment' => array(
							'description' => __( 'Optional comment (plain text, at most 1000 characters).', 'bookingx-live-chat' ),
							'type'        => 'string',
						),
					),
				),
				'schema' => array( $this, 'get_public_item_schema' ),
			)
		);
	}

	/*
	 * Permissions.
	 */

	/**
	 * Anyone may list: staff see every conversation, customers and guests their own (a guest
	 * without a visitor cookie gets an empty list rather than a new cookie).
	 *
	 * @param WP_REST_Request $request Request.
	 * @return true
	 */
	public function get_items_permissions_check( $request ) {
		return true;
	}

	/**
	 * Anyone may start a conversation while the chat is enabled; guests with a visitor id
	 * must send their nonce.
	 *
	 * @param WP_REST_Request $request Request.
	 * @return true|\WP_Error
	 */
	public function create_item_permissions_check( $request ) {
		$nonce = $this->access->check_guest_nonce( $request );
		if ( true !== $nonce ) {
			return $nonce;
		}
		return $this->check_chat_enabled();
	}

	/**
	 * Participants and staff.
	 *
	 * @param WP_REST_Request $request Request.
	 * @return true|\WP_Error
	 */
	public function get_item_permissions_check( $request ) {
		return $this->check_conversation_access( $request, (int) $request['id'] );
	}

	/**
	 * Participants and staff; what each may change is checked in update_item().
	 *
	 * @param WP_REST_Request $request Request.
	 * @return true|\WP_Error
	 */
	public function update_item_permissions_check( $request ) {
		return $this->check_conversation_access( $request, (int) $request['id'] );
	}

	/**
	 * Only the customer of the conversation rates it (not even administrators).
	 *
	 * @param WP_REST_Request $request Request.
	 * @return true|\WP_Error
	 */
	public function rate_permissions_check( $request ) {
		$access = $this->check_conversation_access( $request, (int) $request['id'], false, true );
		if ( true !== $access ) {
			return $access;
		}
		if ( ! Settings::get( 'chat_rating_enabled' ) ) {
			return REST_Errors::error( 'forbidden', __( 'Chat ratings are turned off.', 'bookingx-live-chat' ) );
		}
		return true;
	}

	/*
	 * Handlers.
	 */

	/**
	 * Lists conversations, newest first, with a `Link: rel="next"` header when the page is full.
	 *
	 * @param WP_REST_Request $request Request.
	 * @return WP_REST_Response|\WP_Error
	 */
	public function get_items( $request ) {
		$filters = array( 'limit' => (int) $request['limit'] );
		foreach ( array( 'status', 'before_id' ) as $key ) {
			if ( isset( $request[ $key ] ) ) {
				$filters[ $key ] = $request[ $key ];
			}
		}
		if ( $this->access->is_staff() ) {
			foreach ( array( 'platform', 'customer_id', 'visitor_id', 'assigned_agent_id', 'unassigned' ) as $key ) {
				if ( isset( $request[ $key ] ) ) {
					$filters[ $key ] = $request[ $key ];
				}
			}
		} elseif ( is_user_logged_in() ) {
			$filters['customer_id'] = get_current_user_id();
		} else {
			$visitor_id = $this->access->visitor()->current();
			if ( null === $visitor_id ) {
				return $this->list_response( array(), '/' . $this->rest_base, array(), array() );
			}
			$filters['visitor_id'] = $visitor_id;
		}

		$items = $this->call(
			static function ( $manager ) use ( $filters ) {
				return $manager->listConversations( $filters );
			}
		);
		if ( is_wp_error( $items ) ) {
			return $items;
		}
		$next = array();
		if ( count( $items ) >= $filters['limit'] && $items ) {
			$last = end( $items );
			$next = array( 'before_id' => (int) $last['id'] );
		}
		$query = $filters;
		unset( $query['customer_id'], $query['visitor_id'] );
		if ( ! $this->access->is_staff() ) {
			$query = array_intersect_key( $query, array_flip( array( 'status', 'limit' ) ) );
		}
		$query = array_map( static fn( $v ) => is_bool( $v ) ? (int) $v : $v, $query );
		return $this->list_response( $items, '/' . $this->rest_base, $query, $next );
	}

	/**
	 * Starts a conversation as the caller (customer side), with an optional first message.
	 *
	 * @param WP_REST_Request $request Request.
	 * @return WP_REST_Response|\WP_Error
	 */
	public function create_item( $request ) {
		$metadata = $request['metadata'] ?? array();
		$metadata = is_array( $metadata ) ? $metadata : array();
		unset( $metadata['visitor_name'] );

		$anonymous = (bool) Settings::get( 'anonymous_chat_enabled' );
		$data      = array( 'platform' => 'custom' );
		$name      = null;
		if ( is_user_logged_in() ) {
			$data['customer_id'] = get_current_user_id();
			$name                = $anonymous ? null : wp_get_current_user()->display_name;
		} else {
			$data['visitor_id'] = $this->access->visitor()->ensure();
			$given              = isset( $request['name'] ) ? trim( sanitize_text_field( $request['name'] ) ) : '';
			if ( ! $anonymous && '' !== $given ) {
				$name                     = $given;
				$metadata['visitor_name'] = $given;
			}
		}
		foreach ( array( 'department', 'booking_id' ) as $key ) {
			if ( isset( $request[ $key ] ) ) {
				$data[ $key ] = $request[ $key ];
			}
		}
		if ( $metadata ) {
			$data['metadata'] = $metadata;
		}
		if ( isset( $request['message'] ) ) {
			// The extension always stores the first message on the customer side.
			$data['message'] = array_filter(
				array(
					'sender_type' => 'customer',
					'body'        => $request['message'],
					'sender_name' => $name,
				),
				static fn( $v ) => null !== $v
			);
		}

		/**
		 * Filters the data a new conversation is created with (after access decisions).
		 *
		 * @param array           $data    Data for ChatManager::createConversation().
		 * @param WP_REST_Request $request Request.
		 */
		$data = apply_filters( 'bkx_livechat_create_conversation_data', $data, $request );

		$conversation = $this->call(
			static function ( $manager ) use ( $data ) {
				return $manager->createConversation( $data );
			}
		);
		if ( is_wp_error( $conversation ) ) {
			return $conversation;
		}

		/**
		 * Fires after a conversation was started through the REST API.
		 *
		 * @param array $conversation The extension's conversation.
		 */
		do_action( 'bkx_livechat_conversation_started', $conversation );

		$response = new WP_REST_Response( $conversation, 201 );
		$response->header( 'Location', rest_url( sprintf( '%s/%s/%d', $this->namespace, $this->rest_base, (int) $conversation['id'] ) ) );
		return $response;
	}

	/**
	 * One conversation.
	 *
	 * @param WP_REST_Request $request Request.
	 * @return WP_REST_Response|\WP_Error
	 */
	public function get_item( $request ) {
		$conversation = $this->conversation( (int) $request['id'] );
		if ( is_wp_error( $conversation ) ) {
			return $conversation;
		}
		return new WP_REST_Response( $conversation, 200 );
	}

	/**
	 * Updates a conversation. Customers may only add metadata; staff may change status, tags,
	 * booking and assignment (assigning someone else needs `bkx_chat_assign`).
	 *
	 * @param WP_REST_Request $request Request.
	 * @return WP_REST_Response|\WP_Error
	 */
	public function update_item( $request ) {
		$id           = (int) $request['id'];
		$conversation = $this->conversation( $id );
		if ( is_wp_error( $conversation ) ) {
			return $conversation;
		}
		$side    = $this->access->side_in( $conversation );
		$allowed = 'agent' === $side
			? array( 'status', 'assigned_agent_id', 'booking_id', 'tags', 'metadata' )
			: array( 'metadata' );
		$body    = array_merge( (array) $request->get_query_params(), (array) $request->get_body_params(), (array) $request->get_json_params() );
		$fields  = array_intersect( array_keys( $body ), array( 'status', 'assigned_agent_id', 'booking_id', 'tags', 'metadata' ) );
		$refused = array_values( array_diff( $fields, $allowed ) );
		if ( $refused ) {
			return REST_Errors::error(
				'forbidden',
				__( 'You cannot change these fields of the conversation.', 'bookingx-live-chat' ),
				array( 'fields' => $refused )
			);
		}

		$changes = array();
		foreach ( $fields as $key ) {
			$changes[ $key ] = $request[ $key ];
		}
		if ( ! $changes ) {
			return REST_Errors::error(
				'invalid_argument',
				__( 'Nothing to change.', 'bookingx-live-chat' ),
				array( 'fields' => $allowed )
			);
		}
		if ( 'customer' === $side && isset( $changes['metadata'] ) && is_array( $changes['metadata'] ) ) {
			unset( $changes['metadata']['visitor_name'] ); // Set once, when the chat starts.
		}
		if ( array_key_exists( 'assigned_agent_id', $changes ) ) {
			$agent_check = $this->check_assignment( $changes['assigned_agent_id'] );
			if ( true !== $agent_check ) {
				return $agent_check;
			}
			// The extension unassigns on an explicit null.
			$changes['assigned_agent_id'] = (int) $changes['assigned_agent_id'] > 0 ? (int) $changes['assigned_agent_id'] : null;
		}

		$updated = $this->call(
			static function ( $manager ) use ( $id, $changes ) {
				return $manager->updateConversation( $id, $changes );
			}
		);
		$this->forget( $id );
		if ( is_wp_error( $updated ) ) {
			return $updated;
		}
		return new WP_REST_Response( $updated, 200 );
	}

	/**
	 * Marks the other side's messages read; the reader's side comes from the caller.
	 *
	 * @param WP_REST_Request $request Request.
	 * @return WP_REST_Response|\WP_Error
	 */
	public function mark_read( $request ) {
		$id           = (int) $request['id'];
		$conversation = $this->conversation( $id );
		if ( is_wp_error( $conversation ) ) {
			return $conversation;
		}
		$read = array( 'reader_type' => $this->access->side_in( $conversation ) );
		if ( isset( $request['up_to_id'] ) ) {
			$read['up_to_id'] = (int) $request['up_to_id'];
		}
		$result = $this->call(
			static function ( $manager ) use ( $id, $read ) {
				return $manager->markRead( $id, $read );
			}
		);
		if ( is_wp_error( $result ) ) {
			return $result;
		}
		return new WP_REST_Response( $result, 200 );
	}

	/**
	 * Closes the conversation (closing twice is harmless).
	 *
	 * @param WP_REST_Request $request Request.
	 * @return WP_REST_Response|\WP_Error
	 */
	public function close( $request ) {
		$id     = (int) $request['id'];
		$result = $this->call(
			static function ( $manager ) use ( $id ) {
				return $manager->closeConversation( $id );
			}
		);
		$this->forget( $id );
		if ( is_wp_error( $result ) ) {
			return $result;
		}
		/**
		 * Fires after a conversation was closed through the REST API.
		 *
		 * @param array $conversation The closed conversation.
		 */
		do_action( 'bkx_livechat_conversation_closed', $result );
		return new WP_REST_Response( $result, 200 );
	}

	/**
	 * Records the customer's rating.
	 *
	 * @param WP_REST_Request $request Request.
	 * @return WP_REST_Response|\WP_Error
	 */
	public function rate( $request ) {
		$id      = (int) $request['id'];
		$rating  = (int) $request['rating'];
		$comment = isset( $request['comment'] ) ? (string) $request['comment'] : null;
		$result  = $this->call(
			static function ( $manager ) use ( $id, $rating, $comment ) {
				return $manager->rateConversation( $id, $rating, $comment );
			}
		);
		$this->forget( $id );
		if ( is_wp_error( $result ) ) {
			return $result;
		}
		return new WP_REST_Response( $result, 200 );
	}

	/*
	 * Helpers.
	 */

	/**
	 * Checks an assignment: 0/null unassigns; yourself needs `bkx_chat_handle`; someone else
	 * needs `bkx_chat_assign`, and they must be able to handle chats.
	 *
	 * @param mixed $agent_id Requested agent.
	 * @return true|\WP_Error
	 */
	private function check_assignment( $agent_id ) {
		$agent_id = (int) $agent_id;
		$self     = get_current_user_id();
		if ( $agent_id !== $self && ! current_user_can( Roles::ASSIGN ) ) {
			return REST_Errors::error( 'forbidden', __( 'You cannot assign conversations to other agents.', 'bookingx-live-chat' ) );
		}
		if ( 0 === $agent_id ) {
			return true;
		}
		if ( ! user_can( $agent_id, Roles::HANDLE ) ) {
			return REST_Errors::error(
				'invalid_argument',
				__( 'That user cannot handle chats.', 'bookingx-live-chat' ),
				array( 'field' => 'assigned_agent_id' )
			);
		}
		return true;
	}

	/*
	 * Arguments and schema.
	 */

	/**
	 * Query parameters of the list.
	 *
	 * @return array<string, array<string, mixed>>
	 */
	public function get_collection_params() {
		return array(
			'status'            => array(
				'description' => __( 'Only conversations with this status.', 'bookingx-live-chat' ),
				'type'        => 'string',
				'enum'        => array( 'waiting', 'active', 'closed' ),
			),
			'before_id'         => array(
				'description' => __( 'Cursor: only conversations older than this id.', 'bookingx-live-chat' ),
				'type'        => 'integer',
				'minimum'     => 1,
			),
			'limit'             => array(
				'description' => __( 'Page size.', 'bookingx-live-chat' ),
				'type'        => 'integer',
				'minimum'     => 1,
				'maximum'     => 100,
				'default'     => 20,
			),
			'platform'          => array(
				'description' => __( 'Staff only: only this platform.', 'bookingx-live-chat' ),
				'type'        => 'string',
				'enum'        => Settings::choices()['platform'],
			),
			'customer_id'       => array(
				'description' => __( 'Staff only: only this customer (user id).', 'bookingx-live-chat' ),
				'type'        => 'integer',
				'minimum'     => 1,
			),
			'visitor_id'        => array(
				'description' => __( 'Staff only: only this guest visitor id.', 'bookingx-live-chat' ),
				'type'        => 'string',
				'pattern'     => '^[A-Za-z0-9_-]{8,64}$',
			),
			'assigned_agent_id' => array(
				'description' => __( 'Staff only: only conversations assigned to this agent.', 'bookingx-live-chat' ),
				'type'        => 'integer',
				'minimum'     => 1,
			),
			'unassigned'        => array(
				'description' => __( 'Staff only: only conversations without an agent.', 'bookingx-live-chat' ),
				'type'        => 'boolean',
			),
		);
	}

	/**
	 * Body parameters of POST /chat/conversations.
	 *
	 * @return array<string, array<string, mixed>>
	 */
	private function create_args(): array {
		return array(
			'message'    => array(
				'description' => __( 'First message (1–10000 characters; HTML is sanitised).', 'bookingx-live-chat' ),
				'type'        => 'string',
			),
			'name'       => array(
				'description' => __( 'Guests: the name to show to agents.', 'bookingx-live-chat' ),
				'type'        => 'string',
				'maxLength'   => 100,
			),
			'department' => array(
				'description' => __( 'Department to route to.', 'bookingx-live-chat' ),
				'type'        => 'string',
				'maxLength'   => 100,
			),
			'booking_id' => array(
				'description' => __( 'The BookingX booking this conversation is about.', 'bookingx-live-chat' ),
				'type'        => 'integer',
				'minimum'     => 1,
			),
			'metadata'   => array(
				'description' => __( 'Free-form context (page, booking-form step...), at most 16 KB of JSON.', 'bookingx-live-chat' ),
				'type'        => 'object',
			),
		);
	}

	/**
	 * Body parameters of PATCH /chat/conversations/{id}.
	 *
	 * @return array<string, array<string, mixed>>
	 */
	private function update_args(): array {
		return array(
			'status'            => array(
				'description' => __( 'Staff only.', 'bookingx-live-chat' ),
				'type'        => 'string',
				'enum'        => array( 'waiting', 'active', 'closed' ),
			),
			'assigned_agent_id' => array(
				'description' => __( 'Staff only: the agent (user id; 0 unassigns).', 'bookingx-live-chat' ),
				'type'        => 'integer',
				'minimum'     => 0,
			),
			'booking_id'        => array(
				'description' => __( 'Staff only.', 'bookingx-live-chat' ),
				'type'        => 'integer',
				'minimum'     => 1,
			),
			'tags'              => array(
				'description' => __( 'Staff only: replaces the tags.', 'bookingx-live-chat' ),
				'type'        => 'array',
				'items'       => array( 'type' => 'string' ),
			),
			'metadata'          => array(
				'description' => __( 'Merged into the conversation\'s metadata.', 'bookingx-live-chat' ),
				'type'        => 'object',
			),
		);
	}

	/**
	 * The conversation schema (the extension's array).
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
			'title'      => 'bkx-chat-conversation',
			'type'       => 'object',
			'properties' => array(
				'id'                       => array(
					'type'     => 'integer',
					'readonly' => true,
				),
				'platform'                 => array(
					'type'     => 'string',
					'enum'     => Settings::choices()['platform'],
					'readonly' => true,
				),
				'platform_conversation_id' => array(
					'type'     => $str,
					'readonly' => true,
				),
				'customer_id'              => array(
					'type'     => $int,
					'readonly' => true,
				),
				'visitor_id'               => array(
					'type'     => $str,
					'readonly' => true,
				),
				'assigned_agent_id'        => array( 'type' => $int ),
				'status'                   => array(
					'type' => 'string',
					'enum' => array( 'waiting', 'active', 'closed' ),
				),
				'rating'                   => array(
					'type'     => $int,
					'readonly' => true,
				),
				'rating_comment'           => array(
					'type'     => $str,
					'readonly' => true,
				),
				'first_response_time'      => array(
					'description' => __( 'Seconds until the first agent reply.', 'bookingx-live-chat' ),
					'type'        => $int,
					'readonly'    => true,
				),
				'resolution_time'          => array(
					'description' => __( 'Seconds from start to close.', 'bookingx-live-chat' ),
					'type'        => $int,
					'readonly'    => true,
				),
				'message_count'            => array(
					'type'     => 'integer',
					'readonly' => true,
				),
				'booking_id'               => array( 'type' => $int ),
				'tags'                     => array(
					'type'  => 'array',
					'items' => array( 'type' => 'string' ),
				),
				'metadata'                 => array( 'type' => array( 'object', 'array' ) ),
				'first_message'            => array(
					'description' => __( 'Only in the response that started the conversation with a message.', 'bookingx-live-chat' ),
					'type'        => 'object',
					'readonly'    => true,
				),
				'started_at'               => $time,
				'ended_at'                 => $time,
				'created_at'               => $time,
				'updated_at'               => $time,
			),
		);
		return $this->add_additional_fields_schema( $this->schema );
	}
}
