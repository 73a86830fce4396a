//! The corpus of real public checklists (`fixtures/checklists/`, issue 10
//! item 9): snapshots of what greenlight understands of each document and of
//! each seed, a healthy run of every document against a generic stand-in
//! (no false alarm, no false GO), and a fault test per shape of expectation.
//!
//! The per-document table prints with
//! `cargo test -p greenlight --test e2e checklists -- --nocapture`.

use crate::support::*;
use greenlight_fixture::{Routes, StandIn};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Every corpus document (`fixtures/checklists/*.md`, not the SOURCES
/// files), relative to the repository root, sorted.
fn documents() -> Vec<String> {
    let dir = repo_root().join("fixtures/checklists");
    let mut out: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".md") && !n.starts_with("SOURCES"))
        .map(|n| format!("fixtures/checklists/{n}"))
        .collect();
    out.sort();
    out
}

fn seeds() -> Vec<String> {
    let dir = repo_root().join("fixtures/seeds");
    let mut out: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".txt"))
        .map(|n| format!("fixtures/seeds/{n}"))
        .collect();
    out.sort();
    out
}

/// `fixtures/checklists/a01_x.md` → `a01_x`.
fn stem(doc: &str) -> String {
    let name = doc.rsplit('/').next().unwrap();
    name.strip_suffix(".md")
        .or_else(|| name.strip_suffix(".txt"))
        .unwrap_or(name)
        .to_string()
}

/// The stand-in routes written for a document, if any.
fn standin_file(doc: &str) -> Option<PathBuf> {
    let p = repo_root().join(doc.replace(".md", ".standin.toml"));
    p.exists().then_some(p)
}

/// Replaces what differs between machines and runs: the repository's
/// absolute path and the scratch folder.
fn normalise(text: &str, scratch: Option<&Path>) -> String {
    let mut t = text.replace(&repo_root().display().to_string(), "<REPO>");
    if let Some(s) = scratch {
        t = t.replace(&s.display().to_string(), "<SCRATCH>");
    }
    t
}

fn json_of(args: &[&str]) -> Value {
    let out = greenlight(args);
    assert!(
        out.status.success(),
        "greenlight {args:?} exited {:?}: {}",
        out.status.code(),
        stderr(&out)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("greenlight {args:?}: not JSON ({e})"))
}

// ---------------------------------------------------------------------------
// a. Snapshots
// ---------------------------------------------------------------------------

#[test]
fn checklists_inspect_and_plan_snapshots() {
    let docs = documents();
    assert!(docs.len() >= 40, "the corpus has {} documents", docs.len());
    // The seeds' text outlines are snapshotted by `inspect.rs`; their JSON
    // (inspect and plan) is snapshotted here.
    for doc in docs.iter().chain(seeds().iter()) {
        let kind = if doc.starts_with("fixtures/seeds") {
            "seed"
        } else {
            "doc"
        };
        for cmd in ["inspect", "plan"] {
            let out = greenlight(&[cmd, doc, "--json"]);
            assert!(
                out.status.success(),
                "greenlight {cmd} {doc} --json exited {:?}: {}",
                out.status.code(),
                stderr(&out)
            );
            let v: Value = serde_json::from_slice(&out.stdout)
                .unwrap_or_else(|e| panic!("{cmd} {doc}: not JSON ({e})"));
            let text = normalise(&serde_json::to_string_pretty(&v).unwrap(), None);
            insta::assert_snapshot!(format!("{cmd}_{kind}_{}", stem(doc)), text);
        }
    }
}

// ---------------------------------------------------------------------------
// b. Healthy runs: no false alarm, no false GO
// ---------------------------------------------------------------------------

/// Expectation kinds that come from the document's words (a status, a
/// body, a count, "no changes", a latency limit, a k6 threshold, a metric
/// table…), not greenlight's default (exit code 0, status < 400) nor a
/// request inferred from prose without a stated answer.
const STATED: &[&str] = &[
    "status",
    "status_class",
    "json_subset",
    "json_path_equals",
    "contains",
    "header_contains",
    "latency_under",
    "tls_at_least",
    "certificate_valid",
    "load_thresholds",
    "output_equals",
    "output_empty",
    "no_error_matches",
    "metric",
];

