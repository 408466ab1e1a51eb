//! `ChatPlatformInterface` and its classes: one PHP face for the native chat and the five
//! vendor platforms (Intercom, Zendesk, LiveChat, Drift, tawk.to).
//!
//! Translation only. Every class stores into the unified conversation tables through
//! `bkx_core::chat::ChatService` (so the inbox has one history whatever the platform), and a
//! vendor class verifies and ingests that vendor's webhooks with `bkx_core::platforms`.

// PHP sees the Rust parameter names: camelCase as documented (`$conversationId`).
#![allow(non_snake_case)]

use bkx_core::chat::ChatService;
use bkx_core::input::Input;
use bkx_core::platforms::api::{ClientConfig, Contact, PlatformClient};
use bkx_core::platforms::identity::{widget_identity, Visitor};
use bkx_core::platforms::mirror;
use bkx_core::platforms::{self, Platform};
use bkx_core::store::DbConfig;
use bkx_core::{Error, ErrorCode, Result};
use ext_php_rs::boxed::ZBox;
use ext_php_rs::convert::IntoZval;
use ext_php_rs::prelude::*;
use ext_php_rs::types::{ZendClassObject, ZendHashTable, Zval};
use serde_json::{json, Map, Value};
use std::time::Duration;

use crate::chat_manager::{parse_db, parse_relay};
use crate::convert::{array_to_map, json_to_array};
use crate::errors::IntoPhp;
use crate::runtime::{block_on, with_service_relayed, RelayTarget};

/// The contract every chat platform class fulfils, so WordPress code can swap platforms
/// without knowing which one the site owner picked.
// Only PHP sees this trait (the classes declare `implements`); Rust never calls it.
#[allow(dead_code)]
#[php_interface]
#[php(name = "BookingX\\Addons\\LiveChat\\ChatPlatformInterface")]
pub trait ChatPlatform {
    /// Configures the platform (`db`, `credentials`, `base_url`, `timeout_ms`, `chatd`).
    fn initialize(&mut self, config: &ZendHashTable) -> PhpResult<()>;
    /// Sends a message into a conversation and returns the stored message.
    fn send_message(
        &self,
        conversationId: String,
        message: &ZendHashTable,
    ) -> PhpResult<ZBox<ZendHashTable>>;
    /// Verifies and stores one webhook delivery.
    fn receive_message(
        &self,
        headers: &ZendHashTable,
        rawBody: String,
    ) -> PhpResult<ZBox<ZendHashTable>>;
    /// Starts a conversation and returns it.
    fn create_conversation(&self, conversation: &ZendHashTable) -> PhpResult<ZBox<ZendHashTable>>;
    /// A page of a conversation's history, oldest first.
    fn get_conversation_history(
        &self,
        conversationId: String,
        page: Option<&ZendHashTable>,
    ) -> PhpResult<ZBox<ZendHashTable>>;
}

/// What `initialize()` read; shared by every platform class.
#[derive(Default)]
struct Setup {
    db: Option<DbConfig>,
    relay: Option<RelayTarget>,
    credentials: Map<String, Value>,
    base_url: Option<String>,
    timeout_ms: i64,
}

fn parse_setup(config: &ZendHashTable) -> Result<Setup> {
    let map = array_to_map(config, "config")?;
    let i = Input(&map);
    let db = match i.opt_map("db")? {
        Some(d) => Some(parse_db(d)?),
        None => None,
    };
    let relay = parse_relay(i.opt_map("chatd")?)?;
    let credentials = i.opt_map("credentials")?.cloned().unwrap_or_default();
    let base_url = i
        .opt_str("base_url", 2048)?
        .filter(|s| !s.is_empty())
        .map(str::to_owned);
    if let Some(u) = &base_url {
        if !(u.starts_with("https://") || u.starts_with("http://")) {
            return Err(Error::invalid(
                "base_url",
                "base_url must be an http(s) URL",
            ));
        }
    }
    let timeout_ms = i.opt_int("timeout_ms", 100, 60_000)?.unwrap_or(5_000);
    Ok(Setup {
        db,
        relay,
        credentials,
        base_url,
        timeout_ms,
    })
}

