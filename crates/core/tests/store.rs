//! The store against a real MariaDB/MySQL.
//!
//! Connection, table prefixes and the no-skip rule: see `common` (`BKX_TEST_DB_*`).

use bkx_core::attachments::Scanner;
use bkx_core::chat::ChatService;
use bkx_core::store::{migrations, Store};
use bkx_core::ErrorCode;
use mysql_async::prelude::*;
use serde_json::{json, Map, Value};

mod common;
use common::*;

#[tokio::test]
async fn migrate_creates_every_table_column_and_index_and_is_idempotent() {
    let s = service("tmig_").await;
    assert_eq!(s.migrate().await.unwrap(), migrations::latest_version());
    assert_eq!(
        migrations::current_version(s.store()).await.unwrap(),
        migrations::latest_version()
    );
    let mut c = store_conn(s.store()).await;
    let db = env("BKX_TEST_DB_NAME", "bkx_livechat_cargo");
    let cols: Vec<String> = c
        .exec(
            "SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?",
            (&db, "tmig_bkx_chat_messages"),
        )
        .await
        .unwrap();
    for col in [
        "conversation_id",
        "platform_message_id",
        "sender_type",
        "message",
        "is_read",
        "read_at",
        "client_id",
        "sender_name",
    ] {
        assert!(
            cols.iter().any(|c| c == col),
            "missing column {col}: {cols:?}"
        );
    }
    let idx: Vec<(String, String)> = c
        .exec(
            "SELECT INDEX_NAME, INDEX_TYPE FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?",
            (&db, "tmig_bkx_chat_messages"),
        )
        .await
        .unwrap();
    assert!(
        idx.contains(&("message_ft".into(), "FULLTEXT".into())),
        "{idx:?}"
    );
    for t in [
        "conversations",
        "agents",
        "triggers",
        "canned_responses",
        "analytics",
    ] {
        let n: Option<i64> = c
            .exec_first(
                "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?",
                (&db, format!("tmig_bkx_chat_{t}")),
            )
            .await
            .unwrap();
        assert_eq!(n, Some(1), "table {t}");
    }
}

#[tokio::test]
async fn an_older_schema_is_upgraded_in_place_without_losing_rows() {
    let cfg = base_config("tupg_");
    ensure_database(&cfg).await;
    let store = Store::new(&cfg).unwrap();
    drop_tables(&store).await;
    assert_eq!(migrations::migrate_to(&store, 1).await.unwrap(), 1);
    let mut c = store_conn(&store).await;
    c.query_drop(
        "INSERT INTO tupg_bkx_chat_conversations (platform, visitor_id, status, started_at, created_at, updated_at)
         VALUES ('custom', 'old-visitor-1', 'active', NOW(), NOW(), NOW())",
    )
    .await
    .unwrap();
    c.query_drop(
        "INSERT INTO tupg_bkx_chat_messages (conversation_id, sender_type, message, sent_at, created_at)
         SELECT id, 'customer', 'from v1', NOW(), NOW() FROM tupg_bkx_chat_conversations",
    )
    .await
    .unwrap();
    let s = ChatService::new(store.clone(), "custom").unwrap();
    assert_eq!(s.migrate().await.unwrap(), migrations::latest_version());
    let list = s.list_conversations(&Map::new()).await.unwrap();
    assert_eq!(list.len(), 1);
    let msgs = s.get_messages(list[0].id, &Map::new()).await.unwrap();
    assert_eq!(msgs[0].body, "from v1");
    // The v2 column works on the upgraded table.
    let (m, _) = s
        .send_message(
            list[0].id,
            &obj(json!({"sender_type": "agent", "body": "after upgrade", "client_id": "u-1"})),
        )
        .await
        .unwrap();
    assert_eq!(m.client_id.as_deref(), Some("u-1"));
}

