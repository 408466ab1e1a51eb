//! The `/chat` namespace: one file per concern, wired here on connect.
//!
//! Every client event answers through its ack (`ack::reply`), including refusals; the
//! common checks (payload shape and size, flood control, membership) run in `admit`.

mod agent;
mod booking;
mod conversation;
mod message;

use std::sync::atomic::Ordering;
use std::time::Instant;

use bkx_core::model::Conversation;
use bkx_core::{Error, ErrorCode};
use serde_json::{Map, Value};
use socketioxide::adapter::Adapter;
use socketioxide::extract::{AckSender, Event, Extension, SocketRef, State, TryData};

use crate::ack;
use crate::identity::{rooms, Identity};
use crate::state::{App, ConnBuckets};

/// Readies a freshly authenticated socket: its event handlers, rooms, presence and
/// counters. Called from the `authenticate` middleware, i.e. *before* socketioxide sends
/// the connect packet: socketioxide runs the connect handler itself as a spawned task, and a
/// client may emit its first event the moment it sees the connect packet. Handlers
/// registered in that task could come too late, and the event would be dropped (the
/// client's ack then times out); rooms joined there could miss a `conversation:queued`.
/// Returns the status to announce when the socket is an agent's.
pub fn prepare<A: Adapter>(s: &SocketRef<A>, app: &App, me: &Identity) -> Option<(u64, String)> {
    s.on_fallback(dispatch);
    s.on_disconnect(on_disconnect);
    app.metrics.connections.fetch_add(1, Ordering::Relaxed);
    app.metrics
        .connections_total
        .fetch_add(1, Ordering::Relaxed);
    tracing::debug!(sid = %s.id, sub = %me.sub, role = me.role.as_str(), "connected");
    if !me.is_staff() {
        return None;
    }
    match me.user_id() {
        Some(uid) => {
            s.join([rooms::STAFF.to_owned(), rooms::agent(uid)]);
            Some((uid, app.presence.connect(uid)))
        }
        None => {
            s.join(rooms::STAFF);
            None
        }
    }
}

/// Every client event, routed by name. One handler per socket instead of one map entry per
/// event: socketioxide keeps a socket's handlers in a map of its own, and idle sockets are
/// most of a chat server's memory. An event the protocol does not know is answered with an
/// `invalid_argument` ack (after the flood check, so unknown names cannot be used to flood).
async fn dispatch<A: Adapter>(
    s: SocketRef<A>,
    Event(event): Event,
    state: State<App>,
    me: Extension<Identity>,
    data: TryData<Value>,
    ack: AckSender<A>,
) {
    match event.as_str() {
        "conversation:start" => conversation::start(s, state, me, data, ack).await,
        "conversation:join" => conversation::join(s, state, me, data, ack).await,
        "conversation:transfer" => conversation::transfer(s, state, me, data, ack).await,
        "conversation:close" => conversation::close(s, state, me, data, ack).await,
        "message:send" => message::send(s, state, me, data, ack).await,
        "message:read" => message::read(s, state, me, data, ack).await,
        "typing" => message::typing(s, state, me, data, ack).await,
        "agent:status" => agent::status(s, state, me, data, ack).await,
        "booking:context" => booking::context(s, state, me, data, ack).await,
        "booking:fill" => booking::fill(s, state, me, data, ack).await,
        _ => {
            let (State(app), Extension(me)) = (state, me);
            let r = admit(
                &app,
                &s,
                &me,
                Ok::<_, String>(Value::Object(Map::new())),
                Kind::Other,
            )
            .and_then(|_| {
                Err::<Value, _>(Error::invalid(
                    "event",
                    "this event is not part of the protocol",
                ))
            });
            ack::reply(ack, r);
        }
    }
}

/// What remains once the socket is connected: telling the other agents an agent is here.
pub async fn on_connect<A: Adapter>(s: SocketRef<A>, Extension(me): Extension<Identity>) {
    if let (true, Some(uid)) = (me.is_staff(), me.user_id()) {
        if let Some(Announce(status)) = s.extensions.get::<Announce>() {
            agent::announce(&s, uid, &status).await;
        }
    }
}

/// The presence status `prepare` recorded, for `on_connect` to broadcast.
#[derive(Clone)]
pub struct Announce(pub String);

async fn on_disconnect<A: Adapter>(
    s: SocketRef<A>,
    State(app): State<App>,
    Extension(me): Extension<Identity>,
) {
    app.metrics.connections.fetch_sub(1, Ordering::Relaxed);
    {
        let mut t = app.typing.lock().unwrap_or_else(|p| p.into_inner());
        let sid = s.id.to_string();
        t.retain(|(k, _), _| *k != sid);
    }
    if let (true, Some(uid)) = (me.is_staff(), me.user_id()) {
        if app.presence.disconnect(uid) {
            agent::announce(&s, uid, "offline").await;
        }
    }
}

