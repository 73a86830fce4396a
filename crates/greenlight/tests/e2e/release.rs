//! Releases: runs of one checklist and profile build on each other.
//! People's acts carry over, sign-offs go stale when the evidence they
//! approved changes, `[x]` ticks in the document count, partial re-runs
//! keep what they do not run, and the store is found from anywhere in the
//! repository.

use crate::run::{start, write};
use crate::support::*;
use greenlight_fixture::Faults;
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

/// The two backends (SQLite always; PostgreSQL when it answers, or
/// required by GREENLIGHT_REQUIRE_SERVICES=1).
fn backends(name: &str) -> Vec<String> {
    let dir = scratch(&format!("release-{name}"));
    let mut out = vec![dir.join("runs.db").display().to_string()];
    if services_available() {
        out.push(format!(
            "postgres://postgres@127.0.0.1:5432/postgres?schema=gl_rel_{name}_{}",
            std::process::id()
        ));
    }
    out
}

fn drop_schema(store: &str) {
    if let Some((_, schema)) = store.split_once("?schema=") {
        let _ = Command::new("psql")
            .args(["-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-qc"])
            .arg(format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
            .output();
    }
}

fn gl(args: &[&str], store: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_greenlight"))
        .args(args)
        .env("GREENLIGHT_STORE", store)
        .env("GREENLIGHT_USER", "tester")
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

/// greenlight in `dir`, finding its store itself.
fn gl_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_greenlight"))
        .args(args)
        .current_dir(dir)
        .env_remove("GREENLIGHT_STORE")
        .env("GREENLIGHT_USER", "tester")
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn json_of(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", stdout(o), stderr(o)))
}

fn item<'a>(report: &'a Value, text: &str) -> &'a Value {
    report["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["text"] == text)
        .unwrap_or_else(|| panic!("no item {text}: {report}"))
}

const DOC: &str = "# Release\n\n## Checks\n\n- [ ] **Health**\n  ```bash\n  curl -f BASE/health\n  ```\n- [ ] **Version**\n  ```bash\n  curl BASE/version\n  # Expected: {\"version\": \"8.0.0\"}\n  ```\n- [ ] Release notes reviewed\n- [x] Backups verified\n\n## Smoke\n\n- [ ] **Ready**\n  ```bash\n  curl -f BASE/ready\n  ```\n\n## Sign-off\n\n**Release Manager:** ______ **Date:** ____\n";

fn doc(base: &str) -> String {
    DOC.replace("BASE", base)
}

#[test]
fn people_work_carries_over_and_a_signoff_goes_stale_when_evidence_changes() {
    for store in backends("carry") {
        let env = start("release-carry", Faults::NONE.with_wrong_version());
        let path = write(&env.dir, "release.md", &doc(&env.fixture.base_url()));
        let p = path.to_str().unwrap();
        let first = gl(&["run", p], &store);
        assert_eq!(first.status.code(), Some(1), "{}", stderr(&first));
        assert!(
            stderr(&first).contains("1 box ticked [x] in the document counts"),
            "{}",
            stderr(&first)
        );
        let status = json_of(&gl(&["status", "--json"], &store));
        let run1 = status["run_id"].as_str().unwrap().to_string();
        // The box ticked in the Markdown counts as a person's check.
        let backups = item(&status, "Backups verified");
        assert_eq!(backups["status"], "passed", "{backups}");
        assert!(
            backups["note"]
                .as_str()
                .unwrap()
                .contains("checked by document"),
            "{backups}"
        );
        let version = item(&status, "Version")["id"].as_str().unwrap().to_string();

        // People work on run 1: a check with a note, a waiver, a sign-off.
        let notes_line = item(&status, "Release notes reviewed")["line"]
            .as_u64()
            .unwrap();
        let notes = format!("L{notes_line}");
        let out = gl(&["check", &run1, &notes, "--note", "read them"], &store);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let out = gl(
            &[
                "waive",
                &run1,
                &version,
                "--reason",
                "hotfix build",
                "--name",
                "cto",
            ],
            &store,
        );
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let out = gl(
            &[
                "signoff",
                &run1,
                "--role",
                "Release Manager",
                "--name",
                "Ada",
            ],
            &store,
        );
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert_eq!(gl(&["decide", &run1], &store).status.code(), Some(0));

        // The fix, and a new run: automated checks run again, people's
        // work is still there, and the sign-off no longer counts.
        env.fixture.control().set_faults(Faults::NONE);
        std::thread::sleep(std::time::Duration::from_millis(20));
        let second = gl(&["run", p], &store);
        assert_eq!(second.status.code(), Some(3), "{}", stderr(&second));
        assert!(
            squashed(&stderr(&second)).contains("people's work carried from 1 earlier run"),
            "{}",
            stderr(&second)
        );
        let status = json_of(&gl(&["status", "--json"], &store));
        let run2 = status["run_id"].as_str().unwrap().to_string();
        assert_ne!(run1, run2);
        assert_eq!(status["verdict"], "PENDING", "{}", status["reasons"]);
        let carried = item(&status, "Release notes reviewed");
        assert_eq!(carried["status"], "passed");
        let note = carried["note"].as_str().unwrap();
        assert!(
            note.contains("checked by tester") && note.contains(&format!("run {run1}")),
            "{note}"
        );
        assert_eq!(item(&status, "Version")["status"], "passed");
        assert_eq!(item(&status, "Backups verified")["status"], "passed");
        assert_eq!(status["signoffs"][0]["signed"], false);
        let stale = status["signoffs"][0]["stale"].as_str().unwrap();
        assert!(
            stale.contains("Ada") && stale.contains("Version: failed → passed"),
            "{stale}"
        );
        let reasons = status["reasons"].to_string();
        assert!(
            reasons.contains("sign-off stale: Release Manager"),
            "{reasons}"
        );

        // status and decide show who did what, when, from which run.
        // (Lines wrap at the width: phrases are looked for with spaces squashed.)
        let human = squashed(&stdout(&gl(&["status", &run2], &store)));
        assert!(human.contains("People's work (release"), "{human}");
        assert!(
            human.contains("checked by tester at")
                && human.contains(&format!("(run {run1}): read them")),
            "{human}"
        );
        assert!(human.contains("waived by cto"), "{human}");
        assert!(human.contains("STALE sign-off by Ada"), "{human}");
        // The summary counts it as stale, not as missing.
        assert!(
            human.contains("1 sign-off stale")
                && !human.contains("1 sign-offs")
                && !human.contains("sign-off missing")
                && !human.contains("sign-offs missing"),
            "{human}"
        );
        let decide = gl(&["decide", &run2], &store);
        assert_eq!(decide.status.code(), Some(3));
        assert!(
            stdout(&decide).contains("STALE sign-off by Ada"),
            "{}",
            stdout(&decide)
        );

        // Its holder signs again, on the new evidence: GO.
        let out = gl(
            &[
                "signoff",
                &run2,
                "--role",
                "Release Manager",
                "--name",
                "Ada",
            ],
            &store,
        );
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let decide = gl(&["decide", &run2], &store);
        assert_eq!(decide.status.code(), Some(0), "{}", stdout(&decide));
        // The first run's own view is unchanged: Ada's first sign-off fits it.
        assert_eq!(gl(&["decide", &run1], &store).status.code(), Some(0));
        for run in [&run1, &run2] {
            assert_eq!(gl(&["audit", run], &store).status.code(), Some(0));
        }
        // Another release of the same checklist starts clean.
        let other = gl(&["run", p, "--release", "v2"], &store);
        assert_eq!(other.status.code(), Some(3), "{}", stderr(&other));
        let status = json_of(&gl(&["status", "--json"], &store));
        assert_eq!(item(&status, "Release notes reviewed")["status"], "pending");
        drop_schema(&store);
    }
}

#[test]
fn rerun_failed_and_only_run_just_those_checks() {
    for store in backends("rerun") {
        let env = start("release-rerun", Faults::NONE.with_wrong_version());
        let path = write(&env.dir, "r.md", &doc(&env.fixture.base_url()));
        let p = path.to_str().unwrap();
        let count = |route: &str| env.fixture.control().request_count("GET", route);
        assert_eq!(gl(&["run", p], &store).status.code(), Some(1));
        assert_eq!(
            (count("/health"), count("/version"), count("/ready")),
            (1, 1, 1)
        );

        env.fixture.control().set_faults(Faults::NONE);
        let out = gl(&["run", p, "--rerun-failed"], &store);
        assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
        assert!(
            stderr(&out).contains("re-running 1 of 3 checks; keeping 2 results"),
            "{}",
            stderr(&out)
        );
        // Only the failed check reached the service.
        assert_eq!(
            (count("/health"), count("/version"), count("/ready")),
            (1, 2, 1)
        );
        let status = json_of(&gl(&["status", "--json"], &store));
        assert_eq!(status["counts"]["failed"], 0, "{}", status["counts"]);
        assert_eq!(item(&status, "Health")["status"], "passed");
        assert_eq!(item(&status, "Version")["status"], "passed");

        // --only an item (by line) and --phase a phase.
        let health = item(&status, "Health")["line"].as_u64().unwrap();
        let out = gl(&["run", p, "--only", &format!("L{health}")], &store);
        assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
        assert_eq!(
            (count("/health"), count("/version"), count("/ready")),
            (2, 2, 1)
        );
        let out = gl(&["run", p, "--phase", "smoke"], &store);
        assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
        assert_eq!(
            (count("/health"), count("/version"), count("/ready")),
            (2, 2, 2)
        );
        let bad = gl(&["run", p, "--phase", "deploy"], &store);
        assert_eq!(bad.status.code(), Some(2));
        assert!(stderr(&bad).contains("“Smoke”"), "{}", stderr(&bad));

        // resume --failed: the same run, re-running only what failed.
        env.fixture
            .control()
            .set_faults(Faults::NONE.with_not_ready());
        assert_eq!(gl(&["run", p], &store).status.code(), Some(1));
        let run = json_of(&gl(&["status", "--json"], &store))["run_id"]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(
            (count("/health"), count("/version"), count("/ready")),
            (3, 3, 3)
        );
        env.fixture.control().set_faults(Faults::NONE);
        let out = gl(&["resume", &run, "--failed"], &store);
        assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
        assert_eq!(
            (count("/health"), count("/version"), count("/ready")),
            (3, 3, 4)
        );
        let status = json_of(&gl(&["status", "--json", &run], &store));
        assert_eq!(status["run_id"], run.as_str());
        assert_eq!(item(&status, "Ready")["status"], "passed");
        assert_eq!(gl(&["audit", &run], &store).status.code(), Some(0));
        drop_schema(&store);
    }
}

#[test]
fn ticks_name_their_git_author_and_write_round_trips() {
    let env = start("release-ticks", Faults::NONE);
    let repo = env.dir.join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    let path = write(&repo, "RELEASE.md", &doc(&env.fixture.base_url()));
    let git = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .current_dir(&repo)
            .env("GIT_AUTHOR_NAME", "Ada Lovelace")
            .env("GIT_AUTHOR_EMAIL", "ada@example.com")
            .env("GIT_COMMITTER_NAME", "Ada Lovelace")
            .env("GIT_COMMITTER_EMAIL", "ada@example.com")
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    };
    let store = env.dir.join("runs.db").display().to_string();
    let p = path.to_str().unwrap();
    let committed =
        git(&["init", "-q"]) && git(&["add", "RELEASE.md"]) && git(&["commit", "-qm", "doc"]);
    assert_eq!(gl(&["run", p], &store).status.code(), Some(3));
    let status = json_of(&gl(&["status", "--json"], &store));
    let note = item(&status, "Backups verified")["note"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(note.contains("ticked [x] in the document"), "{note}");
    if committed {
        assert!(note.contains("checked by Ada Lovelace"), "{note}");
    } else {
        eprintln!("note: git is not available; the blame author is not tested");
        assert!(note.contains("checked by document"), "{note}");
    }

    // A person checks the manual item; `write` ticks it (and the passed
    // checks); a new release reading the written document agrees.
    let run = status["run_id"].as_str().unwrap().to_string();
    let line = item(&status, "Release notes reviewed")["line"]
        .as_u64()
        .unwrap();
    gl(&["check", &run, &format!("L{line}")], &store);
    let before = json_of(&gl(&["status", "--json"], &store));
    let out = gl(&["write", &run], &store);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let written = std::fs::read_to_string(&path).unwrap();
    assert!(
        written.contains("- [x] Release notes reviewed"),
        "{written}"
    );
    let out = gl(&["run", p, "--release", "fresh"], &store);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("2 boxes ticked [x] in the document count as"),
        "{}",
        stderr(&out)
    );
    let after = json_of(&gl(&["status", "--json"], &store));
    for i in before["items"].as_array().unwrap() {
        let same = item(&after, i["text"].as_str().unwrap());
        assert_eq!(same["status"], i["status"], "{} changed", i["text"]);
    }
    assert_eq!(after["counts"], before["counts"]);
    // Writing again changes nothing.
    let out = gl(&["write"], &store);
    assert!(stderr(&out).contains("ticked 0 items"), "{}", stderr(&out));
}

