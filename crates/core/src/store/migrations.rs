//! Versioned, embedded schema migrations.
//!
//! Each migration is a list of steps that are safe to repeat (create-if-missing,
//! add-column-if-missing, add-index-if-missing): MySQL commits DDL implicitly, so a migration
//! that died half-way must be able to run again from the top. A named lock serialises
//! concurrent `migrate()` calls (two php-fpm workers activating the plugin, a daemon starting).
//! The version table records what has been applied, so an older schema is upgraded in place.

use mysql_async::prelude::*;
use mysql_async::Conn;

use super::{Store, Table};
use crate::error::{Error, ErrorCode, Result};
use crate::model::now;

/// One idempotent schema change.
enum Step {
    /// `CREATE TABLE IF NOT EXISTS {table} ( {body} ) {options}`.
    CreateTable(Table, &'static str),
    /// `ALTER TABLE {table} ADD COLUMN {ddl}` unless `column` exists.
    AddColumn(Table, &'static str, &'static str),
    /// `ALTER TABLE {table} ADD {ddl}` unless index `name` exists.
    AddIndex(Table, &'static str, &'static str),
    /// Foreign key from messages to conversations, named after the prefix.
    MessagesForeignKey,
    /// A data fix that is safe to repeat: `{table}` in the SQL is the prefixed table name.
    Exec(Table, &'static str),
    /// `ALTER TABLE {table} ADD CONSTRAINT {prefix}{name} FOREIGN KEY ({column}) REFERENCES
    /// {references}(id) ON DELETE {on_delete}` unless the constraint exists.
    ForeignKey {
        table: Table,
        name: &'static str,
        column: &'static str,
        references: Table,
        on_delete: &'static str,
    },
}

struct Migration {
    version: u32,
    description: &'static str,
    steps: &'static [Step],
}

const TABLE_OPTIONS: &str = "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci";

/// The schema, oldest first. Never edit an applied migration: add a new one.
const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        description: "the six tables of the spec",
        steps: &[
            Step::CreateTable(
                Table::Conversations,
                "id BIGINT(20) UNSIGNED AUTO_INCREMENT PRIMARY KEY,
                platform VARCHAR(50) NOT NULL,
                platform_conversation_id VARCHAR(255),
                customer_id BIGINT(20) UNSIGNED,
                visitor_id VARCHAR(255),
                assigned_agent_id BIGINT(20) UNSIGNED,
                status VARCHAR(50) NOT NULL DEFAULT 'active',
                rating INT,
                rating_comment TEXT,
                first_response_time INT,
                resolution_time INT,
                message_count INT DEFAULT 0,
                booking_id BIGINT(20) UNSIGNED,
                tags TEXT,
                metadata LONGTEXT,
                started_at DATETIME NOT NULL,
                ended_at DATETIME,
                created_at DATETIME NOT NULL,
                updated_at DATETIME NOT NULL,
                INDEX platform_idx (platform),
                INDEX customer_id_idx (customer_id),
                INDEX agent_id_idx (assigned_agent_id),
                INDEX status_idx (status),
                INDEX started_at_idx (started_at),
                INDEX booking_id_idx (booking_id)",
            ),
            Step::CreateTable(
                Table::Messages,
                "id BIGINT(20) UNSIGNED AUTO_INCREMENT PRIMARY KEY,
                conversation_id BIGINT(20) UNSIGNED NOT NULL,
                platform_message_id VARCHAR(255),
                sender_type ENUM('customer', 'agent', 'system') NOT NULL,
                sender_id BIGINT(20) UNSIGNED,
                message TEXT NOT NULL,
                message_type VARCHAR(50) DEFAULT 'text',
                attachment_url VARCHAR(500),
                is_read TINYINT(1) DEFAULT 0,
                read_at DATETIME,
                metadata LONGTEXT,
                sent_at DATETIME NOT NULL,
                created_at DATETIME NOT NULL,
                INDEX conversation_id_idx (conversation_id),
                INDEX sender_type_idx (sender_type),
                INDEX sent_at_idx (sent_at),
                INDEX is_read_idx (is_read)",
            ),
            Step::MessagesForeignKey,
            Step::CreateTable(
                Table::Agents,
                "id BIGINT(20) UNSIGNED AUTO_INCREMENT PRIMARY KEY,
                user_id BIGINT(20) UNSIGNED NOT NULL UNIQUE,
                display_name VARCHAR(100) NOT NULL,
                avatar_url VARCHAR(500),
                title VARCHAR(100),
                department VARCHAR(100),
                status VARCHAR(50) DEFAULT 'offline',
                max_concurrent_chats INT DEFAULT 5,
                current_chat_count INT DEFAULT 0,
                total_chats INT DEFAULT 0,
                average_rating DECIMAL(3,2),
                average_response_time INT,
                availability_schedule LONGTEXT,
                is_active TINYINT(1) DEFAULT 1,
                last_active_at DATETIME,
                created_at DATETIME NOT NULL,
                updated_at DATETIME NOT NULL,
                INDEX user_id_idx (user_id),
                INDEX status_idx (status),
                INDEX department_idx (department),
                INDEX is_active_idx (is_active)",
            ),
            Step::CreateTable(
                Table::Triggers,
                "id BIGINT(20) UNSIGNED AUTO_INCREMENT PRIMARY KEY,
                name VARCHAR(100) NOT NULL,
                trigger_type VARCHAR(50) NOT NULL,
                conditions LONGTEXT NOT NULL,
                message TEXT NOT NULL,
                delay_seconds INT DEFAULT 0,
                priority INT DEFAULT 10,
                is_active TINYINT(1) DEFAULT 1,
                trigger_count INT DEFAULT 0,
                conversion_count INT DEFAULT 0,
                created_at DATETIME NOT NULL,
                updated_at DATETIME NOT NULL,
                INDEX trigger_type_idx (trigger_type),
                INDEX is_active_idx (is_active),
                INDEX priority_idx (priority)",
            ),
            Step::CreateTable(
                Table::CannedResponses,
                "id BIGINT(20) UNSIGNED AUTO_INCREMENT PRIMARY KEY,
                shortcut VARCHAR(50) NOT NULL UNIQUE,
                title VARCHAR(100) NOT NULL,
                message TEXT NOT NULL,
                category VARCHAR(50),
                usage_count INT DEFAULT 0,
                created_by BIGINT(20) UNSIGNED,
                is_active TINYINT(1) DEFAULT 1,
                created_at DATETIME NOT NULL,
                updated_at DATETIME NOT NULL,
                INDEX shortcut_idx (shortcut),
                INDEX category_idx (category),
                INDEX is_active_idx (is_active)",
            ),
            Step::CreateTable(
                Table::Analytics,
                "id BIGINT(20) UNSIGNED AUTO_INCREMENT PRIMARY KEY,
                date DATE NOT NULL,
                platform VARCHAR(50) NOT NULL,
                total_conversations INT DEFAULT 0,
                total_messages INT DEFAULT 0,
                total_proactive_chats INT DEFAULT 0,
                total_reactive_chats INT DEFAULT 0,
                average_response_time INT,
                average_resolution_time INT,
                customer_satisfaction DECIMAL(3,2),
                conversion_rate DECIMAL(5,2),
                bookings_created INT DEFAULT 0,
                created_at DATETIME NOT NULL,
                UNIQUE KEY date_platform_unique (date, platform),
                INDEX date_idx (date),
                INDEX platform_idx (platform)",
            ),
        ],
    },
    Migration {
        version: 2,
        description:
            "idempotent sends, sender names, visitor and platform look-ups, full-text search",
        steps: &[
            // The client's message id makes retried sends idempotent (zero message loss).
            Step::AddColumn(
                Table::Messages,
                "client_id",
                "client_id VARCHAR(64) NULL AFTER platform_message_id",
            ),
            Step::AddColumn(
                Table::Messages,
                "sender_name",
                "sender_name VARCHAR(100) NULL AFTER sender_id",
            ),
            Step::AddIndex(
                Table::Messages,
                "conversation_client_uq",
                "UNIQUE KEY conversation_client_uq (conversation_id, client_id)",
            ),
            Step::AddIndex(
                Table::Messages,
                "message_ft",
                "FULLTEXT KEY message_ft (message)",
            ),
            Step::AddIndex(
                Table::Conversations,
                "visitor_id_idx",
                "INDEX visitor_id_idx (visitor_id(64))",
            ),
            Step::AddIndex(
                Table::Conversations,
                "platform_conversation_idx",
                "INDEX platform_conversation_idx (platform, platform_conversation_id(100))",
            ),
        ],
    },
    Migration {
        version: 3,
        description: "file attachments of the native chat",
        steps: &[
            Step::CreateTable(
                Table::Attachments,
                "id BIGINT(20) UNSIGNED AUTO_INCREMENT PRIMARY KEY,
                conversation_id BIGINT(20) UNSIGNED NOT NULL,
                message_id BIGINT(20) UNSIGNED NULL,
                storage_name CHAR(32) NOT NULL,
                original_name VARCHAR(255) NOT NULL,
                mime VARCHAR(100) NOT NULL,
                size INT UNSIGNED NOT NULL,
                sha256 CHAR(64) NOT NULL,
                scan_status VARCHAR(20) NOT NULL,
                uploader_type VARCHAR(20) NOT NULL,
                uploader_id BIGINT(20) UNSIGNED NULL,
                visitor_id VARCHAR(64) NULL,
                created_at DATETIME NOT NULL,
                UNIQUE KEY storage_name_uq (storage_name),
                UNIQUE KEY message_id_uq (message_id),
                INDEX conversation_id_idx (conversation_id),
                INDEX created_at_idx (created_at)",
            ),
            Step::ForeignKey {
                table: Table::Attachments,
                name: "bkx_chat_att_conv_fk",
                column: "conversation_id",
                references: Table::Conversations,
                on_delete: "CASCADE",
            },
            Step::ForeignKey {
                table: Table::Attachments,
                name: "bkx_chat_att_msg_fk",
                column: "message_id",
                references: Table::Messages,
                on_delete: "SET NULL",
            },
        ],
    },
    Migration {
        version: 4,
        description: "vendor platform webhooks: message ids unique per conversation, delivered event ids",
        steps: &[
            // Before the unique key: a vendor message id repeated in one conversation (possible
            // through sendMessage's platform_message_id before this version) keeps its oldest
            // row; the later copies lose the id, not their content.
            Step::Exec(
                Table::Messages,
                "UPDATE {table} m JOIN (
                    SELECT conversation_id, LEFT(platform_message_id, 191) AS pmid, MIN(id) AS keep_id
                    FROM {table} WHERE platform_message_id IS NOT NULL
                    GROUP BY conversation_id, LEFT(platform_message_id, 191) HAVING COUNT(*) > 1
                ) d ON m.conversation_id = d.conversation_id
                    AND LEFT(m.platform_message_id, 191) = d.pmid AND m.id <> d.keep_id
                SET m.platform_message_id = NULL",
            ),
            // A vendor message is stored once per conversation (the 191-character prefix keeps
            // the key within every InnoDB row format's limit; vendor ids are far shorter).
            Step::AddIndex(
                Table::Messages,
                "conversation_platform_message_uq",
                "UNIQUE KEY conversation_platform_message_uq (conversation_id, platform_message_id(191))",
            ),
            // Every verified delivery's event id, so a redelivery stores nothing.
            Step::CreateTable(
                Table::WebhookEvents,
                "id BIGINT(20) UNSIGNED AUTO_INCREMENT PRIMARY KEY,
                platform VARCHAR(50) NOT NULL,
                event_id VARCHAR(191) NOT NULL,
                event_type VARCHAR(100) NULL,
                status VARCHAR(20) NOT NULL,
                conversation_id BIGINT(20) UNSIGNED NULL,
                received_at DATETIME NOT NULL,
                UNIQUE KEY platform_event_uq (platform, event_id),
                INDEX received_at_idx (received_at)",
            ),
        ],
    },
    Migration {
        version: 5,
        description: "booking assistant: slots held for a conversation while it offers them",
        steps: &[Step::CreateTable(
            Table::BookingHolds,
            "id VARCHAR(32) NOT NULL PRIMARY KEY,
            conversation_id BIGINT(20) UNSIGNED NOT NULL,
            resource_id BIGINT(20) UNSIGNED NOT NULL,
            service_id BIGINT(20) UNSIGNED NOT NULL,
            starts_at DATETIME NOT NULL,
            ends_at DATETIME NOT NULL,
            expires_at DATETIME NOT NULL,
            created_at DATETIME NOT NULL,
            INDEX resource_time_idx (resource_id, starts_at),
            INDEX expires_at_idx (expires_at),
            INDEX conversation_idx (conversation_id)",
        )],
    },
    Migration {
        version: 6,
        description: "proactive engagement: rule settings (variants, caps, loader pre-filter) and trigger events",
        steps: &[
            Step::AddColumn(Table::Triggers, "settings", "settings LONGTEXT NULL"),
            Step::CreateTable(
                Table::TriggerEvents,
                "id BIGINT(20) UNSIGNED AUTO_INCREMENT PRIMARY KEY,
                rule_id BIGINT(20) UNSIGNED NOT NULL,
                variant VARCHAR(2) NOT NULL DEFAULT 'A',
                event VARCHAR(20) NOT NULL,
                visitor_hash CHAR(32) NOT NULL,
                conversation_id BIGINT(20) UNSIGNED NULL,
                created_at DATETIME NOT NULL,
                INDEX rule_event_idx (rule_id, event, variant),
                INDEX visitor_idx (visitor_hash, rule_id, created_at)",
            ),
        ],
    },
];

