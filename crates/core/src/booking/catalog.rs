//! The catalog: the plain data the booking system's adapter gathers (services, resources,
//! extras, hours, closures, bookings, tax, currency, time zone, now), read into types.
//!
//! The shape is documented in `docs/booking.md`. Reading is lenient about what PHP sends
//! (ints for floats, missing optional keys) and strict about what the computation needs
//! (a time zone it knows, times as `HH:MM`, dates as `Y-m-d`), with field-named errors.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, Utc};
use serde::Deserialize;
use serde_json::Value;

use crate::error::{Error, Result};

/// Post statuses whose bookings hold their slots (BookingX's `GetBookedRecords`).
pub const HOLDING_STATUSES: &[&str] = &["bkx-pending", "bkx-ack", "bkx-completed", "bkx-missed"];

/// One group of working days with their hours (`bkx_business_days` / a seat's `selected_days`).
#[derive(Debug, Clone, Deserialize)]
pub struct HoursGroup {
    /// English day names, as BookingX stores them (`Monday`...).
    #[serde(default)]
    pub days: Vec<String>,
    /// `HH:MM` (24-hour; the adapter converts BookingX's "9:00 AM").
    #[serde(default)]
    pub open: String,
    /// `HH:MM`; `24:00` is the end of the day.
    #[serde(default)]
    pub close: String,
}

/// An inclusive date range (`Y-m-d`).
#[derive(Debug, Clone, Deserialize)]
pub struct DateRange {
    /// First day.
    pub from: String,
    /// Last day (inclusive).
    pub to: String,
}

/// A service (`bkx_base`).
#[derive(Debug, Clone, Deserialize)]
pub struct Service {
    /// Post id.
    pub id: u64,
    /// Title.
    #[serde(default)]
    pub name: String,
    /// `base_price`.
    #[serde(default)]
    pub price: f64,
    /// `base_sale_price` (BookingX does not apply it).
    #[serde(default)]
    pub sale_price: Option<f64>,
    /// `H` (minutes), `D` (days) or `M` (months).
    #[serde(default = "hours")]
    pub time_option: String,
    /// Duration in minutes for `H`.
    #[serde(default)]
    pub minutes: i64,
    /// Duration in days for `D`.
    #[serde(default)]
    pub days: i64,
    /// Whether the customer may extend it.
    #[serde(default)]
    pub extendable: bool,
    /// How many times at most.
    #[serde(default)]
    pub extension_limit: i64,
    /// The resources offering it.
    #[serde(default)]
    pub resource_ids: Vec<u64>,
    /// Days BookingX refuses it.
    #[serde(default)]
    pub unavailable: Option<DateRange>,
}

fn hours() -> String {
    "H".into()
}

/// A resource's prepayment rule (`seatIsPrePayment` and friends).
#[derive(Debug, Clone, Deserialize)]
pub struct Prepayment {
    /// `FP` full payment, `D` deposit.
    #[serde(default)]
    pub payment_type: String,
    /// `FA` fixed amount, `P` percentage (for `D`).
    #[serde(default)]
    pub deposit_type: String,
    /// Fixed deposit.
    #[serde(default)]
    pub amount: f64,
    /// Percentage deposit.
    #[serde(default)]
    pub percentage: f64,
}

/// A resource (`bkx_seat`).
#[derive(Debug, Clone, Deserialize)]
pub struct Resource {
    /// Post id.
    pub id: u64,
    /// Title.
    #[serde(default)]
    pub name: String,
    /// Own working hours; empty: the business hours.
    #[serde(default)]
    pub hours: Vec<HoursGroup>,
    /// The months it works (1–12 or English names), when restricted.
    #[serde(default)]
    pub months: Option<Vec<Value>>,
    /// Prepayment rule, if any.
    #[serde(default)]
    pub prepayment: Option<Prepayment>,
}

/// An extra (`bkx_addition`).
#[derive(Debug, Clone, Deserialize)]
pub struct Extra {
    /// Post id.
    pub id: u64,
    /// Title.
    #[serde(default)]
    pub name: String,
    /// `addition_price`.
    #[serde(default)]
    pub price: f64,
    /// `extra_sale_price` (BookingX applies it).
    #[serde(default)]
    pub sale_price: Option<f64>,
    /// `H`, `D` or `M`.
    #[serde(default = "hours")]
    pub time_option: String,
    /// Minutes for `H`.
    #[serde(default)]
    pub minutes: i64,
    /// Days for `D`.
    #[serde(default)]
    pub days: i64,
    /// Days BookingX refuses it.
    #[serde(default)]
    pub unavailable: Option<DateRange>,
}

