//! Load steps inside `greenlight run`: a k6 block and an `ab` line run
//! natively against the fixture service, their figures become evidence and
//! feed the checklist's metric table; load is mutating unless allowed and
//! goes only to hosts the profile names.

use crate::support::*;
use greenlight_fixture::{BlockingFixture, Faults, FixtureConfig};
use serde_json::Value;
use std::path::Path;
use std::time::Duration;

const DOC: &str = r#"# Release checklist

## Performance

- [ ] **Health under load**
  ```javascript
  import http from 'k6/http';
  import { check, sleep } from 'k6';
  export let options = {
    stages: [
      { duration: '2m', target: 100 },
      { duration: '5m', target: 1000 },
      { duration: '2m', target: 0 },
    ],
    thresholds: {
      http_req_duration: ['p(95)<300'],
      http_req_failed: ['rate<0.05'],
    },
  };
  export default function() {
    let response = http.get('https://staging-api.yourdomain.com/health');
    check(response, { 'status was 200': (r) => r.status == 200 });
    sleep(0.05);
  }
  ```

- [ ] Quick check
  ```bash
  ab -n 40 -c 2 https://staging-api.yourdomain.com/health
  ```

### Key Metrics to Watch

| Metric | Target | Critical Threshold |

|--------|--------|--------------------|

| Response Time (p95) | < 300ms | < 500ms |

| Error Rate | < 1% | < 5% |

| CPU Usage | < 50% | < 80% |
"#;

fn fixture(delay: Option<Duration>) -> BlockingFixture {
    BlockingFixture::start(FixtureConfig {
        faults: Faults {
            delay,
            ..Faults::NONE
        },
        ..FixtureConfig::default()
    })
    .expect("fixture starts")
}

fn profile(fixture: &BlockingFixture, allow: &str) -> String {
    format!(
        "[hosts]\n\"staging-api.yourdomain.com\" = \"{}\"\n[allow]\nclasses = [\"read\"]\nshell = false\n{allow}\n[load]\nmax_duration = \"1500ms\"\nmax_vus = 4\n",
        fixture.base_url()
    )
}

fn run(dir: &Path, doc: &str, profile: &str, extra: &[&str]) -> (i32, Value) {
    let doc_path = dir.join("release.md");
    let profile_path = dir.join("staging.toml");
    let json = dir.join("report.json");
    std::fs::write(&doc_path, doc).unwrap();
    std::fs::write(&profile_path, profile).unwrap();
    let mut args = vec![
        "run",
        doc_path.to_str().unwrap(),
        "--env",
        profile_path.to_str().unwrap(),
        "--no-store",
        "--json",
        json.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let out = greenlight(&args);
    let report: Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    (out.status.code().unwrap(), report)
}

fn item<'a>(report: &'a Value, text_starts: &str) -> &'a Value {
    report["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["text"].as_str().unwrap().starts_with(text_starts))
        .unwrap_or_else(|| panic!("no item {text_starts:?} in {report:#}"))
}

