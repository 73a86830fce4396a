//! Server-sent events: the notices of the change feed that concern one
//! release or one run, as `event:` / `verdict:` messages, each with an
//! `id` (`RUN:SEQ`). A watcher that falls behind the feed's buffer gets a
//! `resync` message (re-read the state) instead of slowing anyone down;
//! every stream ends when the server shuts down.

use crate::feed::{Notice, NoticeKind};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use futures_util::Stream;
use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, watch};

/// Which notices a stream passes on.
#[derive(Debug, Clone)]
pub enum Filter {
    /// Those of one release.
    Release(String),
    /// Those of one run, events after `after` only.
    Run { run_id: String, after: u64 },
}

impl Filter {
    fn pass(&mut self, n: &Notice) -> bool {
        match self {
            Filter::Release(r) => n.release == *r,
            Filter::Run { run_id, after } => {
                if n.run_id != *run_id {
                    return false;
                }
                if n.kind == NoticeKind::Event {
                    if n.seq <= *after {
                        return false;
                    }
                    *after = n.seq;
                }
                true
            }
        }
    }
}

/// An SSE message for a notice: named after its kind (`event`,
/// `verdict`), or unnamed (a plain `message`, for pages' scripts).
pub fn message(n: &Notice, named: bool) -> SseEvent {
    let m = SseEvent::default()
        .id(format!("{}:{}", n.run_id, n.seq))
        .data(n.data.as_str());
    if named { m.event(n.kind.as_str()) } else { m }
}

struct Watch {
    backlog: VecDeque<SseEvent>,
    rx: broadcast::Receiver<Arc<Notice>>,
    filter: Filter,
    shutdown: watch::Receiver<bool>,
    named: bool,
}

/// The stream: `backlog` first (events read from the store), then the
/// feed's notices that pass `filter`, until shutdown; messages `named`
/// after their kind, or all plain.
pub fn stream(
    rx: broadcast::Receiver<Arc<Notice>>,
    filter: Filter,
    backlog: Vec<SseEvent>,
    shutdown: watch::Receiver<bool>,
    named: bool,
) -> Sse<impl Stream<Item = Result<SseEvent, Infallible>>> {
    let state = Watch {
        backlog: backlog.into(),
        rx,
        filter,
        shutdown,
        named,
    };
    let s = futures_util::stream::unfold(state, |mut w| async move {
        if let Some(e) = w.backlog.pop_front() {
            return Some((Ok(e), w));
        }
        loop {
            if *w.shutdown.borrow() {
                return None;
            }
            tokio::select! {
                _ = w.shutdown.changed() => return None,
                got = w.rx.recv() => match got {
                    Ok(n) => {
                        if w.filter.pass(&n) {
                            let msg = message(&n, w.named);
                            return Some((Ok(msg), w));
                        }
                    }
                    Err(broadcast::error::RecvError::Lagged(missed)) => {
                        let msg = SseEvent::default().data(format!("{{\"missed\":{missed}}}"));
                        let msg = if w.named { msg.event("resync") } else { msg };
                        return Some((Ok(msg), w));
                    }
                    Err(broadcast::error::RecvError::Closed) => return None,
                },
            }
        }
    });
    Sse::new(s).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
