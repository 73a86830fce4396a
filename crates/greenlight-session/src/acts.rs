//! People's acts on a run — check, uncheck, waive, sign off — decided
//! by one set of rules for every way in (the CLI, the server's API and
//! its pages): which items an act applies to, which are refused and why,
//! and the events that record them.

use crate::{RunState, event};
use greenlight_run::events;
use greenlight_run::outcome::{ItemResult, RunReport, Status};
use greenlight_run::plan::{Handling, Plan, PlanItem, PlanSignoff};
use greenlight_store::{EventKind, NewEvent};

/// What checking (or unchecking) one item does.
pub enum Decision {
    /// Record the event.
    Record,
    /// Nothing to record, and why (not an error).
    Skip(String),
    /// Refused, and why.
    Refuse(String),
}

/// Whether a person may check (`checked`) or uncheck an item.
pub fn check_decision(
    item: &PlanItem,
    result: &ItemResult,
    state: &RunState,
    checked: bool,
) -> Decision {
    if matches!(item.handling, Handling::Group) {
        return Decision::Skip("a group: checked through its sub-items".into());
    }
    if let Handling::Signoff { role } = &item.handling {
        return Decision::Refuse(format!(
            "a sign-off line: sign it with `greenlight signoff {} --role \"{role}\" --name NAME`",
            state.run_id
        ));
    }
    if item.no_go {
        // The team's NO-GO decision: recorded, and the run becomes NO_GO
        // (until someone unchecks it).
        return match (checked, state.people.checked.contains_key(&item.id)) {
            (true, false) | (false, true) => Decision::Record,
            (true, true) => Decision::Skip("already checked: the team decided NO-GO".into()),
            (false, false) => Decision::Skip("no person had checked it".into()),
        };
    }
    if matches!(item.handling, Handling::Skipped { .. }) {
        return Decision::Skip("not part of a run (rollback or monitoring)".into());
    }
    let by_person = state.people.checked.contains_key(&item.id);
    if !checked {
        return if by_person {
            Decision::Record
        } else {
            Decision::Skip("no person had checked it".into())
        };
    }
    match result.status {
        Status::Failed => Decision::Refuse(
            "a check failed: a person's tick does not override a failure; waive it instead (`greenlight waive`)".into(),
        ),
        Status::Passed if by_person => Decision::Skip("already checked".into()),
        Status::Passed | Status::Skipped | Status::Waived => {
            Decision::Skip(format!("already {}", result.status.as_str()))
        }
        _ => Decision::Record,
    }
}

/// The item `key` names: its ID, or its line (`L57` or `57`).
pub fn find_item<'a>(state: &'a RunState, key: &str) -> Result<&'a PlanItem, String> {
    let by_id = state.plan.items.iter().find(|i| i.id == key);
    let by_line = || {
        let line: usize = key.strip_prefix('L').unwrap_or(key).parse().ok()?;
        state.plan.items.iter().find(|i| i.line == line)
    };
    by_id.or_else(by_line).ok_or_else(|| {
        format!(
            "run {} has no item `{key}` (use an item ID from `greenlight status {}` or a line such as L57)",
            state.run_id, state.run_id
        )
    })
}

/// An item and, for a parent, its sub-items at every depth (document order).
pub fn with_descendants(plan: &Plan, i: usize, out: &mut Vec<usize>) {
    out.push(i);
    for &c in &plan.items[i].children {
        with_descendants(plan, c, out);
    }
}

/// The events a check (or uncheck) records, and what to tell the person.
pub struct Marked {
    /// The events to append (possibly none).
    pub events: Vec<NewEvent>,
    /// One line per item acted on, skipped with a reason, or refused.
    pub lines: Vec<String>,
    /// How many items were refused.
    pub refused: usize,
}

