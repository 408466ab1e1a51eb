//! The records of the unified conversation store, as every platform shares them.
//!
//! Field names are the table columns of the spec, so PHP arrays, REST JSON and Socket.IO
//! payloads all speak the same vocabulary. Times are RFC 3339 UTC strings.

use chrono::{DateTime, NaiveDateTime, SecondsFormat, Utc};
use serde_json::{json, Map, Value};

/// Who wrote a message.
pub const SENDER_TYPES: &[&str] = &["customer", "agent", "system"];

/// Kinds of messages: plain text, files, system notes and the booking cards.
pub const MESSAGE_TYPES: &[&str] = &[
    "text",
    "file",
    "system",
    "booking_slots",
    "quote",
    "booking_link",
    "booking",
];

/// Conversation states: waiting for an agent, handled by one, finished.
pub const STATUSES: &[&str] = &["waiting", "active", "closed"];

/// The platforms whose conversations land in the store.
pub const PLATFORMS: &[&str] = &["custom", "intercom", "zendesk", "livechat", "drift", "tawk"];

/// Formats a stored (UTC) time as RFC 3339.
pub fn rfc3339(t: NaiveDateTime) -> String {
    DateTime::<Utc>::from_naive_utc_and_offset(t, Utc).to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn opt_time(t: Option<NaiveDateTime>) -> Value {
    t.map_or(Value::Null, |t| Value::String(rfc3339(t)))
}

/// Now, truncated to the second (the precision of a DATETIME column).
pub fn now() -> NaiveDateTime {
    let n = Utc::now().naive_utc();
    n - chrono::Duration::nanoseconds(i64::from(n.and_utc().timestamp_subsec_nanos()))
}

/// A conversation row.
#[derive(Debug, Clone, PartialEq)]
pub struct Conversation {
    pub id: u64,
    pub platform: String,
    pub platform_conversation_id: Option<String>,
    pub customer_id: Option<u64>,
    pub visitor_id: Option<String>,
    pub assigned_agent_id: Option<u64>,
    pub status: String,
    pub rating: Option<i64>,
    pub rating_comment: Option<String>,
    pub first_response_time: Option<i64>,
    pub resolution_time: Option<i64>,
    pub message_count: i64,
    pub booking_id: Option<u64>,
    pub tags: Vec<String>,
    pub metadata: Map<String, Value>,
    pub started_at: NaiveDateTime,
    pub ended_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Conversation {
    /// The public array/JSON shape.
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "platform": self.platform,
            "platform_conversation_id": self.platform_conversation_id,
            "customer_id": self.customer_id,
            "visitor_id": self.visitor_id,
            "assigned_agent_id": self.assigned_agent_id,
            "status": self.status,
            "rating": self.rating,
            "rating_comment": self.rating_comment,
            "first_response_time": self.first_response_time,
            "resolution_time": self.resolution_time,
            "message_count": self.message_count,
            "booking_id": self.booking_id,
            "tags": self.tags,
            "metadata": self.metadata,
            "started_at": rfc3339(self.started_at),
            "ended_at": opt_time(self.ended_at),
            "created_at": rfc3339(self.created_at),
            "updated_at": rfc3339(self.updated_at),
        })
    }
}

/// A message row.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub id: u64,
    pub conversation_id: u64,
    pub client_id: Option<String>,
    pub platform_message_id: Option<String>,
    pub sender_type: String,
    pub sender_id: Option<u64>,
    pub sender_name: Option<String>,
    /// Sanitised HTML (column `message`).
    pub body: String,
    pub message_type: String,
    pub attachment_url: Option<String>,
    /// The uploaded file this message carries (a `file` message), if any.
    pub attachment: Option<AttachmentRef>,
    pub is_read: bool,
    pub read_at: Option<NaiveDateTime>,
    pub metadata: Map<String, Value>,
    pub sent_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
}

impl Message {
    /// The public array/JSON shape (the daemon protocol's `message`, plus the table columns).
    ///
    /// `attachment` is `{id, name, mime, size, url}` for an uploaded file (`url` is the
    /// stored `attachment_url`, computed by the caller that sent the message), `{url}` for a
    /// bare link (vendor platforms), else null.
    pub fn to_json(&self) -> Value {
        let attachment = match (&self.attachment, &self.attachment_url) {
            (Some(a), url) => json!({
                "id": a.id,
                "name": a.name,
                "mime": a.mime,
                "size": a.size,
                "url": url,
            }),
            (None, Some(u)) => json!({ "url": u }),
            (None, None) => Value::Null,
        };
        json!({
            "id": self.id,
            "conversation_id": self.conversation_id,
            "client_id": self.client_id,
            "platform_message_id": self.platform_message_id,
            "sender_type": self.sender_type,
            "sender_id": self.sender_id,
            "sender_name": self.sender_name,
            "body": self.body,
            "message": self.body,
            "message_type": self.message_type,
            "attachment_url": self.attachment_url,
            "attachment": attachment,
            "is_read": self.is_read,
            "read_at": opt_time(self.read_at),
            "metadata": self.metadata,
            "sent_at": rfc3339(self.sent_at),
            "created_at": rfc3339(self.created_at),
        })
    }
}

/// The summary of an uploaded file that a message shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentRef {
    pub id: u64,
    pub name: String,
    pub mime: String,
    pub size: u64,
}

/// The values `scan_status` records (an infected file is never stored).
pub const SCAN_STATUSES: &[&str] = &["clean", "skipped"];

/// An uploaded file (row of `{prefix}bkx_chat_attachments`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub id: u64,
    pub conversation_id: u64,
    /// The message that carries it; null until one is sent.
    pub message_id: Option<u64>,
    /// The random file name in the private store (32 hex digits). Server side only.
    pub storage_name: String,
    /// Display name (plain text, never a path).
    pub original_name: String,
    /// The MIME type sniffed from the content.
    pub mime: String,
    pub size: u64,
    pub sha256: String,
    /// `clean` (scanned) or `skipped` (no scanner was available).
    pub scan_status: String,
    pub uploader_type: String,
    pub uploader_id: Option<u64>,
    pub visitor_id: Option<String>,
    pub created_at: NaiveDateTime,
}

impl Attachment {
    /// The array/JSON shape of the extension (`storage_name` included: the PHP caller stores
    /// and serves the bytes; REST answers leave it out).
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "conversation_id": self.conversation_id,
            "message_id": self.message_id,
            "name": self.original_name,
            "mime": self.mime,
            "size": self.size,
            "sha256": self.sha256,
            "scan_status": self.scan_status,
            "uploader_type": self.uploader_type,
            "uploader_id": self.uploader_id,
            "visitor_id": self.visitor_id,
            "storage_name": self.storage_name,
            "created_at": rfc3339(self.created_at),
        })
    }
}

/// The result of marking messages read.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadMark {
    pub conversation_id: u64,
    pub reader_type: String,
    pub up_to_id: u64,
    pub read_at: NaiveDateTime,
    pub updated: u64,
}

impl ReadMark {
    /// The public array/JSON shape.
    pub fn to_json(&self) -> Value {
        json!({
            "conversation_id": self.conversation_id,
            "reader_type": self.reader_type,
            "up_to_id": self.up_to_id,
            "read_at": rfc3339(self.read_at),
            "updated": self.updated,
        })
    }
}

/// Formats a unix timestamp as RFC 3339 UTC.
pub fn rfc3339_from_timestamp(ts: i64) -> String {
    DateTime::<Utc>::from_timestamp(ts, 0)
        .map(|d| d.to_rfc3339_opts(SecondsFormat::Secs, true))
        .unwrap_or_default()
}
