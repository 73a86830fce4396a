//! Plan + step results → item statuses, phase counts, verdict: the report.

use crate::outcome::{
    Counts, ItemResult, PhaseResult, RUN_SCHEMA, RunReport, SignoffResult, Status, StepResult,
    WaiverInfo, WaiverState,
};
use crate::plan::{Handling, Plan};
use crate::verdict;
use std::collections::HashMap;
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

/// What people recorded about a run: checks, waivers, sign-offs.
#[derive(Debug, Clone, Default)]
pub struct People {
    /// Items a person checked (and did not uncheck since), by item ID.
    pub checked: HashMap<String, Mark>,
    /// Waivers in force, by item ID.
    pub waivers: HashMap<String, Waiver>,
    /// Sign-offs present, by slot ID.
    pub signed: HashMap<String, Mark>,
    /// Sign-offs that went stale (a required result changed since the
    /// signer saw it): kept for the record, counting for nothing.
    pub stale: HashMap<String, StaleSignoff>,
    /// Whether a waiver may cover a blocker (policy; off by default).
    pub waive_blockers: bool,
}

/// Who did something, when, and what they said.
#[derive(Debug, Clone, Default)]
pub struct Mark {
    pub actor: String,
    pub at: String,
    pub note: String,
    /// The run it was recorded on (empty: unknown, or this run).
    pub run: String,
    /// Read from a `[x]` already in the Markdown, not typed by a person.
    pub document: bool,
}

/// A sign-off whose evidence changed after it was given.
#[derive(Debug, Clone)]
pub struct StaleSignoff {
    /// Who signed, when, on which run.
    pub mark: Mark,
    /// What changed: `Version: failed → passed`, one per required result.
    pub changed: Vec<String>,
}

/// A waiver: who approved it, why, until when.
#[derive(Debug, Clone)]
pub struct Waiver {
    pub actor: String,
    pub reason: String,
    pub expires: Option<String>,
    /// Lapsed (expired) waivers are kept for the record but count for
    /// nothing.
    pub expired: bool,
}

/// Applies a latency baseline: a passed step that is slower than the same
/// step of the baseline run by more than `regression` (and by more than
/// `floor_ms`) fails, saying so. `base` maps (item ID, step position) to
/// the baseline's duration in ms.
pub fn apply_baseline(
    plan: &Plan,
    results: &mut [StepResult],
    base: &HashMap<(String, usize), u64>,
    baseline_run: &str,
    rule: crate::profile::Baseline,
) {
    for item in &plan.items {
        for (k, &c) in item.checks.iter().enumerate() {
            let r = &mut results[c];
            if r.status != Status::Passed {
                continue;
            }
            let Some(&was) = base.get(&(item.id.clone(), k)) else {
                continue;
            };
            let now = r.duration_ms;
            let limit = (was as f64 * (1.0 + rule.regression)).ceil() as u64;
            if now > limit && now - was > rule.floor_ms {
                r.status = Status::Failed;
                r.evidence.failures.push(format!(
                    "latency {now} ms is {:.0}% above the last GO run's {was} ms (run {baseline_run}; allowed +{:.0}%)",
                    (now as f64 / was.max(1) as f64 - 1.0) * 100.0,
                    rule.regression * 100.0
                ));
            }
        }
    }
}

/// Builds the report. `results[i]` is the result of `plan.checks[i]`.
pub fn report(plan: &Plan, results: &[StepResult], facts: &RunFacts) -> RunReport {
    report_with(plan, results, facts, &People::default())
}

