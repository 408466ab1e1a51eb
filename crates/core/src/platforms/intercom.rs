//! Intercom webhooks (API 2.x "notification_event").
//!
//! Signature: `X-Hub-Signature: sha1=<40 hex>`, the HMAC-SHA1 (RFC 2104) of the raw JSON
//! body keyed with the app's `client_secret` (Developer Hub → Basic Info). Intercom sends no
//! timestamp, so there is no freshness window: redeliveries are recognised by the
//! notification `id` (`notif_…`). Source: developers.intercom.com, "Webhook models" →
//! "Signed notifications" (2.x references).
//!
//! Envelope: `{"type":"notification_event","id":"notif_…","topic":"conversation.user.created",
//! "app_id":…,"created_at":<unix s>,"delivery_attempts":1,"data":{"type":
//! "notification_event_data","item":{…Conversation…}}}`. The conversation is the REST API's
//! Conversation object: `source` (the opening message: `id`, `body` HTML, `author{type,id,
//! name,email}`, `attachments`), `contacts.contacts[]`, `conversation_parts.
//! conversation_parts[]` (`id`, `part_type`, `body`, `created_at`, `author`, `assigned_to`),
//! `conversation_rating{rating 1–5, remark, created_at}`, `admin_assignee_id`,
//! `team_assignee_id`, `state`.

use hmac::{Hmac, Mac};
use serde_json::Value;
use sha1::Sha1;

use super::webhook::{
    at, body_event_id, bool_at, hex_decode, id_at, json_object, signature_error, str_at, time_at,
    BodyFormat, Headers, IncomingMessage, NormalizedEvent, Participant, Platform, SenderType,
    WebhookEvent,
};
use crate::error::{Error, Result};

/// The conversation topics we store; every other topic (`ping`, contacts, tickets...) is
/// acknowledged and ignored.
pub const TOPICS: &[&str] = &[
    "conversation.user.created",
    "conversation.user.replied",
    "conversation.admin.replied",
    "conversation.admin.single.created",
    "conversation.operator.replied",
    "conversation.admin.closed",
    "conversation.rating.added",
    "conversation.admin.assigned",
    "conversation.admin.open.assigned",
];

/// Checks `X-Hub-Signature` against the raw body.
pub fn verify(headers: &Headers, body: &[u8], secret: &[u8]) -> Result<()> {
    let p = Platform::Intercom;
    let header = headers.non_empty("X-Hub-Signature").ok_or_else(|| {
        signature_error(
            p,
            "missing_signature",
            "the X-Hub-Signature header is missing",
        )
    })?;
    let (scheme, hex) = header.split_once('=').ok_or_else(|| {
        signature_error(
            p,
            "malformed_signature",
            "X-Hub-Signature must be sha1=<hex>",
        )
    })?;
    if !scheme.trim().eq_ignore_ascii_case("sha1") {
        return Err(signature_error(
            p,
            "malformed_signature",
            "X-Hub-Signature must be sha1=<hex>",
        ));
    }
    let expected = hex_decode(hex).filter(|b| b.len() == 20).ok_or_else(|| {
        signature_error(
            p,
            "malformed_signature",
            "X-Hub-Signature is not 40 hex digits",
        )
    })?;
    let mut mac = Hmac::<Sha1>::new_from_slice(secret)
        .map_err(|_| Error::invalid("secret", "the secret cannot key an HMAC"))?;
    mac.update(body);
    mac.verify_slice(&expected).map_err(|_| {
        signature_error(
            p,
            "mismatch",
            "the webhook signature does not match the body",
        )
    })
}

/// Normalises one notification.
pub fn parse(_headers: &Headers, body: &[u8]) -> Result<Vec<WebhookEvent>> {
    let root = Value::Object(json_object(body)?);
    let topic = str_at(&root, &["topic"])
        .ok_or_else(|| Error::invalid("topic", "the notification has no topic"))?;
    let event_id = id_at(&root, &["id"]).unwrap_or_else(|| body_event_id(body));
    if !TOPICS.contains(&topic) {
        return Ok(vec![WebhookEvent::ignored(event_id, topic)]);
    }
    let item = at(&root, &["data", "item"])
        .filter(|i| i.is_object())
        .ok_or_else(|| Error::invalid("data", "the notification has no data.item"))?;
    let conversation_id =
        id_at(item, &["id"]).ok_or_else(|| Error::invalid("data", "the conversation has no id"))?;

    let mut events = vec![NormalizedEvent::ConversationStarted {
        customer: customer(item),
        started_at: time_at(item, &["created_at"]),
        // The opening message (its `source`): present in every conversation payload, so a
        // site that subscribed late still gets it; stored once whatever the topic.
        first_message: source_message(item),
        participants: Vec::new(),
    }];
    let parts = at(item, &["conversation_parts", "conversation_parts"])
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    for part in parts {
        if let Some(m) = part_message(part) {
            events.push(NormalizedEvent::MessageAdded(m));
        }
    }
    match topic {
        "conversation.admin.closed" => {
            let closed_at = parts
                .iter()
                .rev()
                .find(|p| str_at(p, &["part_type"]) == Some("close"))
                .and_then(|p| time_at(p, &["created_at"]))
                .or_else(|| time_at(item, &["updated_at"]));
            events.push(NormalizedEvent::ConversationClosed { closed_at });
        }
        "conversation.rating.added" => {
            let rating = at(item, &["conversation_rating", "rating"])
                .and_then(Value::as_f64)
                .and_then(|r| super::webhook::rating_from_scale(r, 1.0, 5.0));
            if let Some(rating) = rating {
                events.push(NormalizedEvent::Rated {
                    rating: Some(rating),
                    comment: str_at(item, &["conversation_rating", "remark"]).map(str::to_owned),
                    rated_at: time_at(item, &["conversation_rating", "created_at"]),
                });
            }
        }
        "conversation.admin.assigned" | "conversation.admin.open.assigned" => {
            let assigned = parts
                .iter()
                .rev()
                .find_map(|p| id_at(p, &["assigned_to", "id"]));
            let agent_ids: Vec<String> = assigned
                .or_else(|| id_at(item, &["admin_assignee_id"]))
                .into_iter()
                .collect();
            let group_ids: Vec<String> = id_at(item, &["team_assignee_id"]).into_iter().collect();
            events.push(NormalizedEvent::Transferred {
                agent_ids,
                group_ids,
                reason: Some("assigned".into()),
            });
        }
        _ => {}
    }
    Ok(vec![WebhookEvent {
        event_id,
        event_type: topic.to_owned(),
        platform_conversation_id: Some(conversation_id),
        events,
    }])
}

