//! Conversations and messages: the rules every entry point shares.
//!
//! The extension (PHP), the REST plugin (through the extension) and the daemon all call this
//! service, so validation, sanitising and the bookkeeping columns (message counts, first
//! response and resolution times) live here once. Each write runs in one transaction: on any
//! error nothing is stored.

use mysql_async::prelude::*;
use mysql_async::TxOpts;
use serde_json::{Map, Value};

use crate::attachments::{self as files, Scanner};
use crate::error::{Error, ErrorCode, Result};
use crate::input::Input;
use crate::model::{self, Attachment, Conversation, Message, ReadMark};
use crate::relay::{self, RelayEvent};
use crate::sanitize::{self, MAX_MESSAGE_CHARS};
use crate::store::attachments::{self as attachment_rows, NewAttachment};
use crate::store::conversations::{self, ConversationFilter, NewConversation};
use crate::store::messages::{self, NewMessage, Page};
use crate::store::{migrations, Store};
use crate::token::is_valid_visitor_id;

/// Longest `client_id` a client may pick for idempotent sends.
pub const MAX_CLIENT_ID: usize = 64;
/// Longest rating comment.
pub const MAX_COMMENT_CHARS: usize = 1_000;
/// Longest tag.
pub const MAX_TAG_CHARS: usize = 50;
/// Most tags on one conversation.
pub const MAX_TAGS: usize = 50;
/// Largest page of history or conversations.
pub const MAX_PAGE: i64 = 100;
/// Largest metadata blob, serialised (keeps a LONGTEXT column from becoming a dumping ground).
pub const MAX_METADATA_BYTES: usize = 16_384;

/// The chat service over one store.
#[derive(Clone)]
pub struct ChatService {
    store: Store,
    default_platform: String,
    /// Tells the daemon about writes made outside it (see [`crate::relay`]); none in the
    /// daemon itself, which emits its own events.
    relay: Option<std::sync::Arc<crate::relay::Relay>>,
}

fn check_metadata(field: &str, m: &Map<String, Value>) -> Result<()> {
    if Value::Object(m.clone()).to_string().len() > MAX_METADATA_BYTES {
        return Err(Error::invalid(
            field,
            format!("{field} is larger than {MAX_METADATA_BYTES} bytes"),
        )
        .with("max", MAX_METADATA_BYTES));
    }
    Ok(())
}

fn normalise_tags(raw: &[&str]) -> Result<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for t in raw {
        let t = sanitize::to_text(t).trim().to_lowercase();
        if t.is_empty() {
            continue;
        }
        if !out.contains(&t) {
            out.push(t);
        }
    }
    if out.len() > MAX_TAGS {
        return Err(
            Error::invalid("tags", format!("at most {MAX_TAGS} tags")).with("max", MAX_TAGS)
        );
    }
    Ok(out)
}

/// Validates and sanitises a message body; returns the stored form.
pub fn prepare_body(raw: &str) -> Result<String> {
    let chars = raw.chars().count();
    if chars > MAX_MESSAGE_CHARS {
        return Err(Error::new(
            ErrorCode::PayloadTooLarge,
            format!("the message is longer than {MAX_MESSAGE_CHARS} characters"),
        )
        .with("field", "body")
        .with("max", MAX_MESSAGE_CHARS)
        .with("length", chars));
    }
    let clean = sanitize::clean(raw);
    // Nothing visible left (an empty link counts as nothing: it cannot be clicked).
    if sanitize::to_text(&clean).trim().is_empty() {
        return Err(Error::invalid("body", "the message is empty"));
    }
    // Forced link attributes can grow markup past what the column holds; refuse rather
    // than let the database truncate or fail.
    if clean.len() > MAX_STORED_BODY_BYTES {
        return Err(Error::new(
            ErrorCode::PayloadTooLarge,
            "the message is too long once formatted; send it in parts",
        )
        .with("field", "body")
        .with("max_bytes", MAX_STORED_BODY_BYTES)
        .with("bytes", clean.len()));
    }
    Ok(clean)
}

/// What the `message` TEXT column holds, in bytes.
pub const MAX_STORED_BODY_BYTES: usize = 65_535;

impl ChatService {
    /// A service over `store`; `default_platform` is used when a new conversation names none.
    pub fn new(store: Store, default_platform: &str) -> Result<ChatService> {
        if !model::PLATFORMS.contains(&default_platform) {
            return Err(Error::invalid(
                "platform",
                format!("platform must be one of: {}", model::PLATFORMS.join(", ")),
            ));
        }
        Ok(ChatService {
            store,
            default_platform: default_platform.to_owned(),
            relay: None,
        })
    }

    /// The same service, notifying the daemon through `relay` after each committed write
    /// (PHP processes: webhooks, REST messages, booking cards reach live sockets).
    pub fn with_relay(mut self, relay: Option<crate::relay::Relay>) -> ChatService {
        self.relay = relay.map(std::sync::Arc::new);
        self
    }

