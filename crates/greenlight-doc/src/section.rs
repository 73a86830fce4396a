//! What a heading's section is for: a rollback procedure, a post-release
//! monitoring window, sign-offs, or ordinary checks.

use crate::model::SectionKind;

/// The kind a heading gives its section, given its parent's kind.
///
/// Kinds are inherited: everything under `## ROLLBACK PROCEDURES` is part of
/// the procedure. Preparing a rollback (`Rollback Preparation`, `rollback
/// tested`) is an ordinary check, and so is everything under such a heading.
pub fn section_kind(title: &str, parent: Option<SectionKind>, parent_is_prep: bool) -> SectionKind {
    if let Some(kind @ (SectionKind::Rollback | SectionKind::Monitoring | SectionKind::Signoff)) =
        parent
    {
        return kind;
    }
    let words = || {
        title
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
    };
    let has = |w: &str| words().any(|x| x.eq_ignore_ascii_case(w));
    let contains = |needle: &str| contains_ignore_ascii_case(title, needle);
    if is_procedure_title(title) && !is_preparation_title(title) && !parent_is_prep {
        return SectionKind::Rollback;
    }
    if has("monitoring")
        && (has("window")
            || contains("post-")
            || contains("post ")
            || has("ongoing")
            || has("extended")
            || crate::budget::find_budget(title).is_some())
    {
        return SectionKind::Monitoring;
    }
    if is_signoff_title(title) {
        return SectionKind::Signoff;
    }
    SectionKind::Normal
}

/// Whether a heading (or a bold or bare label) names a procedure for when
/// something goes wrong: rollback, revert, abort, emergency, incident,
/// recovery, troubleshooting, or a step taken only "if needed" / "if … fails".
/// In English, German, French, Spanish and Portuguese.
pub fn is_procedure_title(title: &str) -> bool {
    let lower = title.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let first = words.first().copied().unwrap_or("");
    // "Emergency contacts", "Incident contacts": a list of people.
    if words
        .iter()
        .any(|w| w.starts_with("contact") || w.starts_with("kontakt"))
    {
        return false;
    }
    // Word stems that make a procedure wherever they stand.
    const STEMS: &[&str] = &[
        "rollback",
        "revert",
        "troubleshoot",
        "emergency",
        "incident",
        "rückgängig",
        "zurückrollen",
        "zurücksetzen",
        "fehlerbehebung",
        "notfall",
        "dépannage",
        "depannage",
        "reversión",
        "reversion",
        "reversão",
        "reversao",
    ];
    if words.iter().any(|w| STEMS.iter().any(|s| w.starts_with(s))) {
        return true;
    }
    const PHRASES: &[&str] = &[
        "roll back",
        "rolling back",
        "retour arrière",
        "retour arriere",
        "solución de problemas",
        "solucion de problemas",
        "solução de problemas",
        "solucao de problemas",
        "disaster recovery",
        "if needed",
        "if necessary",
        "if required",
        "falls nötig",
        "bei bedarf",
        "si nécessaire",
        "si es necesario",
        "se necessário",
    ];
    if PHRASES.iter().any(|p| lower.contains(p)) {
        return true;
    }
    // Chinese, Japanese, Korean: no spaces between words.
    const CJK: &[&str] = &[
        "回滚",
        "回滾",
        "ロールバック",
        "切り戻し",
        "롤백",
        "故障排除",
        "故障排查",
        "トラブルシューティング",
        "문제 해결",
    ];
    if CJK.iter().any(|p| lower.contains(p)) {
        return true;
    }
    // "Recovery", "Recovery procedure", "Abort", "Problem: …": the heading
    // starts with the word.
    if [
        "recovery",
        "abort",
        "problem",
        "problems",
        "wiederherstellung",
    ]
    .contains(&first)
    {
        return true;
    }
    // "If the deploy fails", "If health checks fail", "Falls … fehlschlägt".
    const FAILS: &[&str] = &[
        "fail",
        "fails",
        "failed",
        "failure",
        "breaks",
        "issues",
        "problems",
        "errors",
        "fehlschlägt",
        "échoue",
        "falla",
        "falhar",
    ];
    ["if", "when", "falls", "wenn", "si", "se"].contains(&first)
        && words.iter().any(|w| FAILS.contains(w))
}