/// Intercom's author types: `user`, `lead`, `contact` (customers), `admin`, `team`
/// (agents), `bot` (Operator / Fin: an agent, flagged as a bot).
fn author(v: &Value) -> Participant {
    let vendor_type = str_at(v, &["type"]).map(str::to_owned);
    let kind = match vendor_type.as_deref() {
        Some("user" | "lead" | "contact" | "visitor") => Some(SenderType::Customer),
        Some("admin" | "team" | "bot") => Some(SenderType::Agent),
        _ => None,
    };
    Participant {
        kind: kind.or(Some(SenderType::Customer)),
        id: id_at(v, &["id"]),
        bot: vendor_type.as_deref() == Some("bot")
            || bool_at(v, &["from_ai_agent"])
            || bool_at(v, &["is_ai_answer"]),
        vendor_type,
        name: str_at(v, &["name"]).map(str::to_owned),
        email: str_at(v, &["email"]).map(str::to_owned),
    }
}

fn customer(item: &Value) -> Option<Participant> {
    if let Some(a) = at(item, &["source", "author"]) {
        let p = author(a);
        if p.kind == Some(SenderType::Customer) {
            return Some(p);
        }
    }
    let first = at(item, &["contacts", "contacts"])?.as_array()?.first()?;
    Some(Participant {
        kind: Some(SenderType::Customer),
        id: id_at(first, &["id"]),
        vendor_type: str_at(first, &["type"]).map(str::to_owned),
        ..Participant::default()
    })
}

fn first_attachment(v: &Value) -> (Option<String>, Option<String>) {
    let a = at(v, &["attachments"])
        .and_then(Value::as_array)
        .and_then(|l| l.first());
    match a {
        Some(a) => (
            str_at(a, &["url"]).map(str::to_owned),
            str_at(a, &["name"]).map(str::to_owned),
        ),
        None => (None, None),
    }
}

fn message(id: String, v: &Value, body: Option<&str>) -> Option<IncomingMessage> {
    let (url, name) = first_attachment(v);
    let body = body.map(str::to_owned).filter(|b| !b.trim().is_empty());
    let (body, message_type, format) = match (body, &url) {
        (Some(b), None) => (b, "text", BodyFormat::Html),
        (Some(b), Some(_)) => (b, "file", BodyFormat::Html),
        (None, Some(u)) => (name.unwrap_or_else(|| u.clone()), "file", BodyFormat::Text),
        (None, None) => return None,
    };
    Some(IncomingMessage {
        platform_message_id: Some(id),
        author: at(v, &["author"]).map(author).unwrap_or_default(),
        body,
        format,
        sent_at: time_at(v, &["created_at"]),
        message_type,
        attachment_url: url,
    })
}

pub(crate) fn source_message(item: &Value) -> Option<IncomingMessage> {
    let source = at(item, &["source"])?;
    // Source ids and part ids are different sequences: keep them apart.
    let id = format!("source:{}", id_at(source, &["id"])?);
    let mut m = message(id, source, str_at(source, &["body"]))?;
    if m.sent_at.is_none() {
        m.sent_at = time_at(item, &["created_at"]);
    }
    Some(m)
}

/// Parts that are messages the customer sees: comments, and the replies an admin sends while
/// assigning, closing or reopening. Notes (internal) and bare state changes are not messages.
pub(crate) fn part_message(part: &Value) -> Option<IncomingMessage> {
    let kind = str_at(part, &["part_type"])?;
    if !matches!(kind, "comment" | "assignment" | "close" | "open") {
        return None;
    }
    if bool_at(part, &["redacted"]) {
        return None;
    }
    message(id_at(part, &["id"])?, part, str_at(part, &["body"]))
}
