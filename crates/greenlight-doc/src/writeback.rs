//! Ticking and unticking checkboxes in the original bytes. Only the one
//! byte inside `[ ]` changes; every other byte of the file stays as it was.

use crate::model::{Checklist, Item};
use std::collections::HashMap;

/// Why a write-back was refused. Nothing is written when any key is bad.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MarkError {
    #[error("no item with ID or line `{0}` (see `greenlight inspect` for IDs)")]
    UnknownItem(String),
    #[error("item `{id}` (line {line}) is a runbook step, not a checkbox")]
    NotACheckbox { id: String, line: usize },
}

/// What to tick and untick, by item ID or line number.
#[derive(Debug, Default, Clone)]
pub struct Marks {
    pub check: Vec<String>,
    pub uncheck: Vec<String>,
}

/// Returns the new bytes and the number of checkboxes that changed.
pub fn apply_marks(
    bytes: &[u8],
    list: &Checklist,
    marks: &Marks,
) -> Result<(Vec<u8>, usize), MarkError> {
    let find = ItemIndex::new(list, marks.check.len() + marks.uncheck.len());
    let mut edits = Vec::new();
    for (keys, tick) in [(&marks.check, b'x'), (&marks.uncheck, b' ')] {
        for key in keys {
            let item = find
                .item(list, key)
                .ok_or_else(|| MarkError::UnknownItem(key.clone()))?;
            let checkbox = item.checkbox.ok_or_else(|| MarkError::NotACheckbox {
                id: item.id.clone(),
                line: item.line,
            })?;
            edits.push((checkbox.start + 1, tick));
        }
    }
    let mut out = bytes.to_vec();
    let mut changed = 0;
    for (at, tick) in edits {
        // The model comes from these bytes; a box outside them (a model of
        // another file) is left alone rather than a panic.
        let Some(current) = out.get_mut(at) else {
            continue;
        };
        let is_checked = matches!(*current, b'x' | b'X');
        if (tick == b'x') != is_checked {
            *current = tick;
            changed += 1;
        }
    }
    Ok((out, changed))
}

/// Finds items by key like [`Checklist::find_item`]; for many keys through
/// maps built once (a scan per key made `write` of a large run quadratic).
enum ItemIndex<'a> {
    Scan,
    Maps {
        by_id: HashMap<&'a str, usize>,
        by_line: HashMap<usize, usize>,
    },
}

impl<'a> ItemIndex<'a> {
    fn new(list: &'a Checklist, keys: usize) -> Self {
        if keys < 8 {
            return ItemIndex::Scan;
        }
        let mut by_id = HashMap::with_capacity(list.items.len());
        let mut by_line = HashMap::with_capacity(list.items.len());
        // The first item wins, as in a scan.
        for (n, item) in list.items.iter().enumerate() {
            by_id.entry(item.id.as_str()).or_insert(n);
            by_line.entry(item.line).or_insert(n);
        }
        ItemIndex::Maps { by_id, by_line }
    }

    fn item<'l>(&self, list: &'l Checklist, key: &str) -> Option<&'l Item> {
        match self {
            ItemIndex::Scan => list.find_item(key),
            ItemIndex::Maps { by_id, by_line } => {
                // IDs win over line numbers, as in `find_item`.
                let n = by_id.get(key).copied().or_else(|| {
                    let line = key.strip_prefix('L').unwrap_or(key).parse::<usize>().ok()?;
                    by_line.get(&line).copied()
                })?;
                list.items.get(n)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(list: &Checklist) -> Vec<String> {
        let mut k: Vec<String> = list.items.iter().map(|i| i.id.clone()).collect();
        k.extend(list.items.iter().map(|i| format!("L{}", i.line)));
        k.extend(list.items.iter().map(|i| i.line.to_string()));
        k
    }

    #[test]
    fn many_keys_find_what_one_key_finds() {
        let doc = "# R\n\n- [ ] a\n- [ ] a\n- [x] b\n  - [ ] c\n1. step\n";
        let list = crate::parse(doc.as_bytes());
        let all = keys(&list);
        let maps = ItemIndex::new(&list, 100);
        for key in all.iter().map(String::as_str).chain(["L0", "x", "L", "99"]) {
            assert_eq!(
                maps.item(&list, key).map(|i| i.index),
                list.find_item(key).map(|i| i.index),
                "{key}"
            );
        }
    }

    #[test]
    fn a_model_of_other_bytes_is_no_panic() {
        let list = crate::parse(b"# R\n\n- [ ] a long item text here\n");
        let id = list.items[0].id.clone();
        let marks = Marks {
            check: vec![id],
            uncheck: Vec::new(),
        };
        assert_eq!(
            apply_marks(b"short", &list, &marks),
            Ok((b"short".to_vec(), 0))
        );
    }
}
