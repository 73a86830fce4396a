//! `greenlight rollback`: the document's rollback procedure against a
//! loopback stand-in and a temp dir, only with allowance, in order,
//! stopping at a failure; arming recorded with the actor.

use crate::support::*;
use greenlight_fixture::{Routes, StandIn};
use std::path::Path;
use std::time::{Duration, SystemTime};

const ROUTES: &str = r#"
[[route]]
method = "POST"
path = "/switch-back"
status = 200
body = '{"ok":true}'

[[route]]
method = "POST"
path = "/restore"
status = 500
body = '{"error":"restore failed"}'
"#;

fn standin() -> StandIn {
    StandIn::start(Routes::parse(ROUTES, "rollback").expect("routes")).expect("stand-in starts")
}

/// A release with a deploy step, and a rollback whose steps: POST
/// /switch-back, write a file, POST /restore (fails), write another file.
fn doc(dir: &Path, base: &str, restore: &str) -> String {
    let d = dir.display();
    format!(
        "# Release 2.4\n\n## Deploy\n\n- [ ] Deploy\n\n  ```bash\n  touch {d}/deployed\n  ```\n\n\
         ## Rollback\n\n1. Switch traffic back\n\n   ```bash\n   curl -fsS -X POST {base}/switch-back\n   ```\n\n\
         2. Mark it\n\n   ```bash\n   touch {d}/switched\n   ```\n\n\
         3. Restore\n\n   ```bash\n   curl -fsS -X POST {base}{restore}\n   ```\n\n\
         4. Clean up\n\n   ```bash\n   touch {d}/cleaned\n   ```\n"
    )
}

struct Case {
    dir: std::path::PathBuf,
    file: String,
    env: String,
    store: String,
}

fn case(name: &str, text: impl Fn(&Path) -> String, profile: &str) -> Case {
    let dir = scratch(name);
    let file = dir.join("RELEASE.md");
    std::fs::write(&file, text(&dir)).unwrap();
    let env = dir.join("prod.toml");
    std::fs::write(&env, profile).unwrap();
    Case {
        store: dir.join("runs.db").display().to_string(),
        file: file.display().to_string(),
        env: env.display().to_string(),
        dir,
    }
}

fn rollback(c: &Case, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "rollback", &c.file, "--env", &c.env, "--store", &c.store, "--name", "ana",
    ];
    args.extend_from_slice(extra);
    greenlight(&args)
}

