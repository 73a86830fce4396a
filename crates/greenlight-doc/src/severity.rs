//! Severity from headings and labels: `Critical Blockers (Must Fix)`,
//! `High Priority (Should Fix)`, `Nice to Have (Can Deploy Without)`,
//! `Status: **BLOCKING**`.

use crate::model::Severity;

/// Severity stated by a heading, if any.
pub fn heading_severity(title: &str) -> Option<Severity> {
    // One pass over the words, remembering what was seen.
    let (mut optional, mut have, mut nice_to, mut deploy_without) = (false, false, false, false);
    let (mut blocker, mut should) = (false, false);
    let mut prev = "";
    for w in words(title) {
        let is = |k: &str| w.eq_ignore_ascii_case(k);
        optional |= is("optional");
        have |= is("have");
        nice_to |= is("to") && prev.eq_ignore_ascii_case("nice");
        deploy_without |= is("without") && prev.eq_ignore_ascii_case("deploy");
        blocker |= ["critical", "blocker", "blockers", "blocking", "must"]
            .iter()
            .any(|k| is(k));
        should |= ["high", "should", "important"].iter().any(|k| is(k));
        prev = w;
    }
    // Optional first: "Nice to Have (Can Deploy Without)" mentions no blocker
    // words, but "Optional (not critical)" must stay optional.
    if optional || (nice_to && have) || deploy_without {
        Some(Severity::Optional)
    } else if blocker {
        Some(Severity::Blocker)
    } else if should {
        Some(Severity::ShouldFix)
    } else {
        None
    }
}

/// Tags that state a severity inside brackets: `[Blocker]`, `(optional)`.
const TAGS: &[&str] = &[
    "blocker",
    "critical",
    "must",
    "must fix",
    "should",
    "should fix",
    "optional",
    "nice to have",
    "important",
    "high",
];

/// Severity stated by a label inside an item: a `Status: BLOCKING` line,
/// or a bracketed tag such as `[Blocker]`, `(Critical)`, `(Optional)`.
pub fn label_severity(text: &str) -> Option<Severity> {
    let text = text.trim();
    for prefix in ["status:", "severity:", "priority:"] {
        if text
            .get(..prefix.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
        {
            let rest = &text[prefix.len()..];
            let first = rest.split(['-', '–', '(']).next().unwrap_or("");
            return heading_severity(first);
        }
    }
    for (open, close) in [('[', ']'), ('(', ')')] {
        let mut rest = text;
        while let Some(a) = rest.find(open) {
            let after = &rest[a + 1..];
            let Some(b) = after.find(close) else { break };
            let tag = after[..b].trim();
            if let Some(known) = TAGS.iter().find(|t| tag.eq_ignore_ascii_case(t)) {
                return heading_severity(known);
            }
            rest = &after[b + 1..];
        }
    }
    None
}

/// The words of a text (runs of letters and digits), without allocating.
fn words(s: &str) -> impl Iterator<Item = &str> {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heading_tiers_of_seed_004() {
        assert_eq!(
            heading_severity("🔴 Critical Blockers (Must Fix)"),
            Some(Severity::Blocker)
        );
        assert_eq!(
            heading_severity("🟡 High Priority (Should Fix)"),
            Some(Severity::ShouldFix)
        );
        assert_eq!(
            heading_severity("🟢 Nice to Have (Can Deploy Without)"),
            Some(Severity::Optional)
        );
        assert_eq!(heading_severity("Infrastructure Checklist"), None);
        assert_eq!(heading_severity("Mustang rollout"), None);
    }

    #[test]
    fn labels() {
        assert_eq!(
            label_severity("Status: BLOCKING - ETA: Day 1"),
            Some(Severity::Blocker)
        );
        assert_eq!(
            label_severity("Status: IMPORTANT - ETA: Day 4"),
            Some(Severity::ShouldFix)
        );
        assert_eq!(
            label_severity("Status: OPTIONAL - Can complete post-deploy"),
            Some(Severity::Optional)
        );
        assert_eq!(
            label_severity("Check the logs [Blocker]"),
            Some(Severity::Blocker)
        );
        assert_eq!(
            label_severity("Docs updated (optional)"),
            Some(Severity::Optional)
        );
        assert_eq!(label_severity("Port 443 open (HTTPS)"), None);
    }
}
