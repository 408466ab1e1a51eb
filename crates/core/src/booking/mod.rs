//! The booking assistant: what the chat can say and do about bookings — free start times,
//! prices, slot checks and holds, booking links, and the card messages that carry them.
//!
//! It computes on a *catalog* the booking system's adapter gathers (the WordPress plugin's
//! `BookingProvider` reads BookingX's storage; `docs/booking.md` documents the shape), so the
//! rules live once, here, tested without PHP, and must agree with what BookingX itself
//! accepts. Creating the booking stays with the booking system (its e-mails and hooks);
//! this module re-checks the slot first. Holds are the only state, in MySQL, so every PHP
//! worker and every conversation sees them.
//!
//! - [`catalog`]: the catalog's types and the site time zone;
//! - [`availability`]: BookingX's slot rules;
//! - [`quote`]: BookingX's price, tax and deposit rules;
//! - [`cards`]: the `booking_slots`, `quote`, `booking_link` and `booking` card shapes;
//! - [`format`]: money and labels for the visitor's locale.

pub mod availability;
pub mod cards;
pub mod catalog;
pub mod format;
pub mod quote;

use std::future::Future;
use std::task::Poll;

use chrono::{DateTime, Duration, FixedOffset, Utc};
use mysql_async::TxOpts;
use serde_json::{json, Map, Value};

use crate::chat::finish;
use crate::error::{Error, ErrorCode, Result};
use crate::input::Input;
use crate::store::holds::{self, Hold};
use crate::store::Store;
use availability::{Block, Query};
use catalog::{parse_date, Catalog};

/// Longest hold, in seconds.
pub const MAX_HOLD_SECONDS: i64 = 1800;

/// Default hold, in seconds.
pub const DEFAULT_HOLD_SECONDS: i64 = 300;

/// An id and its name (the extras of an availability answer).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Named {
    pub id: u64,
    pub name: String,
}

/// The answer of [`BookingAssistant::availability_in`]; serialises to the documented
/// availability shape (field order included).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Availability {
    pub service_id: u64,
    pub service_name: String,
    /// The asked resource; `None` for any resource.
    pub resource_id: Option<u64>,
    pub resource_name: Option<String>,
    pub extras: Vec<Named>,
    pub extension: i64,
    pub date_from: String,
    pub date_to: String,
    pub timezone: String,
    pub slots: Vec<availability::SlotView>,
}

/// The assistant; with a store it honours and manages holds.
#[derive(Clone)]
pub struct BookingAssistant {
    store: Option<Store>,
}

/// Reads the `extras` list (ids as ints or digit strings).
fn extras(i: &Input) -> Result<Vec<u64>> {
    match i.get("extras") {
        None => Ok(Vec::new()),
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| match v {
                Value::Number(n) => n.as_u64().filter(|n| *n > 0),
                Value::String(s) => s.trim().parse().ok().filter(|n| *n > 0),
                _ => None,
            })
            .map(|x| x.ok_or_else(|| Error::invalid("extras", "extras must be a list of ids")))
            .collect(),
        Some(_) => Err(Error::invalid("extras", "extras must be a list of ids")),
    }
}

/// `resource_id`: an id, or `any` / empty / absent for any resource.
fn resource(i: &Input) -> Result<Option<u64>> {
    match i.get("resource_id") {
        None => Ok(None),
        Some(Value::String(s)) if s.is_empty() || s.eq_ignore_ascii_case("any") => Ok(None),
        Some(_) => i.opt_id("resource_id"),
    }
}

