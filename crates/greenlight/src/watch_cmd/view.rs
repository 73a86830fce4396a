//! The window on the terminal: a status line per gate (metric, observed,
//! bound, state), the next checkpoint and elapsed/remaining time on
//! stderr, redrawn in place on a terminal (printed on changes otherwise),
//! nothing with `-q`; and the closing summary for stdout.

use super::gates::Slot;
use super::human;
use super::source_errors::SourceErrors;
use crate::term::{self, Style};
use greenlight_session::watch::{NotRead, Outcome, WatchCheckpoint, WatchStateChange};
use greenlight_watch::gate::State;
use greenlight_watch::schedule::Checkpoint;
use std::io::{IsTerminal, Write};

pub struct View {
    style: Style,
    quiet: bool,
    tty: bool,
    /// Lines of the status block currently on screen (a terminal only).
    drawn: usize,
    at: u64,
}

impl View {
    pub fn new(style: Style) -> View {
        View {
            style,
            quiet: term::verbosity() == term::Verbosity::Quiet,
            tty: std::io::stderr().is_terminal(),
            drawn: 0,
            at: 0,
        }
    }

    /// Watch seconds at the last drawing.
    pub fn elapsed(&self) -> u64 {
        self.at
    }

    fn clear(&mut self, err: &mut impl Write) {
        if self.drawn > 0 {
            let _ = write!(err, "\x1b[{}A\x1b[J", self.drawn);
            self.drawn = 0;
        }
    }

    /// A line above the status block (a change, a checkpoint, an act).
    pub fn note(&mut self, line: &str) {
        if self.quiet {
            return;
        }
        let mut err = std::io::stderr().lock();
        self.clear(&mut err);
        let _ = writeln!(
            err,
            "{}",
            term::fit(term::printable(line).into_owned(), term::width())
        );
    }

    /// Redraws the status block (a terminal); elsewhere it is printed by
    /// [`View::close`] only, so a log is not flooded at every tick.
    pub fn draw(
        &mut self,
        slots: &[Slot],
        errors: &SourceErrors,
        at: u64,
        window: u64,
        next: Option<&Checkpoint>,
    ) {
        self.at = at;
        if self.quiet || !self.tty {
            return;
        }
        let lines = fit_block(
            block(slots, errors, at, window, next, self.style),
            term::width(),
        );
        let mut err = std::io::stderr().lock();
        self.clear(&mut err);
        for l in &lines {
            let _ = writeln!(err, "{l}");
        }
        self.drawn = lines.len();
    }

    pub fn close(&mut self) {
        if self.quiet {
            return;
        }
        let mut err = std::io::stderr().lock();
        self.clear(&mut err);
    }
}

