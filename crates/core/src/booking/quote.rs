//! Prices, as BookingX 1.1.2 computes them (`booking_form_generate_total` +
//! `bkx_cal_total_tax`): the service's `price` × (1 + extension) — its sale price is **not**
//! applied — plus each extra's price (its sale price **is**, when set). Tax is `rate` % of
//! that total rounded to cents; tax-exclusive sites add it, tax-inclusive ones subtract it to
//! show the net (BookingX does not extract it). A resource asking for prepayment sets the
//! deposit: the whole total with tax (`FP`), a percentage of it (`D`/`P`) or a fixed amount
//! (`D`/`FA`).

use serde_json::{json, Value};

use super::availability::Query;
use super::catalog::Catalog;
use super::format::money;
use crate::error::Result;

fn cents(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// BookingX's `bkx_clean_price_format`: truncated to cents.
fn truncate(x: f64) -> f64 {
    (x * 100.0).trunc() / 100.0
}

/// The quote card of INTERFACES / docs/booking.md.
pub fn quote(c: &Catalog, q: &Query) -> Result<Value> {
    let s = c.service(q.service_id)?;
    let extras = c.extras_by_ids(&q.extras)?;
    let resource = match q.resource_id {
        Some(id) => Some(c.resource(id)?),
        None => None,
    };
    let ext = q.extension.max(0);
    let base = truncate(s.price);
    let mut lines = vec![json!({"label": s.name, "amount": cents(base)})];
    if ext > 0 {
        lines.push(
            json!({"label": format!("{} × {ext}", s.name), "amount": cents(base * ext as f64)}),
        );
    }
    let mut total = base * (1 + ext) as f64;
    for e in &extras {
        let p = match e.sale_price {
            Some(sp) if sp > 0.0 => sp,
            _ => e.price,
        };
        let p = truncate(p);
        total += p;
        lines.push(json!({"label": e.name, "amount": cents(p)}));
    }
    let rate = c.tax.rate;
    let (subtotal, tax, grand) = if rate > 0.0 && total > 0.0 {
        let tax = cents(total * rate / 100.0);
        let net = if c.tax.inclusive { total - tax } else { total };
        (cents(net), tax, cents(net + tax))
    } else {
        (cents(total), 0.0, cents(total))
    };
    let deposit = resource.and_then(|r| r.prepayment.as_ref()).and_then(|p| {
        match (p.payment_type.as_str(), p.deposit_type.as_str()) {
            ("FP", _) => Some(grand),
            ("D", "FA") => Some(cents(p.amount)),
            ("D", "P") => Some(cents(p.percentage / 100.0 * grand)),
            _ => None,
        }
    });
    let f = |x: f64| money(x, &c.currency, &c.currency_symbol, &q.locale);
    let extras_json: Vec<Value> = extras
        .iter()
        .map(|e| json!({"id": e.id, "name": e.name}))
        .collect();
    Ok(json!({
        "service_id": s.id,
        "service_name": s.name,
        "resource_id": resource.map(|r| r.id),
        "resource_name": resource.map(|r| r.name.clone()),
        "extras": extras_json,
        "extension": ext,
        "lines": lines,
        "subtotal": subtotal,
        "tax": tax,
        "tax_name": c.tax.name,
        "tax_rate": rate,
        "tax_inclusive": c.tax.inclusive,
        "total": grand,
        "deposit": deposit,
        "currency": c.currency,
        "formatted": {
            "subtotal": f(subtotal),
            "tax": f(tax),
            "total": f(grand),
            "deposit": deposit.map(f),
        },
    }))
}

#[cfg(test)]
mod tests {
    use super::super::catalog::{parse_date, Catalog};
    use super::*;

    fn catalog(inclusive: bool, prepayment: Value) -> Catalog {
        Catalog::from_json(&json!({
            "timezone": "UTC", "currency": "EUR", "currency_symbol": "€",
            "tax": {"rate": 10.0, "name": "VAT", "inclusive": inclusive},
            "services": [{"id": 7, "name": "Massage", "price": 40, "sale_price": 35, "minutes": 60, "resource_ids": [12]}],
            "resources": [{"id": 12, "name": "Anna", "prepayment": prepayment}],
            "extras": [
                {"id": 9, "name": "Oil", "price": 10, "sale_price": 8, "minutes": 30},
                {"id": 10, "name": "Stones", "price": 15, "minutes": 15}
            ]
        }))
        .unwrap()
    }

    fn q(extras: Vec<u64>, extension: i64) -> Query {
        Query {
            service_id: 7,
            resource_id: Some(12),
            extras,
            extension,
            date_from: parse_date("d", "2027-03-22").unwrap(),
            date_to: parse_date("d", "2027-03-22").unwrap(),
            conversation_id: None,
            locale: "de_DE".into(),
        }
    }

    #[test]
    fn exclusive_tax_is_added_and_the_service_sale_price_ignored() {
        // 40 × (1 + 2) + 8 (oil on sale) + 15 = 143; tax 14.30; total 157.30.
        let v = quote(&catalog(false, Value::Null), &q(vec![9, 10], 2)).unwrap();
        assert_eq!(v["subtotal"], 143.0);
        assert_eq!(v["tax"], 14.3);
        assert_eq!(v["total"], 157.3);
        assert_eq!(v["deposit"], Value::Null);
        assert_eq!(v["formatted"]["total"], "157,30\u{a0}€");
    }

    #[test]
    fn inclusive_tax_is_subtracted_to_show_the_net() {
        // 40 + 8 = 48; tax 4.80; net 43.20; total 48.
        let v = quote(&catalog(true, Value::Null), &q(vec![9], 0)).unwrap();
        assert_eq!(v["subtotal"], 43.2);
        assert_eq!(v["tax"], 4.8);
        assert_eq!(v["total"], 48.0);
    }

    #[test]
    fn deposits() {
        let pct = json!({"payment_type": "D", "deposit_type": "P", "percentage": 20.0});
        assert_eq!(
            quote(&catalog(false, pct), &q(vec![], 0)).unwrap()["deposit"],
            8.8
        );
        let fixed = json!({"payment_type": "D", "deposit_type": "FA", "amount": 15.0});
        assert_eq!(
            quote(&catalog(false, fixed), &q(vec![], 0)).unwrap()["deposit"],
            15.0
        );
        let full = json!({"payment_type": "FP"});
        assert_eq!(
            quote(&catalog(false, full), &q(vec![], 0)).unwrap()["deposit"],
            44.0
        );
    }
}
