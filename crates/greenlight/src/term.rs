//! What a person sees while a run goes: a header, progress per phase,
//! failures the moment they happen with their evidence, and the verdict.
//! Colours only on a terminal and without `NO_COLOR`.

use greenlight_run::outcome::{RunReport, Status, StepResult, Verdict};
use greenlight_run::plan::Plan;
use std::io::{IsTerminal, Write};

/// Colours and symbols, or plain text.
#[derive(Clone, Copy)]
pub struct Style {
    color: bool,
}

impl Style {
    /// Colour when stderr is a terminal and `NO_COLOR` is not set.
    pub fn detect() -> Self {
        let color = std::io::stderr().is_terminal()
            && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        Style { color }
    }

    pub fn plain() -> Self {
        Style { color: false }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    pub fn red(&self, t: &str) -> String {
        self.paint("31", t)
    }
    pub fn green(&self, t: &str) -> String {
        self.paint("32", t)
    }
    pub fn yellow(&self, t: &str) -> String {
        self.paint("33", t)
    }
    pub fn dim(&self, t: &str) -> String {
        self.paint("2", t)
    }
    pub fn bold(&self, t: &str) -> String {
        self.paint("1", t)
    }
}

pub fn symbol(s: Status) -> &'static str {
    match s {
        Status::Passed => "✓",
        Status::Failed => "✗",
        Status::NeedsReview => "?",
        Status::Blocked => "⊘",
        Status::NotRun => "⏸",
        Status::Pending => "…",
        Status::Skipped => "-",
    }
}

/// Prints live events to stderr.
pub struct Live<'a> {
    pub plan: &'a Plan,
    pub style: Style,
    pub out: Box<dyn Write + Send + 'a>,
}

impl Live<'_> {
    pub fn header(&mut self, version: &str, run_id: &str) {
        let checks = self.plan.checks.len();
        let native = self.plan.checks.iter().filter(|c| c.is_native()).count();
        let runnable = self
            .plan
            .checks
            .iter()
            .filter(|c| c.gate == greenlight_run::plan::Gate::Run)
            .count();
        let _ = writeln!(
            self.out,
            "{} {version} · {} · profile {} · run {run_id}",
            self.style.bold("greenlight"),
            self.plan.checklist,
            self.plan.profile
        );
        let _ = writeln!(
            self.out,
            "{} checks ({native} native, {} shell), {runnable} will run · {} items · {} sign-off slots",
            checks,
            checks - native,
            self.plan.items.len(),
            self.plan.signoffs.len()
        );
    }

    pub fn phase_started(&mut self, p: usize) {
        let phase = &self.plan.phases[p];
        if phase.checks.is_empty() {
            return;
        }
        let _ = writeln!(
            self.out,
            "{} L{} {}",
            self.style.bold("▸"),
            phase.line,
            phase.title
        );
    }

    /// A running load step's figures, every fifth second.
    pub fn load_progress(&mut self, check: usize, s: &greenlight_load::Snapshot) {
        let secs = s.elapsed.as_secs();
        if secs == 0 || !secs.is_multiple_of(5) {
            return;
        }
        let line = self.plan.checks.get(check).map_or(0, |c| c.line);
        let _ = writeln!(
            self.out,
            "    {} L{line} load {secs}s: {:.0} req/s · p95 {:.1} ms · {:.2}% failed · {} VUs · {} requests",
            self.style.dim("…"),
            s.rps,
            s.p95_ms,
            s.error_rate * 100.0,
            s.active_vus,
            s.requests
        );
    }

    pub fn check_finished(&mut self, check: usize, result: &StepResult) {
        if !matches!(result.status, Status::Failed) {
            return;
        }
        let c = &self.plan.checks[check];
        let item = &self.plan.items[c.item];
        let _ = writeln!(
            self.out,
            "    {} L{} {}",
            self.style.red("✗"),
            item.line,
            item.text
        );
        let _ = writeln!(self.out, "        {}", result.evidence.summary);
        for f in &result.evidence.failures {
            let _ = writeln!(self.out, "        {}", self.style.red(f));
        }
        if let Some(r) = &result.evidence.reason {
            let _ = writeln!(self.out, "        {r}");
        }
        if let Some(x) = &result.evidence.excerpt {
            let one: String = x.split_whitespace().collect::<Vec<_>>().join(" ");
            let short: String = one.chars().take(160).collect();
            let _ = writeln!(
                self.out,
                "        {}",
                self.style.dim(&format!("body: {short}"))
            );
        }
    }

    pub fn phase_finished(
        &mut self,
        p: usize,
        results: &[Option<StepResult>],
        elapsed: std::time::Duration,
    ) {
        let phase = &self.plan.phases[p];
        if phase.checks.is_empty() {
            return;
        }
        let mut passed = 0;
        let mut failed = 0;
        let mut other = 0;
        for &c in &phase.checks {
            match results[c].as_ref().map(|r| r.status) {
                Some(Status::Passed) => passed += 1,
                Some(Status::Failed) => failed += 1,
                _ => other += 1,
            }
        }
        let total = phase.checks.len();
        let mark = if failed > 0 {
            self.style.red("✗")
        } else if other == 0 {
            self.style.green("✓")
        } else {
            self.style.yellow("…")
        };
        let budget = phase
            .budget_seconds
            .map(|b| {
                let over = elapsed.as_secs() > b;
                let text = format!("budget {}", human_budget(b));
                if over {
                    self.style.red(&format!("{text} OVERRUN"))
                } else {
                    text
                }
            })
            .unwrap_or_default();
        let _ = writeln!(
            self.out,
            "    {mark} {passed}/{total} checks passed{}{}  {:.2}s  {}",
            if failed > 0 {
                format!(" · {failed} failed")
            } else {
                String::new()
            },
            if other > 0 {
                format!(" · {other} not passed (review/blocked/not run)")
            } else {
                String::new()
            },
            elapsed.as_secs_f64(),
            self.style.dim(&budget)
        );
    }
}

