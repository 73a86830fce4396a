//! k6 thresholds: parser, canonical printer and evaluator.
//!
//! Supported metrics and aggregations (as in k6):
//!
//! | metric | aggregations | unit |
//! | --- | --- | --- |
//! | `http_req_duration` | `avg`, `min`, `med`, `max`, `p(N)` | milliseconds |
//! | `http_req_failed` | `rate` | share 0..=1 |
//! | `http_reqs` | `count`, `rate` | requests, requests/s |
//! | `checks` | `rate` | share of passed checks 0..=1 |
//!
//! An expression is `aggregation op value`, with `op` one of `<`, `<=`, `>`, `>=`, `==`,
//! `===`, `!=`, `!==` and blanks allowed between the parts (`p(95) < 300`). Sub-metrics with
//! tags (`http_req_duration{name:x}`) are refused. [`Threshold::expr`] prints the canonical
//! form, which parses back to the same threshold.

use std::fmt;
use std::time::Duration;

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

use crate::model::CompareOp;

/// The metrics thresholds can be set on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Request duration in ms (k6 `http_req_duration`).
    HttpReqDuration,
    /// Share of failed requests (k6 `http_req_failed`).
    HttpReqFailed,
    /// Completed requests (k6 `http_reqs`).
    HttpReqs,
    /// Share of passed checks (k6 `checks`).
    Checks,
}

impl Metric {
    /// k6's name for the metric.
    pub fn as_str(self) -> &'static str {
        match self {
            Metric::HttpReqDuration => "http_req_duration",
            Metric::HttpReqFailed => "http_req_failed",
            Metric::HttpReqs => "http_reqs",
            Metric::Checks => "checks",
        }
    }

    /// Parses k6's name.
    pub fn parse(name: &str) -> Result<Metric, ThresholdError> {
        match name.trim() {
            "http_req_duration" => Ok(Metric::HttpReqDuration),
            "http_req_failed" => Ok(Metric::HttpReqFailed),
            "http_reqs" => Ok(Metric::HttpReqs),
            "checks" => Ok(Metric::Checks),
            other if other.contains('{') => Err(ThresholdError::new(
                other,
                "sub-metrics with tags are not supported",
            )),
            other => Err(ThresholdError::new(other, "unknown or unsupported metric")),
        }
    }

    fn allows(self, agg: Aggregation) -> bool {
        use Aggregation as A;
        match self {
            Metric::HttpReqDuration => {
                matches!(agg, A::Avg | A::Min | A::Med | A::Max | A::Percentile(_))
            }
            Metric::HttpReqFailed | Metric::Checks => matches!(agg, A::Rate),
            Metric::HttpReqs => matches!(agg, A::Count | A::Rate),
        }
    }
}

/// How a metric's samples are reduced to one number.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Aggregation {
    /// Mean.
    Avg,
    /// Minimum.
    Min,
    /// Median.
    Med,
    /// Maximum.
    Max,
    /// `p(N)`, N in 0..=100.
    Percentile(f64),
    /// Rate: share for `http_req_failed`/`checks`, per second for `http_reqs`.
    Rate,
    /// Count.
    Count,
}

impl fmt::Display for Aggregation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Aggregation::Avg => f.write_str("avg"),
            Aggregation::Min => f.write_str("min"),
            Aggregation::Med => f.write_str("med"),
            Aggregation::Max => f.write_str("max"),
            Aggregation::Percentile(p) => write!(f, "p({p})"),
            Aggregation::Rate => f.write_str("rate"),
            Aggregation::Count => f.write_str("count"),
        }
    }
}

/// One threshold: `metric: aggregation op value`, optionally aborting the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Threshold {
    /// The metric.
    pub metric: Metric,
    /// The reduction.
    pub aggregation: Aggregation,
    /// The comparison that must hold.
    pub op: CompareOp,
    /// The bound (ms for durations).
    pub value: f64,
    /// k6 `abortOnFail`: stop the run as soon as the threshold fails.
    pub abort_on_fail: bool,
    /// k6 `delayAbortEval`: do not abort before this much time has passed.
    pub delay_abort_eval: Option<Duration>,
}

impl Threshold {
    /// The canonical expression, e.g. `p(95)<300`.
    pub fn expr(&self) -> String {
        format!("{}{}{}", self.aggregation, self.op.as_str(), self.value)
    }

    /// Evaluates the threshold against the metrics.
    pub fn evaluate(&self, m: &MetricValues<'_>) -> ThresholdResult {
        let value = m.value(self.metric, self.aggregation);
        ThresholdResult {
            metric: self.metric.as_str().to_string(),
            expr: self.expr(),
            value,
            ok: self.op.eval(value, self.value),
        }
    }
}

impl fmt::Display for Threshold {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.metric.as_str(), self.expr())
    }
}

