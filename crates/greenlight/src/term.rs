//! What a person sees while a run goes: a header, progress per phase,
//! failures the moment they happen with their evidence, and the verdict.
//! Colours only on a terminal and without `NO_COLOR`.
//!
//! Text that a server, a command, a store or a document supplied is passed
//! through [`printable`] before it reaches a terminal, so it cannot clear
//! the screen, move the cursor, retitle the window or paint a fake verdict.
//! Reports and stores keep that text as it was (redacted, otherwise
//! faithful): only what is printed for a person is stripped.

use greenlight_run::outcome::{RunReport, Status, StepResult, Verdict};
use greenlight_run::plan::Plan;
use greenlight_run::redact::Redactor;
use std::borrow::Cow;
use std::io::{IsTerminal, Write};

/// What an escape sequence (ESC or an 8-bit introducer, with everything it
/// introduces) is replaced with.
pub const ESCAPE_MARK: char = '␛';
/// What a C1 control or a bidirectional override/isolate is replaced with.
pub const HIDDEN_MARK: char = '\u{FFFD}';

/// Whether `c` starts something [`printable`] must replace.
fn is_unsafe(c: char) -> bool {
    matches!(c,
        '\0'..='\u{8}' | '\u{b}'..='\u{1f}' | '\u{7f}'..='\u{9f}'
        | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Consumes the body of a control string (OSC, DCS, SOS, PM, APC) up to
/// and including its terminator: BEL, ST (`ESC \\` or U+009C). A newline
/// ends it too (not consumed), so one bad sequence cannot hide the rest.
fn skip_string(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    while let Some(&c) = chars.peek() {
        match c {
            '\n' => return,
            '\u{7}' | '\u{9c}' => {
                chars.next();
                return;
            }
            '\u{1b}' => {
                chars.next();
                if chars.peek() == Some(&'\\') {
                    chars.next();
                }
                return;
            }
            _ => {
                chars.next();
            }
        }
    }
}

/// Consumes a CSI's parameters, intermediates and final byte (a stray
/// character outside the CSI grammar ends it without being consumed).
fn skip_csi(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    while let Some(&c) = chars.peek() {
        match c {
            '\u{20}'..='\u{3f}' => {
                chars.next();
            }
            '\u{40}'..='\u{7e}' => {
                chars.next();
                return;
            }
            _ => return,
        }
    }
}

/// `text` made safe for a terminal: every escape sequence (CSI, OSC, DCS,
/// SOS, PM, APC, and two-character ESC sequences, 7- or 8-bit) becomes one
/// [`ESCAPE_MARK`]; C0 controls other than newline and tab, and DEL,
/// become their visible Control Pictures (`␍`, `␇`, `␡`, …; a `\r` right
/// before a `\n` is dropped); other C1 controls and bidirectional
/// overrides and isolates become [`HIDDEN_MARK`]. Nothing is silently
/// removed: a reader sees that something was there.
pub fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => {
                out.push(ESCAPE_MARK);
                match chars.peek().copied() {
                    Some('[') => {
                        chars.next();
                        skip_csi(&mut chars);
                    }
                    Some(']' | 'P' | 'X' | '^' | '_') => {
                        chars.next();
                        skip_string(&mut chars);
                    }
                    Some('\u{20}'..='\u{2f}') => {
                        // nF: intermediates, then one final character.
                        while chars
                            .peek()
                            .is_some_and(|c| ('\u{20}'..='\u{2f}').contains(c))
                        {
                            chars.next();
                        }
                        if chars
                            .peek()
                            .is_some_and(|c| ('\u{30}'..='\u{7e}').contains(c))
                        {
                            chars.next();
                        }
                    }
                    Some('\u{30}'..='\u{7e}') => {
                        chars.next();
                    }
                    _ => {}
                }
            }
            '\u{9b}' => {
                out.push(ESCAPE_MARK);
                skip_csi(&mut chars);
            }
            '\u{90}' | '\u{98}' | '\u{9d}' | '\u{9e}' | '\u{9f}' => {
                out.push(ESCAPE_MARK);
                skip_string(&mut chars);
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\t' => out.push(c),
            '\0'..='\u{1f}' => out.push(char::from_u32(0x2400 + c as u32).unwrap_or(HIDDEN_MARK)),
            '\u{7f}' => out.push('␡'),
            c if is_unsafe(c) => out.push(HIDDEN_MARK),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// How much a person sees besides the verdict: `--quiet` turns the live
/// view off, `--verbose` shows every check and every reason.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Verbosity {
    Quiet,
    #[default]
    Normal,
    Verbose,
}

static VERBOSITY: std::sync::OnceLock<Verbosity> = std::sync::OnceLock::new();

/// Sets the process-wide verbosity (once, from the global flags).
pub fn set_verbosity(v: Verbosity) {
    let _ = VERBOSITY.set(v);
}

pub fn verbosity() -> Verbosity {
    VERBOSITY.get().copied().unwrap_or_default()
}

/// Where the live view goes: stderr, or nowhere with `--quiet`.
pub fn live_out() -> Box<dyn Write + Send> {
    if verbosity() == Verbosity::Quiet {
        Box::new(std::io::sink())
    } else {
        Box::new(std::io::stderr())
    }
}

/// Writes `text` to stdout. A closed pipe (`| head -1`) is not an error:
/// the rest is dropped quietly and the command exits as it would have.
pub fn out(text: &str) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// The width reason lines wrap at: the terminal's (stdout's, else
/// stderr's), or 100 columns when neither is a terminal. `COLUMNS`
/// overrides it.
pub fn width() -> usize {
    if let Some(n) = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|&n| n >= 20)
    {
        return n;
    }
    terminal_size::terminal_size_of(std::io::stdout())
        .or_else(|| terminal_size::terminal_size_of(std::io::stderr()))
        .map(|(w, _)| usize::from(w.0))
        .filter(|&w| w >= 20)
        .unwrap_or(100)
}

/// One line of the live view (or a notice) fitted to `width` columns: a line wider than
/// that wraps, continuing two columns under its own indentation. Text of
/// several lines (evidence, already wrapped) is left as it is.
pub fn fit(text: String, width: usize) -> String {
    if text.contains('\n') || visible_width(&text) <= width {
        return text;
    }
    let lead = text.len() - text.trim_start_matches(' ').len();
    format!(
        "{}{}",
        " ".repeat(lead),
        wrap(text.trim_start_matches(' '), lead, lead + 2, width)
    )
}

/// Columns `text` takes on a terminal: colour sequences (`ESC [ … m`)
/// take none.
fn visible_width(text: &str) -> usize {
    let mut n = 0;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            n += 1;
        }
    }
    n
}