/// The schema version this build writes.
pub fn latest_version() -> u32 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

/// Brings the schema to the latest version; returns it. Idempotent.
pub async fn migrate(store: &Store) -> Result<u32> {
    migrate_to(store, latest_version()).await
}

/// Brings the schema to `target` (for upgrade tests and staged roll-outs).
pub async fn migrate_to(store: &Store, target: u32) -> Result<u32> {
    let mut conn = store.pool().get_conn().await?;
    let lock = format!("{}bkx_chat_migrate", store.prefix);
    let got: Option<i64> = conn
        .exec_first("SELECT GET_LOCK(?, 30)", (lock.as_str(),))
        .await?;
    if got != Some(1) {
        return Err(Error::new(
            ErrorCode::StorageError,
            "another process is migrating the chat tables; try again",
        ));
    }
    let result = run_locked(store, &mut conn, target).await;
    // Release even after a failure, or the next attempt waits 30 s for nothing.
    let _: Option<i64> = conn
        .exec_first("SELECT RELEASE_LOCK(?)", (lock.as_str(),))
        .await?;
    result
}

async fn run_locked(store: &Store, conn: &mut Conn, target: u32) -> Result<u32> {
    let versions = store.table(Table::SchemaVersion);
    conn.query_drop(format!(
        "CREATE TABLE IF NOT EXISTS {versions} (
            version INT UNSIGNED NOT NULL PRIMARY KEY,
            description VARCHAR(255) NOT NULL,
            applied_at DATETIME NOT NULL
        ) {TABLE_OPTIONS}"
    ))
    .await?;
    let start = current_version_on(conn, &versions).await?;
    let mut current = start;
    for m in MIGRATIONS
        .iter()
        .filter(|m| m.version > start && m.version <= target)
    {
        for step in m.steps {
            apply(store, conn, step).await?;
        }
        conn.exec_drop(
            format!(
                "INSERT IGNORE INTO {versions} (version, description, applied_at) VALUES (?, ?, ?)"
            ),
            (m.version, m.description, now()),
        )
        .await?;
        current = m.version;
    }
    Ok(current)
}

