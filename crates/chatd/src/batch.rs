//! Group commit for `message:send`: sends that arrive while earlier ones are being committed
//! are stored together in one transaction ([`ChatService::send_messages_batch`]), so the
//! database does a handful of statements and one log flush for many messages instead of
//! several statements and a flush per message.
//!
//! There is no timer: a lone message is committed at once (no added latency at low load);
//! under load the queue fills while up to [`MAX_CONCURRENT`] batches are in flight, and the
//! next batch takes everything queued (up to [`MAX_BATCH`]).
//!
//! Order: a send takes its conversation's [`Turn`] and joins the queue in one step, and the
//! writer never runs a conversation's message while an earlier one of that conversation is
//! in a batch still in flight (later ones wait in the queue, or share the earlier one's
//! batch, in order). So one conversation's messages commit in queue order — ids ascend in
//! turn order — and the turns then emit them in that order. A sender's next message does
//! not wait for the previous one's broadcast to be queued.
//!
//! [`ChatService::send_messages_batch`]: bkx_core::chat::ChatService::send_messages_batch

use std::collections::{HashSet, VecDeque};
use std::sync::Arc;

use bkx_core::model::Message;
use bkx_core::{Error, ErrorCode, Result};
use serde_json::{Map, Value};
use tokio::sync::{mpsc, oneshot, OwnedSemaphorePermit, Semaphore};

use crate::order::{Sequencer, Turn};
use crate::state::App;

/// Most messages in one transaction.
pub const MAX_BATCH: usize = 64;
/// Batches committed at the same time (each holds one database connection). Two: while
/// one commits, the next fills; more in flight only makes each batch smaller.
pub const MAX_CONCURRENT: usize = 2;
/// Queued sends before handlers wait for room (back-pressure, not a limit on clients).
const QUEUE: usize = 4096;

/// One queued send.
pub struct Job {
    conversation_id: u64,
    data: Map<String, Value>,
    answer: oneshot::Sender<Result<(Message, bool)>>,
    /// Its place in the queue's bound, given back when the job is answered.
    room: OwnedSemaphorePermit,
}

/// The handlers' side of the queue.
pub struct Sends {
    tx: mpsc::UnboundedSender<Job>,
    room: Arc<Semaphore>,
}

/// A queued send: its turn in the conversation's emit order and, once committed, its
/// answer (as `ChatService::send_message` gives it: `bool` = newly created).
pub struct Queued {
    pub turn: Turn,
    answer: oneshot::Receiver<Result<(Message, bool)>>,
}

impl Queued {
    /// Waits for the commit of the batch the message went into.
    pub async fn stored(&mut self) -> Result<(Message, bool)> {
        (&mut self.answer).await.map_err(|_| stopped())?
    }
}

fn stopped() -> Error {
    Error::new(ErrorCode::StorageError, "the message writer has stopped")
}

impl Sends {
    /// The queue and its receiving end (give the receiver to [`run`]).
    pub fn new() -> (Sends, mpsc::UnboundedReceiver<Job>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let room = Arc::new(Semaphore::new(QUEUE));
        (Sends { tx, room }, rx)
    }

    /// Queues one message of conversation `conversation_id` (stored as
    /// `ChatService::send_message` would store it) and takes its turn, in one step.
    pub async fn queue(
        &self,
        order: &Sequencer,
        conversation_id: u64,
        data: Map<String, Value>,
    ) -> Result<Queued> {
        let room = self
            .room
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| stopped())?;
        let (answer_tx, answer) = oneshot::channel();
        let job = Job {
            conversation_id,
            data,
            answer: answer_tx,
            room,
        };
        let (turn, sent) = order.turn_with(conversation_id, || self.tx.send(job));
        sent.map_err(|_| stopped())?;
        Ok(Queued { turn, answer })
    }
}