/// Reads a query map (`service_id`, `resource_id`, `extras`, `extension`, `date` or
/// `date_from`/`date_to`, `conversation_id`, `locale`).
pub fn parse_query(m: &Map<String, Value>) -> Result<Query> {
    let i = Input(m);
    let service_id = i
        .opt_id("service_id")?
        .ok_or_else(|| Error::invalid("service_id", "service_id is required"))?;
    let date = i.opt_str("date", 10)?;
    let from = match (date, i.opt_str("date_from", 10)?) {
        (_, Some(f)) if !f.is_empty() => parse_date("date_from", f)?,
        (Some(d), _) if !d.is_empty() => parse_date("date", d)?,
        _ => Utc::now().date_naive(),
    };
    let to = match i.opt_str("date_to", 10)? {
        Some(t) if !t.is_empty() => parse_date("date_to", t)?,
        _ => from,
    };
    Ok(Query {
        service_id,
        resource_id: resource(&i)?,
        extras: extras(&i)?,
        extension: i.opt_int("extension", 0, 100)?.unwrap_or(0),
        date_from: from,
        date_to: to,
        conversation_id: i.opt_id("conversation_id")?,
        locale: i.opt_str("locale", 20)?.unwrap_or("en_US").to_owned(),
    })
}

fn rfc3339(field: &str, v: Option<&str>) -> Result<DateTime<FixedOffset>> {
    v.and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .ok_or_else(|| Error::invalid(field, format!("{field} must be an RFC 3339 time")))
}

impl BookingAssistant {
    /// An assistant; `store` is where holds live (none: holds are unavailable).
    pub fn new(store: Option<Store>) -> BookingAssistant {
        BookingAssistant { store }
    }

    fn store(&self) -> Result<&Store> {
        self.store.as_ref().ok_or_else(|| {
            Error::new(
                ErrorCode::BookingError,
                "slot holds need the database (construct the assistant with `db`)",
            )
        })
    }

    /// Holds of other conversations over the query's window, as blocks.
    async fn blocks(&self, c: &Catalog, q: &Query) -> Result<Vec<Block>> {
        let Some(store) = &self.store else {
            return Ok(Vec::new());
        };
        let zone = c.zone()?;
        let start = zone
            .instant(q.date_from, chrono::NaiveTime::MIN)
            .map_or_else(Utc::now, |d| d.with_timezone(&Utc))
            - Duration::days(1);
        let end = start + Duration::days((q.date_to - q.date_from).num_days() + 3);
        let resources: Vec<u64> = c.resources.iter().map(|r| r.id).collect();
        let mut conn = store.pool().get_conn().await?;
        let rows = holds::active(&mut conn, store, &resources, start, end, Utc::now()).await?;
        Ok(rows
            .into_iter()
            .filter(|h| Some(h.conversation_id) != q.conversation_id)
            .map(|h| Block {
                resource_id: h.resource_id,
                start: h.starts_at.and_utc(),
                end: h.ends_at.and_utc(),
            })
            .collect())
    }

    /// Free start times: `{service_id, service_name, resource_id, resource_name, extras,
    /// extension, date_from, date_to, timezone, slots}`.
    pub async fn availability(&self, catalog: &Value, query: &Map<String, Value>) -> Result<Value> {
        let c = Catalog::from_json(catalog)?;
        let a = self.availability_in(&c, query).await?;
        serde_json::to_value(a)
            .map_err(|e| Error::new(ErrorCode::BookingError, format!("availability: {e}")))
    }

