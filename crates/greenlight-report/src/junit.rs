//! JUnit XML: one testsuite per phase, one testcase per item, so CI systems
//! show a release checklist like a test run.

use greenlight_run::outcome::{ItemResult, RunReport, Status};
use greenlight_run::redact::Redactor;
use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
use std::time::Duration;

pub fn render(report: &RunReport, redactor: &Redactor) -> String {
    let mut junit = Report::new(format!("greenlight {}", report.checklist));
    let mut suites: Vec<(String, TestSuite)> = Vec::new();
    for item in &report.items {
        let phase = item.phase.clone().unwrap_or_else(|| "(no heading)".into());
        let idx = match suites.iter().position(|(p, _)| *p == phase) {
            Some(i) => i,
            None => {
                suites.push((phase.clone(), TestSuite::new(redactor.redact(&phase))));
                suites.len() - 1
            }
        };
        suites[idx].1.add_test_case(case(item, redactor));
    }
    junit.add_test_suites(suites.into_iter().map(|(_, s)| s));
    junit.set_time(Duration::from_millis(report.duration_ms));
    junit
        .to_string()
        .unwrap_or_else(|e| format!("<!-- cannot render JUnit: {e} -->\n"))
}

fn case(item: &ItemResult, redactor: &Redactor) -> TestCase {
    let name = redactor.redact(&format!("L{} {}", item.line, item.text));
    let message = redactor.redact(&item.note);
    let status = match item.status {
        Status::Passed => TestCaseStatus::success(),
        Status::Failed => {
            let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
            s.set_message(message.clone());
            s.set_type("failed");
            s
        }
        // Waived: not a success (nothing passed), not a failure (a person
        // accepted it); skipped, with who waived it, why and until when.
        other => {
            let mut s = TestCaseStatus::skipped();
            s.set_message(format!("{}: {message}", other.as_str()));
            s
        }
    };
    let mut case = TestCase::new(name, status);
    case.set_classname(item.id.clone());
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