/// The outcome of one threshold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThresholdResult {
    /// k6 metric name.
    pub metric: String,
    /// Canonical expression.
    pub expr: String,
    /// The measured value the expression was evaluated on.
    pub value: f64,
    /// Whether it held.
    pub ok: bool,
}

/// A threshold expression that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("threshold {input:?}: {reason}")]
pub struct ThresholdError {
    /// The offending text.
    pub input: String,
    /// Why it was refused.
    pub reason: String,
}

impl ThresholdError {
    fn new(input: &str, reason: &str) -> Self {
        Self {
            input: input.to_string(),
            reason: reason.to_string(),
        }
    }
}

/// Parses `expr` (e.g. `p(95)<300`) as a threshold on `metric` (e.g. `http_req_duration`).
pub fn parse_threshold(metric: &str, expr: &str) -> Result<Threshold, ThresholdError> {
    let metric = Metric::parse(metric)?;
    let err = |reason: &str| ThresholdError::new(expr, reason);
    let s = expr.trim();
    let op_at = s
        .find(['<', '>', '=', '!'])
        .ok_or_else(|| err("no comparison operator"))?;
    let (agg_text, rest) = s.split_at(op_at);
    let aggregation =
        parse_aggregation(agg_text.trim()).ok_or_else(|| err("unknown aggregation"))?;
    let (op, op_len) = [
        ("===", CompareOp::Eq),
        ("!==", CompareOp::Ne),
        ("<=", CompareOp::Le),
        (">=", CompareOp::Ge),
        ("==", CompareOp::Eq),
        ("!=", CompareOp::Ne),
        ("<", CompareOp::Lt),
        (">", CompareOp::Gt),
    ]
    .iter()
    .find(|(t, _)| rest.starts_with(t))
    .map(|(t, op)| (*op, t.len()))
    .ok_or_else(|| err("bad comparison operator"))?;
    let value = parse_number(rest[op_len..].trim()).ok_or_else(|| err("bad number"))?;
    if !metric.allows(aggregation) {
        return Err(err(&format!(
            "aggregation {aggregation} does not apply to {}",
            metric.as_str()
        )));
    }
    Ok(Threshold {
        metric,
        aggregation,
        op,
        value,
        abort_on_fail: false,
        delay_abort_eval: None,
    })
}

fn parse_aggregation(s: &str) -> Option<Aggregation> {
    Some(match s {
        "avg" => Aggregation::Avg,
        "min" => Aggregation::Min,
        "med" => Aggregation::Med,
        "max" => Aggregation::Max,
        "rate" => Aggregation::Rate,
        "count" => Aggregation::Count,
        _ => {
            let inner = s.strip_prefix("p(")?.strip_suffix(')')?;
            let p = parse_number(inner.trim())?;
            if !(0.0..=100.0).contains(&p) {
                return None;
            }
            Aggregation::Percentile(p)
        }
    })
}

/// A plain decimal number (optionally signed, with fraction and exponent); no NaN/inf/hex.
fn parse_number(s: &str) -> Option<f64> {
    if s.is_empty()
        || !s
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'))
        || !s.bytes().any(|b| b.is_ascii_digit())
    {
        return None;
    }
    let v: f64 = s.parse().ok()?;
    v.is_finite().then_some(v)
}

/// The measured numbers thresholds are evaluated on.
#[derive(Debug, Clone, Copy)]
pub struct MetricValues<'a> {
    /// Latencies of completed requests in µs.
    pub latency_us: &'a Histogram<u64>,
    /// Completed requests (successful or not).
    pub requests: u64,
    /// Failed requests (transport errors and statuses ≥ 400).
    pub failed: u64,
    /// Wall time the requests were made in, seconds.
    pub elapsed_s: f64,
    /// Checks evaluated.
    pub checks_total: u64,
    /// Checks passed.
    pub checks_passed: u64,
}

