//! Bytes to [`Checklist`]: one pass over pulldown-cmark's events collects
//! headings, list entries, code blocks, tables and prose lines; a second pass
//! decides which entries are items, attaches steps, and derives severity,
//! sign-off slots and identifiers.

use crate::encoding::{self, Decoded, Mojibake};
use crate::ident::{PathHash, normalize};
use crate::model::*;
use crate::{budget, procedure, section, severity, signoff};
use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};
use std::collections::HashMap;
use std::ops::Range;

/// Parses a checklist from the file's bytes. Never fails: any bytes are some
/// Markdown, and malformed Markdown parses into whatever CommonMark says.
pub fn parse(bytes: &[u8]) -> Checklist {
    parse_with(bytes, ItemsMode::Auto)
}

/// [`parse`], choosing which list items become items: see [`ItemsMode`].
/// Table checklists become items in every mode but `checkboxes`.
pub fn parse_with(bytes: &[u8], mode: ItemsMode) -> Checklist {
    let mut decoded = encoding::decode(bytes);
    if let Some(text) = unwrap_markdown_fences(&decoded.text) {
        decoded.text = text;
    }
    let mojibake = encoding::detect_mojibake(&decoded.text);
    let lines = LineIndex::new(bytes);
    let ctx = Ctx {
        decoded: &decoded,
        lines: &lines,
        mojibake,
    };
    let mut raw = collect(&ctx);
    recover_loose_tables(&ctx, &mut raw);
    let mut list = assemble(&ctx, raw, mode);
    list.source = SourceInfo {
        encoding: decoded.encoding,
        bom: decoded.bom,
        line_endings: line_endings(bytes, &lines),
        mojibake,
        bytes: bytes.len(),
        lines: lines.count(),
    };
    list
}

/// A checklist wrapped in a ```` ```markdown ```` fence (the whole document,
/// or a part of it, pasted as an example) is the document: its fence lines
/// are blanked, byte for byte, so what is inside reads as Markdown and
/// every offset stays where it was. Only fences holding task items
/// (`- [ ]`) are unwrapped. Fences inside it (```` ```bash ````) stay.
fn unwrap_markdown_fences(text: &str) -> Option<String> {
    let mut blank: Vec<std::ops::Range<usize>> = Vec::new();
    let mut at = 0;
    // (start of the opening line, its end, fence char, length, inner open)
    let mut outer: Option<(usize, usize, char, usize, bool)> = None;
    let mut has_tasks = false;
    let mut plain: Option<(char, usize)> = None;
    for line in text.split_inclusive('\n') {
        let start = at;
        at += line.len();
        let body = line.trim_end_matches(['\n', '\r']);
        let trimmed = body.trim_start();
        let indent = body.len() - trimmed.len();
        let fence = ['`', '~'].into_iter().find_map(|c| {
            let n = trimmed.chars().take_while(|&x| x == c).count();
            (n >= 3).then(|| (c, n, trimmed[n..].trim()))
        });
        if let Some((c, n, inner)) = outer.as_mut().map(|o| (o.2, o.3, &mut o.4)) {
            let lower = trimmed
                .trim_start_matches(['-', '*', '+', ' '])
                .to_ascii_lowercase();
            if lower.starts_with("[ ]") || lower.starts_with("[x]") {
                has_tasks = true;
            }
            if let Some((fc, fnum, info)) = fence {
                if fc == c && fnum >= n && info.is_empty() && !*inner {
                    let (open_start, open_end, ..) = outer.take().unwrap_or_default();
                    if has_tasks {
                        blank.push(open_start..open_end);
                        blank.push(start..start + body.len());
                    }
                    has_tasks = false;
                } else if fc == c && info.is_empty() {
                    *inner = false;
                } else if !info.is_empty() {
                    *inner = true;
                }
            }
            continue;
        }
        if let Some((c, n)) = plain {
            if fence.is_some_and(|(fc, fnum, info)| fc == c && fnum >= n && info.is_empty()) {
                plain = None;
            }
            continue;
        }
        if let Some((c, n, info)) = fence {
            let lang = info
                .split_whitespace()
                .next()
                .unwrap_or("")
                .to_ascii_lowercase();
            if indent < 4 && (lang == "markdown" || lang == "md") && !under_template(text, start) {
                outer = Some((start, start + body.len(), c, n, false));
                has_tasks = false;
            } else {
                plain = Some((c, n));
            }
        }
    }
    if blank.is_empty() {
        return None;
    }
    let mut out = text.as_bytes().to_vec();
    for r in blank {
        for b in &mut out[r] {
            *b = b' ';
        }
    }
    String::from_utf8(out).ok()
}

/// Whether the nearest heading above `at` announces a template or an
/// example (`Deployment Log Entry Template`, `部署记录模板`): a fence there
/// is a form to copy, not the checklist.
fn under_template(text: &str, at: usize) -> bool {
    let head = text.get(..at).unwrap_or("");
    let Some(heading) = head.lines().rev().find(|l| l.trim_start().starts_with('#')) else {
        return false;
    };
    let h = heading.to_lowercase();
    [
        "template",
        "example",
        "sample",
        "vorlage",
        "beispiel",
        "modèle",
        "exemple",
        "plantilla",
        "ejemplo",
        "modelo",
        "exemplo",
        "esempio",
        "模板",
        "示例",
        "范例",
        "範例",
        "テンプレート",
        "템플릿",
        "예시",
        "şablon",
        "örnek",
        "шаблон",
        "пример",
    ]
    .iter()
    .any(|w| h.contains(w))
}

struct Ctx<'a> {
    decoded: &'a Decoded,
    lines: &'a LineIndex,
    mojibake: Option<Mojibake>,
}

