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
            (Status::Passed | Status::Skipped | Status::Waived, _) => {}
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
            message: match &s.stale {
                Some(why) => format!("sign-off stale: {} ({why})", s.role),
                None => format!("sign-off missing: {}", s.role),
            },
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
        // A rollback runbook (`# Runbook: Deployment Rollback`): its steps
        // are the procedure, which never runs.
        if !items.is_empty() && items.iter().all(|i| i.status == Status::Skipped) {
            return Some(
                "nothing was verified: every item is a rollback or monitoring procedure, which never runs",
            );
        }
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
        || owed.iter().any(|item| {
            matches!(
                item.status,
                Status::Passed | Status::Failed | Status::Waived
            )
        });
    (!verified).then_some("nothing was verified: 0 checks ran and no item was checked by a person")
}

/// The reason ID given when the run's audit chain does not verify, or
/// proves less than it should.
pub const AUDIT_CHAIN: &str = "audit-chain";

/// What verifying a run's audit chain found, as far as the verdict cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainFinding {
    /// Verified (keyed), or unkeyed where no key is configured.
    Sound,
    /// Verifies, but proves less than the team asked for (unkeyed although
    /// a key is configured, or signed but no key here to check it): GO
    /// becomes GO_WITH_WARNINGS, with the reason.
    Unproven(String),
    /// Altered, missing or re-signed events: never GO; NO_GO, with the reason.
    Broken(String),
}

/// Applies an audit finding to a verdict and its reasons. A broken chain
/// is NO_GO whatever the items say (the record cannot be trusted); an
/// unproven one caps GO at GO_WITH_WARNINGS.
pub fn apply_chain(verdict: &mut Verdict, reasons: &mut Vec<Reason>, finding: &ChainFinding) {
    let (status, message) = match finding {
        ChainFinding::Sound => return,
        ChainFinding::Unproven(why) => (Status::NeedsReview, why.clone()),
        ChainFinding::Broken(why) => (Status::Failed, why.clone()),
    };
    reasons.insert(
        0,
        Reason {
            item: AUDIT_CHAIN.into(),
            line: 0,
            status,
            message,
        },
    );
    *verdict = match (finding, *verdict) {
        (ChainFinding::Broken(_), _) => Verdict::NoGo,
        (_, Verdict::Go) => Verdict::GoWithWarnings,
        (_, v) => v,
    };
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
            waiver: None,
            counted: true,
        }
    }

    fn verdict(items: &[ItemResult], signed: bool) -> Verdict {
        let signoffs = vec![SignoffResult {
            id: "s".into(),
            role: "Lead".into(),
            line: 9,
            signed,
            stale: None,
            signed_by: None,
            signed_at: None,
            signed_in_run: None,
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
            stale: None,
            signed_by: None,
            signed_at: None,
            signed_in_run: None,
        }];
        let (verdict, reasons) = decide(items, counts, &signoffs);
        assert_eq!(verdict, Verdict::Pending);
        reasons
            .into_iter()
            .filter(|r| r.item == NOTHING_VERIFIED)
            .collect()
    }

    #[test]
    fn a_broken_chain_is_never_go_and_an_unproven_one_warns() {
        for start in [Verdict::Go, Verdict::GoWithWarnings, Verdict::Pending] {
            let mut v = start;
            let mut reasons = Vec::new();
            apply_chain(&mut v, &mut reasons, &ChainFinding::Broken("x".into()));
            assert_eq!(v, Verdict::NoGo);
            assert_eq!(reasons[0].item, AUDIT_CHAIN);
            assert_eq!(reasons[0].status, Status::Failed);
        }
        let mut v = Verdict::Go;
        let mut reasons = Vec::new();
        apply_chain(&mut v, &mut reasons, &ChainFinding::Unproven("u".into()));
        assert_eq!(v, Verdict::GoWithWarnings);
        let mut v = Verdict::Pending;
        apply_chain(&mut v, &mut reasons, &ChainFinding::Unproven("u".into()));
        assert_eq!(v, Verdict::Pending);
        let mut v = Verdict::Go;
        let mut none = Vec::new();
        apply_chain(&mut v, &mut none, &ChainFinding::Sound);
        assert_eq!((v, none.len()), (Verdict::Go, 0));
    }

    #[test]
    fn waived_items_hold_nothing_back_but_are_not_passed() {
        use Severity::*;
        use Status::*;
        assert_eq!(
            verdict(&[item(Passed, Required), item(Waived, Required)], true),
            Verdict::Go
        );
        // A waiver alone is a person's verification.
        assert_eq!(verdict(&[item(Waived, Required)], true), Verdict::Go);
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
        assert!(
            r[0].message
                .contains("every item is a rollback or monitoring procedure"),
            "{r:?}"
        );
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
