//! `BookingAssistant`: availability, quotes, slot checks and holds, links and cards.
//!
//! Translation only: the rules are `bkx_core::booking`. Arrays in (the adapter's catalog and
//! the query), arrays out. With `db` in the configuration, holds are stored and honoured;
//! without it, everything but holds works on the catalog alone.

// PHP sees the Rust parameter names (named arguments, stubs): camelCase as documented.
#![allow(non_snake_case)]

use bkx_core::booking::catalog::Catalog;
use bkx_core::booking::{cards, Availability, BookingAssistant as Core, DEFAULT_HOLD_SECONDS};
use bkx_core::input::Input;
use bkx_core::store::DbConfig;
use bkx_core::{Error, ErrorCode, Result};
use ext_php_rs::boxed::ZBox;
use ext_php_rs::prelude::*;
use ext_php_rs::types::ZendHashTable;
use serde_json::{Map, Value};

use crate::chat_manager::parse_db;
use crate::convert::{array_to_map, json_to_array, php_err, with_array_json, PhpStr};
use crate::errors::IntoPhp;
use crate::runtime::with_service;

/// The booking assistant of the chat (see `docs/booking.md`).
#[php_class]
#[php(name = "BookingX\\Addons\\LiveChat\\BookingAssistant")]
pub struct BookingAssistant {
    db: Option<DbConfig>,
}

fn arr(v: &Value) -> PhpResult<ZBox<ZendHashTable>> {
    json_to_array(v).php()
}

fn map(ht: &ZendHashTable, field: &str) -> PhpResult<Map<String, Value>> {
    array_to_map(ht, field).php()
}

/// The adapter's catalog, parsed straight into its type (a catalog holds every booking of
/// the window: thousands of entries, so no intermediate JSON tree).
fn catalog(ht: &ZendHashTable) -> PhpResult<Catalog> {
    with_array_json(ht, "catalog", Catalog::from_json_slice).php()
}

/// The availability answer as PHP arrays, built directly (about a thousand slots for a
/// month of a busy site).
fn availability_array(a: &Availability) -> Result<ZBox<ZendHashTable>> {
    let extras = serde_json::to_value(&a.extras)
        .map_err(|e| Error::new(ErrorCode::BookingError, format!("availability: {e}")))?;
    let mut out = ZendHashTable::with_capacity(10);
    out.insert("service_id", a.service_id).map_err(php_err)?;
    out.insert("service_name", a.service_name.as_str())
        .map_err(php_err)?;
    out.insert("resource_id", a.resource_id).map_err(php_err)?;
    out.insert("resource_name", a.resource_name.clone())
        .map_err(php_err)?;
    out.insert("extras", json_to_array(&extras)?)
        .map_err(php_err)?;
    out.insert("extension", a.extension).map_err(php_err)?;
    out.insert("date_from", a.date_from.as_str())
        .map_err(php_err)?;
    out.insert("date_to", a.date_to.as_str()).map_err(php_err)?;
    out.insert("timezone", a.timezone.as_str())
        .map_err(php_err)?;
    let mut slots = ZendHashTable::with_capacity(u32::try_from(a.slots.len()).unwrap_or(u32::MAX));
    for s in &a.slots {
        let mut h = ZendHashTable::with_capacity(8);
        h.insert("date", s.date.as_str()).map_err(php_err)?;
        h.insert("time", s.time.as_str()).map_err(php_err)?;
        h.insert("start", s.start.as_str()).map_err(php_err)?;
        h.insert("end", s.end.as_str()).map_err(php_err)?;
        h.insert("resource_id", s.resource_id).map_err(php_err)?;
        h.insert("resource_name", s.resource_name.as_str())
            .map_err(php_err)?;
        h.insert("all_day", s.all_day).map_err(php_err)?;
        h.insert("label", s.label.as_str()).map_err(php_err)?;
        slots.push(h).map_err(php_err)?;
    }
    out.insert("slots", slots).map_err(php_err)?;
    Ok(out)
}

impl BookingAssistant {
    /// Runs `f` with the core assistant: on the process's pool when a database is
    /// configured, else on a throwaway runtime (nothing is awaited on I/O then).
    fn run<T, F, Fut>(&self, f: F) -> PhpResult<T>
    where
        F: FnOnce(Core) -> Fut,
        Fut: std::future::Future<Output = Result<T>>,
    {
        match &self.db {
            Some(db) => with_service(db, "custom", |s| f(Core::new(Some(s.store().clone())))).php(),
            None => {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| Error::new(ErrorCode::BookingError, format!("no runtime: {e}")))
                    .php()?;
                rt.block_on(f(Core::new(None))).php()
            }
        }
    }
}

