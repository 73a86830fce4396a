//! Short load bursts as a watch window's metric source: a few seconds of
//! modest, bounded load at one endpoint of the document's load test, read
//! back as latency percentiles (seconds) and an error rate (a fraction).
//!
//! It lives here rather than in `greenlight-load` because finding the
//! target needs the plan builder of `greenlight-run`, which itself depends
//! on `greenlight-load`.

use greenlight_doc::Checklist;
use greenlight_load::{LoadConfig, LoadReport};
use greenlight_run::check::Target;
use greenlight_run::plan::{self, Gate};
use greenlight_run::profile::{Class, Profile};
use greenlight_run::redact::Redactor;
use greenlight_watch::source::{Sample, SampleFuture, Source, SourceError};
use greenlight_watch::thresholds::Metric;
use std::time::Duration;

/// How big a burst is. The defaults are deliberately small: a burst runs
/// against a service in production, every tick of a watch window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BurstSize {
    /// How long requests are started for.
    pub duration: Duration,
    /// Requests started per second (open model: latency counts from each
    /// request's intended start, so a slow service cannot hide).
    pub rate: f64,
    /// Connections the requests share.
    pub connections: u32,
    /// Timeout of each request, connect included.
    pub timeout: Duration,
}

impl Default for BurstSize {
    /// 2 s at 20 requests/s over 4 connections, 2 s per request.
    fn default() -> Self {
        BurstSize {
            duration: Duration::from_secs(2),
            rate: 20.0,
            connections: 4,
            timeout: Duration::from_secs(2),
        }
    }
}

impl BurstSize {
    /// The longest a burst can take: its duration, then at most one
    /// timeout for requests still in flight, and a second of slack.
    pub fn bound(&self) -> Duration {
        self.duration + self.timeout + Duration::from_secs(1)
    }
}

/// A [`Source`] that runs a short load burst at one endpoint each tick.
#[derive(Debug, Clone)]
pub struct BurstSource {
    target: greenlight_load::Target,
    size: BurstSize,
    origin: String,
    redactor: Redactor,
}

/// Why a checklist gives no burst target.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no load burst: {0}")]
pub struct NoBurst(pub String);

impl BurstSource {
    /// A burst at `target` (its method, URL, headers and body are sent as
    /// they are); `origin` names it in samples and errors (`burst L150`).
    pub fn new(
        target: greenlight_load::Target,
        size: BurstSize,
        origin: impl Into<String>,
    ) -> Self {
        BurstSource {
            target,
            size,
            origin: origin.into(),
            redactor: Redactor::new(Vec::new()),
        }
    }

    /// The first endpoint of the document's first load test (a k6 block,
    /// an `ab`/`hey`/`wrk`/`oha` line or `k6 run FILE`), as `greenlight run`
    /// plans it: the profile's variables filled in and its `[hosts]`
    /// mapped. A burst is a load test, so the profile must allow load
    /// (`--allow load` or mutating); otherwise, and when the document has
    /// no load test greenlight can run natively, the error says why.
    pub fn from_checklist(
        list: &Checklist,
        checklist_name: &str,
        profile: &Profile,
        size: BurstSize,
    ) -> Result<BurstSource, NoBurst> {
        let plan = plan::build(
            list,
            checklist_name,
            profile,
            &greenlight_run::analyze::analyze_block,
            &|p| greenlight_probe::find_program(p).is_some(),
        );
        let mut reasons = Vec::new();
        for check in &plan.checks {
            let Target::Load { config, .. } = &check.target else {
                continue;
            };
            if let Gate::Blocked { reason } = &check.gate {
                reasons.push(format!(
                    "L{}: the load test is blocked: {reason}",
                    check.line
                ));
                continue;
            }
            let Some(first) = config.targets.first() else {
                continue;
            };
            if !(profile.allow_load || profile.is_allowed(Class::Mutating)) {
                return Err(NoBurst(format!(
                    "L{}: a burst is load on the service; allow it with --allow load",
                    check.line
                )));
            }
            let lookup = |name: &str| profile.vars.get(name).map(|v| v.value.clone());
            let one = Target::Load {
                tool: "burst".into(),
                config: LoadConfig {
                    targets: vec![first.clone()],
                    ..config.clone()
                },
            };
            let resolved = match greenlight_run::execute::resolve_target(&one, &lookup) {
                Ok(Target::Load { config, .. }) => config,
                Ok(_) => continue,
                Err(unresolved) => {
                    reasons.push(format!("L{}: {}", check.line, unresolved.reason()));
                    continue;
                }
            };
            let Some(target) = resolved.targets.into_iter().next() else {
                continue;
            };
            let mut source = BurstSource::new(target, size, format!("burst L{}", check.line));
            source.redactor = Redactor::new(profile.secrets());
            return Ok(source);
        }
        if reasons.is_empty() {
            Err(NoBurst(format!(
                "{checklist_name} has no load test greenlight runs natively (a k6 block, or an ab, hey, wrk, oha or `k6 run` line)"
            )))
        } else {
            Err(NoBurst(reasons.join("; ")))
        }
    }

