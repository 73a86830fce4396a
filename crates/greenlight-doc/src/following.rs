//! The text people write directly after a code block about what it should
//! give (`- Expected: No changes`, `**Expected:** 200 OK`): collected as
//! plain source lines for the runner to read.

use std::ops::Range;

/// At most this many lines are kept after one block.
const MAX_LINES: usize = 24;

/// The source lines after the block at `range`, blank lines dropped: the
/// paragraph or list directly after it, and the next one when that first
/// one ends with a colon (`Expected output:` then a list). Stops at a
/// heading, fence, table row, task item, HTML block or a line indented
/// less than the block itself.
pub(crate) fn lines_after(text: &str, range: &Range<usize>) -> Vec<String> {
    let Some(head) = text.get(..range.start.min(text.len())) else {
        return Vec::new();
    };
    let line_start = head.rfind('\n').map_or(0, |n| n + 1);
    let fence_indent = head[line_start..]
        .chars()
        .take_while(|c| c.is_whitespace())
        .count();
    let end = range.end.min(text.len());
    let Some(tail) = text.get(end..) else {
        return Vec::new();
    };
    // The closing fence's line may end after `range.end`.
    let tail = if text
        .get(..end)
        .is_some_and(|h| h.ends_with('\n') || h.is_empty())
    {
        tail
    } else {
        tail.split_once('\n').map_or("", |(_, t)| t)
    };
    let mut out: Vec<String> = Vec::new();
    let mut chunks = 0;
    let mut in_chunk = false;
    // Task items under a label (`**Verify response:**` then `- [ ] "ok": true`).
    let mut label_list = false;
    let mut lines = tail.lines();
    while let Some(raw) = lines.next() {
        let line = raw.trim_end_matches('\r');
        let trimmed = line.trim();
        let after_label = out.last().is_some_and(|l| ends_with_colon(l));
        if after_label && is_fence(trimmed) && lead_of(line) >= fence_indent {
            // `Réponse attendue :` then a fenced body: the block is the
            // expectation, kept whole with its fences.
            out.push(trimmed.to_string());
            let indent = lead_of(line);
            for raw in lines.by_ref().take(MAX_FENCED) {
                let l = raw.trim_end_matches('\r');
                let cut = l
                    .char_indices()
                    .take_while(|(i, c)| *i < indent && c.is_whitespace())
                    .last()
                    .map_or(0, |(i, c)| i + c.len_utf8());
                out.push(l[cut..].to_string());
                if is_fence(l.trim()) {
                    break;
                }
            }
            break;
        }
        if !trimmed.is_empty() && is_task(trimmed) && (after_label || label_list) {
            label_list = true;
            if !in_chunk {
                in_chunk = true;
                chunks += 1;
            }
            out.push(trimmed.to_string());
            if out.len() >= MAX_LINES {
                break;
            }
            continue;
        }
        label_list = false;
        if trimmed.is_empty() {
            if in_chunk {
                in_chunk = false;
                let colon = out
                    .last()
                    .is_some_and(|l| l.trim_end_matches('*').ends_with(':'));
                if chunks >= 2 || !colon {
                    break;
                }
            }
            continue;
        }
        let lead = lead_of(line);
        if stops(trimmed) || (lead < fence_indent && (!in_chunk || list_item(trimmed).is_some())) {
            break;
        }
        if !in_chunk {
            in_chunk = true;
            chunks += 1;
        }
        out.push(trimmed.to_string());
        if out.len() >= MAX_LINES {
            break;
        }
    }
    out
}

/// At most this many lines of a fenced block under a label.
const MAX_FENCED: usize = 200;

fn lead_of(line: &str) -> usize {
    line.chars().take_while(|c| c.is_whitespace()).count()
}

fn ends_with_colon(line: &str) -> bool {
    line.trim_end_matches(['*', '_', ' '])
        .ends_with([':', '：'])
}

