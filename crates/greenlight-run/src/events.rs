//! The payloads of a run's events, typed: written with these structs and
//! read back with them.
//!
//! Stored payloads must stay byte-compatible with what older versions
//! wrote (the audit chain covers the stored text, and old runs must still
//! load). So each struct lists its fields in the order older versions
//! wrote them, keeps fields that older versions did not write optional
//! (`#[serde(default)]`), and omits a field on writing exactly when
//! older versions omitted it. Writers turn a payload into a
//! [`serde_json::Value`] with [`to_value`], as the store takes it.

use crate::outcome::{StepResult, Verdict};
use crate::plan::Plan;
use serde::{Deserialize, Deserializer, Serialize};
use std::borrow::Cow;
use std::collections::BTreeMap;

/// A payload as the store takes it.
pub fn to_value<T: Serialize>(payload: &T) -> serde_json::Value {
    // Serializing these structs cannot fail: their keys are strings and
    // their values plain data.
    serde_json::to_value(payload).unwrap_or(serde_json::Value::Null)
}

/// `run_started`: the checklist, the profile and the whole plan.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunStarted<'a> {
    /// The release the run belongs to (empty: a run from before releases).
    #[serde(default)]
    pub release: String,
    #[serde(default)]
    pub checklist: String,
    #[serde(default)]
    pub checklist_path: String,
    #[serde(default)]
    pub profile: String,
    /// The greenlight version that recorded the run.
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub waive_blockers: bool,
    pub plan: Cow<'a, Plan>,
}

/// `step_result`: the result of check `check` of the plan.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StepRecorded<'a> {
    pub check: usize,
    pub result: Cow<'a, StepResult>,
    /// Only on a result a partial run kept from an earlier run of its
    /// release: `Some(Some(run))` kept from `run`, `Some(None)` (written as
    /// `null`) run again by this run; absent on an ordinary result.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub kept_from: Option<Option<String>>,
}

/// Just the check index of a `step_result` (the result itself is skipped
/// without being decoded).
#[derive(Debug, Clone, Copy, Deserialize)]
pub struct StepIndex {
    pub check: usize,
}

/// `item_checked` / `item_unchecked`: a person's tick (or untick), or one
/// the document's own checkbox asks for (`source` = `document`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemMarked {
    /// `document` for a tick read from the Markdown; absent for a person's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The document line of a document tick.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    #[serde(default)]
    pub note: String,
}

impl ItemMarked {
    /// The `source` of a tick read from the document.
    pub const DOCUMENT: &'static str = "document";

    /// A person's tick, with their note.
    pub fn by_person(note: &str) -> Self {
        ItemMarked {
            note: note.to_string(),
            ..Default::default()
        }
    }

    /// Whether the document's checkbox gave this tick.
    pub fn from_document(&self) -> bool {
        self.source.as_deref() == Some(Self::DOCUMENT)
    }
}

/// `waiver`: why a failure may be accepted, and until when (`null`: no
/// expiry).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaiverGiven {
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub expires: Option<String>,
}

/// `signoff` (with the evidence it approves) and `signoff_revoked` (role
/// and name only). Sign-offs from before evidence was recorded have no
/// `run`, `digest` or `saw`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignoffGiven {
    #[serde(default)]
    pub role: String,
    /// Who signed (when given, it names the sign-off's holder).
    #[serde(default)]
    pub name: Option<String>,
    /// The run whose results it approved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<String>,
    /// SHA-256 of the required results it saw (see [`crate::release::digest`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    /// The required results it saw, by item ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub saw: Option<BTreeMap<String, String>>,
}

/// `run_resumed`: how many checks were still open, and whether failed ones
/// run again.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunResumed {
    #[serde(default)]
    pub open_checks: usize,
    #[serde(default)]
    pub failed: bool,
}

/// `budget_overrun`: a phase took longer than its budget.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BudgetOverrun {
    pub phase: String,
    pub line: usize,
    pub budget_seconds: u64,
    pub elapsed_ms: u64,
}

