//! Shapes of items that are more than one box each: a rollback procedure
//! written as a checkbox item with its steps under it, readiness items
//! under a rollback heading, a GO / NO-GO decision written as two checkbox
//! items, and a line offering outcomes to tick (`[ ] PASS / [ ] FAIL`).

use crate::model::{CellMark, Item, ItemKind, Outcome, Phase, SectionKind};
use crate::section::{is_preparation_title, is_procedure_title};

/// Items that are procedures by their own words: a checkbox or list item
/// naming a rollback or "if … fails" procedure (`- [ ] **Rollback Strategy
/// (Nếu migration fail):**`) with steps or code under it. It and everything
/// under it become a procedure: never a gate, never run. Returns, per
/// item, whether it lies in such a procedure. `code_items` lists, per code
/// block, the item it belongs to.
pub(crate) fn item_procedures(items: &mut [Item], code_items: &[usize]) -> Vec<bool> {
    let mut inside = vec![false; items.len()];
    for i in 0..items.len() {
        if inside[i] || items[i].section != SectionKind::Normal {
            continue;
        }
        let nested = !items[i].children.is_empty() || code_items.contains(&i);
        let label = label_of(&items[i].text);
        // `- [ ] **Disaster Recovery**` over `RTO defined`, `Failover
        // procedure documented`: readiness checks, owed. A procedure is a
        // label (`Rollback Strategy (if migration fails):`) over steps.
        let is_label = items[i].text.contains([':', '：']);
        let ready_children = items[i]
            .children
            .iter()
            .any(|&c| is_readiness(&items[c].text));
        if !nested
            || !is_label
            || ready_children
            || !is_procedure_title(label)
            || is_preparation_title(label)
            || is_readiness(&items[i].text)
        {
            continue;
        }
        let mut stack = vec![i];
        while let Some(at) = stack.pop() {
            inside[at] = true;
            items[at].section = SectionKind::Rollback;
            stack.extend(items[at].children.iter().copied());
        }
    }
    inside
}

/// The label part of an item's text: before its first colon, markup and
/// a leading mark removed.
fn label_of(text: &str) -> &str {
    let t = text.trim();
    let t = t.split([':', '：']).next().unwrap_or(t);
    t.trim_matches(|c: char| c == '*' || c == '_' || c.is_whitespace())
}

/// Under a rollback heading, checkbox items that all state that something
/// is ready (`**Backup récent** disponible`, `Procédure de rollback
/// documentée`) are readiness checks owed before the release, not steps of
/// the procedure: they go back to being ordinary items.
pub(crate) fn readiness_sections(items: &mut [Item], phases: &[Phase]) {
    for (p, phase) in phases.iter().enumerate() {
        if phase.kind != SectionKind::Rollback {
            continue;
        }
        let tasks: Vec<usize> = items
            .iter()
            .filter(|i| {
                i.phase == Some(p) && i.kind == ItemKind::Task && i.section == SectionKind::Rollback
            })
            .map(|i| i.index)
            .collect();
        let all_ready = !tasks.is_empty()
            && tasks.iter().all(|&i| {
                items[i].steps.is_empty()
                    && items[i].children.is_empty()
                    && is_readiness(&items[i].text)
            });
        if all_ready {
            for i in tasks {
                items[i].section = SectionKind::Normal;
            }
        }
    }
}

/// Whether an item states that something is in place rather than asking
/// for it to be done: a participle or adjective of readiness.
pub fn is_readiness(text: &str) -> bool {
    const WORDS: &[&str] = &[
        // en
        "documented",
        "available",
        "tested",
        "ready",
        "prepared",
        "informed",
        "verified",
        "confirmed",
        "taken",
        "defined",
        "approved",
        "communicated",
        "rehearsed",
        "reviewed",
        "identified",
        "exists",
        // fr
        "documentée",
        "documenté",
        "documentées",
        "documentés",
        "disponible",
        "disponibles",
        "testé",
        "testée",
        "testés",
        "testées",
        "prêt",
        "prête",
        "prêts",
        "prêtes",
        "préparé",
        "préparée",
        "informée",
        "informé",
        "informés",
        "vérifié",
        "vérifiée",
        "validé",
        "validée",
        "défini",
        "définie",
        // de
        "dokumentiert",
        "verfügbar",
        "getestet",
        "bereit",
        "vorbereitet",
        "informiert",
        "geprüft",
        "definiert",
        // es / pt / it
        "documentado",
        "documentada",
        "probado",
        "probada",
        "listo",
        "lista",
        "preparado",
        "preparada",
        "disponível",
        "testado",
        "testada",
        "pronto",
        "pronta",
        "documentato",
        "disponibile",
        "testato",
        "preparato",
    ];
    let lower = text.to_lowercase();
    lower
        .split(|c: char| !c.is_alphanumeric())
        .any(|w| WORDS.contains(&w))
        || lower.contains("in place")
}

