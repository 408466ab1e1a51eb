//! SQL for conversation rows.

use chrono::NaiveDateTime;
use mysql_async::prelude::*;
use mysql_async::{Row, Value as SqlValue};
use serde_json::{Map, Value};

use super::{padded, placeholders, Store, Table};
use crate::error::Result;
use crate::model::Conversation;

const COLUMNS: &str = "id, platform, platform_conversation_id, customer_id, visitor_id, \
    assigned_agent_id, status, rating, rating_comment, first_response_time, resolution_time, \
    message_count, booking_id, tags, metadata, started_at, ended_at, created_at, updated_at";

/// What a new row holds (already validated by the caller).
#[derive(Debug, Clone, Default)]
pub struct NewConversation {
    pub platform: String,
    pub platform_conversation_id: Option<String>,
    pub customer_id: Option<u64>,
    pub visitor_id: Option<String>,
    pub assigned_agent_id: Option<u64>,
    pub status: String,
    pub booking_id: Option<u64>,
    pub tags: Vec<String>,
    pub metadata: Map<String, Value>,
}

/// Filters of a conversation listing (already validated).
#[derive(Debug, Clone, Default)]
pub struct ConversationFilter {
    pub status: Option<String>,
    pub platform: Option<String>,
    pub customer_id: Option<u64>,
    pub visitor_id: Option<String>,
    pub assigned_agent_id: Option<u64>,
    pub unassigned: bool,
    pub before_id: Option<u64>,
    pub limit: u32,
}

/// Parses a JSON column; a corrupt value reads as empty rather than failing the whole row.
pub(crate) fn json_map(s: Option<String>) -> Map<String, Value> {
    s.and_then(|s| serde_json::from_str::<Map<String, Value>>(&s).ok())
        .unwrap_or_default()
}

fn json_tags(s: Option<String>) -> Vec<String> {
    s.and_then(|s| serde_json::from_str::<Vec<String>>(&s).ok())
        .unwrap_or_default()
}

fn from_row(mut r: Row) -> Conversation {
    Conversation {
        id: r.take("id").unwrap_or(0),
        platform: r.take("platform").unwrap_or_default(),
        platform_conversation_id: r.take("platform_conversation_id").flatten(),
        customer_id: r.take("customer_id").flatten(),
        visitor_id: r.take("visitor_id").flatten(),
        assigned_agent_id: r.take("assigned_agent_id").flatten(),
        status: r.take("status").unwrap_or_default(),
        rating: r.take("rating").flatten(),
        rating_comment: r.take("rating_comment").flatten(),
        first_response_time: r.take("first_response_time").flatten(),
        resolution_time: r.take("resolution_time").flatten(),
        message_count: r
            .take::<Option<i64>, _>("message_count")
            .flatten()
            .unwrap_or(0),
        booking_id: r.take("booking_id").flatten(),
        tags: json_tags(r.take("tags").flatten()),
        metadata: json_map(r.take("metadata").flatten()),
        started_at: r.take("started_at").unwrap_or_default(),
        ended_at: r.take("ended_at").flatten(),
        created_at: r.take("created_at").unwrap_or_default(),
        updated_at: r.take("updated_at").unwrap_or_default(),
    }
}

/// Inserts a row; returns its id.
pub async fn insert(
    q: &mut impl Queryable,
    store: &Store,
    c: &NewConversation,
    at: NaiveDateTime,
) -> Result<u64> {
    insert_started(q, store, c, at, at).await
}

