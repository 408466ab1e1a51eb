//! SQL for message rows.

use chrono::NaiveDateTime;
use mysql_async::prelude::*;
use mysql_async::{Row, Value as SqlValue};
use serde_json::{Map, Value};

use super::conversations::json_map;
use super::{padded, placeholders, Store, Table};
use crate::error::Result;
use crate::model::{AttachmentRef, Message};

/// The message columns and the summary of the attached file (LEFT JOIN: most messages
/// have none). Every query below selects `FROM {messages} m` with [`select`].
const COLUMNS: &str = "m.id, m.conversation_id, m.client_id, m.platform_message_id, \
    m.sender_type, m.sender_id, m.sender_name, m.message, m.message_type, m.attachment_url, \
    m.is_read, m.read_at, m.metadata, m.sent_at, m.created_at, a.id AS att_id, \
    a.original_name AS att_name, a.mime AS att_mime, a.size AS att_size";

fn select(store: &Store) -> String {
    let t = store.table(Table::Messages);
    let a = store.table(Table::Attachments);
    format!("SELECT {COLUMNS} FROM {t} m LEFT JOIN {a} a ON a.message_id = m.id")
}

/// What a new row holds (validated and sanitised by the caller).
#[derive(Debug, Clone, Default)]
pub struct NewMessage {
    pub client_id: Option<String>,
    pub platform_message_id: Option<String>,
    pub sender_type: String,
    pub sender_id: Option<u64>,
    pub sender_name: Option<String>,
    pub body: String,
    pub message_type: String,
    pub attachment_url: Option<String>,
    pub metadata: Map<String, Value>,
}

impl NewMessage {
    /// The row as it reads back once inserted with `id` at `at` (unread, no file): what a
    /// read-back would return, without the round trip. Exact because every column stores
    /// its value unchanged: the caller validated the lengths against the columns, times are
    /// whole seconds ([`crate::model::now`]) and `metadata` is stored as its own JSON text.
    pub fn into_message(self, id: u64, conversation_id: u64, at: NaiveDateTime) -> Message {
        Message {
            id,
            conversation_id,
            client_id: self.client_id,
            platform_message_id: self.platform_message_id,
            sender_type: self.sender_type,
            sender_id: self.sender_id,
            sender_name: self.sender_name,
            body: self.body,
            message_type: self.message_type,
            attachment_url: self.attachment_url,
            attachment: None,
            is_read: false,
            read_at: None,
            metadata: self.metadata,
            sent_at: at,
            created_at: at,
        }
    }
}

/// A page of history: older than `before_id`, newer than `after_id`, or the latest.
#[derive(Debug, Clone, Copy, Default)]
pub struct Page {
    pub before_id: Option<u64>,
    pub after_id: Option<u64>,
    pub limit: u32,
}

fn from_row(mut r: Row) -> Message {
    let attachment = r
        .take::<Option<u64>, _>("att_id")
        .flatten()
        .map(|id| AttachmentRef {
            id,
            name: r.take("att_name").flatten().unwrap_or_default(),
            mime: r.take("att_mime").flatten().unwrap_or_default(),
            size: r.take("att_size").flatten().unwrap_or(0),
        });
    Message {
        id: r.take("id").unwrap_or(0),
        conversation_id: r.take("conversation_id").unwrap_or(0),
        client_id: r.take("client_id").flatten(),
        platform_message_id: r.take("platform_message_id").flatten(),
        sender_type: r.take("sender_type").unwrap_or_default(),
        sender_id: r.take("sender_id").flatten(),
        sender_name: r.take("sender_name").flatten(),
        body: r.take("message").unwrap_or_default(),
        message_type: r
            .take::<Option<String>, _>("message_type")
            .flatten()
            .unwrap_or_else(|| "text".into()),
        attachment_url: r.take("attachment_url").flatten(),
        attachment,
        is_read: r.take::<Option<i64>, _>("is_read").flatten().unwrap_or(0) != 0,
        read_at: r.take("read_at").flatten(),
        metadata: json_map(r.take("metadata").flatten()),
        sent_at: r.take("sent_at").unwrap_or_default(),
        created_at: r.take("created_at").unwrap_or_default(),
    }
}

/// The columns an insert writes, and one row's placeholders (`is_read` starts at 0).
const INSERT_COLUMNS: &str = "conversation_id, client_id, platform_message_id, sender_type, \
    sender_id, sender_name, message, message_type, attachment_url, is_read, metadata, sent_at, \
    created_at";
const ROW: &str = "(?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)";

/// One row's values for [`INSERT_COLUMNS`].
fn row_params(
    conversation_id: u64,
    m: &NewMessage,
    sent_at: NaiveDateTime,
    at: NaiveDateTime,
) -> [SqlValue; 12] {
    [
        SqlValue::from(conversation_id),
        SqlValue::from(&m.client_id),
        SqlValue::from(&m.platform_message_id),
        SqlValue::from(&m.sender_type),
        SqlValue::from(m.sender_id),
        SqlValue::from(&m.sender_name),
        SqlValue::from(&m.body),
        SqlValue::from(&m.message_type),
        SqlValue::from(&m.attachment_url),
        SqlValue::from(Value::Object(m.metadata.clone()).to_string()),
        SqlValue::from(sent_at),
        SqlValue::from(at),
    ]
}