impl MetricValues<'_> {
    /// The value of `metric` reduced by `agg` (durations in ms); 0 without samples.
    pub fn value(&self, metric: Metric, agg: Aggregation) -> f64 {
        let ratio = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        match (metric, agg) {
            (Metric::HttpReqDuration, agg) => {
                let h = self.latency_us;
                if h.is_empty() {
                    return 0.0;
                }
                let us = match agg {
                    Aggregation::Avg => h.mean(),
                    Aggregation::Min => h.min() as f64,
                    Aggregation::Max => h.max() as f64,
                    Aggregation::Med => h.value_at_quantile(0.5) as f64,
                    Aggregation::Percentile(p) => h.value_at_quantile(p / 100.0) as f64,
                    Aggregation::Rate | Aggregation::Count => h.len() as f64 * 1000.0,
                };
                us / 1000.0
            }
            (Metric::HttpReqFailed, _) => ratio(self.failed, self.requests),
            (Metric::Checks, _) => ratio(self.checks_passed, self.checks_total),
            (Metric::HttpReqs, Aggregation::Count) => self.requests as f64,
            (Metric::HttpReqs, _) => {
                if self.elapsed_s > 0.0 {
                    self.requests as f64 / self.elapsed_s
                } else {
                    0.0
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_k6_forms() {
        let t = parse_threshold("http_req_duration", "p(95)<300").unwrap();
        assert_eq!(t.aggregation, Aggregation::Percentile(95.0));
        assert_eq!(t.op, CompareOp::Lt);
        assert_eq!(t.value, 300.0);
        let t = parse_threshold("http_req_failed", " rate < 0.05 ").unwrap();
        assert_eq!((t.aggregation, t.value), (Aggregation::Rate, 0.05));
        let t = parse_threshold("http_reqs", "count>=100").unwrap();
        assert_eq!(t.op, CompareOp::Ge);
        let t = parse_threshold("http_req_duration", "p(99.9) === 5").unwrap();
        assert_eq!(t.expr(), "p(99.9)==5");
        assert!(parse_threshold("http_req_failed", "p(95)<1").is_err());
        assert!(parse_threshold("http_req_duration{name:x}", "p(95)<1").is_err());
        assert!(parse_threshold("http_req_duration", "p(101)<1").is_err());
        assert!(parse_threshold("http_req_duration", "avg<NaN").is_err());
        assert!(parse_threshold("http_req_duration", "avg<").is_err());
        assert!(parse_threshold("vus", "value<1").is_err());
    }

    #[test]
    fn evaluates() {
        let mut h = Histogram::<u64>::new(3).unwrap();
        for v in 1..=100u64 {
            h.record(v * 1000).unwrap();
        }
        let m = MetricValues {
            latency_us: &h,
            requests: 100,
            failed: 10,
            elapsed_s: 10.0,
            checks_total: 4,
            checks_passed: 3,
        };
        let r = parse_threshold("http_req_duration", "p(95)<300")
            .unwrap()
            .evaluate(&m);
        assert!(r.ok);
        assert!((r.value - 95.0).abs() < 0.1, "{}", r.value);
        let r = parse_threshold("http_req_failed", "rate<0.05")
            .unwrap()
            .evaluate(&m);
        assert!(!r.ok);
        assert!((r.value - 0.1).abs() < 1e-9);
        let r = parse_threshold("http_reqs", "rate>=10")
            .unwrap()
            .evaluate(&m);
        assert!(r.ok);
        let r = parse_threshold("checks", "rate>0.9").unwrap().evaluate(&m);
        assert!(!r.ok && (r.value - 0.75).abs() < 1e-9);
        let r = parse_threshold("http_req_duration", "max<=100.1")
            .unwrap()
            .evaluate(&m);
        assert!(r.ok, "{r:?}");
    }

    fn arb_threshold() -> impl Strategy<Value = Threshold> {
        let op = prop_oneof![
            Just(CompareOp::Lt),
            Just(CompareOp::Le),
            Just(CompareOp::Gt),
            Just(CompareOp::Ge),
            Just(CompareOp::Eq),
            Just(CompareOp::Ne),
        ];
        let dur_agg = prop_oneof![
            Just(Aggregation::Avg),
            Just(Aggregation::Min),
            Just(Aggregation::Med),
            Just(Aggregation::Max),
            (0.0f64..=100.0).prop_map(Aggregation::Percentile),
        ];
        let pair = prop_oneof![
            dur_agg.prop_map(|a| (Metric::HttpReqDuration, a)),
            Just((Metric::HttpReqFailed, Aggregation::Rate)),
            Just((Metric::HttpReqs, Aggregation::Count)),
            Just((Metric::HttpReqs, Aggregation::Rate)),
            Just((Metric::Checks, Aggregation::Rate)),
        ];
        (pair, op, -1e12f64..1e12).prop_map(|((metric, aggregation), op, value)| Threshold {
            metric,
            aggregation,
            op,
            value,
            abort_on_fail: false,
            delay_abort_eval: None,
        })
    }

    proptest! {
        #[test]
        fn parser_never_panics(metric in "\\PC{0,20}", expr in "\\PC{0,40}") {
            let _ = parse_threshold(&metric, &expr);
        }

        #[test]
        fn parser_never_panics_on_near_misses(expr in "[ pavgmindexrtcoun()0-9.eE+<>=!-]{0,16}") {
            let _ = parse_threshold("http_req_duration", &expr);
            let _ = parse_threshold("http_reqs", &expr);
        }

        #[test]
        fn round_trips(t in arb_threshold()) {
            let back = parse_threshold(t.metric.as_str(), &t.expr()).unwrap();
            prop_assert_eq!(back, t);
        }
    }
}
