//! What every vendor's webhook turns into: the shared types of the verifiers and normalisers.
//!
//! A delivery is verified against its raw bytes first ([`super::verify`]), then parsed into
//! [`WebhookEvent`]s: the vendor's own event id (the redelivery key), its type, the vendor's
//! conversation id and a short list of [`NormalizedEvent`]s. Everything vendor-specific stops
//! at this boundary; the ingestion (`ingest.rs`) only knows these types.

use chrono::{DateTime, NaiveDateTime};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::error::{Error, ErrorCode, Result};
use crate::model;

/// Largest webhook body we read (a LiveChat `incoming_chat` carries a whole thread).
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// Longest vendor id we keep as is; longer ones are replaced by their SHA-256.
pub const MAX_ID_CHARS: usize = 191;

/// The vendor platforms that send webhooks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Platform {
    Intercom,
    Zendesk,
    LiveChat,
    Drift,
    Tawk,
}

impl Platform {
    /// Every platform, in the order of the spec.
    pub const ALL: [Platform; 5] = [
        Platform::Intercom,
        Platform::Zendesk,
        Platform::LiveChat,
        Platform::Drift,
        Platform::Tawk,
    ];

    /// The name used in routes, settings and the `platform` column.
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Intercom => "intercom",
            Platform::Zendesk => "zendesk",
            Platform::LiveChat => "livechat",
            Platform::Drift => "drift",
            Platform::Tawk => "tawk",
        }
    }

    /// Parses a platform name; `invalid_argument` (field `platform`) for anything else.
    pub fn parse(s: &str) -> Result<Platform> {
        Self::ALL
            .iter()
            .copied()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| {
                Error::invalid(
                    "platform",
                    format!(
                        "platform must be one of: {}",
                        Self::ALL.map(Platform::as_str).join(", ")
                    ),
                )
            })
    }
}

/// Request headers with case-insensitive names.
///
/// Names are compared lower-cased with `_` read as `-`: WordPress hands headers over as
/// `x_hub_signature` (`WP_REST_Request::get_headers()`), PHP's `$_SERVER` as
/// `HTTP_X_HUB_SIGNATURE`, other frameworks as `X-Hub-Signature`. A repeated header keeps its
/// first value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers(Vec<(String, String)>);

fn header_key(name: &str) -> String {
    let n = name.trim().to_ascii_lowercase().replace('_', "-");
    n.strip_prefix("http-").map(str::to_owned).unwrap_or(n)
}

impl Headers {
    /// No headers.
    pub fn new() -> Headers {
        Headers(Vec::new())
    }

    /// Adds a header (a name seen before keeps its first value).
    pub fn insert(&mut self, name: &str, value: &str) {
        let key = header_key(name);
        if !self.0.iter().any(|(k, _)| *k == key) {
            self.0.push((key, value.trim().to_owned()));
        }
    }

    /// The value of a header, whatever the case and separators of its name.
    pub fn get(&self, name: &str) -> Option<&str> {
        let key = header_key(name);
        self.0
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The value, when present and not blank.
    pub fn non_empty(&self, name: &str) -> Option<&str> {
        self.get(name).filter(|v| !v.is_empty())
    }
}

impl<K: AsRef<str>, V: AsRef<str>> FromIterator<(K, V)> for Headers {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut h = Headers::new();
        for (k, v) in iter {
            h.insert(k.as_ref(), v.as_ref());
        }
        h
    }
}

/// Which side wrote a message, in the store's terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SenderType {
    Customer,
    Agent,
    System,
}

impl SenderType {
    /// The `sender_type` column value.
    pub fn as_str(self) -> &'static str {
        match self {
            SenderType::Customer => "customer",
            SenderType::Agent => "agent",
            SenderType::System => "system",
        }
    }
}

/// A person (or bot) on the vendor's side: a customer, an agent, the author of a message.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Participant {
    /// Customer, agent or system; `None` when the payload does not say (LiveChat's
    /// `incoming_event` names only an author id: the ingestion resolves it).
    pub kind: Option<SenderType>,
    /// The vendor's id of this person.
    pub id: Option<String>,
    /// The vendor's own word for the role (`admin`, `lead`, `business`...), kept in metadata.
    pub vendor_type: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
    /// A bot or AI agent (its replies do not count as the first human response).
    pub bot: bool,
}

