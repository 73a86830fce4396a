//! Procedures opened inside a section rather than by a heading: a bold
//! label line (`**Rollback:**`, `**If the deploy fails:**`), a bare label
//! line (`Rollback:`), or a `<details>` block whose summary names one.
//!
//! What follows a label belongs to it up to the next heading or the next
//! bold label; a `<details>` block ends at its `</details>`.

use std::ops::Range;

use crate::model::SectionKind;
use crate::section::is_procedure_title;

/// Byte ranges of `text` that hold a procedure opened by a label or a
/// `<details>` block. Fenced code is never read for labels.
pub fn regions(text: &str) -> Vec<Range<usize>> {
    labelled_regions(text).into_iter().map(|(r, _)| r).collect()
}

/// [`regions`], each with the label or summary that opened it.
pub fn labelled_regions(text: &str) -> Vec<(Range<usize>, String)> {
    let mut out: Vec<(Range<usize>, String)> = Vec::new();
    let mut open: Option<(usize, String)> = None;
    let mut details: Option<(usize, Option<String>)> = None;
    let mut fence: Option<&str> = None;
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let start = at;
        at += line.len();
        let trimmed = line.trim();
        if let Some(f) = fence {
            if trimmed.starts_with(f) {
                fence = None;
            }
            continue;
        }
        if let Some(f) = ["```", "~~~"].into_iter().find(|f| trimmed.starts_with(f)) {
            fence = Some(f);
            continue;
        }
        if let Some((from, procedure)) = details.as_ref() {
            if let Some(end) = find_ignore_case(line, "</details>") {
                if let Some(label) = procedure {
                    out.push((*from..start + end + "</details>".len(), label.clone()));
                }
                details = None;
            }
            continue;
        }
        if let Some(d) = find_ignore_case(line, "<details") {
            let summary = summary_text(text.get(start + d..).unwrap_or(""));
            let procedure = summary
                .filter(|s| is_procedure_title(s))
                .map(str::to_string);
            if let Some(end) = find_ignore_case(line, "</details>") {
                if let Some(label) = procedure {
                    out.push((start + d..start + end + "</details>".len(), label));
                }
            } else {
                details = Some((start + d, procedure));
            }
            continue;
        }
        let heading = trimmed.starts_with('#');
        let label = bold_label(trimmed);
        if (heading || label.is_some())
            && let Some((from, l)) = open.take()
        {
            out.push((from..start, l));
        }
        let opens = match label {
            Some(l) => Some(l).filter(|l| is_procedure_title(l)),
            None if !heading => bare_label(trimmed).filter(|l| is_procedure_title(l)),
            None => None,
        };
        if let Some(l) = opens {
            open = Some((start, l.to_string()));
        }
    }
    if let Some((from, l)) = open {
        out.push((from..text.len(), l));
    }
    if let Some((from, Some(l))) = details {
        out.push((from..text.len(), l));
    }
    out
}

/// Whether `offset` lies in one of `regions`.
pub fn within(regions: &[Range<usize>], offset: usize) -> bool {
    regions.iter().any(|r| r.contains(&offset))
}

/// The section kind of something at `offset`: a procedure when a label or
/// `<details>` block opened one there in an ordinary section.
pub fn section_at(kind: SectionKind, regions: &[Range<usize>], offset: usize) -> SectionKind {
    if kind == SectionKind::Normal && within(regions, offset) {
        SectionKind::Rollback
    } else {
        kind
    }
}

/// The label of a line that opens with bold text: `**Rollback:**`,
/// `**Rollback**:`, `__If needed__`. Not a list item.
fn bold_label(line: &str) -> Option<&str> {
    let marker = ["**", "__"].into_iter().find(|m| line.starts_with(m))?;
    let rest = line.get(marker.len()..)?;
    let end = rest.find(marker)?;
    let label = rest.get(..end)?.trim().trim_end_matches(':').trim();
    (!label.is_empty()).then_some(label)
}

/// The label of a short line that is only a label: `Rollback:`.
fn bare_label(line: &str) -> Option<&str> {
    let label = line.strip_suffix(':')?.trim();
    let plain = !label.is_empty()
        && label.chars().count() <= 60
        && !label.starts_with(['-', '*', '+', '>', '|', '<'])
        && !label.chars().next().is_some_and(|c| c.is_ascii_digit());
    plain.then_some(label)
}

