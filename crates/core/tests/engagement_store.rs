//! Proactive engagement against MariaDB: rules stored and read back, decisions logged and
//! capped per visitor, events counted per variant, dry runs count nothing.

mod common;

use bkx_core::engagement::ProactiveEngagement;
use bkx_core::ErrorCode;
use common::{obj, service};
use serde_json::{json, Map};

async fn engagement(prefix: &str) -> ProactiveEngagement {
    let s = service(prefix).await;
    ProactiveEngagement::new(s.store().clone(), Map::new())
}

#[tokio::test]
async fn rules_round_trip_and_compact_for_the_loader() {
    let e = engagement("eng_a_").await;
    let r = e
        .save_rule(&obj(json!({"name": "Exit", "trigger_type": "exit_intent", "message": "Leaving?", "variants": ["Wait!"], "caps": {"per_day": 1}, "pre": {"device": "desktop"}, "conditions": {"match": "any", "rules": [{"attribute": "path", "op": "starts_with", "value": "/book"}]}})))
        .await
        .unwrap();
    assert!(r.id > 0);
    let back = e.get_rule(r.id).await.unwrap();
    assert_eq!(back, r);
    let off = e
        .save_rule(&obj(json!({"id": r.id, "is_active": false})))
        .await
        .unwrap();
    assert!(!off.is_active && off.message == "Leaving?");
    assert!(
        e.compact_rules().await.unwrap().is_empty(),
        "inactive rules are not shipped"
    );
    e.save_rule(&obj(json!({"id": r.id, "is_active": true})))
        .await
        .unwrap();
    let compact = e.compact_rules().await.unwrap();
    assert_eq!(
        compact,
        vec![
            json!({"id": r.id, "type": "exit_intent", "delay": 0, "priority": 10, "pre": {"device": "desktop"}})
        ]
    );
    assert_eq!(
        e.save_rule(&obj(json!({"id": 999_999, "name": "x"})))
            .await
            .unwrap_err()
            .code,
        ErrorCode::NotFound
    );
    assert!(e.delete_rule(r.id).await.unwrap());
    assert!(!e.delete_rule(r.id).await.unwrap());
}

