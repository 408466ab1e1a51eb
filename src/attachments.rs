//! `Attachments`: files shared in the native chat (content checks, virus scan, records).
//!
//! Translation only: the allow-list, the size limit, the display names, the clamd protocol
//! and the rows are `bkx_core::attachments` and `bkx_core::chat`. The caller keeps the bytes
//! (the WordPress plugin writes them into a private folder under `storage_name`).

// PHP sees the Rust parameter names (named arguments, stubs): camelCase as documented.
#![allow(non_snake_case)]

use std::time::Duration;

use bkx_core::attachments::{self as files, Scanner};
use bkx_core::input::Input;
use bkx_core::store::DbConfig;
use bkx_core::{Error, Result};
use ext_php_rs::boxed::ZBox;
use ext_php_rs::prelude::*;
use ext_php_rs::types::ZendHashTable;
use serde_json::{json, Map, Value};

use crate::chat_manager::parse_db;
use crate::convert::{array_to_map, json_to_array, PhpStr};
use crate::errors::IntoPhp;
use crate::runtime::with_service;

/// Uploaded files of conversations: checked by content (images, PDF, plain text; 10 MB),
/// scanned by ClamAV when a clamd is reachable, recorded under a random storage name.
///
/// `new Attachments(['db' => [...], 'settings' => [...], 'scanner' => ['address' => '',
/// 'timeout' => 15]])`: `db` and `settings` as for `ChatManager`; `scanner.address` is empty
/// (try `/var/run/clamav/clamd.ctl`, then `127.0.0.1:3310`), `off`, a unix socket path or
/// `host:port`; `scanner.timeout` (1–15 s) bounds one scan.
#[php_class]
#[php(name = "BookingX\\Addons\\LiveChat\\Attachments")]
pub struct Attachments {
    db: DbConfig,
    platform: String,
    scanner: Scanner,
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

fn parse_scanner(m: Option<&Map<String, Value>>) -> Result<Scanner> {
    let Some(m) = m else {
        return Ok(Scanner::default());
    };
    let i = Input(m);
    let mut scanner = Scanner::from_setting(i.opt_str("address", 255)?.unwrap_or(""))?;
    if let Some(t) = i.opt_int("timeout", 1, 15)? {
        scanner.scan_timeout = Duration::from_secs(t as u64);
    }
    Ok(scanner)
}

/// The attachment array of the PHP API: the row, plus how to serve it.
fn attachment_json(a: &bkx_core::model::Attachment) -> Value {
    let mut v = a.to_json();
    if let (Value::Object(o), Some(kind)) = (&mut v, files::FileKind::by_mime(&a.mime)) {
        o.insert("content_type".into(), kind.content_type().into());
        o.insert("inline".into(), kind.inline.into());
    }
    v
}

impl Attachments {
    fn run<T, F, Fut>(&self, f: F) -> PhpResult<T>
    where
        F: FnOnce(bkx_core::chat::ChatService) -> Fut,
        Fut: std::future::Future<Output = Result<T>>,
    {
        with_service(&self.db, &self.platform, f).php()
    }
}

#[php_impl]
impl Attachments {
    /// The largest accepted file, in bytes (10 MB, inclusive).
    const MAX_BYTES: i64 = files::MAX_BYTES as i64;

    /// `$config = ['db' => [...], 'settings' => [...]?, 'scanner' => ['address' => ..., 'timeout' => ...]?]`.
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
        let scanner = parse_scanner(i.opt_map("scanner").php()?).php()?;
        Ok(Attachments {
            db,
            platform,
            scanner,
        })
    }

    /// Checks `content` (size, type by magic bytes), scans it, and records it for the
    /// conversation. `$meta`: `name` (the client's file name: display only), `uploader_type`
    /// (`customer`, `agent`), optional `uploader_id`, `visitor_id`. Returns the attachment
    /// with `storage_name` (where the caller must keep the bytes), `content_type`, `inline`
    /// and `scan` (`{status: clean|skipped, address|reason}`).
    pub fn store(
        &self,
        conversationId: i64,
        content: PhpStr,
        meta: &ZendHashTable,
    ) -> PhpResult<ZBox<ZendHashTable>> {
        let cid = to_id("conversation_id", conversationId).php()?;
        let meta = array_to_map(meta, "meta").php()?;
        let bytes = content.0;
        let scanner = self.scanner.clone();
        let (a, verdict) =
            self.run(|s| async move { s.create_attachment(cid, &meta, bytes, &scanner).await })?;
        let mut v = attachment_json(&a);
        if let Value::Object(o) = &mut v {
            o.insert("scan".into(), verdict.to_json());
        }
        arr(&v)
    }

    /// One attachment; `NotFoundException` when unknown.
    pub fn get(&self, id: i64) -> PhpResult<ZBox<ZendHashTable>> {
        let aid = to_id("id", id).php()?;
        let a = self.run(|s| async move { s.get_attachment(aid).await })?;
        arr(&attachment_json(&a))
    }

    /// Deletes an attachment that no message carries (undoing an upload whose bytes could
    /// not be kept). `ChatException` `conflict` when a message carries it.
    pub fn delete(&self, id: i64) -> PhpResult<bool> {
        let aid = to_id("id", id).php()?;
        self.run(|s| async move { s.delete_attachment(aid).await })?;
        Ok(true)
    }

    /// Scans `content` only (nothing is stored): `{status: clean|infected|skipped, ...}`.
    pub fn scan(&self, content: PhpStr) -> PhpResult<ZBox<ZendHashTable>> {
        let bytes = content.0;
        let scanner = self.scanner.clone();
        let r = self.run(|_| async move { scanner.scan(bytes).await })?;
        arr(&r.to_json())
    }

    /// Whether a clamd answers: `{enabled, available, address, version, error, automatic,
    /// addresses}`.
    pub fn scanner_status(&self) -> PhpResult<ZBox<ZendHashTable>> {
        let scanner = self.scanner.clone();
        let v = self.run(|_| async move { Ok(scanner.status().await) })?;
        arr(&v)
    }

    /// Checks content without storing or scanning it: `{mime, content_type, inline, size,
    /// sha256, name}`; `InvalidArgumentException` (`invalid_argument`, `payload_too_large`,
    /// `unsupported_media_type`) otherwise.
    pub fn check(content: PhpStr, name: Option<PhpStr>) -> PhpResult<ZBox<ZendHashTable>> {
        // A display name only: invalid UTF-8 is replaced, not refused.
        let name = name.map(|n| String::from_utf8_lossy(n.0).into_owned());
        let c = files::check(content.0, name.as_deref().unwrap_or("")).php()?;
        arr(&json!({
            "mime": c.kind.mime,
            "content_type": c.kind.content_type(),
            "inline": c.kind.inline,
            "size": c.size,
            "sha256": c.sha256,
            "name": c.name,
        }))
    }

    /// The allow-list: `[{mime, extensions, inline}, ...]`.
    pub fn allowed_types() -> PhpResult<ZBox<ZendHashTable>> {
        arr(&Value::Array(
            files::ALLOWED
                .iter()
                .map(|k| json!({"mime": k.mime, "extensions": k.extensions, "inline": k.inline}))
                .collect(),
        ))
    }
}
