//! List lines of the source that the parse did not make items: plain
//! bullets beside checkboxes (`- Error rate > 1%` under `## Rollback
//! Criteria`), with the label and the list lines above them.

use greenlight_doc::Checklist;
use greenlight_doc::encoding::{decode, detect_mojibake, repair_mojibake};
use std::collections::HashSet;

/// One list line: a plain bullet, or an item of the parse.
pub(super) struct ListLine {
    /// The item at this line, if the parse made one.
    pub item: Option<usize>,
    /// 1-based line.
    pub line: usize,
    /// The text after the list marker, emphasis and code marks removed.
    pub text: String,
    /// The nearest line above it ending with `:` outside the list
    /// (`**Rollback if:**`), within the same heading.
    pub label: Option<String>,
    /// The texts of the less indented list lines above it.
    pub parents: Vec<String>,
    /// The heading it is under.
    pub phase: Option<usize>,
}

/// The text after a list marker (`- `, `* `, `+ `, `1. `, `1) `), if the
/// line is a list line.
fn after_marker(line: &str) -> Option<&str> {
    if let Some(rest) = line
        .strip_prefix("- ")
        .or_else(|| line.strip_prefix("* "))
        .or_else(|| line.strip_prefix("+ "))
    {
        return Some(rest);
    }
    let digits = line.find(|c: char| !c.is_ascii_digit())?;
    if digits == 0 {
        return None;
    }
    line[digits..]
        .strip_prefix(". ")
        .or_else(|| line[digits..].strip_prefix(") "))
}

/// Emphasis and code marks removed, spaces trimmed.
fn plain(text: &str) -> String {
    text.replace("**", "")
        .replace("__", "")
        .replace('`', "")
        .trim()
        .to_string()
}

/// The document's list lines outside table rows and code.
pub(super) fn list_lines(doc: &Checklist, bytes: &[u8]) -> Vec<ListLine> {
    let decoded = decode(bytes).text;
    let text = match detect_mojibake(&decoded) {
        Some(kind) => repair_mojibake(&decoded, kind).into_owned(),
        None => decoded,
    };
    let rows: HashSet<usize> = doc
        .tables
        .iter()
        .flat_map(|t| t.row_lines.iter().copied())
        .collect();
    let mut out = Vec::new();
    let mut fence: Option<&str> = None;
    let mut stack: Vec<(usize, String)> = Vec::new();
    let mut label: Option<String> = None;
    for (n, raw) in text.lines().enumerate() {
        let line = n + 1;
        let raw = raw.trim_end_matches('\r');
        let trimmed = raw.trim_start();
        if let Some(marker) = fence {
            if trimmed.starts_with(marker)
                && trimmed.trim_start_matches(['`', '~']).trim().is_empty()
            {
                fence = None;
            }
            continue;
        }
        if let Some(marker) = ["```", "~~~"].into_iter().find(|m| trimmed.starts_with(m)) {
            let lang = trimmed.trim_start_matches(['`', '~']).trim().to_lowercase();
            // A whole document wrapped in a markdown fence is read as text.
            if lang != "markdown" && lang != "md" {
                fence = Some(marker);
            }
            continue;
        }
        if trimmed.starts_with('#') {
            stack.clear();
            label = None;
            continue;
        }
        if trimmed.is_empty() {
            continue;
        }
        let indent = raw.len() - trimmed.len();
        match after_marker(trimmed) {
            Some(rest) => {
                while stack.last().is_some_and(|(i, _)| *i >= indent) {
                    stack.pop();
                }
                let text = plain(rest);
                if !rows.contains(&line) {
                    out.push(ListLine {
                        item: doc.items.iter().position(|i| i.line == line),
                        line,
                        text: text.clone(),
                        label: label.clone(),
                        parents: stack.iter().map(|(_, t)| t.clone()).collect(),
                        phase: doc.phases.iter().rposition(|p| p.line <= line),
                    });
                }
                stack.push((indent, text));
            }
            None if indent == 0 => {
                stack.clear();
                let t = plain(trimmed);
                label = t.ends_with(':').then_some(t);
            }
            None => {}
        }
    }
    out
}
