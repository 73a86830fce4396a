//! `greenlight watch`: compressed windows against a loopback stand-in whose
//! health turns bad after a known number of requests (one probe per tick,
//! so the change happens at a known tick), a signed webhook received and
//! verified, the armed rollback run against the stand-in, the refused one
//! pausing, resume after a kill, and seed 001's checkpoints.

use crate::support::*;
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, SystemTime};

/// A loopback HTTP service: `GET /health` answers 200 for its first
/// `healthy_for` requests, then 500; a Prometheus query API answers CPU 93 %; any other
/// GET answers 200; `POST
/// /switch-back` answers 200 and is counted (the rollback's target).
struct StandIn {
    base: String,
    health: Arc<AtomicU64>,
    switched: Arc<AtomicU64>,
    queries: Arc<AtomicU64>,
}

impl StandIn {
    fn start(healthy_for: u64) -> StandIn {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let health = Arc::new(AtomicU64::new(0));
        let switched = Arc::new(AtomicU64::new(0));
        let queries = Arc::new(AtomicU64::new(0));
        let (h, s, q) = (health.clone(), switched.clone(), queries.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { break };
                let (h, s, q) = (h.clone(), s.clone(), q.clone());
                std::thread::spawn(move || serve(conn, healthy_for, [&h, &s, &q]));
            }
        });
        StandIn {
            base,
            health,
            switched,
            queries,
        }
    }
}

/// `counters`: `/health` requests, `/switch-back` requests, Prometheus queries.
fn serve(conn: std::net::TcpStream, healthy_for: u64, counters: [&AtomicU64; 3]) {
    let [health, switched, queries] = counters;
    let _ = conn.set_read_timeout(Some(Duration::from_secs(10)));
    let mut r = BufReader::new(conn);
    loop {
        let mut request = String::new();
        if r.read_line(&mut request).unwrap_or(0) == 0 {
            return;
        }
        let mut len = 0usize;
        loop {
            let mut line = String::new();
            if r.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let lower = line.trim_end().to_ascii_lowercase();
            if lower.is_empty() {
                break;
            }
            if let Some(v) = lower.strip_prefix("content-length:") {
                len = v.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; len];
        let _ = r.read_exact(&mut body);
        let (status, text) = if request.starts_with("GET /health") {
            let n = health.fetch_add(1, Ordering::SeqCst) + 1;
            if n <= healthy_for {
                ("200 OK", "{\"status\":\"ok\"}")
            } else {
                ("500 Internal Server Error", "{\"status\":\"unhealthy\"}")
            }
        } else if request.starts_with("POST /switch-back") {
            switched.fetch_add(1, Ordering::SeqCst);
            ("200 OK", "{\"ok\":true}")
        } else if request.starts_with("GET /api/v1/query") {
            // A Prometheus instant query: CPU at 93 %, whatever is asked.
            queries.fetch_add(1, Ordering::SeqCst);
            (
                "200 OK",
                r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1790000000,"0.93"]}]}}"#,
            )
        } else if request.starts_with("GET ") {
            ("200 OK", "{}")
        } else {
            ("404 Not Found", "{}")
        };
        let reply = format!(
            "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{text}",
            text.len()
        );
        if r.get_mut().write_all(reply.as_bytes()).is_err() {
            return;
        }
    }
}

/// A received webhook: its headers (names lower-cased) and raw body.
type Delivery = (Vec<(String, String)>, Vec<u8>);

/// A webhook receiver: each POST's headers and raw body.
fn receiver() -> (String, mpsc::Receiver<Delivery>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for conn in listener.incoming().take(20) {
            let Ok(conn) = conn else { break };
            conn.set_read_timeout(Some(Duration::from_secs(10)))
                .unwrap();
            let mut r = BufReader::new(conn);
            let mut headers = Vec::new();
            let mut len = 0;
            loop {
                let mut line = String::new();
                if r.read_line(&mut line).unwrap_or(0) == 0 {
                    break;
                }
                let line = line.trim_end().to_string();
                if line.is_empty() {
                    break;
                }
                if let Some((k, v)) = line.split_once(':') {
                    let k = k.trim().to_ascii_lowercase();
                    if k == "content-length" {
                        len = v.trim().parse().unwrap_or(0);
                    }
                    headers.push((k, v.trim().to_string()));
                }
            }
            let mut body = vec![0; len];
            let _ = r.read_exact(&mut body);
            let _ = r
                .get_mut()
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
            let _ = tx.send((headers, body));
        }
    });
    (url, rx)
}

