//! `booking:context` (customer → agents: the live booking form) and `booking:fill`
//! (agent → customer: values for the form). Relayed, not stored: the form is the customer's.

use bkx_core::input::Input;
use bkx_core::{Error, ErrorCode};
use serde_json::{json, Value};
use socketioxide::adapter::Adapter;
use socketioxide::extract::{AckSender, Extension, SocketRef, State, TryData};

use super::{admit, conversation_id, ensure_member, fan_out, Kind};
use crate::ack::reply;
use crate::identity::{rooms, Identity};
use crate::state::App;

/// The customer's booking form changed.
pub async fn context<A: Adapter>(
    s: SocketRef<A>,
    State(app): State<App>,
    Extension(me): Extension<Identity>,
    TryData(p): TryData<Value>,
    ack: AckSender<A>,
) {
    let r = async {
        let p = admit(&app, &s, &me, p, Kind::Other)?;
        if me.is_staff() {
            return Err(Error::new(
                ErrorCode::Forbidden,
                "booking:context comes from the customer",
            ));
        }
        let id = conversation_id(&p)?;
        let ctx = Input(&p)
            .opt_map("context")?
            .ok_or_else(|| Error::invalid("context", "context is required"))?
            .clone();
        ensure_member(&app, &s, &me, id).await?;
        fan_out(
            &s,
            id,
            "booking:context",
            &json!({ "conversation_id": id, "context": ctx }),
        )
        .await;
        Ok(json!({}))
    }
    .await;
    reply(ack, r);
}

/// An agent fills fields of the customer's booking form.
pub async fn fill<A: Adapter>(
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
                "only agents fill the customer's form",
            ));
        }
        let id = conversation_id(&p)?;
        let fields = Input(&p)
            .opt_map("fields")?
            .ok_or_else(|| Error::invalid("fields", "fields is required"))?
            .clone();
        ensure_member(&app, &s, &me, id).await?;
        let ev = json!({ "conversation_id": id, "fields": fields });
        if let Err(e) = s
            .to(rooms::conversation(id))
            .except(rooms::STAFF)
            .emit("booking:fill", &ev)
            .await
        {
            tracing::warn!("booking:fill relay failed: {e}");
        }
        Ok(json!({}))
    }
    .await;
    reply(ack, r);
}
