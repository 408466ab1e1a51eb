//! The ack envelope of the protocol: `{"ok": true, "data": ...}` or
//! `{"ok": false, "error": {"code", "message"}}`.

use bkx_core::Error;
use serde_json::{json, Value};
use socketioxide::adapter::Adapter;
use socketioxide::extract::AckSender;

/// Sends the envelope for `result` (a client that asked for no ack gets nothing).
pub fn reply<A: Adapter>(ack: AckSender<A>, result: Result<Value, Error>) {
    let body = match result {
        Ok(data) => json!({ "ok": true, "data": data }),
        Err(e) => {
            let mut err = json!({ "code": e.code.as_str(), "message": e.message });
            if !e.details.is_empty() {
                // Causes from the driver stay in the logs, not on the wire.
                let details: serde_json::Map<String, Value> = e
                    .details
                    .into_iter()
                    .filter(|(k, _)| k != "cause")
                    .collect();
                err["details"] = Value::Object(details);
            }
            json!({ "ok": false, "error": err })
        }
    };
    if let Err(e) = ack.send(&body) {
        tracing::debug!("ack not delivered: {e}");
    }
}
