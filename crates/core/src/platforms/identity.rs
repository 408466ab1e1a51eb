//! Identity verification for the vendors' widgets: the hashes and JWTs that let a vendor
//! trust "this visitor is WordPress user 42", computed server-side so the secrets never
//! reach the page.
//!
//! | vendor | scheme (see the shared platform reference) |
//! |---|---|
//! | Intercom | `user_hash` = hex HMAC-SHA256(user_id, or email without user_id) with the Identity Verification secret; or the newer `intercom_user_jwt`, HS256 `{user_id, email?, exp}` with the Messenger API secret |
//! | Zendesk | messaging JWT, HS256, header `kid` = the signing key id, claims `{scope:"user", external_id, name?, email?, email_verified?, exp}` |
//! | Drift | signed identity, HS256 `{sub: user_id, iat, exp}` with the widget-security secret |
//! | tawk.to | secure mode `hash` = hex HMAC-SHA256(email) with the property's JavaScript API key |
//!
//! LiveChat's customer identity providers are out of scope: it gets name and e-mail only.

use hmac::{Hmac, Mac};
use serde_json::{json, Map, Value};
use sha2::Sha256;

use super::webhook::Platform;
use crate::error::{Error, Result};
use crate::token::sign_hs256;

/// How long an identity JWT stays valid: long enough for a visit, short enough that a
/// leaked token is soon useless.
pub const JWT_TTL_SECS: i64 = 3_600;

/// The logged-in customer a widget is told about.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Visitor {
    /// Our stable user id (the WordPress user id as a string).
    pub user_id: String,
    pub email: Option<String>,
    pub name: Option<String>,
}

fn hex_hmac_sha256(key: &[u8], data: &[u8]) -> Result<String> {
    let mut m = Hmac::<Sha256>::new_from_slice(key)
        .map_err(|_| Error::invalid("secret", "unusable identity secret"))?;
    m.update(data);
    Ok(m.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

fn need<'a>(credentials: &'a Map<String, Value>, key: &str, platform: Platform) -> Result<&'a str> {
    match credentials.get(key).and_then(Value::as_str) {
        Some(s) if !s.is_empty() => Ok(s),
        _ => Err(Error::invalid(
            &format!("credentials.{key}"),
            format!(
                "{} identity verification needs the '{key}' credential",
                platform.as_str()
            ),
        )),
    }
}

/// Intercom's legacy `user_hash`: HMAC-SHA256 of the user id (email when there is none).
pub fn intercom_user_hash(secret: &str, visitor: &Visitor) -> Result<String> {
    let subject = if visitor.user_id.is_empty() {
        visitor.email.as_deref().unwrap_or_default()
    } else {
        visitor.user_id.as_str()
    };
    if subject.is_empty() {
        return Err(Error::invalid(
            "visitor",
            "a user id or an e-mail is needed",
        ));
    }
    hex_hmac_sha256(secret.as_bytes(), subject.as_bytes())
}

/// Intercom's Messenger security JWT (`intercom_user_jwt`).
pub fn intercom_jwt(secret: &str, visitor: &Visitor, now: i64) -> Result<String> {
    let mut c = json!({ "user_id": visitor.user_id, "exp": now + JWT_TTL_SECS });
    if let Some(e) = &visitor.email {
        c["email"] = e.clone().into();
    }
    sign_hs256(
        &json!({"alg": "HS256", "typ": "JWT"}),
        &c,
        secret.as_bytes(),
    )
}

/// Zendesk messaging's visitor JWT (`zE('messenger','loginUser', cb => cb(jwt))`).
pub fn zendesk_jwt(key_id: &str, secret: &str, visitor: &Visitor, now: i64) -> Result<String> {
    let mut c = json!({
        "scope": "user",
        "external_id": visitor.user_id,
        "exp": now + JWT_TTL_SECS,
    });
    if let Some(n) = &visitor.name {
        c["name"] = n.clone().into();
    }
    if let Some(e) = &visitor.email {
        c["email"] = e.clone().into();
        // WordPress checks an account's address only loosely; never vouch for it.
        c["email_verified"] = false.into();
    }
    sign_hs256(
        &json!({"alg": "HS256", "typ": "JWT", "kid": key_id}),
        &c,
        secret.as_bytes(),
    )
}

