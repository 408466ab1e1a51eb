//! Flood control: token buckets per connection and per identity.
//!
//! One visitor may open many tabs (connections), and one connection may be abused by a
//! script; so a send must fit both the connection's bucket and the identity's. Buckets refill
//! continuously; a refused event is answered with `rate_limited` and costs nothing else.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

/// A classic token bucket.
#[derive(Debug, Clone)]
pub struct Bucket {
    capacity: f64,
    refill_per_sec: f64,
    tokens: f64,
    last: Instant,
}

impl Bucket {
    /// A full bucket.
    pub fn new(capacity: u32, refill_per_sec: f64) -> Bucket {
        Bucket {
            capacity: f64::from(capacity),
            refill_per_sec,
            tokens: f64::from(capacity),
            last: Instant::now(),
        }
    }

    /// Takes one token if there is one.
    pub fn try_take(&mut self, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.last = now;
        self.tokens = (self.tokens + elapsed * self.refill_per_sec).min(self.capacity);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// Limits of one kind of event.
#[derive(Debug, Clone, Copy, serde::Deserialize)]
pub struct Rate {
    /// Burst size.
    pub burst: u32,
    /// Sustained events per second.
    pub per_sec: f64,
}

/// Buckets keyed by identity (`sub`), shared by all of that identity's connections.
#[derive(Default)]
pub struct IdentityBuckets {
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl IdentityBuckets {
    /// Takes a token from `sub`'s bucket.
    pub fn try_take(&self, sub: &str, rate: Rate) -> bool {
        let mut map = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        // Bound memory: forget full buckets of idle identities now and then.
        if map.len() > 50_000 {
            map.clear();
        }
        map.entry(sub.to_owned())
            .or_insert_with(|| Bucket::new(rate.burst, rate.per_sec))
            .try_take(Instant::now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn bursts_then_refills() {
        let t0 = Instant::now();
        let mut b = Bucket::new(3, 2.0);
        assert!(b.try_take(t0) && b.try_take(t0) && b.try_take(t0));
        assert!(!b.try_take(t0));
        assert!(b.try_take(t0 + Duration::from_millis(600)));
        assert!(!b.try_take(t0 + Duration::from_millis(600)));
    }

    #[test]
    fn identities_are_independent() {
        let ids = IdentityBuckets::default();
        let r = Rate {
            burst: 1,
            per_sec: 0.001,
        };
        assert!(ids.try_take("v:a", r));
        assert!(!ids.try_take("v:a", r));
        assert!(ids.try_take("v:b", r));
    }
}