fn human_budget(secs: u64) -> String {
    if secs >= 3600 && secs.is_multiple_of(3600) {
        format!("{}h", secs / 3600)
    } else if secs >= 60 {
        format!("{}m", secs / 60)
    } else {
        format!("{secs}s")
    }
}

/// The closing block: verdict, counts, and the reasons that matter most.
pub fn summary(report: &RunReport, style: Style, limit: usize) -> String {
    let mut out = String::new();
    out.push_str(&style.dim(&"─".repeat(64)));
    out.push('\n');
    let verdict = report.verdict.as_str();
    let painted = match report.verdict {
        Verdict::Go => style.green(verdict),
        Verdict::GoWithWarnings | Verdict::Pending => style.yellow(verdict),
        Verdict::NoGo => style.red(verdict),
    };
    let c = &report.counts;
    let unsigned = report.signoffs.iter().filter(|s| !s.signed).count();
    let mut parts = vec![
        format!("{} passed", c.passed),
        format!("{} failed", c.failed),
    ];
    for (n, label) in [
        (c.needs_review, "need review"),
        (c.blocked, "blocked"),
        (c.not_run, "not run (safety)"),
        (c.pending, "manual"),
        (unsigned, "sign-offs missing"),
        (c.skipped, "skipped (rollback/monitoring)"),
    ] {
        if n > 0 {
            parts.push(format!("{n} {label}"));
        }
    }
    out.push_str(&format!(
        "{}  {}\n",
        style.bold(&painted),
        parts.join(" · ")
    ));
    if report.interrupted {
        out.push_str(
            &style.yellow("  interrupted: checks that had not started are reported as not run\n"),
        );
    }
    // Failures first, then what blocks or needs a look; manual items and
    // sign-offs are only counted (they are many, and `status` lists them).
    let important: Vec<_> = report
        .reasons
        .iter()
        .filter(|r| {
            matches!(
                r.status,
                Status::Failed | Status::NeedsReview | Status::Blocked | Status::NotRun
            )
        })
        .collect();
    for r in important.iter().take(limit) {
        let sym = symbol(r.status);
        let sym = if r.status == Status::Failed {
            style.red(sym)
        } else {
            style.yellow(sym)
        };
        out.push_str(&format!("  {sym} L{} {}\n", r.line, r.message));
    }
    if important.len() > limit {
        out.push_str(&format!(
            "  … and {} more (see --json or --markdown)\n",
            important.len() - limit
        ));
    }
    out
}
