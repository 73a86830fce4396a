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
    /// How long the condition must hold before it counts, when the document
    /// says so (`Error rate > 1% for 2 consecutive minutes`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sustained_secs: Option<u64>,
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
/// Reads thresholds, unreadable threshold lines and PromQL blocks from the
/// parsed document: table rows, items, and list lines of code blocks.
///
/// Plain bullets beside checkboxes (`- Error rate > 1%` under `## Rollback
/// Criteria`) are not items of the parse; [`read_gates_with_source`] reads
/// them too.
pub fn read_gates(doc: &Checklist) -> Gates {
    read(doc, None)
}

/// [`read_gates`], and also the list lines of `source` (the document's bytes,
/// as parsed into `doc`) that are not items, in the same contexts. This is
/// what `watch` should call when it has the bytes.
pub fn read_gates_with_source(doc: &Checklist, source: &[u8]) -> Gates {
    read(doc, Some(source))
}

fn read(doc: &Checklist, source: Option<&[u8]>) -> Gates {
    let mut gates = Gates::default();
    read_tables(doc, &mut gates);
    read_items(doc, &mut gates);
    read_code(doc, &mut gates);
    read_inline_promql(doc, &mut gates);
    if let Some(bytes) = source {
        read_plain_lines(doc, bytes, &mut gates);
    }
    gates.thresholds.sort_by_key(|t| t.line);
    gates.not_understood.sort_by_key(|n| n.line);
    gates.promql.sort_by_key(|q| q.line);
    gates
}

/// Whether inline code reads as a PromQL query: a function over a selector
/// or a range (`sum(rate(http_requests_total{job="api"}[5m]))`).
fn looks_like_promql(code: &str) -> bool {
    let functions = [
        "rate(",
        "irate(",
        "increase(",
        "histogram_quantile(",
        "sum(",
        "sum by",
        "avg(",
        "avg by",
        "max(",
        "count(",
    ];
    functions.iter().any(|f| code.contains(f)) && (code.contains('{') || code.contains('['))
}

/// Items whose whole text is one inline PromQL query (a24_controlfinance
/// L109: `- [ ] \`sum by (status) (rate(http_requests_total{…}[5m]))\``).
fn read_inline_promql(doc: &Checklist, gates: &mut Gates) {
    for item in &doc.items {
        let [code] = item.inline_code.as_slice() else {
            continue;
        };
        if item.text.replace('`', "").trim() == code.trim() && looks_like_promql(code) {
            gates.promql.push(PromQl {
                line: item.line,
                query: code.trim().to_string(),
            });
        }
    }
}

/// Whether a heading names the watch after a release: monitoring, metrics,
/// alerts, post-deployment checks, in the languages of the corpus.
pub fn is_watch_title(title: &str) -> bool {
    let t = title.to_lowercase();
    [
        "monitor",
        "metric",
        "alert",
        "observab",
        "post-deploy",
        "post deploy",
        "post-release",
        "post release",
        "post-go-live",
        "after deploy",
        "soak",
        "hypercare",
        "kpi",
        "监控",
        "監控",
        "告警",
        "指标",
        "指標",
        "部署后",
        "部署後",
        "모니터링",
        "監視",
        "モニタリング",
        "мониторинг",
        "метрик",
        "überwachung",
        "surveillance",
        "izleme",
        "giám sát",
        "pemantauan",
    ]
    .iter()
    .any(|w| t.contains(w))
}

fn in_watch_section(doc: &Checklist, phase: Option<usize>) -> bool {
    phase.is_some_and(|p| {
        doc.phase_path(p).iter().any(|ph| {
            matches!(ph.kind, SectionKind::Monitoring | SectionKind::Rollback)
                || is_watch_title(&ph.title)
        })
    })
}

/// Whether the headings above a phase make what is stated under them a
/// rollback trigger or an alert.
fn heading_breach(doc: &Checklist, phase: Option<usize>) -> bool {
    phase.is_some_and(|p| {
        doc.phases[p].kind == SectionKind::Rollback
            || doc.phase_path(p).iter().any(|ph| says_breach(&ph.title))
    })
}

