//! One executable check: what to do (a [`Target`]), what to expect
//! ([`Expectation`]s), and how an observation is judged.

use crate::load_step::{LoadFigure, threshold_failures};
use crate::outcome::Status;
use crate::profile::Class;
use greenlight_load::{CompareOp, LoadConfig, LoadReport};
use serde::Serialize;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

/// What a check does. Strings may still hold `$VARS` and document hosts
/// until [`crate::plan::resolve`] fills them in.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
#[serde(tag = "probe", rename_all = "snake_case")]
pub enum Target {
    Http {
        method: String,
        url: String,
        headers: Vec<(String, String)>,
        body: Option<String>,
        insecure: bool,
        follow: bool,
        basic_auth: Option<String>,
        /// `curl -f`: a status of 400 or more fails the command.
        fail: bool,
        max_time: Option<f64>,
    },
    Tcp {
        host: String,
        port: u16,
    },
    Postgres {
        url: String,
        sql: String,
        /// Values of `$1`, `$2` … in `sql`, bound as text: run-time values that stood inside a
        /// quoted literal ([`crate::execute::resolve_target`] fills them in).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        params: Vec<String>,
    },
    Redis {
        url: String,
        args: Vec<String>,
    },
    #[serde(rename = "websocket")]
    WebSocket {
        url: String,
        headers: Vec<(String, String)>,
        insecure: bool,
    },
    Tls {
        host: String,
        port: u16,
        /// Minimum protocol version, e.g. `1.2`.
        min_version: Option<String>,
    },
    #[serde(rename = "clickhouse")]
    ClickHouse {
        url: String,
        sql: String,
    },
    Shell {
        script: String,
    },
    /// A load test (a k6 script block, an `ab`/`hey`/`wrk`/`oha` line).
    Load {
        /// `k6`, `ab`, `hey`, `wrk` or `oha`: what the document wrote.
        tool: String,
        config: LoadConfig,
    },
    /// A figure of the run's load tests, for a metric-table row.
    Metric {
        /// The row's metric name, as written.
        name: String,
        figure: LoadFigure,
        /// The load checks whose results it reads (worst value counts).
        from: Vec<usize>,
    },
}

impl Target {
    /// A plain HTTP request: no headers, no body, curl's defaults.
    pub fn request(method: impl Into<String>, url: impl Into<String>) -> Target {
        Target::Http {
            method: method.into(),
            url: url.into(),
            headers: Vec::new(),
            body: None,
            insecure: false,
            follow: false,
            basic_auth: None,
            fail: false,
            max_time: None,
        }
    }

    /// The probe's name, as reports show it.
    pub fn probe(&self) -> &'static str {
        match self {
            Target::Http { .. } => "http",
            Target::Tcp { .. } => "tcp",
            Target::Postgres { .. } => "postgres",
            Target::Redis { .. } => "redis",
            Target::WebSocket { .. } => "websocket",
            Target::Tls { .. } => "tls",
            Target::ClickHouse { .. } => "clickhouse",
            Target::Shell { .. } => "shell",
            Target::Load { .. } => "load",
            Target::Metric { .. } => "metric",
        }
    }

    /// The safety class of what this target would do, judged from the
    /// request itself (call it again after variables are filled in):
    /// an HTTP request is `read` only with GET, HEAD or OPTIONS, no body and
    /// no method-override header; TCP, TLS, WebSocket upgrades (which send
    /// no message) and metric figures read; a load test is `mutating`; SQL
    /// and Redis commands take their classifier's class. `None` for a shell
    /// step, whose class only its script's analysis knows.
    pub fn class(&self) -> Option<Class> {
        use crate::analyze::{classify, curl};
        Some(match self {
            Target::Http {
                method,
                headers,
                body,
                ..
            } => {
                // Exactly as sent: methods are case-sensitive, and the HTTP
                // probe's read-only mode accepts only these spellings.
                if matches!(method.as_str(), "GET" | "HEAD" | "OPTIONS")
                    && body.is_none()
                    && !headers.iter().any(|(k, _)| curl::is_method_override(k))
                {
                    Class::Read
                } else {
                    Class::Mutating
                }
            }
            Target::Tcp { .. } | Target::Tls { .. } | Target::WebSocket { .. } => Class::Read,
            Target::Metric { .. } => Class::Read,
            Target::Load { .. } => Class::Mutating,
            Target::Postgres { sql, .. } | Target::ClickHouse { sql, .. } => {
                classify::sql_class(sql)
            }
            Target::Redis { args, .. } => classify::redis_class(args),
            Target::Shell { .. } => return None,
        })
    }

    /// A one-line description: `GET http://…/health`, `psql: SELECT 1`.
    pub fn describe(&self) -> String {
        crate::subst::unprotect(&self.describe_raw())
    }

    fn describe_raw(&self) -> String {
        match self {
            Target::Http { method, url, .. } => format!("{method} {url}"),
            Target::Tcp { host, port } => format!("tcp connect {host}:{port}"),
            Target::Postgres { url, sql, .. } => {
                format!("psql {}: {}", strip_password(url), one_line(sql))
            }
            Target::Redis { url, args } => {
                format!("redis {}: {}", strip_password(url), args.join(" "))
            }
            Target::WebSocket { url, .. } => format!("websocket {url}"),
            Target::Tls { host, port, .. } => format!("tls {host}:{port}"),
            Target::ClickHouse { url, sql } => format!("clickhouse {url}: {}", one_line(sql)),
            Target::Shell { script } => format!("sh: {}", one_line(script)),
            Target::Load { tool, config } => {
                format!(
                    "load ({tool}): {}",
                    crate::load_step::describe_config(config)
                )
            }
            Target::Metric { name, .. } => format!("metric {name} from the run's load tests"),
        }
    }
}

