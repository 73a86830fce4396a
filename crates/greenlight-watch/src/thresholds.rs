//! Thresholds and PromQL read from a checklist.
//!
//! Where they are read from:
//! - tables with a `Metric` column and a target and/or critical (threshold,
//!   rollback) column: `| Response Time (p95) | < 300ms | < 500ms |`;
//! - checkbox items in monitoring and rollback sections, and items under an
//!   item naming metrics or alerts: `Error rate < 0.1%`, `High CPU alert (>80%)`;
//! - list lines inside code blocks of monitoring sections
//!   (`# - Error rate > 1%`), under their label (`Set up alerts for:`);
//! - fenced `promql` code blocks, with their line numbers.
//!
//! A [`Threshold`] always states the *bad* condition: the level is reached
//! when the observed value satisfies `comparator value`. A target written as
//! the healthy condition (`p95 < 300ms`) is turned around (`>= 300ms` warns).

use greenlight_doc::{Checklist, SectionKind};
use serde::Serialize;

/// What is measured.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    ErrorRate,
    /// Latency or response time, at a percentile when one is named.
    Latency {
        percentile: Option<u8>,
    },
    Cpu,
    Memory,
    /// Availability, uptime or a success rate.
    Availability,
    /// Anything else, by the name the document gives it.
    Custom(String),
}

impl Metric {
    /// The metric as people read it: `error rate`, `p95 latency`, `cpu`.
    pub fn label(&self) -> String {
        match self {
            Metric::ErrorRate => "error rate".into(),
            Metric::Latency {
                percentile: Some(p),
            } => format!("p{p} latency"),
            Metric::Latency { percentile: None } => "latency".into(),
            Metric::Cpu => "cpu".into(),
            Metric::Memory => "memory".into(),
            Metric::Availability => "availability".into(),
            Metric::Custom(name) => name.clone(),
        }
    }

    /// A value in base units as people read it: `250ms` or `1.2s` for
    /// latencies, `3.5%` for rates, CPU and availability, the number
    /// otherwise.
    pub fn format(&self, base: f64) -> String {
        match self {
            Metric::Latency { .. } if base < 1.0 => format!("{}ms", trim(base * 1000.0)),
            Metric::Latency { .. } => format!("{}s", trim(base)),
            Metric::ErrorRate | Metric::Availability => format!("{}%", trim(base * 100.0)),
            Metric::Cpu | Metric::Memory if base <= 1.0 => format!("{}%", trim(base * 100.0)),
            _ => trim(base),
        }
    }
}

/// A number with at most two decimals, without trailing zeros.
fn trim(v: f64) -> String {
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}

/// How the observed value is compared with the threshold value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Comparator {
    #[serde(rename = "<")]
    Lt,
    #[serde(rename = "<=")]
    Le,
    #[serde(rename = ">")]
    Gt,
    #[serde(rename = ">=")]
    Ge,
}

impl Comparator {
    /// Whether `observed comparator limit` holds.
    pub fn holds(self, observed: f64, limit: f64) -> bool {
        match self {
            Comparator::Lt => observed < limit,
            Comparator::Le => observed <= limit,
            Comparator::Gt => observed > limit,
            Comparator::Ge => observed >= limit,
        }
    }

    /// The opposite condition: `< x` becomes `>= x`.
    pub fn negate(self) -> Comparator {
        match self {
            Comparator::Lt => Comparator::Ge,
            Comparator::Le => Comparator::Gt,
            Comparator::Gt => Comparator::Le,
            Comparator::Ge => Comparator::Lt,
        }
    }

    /// True for `>` and `>=`: bad values are high ones.
    pub fn is_upper(self) -> bool {
        matches!(self, Comparator::Gt | Comparator::Ge)
    }
}

/// The unit a value is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Millis,
    Seconds,
    Percent,
    /// A bare number: a ratio (`0.05`) or a count.
    Ratio,
}

/// Warn when a target is missed, breach at a critical or rollback threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Warn,
    Breach,
}

