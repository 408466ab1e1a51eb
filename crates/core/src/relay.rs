//! The relay: messages and conversation changes written outside the daemon (by WordPress
//! through the PHP extension — vendor webhooks, REST messages, booking cards) reach the live
//! sockets.
//!
//! The daemon owns the sockets; PHP owns nothing long-lived. So after a write commits, the
//! [`Relay`] posts a tiny signed notice to the daemon's `POST /internal/notify` naming what
//! changed (ids only). The daemon verifies the signature, re-reads the rows from the database
//! (the notice is never trusted for content) and emits them exactly as if they had been sent
//! over a socket.
//!
//! Why this shape:
//! - **Ids, not content**: a forged or replayed notice can at most make the daemon re-emit
//!   rows that exist; clients drop ids they already hold.
//! - **Signed with a key derived from the shared secret** (HMAC-SHA256 of a fixed label), so
//!   the same secret cannot be confused between daemon tokens and relay notices; a
//!   timestamp bounds replays to [`MAX_SKEW_SECS`].
//! - **Best effort, bounded**: a notice never fails the write that caused it. The request
//!   has a short timeout, and after a failure this process stops trying for
//!   [`BACKOFF`], so a dead daemon costs page loads nothing. Clients that missed a notice
//!   catch up with `since_id` on their next join or reconnect.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use serde_json::{json, Map, Value};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::error::{Error, ErrorCode, Result};

/// The header that carries `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`.
pub const SIGNATURE_HEADER: &str = "x-bkx-relay-signature";

/// How far a notice's timestamp may be from the daemon's clock.
pub const MAX_SKEW_SECS: i64 = 300;

/// How long a process stops notifying after a failed notice.
pub const BACKOFF: Duration = Duration::from_secs(15);

/// Total time a notice may take (connect included).
pub const TIMEOUT: Duration = Duration::from_millis(800);

/// Most events one notice may carry (the daemon refuses larger ones).
pub const MAX_EVENTS: usize = 100;

/// Label of the relay key, derived from the shared secret (domain separation from tokens).
const KEY_LABEL: &[u8] = b"bkx-chatd relay v1";

/// Something the daemon should tell the live clients about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RelayEvent {
    /// A new message row: emitted as `message:new` to the conversation and to staff.
    MessageNew {
        conversation_id: u64,
        message_id: u64,
    },
    /// A conversation changed (status, assignment, booking, rating): `conversation:updated`.
    ConversationUpdated { conversation_id: u64 },
    /// A conversation is waiting for an agent: `conversation:queued` to staff.
    ConversationQueued { conversation_id: u64 },
}

impl RelayEvent {
    /// The event's JSON form in a notice.
    pub fn to_json(&self) -> Value {
        match self {
            RelayEvent::MessageNew {
                conversation_id,
                message_id,
            } => {
                json!({"type": "message:new", "conversation_id": conversation_id, "message_id": message_id})
            }
            RelayEvent::ConversationUpdated { conversation_id } => {
                json!({"type": "conversation:updated", "conversation_id": conversation_id})
            }
            RelayEvent::ConversationQueued { conversation_id } => {
                json!({"type": "conversation:queued", "conversation_id": conversation_id})
            }
        }
    }

    fn from_json(v: &Value) -> Result<RelayEvent> {
        let o = v
            .as_object()
            .ok_or_else(|| Error::invalid("events", "each event must be an object"))?;
        let id = |k: &str| -> Result<u64> {
            o.get(k)
                .and_then(Value::as_u64)
                .filter(|n| *n > 0)
                .ok_or_else(|| Error::invalid(k, format!("{k} must be a positive integer")))
        };
        match o.get("type").and_then(Value::as_str) {
            Some("message:new") => Ok(RelayEvent::MessageNew {
                conversation_id: id("conversation_id")?,
                message_id: id("message_id")?,
            }),
            Some("conversation:updated") => Ok(RelayEvent::ConversationUpdated {
                conversation_id: id("conversation_id")?,
            }),
            Some("conversation:queued") => Ok(RelayEvent::ConversationQueued {
                conversation_id: id("conversation_id")?,
            }),
            _ => Err(Error::invalid(
                "type",
                "type must be message:new, conversation:updated or conversation:queued",
            )),
        }
    }
}

/// The notice body for `events`.
pub fn encode(events: &[RelayEvent]) -> String {
    let list: Vec<Value> = events.iter().map(RelayEvent::to_json).collect();
    json!({ "events": list }).to_string()
}

/// Reads a notice body (after its signature was verified).
pub fn decode(body: &[u8]) -> Result<Vec<RelayEvent>> {
    let v: Value = serde_json::from_slice(body)
        .map_err(|_| Error::invalid("body", "the notice is not JSON"))?;
    let list = v
        .get("events")
        .and_then(Value::as_array)
        .ok_or_else(|| Error::invalid("events", "events must be a list"))?;
    if list.len() > MAX_EVENTS {
        return Err(Error::new(
            ErrorCode::PayloadTooLarge,
            format!("a notice carries at most {MAX_EVENTS} events"),
        ));
    }
    list.iter().map(RelayEvent::from_json).collect()
}