/// Builds the report with what people recorded.
///
/// - A person's check resolves a manual item, or an automated one that is
///   open (needs review, blocked, not run); it never overrides a failure.
/// - A waiver covers a failed or open item unless it has expired, and a
///   blocker only when policy allows it.
pub fn report_with(
    plan: &Plan,
    results: &[StepResult],
    facts: &RunFacts,
    people: &People,
) -> RunReport {
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
                // A person wrote the outcome in the document; a failure they
                // recorded is a failure (NO-GO for a required item) until waived.
                Handling::Marked { passed, mark } => (
                    if *passed {
                        Status::Passed
                    } else {
                        Status::Failed
                    },
                    format!("marked in the document ({mark})"),
                ),
                Handling::Skipped { why } => (Status::Skipped, why.clone()),
            };
            let (status, note, waiver) = overlay(it, status, note, people);
            // A checked NO-GO box is the team's decision: NO_GO, whatever
            // the item's severity, and no waiver undoes it (uncheck it).
            let decided = decided_no_go(it, people);
            let (status, note, severity) = match decided {
                Some(m) => (
                    Status::Failed,
                    format!(
                        "the team decided NO-GO: checked by {} at {}{}",
                        m.actor,
                        m.at,
                        if m.note.is_empty() {
                            String::new()
                        } else {
                            format!(": {}", m.note)
                        }
                    ),
                    greenlight_doc::Severity::Blocker,
                ),
                None => (status, note, it.severity),
            };
            ItemResult {
                id: it.id.clone(),
                line: it.line,
                text: it.text.clone(),
                phase: it.phase_title.clone(),
                severity,
                status,
                note,
                steps,
                waiver,
                counted: false,
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
                items[i].note = group_note(&child_statuses);
            }
            Handling::Automated => {
                let own = items[i].status;
                items[i].status =
                    Status::combine(std::iter::once(own).chain(child_statuses)).unwrap_or(own);
            }
            _ => {}
        }
    }
    let reports: Vec<bool> = plan
        .items
        .iter()
        .map(|i| i.reports || decided_no_go(i, people).is_some())
        .collect();
    let signoffs: Vec<SignoffResult> = plan
        .signoffs
        .iter()
        .map(|s| {
            // The sign-off that counts, else the stale one: who, when, where.
            let mark = people
                .signed
                .get(&s.id)
                .or_else(|| people.stale.get(&s.id).map(|st| &st.mark));
            (s, mark)
        })
        .map(|(s, mark)| SignoffResult {
            id: s.id.clone(),
            role: s.role.clone(),
            line: s.line,
            signed: people.signed.contains_key(&s.id),
            signed_by: mark.map(|m| m.actor.clone()),
            signed_at: mark.map(|m| m.at.clone()),
            signed_in_run: mark.and_then(|m| {
                if m.run.is_empty() {
                    facts.run_id.clone()
                } else {
                    Some(m.run.clone())
                }
            }),
            stale: people.stale.get(&s.id).map(|st| {
                format!(
                    "signed by {} at {}{}, but a required result changed since: {}; {} can sign again",
                    st.mark.actor,
                    st.mark.at,
                    if st.mark.run.is_empty() {
                        String::new()
                    } else {
                        format!(" on run {}", st.mark.run)
                    },
                    st.changed.join(", "),
                    st.mark.actor
                )
            }),
        })
        .collect();
    let (verdict, reasons) = verdict::decide(&items, &reports, &signoffs);
    // The one count model, decided by the plan (a checked NO-GO box reports
    // and is counted, being skipped by design when unticked).
    for (item, counted) in items.iter_mut().zip(plan.counted()) {
        item.counted = counted;
    }
    let counts = Counts::of(&items);
    let phases = plan
        .phases
        .iter()
        .enumerate()
        .map(|(p, phase)| {
            let c = Counts::of(phase.items.iter().map(|&i| &items[i]));
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

/// The person's check of a NO-GO decision box, if someone checked it.
fn decided_no_go<'a>(it: &crate::plan::PlanItem, people: &'a People) -> Option<&'a Mark> {
    it.no_go.then(|| people.checked.get(&it.id)).flatten()
}

