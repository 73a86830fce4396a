//! The plain data a load run is described by: targets, the load model, limits.
//!
//! Everything here is `serde`-able and free of I/O; [`crate::run`] turns a [`LoadConfig`] into
//! traffic. [`parse_duration`] reads the duration spellings of k6, wrk, hey and oha (`2m`,
//! `1h30m`, `500ms`, `10` = seconds).

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::LoadError;
use crate::threshold::Threshold;

/// One HTTP endpoint to load: what to send and what to check on each answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Target {
    /// Name used in per-endpoint stats (k6's `name` tag); defaults to `METHOD url`.
    pub name: String,
    /// HTTP method, upper case (`GET`, `POST`, …).
    pub method: String,
    /// Absolute `http://` or `https://` URL.
    pub url: String,
    /// Extra request headers, in order.
    pub headers: Vec<(String, String)>,
    /// Request body, if any.
    pub body: Option<String>,
    /// k6-style checks run on every response of this target.
    pub checks: Vec<Check>,
}

impl Target {
    /// A `GET url` target without headers, body or checks.
    pub fn get(url: impl Into<String>) -> Self {
        Self::new("GET", url)
    }

    /// A target with the given method and URL, named `METHOD url`.
    pub fn new(method: impl Into<String>, url: impl Into<String>) -> Self {
        let method = method.into().to_ascii_uppercase();
        let url = url.into();
        Self {
            name: format!("{method} {url}"),
            method,
            url,
            headers: Vec::new(),
            body: None,
            checks: Vec::new(),
        }
    }
}

/// A named predicate over a response (k6's `check(res, { name: (r) => … })`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Check {
    /// The check's label, as written in the script.
    pub name: String,
    /// What is tested.
    pub predicate: CheckPredicate,
}

/// The response properties a [`Check`] can test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CheckPredicate {
    /// `r.status <op> N`.
    Status {
        /// Comparison.
        op: CompareOp,
        /// Right-hand side.
        value: f64,
    },
    /// `r.timings.duration <op> N` (milliseconds).
    DurationMs {
        /// Comparison.
        op: CompareOp,
        /// Right-hand side in ms.
        value: f64,
    },
    /// `r.body.includes('text')` (negated with `!`).
    BodyContains {
        /// The text searched for.
        text: String,
        /// `true` for `!r.body.includes(…)`.
        negate: bool,
    },
}

impl CheckPredicate {
    /// Whether this predicate needs the response body kept in memory.
    pub fn needs_body(&self) -> bool {
        matches!(self, CheckPredicate::BodyContains { .. })
    }

    /// Evaluates the predicate on a response.
    pub fn eval(&self, status: u16, duration_ms: f64, body: &[u8]) -> bool {
        match self {
            CheckPredicate::Status { op, value } => op.eval(f64::from(status), *value),
            CheckPredicate::DurationMs { op, value } => op.eval(duration_ms, *value),
            CheckPredicate::BodyContains { text, negate } => {
                let found =
                    text.is_empty() || body.windows(text.len()).any(|w| w == text.as_bytes());
                found != *negate
            }
        }
    }
}

/// A numeric comparison operator, as in k6 threshold and check expressions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CompareOp {
    /// `<`
    #[serde(rename = "<")]
    Lt,
    /// `<=`
    #[serde(rename = "<=")]
    Le,
    /// `>`
    #[serde(rename = ">")]
    Gt,
    /// `>=`
    #[serde(rename = ">=")]
    Ge,
    /// `==` (also written `===`)
    #[serde(rename = "==")]
    Eq,
    /// `!=` (also written `!==`)
    #[serde(rename = "!=")]
    Ne,
}

impl CompareOp {
    /// `lhs <op> rhs`.
    pub fn eval(self, lhs: f64, rhs: f64) -> bool {
        match self {
            CompareOp::Lt => lhs < rhs,
            CompareOp::Le => lhs <= rhs,
            CompareOp::Gt => lhs > rhs,
            CompareOp::Ge => lhs >= rhs,
            CompareOp::Eq => lhs == rhs,
            CompareOp::Ne => lhs != rhs,
        }
    }

    /// The canonical spelling (`<`, `<=`, `>`, `>=`, `==`, `!=`).
    pub fn as_str(self) -> &'static str {
        match self {
            CompareOp::Lt => "<",
            CompareOp::Le => "<=",
            CompareOp::Gt => ">",
            CompareOp::Ge => ">=",
            CompareOp::Eq => "==",
            CompareOp::Ne => "!=",
        }
    }
}

/// How an iteration picks its requests when there are several targets.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Selection {
    /// Each iteration sends one request; targets take turns.
    #[default]
    RoundRobin,
    /// Each iteration sends every target once, in order (a k6 default function).
    Sequence,
}

