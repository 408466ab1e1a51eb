//! File attachments: what may be uploaded, and the virus scanner.
//!
//! Three decisions live here, so every entry point (the REST plugin through the extension,
//! plain PHP, the daemon) makes them the same way:
//!
//! - **What a file is** is decided by its content (magic bytes), never by its name or by the
//!   MIME type a client claims. The allow-list is [`ALLOWED`]: JPEG, PNG, GIF, WebP, PDF and
//!   plain text (valid UTF-8 without NULs, control characters, scripts or markup). SVG,
//!   HTML, archives, office documents and executables are refused.
//! - **How big** a file may be: [`MAX_BYTES`] (10 MB, the spec's limit), inclusive.
//! - **Whether it is clean**: when a ClamAV daemon (`clamd`) is reachable, every upload is
//!   streamed to it with the `INSTREAM` command; an infected file is refused. When no clamd
//!   answers, files are accepted and recorded as not scanned (`skipped`), and the site's
//!   status screen says so.
//!
//! Stored files get a random, unguessable name ([`storage_name`]): 32 hex digits, no
//! extension. The name the client sent is kept only as display text ([`display_name`]).

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::error::{Error, ErrorCode, Result};

/// Largest accepted file, in bytes (10 MB = 10 × 1024 × 1024), inclusive.
pub const MAX_BYTES: usize = 10 * 1024 * 1024;

/// Longest stored display name, in characters.
pub const MAX_NAME_CHARS: usize = 255;

/// Most attachments of one conversation not (yet) sent in a message.
pub const MAX_PENDING_PER_CONVERSATION: u64 = 20;

/// Most attachments of one conversation, in total.
pub const MAX_PER_CONVERSATION: u64 = 200;

/// One accepted kind of file.
#[derive(Debug, PartialEq, Eq)]
pub struct FileKind {
    /// The MIME type the file is served with.
    pub mime: &'static str,
    /// File-name extensions that fit this kind; the first is the canonical one.
    pub extensions: &'static [&'static str],
    /// Whether browsers may show it inline (images); everything else is a download.
    pub inline: bool,
}

pub const JPEG: FileKind = FileKind {
    mime: "image/jpeg",
    extensions: &["jpg", "jpeg", "jpe"],
    inline: true,
};
pub const PNG: FileKind = FileKind {
    mime: "image/png",
    extensions: &["png"],
    inline: true,
};
pub const GIF: FileKind = FileKind {
    mime: "image/gif",
    extensions: &["gif"],
    inline: true,
};
pub const WEBP: FileKind = FileKind {
    mime: "image/webp",
    extensions: &["webp"],
    inline: true,
};
pub const PDF: FileKind = FileKind {
    mime: "application/pdf",
    extensions: &["pdf"],
    inline: false,
};
pub const TEXT: FileKind = FileKind {
    mime: "text/plain",
    extensions: &["txt", "text", "log", "csv", "md"],
    inline: false,
};

/// The allow-list, in the order it is documented.
pub const ALLOWED: &[&FileKind] = &[&JPEG, &PNG, &GIF, &WEBP, &PDF, &TEXT];

impl FileKind {
    /// The `Content-Type` header value (text gets its charset).
    pub fn content_type(&self) -> String {
        if self.mime.starts_with("text/") {
            format!("{}; charset=utf-8", self.mime)
        } else {
            self.mime.to_owned()
        }
    }

    /// The kind of a stored MIME type.
    pub fn by_mime(mime: &str) -> Option<&'static FileKind> {
        ALLOWED.iter().copied().find(|k| k.mime == mime)
    }
}

/// Case-insensitive (ASCII) search; fast on large files: only candidate first bytes are
/// compared further.
fn find_ci(hay: &[u8], needle: &[u8]) -> bool {
    let Some(&first) = needle.first() else {
        return true;
    };
    let first = first.to_ascii_lowercase();
    hay.iter().enumerate().any(|(i, b)| {
        b.to_ascii_lowercase() == first
            && hay.len() - i >= needle.len()
            && hay[i..i + needle.len()].eq_ignore_ascii_case(needle)
    })
}

/// PHP's open tag, anywhere in the file: never accepted, whatever else the file is (an image
/// with a script in a comment is how "upload a picture, run code" attacks start).
fn has_php_open_tag(bytes: &[u8]) -> bool {
    find_ci(bytes, b"<?php")
}

