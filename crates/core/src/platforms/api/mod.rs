//! Server-side API clients of the external chat platforms (the half that talks to the
//! vendors; the webhook half is in the parent module). The retry, rate-limit, breaker and
//! error-body rules all vendors share are in [`http`].
//!
//! # API (stable: the PHP classes and the other vendors build on it)
//!
//! * [`ClientConfig`] — `{platform, credentials (JSON object, per vendor), base_url (None =
//!   the vendor's production URL; tests point it at a fake), timeout, retry: RetryPolicy}`.
//! * [`PlatformClient::new`] builds the client of `config.platform`; every vendor struct
//!   implements the same async operations, dispatched by the enum:
//!   - `test_connection() -> Value` (account / app identity, for the settings wizard),
//!   - `upsert_contact(&Contact) -> String` (the vendor's contact id),
//!   - `create_conversation(&NewConversation) -> RemoteConversation`,
//!   - `send_message(conversation_id, &OutgoingMessage) -> RemoteMessage`,
//!   - `get_history(conversation_id, cursor) -> HistoryPage` (normalised
//!     [`IncomingMessage`]s + `next_cursor`, `None` on the last page).
//! * Operations a vendor's API does not offer fail with `platform_error` and the detail
//!   `unsupported_operation` (see [`unsupported`]).
//! * Errors: `platform_error` (details `platform`, `http_status`, `vendor_code`,
//!   `vendor_message`) for a vendor's refusal, `platform_unavailable` when the vendor is down
//!   or its circuit breaker is open.
//!
//! Vendor extras live on the vendor structs (Intercom `submit_data_event`, `sync_user`;
//! LiveChat `transfer_chat`; Drift's conversation API); reach them with
//! [`PlatformClient::as_intercom`] and friends.
//!
//! Adding a vendor: a file `api/<vendor>.rs` with a struct exposing `new(ClientConfig)`,
//! `http()` and the five operations, a `platform_api!` line (the [`PlatformApi`] trait), a
//! variant here and one arm in each `match`.

pub mod drift;
pub mod http;
pub mod intercom;
pub mod livechat;
pub mod tawk;
pub mod zendesk;

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub use super::webhook::{IncomingMessage, Platform};
use crate::error::{Error, ErrorCode, Result};

/// How a client retries idempotent requests; kept here (not in the HTTP layer) because it is
/// part of the configuration every caller passes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RetryPolicy {
    /// Attempts in total for an idempotent request (1 = no retry).
    pub max_attempts: u32,
    /// First back-off ceiling; doubled per attempt, full jitter below it.
    pub base_delay: Duration,
    /// Upper bound of one back-off, and of a wait asked for by a 429.
    pub max_delay: Duration,
    /// Consecutive failures that open the circuit breaker.
    pub breaker_threshold: u32,
    /// How long an open breaker fails fast before letting one probe through.
    pub breaker_cooldown: Duration,
}

impl Default for RetryPolicy {
    /// Three attempts, 200 ms doubling to at most 5 s, breaker after 5 failures for 30 s:
    /// short enough that a page never waits long on a dead vendor.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(5),
            breaker_threshold: 5,
            breaker_cooldown: Duration::from_secs(30),
        }
    }
}

/// Everything needed to build a [`PlatformClient`].
#[derive(Debug, Clone)]
pub struct ClientConfig {
    pub platform: Platform,
    /// Vendor credentials as configured in the settings (e.g. Intercom `access_token`;
    /// Zendesk `app_id`, `key_id`, `secret`, `subdomain`).
    pub credentials: Map<String, Value>,
    /// Overrides the vendor's production base URL (tests use a local fake).
    pub base_url: Option<String>,
    /// Overall timeout of one HTTP attempt.
    pub timeout: Duration,
    pub retry: RetryPolicy,
}

impl ClientConfig {
    /// A config with the default timeout (10 s) and retry policy.
    pub fn new(platform: Platform, credentials: Map<String, Value>) -> Self {
        ClientConfig {
            platform,
            credentials,
            base_url: None,
            timeout: Duration::from_secs(10),
            retry: RetryPolicy::default(),
        }
    }

