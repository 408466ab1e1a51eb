//! tawk.to webhooks (developer.tawk.to/webhooks).
//!
//! Signature: `X-Tawk-Signature` = hex HMAC-SHA1 of the raw body keyed with the webhook's
//! secret key (the vendor's Node/PHP/Ruby samples compute `hash_hmac('sha1', $body,
//! SECRET)`). No timestamp is sent. `X-Hook-Event-Id` "will remain the same in case of
//! retries": it is the event id. Retries run for up to 12 hours; the request times out after
//! 30 seconds.
//!
//! Events: `chat:start` (the first message of a chat, by visitor or agent), `chat:end`,
//! `chat:transcript_created` (the whole chat, about three minutes after the visitor left) and
//! `ticket:create` (ignored: tickets are not chats). Payload fields (`event`, `chatId`,
//! `time` ISO 8601, `message{text, type msg|file|webrtc-call, sender{type visitor|agent|
//! system}}`, `visitor{name, email?, city, country}`, `property{id, name}`; transcripts:
//! `chat{id, visitor, messages[{sender{t v|a|s, n?, id?}, type, msg, time, attchs?}]}`)
//! come from the official table's first rows plus third-party schemas: partly UNCONFIRMED,
//! so every field is optional here except the chat id.
//!
//! tawk.to sends no message ids. The opening message of `chat:start` is stored as `start`;
//! transcript messages as `transcript:<n>`, and the ingestion skips a transcript message that
//! repeats one already stored from a live event (same side, same text).

use hmac::{Hmac, Mac};
use serde_json::Value;
use sha1::Sha1;

use super::webhook::{
    at, body_event_id, fit_id, hex_decode, id_at, json_object, signature_error, str_at, time_at,
    BodyFormat, Headers, IncomingMessage, NormalizedEvent, Participant, Platform, SenderType,
    WebhookEvent,
};
use crate::error::{Error, Result};