    /// The endpoint's URL (secrets redacted), for the live view.
    pub fn url(&self) -> String {
        self.redactor.redact(&self.target.url)
    }

    /// The burst's size.
    pub fn size(&self) -> BurstSize {
        self.size
    }

    /// Where the samples come from (`burst L150`).
    pub fn origin(&self) -> &str {
        &self.origin
    }

    fn config(&self) -> LoadConfig {
        let mut config = LoadConfig::open(
            self.target.url.clone(),
            self.size.rate,
            self.size.connections,
            self.size.duration,
        );
        config.targets = vec![self.target.clone()];
        config.timeout = self.size.timeout;
        // One worker thread: a burst is small, and the watch shares the machine.
        config.threads = Some(1);
        config
    }

    async fn burst(&self) -> Result<Vec<Sample>, SourceError> {
        let error = |message: String| SourceError {
            origin: self.origin.clone(),
            message: self.redactor.redact(&message),
        };
        let run = greenlight_load::run(self.config(), None);
        let report = tokio::time::timeout(self.size.bound(), run)
            .await
            .map_err(|_| {
                error(format!(
                    "the burst did not end within {} ms",
                    self.size.bound().as_millis()
                ))
            })?
            .map_err(|e| error(e.to_string()))?;
        samples(&report, &self.origin).map_err(error)
    }
}

/// The samples of one burst's report: p50, p95 and p99 latency in seconds
/// and the failed share of requests. A burst in which no request completed
/// gives none, and one with no timed response no latency (a latency of 0
/// would read as healthy).
fn samples(report: &LoadReport, origin: &str) -> Result<Vec<Sample>, String> {
    if report.requests == 0 {
        return Err("no request completed during the burst".into());
    }
    let sample = |metric: Metric, value: f64| Sample {
        metric,
        value,
        origin: origin.to_string(),
    };
    let latency = |p: u8, ms: f64| {
        sample(
            Metric::Latency {
                percentile: Some(p),
            },
            ms / 1000.0,
        )
    };
    let mut samples = Vec::with_capacity(4);
    // No response timed (every connection refused, say): no latency, for
    // an empty histogram reads 0 s, the fastest service there is.
    if !report.latency_histogram.is_empty() {
        samples.extend([
            latency(50, report.latency_ms.p50),
            latency(95, report.latency_ms.p95),
            latency(99, report.latency_ms.p99),
        ]);
    }
    samples.push(sample(Metric::ErrorRate, report.failed_rate));
    Ok(samples)
}

impl Source for BurstSource {
    fn name(&self) -> &str {
        "burst"
    }

    fn sample(&mut self) -> SampleFuture<'_> {
        Box::pin(self.burst())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::Router;
    use axum::http::StatusCode;
    use axum::routing::get;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

