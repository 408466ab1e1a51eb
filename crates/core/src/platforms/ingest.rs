//! Stores normalised vendor events in the unified conversation and message tables.
//!
//! Rules (each event is one transaction, like every write of the chat service):
//!
//! - **Redeliveries.** The vendor's event id is recorded in `{prefix}bkx_chat_webhook_events`
//!   in the same transaction as its effects; an id seen before stores nothing and answers
//!   `duplicate`.
//! - **Conversations** are found or created by `(platform, platform_conversation_id)`. A
//!   per-conversation named lock (`GET_LOCK`) serialises the deliveries of one conversation,
//!   so two events arriving together cannot both create it. A vendor conversation has no
//!   WordPress customer: the vendor's customer (id, name, e-mail) is kept in the
//!   conversation's `metadata.platform_customer`. It starts `waiting`, becomes `active` with
//!   the first human agent message or an assignment, and `closed` when the vendor ends it.
//! - **Messages** are stored once per `(conversation, platform_message_id)` (a unique key
//!   since schema v4); bodies go through the same sanitiser as native messages (vendor text
//!   is escaped first, vendor HTML is cleaned). The vendor's author id and type are kept in
//!   the message metadata. A message that sanitises to nothing (an empty or image-only body
//!   without a link) is skipped, not an error: a vendor would otherwise retry it forever.
//! - **Times** are the vendor's (`sent_at`, `started_at`, `ended_at`), so
//!   `first_response_time` (first human agent message − start) and `resolution_time`
//!   (end − start) measure the vendor conversation, not our delivery delays.
//! - A message that arrives after the conversation was closed and is newer than the close
//!   reopens it (vendors reopen conversations on a new reply). Transcripts never reopen.

use chrono::NaiveDateTime;
use mysql_async::prelude::*;
use mysql_async::{Conn, TxOpts};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use super::webhook::{self, hex_encode, BodyFormat, IncomingMessage, Participant, SenderType};
use super::{Headers, NormalizedEvent, Platform, WebhookEvent};
use crate::chat::{finish, html_escape, prepare_body, ChatService, MAX_COMMENT_CHARS};
use crate::error::{Error, ErrorCode, Result};
use crate::model::{self, Conversation};
use crate::sanitize::{self, MAX_MESSAGE_CHARS};
use crate::store::conversations::{self, NewConversation};
use crate::store::messages::{self, NewMessage};
use crate::store::{webhook_events, Store, Table};

/// How long a delivery waits for another delivery of the same conversation (vendors give up
/// after 5 s (Intercom) to 30 s (tawk.to); a lock is normally held for milliseconds).
const LOCK_WAIT_SECS: i64 = 4;

/// Most vendor participants remembered per conversation (LiveChat names them by id).
const MAX_PARTICIPANTS: usize = 50;

/// The prefix of the message ids a transcript gets (tawk.to sends none).
const TRANSCRIPT_PREFIX: &str = "transcript:";

/// What happened to a delivery (or one of its events).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IngestStatus {
    /// Something was written (a conversation, a message, a change of state).
    Stored,
    /// The event id was delivered before: nothing was written.
    Duplicate,
    /// Verified and recorded, but there was nothing to store (an event type we do not map,
    /// messages already stored...).
    Ignored,
}

impl IngestStatus {
    /// `stored`, `duplicate` or `ignored`.
    pub fn as_str(self) -> &'static str {
        match self {
            IngestStatus::Stored => "stored",
            IngestStatus::Duplicate => "duplicate",
            IngestStatus::Ignored => "ignored",
        }
    }
}

/// The outcome of one vendor event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventOutcome {
    pub event_id: String,
    pub event_type: String,
    pub status: IngestStatus,
    pub conversation_id: Option<u64>,
    pub message_ids: Vec<u64>,
}