/// `verdict`: the run's answer, closing it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VerdictReached {
    pub verdict: Verdict,
    /// The counts as that version counted them (the count model has
    /// changed over versions, so they are kept as written).
    #[serde(default)]
    pub counts: serde_json::Value,
    #[serde(default)]
    pub interrupted: bool,
    /// Each phase's elapsed time, in milliseconds, in plan order.
    #[serde(default)]
    pub phase_elapsed_ms: Vec<u64>,
}

/// Just how a `verdict` says the run ended (read without decoding the
/// verdict and counts, so a verdict of any version reads).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct VerdictEnd {
    #[serde(default)]
    pub interrupted: bool,
    #[serde(default)]
    pub phase_elapsed_ms: Vec<u64>,
}

/// A field that may be absent (`None`) or present, even as `null`
/// (`Some(None)`).
fn present<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(d).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The text the store keeps for a payload.
    fn text(v: &serde_json::Value) -> String {
        serde_json::to_string(v).unwrap()
    }

    fn round_trip<T>(payload: &T) -> T
    where
        T: Serialize + for<'de> Deserialize<'de>,
    {
        serde_json::from_str(&text(&to_value(payload))).unwrap()
    }

    #[test]
    fn each_payload_round_trips() {
        let m = ItemMarked {
            source: Some("document".into()),
            line: Some(12),
            note: "ticked [x] in the document (L12)".into(),
        };
        assert_eq!(round_trip(&m), m);
        let m = ItemMarked::by_person("looked at it");
        assert_eq!(round_trip(&m), m);
        let w = WaiverGiven {
            reason: "known flake".into(),
            expires: Some("2030-01-01T00:00:00Z".into()),
        };
        assert_eq!(round_trip(&w), w);
        let w = WaiverGiven {
            reason: "forever".into(),
            expires: None,
        };
        assert_eq!(round_trip(&w), w);
        let s = SignoffGiven {
            role: "Release Manager".into(),
            name: Some("Ada".into()),
            run: Some("r1".into()),
            digest: Some("ab".into()),
            saw: Some(BTreeMap::from([("i1".into(), "passed".into())])),
        };
        assert_eq!(round_trip(&s), s);
        let s = SignoffGiven {
            role: "QA".into(),
            name: Some("Bo".into()),
            ..Default::default()
        };
        assert_eq!(round_trip(&s), s);
        let r = RunResumed {
            open_checks: 3,
            failed: true,
        };
        assert_eq!(round_trip(&r), r);
        let b = BudgetOverrun {
            phase: "p1".into(),
            line: 4,
            budget_seconds: 10,
            elapsed_ms: 12_345,
        };
        assert_eq!(round_trip(&b), b);
        let v = VerdictReached {
            verdict: Verdict::NoGo,
            counts: json!({ "passed": 1, "failed": 2 }),
            interrupted: true,
            phase_elapsed_ms: vec![5, 6],
        };
        assert_eq!(round_trip(&v), v);
        for kept in [None, Some(None), Some(Some("r0".to_string()))] {
            let s = StepRecorded {
                check: 7,
                result: Cow::Owned(result()),
                kept_from: kept.clone(),
            };
            let back = round_trip(&s);
            assert_eq!(back.check, 7);
            assert_eq!(back.kept_from, kept);
            assert_eq!(
                text(&to_value(&back.result)),
                text(&to_value(&s.result)),
                "the result survives"
            );
        }
    }

    fn result() -> StepResult {
        StepResult {
            line: 9,
            class: crate::profile::Class::Read,
            probe: "http".into(),
            command: "curl -fsS http://127.0.0.1/health".into(),
            status: crate::outcome::Status::Passed,
            duration_ms: 12,
            attempts: 1,
            evidence: crate::outcome::Evidence {
                summary: "GET /health → 200".into(),
                ..Default::default()
            },
        }
    }

    /// What the previous writers (`json!` in the CLI) stored, and what the
    /// typed writers store now: the same bytes.
    #[test]
    fn payloads_are_written_as_older_versions_wrote_them() {
        let note = "ok".to_string();
        assert_eq!(
            text(&to_value(&ItemMarked::by_person(&note))),
            text(&json!({ "note": note }))
        );
        let tick = ItemMarked {
            source: Some("document".into()),
            line: Some(3),
            note: "ticked [x] in the document (L3)".into(),
        };
        assert_eq!(
            text(&to_value(&tick)),
            text(
                &json!({ "source": "document", "line": 3, "note": "ticked [x] in the document (L3)" })
            )
        );
        let expires: Option<String> = None;
        assert_eq!(
            text(&to_value(&WaiverGiven {
                reason: "r".into(),
                expires: expires.clone()
            })),
            text(&json!({ "reason": "r", "expires": expires }))
        );
        let saw = BTreeMap::from([("a".to_string(), "failed".to_string())]);
        assert_eq!(
            text(&to_value(&SignoffGiven {
                role: "QA".into(),
                name: Some("Bo".into()),
                run: Some("r1".into()),
                digest: Some("d".into()),
                saw: Some(saw.clone()),
            })),
            text(&json!({ "role": "QA", "name": "Bo", "run": "r1", "digest": "d", "saw": saw }))
        );
        assert_eq!(
            text(&to_value(&SignoffGiven {
                role: "QA".into(),
                name: Some("Bo".into()),
                ..Default::default()
            })),
            text(&json!({ "role": "QA", "name": "Bo" }))
        );
        assert_eq!(
            text(&to_value(&RunResumed {
                open_checks: 2,
                failed: false
            })),
            text(&json!({ "open_checks": 2, "failed": false }))
        );
        assert_eq!(
            text(&to_value(&BudgetOverrun {
                phase: "p".into(),
                line: 1,
                budget_seconds: 2,
                elapsed_ms: 3
            })),
            text(&json!({ "phase": "p", "line": 1, "budget_seconds": 2, "elapsed_ms": 3 }))
        );
        assert_eq!(
            text(&to_value(&VerdictReached {
                verdict: Verdict::Pending,
                counts: json!({ "passed": 1 }),
                interrupted: false,
                phase_elapsed_ms: vec![1, 2],
            })),
            text(&json!({
                "verdict": Verdict::Pending,
                "counts": { "passed": 1 },
                "interrupted": false,
                "phase_elapsed_ms": [1, 2],
            }))
        );
        let r = result();
        assert_eq!(
            text(&to_value(&StepRecorded {
                check: 4,
                result: Cow::Borrowed(&r),
                kept_from: None
            })),
            text(&json!({ "check": 4, "result": r }))
        );
        let mut kept = json!({ "check": 4, "result": r });
        kept["kept_from"] = json!(None::<&str>);
        assert_eq!(
            text(&to_value(&StepRecorded {
                check: 4,
                result: Cow::Borrowed(&r),
                kept_from: Some(None)
            })),
            text(&kept)
        );
    }

    /// Payloads as older versions stored them, some missing fields added
    /// since, still read.
    #[test]
    fn old_payloads_still_read() {
        let m: ItemMarked = serde_json::from_str(r#"{"note":"done"}"#).unwrap();
        assert_eq!(m.note, "done");
        assert!(!m.from_document());
        let m: ItemMarked =
            serde_json::from_str(r#"{"line":3,"note":"x","source":"document"}"#).unwrap();
        assert!(m.from_document());
        let s: SignoffGiven = serde_json::from_str(r#"{"name":"Ada","role":"RM"}"#).unwrap();
        assert_eq!(s.digest, None);
        assert_eq!(s.name.as_deref(), Some("Ada"));
        let w: WaiverGiven = serde_json::from_str(r#"{"expires":null,"reason":"flaky"}"#).unwrap();
        assert_eq!(w.expires, None);
        let v: VerdictReached = serde_json::from_str(
            r#"{"counts":{"manual":3,"passed":1},"interrupted":false,"verdict":"PENDING"}"#,
        )
        .unwrap();
        assert!(v.phase_elapsed_ms.is_empty());
        let end: VerdictEnd = serde_json::from_str(
            r#"{"counts":{},"interrupted":true,"phase_elapsed_ms":[7,8],"verdict":"GO"}"#,
        )
        .unwrap();
        assert_eq!(
            end,
            VerdictEnd {
                interrupted: true,
                phase_elapsed_ms: vec![7, 8]
            }
        );
        let s: StepRecorded =
            serde_json::from_str(&text(&json!({ "check": 1, "result": result() }))).unwrap();
        assert_eq!(s.kept_from, None);
    }
}
