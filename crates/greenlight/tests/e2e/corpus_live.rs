//! The whole red-team corpus (`fixtures/corpus/commands.jsonl`) as one
//! checklist, run by the real binary with DEFAULT allowances (read only)
//! against a recording HTTP server, a scratch PostgreSQL database, a private
//! Redis server and a folder sandbox. It passes only if nothing changed:
//!
//! 1. the HTTP server received only GET, HEAD or OPTIONS, without a body or
//!    a method-override header;
//! 2. no row, sequence, table, function or large object changed and the
//!    idle connections opened by the test are alive;
//! 3. no Redis key, TTL or setting changed, the cached script and slow-log
//!    entry are still there and the watching connection answers;
//! 4. no file appeared or changed outside the run's temporary folder (the
//!    checklist's folder, HOME, the fake root, the repository's fixtures);
//! 5. no state-changing corpus command ran as a shell step (a shell step
//!    reaches the world through programs the test can only stand in for).
//!
//! The figures (steps run natively, shell steps run, not run, blocked) are
//! printed; run with `--nocapture`.

use crate::corpus_sandbox::*;
use crate::corpus_targets::*;
use crate::support::*;
use greenlight_fixture::{BlockingFixture, FixtureConfig};
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// The name every URL host in the corpus is rewritten to; the profile maps
/// it to the recording server.
const API_HOST: &str = "corpus-api.test";

struct Entry {
    cmd: String,
    changes_state: bool,
}

fn corpus() -> Vec<Entry> {
    let text = std::fs::read_to_string(repo_root().join("fixtures/corpus/commands.jsonl"))
        .expect("the corpus is readable");
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: Value = serde_json::from_str(l).expect("a corpus line is JSON");
            Entry {
                cmd: v["cmd"].as_str().unwrap().to_string(),
                changes_state: v["label"] == "state-changing",
            }
        })
        .collect()
}