/// GO / NO-GO decisions written as checkbox items, and items whose text
/// offers outcomes to tick (`Freigabe: ☐ ja ☐ nein`).
pub(crate) fn decisions(items: &mut [Item]) {
    for item in items.iter_mut() {
        if matches!(item.kind, ItemKind::Task | ItemKind::ListItem)
            && item.mark.is_none()
            && let Some(choice) = choice_line(&item.text)
        {
            item.mark = choice.mark;
        }
    }
    // Sibling checkbox items, one opening with GO and one with NO-GO.
    for i in 0..items.len() {
        if items[i].kind != ItemKind::Task || decision_word(&items[i].text) != Some(Outcome::NoGo) {
            continue;
        }
        let go = items.iter().position(|o| {
            o.index != i
                && o.kind == ItemKind::Task
                && o.parent == items[i].parent
                && o.phase == items[i].phase
                && decision_word(&o.text) == Some(Outcome::Go)
        });
        let Some(go) = go else { continue };
        items[go].outcome = Some(Outcome::Go);
        items[i].outcome = Some(Outcome::NoGo);
        if items[i].checked {
            items[i].mark = Some(CellMark {
                passed: false,
                text: "[x]".into(),
                column: "NO-GO".into(),
            });
        }
    }
}

/// `GO …` or `NO-GO …` at the start of an item, markup and marks removed.
fn decision_word(text: &str) -> Option<Outcome> {
    let t = text
        .trim_start_matches(|c: char| !c.is_alphanumeric())
        .to_uppercase();
    let t = t.replace(['*', '_'], "");
    let rest = |w: &str| {
        t.strip_prefix(w)
            .is_some_and(|r| r.is_empty() || !r.starts_with(|c: char| c.is_alphanumeric()))
    };
    if rest("NO-GO") || rest("NO GO") || rest("NOGO") || rest("NO–GO") {
        Some(Outcome::NoGo)
    } else if rest("GO") {
        Some(Outcome::Go)
    } else {
        None
    }
}

/// A bold gate label opening a line: `**Gate:** …`, `**Gate per node:** …`,
/// `**Exit criteria:** …`.
pub(crate) fn is_gate_line(line: &str) -> bool {
    let Some(rest) = line.strip_prefix("**") else {
        return false;
    };
    let Some(end) = rest.find("**") else {
        return false;
    };
    let label = rest[..end]
        .trim()
        .trim_end_matches(':')
        .trim()
        .to_lowercase();
    let after = rest[end + 2..].trim_start_matches(':').trim();
    !after.is_empty()
        && (label == "gate"
            || label.starts_with("gate ")
            || label.ends_with(" gate")
            || label == "exit criteria"
            || label == "go/no-go"
            || label == "go / no-go")
}

/// A line offering outcomes to tick.
pub struct Choice {
    /// The line with its boxes removed: `Sonuç: BAŞARILI / BAŞARISIZ`.
    pub text: String,
    /// The outcome ticked, if exactly one is.
    pub mark: Option<CellMark>,
}

