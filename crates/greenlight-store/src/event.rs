//! Events, runs and audit results.

use serde::{Deserialize, Serialize};

/// What happened. Stored as its snake_case name (`step_result`, …), which
/// is also its serde form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// A run began. Payload: `checklist` (path), `profile` (name) and whatever the runner needs to resume (its plan).
    RunStarted,
    /// A step (check) finished, with its status and evidence.
    StepResult,
    /// A person ticked an item.
    ItemChecked,
    /// A person un-ticked an item.
    ItemUnchecked,
    /// A person waived an item, with a reason.
    Waiver,
    /// A waiver was withdrawn.
    WaiverRevoked,
    /// A person signed a sign-off slot.
    Signoff,
    /// A sign-off was withdrawn.
    SignoffRevoked,
    /// A phase ran over its time budget.
    BudgetOverrun,
    /// The run's verdict. Payload: `verdict` (GO, GO_WITH_WARNINGS, PENDING, NO_GO) and its reasons.
    Verdict,
    /// A run was picked up again after an interruption.
    RunResumed,
    /// A run stopped before finishing (Ctrl-C, crash noticed).
    RunInterrupted,
    /// A run is a rollback (`greenlight rollback`). Payload: the classes
    /// allowed; the event's actor allowed it.
    Rollback,
    /// A person armed automatic rollback for the release. Payload: `expires` (optional).
    RollbackArmed,
    /// A person disarmed automatic rollback for the release.
    RollbackDisarmed,
    /// A watch window began (`greenlight watch`). Payload: window, tick,
    /// time scale, gates, sources, schedule.
    WatchStarted,
    /// One gate window's aggregate: per metric count/min/mean/max and state
    /// (one per window, not per sample, so the store grows boundedly).
    WatchWindow,
    /// A gate changed state. Payload: metric, from, to, observed, bound, line.
    WatchState,
    /// A scheduled evaluation of the document (`Hour 6: …`): every gate's state.
    WatchCheckpoint,
    /// What the watch did on a breach or warning: notified, paused, rolled
    /// back, or refused (and why).
    WatchAction,
    /// The window ended. Payload: outcome (ok, warn, breach, interrupted, paused).
    WatchEnded,
}

impl EventKind {
    /// Every kind, in declaration order.
    pub const ALL: [EventKind; 21] = [
        EventKind::RunStarted,
        EventKind::StepResult,
        EventKind::ItemChecked,
        EventKind::ItemUnchecked,
        EventKind::Waiver,
        EventKind::WaiverRevoked,
        EventKind::Signoff,
        EventKind::SignoffRevoked,
        EventKind::BudgetOverrun,
        EventKind::Verdict,
        EventKind::RunResumed,
        EventKind::RunInterrupted,
        EventKind::Rollback,
        EventKind::RollbackArmed,
        EventKind::RollbackDisarmed,
        EventKind::WatchStarted,
        EventKind::WatchWindow,
        EventKind::WatchState,
        EventKind::WatchCheckpoint,
        EventKind::WatchAction,
        EventKind::WatchEnded,
    ];