fn local_id(field: &str, s: &str) -> Result<u64> {
    s.trim()
        .parse::<u64>()
        .ok()
        .filter(|v| *v > 0)
        .ok_or_else(|| {
            Error::invalid(
                field,
                format!("{field} must be the positive id of a stored conversation"),
            )
        })
}

impl Setup {
    fn run<T, F, Fut>(&self, platform: &str, f: F) -> Result<T>
    where
        F: FnOnce(ChatService) -> Fut,
        Fut: std::future::Future<Output = Result<T>>,
    {
        let db = self.db.as_ref().ok_or_else(|| {
            Error::invalid(
                "db",
                "initialize() needs config['db'] to store conversations",
            )
        })?;
        with_service_relayed(db, platform, self.relay.as_ref(), f)
    }

    fn create(&self, platform: &str, conversation: &ZendHashTable) -> Result<Value> {
        let mut data = array_to_map(conversation, "conversation")?;
        data.insert("platform".into(), Value::String(platform.to_owned()));
        let (conv, first) = self.run(
            platform,
            |s| async move { s.create_conversation(&data).await },
        )?;
        let mut v = conv.to_json();
        if let (Some(m), Value::Object(o)) = (first, &mut v) {
            o.insert("first_message".into(), m.to_json());
        }
        Ok(v)
    }

    fn send(
        &self,
        platform: &str,
        conversation_id: &str,
        message: &ZendHashTable,
    ) -> Result<Value> {
        let cid = local_id("conversation_id", conversation_id)?;
        let m = array_to_map(message, "message")?;
        let (msg, _) = self.run(platform, |s| async move { s.send_message(cid, &m).await })?;
        Ok(msg.to_json())
    }

    fn history(
        &self,
        platform: &str,
        conversation_id: &str,
        page: Option<&ZendHashTable>,
    ) -> Result<Value> {
        let cid = local_id("conversation_id", conversation_id)?;
        let p = match page {
            Some(p) => array_to_map(p, "page")?,
            None => Map::new(),
        };
        let list = self.run(platform, |s| async move { s.get_messages(cid, &p).await })?;
        Ok(json!({
            "messages": list.iter().map(|m| m.to_json()).collect::<Vec<_>>(),
            "next_cursor": Value::Null,
        }))
    }

    /// The vendor's webhook secret (`credentials['webhook_secret']`).
    fn webhook_secret(&self) -> &str {
        self.credentials
            .get("webhook_secret")
            .and_then(Value::as_str)
            .unwrap_or("")
    }

    fn receive(&self, platform: Platform, headers: &ZendHashTable, body: &str) -> Result<Value> {
        let h = crate::webhook_verifier::headers_from(headers)?;
        platforms::verify(
            platform,
            &h,
            body.as_bytes(),
            self.webhook_secret().as_bytes(),
            now(),
        )?;
        let name = platform.as_str().to_owned();
        let bytes = body.as_bytes().to_vec();
        let o = self.run(platform.as_str(), |s| async move {
            s.ingest_webhook(&name, &h, &bytes).await
        })?;
        Ok(o.to_json())
    }

    /// Configuration as the settings wizard shows it: nothing secret, only which keys are set.
    fn describe(&self, platform: &str) -> Value {
        let mut keys: Vec<&String> = self.credentials.keys().collect();
        keys.sort();
        json!({
            "platform": platform,
            "credential_keys": keys,
            "base_url": self.base_url,
            "timeout_ms": self.timeout_ms,
            "stores": self.db.is_some(),
            "relay": self.relay.is_some(),
        })
    }
}

/// Vendor calls: the API client built from the same configuration.
impl Setup {
    fn client(&self, platform: Platform) -> Result<PlatformClient> {
        let mut c = ClientConfig::new(platform, self.credentials.clone());
        c.base_url = self.base_url.clone();
        c.timeout = Duration::from_millis(self.timeout_ms.max(100) as u64);
        PlatformClient::new(c)
    }

