//! `conversation:start`, `:join`, `:transfer`, `:close`.

use std::sync::atomic::Ordering;

use bkx_core::input::Input;
use bkx_core::model::Message;
use bkx_core::{Error, ErrorCode};
use serde_json::{json, Map, Value};
use socketioxide::adapter::Adapter;
use socketioxide::extract::{AckSender, Extension, SocketRef, State, TryData};

use super::{accessible, admit, conversation_id, count_db_error, fan_out, fan_out_all, Kind};
use crate::ack::reply;
use crate::identity::{rooms, Identity};
use crate::state::App;

/// Most messages replayed by one join; older history is paged over REST.
const MAX_REPLAY: usize = 1_000;
/// Rows per replay query.
const REPLAY_PAGE: u32 = 100;

/// A customer opens a conversation (optionally with its first message).
pub async fn start<A: Adapter>(
    s: SocketRef<A>,
    State(app): State<App>,
    Extension(me): Extension<Identity>,
    TryData(p): TryData<Value>,
    ack: AckSender<A>,
) {
    let r = async {
        let p = admit(&app, &s, &me, p, Kind::Message)?;
        if me.is_staff() {
            return Err(Error::new(
                ErrorCode::Forbidden,
                "agents take conversations from the queue",
            ));
        }
        let i = Input(&p);
        let mut data = Map::new();
        match me.user_id() {
            Some(u) => data.insert("customer_id".into(), u.into()),
            None => data.insert(
                "visitor_id".into(),
                me.visitor_id().unwrap_or_default().into(),
            ),
        };
        data.insert("platform".into(), "custom".into());
        if let Some(d) = i.opt_str("department", 100)? {
            data.insert("department".into(), d.into());
        }
        let mut meta = Map::new();
        if let Some(ctx) = i.opt_map("context")? {
            meta.insert("context".into(), Value::Object(ctx.clone()));
        }
        if let Some(n) = &me.name {
            meta.insert("customer_name".into(), n.clone().into());
        }
        data.insert("metadata".into(), Value::Object(meta));
        match i.get("message") {
            Some(Value::String(body)) => {
                data.insert(
                    "message".into(),
                    json!({"sender_type": "customer", "body": body, "sender_name": me.name}),
                );
            }
            Some(Value::Object(m)) => {
                let mut m = m.clone();
                m.insert("sender_type".into(), "customer".into());
                m.insert("sender_name".into(), me.name.clone().into());
                data.insert("message".into(), Value::Object(m));
            }
            Some(_) => {
                return Err(Error::invalid(
                    "message",
                    "message must be a string or an object",
                ))
            }
            None => {}
        }
        let (conv, first) = app
            .chat
            .create_conversation(&data)
            .await
            .inspect_err(|e| count_db_error(&app, e))?;
        s.join(rooms::conversation(conv.id));
        let conv_json = conv.to_json();
        if let Err(e) = s
            .to(rooms::STAFF)
            .emit("conversation:queued", &json!({ "conversation": conv_json }))
            .await
        {
            tracing::warn!("queue notice failed: {e}");
        }
        let mut out = json!({ "conversation": conv_json });
        if let Some(m) = first {
            app.metrics.messages_total.fetch_add(1, Ordering::Relaxed);
            let mj = m.to_json();
            fan_out(&s, conv.id, "message:new", &json!({ "message": mj })).await;
            out["message"] = mj;
        }
        Ok(out)
    }
    .await;
    reply(ack, r);
}

/// A page request for `ChatService::get_messages`.
fn page_request(after: Option<u64>, before: Option<u64>, limit: u32) -> Map<String, Value> {
    let mut m = Map::new();
    if let Some(a) = after {
        m.insert("after_id".into(), a.into());
    }
    if let Some(b) = before {
        m.insert("before_id".into(), b.into());
    }
    m.insert("limit".into(), limit.into());
    m
}

/// Every message after `since` (oldest first, at most `MAX_REPLAY`; `true` when more follow).
///
/// `since = 0` (a client that has seen nothing) means the whole conversation; the store's
/// cursors only take positive ids, so that case walks the history backwards instead.
async fn replay(app: &App, id: u64, since: u64) -> Result<(Vec<Message>, bool), Error> {
    let mut out: Vec<Message> = Vec::new();
    if since == 0 {
        let mut before = None;
        loop {
            let page = app
                .chat
                .get_messages(id, &page_request(None, before, REPLAY_PAGE))
                .await
                .inspect_err(|e| count_db_error(app, e))?;
            let full = page.len() == REPLAY_PAGE as usize;
            before = page.first().map(|m| m.id);
            out.splice(0..0, page);
            if !full {
                break;
            }
        }
        let has_more = out.len() > MAX_REPLAY;
        out.truncate(MAX_REPLAY);
        return Ok((out, has_more));
    }
    let mut after = since;
    loop {
        let page = app
            .chat
            .get_messages(id, &page_request(Some(after), None, REPLAY_PAGE))
            .await
            .inspect_err(|e| count_db_error(app, e))?;
        let full = page.len() == REPLAY_PAGE as usize;
        if let Some(last) = page.last() {
            after = last.id;
        }
        out.extend(page);
        if !full {
            return Ok((out, false));
        }
        if out.len() >= MAX_REPLAY {
            // One more look tells whether anything follows.
            let next = app
                .chat
                .get_messages(id, &page_request(Some(after), None, 1))
                .await
                .inspect_err(|e| count_db_error(app, e))?;
            return Ok((out, !next.is_empty()));
        }
    }
}

