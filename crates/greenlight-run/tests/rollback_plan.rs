//! `greenlight rollback`'s plan: only the document's rollback procedure,
//! gated by the same safety classes as a run, run in order with real bash,
//! stopping at the first step that fails.

use greenlight_run::execute::Executor;
use greenlight_run::outcome::Status;
use greenlight_run::plan::{self, Gate, Handling, Plan};
use greenlight_run::profile::{Class, Profile};
use greenlight_run::redact::Redactor;
use std::path::{Path, PathBuf};
use std::time::Duration;

const T: Duration = Duration::from_secs(10);

fn executor(profile: &Profile) -> Executor {
    let (_tx, cancel) = tokio::sync::watch::channel(false);
    Executor {
        http: greenlight_probe::HttpClient::new(Default::default()),
        timeout: T,
        shell_timeout: T,
        concurrency: 4,
        eventually: None,
        extra_roots: Vec::new(),
        vars: Default::default(),
        redactor: Redactor::new(Vec::new()),
        cancel,
        loads: Default::default(),
        progress: None,
        allowed: profile.allowed.clone(),
        allow_load: profile.allow_load,
        hosts: profile.hosts.clone(),
    }
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gl-rollback-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// A release whose deploy step writes `deployed`, and a rollback whose
/// steps write `one`, fail, then write `three`.
fn doc(dir: &Path) -> String {
    let d = dir.display();
    format!(
        "# Release\n\n## Deploy\n\n- [ ] Deploy\n\n  ```bash\n  touch {d}/deployed\n  ```\n\n\
         ## Rollback\n\n1. Undo the switch\n\n   ```bash\n   touch {d}/one\n   ```\n\n\
         2. Restore\n\n   ```bash\n   test -e {d}/missing\n   ```\n\n\
         3. Clean up\n\n   ```bash\n   touch {d}/three\n   ```\n"
    )
}

fn rollback_plan(text: &str, profile: &Profile) -> Plan {
    let list = greenlight_doc::parse(text.as_bytes());
    plan::build_rollback(
        &list,
        "release.md",
        profile,
        &greenlight_run::analyze::analyze_block,
        &|_| true,
    )
}

#[test]
fn only_the_procedure_is_planned_and_a_run_never_plans_it() {
    let dir = scratch("plan");
    let text = doc(&dir);
    let plan = rollback_plan(&text, &Profile::default());
    let commands: Vec<&str> = plan.checks.iter().map(|c| c.command.trim()).collect();
    assert_eq!(commands.len(), 3, "{commands:?}");
    assert!(commands[0].ends_with("/one") && commands[2].ends_with("/three"));
    assert!(plan.stop_at_failure);
    let deploy = plan
        .items
        .iter()
        .find(|i| i.text == "Deploy")
        .expect("deploy item");
    assert!(matches!(deploy.handling, Handling::Skipped { .. }));
    // Read-only profile: no step that changes anything may run.
    let classes: Vec<Class> = plan.checks.iter().map(|c| c.class).collect();
    assert_eq!(classes, vec![Class::Mutating, Class::Read, Class::Mutating]);
    for c in &plan.checks {
        assert_eq!(
            matches!(c.gate, Gate::NotRun { .. }),
            c.class != Class::Read,
            "{c:#?}"
        );
    }

    let list = greenlight_doc::parse(text.as_bytes());
    let run = plan::build(
        &list,
        "release.md",
        &Profile::default(),
        &greenlight_run::analyze::analyze_block,
        &|_| true,
    );
    assert!(!run.stop_at_failure);
    assert_eq!(run.checks.len(), 1, "a run plans only the deploy step");
}

#[tokio::test]
async fn without_allowance_nothing_runs() {
    let dir = scratch("refused");
    let profile = Profile::default();
    let plan = rollback_plan(&doc(&dir), &profile);
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let results = executor(&profile).run(&plan, tx).await;
    assert!(results.iter().all(|r| r.status == Status::NotRun));
    assert!(!dir.join("one").exists() && !dir.join("three").exists());
}

#[tokio::test]
async fn allowed_it_runs_in_order_and_stops_at_the_first_failure() {
    let dir = scratch("allowed");
    let mut profile = Profile::default();
    profile.allow(Class::Mutating);
    let plan = rollback_plan(&doc(&dir), &profile);
    assert!(
        plan.checks.iter().all(|c| c.gate == Gate::Run),
        "{:#?}",
        plan.checks
    );
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let results = executor(&profile).run(&plan, tx).await;
    let statuses: Vec<Status> = results.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        vec![Status::Passed, Status::Failed, Status::NotRun]
    );
    assert!(dir.join("one").exists());
    assert!(
        !dir.join("three").exists(),
        "the step after the failure ran"
    );
    assert!(
        !dir.join("deployed").exists(),
        "a deploy step ran in a rollback"
    );
    let why = results[2].evidence.reason.clone().unwrap_or_default();
    assert!(why.contains("first failure"), "{why}");
}

/// A `**Rollback:**` paragraph, a `<details>` procedure and a checkbox
/// item naming a rollback strategy with sub-steps: their steps are the
/// rollback's, in document order; the ordinary steps are not.
#[test]
fn every_shape_of_procedure_is_planned_in_document_order() {
    let text = "# Upgrade\n\n## Window 1\n\n1. Merge the PR\n   ```bash\n   touch /tmp/x/control\n   ```\n\n\
         **Rollback:** revert #111, then:\n\n\
         ```bash\ntouch /tmp/x/paragraph\n```\n\n\
         **Gate:** healthy -> proceed.\n\n\
         ## More\n\n<details><summary>Rollback steps</summary>\n\n```bash\ntouch /tmp/x/details\n```\n\n</details>\n\n\
         ## Migration\n\n- [ ] Run migrations\n  ```bash\n  touch /tmp/x/migrate\n  ```\n\
         - [ ] **Rollback Strategy (if migration fails):**\n  1. Revert code.\n  2. Mark it rolled back:\n     ```bash\n     touch /tmp/x/item\n     ```\n";
    let plan = rollback_plan(text, &Profile::default());
    let targets: Vec<&str> = plan
        .checks
        .iter()
        .map(|c| c.command.trim().trim_start_matches("touch /tmp/x/"))
        .collect();
    assert_eq!(targets, vec!["paragraph", "details", "item"]);
    let lines: Vec<usize> = plan.checks.iter().map(|c| c.line).collect();
    assert!(lines.windows(2).all(|w| w[0] < w[1]), "{lines:?}");
}