#[test]
fn without_allowance_nothing_runs_and_the_plan_says_what_is_needed() {
    let s = standin();
    let c = case(
        "rb-refused",
        |d| doc(d, &s.base_url(), "/restore"),
        "name = \"prod\"\n",
    );
    let out = rollback(&c, &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = squashed(&stderr(&out));
    assert!(err.contains("rollback refused: nothing ran"), "{err}");
    assert!(
        err.contains("mutating step: needs --allow mutating"),
        "{err}"
    );
    // The plan shows the procedure's steps, not the deploy.
    let plan = stdout(&out);
    assert!(plan.contains("/switch-back"), "{plan}");
    assert!(s.requests().is_empty(), "the stand-in was called");
    assert!(!c.dir.join("switched").exists());
    assert!(!c.dir.join("deployed").exists());
}

#[test]
fn allowed_it_runs_in_order_stops_at_the_failure_and_is_recorded() {
    let s = standin();
    let c = case(
        "rb-run",
        |d| doc(d, &s.base_url(), "/restore"),
        "name = \"prod\"\n",
    );
    let out = rollback(&c, &["--allow", "mutating"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "NO_GO: a step failed\n{err}");
    let summary = stdout(&out);
    assert!(summary.contains("ROLLBACK FAILED"), "{summary}");
    assert!(!summary.contains("NO_GO"), "{summary}");
    // The deploy is what the rollback leaves out, not a rollback step.
    assert!(
        squashed(&summary).contains("1 skipped (not part of the rollback)"),
        "{summary}"
    );
    assert_eq!(s.request_count("POST", "/switch-back"), 1);
    assert_eq!(s.request_count("POST", "/restore"), 1);
    let order: Vec<String> = s.requests().iter().map(|r| r.path.clone()).collect();
    assert_eq!(order, vec!["/switch-back", "/restore"]);
    assert!(c.dir.join("switched").exists(), "step 2 did not run");
    assert!(
        !c.dir.join("cleaned").exists(),
        "a step after the failure ran"
    );
    assert!(!c.dir.join("deployed").exists(), "the deploy step ran");
    assert!(
        squashed(&err).contains("allowed by ana (read, mutating)"),
        "{err}"
    );
    // The run is in the store, with who allowed which classes.
    let status = greenlight(&["status", "--store", &c.store]);
    let text = stdout(&status);
    // A failed rollback reads as one, in `status` as at the end of the run.
    assert!(text.contains("ROLLBACK FAILED"), "{text}");
    assert!(
        squashed(&text)
            .contains("Rollback: run of the rollback procedure, allowed by ana (read, mutating)"),
        "{text}"
    );
    let events = rollback_events(&c.store);
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].0, "ana");
    assert!(events[0].1.contains("\"mutating\""), "{:?}", events[0]);
    // Recorded before any step ran.
    let db = rusqlite::Connection::open(&c.store).unwrap();
    let (allowed_at, first_step): (i64, i64) = db
        .query_row(
            "SELECT (SELECT seq FROM events WHERE kind = 'rollback'), \
             (SELECT MIN(seq) FROM events WHERE kind = 'step_result')",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert!(allowed_at < first_step, "{allowed_at} {first_step}");
}

#[test]
fn a_destructive_step_needs_destructive_allowance() {
    let s = standin();
    let c = case(
        "rb-destructive",
        |d| {
            format!(
                "# Release\n\n## Rollback\n\n1. Switch back\n\n   ```bash\n   curl -fsS -X POST {}/switch-back\n   ```\n\n\
                 2. Drop the new data\n\n   ```bash\n   rm -rf {}/data\n   ```\n",
                s.base_url(),
                d.display()
            )
        },
        "name = \"prod\"\n",
    );
    std::fs::create_dir_all(c.dir.join("data")).unwrap();
    let out = rollback(&c, &["--allow", "mutating"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = squashed(&stderr(&out));
    assert!(
        err.contains("destructive step: needs --allow destructive"),
        "{err}"
    );
    assert!(s.requests().is_empty(), "the stand-in was called");
    assert!(c.dir.join("data").exists());
    let out = rollback(&c, &["--allow", "mutating", "--allow", "destructive"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let summary = stdout(&out);
    assert!(summary.contains("ROLLED BACK"), "{summary}");
    assert!(!summary.contains("GO "), "{summary}");
    let decided = greenlight(&["decide", "--store", &c.store]);
    assert_eq!(decided.status.code(), Some(0), "{}", stderr(&decided));
    assert!(
        stdout(&decided).contains("ROLLED BACK"),
        "{}",
        stdout(&decided)
    );
    assert_eq!(s.request_count("POST", "/switch-back"), 1);
    assert!(!c.dir.join("data").exists());
}

#[test]
fn arming_is_recorded_with_the_actor_and_unarmed_automatic_rollback_is_refused() {
    let s = standin();
    let c = case(
        "rb-arm",
        |d| doc(d, &s.base_url(), "/switch-back"),
        "name = \"prod\"\n[rollback]\nautomatic = true\n",
    );
    // Nothing to arm before the release has a run.
    let out = rollback(&c, &["--arm", "--release", "2.4"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("no recorded run"), "{}", stderr(&out));
    let run = greenlight(&[
        "run",
        &c.file,
        "--env",
        &c.env,
        "--store",
        &c.store,
        "--release",
        "2.4",
    ]);
    assert!(run.status.code().is_some(), "{}", stderr(&run));
    let release = "2.4";
    let refused = arming(&c.store, release, true);
    assert!(refused.is_err(), "{refused:?}");
    let out = rollback(&c, &["--arm", "--expires", "48h", "--release", "2.4"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("armed automatic rollback"),
        "{}",
        stdout(&out)
    );
    let armed = arming(&c.store, release, true).expect("armed");
    assert_eq!(armed.by, "ana");
    assert!(armed.expires.is_some());
    assert!(arming(&c.store, release, false).is_err(), "profile says no");
    let out = greenlight(&[
        "rollback",
        &c.file,
        "--env",
        &c.env,
        "--store",
        &c.store,
        "--name",
        "bo",
        "--disarm",
        "--release",
        "2.4",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let disarmed = arming(&c.store, release, true);
    assert!(
        matches!(&disarmed, Err(greenlight_session::rollback::Refusal::Disarmed { by, .. }) if by == "bo"),
        "{disarmed:?}"
    );
    assert!(s.requests().is_empty(), "arming ran something");
}

fn arming(
    store: &str,
    release: &str,
    automatic: bool,
) -> Result<greenlight_session::rollback::Arming, greenlight_session::rollback::Refusal> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let events = rt.block_on(async {
        let store = greenlight_session::open(store).await.expect("store");
        greenlight_session::rollback::release_arming(&store, release)
            .await
            .expect("arming events")
    });
    greenlight_session::rollback::may_roll_back_automatically(
        automatic,
        &events,
        SystemTime::now() + Duration::from_secs(1),
    )
}

/// (actor, payload) of every `rollback` event in the store.
fn rollback_events(store: &str) -> Vec<(String, String)> {
    let db = rusqlite::Connection::open(store).unwrap();
    let mut q = db
        .prepare("SELECT actor, payload FROM events WHERE kind = 'rollback'")
        .unwrap();
    q.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// `history` of a release: a run, a rollback by hand and one `watch` would
/// start (armed first, through `rollback_cmd::execute`), each labelled.
#[test]
fn history_labels_rollbacks_and_automatic_ones() {
    let s = standin();
    let c = case(
        "rb-history",
        |d| doc(d, &s.base_url(), "/switch-back"),
        "name = \"prod\"\n[rollback]\nautomatic = true\n",
    );
    let run = greenlight(&[
        "run",
        &c.file,
        "--env",
        &c.env,
        "--store",
        &c.store,
        "--release",
        "2.4",
    ]);
    assert!(run.status.code().is_some(), "{}", stderr(&run));
    let by_hand = rollback(&c, &["--allow", "mutating", "--release", "2.4"]);
    assert_eq!(by_hand.status.code(), Some(0), "{}", stderr(&by_hand));
    assert!(
        stdout(&by_hand).contains("ROLLED BACK"),
        "{}",
        stdout(&by_hand)
    );

    // Automatic: only once armed, and recorded as allowed by who armed it.
    assert!(arming(&c.store, "2.4", true).is_err(), "armed before --arm");
    let out = rollback(&c, &["--arm", "--release", "2.4"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let armed = arming(&c.store, "2.4", true).expect("armed");
    let text = std::fs::read_to_string(&c.file).unwrap();
    let list = greenlight_doc::parse(text.as_bytes());
    let mut profile =
        greenlight_run::profile::Profile::load(Path::new(&c.env), &|_| None).expect("profile");
    profile.allow_word("mutating").expect("mutating is a class");
    let switched_before = s.request_count("POST", "/switch-back");
    // As `watch` calls it: from async code, on a blocking thread.
    let (file, store) = (c.file.clone(), c.store.clone());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let executed = runtime
        .block_on(async move {
            tokio::task::spawn_blocking(move || {
                greenlight::rollback_cmd::execute(&greenlight::rollback_cmd::RollbackInput {
                    file: Path::new(&file),
                    list: &list,
                    profile: &profile,
                    spec: &store,
                    release: Some("2.4"),
                    actor: &armed.by,
                    automatic: true,
                    style: greenlight::term::Style::plain(),
                    quiet: true,
                })
            })
            .await
        })
        .expect("the blocking task ends")
        .expect("the rollback ran");
    assert_eq!(executed.exit_code, 0, "{:?}", executed.report.reasons);
    assert_eq!(
        executed.report.run_id.as_deref(),
        Some(executed.run_id.as_str())
    );
    assert_eq!(s.request_count("POST", "/switch-back"), switched_before + 2);
    let events = rollback_events(&c.store);
    assert_eq!(events.len(), 2, "{events:?}");
    let auto = events
        .iter()
        .find(|(_, p)| p.contains("\"automatic\":true"))
        .expect("an automatic rollback event");
    assert_eq!(auto.0, "ana", "the person who armed it allows it");

    let table = stdout(&greenlight(&["history", "--store", &c.store]));
    insta::assert_snapshot!(normalised_history(&table, &c.dir));
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 4, "{table}");
    assert!(lines[0].contains("kind"), "{table}");
    let row = |id: &str| {
        *lines
            .iter()
            .find(|l| l.starts_with(id))
            .unwrap_or_else(|| panic!("no row for {id}: {table}"))
    };
    let auto_row = row(&executed.run_id);
    assert!(auto_row.contains("rollback (automatic)"), "{auto_row}");
    assert!(auto_row.contains("ROLLED BACK"), "{auto_row}");
    assert_eq!(
        lines
            .iter()
            .filter(|l| l.contains(" rollback ") && !l.contains("automatic"))
            .count(),
        1,
        "{table}"
    );
    assert_eq!(
        lines.iter().filter(|l| l.contains(" run ")).count(),
        1,
        "{table}"
    );

    let rows = greenlight(&["history", "--json", "--store", &c.store]);
    let rows: serde_json::Value = serde_json::from_slice(&rows.stdout).unwrap();
    let rows = rows.as_array().unwrap();
    let kinds: Vec<(&str, Option<bool>)> = rows
        .iter()
        .map(|r| {
            (
                r["kind"].as_str().unwrap(),
                r["rollback"]["automatic"].as_bool(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("rollback", Some(true)),
            ("rollback", Some(false)),
            ("run", None)
        ],
        "newest first: {rows:?}"
    );
    assert_eq!(rows[0]["rollback"]["allowed_by"], "ana");
    assert_eq!(rows[0]["verdict"], "GO", "JSON keeps the verdict itself");
}

/// The history table with what changes from one run to the next (run ids,
/// times, durations, the scratch folder) replaced by fixed text; widths kept.
fn normalised_history(table: &str, dir: &Path) -> String {
    table
        .lines()
        .enumerate()
        .map(|(i, line)| {
            if i == 0 {
                return line.to_string();
            }
            let rest = &line[7 + 21..];
            let id = format!("{:<7}", "ID");
            let started = format!(" {:<20}", "STARTED");
            let mut rest = rest.replace(&dir.display().to_string(), "DIR");
            // The duration: `   0.0s ` (width 9) before the audit column.
            if let Some(at) = rest.find("s  unkeyed") {
                let start =
                    rest[..at].rfind(|c: char| !(c.is_ascii_digit() || c == '.' || c == ' '));
                let start = start.map_or(0, |s| s + 1);
                let width = at + 1 - start;
                rest.replace_range(start..at + 1, &format!("{:>width$}", "T"));
            }
            format!("{id}{started}{rest}")
        })
        .collect::<Vec<_>>()
        .join("\n")
}