    /// The stored (and serde) name, e.g. `"step_result"`.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::RunStarted => "run_started",
            EventKind::StepResult => "step_result",
            EventKind::ItemChecked => "item_checked",
            EventKind::ItemUnchecked => "item_unchecked",
            EventKind::Waiver => "waiver",
            EventKind::WaiverRevoked => "waiver_revoked",
            EventKind::Signoff => "signoff",
            EventKind::SignoffRevoked => "signoff_revoked",
            EventKind::BudgetOverrun => "budget_overrun",
            EventKind::Verdict => "verdict",
            EventKind::RunResumed => "run_resumed",
            EventKind::RunInterrupted => "run_interrupted",
            EventKind::Rollback => "rollback",
            EventKind::RollbackArmed => "rollback_armed",
            EventKind::RollbackDisarmed => "rollback_disarmed",
            EventKind::WatchStarted => "watch_started",
            EventKind::WatchWindow => "watch_window",
            EventKind::WatchState => "watch_state",
            EventKind::WatchCheckpoint => "watch_checkpoint",
            EventKind::WatchAction => "watch_action",
            EventKind::WatchEnded => "watch_ended",
        }
    }

    /// The kind named `s` (as [`EventKind::as_str`] writes it).
    pub fn parse(s: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// An event to append; the store assigns its sequence number, time and hashes.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    /// The run it belongs to, chosen by the caller (e.g. `"7kq2x"`); not
    /// empty, no NUL.
    pub run_id: String,
    /// What happened.
    pub kind: EventKind,
    /// The item (or sign-off slot) it concerns.
    pub item: Option<String>,
    /// Who made it (a user name, or `greenlight` for the machine); not empty.
    pub actor: String,
    /// The details; stored as canonical JSON (keys sorted, no spaces).
    pub payload: Payload,
}

/// An event's details: a JSON value, or the canonical JSON text of one
/// written straight from its structure ([`Payload::of`]). Either way the
/// store keeps (and hashes) the same canonical text.
#[derive(Debug, Clone)]
pub struct Payload(Repr);

#[derive(Debug, Clone)]
enum Repr {
    Value(serde_json::Value),
    /// Canonical text, as [`crate::canonical_json`] writes it.
    Canonical(crate::canonical::Canonical),
}

impl Payload {
    /// `value`'s payload: its canonical text written directly when the
    /// direct writer can reproduce what the JSON tree gives (see
    /// `canonical.rs`), else the tree itself. Same stored text either way;
    /// a value that does not serialize at all is `null`, as before.
    pub fn of<T: Serialize + ?Sized>(value: &T) -> Payload {
        match crate::canonical::to_canonical_text(value) {
            Some(text) => Payload(Repr::Canonical(text)),
            None => Payload(Repr::Value(
                serde_json::to_value(value).unwrap_or(serde_json::Value::Null),
            )),
        }
    }

    /// The canonical JSON text that is stored and hashed.
    pub fn canonical(&self) -> std::borrow::Cow<'_, str> {
        match &self.0 {
            Repr::Value(v) => crate::canonical_json(v).into(),
            Repr::Canonical(c) => c.text.as_str().into(),
        }
    }

    /// The payload as a JSON value (parsed when it was written as text).
    pub fn to_value(&self) -> serde_json::Value {
        match &self.0 {
            Repr::Value(v) => v.clone(),
            Repr::Canonical(c) => serde_json::from_str(&c.text).unwrap_or(serde_json::Value::Null),
        }
    }

    /// The payload as a JSON value, to edit (parsed first when it was
    /// written as text).
    pub fn value_mut(&mut self) -> &mut serde_json::Value {
        if let Repr::Canonical(c) = &self.0 {
            self.0 = Repr::Value(serde_json::from_str(&c.text).unwrap_or(serde_json::Value::Null));
        }
        match &mut self.0 {
            Repr::Value(v) => v,
            Repr::Canonical(_) => unreachable!("converted above"),
        }
    }

    /// Its canonical text and the members of its outermost object, when
    /// it was written as text and is an object.
    pub(crate) fn members(&self) -> Option<(&str, &[crate::canonical::Member])> {
        match &self.0 {
            Repr::Canonical(c) => Some((&c.text, c.members.as_deref()?)),
            Repr::Value(_) => None,
        }
    }

    /// The JSON value, when the payload is held as one.
    pub(crate) fn as_value(&self) -> Option<&serde_json::Value> {
        match &self.0 {
            Repr::Value(v) => Some(v),
            Repr::Canonical(_) => None,
        }
    }
}

impl From<serde_json::Value> for Payload {
    fn from(value: serde_json::Value) -> Payload {
        Payload(Repr::Value(value))
    }
}