const SECRET: &str = "watch-hook-secret-1234";

/// A release whose monitoring section probes `/health`, with a Key
/// Metrics table (error rate target 1 %, rollback at 5 %) and a rollback
/// that POSTs `/switch-back`.
fn release_doc(base: &str) -> String {
    format!(
        "# Release 2.4\n\n## Deploy\n\n- [ ] Deploy the build\n\n\
         ## Key Metrics to Watch\n\n\
         | Metric | Target | Rollback Threshold |\n|---|---|---|\n\
         | Error rate | < 1% | > 5% |\n\
         | Response time (p95) | < 2000ms | > 5000ms |\n\n\
         ## Post-Deployment Monitoring (First 1 hour)\n\n\
         - [ ] Minute 10: health checked\n\n  ```bash\n  curl -fsS {base}/health\n  ```\n\n\
         - [ ] Hour 1: traffic normal\n\n\
         ## Rollback\n\n1. Switch traffic back\n\n   ```bash\n   curl -fsS -X POST {base}/switch-back\n   ```\n"
    )
}

struct Case {
    dir: PathBuf,
    file: String,
    env: String,
    store: String,
}

fn case(name: &str, doc: &str, profile: &str, hook: Option<&str>) -> Case {
    let dir = scratch(name);
    let file = dir.join("RELEASE.md");
    std::fs::write(&file, doc).unwrap();
    let env = dir.join("prod.toml");
    std::fs::write(&env, profile).unwrap();
    if let Some(url) = hook {
        std::fs::write(
            dir.join("greenlight.toml"),
            format!(
                "[[webhooks]]\nname = \"room\"\nurl = \"{url}\"\nsecret_env = \"WATCH_HOOK_SECRET\"\n"
            ),
        )
        .unwrap();
    }
    Case {
        store: dir.join("runs.db").display().to_string(),
        file: file.display().to_string(),
        env: env.display().to_string(),
        dir,
    }
}

fn command(c: &Case, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_greenlight"));
    cmd.args(args)
        .current_dir(&c.dir)
        .env("NO_COLOR", "1")
        .env("WATCH_HOOK_SECRET", SECRET)
        .env("GREENLIGHT_USER", "ana");
    cmd
}

fn gl(c: &Case, args: &[&str]) -> Output {
    command(c, args).output().expect("greenlight runs")
}

fn watch_args<'a>(c: &'a Case, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "watch",
        &c.file,
        "--env",
        &c.env,
        "--store",
        &c.store,
        "--release",
        "2.4",
    ];
    args.extend_from_slice(extra);
    args
}

/// `(kind, item, payload)` of the run's watch events, in order.
fn events(store: &str, kinds: &[&str]) -> Vec<(String, Option<String>, Value)> {
    let db = rusqlite::Connection::open(store).unwrap();
    // Not created yet: the watch has not opened the store.
    let Ok(mut q) = db.prepare("SELECT kind, item, payload FROM events ORDER BY run_id, seq")
    else {
        return Vec::new();
    };
    q.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, Option<String>>(1)?,
            r.get::<_, String>(2)?,
        ))
    })
    .unwrap()
    .map(|r| r.unwrap())
    .filter(|(k, _, _)| kinds.contains(&k.as_str()))
    .map(|(k, i, p)| (k, i, serde_json::from_str(&p).unwrap()))
    .collect()
}

/// The watch's run ID.
fn watch_run(store: &str) -> String {
    rusqlite::Connection::open(store)
        .unwrap()
        .query_row(
            "SELECT run_id FROM events WHERE kind = 'watch_started'",
            [],
            |r| r.get(0),
        )
        .unwrap()
}

/// Runs a release first (so arming has a run to attach to), arms when asked.
fn run_release(c: &Case) {
    let out = gl(
        c,
        &[
            "run",
            &c.file,
            "--env",
            &c.env,
            "--store",
            &c.store,
            "--release",
            "2.4",
        ],
    );
    assert!(out.status.code().is_some(), "{}", stderr(&out));
}

