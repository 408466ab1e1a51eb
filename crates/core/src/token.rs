//! Short-lived tokens WordPress issues and `bkx-chatd` verifies (JWT, HS256).
//!
//! WordPress knows who the visitor or user is; the daemon must not call WordPress on every
//! connection. So WordPress signs the identity with a secret it shares with the daemon, and
//! the daemon only checks the signature and the expiry. Only HS256 is accepted: a token that
//! names another algorithm (`none`, RS256 with the secret as a "public key"...) is refused.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::error::{Error, ErrorCode, Result};

/// Default lifetime: 15 minutes; clients refresh through the REST token route.
pub const DEFAULT_TTL_SECS: i64 = 900;
/// The longest lifetime we sign, so a leaked token cannot live for days.
pub const MAX_TTL_SECS: i64 = 86_400;
/// Shortest shared secret we accept.
pub const MIN_SECRET_BYTES: usize = 32;
/// Clock skew tolerated between the PHP hosts and the daemon.
const LEEWAY_SECS: i64 = 30;

/// Who may hold a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Customer,
    Agent,
    Manager,
    Admin,
}

impl Role {
    /// Parses the contract's role names.
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "customer" => Some(Role::Customer),
            "agent" => Some(Role::Agent),
            "manager" => Some(Role::Manager),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }

    /// The contract's name of the role.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Customer => "customer",
            Role::Agent => "agent",
            Role::Manager => "manager",
            Role::Admin => "admin",
        }
    }

    /// Agents, managers and admins all handle conversations.
    pub fn is_staff(self) -> bool {
        !matches!(self, Role::Customer)
    }
}

/// The claims of a daemon token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// `v:<visitor_id>` for guests, `u:<user_id>` for WordPress users.
    pub sub: String,
    pub role: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub iat: i64,
    pub exp: i64,
    pub jti: String,
    /// Conversations the holder may join in addition to its own (empty: no extra scope).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conversations: Vec<u64>,
}

/// The identity named by `sub`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    Visitor(String),
    User(u64),
}

impl Claims {
    /// Parses `sub` into a visitor or user identity.
    pub fn subject(&self) -> Result<Subject> {
        parse_subject(&self.sub)
    }
}

/// Parses `v:<visitor_id>` / `u:<user_id>`.
pub fn parse_subject(sub: &str) -> Result<Subject> {
    if let Some(v) = sub.strip_prefix("v:") {
        if is_valid_visitor_id(v) {
            return Ok(Subject::Visitor(v.to_owned()));
        }
    } else if let Some(u) = sub.strip_prefix("u:") {
        if let Ok(id) = u.parse::<u64>() {
            if id > 0 {
                return Ok(Subject::User(id));
            }
        }
    }
    Err(Error::invalid(
        "sub",
        "sub must be \"v:<visitor id>\" or \"u:<user id>\"",
    ))
}

