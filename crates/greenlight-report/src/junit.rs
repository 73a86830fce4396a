//! JUnit XML, so CI systems show a release checklist like a test run.
//!
//! - One `<testsuite>` per phase (a top-level heading of the checklist), and
//!   one more, `Sign-offs`, for the sign-off slots.
//! - One `<testcase>` per counted item (the items the report's counts
//!   count: groups speak through their sub-items). Its `classname` is the
//!   phase path: the phase, then the heading the item sits under when that
//!   is another one, joined by ` / ` (`Pre-Deployment / 1. Code Readiness`).
//! - Statuses: passed → success; failed → `<failure type="failed">`;
//!   needs review → `<failure type="needs_review">` (a result no machine
//!   could verify is not green); blocked → `<error type="blocked">` (the
//!   check could not run at all, as a test that errors); pending (manual
//!   items), not run (safety class not allowed) and skipped (rollback,
//!   monitoring) → `<skipped>`; a missing sign-off → `<skipped>`. Each
//!   carries the reason as its message.

use greenlight_run::outcome::{ItemResult, PhaseResult, RunReport, Status};
use greenlight_run::redact::Redactor;
use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
use std::time::Duration;

/// The suite for items above the first heading.
pub const NO_HEADING: &str = "(no heading)";
/// The suite for sign-off slots.
pub const SIGNOFFS: &str = "Sign-offs";

pub fn render(report: &RunReport, redactor: &Redactor) -> String {
    let mut junit = Report::new(redactor.redact(&format!("greenlight {}", report.checklist)));
    let mut suites: Vec<(String, TestSuite)> = Vec::new();
    for item in report.items.iter().filter(|i| i.counted) {
        let phase = phase_of(&report.phases, item.line);
        let title = phase.map_or(NO_HEADING, |p| p.title.as_str());
        let idx = match suites.iter().position(|(p, _)| p == title) {
            Some(i) => i,
            None => {
                let mut suite = TestSuite::new(redactor.redact(title));
                if let Some(p) = phase {
                    suite.set_time(Duration::from_millis(p.elapsed_ms));
                }
                suites.push((title.to_string(), suite));
                suites.len() - 1
            }
        };
        suites[idx]
            .1
            .add_test_case(case(item, &class_path(title, item), redactor));
    }
    if !report.signoffs.is_empty() {
        let mut suite = TestSuite::new(SIGNOFFS);
        for s in &report.signoffs {
            let status = if s.signed {
                TestCaseStatus::success()
            } else {
                let mut st = TestCaseStatus::skipped();
                st.set_message(redactor.redact(&format!("sign-off missing: {}", s.role)));
                st
            };
            let mut case =
                TestCase::new(redactor.redact(&format!("L{} {}", s.line, s.role)), status);
            case.set_classname(SIGNOFFS);
            suite.add_test_case(case);
        }
        suites.push((SIGNOFFS.to_string(), suite));
    }
    junit.add_test_suites(suites.into_iter().map(|(_, s)| s));
    junit.set_time(Duration::from_millis(report.duration_ms));
    junit
        .to_string()
        .unwrap_or_else(|e| format!("<!-- cannot render JUnit: {e} -->\n"))
}

/// The top-level phase an item at `line` belongs to: the last phase
/// heading above it (phases are in document order).
fn phase_of(phases: &[PhaseResult], line: usize) -> Option<&PhaseResult> {
    phases.iter().rev().find(|p| p.line <= line)
}

/// `Phase / Section`, or `Phase` when the item sits right under it.
fn class_path(phase: &str, item: &ItemResult) -> String {
    match item.phase.as_deref() {
        Some(section) if section != phase && phase != NO_HEADING => {
            format!("{phase} / {section}")
        }
        Some(section) if phase == NO_HEADING => section.to_string(),
        _ => phase.to_string(),
    }
}

fn case(item: &ItemResult, classname: &str, redactor: &Redactor) -> TestCase {
    let name = redactor.redact(&format!("L{} {}", item.line, item.text));
    let reason = redactor.redact(&item.note);
    let non_success = |kind: NonSuccessKind, ty: &str| {
        let mut s = TestCaseStatus::non_success(kind);
        s.set_message(reason.clone());
        s.set_type(ty);
        s
    };
    let status = match item.status {
        Status::Passed => TestCaseStatus::success(),
        Status::Failed => non_success(NonSuccessKind::Failure, "failed"),
        Status::NeedsReview => non_success(NonSuccessKind::Failure, "needs_review"),
        Status::Blocked => non_success(NonSuccessKind::Error, "blocked"),
        // Waived: not a success (nothing passed), not a failure (a person
        // accepted it); skipped, with who waived it, why and until when.
        other @ (Status::Pending | Status::NotRun | Status::Skipped | Status::Waived) => {
            let mut s = TestCaseStatus::skipped();
            let what = match other {
                Status::Pending => "manual",
                Status::NotRun => "not run",
                Status::Waived => "waived",
                _ => "skipped",
            };
            if other != Status::Waived && reason.starts_with(what) {
                s.set_message(reason.clone());
            } else {
                s.set_message(format!("{what}: {reason}"));
            }
            s
        }
    };
    let mut case = TestCase::new(name, status);
    case.set_classname(redactor.redact(classname));
    let ms: u64 = item.steps.iter().map(|s| s.duration_ms).sum();
    case.set_time(Duration::from_millis(ms));
    let mut out = String::new();
    for step in &item.steps {
        out.push_str(&format!(
            "L{} [{} · {}] {}: {}\n",
            step.line,
            step.probe,
            step.class.as_str(),
            step.status.as_str(),
            step.evidence.summary
        ));
        for f in &step.evidence.failures {
            out.push_str(&format!("  ✗ {f}\n"));
        }
        if let Some(r) = &step.evidence.reason {
            out.push_str(&format!("  {r}\n"));
        }
    }
    if !out.is_empty() {
        case.set_system_out(redactor.redact(&out));
    }
    case
}
