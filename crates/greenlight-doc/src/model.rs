//! The document model: what a checklist says, with where it says it.
//!
//! Every element carries a [`Span`]: byte offsets into the original file
//! (BOM and legacy encodings accounted for) plus a 1-based line and column.
//! The JSON form of [`Checklist`] is the `greenlight.doc/v1` schema.

use serde::Serialize;

/// Version tag of the JSON form of [`Checklist`].
pub const DOC_SCHEMA: &str = "greenlight.doc/v1";

/// A range of bytes in the original file, with the line and column (1-based,
/// column counted in bytes) of its first byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
    pub line: usize,
    pub col: usize,
}

/// How much an item matters for the verdict.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Can ship without it.
    Optional,
    /// A failure gives GO WITH WARNINGS rather than NO-GO.
    ShouldFix,
    /// The default: a failure gives NO-GO.
    Required,
    /// Must pass; never waived by default.
    Blocker,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Optional => "optional",
            Severity::ShouldFix => "should-fix",
            Severity::Required => "required",
            Severity::Blocker => "blocker",
        }
    }
}

/// What a section of the document is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SectionKind {
    /// Checks that belong to a normal run.
    Normal,
    /// A rollback, emergency, troubleshooting or conditional ("if needed",
    /// "if … fails") procedure: never part of a normal run, never a gate.
    Rollback,
    /// A post-release monitoring window: observed over time, not in a run.
    Monitoring,
    /// Sign-off and approval slots.
    Signoff,
}

/// A heading and the part of the document under it.
#[derive(Debug, Clone, Serialize)]
pub struct Phase {
    /// Stable identifier derived from the heading path.
    pub id: String,
    pub index: usize,
    /// Heading level, 1 to 6.
    pub level: u8,
    /// Heading text, markup removed, mojibake repaired.
    pub title: String,
    pub span: Span,
    pub line: usize,
    /// Index of the enclosing heading.
    pub parent: Option<usize>,
    /// Time budget stated in the heading (upper bound of a range).
    pub budget_seconds: Option<u64>,
    /// The words the budget was read from, such as `5 minutes`.
    pub budget_text: Option<String>,
    /// Severity stated by this heading itself.
    pub severity: Option<Severity>,
    /// What the section is for, inherited from enclosing headings.
    pub kind: SectionKind,
    /// Code blocks directly in this section that belong to no item.
    pub steps: Vec<usize>,
}

/// Whether an item came from a checkbox or from a numbered runbook step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// `- [ ] …`, `* [x] …`, `1. [ ] …`
    Task,
    /// A top-level `1. …` step in a section that has no task items.
    RunbookStep,
    /// A top-level list item under a heading, taken as an item owed by
    /// people because the document has no checkboxes (or `--items bullets`).
    ListItem,
    /// A row of a table checklist (a Status/Done/Result column, or a
    /// criteria matrix with Pass/Fail columns).
    TableRow,
    /// A line that offers outcomes to tick, outside any list:
    /// `**Sonuç:** [ ] BAŞARILI / [ ] BAŞARISIZ`. One item with two outcomes.
    Choice,
}

/// Which outcome of a release decision a checkbox item stands for, when the
/// decision is written as checkbox items (`- [ ] **GO**`, `- [ ] **NO-GO**`):
/// the decision, not two items that must both be ticked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Go,
    /// Ticked, it is a failure; unticked, it owes nothing.
    NoGo,
}

/// Which list items become items.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemsMode {
    /// Checkbox items if the document has any, else list items under headings.
    #[default]
    Auto,
    /// Only checkbox items (and numbered runbook steps), as always.
    Checkboxes,
    /// List items under headings too, even beside checkboxes.
    Bullets,
}

impl ItemsMode {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemsMode::Auto => "auto",
            ItemsMode::Checkboxes => "checkboxes",
            ItemsMode::Bullets => "bullets",
        }
    }
}

