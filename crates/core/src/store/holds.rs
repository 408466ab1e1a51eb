//! SQL for `{prefix}bkx_chat_booking_holds`: slots a conversation is offering, kept from
//! other conversations for a few minutes. Times are UTC. Expired rows are ignored by every
//! read and swept by the next hold.

use chrono::{DateTime, NaiveDateTime, Utc};
use mysql_async::prelude::*;

use super::{Store, Table};
use crate::error::Result;

/// One held slot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hold {
    /// Random id (given to the client that releases it).
    pub id: String,
    /// Who holds it.
    pub conversation_id: u64,
    /// The resource.
    pub resource_id: u64,
    /// The service.
    pub service_id: u64,
    /// From (UTC).
    pub starts_at: NaiveDateTime,
    /// Until (UTC, exclusive).
    pub ends_at: NaiveDateTime,
    /// When it lapses (UTC).
    pub expires_at: NaiveDateTime,
}

type Row = (
    String,
    u64,
    u64,
    u64,
    NaiveDateTime,
    NaiveDateTime,
    NaiveDateTime,
);

fn from_row(r: Row) -> Hold {
    Hold {
        id: r.0,
        conversation_id: r.1,
        resource_id: r.2,
        service_id: r.3,
        starts_at: r.4,
        ends_at: r.5,
        expires_at: r.6,
    }
}

const COLUMNS: &str =
    "id, conversation_id, resource_id, service_id, starts_at, ends_at, expires_at";

/// Unexpired holds of `resource` overlapping `[from, to)`, locked for the transaction.
pub async fn overlapping(
    q: &mut impl Queryable,
    store: &Store,
    resource: u64,
    from: NaiveDateTime,
    to: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<Vec<Hold>> {
    let t = store.table(Table::BookingHolds);
    let rows: Vec<Row> = q
        .exec(
            format!(
                "SELECT {COLUMNS} FROM {t} WHERE resource_id = ? AND starts_at < ? AND ends_at > ? \
                 AND expires_at > ? FOR UPDATE"
            ),
            (resource, to, from, now),
        )
        .await?;
    Ok(rows.into_iter().map(from_row).collect())
}

/// Unexpired holds of `resources` overlapping `[from, to)`.
pub async fn active(
    q: &mut impl Queryable,
    store: &Store,
    resources: &[u64],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Vec<Hold>> {
    if resources.is_empty() {
        return Ok(Vec::new());
    }
    let t = store.table(Table::BookingHolds);
    let ids: Vec<String> = resources.iter().map(u64::to_string).collect();
    let rows: Vec<Row> = q
        .exec(
            format!(
                "SELECT {COLUMNS} FROM {t} WHERE resource_id IN ({}) AND starts_at < ? \
                 AND ends_at > ? AND expires_at > ?",
                ids.join(",")
            ),
            (to.naive_utc(), from.naive_utc(), now.naive_utc()),
        )
        .await?;
    Ok(rows.into_iter().map(from_row).collect())
}

/// Stores a hold.
pub async fn insert(
    q: &mut impl Queryable,
    store: &Store,
    h: &Hold,
    now: NaiveDateTime,
) -> Result<()> {
    let t = store.table(Table::BookingHolds);
    q.exec_drop(
        format!("INSERT INTO {t} ({COLUMNS}, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
        (
            &h.id,
            h.conversation_id,
            h.resource_id,
            h.service_id,
            h.starts_at,
            h.ends_at,
            h.expires_at,
            now,
        ),
    )
    .await?;
    Ok(())
}

/// Moves a hold's expiry.
pub async fn extend(
    q: &mut impl Queryable,
    store: &Store,
    id: &str,
    expires_at: NaiveDateTime,
) -> Result<()> {
    let t = store.table(Table::BookingHolds);
    q.exec_drop(
        format!("UPDATE {t} SET expires_at = ? WHERE id = ?"),
        (expires_at, id),
    )
    .await?;
    Ok(())
}

/// Deletes a hold; true when it existed.
pub async fn delete(q: &mut impl Queryable, store: &Store, id: &str) -> Result<bool> {
    let t = store.table(Table::BookingHolds);
    let r = q
        .exec_iter(format!("DELETE FROM {t} WHERE id = ?"), (id,))
        .await?;
    let n = r.affected_rows();
    r.drop_result().await?;
    Ok(n > 0)
}

/// Deletes holds that lapsed before `now`.
pub async fn sweep(q: &mut impl Queryable, store: &Store, now: NaiveDateTime) -> Result<()> {
    let t = store.table(Table::BookingHolds);
    q.exec_drop(format!("DELETE FROM {t} WHERE expires_at <= ?"), (now,))
        .await?;
    Ok(())
}
