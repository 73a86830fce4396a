//! Requests greenlight infers from an item's words (`` `GET /x` returns 200 ``):
//! they carry the profile's headers, and a refusal for want of credentials
//! needs review instead of failing the release.

use crate::run::{profile_text, start, write};
use crate::support::{e2e_database, stderr};
use greenlight_fixture::Faults;
use serde_json::Value;

const DOC: &str = "# Release\n\n## Checks\n\n- [ ] `GET /api/v1/streams` returns 200\n";

fn run(name: &str, extra: &str) -> (i32, Value, String) {
    run_doc(name, DOC, extra)
}

/// Runs `doc` (with `{base}` replaced by the fixture's URL) with the e2e
/// profile plus `extra`: (exit code, report, stderr).
pub(crate) fn run_doc(name: &str, doc: &str, extra: &str) -> (i32, Value, String) {
    let env = start(name, Faults::NONE);
    let doc = doc.replace("{base}", &env.fixture.base_url());
    let profile = profile_text(
        &env.fixture,
        &e2e_database(),
        "redis://127.0.0.1:6379",
        extra,
    );
    let doc = write(&env.dir, "checklist.md", &doc);
    let profile = write(&env.dir, "p.toml", &profile);
    let json = env.dir.join("r.json");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_greenlight"))
        .args(["run", &doc.display().to_string(), "--env"])
        .arg(&profile)
        .arg("--json")
        .arg(&json)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let report = std::fs::read(&json)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or(Value::Null);
    (out.status.code().unwrap_or(-1), report, stderr(&out))
}

fn the_item(report: &Value) -> &Value {
    report["items"]
        .as_array()
        .and_then(|items| {
            items.iter().find(|i| {
                i["text"]
                    .as_str()
                    .is_some_and(|t| t.contains("GET /api/v1/streams"))
            })
        })
        .expect("the inferred item is in the report")
}

#[test]
fn inferred_request_without_credentials_needs_review() {
    let (_, report, err) = run("inferred-401", "");
    assert_ne!(report["verdict"], "NO_GO", "{err}");
    let item = the_item(&report);
    assert_eq!(item["status"], "needs_review", "{err}");
    let step = &item["steps"][0];
    let unverified = step["evidence"]["unverified"].to_string();
    assert!(unverified.contains("needs credentials"), "{step}");
    assert!(unverified.contains("401"), "{step}");
}

#[test]
fn inferred_request_sends_the_global_headers() {
    let (_, report, err) = run(
        "inferred-global",
        "[headers]\nAuthorization = \"Bearer ${USER_TOKEN}\"\n",
    );
    let item = the_item(&report);
    assert_eq!(item["status"], "passed", "{err}\n{item}");
}

#[test]
fn inferred_request_sends_its_host_headers() {
    // A host entry matched by the request URL's host (the api service is
    // on 127.0.0.1) carries the token.
    let (_, report, err) = run(
        "inferred-host",
        "[hosts.\"127.0.0.1\"]\nheaders = { Authorization = \"Bearer ${USER_TOKEN}\" }\n",
    );
    let item = the_item(&report);
    assert_eq!(item["status"], "passed", "{err}\n{item}");
    // A wrong token for that host is still a refusal: needs review, not failed.
    let (_, report, err) = run(
        "inferred-host-wrong",
        "[hosts.\"127.0.0.1\"]\nheaders = { Authorization = \"Bearer ${REVOKED_TOKEN}\" }\n",
    );
    assert_eq!(the_item(&report)["status"], "needs_review", "{err}");
}

/// Seed 003's shape: the item states the request, an example elsewhere in
/// the document shows it with a Bearer token.
fn doc_with_example(token_var: &str) -> String {
    format!(
        "# Release\n\n## Checks\n\n- [ ] `GET /api/v1/streams` returns 200\n\n## Examples\n\n```bash\n# List streams\ncurl \"$BASE_URL/api/v1/streams\" \\\n  -H \"Authorization: Bearer ${token_var}\"\n```\n"
    )
}

#[test]
fn inferred_request_borrows_the_document_s_own_credentials() {
    let (_, report, err) = run_doc("inferred-doc-auth", &doc_with_example("USER_TOKEN"), "");
    let item = the_item(&report);
    assert_eq!(item["status"], "passed", "{err}\n{item}");
    let note = item["steps"][0]["evidence"]["reason"].to_string();
    assert!(
        note.contains("Authorization") && note.contains("line 11"),
        "the step says where its credentials came from: {item}"
    );
    // The header really is sent: the example's revoked token is refused.
    let (_, report, err) = run_doc(
        "inferred-doc-revoked",
        &doc_with_example("REVOKED_TOKEN"),
        "",
    );
    assert_eq!(the_item(&report)["status"], "needs_review", "{err}");
}
