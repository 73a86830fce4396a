//! Table checklists: tables whose rows are things to verify, with a column
//! where a person records the outcome (`| Item | Status | Owner |`), or a
//! criteria matrix with one column per outcome (`| Criterion | Pass | Fail |`).
//!
//! A row is owed while its outcome is not written, and passed or failed
//! from the marks people use (✅/❌, Pass/Fail, Done, Blocked, …).

use crate::model::CellMark;

/// A row of a table checklist, as an item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowItem {
    /// Index of the row among the table's body rows.
    pub row: usize,
    /// What is to be verified: the cell of the item column.
    pub text: String,
    /// The outcome written in the row, if any.
    pub mark: Option<CellMark>,
}

/// Headers of a column where the outcome of a row is written.
const STATUS_HEADERS: &[&str] = &[
    "status",
    "state",
    "done",
    "✓",
    "✔",
    "✅",
    "☑",
    "result",
    "results",
    "outcome",
    "verified",
    "checked",
    "complete",
    "completed",
    "pass/fail",
    "go/no-go",
    "go/nogo",
    "go/no go",
    "erledigt",
    "ergebnis",
    "statut",
    "résultat",
    "fait",
    "estado",
    "resultado",
    "hecho",
    "stato",
    "durum",
    "상태",
    "状态",
    "狀態",
    "ステータス",
    "結果",
];

/// Headers of a column that holds the thing to verify.
const TEXT_HEADERS: &[&str] = &[
    "item",
    "items",
    "check",
    "checks",
    "checkpoint",
    "criterion",
    "criteria",
    "task",
    "tasks",
    "requirement",
    "requirements",
    "description",
    "step",
    "test",
    "gate",
    "condition",
    "aufgabe",
    "prüfpunkt",
    "kriterium",
    "tâche",
    "critère",
    "tarea",
    "criterio",
    "tarefa",
    "critério",
];

/// Headers of the "passed" column of a criteria matrix.
const PASS_HEADERS: &[&str] = &["pass", "passed", "go", "yes", "met", "ok", "✅"];
/// Headers of the "failed" column of a criteria matrix.
const FAIL_HEADERS: &[&str] = &[
    "fail", "failed", "no-go", "no go", "nogo", "no", "not met", "❌",
];

/// Headers that make a table a metric table, read by the load recogniser,
/// not a table checklist.
const METRIC_HEADERS: &[&str] = &[
    "metric",
    "metrics",
    "threshold",
    "target",
    "baseline",
    "slo",
    "limit",
    "p95",
    "p99",
];

fn norm_header(h: &str) -> String {
    let h = h
        .trim()
        .trim_matches(|c: char| c == '*' || c == '_' || c == '`' || c == ':' || c == '?')
        .trim()
        .replace('\u{fe0f}', "")
        .to_lowercase();
    // `Pass / Fail`, `Go / No-Go`
    h.split('/').map(str::trim).collect::<Vec<_>>().join("/")
}

