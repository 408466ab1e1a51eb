//! Micro benchmark of the proactive decision: one visitor against 1 000 active rules of every
//! trigger type, each with conditions (all/any over URL, UTM, device, price, steps), caps and
//! variants — the engine's whole work per `/chat/triggers/evaluate` once the rules are loaded.
//! The target is under 1 ms per decision. Beside it, in the same run, the naive way: reading
//! the rules from their stored JSON on every decision (what a per-request PHP implementation
//! without a compiled rule set would pay at least).
//!
//! `cargo run --release -p bkx-core --example engagement_rules [runs]`

use std::time::Instant;

use bkx_core::engagement::engine::{decide, Context, History};
use bkx_core::engagement::rules::{Rule, TRIGGER_TYPES};
use serde_json::{json, Value};

fn rules_json() -> Vec<Value> {
    (0..1000u64)
        .map(|i| {
            let t = TRIGGER_TYPES[(i as usize) % TRIGGER_TYPES.len()];
            json!({
                "name": format!("rule {i}"),
                "trigger_type": t,
                "message": format!("Prompt number {i}: can we help you book?"),
                "variants": [format!("Variant B of {i}")],
                "delay_seconds": (i % 60),
                "priority": (i % 17),
                "caps": {"per_session": 1, "per_day": 3},
                "conditions": {"match": if i % 2 == 0 { "all" } else { "any" }, "rules": [
                    {"attribute": "url", "op": "matches", "value": format!("*/service-{}/*", i % 50)},
                    {"attribute": "utm_source", "op": "in", "value": ["newsletter", "ads", format!("partner{i}")]},
                    {"attribute": "price", "op": "gte", "value": (i % 300)},
                    {"attribute": "device", "op": "equals", "value": if i % 3 == 0 { "mobile" } else { "desktop" }}
                ]}
            })
        })
        .collect()
}

fn compile(v: &[Value]) -> Vec<Rule> {
    v.iter()
        .enumerate()
        .map(|(i, r)| {
            let mut rule = Rule::from_input(r.as_object().expect("object"), None).expect("rule");
            rule.id = i as u64 + 1;
            rule
        })
        .collect()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(2000);
    let raw = rules_json();
    let rules = compile(&raw);
    let visitor = json!({
        "event": "custom", "url": "https://example.com/service-7/book/?utm_source=ads",
        "path": "/service-7/book/", "utm_source": "ads", "device": "desktop", "price": "€ 180.00",
        "time_on_page": 75, "idle_seconds": 12, "booking_step": 2, "visit_count": 3,
        "visitor_key": "bench-visitor-0001"
    });
    let ctx = Context {
        open: true,
        agents_online: true,
        offline_message: "offline".into(),
        booking_message: "booking".into(),
    };
    let history = |_| History::default();
    let mut compiled = Vec::with_capacity(runs);
    let mut shown = 0;
    for _ in 0..runs {
        let t = Instant::now();
        let d = decide(&rules, &visitor, history, &ctx);
        compiled.push(t.elapsed().as_secs_f64() * 1e6);
        shown += usize::from(d.show);
    }
    let naive_runs = (runs / 20).max(10);
    let mut naive = Vec::with_capacity(naive_runs);
    for _ in 0..naive_runs {
        let t = Instant::now();
        let r = compile(&raw);
        let d = decide(&r, &visitor, history, &ctx);
        naive.push(t.elapsed().as_secs_f64() * 1e6);
        shown += usize::from(d.show);
    }
    let (c, n) = (median(compiled), median(naive));
    println!(
        "proactive decision, 1 000 rules (median of {runs} / {naive_runs} runs; {shown} shown):"
    );
    println!(
        "  compiled rule set            {c:9.1} µs   (target < 1 000 µs: {})",
        if c < 1000.0 { "met" } else { "NOT met" }
    );
    println!(
        "  rules read per decision      {n:9.1} µs   ({:.1}x slower)",
        n / c
    );
    println!(
        "BENCH_JSON {}",
        json!({"bench": "engagement_rules", "rules": 1000, "decide_us": c, "naive_us": n})
    );
}
