//! Severity from headings and labels: `Critical Blockers (Must Fix)`,
//! `High Priority (Should Fix)`, `Nice to Have (Can Deploy Without)`,
//! `Status: **BLOCKING**`.

use crate::model::Severity;

/// Severity stated by a heading, if any.
pub fn heading_severity(title: &str) -> Option<Severity> {
    let words = words(title);
    let has = |w: &str| words.iter().any(|x| x == w);
    let has_pair = |a: &str, b: &str| words.windows(2).any(|p| p[0] == a && p[1] == b);
    // Optional first: "Nice to Have (Can Deploy Without)" mentions no blocker
    // words, but "Optional (not critical)" must stay optional.
    if has("optional") || (has_pair("nice", "to") && has("have")) || (has_pair("deploy", "without"))
    {
        return Some(Severity::Optional);
    }
    if has("critical") || has("blocker") || has("blockers") || has("blocking") || has("must") {
        return Some(Severity::Blocker);
    }
    if has("high") || has("should") || has("important") {
        return Some(Severity::ShouldFix);
    }
    None
}

/// Severity stated by a label inside an item: a `Status: BLOCKING` line,
/// or a bracketed tag such as `[Blocker]`, `(Critical)`, `(Optional)`.
pub fn label_severity(text: &str) -> Option<Severity> {
    let lower = text.trim().to_lowercase();
    if let Some(rest) = lower
        .strip_prefix("status:")
        .or_else(|| lower.strip_prefix("severity:"))
        .or_else(|| lower.strip_prefix("priority:"))
    {
        let first = rest.split(['-', '–', '(']).next().unwrap_or("");
        return heading_severity(first);
    }
    for (open, close) in [('[', ']'), ('(', ')')] {
        let mut rest = lower.as_str();
        while let Some(a) = rest.find(open) {
            let after = &rest[a + 1..];
            let Some(b) = after.find(close) else { break };
            let tag = after[..b].trim();
            if matches!(
                tag,
                "blocker"
                    | "critical"
                    | "must"
                    | "must fix"
                    | "should"
                    | "should fix"
                    | "optional"
                    | "nice to have"
                    | "important"
                    | "high"
            ) {
                return heading_severity(tag);
            }
            rest = &after[b + 1..];
        }
    }
    None
}

fn words(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
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