/// What a string of a [`Target`] holds, so that walkers which treat kinds
/// differently (SQL is filled by SQL-aware rules, block-local variables fill
/// only request URLs, headers and bodies) can tell them apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// An HTTP method.
    Method,
    /// A URL: HTTP, WebSocket, database or load-target.
    Url,
    /// A bare host name (TCP, TLS).
    Host,
    /// A header value (names are fixed text).
    Header,
    /// A request body.
    Body,
    /// `user:password` for HTTP basic authentication.
    Auth,
    /// A Redis command word.
    Arg,
    /// SQL text (PostgreSQL, ClickHouse).
    Sql,
}

/// Pushes every string of a target that a `$VAR` or a document host can sit
/// in onto `$out` as `(Field, s)`, with `s` a `&String` or a `&mut String`
/// depending on how `$target` is borrowed (pass `mut` as a third argument
/// for the mutable walk). Left out on purpose: header
/// names, the Postgres `params` (run-time values, already filled), the TLS
/// minimum version, shell scripts (their variables come from the
/// environment), load tools, target names and methods, and metric rows.
macro_rules! visit_strings {
    ($target:expr, $out:ident $(, $mut:tt)?) => {
        match $target {
            Target::Http {
                method,
                url,
                headers,
                body,
                basic_auth,
                ..
            } => {
                $out.push((Field::Method, method));
                $out.push((Field::Url, url));
                for (_, v) in headers {
                    $out.push((Field::Header, v));
                }
                if let Some(b) = body {
                    $out.push((Field::Body, b));
                }
                if let Some(a) = basic_auth {
                    $out.push((Field::Auth, a));
                }
            }
            Target::Tcp { host, .. } | Target::Tls { host, .. } => $out.push((Field::Host, host)),
            Target::Postgres { url, sql, .. } | Target::ClickHouse { url, sql } => {
                $out.push((Field::Url, url));
                $out.push((Field::Sql, sql));
            }
            Target::Redis { url, args } => {
                $out.push((Field::Url, url));
                for a in args {
                    $out.push((Field::Arg, a));
                }
            }
            Target::WebSocket { url, headers, .. } => {
                $out.push((Field::Url, url));
                for (_, v) in headers {
                    $out.push((Field::Header, v));
                }
            }
            Target::Load { config, .. } => {
                for t in &$($mut)? config.targets {
                    $out.push((Field::Url, &$($mut)? t.url));
                    for (_, v) in &$($mut)? t.headers {
                        $out.push((Field::Header, v));
                    }
                    if let Some(b) = &$($mut)? t.body {
                        $out.push((Field::Body, b));
                    }
                }
            }
            Target::Shell { .. } | Target::Metric { .. } => {}
        }
    };
}

