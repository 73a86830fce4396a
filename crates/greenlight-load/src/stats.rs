//! Latency and error accounting: per-worker accumulators merged into a [`LoadReport`].
//!
//! Every worker thread owns its accumulators (no locks, no atomics on the hot path): one HDR
//! histogram per endpoint for the whole run, plus one for the current one-second interval
//! (reset after each tick). Histograms record microseconds with 3 significant figures and
//! auto-resize only with the *largest* value seen, so memory does not grow with the number of
//! requests or the run's length.

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

use crate::error::ErrorKind;
use crate::model::Target;
use crate::threshold::{MetricValues, ThresholdResult};

/// A fresh latency histogram (µs, 3 significant figures, 1 µs .. 60 s pre-sized, grows if
/// needed).
pub(crate) fn new_histogram() -> Histogram<u64> {
    let mut h = Histogram::new_with_bounds(1, 60_000_000, 3).expect("static histogram bounds");
    h.auto(true);
    h
}

/// What happened to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// An answer arrived with this status.
    Status(u16),
    /// The request failed without a usable answer.
    Error(ErrorKind),
}

impl Outcome {
    /// The error kind, if the request counts as failed (k6 `http_req_failed`: status ≥ 400 or
    /// no answer).
    pub(crate) fn error_kind(self) -> Option<ErrorKind> {
        match self {
            Outcome::Status(s) if s >= 500 => Some(ErrorKind::Status5xx),
            Outcome::Status(s) if s >= 400 => Some(ErrorKind::Status4xx),
            Outcome::Status(_) => None,
            Outcome::Error(k) => Some(k),
        }
    }
}

/// Counters of one endpoint on one worker.
#[derive(Debug, Clone)]
pub(crate) struct EndpointAcc {
    pub hist: Histogram<u64>,
    pub requests: u64,
    pub failed: u64,
    pub errors: [u64; 5],
    pub bytes: u64,
    /// `(passes, fails)` per check of the target, in the target's order.
    pub checks: Vec<(u64, u64)>,
}

impl EndpointAcc {
    pub(crate) fn new(checks: usize) -> Self {
        Self {
            hist: new_histogram(),
            requests: 0,
            failed: 0,
            errors: [0; 5],
            bytes: 0,
            checks: vec![(0, 0); checks],
        }
    }

    pub(crate) fn merge(&mut self, other: &EndpointAcc) {
        // Both histograms auto-resize, so `add` cannot fail for range reasons.
        let _ = self.hist.add(&other.hist);
        self.requests += other.requests;
        self.failed += other.failed;
        for (a, b) in self.errors.iter_mut().zip(other.errors) {
            *a += b;
        }
        self.bytes += other.bytes;
        for (a, b) in self.checks.iter_mut().zip(&other.checks) {
            a.0 += b.0;
            a.1 += b.1;
        }
    }
}

/// Counters of one interval (about a second) on one worker, or merged over workers.
#[derive(Debug, Clone)]
pub(crate) struct IntervalAcc {
    pub hist: Histogram<u64>,
    pub requests: u64,
    pub failed: u64,
    pub checks_total: u64,
    pub checks_passed: u64,
}

impl IntervalAcc {
    pub(crate) fn new() -> Self {
        Self {
            hist: new_histogram(),
            requests: 0,
            failed: 0,
            checks_total: 0,
            checks_passed: 0,
        }
    }

    pub(crate) fn merge(&mut self, other: &IntervalAcc) {
        let _ = self.hist.add(&other.hist);
        self.requests += other.requests;
        self.failed += other.failed;
        self.checks_total += other.checks_total;
        self.checks_passed += other.checks_passed;
    }

    pub(crate) fn reset(&mut self) {
        self.hist.reset();
        self.requests = 0;
        self.failed = 0;
        self.checks_total = 0;
        self.checks_passed = 0;
    }

    pub(crate) fn metric_values(&self, elapsed_s: f64) -> MetricValues<'_> {
        MetricValues {
            latency_us: &self.hist,
            requests: self.requests,
            failed: self.failed,
            elapsed_s,
            checks_total: self.checks_total,
            checks_passed: self.checks_passed,
        }
    }
}