/// How a vendor's message body is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyFormat {
    /// HTML (Intercom, Drift): sanitised like a native message.
    Html,
    /// Plain text (LiveChat, tawk.to, Sunshine Conversations): escaped, then sanitised.
    Text,
}

/// A message as a vendor sent it.
#[derive(Debug, Clone, PartialEq)]
pub struct IncomingMessage {
    /// The vendor's message id: messages are stored once per (conversation, this id).
    pub platform_message_id: Option<String>,
    pub author: Participant,
    pub body: String,
    pub format: BodyFormat,
    pub sent_at: Option<NaiveDateTime>,
    /// `text`, `file` or `system`.
    pub message_type: &'static str,
    /// A link to the vendor's copy of a file.
    pub attachment_url: Option<String>,
}

/// The vendor-neutral meaning of (part of) a webhook.
#[derive(Debug, Clone, PartialEq)]
pub enum NormalizedEvent {
    /// A conversation began; `first_message` is the customer's opening message when the
    /// payload carries it.
    ConversationStarted {
        customer: Option<Participant>,
        started_at: Option<NaiveDateTime>,
        first_message: Option<IncomingMessage>,
        /// Everyone the payload names (LiveChat lists agents and customers by id).
        participants: Vec<Participant>,
    },
    /// A message was added.
    MessageAdded(IncomingMessage),
    /// The conversation ended (closed, deactivated, removed).
    ConversationClosed { closed_at: Option<NaiveDateTime> },
    /// The customer rated the conversation, on our 1–5 scale. `rating` is `None` when only
    /// the comment arrived (LiveChat sends score and comment as separate property updates).
    Rated {
        rating: Option<u8>,
        comment: Option<String>,
        rated_at: Option<NaiveDateTime>,
    },
    /// The conversation was assigned or transferred on the vendor's side.
    Transferred {
        agent_ids: Vec<String>,
        group_ids: Vec<String>,
        reason: Option<String>,
    },
    /// The whole conversation after it ended (tawk.to's `chat:transcript_created`).
    Transcript {
        customer: Option<Participant>,
        messages: Vec<IncomingMessage>,
        ended_at: Option<NaiveDateTime>,
    },
}

/// One vendor event: what a redelivery repeats, identified by the vendor's event id.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookEvent {
    /// The vendor's event id (or a stable id derived from the payload when the vendor has
    /// none): a second delivery with the same id stores nothing.
    pub event_id: String,
    /// The vendor's event type or topic, as sent.
    pub event_type: String,
    /// The vendor's conversation id (`None` for events about no conversation: ignored).
    pub platform_conversation_id: Option<String>,
    /// What happened; empty when the event type is not one we store (it is then ignored).
    pub events: Vec<NormalizedEvent>,
}

impl WebhookEvent {
    /// An event we acknowledge and store nothing for.
    pub fn ignored(event_id: String, event_type: &str) -> WebhookEvent {
        WebhookEvent {
            event_id,
            event_type: event_type.to_owned(),
            platform_conversation_id: None,
            events: Vec::new(),
        }
    }
}

/*
 * Verification helpers.
 */

/// `signature_invalid` with a machine-readable reason (`missing_signature`,
/// `malformed_signature`, `mismatch`, `missing_timestamp`, `stale_timestamp`).
pub fn signature_error(platform: Platform, reason: &str, message: &str) -> Error {
    Error::new(ErrorCode::SignatureInvalid, message)
        .with("platform", platform.as_str())
        .with("reason", reason)
}

/// Compares two secrets in constant time (both are hashed first, so their lengths leak
/// nothing either).
pub fn secrets_equal(a: &[u8], b: &[u8]) -> bool {
    let ha = Sha256::digest(a);
    let hb = Sha256::digest(b);
    ha.ct_eq(&hb).into()
}

/// Decodes hex (either case); `None` when it is not hex.
pub fn hex_decode(s: &str) -> Option<Vec<u8>> {
    let s = s.trim();
    if s.len() % 2 != 0 {
        return None;
    }
    fn nibble(c: u8) -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        }
    }
    s.as_bytes()
        .chunks(2)
        .map(|p| Some(nibble(p[0])? << 4 | nibble(p[1])?))
        .collect()
}