/// The text of the `<summary>` in a `<details>` block, markup removed.
fn summary_text(from: &str) -> Option<&str> {
    let open = find_ignore_case(from, "<summary")?;
    let after = from.get(open..)?;
    let body = after.get(after.find('>')? + 1..)?;
    let end = find_ignore_case(body, "</summary>")?;
    let s = body.get(..end)?;
    Some(
        s.trim()
            .trim_matches(|c: char| c == '*' || c == '_' || c.is_whitespace())
            .trim_end_matches(':'),
    )
}

/// Byte offset of `needle` (ASCII) in `haystack`, ignoring ASCII case.
fn find_ignore_case(haystack: &str, needle: &str) -> Option<usize> {
    let (h, n) = (haystack.as_bytes(), needle.as_bytes());
    h.windows(n.len()).position(|w| w.eq_ignore_ascii_case(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(doc: &str) -> Vec<&str> {
        regions(doc).into_iter().map(|r| &doc[r]).collect()
    }

    #[test]
    fn a_bold_label_opens_a_procedure_until_the_next_heading() {
        let doc = "## Deploy\n- [ ] deploy\n\n**Rollback:**\n- [ ] helm rollback\n\n## Verify\n- [ ] ok\n";
        assert_eq!(texts(doc), ["**Rollback:**\n- [ ] helm rollback\n\n"]);
        let doc =
            "**If the deploy fails:** run this\n```bash\n**Deploy:**\n```\n**Verify:**\n- [ ] ok\n";
        assert_eq!(
            texts(doc),
            ["**If the deploy fails:** run this\n```bash\n**Deploy:**\n```\n"]
        );
    }

    #[test]
    fn a_bare_label_opens_one_too() {
        let doc = "Steps\n\nRollback:\n1. revert\n\n# Next\n";
        assert_eq!(texts(doc), ["Rollback:\n1. revert\n\n"]);
        // A list item or a sentence is not a label.
        assert!(regions("- Rollback:\n- Something went wrong and we roll back:\n").len() <= 1);
        assert!(regions("- Rollback:\n").is_empty());
        assert!(regions("Deploy:\n- [ ] x\n").is_empty());
    }

    #[test]
    fn details_with_a_procedure_summary() {
        let doc =
            "<details><summary>Rollback</summary>\n\n- [ ] revert\n\n</details>\n- [ ] after\n";
        assert_eq!(
            texts(doc),
            ["<details><summary>Rollback</summary>\n\n- [ ] revert\n\n</details>"]
        );
        let doc = "<details>\n<summary><b>Troubleshooting</b></summary>\nx\n</details>\n";
        assert_eq!(regions(doc).len(), 1);
        assert!(regions("<details><summary>Logs</summary>\nx\n</details>\n").is_empty());
    }

    #[test]
    fn parsed_items_and_blocks_in_a_labelled_procedure_are_procedure() {
        let doc = "## Deploy\n- [ ] deployed\n\n**Rollback:**\n- [ ] revert\n\n```bash\ntouch x\n```\n\n<details><summary>If the deploy fails</summary>\n\n- [ ] page on-call\n\n</details>\n\n- [ ] after\n\n## Verify\n- [ ] ok\n```bash\ncurl http://127.0.0.1/\n```\n";
        let list = crate::parse(doc.as_bytes());
        let kinds: Vec<(&str, SectionKind)> = list
            .items
            .iter()
            .map(|i| (i.text.as_str(), i.section))
            .collect();
        use SectionKind::*;
        assert_eq!(
            kinds,
            [
                ("deployed", Normal),
                ("revert", Rollback),
                ("page on-call", Rollback),
                // The bold label's procedure runs to the next heading.
                ("after", Rollback),
                ("ok", Normal),
            ]
        );
        let procedure: Vec<bool> = list.steps.iter().map(|s| s.procedure).collect();
        assert_eq!(procedure, [true, false]);
    }

    #[test]
    fn any_input_is_safe() {
        for doc in [
            "**",
            "**é:",
            "<details",
            "<details><summary>é",
            "```\n",
            "é:\n**",
        ] {
            let _ = regions(doc);
        }
    }
}
