//! The connect middleware: a connection is accepted only with a valid token.

use std::fmt;

use bkx_core::token;
use serde_json::Value;
use socketioxide::adapter::Adapter;
use socketioxide::extract::{SocketRef, State, TryData};

use crate::identity::Identity;
use crate::state::{App, ConnBuckets};

/// Why a connection was refused. The text is what the client sees as `err.message`:
/// the stable code first, so clients can match on it.
#[derive(Debug)]
pub struct Refused(pub String);

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Unix seconds (the clock tokens are checked against).
pub(crate) fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Verifies `auth.token` and stores the identity and flood buckets on the socket.
pub async fn authenticate<A: Adapter>(
    s: SocketRef<A>,
    State(app): State<App>,
    TryData(auth): TryData<Value>,
) -> Result<(), Refused> {
    let token = auth
        .ok()
        .as_ref()
        .and_then(|a| a.get("token"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let refuse = |why: &str| {
        app.metrics
            .auth_failures_total
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Refused(format!("unauthenticated: {why}"))
    };
    let Some(token) = token else {
        return Err(refuse("auth.token is required"));
    };
    let claims = token::verify(&token, &app.secret, now()).map_err(|e| refuse(&e.message))?;
    app.expiries.track(claims.exp, s.id);
    let id = Identity::from_claims(claims).ok_or_else(|| refuse("bad subject"))?;
    s.extensions.insert(ConnBuckets::new(&app.limits));
    if let Some((_, status)) = crate::events::prepare(&s, &app, &id) {
        s.extensions.insert(crate::events::Announce(status));
    }
    s.extensions.insert(id);
    Ok(())
}