/// One typed threshold and where the document states it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Threshold {
    pub metric: Metric,
    /// The level is reached when `observed comparator value`.
    pub comparator: Comparator,
    /// As written, in `unit`.
    pub value: f64,
    pub unit: Unit,
    pub level: Level,
    /// 1-based source line.
    pub line: usize,
    /// The text it was read from.
    pub source: String,
}

impl Threshold {
    /// The value in base units: seconds for times, a fraction for percents
    /// (`1%` is `0.01`), the number itself otherwise. Samples fed to a
    /// [`crate::gate::Gate`] are compared in these units.
    pub fn base_value(&self) -> f64 {
        to_base(self.value, self.unit)
    }
}

/// Converts a value in `unit` to base units (see [`Threshold::base_value`]).
pub fn to_base(value: f64, unit: Unit) -> f64 {
    match unit {
        Unit::Millis => value / 1000.0,
        Unit::Seconds | Unit::Ratio => value,
        Unit::Percent => value / 100.0,
    }
}

/// A line that looks like a threshold but could not be read without guessing.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NotUnderstood {
    pub line: usize,
    pub text: String,
    pub reason: &'static str,
}

/// A fenced `promql` code block.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PromQl {
    /// Line of the first line of the query.
    pub line: usize,
    pub query: String,
}

/// Everything the gates need from a document.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Gates {
    pub thresholds: Vec<Threshold>,
    pub not_understood: Vec<NotUnderstood>,
    pub promql: Vec<PromQl>,
}

/// Reads thresholds, unreadable threshold lines and PromQL blocks.
pub fn read_gates(doc: &Checklist) -> Gates {
    let mut gates = Gates::default();
    read_tables(doc, &mut gates);
    read_items(doc, &mut gates);
    read_code(doc, &mut gates);
    gates.thresholds.sort_by_key(|t| t.line);
    gates.not_understood.sort_by_key(|n| n.line);
    gates
}

fn in_watch_section(doc: &Checklist, phase: Option<usize>) -> bool {
    phase.is_some_and(|p| {
        matches!(
            doc.phases[p].kind,
            SectionKind::Monitoring | SectionKind::Rollback
        )
    })
}

fn says_breach(text: &str) -> bool {
    let t = text.to_lowercase();
    [
        "rollback",
        "roll back",
        "critical",
        "alert",
        "trigger",
        "abort",
    ]
    .iter()
    .any(|w| t.contains(w))
}

fn read_tables(doc: &Checklist, gates: &mut Gates) {
    for table in &doc.tables {
        let lower: Vec<String> = table.header.iter().map(|h| h.to_lowercase()).collect();
        let Some(metric_col) = lower.iter().position(|h| h.contains("metric")) else {
            continue;
        };
        let target_col = lower
            .iter()
            .position(|h| h.contains("target") || h.contains("expected") || h.contains("sla"));
        let critical_col = lower.iter().position(|h| {
            h.contains("critical")
                || h.contains("rollback")
                || h.contains("threshold")
                || h.contains("alert")
        });
        if target_col.is_none() && critical_col.is_none() {
            continue;
        }
        for (row, line) in table.rows.iter().zip(&table.row_lines) {
            let cell = |c: Option<usize>| c.and_then(|c| row.get(c)).map(|s| s.trim());
            let name = cell(Some(metric_col)).unwrap_or("");
            let source = row.join(" | ");
            let Some(metric) = metric_of(name)
                .map_err(|reason| {
                    gates.not_understood.push(NotUnderstood {
                        line: *line,
                        text: source.clone(),
                        reason,
                    })
                })
                .ok()
            else {
                continue;
            };
            let target = cell(target_col).filter(|c| !c.is_empty()).map(condition);
            let critical = cell(critical_col).filter(|c| !c.is_empty()).map(condition);
            let mut push = |c: Condition, bad: bool, level: Level| {
                let (comparator, metric) = match c.percentile_hint {
                    Some(p) if matches!(metric, Metric::Latency { percentile: None }) => (
                        c.comparator,
                        Metric::Latency {
                            percentile: Some(p),
                        },
                    ),
                    _ => (c.comparator, metric.clone()),
                };
                gates.thresholds.push(Threshold {
                    metric,
                    comparator: if bad { comparator } else { comparator.negate() },
                    value: c.value,
                    unit: c.unit,
                    level,
                    line: *line,
                    source: source.clone(),
                });
            };
            match (target, critical) {
                (Some(Ok(t)), Some(Ok(c))) => {
                    // The target states the healthy side. A critical cell on the
                    // same side is a healthy bound too (`< 300ms | < 500ms`);
                    // on the other side it is the bad condition (`< 200ms | > 500ms`).
                    let c_bad = c.comparator.is_upper() != t.comparator.is_upper();
                    push(t, false, Level::Warn);
                    push(c, c_bad, Level::Breach);
                }
                (Some(Ok(t)), None) => push(t, false, Level::Warn),
                (None, Some(Ok(_))) => gates.not_understood.push(NotUnderstood {
                    line: *line,
                    text: source.clone(),
                    reason: "a critical value without a target: cannot tell which side is bad",
                }),
                (Some(Err(reason)), _) | (_, Some(Err(reason))) => {
                    gates.not_understood.push(NotUnderstood {
                        line: *line,
                        text: source.clone(),
                        reason,
                    })
                }
                (None, None) => {}
            }
        }
    }
}

