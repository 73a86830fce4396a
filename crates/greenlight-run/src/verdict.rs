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
    if failed_required.is_empty()
        && let Some(why) = nothing_verified(items, reasons_for)
    {
        open.insert(
            0,
            Reason {
                item: NOTHING_VERIFIED.into(),
                line: 0,
                status: Status::Pending,
                message: why.into(),
            },
        );
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

/// The reason ID of the document-wide reason given when nothing was
/// verified: shown like a failure, since it alone keeps the verdict open.
pub const NOTHING_VERIFIED: &str = "nothing-verified";

/// Why the run verified nothing, if it did not: no item to verify at all,
/// or no check ran (passed or failed) and no item was checked by a person.
/// Sign-offs alone never verify anything.
fn nothing_verified(items: &[ItemResult], reasons_for: &[bool]) -> Option<&'static str> {
    let owed: Vec<&ItemResult> = items
        .iter()
        .zip(reasons_for)
        .filter(|(_, counts)| **counts)
        .map(|(item, _)| item)
        .collect();
    if owed.is_empty() {
        return Some("nothing was verified: the document has no task items");
    }
    let ran = |steps: &[crate::outcome::StepResult]| {
        steps
            .iter()
            .any(|s| matches!(s.status, Status::Passed | Status::Failed))
    };
    // An owed item passes or fails through a check that ran, or through a
    // person (checked, or waived).
    let verified = items.iter().any(|item| ran(&item.steps))
        || owed
            .iter()
            .any(|item| matches!(item.status, Status::Passed | Status::Failed));
    (!verified).then_some("nothing was verified: 0 checks ran and no item was checked by a person")
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
            counted: true,
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
                verdict(&[item(Passed, Required), item(open, Optional)], true),
                Verdict::Go,
                "{open:?}"
            );
        }
        assert_eq!(
            verdict(&[item(Passed, Required), item(Skipped, Required)], true),
            Verdict::Go
        );
        // Skipped alone verifies nothing.
        assert_eq!(verdict(&[item(Skipped, Required)], true), Verdict::Pending);
    }

    fn ran(status: Status) -> crate::outcome::StepResult {
        crate::outcome::StepResult {
            line: 2,
            class: crate::profile::Class::Read,
            probe: "http".into(),
            command: "curl http://127.0.0.1/".into(),
            status,
            duration_ms: 1,
            attempts: 1,
            evidence: Default::default(),
        }
    }

    fn nothing_verified_reason(items: &[ItemResult], counts: &[bool], signed: bool) -> Vec<Reason> {
        let signoffs = vec![SignoffResult {
            id: "s".into(),
            role: "Lead".into(),
            line: 9,
            signed,
        }];
        let (verdict, reasons) = decide(items, counts, &signoffs);
        assert_eq!(verdict, Verdict::Pending);
        reasons
            .into_iter()
            .filter(|r| r.item == NOTHING_VERIFIED)
            .collect()
    }

    #[test]
    fn no_items_is_pending_not_go() {
        let (verdict, reasons) = decide(&[], &[], &[]);
        assert_eq!(verdict, Verdict::Pending);
        assert_eq!(reasons.len(), 1);
        assert_eq!(reasons[0].item, NOTHING_VERIFIED);
        assert!(reasons[0].message.contains("no task items"), "{reasons:?}");
        // Only skipped procedure items: nothing owed, nothing verified.
        let rollback = item(Status::Skipped, Severity::Required);
        let r = nothing_verified_reason(&[rollback], &[false], true);
        assert!(r[0].message.contains("no task items"), "{r:?}");
    }

    #[test]
    fn signed_signoffs_alone_verify_nothing() {
        // Manual items nobody checked, every sign-off signed: still PENDING,
        // and the reason says nothing was verified.
        let items = [
            item(Status::Pending, Severity::Optional),
            item(Status::Skipped, Severity::Required),
        ];
        let r = nothing_verified_reason(&items, &[true, true], true);
        assert_eq!(r.len(), 1);
        assert_eq!(
            r[0].message,
            "nothing was verified: 0 checks ran and no item was checked by a person"
        );
    }

    #[test]
    fn checks_that_did_not_run_verify_nothing() {
        let mut blocked = item(Status::NotRun, Severity::Optional);
        blocked.steps = vec![ran(Status::NotRun), ran(Status::Blocked)];
        let r = nothing_verified_reason(&[blocked], &[true], true);
        assert_eq!(r.len(), 1);
    }

    #[test]
    fn one_check_that_ran_or_one_person_is_enough() {
        let mut checked = item(Status::Passed, Severity::Required);
        checked.steps = vec![ran(Status::Passed)];
        assert_eq!(verdict(&[checked], true), Verdict::Go);
        // A person checked a manual item (no steps).
        assert_eq!(
            verdict(
                &[
                    item(Status::Passed, Severity::Required),
                    item(Status::Pending, Severity::Optional)
                ],
                true
            ),
            Verdict::Go
        );
        let mut soft = item(Status::Failed, Severity::ShouldFix);
        soft.steps = vec![ran(Status::Failed)];
        assert_eq!(verdict(&[soft], true), Verdict::GoWithWarnings);
    }
}