    /// Best-effort notice to the daemon; never fails the write that caused it.
    pub async fn relay(&self, events: &[crate::relay::RelayEvent]) {
        if let Some(r) = &self.relay {
            r.notify(events).await;
        }
    }

    /// The underlying store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Creates or upgrades the tables; returns the schema version.
    pub async fn migrate(&self) -> Result<u32> {
        migrations::migrate(&self.store).await
    }

    /// Starts a conversation (and, optionally, its first customer message).
    pub async fn create_conversation(
        &self,
        data: &Map<String, Value>,
    ) -> Result<(Conversation, Option<Message>)> {
        let i = Input(data);
        let platform = i
            .opt_enum("platform", model::PLATFORMS)?
            .unwrap_or(self.default_platform.as_str())
            .to_owned();
        let customer_id = i.opt_id("customer_id")?;
        let visitor_id = i.opt_str("visitor_id", 64)?.map(str::to_owned);
        if let Some(v) = &visitor_id {
            if !is_valid_visitor_id(v) {
                return Err(Error::invalid(
                    "visitor_id",
                    "visitor_id must be 8–64 characters of letters, digits, - and _",
                ));
            }
        }
        if customer_id.is_none() && visitor_id.is_none() {
            return Err(Error::invalid(
                "customer_id",
                "a conversation needs a customer_id or a visitor_id",
            ));
        }
        let assigned_agent_id = i.opt_id("assigned_agent_id")?;
        let mut metadata = i.opt_map("metadata")?.cloned().unwrap_or_default();
        if let Some(d) = i.opt_str("department", 100)? {
            metadata.insert("department".into(), Value::String(sanitize::to_text(d)));
        }
        check_metadata("metadata", &metadata)?;
        let tags = normalise_tags(&i.opt_str_list("tags", MAX_TAG_CHARS)?.unwrap_or_default())?;
        let first = match i.get("message") {
            None => None,
            Some(Value::String(s)) => Some(NewMessage {
                sender_type: "customer".into(),
                sender_id: customer_id,
                body: prepare_body(s)?,
                message_type: "text".into(),
                ..NewMessage::default()
            }),
            Some(v @ Value::Object(_)) => {
                // The first message is always the customer's.
                let mut raw = crate::input::as_map("message", v)?.clone();
                raw.insert("sender_type".into(), "customer".into());
                let (m, attachment) = self.parse_message(&raw)?;
                if attachment.is_some() {
                    return Err(Error::invalid(
                        "attachment_id",
                        "files are sent in later messages: start the conversation, upload, then send",
                    ));
                }
                Some(NewMessage {
                    sender_type: "customer".into(),
                    sender_id: m.sender_id.or(customer_id),
                    ..m
                })
            }
            Some(_) => {
                return Err(Error::invalid(
                    "message",
                    "message must be a string or an array",
                ))
            }
        };
        let new = NewConversation {
            platform,
            platform_conversation_id: i
                .opt_str("platform_conversation_id", 255)?
                .map(str::to_owned),
            customer_id,
            visitor_id,
            assigned_agent_id,
            status: if assigned_agent_id.is_some() {
                "active"
            } else {
                "waiting"
            }
            .into(),
            booking_id: i.opt_id("booking_id")?,
            tags,
            metadata,
        };
        let at = model::now();
        let mut tx = self
            .store
            .pool()
            .start_transaction(TxOpts::default())
            .await?;
        let r = async {
            let id = conversations::insert(&mut tx, &self.store, &new, at).await?;
            let mut msg = None;
            if let Some(m) = first {
                let mid = messages::insert(&mut tx, &self.store, id, &m, at).await?;
                let t = self.store.table(crate::store::Table::Conversations);
                tx.exec_drop(
                    format!("UPDATE {t} SET message_count = 1 WHERE id = ?"),
                    (id,),
                )
                .await?;
                msg = messages::get(&mut tx, &self.store, mid).await?;
            }
            let conv = conversations::get(&mut tx, &self.store, id, false)
                .await?
                .ok_or_else(|| Error::not_found("conversation", id))?;
            Ok((conv, msg))
        }
        .await;
        let out = finish(tx, r).await;
        if let Ok((c, m)) = &out {
            let mut events = Vec::new();
            if c.status == "waiting" {
                events.push(RelayEvent::ConversationQueued {
                    conversation_id: c.id,
                });
            }
            if let Some(m) = m {
                events.extend(relay::message_events(c.id, m.id));
            }
            self.relay(&events).await;
        }
        out
    }

    /// One message by id (the daemon re-reads relayed rows rather than trusting a notice).
    pub async fn get_message(&self, id: u64) -> Result<Message> {
        let mut c = self.store.pool().get_conn().await?;
        messages::get(&mut c, &self.store, id)
            .await?
            .ok_or_else(|| Error::not_found("message", id))
    }

