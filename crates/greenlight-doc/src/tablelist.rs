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
    "sonuç",
    "esito",
    "fatto",
    "risultato",
    "verifica",
    "geprüft",
    "situação",
    "статус",
    "результат",
    "trạng thái",
    "kết quả",
    "상태",
    "결과",
    "완료",
    "完成",
    "结果",
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
    "activity",
    "action",
    "attività",
    "azione",
    "punto",
    "punkt",
    "aktivität",
    "activité",
    "actividad",
    "atividade",
    "controllo",
    "prova",
    "kontrol",
    "test adı",
    "항목",
    "작업",
    "检查项",
    "项目",
    "任务",
    "項目",
];

/// Headers of columns that say when, who or how long, never what: a
/// timeline's `[HH:MM]` column is not the thing to verify.
const NOT_TEXT_HEADERS: &[&str] = &[
    "#",
    "no",
    "no.",
    "nr",
    "nr.",
    "id",
    "time",
    "when",
    "date",
    "ora",
    "orario",
    "data",
    "zeit",
    "uhrzeit",
    "datum",
    "heure",
    "hora",
    "fecha",
    "saat",
    "tarih",
    "시간",
    "时间",
    "時間",
    "owner",
    "who",
    "duration",
    "durata",
    "dauer",
    "durée",
    "duración",
    "responsabile",
    "verantwortlich",
    "responsable",
    "responsável",
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

/// Whether a metric table with a status column is one a person fills in:
/// it has a column for the figure they observed (`Actual`, `Phase 1
/// Actual`, `Measured`), so its status cells are theirs to write.
fn metric_status_is_a_persons(heads: &[String]) -> bool {
    heads.iter().any(|h| {
        h.split(|c: char| !c.is_alphanumeric()).any(|w| {
            [
                "actual",
                "measured",
                "observed",
                "ist",
                "réel",
                "reel",
                "real",
                "effettivo",
                "実績",
                "实际",
                "실제",
            ]
            .contains(&w)
        })
    })
}

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
    let find = |set: &[&str]| heads.iter().position(|h| set.contains(&h.as_str()));
    // A metric table is the load recogniser's, unless a person writes each
    // row's outcome in it (`| KPI | Actual | Target | Status |`).
    if heads.iter().any(|h| METRIC_HEADERS.contains(&h.as_str()))
        && (find(STATUS_HEADERS).is_none() || !metric_status_is_a_persons(&heads))
    {
        return None;
    }
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
        .or_else(|| {
            (0..heads.len())
                .find(|&i| !outcome_col(i) && !NOT_TEXT_HEADERS.contains(&heads[i].as_str()))
        })
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
    "başarılı",
    "başarili",
    "geçti",
    "tamam",
    "evet",
    "通过",
    "通過",
    "完成",
    "合格",
    "済",
    "완료",
    "통과",
    "fatto",
    "superato",
    "riuscito",
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
    "başarısız",
    "başarisiz",
    "kaldı",
    "hayır",
    "失败",
    "失敗",
    "不合格",
    "실패",
    "fallito",
    "bloccato",
];

/// Boxes nobody ticked: `☐`, `⬜`, `□`, `[ ]`.
const EMPTY_BOXES: &[char] = &['☐', '⬜', '□', '◻'];
/// Boxes someone ticked.
const TICKED_BOXES: &[char] = &['☑', '☒'];
/// Signs that are neither a pass nor a fail: amber, waiting, warning.
const AMBER_SIGNS: &[char] = &['🟡', '🟠', '⚠', '⏳', '🕐', '🔄'];

