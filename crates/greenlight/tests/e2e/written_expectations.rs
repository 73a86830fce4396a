//! Expectations people write next to a command, held by the real binary
//! against the fixture: a label followed by a separate JSON block, a
//! `**Label**: value` line, and an expectation inside a document whose text
//! arrived as mojibake. Each must be judged, never dropped.

use serde_json::Value;

fn run_doc(name: &str, doc: &str) -> (i32, Value, String) {
    crate::inferred::run_doc(name, doc, "")
}

fn item<'a>(report: &'a Value, text: &str) -> &'a Value {
    report["items"]
        .as_array()
        .and_then(|items| {
            items
                .iter()
                .find(|i| i["text"].as_str().is_some_and(|t| t.contains(text)))
        })
        .unwrap_or_else(|| panic!("no item {text:?} in {report}"))
}

fn label_then_json_block(body: &str) -> String {
    format!(
        "# Release\n\n## Checks\n\n- [ ] API health\n\n  ```bash\n  curl -s {{base}}/health\n  ```\n\n  Expected response:\n  ```json\n  {body}\n  ```\n"
    )
}

#[test]
fn a_label_then_a_json_block_is_the_body_the_request_must_return() {
    let doc = label_then_json_block(r#"{"status": "healthy", "checks": {"database": "ok"}}"#);
    let (code, report, err) = run_doc("written-label-json-pass", &doc);
    let it = item(&report, "API health");
    assert_eq!(it["status"], "passed", "{err}\n{it}");
    // The JSON block is the expectation, not a step of its own.
    assert_eq!(it["steps"].as_array().map(Vec::len), Some(1), "{it}");
    assert_eq!(report["verdict"], "GO", "{err}\n{report}");
    assert_eq!(code, 0, "{err}");
}

#[test]
fn a_label_then_a_wrong_json_block_fails() {
    let doc = label_then_json_block(r#"{"status": "degraded"}"#);
    let (code, report, err) = run_doc("written-label-json-fail", &doc);
    let it = item(&report, "API health");
    assert_eq!(it["status"], "failed", "{err}\n{it}");
    assert_eq!(report["verdict"], "NO_GO", "{err}");
    assert_ne!(code, 0);
}

#[test]
fn a_bold_label_with_the_colon_outside_is_read() {
    let doc = |version: &str| {
        format!(
            "# Release\n\n## Checks\n\n- [ ] Version\n\n  ```bash\n  curl -s {{base}}/version\n  ```\n\n  **Expected**: `{{\"version\": \"{version}\"}}`\n"
        )
    };
    let (_, report, err) = run_doc("written-bold-label-pass", &doc("8.0.0"));
    assert_eq!(item(&report, "Version")["status"], "passed", "{err}");
    let (_, report, err) = run_doc("written-bold-label-fail", &doc("9.9.9"));
    let it = item(&report, "Version");
    assert_eq!(it["status"], "failed", "{err}\n{it}");
}

#[test]
fn an_expectation_in_a_mojibake_document_is_understood() {
    // `## 健康检查` and `# 预期：401 Unauthorized`, UTF-8 read as Mac Roman
    // and saved again (as b02's macroman copy): the profile endpoint
    // answers 401 without a token, which only the repaired expectation
    // allows.
    let doc = "# Release\n\n## ÂÅ•Â∫∑Ê£ÄÊü•\n\n- [ ] Profile is protected\n\n  ```bash\n  curl -s {base}/api/user/profile\n  # È¢ÑÊúüÔºö401 Unauthorized\n  ```\n";
    let (_, report, err) = run_doc("written-mojibake", doc);
    let it = item(&report, "Profile is protected");
    assert_eq!(it["status"], "passed", "{err}\n{it}");
    assert_eq!(report["verdict"], "GO", "{err}\n{report}");
}
