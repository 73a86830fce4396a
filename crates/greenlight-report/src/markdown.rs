//! A Markdown summary fit for a CI step summary or a pull-request comment.

use greenlight_run::outcome::{RunReport, Status, Verdict};
use greenlight_run::redact::Redactor;
use std::fmt::Write;

pub fn render(report: &RunReport, redactor: &Redactor) -> String {
    let mut md = String::new();
    let icon = match report.verdict {
        Verdict::Go => "✅",
        Verdict::GoWithWarnings => "⚠️",
        Verdict::Pending => "⏸️",
        Verdict::NoGo => "❌",
    };
    let c = &report.counts;
    let _ = writeln!(
        md,
        "## {icon} {} — `{}`\n",
        report.verdict.as_str(),
        report.checklist
    );
    let _ = writeln!(
        md,
        "profile `{}` · {} · {:.1}s{}\n",
        report.profile,
        report.started_at,
        report.duration_ms as f64 / 1000.0,
        if report.interrupted {
            " · **interrupted**"
        } else {
            ""
        }
    );
    let _ = writeln!(
        md,
        "| passed | failed | needs review | blocked | not run | pending | skipped | waived |"
    );
    let _ = writeln!(
        md,
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    );
    let _ = writeln!(
        md,
        "| {} | {} | {} | {} | {} | {} | {} | {} |\n",
        c.passed, c.failed, c.needs_review, c.blocked, c.not_run, c.pending, c.skipped, c.waived
    );
    let failed: Vec<_> = report
        .items
        .iter()
        .filter(|i| i.status == Status::Failed)
        .collect();
    if !failed.is_empty() {
        let _ = writeln!(md, "### Failed\n");
        for item in failed {
            let _ = writeln!(
                md,
                "- **L{}** {} (`{}`, {})",
                item.line,
                escape(&item.text),
                item.id,
                item.severity.as_str()
            );
            for step in item.steps.iter().filter(|s| s.status == Status::Failed) {
                let _ = writeln!(
                    md,
                    "  - L{} `{}`: {}",
                    step.line,
                    step.probe,
                    escape(&step.evidence.summary)
                );
                for f in &step.evidence.failures {
                    let _ = writeln!(md, "    - ✗ {}", escape(f));
                }
            }
        }
        md.push('\n');
    }
    let waived: Vec<_> = report
        .items
        .iter()
        .filter_map(|i| Some((i, i.waiver.as_ref()?)))
        .collect();
    if !waived.is_empty() {
        let _ = writeln!(md, "### Waivers\n");
        for (item, w) in waived {
            let _ = writeln!(
                md,
                "- **L{}** {} (`{}`): {} — {} by {}{}: {}",
                item.line,
                escape(&item.text),
                item.id,
                item.status.as_str(),
                w.state.as_str(),
                escape(&w.approver),
                w.expires
                    .as_deref()
                    .map(|e| format!(" until {e}"))
                    .unwrap_or_default(),
                escape(&w.reason)
            );
        }
        md.push('\n');
    }
    let open: Vec<_> = report
        .reasons
        .iter()
        .filter(|r| !matches!(r.status, Status::Failed))
        .collect();
    if !open.is_empty() {
        let _ = writeln!(
            md,
            "<details><summary>{} open reason{} (needs review, blocked, not run, pending, sign-offs)</summary>\n",
            open.len(),
            if open.len() == 1 { "" } else { "s" }
        );
        for r in open {
            let _ = writeln!(
                md,
                "- L{} `{}` {}: {}",
                r.line,
                r.item,
                r.status.as_str(),
                escape(&r.message)
            );
        }
        let _ = writeln!(md, "\n</details>\n");
    }
    if !report.phases.is_empty() {
        let _ = writeln!(
            md,
            "| phase | passed | failed | open | time | budget | waived |"
        );
        let _ = writeln!(md, "| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        for p in report.phases.iter().filter(|p| p.counts.total() > 0) {
            let open =
                p.counts.needs_review + p.counts.blocked + p.counts.not_run + p.counts.pending;
            let budget = p
                .budget_seconds
                .map(|b| format!("{}m", b / 60))
                .unwrap_or_default();
            let _ = writeln!(
                md,
                "| L{} {} | {} | {} | {} | {:.1}s | {} | {} |",
                p.line,
                escape(&p.title),
                p.counts.passed,
                p.counts.failed,
                open,
                p.elapsed_ms as f64 / 1000.0,
                budget,
                p.counts.waived
            );
        }
    }
    redactor.redact(&md)
}

/// Keeps table pipes and HTML out of user text.
fn escape(s: &str) -> String {
    s.replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