fn says_breach(text: &str) -> bool {
    let t = text.to_lowercase();
    [
        "rollback",
        "roll back",
        "critical",
        "alert",
        "alarm",
        "trigger",
        "abort",
        "告警",
        "报警",
        "警报",
        "回滚",
        "回滾",
        "롤백",
        "경고",
        "アラート",
        "ロールバック",
        "алерт",
    ]
    .iter()
    .any(|w| t.contains(w))
}

/// Words that name metrics or alerts in a parent item or a label
/// (`Key metrics:`, `Set up alerts for:`): what is listed under it is read.
fn names_metrics(text: &str) -> bool {
    let t = text.to_lowercase();
    [
        "metric",
        "alert",
        "performance",
        "threshold",
        "trigger",
        "monitor",
        "监控",
        "監控",
        "指标",
        "指標",
    ]
    .iter()
    .any(|w| t.contains(w))
}

/// Where a line is: whether its headings make it a breach, and whether the
/// words next to it (its own, its label's, its parents') do.
#[derive(Clone, Copy)]
struct Context {
    heading_breach: bool,
    near_breach: bool,
}
fn read_tables(doc: &Checklist, gates: &mut Gates) {
    for table in &doc.tables {
        let lower: Vec<String> = table.header.iter().map(|h| h.to_lowercase()).collect();
        let Some(metric_col) = lower
            .iter()
            .position(|h| h.contains("metric") || h.trim() == "kpi")
        else {
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
                    sustained_secs: c.sustained_secs,
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
                // A threshold alone, on the side that is bad for the metric
                // (`Error Rate | > 0.5% | Consider rollback`): a breach when
                // the row says rollback or critical, a warning otherwise.
                (None, Some(Ok(c)))
                    if bad_is_high(&metric) == Some(c.comparator.is_upper()) =>
                {
                    let level = if says_breach(&source) {
                        Level::Breach
                    } else {
                        Level::Warn
                    };
                    push(c, true, level)
                }
                (None, Some(Ok(_))) => gates.not_understood.push(NotUnderstood {
                    line: *line,
                    text: source.clone(),
                    reason: "a threshold without a target, for a metric whose bad side is not known",
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

fn item_context(doc: &Checklist, index: usize) -> (bool, Context) {
    // An item is read when it is in a watch section or sits under an item
    // about metrics or alerts.
    let item = &doc.items[index];
    let mut relevant = in_watch_section(doc, item.phase);
    let mut near_breach = says_breach(&item.text);
    let mut up = item.parent;
    while let Some(p) = up {
        let t = &doc.items[p].text;
        relevant |= names_metrics(t);
        near_breach |= says_breach(t);
        up = doc.items[p].parent;
    }
    let context = Context {
        heading_breach: heading_breach(doc, item.phase),
        near_breach,
    };
    (relevant, context)
}

fn read_items(doc: &Checklist, gates: &mut Gates) {
    for (i, item) in doc.items.iter().enumerate() {
        if item.table.is_some() {
            // A table row made an item: read as a row by `read_tables`.
            continue;
        }
        let (relevant, context) = item_context(doc, i);
        if relevant {
            read_sentence(&item.text, item.line, context, gates);
        }
    }
}

/// Plain list lines, and items that only their label (`**Stability &
/// Performance:**` above the list) puts in a metrics context.
fn read_plain_lines(doc: &Checklist, bytes: &[u8], gates: &mut Gates) {
    for l in plain::list_lines(doc, bytes) {
        if let Some(i) = l.item {
            let (relevant, context) = item_context(doc, i);
            let label = l.label.as_deref().unwrap_or("");
            if doc.items[i].table.is_none() && !relevant && names_metrics(label) {
                let context = Context {
                    near_breach: context.near_breach || says_breach(label),
                    ..context
                };
                read_sentence(&doc.items[i].text, l.line, context, gates);
            }
            continue;
        }
        let near: Vec<&str> = l
            .label
            .iter()
            .chain(&l.parents)
            .map(String::as_str)
            .collect();
        if !(in_watch_section(doc, l.phase) || near.iter().any(|t| names_metrics(t))) {
            continue;
        }
        let context = Context {
            heading_breach: heading_breach(doc, l.phase),
            near_breach: says_breach(&l.text) || near.iter().any(|t| says_breach(t)),
        };
        read_sentence(&l.text, l.line, context, gates);
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
        let heading_breach = heading_breach(doc, step.phase);
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
            let context = Context {
                heading_breach,
                near_breach: label_breach || says_breach(rest),
            };
            read_sentence(rest, step.code_line + n, context, gates);
        }
    }
}

/// Which side of a metric is bad: `Some(true)` when high values are
/// (errors, latency, CPU), `Some(false)` when low ones are (availability,
/// success rates), `None` when the name does not say.
fn bad_is_high(metric: &Metric) -> Option<bool> {
    match metric {
        Metric::ErrorRate | Metric::Latency { .. } | Metric::Cpu | Metric::Memory => Some(true),
        Metric::Availability => Some(false),
        Metric::Custom(name) => {
            let low = [
                "free",
                "success",
                "completion",
                "uptime",
                "availab",
                "hit rate",
                "throughput",
                "pass rate",
            ];
            let high = [
                "error",
                "fail",
                "latency",
                "time",
                "duration",
                "usage",
                "lag",
                "queue",
                "restart",
                "degradation",
                "paint",
            ];
            match (
                low.iter().any(|w| name.contains(w)),
                high.iter().any(|w| name.contains(w)),
            ) {
                (true, false) => Some(false),
                (false, true) => Some(true),
                _ => None,
            }
        }
    }
}

/// The level and the bad condition of a stated condition.
///
/// For a metric whose bad side is known, the comparator tells whether the
/// text states the healthy side (a target: `Error rate < 1%` warns at
/// `>= 1%`) or the bad one (`Error rate > 5%`, a breach when the context is
/// a rollback trigger or an alert, a warning otherwise). A level the line
/// names (`(Critical)`) wins. For other metrics the context decides: a
/// breach context states the bad side, any other the healthy side.
fn judge(metric: &Metric, cond: &Condition, context: Context) -> (Level, Comparator) {
    let any_breach = context.heading_breach || context.near_breach;
    let (level, comparator) = match bad_is_high(metric) {
        Some(high) if cond.comparator.is_upper() == high => (
            if any_breach {
                Level::Breach
            } else {
                Level::Warn
            },
            cond.comparator,
        ),
        Some(_) => (Level::Warn, cond.comparator.negate()),
        None if any_breach => (Level::Breach, cond.comparator),
        None => (Level::Warn, cond.comparator.negate()),
    };
    (cond.level.unwrap_or(level), comparator)
}

/// Reads one sentence or list line.
fn read_sentence(text: &str, line: usize, context: Context, gates: &mut Gates) {
    let Some((before, conds)) = split_condition(text) else {
        return;
    };
    let not = |reason| NotUnderstood {
        line,
        text: text.to_string(),
        reason,
    };
    if before.matches('[').count() > before.matches(']').count() {
        return gates.not_understood.push(not(
            "inside a bracketed placeholder: a template, not a stated value",
        ));
    }
    // `Alert on: Response time >3 sec, error rate >1%`: a list of
    // thresholds, each clause with its own metric and one comparison.
    if let Err(_) = &conds
        && let Some(clauses) = clause_list(text)
    {
        let mut read = Gates::default();
        for clause in clauses {
            read_sentence(clause, line, context, &mut read);
        }
        if read.not_understood.is_empty() {
            for t in &mut read.thresholds {
                t.source = text.to_string();
            }
            gates.thresholds.extend(read.thresholds);
            return;
        }
    }
    let conds = match conds {
        Ok(c) => c,
        Err(reason) => return gates.not_understood.push(not(reason)),
    };
    let metric = match metric_of(before) {
        Ok(m) => m,
        Err(reason) => return gates.not_understood.push(not(reason)),
    };
    if conds.len() > 1 && bad_is_high(&metric).is_none() {
        return gates.not_understood.push(not(
            "levels for a metric whose bad side is not known: cannot tell which way they point",
        ));
    }
    for cond in conds {
        let metric = match (&metric, cond.percentile_hint) {
            (Metric::Latency { percentile: None }, Some(p)) => Metric::Latency {
                percentile: Some(p),
            },
            (Metric::Custom(name), _) if cond.free => Metric::Custom(format!("{name} free")),
            (_, _) if cond.free => {
                return gates.not_understood.push(not(
                    "`free` after a known metric: cannot tell what is measured",
                ));
            }
            _ => metric.clone(),
        };
        let (level, comparator) = judge(&metric, &cond, context);
        gates.thresholds.push(Threshold {
            metric,
            comparator,
            value: cond.value,
            unit: cond.unit,
            level,
            line,
            source: text.to_string(),
            sustained_secs: cond.sustained_secs,
        });
    }
}

/// The clauses of a line (split at `,` and `;`) when there are several and
/// each states exactly one comparison.
fn clause_list(text: &str) -> Option<Vec<&str>> {
    let clauses: Vec<&str> = text.split([',', ';']).map(str::trim).collect();
    (clauses.len() > 1 && clauses.iter().all(|c| comparisons(c).len() == 1)).then_some(clauses)
}

struct Condition {
    comparator: Comparator,
    value: f64,
    unit: Unit,
    /// `p95` written after the value: `(< 300ms p95)`.
    percentile_hint: Option<u8>,
    /// `for 2 consecutive minutes` after the value.
    sustained_secs: Option<u64>,
    /// A level named after the value: `(Warning)`, `(Critical)`, `告警`.
    level: Option<Level>,
    /// `free` after the value: the metric is what is left free.
    free: bool,
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

/// Words before a comparison that make it a duration, not a threshold:
/// `sustained for >15 minutes`.
const DURATION_INTRO: [&str; 8] = [
    "for",
    "sustained",
    "over",
    "during",
    "連續",
    "连续",
    "持续",
    "持續",
];

/// The comparisons in `text` that are followed by a number and are not a
/// duration: (start, end) of the comparator.
fn comparisons(text: &str) -> Vec<(usize, usize)> {
    // ASCII lowering keeps byte offsets.
    let lower = text.to_ascii_lowercase();
    let mut found: Vec<(usize, usize)> = Vec::new();
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
    found.retain(|&(start, end)| {
        let before = text[..start]
            .trim_end()
            .trim_end_matches(['(', '['])
            .trim_end()
            .to_lowercase();
        let duration = DURATION_INTRO.iter().any(|w| {
            before.ends_with(w)
                && before[..before.len() - w.len()]
                    .chars()
                    .next_back()
                    .is_none_or(|c| !c.is_alphanumeric())
        });
        !duration
            && text[end..]
                .trim_start()
                .starts_with(|c: char| c.is_ascii_digit() || c == '.')
    });
    found
}

fn comparator_of(op: &str) -> Option<Comparator> {
    Some(match op {
        "<" => Comparator::Lt,
        "<=" | "≤" => Comparator::Le,
        ">" => Comparator::Gt,
        ">=" | "≥" => Comparator::Ge,
        _ => WORDS
            .iter()
            .find(|(w, _)| op.eq_ignore_ascii_case(w))
            .map(|(_, c)| *c)?,
    })
}

/// Finds the comparisons in `text`: what comes before the first (the
/// metric) and the conditions. `None` when the text states no comparison
/// with a number at all (then it is no threshold line). Several conditions
/// only when each names its level (`< 500ms (Warning), < 1s (Critical)`).
#[allow(clippy::type_complexity)]
fn split_condition(text: &str) -> Option<(&str, Result<Vec<Condition>, &'static str>)> {
    let found = comparisons(text);
    let (first, _) = *found.first()?;
    let mut conds = Vec::new();
    for (k, &(start, end)) in found.iter().enumerate() {
        let comparator = comparator_of(&text[start..end])?;
        let until = found.get(k + 1).map_or(text.len(), |n| n.0);
        let segment = text[end..until]
            .trim_end()
            .trim_end_matches([',', ';'])
            .trim_end();
        let segment = segment
            .strip_suffix(" and")
            .or_else(|| segment.strip_suffix(" or"))
            .unwrap_or(segment);
        match value_after(segment, comparator) {
            Ok(c) => conds.push(c),
            Err(reason) if found.len() == 1 => return Some((&text[..first], Err(reason))),
            Err(_) => break,
        }
    }
    if found.len() > 1 {
        let mut levels: Vec<Option<Level>> = conds.iter().map(|c| c.level).collect();
        levels.dedup();
        if conds.len() != found.len() || levels.len() != conds.len() || levels.contains(&None) {
            return Some((
                text,
                Err("more than one comparison on the line: cannot tell which is the threshold"),
            ));
        }
    }
    Some((&text[..first], Ok(conds)))
}

fn condition(cell: &str) -> Result<Condition, &'static str> {
    match split_condition(cell) {
        None => Err("no comparison with a number in the cell"),
        Some((before, c)) => {
            if !before.trim().is_empty() {
                return Err("words before the comparison in a threshold cell");
            }
            let mut c = c?;
            if c.len() != 1 {
                return Err("more than one comparison in a threshold cell");
            }
            Ok(c.remove(0))
        }
    }
}

/// Seconds in a time unit word: `minutes`, `min`, `m`, `分鐘`.
fn time_unit(word: &str) -> Option<u64> {
    Some(match word {
        "s" | "sec" | "secs" | "second" | "seconds" | "秒" => 1,
        "m" | "min" | "mins" | "minute" | "minutes" | "分鐘" | "分钟" | "分" => 60,
        "h" | "hr" | "hrs" | "hour" | "hours" | "小時" | "小时" => 3600,
        _ => return None,
    })
}

/// A number and a time unit, written together (`15m`, `2分鐘`) or as two
/// words; returns the seconds and how many words were used.
fn duration_words(words: &[&str]) -> Option<(u64, usize)> {
    let first = words.first()?.trim_start_matches(['>', '≥', '=']);
    let digits = first
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(first.len());
    let n: u64 = first[..digits].parse().ok()?;
    if digits < first.len() {
        return Some((n * time_unit(&first[digits..])?, 1));
    }
    let mut k = 1;
    if words.get(k) == Some(&"consecutive") {
        k += 1;
    }
    Some((n * time_unit(words.get(k)?)?, k + 1))
}

/// Verbs after a value that lead to a level: `> 5% triggers an alert`.
const CONSEQUENCE: [&str; 6] = ["triggers", "trigger", "raises", "fires", "causes", "means"];

fn level_word(word: &str) -> Option<Level> {
    match word {
        "warning" | "warn" => Some(Level::Warn),
        "critical" | "crit" | "alert" | "alarm" | "rollback" | "告警" | "报警" | "警报"
        | "경고" | "アラート" => Some(Level::Breach),
        _ => None,
    }
}

fn value_after(rest: &str, comparator: Comparator) -> Result<Condition, &'static str> {
    let rest = rest.trim_start();
    let num_len = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))
        .unwrap_or(rest.len());
    let value: f64 = rest[..num_len]
        .trim_end_matches(['.', ','])
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
        .or_else(|| after.strip_prefix("secs"))
        .or_else(|| after.strip_prefix("sec"))
        .or_else(|| after.strip_prefix('s'))
        .or_else(|| after.strip_prefix('秒'))
        .or_else(|| after.strip_prefix("секунды"))
        .or_else(|| after.strip_prefix("секунд"))
        .or_else(|| after.strip_prefix("сек"))
    {
        (Unit::Seconds, t)
    } else {
        (Unit::Ratio, after)
    };
    if tail.starts_with(|c: char| c.is_alphanumeric()) {
        return Err("unknown unit after the value");
    }
    // What may follow: closing punctuation, a percentile, a level, a
    // duration (`for 2 consecutive minutes`).
    let mut percentile_hint = None;
    let mut sustained_secs = None;
    let mut level = None;
    let mut free = false;
    let lower = tail.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| c.is_whitespace() || "()[],.;*:：（）".contains(c))
        .filter(|w| !w.is_empty())
        .collect();
    let mut i = 0;
    while i < words.len() {
        let word = words[i];
        if let Some(p) = percentile(word) {
            percentile_hint = Some(p);
            i += 1;
        } else if unit == Unit::Ratio
            && word
                .strip_suffix('%')
                .and_then(|n| n.parse::<f64>().ok())
                .is_some_and(|p| (p - value * 100.0).abs() < 1e-9)
        {
            // `< 0.05 (5%)`: the same value restated as a percent.
            i += 1;
        } else if word == "free" && !free {
            // `Disk space alert (<20% free)`: the free share is measured.
            free = true;
            i += 1;
        } else if let Some(l) = level_word(word) {
            level = Some(level.map_or(l, |old: Level| old.max(l)));
            i += 1;
        } else if CONSEQUENCE.contains(&word) {
            // `Error rate > 5% triggers an alert`: the level it leads to.
            let mut j = i + 1;
            if matches!(words.get(j), Some(&("a" | "an"))) {
                j += 1;
            }
            let l = words
                .get(j)
                .and_then(|w| level_word(w))
                .ok_or("words after the value: cannot tell what they change")?;
            level = Some(level.map_or(l, |old: Level| old.max(l)));
            i = j + 1;
        } else if DURATION_INTRO.contains(&word) {
            let mut j = i + 1;
            while matches!(words.get(j), Some(&("for" | ">" | ">=" | "more" | "than"))) {
                j += 1;
            }
            let (secs, used) = duration_words(&words[j..])
                .ok_or("words after the value: cannot tell what they change")?;
            sustained_secs = Some(secs);
            i = j + used;
        } else {
            return Err("words after the value: cannot tell what they change");
        }
    }
    Ok(Condition {
        comparator,
        value,
        unit,
        percentile_hint,
        sustained_secs,
        level,
        free,
    })
}

