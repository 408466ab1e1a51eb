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
use bkx_core::platforms::{self, Platform};
use bkx_core::store::DbConfig;
use bkx_core::{Error, ErrorCode, Result};
use ext_php_rs::boxed::ZBox;
use ext_php_rs::convert::IntoZval;
use ext_php_rs::prelude::*;
use ext_php_rs::types::{ZendClassObject, ZendHashTable, Zval};
use serde_json::{json, Map, Value};

use crate::chat_manager::{parse_db, parse_relay};
use crate::convert::{array_to_map, json_to_array};
use crate::errors::IntoPhp;
use crate::runtime::{with_service_relayed, RelayTarget};

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

/// One PHP class per vendor, same shape; the vendor only changes the webhook scheme and
/// the `platform` stored on conversations.
macro_rules! vendor_platform {
    ($ty:ident, $php:literal, $variant:expr, $name:literal) => {
        /// A vendor platform: its webhooks verified and ingested into the unified tables;
        /// conversations and messages recorded there with `platform` set.
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

            /// Records a message in the unified conversation (local id as a string).
            pub fn send_message(
                &self,
                conversationId: String,
                message: &ZendHashTable,
            ) -> PhpResult<ZBox<ZendHashTable>> {
                arr(self.setup.send($name, &conversationId, message))
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

            /// Records a conversation with `platform` set to this vendor.
            pub fn create_conversation(
                &self,
                conversation: &ZendHashTable,
            ) -> PhpResult<ZBox<ZendHashTable>> {
                arr(self.setup.create($name, conversation))
            }

            /// `['messages' => [...], 'next_cursor' => ...]` of the unified conversation.
            pub fn get_conversation_history(
                &self,
                conversationId: String,
                page: Option<&ZendHashTable>,
            ) -> PhpResult<ZBox<ZendHashTable>> {
                arr(self.setup.history($name, &conversationId, page))
            }

            /// The configuration without secrets (which credential keys are set).
            pub fn describe(&self) -> PhpResult<ZBox<ZendHashTable>> {
                arr(Ok(self.setup.describe($name)))
            }
        }
    };
}

vendor_platform!(
    IntercomPlatform,
    "BookingX\\Addons\\LiveChat\\IntercomPlatform",
    Platform::Intercom,
    "intercom"
);
vendor_platform!(
    ZendeskPlatform,
    "BookingX\\Addons\\LiveChat\\ZendeskPlatform",
    Platform::Zendesk,
    "zendesk"
);
vendor_platform!(
    LiveChatPlatform,
    "BookingX\\Addons\\LiveChat\\LiveChatPlatform",
    Platform::LiveChat,
    "livechat"
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