/// HTML that browsers would sniff at the start of a document (WHATWG MIME sniffing, "HTML"
/// patterns), plus XML and SVG: none of it is plain text for us.
fn starts_like_markup(text: &[u8]) -> bool {
    const TAGS: &[&[u8]] = &[
        b"<!doctype html",
        b"<html",
        b"<head",
        b"<script",
        b"<iframe",
        b"<h1",
        b"<div",
        b"<font",
        b"<table",
        b"<a",
        b"<style",
        b"<title",
        b"<b",
        b"<body",
        b"<br",
        b"<p",
        b"<svg",
        b"<object",
        b"<embed",
        b"<meta",
    ];
    let start = text
        .iter()
        .position(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c'))
        .unwrap_or(text.len());
    let t = &text[start..];
    if t.starts_with(b"<!--") || t.len() >= 5 && t[..5].eq_ignore_ascii_case(b"<?xml") {
        return true;
    }
    TAGS.iter().any(|tag| {
        t.len() > tag.len()
            && t[..tag.len()].eq_ignore_ascii_case(tag)
            && matches!(t[tag.len()], b' ' | b'>' | b'\t' | b'\n' | b'\r' | b'/')
    })
}

/// Plain text: valid UTF-8, no NUL or other control characters (tab, line feed, carriage
/// return and form feed excepted), no script (`#!`, PHP tags) and no markup at the start.
fn is_plain_text(bytes: &[u8]) -> bool {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let Ok(s) = std::str::from_utf8(body) else {
        return false;
    };
    if s.chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\x0c'))
    {
        return false;
    }
    let trimmed = s.trim_start();
    if trimmed.starts_with("#!") {
        return false;
    }
    // Short open tags and echo tags too: text that PHP would run is not text.
    if find_ci(body, b"<?=") || find_ci(body, b"<? ") || find_ci(body, b"<?\n") {
        return false;
    }
    !starts_like_markup(body)
}

/// Bidirectional overrides and invisible formatting characters, used to disguise names
/// (`invoice\u{202E}gpj.exe` shows as `invoiceexe.jpg`).
fn is_invisible_format(c: char) -> bool {
    matches!(c,
        '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{206F}' | '\u{FEFF}')
}

/// Identifies the allowed kind of `bytes` by content, or `None`.
pub fn sniff(bytes: &[u8]) -> Option<&'static FileKind> {
    if has_php_open_tag(bytes) {
        return None;
    }
    if bytes.len() >= 4 && bytes.starts_with(b"\xFF\xD8\xFF") && bytes[3] >= 0xC0 {
        return Some(&JPEG);
    }
    if bytes.len() >= 16
        && bytes.starts_with(b"\x89PNG\r\n\x1a\n")
        && &bytes[8..12] == b"\0\0\0\x0d"
        && &bytes[12..16] == b"IHDR"
    {
        return Some(&PNG);
    }
    if bytes.len() >= 13 && (bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a")) {
        return Some(&GIF);
    }
    if bytes.len() >= 16
        && bytes.starts_with(b"RIFF")
        && &bytes[8..12] == b"WEBP"
        && matches!(&bytes[12..16], b"VP8 " | b"VP8L" | b"VP8X")
    {
        return Some(&WEBP);
    }
    if bytes.len() >= 8 && bytes.starts_with(b"%PDF-") && bytes[5].is_ascii_digit() {
        return Some(&PDF);
    }
    if !bytes.is_empty() && is_plain_text(bytes) {
        return Some(&TEXT);
    }
    None
}

/// A best guess at what a refused file is, for the error details (never used to accept).
pub fn describe_refused(bytes: &[u8]) -> &'static str {
    let t = {
        let start = bytes
            .iter()
            .position(|b| !b.is_ascii_whitespace())
            .unwrap_or(bytes.len());
        &bytes[start..]
    };
    if bytes.starts_with(b"\x7fELF") {
        "application/x-executable"
    } else if bytes.starts_with(b"MZ") {
        "application/x-msdownload"
    } else if has_php_open_tag(bytes) {
        "application/x-httpd-php"
    } else if t.starts_with(b"#!") {
        "text/x-shellscript"
    } else if bytes.starts_with(b"PK\x03\x04") {
        "application/zip"
    } else if find_ci(&bytes[..bytes.len().min(1024)], b"<svg") {
        "image/svg+xml"
    } else if starts_like_markup(bytes) {
        "text/html"
    } else {
        "application/octet-stream"
    }
}

/// The result of checking an upload's content and name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub kind: &'static FileKind,
    pub size: usize,
    /// Lower-case hex SHA-256 of the content.
    pub sha256: String,
    /// The display name ([`display_name`]).
    pub name: String,
}