/// Whether a heading prepares or tests something rather than doing it.
pub fn is_preparation_title(title: &str) -> bool {
    title
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .any(|w| {
            [
                "preparation",
                "prep",
                "readiness",
                "ready",
                "tested",
                "testing",
                "test",
            ]
            .iter()
            .any(|p| w.eq_ignore_ascii_case(p))
        })
}

/// `haystack` contains `needle` (ASCII, lower case), ignoring ASCII case.
pub(crate) fn contains_ignore_ascii_case(haystack: &str, needle: &str) -> bool {
    let (h, n) = (haystack.as_bytes(), needle.as_bytes());
    n.is_empty() || h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
}

/// Whether a heading announces sign-offs or approvals.
pub fn is_signoff_title(title: &str) -> bool {
    ["sign-off", "signoff", "sign off", "approval"]
        .iter()
        .any(|n| contains_ignore_ascii_case(title, n))
}

#[cfg(test)]
mod tests {
    use super::*;
    use SectionKind::*;

    #[test]
    fn rollback_headings() {
        assert_eq!(
            section_kind("🎯 ROLLBACK PROCEDURES", None, false),
            Rollback
        );
        assert_eq!(
            section_kind("🚨 ROLLBACK PROCEDURE (Emergency Use Only)", None, false),
            Rollback
        );
        assert_eq!(section_kind("Rollback Procedures", None, false), Rollback);
        assert_eq!(section_kind("Rollback Preparation", None, false), Normal);
        assert_eq!(
            section_kind("19. Rollback Procedures", Some(Normal), true),
            Normal
        );
        assert_eq!(
            section_kind("When to Rollback", Some(Rollback), false),
            Rollback
        );
    }

    #[test]
    fn procedure_headings_in_every_shape() {
        for title in [
            "Rollback",
            "Rolling back",
            "Roll back",
            "Rollback plan",
            "Rollback procedure",
            "Emergency rollback",
            "Emergency Procedures",
            "Incident response",
            "Troubleshooting",
            "If needed",
            "If the deploy fails",
            "If health checks fail",
            "If issues detected",
            "Problem: pods crash on start",
            "Recovery",
            "Disaster recovery",
            "Abort",
            "Revert",
            "Reverting the migration",
            "Rückgängig machen",
            "Zurückrollen",
            "Fehlerbehebung",
            "Retour arrière",
            "Dépannage",
            "Reversión",
            "Solución de problemas",
            "Reversão",
            "Solução de problemas",
            "部署失敗回滾",
            "回滚方案",
            "ロールバック手順",
            "롤백 절차",
        ] {
            assert_eq!(section_kind(title, None, false), Rollback, "{title}");
        }
    }

    #[test]
    fn ordinary_headings_stay_checks() {
        for title in [
            "Pre-deployment checks",
            "Deploy",
            "Smoke tests",
            "Rollback Preparation",
            "Rollback tested",
            "Backup & Recovery verification",
            "Known problems fixed",
            "Database migration",
            "Post-deploy verification",
            "Iffy endpoints",
            "EMERGENCY CONTACTS",
            "If all checks pass",
        ] {
            assert_eq!(section_kind(title, None, false), Normal, "{title}");
        }
    }

    #[test]
    fn monitoring_headings() {
        assert_eq!(
            section_kind("8. 📊 POST-RELEASE MONITORING", None, false),
            Monitoring
        );
        assert_eq!(
            section_kind("6. 🔄 48-HOUR MONITORING WINDOW", None, false),
            Monitoring
        );
        assert_eq!(
            section_kind("5. 📊 POST-DEPLOYMENT MONITORING (Ongoing)", None, false),
            Monitoring
        );
        assert_eq!(
            section_kind("24. Production Monitoring (First 24 hours)", None, false),
            Monitoring
        );
        assert_eq!(section_kind("Monitoring & Alerting", None, false), Normal);
        assert_eq!(section_kind("8. Monitoring Setup", None, false), Normal);
    }

    #[test]
    fn signoff_headings() {
        assert_eq!(section_kind("Sign-off", None, false), Signoff);
        assert_eq!(
            section_kind("📋 FINAL SIGN-OFF CHECKLIST", None, false),
            Signoff
        );
        assert_eq!(section_kind("Technical Approval", None, false), Signoff);
    }
}
