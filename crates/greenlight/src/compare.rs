//! `greenlight compare RUN_A RUN_B`: items whose status changed, and
//! per-step latency changes.

use greenlight_run::outcome::RunReport;
use serde::Serialize;
use std::collections::HashMap;

/// One difference between two runs.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    Status {
        item: String,
        line: usize,
        text: String,
        from: String,
        to: String,
    },
    Latency {
        item: String,
        line: usize,
        step_line: usize,
        from_ms: u64,
        to_ms: u64,
        relative: f64,
    },
    Added {
        item: String,
        line: usize,
        text: String,
    },
    Removed {
        item: String,
        line: usize,
        text: String,
    },
}

/// Latency changes smaller than this (absolute) are noise on loopback.
const MIN_MS: u64 = 5;

pub fn diff(a: &RunReport, b: &RunReport) -> Vec<Change> {
    let before: HashMap<&str, _> = a.items.iter().map(|i| (i.id.as_str(), i)).collect();
    let after: HashMap<&str, _> = b.items.iter().map(|i| (i.id.as_str(), i)).collect();
    let mut out = Vec::new();
    for i in &b.items {
        match before.get(i.id.as_str()) {
            None => out.push(Change::Added {
                item: i.id.clone(),
                line: i.line,
                text: i.text.clone(),
            }),
            Some(old) => {
                if old.status != i.status {
                    out.push(Change::Status {
                        item: i.id.clone(),
                        line: i.line,
                        text: i.text.clone(),
                        from: old.status.as_str().into(),
                        to: i.status.as_str().into(),
                    });
                }
                for (s_old, s_new) in old.steps.iter().zip(&i.steps) {
                    if s_old.attempts == 0 || s_new.attempts == 0 {
                        continue;
                    }
                    let (x, y) = (s_old.duration_ms, s_new.duration_ms);
                    if x.max(y) < MIN_MS || x == y {
                        continue;
                    }
                    let relative = if x == 0 {
                        f64::INFINITY
                    } else {
                        (y as f64 - x as f64) / x as f64
                    };
                    out.push(Change::Latency {
                        item: i.id.clone(),
                        line: i.line,
                        step_line: s_new.line,
                        from_ms: x,
                        to_ms: y,
                        relative,
                    });
                }
            }
        }
    }
    for i in &a.items {
        if !after.contains_key(i.id.as_str()) {
            out.push(Change::Removed {
                item: i.id.clone(),
                line: i.line,
                text: i.text.clone(),
            });
        }
    }
    out
}

pub fn render(a: &RunReport, b: &RunReport, changes: &[Change]) -> String {
    let id = |r: &RunReport| r.run_id.clone().unwrap_or_default();
    let mut out = format!(
        "{} ({}) → {} ({})\n",
        id(a),
        a.verdict.as_str(),
        id(b),
        b.verdict.as_str()
    );
    if changes.is_empty() {
        out.push_str("no differences\n");
    }
    for c in changes {
        out.push_str(&match c {
            Change::Status {
                line,
                text,
                from,
                to,
                ..
            } => format!("  L{line:<5} {text}: {from} → {to}\n"),
            Change::Latency {
                step_line,
                from_ms,
                to_ms,
                relative,
                ..
            } => {
                format!(
                    "  L{step_line:<5} latency {from_ms} ms → {to_ms} ms ({:+.0}%)\n",
                    relative * 100.0
                )
            }
            Change::Added { line, text, .. } => format!("  L{line:<5} {text}: new item\n"),
            Change::Removed { line, text, .. } => {
                format!("  L{line:<5} {text}: no longer in the checklist\n")
            }
        });
    }
    out
}
