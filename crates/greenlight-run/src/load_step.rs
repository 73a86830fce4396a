//! Load steps inside a run.
//!
//! A k6 script block, or an `ab`/`hey`/`wrk`/`oha` command line, becomes a
//! native load test ([`greenlight_load`]). Load is traffic: a load step
//! counts as mutating unless the profile allows load explicitly, and every
//! URL it loads must be a host the profile's `[hosts]` names. The profile's
//! `[load]` limits (duration, VUs, rate) scale a step down, and the step's
//! evidence says so. The checklist's metric tables
//! (`| Response Time (p95) | < 300ms | < 500ms |`) become gates on the
//! measured figures: over the target warns, over the critical value fails.

use crate::subst;
use greenlight_load::{CompareOp, LoadConfig, LoadModel, LoadReport, parse_threshold};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;

/// Command-line load tools whose lines greenlight runs natively.
pub const LOAD_TOOLS: &[&str] = &["ab", "hey", "wrk", "wrk2", "oha"];

/// The threshold a load step gets when its author wrote none: without one,
/// a load test that answered nothing but errors would pass.
pub const DEFAULT_THRESHOLD: (&str, &str) = ("http_req_failed", "rate<0.01");

/// Upper bounds the profile's `[load]` section puts on every load step.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct LoadLimits {
    pub max_duration: Option<Duration>,
    pub max_vus: Option<u32>,
    pub max_rate: Option<f64>,
    /// The longest any one request may take (`[load] timeout`): a request
    /// still unanswered then counts as timed out.
    pub timeout: Option<Duration>,
}

/// Whether a code block is a k6 script.
pub fn is_k6_script(code: &str, lang: Option<&str>) -> bool {
    let js = matches!(
        lang.map(str::to_ascii_lowercase).as_deref(),
        Some("javascript" | "js" | "k6" | "typescript" | "ts")
    );
    js && (code.contains("k6/http") || code.contains("from 'k6'") || code.contains("from \"k6\""))
}

/// The load tool a command line starts, if any (`ab -n 10 …` → `ab`).
pub fn load_tool(command: &str) -> Option<&'static str> {
    let first = command.split_whitespace().next()?;
    let program = first.rsplit('/').next().unwrap_or(first);
    LOAD_TOOLS.iter().copied().find(|t| *t == program)
}

/// The largest k6 script file greenlight reads for `k6 run FILE`.
pub const MAX_SCRIPT_BYTES: u64 = 1024 * 1024;

/// A `k6 run FILE` command line: its script file and environment, or why
/// it is outside what greenlight runs natively.
pub type K6Run = Result<K6RunLine, String>;

/// The parts of a `k6 run FILE` line greenlight understands.
#[derive(Debug, Clone, PartialEq)]
pub struct K6RunLine {
    /// The script, as written (relative to the checklist).
    pub file: String,
    /// `NAME=VALUE` in front of the command and `-e NAME=VALUE`, in order.
    pub env: Vec<(String, String)>,
}

/// Reads `[NAME=VALUE…] k6 run [-e NAME=VALUE…] FILE`; `None` when the line
/// is not `k6 run` at all, `Some(Err)` when it uses what greenlight does
/// not support (other flags, stdin, several files).
pub fn parse_k6_run(line: &str) -> Option<K6Run> {
    // The words keep the line's own characters (quotes and escapes only
    // drop some): without a `k` and a `6` no word is `k6`.
    if !(line.contains('k') && line.contains('6')) {
        return None;
    }
    parse_k6_run_words(line)
}

/// [`parse_k6_run`] without its shortcut.
fn parse_k6_run_words(line: &str) -> Option<K6Run> {
    let words = greenlight_load::cli_tools::split_command(line).ok()?;
    let mut env = Vec::new();
    let mut i = 0;
    while let Some((name, value)) = words.get(i).and_then(|w| assignment(w)) {
        env.push((name, value));
        i += 1;
    }
    let program = words.get(i)?;
    if program.rsplit('/').next() != Some("k6")
        || words.get(i + 1).map(String::as_str) != Some("run")
    {
        return None;
    }
    let mut file = None;
    let mut rest = words[i + 2..].iter();
    while let Some(w) = rest.next() {
        match w.as_str() {
            "-e" | "--env" => match rest.next().and_then(|kv| assignment(kv)) {
                Some(kv) => env.push(kv),
                None => return Some(Err(format!("`{w}` needs NAME=VALUE"))),
            },
            flag if flag.starts_with('-') => {
                return Some(Err(format!("the k6 option `{flag}` is not supported")));
            }
            path if file.is_none() => file = Some(path.to_string()),
            extra => return Some(Err(format!("unexpected argument `{extra}`"))),
        }
    }
    Some(
        file.map(|file| K6RunLine { file, env })
            .ok_or_else(|| "no script file".to_string()),
    )
}

