//! What a run found: statuses, evidence, item results, the verdict, and the
//! `greenlight.run/v1` report that carries them.

use crate::profile::Class;
use greenlight_doc::Severity;
use serde::Serialize;

/// Version tag of the JSON run report.
pub const RUN_SCHEMA: &str = "greenlight.run/v1";

/// Status of a step or an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Passed,
    Failed,
    /// Ran, but an expectation could not be checked by a machine.
    NeedsReview,
    /// Could not run: a variable is missing, a program is not installed.
    Blocked,
    /// Not run because its safety class is not allowed (or shell is off).
    NotRun,
    /// Waits for a person: a manual item or a sign-off.
    Pending,
    /// Not part of a run: rollback procedures, monitoring windows.
    Skipped,
    /// Failed or open, but a person waived it (a waiver in force): it does
    /// not hold the verdict back, and it is never shown as passed.
    Waived,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Passed => "passed",
            Status::Failed => "failed",
            Status::NeedsReview => "needs_review",
            Status::Blocked => "blocked",
            Status::NotRun => "not_run",
            Status::Pending => "pending",
            Status::Skipped => "skipped",
            Status::Waived => "waived",
        }
    }

    /// How much a status weighs when several are combined into one: the
    /// heaviest wins.
    pub fn weight(self) -> u8 {
        match self {
            Status::Skipped => 0,
            Status::Passed => 1,
            Status::Waived => 2,
            Status::Pending => 3,
            Status::NeedsReview => 4,
            Status::NotRun => 5,
            Status::Blocked => 6,
            Status::Failed => 7,
        }
    }

    /// Combines statuses: the heaviest, ignoring skipped unless all are.
    pub fn combine(statuses: impl IntoIterator<Item = Status>) -> Option<Status> {
        statuses.into_iter().max_by_key(|s| s.weight())
    }
}

/// What a step saw, for a person to read.
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize)]
pub struct Evidence {
    /// One line: `GET http://127.0.0.1:18081/health → 200 in 3 ms`.
    pub summary: String,
    /// The expectations that were checked, as written by greenlight.
    pub expected: Vec<String>,
    /// Expectations that failed, each with what was seen instead.
    pub failures: Vec<String>,
    /// Expectations no machine can check; the item needs review.
    pub unverified: Vec<String>,
    /// A bounded excerpt of the response body or command output.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub excerpt: Option<String>,
    /// Why the step did not run, or what stopped it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// A load step's summary: the figures of `greenlight load --json`
    /// (`requests`, `rps`, `latency_ms`, `failed_rate`, `errors`,
    /// `thresholds[]`, …).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::redact::settled_keys"
    )]
    pub load: Option<serde_json::Value>,
}

/// The result of one step.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct StepResult {
    pub line: usize,
    pub class: Class,
    /// `http`, `postgres`, `redis`, `tcp`, `websocket`, `tls`, `clickhouse` or `shell`.
    pub probe: String,
    /// The command as the document wrote it (secrets redacted).
    pub command: String,
    pub status: Status,
    pub duration_ms: u64,
    pub attempts: u32,
    pub evidence: Evidence,
}

/// The result of one item.
#[derive(Debug, Clone, Serialize)]
pub struct ItemResult {
    /// Generated from the document (a hash), never user text: kept whole
    /// under redaction, so the item can still be named.
    #[serde(serialize_with = "crate::redact::generated")]
    pub id: String,
    pub line: usize,
    pub text: String,
    pub phase: Option<String>,
    pub severity: Severity,
    pub status: Status,
    /// Why the item has its status, in a sentence.
    pub note: String,
    pub steps: Vec<StepResult>,
    /// The waiver recorded for the item, in force or not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waiver: Option<WaiverInfo>,
    /// Whether the item is one of the report's counts (see
    /// [`Counts::of`]): groups speak through their children and sign-off
    /// items through the sign-off slots, so neither is counted.
    #[serde(skip)]
    pub counted: bool,
}

/// A waiver as reports show it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct WaiverInfo {
    /// Who approved it.
    pub approver: String,
    pub reason: String,
    /// When it ends (RFC 3339), if it does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// `in_force`, `lapsed` (its expiry has passed), `ignored` (a blocker,
    /// which policy does not let a waiver cover) or `unused` (the item
    /// passed without it).
    pub state: WaiverState,
    /// What the item was before the waiver (`failed`, `pending`, …).
    pub was: Status,
}

/// Whether a waiver counts.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum WaiverState {
    InForce,
    Lapsed,
    Ignored,
    Unused,
}

