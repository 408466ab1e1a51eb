//! `ChatManager`: conversations and messages, for WordPress and for plain PHP.

// PHP sees the Rust parameter names (named arguments, stubs): they are camelCase as in the
// documented API, e.g. `sendMessage(int $conversationId, array $message)`.
#![allow(non_snake_case)]

use bkx_core::chat::ChatService;
use bkx_core::input::Input;
use bkx_core::store::{migrations, DbConfig};
use bkx_core::{Error, Result};
use ext_php_rs::boxed::ZBox;
use ext_php_rs::prelude::*;
use ext_php_rs::types::ZendHashTable;
use serde_json::{Map, Value};

use crate::convert::{array_to_map, json_to_array, PhpStr};
use crate::errors::IntoPhp;
use crate::runtime::{with_service_relayed, RelayTarget};

/// Entry point of the unified conversation store.
///
/// Construct it with the database of the site and its settings; the connection is opened
/// lazily by the first call that needs it and pooled for the rest of the process.
#[php_class]
#[php(name = "BookingX\\Addons\\LiveChat\\ChatManager")]
pub struct ChatManager {
    db: DbConfig,
    platform: String,
    settings: Map<String, Value>,
    /// `config['chatd']`: the daemon told about this manager's writes, so live clients see
    /// messages and changes made from PHP.
    relay: Option<RelayTarget>,
}

pub(crate) fn parse_db(m: &Map<String, Value>) -> Result<DbConfig> {
    let i = Input(m);
    let d = DbConfig::default();
    let cfg = DbConfig {
        host: i.opt_str("host", 255)?.map_or(d.host, str::to_owned),
        port: i.opt_int("port", 1, 65_535)?.map_or(d.port, |p| p as u16),
        user: i.opt_str("user", 255)?.map_or(d.user, str::to_owned),
        password: i
            .opt_str("password", 1024)?
            .map_or(d.password, str::to_owned),
        name: i
            .opt_str("name", 64)?
            .ok_or_else(|| Error::invalid("name", "db.name (the database name) is required"))?
            .to_owned(),
        prefix: i.opt_str("prefix", 64)?.map_or(d.prefix, str::to_owned),
        socket: i
            .opt_str("socket", 1024)?
            .filter(|s| !s.is_empty())
            .map(str::to_owned),
        max_connections: i
            .opt_int("max_connections", 1, 100)?
            .map_or(d.max_connections, |n| n as usize),
    };
    cfg.validate()?;
    Ok(cfg)
}

fn arr(v: &Value) -> PhpResult<ZBox<ZendHashTable>> {
    json_to_array(v).php()
}

fn to_id(field: &str, v: i64) -> Result<u64> {
    u64::try_from(v)
        .ok()
        .filter(|v| *v > 0)
        .ok_or_else(|| Error::invalid(field, format!("{field} must be a positive integer")))
}

impl ChatManager {
    fn run<T, F, Fut>(&self, f: F) -> PhpResult<T>
    where
        F: FnOnce(ChatService) -> Fut,
        Fut: std::future::Future<Output = Result<T>>,
    {
        with_service_relayed(&self.db, &self.platform, self.relay.as_ref(), f).php()
    }
}

/// Reads `config['chatd']` (`url`, `secret`); absent or without a URL: no relay.
pub(crate) fn parse_relay(m: Option<&Map<String, Value>>) -> Result<Option<RelayTarget>> {
    // Validated once here (URL scheme, secret), so a bad value fails at construction.
    Ok(bkx_core::relay::from_config(m)?.map(|_| {
        let i = m.map(Input);
        let get = |k: &str| {
            i.as_ref()
                .and_then(|i| i.get(k))
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned()
        };
        RelayTarget {
            url: get("url"),
            secret: get("secret"),
        }
    }))
}

