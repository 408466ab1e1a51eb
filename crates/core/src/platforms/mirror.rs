//! Conversations and messages kept here *and* on the vendor: the rules the vendor platform
//! classes follow when they create a conversation or send a message.
//!
//! 1. The unified tables come first: the conversation or message is stored locally, so it is
//!    never lost to a vendor outage (history, search and analytics see it at once).
//! 2. Then the vendor: the conversation is opened there (contact found or created) or the
//!    message posted into the linked vendor conversation.
//! 3. The vendor's ids are linked to ours (`platform_conversation_id`,
//!    `platform_message_id`), so the webhook the vendor sends about the same conversation or
//!    message lands in the same row and is not stored twice.
//!
//! What happened on the vendor's side is reported as a *delivery* (`platform_delivery` in the
//! PHP answers): `sent`; `failed` with the error (the local record is kept); `unsupported`
//! when the vendor's API cannot do it (tawk.to); `local_only` when no API credentials are
//! configured or the conversation is not linked to the vendor.

use serde_json::{json, Map, Value};

use super::api::{Contact, NewConversation, OutgoingAuthor, OutgoingMessage, PlatformClient};
use super::webhook::Platform;
use crate::chat::ChatService;
use crate::error::{ErrorCode, Result};
use crate::model::{Conversation, Message};

/// The delivery report of a vendor call whose local part already succeeded.
pub fn delivery(r: Result<Value>) -> Value {
    match r {
        Ok(v) => v,
        Err(e)
            if e.code == ErrorCode::InvalidArgument
                && e.details
                    .get("field")
                    .and_then(Value::as_str)
                    .is_some_and(|f| f.starts_with("credentials.")) =>
        {
            json!({ "status": "local_only", "reason": e.message })
        }
        Err(e) => {
            let status = if e.details.contains_key("unsupported_operation") {
                "unsupported"
            } else {
                "failed"
            };
            json!({ "status": status,
                "error": { "code": e.code.as_str(), "message": e.message, "details": e.details } })
        }
    }
}

/// Stores the conversation (`data` as `ChatService::create_conversation` takes it, platform
/// set to `platform`), then opens it on the vendor for `contact` and links the ids. `client`
/// is the vendor's client, or why there is none (missing credentials: `local_only`).
/// Returns the conversation as stored now, its first message, and the delivery report.
pub async fn create_conversation(
    chat: &ChatService,
    platform: Platform,
    client: Result<PlatformClient>,
    mut data: Map<String, Value>,
    mut contact: Contact,
) -> Result<(Conversation, Option<Message>, Value)> {
    if contact.external_id.is_none() {
        contact.external_id = match (data.get("customer_id"), data.get("visitor_id")) {
            (Some(Value::Number(n)), _) => Some(n.to_string()),
            (_, Some(Value::String(v))) => Some(v.clone()),
            _ => None,
        };
    }
    data.insert("platform".into(), platform.as_str().into());
    let (conv, first) = chat.create_conversation(&data).await?;
    let remote = async {
        let c = client?;
        let new = NewConversation {
            contact,
            contact_id: None,
            subject: None,
            body: first
                .as_ref()
                .map(|m| crate::sanitize::to_text(&m.body))
                .unwrap_or_default(),
            metadata: Map::from_iter([("bkx_conversation_id".to_owned(), conv.id.into())]),
        };
        let rc = c.create_conversation(&new).await?;
        let link = match (&first, &rc.first_message_id) {
            (Some(m), Some(pm)) => Some((m.id, pm.as_str())),
            _ => None,
        };
        chat.link_platform_ids(conv.id, Some(&rc.id), link).await?;
        if let Some(ct) = &rc.contact_id {
            let mut meta = Map::new();
            meta.insert("metadata".into(), json!({ "platform_contact_id": ct }));
            chat.update_conversation(conv.id, &meta).await?;
        }
        Ok(json!({ "status": "sent", "platform_conversation_id": rc.id,
            "platform_contact_id": rc.contact_id }))
    }
    .await;
    let fresh = chat.get_conversation(conv.id).await?;
    Ok((fresh, first, delivery(remote)))
}

/// Stores the message in conversation `conversation_id`, then posts it into the linked
/// vendor conversation (as the customer or an agent, after its `sender_type`; `author_id`
/// overrides the vendor author id, the customer's defaults to the conversation's
/// `platform_contact_id`) with our message id as the idempotency key, and links the ids.
/// Returns the message as stored now and the delivery report.
pub async fn send_message(
    chat: &ChatService,
    platform: Platform,
    client: Result<PlatformClient>,
    conversation_id: u64,
    message: &Map<String, Value>,
    author_id: Option<String>,
) -> Result<(Message, Value)> {
    let (msg, _) = chat.send_message(conversation_id, message).await?;
    let conv = chat.get_conversation(conversation_id).await?;
    let remote = match (
        &conv.platform_conversation_id,
        conv.platform == platform.as_str(),
    ) {
        (Some(pid), true) => {
            async {
                let c = client?;
                let author = if msg.sender_type == "customer" {
                    OutgoingAuthor::Customer
                } else {
                    OutgoingAuthor::Agent
                };
                let author_id = author_id.or_else(|| match author {
                    OutgoingAuthor::Customer => conv
                        .metadata
                        .get("platform_contact_id")
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                    OutgoingAuthor::Agent => None,
                });
                let out = OutgoingMessage {
                    author,
                    author_id,
                    body: crate::sanitize::to_text(&msg.body),
                    internal: false,
                    idempotency_key: Some(msg.id.to_string()),
                };
                let rm = c.send_message(pid, &out).await?;
                if let Some(pm) = &rm.id {
                    chat.link_platform_ids(conversation_id, None, Some((msg.id, pm)))
                        .await?;
                }
                Ok(json!({ "status": "sent", "platform_message_id": rm.id }))
            }
            .await
        }
        _ => Ok(json!({ "status": "local_only",
            "reason": "the conversation is not linked to the platform" })),
    };
    let fresh = chat.get_message(msg.id).await?;
    Ok((fresh, delivery(remote)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;

    #[test]
    fn deliveries_say_what_the_vendor_did() {
        assert_eq!(delivery(Ok(json!({"status": "sent"})))["status"], "sent");
        let missing = Error::invalid(
            "credentials.api_key",
            "the intercom credential 'api_key' is missing",
        );
        assert_eq!(delivery(Err(missing))["status"], "local_only");
        let down = Error::new(ErrorCode::PlatformUnavailable, "intercom: timed out");
        let d = delivery(Err(down));
        assert_eq!(d["status"], "failed");
        assert_eq!(d["error"]["code"], "platform_unavailable");
        let none = super::super::api::unsupported(Platform::Tawk, "send_message");
        assert_eq!(delivery(Err(none))["status"], "unsupported");
    }
}