fn overlay(
    it: &crate::plan::PlanItem,
    status: Status,
    note: String,
    people: &People,
) -> (Status, String, Option<WaiverInfo>) {
    if matches!(
        it.handling,
        Handling::Skipped { .. } | Handling::Group | Handling::Signoff { .. }
    ) {
        return (status, note, None);
    }
    let open = matches!(
        status,
        Status::Pending | Status::NeedsReview | Status::Blocked | Status::NotRun
    );
    let mut shown = None;
    if let Some(w) = people.waivers.get(&it.id) {
        let until = w
            .expires
            .as_deref()
            .map(|e| format!(" until {e}"))
            .unwrap_or_default();
        let info = |state| WaiverInfo {
            approver: w.actor.clone(),
            reason: w.reason.clone(),
            expires: w.expires.clone(),
            state,
            was: status,
        };
        if w.expired {
            return (
                status,
                format!(
                    "{note} (waiver by {} lapsed at {}: it no longer counts)",
                    w.actor,
                    w.expires.as_deref().unwrap_or("?")
                ),
                Some(info(WaiverState::Lapsed)),
            );
        }
        if !(status == Status::Failed || open) {
            shown = Some(info(WaiverState::Unused));
        } else if it.severity == greenlight_doc::Severity::Blocker && !people.waive_blockers {
            return (
                status,
                format!(
                    "{note} (waiver by {} ignored: blockers cannot be waived)",
                    w.actor
                ),
                Some(info(WaiverState::Ignored)),
            );
        } else {
            return (
                Status::Waived,
                format!(
                    "waived by {}{until}: {} (was {})",
                    w.actor,
                    w.reason,
                    status.as_str()
                ),
                Some(info(WaiverState::InForce)),
            );
        }
    }
    if let Some(m) = people.checked.get(&it.id) {
        if open {
            let said = if m.note.is_empty() {
                String::new()
            } else {
                format!(": {}", m.note)
            };
            let from = if m.run.is_empty() {
                String::new()
            } else {
                format!(" (run {})", m.run)
            };
            return (
                Status::Passed,
                format!("checked by {} at {}{from}{said}", m.actor, m.at),
                shown,
            );
        }
        if status == Status::Failed {
            return (
                status,
                format!(
                    "{note} (checked by {}, but a failed check needs a waiver)",
                    m.actor
                ),
                shown,
            );
        }
    }
    (status, note, shown)
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

/// A group's note: how many of its sub-items are open, and how many are
/// waived (a waived sub-item is neither open nor done, and a group made of
/// waived sub-items must not read "3 of 4 sub-items open").
fn group_note(children: &[Status]) -> String {
    let n = children.len();
    let waived = children.iter().filter(|s| **s == Status::Waived).count();
    let open = children
        .iter()
        .filter(|s| !matches!(s, Status::Passed | Status::Skipped | Status::Waived))
        .count();
    let mut note = format!(
        "{open} of {n} sub-item{} open",
        if n == 1 { "" } else { "s" }
    );
    if waived > 0 {
        note.push_str(&format!(", {waived} waived"));
    }
    note
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::{Evidence, Verdict};

    #[test]
    fn a_group_note_counts_waived_sub_items_apart_from_open_ones() {
        use Status::*;
        assert_eq!(
            group_note(&[Passed, Waived, Waived, Waived]),
            "0 of 4 sub-items open, 3 waived"
        );
        assert_eq!(
            group_note(&[Pending, Failed, Passed, Skipped]),
            "2 of 4 sub-items open"
        );
        assert_eq!(group_note(&[Blocked]), "1 of 1 sub-item open");
        assert_eq!(
            group_note(&[NeedsReview, Waived]),
            "1 of 2 sub-items open, 1 waived"
        );
    }
    use crate::profile::{Class, Profile};

    const DOC: &str = "# R\n\n## Checks\n\n- [ ] Release notes reviewed\n- [ ] **Health**\n  ```bash\n  curl -f http://127.0.0.1:1/health\n  ```\n\n## Blockers (Must Fix)\n\n- [ ] **Critical health**\n  ```bash\n  curl -f http://127.0.0.1:1/health\n  ```\n\n**Release Manager:** ______\n";

    fn setup() -> (Plan, Vec<StepResult>) {
        let list = greenlight_doc::parse(DOC.as_bytes());
        let plan = crate::plan::build(
            &list,
            "doc.md",
            &Profile::default(),
            &crate::analyze::analyze_block,
            &|_| true,
        );
        let results = plan
            .checks
            .iter()
            .map(|c| StepResult {
                line: c.line,
                class: Class::Read,
                probe: "http".into(),
                command: c.command.clone(),
                status: Status::Failed,
                duration_ms: 1,
                attempts: 1,
                evidence: Evidence::default(),
            })
            .collect();
        (plan, results)
    }

    fn facts() -> RunFacts {
        RunFacts {
            run_id: None,
            started_at: String::new(),
            duration: Duration::ZERO,
            interrupted: false,
            phase_elapsed: Vec::new(),
        }
    }

    fn mark(who: &str) -> Mark {
        Mark {
            actor: who.into(),
            at: "t".into(),
            note: "looked".into(),
            ..Mark::default()
        }
    }

    fn waiver(expired: bool) -> Waiver {
        Waiver {
            actor: "cto".into(),
            reason: "known flake".into(),
            expires: None,
            expired,
        }
    }

    #[test]
    fn people_resolve_what_they_may_and_nothing_more() {
        let (plan, results) = setup();
        let id = |text: &str| {
            plan.items
                .iter()
                .find(|i| i.text == text)
                .unwrap()
                .id
                .clone()
        };
        let slot = plan.signoffs[0].id.clone();
        assert_eq!(report(&plan, &results, &facts()).verdict, Verdict::NoGo);

        let mut people = People::default();
        // A check never overrides a failure.
        people.checked.insert(id("Health"), mark("ann"));
        people
            .checked
            .insert(id("Release notes reviewed"), mark("ann"));
        let r = report_with(&plan, &results, &facts(), &people);
        assert_eq!(r.verdict, Verdict::NoGo);
        let manual = r
            .items
            .iter()
            .find(|i| i.text == "Release notes reviewed")
            .unwrap();
        assert_eq!(manual.status, Status::Passed);
        assert!(manual.note.contains("checked by ann"));

        // A waiver covers a required failure; an expired one does not; a
        // blocker's waiver is ignored by default.
        people.waivers.insert(id("Health"), waiver(false));
        people.waivers.insert(id("Critical health"), waiver(false));
        let r = report_with(&plan, &results, &facts(), &people);
        assert_eq!(r.verdict, Verdict::NoGo, "the blocker still fails");
        let r = report_with(&plan, &results, &facts(), &people);
        let state = |text: &str| {
            let i = r.items.iter().find(|i| i.text == text).unwrap();
            (i.status, i.waiver.as_ref().map(|w| w.state))
        };
        // Waived is its own status, never passed, and carries the waiver.
        assert_eq!(
            state("Health"),
            (Status::Waived, Some(WaiverState::InForce))
        );
        assert_eq!(
            state("Critical health"),
            (Status::Failed, Some(WaiverState::Ignored))
        );
        assert_eq!(r.counts.waived, 1);
        people.waive_blockers = true;
        let r = report_with(&plan, &results, &facts(), &people);
        assert_eq!(r.verdict, Verdict::Pending, "the sign-off is still owed");
        people.signed.insert(slot, mark("rm"));
        let r = report_with(&plan, &results, &facts(), &people);
        assert_eq!(r.verdict, Verdict::Go);
        people.waivers.insert(id("Health"), waiver(true));
        let r = report_with(&plan, &results, &facts(), &people);
        assert_eq!(r.verdict, Verdict::NoGo);
        let health = r.items.iter().find(|i| i.text == "Health").unwrap();
        assert_eq!(health.status, Status::Failed);
        assert_eq!(
            health.waiver.as_ref().map(|w| w.state),
            Some(WaiverState::Lapsed)
        );
        assert!(health.note.contains("lapsed"), "{}", health.note);
    }

    /// The plan's count (the run header's) is the report's: groups and
    /// sign-off lines are not counted, skipped rollback steps are.
    #[test]
    fn the_plan_counts_the_items_the_report_counts() {
        let doc = "# R\n\n## Checks\n\n- [ ] Release notes reviewed\n- [ ] Dashboards\n  - [ ] Errors panel\n  - [ ] Latency panel\n\n## Rollback\n\n- [ ] Revert the deploy\n  ```bash\n  kubectl rollout undo deploy/api\n  ```\n\n**Release Manager:** ______\n";
        let list = greenlight_doc::parse(doc.as_bytes());
        let plan = crate::plan::build(
            &list,
            "doc.md",
            &Profile::default(),
            &crate::analyze::analyze_block,
            &|_| true,
        );
        let results: Vec<StepResult> = plan
            .checks
            .iter()
            .map(|c| StepResult {
                line: c.line,
                class: c.class,
                probe: "shell".into(),
                command: c.command.clone(),
                status: Status::NotRun,
                duration_ms: 0,
                attempts: 0,
                evidence: Evidence::default(),
            })
            .collect();
        let r = report(&plan, &results, &facts());
        let counted: Vec<bool> = r.items.iter().map(|i| i.counted).collect();
        assert_eq!(counted, plan.counted());
        let c = &r.counts;
        let sum = c.passed
            + c.failed
            + c.needs_review
            + c.blocked
            + c.not_run
            + c.pending
            + c.skipped
            + c.waived;
        assert_eq!(sum, plan.counted_items());
        let by_text = |t: &str| r.items.iter().find(|i| i.text.contains(t)).unwrap();
        assert!(
            !by_text("Dashboards").counted,
            "a group speaks through its sub-items"
        );
        assert!(by_text("Errors panel").counted && by_text("Revert the deploy").counted);
        assert_eq!(by_text("Revert the deploy").status, Status::Skipped);
        assert!(plan.items.len() > plan.counted_items(), "{:#?}", plan.items);
    }

    /// A sign-off in the report names who gave it, when and in which run;
    /// a stale one too.
    #[test]
    fn a_signoff_names_its_signer_time_and_run() {
        let (plan, results) = setup();
        let slot = plan.signoffs[0].id.clone();
        let mut facts = facts();
        facts.run_id = Some("r2".into());
        let signed = |run: &str| Mark {
            actor: "Ada".into(),
            at: "2026-12-01T10:00:00Z".into(),
            run: run.into(),
            ..Mark::default()
        };
        let r = report(&plan, &results, &facts);
        let s = &r.signoffs[0];
        assert_eq!((s.signed, s.signed_by.as_deref()), (false, None));
        let mut people = People::default();
        people.signed.insert(slot.clone(), signed(""));
        let r = report_with(&plan, &results, &facts, &people);
        let s = &r.signoffs[0];
        assert!(s.signed);
        assert_eq!(s.signed_by.as_deref(), Some("Ada"));
        assert_eq!(s.signed_at.as_deref(), Some("2026-12-01T10:00:00Z"));
        assert_eq!(s.signed_in_run.as_deref(), Some("r2"), "given in this run");
        let mut people = People::default();
        people.stale.insert(
            slot,
            StaleSignoff {
                mark: signed("r1"),
                changed: vec!["Health: failed → passed".into()],
            },
        );
        let r = report_with(&plan, &results, &facts, &people);
        let s = &r.signoffs[0];
        assert!(!s.signed && s.stale.is_some());
        assert_eq!(s.signed_by.as_deref(), Some("Ada"));
        assert_eq!(s.signed_in_run.as_deref(), Some("r1"));
    }
}