/// The status block as the terminal shows it: each line fitted to `width`
/// (a long one wraps), one entry per row, so redrawing moves up exactly the
/// rows drawn and a narrow terminal is not scrolled with stale rows.
fn fit_block(lines: Vec<String>, width: usize) -> Vec<String> {
    lines
        .into_iter()
        .flat_map(|l| {
            term::fit(l, width)
                .lines()
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect()
}

fn state_word(state: State, style: Style) -> String {
    match state {
        State::Ok => style.green("ok"),
        State::Warn => style.yellow("warn"),
        State::Breach => style.red("BREACH"),
    }
}

/// One line per gate, the last error of each failing source, then the
/// next checkpoint and the time.
pub fn block(
    slots: &[Slot],
    errors: &SourceErrors,
    at: u64,
    window: u64,
    next: Option<&Checkpoint>,
    style: Style,
) -> Vec<String> {
    let mut lines: Vec<String> = slots.iter().map(|s| gate_line(s, style)).collect();
    let width = term::width();
    lines.extend(
        errors
            .lines()
            .into_iter()
            .map(|l| style.yellow(&term::fit(format!("  {l}"), width))),
    );
    lines.push(format!(
        "  {} elapsed · {} left{}",
        human(at),
        human(window.saturating_sub(at)),
        match next {
            Some(c) => format!(
                " · next checkpoint {} (L{}) at {}",
                c.label,
                c.line,
                human(c.after_secs)
            ),
            None => String::new(),
        }
    ));
    lines
}

fn gate_line(s: &Slot, style: Style) -> String {
    let state = s.gate.state();
    let (bound, line) = s.bound_for(if state == State::Ok {
        State::Breach
    } else {
        state
    });
    match &s.source {
        None => format!("  {:<16} no source (L{line})", s.label),
        Some(src) => format!(
            "  {:<16} {:>10}  bound {:<10} L{:<5} {:<6} {}",
            s.label,
            s.observed_text().unwrap_or_else(|| "-".into()),
            bound,
            line,
            state_word(state, style),
            style.dim(&match &s.origin {
                Some(o) if src != "probes" => format!("{src} ({o})"),
                _ => src.clone(),
            })
        ),
    }
}

pub fn change_line(c: &WatchStateChange, style: Style) -> String {
    let to = State::parse(&c.to).unwrap_or(State::Ok);
    format!(
        "[{}] {}: {} → {} · observed {} · bound {} (L{})",
        human(c.at_secs),
        c.metric,
        c.from,
        state_word(to, style),
        c.observed_text,
        c.bound,
        c.line
    )
}

pub fn checkpoint_line(c: &WatchCheckpoint, style: Style) -> String {
    let states: Vec<String> = c
        .gates
        .iter()
        .map(|g| {
            format!(
                "{} {}{}",
                g.metric,
                g.state,
                g.observed
                    .as_deref()
                    .map(|o| format!(" ({o})"))
                    .unwrap_or_default()
            )
        })
        .collect();
    format!(
        "[{}] {} {} (L{}): {}",
        human(c.at_secs),
        style.bold("checkpoint"),
        c.label,
        c.line,
        states.join(" · ")
    )
}

/// The closing summary.
#[allow(clippy::too_many_arguments)]
pub fn summary(
    run_id: &str,
    release: &str,
    outcome: Outcome,
    end: &str,
    slots: &[Slot],
    missed: &[Checkpoint],
    errors: &SourceErrors,
    not_read: &[NotRead],
    style: Style,
) -> String {
    let word = match outcome {
        Outcome::Ok => style.green("OK"),
        Outcome::Warn => style.yellow("WARN"),
        Outcome::Breach => style.red("BREACH"),
        Outcome::Interrupted => style.yellow("INTERRUPTED"),
    };
    let mut out = format!("watch {run_id} · release {release} · {word} · the window {end}\n");
    for s in slots {
        out.push_str(&gate_line(s, Style::plain()));
        out.push('\n');
    }
    for l in errors.lines() {
        out.push_str(&format!("  {l}\n"));
    }
    if !not_read.is_empty() {
        out.push_str(&format!(
            "not read as thresholds (no gate watches them): L{}\n",
            not_read
                .iter()
                .map(|n| n.line.to_string())
                .collect::<Vec<_>>()
                .join(", L")
        ));
    }
    if !missed.is_empty() {
        out.push_str("checkpoints not reached:\n");
        for c in missed {
            out.push_str(&format!(
                "  L{:<5} {} ({})\n",
                c.line,
                c.label,
                human(c.after_secs)
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_block_is_fitted_to_a_narrow_terminal_row_by_row() {
        let long = "  database query time p95      12.5ms  bound > 500ms    L570   ok     probes+prometheus (promql L88)".to_string();
        let rows = fit_block(vec![long, "  short".into()], 60);
        assert!(rows.len() >= 3, "{rows:?}");
        assert!(rows.iter().all(|r| r.chars().count() <= 60), "{rows:?}");
        assert!(rows.iter().all(|r| !r.contains('\n')), "{rows:?}");
        assert_eq!(rows.last().map(String::as_str), Some("  short"));
    }
}