    /// One conversation.
    pub async fn get_conversation(&self, id: u64) -> Result<Conversation> {
        let mut c = self.store.pool().get_conn().await?;
        conversations::get(&mut c, &self.store, id, false)
            .await?
            .ok_or_else(|| Error::not_found("conversation", id))
    }

    /// Conversations matching `filters`, newest first.
    pub async fn list_conversations(
        &self,
        filters: &Map<String, Value>,
    ) -> Result<Vec<Conversation>> {
        let i = Input(filters);
        let f = ConversationFilter {
            status: i.opt_enum("status", model::STATUSES)?.map(str::to_owned),
            platform: i.opt_enum("platform", model::PLATFORMS)?.map(str::to_owned),
            customer_id: i.opt_id("customer_id")?,
            visitor_id: i.opt_str("visitor_id", 64)?.map(str::to_owned),
            assigned_agent_id: i.opt_id("assigned_agent_id")?,
            unassigned: i.opt_bool("unassigned")?.unwrap_or(false),
            before_id: i.opt_id("before_id")?,
            limit: i.opt_int("limit", 1, MAX_PAGE)?.unwrap_or(20) as u32,
        };
        let mut c = self.store.pool().get_conn().await?;
        conversations::list(&mut c, &self.store, &f).await
    }

    /// Changes status, assignment, booking link, tags (replace) or metadata (merge).
    pub async fn update_conversation(
        &self,
        id: u64,
        changes: &Map<String, Value>,
    ) -> Result<Conversation> {
        let i = Input(changes);
        let status = i.opt_enum("status", model::STATUSES)?;
        let agent = i.opt_id("assigned_agent_id")?;
        let unassign = i.has("assigned_agent_id") && i.get("assigned_agent_id").is_none();
        let booking = i.opt_id("booking_id")?;
        let tags = match i.opt_str_list("tags", MAX_TAG_CHARS)? {
            Some(t) => Some(normalise_tags(&t)?),
            None => None,
        };
        let meta = i.opt_map("metadata")?;
        self.mutate(id, |c, at| {
            if let Some(a) = agent {
                c.assigned_agent_id = Some(a);
                if c.status == "waiting" {
                    c.status = "active".into();
                }
            } else if unassign {
                c.assigned_agent_id = None;
            }
            if let Some(s) = status {
                set_status(c, s, at);
            }
            if let Some(b) = booking {
                c.booking_id = Some(b);
            }
            if let Some(t) = &tags {
                c.tags = t.clone();
            }
            if let Some(m) = meta {
                for (k, v) in m {
                    c.metadata.insert(k.clone(), v.clone());
                }
                check_metadata("metadata", &c.metadata)?;
            }
            Ok(())
        })
        .await
    }

    /// Validates a message; the second value is the `attachment_id` it carries, if any (its
    /// body may then be empty: `send_message` fills in the file name).
    fn parse_message(&self, data: &Map<String, Value>) -> Result<(NewMessage, Option<u64>)> {
        let i = Input(data);
        let sender_type = i
            .opt_enum("sender_type", model::SENDER_TYPES)?
            .ok_or_else(|| Error::invalid("sender_type", "sender_type is required"))?;
        let attachment_id = i.opt_id("attachment_id")?;
        let raw = match (i.get("body"), i.get("message")) {
            (Some(_), _) => i.opt_str("body", usize::MAX)?,
            (None, Some(_)) => i.opt_str("message", usize::MAX)?,
            (None, None) => None,
        };
        let body = match raw {
            // A file message without a caption: the file name becomes the body.
            None if attachment_id.is_some() => String::new(),
            Some(r) if attachment_id.is_some() && r.trim().is_empty() => String::new(),
            Some(r) => prepare_body(r)?,
            None => return Err(Error::invalid("body", "body is required")),
        };
        let client_id = i.opt_str("client_id", MAX_CLIENT_ID)?.map(str::to_owned);
        if client_id.as_deref() == Some("") {
            return Err(Error::invalid("client_id", "client_id must not be empty"));
        }
        let attachment_url = match i.opt_str("attachment_url", 500)? {
            Some(u) if u.starts_with("https://") || u.starts_with("http://") => Some(u.to_owned()),
            Some(_) => {
                return Err(Error::invalid(
                    "attachment_url",
                    "attachment_url must be an http(s) URL",
                ))
            }
            None => None,
        };
        let metadata = i.opt_map("metadata")?.cloned().unwrap_or_default();
        check_metadata("metadata", &metadata)?;
        let message_type = i
            .opt_enum("message_type", model::MESSAGE_TYPES)?
            .unwrap_or("text");
        Ok((
            NewMessage {
                client_id,
                platform_message_id: i.opt_str("platform_message_id", 255)?.map(str::to_owned),
                sender_type: sender_type.to_owned(),
                sender_id: i.opt_id("sender_id")?,
                sender_name: i
                    .opt_str("sender_name", 100)?
                    .map(|n| sanitize::to_text(n).trim().to_owned()),
                body,
                // A message carrying an uploaded file is a file message, whatever it says.
                message_type: if attachment_id.is_some() {
                    "file"
                } else {
                    message_type
                }
                .to_owned(),
                attachment_url,
                metadata,
            },
            attachment_id,
        ))
    }

