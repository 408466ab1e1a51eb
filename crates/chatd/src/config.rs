//! The daemon's configuration: a TOML file, then `BKX_CHATD_*` environment overrides.
//!
//! Hosts keep secrets out of files with the environment (systemd `EnvironmentFile=`), and
//! tests start several daemons from one file with different ports; hence both sources.

use std::net::SocketAddr;
use std::path::Path;

use bkx_core::store::DbConfig;
use serde::Deserialize;

pub use crate::limits::Rate;

/// What can go wrong while loading the configuration.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("invalid config file {path}: {source}")]
    Parse {
        path: String,
        source: toml::de::Error,
    },
    #[error("invalid value for {key}: {message}")]
    Invalid { key: &'static str, message: String },
}

/// The daemon's settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Address of the HTTP/Socket.IO listener.
    #[serde(default = "default_listen")]
    pub listen: String,
    #[serde(default = "default_db_host")]
    pub db_host: String,
    #[serde(default = "default_db_port")]
    pub db_port: u16,
    #[serde(default)]
    pub db_user: String,
    #[serde(default)]
    pub db_password: String,
    #[serde(default)]
    pub db_name: String,
    #[serde(default = "default_prefix")]
    pub db_prefix: String,
    #[serde(default)]
    pub db_socket: Option<String>,
    #[serde(default = "default_pool")]
    pub db_max_connections: usize,
    /// The secret shared with WordPress to verify client tokens.
    #[serde(default)]
    pub secret: String,
    /// Redis URL for multi-node fan-out (optional).
    #[serde(default)]
    pub redis_url: Option<String>,
    /// Prefix of the Redis channels the nodes of one site share. Default: derived from the
    /// database name, the table prefix and the secret, so two sites on one Redis server
    /// never hear each other while the nodes of one site always agree.
    #[serde(default)]
    pub redis_prefix: Option<String>,
    /// `info`, `debug`, ... (overridden by `RUST_LOG`).
    #[serde(default = "default_log_level")]
    pub log_level: String,
    /// `text` or `json`.
    #[serde(default = "default_log_format")]
    pub log_format: String,
    /// The site's REST root (`rest_url()` in WordPress, e.g. `https://example.com/wp-json/`):
    /// file messages point at `{rest_url}bookingx/v1/chat/uploads/{id}`, the route that
    /// serves attachments to participants. Without it, `attachment_id` is refused.
    #[serde(default)]
    pub rest_url: Option<String>,
    /// Origins allowed to use the polling transport from a browser (empty: any origin;
    /// clients authenticate with tokens, not cookies, so CORS guards no credentials here).
    #[serde(default)]
    pub cors_origins: Vec<String>,
    /// Flood control and size limits.
    #[serde(default)]
    pub limits: Limits,
}

/// Flood control: rates are token buckets (burst, sustained per second).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// `message:send` per connection.
    pub messages_per_connection: Rate,
    /// `message:send` per identity, across all its connections.
    pub messages_per_identity: Rate,
    /// Any event per connection.
    pub events_per_connection: Rate,
    /// Largest event payload, serialised, in bytes.
    pub max_event_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            messages_per_connection: Rate {
                burst: 20,
                per_sec: 5.0,
            },
            messages_per_identity: Rate {
                burst: 40,
                per_sec: 10.0,
            },
            events_per_connection: Rate {
                burst: 60,
                per_sec: 30.0,
            },
            max_event_bytes: 64 * 1024,
        }
    }
}

fn default_listen() -> String {
    "127.0.0.1:8089".into()
}
fn default_db_host() -> String {
    "127.0.0.1".into()
}
fn default_db_port() -> u16 {
    3306
}
fn default_prefix() -> String {
    "wp_".into()
}
fn default_pool() -> usize {
    16
}
fn default_log_level() -> String {
    "info".into()
}
fn default_log_format() -> String {
    "text".into()
}