fn key(secret: &[u8]) -> Result<[u8; 32]> {
    if secret.is_empty() {
        return Err(Error::invalid("secret", "the shared secret is empty"));
    }
    let mut m = Hmac::<Sha256>::new_from_slice(secret)
        .map_err(|_| Error::invalid("secret", "unusable secret"))?;
    m.update(KEY_LABEL);
    Ok(m.finalize().into_bytes().into())
}

fn mac_hex(key: &[u8; 32], ts: i64, body: &[u8]) -> String {
    // A 32-byte key is always accepted by HMAC.
    let mut m = match Hmac::<Sha256>::new_from_slice(key) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    m.update(ts.to_string().as_bytes());
    m.update(b".");
    m.update(body);
    m.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The signature header value for `body` at Unix time `ts`.
pub fn sign(secret: &[u8], ts: i64, body: &[u8]) -> Result<String> {
    Ok(format!("t={ts},v1={}", mac_hex(&key(secret)?, ts, body)))
}

/// Checks a notice: `Ok(())`, or `signature_invalid` with a `reason` detail
/// (`missing_signature`, `malformed_signature`, `stale_timestamp`, `mismatch`).
pub fn verify(secret: &[u8], header: Option<&str>, body: &[u8], now: i64) -> Result<()> {
    let bad = |reason: &str| {
        Error::new(
            ErrorCode::SignatureInvalid,
            "the relay notice is not signed by this site",
        )
        .with("reason", reason)
    };
    let header = header.ok_or_else(|| bad("missing_signature"))?;
    let mut ts = None;
    let mut sig = None;
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => ts = v.parse::<i64>().ok(),
            Some(("v1", v)) => sig = Some(v),
            _ => {}
        }
    }
    let (ts, sig) = match (ts, sig) {
        (Some(t), Some(s)) => (t, s),
        _ => return Err(bad("malformed_signature")),
    };
    if (now - ts).abs() > MAX_SKEW_SECS {
        return Err(bad("stale_timestamp"));
    }
    let expected = mac_hex(&key(secret)?, ts, body);
    if expected.as_bytes().ct_eq(sig.as_bytes()).into() {
        Ok(())
    } else {
        Err(bad("mismatch"))
    }
}

/// Sends notices to one daemon. Cheap to share; the HTTP client is built on first use.
pub struct Relay {
    endpoint: String,
    secret: Vec<u8>,
    client: once_cell::sync::OnceCell<reqwest::Client>,
    paused_until: Mutex<Option<Instant>>,
}

impl std::fmt::Debug for Relay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Relay")
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

impl Relay {
    /// A relay to the daemon at `chatd_url` (its public base URL, as in the widget's
    /// configuration), signing with the shared `secret`.
    pub fn new(chatd_url: &str, secret: &[u8]) -> Result<Relay> {
        let base = chatd_url.trim().trim_end_matches('/');
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(Error::invalid(
                "chatd.url",
                "the daemon URL must start with http:// or https://",
            ));
        }
        key(secret).map_err(|e| e.with("field", "chatd.secret"))?;
        Ok(Relay {
            endpoint: format!("{base}/internal/notify"),
            secret: secret.to_vec(),
            client: once_cell::sync::OnceCell::new(),
            paused_until: Mutex::new(None),
        })
    }

    /// Where notices go.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Posts one notice; true when the daemon accepted it. Never an error: the write that
    /// caused the notice has committed whatever happens here.
    pub async fn notify(&self, events: &[RelayEvent]) -> bool {
        if events.is_empty() {
            return true;
        }
        {
            let mut p = self.paused_until.lock().unwrap_or_else(|e| e.into_inner());
            match *p {
                Some(t) if Instant::now() < t => return false,
                Some(_) => *p = None,
                None => {}
            }
        }
        let ok = self.post(events).await;
        if !ok {
            *self.paused_until.lock().unwrap_or_else(|e| e.into_inner()) =
                Some(Instant::now() + BACKOFF);
        }
        ok
    }

    async fn post(&self, events: &[RelayEvent]) -> bool {
        let client = match self.client.get_or_try_init(|| {
            reqwest::Client::builder()
                .timeout(TIMEOUT)
                .connect_timeout(TIMEOUT / 2)
                .build()
        }) {
            Ok(c) => c,
            Err(_) => return false,
        };
        let mut ok = true;
        for chunk in events.chunks(MAX_EVENTS) {
            let body = encode(chunk);
            let Ok(sig) = sign(
                &self.secret,
                chrono::Utc::now().timestamp(),
                body.as_bytes(),
            ) else {
                return false;
            };
            let sent = client
                .post(&self.endpoint)
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .header(SIGNATURE_HEADER, sig)
                .body(body)
                .send()
                .await;
            ok &= matches!(sent, Ok(r) if r.status().is_success());
        }
        ok
    }
}

/// The relay events of a stored message.
pub fn message_events(conversation_id: u64, message_id: u64) -> Vec<RelayEvent> {
    vec![RelayEvent::MessageNew {
        conversation_id,
        message_id,
    }]
}

