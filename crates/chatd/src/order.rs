//! Per-conversation emit order without per-conversation stalls.
//!
//! Every write that will be broadcast to a conversation takes a [`Turn`] when it is
//! queued. Turns of one conversation are numbered in queue order; a turn's holder stores,
//! then waits for [`Turn::ready`] (every earlier turn of that conversation is finished),
//! emits, and drops the turn, which lets the next one go. The writer commits one
//! conversation's messages in queue order ([`crate::batch`]), so a node emits them in id
//! order — a client that re-joins with `since_id` = the highest id it saw misses nothing —
//! while a sender's next message can already be queued (and committed in the same batch)
//! before the previous one is broadcast. A turn dropped without emitting (a failed
//! write, a closed socket) simply passes.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, Weak};

use tokio::sync::Notify;

/// The turns of every conversation with writes in flight on this node.
#[derive(Default)]
pub struct Sequencer {
    lines: Mutex<Lines>,
}

#[derive(Default)]
struct Lines {
    by_conversation: HashMap<u64, Weak<Line>>,
    sweep_at: usize,
}

/// One conversation's queue of turns.
#[derive(Default)]
struct Line {
    state: Mutex<LineState>,
    moved: Notify,
}

#[derive(Default)]
struct LineState {
    /// The number the next turn gets.
    next: u64,
    /// The turn whose holder may emit now.
    serving: u64,
    /// Turns finished before their predecessors (skipped over when `serving` reaches them).
    finished: BTreeSet<u64>,
}

/// A place in one conversation's emit order; dropping it lets the next turn go.
pub struct Turn {
    line: Arc<Line>,
    number: u64,
}

impl Sequencer {
    /// Takes the next turn of conversation `id`. `queue` runs while the turn is being
    /// numbered, under the conversation's lock, so whatever it enqueues is enqueued in turn
    /// order (two handlers of one conversation cannot swap places between the two).
    pub fn turn_with<T>(&self, id: u64, queue: impl FnOnce() -> T) -> (Turn, T) {
        let line = self.line(id);
        let (number, out) = {
            let mut st = line.state.lock().unwrap_or_else(|p| p.into_inner());
            let n = st.next;
            st.next += 1;
            (n, queue())
        };
        (Turn { line, number }, out)
    }

    /// Takes the next turn of conversation `id` (for writes made elsewhere, e.g. by PHP).
    pub fn turn(&self, id: u64) -> Turn {
        self.turn_with(id, || ()).0
    }

    fn line(&self, id: u64) -> Arc<Line> {
        let mut m = self.lines.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(l) = m.by_conversation.get(&id).and_then(Weak::upgrade) {
            return l;
        }
        let l = Arc::new(Line::default());
        m.by_conversation.insert(id, Arc::downgrade(&l));
        if m.by_conversation.len() > m.sweep_at.max(1024) {
            m.by_conversation.retain(|_, w| w.strong_count() > 0);
            m.sweep_at = m.by_conversation.len() * 2;
        }
        l
    }

    /// Conversations with live turns or remembered lines (for tests).
    #[cfg(test)]
    fn tracked(&self) -> usize {
        let m = self.lines.lock().unwrap_or_else(|p| p.into_inner());
        m.by_conversation.len()
    }
}

impl Turn {
    /// Resolves when every earlier turn of the conversation is finished.
    pub async fn ready(&self) {
        loop {
            let moved = self.line.moved.notified();
            tokio::pin!(moved);
            // Registered before the check, so a move between the two is not missed.
            moved.as_mut().enable();
            {
                let st = self.line.state.lock().unwrap_or_else(|p| p.into_inner());
                if st.serving == self.number {
                    return;
                }
            }
            moved.await;
        }
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        let mut guard = self.line.state.lock().unwrap_or_else(|p| p.into_inner());
        let st = &mut *guard;
        if st.serving == self.number {
            st.serving += 1;
            while st.finished.remove(&st.serving) {
                st.serving += 1;
            }
        } else {
            st.finished.insert(self.number);
        }
        drop(guard);
        self.line.moved.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn turns_go_in_order_and_a_dropped_turn_passes() {
        let s = Arc::new(Sequencer::default());
        let (t0, q0) = s.turn_with(7, || "first");
        let (t1, _) = s.turn_with(7, || "second");
        let t2 = s.turn(7);
        let other = s.turn(8);
        assert_eq!(q0, "first");
        // Another conversation is not held up.
        tokio::time::timeout(Duration::from_secs(1), other.ready())
            .await
            .expect("conversation 8 goes at once");
        // t2 waits for t0 and t1; t1 is dropped (a failed write) before t0 finishes.
        let waiter = tokio::spawn(async move {
            t2.ready().await;
        });
        tokio::task::yield_now().await;
        assert!(!waiter.is_finished());
        drop(t1);
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!waiter.is_finished(), "t0 has not finished yet");
        t0.ready().await;
        drop(t0);
        tokio::time::timeout(Duration::from_secs(1), waiter)
            .await
            .expect("t2 goes once t0 and t1 are done")
            .expect("task");
    }

    #[test]
    fn finished_lines_are_forgotten() {
        let s = Sequencer::default();
        for id in 0..3000 {
            drop(s.turn(id));
        }
        assert!(s.tracked() < 3000, "unused lines are swept");
    }
}