/// The rows of a table checklist, or `None` if the table is not one.
pub fn table_items(header: &[String], rows: &[Vec<String>]) -> Option<Vec<RowItem>> {
    let heads: Vec<String> = header.iter().map(|h| norm_header(h)).collect();
    if heads.iter().any(|h| METRIC_HEADERS.contains(&h.as_str())) {
        return None;
    }
    let find = |set: &[&str]| heads.iter().position(|h| set.contains(&h.as_str()));
    let shape = match (find(PASS_HEADERS), find(FAIL_HEADERS)) {
        (Some(p), Some(f)) if p != f => Shape::Matrix { pass: p, fail: f },
        _ => Shape::Status(find(STATUS_HEADERS)?),
    };
    let outcome_col = |i: usize| match shape {
        Shape::Matrix { pass, fail } => i == pass || i == fail,
        Shape::Status(s) => i == s,
    };
    let text_col = heads
        .iter()
        .enumerate()
        .position(|(i, h)| !outcome_col(i) && TEXT_HEADERS.contains(&h.as_str()))
        .or_else(|| (0..heads.len()).find(|&i| !outcome_col(i)))?;
    let cell = |row: &[String], i: usize| row.get(i).map_or("", |c| c.trim()).to_string();
    let mut out = Vec::new();
    for (n, row) in rows.iter().enumerate() {
        let text = cell(row, text_col);
        if text.is_empty() {
            continue;
        }
        let mark = match shape {
            Shape::Status(s) => {
                let c = cell(row, s);
                read_mark(&c).map(|passed| CellMark {
                    passed,
                    text: c,
                    column: header[s].clone(),
                })
            }
            Shape::Matrix { pass, fail } => {
                let (p, f) = (cell(row, pass), cell(row, fail));
                match (is_ticked(&p), is_ticked(&f)) {
                    (true, false) => Some(CellMark {
                        passed: true,
                        text: p,
                        column: header[pass].clone(),
                    }),
                    (false, true) => Some(CellMark {
                        passed: false,
                        text: f,
                        column: header[fail].clone(),
                    }),
                    // Neither, or both: a person still has to say.
                    _ => None,
                }
            }
        };
        out.push(RowItem { row: n, text, mark });
    }
    Some(out)
}

#[derive(Clone, Copy)]
enum Shape {
    Status(usize),
    Matrix { pass: usize, fail: usize },
}

const PASS_SIGNS: &[char] = &['✅', '✔', '☑', '✓', '🟢'];
const FAIL_SIGNS: &[char] = &['❌', '✗', '✘', '❎', '🔴', '⛔', '🚫'];
const PASS_WORDS: &[&str] = &[
    "pass",
    "passed",
    "done",
    "yes",
    "ok",
    "okay",
    "go",
    "complete",
    "completed",
    "verified",
    "green",
    "ja",
    "erledigt",
    "bestanden",
    "oui",
    "fait",
    "réussi",
    "sí",
    "si",
    "sim",
    "hecho",
    "aprobado",
    "ok!",
];
const FAIL_WORDS: &[&str] = &[
    "fail",
    "failed",
    "no",
    "no-go",
    "nogo",
    "blocked",
    "red",
    "nein",
    "fehlgeschlagen",
    "non",
    "échec",
    "echec",
    "fallido",
    "falhou",
    "não",
];

/// `Some(true)` for a pass mark, `Some(false)` for a fail mark, `None` for
/// an empty cell or anything else (still owed).
pub fn read_mark(cell: &str) -> Option<bool> {
    let c = cell.trim();
    if c.chars().any(|ch| FAIL_SIGNS.contains(&ch)) {
        return Some(false);
    }
    if c.chars().any(|ch| PASS_SIGNS.contains(&ch)) {
        return Some(true);
    }
    let lower = c.to_lowercase();
    if lower.starts_with("[x]") {
        return Some(true);
    }
    let word: String = lower
        .trim_matches(|ch: char| ch == '*' || ch == '_' || ch == '`')
        .split(|ch: char| ch.is_whitespace() || ch == ',' || ch == '(' || ch == ':')
        .next()
        .unwrap_or("")
        .trim_end_matches(['.', '!'])
        .to_string();
    if FAIL_WORDS.contains(&word.as_str()) || lower.starts_with("no go") {
        return Some(false);
    }
    if PASS_WORDS.contains(&word.as_str()) {
        return Some(true);
    }
    None
}

/// Whether a matrix cell holds a mark (anything but blank, a dash, `[ ]`,
/// or a "no").
fn is_ticked(cell: &str) -> bool {
    let c = cell.trim();
    !(c.is_empty()
        || c.chars().all(|ch| matches!(ch, '-' | '—' | '–' | ' '))
        || c == "[ ]"
        || c.eq_ignore_ascii_case("n/a")
        || (read_mark(c) == Some(false) && !c.chars().any(|ch| FAIL_SIGNS.contains(&ch))))
}

