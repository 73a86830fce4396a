//! A secret, however short, never makes a recorded run unreadable, and a
//! realistic one appears nowhere: not in the store file, not in any output.
//!
//! A one-letter secret used to be masked inside the plan's own field names
//! (`"expect"` → `"e[redacted]pect"`), after which `status` and
//! `--rerun-failed` answered "its plan cannot be read".

use crate::run::*;
use crate::support::*;
use greenlight_fixture::Faults;
use std::path::Path;
use std::process::Output;

/// Checks whose text holds the secret as written: in an item, a header
/// name and value, and a key and value of an expected JSON body (user
/// data that must be masked, keys included). The version check fails
/// (the fixture's body has no such key), so `--rerun-failed` has work.
fn doc(base: &str, secret: &str) -> String {
    format!(
        "# Release checklist\n\n## Checks\n\n\
         - [ ] API health is fixed, line id {secret}\n\n  ```bash\n  curl -s {base}/health\n  # Expected: 200\n  ```\n\n\
         - [ ] Profile answers with the token\n\n  ```bash\n  curl -s -H \"Authorization: Bearer ${{TOKEN}}\" {base}/api/user/profile\n  # Expected: 200\n  ```\n\n\
         - [ ] Version carries the note\n\n  ```bash\n  curl -s -H \"X-Note-{secret}: {secret}\" {base}/version\n  ```\n\n  \
         Expected response:\n  ```json\n  {{\"version\": \"8.0.0\", \"{secret}\": \"{secret}\"}}\n  ```\n"
    )
}

struct Outcome {
    /// Every stdout and stderr, with the command that wrote it.
    outputs: Vec<(String, String)>,
}

fn greenlight_with(env: &Env, secret: &str, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_greenlight"))
        .args(args)
        .current_dir(&env.dir)
        .env("NO_COLOR", "1")
        .env("GREENLIGHT_STORE", env.dir.join("runs.db"))
        .env("E2E_SECRET_TOKEN", secret)
        .output()
        .expect("greenlight runs")
}

fn record(out: &mut Outcome, what: &str, o: &Output) {
    out.outputs.push((format!("{what} stdout"), stdout(o)));
    out.outputs.push((format!("{what} stderr"), stderr(o)));
}

/// Run, status, --rerun-failed, report --html and history with `secret`
/// as the profile's `TOKEN`: every one of them works on the recorded run.
fn run_everything(name: &str, secret: &str) -> (Env, Outcome) {
    let env = start(name, Faults::NONE);
    let base = env.fixture.base_url();
    let checklist = write(&env.dir, "checklist.md", &doc(&base, secret));
    let profile = healthy_profile(&env);
    let profile = write(&env.dir, "p.toml", &profile);
    let (checklist, profile) = (
        checklist.display().to_string(),
        profile.display().to_string(),
    );
    let mut outcome = Outcome {
        outputs: Vec::new(),
    };
    let unreadable = |o: &Output| {
        let text = stdout(o) + &stderr(o);
        text.contains("cannot be read") || text.contains("unreadable")
    };

    let run = greenlight_with(
        &env,
        secret,
        &[
            "run",
            &checklist,
            "--env",
            &profile,
            "--json",
            "r.json",
            "--junit",
            "r.xml",
            "--markdown",
            "r.md",
        ],
    );
    record(&mut outcome, "run", &run);
    // NO_GO: the version check fails by design.
    assert_eq!(run.status.code(), Some(1), "run: {}", stderr(&run));
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(env.dir.join("r.json")).unwrap()).unwrap();
    // The report's own keys are intact: a secret inside "items", "line",
    // "verdict" would have broken them.
    assert_eq!(report["verdict"], "NO_GO", "{report}");
    let items = report["items"].as_array().expect("items");
    assert!(items.iter().all(|i| i["line"].is_u64()), "{report}");

    let status = greenlight_with(&env, secret, &["status"]);
    record(&mut outcome, "status", &status);
    assert!(!unreadable(&status), "status: {}", stderr(&status));
    assert!(
        stdout(&status).contains("Version carries the note"),
        "status: {}\n{}",
        stdout(&status),
        stderr(&status)
    );

    let rerun = greenlight_with(
        &env,
        secret,
        &[
            "run",
            &checklist,
            "--env",
            &profile,
            "--rerun-failed",
            "--json",
            "rerun.json",
        ],
    );
    record(&mut outcome, "rerun", &rerun);
    assert!(!unreadable(&rerun), "--rerun-failed: {}", stderr(&rerun));
    assert_eq!(rerun.status.code(), Some(1), "rerun: {}", stderr(&rerun));
    let rerun_report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(env.dir.join("rerun.json")).unwrap()).unwrap();
    assert_eq!(rerun_report["verdict"], "NO_GO", "{rerun_report}");

    let html = greenlight_with(&env, secret, &["report", "--html", "r.html"]);
    record(&mut outcome, "report", &html);
    assert_eq!(html.status.code(), Some(0), "report: {}", stderr(&html));
    assert!(!unreadable(&html), "report: {}", stderr(&html));

    let history = greenlight_with(&env, secret, &["history"]);
    record(&mut outcome, "history", &history);
    assert_eq!(
        history.status.code(),
        Some(0),
        "history: {}",
        stderr(&history)
    );
    let run_ids = [&report, &rerun_report].map(|r| r["run_id"].as_str().unwrap().to_string());
    for id in &run_ids {
        let short = &id[..8.min(id.len())];
        assert!(
            stdout(&history).contains(short),
            "{short} not in history: {}",
            stdout(&history)
        );
    }
    (env, outcome)
}