    /// [`BookingAssistant::availability`] on a parsed catalog, typed (callers that build
    /// their own values, like the PHP binding, skip the JSON tree).
    pub async fn availability_in(
        &self,
        c: &Catalog,
        query: &Map<String, Value>,
    ) -> Result<Availability> {
        let q = parse_query(query)?;
        // The holds look-up goes out first and the search runs while the database answers:
        // a hold exists only while a conversation offers a slot, so the answer without
        // holds is nearly always the answer (otherwise the search runs again with them).
        let mut holds = std::pin::pin!(self.blocks(c, &q));
        let early = std::future::poll_fn(|cx| Poll::Ready(holds.as_mut().poll(cx))).await;
        let without_holds = availability::find(c, &q, &[]);
        let blocks = match early {
            Poll::Ready(b) => b,
            Poll::Pending => holds.await,
        }?;
        let found = if blocks.is_empty() {
            without_holds?
        } else {
            availability::find(c, &q, &blocks)?
        };
        let s = c.service(q.service_id)?;
        let extras = c
            .extras_by_ids(&q.extras)?
            .iter()
            .map(|e| Named {
                id: e.id,
                name: e.name.clone(),
            })
            .collect();
        let resource = q.resource_id.and_then(|id| c.resource(id).ok());
        Ok(Availability {
            service_id: s.id,
            service_name: s.name.clone(),
            resource_id: q.resource_id,
            resource_name: resource.map(|r| r.name.clone()),
            extras,
            extension: q.extension,
            date_from: q.date_from.format("%Y-%m-%d").to_string(),
            date_to: q.date_to.format("%Y-%m-%d").to_string(),
            timezone: c.timezone.clone(),
            slots: found
                .iter()
                .map(|x| availability::slot_view(c, x, &q.locale))
                .collect(),
        })
    }

    /// The price of a query (the `quote` card shape).
    pub fn quote(&self, catalog: &Value, query: &Map<String, Value>) -> Result<Value> {
        self.quote_in(&Catalog::from_json(catalog)?, query)
    }

    /// [`BookingAssistant::quote`] on a parsed catalog.
    pub fn quote_in(&self, c: &Catalog, query: &Map<String, Value>) -> Result<Value> {
        quote::quote(c, &parse_query(query)?)
    }

    /// Whether a slot (`start`, `resource_id`, `service_id`, `extras`, `extension`,
    /// `conversation_id`) is still free: `{available, reason?}`.
    pub async fn verify_slot(&self, catalog: &Value, slot: &Map<String, Value>) -> Result<Value> {
        self.verify_slot_in(&Catalog::from_json(catalog)?, slot)
            .await
    }

    /// [`BookingAssistant::verify_slot`] on a parsed catalog.
    pub async fn verify_slot_in(&self, c: &Catalog, slot: &Map<String, Value>) -> Result<Value> {
        let i = Input(slot);
        let start = rfc3339("start", i.opt_str("start", 40)?)?;
        let resource_id = i
            .opt_id("resource_id")?
            .ok_or_else(|| Error::invalid("resource_id", "resource_id is required"))?;
        let mut q = parse_query(slot)?;
        q.resource_id = Some(resource_id);
        let day = c.zone()?.local(start.with_timezone(&Utc)).date_naive();
        q.date_from = day;
        q.date_to = day;
        let blocks = self.blocks(c, &q).await?;
        let free = availability::is_free(c, &q, start, resource_id, &blocks)?;
        let held = !free && availability::is_free(c, &q, start, resource_id, &[])?;
        Ok(json!({
            "available": free,
            "reason": if free { Value::Null } else if held { "held".into() } else { "taken".into() },
        }))
    }