/// Joins a conversation's room and replays what the client missed (`since_id`).
pub async fn join<A: Adapter>(
    s: SocketRef<A>,
    State(app): State<App>,
    Extension(me): Extension<Identity>,
    TryData(p): TryData<Value>,
    ack: AckSender<A>,
) {
    let r = async {
        let p = admit(&app, &s, &me, p, Kind::Other)?;
        let id = conversation_id(&p)?;
        let since = Input(&p).opt_int("since_id", 0, i64::MAX)?;
        let conv = accessible(&app, &s, &me, id).await?;
        let (messages, has_more) = match since {
            Some(since) => replay(&app, id, since as u64).await?,
            None => {
                let page = app
                    .chat
                    .get_messages(id, &page_request(None, None, 50))
                    .await
                    .inspect_err(|e| count_db_error(&app, e))?;
                let has_more = page.len() == 50;
                (page, has_more)
            }
        };
        let messages: Vec<Value> = messages.iter().map(|m| m.to_json()).collect();
        Ok(json!({ "conversation": conv.to_json(), "messages": messages, "has_more": has_more }))
    }
    .await;
    reply(ack, r);
}

/// An agent hands a conversation to another agent or department.
pub async fn transfer<A: Adapter>(
    s: SocketRef<A>,
    State(app): State<App>,
    Extension(me): Extension<Identity>,
    TryData(p): TryData<Value>,
    ack: AckSender<A>,
) {
    let r = async {
        let p = admit(&app, &s, &me, p, Kind::Other)?;
        if !me.is_staff() {
            return Err(Error::new(
                ErrorCode::Forbidden,
                "only agents transfer conversations",
            ));
        }
        let id = conversation_id(&p)?;
        let i = Input(&p);
        let agent = i.opt_id("agent_id")?;
        let department = i.opt_str("department", 100)?;
        if agent.is_none() && department.is_none() {
            return Err(Error::invalid("agent_id", "give agent_id or department"));
        }
        accessible(&app, &s, &me, id).await?;
        let mut changes = Map::new();
        match agent {
            Some(a) => changes.insert("assigned_agent_id".into(), a.into()),
            // A department transfer puts the conversation back in that department's queue.
            None => changes.insert("assigned_agent_id".into(), Value::Null),
        };
        if agent.is_none() {
            changes.insert("status".into(), "waiting".into());
        }
        if let Some(d) = department {
            changes.insert("metadata".into(), json!({ "department": d }));
        }
        let conv = app
            .chat
            .update_conversation(id, &changes)
            .await
            .inspect_err(|e| count_db_error(&app, e))?;
        let note = match (agent, department) {
            (Some(a), _) => format!("Conversation transferred to agent #{a}."),
            (None, Some(d)) => format!(
                "Conversation transferred to {}.",
                bkx_core::sanitize::to_text(d)
            ),
            (None, None) => String::new(),
        };
        // Through the writer, so it takes its place among the conversation's messages.
        if !note.is_empty() {
            let note = json!({"sender_type": "system", "body": note, "message_type": "system"})
                .as_object()
                .cloned()
                .unwrap_or_default();
            if let Ok(mut queued) = app.sends.queue(&app.order, id, note).await {
                if let Ok((m, _)) = queued.stored().await {
                    queued.turn.ready().await;
                    fan_out_all(&s, id, "message:new", &json!({ "message": m.to_json() })).await;
                }
            }
        }
        let cj = json!({ "conversation": conv.to_json() });
        fan_out_all(&s, id, "conversation:updated", &cj).await;
        if agent.is_none() {
            if let Err(e) = s
                .within(rooms::STAFF)
                .emit("conversation:queued", &cj)
                .await
            {
                tracing::warn!("queue notice failed: {e}");
            }
        }
        Ok(cj)
    }
    .await;
    reply(ack, r);
}

/// Closes a conversation (a participant or an agent).
pub async fn close<A: Adapter>(
    s: SocketRef<A>,
    State(app): State<App>,
    Extension(me): Extension<Identity>,
    TryData(p): TryData<Value>,
    ack: AckSender<A>,
) {
    let r = async {
        let p = admit(&app, &s, &me, p, Kind::Other)?;
        let id = conversation_id(&p)?;
        accessible(&app, &s, &me, id).await?;
        let conv = app
            .chat
            .close_conversation(id)
            .await
            .inspect_err(|e| count_db_error(&app, e))?;
        let cj = json!({ "conversation": conv.to_json() });
        fan_out(&s, id, "conversation:updated", &cj).await;
        Ok(cj)
    }
    .await;
    reply(ack, r);
}
