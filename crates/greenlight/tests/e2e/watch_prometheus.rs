//! `greenlight watch` against a real Prometheus (Debian's `prometheus`
//! package): Prometheus scrapes the fixture's metrics exporter every second,
//! the document's PromQL blocks feed the error-rate and p95-latency gates,
//! and the exporter's traffic turns bad mid-window.
//!
//! Without a `prometheus` binary on PATH the test is skipped with a note;
//! with `GREENLIGHT_REQUIRE_PROMETHEUS=1` (CI) it fails instead.

use crate::support::*;
use greenlight_fixture::{MetricsExporter, Traffic};
use serde_json::Value;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The `prometheus` binary on PATH; `None` (with a note) when there is
/// none, a panic when `GREENLIGHT_REQUIRE_PROMETHEUS=1`.
fn prometheus_binary() -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("prometheus"))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        if std::env::var("GREENLIGHT_REQUIRE_PROMETHEUS").is_ok_and(|v| v == "1") {
            panic!(
                "GREENLIGHT_REQUIRE_PROMETHEUS=1 but no `prometheus` on PATH (apt-get install prometheus)"
            );
        }
        eprintln!(
            "note: no `prometheus` on PATH (apt-get install prometheus); skipping the real-Prometheus watch test"
        );
    }
    found
}

/// A Prometheus server started for one test; killed when dropped.
struct PrometheusProcess {
    child: Child,
    base: String,
    log: PathBuf,
}

impl Drop for PrometheusProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl PrometheusProcess {
    /// Starts `binary` scraping `target` every second, storing under `dir`,
    /// and waits (at most 30 s) until `/-/ready` answers 200.
    fn start(binary: &Path, target: &str, dir: &Path) -> PrometheusProcess {
        let config = dir.join("prometheus.yml");
        std::fs::write(
            &config,
            format!(
                "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n\
                 scrape_configs:\n  - job_name: app\n    static_configs:\n      - targets: ['{target}']\n"
            ),
        )
        .unwrap();
        // A port found free can be taken before Prometheus binds it: a few tries.
        let mut last = String::new();
        for attempt in 0..3 {
            let port = free_port();
            let log = dir.join(format!("prometheus-{attempt}.log"));
            let child = Command::new(binary)
                .arg(format!("--config.file={}", config.display()))
                .arg(format!(
                    "--storage.tsdb.path={}",
                    dir.join(format!("tsdb-{attempt}")).display()
                ))
                .arg(format!("--web.listen-address=127.0.0.1:{port}"))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(std::fs::File::create(&log).unwrap())
                .spawn()
                .expect("prometheus starts");
            let mut p = PrometheusProcess {
                child,
                base: format!("http://127.0.0.1:{port}"),
                log,
            };
            let deadline = Instant::now() + Duration::from_secs(30);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = p.child.try_wait() {
                    break;
                }
                if http_get(port, "/-/ready").is_some_and(|(status, _)| status == 200) {
                    return p;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            last = p.log_text();
        }
        panic!("prometheus did not become ready on 3 ports; its last log:\n{last}");
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `GET path` on a loopback port: the status and body, or `None` when
/// nothing answered within 2 seconds.
fn http_get(port: u16, path: &str) -> Option<(u16, String)> {
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let mut tcp = std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(2)).ok()?;
    tcp.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    write!(
        tcp,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut out = String::new();
    tcp.read_to_string(&mut out).ok()?;
    let status = out.split_whitespace().nth(1)?.parse().ok()?;
    let body = out.split_once("\r\n\r\n").map(|(_, b)| b.to_string())?;
    Some((status, body))
}

/// The values of `query` (one per series), by the same client `watch` uses.
fn query(base: &str, promql: &str) -> Result<Vec<f64>, String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let server = greenlight_watch::prometheus::Prometheus::new(base, Duration::from_secs(2))
            .map_err(|e| e.to_string())?;
        match server
            .query(promql, None)
            .await
            .map_err(|e| e.to_string())?
        {
            greenlight_watch::prometheus::QueryResult::Vector(v) => {
                Ok(v.into_iter().map(|s| s.value).collect())
            }
            greenlight_watch::prometheus::QueryResult::Scalar { value, .. } => Ok(vec![value]),
        }
    })
}