async fn current_version_on(conn: &mut Conn, versions: &str) -> Result<u32> {
    let v: Option<Option<u32>> = conn
        .query_first(format!("SELECT MAX(version) FROM {versions}"))
        .await?;
    Ok(v.flatten().unwrap_or(0))
}

/// The applied schema version (0 when the chat tables were never created).
pub async fn current_version(store: &Store) -> Result<u32> {
    let mut conn = store.pool().get_conn().await?;
    let versions = store.table(Table::SchemaVersion);
    let exists: Option<i64> = conn
        .exec_first(
            "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?",
            (store.db_name(), versions.as_str()),
        )
        .await?;
    if exists.unwrap_or(0) == 0 {
        return Ok(0);
    }
    current_version_on(&mut conn, &versions).await
}

async fn exists(
    store: &Store,
    conn: &mut Conn,
    sql: &str,
    table: &str,
    name: &str,
) -> Result<bool> {
    let n: Option<i64> = conn.exec_first(sql, (store.db_name(), table, name)).await?;
    Ok(n.unwrap_or(0) > 0)
}

async fn apply(store: &Store, conn: &mut Conn, step: &Step) -> Result<()> {
    match step {
        Step::CreateTable(t, body) => {
            let name = store.table(*t);
            conn.query_drop(format!(
                "CREATE TABLE IF NOT EXISTS {name} ({body}) {TABLE_OPTIONS}"
            ))
            .await?;
        }
        Step::AddColumn(t, column, ddl) => {
            let name = store.table(*t);
            let sql = "SELECT COUNT(*) FROM information_schema.COLUMNS
                       WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND COLUMN_NAME = ?";
            if !exists(store, conn, sql, &name, column).await? {
                conn.query_drop(format!("ALTER TABLE {name} ADD COLUMN {ddl}"))
                    .await?;
            }
        }
        Step::AddIndex(t, index, ddl) => {
            let name = store.table(*t);
            let sql = "SELECT COUNT(*) FROM information_schema.STATISTICS
                       WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND INDEX_NAME = ?";
            if !exists(store, conn, sql, &name, index).await? {
                conn.query_drop(format!("ALTER TABLE {name} ADD {ddl}"))
                    .await?;
            }
        }
        Step::Exec(t, sql) => {
            let name = store.table(*t);
            conn.query_drop(sql.replace("{table}", &name)).await?;
        }
        Step::MessagesForeignKey => {
            let messages = store.table(Table::Messages);
            let conversations = store.table(Table::Conversations);
            let fk = format!("{}bkx_chat_messages_conversation_fk", store.prefix);
            let sql = "SELECT COUNT(*) FROM information_schema.TABLE_CONSTRAINTS
                       WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND CONSTRAINT_NAME = ?";
            if !exists(store, conn, sql, &messages, &fk).await? {
                conn.query_drop(format!(
                    "ALTER TABLE {messages} ADD CONSTRAINT {fk} FOREIGN KEY (conversation_id)
                     REFERENCES {conversations}(id) ON DELETE CASCADE"
                ))
                .await?;
            }
        }
        Step::ForeignKey {
            table,
            name,
            column,
            references,
            on_delete,
        } => {
            let child = store.table(*table);
            let parent = store.table(*references);
            let fk = format!("{}{name}", store.prefix);
            let sql = "SELECT COUNT(*) FROM information_schema.TABLE_CONSTRAINTS
                       WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND CONSTRAINT_NAME = ?";
            if !exists(store, conn, sql, &child, &fk).await? {
                conn.query_drop(format!(
                    "ALTER TABLE {child} ADD CONSTRAINT {fk} FOREIGN KEY ({column})
                     REFERENCES {parent}(id) ON DELETE {on_delete}"
                ))
                .await?;
            }
        }
    }
    Ok(())
}