impl Ctx<'_> {
    fn span(&self, range: &Range<usize>) -> Span {
        let start = self.decoded.source_offset(range.start);
        let end = self.decoded.source_offset(range.end);
        let (line, col) = self.lines.line_col(start);
        Span {
            start,
            end,
            line,
            col,
        }
    }

    /// [`Ctx::clean`] for an owned string: no new allocation when the
    /// text is already clean (the common case).
    fn clean_owned(&self, text: String) -> String {
        let needs_repair = self.mojibake.is_some() && !text.is_ascii();
        let tidy = !text.starts_with(char::is_whitespace)
            && !text.ends_with(char::is_whitespace)
            && !text.contains(['\n', '\t', '\r'])
            && !text.contains("  ");
        if !needs_repair && tidy {
            text
        } else {
            self.clean(&text)
        }
    }

    /// The text with its mojibake undone, whitespace kept (code and the
    /// lines after a block, which the plan reads).
    fn repaired(&self, text: String) -> String {
        match self.mojibake {
            Some(kind) if !text.is_ascii() => encoding::repair_mojibake(&text, kind).into_owned(),
            _ => text,
        }
    }

    /// Display text: mojibake repaired, whitespace collapsed.
    fn clean(&self, text: &str) -> String {
        let text = match self.mojibake {
            Some(kind) => encoding::repair_mojibake(text, kind),
            None => text.into(),
        };
        normalize(&text)
    }
}

/// The one line between two blocks when it is a label ending in a colon
/// (`Expected response:`, `**Erwartete Ausgabe:**`).
fn label_between(text: &str, end: usize, start: usize) -> Option<String> {
    let between = text.get(end..start)?;
    let mut lines = between
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("```") && !l.starts_with("~~~"));
    let label = lines.next()?;
    let bare = label.trim_end_matches(['*', '_', ' ']);
    (lines.next().is_none() && bare.ends_with([':', '：']) && label.chars().count() <= 80)
        .then(|| label.to_string())
}

/// Start offsets of every line of the original bytes.
struct LineIndex(Vec<usize>);

impl LineIndex {
    fn new(bytes: &[u8]) -> Self {
        let mut starts = vec![0];
        starts.extend(
            bytes
                .iter()
                .enumerate()
                .filter(|(_, b)| **b == b'\n')
                .map(|(i, _)| i + 1),
        );
        LineIndex(starts)
    }

    fn line_col(&self, offset: usize) -> (usize, usize) {
        let line = self.0.partition_point(|&s| s <= offset);
        (line, offset - self.0[line - 1] + 1)
    }

    fn count(&self) -> usize {
        // A trailing newline does not open a further line.
        self.0.len() - usize::from(self.0.len() > 1)
    }
}

fn line_endings(bytes: &[u8], lines: &LineIndex) -> &'static str {
    // Every line start after the first follows a `\n`.
    let lf = lines.0.len() - 1;
    let crlf = lines.0[1..]
        .iter()
        .filter(|&&start| start >= 2 && bytes[start - 2] == b'\r')
        .count();
    match (crlf, lf) {
        (0, _) => "lf",
        (c, l) if c == l => "crlf",
        _ => "mixed",
    }
}

// ---------------------------------------------------------------------------
// First pass: events to raw parts.

struct RawHeading {
    level: u8,
    range: Range<usize>,
    text: String,
}

struct Entry {
    range: Range<usize>,
    task: Option<(bool, Range<usize>)>,
    text: String,
    text_done: bool,
    inline_code: Vec<String>,
    parent: Option<usize>,
    ordered: bool,
    /// Number of enclosing lists, 1 for a top-level list.
    list_depth: usize,
    phase: Option<usize>,
}

struct RawCode {
    range: Range<usize>,
    fenced: bool,
    lang: Option<String>,
    code: String,
    entry: Option<usize>,
    phase: Option<usize>,
}

struct RawTable {
    range: Range<usize>,
    phase: Option<usize>,
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    /// Byte offset where each body row starts.
    row_starts: Vec<usize>,
}

/// A line of a paragraph outside any list entry.
struct ProseLine {
    range: Range<usize>,
    /// The rendered text, kept only for lines with a blank (`___`), the one
    /// thing prose lines are read for (sign-off slots); empty otherwise.
    text: String,
    phase: Option<usize>,
}

struct RawAnnotation {
    range: Range<usize>,
    text: String,
    after_code: Option<usize>,
    entry: Option<usize>,
}

#[derive(Default)]
struct Raw {
    headings: Vec<RawHeading>,
    entries: Vec<Entry>,
    codes: Vec<RawCode>,
    tables: Vec<RawTable>,
    prose: Vec<ProseLine>,
    annotations: Vec<RawAnnotation>,
    front_matter: Option<Range<usize>>,
}