#[php_impl]
impl ChatManager {
    /// `$config = ['db' => [host, port, user, password, name, prefix, socket?], 'settings' => [...],
    /// 'chatd' => ['url' => ..., 'secret' => ...]]` (`chatd` optional: the daemon to notify).
    pub fn __construct(config: &ZendHashTable) -> PhpResult<Self> {
        let map = array_to_map(config, "config").php()?;
        let i = Input(&map);
        let db = i
            .opt_map("db")
            .php()?
            .ok_or_else(|| Error::invalid("db", "config['db'] is required"))
            .php()?;
        let db = parse_db(db).php()?;
        let settings = i.opt_map("settings").php()?.cloned().unwrap_or_default();
        let platform = Input(&settings)
            .opt_enum("platform", bkx_core::model::PLATFORMS)
            .php()?
            .unwrap_or("custom")
            .to_owned();
        let relay = parse_relay(i.opt_map("chatd").php()?).php()?;
        Ok(ChatManager {
            db,
            platform,
            settings,
            relay,
        })
    }

    /// Creates or upgrades the chat tables; returns the schema version. Safe to call often.
    pub fn migrate(&self) -> PhpResult<i64> {
        self.run(|s| async move { s.migrate().await.map(i64::from) })
    }

    /// The schema version in the database (0: not installed), and the one this build writes.
    pub fn schema_version(&self) -> PhpResult<ZBox<ZendHashTable>> {
        let current = self.run(|s| async move { migrations::current_version(s.store()).await })?;
        arr(&serde_json::json!({ "current": current, "latest": migrations::latest_version() }))
    }

    /// The schema version this build writes, without touching the database (so a caller can
    /// tell cheaply whether `migrate()` has something to do).
    pub fn latest_schema_version() -> i64 {
        i64::from(migrations::latest_version())
    }

    /// The settings this manager was built with.
    pub fn get_settings(&self) -> PhpResult<ZBox<ZendHashTable>> {
        arr(&Value::Object(self.settings.clone()))
    }

    /// Starts a conversation; see docs/php-api.md for the keys.
    pub fn create_conversation(&self, data: &ZendHashTable) -> PhpResult<ZBox<ZendHashTable>> {
        let data = array_to_map(data, "data").php()?;
        let (conv, first) = self.run(|s| async move { s.create_conversation(&data).await })?;
        let mut v = conv.to_json();
        if let (Some(m), Value::Object(o)) = (first, &mut v) {
            o.insert("first_message".into(), m.to_json());
        }
        arr(&v)
    }

    /// One conversation; `NotFoundException` when unknown.
    pub fn get_conversation(&self, id: i64) -> PhpResult<ZBox<ZendHashTable>> {
        let cid = to_id("id", id).php()?;
        let c = self.run(|s| async move { s.get_conversation(cid).await })?;
        arr(&c.to_json())
    }

    /// Conversations, newest first (filters: status, platform, customer_id, visitor_id,
    /// assigned_agent_id, unassigned, before_id, limit).
    pub fn list_conversations(&self, filters: &ZendHashTable) -> PhpResult<ZBox<ZendHashTable>> {
        let f = array_to_map(filters, "filters").php()?;
        let list = self.run(|s| async move { s.list_conversations(&f).await })?;
        arr(&Value::Array(list.iter().map(|c| c.to_json()).collect()))
    }

    /// Changes status, assignment, booking, tags or metadata.
    pub fn update_conversation(
        &self,
        id: i64,
        changes: &ZendHashTable,
    ) -> PhpResult<ZBox<ZendHashTable>> {
        let cid = to_id("id", id).php()?;
        let c = array_to_map(changes, "changes").php()?;
        let conv = self.run(|s| async move { s.update_conversation(cid, &c).await })?;
        arr(&conv.to_json())
    }

    /// Stores a message (sanitised once, here). A repeated `client_id` returns the stored one.
    pub fn send_message(
        &self,
        conversationId: i64,
        message: &ZendHashTable,
    ) -> PhpResult<ZBox<ZendHashTable>> {
        let cid = to_id("conversation_id", conversationId).php()?;
        let m = array_to_map(message, "message").php()?;
        let (msg, _) = self.run(|s| async move { s.send_message(cid, &m).await })?;
        arr(&msg.to_json())
    }

