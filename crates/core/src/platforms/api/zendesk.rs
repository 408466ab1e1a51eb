//! Zendesk messaging server API client: Sunshine Conversations v2.
//!
//! The Zendesk Chat REST API has no call that posts into a live chat (see the shared
//! platform reference), so messages go through Zendesk messaging's Sunshine Conversations
//! API, the one Zendesk documents for sending: `https://{subdomain}.zendesk.com/sc/v2/apps/
//! {appId}/…`, Basic auth with an API key id and secret.
//!
//! Credentials (the plugin's `zendesk_*` settings without the prefix): `subdomain`,
//! `app_id`, `api_key` (the key id) and `api_token` (the key secret).
//!
//! History pages go *backwards* as Sunshine's do: the first page is the latest 100
//! messages (oldest first within the page), `next_cursor` leads to older ones.

use serde_json::{json, Value};

use super::http::{incomplete, path_id, vendor_id, Auth, Request, VendorHttp};
use super::Platform;
use super::{
    ClientConfig, Contact, HistoryPage, NewConversation, OutgoingAuthor, OutgoingMessage,
    RemoteConversation, RemoteMessage,
};
use crate::error::{Error, Result};
use crate::platforms::zendesk::sunshine_message;

/// `{"errors":[{"code","title"}]}` → (code, title).
fn error_body(status: u16, b: &Value) -> (String, String) {
    let first = &b["errors"][0];
    (
        first["code"]
            .as_str()
            .map_or_else(|| format!("http_{status}"), str::to_owned),
        first["title"].as_str().unwrap_or_default().to_owned(),
    )
}

/// The Zendesk (Sunshine Conversations) client.
#[derive(Debug, Clone)]
pub struct ZendeskClient {
    /// The configuration it was built from.
    pub config: ClientConfig,
    http: VendorHttp,
    app: String,
}

