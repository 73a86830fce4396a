//! Ticking and unticking checkboxes in the original bytes. Only the one
//! byte inside `[ ]` changes; every other byte of the file stays as it was.

use crate::model::Checklist;

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
    let mut edits = Vec::new();
    for (keys, tick) in [(&marks.check, b'x'), (&marks.uncheck, b' ')] {
        for key in keys {
            let item = list
                .find_item(key)
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
        let current = out[at];
        let is_checked = matches!(current, b'x' | b'X');
        if (tick == b'x') != is_checked {
            out[at] = tick;
            changed += 1;
        }
    }
    Ok((out, changed))
}
