//! Vendor webhooks stored in the unified tables, against a real MariaDB/MySQL.
//!
//! Same connection settings and rules as `store.rs`: `BKX_TEST_DB_*`, one table prefix per
//! test, no skipping when the database is missing. The payloads are the fixtures of
//! `webhooks.rs` (the vendors' documented shapes).

use bkx_core::chat::ChatService;
use bkx_core::model::{rfc3339, Conversation, Message};
use bkx_core::platforms::{Headers, IngestOutcome, IngestStatus};
use bkx_core::store::{migrations, Store};
use bkx_core::ErrorCode;
use mysql_async::prelude::*;
use serde_json::{json, Map, Value};

mod common;
use common::*;

/// Rows of the three tables a delivery writes.
async fn counts(s: &ChatService) -> (i64, i64, i64) {
    (
        count(s.store(), "bkx_chat_conversations").await,
        count(s.store(), "bkx_chat_messages").await,
        count(s.store(), "bkx_chat_webhook_events").await,
    )
}

fn fixture(path: &str) -> Vec<u8> {
    let full = format!(
        "{}/tests/fixtures/webhooks/{path}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
}

fn headers(pairs: &[(&str, &str)]) -> Headers {
    pairs.iter().copied().collect()
}

async fn ingest(s: &ChatService, platform: &str, path: &str) -> IngestOutcome {
    ingest_with(s, platform, path, &[]).await
}

async fn ingest_with(
    s: &ChatService,
    platform: &str,
    path: &str,
    h: &[(&str, &str)],
) -> IngestOutcome {
    s.ingest_webhook(platform, &headers(h), &fixture(path))
        .await
        .unwrap_or_else(|e| panic!("{path}: {e:?}"))
}

async fn conversation(s: &ChatService, id: Option<u64>) -> Conversation {
    s.get_conversation(id.expect("a conversation id"))
        .await
        .unwrap()
}

async fn history(s: &ChatService, id: u64) -> Vec<Message> {
    s.get_messages(id, &Map::new()).await.unwrap()
}

fn time(c: Option<chrono::NaiveDateTime>) -> Option<String> {
    c.map(rfc3339)
}

#[tokio::test]
async fn migration_v4_adds_the_unique_vendor_message_key_and_the_events_table() {
    let cfg = base_config("twhm_");
    ensure_database(&cfg).await;
    let store = Store::new(&cfg).unwrap();
    drop_tables(&store).await;
    assert_eq!(migrations::migrate_to(&store, 3).await.unwrap(), 3);
    let mut c = store.raw_pool().get_conn().await.unwrap();
    c.query_drop(
        "INSERT INTO twhm_bkx_chat_conversations (platform, platform_conversation_id, status, started_at, created_at, updated_at)
         VALUES ('intercom', 'c-1', 'active', NOW(), NOW(), NOW())",
    )
    .await
    .unwrap();
    // Two copies of one vendor message, stored through sendMessage before v4.
    for body in ["first copy", "second copy"] {
        c.exec_drop(
            "INSERT INTO twhm_bkx_chat_messages (conversation_id, platform_message_id, sender_type, message, sent_at, created_at)
             SELECT id, 'part-7', 'customer', ?, NOW(), NOW() FROM twhm_bkx_chat_conversations",
            (body,),
        )
        .await
        .unwrap();
    }
    let s = ChatService::new(store.clone(), "custom").unwrap();
    let latest = migrations::latest_version();
    assert!(latest >= 4);
    assert_eq!(s.migrate().await.unwrap(), latest);
    assert_eq!(s.migrate().await.unwrap(), latest, "idempotent");
    let rows: Vec<(String, Option<String>)> = c
        .query("SELECT message, platform_message_id FROM twhm_bkx_chat_messages ORDER BY id")
        .await
        .unwrap();
    assert_eq!(
        rows,
        vec![
            ("first copy".into(), Some("part-7".into())),
            ("second copy".into(), None)
        ],
        "the oldest copy keeps the id, nothing is deleted"
    );
    let db = env("BKX_TEST_DB_NAME", "bkx_livechat_cargo");
    let uniq: Option<i64> = c
        .exec_first(
            "SELECT NON_UNIQUE FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND INDEX_NAME = ? LIMIT 1",
            (&db, "twhm_bkx_chat_messages", "conversation_platform_message_uq"),
        )
        .await
        .unwrap();
    assert_eq!(uniq, Some(0));
    assert_eq!(count(&store, "bkx_chat_webhook_events").await, 0);
    // sendMessage with a stored vendor id returns the stored message.
    let conv = s.list_conversations(&Map::new()).await.unwrap()[0].clone();
    let (m, created) = s
        .send_message(
            conv.id,
            json!({"sender_type": "agent", "body": "again", "platform_message_id": "part-7"})
                .as_object()
                .unwrap(),
        )
        .await
        .unwrap();
    assert!(!created);
    assert_eq!(m.body, "first copy");
}

#[tokio::test]
async fn intercom_conversation_lifecycle_fills_the_unified_rows() {
    let s = service("twhi_").await;
    let o = ingest(&s, "intercom", "intercom/conversation.user.created.json").await;
    assert_eq!(o.status, IngestStatus::Stored);
    assert_eq!(o.event_id, "notif_6b1d6f9a-0c2e-4b8e-9d1a-000000000001");
    assert_eq!(o.message_ids.len(), 1);
    let c = conversation(&s, o.conversation_id).await;
    assert_eq!(c.platform, "intercom");
    assert_eq!(c.platform_conversation_id.as_deref(), Some("147000001"));
    assert_eq!(c.status, "waiting");
    assert_eq!(rfc3339(c.started_at), "2024-05-24T12:00:00Z");
    assert_eq!(c.customer_id, None);
    assert_eq!(c.visitor_id, None);
    assert_eq!(
        c.metadata["platform_customer"],
        json!({"id": "6762f0dd1bb69f9f2193bb01", "type": "user", "name": "Ada Lovelace", "email": "ada@example.com"})
    );
    let m = &history(&s, c.id).await[0];
    assert_eq!(m.sender_type, "customer");
    assert_eq!(m.sender_name.as_deref(), Some("Ada Lovelace"));
    assert_eq!(m.body, "<p>Hi, can I move my massage to <b>Friday</b>?</p>");
    assert_eq!(m.platform_message_id.as_deref(), Some("source:2055000001"));
    assert_eq!(rfc3339(m.sent_at), "2024-05-24T12:00:00Z");
    assert_eq!(m.metadata["platform_author_id"], "6762f0dd1bb69f9f2193bb01");

    for (fixture, messages) in [
        ("intercom/conversation.user.replied.json", 1),
        ("intercom/conversation.admin.replied.json", 1),
        ("intercom/conversation.admin.closed.json", 1),
        ("intercom/conversation.rating.added.json", 0),
    ] {
        let o = ingest(&s, "intercom", fixture).await;
        assert_eq!(o.status, IngestStatus::Stored, "{fixture}");
        assert_eq!(o.message_ids.len(), messages, "{fixture}");
        assert_eq!(
            o.conversation_id,
            Some(c.id),
            "{fixture}: same conversation"
        );
    }
    let c = conversation(&s, Some(c.id)).await;
    assert_eq!(c.status, "closed");
    assert_eq!(c.message_count, 4);
    assert_eq!(
        c.first_response_time,
        Some(600),
        "the first agent reply came 10 minutes after the start"
    );
    assert_eq!(time(c.ended_at).as_deref(), Some("2024-05-24T12:20:00Z"));
    assert_eq!(c.resolution_time, Some(1200));
    assert_eq!(c.rating, Some(4));
    assert_eq!(c.rating_comment.as_deref(), Some("Quick and friendly"));
    let h = history(&s, c.id).await;
    assert_eq!(
        h.iter()
            .map(|m| (m.sender_type.as_str(), m.body.as_str()))
            .collect::<Vec<_>>(),
        [
            (
                "customer",
                "<p>Hi, can I move my massage to <b>Friday</b>?</p>"
            ),
            ("customer", "<p>Any time after 3pm works for me.</p>"),
            ("agent", "<p>Done: Friday 4pm. See you then!</p>"),
            ("agent", "<p>Closing this one, have a nice day.</p>"),
        ]
    );
    assert_eq!(h[2].sender_name.as_deref(), Some("Grace Hopper"));
    assert_eq!(h[2].metadata["platform_author_type"], "admin");

    // Every redelivery is recognised: nothing new anywhere.
    let before = counts(&s).await;
    for fixture in [
        "intercom/conversation.user.created.json",
        "intercom/conversation.user.replied.json",
        "intercom/conversation.admin.replied.json",
        "intercom/conversation.admin.closed.json",
        "intercom/conversation.rating.added.json",
    ] {
        let o = ingest(&s, "intercom", fixture).await;
        assert_eq!(o.status, IngestStatus::Duplicate, "{fixture}");
        assert!(o.message_ids.is_empty());
        assert_eq!(
            o.conversation_id,
            Some(c.id),
            "a duplicate names its conversation"
        );
    }
    assert_eq!(counts(&s).await, before);
    assert_eq!(conversation(&s, Some(c.id)).await, c, "unchanged");
}

#[tokio::test]
async fn a_new_event_repeating_stored_messages_stores_nothing_and_pings_are_ignored() {
    let s = service("twhd_").await;
    ingest(&s, "intercom", "intercom/conversation.user.replied.json").await;
    // The same conversation parts under a different notification id (Intercom repeats the
    // whole conversation in every notification).
    let body = String::from_utf8(fixture("intercom/conversation.user.replied.json"))
        .unwrap()
        .replace("000000000002", "000000000099");
    let o = s
        .ingest_webhook("intercom", &Headers::new(), body.as_bytes())
        .await
        .unwrap();
    assert_eq!(o.status, IngestStatus::Ignored);
    assert!(o.message_ids.is_empty());
    assert_eq!(counts(&s).await, (1, 2, 2));

    let o = ingest(&s, "intercom", "intercom/ping.json").await;
    assert_eq!(o.status, IngestStatus::Ignored);
    assert_eq!(o.conversation_id, None);
    assert_eq!(
        ingest(&s, "intercom", "intercom/ping.json").await.status,
        IngestStatus::Duplicate
    );
    assert_eq!(counts(&s).await, (1, 2, 3));
}

#[tokio::test]
async fn assignment_activates_and_a_reply_after_closing_reopens() {
    let s = service("twhr_").await;
    let o = ingest(&s, "intercom", "intercom/conversation.admin.assigned.json").await;
    let c = conversation(&s, o.conversation_id).await;
    assert_eq!(c.status, "active");
    assert_eq!(
        c.metadata["platform_assignment"],
        json!({"agent_ids": ["814860"], "group_ids": ["5017691"], "reason": "assigned"})
    );
    ingest(&s, "intercom", "intercom/conversation.admin.closed.json").await;
    assert_eq!(conversation(&s, Some(c.id)).await.status, "closed");
    // A customer writes again after the close: the vendor reopened the conversation.
    let mut v: Value =
        serde_json::from_slice(&fixture("intercom/conversation.user.replied.json")).unwrap();
    v["id"] = "notif_reopen".into();
    let part = &mut v["data"]["item"]["conversation_parts"]["conversation_parts"][0];
    part["id"] = "3000000099".into();
    part["created_at"] = 1_716_560_000.into();
    let o = s
        .ingest_webhook("intercom", &Headers::new(), v.to_string().as_bytes())
        .await
        .unwrap();
    assert_eq!(o.message_ids.len(), 1);
    let c = conversation(&s, Some(c.id)).await;
    assert_eq!(c.status, "active", "reopened; an agent had answered before");
    assert_eq!(c.ended_at, None);
    assert_eq!(c.resolution_time, None);
}

#[tokio::test]
async fn zendesk_chat_events_and_messaging_batches() {
    let s = service("twhz_").await;
    let o = ingest(&s, "zendesk", "zendesk/chat.started.json").await;
    assert_eq!(o.status, IngestStatus::Stored);
    let id = o.conversation_id;
    for f in [
        "zendesk/chat.message.json",
        "zendesk/chat.ended.json",
        "zendesk/chat.rating.json",
    ] {
        let o = ingest(&s, "zendesk", f).await;
        assert_eq!(
            (o.status, o.conversation_id),
            (IngestStatus::Stored, id),
            "{f}"
        );
    }
    let c = conversation(&s, id).await;
    assert_eq!(c.platform_conversation_id.as_deref(), Some("58213"));
    assert_eq!(c.status, "closed");
    assert_eq!(c.first_response_time, Some(150));
    assert_eq!(c.resolution_time, Some(600));
    assert_eq!(c.rating, Some(5));
    assert_eq!(c.rating_comment.as_deref(), Some("Very helpful"));
    let h = history(&s, c.id).await;
    assert_eq!(h[1].body, "<p>Yes, from <strong>10am</strong> to 6pm.</p>");
    assert_eq!(h[1].sender_type, "agent");

    // Sunshine Conversations: a batch of three events, each deduplicated on its own.
    ingest(&s, "zendesk", "zendesk/sunshine.conversation-create.json").await;
    let o = ingest(&s, "zendesk", "zendesk/sunshine.conversation-message.json").await;
    assert_eq!(o.status, IngestStatus::Stored);
    assert_eq!(o.event_id, "5f74a0d52b5315fc007e7981");
    assert_eq!(
        o.events.iter().map(|e| e.status).collect::<Vec<_>>(),
        [
            IngestStatus::Stored,
            IngestStatus::Stored,
            IngestStatus::Ignored
        ]
    );
    assert_eq!(o.message_ids.len(), 2);
    let c = conversation(&s, o.conversation_id).await;
    assert_eq!(c.status, "active");
    assert_eq!(c.metadata["platform_customer"]["name"], "Steve Rogers");
    let h = history(&s, c.id).await;
    assert_eq!(h[0].body, "Can I book two &lt;people&gt; for tomorrow?");
    assert_eq!(h[1].sender_type, "agent");
    let again = ingest(&s, "zendesk", "zendesk/sunshine.conversation-message.json").await;
    assert_eq!(again.status, IngestStatus::Duplicate);
    let o = ingest(
        &s,
        "zendesk",
        "zendesk/sunshine.switchboard-pass-control.json",
    )
    .await;
    assert_eq!(o.status, IngestStatus::Stored);
    assert_eq!(conversation(&s, Some(c.id)).await.status, "closed");
    // A chat.* body without its own id is keyed by Zendesk's invocation id.
    let body = br#"{"event":"chat.message","chat_id":"58213","message":{"text":"late note","sender_type":"visitor"}}"#;
    let h = headers(&[("X-Zendesk-Webhook-Invocation-Id", "8350205582")]);
    let first = s.ingest_webhook("zendesk", &h, body).await.unwrap();
    assert_eq!(first.event_id, "8350205582");
    assert_eq!(first.status, IngestStatus::Stored);
    let retry = s.ingest_webhook("zendesk", &h, body).await.unwrap();
    assert_eq!(retry.status, IngestStatus::Duplicate);
}

#[tokio::test]
async fn livechat_chat_events_messages_transfers_ratings_and_end() {
    let s = service("twhl_").await;
    let o = ingest(&s, "livechat", "livechat/incoming_chat.json").await;
    assert_eq!(o.message_ids.len(), 2);
    let id = o.conversation_id;
    let c = conversation(&s, id).await;
    assert_eq!(
        c.metadata["platform_participants"],
        json!({
            "b7eff798-f8df-4364-8059-649c35c9ed0c": {"type": "customer", "name": "Thomas Anderson"},
            "smith@example.com": {"type": "agent", "name": "Agent Smith"},
        })
    );
    let o = ingest(&s, "livechat", "livechat/incoming_event.json").await;
    assert_eq!(o.message_ids.len(), 1);
    let o = ingest(&s, "livechat", "livechat/incoming_event.note.json").await;
    assert_eq!(
        o.status,
        IngestStatus::Ignored,
        "internal notes are not stored"
    );
    assert_eq!(
        o.conversation_id, id,
        "an ignored event still names its conversation"
    );
    let o = ingest(&s, "livechat", "livechat/incoming_event.file.json").await;
    assert_eq!(o.message_ids.len(), 1);
    for f in [
        "livechat/chat_transferred.json",
        "livechat/chat_properties_updated.json",
        "livechat/chat_deactivated.json",
    ] {
        assert_eq!(
            ingest(&s, "livechat", f).await.status,
            IngestStatus::Stored,
            "{f}"
        );
    }
    assert_eq!(
        ingest(&s, "livechat", "livechat/thread_tagged.json")
            .await
            .status,
        IngestStatus::Ignored
    );
    let c = conversation(&s, id).await;
    let h = history(&s, c.id).await;
    assert_eq!(
        h.iter()
            .map(|m| (
                m.sender_type.as_str(),
                m.message_type.as_str(),
                m.body.as_str()
            ))
            .collect::<Vec<_>>(),
        [
            ("system", "system", "Thomas Anderson joined the chat."),
            ("customer", "text", "Hi, do you have parking on site?"),
            (
                "agent",
                "text",
                "Yes, 20 free spaces &lt;behind&gt; the building."
            ),
            ("customer", "file", "map.png"),
        ]
    );
    assert_eq!(h[2].sender_name.as_deref(), Some("Agent Smith"));
    assert!(h[3]
        .attachment_url
        .as_deref()
        .unwrap()
        .ends_with("/map.png"));
    assert_eq!(
        c.first_response_time,
        Some(90),
        "10:00:00 → 10:01:30 (seconds)"
    );
    assert_eq!(c.rating, Some(5));
    assert_eq!(c.rating_comment.as_deref(), Some("Great, thanks!"));
    assert_eq!(c.status, "closed");
    assert_eq!(
        c.metadata["platform_assignment"]["agent_ids"],
        json!(["jones@example.com"])
    );
    // LiveChat sends no delivery ids: replays are recognised by the derived ids.
    let before = counts(&s).await;
    for f in [
        "livechat/incoming_chat.json",
        "livechat/incoming_event.json",
        "livechat/chat_transferred.json",
        "livechat/chat_properties_updated.json",
        "livechat/chat_deactivated.json",
    ] {
        assert_eq!(
            ingest(&s, "livechat", f).await.status,
            IngestStatus::Duplicate,
            "{f}"
        );
    }
    assert_eq!(counts(&s).await, before);
}

#[tokio::test]
async fn drift_messages_create_the_conversation_and_status_closes_it() {
    let s = service("twhf_").await;
    // The first message arrives before (or without) any start event.
    let o = ingest(&s, "drift", "drift/new_message.contact.json").await;
    assert_eq!(o.status, IngestStatus::Stored);
    let id = o.conversation_id;
    let c = conversation(&s, id).await;
    assert_eq!(rfc3339(c.started_at), "2024-05-24T12:00:01Z");
    let o = ingest(&s, "drift", "drift/new_conversation.json").await;
    assert_eq!(o.conversation_id, id, "found, not created twice");
    let o = ingest(&s, "drift", "drift/new_message.user.json").await;
    assert_eq!(o.message_ids.len(), 1);
    let o = ingest(&s, "drift", "drift/new_message.private_note.json").await;
    assert_eq!(o.status, IngestStatus::Ignored);
    ingest(&s, "drift", "drift/conversation_status_updated.json").await;
    let c = conversation(&s, id).await;
    assert_eq!(c.status, "closed");
    assert_eq!(c.message_count, 2);
    assert_eq!(c.first_response_time, Some(94));
    assert_eq!(c.metadata["platform_customer"]["id"], "1261122150");
    let h = history(&s, c.id).await;
    assert_eq!(
        h[1].body, "<p>Saturday 11am is open — shall I hold it?</p>",
        "vendor HTML is sanitised like a native message"
    );
    assert_eq!(
        ingest(&s, "drift", "drift/contact_identified.json")
            .await
            .status,
        IngestStatus::Ignored
    );
}

#[tokio::test]
async fn tawk_start_end_and_transcript_store_each_message_once() {
    let s = service("twht_").await;
    let ev = |n: &'static str| [("X-Hook-Event-Id", n)];
    let o = ingest_with(&s, "tawk", "tawk/chat-start.json", &ev("evt-1")).await;
    assert_eq!(o.message_ids.len(), 1);
    let id = o.conversation_id;
    ingest_with(&s, "tawk", "tawk/chat-end.json", &ev("evt-2")).await;
    let c = conversation(&s, id).await;
    assert_eq!(c.status, "closed");
    assert_eq!(c.resolution_time, Some(360));
    let o = ingest_with(&s, "tawk", "tawk/chat-transcript.json", &ev("evt-3")).await;
    assert_eq!(
        o.message_ids.len(),
        3,
        "the opening message is already stored from chat:start"
    );
    let c = conversation(&s, id).await;
    assert_eq!(c.status, "closed", "a transcript never reopens");
    assert_eq!(c.message_count, 4);
    assert_eq!(c.first_response_time, Some(70));
    let h = history(&s, c.id).await;
    assert_eq!(
        h.iter()
            .map(|m| (m.sender_type.as_str(), m.body.as_str()))
            .collect::<Vec<_>>(),
        [
            ("customer", "Hi! Can I bring a friend to my 3pm session?"),
            ("system", "Grace joined the chat"),
            ("agent", "Of course, I've added a second place."),
            ("customer", "Thanks &lt;3"),
        ]
    );
    // tawk.to keeps X-Hook-Event-Id across retries.
    let o = ingest_with(&s, "tawk", "tawk/chat-transcript.json", &ev("evt-3")).await;
    assert_eq!(o.status, IngestStatus::Duplicate);
    let o = ingest_with(&s, "tawk", "tawk/ticket-create.json", &ev("evt-4")).await;
    assert_eq!(o.status, IngestStatus::Ignored);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_events_of_a_new_conversation_create_it_once() {
    let s = service("twhc_").await;
    let mut handles = Vec::new();
    for f in [
        "intercom/conversation.user.created.json",
        "intercom/conversation.user.replied.json",
        "intercom/conversation.admin.replied.json",
        "intercom/conversation.admin.assigned.json",
        "intercom/conversation.user.created.json",
        "intercom/conversation.user.replied.json",
    ] {
        let s = s.clone();
        handles.push(tokio::spawn(async move {
            s.ingest_webhook("intercom", &Headers::new(), &fixture(f))
                .await
                .map(|o| o.status)
        }));
    }
    let mut statuses = Vec::new();
    for h in handles {
        statuses.push(h.await.unwrap().unwrap());
    }
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == IngestStatus::Duplicate)
            .count(),
        2,
        "{statuses:?}"
    );
    assert_eq!(counts(&s).await, (1, 3, 4));
    let c = &s.list_conversations(&Map::new()).await.unwrap()[0];
    assert_eq!(c.message_count, 3);
}