fn collect(ctx: &Ctx) -> Raw {
    let text = ctx.decoded.text.as_str();
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_YAML_STYLE_METADATA_BLOCKS
        | Options::ENABLE_PLUSES_DELIMITED_METADATA_BLOCKS;
    let mut raw = Raw::default();
    let mut heading: Option<RawHeading> = None;
    let mut lists: Vec<bool> = Vec::new();
    let mut entry_stack: Vec<usize> = Vec::new();
    let mut code: Option<RawCode> = None;
    let mut table: Option<RawTable> = None;
    let mut row: Vec<String> = Vec::new();
    let mut cell: Option<String> = None;
    let mut in_table_head = false;
    // A paragraph outside entries: its text, split into lines as it goes.
    let mut para: Option<(usize, String)> = None;
    let mut last_block_was_code: Option<usize> = None;
    let mut phase: Option<usize> = None;

    for (event, range) in Parser::new_ext(text, options).into_offset_iter() {
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                heading = Some(RawHeading {
                    level: level as u8,
                    range,
                    text: String::new(),
                });
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some(h) = heading.take() {
                    raw.headings.push(h);
                    phase = Some(raw.headings.len() - 1);
                }
                last_block_was_code = None;
            }
            Event::Start(Tag::List(first)) => {
                if let Some(&top) = entry_stack.last() {
                    raw.entries[top].text_done = true;
                }
                lists.push(first.is_some());
            }
            Event::End(TagEnd::List(_)) => {
                lists.pop();
            }
            Event::Start(Tag::Item) => {
                raw.entries.push(Entry {
                    range,
                    task: None,
                    text: String::new(),
                    text_done: false,
                    inline_code: Vec::new(),
                    parent: entry_stack.last().copied(),
                    ordered: lists.last().copied().unwrap_or(false),
                    list_depth: lists.len(),
                    phase,
                });
                entry_stack.push(raw.entries.len() - 1);
                last_block_was_code = None;
            }
            Event::End(TagEnd::Item) => {
                entry_stack.pop();
            }
            Event::TaskListMarker(checked) => {
                if let Some(&top) = entry_stack.last() {
                    raw.entries[top].task = Some((checked, range));
                }
            }
            Event::Start(Tag::Paragraph) => match entry_stack.last() {
                Some(&top) => {
                    if !raw.entries[top].text.trim().is_empty() {
                        raw.entries[top].text_done = true;
                    }
                }
                None => para = Some((range.start, String::new())),
            },
            Event::End(TagEnd::Paragraph) => {
                if let Some(&top) = entry_stack.last() {
                    if !raw.entries[top].text.trim().is_empty() {
                        raw.entries[top].text_done = true;
                    }
                } else if let Some((start, buf)) = para.take() {
                    push_prose(&mut raw.prose, text, start, &buf, phase);
                }
                last_block_was_code = None;
            }
            Event::Start(Tag::CodeBlock(kind)) => {
                if let Some(&top) = entry_stack.last() {
                    raw.entries[top].text_done = true;
                }
                let (fenced, lang) = match kind {
                    CodeBlockKind::Fenced(info) => {
                        let lang = info.split_whitespace().next().map(str::to_string);
                        (true, lang.filter(|l| !l.is_empty()))
                    }
                    CodeBlockKind::Indented => (false, None),
                };
                code = Some(RawCode {
                    range,
                    fenced,
                    lang,
                    code: String::new(),
                    entry: entry_stack.last().copied(),
                    phase,
                });
            }
            Event::End(TagEnd::CodeBlock) => {
                if let Some(c) = code.take() {
                    raw.codes.push(c);
                    last_block_was_code = Some(raw.codes.len() - 1);
                }
            }
            Event::Start(Tag::Table(_)) => {
                table = Some(RawTable {
                    range,
                    phase,
                    header: Vec::new(),
                    rows: Vec::new(),
                    row_starts: Vec::new(),
                });
            }
            Event::End(TagEnd::Table) => {
                raw.tables.extend(table.take());
                last_block_was_code = None;
            }
            Event::Start(Tag::TableHead) => in_table_head = true,
            Event::End(TagEnd::TableHead) => {
                in_table_head = false;
                if let Some(t) = table.as_mut() {
                    t.header = std::mem::take(&mut row);
                }
            }
            Event::Start(Tag::TableRow) => {
                row.clear();
                if let Some(t) = table.as_mut() {
                    t.row_starts.push(range.start);
                }
            }
            Event::End(TagEnd::TableRow) => {
                if let Some(t) = table.as_mut().filter(|_| !in_table_head) {
                    t.rows.push(std::mem::take(&mut row));
                }
            }
            Event::Start(Tag::TableCell) => cell = Some(String::new()),
            Event::End(TagEnd::TableCell) => row.push(ctx.clean(&cell.take().unwrap_or_default())),
            Event::Start(Tag::MetadataBlock(_)) => raw.front_matter = Some(range),
            Event::Html(html) | Event::InlineHtml(html) => {
                if let Some(body) = annotation_body(&html) {
                    raw.annotations.push(RawAnnotation {
                        range,
                        text: body,
                        after_code: last_block_was_code,
                        entry: entry_stack.last().copied(),
                    });
                }
            }
            Event::Text(_) | Event::Code(_) => {
                let (t, is_code) = match event {
                    Event::Code(t) => (t, true),
                    Event::Text(t) => (t, false),
                    _ => unreachable!("matched above"),
                };
                if let Some(c) = code.as_mut() {
                    c.code.push_str(&t);
                } else if let Some(h) = heading.as_mut() {
                    h.text.push_str(&t);
                } else if let Some(c) = cell.as_mut() {
                    c.push_str(&t);
                } else if let Some(e) = entry_stack
                    .last()
                    .map(|&top| &mut raw.entries[top])
                    .filter(|e| !e.text_done)
                {
                    if is_code {
                        e.text.push('`');
                        e.text.push_str(&t);
                        e.text.push('`');
                        e.inline_code.push(t.to_string());
                    } else {
                        e.text.push_str(&t);
                    }
                } else if let Some((_, buf)) = para.as_mut() {
                    buf.push_str(&t);
                }
            }
            Event::SoftBreak | Event::HardBreak => {
                if let Some(h) = heading.as_mut() {
                    h.text.push(' ');
                } else if let Some(e) = entry_stack
                    .last()
                    .map(|&top| &mut raw.entries[top])
                    .filter(|e| !e.text_done)
                {
                    e.text.push(' ');
                } else if let Some((_, buf)) = para.as_mut() {
                    buf.push('\n');
                }
            }
            _ => {}
        }
    }
    raw
}

/// Splits a paragraph into its lines, each with its own range. Paragraph
/// lines map one to one onto source lines, so the n-th line of the text
/// starts on the n-th non-blank source line from the paragraph's start.
fn push_prose(out: &mut Vec<ProseLine>, text: &str, start: usize, buf: &str, phase: Option<usize>) {
    let mut offset = start;
    for line in buf.split('\n') {
        let end = text[offset..].find('\n').map_or(text.len(), |n| offset + n);
        out.push(ProseLine {
            range: offset..end,
            text: if crate::signoff::has_blank(line) {
                line.to_string()
            } else {
                String::new()
            },
            phase,
        });
        offset = (end + 1).min(text.len());
    }
}

/// Pipe tables whose rows are separated by blank lines (documents that were
/// double-spaced on the way through some editor) are not tables to
/// CommonMark: each row is a one-line paragraph. A header row, then a
/// delimiter row (`|---|---|`), then rows, with nothing but blank lines
/// between them, is read as the table its author meant.
fn recover_loose_tables(ctx: &Ctx, raw: &mut Raw) {
    let text = ctx.decoded.text.as_str();
    let is_row = |l: &ProseLine| {
        let t = text[l.range.clone()].trim();
        t.len() >= 2 && t.starts_with('|') && t.ends_with('|')
    };
    let only_blank_between = |a: &ProseLine, b: &ProseLine| {
        a.range.end <= b.range.start && text[a.range.end..b.range.start].trim().is_empty()
    };
    let mut found = Vec::new();
    let prose = &raw.prose;
    let mut i = 0;
    while i + 1 < prose.len() {
        let (head, delim) = (&prose[i], &prose[i + 1]);
        let loose = is_row(head)
            && is_row(delim)
            && only_blank_between(head, delim)
            && text[head.range.end..delim.range.start]
                .matches('\n')
                .count()
                >= 2
            && is_delimiter_row(&text[delim.range.clone()]);
        if !loose {
            i += 1;
            continue;
        }
        let mut rows = Vec::new();
        let mut row_starts = Vec::new();
        let mut last = i + 1;
        while last + 1 < prose.len()
            && is_row(&prose[last + 1])
            && only_blank_between(&prose[last], &prose[last + 1])
        {
            last += 1;
            rows.push(split_row(ctx, &text[prose[last].range.clone()]));
            row_starts.push(prose[last].range.start);
        }
        found.push(RawTable {
            range: head.range.start..prose[last].range.end,
            phase: head.phase,
            header: split_row(ctx, &text[head.range.clone()]),
            rows,
            row_starts,
        });
        i = last + 1;
    }
    if !found.is_empty() {
        raw.tables.extend(found);
        raw.tables.sort_by_key(|t| t.range.start);
    }
}

