//! The demo (the README's main job), the plan and the report formats.

use crate::support::*;

#[test]
fn demo_runs_on_embedded_defaults_and_writes_every_report() {
    let dir = scratch("demo");
    let (json, junit, md) = (dir.join("d.json"), dir.join("d.xml"), dir.join("d.md"));
    let store = dir.join("runs.db");
    let out = greenlight(&[
        "demo",
        "--store",
        store.to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
        "--junit",
        junit.to_str().unwrap(),
        "--markdown",
        md.to_str().unwrap(),
    ]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains("PENDING"), "{err}");
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(report["schema"], "greenlight.run/v1");
    assert_eq!(report["verdict"], "PENDING");
    for key in ["run_id", "reasons", "items", "phases", "signoffs", "counts"] {
        assert!(report.get(key).is_some(), "{key}");
    }
    let item = &report["items"][0];
    for key in ["id", "line", "text", "status", "steps"] {
        assert!(item.get(key).is_some(), "items[].{key}");
    }
    for key in [
        "line",
        "class",
        "probe",
        "status",
        "duration_ms",
        "evidence",
    ] {
        assert!(item["steps"][0].get(key).is_some(), "steps[].{key}");
    }
    assert_eq!(report["counts"]["passed"], 6, "{report}");
    assert_eq!(report["counts"]["failed"], 0);
    // JUnit: one testsuite per phase that has items, one testcase per item.
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.starts_with("<?xml"), "{xml}");
    let mut phases: Vec<&str> = report["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["phase"].as_str().unwrap())
        .collect();
    phases.dedup();
    assert_eq!(phases.len(), 5);
    assert_eq!(xml.matches("<testsuite ").count(), phases.len(), "{xml}");
    assert_eq!(
        xml.matches("<testcase ").count(),
        report["items"].as_array().unwrap().len()
    );
    // The run was recorded: `status` shows it again from the store.
    let status = greenlight(&["status", "--store", store.to_str().unwrap(), "--json"]);
    let again: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(again["run_id"], report["run_id"]);
    assert_eq!(again["counts"], report["counts"]);
    // Markdown: verdict, counts, open reasons; deterministic parts snapshot.
    let markdown = std::fs::read_to_string(&md).unwrap();
    // Only the date and the timings change between runs.
    let stable: String = markdown
        .lines()
        .filter(|l| !l.starts_with("profile `"))
        .map(|l| {
            if l.starts_with("| L") {
                let mut cells: Vec<&str> = l.split('|').collect();
                cells[5] = " T ";
                cells.join("|")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    insta::assert_snapshot!("demo_markdown", stable);
}

#[test]
fn demo_with_load_allowed_runs_its_load_test_and_metric_table() {
    let dir = scratch("demo-load");
    let json = dir.join("d.json");
    let out = greenlight(&[
        "demo",
        "--no-store",
        "--allow",
        "load",
        "--json",
        json.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let items = report["items"].as_array().unwrap();
    let load = items
        .iter()
        .find(|i| {
            i["text"]
                .as_str()
                .unwrap()
                .starts_with("Health holds under load")
        })
        .unwrap();
    assert_eq!(load["status"], "passed", "{load:#}");
    assert!(
        load["steps"][0]["evidence"]["load"]["requests"]
            .as_u64()
            .unwrap()
            > 0
    );
    let metric_rows: Vec<&serde_json::Value> = items
        .iter()
        .filter(|i| {
            i["text"]
                .as_str()
                .unwrap()
                .contains("from the metric table")
        })
        .collect();
    assert_eq!(metric_rows.len(), 4);
    assert!(
        metric_rows.iter().all(|i| i["status"] == "passed"),
        "{metric_rows:#?}"
    );
}

#[test]
fn plan_shows_probes_classes_and_what_is_left_to_people() {
    let dir = scratch("plan");
    let profile = dir.join("p.toml");
    std::fs::write(
        &profile,
        "[hosts]\n\"staging-api.yourdomain.com\" = \"http://127.0.0.1:18081\"\n[services]\napi = \"http://127.0.0.1:18081\"\n[vars]\nTOKEN = { env = \"GL_TEST_UNSET_TOKEN\", secret = true }\nUSER_TOKEN = \"u\"\n",
    )
    .unwrap();
    let out = greenlight(&[
        "plan",
        "examples/demo-checklist.md",
        "--env",
        profile.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    insta::assert_snapshot!(
        "demo_plan",
        stdout(&out).replace(&profile.display().to_string(), "PROFILE")
    );
}

#[test]
fn load_command_reports_k6_style_thresholds() {
    let fixture =
        greenlight_fixture::BlockingFixture::start(greenlight_fixture::FixtureConfig::default())
            .unwrap();
    let dir = scratch("load");
    let json = dir.join("load.json");
    let url = fixture.url("/health");
    let out = greenlight(&[
        "load",
        &url,
        "--vus",
        "4",
        "--duration",
        "1s",
        "--threshold",
        "p(95)<500",
        "--threshold",
        "rate<0.05",
        "--json",
        json.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    for key in [
        "requests",
        "rps",
        "latency_ms",
        "failed_rate",
        "errors",
        "thresholds",
    ] {
        assert!(v.get(key).is_some(), "{key}");
    }
    assert!(v["requests"].as_u64().unwrap() > 10);
    assert_eq!(v["thresholds"].as_array().unwrap().len(), 2);
    assert!(
        stdout(&out).contains("http_req_duration"),
        "{}",
        stdout(&out)
    );
    // A threshold that cannot hold fails the command.
    let out = greenlight(&[
        "load",
        &url,
        "--vus",
        "2",
        "--duration",
        "500ms",
        "--threshold",
        "p(95)<0",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    // Bad input is a usage error naming the flag.
    let out = greenlight(&["load", &url, "--threshold", "p(95)<<3"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--threshold"), "{}", stderr(&out));
}