#[tokio::test]
async fn messages_are_sanitised_counted_and_paged() {
    let s = service("tmsg_").await;
    let (conv, first) = s
        .create_conversation(&obj(
            json!({"visitor_id": "visitor-0001", "message": "<img src=x onerror=alert(1)>hi"}),
        ))
        .await
        .unwrap();
    assert_eq!(first.unwrap().body, "hi");
    assert_eq!(conv.status, "waiting");
    assert_eq!(conv.message_count, 1);
    for n in 0..7 {
        s.send_message(conv.id, &obj(json!({"sender_type": if n % 2 == 0 {"agent"} else {"customer"}, "body": format!("m{n}")})))
            .await
            .unwrap();
    }
    let c = s.get_conversation(conv.id).await.unwrap();
    assert_eq!(c.message_count, 8);
    assert!(c.first_response_time.is_some());
    let last3 = s
        .get_messages(conv.id, &obj(json!({"limit": 3})))
        .await
        .unwrap();
    assert_eq!(
        last3.iter().map(|m| m.body.as_str()).collect::<Vec<_>>(),
        ["m4", "m5", "m6"]
    );
    let before = s
        .get_messages(conv.id, &obj(json!({"limit": 2, "before_id": last3[0].id})))
        .await
        .unwrap();
    assert_eq!(
        before.iter().map(|m| m.body.as_str()).collect::<Vec<_>>(),
        ["m2", "m3"]
    );
    let after = s
        .get_messages(conv.id, &obj(json!({"limit": 2, "after_id": before[1].id})))
        .await
        .unwrap();
    assert_eq!(
        after.iter().map(|m| m.body.as_str()).collect::<Vec<_>>(),
        ["m4", "m5"]
    );
    let from_start = s
        .get_messages(conv.id, &obj(json!({"limit": 2, "after_id": 0})))
        .await
        .unwrap();
    assert_eq!(
        from_start[0].body, "hi",
        "after_id 0 reads from the first message"
    );
    let e = s
        .get_messages(conv.id, &obj(json!({"limit": 101})))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidArgument);
    // Read marks touch only the other side's messages.
    let mark = s
        .mark_read(conv.id, &obj(json!({"reader_type": "customer"})))
        .await
        .unwrap();
    assert_eq!(mark.updated, 4);
    let all = s
        .get_messages(conv.id, &obj(json!({"limit": 100})))
        .await
        .unwrap();
    assert!(all
        .iter()
        .filter(|m| m.sender_type == "agent")
        .all(|m| m.is_read && m.read_at.is_some()));
    assert!(all
        .iter()
        .filter(|m| m.sender_type == "customer")
        .all(|m| !m.is_read));
}