fn is_delimiter_row(row: &str) -> bool {
    let cells: Vec<&str> = row.trim().trim_matches('|').split('|').collect();
    !cells.is_empty()
        && cells.iter().all(|c| {
            let c = c.trim();
            let dashes = c.trim_start_matches(':').trim_end_matches(':');
            !dashes.is_empty() && dashes.bytes().all(|b| b == b'-')
        })
}

fn split_row(ctx: &Ctx, row: &str) -> Vec<String> {
    let inner = row.trim().strip_prefix('|').unwrap_or(row);
    let inner = inner.strip_suffix('|').unwrap_or(inner);
    let mut cells = Vec::new();
    let mut cell = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('|') => cell.push('|'),
                Some(other) => {
                    cell.push('\\');
                    cell.push(other);
                }
                None => cell.push('\\'),
            },
            '|' => cells.push(ctx.clean(std::mem::take(&mut cell).trim())),
            c => cell.push(c),
        }
    }
    cells.push(ctx.clean(cell.trim()));
    cells
}

fn annotation_body(html: &str) -> Option<String> {
    let inner = html.trim().strip_prefix("<!--")?.trim_end();
    let inner = inner.strip_suffix("-->").unwrap_or(inner).trim();
    let body = inner.strip_prefix("greenlight:")?;
    Some(body.trim().to_string())
}

// ---------------------------------------------------------------------------
// Second pass: raw parts to the model.

