//! `greenlight run` on the seeds against the fixture service, the machine's
//! real PostgreSQL and Redis, and real TLS endpoints.

use crate::support::*;
use greenlight_fixture::{BlockingFixture, Faults, FixtureConfig, STAND_IN_HOSTS};
use serde_json::Value;
use std::path::{Path, PathBuf};

pub struct Env {
    pub fixture: BlockingFixture,
    pub dir: PathBuf,
}

/// Profile text mapping every seed host to the fixture, with tokens,
/// real services and extra TOML appended.
pub fn profile_text(fixture: &BlockingFixture, postgres: &str, redis: &str, extra: &str) -> String {
    let base = fixture.base_url();
    let addr = fixture.addr();
    let mut t = String::from("name = \"e2e\"\n[hosts]\n");
    for h in STAND_IN_HOSTS {
        t.push_str(&format!("\"{h}\" = \"{base}\"\n"));
    }
    t.push_str(&format!("\"staging-rtmp.nova-social.io\" = \"{addr}\"\n"));
    t.push_str("[vars]\n");
    for (name, value) in greenlight_fixture::Tokens::default().seed_variables() {
        if name == "TOKEN" {
            t.push_str(&format!(
                "{name} = {{ env = \"E2E_SECRET_TOKEN\", secret = true }}\n"
            ));
        } else {
            t.push_str(&format!("{name} = \"{value}\"\n"));
        }
    }
    t.push_str(&format!(
        "[services]\npostgres = \"{postgres}\"\nredis = \"{redis}\"\napi = \"{base}\"\n"
    ));
    t.push_str("[policy]\ntimeout = \"2s\"\n");
    // Seed 000's k6 block ramps 1000 VUs over 9 minutes: a test that allows
    // mutating steps runs it, bounded like every test load.
    if !extra.contains("[load]") {
        t.push_str("[load]\nmax_duration = \"1s\"\nmax_vus = 2\n");
    }
    t.push_str(extra);
    if !extra.contains("[allow]") {
        t.push_str("[allow]\nclasses = [\"read\"]\nshell = false\n");
    }
    t
}

pub fn start(name: &str, faults: Faults) -> Env {
    let fixture = BlockingFixture::start(FixtureConfig {
        faults,
        ..FixtureConfig::default()
    })
    .expect("fixture starts");
    Env {
        fixture,
        dir: scratch(name),
    }
}

/// Runs a seed and returns (exit code, report JSON, stderr).
pub fn run_seed(env: &Env, seed: usize, profile: &str, args: &[&str]) -> (i32, Value, String) {
    let profile_path = env.dir.join("profile.toml");
    std::fs::write(&profile_path, profile).unwrap();
    let json = env.dir.join(format!("report-{seed}.json"));
    let mut all = vec![
        "run",
        "SEED",
        "--env",
        profile_path.to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
    ];
    let seed_path = seed_path(seed);
    all[1] = &seed_path;
    all.extend_from_slice(args);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_greenlight"))
        .args(&all)
        .current_dir(repo_root())
        .env("NO_COLOR", "1")
        // Not `.greenlight/` beside the seed, inside the repository.
        .env("GREENLIGHT_STORE", env.dir.join("runs.db"))
        .env(
            "E2E_SECRET_TOKEN",
            greenlight_fixture::Tokens::default().user,
        )
        .output()
        .unwrap();
    let report: Value = std::fs::read(&json)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or(Value::Null);
    (out.status.code().unwrap_or(-1), report, stderr(&out))
}

pub fn healthy_profile(env: &Env) -> String {
    profile_text(&env.fixture, &e2e_database(), "redis://127.0.0.1:6379", "")
}

