//! SQL for `{prefix}bkx_chat_triggers` (the rules) and `{prefix}bkx_chat_trigger_events`
//! (what visitors were offered and did: `offered`, `impression`, `accept`, `dismiss`,
//! `chat_started`, `booking_created`). Visitors appear only as a hash of their random key.

use std::sync::{Arc, Mutex};

use chrono::NaiveDateTime;
use mysql_async::prelude::*;
use serde_json::Value;

use super::{Store, Table};
use crate::engagement::conditions;
use crate::engagement::engine::History;
use crate::engagement::rules::Rule;
use crate::error::Result;

type Row = (
    u64,
    String,
    String,
    String,
    String,
    i64,
    i64,
    i64,
    i64,
    i64,
    Option<String>,
);

const COLUMNS: &str = "id, name, trigger_type, conditions, message, delay_seconds, priority, \
    is_active, trigger_count, conversion_count, settings";

fn from_row(r: Row) -> Rule {
    let conditions = serde_json::from_str::<Value>(&r.3)
        .ok()
        .and_then(|v| conditions::parse(&v).ok())
        .unwrap_or_default();
    let mut rule = Rule {
        id: r.0,
        name: r.1,
        trigger_type: r.2,
        conditions,
        message: r.4,
        variants: Vec::new(),
        delay_seconds: r.5,
        priority: r.6,
        is_active: r.7 != 0,
        caps: Default::default(),
        pre: Default::default(),
        trigger_count: r.8,
        conversion_count: r.9,
    };
    if let Some(v) =
        r.10.as_deref()
            .and_then(|s| serde_json::from_str::<Value>(s).ok())
    {
        rule.apply_settings(&v);
    }
    rule
}

/// All rules (or only the active ones), priority order.
pub async fn list(q: &mut impl Queryable, store: &Store, active_only: bool) -> Result<Vec<Rule>> {
    let t = store.table(Table::Triggers);
    let filter = if active_only {
        "WHERE is_active = 1"
    } else {
        ""
    };
    let rows: Vec<Row> = q
        .query(format!(
            "SELECT {COLUMNS} FROM {t} {filter} ORDER BY priority, id"
        ))
        .await?;
    Ok(rows.into_iter().map(from_row).collect())
}

/// The last active rule set a process read, shared by the clones of its [`Store`].
pub(crate) type RuleCache = Arc<Mutex<Option<(Fingerprint, Arc<Vec<Rule>>)>>>;

/// What the active rules' decision fields add up to: their number and the sum of one CRC-32
/// per row (counters left out: they move with every prompt shown, decisions never read them).
type Fingerprint = (u64, u64);

/// The active rules in decision order, read again only when their fingerprint changed.
///
/// Why: a decision over every rule spent almost all its time moving and parsing a thousand
/// rows (conditions and settings are JSON) on every call; the fingerprint is one row the
/// server computes. An edit made between the two reads is caught by the next call's
/// fingerprint, so a stale set never outlives one decision.
pub async fn active(q: &mut impl Queryable, store: &Store) -> Result<Arc<Vec<Rule>>> {
    let t = store.table(Table::Triggers);
    let row: Option<(u64, u64)> = q
        .query_first(format!(
            "SELECT COUNT(*), CAST(COALESCE(SUM(CRC32(CONCAT_WS(0x1f, id, name, trigger_type, \
             conditions, message, delay_seconds, priority, IFNULL(settings, 0x00)))), 0) \
             AS UNSIGNED) FROM {t} WHERE is_active = 1"
        ))
        .await?;
    let print = row.unwrap_or_default();
    let cache = &store.active_rules;
    if let Some((seen, rules)) = cache.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
        if *seen == print {
            return Ok(Arc::clone(rules));
        }
    }
    let rules = Arc::new(list(q, store, true).await?);
    *cache.lock().unwrap_or_else(|p| p.into_inner()) = Some((print, Arc::clone(&rules)));
    Ok(rules)
}

/// Rules by id (unknown ids are left out).
pub async fn by_ids(q: &mut impl Queryable, store: &Store, ids: &[u64]) -> Result<Vec<Rule>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let t = store.table(Table::Triggers);
    let list: Vec<String> = ids.iter().map(u64::to_string).collect();
    let rows: Vec<Row> = q
        .query(format!(
            "SELECT {COLUMNS} FROM {t} WHERE id IN ({}) ORDER BY priority, id",
            list.join(",")
        ))
        .await?;
    Ok(rows.into_iter().map(from_row).collect())
}

/// One rule.
pub async fn get(q: &mut impl Queryable, store: &Store, id: u64) -> Result<Option<Rule>> {
    Ok(by_ids(q, store, &[id]).await?.pop())
}