fn is_fence(line: &str) -> bool {
    line.starts_with("```") || line.starts_with("~~~")
}

fn is_task(line: &str) -> bool {
    list_item(line)
        .is_some_and(|r| r.starts_with("[ ]") || r.starts_with("[x]") || r.starts_with("[X]"))
}

/// The text of a list item line after its marker.
fn list_item(line: &str) -> Option<&str> {
    line.strip_prefix(['-', '*', '+'])
        .filter(|r| r.starts_with(' '))
        .or_else(|| {
            let digits = line.chars().take_while(char::is_ascii_digit).count();
            (digits > 0)
                .then(|| line.get(digits..))
                .flatten()
                .and_then(|r| r.strip_prefix(['.', ')']))
        })
        .map(str::trim_start)
}

fn stops(line: &str) -> bool {
    let item = list_item(line);
    line.starts_with('#')
        || line.starts_with("```")
        || line.starts_with("~~~")
        || line.starts_with('|')
        || line.starts_with('<')
        || item
            .is_some_and(|r| r.starts_with("[ ]") || r.starts_with("[x]") || r.starts_with("[X]"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn after(doc: &str) -> Vec<String> {
        let start = doc.find("```").unwrap_or(0);
        let close = doc[start + 3..]
            .find("```")
            .map_or(doc.len(), |n| start + 3 + n + 3);
        lines_after(doc, &(start..close))
    }

    #[test]
    fn bullets_and_labels_after_a_block() {
        assert_eq!(
            after("```bash\ngit diff\n```\n- Expected: No changes\n\n## Next\n"),
            vec!["- Expected: No changes"]
        );
        assert_eq!(
            after("```bash\ncurl x\n```\n\n**Expected:** 200 OK\n- [ ] next item\n"),
            vec!["**Expected:** 200 OK"]
        );
        assert_eq!(
            after("```bash\ncurl x\n```\nExpected output:\n\n- a\n- b\n\nMore prose\n"),
            vec!["Expected output:", "- a", "- b"]
        );
        assert_eq!(
            after("```bash\ncurl x\n```\n```json\n{}\n```\n"),
            Vec::<String>::new()
        );
    }

    #[test]
    fn a_label_takes_the_fenced_block_or_the_task_list_below_it() {
        assert_eq!(
            after(
                "```bash\ncurl x\n```\n\nRéponse attendue :\n```json\n{\"status\": \"ok\"}\n```\n\nNext\n"
            ),
            vec![
                "Réponse attendue :",
                "```json",
                "{\"status\": \"ok\"}",
                "```"
            ]
        );
        assert_eq!(
            after(
                "```bash\ncurl x\n```\n\n**Verify response:**\n\n- [ ] Status code: 200 OK\n- [ ] `\"ok\": true`\n\n**If any check fails:** roll back\n"
            ),
            vec![
                "**Verify response:**",
                "- [ ] Status code: 200 OK",
                "- [ ] `\"ok\": true`"
            ]
        );
        // Without a label, a task item still ends it.
        assert_eq!(
            after("```bash\ncurl x\n```\nSome prose.\n- [ ] next item\n"),
            vec!["Some prose."]
        );
    }

    #[test]
    fn an_item_at_a_shallower_indent_ends_it() {
        let doc = "1. Deploy\n   ```bash\n   kubectl apply\n   ```\n2. Verify\n";
        let start = doc.find("```").unwrap_or(0);
        let end = doc.rfind("```").map_or(0, |n| n + 3);
        assert_eq!(lines_after(doc, &(start..end)), Vec::<String>::new());
        let doc =
            "1. Deploy\n   ```bash\n   kubectl apply\n   ```\n   Expected: pods ready\n2. Verify\n";
        let end = doc.rfind("```").map_or(0, |n| n + 3);
        assert_eq!(
            lines_after(doc, &(start..end)),
            vec!["Expected: pods ready"]
        );
    }
}
