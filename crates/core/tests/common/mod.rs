//! The test database shared by the MariaDB integration tests.
//!
//! Connection from `BKX_TEST_DB_HOST`, `_PORT`, `_USER`, `_PASS`, `_NAME` (defaults: root with
//! an empty password on 127.0.0.1:3306, database `bkx_livechat_cargo`, created if missing).
//! Each test uses its own table prefix, so tests run in parallel without seeing each other.
//! A missing database fails the tests: it never skips them.
#![allow(dead_code)] // each test binary uses its own subset

use bkx_core::chat::ChatService;
use bkx_core::store::{migrations, DbConfig, Store};
use mysql_async::prelude::*;
use serde_json::{Map, Value};

/// Every chat table, children first (the drop order).
pub const TABLES: &[&str] = &[
    "bkx_chat_booking_holds",
    "bkx_chat_trigger_events",
    "bkx_chat_webhook_events",
    "bkx_chat_attachments",
    "bkx_chat_messages",
    "bkx_chat_conversations",
    "bkx_chat_agents",
    "bkx_chat_triggers",
    "bkx_chat_canned_responses",
    "bkx_chat_analytics",
    "bkx_chat_schema_version",
];

/// An environment variable or its default.
pub fn env(k: &str, d: &str) -> String {
    std::env::var(k).unwrap_or_else(|_| d.to_owned())
}

/// The test database with `prefix`.
pub fn base_config(prefix: &str) -> DbConfig {
    DbConfig {
        host: env("BKX_TEST_DB_HOST", "127.0.0.1"),
        port: env("BKX_TEST_DB_PORT", "3306")
            .parse()
            .expect("BKX_TEST_DB_PORT"),
        user: env("BKX_TEST_DB_USER", "root"),
        password: env("BKX_TEST_DB_PASS", ""),
        name: env("BKX_TEST_DB_NAME", "bkx_livechat_cargo"),
        prefix: prefix.to_owned(),
        socket: None,
        max_connections: 8,
    }
}

/// Creates the database when missing; panics with a clear message when MariaDB is down.
pub async fn ensure_database(cfg: &DbConfig) {
    let opts = mysql_async::OptsBuilder::default()
        .ip_or_hostname(cfg.host.clone())
        .tcp_port(cfg.port)
        .user(Some(cfg.user.clone()))
        .pass(Some(cfg.password.clone()));
    let mut c = mysql_async::Conn::new(opts).await.unwrap_or_else(|e| {
        panic!(
            "MariaDB is not reachable at {}:{} as {} ({e}); `make test` starts it",
            cfg.host, cfg.port, cfg.user
        )
    });
    c.query_drop(format!(
        "CREATE DATABASE IF NOT EXISTS `{}` CHARACTER SET utf8mb4",
        cfg.name
    ))
    .await
    .expect("create test database");
    c.disconnect().await.ok();
}

/// Drops every chat table of the store's prefix.
pub async fn drop_tables(store: &Store) {
    let mut c = store_conn(store).await;
    for t in TABLES {
        let name = store.table_by_suffix(t);
        c.query_drop(format!("DROP TABLE IF EXISTS {name}"))
            .await
            .expect("drop");
    }
}

/// A connection of the store's pool.
pub async fn store_conn(store: &Store) -> mysql_async::Conn {
    store.raw_pool().get_conn().await.expect("connection")
}

/// A fresh, migrated service with its own prefix; drops its tables first.
pub async fn service(prefix: &str) -> ChatService {
    let cfg = base_config(prefix);
    ensure_database(&cfg).await;
    let store = Store::new(&cfg).expect("store");
    drop_tables(&store).await;
    let s = ChatService::new(store, "custom").expect("service");
    assert_eq!(
        s.migrate().await.expect("migrate"),
        migrations::latest_version()
    );
    s
}

/// Rows in one table of the store's prefix.
pub async fn count(store: &Store, suffix: &str) -> i64 {
    let mut c = store_conn(store).await;
    let t = store.table_by_suffix(suffix);
    c.query_first::<i64, _>(format!("SELECT COUNT(*) FROM {t}"))
        .await
        .expect("count")
        .unwrap_or(-1)
}

/// A JSON object literal as a map.
pub fn obj(v: Value) -> Map<String, Value> {
    v.as_object().cloned().expect("object")
}