    /// Stores a message. With a `client_id` already used in this conversation, returns the
    /// stored message instead of writing a second row (`bool` = newly created).
    ///
    /// With `attachment_id`, the message carries that uploaded file: it must belong to this
    /// conversation (`not_found` otherwise), must not be in another message yet (`conflict`)
    /// and must have been uploaded by the same side (`forbidden`). The message becomes a
    /// `file` message; without a body, its body is the file name; `attachment_url` is
    /// stored as given (the caller knows the route that serves the file).
    pub async fn send_message(
        &self,
        conversation_id: u64,
        data: &Map<String, Value>,
    ) -> Result<(Message, bool)> {
        let (new, attachment_id) = self.parse_message(data)?;
        let mut tx = self
            .store
            .pool()
            .start_transaction(TxOpts::default())
            .await?;
        let r = self
            .store_message(&mut tx, conversation_id, new, attachment_id)
            .await;
        // A retry that found its message changed nothing: the commit is as good as a rollback.
        let out = finish(tx, r).await;
        if let Ok((m, true)) = &out {
            self.relay(&relay::message_events(m.conversation_id, m.id))
                .await;
        }
        out
    }

    /// The checks and writes of one message inside the caller's transaction (shared by
    /// [`ChatService::send_message`] and [`ChatService::send_messages_batch`]).
    async fn store_message(
        &self,
        tx: &mut mysql_async::Transaction<'_>,
        conversation_id: u64,
        mut new: NewMessage,
        attachment_id: Option<u64>,
    ) -> Result<(Message, bool)> {
        // The row lock serialises senders of one conversation, so the client_id check
        // and the counters below cannot race.
        let mut conv = conversations::get(tx, &self.store, conversation_id, true)
            .await?
            .ok_or_else(|| Error::not_found("conversation", conversation_id))?;
        // A retry of a plain message is found by the insert itself (the unique key refuses
        // the second row): one round trip fewer for every first send. Where the insert could
        // not tell — a closed conversation, a file (its checks come first), a vendor id — the
        // retry is looked up before anything else, so a retry is always answered with the
        // stored message rather than a refusal.
        let insert_finds_retry = new.client_id.is_some()
            && attachment_id.is_none()
            && new.platform_message_id.is_none()
            && check_open(&conv).is_ok();
        if let (false, Some(cid)) = (insert_finds_retry, &new.client_id) {
            if let Some(existing) =
                messages::find_by_client_id(tx, &self.store, conversation_id, cid).await?
            {
                return Ok((existing, false));
            }
        }
        // A vendor message id is stored once per conversation (unique since schema v4).
        if let Some(pid) = &new.platform_message_id {
            if let Some(existing) =
                messages::find_by_platform_message_id(tx, &self.store, conversation_id, pid).await?
            {
                return Ok((existing, false));
            }
        }
        check_open(&conv)?;
        if let Some(aid) = attachment_id {
            let a = attachment_rows::get(tx, &self.store, aid, true)
                .await?
                .filter(|a| a.conversation_id == conversation_id)
                .ok_or_else(|| {
                    Error::not_found("attachment", aid).with("field", "attachment_id")
                })?;
            if a.message_id.is_some() {
                return Err(Error::new(
                    ErrorCode::Conflict,
                    "this file was already sent in another message",
                )
                .with("field", "attachment_id")
                .with("message_id", a.message_id));
            }
            if a.uploader_type != new.sender_type {
                return Err(Error::new(
                    ErrorCode::Forbidden,
                    "only the side that uploaded a file can send it",
                )
                .with("field", "attachment_id"));
            }
            if new.body.is_empty() {
                new.body = prepare_body(&html_escape(&a.original_name))?;
            }
        }
        let at = model::now();
        let id = if insert_finds_retry {
            match messages::insert_unless_retry(tx, &self.store, conversation_id, &new, at).await? {
                Some(id) => id,
                None => {
                    let cid = new.client_id.as_deref().unwrap_or_default();
                    let existing =
                        messages::find_by_client_id(tx, &self.store, conversation_id, cid)
                            .await?
                            .ok_or_else(|| {
                                Error::new(
                                    ErrorCode::StorageError,
                                    "a resent message could not be read back",
                                )
                            })?;
                    return Ok((existing, false));
                }
            }
        } else {
            messages::insert(tx, &self.store, conversation_id, &new, at).await?
        };
        if let Some(aid) = attachment_id {
            if !attachment_rows::link(tx, &self.store, aid, id).await? {
                return Err(Error::new(
                    ErrorCode::Conflict,
                    "this file was already sent in another message",
                )
                .with("field", "attachment_id"));
            }
        }
        conv.message_count += 1;
        conv.updated_at = at;
        if new.sender_type == "agent" && conv.first_response_time.is_none() {
            conv.first_response_time = Some((at - conv.started_at).num_seconds().max(0));
        }
        conversations::save(tx, &self.store, &conv).await?;
        if attachment_id.is_none() {
            return Ok((new.into_message(id, conversation_id, at), true));
        }
        let msg = messages::get(tx, &self.store, id)
            .await?
            .ok_or_else(|| Error::not_found("message", id))?;
        Ok((msg, true))
    }

