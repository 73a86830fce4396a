//! Plan + step results → item statuses, phase counts, verdict: the report.

use crate::outcome::{
    Counts, ItemResult, PhaseResult, RUN_SCHEMA, RunReport, SignoffResult, Status, StepResult,
};
use crate::plan::{Handling, Plan};
use crate::verdict;
use std::time::Duration;

/// Facts about the run that are not in the plan.
#[derive(Debug, Clone)]
pub struct RunFacts {
    pub run_id: Option<String>,
    pub started_at: String,
    pub duration: Duration,
    pub interrupted: bool,
    /// Elapsed time of each plan phase.
    pub phase_elapsed: Vec<Duration>,
}

/// Builds the report. `results[i]` is the result of `plan.checks[i]`.
pub fn report(plan: &Plan, results: &[StepResult], facts: &RunFacts) -> RunReport {
    let mut items: Vec<ItemResult> = plan
        .items
        .iter()
        .map(|it| {
            let steps: Vec<StepResult> = it.checks.iter().map(|&c| results[c].clone()).collect();
            let (status, note) = match &it.handling {
                Handling::Automated => {
                    let status =
                        Status::combine(steps.iter().map(|s| s.status)).unwrap_or(Status::Pending);
                    (status, step_note(&steps, status))
                }
                Handling::Manual => (Status::Pending, "manual: a person checks this".to_string()),
                Handling::Group => (Status::Pending, String::new()),
                Handling::Signoff { role } => (Status::Pending, format!("sign-off by {role}")),
                Handling::Skipped { why } => (Status::Skipped, why.clone()),
            };
            ItemResult {
                id: it.id.clone(),
                line: it.line,
                text: it.text.clone(),
                phase: it.phase_title.clone(),
                severity: it.severity,
                status,
                note,
                steps,
            }
        })
        .collect();
    // Groups (and automated parents) take in their children, deepest first:
    // children always come after their parent in document order.
    for i in (0..plan.items.len()).rev() {
        let children = &plan.items[i].children;
        if children.is_empty() {
            continue;
        }
        let child_statuses: Vec<Status> = children.iter().map(|&c| items[c].status).collect();
        match plan.items[i].handling {
            Handling::Group => {
                let s = Status::combine(
                    child_statuses
                        .iter()
                        .copied()
                        .filter(|s| *s != Status::Skipped),
                )
                .unwrap_or(Status::Skipped);
                items[i].status = s;
                let n = children.len();
                let open = child_statuses
                    .iter()
                    .filter(|s| !matches!(s, Status::Passed | Status::Skipped))
                    .count();
                items[i].note = format!(
                    "{open} of {n} sub-item{} open",
                    if n == 1 { "" } else { "s" }
                );
            }
            Handling::Automated => {
                let own = items[i].status;
                items[i].status =
                    Status::combine(std::iter::once(own).chain(child_statuses)).unwrap_or(own);
            }
            _ => {}
        }
    }
    let reports: Vec<bool> = plan.items.iter().map(|i| i.reports).collect();
    let signoffs: Vec<SignoffResult> = plan
        .signoffs
        .iter()
        .map(|s| SignoffResult {
            id: s.id.clone(),
            role: s.role.clone(),
            line: s.line,
            signed: false,
        })
        .collect();
    let (verdict, reasons) = verdict::decide(&items, &reports, &signoffs);
    let mut counts = Counts::default();
    for (item, r) in items.iter().zip(&reports) {
        if *r || item.status == Status::Skipped {
            counts.add(item.status);
        }
    }
    let phases = plan
        .phases
        .iter()
        .enumerate()
        .map(|(p, phase)| {
            let mut c = Counts::default();
            for &i in &phase.items {
                if reports[i] || items[i].status == Status::Skipped {
                    c.add(items[i].status);
                }
            }
            PhaseResult {
                id: phase.id.clone(),
                line: phase.line,
                title: phase.title.clone(),
                budget_seconds: phase.budget_seconds,
                elapsed_ms: facts
                    .phase_elapsed
                    .get(p)
                    .map_or(0, |d| d.as_millis() as u64),
                counts: c,
            }
        })
        .collect();
    RunReport {
        schema: RUN_SCHEMA,
        run_id: facts.run_id.clone(),
        checklist: plan.checklist.clone(),
        profile: plan.profile.clone(),
        started_at: facts.started_at.clone(),
        duration_ms: facts.duration.as_millis() as u64,
        verdict,
        reasons,
        counts,
        interrupted: facts.interrupted,
        phases,
        items,
        signoffs,
    }
}

/// A sentence for an automated item: the first failure, else what is open.
fn step_note(steps: &[StepResult], status: Status) -> String {
    let pick = steps.iter().find(|s| s.status == status);
    let Some(step) = pick else {
        return String::new();
    };
    let detail = match status {
        Status::Failed => step
            .evidence
            .failures
            .first()
            .cloned()
            .or_else(|| step.evidence.reason.clone())
            .unwrap_or_else(|| step.evidence.summary.clone()),
        Status::NeedsReview => {
            format!(
                "needs review: {}",
                step.evidence
                    .unverified
                    .iter()
                    .map(|u| format!("“{u}”"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ) + " is not machine-checkable"
        }
        Status::Passed => step.evidence.summary.clone(),
        _ => step
            .evidence
            .reason
            .clone()
            .unwrap_or_else(|| step.evidence.summary.clone()),
    };
    format!("L{} {}", step.line, detail)
}