fn assemble(ctx: &Ctx, mut raw: Raw, mode: ItemsMode) -> Checklist {
    let (phases, phase_hash) = build_phases(ctx, &raw.headings);
    let labelled = procedure::labelled_regions(&ctx.decoded.text);
    let procedures: Vec<Range<usize>> = labelled.iter().map(|(r, _)| r.clone()).collect();
    // Clean every entry's text once; everything below reads the clean text.
    for e in &mut raw.entries {
        e.text = ctx.clean_owned(std::mem::take(&mut e.text));
    }

    // Which entries are items: every task entry; and in a section without
    // task entries, top-level ordered entries (runbook steps).
    // Indexed by phase + 1 (0: before any heading).
    let mut sections_with_tasks = vec![false; phases.len() + 1];
    for e in raw.entries.iter().filter(|e| e.task.is_some()) {
        sections_with_tasks[e.phase.map_or(0, |p| p + 1)] = true;
    }
    let bullets = match mode {
        ItemsMode::Auto => !sections_with_tasks.iter().any(|t| *t),
        ItemsMode::Bullets => true,
        ItemsMode::Checkboxes => false,
    };
    let mut entry_item: Vec<Option<usize>> = vec![None; raw.entries.len()];
    let mut has_children = vec![false; raw.entries.len()];
    for e in &raw.entries {
        if let Some(p) = e.parent {
            has_children[p] = true;
        }
    }
    let mut items: Vec<Item> = Vec::new();
    let mut expected_after: Vec<(usize, String)> = Vec::new();
    let mut label_children: Vec<usize> = Vec::new();
    for (i, e) in raw.entries.iter().enumerate() {
        let top = e.list_depth == 1 && e.parent.is_none();
        // `- Expected:` over nested bullets is what the item above should
        // give, not an item: its words go to that item.
        if e.task.is_none()
            && top
            && has_children[i]
            && is_expectation_label(&e.text)
            && let Some(prev) = items.last()
            && (bullets || prev.kind == ItemKind::RunbookStep)
            && let Some(prev_entry) = entry_item.iter().rposition(|x| *x == Some(prev.index))
        {
            let said: Vec<&str> = raw
                .entries
                .iter()
                .filter(|c| c.parent == Some(i))
                .map(|c| c.text.trim())
                .filter(|t| !t.is_empty())
                .collect();
            let label = e.text.trim().trim_end_matches(':').trim();
            expected_after.push((prev_entry, format!(" — {label}: {}", said.join("; "))));
            continue;
        }
        let kind = if e.task.is_some() {
            ItemKind::Task
        } else if e.ordered
            && top
            && !sections_with_tasks[e.phase.map_or(0, |p| p + 1)]
            && !e.text.trim().is_empty()
            && !in_background(&phases, e.phase)
        {
            ItemKind::RunbookStep
        } else if bullets && is_owed_list_item(ctx, e, &phases) {
            ItemKind::ListItem
        } else if bullets
            && e.list_depth == 2
            && !e.text.trim().is_empty()
            && e.parent.is_some_and(|p| {
                raw.entries[p].task.is_none()
                    && entry_item[p].is_some()
                    && is_label(&raw.entries[p].text)
            })
        {
            // `5. Validate:` over nested bullets: each bullet is owed,
            // read with its label (`Validate: …`).
            label_children.push(i);
            ItemKind::ListItem
        } else {
            continue;
        };
        let parent = ancestor_item(&raw.entries, &entry_item, e.parent);
        let depth = parent.map_or(0, |p: usize| items[p].depth + 1);
        let index = items.len();
        if let Some(p) = parent {
            items[p].children.push(index);
        }
        let (checked, checkbox) = match &e.task {
            Some((checked, range)) => (*checked, Some(ctx.span(range))),
            None => (false, None),
        };
        let span = ctx.span(&e.range);
        let section = procedure::section_at(
            e.phase.map_or(SectionKind::Normal, |p| phases[p].kind),
            &procedures,
            e.range.start,
        );
        items.push(Item {
            id: String::new(),
            index,
            kind,
            span,
            line: span.line,
            checkbox,
            checked,
            // Moved in below, once every item exists.
            text: String::new(),
            inline_code: Vec::new(),
            depth,
            parent,
            children: Vec::new(),
            phase: e.phase,
            severity: Severity::Required,
            section,
            steps: Vec::new(),
            signoff: None,
            table: None,
            mark: None,
            outcome: None,
        });
        entry_item[i] = Some(index);
    }

    for (entry, said) in expected_after {
        raw.entries[entry].text.push_str(&said);
    }
    // An item owns its entry's text from here on.
    for (i, it) in entry_item.iter().enumerate() {
        if let Some(it) = *it {
            items[it].text = std::mem::take(&mut raw.entries[i].text);
            items[it].inline_code = std::mem::take(&mut raw.entries[i].inline_code);
        }
    }
    for e in label_children {
        if let Some(child) = entry_item[e]
            && let Some(parent) = items[child].parent
        {
            items[child].text = format!("{} {}", items[parent].text, items[child].text);
        }
    }
    let entry_text = |i: usize| -> &str {
        match entry_item[i] {
            Some(it) => &items[it].text,
            None => &raw.entries[i].text,
        }
    };

    // Severity: own label (or a `Status: …` line among the entry's plain
    // children), else the parent item's, else the nearest heading's.
    let mut own_label: Vec<Option<Severity>> = vec![None; items.len()];
    for (i, e) in raw.entries.iter().enumerate() {
        let label = severity::label_severity(entry_text(i));
        if label.is_none() {
            continue;
        }
        let target = match entry_item[i] {
            Some(item) => Some(item),
            None => ancestor_item(&raw.entries, &entry_item, e.parent),
        };
        if let Some(t) = target {
            own_label[t] = own_label[t].or(label);
        }
    }
    for i in 0..items.len() {
        let inherited = match items[i].parent {
            Some(p) => Some(items[p].severity),
            None => heading_severity(&phases, items[i].phase),
        };
        items[i].severity = own_label[i].or(inherited).unwrap_or(Severity::Required);
    }

    // Procedures and decisions written as items.
    let item_procedure =
        crate::shapes::item_procedures(&mut items, &raw_code_items(&raw, &entry_item));
    crate::shapes::readiness_sections(&mut items, &phases);
    crate::shapes::decisions(&mut items);

    // Steps: attach each code block to the nearest enclosing item, else to
    // its section.
    let mut phases = phases;
    let mut steps = Vec::with_capacity(raw.codes.len());
    let mut prev_end: Option<usize> = None;
    for (index, c) in std::mem::take(&mut raw.codes).into_iter().enumerate() {
        let under_label = prev_end
            .and_then(|end| label_between(&ctx.decoded.text, end, c.range.start))
            .map(|label| (index - 1, ctx.repaired(label)));
        prev_end = Some(c.range.end);
        let item = ancestor_item(&raw.entries, &entry_item, c.entry);
        let span = ctx.span(&c.range);
        let code_line = if c.fenced { span.line + 1 } else { span.line };
        match item {
            Some(it) => items[it].steps.push(index),
            None => {
                if let Some(p) = c.phase {
                    phases[p].steps.push(index);
                }
            }
        }
        steps.push(Step {
            index,
            span,
            line: span.line,
            code_line,
            fenced: c.fenced,
            lang: c.lang,
            // The plan reads what the author wrote: mojibake undone (`预期：401`
            // rather than its garbled bytes). Spans stay on the original.
            code: ctx.repaired(c.code),
            item,
            phase: c.phase,
            procedure: procedure::within(&procedures, c.range.start)
                || item.is_some_and(|it| item_procedure[it]),
            after: crate::following::lines_after(&ctx.decoded.text, &c.range)
                .into_iter()
                .map(|l| ctx.repaired(l))
                .collect(),
            under_label,
        });
    }

    let signoffs = find_signoffs(ctx, &raw, &entry_item, &mut items, &phase_hash);
    let list_items = items
        .iter()
        .filter(|i| i.kind == ItemKind::ListItem)
        .count();
    let table_rows = if mode == ItemsMode::Checkboxes {
        0
    } else {
        add_table_items(ctx, &raw, &phases, &mut items)
    };
    let choices = add_choice_items(ctx, &raw, &phases, &procedures, bullets, &mut items);

    // Identifiers from names, never positions: the heading path, the
    // parent items' texts (already whitespace-normalized by `clean`) and
    // the item's own text, hashed once per heading and extended per item
    // (parents come before their children).
    let mut item_hash: Vec<PathHash> = Vec::with_capacity(items.len());
    let mut seen = Seen::default();
    for item in items.iter_mut() {
        let base = match (item.parent, item.phase) {
            (Some(p), _) => item_hash[p],
            (None, Some(p)) => phase_hash[p],
            (None, None) => PathHash::default(),
        };
        let hash = base.with(&item.text);
        item_hash.push(hash);
        item.id = dedupe(&mut seen, hash.id(""));
    }

    let tables = raw
        .tables
        .iter()
        .enumerate()
        .map(|(index, t)| {
            let span = ctx.span(&t.range);
            Table {
                index,
                span,
                line: span.line,
                phase: t.phase,
                header: t.header.clone(),
                rows: t.rows.clone(),
                row_lines: t
                    .row_starts
                    .iter()
                    .map(|&b| ctx.span(&(b..b)).line)
                    .collect(),
            }
        })
        .collect();

    // Items come in document order, so the last item starting before an
    // annotation is found by bisection (a scan per annotation made many
    // annotations quadratic); the scan stays as a fallback.
    let items_in_order = items.is_sorted_by_key(|i| i.span.start);
    let last_item_before = |start: usize| {
        if items_in_order {
            let after = items.partition_point(|i| i.span.start < start);
            after.checked_sub(1).map(|i| items[i].index)
        } else {
            items
                .iter()
                .rev()
                .find(|i| i.span.start < start)
                .map(|i| i.index)
        }
    };
    let annotations = raw
        .annotations
        .iter()
        .map(|a| {
            let span = ctx.span(&a.range);
            let step = a.after_code;
            let item = step
                .and_then(|s| steps[s].item)
                .or_else(|| ancestor_item(&raw.entries, &entry_item, a.entry))
                .or_else(|| last_item_before(span.start));
            Annotation {
                span,
                line: span.line,
                text: a.text.clone(),
                step,
                item,
            }
        })
        .collect();

    let procedures = procedure_labels(ctx, &labelled, &items, &item_procedure);
    let title = phases
        .iter()
        .find(|p| p.level == 1)
        .map(|p| p.title.clone());
    Checklist {
        schema: DOC_SCHEMA,
        source: SourceInfo {
            encoding: encoding::SourceEncoding::Utf8,
            bom: false,
            line_endings: "lf",
            mojibake: None,
            bytes: 0,
            lines: 0,
        },
        title,
        front_matter: raw.front_matter.as_ref().map(|r| ctx.span(r)),
        phases,
        items,
        steps,
        tables,
        signoffs,
        annotations,
        procedures,
        items_from: items_from(mode, bullets, list_items, table_rows + choices),
    }
}