#[test]
fn load_steps_run_natively_and_feed_the_metric_table() {
    let fx = fixture(None);
    let dir = scratch("load-healthy");
    let (code, report) = run(&dir, DOC, &profile(&fx, "load = true"), &[]);
    assert_eq!(report["verdict"], "GO", "{report:#}");
    assert_eq!(code, 0);

    let k6 = &item(&report, "Health under load")["steps"][0];
    assert_eq!(k6["probe"], "load");
    assert_eq!(k6["status"], "passed");
    let load = &k6["evidence"]["load"];
    for key in ["requests", "rps", "failed_rate", "errors", "thresholds"] {
        assert!(
            !load[key].is_null(),
            "evidence.load.{key} missing: {load:#}"
        );
    }
    for p in ["p50", "p90", "p95", "p99", "max"] {
        assert!(load["latency_ms"][p].as_f64().is_some(), "latency_ms.{p}");
    }
    let thresholds = load["thresholds"].as_array().unwrap();
    assert_eq!(thresholds.len(), 2);
    assert!(
        thresholds
            .iter()
            .all(|t| t["ok"] == true && t["expr"].is_string())
    );
    // The 9-minute, 1000-VU script was scaled to the profile's limits, and says so.
    assert!(
        k6["evidence"]["reason"]
            .as_str()
            .unwrap()
            .contains("1000 VUs → 4"),
        "{k6:#}"
    );
    let served = fx.request_count("GET", "/health");
    let counted = load["requests"].as_u64().unwrap();
    assert!(counted > 0);

    // ab -n 40: exactly 40 requests, with the default threshold.
    let ab = &item(&report, "Quick check")["steps"][0];
    assert_eq!(ab["status"], "passed");
    assert_eq!(ab["evidence"]["load"]["requests"], 40);
    assert_eq!(ab["evidence"]["load"]["thresholds"][0]["expr"], "rate<0.01");
    assert_eq!(served, counted + 40, "the fixture saw every request");

    // The table's two load rows, at both levels; CPU is left to people.
    for row in [
        "Response Time (p95) < 300ms",
        "Response Time (p95) < 500ms",
        "Error Rate < 1%",
        "Error Rate < 5%",
    ] {
        let it = item(&report, row);
        assert_eq!(it["status"], "passed", "{it:#}");
        assert_eq!(it["steps"][0]["probe"], "metric");
    }
    assert!(
        report["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| !i["text"].as_str().unwrap().starts_with("CPU")),
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_slow_service_fails_the_threshold_and_the_table_target() {
    let fx = fixture(Some(Duration::from_millis(350)));
    let dir = scratch("load-slow");
    let (code, report) = run(&dir, DOC, &profile(&fx, "load = true"), &[]);
    assert_eq!(report["verdict"], "NO_GO", "{report:#}");
    assert_eq!(code, 1);
    let k6 = item(&report, "Health under load");
    assert_eq!(k6["status"], "failed");
    let failures = k6["steps"][0]["evidence"]["failures"][0].as_str().unwrap();
    assert!(failures.contains("p(95)<300"), "{failures}");
    // Over the target (300 ms) but under the critical threshold (500 ms).
    assert_eq!(
        item(&report, "Response Time (p95) < 300ms")["status"],
        "failed"
    );
    assert_eq!(
        item(&report, "Response Time (p95) < 500ms")["status"],
        "passed"
    );
    let reasons = report["reasons"].to_string();
    assert!(reasons.contains("Health under load"), "{reasons}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn over_the_target_only_is_a_warning() {
    let fx = fixture(Some(Duration::from_millis(350)));
    let dir = scratch("load-warn");
    // Only the ab line and the table: no k6 threshold to fail.
    let doc = DOC.replace(
        DOC.split("- [ ] Quick check").next().unwrap(),
        "# Release checklist\n\n## Performance\n\n",
    );
    let (code, report) = run(&dir, &doc, &profile(&fx, "load = true"), &[]);
    assert_eq!(report["verdict"], "GO_WITH_WARNINGS", "{report:#}");
    assert_eq!(code, 0);
    assert_eq!(
        item(&report, "Response Time (p95) < 300ms")["status"],
        "failed"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn load_is_mutating_unless_allowed() {
    let fx = fixture(None);
    let dir = scratch("load-not-allowed");
    let (code, report) = run(&dir, DOC, &profile(&fx, ""), &[]);
    assert_eq!(report["verdict"], "PENDING", "{report:#}");
    assert_eq!(code, 3);
    let k6 = &item(&report, "Health under load")["steps"][0];
    assert_eq!(k6["status"], "not_run");
    assert_eq!(k6["class"], "mutating");
    assert!(
        k6["evidence"]["reason"]
            .as_str()
            .unwrap()
            .contains("--allow load")
    );
    // The table cannot be measured without a load test.
    assert_eq!(
        item(&report, "Error Rate < 5%")["status"],
        "blocked",
        "{report:#}"
    );
    assert_eq!(fx.control().method_count("GET"), 0, "no traffic was sent");

    // --allow load on the command line runs it.
    let (code, report) = run(&dir, DOC, &profile(&fx, ""), &["--allow", "load"]);
    assert_eq!((code, report["verdict"].as_str()), (0, Some("GO")));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn load_goes_only_to_hosts_the_profile_names() {
    let fx = fixture(None);
    let dir = scratch("load-unnamed-host");
    let doc = format!(
        "# Checks\n\n- [ ] Hammer it\n  ```bash\n  ab -n 10 -c 1 {}\n  ```\n",
        fx.url("/health")
    );
    let (code, report) = run(&dir, &doc, &profile(&fx, "load = true"), &[]);
    assert_eq!(code, 3, "{report:#}");
    let step = &item(&report, "Hammer it")["steps"][0];
    assert_eq!(step["status"], "blocked");
    assert!(
        step["evidence"]["reason"]
            .as_str()
            .unwrap()
            .contains("hosts the profile names")
    );
    assert_eq!(fx.control().method_count("GET"), 0, "no traffic was sent");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn seed_load_steps_are_recognised() {
    // Seed 000's k6 block and seed 002's `ab` line are native load steps.
    for (seed, line, tool) in [(0, 264, "k6"), (2, 470, "ab")] {
        let out = greenlight(&["plan", &seed_path(seed), "--json"]);
        assert!(out.status.success(), "{}", stderr(&out));
        let plan: Value = serde_json::from_slice(&out.stdout).unwrap();
        let check = plan["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["line"] == line)
            .unwrap_or_else(|| panic!("seed {seed}: no check on line {line}"));
        assert_eq!(check["target"]["probe"], "load", "{check:#}");
        assert_eq!(check["target"]["tool"], tool);
        assert_eq!(check["class"], "mutating");
        // Without a profile naming its host, load does not go anywhere.
        assert_eq!(check["gate"]["gate"], "blocked", "{check:#}");
    }
}

#[test]
fn an_unreachable_service_fails_every_load_figure() {
    // Nothing listens on port 1: every request is a connection error,
    // which carries no latency, so 0 ms must not pass the p95 rows.
    let dir = scratch("load-unreachable");
    let profile = "[hosts]\n\"staging-api.yourdomain.com\" = \"http://127.0.0.1:1\"\n[allow]\nload = true\n[load]\nmax_duration = \"500ms\"\nmax_vus = 2\n";
    let (code, report) = run(&dir, DOC, profile, &[]);
    assert_eq!((code, report["verdict"].as_str()), (1, Some("NO_GO")));
    let k6 = &item(&report, "Health under load")["steps"][0];
    assert_eq!(k6["status"], "failed");
    assert!(
        k6["evidence"]["load"]["errors"]["connect"]
            .as_u64()
            .unwrap()
            > 0
    );
    for row in ["Response Time (p95) < 300ms", "Response Time (p95) < 500ms"] {
        let it = item(&report, row);
        assert_eq!(it["status"], "failed", "{it:#}");
        assert!(
            it["steps"][0]["evidence"]["summary"]
                .as_str()
                .unwrap()
                .contains("not measured")
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn k6_environment_variables_come_from_the_profile() {
    let dir = scratch("load-env");
    let doc = dir.join("env.md");
    std::fs::write(
        &doc,
        "# R\n\n- [ ] Load\n  ```js\n  import http from \"k6/http\";\n  export const options = { vus: 2, duration: \"1s\" };\n  export default function () { http.get(`${__ENV.BASE_URL}/health`); }\n  ```\n",
    )
    .unwrap();
    let profile = dir.join("p.toml");
    std::fs::write(
        &profile,
        "[hosts]\n\"staging-api.yourdomain.com\" = \"http://127.0.0.1:9\"\n[allow]\nload = true\n",
    )
    .unwrap();
    let plan = |extra: &[&str]| -> Value {
        let mut args = vec![
            "plan",
            doc.to_str().unwrap(),
            "--env",
            profile.to_str().unwrap(),
            "--json",
        ];
        args.extend_from_slice(extra);
        let out = greenlight(&args);
        assert!(out.status.success(), "{}", stderr(&out));
        serde_json::from_slice::<Value>(&out.stdout).unwrap()["checks"][0].clone()
    };
    let missing = plan(&[]);
    assert_eq!(missing["gate"]["gate"], "blocked");
    assert!(
        missing["gate"]["reason"]
            .as_str()
            .unwrap()
            .contains("BASE_URL")
    );
    let set = plan(&["--set", "BASE_URL=https://staging-api.yourdomain.com"]);
    assert_eq!(set["gate"]["gate"], "run", "{set:#}");
    assert_eq!(
        set["target"]["config"]["targets"][0]["url"],
        "http://127.0.0.1:9/health"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn k6_run_reads_the_script_beside_the_checklist() {
    let fx = fixture(None);
    let dir = scratch("load-k6-file");
    std::fs::create_dir_all(dir.join("scripts")).unwrap();
    std::fs::write(
        dir.join("scripts/load-test.js"),
        "import http from 'k6/http';\nexport const options = { vus: 2, duration: '1s', thresholds: { http_req_duration: ['p(95)<300'] } };\nexport default function () { http.get(`${__ENV.BASE_URL}/health`); }\n",
    )
    .unwrap();
    // Seed 001's line, as written.
    let doc = "# R\n\n## Performance Verification\n\n- [ ] Load test\n  ```bash\n  BASE_URL=https://staging-api.yourdomain.com k6 run scripts/load-test.js\n  ```\n\n- [ ] Missing script\n  ```bash\n  k6 run scripts/nope.js\n  ```\n\n- [ ] No base URL\n  ```bash\n  k6 run scripts/load-test.js\n  ```\n";
    let (_, report) = run(&dir, doc, &profile(&fx, "load = true"), &[]);
    let step = &item(&report, "Load test")["steps"][0];
    assert_eq!(step["probe"], "load", "{step:#}");
    assert_eq!(step["status"], "passed", "{step:#}");
    assert!(step["evidence"]["load"]["requests"].as_u64().unwrap() > 0);
    assert!(fx.request_count("GET", "/health") > 0);
    // A script that is not there is not understood; only the real k6 could
    // run the line (a shell step, not allowed here).
    // The script's __ENV.BASE_URL given by nobody: a load step, blocked,
    // naming it (as for a k6 block).
    let no_env = &item(&report, "No base URL")["steps"][0];
    assert_eq!(no_env["probe"], "load", "{no_env:#}");
    assert_eq!(no_env["status"], "blocked");
    assert!(
        no_env["evidence"]["reason"]
            .as_str()
            .unwrap()
            .contains("BASE_URL")
    );
    let missing = &item(&report, "Missing script")["steps"][0];
    assert_eq!(missing["probe"], "shell");
    assert_ne!(missing["status"], "passed");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn ctrl_c_stops_a_running_load_step() {
    let fx = fixture(None);
    let dir = scratch("load-ctrl-c");
    let doc_path = dir.join("long.md");
    std::fs::write(
        &doc_path,
        "# R\n\n- [ ] Long load\n  ```bash\n  wrk -t1 -c2 -d30s https://staging-api.yourdomain.com/health\n  ```\n",
    )
    .unwrap();
    let profile_path = dir.join("p.toml");
    let profile = format!(
        "[hosts]\n\"staging-api.yourdomain.com\" = \"{}\"\n[allow]\nload = true\n",
        fx.base_url()
    );
    std::fs::write(&profile_path, profile).unwrap();
    let json = dir.join("r.json");
    let started = std::time::Instant::now();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_greenlight"))
        .args([
            "run",
            doc_path.to_str().unwrap(),
            "--env",
            profile_path.to_str().unwrap(),
            "--no-store",
            "--json",
            json.to_str().unwrap(),
        ])
        .env("NO_COLOR", "1")
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    nix_kill_int(child.id());
    let status = child.wait().unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "the 30 s load test was not stopped: {:?}",
        started.elapsed()
    );
    assert_eq!(status.code(), Some(3));
    let report: Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(report["interrupted"], true);
    let step = &item(&report, "Long load")["steps"][0];
    assert_eq!(step["status"], "not_run", "{step:#}");
    assert!(
        step["evidence"]["reason"]
            .as_str()
            .unwrap()
            .contains("interrupted")
    );
    assert!(step["evidence"]["load"]["requests"].as_u64().unwrap() > 0);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A stand-in that never answers on every other connection (held open
/// until the test ends) and answers one request then closes on the others.
/// Plain threads, loopback only; it lives as long as the test process.
fn half_hanging_service() -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for (n, stream) in listener.incoming().enumerate() {
            let Ok(mut s) = stream else { return };
            std::thread::spawn(move || {
                let mut buf = [0u8; 1024];
                let mut seen = Vec::new();
                while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                    match s.read(&mut buf) {
                        Ok(0) | Err(_) => return,
                        Ok(k) => seen.extend_from_slice(&buf[..k]),
                    }
                }
                if n % 2 == 1 {
                    std::thread::sleep(Duration::from_secs(120));
                    return;
                }
                let _ = s.write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Length: 15\r\nConnection: close\r\n\r\n{\"status\":\"ok\"}",
                );
            });
        }
    });
    format!("http://{addr}")
}

#[test]
fn standalone_load_counts_requests_a_server_never_answers() {
    let base = half_hanging_service();
    let dir = scratch("load-hang-cli");
    let json = dir.join("load.json");
    let t0 = std::time::Instant::now();
    let out = greenlight(&[
        "load",
        &format!("{base}/health"),
        "--duration",
        "2s",
        "--vus",
        "4",
        "--threshold",
        "http_req_failed:rate<0.01",
        "--json",
        json.to_str().unwrap(),
    ]);
    // 2 s of load, then at most k6's 30 s grace for what is in flight.
    assert!(t0.elapsed() < Duration::from_secs(45), "{:?}", t0.elapsed());
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let rate = report["failed_rate"].as_f64().unwrap();
    assert!((0.3..=0.7).contains(&rate), "{report:#}");
    assert!(
        report["errors"]["timeout"].as_u64().unwrap() >= 4,
        "{report:#}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn standalone_load_without_a_threshold_applies_the_default_and_fails() {
    // Nothing listens on port 1: every request fails.
    let out = greenlight(&[
        "load",
        "http://127.0.0.1:1/health",
        "--duration",
        "1s",
        "--vus",
        "2",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("applying the default http_req_failed: rate<0.01"),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).contains("rate<0.01"), "{}", stdout(&out));
}

#[test]
fn standalone_load_against_an_unknown_host_stops_at_once() {
    let t0 = std::time::Instant::now();
    let out = greenlight(&[
        "load",
        &format!("http://{UNRESOLVABLE}/health"),
        "--duration",
        "30s",
    ]);
    assert!(t0.elapsed() < Duration::from_secs(20), "{:?}", t0.elapsed());
    assert_ne!(out.status.code(), Some(0));
    assert!(
        stderr(&out).contains(&format!("cannot resolve {UNRESOLVABLE}:80")),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_k6_step_against_a_hanging_service_is_not_go() {
    let base = half_hanging_service();
    let dir = scratch("load-hang-k6");
    let doc = r#"# Release

- [ ] **Health under load**
  ```javascript
  import http from 'k6/http';
  export const options = { vus: 4, duration: '1s' };
  export default function () {
    http.get('https://staging-api.yourdomain.com/health', { timeout: '2s' });
  }
  ```

| Metric | Target |
|--------|--------|
| Error Rate | < 1% |
"#;
    let profile = format!(
        "[hosts]\n\"staging-api.yourdomain.com\" = \"{base}\"\n[allow]\nload = true\n[load]\nmax_duration = \"1s\"\nmax_vus = 4\n"
    );
    let t0 = std::time::Instant::now();
    let (code, report) = run(&dir, doc, &profile, &[]);
    assert!(t0.elapsed() < Duration::from_secs(30), "{:?}", t0.elapsed());
    assert_ne!(report["verdict"], "GO", "{report:#}");
    assert_eq!(code, 1, "{report:#}");
    let k6 = &item(&report, "Health under load")["steps"][0];
    assert_eq!(k6["status"], "failed", "{k6:#}");
    let rate = k6["evidence"]["load"]["failed_rate"].as_f64().unwrap();
    assert!((0.3..=0.7).contains(&rate), "{k6:#}");
    let row = item(&report, "Error Rate");
    assert_eq!(row["status"], "failed", "{row:#}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A host name no resolver can look up, failing before any packet is sent: a
/// label of 64 characters is longer than DNS allows, so the C library refuses
/// the query locally (no traffic leaves loopback, unlike `*.invalid`, which
/// goes to the system's resolver).
const UNRESOLVABLE: &str =
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.invalid";
