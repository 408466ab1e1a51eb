//! Intercom REST API client (version pinned by the `Intercom-Version` header).
//!
//! Credentials (the plugin's `intercom_*` settings without the prefix): `api_key` (the
//! access token, sent as `Bearer`), `admin_id` (the teammate our agents reply as; looked up
//! with `GET /me` when absent). Calls: `GET /me`, `POST /contacts` (+ `POST
//! /contacts/search` on a 409 conflict), `POST /conversations`, `POST
//! /conversations/{id}/reply`, `GET /conversations/{id}`, `POST /events`.
//!
//! Nothing Intercom writes is idempotent (it has no idempotency keys), so writes are never
//! resent after a timeout or a 5xx (see the HTTP layer).

use serde_json::{json, Map, Value};

use super::http::{incomplete, path_id, vendor_id, Auth, Request, VendorHttp};
use super::Platform;
use super::{
    ClientConfig, Contact, HistoryPage, NewConversation, OutgoingAuthor, OutgoingMessage,
    RemoteConversation, RemoteMessage,
};
use crate::error::{Error, Result};
use crate::platforms::intercom::{part_message, source_message};

/// The REST API version we speak (a stable version of the vendor's published spec).
pub const API_VERSION: &str = "2.14";
/// Intercom's US region; EU/AU workspaces set the base URL in the settings.
pub const BASE_URL: &str = "https://api.intercom.io";

/// `{"type":"error.list","errors":[{"code","message"}]}` → (code, message).
fn error_body(status: u16, b: &Value) -> (String, String) {
    let first = &b["errors"][0];
    (
        first["code"]
            .as_str()
            .map_or_else(|| format!("http_{status}"), str::to_owned),
        first["message"].as_str().unwrap_or_default().to_owned(),
    )
}

/// The Intercom client.
#[derive(Debug, Clone)]
pub struct IntercomClient {
    /// The configuration it was built from.
    pub config: ClientConfig,
    http: VendorHttp,
}

impl IntercomClient {
    /// Builds the client; `invalid_argument` without an access token.
    pub fn new(config: ClientConfig) -> Result<Self> {
        let token = config.credential("api_key")?.to_owned();
        let http = VendorHttp::new(
            &config,
            BASE_URL,
            Auth::Bearer(token),
            &[("intercom-version", API_VERSION.to_owned())],
            error_body,
        )?;
        Ok(IntercomClient { config, http })
    }

    /// The shared HTTP layer (base URL, health).
    pub fn http(&self) -> &VendorHttp {
        &self.http
    }

    /// `GET /me`: the admin the token belongs to and its workspace.
    pub async fn test_connection(&self) -> Result<Value> {
        let r = self.http.call(Request::get("/me")).await?;
        Ok(json!({
            "platform": "intercom",
            "account": r.body["app"]["name"],
            "workspace_id": r.body["app"]["id_code"],
            "admin": { "id": r.body["id"], "name": r.body["name"], "email": r.body["email"] },
            "api_version": API_VERSION,
        }))
    }

    /// `POST /contacts`; on a 409 the existing contact is found with `POST /contacts/search`
    /// by `external_id` (else e-mail).
    pub async fn upsert_contact(&self, contact: &Contact) -> Result<String> {
        if contact.external_id.is_none() && contact.email.is_none() {
            return Err(Error::invalid(
                "contact",
                "an Intercom contact needs an external id or an e-mail",
            ));
        }
        let mut body = json!({ "role": "user" });
        for (k, v) in [
            ("external_id", &contact.external_id),
            ("email", &contact.email),
            ("name", &contact.name),
            ("phone", &contact.phone),
        ] {
            if let Some(v) = v {
                body[k] = v.clone().into();
            }
        }
        if !contact.attributes.is_empty() {
            body["custom_attributes"] = Value::Object(contact.attributes.clone());
        }
        match self.http.call(Request::post("/contacts", body)).await {
            Ok(r) => vendor_id(&r.body["id"])
                .ok_or_else(|| incomplete(Platform::Intercom, "a contact id", &r.body)),
            Err(e) if e.details.get("http_status") == Some(&Value::from(409)) => {
                let (field, value) = match (&contact.external_id, &contact.email) {
                    (Some(x), _) => ("external_id", x.clone()),
                    (None, Some(m)) => ("email", m.clone()),
                    (None, None) => return Err(e),
                };
                let q = json!({ "query": { "field": field, "operator": "=", "value": value } });
                let r = self
                    .http
                    .call(Request::post("/contacts/search", q).idempotent())
                    .await?;
                vendor_id(&r.body["data"][0]["id"]).ok_or(e)
            }
            Err(e) => Err(e),
        }
    }