/// Drift's signed identity JWT (`sub` = the id passed to `drift.identify`).
pub fn drift_jwt(secret: &str, visitor: &Visitor, now: i64) -> Result<String> {
    sign_hs256(
        &json!({"alg": "HS256", "typ": "JWT"}),
        &json!({ "sub": visitor.user_id, "iat": now, "exp": now + JWT_TTL_SECS }),
        secret.as_bytes(),
    )
}

/// tawk.to secure mode's `hash` of the visitor's e-mail.
pub fn tawk_hash(api_key: &str, visitor: &Visitor) -> Result<String> {
    let email = visitor
        .email
        .as_deref()
        .filter(|e| !e.is_empty())
        .ok_or_else(|| Error::invalid("visitor.email", "tawk.to secure mode hashes the e-mail"))?;
    hex_hmac_sha256(api_key.as_bytes(), email.as_bytes())
}

/// The identity attributes the vendor's widget is booted with, from the vendor's
/// credentials (the plugin's `{platform}_*` settings without the prefix):
///
/// * Intercom: `user_hash` (or `intercom_user_jwt` when `identity_mode` is `jwt`) from
///   `secret_key`, unless `identity_verification` is false; plus `user_id`, `email`, `name`.
/// * Zendesk: `jwt` from `jwt_key_id` + `jwt_secret`.
/// * Drift: `user_id`, `attributes{email,name}`, `user_jwt` from `identity_secret`.
/// * tawk.to: `visitor{name,email,hash}` from `js_api_key` (needs an e-mail).
/// * LiveChat: `customer{name,email}`, nothing signed.
///
/// `invalid_argument` when the credential a scheme needs is missing: a widget booted
/// unsigned where the vendor enforces verification would fail on the page instead.
pub fn widget_identity(
    platform: Platform,
    credentials: &Map<String, Value>,
    visitor: &Visitor,
    now: i64,
) -> Result<Value> {
    if visitor.user_id.is_empty() {
        return Err(Error::invalid(
            "visitor.user_id",
            "the visitor has no user id",
        ));
    }
    Ok(match platform {
        Platform::Intercom => {
            let mut v = json!({ "user_id": visitor.user_id });
            if let Some(e) = &visitor.email {
                v["email"] = e.clone().into();
            }
            if let Some(n) = &visitor.name {
                v["name"] = n.clone().into();
            }
            if credentials.get("identity_verification") == Some(&Value::Bool(false)) {
                return Ok(v);
            }
            let s = need(credentials, "secret_key", platform)?;
            if credentials.get("identity_mode").and_then(Value::as_str) == Some("jwt") {
                v["intercom_user_jwt"] = intercom_jwt(s, visitor, now)?.into();
            } else {
                v["user_hash"] = intercom_user_hash(s, visitor)?.into();
            }
            v
        }
        Platform::Zendesk => {
            let kid = need(credentials, "jwt_key_id", platform)?;
            let secret = need(credentials, "jwt_secret", platform)?;
            json!({ "jwt": zendesk_jwt(kid, secret, visitor, now)?, "external_id": visitor.user_id })
        }
        Platform::Drift => {
            let secret = need(credentials, "identity_secret", platform)?;
            json!({
                "user_id": visitor.user_id,
                "attributes": { "email": visitor.email, "name": visitor.name },
                "user_jwt": drift_jwt(secret, visitor, now)?,
            })
        }
        Platform::Tawk => {
            let key = need(credentials, "js_api_key", platform)?;
            json!({ "visitor": {
                "name": visitor.name,
                "email": visitor.email,
                "hash": tawk_hash(key, visitor)?,
            }})
        }
        Platform::LiveChat => {
            json!({ "customer": { "name": visitor.name, "email": visitor.email } })
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;

    fn v() -> Visitor {
        Visitor {
            user_id: "42".into(),
            email: Some("ann@example.com".into()),
            name: Some("Ann".into()),
        }
    }

    fn part(jwt: &str, i: usize) -> Value {
        let p = jwt.split('.').nth(i).expect("part");
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p).expect("b64")).expect("json")
    }

    fn verify(jwt: &str, secret: &str) -> bool {
        let (input, sig) = jwt.rsplit_once('.').expect("sig");
        let mut m = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("key");
        m.update(input.as_bytes());
        m.verify_slice(&URL_SAFE_NO_PAD.decode(sig).expect("b64"))
            .is_ok()
    }

    #[test]
    fn intercom_user_hash_is_the_documented_hmac() {
        // RFC 4231 test case 2 (key "Jefe") checks the HMAC itself.
        assert_eq!(
            hex_hmac_sha256(b"Jefe", b"what do ya want for nothing?").expect("mac"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        let h = intercom_user_hash("s3cret", &v()).expect("hash");
        assert_eq!(h, hex_hmac_sha256(b"s3cret", b"42").expect("mac"));
        let no_id = Visitor {
            user_id: String::new(),
            ..v()
        };
        assert_eq!(
            intercom_user_hash("s3cret", &no_id).expect("hash"),
            hex_hmac_sha256(b"s3cret", b"ann@example.com").expect("mac")
        );
    }

    #[test]
    fn jwts_carry_each_vendors_claims_and_verify() {
        let z = zendesk_jwt("app_123", "zsecret", &v(), 1_000).expect("jwt");
        assert_eq!(part(&z, 0)["kid"], "app_123");
        let c = part(&z, 1);
        assert_eq!(c["scope"], "user");
        assert_eq!(c["external_id"], "42");
        assert_eq!(c["exp"], 1_000 + JWT_TTL_SECS);
        assert!(verify(&z, "zsecret"));
        assert!(!verify(&z, "other"));

        let d = drift_jwt("dsecret", &v(), 5).expect("jwt");
        assert_eq!(part(&d, 1)["sub"], "42");
        assert!(verify(&d, "dsecret"));

        let i = intercom_jwt("isecret", &v(), 5).expect("jwt");
        assert_eq!(part(&i, 1)["user_id"], "42");
        assert_eq!(part(&i, 1)["email"], "ann@example.com");
        assert!(verify(&i, "isecret"));
    }

    #[test]
    fn tawk_hashes_the_email_and_needs_one() {
        assert_eq!(
            tawk_hash("k", &v()).expect("hash"),
            hex_hmac_sha256(b"k", b"ann@example.com").expect("mac")
        );
        let e = tawk_hash("k", &Visitor { email: None, ..v() }).expect_err("no email");
        assert_eq!(e.details["field"], "visitor.email");
    }

    #[test]
    fn widget_identity_picks_the_scheme_and_names_missing_credentials() {
        let mut c = Map::new();
        let e = widget_identity(Platform::Intercom, &c, &v(), 0).expect_err("no secret");
        assert_eq!(e.details["field"], "credentials.secret_key");
        c.insert("secret_key".into(), "m".into());
        let w = widget_identity(Platform::Intercom, &c, &v(), 0).expect("hash");
        assert_eq!(w["user_hash"], intercom_user_hash("m", &v()).expect("hash"));
        c.insert("identity_mode".into(), "jwt".into());
        let w = widget_identity(Platform::Intercom, &c, &v(), 0).expect("jwt");
        assert!(w.get("user_hash").is_none());
        assert!(verify(w["intercom_user_jwt"].as_str().expect("jwt"), "m"));
        c.insert("identity_verification".into(), false.into());
        let w = widget_identity(Platform::Intercom, &c, &v(), 0).expect("plain");
        assert!(w.get("intercom_user_jwt").is_none() && w.get("user_hash").is_none());
        let e = widget_identity(Platform::Zendesk, &Map::new(), &v(), 0).expect_err("kid");
        assert_eq!(e.details["field"], "credentials.jwt_key_id");
        let w = widget_identity(Platform::LiveChat, &Map::new(), &v(), 0).expect("plain");
        assert_eq!(w["customer"]["email"], "ann@example.com");
        assert!(!w.to_string().contains("secret"));
    }
}