/// Whether a heading (or one above it) introduces background rather than
/// things to do: Context, Background, Overview, Notes, Assumptions, "Why
/// …", in several languages. Prose bullets there are facts, not items.
fn in_background(phases: &[Phase], mut at: Option<usize>) -> bool {
    while let Some(h) = at {
        if is_background_heading(&phases[h].title) {
            return true;
        }
        at = phases[h].parent;
    }
    false
}

fn is_background_heading(title: &str) -> bool {
    let lower = title.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        // `1.`, `A.`: numbering.
        .filter(|w| !w.chars().all(|c| c.is_ascii_digit()))
        .collect();
    let first = words.first().copied().unwrap_or("");
    const FIRST: &[&str] = &[
        "context",
        "background",
        "overview",
        "notes",
        "note",
        "assumptions",
        "why",
        "about",
        "glossary",
        "kontext",
        "hintergrund",
        "überblick",
        "übersicht",
        "hinweise",
        "annahmen",
        "contexte",
        "aperçu",
        "remarques",
        "hypothèses",
        "contexto",
        "antecedentes",
        "notas",
        "supuestos",
        "premissas",
        "contesto",
        "panoramica",
        "ipotesi",
        "背景",
        "概要",
        "概述",
        "说明",
        "說明",
        "前提",
        "배경",
        "개요",
        "참고",
        "bağlam",
        "notlar",
        "varsayımlar",
        "контекст",
        "предпосылки",
        "примечания",
        "bối",
    ];
    FIRST.contains(&first)
        || [
            "visão geral",
            "genel bakış",
            "bối cảnh",
            "why this",
            "resumen general",
        ]
        .iter()
        .any(|p| lower.contains(p))
}

/// Whether an item's text is only a label over what is nested under it:
/// `Validate:`, `Command:`, `For each node:`.
fn is_label(text: &str) -> bool {
    let t = text.trim().trim_end_matches(['*', '_']).trim();
    // A long sentence ending in a colon is a task with details under it.
    (t.ends_with(':') || t.ends_with('：')) && t.split_whitespace().count() <= 12
}

/// Whether a list item is a label for what the item above should give:
/// `Expected:`, `**Expected result:**`, `Erwartet:`, `预期：`.
fn is_expectation_label(text: &str) -> bool {
    let t = text.trim().trim_matches(['*', '_']).trim();
    let Some(label) = t.strip_suffix(':').or_else(|| t.strip_suffix('：')) else {
        return false;
    };
    let label = label.trim().trim_matches(['*', '_']).trim().to_lowercase();
    [
        "expected",
        "expect",
        "expected result",
        "expected results",
        "expected output",
        "expected response",
        "expected outcome",
        "erwartet",
        "erwartetes ergebnis",
        "erwartete ausgabe",
        "attendu",
        "résultat attendu",
        "réponse attendue",
        "esperado",
        "resultado esperado",
        "estado esperado",
        "risultato atteso",
        "atteso",
        "预期",
        "预期结果",
        "預期",
        "預期結果",
        "期待",
        "期待結果",
        "期待値",
        "예상",
        "예상 결과",
        "기대 결과",
        "beklenen",
        "beklenen sonuç",
        "ожидается",
        "ожидаемый результат",
        "mong đợi",
        "kết quả mong đợi",
        "hasil yang diharapkan",
    ]
    .contains(&label.as_str())
}

/// A top-level list entry under a heading of a normal section (not a
/// rollback or monitoring procedure, not a table of contents or list of
/// references), with text that is more than a link: a thing people owe.
fn is_owed_list_item(ctx: &Ctx, e: &Entry, phases: &[Phase]) -> bool {
    let Some(p) = e.phase else {
        return false;
    };
    if e.list_depth != 1 || e.parent.is_some() || e.text.trim().is_empty() {
        return false;
    }
    let mut at = Some(p);
    while let Some(h) = at {
        if crate::tablelist::is_reference_heading(&phases[h].title) {
            return false;
        }
        at = phases[h].parent;
    }
    if in_background(phases, Some(p)) {
        return false;
    }
    if phases[p].kind != SectionKind::Normal {
        return false;
    }
    // `- [Setup](#setup)`, `- https://…`: navigation, not a task.
    let src = ctx.decoded.text.get(e.range.clone()).unwrap_or("");
    let body = src
        .trim_start()
        .trim_start_matches(|c: char| {
            c.is_ascii_digit() || matches!(c, '-' | '*' | '+' | '.' | ')')
        })
        .trim();
    let link_only = body.starts_with('[')
        && body.ends_with(')')
        && body.matches("](").count() == 1
        && !body.contains('\n');
    !(link_only || body.starts_with("http://") || body.starts_with("https://"))
}

/// Rows of table checklists become items, appended after the list items
/// (the plan orders items by position). Returns how many.
fn add_table_items(ctx: &Ctx, raw: &Raw, phases: &[Phase], items: &mut Vec<Item>) -> usize {
    let mut added = 0;
    for (t, table) in raw.tables.iter().enumerate() {
        let section = table.phase.map_or(SectionKind::Normal, |p| phases[p].kind);
        if section != SectionKind::Normal {
            continue;
        }
        let Some(rows) = crate::tablelist::table_items(&table.header, &table.rows) else {
            continue;
        };
        for row in rows {
            let Some(&start) = table.row_starts.get(row.row) else {
                continue;
            };
            let text = ctx.decoded.text.as_str();
            let end = text
                .get(start..)
                .and_then(|rest| rest.find('\n'))
                .map_or(text.len(), |n| start + n);
            let span = ctx.span(&(start..end));
            let index = items.len();
            items.push(Item {
                id: String::new(),
                index,
                kind: ItemKind::TableRow,
                span,
                line: span.line,
                checkbox: None,
                checked: row.mark.as_ref().is_some_and(|m| m.passed),
                text: row.text,
                inline_code: Vec::new(),
                depth: 0,
                parent: None,
                children: Vec::new(),
                phase: table.phase,
                severity: heading_severity(phases, table.phase).unwrap_or(Severity::Required),
                section,
                steps: Vec::new(),
                signoff: None,
                table: Some(t),
                mark: row.mark,
                outcome: None,
            });
            added += 1;
        }
    }
    added
}

