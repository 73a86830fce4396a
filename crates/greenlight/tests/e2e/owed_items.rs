//! Checklists without checkboxes (plain bullets) and table checklists:
//! what people owe is never GO by default (issue 10).

use crate::support::*;
use serde_json::Value;

/// Runs a document with no profile and no store; returns the exit code and
/// the JSON report.
fn run_doc(name: &str, doc: &str, extra: &[&str]) -> (i32, Value, String) {
    let dir = scratch(name);
    let path = dir.join("CHECKLIST.md");
    std::fs::write(&path, doc).unwrap();
    let json = dir.join("report.json");
    let mut args = vec![
        "run",
        path.to_str().unwrap(),
        "--no-store",
        "--json",
        json.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let out = greenlight(&args);
    let report: Value = std::fs::read(&json)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or(Value::Null);
    (out.status.code().unwrap_or(-1), report, stderr(&out))
}

fn statuses(report: &Value) -> Vec<(String, String)> {
    report["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|i| {
                    (
                        i["text"].as_str().unwrap_or("").to_string(),
                        i["status"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

const BULLETS: &str = "\
# Release 3.1 checklist

## Pre-release
- All tests green on main
- Changelog updated
- Database migration reviewed by DBA

## Release
- Tag the release
- Announce in #releases
";

#[test]
fn bullets_only_checklist_is_pending_with_owed_items() {
    let (code, report, err) = run_doc("owed-bullets", BULLETS, &[]);
    assert_eq!(code, 3, "{err}");
    assert_eq!(report["verdict"], "PENDING", "{err}");
    let st = statuses(&report);
    assert_eq!(st.len(), 5, "{st:?}");
    assert!(st.iter().all(|(_, s)| s == "pending"), "{st:?}");

    let dir = scratch("owed-bullets-inspect");
    let path = dir.join("CHECKLIST.md");
    std::fs::write(&path, BULLETS).unwrap();
    let out = greenlight(&["inspect", path.to_str().unwrap()]);
    let text = stdout(&out);
    assert!(
        text.contains(
            "items (auto): no checkboxes: 5 list items under headings are items owed by people"
        ),
        "{text}"
    );
    // `--items checkboxes` reads it as before: nothing to verify.
    let out = greenlight(&["inspect", "--items", "checkboxes", path.to_str().unwrap()]);
    assert!(stdout(&out).contains("0 task items"), "{}", stdout(&out));
}

fn table_doc(smoke: &str, pen: &str, criterion: (&str, &str)) -> String {
    format!(
        "# Launch readiness\n\n## Checklist\n\n\
         | Item | Status | Owner |\n|------|--------|-------|\n\
         | Smoke tests on staging | {smoke} | qa |\n\
         | Pen test findings closed | {pen} | sec |\n\n\
         ## Go/No-Go criteria\n\n\
         | Criterion | Pass | Fail |\n|---|---|---|\n\
         | Error budget not exhausted | {} | {} |\n",
        criterion.0, criterion.1
    )
}

#[test]
fn table_checklist_with_empty_status_cells_is_pending() {
    let (code, report, err) = run_doc("owed-table-empty", &table_doc("", "", ("", "")), &[]);
    assert_eq!(code, 3, "{err}");
    assert_eq!(report["verdict"], "PENDING");
    let st = statuses(&report);
    assert_eq!(
        st,
        vec![
            ("Smoke tests on staging".into(), "pending".into()),
            ("Pen test findings closed".into(), "pending".into()),
            ("Error budget not exhausted".into(), "pending".into()),
        ]
    );
}

#[test]
fn table_checklist_with_a_failed_row_is_no_go() {
    let (code, report, err) = run_doc("owed-table-fail", &table_doc("✅", "❌", ("x", "")), &[]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(report["verdict"], "NO_GO");
    let st = statuses(&report);
    assert_eq!(st[1], ("Pen test findings closed".into(), "failed".into()));
    assert_eq!(st[0].1, "passed");
    let (code, report, _) = run_doc(
        "owed-table-matrix-fail",
        &table_doc("✅", "✅", ("", "x")),
        &[],
    );
    assert_eq!(code, 1);
    assert_eq!(statuses(&report)[2].1, "failed");
}

#[test]
fn table_checklist_all_ticked_counts_as_checked_by_people() {
    let (code, report, err) = run_doc(
        "owed-table-pass",
        &table_doc("✅ Done", "Pass", ("✓", "")),
        &[],
    );
    let st = statuses(&report);
    assert!(st.iter().all(|(_, s)| s == "passed"), "{st:?}");
    let notes: Vec<&str> = report["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["note"].as_str().unwrap_or(""))
        .collect();
    assert!(
        notes
            .iter()
            .all(|n| n.starts_with("marked in the document")),
        "{notes:?}"
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(report["verdict"], "GO");
}

/// Status cells that list the options (`🟢/🟡/🔴`, `☐ offen ☐ ok`) or hold an
/// empty box (`⬜`) are owed: reading 🟢 or ☐ ok as a pass would be a false GO.
#[test]
fn option_legend_status_cells_are_owed_not_passed() {
    let doc = "# Gates\n\n## KPI checkpoint\n\n\
               | KPI | Phase 1 Actual | Target | Status |\n|---|---|---|---|\n\
               | Support Tickets | ___ | <3 | 🟢/🟡/🔴 |\n\n\
               ## Go-Live\n\n\
               | Punkt | Status |\n|---|---|\n\
               | Rollback-Plan getestet | ☐ offen ☐ ok |\n\n\
               ## Smoke\n\n| Test | Esito |\n|---|---|\n| Login funziona | ⬜ |\n";
    let (code, report, err) = run_doc("owed-legend", doc, &[]);
    assert_eq!(report["verdict"], "PENDING", "{err}");
    assert_eq!(code, 3, "{err}");
    assert_eq!(
        statuses(&report),
        vec![
            ("Support Tickets".into(), "pending".into()),
            ("Rollback-Plan getestet".into(), "pending".into()),
            ("Login funziona".into(), "pending".into()),
        ]
    );
    // One ticked option among boxes, or a single mark, is read.
    let ticked = doc
        .replace("🟢/🟡/🔴", "🟢")
        .replace("☐ offen ☐ ok", "☐ offen ☒ ok")
        .replace("⬜", "✅");
    let (code, report, err) = run_doc("owed-legend-ticked", &ticked, &[]);
    assert!(
        statuses(&report).iter().all(|(_, s)| s == "passed"),
        "{report}"
    );
    assert_eq!(report["verdict"], "GO", "{err}");
    assert_eq!(code, 0, "{err}");
}

/// `- [ ] GO` / `- [ ] NO-GO` is the decision, not two items both owed; a
/// ticked NO-GO is a failure. `[ ] PASS / [ ] FAIL` on one line is one item.
#[test]
fn go_no_go_checkbox_pair_is_one_decision() {
    let doc = |go: &str, nogo: &str, result: &str| {
        format!(
            "# Pre go-live\n\n## Checks\n\n| Test | Esito |\n|---|---|\n| Login | ✅ |\n\n\
             **Result:** {result}\n\n\
             ## Esito Checklist\n\n- {go} **GO** — procedere\n- {nogo} **NO-GO** — Azioni bloccanti\n"
        )
    };
    let (code, report, err) = run_doc(
        "decision-open",
        &doc("[ ]", "[ ]", "[x] PASS / [ ] FAIL"),
        &[],
    );
    let st = statuses(&report);
    assert_eq!(
        st[1],
        ("Result: PASS / FAIL".into(), "passed".into()),
        "{st:?}"
    );
    assert_eq!(st[2].1, "pending", "{st:?}");
    // The unticked NO-GO owes nothing: it is not among the reasons.
    assert_eq!(st[3].1, "skipped", "{st:?}");
    let reasons = report["reasons"].to_string();
    assert!(!reasons.contains("NO-GO"), "{reasons}");
    assert_eq!(report["verdict"], "PENDING", "{err}");
    assert_eq!(code, 3, "{err}");
    // A ticked NO-GO is never a GO, even with GO ticked too.
    let (code, report, err) = run_doc(
        "decision-nogo",
        &doc("[x]", "[x]", "[x] PASS / [ ] FAIL"),
        &[],
    );
    assert_eq!(report["verdict"], "NO_GO", "{err}");
    assert_eq!(code, 1, "{err}");
    // A FAIL ticked on a pass/fail line fails; none ticked is owed.
    let (code, report, _) = run_doc(
        "decision-fail",
        &doc("[ ]", "[ ]", "[ ] PASS / [x] FAIL"),
        &[],
    );
    assert_eq!(statuses(&report)[1].1, "failed");
    assert_eq!(code, 1);
    let (_, report, _) = run_doc(
        "decision-none",
        &doc("[ ]", "[ ]", "[ ] PASS / [ ] FAIL"),
        &[],
    );
    assert_eq!(statuses(&report)[1].1, "pending");
}