#[test]
fn the_store_and_defaults_are_found_from_anywhere_in_the_repository() {
    let env = start("release-find", Faults::NONE);
    let root = env.dir.join("project");
    std::fs::create_dir_all(root.join(".git")).unwrap();
    std::fs::create_dir_all(root.join("docs")).unwrap();
    std::fs::create_dir_all(root.join("src/deep")).unwrap();
    write(
        &root.join("docs"),
        "RELEASE.md",
        &doc(&env.fixture.base_url()),
    );
    write(&root, "staging.toml", "name = \"staging\"\n");

    // Without greenlight.toml: run beside the checklist, find it from the root.
    let out = gl_in(&root, &["run", "docs/RELEASE.md"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let beside = root.join("docs/.greenlight/runs.db");
    let err = stderr(&out);
    let said: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("recorded run "))
        .collect();
    assert_eq!(said.len(), 1, "{}", stderr(&out));
    assert!(said[0].contains("docs/.greenlight/runs.db"), "{}", said[0]);
    assert!(
        said[0].contains("release docs/RELEASE.md@default"),
        "{}",
        said[0]
    );
    assert!(beside.is_file());
    for dir in [root.clone(), root.join("src/deep"), root.join("docs")] {
        let status = gl_in(&dir, &["status", "--json"]);
        assert_eq!(
            status.status.code(),
            Some(3),
            "{}: {}",
            dir.display(),
            stderr(&status)
        );
        assert_eq!(json_of(&status)["verdict"], "PENDING");
    }

    // greenlight.toml names the checklist, profile and store: plain
    // `greenlight run` from a subfolder uses them.
    write(
        &root,
        "greenlight.toml",
        "checklist = \"docs/RELEASE.md\"\nprofile = \"staging.toml\"\nstore = \".greenlight/team.db\"\n",
    );
    let out = gl_in(&root.join("src/deep"), &["run"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    // (The line wraps at the width: looked for with spaces squashed.)
    assert!(
        squashed(&stderr(&out)).contains(&format!(
            "in {}",
            root.canonicalize()
                .unwrap()
                .join(".greenlight/team.db")
                .display()
        )),
        "{}",
        stderr(&out)
    );
    assert!(
        squashed(&stderr(&out)).contains("release docs/RELEASE.md@staging"),
        "{}",
        stderr(&out)
    );
    let status = json_of(&gl_in(&root.join("docs"), &["status", "--json"]));
    assert_eq!(status["profile"], "staging");
    let history = json_of(&gl_in(&root, &["history", "--json"]));
    assert_eq!(history.as_array().unwrap().len(), 1, "{history}");
    assert_eq!(history[0]["release"], "docs/RELEASE.md@staging");
    // A broken greenlight.toml is named.
    write(&root, "greenlight.toml", "checklst = \"x\"\n");
    let out = gl_in(&root, &["run"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("greenlight.toml"), "{}", stderr(&out));
}

/// Release day on seed 003 against the stand-in: a run that fails, people's
/// work, the fix, a re-run of what failed, the work carried over, a stale
/// sign-off signed again. The transcript is written to
/// `$GREENLIGHT_TRANSCRIPT` when set (else beside the test's files).
#[test]
fn a_release_day_on_seed_003() {
    if !services_available() {
        return;
    }
    let env = start("release-003", Faults::NONE.with_health_500());
    std::fs::write(
        env.dir.join("staging.toml"),
        crate::run::healthy_profile(&env),
    )
    .unwrap();
    std::fs::copy(repo_root().join(seed_path(3)), env.dir.join("STAGING.md")).unwrap();
    // A repository of its own, as a team's would be (the release is then
    // `STAGING.md@e2e`); without git the release is named by the full path.
    let _ = Command::new("git")
        .args(["init", "-q"])
        .current_dir(&env.dir)
        .output();
    let mut transcript = String::new();
    let mut step = |comment: &str, args: &[&str]| -> Output {
        let out = Command::new(env!("CARGO_BIN_EXE_greenlight"))
            .args(args)
            .current_dir(&env.dir)
            .env("GREENLIGHT_STORE", env.dir.join("runs.db"))
            .env("GREENLIGHT_USER", "maria")
            .env("NO_COLOR", "1")
            .env(
                "E2E_SECRET_TOKEN",
                greenlight_fixture::Tokens::default().user,
            )
            .output()
            .unwrap();
        if !comment.is_empty() {
            transcript.push_str(&format!("\n# {comment}\n"));
        }
        let shown: Vec<String> = args
            .iter()
            .map(|a| {
                if a.contains(' ') {
                    format!("\"{a}\"")
                } else {
                    a.to_string()
                }
            })
            .collect();
        transcript.push_str(&format!("$ greenlight {}\n", shown.join(" ")));
        transcript.push_str(&stdout(&out));
        transcript.push_str(&stderr(&out));
        transcript.push_str(&format!("[exit {}]\n", out.status.code().unwrap_or(-1)));
        out
    };
    let run_id = |out: &Output| {
        stderr(out)
            .lines()
            .find_map(|l| l.strip_prefix("recorded run "))
            .and_then(|l| l.split(' ').next())
            .map(str::to_string)
            .unwrap_or_else(|| panic!("no `recorded run` line: {}", stderr(out)))
    };
    let first = step(
        "09:10 the first run: the user service's /health answers 500",
        &["run", "STAGING.md", "--env", "staging.toml"],
    );
    assert_eq!(first.status.code(), Some(1), "{}", stderr(&first));
    let run1 = run_id(&first);
    let out = step(
        "people work on it: two manual checks and the technical lead's sign-off",
        &["check", &run1, "L12", "--note", "all merged via PRs"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    step(
        "",
        &["check", &run1, "L13", "--note", "CI green on the tag"],
    );
    let out = step(
        "",
        &[
            "signoff",
            &run1,
            "--role",
            "Technical lead",
            "--name",
            "Maria Chen",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    env.fixture.control().set_faults(Faults::NONE);
    let second = step(
        "10:02 the fix is deployed; re-run only what failed",
        &[
            "run",
            "STAGING.md",
            "--env",
            "staging.toml",
            "--rerun-failed",
        ],
    );
    assert_eq!(second.status.code(), Some(3), "{}", stderr(&second));
    let run2 = run_id(&second);
    let status = step(
        "the new run: the checks are carried over, the sign-off is stale",
        &["status", &run2],
    );
    // (Lines wrap at the width: phrases are looked for with spaces squashed.)
    let text = squashed(&stdout(&status));
    assert!(
        text.contains(&format!("(run {run1}): CI green on the tag")),
        "{text}"
    );
    assert!(text.contains("STALE sign-off by Maria Chen"), "{text}");
    let decide = step("", &["decide", &run2]);
    assert!(
        stdout(&decide).contains("STALE sign-off by Maria Chen"),
        "{}",
        stdout(&decide)
    );
    let out = step(
        "the technical lead looks at the new evidence and signs again",
        &[
            "signoff",
            &run2,
            "--role",
            "Technical lead",
            "--name",
            "Maria Chen",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let decide = step("", &["decide", &run2]);
    assert!(!stdout(&decide).contains("STALE"), "{}", stdout(&decide));
    let v = json_of(
        &Command::new(env!("CARGO_BIN_EXE_greenlight"))
            .args(["decide", &run2, "--json"])
            .current_dir(&env.dir)
            .env("GREENLIGHT_STORE", env.dir.join("runs.db"))
            .output()
            .unwrap(),
    );
    let reasons = v["reasons"].to_string();
    assert!(!reasons.contains("Technical lead"), "{reasons}");
    assert!(
        reasons.contains("sign-off missing: Product owner"),
        "{reasons}"
    );
    let path = std::env::var_os("GREENLIGHT_TRANSCRIPT")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| env.dir.join("transcript.txt"));
    std::fs::write(&path, transcript).unwrap();
    eprintln!("transcript: {}", path.display());
}
