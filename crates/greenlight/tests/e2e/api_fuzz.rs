//! API fuzzing (issue 12, item 6): schemathesis 4 against `/openapi.json`
//! of the real `greenlight serve`, on a store holding real runs of a
//! seed, with an API token. Every check (`--checks all`: no 5xx, status
//! codes, content types and response bodies as the document declares
//! them, bad input refused, good input accepted …) must pass.
//!
//! Bounded: `GREENLIGHT_API_FUZZ_SECONDS` (default 45) for the whole
//! run, at most 30 examples per operation and phase, 10 s per request.
//! The live streams (`…/stream`, `…/live`) are endless by design and are
//! left out; tests/e2e/serve.rs covers them.
//!
//! Without schemathesis the test is skipped with a note, unless
//! `GREENLIGHT_REQUIRE_FUZZ=1` (CI), where it fails.

use crate::room::{add_token, seeded_release};
use crate::run::start;
use crate::serve::Serve;
use crate::store::gl;
use crate::support::*;
use greenlight_fixture::Faults;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const RELEASE: &str = "room-2.0@staging";
const OTHER: &str = "other-1.0";

fn schemathesis_available() -> bool {
    let ok = Command::new("schemathesis")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        if std::env::var("GREENLIGHT_REQUIRE_FUZZ").is_ok_and(|v| v == "1") {
            panic!(
                "GREENLIGHT_REQUIRE_FUZZ=1 but schemathesis is missing (pip install 'schemathesis>=4,<5')"
            );
        }
        eprintln!("note: skipping API fuzzing: schemathesis is not installed");
    }
    ok
}

/// A TOML string.
fn toml_str(s: &str) -> String {
    serde_json::Value::from(s).to_string()
}

#[test]
fn schemathesis_finds_no_server_error_and_no_schema_violation() {
    if !schemathesis_available() {
        return;
    }
    let env = start("api-fuzz", Faults::NONE);
    let store = env.dir.join("runs.db").display().to_string();
    // Without `/` in release names: schemathesis drops path parameters
    // holding one, and would then give up on the release operations
    // (health check filter_too_much). tests/e2e/serve.rs covers `/`.
    let (_, first) = seeded_release(&env, RELEASE);
    // People's work and a second release, so pages and reports have
    // checks, waivers and sign-offs to show.
    let status = crate::store::json_of(&gl(&["status", &first, "--json"], &store));
    let failed = status["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["status"] == "failed")
        .map(|i| format!("L{}", i["line"]))
        .expect("the seed has a failed item (its databases are closed)");
    for args in [
        vec![
            "signoff",
            &first,
            "--role",
            "Technical Lead",
            "--name",
            "Ada",
        ],
        vec!["waive", &first, &failed, "--reason", "fuzz"],
    ] {
        let out = gl(&args, &store);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
    }
    let doc = crate::run::write(
        &env.dir,
        "other.md",
        &format!(
            "# Other\n\n## Checks\n\n- [ ] **Health**\n  ```bash\n  curl -f {}/health\n  ```\n- [ ] Notes read\n",
            env.fixture.base_url()
        ),
    );
    let other = gl(&["run", doc.to_str().unwrap(), "--release", OTHER], &store);
    assert!(
        other.status.code().is_some_and(|c| c <= 3),
        "{}",
        stderr(&other)
    );
    let token = add_token(&store, "fuzzer", "viewer", &[]);
    let server = Serve::start(&store);

    // Real IDs half of the time, generated ones the other half.
    let (_, runs) = server.get("/api/v1/runs");
    let ids: Vec<String> = runs["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| toml_str(r["run_id"].as_str().unwrap()))
        .collect();
    assert_eq!(ids.len(), 2, "{runs}");
    let config = env.dir.join("schemathesis.toml");
    std::fs::write(
        &config,
        format!(
            "[dictionaries.runs]\nvalues = [{}]\n[dictionaries.releases]\nvalues = [{}, {}]\n\
             [parameters]\n\"path.run\" = {{ dictionary = \"runs\", probability = 0.5 }}\n\
             \"path.release\" = {{ dictionary = \"releases\", probability = 0.5 }}\n",
            ids.join(", "),
            toml_str(RELEASE),
            toml_str(OTHER),
        ),
    )
    .unwrap();

    let seconds: u64 = std::env::var("GREENLIGHT_API_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(45);
    let report = env.dir.join("schemathesis-junit.xml");
    let mut child = Command::new("schemathesis")
        .arg("--config-file")
        .arg(&config)
        .arg("run")
        .arg(format!("http://{}/openapi.json", server.addr))
        .args(["--checks", "all"])
        .args(["--exclude-path-regex", "/(stream|live)$"])
        .args(["--max-examples", "30"])
        .args(["--max-time", &seconds.to_string()])
        .args(["--request-timeout", "10"])
        .args(["--workers", "2"])
        .args(["--seed", "20261201"])
        // Hypothesis' shrinker has crashed on its own (IndexError in
        // pareto_optimise); a failure is still reported, unshrunk.
        .arg("--no-shrink")
        .args(["-H", &format!("Authorization: Bearer {token}")])
        .args(["--report", "junit", "--report-junit-path"])
        .arg(&report)
        .arg("--no-color")
        .current_dir(&env.dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("schemathesis starts");
    let began = Instant::now();
    let limit = Duration::from_secs(seconds + 120);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if began.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("schemathesis ran over {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let summary = text.find("SUMMARY").map_or(text.as_ref(), |i| &text[i..]);
    println!("schemathesis ({:?}):\n{summary}", began.elapsed());
    assert!(
        status.success(),
        "schemathesis found problems:\n{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("No issues found"), "{text}");
    // It really exercised the API: every operation, thousands of cases.
    let tested = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("Tested: "))
        .and_then(|n| n.trim().parse::<u32>().ok())
        .unwrap_or(0);
    assert!(tested >= 11, "{text}");
    let generated = text
        .lines()
        .find_map(|l| l.trim().split_once(" generated"))
        .and_then(|(n, _)| n.trim().parse::<u32>().ok())
        .unwrap_or(0);
    assert!(generated >= 500, "only {generated} cases: {text}");
}