impl Target {
    /// Every string a `$VAR` or a document host can sit in, with what it
    /// holds, in a fixed order (see [`Field`]). A new field of a target is
    /// added here once, and every walker that fills, maps or reads
    /// variables sees it.
    pub fn strings(&self) -> Vec<(Field, &str)> {
        let mut out: Vec<(Field, &String)> = Vec::new();
        visit_strings!(self, out);
        out.into_iter().map(|(f, s)| (f, s.as_str())).collect()
    }

    /// [`Target::strings`], mutably: for filling variables in place.
    pub fn strings_mut(&mut self) -> Vec<(Field, &mut String)> {
        let mut out: Vec<(Field, &mut String)> = Vec::new();
        visit_strings!(self, out, mut);
        out
    }
}

fn one_line(s: &str) -> String {
    let line = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() > 100 {
        format!("{}…", line.chars().take(99).collect::<String>())
    } else {
        line
    }
}

fn strip_password(url: &str) -> String {
    // postgres://user:secret@host → postgres://user@host
    if let Some((scheme, rest)) = url.split_once("://")
        && let Some((userinfo, host)) = rest.split_once('@')
    {
        let user = userinfo.split(':').next().unwrap_or("");
        return format!("{scheme}://{user}@{host}");
    }
    url.to_string()
}

/// What must hold for a check to pass.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Expectation {
    Status {
        code: u16,
    },
    /// `2xx`: the first digit.
    StatusClass {
        class: u16,
    },
    /// Status below 400 (`curl -f`, or a request with no written expectation).
    StatusOk,
    JsonSubset {
        json: Value,
    },
    JsonPathEquals {
        path: String,
        value: Value,
    },
    Contains {
        text: String,
    },
    HeaderContains {
        name: String,
        value: String,
    },
    LatencyUnder {
        ms: u64,
    },
    /// The probe itself succeeded (connection made, query ran, exit code 0).
    Succeeds,
    /// TLS protocol at least this version.
    TlsAtLeast {
        version: String,
    },
    /// Certificate chain valid and not expired.
    CertificateValid,
    /// Words no recogniser can check: the item needs review.
    Unverifiable {
        text: String,
    },
    /// Every threshold of a load test held (and it was not aborted).
    LoadThresholds,
    /// The request was inferred from an item's words, with no command
    /// written: a 401 or 403 answer means the document gave no credentials
    /// for it, so the check needs review instead of failing.
    Inferred,
    /// A shell step's standard output, trimmed, is exactly this (numbers compare by value):
    /// `… | wc -l` with `# Expected: 0`.
    OutputEquals {
        text: String,
    },
    /// A shell step prints nothing on standard output (`git status --porcelain`
    /// with "No changes", `- Expected: No changes` after `git diff`).
    OutputEmpty,
    /// A search for error lines found none. Read inverted, as grep means it: exit 1 with no
    /// output (or a count of 0) passes as "no errors found"; exit 0 shows the matches and
    /// leaves the step *needs review*; any other exit fails. See [`crate::pipeline`].
    NoErrorMatches,
    /// Exit 0; exit 1 leaves the step *needs review*, since a `grep` in the pipeline exits 1
    /// when no line matched, which `pipefail` cannot tell from a failing command.
    SucceedsOrNoMatch,
    /// Exit 0, or 124 from the `timeout` that bounds a command which never ends by itself
    /// (`timeout 30 tail -f app.log`): being stopped is how it was written to end.
    SucceedsOrTimesOut,
    /// The exit code does not tell and nothing checkable was written: the step needs review,
    /// with its output shown.
    ReadOutput {
        why: String,
    },
    /// A load figure within a metric table's limit.
    Metric {
        figure: LoadFigure,
        op: CompareOp,
        limit: f64,
        /// The cell as written (`< 300ms`).
        written: String,
    },
}