/// A stored booking (`bkx_booking`).
#[derive(Debug, Clone, Deserialize)]
pub struct Booking {
    /// Post id.
    #[serde(default)]
    pub id: u64,
    /// The seat.
    pub resource_id: u64,
    /// Post status.
    #[serde(default)]
    pub status: String,
    /// `booking_date`, `Y-m-d`.
    #[serde(default)]
    pub date: String,
    /// `H` or `D`.
    #[serde(default = "hours")]
    pub time_option: String,
    /// The slots it blocks on `date`.
    #[serde(default)]
    pub slots: Vec<i64>,
    /// Day bookings: the days they take (`booking_multi_days`, first and last).
    #[serde(default)]
    pub multi_days: Vec<String>,
}

impl Booking {
    /// Whether BookingX counts it as taking its slots.
    pub fn holds(&self) -> bool {
        HOLDING_STATUSES.contains(&self.status.as_str())
    }
}

/// Tax settings.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Tax {
    /// Percent.
    #[serde(default)]
    pub rate: f64,
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// Prices include tax (`bkx_prices_include_tax` = 1).
    #[serde(default)]
    pub inclusive: bool,
}

/// The whole catalog.
#[derive(Debug, Clone, Deserialize)]
pub struct Catalog {
    /// IANA name or a UTC offset (`+02:00`, `UTC+2`).
    #[serde(default = "utc")]
    pub timezone: String,
    /// The present, RFC 3339 (tests pin it; absent: the clock).
    #[serde(default)]
    pub now: Option<String>,
    /// ISO currency code.
    #[serde(default)]
    pub currency: String,
    /// Its symbol.
    #[serde(default)]
    pub currency_symbol: String,
    /// Tax.
    #[serde(default)]
    pub tax: Tax,
    /// The business's working days and hours.
    #[serde(default)]
    pub business_hours: Vec<HoursGroup>,
    /// The business's vacation.
    #[serde(default)]
    pub vacation: Option<DateRange>,
    /// Public holidays (`Y-m-d`).
    #[serde(default)]
    pub holidays: Vec<String>,
    /// Services.
    #[serde(default)]
    pub services: Vec<Service>,
    /// Resources.
    #[serde(default)]
    pub resources: Vec<Resource>,
    /// Extras.
    #[serde(default)]
    pub extras: Vec<Extra>,
    /// Bookings of the window.
    #[serde(default)]
    pub bookings: Vec<Booking>,
    /// Link facts (booking page, deep link arguments, active gateways).
    #[serde(default)]
    pub links: Option<Value>,
}

fn utc() -> String {
    "UTC".into()
}

impl Catalog {
    /// Reads a catalog from JSON.
    pub fn from_json(v: &Value) -> Result<Catalog> {
        // Deserialise from the borrowed value: cloning a catalog of thousands of bookings
        // first would double the cost of every query.
        let c = <Catalog as serde::Deserialize>::deserialize(v)
            .map_err(|e| Error::invalid("catalog", format!("the catalog is malformed: {e}")))?;
        c.zone()?;
        Ok(c)
    }

    /// Reads a catalog from JSON text. Faster than [`Catalog::from_json`] for a caller
    /// that holds text or can write it cheaply (no intermediate JSON tree), same checks.
    pub fn from_json_text(text: &str) -> Result<Catalog> {
        Catalog::from_json_slice(text.as_bytes())
    }

    /// [`Catalog::from_json_text`] over bytes (UTF-8 is checked inside strings as they are
    /// read, not in a pass of its own).
    pub fn from_json_slice(bytes: &[u8]) -> Result<Catalog> {
        let c: Catalog = serde_json::from_slice(bytes)
            .map_err(|e| Error::invalid("catalog", format!("the catalog is malformed: {e}")))?;
        c.zone()?;
        Ok(c)
    }