/// Lower-case hex.
pub fn hex_encode(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A stable id for deliveries whose vendor sends none: `sha256:` and the body's digest (a
/// redelivery repeats the body byte for byte).
pub fn body_event_id(body: &[u8]) -> String {
    format!("sha256:{}", hex_encode(&Sha256::digest(body)))
}

/// An id that fits the id columns: longer ones become `sha256:<digest>`.
pub fn fit_id(id: &str) -> String {
    if id.chars().count() <= MAX_ID_CHARS {
        id.to_owned()
    } else {
        body_event_id(id.as_bytes())
    }
}

/*
 * Payload helpers: vendors send numbers as strings and strings as numbers.
 */

/// Parses the body as a JSON object (`invalid_argument`, field `body`, otherwise).
pub fn json_object(body: &[u8]) -> Result<Map<String, Value>> {
    if body.len() > MAX_BODY_BYTES {
        return Err(Error::new(
            ErrorCode::PayloadTooLarge,
            format!("the webhook body is larger than {MAX_BODY_BYTES} bytes"),
        )
        .with("field", "body")
        .with("max_bytes", MAX_BODY_BYTES));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(Error::invalid(
            "body",
            "the webhook body must be a JSON object",
        )),
        Err(e) => Err(Error::invalid(
            "body",
            format!("the webhook body is not valid JSON: {e}"),
        )),
    }
}

/// Follows a path of object keys.
pub fn at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    let mut cur = v;
    for k in path {
        cur = cur.as_object()?.get(*k)?;
    }
    (!cur.is_null()).then_some(cur)
}

/// An id: a non-empty string, or an integer written as a string.
pub fn id_at(v: &Value, path: &[&str]) -> Option<String> {
    match at(v, path)? {
        Value::String(s) if !s.trim().is_empty() => Some(fit_id(s.trim())),
        Value::Number(n) if n.is_i64() || n.is_u64() => Some(n.to_string()),
        _ => None,
    }
}

/// A non-empty string.
pub fn str_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    at(v, path)?.as_str().filter(|s| !s.trim().is_empty())
}

/// A boolean (`true`, `"true"`, `1`).
pub fn bool_at(v: &Value, path: &[&str]) -> bool {
    match at(v, path) {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s == "true" || s == "1",
        Some(Value::Number(n)) => n.as_i64() == Some(1),
        _ => false,
    }
}

/// Reads a vendor time: RFC 3339 (`2020-09-30T18:00:56.820Z`), or a Unix time in seconds or
/// milliseconds (told apart by size), as a number or a string of digits. Times before 2000 or
/// more than a day ahead are treated as missing (the caller then uses the time of arrival).
pub fn time_of(v: &Value) -> Option<NaiveDateTime> {
    let t = match v {
        Value::Number(n) => unix(n.as_f64()?),
        Value::String(s) => {
            let s = s.trim();
            if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
                unix(s.parse::<f64>().ok()?)
            } else {
                DateTime::parse_from_rfc3339(s)
                    .ok()
                    .map(|d| d.naive_utc())
                    .or_else(|| {
                        // "2019-12-09 12:01:18" style, taken as UTC.
                        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").ok()
                    })
            }
        }
        _ => None,
    }?;
    let t = t - chrono::Duration::nanoseconds(i64::from(t.and_utc().timestamp_subsec_nanos()));
    let lo = DateTime::from_timestamp(946_684_800, 0)?.naive_utc();
    let hi = model::now() + chrono::Duration::days(1);
    (t >= lo && t <= hi).then_some(t)
}

fn unix(x: f64) -> Option<NaiveDateTime> {
    if !x.is_finite() || x < 0.0 {
        return None;
    }
    // Milliseconds from 2001 on are > 1e12; seconds stay below that until the year 33658.
    let secs = if x >= 1e11 { x / 1000.0 } else { x };
    DateTime::from_timestamp(secs as i64, 0).map(|d| d.naive_utc())
}

/// The time at a path.
pub fn time_at(v: &Value, path: &[&str]) -> Option<NaiveDateTime> {
    time_of(at(v, path)?)
}

