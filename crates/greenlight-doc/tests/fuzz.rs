//! Fuzz tests (proptest, stable Rust): the document parser and every text
//! parser of greenlight-doc take any input without panicking, and what they
//! return points inside the input.
//!
//! Case count: `GREENLIGHT_FUZZ_CASES` (default 256).

#[path = "support/checklist_gen.rs"]
mod checklist_gen;

use checklist_gen::{checklist_bytes, checklist_text, config, text_line, word};
use greenlight_doc::writeback::{Marks, apply_marks};
use greenlight_doc::{Checklist, ItemKind, SectionKind, Span, parse};
use proptest::prelude::*;

/// What every parse must satisfy, whatever the input.
fn check_model(bytes: &[u8], list: &Checklist) {
    let in_file = |s: &Span, what: &str| {
        assert!(
            s.start <= s.end && s.end <= bytes.len() && s.line >= 1 && s.col >= 1,
            "{what} span {s:?} outside a {}-byte file",
            bytes.len()
        );
    };
    assert_eq!(list.source.bytes, bytes.len());
    for p in &list.phases {
        in_file(&p.span, "phase");
        assert!((1..=6).contains(&p.level));
        assert!(p.parent.is_none_or(|up| up < p.index));
        assert!(p.steps.iter().all(|&s| s < list.steps.len()));
    }
    for (n, i) in list.items.iter().enumerate() {
        assert_eq!(i.index, n);
        assert!(!i.id.is_empty());
        in_file(&i.span, "item");
        assert!(i.parent.is_none_or(|up| up < n));
        assert!(i.children.iter().all(|&c| c > n && c < list.items.len()));
        assert!(i.phase.is_none_or(|p| p < list.phases.len()));
        assert!(i.steps.iter().all(|&s| s < list.steps.len()));
        assert!(i.signoff.is_none_or(|s| s < list.signoffs.len()));
        if let Some(cb) = i.checkbox {
            in_file(&cb, "checkbox");
            assert_eq!(i.kind, ItemKind::Task);
            assert_eq!(cb.end - cb.start, 3, "checkbox {cb:?}");
            assert_eq!(bytes[cb.start], b'[');
            assert_eq!(bytes[cb.end - 1], b']');
            assert_eq!(
                i.checked,
                matches!(bytes[cb.start + 1], b'x' | b'X'),
                "checked flag of {cb:?}"
            );
        }
    }
    for s in &list.steps {
        in_file(&s.span, "step");
        assert!(s.item.is_none_or(|i| i < list.items.len()));
        assert!(s.phase.is_none_or(|p| p < list.phases.len()));
    }
    for t in &list.tables {
        in_file(&t.span, "table");
        assert_eq!(t.rows.len(), t.row_lines.len());
    }
    for s in &list.signoffs {
        in_file(&s.span, "signoff");
        assert!(s.item.is_none_or(|i| i < list.items.len()));
    }
    for a in &list.annotations {
        in_file(&a.span, "annotation");
        assert!(a.step.is_none_or(|s| s < list.steps.len()));
        assert!(a.item.is_none_or(|i| i < list.items.len()));
    }
    if let Some(f) = &list.front_matter {
        in_file(f, "front matter");
    }
    // The JSON form is always writable.
    serde_json::to_string(list).expect("the model serialises");
}

/// Ticking every task and then unticking it changes only checkbox bytes.
fn check_writeback(bytes: &[u8], list: &Checklist) {
    let ids: Vec<String> = list.task_items().map(|i| i.id.clone()).collect();
    let boxes: Vec<usize> = list
        .task_items()
        .filter_map(|i| i.checkbox.map(|c| c.start + 1))
        .collect();
    let marks = Marks {
        check: ids.clone(),
        uncheck: Vec::new(),
    };
    let (out, _) = apply_marks(bytes, list, &marks).expect("every task ID is known");
    assert_eq!(out.len(), bytes.len());
    for (at, (a, b)) in bytes.iter().zip(&out).enumerate() {
        if a != b {
            assert!(boxes.contains(&at), "byte {at} changed outside a checkbox");
        }
    }
    let (back, _) = apply_marks(
        &out,
        list,
        &Marks {
            check: Vec::new(),
            uncheck: ids,
        },
    )
    .expect("every task ID is known");
    for &at in &boxes {
        assert_eq!(back[at], b' ');
    }
    // Unknown keys are refused, never a panic.
    let bad = Marks {
        check: vec![
            "L0".into(),
            "nope".into(),
            "L99999999999999999999999".into(),
        ],
        uncheck: Vec::new(),
    };
    let _ = apply_marks(bytes, list, &bad);
}