/// Visitor ids are opaque tokens we generate: 8–64 characters of `[A-Za-z0-9_-]`.
pub fn is_valid_visitor_id(v: &str) -> bool {
    (8..=64).contains(&v.len())
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A fresh random id (hex, 128 bits) for `jti` and visitor ids.
pub fn random_id() -> Result<String> {
    let mut buf = [0u8; 16];
    getrandom::getrandom(&mut buf).map_err(|e| {
        Error::new(ErrorCode::StorageError, "no randomness available").with("cause", e.to_string())
    })?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

fn check_secret(secret: &[u8]) -> Result<()> {
    if secret.len() < MIN_SECRET_BYTES {
        return Err(Error::invalid(
            "secret",
            format!("the shared secret must be at least {MIN_SECRET_BYTES} bytes"),
        ));
    }
    Ok(())
}

fn mac(secret: &[u8]) -> Result<Hmac<Sha256>> {
    Hmac::<Sha256>::new_from_slice(secret).map_err(|_| Error::invalid("secret", "unusable secret"))
}

/// What a caller asks to be signed.
#[derive(Debug, Clone)]
pub struct TokenRequest {
    pub sub: String,
    pub role: Role,
    pub name: Option<String>,
    pub conversations: Vec<u64>,
    pub ttl_secs: i64,
}

/// Signs a token; returns it with its claims.
pub fn issue(req: &TokenRequest, secret: &[u8], now: i64) -> Result<(String, Claims)> {
    check_secret(secret)?;
    parse_subject(&req.sub)?;
    if req.ttl_secs <= 0 || req.ttl_secs > MAX_TTL_SECS {
        return Err(Error::invalid(
            "ttl",
            format!("ttl must be between 1 and {MAX_TTL_SECS} seconds"),
        ));
    }
    if let Some(n) = &req.name {
        if n.chars().count() > 100 {
            return Err(Error::invalid("name", "name is longer than 100 characters"));
        }
    }
    let claims = Claims {
        sub: req.sub.clone(),
        role: req.role,
        name: req.name.clone(),
        iat: now,
        exp: now + req.ttl_secs,
        jti: random_id()?,
        conversations: req.conversations.clone(),
    };
    let payload = serde_json::to_value(&claims)
        .map_err(|e| Error::invalid("claims", format!("unserialisable claims: {e}")))?;
    let token = sign_hs256(
        &serde_json::json!({"alg": "HS256", "typ": "JWT"}),
        &payload,
        secret,
    )?;
    Ok((token, claims))
}

/// A compact HS256 JWT of `header` and `claims`, signed with `secret` (raw bytes). Shared by
/// our daemon tokens and the vendors' identity JWTs (Intercom, Zendesk, Drift), so there is
/// one JWT encoder to get right. `header` must carry `"alg": "HS256"`.
pub fn sign_hs256(
    header: &serde_json::Value,
    claims: &serde_json::Value,
    secret: &[u8],
) -> Result<String> {
    if secret.is_empty() {
        return Err(Error::invalid("secret", "an empty secret cannot sign"));
    }
    let h = serde_json::to_vec(header)
        .map_err(|e| Error::invalid("header", format!("unserialisable header: {e}")))?;
    let c = serde_json::to_vec(claims)
        .map_err(|e| Error::invalid("claims", format!("unserialisable claims: {e}")))?;
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(h),
        URL_SAFE_NO_PAD.encode(c)
    );
    let mut m = mac(secret)?;
    m.update(signing_input.as_bytes());
    let sig = URL_SAFE_NO_PAD.encode(m.finalize().into_bytes());
    Ok(format!("{signing_input}.{sig}"))
}

#[derive(Deserialize)]
struct Header {
    alg: String,
}

fn forged(why: &str) -> Error {
    Error::new(ErrorCode::SignatureInvalid, format!("invalid token: {why}"))
}

/// Verifies signature, algorithm and expiry; returns the claims.
///
/// Errors: `signature_invalid` for anything malformed or forged, `unauthenticated` for a
/// well-signed token that has expired (the client should fetch a new one).
pub fn verify(token: &str, secret: &[u8], now: i64) -> Result<Claims> {
    check_secret(secret)?;
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(forged("not a JWS compact token"));
    };
    let header: Header = URL_SAFE_NO_PAD
        .decode(h)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(|| forged("bad header"))?;
    if header.alg != "HS256" {
        return Err(forged("algorithm not allowed"));
    }
    let sig = URL_SAFE_NO_PAD
        .decode(s)
        .map_err(|_| forged("bad signature encoding"))?;
    let mut m = mac(secret)?;
    m.update(h.as_bytes());
    m.update(b".");
    m.update(p.as_bytes());
    // `verify_slice` compares in constant time.
    m.verify_slice(&sig)
        .map_err(|_| forged("signature mismatch"))?;
    let claims: Claims = URL_SAFE_NO_PAD
        .decode(p)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(|| forged("bad claims"))?;
    parse_subject(&claims.sub).map_err(|_| forged("bad subject"))?;
    if claims.exp + LEEWAY_SECS < now {
        return Err(Error::new(ErrorCode::Unauthenticated, "token expired").with("exp", claims.exp));
    }
    if claims.iat > now + LEEWAY_SECS {
        return Err(forged("issued in the future"));
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef-test";

    fn req() -> TokenRequest {
        TokenRequest {
            sub: "v:visitor-12345".into(),
            role: Role::Customer,
            name: Some("Guest".into()),
            conversations: vec![],
            ttl_secs: 900,
        }
    }

    #[test]
    fn issued_tokens_verify() {
        let (t, c) = issue(&req(), SECRET, 1_000).unwrap();
        let back = verify(&t, SECRET, 1_100).unwrap();
        assert_eq!(back, c);
        assert_eq!(back.exp, 1_900);
        assert_eq!(
            back.subject().unwrap(),
            Subject::Visitor("visitor-12345".into())
        );
    }

    #[test]
    fn expired_tokens_are_unauthenticated() {
        let (t, _) = issue(&req(), SECRET, 1_000).unwrap();
        let e = verify(&t, SECRET, 1_000 + 900 + 31).unwrap_err();
        assert_eq!(e.code, ErrorCode::Unauthenticated);
    }

    #[test]
    fn forged_tokens_are_refused() {
        let (t, _) = issue(&req(), SECRET, 1_000).unwrap();
        let other = b"another-secret-another-secret-0000";
        assert_eq!(
            verify(&t, other, 1_000).unwrap_err().code,
            ErrorCode::SignatureInvalid
        );
        // Swap the role claim for "admin" and keep the signature.
        let parts: Vec<&str> = t.split('.').collect();
        let mut claims: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        claims["role"] = "admin".into();
        let tampered = format!(
            "{}.{}.{}",
            parts[0],
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap()),
            parts[2]
        );
        assert_eq!(
            verify(&tampered, SECRET, 1_000).unwrap_err().code,
            ErrorCode::SignatureInvalid
        );
        let none = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(br#"{"alg":"none"}"#),
            parts[1]
        );
        assert_eq!(
            verify(&none, SECRET, 1_000).unwrap_err().code,
            ErrorCode::SignatureInvalid
        );
        assert_eq!(
            verify("garbage", SECRET, 1_000).unwrap_err().code,
            ErrorCode::SignatureInvalid
        );
    }

    #[test]
    fn short_secrets_and_bad_subjects_are_rejected() {
        assert_eq!(
            issue(&req(), b"short", 0).unwrap_err().code,
            ErrorCode::InvalidArgument
        );
        let mut r = req();
        r.sub = "x:1".into();
        assert_eq!(
            issue(&r, SECRET, 0).unwrap_err().code,
            ErrorCode::InvalidArgument
        );
    }
}