#[tokio::test]
async fn bad_input_stores_nothing() {
    let s = service("tbad_").await;
    let (conv, _) = s
        .create_conversation(&obj(json!({"customer_id": 7})))
        .await
        .unwrap();
    let bad = [
        (
            json!({"sender_type": "customer", "body": ""}),
            ErrorCode::InvalidArgument,
        ),
        (
            json!({"sender_type": "customer", "body": "   "}),
            ErrorCode::InvalidArgument,
        ),
        (
            json!({"sender_type": "customer", "body": "<script>alert(1)</script>"}),
            ErrorCode::InvalidArgument,
        ),
        (
            json!({"sender_type": "customer", "body": "x".repeat(10_001)}),
            ErrorCode::PayloadTooLarge,
        ),
        (
            json!({"sender_type": "robot", "body": "hi"}),
            ErrorCode::InvalidArgument,
        ),
        (
            json!({"sender_type": "customer", "body": ["hi"]}),
            ErrorCode::InvalidArgument,
        ),
        (
            json!({"sender_type": "customer", "body": "hi", "sender_id": "abc"}),
            ErrorCode::InvalidArgument,
        ),
        (
            json!({"sender_type": "customer", "body": "hi", "metadata": "str"}),
            ErrorCode::InvalidArgument,
        ),
        (
            json!({"sender_type": "customer", "body": "hi", "message_type": "exe"}),
            ErrorCode::InvalidArgument,
        ),
        (json!({"body": "hi"}), ErrorCode::InvalidArgument),
    ];
    for (input, code) in bad {
        let e = s
            .send_message(conv.id, &obj(input.clone()))
            .await
            .unwrap_err();
        assert_eq!(e.code, code, "{input}");
    }
    assert_eq!(count(s.store(), "bkx_chat_messages").await, 0);
    assert_eq!(s.get_conversation(conv.id).await.unwrap().message_count, 0);
    let ok = s
        .send_message(
            conv.id,
            &obj(json!({"sender_type": "customer", "body": "x".repeat(10_000)})),
        )
        .await;
    assert!(ok.is_ok());
    let e = s
        .send_message(
            999_999,
            &obj(json!({"sender_type": "customer", "body": "hi"})),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::NotFound);
    let e = s
        .create_conversation(&obj(json!({"platform": "custom"})))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidArgument);
    assert_eq!(count(s.store(), "bkx_chat_conversations").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn retried_sends_are_stored_once_even_when_concurrent() {
    let s = service("tidem_").await;
    let (conv, _) = s
        .create_conversation(&obj(json!({"visitor_id": "visitor-0002"})))
        .await
        .unwrap();
    let mut handles = Vec::new();
    for _ in 0..8 {
        let s = s.clone();
        handles.push(tokio::spawn(async move {
            s.send_message(
                conv.id,
                &obj(json!({"sender_type": "customer", "body": "once", "client_id": "c-42"})),
            )
            .await
            .map(|(m, fresh)| (m.id, fresh))
        }));
    }
    let mut ids = Vec::new();
    let mut stored_now = 0;
    for h in handles {
        let (id, fresh) = h.await.unwrap().unwrap();
        ids.push(id);
        stored_now += usize::from(fresh);
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "every retry returns the same message");
    assert_eq!(stored_now, 1, "exactly one send reports a new row");
    assert_eq!(count(s.store(), "bkx_chat_messages").await, 1);
    assert_eq!(s.get_conversation(conv.id).await.unwrap().message_count, 1);
}

#[tokio::test]
async fn a_retry_gets_the_stored_message_even_after_the_conversation_closed() {
    let s = service("tretry_").await;
    let (conv, _) = s
        .create_conversation(&obj(json!({"visitor_id": "visitor-0004"})))
        .await
        .unwrap();
    let send = |body: &str, client_id: &str| {
        obj(json!({"sender_type": "customer", "body": body, "client_id": client_id}))
    };
    let (first, fresh) = s
        .send_message(conv.id, &send("hello", "c-1"))
        .await
        .unwrap();
    assert!(fresh);
    // A retry carries the same client_id (its body may differ: the first one wins).
    let (again, fresh) = s
        .send_message(conv.id, &send("hello?", "c-1"))
        .await
        .unwrap();
    assert!(!fresh);
    assert_eq!(again, first, "the retry is answered with the stored row");
    let (second, fresh) = s
        .send_message(conv.id, &send("second", "c-2"))
        .await
        .unwrap();
    assert!(fresh && second.id > first.id);
    s.close_conversation(conv.id).await.unwrap();
    let (late, fresh) = s
        .send_message(conv.id, &send("hello", "c-1"))
        .await
        .unwrap();
    assert!(!fresh);
    assert_eq!(late, first, "a retry after closing still gets its message");
    let e = s
        .send_message(conv.id, &send("new", "c-3"))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Conflict);
    assert_eq!(count(s.store(), "bkx_chat_messages").await, 2);
    assert_eq!(s.get_conversation(conv.id).await.unwrap().message_count, 2);
}