    /// A required, non-empty string credential, or `invalid_argument` naming it.
    pub fn credential(&self, key: &str) -> Result<&str> {
        match self.credentials.get(key).and_then(Value::as_str) {
            Some(s) if !s.is_empty() => Ok(s),
            _ => Err(Error::invalid(
                &format!("credentials.{key}"),
                format!(
                    "the {} credential '{key}' is missing",
                    self.platform.as_str()
                ),
            )),
        }
    }
}

/// A customer as we know them, pushed to the vendor as a contact / user.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Contact {
    /// Our stable id of the person (WordPress user id or visitor key), the vendor's
    /// `external_id` / `user_id`.
    pub external_id: Option<String>,
    pub email: Option<String>,
    pub name: Option<String>,
    pub phone: Option<String>,
    /// Extra attributes (vendor custom attributes).
    #[serde(default)]
    pub attributes: Map<String, Value>,
}

/// A conversation to open on the vendor, started by the customer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NewConversation {
    pub contact: Contact,
    /// The vendor contact id when already known (skips the upsert).
    pub contact_id: Option<String>,
    pub subject: Option<String>,
    /// The customer's first message.
    pub body: String,
    #[serde(default)]
    pub metadata: Map<String, Value>,
}

/// A conversation as the vendor created it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RemoteConversation {
    pub id: String,
    pub contact_id: Option<String>,
    /// The id of the first message, when the vendor returns it.
    pub first_message_id: Option<String>,
    /// The vendor's raw answer, for logs and metadata.
    pub raw: Value,
}

/// Who sends an outgoing message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutgoingAuthor {
    /// The customer (Intercom contact reply, Sunshine `user`).
    Customer,
    /// An agent / the business (Intercom admin reply, Sunshine `business`).
    Agent,
}

/// A message to post into a vendor conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutgoingMessage {
    pub author: OutgoingAuthor,
    /// Vendor id of the author (Intercom contact or admin id; Sunshine user id); vendors
    /// that need one and get none fail with `invalid_argument`.
    pub author_id: Option<String>,
    pub body: String,
    /// An internal note instead of a visible message (where the vendor has notes).
    #[serde(default)]
    pub internal: bool,
    /// Our message id, sent as the vendor's idempotency key where one exists, which makes
    /// the request safe to retry.
    pub idempotency_key: Option<String>,
}

/// A message as the vendor stored it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RemoteMessage {
    pub id: Option<String>,
    pub conversation_id: String,
    pub raw: Value,
}

/// One page of a conversation's history, oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryPage {
    pub messages: Vec<IncomingMessage>,
    /// Pass back to `get_history` for the next page; `None` on the last page.
    pub next_cursor: Option<String>,
}

/// The `platform_error` of an operation the vendor's API does not offer.
pub fn unsupported(platform: Platform, operation: &str) -> Error {
    Error::new(
        ErrorCode::PlatformError,
        format!("{} does not offer {operation}", platform.as_str()),
    )
    .with("platform", platform.as_str())
    .with("unsupported_operation", operation)
}

/// The operations every vendor client offers: the Rust face of `ChatPlatformInterface`'s
/// server side. Each vendor file implements it (`platform_api!` below delegates to the
/// client's own methods); [`PlatformClient`] implements it by dispatching to the configured
/// vendor, so code can be written once against the trait or the enum.
pub trait PlatformApi {
    /// The vendor.
    fn platform(&self) -> Platform;
    /// The shared HTTP layer (base URL, retries, breaker).
    fn http(&self) -> &http::VendorHttp;
    /// Account / app identity, proving the credentials work (settings wizard).
    fn test_connection(&self) -> impl std::future::Future<Output = Result<Value>> + Send;
    /// Creates or finds the vendor contact of `contact`; returns its vendor id.
    fn upsert_contact(
        &self,
        contact: &Contact,
    ) -> impl std::future::Future<Output = Result<String>> + Send;
    /// Opens a conversation started by the customer.
    fn create_conversation(
        &self,
        conv: &NewConversation,
    ) -> impl std::future::Future<Output = Result<RemoteConversation>> + Send;
    /// Posts a message into a vendor conversation.
    fn send_message(
        &self,
        conversation_id: &str,
        msg: &OutgoingMessage,
    ) -> impl std::future::Future<Output = Result<RemoteMessage>> + Send;
    /// One page of history, oldest first within the page; `cursor` from the previous page.
    fn get_history(
        &self,
        conversation_id: &str,
        cursor: Option<&str>,
    ) -> impl std::future::Future<Output = Result<HistoryPage>> + Send;
    /// What this process has seen of the vendor (see [`http::health`]).
    fn health(&self) -> Value {
        http::health(self.platform(), self.http().base())
    }
}