/// Wraps `text` (one paragraph) to `width` columns: the first line starts
/// after `first` columns already used, the others are indented by
/// `indent` spaces. Words longer than a line are cut.
pub fn wrap(text: &str, first: usize, indent: usize, width: usize) -> String {
    let room = |used: usize| width.saturating_sub(used).max(20);
    let mut out = String::new();
    let mut line_len = 0usize;
    let mut limit = room(first);
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let mut word: Vec<char> = word.chars().collect();
        loop {
            let need = if line_len == 0 {
                word.len()
            } else {
                word.len() + 1
            };
            if line_len + need <= limit {
                if line_len > 0 {
                    out.push(' ');
                }
                out.extend(word.iter());
                line_len += need;
                break;
            }
            if line_len > 0 {
                out.push('\n');
                out.push_str(&" ".repeat(indent));
                line_len = 0;
                limit = room(indent);
                continue;
            }
            // A word longer than a whole line: cut it.
            let rest = word.split_off(limit);
            out.extend(word.iter());
            out.push('\n');
            out.push_str(&" ".repeat(indent));
            limit = room(indent);
            word = rest;
        }
    }
    out
}

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

    /// Colour when stdout is a terminal and `NO_COLOR` is not set.
    pub fn stdout() -> Self {
        let color = std::io::stdout().is_terminal()
            && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        Style { color }
    }

    pub fn plain() -> Self {
        Style { color: false }
    }

    /// `text` (made [`printable`]) in a colour.
    fn paint(&self, code: &str, text: &str) -> String {
        let text = printable(text);
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.into_owned()
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
        Status::Waived => "~",
    }
}