    /// Group commit: stores several messages (of distinct or the same conversations, in the
    /// given order) in **one** transaction, so a busy chat server pays one commit (one log
    /// flush) for many messages. Each answer is exactly what [`ChatService::send_message`]
    /// would give for that item (idempotent by `client_id`: `(existing, false)` for a
    /// retry). Items that fail validation get their error without touching the others; if
    /// anything fails inside the transaction (a closed conversation, a deadlock, a lost
    /// connection, the commit), the transaction is rolled back and every item is retried on
    /// its own with [`ChatService::send_message`], which isolates the bad row — nothing is
    /// lost, and nothing is stored twice (a row is either in the rolled-back transaction or
    /// found again by its `client_id`).
    pub async fn send_messages_batch(
        &self,
        items: &[(u64, Map<String, Value>)],
    ) -> Vec<Result<(Message, bool)>> {
        let mut out: Vec<Option<Result<(Message, bool)>>> = Vec::with_capacity(items.len());
        let mut parsed = Vec::with_capacity(items.len());
        for (i, (cid, data)) in items.iter().enumerate() {
            match self.parse_message(data) {
                Ok((new, aid)) => {
                    parsed.push((i, *cid, new, aid));
                    out.push(None);
                }
                Err(e) => out.push(Some(Err(e))),
            }
        }
        if parsed.len() <= 1 {
            for (i, cid, _, _) in &parsed {
                out[*i] = Some(self.send_message(*cid, &items[*i].1).await);
            }
            return out.into_iter().flatten().collect();
        }
        // Row locks in conversation order, so two batches can never wait on each other in a
        // cycle; the stable sort keeps each conversation's messages in arrival order.
        parsed.sort_by_key(|(_, cid, _, _)| *cid);
        // Plain messages with distinct client ids (what a chat server sends) are written
        // set-based: a handful of statements for the whole batch instead of five per message.
        let mut pairs = std::collections::HashSet::with_capacity(parsed.len());
        let set_based = parsed.iter().all(|(_, cid, new, aid)| {
            aid.is_none()
                && new.platform_message_id.is_none()
                && new
                    .client_id
                    .as_deref()
                    .is_some_and(|c| pairs.insert((*cid, c)))
        });
        let batch = async {
            let mut tx = self
                .store
                .pool()
                .start_transaction(TxOpts::default())
                .await?;
            if set_based {
                let items: Vec<(usize, u64, &NewMessage)> = parsed
                    .iter()
                    .map(|(i, cid, new, _)| (*i, *cid, new))
                    .collect();
                let r = self.store_messages_set(&mut tx, &items).await;
                return finish(tx, r).await;
            }
            let mut done = Vec::with_capacity(parsed.len());
            let mut failed = None;
            for (i, cid, new, aid) in parsed.iter().cloned() {
                match self.store_message(&mut tx, cid, new, aid).await {
                    Ok(r) => done.push((i, Ok(r))),
                    Err(e) => {
                        failed = Some(e);
                        break;
                    }
                }
            }
            match failed {
                None => finish(tx, Ok(done)).await,
                Some(e) => finish(tx, Err(e)).await,
            }
        }
        .await;
        match batch {
            Ok(done) => {
                let mut events = Vec::new();
                for (i, r) in done {
                    if let Ok((m, true)) = &r {
                        events.extend(relay::message_events(m.conversation_id, m.id));
                    }
                    out[i] = Some(r);
                }
                if !events.is_empty() {
                    self.relay(&events).await;
                }
            }
            Err(_) => {
                for (i, cid, _, _) in &parsed {
                    out[*i] = Some(self.send_message(*cid, &items[*i].1).await);
                }
            }
        }
        out.into_iter().flatten().collect()
    }

