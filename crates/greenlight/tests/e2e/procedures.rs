//! Rollback, emergency, troubleshooting and conditional procedures in every
//! shape never run (not even with `--allow destructive`) and never gate; a
//! run that verified nothing is PENDING, never GO.

use crate::run::{profile_text, start, write};
use crate::support::*;
use greenlight_fixture::Faults;
use serde_json::Value;
use std::path::Path;

/// Runs `doc` with every class and shell allowed; (exit code, report).
fn run_all_allowed(env: &crate::run::Env, name: &str, doc: &str) -> (i32, Value, String) {
    let profile = profile_text(
        &env.fixture,
        "postgres://postgres@127.0.0.1:5432/test",
        "redis://127.0.0.1:6379",
        "[allow]\nclasses = [\"read\", \"mutating\", \"destructive\"]\nshell = true\n",
    );
    let profile_path = write(&env.dir, "profile.toml", &profile);
    let doc_path = write(&env.dir, &format!("{name}.md"), doc);
    let json = env.dir.join(format!("{name}.json"));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_greenlight"))
        .args([
            "run",
            doc_path.to_str().unwrap(),
            "--env",
            profile_path.to_str().unwrap(),
            "--allow",
            "destructive",
            "--json",
            json.to_str().unwrap(),
        ])
        .current_dir(repo_root())
        .env("NO_COLOR", "1")
        .env("GREENLIGHT_STORE", env.dir.join("runs.db"))
        .output()
        .unwrap();
    let report: Value = std::fs::read(&json)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or(Value::Null);
    (
        out.status.code().unwrap_or(-1),
        report,
        format!("{}{}", stdout(&out), stderr(&out)),
    )
}

fn nothing_verified(report: &Value) -> Vec<String> {
    report["reasons"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["item"] == "nothing-verified")
        .map(|r| r["message"].as_str().unwrap_or("").to_string())
        .collect()
}

fn marker(dir: &Path, name: &str) -> bool {
    dir.join(name).exists()
}

#[test]
fn procedures_in_every_shape_never_run_and_never_gate() {
    let env = start("procedures-shapes", Faults::default());
    let d = env.dir.display().to_string();
    let health = env.fixture.url("/health");
    let doc = format!(
        "# Release\n\n## Deploy\n\n- [ ] Health answers\n  ```bash\n  curl -s {health}\n  ```\n\
         - [ ] Control marker written\n  ```bash\n  touch {d}/control\n  ```\n\n\
         **Rollback:**\n\n```bash\ntouch {d}/bold\n```\n\n\
         **If the deploy fails:**\n\n- [ ] Restart it\n  ```bash\n  touch {d}/bold-if\n  ```\n\n\
         ## Smoke\n\nRollback:\n\n- [ ] Revert\n  ```bash\n  touch {d}/bare\n  ```\n\n\
         ## More\n\n<details><summary>Troubleshooting</summary>\n\n```bash\ntouch {d}/details\n```\n\n</details>\n\n\
         ## Rolling back\n\n```bash\ntouch {d}/rolling-back\n```\n\n\
         ## If needed\n\n- [ ] Scale up\n  ```bash\n  touch {d}/if-needed\n  ```\n\n\
         ## Troubleshooting\n\n```bash\ntouch {d}/troubleshooting\n```\n\n\
         ## Problem: pods crash on start\n\n1. Delete the pod\n   ```bash\n   touch {d}/problem\n   ```\n"
    );
    let (code, report, out) = run_all_allowed(&env, "shapes", &doc);
    // The control shows that a touch outside a procedure does run.
    assert!(marker(&env.dir, "control"), "control did not run: {out}");
    for m in [
        "bold",
        "bold-if",
        "bare",
        "details",
        "rolling-back",
        "if-needed",
        "troubleshooting",
        "problem",
    ] {
        assert!(!marker(&env.dir, m), "procedure step {m} ran: {out}");
    }
    assert_eq!(report["verdict"], "GO", "{out}");
    assert_eq!(code, 0, "{out}");
    // The procedure items are skipped, not owed and not counted as checks.
    let items = report["items"].as_array().unwrap();
    let skipped: Vec<&Value> = items.iter().filter(|i| i["status"] == "skipped").collect();
    assert!(skipped.len() >= 8, "{skipped:?}");
    for i in &skipped {
        assert!(i["steps"].as_array().is_none_or(|s| s.is_empty()), "{i}");
    }
}

