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
/// Prepared statements kept per connection: the set-based statements of a group commit
/// come in a few shapes each ([`padded`]), beside the single-row ones.
const STMT_CACHE_SIZE: usize = 128;
/// Lists longer than this are not padded (one shape per length; callers batch far less).
const MAX_PADDED: usize = 64;

/// `n` comma-separated `?` placeholders.
pub(crate) fn placeholders(n: usize) -> String {
    let mut s = String::with_capacity(n * 3);
    for i in 0..n {
        if i > 0 {
            s.push_str(", ");
        }
        s.push('?');
    }
    s
}

/// MySQL/MariaDB's "Duplicate entry … for key …".
const ER_DUP_ENTRY: u16 = 1062;

/// Runs an `INSERT` and returns the new row's id, or `None` when a unique key refused the row
/// because it is already stored — `key` names the one unique key whose refusal means that
/// (any key when `None`); other failures are errors. Inside a transaction the refused
/// statement is undone alone and the transaction goes on, so "insert, and learn whether it
/// was there" costs one round trip instead of a look-up and an insert.
pub(crate) async fn insert_unless_stored(
    q: &mut impl mysql_async::prelude::Queryable,
    sql: String,
    params: impl Into<mysql_async::Params> + Send,
    key: Option<&str>,
) -> Result<Option<u64>> {
    match q.exec_iter(sql, params).await {
        Ok(r) => {
            let id = r.last_insert_id().unwrap_or(0);
            r.drop_result().await?;
            Ok(Some(id))
        }
        Err(mysql_async::Error::Server(e))
            if e.code == ER_DUP_ENTRY && key.is_none_or(|k| e.message.contains(k)) =>
        {
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

/// A list for an `IN (…)` parameter, its last value repeated up to the next power of two:
/// a statement then comes in at most seven shapes whatever the batch size, so the server
/// and the connection's statement cache prepare each once (repeats change nothing in `IN`).
pub(crate) fn padded<T: Clone>(v: &[T]) -> Vec<T> {
    let mut out = v.to_vec();
    if let Some(last) = v.last() {
        if v.len() <= MAX_PADDED {
            out.resize(v.len().next_power_of_two(), last.clone());
        }
    }
    out
}

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
    /// The active trigger rules as last read, with the fingerprint they were read at
    /// (`triggers::active`): a decision over every rule re-reads them only when they changed.
    pub(crate) active_rules: triggers::RuleCache,
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
            .stmt_cache_size(STMT_CACHE_SIZE)
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
            active_rules: triggers::RuleCache::default(),
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

#[cfg(test)]
mod padding_tests {
    use super::*;

    #[test]
    fn lists_are_padded_to_a_power_of_two_with_their_last_value() {
        assert_eq!(padded::<u64>(&[]), Vec::<u64>::new());
        assert_eq!(padded(&[7]), vec![7]);
        assert_eq!(padded(&[1, 2, 3]), vec![1, 2, 3, 3]);
        assert_eq!(padded(&[1, 2, 3, 4, 5]).len(), 8);
        let long: Vec<u64> = (0..65).collect();
        assert_eq!(
            padded(&long),
            long,
            "beyond the cap a list is left as it is"
        );
        assert_eq!(placeholders(3), "?, ?, ?");
    }
}
