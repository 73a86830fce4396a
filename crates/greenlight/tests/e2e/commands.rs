//! Commands as real checklists write them (issue 10): never-ending commands are not run as
//! if they were finite, bounded forms run, and a PowerShell `Invoke-RestMethod` is a native
//! request.

use crate::run::*;
use crate::support::*;
use greenlight_fixture::Faults;
use serde_json::Value;

fn run_doc(env: &Env, doc: &str, profile: &str) -> (i32, Value, String) {
    let doc_path = write(&env.dir, "checklist.md", doc);
    let profile_path = write(&env.dir, "p.toml", profile);
    let json = env.dir.join("r.json");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_greenlight"))
        .args([
            "run",
            &doc_path.display().to_string(),
            "--env",
            &profile_path.display().to_string(),
            "--json",
            &json.display().to_string(),
        ])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let report = std::fs::read(&json)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    (out.status.code().unwrap_or(-1), report, stderr(&out))
}

/// The step of the item whose text contains `title`.
fn step<'a>(report: &'a Value, title: &str) -> &'a Value {
    report["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["text"].as_str().is_some_and(|t| t.contains(title)))
        .and_then(|i| i["steps"].get(0))
        .unwrap_or_else(|| panic!("no step for {title:?} in {report:#}"))
}

#[test]
fn never_ending_commands_do_not_run_and_bounded_forms_do() {
    let env = start("never-ends", Faults::NONE);
    let log = write(&env.dir, "app.log", "started\nready\n");
    let marker = env.dir.join("followed");
    let doc = format!(
        "# T\n\n## Logs\n\n\
- [ ] **Follow the log**\n  ```bash\n  touch {m} && tail -f {log}\n  ```\n\n\
- [ ] **Follow the container**\n  ```bash\n  docker logs -f api\n  ```\n\n\
- [ ] **Watch the pods**\n  ```bash\n  kubectl get pods -w\n  ```\n\n\
- [ ] **Bounded follow**\n  ```bash\n  timeout 1 tail -f {log}\n  ```\n\n\
- [ ] **Last lines**\n  ```bash\n  tail -n 1 {log}\n  # Expected: ready\n  ```\n",
        m = marker.display(),
        log = log.display()
    );
    let profile =
        "[allow]\nclasses = [\"read\"]\nshell = true\n[policy]\nshell_timeout = \"20s\"\n";
    let started = std::time::Instant::now();
    let (_, report, err) = run_doc(&env, &doc, profile);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(15),
        "a never-ending step ran until the step timeout\n{err}"
    );
    assert!(!marker.exists(), "the `tail -f` step ran");
    for title in ["Follow the log", "Follow the container", "Watch the pods"] {
        let s = step(&report, title);
        assert_eq!(s["status"], "not_run", "{title}: {s:#}");
        let reason = s["evidence"]["reason"].as_str().unwrap_or_default();
        assert!(
            reason.contains("never ends by itself") && reason.contains("timeout 30"),
            "{title}: {reason}"
        );
    }
    let bounded = step(&report, "Bounded follow");
    assert_eq!(bounded["status"], "passed", "{bounded:#}\n{err}");
    // It ran (`tail` is a filter: judged by its output or left for review, never on exit 0).
    let last = step(&report, "Last lines");
    assert_ne!(last["status"], "not_run", "{last:#}\n{err}");
    assert_eq!(last["evidence"]["excerpt"], "ready", "{last:#}");
    assert_ne!(
        report["verdict"], "GO",
        "never-ending steps were not verified"
    );
}

#[test]
fn a_placeholder_is_a_template_to_fill_not_a_redirect() {
    let env = start("placeholder", Faults::NONE);
    let out = env.dir.join("out");
    let doc = format!(
        "# T\n\n## Version\n\n- [ ] **Version file**\n  ```bash\n  cat {dir}/<VERSION>.txt\n  ```\n",
        dir = env.dir.display()
    );
    write(&env.dir, "1.2.3.txt", "v1.2.3\n");
    // Nobody filled it in: blocked, nothing written where bash would have redirected.
    let (_, report, err) = run_doc(&env, &doc, "[allow]\nclasses = [\"read\"]\nshell = true\n");
    let s = step(&report, "Version file");
    assert_eq!(s["status"], "blocked", "{s:#}\n{err}");
    assert!(
        s["evidence"]["reason"]
            .as_str()
            .unwrap_or_default()
            .contains("fill in <VERSION>"),
        "{s:#}"
    );
    assert!(!out.exists());
    // The profile gives VERSION: the command runs with the value.
    let (_, report, err) = run_doc(
        &env,
        &doc,
        "[vars]\nVERSION = \"1.2.3\"\n[allow]\nclasses = [\"read\"]\nshell = true\n",
    );
    let s = step(&report, "Version file");
    assert_ne!(s["status"], "blocked", "{s:#}\n{err}");
    assert_eq!(s["evidence"]["excerpt"], "v1.2.3", "{s:#}\n{err}");
}

#[test]
fn powershell_invoke_restmethod_reaches_the_stand_in() {
    let env = start("powershell", Faults::NONE);
    let base = env.fixture.base_url();
    let doc = format!(
        "# T\n\n## Health\n\n- [ ] **API health**\n  ```powershell\n  $api = '{base}'\n  $h = Invoke-RestMethod -Uri \"$api/health\" -Method Get `\n    -Headers @{{ \"X-Check\" = \"greenlight\" }}\n  $h | ConvertTo-Json\n  # Expected: {{\"status\": \"healthy\"}}\n  ```\n\n\
- [ ] **Clean build**\n  ```powershell\n  Remove-Item -Recurse -Force .next\n  ```\n\n\
- [ ] **cmd health**\n  ```cmd\n  curl -s ^\n    {base}/health\n  REM Expected: 200\n  ```\n"
    );
    let (_, report, err) = run_doc(
        &env,
        &doc,
        "[allow]\nclasses = [\"read\", \"mutating\", \"destructive\"]\nshell = true\n",
    );
    let s = step(&report, "API health");
    assert_eq!(s["status"], "passed", "{s:#}\n{err}");
    let sent = env.fixture.control().requests();
    assert!(
        sent.iter()
            .any(|r| r.header("x-check") == Some("greenlight")),
        "the Invoke-RestMethod request did not reach the stand-in: {sent:?}"
    );
    let s = step(&report, "cmd health");
    assert_eq!(s["status"], "passed", "{s:#}\n{err}");
    // Never run by a shell, even with every class allowed.
    let s = step(&report, "Clean build");
    assert_eq!(s["status"], "not_run", "{s:#}");
    assert!(
        s["evidence"]["reason"]
            .as_str()
            .unwrap_or_default()
            .contains("runs no cmd or PowerShell")
    );
}