/// The load model: who decides when the next request starts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LoadModel {
    /// Closed model: `vus` virtual users, each waits for its answer (then `think_time`) before
    /// the next iteration. With `stages`, the number of active VUs ramps linearly from `vus`
    /// to each stage's target over the stage's duration (k6 `ramping-vus`).
    Closed {
        /// VUs at the start (the whole run when `stages` is empty).
        vus: u32,
        /// Pause after each iteration (k6 `sleep(…)` at the end of the default function).
        think_time: Duration,
        /// `(duration, target VUs)` ramps.
        stages: Vec<(Duration, u32)>,
    },
    /// Open model: iterations start at `rate` per second whatever the answers do (k6
    /// `constant-arrival-rate` / `ramping-arrival-rate`). Latency counts from each request's
    /// *intended* start, so a stalled server cannot hide behind a slowed-down client.
    Open {
        /// Iterations per second at the start (the whole run when `stages` is empty).
        rate: f64,
        /// `(duration, target rate)` ramps.
        stages: Vec<(Duration, f64)>,
        /// Connections (VUs) serving the arrivals; at most this many requests in flight.
        connections: u32,
    },
}

impl LoadModel {
    /// The number of VUs / connections the run needs at most.
    pub fn max_vus(&self) -> u32 {
        match self {
            LoadModel::Closed { vus, stages, .. } => stages
                .iter()
                .map(|&(_, t)| t)
                .chain(std::iter::once(*vus))
                .max()
                .unwrap_or(0),
            LoadModel::Open { connections, .. } => *connections,
        }
    }

    /// Total length of the stages (zero without stages).
    pub fn stages_duration(&self) -> Duration {
        match self {
            LoadModel::Closed { stages, .. } => stages.iter().map(|s| s.0).sum(),
            LoadModel::Open { stages, .. } => stages.iter().map(|s| s.0).sum(),
        }
    }
}

/// The request timeout when none is given: k6's default (`params.timeout`, 60 s).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// Everything a load run needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoadConfig {
    /// Endpoints to load (at least one).
    pub targets: Vec<Target>,
    /// How iterations pick targets.
    pub selection: Selection,
    /// Closed or open model.
    pub model: LoadModel,
    /// Run length. `None` means the stages' total, or (without stages) until `max_requests`.
    pub duration: Option<Duration>,
    /// Timeout of one request (connect included); [`DEFAULT_TIMEOUT`] by default.
    pub timeout: Duration,
    /// Speak HTTP/2 (ALPN `h2` over TLS, prior knowledge over plain TCP).
    pub http2: bool,
    /// Reuse connections (keep-alive); `false` opens a connection per request (`ab` without `-k`).
    pub keep_alive: bool,
    /// Stop after this many requests have been started.
    pub max_requests: Option<u64>,
    /// k6 thresholds, evaluated at the end; those with `abort_on_fail` also every second.
    pub thresholds: Vec<Threshold>,
    /// Worker threads (each runs its own single-threaded runtime); `None` = available cores.
    pub threads: Option<usize>,
}

impl LoadConfig {
    /// A closed-model config: `vus` connections hammering `url` with GET for `duration`.
    pub fn closed(url: impl Into<String>, vus: u32, duration: Duration) -> Self {
        Self {
            targets: vec![Target::get(url)],
            selection: Selection::RoundRobin,
            model: LoadModel::Closed {
                vus,
                think_time: Duration::ZERO,
                stages: Vec::new(),
            },
            duration: Some(duration),
            timeout: DEFAULT_TIMEOUT,
            http2: false,
            keep_alive: true,
            max_requests: None,
            thresholds: Vec::new(),
            threads: None,
        }
    }

    /// An open-model config: GET `url` at `rate` per second for `duration`.
    pub fn open(url: impl Into<String>, rate: f64, connections: u32, duration: Duration) -> Self {
        Self {
            model: LoadModel::Open {
                rate,
                stages: Vec::new(),
                connections,
            },
            ..Self::closed(url, 0, duration)
        }
    }

    /// The effective run length: `duration`, else the stages' total; `None` if neither is set
    /// (then only `max_requests` ends the run).
    pub fn effective_duration(&self) -> Option<Duration> {
        match self.duration {
            Some(d) => Some(d),
            None => {
                let s = self.model.stages_duration();
                (!s.is_zero()).then_some(s)
            }
        }
    }

    /// Checks the config for mistakes that would make a run meaningless.
    pub fn validate(&self) -> Result<(), LoadError> {
        let bad = |m: String| Err(LoadError::InvalidConfig(m));
        if self.targets.is_empty() {
            return bad("no targets".into());
        }
        for t in &self.targets {
            if !(t.url.starts_with("http://") || t.url.starts_with("https://")) {
                return bad(format!(
                    "URL must start with http:// or https://: {}",
                    t.url
                ));
            }
            if t.url.contains("${") {
                return bad(format!(
                    "URL still has an unresolved placeholder: {}",
                    t.url
                ));
            }
            if t.method.is_empty() || !t.method.bytes().all(|b| b.is_ascii_alphabetic()) {
                return bad(format!("bad HTTP method {:?}", t.method));
            }
        }
        if self.timeout.is_zero() {
            return bad("timeout must be positive".into());
        }
        if self.effective_duration().is_none() && self.max_requests.is_none() {
            return bad("neither a duration, stages nor max_requests bound the run".into());
        }
        if self.max_requests == Some(0) {
            return bad("max_requests is 0".into());
        }
        match &self.model {
            LoadModel::Closed { .. } => {
                if self.model.max_vus() == 0 {
                    return bad("closed model needs at least one VU".into());
                }
            }
            LoadModel::Open {
                rate,
                stages,
                connections,
            } => {
                if *connections == 0 {
                    return bad("open model needs at least one connection".into());
                }
                let rates = std::iter::once(*rate).chain(stages.iter().map(|s| s.1));
                for r in rates {
                    if !r.is_finite() || r < 0.0 {
                        return bad(format!("bad arrival rate {r}"));
                    }
                }
                if *rate == 0.0 && stages.iter().all(|s| s.1 == 0.0) {
                    return bad("open model with a zero arrival rate".into());
                }
            }
        }
        if self.threads == Some(0) {
            return bad("threads must be at least 1".into());
        }
        Ok(())
    }
}

