//! Documents without checkboxes, and table checklists: their list items
//! and rows become items owed by people (issue 10).

use greenlight_doc::{ItemKind, ItemsMode, parse, parse_with};

const BULLETS: &str = "\
# Release 2.4 checklist

## Table of contents
- [Before](#before)
- [After](#after)

## Before
- Database backup taken
- Feature flags reviewed
  - nested detail, part of the item above
1. Announce the freeze

```bash
echo not a list item
```

## Rollback
- Revert the deploy

## References
- Runbook: see the wiki
";

#[test]
fn auto_takes_list_items_under_headings_when_there_are_no_checkboxes() {
    let list = parse(BULLETS.as_bytes());
    let texts: Vec<(&str, ItemKind)> = list
        .items
        .iter()
        .map(|i| (i.text.as_str(), i.kind))
        .collect();
    assert_eq!(
        texts,
        vec![
            ("Database backup taken", ItemKind::ListItem),
            ("Feature flags reviewed", ItemKind::ListItem),
            ("Announce the freeze", ItemKind::RunbookStep),
        ]
    );
    let from = list.items_from.clone().expect("says how items were found");
    assert_eq!(from.list_items, 2);
    assert!(
        from.why
            .starts_with("no checkboxes: 2 list items under headings are items owed by people"),
        "{}",
        from.why
    );
    // Identifiers come from text, not position: an item added above
    // leaves the others' IDs alone.
    let again = parse(
        BULLETS
            .replace("## Before\n", "## Before\n- Staging deploy green\n")
            .as_bytes(),
    );
    assert_eq!(again.items[1].text, "Database backup taken");
    assert_eq!(again.items[1].id, list.items[0].id);
}

#[test]
fn checkboxes_mode_keeps_todays_items_and_bullets_mode_adds_beside_checkboxes() {
    let list = parse_with(BULLETS.as_bytes(), ItemsMode::Checkboxes);
    assert!(list.items.iter().all(|i| i.kind == ItemKind::RunbookStep));
    let mixed = "# R\n## Go\n- [ ] Smoke test\n- Tell support\n";
    let auto = parse(mixed.as_bytes());
    assert_eq!(auto.items.len(), 1);
    assert!(auto.items_from.is_none(), "the plain case says nothing");
    let bullets = parse_with(mixed.as_bytes(), ItemsMode::Bullets);
    assert_eq!(bullets.items.len(), 2);
    assert_eq!(bullets.items[1].kind, ItemKind::ListItem);
    assert_eq!(bullets.items[0].id, auto.items[0].id);
}

const TABLES: &str = "\
# Launch

## Readiness
| Item | Status | Owner |
|------|--------|-------|
| Backups verified | | ops |
| Smoke tests | ✅ | qa |
| Pen test | ❌ Fail | sec |

## Go/No-Go criteria
| Criterion | Pass | Fail |
|-----------|------|------|
| Error rate < 1% | | |
| No open P1 | x | |

## Ports
| Service | Port |
|---------|------|
| api | 80 |
";

#[test]
fn table_rows_become_items_owed_passed_or_failed() {
    let list = parse(TABLES.as_bytes());
    let rows: Vec<_> = list
        .items
        .iter()
        .filter(|i| i.kind == ItemKind::TableRow)
        .collect();
    let got: Vec<(&str, usize, Option<bool>)> = rows
        .iter()
        .map(|i| (i.text.as_str(), i.line, i.mark.as_ref().map(|m| m.passed)))
        .collect();
    assert_eq!(
        got,
        vec![
            ("Backups verified", 6, None),
            ("Smoke tests", 7, Some(true)),
            ("Pen test", 8, Some(false)),
            ("Error rate < 1%", 13, None),
            ("No open P1", 14, Some(true)),
        ]
    );
    assert!(rows[1].checked && !rows[2].checked && !rows[0].checked);
    assert_eq!(rows[0].table, Some(0));
    assert_eq!(rows[3].table, Some(1));
    let from = list.items_from.clone().expect("says how items were found");
    assert_eq!(from.table_rows, 5);
    // Unique, stable identifiers, like every item.
    let again = parse(TABLES.replace("| api | 80 |", "| api | 8080 |").as_bytes());
    let ids =
        |l: &greenlight_doc::Checklist| l.items.iter().map(|i| i.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&list), ids(&again));
    let mut uniq = ids(&list);
    uniq.dedup();
    assert_eq!(uniq.len(), list.items.len());
    // `--items checkboxes` is today's reading: no table items.
    assert!(
        parse_with(TABLES.as_bytes(), ItemsMode::Checkboxes)
            .items
            .is_empty()
    );
}