fn assignment(word: &str) -> Option<(String, String)> {
    let (name, value) = word.split_once('=')?;
    subst::is_name(name).then(|| (name.to_string(), value.to_string()))
}

/// A summary of a config for plans and evidence: `closed 20 VUs, 10s, 1 URL`.
pub fn describe_config(config: &LoadConfig) -> String {
    let model = match &config.model {
        LoadModel::Closed { stages, .. } if !stages.is_empty() => {
            format!(
                "closed up to {} VUs in {} stages",
                config.model.max_vus(),
                stages.len()
            )
        }
        LoadModel::Closed { vus, .. } => format!("closed {vus} VUs"),
        LoadModel::Open { rate, stages, .. } if stages.is_empty() => format!("open {rate}/s"),
        LoadModel::Open { stages, .. } => format!("open ramping rate in {} stages", stages.len()),
    };
    let length = match (config.effective_duration(), config.max_requests) {
        (Some(d), Some(n)) => format!("{}, at most {n} requests", human(d)),
        (Some(d), None) => human(d),
        (None, Some(n)) => format!("{n} requests"),
        (None, None) => "unbounded".into(),
    };
    let urls: Vec<&str> = config.targets.iter().map(|t| t.url.as_str()).collect();
    format!("{model}, {length}: {}", urls.join(" "))
}

fn human(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s >= 60.0 && s % 60.0 == 0.0 {
        format!("{}m", s / 60.0)
    } else if s >= 1.0 {
        format!("{}s", (s * 10.0).round() / 10.0)
    } else {
        format!("{}ms", d.as_millis())
    }
}

/// Fits a config into the profile's limits, scaling stage durations in
/// proportion and clamping VUs and rates. Returns what changed, for the
/// step's evidence (`None` when the config already fits).
pub fn apply_limits(config: &mut LoadConfig, limits: &LoadLimits) -> Option<String> {
    let mut changes = Vec::new();
    if let Some(max) = limits.max_duration {
        match config.effective_duration() {
            Some(total) if total > max => {
                let factor = max.as_secs_f64() / total.as_secs_f64();
                scale_stages(&mut config.model, factor);
                if config.duration.is_some() {
                    config.duration = Some(max);
                }
                changes.push(format!("{} → {}", human(total), human(max)));
            }
            Some(_) => {}
            None => {
                config.duration = Some(max);
                changes.push(format!("bounded to {}", human(max)));
            }
        }
    }
    if let Some(max) = limits.max_vus {
        let before = config.model.max_vus();
        if before > max {
            match &mut config.model {
                LoadModel::Closed { vus, stages, .. } => {
                    *vus = (*vus).min(max);
                    for s in stages {
                        s.1 = s.1.min(max);
                    }
                }
                LoadModel::Open { connections, .. } => *connections = max,
            }
            changes.push(format!("{before} VUs → {max}"));
        }
    }
    if let (Some(max), LoadModel::Open { rate, stages, .. }) = (limits.max_rate, &mut config.model)
    {
        let before = stages.iter().map(|s| s.1).fold(*rate, f64::max);
        if before > max {
            *rate = rate.min(max);
            for s in stages {
                s.1 = s.1.min(max);
            }
            changes.push(format!("{before}/s → {max}/s"));
        }
    }
    if let Some(max) = limits.timeout
        && config.timeout > max
    {
        changes.push(format!(
            "request timeout {} → {}",
            human(config.timeout),
            human(max)
        ));
        config.timeout = max;
    }
    (!changes.is_empty()).then(|| {
        format!(
            "scaled to the profile's [load] limits: {}",
            changes.join(", ")
        )
    })
}

fn scale_stages(model: &mut LoadModel, factor: f64) {
    let scale = |d: &mut Duration| *d = d.mul_f64(factor);
    match model {
        LoadModel::Closed { stages, .. } => stages.iter_mut().for_each(|s| scale(&mut s.0)),
        LoadModel::Open { stages, .. } => stages.iter_mut().for_each(|s| scale(&mut s.0)),
    }
}

