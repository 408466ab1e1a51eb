//! The conversation store: a mysql_async pool over the site's own WordPress database.
//!
//! Tables carry the WordPress table prefix (`{prefix}bkx_chat_*`) so one database can hold
//! several sites, exactly like WordPress's own tables. The store is the only code that writes
//! SQL for the chat tables; the plugin and the daemon go through it.

pub mod attachments;
pub mod conversations;
pub mod holds;
pub mod messages;
pub mod migrations;
pub mod triggers;
pub mod webhook_events;

use std::time::Duration;

use mysql_async::{Opts, OptsBuilder, Pool, PoolConstraints, PoolOpts};

/// How long an idle pooled connection is kept (below MySQL's default `wait_timeout`).
const IDLE_CONNECTION_TTL: Duration = Duration::from_secs(60);

use crate::error::{Error, Result};

/// Where the database is and which table prefix the site uses.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DbConfig {
    pub host: String,
    pub port: u16,
    pub user: String,
    pub password: String,
    pub name: String,
    pub prefix: String,
    /// A unix socket path; when set it wins over host/port.
    pub socket: Option<String>,
    /// Upper bound of pooled connections (per process).
    pub max_connections: usize,
}

impl Default for DbConfig {
    fn default() -> Self {
        DbConfig {
            host: "127.0.0.1".into(),
            port: 3306,
            user: "root".into(),
            password: String::new(),
            name: "wordpress".into(),
            prefix: "wp_".into(),
            socket: None,
            max_connections: 4,
        }
    }
}

impl DbConfig {
    /// Checks what would otherwise end up inside SQL identifiers or connection strings.
    pub fn validate(&self) -> Result<()> {
        if self.prefix.len() > 32
            || !self
                .prefix
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            return Err(Error::invalid(
                "prefix",
                "the table prefix may only contain letters, digits and underscores (32 at most)",
            ));
        }
        if self.name.is_empty() {
            return Err(Error::invalid("name", "the database name is required"));
        }
        if self.host.is_empty() && self.socket.is_none() {
            return Err(Error::invalid(
                "host",
                "a database host or socket is required",
            ));
        }
        if self.max_connections == 0 || self.max_connections > 100 {
            return Err(Error::invalid(
                "max_connections",
                "max_connections must be between 1 and 100",
            ));
        }
        Ok(())
    }
}

/// The chat tables, by their unprefixed names.
#[derive(Debug, Clone, Copy)]
pub enum Table {
    Conversations,
    Messages,
    Agents,
    Triggers,
    CannedResponses,
    Analytics,
    SchemaVersion,
    Attachments,
    WebhookEvents,
    BookingHolds,
    TriggerEvents,
}

impl Table {
    fn suffix(self) -> &'static str {
        match self {
            Table::Conversations => "bkx_chat_conversations",
            Table::Messages => "bkx_chat_messages",
            Table::Agents => "bkx_chat_agents",
            Table::Triggers => "bkx_chat_triggers",
            Table::CannedResponses => "bkx_chat_canned_responses",
            Table::Analytics => "bkx_chat_analytics",
            Table::SchemaVersion => "bkx_chat_schema_version",
            Table::Attachments => "bkx_chat_attachments",
            Table::WebhookEvents => "bkx_chat_webhook_events",
            Table::BookingHolds => "bkx_chat_booking_holds",
            Table::TriggerEvents => "bkx_chat_trigger_events",
        }
    }
}

/// A handle on the pool and the site's table names. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    pool: Pool,
    prefix: String,
    db_name: String,
}

impl Store {
    /// Builds the pool. No connection is opened until the first query, so this must be
    /// called inside the tokio runtime that will drive the queries.
    pub fn new(cfg: &DbConfig) -> Result<Store> {
        cfg.validate()?;
        let constraints = PoolConstraints::new(0, cfg.max_connections)
            .ok_or_else(|| Error::invalid("max_connections", "invalid pool size"))?;
        let mut b = OptsBuilder::default()
            .user(Some(cfg.user.clone()))
            .pass(Some(cfg.password.clone()))
            .db_name(Some(cfg.name.clone()))
            .pool_opts(
                PoolOpts::default()
                    .with_constraints(constraints)
                    // Keep returned connections: with mysql_async's defaults (min 0, no
                    // inactive TTL) every connection handed back is reset and closed, so each
                    // call paid two handshakes and re-prepared its statements.
                    .with_inactive_connection_ttl(IDLE_CONNECTION_TTL)
                    // Our sessions change no state beyond committed or rolled-back
                    // transactions; a reset would only empty the statement cache (and drop
                    // the session settings below, which mysql_async re-applies as `setup`).
                    .with_reset_connection(false),
            )
            // Every time we write is UTC; keep the session aligned so NOW() agrees.
            .setup(vec![
                "SET time_zone = '+00:00'",
                "SET NAMES utf8mb4 COLLATE utf8mb4_unicode_ci",
            ]);
        b = match &cfg.socket {
            Some(s) => b.socket(Some(s.clone())),
            None => b.ip_or_hostname(cfg.host.clone()).tcp_port(cfg.port),
        };
        Ok(Store {
            pool: Pool::new(Opts::from(b)),
            prefix: cfg.prefix.clone(),
            db_name: cfg.name.clone(),
        })
    }

    /// The prefixed name of a table (safe to splice into SQL: the prefix is validated).
    pub fn table(&self, t: Table) -> String {
        format!("{}{}", self.prefix, t.suffix())
    }

    /// The pool, for the store's own modules.
    pub(crate) fn pool(&self) -> &Pool {
        &self.pool
    }

    /// The database name (for information_schema look-ups).
    pub(crate) fn db_name(&self) -> &str {
        &self.db_name
    }

    /// Closes the pool's connections (for daemons shutting down cleanly).
    pub async fn disconnect(self) -> Result<()> {
        self.pool.disconnect().await.map_err(Error::from)
    }

    /// A round-trip to the database, for health checks.
    pub async fn ping(&self) -> Result<()> {
        use mysql_async::prelude::Queryable;
        let mut c = self.pool.get_conn().await?;
        c.ping().await?;
        Ok(())
    }
}

/// Raw access for integration tests and maintenance tools (not for application code).
impl Store {
    /// The prefixed name of a table given its unprefixed name.
    pub fn table_by_suffix(&self, suffix: &str) -> String {
        format!("{}{}", self.prefix, suffix)
    }

    /// The underlying pool.
    pub fn raw_pool(&self) -> &Pool {
        &self.pool
    }
}