/// Points every literal URL host at [`API_HOST`] over plain HTTP (hosts
/// written as variables are left to `[vars]`).
fn map_urls(cmd: &str) -> String {
    let cmd = cmd.replace("https://", "http://");
    let mut out = String::with_capacity(cmd.len());
    let mut rest = cmd.as_str();
    while let Some(at) = rest.find("http://") {
        let (before, after) = rest.split_at(at + "http://".len());
        out.push_str(before);
        let end = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '_')))
            .unwrap_or(after.len());
        if end > 0 {
            out.push_str(API_HOST);
            rest = &after[end..];
        } else {
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// The corpus as one Markdown checklist: item `c{i}` holds command `i`.
fn checklist(entries: &[Entry], sandbox: &Sandbox) -> String {
    let mut doc = String::from("# Corpus, live\n\n## Steps\n\n");
    for (i, e) in entries.iter().enumerate() {
        let cmd = sandbox.confine_paths(&map_urls(&e.cmd));
        doc.push_str(&format!("- [ ] c{i}\n  ```bash\n"));
        for line in cmd.lines() {
            doc.push_str("  ");
            doc.push_str(line);
            doc.push('\n');
        }
        doc.push_str("  ```\n\n");
    }
    doc
}

fn profile(fixture: &BlockingFixture, pg_url: &str, redis_port: u16) -> String {
    let port = fixture.addr().port();
    format!(
        r#"name = "corpus-live"
[hosts]
"{API_HOST}" = "{base}"
[vars]
DATABASE_URL = "{pg_url}"
CONNECTION_STRING = "{pg_url}"
HOST = "127.0.0.1"
PORT = "{port}"
BASEURL = "http://{API_HOST}"
TOKEN = "t0k3n"
token = "t0k3n"
METHOD = "DELETE"
TIMEOUT = "2"
[services]
postgres = "{pg_url}"
redis = "redis://127.0.0.1:{redis_port}"
[policy]
timeout = "3s"
shell_timeout = "3s"
"#,
        base = fixture.base_url()
    )
}

/// Tally of the report's steps and the state-changing commands that ran as
/// shell steps.
fn tally(report: &Value, entries: &[Entry]) -> (BTreeMap<String, usize>, Vec<String>) {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut shell_writes = Vec::new();
    let items = report["items"].as_array().cloned().unwrap_or_default();
    for item in &items {
        let index = item["text"]
            .as_str()
            .and_then(|t| t.trim().strip_prefix('c'))
            .and_then(|n| n.parse::<usize>().ok());
        for step in item["steps"].as_array().into_iter().flatten() {
            let probe = step["probe"].as_str().unwrap_or("?");
            let status = step["status"].as_str().unwrap_or("?");
            let ran = matches!(status, "passed" | "failed" | "needs_review");
            let key = match (probe, ran) {
                ("shell", true) => "shell steps run".to_string(),
                (_, true) => format!("native {probe} steps run"),
                (_, false) => format!("{status} ({probe})"),
            };
            *counts.entry(key).or_default() += 1;
            if ran
                && probe == "shell"
                && let Some(e) = index.and_then(|i| entries.get(i))
                && e.changes_state
            {
                shell_writes.push(format!(
                    "shell step ran a state-changing command: {:?}",
                    e.cmd
                ));
            }
        }
    }
    (counts, shell_writes)
}

#[test]
fn a_default_run_of_the_whole_corpus_changes_nothing() {
    if !services_available() {
        return;
    }
    run_live("all", &corpus());
}

/// The harness itself: the read-only commands, run the same way, must
/// leave every target as it was (no false alarm, and no read-only label
/// that is really a write).
#[test]
fn the_read_only_part_of_the_corpus_leaves_the_targets_alone() {
    if !services_available() {
        return;
    }
    let reads: Vec<Entry> = corpus().into_iter().filter(|e| !e.changes_state).collect();
    run_live("reads", &reads);
}

/// Runs `entries` as one checklist with default allowances and fails on
/// any change to the targets.
fn run_live(tag: &str, entries: &[Entry]) {
    let sandbox = Sandbox::create(scratch(&format!("corpus-live-{tag}")));
    let fixture = BlockingFixture::start(FixtureConfig::default()).expect("fixture starts");
    let mut redis = ScratchRedis::start(&sandbox.base.join("redis"));
    redis.seed();
    let mut pg = ScratchPg::create(tag);
    pg.open_idle(3);
    write_shims(&sandbox, fixture.addr().port(), redis.port, &pg.url);

    let doc_path = sandbox.doc.join("checklist.md");
    std::fs::write(&doc_path, checklist(entries, &sandbox)).unwrap();
    let profile_path = sandbox.doc.join("profile.toml");
    std::fs::write(&profile_path, profile(&fixture, &pg.url, redis.port)).unwrap();
    let report_path = sandbox.base.join("report.json");

    let fixtures_dir = repo_root().join("fixtures");
    let files_before = [
        ("fixtures", snapshot_files(&fixtures_dir, &[])),
        (
            "checklist folder",
            snapshot_files(&sandbox.doc, &[".greenlight"]),
        ),
        ("HOME", snapshot_files(&sandbox.home, &[])),
        ("fake root", snapshot_files(&sandbox.root, &[])),
    ];
    let pg_before = pg.snapshot();
    let redis_before = redis.snapshot();

    let path = format!(
        "{}:{}",
        sandbox.shims.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let started = Instant::now();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_greenlight"))
        .args([
            "run",
            doc_path.to_str().unwrap(),
            "--env",
            profile_path.to_str().unwrap(),
            "--json",
            report_path.to_str().unwrap(),
        ])
        .current_dir(&sandbox.work)
        .env("PATH", path)
        .env("HOME", &sandbox.home)
        .env("TMPDIR", sandbox.work.join("tmp"))
        .env("GIT_CEILING_DIRECTORIES", &sandbox.base)
        .env("DATABASE_URL", &pg.url)
        .env("PGHOST", "127.0.0.1")
        .env("PGUSER", &pg.name)
        .env("PGDATABASE", &pg.name)
        .env("NO_COLOR", "1")
        .env_remove("KUBECONFIG")
        .env_remove("REDISCLI_AUTH")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("greenlight starts");
    let stderr_pipe = child.stderr.take().unwrap();
    let stderr_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut { stderr_pipe }, &mut s);
        s
    });
    let deadline = started + Duration::from_secs(150);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break Some(s);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let took = started.elapsed();
    let stderr = stderr_reader.join().unwrap_or_default();

    // --- What changed -----------------------------------------------------
    let mut changes: Vec<String> = Vec::new();
    for r in fixture.control().requests() {
        let method_ok = matches!(r.method.as_str(), "GET" | "HEAD" | "OPTIONS");
        let override_header = r
            .headers
            .iter()
            .find(|(n, _)| n.contains("method"))
            .map(|(n, v)| format!("{n}: {v}"));
        if !method_ok || override_header.is_some() || !r.body.is_empty() {
            changes.push(format!(
                "HTTP: {} {}{}{}",
                r.method,
                r.path,
                override_header
                    .map(|h| format!(" [{h}]"))
                    .unwrap_or_default(),
                if r.body.is_empty() {
                    String::new()
                } else {
                    format!(" [body {} bytes]", r.body.len())
                }
            ));
        }
    }
    let http_total = fixture.control().total_requests();
    changes.extend(diff("PostgreSQL", &pg_before, &pg.snapshot()));
    let alive = pg.idle_alive();
    if alive != 3 {
        changes.push(format!(
            "PostgreSQL: {} of 3 idle connections were killed",
            3 - alive
        ));
    }
    if redis.responsive() {
        changes.extend(diff("Redis", &redis_before, &redis.snapshot()));
    } else {
        changes.push(
            "Redis: the server no longer answers (clients paused, put to sleep or shut down); \
             keys could not be compared"
                .into(),
        );
    }
    if !redis.watcher_alive() {
        changes.push("Redis: the watching connection was killed".into());
    }
    for (name, before) in &files_before {
        let after = match *name {
            "fixtures" => snapshot_files(&fixtures_dir, &[]),
            "checklist folder" => snapshot_files(&sandbox.doc, &[".greenlight"]),
            "HOME" => snapshot_files(&sandbox.home, &[]),
            _ => snapshot_files(&sandbox.root, &[]),
        };
        changes.extend(diff(&format!("files ({name})"), before, &after));
    }

    // --- Figures ----------------------------------------------------------
    let report: Value = std::fs::read(&report_path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or(Value::Null);
    let (counts, shell_writes) = tally(&report, entries);
    let stand_ins = std::fs::read_to_string(&sandbox.shim_log).unwrap_or_default();
    eprintln!(
        "corpus live run ({tag}): {} commands, exit {:?}, {:.1}s, verdict {}",
        entries.len(),
        status.and_then(|s| s.code()),
        took.as_secs_f64(),
        report["verdict"]
    );
    for (k, n) in &counts {
        eprintln!("  {k}: {n}");
    }
    eprintln!(
        "  HTTP requests received: {http_total}; stand-in programs invoked: {}",
        stand_ins.lines().count()
    );
    eprintln!("changes ({}):", changes.len());
    for c in &changes {
        eprintln!("  {c}");
    }
    eprintln!(
        "state-changing commands run as shell steps ({}):",
        shell_writes.len()
    );
    for w in &shell_writes {
        eprintln!("  {w}");
    }

    assert!(
        status.is_some(),
        "the run did not finish in 150 s\n{stderr}"
    );
    assert!(
        report.is_object(),
        "no JSON report (exit {status:?})\n{stderr}"
    );
    assert!(
        changes.is_empty() && shell_writes.is_empty(),
        "a default run changed the world: {} changes, {} state-changing shell steps (see above)",
        changes.len(),
        shell_writes.len()
    );
    drop(redis);
    drop(pg);
    let _ = std::fs::remove_dir_all(&sandbox.base);
}

#[test]
fn urls_are_pointed_at_the_recording_server() {
    assert_eq!(
        map_urls("curl -X DELETE https://api.example.com/items/1"),
        "curl -X DELETE http://corpus-api.test/items/1"
    );
    assert_eq!(
        map_urls("curl -sSf \"http://$HOST:$PORT/healthz\""),
        "curl -sSf \"http://$HOST:$PORT/healthz\""
    );
    assert_eq!(
        map_urls("curl -I http://localhost"),
        "curl -I http://corpus-api.test"
    );
    assert_eq!(
        map_urls("wget -qO- http://download.redis.io:80/x?a=1"),
        "wget -qO- http://corpus-api.test/x?a=1"
    );
}
