//! Plain HTTP routes beside the chat: health for load balancers and process supervisors.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use bkx_core::store::Store;
use serde_json::json;

/// Shared state of the HTTP routes.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub schema_version: u32,
}

/// The router of the plain HTTP routes.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .with_state(state)
}

/// 200 when the database answers, 503 otherwise (so a balancer stops sending clients).
async fn healthz(State(s): State<AppState>) -> impl IntoResponse {
    match s.store.ping().await {
        Ok(()) => (
            StatusCode::OK,
            Json(json!({
                "status": "ok",
                "version": env!("CARGO_PKG_VERSION"),
                "schema_version": s.schema_version,
                "database": "ok",
            })),
        ),
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({
                "status": "unavailable",
                "version": env!("CARGO_PKG_VERSION"),
                "database": e.message,
            })),
        ),
    }
}