/// All accumulators of one worker thread.
#[derive(Debug, Clone)]
pub(crate) struct WorkerAcc {
    pub endpoints: Vec<EndpointAcc>,
    pub interval: IntervalAcc,
}

impl WorkerAcc {
    pub(crate) fn new(targets: &[Target]) -> Self {
        Self {
            endpoints: targets
                .iter()
                .map(|t| EndpointAcc::new(t.checks.len()))
                .collect(),
            interval: IntervalAcc::new(),
        }
    }

    /// Records one finished request. `latency_us` is `None` when the request produced no
    /// meaningful duration (a refused connection).
    pub(crate) fn record(
        &mut self,
        target: usize,
        outcome: Outcome,
        latency_us: Option<u64>,
        bytes: u64,
        checks: &[bool],
    ) {
        let failed = outcome.error_kind();
        let ep = &mut self.endpoints[target];
        ep.requests += 1;
        ep.bytes += bytes;
        self.interval.requests += 1;
        if let Some(kind) = failed {
            ep.failed += 1;
            ep.errors[kind.index()] += 1;
            self.interval.failed += 1;
        }
        if let Some(us) = latency_us {
            let _ = ep.hist.record(us);
            let _ = self.interval.hist.record(us);
        }
        for (acc, &ok) in ep.checks.iter_mut().zip(checks) {
            if ok {
                acc.0 += 1;
            } else {
                acc.1 += 1;
            }
        }
        self.interval.checks_total += checks.len() as u64;
        self.interval.checks_passed += checks.iter().filter(|&&c| c).count() as u64;
    }
}

/// Latency figures in milliseconds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LatencyMs {
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 95th percentile.
    pub p95: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Largest.
    pub max: f64,
    /// Mean.
    pub avg: f64,
    /// Smallest.
    pub min: f64,
}

impl LatencyMs {
    /// Reads the figures off a µs histogram (all zero when it is empty).
    pub fn from_histogram(h: &Histogram<u64>) -> Self {
        if h.is_empty() {
            return Self::default();
        }
        let ms = |us: u64| us as f64 / 1000.0;
        Self {
            p50: ms(h.value_at_quantile(0.50)),
            p90: ms(h.value_at_quantile(0.90)),
            p95: ms(h.value_at_quantile(0.95)),
            p99: ms(h.value_at_quantile(0.99)),
            max: ms(h.max()),
            avg: h.mean() / 1000.0,
            min: ms(h.min()),
        }
    }
}

/// One interval (about a second) of a load run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IntervalStats {
    /// Seconds since the run started, at the interval's end.
    pub t_s: f64,
    /// Requests completed in the interval.
    pub requests: u64,
    /// Of those, failed ones.
    pub failed: u64,
    /// Latency percentiles of the interval's requests, ms (0 when there were none).
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
}

impl IntervalStats {
    /// The figures of an interval's merged counters, ending `t_s` seconds into the run.
    pub(crate) fn of(acc: &IntervalAcc, t_s: f64) -> Self {
        let l = LatencyMs::from_histogram(&acc.hist);
        Self {
            t_s: (t_s * 1000.0).round() / 1000.0,
            requests: acc.requests,
            failed: acc.failed,
            p50_ms: l.p50,
            p95_ms: l.p95,
            p99_ms: l.p99,
        }
    }

    /// Failed share of the interval's requests.
    pub fn error_rate(&self) -> f64 {
        if self.requests == 0 {
            0.0
        } else {
            self.failed as f64 / self.requests as f64
        }
    }
}

/// Failed requests by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorCounts {
    /// Connect / TLS handshake failures.
    pub connect: u64,
    /// Requests without a complete answer within the timeout.
    pub timeout: u64,
    /// Answers with a 4xx status.
    pub status_4xx: u64,
    /// Answers with a 5xx status.
    pub status_5xx: u64,
    /// Other transport or protocol failures.
    pub other: u64,
}

impl ErrorCounts {
    fn from_array(a: [u64; 5]) -> Self {
        Self {
            connect: a[ErrorKind::Connect.index()],
            timeout: a[ErrorKind::Timeout.index()],
            status_4xx: a[ErrorKind::Status4xx.index()],
            status_5xx: a[ErrorKind::Status5xx.index()],
            other: a[ErrorKind::Other.index()],
        }
    }