impl EventOutcome {
    pub fn to_json(&self) -> Value {
        json!({
            "event_id": self.event_id,
            "event_type": self.event_type,
            "status": self.status.as_str(),
            "conversation_id": self.conversation_id,
            "message_ids": self.message_ids,
        })
    }
}

/// The outcome of a delivery: `stored` if any of its events stored something, `duplicate`
/// if all of them were redeliveries, else `ignored`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngestOutcome {
    pub status: IngestStatus,
    /// The first event's id (most vendors send one event per delivery).
    pub event_id: String,
    /// The conversation the delivery touched (the last one, for batches).
    pub conversation_id: Option<u64>,
    /// The messages written, in order.
    pub message_ids: Vec<u64>,
    /// Every event of the delivery (Sunshine Conversations batches several).
    pub events: Vec<EventOutcome>,
}

impl IngestOutcome {
    fn from_events(events: Vec<EventOutcome>, body: &[u8]) -> IngestOutcome {
        let status = if events.iter().any(|e| e.status == IngestStatus::Stored) {
            IngestStatus::Stored
        } else if !events.is_empty() && events.iter().all(|e| e.status == IngestStatus::Duplicate) {
            IngestStatus::Duplicate
        } else {
            IngestStatus::Ignored
        };
        IngestOutcome {
            status,
            event_id: events
                .first()
                .map_or_else(|| webhook::body_event_id(body), |e| e.event_id.clone()),
            conversation_id: events.iter().rev().find_map(|e| e.conversation_id),
            message_ids: events.iter().flat_map(|e| e.message_ids.clone()).collect(),
            events,
        }
    }

    /// `{status, event_id, conversation_id, message_ids, events: [...]}`.
    pub fn to_json(&self) -> Value {
        json!({
            "status": self.status.as_str(),
            "event_id": self.event_id,
            "conversation_id": self.conversation_id,
            "message_ids": self.message_ids,
            "events": self.events.iter().map(EventOutcome::to_json).collect::<Vec<_>>(),
        })
    }
}

/*
 * Preparation: everything that can be refused or cleaned happens before any transaction.
 */

/// A message ready for its row.
#[derive(Debug, Clone)]
struct Prepared {
    platform_message_id: String,
    kind: Option<SenderType>,
    author_id: Option<String>,
    bot: bool,
    sent_at: Option<NaiveDateTime>,
    row: NewMessage,
}

#[derive(Debug, Clone)]
enum Item {
    Started {
        customer: Option<Participant>,
        started_at: Option<NaiveDateTime>,
        participants: Vec<Participant>,
    },
    Message(Prepared),
    Closed(Option<NaiveDateTime>),
    Rated {
        rating: Option<u8>,
        comment: Option<String>,
    },
    Transferred {
        agent_ids: Vec<String>,
        group_ids: Vec<String>,
        reason: Option<String>,
    },
    Transcript {
        customer: Option<Participant>,
        messages: Vec<Prepared>,
        ended_at: Option<NaiveDateTime>,
    },
    /// A page of history fetched from the vendor's API (`import_history`): stored like
    /// live messages, except that lines without a vendor id of their own (tawk.to's
    /// `transcript:<n>`) are matched to live messages by sender and body, as transcripts are.
    History(Vec<Prepared>),
}

#[derive(Debug, Clone)]
struct PreparedEvent {
    event_id: String,
    event_type: String,
    conversation: Option<String>,
    items: Vec<Item>,
}

