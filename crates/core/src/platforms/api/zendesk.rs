//! Zendesk server API client (thin for now: every operation reports `unsupported_operation`
//! until the vendor calls land; the type is stable).

use serde_json::Value;

use super::{
    unsupported, ClientConfig, Contact, HistoryPage, NewConversation, OutgoingMessage, Platform,
    RemoteConversation, RemoteMessage,
};
use crate::error::Result;

/// The Zendesk client; holds its configuration.
#[derive(Debug, Clone)]
pub struct ZendeskClient {
    /// The configuration it was built from.
    pub config: ClientConfig,
}

impl ZendeskClient {
    /// Builds the client from its configuration.
    pub fn new(config: ClientConfig) -> Result<Self> {
        Ok(ZendeskClient { config })
    }

    /// See [`super::PlatformClient::test_connection`].
    pub async fn test_connection(&self) -> Result<Value> {
        Err(unsupported(Platform::Zendesk, "test_connection"))
    }

    /// See [`super::PlatformClient::upsert_contact`].
    pub async fn upsert_contact(&self, _contact: &Contact) -> Result<String> {
        Err(unsupported(Platform::Zendesk, "upsert_contact"))
    }

    /// See [`super::PlatformClient::create_conversation`].
    pub async fn create_conversation(&self, _conv: &NewConversation) -> Result<RemoteConversation> {
        Err(unsupported(Platform::Zendesk, "create_conversation"))
    }

    /// See [`super::PlatformClient::send_message`].
    pub async fn send_message(&self, _id: &str, _msg: &OutgoingMessage) -> Result<RemoteMessage> {
        Err(unsupported(Platform::Zendesk, "send_message"))
    }

    /// See [`super::PlatformClient::get_history`].
    pub async fn get_history(&self, _id: &str, _cursor: Option<&str>) -> Result<HistoryPage> {
        Err(unsupported(Platform::Zendesk, "get_history"))
    }
}