#[tokio::test]
async fn close_rate_tag_and_update() {
    let s = service("tlife_").await;
    let (conv, _) = s
        .create_conversation(&obj(
            json!({"visitor_id": "visitor-0003", "tags": ["Booking"]}),
        ))
        .await
        .unwrap();
    let c = s
        .update_conversation(conv.id, &obj(json!({"assigned_agent_id": 5})))
        .await
        .unwrap();
    assert_eq!(
        (c.status.as_str(), c.assigned_agent_id),
        ("active", Some(5))
    );
    let c = s
        .tag_conversation(conv.id, &["VIP", " vip ", "Spa"])
        .await
        .unwrap();
    assert_eq!(c.tags, ["booking", "vip", "spa"]);
    let c = s.close_conversation(conv.id).await.unwrap();
    assert_eq!(c.status, "closed");
    assert!(c.ended_at.is_some() && c.resolution_time.is_some());
    let again = s.close_conversation(conv.id).await.unwrap();
    assert_eq!(again.ended_at, c.ended_at);
    let e = s
        .send_message(
            conv.id,
            &obj(json!({"sender_type": "customer", "body": "late"})),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Conflict);
    assert_eq!(
        s.rate_conversation(conv.id, 6, None)
            .await
            .unwrap_err()
            .code,
        ErrorCode::InvalidArgument
    );
    let c = s
        .rate_conversation(conv.id, 4, Some("<b>nice</b> <script>x</script>"))
        .await
        .unwrap();
    assert_eq!(
        (c.rating, c.rating_comment.as_deref()),
        (Some(4), Some("nice"))
    );
    let listed = s
        .list_conversations(&obj(json!({"status": "closed", "assigned_agent_id": 5})))
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    let e = s
        .list_conversations(&obj(json!({"status": "bogus"})))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidArgument);
}