/// Checks `X-Tawk-Signature` against the raw body.
pub fn verify(headers: &Headers, body: &[u8], secret: &[u8]) -> Result<()> {
    let p = Platform::Tawk;
    let header = headers.non_empty("X-Tawk-Signature").ok_or_else(|| {
        signature_error(
            p,
            "missing_signature",
            "the X-Tawk-Signature header is missing",
        )
    })?;
    // The samples send bare hex; a `sha1=` prefix is tolerated.
    let hex = header
        .split_once('=')
        .filter(|(s, _)| s.eq_ignore_ascii_case("sha1"))
        .map_or(header, |(_, h)| h);
    let expected = hex_decode(hex).filter(|b| b.len() == 20).ok_or_else(|| {
        signature_error(
            p,
            "malformed_signature",
            "X-Tawk-Signature is not 40 hex digits",
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

fn visitor(v: &Value) -> Participant {
    Participant {
        kind: Some(SenderType::Customer),
        id: id_at(v, &["id"]),
        vendor_type: Some("visitor".into()),
        name: str_at(v, &["name"]).map(str::to_owned),
        email: str_at(v, &["email"]).map(str::to_owned),
        bot: false,
    }
}

fn kind_of(word: Option<&str>) -> SenderType {
    match word {
        Some("agent" | "a") => SenderType::Agent,
        Some("system" | "s") => SenderType::System,
        _ => SenderType::Customer,
    }
}

fn message(
    id: String,
    text: &str,
    kind_word: Option<&str>,
    sender: Participant,
    msg_type: Option<&str>,
    sent_at: Option<chrono::NaiveDateTime>,
) -> IncomingMessage {
    let kind = kind_of(kind_word);
    let is_file = msg_type == Some("file");
    let url = text.trim();
    IncomingMessage {
        platform_message_id: Some(id),
        author: Participant {
            kind: Some(kind),
            vendor_type: kind_word.map(str::to_owned),
            ..sender
        },
        body: text.to_owned(),
        format: BodyFormat::Text,
        sent_at,
        message_type: match (kind, is_file) {
            (SenderType::System, _) => "system",
            (_, true) => "file",
            _ => "text",
        },
        attachment_url: (is_file && (url.starts_with("https://") || url.starts_with("http://")))
            .then(|| url.to_owned()),
    }
}

/// Normalises one event.
pub fn parse(headers: &Headers, body: &[u8]) -> Result<Vec<WebhookEvent>> {
    let root = Value::Object(json_object(body)?);
    let kind = str_at(&root, &["event"])
        .ok_or_else(|| Error::invalid("event", "the webhook has no event name"))?;
    let event_id = headers
        .non_empty("X-Hook-Event-Id")
        .map(fit_id)
        .unwrap_or_else(|| body_event_id(body));
    let time = time_at(&root, &["time"]);
    let (conversation_id, events) = match kind {
        "chat:start" => {
            let id = id_at(&root, &["chatId"])
                .ok_or_else(|| Error::invalid("chatId", "the event has no chatId"))?;
            let customer = at(&root, &["visitor"]).map(visitor);
            let first = at(&root, &["message"]).and_then(|m| {
                let text = str_at(m, &["text"])?;
                let word = str_at(m, &["sender", "type"]);
                let sender = if kind_of(word) == SenderType::Customer {
                    customer.clone().unwrap_or_default()
                } else {
                    Participant::default()
                };
                Some(message(
                    "start".into(),
                    text,
                    word,
                    sender,
                    str_at(m, &["type"]),
                    time,
                ))
            });
            (
                id,
                vec![NormalizedEvent::ConversationStarted {
                    customer,
                    started_at: time,
                    first_message: first,
                    participants: Vec::new(),
                }],
            )
        }
        "chat:end" => {
            let id = id_at(&root, &["chatId"])
                .ok_or_else(|| Error::invalid("chatId", "the event has no chatId"))?;
            (
                id,
                vec![NormalizedEvent::ConversationClosed { closed_at: time }],
            )
        }
        "chat:transcript_created" => {
            let chat = at(&root, &["chat"])
                .ok_or_else(|| Error::invalid("chat", "the transcript has no chat"))?;
            let id = id_at(chat, &["id"])
                .or_else(|| id_at(&root, &["chatId"]))
                .ok_or_else(|| Error::invalid("chat", "the transcript has no chat id"))?;
            let customer = at(chat, &["visitor"]).map(visitor);
            let messages = transcript_messages(chat, customer.as_ref());
            let ended_at = messages.iter().filter_map(|m| m.sent_at).max().or(time);
            (
                id,
                vec![NormalizedEvent::Transcript {
                    customer,
                    messages,
                    ended_at,
                }],
            )
        }
        other => return Ok(vec![WebhookEvent::ignored(event_id, other)]),
    };
    Ok(vec![WebhookEvent {
        event_id,
        event_type: kind.to_owned(),
        platform_conversation_id: Some(conversation_id),
        events,
    }])
}

/// The messages of a tawk.to chat object (`chat.messages[]`: `sender{t|type,n,id}`, `msg`,
/// `type`, `time`), as the transcript webhook and the REST `chat.get` both carry them.
pub(crate) fn transcript_messages(
    chat: &Value,
    customer: Option<&Participant>,
) -> Vec<IncomingMessage> {
    let list = at(chat, &["messages"])
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let mut messages = Vec::new();
    for (n, m) in list.iter().enumerate() {
        let Some(text) = str_at(m, &["msg"]).or_else(|| str_at(m, &["text"])) else {
            continue;
        };
        let word = str_at(m, &["sender", "t"]).or_else(|| str_at(m, &["sender", "type"]));
        let sender = if kind_of(word) == SenderType::Customer {
            customer.cloned().unwrap_or_default()
        } else {
            Participant {
                id: id_at(m, &["sender", "id"]),
                name: str_at(m, &["sender", "n"]).map(str::to_owned),
                ..Participant::default()
            }
        };
        messages.push(message(
            format!("transcript:{n}"),
            text,
            word,
            sender,
            str_at(m, &["type"]),
            time_at(m, &["time"]),
        ));
    }
    messages
}