fn stated(check: &Value) -> bool {
    check["expect"].as_array().is_some_and(|e| {
        e.iter()
            .any(|x| STATED.contains(&x["kind"].as_str().unwrap_or("")))
    })
}

/// Whether the check was inferred from an item's words (no command written).
fn inferred(check: &Value) -> bool {
    check["expect"]
        .as_array()
        .is_some_and(|e| e.iter().any(|x| x["kind"] == "inferred"))
}

/// Every `scheme://host[:port]` a value names, as the `[hosts]` key
/// `host:port` (the scheme's default port when none is written).
fn url_hosts(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::String(s) => {
            for (scheme, port) in [
                ("https://", 443),
                ("http://", 80),
                ("wss://", 443),
                ("ws://", 80),
            ] {
                let Some(rest) = s.strip_prefix(scheme) else {
                    continue;
                };
                let auth = rest
                    .split(['/', '?', '#', ' ', '"', '\''])
                    .next()
                    .unwrap_or("");
                let auth = auth.rsplit('@').next().unwrap_or(auth);
                if auth.is_empty() || auth.contains('$') || auth.contains('{') {
                    break;
                }
                let (host, p) = match auth.rsplit_once(':') {
                    Some((h, p)) if !h.ends_with(']') || h.starts_with('[') => {
                        (h.to_string(), p.parse::<u16>().ok())
                    }
                    _ => (auth.to_string(), None),
                };
                if host.contains(':') && !host.starts_with('[') {
                    break;
                }
                out.insert(format!(
                    "{}:{}",
                    host.to_ascii_lowercase(),
                    p.unwrap_or(port)
                ));
                break;
            }
        }
        Value::Array(a) => a.iter().for_each(|x| url_hosts(x, out)),
        Value::Object(o) => o.values().for_each(|x| url_hosts(x, out)),
        _ => {}
    }
}

/// The hosts the plan's checks send requests to.
fn plan_hosts(plan: &Value) -> BTreeSet<String> {
    let mut hosts = BTreeSet::new();
    for c in plan["checks"].as_array().unwrap() {
        url_hosts(&c["target"], &mut hosts);
    }
    hosts
}

/// One document's healthy run, reduced to the figures of the table.
#[derive(Debug, Default)]
struct Row {
    doc: String,
    /// Checks in the plan (what a machine could run).
    plan: usize,
    /// Steps that ran to a judged outcome (passed or failed).
    automated: usize,
    /// Of those, judged against an expectation the document states.
    judged_stated: usize,
    passed: usize,
    failed: usize,
    needs_review: usize,
    not_run: usize,
    blocked: usize,
    /// Failed steps with a verifiable stated expectation: false alarms.
    false_alarms: Vec<String>,
    /// Failed steps on a healthy stand-in without a stated expectation.
    other_failures: Vec<String>,
    /// Failed steps whose target nothing here stands in for (TLS).
    no_standin: Vec<String>,
    /// Passed steps that cannot have reached a real target (not mapped).
    false_passes: Vec<String>,
    owed: usize,
    verdict: String,
    false_go: Option<String>,
}

