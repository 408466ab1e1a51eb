//! The HTTP layer every vendor client shares: one place that decides when a request is
//! retried, how long to wait, when a vendor counts as down, and what its error bodies mean.
//!
//! * **Retries** — an *idempotent* request (GET, or a POST the vendor de-duplicates) is
//!   retried on timeouts, connection failures and 5xx, with exponential back-off and full
//!   jitter (`rand(0, min(max_delay, base · 2^attempt))`). A *non-idempotent* request is
//!   retried only when the vendor certainly did not process it: the connection was refused
//!   before anything was sent, or the vendor answered 429. A timeout or a 5xx after a
//!   message was posted is reported, never resent blindly (it would post twice).
//! * **429** — the wait the vendor asks for wins: `Retry-After` (seconds or an HTTP date)
//!   or `X-RateLimit-Reset` (Unix time, Intercom). A wait longer than `max_delay` is not
//!   slept: the call fails at once with `platform_unavailable` and `retry_after`, so a page
//!   or an admin screen never hangs on a throttled vendor.
//! * **Circuit breaker** — per vendor and base URL, shared by every client in the process:
//!   `breaker_threshold` consecutive failures open it, and for `breaker_cooldown` calls fail
//!   fast with `platform_unavailable` (the spec's "Chat service temporarily unavailable")
//!   instead of waiting for timeouts; then one probe is let through.
//! * **Health** — [`health`] reports the breaker's state and the last failure, for the
//!   settings screen.
//! * **Errors** — each vendor's error body is mapped by the client's [`ErrorBody`] function
//!   to `platform_error` with the details `platform`, `http_status`, `vendor_code`,
//!   `vendor_message` (stable codes for PHP's `PlatformException`).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine;
use once_cell::sync::Lazy;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::Method;
use serde_json::{json, Value};

use super::{ClientConfig, Platform, RetryPolicy};
use crate::error::{Error, ErrorCode, Result};

/// How a client authenticates.
#[derive(Debug, Clone)]
pub enum Auth {
    /// `Authorization: Bearer <token>` (Intercom, Drift, OAuth tokens).
    Bearer(String),
    /// `Authorization: Basic base64(user:password)` (Sunshine key id/secret, LiveChat PAT,
    /// tawk.to API key with an empty password).
    Basic(String, String),
}

impl Auth {
    fn header(&self) -> String {
        match self {
            Auth::Bearer(t) => format!("Bearer {t}"),
            Auth::Basic(u, p) => format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}"))
            ),
        }
    }
}

/// A vendor's error body → `(vendor_code, vendor_message)`.
pub type ErrorBody = fn(u16, &Value) -> (String, String);

/// One request to a vendor.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: Method,
    /// Path below the base URL, starting with `/`.
    pub path: String,
    pub query: Vec<(String, String)>,
    pub body: Option<Value>,
    /// Safe to send twice (reads, or writes the vendor de-duplicates).
    pub idempotent: bool,
}

impl Request {
    /// A GET (idempotent).
    pub fn get(path: impl Into<String>) -> Self {
        Request {
            method: Method::GET,
            path: path.into(),
            query: Vec::new(),
            body: None,
            idempotent: true,
        }
    }

    /// A POST with a JSON body; not idempotent unless [`Request::idempotent`] says so.
    pub fn post(path: impl Into<String>, body: Value) -> Self {
        Request {
            method: Method::POST,
            path: path.into(),
            query: Vec::new(),
            body: Some(body),
            idempotent: false,
        }
    }

    /// Marks the request as safe to resend (a read over POST, or a keyed write).
    pub fn idempotent(mut self) -> Self {
        self.idempotent = true;
        self
    }

    /// Adds a query parameter.
    pub fn query(mut self, k: &str, v: impl Into<String>) -> Self {
        self.query.push((k.to_owned(), v.into()));
        self
    }
}

/// A successful (2xx) answer.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    /// The JSON body; `null` for an empty body.
    pub body: Value,
}

/// The shared client of one configured vendor.
#[derive(Debug, Clone)]
pub struct VendorHttp {
    platform: Platform,
    base: String,
    client: reqwest::Client,
    auth: Auth,
    headers: HeaderMap,
    retry: RetryPolicy,
    errors: ErrorBody,
}