/// A `greenlight watch` child; killed when dropped before it exits.
struct Watch(Child);

impl Drop for Watch {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

const ERROR_QUERY: &str =
    "sum(rate(http_requests_total{code=~\"5..\"}[15s])) / sum(rate(http_requests_total[15s]))";
const LATENCY_QUERY: &str =
    "histogram_quantile(0.95, sum(rate(http_request_duration_seconds_bucket[15s])) by (le))";

/// A release whose monitoring section states error-rate and p95 targets
/// and alert levels, and the two PromQL blocks that measure them.
fn release_doc() -> String {
    format!(
        "# Release 3.1\n\n## Deploy\n\n- [ ] Deploy the build\n\n\
         ## Post-Deployment Monitoring\n\n\
         - [ ] Error rate < 1%\n\
         - [ ] Alert if error rate > 5%\n\
         - [ ] p95 latency < 250ms\n\
         - [ ] Alert if p95 latency > 500ms\n\n\
         Error rate, from Prometheus:\n\n```promql\n{ERROR_QUERY}\n```\n\n\
         p95 latency, from Prometheus:\n\n```promql\n{LATENCY_QUERY}\n```\n"
    )
}

/// The 1-based line of the first line of `doc` containing `needle`.
fn line_of(doc: &str, needle: &str) -> u64 {
    doc.lines().position(|l| l.contains(needle)).unwrap() as u64 + 1
}

/// `(kind, payload)` of the store's events of these kinds, in order.
fn events(store: &Path, kinds: &[&str]) -> Vec<(String, Value)> {
    let Ok(db) = rusqlite::Connection::open(store) else {
        return Vec::new();
    };
    // Not created yet: the watch has not opened the store.
    let Ok(mut q) = db.prepare("SELECT kind, payload FROM events ORDER BY run_id, seq") else {
        return Vec::new();
    };
    q.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .unwrap()
        .map(|r| r.unwrap())
        .filter(|(k, _)| kinds.contains(&k.as_str()))
        .map(|(k, p)| (k, serde_json::from_str(&p).unwrap()))
        .collect()
}

/// Waits (at most `limit`) until `found` returns something, reading the
/// store every 50 ms; panics with `what` and the watch's output otherwise.
fn wait_for<T>(
    limit: Duration,
    what: &str,
    watch: &mut Watch,
    dir: &Path,
    mut found: impl FnMut() -> Option<T>,
) -> T {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(v) = found() {
            return v;
        }
        let exited = matches!(watch.0.try_wait(), Ok(Some(_)));
        if exited || Instant::now() > deadline {
            panic!(
                "{what}: not seen within {limit:?}{}\nstderr:\n{}\nstdout:\n{}",
                if exited { " (the watch exited)" } else { "" },
                std::fs::read_to_string(dir.join("watch.err")).unwrap_or_default(),
                std::fs::read_to_string(dir.join("watch.out")).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A gate's entry in a `watch_window` event.
fn window_metric<'a>(window: &'a Value, metric: &str) -> Option<&'a Value> {
    window["metrics"]
        .as_array()?
        .iter()
        .find(|m| m["metric"] == metric)
}

/// Waits (at most 30 s) until every query in `queries` has one finite
/// value: Prometheus needs two scrapes of a target for a rate.
fn wait_for_rates(prometheus: &PrometheusProcess, exporter: &MetricsExporter, queries: &[&str]) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let values: Vec<_> = queries.iter().map(|q| query(&prometheus.base, q)).collect();
        if values
            .iter()
            .all(|v| matches!(v, Ok(v) if v.len() == 1 && v[0].is_finite()))
        {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "no rate from Prometheus after 30 s ({values:?}, {} scrapes)\n{}",
            exporter.scrapes(),
            prometheus.log_text()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Writes RELEASE.md and a profile reading `prometheus` into `dir`, and
/// starts `greenlight watch` on them for `window` at one-minute ticks, one
/// a real second; returns the document and the store.
fn start_watch(
    dir: &Path,
    prometheus: &PrometheusProcess,
    window: &str,
) -> (Watch, String, PathBuf) {
    let doc = release_doc();
    std::fs::write(dir.join("RELEASE.md"), &doc).unwrap();
    std::fs::write(
        dir.join("prod.toml"),
        format!(
            "name = \"prod\"\n[metrics]\nprometheus = \"{}\"\ntimeout = \"2s\"\n",
            prometheus.base
        ),
    )
    .unwrap();
    let store = dir.join("runs.db");
    let watch = Watch(
        Command::new(env!("CARGO_BIN_EXE_greenlight"))
            .args(["watch", "RELEASE.md", "--env", "prod.toml", "--store"])
            .arg(&store)
            .args(["--release", "3.1", "--for", window, "--every", "1m"])
            .args(["--time-scale", "60"])
            .current_dir(dir)
            .env("NO_COLOR", "1")
            .env("GREENLIGHT_USER", "ana")
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(dir.join("watch.out")).unwrap())
            .stderr(std::fs::File::create(dir.join("watch.err")).unwrap())
            .spawn()
            .expect("greenlight runs"),
    );
    (watch, doc, store)
}

/// Waits (at most `limit`) for the watch to exit: its exit code, stdout
/// and stderr.
fn wait_for_end(watch: &mut Watch, dir: &Path, limit: Duration) -> (Option<i32>, String, String) {
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(s) = watch.0.try_wait().unwrap() {
            break s;
        }
        assert!(
            Instant::now() < deadline,
            "the window did not end within {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    (
        status.code(),
        std::fs::read_to_string(dir.join("watch.out")).unwrap(),
        std::fs::read_to_string(dir.join("watch.err")).unwrap(),
    )
}

fn breach_of(store: &Path, metric: &str) -> Option<Value> {
    events(store, &["watch_state"])
        .into_iter()
        .map(|(_, p)| p)
        .find(|p| p["metric"] == metric && p["to"] == "breach")
}

#[test]
fn promql_gates_against_a_real_prometheus_catch_the_error_rate_and_latency_turning_bad() {
    let Some(binary) = prometheus_binary() else {
        return;
    };
    let wall = Instant::now();
    let steady = Traffic {
        requests_per_sec: 100.0,
        error_share: 0.005,
        latency: Duration::from_millis(80),
    };
    let exporter = MetricsExporter::start(steady).unwrap();
    let dir = scratch("watch-prometheus");
    let prometheus = PrometheusProcess::start(&binary, &exporter.addr().to_string(), &dir);
    let ready_after = wall.elapsed();
    wait_for_rates(&prometheus, &exporter, &[ERROR_QUERY, LATENCY_QUERY]);
    let rates_after = wall.elapsed();
    // 40 one-minute ticks, one a second.
    let (mut watch, doc, store) = start_watch(&dir, &prometheus, "40m");
    let watch_started = Instant::now();

    // Steady: two full gate windows, every tick answered, nothing changes.
    let steady_windows = wait_for(
        Duration::from_secs(30),
        "two gate windows of steady traffic",
        &mut watch,
        &dir,
        || {
            let w = events(&store, &["watch_window"]);
            (w.len() >= 2).then_some(w)
        },
    );
    let started = events(&store, &["watch_started"]);
    let gates = &started[0].1["gates"];
    for metric in ["error rate", "p95 latency"] {
        let gate = gates
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["metric"] == metric)
            .unwrap_or_else(|| panic!("no {metric} gate: {gates}"));
        assert_eq!(gate["source"], "prometheus", "{gate}");
    }
    let switched_at = steady_windows
        .iter()
        .map(|(_, w)| w["at_secs"].as_u64().unwrap())
        .max()
        .unwrap();
    for (_, w) in &steady_windows {
        assert_eq!(w["source_errors"], serde_json::json!([]), "{w}");
        let e = window_metric(w, "error rate").unwrap_or_else(|| panic!("{w}"));
        assert_eq!(e["count"], 5, "one sample a tick: {w}");
        assert!(e["max"].as_f64().unwrap() < 0.01, "{w}");
        let l = window_metric(w, "p95 latency").unwrap_or_else(|| panic!("{w}"));
        assert_eq!(l["count"], 5, "{w}");
        let p95 = l["max"].as_f64().unwrap();
        assert!((0.05..0.1).contains(&p95), "80 ms requests, p95 {p95}: {w}");
    }
    assert!(
        events(&store, &["watch_state"]).is_empty(),
        "a state change on steady traffic: {:?}",
        events(&store, &["watch_state"])
    );

    // 30 % of requests fail from now on.
    exporter.set_traffic(Traffic {
        error_share: 0.3,
        ..steady
    });
    let error_switch = Instant::now();
    let breach = wait_for(
        Duration::from_secs(25),
        "an error-rate breach",
        &mut watch,
        &dir,
        || breach_of(&store, "error rate"),
    );
    let error_breach_after = error_switch.elapsed();
    let at = breach["at_secs"].as_u64().unwrap();
    // Within 3 gate windows of the tick the switch fell in: the 15 s rate
    // window fills, then two evaluations over the bound.
    assert!(
        at > switched_at && at <= switched_at + 15 * 60,
        "breach at {at}s, the switch after {switched_at}s: {breach}"
    );
    assert_eq!(breach["bound"], "> 5%", "{breach}");
    assert_eq!(
        breach["line"].as_u64(),
        Some(line_of(&doc, "Alert if error rate")),
        "{breach}"
    );
    assert!(breach["observed"].as_f64().unwrap() > 0.05, "{breach}");
    assert!(
        breach_of(&store, "p95 latency").is_none(),
        "latency did not change"
    );

    // Errors back to normal, every request now 800 ms.
    exporter.set_traffic(Traffic {
        latency: Duration::from_millis(800),
        ..steady
    });
    let latency_switch = Instant::now();
    let latency_switched_at = events(&store, &["watch_state", "watch_window"])
        .iter()
        .filter_map(|(_, p)| p["at_secs"].as_u64())
        .max()
        .unwrap();
    let slow = wait_for(
        Duration::from_secs(25),
        "a p95 latency breach",
        &mut watch,
        &dir,
        || breach_of(&store, "p95 latency"),
    );
    let latency_breach_after = latency_switch.elapsed();
    let slow_at = slow["at_secs"].as_u64().unwrap();
    assert!(slow_at > latency_switched_at, "{slow}");
    assert_eq!(slow["bound"], "> 500ms", "{slow}");
    assert!(slow["observed"].as_f64().unwrap() > 0.5, "{slow}");

    // The window runs its length (40 ticks, one a second) and ends NO_GO.
    let (code, so, se) = wait_for_end(&mut watch, &dir, Duration::from_secs(60));
    assert_eq!(code, Some(1), "a breach is NO_GO\n{se}\n{so}");
    let summary = squashed(&so);
    assert!(summary.contains("BREACH"), "{so}");
    assert!(summary.contains("error rate"), "{so}");
    // Each gate names the block that fed it.
    for block in ["sum(rate(http_requests_total{code", "histogram_quantile"] {
        let origin = format!("prometheus (promql L{})", line_of(&doc, block));
        assert!(summary.contains(&origin), "{origin}: {so}");
    }
    assert!(
        squashed(&se).contains("error rate: warn → BREACH")
            || squashed(&se).contains("error rate: ok → BREACH"),
        "{se}"
    );
    let windows = events(&store, &["watch_window"]);
    assert_eq!(windows.len(), 8, "40 ticks, 5 a gate window");
    for (_, w) in &windows {
        assert_eq!(
            w["source_errors"],
            serde_json::json!([]),
            "Prometheus answered every tick: {w}"
        );
    }
    let ended = events(&store, &["watch_ended"]);
    assert_eq!(ended[0].1["outcome"], "breach");
    // The errors went back to 0.5 % with the latency switch: the error-rate
    // gate left its breach (past its hysteresis) before the window ended,
    // and the run stays a breach.
    let states = events(&store, &["watch_state"]);
    assert!(
        states.iter().any(|(_, p)| p["metric"] == "error rate"
            && p["from"] == "breach"
            && p["at_secs"].as_u64().unwrap() > slow_at),
        "the error-rate breach never cleared: {states:?}"
    );

    let states: Vec<String> = states
        .iter()
        .map(|(_, p)| {
            format!(
                "{}s {} {}→{} ({})",
                p["at_secs"], p["metric"], p["from"], p["to"], p["observed_text"]
            )
        })
        .collect();
    eprintln!(
        "prometheus ready after {ready_after:?}, rates after {rates_after:?}; \
         error switch after watch second {switched_at}, breach at {at}s ({error_breach_after:?} real); \
         latency switch after {latency_switched_at}s, breach at {slow_at}s ({latency_breach_after:?} real); \
         watch ran {:?}; test wall {:?}\nstate changes: {states:#?}\nsummary:\n{so}",
        watch_started.elapsed(),
        wall.elapsed()
    );
    drop(prometheus);
}

#[test]
fn an_error_query_with_no_5xx_series_yet_is_a_source_error_not_a_breach_until_errors_come() {
    let Some(binary) = prometheus_binary() else {
        return;
    };
    // No request has failed yet, so (as with a real client library) there
    // is no `code="500"` series and the error-ratio query has no value.
    let healthy = Traffic {
        error_share: 0.0,
        ..Traffic::default()
    };
    let exporter = MetricsExporter::start(healthy).unwrap();
    let dir = scratch("watch-prometheus-no-5xx");
    let prometheus = PrometheusProcess::start(&binary, &exporter.addr().to_string(), &dir);
    wait_for_rates(&prometheus, &exporter, &[LATENCY_QUERY]);
    assert_eq!(query(&prometheus.base, ERROR_QUERY), Ok(vec![]));
    let (mut watch, doc, store) = start_watch(&dir, &prometheus, "15m");
    let error_block = line_of(&doc, "sum(rate(http_requests_total{code");

    let first = wait_for(
        Duration::from_secs(30),
        "a gate window",
        &mut watch,
        &dir,
        || events(&store, &["watch_window"]).into_iter().next(),
    )
    .1;
    // The latency gate has its samples; the error-rate gate has none, and
    // the window names the block that gave nothing.
    assert_eq!(
        window_metric(&first, "p95 latency").unwrap()["count"],
        5,
        "{first}"
    );
    assert!(window_metric(&first, "error rate").is_none(), "{first}");
    let errors = first["source_errors"].to_string();
    assert!(
        errors.contains(&format!("promql L{error_block}")) && errors.contains("empty"),
        "{first}"
    );
    let switched_at = first["at_secs"].as_u64().unwrap();
    assert!(events(&store, &["watch_state"]).is_empty());

    // The first errors make the series, the query a value, the gate a breach.
    exporter.set_traffic(Traffic {
        error_share: 0.3,
        ..healthy
    });
    let breach = wait_for(
        Duration::from_secs(25),
        "an error-rate breach",
        &mut watch,
        &dir,
        || breach_of(&store, "error rate"),
    );
    let at = breach["at_secs"].as_u64().unwrap();
    assert!(
        at > switched_at && at <= switched_at + 15 * 60,
        "breach at {at}s, the switch after {switched_at}s: {breach}"
    );
    let (code, so, se) = wait_for_end(&mut watch, &dir, Duration::from_secs(40));
    assert_eq!(code, Some(1), "{se}\n{so}");
    eprintln!(
        "no 5xx series: first window {first}\nbreach at {at}s (switch after {switched_at}s)\nsummary:\n{so}"
    );
}