impl WaiverState {
    pub fn as_str(self) -> &'static str {
        match self {
            WaiverState::InForce => "in force",
            WaiverState::Lapsed => "lapsed",
            WaiverState::Ignored => "ignored (blocker)",
            WaiverState::Unused => "unused",
        }
    }
}

/// The four answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Verdict {
    Go,
    GoWithWarnings,
    Pending,
    NoGo,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Go => "GO",
            Verdict::GoWithWarnings => "GO_WITH_WARNINGS",
            Verdict::Pending => "PENDING",
            Verdict::NoGo => "NO_GO",
        }
    }

    /// The worse of two verdicts: NO_GO > PENDING > GO_WITH_WARNINGS > GO.
    pub fn worse(self, other: Verdict) -> Verdict {
        let rank = |v: Verdict| match v {
            Verdict::Go => 0,
            Verdict::GoWithWarnings => 1,
            Verdict::Pending => 2,
            Verdict::NoGo => 3,
        };
        if rank(other) > rank(self) {
            other
        } else {
            self
        }
    }
}

/// One reason for the verdict, naming its item and line.
#[derive(Debug, Clone, Serialize)]
pub struct Reason {
    /// The item's ID (generated, see [`ItemResult::id`]).
    #[serde(serialize_with = "crate::redact::generated")]
    pub item: String,
    pub line: usize,
    pub status: Status,
    pub message: String,
}

/// Per-status counts.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Counts {
    pub passed: usize,
    pub failed: usize,
    pub needs_review: usize,
    pub blocked: usize,
    pub not_run: usize,
    pub pending: usize,
    pub skipped: usize,
    pub waived: usize,
}

impl Counts {
    /// The one count model: every counted item ([`ItemResult::counted`])
    /// by its status. The run summary, `status`, the JSON, JUnit and
    /// Markdown reports all count with this.
    pub fn of<'a>(items: impl IntoIterator<Item = &'a ItemResult>) -> Counts {
        let mut c = Counts::default();
        for item in items.into_iter().filter(|i| i.counted) {
            c.add(item.status);
        }
        c
    }

    pub fn add(&mut self, s: Status) {
        match s {
            Status::Passed => self.passed += 1,
            Status::Failed => self.failed += 1,
            Status::NeedsReview => self.needs_review += 1,
            Status::Blocked => self.blocked += 1,
            Status::NotRun => self.not_run += 1,
            Status::Pending => self.pending += 1,
            Status::Skipped => self.skipped += 1,
            Status::Waived => self.waived += 1,
        }
    }

    pub fn total(&self) -> usize {
        self.passed
            + self.failed
            + self.needs_review
            + self.blocked
            + self.not_run
            + self.pending
            + self.skipped
            + self.waived
    }
}

/// A phase's results and time.
#[derive(Debug, Clone, Serialize)]
pub struct PhaseResult {
    /// Generated from the document (a hash), never user text: kept whole
    /// under redaction, so the item can still be named.
    #[serde(serialize_with = "crate::redact::generated")]
    pub id: String,
    pub line: usize,
    pub title: String,
    pub budget_seconds: Option<u64>,
    pub elapsed_ms: u64,
    pub counts: Counts,
}

/// A sign-off slot and whether it was signed.
#[derive(Debug, Clone, Serialize)]
pub struct SignoffResult {
    /// Generated from the document (a hash), never user text: kept whole
    /// under redaction, so the item can still be named.
    #[serde(serialize_with = "crate::redact::generated")]
    pub id: String,
    pub role: String,
    pub line: usize,
    pub signed: bool,
    /// Why a sign-off given earlier no longer counts (a required result
    /// changed since the signer saw it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stale: Option<String>,
    /// Who signed (the `--name` or actor recorded with the sign-off): of
    /// the sign-off that counts, else of the stale one. `None`: unsigned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signed_by: Option<String>,
    /// When that sign-off was recorded (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signed_at: Option<String>,
    /// The run that sign-off was given in (an earlier run of the release,
    /// or this one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signed_in_run: Option<String>,
}

/// The whole report (`greenlight.run/v1`).
#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    #[serde(serialize_with = "crate::redact::generated")]
    pub schema: &'static str,
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::redact::generated"
    )]
    pub run_id: Option<String>,
    pub checklist: String,
    pub profile: String,
    pub started_at: String,
    pub duration_ms: u64,
    pub verdict: Verdict,
    pub reasons: Vec<Reason>,
    pub counts: Counts,
    /// True when the run was interrupted (Ctrl-C) before it finished.
    pub interrupted: bool,
    pub phases: Vec<PhaseResult>,
    pub items: Vec<ItemResult>,
    pub signoffs: Vec<SignoffResult>,
}