    /// The count of one kind.
    pub fn get(&self, kind: ErrorKind) -> u64 {
        match kind {
            ErrorKind::Connect => self.connect,
            ErrorKind::Timeout => self.timeout,
            ErrorKind::Status4xx => self.status_4xx,
            ErrorKind::Status5xx => self.status_5xx,
            ErrorKind::Other => self.other,
        }
    }

    /// Sum over all kinds.
    pub fn total(&self) -> u64 {
        ErrorKind::ALL.iter().map(|&k| self.get(k)).sum()
    }
}

/// Passes and fails of one named check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckReport {
    /// The check's label.
    pub name: String,
    /// Responses that passed.
    pub passes: u64,
    /// Responses that failed.
    pub fails: u64,
}

/// Stats of one endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EndpointReport {
    /// The target's name.
    pub name: String,
    /// HTTP method.
    pub method: String,
    /// URL.
    pub url: String,
    /// Completed requests (including failed ones).
    pub requests: u64,
    /// Completed requests per second of the run.
    pub rps: f64,
    /// Latency of answered (and timed-out) requests.
    pub latency_ms: LatencyMs,
    /// Failed requests (transport errors and statuses ≥ 400).
    pub failed: u64,
    /// Failed share of `requests`.
    pub failed_rate: f64,
    /// Failed requests by kind.
    pub errors: ErrorCounts,
    /// Response body bytes received.
    pub bytes_received: u64,
    /// Checks of this endpoint.
    pub checks: Vec<CheckReport>,
}

/// The result of a load run; its `serde` form is the JSON summary.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoadReport {
    /// Completed requests (including failed ones).
    pub requests: u64,
    /// Completed requests per second.
    pub rps: f64,
    /// Latency over all endpoints.
    pub latency_ms: LatencyMs,
    /// Failed share of `requests` (k6 `http_req_failed` rate).
    pub failed_rate: f64,
    /// Failed requests.
    pub failed: u64,
    /// Failed requests by kind.
    pub errors: ErrorCounts,
    /// Threshold outcomes, in config order.
    pub thresholds: Vec<ThresholdResult>,
    /// Checks over all endpoints, by name (first-seen order).
    pub checks: Vec<CheckReport>,
    /// Passed share of all checks (0 when there were none).
    pub checks_rate: f64,
    /// Per-endpoint stats, in target order.
    pub endpoints: Vec<EndpointReport>,
    /// Wall time the requests were made in, seconds.
    pub duration_s: f64,
    /// Response body bytes received.
    pub bytes_received: u64,
    /// Most VUs (closed model) or connections (open model) the run used.
    pub vus_max: u32,
    /// Open model: arrivals that were due but never started before the run ended.
    pub dropped_iterations: u64,
    /// Why the run stopped early (an `abortOnFail` threshold), if it did.
    pub aborted: Option<String>,
    /// Worker threads used.
    pub threads: usize,
    /// The run second by second (about one entry a second, in order): what charts of
    /// latency and errors over time are drawn from. Absent from reports written before it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub intervals: Vec<IntervalStats>,
    /// All latencies (µs); kept for evaluating more thresholds after the run.
    #[serde(skip, default = "new_histogram")]
    pub latency_histogram: Histogram<u64>,
}