fn percentile(word: &str) -> Option<u8> {
    let w = word.to_lowercase();
    let n = w.strip_prefix('p')?;
    let n: u8 = n.parse().ok()?;
    (1..=99).contains(&n).then_some(n)
}

/// Words that name a metric, in the languages of the corpus.
const METRIC_WORDS: [&str; 37] = [
    "error",
    "errors",
    "rates",
    "rate",
    "ratio",
    "latency",
    "response",
    "time",
    "duration",
    "cpu",
    "memory",
    "ram",
    "uptime",
    "错误率",
    "錯誤率",
    "响应时间",
    "響應時間",
    "延迟",
    "延遲",
    "内存",
    "記憶體",
    "使用率",
    "에러율",
    "오류율",
    "응답시간",
    "エラー率",
    "応答時間",
    "taux",
    "erreur",
    "latence",
    "fehlerrate",
    "响应",
    "響應",
    "memoria",
    "memória",
    "mémoire",
    "speicher",
];
/// Words that say nothing about whose metric it is.
const GENERIC: [&str; 46] = [
    "api",
    "when",
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
    "stays",
    "remains",
    "is",
    "should",
    "be",
    "must",
    "target",
    "performance",
    "acceptable",
    "sustained",
    "d",
    "de",
    "monitor",
    "watch",
    "spikes",
    "spike",
    "expected",
    "esperado",
    "目標",
    "目标",
    "on",
];

