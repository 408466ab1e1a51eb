//! Copies each request's head (URI and headers) into owned, right-sized buffers before the
//! Socket.IO layer sees it.
//!
//! Why: hyper parses the head as slices of its connection read buffer (16 KiB). engine.io
//! keeps the upgrade request's `Parts` for the socket's whole life (handlers can read the
//! handshake headers), so without this copy every idle websocket pins that whole buffer —
//! about a third of chatd's memory per idle connection. The copy costs a few hundred bytes
//! once per request.

use axum::extract::Request;
use axum::http::header::{HeaderMap, HeaderName, HeaderValue};
use axum::http::Uri;

/// The `axum::middleware::map_request` function doing the copy.
pub async fn own_head(req: Request) -> Request {
    let (mut parts, body) = req.into_parts();
    let mut headers = HeaderMap::with_capacity(parts.headers.len());
    for (name, value) in parts.headers.iter() {
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