fn items_with(report: &Value, status: &str) -> Vec<(u64, String)> {
    report["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["status"] == status)
        .map(|i| {
            (
                i["line"].as_u64().unwrap(),
                i["text"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn healthy_target_gives_pending_with_every_automatable_item_passing() {
    if !services_available() {
        return;
    }
    // Seeds and the least number of checks that must have passed (the
    // machine really checked them).
    for (seed, min_passed) in [(0, 7), (1, 2), (2, 0), (3, 7)] {
        let env = start(&format!("healthy-{seed}"), Faults::NONE);
        let (code, report, err) = run_seed(&env, seed, &healthy_profile(&env), &[]);
        assert_eq!(report["verdict"], "PENDING", "seed {seed}: {err}");
        assert_eq!(code, 3, "seed {seed}");
        let failed = items_with(&report, "failed");
        assert!(
            failed.is_empty(),
            "seed {seed}: failed items {failed:?}\n{err}"
        );
        let passed: Vec<String> = report["items"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|i| i["steps"].as_array().unwrap().iter())
            .filter(|s| s["status"] == "passed")
            .map(|s| format!("L{} {}", s["line"], s["evidence"]["summary"]))
            .collect();
        if std::env::var_os("GREENLIGHT_E2E_SHOW").is_some() {
            eprintln!(
                "--- seed {seed}: {} checks passed: {passed:#?}",
                passed.len()
            );
            for item in report["items"].as_array().unwrap() {
                if !item["steps"].as_array().unwrap().is_empty() {
                    eprintln!(
                        "L{} {} {} :: {}",
                        item["line"], item["status"], item["text"], item["note"]
                    );
                }
            }
        }
        assert!(
            passed.len() >= min_passed,
            "seed {seed}: only {passed:?} passed\n{err}"
        );
        // Every item whose checks all ran passed, or needs review because
        // its expectation is free text.
        for item in report["items"].as_array().unwrap() {
            let steps = item["steps"].as_array().unwrap();
            if steps.is_empty()
                || steps
                    .iter()
                    .any(|s| s["status"] == "not_run" || s["status"] == "blocked")
            {
                continue;
            }
            let status = item["status"].as_str().unwrap();
            assert!(
                status == "passed"
                    || (status == "needs_review"
                        && steps
                            .iter()
                            .any(|s| !s["evidence"]["unverified"].as_array().unwrap().is_empty())),
                "seed {seed} L{} {}: {status}",
                item["line"],
                item["text"]
            );
        }
        // Nothing mutating was sent.
        assert_eq!(env.fixture.control().method_count("POST"), 0, "seed {seed}");
        assert_eq!(
            env.fixture.control().method_count("DELETE"),
            0,
            "seed {seed}"
        );
    }
}

/// Runs seed `seed` with one fault and asserts NO_GO naming the item on `line`.
fn assert_no_go(
    name: &str,
    seed: usize,
    faults: Faults,
    profile: impl Fn(&Env) -> String,
    line: u64,
) {
    let env = start(name, faults);
    let (code, report, err) = run_seed(&env, seed, &profile(&env), &[]);
    assert_eq!(report["verdict"], "NO_GO", "{name}: {err}");
    assert_eq!(code, 1, "{name}");
    let failed = items_with(&report, "failed");
    assert!(
        failed.iter().any(|(l, _)| *l == line),
        "{name}: expected L{line} among failed {failed:?}\n{err}"
    );
    let reasons: Vec<u64> = report["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["line"].as_u64().unwrap())
        .collect();
    assert!(reasons.contains(&line), "{name}: reasons {reasons:?}");
    assert!(
        err.contains(&format!("L{line} ")),
        "{name}: terminal does not name L{line}:\n{err}"
    );
}

#[test]
fn fault_health_500() {
    if services_available() {
        assert_no_go(
            "f-health",
            0,
            Faults::NONE.with_health_500(),
            healthy_profile,
            124,
        );
    }
}

#[test]
fn fault_wrong_version() {
    if services_available() {
        assert_no_go(
            "f-version",
            1,
            Faults::NONE.with_wrong_version(),
            healthy_profile,
            122,
        );
    }
}

#[test]
fn fault_not_ready() {
    if services_available() {
        assert_no_go(
            "f-ready",
            0,
            Faults::NONE.with_not_ready(),
            healthy_profile,
            124,
        );
    }
}

#[test]
fn fault_admin_accepts_user_token() {
    if services_available() {
        assert_no_go(
            "f-admin",
            0,
            Faults::NONE.with_admin_accepts_user(),
            healthy_profile,
            361,
        );
    }
}

#[test]
fn fault_websocket_refused() {
    if services_available() {
        assert_no_go(
            "f-ws",
            0,
            Faults::NONE.with_ws_refused(),
            healthy_profile,
            199,
        );
    }
}

#[test]
fn fault_postgres_unreachable() {
    if services_available() {
        assert_no_go(
            "f-pg",
            3,
            Faults::NONE,
            |env| {
                profile_text(
                    &env.fixture,
                    "postgres://postgres@127.0.0.1:1/x",
                    "redis://127.0.0.1:6379",
                    "",
                )
            },
            204,
        );
    }
}

#[test]
fn fault_redis_unreachable() {
    if services_available() {
        assert_no_go(
            "f-redis",
            3,
            Faults::NONE,
            |env| profile_text(&env.fixture, &e2e_database(), "redis://127.0.0.1:1", ""),
            205,
        );
    }
}

#[test]
fn fault_slower_than_the_timeout() {
    if services_available() {
        assert_no_go(
            "f-slow",
            0,
            Faults::NONE.with_delay(std::time::Duration::from_millis(1500)),
            |env| healthy_profile(env).replace("timeout = \"2s\"", "timeout = \"500ms\""),
            124,
        );
    }
}

pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}