fn clip(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// A display string from vendor input: plain text, trimmed, at most `max` characters.
fn plain(s: &str, max: usize) -> Option<String> {
    let t = clip(sanitize::to_text(s).trim(), max);
    (!t.is_empty()).then_some(t)
}

impl IncomingMessage {
    /// The message as callers see it: the body sanitised exactly as it would be stored
    /// (vendor HTML is never handed out raw), the author, time and attachment.
    pub fn to_json(&self) -> Value {
        json!({
            "platform_message_id": self.platform_message_id,
            "sender_type": self.author.kind.map(SenderType::as_str),
            "sender_name": self.author.name,
            "sender_platform_id": self.author.id,
            "bot": self.author.bot,
            "body": vendor_body(&self.body, self.format).unwrap_or_default(),
            "message_type": self.message_type,
            "attachment_url": self.attachment_url,
            "sent_at": self.sent_at.map(|t| t.and_utc().to_rfc3339()),
        })
    }
}

/// The stored body of a vendor message, or `None` when nothing visible is left.
fn vendor_body(raw: &str, format: BodyFormat) -> Option<String> {
    let html = match format {
        BodyFormat::Html => clip(raw, MAX_MESSAGE_CHARS),
        BodyFormat::Text => html_escape(&clip(raw, MAX_MESSAGE_CHARS)),
    };
    match prepare_body(&html) {
        Ok(b) => Some(b),
        Err(e) if e.code == ErrorCode::PayloadTooLarge => {
            // Escaping or forced link attributes grew it past the limits: keep the text.
            let text = sanitize::to_text(&html);
            let mut out = String::new();
            for c in text.chars() {
                let esc = html_escape(&c.to_string());
                if out.chars().count() + esc.chars().count() > MAX_MESSAGE_CHARS - 1 {
                    out.push('…');
                    break;
                }
                out.push_str(&esc);
            }
            prepare_body(&out).ok()
        }
        Err(_) => None,
    }
}

fn prepare_message(m: &IncomingMessage) -> Option<Prepared> {
    let body = vendor_body(&m.body, m.format)?;
    let mut metadata = Map::new();
    if let Some(id) = &m.author.id {
        metadata.insert("platform_author_id".into(), clip(id, 255).into());
    }
    if let Some(t) = &m.author.vendor_type {
        metadata.insert("platform_author_type".into(), clip(t, 50).into());
    }
    if m.author.bot {
        metadata.insert("bot".into(), true.into());
    }
    let platform_message_id = match &m.platform_message_id {
        Some(id) => webhook::fit_id(id),
        // No vendor id: the content and time identify it across redeliveries.
        None => webhook::body_event_id(
            format!(
                "{:?}\u{0}{}\u{0}{:?}",
                m.author.kind,
                m.body,
                m.sent_at.map(model::rfc3339)
            )
            .as_bytes(),
        ),
    };
    let attachment_url = m
        .attachment_url
        .as_deref()
        .map(str::trim)
        .filter(|u| {
            u.chars().count() <= 500 && (u.starts_with("https://") || u.starts_with("http://"))
        })
        .map(str::to_owned);
    Some(Prepared {
        platform_message_id,
        kind: m.author.kind,
        author_id: m.author.id.clone(),
        bot: m.author.bot,
        sent_at: m.sent_at,
        row: NewMessage {
            client_id: None,
            platform_message_id: None,
            sender_type: String::new(),
            sender_id: None,
            sender_name: m.author.name.as_deref().and_then(|n| plain(n, 100)),
            body,
            message_type: m.message_type.to_owned(),
            attachment_url,
            metadata,
        },
    })
}

fn prepare_event(ev: &WebhookEvent) -> PreparedEvent {
    let mut items = Vec::new();
    for e in &ev.events {
        match e {
            NormalizedEvent::ConversationStarted {
                customer,
                started_at,
                first_message,
                participants,
            } => {
                items.push(Item::Started {
                    customer: customer.clone(),
                    started_at: *started_at,
                    participants: participants.clone(),
                });
                if let Some(m) = first_message.as_ref().and_then(prepare_message) {
                    items.push(Item::Message(m));
                }
            }
            NormalizedEvent::MessageAdded(m) => {
                if let Some(m) = prepare_message(m) {
                    items.push(Item::Message(m));
                }
            }
            NormalizedEvent::ConversationClosed { closed_at } => {
                items.push(Item::Closed(*closed_at));
            }
            NormalizedEvent::Rated {
                rating, comment, ..
            } => items.push(Item::Rated {
                rating: *rating,
                comment: comment.as_deref().and_then(|c| plain(c, MAX_COMMENT_CHARS)),
            }),
            NormalizedEvent::Transferred {
                agent_ids,
                group_ids,
                reason,
            } => items.push(Item::Transferred {
                agent_ids: agent_ids.iter().take(20).map(|i| clip(i, 255)).collect(),
                group_ids: group_ids.iter().take(20).map(|i| clip(i, 255)).collect(),
                reason: reason.as_deref().and_then(|r| plain(r, 100)),
            }),
            NormalizedEvent::Transcript {
                customer,
                messages,
                ended_at,
            } => items.push(Item::Transcript {
                customer: customer.clone(),
                messages: messages.iter().filter_map(prepare_message).collect(),
                ended_at: *ended_at,
            }),
        }
    }
    PreparedEvent {
        event_id: webhook::fit_id(&ev.event_id),
        event_type: ev.event_type.clone(),
        conversation: ev.platform_conversation_id.as_deref().map(webhook::fit_id),
        items,
    }
}

/*
 * Ingestion.
 */

fn participant_json(p: &Participant) -> Value {
    let mut m = Map::new();
    if let Some(id) = &p.id {
        m.insert("id".into(), clip(id, 255).into());
    }
    if let Some(t) = &p.vendor_type {
        m.insert("type".into(), clip(t, 50).into());
    }
    if let Some(n) = p.name.as_deref().and_then(|n| plain(n, 255)) {
        m.insert("name".into(), n.into());
    }
    if let Some(e) = p.email.as_deref().and_then(|e| plain(e, 255)) {
        m.insert("email".into(), e.into());
    }
    Value::Object(m)
}

fn remember(conv: &mut Conversation, customer: Option<&Participant>, participants: &[Participant]) {
    if let Some(c) = customer {
        let v = participant_json(c);
        let known = conv.metadata.get("platform_customer");
        // Fill in, never wipe: a later event may name the customer less completely.
        let merged = match known {
            Some(Value::Object(old)) => {
                let mut m = old.clone();
                if let Value::Object(new) = v {
                    m.extend(new);
                }
                Value::Object(m)
            }
            _ => v,
        };
        if merged.as_object().is_some_and(|m| !m.is_empty()) {
            conv.metadata.insert("platform_customer".into(), merged);
        }
    }
    if !participants.is_empty() {
        let mut map = match conv.metadata.get("platform_participants") {
            Some(Value::Object(m)) => m.clone(),
            _ => Map::new(),
        };
        for p in participants {
            if let (Some(id), Some(kind)) = (&p.id, p.kind) {
                if map.len() < MAX_PARTICIPANTS || map.contains_key(id) {
                    let mut entry = Map::new();
                    entry.insert("type".into(), kind.as_str().into());
                    if let Some(n) = p.name.as_deref().and_then(|n| plain(n, 100)) {
                        entry.insert("name".into(), n.into());
                    }
                    map.insert(clip(id, 255), Value::Object(entry));
                }
            }
        }
        conv.metadata
            .insert("platform_participants".into(), Value::Object(map));
    }
}

/// A participant remembered for the conversation (`{type, name?}` by vendor id).
fn known_participant<'c>(conv: &'c Conversation, m: &Prepared) -> Option<&'c Value> {
    conv.metadata
        .get("platform_participants")?
        .get(m.author_id.as_deref()?)
}