/// Implements [`PlatformApi`] for a vendor client by delegating to its inherent methods.
macro_rules! platform_api {
    ($ty:ty, $platform:expr) => {
        impl PlatformApi for $ty {
            fn platform(&self) -> Platform {
                $platform
            }
            fn http(&self) -> &http::VendorHttp {
                <$ty>::http(self)
            }
            async fn test_connection(&self) -> Result<Value> {
                <$ty>::test_connection(self).await
            }
            async fn upsert_contact(&self, contact: &Contact) -> Result<String> {
                <$ty>::upsert_contact(self, contact).await
            }
            async fn create_conversation(
                &self,
                conv: &NewConversation,
            ) -> Result<RemoteConversation> {
                <$ty>::create_conversation(self, conv).await
            }
            async fn send_message(
                &self,
                conversation_id: &str,
                msg: &OutgoingMessage,
            ) -> Result<RemoteMessage> {
                <$ty>::send_message(self, conversation_id, msg).await
            }
            async fn get_history(
                &self,
                conversation_id: &str,
                cursor: Option<&str>,
            ) -> Result<HistoryPage> {
                <$ty>::get_history(self, conversation_id, cursor).await
            }
        }
    };
}

platform_api!(intercom::IntercomClient, Platform::Intercom);
platform_api!(zendesk::ZendeskClient, Platform::Zendesk);
platform_api!(livechat::LiveChatClient, Platform::LiveChat);
platform_api!(drift::DriftClient, Platform::Drift);
platform_api!(tawk::TawkClient, Platform::Tawk);

/// One client per configured vendor; the enum keeps dispatch static and lets the PHP layer
/// hold any vendor behind one type.
#[derive(Debug)]
pub enum PlatformClient {
    Intercom(Box<intercom::IntercomClient>),
    Zendesk(Box<zendesk::ZendeskClient>),
    LiveChat(Box<livechat::LiveChatClient>),
    Drift(Box<drift::DriftClient>),
    Tawk(Box<tawk::TawkClient>),
}

macro_rules! dispatch {
    ($self:ident, $c:ident => $e:expr) => {
        match $self {
            PlatformClient::Intercom($c) => $e,
            PlatformClient::Zendesk($c) => $e,
            PlatformClient::LiveChat($c) => $e,
            PlatformClient::Drift($c) => $e,
            PlatformClient::Tawk($c) => $e,
        }
    };
}

impl PlatformClient {
    /// Builds the client of `config.platform`, checking its credentials.
    pub fn new(config: ClientConfig) -> Result<Self> {
        Ok(match config.platform {
            Platform::Intercom => {
                PlatformClient::Intercom(Box::new(intercom::IntercomClient::new(config)?))
            }
            Platform::Zendesk => {
                PlatformClient::Zendesk(Box::new(zendesk::ZendeskClient::new(config)?))
            }
            Platform::LiveChat => {
                PlatformClient::LiveChat(Box::new(livechat::LiveChatClient::new(config)?))
            }
            Platform::Drift => PlatformClient::Drift(Box::new(drift::DriftClient::new(config)?)),
            Platform::Tawk => PlatformClient::Tawk(Box::new(tawk::TawkClient::new(config)?)),
        })
    }

    /// The vendor of this client.
    pub fn platform(&self) -> Platform {
        match self {
            PlatformClient::Intercom(_) => Platform::Intercom,
            PlatformClient::Zendesk(_) => Platform::Zendesk,
            PlatformClient::LiveChat(_) => Platform::LiveChat,
            PlatformClient::Drift(_) => Platform::Drift,
            PlatformClient::Tawk(_) => Platform::Tawk,
        }
    }

    /// What this process has seen of the vendor (see [`http::health`]).
    pub fn health(&self) -> Value {
        dispatch!(self, c => PlatformApi::health(c.as_ref()))
    }