/// Checks size and type; computes the hash and the display name. Errors:
/// `invalid_argument` (empty file), `payload_too_large` (over [`MAX_BYTES`]),
/// `unsupported_media_type` (not on the allow-list; details `allowed`, `detected`).
pub fn check(bytes: &[u8], name: &str) -> Result<Checked> {
    if bytes.is_empty() {
        return Err(Error::invalid("file", "the file is empty"));
    }
    if bytes.len() > MAX_BYTES {
        return Err(Error::new(
            ErrorCode::PayloadTooLarge,
            format!("the file is larger than {} MB", MAX_BYTES / (1024 * 1024)),
        )
        .with("field", "file")
        .with("max", MAX_BYTES)
        .with("size", bytes.len()));
    }
    let kind = sniff(bytes).ok_or_else(|| {
        Error::new(
            ErrorCode::UnsupportedMediaType,
            "this type of file is not accepted (images, PDF and plain text are)",
        )
        .with("field", "file")
        .with(
            "allowed",
            ALLOWED.iter().map(|k| k.mime).collect::<Vec<_>>(),
        )
        .with("detected", describe_refused(bytes))
    })?;
    Ok(Checked {
        kind,
        size: bytes.len(),
        sha256: hex(&Sha256::digest(bytes)),
        name: display_name(name, kind),
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The name shown for a file: plain text, never a path. The last path component of what the
/// client sent, without control or invisible formatting characters, without characters
/// that are special in file names (`<>:"/\|?*` become `_`), whitespace collapsed, no leading
/// dots; ending in an extension of `kind` (the canonical one is appended otherwise, so
/// `report.php` holding a PNG shows as `report.php.png`); at most [`MAX_NAME_CHARS`]
/// characters. Empty: `file.<ext>`.
pub fn display_name(raw: &str, kind: &FileKind) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let mut out = String::with_capacity(base.len());
    let mut last_space = true;
    for c in base.chars() {
        if c.is_control() || is_invisible_format(c) {
            continue;
        }
        let c = if matches!(c, '<' | '>' | ':' | '"' | '|' | '?' | '*') {
            '_'
        } else {
            c
        };
        if c.is_whitespace() {
            if !last_space {
                out.push(' ');
            }
            last_space = true;
        } else {
            out.push(c);
            last_space = false;
        }
    }
    let trimmed = out.trim().trim_start_matches('.').trim();
    let mut name = trimmed.to_owned();
    let ext_ok = name
        .rsplit_once('.')
        .map(|(stem, ext)| {
            !stem.is_empty() && kind.extensions.contains(&ext.to_lowercase().as_str())
        })
        .unwrap_or(false);
    let canonical = kind.extensions[0];
    if name.is_empty() {
        name = "file".into();
    }
    let suffix = if ext_ok {
        match name.rsplit_once('.') {
            Some((_, ext)) => format!(".{ext}"),
            None => String::new(),
        }
    } else {
        format!(".{canonical}")
    };
    let stem = if ext_ok {
        name[..name.len() - suffix.len()].to_owned()
    } else {
        name
    };
    let room = MAX_NAME_CHARS.saturating_sub(suffix.chars().count());
    let stem: String = stem.chars().take(room).collect();
    format!("{}{suffix}", stem.trim_end())
}

/// A random storage name: 32 lower-case hex digits (128 bits from the OS), no extension.
pub fn storage_name() -> Result<String> {
    crate::token::random_id()
}

/// True for names [`storage_name`] produces (callers check before building a path).
pub fn is_storage_name(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

// ---------------------------------------------------------------------------------------
// clamd

/// Where a clamd listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClamdAddress {
    /// A unix socket path (clamd's `LocalSocket`).
    Unix(PathBuf),
    /// A TCP host and port (clamd's `TCPSocket`/`TCPAddr`).
    Tcp { host: String, port: u16 },
}

impl fmt::Display for ClamdAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClamdAddress::Unix(p) => write!(f, "{}", p.display()),
            ClamdAddress::Tcp { host, port } if host.contains(':') => write!(f, "[{host}]:{port}"),
            ClamdAddress::Tcp { host, port } => write!(f, "{host}:{port}"),
        }
    }
}

impl ClamdAddress {
    /// Parses `/path/to/clamd.ctl`, `unix:/path`, `host:port`, `[::1]:3310` or
    /// `tcp://host:port`.
    pub fn parse(s: &str) -> Result<ClamdAddress> {
        let bad = || {
            Error::invalid(
                "clamav_address",
                "the virus scanner address must be a unix socket path (/run/clamav/clamd.ctl) or host:port (127.0.0.1:3310)",
            )
        };
        if s.len() > 255 || s.chars().any(char::is_control) {
            return Err(bad());
        }
        let s = s.trim();
        let path = s
            .strip_prefix("unix://")
            .or_else(|| s.strip_prefix("unix:"))
            .unwrap_or(s);
        if path.starts_with('/') {
            if path.split('/').any(|seg| seg == "..") {
                return Err(bad());
            }
            return Ok(ClamdAddress::Unix(PathBuf::from(path)));
        }
        let hp = s.strip_prefix("tcp://").unwrap_or(s);
        let (host, port) = if let Some(rest) = hp.strip_prefix('[') {
            let (h, p) = rest.split_once("]:").ok_or_else(bad)?;
            (h, p)
        } else {
            hp.rsplit_once(':').ok_or_else(bad)?
        };
        let valid_host = !host.is_empty()
            && host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'_'));
        let port: u16 = p_port(port).ok_or_else(bad)?;
        if !valid_host {
            return Err(bad());
        }
        Ok(ClamdAddress::Tcp {
            host: host.to_owned(),
            port,
        })
    }
}

fn p_port(p: &str) -> Option<u16> {
    if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    p.parse().ok().filter(|p| *p > 0)
}

/// Where Debian's clamav-daemon listens by default, tried in order when no address is set.
pub fn default_addresses() -> Vec<ClamdAddress> {
    vec![
        ClamdAddress::Unix(PathBuf::from("/var/run/clamav/clamd.ctl")),
        ClamdAddress::Tcp {
            host: "127.0.0.1".into(),
            port: 3310,
        },
    ]
}

/// How (and whether) uploads are scanned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scanner {
    /// Addresses tried in order; empty: scanning is switched off.
    pub addresses: Vec<ClamdAddress>,
    /// True when the addresses are the defaults (nothing configured).
    pub automatic: bool,
    /// Connecting to one address.
    pub connect_timeout: Duration,
    /// The whole exchange once connected (sending the file and waiting for the verdict).
    pub scan_timeout: Duration,
    /// Size of the INSTREAM chunks.
    pub chunk_size: usize,
}

impl Default for Scanner {
    fn default() -> Self {
        Scanner {
            addresses: default_addresses(),
            automatic: true,
            connect_timeout: Duration::from_secs(2),
            scan_timeout: Duration::from_secs(15),
            chunk_size: 64 * 1024,
        }
    }
}