    /// The service `id`.
    pub fn service(&self, id: u64) -> Result<&Service> {
        self.services
            .iter()
            .find(|s| s.id == id)
            .ok_or_else(|| Error::not_found("service", id).with("field", "service_id"))
    }

    /// The resource `id`.
    pub fn resource(&self, id: u64) -> Result<&Resource> {
        self.resources
            .iter()
            .find(|r| r.id == id)
            .ok_or_else(|| Error::not_found("resource", id).with("field", "resource_id"))
    }

    /// The extras `ids`, in order.
    pub fn extras_by_ids(&self, ids: &[u64]) -> Result<Vec<&Extra>> {
        ids.iter()
            .map(|id| {
                self.extras
                    .iter()
                    .find(|e| e.id == *id)
                    .ok_or_else(|| Error::not_found("extra", *id).with("field", "extras"))
            })
            .collect()
    }

    /// The site's time zone.
    pub fn zone(&self) -> Result<Zone> {
        Zone::parse(&self.timezone)
    }

    /// The present.
    pub fn now(&self) -> Result<DateTime<Utc>> {
        match &self.now {
            None => Ok(Utc::now()),
            Some(s) => DateTime::parse_from_rfc3339(s)
                .map(|d| d.with_timezone(&Utc))
                .map_err(|_| Error::invalid("now", "now must be an RFC 3339 time")),
        }
    }
}

/// A site time zone: a named zone (with its DST rules) or a fixed offset.
#[derive(Debug, Clone, Copy)]
pub enum Zone {
    /// IANA zone.
    Named(chrono_tz::Tz),
    /// Fixed UTC offset (WordPress's "UTC+2" settings).
    Fixed(FixedOffset),
}

impl Zone {
    /// `Europe/Berlin`, `UTC`, `+02:00`, `UTC+2`, `UTC-5.5`.
    pub fn parse(s: &str) -> Result<Zone> {
        let t = s.trim();
        if let Ok(tz) = t.parse::<chrono_tz::Tz>() {
            return Ok(Zone::Named(tz));
        }
        let rest = t.strip_prefix("UTC").unwrap_or(t);
        let bad = || Error::invalid("timezone", format!("unknown time zone '{s}'"));
        let (sign, body) = match rest.chars().next() {
            Some('+') => (1, &rest[1..]),
            Some('-') => (-1, &rest[1..]),
            None => return Ok(Zone::Fixed(FixedOffset::east_opt(0).ok_or_else(bad)?)),
            _ => return Err(bad()),
        };
        let secs = if let Some((h, m)) = body.split_once(':') {
            let h: i32 = h.parse().map_err(|_| bad())?;
            let m: i32 = m.parse().map_err(|_| bad())?;
            h * 3600 + m * 60
        } else {
            let h: f64 = body.parse().map_err(|_| bad())?;
            (h * 3600.0).round() as i32
        };
        FixedOffset::east_opt(sign * secs)
            .map(Zone::Fixed)
            .ok_or_else(bad)
    }

    /// The instant of a wall-clock time; `None` when it does not exist (a DST gap). An
    /// ambiguous time (the repeated hour) is its first occurrence.
    pub fn instant(&self, d: NaiveDate, t: NaiveTime) -> Option<DateTime<FixedOffset>> {
        use chrono::offset::LocalResult;
        use chrono::TimeZone;
        let naive = d.and_time(t);
        match self {
            Zone::Named(tz) => match tz.from_local_datetime(&naive) {
                LocalResult::Single(x) | LocalResult::Ambiguous(x, _) => Some(x.fixed_offset()),
                LocalResult::None => None,
            },
            Zone::Fixed(o) => o.from_local_datetime(&naive).single(),
        }
    }

    /// An instant as wall-clock time in this zone.
    pub fn local(&self, at: DateTime<Utc>) -> DateTime<FixedOffset> {
        match self {
            Zone::Named(tz) => at.with_timezone(tz).fixed_offset(),
            Zone::Fixed(o) => at.with_timezone(o),
        }
    }
}

/// `Y-m-d`.
pub fn parse_date(field: &str, s: &str) -> Result<NaiveDate> {
    let s = s.trim();
    // The form every stored date has, read directly (a catalog holds thousands of them);
    // anything else goes through chrono's general parser, which decides.
    if let Some(d) = plain_ymd(s.as_bytes()) {
        return Ok(d);
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| Error::invalid(field, format!("{field} must be a date (YYYY-MM-DD)")))
}

