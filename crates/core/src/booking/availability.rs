//! Free start times, by BookingX 1.1.2's rules (`get_display_availability_slots` +
//! `get_verify_slot`), without the superglobals, computed on the catalog.
//!
//! The day is a grid of 15-minute slots numbered from 1 (00:00) — slot = H×4 + {1,2,3,4}.
//! A day's open slots run from the opening slot to the one before the closing slot; the
//! resource's own hours apply when it has them, else the business hours (a later group
//! naming the same day wins). A start is free when every slot its duration covers is free
//! of bookings in a holding status and its last slot is open. The duration is the service's
//! minutes plus the extras' (BookingX's `booking_form_generate_total_time`: the extension
//! does not lengthen a timed service). Days are closed by public holidays, the vacation, the
//! service's and the chosen extras' unavailable periods, the resource's day bookings and
//! (for day services) any of its bookings that day. Past starts are dropped, and so are
//! wall-clock times a DST change skips; each start carries the site's offset of its date.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveTime, Utc};
use serde_json::Value;

use super::catalog::{parse_date, parse_hhmm, Catalog, Resource, Service};
use crate::error::{Error, Result};

/// Longest window one query may ask for.
pub const MAX_DAYS: i64 = 62;

/// Minutes per slot.
const SLOT: i64 = 15;

/// What to look for.
#[derive(Debug, Clone)]
pub struct Query {
    /// Service.
    pub service_id: u64,
    /// A resource, or `None` for any resource of the service.
    pub resource_id: Option<u64>,
    /// Chosen extras.
    pub extras: Vec<u64>,
    /// Times the service is extended.
    pub extension: i64,
    /// First day (site time).
    pub date_from: NaiveDate,
    /// Last day (inclusive).
    pub date_to: NaiveDate,
    /// The asking conversation (its own holds do not hide slots).
    pub conversation_id: Option<u64>,
    /// Locale for labels (`de_DE`).
    pub locale: String,
}

/// A free start.
#[derive(Debug, Clone, PartialEq)]
pub struct Slot {
    /// Start, with the site's offset of that date.
    pub start: DateTime<FixedOffset>,
    /// End.
    pub end: DateTime<FixedOffset>,
    /// The concrete resource.
    pub resource_id: u64,
    /// Day services: the whole day(s).
    pub all_day: bool,
}

/// Something that blocks an interval of one resource (a slot held by another conversation).
#[derive(Debug, Clone)]
pub struct Block {
    /// Resource.
    pub resource_id: u64,
    /// From.
    pub start: DateTime<Utc>,
    /// Until (exclusive).
    pub end: DateTime<Utc>,
}

/// The total duration in minutes, as BookingX adds it up (`in_sec / 60`).
pub fn duration_minutes(
    service: &Service,
    extras: &[&super::catalog::Extra],
    extension: i64,
) -> i64 {
    let mut total = if service.time_option == "D" {
        // BookingX multiplies day durations by 60 again; they only matter for day services.
        (extension.max(0) * 1440 + service.days * 1440) * 60
    } else {
        service.minutes
    };
    for e in extras {
        total += if e.time_option == "D" {
            e.days * 1440 * 60
        } else {
            e.minutes
        };
    }
    total
}

/// The working hours of `r` on `d` as an open-slot range `first..=last`, if it works then.
fn open_range(c: &Catalog, r: &Resource, d: NaiveDate) -> Result<Option<(i64, i64)>> {
    let groups = if r.hours.is_empty() {
        &c.business_hours
    } else {
        &r.hours
    };
    let day = weekday_name(d);
    let mut found = None;
    for g in groups {
        if g.days.iter().any(|x| x.eq_ignore_ascii_case(day)) {
            found = Some(g);
        }
    }
    let Some(g) = found else { return Ok(None) };
    if g.open.trim().is_empty() {
        return Ok(None);
    }
    let open = parse_hhmm("open", &g.open)?;
    let close = parse_hhmm("close", &g.close)?;
    let first = open / SLOT + 1;
    let last = close / SLOT; // the slot before the closing one
    Ok((last >= first).then_some((first, last)))
}

