//! Visitor-facing formatting: money in the site currency and slot labels, per locale.
//!
//! Small on purpose (no ICU): the separators and symbol position of the common European and
//! English locales, English month and day names otherwise left to the front end, which
//! re-formats `start` with the browser's `Intl` when it can.

use chrono::{DateTime, FixedOffset};

/// True for locales that write `1.234,56 €` (symbol after, comma decimals).
fn comma_locale(locale: &str) -> bool {
    let lang = locale
        .split(['_', '-'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    matches!(
        lang.as_str(),
        "de" | "fr"
            | "es"
            | "it"
            | "nl"
            | "pt"
            | "pl"
            | "cs"
            | "sk"
            | "sl"
            | "hr"
            | "da"
            | "sv"
            | "nb"
            | "nn"
            | "fi"
            | "ru"
            | "uk"
            | "tr"
            | "ro"
            | "hu"
            | "el"
            | "bg"
            | "lt"
            | "lv"
            | "et"
    )
}

/// `amount` in `symbol`/`currency` for `locale`: `40,00 €` (de_DE), `€40.00` (en_US).
pub fn money(amount: f64, currency: &str, symbol: &str, locale: &str) -> String {
    let sym = if symbol.is_empty() { currency } else { symbol };
    let cents = (amount * 100.0).round() as i64;
    let neg = cents < 0;
    let cents = cents.abs();
    let whole = (cents / 100).to_string();
    let frac = format!("{:02}", cents % 100);
    let (group, dec) = if comma_locale(locale) {
        ('.', ',')
    } else {
        (',', '.')
    };
    let mut grouped = String::new();
    for (i, ch) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(group);
        }
        grouped.push(ch);
    }
    let n = format!("{}{grouped}{dec}{frac}", if neg { "-" } else { "" });
    if comma_locale(locale) {
        format!("{n}\u{a0}{sym}")
    } else {
        format!("{sym}{n}")
    }
}

const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `Mon 22 Mar, 10:00` (24-hour) or `Mon, Mar 22, 10:00 AM` (en_US); day services: the date.
/// Written digit by digit: an availability answer formats thousands of these, and `format!`
/// with padded numbers was a sixth of a 30-day query.
pub fn slot_label(start: &DateTime<FixedOffset>, all_day: bool, locale: &str) -> String {
    use chrono::{Datelike, Timelike};
    let us = locale.eq_ignore_ascii_case("en_US") || locale.eq_ignore_ascii_case("en-US");
    let wd = DAYS[start.weekday().num_days_from_monday() as usize];
    let mon = MONTHS[start.month0() as usize];
    let (day, h, m) = (start.day(), start.hour(), start.minute());
    let mut out = String::with_capacity(24);
    out.push_str(wd);
    if us {
        out.push_str(", ");
        out.push_str(mon);
        out.push(' ');
        push_number(&mut out, day);
    } else {
        out.push(' ');
        push_number(&mut out, day);
        out.push(' ');
        out.push_str(mon);
    }
    if all_day {
        return out;
    }
    out.push_str(", ");
    if us {
        let (h12, ap) = match h {
            0 => (12, " AM"),
            1..=11 => (h, " AM"),
            12 => (12, " PM"),
            _ => (h - 12, " PM"),
        };
        push_number(&mut out, h12);
        out.push(':');
        push_2(&mut out, m);
        out.push_str(ap);
    } else {
        push_2(&mut out, h);
        out.push(':');
        push_2(&mut out, m);
    }
    out
}

/// RFC 3339 with the offset (`2027-03-22T10:00:00+01:00`), digit by digit for the same reason.
pub fn rfc3339(t: &DateTime<FixedOffset>) -> String {
    use chrono::{Datelike, Timelike};
    let year = t.year();
    if !(0..=9999).contains(&year) {
        return t.to_rfc3339();
    }
    let off = t.offset().local_minus_utc();
    let (sign, off) = if off < 0 { ('-', -off) } else { ('+', off) };
    let off = off.unsigned_abs();
    let mut out = String::with_capacity(25);
    let year = year.unsigned_abs();
    push_2(&mut out, year / 100);
    push_2(&mut out, year % 100);
    out.push('-');
    push_2(&mut out, t.month());
    out.push('-');
    push_2(&mut out, t.day());
    out.push('T');
    push_2(&mut out, t.hour());
    out.push(':');
    push_2(&mut out, t.minute());
    out.push(':');
    push_2(&mut out, t.second());
    out.push(sign);
    push_2(&mut out, off / 3600);
    out.push(':');
    push_2(&mut out, (off % 3600) / 60);
    out
}

/// Two digits, zero-padded (`n` below 100).
fn push_2(out: &mut String, n: u32) {
    out.push(char::from(b'0' + (n / 10 % 10) as u8));
    out.push(char::from(b'0' + (n % 10) as u8));
}

/// A day or hour without padding (`n` below 100).
fn push_number(out: &mut String, n: u32) {
    if n >= 10 {
        push_2(out, n);
    } else {
        out.push(char::from(b'0' + n as u8));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_per_locale() {
        assert_eq!(money(1234.5, "EUR", "€", "de_DE"), "1.234,50\u{a0}€");
        assert_eq!(money(40.0, "EUR", "€", "en_GB"), "€40.00");
        assert_eq!(money(9.999, "USD", "", "en_US"), "USD10.00");
    }

    #[test]
    fn hand_written_formats_agree_with_chrono_over_a_year() {
        use chrono::{Duration, FixedOffset, TimeZone};
        for offset_min in [-330, -300, 0, 60, 345, 600] {
            let tz = FixedOffset::east_opt(offset_min * 60).unwrap();
            let mut t = tz.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap();
            for _ in 0..(365 * 24 * 60 / 37) {
                assert_eq!(rfc3339(&t), t.to_rfc3339());
                let fmt = |f: &str| t.format(f).to_string();
                assert_eq!(slot_label(&t, false, "de_DE"), fmt("%a %-d %b, %H:%M"));
                assert_eq!(slot_label(&t, true, "de_DE"), fmt("%a %-d %b"));
                assert_eq!(slot_label(&t, false, "en_US"), fmt("%a, %b %-d, %-I:%M %p"));
                assert_eq!(slot_label(&t, true, "en-us"), fmt("%a, %b %-d"));
                t += Duration::minutes(37);
            }
        }
    }

    #[test]
    fn labels() {
        let t = DateTime::parse_from_rfc3339("2027-03-22T14:30:00+01:00").unwrap();
        assert_eq!(slot_label(&t, false, "de_DE"), "Mon 22 Mar, 14:30");
        assert_eq!(slot_label(&t, false, "en_US"), "Mon, Mar 22, 2:30 PM");
        assert_eq!(slot_label(&t, true, "fr_FR"), "Mon 22 Mar");
        assert_eq!(rfc3339(&t), t.to_rfc3339());
        let midnight = DateTime::parse_from_rfc3339("2027-03-22T00:05:00-05:30").unwrap();
        assert_eq!(rfc3339(&midnight), "2027-03-22T00:05:00-05:30");
        assert_eq!(
            slot_label(&midnight, false, "en_US"),
            "Mon, Mar 22, 12:05 AM"
        );
    }
}