fn item_context(doc: &Checklist, index: usize) -> (bool, bool) {
    // (relevant, breach): an item is read when it is in a monitoring or
    // rollback section or sits under an item about metrics or alerts.
    let item = &doc.items[index];
    let mut relevant = in_watch_section(doc, item.phase);
    let mut breach = says_breach(&item.text)
        || item.phase.is_some_and(|p| {
            doc.phases[p].kind == SectionKind::Rollback
                || doc.phase_path(p).iter().any(|ph| says_breach(&ph.title))
        });
    let mut up = item.parent;
    while let Some(p) = up {
        let t = doc.items[p].text.to_lowercase();
        if t.contains("metric") || t.contains("alert") || t.contains("performance") {
            relevant = true;
        }
        breach |= says_breach(&t);
        up = doc.items[p].parent;
    }
    (relevant, breach)
}

fn read_items(doc: &Checklist, gates: &mut Gates) {
    for (i, item) in doc.items.iter().enumerate() {
        let (relevant, breach) = item_context(doc, i);
        if !relevant {
            continue;
        }
        read_sentence(&item.text, item.line, breach, gates);
    }
}

fn read_code(doc: &Checklist, gates: &mut Gates) {
    for step in &doc.steps {
        if step
            .lang
            .as_deref()
            .is_some_and(|l| l.eq_ignore_ascii_case("promql"))
        {
            gates.promql.push(PromQl {
                line: step.code_line,
                query: step.code.trim().to_string(),
            });
            continue;
        }
        if !in_watch_section(doc, step.phase) {
            continue;
        }
        let heading_breach = step
            .phase
            .is_some_and(|p| doc.phase_path(p).iter().any(|ph| says_breach(&ph.title)));
        let mut label_breach = false;
        for (n, raw) in step.code.lines().enumerate() {
            let line = raw.trim().trim_start_matches('#').trim();
            if line.ends_with(':') {
                label_breach = says_breach(line);
                continue;
            }
            let Some(rest) = line.strip_prefix("- ") else {
                continue;
            };
            read_sentence(
                rest,
                step.code_line + n,
                heading_breach || label_breach || says_breach(rest),
                gates,
            );
        }
    }
}

/// Reads one sentence or list line. `breach` says whether its context makes
/// the stated condition a rollback trigger (the bad condition) rather than
/// a target (the healthy condition).
fn read_sentence(text: &str, line: usize, breach: bool, gates: &mut Gates) {
    let Some((before, cond)) = split_condition(text) else {
        return;
    };
    let not = |reason| NotUnderstood {
        line,
        text: text.to_string(),
        reason,
    };
    let cond = match cond {
        Ok(c) => c,
        Err(reason) => return gates.not_understood.push(not(reason)),
    };
    let mut metric = match metric_of(before) {
        Ok(m) => m,
        Err(reason) => return gates.not_understood.push(not(reason)),
    };
    if let (Metric::Latency { percentile: None }, Some(p)) = (&metric, cond.percentile_hint) {
        metric = Metric::Latency {
            percentile: Some(p),
        };
    }
    let (level, comparator) = if breach {
        (Level::Breach, cond.comparator)
    } else {
        (Level::Warn, cond.comparator.negate())
    };
    gates.thresholds.push(Threshold {
        metric,
        comparator,
        value: cond.value,
        unit: cond.unit,
        level,
        line,
        source: text.to_string(),
    });
}