impl Scanner {
    /// From a setting: empty = the defaults; `off` (or `none`, `disabled`) = no scanning;
    /// anything else = that one address ([`ClamdAddress::parse`]).
    pub fn from_setting(setting: &str) -> Result<Scanner> {
        let s = setting.trim();
        let mut scanner = Scanner::default();
        match s.to_ascii_lowercase().as_str() {
            "" | "auto" => {}
            "off" | "none" | "disabled" => {
                scanner.addresses.clear();
                scanner.automatic = false;
            }
            _ => {
                scanner.addresses = vec![ClamdAddress::parse(s)?];
                scanner.automatic = false;
            }
        }
        Ok(scanner)
    }

    /// True when scanning is switched off by configuration.
    pub fn is_disabled(&self) -> bool {
        self.addresses.is_empty()
    }
}

/// The verdict of one scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanResult {
    /// Scanned by the clamd at `address`; nothing found.
    Clean { address: String },
    /// Scanned; clamd found `signature`.
    Infected { address: String, signature: String },
    /// Not scanned: scanning is off, or no clamd answered (`reason` says which).
    Skipped { reason: String },
}

impl ScanResult {
    /// `clean` or `skipped` (what is stored); `infected` never is.
    pub fn status(&self) -> &'static str {
        match self {
            ScanResult::Clean { .. } => "clean",
            ScanResult::Infected { .. } => "infected",
            ScanResult::Skipped { .. } => "skipped",
        }
    }

    /// The public array/JSON shape.
    pub fn to_json(&self) -> Value {
        match self {
            ScanResult::Clean { address } => json!({"status": "clean", "address": address}),
            ScanResult::Infected { address, signature } => {
                json!({"status": "infected", "address": address, "signature": signature})
            }
            ScanResult::Skipped { reason } => json!({"status": "skipped", "reason": reason}),
        }
    }

    /// The error an infected verdict becomes: `invalid_argument`, details
    /// `{field: "file", reason: "infected", signature}`.
    pub fn into_error(self) -> Option<Error> {
        match self {
            ScanResult::Infected { signature, .. } => Some(
                Error::new(
                    ErrorCode::InvalidArgument,
                    "the file contains a virus or malware and was refused",
                )
                .with("field", "file")
                .with("reason", "infected")
                .with("signature", signature),
            ),
            _ => None,
        }
    }
}

trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

async fn connect(addr: &ClamdAddress, timeout: Duration) -> std::io::Result<Box<dyn Stream>> {
    let fut = async {
        match addr {
            #[cfg(unix)]
            ClamdAddress::Unix(p) => tokio::net::UnixStream::connect(p)
                .await
                .map(|s| Box::new(s) as Box<dyn Stream>),
            #[cfg(not(unix))]
            ClamdAddress::Unix(_) => Err(std::io::Error::new(
                std::io::ErrorKind::Unsupported,
                "unix sockets are not supported on this platform",
            )),
            ClamdAddress::Tcp { host, port } => {
                tokio::net::TcpStream::connect((host.as_str(), *port))
                    .await
                    .map(|s| {
                        let _ = s.set_nodelay(true);
                        Box::new(s) as Box<dyn Stream>
                    })
            }
        }
    };
    match tokio::time::timeout(timeout, fut).await {
        Ok(r) => r,
        Err(_) => Err(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            "connection timed out",
        )),
    }
}

/// The first address that accepts a connection, or why none did.
async fn connect_any(scanner: &Scanner) -> std::result::Result<(Box<dyn Stream>, String), String> {
    let mut failures = Vec::new();
    for a in &scanner.addresses {
        match connect(a, scanner.connect_timeout).await {
            Ok(s) => return Ok((s, a.to_string())),
            Err(e) => failures.push(format!("{a}: {e}")),
        }
    }
    Err(if failures.is_empty() {
        "scanning is switched off".to_owned()
    } else {
        format!("no clamd answered ({})", failures.join("; "))
    })
}

/// Reads clamd's reply: up to a NUL (the `z` command form), a newline or the end.
async fn read_reply(s: &mut Box<dyn Stream>) -> std::io::Result<String> {
    let mut out = Vec::new();
    let mut buf = [0u8; 512];
    loop {
        let n = s.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        if let Some(end) = buf[..n].iter().position(|b| *b == 0 || *b == b'\n') {
            out.extend_from_slice(&buf[..end]);
            break;
        }
        out.extend_from_slice(&buf[..n]);
        if out.len() > 4096 {
            break;
        }
    }
    Ok(String::from_utf8_lossy(&out).trim().to_owned())
}

fn scan_failed(address: &str, cause: impl Into<String>) -> Error {
    Error::new(
        ErrorCode::PlatformUnavailable,
        "the virus scanner could not check the file; try again",
    )
    .with("reason", "scan_failed")
    .with("scanner", address)
    .with("cause", cause.into())
}

/// Parses an INSTREAM reply: `stream: OK`, `stream: <Name> FOUND`, or an error.
pub fn parse_instream_reply(reply: &str) -> std::result::Result<Option<String>, String> {
    let body = reply.strip_prefix("stream:").map(str::trim);
    match body {
        Some("OK") => Ok(None),
        Some(b) if b.ends_with(" FOUND") => {
            let sig = b.trim_end_matches(" FOUND").trim();
            Ok(Some(
                if sig.is_empty() { "unknown" } else { sig }.to_owned(),
            ))
        }
        _ => Err(if reply.is_empty() {
            "clamd closed the connection without a verdict".to_owned()
        } else {
            format!("unexpected clamd reply: {reply}")
        }),
    }
}

