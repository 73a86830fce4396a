//! Sign-off slots in prose: `**Technical Lead:** ____ **Date:** ____`,
//! `Release Manager Sign-off: ____`, `- [ ] **CTO/Chief Architect**` under a
//! sign-off heading, and approval items with `Name:`/`Date:`/`Signature:` blanks.

/// What one line of text says about sign-offs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SlotLine {
    /// The role that signs, if the line names one before a blank.
    pub role: Option<String>,
    /// Other blanks on the line: `Date`, `Time`, `Name`, `Signature`.
    pub fields: Vec<String>,
}

/// Reads `Label: ____ Label: ____` from one line. `None` when the line has no
/// blank (three or more underscores) at all.
pub fn parse_slot_line(line: &str) -> Option<SlotLine> {
    if !has_blank(line) {
        return None;
    }
    let mut out = SlotLine::default();
    for segment in line.split("___") {
        let segment = segment.trim_matches('_').trim();
        let Some(label) = segment.strip_suffix(':').map(str::trim) else {
            continue;
        };
        // The label is the text after the previous blank's trailing words,
        // e.g. `Date` in `Date:`; a first label may carry emoji in front.
        let label = clean_label(label);
        if label.is_empty() {
            continue;
        }
        if is_field(&label) {
            out.fields.push(label);
        } else if out.role.is_none() {
            let role = strip_role_suffix(&label);
            if role.len() < label.len() || looks_like_role(&role) {
                out.role = Some(role);
            } else {
                out.fields.push(label);
            }
        } else {
            out.fields.push(label);
        }
    }
    (out.role.is_some() || !out.fields.is_empty()).then_some(out)
}

/// Whether a line holds a blank to fill in (`___`). Cheaper than
/// `str::contains` on the many short lines that have none.
pub(crate) fn has_blank(line: &str) -> bool {
    let b = line.as_bytes();
    let mut i = 0;
    while let Some(p) = b[i..].iter().position(|&c| c == b'_') {
        let at = i + p;
        if b.get(at + 1) == Some(&b'_') && b.get(at + 2) == Some(&b'_') {
            return true;
        }
        i = at + 1;
    }
    false
}

/// Whether a short text names a person's role (`DevOps Lead`,
/// `CTO/Chief Architect`), as a sign-off item under a sign-off heading does.
pub fn looks_like_role(text: &str) -> bool {
    let text = clean_label(text.trim().trim_end_matches(':'));
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || c == '/')
        .filter(|w| !w.is_empty())
        .collect();
    if words.is_empty() || words.len() > 6 || text.contains("___") {
        return false;
    }
    let last = words[words.len() - 1].to_lowercase();
    matches!(
        last.trim_matches(|c: char| !c.is_alphanumeric()),
        "lead"
            | "leads"
            | "manager"
            | "officer"
            | "owner"
            | "architect"
            | "director"
            | "engineer"
            | "cto"
            | "ceo"
            | "cio"
            | "ciso"
            | "coo"
            | "vp"
            | "head"
            | "approver"
            | "team"
            | "administrator"
            | "admin"
            | "dba"
            | "reviewer"
            | "sponsor"
            | "president"
            | "qa"
            | "sre"
            | "representative"
            | "steward"
    )
}

/// Turns `Technical lead approval` into `Technical lead`.
pub fn strip_role_suffix(label: &str) -> String {
    let mut label = label.trim().to_string();
    for suffix in [
        " sign-off",
        " signoff",
        " sign off",
        " approval",
        " signature",
        " approves",
    ] {
        if label.to_lowercase().ends_with(suffix) {
            label.truncate(label.len() - suffix.len());
            break;
        }
    }
    label.trim().to_string()
}

/// Whether a label is a blank of a slot rather than a role.
pub fn is_field(label: &str) -> bool {
    let lower = label.to_lowercase();
    lower.ends_with("date")
        || lower.ends_with("time")
        || matches!(
            lower.as_str(),
            "name"
                | "signature"
                | "status"
                | "deployed by"
                | "approved by"
                | "signed"
                | "comments"
                | "notes"
                | "by"
        )
}

fn clean_label(label: &str) -> String {
    label
        .trim_start_matches(|c: char| !c.is_alphanumeric())
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn role(line: &str) -> Option<String> {
        parse_slot_line(line).and_then(|s| s.role)
    }

    #[test]
    fn seed_forms() {
        assert_eq!(
            role("✅ Release Manager Sign-off: _____________________ Date: _________").as_deref(),
            Some("Release Manager")
        );
        assert_eq!(
            role("Technical Lead: _________________ Date: _______").as_deref(),
            Some("Technical Lead")
        );
        assert_eq!(
            role("Release Engineer: _________________ Time: _________").as_deref(),
            Some("Release Engineer")
        );
        assert_eq!(
            role("CTO/Engineering Director: ____ Date: ____").as_deref(),
            Some("CTO/Engineering Director")
        );
        let fields = parse_slot_line("Name: _______________").unwrap();
        assert_eq!(fields.role, None);
        assert_eq!(fields.fields, vec!["Name".to_string()]);
        assert_eq!(role("Decision Date: ___________"), None);
        assert_eq!(role("Deployed By: ___________"), None);
        assert_eq!(parse_slot_line("Release Manager: [Your Name]"), None);
        assert_eq!(
            role("Next Review: _________________ (48h from deployment)"),
            None
        );
        assert_eq!(role("Approver sign-off: ____").as_deref(), Some("Approver"));
    }

    #[test]
    fn roles() {
        assert!(looks_like_role("CTO/Chief Architect"));
        assert!(looks_like_role("Customer Success Lead"));
        assert!(looks_like_role("Security Officer"));
        assert!(!looks_like_role("All functional tests passing"));
        assert!(!looks_like_role("GO - All critical items complete"));
        assert!(!looks_like_role("Stakeholder approval received"));
        assert_eq!(
            strip_role_suffix("Technical lead approval"),
            "Technical lead"
        );
    }
}
