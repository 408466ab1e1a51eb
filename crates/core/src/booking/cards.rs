//! The card messages of the chat: structured data in a message's `metadata.card`, rendered
//! by the widget and the inbox with text nodes only. Every string in a card is plain text
//! here (tags stripped), every URL is `http(s)`; the message body carries a text fallback.
//!
//! Shapes (`docs/booking.md`): `booking_slots` {service_id, service_name, resource_id,
//! resource_name, extras, timezone, slots [{start, end, resource_id, label}], hold_until?};
//! `quote` {service_id, service_name, ..., lines, subtotal, tax, total, deposit, currency,
//! formatted}; `booking_link` {url, label, payment_url}; `booking` {booking_id, status,
//! service_name, resource_name, start, end, total_formatted, manage_url}.

use serde_json::{json, Map, Value};

use super::availability::Query;
use super::catalog::Catalog;
use super::format::money;
use crate::error::{Error, Result};
use crate::input::Input;
use crate::sanitize;

/// Most slots one card offers.
pub const MAX_CARD_SLOTS: usize = 24;

fn text(v: Option<&Value>) -> Value {
    match v {
        Some(Value::String(s)) => Value::String(sanitize::to_text(s).trim().to_owned()),
        Some(Value::Number(n)) => Value::String(n.to_string()),
        _ => Value::Null,
    }
}

fn http_url(field: &str, v: Option<&Value>) -> Result<Value> {
    match v.and_then(Value::as_str) {
        None | Some("") => Ok(Value::Null),
        Some(u) if u.starts_with("https://") || u.starts_with("http://") => {
            if u.chars()
                .any(|c| c.is_whitespace() || c == '"' || c == '<' || c == '>')
            {
                Err(Error::invalid(field, format!("{field} is not a valid URL")))
            } else {
                Ok(Value::String(u.to_owned()))
            }
        }
        Some(_) => Err(Error::invalid(
            field,
            format!("{field} must be an http(s) URL"),
        )),
    }
}

fn id(v: Option<&Value>) -> Value {
    v.and_then(|x| match x {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    })
    .map_or(Value::Null, Value::from)
}

/// The `booking_slots` card from an availability answer (cut to what the card offers).
pub fn slots_card(availability: &Map<String, Value>, query: &Map<String, Value>) -> Result<Value> {
    let slots = availability
        .get("slots")
        .and_then(Value::as_array)
        .ok_or_else(|| Error::invalid("slots", "the availability answer has no slots"))?;
    let slots: Vec<Value> = slots
        .iter()
        .take(MAX_CARD_SLOTS)
        .map(|s| {
            json!({
                "start": text(s.get("start")),
                "end": text(s.get("end")),
                "resource_id": id(s.get("resource_id")),
                "resource_name": text(s.get("resource_name")),
                "label": text(s.get("label")),
            })
        })
        .collect();
    let extras: Vec<Value> = availability
        .get("extras")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|e| json!({"id": id(e.get("id")), "name": text(e.get("name"))}))
                .collect()
        })
        .unwrap_or_default();
    let q = Input(query);
    Ok(json!({
        "service_id": id(availability.get("service_id")),
        "service_name": text(availability.get("service_name")),
        "resource_id": id(availability.get("resource_id")),
        "resource_name": text(availability.get("resource_name")),
        "extras": extras,
        "extension": availability.get("extension").cloned().unwrap_or(Value::from(0)),
        "timezone": text(availability.get("timezone")),
        "slots": slots,
        "hold_until": text(q.get("hold_until")),
    }))
}

/// The `quote` card (a quote answer, with its strings made plain text).
pub fn quote_card(quote: &Map<String, Value>) -> Result<Value> {
    if !quote.contains_key("total") || !quote.contains_key("formatted") {
        return Err(Error::invalid(
            "quote",
            "not a quote (total and formatted are missing)",
        ));
    }
    let mut card = quote.clone();
    for k in ["service_name", "resource_name", "tax_name", "currency"] {
        if let Some(v) = quote.get(k) {
            card.insert(k.into(), text(Some(v)));
        }
    }
    if let Some(Value::Array(lines)) = quote.get("lines") {
        card.insert(
            "lines".into(),
            Value::Array(
                lines
                    .iter()
                    .map(|l| json!({"label": text(l.get("label")), "amount": l.get("amount").cloned().unwrap_or(Value::Null)}))
                    .collect(),
            ),
        );
    }
    if let Some(Value::Object(f)) = quote.get("formatted") {
        let clean: Map<String, Value> = f.iter().map(|(k, v)| (k.clone(), text(Some(v)))).collect();
        card.insert("formatted".into(), Value::Object(clean));
    }
    Ok(Value::Object(card))
}

fn symbol(currency: &str) -> &str {
    match currency {
        "EUR" => "€",
        "USD" | "AUD" | "CAD" | "NZD" => "$",
        "GBP" => "£",
        "JPY" => "¥",
        "INR" => "₹",
        _ => currency,
    }
}

/// The `booking` card of a created booking.
pub fn booking_card(b: &Map<String, Value>) -> Result<Value> {
    let i = Input(b);
    let booking_id = i
        .opt_id("booking_id")?
        .ok_or_else(|| Error::invalid("booking_id", "booking_id is required"))?;
    let currency = i.opt_str("currency", 10)?.unwrap_or("");
    let locale = i.opt_str("locale", 20)?.unwrap_or("en_US");
    let total = match i.get("total") {
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::String(s)) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    Ok(json!({
        "booking_id": booking_id,
        "status": text(b.get("status")),
        "service_name": text(b.get("service_name")),
        "resource_name": text(b.get("resource_name")),
        "start": text(b.get("start")),
        "end": text(b.get("end")),
        "total_formatted": total.map(|t| money(t, currency, symbol(currency), locale)),
        "manage_url": http_url("manage_url", b.get("manage_url"))?,
    }))
}

fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn with_args(base: &str, args: &[(String, String)]) -> String {
    let mut url = base.to_owned();
    for (k, v) in args {
        url.push(if url.contains('?') { '&' } else { '?' });
        url.push_str(&encode(k));
        url.push('=');
        url.push_str(&encode(v));
    }
    url
}

/// The `booking_link` card: the booking page with BookingX's deep link (`bookingx_type`,
/// `bookingx_type_id`) and our pre-fill parameters (`bkx_lc_service`, `bkx_lc_resource`,
/// `bkx_lc_extras`, `bkx_lc_extend`, `bkx_lc_date`, `bkx_lc_time`, applied by the widget),
/// plus a payment link (`bkx_lc_pay=1`) when a payment gateway is active.
pub fn booking_link(c: &Catalog, q: &Query, raw: &Map<String, Value>) -> Result<Value> {
    let links = c
        .links
        .as_ref()
        .and_then(Value::as_object)
        .ok_or_else(|| Error::invalid("links", "the catalog has no link facts"))?;
    let page = http_url("booking_page_url", links.get("booking_page_url"))?;
    let Some(page) = page.as_str() else {
        return Err(Error::new(
            crate::error::ErrorCode::BookingError,
            "the booking system has no booking page",
        ));
    };
    let s = c.service(q.service_id)?;
    let mut args: Vec<(String, String)> = Vec::new();
    if let Some(Value::Object(deep)) = links.get("deep_link_args") {
        for (k, v) in deep {
            let v = match v {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                _ => continue,
            };
            args.push((k.clone(), v));
        }
    }
    args.push(("bkx_lc_service".into(), s.id.to_string()));
    if let Some(r) = q.resource_id {
        args.push(("bkx_lc_resource".into(), r.to_string()));
    }
    if !q.extras.is_empty() {
        let e: Vec<String> = q.extras.iter().map(u64::to_string).collect();
        args.push(("bkx_lc_extras".into(), e.join(",")));
    }
    if q.extension > 0 {
        args.push(("bkx_lc_extend".into(), q.extension.to_string()));
    }
    let i = Input(raw);
    if let Some(d) = i.opt_str("date", 10)?.filter(|d| !d.is_empty()) {
        super::catalog::parse_date("date", d)?;
        args.push(("bkx_lc_date".into(), d.to_owned()));
    }
    if let Some(t) = i.opt_str("time", 5)?.filter(|t| !t.is_empty()) {
        super::catalog::parse_hhmm("time", t)?;
        args.push(("bkx_lc_time".into(), t.to_owned()));
    }
    let url = with_args(page, &args);
    let gateways = links
        .get("payment_gateways")
        .and_then(Value::as_array)
        .is_some_and(|g| !g.is_empty());
    let payment_url = gateways.then(|| with_args(&url, &[("bkx_lc_pay".into(), "1".into())]));
    Ok(json!({
        "url": url,
        "label": format!("Book {}", sanitize::to_text(&s.name).trim()),
        "service_name": s.name,
        "payment_url": payment_url,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_carry_the_deep_link_and_the_prefill() {
        let c = Catalog::from_json(&json!({
            "services": [{"id": 7, "name": "Massage <b>deluxe</b>", "resource_ids": [12]}],
            "resources": [{"id": 12}],
            "links": {"booking_page_url": "https://example.com/book/", "deep_link_args": {"bookingx_type": "bkx_base", "bookingx_type_id": 7}, "payment_gateways": ["stripe"]}
        }))
        .unwrap();
        let raw = json!({"service_id": 7, "resource_id": 12, "extras": [9, 10], "date": "2027-03-22", "time": "10:00"});
        let raw = raw.as_object().unwrap();
        let q = super::super::parse_query(raw).unwrap();
        let v = booking_link(&c, &q, raw).unwrap();
        assert_eq!(
            v["url"],
            "https://example.com/book/?bookingx_type=bkx_base&bookingx_type_id=7&bkx_lc_service=7&bkx_lc_resource=12&bkx_lc_extras=9%2C10&bkx_lc_date=2027-03-22&bkx_lc_time=10%3A00"
        );
        assert!(v["payment_url"]
            .as_str()
            .unwrap()
            .ends_with("&bkx_lc_pay=1"));
        assert_eq!(v["label"], "Book Massage deluxe");
    }

    #[test]
    fn cards_hold_plain_text_and_http_urls_only() {
        let card = booking_card(
            json!({"booking_id": 5, "status": "bkx-pending", "service_name": "<img src=x onerror=alert(1)>Massage", "total": "44.00", "currency": "EUR", "locale": "de_DE"})
                .as_object()
                .unwrap(),
        )
        .unwrap();
        assert_eq!(card["service_name"], "Massage");
        assert_eq!(card["total_formatted"], "44,00\u{a0}€");
        assert!(booking_card(
            json!({"booking_id": 5, "manage_url": "javascript:alert(1)"})
                .as_object()
                .unwrap()
        )
        .is_err());
        let slots = slots_card(
            json!({"service_id": 7, "service_name": "<script>x</script>Massage", "slots": [{"start": "2027-03-22T10:00:00+01:00", "resource_id": 12, "label": "<b>Mon</b>"}]})
                .as_object()
                .unwrap(),
            &Map::new(),
        )
        .unwrap();
        assert_eq!(slots["slots"][0]["label"], "Mon");
        assert!(!slots["service_name"].as_str().unwrap().contains('<'));
    }
}