#[tokio::test]
async fn bad_deliveries_store_nothing() {
    let s = service("twhb_").await;
    for (platform, body) in [
        ("intercom", &b"{not json"[..]),
        ("zendesk", br#"{"event":"chat.message"}"#),
        ("tawk", br#"{"event":"chat:start"}"#),
    ] {
        let e = s
            .ingest_webhook(platform, &Headers::new(), body)
            .await
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidArgument, "{platform}");
    }
    let e = s
        .ingest_webhook("custom", &Headers::new(), b"{}")
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidArgument);
    assert_eq!(e.details["field"], "platform");
    assert_eq!(counts(&s).await, (0, 0, 0));
}

#[tokio::test]
async fn hostile_vendor_bodies_are_sanitised_and_empty_ones_skipped() {
    let s = service("twhx_").await;
    let mk = |id: u64, body: &str| {
        json!({"type": "new_message", "token": "t", "orgId": 1, "data": {
            "id": id, "conversationId": 77, "type": "chat", "createdAt": 1_716_552_001_000_i64,
            "author": {"type": "contact", "id": 5}, "body": body}})
        .to_string()
    };
    for (id, body) in [
        (
            1,
            "<img src=x onerror=alert(1)><a href=\"javascript:alert(1)\">click</a>",
        ),
        (2, "<p><img src=x></p>"),
        (3, &"<b>x</b>".repeat(3_000)),
    ] {
        s.ingest_webhook("drift", &Headers::new(), mk(id, body).as_bytes())
            .await
            .unwrap();
    }
    let c = &s.list_conversations(&Map::new()).await.unwrap()[0];
    let h = history(&s, c.id).await;
    assert_eq!(h.len(), 2, "the image-only message has nothing to show");
    assert_eq!(
        h[0].body,
        "<a rel=\"nofollow noopener noreferrer\">click</a>"
    );
    assert!(h[1].body.chars().count() <= 10_000);
    assert!(!h
        .iter()
        .any(|m| m.body.contains("onerror") || m.body.contains("javascript:")));
}