fn weekday_name(d: NaiveDate) -> &'static str {
    match d.weekday() {
        chrono::Weekday::Mon => "Monday",
        chrono::Weekday::Tue => "Tuesday",
        chrono::Weekday::Wed => "Wednesday",
        chrono::Weekday::Thu => "Thursday",
        chrono::Weekday::Fri => "Friday",
        chrono::Weekday::Sat => "Saturday",
        chrono::Weekday::Sun => "Sunday",
    }
}

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

fn works_in_month(r: &Resource, d: NaiveDate) -> bool {
    let Some(months) = &r.months else { return true };
    if months.is_empty() {
        return true;
    }
    let m = d.month() as usize;
    months.iter().any(|v| match v {
        Value::Number(n) => n.as_u64() == Some(m as u64),
        Value::String(s) => {
            s.trim().parse::<usize>().ok() == Some(m)
                || s.trim().eq_ignore_ascii_case(MONTHS[m - 1])
        }
        _ => false,
    })
}

/// Days a day booking of `b` takes.
fn day_booking_days(b: &super::catalog::Booking) -> Vec<NaiveDate> {
    let mut days: Vec<NaiveDate> = Vec::new();
    if let Ok(d) = parse_date("date", &b.date) {
        days.push(d);
    }
    let multi: Vec<NaiveDate> = b
        .multi_days
        .iter()
        .filter_map(|s| parse_date("multi_days", s).ok())
        .collect();
    if let (Some(first), Some(last)) = (multi.first(), multi.last()) {
        let mut d = *first;
        while d <= *last && days.len() < 400 {
            days.push(d);
            d += Duration::days(1);
        }
    }
    days
}

/// The catalog's bookings and closures, indexed once per query (a query over 30 days and
/// 20 resources looks them up thousands of times).
struct Index {
    /// Booked slots per (resource, day) as a bit set (bit n = slot n; slots run 1..=100).
    booked: HashMap<(u64, NaiveDate), u128>,
    /// Days a resource has a day booking.
    day_booked: HashSet<(u64, NaiveDate)>,
    /// Days a resource has any timed booking (closed for day services).
    timed_booked: HashSet<(u64, NaiveDate)>,
    holidays: HashSet<NaiveDate>,
    vacation: Option<(NaiveDate, NaiveDate)>,
    /// The service's and the chosen extras' unavailable periods.
    unavailable: Vec<(NaiveDate, NaiveDate)>,
}

fn range_of(r: &Option<super::catalog::DateRange>) -> Option<(NaiveDate, NaiveDate)> {
    let r = r.as_ref()?;
    Some((
        parse_date("from", &r.from).ok()?,
        parse_date("to", &r.to).ok()?,
    ))
}

impl Index {
    fn new(c: &Catalog, s: &Service, extras: &[&super::catalog::Extra]) -> Index {
        let mut ix = Index {
            booked: HashMap::new(),
            day_booked: HashSet::new(),
            timed_booked: HashSet::new(),
            holidays: c
                .holidays
                .iter()
                .filter_map(|h| parse_date("holidays", h).ok())
                .collect(),
            vacation: range_of(&c.vacation),
            unavailable: std::iter::once(range_of(&s.unavailable))
                .chain(extras.iter().map(|e| range_of(&e.unavailable)))
                .flatten()
                .collect(),
        };
        for b in c.bookings.iter().filter(|b| b.holds()) {
            if b.time_option == "D" {
                for d in day_booking_days(b) {
                    ix.day_booked.insert((b.resource_id, d));
                }
                continue;
            }
            let Ok(d) = parse_date("date", &b.date) else {
                continue;
            };
            ix.timed_booked.insert((b.resource_id, d));
            let mask = ix.booked.entry((b.resource_id, d)).or_insert(0);
            for slot in &b.slots {
                if (1..128).contains(slot) {
                    *mask |= 1u128 << slot;
                }
            }
        }
        ix
    }