struct Condition {
    comparator: Comparator,
    value: f64,
    unit: Unit,
    /// `p95` written after the value: `(< 300ms p95)`.
    percentile_hint: Option<u8>,
}

const WORDS: [(&str, Comparator); 8] = [
    ("exceeds", Comparator::Gt),
    ("exceed", Comparator::Gt),
    ("above", Comparator::Gt),
    ("more than", Comparator::Gt),
    ("greater than", Comparator::Gt),
    ("below", Comparator::Lt),
    ("under", Comparator::Lt),
    ("less than", Comparator::Lt),
];

/// Finds the comparator in `text`: what comes before it (the metric) and the
/// condition after it. `None` when the text states no comparison with a
/// number at all (then it is no threshold line).
fn split_condition(text: &str) -> Option<(&str, Result<Condition, &'static str>)> {
    let lower = text.to_lowercase();
    let mut found: Vec<(usize, usize)> = Vec::new(); // (start, end) of comparator
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < text.len() {
        let rest = &text[i..];
        let len = ["<=", ">=", "≤", "≥", "<", ">"]
            .iter()
            .find(|s| rest.starts_with(**s))
            .map(|s| s.len());
        if let Some(len) = len {
            found.push((i, i + len));
            i += len;
            continue;
        }
        let at_word = i == 0 || !bytes[i - 1].is_ascii_alphanumeric();
        if at_word && let Some((w, _)) = WORDS.iter().find(|(w, _)| lower[i..].starts_with(w)) {
            found.push((i, i + w.len()));
            i += w.len();
            continue;
        }
        i += rest.chars().next().map_or(1, char::len_utf8);
    }
    // Only comparisons followed by a number count.
    found.retain(|&(_, end)| {
        text[end..]
            .trim_start()
            .starts_with(|c: char| c.is_ascii_digit() || c == '.')
    });
    match found.as_slice() {
        [] => None,
        [(start, end)] => {
            let op = &text[*start..*end];
            let comparator = match op {
                "<" => Comparator::Lt,
                "<=" | "≤" => Comparator::Le,
                ">" => Comparator::Gt,
                ">=" | "≥" => Comparator::Ge,
                _ => WORDS
                    .iter()
                    .find(|(w, _)| op.eq_ignore_ascii_case(w))
                    .map(|(_, c)| *c)?,
            };
            Some((&text[..*start], value_after(&text[*end..], comparator)))
        }
        _ => Some((
            text,
            Err("more than one comparison on the line: cannot tell which is the threshold"),
        )),
    }
}

fn condition(cell: &str) -> Result<Condition, &'static str> {
    match split_condition(cell) {
        None => Err("no comparison with a number in the cell"),
        Some((before, c)) => {
            if before.trim().is_empty() {
                c
            } else {
                Err("words before the comparison in a threshold cell")
            }
        }
    }
}

