//! Runs as events in the store, and the state derived from them.
//!
//! The run's plan travels in its `run_started` event, so `status`,
//! `decide`, `resume` and `compare` need neither the document nor the
//! profile: the log alone is the record.

use crate::exit::Failure;
use greenlight_run::assemble::{self, Mark, People, RunFacts, Waiver};
use greenlight_run::outcome::{RunReport, StepResult};
use greenlight_run::plan::Plan;
use greenlight_store::{Event, EventKind, NewEvent, Store};
use serde::Deserialize;
use serde_json::json;
use std::path::Path;
use std::time::Duration;

/// Where the store is: `--store`, else `$GREENLIGHT_STORE`, else
/// `.greenlight/runs.db` beside the checklist (or in the current folder).
pub fn store_spec(flag: Option<&str>, checklist: Option<&Path>) -> String {
    if let Some(s) = flag {
        return s.to_string();
    }
    if let Ok(s) = std::env::var("GREENLIGHT_STORE")
        && !s.is_empty()
    {
        return s;
    }
    let dir = checklist
        .and_then(|c| c.parent())
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    dir.join(".greenlight")
        .join("runs.db")
        .display()
        .to_string()
}

pub async fn open(spec: &str) -> Result<Store, Failure> {
    Store::open(spec).await.map_err(Failure::from)
}

/// Who is acting: `--name`, else `$GREENLIGHT_USER`, else `$USER`.
pub fn actor(flag: Option<&str>) -> String {
    flag.map(str::to_string)
        .or_else(|| {
            std::env::var("GREENLIGHT_USER")
                .ok()
                .filter(|s| !s.is_empty())
        })
        .or_else(|| std::env::var("USER").ok().filter(|s| !s.is_empty()))
        .unwrap_or_else(|| "unknown".into())
}

pub fn event(
    run_id: &str,
    kind: EventKind,
    item: Option<&str>,
    actor: &str,
    payload: serde_json::Value,
) -> NewEvent {
    NewEvent {
        run_id: run_id.to_string(),
        kind,
        item: item.map(str::to_string),
        actor: actor.to_string(),
        payload,
    }
}

/// The `run_started` event: the checklist, the profile and the whole plan,
/// redacted like every other event (the plan keeps secrets as `${NAME}`,
/// but a document may spell one out).
pub fn started(
    run_id: &str,
    actor: &str,
    plan: &Plan,
    checklist_path: &str,
    profile: &greenlight_run::profile::Profile,
) -> NewEvent {
    let mut payload = json!({
        "checklist": plan.checklist,
        "checklist_path": checklist_path,
        "profile": plan.profile,
        "version": env!("CARGO_PKG_VERSION"),
        "waive_blockers": profile.waive_blockers,
        "plan": plan,
    });
    greenlight_run::redact::Redactor::new(profile.secrets()).redact_json(&mut payload);
    event(run_id, EventKind::RunStarted, None, actor, payload)
}

pub fn step_event(
    run_id: &str,
    actor: &str,
    plan: &Plan,
    check: usize,
    result: &StepResult,
) -> NewEvent {
    let item = &plan.items[plan.checks[check].item].id;
    event(
        run_id,
        EventKind::StepResult,
        Some(item),
        actor,
        json!({ "check": check, "result": result }),
    )
}

/// Everything a run's events say, folded.
pub struct RunState {
    pub run_id: String,
    pub plan: Plan,
    pub checklist_path: String,
    pub results: Vec<Option<StepResult>>,
    pub people: People,
    pub started_at: String,
    pub last_at: String,
    pub phase_elapsed: Vec<Duration>,
    pub interrupted: bool,
    pub finished: bool,
    pub events: usize,
}

