//! LiveChat (Text) webhooks, API v3.x (`register_webhook` of the Configuration API).
//!
//! Authenticity: LiveChat signs nothing. "We'll include your secret key in the payload of
//! each webhook": the `secret_key` given at registration comes back as the body field
//! `secret_key`, which we compare with the configured secret in constant time (LiveChat
//! developer docs, "Chat webhooks" console guide). There is no timestamp and no delivery id:
//! redeliveries are recognised by ids derived from the payload (the chat, thread and event
//! ids, or the body's SHA-256).
//!
//! Envelope (Management → Webhooks, v3.6): `{"webhook_id", "secret_key", "action",
//! "organization_id", "payload": {…}, "additional_data": {…}}`. Actions we store:
//!
//! - `incoming_chat` (`payload.chat`: `id`, `users[]` with `type` `customer`/`agent`,
//!   `thread{id, created_at, events[]}`) → started, plus its messages;
//! - `incoming_event` (`payload.chat_id`, `payload.event`) → a message. The spec's
//!   `incoming_message` is this action: v3 has no separate message webhook;
//! - `chat_deactivated` (the spec's `chat_ended`) → closed;
//! - `chat_transferred` (`transferred_to{group_ids, agent_ids}`, `reason`) → transferred;
//! - `chat_properties_updated` / `thread_properties_updated` carrying the `rating`
//!   namespace (`score`: 0 bad / 1 good, `comment`) → rated (0 → 1, 1 → 5).
//!
//! Events: `message` (`text`), `file` (`url`, `name`), `system_message` (`text`),
//! `rich_message` (its first element's title). Events with `visibility: "agents"` are
//! internal notes and are not stored. An `incoming_event` names only its `author_id`; the
//! author's role comes from the participants of `incoming_chat` (kept with the
//! conversation), else from the shape of the id: agent ids are their e-mail addresses,
//! customer ids are UUIDs.

use serde_json::Value;

use super::webhook::{
    at, body_event_id, id_at, json_object, rating_from_scale, secrets_equal, signature_error,
    str_at, time_at, BodyFormat, Headers, IncomingMessage, NormalizedEvent, Participant, Platform,
    SenderType, WebhookEvent,
};
use crate::error::{Error, Result};