/// Who wrote a message whose payload did not say: the participants remembered for the
/// conversation, else the shape of the id (LiveChat agents are e-mail addresses).
fn resolve_kind(conv: &Conversation, m: &Prepared) -> SenderType {
    if let Some(k) = m.kind {
        return k;
    }
    let Some(id) = &m.author_id else {
        return SenderType::Customer;
    };
    let known = known_participant(conv, m)
        .and_then(|p| p.get("type"))
        .and_then(Value::as_str);
    match known {
        Some("agent") => SenderType::Agent,
        Some("customer") => SenderType::Customer,
        Some("system") => SenderType::System,
        _ => super::livechat::guess_author_kind(id),
    }
}

/// The named lock of a vendor conversation (named locks are server-wide: the database and
/// table prefix are part of the name; MySQL allows 64 characters).
fn lock_name(store: &Store, platform: Platform, conversation: &str) -> String {
    let key = format!(
        "{}\u{0}{}\u{0}{}\u{0}{}",
        store.db_name(),
        store.table(Table::Conversations),
        platform.as_str(),
        conversation
    );
    format!(
        "bkxwh_{}",
        &hex_encode(&Sha256::digest(key.as_bytes()))[..40]
    )
}

/// Mutable state of one event's transaction.
struct Apply<'s> {
    store: &'s Store,
    at: NaiveDateTime,
    message_ids: Vec<u64>,
}

