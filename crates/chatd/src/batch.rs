//! Group commit for `message:send`: sends that arrive while earlier ones are being committed
//! are stored together in one transaction ([`ChatService::send_messages_batch`]), so the
//! database flushes its log once for many messages instead of once per message.
//!
//! There is no timer: a lone message is committed at once (no added latency at low load);
//! under load the queue fills while up to [`MAX_CONCURRENT`] batches are in flight, and the
//! next batch takes everything queued (up to [`MAX_BATCH`]). A handler still gets its own
//! answer only after the commit, and the per-conversation lock it holds means one
//! conversation has at most one message in the queue on this node (emit order = id order).
//!
//! [`ChatService::send_messages_batch`]: bkx_core::chat::ChatService::send_messages_batch

use std::sync::Arc;

use bkx_core::model::Message;
use bkx_core::{Error, ErrorCode, Result};
use serde_json::{Map, Value};
use tokio::sync::{mpsc, oneshot, Semaphore};

use crate::state::App;

/// Most messages in one transaction.
pub const MAX_BATCH: usize = 64;
/// Batches committed at the same time (each holds one database connection).
pub const MAX_CONCURRENT: usize = 2;
/// Queued sends before handlers wait for room (back-pressure, not a limit on clients).
const QUEUE: usize = 4096;

type Job = (
    u64,
    Map<String, Value>,
    oneshot::Sender<Result<(Message, bool)>>,
);

/// The handlers' side of the queue.
pub struct Sends {
    tx: mpsc::Sender<Job>,
}

impl Sends {
    /// The queue and its receiving end (give the receiver to [`run`]).
    pub fn new() -> (Sends, mpsc::Receiver<Job>) {
        let (tx, rx) = mpsc::channel(QUEUE);
        (Sends { tx }, rx)
    }

    /// Stores one message (as `ChatService::send_message` would) and answers after the
    /// commit of the batch it went into.
    pub async fn send(
        &self,
        conversation_id: u64,
        data: Map<String, Value>,
    ) -> Result<(Message, bool)> {
        let stopped = || Error::new(ErrorCode::StorageError, "the message writer has stopped");
        let (tx, rx) = oneshot::channel();
        self.tx
            .send((conversation_id, data, tx))
            .await
            .map_err(|_| stopped())?;
        rx.await.map_err(|_| stopped())?
    }
}

/// The writer: runs until every [`Sends`] is dropped.
pub async fn run(app: App, mut rx: mpsc::Receiver<Job>) {
    let permits = Arc::new(Semaphore::new(MAX_CONCURRENT));
    while let Some(first) = rx.recv().await {
        let Ok(permit) = permits.clone().acquire_owned().await else {
            break;
        };
        // Taken after a permit is free: whatever queued meanwhile joins this batch.
        let mut jobs = vec![first];
        while jobs.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(j) => jobs.push(j),
                Err(_) => break,
            }
        }
        let app = app.clone();
        tokio::spawn(async move {
            let mut items = Vec::with_capacity(jobs.len());
            let mut answers = Vec::with_capacity(jobs.len());
            for (id, data, tx) in jobs {
                items.push((id, data));
                answers.push(tx);
            }
            app.metrics.observe_batch(items.len());
            let results = app.chat.send_messages_batch(&items).await;
            for (r, tx) in results.into_iter().zip(answers) {
                // A handler that went away (socket closed) no longer needs its answer.
                let _ = tx.send(r);
            }
            drop(permit);
        });
    }
}