/// Label, `<details>` and item procedures, in document order.
fn procedure_labels(
    ctx: &Ctx,
    labelled: &[(Range<usize>, String)],
    items: &[Item],
    item_procedure: &[bool],
) -> Vec<ProcedureLabel> {
    let mut out: Vec<ProcedureLabel> = labelled
        .iter()
        .map(|(r, label)| ProcedureLabel {
            line: ctx.span(r).line,
            label: ctx.clean(label),
        })
        .collect();
    for (i, item) in items.iter().enumerate() {
        let root = item_procedure.get(i).copied().unwrap_or(false)
            && item
                .parent
                .is_none_or(|p| !item_procedure.get(p).copied().unwrap_or(false));
        if root {
            out.push(ProcedureLabel {
                line: item.line,
                label: item.text.clone(),
            });
        }
    }
    out.sort_by_key(|p| p.line);
    out
}

/// For each item, whether a code block sits in its entry (directly).
fn raw_code_items(raw: &Raw, entry_item: &[Option<usize>]) -> Vec<usize> {
    raw.codes
        .iter()
        .filter_map(|c| ancestor_item(&raw.entries, entry_item, c.entry))
        .collect()
}

/// Lines outside lists that offer outcomes to tick
/// (`**Sonuç:** [ ] BAŞARILI / [ ] BAŞARISIZ`) become one item each,
/// appended like table rows. Returns how many.
fn add_choice_items(
    ctx: &Ctx,
    raw: &Raw,
    phases: &[Phase],
    procedures: &[Range<usize>],
    bullets: bool,
    items: &mut Vec<Item>,
) -> usize {
    let text = ctx.decoded.text.as_str();
    let mut added = 0;
    for line in &raw.prose {
        let src = text.get(line.range.clone()).unwrap_or("").trim();
        let choice = match crate::shapes::choice_line(src) {
            Some(c) => c,
            // `**Gate:** Longhorn healthy → proceed to Window 2.`: in a
            // document without checkboxes, a gate is a condition people owe.
            None if bullets && crate::shapes::is_gate_line(src) => crate::shapes::Choice {
                text: src.replace("**", "").replace("__", ""),
                mark: None,
            },
            None => continue,
        };
        let kind = if choice.text.contains(['☐', '☑', '☒', '⬜'])
            || src.contains("[ ]")
            || src.to_ascii_lowercase().contains("[x]")
        {
            ItemKind::Choice
        } else {
            ItemKind::ListItem
        };
        let section = procedure::section_at(
            line.phase.map_or(SectionKind::Normal, |p| phases[p].kind),
            procedures,
            line.range.start,
        );
        let span = ctx.span(&line.range);
        let index = items.len();
        items.push(Item {
            id: String::new(),
            index,
            kind,
            span,
            line: span.line,
            checkbox: None,
            checked: choice.mark.as_ref().is_some_and(|m| m.passed),
            text: ctx.clean(&choice.text),
            inline_code: Vec::new(),
            depth: 0,
            parent: None,
            children: Vec::new(),
            phase: line.phase,
            severity: heading_severity(phases, line.phase).unwrap_or(Severity::Required),
            section,
            steps: Vec::new(),
            signoff: None,
            table: None,
            mark: choice.mark,
            outcome: None,
        });
        added += 1;
    }
    added
}

/// What `inspect` says about how items were found; `None` in the plain case.
fn items_from(
    mode: ItemsMode,
    bullets: bool,
    list_items: usize,
    table_rows: usize,
) -> Option<ItemsFrom> {
    if mode == ItemsMode::Auto && list_items == 0 && table_rows == 0 {
        return None;
    }
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let mut parts = Vec::new();
    if bullets {
        let lead = match mode {
            ItemsMode::Auto => "no checkboxes",
            _ => "--items bullets",
        };
        parts.push(format!(
            "{lead}: {} under headings {} owed by people",
            plural(list_items, "list item", "list items"),
            if list_items == 1 {
                "is an item"
            } else {
                "are items"
            }
        ));
    } else if mode == ItemsMode::Checkboxes {
        parts.push("--items checkboxes: only checkbox items and runbook steps".to_string());
    }
    if table_rows > 0 {
        parts.push(format!(
            "{} of table checklists {}",
            plural(table_rows, "row", "rows"),
            if table_rows == 1 {
                "is an item"
            } else {
                "are items"
            }
        ));
    }
    Some(ItemsFrom {
        mode,
        list_items,
        table_rows,
        why: parts.join("; "),
    })
}

/// Identifiers seen so far, keyed by a hash of the identifier (FNV-1a,
/// which is cheap on 8 bytes and needs no copy of the key). Two different
/// identifiers with the same 64-bit hash would only make the second one
/// take a `-2` suffix: identifiers stay unique either way.
type Seen = HashMap<u64, usize, std::hash::BuildHasherDefault<PassThrough>>;

/// A hasher for keys that are hashes already.
#[derive(Default)]
struct PassThrough(u64);

impl std::hash::Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

fn dedupe(seen: &mut Seen, base: String) -> String {
    let key = base.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    let n = seen.entry(key).or_insert(0);
    *n += 1;
    if *n == 1 { base } else { format!("{base}-{n}") }
}

fn ancestor_item(
    entries: &[Entry],
    entry_item: &[Option<usize>],
    mut at: Option<usize>,
) -> Option<usize> {
    while let Some(e) = at {
        if let Some(item) = entry_item[e] {
            return Some(item);
        }
        at = entries[e].parent;
    }
    None
}