    /// The set-based form of [`ChatService::store_message`] for plain messages, each with a
    /// `client_id` (distinct pairs), sorted by conversation: lock every conversation in one
    /// statement, find the retries in one, insert the new rows in multi-row statements,
    /// write the counters in one and read the rows back in one. Each item gets the answer
    /// `store_message` would give it (`not_found`, the stored retry, `conflict` for a closed
    /// conversation, or the new message); such refusals write nothing, so they do not abort
    /// the others. An `Err` (a database failure) means the caller must roll back.
    async fn store_messages_set(
        &self,
        tx: &mut mysql_async::Transaction<'_>,
        items: &[(usize, u64, &NewMessage)],
    ) -> Result<Vec<(usize, Result<(Message, bool)>)>> {
        use std::collections::HashMap;
        let key = |cid: u64, m: &NewMessage| (cid, m.client_id.clone().unwrap_or_default());
        let mut conv_ids: Vec<u64> = items.iter().map(|(_, cid, _)| *cid).collect();
        conv_ids.dedup();
        let mut convs: HashMap<u64, Conversation> =
            conversations::lock_many(tx, &self.store, &conv_ids)
                .await?
                .into_iter()
                .map(|c| (c.id, c))
                .collect();
        let pairs: Vec<(u64, &str)> = items
            .iter()
            .filter_map(|(_, cid, m)| m.client_id.as_deref().map(|k| (*cid, k)))
            .collect();
        let by_pair = |rows: Vec<Message>| -> HashMap<(u64, String), Message> {
            rows.into_iter()
                .filter_map(|m| m.client_id.clone().map(|c| ((m.conversation_id, c), m)))
                .collect()
        };
        let existing = by_pair(messages::find_by_client_ids(tx, &self.store, &pairs).await?);
        let at = model::now();
        let mut out = Vec::with_capacity(items.len());
        let mut fresh = Vec::with_capacity(items.len());
        for &(i, cid, new) in items {
            let Some(conv) = convs.get_mut(&cid) else {
                out.push((i, Err(Error::not_found("conversation", cid))));
                continue;
            };
            if let Some(m) = existing.get(&key(cid, new)) {
                out.push((i, Ok((m.clone(), false))));
                continue;
            }
            if let Err(e) = check_open(conv) {
                out.push((i, Err(e)));
                continue;
            }
            conv.message_count += 1;
            conv.updated_at = at;
            if new.sender_type == "agent" && conv.first_response_time.is_none() {
                conv.first_response_time = Some((at - conv.started_at).num_seconds().max(0));
            }
            fresh.push((i, cid, new));
        }
        if fresh.is_empty() {
            return Ok(out);
        }
        let rows: Vec<(u64, &NewMessage)> = fresh.iter().map(|&(_, cid, m)| (cid, m)).collect();
        messages::insert_many(tx, &self.store, &rows, at).await?;
        let mut touched: Vec<u64> = fresh.iter().map(|&(_, cid, _)| cid).collect();
        touched.dedup();
        let touched: Vec<&Conversation> = touched.iter().filter_map(|c| convs.get(c)).collect();
        conversations::save_counters(tx, &self.store, &touched).await?;
        let fresh_pairs: Vec<(u64, &str)> = fresh
            .iter()
            .filter_map(|(_, cid, m)| m.client_id.as_deref().map(|k| (*cid, k)))
            .collect();
        let stored = by_pair(messages::find_by_client_ids(tx, &self.store, &fresh_pairs).await?);
        for (i, cid, new) in fresh {
            let m = stored.get(&key(cid, new)).cloned().ok_or_else(|| {
                Error::new(
                    ErrorCode::StorageError,
                    "a stored message could not be read back",
                )
            })?;
            out.push((i, Ok((m, true))));
        }
        Ok(out)
    }

    /// A page of history, oldest first.
    pub async fn get_messages(
        &self,
        conversation_id: u64,
        page: &Map<String, Value>,
    ) -> Result<Vec<Message>> {
        let i = Input(page);
        let p = Page {
            before_id: i.opt_id("before_id")?,
            // `after_id: 0` means "from the start" (a client that has seen nothing yet).
            after_id: i.opt_int("after_id", 0, i64::MAX)?.map(|a| a as u64),
            limit: i.opt_int("limit", 1, MAX_PAGE)?.unwrap_or(50) as u32,
        };
        if p.before_id.is_some() && p.after_id.is_some() {
            return Err(Error::invalid(
                "before_id",
                "give before_id or after_id, not both",
            ));
        }
        let mut c = self.store.pool().get_conn().await?;
        conversations::get(&mut c, &self.store, conversation_id, false)
            .await?
            .ok_or_else(|| Error::not_found("conversation", conversation_id))?;
        messages::page(&mut c, &self.store, conversation_id, p).await
    }