/// Prints live events to stderr: one line per phase and per failure, and,
/// on a terminal, a live line with the step that runs now and a spinner
/// once a check has taken more than a second.
pub struct Live {
    pub plan: std::sync::Arc<Plan>,
    pub style: Style,
    pub out: Box<dyn Write + Send>,
    /// The document's own text (item and phase titles) may spell a secret
    /// out; evidence is redacted already, this is applied once more.
    pub redactor: Redactor,
    /// The live line (only on a terminal, never with `--quiet`).
    pub bar: Option<indicatif::ProgressBar>,
    /// Checks running now, with when they started.
    pub running: Vec<(usize, std::time::Instant)>,
    /// How many checks have finished, of how many will run.
    pub finished: usize,
}

/// How long a check runs before the live line shows a spinner for it.
pub const SPINNER_AFTER: std::time::Duration = std::time::Duration::from_secs(1);

impl Live {
    /// The live view for `plan`: to stderr, with a live line when stderr
    /// is a terminal; to nowhere with `--quiet`.
    pub fn new(plan: std::sync::Arc<Plan>, style: Style, redactor: Redactor) -> Self {
        let show = verbosity() != Verbosity::Quiet;
        let bar = (show && std::io::stderr().is_terminal()).then(|| {
            let bar = indicatif::ProgressBar::with_draw_target(
                None,
                indicatif::ProgressDrawTarget::stderr_with_hz(10),
            );
            bar.set_style(
                indicatif::ProgressStyle::with_template("{prefix}{msg}")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
            );
            bar
        });
        Live {
            plan,
            style,
            out: live_out(),
            redactor,
            bar,
            running: Vec::new(),
            finished: 0,
        }
    }

    /// Text fit for the terminal: redacted, then [`printable`].
    fn shown(&self, text: &str) -> String {
        printable(&self.redactor.redact(text)).into_owned()
    }

    /// Prints a finished line above the live line.
    fn emit(&mut self, text: String) {
        let text = fit(text, width());
        match &self.bar {
            Some(bar) => {
                let out = &mut self.out;
                bar.suspend(|| {
                    let _ = writeln!(out, "{text}");
                });
            }
            None => {
                let _ = writeln!(self.out, "{text}");
            }
        }
    }

    /// A check started: the live line names it.
    pub fn check_started(&mut self, check: usize) {
        self.running.push((check, std::time::Instant::now()));
        self.tick();
    }

    /// Redraws the live line: the oldest running check, its time, and a
    /// spinner once it has run for more than [`SPINNER_AFTER`].
    pub fn tick(&mut self) {
        let Some(bar) = &self.bar else { return };
        let Some(&(check, since)) = self.running.first() else {
            bar.set_message(String::new());
            bar.set_prefix(String::new());
            return;
        };
        let plan = self.plan.clone();
        let c = &plan.checks[check];
        let took = since.elapsed();
        const FRAMES: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
        let spinner = if took >= SPINNER_AFTER {
            FRAMES[(took.as_millis() / 100) as usize % FRAMES.len()]
        } else {
            " "
        };
        let more = self.running.len() - 1;
        let total = self
            .plan
            .checks
            .iter()
            .filter(|c| c.gate == greenlight_run::plan::Gate::Run)
            .count();
        let what: String = self
            .shown(&c.target.describe())
            .chars()
            .take(width().saturating_sub(40).max(20))
            .collect();
        bar.set_prefix(format!("  {spinner} "));
        bar.set_message(format!(
            "[{}/{total}] L{} {what} · {:.1}s{}",
            self.finished,
            c.line,
            took.as_secs_f64(),
            if more > 0 {
                format!(" (+{more} running)")
            } else {
                String::new()
            }
        ));
    }

    /// Removes the live line.
    pub fn close(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }

    pub fn header(&mut self, version: &str, run_id: &str) {
        let checks = self.plan.checks.len();
        let native = self.plan.checks.iter().filter(|c| c.is_native()).count();
        let runnable = self
            .plan
            .checks
            .iter()
            .filter(|c| c.gate == greenlight_run::plan::Gate::Run)
            .count();
        let first = format!(
            "{} {version} · {} · profile {} · run {run_id}",
            self.style.bold("greenlight"),
            self.shown(&self.plan.checklist),
            self.shown(&self.plan.profile)
        );
        self.emit(first);
        let second = format!(
            "{} checks ({native} native, {} shell), {runnable} will run · {} items · {} sign-off slots",
            checks,
            checks - native,
            // The items the verdict's counts add up to (groups and sign-off
            // lines are not among them).
            self.plan.counted_items(),
            self.plan.signoffs.len()
        );
        self.emit(second);
    }

