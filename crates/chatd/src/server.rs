//! Builds the HTTP + Socket.IO server: the `/chat` namespace on a local or Redis adapter,
//! the plain HTTP routes, CORS, and graceful shutdown.

use axum::http::HeaderValue;
use socketioxide::handler::ConnectHandler;
use socketioxide::SocketIo;
use socketioxide_redis::{RedisAdapter, RedisAdapterConfig, RedisAdapterCtr};
use tower_http::cors::{AllowOrigin, Any, CorsLayer};

use crate::auth::authenticate;
use crate::config::Config;
use crate::events::on_connect;
use crate::head;
use crate::http;
use crate::relay;
use crate::session;
use crate::state::App;

/// The namespace of the chat protocol.
pub const NAMESPACE: &str = "/chat";

fn cors(cfg: &Config) -> CorsLayer {
    let origins: Vec<HeaderValue> = cfg
        .cors_origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    let layer = CorsLayer::new().allow_methods(Any).allow_headers(Any);
    if origins.is_empty() {
        layer.allow_origin(Any)
    } else {
        layer.allow_origin(AllowOrigin::list(origins))
    }
}

/// Websocket read chunk per socket, in bytes: chat events are small, and a larger frame is
/// read in several chunks. 1 KiB → 256 B saved ~0.6 KiB per idle socket (measured at 10 000).
const WS_READ_BUFFER: usize = 256;

/// Packets one socket may have waiting to be written (socketioxide's default is 128).
const OUTGOING_QUEUE: usize = 1024;

/// Redis 7's RESP3 is what the adapter's driver speaks.
fn resp3(url: &str) -> String {
    if url.contains("protocol=") {
        url.to_owned()
    } else if url.contains('?') {
        format!("{url}&protocol=resp3")
    } else {
        format!("{url}?protocol=resp3")
    }
}

/// Serves until `shutdown` resolves.
pub async fn serve(
    cfg: &Config,
    app: App,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), String> {
    // Engine-level cap, for both transports: a request or websocket message above it closes
    // the connection unread. Events between `limits.max_event_bytes` and the cap are read and
    // answered with a payload_too_large ack. (Without the websocket cap, socketioxide would
    // buffer websocket messages of up to 64 MiB.)
    let engine_cap = cfg.limits.max_event_bytes.saturating_mul(4);
    let builder = SocketIo::builder()
        .with_state(app.clone())
        .req_path(head::SOCKET_IO_PATH)
        .max_payload(engine_cap as u64)
        .ws_max_message_size(engine_cap)
        .ws_max_frame_size(engine_cap)
        // Idle sockets dominate a chat server's memory: a small websocket read buffer
        // (grown on demand for larger frames) instead of tungstenite's 128 KiB default.
        .ws_read_buffer_size(WS_READ_BUFFER)
        // Packets waiting to be written to one socket. A client that fires a few hundred
        // events in one burst gets its refusals (`rate_limited`) as acks, not dropped
        // answers; the queue grows only while it holds packets, so idle sockets pay nothing.
        .max_buffer_size(OUTGOING_QUEUE);
    let routes = http::router(app.clone());
    let router = match &cfg.redis_url {
        None => {
            let (layer, io) = builder.build_layer();
            io.ns(NAMESPACE, on_connect.with(authenticate));
            tokio::spawn(session::sweep(app.clone(), io.clone()));
            routes.merge(relay::router(app.clone(), io)).layer(layer)
        }
        Some(url) => {
            let client = redis::Client::open(resp3(url)).map_err(|e| format!("redis_url: {e}"))?;
            // Channels named after the site, so sites sharing a Redis server stay apart.
            let prefix = cfg.redis_channel_prefix();
            let ctr = RedisAdapterCtr::new_with_redis_config(
                &client,
                RedisAdapterConfig::new().with_prefix(prefix.clone()),
            )
            .await
            .map_err(|e| format!("cannot reach Redis at {url}: {e}"))?;
            let (layer, io) = builder.with_adapter::<RedisAdapter<_>>(ctr).build_layer();
            io.ns(NAMESPACE, on_connect.with(authenticate))
                .await
                .map_err(|e| format!("cannot start the Redis adapter: {e}"))?;
            tracing::info!(channels = %prefix, "sharing rooms through Redis");
            tokio::spawn(session::sweep(app.clone(), io.clone()));
            routes.merge(relay::router(app.clone(), io)).layer(layer)
        }
    };
    let router = router
        .layer(cors(cfg))
        .layer(axum::middleware::map_request(head::own_head));
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(|e| format!("server error: {e}"))
}