impl VendorHttp {
    /// A client for `config`, talking to `config.base_url` or `default_base`.
    pub fn new(
        config: &ClientConfig,
        default_base: &str,
        auth: Auth,
        headers: &[(&'static str, String)],
        errors: ErrorBody,
    ) -> Result<Self> {
        let base = config
            .base_url
            .clone()
            .unwrap_or_else(|| default_base.to_owned());
        let base = base.trim_end_matches('/').to_owned();
        let mut map = HeaderMap::new();
        map.insert(
            reqwest::header::ACCEPT,
            HeaderValue::from_static("application/json"),
        );
        map.insert(
            reqwest::header::USER_AGENT,
            HeaderValue::from_static(concat!("bkx-livechat/", env!("CARGO_PKG_VERSION"))),
        );
        for (k, v) in headers {
            let value = HeaderValue::from_str(v)
                .map_err(|_| Error::invalid(k, format!("{k} is not a valid header value")))?;
            map.insert(HeaderName::from_static(k), value);
        }
        let auth_value = HeaderValue::from_str(&auth.header())
            .map_err(|_| Error::invalid("credentials", "a credential holds invalid characters"))?;
        map.insert(reqwest::header::AUTHORIZATION, auth_value);
        let client = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(3)))
            .build()
            .map_err(|e| Error::new(ErrorCode::PlatformUnavailable, format!("HTTP client: {e}")))?;
        Ok(VendorHttp {
            platform: config.platform,
            base,
            client,
            auth,
            headers: map,
            retry: config.retry,
            errors,
        })
    }

    /// The base URL requests go to.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The credentials in use (for vendors that need them in the body).
    pub fn auth(&self) -> &Auth {
        &self.auth
    }

    fn breaker_key(&self) -> String {
        format!("{}|{}", self.platform.as_str(), self.base)
    }

    /// Sends `req` with the retry rules of the module docs; `Ok` only for 2xx.
    pub async fn call(&self, req: Request) -> Result<Response> {
        let key = self.breaker_key();
        let policy = self.retry;
        if let Some(wait) = breaker_open(&key, &policy) {
            return Err(self
                .unavailable("the platform keeps failing; calls are paused")
                .with("reason", "circuit_open")
                .with("retry_after", wait.as_secs().max(1)));
        }
        let attempts = policy.max_attempts.max(1);
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let outcome = self.once(&req).await;
            let last = attempt >= attempts;
            match outcome {
                Outcome::Done(r) => {
                    record(&key, &policy, None);
                    return Ok(r);
                }
                Outcome::Refused(e) => {
                    // The vendor answered with a 4xx: it is up; the request is wrong.
                    record(&key, &policy, None);
                    return Err(e);
                }
                Outcome::Throttled { wait, error } => {
                    let too_long = wait.is_some_and(|w| w > policy.max_delay);
                    if last || too_long {
                        record(&key, &policy, Some("rate limited".into()));
                        let secs = wait.map_or(1, |w| w.as_secs().max(1));
                        return Err(self
                            .unavailable("the platform is rate limiting requests")
                            .with("reason", "rate_limited")
                            .with("retry_after", secs)
                            .with("http_status", 429)
                            .with("vendor_code", error.0)
                            .with("vendor_message", error.1));
                    }
                    let w = wait.unwrap_or_else(|| backoff(&policy, attempt));
                    tokio::time::sleep(w).await;
                }
                Outcome::Failed {
                    error,
                    sent,
                    status,
                } => {
                    let retry = !last && (req.idempotent || !sent);
                    if !retry {
                        record(&key, &policy, Some(error.message.clone()));
                        let mut e = error;
                        if let Some(s) = status {
                            e = e.with("http_status", s);
                        }
                        return Err(e.with("attempts", attempt));
                    }
                    tokio::time::sleep(backoff(&policy, attempt)).await;
                }
            }
        }
    }

    fn unavailable(&self, message: &str) -> Error {
        Error::new(
            ErrorCode::PlatformUnavailable,
            format!("{}: {message}", self.platform.as_str()),
        )
        .with("platform", self.platform.as_str())
    }

    async fn once(&self, req: &Request) -> Outcome {
        let url = format!("{}{}", self.base, req.path);
        let mut rb = self
            .client
            .request(req.method.clone(), &url)
            .headers(self.headers.clone());
        if !req.query.is_empty() {
            rb = rb.query(&req.query);
        }
        if let Some(b) = &req.body {
            rb = rb.json(b);
        }
        let resp = match rb.send().await {
            Ok(r) => r,
            Err(e) => {
                // A refused connection never reached the vendor: always safe to resend.
                let sent = !e.is_connect();
                let why = if e.is_timeout() {
                    "timed out"
                } else if e.is_connect() {
                    "could not connect"
                } else {
                    "request failed"
                };
                return Outcome::Failed {
                    error: self.unavailable(why).with("reason", why),
                    sent,
                    status: None,
                };
            }
        };
        let status = resp.status().as_u16();
        let wait = rate_limit_wait(resp.headers(), unix_now());
        let text = match resp.text().await {
            Ok(t) => t,
            Err(_) => {
                return Outcome::Failed {
                    error: self.unavailable("the answer was cut off"),
                    sent: true,
                    status: Some(status),
                }
            }
        };
        let body = if text.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|_| json!({ "raw": truncate(&text) }))
        };
        if (200..300).contains(&status) {
            return Outcome::Done(Response { status, body });
        }
        let (code, message) = (self.errors)(status, &body);
        if status == 429 {
            return Outcome::Throttled {
                wait,
                error: (code, message),
            };
        }
        if status >= 500 {
            return Outcome::Failed {
                error: self
                    .unavailable(&format!("the platform answered {status}"))
                    .with("reason", "server_error")
                    .with("vendor_code", code)
                    .with("vendor_message", message),
                sent: true,
                status: Some(status),
            };
        }
        Outcome::Refused(
            Error::new(
                ErrorCode::PlatformError,
                format!(
                    "{} refused the request ({status} {code}): {message}",
                    self.platform.as_str()
                ),
            )
            .with("platform", self.platform.as_str())
            .with("http_status", status)
            .with("vendor_code", code)
            .with("vendor_message", message),
        )
    }
}