impl Expectation {
    pub fn describe(&self) -> String {
        match self {
            Expectation::Status { code } => format!("status {code}"),
            Expectation::StatusClass { class } => format!("status {class}xx"),
            Expectation::StatusOk => "status < 400".into(),
            Expectation::JsonSubset { json } => format!("json ⊇ {json}"),
            Expectation::JsonPathEquals { path, value } => format!("json {path} == {value}"),
            Expectation::Contains { text } => format!("output contains {text:?}"),
            Expectation::HeaderContains { name, value } => {
                format!("header {name} contains {value:?}")
            }
            Expectation::LatencyUnder { ms } => format!("under {ms} ms"),
            Expectation::Succeeds => "succeeds".into(),
            Expectation::TlsAtLeast { version } => format!("TLS ≥ {version}"),
            Expectation::CertificateValid => "certificate valid and not expired".into(),
            Expectation::Unverifiable { text } => format!("“{text}” (not machine-checkable)"),
            Expectation::LoadThresholds => "every load threshold holds".into(),
            Expectation::Inferred => {
                "inferred from the item's words (401/403: needs credentials)".into()
            }
            Expectation::Metric { written, .. } => format!("measured value {written}"),
            Expectation::OutputEquals { text } => format!("output is {text:?}"),
            Expectation::OutputEmpty => "no output".into(),
            Expectation::NoErrorMatches => "the error search finds nothing".into(),
            Expectation::SucceedsOrNoMatch => "succeeds (exit 1: a grep matched nothing?)".into(),
            Expectation::SucceedsOrTimesOut => "succeeds or is stopped by its `timeout`".into(),
            Expectation::ReadOutput { why } => format!("a person reads the output ({why})"),
        }
    }
}

/// What a probe saw, in the terms expectations are checked against.
#[derive(Debug, Clone, Default)]
pub struct Observation {
    pub status: Option<u16>,
    pub body: String,
    pub headers: Vec<(String, String)>,
    pub duration: Duration,
    /// The probe's own failure (connection refused, non-zero exit), if any.
    pub error: Option<String>,
    pub tls_protocol: Option<String>,
    pub cert_problem: Option<String>,
    /// One line for people: `GET … → 200 in 3 ms`.
    pub summary: String,
    /// A load test's results.
    pub load: Option<Arc<LoadReport>>,
    /// A metric-table figure's measured value.
    pub metric: Option<f64>,
    /// A shell step's exit code (`None`: killed, timed out, or not a shell step).
    pub exit_code: Option<i32>,
    /// A shell step's standard output alone (`body` holds stdout then stderr).
    pub stdout: Option<String>,
    /// A shell step's standard error alone.
    pub stderr: Option<String>,
}

/// The judgement of one observation.
#[derive(Debug, Clone)]
pub struct Judgement {
    pub status: Status,
    pub expected: Vec<String>,
    pub failures: Vec<String>,
    pub unverified: Vec<String>,
}

/// Checks every expectation. A failed probe fails unless an expectation
/// asked for exactly that failure (a status code the server did send).
pub fn judge(expect: &[Expectation], obs: &Observation) -> Judgement {
    let mut failures = Vec::new();
    let mut unverified = Vec::new();
    let mut expected = Vec::new();
    // Expectations that read a shell's exit code themselves judge its failure.
    let reads_exit = expect.iter().any(|e| {
        matches!(
            e,
            Expectation::NoErrorMatches
                | Expectation::SucceedsOrNoMatch
                | Expectation::SucceedsOrTimesOut
        )
    });
    if let Some(err) = &obs.error
        && obs.status.is_none()
        && !reads_exit
    {
        failures.push(err.clone());
    }
    for e in expect {
        expected.push(e.describe());
        if let Some(why) = check_one(e, obs) {
            match why {
                Miss::Failed(msg) => failures.push(msg),
                Miss::Unverifiable(text) => unverified.push(text),
            }
        }
    }
    failures.dedup();
    if let Some(code @ (401 | 403)) = obs.status
        && expect.contains(&Expectation::Inferred)
        && !expect.contains(&Expectation::Status { code })
    {
        // The document wrote no request, so it gave no credentials: a
        // refusal says nothing about the release.
        unverified.push(format!(
            "needs credentials: the document gives none for this request (got {code})"
        ));
        failures.clear();
    }
    let status = if !failures.is_empty() {
        Status::Failed
    } else if !unverified.is_empty() {
        Status::NeedsReview
    } else {
        Status::Passed
    };
    Judgement {
        status,
        expected,
        failures,
        unverified,
    }
}

enum Miss {
    Failed(String),
    Unverifiable(String),
}

