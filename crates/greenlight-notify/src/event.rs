//! What happened: the events a webhook can be told about.

use std::time::SystemTime;

/// The kind of event, with what only that kind carries.
///
/// New kinds (a watch window's breach, say) are added here; the enum is
/// `non_exhaustive` so callers already match on it with a fallback.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// The release's verdict changed (e.g. NO-GO → GO).
    VerdictChanged {
        /// The verdict before, when there was one.
        previous: Option<String>,
    },
    /// Someone signed off in a role.
    SignedOff {
        /// The sign-off role (`QA lead`, `security`, …).
        role: String,
        /// The sign-off's comment, if any.
        comment: Option<String>,
    },
    /// A watch window's metric gate went into breach.
    WatchBreach {
        /// The metric, as the document names it (`p95 latency`, `error rate`).
        metric: String,
        /// The value observed, with its unit (`412ms`, `3.2%`).
        observed: String,
        /// The bound it broke, as written (`< 250ms`).
        bound: String,
        /// The document line the threshold was read from (1-based).
        line: usize,
    },
    /// The release was rolled back (the document's rollback procedure ran).
    RolledBack {
        /// The rollback run's id.
        run: String,
        /// Started by the watch on a breach (armed beforehand), not by hand.
        automatic: bool,
    },
}

/// The names events have in payloads and in a webhook's `events` filter.
pub const EVENT_NAMES: &[&str] = &[
    "verdict_changed",
    "signed_off",
    "watch_breach",
    "rolled_back",
];

impl Event {
    /// The event's name in payloads and filters (`verdict_changed`, …).
    pub fn name(&self) -> &'static str {
        match self {
            Event::VerdictChanged { .. } => "verdict_changed",
            Event::SignedOff { .. } => "signed_off",
            Event::WatchBreach { .. } => "watch_breach",
            Event::RolledBack { .. } => "rolled_back",
        }
    }
}

/// One notification: an event and the release state it happened in.
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    pub event: Event,
    /// The release's name (`v2.4`).
    pub release: String,
    /// The run the event belongs to, if any.
    pub run: Option<String>,
    /// The verdict now (`GO`, `NO-GO`, …).
    pub verdict: Option<String>,
    /// Why the verdict is what it is.
    pub reasons: Vec<String>,
    /// Who caused the event (an authenticated identity).
    pub actor: Option<String>,
    /// When it happened.
    pub at: SystemTime,
    /// The release page, when the server knows its own address.
    pub url: Option<String>,
}

impl Notification {
    /// A notification of `event` for `release` at the current time, every
    /// other field empty.
    pub fn new(event: Event, release: impl Into<String>) -> Self {
        Notification {
            event,
            release: release.into(),
            run: None,
            verdict: None,
            reasons: Vec::new(),
            actor: None,
            at: SystemTime::now(),
            url: None,
        }
    }
}
