//! State shared by every connection of one daemon.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use bkx_core::chat::ChatService;

use crate::config::Limits;
use crate::limits::{Bucket, IdentityBuckets};
use crate::metrics::Metrics;

/// Agent statuses of the protocol.
pub const AGENT_STATUSES: &[&str] = &["online", "away", "offline"];

/// Who is online on this node: agent user id → (status, open connections).
#[derive(Default)]
pub struct Presence {
    agents: Mutex<HashMap<u64, (String, usize)>>,
}

impl Presence {
    /// An agent connection opened; returns the agent's status.
    pub fn connect(&self, agent: u64) -> String {
        let mut m = self.agents.lock().unwrap_or_else(|p| p.into_inner());
        let e = m.entry(agent).or_insert_with(|| ("online".into(), 0));
        e.1 += 1;
        e.0.clone()
    }

    /// An agent connection closed; true when it was the agent's last one.
    pub fn disconnect(&self, agent: u64) -> bool {
        let mut m = self.agents.lock().unwrap_or_else(|p| p.into_inner());
        match m.get_mut(&agent) {
            Some(e) if e.1 > 1 => {
                e.1 -= 1;
                false
            }
            Some(_) => {
                m.remove(&agent);
                true
            }
            None => false,
        }
    }

    /// Sets an agent's status.
    pub fn set(&self, agent: u64, status: &str) {
        let mut m = self.agents.lock().unwrap_or_else(|p| p.into_inner());
        m.entry(agent).or_insert_with(|| (String::new(), 1)).0 = status.to_owned();
    }

    /// Agents currently `online` on this node.
    pub fn online(&self) -> usize {
        let m = self.agents.lock().unwrap_or_else(|p| p.into_inner());
        m.values().filter(|(s, _)| s == "online").count()
    }
}

/// Everything handlers need.
pub struct Shared {
    pub chat: ChatService,
    pub schema_version: u32,
    /// The site's REST root, for the download URL of file messages.
    pub rest_url: Option<String>,
    pub secret: Vec<u8>,
    pub limits: Limits,
    pub metrics: Metrics,
    pub identities: IdentityBuckets,
    pub presence: Presence,
    /// Last typing event forwarded per (socket, conversation), for throttling.
    pub typing: Mutex<HashMap<(String, u64), Instant>>,
    /// Orders each conversation's emits (`message:new` in id order).
    pub order: crate::order::Sequencer,
    /// The group-commit queue of `message:send`.
    pub sends: crate::batch::Sends,
    /// When each open socket's token expires.
    pub expiries: crate::session::Expiries,
}

/// Cheap handle on the shared state (socketioxide clones state into handlers).
#[derive(Clone)]
pub struct App(pub Arc<Shared>);

impl std::ops::Deref for App {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// Per-connection buckets (kept in the socket's extensions).
#[derive(Clone)]
pub struct ConnBuckets {
    pub messages: Arc<Mutex<Bucket>>,
    pub events: Arc<Mutex<Bucket>>,
}

impl ConnBuckets {
    /// Fresh buckets for a new connection.
    pub fn new(l: &Limits) -> ConnBuckets {
        ConnBuckets {
            messages: Arc::new(Mutex::new(Bucket::new(
                l.messages_per_connection.burst,
                l.messages_per_connection.per_sec,
            ))),
            events: Arc::new(Mutex::new(Bucket::new(
                l.events_per_connection.burst,
                l.events_per_connection.per_sec,
            ))),
        }
    }
}