/// How the items of a document were found, when it is not the plain case
/// (checkboxes, no table checklist).
#[derive(Debug, Clone, Serialize)]
pub struct ItemsFrom {
    /// The mode asked for.
    pub mode: ItemsMode,
    /// List items under headings that became items.
    pub list_items: usize,
    /// Table rows that became items.
    pub table_rows: usize,
    /// Why, in a sentence.
    pub why: String,
}

/// What a person wrote in the status cell of a table checklist row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CellMark {
    /// `true` for ✅/Pass/Done…, `false` for ❌/Fail/Blocked….
    pub passed: bool,
    /// The cell as written.
    pub text: String,
    /// The header of the column it was read from.
    pub column: String,
}

/// Something to verify: a checkbox item, or a runbook step.
#[derive(Debug, Clone, Serialize)]
pub struct Item {
    /// Stable identifier: derived from the heading path, the parent items'
    /// text and the item's own text, never from its position.
    pub id: String,
    pub index: usize,
    pub kind: ItemKind,
    /// The whole list item, including nested content.
    pub span: Span,
    pub line: usize,
    /// The three bytes `[ ]`/`[x]`/`[X]`, for task items.
    pub checkbox: Option<Span>,
    pub checked: bool,
    /// First paragraph of the item, markup removed, mojibake repaired.
    pub text: String,
    /// Contents of inline code spans in the item's text, such as
    /// `GET /api/v1/streams/active`.
    pub inline_code: Vec<String>,
    /// Nesting depth among items (0 for top level).
    pub depth: usize,
    pub parent: Option<usize>,
    pub children: Vec<usize>,
    /// Innermost heading above the item.
    pub phase: Option<usize>,
    /// Effective severity: the item's own label, else its parent item's,
    /// else the nearest heading's, else required.
    pub severity: Severity,
    /// The section kind of the item's phase.
    pub section: SectionKind,
    /// Code blocks attached to this item.
    pub steps: Vec<usize>,
    /// Index of the sign-off slot this item stands for, if any.
    pub signoff: Option<usize>,
    /// For a table row: the table it is a row of.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table: Option<usize>,
    /// For a table row: the pass or fail mark in its status cell, if any;
    /// for an item offering outcomes (`☐ ja ☐ nein`), the one ticked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mark: Option<CellMark>,
    /// For the checkbox items of a GO / NO-GO decision: which outcome.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
}

/// A code block.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub index: usize,
    pub span: Span,
    pub line: usize,
    /// Line of the first line of code (after the opening fence).
    pub code_line: usize,
    pub fenced: bool,
    /// The info string's first word (`bash`, `javascript`, …), if any.
    pub lang: Option<String>,
    pub code: String,
    pub item: Option<usize>,
    pub phase: Option<usize>,
    /// Inside a procedure opened by a label line (`**Rollback:**`,
    /// `Rollback:`) or a `<details>` block rather than by a heading: never
    /// part of a run. Shown only when set.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub procedure: bool,
    /// The source lines directly after the block, up to the next heading,
    /// fence, table, task item or item at a shallower indent (blank lines
    /// dropped): where people write `- Expected: No changes` or
    /// `**Expected:** 200 OK` for the block above.
    #[serde(skip)]
    pub after: Vec<String>,
    /// When the only line between the previous block and this one is a
    /// label ending in a colon (`Réponse attendue :`, `**Erwartete
    /// Ausgabe:**`): that block's index and the label. The runner decides
    /// whether the label states an expectation, which makes this block the
    /// previous one's expected output rather than a command.
    #[serde(skip)]
    pub under_label: Option<(usize, String)>,
}

/// A procedure opened inside a section rather than by a heading: a bold or
/// bare label line (`**Rollback:**`), a `<details>` block, or a checkbox
/// item naming one with its steps under it. Never part of a run.
#[derive(Debug, Clone, Serialize)]
pub struct ProcedureLabel {
    pub line: usize,
    /// The label as written, markup removed.
    pub label: String,
}

/// A Markdown table.
#[derive(Debug, Clone, Serialize)]
pub struct Table {
    pub index: usize,
    pub span: Span,
    pub line: usize,
    pub phase: Option<usize>,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// The source line of each body row.
    pub row_lines: Vec<usize>,
}

