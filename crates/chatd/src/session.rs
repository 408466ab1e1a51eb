//! Token expiry of open sockets: a socket outlives the token it connected with only by the
//! same leeway the connect check grants. When that passes, the daemon emits
//! `session:expired` (so the client fetches a fresh token from `/chat/token` and reconnects)
//! and then disconnects the socket. Without this, a revoked visitor or a demoted agent would
//! keep a live socket for as long as it stays connected.
//!
//! One min-heap of (expiry, socket id) and one sweeping task for the whole daemon, rather
//! than a timer task per socket: idle sockets are most of a chat server's memory.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::atomic::Ordering;
use std::sync::Mutex;
use std::time::Duration;

use serde_json::json;
use socketioxide::adapter::Adapter;
use socketioxide::socket::Sid;
use socketioxide::SocketIo;

use crate::auth::now;
use crate::server::NAMESPACE;
use crate::state::App;

/// The clock leeway of token verification (`bkx_core::token`): a token is accepted until
/// `exp` + this, so a socket is closed then too.
pub const LEEWAY_SECS: i64 = 30;

/// How often due sockets are looked for.
const SWEEP_EVERY: Duration = Duration::from_secs(1);

/// The event a client receives just before the daemon closes its socket for an expired token.
pub const EXPIRED_EVENT: &str = "session:expired";

/// Sockets by the time their token stops being accepted (Unix seconds).
#[derive(Default)]
pub struct Expiries {
    heap: Mutex<BinaryHeap<Reverse<(i64, Sid)>>>,
}

impl Expiries {
    /// Registers a freshly authenticated socket whose token expires at `exp`.
    pub fn track(&self, exp: i64, sid: Sid) {
        let mut h = self.heap.lock().unwrap_or_else(|p| p.into_inner());
        h.push(Reverse((exp.saturating_add(LEEWAY_SECS), sid)));
    }

    /// Removes and returns the sockets due at `now` (with their token's `exp`).
    fn due(&self, now: i64) -> Vec<(i64, Sid)> {
        let mut h = self.heap.lock().unwrap_or_else(|p| p.into_inner());
        let mut out = Vec::new();
        while let Some(Reverse((at, _))) = h.peek() {
            if *at > now {
                break;
            }
            if let Some(Reverse((at, sid))) = h.pop() {
                out.push((at - LEEWAY_SECS, sid));
            }
        }
        out
    }
}

/// Runs for the daemon's life: emits `session:expired` to, then disconnects, every socket
/// whose token has expired (sockets already gone are skipped).
pub async fn sweep<A: Adapter>(app: App, io: SocketIo<A>) {
    let mut tick = tokio::time::interval(SWEEP_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let due = app.expiries.due(now());
        if due.is_empty() {
            continue;
        }
        let Some(ns) = io.of(NAMESPACE) else { continue };
        for (exp, sid) in due {
            let Some(s) = ns.get_socket(sid) else {
                continue;
            };
            app.metrics
                .sessions_expired_total
                .fetch_add(1, Ordering::Relaxed);
            let _ = s.emit(
                EXPIRED_EVENT,
                &json!({ "reason": "token_expired", "expired_at": exp }),
            );
            // Let the event leave before the close frame (same writer queue, so order holds).
            if let Err(e) = s.disconnect() {
                tracing::debug!(%sid, "expired socket already gone: {e}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_sockets_come_out_in_expiry_order_after_the_leeway() {
        let e = Expiries::default();
        let (a, b) = (Sid::new(), Sid::new());
        e.track(200, a);
        e.track(100, b);
        assert!(e.due(100 + LEEWAY_SECS - 1).is_empty(), "leeway honoured");
        assert_eq!(e.due(200 + LEEWAY_SECS), vec![(100, b), (200, a)]);
        assert!(e.due(i64::MAX).is_empty());
    }
}