    /// A stand-in whose delay and failure are set by the test.
    #[derive(Clone, Default)]
    struct Knobs {
        delay_ms: Arc<AtomicU64>,
        fail: Arc<AtomicBool>,
        hits: Arc<AtomicU64>,
    }

    async fn stand_in(knobs: Knobs) -> String {
        let app = Router::new().route(
            "/api/health",
            get(move || {
                let knobs = knobs.clone();
                async move {
                    knobs.hits.fetch_add(1, Ordering::Relaxed);
                    let delay = knobs.delay_ms.load(Ordering::Relaxed);
                    if delay > 0 {
                        tokio::time::sleep(Duration::from_millis(delay)).await;
                    }
                    if knobs.fail.load(Ordering::Relaxed) {
                        (StatusCode::INTERNAL_SERVER_ERROR, "boom")
                    } else {
                        (StatusCode::OK, "ok")
                    }
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        format!("http://{addr}")
    }

    fn small() -> BurstSize {
        BurstSize {
            duration: Duration::from_millis(1000),
            rate: 20.0,
            connections: 4,
            timeout: Duration::from_secs(2),
        }
    }

    fn value(samples: &[Sample], metric: &Metric) -> f64 {
        samples
            .iter()
            .find(|s| &s.metric == metric)
            .unwrap_or_else(|| panic!("no {metric:?} in {samples:?}"))
            .value
    }

    const P95: Metric = Metric::Latency {
        percentile: Some(95),
    };

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_p95_sample_follows_an_injected_delay() {
        let knobs = Knobs::default();
        let base = stand_in(knobs.clone()).await;
        let mut source = BurstSource::new(
            greenlight_load::Target::get(format!("{base}/api/health")),
            small(),
            "burst L7",
        );
        let fast = source.sample().await.unwrap();
        assert_eq!(fast.len(), 4, "{fast:?}");
        assert!(fast.iter().all(|s| s.origin == "burst L7"));
        let fast_p95 = value(&fast, &P95);
        assert!(fast_p95 < 0.040, "a loopback p95 of {fast_p95} s");
        assert_eq!(value(&fast, &Metric::ErrorRate), 0.0);
        let hits_before = knobs.hits.load(Ordering::Relaxed);
        // 20/s for 1 s: about 20 requests, never an unbounded number.
        assert!((10..=30).contains(&hits_before), "{hits_before} requests");

        knobs.delay_ms.store(50, Ordering::Relaxed);
        let slow = source.sample().await.unwrap();
        let slow_p95 = value(&slow, &P95);
        assert!(
            (0.050..0.5).contains(&slow_p95),
            "p95 {slow_p95} s after a 50 ms delay"
        );
        assert!(
            value(
                &slow,
                &Metric::Latency {
                    percentile: Some(50)
                }
            ) >= 0.050
        );
        assert!(
            value(
                &slow,
                &Metric::Latency {
                    percentile: Some(99)
                }
            ) >= slow_p95
        );
        assert_eq!(value(&slow, &Metric::ErrorRate), 0.0);
        eprintln!("burst p95: {fast_p95:.4} s, then {slow_p95:.4} s with a 50 ms delay");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_error_rate_counts_server_errors() {
        let knobs = Knobs::default();
        let base = stand_in(knobs.clone()).await;
        let mut source = BurstSource::new(
            greenlight_load::Target::get(format!("{base}/api/health")),
            small(),
            "burst",
        );
        knobs.fail.store(true, Ordering::Relaxed);
        let failing = source.sample().await.unwrap();
        assert_eq!(value(&failing, &Metric::ErrorRate), 1.0);
        knobs.fail.store(false, Ordering::Relaxed);
        let healthy = source.sample().await.unwrap();
        assert_eq!(value(&healthy, &Metric::ErrorRate), 0.0);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_closed_port_is_an_error_rate_of_one_and_no_latency_never_a_fast_service() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let mut source = BurstSource::new(
            greenlight_load::Target::get(format!("http://{addr}/")),
            small(),
            "burst",
        );
        let started = std::time::Instant::now();
        let samples = source.sample().await.expect("refused requests are counted");
        assert_eq!(
            samples,
            vec![Sample {
                metric: Metric::ErrorRate,
                value: 1.0,
                origin: "burst".into()
            }],
            "no latency sample when nothing answered"
        );
        assert!(
            started.elapsed() <= small().bound(),
            "{:?}",
            started.elapsed()
        );
    }

    fn profile(text: &str) -> Profile {
        Profile::from_toml(text, std::path::Path::new("prod.toml"), &|_| None).unwrap()
    }

    fn checklist(text: &str) -> Checklist {
        greenlight_doc::parse(text.as_bytes())
    }

    #[test]
    fn the_first_load_test_gives_the_target_with_the_profile_filled_in() {
        // The k6 block comes first (its code starts at L16); the `hey` line
        // after it is not taken.
        let doc = checklist(
            "# Release\n\n## Smoke\n\n- [ ] Health\n\n  ```bash\n  curl -fsS $BASE/health\n  ```\n\n\
             ## Load\n\n- [ ] Load test\n\n  ```javascript\n  import http from 'k6/http';\n  \
             export const options = { vus: 5, duration: '30s', thresholds: { http_req_duration: ['p(95)<300'] } };\n  \
             export default function () { http.get(`${__ENV.BASE}/api/orders`); }\n  ```\n\n\
             - [ ] Second\n\n  ```bash\n  hey -n 100 https://api.example.com/other\n  ```\n",
        );
        let p = profile(
            "name = \"staging\"\n[allow]\nload = true\n[vars]\nBASE = \"https://api.example.com\"\n\
             [hosts]\n\"api.example.com\" = \"http://127.0.0.1:8080\"\n",
        );
        let source = BurstSource::from_checklist(&doc, "RELEASE.md", &p, BurstSize::default())
            .expect("a burst target");
        assert_eq!(source.url(), "http://127.0.0.1:8080/api/orders");
        assert_eq!(source.origin(), "burst L16");
        assert_eq!(source.size(), BurstSize::default());
    }

    #[test]
    fn without_a_load_test_allowance_or_a_named_host_it_says_why() {
        let none = checklist(
            "# Release\n\n- [ ] Health\n\n  ```bash\n  curl -fsS http://127.0.0.1:9/health\n  ```\n",
        );
        let p = profile("name = \"prod\"\n[allow]\nclasses = [\"read\", \"mutating\"]\n");
        let e =
            BurstSource::from_checklist(&none, "RELEASE.md", &p, BurstSize::default()).unwrap_err();
        assert!(e.to_string().contains("RELEASE.md has no load test"), "{e}");
        let load = checklist(
            "# Release\n\n- [ ] Load\n\n  ```bash\n  hey -n 100 https://api.example.com/x\n  ```\n",
        );
        let hosts = "[hosts]\n\"api.example.com\" = \"http://127.0.0.1:9\"\n";
        let read_only = profile(&format!("name = \"prod\"\n{hosts}"));
        let e = BurstSource::from_checklist(&load, "RELEASE.md", &read_only, BurstSize::default())
            .unwrap_err();
        assert!(
            e.to_string()
                .contains("L6: a burst is load on the service; allow it with --allow load"),
            "{e}"
        );
        let unnamed = profile("name = \"prod\"\n[allow]\nload = true\n");
        let e = BurstSource::from_checklist(&load, "RELEASE.md", &unnamed, BurstSize::default())
            .unwrap_err();
        assert!(
            e.to_string().contains("L6: the load test is blocked"),
            "{e}"
        );
        assert!(e.to_string().contains("[hosts] does not name"), "{e}");
        let allowed = profile(&format!("name = \"prod\"\n[allow]\nload = true\n{hosts}"));
        let ok = BurstSource::from_checklist(&load, "RELEASE.md", &allowed, BurstSize::default())
            .expect("allowed and named");
        assert_eq!(ok.url(), "http://127.0.0.1:9/x");
    }
}