    /// A page of history, oldest first (before_id / after_id / limit ≤ 100).
    pub fn get_messages(
        &self,
        conversationId: i64,
        page: Option<&ZendHashTable>,
    ) -> PhpResult<ZBox<ZendHashTable>> {
        let cid = to_id("conversation_id", conversationId).php()?;
        let p = match page {
            Some(p) => array_to_map(p, "page").php()?,
            None => Map::new(),
        };
        let list = self.run(|s| async move { s.get_messages(cid, &p).await })?;
        arr(&Value::Array(list.iter().map(|m| m.to_json()).collect()))
    }

    /// Marks the other side's messages read (reader_type, up_to_id?).
    pub fn mark_read(
        &self,
        conversationId: i64,
        read: &ZendHashTable,
    ) -> PhpResult<ZBox<ZendHashTable>> {
        let cid = to_id("conversation_id", conversationId).php()?;
        let r = array_to_map(read, "read").php()?;
        let mark = self.run(|s| async move { s.mark_read(cid, &r).await })?;
        arr(&mark.to_json())
    }

    /// Closes a conversation.
    pub fn close_conversation(&self, id: i64) -> PhpResult<ZBox<ZendHashTable>> {
        let cid = to_id("id", id).php()?;
        let c = self.run(|s| async move { s.close_conversation(cid).await })?;
        arr(&c.to_json())
    }

    /// Records the customer's rating (1–5) and an optional comment.
    pub fn rate_conversation(
        &self,
        id: i64,
        rating: i64,
        comment: Option<PhpStr>,
    ) -> PhpResult<ZBox<ZendHashTable>> {
        let cid = to_id("id", id).php()?;
        let comment = match &comment {
            Some(c) => Some(c.utf8("comment").php()?.to_owned()),
            None => None,
        };
        let c = self
            .run(|s| async move { s.rate_conversation(cid, rating, comment.as_deref()).await })?;
        arr(&c.to_json())
    }

    /// Adds tags to a conversation.
    pub fn tag_conversation(
        &self,
        id: i64,
        tags: &ZendHashTable,
    ) -> PhpResult<ZBox<ZendHashTable>> {
        let cid = to_id("id", id).php()?;
        let mut wrapper = Map::new();
        wrapper.insert(
            "tags".into(),
            crate::convert::zval_list(tags, "tags").php()?,
        );
        let c = self.run(|s| async move {
            let list = Input(&wrapper)
                .opt_str_list("tags", bkx_core::chat::MAX_TAG_CHARS)?
                .unwrap_or_default();
            s.tag_conversation(cid, &list).await
        })?;
        arr(&c.to_json())
    }

    /// The platform object the settings name (`settings['platform']`, default `custom`),
    /// or the one `$name` names (the settings screen tests a platform before switching to
    /// it): a `ChatPlatformInterface` configured from the settings (credentials under
    /// `{platform}_*`, the vendor's webhook secret, `{platform}_base_url`), sharing this
    /// manager's database and relay.
    pub fn platform(&self, name: Option<String>) -> PhpResult<ext_php_rs::types::Zval> {
        crate::platforms::from_settings(
            name.as_deref().unwrap_or(&self.platform),
            &self.settings,
            self.db.clone(),
            self.relay.clone(),
        )
        .php()
    }

    /// Stores a vendor webhook delivery in the unified tables. Verify it first
    /// (`WebhookVerifier::verify`): this call trusts its input. Returns `['status' =>
    /// 'stored'|'duplicate'|'ignored', 'event_id', 'conversation_id', 'message_ids',
    /// 'events']`.
    pub fn ingest_webhook(
        &self,
        platform: PhpStr,
        headers: &ZendHashTable,
        rawBody: PhpStr,
    ) -> PhpResult<ZBox<ZendHashTable>> {
        let platform = platform.utf8("platform").php()?.to_owned();
        let headers = crate::webhook_verifier::headers_from(headers).php()?;
        let body = rawBody.0.to_vec();
        let o = self.run(|s| async move { s.ingest_webhook(&platform, &headers, &body).await })?;
        arr(&o.to_json())
    }
}