/// `YYYY-MM-DD` with exactly those digits, when it names a real day.
fn plain_ymd(b: &[u8]) -> Option<NaiveDate> {
    let [y1, y2, y3, y4, b'-', m1, m2, b'-', d1, d2] = *b else {
        return None;
    };
    let digits = [y1, y2, y3, y4, m1, m2, d1, d2];
    if !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = |x: &[u8]| x.iter().fold(0u32, |a, c| a * 10 + u32::from(c - b'0'));
    let year = i32::try_from(n(&digits[..4])).ok()?;
    NaiveDate::from_ymd_opt(year, n(&digits[4..6]), n(&digits[6..]))
}

/// Minutes since midnight of `HH:MM` (`24:00` allowed).
pub fn parse_hhmm(field: &str, s: &str) -> Result<i64> {
    let bad = || Error::invalid(field, format!("{field} must be a time (HH:MM)"));
    let (h, m) = s.trim().split_once(':').ok_or_else(bad)?;
    let h: i64 = h.parse().map_err(|_| bad())?;
    let m: i64 = m.parse().map_err(|_| bad())?;
    if !(0..=24).contains(&h) || !(0..60).contains(&m) || (h == 24 && m > 0) {
        return Err(bad());
    }
    Ok(h * 60 + m)
}

impl DateRange {
    /// Whether `d` is inside (malformed bounds: never).
    pub fn contains(&self, d: NaiveDate) -> bool {
        match (parse_date("from", &self.from), parse_date("to", &self.to)) {
            (Ok(a), Ok(b)) => a <= d && d <= b,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_named_and_fixed() {
        assert!(matches!(
            Zone::parse("Europe/Berlin").unwrap(),
            Zone::Named(_)
        ));
        let z = Zone::parse("UTC+5.5").unwrap();
        let d = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
        let t = NaiveTime::from_hms_opt(10, 0, 0).unwrap();
        assert_eq!(
            z.instant(d, t).unwrap().to_rfc3339(),
            "2027-01-01T10:00:00+05:30"
        );
        assert_eq!(
            Zone::parse("-03:00")
                .unwrap()
                .instant(d, t)
                .unwrap()
                .to_rfc3339(),
            "2027-01-01T10:00:00-03:00"
        );
        assert!(Zone::parse("Mars/Olympus").is_err());
    }

    #[test]
    fn the_skipped_hour_does_not_exist_and_the_repeated_one_is_its_first() {
        let z = Zone::parse("Europe/Berlin").unwrap();
        let spring = NaiveDate::from_ymd_opt(2027, 3, 28).unwrap();
        assert!(z
            .instant(spring, NaiveTime::from_hms_opt(2, 30, 0).unwrap())
            .is_none());
        let autumn = NaiveDate::from_ymd_opt(2027, 10, 31).unwrap();
        assert_eq!(
            z.instant(autumn, NaiveTime::from_hms_opt(2, 30, 0).unwrap())
                .unwrap()
                .to_rfc3339(),
            "2027-10-31T02:30:00+02:00"
        );
    }

    #[test]
    fn times_and_dates() {
        assert_eq!(parse_hhmm("open", "09:15").unwrap(), 555);
        assert_eq!(parse_hhmm("close", "24:00").unwrap(), 1440);
        assert!(parse_hhmm("open", "9am").is_err());
        assert!(parse_date("date", "03/22/2027").is_err());
    }
}

#[cfg(test)]
mod plain_date_tests {
    use super::*;

    #[test]
    fn the_direct_reading_agrees_with_chrono() {
        for s in [
            "2026-12-08",
            "2024-02-29",
            "2023-02-29",
            "2026-13-01",
            "2026-00-10",
            "2026-04-31",
            "0999-01-01",
            "2026-1-05",
            "2026-01-5",
            " 2026-03-29 ",
            "2026/03/29",
            "20260329",
            "+2026-03-29",
            "2026-03-29T10:00",
            "",
            "abcd-ef-gh",
        ] {
            let chrono = NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok();
            assert_eq!(parse_date("d", s).ok(), chrono, "{s:?}");
        }
    }
}