impl RunState {
    /// Folds events (in order) into the state.
    pub fn from_events(run_id: &str, events: &[Event]) -> Result<RunState, Failure> {
        let first = events
            .iter()
            .find(|e| e.kind == EventKind::RunStarted)
            .ok_or_else(|| Failure::usage(format!("run {run_id} has no run_started event")))?;
        #[derive(Deserialize)]
        struct Started {
            plan: Plan,
            #[serde(default)]
            checklist_path: String,
            #[serde(default)]
            waive_blockers: bool,
        }
        let started: Started = serde_json::from_str(&first.payload_text)
            .map_err(|e| Failure::usage(format!("run {run_id}: its plan cannot be read: {e}")))?;
        let mut state = RunState {
            run_id: run_id.to_string(),
            checklist_path: started.checklist_path,
            results: vec![None; started.plan.checks.len()],
            phase_elapsed: vec![Duration::ZERO; started.plan.phases.len()],
            plan: started.plan,
            people: People {
                waive_blockers: started.waive_blockers,
                ..People::default()
            },
            started_at: first.at.clone(),
            last_at: first.at.clone(),
            interrupted: false,
            finished: false,
            events: events.len(),
        };
        let now = humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string();
        /// Just the check index of a step result (the rest is skipped
        /// without being decoded).
        #[derive(Deserialize)]
        struct CheckIndex {
            check: usize,
        }
        #[derive(Deserialize)]
        struct StepPayload {
            result: StepResult,
        }
        let mut latest: Vec<Option<&Event>> = vec![None; state.results.len()];
        for e in events {
            state.last_at = e.at.clone();
            if e.kind == EventKind::StepResult {
                // Only the latest result of a check counts; decoded below.
                if let Some(slot) = e
                    .payload_as::<CheckIndex>()
                    .and_then(|c| latest.get_mut(c.check))
                {
                    *slot = Some(e);
                }
                continue;
            }
            let payload = e.payload();
            let item = e.item.clone().unwrap_or_default();
            let mark = || Mark {
                actor: e.actor.clone(),
                at: e.at.clone(),
                note: payload["note"].as_str().unwrap_or_default().to_string(),
            };
            match e.kind {
                EventKind::ItemChecked => {
                    state.people.checked.insert(item, mark());
                }
                EventKind::ItemUnchecked => {
                    state.people.checked.remove(&item);
                }
                EventKind::Waiver => {
                    let expires = payload["expires"].as_str().map(str::to_string);
                    let expired = expires.as_deref().is_some_and(|x| x < now.as_str());
                    state.people.waivers.insert(
                        item,
                        Waiver {
                            actor: e.actor.clone(),
                            reason: payload["reason"].as_str().unwrap_or_default().to_string(),
                            expires,
                            expired,
                        },
                    );
                }
                EventKind::WaiverRevoked => {
                    state.people.waivers.remove(&item);
                }
                EventKind::Signoff => {
                    let mut m = mark();
                    m.actor = payload["name"].as_str().unwrap_or(&e.actor).to_string();
                    state.people.signed.insert(item, m);
                }
                EventKind::SignoffRevoked => {
                    state.people.signed.remove(&item);
                }
                EventKind::RunInterrupted => state.interrupted = true,
                EventKind::Verdict => {
                    state.finished = true;
                    state.interrupted = payload["interrupted"].as_bool().unwrap_or(false);
                    if let Some(elapsed) = payload["phase_elapsed_ms"].as_array() {
                        for (i, ms) in elapsed.iter().enumerate() {
                            if let Some(slot) = state.phase_elapsed.get_mut(i) {
                                *slot = Duration::from_millis(ms.as_u64().unwrap_or(0));
                            }
                        }
                    }
                }
                EventKind::StepResult
                | EventKind::BudgetOverrun
                | EventKind::RunResumed
                | EventKind::RunStarted => {}
            }
        }
        for (slot, event) in state.results.iter_mut().zip(latest) {
            *slot = event
                .and_then(|e| e.payload_as::<StepPayload>())
                .map(|p| p.result);
        }
        Ok(state)
    }

    /// The report this state gives (`greenlight.run/v1`).
    pub fn report(&self) -> RunReport {
        let results: Vec<StepResult> = self
            .results
            .iter()
            .enumerate()
            .map(|(i, r)| r.clone().unwrap_or_else(|| unfinished(&self.plan, i)))
            .collect();
        let facts = RunFacts {
            run_id: Some(self.run_id.clone()),
            started_at: self.started_at.clone(),
            duration: elapsed_between(&self.started_at, &self.last_at),
            interrupted: self.interrupted,
            phase_elapsed: self.phase_elapsed.clone(),
        };
        assemble::report_with(&self.plan, &results, &facts, &self.people)
    }
}

/// A check with no recorded result: it has not finished (the run was
/// killed or is still going).
fn unfinished(plan: &Plan, i: usize) -> StepResult {
    let c = &plan.checks[i];
    StepResult {
        line: c.line,
        class: c.class,
        probe: c.target.probe().to_string(),
        command: c.command.clone(),
        status: greenlight_run::outcome::Status::NotRun,
        duration_ms: 0,
        attempts: 0,
        evidence: greenlight_run::outcome::Evidence {
            summary: c.target.describe(),
            reason: Some(
                "no result recorded yet (the run has not finished; `greenlight resume` runs it)"
                    .into(),
            ),
            ..Default::default()
        },
    }
}

fn elapsed_between(a: &str, b: &str) -> Duration {
    match (
        humantime::parse_rfc3339_weak(a),
        humantime::parse_rfc3339_weak(b),
    ) {
        (Ok(x), Ok(y)) => y.duration_since(x).unwrap_or_default(),
        _ => Duration::ZERO,
    }
}

/// Reads and folds a run.
pub async fn load(store: &Store, run: Option<&str>) -> Result<RunState, Failure> {
    let run_id = match run {
        Some(prefix) => store.resolve_run(prefix).await.map_err(Failure::from)?,
        None => store
            .latest_run()
            .await
            .map_err(Failure::from)?
            .ok_or_else(|| {
                Failure::usage("the store has no runs yet: start one with `greenlight run`")
            })?,
    };
    let events = store.events(&run_id).await.map_err(Failure::from)?;
    RunState::from_events(&run_id, &events)
}
