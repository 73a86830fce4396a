//! Blocks split command by command where the commands share no state, so
//! one mutating command no longer keeps the reads beside it from running;
//! untagged fences of sample output or thresholds are shown, not run.

use crate::run::{start, write};
use crate::support::*;
use greenlight_fixture::Faults;
use serde_json::Value;

fn doc(dir: &str) -> String {
    format!(
        "# Release\n\n## Deploy\n\n\
         - [ ] Deploy, then check health\n  ```bash\n  gh workflow run deploy.yml\n  curl -sf $BASE/health\n  ls /\n  ```\n\n\
         - [ ] Files are there\n  ```bash\n  cd {dir}\n  ls\n  ```\n\n\
         - [ ] Pods are running\n  ```\n  NAME      READY   STATUS    RESTARTS   AGE\n  api-1     1/1     Running   0          5d\n  ```\n\n\
         - [ ] Latency within budget\n  ```\n  p95 < 250ms\n  Error rate < 1%\n  ```\n\n\
         ## Sample response\n\n```\nHTTP/1.1 200 OK\nContent-Type: application/json\n```\n"
    )
}

fn item<'a>(report: &'a Value, text: &str) -> &'a Value {
    report["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["text"].as_str().is_some_and(|t| t.starts_with(text)))
        .unwrap_or_else(|| panic!("no item {text}: {report}"))
}

#[test]
fn independent_commands_run_apart_and_sample_output_is_not_run() {
    let env = start("split", Faults::default());
    let dir = env.dir.display().to_string();
    let profile = format!(
        "name = \"split\"\n[vars]\nBASE = \"{}\"\n[allow]\nclasses = [\"read\"]\nshell = true\n",
        env.fixture.base_url()
    );
    let profile_path = write(&env.dir, "profile.toml", &profile);
    let doc_path = write(&env.dir, "release.md", &doc(&dir));
    let doc_arg = doc_path.to_str().unwrap();
    let env_arg = profile_path.to_str().unwrap();

    // The plan says why the untagged fences do not run.
    let plan = greenlight(&["plan", doc_arg, "--env", env_arg]);
    let text = stdout(&plan);
    assert!(plan.status.success(), "{text}{}", stderr(&plan));
    assert!(
        text.contains("not a script: looks like sample output; not run"),
        "{text}"
    );
    assert!(
        text.contains("not a script: looks like metric thresholds; not run"),
        "{text}"
    );
    let plan = greenlight(&["plan", doc_arg, "--env", env_arg, "--json"]);
    let plan: Value = serde_json::from_slice(&plan.stdout).expect("plan JSON");
    let sample = plan["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| {
            i["text"]
                .as_str()
                .is_some_and(|t| t.starts_with("Sample response"))
        })
        .expect("the section's block is an item");
    assert_eq!(sample["handling"]["kind"], "skipped", "{sample}");
    assert!(sample["checks"].as_array().unwrap().is_empty());

    let json = env.dir.join("report.json");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_greenlight"))
        .args([
            "run",
            doc_arg,
            "--env",
            env_arg,
            "--json",
            json.to_str().unwrap(),
        ])
        .current_dir(repo_root())
        .env("NO_COLOR", "1")
        .env("GREENLIGHT_STORE", env.dir.join("runs.db"))
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&std::fs::read(&json).expect("report")).unwrap();
    let all = format!("{}{}", stdout(&out), stderr(&out));

    // The mutating command is reported not run; the reads beside it ran.
    let deploy = item(&report, "Deploy, then check health");
    let steps = deploy["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 3, "{deploy}");
    assert!(
        steps[0]["command"]
            .as_str()
            .unwrap()
            .starts_with("gh workflow run")
    );
    assert_eq!(steps[0]["status"], "not_run", "{deploy}");
    assert_eq!(steps[0]["class"], "mutating", "{deploy}");
    assert_eq!(steps[1]["probe"], "http");
    assert_eq!(steps[1]["status"], "passed", "{deploy}");
    assert_eq!(steps[2]["command"], "ls /");
    assert_eq!(steps[2]["status"], "passed", "{deploy}");
    assert_eq!(env.fixture.control().request_count("GET", "/health"), 1);

    // `cd` then `ls`: one step, as the author wrote it.
    let files = item(&report, "Files are there");
    let steps = files["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 1, "{files}");
    let command = steps[0]["command"].as_str().unwrap();
    assert!(
        command.contains("cd ") && command.contains("ls"),
        "{command}"
    );
    assert_eq!(steps[0]["status"], "passed", "{files}");

    // Sample output and thresholds are left to people, never run.
    for text in ["Pods are running", "Latency within budget"] {
        let i = item(&report, text);
        assert!(i["steps"].as_array().unwrap().is_empty(), "{i}");
        assert_eq!(i["status"], "pending", "{i}");
    }

    // Not NO_GO: nothing failed; the gh step and the manual items keep it open.
    assert_eq!(report["verdict"], "PENDING", "{all}");
    assert_ne!(out.status.code(), Some(1), "{all}");
}