/// Checks (`checked`) or unchecks the items at `named` (plan indices) and
/// their open sub-items, as `actor` with `note`.
pub fn mark(
    state: &RunState,
    report: &RunReport,
    named: &[usize],
    checked: bool,
    actor: &str,
    note: &str,
) -> Marked {
    let plan = &state.plan;
    let mut events = Vec::new();
    let mut lines = Vec::new();
    let mut refused = 0;
    let mut seen = std::collections::HashSet::new();
    let verb = if checked { "checked" } else { "unchecked" };
    for &top in named {
        let mut all = Vec::new();
        with_descendants(plan, top, &mut all);
        let parent = &plan.items[top];
        let mut subs = Vec::new();
        for &i in &all {
            if !seen.insert(i) {
                continue;
            }
            let item = &plan.items[i];
            let label = format!("L{} {} ({})", item.line, item.text, item.id);
            match check_decision(item, &report.items[i], state, checked) {
                Decision::Record => {
                    let kind = if checked {
                        EventKind::ItemChecked
                    } else {
                        EventKind::ItemUnchecked
                    };
                    events.push(event(
                        &state.run_id,
                        kind,
                        Some(&item.id),
                        actor,
                        events::ItemMarked::by_person(note),
                    ));
                    if i == top {
                        lines.push(format!("{verb} {label}"));
                    } else {
                        subs.push(format!(
                            "  {verb} L{} {} ({})",
                            item.line, item.text, item.id
                        ));
                    }
                }
                Decision::Skip(why) if i == top && all.len() == 1 => {
                    lines.push(format!("not {verb} {label}: {why}"));
                }
                Decision::Skip(_) => {}
                Decision::Refuse(why) => {
                    refused += 1;
                    let pad = if i == top { "" } else { "  " };
                    subs.push(format!("{pad}NOT {verb} {label}: {why}"));
                }
            }
        }
        if all.len() > 1 {
            let n = subs
                .iter()
                .filter(|l| !l.trim_start().starts_with("NOT"))
                .count();
            lines.push(format!(
                "L{} {} ({}) has {} sub-item{}; {verb} {n} that {}:",
                parent.line,
                parent.text,
                parent.id,
                all.len() - 1,
                if all.len() == 2 { "" } else { "s" },
                if checked {
                    "were open"
                } else {
                    "a person had checked"
                }
            ));
        }
        lines.append(&mut subs);
    }
    Marked {
        events,
        lines,
        refused,
    }
}

/// A waiver's end as `--expires` (or a form) gives it — an RFC 3339 time,
/// a day (`2026-12-01`, its start in UTC) or a duration from `now`
/// (`48h`) — as stored: RFC 3339, UTC, seconds, so every reader compares
/// it alike. `Err`: why it cannot end a waiver (it must be in the future).
pub fn waiver_expiry(x: &str, now: std::time::SystemTime) -> Result<String, String> {
    let at = expiry(x, now)?;
    if at <= now {
        return Err(format!(
            "that time has passed (it is now {}); a waiver must end in the future",
            humantime::format_rfc3339_seconds(now)
        ));
    }
    Ok(humantime::format_rfc3339_seconds(at).to_string())
}

fn expiry(x: &str, now: std::time::SystemTime) -> Result<std::time::SystemTime, String> {
    let x = x.trim();
    if let Ok(at) = humantime::parse_rfc3339_weak(x) {
        return Ok(at);
    }
    if x.len() == 10
        && let Ok(at) = humantime::parse_rfc3339_weak(&format!("{x}T00:00:00Z"))
    {
        return Ok(at);
    }
    if let Ok(d) = humantime::parse_duration(x) {
        return now
            .checked_add(d)
            .ok_or_else(|| "too far in the future".to_string());
    }
    Err("not a time, a day or a duration; e.g. 2026-12-01T00:00:00Z, 2026-12-01 or 48h".to_string())
}

/// The waiver event of `item` (the reason must not be blank: see
/// [`waiver_reason_ok`]).
pub fn waiver(
    state: &RunState,
    item: &PlanItem,
    actor: &str,
    reason: &str,
    expires: Option<String>,
) -> NewEvent {
    event(
        &state.run_id,
        EventKind::Waiver,
        Some(&item.id),
        actor,
        events::WaiverGiven {
            reason: reason.to_string(),
            expires,
        },
    )
}

/// Whether a waiver's reason says something.
pub fn waiver_reason_ok(reason: &str) -> bool {
    !reason.trim().is_empty()
}

