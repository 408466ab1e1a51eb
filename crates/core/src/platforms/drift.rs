//! Drift (Salesloft) webhooks.
//!
//! Authenticity: Drift's app "Verification Token" (App Credentials) is sent with every event
//! both as the body field `token` and as the `X-Verification-Token` header (devdocs.drift.com,
//! "Webhooks: Subscribing to Drift Events"). We require at least one of them, and every one
//! present must equal the configured token (constant-time). No HMAC header exists: the
//! research found no `x-drift-signature` in any Drift source, so none is checked. Drift also
//! publishes its source IP addresses; filtering on them is left to the web server.
//!
//! Body: `{"type": "<event>", "token": "…", "orgId": <int>, "data": {…}}`, without a delivery
//! id: redeliveries are recognised by the message id, or the body's SHA-256.
//!
//! Events:
//! - `new_message` (`data` is a Message: `id`, `conversationId`, `body` (HTML), `author{type
//!   contact|user, id, bot}`, `type` chat|private_note, `createdAt` in ms) → a message.
//!   Private notes are internal and not stored. The conversation is created by its first
//!   message when no start event came before.
//! - `new_conversation` / `conversation_started`: UNCONFIRMED names (Drift's table lists no
//!   conversation-start event; the spec names `conversation_started`). Accepted with
//!   `data.conversationId` (or `data.id`), `data.contactId`, `data.createdAt`.
//! - `conversation_status_updated` (deprecated by Drift, still delivered to older apps) with
//!   `data.status: "closed"` → closed. `conversation_ended` (the spec's name, UNCONFIRMED)
//!   is read the same way.

use serde_json::Value;

use super::webhook::{
    at, body_event_id, bool_at, id_at, json_object, secrets_equal, signature_error, str_at,
    time_at, BodyFormat, Headers, IncomingMessage, NormalizedEvent, Participant, Platform,
    SenderType, WebhookEvent,
};
use crate::error::{Error, Result};

/// Checks the verification token (header and/or body field).
pub fn verify(headers: &Headers, body: &[u8], secret: &[u8]) -> Result<()> {
    let p = Platform::Drift;
    let header = headers.non_empty("X-Verification-Token");
    let field = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v.get("token").and_then(Value::as_str).map(str::to_owned));
    if header.is_none() && field.is_none() {
        return Err(signature_error(
            p,
            "missing_signature",
            "neither an X-Verification-Token header nor a token field was sent",
        ));
    }
    let ok = header.is_none_or(|h| secrets_equal(h.as_bytes(), secret))
        && field
            .as_deref()
            .is_none_or(|f| secrets_equal(f.as_bytes(), secret));
    if ok {
        Ok(())
    } else {
        Err(signature_error(
            p,
            "mismatch",
            "the verification token does not match",
        ))
    }
}

pub(crate) fn message(data: &Value) -> Option<IncomingMessage> {
    if str_at(data, &["type"]).is_some_and(|t| t != "chat") {
        return None;
    }
    let author_type = str_at(data, &["author", "type"]).map(str::to_owned);
    let kind = match author_type.as_deref() {
        Some("user") => SenderType::Agent,
        _ => SenderType::Customer,
    };
    let body = str_at(data, &["body"])?.to_owned();
    Some(IncomingMessage {
        platform_message_id: id_at(data, &["id"]),
        author: Participant {
            kind: Some(kind),
            id: id_at(data, &["author", "id"]),
            vendor_type: author_type,
            name: None,
            email: None,
            bot: bool_at(data, &["author", "bot"]),
        },
        body,
        format: BodyFormat::Html,
        sent_at: time_at(data, &["createdAt"]),
        message_type: "text",
        attachment_url: None,
    })
}

/// Normalises one event.
pub fn parse(_headers: &Headers, body: &[u8]) -> Result<Vec<WebhookEvent>> {
    let root = Value::Object(json_object(body)?);
    let kind =
        str_at(&root, &["type"]).ok_or_else(|| Error::invalid("type", "the event has no type"))?;
    let data = at(&root, &["data"]).cloned().unwrap_or(Value::Null);
    let conversation_id = id_at(&data, &["conversationId"]);
    let event = |event_id: String, conversation_id: Option<String>, events| WebhookEvent {
        event_id: super::webhook::fit_id(&event_id),
        event_type: kind.to_owned(),
        platform_conversation_id: conversation_id,
        events,
    };
    let out = match kind {
        "new_message" => {
            let id = conversation_id
                .ok_or_else(|| Error::invalid("data", "the message has no conversationId"))?;
            let event_id = match id_at(&data, &["id"]) {
                Some(m) => format!("new_message:{m}"),
                None => format!("new_message:{}", body_event_id(body)),
            };
            let events = message(&data)
                .map(NormalizedEvent::MessageAdded)
                .into_iter()
                .collect();
            event(event_id, Some(id), events)
        }
        "new_conversation" | "conversation_started" => {
            let id = conversation_id
                .or_else(|| id_at(&data, &["id"]))
                .ok_or_else(|| Error::invalid("data", "the event has no conversationId"))?;
            let customer = id_at(&data, &["contactId"]).map(|c| Participant {
                kind: Some(SenderType::Customer),
                id: Some(c),
                vendor_type: Some("contact".into()),
                ..Participant::default()
            });
            event(
                format!("{kind}:{id}"),
                Some(id),
                vec![NormalizedEvent::ConversationStarted {
                    customer,
                    started_at: time_at(&data, &["createdAt"]),
                    first_message: None,
                    participants: Vec::new(),
                }],
            )
        }
        "conversation_status_updated" | "conversation_ended" => {
            let id = conversation_id
                .or_else(|| id_at(&data, &["id"]))
                .ok_or_else(|| Error::invalid("data", "the event has no conversationId"))?;
            let closed = kind == "conversation_ended"
                || str_at(&data, &["status"]).is_some_and(|s| s.eq_ignore_ascii_case("closed"));
            let events = if closed {
                vec![NormalizedEvent::ConversationClosed {
                    closed_at: time_at(&data, &["updatedAt"])
                        .or_else(|| time_at(&data, &["closedAt"])),
                }]
            } else {
                Vec::new()
            };
            event(body_event_id(body), Some(id), events)
        }
        other => WebhookEvent::ignored(body_event_id(body), other),
    };
    Ok(vec![out])
}
