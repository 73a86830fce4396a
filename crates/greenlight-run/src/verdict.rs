//! From item results to GO / GO_WITH_WARNINGS / PENDING / NO_GO, with the
//! reasons. Never a false GO: anything required that is not verified keeps
//! the verdict from GO.

use crate::outcome::{ItemResult, Reason, SignoffResult, Status, Verdict};
use greenlight_doc::Severity;

/// Decides the verdict. Items that are parents of other items are judged
/// through their children as well (their status already combines them), so
/// only leaves and items with their own steps give reasons.
pub fn decide(
    items: &[ItemResult],
    reasons_for: &[bool],
    signoffs: &[SignoffResult],
) -> (Verdict, Vec<Reason>) {
    let mut failed_required = Vec::new();
    let mut failed_soft = Vec::new();
    let mut open = Vec::new();
    for (item, &counts) in items.iter().zip(reasons_for) {
        if !counts {
            continue;
        }
        let reason = Reason {
            item: item.id.clone(),
            line: item.line,
            status: item.status,
            message: format!("{}: {}", item.text, item.note),
        };
        match (item.status, item.severity) {
            (Status::Failed, Severity::Blocker | Severity::Required) => {
                failed_required.push(reason)
            }
            (Status::Failed, _) => failed_soft.push(reason),
            (Status::Passed | Status::Skipped, _) => {}
            // Optional items owe nothing.
            (_, Severity::Optional) => {}
            _ => open.push(reason),
        }
    }
    for s in signoffs.iter().filter(|s| !s.signed) {
        open.push(Reason {
            item: s.id.clone(),
            line: s.line,
            status: Status::Pending,
            message: format!("sign-off missing: {}", s.role),
        });
    }
    let verdict = if !failed_required.is_empty() {
        Verdict::NoGo
    } else if !open.is_empty() {
        Verdict::Pending
    } else if !failed_soft.is_empty() {
        Verdict::GoWithWarnings
    } else {
        Verdict::Go
    };
    let mut reasons = failed_required;
    reasons.extend(open);
    reasons.extend(failed_soft);
    (verdict, reasons)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(status: Status, severity: Severity) -> ItemResult {
        ItemResult {
            id: "x".into(),
            line: 1,
            text: "t".into(),
            phase: None,
            severity,
            status,
            note: String::new(),
            steps: vec![],
        }
    }

    fn verdict(items: &[ItemResult], signed: bool) -> Verdict {
        let signoffs = vec![SignoffResult {
            id: "s".into(),
            role: "Lead".into(),
            line: 9,
            signed,
        }];
        decide(items, &vec![true; items.len()], &signoffs).0
    }

    #[test]
    fn the_four_answers() {
        use Severity::*;
        use Status::*;
        assert_eq!(verdict(&[item(Passed, Required)], true), Verdict::Go);
        assert_eq!(verdict(&[item(Passed, Required)], false), Verdict::Pending);
        assert_eq!(
            verdict(&[item(Failed, ShouldFix)], true),
            Verdict::GoWithWarnings
        );
        assert_eq!(
            verdict(&[item(Failed, Optional)], true),
            Verdict::GoWithWarnings
        );
        assert_eq!(
            verdict(&[item(Failed, Blocker), item(Pending, Required)], true),
            Verdict::NoGo
        );
        assert_eq!(
            verdict(&[item(Failed, ShouldFix), item(Pending, Required)], true),
            Verdict::Pending
        );
        for open in [NeedsReview, Blocked, NotRun, Pending] {
            assert_eq!(
                verdict(&[item(open, Required)], true),
                Verdict::Pending,
                "{open:?}"
            );
            assert_eq!(
                verdict(&[item(open, Optional)], true),
                Verdict::Go,
                "{open:?}"
            );
        }
        assert_eq!(verdict(&[item(Skipped, Required)], true), Verdict::Go);
    }

    #[test]
    fn no_items_and_no_signoffs_is_go_only_when_nothing_is_owed() {
        assert_eq!(decide(&[], &[], &[]).0, Verdict::Go);
    }
}
