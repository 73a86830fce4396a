//! `greenlight serve`: the real binary serving a store the CLI writes, on
//! SQLite and PostgreSQL. The API gives the verdict `status` gives; runs
//! and people's work recorded with the CLI arrive live over SSE, also on
//! two servers sharing one PostgreSQL store; SIGTERM stops it cleanly.

use crate::run::{start, write};
use crate::store::{backends, gl, json_of};
use crate::support::*;
use greenlight_fixture::Faults;
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const DOC: &str = "# Release\n\n## Checks *(5 min)*\n\n- [ ] **Health**\n  ```bash\n  curl -f BASE/health\n  ```\n- [ ] Release notes reviewed\n\n## Sign-off\n\n**Release Manager:** ______ **Date:** ____\n";

/// A running `greenlight serve` (SIGTERM, then SIGKILL, when dropped).
pub(crate) struct Serve {
    child: Child,
    pub(crate) addr: String,
    /// A viewer's API token.
    token: String,
}

impl Serve {
    pub(crate) fn start(store: &str) -> Serve {
        Serve::start_in(store, &repo_root(), &[])
    }

    /// Starts in `dir` (where its greenlight.toml is found), with `args`.
    pub(crate) fn start_in(store: &str, dir: &std::path::Path, args: &[&str]) -> Serve {
        let mut child = Command::new(env!("CARGO_BIN_EXE_greenlight"))
            .args(["serve", "--store", store, "--listen", "127.0.0.1:0"])
            .args(args)
            .current_dir(dir)
            .env("NO_COLOR", "1")
            .env_remove("GREENLIGHT_AUDIT_KEY")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("greenlight serve starts");
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if let Some(rest) = line.split("listening on http://").nth(1) {
                    let _ = tx.send(rest.split_whitespace().next().unwrap_or("").to_string());
                }
                eprintln!("[serve] {line}");
            }
        });
        let addr = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("serve prints its address within 30 s");
        Serve {
            child,
            addr,
            token: viewer_token(store),
        }
    }

    /// GET with the viewer's token: (status, body).
    fn get_raw(&self, path: &str) -> (u16, String) {
        http_get(&self.addr, Some(&self.token), path)
    }

    /// A live stream, as the viewer.
    fn sse(&self, path: &str) -> Sse {
        Sse::open(&self.addr, Some(&self.token), path)
    }

    pub(crate) fn get(&self, path: &str) -> (u16, Value) {
        let (status, body) = self.get_raw(path);
        let json = serde_json::from_str(&body)
            .unwrap_or_else(|e| panic!("GET {path}: not JSON ({e}): {body}"));
        (status, json)
    }

    fn terminate(&mut self) -> Option<i32> {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Percent-encodes a path segment.
pub(crate) fn seg(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub(crate) fn connect(addr: &str) -> TcpStream {
    let s = TcpStream::connect_timeout(&addr.parse().unwrap(), Duration::from_secs(5)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
    s.set_write_timeout(Some(Duration::from_secs(5))).unwrap();
    s
}

/// Reads a chunked or length-delimited body after the headers.
fn read_response(r: &mut BufReader<TcpStream>) -> (u16, Vec<String>) {
    let mut status = String::new();
    r.read_line(&mut status).unwrap();
    let code: u16 = status
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {status:?}"));
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        r.read_line(&mut line).unwrap();
        if line.trim_end().is_empty() {
            break;
        }
        headers.push(line.trim_end().to_ascii_lowercase());
    }
    (code, headers)
}

/// One chunk of a chunked body (`None` at its end).
pub(crate) fn read_chunk(r: &mut BufReader<TcpStream>) -> Option<Vec<u8>> {
    let mut size = String::new();
    if r.read_line(&mut size).ok()? == 0 {
        return None;
    }
    let n = usize::from_str_radix(size.trim(), 16).ok()?;
    let mut buf = vec![0; n + 2];
    r.read_exact(&mut buf).ok()?;
    buf.truncate(n);
    (n > 0).then_some(buf)
}

/// A viewer's API token for `store`, made with `greenlight users token`.
fn viewer_token(store: &str) -> String {
    token(store, "viewer", &[])
}

/// An API token of `role` (bound to `signs`) for `store`.
fn token(store: &str, role: &str, signs: &[&str]) -> String {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let name = format!(
        "e2e-{role}-{}-{}",
        std::process::id(),
        N.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    );
    let mut args = vec!["users", "token", &name, "--role", role];
    for s in signs {
        args.extend(["--signoff-role", s]);
    }
    let out = gl(&args, store);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    stdout(&out).trim().to_string()
}

fn auth_header(token: Option<&str>) -> String {
    token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"))
}

fn http_get(addr: &str, token: Option<&str>, path: &str) -> (u16, String) {
    let mut s = connect(addr);
    let auth = auth_header(token);
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut r = BufReader::new(s);
    let (code, headers) = read_response(&mut r);
    let mut body = Vec::new();
    if headers.iter().any(|h| h == "transfer-encoding: chunked") {
        while let Some(c) = read_chunk(&mut r) {
            body.extend(c);
        }
    } else {
        r.read_to_end(&mut body).unwrap();
    }
    (code, String::from_utf8(body).unwrap())
}

/// A server-sent events stream.
struct Sse {
    r: BufReader<TcpStream>,
    text: String,
}

impl Sse {
    fn open(addr: &str, token: Option<&str>, path: &str) -> Sse {
        let mut s = connect(addr);
        let auth = auth_header(token);
        write!(
            s,
            "GET {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Accept: text/event-stream\r\n\r\n"
        )
        .unwrap();
        let mut r = BufReader::new(s);
        let (code, headers) = read_response(&mut r);
        assert_eq!(code, 200, "GET {path}");
        assert!(
            headers
                .iter()
                .any(|h| h.starts_with("content-type: text/event-stream")),
            "{headers:?}"
        );
        Sse {
            r,
            text: String::new(),
        }
    }

    /// The next message (event name, data), skipping keep-alive comments;
    /// `None` when the stream ends.
    fn next(&mut self) -> Option<(String, Value)> {
        loop {
            if let Some(end) = self.text.find("\n\n") {
                let msg: String = self.text.drain(..end + 2).collect();
                let mut event = String::from("message");
                let mut data = String::new();
                for line in msg.lines() {
                    if let Some(e) = line.strip_prefix("event:") {
                        event = e.trim().to_string();
                    } else if let Some(d) = line.strip_prefix("data:") {
                        data.push_str(d.trim_start());
                    }
                }
                if data.is_empty() {
                    continue;
                }
                return Some((event, serde_json::from_str(&data).unwrap_or(Value::Null)));
            }
            let chunk = read_chunk(&mut self.r)?;
            self.text.push_str(&String::from_utf8_lossy(&chunk));
        }
    }

    /// Messages until `done` holds for one of them (panics after 20 s).
    fn until(&mut self, mut done: impl FnMut(&str, &Value) -> bool) -> Vec<(String, Value)> {
        let start = Instant::now();
        let mut seen = Vec::new();
        while start.elapsed() < Duration::from_secs(20) {
            let Some((e, d)) = self.next() else { break };
            let stop = done(&e, &d);
            seen.push((e, d));
            if stop {
                return seen;
            }
        }
        panic!("the awaited message did not come; saw {seen:#?}");
    }
}

/// Runs the checklist as a run of `release`; it exits `code` (3: PENDING,
/// 0: GO once people's work of the release covers it).
fn record_run(dir: &std::path::Path, base: &str, store: &str, release: &str, code: i32) -> String {
    let path = write(dir, "release.md", &DOC.replace("BASE", base));
    let out = gl(
        &[
            "run",
            path.to_str().unwrap(),
            "--release",
            release,
            "--json",
            dir.join("r.json").to_str().unwrap(),
        ],
        store,
    );
    assert_eq!(out.status.code(), Some(code), "{}", stderr(&out));
    let report: Value =
        serde_json::from_slice(&std::fs::read(dir.join("r.json")).unwrap()).unwrap();
    report["run_id"].as_str().unwrap().to_string()
}

#[test]
fn the_api_gives_what_status_gives_on_both_backends() {
    const REL: &str = "team/RELEASE.md@v1.2";
    for store in backends("serve_api") {
        let env = start("serve-api", Faults::NONE);
        let run = record_run(&env.dir, &env.fixture.base_url(), &store, REL, 3);
        let check = gl(&["check", &run, "L9", "--note", "read them"], &store);
        assert_eq!(check.status.code(), Some(0), "{}", stderr(&check));
        let server = Serve::start(&store);

        // The run's report is exactly `status RUN --json`.
        let status = json_of(&gl(&["status", &run, "--json"], &store));
        let (code, api) = server.get(&format!("/api/v1/runs/{run}"));
        assert_eq!(code, 200, "{api}");
        assert_eq!(api, status, "the API and `status --json` differ");

        // The release: its runs, the same verdict and counts, people's work.
        let (code, list) = server.get("/api/v1/releases");
        assert_eq!(code, 200);
        assert_eq!(list["releases"][0]["release"], REL, "{list}");
        assert_eq!(list["releases"][0]["latest_run"], run.as_str());
        // A release name with `/` and `@` (as default names have) is one
        // percent-encoded path segment.
        let (code, rel) = server.get(&format!("/api/v1/releases/{}", seg(REL)));
        assert_eq!(code, 200, "{rel}");
        assert_eq!(rel["latest_run"], run.as_str());
        assert_eq!(rel["verdict"], status["verdict"]);
        assert_eq!(rel["verdict"], "PENDING", "the sign-off is missing");
        assert_eq!(rel["counts"], status["counts"]);
        assert_eq!(rel["reasons"], status["reasons"]);
        assert_eq!(rel["people"]["checks"][0]["note"], "read them", "{rel}");
        assert_eq!(rel["people"]["checks"][0]["actor"], "tester");
        assert_eq!(rel["audit"]["ok"], true);

        // Events, a page at a time.
        let (code, page) = server.get(&format!("/api/v1/runs/{run}/events?limit=2"));
        assert_eq!(code, 200, "{page}");
        assert_eq!(page["events"][0]["kind"], "run_started");
        assert_eq!(page["events"].as_array().unwrap().len(), 2);
        let next = page["next_after"].as_u64().expect("more events follow");
        let (_, rest) = server.get(&format!(
            "/api/v1/runs/{run}/events?after={next}&limit=1000"
        ));
        assert_eq!(rest["next_after"], Value::Null);
        let last = rest["events"].as_array().unwrap().last().unwrap().clone();
        assert_eq!(last["kind"], "item_checked");
        assert_eq!(last["actor"], "tester");

        // Bad input: JSON errors with 4xx, never 5xx.
        for (path, want) in [
            ("/api/v1/runs/nosuchrun", 404),
            (&format!("/api/v1/runs/{}", &run[..2]), 404),
            ("/api/v1/runs/a%00b", 404),
            ("/api/v1/releases/nope", 404),
            ("/api/v1/releases/nope/stream", 404),
            ("/api/v1/runs/nosuchrun/events", 404),
            (&format!("/api/v1/runs/{run}/events?after=x"), 400),
            (&format!("/api/v1/runs/{run}/events?limit=0"), 400),
            (&format!("/api/v1/runs/{run}/events?after=-1"), 400),
            // Beyond a stored sequence number (it would wrap to -1).
            (
                &format!("/api/v1/runs/{run}/events?after=9223372036854775808"),
                400,
            ),
            (
                &format!("/api/v1/runs/{run}/stream?after=18446744073709551615"),
                400,
            ),
            ("/api/v1/nothing", 404),
        ] {
            let (code, body) = server.get(path);
            assert_eq!(code, want, "GET {path}: {body}");
            assert_eq!(body["error"]["status"], want, "{body}");
        }
        let (code, health) = server.get("/api/v1/health");
        assert_eq!(code, 200);
        let live = if store.starts_with("postgres") {
            "listen"
        } else {
            "poll"
        };
        assert_eq!(health["live"], live, "{health}");
        let (code, doc) = server.get("/openapi.json");
        assert_eq!(code, 200);
        assert_eq!(doc["openapi"], "3.1.0");
    }
}

/// Waits for the run's `verdict` event on a stream, collecting the kinds.
fn events_of_run(sse: &mut Sse, run: Option<&str>) -> (String, Vec<String>) {
    let mut run_id = run.map(str::to_string);
    let seen = sse.until(|e, d| {
        if e == "event" && run_id.is_none() && d["kind"] == "run_started" {
            run_id = d["run_id"].as_str().map(str::to_string);
        }
        e == "event" && d["kind"] == "verdict" && d["run_id"].as_str() == run_id.as_deref()
    });
    let id = seen
        .iter()
        .find(|(e, _)| e == "event")
        .and_then(|(_, d)| d["run_id"].as_str())
        .unwrap()
        .to_string();
    let kinds = seen
        .iter()
        .filter(|(e, d)| e == "event" && d["run_id"] == id.as_str())
        .map(|(_, d)| d["kind"].as_str().unwrap().to_string())
        .collect();
    (id, kinds)
}

#[test]
fn runs_and_acts_from_the_cli_arrive_live() {
    for store in backends("serve_live") {
        let env = start("serve-live", Faults::NONE);
        let first = record_run(&env.dir, &env.fixture.base_url(), &store, "live", 3);
        let server = Serve::start(&store);
        let mut rel = server.sse("/api/v1/releases/live/stream");
        let mut run = server.sse(&format!("/api/v1/runs/{first}/stream"));

        // A sign-off recorded with the CLI: its event, then the new verdict.
        let out = gl(
            &[
                "signoff",
                &first,
                "--role",
                "Release Manager",
                "--name",
                "Ada",
            ],
            &store,
        );
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        for sse in [&mut rel, &mut run] {
            let seen = sse.until(|e, _| e == "verdict");
            let signoff = seen
                .iter()
                .find(|(e, d)| e == "event" && d["kind"] == "signoff")
                .expect("the sign-off event comes before the verdict");
            assert_eq!(signoff.1["run_id"], first.as_str());
            assert_eq!(signoff.1["payload"]["name"], "Ada");
            let verdict = &seen.last().unwrap().1;
            assert_eq!(
                verdict["verdict"], "PENDING",
                "the manual item is still open: {verdict}"
            );
        }
        let out = gl(&["check", &first, "L9"], &store);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let seen = rel.until(|e, _| e == "verdict");
        assert_eq!(seen.last().unwrap().1["verdict"], "GO", "{seen:#?}");
        let status = json_of(&gl(&["status", &first, "--json"], &store));
        assert_eq!(status["verdict"], "GO");

        // A whole new run of the release, started from the CLI.
        let second = record_run(&env.dir, &env.fixture.base_url(), &store, "live", 0);
        let (id, kinds) = events_of_run(&mut rel, None);
        assert_eq!(id, second);
        assert_eq!(
            kinds.first().map(String::as_str),
            Some("run_started"),
            "{kinds:?}"
        );
        assert!(kinds.iter().any(|k| k == "step_result"), "{kinds:?}");
        // The release page now shows the new run.
        let (_, state) = server.get("/api/v1/releases/live");
        assert_eq!(state["latest_run"], second.as_str());
        assert_eq!(state["runs"].as_array().unwrap().len(), 2);
        // A run's stream replays from `after` first.
        let mut replay = server.sse(&format!("/api/v1/runs/{second}/stream?after=0"));
        let (_, replayed) = events_of_run(&mut replay, Some(&second));
        assert_eq!(
            replayed, kinds,
            "the replay holds the same events as the live stream"
        );
    }
}

#[test]
fn two_servers_on_one_postgres_show_the_same_live_state() {
    if !services_available() {
        return;
    }
    let store = format!(
        "postgres://postgres@127.0.0.1:5432/postgres?schema=gl_e2e_serve_two_{}",
        std::process::id()
    );
    let _drop = DropSchema(store.clone());
    let env = start("serve-two", Faults::NONE);
    record_run(&env.dir, &env.fixture.base_url(), &store, "shared", 3);
    let a = Serve::start(&store);
    let b = Serve::start(&store);
    let mut sa = a.sse("/api/v1/releases/shared/stream");
    let mut sb = b.sse("/api/v1/releases/shared/stream");
    let run = record_run(&env.dir, &env.fixture.base_url(), &store, "shared", 3);
    let (ida, ka) = events_of_run(&mut sa, None);
    let (idb, kb) = events_of_run(&mut sb, None);
    assert_eq!((ida.as_str(), idb.as_str()), (run.as_str(), run.as_str()));
    assert_eq!(ka, kb, "both servers send the same events");
    let (_, ra) = a.get("/api/v1/releases/shared");
    let (_, rb) = b.get("/api/v1/releases/shared");
    assert_eq!(ra["latest_run"], run.as_str());
    assert_eq!(ra["verdict"], rb["verdict"]);
    assert_eq!(ra["runs"], rb["runs"]);
    assert_eq!(ra["people"], rb["people"]);
}

struct DropSchema(String);

impl Drop for DropSchema {
    fn drop(&mut self) {
        if let Some((_, schema)) = self.0.split_once("?schema=") {
            let _ = Command::new("psql")
                .args(["-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-qc"])
                .arg(format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                .output();
        }
    }
}

#[test]
fn sigterm_ends_live_streams_and_stops_the_server() {
    let dir = scratch("serve-term");
    let store = dir.join("runs.db").display().to_string();
    let env = start("serve-term", Faults::NONE);
    let run = record_run(&env.dir, &env.fixture.base_url(), &store, "term", 3);
    let mut server = Serve::start(&store);
    let mut sse = server.sse(&format!("/api/v1/runs/{run}/stream"));
    let began = Instant::now();
    assert_eq!(server.terminate(), Some(0), "serve exits 0 on SIGTERM");
    assert!(
        began.elapsed() < Duration::from_secs(5),
        "took {:?}",
        began.elapsed()
    );
    assert!(sse.next().is_none(), "the stream ended");
    assert!(
        TcpStream::connect_timeout(&server.addr.parse().unwrap(), Duration::from_secs(1)).is_err()
    );
}

#[test]
fn secrets_stay_redacted_in_the_api() {
    let env = start("serve-secret", Faults::NONE);
    let store = env.dir.join("runs.db").display().to_string();
    let base = env.fixture.base_url();
    let doc = write(
        &env.dir,
        "r.md",
        &format!(
            "# R\n\n## Checks\n\n- [ ] **Health**\n  ```bash\n  curl -f \"{base}/health?t=$API_TOKEN\"\n  ```\n"
        ),
    );
    let vars = write(&env.dir, "vars.env", "API_TOKEN=tok-aaaa-1111\n");
    let out = gl(
        &[
            "run",
            doc.to_str().unwrap(),
            "--release",
            "sec",
            "--vars-file",
            vars.to_str().unwrap(),
        ],
        &store,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let server = Serve::start(&store);
    let (_, rel) = server.get("/api/v1/releases/sec");
    let run = rel["latest_run"].as_str().unwrap().to_string();
    let mut all = rel.to_string();
    for path in [
        format!("/api/v1/runs/{run}"),
        format!("/api/v1/runs/{run}/events?limit=1000"),
    ] {
        let (code, body) = server.get(&path);
        assert_eq!(code, 200, "{path}: {body}");
        all.push_str(&body.to_string());
    }
    assert!(
        !all.contains("tok-aaaa-1111"),
        "a secret reached the API: {all}"
    );
    assert!(all.contains("[redacted]"), "{all}");
}

/// A webhook receiver on loopback: each POST's event header and JSON body.
fn receiver() -> (String, mpsc::Receiver<(String, Value)>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for conn in listener.incoming().take(50) {
            let Ok(conn) = conn else { break };
            conn.set_read_timeout(Some(Duration::from_secs(10)))
                .unwrap();
            let mut r = BufReader::new(conn);
            let mut len = 0;
            let mut event = String::new();
            loop {
                let mut line = String::new();
                if r.read_line(&mut line).unwrap_or(0) == 0 {
                    break;
                }
                let lower = line.trim_end().to_ascii_lowercase();
                if lower.is_empty() {
                    break;
                }
                if let Some(v) = lower.strip_prefix("content-length:") {
                    len = v.trim().parse().unwrap_or(0);
                }
                if let Some(v) = lower.strip_prefix("x-greenlight-event:") {
                    event = v.trim().to_string();
                }
            }
            let mut body = vec![0; len];
            let _ = r.read_exact(&mut body);
            let _ = r
                .get_mut()
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
            let _ = tx.send((event, serde_json::from_slice(&body).unwrap_or(Value::Null)));
        }
    });
    (url, rx)
}

#[test]
fn webhooks_tell_of_sign_offs_and_verdict_changes() {
    let env = start("serve-hooks", Faults::NONE);
    let store = env.dir.join("runs.db").display().to_string();
    let run = record_run(&env.dir, &env.fixture.base_url(), &store, "hooks", 3);
    let (url, hooks) = receiver();
    write(
        &env.dir,
        "greenlight.toml",
        &format!("[[webhooks]]\nname = \"room\"\nurl = \"{url}\"\n"),
    );
    let server = Serve::start_in(&store, &env.dir, &["--public-url", "http://gl.example"]);
    // The server is following the store once it answers.
    assert_eq!(server.get("/api/v1/health").0, 200);
    let mut sse = server.sse("/api/v1/releases/hooks/stream");
    let out = gl(
        &[
            "signoff",
            &run,
            "--role",
            "Release Manager",
            "--name",
            "Ada",
        ],
        &store,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    sse.until(|e, _| e == "verdict");
    let (event, body) = hooks
        .recv_timeout(Duration::from_secs(20))
        .expect("a webhook within 20 s");
    assert_eq!(event, "signed_off", "{body}");
    assert_eq!(body["event"], "signed_off");
    assert_eq!(body["release"], "hooks");
    assert_eq!(body["run"], run.as_str());
    assert_eq!(body["actor"], "Ada");
    assert_eq!(body["detail"]["role"], "Release Manager");
    assert_eq!(body["url"], "http://gl.example/releases/hooks");
    // The manual item checked: PENDING → GO, told once.
    let out = gl(&["check", &run, "L9"], &store);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let (event, body) = hooks
        .recv_timeout(Duration::from_secs(20))
        .expect("a second webhook");
    assert_eq!(event, "verdict_changed", "{body}");
    assert_eq!(body["verdict"], "GO");
    assert_eq!(body["detail"]["previous"], "PENDING");
    assert!(
        hooks.recv_timeout(Duration::from_millis(1500)).is_err(),
        "nothing else was told"
    );
}

#[test]
fn two_servers_on_one_postgres_send_each_webhook_once() {
    if !services_available() {
        return;
    }
    let store = format!(
        "postgres://postgres@127.0.0.1:5432/postgres?schema=gl_e2e_serve_once_{}",
        std::process::id()
    );
    let _drop = DropSchema(store.clone());
    let env = start("serve-once", Faults::NONE);
    let run = record_run(&env.dir, &env.fixture.base_url(), &store, "once", 3);
    let (url, hooks) = receiver();
    write(
        &env.dir,
        "greenlight.toml",
        &format!("[[webhooks]]\nurl = \"{url}\"\n"),
    );
    let a = Serve::start_in(&store, &env.dir, &[]);
    let b = Serve::start_in(&store, &env.dir, &[]);
    let mut sa = a.sse("/api/v1/releases/once/stream");
    let mut sb = b.sse("/api/v1/releases/once/stream");
    let out = gl(
        &[
            "signoff",
            &run,
            "--role",
            "Release Manager",
            "--name",
            "Ada",
        ],
        &store,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // Both servers saw it …
    sa.until(|e, _| e == "verdict");
    sb.until(|e, _| e == "verdict");
    // … and it was told once.
    let (event, _) = hooks
        .recv_timeout(Duration::from_secs(20))
        .expect("a webhook");
    assert_eq!(event, "signed_off");
    assert!(
        hooks.recv_timeout(Duration::from_secs(2)).is_err(),
        "a second server told it again"
    );
}

#[test]
fn the_web_ui_shows_releases_runs_and_the_report() {
    let env = start("serve-pages", Faults::NONE);
    let store = env.dir.join("runs.db").display().to_string();
    let run = record_run(&env.dir, &env.fixture.base_url(), &store, "web/1@x", 3);
    let server = Serve::start(&store);
    let page = |path: &str| {
        let (code, body) = server.get_raw(path);
        assert_eq!(code, 200, "GET {path}: {body}");
        assert!(body.starts_with("<!DOCTYPE html>"), "{body}");
        // Links to the server's own pages and its inline script only:
        // nothing from another host (no CDN).
        for r in greenlight_html::external_references(&body) {
            assert!(
                r.starts_with("href=/") || r.starts_with("action=/") || r == "<script",
                "{path} refers to {r}"
            );
        }
        body
    };
    let list = page("/");
    assert!(list.contains("web/1@x"), "{list}");
    assert!(list.contains(&format!("/runs/{run}")), "{list}");
    let release = page(&format!("/releases/{}", seg("web/1@x")));
    assert!(
        release.len() < 100 * 1024,
        "the release page weighs {} bytes",
        release.len()
    );
    assert!(release.contains("PENDING"), "{release}");
    assert!(release.contains("Release notes reviewed"));
    assert!(release.contains("Release Manager"));
    assert!(release.contains(&format!("data-live=\"/releases/{}/live\"", seg("web/1@x"))));
    let owed = page("/owed");
    assert!(owed.contains("Release Manager"), "{owed}");
    // The served report is the file `greenlight report --html` writes.
    let served = page(&format!("/runs/{run}/report.html"));
    assert!(
        greenlight_html::external_references(&served).is_empty(),
        "the report is self-contained"
    );
    let out_path = env.dir.join("report.html");
    let out = gl(
        &["report", &run, "--html", out_path.to_str().unwrap()],
        &store,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(served, std::fs::read_to_string(&out_path).unwrap());
    let (code, missing) = server.get_raw("/runs/nosuchrun");
    assert_eq!(code, 404);
    assert!(missing.contains("no run"), "{missing}");
    // The page's live stream: plain messages on each change.
    let mut live = server.sse(&format!("/releases/{}/live", seg("web/1@x")));
    let out = gl(&["check", &run, "L9"], &store);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let seen = live.until(|_, d| d["kind"] == "item_checked");
    assert!(seen.iter().all(|(e, _)| e == "message"), "{seen:?}");
}

#[test]
fn reading_needs_an_identity_and_the_first_admin_can_be_made() {
    let env = start("serve-auth", Faults::NONE);
    let store = env.dir.join("runs.db").display().to_string();
    let run = record_run(&env.dir, &env.fixture.base_url(), &store, "auth", 3);
    let mut child = Command::new(env!("CARGO_BIN_EXE_greenlight"))
        .args([
            "serve",
            "--store",
            &store,
            "--listen",
            "127.0.0.1:0",
            "--init-admin",
            "root",
        ])
        .env("GREENLIGHT_ADMIN_PASSWORD", "correct horse battery")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut addr = String::new();
    let mut said = String::new();
    for line in lines.by_ref().map_while(Result::ok).take(10) {
        said.push_str(&line);
        if let Some(rest) = line.split("listening on http://").nth(1) {
            addr = rest.split_whitespace().next().unwrap().to_string();
            break;
        }
    }
    assert!(said.contains("created the admin account root"), "{said}");
    assert!(!addr.is_empty(), "{said}");
    // No credentials: the API refuses with JSON, pages send people to log in.
    let (code, body) = http_get(&addr, None, &format!("/api/v1/runs/{run}"));
    assert_eq!(code, 401, "{body}");
    assert!(body.contains("\"error\""), "{body}");
    let (code, _) = http_get(&addr, None, "/");
    assert!(code == 303 || code == 401, "{code}");
    let (code, _) = http_get(&addr, Some("glt_not-a-token"), "/api/v1/releases");
    assert_eq!(code, 401);
    // Health and the API's description are open.
    assert_eq!(http_get(&addr, None, "/api/v1/health").0, 200);
    assert_eq!(http_get(&addr, None, "/openapi.json").0, 200);
    let (code, form) = http_get(&addr, None, "/login");
    assert_eq!(code, 200);
    assert!(form.contains("password"), "{form}");
    // A viewer's token reads.
    let token = viewer_token(&store);
    assert_eq!(
        http_get(&addr, Some(&token), &format!("/api/v1/runs/{run}")).0,
        200
    );
    // A second first admin is refused.
    let again = gl(
        &[
            "serve",
            "--store",
            &store,
            "--listen",
            "127.0.0.1:0",
            "--init-admin",
            "other",
        ],
        &store,
    );
    assert_eq!(again.status.code(), Some(2), "{}", stderr(&again));
    let _ = child.kill();
    let _ = child.wait();
}

/// POSTs JSON with a bearer token: (status, body).
fn post_json(addr: &str, token: &str, path: &str, body: &Value) -> (u16, Value) {
    let mut s = connect(addr);
    let body = body.to_string();
    write!(
        s,
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut r = BufReader::new(s);
    let (code, _) = read_response(&mut r);
    let mut out = Vec::new();
    r.read_to_end(&mut out).unwrap();
    (code, serde_json::from_slice(&out).unwrap_or(Value::Null))
}

#[test]
fn people_act_through_the_api_by_the_cli_rules_and_their_roles() {
    for store in backends("serve_acts") {
        let env = start("serve-acts", Faults::NONE.with_wrong_version());
        let doc = format!(
            "{}- [ ] **Version**\n  ```bash\n  curl {}/version\n  # Expected: {{\"version\": \"8.0.0\"}}\n  ```\n",
            DOC.replace("BASE", &env.fixture.base_url()).replace("## Sign-off", "## More\n\n"),
            env.fixture.base_url()
        )
        .replace("\n\n- [ ] **Version**", "\n- [ ] **Version**");
        let path = write(&env.dir, "acts.md", &doc);
        let out = gl(
            &["run", path.to_str().unwrap(), "--release", "acts"],
            &store,
        );
        assert_eq!(
            out.status.code(),
            Some(1),
            "a failed check: NO_GO. {}",
            stderr(&out)
        );
        let server = Serve::start(&store);
        let (_, rel) = server.get("/api/v1/releases/acts");
        let run = rel["latest_run"].as_str().unwrap().to_string();
        let items = rel["report"]["items"].as_array().unwrap().clone();
        let id_of = |text: &str| {
            items.iter().find(|i| i["text"] == text).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string()
        };
        let (manual, version) = (id_of("Release notes reviewed"), id_of("Version"));
        let op = token(&store, "operator", &[]);
        let approver = token(&store, "approver", &["release manager"]);
        let at = |what: &str| format!("/api/v1/runs/{run}/{what}");

        // A viewer may not act; an operator checks the manual item.
        let (code, _) = post_json(
            &server.addr,
            &server.token,
            &at("check"),
            &serde_json::json!({ "items": [manual] }),
        );
        assert_eq!(code, 403);
        let (code, body) = post_json(
            &server.addr,
            &op,
            &at("check"),
            &serde_json::json!({ "items": [manual], "note": "read them" }),
        );
        assert_eq!(code, 200, "{body}");
        // The CLI's rule: a failed check is not ticked away (nothing recorded).
        let (code, body) = post_json(
            &server.addr,
            &op,
            &at("check"),
            &serde_json::json!({ "items": [version] }),
        );
        assert_eq!(code, 422, "{body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("waive it instead"),
            "{body}"
        );
        // Waiving and signing off need an approver, bound to the role.
        let waiver = serde_json::json!({ "item": version, "reason": "known, fixed in 8.0.1" });
        assert_eq!(post_json(&server.addr, &op, &at("waive"), &waiver).0, 403);
        let (code, body) = post_json(&server.addr, &approver, &at("waive"), &waiver);
        assert_eq!(code, 200, "{body}");
        let (code, _) = post_json(
            &server.addr,
            &op,
            &at("signoff"),
            &serde_json::json!({ "role": "Release Manager" }),
        );
        assert_eq!(code, 403);
        let (code, body) = post_json(
            &server.addr,
            &approver,
            &at("signoff"),
            &serde_json::json!({ "role": "Release Manager" }),
        );
        assert_eq!(code, 200, "{body}");
        let (code, body) = post_json(
            &server.addr,
            &approver,
            &at("signoff"),
            &serde_json::json!({ "role": "Release Manager" }),
        );
        assert_eq!(code, 422, "signed twice: {body}");
        // Bad bodies are 400s.
        assert_eq!(
            post_json(
                &server.addr,
                &op,
                &at("check"),
                &serde_json::json!({ "items": [] })
            )
            .0,
            400
        );
        assert_eq!(
            post_json(
                &server.addr,
                &op,
                &at("check"),
                &serde_json::json!({ "item": "x" })
            )
            .0,
            400
        );
        // A well-formed body naming an item the run does not have: 404.
        assert_eq!(
            post_json(
                &server.addr,
                &op,
                &at("check"),
                &serde_json::json!({ "items": ["nope"] })
            )
            .0,
            404
        );
        assert_eq!(
            post_json(
                &server.addr,
                &op,
                "/api/v1/runs/nosuchrun/check",
                &serde_json::json!({ "items": ["x"] })
            )
            .0,
            404
        );

        // The CLI agrees on everything: the verdict and who did what.
        let status = json_of(&gl(&["status", &run, "--json"], &store));
        assert_eq!(
            status["verdict"], "GO",
            "waived, checked and signed: {status}"
        );
        let (_, api) = server.get(&format!("/api/v1/runs/{run}"));
        assert_eq!(api, status);
        let (_, events) = server.get(&format!("/api/v1/runs/{run}/events?limit=1000"));
        let acts: Vec<(String, String)> = events["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| {
                ["item_checked", "waiver", "signoff"].contains(&e["kind"].as_str().unwrap())
            })
            .map(|e| {
                (
                    e["kind"].as_str().unwrap().to_string(),
                    e["actor"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        assert_eq!(acts.len(), 3, "{acts:?}");
        assert!(acts[0].1.starts_with("e2e-operator-"), "{acts:?}");
        assert!(
            acts[1].1.starts_with("e2e-approver-") && acts[2].1.starts_with("e2e-approver-"),
            "{acts:?}"
        );
    }
}

/// A raw request: (status, lower-cased headers, body).
fn request(addr: &str, head: &str, body: &str) -> (u16, Vec<String>, String) {
    let mut s = connect(addr);
    write!(
        s,
        "{head}\r\nHost: {addr}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut r = BufReader::new(s);
    let (code, headers) = read_response(&mut r);
    let mut out = Vec::new();
    if headers.iter().any(|h| h == "transfer-encoding: chunked") {
        while let Some(c) = read_chunk(&mut r) {
            out.extend(c);
        }
    } else {
        r.read_to_end(&mut out).unwrap();
    }
    (code, headers, String::from_utf8_lossy(&out).into_owned())
}

/// The value of cookie `name` that a response sets.
fn set_cookie(headers: &[String], name: &str) -> Option<String> {
    headers.iter().find_map(|h| {
        let v = h.strip_prefix("set-cookie: ")?;
        let v = v.strip_prefix(&format!("{name}="))?;
        Some(v.split(';').next()?.to_string())
    })
}

/// The `value` of the hidden input `name` in a page.
pub(crate) fn hidden(page: &str, name: &str) -> Option<String> {
    let at = page.find(&format!("name=\"{name}\" value=\""))?;
    let rest = &page[at + name.len() + 15..];
    Some(rest[..rest.find('"')?].to_string())
}

/// Logs in through the form; the session cookie.
fn login(addr: &str, name: &str, password: &str) -> String {
    let (code, headers, form) = request(addr, "GET /login HTTP/1.1", "");
    assert_eq!(code, 200);
    let double = set_cookie(&headers, "gl_login_csrf").expect("the login form's CSRF cookie");
    let csrf = hidden(&form, "csrf").expect("the login form's CSRF field");
    let body = format!(
        "name={name}&password={}&csrf={csrf}&next=%2F",
        password.replace(' ', "+")
    );
    let (code, headers, page) = request(
        addr,
        &format!(
            "POST /login HTTP/1.1\r\nCookie: gl_login_csrf={double}\r\nContent-Type: application/x-www-form-urlencoded"
        ),
        &body,
    );
    assert_eq!(code, 303, "login: {page}");
    set_cookie(&headers, "gl_session").expect("a session cookie")
}

#[test]
fn a_person_signs_off_in_the_browser_with_a_csrf_token() {
    let env = start("serve-browser", Faults::NONE);
    let store = env.dir.join("runs.db").display().to_string();
    let run = record_run(&env.dir, &env.fixture.base_url(), &store, "web", 3);
    for (name, role, signs) in [
        ("ada", "approver", Some("Release Manager")),
        ("val", "viewer", None),
    ] {
        let mut add = Command::new(env!("CARGO_BIN_EXE_greenlight"));
        add.args(["users", "add", name, "--role", role])
            .env("GREENLIGHT_STORE", &store)
            .env("GREENLIGHT_USER_PASSWORD", "correct horse battery");
        if let Some(s) = signs {
            add.args(["--signoff-role", s]);
        }
        let out = add.output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
    let server = Serve::start(&store);
    let ada = login(&server.addr, "ada", "correct horse battery");
    let page = |cookie: &str| {
        let (code, _, body) = request(
            &server.addr,
            &format!(
                "GET /runs/{run} HTTP/1.1\r\nCookie: gl_session={cookie}\r\nAccept: text/html"
            ),
            "",
        );
        assert_eq!(code, 200, "{body}");
        body
    };
    let seen = page(&ada);
    assert!(seen.contains("signed in as ada"), "{seen}");
    let csrf = hidden(&seen, "csrf").expect("the approver's page has forms with the CSRF token");
    let slot = hidden(&seen, "slot").expect("a sign-off form");
    let post = |cookie: &str, body: &str| {
        request(
            &server.addr,
            &format!(
                "POST /runs/{run}/signoff HTTP/1.1\r\nCookie: gl_session={cookie}\r\nContent-Type: application/x-www-form-urlencoded"
            ),
            body,
        )
    };
    // Without the CSRF token: refused, nothing recorded.
    let (code, _, _) = post(&ada, &format!("slot={slot}&role=Release+Manager&note="));
    assert_eq!(code, 403);
    let (code, headers, body) = post(
        &ada,
        &format!("slot={slot}&role=Release+Manager&note=&csrf={csrf}"),
    );
    assert_eq!(code, 303, "{body}");
    assert!(
        headers.contains(&format!("location: /runs/{run}")),
        "{headers:?}"
    );
    let status = json_of(&gl(&["status", &run, "--json"], &store));
    let signed = &status["signoffs"][0];
    assert_eq!(signed["signed"], true, "{status}");
    // A viewer's page has no forms, and a viewer's post is refused.
    let val = login(&server.addr, "val", "correct horse battery");
    let seen = page(&val);
    assert!(
        !seen.contains("class=\"act\""),
        "a viewer sees no forms to act"
    );
    // The viewer's own CSRF token (from the log-out form): the refusal is
    // about the role, not the token.
    let own = hidden(&seen, "csrf").expect("the log-out form carries the token");
    assert_ne!(own, csrf);
    let (code, _, body) = request(
        &server.addr,
        &format!(
            "POST /runs/{run}/check HTTP/1.1\r\nCookie: gl_session={val}\r\nX-CSRF-Token: {own}\r\nContent-Type: application/x-www-form-urlencoded"
        ),
        "item=x",
    );
    assert_eq!(code, 403, "{body}");
    assert!(!body.contains("CSRF"), "refused for the role: {body}");
    // The event names the person who signed.
    let (_, events) = server.get(&format!("/api/v1/runs/{run}/events?limit=1000"));
    let last = events["events"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["kind"], "signoff");
    assert_eq!(last["actor"], "ada");
}
