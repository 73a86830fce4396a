//! The readable outline `greenlight inspect` prints.

use greenlight_doc::{Checklist, ItemKind, SectionKind, Severity};
use std::fmt::Write;

/// Renders the outline of a checklist. `name` is how the file is called in
/// the header (its path as the user gave it).
pub fn render(name: &str, list: &Checklist) -> String {
    let mut out = String::new();
    let title = list.title.as_deref().unwrap_or("(untitled checklist)");
    let tasks = list.task_items().count();
    let runbook = list
        .items
        .iter()
        .filter(|i| i.kind == ItemKind::RunbookStep)
        .count();
    let _ = writeln!(out, "{title}");
    let mut facts = vec![plural(tasks, "task item")];
    if runbook > 0 {
        facts.push(plural(runbook, "runbook step"));
    }
    let count = |kind: ItemKind| list.items.iter().filter(|i| i.kind == kind).count();
    let (bullets, rows) = (count(ItemKind::ListItem), count(ItemKind::TableRow));
    if bullets > 0 {
        facts.push(plural(bullets, "list item"));
    }
    if rows > 0 {
        facts.push(plural(rows, "table row item"));
    }
    facts.push(plural(list.steps.len(), "code block"));
    facts.push(plural(list.tables.len(), "table"));
    facts.push(plural(list.signoffs.len(), "sign-off slot"));
    let _ = writeln!(out, "{name} · {}", facts.join(" · "));
    let _ = writeln!(out, "{}", source_line(list));
    if let Some(from) = &list.items_from {
        let _ = writeln!(out, "items ({}): {}", from.mode.as_str(), from.why);
    }
    out.push('\n');

    // Phases and items interleaved in document order.
    let mut phase_iter = list.phases.iter().peekable();
    // Table-row items come after the list items in the model.
    let mut ordered: Vec<&greenlight_doc::Item> = list.items.iter().collect();
    ordered.sort_by_key(|i| i.span.start);
    let mut item_iter = ordered.into_iter().peekable();
    loop {
        let next_phase = phase_iter.peek().map(|p| p.span.start);
        let next_item = item_iter.peek().map(|i| i.span.start);
        match (next_phase, next_item) {
            (None, None) => break,
            (Some(p), Some(i)) if i < p => render_item(&mut out, list, item_iter.next().unwrap()),
            (None, Some(_)) => render_item(&mut out, list, item_iter.next().unwrap()),
            _ => render_phase(&mut out, list, phase_iter.next().unwrap()),
        }
    }

    if !list.signoffs.is_empty() {
        out.push_str("\nSign-off slots\n");
        for s in &list.signoffs {
            let under = s
                .phase
                .map(|p| list.phases[p].title.as_str())
                .unwrap_or("-");
            let fields = if s.fields.is_empty() {
                String::new()
            } else {
                format!(" ({})", s.fields.join(", "))
            };
            let _ = writeln!(
                out,
                "  L{:<5} {}{} — under “{}”",
                s.line, s.role, fields, under
            );
        }
    }
    for (label, kind) in [
        (
            "Rollback procedures (never part of a run)",
            SectionKind::Rollback,
        ),
        (
            "Monitoring windows (observed after release)",
            SectionKind::Monitoring,
        ),
    ] {
        let roots: Vec<_> = match kind {
            SectionKind::Rollback => list.rollback_sections().collect(),
            _ => list.monitoring_sections().collect(),
        };
        // Procedures opened by a label or an item inside an ordinary
        // section (those inside a rollback heading are shown by it).
        let labels: Vec<&greenlight_doc::ProcedureLabel> = if kind == SectionKind::Rollback {
            list.procedures
                .iter()
                .filter(|l| {
                    list.phases
                        .iter()
                        .rfind(|p| p.line <= l.line)
                        .is_none_or(|p| p.kind == SectionKind::Normal)
                })
                .collect()
        } else {
            Vec::new()
        };
        if roots.is_empty() && labels.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n{label}");
        for p in labels {
            let _ = writeln!(out, "  L{:<5} {} (within its section)", p.line, p.label);
        }
        for p in roots {
            let budget = p
                .budget_text
                .as_deref()
                .map(|b| format!(" · {b}"))
                .unwrap_or_default();
            let _ = writeln!(out, "  L{:<5} {}{}", p.line, p.title, budget);
        }
    }
    out
}