    /// Whether the day is closed for this service and resource.
    fn closed(&self, s: &Service, r: &Resource, d: NaiveDate) -> bool {
        self.holidays.contains(&d)
            || self.vacation.is_some_and(|(a, b)| a <= d && d <= b)
            || self.unavailable.iter().any(|(a, b)| *a <= d && d <= *b)
            || !works_in_month(r, d)
            || self.day_booked.contains(&(r.id, d))
            || (s.time_option == "D" && self.timed_booked.contains(&(r.id, d)))
    }

    /// Booked slots of `r` on `d`.
    fn booked(&self, r: &Resource, d: NaiveDate) -> u128 {
        self.booked.get(&(r.id, d)).copied().unwrap_or(0)
    }
}

fn slot_time(slot: i64) -> Option<NaiveTime> {
    let m = (slot - 1) * SLOT;
    NaiveTime::from_hms_opt((m / 60) as u32, (m % 60) as u32, 0)
}

/// The resources a query covers: the one asked (it must offer the service) or all of the
/// service's.
pub fn resources<'c>(
    c: &'c Catalog,
    s: &Service,
    resource_id: Option<u64>,
) -> Result<Vec<&'c Resource>> {
    match resource_id {
        Some(id) => {
            if !s.resource_ids.is_empty() && !s.resource_ids.contains(&id) {
                return Err(Error::invalid(
                    "resource_id",
                    "this resource does not offer the service",
                )
                .with("resource_id", id)
                .with("service_id", s.id));
            }
            Ok(vec![c.resource(id)?])
        }
        None => Ok(c
            .resources
            .iter()
            .filter(|r| s.resource_ids.contains(&r.id))
            .collect()),
    }
}

/// Every free start of the query, sorted by time then resource.
pub fn find(c: &Catalog, q: &Query, blocks: &[Block]) -> Result<Vec<Slot>> {
    let days = (q.date_to - q.date_from).num_days();
    if days < 0 {
        return Err(Error::invalid("date_to", "date_to is before date_from"));
    }
    if days >= MAX_DAYS {
        return Err(Error::invalid(
            "date_to",
            format!("ask for at most {MAX_DAYS} days at a time"),
        )
        .with("max_days", MAX_DAYS));
    }
    let s = c.service(q.service_id)?;
    let extras = c.extras_by_ids(&q.extras)?;
    if q.extension < 0 || (s.extension_limit > 0 && q.extension > s.extension_limit) {
        return Err(
            Error::invalid("extension", "the service cannot be extended that often")
                .with("max", s.extension_limit),
        );
    }
    let zone = c.zone()?;
    let now = c.now()?;
    let minutes = duration_minutes(s, &extras, q.extension);
    let ix = Index::new(c, s, &extras);
    let mut out = Vec::new();
    let mut rs = resources(c, s, q.resource_id)?;
    // "Any resource": the lowest id offers a start time first.
    rs.sort_by_key(|r| r.id);
    let mut offered = q
        .resource_id
        .is_none()
        .then(|| Offered::new(q.date_from, days));
    for r in rs {
        let mut d = q.date_from;
        while d <= q.date_to {
            if !ix.closed(s, r, d) {
                if let Some((first, last)) = open_range(c, r, d)? {
                    if s.time_option == "D" {
                        day_slot(s, q, r, d, first, last, &zone, now, &mut out)?;
                    } else {
                        let taken = ix.booked(r, d);
                        timed_slots(
                            r,
                            d,
                            (first, last),
                            minutes,
                            taken,
                            &zone,
                            now,
                            blocks,
                            offered.as_mut(),
                            &mut out,
                        );
                    }
                }
            }
            d += Duration::days(1);
        }
    }
    out.sort_by(|a, b| {
        a.start
            .cmp(&b.start)
            .then(a.resource_id.cmp(&b.resource_id))
    });
    // "Any resource": one offer per start time, the first free resource (by id).
    if q.resource_id.is_none() {
        out.dedup_by(|later, first| later.start == first.start && later.all_day == first.all_day);
    }
    Ok(out)
}

/// "Any resource": the start times (day, slot) some resource already offers — one bit per
/// slot of each day of the query (a set looked up for every candidate start: 24 000 times
/// for 30 days of 20 resources, where hashing was a tenth of the query).
struct Offered {
    from: NaiveDate,
    days: Vec<u128>,
}