/// Every file the commands wrote, and the store's bytes (WAL included).
fn written_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            name.starts_with("runs.db") || name.starts_with("r.") || name.starts_with("rerun.")
        })
        .map(|p| (p.display().to_string(), std::fs::read(&p).unwrap()))
        .collect();
    files.sort();
    files
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn a_one_letter_secret_keeps_every_recorded_run_readable() {
    let (_, outcome) = run_everything("redact-x", "x");
    // Said once, by name: never the value.
    let run_err = &outcome.outputs[1].1;
    let warning = "warning: the secret TOKEN is 1 character long";
    assert_eq!(run_err.matches(warning).count(), 1, "{run_err}");
}

#[test]
fn secrets_named_like_our_fields_keep_every_recorded_run_readable() {
    for secret in ["id", "line"] {
        let (_, outcome) = run_everything(&format!("redact-{secret}"), secret);
        let run_err = &outcome.outputs[1].1;
        let n = secret.len();
        if n < 4 {
            assert!(
                run_err.contains(&format!("the secret TOKEN is {n} characters long")),
                "{run_err}"
            );
        }
    }
}

#[test]
fn a_realistic_secret_appears_in_no_output_and_not_in_the_store() {
    let secret = greenlight_fixture::Tokens::default().user;
    let (env, outcome) = run_everything("redact-real", &secret);
    // The token really was sent: the profile check passed with it.
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(env.dir.join("r.json")).unwrap()).unwrap();
    let profile_item = report["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["text"] == "Profile answers with the token")
        .expect("profile item");
    assert_eq!(profile_item["status"], "passed", "{profile_item}");
    assert!(!outcome.outputs[1].1.contains("warning: the secret"));
    for (name, text) in &outcome.outputs {
        assert!(!text.contains(&secret), "{name} leaks the secret:\n{text}");
    }
    let files = written_files(&env.dir);
    assert!(
        files.iter().any(|(n, _)| n.ends_with("runs.db")),
        "no store"
    );
    assert!(files.iter().any(|(n, _)| n.ends_with("r.html")), "no html");
    for (name, bytes) in files {
        assert!(!bytes.is_empty() || name.ends_with("-shm") || name.ends_with("-wal"));
        assert!(
            !contains(&bytes, secret.as_bytes()),
            "{name} holds the secret's bytes"
        );
    }
    // The document spelled it out in a JSON key: masked there too.
    let html = std::fs::read_to_string(env.dir.join("r.html")).unwrap();
    assert!(
        html.contains("[redacted]"),
        "nothing masked in the HTML report"
    );
}