/// A place where a person signs.
#[derive(Debug, Clone, Serialize)]
pub struct Signoff {
    /// Stable identifier derived from the heading path and the role.
    pub id: String,
    pub index: usize,
    /// Who signs: `Technical Lead`, `CTO/Chief Architect`, …
    pub role: String,
    pub span: Span,
    pub line: usize,
    pub phase: Option<usize>,
    /// The item that holds the slot, if it is a checkbox item.
    pub item: Option<usize>,
    /// Further blanks of the slot: `Date`, `Name`, `Signature`, `Time`.
    pub fields: Vec<String>,
}

/// An explicit `<!-- greenlight: … -->` annotation.
#[derive(Debug, Clone, Serialize)]
pub struct Annotation {
    pub span: Span,
    pub line: usize,
    /// The text after `greenlight:`.
    pub text: String,
    /// The step the annotation follows, if it directly follows one.
    pub step: Option<usize>,
    /// The item the annotation belongs to.
    pub item: Option<usize>,
}

/// Facts about the file's bytes.
#[derive(Debug, Clone, Serialize)]
pub struct SourceInfo {
    pub encoding: crate::encoding::SourceEncoding,
    pub bom: bool,
    /// `lf`, `crlf` or `mixed`.
    pub line_endings: &'static str,
    /// Mojibake found and repaired for display, if any.
    pub mojibake: Option<crate::encoding::Mojibake>,
    pub bytes: usize,
    pub lines: usize,
}

/// A parsed checklist.
#[derive(Debug, Clone, Serialize)]
pub struct Checklist {
    pub schema: &'static str,
    pub source: SourceInfo,
    /// Text of the first level-1 heading.
    pub title: Option<String>,
    pub front_matter: Option<Span>,
    pub phases: Vec<Phase>,
    pub items: Vec<Item>,
    pub steps: Vec<Step>,
    pub tables: Vec<Table>,
    pub signoffs: Vec<Signoff>,
    pub annotations: Vec<Annotation>,
    /// Procedures opened by a label, a `<details>` block or an item.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub procedures: Vec<ProcedureLabel>,
    /// How items were found, when list items or table rows became items
    /// (or a mode other than `auto` was asked for).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub items_from: Option<ItemsFrom>,
}

impl Checklist {
    /// Items that are checkboxes (not runbook steps).
    pub fn task_items(&self) -> impl Iterator<Item = &Item> {
        self.items.iter().filter(|i| i.kind == ItemKind::Task)
    }

    /// Headings whose section is a rollback procedure and whose parent is not.
    pub fn rollback_sections(&self) -> impl Iterator<Item = &Phase> {
        self.section_roots(SectionKind::Rollback)
    }

    /// Headings that open a monitoring window and whose parent does not.
    pub fn monitoring_sections(&self) -> impl Iterator<Item = &Phase> {
        self.section_roots(SectionKind::Monitoring)
    }

    fn section_roots(&self, kind: SectionKind) -> impl Iterator<Item = &Phase> {
        self.phases.iter().filter(move |p| {
            p.kind == kind && p.parent.is_none_or(|up| self.phases[up].kind != kind)
        })
    }

    /// Finds an item by ID, or by the line it starts on.
    /// IDs win over line numbers: `2915934` is tried as an ID first.
    pub fn find_item(&self, key: &str) -> Option<&Item> {
        if let Some(item) = self.items.iter().find(|i| i.id == key) {
            return Some(item);
        }
        let line = key.strip_prefix('L').unwrap_or(key).parse::<usize>().ok()?;
        self.items.iter().find(|i| i.line == line)
    }

    /// Headings from the top down to `phase`, inclusive.
    pub fn phase_path(&self, phase: usize) -> Vec<&Phase> {
        let mut path = vec![&self.phases[phase]];
        while let Some(up) = path.last().and_then(|p| p.parent) {
            path.push(&self.phases[up]);
        }
        path.reverse();
        path
    }
}