    /// Holds a slot for a conversation for `ttl` seconds: `{hold_id, expires_at, ...}`;
    /// `booking_unavailable` when another conversation holds an overlapping slot.
    pub async fn hold(
        &self,
        slot: &Map<String, Value>,
        conversation_id: u64,
        ttl: i64,
    ) -> Result<Value> {
        let store = self.store()?;
        if conversation_id == 0 {
            return Err(Error::invalid(
                "conversation_id",
                "conversation_id must be a positive integer",
            ));
        }
        if !(1..=MAX_HOLD_SECONDS).contains(&ttl) {
            return Err(Error::invalid(
                "ttl",
                format!("a hold lasts 1 to {MAX_HOLD_SECONDS} seconds"),
            )
            .with("max", MAX_HOLD_SECONDS));
        }
        let i = Input(slot);
        let start = rfc3339("start", i.opt_str("start", 40)?)?.with_timezone(&Utc);
        let end = match i.opt_str("end", 40)? {
            Some(e) if !e.is_empty() => rfc3339("end", Some(e))?.with_timezone(&Utc),
            _ => start + Duration::minutes(15),
        };
        if end <= start {
            return Err(Error::invalid("end", "end must be after start"));
        }
        let resource_id = i
            .opt_id("resource_id")?
            .ok_or_else(|| Error::invalid("resource_id", "resource_id is required"))?;
        let service_id = i.opt_id("service_id")?.unwrap_or(0);
        let now = Utc::now();
        let expires = now + Duration::seconds(ttl);
        let mut tx = store.pool().start_transaction(TxOpts::default()).await?;
        let r = async {
            holds::sweep(&mut tx, store, now.naive_utc()).await?;
            let existing = holds::overlapping(
                &mut tx,
                store,
                resource_id,
                start.naive_utc(),
                end.naive_utc(),
                now.naive_utc(),
            )
            .await?;
            if let Some(other) = existing
                .iter()
                .find(|h| h.conversation_id != conversation_id)
            {
                return Err(Error::new(
                    ErrorCode::BookingUnavailable,
                    "another conversation is holding this time",
                )
                .with("held_until", other.expires_at.and_utc().to_rfc3339()));
            }
            if let Some(mine) = existing
                .iter()
                .find(|h| h.starts_at == start.naive_utc() && h.ends_at == end.naive_utc())
            {
                holds::extend(&mut tx, store, &mine.id, expires.naive_utc()).await?;
                return Ok(mine.id.clone());
            }
            let id = crate::token::random_id()?;
            let h = Hold {
                id: id.clone(),
                conversation_id,
                resource_id,
                service_id,
                starts_at: start.naive_utc(),
                ends_at: end.naive_utc(),
                expires_at: expires.naive_utc(),
            };
            holds::insert(&mut tx, store, &h, now.naive_utc()).await?;
            Ok(id)
        }
        .await;
        let id = finish(tx, r).await?;
        Ok(json!({
            "hold_id": id,
            "conversation_id": conversation_id,
            "resource_id": resource_id,
            "start": start.to_rfc3339(),
            "end": end.to_rfc3339(),
            "expires_at": expires.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        }))
    }

    /// Releases a hold (releasing one that lapsed or never existed is harmless).
    pub async fn release_hold(&self, hold_id: &str) -> Result<bool> {
        let store = self.store()?;
        if hold_id.is_empty()
            || hold_id.len() > 32
            || !hold_id.bytes().all(|b| b.is_ascii_hexdigit())
        {
            return Err(Error::invalid("hold_id", "hold_id is not a hold id"));
        }
        let mut conn = store.pool().get_conn().await?;
        holds::delete(&mut conn, store, hold_id).await
    }

    /// A booking link (booking page + BookingX deep link + our pre-fill parameters) and a
    /// payment link when a gateway is active: the `booking_link` card.
    pub fn booking_link(&self, catalog: &Value, query: &Map<String, Value>) -> Result<Value> {
        let c = Catalog::from_json(catalog)?;
        cards::booking_link(&c, &parse_query(query)?, query)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_read_leniently_and_checked_strictly() {
        let q = parse_query(
            json!({"service_id": "7", "resource_id": "any", "extras": ["9", 10], "extension": "2", "date": "2027-03-22"})
                .as_object()
                .unwrap(),
        )
        .unwrap();
        assert_eq!(
            (q.service_id, q.resource_id, q.extras.clone(), q.extension),
            (7, None, vec![9, 10], 2)
        );
        assert_eq!(q.date_from, q.date_to);
        for bad in [
            json!({}),
            json!({"service_id": 7, "extras": "9"}),
            json!({"service_id": 7, "date_from": "22/03/2027"}),
            json!({"service_id": 7, "resource_id": -1}),
        ] {
            assert_eq!(
                parse_query(bad.as_object().unwrap()).unwrap_err().code,
                ErrorCode::InvalidArgument,
                "{bad}"
            );
        }
    }
}