/// A live progress line, sent about once a second through the `progress` channel of
/// [`crate::run`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// Time since the run started.
    pub elapsed: Duration,
    /// Requests completed so far.
    pub requests: u64,
    /// Requests per second over the last interval.
    pub rps: f64,
    /// p95 latency over the last interval, in milliseconds.
    pub p95_ms: f64,
    /// Failed share of the requests of the last interval (0..=1).
    pub error_rate: f64,
    /// VUs currently active (closed model) or connections (open model).
    pub active_vus: u32,
}

/// Parses a duration as k6, wrk, hey and oha spell them, and as greenlight's profiles and
/// annotations do: a sequence of `<number><unit>` (`1h30m`, `500ms`, `1.5s`) with units `h`,
/// `m`/`min`, `s`/`sec`/`secs`, `ms`, `us`/`µs`, `ns`, and spaces allowed between a number and
/// its unit (`10 s`); a bare number means seconds. The one duration grammar of the workspace
/// (greenlight-run's `profile::parse_duration` is this function). Durations of 10^12 seconds or
/// more are refused: clock arithmetic on them would overflow.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let s = text.trim();
    if s.is_empty() {
        return None;
    }
    if let Ok(secs) = s.parse::<f64>() {
        return (0.0..1e12)
            .contains(&secs)
            .then(|| Duration::from_secs_f64(secs));
    }
    let mut total = 0f64;
    let mut rest = s;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if num_len == 0 {
            return None;
        }
        let n: f64 = rest[..num_len].parse().ok()?;
        rest = rest[num_len..].trim_start();
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.' || c.is_whitespace())
            .unwrap_or(rest.len());
        let factor = match &rest[..unit_len] {
            "h" => 3600.0,
            "m" | "min" => 60.0,
            "s" | "sec" | "secs" => 1.0,
            "ms" => 1e-3,
            "us" | "µs" => 1e-6,
            "ns" => 1e-9,
            _ => return None,
        };
        total += n * factor;
        rest = &rest[unit_len..];
    }
    (total.is_finite() && total < 1e12).then(|| Duration::from_secs_f64(total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("2m"), Some(Duration::from_secs(120)));
        assert_eq!(parse_duration("1h30m"), Some(Duration::from_secs(5400)));
        assert_eq!(parse_duration("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse_duration("10"), Some(Duration::from_secs(10)));
        assert_eq!(parse_duration("1.5s"), Some(Duration::from_millis(1500)));
        assert_eq!(parse_duration("10x"), None);
        assert_eq!(parse_duration(""), None);
        assert_eq!(parse_duration("s"), None);
        // The spellings profiles and annotations used to accept on their own.
        assert_eq!(parse_duration(" 10 s "), Some(Duration::from_secs(10)));
        assert_eq!(parse_duration("2min"), Some(Duration::from_secs(120)));
        assert_eq!(parse_duration("3 secs"), Some(Duration::from_secs(3)));
        assert_eq!(parse_duration("1sec"), Some(Duration::from_secs(1)));
        assert_eq!(parse_duration("1h 30m"), None);
        assert_eq!(parse_duration("10s "), Some(Duration::from_secs(10)));
        assert_eq!(parse_duration("-1s"), None);
        assert_eq!(parse_duration("1e12"), None);
        assert_eq!(
            parse_duration("999999999999s"),
            Some(Duration::from_secs(999_999_999_999))
        );
        assert_eq!(parse_duration("1000000000000s"), None);
    }

    #[test]
    fn body_contains() {
        let p = CheckPredicate::BodyContains {
            text: "ok".into(),
            negate: false,
        };
        assert!(p.eval(200, 1.0, b"is ok"));
        assert!(!p.eval(200, 1.0, b"nope"));
    }

    #[test]
    fn validate_rejects_placeholders() {
        let c = LoadConfig::closed("${__ENV.BASE_URL}/x", 1, Duration::from_secs(1));
        assert!(c.validate().is_err());
        let c = LoadConfig::closed("http://127.0.0.1:1/x", 1, Duration::from_secs(1));
        assert!(c.validate().is_ok());
    }
}
