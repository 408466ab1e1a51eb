//! `WebhookVerifier`: is a webhook delivery really from the vendor platform?
//!
//! Translation only: the schemes (HMAC over the raw body, timestamps, shared tokens) live in
//! `bkx_core::platforms`.

// PHP sees the Rust parameter names: camelCase as documented (`$rawBody`).
#![allow(non_snake_case)]

use bkx_core::platforms::{self, Headers, Platform};
use bkx_core::{Error, ErrorCode, Result};
use ext_php_rs::prelude::*;
use ext_php_rs::types::{ArrayKey, ZendHashTable};
use serde_json::Value;

use crate::convert::{zval_to_json, PhpStr};
use crate::errors::{to_php, IntoPhp};

/// Checks webhook signatures of Intercom, Zendesk, LiveChat, Drift and tawk.to.
#[php_class]
#[php(name = "BookingX\\Addons\\LiveChat\\WebhookVerifier")]
#[derive(Default)]
pub struct WebhookVerifier;

/// Request headers from a PHP array: names as keys (any case; `x_hub_signature`,
/// `HTTP_X_HUB_SIGNATURE` and `X-Hub-Signature` are the same header), values as strings or
/// lists of strings (WordPress's `get_headers()` shape; the first value counts).
pub(crate) fn headers_from(ht: &ZendHashTable) -> Result<Headers> {
    let mut h = Headers::new();
    for (k, v) in ht.iter() {
        let name = match k {
            ArrayKey::String(s) => s,
            ArrayKey::Str(s) => s.to_owned(),
            ArrayKey::ZendString(s) => s
                .as_str()
                .map(str::to_owned)
                .map_err(|_| Error::invalid("headers", "a header name is not UTF-8"))?,
            // A list of "Name: value" lines is not accepted: names are keys.
            ArrayKey::Long(_) => {
                return Err(Error::invalid(
                    "headers",
                    "headers must be an array of name => value",
                ))
            }
        };
        let value = match zval_to_json(v, "headers", 1)? {
            Value::String(s) => s,
            Value::Array(items) => match items.into_iter().next() {
                Some(Value::String(s)) => s,
                None => continue,
                Some(_) => {
                    return Err(Error::invalid(
                        "headers",
                        format!("header {name} must be a string or a list of strings"),
                    ))
                }
            },
            Value::Number(n) => n.to_string(),
            Value::Null => continue,
            _ => {
                return Err(Error::invalid(
                    "headers",
                    format!("header {name} must be a string or a list of strings"),
                ))
            }
        };
        h.insert(&name, &value);
    }
    Ok(h)
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

fn check(platform: &PhpStr, headers: &ZendHashTable, body: &PhpStr, secret: &PhpStr) -> Result<()> {
    let p = Platform::parse(platform.utf8("platform")?)?;
    let h = headers_from(headers)?;
    platforms::verify(p, &h, body.0, secret.0, now())
}

#[php_impl]
impl WebhookVerifier {
    /// True when `$rawBody` (the request body exactly as received) and `$headers` carry a
    /// valid signature of `$platform` made with `$secret`; false otherwise.
    /// `InvalidArgumentException` for an unknown platform, an empty secret or headers that
    /// are not name => string.
    pub fn verify(
        platform: PhpStr,
        headers: &ZendHashTable,
        rawBody: PhpStr,
        secret: PhpStr,
    ) -> PhpResult<bool> {
        match check(&platform, headers, &rawBody, &secret) {
            Ok(()) => Ok(true),
            Err(e) if e.code == ErrorCode::SignatureInvalid => Ok(false),
            Err(e) => Err(to_php(e)),
        }
    }

    /// The same check, throwing `SignatureException` (`signature_invalid`; details
    /// `platform` and `reason`: `missing_signature`, `malformed_signature`, `mismatch`,
    /// `missing_timestamp`, `stale_timestamp`) when the delivery is not authentic.
    pub fn check(
        platform: PhpStr,
        headers: &ZendHashTable,
        rawBody: PhpStr,
        secret: PhpStr,
    ) -> PhpResult<()> {
        check(&platform, headers, &rawBody, &secret).php()
    }

    /// The platform names webhooks are accepted for.
    pub fn platforms() -> Vec<String> {
        Platform::ALL
            .iter()
            .map(|p| p.as_str().to_owned())
            .collect()
    }
}