    /// The longest one PHP call may wait on a vendor, retries and 429 waits included.
    fn limit(&self) -> Duration {
        Duration::from_millis((self.timeout_ms.max(100) as u64) * 3 + 5_000)
            .min(Duration::from_secs(30))
    }

    fn vendor<T, F, Fut>(&self, platform: Platform, f: F) -> Result<T>
    where
        F: FnOnce(PlatformClient) -> Fut,
        Fut: std::future::Future<Output = Result<T>>,
    {
        let c = self.client(platform)?;
        block_on(self.limit(), f(c))
    }

    fn test_connection(&self, platform: Platform) -> Result<Value> {
        self.vendor(platform, |c| async move { c.test_connection().await })
    }

    /// The breaker's view of the vendor, or `unconfigured` naming the missing credential.
    fn health(&self, platform: Platform) -> Value {
        match self.client(platform) {
            Ok(c) => c.health(),
            Err(e) => json!({
                "platform": platform.as_str(),
                "status": "unconfigured",
                "missing": e.details.get("field"),
                "message": e.message,
            }),
        }
    }

    fn identity(&self, platform: Platform, visitor: &ZendHashTable) -> Result<Value> {
        let v = array_to_map(visitor, "visitor")?;
        let i = Input(&v);
        let user_id = match v.get("user_id") {
            Some(Value::Number(n)) => n.to_string(),
            _ => i.opt_str("user_id", 255)?.unwrap_or_default().to_owned(),
        };
        let visitor = Visitor {
            user_id,
            email: i.opt_str("email", 254)?.map(str::to_owned),
            name: i.opt_str("name", 255)?.map(str::to_owned),
        };
        widget_identity(platform, &self.credentials, &visitor, now())
    }

    fn embed(&self, platform: Platform, visitor: Option<&ZendHashTable>) -> Result<Value> {
        let mut e = platforms::embed::embed_config(platform, &self.credentials)?;
        if let Some(v) = visitor {
            e["identity"] = self.identity(platform, v)?;
        }
        Ok(e)
    }

    fn fetch_history(&self, platform: Platform, id: &str, cursor: Option<String>) -> Result<Value> {
        let id = id.to_owned();
        let page = self.vendor(platform, |c| async move {
            c.get_history(&id, cursor.as_deref()).await
        })?;
        Ok(json!({
            "messages": page.messages.iter().map(|m| m.to_json()).collect::<Vec<_>>(),
            "next_cursor": page.next_cursor,
        }))
    }

    fn import_history(
        &self,
        platform: Platform,
        id: &str,
        cursor: Option<String>,
    ) -> Result<Value> {
        let pid = id.to_owned();
        let page = self.vendor(platform, |c| async move {
            c.get_history(&pid, cursor.as_deref()).await
        })?;
        let name = platform.as_str();
        let pid = id.to_owned();
        let o = self.run(name, |s| async move {
            s.import_history(name, &pid, &page.messages)
                .await
                .map(|o| (o, page.next_cursor))
        })?;
        Ok(json!({ "outcome": o.0.to_json(), "next_cursor": o.1 }))
    }

    /// `createConversation` of a vendor class: see `bkx_core::platforms::mirror`.
    fn create_remote(&self, platform: Platform, conversation: &ZendHashTable) -> Result<Value> {
        let mut data = array_to_map(conversation, "conversation")?;
        let contact = match data.remove("contact") {
            Some(Value::Object(m)) => contact_from_map(m)?,
            Some(Value::Array(a)) if a.is_empty() => Contact::default(),
            Some(_) => return Err(Error::invalid("contact", "contact must be an array")),
            None => Contact::default(),
        };
        let client = self.client(platform);
        let (conv, first, delivery) = self.run(platform.as_str(), |s| async move {
            mirror::create_conversation(&s, platform, client, data, contact).await
        })?;
        let mut v = conv.to_json();
        if let Value::Object(o) = &mut v {
            if let Some(m) = first {
                o.insert("first_message".into(), m.to_json());
            }
            o.insert("platform_delivery".into(), delivery);
        }
        Ok(v)
    }