impl Apply<'_> {
    async fn message(
        &mut self,
        tx: &mut impl Queryable,
        conv: &mut Conversation,
        m: &Prepared,
        transcript: bool,
    ) -> Result<bool> {
        if messages::find_by_platform_message_id(tx, self.store, conv.id, &m.platform_message_id)
            .await?
            .is_some()
        {
            return Ok(false);
        }
        let kind = resolve_kind(conv, m);
        let sent_at = m.sent_at.unwrap_or(self.at).min(self.at);
        let mut row = m.row.clone();
        row.platform_message_id = Some(m.platform_message_id.clone());
        row.sender_type = kind.as_str().to_owned();
        if row.message_type == "text" && kind == SenderType::System {
            row.message_type = "system".into();
        }
        if row.sender_name.is_none() {
            let known = known_participant(conv, m)
                .and_then(|p| p.get("name"))
                .and_then(Value::as_str);
            let customer = conv
                .metadata
                .get("platform_customer")
                .and_then(|c| c.get("name"))
                .and_then(Value::as_str)
                .filter(|_| kind == SenderType::Customer);
            row.sender_name = known.or(customer).and_then(|n| plain(n, 100));
        }
        let id = messages::insert_sent(tx, self.store, conv.id, &row, sent_at, self.at).await?;
        self.message_ids.push(id);
        conv.message_count += 1;
        let human_agent = kind == SenderType::Agent && !m.bot;
        if human_agent && conv.first_response_time.is_none() {
            conv.first_response_time = Some((sent_at - conv.started_at).num_seconds().max(0));
        }
        if conv.status == "closed" {
            let newer = conv.ended_at.is_none_or(|e| sent_at > e);
            if !transcript && newer && kind != SenderType::System {
                let status = if conv.first_response_time.is_some() {
                    "active"
                } else {
                    "waiting"
                };
                crate::chat::set_status(conv, status, self.at);
            }
        } else if human_agent && conv.status == "waiting" {
            conv.status = "active".into();
        }
        Ok(true)
    }

    fn close(&self, conv: &mut Conversation, at: Option<NaiveDateTime>) {
        if conv.status == "closed" {
            return;
        }
        let end = at.unwrap_or(self.at).min(self.at).max(conv.started_at);
        conv.status = "closed".into();
        conv.ended_at = Some(end);
        conv.resolution_time = Some((end - conv.started_at).num_seconds().max(0));
    }

    async fn item(
        &mut self,
        tx: &mut impl Queryable,
        conv: &mut Conversation,
        item: &Item,
    ) -> Result<()> {
        match item {
            Item::Started {
                customer,
                participants,
                ..
            } => remember(conv, customer.as_ref(), participants),
            Item::Message(m) => {
                self.message(tx, conv, m, false).await?;
            }
            Item::Closed(at) => self.close(conv, *at),
            Item::History(list) => {
                let mut live =
                    messages::sender_bodies(tx, self.store, conv.id, TRANSCRIPT_PREFIX).await?;
                for m in list {
                    if m.platform_message_id.starts_with(TRANSCRIPT_PREFIX)
                        && take_repeat(&mut live, conv, m)
                    {
                        continue;
                    }
                    self.message(tx, conv, m, false).await?;
                }
            }
            Item::Rated { rating, comment } => {
                if let Some(r) = rating {
                    conv.rating = Some(i64::from(*r));
                    conv.rating_comment = comment.clone();
                } else if comment.is_some() {
                    conv.rating_comment = comment.clone();
                }
            }
            Item::Transferred {
                agent_ids,
                group_ids,
                reason,
            } => {
                conv.metadata.insert(
                    "platform_assignment".into(),
                    json!({ "agent_ids": agent_ids, "group_ids": group_ids, "reason": reason }),
                );
                if !agent_ids.is_empty() && conv.status == "waiting" {
                    conv.status = "active".into();
                }
            }
            Item::Transcript {
                customer,
                messages: list,
                ended_at,
            } => {
                remember(conv, customer.as_ref(), &[]);
                // Live events may have stored some of these messages already (without ids
                // shared with the transcript): skip a transcript line that repeats one.
                let mut live =
                    messages::sender_bodies(tx, self.store, conv.id, TRANSCRIPT_PREFIX).await?;
                for m in list {
                    if take_repeat(&mut live, conv, m) {
                        continue;
                    }
                    self.message(tx, conv, m, true).await?;
                }
                self.close(conv, *ended_at);
            }
        }
        Ok(())
    }
}