/// Reads a line with two or more boxes (`[ ]`, `[x]`, `☐`, `☑`, `☒`), each
/// followed by its outcome. `None` if the line has fewer than two.
pub(crate) fn choice_line(line: &str) -> Option<Choice> {
    let lower = line.to_lowercase();
    let boxes = lower.matches("[ ]").count()
        + lower.matches("[x]").count()
        + line
            .chars()
            .filter(|c| matches!(c, '☐' | '☑' | '☒' | '⬜'))
            .count();
    if boxes < 2 {
        return None;
    }
    let first = ["[ ]", "[x]", "[X]", "☐", "☑", "☒", "⬜"]
        .iter()
        .filter_map(|b| line.find(b))
        .min()?;
    let cell = &line[first..];
    // `Status: [ ] Success [ ] Rolled Back [ ] Partial Issues`: a record of
    // how a finished deployment went, not a check owed before it.
    let rolled_back = cell.to_lowercase().contains("rolled back") || is_procedure_title(cell);
    if rolled_back {
        return None;
    }
    let mut text = line.to_string();
    for b in [
        "[ ] ", "[x] ", "[X] ", "[ ]", "[x]", "[X]", "☐ ", "☑ ", "☒ ", "⬜ ",
    ] {
        text = text.replace(b, "");
    }
    let text = text.replace("**", "").trim().to_string();
    let mark = crate::tablelist::read_mark(cell).map(|passed| CellMark {
        passed,
        text: cell.trim().to_string(),
        column: line[..first]
            .trim()
            .trim_matches(|c: char| c == '*' || c == '_')
            .trim()
            .trim_end_matches([':', '*'])
            .trim()
            .to_string(),
    });
    Some(Choice { text, mark })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(doc: &str) -> crate::Checklist {
        crate::parse(doc.as_bytes())
    }

    #[test]
    fn go_and_no_go_checkboxes_are_one_decision() {
        let doc = "## Esito\n- [ ] **GO** — procedere\n- [ ] **NO-GO** — bloccanti\n";
        let list = parse(doc);
        let outcomes: Vec<_> = list.items.iter().map(|i| i.outcome).collect();
        assert_eq!(outcomes, [Some(Outcome::Go), Some(Outcome::NoGo)]);
        assert!(list.items[1].mark.is_none());
        let ticked = parse("## Esito\n- [ ] GO\n- [x] NO-GO: blockers\n");
        let m = ticked.items[1]
            .mark
            .as_ref()
            .expect("a ticked NO-GO is a mark");
        assert!(!m.passed);
        // A lone "Go live" item is not a decision; "Going" is not GO.
        let list = parse("- [ ] Go live\n- [ ] Going on\n");
        assert!(list.items.iter().all(|i| i.outcome.is_none()));
    }

    #[test]
    fn pass_fail_boxes_on_a_line_are_one_item() {
        let doc = "### 2. Build\n\n```powershell\npnpm build\n```\n\n**Sonuç:** [ ] BAŞARILI / [ ] BAŞARISIZ  \n**Süre:** ____\n\n### 3\n\n**Sonuç:** [x] BAŞARILI / [ ] BAŞARISIZ\n";
        let list = parse(doc);
        let choices: Vec<_> = list
            .items
            .iter()
            .filter(|i| i.kind == ItemKind::Choice)
            .collect();
        assert_eq!(choices.len(), 2, "{:?}", list.items);
        assert_eq!(choices[0].text, "Sonuç: BAŞARILI / BAŞARISIZ");
        assert!(choices[0].mark.is_none());
        assert_eq!(choices[1].mark.as_ref().map(|m| m.passed), Some(true));
        // A list item offering options is owed until one is ticked.
        let list = parse("## Übergabe\n- Freigabe: ☐ ja ☐ nein\n- Datum: x\n");
        assert!(list.items[0].mark.is_none());
        let list = parse("Done.\n\n**Status:** [ ] Success [ ] Rolled Back [ ] Partial Issues\n");
        assert!(list.items.is_empty(), "{:?}", list.items);
        let list = parse("## Übergabe\n- Freigabe: ☐ ja ☒ nein\n");
        assert_eq!(list.items[0].mark.as_ref().map(|m| m.passed), Some(false));
    }

    #[test]
    fn gates_in_a_bullet_document_are_owed() {
        let doc = "## Window 1\n\n1. Merge\n2. Validate:\n   - `flux get hr -n x longhorn` → `Ready`\n   - volumes `Robust`\n\n**Rollback:** revert #111.\n\n**Gate:** Longhorn healthy → proceed to Window 2.\n";
        let list = parse(doc);
        let texts: Vec<(&str, SectionKind)> = list
            .items
            .iter()
            .map(|i| (i.text.as_str(), i.section))
            .collect();
        use SectionKind::*;
        assert_eq!(
            texts,
            [
                ("Merge", Normal),
                ("Validate:", Normal),
                ("Validate: `flux get hr -n x longhorn` → `Ready`", Normal),
                ("Validate: volumes `Robust`", Normal),
                ("Gate: Longhorn healthy → proceed to Window 2.", Normal),
            ]
        );
        assert_eq!(list.procedures.len(), 1);
        assert_eq!(list.procedures[0].label, "Rollback");
    }

    #[test]
    fn a_rollback_checkbox_with_steps_is_a_procedure() {
        let doc = "## 4. Migration\n- [ ] Run migrations\n- [ ] **Rollback Strategy (Nếu migration fail):**\n  1. Revert code.\n  2. Resolve:\n     ```bash\n     npx prisma migrate resolve --rolled-back x\n     ```\n- [ ] Rollback plan tested\n\n## 5. Deploy\n- [ ] deploy\n";
        let list = parse(doc);
        let kinds: Vec<(&str, SectionKind)> = list
            .items
            .iter()
            .map(|i| (i.text.as_str(), i.section))
            .collect();
        assert_eq!(kinds[0].1, SectionKind::Normal);
        assert_eq!(kinds[1].1, SectionKind::Rollback);
        assert_eq!(kinds.last().map(|k| k.1), Some(SectionKind::Normal));
        assert!(
            kinds
                .iter()
                .any(|(t, s)| *t == "Rollback plan tested" && *s == SectionKind::Normal)
        );
        assert!(list.steps.iter().all(|s| s.procedure));
        // Seed 004: a checkbox naming disaster recovery over readiness
        // checks is owed, not a procedure.
        let doc = "## Backups\n- [ ] **Disaster Recovery**\n  - [ ] RTO defined (4 hours)\n  - [ ] Failover procedure documented\n";
        let list = parse(doc);
        assert!(list.items.iter().all(|i| i.section == SectionKind::Normal));
        assert!(list.procedures.is_empty());
    }

    #[test]
    fn readiness_items_under_a_rollback_heading_are_owed() {
        let doc = "## 🚨 PLAN DE ROLLBACK\n### En Cas de Problème\n- [ ] ⏳ **Procédure de rollback** documentée\n- [ ] ⏳ **Backup récent** disponible\n\n## Rollback procedure\n- [ ] Revert the deploy\n- [ ] Backup restored and verified\n";
        let list = parse(doc);
        let sections: Vec<SectionKind> = list.items.iter().map(|i| i.section).collect();
        use SectionKind::*;
        assert_eq!(sections, [Normal, Normal, Rollback, Rollback]);
    }
}