/// Headings, labels and slot lines as the text parsers see them.
fn fragment() -> BoxedStrategy<String> {
    prop_oneof![
        3 => text_line(),
        1 => "\\PC{0,40}",
        1 => proptest::collection::vec(word(), 0..4).prop_map(|w| w.join(":")),
        1 => proptest::collection::vec(word(), 0..4).prop_map(|w| w.join("_")),
    ]
    .boxed()
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn parse_takes_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let list = parse(&bytes);
        check_model(&bytes, &list);
    }

    #[test]
    fn parse_takes_generated_checklists(bytes in checklist_bytes()) {
        let list = parse(&bytes);
        check_model(&bytes, &list);
        check_writeback(&bytes, &list);
        // Mojibake repair of the whole file never panics either.
        let _ = greenlight_doc::encoding::repair_document(&bytes);
    }

    #[test]
    fn clean_checklists_keep_their_tasks_whatever_the_line_ends(text in checklist_text()) {
        // The same document with LF, CRLF and a BOM has the same task IDs.
        let ids = |b: &[u8]| parse(b).task_items().map(|i| i.id.clone()).collect::<Vec<_>>();
        let lf = ids(text.as_bytes());
        let crlf = ids(text.replace('\n', "\r\n").as_bytes());
        let bom = ids(&[b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat());
        // (Unless the text itself starts with U+FEFF: then that one is the
        // BOM of the plain file and text in the other.)
        if !text.starts_with('\u{FEFF}') {
            prop_assert_eq!(&lf, &bom);
        }
        // CRLF can only change IDs when the text itself holds a lone CR,
        // or a code span runs over a line end (pulldown-cmark reads the
        // CRLF inside it as two spaces: a known quirk, left alone).
        if !text.contains('\r') && !text.contains('`') {
            prop_assert_eq!(&lf, &crlf);
        }
    }

    #[test]
    fn text_parsers_take_any_fragment(s in fragment(), parent in 0..5u8, prep in any::<bool>()) {
        use greenlight_doc::{budget, encoding, ident, section, severity, signoff};
        let _ = budget::find_budget(&s);
        let _ = severity::heading_severity(&s);
        let _ = severity::label_severity(&s);
        let _ = signoff::parse_slot_line(&s);
        let _ = signoff::looks_like_role(&s);
        let _ = signoff::strip_role_suffix(&s);
        let _ = signoff::is_field(&s);
        let parent = [
            None,
            Some(SectionKind::Normal),
            Some(SectionKind::Rollback),
            Some(SectionKind::Monitoring),
            Some(SectionKind::Signoff),
        ][usize::from(parent)];
        let _ = section::section_kind(&s, parent, prep);
        let _ = section::is_preparation_title(&s);
        let _ = section::is_signoff_title(&s);
        let _ = ident::normalize(&s);
        let id = ident::make_id("i", &[&s, &s]);
        prop_assert!(!id.is_empty());
        if let Some(kind) = encoding::detect_mojibake(&s) {
            let _ = encoding::repair_mojibake(&s, kind);
        }
        for kind in [encoding::Mojibake::Windows1252, encoding::Mojibake::MacRoman] {
            let _ = encoding::repair_counting(&s, kind);
        }
    }

    #[test]
    fn decode_maps_every_text_offset_into_the_file(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let d = greenlight_doc::encoding::decode(&bytes);
        for (i, _) in d.text.char_indices().chain([(d.text.len(), ' ')]) {
            prop_assert!(d.source_offset(i) <= bytes.len());
        }
    }
}

/// Regression inputs found while fuzzing, kept as plain tests.
mod found {
    use super::*;

    #[test]
    fn annotations_outside_items_belong_to_the_last_item_before_them() {
        // Found profiling: this lookup scanned every item per annotation.
        let mut doc = String::from("# R\n\n<!-- greenlight: skip -->\n\n## C\n\n");
        for i in 0..50 {
            doc.push_str(&format!(
                "- [ ] c{i}\n\n```bash\ncurl -s x/{i}\n```\n<!-- greenlight: eventually 5s -->\n\n"
            ));
        }
        let list = parse(doc.as_bytes());
        assert_eq!(list.annotations.len(), 51);
        assert_eq!(list.annotations[0].item, None);
        for (n, a) in list.annotations.iter().skip(1).enumerate() {
            assert_eq!(a.item, Some(n), "annotation {n}");
            assert!(a.step.is_some());
        }
    }

    #[test]
    fn unclosed_fence_and_lone_cr() {
        for doc in [
            "```bash\rcurl x\r- [ ] a\r",
            "- [ ] a\n  ```\n  - [ ] b",
            "\u{FEFF}# t\r\n- [x] done\r\n```",
            "1. [ ] a\n\t- [ ] b\n\t\t```sh`x\n",
        ] {
            let list = parse(doc.as_bytes());
            check_model(doc.as_bytes(), &list);
            check_writeback(doc.as_bytes(), &list);
        }
    }
}