/// Names the metric in the words before a comparison. A label before a
/// colon (`Performance Degradation: p95 latency`) gives way to a known
/// metric named after it.
fn metric_of(words: &str) -> Result<Metric, &'static str> {
    if let Some((_, after)) = words.rsplit_once([':', '：'])
        && let Ok(m) = metric_named(after)
        && !matches!(m, Metric::Custom(_))
    {
        return Ok(m);
    }
    metric_named(words)
}

fn metric_named(words: &str) -> Result<Metric, &'static str> {
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
    let any = |ps: &[&str]| ps.iter().any(|p| lower.contains(p));
    let pct = tokens.iter().find_map(|t| percentile(t));
    let mut kinds = Vec::new();
    if phrase("error rate")
        || has("errors")
        || phrase("error ratio")
        || any(&[
            "错误率",
            "錯誤率",
            "에러율",
            "오류율",
            "エラー率",
            "taux d erreur",
            "fehlerrate",
        ])
    {
        kinds.push(Metric::ErrorRate);
    }
    if has("latency")
        || phrase("response time")
        || has("duration")
        || any(&[
            "响应",
            "響應",
            "延迟",
            "延遲",
            "응답시간",
            "応答時間",
            "latence",
        ])
        || (pct.is_some() && !has("cpu"))
    {
        kinds.push(Metric::Latency { percentile: pct });
    }
    if has("cpu") {
        kinds.push(Metric::Cpu);
    }
    if has("memory")
        || has("ram")
        || has("memoria")
        || has("memória")
        || has("mémoire")
        || has("speicher")
        || any(&["内存", "記憶體"])
    {
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
            let named: Vec<&str> = tokens
                .iter()
                .copied()
                .filter(|t| !["alert", "alerts", "if", "when", "the"].contains(t))
                .collect();
            Ok(Metric::Custom(named.join(" ")))
        }
        1 => Ok(kinds.remove(0)),
        _ => Err("names more than one metric"),
    }
}

mod plain;
#[cfg(test)]
mod tests;
