//! What `run`, `status` and `decide` say agrees with what they did: the
//! run header counts the items the verdict counts, a re-run counts only
//! the checks that really run, `-q` leaves stderr to warnings and errors,
//! sign-offs in the JSON name who signed and when, and `check`, `waive`
//! and `signoff` act on the latest run when no run is named.

use crate::run::{profile_text, start, write};
use crate::support::*;
use greenlight_fixture::Faults;
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

/// greenlight from the repository root, recording to `store`.
fn gl(args: &[&str], store: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_greenlight"))
        .args(args)
        .current_dir(repo_root())
        .env("GREENLIGHT_STORE", store)
        .env("GREENLIGHT_USER", "tester")
        .env("NO_COLOR", "1")
        .env_remove("GREENLIGHT_AUDIT_KEY")
        .env_remove("GITHUB_STEP_SUMMARY")
        .output()
        .expect("greenlight runs")
}

fn json_of(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", stdout(o), stderr(o)))
}

/// The number written just before `word` on the first line holding `word`.
fn number_before(text: &str, word: &str) -> usize {
    let line = text
        .lines()
        .find(|l| l.contains(word))
        .unwrap_or_else(|| panic!("no `{word}` in:\n{text}"));
    let at = line.find(word).unwrap();
    line[..at]
        .rsplit(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no number before `{word}`: {line}"))
}

/// A checklist against the fixture at `base`: a check that passes, one
/// that fails, two mutating POSTs, a manual item, a group and a sign-off.
fn doc(base: &str) -> String {
    format!(
        "# Release\n\n## Checks\n\n\
         - [ ] **Health**\n  ```bash\n  curl -f {base}/health\n  ```\n\
         - [ ] **Missing page**\n  ```bash\n  curl -f {base}/no-such-page\n  ```\n\
         - [ ] **Create an item**\n  ```bash\n  curl -X POST {base}/api/items -d '{{}}'\n  ```\n\
         - [ ] **Create another**\n  ```bash\n  curl -X POST {base}/api/items -d '{{}}'\n  ```\n\
         - [ ] Release notes reviewed\n\
         - [ ] Dashboards\n  - [ ] Errors panel looked at\n  - [ ] Latency panel looked at\n\n\
         ## Sign-off\n\n**Release Manager:** ______ **Date:** ____\n"
    )
}

#[test]
fn the_run_header_counts_the_items_the_verdict_counts_on_seed_003() {
    let env = start("honest-header", Faults::NONE);
    // Services on closed loopback ports: the counts, not the results, matter.
    let profile = write(
        &env.dir,
        "staging.toml",
        &profile_text(
            &env.fixture,
            "postgres://postgres@127.0.0.1:1/none",
            "redis://127.0.0.1:1",
            "",
        ),
    );
    let seed = std::fs::read(repo_root().join(seed_path(3))).unwrap();
    let checklist = env.dir.join("STAGING.md");
    std::fs::write(&checklist, seed).unwrap();
    let json = env.dir.join("r.json");
    let (c, p, j) = (
        checklist.to_str().unwrap(),
        profile.to_str().unwrap(),
        json.to_str().unwrap(),
    );
    let run = gl(
        &["run", c, "--env", p, "--no-store", "--json", j],
        &env.dir.join("runs.db"),
    );
    assert!(
        run.status.code().is_some_and(|c| c <= 3),
        "{}",
        stderr(&run)
    );
    let report: Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let counted: u64 = report["counts"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    // The header (`… will run · N items · M sign-off slots`) names the
    // items the verdict's counts add up to.
    let header = number_before(&stderr(&run), " items · ");
    assert_eq!(header as u64, counted, "{}", stderr(&run));
    // The document has lines the counts leave out (groups, sign-off
    // lines): counting every line of the plan would disagree.
    let plan = json_of(&gl(
        &["plan", c, "--env", p, "--json"],
        &env.dir.join("x.db"),
    ));
    let lines = plan["items"].as_array().unwrap().len() as u64;
    assert!(lines > counted, "plan lines {lines}, counted {counted}");
    // `plan` counts alike.
    let text = stdout(&gl(&["plan", c, "--env", p], &env.dir.join("x.db")));
    assert_eq!(number_before(&text, " items"), header, "{text}");
}

#[test]
fn a_rerun_counts_only_the_checks_that_run_and_names_those_not_allowed() {
    let env = start("honest-rerun", Faults::NONE);
    let path = write(&env.dir, "release.md", &doc(&env.fixture.base_url()));
    let store = env.dir.join("runs.db");
    let p = path.to_str().unwrap();
    let first = gl(&["run", p], &store);
    assert_eq!(first.status.code(), Some(1), "{}", stderr(&first));
    let run1 = json_of(&gl(&["status", "--json"], &store))["run_id"]
        .as_str()
        .unwrap()
        .to_string();
    // The failed check runs again; the two POSTs did not run (mutating is
    // not allowed) and are not run now either: they are named, not counted.
    let again = gl(&["run", p, "--rerun-failed"], &store);
    let said = squashed(&stderr(&again));
    assert!(
        said.contains(&format!(
            "re-running 1 of 4 checks (not run: 2 not allowed in this profile); keeping 1 result of run {run1}"
        )),
        "{said}"
    );
    // Allowed, they run.
    let allowed = gl(&["run", p, "--rerun-failed", "--allow", "mutating"], &store);
    let said = squashed(&stderr(&allowed));
    assert!(
        said.contains("re-running 3 of 4 checks; keeping 1 result"),
        "{said}"
    );
}

#[test]
fn quiet_leaves_stderr_to_warnings_and_errors_and_the_run_id_to_the_json() {
    let env = start("honest-quiet", Faults::NONE);
    let path = write(&env.dir, "release.md", &doc(&env.fixture.base_url()));
    let store = env.dir.join("runs.db");
    let json = env.dir.join("r.json");
    let (p, j) = (path.to_str().unwrap(), json.to_str().unwrap());
    let loud = gl(&["run", p], &store);
    assert!(stderr(&loud).contains("recorded run "), "{}", stderr(&loud));
    let quiet = gl(&["run", p, "-q", "--json", j], &store);
    assert_eq!(quiet.status.code(), Some(1), "{}", stdout(&quiet));
    assert_eq!(stderr(&quiet), "", "-q: no notes on stderr");
    assert!(stdout(&quiet).contains("NO_GO"), "{}", stdout(&quiet));
    // The run ID is where a script finds it: the JSON report, and history.
    let report: Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let id = report["run_id"].as_str().expect("run_id in the report");
    let history = json_of(&gl(&["history", "--json"], &store));
    assert_eq!(history[0]["run_id"], id, "{history}");
    // A re-run's note is a note too.
    let rerun = gl(&["run", p, "-q", "--rerun-failed"], &store);
    assert_eq!(stderr(&rerun), "", "-q: no re-run note");
    // --help says where the run ID is.
    let help = squashed(&stdout(&gl(&["--help"], &store)));
    assert!(
        help.contains("only warnings and errors") && help.contains("`run_id` in the JSON report"),
        "{help}"
    );
}

#[test]
fn signoffs_in_status_and_decide_json_name_the_signer_the_time_and_the_run() {
    let env = start("honest-signoffs", Faults::NONE.with_wrong_version());
    let base = env.fixture.base_url();
    let text = format!(
        "# Release\n\n## Checks\n\n\
         - [ ] **Version**\n  ```bash\n  curl {base}/version\n  # Expected: {{\"version\": \"8.0.0\"}}\n  ```\n\n\
         ## Sign-off\n\n**Release Manager:** ______ **Date:** ____\n"
    );
    let path = write(&env.dir, "release.md", &text);
    let store = env.dir.join("runs.db");
    let p = path.to_str().unwrap();
    assert_eq!(gl(&["run", p, "-q"], &store).status.code(), Some(1));
    let run1 = json_of(&gl(&["status", "--json"], &store))["run_id"]
        .as_str()
        .unwrap()
        .to_string();
    // Unsigned: nobody, no time.
    let before = json_of(&gl(&["status", "--json"], &store));
    let slot = &before["signoffs"][0];
    assert_eq!(slot["signed"], false, "{slot}");
    assert!(slot.get("signed_by").is_none(), "{slot}");
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
    for command in ["status", "decide"] {
        let report = json_of(&gl(&[command, "--json"], &store));
        let slot = &report["signoffs"][0];
        assert_eq!(slot["signed"], true, "{command}: {slot}");
        assert_eq!(slot["signed_by"], "Ada", "{command}: {slot}");
        assert_eq!(slot["signed_in_run"], run1.as_str(), "{command}: {slot}");
        let at = slot["signed_at"].as_str().unwrap_or_default();
        assert!(
            humantime::parse_rfc3339_weak(at).is_ok(),
            "{command}: signed_at {at:?}"
        );
    }
    // The evidence changes: the sign-off is stale, and still says who gave
    // it, when, and in which run.
    env.fixture.control().set_faults(Faults::NONE);
    assert_eq!(gl(&["run", p, "-q"], &store).status.code(), Some(3));
    let report = json_of(&gl(&["status", "--json"], &store));
    let run2 = report["run_id"].as_str().unwrap();
    assert_ne!(run2, run1);
    let slot = &report["signoffs"][0];
    assert_eq!(slot["signed"], false, "{slot}");
    assert!(slot["stale"].is_string(), "{slot}");
    assert_eq!(slot["signed_by"], "Ada", "{slot}");
    assert_eq!(slot["signed_in_run"], run1.as_str(), "{slot}");
    let decide = json_of(&gl(&["decide", "--json"], &store));
    assert_eq!(decide["signoffs"], report["signoffs"], "{decide}");
}

#[test]
fn check_waive_and_signoff_act_on_the_latest_run_when_none_is_named() {
    let env = start("honest-latest", Faults::NONE);
    let path = write(&env.dir, "release.md", &doc(&env.fixture.base_url()));
    let store = env.dir.join("runs.db");
    let p = path.to_str().unwrap();
    // No run yet: the same answer as `status`.
    let none = gl(&["status"], &store);
    let check_none = gl(&["check", "L23"], &store);
    assert_eq!(check_none.status.code(), none.status.code());
    assert_eq!(stderr(&check_none), stderr(&none));
    assert!(stderr(&none).contains("no runs yet"), "{}", stderr(&none));

    assert_eq!(gl(&["run", p, "-q"], &store).status.code(), Some(1));
    let status = json_of(&gl(&["status", "--json"], &store));
    let run = status["run_id"].as_str().unwrap().to_string();
    let line = |text: &str| {
        let item = status["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["text"] == text)
            .unwrap_or_else(|| panic!("no item {text}"));
        format!("L{}", item["line"])
    };
    let notes = line("Release notes reviewed");
    let errors = line("Errors panel looked at");
    let missing = line("Missing page");

    // check ITEM…: the latest run.
    let out = gl(&["check", &notes, &errors], &store);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains(&format!("2 items checked in run {run}")),
        "{}",
        stdout(&out)
    );
    // check RUN ITEM still works, with the run in full or a prefix.
    let out = gl(&["uncheck", &run, &errors], &store);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // (A prefix of digits only could also be a line: then the run in full.)
    let prefix = if run[..4].parse::<usize>().is_ok() {
        &run[..]
    } else {
        &run[..4]
    };
    let out = gl(&["check", prefix, &errors], &store);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains(&format!("1 item checked in run {run}")),
        "{}",
        stdout(&out)
    );
    // A word that is neither a run nor an item is refused, naming both.
    let out = gl(&["check", "zzzzzzz", &notes], &store);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("neither a run") && stderr(&out).contains(&run),
        "{}",
        stderr(&out)
    );

    // waive ITEM and signoff --role: the latest run too.
    let out = gl(
        &["waive", &missing, "--reason", "known, fixed next week"],
        &store,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = gl(
        &["signoff", "--role", "Release Manager", "--name", "Ada"],
        &store,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let status = json_of(&gl(&["status", "--json", &run], &store));
    let by_text = |text: &str| {
        status["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["text"] == text)
            .unwrap()
            .clone()
    };
    assert_eq!(by_text("Release notes reviewed")["status"], "passed");
    assert_eq!(by_text("Errors panel looked at")["status"], "passed");
    assert_eq!(by_text("Missing page")["status"], "waived");
    assert_eq!(status["signoffs"][0]["signed_by"], "Ada");
    // waive RUN ITEM still works.
    let out = gl(&["waive", &run, &notes, "--reason", "twice"], &store);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}