const PNG_1X1: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\x0dIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\0\0\0\0IEND\xaeB`\x82";

fn no_scanner() -> Scanner {
    Scanner::from_setting("off").unwrap()
}

#[tokio::test]
async fn attachments_are_checked_recorded_linked_and_shown_on_messages() {
    let s = service("tatt_").await;
    let (conv, _) = s
        .create_conversation(&obj(
            json!({"visitor_id": "visitor-att-1", "message": "hi"}),
        ))
        .await
        .unwrap();
    let (a, verdict) = s
        .create_attachment(
            conv.id,
            &obj(json!({"name": "../../x/photo.php", "uploader_type": "customer", "visitor_id": "visitor-att-1"})),
            PNG_1X1,
            &no_scanner(),
        )
        .await
        .unwrap();
    assert_eq!(verdict.status(), "skipped");
    assert_eq!(a.scan_status, "skipped");
    assert_eq!(a.mime, "image/png");
    assert_eq!(a.original_name, "photo.php.png");
    assert_eq!(a.size, PNG_1X1.len() as u64);
    assert_eq!(a.sha256.len(), 64);
    assert!(bkx_core::attachments::is_storage_name(&a.storage_name));
    assert_eq!(a.message_id, None);
    assert_eq!(a.visitor_id.as_deref(), Some("visitor-att-1"));
    assert_eq!(s.get_attachment(a.id).await.unwrap(), a);

    // Refused content writes nothing.
    let before = count(s.store(), "bkx_chat_attachments").await;
    for (bytes, code) in [
        (
            b"\x7fELF\x02\x01\x01\0".to_vec(),
            ErrorCode::UnsupportedMediaType,
        ),
        (b"<?php echo 1;".to_vec(), ErrorCode::UnsupportedMediaType),
        (Vec::new(), ErrorCode::InvalidArgument),
        (
            vec![b'a'; bkx_core::attachments::MAX_BYTES + 1],
            ErrorCode::PayloadTooLarge,
        ),
    ] {
        let e = s
            .create_attachment(
                conv.id,
                &obj(json!({"name": "x.png", "uploader_type": "customer"})),
                &bytes,
                &no_scanner(),
            )
            .await
            .unwrap_err();
        assert_eq!(e.code, code);
    }
    let e = s
        .create_attachment(
            conv.id,
            &obj(json!({"name": "x.png"})),
            PNG_1X1,
            &no_scanner(),
        )
        .await
        .unwrap_err();
    assert_eq!(e.details["field"], "uploader_type");
    let e = s
        .create_attachment(
            999_999,
            &obj(json!({"uploader_type": "customer"})),
            PNG_1X1,
            &no_scanner(),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::NotFound);
    assert_eq!(count(s.store(), "bkx_chat_attachments").await, before);

    // An agent cannot send the customer's file; another conversation cannot use it.
    let e = s
        .send_message(
            conv.id,
            &obj(json!({"sender_type": "agent", "attachment_id": a.id})),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);
    let (other, _) = s
        .create_conversation(&obj(json!({"visitor_id": "visitor-att-2"})))
        .await
        .unwrap();
    let e = s
        .send_message(
            other.id,
            &obj(json!({"sender_type": "customer", "attachment_id": a.id})),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::NotFound);
    assert_eq!(e.details["field"], "attachment_id");
    assert_eq!(s.get_conversation(conv.id).await.unwrap().message_count, 1);

    // The file message: no body needed; the file name (escaped) becomes the body.
    let url = format!(
        "https://example.com/wp-json/bookingx/v1/chat/uploads/{}",
        a.id
    );
    let (m, created) = s
        .send_message(
            conv.id,
            &obj(
                json!({"sender_type": "customer", "attachment_id": a.id, "attachment_url": url,
                "message_type": "text", "client_id": "file-1"}),
            ),
        )
        .await
        .unwrap();
    assert!(created);
    assert_eq!(m.message_type, "file");
    assert_eq!(m.body, "photo.php.png");
    let j = m.to_json();
    assert_eq!(
        j["attachment"],
        json!({"id": a.id, "name": "photo.php.png", "mime": "image/png", "size": PNG_1X1.len(), "url": url})
    );
    assert_eq!(j["attachment_url"], json!(url));
    assert_eq!(s.get_attachment(a.id).await.unwrap().message_id, Some(m.id));
    // A retry returns the same message; reusing the file in a new message is a conflict.
    let (again, created) = s
        .send_message(
            conv.id,
            &obj(json!({"sender_type": "customer", "attachment_id": a.id, "client_id": "file-1"})),
        )
        .await
        .unwrap();
    assert!(!created);
    assert_eq!(again, m);
    let e = s
        .send_message(
            conv.id,
            &obj(json!({"sender_type": "customer", "attachment_id": a.id, "body": "again"})),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Conflict);
    // History shows the attachment; plain messages have none.
    let page = s.get_messages(conv.id, &Map::new()).await.unwrap();
    assert_eq!(page.len(), 2);
    assert_eq!(page[0].attachment, None);
    assert_eq!(page[0].to_json()["attachment"], Value::Null);
    assert_eq!(page[1].attachment.as_ref().map(|r| r.id), Some(a.id));
    assert_eq!(s.get_conversation(conv.id).await.unwrap().message_count, 2);
    // A linked file cannot be deleted on its own; a caption with markup is sanitised.
    assert_eq!(
        s.delete_attachment(a.id).await.unwrap_err().code,
        ErrorCode::Conflict
    );
    let (b, _) = s
        .create_attachment(
            conv.id,
            &obj(json!({"name": "<b>notes.txt", "uploader_type": "agent", "uploader_id": 3})),
            b"plain notes\n",
            &no_scanner(),
        )
        .await
        .unwrap();
    assert_eq!(b.original_name, "_b_notes.txt");
    let (m2, _) = s
        .send_message(
            conv.id,
            &obj(
                json!({"sender_type": "agent", "sender_id": 3, "attachment_id": b.id,
                "body": "see <script>x</script><i>this</i>"}),
            ),
        )
        .await
        .unwrap();
    assert_eq!(m2.body, "see <i>this</i>");
    assert_eq!(m2.to_json()["attachment"]["url"], Value::Null);
    // An unlinked upload can be undone.
    let (c, _) = s
        .create_attachment(
            conv.id,
            &obj(json!({"name": "n.txt", "uploader_type": "customer"})),
            b"x",
            &no_scanner(),
        )
        .await
        .unwrap();
    s.delete_attachment(c.id).await.unwrap();
    assert_eq!(
        s.get_attachment(c.id).await.unwrap_err().code,
        ErrorCode::NotFound
    );
    // Closed conversations take no files; deleting a conversation deletes its rows.
    s.close_conversation(conv.id).await.unwrap();
    let e = s
        .create_attachment(
            conv.id,
            &obj(json!({"name": "n.txt", "uploader_type": "customer"})),
            b"x",
            &no_scanner(),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Conflict);
    let mut db = store_conn(s.store()).await;
    let t = s.store().table_by_suffix("bkx_chat_conversations");
    db.exec_drop(format!("DELETE FROM {t} WHERE id = ?"), (conv.id,))
        .await
        .unwrap();
    assert_eq!(
        s.get_attachment(a.id).await.unwrap_err().code,
        ErrorCode::NotFound
    );
}

#[tokio::test]
async fn uploads_without_a_message_are_limited_per_conversation() {
    let s = service("tatl_").await;
    let (conv, _) = s
        .create_conversation(&obj(json!({"customer_id": 11})))
        .await
        .unwrap();
    let data = obj(json!({"name": "n.txt", "uploader_type": "customer", "uploader_id": 11}));
    for _ in 0..bkx_core::attachments::MAX_PENDING_PER_CONVERSATION {
        s.create_attachment(conv.id, &data, b"note", &no_scanner())
            .await
            .unwrap();
    }
    let e = s
        .create_attachment(conv.id, &data, b"note", &no_scanner())
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::RateLimited);
}

#[tokio::test]
async fn an_infected_upload_is_refused_and_not_recorded() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    // A one-shot fake clamd that finds everything.
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut c, _)) = l.accept().await {
            tokio::spawn(async move {
                let mut buf = vec![0u8; 65536];
                let mut got = Vec::new();
                // Read until the zero-length terminator (the last 4 bytes are zero).
                while let Ok(n) = c.read(&mut buf).await {
                    if n == 0 {
                        break;
                    }
                    got.extend_from_slice(&buf[..n]);
                    if got.len() >= 14 && got.ends_with(&[0, 0, 0, 0]) {
                        break;
                    }
                }
                let _ = c.write_all(b"stream: Test.Sig FOUND\0").await;
            });
        }
    });
    let s = service("tinf_").await;
    let (conv, _) = s
        .create_conversation(&obj(json!({"customer_id": 12})))
        .await
        .unwrap();
    let scanner = Scanner::from_setting(&format!("127.0.0.1:{port}")).unwrap();
    let e = s
        .create_attachment(
            conv.id,
            &obj(json!({"name": "n.txt", "uploader_type": "customer"})),
            b"anything",
            &scanner,
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidArgument);
    assert_eq!(e.details["reason"], "infected");
    assert_eq!(e.details["signature"], "Test.Sig");
    assert_eq!(count(s.store(), "bkx_chat_attachments").await, 0);
}

#[tokio::test]
async fn a_group_commit_answers_each_message_as_a_single_send_would() {
    let s = service("tbatch_").await;
    let conv = |v: &str| {
        let s = s.clone();
        let v = v.to_owned();
        async move {
            s.create_conversation(&obj(json!({ "visitor_id": v })))
                .await
                .unwrap()
                .0
        }
    };
    let (a, b, c) = (
        conv("visitor-a001").await,
        conv("visitor-b001").await,
        conv("visitor-c001").await,
    );
    let (first, _) = s
        .send_message(
            a.id,
            &obj(json!({"sender_type": "customer", "body": "hi", "client_id": "a-1"})),
        )
        .await
        .unwrap();
    s.close_conversation(c.id).await.unwrap();
    let msg = |body: &str, cid: &str, who: &str| {
        obj(json!({"sender_type": who, "body": body, "client_id": cid}))
    };
    let items = vec![
        (a.id, msg("hi", "a-1", "customer")),               // a retry
        (b.id, msg("hello", "b-1", "customer")),            // new
        (a.id, msg("<b>first</b> answer", "a-2", "agent")), // new, the first agent reply
        (c.id, msg("late", "c-1", "customer")),             // closed conversation
        (999_999_999, msg("lost", "x-1", "customer")),      // no such conversation
        (
            b.id,
            obj(json!({"sender_type": "customer", "client_id": "b-2"})),
        ), // no body
        (a.id, msg("<script>x()</script>then", "a-3", "customer")), // new, sanitised
    ];
    let out = s.send_messages_batch(&items).await;
    assert_eq!(out.len(), items.len(), "one answer per item, in order");
    let (m, created) = out[0].as_ref().unwrap();
    assert_eq!(
        (m.id, *created),
        (first.id, false),
        "a retry gets the stored row"
    );
    let (b1, created) = out[1].as_ref().unwrap();
    assert!(*created && b1.body == "hello" && b1.conversation_id == b.id);
    let (a2, _) = out[2].as_ref().unwrap();
    assert_eq!(a2.body, "<b>first</b> answer");
    assert_eq!(out[3].as_ref().unwrap_err().code, ErrorCode::Conflict);
    assert_eq!(out[4].as_ref().unwrap_err().code, ErrorCode::NotFound);
    assert_eq!(
        out[5].as_ref().unwrap_err().code,
        ErrorCode::InvalidArgument
    );
    let (a3, _) = out[6].as_ref().unwrap();
    assert_eq!(a3.body, "then", "sanitised like any message");
    assert!(
        a2.id < a3.id,
        "one conversation's messages keep their order"
    );
    assert_eq!(count(s.store(), "bkx_chat_messages").await, 4);
    let a_now = s.get_conversation(a.id).await.unwrap();
    assert_eq!(a_now.message_count, 3);
    assert!(
        a_now.first_response_time.is_some(),
        "the agent's reply is the first response"
    );
    assert_eq!(s.get_conversation(b.id).await.unwrap().message_count, 1);
    assert_eq!(s.get_conversation(c.id).await.unwrap().message_count, 0);
    let history = s.get_messages(a.id, &Map::new()).await.unwrap();
    let bodies: Vec<&str> = history.iter().map(|m| m.body.as_str()).collect();
    assert_eq!(bodies, ["hi", "<b>first</b> answer", "then"]);

    // A batch larger than any one statement (37 = 32 + 4 + 1 rows), then the same batch
    // again (every item a retry): stored once, in order, counted once.
    let mut convs = Vec::new();
    for n in 0..37 {
        convs.push(conv(&format!("visitor-n{n:03}")).await.id);
    }
    let big: Vec<_> = convs
        .iter()
        .enumerate()
        .map(|(n, id)| (*id, msg(&format!("m{n}"), &format!("k-{n}"), "customer")))
        .collect();
    let once = s.send_messages_batch(&big).await;
    let again = s.send_messages_batch(&big).await;
    for (n, (x, y)) in once.iter().zip(&again).enumerate() {
        let (x, created) = x.as_ref().unwrap();
        let (y, retried) = y.as_ref().unwrap();
        assert!(*created && !*retried);
        assert_eq!((x.id, x.body.as_str()), (y.id, format!("m{n}").as_str()));
        assert_eq!(x.conversation_id, convs[n]);
    }
    assert_eq!(count(s.store(), "bkx_chat_messages").await, 4 + 37);
    for id in &convs {
        assert_eq!(s.get_conversation(*id).await.unwrap().message_count, 1);
    }
}

#[tokio::test]
async fn a_sent_message_is_answered_exactly_as_it_reads_back() {
    // The answer of a send is built without reading the row back: it must equal the row.
    let s = service("tanswer_").await;
    let (conv, _) = s
        .create_conversation(&obj(json!({"visitor_id": "visitor-ans1"})))
        .await
        .unwrap();
    let sends = [
        json!({"sender_type": "customer", "body": "plain text", "client_id": "a-1"}),
        json!({"sender_type": "customer", "body": "Tom & Jerry <b>bold</b> <i>ok</i> 😀 ñ 漢字"}),
        json!({"sender_type": "agent", "sender_id": 7, "sender_name": "Ana & <Bob> 😀",
               "body": "<a href=\"https://example.com/x?a=1&b=2\">link</a><script>x()</script>",
               "client_id": "a-2"}),
        json!({"sender_type": "system", "message_type": "quote", "body": "Price",
               "metadata": {"card": {"total": 41.5, "n": 3, "big": 12345678901_i64,
                                     "list": [1, "two", null, true], "nested": {"z": 1, "a": 2}},
                            "note": "é \"quoted\" \\ back"}}),
        json!({"sender_type": "customer", "body": "  spaced  ", "attachment_url": "https://example.com/f.pdf"}),
    ];
    let mut answers = Vec::new();
    for d in &sends {
        let (m, created) = s.send_message(conv.id, &obj(d.clone())).await.unwrap();
        assert!(created);
        answers.push(m);
    }
    let stored = s.get_messages(conv.id, &Map::new()).await.unwrap();
    assert_eq!(
        stored, answers,
        "each answer equals its row, field for field"
    );
}
