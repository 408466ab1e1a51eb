//! Micro benchmark of `BookingAssistant::availability` without PHP: 30 days for any of 20
//! resources (each with its own hours, some bookings per day), catalog parsing included, as
//! the extension call does it. The target is under 5 ms per query.
//!
//! `cargo run --release -p bkx-core --example booking_availability [runs]`

use std::time::Instant;

use bkx_core::booking::BookingAssistant;
use serde_json::{json, Map, Value};

/// Berlin (DST change inside the window), 20 resources Mon–Sat, three bookings per resource
/// and working day in holding and non-holding statuses, a holiday and a vacation.
fn catalog() -> Value {
    let days = [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
    ];
    let statuses = ["bkx-ack", "bkx-pending", "bkx-cancelled"];
    let mut resources = Vec::new();
    let mut bookings = Vec::new();
    let mut id = 1000;
    for r in 0..20u64 {
        let hours = if r % 2 == 0 {
            json!([{"days": days, "open": "08:00", "close": "18:00"}])
        } else {
            json!([])
        };
        resources.push(json!({"id": 100 + r, "name": format!("Resource {r}"), "hours": hours}));
        for d in 1..=30u32 {
            for (k, status) in statuses.iter().enumerate() {
                let first = 37 + (r as usize % 4) * 4 + k * 8;
                id += 1;
                bookings.push(json!({
                    "id": id, "resource_id": 100 + r, "service_id": 7, "status": status,
                    "date": format!("2027-03-{d:02}"), "time_option": "H", "minutes": 60,
                    "first_slot": first, "slot_count": 4,
                    "slots": [first, first + 1, first + 2, first + 3],
                }));
            }
        }
    }
    json!({
        "timezone": "Europe/Berlin",
        "now": "2027-02-28T12:00:00+01:00",
        "currency": "EUR",
        "tax": {"rate": 19.0, "name": "VAT", "inclusive": true},
        "business_hours": [{"days": days, "open": "09:00", "close": "17:00"}],
        "holidays": ["2027-03-17"],
        "vacation": {"from": "2027-03-24", "to": "2027-03-25"},
        "services": [{"id": 7, "name": "Massage", "price": 40, "minutes": 60,
                      "resource_ids": (100..120).collect::<Vec<u64>>()}],
        "resources": resources,
        "extras": [{"id": 9, "name": "Oil", "price": 5, "minutes": 15, "service_ids": [7]}],
        "bookings": bookings,
    })
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(200);
    let catalog = catalog();
    let Value::Object(query) = json!({
        "service_id": 7, "resource_id": "any", "extras": [9], "extension": 0,
        "date_from": "2027-03-01", "date_to": "2027-03-30", "locale": "de_DE",
    }) else {
        return Err("query".into());
    };
    let query: Map<String, Value> = query;
    let rt = tokio::runtime::Builder::new_current_thread().build()?;
    let assistant = BookingAssistant::new(None);
    let mut times = Vec::with_capacity(runs);
    let mut slots = 0;
    for _ in 0..runs {
        let t = Instant::now();
        let v = rt.block_on(assistant.availability(&catalog, &query))?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        slots = v["slots"].as_array().map_or(0, Vec::len);
    }
    let t = Instant::now();
    for _ in 0..runs {
        bkx_core::booking::catalog::Catalog::from_json(&catalog)?;
    }
    let parse = t.elapsed().as_secs_f64() * 1000.0 / runs as f64;
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    println!(
        "availability 30 days x 20 resources (any): {slots} starts, median {median:.3} ms, p95 {:.3} ms over {runs} runs",
        times[times.len() * 95 / 100]
    );
    println!("  of which reading the catalog (1 800 bookings): {parse:.3} ms");
    println!(
        "BENCH_JSON {}",
        json!({"availability_ms_median": median, "catalog_parse_ms": parse, "slots": slots, "runs": runs})
    );
    Ok(())
}