    /// `sendMessage` of a vendor class: see `bkx_core::platforms::mirror`.
    fn send_remote(
        &self,
        platform: Platform,
        conversation_id: &str,
        message: &ZendHashTable,
    ) -> Result<Value> {
        let cid = local_id("conversation_id", conversation_id)?;
        let mut m = array_to_map(message, "message")?;
        let author_id = match m.remove("platform_author_id") {
            Some(Value::Number(n)) => Some(n.to_string()),
            Some(Value::String(s)) if !s.is_empty() => Some(s),
            _ => None,
        };
        let client = self.client(platform);
        let (msg, delivery) = self.run(platform.as_str(), |s| async move {
            mirror::send_message(&s, platform, client, cid, &m, author_id).await
        })?;
        let mut v = msg.to_json();
        if let Value::Object(o) = &mut v {
            o.insert("platform_delivery".into(), delivery);
        }
        Ok(v)
    }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

fn arr(v: Result<Value>) -> PhpResult<ZBox<ZendHashTable>> {
    v.and_then(|v| json_to_array(&v)).php()
}

/// The native chat: everything goes to the local store and the site's own widget.
#[php_class]
#[php(name = "BookingX\\Addons\\LiveChat\\CustomPlatform")]
#[php(implements(PhpInterfaceChatPlatform))]
#[derive(Default)]
pub struct CustomPlatform {
    setup: Setup,
}

#[php_impl]
impl CustomPlatform {
    /// `new CustomPlatform($config)` is `initialize($config)` in one step.
    pub fn __construct(config: Option<&ZendHashTable>) -> PhpResult<Self> {
        let setup = match config {
            Some(c) => parse_setup(c).php()?,
            None => Setup::default(),
        };
        Ok(CustomPlatform { setup })
    }

    /// Configures the store (`db`, `chatd`).
    #[php(name = "initialize")]
    pub fn configure(&mut self, config: &ZendHashTable) -> PhpResult<()> {
        self.setup = parse_setup(config).php()?;
        Ok(())
    }

    /// Stores a message in a local conversation (id as a string).
    pub fn send_message(
        &self,
        conversationId: String,
        message: &ZendHashTable,
    ) -> PhpResult<ZBox<ZendHashTable>> {
        arr(self.setup.send("custom", &conversationId, message))
    }

    /// The native chat receives messages through its REST and socket API, not webhooks:
    /// `PlatformException` (`platform_error`, detail `unsupported_operation`).
    pub fn receive_message(
        &self,
        headers: &ZendHashTable,
        rawBody: String,
    ) -> PhpResult<ZBox<ZendHashTable>> {
        let _ = (headers, rawBody);
        arr(Err(Error::new(
            ErrorCode::PlatformError,
            "the native chat has no webhooks",
        )
        .with("platform", "custom")
        .with("detail", "unsupported_operation")))
    }

    /// Starts a local conversation.
    pub fn create_conversation(
        &self,
        conversation: &ZendHashTable,
    ) -> PhpResult<ZBox<ZendHashTable>> {
        arr(self.setup.create("custom", conversation))
    }

    /// `['messages' => [...], 'next_cursor' => null]` from the local store.
    pub fn get_conversation_history(
        &self,
        conversationId: String,
        page: Option<&ZendHashTable>,
    ) -> PhpResult<ZBox<ZendHashTable>> {
        arr(self.setup.history("custom", &conversationId, page))
    }

    /// The native widget needs no vendor snippet.
    pub fn embed_widget(&self, _visitor: Option<&ZendHashTable>) -> PhpResult<ZBox<ZendHashTable>> {
        arr(Ok(json!({ "platform": "custom", "native": true })))
    }

    /// Always healthy: no remote service is involved.
    pub fn health(&self) -> PhpResult<ZBox<ZendHashTable>> {
        arr(Ok(json!({ "platform": "custom", "state": "closed",
            "consecutive_failures": 0, "last_error": null })))
    }

