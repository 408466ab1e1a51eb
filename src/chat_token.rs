//! `ChatToken`: the short-lived JWTs WordPress hands to the daemon's clients.

use bkx_core::input::Input;
use bkx_core::token::{self, Role, TokenRequest};
use bkx_core::{Error, Result};
use ext_php_rs::boxed::ZBox;
use ext_php_rs::prelude::*;
use ext_php_rs::types::ZendHashTable;
use serde_json::json;

use crate::convert::{array_to_map, json_to_array, PhpStr};
use crate::errors::IntoPhp;

/// Issues and verifies daemon tokens (HS256, shared secret).
#[php_class]
#[php(name = "BookingX\\Addons\\LiveChat\\ChatToken")]
#[derive(Default)]
pub struct ChatToken;

fn now() -> i64 {
    chrono_now()
}

fn chrono_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

fn request(claims: &ZendHashTable, ttl: i64) -> Result<TokenRequest> {
    let m = array_to_map(claims, "claims")?;
    let i = Input(&m);
    let role = i
        .opt_enum("role", &["customer", "agent", "manager", "admin"])?
        .and_then(Role::parse)
        .ok_or_else(|| {
            Error::invalid(
                "role",
                "role is required (customer, agent, manager or admin)",
            )
        })?;
    let conversations = match i.get("conversations") {
        None => vec![],
        Some(serde_json::Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_u64().filter(|n| *n > 0).ok_or_else(|| {
                    Error::invalid("conversations", "conversations must be a list of ids")
                })
            })
            .collect::<Result<Vec<u64>>>()?,
        Some(_) => {
            return Err(Error::invalid(
                "conversations",
                "conversations must be a list of ids",
            ))
        }
    };
    Ok(TokenRequest {
        sub: i.req_str("sub", 80)?.to_owned(),
        role,
        name: i.opt_str("name", 100)?.map(str::to_owned),
        conversations,
        ttl_secs: ttl,
    })
}

#[php_impl]
impl ChatToken {
    /// Signs `['sub' => 'v:…'|'u:…', 'role' => …, 'name'?, 'conversations'?]` for `$ttl`
    /// seconds; returns `['token', 'expires_at', 'jti']`.
    #[php(defaults(ttl = 900))]
    pub fn issue(
        claims: &ZendHashTable,
        secret: PhpStr,
        ttl: i64,
    ) -> PhpResult<ZBox<ZendHashTable>> {
        let req = request(claims, ttl).php()?;
        let (jwt, c) = token::issue(&req, secret.0, now()).php()?;
        let expires = chrono_rfc3339(c.exp);
        json_to_array(&json!({ "token": jwt, "expires_at": expires, "jti": c.jti })).php()
    }

    /// Verifies a token; returns its claims. `SignatureException` when forged,
    /// `ForbiddenException` (`unauthenticated`) when expired.
    pub fn verify(token: PhpStr, secret: PhpStr) -> PhpResult<ZBox<ZendHashTable>> {
        // A token is ASCII by construction: other bytes mean it was forged or mangled.
        let token = std::str::from_utf8(token.0).map_err(|_| {
            crate::errors::to_php(bkx_core::Error::new(
                bkx_core::ErrorCode::SignatureInvalid,
                "invalid token: not ASCII",
            ))
        })?;
        let c = token::verify(token, secret.0, now()).php()?;
        let v = serde_json::to_value(&c)
            .map_err(|e| Error::invalid("token", e.to_string()))
            .php()?;
        json_to_array(&v).php()
    }

    /// A new random visitor id for a guest.
    pub fn new_visitor_id() -> PhpResult<String> {
        token::random_id().php()
    }
}

fn chrono_rfc3339(ts: i64) -> String {
    bkx_core::model::rfc3339_from_timestamp(ts)
}