const PROFILE: &str = "name = \"prod\"\n[allow]\nclasses = [\"read\", \"mutating\"]\n\
    [rollback]\nautomatic = true\n[watch]\non_breach = [\"notify\", \"rollback\"]\n";

#[test]
fn a_breach_mid_window_is_caught_within_a_gate_window_notified_and_rolled_back_when_armed() {
    // Healthy for 20 ticks (20 minutes of the window), then failing.
    let s = StandIn::start(20);
    let (hook, hooks) = receiver();
    let c = case("watch-breach", &release_doc(&s.base), PROFILE, Some(&hook));
    run_release(&c);
    let mut transcript = String::new();
    let arm = gl(
        &c,
        &[
            "rollback",
            &c.file,
            "--env",
            &c.env,
            "--store",
            &c.store,
            "--release",
            "2.4",
            "--arm",
            "--expires",
            "2h",
        ],
    );
    assert_eq!(arm.status.code(), Some(0), "{}", stderr(&arm));
    transcript.push_str(&format!(
        "$ greenlight rollback RELEASE.md --env prod.toml --release 2.4 --arm --expires 2h\n{}{}\n",
        stdout(&arm),
        stderr(&arm)
    ));
    let out = gl(
        &c,
        &watch_args(
            &c,
            &["--for", "1h", "--every", "1m", "--time-scale", "1200"],
        ),
    );
    let (so, se) = (stdout(&out), stderr(&out));
    transcript.push_str(&format!(
        "$ greenlight watch RELEASE.md --env prod.toml --release 2.4 --for 1h --every 1m --time-scale 1200\n{se}{so}\nexit {:?}\n",
        out.status.code()
    ));
    assert_eq!(out.status.code(), Some(1), "a breach is NO_GO\n{se}\n{so}");
    assert!(so.contains("BREACH"), "{so}");
    // The breach: error rate, over > 5 %, within one gate window (5 ticks)
    // of the first failing tick (tick 21, at 21 minutes).
    let states = events(&c.store, &["watch_state"]);
    let breach = states
        .iter()
        .find(|(_, _, p)| p["to"] == "breach" && p["metric"] == "error rate")
        .unwrap_or_else(|| panic!("no error-rate breach: {states:?}"));
    let at = breach.2["at_secs"].as_u64().unwrap();
    assert!(
        (21 * 60..=(21 + 5) * 60).contains(&at),
        "breach at {at}s, the change was at 1260s"
    );
    assert_eq!(breach.2["bound"], "> 5%", "{:?}", breach.2);
    assert!(breach.2["line"].as_u64().unwrap() > 0);
    // No state change before the stand-in changed.
    assert!(
        states
            .iter()
            .all(|(_, _, p)| p["at_secs"].as_u64().unwrap() >= 21 * 60),
        "{states:?}"
    );
    // The webhook, signed.
    let (headers, body) = hooks
        .recv_timeout(Duration::from_secs(15))
        .expect("the webhook arrives");
    let header = |k: &str| {
        headers
            .iter()
            .find(|(h, _)| h == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    assert_eq!(header("x-greenlight-event"), "watch_breach");
    greenlight_notify::verify(
        SECRET.as_bytes(),
        &header("x-greenlight-signature"),
        &body,
        SystemTime::now(),
        Duration::from_secs(300),
    )
    .expect("the signature verifies");
    let payload: Value = serde_json::from_slice(&body).unwrap();
    let text = payload.to_string();
    assert!(text.contains("error rate"), "{text}");
    // The armed rollback ran its step against the stand-in, once.
    assert_eq!(s.switched.load(Ordering::SeqCst), 1, "{se}");
    let actions = events(&c.store, &["watch_action"]);
    let kinds: Vec<&str> = actions
        .iter()
        .map(|(_, _, p)| p["action"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"notified"), "{actions:?}");
    assert!(kinds.contains(&"rolled_back"), "{actions:?}");
    // The window stopped there, and the release is NO_GO with the reason.
    let ended = events(&c.store, &["watch_ended"]);
    assert_eq!(ended.len(), 1);
    assert_eq!(ended[0].2["outcome"], "breach");
    // The watch run's verdict (the latest run is the rollback's own).
    let run = watch_run(&c.store);
    let decide = gl(&c, &["decide", &run, "--store", &c.store]);
    assert_eq!(decide.status.code(), Some(1), "{}", stdout(&decide));
    let text = squashed(&stdout(&decide));
    transcript.push_str(&format!("$ greenlight decide {run}\n{}\n", stdout(&decide)));
    assert!(
        text.contains("error rate observed") && text.contains("over the bound > 5%"),
        "{text}"
    );
    let history = gl(&c, &["history", "--store", &c.store]);
    let table = stdout(&history);
    assert!(table.contains("rollback (automatic)"), "{table}");
    assert!(table.contains(" watch "), "{table}");
    transcript.push_str(&format!("$ greenlight history\n{table}"));
    let path = std::env::var_os("GREENLIGHT_TRANSCRIPT")
        .map(PathBuf::from)
        .unwrap_or_else(|| c.dir.join("transcript.txt"));
    std::fs::write(&path, transcript).unwrap();
    eprintln!("transcript: {}", path.display());
}

#[test]
fn an_unarmed_rollback_is_refused_and_the_window_pauses() {
    let s = StandIn::start(3);
    let c = case("watch-unarmed", &release_doc(&s.base), PROFILE, None);
    run_release(&c);
    let out = gl(
        &c,
        &watch_args(&c, &["--for", "1h", "--time-scale", "1200"]),
    );
    let (so, se) = (stdout(&out), stderr(&out));
    assert_eq!(out.status.code(), Some(1), "{se}\n{so}");
    assert_eq!(s.switched.load(Ordering::SeqCst), 0, "rolled back unarmed");
    let actions = events(&c.store, &["watch_action"]);
    let refused = actions
        .iter()
        .find(|(_, _, p)| p["action"] == "refused")
        .unwrap_or_else(|| panic!("{actions:?}"));
    assert!(
        refused.2["detail"]
            .as_str()
            .unwrap()
            .contains("nobody armed automatic rollback"),
        "{:?}",
        refused.2
    );
    assert!(actions.iter().any(|(_, _, p)| p["action"] == "paused"));
    // No webhook configured: said so.
    assert!(
        actions
            .iter()
            .any(|(_, _, p)| p["action"] == "not_notified")
    );
    assert!(
        events(&c.store, &["watch_ended"]).is_empty(),
        "a paused window ends"
    );
    assert!(
        squashed(&so).contains("continue with: greenlight resume"),
        "{so}"
    );
}

#[test]
fn a_steady_service_over_a_compressed_48h_window_never_breaches() {
    let s = StandIn::start(u64::MAX);
    let c = case("watch-steady", &release_doc(&s.base), PROFILE, None);
    let out = gl(
        &c,
        &watch_args(
            &c,
            &[
                "--for",
                "48h",
                "--every",
                "1m",
                "--time-scale",
                "86400",
                "-q",
            ],
        ),
    );
    let (so, se) = (stdout(&out), stderr(&out));
    assert_eq!(out.status.code(), Some(0), "{se}\n{so}");
    assert_eq!(s.health.load(Ordering::SeqCst), 2880, "one probe per tick");
    assert!(events(&c.store, &["watch_state", "watch_action"]).is_empty());
    let windows = events(&c.store, &["watch_window"]);
    assert_eq!(windows.len(), 2880 / 5, "one aggregate per gate window");
    let ended = events(&c.store, &["watch_ended"]);
    assert_eq!(ended[0].2["outcome"], "ok");
    assert!(se.is_empty() || !se.contains("BREACH"), "{se}");
}

#[test]
fn a_killed_window_resumes_where_it_stopped_without_repeating_checkpoints() {
    let s = StandIn::start(u64::MAX);
    let c = case("watch-resume", &release_doc(&s.base), PROFILE, None);
    // 1h at 1m ticks over 6 real seconds: Minute 10 comes at 1 s.
    let mut child = command(
        &c,
        &watch_args(&c, &["--for", "1h", "--time-scale", "600", "-q"]),
    )
    .stdout(Stdio::null())
    .stderr(Stdio::null())
    .spawn()
    .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while events(&c.store, &["watch_checkpoint"]).is_empty() {
        assert!(std::time::Instant::now() < deadline, "no checkpoint");
        std::thread::sleep(Duration::from_millis(100));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let before = events(&c.store, &["watch_checkpoint", "watch_window"]);
    let done_at = before
        .iter()
        .filter_map(|(_, _, p)| p["at_secs"].as_u64())
        .max()
        .unwrap();
    assert!(done_at < 3600, "the kill came too late: {done_at}");
    let run = watch_run(&c.store);
    // The release is PENDING while the window is open.
    let status = gl(&c, &["decide", &run, "--store", &c.store]);
    assert_eq!(status.status.code(), Some(3), "{}", stdout(&status));
    assert!(
        squashed(&stdout(&status)).contains("watch window open until"),
        "{}",
        stdout(&status)
    );
    let probes_before = s.health.load(Ordering::SeqCst);
    // `greenlight resume` knows a watch run; its recorded scale is kept.
    let out = gl(&c, &["resume", &run, "--env", &c.env, "--store", &c.store]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}",
        stderr(&out),
        stdout(&out)
    );
    let probes = s.health.load(Ordering::SeqCst) - probes_before;
    // It continued from the last recorded minute, not from the start.
    assert!(
        probes <= 60 - done_at / 60,
        "{probes} probes after {done_at}s"
    );
    let checkpoints: Vec<String> = events(&c.store, &["watch_checkpoint"])
        .iter()
        .map(|(_, _, p)| p["label"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        checkpoints,
        vec!["Minute 10", "Hour 1"],
        "each once, in order"
    );
    let resumed = events(&c.store, &["run_resumed"]);
    assert_eq!(resumed.len(), 1);
    owed_then_go(&c, &run);
}

/// A window that ended ok leaves the run PENDING while people owe the
/// checkpoint item `Hour 1: traffic normal` (a person's judgement, not a
/// gate's): never GO. Once people check what they owe, the run is GO.
fn owed_then_go(c: &Case, run: &str) {
    let decide = gl(c, &["decide", run, "--store", &c.store]);
    let so = stdout(&decide);
    assert_eq!(decide.status.code(), Some(3), "{so}");
    assert!(so.contains("1 manual"), "{so}");
    let json = stdout(&gl(c, &["decide", run, "--store", &c.store, "--json"]));
    assert!(json.contains("Hour 1: traffic normal"), "{json}");
    assert!(!so.contains("watch window open"), "the window closed\n{so}");
    let doc = std::fs::read_to_string(&c.file).unwrap();
    let deploy = format!("L{}", line_of(&doc, "- [ ] Deploy"));
    let hour = format!("L{}", line_of(&doc, "- [ ] Hour 1"));
    let checked = gl(c, &["check", run, &deploy, &hour, "--store", &c.store]);
    assert_eq!(checked.status.code(), Some(0), "{}", stderr(&checked));
    let decide = gl(c, &["decide", run, "--store", &c.store]);
    assert_eq!(decide.status.code(), Some(0), "{}", stdout(&decide));
}

#[test]
fn seed_001_checkpoints_are_recorded_in_order() {
    let s = StandIn::start(u64::MAX);
    let seed = std::fs::read_to_string(repo_root().join(seed_path(1))).unwrap();
    // The monitoring section's curl checks go to the stand-in.
    let profile = format!(
        "name = \"staging\"\n[hosts]\n\"api.yourdomain.com\" = \"{}\"\n",
        s.base
    );
    let c = case("watch-seed-001", &seed, &profile, None);
    // The window comes from the document (48-HOUR MONITORING WINDOW), compressed.
    let out = gl(
        &c,
        &watch_args(&c, &["--every", "10m", "--time-scale", "86400"]),
    );
    let (so, se) = (stdout(&out), stderr(&out));
    assert_eq!(out.status.code(), Some(0), "{se}\n{so}");
    assert_eq!(
        s.health.load(Ordering::SeqCst),
        48 * 6,
        "one /health probe per tick"
    );
    let checkpoints: Vec<(u64, String)> = events(&c.store, &["watch_checkpoint"])
        .iter()
        .map(|(_, _, p)| {
            (
                p["after_secs"].as_u64().unwrap(),
                p["label"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        checkpoints,
        vec![
            // The headings' own points (`Immediate Verification (First 10
            // minutes)`, `Performance Monitoring (First 30 minutes)`) …
            (600, "First 10 minutes".to_string()),
            (1800, "First 30 minutes".to_string()),
            // … and the 48-hour window's items.
            (3600, "Hour 1".to_string()),
            (6 * 3600, "Hour 6".to_string()),
            (24 * 3600, "Hour 24".to_string()),
            (48 * 3600, "Hour 48".to_string()),
        ],
        "{se}"
    );
    let started = events(&c.store, &["watch_started"]);
    assert_eq!(started[0].2["window_secs"], 48 * 3600);
    // Memory and CPU have no source: said once, up front.
    assert!(se.contains("memory: no source"), "{se}");
    // A window that ended ok is not a GO for the release while people still
    // owe its checkpoint items and sign-offs: the watch run is PENDING, in
    // `decide` and in `history`, never GO.
    let run = watch_run(&c.store);
    let decided = gl(&c, &["decide", &run, "--store", &c.store]);
    let (dso, dse) = (stdout(&decided), stderr(&decided));
    assert_eq!(decided.status.code(), Some(3), "{dse}\n{dso}");
    assert!(
        dso.starts_with("PENDING") || dso.contains("\nPENDING"),
        "{dso}"
    );
    assert!(
        dso.contains("sign-off"),
        "the sign-offs owed are named\n{dso}"
    );
    let history = gl(&c, &["history", "--store", &c.store]);
    let row = stdout(&history)
        .lines()
        .find(|l| l.starts_with(run.as_str()))
        .map(str::to_string)
        .unwrap_or_default();
    assert!(row.contains("PENDING") && !row.contains(" GO "), "{row}");
}

#[test]
fn a_window_on_postgres_is_recorded_and_judges_the_release() {
    if !services_available() {
        return;
    }
    let s = StandIn::start(2);
    let store = format!(
        "postgres://postgres@127.0.0.1:5432/postgres?schema=gl_e2e_watch_{}",
        std::process::id()
    );
    let c = case("watch-pg", &release_doc(&s.base), "name = \"prod\"\n", None);
    let out = gl(
        &c,
        &[
            "watch",
            &c.file,
            "--env",
            &c.env,
            "--store",
            &store,
            "--release",
            "2.4",
            "--for",
            "30m",
            "--time-scale",
            "600",
            "-q",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}\n{}",
        stderr(&out),
        stdout(&out)
    );
    let decide = gl(&c, &["decide", "--store", &store]);
    assert_eq!(decide.status.code(), Some(1), "{}", stdout(&decide));
    assert!(
        squashed(&stdout(&decide)).contains("over the bound > 5%"),
        "{}",
        stdout(&decide)
    );
    let history = gl(&c, &["history", "--store", &store]);
    // The kind column (the path has `watch-pg-…` in it too).
    assert!(stdout(&history).contains(" watch "), "{}", stdout(&history));
    assert!(
        stdout(&history).contains("NO_GO") || stdout(&history).contains("NO-GO"),
        "{}",
        stdout(&history)
    );
}

#[test]
fn promql_blocks_feed_their_gates_from_prometheus() {
    let s = StandIn::start(u64::MAX);
    let doc = "# Release 2.5\n\n## Key Metrics\n\n\
               | Metric | Target | Critical Threshold |\n|---|---|---|\n\
               | CPU Usage | < 50% | > 80% |\n| Memory Usage | < 70% | > 90% |\n\n\
               ## Monitoring (First 1 hour)\n\n- [ ] Hour 1: CPU normal\n\n\
               ```promql\navg(rate(process_cpu_seconds_total[1m]))\n```\n";
    let profile = format!(
        "name = \"prod\"\n[metrics]\nprometheus = \"{}\"\ntimeout = \"2s\"\n",
        s.base
    );
    let c = case("watch-promql", doc, &profile, None);
    let out = gl(
        &c,
        &watch_args(&c, &["--for", "30m", "--time-scale", "600"]),
    );
    let (so, se) = (stdout(&out), stderr(&out));
    assert_eq!(out.status.code(), Some(1), "{se}\n{so}");
    assert_eq!(s.queries.load(Ordering::SeqCst), 30, "one query per tick");
    let states = events(&c.store, &["watch_state"]);
    let breach = states
        .iter()
        .find(|(_, _, p)| p["to"] == "breach")
        .unwrap_or_else(|| panic!("{states:?}"));
    assert_eq!(breach.2["metric"], "cpu");
    assert_eq!(breach.2["observed_text"], "93%");
    assert_eq!(breach.2["bound"], "> 80%");
    // Memory has a threshold but no query: reported, not guessed.
    assert!(se.contains("memory: no source"), "{se}");
    let started = events(&c.store, &["watch_started"]);
    assert!(started[0].2["sources"].to_string().contains("prometheus"));
}

#[test]
fn bursts_add_load_samples_when_allowed() {
    let s = StandIn::start(u64::MAX);
    let mut doc = release_doc(&s.base);
    doc.push_str(
        "\n## Load Test\n\n- [ ] Health under load\n\n  ```bash\n  hey -n 200 -c 4 http://api.staging.test/health\n  ```\n",
    );
    // Load goes only to hosts the profile names.
    let profile = format!(
        "name = \"prod\"\n[hosts]\n\"api.staging.test\" = \"{}\"\n",
        s.base
    );
    // Without load allowed, --bursts is refused before anything runs.
    let c = case("watch-bursts", &doc, &profile, None);
    let out = gl(
        &c,
        &watch_args(&c, &["--bursts", "--for", "2m", "--time-scale", "60"]),
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--allow load"), "{}", stderr(&out));
    assert_eq!(s.health.load(Ordering::SeqCst), 0);
    let out = gl(
        &c,
        &watch_args(
            &c,
            &[
                "--bursts",
                "--allow",
                "load",
                "--for",
                "2m",
                "--time-scale",
                "60",
            ],
        ),
    );
    let (so, se) = (stdout(&out), stderr(&out));
    assert_eq!(out.status.code(), Some(0), "{se}\n{so}");
    assert!(se.contains("bursts: burst L"), "{se}");
    // Two ticks: one probe and one burst (about 40 requests) each.
    let served = s.health.load(Ordering::SeqCst);
    assert!(served > 2 * 20, "{served} requests");
    let windows = events(&c.store, &["watch_window"]);
    let p95 = windows
        .iter()
        .flat_map(|(_, _, p)| p["metrics"].as_array().cloned().unwrap_or_default())
        .find(|m| m["metric"] == "p95 latency")
        .expect("p95 samples");
    // The probe's latency and the burst's p95, each tick.
    assert!(p95["count"].as_u64().unwrap() >= 4, "{p95}");
}

#[test]
fn ctrl_c_ends_the_window_interrupted_and_resume_finishes_it() {
    let s = StandIn::start(u64::MAX);
    let c = case("watch-sigint", &release_doc(&s.base), PROFILE, None);
    let child = command(&c, &watch_args(&c, &["--for", "1h", "--time-scale", "600"]))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while events(&c.store, &["watch_checkpoint"]).is_empty() {
        assert!(std::time::Instant::now() < deadline, "no checkpoint");
        std::thread::sleep(Duration::from_millis(100));
    }
    nix_kill_int(child.id());
    let out = child.wait_with_output().unwrap();
    let (so, se) = (stdout(&out), stderr(&out));
    assert_eq!(out.status.code(), Some(3), "PENDING\n{se}\n{so}");
    assert!(so.contains("INTERRUPTED"), "{so}");
    assert!(so.contains("continue with: greenlight resume"), "{so}");
    let ended = events(&c.store, &["watch_ended"]);
    assert_eq!(ended.len(), 1);
    assert_eq!(ended[0].2["outcome"], "interrupted");
    let run = watch_run(&c.store);
    let decide = gl(&c, &["decide", &run, "--store", &c.store]);
    assert_eq!(decide.status.code(), Some(3), "{}", stdout(&decide));
    assert!(
        squashed(&stdout(&decide)).contains("interrupted"),
        "{}",
        stdout(&decide)
    );
    let out = gl(&c, &["resume", &run, "--env", &c.env, "--store", &c.store]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}",
        stderr(&out),
        stdout(&out)
    );
    let ended = events(&c.store, &["watch_ended"]);
    assert_eq!(ended.last().unwrap().2["outcome"], "ok");
    owed_then_go(&c, &run);
}

/// The line (1-based) of `doc` that starts with `prefix`.
fn line_of(doc: &str, prefix: &str) -> usize {
    doc.lines()
        .position(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no line {prefix:?}"))
        + 1
}

#[test]
fn unread_threshold_lines_plain_bullets_and_a_down_prometheus_are_shown() {
    let s = StandIn::start(u64::MAX);
    // A Prometheus that is down: a port nobody listens on any more.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let doc = format!(
        "# Release 2.6\n\n## Key Metrics\n\n\
         | Metric | Target | Critical Threshold |\n|---|---|---|\n\
         | Memory Usage | < 70% | > 90% |\n\n\
         ## Post-Deployment Monitoring (First 1 hour)\n\n\
         - [ ] CPU/memory < 80%\n\
         - [ ] Hour 1: health checked\n\n  ```bash\n  curl -fsS {}/health\n  ```\n\n\
         ```promql\navg(process_resident_memory_bytes{{job=\"api\"}})\n```\n\n\
         ## Rollback Criteria\n\n- [ ] Owner on call\n- Error rate > 3%\n",
        s.base
    );
    let unread = line_of(&doc, "- [ ] CPU/memory");
    let bullet = line_of(&doc, "- Error rate > 3%");
    let promql = line_of(&doc, "avg(process_resident");
    let profile =
        format!("name = \"prod\"\n[metrics]\nprometheus = \"{closed}\"\ntimeout = \"2s\"\n");
    let c = case("watch-unread", &doc, &profile, None);
    let out = gl(
        &c,
        &watch_args(&c, &["--for", "10m", "--time-scale", "600"]),
    );
    let (so, se) = (stdout(&out), stderr(&out));
    assert_eq!(out.status.code(), Some(0), "{se}\n{so}");
    // The unread line, once at the start, with its reason.
    let note = format!(
        "L{unread}: not read as a threshold (names more than one metric): CPU/memory < 80%"
    );
    assert_eq!(se.matches(&note).count(), 1, "{se}");
    assert!(
        so.contains(&format!(
            "not read as thresholds (no gate watches them): L{unread}"
        )),
        "{so}"
    );
    let started = events(&c.store, &["watch_started"]);
    assert_eq!(started[0].2["not_read"][0]["line"], unread, "{started:?}");
    // The plain bullet beside the checkbox is the error-rate gate.
    let gates = started[0].2["gates"].as_array().unwrap().clone();
    let error_rate = gates
        .iter()
        .find(|g| g["metric"] == "error rate")
        .unwrap_or_else(|| panic!("{gates:?}"));
    assert_eq!(error_rate["lines"], serde_json::json!([bullet]));
    // Prometheus down: the summary says why the memory gate has no value.
    assert!(
        so.contains(&format!("source promql L{promql}: ")) && so.contains("(10 ticks failed)"),
        "{so}"
    );
}

#[test]
fn a_service_that_goes_down_breaches_the_error_rate_and_the_summary_says_why() {
    // A stand-in that answers /health, then stops listening: every later
    // probe cannot connect.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        // One request per connection, three in all.
        for conn in listener.incoming().take(3) {
            let Ok(mut conn) = conn else { break };
            let _ = conn.set_read_timeout(Some(Duration::from_secs(10)));
            let mut r = BufReader::new(conn.try_clone().unwrap());
            loop {
                let mut line = String::new();
                if r.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
                    break;
                }
            }
            let _ = conn
                .write_all(b"HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 2\r\n\r\n{}");
        }
        // The listener is dropped here: the port refuses connections.
    });
    let c = case("watch-down", &release_doc(&base), "name = \"prod\"\n", None);
    let out = gl(
        &c,
        &watch_args(&c, &["--for", "20m", "--time-scale", "600"]),
    );
    let (so, se) = (stdout(&out), stderr(&out));
    assert_eq!(out.status.code(), Some(1), "{se}\n{so}");
    assert!(so.contains("BREACH"), "{so}");
    let line = line_of(&release_doc(&base), "  curl -fsS");
    let why = so
        .lines()
        .find(|l| l.contains(&format!("source probe L{line}: ")))
        .unwrap_or_else(|| panic!("no reason for the failing probe:\n{so}"));
    assert!(why.contains("ticks failed)"), "{why}");
    // A refused connection is not a fast answer: only the three probes the
    // service answered gave latency samples; the rest count as errors.
    let latency_samples: u64 = events(&c.store, &["watch_window"])
        .iter()
        .flat_map(|(_, _, p)| p["metrics"].as_array().cloned().unwrap_or_default())
        .filter(|m| m["metric"].as_str().unwrap_or("").contains("latency"))
        .map(|m| m["count"].as_u64().unwrap())
        .sum();
    assert!(
        latency_samples <= 3,
        "{latency_samples} latency samples\n{so}"
    );
}