/// Points every URL of the config at the profile's hosts. A URL whose host
/// the profile does not name is refused: load goes only where the profile
/// says the service is.
pub fn map_targets(
    config: &mut LoadConfig,
    hosts: &BTreeMap<String, String>,
) -> Result<(), String> {
    for t in &mut config.targets {
        match subst::map_url(&t.url, hosts) {
            Some(mapped) => t.url = mapped,
            None => {
                return Err(format!(
                    "load goes only to hosts the profile names, and [hosts] does not name the host of {}",
                    t.url
                ));
            }
        }
    }
    Ok(())
}

/// Adds [`DEFAULT_THRESHOLD`] when the config has no threshold; returns a
/// note saying so.
pub fn ensure_threshold(config: &mut LoadConfig) -> Option<String> {
    if !config.thresholds.is_empty() {
        return None;
    }
    let (metric, expr) = DEFAULT_THRESHOLD;
    let t = parse_threshold(metric, expr).expect("the default threshold parses");
    config.thresholds.push(t);
    Some(format!(
        "no threshold written: greenlight applies {metric} {expr}"
    ))
}

/// Which load figure a metric-table row names.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "figure", rename_all = "snake_case")]
pub enum LoadFigure {
    /// A latency figure in milliseconds: `p50`, `p90`, `p95`, `p99`, `avg`, `min`, `max`.
    Latency { stat: LatencyStat },
    /// The failed share of requests (0–1).
    FailedRate,
    /// Completed requests per second.
    Rps,
}

/// A latency statistic the load report carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LatencyStat {
    P50,
    P90,
    P95,
    P99,
    Avg,
    Min,
    Max,
}

impl LoadFigure {
    /// The figure's value in a report (ms, a 0–1 rate, or requests/s).
    /// A latency is `None` when no request got an answer (connection
    /// errors carry no latency, and 0 ms would pass any limit).
    pub fn value(self, r: &LoadReport) -> Option<f64> {
        let answered = r.requests.saturating_sub(r.errors.connect + r.errors.other);
        Some(match self {
            LoadFigure::Latency { .. } if answered == 0 => return None,
            LoadFigure::Latency { stat } => match stat {
                LatencyStat::P50 => r.latency_ms.p50,
                LatencyStat::P90 => r.latency_ms.p90,
                LatencyStat::P95 => r.latency_ms.p95,
                LatencyStat::P99 => r.latency_ms.p99,
                LatencyStat::Avg => r.latency_ms.avg,
                LatencyStat::Min => r.latency_ms.min,
                LatencyStat::Max => r.latency_ms.max,
            },
            LoadFigure::FailedRate => r.failed_rate,
            LoadFigure::Rps => r.rps,
        })
    }

    /// Whether a larger value is worse (latency, errors) or better (rps).
    pub fn larger_is_worse(self) -> bool {
        !matches!(self, LoadFigure::Rps)
    }

    /// A value for people: `412 ms`, `1.2%`, `850 req/s`.
    pub fn show(self, v: f64) -> String {
        match self {
            LoadFigure::Latency { .. } => format!("{} ms", round2(v)),
            LoadFigure::FailedRate => format!("{}%", round2(v * 100.0)),
            LoadFigure::Rps => format!("{} req/s", round2(v)),
        }
    }

    /// Recognises a metric name: `Response Time (p95)`, `p99 latency`,
    /// `Error Rate`, `Throughput`.
    pub fn recognise(name: &str) -> Option<LoadFigure> {
        let lower = name.to_ascii_lowercase();
        let words: Vec<&str> = lower
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        let has = |w: &str| words.contains(&w);
        let timing = ["latency", "response", "duration", "time", "times"]
            .iter()
            .any(|w| has(w));
        if timing && !has("uptime") {
            let stat = if has("p50") || has("median") || has("med") {
                LatencyStat::P50
            } else if has("p90") {
                LatencyStat::P90
            } else if has("p95") {
                LatencyStat::P95
            } else if has("p99") {
                LatencyStat::P99
            } else if has("avg") || has("average") || has("mean") {
                LatencyStat::Avg
            } else if has("max") || has("maximum") {
                LatencyStat::Max
            } else if has("min") || has("minimum") {
                LatencyStat::Min
            } else {
                return None;
            };
            return Some(LoadFigure::Latency { stat });
        }
        if (has("error") || has("errors") || has("failure") || has("failed"))
            && (has("rate") || has("ratio"))
        {
            return Some(LoadFigure::FailedRate);
        }
        if has("throughput") || has("rps") || (has("requests") && has("second")) {
            return Some(LoadFigure::Rps);
        }
        None
    }