/// Inserts a row that started at `started_at` (a vendor's conversation, started before we
/// heard of it); `at` is the creation time. Returns its id.
pub async fn insert_started(
    q: &mut impl Queryable,
    store: &Store,
    c: &NewConversation,
    started_at: NaiveDateTime,
    at: NaiveDateTime,
) -> Result<u64> {
    let t = store.table(Table::Conversations);
    let r = q
        .exec_iter(
            format!(
                "INSERT INTO {t} (platform, platform_conversation_id, customer_id, visitor_id, \
             assigned_agent_id, status, message_count, booking_id, tags, metadata, started_at, \
             created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?)"
            ),
            vec![
                SqlValue::from(&c.platform),
                SqlValue::from(&c.platform_conversation_id),
                SqlValue::from(c.customer_id),
                SqlValue::from(&c.visitor_id),
                SqlValue::from(c.assigned_agent_id),
                SqlValue::from(&c.status),
                SqlValue::from(c.booking_id),
                SqlValue::from(serde_json::to_string(&c.tags).unwrap_or_else(|_| "[]".into())),
                SqlValue::from(Value::Object(c.metadata.clone()).to_string()),
                SqlValue::from(started_at),
                SqlValue::from(at),
                SqlValue::from(at),
            ],
        )
        .await?;
    let id = r.last_insert_id().unwrap_or(0);
    r.drop_result().await?;
    Ok(id)
}

/// Reads one row; `for_update` locks it inside a transaction.
pub async fn get(
    q: &mut impl Queryable,
    store: &Store,
    id: u64,
    for_update: bool,
) -> Result<Option<Conversation>> {
    let t = store.table(Table::Conversations);
    let lock = if for_update { " FOR UPDATE" } else { "" };
    let row: Option<Row> = q
        .exec_first(
            format!("SELECT {COLUMNS} FROM {t} WHERE id = ?{lock}"),
            (id,),
        )
        .await?;
    Ok(row.map(from_row))
}

/// The conversation a vendor platform knows by `platform_conversation_id` (the oldest, should
/// there be several); `for_update` locks it inside a transaction.
pub async fn find_by_platform(
    q: &mut impl Queryable,
    store: &Store,
    platform: &str,
    platform_conversation_id: &str,
    for_update: bool,
) -> Result<Option<Conversation>> {
    let t = store.table(Table::Conversations);
    let lock = if for_update { " FOR UPDATE" } else { "" };
    let row: Option<Row> = q
        .exec_first(
            format!(
                "SELECT {COLUMNS} FROM {t} WHERE platform = ? AND platform_conversation_id = ? \
                 ORDER BY id LIMIT 1{lock}"
            ),
            (platform, platform_conversation_id),
        )
        .await?;
    Ok(row.map(from_row))
}

/// Lists rows, newest first.
pub async fn list(
    q: &mut impl Queryable,
    store: &Store,
    f: &ConversationFilter,
) -> Result<Vec<Conversation>> {
    let t = store.table(Table::Conversations);
    let mut sql = format!("SELECT {COLUMNS} FROM {t} WHERE 1 = 1");
    let mut params: Vec<SqlValue> = Vec::new();
    if let Some(s) = &f.status {
        sql.push_str(" AND status = ?");
        params.push(s.into());
    }
    if let Some(p) = &f.platform {
        sql.push_str(" AND platform = ?");
        params.push(p.into());
    }
    if let Some(c) = f.customer_id {
        sql.push_str(" AND customer_id = ?");
        params.push(c.into());
    }
    if let Some(v) = &f.visitor_id {
        sql.push_str(" AND visitor_id = ?");
        params.push(v.into());
    }
    if let Some(a) = f.assigned_agent_id {
        sql.push_str(" AND assigned_agent_id = ?");
        params.push(a.into());
    }
    if f.unassigned {
        sql.push_str(" AND assigned_agent_id IS NULL");
    }
    if let Some(b) = f.before_id {
        sql.push_str(" AND id < ?");
        params.push(b.into());
    }
    sql.push_str(&format!(" ORDER BY id DESC LIMIT {}", f.limit));
    let rows: Vec<Row> = q.exec(sql, params).await?;
    Ok(rows.into_iter().map(from_row).collect())
}

