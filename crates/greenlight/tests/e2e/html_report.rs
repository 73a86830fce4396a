//! `greenlight report RUN --html`: one self-contained file with the
//! verdict and counts `status` gives, under 100 KB for seed 003, and load
//! charts drawn from a real load step's per-second figures.

use crate::support::*;
use greenlight_fixture::{BlockingFixture, FixtureConfig};
use serde_json::Value;
use std::process::{Command, Output};

fn gl(args: &[&str], store: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_greenlight"))
        .args(args)
        .current_dir(repo_root())
        .env("GREENLIGHT_STORE", store)
        .env("GREENLIGHT_USER", "tester")
        .env("NO_COLOR", "1")
        .env_remove("GREENLIGHT_AUDIT_KEY")
        .output()
        .expect("greenlight runs")
}

/// The run just recorded: `-q` leaves stderr to warnings and errors, so
/// its ID is read where a script finds it, the report of the latest run.
fn run_id(store: &str) -> String {
    let status: Value = serde_json::from_slice(&gl(&["status", "--json"], store).stdout)
        .expect("status --json prints the report");
    status["run_id"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| panic!("no run_id: {status}"))
}

/// The counts row of the verdict banner, as the page writes it.
fn counts_row(c: &Value) -> String {
    [
        "passed",
        "failed",
        "needs_review",
        "blocked",
        "not_run",
        "pending",
        "skipped",
        "waived",
    ]
    .iter()
    .map(|k| format!("<td class=\"num\">{}</td>", c[k]))
    .collect()
}

#[test]
fn seed_003_report_is_one_small_self_contained_file_with_status_verdict() {
    let dir = scratch("html-report-003");
    let store = dir.join("runs.db");
    let store = store.to_str().unwrap();
    let run = gl(&["run", &seed_path(3), "-q"], store);
    assert!(
        run.status.code().is_some_and(|c| c <= 3),
        "{}",
        stderr(&run)
    );
    let id = run_id(store);
    // People's work, so the page has sign-offs and waivers to show.
    let status: Value = serde_json::from_slice(&gl(&["status", "--json"], store).stdout).unwrap();
    let pending = status["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["status"] == "pending")
        .expect("seed 003 has manual items");
    let pending_id = pending["id"].as_str().unwrap();
    let out = gl(
        &[
            "waive",
            &id,
            pending_id,
            "--reason",
            "done <by hand> & logged",
            "--name",
            "lead",
        ],
        store,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let status: Value = serde_json::from_slice(&gl(&["status", "--json"], store).stdout).unwrap();

    let html_path = dir.join("report.html");
    let prefix = &id[..3];
    let out = gl(
        &["report", prefix, "--html", html_path.to_str().unwrap()],
        store,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains(&format!("run {id}")),
        "{}",
        stdout(&out)
    );
    let html = std::fs::read_to_string(&html_path).unwrap();
    assert!(html.len() < 100_000, "{} bytes", html.len());
    assert_eq!(
        greenlight_html::external_references(&html),
        Vec::<String>::new()
    );
    assert!(html.starts_with("<!DOCTYPE html>"));
    let verdict = status["verdict"].as_str().unwrap();
    assert!(
        html.contains(&format!("Verdict: {verdict}")),
        "verdict {verdict}"
    );
    assert!(
        html.contains(&counts_row(&status["counts"])),
        "counts differ from status"
    );
    assert!(html.contains(&format!("<code>{id}</code>")));
    assert!(
        html.contains("done &lt;by hand&gt; &amp; logged"),
        "waiver reason, escaped"
    );
    eprintln!("seed 003 report: {} bytes", html.len());
}

#[test]
fn report_of_an_unknown_run_is_a_clear_error() {
    let dir = scratch("html-report-none");
    let store = dir.join("runs.db");
    let store = store.to_str().unwrap();
    let _ = gl(&["run", &seed_path(3), "-q"], store);
    let out_path = dir.join("x.html");
    let out = gl(
        &["report", "zzzzzz", "--html", out_path.to_str().unwrap()],
        store,
    );
    assert_ne!(out.status.code(), Some(0));
    assert!(
        !stderr(&out).is_empty() && !stderr(&out).contains("panicked"),
        "{}",
        stderr(&out)
    );
    assert!(!out_path.exists());
}

const LOAD_DOC: &str = r#"# Release checklist

## Performance

- [ ] **Health under load**
  ```bash
  ab -t 3 -c 2 https://staging-api.yourdomain.com/health
  ```
"#;

#[test]
fn a_load_steps_charts_come_from_its_recorded_seconds() {
    let fx = BlockingFixture::start(FixtureConfig::default()).expect("fixture starts");
    let dir = scratch("html-report-load");
    let store = dir.join("runs.db");
    let store = store.to_str().unwrap();
    let doc = dir.join("release.md");
    let profile = dir.join("staging.toml");
    std::fs::write(&doc, LOAD_DOC).unwrap();
    std::fs::write(
        &profile,
        format!(
            "[hosts]\n\"staging-api.yourdomain.com\" = \"{}\"\n[allow]\nclasses = [\"read\"]\nshell = false\nload = true\n[load]\nmax_duration = \"2500ms\"\nmax_vus = 2\n",
            fx.base_url()
        ),
    )
    .unwrap();
    let run = gl(
        &[
            "run",
            doc.to_str().unwrap(),
            "--env",
            profile.to_str().unwrap(),
            "-q",
        ],
        store,
    );
    assert!(
        run.status.code().is_some_and(|c| c <= 3),
        "{}",
        stderr(&run)
    );
    let id = run_id(store);
    let status: Value = serde_json::from_slice(&gl(&["status", "--json"], store).stdout).unwrap();
    let load = &status["items"][0]["steps"][0]["evidence"]["load"];
    let intervals = load["intervals"]
        .as_array()
        .expect("the run recorded its seconds");
    // About 2.5 s of load: two whole seconds and the partial last one.
    assert!(intervals.len() >= 2, "{intervals:?}");
    let html_path = dir.join("load.html");
    let out = gl(
        &["report", &id, "--html", html_path.to_str().unwrap()],
        store,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let html = std::fs::read_to_string(&html_path).unwrap();
    assert_eq!(
        greenlight_html::external_references(&html),
        Vec::<String>::new()
    );
    assert_eq!(
        html.matches("<svg").count(),
        2,
        "latency and error-rate charts"
    );
    for series in ["p50", "p95", "p99", "error rate"] {
        let tag = format!("data-series=\"{series}\"");
        let at = html
            .find(&tag)
            .unwrap_or_else(|| panic!("{series} line missing"));
        let points = &html[at..];
        let points = &points[points.find("points=\"").unwrap() + 8..];
        let points = &points[..points.find('"').unwrap()];
        assert_eq!(
            points.split(' ').count(),
            intervals.len(),
            "{series}: one point a second"
        );
    }
    // The figures table holds the recorded requests of each second.
    for i in intervals {
        assert!(html.contains(&format!("<td class=\"num\">{}</td>", i["requests"])));
    }
}