/// Headings whose lists are navigation or reading, not things to verify.
pub fn is_reference_heading(title: &str) -> bool {
    let t = title.trim().to_lowercase();
    const NAMES: &[&str] = &[
        "table of contents",
        "contents",
        "toc",
        "index",
        "references",
        "reference",
        "links",
        "useful links",
        "resources",
        "see also",
        "related",
        "related documents",
        "further reading",
        "inhaltsverzeichnis",
        "inhalt",
        "sommaire",
        "índice",
        "indice",
        "目次",
        "目录",
        "목차",
    ];
    NAMES.contains(&t.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|c| c.to_string()).collect()
    }

    #[test]
    fn status_column_rows_are_owed_passed_or_failed() {
        let header = s(&["Item", "Status", "Owner"]);
        let rows = vec![
            s(&["Backups verified", "", "ops"]),
            s(&["Smoke tests", "✅ Done", "qa"]),
            s(&["Security scan", "❌", "sec"]),
            s(&["Docs", "In progress", "pm"]),
            s(&["", "", ""]),
        ];
        let items = table_items(&header, &rows).unwrap();
        assert_eq!(items.len(), 4);
        assert_eq!(items[0].text, "Backups verified");
        assert!(items[0].mark.is_none());
        assert!(items[1].mark.as_ref().unwrap().passed);
        assert_eq!(items[1].mark.as_ref().unwrap().column, "Status");
        assert!(!items[2].mark.as_ref().unwrap().passed);
        assert!(items[3].mark.is_none());
    }

    #[test]
    fn criteria_matrix_reads_the_ticked_column() {
        let header = s(&["Criterion", "Pass", "Fail", "Notes"]);
        let rows = vec![
            s(&["Error rate < 1%", "", "", ""]),
            s(&["p95 < 300ms", "x", "", ""]),
            s(&["No P1 bugs", "", "✗", ""]),
            s(&["Both", "x", "x", ""]),
        ];
        let items = table_items(&header, &rows).unwrap();
        let marks: Vec<Option<bool>> = items
            .iter()
            .map(|i| i.mark.as_ref().map(|m| m.passed))
            .collect();
        assert_eq!(marks, vec![None, Some(true), Some(false), None]);
        assert_eq!(items[0].text, "Error rate < 1%");
    }

    #[test]
    fn go_no_go_column_and_languages() {
        let header = s(&["Gate", "Go/No-Go"]);
        let rows = vec![s(&["Load test", "GO"]), s(&["Pen test", "NO-GO"])];
        let items = table_items(&header, &rows).unwrap();
        assert_eq!(items[0].mark.as_ref().map(|m| m.passed), Some(true));
        assert_eq!(items[1].mark.as_ref().map(|m| m.passed), Some(false));
        let header = s(&["Aufgabe", "Erledigt"]);
        let items = table_items(&header, &[s(&["Backup", "ja"])]).unwrap();
        assert_eq!(items[0].mark.as_ref().map(|m| m.passed), Some(true));
    }

    #[test]
    fn other_tables_are_not_checklists() {
        assert!(table_items(&s(&["Service", "Port"]), &[s(&["api", "80"])]).is_none());
        // Metric tables belong to the load recogniser.
        assert!(
            table_items(
                &s(&["Metric", "Target", "Status"]),
                &[s(&["p95", "<300ms", ""])]
            )
            .is_none()
        );
    }

    #[test]
    fn marks() {
        for yes in [
            "✅", "✔️", "[x]", "Pass", "PASSED", "Done.", "yes", "OK", "GO",
        ] {
            assert_eq!(read_mark(yes), Some(true), "{yes}");
        }
        for no in [
            "❌", "✗", "Fail", "failed", "No", "NO-GO", "Blocked", "❌ Fail",
        ] {
            assert_eq!(read_mark(no), Some(false), "{no}");
        }
        for open in ["", "[ ]", "TBD", "⏳ pending", "N/A", "Going on"] {
            assert_eq!(read_mark(open), None, "{open}");
        }
    }
}