impl ZendeskClient {
    /// Builds the client; `invalid_argument` naming a missing credential.
    pub fn new(config: ClientConfig) -> Result<Self> {
        let app = path_id(config.credential("app_id")?)
            .map_err(|_| {
                Error::invalid("credentials.app_id", "the app id has unexpected characters")
            })?
            .to_owned();
        let key = config.credential("api_key")?.to_owned();
        let secret = config.credential("api_token")?.to_owned();
        let default_base = if config.base_url.is_some() {
            String::new()
        } else {
            let sub = config.credential("subdomain")?;
            if !sub.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
                return Err(Error::invalid(
                    "credentials.subdomain",
                    "the subdomain is the part before .zendesk.com",
                ));
            }
            format!("https://{sub}.zendesk.com/sc")
        };
        let http = VendorHttp::new(
            &config,
            &default_base,
            Auth::Basic(key, secret),
            &[],
            error_body,
        )?;
        Ok(ZendeskClient { config, http, app })
    }

    /// The shared HTTP layer (base URL, health).
    pub fn http(&self) -> &VendorHttp {
        &self.http
    }

    fn path(&self, rest: &str) -> String {
        format!("/v2/apps/{}{rest}", self.app)
    }

    /// `GET /v2/apps/{appId}`.
    pub async fn test_connection(&self) -> Result<Value> {
        let r = self.http.call(Request::get(self.path(""))).await?;
        Ok(json!({
            "platform": "zendesk",
            "account": r.body["app"]["displayName"],
            "app_id": r.body["app"]["id"],
        }))
    }

    /// `POST …/users` with our id as `externalId`; a 409 (the user exists) reads it back
    /// with `GET …/users/{externalId}`.
    pub async fn upsert_contact(&self, contact: &Contact) -> Result<String> {
        let ext = contact
            .external_id
            .clone()
            .filter(|x| !x.is_empty())
            .ok_or_else(|| {
                Error::invalid(
                    "contact.external_id",
                    "a Sunshine user needs an external id",
                )
            })?;
        let mut profile = serde_json::Map::new();
        if let Some(n) = &contact.name {
            let mut words = n.splitn(2, ' ');
            if let Some(g) = words.next().filter(|g| !g.is_empty()) {
                profile.insert("givenName".into(), g.into());
            }
            if let Some(s) = words.next().filter(|s| !s.is_empty()) {
                profile.insert("surname".into(), s.into());
            }
        }
        if let Some(e) = &contact.email {
            profile.insert("email".into(), e.clone().into());
        }
        let mut body = json!({ "externalId": ext });
        if !profile.is_empty() {
            body["profile"] = Value::Object(profile);
        }
        if !contact.attributes.is_empty() {
            body["metadata"] = Value::Object(contact.attributes.clone());
        }
        match self
            .http
            .call(Request::post(self.path("/users"), body))
            .await
        {
            Ok(r) => vendor_id(&r.body["user"]["id"])
                .ok_or_else(|| incomplete(Platform::Zendesk, "a user id", &r.body)),
            Err(e) if e.details.get("http_status") == Some(&Value::from(409)) => {
                let path = self.path(&format!("/users/{}", path_id(&ext)?));
                let r = self.http.call(Request::get(path)).await?;
                vendor_id(&r.body["user"]["id"]).ok_or(e)
            }
            Err(e) => Err(e),
        }
    }

    /// `POST …/conversations` (a personal conversation of the user), then the first message.
    pub async fn create_conversation(&self, conv: &NewConversation) -> Result<RemoteConversation> {
        if conv.body.trim().is_empty() {
            return Err(Error::invalid("body", "the first message is empty"));
        }
        let user = match &conv.contact_id {
            Some(id) => id.clone(),
            None => self.upsert_contact(&conv.contact).await?,
        };
        let mut body = json!({
            "type": "personal",
            "participants": [{ "userId": user, "subscribeSDKClient": false }],
        });
        if let Some(s) = &conv.subject {
            body["displayName"] = s.clone().into();
        }
        if !conv.metadata.is_empty() {
            body["metadata"] = Value::Object(conv.metadata.clone());
        }
        let r = self
            .http
            .call(Request::post(self.path("/conversations"), body))
            .await?;
        let id = vendor_id(&r.body["conversation"]["id"])
            .ok_or_else(|| incomplete(Platform::Zendesk, "a conversation id", &r.body))?;
        let first = self
            .send_message(
                &id,
                &OutgoingMessage {
                    author: OutgoingAuthor::Customer,
                    author_id: Some(user.clone()),
                    body: conv.body.clone(),
                    internal: false,
                    idempotency_key: None,
                },
            )
            .await?;
        Ok(RemoteConversation {
            id,
            contact_id: Some(user),
            first_message_id: first.id,
            raw: r.body,
        })
    }

    /// `POST …/conversations/{id}/messages` as the user or as the business.
    pub async fn send_message(&self, id: &str, msg: &OutgoingMessage) -> Result<RemoteMessage> {
        if msg.internal {
            return Err(Error::invalid(
                "internal",
                "Zendesk messaging has no internal notes",
            ));
        }
        let author = match msg.author {
            OutgoingAuthor::Customer => {
                let u = msg.author_id.clone().ok_or_else(|| {
                    Error::invalid("author_id", "a user message needs the Sunshine user id")
                })?;
                json!({ "type": "user", "userId": u })
            }
            OutgoingAuthor::Agent => json!({ "type": "business" }),
        };
        let mut body = json!({ "author": author, "content": { "type": "text", "text": msg.body } });
        if let Some(k) = &msg.idempotency_key {
            body["metadata"] = json!({ "bkx_message_id": k });
        }
        let path = self.path(&format!("/conversations/{}/messages", path_id(id)?));
        let r = self.http.call(Request::post(path, body)).await?;
        Ok(RemoteMessage {
            id: vendor_id(&r.body["messages"][0]["id"]),
            conversation_id: id.to_owned(),
            raw: r.body,
        })
    }

    /// `GET …/conversations/{id}/messages` (`page[before]` = `cursor`).
    pub async fn get_history(&self, id: &str, cursor: Option<&str>) -> Result<HistoryPage> {
        let path = self.path(&format!("/conversations/{}/messages", path_id(id)?));
        let mut req = Request::get(path);
        if let Some(c) = cursor {
            req = req.query("page[before]", path_id(c)?);
        }
        let r = self.http.call(req).await?;
        let messages = r.body["messages"]
            .as_array()
            .map(|l| l.iter().filter_map(sunshine_message).collect())
            .unwrap_or_default();
        let more = r.body["meta"]["hasMore"].as_bool() == Some(true);
        Ok(HistoryPage {
            messages,
            next_cursor: if more {
                vendor_id(&r.body["meta"]["beforeCursor"])
            } else {
                None
            },
        })
    }
}