/// `Some(true)` for a pass mark, `Some(false)` for a fail mark, `None` for
/// an empty cell or anything else (still owed).
///
/// Only one unambiguous mark counts. A cell that lists the options a
/// person picks from (`🟢/🟡/🔴`, `Pass / Fail`, `☐ offen ☐ ok`) is a
/// legend, not a mark, and an empty box (`☐`, `⬜`, `[ ]`) is owed. Among
/// boxes, exactly one ticked box picks its option (`☐ offen ☒ ok`).
pub fn read_mark(cell: &str) -> Option<bool> {
    let c = cell.trim();
    if c.is_empty() {
        return None;
    }
    if let Some(choice) = read_choice(c) {
        return choice;
    }
    if is_legend(c) {
        return None;
    }
    read_single(c)
}

/// A cell of boxes: `Some(mark)` when the cell holds boxes, `None` when it
/// holds none (read it as a plain mark).
fn read_choice(c: &str) -> Option<Option<bool>> {
    // Each box with the text after it, up to the next box.
    let mut boxes: Vec<(bool, String)> = Vec::new();
    let mut rest = c;
    let mut lead = String::new();
    while !rest.is_empty() {
        let lower = rest.get(..3).map(str::to_ascii_lowercase);
        let (ticked, len) = if lower.as_deref() == Some("[ ]") {
            (Some(false), 3)
        } else if lower.as_deref() == Some("[x]") {
            (Some(true), 3)
        } else {
            let ch = rest.chars().next().unwrap_or(' ');
            let t = if EMPTY_BOXES.contains(&ch) {
                Some(false)
            } else if TICKED_BOXES.contains(&ch) {
                Some(true)
            } else {
                None
            };
            (t, ch.len_utf8())
        };
        match ticked {
            Some(t) => boxes.push((t, String::new())),
            None => match boxes.last_mut() {
                Some((_, label)) => label.push_str(&rest[..len]),
                None => lead.push_str(&rest[..len]),
            },
        }
        rest = &rest[len..];
    }
    if boxes.is_empty() {
        return None;
    }
    let ticked: Vec<&(bool, String)> = boxes.iter().filter(|(t, _)| *t).collect();
    let [(_, label)] = ticked.as_slice() else {
        // No box ticked, or several: a person still has to say.
        return Some(None);
    };
    let label = label.trim().trim_end_matches(['/', '|', ',', ';']).trim();
    if boxes.len() == 1 && label.is_empty() {
        // A lone ticked box: `☑` passes, `☒` is ambiguous, `[x]` passes.
        let first = c.trim_start().chars().next();
        return Some(match first {
            Some('☒') => None,
            _ => Some(true),
        });
    }
    if boxes.len() == 1 {
        // `[x] Done`, `☑ OK`: the word decides, else the tick passes.
        return Some(read_single(label).or(Some(true)));
    }
    // One box of several ticked: its option is the answer.
    Some(read_single(label))
}

/// Whether a cell lists options rather than picking one: marks of more
/// than one kind (`🟢🟡🔴`), or marks on both sides of a `/` (`Pass/Fail`,
/// `GO / NO-GO`, `✅ / ❌`).
fn is_legend(c: &str) -> bool {
    let kinds = [
        c.chars().any(|ch| PASS_SIGNS.contains(&ch)),
        c.chars().any(|ch| FAIL_SIGNS.contains(&ch)),
        c.chars().any(|ch| AMBER_SIGNS.contains(&ch)),
    ];
    if kinds.iter().filter(|k| **k).count() > 1 {
        return true;
    }
    let lower = c.to_lowercase();
    let parts: Vec<&str> = lower
        .split(['/', '|'])
        .flat_map(|p| p.split(" or "))
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    parts.len() > 1 && parts.iter().filter(|p| read_single(p).is_some()).count() > 1
}

