//! Copies each request's head (URI and headers) into owned, right-sized buffers before the
//! Socket.IO layer sees it, keeping on Socket.IO requests only the headers anything reads.
//!
//! Why: hyper parses the head as slices of its connection read buffer (16 KiB). engine.io
//! keeps the upgrade request's `Parts` for the socket's whole life (handlers can read the
//! handshake headers), so without this copy every idle websocket pins that whole buffer —
//! about a third of chatd's memory per idle connection. The copy costs a few hundred bytes
//! once per request. Nothing in the daemon reads those kept headers, and a browser's
//! handshake carries the site's cookies, its user agent and more (one to several KiB on a
//! WordPress site): only what the engine and the CORS layer read is kept for a socket.

use axum::extract::Request;
use axum::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use axum::http::Uri;

/// Where the Socket.IO layer answers (socketioxide's default, set explicitly by the server).
pub const SOCKET_IO_PATH: &str = "/socket.io";

/// The headers of a Socket.IO request something reads: the engine (websocket handshake,
/// polling body type), hyper's body framing, and the CORS layer (which runs after this).
const ENGINE_HEADERS: [HeaderName; 11] = [
    header::SEC_WEBSOCKET_KEY,
    header::SEC_WEBSOCKET_VERSION,
    header::SEC_WEBSOCKET_EXTENSIONS,
    header::UPGRADE,
    header::CONNECTION,
    header::CONTENT_TYPE,
    header::CONTENT_LENGTH,
    header::TRANSFER_ENCODING,
    header::ORIGIN,
    header::ACCESS_CONTROL_REQUEST_METHOD,
    header::ACCESS_CONTROL_REQUEST_HEADERS,
];

/// True for a path the Socket.IO layer serves (`/socket.io` or below it).
fn is_socket_io(path: &str) -> bool {
    path.strip_prefix(SOCKET_IO_PATH)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// The `axum::middleware::map_request` function doing the copy.
pub async fn own_head(req: Request) -> Request {
    let (mut parts, body) = req.into_parts();
    let engine = is_socket_io(parts.uri.path());
    let kept = |name: &HeaderName| !engine || ENGINE_HEADERS.contains(name);
    let count = parts.headers.keys().filter(|n| kept(n)).count();
    let mut headers = HeaderMap::with_capacity(count);
    for (name, value) in parts.headers.iter().filter(|(n, _)| kept(n)) {
        // Standard names are static; custom ones and every value are copied out of the
        // connection buffer. An unparsable copy cannot happen (they parsed once), but we
        // fall back to the original rather than drop a header.
        let name =
            HeaderName::from_bytes(name.as_str().as_bytes()).unwrap_or_else(|_| name.clone());
        let mut copied =
            HeaderValue::from_bytes(value.as_bytes()).unwrap_or_else(|_| value.clone());
        copied.set_sensitive(value.is_sensitive());
        headers.append(name, copied);
    }
    parts.headers = headers;
    if let Ok(uri) = Uri::try_from(parts.uri.to_string()) {
        parts.uri = uri;
    }
    Request::from_parts(parts, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(path: &str) -> Request {
        Request::builder()
            .uri(path)
            .header(
                header::COOKIE,
                "wordpress_logged_in_abc=agent%7C123; _ga=GA1.1.2",
            )
            .header(header::USER_AGENT, "Mozilla/5.0 (X11; Linux x86_64)")
            .header(header::ORIGIN, "https://shop.example")
            .header(header::SEC_WEBSOCKET_KEY, "dGhlIHNhbXBsZSBub25jZQ==")
            .header(header::UPGRADE, "websocket")
            .header("x-bkx-signature", "t=1,v1=ab")
            .body(axum::body::Body::empty())
            .expect("a valid request")
    }

    fn names(req: &Request) -> Vec<&str> {
        let mut n: Vec<&str> = req.headers().keys().map(HeaderName::as_str).collect();
        n.sort_unstable();
        n
    }

    #[tokio::test]
    async fn a_socket_io_request_keeps_only_what_the_engine_and_cors_read() {
        for path in ["/socket.io/?EIO=4&transport=websocket", "/socket.io"] {
            let req = own_head(request(path)).await;
            assert_eq!(
                names(&req),
                ["origin", "sec-websocket-key", "upgrade"],
                "{path}"
            );
            assert_eq!(req.headers()[header::ORIGIN], "https://shop.example");
            assert_eq!(req.uri().query(), path.split_once('?').map(|(_, q)| q));
        }
    }

    #[tokio::test]
    async fn other_routes_keep_every_header() {
        for path in ["/internal/notify", "/socket.iox/", "/healthz"] {
            let req = own_head(request(path)).await;
            assert_eq!(
                names(&req),
                [
                    "cookie",
                    "origin",
                    "sec-websocket-key",
                    "upgrade",
                    "user-agent",
                    "x-bkx-signature"
                ],
                "{path}"
            );
        }
    }
}