/// Payloads are equal when their stored texts are.
impl PartialEq for Payload {
    fn eq(&self, other: &Payload) -> bool {
        self.canonical() == other.canonical()
    }
}

impl Serialize for Payload {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match &self.0 {
            Repr::Value(v) => v.serialize(s),
            Repr::Canonical(_) => self.to_value().serialize(s),
        }
    }
}

/// A recorded event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    /// The run it belongs to.
    pub run_id: String,
    /// 1, 2, 3, … within the run.
    pub seq: u64,
    /// When the store recorded it: RFC 3339, UTC, milliseconds
    /// (`2026-11-23T00:44:12.123Z`).
    pub at: String,
    /// What happened.
    pub kind: EventKind,
    /// The item (or sign-off slot) it concerns.
    pub item: Option<String>,
    /// Who made it.
    pub actor: String,
    /// The payload as stored: canonical JSON text (parse it with
    /// [`Event::payload`] or [`Event::payload_as`] when needed).
    pub payload_text: String,
    /// Hash of the previous event of the run (64 zeros for the first).
    pub prev_hash: String,
    /// SHA-256 (64 lowercase hex digits) over this event's content and
    /// `prev_hash`.
    pub hash: String,
    /// With an audit key: `KEYID:HEX`, HMAC-SHA256 of `hash` under the key.
    pub mac: Option<String>,
}

impl Event {
    /// The payload, parsed.
    pub fn payload(&self) -> serde_json::Value {
        serde_json::from_str(&self.payload_text).unwrap_or(serde_json::Value::Null)
    }

    /// The payload, decoded into `T` (only the fields `T` names are kept).
    pub fn payload_as<T: serde::de::DeserializeOwned>(&self) -> Option<T> {
        serde_json::from_str(&self.payload_text).ok()
    }
}

/// One run, as `history` lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunSummary {
    /// The run's ID.
    pub run_id: String,
    /// The `checklist` field of its `run_started` payload (empty if none).
    pub checklist: String,
    /// The `profile` field of its `run_started` payload (empty if none).
    pub profile: String,
    /// The `release` field of its `run_started` payload: the release it
    /// belongs to (empty for runs recorded before releases existed).
    pub release: String,
    /// When its first event was recorded.
    pub started_at: String,
    /// When its latest event was recorded.
    pub last_event_at: String,
    /// The `verdict` field of its latest `verdict` event, if any.
    pub verdict: Option<String>,
    /// How many events it has.
    pub events: u64,
}

/// The outcome of verifying a run's chain.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditReport {
    /// How many events were read.
    pub events: u64,
    /// Whether the whole chain verifies.
    pub ok: bool,
    /// Sequence number of the first event that does not verify.
    pub first_bad: Option<u64>,
    /// What is wrong with it, e.g. "event 7 (step_result) was altered: its
    /// hash does not match its content", "event 5 is missing: seq jumps
    /// from 4 to 6", "event 9's prev_hash does not match event 8".
    pub problem: Option<String>,
    /// Whether the chain is keyed, and whether its MACs were checked.
    pub keying: Keying,
    /// How many events carry a MAC.
    pub signed: u64,
    /// The ID of the key the run's events are signed with, if any.
    pub key_id: Option<String>,
}

/// How much a verified chain proves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Keying {
    /// No event carries a MAC: the chain is hashed only, so someone with
    /// write access could rewrite it consistently.
    Unkeyed,
    /// Events carry MACs and every one verified with the key given.
    Verified,
    /// Events carry MACs, but no key was given to check them.
    Unverified,
    /// The chain does not verify (see `problem`).
    Broken,
}

impl Keying {
    /// The stored and JSON name.
    pub fn as_str(self) -> &'static str {
        match self {
            Keying::Unkeyed => "unkeyed",
            Keying::Verified => "verified",
            Keying::Unverified => "unverified",
            Keying::Broken => "broken",
        }
    }
}