    /// `POST /conversations` as the contact; Intercom answers with the first message,
    /// which names the new conversation.
    pub async fn create_conversation(&self, conv: &NewConversation) -> Result<RemoteConversation> {
        let contact_id = match &conv.contact_id {
            Some(id) => id.clone(),
            None => self.upsert_contact(&conv.contact).await?,
        };
        if conv.body.trim().is_empty() {
            return Err(Error::invalid("body", "the first message is empty"));
        }
        let body = json!({ "from": { "type": "user", "id": contact_id }, "body": conv.body });
        let r = self
            .http
            .call(Request::post("/conversations", body))
            .await?;
        let id = vendor_id(&r.body["conversation_id"])
            .ok_or_else(|| incomplete(Platform::Intercom, "a conversation id", &r.body))?;
        Ok(RemoteConversation {
            id,
            contact_id: Some(contact_id),
            // Named as the webhook normaliser names the conversation's source message.
            first_message_id: vendor_id(&r.body["id"]).map(|m| format!("source:{m}")),
            raw: r.body,
        })
    }

    /// The admin our agents reply as: `admin_id`, else the token's own admin (`GET /me`).
    async fn admin_id(&self, given: &Option<String>) -> Result<String> {
        if let Some(a) = given.as_ref().filter(|a| !a.is_empty()) {
            return Ok(a.clone());
        }
        if let Some(a) = self.config.credentials.get("admin_id").and_then(vendor_id) {
            return Ok(a);
        }
        let r = self.http.call(Request::get("/me")).await?;
        vendor_id(&r.body["id"])
            .ok_or_else(|| incomplete(Platform::Intercom, "an admin id", &r.body))
    }

    /// `POST /conversations/{id}/reply`: a contact reply (`author_id` = the contact id) or an
    /// admin comment / note. Returns the new part's id (the conversation's last part).
    pub async fn send_message(&self, id: &str, msg: &OutgoingMessage) -> Result<RemoteMessage> {
        let body = match msg.author {
            OutgoingAuthor::Customer => {
                let user = msg.author_id.clone().ok_or_else(|| {
                    Error::invalid("author_id", "a contact reply needs the contact id")
                })?;
                json!({ "message_type": "comment", "type": "user", "intercom_user_id": user, "body": msg.body })
            }
            OutgoingAuthor::Agent => json!({
                "message_type": if msg.internal { "note" } else { "comment" },
                "type": "admin",
                "admin_id": self.admin_id(&msg.author_id).await?,
                "body": msg.body,
            }),
        };
        let path = format!("/conversations/{}/reply", path_id(id)?);
        let r = self.http.call(Request::post(path, body)).await?;
        let last = r.body["conversation_parts"]["conversation_parts"]
            .as_array()
            .and_then(|l| l.last())
            .and_then(|p| vendor_id(&p["id"]));
        Ok(RemoteMessage {
            id: last,
            conversation_id: id.to_owned(),
            raw: r.body,
        })
    }

    /// `GET /conversations/{id}` (plain text): the opening message and every visible part.
    /// Intercom returns up to 500 parts at once, so there is a single page.
    pub async fn get_history(&self, id: &str, _cursor: Option<&str>) -> Result<HistoryPage> {
        let path = format!("/conversations/{}", path_id(id)?);
        let r = self
            .http
            .call(Request::get(path).query("display_as", "plaintext"))
            .await?;
        let mut messages: Vec<_> = source_message(&r.body).into_iter().collect();
        if let Some(parts) = r.body["conversation_parts"]["conversation_parts"].as_array() {
            messages.extend(parts.iter().filter_map(part_message));
        }
        Ok(HistoryPage {
            messages,
            next_cursor: None,
        })
    }

    /// `POST /events`: a data event on the contact's timeline (e.g. `booking-created`), for
    /// Intercom's own segments and campaigns.
    pub async fn submit_data_event(
        &self,
        event_name: &str,
        user_id: &str,
        created_at: i64,
        metadata: &Map<String, Value>,
    ) -> Result<()> {
        if event_name.is_empty() || user_id.is_empty() {
            return Err(Error::invalid(
                "event_name",
                "a data event needs a name and a user id",
            ));
        }
        let mut body =
            json!({ "event_name": event_name, "created_at": created_at, "user_id": user_id });
        if !metadata.is_empty() {
            // The API's metadata values are strings (`create_data_event_request`).
            let meta: Map<String, Value> = metadata
                .iter()
                .map(|(k, v)| {
                    let s = match v {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    (k.clone(), Value::String(s))
                })
                .collect();
            body["metadata"] = Value::Object(meta);
        }
        self.http.call(Request::post("/events", body)).await?;
        Ok(())
    }

    /// Pushes a WordPress user's details to their Intercom contact (create or find).
    pub async fn sync_user(&self, contact: &Contact) -> Result<String> {
        self.upsert_contact(contact).await
    }
}