fn run_document(doc: &str, root: &Path) -> Row {
    let dir = root.join(stem(doc));
    std::fs::create_dir_all(&dir).unwrap();
    let plan = json_of(&["plan", doc, "--json"]);
    let routes = match standin_file(doc) {
        Some(f) => Routes::from_file(&f).unwrap_or_else(|e| panic!("{e}")),
        None => Routes::default(),
    };
    let standin = StandIn::start(routes).unwrap();
    let mut profile = String::from("name = \"corpus\"\n[hosts]\n");
    let hosts = plan_hosts(&plan);
    for h in &hosts {
        profile.push_str(&format!("\"{h}\" = \"{}\"\n", standin.base_url()));
    }
    // Read-only, and no shell: a shell step would run the document's own
    // commands on this machine (sudo, docker, kubectl, curl to the public
    // internet), which is neither the stand-in nor loopback. Shell-step
    // expectations are covered by the fault tests below.
    profile.push_str(
        "[policy]\ntimeout = \"2s\"\n[load]\nmax_duration = \"1s\"\nmax_vus = 2\n[allow]\nclasses = [\"read\"]\nshell = false\n",
    );
    let profile_path = dir.join("profile.toml");
    std::fs::write(&profile_path, &profile).unwrap();
    let report_path = dir.join("report.json");
    let out = Command::new(env!("CARGO_BIN_EXE_greenlight"))
        .args([
            "run",
            doc,
            "--env",
            profile_path.to_str().unwrap(),
            "--json",
            report_path.to_str().unwrap(),
            "--store",
            dir.join("runs.db").to_str().unwrap(),
        ])
        .current_dir(repo_root())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let report: Value = std::fs::read(&report_path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_else(|| {
            panic!(
                "{doc}: no JSON report (exit {:?}): {}",
                out.status.code(),
                stderr(&out)
            )
        });
    drop(standin);

    // The plan's checks by (line, command), to read each step's expectation.
    let mut checks: BTreeMap<(u64, String), Vec<&Value>> = BTreeMap::new();
    for c in plan["checks"].as_array().unwrap() {
        checks
            .entry((
                c["line"].as_u64().unwrap(),
                c["command"].as_str().unwrap_or("").to_string(),
            ))
            .or_default()
            .push(c);
    }
    let mut row = Row {
        doc: stem(doc),
        plan: plan["checks"].as_array().unwrap().len(),
        verdict: report["verdict"].as_str().unwrap_or("?").to_string(),
        ..Row::default()
    };
    let mut unverified = 0;
    for item in report["items"].as_array().unwrap() {
        if item["status"] == "pending" {
            row.owed += 1;
        }
        for step in item["steps"].as_array().unwrap() {
            let line = step["line"].as_u64().unwrap();
            let command = step["command"].as_str().unwrap_or("").to_string();
            let check = checks
                .get_mut(&(line, command.clone()))
                .and_then(|v| (!v.is_empty()).then(|| v.remove(0)));
            let is_stated = check.is_some_and(stated);
            let status = step["status"].as_str().unwrap_or("?");
            let what = format!(
                "L{line} `{}` {status}: {}",
                command.lines().next().unwrap_or(""),
                step["evidence"]["summary"].as_str().unwrap_or("")
            );
            if status != "passed" {
                unverified += 1;
            }
            match status {
                "passed" | "failed" => {
                    row.automated += 1;
                    if is_stated {
                        row.judged_stated += 1;
                    }
                }
                _ => {}
            }
            match status {
                "passed" => {
                    row.passed += 1;
                    // A request to a host we did not stand in for cannot pass.
                    if step["probe"] == "http" {
                        let mut h = BTreeSet::new();
                        url_hosts(&Value::String(command.clone()), &mut h);
                        if !h.is_empty() && h.is_disjoint(&hosts) {
                            row.false_passes.push(what.clone());
                        }
                    }
                }
                // The stand-in speaks plain HTTP: a TLS probe cannot reach
                // anything standing in for its host.
                "failed" if step["probe"] == "tls" => row.no_standin.push(what),
                // A request to the healthy stand-in that fails is a false
                // alarm whatever its expectation (stated, inferred or the
                // default status < 400).
                "failed" if is_stated || check.is_some_and(inferred) || step["probe"] == "http" => {
                    row.false_alarms.push(what)
                }
                "failed" => row.other_failures.push(what),
                "needs_review" => row.needs_review += 1,
                "not_run" => row.not_run += 1,
                "blocked" => row.blocked += 1,
                _ => {}
            }
        }
        if item["status"] == "failed" {
            row.failed += 1;
        }
    }
    let go = row.verdict.starts_with("GO");
    let checked_by_people = report["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["status"] == "passed" && i["steps"].as_array().unwrap().is_empty());
    if go && row.owed > 0 {
        row.false_go = Some(format!("{} item(s) owed by people", row.owed));
    } else if go && unverified > 0 {
        row.false_go = Some(format!("{unverified} check(s) not verified"));
    } else if go && row.passed == 0 && !checked_by_people {
        row.false_go = Some("nothing verified".into());
    }
    row
}

/// Documents whose false alarms are known and caused by code outside this
/// helper's reach (plan/build.rs block handling), with the cause.
const KNOWN_GAPS: &[(&str, &str)] = &[];

fn markdown_table(rows: &[Row]) -> String {
    let mut t = String::from(
        "| document | checks (plan) | automated | judged vs stated | passed | failed steps | needs review | not run | blocked | owed items | false alarms | verdict |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n",
    );
    for r in rows {
        t.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {}{} |\n",
            r.doc,
            r.plan,
            r.automated,
            r.judged_stated,
            r.passed,
            r.false_alarms.len() + r.other_failures.len() + r.no_standin.len(),
            r.needs_review,
            r.not_run,
            r.blocked,
            r.owed,
            r.false_alarms.len(),
            r.verdict,
            if r.false_go.is_some() {
                " (FALSE GO)"
            } else {
                ""
            },
        ));
    }
    let sum = |f: fn(&Row) -> usize| rows.iter().map(f).sum::<usize>();
    t.push_str(&format!(
        "| **total ({} documents)** | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | false GO: {} |\n",
        rows.len(),
        sum(|r| r.plan),
        sum(|r| r.automated),
        sum(|r| r.judged_stated),
        sum(|r| r.passed),
        sum(|r| r.false_alarms.len() + r.other_failures.len() + r.no_standin.len()),
        sum(|r| r.needs_review),
        sum(|r| r.not_run),
        sum(|r| r.blocked),
        sum(|r| r.owed),
        sum(|r| r.false_alarms.len()),
        rows.iter().filter(|r| r.false_go.is_some()).count(),
    ));
    t
}

