//! The five seed checklists, parsed: counts and structure the issue names.

use greenlight_doc::{Checklist, ItemKind, SectionKind, Severity, parse};

fn seed(n: usize) -> (Vec<u8>, Checklist) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/seeds");
    let entry = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(&format!("{n:03}_"))
        })
        .unwrap_or_else(|| panic!("seed {n} missing in {dir}"));
    let bytes = std::fs::read(entry).unwrap();
    let list = parse(&bytes);
    (bytes, list)
}

#[test]
fn task_item_counts() {
    for (n, want) in [(0, 88), (1, 28), (2, 91), (3, 289), (4, 242)] {
        let (_, list) = seed(n);
        let tasks: Vec<_> = list.task_items().collect();
        assert_eq!(tasks.len(), want, "seed {n} task items");
        assert!(tasks.iter().all(|i| !i.checked), "seed {n}: all unchecked");
    }
}

#[test]
fn fenced_block_counts() {
    for (n, want) in [(0, 40), (1, 21), (2, 24), (3, 22), (4, 0)] {
        let (_, list) = seed(n);
        assert_eq!(
            list.steps.iter().filter(|s| s.fenced).count(),
            want,
            "seed {n}"
        );
    }
}

fn roles(list: &Checklist) -> Vec<String> {
    list.signoffs.iter().map(|s| s.role.clone()).collect()
}

#[test]
fn signoff_roles() {
    let expect: [(usize, &[&str]); 5] = [
        (0, &["Release Manager", "Technical Lead", "Product Owner"]),
        (1, &["Release Engineer"]),
        (
            2,
            &[
                "Technical Lead",
                "DevOps Lead",
                "QA Lead",
                "Technical Lead",
                "DevOps Lead",
                "Product Manager",
                "CTO/Engineering Director",
            ],
        ),
        (3, &["Technical lead", "Product owner", "Security team"]),
        (
            4,
            &[
                "CTO/Chief Architect",
                "Security Officer",
                "DevOps Lead",
                "Product Owner",
                "Operations Manager",
                "Customer Success Lead",
            ],
        ),
    ];
    for (n, want) in expect {
        let (_, list) = seed(n);
        let got = roles(&list);
        assert_eq!(got, want, "seed {n} sign-off roles");
    }
}

#[test]
fn seed_002_signoffs_are_split_by_stage() {
    let (_, list) = seed(2);
    let by_phase: Vec<(String, String)> = list
        .signoffs
        .iter()
        .map(|s| (list.phases[s.phase.unwrap()].title.clone(), s.role.clone()))
        .collect();
    assert_eq!(by_phase[0].0, "Staging Deployment");
    assert_eq!(by_phase[3].0, "Production Deployment");
    assert_eq!(by_phase[6].1, "CTO/Engineering Director");
    // The two Technical Lead slots are distinct.
    assert_ne!(list.signoffs[0].id, list.signoffs[3].id);
}

#[test]
fn budgets_of_seed_001() {
    let (_, list) = seed(1);
    let budget = |needle: &str| {
        list.phases
            .iter()
            .find(|p| p.title.contains(needle))
            .unwrap_or_else(|| panic!("no phase {needle}"))
            .budget_seconds
    };
    assert_eq!(budget("PRE-FLIGHT CHECKS"), Some(5 * 60));
    assert_eq!(budget("STAGING VALIDATION"), Some(15 * 60));
    assert_eq!(budget("PRODUCTION PREP"), Some(10 * 60));
    assert_eq!(budget("RELEASE EXECUTION"), Some(15 * 60));
}

#[test]
fn severity_tiers_of_seed_004() {
    let (_, list) = seed(4);
    let sev = |needle: &str| {
        list.items
            .iter()
            .find(|i| i.text.contains(needle))
            .unwrap_or_else(|| panic!("no item {needle}"))
            .severity
    };
    assert_eq!(sev("Import Cycles Resolution"), Severity::Blocker);
    assert_eq!(sev("Extract shared types"), Severity::Blocker);
    assert_eq!(sev("Security Hardening"), Severity::Blocker);
    assert_eq!(sev("Performance Validation"), Severity::ShouldFix);
    assert_eq!(sev("Add missing indexes"), Severity::ShouldFix);
    assert_eq!(sev("API documentation complete"), Severity::Optional);
    assert_eq!(sev("3x API servers"), Severity::Required);
    let tiers: Vec<_> = list
        .phases
        .iter()
        .filter_map(|p| p.severity.map(|s| (p.title.clone(), s)))
        .collect();
    assert_eq!(
        tiers,
        vec![
            (
                "🔴 Critical Blockers (Must Fix)".to_string(),
                Severity::Blocker
            ),
            (
                "🟡 High Priority (Should Fix)".to_string(),
                Severity::ShouldFix
            ),
            (
                "🟢 Nice to Have (Can Deploy Without)".to_string(),
                Severity::Optional
            ),
        ]
    );
}

#[test]
fn rollback_sections() {
    for (n, want) in [
        (0, vec!["🎯 ROLLBACK PROCEDURES"]),
        (1, vec!["🚨 ROLLBACK PROCEDURE (Emergency Use Only)"]),
        (2, vec!["Rollback Procedures"]),
        // "If issues detected:" under it: a conditional procedure, not
        // runbook steps owed before the release.
        (3, vec!["25. Incident Response"]),
        (4, vec![]),
    ] {
        let (_, list) = seed(n);
        let got: Vec<_> = list.rollback_sections().map(|p| p.title.as_str()).collect();
        assert_eq!(got, want, "seed {n}");
    }
    // Rollback preparation is an ordinary check, not the procedure.
    let (_, list) = seed(1);
    let prep = list
        .phases
        .iter()
        .find(|p| p.title == "Rollback Preparation")
        .unwrap();
    assert_eq!(prep.kind, SectionKind::Normal);
}