#[test]
fn nothing_verified_is_pending_never_go() {
    let env = start("procedures-nothing", Faults::default());
    let d = env.dir.display().to_string();
    // Plain bullets only: nothing a machine or a person verified.
    let (code, report, out) = run_all_allowed(
        &env,
        "bullets",
        "# Release\n\n## Checks\n\n- Database migrated\n- Cache warmed\n",
    );
    assert_eq!(report["verdict"], "PENDING", "{out}");
    assert_eq!(code, 3, "{out}");
    assert_eq!(nothing_verified(&report).len(), 1, "{report}");
    // Only rollback steps: no task items at all.
    let doc = format!("# Release\n\n## Rollback\n\n```bash\ntouch {d}/rb\n```\n");
    let (code, report, out) = run_all_allowed(&env, "rollback-only", &doc);
    assert!(!marker(&env.dir, "rb"), "{out}");
    assert_eq!(report["verdict"], "PENDING", "{out}");
    assert_eq!(code, 3, "{out}");
    let why = nothing_verified(&report);
    assert_eq!(why.len(), 1, "{report}");
    assert!(
        why[0].contains("rollback or monitoring procedure"),
        "{why:?}"
    );
    // Only sign-off lines: nothing verified, and the reason says so.
    let (code, report, out) = run_all_allowed(
        &env,
        "signoffs",
        "# Release\n\n## Sign-off\n\n- [ ] QA Lead: ________ Date: ______\n- [ ] Release Manager: ________\n",
    );
    assert_eq!(report["verdict"], "PENDING", "{out}");
    assert_eq!(code, 3, "{out}");
    assert_eq!(nothing_verified(&report).len(), 1, "{report}");
}

/// A `**Rollback:**` paragraph with its steps under it, and a checkbox item
/// naming a rollback strategy with steps (b27): their steps never run.
#[test]
fn rollback_paragraph_and_rollback_item_steps_never_run() {
    let env = start("procedures-paragraph", Faults::default());
    let d = env.dir.display().to_string();
    let doc = format!(
        "# Upgrade\n\n## Window 1\n\n1. Merge the PR\n   ```bash\n   touch {d}/control\n   ```\n\n\
         **Rollback:** `flux suspend ks longhorn`, revert #111, then:\n\n\
         ```bash\ntouch {d}/paragraph\n```\n\n\
         **Gate:** Longhorn healthy -> proceed.\n\n\
         ## Migration\n\n- [ ] Run migrations\n  ```bash\n  touch {d}/migrate\n  ```\n\
         - [ ] **Rollback Strategy (if migration fails):**\n  1. Revert code.\n  2. Mark it rolled back:\n     ```bash\n     touch {d}/item\n     ```\n"
    );
    let (_, report, out) = run_all_allowed(&env, "paragraph", &doc);
    assert!(marker(&env.dir, "control"), "control did not run: {out}");
    assert!(marker(&env.dir, "migrate"), "migrate did not run: {out}");
    assert!(
        !marker(&env.dir, "paragraph"),
        "rollback paragraph ran: {out}"
    );
    assert!(!marker(&env.dir, "item"), "rollback item step ran: {out}");
    let items = report["items"].as_array().unwrap();
    let rollback: Vec<&Value> = items
        .iter()
        .filter(|i| {
            i["text"]
                .as_str()
                .unwrap_or("")
                .contains("Rollback Strategy")
        })
        .collect();
    assert_eq!(rollback.len(), 1, "{report}");
    assert_eq!(rollback[0]["status"], "skipped", "{report}");
    // inspect lists both procedures.
    let path = env.dir.join("paragraph.md");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_greenlight"))
        .args(["inspect", path.to_str().unwrap()])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Rollback (within its section)"), "{text}");
    assert!(
        text.contains("Rollback Strategy (if migration fails): (within its section)"),
        "{text}"
    );
}