fn heading_severity(phases: &[Phase], mut at: Option<usize>) -> Option<Severity> {
    while let Some(p) = at {
        if let Some(s) = phases[p].severity {
            return Some(s);
        }
        at = phases[p].parent;
    }
    None
}

/// Builds the heading tree, and for each heading the hash of the titles
/// from the top down to it (what its identifiers and its items'
/// identifiers are made from).
fn build_phases(ctx: &Ctx, headings: &[RawHeading]) -> (Vec<Phase>, Vec<PathHash>) {
    let mut phases: Vec<Phase> = Vec::with_capacity(headings.len());
    let mut paths: Vec<PathHash> = Vec::with_capacity(headings.len());
    let mut prep: Vec<bool> = Vec::with_capacity(headings.len());
    let mut stack: Vec<usize> = Vec::new();
    let mut seen = Seen::default();
    for (index, h) in headings.iter().enumerate() {
        while stack.last().is_some_and(|&s| phases[s].level >= h.level) {
            stack.pop();
        }
        let parent = stack.last().copied();
        let title = ctx.clean(&h.text);
        let budget = budget::find_budget(&title);
        let parent_kind = parent.map(|p| phases[p].kind);
        let parent_prep = parent.is_some_and(|p| prep[p]);
        let kind = section::section_kind(&title, parent_kind, parent_prep);
        prep.push(parent_prep || section::is_preparation_title(&title));
        let span = ctx.span(&h.range);
        let path = parent
            .map_or_else(PathHash::default, |p| paths[p])
            .with(&title);
        let id = dedupe(&mut seen, path.id("h"));
        paths.push(path);
        phases.push(Phase {
            id,
            index,
            level: h.level,
            severity: severity::heading_severity(&title),
            title,
            span,
            line: span.line,
            parent,
            budget_seconds: budget.as_ref().map(|b| b.seconds),
            budget_text: budget.map(|b| b.text),
            kind,
            steps: Vec::new(),
        });
        stack.push(index);
    }
    (phases, paths)
}

/// Finds every sign-off slot, in document order, and links the items that
/// stand for them.
fn find_signoffs(
    ctx: &Ctx,
    raw: &Raw,
    entry_item: &[Option<usize>],
    items: &mut [Item],
    paths: &[PathHash],
) -> Vec<Signoff> {
    struct Found {
        start: usize,
        span: Span,
        role: String,
        phase: Option<usize>,
        item: Option<usize>,
        fields: Vec<String>,
    }
    let mut found: Vec<Found> = Vec::new();
    /// A line of blanks with no role: (start, entry, phase, fields).
    type Orphan = (usize, Option<usize>, Option<usize>, Vec<String>);
    let mut orphan_fields: Vec<Orphan> = Vec::new();

    // Lines with blanks: prose lines and list entries alike.
    let prose = raw
        .prose
        .iter()
        .filter(|p| crate::signoff::has_blank(&p.text))
        .map(|p| (&p.range, ctx.clean(&p.text), p.phase, None));
    // An entry's text lives in its item once it is one.
    let entries: Vec<_> = raw
        .entries
        .iter()
        .enumerate()
        .filter_map(|(i, e)| {
            let text: &str = match entry_item[i] {
                Some(it) => &items[it].text,
                None => &e.text,
            };
            crate::signoff::has_blank(text).then(|| (&e.range, text.to_string(), e.phase, Some(i)))
        })
        .collect();
    for (range, text, phase, entry) in prose.chain(entries) {
        let Some(line) = signoff::parse_slot_line(&text) else {
            continue;
        };
        let item = entry.and_then(|e| entry_item[e]);
        match line.role {
            Some(role) => found.push(Found {
                start: range.start,
                span: ctx.span(range),
                role,
                phase,
                item,
                fields: line.fields,
            }),
            None => orphan_fields.push((range.start, entry, phase, line.fields)),
        }
    }

    // Approval items whose children are blanks (`Name: ___`, `Date: ___`).
    let slotted: std::collections::HashSet<usize> = found.iter().filter_map(|f| f.item).collect();
    for (i, e) in raw.entries.iter().enumerate() {
        let Some(item) = entry_item[i] else { continue };
        if slotted.contains(&item) {
            continue;
        }
        let mut fields = Vec::new();
        for child in &items[item].children {
            if let Some(line) =
                signoff::parse_slot_line(&items[*child].text).filter(|l| l.role.is_none())
            {
                fields.extend(line.fields);
            }
        }
        let in_signoff = items[item].section == SectionKind::Signoff;
        let text = &items[item].text;
        let is_approval = !fields.is_empty() && items[item].children.len() <= 4;
        let is_role_item =
            in_signoff && items[item].parent.is_none() && signoff::looks_like_role(text);
        if is_approval || is_role_item {
            found.push(Found {
                start: e.range.start,
                span: ctx.span(&e.range),
                role: signoff::strip_role_suffix(text.trim_end_matches(':')),
                phase: e.phase,
                item: Some(item),
                fields,
            });
        }
    }
    found.sort_by_key(|f| f.start);

    // A blank with no role (`- Date: ____` after a group of role items)
    // belongs to the slots just before it in the same section.
    for (start, entry, phase, fields) in orphan_fields {
        if entry.is_some_and(|e| raw.entries[e].parent.is_some()) {
            continue; // a child blank of an approval item, handled above
        }
        // Sections are contiguous, so this one's slots come just before.
        let before = found.partition_point(|f| f.start < start);
        for f in found[..before]
            .iter_mut()
            .rev()
            .take_while(|f| f.phase == phase)
        {
            for field in &fields {
                if !f.fields.contains(field) {
                    f.fields.push(field.clone());
                }
            }
        }
    }

    let mut seen = Seen::default();
    found
        .into_iter()
        .enumerate()
        .map(|(index, f)| {
            let role = normalize(&f.role);
            let path = f.phase.map_or_else(PathHash::default, |p| paths[p]);
            let id = dedupe(&mut seen, path.with(&role).id("s"));
            if let Some(item) = f.item {
                items[item].signoff = Some(index);
                let children = items[item].children.clone();
                for c in children {
                    items[c].signoff = Some(index);
                }
            }
            Signoff {
                id,
                index,
                role: f.role,
                span: f.span,
                line: f.span.line,
                phase: f.phase,
                item: f.item,
                fields: f.fields,
            }
        })
        .collect()
}