    pub fn phase_started(&mut self, p: usize) {
        let plan = self.plan.clone();
        let phase = &plan.phases[p];
        if phase.checks.is_empty() {
            return;
        }
        let text = format!(
            "{} L{} {}",
            self.style.bold("▸"),
            phase.line,
            self.shown(&phase.title)
        );
        self.emit(text);
    }

    /// A running load step's figures, every fifth second.
    pub fn load_progress(&mut self, check: usize, s: &greenlight_load::Snapshot) {
        let secs = s.elapsed.as_secs();
        if secs == 0 || !secs.is_multiple_of(5) {
            return;
        }
        let line = self.plan.checks.get(check).map_or(0, |c| c.line);
        let text = format!(
            "    {} L{line} load {secs}s: {:.0} req/s · p95 {:.1} ms · {:.2}% failed · {} VUs · {} requests",
            self.style.dim("…"),
            s.rps,
            s.p95_ms,
            s.error_rate * 100.0,
            s.active_vus,
            s.requests
        );
        self.emit(text);
    }

    pub fn check_finished(&mut self, check: usize, result: &StepResult) {
        self.running.retain(|(c, _)| *c != check);
        self.finished += 1;
        self.tick();
        let plan = self.plan.clone();
        let c = &plan.checks[check];
        if !matches!(result.status, Status::Failed) {
            if verbosity() == Verbosity::Verbose {
                let text = format!(
                    "    {} L{} {}",
                    symbol(result.status),
                    c.line,
                    self.shown(&result.evidence.summary)
                );
                self.emit(text);
            }
            return;
        }
        let item = &plan.items[c.item];
        let width = width();
        let lead = 7 + item.line.to_string().len();
        let text = format!(
            "    {} L{} {}",
            self.style.red("✗"),
            item.line,
            wrap(&self.shown(&item.text), lead, lead, width)
        );
        self.emit(text);
        let summary = wrap(&self.shown(&result.evidence.summary), 8, 8, width);
        self.emit(format!("        {summary}"));
        for f in &result.evidence.failures {
            let f = self.style.red(&wrap(&self.shown(f), 8, 8, width));
            self.emit(format!("        {f}"));
        }
        if let Some(r) = &result.evidence.reason {
            let r = wrap(&self.shown(r), 8, 8, width);
            self.emit(format!("        {r}"));
        }
        if let Some(x) = &result.evidence.excerpt {
            let one: String = x.split_whitespace().collect::<Vec<_>>().join(" ");
            // One line at the terminal's width: `        body: ` is 14 columns.
            let short: String = one.chars().take(width.saturating_sub(14).max(40)).collect();
            let text = format!(
                "        {}",
                self.style.dim(&format!("body: {}", self.shown(&short)))
            );
            self.emit(text);
        }
    }