    /// Account / app identity, proving the credentials work (settings wizard).
    pub async fn test_connection(&self) -> Result<Value> {
        dispatch!(self, c => c.test_connection().await)
    }

    /// Creates or finds the vendor contact of `contact`; returns its vendor id.
    pub async fn upsert_contact(&self, contact: &Contact) -> Result<String> {
        dispatch!(self, c => c.upsert_contact(contact).await)
    }

    /// Opens a conversation started by the customer.
    pub async fn create_conversation(&self, conv: &NewConversation) -> Result<RemoteConversation> {
        dispatch!(self, c => c.create_conversation(conv).await)
    }

    /// Posts a message into a vendor conversation.
    pub async fn send_message(
        &self,
        conversation_id: &str,
        msg: &OutgoingMessage,
    ) -> Result<RemoteMessage> {
        dispatch!(self, c => c.send_message(conversation_id, msg).await)
    }

    /// One page of history, oldest first; `cursor` from the previous page.
    pub async fn get_history(
        &self,
        conversation_id: &str,
        cursor: Option<&str>,
    ) -> Result<HistoryPage> {
        dispatch!(self, c => c.get_history(conversation_id, cursor).await)
    }

    /// The Intercom client, for its extras (`submit_data_event`, `sync_user`).
    pub fn as_intercom(&self) -> Option<&intercom::IntercomClient> {
        match self {
            PlatformClient::Intercom(c) => Some(c),
            _ => None,
        }
    }

    /// The LiveChat client, for `transfer_chat`.
    pub fn as_livechat(&self) -> Option<&livechat::LiveChatClient> {
        match self {
            PlatformClient::LiveChat(c) => Some(c),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds(pairs: &[(&str, &str)]) -> Map<String, Value> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), Value::from(*v)))
            .collect()
    }

    /// Generic code over the trait sees each vendor as itself.
    fn vendor_of<T: PlatformApi>(c: &T) -> (Platform, String) {
        (c.platform(), c.http().base().to_owned())
    }

    #[test]
    fn every_vendor_client_is_a_platform_api_with_its_production_url() {
        let cases = [
            (
                Platform::Intercom,
                creds(&[("api_key", "t")]),
                "https://api.intercom.io",
            ),
            (
                Platform::Zendesk,
                creds(&[
                    ("app_id", "a1"),
                    ("api_key", "k"),
                    ("api_token", "s"),
                    ("subdomain", "spa"),
                ]),
                "https://spa.zendesk.com/sc",
            ),
            (
                Platform::LiveChat,
                creds(&[("account_id", "a"), ("api_key", "p")]),
                "https://api.livechatinc.com",
            ),
            (
                Platform::Drift,
                creds(&[("api_token", "t")]),
                "https://driftapi.com",
            ),
            (
                Platform::Tawk,
                creds(&[("api_key", "k"), ("property_id", "p1")]),
                "https://api.tawk.to/v1",
            ),
        ];
        for (p, c, base) in cases {
            let client = PlatformClient::new(ClientConfig::new(p, c)).expect("client");
            let got = match &client {
                PlatformClient::Intercom(c) => vendor_of(c.as_ref()),
                PlatformClient::Zendesk(c) => vendor_of(c.as_ref()),
                PlatformClient::LiveChat(c) => vendor_of(c.as_ref()),
                PlatformClient::Drift(c) => vendor_of(c.as_ref()),
                PlatformClient::Tawk(c) => vendor_of(c.as_ref()),
            };
            assert_eq!(got, (p, base.to_owned()));
            assert_eq!(client.platform(), p);
            assert_eq!(client.health()["status"], "unknown");
        }
    }

    #[test]
    fn a_missing_credential_is_named() {
        let e = PlatformClient::new(ClientConfig::new(
            Platform::LiveChat,
            creds(&[("api_key", "p")]),
        ))
        .expect_err("no account id");
        assert_eq!(e.details["field"], "credentials.account_id");
        let e = PlatformClient::new(ClientConfig::new(
            Platform::Zendesk,
            creds(&[("app_id", "a b")]),
        ))
        .expect_err("bad app id");
        assert_eq!(e.details["field"], "credentials.app_id");
    }
}