/// Inserts a row; returns its id.
pub async fn insert(
    q: &mut impl Queryable,
    store: &Store,
    conversation_id: u64,
    m: &NewMessage,
    at: NaiveDateTime,
) -> Result<u64> {
    insert_sent(q, store, conversation_id, m, at, at).await
}

/// Inserts a row sent at `sent_at` (a vendor's message, sent before it reached us); `at` is
/// the creation time. Returns its id.
pub async fn insert_sent(
    q: &mut impl Queryable,
    store: &Store,
    conversation_id: u64,
    m: &NewMessage,
    sent_at: NaiveDateTime,
    at: NaiveDateTime,
) -> Result<u64> {
    let t = store.table(Table::Messages);
    let r = q
        .exec_iter(
            format!("INSERT INTO {t} ({INSERT_COLUMNS}) VALUES {ROW}"),
            row_params(conversation_id, m, sent_at, at).to_vec(),
        )
        .await?;
    let id = r.last_insert_id().unwrap_or(0);
    r.drop_result().await?;
    Ok(id)
}

/// Inserts a row unless its `(conversation_id, client_id)` is already stored: the new id, or
/// `None` for a retry (the unique key `conversation_client_uq` refused the row).
pub async fn insert_unless_retry(
    q: &mut impl Queryable,
    store: &Store,
    conversation_id: u64,
    m: &NewMessage,
    at: NaiveDateTime,
) -> Result<Option<u64>> {
    let t = store.table(Table::Messages);
    super::insert_unless_stored(
        q,
        format!("INSERT INTO {t} ({INSERT_COLUMNS}) VALUES {ROW}"),
        row_params(conversation_id, m, at, at).to_vec(),
        Some("conversation_client_uq"),
    )
    .await
}

/// Inserts several rows in their order (ids ascend in that order), in multi-row
/// statements of power-of-two sizes (at most one statement per set bit of the count, each
/// shape prepared once per connection).
pub async fn insert_many(
    q: &mut impl Queryable,
    store: &Store,
    rows: &[(u64, &NewMessage)],
    at: NaiveDateTime,
) -> Result<()> {
    let t = store.table(Table::Messages);
    let mut rest = rows;
    while !rest.is_empty() {
        // The largest power of two that fits: 37 rows go as 32 + 4 + 1.
        let n = 1usize << (usize::BITS - 1 - rest.len().leading_zeros());
        let (chunk, tail) = rest.split_at(n);
        let values = vec![ROW; n].join(", ");
        let mut params = Vec::with_capacity(n * 12);
        for (conversation_id, m) in chunk {
            params.extend(row_params(*conversation_id, m, at, at));
        }
        q.exec_drop(
            format!("INSERT INTO {t} ({INSERT_COLUMNS}) VALUES {values}"),
            params,
        )
        .await?;
        rest = tail;
    }
    Ok(())
}

/// The messages with these `(conversation_id, client_id)` pairs, in id order. One
/// statement: a row-constructor `IN`, served as one range per pair by the
/// `(conversation_id, client_id)` unique index.
pub async fn find_by_client_ids(
    q: &mut impl Queryable,
    store: &Store,
    pairs: &[(u64, &str)],
) -> Result<Vec<Message>> {
    if pairs.is_empty() {
        return Ok(Vec::new());
    }
    let pairs = padded(pairs);
    let mut params: Vec<SqlValue> = Vec::with_capacity(pairs.len() * 2);
    for (c, k) in &pairs {
        params.extend([SqlValue::from(*c), SqlValue::from(*k)]);
    }
    // The index is named: on a young table (few rows, stale statistics) the optimizer may
    // otherwise walk `conversation_id_idx`, reading a conversation's whole history.
    let t = store.table(Table::Messages);
    let a = store.table(Table::Attachments);
    let rows: Vec<Row> = q
        .exec(
            format!(
                "SELECT {COLUMNS} FROM {t} m FORCE INDEX (conversation_client_uq) \
                 LEFT JOIN {a} a ON a.message_id = m.id \
                 WHERE (m.conversation_id, m.client_id) IN ({}) ORDER BY m.id",
                vec!["(?, ?)"; pairs.len()].join(", ")
            ),
            params,
        )
        .await?;
    Ok(rows.into_iter().map(from_row).collect())
}

/// One message by id.
pub async fn get(q: &mut impl Queryable, store: &Store, id: u64) -> Result<Option<Message>> {
    let row: Option<Row> = q
        .exec_first(format!("{} WHERE m.id = ?", select(store)), (id,))
        .await?;
    Ok(row.map(from_row))
}

