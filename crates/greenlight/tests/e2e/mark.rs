use crate::support::*;

#[test]
fn mark_ticks_only_the_named_boxes_and_is_idempotent() {
    let dir = scratch("mark");
    let path = dir.join("release.md");
    let original = std::fs::read(repo_root().join(seed_path(2))).unwrap();
    std::fs::write(&path, &original).unwrap();
    let p = path.to_str().unwrap();
    let json = greenlight(&["inspect", p, "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let first = v["items"][0]["id"].as_str().unwrap().to_string();
    let line_of_third = v["items"][2]["line"].as_u64().unwrap();
    let by_line = format!("L{line_of_third}");

    let out = greenlight(&["mark", p, "--check", &first, "--check", &by_line]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("2 checkboxes changed"));
    let after = std::fs::read(&path).unwrap();
    let diff: Vec<usize> = (0..original.len())
        .filter(|&i| original[i] != after[i])
        .collect();
    assert_eq!(diff.len(), 2);
    assert!(
        diff.iter()
            .all(|&i| after[i] == b'x' && original[i] == b' ')
    );

    let again = greenlight(&["mark", p, "--check", &first]);
    assert!(stderr(&again).contains("0 checkboxes changed"));
    assert_eq!(std::fs::read(&path).unwrap(), after);

    let undo = greenlight(&["mark", p, "--uncheck", &first, "--uncheck", &by_line]);
    assert_eq!(undo.status.code(), Some(0));
    assert_eq!(std::fs::read(&path).unwrap(), original);
}

#[test]
fn mark_refuses_unknown_items_without_writing() {
    let dir = scratch("mark-unknown");
    let path = dir.join("release.md");
    std::fs::write(&path, "- [ ] one\n- [ ] two\n").unwrap();
    let p = path.to_str().unwrap();
    let out = greenlight(&["mark", p, "--check", "L1", "--check", "zzzzzzz"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no item with ID or line `zzzzzzz`"));
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "- [ ] one\n- [ ] two\n"
    );
}

#[test]
fn fix_encoding_writes_a_repaired_copy_and_keeps_the_original() {
    let dir = scratch("fix");
    let out_path = dir.join("fixed.md");
    let seed = seed_path(0);
    let before = std::fs::read(repo_root().join(&seed)).unwrap();
    let out = greenlight(&["fix-encoding", &seed, "-o", out_path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("mojibake repaired"),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read(repo_root().join(&seed)).unwrap(), before);
    let fixed = std::fs::read_to_string(&out_path).unwrap();
    assert!(fixed.starts_with("# ✅ NOX API v8.0.0 — Staging"));
    assert!(!fixed.contains("âœ"));
    // The repaired copy parses to the same items with the same IDs.
    let a = greenlight(&["inspect", &seed, "--json"]);
    let b = greenlight(&["inspect", out_path.to_str().unwrap(), "--json"]);
    let ids = |o: &std::process::Output| -> Vec<String> {
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(ids(&a), ids(&b));
    // Refuses to overwrite its input.
    let same = greenlight(&["fix-encoding", &seed, "-o", &seed]);
    assert_eq!(same.status.code(), Some(2));
    assert!(stderr(&same).contains("refusing to overwrite the original"));
}