#[php_impl]
impl BookingAssistant {
    /// `$config = ['db' => [...] /* optional: holds */, 'settings' => [...]]` (as ChatManager).
    pub fn __construct(config: &ZendHashTable) -> PhpResult<Self> {
        let m = map(config, "config")?;
        let db = match Input(&m).opt_map("db").php()? {
            Some(d) => Some(parse_db(d).php()?),
            None => None,
        };
        Ok(BookingAssistant { db })
    }

    /// Free start times for the query over the catalog: `['slots' => [...], 'timezone' => ...]`.
    pub fn availability(
        &self,
        catalog: &ZendHashTable,
        query: &ZendHashTable,
    ) -> PhpResult<ZBox<ZendHashTable>> {
        let c = self::catalog(catalog)?;
        let q = map(query, "query")?;
        let v = self.run(|a| async move { a.availability_in(&c, &q).await })?;
        availability_array(&v).php()
    }

    /// The price of the query (the `quote` card shape).
    pub fn quote(
        &self,
        catalog: &ZendHashTable,
        query: &ZendHashTable,
    ) -> PhpResult<ZBox<ZendHashTable>> {
        let c = self::catalog(catalog)?;
        let q = map(query, "query")?;
        arr(&Core::new(None).quote_in(&c, &q).php()?)
    }

    /// Whether a slot is still free: `['available' => bool, 'reason' => null|'taken'|'held']`.
    pub fn verifySlot(
        &self,
        catalog: &ZendHashTable,
        slot: &ZendHashTable,
    ) -> PhpResult<ZBox<ZendHashTable>> {
        let c = self::catalog(catalog)?;
        let s = map(slot, "slot")?;
        let v = self.run(|a| async move { a.verify_slot_in(&c, &s).await })?;
        arr(&v)
    }

    /// Holds a slot for a conversation (default 300 s, at most 1 800 s); a BookingException
    /// `booking_unavailable` when another conversation holds it.
    pub fn hold(
        &self,
        slot: &ZendHashTable,
        conversationId: i64,
        ttlSeconds: Option<i64>,
    ) -> PhpResult<ZBox<ZendHashTable>> {
        let s = map(slot, "slot")?;
        let conversation = u64::try_from(conversationId)
            .ok()
            .filter(|c| *c > 0)
            .ok_or_else(|| {
                Error::invalid(
                    "conversationId",
                    "conversationId must be a positive integer",
                )
            })
            .php()?;
        let ttl = ttlSeconds.unwrap_or(DEFAULT_HOLD_SECONDS);
        let v = self.run(|a| async move { a.hold(&s, conversation, ttl).await })?;
        arr(&v)
    }

    /// Releases a hold; true when it was still there.
    pub fn releaseHold(&self, holdId: PhpStr) -> PhpResult<bool> {
        let id = holdId.utf8("holdId").php()?.to_owned();
        self.run(|a| async move { a.release_hold(&id).await })
    }

    /// The booking link (`url`, `label`, `payment_url`) for the query; the catalog carries
    /// `links` (booking page, deep link arguments, active payment gateways).
    pub fn bookingLink(
        &self,
        catalog: &ZendHashTable,
        query: &ZendHashTable,
    ) -> PhpResult<ZBox<ZendHashTable>> {
        let c = Value::Object(map(catalog, "catalog")?);
        let q = map(query, "query")?;
        arr(&Core::new(None).booking_link(&c, &q).php()?)
    }

    /// The `booking_slots` card from an availability answer (`hold_until` in the query).
    pub fn slotsCard(
        &self,
        availability: &ZendHashTable,
        query: Option<&ZendHashTable>,
    ) -> PhpResult<ZBox<ZendHashTable>> {
        let a = map(availability, "availability")?;
        let q = match query {
            Some(q) => map(q, "query")?,
            None => Map::new(),
        };
        arr(&cards::slots_card(&a, &q).php()?)
    }

    /// The `quote` card of a quote answer.
    pub fn quoteCard(&self, quote: &ZendHashTable) -> PhpResult<ZBox<ZendHashTable>> {
        arr(&cards::quote_card(&map(quote, "quote")?).php()?)
    }

    /// The `booking` card of a created booking.
    pub fn bookingCard(&self, booking: &ZendHashTable) -> PhpResult<ZBox<ZendHashTable>> {
        arr(&cards::booking_card(&map(booking, "booking")?).php()?)
    }
}
