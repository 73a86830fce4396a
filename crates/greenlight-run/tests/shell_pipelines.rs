//! Shell steps whose exit code does not tell whether they passed, run with real bash in a
//! default (read-only) run: pipelines fail with `pipefail`, filters are judged by their
//! written expectation or need review, an error search reads inverted, and `git status`
//! with "No changes" is judged on its output.

use greenlight_run::execute::Executor;
use greenlight_run::outcome::{Status, StepResult};
use greenlight_run::plan;
use greenlight_run::profile::Profile;
use greenlight_run::redact::Redactor;
use std::time::Duration;

const T: Duration = Duration::from_secs(10);

fn executor(profile: &Profile) -> Executor {
    let (_tx, cancel) = tokio::sync::watch::channel(false);
    Executor {
        http: greenlight_probe::HttpClient::new(Default::default()),
        timeout: T,
        shell_timeout: T,
        concurrency: 1,
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

/// Runs one bash block per item and returns each block's single step, in order.
async fn run_blocks(blocks: &[&str]) -> Vec<(StepResult, Option<String>)> {
    let mut doc = String::from("# Release\n\n");
    for (i, b) in blocks.iter().enumerate() {
        doc.push_str(&format!("- [ ] Step {i}\n\n  ```bash\n"));
        for line in b.lines() {
            doc.push_str(&format!("  {line}\n"));
        }
        doc.push_str("  ```\n\n");
    }
    let list = greenlight_doc::parse(doc.as_bytes());
    let profile = Profile::default();
    let plan = plan::build(
        &list,
        "release.md",
        &profile,
        &greenlight_run::analyze::analyze_block,
        &|_| true,
    );
    assert_eq!(plan.checks.len(), blocks.len(), "{:#?}", plan.checks);
    let notes: Vec<Option<String>> = plan.checks.iter().map(|c| c.note.clone()).collect();
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let results = executor(&profile).run(&plan, tx).await;
    assert_eq!(results.len(), blocks.len());
    results.into_iter().zip(notes).collect()
}

#[tokio::test]
async fn pipelines_are_not_passed_on_the_exit_code_alone() {
    let r = run_blocks(&[
        "false | wc -l",
        "echo 3 | wc -l",
        "echo 3 | wc -l # Expected: 1",
        "echo 3 | wc -l # Expected: 0",
        "printf 'a\\nerror: x\\n' | grep -i error",
        "printf 'ok\\n' | grep -iE \"(error|exception)\"",
        "printf 'ok\\n' | grep -q ok",
    ])
    .await;
    let (false_wc, note) = &r[0];
    assert_eq!(false_wc.status, Status::Failed, "{false_wc:#?}");
    assert!(
        note.as_deref().unwrap().starts_with("needs review"),
        "{note:?}"
    );

    let (bare_wc, note) = &r[1];
    assert_eq!(bare_wc.status, Status::NeedsReview, "{bare_wc:#?}");
    assert!(
        bare_wc.evidence.unverified[0]
            .contains("success cannot be read from the exit code of `echo 3 | wc -l`"),
        "{bare_wc:#?}"
    );
    assert!(note.as_deref().unwrap().contains("exit code does not tell"));

    let (one, note) = &r[2];
    assert_eq!(one.status, Status::Passed, "{one:#?}");
    assert!(note.as_deref().unwrap().starts_with("judged by output"));
    let (zero, _) = &r[3];
    assert_eq!(zero.status, Status::Failed, "{zero:#?}");
    assert!(
        zero.evidence.failures[0].contains("expected output \"0\", got \"1\""),
        "{zero:#?}"
    );

    let (found, note) = &r[4];
    assert_eq!(found.status, Status::NeedsReview, "{found:#?}");
    assert!(
        found.evidence.unverified[0].contains("matched 1 line(s)")
            && found.evidence.unverified[0].contains("error: x"),
        "{found:#?}"
    );
    assert!(note.as_deref().unwrap().contains("searches for errors"));
    let (clean, _) = &r[5];
    assert_eq!(clean.status, Status::Passed, "{clean:#?}");
    // A grep whose exit code means what the author wants is still read by it.
    let (q, note) = &r[6];
    assert_eq!(q.status, Status::Passed, "{q:#?}");
    assert_eq!(note, &None);
}

fn git(dir: &std::path::Path, args: &[&str]) {
    let ok = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .expect("git runs")
        .status
        .success();
    assert!(ok, "git {args:?}");
}

#[tokio::test]
async fn git_status_with_no_changes_is_judged_on_its_output() {
    let dir = std::env::temp_dir().join(format!("gl-pipes-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    git(&dir, &["init", "-q"]);
    std::fs::write(dir.join("a.txt"), "a\n").unwrap();
    git(&dir, &["add", "a.txt"]);
    git(
        &dir,
        &[
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.invalid",
            "commit",
            "-qm",
            "init",
        ],
    );
    let d = dir.display();
    let porcelain = format!("git -C {d} status --porcelain\n# Expected: No changes");
    let plain = format!("git -C {d} status\n# Expected: No changes");
    let bare = format!("git -C {d} status --porcelain");
    let clean = run_blocks(&[&porcelain, &plain, &bare]).await;
    std::fs::write(dir.join("a.txt"), "changed\n").unwrap();
    let dirty = run_blocks(&[&porcelain, &plain]).await;
    let _ = std::fs::remove_dir_all(&dir);

    assert_eq!(clean[0].0.status, Status::Passed, "{:#?}", clean[0]);
    assert_eq!(clean[1].0.status, Status::Passed, "{:#?}", clean[1]);
    assert_eq!(clean[2].0.status, Status::NeedsReview, "{:#?}", clean[2]);
    assert_eq!(dirty[0].0.status, Status::Failed, "{:#?}", dirty[0]);
    assert!(
        dirty[0].0.evidence.failures[0].contains("a.txt"),
        "{:#?}",
        dirty[0]
    );
    assert_eq!(dirty[1].0.status, Status::Failed, "{:#?}", dirty[1]);
}