/// The message a client already sent with this `client_id`, if any.
pub async fn find_by_client_id(
    q: &mut impl Queryable,
    store: &Store,
    conversation_id: u64,
    client_id: &str,
) -> Result<Option<Message>> {
    let row: Option<Row> = q
        .exec_first(
            format!(
                "{} WHERE m.conversation_id = ? AND m.client_id = ?",
                select(store)
            ),
            (conversation_id, client_id),
        )
        .await?;
    Ok(row.map(from_row))
}

/// The message of a conversation with this vendor message id, if any.
pub async fn find_by_platform_message_id(
    q: &mut impl Queryable,
    store: &Store,
    conversation_id: u64,
    platform_message_id: &str,
) -> Result<Option<Message>> {
    let row: Option<Row> = q
        .exec_first(
            format!(
                "{} WHERE m.conversation_id = ? AND m.platform_message_id = ?",
                select(store)
            ),
            (conversation_id, platform_message_id),
        )
        .await?;
    Ok(row.map(from_row))
}

/// `(sender_type, body)` of a conversation's messages whose vendor id does not start with
/// `exclude_prefix` (the live messages a vendor transcript repeats).
pub async fn sender_bodies(
    q: &mut impl Queryable,
    store: &Store,
    conversation_id: u64,
    exclude_prefix: &str,
) -> Result<Vec<(String, String)>> {
    let t = store.table(Table::Messages);
    let rows: Vec<(String, String)> = q
        .exec(
            format!(
                "SELECT sender_type, message FROM {t} WHERE conversation_id = ? \
                 AND (platform_message_id IS NULL OR platform_message_id NOT LIKE ?) ORDER BY id"
            ),
            (conversation_id, format!("{exclude_prefix}%")),
        )
        .await?;
    Ok(rows)
}

/// A page of a conversation's messages, oldest first.
pub async fn page(
    q: &mut impl Queryable,
    store: &Store,
    conversation_id: u64,
    p: Page,
) -> Result<Vec<Message>> {
    let mut params: Vec<SqlValue> = vec![conversation_id.into()];
    let mut sql = format!("{} WHERE m.conversation_id = ?", select(store));
    if let Some(b) = p.before_id {
        sql.push_str(" AND m.id < ?");
        params.push(b.into());
    }
    // "after" pages read forwards; the others read the newest rows and flip them.
    let forwards = p.after_id.is_some();
    if let Some(a) = p.after_id {
        sql.push_str(" AND m.id > ?");
        params.push(a.into());
    }
    let order = if forwards { "ASC" } else { "DESC" };
    sql.push_str(&format!(" ORDER BY m.id {order} LIMIT {}", p.limit));
    let rows: Vec<Row> = q.exec(sql, params).await?;
    let mut out: Vec<Message> = rows.into_iter().map(from_row).collect();
    if !forwards {
        out.reverse();
    }
    Ok(out)
}

/// Marks unread messages of the given senders read, up to `up_to_id`; returns how many.
pub async fn mark_read(
    q: &mut impl Queryable,
    store: &Store,
    conversation_id: u64,
    sender_types: &[&str],
    up_to_id: u64,
    at: NaiveDateTime,
) -> Result<u64> {
    let t = store.table(Table::Messages);
    let senders = placeholders(sender_types.len());
    let mut params: Vec<SqlValue> = vec![at.into(), conversation_id.into(), up_to_id.into()];
    params.extend(sender_types.iter().map(|s| SqlValue::from(*s)));
    let r = q
        .exec_iter(
            format!(
                "UPDATE {t} SET is_read = 1, read_at = ? WHERE conversation_id = ? AND id <= ? \
             AND is_read = 0 AND sender_type IN ({senders})"
            ),
            params,
        )
        .await?;
    let n = r.affected_rows();
    r.drop_result().await?;
    Ok(n)
}

/// The newest message id of a conversation (0 when empty).
pub async fn last_id(q: &mut impl Queryable, store: &Store, conversation_id: u64) -> Result<u64> {
    let t = store.table(Table::Messages);
    let v: Option<Option<u64>> = q
        .exec_first(
            format!("SELECT MAX(id) FROM {t} WHERE conversation_id = ?"),
            (conversation_id,),
        )
        .await?;
    Ok(v.flatten().unwrap_or(0))
}

/// Records the vendor's id of a message we sent to the vendor (only when none is set), so
/// the vendor's webhook echo of it is recognised and not stored twice.
pub async fn set_platform_message_id(
    q: &mut impl Queryable,
    store: &Store,
    id: u64,
    platform_message_id: &str,
) -> Result<bool> {
    let t = store.table(Table::Messages);
    let r = q
        .exec_iter(
            format!(
                "UPDATE {t} SET platform_message_id = ? WHERE id = ? AND platform_message_id IS NULL"
            ),
            (platform_message_id, id),
        )
        .await?;
    let n = r.affected_rows();
    r.drop_result().await?;
    Ok(n == 1)
}