/// Whether `m` repeats a live message (same sender, same body) still in `live`; the match is
/// used up, so a line said twice is matched twice at most.
fn take_repeat(live: &mut Vec<(String, String)>, conv: &Conversation, m: &Prepared) -> bool {
    let kind = resolve_kind(conv, m);
    match live
        .iter()
        .position(|(s, b)| s == kind.as_str() && *b == m.row.body)
    {
        Some(pos) => {
            live.remove(pos);
            true
        }
        None => false,
    }
}

impl ChatService {
    /// Stores what a vendor's API returned as a conversation's history (a
    /// [`crate::platforms::api::HistoryPage`]) the way webhooks store messages: into the
    /// conversation of `platform_conversation_id` (created when new), each vendor message
    /// once, whether it arrived by webhook before or by an earlier import. The same page
    /// imported twice is a `duplicate`.
    pub async fn import_history(
        &self,
        platform: &str,
        platform_conversation_id: &str,
        messages: &[IncomingMessage],
    ) -> Result<EventOutcome> {
        let p = Platform::parse(platform)?;
        let mut h = Sha256::new();
        for m in messages {
            h.update(
                m.platform_message_id
                    .as_deref()
                    .unwrap_or(&m.body)
                    .as_bytes(),
            );
            h.update([0]);
        }
        let digest = hex_encode(&h.finalize());
        let ev = PreparedEvent {
            event_id: format!("history:{}", &digest[..40]),
            event_type: "history".into(),
            conversation: Some(webhook::fit_id(platform_conversation_id)),
            items: vec![Item::History(
                messages.iter().filter_map(prepare_message).collect(),
            )],
        };
        let o = self.ingest_event(p, &ev).await?;
        if o.status == IngestStatus::Stored {
            if let Some(c) = o.conversation_id {
                let mut notices =
                    vec![crate::relay::RelayEvent::ConversationUpdated { conversation_id: c }];
                for m in &o.message_ids {
                    notices.extend(crate::relay::message_events(c, *m));
                }
                self.relay(&notices).await;
            }
        }
        Ok(o)
    }