/// The sign-off slot `role` signs (the first still open: a document may
/// ask the same role to sign at two stages), or with `revoke` the last it
/// signed; `Err` says why there is none.
pub fn signoff_slot<'a>(
    state: &'a RunState,
    role: &str,
    revoke: bool,
) -> Result<&'a PlanSignoff, String> {
    let wanted = role.trim().to_lowercase();
    let slots: Vec<_> = state
        .plan
        .signoffs
        .iter()
        .filter(|s| s.role.to_lowercase() == wanted)
        .collect();
    let roles: Vec<&str> = state
        .plan
        .signoffs
        .iter()
        .map(|s| s.role.as_str())
        .collect();
    let slot = if revoke {
        slots.iter().rev().find(|s| {
            state.people.signed.contains_key(&s.id) || state.people.stale.contains_key(&s.id)
        })
    } else {
        slots
            .iter()
            .find(|s| !state.people.signed.contains_key(&s.id))
    };
    match slot {
        Some(s) => Ok(s),
        None if slots.is_empty() => Err(format!(
            "the checklist has no sign-off slot for “{role}”; its roles are: {}",
            roles.join(", ")
        )),
        None if revoke => Err(format!("“{role}” has not signed this run")),
        None => {
            let who = slots
                .iter()
                .filter_map(|s| state.people.signed.get(&s.id))
                .map(|m| m.actor.clone())
                .collect::<Vec<_>>();
            Err(format!(
                "“{role}” already signed this run (by {}); revoke it first with --revoke",
                who.join(", ")
            ))
        }
    }
}

/// The sign-off (or its revocation) of `slot` by `name`, recorded by
/// `actor`. A sign-off names the evidence it approves: this run's
/// required results.
pub fn signoff(
    state: &RunState,
    slot: &PlanSignoff,
    name: &str,
    actor: &str,
    revoke: bool,
) -> NewEvent {
    let kind = if revoke {
        EventKind::SignoffRevoked
    } else {
        EventKind::Signoff
    };
    let seen = greenlight_run::release::required_results(&state.plan, &state.results);
    let payload = if revoke {
        events::to_value(&events::SignoffGiven {
            role: slot.role.clone(),
            name: Some(name.to_string()),
            ..Default::default()
        })
    } else {
        events::to_value(&greenlight_run::release::signoff_payload(
            &slot.role,
            name,
            &state.run_id,
            &seen,
        ))
    };
    crate::event_of_value(&state.run_id, kind, Some(&slot.id), actor, payload)
}

#[cfg(test)]
mod tests {
    use super::expiry;
    use std::time::{Duration, SystemTime};

    #[test]
    fn expires_takes_a_time_a_day_or_a_duration() {
        let now = humantime::parse_rfc3339("2026-12-01T08:00:00Z").unwrap();
        let at = |x: &str| expiry(x, now).map(|t| humantime::format_rfc3339_seconds(t).to_string());
        assert_eq!(at("2027-01-02T03:04:05Z").unwrap(), "2027-01-02T03:04:05Z");
        assert_eq!(at("2027-01-02").unwrap(), "2027-01-02T00:00:00Z");
        assert_eq!(at("48h").unwrap(), "2026-12-03T08:00:00Z");
        assert_eq!(at(" 7days ").unwrap(), "2026-12-08T08:00:00Z");
        // A day in the past parses; `waiver_expiry` then refuses it as passed.
        assert!(expiry("2020-01-01", now).unwrap() < now);
        let passed = super::waiver_expiry("2020-01-01", now).unwrap_err();
        assert!(passed.contains("that time has passed"), "{passed}");
        assert_eq!(
            super::waiver_expiry("48h", now).unwrap(),
            "2026-12-03T08:00:00Z"
        );
        let err = at("next tuesday").unwrap_err();
        assert!(
            err.contains("e.g. 2026-12-01T00:00:00Z, 2026-12-01 or 48h"),
            "{err}"
        );
        assert!(expiry("2027-13-45", now).is_err());
        assert_eq!(
            expiry("0s", SystemTime::UNIX_EPOCH).unwrap(),
            SystemTime::UNIX_EPOCH + Duration::ZERO
        );
    }
}