fn check_one(e: &Expectation, obs: &Observation) -> Option<Miss> {
    let fail = |m: String| Some(Miss::Failed(m));
    match e {
        Expectation::Status { code } => match obs.status {
            Some(s) if s == *code => None,
            Some(s) => fail(format!("expected status {code}, got {s}")),
            None => fail(format!("expected status {code}, got no response")),
        },
        Expectation::StatusClass { class } => match obs.status {
            Some(s) if s / 100 == *class => None,
            Some(s) => fail(format!("expected status {class}xx, got {s}")),
            None => fail(format!("expected status {class}xx, got no response")),
        },
        Expectation::StatusOk => match obs.status {
            Some(s) if s < 400 => None,
            Some(s) => fail(format!("expected status < 400, got {s}")),
            None => fail("expected a response, got none".into()),
        },
        Expectation::JsonSubset { json } => match serde_json::from_str::<Value>(obs.body.trim()) {
            Ok(actual) => match crate::json_match::compare(json, &actual) {
                crate::json_match::Match::Equal => None,
                crate::json_match::Match::ExampleDiffers(diffs) => {
                    Some(Miss::Unverifiable(diffs.join("; ")))
                }
                crate::json_match::Match::Differs(why) => fail(format!(
                    "expected json ⊇ {json}, got {} ({why})",
                    excerpt(&actual.to_string(), 200)
                )),
            },
            Err(_) => fail(format!(
                "expected json ⊇ {json}, got non-JSON {:?}",
                excerpt(&obs.body, 120)
            )),
        },
        Expectation::JsonPathEquals { path, value } => {
            let actual = serde_json::from_str::<Value>(obs.body.trim()).ok();
            match actual.as_ref().and_then(|a| json_path(a, path)) {
                Some(v) => match crate::json_match::compare_at(path, value, v) {
                    crate::json_match::Match::Equal => None,
                    crate::json_match::Match::ExampleDiffers(diffs) => {
                        Some(Miss::Unverifiable(diffs.join("; ")))
                    }
                    crate::json_match::Match::Differs(_) => {
                        fail(format!("expected {path} == {value}, got {v}"))
                    }
                },
                None => fail(format!("expected {path} == {value}, but {path} is absent")),
            }
        }
        Expectation::Contains { text } => {
            if crate::json_match::contains_text(&obs.body, text) {
                None
            } else {
                fail(format!(
                    "expected output to contain {text:?}, got {:?}",
                    excerpt(&obs.body, 160)
                ))
            }
        }
        Expectation::HeaderContains { name, value } => {
            let found = obs
                .headers
                .iter()
                .any(|(k, v)| k.eq_ignore_ascii_case(name) && v.contains(value.as_str()));
            if found {
                None
            } else {
                fail(format!("expected header {name} to contain {value:?}"))
            }
        }
        Expectation::LatencyUnder { ms } => {
            let took = obs.duration.as_millis() as u64;
            if took < *ms {
                None
            } else {
                fail(format!("expected under {ms} ms, took {took} ms"))
            }
        }
        Expectation::Succeeds => obs.error.as_ref().map(|e| Miss::Failed(e.clone())),
        Expectation::TlsAtLeast { version } => match &obs.tls_protocol {
            Some(p) if tls_rank(p) >= tls_rank(version) => None,
            Some(p) => fail(format!("expected TLS ≥ {version}, negotiated {p}")),
            None => fail(format!("expected TLS ≥ {version}, no handshake")),
        },
        Expectation::CertificateValid => obs
            .cert_problem
            .as_ref()
            .map(|p| Miss::Failed(format!("certificate: {p}"))),
        Expectation::Unverifiable { text } => Some(Miss::Unverifiable(text.clone())),
        Expectation::Inferred => None,
        Expectation::LoadThresholds => match &obs.load {
            Some(report) => {
                let failures = threshold_failures(report);
                (!failures.is_empty()).then(|| Miss::Failed(failures.join("; ")))
            }
            None => fail("the load test gave no results".into()),
        },
        Expectation::OutputEquals { text } => {
            let out = obs.stdout.as_deref().unwrap_or(&obs.body).trim();
            let want = text.trim();
            let same_number = match (out.parse::<f64>(), want.parse::<f64>()) {
                (Ok(a), Ok(b)) => a == b,
                _ => false,
            };
            if out == want || same_number {
                None
            } else {
                fail(format!(
                    "expected output {want:?}, got {:?}",
                    excerpt(out, 160)
                ))
            }
        }
        Expectation::OutputEmpty => {
            let out = obs.stdout.as_deref().unwrap_or(&obs.body).trim();
            if out.is_empty() {
                None
            } else {
                fail(format!("expected no output, got {:?}", excerpt(out, 160)))
            }
        }
        Expectation::NoErrorMatches => no_error_matches(obs),
        Expectation::SucceedsOrNoMatch => match obs.exit_code {
            Some(0) => None,
            Some(1) => Some(Miss::Unverifiable(format!(
                "exited with status 1: a grep in the pipeline matched nothing, or a command before it failed; output {:?}",
                excerpt(&obs.body, 160)
            ))),
            _ => Some(Miss::Failed(
                obs.error
                    .clone()
                    .unwrap_or_else(|| "the script failed".into()),
            )),
        },
        Expectation::SucceedsOrTimesOut => match obs.exit_code {
            Some(0 | 124) => None,
            _ => Some(Miss::Failed(
                obs.error
                    .clone()
                    .unwrap_or_else(|| "the script failed".into()),
            )),
        },
        Expectation::ReadOutput { why } => Some(Miss::Unverifiable(format!(
            "{why}; check the output: {:?}",
            excerpt(&obs.body, 300)
        ))),
        Expectation::Metric {
            figure,
            op,
            limit,
            written,
        } => match obs.metric {
            Some(v) if op.eval(v, *limit) => None,
            Some(v) => fail(format!("expected {written}, measured {}", figure.show(v))),
            None => fail(format!("expected {written}, but no load test measured it")),
        },
    }
}

