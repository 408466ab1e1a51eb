<?php
/**
 * A REST response whose body is a stored file instead of JSON.
 *
 * The REST server sends the status and the headers of the response, then asks
 * `rest_pre_serve_request` whether the body was served; `serve()` streams the file there.
 * The file's path is a private property: it never appears in any output (an `_envelope`
 * request gets an empty JSON body instead of the file).
 *
 * Headers: the type the extension sniffed from the content, `X-Content-Type-Options:
 * nosniff`, `Content-Security-Policy` with `sandbox` (a file opened directly can run nothing
 * and reach nothing), `Cross-Origin-Resource-Policy: same-origin`, and `Content-Disposition`:
 * `inline` for images, `attachment` for everything else.
 *
 * @package BookingX\Addons\LiveChat\WP
 */

namespace BookingX\Addons\LiveChat\WP\REST;

use WP_REST_Request;
use WP_REST_Response;

defined( 'ABSPATH' ) || exit;

/**
 * A file download through the REST server.
 */
final class File_Response extends WP_REST_Response {

	/**
	 * Absolute path of the file.
	 *
	 * @var string
	 */
	private string $path;

	/**
	 * Constructor.
	 *
	 * @param string $path         Absolute path (a storage name in the private folder).
	 * @param string $content_type Content-Type header value.
	 * @param string $name         Display name, for Content-Disposition.
	 * @param bool   $inline       Whether browsers may show it (images).
	 * @param int    $size         Size in bytes.
	 */
	public function __construct( string $path, string $content_type, string $name, bool $inline, int $size ) {
		parent::__construct( array(), 200 );
		$this->path = $path;
		$this->set_headers(
			array(
				'Content-Type'                 => $content_type,
				'Content-Length'               => (string) $size,
				'Content-Disposition'          => self::disposition( $inline ? 'inline' : 'attachment', $name ),
				'X-Content-Type-Options'       => 'nosniff',
				'Content-Security-Policy'      => "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; sandbox",
				'Cross-Origin-Resource-Policy' => 'same-origin',
				'Referrer-Policy'              => 'no-referrer',
			)
		);
	}

	/**
	 * `inline|attachment; filename="ascii"; filename*=UTF-8''percent-encoded`.
	 *
	 * @param string $type inline or attachment.
	 * @param string $name Display name.
	 */
	public static function disposition( string $type, string $name ): string {
		$name  = (string) preg_replace( '/[\x00-\x1F\x7F]/', '', $name );
		$ascii = (string) preg_replace( '/[^\x20-\x7E]/', '_', $name );
		$ascii = str_replace( array( '"', '\\' ), '_', $ascii );
		if ( '' === trim( $ascii ) ) {
			$ascii = 'file';
		}
		return sprintf( '%s; filename="%s"; filename*=UTF-8\'\'%s', $type, $ascii, rawurlencode( $name ) );
	}

	/**
	 * `rest_pre_serve_request`: streams the file of a File_Response (nothing for HEAD).
	 *
	 * @param bool             $served  Whether the request was served already.
	 * @param mixed            $result  The response.
	 * @param WP_REST_Request  $request The request.
	 * @param \WP_REST_Server  $server  The server.
	 * @return bool
	 */
	public static function serve( $served, $result, $request, $server ) {
		if ( $served || ! $result instanceof self ) {
			return $served;
		}
		if ( ! $request instanceof WP_REST_Request || 'HEAD' !== $request->get_method() ) {
			// phpcs:ignore WordPress.WP.AlternativeFunctions.file_system_operations_readfile -- streaming a local file.
			readfile( $result->path );
		}
		return true;
	}
}