    /// Links a conversation, and optionally one of its messages, to their copies on the
    /// vendor after we created them there (ids already set are kept: the first link wins).
    /// `not_found` when the conversation does not exist.
    pub async fn link_platform_ids(
        &self,
        conversation_id: u64,
        platform_conversation_id: Option<&str>,
        message: Option<(u64, &str)>,
    ) -> Result<()> {
        let store = self.store();
        let mut c = store.pool().get_conn().await?;
        conversations::get(&mut c, store, conversation_id, false)
            .await?
            .ok_or_else(|| Error::not_found("conversation", conversation_id))?;
        if let Some(pid) = platform_conversation_id {
            conversations::set_platform_conversation_id(
                &mut c,
                store,
                conversation_id,
                &webhook::fit_id(pid),
            )
            .await?;
        }
        if let Some((mid, pid)) = message {
            messages::set_platform_message_id(&mut c, store, mid, &webhook::fit_id(pid)).await?;
        }
        Ok(())
    }

    /// Stores a vendor webhook delivery (already verified with
    /// [`crate::platforms::verify`]) in the unified tables. `invalid_argument` when the body
    /// is not the vendor's JSON (nothing stored); `storage_error` when the database failed
    /// (nothing stored for the failing event: the vendor's retry will store it).
    pub async fn ingest_webhook(
        &self,
        platform: &str,
        headers: &Headers,
        body: &[u8],
    ) -> Result<IngestOutcome> {
        let p = Platform::parse(platform)?;
        let events: Vec<PreparedEvent> = super::parse(p, headers, body)?
            .iter()
            .map(prepare_event)
            .collect();
        let mut outcomes = Vec::with_capacity(events.len());
        for ev in &events {
            outcomes.push(self.ingest_event(p, ev).await?);
        }
        // Live clients (the agents' inbox, the customer's widget) hear about what was stored.
        let mut notices = Vec::new();
        for o in outcomes.iter().filter(|o| o.status == IngestStatus::Stored) {
            if let Some(c) = o.conversation_id {
                notices.push(crate::relay::RelayEvent::ConversationUpdated { conversation_id: c });
                for m in &o.message_ids {
                    notices.extend(crate::relay::message_events(c, *m));
                }
            }
        }
        self.relay(&notices).await;
        Ok(IngestOutcome::from_events(outcomes, body))
    }

    async fn ingest_event(&self, p: Platform, ev: &PreparedEvent) -> Result<EventOutcome> {
        let store = self.store();
        let mut conn = store.pool().get_conn().await?;
        let lock = ev
            .conversation
            .as_deref()
            .filter(|_| !ev.items.is_empty())
            .map(|c| lock_name(store, p, c));
        if let Some(name) = &lock {
            let got: Option<i64> = conn
                .exec_first("SELECT GET_LOCK(?, ?)", (name.as_str(), LOCK_WAIT_SECS))
                .await?;
            if got != Some(1) {
                return Err(Error::new(
                    ErrorCode::StorageError,
                    "another delivery of this conversation is being stored; try again",
                ));
            }
        }
        let r = self.ingest_locked(&mut conn, p, ev).await;
        if let Some(name) = &lock {
            // A connection that fails here is discarded by the pool, and the server releases
            // a dead session's locks.
            let _: std::result::Result<Option<i64>, _> = conn
                .exec_first("SELECT RELEASE_LOCK(?)", (name.as_str(),))
                .await;
        }
        r
    }