impl LoadReport {
    /// The values thresholds are evaluated on.
    pub fn metric_values(&self) -> MetricValues<'_> {
        let (total, passed) = self
            .checks
            .iter()
            .fold((0, 0), |(t, p), c| (t + c.passes + c.fails, p + c.passes));
        MetricValues {
            latency_us: &self.latency_histogram,
            requests: self.requests,
            failed: self.failed,
            elapsed_s: self.duration_s,
            checks_total: total,
            checks_passed: passed,
        }
    }

    /// Builds the report from the merged per-endpoint accumulators.
    pub(crate) fn build(
        targets: &[Target],
        merged: &[EndpointAcc],
        duration_s: f64,
        vus_max: u32,
        threads: usize,
    ) -> Self {
        let per_s = |n: u64| {
            if duration_s > 0.0 {
                n as f64 / duration_s
            } else {
                0.0
            }
        };
        let rate = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        let mut total_hist = new_histogram();
        let mut errors = [0u64; 5];
        let (mut requests, mut failed, mut bytes) = (0, 0, 0);
        let mut checks: Vec<CheckReport> = Vec::new();
        let mut endpoints = Vec::with_capacity(targets.len());
        for (t, acc) in targets.iter().zip(merged) {
            let _ = total_hist.add(&acc.hist);
            for (e, a) in errors.iter_mut().zip(acc.errors) {
                *e += a;
            }
            requests += acc.requests;
            failed += acc.failed;
            bytes += acc.bytes;
            let ep_checks: Vec<CheckReport> = t
                .checks
                .iter()
                .zip(&acc.checks)
                .map(|(c, &(passes, fails))| CheckReport {
                    name: c.name.clone(),
                    passes,
                    fails,
                })
                .collect();
            for c in &ep_checks {
                match checks.iter_mut().find(|x| x.name == c.name) {
                    Some(x) => {
                        x.passes += c.passes;
                        x.fails += c.fails;
                    }
                    None => checks.push(c.clone()),
                }
            }
            endpoints.push(EndpointReport {
                name: t.name.clone(),
                method: t.method.clone(),
                url: t.url.clone(),
                requests: acc.requests,
                rps: per_s(acc.requests),
                latency_ms: LatencyMs::from_histogram(&acc.hist),
                failed: acc.failed,
                failed_rate: rate(acc.failed, acc.requests),
                errors: ErrorCounts::from_array(acc.errors),
                bytes_received: acc.bytes,
                checks: ep_checks,
            });
        }
        let (ct, cp) = checks
            .iter()
            .fold((0, 0), |(t, p), c| (t + c.passes + c.fails, p + c.passes));
        LoadReport {
            requests,
            rps: per_s(requests),
            latency_ms: LatencyMs::from_histogram(&total_hist),
            failed_rate: rate(failed, requests),
            failed,
            errors: ErrorCounts::from_array(errors),
            thresholds: Vec::new(),
            checks,
            checks_rate: rate(cp, ct),
            endpoints,
            duration_s,
            bytes_received: bytes,
            vus_max,
            dropped_iterations: 0,
            aborted: None,
            threads,
            intervals: Vec::new(),
            latency_histogram: total_hist,
        }
    }

    /// Evaluates `thresholds` on this report and stores the results in `self.thresholds`.
    pub fn evaluate_thresholds(&mut self, thresholds: &[crate::threshold::Threshold]) {
        let results: Vec<ThresholdResult> = {
            let m = self.metric_values();
            thresholds.iter().map(|t| t.evaluate(&m)).collect()
        };
        self.thresholds = results;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Check, CheckPredicate, CompareOp};

    #[test]
    fn record_and_build() {
        let mut t = Target::get("http://x/");
        t.checks.push(Check {
            name: "ok".into(),
            predicate: CheckPredicate::Status {
                op: CompareOp::Eq,
                value: 200.0,
            },
        });
        let targets = vec![t];
        let mut w1 = WorkerAcc::new(&targets);
        let mut w2 = WorkerAcc::new(&targets);
        for i in 0..90 {
            w1.record(0, Outcome::Status(200), Some(1000 + i), 10, &[true]);
        }
        for _ in 0..9 {
            w2.record(0, Outcome::Status(503), Some(2000), 0, &[false]);
        }
        w2.record(0, Outcome::Error(ErrorKind::Connect), None, 0, &[]);
        let mut merged = w1.endpoints.clone();
        merged[0].merge(&w2.endpoints[0]);
        let r = LoadReport::build(&targets, &merged, 10.0, 2, 2);
        assert_eq!(r.requests, 100);
        assert_eq!(r.failed, 10);
        assert!((r.failed_rate - 0.1).abs() < 1e-12);
        assert_eq!(r.errors.status_5xx, 9);
        assert_eq!(r.errors.connect, 1);
        assert_eq!(r.latency_histogram.len(), 99);
        assert!((r.rps - 10.0).abs() < 1e-12);
        assert_eq!(r.checks[0].passes, 90);
        assert_eq!(r.checks[0].fails, 9);
        assert!((r.latency_ms.max - 2.0).abs() < 0.01);
    }
}
