<?php
/**
 * /bookingx/v1/chat/uploads — file sharing of the native chat.
 *
 * - `POST /chat/uploads` (multipart, field `file`, plus `conversation_id`): the caller must
 *   be a participant of the conversation (or staff), guests with their chat nonce. The
 *   extension decides everything about the file (size, type by content, virus scan, display
 *   name, random storage name); this controller only keeps the bytes it checked under that
 *   name in the private folder (Upload_Store). The client's file name is never a path.
 * - `GET /chat/uploads/{id}`: the file, to the participants of its conversation and to
 *   staff, streamed by PHP with the sniffed type, `X-Content-Type-Options: nosniff`,
 *   `Content-Security-Policy: sandbox`, and `Content-Disposition: attachment` for everything
 *   but images.
 *
 * A file reaches the other side as a message: `POST .../messages` with `attachment_id`.
 *
 * @package BookingX\Addons\LiveChat\WP
 */

namespace BookingX\Addons\LiveChat\WP\REST;

use BookingX\Addons\LiveChat\WP\REST_Errors;
use BookingX\Addons\LiveChat\WP\Settings;
use BookingX\Addons\LiveChat\WP\Upload_Store;
use WP_Error;
use WP_REST_Request;
use WP_REST_Response;
use WP_REST_Server;

defined( 'ABSPATH' ) || exit;

/**
 * Uploads controller.
 */
class Uploads_Controller extends Chat_Controller {

	/**
	 * Route base.
	 *
	 * @var string
	 */
	protected $rest_base = 'chat/uploads';

	/**
	 * Attachments loaded by permission callbacks, reused by the handler.
	 *
	 * @var array<int, array<string, mixed>>
	 */
	private array $attachments = array();

	/**
	 * The URL that serves an attachment (what file messages store as `attachment_url`).
	 *
	 * @param int $id Attachment id.
	 */
	public static function download_url( int $id ): string {
		return rest_url( BKX_LIVECHAT_REST_NAMESPACE . '/chat/uploads/' . $id );
	}

	/**
	 * Registers the routes, and the hook that streams files instead of JSON.
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
					'args'                => array(
						'conversation_id' => $this->id_arg( __( 'The conversation the file is shared in.', 'bookingx-live-chat' ) ),
					),
				),
				'schema' => array( $this, 'get_public_item_schema' ),
			)
		);
		register_rest_route(
			$this->namespace,
			'/' . $this->rest_base . '/(?P<id>\d+)',
			array(
				'args' => array(
					'id' => $this->id_arg( __( 'Attachment id.', 'bookingx-live-chat' ) ),
				),
				array(
					'methods'             => WP_REST_Server::READABLE,
					'callback'            => array( $this, 'get_item' ),
					'permission_callback' => array( $this, 'get_item_permissions_check' ),
				),
			)
		);
		if ( false === has_filter( 'rest_pre_serve_request', array( File_Response::class, 'serve' ) ) ) {
			add_filter( 'rest_pre_serve_request', array( File_Response::class, 'serve' ), 20, 4 );
		}
	}

	/**
	 * Uploads: chat enabled (or staff), file sharing on, then the conversation's rules
	 * (guest nonce, participant or staff).
	 *
	 * @param WP_REST_Request $request Request.
	 * @return true|WP_Error
	 */
	public function create_item_permissions_check( $request ) {
		$enabled = $this->check_chat_enabled();
		if ( is_wp_error( $enabled ) ) {
			return $enabled;
		}
		if ( ! Settings::get( 'file_sharing_enabled' ) ) {
			return REST_Errors::error(
				'forbidden',
				__( 'File sharing is switched off.', 'bookingx-live-chat' ),
				array( 'setting' => 'file_sharing_enabled' )
			);
		}
		return $this->check_conversation_access( $request, (int) $request['conversation_id'] );
	}

	/**
	 * Downloads: someone we know, then the attachment, then its conversation's rules.
	 *
	 * @param WP_REST_Request $request Request.
	 * @return true|WP_Error
	 */
	public function get_item_permissions_check( $request ) {
		if ( ! is_user_logged_in() && null === $this->access->visitor()->current() ) {
			return $this->access->denied();
		}
		$attachment = $this->attachment( (int) $request['id'] );
		if ( is_wp_error( $attachment ) ) {
			return $attachment;
		}
		return $this->check_conversation_access( $request, (int) $attachment['conversation_id'] );
	}