async fn instream(s: &mut Box<dyn Stream>, bytes: &[u8], chunk: usize) -> std::io::Result<()> {
    s.write_all(b"zINSTREAM\0").await?;
    for part in bytes.chunks(chunk.max(1)) {
        // Chunks are at most `chunk` bytes, far below u32::MAX.
        let len = u32::try_from(part.len()).unwrap_or(u32::MAX);
        s.write_all(&len.to_be_bytes()).await?;
        s.write_all(part).await?;
    }
    s.write_all(&0u32.to_be_bytes()).await?;
    s.flush().await
}

impl Scanner {
    /// Scans `bytes`. `Ok(Skipped)` when scanning is off or no clamd is reachable;
    /// `Err(platform_unavailable)` when a clamd accepted the connection but gave no verdict
    /// (an error reply, a timeout): a file is never accepted unscanned because a scanner
    /// that is there failed on it.
    pub async fn scan(&self, bytes: &[u8]) -> Result<ScanResult> {
        let (mut s, address) = match connect_any(self).await {
            Ok(c) => c,
            Err(reason) => return Ok(ScanResult::Skipped { reason }),
        };
        let exchange = async {
            let sent = instream(&mut s, bytes, self.chunk_size).await;
            // clamd may answer (e.g. "INSTREAM size limit exceeded. ERROR") and close before
            // everything is sent; its reply explains more than the broken pipe.
            let reply = read_reply(&mut s).await;
            match (sent, reply) {
                (_, Ok(r)) if !r.is_empty() => Ok(r),
                (Err(e), _) => Err(e.to_string()),
                (Ok(()), Ok(r)) => Ok(r),
                (Ok(()), Err(e)) => Err(e.to_string()),
            }
        };
        let reply = match tokio::time::timeout(self.scan_timeout, exchange).await {
            Ok(Ok(r)) => r,
            Ok(Err(e)) => return Err(scan_failed(&address, e)),
            Err(_) => {
                return Err(scan_failed(
                    &address,
                    format!("no verdict within {} s", self.scan_timeout.as_secs()),
                ))
            }
        };
        match parse_instream_reply(&reply) {
            Ok(None) => Ok(ScanResult::Clean { address }),
            Ok(Some(signature)) => Ok(ScanResult::Infected { address, signature }),
            Err(e) => Err(scan_failed(&address, e)),
        }
    }