impl Offered {
    fn new(from: NaiveDate, days: i64) -> Offered {
        Offered {
            from,
            days: vec![0; usize::try_from(days + 1).unwrap_or(0)],
        }
    }

    /// The day's bit set and the slot's bit, when both are in range.
    fn bit(&self, d: NaiveDate, slot: i64) -> Option<(usize, u128)> {
        let day = usize::try_from((d - self.from).num_days()).ok()?;
        let bit = u32::try_from(slot).ok().filter(|b| *b < 128)?;
        (day < self.days.len()).then_some((day, 1u128 << bit))
    }

    fn contains(&self, d: NaiveDate, slot: i64) -> bool {
        self.bit(d, slot)
            .is_some_and(|(day, bit)| self.days[day] & bit != 0)
    }

    fn insert(&mut self, d: NaiveDate, slot: i64) {
        if let Some((day, bit)) = self.bit(d, slot) {
            self.days[day] |= bit;
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn timed_slots(
    r: &Resource,
    d: NaiveDate,
    (first, last): (i64, i64),
    minutes: i64,
    taken: u128,
    zone: &super::catalog::Zone,
    now: DateTime<Utc>,
    blocks: &[Block],
    offered: Option<&mut Offered>,
    out: &mut Vec<Slot>,
) {
    // BookingX counts duration / 15 slots; a duration off the grid never fits its check.
    if minutes <= 0 || minutes % SLOT != 0 {
        return;
    }
    // One offset for the whole day unless a DST change falls on it (then per start).
    let day_offset = match (
        zone.instant(d, NaiveTime::MIN),
        zone.instant(
            d,
            NaiveTime::from_hms_opt(23, 59, 0).unwrap_or(NaiveTime::MIN),
        ),
    ) {
        (Some(a), Some(b)) if a.offset() == b.offset() => Some(*a.offset()),
        _ => None,
    };
    let mut offered = offered;
    let n = minutes / SLOT;
    for start in first..=last {
        let end_slot = start + n - 1;
        if end_slot > last || end_slot >= 128 {
            continue;
        }
        let span = if n >= 128 {
            u128::MAX
        } else {
            ((1u128 << n) - 1) << start
        };
        if taken & span != 0 {
            continue;
        }
        // "Any resource": a start time an earlier resource already offers is not offered twice.
        if offered.as_ref().is_some_and(|o| o.contains(d, start)) {
            continue;
        }
        let Some(t) = slot_time(start) else { continue };
        let at = match day_offset {
            Some(o) => {
                use chrono::TimeZone;
                o.from_local_datetime(&d.and_time(t)).single()
            }
            None => zone.instant(d, t),
        };
        let Some(at) = at else {
            continue;
        };
        if at.with_timezone(&Utc) <= now {
            continue;
        }
        let end = at + Duration::minutes(minutes);
        let (su, eu) = (at.with_timezone(&Utc), end.with_timezone(&Utc));
        if blocks
            .iter()
            .any(|b| b.resource_id == r.id && b.start < eu && su < b.end)
        {
            continue;
        }
        if let Some(o) = offered.as_mut() {
            o.insert(d, start);
        }
        out.push(Slot {
            start: at,
            end,
            resource_id: r.id,
            all_day: false,
        });
    }
}

#[allow(clippy::too_many_arguments)]
fn day_slot(
    s: &Service,
    q: &Query,
    r: &Resource,
    d: NaiveDate,
    first: i64,
    last: i64,
    zone: &super::catalog::Zone,
    now: DateTime<Utc>,
    out: &mut Vec<Slot>,
) -> Result<()> {
    let Some(open) = slot_time(first) else {
        return Ok(());
    };
    let Some(at) = zone.instant(d, open) else {
        return Ok(());
    };
    // A day still bookable today until it closes.
    let last_day = d + Duration::days((s.days.max(1) * (1 + q.extension.max(0))) - 1);
    let close_min = last * SLOT;
    let close = NaiveTime::from_hms_opt((close_min / 60) as u32 % 24, (close_min % 60) as u32, 0)
        .unwrap_or(NaiveTime::MIN);
    let end = zone
        .instant(last_day, close)
        .unwrap_or(at + Duration::days(last_day.signed_duration_since(d).num_days() + 1));
    if end.with_timezone(&Utc) <= now {
        return Ok(());
    }
    out.push(Slot {
        start: at,
        end,
        resource_id: r.id,
        all_day: true,
    });
    Ok(())
}

/// Whether one start is free (the re-check before creating a booking).
pub fn is_free(
    c: &Catalog,
    q: &Query,
    start: DateTime<FixedOffset>,
    resource_id: u64,
    blocks: &[Block],
) -> Result<bool> {
    let zone = c.zone()?;
    let local = zone.local(start.with_timezone(&Utc));
    let day = local.date_naive();
    let q = Query {
        resource_id: Some(resource_id),
        date_from: day,
        date_to: day,
        ..q.clone()
    };
    Ok(find(c, &q, blocks)?
        .iter()
        .any(|s| s.start == local && s.resource_id == resource_id))
}

/// One free start time as people and cards see it (the `booking_slots` slot shape):
/// typed, so a caller that does not need JSON (the PHP binding) builds its own values
/// without a detour through `serde_json::Value`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SlotView {
    /// Local date, `YYYY-MM-DD`.
    pub date: String,
    /// Local time, `HH:MM`.
    pub time: String,
    /// RFC 3339 start with the site's offset.
    pub start: String,
    /// RFC 3339 end.
    pub end: String,
    /// The concrete resource.
    pub resource_id: u64,
    /// Its name.
    pub resource_name: String,
    /// A day service's slot.
    pub all_day: bool,
    /// The start for the visitor's locale.
    pub label: String,
}

/// The view of one slot.
pub fn slot_view(c: &Catalog, s: &Slot, locale: &str) -> SlotView {
    use super::format::rfc3339;
    let name = c
        .resources
        .iter()
        .find(|r| r.id == s.resource_id)
        .map(|r| r.name.as_str())
        .unwrap_or_default();
    let start = rfc3339(&s.start);
    SlotView {
        date: start[..10].to_owned(),
        time: start[11..16].to_owned(),
        end: rfc3339(&s.end),
        start,
        resource_id: s.resource_id,
        resource_name: name.to_owned(),
        all_day: s.all_day,
        label: super::format::slot_label(&s.start, s.all_day, locale),
    }
}

/// The JSON of one slot (`{date, time, start, end, resource_id, resource_name, all_day,
/// label}`).
pub fn slot_json(c: &Catalog, s: &Slot, locale: &str) -> Value {
    serde_json::to_value(slot_view(c, s, locale)).unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::super::catalog::Catalog;
    use super::*;
    use serde_json::json;

    /// Berlin, business Mon–Fri 09:00–17:00; Anna works business hours, Ben Sundays
    /// 01:00–05:00 and Mondays 12:00–18:00; a 60-minute massage, a 30-minute extra and a
    /// day retreat. `now` is Saturday 2027-03-20 10:12.
    fn catalog(bookings: Value) -> Catalog {
        Catalog::from_json(&json!({
            "timezone": "Europe/Berlin",
            "now": "2027-03-20T10:12:00+01:00",
            "currency": "EUR", "currency_symbol": "€",
            "tax": {"rate": 10.0, "name": "VAT", "inclusive": false},
            "business_hours": [{"days": ["Monday","Tuesday","Wednesday","Thursday","Friday"], "open": "09:00", "close": "17:00"}],
            "vacation": {"from": "2027-03-25", "to": "2027-03-26"},
            "holidays": ["2027-03-23"],
            "services": [
                {"id": 7, "name": "Massage", "price": 40, "time_option": "H", "minutes": 60, "extendable": true, "extension_limit": 3, "resource_ids": [12, 13], "unavailable": {"from": "2027-03-31", "to": "2027-04-01"}},
                {"id": 8, "name": "Retreat", "price": 300, "time_option": "D", "days": 1, "resource_ids": [12]}
            ],
            "resources": [
                {"id": 12, "name": "Anna", "hours": []},
                {"id": 13, "name": "Ben", "hours": [{"days": ["Sunday"], "open": "01:00", "close": "05:00"}, {"days": ["Monday"], "open": "12:00", "close": "18:00"}]}
            ],
            "extras": [{"id": 9, "name": "Oil", "price": 10, "sale_price": 8, "time_option": "H", "minutes": 30, "service_ids": [7]}],
            "bookings": bookings
        }))
        .unwrap()
    }

    fn query(service: u64, resource: Option<u64>, extras: Vec<u64>, from: &str, to: &str) -> Query {
        Query {
            service_id: service,
            resource_id: resource,
            extras,
            extension: 0,
            date_from: parse_date("f", from).unwrap(),
            date_to: parse_date("t", to).unwrap(),
            conversation_id: None,
            locale: "en_US".into(),
        }
    }

    fn times(slots: &[Slot], date: &str) -> Vec<String> {
        slots
            .iter()
            .filter(|s| s.start.format("%Y-%m-%d").to_string() == date)
            .map(|s| s.start.format("%H:%M").to_string())
            .collect()
    }

    #[test]
    fn business_hours_leave_room_for_the_whole_duration() {
        let c = catalog(json!([]));
        let s = find(
            &c,
            &query(7, Some(12), vec![], "2027-03-22", "2027-03-22"),
            &[],
        )
        .unwrap();
        let t = times(&s, "2027-03-22");
        // 09:00 (slot 37) .. 16:00 (slot 65, last slot 68 = 16:45 is the day's last open slot).
        assert_eq!(t.first().unwrap(), "09:00");
        assert_eq!(t.last().unwrap(), "16:00");
        assert_eq!(t.len(), 29);
        // With the 30-minute extra the last start is 15:30.
        let s = find(
            &c,
            &query(7, Some(12), vec![9], "2027-03-22", "2027-03-22"),
            &[],
        )
        .unwrap();
        assert_eq!(times(&s, "2027-03-22").last().unwrap(), "15:30");
    }

    #[test]
    fn holding_statuses_block_others_do_not() {
        let c = catalog(json!([
            {"id": 1, "resource_id": 12, "status": "bkx-pending", "date": "2027-03-22", "slots": [41,42,43,44]},
            {"id": 2, "resource_id": 12, "status": "bkx-cancelled", "date": "2027-03-22", "slots": [49,50,51,52]},
            {"id": 3, "resource_id": 12, "status": "bkx-missed", "date": "2027-03-22", "slots": [57,58]},
            {"id": 4, "resource_id": 12, "status": "bkx-failed", "date": "2027-03-22", "slots": [61]}
        ]));
        let s = find(
            &c,
            &query(7, Some(12), vec![], "2027-03-22", "2027-03-22"),
            &[],
        )
        .unwrap();
        let t = times(&s, "2027-03-22");
        // pending 10:00–11:00: starts 09:15..10:45 overlap it.
        for x in ["09:15", "09:30", "09:45", "10:00", "10:45"] {
            assert!(!t.contains(&x.to_string()), "{x}");
        }
        assert!(t.contains(&"11:00".to_string()));
        assert!(t.contains(&"12:00".to_string()), "cancelled does not hold");
        // missed 14:00–14:30 (slots 57, 58): a 60-minute start at 13:15 would run into it.
        assert!(!t.contains(&"13:15".to_string()), "missed holds");
        assert!(t.contains(&"13:00".to_string()));
        assert!(t.contains(&"15:00".to_string()), "failed does not hold");
    }

    #[test]
    fn closed_days() {
        let c = catalog(json!([]));
        let s = find(
            &c,
            &query(7, Some(12), vec![], "2027-03-21", "2027-04-01"),
            &[],
        )
        .unwrap();
        for d in [
            "2027-03-21",
            "2027-03-23",
            "2027-03-25",
            "2027-03-26",
            "2027-03-27",
            "2027-03-31",
            "2027-04-01",
        ] {
            assert!(times(&s, d).is_empty(), "{d} is closed");
        }
        assert!(!times(&s, "2027-03-22").is_empty());
        assert!(!times(&s, "2027-03-24").is_empty());
    }

    #[test]
    fn the_dst_change_skips_the_missing_hour_and_changes_the_offset() {
        let c = catalog(json!([]));
        let s = find(
            &c,
            &query(7, Some(13), vec![], "2027-03-21", "2027-03-28"),
            &[],
        )
        .unwrap();
        let starts: Vec<String> = s.iter().map(|x| x.start.to_rfc3339()).collect();
        assert!(starts.contains(&"2027-03-21T01:00:00+01:00".to_string()));
        assert!(starts.contains(&"2027-03-28T01:00:00+01:00".to_string()));
        assert!(starts.contains(&"2027-03-28T03:00:00+02:00".to_string()));
        assert!(!starts.iter().any(|x| x.starts_with("2027-03-28T02:")));
    }

    #[test]
    fn past_starts_and_any_resource() {
        let mut c = catalog(json!([]));
        c.now = Some("2027-03-22T13:10:00+01:00".into());
        let s = find(&c, &query(7, None, vec![], "2027-03-22", "2027-03-22"), &[]).unwrap();
        assert!(s
            .iter()
            .all(|x| x.start.format("%H:%M").to_string().as_str() > "13:10"));
        assert!(s.iter().any(|x| x.resource_id == 12) && s.iter().any(|x| x.resource_id == 13));
        assert!(find(
            &c,
            &query(7, Some(99), vec![], "2027-03-22", "2027-03-22"),
            &[]
        )
        .is_err());
    }

    #[test]
    fn day_services_lose_days_with_any_booking_and_day_bookings_close_timed_days() {
        let c = catalog(json!([
            {"id": 5, "resource_id": 12, "status": "bkx-ack", "date": "2027-03-29", "time_option": "D", "multi_days": ["2027-03-29"]},
            {"id": 6, "resource_id": 12, "status": "bkx-pending", "date": "2027-03-30", "slots": [41,42,43,44]}
        ]));
        let s = find(
            &c,
            &query(8, Some(12), vec![], "2027-03-29", "2027-04-02"),
            &[],
        )
        .unwrap();
        let days: Vec<String> = s
            .iter()
            .map(|x| x.start.format("%Y-%m-%d").to_string())
            .collect();
        assert!(!days.contains(&"2027-03-29".to_string()));
        assert!(!days.contains(&"2027-03-30".to_string()));
        assert!(days.contains(&"2027-04-01".to_string()));
        let t = find(
            &c,
            &query(7, Some(12), vec![], "2027-03-29", "2027-03-29"),
            &[],
        )
        .unwrap();
        assert!(
            t.is_empty(),
            "a day booking takes the day for timed services too"
        );
    }

    #[test]
    fn holds_of_others_hide_overlapping_starts() {
        let c = catalog(json!([]));
        let q = query(7, Some(12), vec![], "2027-03-22", "2027-03-22");
        let start = DateTime::parse_from_rfc3339("2027-03-22T10:00:00+01:00").unwrap();
        let block = Block {
            resource_id: 12,
            start: start.with_timezone(&Utc),
            end: (start + Duration::minutes(60)).with_timezone(&Utc),
        };
        let t = times(
            &find(&c, &q, std::slice::from_ref(&block)).unwrap(),
            "2027-03-22",
        );
        assert!(!t.contains(&"10:00".to_string()) && !t.contains(&"09:15".to_string()));
        assert!(t.contains(&"09:00".to_string()) && t.contains(&"11:00".to_string()));
        assert!(!is_free(&c, &q, start, 12, &[block]).unwrap());
        assert!(is_free(&c, &q, start, 12, &[]).unwrap());
    }

    #[test]
    fn windows_are_bounded() {
        let c = catalog(json!([]));
        assert!(find(&c, &query(7, None, vec![], "2027-03-22", "2027-06-22"), &[]).is_err());
        assert!(find(&c, &query(7, None, vec![], "2027-03-22", "2027-03-21"), &[]).is_err());
    }
}
