//! `agent:status`: presence of agents, announced to the other agents.

use bkx_core::input::Input;
use bkx_core::{Error, ErrorCode};
use serde_json::{json, Value};
use socketioxide::adapter::Adapter;
use socketioxide::extract::{AckSender, Extension, SocketRef, State, TryData};

use super::{admit, Kind};
use crate::ack::reply;
use crate::identity::{rooms, Identity};
use crate::state::{App, AGENT_STATUSES};

/// Tells every staff connection about an agent's status.
pub async fn announce<A: Adapter>(s: &SocketRef<A>, agent_id: u64, status: &str) {
    let ev = json!({ "agent_id": agent_id, "status": status });
    if let Err(e) = s
        .broadcast()
        .to(rooms::STAFF)
        .emit("agent:status", &ev)
        .await
    {
        tracing::warn!("agent status broadcast failed: {e}");
    }
}

/// An agent sets online / away / offline.
pub async fn status<A: Adapter>(
    s: SocketRef<A>,
    State(app): State<App>,
    Extension(me): Extension<Identity>,
    TryData(p): TryData<Value>,
    ack: AckSender<A>,
) {
    let r = async {
        let p = admit(&app, &s, &me, p, Kind::Other)?;
        let (true, Some(uid)) = (me.is_staff(), me.user_id()) else {
            return Err(Error::new(
                ErrorCode::Forbidden,
                "only agents have a status",
            ));
        };
        let status = Input(&p)
            .opt_enum("status", AGENT_STATUSES)?
            .ok_or_else(|| {
                Error::invalid("status", "status is required (online, away or offline)")
            })?;
        app.presence.set(uid, status);
        announce(&s, uid, status).await;
        Ok(json!({}))
    }
    .await;
    reply(ack, r);
}