/// An error search read as grep means it: exit 1 = no line matched = no errors found.
fn no_error_matches(obs: &Observation) -> Option<Miss> {
    let out = obs.stdout.as_deref().unwrap_or(&obs.body).trim();
    let err = obs.stderr.as_deref().unwrap_or("").trim();
    match obs.exit_code {
        // `grep -c` prints 0 when nothing matched.
        Some(1) if out.is_empty() || out == "0" => {
            if err.is_empty() {
                None
            } else {
                Some(Miss::Unverifiable(format!(
                    "the error search found nothing, but a command printed to stderr: {:?}; it may have failed, so the empty search proves nothing",
                    excerpt(err, 160)
                )))
            }
        }
        // Whether a matching line is a real failure (not `0 errors`, a handled retry) takes a
        // person: the step is not passed, and not failed on a word alone.
        Some(0) => {
            let lines = out.lines().count();
            Some(Miss::Unverifiable(format!(
                "the error search matched {lines} line(s); errors may have occurred: {:?}",
                excerpt(out, 300)
            )))
        }
        _ => Some(Miss::Failed(obs.error.clone().unwrap_or_else(|| {
            format!("the error search itself failed: {:?}", excerpt(err, 160))
        }))),
    }
}

fn tls_rank(v: &str) -> u32 {
    let digits: String = v.chars().filter(|c| c.is_ascii_digit()).collect();
    match digits.as_str() {
        "13" => 13,
        "12" => 12,
        "11" => 11,
        "10" | "1" => 10,
        _ => 0,
    }
}

/// Whether every part of `expected` is present in `actual`: objects by key,
/// arrays element-wise (each expected element matches some actual one),
/// scalars by value (numbers by numeric value).
pub fn is_subset(expected: &Value, actual: &Value) -> bool {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => e
            .iter()
            .all(|(k, v)| a.get(k).is_some_and(|av| is_subset(v, av))),
        (Value::Array(e), Value::Array(a)) => {
            e.iter().all(|ev| a.iter().any(|av| is_subset(ev, av)))
        }
        _ => values_equal(expected, actual),
    }
}

fn values_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

/// A tiny jq/JSONPath subset: `.a.b`, `.items[0].id`, `$.version`, `.[0]`.
pub fn json_path<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    let path = path.trim().trim_start_matches('$');
    let mut cur = value;
    let mut rest = path;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('.') {
            rest = r;
            if rest.is_empty() || rest.starts_with('[') {
                continue;
            }
            let end = rest.find(['.', '[']).unwrap_or(rest.len());
            let key = rest[..end].trim_matches('"');
            cur = cur.get(key)?;
            rest = &rest[end..];
        } else if let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']')?;
            let idx: usize = r[..end].trim().parse().ok()?;
            cur = cur.get(idx)?;
            rest = &r[end + 1..];
        } else {
            return None;
        }
    }
    Some(cur)
}

