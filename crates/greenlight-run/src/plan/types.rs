//! The plan's types: phases, items, checks and their gates, sign-offs.

use crate::analyze::Capture;
use crate::check::{Expectation, Target};
use crate::profile::{Class, Eventually};
use greenlight_doc::Severity;
use serde::Serialize;

/// Whether a check runs, and if not, why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(tag = "gate", rename_all = "snake_case")]
pub enum Gate {
    Run,
    /// Its class (or shell) is not allowed: reported as not run.
    NotRun {
        reason: String,
    },
    /// It cannot run: a variable is missing, a program is not installed.
    Blocked {
        reason: String,
    },
}

/// One check of the plan.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct PlanCheck {
    pub index: usize,
    /// Index into [`Plan::items`].
    pub item: usize,
    pub line: usize,
    /// The command as the document wrote it.
    pub command: String,
    pub class: Class,
    /// The command that set the class, for `not run` messages.
    pub class_reason: String,
    pub target: Target,
    pub expect: Vec<Expectation>,
    pub capture: Option<Capture>,
    /// Variables passed to a shell step as environment variables.
    pub env_names: Vec<String>,
    /// Checks whose captured values this one needs.
    pub depends_on: Vec<usize>,
    pub gate: Gate,
    pub eventually: Option<Eventually>,
    /// What greenlight made of the step beyond its class: a load step
    /// scaled to the profile's limits, a default threshold, a script not
    /// understood.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl PlanCheck {
    /// Mutating checks and checks that need a captured value run alone and
    /// in document order.
    pub fn is_sequential(&self) -> bool {
        self.class != Class::Read || !self.depends_on.is_empty()
    }

    pub fn is_native(&self) -> bool {
        !matches!(self.target, Target::Shell { .. })
    }

    /// Whether `profile` lets this check run at all: its safety class is
    /// allowed (a load test's also by `allow load`) and, for a shell step,
    /// shell steps are on. (Its [`Gate`] may still hold it back.)
    pub fn allowed_by(&self, profile: &crate::profile::Profile) -> bool {
        let load = matches!(self.target, Target::Load { .. });
        profile.allows(self.class, load) && (self.is_native() || profile.shell)
    }
}

/// Of the checks a run sets out to run, how many really run, and why the
/// others do not: the profile does not allow them, they are blocked (a
/// value or a program is missing) or held back (a command that never
/// ends, a Windows fence). Those are recorded as not run or blocked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WillRun {
    pub run: usize,
    pub not_allowed: usize,
    pub blocked: usize,
    pub held: usize,
}

impl WillRun {
    /// Sorts the checks of `plan` that have no result in `done` (those a
    /// run or a resume sets out to run) by their gate under `profile`.
    pub fn of<T>(plan: &Plan, profile: &crate::profile::Profile, done: &[Option<T>]) -> Self {
        let mut w = WillRun::default();
        for (check, _) in plan.checks.iter().zip(done).filter(|(_, d)| d.is_none()) {
            match check.gate {
                Gate::Run => w.run += 1,
                Gate::Blocked { .. } => w.blocked += 1,
                Gate::NotRun { .. } if !check.allowed_by(profile) => w.not_allowed += 1,
                Gate::NotRun { .. } => w.held += 1,
            }
        }
        w
    }

    /// What does not run, for a message: `17 not allowed in this profile,
    /// 2 blocked` (empty when everything runs).
    pub fn others(&self) -> String {
        [
            (self.not_allowed, "not allowed in this profile"),
            (self.blocked, "blocked"),
            (self.held, "held back"),
        ]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| format!("{n} {what}"))
        .collect::<Vec<_>>()
        .join(", ")
    }
}

/// How an item is handled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Handling {
    /// A machine checks it.
    Automated,
    /// A person checks it.
    Manual,
    /// Its status comes from its sub-items.
    Group,
    /// A person signs it.
    Signoff { role: String },
    /// A person already wrote its outcome in the document: a table
    /// checklist row marked ✅/Pass (`passed`) or ❌/Fail.
    Marked { passed: bool, mark: String },
    /// Not part of a run.
    Skipped { why: String },
}

/// One item of the plan (a checklist item, or a section's bare code blocks).
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct PlanItem {
    /// Generated from the document (a hash), never user text: kept whole
    /// under redaction, so the item can still be named.
    #[serde(serialize_with = "crate::redact::generated")]
    pub id: String,
    pub line: usize,
    pub text: String,
    pub phase_title: Option<String>,
    pub severity: Severity,
    pub handling: Handling,
    pub checks: Vec<usize>,
    pub children: Vec<usize>,
    /// Whether the item gives its own reasons to the verdict (leaves and
    /// items with checks; groups speak through their children).
    pub reports: bool,
    /// What greenlight set aside and why, one line each: a fence that is
    /// not a script (`L12: not a script: looks like sample output`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// The NO-GO box of a GO / NO-GO decision written as checkbox items:
    /// owed by nobody, but a person's check of it (or its `[x]` in the
    /// document) is the team deciding NO-GO, and makes the run NO_GO.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_go: bool,
}

/// A top-level phase: the unit that runs in document order.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct PlanPhase {
    /// Generated from the document (a hash), never user text: kept whole
    /// under redaction, so the item can still be named.
    #[serde(serialize_with = "crate::redact::generated")]
    pub id: String,
    pub line: usize,
    pub title: String,
    pub budget_seconds: Option<u64>,
    pub items: Vec<usize>,
    pub checks: Vec<usize>,
}

/// A sign-off slot.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct PlanSignoff {
    /// Generated from the document (a hash), never user text: kept whole
    /// under redaction, so the item can still be named.
    #[serde(serialize_with = "crate::redact::generated")]
    pub id: String,
    pub role: String,
    pub line: usize,
}

/// The whole plan.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct Plan {
    pub checklist: String,
    pub profile: String,
    pub phases: Vec<PlanPhase>,
    pub items: Vec<PlanItem>,
    pub checks: Vec<PlanCheck>,
    pub signoffs: Vec<PlanSignoff>,
    /// A procedure (`greenlight rollback`): every check runs alone, in
    /// document order, and none starts after one has failed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub stop_at_failure: bool,
}

impl Plan {
    /// Which items the reports count, per item (the one count model, see
    /// `outcome::Counts::of`): items that give their own result, and items
    /// skipped by design (rollback, monitoring, set-aside blocks), a group
    /// of only such items too. Other groups speak through their sub-items
    /// and sign-off lines through the sign-off slots, so they are not
    /// counted. The run header, `plan` and every report count with this.
    pub fn counted(&self) -> Vec<bool> {
        let n = self.items.len();
        // Skipped whatever people do (a NO-GO box is not: ticked, it fails).
        let mut skipped = vec![false; n];
        let mut counted = vec![false; n];
        // Sub-items always come after their parent: deepest first.
        for i in (0..n).rev() {
            let it = &self.items[i];
            let all_children_skipped =
                !it.children.is_empty() && it.children.iter().all(|&c| skipped[c]);
            skipped[i] = match it.handling {
                Handling::Skipped { .. } => !it.no_go,
                Handling::Group => all_children_skipped,
                _ => false,
            };
            counted[i] = it.reports
                || matches!(it.handling, Handling::Skipped { .. })
                || it.handling == Handling::Group && all_children_skipped;
        }
        counted
    }

    /// How many items the reports count (see [`Plan::counted`]).
    pub fn counted_items(&self) -> usize {
        self.counted().into_iter().filter(|c| *c).count()
    }
}
