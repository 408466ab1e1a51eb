//! Prometheus metrics, in the text exposition format, without a metrics framework: a few
//! atomics are all the daemon needs, and they cost nothing on the hot path.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds (seconds) of the ack-latency histogram buckets.
const BUCKETS: [f64; 10] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0];

/// The daemon's counters.
#[derive(Default)]
pub struct Metrics {
    pub connections: AtomicI64,
    pub connections_total: AtomicU64,
    pub auth_failures_total: AtomicU64,
    pub messages_total: AtomicU64,
    pub duplicate_messages_total: AtomicU64,
    pub rate_limited_total: AtomicU64,
    pub db_errors_total: AtomicU64,
    /// Group-commit transactions of `message:send` and the sends they carried.
    batches_total: AtomicU64,
    batched_sends_total: AtomicU64,
    /// Sockets disconnected because their token expired.
    pub sessions_expired_total: AtomicU64,
    ack_buckets: [AtomicU64; 10],
    ack_count: AtomicU64,
    ack_sum_micros: AtomicU64,
}

impl Metrics {
    /// Records the time from receiving `message:send` to acknowledging it.
    pub fn observe_ack(&self, d: Duration) {
        let s = d.as_secs_f64();
        for (i, b) in BUCKETS.iter().enumerate() {
            if s <= *b {
                self.ack_buckets[i].fetch_add(1, Ordering::Relaxed);
            }
        }
        self.ack_count.fetch_add(1, Ordering::Relaxed);
        self.ack_sum_micros.fetch_add(
            d.as_micros().min(u128::from(u64::MAX)) as u64,
            Ordering::Relaxed,
        );
    }

    /// Records one group-commit transaction of `n` sends.
    pub fn observe_batch(&self, n: usize) {
        self.batches_total.fetch_add(1, Ordering::Relaxed);
        self.batched_sends_total
            .fetch_add(n as u64, Ordering::Relaxed);
    }

    /// The exposition text.
    pub fn render(&self) -> String {
        let mut o = String::new();
        let g = |v: &AtomicI64| v.load(Ordering::Relaxed);
        let c = |v: &AtomicU64| v.load(Ordering::Relaxed);
        let mut line = |name: &str, kind: &str, help: &str, value: String| {
            let _ = writeln!(
                o,
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
            );
        };
        line(
            "bkx_chatd_connections",
            "gauge",
            "Open Socket.IO connections.",
            g(&self.connections).to_string(),
        );
        line(
            "bkx_chatd_connections_total",
            "counter",
            "Accepted connections.",
            c(&self.connections_total).to_string(),
        );
        line(
            "bkx_chatd_auth_failures_total",
            "counter",
            "Refused connections (bad or expired token).",
            c(&self.auth_failures_total).to_string(),
        );
        line(
            "bkx_chatd_messages_total",
            "counter",
            "Messages stored and acknowledged.",
            c(&self.messages_total).to_string(),
        );
        line(
            "bkx_chatd_send_batches_total",
            "counter",
            "Group-commit transactions of message:send (sends per batch = sends / batches).",
            c(&self.batches_total).to_string(),
        );
        line(
            "bkx_chatd_send_batch_messages_total",
            "counter",
            "message:send requests carried by group-commit transactions.",
            c(&self.batched_sends_total).to_string(),
        );
        line(
            "bkx_chatd_sessions_expired_total",
            "counter",
            "Sockets disconnected because their token expired (after session:expired).",
            c(&self.sessions_expired_total).to_string(),
        );
        line(
            "bkx_chatd_duplicate_messages_total",
            "counter",
            "Retried sends answered from the store.",
            c(&self.duplicate_messages_total).to_string(),
        );
        line(
            "bkx_chatd_rate_limited_total",
            "counter",
            "Events refused by flood control.",
            c(&self.rate_limited_total).to_string(),
        );
        line(
            "bkx_chatd_db_errors_total",
            "counter",
            "Database errors.",
            c(&self.db_errors_total).to_string(),
        );
        let _ = writeln!(
            o,
            "# HELP bkx_chatd_ack_latency_seconds Receive-to-ack latency of message:send."
        );
        let _ = writeln!(o, "# TYPE bkx_chatd_ack_latency_seconds histogram");
        for (i, b) in BUCKETS.iter().enumerate() {
            let _ = writeln!(
                o,
                "bkx_chatd_ack_latency_seconds_bucket{{le=\"{b}\"}} {}",
                c(&self.ack_buckets[i])
            );
        }
        let count = c(&self.ack_count);
        let _ = writeln!(
            o,
            "bkx_chatd_ack_latency_seconds_bucket{{le=\"+Inf\"}} {count}"
        );
        let _ = writeln!(
            o,
            "bkx_chatd_ack_latency_seconds_sum {}",
            c(&self.ack_sum_micros) as f64 / 1e6
        );
        let _ = writeln!(o, "bkx_chatd_ack_latency_seconds_count {count}");
        o
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_is_cumulative() {
        let m = Metrics::default();
        m.observe_ack(Duration::from_millis(3));
        m.observe_ack(Duration::from_millis(300));
        let t = m.render();
        assert!(t.contains("le=\"0.005\"} 1"), "{t}");
        assert!(t.contains("le=\"0.5\"} 2"), "{t}");
        assert!(t.contains("bkx_chatd_ack_latency_seconds_count 2"), "{t}");
    }
}
