//! Drift conversation API client (`https://driftapi.com`, OAuth `Bearer` token).
//!
//! Credentials (the plugin's `drift_*` settings without the prefix): `api_token`, and
//! `user_id` (the Drift user our agents' replies are attributed to; optional).
//!
//! Drift's API documents no idempotency keys and no error body: writes are never resent
//! after a timeout or a 5xx, and errors are reported with the HTTP status and whatever
//! `error` / `message` the body carries.

use serde_json::{json, Value};

use super::http::{incomplete, path_id, vendor_id, Auth, Request, VendorHttp};
use super::Platform;
use super::{
    ClientConfig, Contact, HistoryPage, NewConversation, OutgoingAuthor, OutgoingMessage,
    RemoteConversation, RemoteMessage,
};
use crate::error::{Error, Result};
use crate::platforms::drift::message;

/// Drift's API host.
pub const BASE_URL: &str = "https://driftapi.com";

/// Drift publishes no error schema; bodies seen are `{"error":{"type","message"}}` or
/// `{"error":"…","message":"…"}`.
fn error_body(status: u16, b: &Value) -> (String, String) {
    let code = b["error"]["type"]
        .as_str()
        .or_else(|| b["error"].as_str())
        .map_or_else(|| format!("http_{status}"), str::to_owned);
    let msg = b["error"]["message"]
        .as_str()
        .or_else(|| b["message"].as_str())
        .unwrap_or_default()
        .to_owned();
    (code, msg)
}

/// The Drift client.
#[derive(Debug, Clone)]
pub struct DriftClient {
    /// The configuration it was built from.
    pub config: ClientConfig,
    http: VendorHttp,
}

impl DriftClient {
    /// Builds the client; `invalid_argument` without an API token.
    pub fn new(config: ClientConfig) -> Result<Self> {
        let token = config.credential("api_token")?.to_owned();
        let http = VendorHttp::new(&config, BASE_URL, Auth::Bearer(token), &[], error_body)?;
        Ok(DriftClient { config, http })
    }

    /// The shared HTTP layer (base URL, health).
    pub fn http(&self) -> &VendorHttp {
        &self.http
    }

    /// `GET /users/list`: the organisation's users prove the token works.
    pub async fn test_connection(&self) -> Result<Value> {
        let r = self.http.call(Request::get("/users/list")).await?;
        let users = r.body["data"].as_array().map_or(0, Vec::len);
        Ok(json!({ "platform": "drift", "users": users }))
    }

    /// `GET /contacts?email=`, else `POST /contacts`.
    pub async fn upsert_contact(&self, contact: &Contact) -> Result<String> {
        let email = contact
            .email
            .clone()
            .filter(|e| !e.is_empty())
            .ok_or_else(|| Error::invalid("contact.email", "Drift finds contacts by e-mail"))?;
        let found = self
            .http
            .call(Request::get("/contacts").query("email", email.clone()))
            .await?;
        if let Some(id) = found.body["data"]
            .as_array()
            .and_then(|l| l.first())
            .and_then(|c| vendor_id(&c["id"]))
        {
            return Ok(id);
        }
        let mut attributes = contact.attributes.clone();
        attributes.insert("email".into(), email.into());
        if let Some(n) = &contact.name {
            attributes.insert("name".into(), n.clone().into());
        }
        if let Some(x) = &contact.external_id {
            attributes.insert("externalId".into(), x.clone().into());
        }
        let r = self
            .http
            .call(Request::post(
                "/contacts",
                json!({ "attributes": attributes }),
            ))
            .await?;
        vendor_id(&r.body["data"]["id"])
            .ok_or_else(|| incomplete(Platform::Drift, "a contact id", &r.body))
    }

    /// `POST /conversations/new` from the contact's e-mail with the first message.
    pub async fn create_conversation(&self, conv: &NewConversation) -> Result<RemoteConversation> {
        let email = conv
            .contact
            .email
            .clone()
            .filter(|e| !e.is_empty())
            .ok_or_else(|| {
                Error::invalid("contact.email", "Drift starts conversations by e-mail")
            })?;
        if conv.body.trim().is_empty() {
            return Err(Error::invalid("body", "the first message is empty"));
        }
        let body = json!({
            "email": email,
            "message": { "body": conv.body, "attributes": { "integrationSource": "BookingX Live Chat" } },
        });
        let r = self
            .http
            .call(Request::post("/conversations/new", body))
            .await?;
        let id = vendor_id(&r.body["id"])
            .ok_or_else(|| incomplete(Platform::Drift, "a conversation id", &r.body))?;
        // Drift's answer does not name the opening message; read it back (a read, safe to
        // retry) so the copy a webhook or a history import brings is recognised. Best
        // effort: the conversation exists whether or not this works.
        let first_message_id = match self.get_history(&id, None).await {
            Ok(page) => page
                .messages
                .first()
                .and_then(|m| m.platform_message_id.clone()),
            Err(_) => None,
        };
        Ok(RemoteConversation {
            id,
            contact_id: vendor_id(&r.body["contactId"]),
            first_message_id,
            raw: r.body,
        })
    }

    /// `POST /conversations/{id}/messages` (`chat`, or `private_note` when internal).
    /// Drift's API posts as a Drift user only: customer messages are refused.
    pub async fn send_message(&self, id: &str, msg: &OutgoingMessage) -> Result<RemoteMessage> {
        if msg.author == OutgoingAuthor::Customer {
            return Err(Error::invalid(
                "author",
                "Drift's API sends messages as a Drift user, not as the contact",
            ));
        }
        let mut body = json!({
            "type": if msg.internal { "private_note" } else { "chat" },
            "body": msg.body,
        });
        let user = msg
            .author_id
            .clone()
            .or_else(|| self.config.credentials.get("user_id").and_then(vendor_id));
        if let Some(u) = user.and_then(|u| u.parse::<i64>().ok()) {
            body["userId"] = u.into();
        }
        let path = format!("/conversations/{}/messages", path_id(id)?);
        let r = self.http.call(Request::post(path, body)).await?;
        Ok(RemoteMessage {
            id: vendor_id(&r.body["data"]["messages"][0]["id"]),
            conversation_id: id.to_owned(),
            raw: r.body,
        })
    }

    /// `GET /conversations/{id}/messages` (`next` as the cursor).
    pub async fn get_history(&self, id: &str, cursor: Option<&str>) -> Result<HistoryPage> {
        let mut req = Request::get(format!("/conversations/{}/messages", path_id(id)?));
        if let Some(c) = cursor {
            req = req.query("next", c);
        }
        let r = self.http.call(req).await?;
        let messages = r.body["data"]["messages"]
            .as_array()
            .map(|l| l.iter().filter_map(message).collect())
            .unwrap_or_default();
        let p = &r.body["data"]["pagination"];
        let next = if p["more"].as_bool() == Some(true) {
            vendor_id(&p["next"])
        } else {
            None
        };
        Ok(HistoryPage {
            messages,
            next_cursor: next,
        })
    }
}
