//! LiveChat Agent Chat API v3.6 client (the latest stable version, pinned in the URL).
//!
//! Every call is `POST https://api.livechatinc.com/v3.6/agent/action/<action>` with a JSON
//! body, authenticated with a Personal Access Token as Basic `account_id:PAT`.
//!
//! Credentials (the plugin's `livechat_*` settings without the prefix): `account_id`,
//! `api_key` (the PAT), `group` (the default group new chats and transfers go to).
//!
//! LiveChat customers are created by its widget, not by the agent API, so `upsert_contact`
//! only passes our id through (it is sent as the chat's session fields). Reads
//! (`list_chats`, `list_threads`) are idempotent and retried; writes are not.

use serde_json::{json, Value};

use super::http::{incomplete, path_id, vendor_id, Auth, Request, VendorHttp};
use super::Platform;
use super::{
    ClientConfig, Contact, HistoryPage, NewConversation, OutgoingMessage, RemoteConversation,
    RemoteMessage,
};
use crate::error::{Error, Result};
use crate::platforms::livechat::{event_message, user};

/// The Agent Chat API version we speak.
pub const API_VERSION: &str = "3.6";
/// LiveChat's API host.
pub const BASE_URL: &str = "https://api.livechatinc.com";

/// `{"error":{"type","message"}}` → (type, message).
fn error_body(status: u16, b: &Value) -> (String, String) {
    (
        b["error"]["type"]
            .as_str()
            .map_or_else(|| format!("http_{status}"), str::to_owned),
        b["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    )
}

/// The LiveChat client.
#[derive(Debug, Clone)]
pub struct LiveChatClient {
    /// The configuration it was built from.
    pub config: ClientConfig,
    http: VendorHttp,
}

fn action(name: &str) -> String {
    format!("/v{API_VERSION}/agent/action/{name}")
}

impl LiveChatClient {
    /// Builds the client; `invalid_argument` naming a missing credential.
    pub fn new(config: ClientConfig) -> Result<Self> {
        let account = config.credential("account_id")?.to_owned();
        let pat = config.credential("api_key")?.to_owned();
        let http = VendorHttp::new(
            &config,
            BASE_URL,
            Auth::Basic(account, pat),
            &[],
            error_body,
        )?;
        Ok(LiveChatClient { config, http })
    }

    /// The shared HTTP layer (base URL, health).
    pub fn http(&self) -> &VendorHttp {
        &self.http
    }

    /// `list_chats` with `limit: 1`: proves the token and its `chats--all:ro` scope.
    pub async fn test_connection(&self) -> Result<Value> {
        let r = self
            .http
            .call(Request::post(action("list_chats"), json!({ "limit": 1 })).idempotent())
            .await?;
        Ok(json!({
            "platform": "livechat",
            "found_chats": r.body["found_chats"],
            "api_version": API_VERSION,
        }))
    }

    /// LiveChat's agent API does not create customers; our id is the contact id.
    pub async fn upsert_contact(&self, contact: &Contact) -> Result<String> {
        contact
            .external_id
            .clone()
            .filter(|x| !x.is_empty())
            .ok_or_else(|| Error::invalid("contact.external_id", "the contact has no id"))
    }

    /// `start_chat` with the first message as the thread's opening event.
    pub async fn create_conversation(&self, conv: &NewConversation) -> Result<RemoteConversation> {
        if conv.body.trim().is_empty() {
            return Err(Error::invalid("body", "the first message is empty"));
        }
        let mut chat = json!({
            "thread": { "events": [{ "type": "message", "text": conv.body, "visibility": "all" }] },
        });
        if let Some(g) = self.group() {
            chat["access"] = json!({ "group_ids": [g] });
        }
        let r = self
            .http
            .call(Request::post(action("start_chat"), json!({ "chat": chat })))
            .await?;
        let id = vendor_id(&r.body["chat_id"])
            .ok_or_else(|| incomplete(Platform::LiveChat, "a chat id", &r.body))?;
        Ok(RemoteConversation {
            id,
            contact_id: conv.contact.external_id.clone(),
            first_message_id: r.body["event_ids"][0].as_str().map(str::to_owned),
            raw: r.body,
        })
    }

    fn group(&self) -> Option<i64> {
        match self.config.credentials.get("group") {
            Some(Value::Number(n)) => n.as_i64(),
            Some(Value::String(s)) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// `send_event`: a message (`visibility: agents` for an internal note). Our message id
    /// goes in `custom_id`, so a copy echoed back by the webhook is recognisable.
    pub async fn send_message(&self, id: &str, msg: &OutgoingMessage) -> Result<RemoteMessage> {
        if msg.body.len() > 16 * 1024 {
            return Err(Error::invalid(
                "body",
                "LiveChat messages are at most 16 KB",
            ));
        }
        let mut event = json!({
            "type": "message",
            "text": msg.body,
            "visibility": if msg.internal { "agents" } else { "all" },
        });
        if let Some(k) = &msg.idempotency_key {
            event["custom_id"] = k.clone().into();
        }
        let body = json!({ "chat_id": path_id(id)?, "event": event });
        let r = self
            .http
            .call(Request::post(action("send_event"), body))
            .await?;
        Ok(RemoteMessage {
            id: vendor_id(&r.body["event_id"]),
            conversation_id: id.to_owned(),
            raw: r.body,
        })
    }

    /// `list_threads` (oldest thread first, 25 per page; `next_page_id` as the cursor):
    /// every visible message of each thread, authors resolved with the chat's users
    /// (`get_chat`).
    pub async fn get_history(&self, id: &str, cursor: Option<&str>) -> Result<HistoryPage> {
        let body = match cursor {
            // A page id carries the filters of the first call; LiveChat refuses both.
            Some(c) => json!({ "chat_id": path_id(id)?, "page_id": c }),
            None => json!({ "chat_id": path_id(id)?, "sort_order": "asc", "limit": 25 }),
        };
        let r = self
            .http
            .call(Request::post(action("list_threads"), body).idempotent())
            .await?;
        // v3 threads name their people by id only (`user_ids`); who they are (agent or
        // customer, name, e-mail) comes with the chat: one `get_chat` (a read) per page.
        let chat = self
            .http
            .call(
                Request::post(action("get_chat"), json!({ "chat_id": path_id(id)? })).idempotent(),
            )
            .await?;
        let users: Vec<_> = chat.body["users"]
            .as_array()
            .map(|l| l.iter().map(user).collect())
            .unwrap_or_default();
        let mut messages = Vec::new();
        for t in r.body["threads"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            for e in t["events"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default()
            {
                messages.extend(event_message(e, &users));
            }
        }
        Ok(HistoryPage {
            messages,
            next_cursor: vendor_id(&r.body["next_page_id"]),
        })
    }

    /// `transfer_chat` to a group or an agent (`target_type` `group` | `agent`).
    pub async fn transfer_chat(&self, id: &str, target_type: &str, ids: &[Value]) -> Result<()> {
        if !matches!(target_type, "group" | "agent") || ids.is_empty() {
            return Err(Error::invalid(
                "target",
                "a transfer targets a group or an agent, with at least one id",
            ));
        }
        let body = json!({
            "id": path_id(id)?,
            "target": { "type": target_type, "ids": ids },
        });
        self.http
            .call(Request::post(action("transfer_chat"), body))
            .await?;
        Ok(())
    }
}