fn source_line(list: &Checklist) -> String {
    let s = &list.source;
    let mut parts = vec![match s.encoding {
        greenlight_doc::encoding::SourceEncoding::Utf8 => "utf-8".to_string(),
        greenlight_doc::encoding::SourceEncoding::Windows1252 => {
            "not utf-8: read as windows-1252".to_string()
        }
    }];
    if s.bom {
        parts.push("bom".into());
    }
    parts.push(s.line_endings.to_string());
    parts.push(format!("{} lines", s.lines));
    if let Some(m) = s.mojibake {
        let from = match m {
            greenlight_doc::encoding::Mojibake::Windows1252 => "windows-1252",
            greenlight_doc::encoding::Mojibake::MacRoman => "macroman",
        };
        parts.push(format!(
            "mojibake ({from}) repaired for display; `greenlight fix-encoding` writes a fixed copy"
        ));
    }
    parts.join(" · ")
}

fn render_phase(out: &mut String, list: &Checklist, p: &greenlight_doc::Phase) {
    let indent = "  ".repeat(usize::from(p.level.saturating_sub(1)));
    let mut tags = Vec::new();
    if let Some(b) = &p.budget_text {
        tags.push(format!("budget {b}"));
    }
    if let Some(s) = p.severity {
        tags.push(s.as_str().to_string());
    }
    let inherited = p.parent.map(|up| list.phases[up].kind);
    if p.kind != SectionKind::Normal && inherited != Some(p.kind) {
        tags.push(
            match p.kind {
                SectionKind::Rollback => "rollback",
                SectionKind::Monitoring => "monitoring",
                SectionKind::Signoff => "sign-off",
                SectionKind::Normal => "",
            }
            .to_string(),
        );
    }
    if !p.steps.is_empty() {
        tags.push(steps_tag(list, &p.steps));
    }
    let tags = if tags.is_empty() {
        String::new()
    } else {
        format!("  [{}]", tags.join(" · "))
    };
    let hashes = "#".repeat(usize::from(p.level));
    let _ = writeln!(out, "L{:<5} {indent}{hashes} {}{tags}", p.line, p.title);
}

fn render_item(out: &mut String, list: &Checklist, i: &greenlight_doc::Item) {
    let level = i.phase.map_or(0, |p| usize::from(list.phases[p].level));
    let indent = "  ".repeat(level + i.depth);
    let mark = match (i.kind, i.checked) {
        (ItemKind::RunbookStep, _) => "1.",
        (ItemKind::ListItem, _) => "- ",
        (ItemKind::TableRow | ItemKind::Choice, _) => match i.mark.as_ref().map(|m| m.passed) {
            Some(true) => "|✓|",
            Some(false) => "|✗|",
            None => "| |",
        },
        (_, true) => "[x]",
        (_, false) => "[ ]",
    };
    let mut tags = Vec::new();
    if !i.steps.is_empty() {
        tags.push(steps_tag(list, &i.steps));
    }
    let parent_sev = i.parent.map(|p| list.items[p].severity);
    if i.severity != Severity::Required && parent_sev != Some(i.severity) && i.depth == 0 {
        tags.push(i.severity.as_str().to_string());
    }
    if i.signoff.is_some() && i.parent.and_then(|p| list.items[p].signoff) != i.signoff {
        tags.push("sign-off".into());
    }
    let tags = if tags.is_empty() {
        String::new()
    } else {
        format!("  [{}]", tags.join(" · "))
    };
    let _ = writeln!(
        out,
        "L{:<5} {indent}{mark} {}  {}{tags}",
        i.line,
        shorten(&i.text, 72),
        i.id
    );
}

fn steps_tag(list: &Checklist, steps: &[usize]) -> String {
    let mut langs: Vec<&str> = steps
        .iter()
        .map(|s| list.steps[*s].lang.as_deref().unwrap_or("text"))
        .collect();
    langs.dedup();
    let n = steps.len();
    format!(
        "{n} code block{} ({})",
        if n == 1 { "" } else { "s" },
        langs.join(", ")
    )
}

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max - 1).collect();
    format!("{}…", cut.trim_end())
}

fn plural(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}