	/**
	 * Stores an upload. `201` with the attachment: `{id, conversation_id, message_id, name,
	 * mime, size, sha256, scan_status, url, created_at}`.
	 *
	 * @param WP_REST_Request $request Request.
	 * @return WP_REST_Response|WP_Error
	 */
	public function create_item( $request ) {
		$conversation_id = (int) $request['conversation_id'];
		$conversation    = $this->conversation( $conversation_id );
		if ( is_wp_error( $conversation ) ) {
			return $conversation;
		}
		$file = $this->uploaded_file( $request );
		if ( is_wp_error( $file ) ) {
			return $file;
		}
		// Never more than one byte over the limit: enough for the extension to say 413,
		// without holding a huge upload (PHP's own limit may be larger) in memory.
		$max = (int) \BookingX\Addons\LiveChat\Attachments::MAX_BYTES;
		// phpcs:ignore WordPress.WP.AlternativeFunctions.file_get_contents_file_get_contents -- a local upload.
		$content = file_get_contents( $file['tmp_name'], false, null, 0, $max + 1 );
		if ( false === $content ) {
			return REST_Errors::error( 'invalid_argument', __( 'The uploaded file could not be read.', 'bookingx-live-chat' ), array( 'field' => 'file' ) );
		}

		$side = (string) $this->access->side_in( $conversation );
		$meta = array(
			// Display text only (the extension makes it plain); invalid UTF-8 is dropped here.
			'name'          => is_string( $file['name'] ?? null ) ? wp_check_invalid_utf8( $file['name'], true ) : '',
			'uploader_type' => $side,
		);
		$user_id = get_current_user_id();
		if ( $user_id > 0 ) {
			$meta['uploader_id'] = $user_id;
		} else {
			$visitor_id = $this->access->visitor()->current();
			if ( null !== $visitor_id ) {
				$meta['visitor_id'] = $visitor_id;
			}
		}

		$stored = $this->attachments_call(
			static function ( $attachments ) use ( $conversation_id, $content, $meta ) {
				return $attachments->store( $conversation_id, $content, $meta );
			}
		);
		if ( is_wp_error( $stored ) ) {
			if ( 'platform_unavailable' === $stored->get_error_code() ) {
				// A virus scanner answered but could not give a verdict: never keep the file.
				return new WP_Error(
					'platform_unavailable',
					__( 'The virus scanner could not check the file. Please try again later.', 'bookingx-live-chat' ),
					array( 'status' => 503 )
				);
			}
			return $stored;
		}
		if ( ! Upload_Store::write( (string) $stored['storage_name'], $content ) ) {
			// Undo the record: a row without its bytes would be a broken download.
			$this->attachments_call(
				static function ( $attachments ) use ( $stored ) {
					return $attachments->delete( (int) $stored['id'] );
				}
			);
			self::log( 'could not write an attachment into ' . Upload_Store::dir() );
			return REST_Errors::error( 'storage_error', __( 'The file could not be stored. Please try again.', 'bookingx-live-chat' ) );
		}

		/**
		 * Fires after a chat attachment was stored (not yet sent in a message).
		 *
		 * @param array $attachment   The attachment (the extension's array, with storage_name).
		 * @param array $conversation The conversation.
		 */
		do_action( 'bkx_livechat_attachment_uploaded', $stored, $conversation );

		$response = new WP_REST_Response( self::public_shape( $stored ), 201 );
		$response->header( 'Location', self::download_url( (int) $stored['id'] ) );
		return $response;
	}

	/**
	 * Streams a file (see File_Response).
	 *
	 * @param WP_REST_Request $request Request.
	 * @return File_Response|WP_Error
	 */
	public function get_item( $request ) {
		$attachment = $this->attachment( (int) $request['id'] );
		if ( is_wp_error( $attachment ) ) {
			return $attachment;
		}
		$path = Upload_Store::path( (string) ( $attachment['storage_name'] ?? '' ) );
		if ( null === $path || ! is_file( $path ) ) {
			return REST_Errors::error(
				'not_found',
				__( 'The file is no longer available.', 'bookingx-live-chat' ),
				array(
					'resource' => 'attachment',
					'id'       => (int) $attachment['id'],
				)
			);
		}
		return new File_Response(
			$path,
			(string) ( $attachment['content_type'] ?? 'application/octet-stream' ),
			(string) ( $attachment['name'] ?? 'file' ),
			! empty( $attachment['inline'] ),
			(int) filesize( $path )
		);
	}

	/**
	 * What clients see of an attachment (no storage name, no visitor id).
	 *
	 * @param array<string, mixed> $attachment The extension's array.
	 * @return array<string, mixed>
	 */
	public static function public_shape( array $attachment ): array {
		$out        = array_intersect_key(
			$attachment,
			array_flip( array( 'id', 'conversation_id', 'message_id', 'name', 'mime', 'size', 'sha256', 'scan_status', 'created_at' ) )
		);
		$out['url'] = self::download_url( (int) $attachment['id'] );
		return $out;
	}