/// A vendor id safe to put in a path (digits / word characters only).
pub fn path_id(id: &str) -> Result<&str> {
    let ok = !id.is_empty()
        && id.len() <= 128
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok {
        Ok(id)
    } else {
        Err(Error::invalid(
            "conversation_id",
            "the vendor conversation id has unexpected characters",
        ))
    }
}

/// A vendor id from a JSON answer: a non-empty string, or a number (Intercom and Drift use
/// both), as a string.
pub fn vendor_id(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// `platform_error` for a 2xx answer that lacks what the vendor documents (`what`), with
/// the start of the answer for the logs.
pub fn incomplete(platform: Platform, what: &str, raw: &Value) -> Error {
    Error::new(
        ErrorCode::PlatformError,
        format!("{} answered without {what}", platform.as_str()),
    )
    .with("platform", platform.as_str())
    .with(
        "vendor_message",
        raw.to_string().chars().take(300).collect::<String>(),
    )
}

enum Outcome {
    Done(Response),
    Refused(Error),
    Throttled {
        wait: Option<Duration>,
        error: (String, String),
    },
    Failed {
        error: Error,
        /// Whether the request may have reached the vendor.
        sent: bool,
        status: Option<u16>,
    },
}

fn truncate(s: &str) -> String {
    s.chars().take(500).collect()
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// The wait a 429 asks for: `Retry-After` (delta seconds or an HTTP date), else
/// `X-RateLimit-Reset` / `X-Rate-Limit-Reset` (Unix seconds). `None` when neither says.
pub fn rate_limit_wait(headers: &HeaderMap, now: i64) -> Option<Duration> {
    let get = |n: &str| headers.get(n).and_then(|v| v.to_str().ok()).map(str::trim);
    if let Some(v) = get("retry-after") {
        if let Ok(secs) = v.parse::<u64>() {
            return Some(Duration::from_secs(secs));
        }
        if let Ok(t) = chrono::DateTime::parse_from_rfc2822(v) {
            return Some(Duration::from_secs((t.timestamp() - now).max(0) as u64));
        }
    }
    for n in ["x-ratelimit-reset", "x-rate-limit-reset"] {
        if let Some(reset) = get(n).and_then(|v| v.parse::<i64>().ok()) {
            return Some(Duration::from_secs((reset - now).max(0) as u64));
        }
    }
    None
}

/// Full-jitter exponential back-off before attempt `attempt + 1`.
fn backoff(p: &RetryPolicy, attempt: u32) -> Duration {
    let exp = p
        .base_delay
        .saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
    let ceiling = exp.min(p.max_delay);
    let mut b = [0u8; 8];
    let r = if getrandom::getrandom(&mut b).is_ok() {
        u64::from_le_bytes(b)
    } else {
        u64::from(attempt).wrapping_mul(0x9E37_79B9_7F4A_7C15)
    };
    let ms = ceiling.as_millis().max(1) as u64;
    Duration::from_millis(r % ms)
}

/// The breaker of one vendor + base URL.
#[derive(Debug, Clone, Default)]
struct Breaker {
    consecutive_failures: u32,
    open_until: Option<Instant>,
    last_error: Option<String>,
    last_failure_unix: Option<i64>,
    last_success_unix: Option<i64>,
    calls: u64,
    failures: u64,
}

static BREAKERS: Lazy<Mutex<HashMap<String, Breaker>>> = Lazy::new(|| Mutex::new(HashMap::new()));

fn breakers() -> std::sync::MutexGuard<'static, HashMap<String, Breaker>> {
    BREAKERS.lock().unwrap_or_else(|p| p.into_inner())
}

/// `Some(remaining)` while the breaker is open; lets one probe through after the cooldown.
fn breaker_open(key: &str, _p: &RetryPolicy) -> Option<Duration> {
    let mut all = breakers();
    let b = all.get_mut(key)?;
    let until = b.open_until?;
    let now = Instant::now();
    if now < until {
        return Some(until - now);
    }
    // Half-open: this call is the probe; a failure re-opens at once (threshold reached).
    b.open_until = None;
    None
}

fn record(key: &str, p: &RetryPolicy, failure: Option<String>) {
    let mut all = breakers();
    let b = all.entry(key.to_owned()).or_default();
    b.calls += 1;
    match failure {
        None => {
            b.consecutive_failures = 0;
            b.open_until = None;
            b.last_success_unix = Some(unix_now());
        }
        Some(why) => {
            b.failures += 1;
            b.consecutive_failures += 1;
            b.last_error = Some(why);
            b.last_failure_unix = Some(unix_now());
            if b.consecutive_failures >= p.breaker_threshold.max(1) {
                b.open_until = Some(Instant::now() + p.breaker_cooldown);
            }
        }
    }
}

/// The health of `platform` at `base` as this process has seen it: `status` is `unknown`
/// (no call yet), `ok`, `degraded` (recent failures, still calling) or `down` (breaker open).
pub fn health(platform: Platform, base: &str) -> Value {
    let key = format!("{}|{}", platform.as_str(), base.trim_end_matches('/'));
    let all = breakers();
    let Some(b) = all.get(&key) else {
        return json!({ "platform": platform.as_str(), "status": "unknown", "calls": 0 });
    };
    let now = Instant::now();
    let open_for = b
        .open_until
        .filter(|u| *u > now)
        .map(|u| (u - now).as_secs());
    let status = if open_for.is_some() {
        "down"
    } else if b.consecutive_failures > 0 {
        "degraded"
    } else {
        "ok"
    };
    json!({
        "platform": platform.as_str(),
        "status": status,
        "consecutive_failures": b.consecutive_failures,
        "calls": b.calls,
        "failures": b.failures,
        "last_error": b.last_error,
        "last_failure_at": b.last_failure_unix,
        "last_success_at": b.last_success_unix,
        "retry_after": open_for,
    })
}

/// Forgets every breaker (tests).
pub fn reset_health() {
    breakers().clear();
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    /// A tiny HTTP/1.1 server answering each request with the next canned response
    /// (the last one repeats); counts requests.
    async fn server(responses: Vec<String>) -> (String, Arc<AtomicUsize>) {
        let l = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = l.local_addr().expect("addr");
        let hits = Arc::new(AtomicUsize::new(0));
        let h = hits.clone();
        tokio::spawn(async move {
            loop {
                let Ok((mut s, _)) = l.accept().await else {
                    return;
                };
                let n = h.fetch_add(1, Ordering::SeqCst);
                let r = responses[n.min(responses.len() - 1)].clone();
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 65536];
                    let mut got = Vec::new();
                    loop {
                        let Ok(k) = s.read(&mut buf).await else {
                            return;
                        };
                        if k == 0 {
                            return;
                        }
                        got.extend_from_slice(&buf[..k]);
                        let text = String::from_utf8_lossy(&got);
                        if let Some(end) = text.find("\r\n\r\n") {
                            let len = text[..end]
                                .lines()
                                .find_map(|l| {
                                    let l = l.to_ascii_lowercase();
                                    l.strip_prefix("content-length:")
                                        .and_then(|v| v.trim().parse::<usize>().ok())
                                })
                                .unwrap_or(0);
                            if got.len() >= end + 4 + len {
                                break;
                            }
                        }
                    }
                    if r == "HANG" {
                        tokio::time::sleep(Duration::from_secs(30)).await;
                        return;
                    }
                    let _ = s.write_all(r.as_bytes()).await;
                    let _ = s.shutdown().await;
                });
            }
        });
        (format!("http://{addr}"), hits)
    }

    fn resp(status: &str, headers: &str, body: &str) -> String {
        format!(
            "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nConnection: close\r\n{headers}Content-Length: {}\r\n\r\n{body}",
            body.len()
        )
    }

    fn errors(_s: u16, b: &Value) -> (String, String) {
        (
            b["code"].as_str().unwrap_or("unknown").to_owned(),
            b["message"].as_str().unwrap_or("").to_owned(),
        )
    }

    fn http(base: &str, retry: RetryPolicy) -> VendorHttp {
        let mut c = ClientConfig::new(Platform::Drift, Default::default());
        c.base_url = Some(base.to_owned());
        c.timeout = Duration::from_millis(500);
        c.retry = retry;
        VendorHttp::new(&c, "http://unused", Auth::Bearer("t".into()), &[], errors).expect("client")
    }

    fn fast() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_secs(2),
            breaker_threshold: 100,
            breaker_cooldown: Duration::from_secs(30),
        }
    }

    #[tokio::test]
    async fn idempotent_requests_retry_5xx_then_succeed() {
        let (base, hits) = server(vec![
            resp("503 Service Unavailable", "", r#"{"code":"down"}"#),
            resp("200 OK", "", r#"{"ok":1}"#),
        ])
        .await;
        let r = http(&base, fast())
            .call(Request::get("/x"))
            .await
            .expect("ok");
        assert_eq!(r.body["ok"], 1);
        assert_eq!(hits.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn posts_are_not_resent_after_a_5xx() {
        let (base, hits) = server(vec![
            resp("502 Bad Gateway", "", "{}"),
            resp("200 OK", "", "{}"),
        ])
        .await;
        let e = http(&base, fast())
            .call(Request::post("/m", json!({"body": "hi"})))
            .await
            .expect_err("5xx");
        assert_eq!(e.code, ErrorCode::PlatformUnavailable);
        assert_eq!(e.details["http_status"], 502);
        assert_eq!(hits.load(Ordering::SeqCst), 1, "a post is never sent twice");
    }

    #[tokio::test]
    async fn a_429_waits_what_the_vendor_asks_then_retries_even_a_post() {
        let (base, hits) = server(vec![
            resp(
                "429 Too Many Requests",
                "Retry-After: 1\r\n",
                r#"{"code":"rate"}"#,
            ),
            resp("201 Created", "", r#"{"id":"m1"}"#),
        ])
        .await;
        let t = Instant::now();
        let r = http(&base, fast())
            .call(Request::post("/m", json!({})))
            .await
            .expect("ok after the wait");
        assert_eq!(r.status, 201);
        assert!(
            t.elapsed() >= Duration::from_millis(950),
            "{:?}",
            t.elapsed()
        );
        assert_eq!(hits.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_429_asking_too_long_a_wait_fails_at_once_with_retry_after() {
        let reset = unix_now() + 600;
        let (base, hits) = server(vec![resp(
            "429 Too Many Requests",
            &format!("X-RateLimit-Remaining: 0\r\nX-RateLimit-Reset: {reset}\r\n"),
            r#"{"code":"rate_limit_exceeded","message":"Exceeded rate limit"}"#,
        )])
        .await;
        let t = Instant::now();
        let e = http(&base, fast())
            .call(Request::get("/x"))
            .await
            .expect_err("throttled");
        assert!(t.elapsed() < Duration::from_millis(400));
        assert_eq!(e.code, ErrorCode::PlatformUnavailable);
        assert_eq!(e.details["reason"], "rate_limited");
        assert!(e.details["retry_after"].as_u64().unwrap_or(0) >= 590);
        assert_eq!(e.details["vendor_code"], "rate_limit_exceeded");
        assert_eq!(hits.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_4xx_maps_the_vendor_error_and_is_not_retried() {
        let (base, hits) = server(vec![resp(
            "401 Unauthorized",
            "",
            r#"{"code":"unauthorized","message":"Access Token Invalid"}"#,
        )])
        .await;
        let e = http(&base, fast())
            .call(Request::get("/me"))
            .await
            .expect_err("401");
        assert_eq!(e.code, ErrorCode::PlatformError);
        assert_eq!(e.details["http_status"], 401);
        assert_eq!(e.details["vendor_code"], "unauthorized");
        assert_eq!(e.details["vendor_message"], "Access Token Invalid");
        assert_eq!(hits.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_hanging_vendor_times_out_and_the_breaker_opens() {
        let (base, hits) = server(vec!["HANG".to_owned()]).await;
        let mut p = fast();
        p.max_attempts = 1;
        p.breaker_threshold = 2;
        let h = http(&base, p);
        for _ in 0..2 {
            let e = h.call(Request::get("/x")).await.expect_err("timeout");
            assert_eq!(e.code, ErrorCode::PlatformUnavailable);
        }
        let t = Instant::now();
        let e = h.call(Request::get("/x")).await.expect_err("open");
        assert!(t.elapsed() < Duration::from_millis(50), "fails fast");
        assert_eq!(e.details["reason"], "circuit_open");
        assert_eq!(hits.load(Ordering::SeqCst), 2, "no call while open");
        let hv = health(Platform::Drift, &base);
        assert_eq!(hv["status"], "down");
        assert_eq!(hv["consecutive_failures"], 2);
    }

    #[tokio::test]
    async fn connection_refused_is_retried_even_for_posts() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let base = format!("http://{}", l.local_addr().expect("addr"));
        drop(l);
        let e = http(&base, fast())
            .call(Request::post("/m", json!({})))
            .await
            .expect_err("refused");
        assert_eq!(e.code, ErrorCode::PlatformUnavailable);
        assert_eq!(e.details["attempts"], 3);
    }

    #[test]
    fn rate_limit_headers_are_read() {
        let mut h = HeaderMap::new();
        h.insert("retry-after", HeaderValue::from_static("7"));
        assert_eq!(rate_limit_wait(&h, 0), Some(Duration::from_secs(7)));
        let mut h = HeaderMap::new();
        h.insert("x-ratelimit-reset", HeaderValue::from_static("1000"));
        assert_eq!(rate_limit_wait(&h, 990), Some(Duration::from_secs(10)));
        let mut h = HeaderMap::new();
        h.insert(
            "retry-after",
            HeaderValue::from_static("Thu, 01 Jan 1970 00:01:40 GMT"),
        );
        assert_eq!(rate_limit_wait(&h, 40), Some(Duration::from_secs(60)));
        assert_eq!(rate_limit_wait(&HeaderMap::new(), 0), None);
    }

    #[test]
    fn backoff_stays_under_its_ceiling() {
        let p = fast();
        for a in 1..10 {
            let d = backoff(&p, a);
            assert!(d <= p.max_delay);
            assert!(d < p.base_delay * (1 << (a - 1)) + Duration::from_millis(1));
        }
    }
}