#[test]
fn checklists_healthy_runs_have_no_false_alarm_and_no_false_go() {
    let docs = documents();
    assert!(docs.len() >= 40, "the corpus has {} documents", docs.len());
    let root = scratch("checklists-healthy");
    // A few documents at a time: each run is a child process.
    let next = std::sync::atomic::AtomicUsize::new(0);
    let rows = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let Some(doc) = docs.get(i) else { break };
                    let row = run_document(doc, &root);
                    rows.lock().unwrap().push(row);
                }
            });
        }
    });
    let mut rows = rows.into_inner().unwrap();
    rows.sort_by(|a, b| a.doc.cmp(&b.doc));
    println!("\n{}", markdown_table(&rows));

    let mut problems = Vec::new();
    for r in &rows {
        let gap = KNOWN_GAPS.iter().find(|(d, _)| *d == r.doc);
        for fa in &r.false_alarms {
            match gap {
                Some((_, why)) => println!("known gap {}: {fa} ({why})", r.doc),
                None => problems.push(format!("{}: false alarm {fa}", r.doc)),
            }
        }
        for f in &r.no_standin {
            println!("no stand-in {}: {f}", r.doc);
        }
        for f in &r.other_failures {
            println!("note {}: failed without a stated expectation: {f}", r.doc);
        }
        for p in &r.false_passes {
            problems.push(format!(
                "{}: passed without reaching a stand-in: {p}",
                r.doc
            ));
        }
        if let Some(why) = &r.false_go {
            problems.push(format!("{}: FALSE GO ({why})", r.doc));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

// ---------------------------------------------------------------------------
// c. One fault test per shape of expectation
// ---------------------------------------------------------------------------

/// A tiny document run twice: against a stand-in answering as the document
/// says a healthy service does, then against one answering wrong.
struct Fault {
    name: &'static str,
    /// The document; `{BASE}` becomes the stand-in's URL (for shell steps,
    /// which `[hosts]` does not rewrite), `api.example.com` is mapped to it.
    doc: &'static str,
    /// The expectation kind the plan must show for the check.
    kind: &'static str,
    healthy: &'static str,
    wrong: &'static str,
    /// What the wrong answer gives: `failed` (NO_GO) unless the design says
    /// the step needs review.
    wrong_status: &'static str,
}

/// Runs `doc` against routes; returns (plan, report).
fn run_fault(f: &Fault, routes: &str, tag: &str) -> (Value, Value) {
    let dir = scratch(&format!("fault-{}-{tag}", f.name));
    let standin = StandIn::start(Routes::parse(routes, f.name).unwrap()).unwrap();
    let doc = dir.join(format!("{}.md", f.name));
    std::fs::write(&doc, f.doc.replace("{BASE}", &standin.base_url())).unwrap();
    let profile = dir.join("profile.toml");
    std::fs::write(
        &profile,
        format!(
            "[hosts]\n\"api.example.com\" = \"{}\"\n[policy]\ntimeout = \"2s\"\n[allow]\nclasses = [\"read\"]\nshell = true\n",
            standin.base_url()
        ),
    )
    .unwrap();
    let plan = json_of(&["plan", doc.to_str().unwrap(), "--json"]);
    let report_path = dir.join("report.json");
    let out = Command::new(env!("CARGO_BIN_EXE_greenlight"))
        .args([
            "run",
            doc.to_str().unwrap(),
            "--env",
            profile.to_str().unwrap(),
            "--json",
            report_path.to_str().unwrap(),
            "--no-store",
        ])
        .current_dir(repo_root())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&std::fs::read(&report_path).unwrap_or_else(|_| {
        panic!(
            "{}: no report, exit {:?}: {}",
            f.name,
            out.status.code(),
            stderr(&out)
        )
    }))
    .unwrap();
    assert!(
        !standin.requests().is_empty(),
        "{}: the check never reached the stand-in",
        f.name
    );
    (plan, report)
}

fn only_step(report: &Value, name: &str) -> Value {
    let steps: Vec<&Value> = report["items"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|i| i["steps"].as_array().unwrap())
        .collect();
    assert_eq!(steps.len(), 1, "{name}: steps {steps:#?}");
    steps[0].clone()
}

const FAULTS: &[Fault] = &[
    Fault {
        name: "status",
        doc: "# Release\n\n## Checks\n\n- [ ] Health endpoint answers\n  ```bash\n  curl -s https://api.example.com/health\n  # Expected: 200 OK\n  ```\n",
        kind: "status",
        healthy: "[[route]]\npath = \"/health\"\nstatus = 200\nbody = \"ok\"\n",
        wrong: "[[route]]\npath = \"/health\"\nstatus = 503\nbody = \"ok\"\n",
        wrong_status: "failed",
    },
    Fault {
        name: "status_class",
        doc: "# Release\n\n## Checks\n\n- [ ] Cache purge accepted\n  ```bash\n  curl -s https://api.example.com/cache/status\n  # Expected: 2xx\n  ```\n",
        kind: "status_class",
        healthy: "[[route]]\npath = \"/cache/status\"\nstatus = 204\n",
        wrong: "[[route]]\npath = \"/cache/status\"\nstatus = 404\n",
        wrong_status: "failed",
    },
    Fault {
        name: "status_ok",
        doc: "# Release\n\n## Checks\n\n- [ ] Home page loads\n  ```bash\n  curl https://api.example.com/\n  ```\n",
        kind: "status_ok",
        healthy: "[[route]]\npath = \"/\"\nbody = \"<html>home</html>\"\n",
        wrong: "[[route]]\npath = \"/\"\nstatus = 500\n",
        wrong_status: "failed",
    },
    Fault {
        name: "json_subset",
        doc: "# Release\n\n## Checks\n\n- [ ] API healthy\n  ```bash\n  curl -s https://api.example.com/health\n  # Expected: {\"status\": \"healthy\"}\n  ```\n",
        kind: "json_subset",
        healthy: "[[route]]\npath = \"/health\"\nbody = '{\"status\":\"healthy\",\"version\":\"2.3.0\"}'\n",
        wrong: "[[route]]\npath = \"/health\"\nbody = '{\"status\":\"degraded\",\"version\":\"2.3.0\"}'\n",
        wrong_status: "failed",
    },
    Fault {
        name: "json_placeholders",
        doc: "# Release\n\n## Checks\n\n- [ ] API healthy\n  ```bash\n  curl -s https://api.example.com/health\n  # Should return: {\"status\": \"ok\", \"timestamp\": \"...\", \"build\": \"<sha>\", \"started\": \"2025-01-27T...\"}\n  ```\n",
        kind: "json_subset",
        healthy: "[[route]]\npath = \"/health\"\nbody = '{\"status\":\"ok\",\"timestamp\":\"2026-12-01T04:00:00Z\",\"build\":\"9f3c2e1\",\"started\":\"2025-01-27T08:15:00Z\"}'\n",
        wrong: "[[route]]\npath = \"/health\"\nbody = '{\"status\":\"down\",\"timestamp\":\"2026-12-01T04:00:00Z\",\"build\":\"9f3c2e1\",\"started\":\"2025-01-27T08:15:00Z\"}'\n",
        wrong_status: "failed",
    },
    Fault {
        name: "json_response_in_block",
        doc: "# Release\n\n## Checks\n\n- [ ] API healthy\n  ```bash\n  curl -s https://api.example.com/health\n  # Expected Response:\n  # {\n  #   \"status\": \"ok\",\n  #   \"timestamp\": \"...\"\n  # }\n  ```\n",
        kind: "json_subset",
        healthy: "[[route]]\npath = \"/health\"\nbody = '{\"status\":\"ok\",\"timestamp\":\"2026-12-01T04:00:00Z\"}'\n",
        wrong: "[[route]]\npath = \"/health\"\nbody = '{\"status\":\"error\",\"timestamp\":\"2026-12-01T04:00:00Z\"}'\n",
        wrong_status: "failed",
    },
    Fault {
        name: "json_pairs_de",
        doc: "# Release\n\n## Checks\n\n- [ ] Konfiguration geladen\n  ```bash\n  curl -s https://api.example.com/api/config/status\n  # Sollte zeigen: \"hasJwtSecret\": true\n  ```\n",
        kind: "json_subset",
        healthy: "[[route]]\npath = \"/api/config/status\"\nbody = '{\"hasJwtSecret\":true,\"env\":\"production\"}'\n",
        wrong: "[[route]]\npath = \"/api/config/status\"\nbody = '{\"hasJwtSecret\":false,\"env\":\"production\"}'\n",
        wrong_status: "failed",
    },
    Fault {
        name: "json_example_value",
        doc: "# Release\n\n## Checks\n\n- [ ] Current user resolves\n  ```bash\n  curl -s https://api.example.com/api/me\n  # Expected: {\"status\": \"ok\", \"id\": 42}\n  ```\n",
        kind: "json_subset",
        healthy: "[[route]]\npath = \"/api/me\"\nbody = '{\"status\":\"ok\",\"id\":42}'\n",
        // Another id is an example that differs, not a fault: for review.
        wrong: "[[route]]\npath = \"/api/me\"\nbody = '{\"status\":\"ok\",\"id\":7}'\n",
        wrong_status: "needs_review",
    },
    Fault {
        name: "json_path",
        doc: "# Release\n\n## Checks\n\n- [ ] Feature flag on\n  ```bash\n  curl -s https://api.example.com/flags/new-checkout\n  ```\n  <!-- greenlight: expect json $.enabled == true -->\n",
        kind: "json_path_equals",
        healthy: "[[route]]\npath = \"/flags/new-checkout\"\nbody = '{\"enabled\":true}'\n",
        wrong: "[[route]]\npath = \"/flags/new-checkout\"\nbody = '{\"enabled\":false}'\n",
        wrong_status: "failed",
    },
    Fault {
        name: "contains",
        doc: "# Release\n\n## Checks\n\n- [ ] Ping answers\n  ```bash\n  curl -s https://api.example.com/ping | grep -q pong\n  ```\n",
        kind: "contains",
        healthy: "[[route]]\npath = \"/ping\"\nbody = \"pong\"\n",
        wrong: "[[route]]\npath = \"/ping\"\nbody = \"error: backend unavailable\"\n",
        wrong_status: "failed",
    },
    Fault {
        name: "header",
        doc: "# Release\n\n## Checks\n\n- [ ] Responses are compressed\n  ```bash\n  curl -I https://api.example.com/api/products | grep -i \"content-encoding\"\n  ```\n",
        kind: "header_contains",
        healthy: "[[route]]\npath = \"/api/products\"\nheaders = { \"content-encoding\" = \"gzip\" }\n",
        wrong: "[[route]]\npath = \"/api/products\"\n",
        wrong_status: "failed",
    },
    Fault {
        name: "latency",
        doc: "# Release\n\n## Checks\n\n- [ ] Search is fast\n  ```bash\n  curl -s https://api.example.com/search?q=a\n  # response time should be < 300ms\n  ```\n",
        kind: "latency_under",
        healthy: "[[route]]\npath = \"/search\"\nbody = \"[]\"\n",
        wrong: "[[route]]\npath = \"/search\"\nbody = \"[]\"\ndelay_ms = 700\n",
        wrong_status: "failed",
    },
    Fault {
        name: "inferred",
        doc: "# Release\n\n## Checks\n\n- [ ] `GET https://api.example.com/ready` returns 200\n",
        kind: "inferred",
        healthy: "[[route]]\npath = \"/ready\"\nbody = \"ready\"\n",
        wrong: "[[route]]\npath = \"/ready\"\nstatus = 500\n",
        wrong_status: "failed",
    },
    Fault {
        name: "inferred_401",
        doc: "# Release\n\n## Checks\n\n- [ ] `GET https://api.example.com/api/v1/streams/active` returns 200\n",
        kind: "inferred",
        healthy: "[[route]]\npath = \"/api/v1/streams/active\"\nbody = \"[]\"\n",
        // No credentials were written for an inferred request: needs review.
        wrong: "[[route]]\npath = \"/api/v1/streams/active\"\nstatus = 401\n",
        wrong_status: "needs_review",
    },
    Fault {
        name: "output_equals",
        doc: "# Release\n\n## Checks\n\n- [ ] No failed jobs\n  ```bash\n  curl -s {BASE}/jobs/failed | wc -l\n  # Expected: 0\n  ```\n",
        kind: "output_equals",
        healthy: "[[route]]\npath = \"/jobs/failed\"\nbody = \"\"\n",
        wrong: "[[route]]\npath = \"/jobs/failed\"\nbody = \"job 17\\njob 18\\n\"\n",
        wrong_status: "failed",
    },
    Fault {
        name: "output_empty",
        doc: "# Release\n\n## Checks\n\n- [ ] No pending migrations\n  ```bash\n  curl -s {BASE}/migrations/pending | head -n 20\n  ```\n  - Expected: No changes\n",
        kind: "output_empty",
        healthy: "[[route]]\npath = \"/migrations/pending\"\nbody = \"\"\n",
        wrong: "[[route]]\npath = \"/migrations/pending\"\nbody = \"20261201_add_index\\n\"\n",
        wrong_status: "failed",
    },
    Fault {
        name: "no_error_matches",
        doc: "# Release\n\n## Checks\n\n- [ ] No errors in the logs\n  ```bash\n  curl -s {BASE}/logs | grep -iE \"(error|exception)\"\n  ```\n",
        kind: "no_error_matches",
        healthy: "[[route]]\npath = \"/logs\"\nbody = \"started\\nlistening on :8080\\n\"\n",
        wrong: "[[route]]\npath = \"/logs\"\nbody = \"started\\nERROR: database unreachable\\n\"\n",
        // Matches found are shown for a person to read (a grep for
        // "error" also matches "0 errors"): never a pass, never GO.
        wrong_status: "needs_review",
    },
    Fault {
        name: "succeeds",
        doc: "# Release\n\n## Checks\n\n- [ ] Maintenance mode is off\n  ```bash\n  test \"$(curl -s {BASE}/maintenance)\" = \"off\"\n  ```\n",
        kind: "succeeds",
        healthy: "[[route]]\npath = \"/maintenance\"\nbody = \"off\"\n",
        wrong: "[[route]]\npath = \"/maintenance\"\nbody = \"on\"\n",
        wrong_status: "failed",
    },
];

#[test]
fn checklists_each_expectation_shape_passes_healthy_and_fails_wrong() {
    let mut problems = Vec::new();
    std::thread::scope(|s| {
        let handles: Vec<_> = FAULTS
            .iter()
            .map(|f| {
                s.spawn(move || {
                    let mut p = Vec::new();
                    let (plan, good) = run_fault(f, f.healthy, "healthy");
                    let kinds: Vec<String> = plan["checks"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .flat_map(|c| c["expect"].as_array().unwrap())
                        .map(|e| e["kind"].as_str().unwrap().to_string())
                        .collect();
                    if !kinds.iter().any(|k| k == f.kind) {
                        p.push(format!(
                            "{}: plan expects {kinds:?}, not {}",
                            f.name, f.kind
                        ));
                    }
                    let step = only_step(&good, f.name);
                    if step["status"] != "passed" || good["verdict"] != "GO" {
                        p.push(format!(
                            "{}: healthy gave {} / {}: {}",
                            f.name, step["status"], good["verdict"], step["evidence"]
                        ));
                    }
                    let (_, bad) = run_fault(f, f.wrong, "wrong");
                    let step = only_step(&bad, f.name);
                    let want_verdict = if f.wrong_status == "failed" {
                        "NO_GO"
                    } else {
                        "PENDING"
                    };
                    if step["status"] != f.wrong_status || bad["verdict"] != want_verdict {
                        p.push(format!(
                            "{}: wrong answer gave {} / {}, want {} / {want_verdict}: {}",
                            f.name,
                            step["status"],
                            bad["verdict"],
                            f.wrong_status,
                            step["evidence"]
                        ));
                    }
                    p
                })
            })
            .collect();
        for h in handles {
            problems.extend(h.join().unwrap());
        }
    });
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

// ---------------------------------------------------------------------------
// Transformed variants (CRLF, mojibake) must be understood like the original
// ---------------------------------------------------------------------------

/// Variants whose plan differs from the original's, with the cause. Kept
/// honest both ways: a variant listed here that no longer differs fails the
/// test, so the list is updated when the cause is fixed.
const VARIANT_GAPS: &[(&str, &str)] = &[
    // (none)
];

/// (line, expectation kinds) of every check of a plan.
fn expectation_shapes(doc: &str) -> Vec<(u64, Vec<String>)> {
    let plan = json_of(&["plan", doc, "--json"]);
    plan["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["line"].as_u64().unwrap(),
                c["expect"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|e| e["kind"].as_str().unwrap().to_string())
                    .collect(),
            )
        })
        .collect()
}

#[test]
fn checklists_transformed_variants_plan_like_their_original() {
    let mut problems = Vec::new();
    let mut compared = 0;
    for doc in documents() {
        let name = stem(&doc);
        let Some((base, _)) = name.split_once('.') else {
            continue;
        };
        let original = format!("fixtures/checklists/{base}.md");
        let differs = expectation_shapes(&doc) != expectation_shapes(&original);
        compared += 1;
        match (differs, VARIANT_GAPS.iter().find(|(d, _)| *d == name)) {
            (true, None) => problems.push(format!("{name}: plan differs from {base}")),
            (false, Some(_)) => problems.push(format!(
                "{name}: now plans like {base}; remove it from VARIANT_GAPS"
            )),
            (true, Some((_, why))) => println!("known gap {name}: {why}"),
            (false, None) => {}
        }
    }
    assert!(compared >= 5, "only {compared} variants");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