/// The first `max` characters of `s`, with an ellipsis if cut.
pub fn excerpt(s: &str, max: usize) -> String {
    let s = s.trim();
    if s.chars().count() <= max {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(max).collect::<String>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obs(status: u16, body: &str) -> Observation {
        Observation {
            status: Some(status),
            body: body.into(),
            ..Default::default()
        }
    }

    #[test]
    fn status_and_json_subset() {
        let expect = vec![
            Expectation::Status { code: 200 },
            Expectation::JsonSubset {
                json: json!({"status": "healthy"}),
            },
        ];
        assert_eq!(
            judge(&expect, &obs(200, r#"{"status":"healthy","v":1}"#)).status,
            Status::Passed
        );
        let j = judge(&expect, &obs(500, r#"{"status":"unhealthy"}"#));
        assert_eq!(j.status, Status::Failed);
        assert_eq!(j.failures.len(), 2);
        assert!(j.failures[0].contains("got 500"));
        let j = judge(&expect, &obs(200, "<html>"));
        assert!(j.failures[0].contains("non-JSON"));
    }

    #[test]
    fn unverifiable_never_passes() {
        let expect = vec![Expectation::Unverifiable {
            text: "Valid authorization URL".into(),
        }];
        assert_eq!(judge(&expect, &obs(200, "{}")).status, Status::NeedsReview);
        let mut with_status = expect.clone();
        with_status.push(Expectation::StatusOk);
        assert_eq!(judge(&with_status, &obs(502, "")).status, Status::Failed);
    }

    #[test]
    fn probe_errors_fail() {
        let o = Observation {
            error: Some("connect to 127.0.0.1:1 refused".into()),
            ..Default::default()
        };
        let j = judge(&[Expectation::Succeeds], &o);
        assert_eq!(j.status, Status::Failed);
        assert_eq!(
            j.failures,
            vec!["connect to 127.0.0.1:1 refused".to_string()]
        );
        // An empty expectation list still fails on a probe error.
        assert_eq!(judge(&[], &o).status, Status::Failed);
    }

    #[test]
    fn subsets_and_paths() {
        assert!(is_subset(&json!({"a": [1]}), &json!({"a": [3, 1], "b": 2})));
        assert!(!is_subset(&json!({"a": "1"}), &json!({"a": 1})));
        assert!(is_subset(&json!(1.0), &json!(1)));
        let v = json!({"items": [{"id": "s-1"}], "version": "8.0.0"});
        assert_eq!(json_path(&v, ".items[0].id"), Some(&json!("s-1")));
        assert_eq!(json_path(&v, "$.version"), Some(&json!("8.0.0")));
        assert_eq!(json_path(&v, ".nope"), None);
        assert_eq!(json_path(&json!([5]), ".[0]"), Some(&json!(5)));
    }

    fn http(method: &str, headers: Vec<(String, String)>, body: Option<String>) -> Target {
        Target::Http {
            method: method.into(),
            url: "http://127.0.0.1:1/".into(),
            headers,
            body,
            insecure: false,
            follow: true,
            basic_auth: None,
            fail: false,
            max_time: None,
        }
    }

    #[test]
    fn strings_cover_every_variable_place() {
        let mut t = http("$M", vec![("X-A".into(), "$H".into())], Some("$B".into()));
        if let Target::Http { basic_auth, .. } = &mut t {
            *basic_auth = Some("$U".into());
        }
        let fields: Vec<(Field, &str)> = t.strings();
        assert_eq!(
            fields,
            vec![
                (Field::Method, "$M"),
                (Field::Url, "http://127.0.0.1:1/"),
                (Field::Header, "$H"),
                (Field::Body, "$B"),
                (Field::Auth, "$U"),
            ]
        );
        for (_, s) in t.strings_mut() {
            s.push('!');
        }
        assert!(t.strings().iter().all(|(_, s)| s.ends_with('!')));
        let mut pg = Target::Postgres {
            url: "$DB".into(),
            sql: "SELECT $1".into(),
            params: vec!["p".into()],
        };
        let fields: Vec<Field> = pg.strings_mut().into_iter().map(|(f, _)| f).collect();
        assert_eq!(fields, vec![Field::Url, Field::Sql]);
        let mut config = LoadConfig::closed("$BASE/x", 1, Duration::from_secs(1));
        config.targets[0].headers.push(("A".into(), "$T".into()));
        config.targets[0].body = Some("$B".into());
        let mut load = Target::Load {
            tool: "k6".into(),
            config,
        };
        for (_, s) in load.strings_mut() {
            *s = s.replace('$', "#");
        }
        let texts: Vec<&str> = load.strings().into_iter().map(|(_, s)| s).collect();
        assert_eq!(texts, vec!["#BASE/x", "#T", "#B"]);
        let shell = Target::Shell {
            script: "echo $X".into(),
        };
        assert!(shell.strings().is_empty());
    }

    #[test]
    fn classes_come_from_the_request() {
        for m in ["GET", "HEAD", "OPTIONS"] {
            assert_eq!(http(m, vec![], None).class(), Some(Class::Read));
        }
        for m in ["POST", "DELETE", "PUT", "PATCH", "get", "$M", ""] {
            assert_eq!(http(m, vec![], None).class(), Some(Class::Mutating), "{m}");
        }
        assert_eq!(
            http("GET", vec![], Some(String::new())).class(),
            Some(Class::Mutating)
        );
        let o = vec![("x-http-method-override".to_string(), "GET".to_string())];
        assert_eq!(http("GET", o, None).class(), Some(Class::Mutating));
        let tcp = Target::Tcp {
            host: "h".into(),
            port: 1,
        };
        assert_eq!(tcp.class(), Some(Class::Read));
        let shell = Target::Shell {
            script: "ls".into(),
        };
        assert_eq!(shell.class(), None);
        let load = Target::Load {
            tool: "k6".into(),
            config: greenlight_load::LoadConfig::closed("http://x/", 1, Duration::from_secs(1)),
        };
        assert_eq!(load.class(), Some(Class::Mutating));
    }

    proptest::proptest! {
        /// A request with a non-read method, a body or a method-override
        /// header is never `read`, however the header name is cased.
        #[test]
        fn writes_are_never_read(
            method in "[A-Za-z]{0,8}",
            body in proptest::option::of("\\PC{0,8}"),
            override_name in proptest::sample::select(vec!["X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override"]),
            upper in proptest::collection::vec(proptest::bool::ANY, 24),
            with_override in proptest::bool::ANY,
        ) {
            let name: String = override_name
                .chars()
                .zip(&upper)
                .map(|(c, u)| if *u { c.to_ascii_uppercase() } else { c.to_ascii_lowercase() })
                .collect();
            let headers = if with_override { vec![(name, "GET".to_string())] } else { vec![] };
            let writes = !matches!(method.as_str(), "GET" | "HEAD" | "OPTIONS")
                || body.is_some()
                || with_override;
            let class = http(&method, headers, body).class();
            proptest::prop_assert_eq!(class == Some(Class::Read), !writes);
        }
    }

    #[test]
    fn inferred_requests_refused_need_credentials() {
        let expect = vec![Expectation::Status { code: 200 }, Expectation::Inferred];
        for code in [401, 403] {
            let j = judge(&expect, &obs(code, ""));
            assert_eq!(j.status, Status::NeedsReview, "{code}");
            assert!(j.failures.is_empty());
            assert!(j.unverified[0].starts_with("needs credentials"));
        }
        assert_eq!(judge(&expect, &obs(500, "")).status, Status::Failed);
        assert_eq!(judge(&expect, &obs(200, "")).status, Status::Passed);
        // Written requests keep failing on 401.
        assert_eq!(
            judge(&[Expectation::Status { code: 200 }], &obs(401, "")).status,
            Status::Failed
        );
        // An item that says "returns 401" is judged as written.
        let e401 = vec![Expectation::Status { code: 401 }, Expectation::Inferred];
        assert_eq!(judge(&e401, &obs(401, "")).status, Status::Passed);
    }

    #[test]
    fn tls_versions() {
        let o = Observation {
            tls_protocol: Some("TLSv1.2".into()),
            ..Default::default()
        };
        assert_eq!(
            judge(
                &[Expectation::TlsAtLeast {
                    version: "1.2".into()
                }],
                &o
            )
            .status,
            Status::Passed
        );
        assert_eq!(
            judge(
                &[Expectation::TlsAtLeast {
                    version: "1.3".into()
                }],
                &o
            )
            .status,
            Status::Failed
        );
    }
}