#[tokio::test]
async fn decisions_are_logged_capped_and_counted_per_variant() {
    let e = engagement("eng_b_").await;
    let r = e
        .save_rule(&obj(json!({"name": "Exit", "trigger_type": "exit_intent", "message": "Leaving?", "variants": ["Wait!"], "caps": {"per_session": 1, "per_day": 5}})))
        .await
        .unwrap();
    let visitor = obj(
        json!({"event": "exit_intent", "visitor_key": "visitor-0001-abcdef", "url": "https://x.test/book"}),
    );
    let ctx = obj(json!({"agents_online": true, "open": true}));
    // A dry run (the admin's preview) shows but logs nothing.
    let dry = e
        .evaluate(
            &visitor,
            &[r.id],
            &obj(json!({"dry_run": true, "open": true})),
        )
        .await
        .unwrap();
    assert!(dry.show);
    let first = e.evaluate(&visitor, &[r.id], &ctx).await.unwrap();
    assert!(first.show);
    assert_eq!(first.action, Some("chat"));
    let again = e.evaluate(&visitor, &[r.id], &ctx).await.unwrap();
    assert!(!again.show, "once per visit");
    assert_eq!(again.reason, "capped");
    let other = obj(json!({"event": "exit_intent", "visitor_key": "visitor-0002-abcdef"}));
    assert!(
        e.evaluate(&other, &[r.id], &ctx).await.unwrap().show,
        "caps are per visitor"
    );

    let v = first.variant.clone().unwrap();
    for ev in ["impression", "accept", "chat_started"] {
        e.record_event(&obj(json!({"rule_id": r.id, "variant": v, "event": ev, "visitor_key": "visitor-0001-abcdef"})))
            .await
            .unwrap();
    }
    let stats = e.stats(r.id).await.unwrap();
    assert_eq!(stats["trigger_count"], 1);
    assert_eq!(stats["conversion_count"], 1);
    let row = stats["variants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["variant"] == v)
        .unwrap()
        .clone();
    assert_eq!(
        (
            row["impression"].clone(),
            row["accept"].clone(),
            row["chat_started"].clone()
        ),
        (json!(1), json!(1), json!(1))
    );

    // Bad events are typed errors and store nothing.
    for bad in [
        json!({"rule_id": r.id, "event": "hacked"}),
        json!({"rule_id": 999_999, "event": "accept"}),
        json!({"rule_id": r.id, "event": "accept", "variant": "<b>"}),
        json!({"rule_id": r.id, "event": "accept", "visitor_key": "x' OR 1=1 --"}),
    ] {
        assert!(e.record_event(&obj(bad.clone())).await.is_err(), "{bad}");
    }
    assert_eq!(e.stats(r.id).await.unwrap()["trigger_count"], 1);
}

#[tokio::test]
async fn nobody_online_offers_the_offline_message() {
    let s = service("eng_c_").await;
    let mut settings = Map::new();
    settings.insert(
        "outside_hours_message".into(),
        "Closed now — leave a message.".into(),
    );
    let e = ProactiveEngagement::new(s.store().clone(), settings);
    let r = e.save_rule(&obj(json!({"name": "T", "trigger_type": "time_on_page", "message": "Chat with us!", "delay_seconds": 10}))).await.unwrap();
    let d = e
        .evaluate(
            &obj(json!({"event": "time_on_page", "time_on_page": 12})),
            &[r.id],
            &obj(json!({"agents_online": false})),
        )
        .await
        .unwrap();
    assert_eq!(
        (d.action, d.message.as_deref()),
        (Some("offline"), Some("Closed now — leave a message."))
    );
    let bad = e
        .evaluate(&obj(json!({"event": "telepathy"})), &[], &Map::new())
        .await
        .unwrap_err();
    assert_eq!(bad.code, ErrorCode::InvalidArgument);
}

#[tokio::test]
async fn a_decision_over_every_rule_sees_edits_made_by_another_process() {
    let a = engagement("eng_d_").await;
    // Another PHP process: its own pool and its own copy of the rule set.
    let b = ProactiveEngagement::new(
        bkx_core::store::Store::new(&common::base_config("eng_d_")).unwrap(),
        Map::new(),
    );
    let r = b
        .save_rule(&obj(
            json!({"name": "Exit", "trigger_type": "exit_intent", "message": "Leaving?"}),
        ))
        .await
        .unwrap();
    let visitor = obj(json!({"event": "exit_intent", "visitor_key": "visitor-0004-abcdef"}));
    let dry = obj(json!({"dry_run": true, "open": true, "agents_online": true}));
    let decide = || a.evaluate(&visitor, &[], &dry);
    let first = decide().await.unwrap();
    assert_eq!(
        (first.show, first.message.as_deref()),
        (true, Some("Leaving?"))
    );
    b.save_rule(&obj(json!({"id": r.id, "message": "Wait, 10% off today"})))
        .await
        .unwrap();
    assert_eq!(
        decide().await.unwrap().message.as_deref(),
        Some("Wait, 10% off today"),
        "an edited message is seen at once"
    );
    b.save_rule(&obj(json!({"id": r.id, "is_active": false})))
        .await
        .unwrap();
    assert!(
        !decide().await.unwrap().show,
        "a switched-off rule stops at once"
    );
    b.save_rule(&obj(json!({"id": r.id, "is_active": true})))
        .await
        .unwrap();
    assert!(decide().await.unwrap().show);
    assert!(b.delete_rule(r.id).await.unwrap());
    assert!(
        !decide().await.unwrap().show,
        "a deleted rule stops at once"
    );
}
