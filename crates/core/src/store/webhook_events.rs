//! SQL for `{prefix}bkx_chat_webhook_events`: the event ids of verified vendor deliveries.
//!
//! A row is written in the same transaction as what the event stores, so an event id is
//! recorded exactly when its effects are: a redelivery finds the row and stores nothing; a
//! delivery that failed left no row and is processed again when the vendor retries.

use chrono::NaiveDateTime;
use mysql_async::prelude::*;

use super::{Store, Table};
use crate::error::Result;

/// How long event ids are kept (vendors retry for hours, not weeks: tawk.to 12 h, Intercom
/// 1 min, Zendesk 15 min).
pub const RETENTION_DAYS: i64 = 30;

/// What was recorded for an event id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub id: u64,
    pub status: String,
    pub conversation_id: Option<u64>,
}

/// Records an event id as being processed; `None` when it was recorded before (a
/// redelivery). A concurrent delivery of the same id waits for the first one's transaction
/// and then sees the duplicate.
pub async fn claim(
    q: &mut impl Queryable,
    store: &Store,
    platform: &str,
    event_id: &str,
    event_type: &str,
    at: NaiveDateTime,
) -> Result<Option<u64>> {
    let t = store.table(Table::WebhookEvents);
    let event_type: String = event_type.chars().take(100).collect();
    // A duplicate event id: recorded before.
    super::insert_unless_stored(
        q,
        format!(
            "INSERT INTO {t} (platform, event_id, event_type, status, received_at) \
             VALUES (?, ?, ?, 'processing', ?)"
        ),
        (platform, event_id, event_type, at),
        None,
    )
    .await
}

/// Sets the outcome of a claimed event.
pub async fn complete(
    q: &mut impl Queryable,
    store: &Store,
    id: u64,
    status: &str,
    conversation_id: Option<u64>,
) -> Result<()> {
    let t = store.table(Table::WebhookEvents);
    q.exec_drop(
        format!("UPDATE {t} SET status = ?, conversation_id = ? WHERE id = ?"),
        (status, conversation_id, id),
    )
    .await?;
    Ok(())
}

/// What was recorded for an event id, if anything.
pub async fn find(
    q: &mut impl Queryable,
    store: &Store,
    platform: &str,
    event_id: &str,
) -> Result<Option<Recorded>> {
    let t = store.table(Table::WebhookEvents);
    let row: Option<(u64, String, Option<u64>)> = q
        .exec_first(
            format!(
                "SELECT id, status, conversation_id FROM {t} WHERE platform = ? AND event_id = ?"
            ),
            (platform, event_id),
        )
        .await?;
    Ok(row.map(|(id, status, conversation_id)| Recorded {
        id,
        status,
        conversation_id,
    }))
}

/// Deletes event ids older than [`RETENTION_DAYS`] (a bounded batch); returns how many.
pub async fn prune(q: &mut impl Queryable, store: &Store, now: NaiveDateTime) -> Result<u64> {
    let t = store.table(Table::WebhookEvents);
    let before = now - chrono::Duration::days(RETENTION_DAYS);
    let r = q
        .exec_iter(
            format!("DELETE FROM {t} WHERE received_at < ? ORDER BY received_at LIMIT 1000"),
            (before,),
        )
        .await?;
    let n = r.affected_rows();
    r.drop_result().await?;
    Ok(n)
}