/// Writes the mutable columns of a conversation back.
pub async fn save(q: &mut impl Queryable, store: &Store, c: &Conversation) -> Result<()> {
    let t = store.table(Table::Conversations);
    q.exec_drop(
        format!(
            "UPDATE {t} SET assigned_agent_id = ?, status = ?, rating = ?, rating_comment = ?, \
             first_response_time = ?, resolution_time = ?, message_count = ?, booking_id = ?, \
             tags = ?, metadata = ?, ended_at = ?, updated_at = ? WHERE id = ?"
        ),
        vec![
            SqlValue::from(c.assigned_agent_id),
            SqlValue::from(&c.status),
            SqlValue::from(c.rating),
            SqlValue::from(&c.rating_comment),
            SqlValue::from(c.first_response_time),
            SqlValue::from(c.resolution_time),
            SqlValue::from(c.message_count),
            SqlValue::from(c.booking_id),
            SqlValue::from(serde_json::to_string(&c.tags).unwrap_or_else(|_| "[]".into())),
            SqlValue::from(Value::Object(c.metadata.clone()).to_string()),
            SqlValue::from(c.ended_at),
            SqlValue::from(c.updated_at),
            SqlValue::from(c.id),
        ],
    )
    .await?;
    Ok(())
}

/// Locks several conversations (`SELECT … FOR UPDATE`, in id order, so two callers
/// locking overlapping sets cannot deadlock on each other) and returns those that exist.
pub async fn lock_many(
    q: &mut impl Queryable,
    store: &Store,
    ids: &[u64],
) -> Result<Vec<Conversation>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let t = store.table(Table::Conversations);
    let ids = padded(ids);
    let rows: Vec<Row> = q
        .exec(
            format!(
                "SELECT {COLUMNS} FROM {t} WHERE id IN ({}) ORDER BY id FOR UPDATE",
                placeholders(ids.len())
            ),
            ids.iter().map(|i| SqlValue::from(*i)).collect::<Vec<_>>(),
        )
        .await?;
    Ok(rows.into_iter().map(from_row).collect())
}

/// Writes the message counters of several (locked) conversations in one statement:
/// `message_count`, `first_response_time` and `updated_at` as the caller computed them.
pub async fn save_counters(
    q: &mut impl Queryable,
    store: &Store,
    convs: &[&Conversation],
) -> Result<()> {
    if convs.is_empty() {
        return Ok(());
    }
    let t = store.table(Table::Conversations);
    let convs = padded(convs);
    let case = vec!["WHEN ? THEN ?"; convs.len()].join(" ");
    let mut params = Vec::with_capacity(convs.len() * 7);
    for c in &convs {
        params.extend([SqlValue::from(c.id), SqlValue::from(c.message_count)]);
    }
    for c in &convs {
        params.extend([SqlValue::from(c.id), SqlValue::from(c.first_response_time)]);
    }
    for c in &convs {
        params.extend([SqlValue::from(c.id), SqlValue::from(c.updated_at)]);
    }
    params.extend(convs.iter().map(|c| SqlValue::from(c.id)));
    q.exec_drop(
        format!(
            "UPDATE {t} SET message_count = CASE id {case} END, \
             first_response_time = CASE id {case} END, updated_at = CASE id {case} END \
             WHERE id IN ({})",
            placeholders(convs.len())
        ),
        params,
    )
    .await?;
    Ok(())
}

/// Records the vendor's id of a conversation we opened on the vendor (only when none is
/// set), so the vendor's webhooks about it land in the same row.
pub async fn set_platform_conversation_id(
    q: &mut impl Queryable,
    store: &Store,
    id: u64,
    platform_conversation_id: &str,
) -> Result<bool> {
    let t = store.table(Table::Conversations);
    let r = q
        .exec_iter(
            format!(
                "UPDATE {t} SET platform_conversation_id = ? WHERE id = ? AND platform_conversation_id IS NULL"
            ),
            (platform_conversation_id, id),
        )
        .await?;
    let n = r.affected_rows();
    r.drop_result().await?;
    Ok(n == 1)
}