/// Which bucket an event draws from.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Message,
    Other,
}

/// Common checks; returns the payload as a map.
fn admit<A: Adapter>(
    app: &App,
    s: &SocketRef<A>,
    me: &Identity,
    payload: Result<Value, impl std::fmt::Display>,
    kind: Kind,
) -> Result<Map<String, Value>, Error> {
    let limited = || {
        app.metrics
            .rate_limited_total
            .fetch_add(1, Ordering::Relaxed);
        Error::new(ErrorCode::RateLimited, "too many events; slow down")
    };
    if let Some(b) = s.extensions.get::<ConnBuckets>() {
        let now = Instant::now();
        if !b
            .events
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .try_take(now)
        {
            return Err(limited());
        }
        if kind == Kind::Message {
            if !b
                .messages
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .try_take(now)
            {
                return Err(limited());
            }
            if !app
                .identities
                .try_take(&me.sub, app.limits.messages_per_identity)
            {
                return Err(limited());
            }
        }
    }
    let v = payload.map_err(|e| {
        Error::invalid("payload", format!("the payload must be a JSON object: {e}"))
    })?;
    let size = serde_json::to_string(&v).map_or(usize::MAX, |t| t.len());
    if size > app.limits.max_event_bytes {
        return Err(
            Error::new(ErrorCode::PayloadTooLarge, "the event payload is too large")
                .with("max", app.limits.max_event_bytes)
                .with("size", size),
        );
    }
    match v {
        Value::Object(m) => Ok(m),
        _ => Err(Error::invalid(
            "payload",
            "the payload must be a JSON object",
        )),
    }
}

/// Reads the required `conversation_id`.
fn conversation_id(p: &Map<String, Value>) -> Result<u64, Error> {
    bkx_core::input::Input(p)
        .opt_id("conversation_id")?
        .ok_or_else(|| Error::invalid("conversation_id", "conversation_id is required"))
}

/// Loads a conversation the caller may access, joining its room (so later events of this
/// socket skip the database check).
async fn accessible<A: Adapter>(
    app: &App,
    s: &SocketRef<A>,
    me: &Identity,
    id: u64,
) -> Result<Conversation, Error> {
    let c = app
        .chat
        .get_conversation(id)
        .await
        .inspect_err(|e| count_db_error(app, e))?;
    if !me.can_access(&c) {
        return Err(Error::new(
            ErrorCode::Forbidden,
            "you are not a participant of this conversation",
        )
        .with("conversation_id", id));
    }
    s.join(rooms::conversation(id));
    Ok(c)
}

/// True when this socket already proved access to the conversation.
fn is_member<A: Adapter>(s: &SocketRef<A>, id: u64) -> bool {
    let room = rooms::conversation(id);
    s.rooms().iter().any(|r| r.as_ref() == room)
}

/// Makes sure the socket may act on the conversation (room membership or a database check).
async fn ensure_member<A: Adapter>(
    app: &App,
    s: &SocketRef<A>,
    me: &Identity,
    id: u64,
) -> Result<(), Error> {
    if is_member(s, id) {
        return Ok(());
    }
    accessible(app, s, me, id).await.map(|_| ())
}

fn count_db_error(app: &App, e: &Error) {
    if e.code == ErrorCode::StorageError {
        app.metrics.db_errors_total.fetch_add(1, Ordering::Relaxed);
        tracing::error!(cause = ?e.details.get("cause"), "{}", e.message);
    }
}

/// Emits `event` to the conversation's room and to every staff connection, except `s`.
async fn fan_out<A: Adapter>(s: &SocketRef<A>, conversation: u64, event: &str, data: &Value) {
    let targets = [rooms::conversation(conversation), rooms::STAFF.to_owned()];
    if let Err(e) = s.to(targets).emit(event, data).await {
        tracing::warn!("broadcast of {event} failed: {e}");
    }
}

/// Emits `event` to the conversation's room and staff, the sender's socket included.
async fn fan_out_all<A: Adapter>(s: &SocketRef<A>, conversation: u64, event: &str, data: &Value) {
    let targets = [rooms::conversation(conversation), rooms::STAFF.to_owned()];
    if let Err(e) = s.within(targets).emit(event, data).await {
        tracing::warn!("broadcast of {event} failed: {e}");
    }
}