/// The next batch: queued jobs in order, skipping conversations with a batch in flight
/// (`busy`) — and every later job of a conversation once one of its jobs was skipped, so a
/// conversation's messages never overtake each other.
fn take_batch(pending: &mut VecDeque<Job>, busy: &HashSet<u64>) -> Vec<Job> {
    let mut batch = Vec::new();
    let mut held = VecDeque::new();
    let mut blocked: HashSet<u64> = HashSet::new();
    while let Some(job) = pending.pop_front() {
        let c = job.conversation_id;
        if batch.len() >= MAX_BATCH || busy.contains(&c) || blocked.contains(&c) {
            blocked.insert(c);
            held.push_back(job);
        } else {
            batch.push(job);
        }
    }
    *pending = held;
    batch
}

/// The writer: runs until every [`Sends`] is dropped and the queue is empty.
pub async fn run(app: App, mut rx: mpsc::UnboundedReceiver<Job>) {
    let (done_tx, mut done_rx) = mpsc::unbounded_channel::<Vec<u64>>();
    let mut pending: VecDeque<Job> = VecDeque::new();
    let mut busy: HashSet<u64> = HashSet::new();
    let mut running = 0usize;
    let mut open = true;
    loop {
        while open {
            match rx.try_recv() {
                Ok(j) => pending.push_back(j),
                Err(mpsc::error::TryRecvError::Empty) => break,
                Err(mpsc::error::TryRecvError::Disconnected) => open = false,
            }
        }
        while running < MAX_CONCURRENT {
            let jobs = take_batch(&mut pending, &busy);
            if jobs.is_empty() {
                break;
            }
            let convs: Vec<u64> = jobs.iter().map(|j| j.conversation_id).collect();
            busy.extend(convs.iter().copied());
            running += 1;
            let app = app.clone();
            let done = done_tx.clone();
            tokio::spawn(async move {
                let mut items = Vec::with_capacity(jobs.len());
                let mut answers = Vec::with_capacity(jobs.len());
                for j in jobs {
                    items.push((j.conversation_id, j.data));
                    answers.push((j.answer, j.room));
                }
                app.metrics.observe_batch(items.len());
                let results = app.chat.send_messages_batch(&items).await;
                for (r, (tx, _room)) in results.into_iter().zip(answers) {
                    // A handler that went away (socket closed) no longer needs its answer.
                    let _ = tx.send(r);
                }
                let _ = done.send(convs);
            });
        }
        if !open && running == 0 && pending.is_empty() {
            break;
        }
        tokio::select! {
            j = rx.recv(), if open => match j {
                Some(j) => pending.push_back(j),
                None => open = false,
            },
            Some(convs) = done_rx.recv() => {
                running -= 1;
                for c in convs {
                    busy.remove(&c);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(c: u64, room: &Arc<Semaphore>) -> Job {
        Job {
            conversation_id: c,
            data: Map::new(),
            answer: oneshot::channel().0,
            room: room.clone().try_acquire_owned().expect("room"),
        }
    }

    #[test]
    fn a_busy_conversation_waits_and_keeps_its_order() {
        let room = Arc::new(Semaphore::new(100));
        let mut q: VecDeque<Job> = [1, 2, 1, 3, 2, 4]
            .into_iter()
            .map(|c| job(c, &room))
            .collect();
        let busy: HashSet<u64> = [2].into();
        let b: Vec<u64> = take_batch(&mut q, &busy)
            .iter()
            .map(|j| j.conversation_id)
            .collect();
        assert_eq!(
            b,
            [1, 1, 3, 4],
            "a conversation's messages may share a batch"
        );
        let left: Vec<u64> = q.iter().map(|j| j.conversation_id).collect();
        assert_eq!(
            left,
            [2, 2],
            "the busy conversation's messages stay, in order"
        );
    }

    #[test]
    fn a_full_batch_leaves_the_rest_in_order() {
        let room = Arc::new(Semaphore::new(200));
        let mut q: VecDeque<Job> = (0..MAX_BATCH as u64 + 3)
            .map(|c| job(c % 70, &room))
            .collect();
        let b = take_batch(&mut q, &HashSet::new());
        assert_eq!(b.len(), MAX_BATCH);
        let left: Vec<u64> = q.iter().map(|j| j.conversation_id).collect();
        assert_eq!(left, [64, 65, 66]);
    }
}
