//! Rollback acts: who ran a rollback with which classes allowed, and
//! whether a person armed automatic rollback for a release. `watch` asks
//! [`may_roll_back_automatically`] before it rolls back by itself.

use greenlight_store::{Event, EventKind, NewEvent, Store};
use serde::{Deserialize, Serialize};
use std::time::SystemTime;

/// Payload of a `rollback` event: the classes the person allowed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RollbackAllowed {
    pub classes: Vec<String>,
    /// `true` when `watch` started it, not a person at the keyboard.
    #[serde(default)]
    pub automatic: bool,
}

/// Payload of a `rollback_armed` event.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Armed {
    /// RFC 3339: after it the arming no longer counts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
}

/// The `rollback` event of run `run_id`: `actor` allowed these classes.
pub fn allowed_event(run_id: &str, actor: &str, allowed: &RollbackAllowed) -> NewEvent {
    crate::event(run_id, EventKind::Rollback, None, actor, allowed)
}

/// Arming (`expires`: until when) or disarming, recorded in run `run_id`
/// of the release.
pub fn arming_event(run_id: &str, actor: &str, arm: Option<Armed>) -> NewEvent {
    match arm {
        Some(a) => crate::event(run_id, EventKind::RollbackArmed, None, actor, a),
        None => crate::event(
            run_id,
            EventKind::RollbackDisarmed,
            None,
            actor,
            serde_json::json!({}),
        ),
    }
}

/// Why an automatic rollback may not happen.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("the profile does not allow automatic rollback (set [rollback] automatic = true)")]
    NotAutomatic,
    #[error("nobody armed automatic rollback for this release (greenlight rollback --arm)")]
    NotArmed,
    #[error("{by} disarmed automatic rollback at {at}")]
    Disarmed { by: String, at: String },
    #[error("the arming by {by} expired at {expires}")]
    Expired { by: String, expires: String },
    #[error("the arming by {by} has an unreadable expiry: {expires}")]
    BadExpiry { by: String, expires: String },
}

/// Who armed the release, and until when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arming {
    pub by: String,
    pub at: String,
    pub expires: Option<String>,
}

/// The arming in force from a release's arming events (in the order they
/// were recorded): the latest act decides.
pub fn arming_of(events: &[Event]) -> Result<Arming, Refusal> {
    let last = events
        .iter()
        .rev()
        .find(|e| {
            matches!(
                e.kind,
                EventKind::RollbackArmed | EventKind::RollbackDisarmed
            )
        })
        .ok_or(Refusal::NotArmed)?;
    if last.kind == EventKind::RollbackDisarmed {
        return Err(Refusal::Disarmed {
            by: last.actor.clone(),
            at: last.at.clone(),
        });
    }
    let armed: Armed = last.payload_as().unwrap_or_default();
    Ok(Arming {
        by: last.actor.clone(),
        at: last.at.clone(),
        expires: armed.expires,
    })
}

/// Whether `watch` may roll back by itself now: only when the profile says
/// `[rollback] automatic = true` and a person armed the release, and the
/// arming has neither been withdrawn nor expired. Returns the arming.
pub fn may_roll_back_automatically(
    automatic: bool,
    arming_events: &[Event],
    now: SystemTime,
) -> Result<Arming, Refusal> {
    if !automatic {
        return Err(Refusal::NotAutomatic);
    }
    let arming = arming_of(arming_events)?;
    if let Some(expires) = &arming.expires {
        let until = humantime::parse_rfc3339_weak(expires).map_err(|_| Refusal::BadExpiry {
            by: arming.by.clone(),
            expires: expires.clone(),
        })?;
        if until <= now {
            return Err(Refusal::Expired {
                by: arming.by.clone(),
                expires: expires.clone(),
            });
        }
    }
    Ok(arming)
}

/// The arming and disarming events of every run of `release`, in order.
pub async fn release_arming(store: &Store, release: &str) -> crate::Result<Vec<Event>> {
    let mut events = crate::release_events_of_kinds(
        store,
        release,
        &[EventKind::RollbackArmed, EventKind::RollbackDisarmed],
    )
    .await?;
    events.sort_by(|a, b| a.at.cmp(&b.at).then(a.seq.cmp(&b.seq)));
    Ok(events)
}

/// Which of `run_ids` are rollback runs: for each, who allowed it and the
/// `rollback` event's payload (`automatic` says whether `watch` started
/// it). Reads only the `rollback` events.
pub async fn rollback_runs(
    store: &Store,
    run_ids: &[String],
) -> crate::Result<std::collections::HashMap<String, (String, RollbackAllowed)>> {
    let events = store
        .events_of_kinds(run_ids, &[EventKind::Rollback])
        .await?;
    Ok(events
        .into_iter()
        .map(|e| {
            let allowed = e.payload_as().unwrap_or_default();
            (e.run_id, (e.actor, allowed))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn ev(kind: EventKind, actor: &str, at: &str, payload: &str) -> Event {
        Event {
            run_id: "r1".into(),
            seq: 1,
            at: at.into(),
            kind,
            item: None,
            actor: actor.into(),
            payload_text: payload.into(),
            prev_hash: "0".repeat(64),
            hash: "0".repeat(64),
            mac: None,
        }
    }

    fn at(s: &str) -> SystemTime {
        humantime::parse_rfc3339(s).expect("time")
    }

    const NOW: &str = "2026-12-01T10:00:00Z";

    #[test]
    fn needs_the_profile_and_an_arming() {
        let armed = [ev(
            EventKind::RollbackArmed,
            "ana",
            "2026-12-01T09:00:00.000Z",
            "{}",
        )];
        assert_eq!(
            may_roll_back_automatically(false, &armed, at(NOW)),
            Err(Refusal::NotAutomatic)
        );
        assert_eq!(
            may_roll_back_automatically(true, &[], at(NOW)),
            Err(Refusal::NotArmed)
        );
        let ok = may_roll_back_automatically(true, &armed, at(NOW)).expect("armed");
        assert_eq!(ok.by, "ana");
    }

    #[test]
    fn the_latest_act_decides() {
        let events = [
            ev(
                EventKind::RollbackArmed,
                "ana",
                "2026-12-01T09:00:00.000Z",
                "{}",
            ),
            ev(
                EventKind::RollbackDisarmed,
                "bo",
                "2026-12-01T09:10:00.000Z",
                "{}",
            ),
        ];
        assert!(matches!(
            may_roll_back_automatically(true, &events, at(NOW)),
            Err(Refusal::Disarmed { by, .. }) if by == "bo"
        ));
        let mut again = events.to_vec();
        again.push(ev(
            EventKind::RollbackArmed,
            "cy",
            "2026-12-01T09:20:00.000Z",
            "{}",
        ));
        assert_eq!(
            may_roll_back_automatically(true, &again, at(NOW)).map(|a| a.by),
            Ok("cy".to_string())
        );
    }

    #[test]
    fn an_expired_arming_does_not_count() {
        let events = [ev(
            EventKind::RollbackArmed,
            "ana",
            "2026-12-01T09:00:00.000Z",
            r#"{"expires":"2026-12-01T09:30:00Z"}"#,
        )];
        assert!(matches!(
            may_roll_back_automatically(true, &events, at(NOW)),
            Err(Refusal::Expired { .. })
        ));
        let before = at(NOW) - Duration::from_secs(3600);
        assert!(may_roll_back_automatically(true, &events, before).is_ok());
    }
}