/// Checks the `secret_key` field of the body.
pub fn verify(body: &[u8], secret: &[u8]) -> Result<()> {
    let p = Platform::LiveChat;
    let key = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| {
            v.get("secret_key")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .ok_or_else(|| {
            signature_error(p, "missing_signature", "the body has no secret_key field")
        })?;
    if secrets_equal(key.as_bytes(), secret) {
        Ok(())
    } else {
        Err(signature_error(
            p,
            "mismatch",
            "the secret_key field does not match the webhook secret",
        ))
    }
}

pub(crate) fn user(u: &Value) -> Participant {
    let vendor_type = str_at(u, &["type"]).map(str::to_owned);
    let kind = match vendor_type.as_deref() {
        Some("customer") => Some(SenderType::Customer),
        Some("agent") => Some(SenderType::Agent),
        _ => None,
    };
    Participant {
        kind,
        id: id_at(u, &["id"]),
        bot: str_at(u, &["role"]) == Some("bot") || str_at(u, &["type"]) == Some("bot"),
        vendor_type,
        name: str_at(u, &["name"]).map(str::to_owned),
        email: str_at(u, &["email"]).map(str::to_owned),
    }
}

/// A thread event as a message (`None` for events that are not messages or are internal).
pub(crate) fn event_message(e: &Value, users: &[Participant]) -> Option<IncomingMessage> {
    if str_at(e, &["visibility"]) == Some("agents") {
        return None;
    }
    let author_id = id_at(e, &["author_id"]);
    let known = author_id
        .as_ref()
        .and_then(|id| users.iter().find(|u| u.id.as_ref() == Some(id)));
    let mut author = known.cloned().unwrap_or(Participant {
        id: author_id,
        ..Participant::default()
    });
    let (body, message_type, url) = match str_at(e, &["type"])? {
        "message" => (str_at(e, &["text"])?.to_owned(), "text", None),
        "system_message" => {
            author = Participant {
                kind: Some(SenderType::System),
                vendor_type: Some("system".into()),
                ..author
            };
            (str_at(e, &["text"])?.to_owned(), "system", None)
        }
        "file" => {
            let url = str_at(e, &["url"]).map(str::to_owned);
            let name = str_at(e, &["name"])
                .map(str::to_owned)
                .or_else(|| url.clone())?;
            (name, "file", url)
        }
        "rich_message" => {
            let first = at(e, &["elements"])?.as_array()?.first()?;
            let title = str_at(first, &["title"]).or_else(|| str_at(first, &["subtitle"]))?;
            (title.to_owned(), "text", None)
        }
        _ => return None,
    };
    Some(IncomingMessage {
        platform_message_id: id_at(e, &["id"]),
        author,
        body,
        format: BodyFormat::Text,
        sent_at: time_at(e, &["created_at"]),
        message_type,
        attachment_url: url,
    })
}

/// Normalises one webhook.
pub fn parse(_headers: &Headers, body: &[u8]) -> Result<Vec<WebhookEvent>> {
    let root = Value::Object(json_object(body)?);
    let action = str_at(&root, &["action"])
        .ok_or_else(|| Error::invalid("action", "the webhook has no action"))?;
    let payload = at(&root, &["payload"])
        .filter(|p| p.is_object())
        .ok_or_else(|| Error::invalid("payload", "the webhook has no payload"))?;
    let digest_id = || format!("{action}:{}", body_event_id(body));
    let chat_id = || {
        id_at(payload, &["chat_id"])
            .ok_or_else(|| Error::invalid("payload", "the payload has no chat_id"))
    };
    let (event_id, conversation_id, events) = match action {
        "incoming_chat" => {
            let chat = at(payload, &["chat"])
                .ok_or_else(|| Error::invalid("payload", "the payload has no chat"))?;
            let id = id_at(chat, &["id"])
                .ok_or_else(|| Error::invalid("payload", "the chat has no id"))?;
            let users: Vec<Participant> = at(chat, &["users"])
                .and_then(Value::as_array)
                .map(|l| l.iter().map(user).collect())
                .unwrap_or_default();
            let thread = at(chat, &["thread"]);
            let thread_id = thread.and_then(|t| id_at(t, &["id"]));
            let mut events = vec![NormalizedEvent::ConversationStarted {
                customer: users
                    .iter()
                    .find(|u| u.kind == Some(SenderType::Customer))
                    .cloned(),
                started_at: thread.and_then(|t| time_at(t, &["created_at"])),
                first_message: None,
                participants: users.clone(),
            }];
            let thread_events = thread
                .and_then(|t| at(t, &["events"]))
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or_default();
            for e in thread_events {
                if let Some(m) = event_message(e, &users) {
                    events.push(NormalizedEvent::MessageAdded(m));
                }
            }
            let event_id = match thread_id {
                Some(t) => format!("incoming_chat:{id}:{t}"),
                None => digest_id(),
            };
            (event_id, id, events)
        }
        "incoming_event" => {
            let id = chat_id()?;
            let event = at(payload, &["event"]);
            let event_id = match event.and_then(|e| id_at(e, &["id"])) {
                Some(e) => format!("incoming_event:{id}:{e}"),
                None => digest_id(),
            };
            let events = event
                .and_then(|e| event_message(e, &[]))
                .map(NormalizedEvent::MessageAdded)
                .into_iter()
                .collect();
            (event_id, id, events)
        }
        "chat_deactivated" => {
            let id = chat_id()?;
            let event_id = match id_at(payload, &["thread_id"]) {
                Some(t) => format!("chat_deactivated:{id}:{t}"),
                None => digest_id(),
            };
            (
                event_id,
                id,
                vec![NormalizedEvent::ConversationClosed { closed_at: None }],
            )
        }
        "chat_transferred" => {
            let id = chat_id()?;
            let ids = |key: &str| -> Vec<String> {
                at(payload, &["transferred_to", key])
                    .and_then(Value::as_array)
                    .map(|l| {
                        l.iter()
                            .filter_map(|v| match v {
                                Value::String(s) => Some(s.clone()),
                                Value::Number(n) => Some(n.to_string()),
                                _ => None,
                            })
                            .collect()
                    })
                    .unwrap_or_default()
            };
            (
                digest_id(),
                id,
                vec![NormalizedEvent::Transferred {
                    agent_ids: ids("agent_ids"),
                    group_ids: ids("group_ids"),
                    reason: str_at(payload, &["reason"]).map(str::to_owned),
                }],
            )
        }
        "chat_properties_updated" | "thread_properties_updated" => {
            let id = chat_id()?;
            let rating = at(payload, &["properties", "rating"]);
            let score = rating
                .and_then(|r| at(r, &["score"]))
                .and_then(property_number)
                .and_then(|s| rating_from_scale(s, 0.0, 1.0));
            let comment = rating
                .and_then(|r| at(r, &["comment"]))
                .and_then(property_string);
            let events = if score.is_some() || comment.is_some() {
                vec![NormalizedEvent::Rated {
                    rating: score,
                    comment,
                    rated_at: None,
                }]
            } else {
                Vec::new()
            };
            (digest_id(), id, events)
        }
        other => return Ok(vec![WebhookEvent::ignored(digest_id(), other)]),
    };
    Ok(vec![WebhookEvent {
        event_id: super::webhook::fit_id(&event_id),
        event_type: action.to_owned(),
        platform_conversation_id: Some(conversation_id),
        events,
    }])
}

/// A property value is either the value itself or `{"value": …}` (both forms appear in the
/// docs' samples).
fn property_value(v: &Value) -> &Value {
    v.get("value").unwrap_or(v)
}

fn property_number(v: &Value) -> Option<f64> {
    match property_value(v) {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
        _ => None,
    }
}

fn property_string(v: &Value) -> Option<String> {
    property_value(v)
        .as_str()
        .filter(|s| !s.trim().is_empty())
        .map(str::to_owned)
}

/// The role of an author id LiveChat gave without a role: agents are identified by their
/// e-mail address, customers by a UUID.
pub fn guess_author_kind(id: &str) -> SenderType {
    if id.contains('@') {
        SenderType::Agent
    } else {
        SenderType::Customer
    }
}
