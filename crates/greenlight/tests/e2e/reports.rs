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
    // The verdict goes to stdout, the live view to stderr.
    assert!(stdout(&out).contains("PENDING"), "{}", stdout(&out));
    assert!(!err.contains("PENDING"), "{err}");
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
    // JUnit: one testsuite per phase, one testcase per counted item and
    // sign-off slot (its shape is checked in `junit_is_phases_and_phase_paths`).
    let xml = std::fs::read_to_string(&junit).unwrap();
    let junit = parse_junit(&xml);
    let counts = &report["counts"];
    let total: u64 = counts
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    let signoffs = report["signoffs"].as_array().unwrap().len() as u64;
    assert_eq!(junit.cases.len() as u64, total + signoffs, "{xml}");
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

/// A testcase of a JUnit file, as a CI system reads it.
#[derive(Debug)]
struct Case {
    suite: String,
    name: String,
    classname: String,
    /// `failure`, `error`, `skipped`, or empty for a success.
    outcome: String,
    kind: String,
    message: String,
}

#[derive(Debug)]
struct Junit {
    suites: Vec<(String, usize)>,
    cases: Vec<Case>,
}

/// Parses a JUnit file with a real XML parser, checking the shape CI tools
/// expect: `testsuites > testsuite > testcase > (failure|error|skipped)?`,
/// and each suite's `tests`, `failures`, `errors` and `skipped` counts.
fn parse_junit(xml: &str) -> Junit {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut stack: Vec<String> = Vec::new();
    let mut suites = Vec::new();
    let mut cases: Vec<Case> = Vec::new();
    let mut declared: Vec<[usize; 4]> = Vec::new();
    let attr = |e: &quick_xml::events::BytesStart, name: &str| -> String {
        e.attributes()
            .map(|a| a.unwrap())
            .find(|a| a.key.as_ref() == name.as_bytes())
            .map(|a| {
                a.normalized_value(quick_xml::XmlVersion::Explicit1_0)
                    .unwrap()
                    .into_owned()
            })
            .unwrap_or_default()
    };
    loop {
        let ev = reader.read_event().expect("well-formed XML");
        let (e, empty) = match &ev {
            Event::Start(e) => (e.clone(), false),
            Event::Empty(e) => (e.clone(), true),
            Event::End(_) => {
                stack.pop();
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        let tag = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
        let parent = stack.last().map(String::as_str).unwrap_or("");
        match tag.as_str() {
            "testsuites" => assert_eq!(parent, ""),
            "testsuite" => {
                assert_eq!(parent, "testsuites");
                let n = |k: &str| attr(&e, k).parse::<usize>().unwrap_or(0);
                declared.push([n("tests"), n("failures"), n("errors"), n("skipped")]);
                suites.push((attr(&e, "name"), 0));
            }
            "testcase" => {
                assert_eq!(parent, "testsuite");
                let suite = suites.last_mut().unwrap();
                suite.1 += 1;
                cases.push(Case {
                    suite: suite.0.clone(),
                    name: attr(&e, "name"),
                    classname: attr(&e, "classname"),
                    outcome: String::new(),
                    kind: String::new(),
                    message: String::new(),
                });
            }
            "failure" | "error" | "skipped" => {
                assert_eq!(parent, "testcase", "<{tag}> outside a testcase");
                let case = cases.last_mut().unwrap();
                assert!(case.outcome.is_empty(), "two outcomes in {case:?}");
                case.outcome = tag.clone();
                case.kind = attr(&e, "type");
                case.message = attr(&e, "message");
            }
            "system-out" | "system-err" => assert_eq!(parent, "testcase"),
            other => panic!("unexpected element <{other}>"),
        }
        if !empty {
            stack.push(tag);
        }
    }
    for ((name, n), d) in suites.iter().zip(&declared) {
        let of = |o: &str| {
            cases
                .iter()
                .filter(|c| &c.suite == name && c.outcome == o)
                .count()
        };
        assert_eq!(
            [*n, of("failure"), of("error"), of("skipped")],
            *d,
            "suite {name}: declared counts differ from its testcases"
        );
    }
    Junit { suites, cases }
}

#[test]
fn junit_is_phases_and_phase_paths() {
    let dir = scratch("junit-shape");
    let doc = dir.join("RELEASE.md");
    std::fs::write(
        &doc,
        "# Release\n\n## Pre-flight\n\n### Service\n\n- [ ] **Port answers**\n  ```bash\n  nc -z 127.0.0.1 1\n  ```\n- [ ] Release notes reviewed\n- [ ] **Needs a token**\n  ```bash\n  curl -H \"Authorization: Bearer $MISSING_TOKEN\" http://127.0.0.1:1/x\n  # Expected: 200 OK\n  ```\n\n## Deploy\n\n- [ ] **Tag pushed**\n  ```bash\n  git push origin v1\n  ```\n\n## Sign-off\n\n- QA Lead: ____\n",
    )
    .unwrap();
    let junit = dir.join("j.xml");
    let out = greenlight(&[
        "run",
        doc.to_str().unwrap(),
        "--no-store",
        "--junit",
        junit.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let xml = std::fs::read_to_string(&junit).unwrap();
    let parsed = parse_junit(&xml);
    let suites: Vec<&str> = parsed.suites.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(suites, ["Pre-flight", "Deploy", "Sign-offs"], "{xml}");
    let case = |name: &str| {
        parsed
            .cases
            .iter()
            .find(|c| c.name.contains(name))
            .unwrap_or_else(|| panic!("no case {name} in {xml}"))
    };
    let port = case("Port answers");
    assert_eq!(port.classname, "Pre-flight / Service");
    assert_eq!(
        (port.outcome.as_str(), port.kind.as_str()),
        ("failure", "failed")
    );
    let notes = case("Release notes reviewed");
    assert_eq!(notes.outcome, "skipped");
    assert!(notes.message.starts_with("manual: "), "{notes:?}");
    let token = case("Needs a token");
    assert_eq!(
        (token.outcome.as_str(), token.kind.as_str()),
        ("error", "blocked")
    );
    assert!(token.message.contains("MISSING_TOKEN"), "{token:?}");
    let tag = case("Tag pushed");
    assert_eq!(tag.classname, "Deploy");
    assert_eq!(tag.outcome, "skipped");
    assert!(tag.message.starts_with("not run: "), "{tag:?}");
    let qa = case("QA Lead");
    assert_eq!(
        (qa.suite.as_str(), qa.outcome.as_str()),
        ("Sign-offs", "skipped")
    );
    // Times and durations are the only parts that change between runs.
    let stable = normalise_times(&xml).replace(dir.to_str().unwrap(), "DIR");
    insta::assert_snapshot!("junit_phases", stable);
    let _ = std::fs::remove_dir_all(&dir);
}

/// `time="0.012"` and `timestamp="…"` → fixed values.
fn normalise_times(xml: &str) -> String {
    let mut out = String::new();
    let mut rest = xml;
    while let Some(i) = rest.find([' ']) {
        out.push_str(&rest[..=i]);
        rest = &rest[i + 1..];
        for key in ["time=\"", "timestamp=\""] {
            if let Some(after) = rest.strip_prefix(key) {
                let end = after.find('"').unwrap();
                out.push_str(key);
                out.push('T');
                rest = &after[end..];
            }
        }
    }
    out.push_str(rest);
    out
}