    /// Reads a limit cell for this figure: `< 300ms`, `≤ 0.5s`, `< 1%`,
    /// `> 500 rps`. Returns the comparison that must hold and the bound in
    /// the report's units.
    pub fn parse_limit(self, cell: &str) -> Option<(CompareOp, f64)> {
        let s = cell.trim().replace(['*', '`'], "");
        let s = s.trim();
        let (op, rest) = [
            ("<=", CompareOp::Le),
            ("≤", CompareOp::Le),
            (">=", CompareOp::Ge),
            ("≥", CompareOp::Ge),
            ("<", CompareOp::Lt),
            (">", CompareOp::Gt),
        ]
        .iter()
        .find_map(|(p, op)| s.strip_prefix(p).map(|r| (Some(*op), r)))
        .unwrap_or((None, s));
        let rest = rest.trim();
        let end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))
            .unwrap_or(rest.len());
        let number: f64 = rest[..end].replace(',', "").parse().ok()?;
        let unit = rest[end..].trim().to_ascii_lowercase();
        let value = match self {
            LoadFigure::Latency { .. } => match unit.as_str() {
                "" | "ms" => number,
                "s" | "sec" | "seconds" => number * 1000.0,
                _ => return None,
            },
            LoadFigure::FailedRate => match unit.as_str() {
                "%" => number / 100.0,
                "" if number <= 1.0 => number,
                _ => return None,
            },
            LoadFigure::Rps => match unit.as_str() {
                "" | "rps" | "req/s" | "/s" | "requests/s" => number,
                _ => return None,
            },
        };
        let op = op.unwrap_or(if self.larger_is_worse() {
            CompareOp::Le
        } else {
            CompareOp::Ge
        });
        Some((op, value))
    }
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// How a metric-table column is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Over it warns (should-fix).
    Target,
    /// Over it fails (required).
    Critical,
}

/// One gate read off a metric table.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricGate {
    /// The row's metric name as written.
    pub name: String,
    pub figure: LoadFigure,
    pub op: CompareOp,
    pub limit: f64,
    /// The cell as written (`< 300ms`).
    pub written: String,
    pub level: Level,
    /// Index of the table row (0-based, body rows).
    pub row: usize,
}

/// Reads the load gates of a table whose header names a target or
/// threshold column. Rows naming something a load test does not measure
/// (memory, CPU, pods) give nothing.
pub fn metric_gates(header: &[String], rows: &[Vec<String>]) -> Vec<MetricGate> {
    let mut columns: Vec<(usize, Level)> = Vec::new();
    for (i, h) in header.iter().enumerate().skip(1) {
        let h = h.to_ascii_lowercase();
        if h.contains("critical") || h.contains("alert") || h.contains("fail") || h.contains("max")
        {
            columns.push((i, Level::Critical));
        } else if h.contains("target")
            || h.contains("threshold")
            || h.contains("sla")
            || h.contains("goal")
            || h.contains("limit")
            || h.contains("expected")
        {
            columns.push((i, Level::Target));
        }
    }
    // A lone limit column is the line that must not be crossed.
    if columns.len() == 1 {
        columns[0].1 = Level::Critical;
    }
    let mut gates = Vec::new();
    for (r, row) in rows.iter().enumerate() {
        let Some(name) = row.first() else { continue };
        let Some(figure) = LoadFigure::recognise(name) else {
            continue;
        };
        for &(col, level) in &columns {
            let Some(cell) = row.get(col) else { continue };
            if let Some((op, limit)) = figure.parse_limit(cell) {
                gates.push(MetricGate {
                    name: name.trim().replace(['*', '`'], ""),
                    figure,
                    op,
                    limit,
                    written: cell.trim().to_string(),
                    level,
                    row: r,
                });
            }
        }
    }
    gates
}

/// The worst value of a figure over several load reports.
pub fn worst(figure: LoadFigure, reports: &[&LoadReport]) -> Option<f64> {
    let values = reports.iter().filter_map(|r| figure.value(r));
    if figure.larger_is_worse() {
        values.reduce(f64::max)
    } else {
        values.reduce(f64::min)
    }
}

