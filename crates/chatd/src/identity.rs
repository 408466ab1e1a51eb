//! Who is on the other end of a socket, as proven by the token WordPress signed.

use bkx_core::model::Conversation;
use bkx_core::token::{Claims, Role, Subject};

/// The verified identity of a connection (kept in the socket's extensions).
#[derive(Debug, Clone)]
pub struct Identity {
    pub sub: String,
    pub role: Role,
    pub name: Option<String>,
    pub subject: Subject,
    /// Extra conversations the token lets this holder join.
    pub conversations: Vec<u64>,
}

impl Identity {
    /// From verified claims.
    pub fn from_claims(c: Claims) -> Option<Identity> {
        let subject = c.subject().ok()?;
        Some(Identity {
            sub: c.sub,
            role: c.role,
            name: c.name,
            subject,
            conversations: c.conversations,
        })
    }

    /// Agents, managers and admins handle conversations.
    pub fn is_staff(&self) -> bool {
        self.role.is_staff()
    }

    /// The `sender_type` of messages this identity writes.
    pub fn sender_type(&self) -> &'static str {
        if self.is_staff() {
            "agent"
        } else {
            "customer"
        }
    }

    /// The WordPress user id, for logged-in identities.
    pub fn user_id(&self) -> Option<u64> {
        match self.subject {
            Subject::User(u) => Some(u),
            Subject::Visitor(_) => None,
        }
    }

    /// The guest visitor id, for guests.
    pub fn visitor_id(&self) -> Option<&str> {
        match &self.subject {
            Subject::Visitor(v) => Some(v),
            Subject::User(_) => None,
        }
    }

    /// Staff see every conversation; customers only their own (or those the token names).
    pub fn can_access(&self, c: &Conversation) -> bool {
        if self.is_staff() || self.conversations.contains(&c.id) {
            return true;
        }
        match &self.subject {
            Subject::Visitor(v) => c.visitor_id.as_deref() == Some(v.as_str()),
            Subject::User(u) => c.customer_id == Some(*u),
        }
    }
}

/// Room names, in one place so every emitter agrees.
pub mod rooms {
    /// Everyone in a conversation.
    pub fn conversation(id: u64) -> String {
        format!("conv:{id}")
    }
    /// Every staff connection: the queue and inbox updates.
    pub const STAFF: &str = "staff";
    /// One agent's connections (assignment and transfer notices).
    pub fn agent(user_id: u64) -> String {
        format!("agent:{user_id}")
    }
}