fn value_after(rest: &str, comparator: Comparator) -> Result<Condition, &'static str> {
    let rest = rest.trim_start();
    let num_len = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))
        .unwrap_or(rest.len());
    let value: f64 = rest[..num_len]
        .replace(',', "")
        .parse()
        .map_err(|_| "the value is not a number")?;
    let after = rest[num_len..].trim_start();
    let (unit, tail) = if let Some(t) = after.strip_prefix("ms") {
        (Unit::Millis, t)
    } else if let Some(t) = after.strip_prefix('%') {
        (Unit::Percent, t)
    } else if let Some(t) = after
        .strip_prefix("seconds")
        .or_else(|| after.strip_prefix("second"))
        .or_else(|| after.strip_prefix("sec"))
        .or_else(|| after.strip_prefix('s'))
    {
        (Unit::Seconds, t)
    } else {
        (Unit::Ratio, after)
    };
    if tail.starts_with(|c: char| c.is_alphanumeric()) {
        return Err("unknown unit after the value");
    }
    // What may follow: closing punctuation, a percentile, `errors`.
    let mut percentile_hint = None;
    for word in tail.split(|c: char| c.is_whitespace() || "()[],.;*".contains(c)) {
        if word.is_empty() {
            continue;
        }
        if let Some(p) = percentile(word) {
            percentile_hint = Some(p);
            continue;
        }
        return Err("words after the value: cannot tell what they change");
    }
    Ok(Condition {
        comparator,
        value,
        unit,
        percentile_hint,
    })
}

fn percentile(word: &str) -> Option<u8> {
    let w = word.to_lowercase();
    let n = w.strip_prefix('p')?;
    let n: u8 = n.parse().ok()?;
    (1..=99).contains(&n).then_some(n)
}

const METRIC_WORDS: [&str; 12] = [
    "error", "errors", "rate", "ratio", "latency", "response", "time", "duration", "cpu", "memory",
    "ram", "uptime",
];
const GENERIC: [&str; 24] = [
    "api",
    "http",
    "request",
    "requests",
    "responses",
    "times",
    "usage",
    "average",
    "avg",
    "stable",
    "high",
    "alert",
    "pressure",
    "within",
    "sla",
    "the",
    "service",
    "overall",
    "rollback",
    "if",
    "exceeds",
    "availability",
    "set",
    "for",
];

/// Names the metric in the words before a comparison.
fn metric_of(words: &str) -> Result<Metric, &'static str> {
    let cleaned: String = words
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '.' {
                c
            } else {
                ' '
            }
        })
        .collect();
    let lower = cleaned.to_lowercase();
    let tokens: Vec<&str> = lower.split_whitespace().collect();
    if tokens.is_empty() {
        return Err("no metric named before the comparison");
    }
    let has = |w: &str| tokens.contains(&w);
    let phrase = |p: &str| lower.contains(p);
    let pct = tokens.iter().find_map(|t| percentile(t));
    let mut kinds = Vec::new();
    if phrase("error rate") || has("errors") || phrase("error ratio") {
        kinds.push(Metric::ErrorRate);
    }
    if has("latency")
        || phrase("response time")
        || has("duration")
        || (pct.is_some() && !has("cpu"))
    {
        kinds.push(Metric::Latency { percentile: pct });
    }
    if has("cpu") {
        kinds.push(Metric::Cpu);
    }
    if has("memory") || has("ram") {
        kinds.push(Metric::Memory);
    }
    if has("uptime") || has("availability") {
        kinds.push(Metric::Availability);
    }
    if tokens
        .windows(2)
        .any(|w| w[1] == "requests" && w[0].ends_with('%'))
    {
        // `95% requests < 300ms`: a percentile written in words.
        kinds.retain(|k| !matches!(k, Metric::Latency { .. }));
        let p = words
            .trim()
            .split('%')
            .next()
            .and_then(|n| n.trim().parse::<u8>().ok())
            .ok_or("a percentage of requests that is not a whole number")?;
        kinds.push(Metric::Latency {
            percentile: Some(p),
        });
    }
    // Words that name whose metric it is (`WebSocket latency`, `Database
    // query time p95`) make it a metric of its own, not the service's.
    let qualified = tokens.iter().any(|t| {
        percentile(t).is_none()
            && !t.ends_with('%')
            && !GENERIC.contains(t)
            && !METRIC_WORDS.contains(t)
    });
    if kinds.len() == 1 && qualified {
        kinds.clear();
    }
    match kinds.len() {
        0 => {
            // A named quantity of its own; keep the document's words.
            if tokens.len() > 6 {
                return Err("too many words to name one metric");
            }
            Ok(Metric::Custom(tokens.join(" ")))
        }
        1 => Ok(kinds.remove(0)),
        _ => Err("names more than one metric"),
    }
}

#[cfg(test)]
mod tests;
