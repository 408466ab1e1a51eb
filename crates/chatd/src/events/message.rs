//! `message:send`, `message:read`, `typing`.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use bkx_core::input::Input;
use bkx_core::{Error, ErrorCode};
use serde_json::{json, Map, Value};
use socketioxide::adapter::Adapter;
use socketioxide::extract::{AckSender, Extension, SocketRef, State, TryData};

use super::{admit, conversation_id, count_db_error, ensure_member, fan_out, is_member, Kind};
use crate::ack::reply;
use crate::identity::Identity;
use crate::state::App;

/// A typing "on" is forwarded at most this often per socket and conversation.
const TYPING_INTERVAL: Duration = Duration::from_millis(1_000);

/// Stores a message, acks it once committed, then delivers it to the room.
pub async fn send<A: Adapter>(
    s: SocketRef<A>,
    State(app): State<App>,
    Extension(me): Extension<Identity>,
    TryData(p): TryData<Value>,
    ack: AckSender<A>,
) {
    let started = Instant::now();
    let r = async {
        let p = admit(&app, &s, &me, p, Kind::Message)?;
        let id = conversation_id(&p)?;
        let i = Input(&p);
        let client_id = i
            .opt_str("client_id", bkx_core::chat::MAX_CLIENT_ID)?
            .filter(|c| !c.is_empty())
            .ok_or_else(|| {
                Error::invalid("client_id", "client_id is required (it makes retries safe)")
            })?;
        // Files are uploaded over REST; the message then names the upload. The core checks
        // that it belongs to this conversation, is unsent and was uploaded by this side.
        let attachment = match i.opt_id("attachment_id")? {
            None => None,
            Some(aid) => {
                let base = app.rest_url.as_deref().ok_or_else(|| {
                    Error::new(
                        ErrorCode::UnsupportedMediaType,
                        "this chat server is not configured for files (rest_url)",
                    )
                })?;
                Some((aid, format!("{base}bookingx/v1/chat/uploads/{aid}")))
            }
        };
        ensure_member(&app, &s, &me, id).await?;
        let mut m = Map::new();
        if let Some((aid, url)) = attachment {
            m.insert("attachment_id".into(), aid.into());
            m.insert("attachment_url".into(), url.into());
        }
        m.insert("sender_type".into(), me.sender_type().into());
        if let Some(u) = me.user_id() {
            m.insert("sender_id".into(), u.into());
        }
        if let Some(n) = &me.name {
            m.insert("sender_name".into(), n.clone().into());
        }
        m.insert("client_id".into(), client_id.into());
        m.insert("body".into(), i.get("body").cloned().unwrap_or(Value::Null));
        if let Some(t) = i.get("type") {
            m.insert("message_type".into(), t.clone());
        }
        // Queued with its turn; emitted after the conversation's earlier messages.
        let mut queued = app.sends.queue(&app.order, id, m).await?;
        let (msg, created) = queued
            .stored()
            .await
            .inspect_err(|e| count_db_error(&app, e))?;
        let mj = msg.to_json();
        if created {
            app.metrics.messages_total.fetch_add(1, Ordering::Relaxed);
            queued.turn.ready().await;
            fan_out(&s, id, "message:new", &json!({ "message": mj })).await;
        }
        drop(queued);
        if created {
            if me.is_staff() {
                claim_if_unassigned(&app, &s, &me, id).await;
            }
        } else {
            app.metrics
                .duplicate_messages_total
                .fetch_add(1, Ordering::Relaxed);
        }
        Ok(json!({ "message": mj }))
    }
    .await;
    app.metrics.observe_ack(started.elapsed());
    reply(ack, r);
}

/// The first agent to answer a waiting conversation takes it.
async fn claim_if_unassigned<A: Adapter>(app: &App, s: &SocketRef<A>, me: &Identity, id: u64) {
    let Some(uid) = me.user_id() else { return };
    let Ok(conv) = app.chat.get_conversation(id).await else {
        return;
    };
    if conv.assigned_agent_id.is_some() {
        return;
    }
    let changes = json!({ "assigned_agent_id": uid })
        .as_object()
        .cloned()
        .unwrap_or_default();
    if let Ok(c) = app.chat.update_conversation(id, &changes).await {
        super::fan_out_all(
            s,
            id,
            "conversation:updated",
            &json!({ "conversation": c.to_json() }),
        )
        .await;
    }
}

/// Marks the other side's messages read and tells the room.
pub async fn read<A: Adapter>(
    s: SocketRef<A>,
    State(app): State<App>,
    Extension(me): Extension<Identity>,
    TryData(p): TryData<Value>,
    ack: AckSender<A>,
) {
    let r = async {
        let p = admit(&app, &s, &me, p, Kind::Other)?;
        let id = conversation_id(&p)?;
        let up_to = Input(&p).opt_id("up_to_id")?;
        ensure_member(&app, &s, &me, id).await?;
        let mut req = Map::new();
        req.insert("reader_type".into(), me.sender_type().into());
        if let Some(u) = up_to {
            req.insert("up_to_id".into(), u.into());
        }
        let mark = app
            .chat
            .mark_read(id, &req)
            .await
            .inspect_err(|e| count_db_error(&app, e))?;
        let mut ev = mark.to_json();
        if let Value::Object(o) = &mut ev {
            o.remove("updated");
        }
        fan_out(&s, id, "message:read", &ev).await;
        Ok(json!({ "updated": mark.updated, "read_at": ev["read_at"] }))
    }
    .await;
    reply(ack, r);
}

/// Forwards typing state, throttled; answers an ack only if the client asked for one.
pub async fn typing<A: Adapter>(
    s: SocketRef<A>,
    State(app): State<App>,
    Extension(me): Extension<Identity>,
    TryData(p): TryData<Value>,
    ack: AckSender<A>,
) {
    let r = async {
        let p = admit(&app, &s, &me, p, Kind::Other)?;
        let id = conversation_id(&p)?;
        let state = Input(&p).opt_bool("state")?.unwrap_or(true);
        if !is_member(&s, id) {
            return Err(Error::new(
                ErrorCode::Forbidden,
                "join the conversation first",
            ));
        }
        let key = (s.id.to_string(), id);
        {
            let mut t = app.typing.lock().unwrap_or_else(|p| p.into_inner());
            let now = Instant::now();
            if state {
                if t.get(&key)
                    .is_some_and(|last| now.duration_since(*last) < TYPING_INTERVAL)
                {
                    return Ok(json!({ "throttled": true }));
                }
                t.insert(key, now);
            } else {
                t.remove(&key);
            }
        }
        let ev = json!({
            "conversation_id": id,
            "sender_type": me.sender_type(),
            "sender_name": me.name,
            "state": state,
        });
        fan_out(&s, id, "typing", &ev).await;
        Ok(json!({}))
    }
    .await;
    reply(ack, r);
}