/// The failures of a finished load test: failed thresholds, and an abort.
pub fn threshold_failures(report: &LoadReport) -> Vec<String> {
    let mut out: Vec<String> = report
        .thresholds
        .iter()
        .filter(|t| !t.ok)
        .map(|t| {
            format!(
                "threshold {} {} failed: measured {}",
                t.metric,
                t.expr,
                round2(t.value)
            )
        })
        .collect();
    if let Some(why) = &report.aborted {
        out.push(format!("aborted: {why}"));
    }
    if report.requests == 0 {
        out.push("no request completed".into());
    }
    out
}

/// One line for people: `1,204 requests, 120 req/s, p95 3.1 ms, 0.00% failed`.
pub fn summary_line(report: &LoadReport) -> String {
    format!(
        "{} requests in {:.1} s, {:.0} req/s, p50 {} ms, p95 {} ms, p99 {} ms, {}% failed",
        report.requests,
        report.duration_s,
        report.rps,
        round2(report.latency_ms.p50),
        round2(report.latency_ms.p95),
        round2(report.latency_ms.p99),
        round2(report.failed_rate * 100.0)
    )
}

#[cfg(test)]
mod tests {

    #[test]
    fn the_profile_caps_each_requests_timeout() {
        let mut config = greenlight_load::LoadConfig::closed(
            "http://127.0.0.1:1/".to_string(),
            2,
            Duration::from_secs(5),
        );
        assert_eq!(config.timeout, Duration::from_secs(60));
        let limits = LoadLimits {
            timeout: Some(Duration::from_secs(3)),
            ..LoadLimits::default()
        };
        let note = apply_limits(&mut config, &limits).unwrap();
        assert_eq!(config.timeout, Duration::from_secs(3));
        assert!(note.contains("request timeout 1m → 3s"), "{note}");
        // A shorter timeout of the step's own is kept.
        assert_eq!(apply_limits(&mut config, &limits), None);
    }
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn seed_001_metric_table() {
        let header = s(&["Metric", "Target", "Critical Threshold"]);
        let rows = vec![
            s(&["Response Time (p95)", "< 300ms", "< 500ms"]),
            s(&["Error Rate", "< 1%", "< 5%"]),
            s(&["Memory Usage", "< 70%", "< 90%"]),
            s(&["CPU Usage", "< 50%", "< 80%"]),
            s(&["Active Pods", "≥ 3", "≥ 2"]),
        ];
        let gates = metric_gates(&header, &rows);
        assert_eq!(gates.len(), 4, "{gates:#?}");
        let p95 = LoadFigure::Latency {
            stat: LatencyStat::P95,
        };
        assert_eq!(
            (gates[0].figure, gates[0].op, gates[0].limit, gates[0].level),
            (p95, CompareOp::Lt, 300.0, Level::Target)
        );
        assert_eq!((gates[1].limit, gates[1].level), (500.0, Level::Critical));
        assert_eq!(gates[2].figure, LoadFigure::FailedRate);
        assert!((gates[2].limit - 0.01).abs() < 1e-12);
        assert!((gates[3].limit - 0.05).abs() < 1e-12);
    }

    #[test]
    fn names_and_cells() {
        assert_eq!(
            LoadFigure::recognise("API response time p99"),
            Some(LoadFigure::Latency {
                stat: LatencyStat::P99
            })
        );
        assert_eq!(LoadFigure::recognise("Throughput"), Some(LoadFigure::Rps));
        assert_eq!(LoadFigure::recognise("Uptime"), None);
        assert_eq!(
            LoadFigure::recognise("Response time"),
            None,
            "no statistic named"
        );
        let lat = LoadFigure::Latency {
            stat: LatencyStat::Avg,
        };
        assert_eq!(lat.parse_limit("≤ 0.5s"), Some((CompareOp::Le, 500.0)));
        assert_eq!(lat.parse_limit("200"), Some((CompareOp::Le, 200.0)));
        assert_eq!(lat.parse_limit("fast"), None);
        assert_eq!(lat.parse_limit("< 70%"), None);
        assert_eq!(
            LoadFigure::Rps.parse_limit("> 1,000 rps"),
            Some((CompareOp::Gt, 1000.0))
        );
    }

    #[test]
    fn a_lone_threshold_column_is_critical() {
        let gates = metric_gates(
            &s(&["Metric", "Threshold"]),
            &[s(&["p95 latency", "< 250 ms"])],
        );
        assert_eq!(gates.len(), 1);
        assert_eq!(gates[0].level, Level::Critical);
    }