/// Inserts or updates (by `id`); returns the id.
pub async fn save(
    q: &mut impl Queryable,
    store: &Store,
    r: &Rule,
    at: NaiveDateTime,
) -> Result<u64> {
    let t = store.table(Table::Triggers);
    let conditions = r.conditions.to_json().to_string();
    let settings = r.settings_json().to_string();
    if r.id == 0 {
        let res = q
            .exec_iter(
                format!(
                    "INSERT INTO {t} (name, trigger_type, conditions, message, delay_seconds, priority, \
                     is_active, settings, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                ),
                (
                    &r.name,
                    &r.trigger_type,
                    conditions,
                    &r.message,
                    r.delay_seconds,
                    r.priority,
                    r.is_active,
                    settings,
                    at,
                    at,
                ),
            )
            .await?;
        let id = res.last_insert_id().unwrap_or(0);
        res.drop_result().await?;
        Ok(id)
    } else {
        q.exec_drop(
            format!(
                "UPDATE {t} SET name = ?, trigger_type = ?, conditions = ?, message = ?, delay_seconds = ?, \
                 priority = ?, is_active = ?, settings = ?, updated_at = ? WHERE id = ?"
            ),
            (
                &r.name,
                &r.trigger_type,
                conditions,
                &r.message,
                r.delay_seconds,
                r.priority,
                r.is_active,
                settings,
                at,
                r.id,
            ),
        )
        .await?;
        Ok(r.id)
    }
}

/// Deletes a rule and its events; true when it existed.
pub async fn delete(q: &mut impl Queryable, store: &Store, id: u64) -> Result<bool> {
    let t = store.table(Table::Triggers);
    let e = store.table(Table::TriggerEvents);
    q.exec_drop(format!("DELETE FROM {e} WHERE rule_id = ?"), (id,))
        .await?;
    let r = q
        .exec_iter(format!("DELETE FROM {t} WHERE id = ?"), (id,))
        .await?;
    let n = r.affected_rows();
    r.drop_result().await?;
    Ok(n > 0)
}

/// Records an event (the arguments are the row's columns); `impression` counts into `trigger_count`, `chat_started` and
/// `booking_created` into `conversion_count`.
#[allow(clippy::too_many_arguments)]
pub async fn record(
    q: &mut impl Queryable,
    store: &Store,
    rule_id: u64,
    variant: &str,
    event: &str,
    visitor_hash: &str,
    conversation_id: Option<u64>,
    at: NaiveDateTime,
) -> Result<()> {
    let e = store.table(Table::TriggerEvents);
    q.exec_drop(
        format!(
            "INSERT INTO {e} (rule_id, variant, event, visitor_hash, conversation_id, created_at) \
             VALUES (?, ?, ?, ?, ?, ?)"
        ),
        (rule_id, variant, event, visitor_hash, conversation_id, at),
    )
    .await?;
    let t = store.table(Table::Triggers);
    let column = match event {
        "impression" => Some("trigger_count"),
        "chat_started" | "booking_created" => Some("conversion_count"),
        _ => None,
    };
    if let Some(c) = column {
        q.exec_drop(
            format!("UPDATE {t} SET {c} = {c} + 1 WHERE id = ?"),
            (rule_id,),
        )
        .await?;
    }
    Ok(())
}

/// How often the visitor was offered each rule: in the last 30 minutes, since `day_start`,
/// ever.
pub async fn history(
    q: &mut impl Queryable,
    store: &Store,
    visitor_hash: &str,
    session_start: NaiveDateTime,
    day_start: NaiveDateTime,
) -> Result<Vec<(u64, History)>> {
    let e = store.table(Table::TriggerEvents);
    let rows: Vec<(u64, i64, i64, i64)> = q
        .exec(
            format!(
                "SELECT rule_id, SUM(created_at >= ?), SUM(created_at >= ?), COUNT(*) FROM {e} \
                 WHERE visitor_hash = ? AND event = 'offered' GROUP BY rule_id"
            ),
            (session_start, day_start, visitor_hash),
        )
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, s, d, t)| {
            (
                id,
                History {
                    session: s as u32,
                    day: d as u32,
                    total: t as u32,
                },
            )
        })
        .collect())
}

/// Event counts of a rule per (variant, event).
pub async fn counts(
    q: &mut impl Queryable,
    store: &Store,
    rule_id: u64,
) -> Result<Vec<(String, String, i64)>> {
    let e = store.table(Table::TriggerEvents);
    Ok(q
        .exec(
            format!("SELECT variant, event, COUNT(*) FROM {e} WHERE rule_id = ? GROUP BY variant, event ORDER BY variant, event"),
            (rule_id,),
        )
        .await?)
}