/// One mark: a sign, or a word at the start of the cell.
fn read_single(c: &str) -> Option<bool> {
    let c = c.trim();
    if c.chars().any(|ch| EMPTY_BOXES.contains(&ch)) {
        return None;
    }
    if c.chars().any(|ch| FAIL_SIGNS.contains(&ch)) {
        return Some(false);
    }
    if c.chars().any(|ch| PASS_SIGNS.contains(&ch)) {
        return Some(true);
    }
    let lower = c.to_lowercase();
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

/// Whether a matrix cell holds a mark (anything but blank, a dash, an
/// empty box, or a "no").
fn is_ticked(cell: &str) -> bool {
    let c = cell.trim();
    !(c.is_empty()
        || c.chars().all(|ch| matches!(ch, '-' | '—' | '–' | ' '))
        || c == "[ ]"
        || c.chars().all(|ch| EMPTY_BOXES.contains(&ch) || ch == ' ')
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

    #[test]
    fn option_legends_and_empty_boxes_are_owed_not_marks() {
        for open in [
            "🟢/🟡/🔴",
            "🟢🟡🔴",
            "Pass/Fail",
            "Pass / Fail",
            "GO / NO-GO",
            "✅ / ❌",
            "☐ offen ☐ ok",
            "☐ Sí ☐ No",
            "⬜",
            "☐",
            "☐ Done",
            "[ ] BAŞARILI / [ ] BAŞARISIZ",
            "[x] PASS / [x] FAIL",
            "🟡",
            "☒",
        ] {
            assert_eq!(read_mark(open), None, "{open}");
        }
        // One ticked box among several picks its option.
        assert_eq!(read_mark("☐ offen ☒ ok"), Some(true));
        assert_eq!(read_mark("☒ offen ☐ ok"), None);
        assert_eq!(read_mark("☐ ja ☑ nein"), Some(false));
        assert_eq!(read_mark("[x] BAŞARILI / [ ] BAŞARISIZ"), Some(true));
        assert_eq!(read_mark("[ ] BAŞARILI / [X] BAŞARISIZ"), Some(false));
        // Single marks still read.
        for yes in ["☑", "[x] Done", "✅ Done", "🟢", "🟢 green"] {
            assert_eq!(read_mark(yes), Some(true), "{yes}");
        }
        assert_eq!(read_mark("🔴"), Some(false));
    }

    #[test]
    fn kpi_tables_a_person_fills_are_checklists() {
        // a14: KPI | Actual | Target | Status, the status a legend of options.
        let header = s(&["KPI", "Phase 1 Actual", "Target", "Status"]);
        let rows = vec![s(&["Support Tickets", "___", "<3", "🟢/🟡/🔴"])];
        let items = table_items(&header, &rows).unwrap();
        assert_eq!(items[0].text, "Support Tickets");
        assert!(items[0].mark.is_none());
    }

    #[test]
    fn timelines_and_italian_outcome_columns() {
        // b15: the activity names the row, not the `[HH:MM]` time.
        let header = s(&["Ora", "Attività", "Responsabile", "Durata", "Stato"]);
        let rows = vec![s(&["[HH:MM]", "Switch DNS", "[Chi]", "[Xmin]", "⬜"])];
        let items = table_items(&header, &rows).unwrap();
        assert_eq!(items[0].text, "Switch DNS");
        assert!(items[0].mark.is_none());
        let items = table_items(&s(&["Test", "Esito"]), &[s(&["Login funziona", "⬜"])]).unwrap();
        assert_eq!(items[0].text, "Login funziona");
        assert!(items[0].mark.is_none());
        // Unlabelled columns: the first that is not a time or a person.
        let header = s(&["Zeit", "Was", "Status"]);
        let items = table_items(&header, &[s(&["10:00", "Deploy", ""])]).unwrap();
        assert_eq!(items[0].text, "Deploy");
    }

    #[test]
    fn empty_boxes_in_a_matrix_are_not_ticks() {
        let header = s(&["Criterion", "Pass", "Fail"]);
        let items = table_items(&header, &[s(&["x", "☐", "☐"]), s(&["y", "☑", "☐"])]).unwrap();
        assert!(items[0].mark.is_none());
        assert_eq!(items[1].mark.as_ref().map(|m| m.passed), Some(true));
    }
}