    /// Records an uploaded file of a conversation: checks size and type by content
    /// ([`files::check`]), scans it with `scanner`, and stores the row under a fresh random
    /// `storage_name`. The caller keeps the bytes under that name. `data`: `name` (the
    /// client's file name, display only), `uploader_type` (`customer`, `agent`, `system`),
    /// optional `uploader_id`, `visitor_id`.
    ///
    /// Errors: `invalid_argument` (empty file; infected: details `reason` = `infected` and
    /// `signature`), `payload_too_large`, `unsupported_media_type`, `not_found`, `conflict`
    /// (closed conversation), `rate_limited` (too many files in the conversation),
    /// `platform_unavailable` (a scanner was reached but failed).
    pub async fn create_attachment(
        &self,
        conversation_id: u64,
        data: &Map<String, Value>,
        content: &[u8],
        scanner: &Scanner,
    ) -> Result<(Attachment, files::ScanResult)> {
        let i = Input(data);
        let uploader_type = i
            .opt_enum("uploader_type", model::SENDER_TYPES)?
            .ok_or_else(|| Error::invalid("uploader_type", "uploader_type is required"))?;
        let uploader_id = i.opt_id("uploader_id")?;
        let visitor_id = i.opt_str("visitor_id", 64)?.map(str::to_owned);
        if let Some(v) = &visitor_id {
            if !is_valid_visitor_id(v) {
                return Err(Error::invalid(
                    "visitor_id",
                    "visitor_id must be 8–64 characters of letters, digits, - and _",
                ));
            }
        }
        let name = i.opt_str("name", 4096)?.unwrap_or("");
        let checked = files::check(content, name)?;

        // Cheap refusals before the scan; the transaction below checks again.
        let conv = self.get_conversation(conversation_id).await?;
        check_open(&conv)?;

        let verdict = scanner.scan(content).await?;
        let verdict = match verdict.clone().into_error() {
            Some(e) => return Err(e),
            None => verdict,
        };

        let new = NewAttachment {
            conversation_id,
            storage_name: files::storage_name()?,
            original_name: checked.name,
            mime: checked.kind.mime.to_owned(),
            size: checked.size as u64,
            sha256: checked.sha256,
            scan_status: verdict.status().to_owned(),
            uploader_type: uploader_type.to_owned(),
            uploader_id,
            visitor_id,
        };
        let mut tx = self
            .store
            .pool()
            .start_transaction(TxOpts::default())
            .await?;
        let r = async {
            let conv = conversations::get(&mut tx, &self.store, conversation_id, true)
                .await?
                .ok_or_else(|| Error::not_found("conversation", conversation_id))?;
            check_open(&conv)?;
            let (all, pending) =
                attachment_rows::counts(&mut tx, &self.store, conversation_id).await?;
            if pending >= files::MAX_PENDING_PER_CONVERSATION {
                return Err(Error::new(
                    ErrorCode::RateLimited,
                    "too many files were uploaded and not sent; send or wait before uploading more",
                )
                .with("max_pending", files::MAX_PENDING_PER_CONVERSATION));
            }
            if all >= files::MAX_PER_CONVERSATION {
                return Err(Error::new(
                    ErrorCode::RateLimited,
                    "this conversation has reached its limit of files",
                )
                .with("max", files::MAX_PER_CONVERSATION));
            }
            let id = attachment_rows::insert(&mut tx, &self.store, &new, model::now()).await?;
            attachment_rows::get(&mut tx, &self.store, id, false)
                .await?
                .ok_or_else(|| Error::not_found("attachment", id))
        }
        .await;
        let stored = finish(tx, r).await?;
        Ok((stored, verdict))
    }

    /// One attachment; `not_found` when unknown.
    pub async fn get_attachment(&self, id: u64) -> Result<Attachment> {
        let mut c = self.store.pool().get_conn().await?;
        attachment_rows::get(&mut c, &self.store, id, false)
            .await?
            .ok_or_else(|| Error::not_found("attachment", id))
    }

    /// Deletes an attachment no message carries (a caller that could not keep the bytes
    /// undoes the upload). `not_found` when unknown, `conflict` when a message carries it.
    pub async fn delete_attachment(&self, id: u64) -> Result<()> {
        let mut c = self.store.pool().get_conn().await?;
        if attachment_rows::delete_unlinked(&mut c, &self.store, id).await? {
            return Ok(());
        }
        match attachment_rows::get(&mut c, &self.store, id, false).await? {
            None => Err(Error::not_found("attachment", id)),
            Some(_) => Err(Error::new(
                ErrorCode::Conflict,
                "the file was sent in a message and cannot be deleted on its own",
            )
            .with("attachment_id", id)),
        }
    }

    /// Marks the other side's messages read (up to `up_to_id`, default: all).
    pub async fn mark_read(
        &self,
        conversation_id: u64,
        data: &Map<String, Value>,
    ) -> Result<ReadMark> {
        let i = Input(data);
        let reader = i
            .opt_enum("reader_type", &["customer", "agent"])?
            .ok_or_else(|| Error::invalid("reader_type", "reader_type is required"))?;
        let up_to = i.opt_id("up_to_id")?;
        let mut c = self.store.pool().get_conn().await?;
        conversations::get(&mut c, &self.store, conversation_id, false)
            .await?
            .ok_or_else(|| Error::not_found("conversation", conversation_id))?;
        let up_to_id = match up_to {
            Some(u) => u,
            None => messages::last_id(&mut c, &self.store, conversation_id).await?,
        };
        let senders: &[&str] = if reader == "customer" {
            &["agent", "system"]
        } else {
            &["customer"]
        };
        let at = model::now();
        let updated =
            messages::mark_read(&mut c, &self.store, conversation_id, senders, up_to_id, at)
                .await?;
        Ok(ReadMark {
            conversation_id,
            reader_type: reader.to_owned(),
            up_to_id,
            read_at: at,
            updated,
        })
    }

