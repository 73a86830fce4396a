//! Events, runs and audit results.

use serde::{Deserialize, Serialize};

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    RunStarted,
    StepResult,
    ItemChecked,
    ItemUnchecked,
    Waiver,
    WaiverRevoked,
    Signoff,
    SignoffRevoked,
    BudgetOverrun,
    Verdict,
    RunResumed,
    RunInterrupted,
}

impl EventKind {
    pub const ALL: [EventKind; 12] = [
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
    ];

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
        }
    }

    pub fn parse(s: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// An event to append; the store assigns its sequence number, time and hashes.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    pub run_id: String,
    pub kind: EventKind,
    /// The item (or sign-off slot) it concerns.
    pub item: Option<String>,
    /// Who made it.
    pub actor: String,
    pub payload: serde_json::Value,
}

/// A recorded event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    pub run_id: String,
    /// 1, 2, 3, … within the run.
    pub seq: u64,
    /// RFC 3339, UTC, milliseconds.
    pub at: String,
    pub kind: EventKind,
    pub item: Option<String>,
    pub actor: String,
    /// The payload as stored: canonical JSON text (parse it with
    /// [`Event::payload`] or [`Event::payload_as`] when needed).
    pub payload_text: String,
    /// Hash of the previous event of the run (64 zeros for the first).
    pub prev_hash: String,
    /// SHA-256 over this event's content and `prev_hash`.
    pub hash: String,
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
    pub run_id: String,
    pub checklist: String,
    pub profile: String,
    pub started_at: String,
    pub last_event_at: String,
    /// The last verdict recorded, if the run finished.
    pub verdict: Option<String>,
    pub events: u64,
}

/// The outcome of verifying a run's chain.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditReport {
    pub events: u64,
    pub ok: bool,
    /// Sequence number of the first event that does not verify.
    pub first_bad: Option<u64>,
    pub problem: Option<String>,
}