#[cfg(test)]
mod fence_tests {
    #[test]
    fn a_checklist_inside_a_markdown_fence_is_the_document() {
        let doc = "# QA\n\n### 1.1 Build\n\n```markdown\n## ✅ Code Quality\n\n- [ ] unit tests pass\n  命令: npm run test:unit\n\nVerify:\n```bash\necho hi\n```\n\n- [ ] build ok\n```\n\n```markdown\njust an example, no boxes\n```\n\n## Next\n- [ ] after\n";
        let list = crate::parse(doc.as_bytes());
        let texts: Vec<&str> = list.items.iter().map(|i| i.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "unit tests pass 命令: npm run test:unit",
                "build ok",
                "after"
            ]
        );
        // Offsets are the file's: the first item is on line 8.
        assert_eq!(list.items[0].line, 8);
        // The inner bash block is a step; the box-less fence stays code.
        let langs: Vec<Option<&str>> = list.steps.iter().map(|s| s.lang.as_deref()).collect();
        assert_eq!(langs, [Some("bash"), Some("markdown")]);
        // A template to copy stays a code block.
        let doc =
            "## Deployment Log Entry Template\n\n```markdown\n- [ ] Health check: PASS/FAIL\n```\n";
        let list = crate::parse(doc.as_bytes());
        assert!(list.items.is_empty(), "{:?}", list.items);
        assert_eq!(list.steps.len(), 1);
    }
}
