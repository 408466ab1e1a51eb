//! tawk.to REST API client (`https://api.tawk.to/v1/<method>`, every call a `POST` with a
//! JSON body, HTTP Basic with the API key as user name and an empty password).
//!
//! Credentials (the plugin's `tawk_*` settings without the prefix): `api_key` (REST access
//! is granted by tawk.to on request) and `property_id`.
//!
//! tawk.to's REST API reads chats but cannot post into one or open one: `create_conversation`
//! and `send_message` answer `unsupported_operation` (the visitor and the agents talk in
//! tawk.to's own widget and dashboard; we receive their messages by webhook). tawk.to answers
//! `{"ok":false,"error":"<code>"}` on failure.

use serde_json::{json, Value};

use super::http::{path_id, Auth, Request, VendorHttp};
use super::{
    unsupported, ClientConfig, Contact, HistoryPage, NewConversation, OutgoingMessage, Platform,
    RemoteConversation, RemoteMessage,
};
use crate::error::{Error, ErrorCode, Result};
use crate::platforms::tawk::transcript_messages;

/// tawk.to's REST host and version.
pub const BASE_URL: &str = "https://api.tawk.to/v1";

/// `{"ok":false,"error":"<code>","message"?}` → (code, message).
fn error_body(status: u16, b: &Value) -> (String, String) {
    (
        b["error"]
            .as_str()
            .map_or_else(|| format!("http_{status}"), str::to_owned),
        b["message"].as_str().unwrap_or_default().to_owned(),
    )
}

/// The tawk.to client.
#[derive(Debug, Clone)]
pub struct TawkClient {
    /// The configuration it was built from.
    pub config: ClientConfig,
    http: VendorHttp,
    property: String,
}

impl TawkClient {
    /// Builds the client; `invalid_argument` naming a missing credential.
    pub fn new(config: ClientConfig) -> Result<Self> {
        let key = config.credential("api_key")?.to_owned();
        let property = path_id(config.credential("property_id")?)?.to_owned();
        let http = VendorHttp::new(
            &config,
            BASE_URL,
            Auth::Basic(key, String::new()),
            &[],
            error_body,
        )?;
        Ok(TawkClient {
            config,
            http,
            property,
        })
    }

    /// The shared HTTP layer (base URL, health).
    pub fn http(&self) -> &VendorHttp {
        &self.http
    }

    /// Calls a read method; a 200 with `ok: false` is tawk.to refusing it.
    async fn read(&self, method: &str, body: Value) -> Result<Value> {
        let r = self
            .http
            .call(Request::post(format!("/{method}"), body).idempotent())
            .await?;
        if r.body["ok"].as_bool() == Some(false) {
            let (code, message) = error_body(r.status, &r.body);
            return Err(Error::new(
                ErrorCode::PlatformError,
                format!("tawk.to refused {method}: {code}"),
            )
            .with("platform", "tawk")
            .with("http_status", r.status)
            .with("vendor_code", code)
            .with("vendor_message", message));
        }
        Ok(r.body)
    }

    /// `property.list`: the token works and sees the configured property.
    pub async fn test_connection(&self) -> Result<Value> {
        let b = self.read("property.list", json!({})).await?;
        let props = b["data"].as_array().map(Vec::as_slice).unwrap_or_default();
        let mine = props.iter().find(|p| {
            p["id"].as_str() == Some(self.property.as_str())
                || p["propertyId"].as_str() == Some(self.property.as_str())
        });
        if mine.is_none() {
            return Err(Error::new(
                ErrorCode::PlatformError,
                "the API key does not see the configured property",
            )
            .with("platform", "tawk")
            .with("vendor_code", "property_not_found"));
        }
        Ok(json!({
            "platform": "tawk",
            "property_id": self.property,
            "account": mine.map(|p| p["name"].clone()),
        }))
    }

    /// tawk.to identifies visitors in its widget (secure mode); there is no contact API.
    pub async fn upsert_contact(&self, _contact: &Contact) -> Result<String> {
        Err(unsupported(Platform::Tawk, "upsert_contact"))
    }

    /// Not offered by tawk.to's REST API.
    pub async fn create_conversation(&self, _conv: &NewConversation) -> Result<RemoteConversation> {
        Err(unsupported(Platform::Tawk, "create_conversation"))
    }

    /// Not offered by tawk.to's REST API.
    pub async fn send_message(&self, _id: &str, _msg: &OutgoingMessage) -> Result<RemoteMessage> {
        Err(unsupported(Platform::Tawk, "send_message"))
    }

    /// `chat.get`: the whole chat's messages in one page.
    pub async fn get_history(&self, id: &str, _cursor: Option<&str>) -> Result<HistoryPage> {
        let b = self
            .read(
                "chat.get",
                json!({ "propertyId": self.property, "chatId": path_id(id)? }),
            )
            .await?;
        Ok(HistoryPage {
            messages: transcript_messages(&b["data"], None),
            next_cursor: None,
        })
    }
}
