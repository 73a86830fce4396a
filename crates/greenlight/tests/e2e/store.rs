//! Runs that last: the event store on SQLite and PostgreSQL, people's
//! work, crash and resume, the audit chain, write-back, history, compare.

use crate::run::{start, write};
use crate::support::*;
use greenlight_fixture::Faults;
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

/// The two backends every store test runs against.
pub(crate) fn backends(name: &str) -> Vec<Backend> {
    let dir = scratch(&format!("store-{name}"));
    let mut out = vec![Backend(dir.join("runs.db").display().to_string())];
    if services_available() {
        out.push(Backend(format!(
            "postgres://postgres@127.0.0.1:5432/postgres?schema=gl_e2e_{name}_{}",
            std::process::id()
        )));
    }
    out
}

/// A store location; a PostgreSQL schema is dropped when the test is done
/// with it (best effort: a failed test may leave its schema for a look).
pub(crate) struct Backend(String);

impl std::ops::Deref for Backend {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<std::ffi::OsStr> for Backend {
    fn as_ref(&self) -> &std::ffi::OsStr {
        self.0.as_ref()
    }
}

impl std::fmt::Display for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Drop for Backend {
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        if let Some((_, schema)) = self.0.split_once("?schema=") {
            let _ = Command::new("psql")
                .args(["-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-qc"])
                .arg(format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                .output();
        }
    }
}

pub(crate) fn gl(args: &[&str], store: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_greenlight"))
        .args(args)
        .env("GREENLIGHT_STORE", store)
        .env("GREENLIGHT_USER", "tester")
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

pub(crate) fn json_of(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", stdout(o), stderr(o)))
}

const DOC: &str = "# Release\n\n## Checks *(5 min)*\n\n- [ ] **Health**\n  ```bash\n  curl -f BASE/health\n  ```\n- [ ] **Version**\n  ```bash\n  curl BASE/version\n  # Expected: {\"version\": \"8.0.0\"}\n  ```\n- [ ] Release notes reviewed\n\n## Sign-off\n\n**Release Manager:** ______ **Date:** ____\n";

fn doc(base: &str) -> String {
    DOC.replace("BASE", base)
}

#[test]
fn people_work_and_verdicts_on_both_backends() {
    for store in backends("people") {
        let env = start("store-people", Faults::NONE);
        let path = write(&env.dir, "release.md", &doc(&env.fixture.base_url()));
        let p = path.to_str().unwrap();
        let out = gl(
            &["run", p, "--json", env.dir.join("r.json").to_str().unwrap()],
            &store,
        );
        assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
        let report: Value =
            serde_json::from_slice(&std::fs::read(env.dir.join("r.json")).unwrap()).unwrap();
        let run = report["run_id"].as_str().unwrap().to_string();

        // status --json uses the run report's schema and agrees with it.
        let status = json_of(&gl(&["status", "--json"], &store));
        assert_eq!(status["schema"], "greenlight.run/v1");
        assert_eq!(status["run_id"], run.as_str());
        assert_eq!(status["verdict"], "PENDING");
        assert_eq!(status["counts"]["passed"], 2, "{status}");
        let human = gl(&["status", &run], &store);
        assert!(
            stdout(&human).contains("Open manual items (1)"),
            "{}",
            stdout(&human)
        );
        assert!(stdout(&human).contains("missing L"), "{}", stdout(&human));

        // A person checks the manual item by line; the sign-off needs a real role.
        let line = status["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["text"] == "Release notes reviewed")
            .unwrap()["line"]
            .as_u64()
            .unwrap();
        let out = gl(
            &["check", &run, &format!("L{line}"), "--note", "read them"],
            &store,
        );
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let bad = gl(
            &["signoff", &run, "--role", "Janitor", "--name", "x"],
            &store,
        );
        assert_eq!(bad.status.code(), Some(2));
        assert!(stderr(&bad).contains("Release Manager"), "{}", stderr(&bad));
        let out = gl(
            &[
                "signoff",
                &run,
                "--role",
                "release manager",
                "--name",
                "Ada",
            ],
            &store,
        );
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let twice = gl(
            &[
                "signoff",
                &run,
                "--role",
                "Release Manager",
                "--name",
                "Bob",
            ],
            &store,
        );
        assert_eq!(twice.status.code(), Some(2));
        assert!(
            stderr(&twice).contains("already signed"),
            "{}",
            stderr(&twice)
        );

        let decide = gl(&["decide", &run], &store);
        assert_eq!(decide.status.code(), Some(0), "{}", stdout(&decide));
        assert!(stdout(&decide).contains("GO"));
        // Unchecking brings it back to PENDING; every event names its actor.
        gl(&["uncheck", &run, &format!("{line}")], &store);
        assert_eq!(gl(&["decide", &run], &store).status.code(), Some(3));
        let audit = gl(&["audit", &run], &store);
        assert_eq!(audit.status.code(), Some(0), "{}", stdout(&audit));
        assert!(stdout(&audit).contains("audit chain intact"));
        let history = json_of(&gl(&["history", "--json"], &store));
        assert_eq!(history[0]["run_id"], run.as_str());
        assert_eq!(history[0]["verdict"], "PENDING");
    }
}

#[test]
fn waivers_count_for_required_items_but_not_blockers() {
    for store in backends("waive") {
        let env = start("store-waive", Faults::NONE.with_wrong_version());
        let text = doc(&env.fixture.base_url()).replace("## Checks", "## Critical (Must Fix)\n\n- [ ] **Ready**\n  ```bash\n  curl -f BASE/ready\n  ```\n\n## Checks").replace("BASE", &env.fixture.base_url());
        let path = write(&env.dir, "w.md", &text);
        let out = gl(&["run", path.to_str().unwrap()], &store);
        assert_eq!(out.status.code(), Some(1), "{store}: {}", stderr(&out));
        let status = json_of(&gl(&["status", "--json"], &store));
        let run = status["run_id"].as_str().unwrap().to_string();
        let version = status["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["text"] == "Version")
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        let out = gl(
            &[
                "waive",
                &run,
                &version,
                "--reason",
                "7.9.9 is the hotfix build",
                "--expires",
                "2099-01-01T00:00:00Z",
            ],
            &store,
        );
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let status = json_of(&gl(&["status", "--json"], &store));
        assert_eq!(status["verdict"], "PENDING", "{}", status["reasons"]);
        // An already-expired waiver is refused, and changes nothing.
        let old = gl(
            &[
                "waive",
                &run,
                &version,
                "--reason",
                "old",
                "--expires",
                "2001-01-01T00:00:00Z",
            ],
            &store,
        );
        assert_eq!(old.status.code(), Some(2));
        assert!(stderr(&old).contains("has passed"), "{}", stderr(&old));
        assert_eq!(
            json_of(&gl(&["status", "--json"], &store))["verdict"],
            "PENDING"
        );
    }
    // A blocker's waiver is refused by policy.
    for store in backends("waive_blocker") {
        let env = start("store-waive-b", Faults::NONE.with_not_ready());
        let text = format!(
            "# R\n\n## Critical (Must Fix)\n\n- [ ] **Ready**\n  ```bash\n  curl -f {}/ready\n  ```\n",
            env.fixture.base_url()
        );
        let path = write(&env.dir, "b.md", &text);
        assert_eq!(
            gl(&["run", path.to_str().unwrap()], &store).status.code(),
            Some(1)
        );
        let status = json_of(&gl(&["status", "--json"], &store));
        let run = status["run_id"].as_str().unwrap().to_string();
        let id = status["items"][0]["id"].as_str().unwrap().to_string();
        let out = gl(&["waive", &run, &id, "--reason", "please"], &store);
        assert!(stderr(&out).contains("blocker"), "{}", stderr(&out));
        assert_eq!(gl(&["decide", &run], &store).status.code(), Some(1));
    }
}

#[test]
fn a_killed_run_loses_nothing_and_resume_finishes_it() {
    for store in backends("crash") {
        // Six checks; the fixture answers each after 700 ms, one at a time.
        let env = start(
            "store-crash",
            Faults::NONE.with_delay(std::time::Duration::from_millis(700)),
        );
        let base = env.fixture.base_url();
        let mut text = String::from("# R\n\n## Checks\n\n");
        for i in 0..6 {
            text.push_str(&format!("- [ ] **Check {i}**\n  ```bash\n  curl -X POST {base}/api/analytics/event -H \"Authorization: Bearer user-token\" -d '{{\"event\": \"e{i}\"}}'\n  ```\n"));
        }
        let path = write(&env.dir, "crash.md", &text);
        let profile = write(
            &env.dir,
            "p.toml",
            "[allow]\nclasses = [\"read\", \"mutating\"]\n",
        );
        let mut child = Command::new(env!("CARGO_BIN_EXE_greenlight"))
            .args([
                "run",
                path.to_str().unwrap(),
                "--env",
                profile.to_str().unwrap(),
            ])
            .env("GREENLIGHT_STORE", &store)
            .env("NO_COLOR", "1")
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Kill it (SIGKILL) in the middle of the third slow step.
        std::thread::sleep(std::time::Duration::from_millis(2_000));
        child.kill().unwrap();
        child.wait().unwrap();
        let sent_before = env
            .fixture
            .control()
            .request_count("POST", "/api/analytics/event");
        let status = json_of(&gl(&["status", "--json"], &store));
        let run = status["run_id"].as_str().unwrap().to_string();
        let done: Vec<&Value> = status["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["status"] == "passed")
            .collect();
        assert!(
            (1..6).contains(&done.len()),
            "killed mid-way: {} done",
            done.len()
        );
        // Every check whose request completed has its result recorded.
        assert!(sent_before as usize >= done.len());
        assert!(
            sent_before as usize <= done.len() + 1,
            "at most the running check is unrecorded"
        );
        assert_eq!(gl(&["audit", &run], &store).status.code(), Some(0));

        let out = gl(
            &["resume", &run, "--env", profile.to_str().unwrap()],
            &store,
        );
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let status = json_of(&gl(&["status", "--json", &run], &store));
        assert_eq!(status["counts"]["passed"], 6, "{}", status["counts"]);
        // Only the unfinished checks ran again.
        let sent_after = env
            .fixture
            .control()
            .request_count("POST", "/api/analytics/event");
        assert_eq!(sent_after as usize, sent_before as usize + (6 - done.len()));
        assert_eq!(gl(&["audit", &run], &store).status.code(), Some(0));
    }
}

#[test]
fn concurrent_people_never_lose_or_corrupt_events() {
    for store in backends("concurrent") {
        let env = start("store-conc", Faults::NONE);
        let mut text = String::from("# R\n\n## Manual\n\n");
        for i in 0..12 {
            text.push_str(&format!("- [ ] Manual item {i}\n"));
        }
        let path = write(&env.dir, "m.md", &text);
        assert_eq!(
            gl(&["run", path.to_str().unwrap()], &store).status.code(),
            Some(3)
        );
        let status = json_of(&gl(&["status", "--json"], &store));
        let run = status["run_id"].as_str().unwrap().to_string();
        let ids: Vec<String> = status["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_string())
            .collect();
        // Twelve `check` processes at once.
        let children: Vec<_> = ids
            .iter()
            .map(|id| {
                Command::new(env!("CARGO_BIN_EXE_greenlight"))
                    .args(["check", &run, id, "--note", "concurrent"])
                    .env("GREENLIGHT_STORE", &store)
                    .env("GREENLIGHT_USER", "tester")
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for c in children {
            let o = c.wait_with_output().unwrap();
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        }
        let status = json_of(&gl(&["status", "--json", &run], &store));
        assert_eq!(status["counts"]["passed"], 12, "{}", status["counts"]);
        let audit = gl(&["audit", &run, "--json"], &store);
        let a = json_of(&audit);
        assert_eq!(a["ok"], true, "{a}");
        assert_eq!(a["events"], 12 + 2, "run_started + verdict + 12 checks");
    }
}

pub(crate) fn tamper_sqlite(db: &Path, sql: &str) {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.execute_batch(sql).unwrap();
}

/// Runs `sql` against the store's tables, as someone with database access
/// (not greenlight) would.
pub(crate) fn tamper(store: &str, sql: &str) {
    if store.starts_with("postgres") {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(tamper_pg(store, sql));
    } else {
        tamper_sqlite(Path::new(store), sql);
    }
}

pub(crate) async fn tamper_pg(url: &str, sql: &str) {
    let (base, schema) = url.split_once("?schema=").unwrap();
    let (client, conn) = tokio_postgres::connect(base, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    client
        .batch_execute(&format!("SET search_path TO {schema}; {sql}"))
        .await
        .unwrap();
}

#[test]
fn the_audit_chain_names_the_first_altered_event() {
    for store in backends("audit") {
        let env = start("store-audit", Faults::NONE);
        let path = write(&env.dir, "a.md", &doc(&env.fixture.base_url()));
        gl(&["run", path.to_str().unwrap()], &store);
        let run = json_of(&gl(&["status", "--json"], &store))["run_id"]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(gl(&["audit", &run], &store).status.code(), Some(0));
        // Change the payload of event 2 (a step result) as an attacker would.
        let sql = format!(
            "UPDATE events SET payload = replace(payload, 'passed', 'failed') WHERE run_id = '{run}' AND seq = 2;"
        );
        if store.starts_with("postgres") {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(tamper_pg(&store, &sql));
        } else {
            tamper_sqlite(Path::new(&store), &sql);
        }
        let out = gl(&["audit", &run, "--json"], &store);
        assert_eq!(out.status.code(), Some(1));
        let a = json_of(&out);
        assert_eq!(a["ok"], false);
        assert_eq!(a["first_bad"], 2, "{a}");
        assert!(a["problem"].as_str().unwrap().contains("event 2"), "{a}");
        // Removing a row is named too.
        let sql = format!("DELETE FROM events WHERE run_id = '{run}' AND seq = 3;");
        if store.starts_with("postgres") {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(tamper_pg(&store, &sql));
        } else {
            tamper_sqlite(Path::new(&store), &sql);
        }
        let a = json_of(&gl(&["audit", &run, "--json"], &store));
        assert_eq!(
            a["first_bad"], 2,
            "the first alteration is still event 2: {a}"
        );
    }
}

#[test]
fn write_back_ticks_passed_and_checked_items_only_once() {
    let store = backends("write").remove(0);
    let env = start("store-write", Faults::NONE);
    let original = doc(&env.fixture.base_url());
    let path = write(&env.dir, "w.md", &original);
    let out = gl(&["run", path.to_str().unwrap(), "--write"], &store);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let after = std::fs::read_to_string(&path).unwrap();
    assert!(
        after.contains("- [x] **Health**") && after.contains("- [x] **Version**"),
        "{after}"
    );
    assert!(after.contains("- [ ] Release notes reviewed"));
    assert_eq!(after.len(), original.len());
    let diff = original
        .bytes()
        .zip(after.bytes())
        .filter(|(a, b)| a != b)
        .count();
    assert_eq!(diff, 2);
    // Writing again changes nothing more.
    let out = gl(&["write"], &store);
    assert!(stderr(&out).contains("ticked 0 items"), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), after);
}

#[test]
fn compare_shows_status_changes_between_runs() {
    let store = backends("compare").remove(0);
    let env = start("store-compare", Faults::NONE);
    let path = write(&env.dir, "c.md", &doc(&env.fixture.base_url()));
    gl(&["run", path.to_str().unwrap()], &store);
    let first = json_of(&gl(&["status", "--json"], &store))["run_id"]
        .as_str()
        .unwrap()
        .to_string();
    env.fixture
        .control()
        .set_faults(Faults::NONE.with_wrong_version());
    std::thread::sleep(std::time::Duration::from_millis(1100)); // distinct start times
    gl(&["run", path.to_str().unwrap()], &store);
    let second = json_of(&gl(&["status", "--json"], &store))["run_id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(first, second);
    let out = gl(&["compare", &first, &second], &store);
    assert!(
        stdout(&out).contains("Version: passed → failed"),
        "{}",
        stdout(&out)
    );
    let history = gl(&["history", path.to_str().unwrap()], &store);
    assert_eq!(stdout(&history).lines().count(), 3, "{}", stdout(&history));
}

#[test]
fn a_latency_baseline_makes_regressions_part_of_the_verdict() {
    let store = backends("baseline").remove(0);
    let env = start("store-baseline", Faults::NONE);
    let text = format!(
        "# R\n\n## Checks\n\n- [ ] **Health**\n  ```bash\n  curl -f {}/health\n  ```\n",
        env.fixture.base_url()
    );
    let path = write(&env.dir, "b.md", &text);
    let profile = write(
        &env.dir,
        "p.toml",
        "[policy]\nbaseline = \"last-go\"\nlatency_regression = 0.2\nlatency_floor_ms = 50\n",
    );
    let run = |expect: i32| {
        let out = gl(
            &[
                "run",
                path.to_str().unwrap(),
                "--env",
                profile.to_str().unwrap(),
            ],
            &store,
        );
        assert_eq!(out.status.code(), Some(expect), "{}", stderr(&out));
        out
    };
    run(0); // GO: the baseline.
    run(0); // Same speed: still GO, compared with the first.
    env.fixture
        .control()
        .set_faults(Faults::NONE.with_delay(std::time::Duration::from_millis(300)));
    let out = run(1);
    assert!(
        squashed(&stdout(&out)).contains("above the last GO run"),
        "{}",
        stdout(&out)
    );
    let status = json_of(&gl(&["status", "--json"], &store));
    assert_eq!(status["verdict"], "NO_GO");
    // Without the setting, the same slow answer is a pass.
    let plain = write(&env.dir, "plain.toml", "");
    let out = gl(
        &[
            "run",
            path.to_str().unwrap(),
            "--env",
            plain.to_str().unwrap(),
        ],
        &store,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}
