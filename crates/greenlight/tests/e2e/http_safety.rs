//! A default run sends only reads, whatever the document's curl lines say,
//! and writes no file; document hosts map however they are spelled.

use crate::run::*;
use crate::support::*;
use greenlight_fixture::Faults;

#[test]
fn a_default_run_sends_no_write_and_writes_no_file() {
    let env = start("http-safety", Faults::NONE);
    let base = env.fixture.base_url();
    let cfg = write(&env.dir, "curl.cfg", "request = \"DELETE\"\n");
    let work = env.dir.join("work");
    std::fs::create_dir_all(&work).unwrap();
    let writes = [
        format!("curl -sX DELETE {base}/xtb/v1"),
        format!("curl -sSd 'a=1' {base}/xtb/v1"),
        format!("curl -H 'X-HTTP-Method-Override: DELETE' {base}/health"),
        format!("curl -o out.json {base}/health"),
        format!("curl -sSLo out.json {base}/health"),
        format!("curl -O {base}/health"),
        format!("curl -fsSLX POST {base}/xtb/v1"),
        format!("curl -iX PATCH {base}/xtb/v1"),
        format!("curl -XPOST {base}/xtb/v1"),
        format!("curl --request=PUT {base}/xtb/v1"),
        format!("curl --json '{{\"a\":1}}' {base}/xtb/v1"),
        format!("curl -K {} {base}/health", cfg.display()),
        format!("curl -D headers.txt {base}/health"),
        format!("curl -c jar.txt {base}/health"),
        format!("wget {base}/health"),
    ];
    let mut doc = String::from("# Release\n\n## Checks\n\n");
    doc.push_str(
        "- [ ] **Mapped host, however spelled**\n  ```bash\n  curl -fsS https://API.Example.COM./health\n  ```\n\n",
    );
    doc.push_str(&format!(
        "- [ ] **Data as a query**\n  ```bash\n  curl -sG -d probe=1 {base}/health\n  ```\n\n"
    ));
    for (i, line) in writes.iter().enumerate() {
        doc.push_str(&format!(
            "- [ ] **Write {i}**\n  ```bash\n  {line}\n  ```\n\n"
        ));
    }
    let doc_path = write(&env.dir, "checklist.md", &doc);
    let profile = format!(
        "[hosts]\n\"api.example.com\" = \"{base}\"\n[allow]\nclasses = [\"read\"]\nshell = true\n"
    );
    let profile_path = write(&env.dir, "p.toml", &profile);
    let json = env.dir.join("r.json");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_greenlight"))
        .args([
            "run",
            doc_path.to_str().unwrap(),
            "--env",
            profile_path.to_str().unwrap(),
            "--json",
            json.to_str().unwrap(),
        ])
        .current_dir(&work)
        .env("NO_COLOR", "1")
        .env("GREENLIGHT_STORE", env.dir.join("runs.db"))
        .output()
        .unwrap();
    let err = stderr(&out);
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap_or_default();
    let items = report["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(items.len(), writes.len() + 2, "{err}");

    // Only reads reached the server, and they did reach it.
    let sent = env.fixture.control().requests();
    let not_read: Vec<String> = sent
        .iter()
        .filter(|r| !matches!(r.method.as_str(), "GET" | "HEAD" | "OPTIONS"))
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert!(not_read.is_empty(), "sent {not_read:?}\n{err}");
    assert!(
        sent.iter()
            .all(|r| r.body.is_empty() && r.header("x-http-method-override").is_none()),
        "{sent:?}"
    );
    assert_eq!(items[0]["status"], "passed", "{:#}", items[0]);
    assert_eq!(items[1]["status"], "passed", "{:#}", items[1]);
    assert!(
        sent.iter()
            .any(|r| r.path == "/health" && r.query.as_deref() == Some("probe=1"))
    );
    for (i, line) in writes.iter().enumerate() {
        let item = &items[i + 2];
        assert_eq!(item["status"], "not_run", "{line}: {item:#}");
    }
    // No file was written where the run ran.
    let left: Vec<_> = std::fs::read_dir(&work)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "files written: {left:?}");
}

#[test]
fn plan_shows_the_class_of_the_request_it_would_send() {
    let env = start("http-plan", Faults::NONE);
    let base = env.fixture.base_url();
    let doc = format!(
        "# T\n\n## C\n\n- [ ] **Delete**\n  ```bash\n  curl -sX DELETE {base}/x\n  ```\n\n- [ ] **Read**\n  ```bash\n  curl -fsSL {base}/health\n  ```\n"
    );
    let doc_path = write(&env.dir, "c.md", &doc);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_greenlight"))
        .args(["plan", doc_path.to_str().unwrap(), "--json"])
        .env("GREENLIGHT_STORE", env.dir.join("runs.db"))
        .output()
        .unwrap();
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    let text = plan.to_string();
    let classes: Vec<&str> = plan["checks"]
        .as_array()
        .map(|c| c.iter().filter_map(|c| c["class"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        classes,
        vec!["mutating", "read"],
        "{text}\n{}",
        stderr(&out)
    );
    assert_eq!(env.fixture.control().total_requests(), 0);
}