    pub fn phase_finished(
        &mut self,
        p: usize,
        results: &[Option<StepResult>],
        elapsed: std::time::Duration,
    ) {
        let plan = self.plan.clone();
        let phase = &plan.phases[p];
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
        let text = format!(
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
        self.emit(text);
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
    summary_headed(report, style, limit, report.verdict.as_str(), false)
}

/// What a rollback run's verdict means to a release manager: the
/// procedure ran to its end (`ROLLED BACK`), a step failed (`ROLLBACK
/// FAILED`), or people still owe something. The exit codes stay the
/// verdict's.
pub fn rollback_headline(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Go => "ROLLED BACK",
        Verdict::GoWithWarnings => "ROLLED BACK WITH WARNINGS",
        Verdict::Pending => "ROLLBACK PENDING",
        Verdict::NoGo => "ROLLBACK FAILED",
    }
}

/// [`summary`] of a rollback run: its headline says what happened to the
/// release ([`rollback_headline`]), and what it skipped is the rest of the
/// document.
pub fn rollback_summary(report: &RunReport, style: Style, limit: usize) -> String {
    summary_headed(
        report,
        style,
        limit,
        rollback_headline(report.verdict),
        true,
    )
}

/// [`summary`] with `verdict` as the headline's word.
fn summary_headed(
    report: &RunReport,
    style: Style,
    limit: usize,
    verdict: &str,
    rollback: bool,
) -> String {
    let limit = if verbosity() == Verbosity::Verbose {
        usize::MAX
    } else {
        limit
    };
    let width = width();
    let mut out = String::new();
    // The rule fits a narrow terminal too.
    out.push_str(&style.dim(&"─".repeat(width.min(64))));
    out.push('\n');
    let painted = match report.verdict {
        Verdict::Go => style.green(verdict),
        Verdict::GoWithWarnings | Verdict::Pending => style.yellow(verdict),
        Verdict::NoGo => style.red(verdict),
    };
    let c = &report.counts;
    // A stale sign-off (a required result changed since it was given) is
    // not missing: its holder can sign again.
    let stale = report
        .signoffs
        .iter()
        .filter(|s| !s.signed && s.stale.is_some())
        .count();
    let unsigned = report
        .signoffs
        .iter()
        .filter(|s| !s.signed && s.stale.is_none())
        .count();
    let mut parts = vec![
        format!("{} passed", c.passed),
        format!("{} failed", c.failed),
    ];
    for (n, label) in [
        (c.needs_review, "need review"),
        (c.blocked, "blocked"),
        (c.not_run, "not run (safety)"),
        (c.pending, "manual"),
        (c.waived, "waived"),
        (
            stale,
            if stale == 1 {
                "sign-off stale"
            } else {
                "sign-offs stale"
            },
        ),
        (
            unsigned,
            if unsigned == 1 {
                "sign-off missing"
            } else {
                "sign-offs missing"
            },
        ),
        (
            c.skipped,
            if rollback {
                "skipped (not part of the rollback)"
            } else {
                "skipped (rollback/monitoring)"
            },
        ),
    ] {
        if n > 0 {
            parts.push(format!("{n} {label}"));
        }
    }
    // The counts wrap too, between counts, under the first one.
    let lead = verdict.chars().count() + 2;
    let mut counts = String::new();
    let mut used = lead;
    for (i, part) in parts.iter().enumerate() {
        let piece = if i + 1 < parts.len() {
            format!("{part} ·")
        } else {
            part.clone()
        };
        let len = piece.chars().count();
        if i > 0 && used + 1 + len > width {
            counts.push('\n');
            counts.push_str(&" ".repeat(lead));
            used = lead;
        } else if i > 0 {
            counts.push(' ');
            used += 1;
        }
        counts.push_str(&piece);
        used += len;
    }
    out.push_str(&format!("{}  {counts}\n", style.bold(&painted)));
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
            ) || r.item == greenlight_run::verdict::NOTHING_VERIFIED
                // An open watch window is what keeps the release PENDING.
                || r.item == greenlight_session::watch::WATCH_REASON
        })
        .collect();
    for r in important.iter().take(limit) {
        let sym = symbol(r.status);
        let sym = if r.status == Status::Failed {
            style.red(sym)
        } else {
            style.yellow(sym)
        };
        // Line 0: a reason about the whole document, not one line of it.
        let at = if r.line == 0 {
            String::new()
        } else {
            format!("L{} ", r.line)
        };
        // Reasons wrap at the terminal's width, continuing under the text.
        let lead = 4 + at.chars().count();
        let message = wrap(&printable(&r.message), lead, lead, width);
        out.push_str(&format!("  {sym} {at}{message}\n"));
    }
    if important.len() > limit {
        out.push_str(&format!(
            "  … and {} more (see --json or --markdown)\n",
            important.len() - limit
        ));
    }
    // Waived items: they do not hold the verdict back, but a reader must
    // see what was waived, by whom and until when.
    let waived: Vec<_> = report
        .items
        .iter()
        .filter(|i| i.status == Status::Waived)
        .collect();
    for i in waived.iter().take(limit) {
        // Wrapped like the reasons above, continuing under the text.
        let at = format!("L{} ", i.line);
        let lead = 4 + at.chars().count();
        let text = format!("{}: {}", printable(&i.text), printable(&i.note));
        out.push_str(&format!(
            "  {} {at}{}\n",
            style.yellow(symbol(Status::Waived)),
            wrap(&text, lead, lead, width)
        ));
    }
    if waived.len() > limit {
        out.push_str(&format!(
            "  … and {} more waived (see `greenlight status`)\n",
            waived.len() - limit
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_live_line_wider_than_the_terminal_wraps_under_its_indentation() {
        let line =
            "    ✗ 3/18 checks passed · 3 failed · 12 not passed (review/blocked/not run)  0.00s  ";
        let fitted = fit(line.to_string(), 40);
        assert!(fitted.lines().all(|l| l.chars().count() <= 40), "{fitted}");
        assert!(fitted.starts_with("    ✗ 3/18 checks passed"), "{fitted}");
        assert!(
            fitted.lines().skip(1).all(|l| l.starts_with("      ")),
            "{fitted}"
        );
        // Short lines, coloured lines that fit, and multi-line text stay as they are.
        assert_eq!(fit("  ok".into(), 40), "  ok");
        let coloured = format!("\x1b[31m{}\x1b[0m", "x".repeat(38));
        assert_eq!(fit(coloured.clone(), 40), coloured);
        let block = format!("{}\n  next", "y ".repeat(40));
        assert_eq!(fit(block.clone(), 40), block);
    }

    #[test]
    fn ordinary_text_is_borrowed_unchanged() {
        let t = "GET /health → 200 in 3 ms\n\tbody: {\"ok\":true} ✓ ünïcödé";
        assert!(matches!(printable(t), Cow::Borrowed(_)));
        assert_eq!(printable(t), t);
    }

    #[test]
    fn escape_sequences_become_one_visible_mark() {
        assert_eq!(printable("a\x1b[2J\x1b[Hb"), "a␛␛b");
        assert_eq!(printable("\x1b[1;32mGO\x1b[0m"), "␛GO␛");
        // OSC ended by BEL, by ST, or cut at a newline.
        assert_eq!(printable("x\x1b]0;title\x07y"), "x␛y");
        assert_eq!(printable("x\x1b]8;;http://e\x1b\\link"), "x␛link");
        assert_eq!(printable("x\x1b]0;never ends\nnext"), "x␛\nnext");
        // DCS, APC, PM, SOS.
        for intro in ['P', '_', '^', 'X'] {
            assert_eq!(printable(&format!("a\x1b{intro}data\x1b\\b")), "a␛b");
        }
        // Two-character and nF sequences.
        assert_eq!(printable("a\x1bcb\x1b(Bc\x1b7d"), "a␛b␛c␛d");
        // 8-bit CSI and OSC.
        assert_eq!(printable("a\u{9b}31mred"), "a␛red");
        assert_eq!(printable("a\u{9d}0;t\u{9c}b"), "a␛b");
        // A lone ESC at the end.
        assert_eq!(printable("end\x1b"), "end␛");
    }

    #[test]
    fn controls_become_visible() {
        assert_eq!(printable("a\rb"), "a␍b");
        assert_eq!(printable("line\r\nnext"), "line\nnext");
        assert_eq!(
            printable("bell\x07 bs\x08 nul\0 del\x7f"),
            "bell␇ bs␈ nul␀ del␡"
        );
        assert_eq!(printable("tab\tnl\n"), "tab\tnl\n");
        assert_eq!(printable("c1\u{85}x"), "c1\u{FFFD}x");
    }

    #[test]
    fn bidi_overrides_and_isolates_become_visible() {
        assert_eq!(printable("a\u{202e}exe.txt"), "a\u{FFFD}exe.txt");
        assert_eq!(
            printable("\u{2066}\u{2067}\u{2068}\u{2069}\u{202a}"),
            "\u{FFFD}".repeat(5)
        );
    }

    #[test]
    fn the_fixture_body_leaves_no_control_character() {
        let out = printable(greenlight_fixture::ESCAPES_BODY);
        assert!(
            !out.chars().any(|c| is_unsafe(c) && c != '\n' && c != '\t'),
            "{out:?}"
        );
        assert!(out.contains("✔ GO — all checks passed"), "{out:?}");
        assert!(out.starts_with("before␛␛␛✔ GO"), "{out:?}");
    }

    #[test]
    fn painted_text_is_printable_and_only_our_codes_remain() {
        let s = Style { color: true };
        assert_eq!(s.red("x\x1b[2Jy"), "\x1b[31mx␛y\x1b[0m");
        assert_eq!(Style::plain().dim("\x1b[32mGO"), "␛GO");
    }

    proptest::proptest! {
        #[test]
        fn output_never_holds_a_control_character(text in "\\PC{0,40}|[\\x00-\\x1f\\x7f-\\u{9f}\\u{202a}-\\u{202e}\\u{2066}-\\u{2069}a\\[\\]]{0,40}") {
            let out = printable(&text);
            proptest::prop_assert!(!out.chars().any(is_unsafe), "{:?}", out);
        }
    }
}