    #[test]
    fn limits_scale_stages_and_clamp_vus() {
        let script = greenlight_load::recognise_k6(
            "import http from 'k6/http';\nexport let options = { stages: [ { duration: '2m', target: 100 }, { duration: '5m', target: 1000 }, { duration: '2m', target: 0 } ] };\nexport default function() { http.get('http://a.test/health'); }\n",
        )
        .unwrap();
        let mut config = script.config.clone();
        let note = apply_limits(
            &mut config,
            &LoadLimits {
                max_duration: Some(Duration::from_secs(9)),
                max_vus: Some(20),
                max_rate: None,
                timeout: None,
            },
        )
        .unwrap();
        assert_eq!(config.effective_duration(), Some(Duration::from_secs(9)));
        assert_eq!(config.model.max_vus(), 20);
        assert!(
            note.contains("9m → 9s") && note.contains("1000 VUs → 20"),
            "{note}"
        );
        // Within the limits nothing changes.
        let before = config.clone();
        assert_eq!(
            apply_limits(
                &mut config,
                &LoadLimits {
                    max_duration: Some(Duration::from_secs(60)),
                    max_vus: Some(50),
                    max_rate: None,
                    timeout: None,
                }
            ),
            None
        );
        assert_eq!(config, before);
    }

    #[test]
    fn only_named_hosts_take_load() {
        let mut hosts = BTreeMap::new();
        hosts.insert(
            "staging-api.yourdomain.com".to_string(),
            "http://127.0.0.1:18081".to_string(),
        );
        let mut config = LoadConfig::closed(
            "https://staging-api.yourdomain.com/health",
            1,
            Duration::from_secs(1),
        );
        map_targets(&mut config, &hosts).unwrap();
        assert_eq!(config.targets[0].url, "http://127.0.0.1:18081/health");
        // However the document spells the host.
        let mut dotted = LoadConfig::closed(
            "https://Staging-API.yourdomain.com./health",
            1,
            Duration::from_secs(1),
        );
        map_targets(&mut dotted, &hosts).unwrap();
        assert_eq!(dotted.targets[0].url, "http://127.0.0.1:18081/health");
        let mut other = LoadConfig::closed("http://127.0.0.1:9/", 1, Duration::from_secs(1));
        let err = map_targets(&mut other, &hosts).unwrap_err();
        assert!(err.contains("http://127.0.0.1:9/"), "{err}");
    }

    #[test]
    fn k6_run_lines() {
        let run = parse_k6_run("BASE_URL=https://a.test k6 run -e X=1 scripts/load-test.js")
            .unwrap()
            .unwrap();
        assert_eq!(run.file, "scripts/load-test.js");
        assert_eq!(
            run.env,
            [
                ("BASE_URL".to_string(), "https://a.test".to_string()),
                ("X".to_string(), "1".to_string())
            ]
        );
        assert_eq!(parse_k6_run("k6 version"), None);
        // Quotes and escapes around the letters: still k6.
        assert!(parse_k6_run("'k'\\6 run s.js").is_some());
        assert_eq!(parse_k6_run("curl https://a.test"), None);
        assert!(
            parse_k6_run("k6 run --vus 10 s.js")
                .unwrap()
                .unwrap_err()
                .contains("--vus")
        );
        assert!(parse_k6_run("k6 run").unwrap().is_err());
    }

    #[test]
    fn recognises_tools_and_k6_blocks() {
        assert_eq!(load_tool("ab -n 1000 -c 10 https://x/"), Some("ab"));
        assert_eq!(load_tool("/usr/bin/wrk -t2 http://x/"), Some("wrk"));
        assert_eq!(load_tool("abc -n 1"), None);
        assert!(is_k6_script(
            "import http from 'k6/http';",
            Some("javascript")
        ));
        assert!(!is_k6_script("import http from 'k6/http';", Some("bash")));
        assert!(!is_k6_script("console.log(1)", Some("js")));
    }

    proptest::proptest! {
        /// The shortcut only says no where the full reading says no.
        #[test]
        fn k6_shortcut_agrees_with_the_full_reading(
            line in "(k6 run |k|6|'|\\\\|\"|run |-e X=1 |s\\.js| |[a-z/=]){0,12}"
        ) {
            proptest::prop_assert_eq!(parse_k6_run(&line), parse_k6_run_words(&line));
        }
    }
}
