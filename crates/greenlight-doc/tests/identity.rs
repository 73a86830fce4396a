//! Item IDs survive edits elsewhere in the document.

use greenlight_doc::parse;
use std::collections::HashMap;

fn ids_by_text(src: &str) -> HashMap<String, String> {
    parse(src.as_bytes())
        .items
        .iter()
        .map(|i| (format!("{}|{}", i.line_free_key(), i.text), i.id.clone()))
        .collect()
}

trait Key {
    fn line_free_key(&self) -> String;
}
impl Key for greenlight_doc::Item {
    fn line_free_key(&self) -> String {
        format!("{:?}", self.parent.is_some())
    }
}

fn seed0() -> String {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/seeds");
    let path = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with("000_"))
        .unwrap();
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn ids_do_not_depend_on_positions() {
    let original = seed0();
    let before = ids_by_text(&original);
    // Insert unrelated lines at the top, in the middle (a new paragraph and a
    // new item in another section) and at the end; delete a paragraph.
    let mut lines: Vec<&str> = original.lines().collect();
    lines.insert(2, "Some new introduction paragraph.\n\nAnd another one.");
    let mid = lines
        .iter()
        .position(|l| l.contains("Authentication Flow Testing"))
        .unwrap();
    lines.insert(mid, "\nA note that someone added later.\n");
    lines.push("\n## Appendix\n\n- [ ] A brand-new item at the end\n");
    let overview = lines
        .iter()
        .position(|l| l.starts_with("This comprehensive checklist"))
        .unwrap();
    lines.remove(overview);
    let edited = lines.join("\n");
    let after = ids_by_text(&edited);
    for (key, id) in &before {
        assert_eq!(after.get(key), Some(id), "ID of {key} changed");
    }
    assert_eq!(after.len(), before.len() + 1);
}

#[test]
fn editing_an_item_changes_only_that_item() {
    let original = seed0();
    let list = parse(original.as_bytes());
    let edited = original.replacen(
        "Same Linux distribution and kernel version",
        "Same Linux distribution and kernel",
        1,
    );
    let again = parse(edited.as_bytes());
    let changed: Vec<_> = list
        .items
        .iter()
        .zip(again.items.iter())
        .filter(|(a, b)| a.id != b.id)
        .map(|(a, _)| a.text.clone())
        .collect();
    assert_eq!(
        changed,
        vec!["Same Linux distribution and kernel version".to_string()]
    );
}

#[test]
fn duplicate_texts_get_distinct_ids() {
    let src = "## A\n\n- [ ] Same\n- [ ] Same\n\n## B\n\n- [ ] Same\n";
    let list = parse(src.as_bytes());
    let ids: Vec<_> = list.items.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids.len(), 3);
    assert_ne!(ids[0], ids[1]);
    assert_ne!(ids[0], ids[2]);
}