    /// Closes a conversation; closing a closed one changes nothing.
    pub async fn close_conversation(&self, id: u64) -> Result<Conversation> {
        self.mutate(id, |c, at| {
            set_status(c, "closed", at);
            Ok(())
        })
        .await
    }

    /// Records the customer's rating (1–5) and optional comment (stored as plain text).
    pub async fn rate_conversation(
        &self,
        id: u64,
        rating: i64,
        comment: Option<&str>,
    ) -> Result<Conversation> {
        if !(1..=5).contains(&rating) {
            return Err(Error::invalid("rating", "rating must be between 1 and 5")
                .with("min", 1)
                .with("max", 5));
        }
        let comment = match comment {
            Some(c) if c.chars().count() > MAX_COMMENT_CHARS => {
                return Err(Error::invalid(
                    "comment",
                    format!("the comment is longer than {MAX_COMMENT_CHARS} characters"),
                )
                .with("max", MAX_COMMENT_CHARS))
            }
            Some(c) => Some(sanitize::to_text(c).trim().to_owned()).filter(|c| !c.is_empty()),
            None => None,
        };
        self.mutate(id, |c, _| {
            c.rating = Some(rating);
            c.rating_comment = comment.clone();
            Ok(())
        })
        .await
    }

    /// Adds tags (normalised, de-duplicated).
    pub async fn tag_conversation(&self, id: u64, tags: &[&str]) -> Result<Conversation> {
        let add = normalise_tags(tags)?;
        self.mutate(id, |c, _| {
            for t in &add {
                if !c.tags.contains(t) {
                    c.tags.push(t.clone());
                }
            }
            if c.tags.len() > MAX_TAGS {
                return Err(Error::invalid("tags", format!("at most {MAX_TAGS} tags"))
                    .with("max", MAX_TAGS));
            }
            Ok(())
        })
        .await
    }

    /// Read-modify-write of one conversation under its row lock.
    async fn mutate<F>(&self, id: u64, f: F) -> Result<Conversation>
    where
        F: FnOnce(&mut Conversation, chrono::NaiveDateTime) -> Result<()>,
    {
        let mut tx = self
            .store
            .pool()
            .start_transaction(TxOpts::default())
            .await?;
        let r = async {
            let mut conv = conversations::get(&mut tx, &self.store, id, true)
                .await?
                .ok_or_else(|| Error::not_found("conversation", id))?;
            let before = conv.clone();
            let at = model::now();
            f(&mut conv, at)?;
            let changed = conv != before;
            if changed {
                conv.updated_at = at;
                conversations::save(&mut tx, &self.store, &conv).await?;
            }
            Ok((conv, changed))
        }
        .await;
        let (conv, changed) = finish(tx, r).await?;
        if changed {
            self.relay(&[RelayEvent::ConversationUpdated {
                conversation_id: id,
            }])
            .await;
        }
        Ok(conv)
    }
}

/// Ends a transaction: commit on success, an explicit rollback on failure.
///
/// Dropping an open mysql_async transaction only queues its rollback for the pool's
/// background task; inside PHP that task runs during the process's *next* call, so until then
/// the row and gap locks of a failed write would block every other worker. Never drop one.
pub(crate) async fn finish<T>(tx: mysql_async::Transaction<'_>, r: Result<T>) -> Result<T> {
    match r {
        Ok(v) => {
            tx.commit().await?;
            Ok(v)
        }
        Err(e) => {
            // A rollback that fails leaves a broken connection, which the pool discards;
            // the server rolls back on disconnect. The caller's error is the one to report.
            let _ = tx.rollback().await;
            Err(e)
        }
    }
}

fn check_open(c: &Conversation) -> Result<()> {
    if c.status == "closed" {
        return Err(
            Error::new(ErrorCode::Conflict, "the conversation is closed")
                .with("conversation_id", c.id),
        );
    }
    Ok(())
}

/// Escapes text for an HTML body (file names become message bodies).
pub(crate) fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub(crate) fn set_status(c: &mut Conversation, status: &str, at: chrono::NaiveDateTime) {
    if c.status == status {
        return;
    }
    c.status = status.to_owned();
    if status == "closed" {
        c.ended_at = Some(at);
        c.resolution_time = Some((at - c.started_at).num_seconds().max(0));
    } else {
        c.ended_at = None;
        c.resolution_time = None;
    }
}