    async fn ingest_locked(
        &self,
        conn: &mut Conn,
        p: Platform,
        ev: &PreparedEvent,
    ) -> Result<EventOutcome> {
        let store = self.store();
        let at = model::now();
        let mut outcome = EventOutcome {
            event_id: ev.event_id.clone(),
            event_type: ev.event_type.clone(),
            status: IngestStatus::Ignored,
            conversation_id: None,
            message_ids: Vec::new(),
        };
        let mut tx = conn.start_transaction(TxOpts::default()).await?;
        let r = async {
            let Some(row) =
                webhook_events::claim(&mut tx, store, p.as_str(), &ev.event_id, &ev.event_type, at)
                    .await?
            else {
                let known = webhook_events::find(&mut tx, store, p.as_str(), &ev.event_id).await?;
                outcome.status = IngestStatus::Duplicate;
                outcome.conversation_id = known.and_then(|k| k.conversation_id);
                return Ok(());
            };
            let Some(pcid) = ev.conversation.as_deref().filter(|_| !ev.items.is_empty()) else {
                // Nothing to store; still name the conversation when we know it.
                if let Some(pcid) = ev.conversation.as_deref() {
                    outcome.conversation_id =
                        conversations::find_by_platform(&mut tx, store, p.as_str(), pcid, false)
                            .await?
                            .map(|c| c.id);
                }
                webhook_events::complete(&mut tx, store, row, "ignored", outcome.conversation_id)
                    .await?;
                return Ok(());
            };
            let found =
                conversations::find_by_platform(&mut tx, store, p.as_str(), pcid, true).await?;
            let created = found.is_none();
            let mut conv = match found {
                Some(c) => c,
                None => {
                    let started_at = start_time(&ev.items).unwrap_or(at).min(at);
                    let new = NewConversation {
                        platform: p.as_str().to_owned(),
                        platform_conversation_id: Some(pcid.to_owned()),
                        status: "waiting".into(),
                        ..NewConversation::default()
                    };
                    let id =
                        conversations::insert_started(&mut tx, store, &new, started_at, at).await?;
                    conversations::get(&mut tx, store, id, true)
                        .await?
                        .ok_or_else(|| Error::not_found("conversation", id))?
                }
            };
            let before = conv.clone();
            let mut apply = Apply {
                store,
                at,
                message_ids: Vec::new(),
            };
            for item in &ev.items {
                apply.item(&mut tx, &mut conv, item).await?;
            }
            let changed = conv != before;
            if changed {
                conv.updated_at = at;
                conversations::save(&mut tx, store, &conv).await?;
            }
            outcome.status = if created || changed || !apply.message_ids.is_empty() {
                IngestStatus::Stored
            } else {
                IngestStatus::Ignored
            };
            outcome.conversation_id = Some(conv.id);
            outcome.message_ids = apply.message_ids;
            webhook_events::complete(
                &mut tx,
                store,
                row,
                outcome.status.as_str(),
                outcome.conversation_id,
            )
            .await?;
            if row % 200 == 0 {
                webhook_events::prune(&mut tx, store, at).await?;
            }
            Ok(())
        }
        .await;
        finish(tx, r).await?;
        Ok(outcome)
    }
}

/// The earliest time the event knows of: the conversation's start, else its first message.
fn start_time(items: &[Item]) -> Option<NaiveDateTime> {
    let started = items.iter().find_map(|i| match i {
        Item::Started { started_at, .. } => *started_at,
        _ => None,
    });
    started.or_else(|| {
        items
            .iter()
            .flat_map(|i| match i {
                Item::Message(m) => vec![m.sent_at],
                Item::Transcript { messages, .. } => messages.iter().map(|m| m.sent_at).collect(),
                _ => Vec::new(),
            })
            .flatten()
            .min()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vendor_bodies_are_sanitised_once_and_text_is_escaped() {
        assert_eq!(
            vendor_body("<p>Hi <script>alert(1)</script>there</p>", BodyFormat::Html).as_deref(),
            Some("<p>Hi there</p>")
        );
        assert_eq!(
            vendor_body("a < b & <b>c</b>", BodyFormat::Text).as_deref(),
            Some("a &lt; b &amp; &lt;b&gt;c&lt;/b&gt;")
        );
        assert_eq!(vendor_body("   ", BodyFormat::Text), None);
        assert_eq!(vendor_body("<img src=x>", BodyFormat::Html), None);
    }

    #[test]
    fn oversized_vendor_bodies_are_cut_not_refused() {
        let long = "<&>".repeat(5_000);
        let b = vendor_body(&long, BodyFormat::Text).expect("kept");
        assert!(b.chars().count() <= MAX_MESSAGE_CHARS);
        assert!(b.ends_with('…'));
    }
}