    /// The configuration without secrets.
    pub fn describe(&self) -> PhpResult<ZBox<ZendHashTable>> {
        arr(Ok(self.setup.describe("custom")))
    }
}

/// One class per vendor, same shape: the vendor changes the webhook scheme, the API client,
/// the widget and the identity scheme; the trailing items add the vendor's own methods.
macro_rules! vendor_platform {
    ($ty:ident, $php:literal, $variant:expr, $name:literal $(, $extra:item)*) => {
        /// A vendor platform: conversations recorded in the unified tables and mirrored on
        /// the vendor through its API; its webhooks verified and ingested; its widget and
        /// identity verification described for the page.
        #[php_class]
        #[php(name = $php)]
        #[php(implements(PhpInterfaceChatPlatform))]
        #[derive(Default)]
        pub struct $ty {
            setup: Setup,
        }

        #[php_impl]
        impl $ty {
            /// `new XPlatform($config)` is `initialize($config)` in one step.
            pub fn __construct(config: Option<&ZendHashTable>) -> PhpResult<Self> {
                let setup = match config {
                    Some(c) => parse_setup(c).php()?,
                    None => Setup::default(),
                };
                Ok($ty { setup })
            }

            /// Configures credentials (`webhook_secret` and the vendor's API keys), the
            /// store (`db`, `chatd`), `base_url` and `timeout_ms`.
            #[php(name = "initialize")]
            pub fn configure(&mut self, config: &ZendHashTable) -> PhpResult<()> {
                self.setup = parse_setup(config).php()?;
                Ok(())
            }

            /// Records a message in the unified conversation (local id as a string), then
            /// posts it into the vendor's conversation when the two are linked;
            /// `platform_delivery` says `sent`, `failed` (with the error), `unsupported` or
            /// `local_only`. The local message is kept whatever the vendor answers.
            pub fn send_message(
                &self,
                conversationId: String,
                message: &ZendHashTable,
            ) -> PhpResult<ZBox<ZendHashTable>> {
                arr(self.setup.send_remote($variant, &conversationId, message))
            }

            /// Verifies a webhook delivery with `credentials['webhook_secret']`
            /// (`SignatureException` when not authentic: nothing stored) and stores it once.
            pub fn receive_message(
                &self,
                headers: &ZendHashTable,
                rawBody: String,
            ) -> PhpResult<ZBox<ZendHashTable>> {
                arr(self.setup.receive($variant, headers, &rawBody))
            }

            /// Records a conversation with `platform` set to this vendor, then opens it on
            /// the vendor (`contact` => `external_id`, `email`, `name`, `phone`) and links
            /// the ids; `platform_delivery` tells how that went.
            pub fn create_conversation(
                &self,
                conversation: &ZendHashTable,
            ) -> PhpResult<ZBox<ZendHashTable>> {
                arr(self.setup.create_remote($variant, conversation))
            }

            /// `['messages' => [...], 'next_cursor' => ...]` of the unified conversation.
            pub fn get_conversation_history(
                &self,
                conversationId: String,
                page: Option<&ZendHashTable>,
            ) -> PhpResult<ZBox<ZendHashTable>> {
                arr(self.setup.history($name, &conversationId, page))
            }

            /// One page of a conversation's history as the vendor's API returns it
            /// (normalised, bodies sanitised): `['messages', 'next_cursor']`.
            pub fn fetch_history(
                &self,
                platformConversationId: String,
                cursor: Option<String>,
            ) -> PhpResult<ZBox<ZendHashTable>> {
                arr(self.setup.fetch_history($variant, &platformConversationId, cursor))
            }

            /// Fetches one page from the vendor and stores what is missing in the unified
            /// conversation (each vendor message once): `['outcome', 'next_cursor']`.
            pub fn import_history(
                &self,
                platformConversationId: String,
                cursor: Option<String>,
            ) -> PhpResult<ZBox<ZendHashTable>> {
                arr(self.setup.import_history($variant, &platformConversationId, cursor))
            }

            /// Calls the vendor with the configured credentials (the settings screen's "Test
            /// connection"): the account it reached, or a `PlatformException`.
            pub fn test_connection(&self) -> PhpResult<ZBox<ZendHashTable>> {
                arr(self.setup.test_connection($variant))
            }

            /// What this PHP process has seen of the vendor: `status` `unknown`, `ok`,
            /// `degraded`, `down` (calls paused) or `unconfigured`.
            pub fn health(&self) -> PhpResult<ZBox<ZendHashTable>> {
                arr(Ok(self.setup.health($variant)))
            }

            /// The vendor's widget for the page: `script_src`, `settings` (public ids
            /// only), and with `$visitor` (`user_id`, `email`, `name`) its signed
            /// `identity`. Secrets never appear in the result.
            pub fn embed_widget(
                &self,
                visitor: Option<&ZendHashTable>,
            ) -> PhpResult<ZBox<ZendHashTable>> {
                arr(self.setup.embed($variant, visitor))
            }

            /// The identity attributes (hash / JWT) that verify `$visitor` to the widget.
            pub fn widget_identity(&self, visitor: &ZendHashTable) -> PhpResult<ZBox<ZendHashTable>> {
                arr(self.setup.identity($variant, visitor))
            }

            /// The configuration without secrets (which credential keys are set).
            pub fn describe(&self) -> PhpResult<ZBox<ZendHashTable>> {
                arr(Ok(self.setup.describe($name)))
            }

            $($extra)*
        }
    };
}

vendor_platform!(
    IntercomPlatform,
    "BookingX\\Addons\\LiveChat\\IntercomPlatform",
    Platform::Intercom,
    "intercom",
    /// Sends a data event to the contact's Intercom timeline (`POST /events`).
    pub fn track_event(
        &self,
        eventName: String,
        userId: String,
        metadata: Option<&ZendHashTable>,
    ) -> PhpResult<bool> {
        let meta = match metadata {
            Some(m) => array_to_map(m, "metadata").php()?,
            None => Map::new(),
        };
        let at = now();
        self.setup
            .vendor(Platform::Intercom, |c| async move {
                match c.as_intercom() {
                    Some(i) => i.submit_data_event(&eventName, &userId, at, &meta).await,
                    None => Err(platforms::api::unsupported(c.platform(), "track_event")),
                }
            })
            .php()?;
        Ok(true)
    },
    /// Creates or finds the Intercom contact of a WordPress user (`external_id`, `email`,
    /// `name`, `phone`); returns its Intercom id.
    pub fn sync_user_data(&self, contact: &ZendHashTable) -> PhpResult<String> {
        let c = contact_from(contact).php()?;
        self.setup
            .vendor(
                Platform::Intercom,
                |p| async move { p.upsert_contact(&c).await },
            )
            .php()
    }
);
vendor_platform!(
    ZendeskPlatform,
    "BookingX\\Addons\\LiveChat\\ZendeskPlatform",
    Platform::Zendesk,
    "zendesk",
    /// The messaging JWT that logs `$visitor` into the Zendesk widget.
    pub fn authenticate_user(&self, visitor: &ZendHashTable) -> PhpResult<String> {
        let v = self.setup.identity(Platform::Zendesk, visitor).php()?;
        Ok(v["jwt"].as_str().unwrap_or_default().to_owned())
    }
);
vendor_platform!(
    LiveChatPlatform,
    "BookingX\\Addons\\LiveChat\\LiveChatPlatform",
    Platform::LiveChat,
    "livechat",
    /// Transfers a LiveChat chat (`transfer_chat`) to a `group` or an `agent`.
    pub fn transfer_chat(
        &self,
        platformChatId: String,
        targetType: String,
        targetIds: &ZendHashTable,
    ) -> PhpResult<bool> {
        let ids = match crate::convert::zval_list(targetIds, "target_ids").php()? {
            Value::Array(a) => a,
            _ => Vec::new(),
        };
        self.setup
            .vendor(Platform::LiveChat, |c| async move {
                match c.as_livechat() {
                    Some(l) => l.transfer_chat(&platformChatId, &targetType, &ids).await,
                    None => Err(platforms::api::unsupported(c.platform(), "transfer_chat")),
                }
            })
            .php()?;
        Ok(true)
    }
);
vendor_platform!(
    DriftPlatform,
    "BookingX\\Addons\\LiveChat\\DriftPlatform",
    Platform::Drift,
    "drift"
);
vendor_platform!(
    TawkPlatform,
    "BookingX\\Addons\\LiveChat\\TawkPlatform",
    Platform::Tawk,
    "tawk"
);

/// A vendor contact from a PHP array (`external_id`, `email`, `name`, `phone`).
fn contact_from(contact: &ZendHashTable) -> Result<Contact> {
    contact_from_map(array_to_map(contact, "contact")?)
}

fn contact_from_map(m: Map<String, Value>) -> Result<Contact> {
    let i = Input(&m);
    Ok(Contact {
        external_id: match m.get("external_id") {
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => i.opt_str("external_id", 255)?.map(str::to_owned),
        },
        email: i.opt_str("email", 254)?.map(str::to_owned),
        name: i.opt_str("name", 255)?.map(str::to_owned),
        phone: i.opt_str("phone", 50)?.map(str::to_owned),
        attributes: Map::new(),
    })
}

/// The settings key holding each vendor's webhook secret (the plugin's names).
const WEBHOOK_SECRET_KEYS: [(&str, &str); 5] = [
    ("intercom", "intercom_client_secret"),
    ("zendesk", "zendesk_webhook_secret"),
    ("livechat", "livechat_webhook_secret"),
    ("drift", "drift_verification_token"),
    ("tawk", "tawk_webhook_secret"),
];

/// A vendor's credentials from the flat settings: every `{platform}_*` key without its
/// prefix (`intercom_app_id` → `app_id`), `webhook_secret` from the vendor's secret key, and
/// `{platform}_base_url` as the API base URL override.
fn setup_from_settings(
    platform: &str,
    settings: &Map<String, Value>,
    db: DbConfig,
    relay: Option<RelayTarget>,
) -> Setup {
    let prefix = format!("{platform}_");
    let mut credentials = Map::new();
    for (k, v) in settings {
        if let Some(rest) = k.strip_prefix(&prefix) {
            if rest != "base_url" {
                credentials.insert(rest.to_owned(), v.clone());
            }
        }
    }
    if let Some((_, key)) = WEBHOOK_SECRET_KEYS.iter().find(|(p, _)| *p == platform) {
        if let Some(v) = settings.get(*key) {
            credentials.insert("webhook_secret".into(), v.clone());
        }
    }
    let base_url = settings
        .get(&format!("{platform}_base_url"))
        .and_then(Value::as_str)
        .filter(|s| s.starts_with("http://") || s.starts_with("https://"))
        .map(str::to_owned);
    Setup {
        db: Some(db),
        relay,
        credentials,
        base_url,
        timeout_ms: 5_000,
    }
}

/// `ChatManager::platform()`: the object of the platform the settings name, configured from
/// them, sharing the manager's database and relay.
pub(crate) fn from_settings(
    platform: &str,
    settings: &Map<String, Value>,
    db: DbConfig,
    relay: Option<RelayTarget>,
) -> Result<Zval> {
    let setup = setup_from_settings(platform, settings, db, relay);
    let z = match platform {
        "custom" => ZendClassObject::new(CustomPlatform { setup }).into_zval(false),
        "intercom" => ZendClassObject::new(IntercomPlatform { setup }).into_zval(false),
        "zendesk" => ZendClassObject::new(ZendeskPlatform { setup }).into_zval(false),
        "livechat" => ZendClassObject::new(LiveChatPlatform { setup }).into_zval(false),
        "drift" => ZendClassObject::new(DriftPlatform { setup }).into_zval(false),
        "tawk" => ZendClassObject::new(TawkPlatform { setup }).into_zval(false),
        other => {
            return Err(Error::invalid(
                "platform",
                format!("unknown platform {other}"),
            ))
        }
    };
    z.map_err(|e| Error::new(ErrorCode::InvalidArgument, format!("platform object: {e}")))
}
