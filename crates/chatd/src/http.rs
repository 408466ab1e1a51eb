//! Plain HTTP routes beside the chat: health for supervisors and balancers, Prometheus
//! metrics, and a presence summary the widget uses to choose between chat and offline form.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use crate::state::App;

/// The router of the plain HTTP routes.
pub fn router(app: App) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/presence", get(presence))
        .with_state(app)
}

/// 200 when the database answers, 503 otherwise (so a balancer stops sending clients).
async fn healthz(State(app): State<App>) -> impl IntoResponse {
    match app.chat.store().ping().await {
        Ok(()) => (
            StatusCode::OK,
            Json(json!({
                "status": "ok",
                "version": env!("CARGO_PKG_VERSION"),
                "schema_version": app.schema_version,
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

async fn metrics(State(app): State<App>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        app.metrics.render(),
    )
}

async fn presence(State(app): State<App>) -> impl IntoResponse {
    Json(json!({ "agents_online": app.presence.online() }))
}