impl Config {
    /// Reads `path` (if given), applies the environment, validates.
    pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
        let text = match path {
            Some(p) => std::fs::read_to_string(p).map_err(|source| ConfigError::Read {
                path: p.display().to_string(),
                source,
            })?,
            None => String::new(),
        };
        Self::from_parts(&text, path, |k| std::env::var(k).ok())
    }

    /// Parses `text`, applies overrides from `env`, validates. Pure, for tests.
    pub fn from_parts(
        text: &str,
        path: Option<&Path>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        let mut c: Config = toml::from_str(text).map_err(|source| ConfigError::Parse {
            path: path.map_or_else(|| "(none)".into(), |p| p.display().to_string()),
            source,
        })?;
        let set = |v: &mut String, k: &str| {
            if let Some(x) = env(k) {
                *v = x;
            }
        };
        set(&mut c.listen, "BKX_CHATD_LISTEN");
        set(&mut c.db_host, "BKX_CHATD_DB_HOST");
        set(&mut c.db_user, "BKX_CHATD_DB_USER");
        set(&mut c.db_password, "BKX_CHATD_DB_PASSWORD");
        set(&mut c.db_name, "BKX_CHATD_DB_NAME");
        set(&mut c.db_prefix, "BKX_CHATD_DB_PREFIX");
        set(&mut c.secret, "BKX_CHATD_SECRET");
        set(&mut c.log_level, "BKX_CHATD_LOG_LEVEL");
        set(&mut c.log_format, "BKX_CHATD_LOG_FORMAT");
        if let Some(p) = env("BKX_CHATD_DB_PORT") {
            c.db_port = p.parse().map_err(|_| ConfigError::Invalid {
                key: "db_port",
                message: format!("{p:?} is not a port number"),
            })?;
        }
        if let Some(s) = env("BKX_CHATD_DB_SOCKET") {
            c.db_socket = Some(s).filter(|s| !s.is_empty());
        }
        if let Some(r) = env("BKX_CHATD_REDIS_URL") {
            c.redis_url = Some(r).filter(|r| !r.is_empty());
        }
        if let Some(r) = env("BKX_CHATD_REST_URL") {
            c.rest_url = Some(r).filter(|r| !r.is_empty());
        }
        if let Some(r) = env("BKX_CHATD_REDIS_PREFIX") {
            c.redis_prefix = Some(r).filter(|r| !r.is_empty());
        }
        c.validate()?;
        Ok(c)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        self.listen_addr()?;
        if self.secret.len() < bkx_core::token::MIN_SECRET_BYTES {
            return Err(ConfigError::Invalid {
                key: "secret",
                message: format!(
                    "must be at least {} bytes (the secret WordPress signs tokens with)",
                    bkx_core::token::MIN_SECRET_BYTES
                ),
            });
        }
        for (key, r) in [
            (
                "limits.messages_per_connection",
                self.limits.messages_per_connection,
            ),
            (
                "limits.messages_per_identity",
                self.limits.messages_per_identity,
            ),
            (
                "limits.events_per_connection",
                self.limits.events_per_connection,
            ),
        ] {
            if r.burst == 0 || !r.per_sec.is_finite() || r.per_sec <= 0.0 {
                return Err(ConfigError::Invalid {
                    key,
                    message: "burst and per_sec must be positive".into(),
                });
            }
        }
        if self.limits.max_event_bytes < 1024 {
            return Err(ConfigError::Invalid {
                key: "limits.max_event_bytes",
                message: "must be at least 1024".into(),
            });
        }
        if let Some(u) = &self.rest_url {
            if !(u.starts_with("http://") || u.starts_with("https://")) {
                return Err(ConfigError::Invalid {
                    key: "rest_url",
                    message: "must be the site's REST root, an http(s) URL".into(),
                });
            }
        }
        if !matches!(self.log_format.as_str(), "text" | "json") {
            return Err(ConfigError::Invalid {
                key: "log_format",
                message: "must be \"text\" or \"json\"".into(),
            });
        }
        self.db_config()
            .validate()
            .map_err(|e| ConfigError::Invalid {
                key: "db",
                message: e.message,
            })
    }

    /// The prefix of the Redis channels: `redis_prefix`, or
    /// `bkx-chatd:<db_name>:<db_prefix>:<fingerprint of the secret>`.
    ///
    /// The secret is what all nodes of one site must share anyway (they verify the same
    /// tokens) and what two sites never share; the database name and prefix keep several
    /// sites of one WordPress multisite apart. Only a short, non-reversible fingerprint of
    /// the secret appears in channel names.
    pub fn redis_channel_prefix(&self) -> String {
        if let Some(p) = &self.redis_prefix {
            return p.clone();
        }
        format!(
            "bkx-chatd:{}:{}:{:08x}",
            self.db_name,
            self.db_prefix,
            fingerprint(self.secret.as_bytes())
        )
    }

    /// The parsed listen address.
    pub fn listen_addr(&self) -> Result<SocketAddr, ConfigError> {
        self.listen.parse().map_err(|_| ConfigError::Invalid {
            key: "listen",
            message: format!("{:?} is not an address like 127.0.0.1:8089", self.listen),
        })
    }

    /// The store configuration.
    pub fn db_config(&self) -> DbConfig {
        DbConfig {
            host: self.db_host.clone(),
            port: self.db_port,
            user: self.db_user.clone(),
            password: self.db_password.clone(),
            name: self.db_name.clone(),
            prefix: self.db_prefix.clone(),
            socket: self.db_socket.clone(),
            max_connections: self.db_max_connections,
        }
    }
}

