use crate::support::*;

#[test]
fn outline_of_each_seed() {
    for n in 0..5 {
        let path = seed_path(n);
        let out = greenlight(&["inspect", &path]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        insta::assert_snapshot!(format!("outline_seed_{n}"), stdout(&out));
    }
}

#[test]
fn json_schema_has_the_documented_fields() {
    let out = greenlight(&["inspect", &seed_path(1), "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["schema"], "greenlight.doc/v1");
    let items = v["items"].as_array().unwrap();
    assert_eq!(items.iter().filter(|i| i["kind"] == "task").count(), 28);
    for key in ["id", "line", "checked", "steps", "text", "severity", "span"] {
        assert!(items[0].get(key).is_some(), "items[].{key}");
    }
    let phases = v["phases"].as_array().unwrap();
    let preflight = phases
        .iter()
        .find(|p| p["title"].as_str().unwrap().contains("PRE-FLIGHT"))
        .unwrap();
    assert_eq!(preflight["budget_seconds"], 300);
    assert_eq!(v["signoffs"][0]["role"], "Release Engineer");
    // Steps hang off items and phases by index and carry their code.
    let steps = v["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 21);
    assert!(steps.iter().any(|s| {
        s["code"]
            .as_str()
            .unwrap()
            .contains("curl -f https://staging-api")
    }));
}

#[test]
fn missing_file_names_path_and_cause() {
    let out = greenlight(&["inspect", "no/such/checklist.md"]);
    assert_eq!(out.status.code(), Some(4));
    let err = stderr(&out);
    assert!(err.contains("no/such/checklist.md"), "{err}");
    assert!(err.contains("No such file"), "{err}");
}

#[test]
fn directory_is_refused() {
    let out = greenlight(&["inspect", "fixtures"]);
    assert_eq!(out.status.code(), Some(4));
    assert!(
        stderr(&out).contains("fixtures: is a directory"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn binary_file_is_refused() {
    let dir = scratch("binary");
    let path = dir.join("image.md");
    std::fs::write(&path, b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").unwrap();
    let out = greenlight(&["inspect", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(4));
    let err = stderr(&out);
    assert!(err.contains("image.md") && err.contains("binary"), "{err}");
}

#[test]
fn oversized_file_names_the_limit() {
    let out = greenlight(&["inspect", &seed_path(0), "--max-size", "1000"]);
    assert_eq!(out.status.code(), Some(4));
    let err = stderr(&out);
    assert!(err.contains("over the limit of 1000 bytes"), "{err}");
    assert!(err.contains("--max-size"), "{err}");
}

#[test]
fn malformed_markdown_still_parses() {
    let dir = scratch("malformed");
    let path = dir.join("broken.md");
    std::fs::write(
        &path,
        "# Title\n\n```bash\ncurl -f http://x/health\n\n- [ ] never closed fence\n\n| a | b\n|--\n<!-- unterminated\n- [ ] after",
    )
    .unwrap();
    let out = greenlight(&["inspect", path.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // CommonMark: an unclosed fence runs to the end of the document.
    assert_eq!(v["steps"].as_array().unwrap().len(), 1);
    assert_eq!(v["items"].as_array().unwrap().len(), 0);
}

#[test]
fn invalid_utf8_is_read_as_windows_1252() {
    let dir = scratch("cp1252");
    let path = dir.join("legacy.md");
    std::fs::write(
        &path,
        b"# D\xE9ploiement \x96 caf\xE9\r\n\r\n- [ ] V\xE9rifier /health\r\n",
    )
    .unwrap();
    let out = greenlight(&["inspect", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("# Déploiement – café"), "{text}");
    assert!(text.contains("[ ] Vérifier /health"), "{text}");
    assert!(text.contains("not utf-8: read as windows-1252"), "{text}");
}

#[test]
fn help_teaches_exit_codes() {
    let out = greenlight(&["--help"]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(text.contains("Exit codes:"));
    assert!(text.contains("3  PENDING"));
    let bad = greenlight(&["inspect"]);
    assert_eq!(bad.status.code(), Some(2));
}
