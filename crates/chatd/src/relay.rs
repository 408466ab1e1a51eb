//! `POST /internal/notify`: writes made by WordPress (vendor webhooks, REST messages, booking
//! cards) reach the live sockets.
//!
//! PHP cannot hold a socket, so after a commit the extension posts a signed notice naming the
//! rows that changed (`bkx_core::relay`). This handler checks the signature, re-reads every
//! row from the database — the notice carries ids, never content — and emits the protocol's
//! usual events, in each conversation's emit order. With the Redis adapter, the emit reaches
//! clients on every node, so any node may receive the notice.

use std::sync::atomic::Ordering;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use bkx_core::relay::{self, RelayEvent};
use bkx_core::{Error, ErrorCode};
use serde_json::json;
use socketioxide::adapter::Adapter;
use socketioxide::SocketIo;

use crate::identity::rooms;
use crate::server::NAMESPACE;
use crate::state::App;

/// Largest notice body accepted (100 events are far below it).
const MAX_NOTICE_BYTES: usize = 16 * 1024;

/// The route, sharing the Socket.IO handle it emits through.
pub fn router<A: Adapter>(app: App, io: SocketIo<A>) -> Router {
    Router::new()
        .route("/internal/notify", post(notify::<A>))
        .layer(DefaultBodyLimit::max(MAX_NOTICE_BYTES))
        .with_state((app, io))
}

/// WordPress's REST error shape, so hosts see the same errors everywhere.
fn refuse(e: &Error) -> Response {
    let status = StatusCode::from_u16(e.code.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
    let mut data = e.details.clone();
    data.insert("status".into(), status.as_u16().into());
    (
        status,
        Json(json!({ "code": e.code.as_str(), "message": e.message, "data": data })),
    )
        .into_response()
}

async fn notify<A: Adapter>(
    State((app, io)): State<(App, SocketIo<A>)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let sig = headers
        .get(relay::SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok());
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    if let Err(e) = relay::verify(&app.secret, sig, &body, now) {
        tracing::warn!(reason = ?e.details.get("reason"), "refused a relay notice");
        return refuse(&e);
    }
    let events = match relay::decode(&body) {
        Ok(ev) => ev,
        Err(e) => return refuse(&e),
    };
    let mut emitted = 0usize;
    for ev in &events {
        match emit(&app, &io, ev).await {
            Ok(true) => emitted += 1,
            Ok(false) => {}
            Err(e) if e.code == ErrorCode::StorageError => {
                app.metrics.db_errors_total.fetch_add(1, Ordering::Relaxed);
                return refuse(&e);
            }
            // A row that vanished or does not match its conversation: skip it, emit the rest.
            Err(e) => tracing::debug!("relay event skipped: {}", e.message),
        }
    }
    (
        StatusCode::ACCEPTED,
        Json(json!({ "ok": true, "data": { "events": events.len(), "emitted": emitted } })),
    )
        .into_response()
}

/// Emits one event; `Ok(false)` when there was nothing to emit.
async fn emit<A: Adapter>(app: &App, io: &SocketIo<A>, ev: &RelayEvent) -> Result<bool, Error> {
    let Some(ns) = io.of(NAMESPACE) else {
        return Ok(false);
    };
    let (conversation_id, event, data, staff_only) = match ev {
        RelayEvent::MessageNew {
            conversation_id,
            message_id,
        } => {
            let m = app.chat.get_message(*message_id).await?;
            if m.conversation_id != *conversation_id {
                return Err(Error::not_found("message", *message_id));
            }
            app.metrics.messages_total.fetch_add(1, Ordering::Relaxed);
            (
                *conversation_id,
                "message:new",
                json!({ "message": m.to_json() }),
                false,
            )
        }
        RelayEvent::ConversationUpdated { conversation_id } => {
            let c = app.chat.get_conversation(*conversation_id).await?;
            (
                *conversation_id,
                "conversation:updated",
                json!({ "conversation": c.to_json() }),
                false,
            )
        }
        RelayEvent::ConversationQueued { conversation_id } => {
            let c = app.chat.get_conversation(*conversation_id).await?;
            if c.status != "waiting" {
                return Ok(false);
            }
            (
                *conversation_id,
                "conversation:queued",
                json!({ "conversation": c.to_json() }),
                true,
            )
        }
    };
    // In the conversation's emit order, like messages sent over sockets.
    let turn = app.order.turn(conversation_id);
    turn.ready().await;
    let targets: Vec<String> = if staff_only {
        vec![rooms::STAFF.to_owned()]
    } else {
        vec![
            rooms::conversation(conversation_id),
            rooms::STAFF.to_owned(),
        ]
    };
    if let Err(e) = ns.to(targets).emit(event, &data).await {
        tracing::warn!("relay emit of {event} failed: {e}");
        return Ok(false);
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_use_the_rest_error_shape() {
        let e = Error::new(ErrorCode::SignatureInvalid, "no").with("reason", "mismatch");
        let r = refuse(&e);
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
}
