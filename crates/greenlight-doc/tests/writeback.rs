//! Write-back changes only checkbox bytes: a property test over random item
//! subsets of every seed, plus CRLF, BOM and Windows-1252 files.

use greenlight_doc::writeback::{Marks, apply_marks};
use greenlight_doc::{ItemKind, parse};
use proptest::prelude::*;

fn seeds() -> Vec<Vec<u8>> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/seeds");
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    paths.sort();
    let mut out: Vec<Vec<u8>> = paths.iter().map(|p| std::fs::read(p).unwrap()).collect();
    // Variants of seed 000: CRLF, BOM, both.
    let crlf = String::from_utf8(out[0].clone())
        .unwrap()
        .replace('\n', "\r\n")
        .into_bytes();
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(&out[1]);
    let mut bom_crlf = b"\xEF\xBB\xBF".to_vec();
    bom_crlf.extend_from_slice(&crlf);
    out.extend([crlf, bom, bom_crlf, windows_1252_checklist()]);
    out
}

fn windows_1252_checklist() -> Vec<u8> {
    // "Café rollout — naïve" in Windows-1252, which is not valid UTF-8.
    let mut b = b"# Caf\xE9 rollout \x97 na\xEFve\r\n\r\n## D\xE9ploiement\r\n\r\n".to_vec();
    for i in 0..20 {
        b.extend_from_slice(
            format!("- [ ] \u{0}step {i}\r\n")
                .replace('\u{0}', "")
                .as_bytes(),
        );
        b.extend_from_slice(b"  - [ ] v\xE9rifier\r\n");
    }
    b
}

fn tasks(bytes: &[u8]) -> Vec<String> {
    parse(bytes)
        .items
        .iter()
        .filter(|i| i.kind == ItemKind::Task)
        .map(|i| i.id.clone())
        .collect()
}

#[test]
fn every_fixture_has_items() {
    for (n, bytes) in seeds().iter().enumerate() {
        let list = parse(bytes);
        assert!(list.task_items().count() > 0, "fixture {n}");
        for item in list.task_items() {
            let cb = item.checkbox.unwrap();
            assert_eq!(
                &bytes[cb.start..cb.end],
                b"[ ]",
                "fixture {n} line {}",
                item.line
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    #[test]
    fn only_checkbox_bytes_change(which in 0usize..9, picks in proptest::collection::vec(any::<bool>(), 300)) {
        let all = seeds();
        let bytes = &all[which];
        let ids = tasks(bytes);
        let chosen: Vec<String> = ids
            .iter()
            .zip(picks.iter().cycle())
            .filter(|(_, p)| **p)
            .map(|(id, _)| id.clone())
            .collect();
        let marks = Marks { check: chosen.clone(), uncheck: vec![] };
        let list = parse(bytes);
        let (out, changed) = apply_marks(bytes, &list, &marks).unwrap();
        prop_assert_eq!(out.len(), bytes.len());
        prop_assert_eq!(changed, chosen.len());
        let allowed: std::collections::HashSet<usize> = chosen
            .iter()
            .map(|id| list.find_item(id).unwrap().checkbox.unwrap().start + 1)
            .collect();
        for (i, (a, b)) in bytes.iter().zip(out.iter()).enumerate() {
            if allowed.contains(&i) {
                prop_assert_eq!((*a, *b), (b' ', b'x'));
            } else {
                prop_assert_eq!(a, b, "byte {} changed", i);
            }
        }
        // The result parses to the same items, with exactly the chosen ones checked.
        let again = parse(&out);
        prop_assert_eq!(again.items.len(), list.items.len());
        for item in again.task_items() {
            prop_assert_eq!(item.checked, chosen.contains(&item.id));
        }
        // Applying the same marks again changes nothing more.
        let (twice, changed_again) = apply_marks(&out, &again, &marks).unwrap();
        prop_assert_eq!(changed_again, 0);
        prop_assert_eq!(twice, out.clone());
        // And unchecking restores the original bytes.
        let undo = Marks { check: vec![], uncheck: chosen };
        let (back, _) = apply_marks(&out, &again, &undo).unwrap();
        prop_assert_eq!(back, bytes.clone());
    }
}

#[test]
fn unknown_ids_and_runbook_steps_are_refused() {
    let src = b"## Deploy\n\n1. Tag it\n2. Push it\n\n## Check\n\n- [ ] Health\n";
    let list = parse(src);
    let err = apply_marks(
        src,
        &list,
        &Marks {
            check: vec!["nope".into()],
            uncheck: vec![],
        },
    );
    assert!(
        err.unwrap_err()
            .to_string()
            .contains("no item with ID or line `nope`")
    );
    let step = list
        .items
        .iter()
        .find(|i| i.kind == ItemKind::RunbookStep)
        .unwrap();
    let err = apply_marks(
        src,
        &list,
        &Marks {
            check: vec![step.id.clone()],
            uncheck: vec![],
        },
    );
    assert!(err.unwrap_err().to_string().contains("runbook step"));
    // By line number works too.
    let (out, n) = apply_marks(
        src,
        &list,
        &Marks {
            check: vec!["L8".into()],
            uncheck: vec![],
        },
    )
    .unwrap();
    assert_eq!(n, 1);
    assert!(String::from_utf8(out).unwrap().contains("- [x] Health"));
}