    /// Whether a clamd answers, for status screens: `{enabled, available, address, version,
    /// error, addresses}`.
    pub async fn status(&self) -> Value {
        let addresses: Vec<String> = self.addresses.iter().map(ToString::to_string).collect();
        if self.is_disabled() {
            return json!({"enabled": false, "available": false, "address": null,
                "version": null, "error": null, "automatic": false, "addresses": addresses});
        }
        let (mut s, address) = match connect_any(self).await {
            Ok(c) => c,
            Err(e) => {
                return json!({"enabled": true, "available": false, "address": null,
                    "version": null, "error": e, "automatic": self.automatic,
                    "addresses": addresses})
            }
        };
        let ask = async {
            s.write_all(b"zVERSION\0").await?;
            s.flush().await?;
            read_reply(&mut s).await
        };
        match tokio::time::timeout(self.connect_timeout * 2, ask).await {
            Ok(Ok(v)) if v.starts_with("ClamAV") => json!({"enabled": true, "available": true,
                "address": address, "version": v, "error": null, "automatic": self.automatic,
                "addresses": addresses}),
            Ok(Ok(v)) => json!({"enabled": true, "available": false, "address": address,
                "version": null, "error": format!("unexpected reply to VERSION: {v}"),
                "automatic": self.automatic, "addresses": addresses}),
            Ok(Err(e)) => json!({"enabled": true, "available": false, "address": address,
                "version": null, "error": e.to_string(), "automatic": self.automatic,
                "addresses": addresses}),
            Err(_) => json!({"enabled": true, "available": false, "address": address,
                "version": null, "error": "no answer to VERSION", "automatic": self.automatic,
                "addresses": addresses}),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG_1X1: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\x0dIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\0\0\0\0IEND\xaeB`\x82";

    #[test]
    fn sniffing_is_by_content() {
        let cases: &[(&str, &[u8], Option<&str>)] = &[
            ("png", PNG_1X1, Some("image/png")),
            ("png signature only", b"\x89PNG\r\n\x1a\n", None),
            (
                "jpeg",
                b"\xFF\xD8\xFF\xE0\x00\x10JFIF\x00",
                Some("image/jpeg"),
            ),
            ("jpeg bad marker", b"\xFF\xD8\xFF\x00abc", None),
            (
                "gif89a",
                b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff",
                Some("image/gif"),
            ),
            (
                "gif87a",
                b"GIF87a\x01\x00\x01\x00\x80\x00\x00\xff",
                Some("image/gif"),
            ),
            (
                "webp",
                b"RIFF\x24\0\0\0WEBPVP8 \x18\0\0\0",
                Some("image/webp"),
            ),
            ("riff wav", b"RIFF\x24\0\0\0WAVEfmt \x10\0\0\0", None),
            (
                "pdf",
                b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
                Some("application/pdf"),
            ),
            (
                "text",
                b"Hello, see you on Friday at 10:00.\n",
                Some("text/plain"),
            ),
            (
                "utf-8 text with bom",
                "\u{feff}Grüße — ok\r\n\tnext".as_bytes(),
                Some("text/plain"),
            ),
            ("a < b is text", b"a < b and c > d", Some("text/plain")),
            ("latin-1", b"caf\xe9", None),
            ("nul", b"abc\0def", None),
            ("escape", b"colour \x1b[31mred", None),
            ("elf", b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0", None),
            ("pe", b"MZ\x90\0\x03\0\0\0\x04\0\0\0", None),
            ("php", b"<?php system($_GET['c']);", None),
            ("php after text", b"hello\n<?PHP echo 1;", None),
            ("php short echo", b"x <?= $y ?>", None),
            ("php short tag", b"x <? echo 1; ?>", None),
            ("shebang", b"#!/bin/sh\nrm -rf /\n", None),
            ("html", b"<!DOCTYPE html><html><body>x", None),
            ("html tag", b"  <html>x</html>", None),
            ("script", b"<script>alert(1)</script>", None),
            ("comment", b"<!-- x -->", None),
            (
                "svg",
                b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>",
                None,
            ),
            ("xml", b"<?xml version=\"1.0\"?><a/>", None),
            ("zip", b"PK\x03\x04\x14\0\0\0\x08\0", None),
            (
                "gif with php",
                b"GIF89a\x01\x00\x01\x00<?php system($_GET[1]); ?>",
                None,
            ),
            (
                "png with php",
                &[PNG_1X1, b"<?php phpinfo(); ?>"].concat(),
                None,
            ),
            (
                "emoji and rtl",
                "👨\u{200d}👩 \u{202e}abc".as_bytes(),
                Some("text/plain"),
            ),
            ("c1 control", "a\u{85}b".as_bytes(), None),
            ("empty", b"", None),
        ];
        for (name, bytes, want) in cases {
            assert_eq!(sniff(bytes).map(|k| k.mime), *want, "{name}");
        }
    }

    #[test]
    fn refused_files_are_described() {
        assert_eq!(describe_refused(b"\x7fELF\x02"), "application/x-executable");
        assert_eq!(describe_refused(b"<?php x"), "application/x-httpd-php");
        assert_eq!(describe_refused(b"\n<svg/>"), "image/svg+xml");
        assert_eq!(describe_refused(b"<html>"), "text/html");
        assert_eq!(describe_refused(b"\0\0"), "application/octet-stream");
    }

    #[test]
    fn size_limit_is_inclusive() {
        let mut big = vec![b'a'; MAX_BYTES];
        let ok = check(&big, "big.txt").unwrap();
        assert_eq!(ok.size, MAX_BYTES);
        big.push(b'a');
        let e = check(&big, "big.txt").unwrap_err();
        assert_eq!(e.code, ErrorCode::PayloadTooLarge);
        assert_eq!(e.details["max"], MAX_BYTES);
        assert_eq!(e.details["size"], MAX_BYTES + 1);
        assert_eq!(
            check(b"", "x.txt").unwrap_err().code,
            ErrorCode::InvalidArgument
        );
    }

    #[test]
    fn refused_types_are_415_with_details() {
        let e = check(b"\x7fELF\x02\x01\x01\0", "photo.png").unwrap_err();
        assert_eq!(e.code, ErrorCode::UnsupportedMediaType);
        assert_eq!(e.details["field"], "file");
        assert_eq!(e.details["detected"], "application/x-executable");
        assert_eq!(e.details["allowed"][1], "image/png");
    }

    #[test]
    fn check_hashes_and_names() {
        let c = check(b"abc", "notes.txt").unwrap();
        assert_eq!(
            c.sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(c.name, "notes.txt");
        assert_eq!(c.kind.content_type(), "text/plain; charset=utf-8");
        assert_eq!(PNG.content_type(), "image/png");
    }

    #[test]
    fn display_names_are_plain_and_match_the_content() {
        let cases: &[(&str, &FileKind, &str)] = &[
            ("photo.png", &PNG, "photo.png"),
            ("Photo.PNG", &PNG, "Photo.PNG"),
            ("C:\\Users\\ann\\Desktop\\scan.pdf", &PDF, "scan.pdf"),
            ("../../etc/passwd", &TEXT, "passwd.txt"),
            ("shell.php", &PNG, "shell.php.png"),
            ("photo.jpeg", &JPEG, "photo.jpeg"),
            ("invoice\u{202e}gpj.exe", &JPEG, "invoicegpj.exe.jpg"),
            ("a\r\nSet-Cookie: x=1.txt", &TEXT, "aSet-Cookie_ x=1.txt"),
            (
                "<img src=x onerror=alert(1)>.gif",
                &GIF,
                "_img src=x onerror=alert(1)_.gif",
            ),
            ("  many    spaces .txt ", &TEXT, "many spaces.txt"),
            (".htaccess", &TEXT, "htaccess.txt"),
            ("", &PNG, "file.png"),
            ("/", &PDF, "file.pdf"),
            (".png", &PNG, "png.png"),
            ("noext", &WEBP, "noext.webp"),
        ];
        for (raw, kind, want) in cases {
            assert_eq!(display_name(raw, kind), *want, "{raw:?}");
        }
        let long = format!("{}.pdf", "é".repeat(400));
        let n = display_name(&long, &PDF);
        assert_eq!(n.chars().count(), MAX_NAME_CHARS);
        assert!(n.ends_with(".pdf"));
    }

    #[test]
    fn storage_names_are_random_hex() {
        let a = storage_name().unwrap();
        let b = storage_name().unwrap();
        assert!(is_storage_name(&a), "{a}");
        assert_ne!(a, b);
        for bad in [
            "",
            "../x",
            "ABCDEF0123456789ABCDEF0123456789",
            &format!("{a}.php"),
        ] {
            assert!(!is_storage_name(bad), "{bad}");
        }
    }

    #[test]
    fn clamd_addresses_parse() {
        let ok: &[(&str, ClamdAddress)] = &[
            (
                "/var/run/clamav/clamd.ctl",
                ClamdAddress::Unix("/var/run/clamav/clamd.ctl".into()),
            ),
            ("unix:/tmp/c.sock", ClamdAddress::Unix("/tmp/c.sock".into())),
            (
                "unix:///tmp/c.sock",
                ClamdAddress::Unix("/tmp/c.sock".into()),
            ),
            (
                "127.0.0.1:3310",
                ClamdAddress::Tcp {
                    host: "127.0.0.1".into(),
                    port: 3310,
                },
            ),
            (
                "tcp://clamav.internal:3310",
                ClamdAddress::Tcp {
                    host: "clamav.internal".into(),
                    port: 3310,
                },
            ),
            (
                "[::1]:3310",
                ClamdAddress::Tcp {
                    host: "::1".into(),
                    port: 3310,
                },
            ),
        ];
        for (s, want) in ok {
            assert_eq!(&ClamdAddress::parse(s).unwrap(), want, "{s}");
        }
        assert_eq!(
            ClamdAddress::parse("[::1]:3310").unwrap().to_string(),
            "[::1]:3310"
        );
        for bad in [
            "",
            "host",
            "host:",
            "host:0",
            "host:99999",
            "/a/../b",
            "a b:1",
            "x:1\n",
        ] {
            assert!(ClamdAddress::parse(bad).is_err(), "{bad:?}");
        }
        assert!(Scanner::from_setting("off").unwrap().is_disabled());
        let auto = Scanner::from_setting("").unwrap();
        assert!(auto.automatic);
        assert_eq!(auto.addresses, default_addresses());
        let one = Scanner::from_setting("127.0.0.1:9").unwrap();
        assert!(!one.automatic);
        assert_eq!(one.addresses.len(), 1);
    }

    #[test]
    fn instream_replies_parse() {
        assert_eq!(parse_instream_reply("stream: OK"), Ok(None));
        assert_eq!(
            parse_instream_reply("stream: Eicar-Test-Signature.UNOFFICIAL FOUND"),
            Ok(Some("Eicar-Test-Signature.UNOFFICIAL".into()))
        );
        assert!(parse_instream_reply("INSTREAM size limit exceeded. ERROR").is_err());
        assert!(parse_instream_reply("").is_err());
    }

    // ---- a fake clamd speaking the INSTREAM protocol ------------------------------------

    use std::sync::{Arc, Mutex};
    use tokio::net::TcpListener;

    #[derive(Clone, Copy)]
    enum Fake {
        /// Finds "EICAR" in the stream, else OK.
        Detect,
        /// Answers with an error line.
        Error,
        /// Reads everything and never answers.
        Silent,
    }

    /// What the fake received: the command and the chunk lengths.
    #[derive(Default, Debug)]
    struct Seen {
        command: Vec<u8>,
        chunks: Vec<u32>,
        data: Vec<u8>,
    }

    async fn serve<S: AsyncRead + AsyncWrite + Unpin>(
        mut s: S,
        mode: Fake,
        seen: Arc<Mutex<Seen>>,
    ) {
        let mut cmd = Vec::new();
        let mut b = [0u8; 1];
        while s.read_exact(&mut b).await.is_ok() && b[0] != 0 {
            cmd.push(b[0]);
        }
        seen.lock().unwrap().command = cmd.clone();
        if cmd == b"zVERSION" {
            let _ = s.write_all(b"ClamAV 1.4.6/27000/Fake\0").await;
            return;
        }
        let mut received = Vec::new();
        loop {
            let mut len = [0u8; 4];
            if s.read_exact(&mut len).await.is_err() {
                return;
            }
            let n = u32::from_be_bytes(len);
            seen.lock().unwrap().chunks.push(n);
            if n == 0 {
                break;
            }
            let mut data = vec![0u8; n as usize];
            if s.read_exact(&mut data).await.is_err() {
                return;
            }
            received.extend_from_slice(&data);
        }
        seen.lock().unwrap().data = received.clone();
        let reply: &[u8] = match mode {
            Fake::Detect if find_ci(&received, b"EICAR") => b"stream: Eicar-Test-Signature FOUND\0",
            Fake::Detect => b"stream: OK\0",
            Fake::Error => b"INSTREAM size limit exceeded. ERROR\0",
            Fake::Silent => {
                tokio::time::sleep(Duration::from_secs(30)).await;
                return;
            }
        };
        let _ = s.write_all(reply).await;
    }

    async fn fake_tcp(mode: Fake) -> (ClamdAddress, Arc<Mutex<Seen>>) {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = l.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Seen::default()));
        let s2 = seen.clone();
        tokio::spawn(async move {
            while let Ok((c, _)) = l.accept().await {
                tokio::spawn(serve(c, mode, s2.clone()));
            }
        });
        (
            ClamdAddress::Tcp {
                host: "127.0.0.1".into(),
                port,
            },
            seen,
        )
    }

    fn scanner(addresses: Vec<ClamdAddress>) -> Scanner {
        Scanner {
            addresses,
            automatic: false,
            connect_timeout: Duration::from_millis(500),
            scan_timeout: Duration::from_millis(800),
            chunk_size: 1000,
        }
    }

    /// A TCP port nothing listens on (bound, then released).
    async fn closed_port() -> ClamdAddress {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = l.local_addr().unwrap().port();
        drop(l);
        ClamdAddress::Tcp {
            host: "127.0.0.1".into(),
            port,
        }
    }

    #[tokio::test]
    async fn instream_over_tcp_sends_chunks_and_reads_the_verdict() {
        let (addr, seen) = fake_tcp(Fake::Detect).await;
        let data: Vec<u8> = (0..2500u32).map(|i| b'a' + (i % 26) as u8).collect();
        let r = scanner(vec![addr.clone()]).scan(&data).await.unwrap();
        assert_eq!(
            r,
            ScanResult::Clean {
                address: addr.to_string()
            }
        );
        let s = seen.lock().unwrap();
        assert_eq!(s.command, b"zINSTREAM");
        assert_eq!(
            s.chunks,
            vec![1000, 1000, 500, 0],
            "big-endian lengths, zero terminator"
        );
        assert_eq!(s.data, data);
    }

    #[tokio::test]
    async fn infected_files_are_reported_with_the_signature() {
        let (addr, _) = fake_tcp(Fake::Detect).await;
        let r = scanner(vec![addr])
            .scan(b"X5O!P%@AP...EICAR...")
            .await
            .unwrap();
        assert_eq!(r.status(), "infected");
        let e = r.into_error().unwrap();
        assert_eq!(e.code, ErrorCode::InvalidArgument);
        assert_eq!(e.details["reason"], "infected");
        assert_eq!(e.details["signature"], "Eicar-Test-Signature");
    }

    #[tokio::test]
    async fn unreachable_scanners_are_skipped_and_the_next_address_is_tried() {
        let dead = closed_port().await;
        let r = scanner(vec![
            ClamdAddress::Unix("/nonexistent/clamd.ctl".into()),
            dead.clone(),
        ])
        .scan(b"hello")
        .await
        .unwrap();
        let ScanResult::Skipped { reason } = r else {
            panic!("expected skipped, got {r:?}")
        };
        assert!(reason.contains("/nonexistent/clamd.ctl"), "{reason}");
        assert!(reason.contains(&dead.to_string()), "{reason}");

        let (live, _) = fake_tcp(Fake::Detect).await;
        let r = scanner(vec![dead, live.clone()])
            .scan(b"hello")
            .await
            .unwrap();
        assert_eq!(
            r,
            ScanResult::Clean {
                address: live.to_string()
            }
        );
        assert_eq!(
            scanner(vec![]).scan(b"x").await.unwrap().status(),
            "skipped"
        );
    }

    #[tokio::test]
    async fn a_scanner_that_fails_refuses_the_file() {
        let (addr, _) = fake_tcp(Fake::Error).await;
        let e = scanner(vec![addr]).scan(b"hello").await.unwrap_err();
        assert_eq!(e.code, ErrorCode::PlatformUnavailable);
        assert!(e.details["cause"].as_str().unwrap().contains("ERROR"));

        let (addr, _) = fake_tcp(Fake::Silent).await;
        let t = std::time::Instant::now();
        let e = scanner(vec![addr]).scan(b"hello").await.unwrap_err();
        assert_eq!(e.code, ErrorCode::PlatformUnavailable);
        assert!(
            t.elapsed() < Duration::from_secs(5),
            "the scan timeout applies"
        );
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn instream_over_a_unix_socket() {
        /// Removes the folder even when an assertion fails.
        struct TempDir(PathBuf);
        impl Drop for TempDir {
            fn drop(&mut self) {
                let _ = std::fs::remove_dir_all(&self.0);
            }
        }
        let dir = TempDir(
            std::env::temp_dir().join(format!("bkx-fake-clamd-{}", storage_name().unwrap())),
        );
        std::fs::create_dir_all(&dir.0).unwrap();
        let path = dir.0.join("clamd.sock");
        let l = tokio::net::UnixListener::bind(&path).unwrap();
        let seen = Arc::new(Mutex::new(Seen::default()));
        let s2 = seen.clone();
        tokio::spawn(async move {
            while let Ok((c, _)) = l.accept().await {
                tokio::spawn(serve(c, Fake::Detect, s2.clone()));
            }
        });
        let sc = scanner(vec![ClamdAddress::Unix(path.clone())]);
        assert_eq!(sc.scan(b"EICAR").await.unwrap().status(), "infected");
        assert_eq!(sc.scan(b"fine").await.unwrap().status(), "clean");
        let st = sc.status().await;
        assert_eq!(st["available"], true);
        assert_eq!(st["version"], "ClamAV 1.4.6/27000/Fake");
        assert_eq!(st["address"], path.display().to_string());
    }

    #[tokio::test]
    async fn status_reports_unreachable_and_disabled_scanners() {
        let st = scanner(vec![closed_port().await]).status().await;
        assert_eq!(st["enabled"], true);
        assert_eq!(st["available"], false);
        assert!(st["error"].as_str().unwrap().contains("no clamd answered"));
        let st = Scanner::from_setting("off").unwrap().status().await;
        assert_eq!(st["enabled"], false);
    }
}