	/**
	 * The `file` part of the request, or the error that explains why there is none.
	 *
	 * @param WP_REST_Request $request Request.
	 * @return array<string, mixed>|WP_Error
	 */
	private function uploaded_file( WP_REST_Request $request ) {
		$files = $request->get_file_params();
		$file  = $files['file'] ?? null;
		if ( ! is_array( $file ) || ! isset( $file['error'] ) || is_array( $file['error'] ) ) {
			// PHP drops the whole body when it is over post_max_size.
			$length = isset( $_SERVER['CONTENT_LENGTH'] ) ? (int) $_SERVER['CONTENT_LENGTH'] : 0;
			if ( $length > 0 && $length > wp_convert_hr_to_bytes( (string) ini_get( 'post_max_size' ) ) ) {
				return $this->too_large();
			}
			return REST_Errors::error(
				'invalid_argument',
				__( 'Send the file as multipart/form-data in a field named "file".', 'bookingx-live-chat' ),
				array( 'field' => 'file' )
			);
		}
		switch ( (int) $file['error'] ) {
			case UPLOAD_ERR_OK:
				break;
			case UPLOAD_ERR_INI_SIZE:
			case UPLOAD_ERR_FORM_SIZE:
				return $this->too_large();
			case UPLOAD_ERR_NO_FILE:
				return REST_Errors::error( 'invalid_argument', __( 'No file was sent.', 'bookingx-live-chat' ), array( 'field' => 'file' ) );
			case UPLOAD_ERR_PARTIAL:
				return REST_Errors::error( 'invalid_argument', __( 'The upload was interrupted. Please try again.', 'bookingx-live-chat' ), array( 'field' => 'file' ) );
			default:
				self::log( 'PHP upload error ' . (int) $file['error'] );
				return REST_Errors::error( 'storage_error', __( 'The file could not be received. Please try again.', 'bookingx-live-chat' ) );
		}
		if ( ! is_string( $file['tmp_name'] ?? null ) || ! is_uploaded_file( $file['tmp_name'] ) ) {
			return REST_Errors::error( 'invalid_argument', __( 'No file was sent.', 'bookingx-live-chat' ), array( 'field' => 'file' ) );
		}
		return $file;
	}

	/**
	 * 413 for a file PHP refused before the extension saw it (over upload_max_filesize).
	 */
	private function too_large(): WP_Error {
		$max = (int) \BookingX\Addons\LiveChat\Attachments::MAX_BYTES;
		return REST_Errors::error(
			'payload_too_large',
			__( 'The file is too large.', 'bookingx-live-chat' ),
			array(
				'field' => 'file',
				'max'   => $max,
			)
		);
	}

	/**
	 * Logs a server-side failure for the site owner.
	 *
	 * @param string $message What failed.
	 */
	private static function log( string $message ): void {
		// phpcs:ignore WordPress.PHP.DevelopmentFunctions.error_log_error_log -- operators need the cause.
		error_log( '[bookingx-live-chat] uploads: ' . $message );
	}

	/**
	 * An attachment, loaded once per request.
	 *
	 * @param int $id Attachment id.
	 * @return array<string, mixed>|WP_Error
	 */
	private function attachment( int $id ) {
		if ( ! isset( $this->attachments[ $id ] ) ) {
			$attachment = $this->attachments_call(
				static function ( $attachments ) use ( $id ) {
					return $attachments->get( $id );
				}
			);
			if ( is_wp_error( $attachment ) ) {
				return $attachment;
			}
			$this->attachments[ $id ] = $attachment;
		}
		return $this->attachments[ $id ];
	}

	/**
	 * Runs a call on the extension's Attachments; exceptions become the mapped WP_Error.
	 *
	 * @param callable $call The call.
	 * @return mixed|WP_Error
	 */
	private function attachments_call( callable $call ) {
		try {
			return $call( $this->chat->attachments() );
		} catch ( \Throwable $e ) {
			return REST_Errors::from_throwable( $e );
		}
	}

	/**
	 * The attachment schema.
	 *
	 * @return array<string, mixed>
	 */
	public function get_item_schema() {
		if ( $this->schema ) {
			return $this->add_additional_fields_schema( $this->schema );
		}
		$readonly     = static fn( $type, $extra = array() ) => array_merge(
			array(
				'type'     => $type,
				'readonly' => true,
			),
			$extra
		);
		$this->schema = array(
			'$schema'    => 'http://json-schema.org/draft-04/schema#',
			'title'      => 'bkx-chat-attachment',
			'type'       => 'object',
			'properties' => array(
				'id'              => $readonly( 'integer' ),
				'conversation_id' => $readonly( 'integer' ),
				'message_id'      => $readonly( array( 'integer', 'null' ), array( 'description' => __( 'The message that carries the file; null until one is sent.', 'bookingx-live-chat' ) ) ),
				'name'            => $readonly( 'string', array( 'description' => __( 'Display name (plain text).', 'bookingx-live-chat' ) ) ),
				'mime'            => $readonly( 'string', array( 'enum' => array( 'image/jpeg', 'image/png', 'image/gif', 'image/webp', 'application/pdf', 'text/plain' ) ) ),
				'size'            => $readonly( 'integer' ),
				'sha256'          => $readonly( 'string' ),
				'scan_status'     => $readonly(
					'string',
					array(
						'enum'        => array( 'clean', 'skipped' ),
						'description' => __( 'clean: scanned by ClamAV; skipped: no virus scanner was available.', 'bookingx-live-chat' ),
					)
				),
				'url'             => $readonly( 'string', array( 'format' => 'uri' ) ),
				'created_at'      => $readonly( 'string', array( 'format' => 'date-time' ) ),
			),
		);
		return $this->add_additional_fields_schema( $this->schema );
	}
}