/// 32 bits of FNV-1a over `data`: stable across builds and versions (unlike `std`'s hasher),
/// so every node of a rolling upgrade computes the same channel names.
fn fingerprint(data: &[u8]) -> u32 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in data {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    (h >> 32) as u32 ^ (h as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
        listen = "127.0.0.1:9000"
        db_user = "u"
        db_name = "wp"
        secret = "0123456789abcdef0123456789abcdef"
    "#;

    #[test]
    fn file_then_environment() {
        let c = Config::from_parts(GOOD, None, |k| {
            (k == "BKX_CHATD_LISTEN").then(|| "127.0.0.1:9100".into())
        })
        .unwrap();
        assert_eq!(c.listen, "127.0.0.1:9100");
        assert_eq!(c.db_name, "wp");
        assert_eq!(c.db_prefix, "wp_");
    }

    #[test]
    fn redis_channels_separate_sites() {
        let c =
            |extra: &str| Config::from_parts(&format!("{GOOD}{extra}"), None, |_| None).unwrap();
        let base = c("").redis_channel_prefix();
        assert!(base.starts_with("bkx-chatd:wp:wp_:"), "{base}");
        assert!(
            !base.contains("0123456789abcdef"),
            "the secret must not appear: {base}"
        );
        assert_eq!(base, c("").redis_channel_prefix(), "stable");
        assert_ne!(base, c("db_prefix = \"wp_2_\"\n").redis_channel_prefix());
        let other_secret = Config::from_parts(
            &GOOD.replace(
                "0123456789abcdef0123456789abcdef",
                "fedcba9876543210fedcba9876543210",
            ),
            None,
            |_| None,
        )
        .unwrap();
        assert_ne!(base, other_secret.redis_channel_prefix());
        assert_eq!(
            c("redis_prefix = \"site-a\"\n").redis_channel_prefix(),
            "site-a"
        );
    }

    #[test]
    fn bad_values_are_named() {
        let e = Config::from_parts("db_name = \"wp\"", None, |_| None).unwrap_err();
        assert!(e.to_string().contains("secret"), "{e}");
        let e = Config::from_parts(GOOD, None, |k| {
            (k == "BKX_CHATD_DB_PORT").then(|| "x".into())
        })
        .unwrap_err();
        assert!(e.to_string().contains("db_port"), "{e}");
        let e = Config::from_parts("nope = 1", None, |_| None).unwrap_err();
        assert!(e.to_string().contains("unknown field"), "{e}");
        let e = Config::from_parts(&GOOD.replace("127.0.0.1:9000", "nowhere"), None, |_| None)
            .unwrap_err();
        assert!(e.to_string().contains("listen"), "{e}");
    }
}
