//! Slot holds against MariaDB: a conversation offering a slot keeps it from the others for a
//! while; the holder still sees it; releasing or expiry frees it.

mod common;

use bkx_core::booking::BookingAssistant;
use bkx_core::ErrorCode;
use common::{obj, service};
use serde_json::{json, Value};

/// Berlin, Anna works Mon–Fri 09:00–17:00, a 60-minute massage; "now" is before the day.
fn catalog() -> Value {
    json!({
        "timezone": "Europe/Berlin",
        "now": "2027-03-20T10:00:00+01:00",
        "business_hours": [{"days": ["Monday","Tuesday","Wednesday","Thursday","Friday"], "open": "09:00", "close": "17:00"}],
        "services": [{"id": 7, "name": "Massage", "price": 40, "minutes": 60, "resource_ids": [12]}],
        "resources": [{"id": 12, "name": "Anna"}]
    })
}

fn starts(v: &Value) -> Vec<String> {
    v["slots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["start"].as_str().unwrap().to_owned())
        .collect()
}

const TEN: &str = "2027-03-22T10:00:00+01:00";

#[tokio::test]
async fn a_held_slot_is_hidden_from_other_conversations_until_released() {
    let s = service("holds_a_").await;
    let a = BookingAssistant::new(Some(s.store().clone()));
    let slot = obj(
        json!({"start": TEN, "end": "2027-03-22T11:00:00+01:00", "resource_id": 12, "service_id": 7}),
    );
    let held = a.hold(&slot, 1, 300).await.unwrap();
    assert_eq!(held["hold_id"].as_str().unwrap().len(), 32);

    let q = |conv: u64| {
        obj(
            json!({"service_id": 7, "resource_id": 12, "date": "2027-03-22", "conversation_id": conv}),
        )
    };
    let theirs = starts(&a.availability(&catalog(), &q(2)).await.unwrap());
    assert!(
        !theirs.contains(&TEN.to_owned()),
        "another conversation does not see it"
    );
    assert!(
        !theirs.contains(&"2027-03-22T09:15:00+01:00".to_owned()),
        "nor overlapping starts"
    );
    let mine = starts(&a.availability(&catalog(), &q(1)).await.unwrap());
    assert!(mine.contains(&TEN.to_owned()), "the holder still offers it");

    // Another conversation cannot hold it, nor does verifySlot accept it for them.
    let err = a.hold(&slot, 2, 300).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::BookingUnavailable);
    let mut check = slot.clone();
    check.insert("conversation_id".into(), 2.into());
    let v = a.verify_slot(&catalog(), &check).await.unwrap();
    assert_eq!(
        (v["available"].clone(), v["reason"].clone()),
        (json!(false), json!("held"))
    );
    check.insert("conversation_id".into(), 1.into());
    assert_eq!(
        a.verify_slot(&catalog(), &check).await.unwrap()["available"],
        true
    );

    // Holding again extends the same hold.
    let again = a.hold(&slot, 1, 600).await.unwrap();
    assert_eq!(again["hold_id"], held["hold_id"]);

    assert!(a
        .release_hold(held["hold_id"].as_str().unwrap())
        .await
        .unwrap());
    assert!(!a
        .release_hold(held["hold_id"].as_str().unwrap())
        .await
        .unwrap());
    assert!(starts(&a.availability(&catalog(), &q(2)).await.unwrap()).contains(&TEN.to_owned()));
}

#[tokio::test]
async fn holds_expire_by_themselves() {
    let s = service("holds_b_").await;
    let a = BookingAssistant::new(Some(s.store().clone()));
    let slot = obj(
        json!({"start": TEN, "end": "2027-03-22T11:00:00+01:00", "resource_id": 12, "service_id": 7}),
    );
    a.hold(&slot, 1, 1).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    a.hold(&slot, 2, 300)
        .await
        .expect("the lapsed hold no longer blocks");
}

#[tokio::test]
async fn bad_holds_are_typed_errors_and_store_nothing() {
    let s = service("holds_c_").await;
    let a = BookingAssistant::new(Some(s.store().clone()));
    for (slot, ttl) in [
        (json!({"start": "tomorrow", "resource_id": 12}), 300),
        (json!({"start": TEN, "end": TEN, "resource_id": 12}), 300),
        (json!({"start": TEN}), 300),
        (json!({"start": TEN, "resource_id": 12}), 0),
        (json!({"start": TEN, "resource_id": 12}), 99_999),
    ] {
        assert_eq!(
            a.hold(&obj(slot.clone()), 1, ttl).await.unwrap_err().code,
            ErrorCode::InvalidArgument,
            "{slot}"
        );
    }
    assert_eq!(common::count(s.store(), "bkx_chat_booking_holds").await, 0);
    assert_eq!(
        a.release_hold("'; DROP TABLE x; --")
            .await
            .unwrap_err()
            .code,
        ErrorCode::InvalidArgument
    );
}