/// Maps a vendor's rating onto 1–5: `value` on the vendor's inclusive scale `lo..=hi`
/// (LiveChat's 0 bad / 1 good becomes 1 / 5; a 1–5 scale is kept).
pub fn rating_from_scale(value: f64, lo: f64, hi: f64) -> Option<u8> {
    if !value.is_finite() || hi <= lo || value < lo || value > hi {
        return None;
    }
    let r = 1.0 + (value - lo) * 4.0 / (hi - lo);
    Some(r.round().clamp(1.0, 5.0) as u8)
}

/// A rating word or number: `good`/`bad` (Zendesk's satisfaction ratings), `1`–`5`.
pub fn rating_of(v: &Value) -> Option<u8> {
    match v {
        Value::Number(n) => rating_from_scale(n.as_f64()?, 1.0, 5.0),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "good" | "great" | "positive" | "thumbs_up" => Some(5),
            "bad" | "poor" | "negative" | "thumbs_down" => Some(1),
            other => rating_from_scale(other.parse::<f64>().ok()?, 1.0, 5.0),
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_match_whatever_the_case_and_separator() {
        let h: Headers = [
            ("x_hub_signature", "sha1=ab"),
            ("HTTP_X_TAWK_SIGNATURE", "cd"),
            ("X-Zendesk-Webhook-Signature", "ef"),
            ("x-hub-signature", "ignored: first value wins"),
        ]
        .into_iter()
        .collect();
        assert_eq!(h.get("X-Hub-Signature"), Some("sha1=ab"));
        assert_eq!(h.get("x-tawk-signature"), Some("cd"));
        assert_eq!(h.get("x_zendesk_webhook_signature"), Some("ef"));
        assert_eq!(h.get("x-verification-token"), None);
    }

    #[test]
    fn hex_round_trips_and_refuses_non_hex() {
        assert_eq!(hex_decode("00ffA0"), Some(vec![0, 255, 160]));
        assert_eq!(hex_encode(&[0, 255, 160]), "00ffa0");
        assert_eq!(hex_decode("abc"), None);
        assert_eq!(hex_decode("zz"), None);
    }

    #[test]
    fn times_in_every_vendor_format() {
        let t = |v: Value| time_of(&v).map(model::rfc3339);
        assert_eq!(
            t(Value::from(1_392_731_331)),
            Some("2014-02-18T13:48:51Z".into())
        );
        assert_eq!(
            t(Value::from(1_548_700_064_840_i64)),
            Some("2019-01-28T18:27:44Z".into())
        );
        assert_eq!(
            t(Value::from("2020-09-30T18:00:56.820Z")),
            Some("2020-09-30T18:00:56Z".into())
        );
        assert_eq!(
            t(Value::from("2019-12-17T07:57:41.512000Z")),
            Some("2019-12-17T07:57:41Z".into())
        );
        assert_eq!(
            t(Value::from("1392731331")),
            Some("2014-02-18T13:48:51Z".into())
        );
        assert_eq!(t(Value::from("yesterday")), None);
        assert_eq!(t(Value::from(12)), None, "1970 is not a real chat time");
        assert_eq!(t(Value::from(99_999_999_999_999_i64)), None, "far future");
    }

    #[test]
    fn ratings_map_onto_one_to_five() {
        assert_eq!(rating_from_scale(0.0, 0.0, 1.0), Some(1));
        assert_eq!(rating_from_scale(1.0, 0.0, 1.0), Some(5));
        assert_eq!(rating_from_scale(3.0, 1.0, 5.0), Some(3));
        assert_eq!(rating_from_scale(6.0, 1.0, 5.0), None);
        assert_eq!(rating_of(&Value::from("good")), Some(5));
        assert_eq!(rating_of(&Value::from("bad")), Some(1));
        assert_eq!(rating_of(&Value::from("offered")), None);
        assert_eq!(rating_of(&Value::from(4)), Some(4));
    }

    #[test]
    fn secrets_compare_by_value_only() {
        assert!(secrets_equal(b"abc", b"abc"));
        assert!(!secrets_equal(b"abc", b"abd"));
        assert!(!secrets_equal(b"abc", b"abcd"));
    }

    #[test]
    fn long_ids_are_hashed_to_fit() {
        assert_eq!(fit_id("abc"), "abc");
        let long = "x".repeat(300);
        assert!(fit_id(&long).starts_with("sha256:"));
        assert_eq!(fit_id(&long).len(), 7 + 64);
    }
}
