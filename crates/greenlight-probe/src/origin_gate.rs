//! How many requests go to one origin at once: a few at first, more as
//! soon as a request has to wait.
//!
//! An HTTP/1.1 connection carries one request at a time, so every request
//! in flight to an origin holds a connection of its own. Opening sixteen
//! connections for thirty checks against a server that answers in a tenth
//! of a millisecond costs more (sockets, handshakes, the server's accept
//! queue, ports left in TIME_WAIT) than it saves: a handful of kept-alive
//! connections finish the same work sooner. A slow or distant server is
//! the opposite case, so the gate widens itself: a request that has waited
//! [`WIDEN_AFTER`] for a turn adds one more turn (and so one more
//! connection). Against a server that takes 80 ms a request, all waiting
//! checks are running in parallel after [`WIDEN_AFTER`]; against a fast one
//! the gate never widens.
//!
//! The gate never decides *whether* a request runs, only when; the
//! executor's own concurrency limit still bounds the total in flight.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Turns an origin starts with. Measured on bench/verdict.sh's 30 checks
/// against a loopback nginx (wall medians of 120 interleaved runs): 4
/// turns 6.31 ms, 6 turns 6.18 ms, 8 turns 6.17 ms, 16 turns 6.46 ms
/// (1 turn: 7.9 ms).
pub const FIRST_TURNS: usize = 6;

/// How long a request waits for a turn before the gate widens by one.
pub const WIDEN_AFTER: Duration = Duration::from_millis(10);

/// The gates of every origin a client has sent to.
#[derive(Debug, Default)]
pub struct OriginGates {
    /// Each origin's turns.
    gates: Mutex<HashMap<String, Arc<Semaphore>>>,
}

/// A request's turn at its origin: held until the response has been read.
#[derive(Debug)]
pub struct Turn {
    _permit: Option<OwnedSemaphorePermit>,
}

impl OriginGates {
    /// Waits for a turn at `origin` (`scheme://host:port`), widening the
    /// gate each time a wait lasts [`WIDEN_AFTER`].
    pub async fn turn(&self, origin: &str) -> Turn {
        let gate = self.gate(origin);
        loop {
            let wait = Arc::clone(&gate).acquire_owned();
            match tokio::time::timeout(WIDEN_AFTER, wait).await {
                Ok(Ok(permit)) => {
                    return Turn {
                        _permit: Some(permit),
                    };
                }
                // The semaphore is never closed; were it, the request goes
                // ahead rather than hang.
                Ok(Err(_)) => return Turn { _permit: None },
                // Waited too long: one more turn (one more connection).
                Err(_) => gate.add_permits(1),
            }
        }
    }

    /// How many turns `origin` has, when none is taken.
    #[cfg(test)]
    fn size(&self, origin: &str) -> usize {
        self.gate(origin).available_permits()
    }

    fn gate(&self, origin: &str) -> Arc<Semaphore> {
        let mut gates = self.gates.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(gate) = gates.get(origin) {
            return Arc::clone(gate);
        }
        let gate = Arc::new(Semaphore::new(FIRST_TURNS));
        gates.insert(origin.to_string(), Arc::clone(&gate));
        gate
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Instant;

    /// `n` requests of `each` to one origin; returns (the most in flight
    /// at once, the gate's size after, the wall time).
    async fn flood(n: usize, each: Duration) -> (usize, usize, Duration) {
        let gates = Arc::new(OriginGates::default());
        let now = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let start = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..n {
            let (gates, now, most) = (gates.clone(), now.clone(), most.clone());
            tasks.push(tokio::spawn(async move {
                let _turn = gates.turn("http://127.0.0.1:1").await;
                let in_flight = now.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(in_flight, Ordering::SeqCst);
                if each.is_zero() {
                    tokio::task::yield_now().await;
                } else {
                    tokio::time::sleep(each).await;
                }
                now.fetch_sub(1, Ordering::SeqCst);
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        (
            most.load(Ordering::SeqCst),
            gates.size("http://127.0.0.1:1"),
            start.elapsed(),
        )
    }

    #[tokio::test]
    async fn a_fast_origin_keeps_its_first_turns() {
        // 30 requests that answer at once (a loopback server): 6 at a
        // time finish long before anyone has waited 10 ms.
        let (most, size, _) = flood(30, Duration::ZERO).await;
        assert_eq!(size, FIRST_TURNS, "the gate widened for a fast origin");
        assert!(most <= FIRST_TURNS, "{most} in flight at once");
    }

    #[tokio::test]
    async fn a_slow_origin_gets_every_request_in_parallel_soon() {
        // 30 requests of 300 ms: with six turns only this takes 5 waves
        // (1.5 s); widening lets all 30 run after one wait.
        let (most, size, took) = flood(30, Duration::from_millis(300)).await;
        assert_eq!(most, 30, "not all slow requests ran at once");
        assert!(size >= 30, "the gate has {size} turns");
        assert!(
            took < Duration::from_millis(300) * 2,
            "30 slow requests took {took:?}"
        );
    }

    #[tokio::test]
    async fn origins_have_gates_of_their_own() {
        let gates = OriginGates::default();
        let mut held = Vec::new();
        for _ in 0..FIRST_TURNS {
            held.push(gates.turn("http://a:80").await);
        }
        // `a` is full; `b` still has a turn at once.
        let b = tokio::time::timeout(Duration::from_millis(5), gates.turn("http://b:80")).await;
        assert!(b.is_ok(), "a full origin held up another");
        drop(held);
        assert_eq!(gates.size("http://a:80"), FIRST_TURNS);
    }
}
