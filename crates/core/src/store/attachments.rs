//! SQL for attachment rows (`{prefix}bkx_chat_attachments`).
//!
//! The bytes themselves are not in the database: the caller (the WordPress plugin) keeps them
//! in a private folder under the random `storage_name`.

use chrono::NaiveDateTime;
use mysql_async::prelude::*;
use mysql_async::{Row, Value as SqlValue};

use super::{Store, Table};
use crate::error::Result;
use crate::model::Attachment;

const COLUMNS: &str = "id, conversation_id, message_id, storage_name, original_name, mime, size, \
    sha256, scan_status, uploader_type, uploader_id, visitor_id, created_at";

/// What a new row holds (validated by the caller).
#[derive(Debug, Clone, Default)]
pub struct NewAttachment {
    pub conversation_id: u64,
    pub storage_name: String,
    pub original_name: String,
    pub mime: String,
    pub size: u64,
    pub sha256: String,
    pub scan_status: String,
    pub uploader_type: String,
    pub uploader_id: Option<u64>,
    pub visitor_id: Option<String>,
}

fn from_row(mut r: Row) -> Attachment {
    Attachment {
        id: r.take("id").unwrap_or(0),
        conversation_id: r.take("conversation_id").unwrap_or(0),
        message_id: r.take("message_id").flatten(),
        storage_name: r.take("storage_name").unwrap_or_default(),
        original_name: r.take("original_name").unwrap_or_default(),
        mime: r.take("mime").unwrap_or_default(),
        size: r.take("size").unwrap_or(0),
        sha256: r.take("sha256").unwrap_or_default(),
        scan_status: r.take("scan_status").unwrap_or_default(),
        uploader_type: r.take("uploader_type").unwrap_or_default(),
        uploader_id: r.take("uploader_id").flatten(),
        visitor_id: r.take("visitor_id").flatten(),
        created_at: r.take("created_at").unwrap_or_default(),
    }
}

/// Inserts a row; returns its id.
pub async fn insert(
    q: &mut impl Queryable,
    store: &Store,
    a: &NewAttachment,
    at: NaiveDateTime,
) -> Result<u64> {
    let t = store.table(Table::Attachments);
    let r = q
        .exec_iter(
            format!(
                "INSERT INTO {t} (conversation_id, message_id, storage_name, original_name, mime, \
                 size, sha256, scan_status, uploader_type, uploader_id, visitor_id, created_at) \
                 VALUES (?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            ),
            vec![
                SqlValue::from(a.conversation_id),
                SqlValue::from(&a.storage_name),
                SqlValue::from(&a.original_name),
                SqlValue::from(&a.mime),
                SqlValue::from(a.size),
                SqlValue::from(&a.sha256),
                SqlValue::from(&a.scan_status),
                SqlValue::from(&a.uploader_type),
                SqlValue::from(a.uploader_id),
                SqlValue::from(&a.visitor_id),
                SqlValue::from(at),
            ],
        )
        .await?;
    let id = r.last_insert_id().unwrap_or(0);
    r.drop_result().await?;
    Ok(id)
}

/// One attachment by id; `lock` takes its row lock (inside a transaction).
pub async fn get(
    q: &mut impl Queryable,
    store: &Store,
    id: u64,
    lock: bool,
) -> Result<Option<Attachment>> {
    let t = store.table(Table::Attachments);
    let suffix = if lock { " FOR UPDATE" } else { "" };
    let row: Option<Row> = q
        .exec_first(
            format!("SELECT {COLUMNS} FROM {t} WHERE id = ?{suffix}"),
            (id,),
        )
        .await?;
    Ok(row.map(from_row))
}

/// Links an unlinked attachment to a message; returns false when it was linked already.
pub async fn link(q: &mut impl Queryable, store: &Store, id: u64, message_id: u64) -> Result<bool> {
    let t = store.table(Table::Attachments);
    let r = q
        .exec_iter(
            format!("UPDATE {t} SET message_id = ? WHERE id = ? AND message_id IS NULL"),
            (message_id, id),
        )
        .await?;
    let n = r.affected_rows();
    r.drop_result().await?;
    Ok(n == 1)
}

/// Deletes an attachment that no message carries; returns whether a row went.
pub async fn delete_unlinked(q: &mut impl Queryable, store: &Store, id: u64) -> Result<bool> {
    let t = store.table(Table::Attachments);
    let r = q
        .exec_iter(
            format!("DELETE FROM {t} WHERE id = ? AND message_id IS NULL"),
            (id,),
        )
        .await?;
    let n = r.affected_rows();
    r.drop_result().await?;
    Ok(n == 1)
}

/// How many attachments a conversation has: (all, not yet in a message).
pub async fn counts(
    q: &mut impl Queryable,
    store: &Store,
    conversation_id: u64,
) -> Result<(u64, u64)> {
    let t = store.table(Table::Attachments);
    let row: Option<(Option<u64>, Option<u64>)> = q
        .exec_first(
            format!(
                "SELECT COUNT(*), CAST(COALESCE(SUM(message_id IS NULL), 0) AS UNSIGNED) \
                 FROM {t} WHERE conversation_id = ?"
            ),
            (conversation_id,),
        )
        .await?;
    let (all, pending) = row.unwrap_or((Some(0), Some(0)));
    Ok((all.unwrap_or(0), pending.unwrap_or(0)))
}