/// Reads the optional `chatd` entry of a configuration map (`{url, secret}`).
pub fn from_config(chatd: Option<&Map<String, Value>>) -> Result<Option<Relay>> {
    let Some(c) = chatd else { return Ok(None) };
    let url = c.get("url").and_then(Value::as_str).unwrap_or("");
    let secret = c.get("secret").and_then(Value::as_str).unwrap_or("");
    if url.is_empty() {
        return Ok(None);
    }
    Relay::new(url, secret.as_bytes()).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    #[test]
    fn a_signed_notice_verifies_and_decodes() {
        let events = vec![
            RelayEvent::MessageNew {
                conversation_id: 7,
                message_id: 42,
            },
            RelayEvent::ConversationUpdated { conversation_id: 7 },
            RelayEvent::ConversationQueued { conversation_id: 8 },
        ];
        let body = encode(&events);
        let sig = sign(SECRET, 1_000, body.as_bytes()).unwrap();
        verify(SECRET, Some(&sig), body.as_bytes(), 1_010).unwrap();
        assert_eq!(decode(body.as_bytes()).unwrap(), events);
    }

    fn reason(e: Error) -> String {
        assert_eq!(e.code, ErrorCode::SignatureInvalid);
        e.details["reason"].as_str().unwrap().to_owned()
    }

    #[test]
    fn tampered_stale_foreign_or_unsigned_notices_are_refused() {
        let body = encode(&message_events(1, 2));
        let sig = sign(SECRET, 1_000, body.as_bytes()).unwrap();
        let tampered = body.replace("\"message_id\":2", "\"message_id\":3");
        assert_eq!(
            reason(verify(SECRET, Some(&sig), tampered.as_bytes(), 1_000).unwrap_err()),
            "mismatch"
        );
        assert_eq!(
            reason(verify(SECRET, Some(&sig), body.as_bytes(), 1_000 + 301).unwrap_err()),
            "stale_timestamp"
        );
        let other = sign(b"another site's secret, 32 bytes!", 1_000, body.as_bytes()).unwrap();
        assert_eq!(
            reason(verify(SECRET, Some(&other), body.as_bytes(), 1_000).unwrap_err()),
            "mismatch"
        );
        assert_eq!(
            reason(verify(SECRET, None, body.as_bytes(), 1_000).unwrap_err()),
            "missing_signature"
        );
        assert_eq!(
            reason(verify(SECRET, Some("v1=abc"), body.as_bytes(), 1_000).unwrap_err()),
            "malformed_signature"
        );
    }

    #[test]
    fn the_relay_key_is_not_the_token_secret() {
        // A notice signed directly with the shared secret (as a token would be) is refused.
        let body = encode(&message_events(1, 2));
        let mut m = Hmac::<Sha256>::new_from_slice(SECRET).unwrap();
        m.update(b"1000.");
        m.update(body.as_bytes());
        let raw: String = m
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let header = format!("t=1000,v1={raw}");
        assert!(verify(SECRET, Some(&header), body.as_bytes(), 1_000).is_err());
    }

    #[test]
    fn bad_bodies_are_typed_errors() {
        assert_eq!(
            decode(b"nope").unwrap_err().code,
            ErrorCode::InvalidArgument
        );
        assert_eq!(
            decode(br#"{"events":[{"type":"message:new","conversation_id":1}]}"#)
                .unwrap_err()
                .code,
            ErrorCode::InvalidArgument
        );
        assert_eq!(
            decode(br#"{"events":[{"type":"drop tables","conversation_id":1}]}"#)
                .unwrap_err()
                .code,
            ErrorCode::InvalidArgument
        );
        let many: Vec<RelayEvent> = (1..=101)
            .map(|i| RelayEvent::ConversationUpdated { conversation_id: i })
            .collect();
        assert_eq!(
            decode(encode(&many).as_bytes()).unwrap_err().code,
            ErrorCode::PayloadTooLarge
        );
    }

    #[test]
    fn config_needs_an_http_url_and_a_secret() {
        let mut c = Map::new();
        assert!(from_config(None).unwrap().is_none());
        assert!(from_config(Some(&c)).unwrap().is_none());
        c.insert("url".into(), "ftp://x".into());
        c.insert("secret".into(), "s".into());
        assert!(from_config(Some(&c)).is_err());
        c.insert("url".into(), "http://127.0.0.1:8092/".into());
        let r = from_config(Some(&c)).unwrap().unwrap();
        assert_eq!(r.endpoint(), "http://127.0.0.1:8092/internal/notify");
        c.insert("secret".into(), "".into());
        assert!(from_config(Some(&c)).is_err());
    }

    #[tokio::test]
    async fn a_dead_daemon_pauses_the_relay_instead_of_slowing_every_write() {
        // A port nobody listens on: the first notice fails fast, the next is skipped at once.
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        drop(l);
        let r = Relay::new(&format!("http://127.0.0.1:{port}"), SECRET).unwrap();
        assert!(!r.notify(&message_events(1, 1)).await);
        let t = Instant::now();
        assert!(!r.notify(&message_events(1, 2)).await);
        assert!(t.elapsed() < Duration::from_millis(5));
    }
}