#[test]
fn monitoring_sections() {
    let (_, list) = seed(1);
    let got: Vec<_> = list
        .monitoring_sections()
        .map(|p| p.title.as_str())
        .collect();
    assert_eq!(
        got,
        vec![
            "5. 📊 POST-DEPLOYMENT MONITORING (Ongoing)",
            "6. 🔄 48-HOUR MONITORING WINDOW"
        ]
    );
}

#[test]
fn mojibake_is_repaired_for_display() {
    for n in [0, 1, 4] {
        let (_, list) = seed(n);
        assert!(list.source.mojibake.is_some(), "seed {n} has mojibake");
        let all: String = list.phases.iter().map(|p| p.title.as_str()).collect();
        for broken in ["âœ", "ðŸ", "üöÄ", "â€"] {
            assert!(!all.contains(broken), "seed {n} still shows {broken}");
        }
    }
    let (_, list) = seed(0);
    assert_eq!(
        list.title.as_deref(),
        Some("✅ NOX API v8.0.0 — Staging Validation & Release Checklist")
    );
    let (_, list) = seed(1);
    assert!(
        list.title
            .as_deref()
            .unwrap()
            .starts_with("🚀 NOX API v8.0.0 — Ops")
    );
}

#[test]
fn steps_attach_to_items_and_phases() {
    let (_, list) = seed(0);
    let item = list
        .items
        .iter()
        .find(|i| i.text == "Run Environment Verification Script")
        .unwrap();
    assert_eq!(item.steps.len(), 1);
    let step = &list.steps[item.steps[0]];
    assert_eq!(step.lang.as_deref(), Some("bash"));
    assert!(step.code.contains("verify_env.py"));
    // 001's test points are a bare block under a heading.
    let (_, list) = seed(1);
    let phase = list
        .phases
        .iter()
        .find(|p| p.title == "Critical Test Points")
        .unwrap();
    assert_eq!(phase.steps.len(), 1);
    assert!(list.steps[phase.steps[0]].code.contains("/health"));
}

#[test]
fn positions_point_at_the_source() {
    for n in 0..5 {
        let (bytes, list) = seed(n);
        for item in list.task_items() {
            let cb = item.checkbox.unwrap();
            assert_eq!(
                &bytes[cb.start..cb.end],
                b"[ ]",
                "seed {n} line {}",
                item.line
            );
            let line_start = bytes[..cb.start]
                .iter()
                .rposition(|b| *b == b'\n')
                .map_or(0, |p| p + 1);
            let line_no = bytes[..cb.start].iter().filter(|b| **b == b'\n').count() + 1;
            assert_eq!(cb.line, line_no);
            assert_eq!(cb.col, cb.start - line_start + 1);
        }
        for step in &list.steps {
            let text = String::from_utf8_lossy(&bytes[step.span.start..step.span.end]);
            if step.fenced {
                assert!(
                    text.trim_start().starts_with("```"),
                    "seed {n} step {}",
                    step.line
                );
            }
        }
    }
}

#[test]
fn item_ids_are_unique() {
    for n in 0..5 {
        let (_, list) = seed(n);
        let mut ids: Vec<_> = list.items.iter().map(|i| i.id.as_str()).collect();
        ids.sort();
        let before = ids.len();
        ids.dedup();
        assert_eq!(before, ids.len(), "seed {n}");
    }
}

#[test]
fn runbook_steps_count_only_without_tasks() {
    let src = "# Release\n\n## Deploy\n\n1. Tag the release\n2. Push the image\n   ```bash\n   docker push x\n   ```\n3. Announce\n\n## Verify\n\n- [ ] Health is green\n1. not an item here\n";
    let list = parse(src.as_bytes());
    let steps: Vec<_> = list
        .items
        .iter()
        .filter(|i| i.kind == ItemKind::RunbookStep)
        .map(|i| i.text.as_str())
        .collect();
    assert_eq!(steps, vec!["Tag the release", "Push the image", "Announce"]);
    assert_eq!(list.task_items().count(), 1);
    assert_eq!(list.items[1].steps.len(), 1);
}

#[test]
fn double_spaced_metric_table_of_seed_001_is_a_table() {
    let (bytes, list) = seed(1);
    let text = String::from_utf8_lossy(&bytes);
    let metrics: Vec<_> = list
        .tables
        .iter()
        .filter(|t| t.header.first().is_some_and(|h| h == "Metric"))
        .collect();
    assert_eq!(metrics.len(), 1, "{:#?}", list.tables);
    let t = metrics[0];
    assert_eq!(t.header, ["Metric", "Target", "Critical Threshold"]);
    assert_eq!(t.rows.len(), 5);
    assert_eq!(t.rows[0], ["Response Time (p95)", "< 300ms", "< 500ms"]);
    // Mojibake in a cell is repaired like everywhere else.
    assert_eq!(t.rows[4], ["Active Pods", "≥ 3", "≥ 2"]);
    let first_line = text.lines().nth(t.line - 1).unwrap();
    assert!(first_line.starts_with("| Metric |"), "{first_line}");
    // Ordinary tables still come from the Markdown parser, once.
    let (_, list3) = seed(3);
    assert_eq!(list3.tables.len(), 1);
}
