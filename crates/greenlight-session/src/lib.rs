//! A greenlight run as events in the store, and the state derived from
//! them.
//!
//! The run's plan travels in its `run_started` event, so `status`,
//! `decide`, `resume` and `compare` need neither the document nor the
//! profile: the log alone is the record. Payloads are the typed structs
//! of [`greenlight_run::events`].
//!
//! [`run`] is the run session itself (execute, a run of a release,
//! resume), told to an [`run::Observer`]: the command line's live view is
//! one, a server another.

use greenlight_run::assemble::{self, People, RunFacts};
use greenlight_run::events;
use greenlight_run::outcome::{RunReport, StepResult};
use greenlight_run::plan::Plan;
use greenlight_run::release::{self, Act, ActKind};
use greenlight_run::verdict::ChainFinding;
use greenlight_store::{
    AuditKey, AuditReport, Event, EventKind, Keying, NewEvent, Payload, Store, StoreError,
};
use std::borrow::Cow;
use std::time::Duration;

pub mod acts;
pub mod burst;
mod chain;
pub mod rollback;
pub mod run;
pub mod watch;

pub use chain::describe_chain;

/// Why a run cannot be recorded or read.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// The store failed (opening, reading or writing).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The run's log cannot be read as a run (no plan, or one that does
    /// not decode).
    #[error("{0}")]
    Unreadable(String),
    /// The store has no runs to read.
    #[error("the store has no runs yet: start one with `greenlight run`")]
    NoRuns,
    /// Appending with this audit key would break the run's chain.
    #[error("{0}")]
    WrongKey(String),
    /// The store failed while in use (reading the runs for a baseline,
    /// recording a run).
    #[error("{0}")]
    Io(String),
    /// The profile asks for something that cannot be had (a CA file).
    #[error("{0}")]
    Config(String),
    /// What was asked for does not make sense (a partial run without a
    /// store).
    #[error("{0}")]
    Usage(String),
    /// `--only` or `--phase` named nothing the checklist has.
    #[error(transparent)]
    Selection(#[from] greenlight_run::release::ReleaseError),
    /// A bug: a task of the session failed.
    #[error("{0}")]
    Internal(String),
}

pub type Result<T, E = SessionError> = std::result::Result<T, E>;

pub async fn open(spec: &str) -> Result<Store> {
    Store::open(spec).await.map_err(SessionError::from)
}

/// Opens the store and sets its audit key.
pub async fn open_keyed(spec: &str, key: Option<AuditKey>) -> Result<Store> {
    let mut store = open(spec).await?;
    store.set_audit_key(key);
    Ok(store)
}

/// Refuses to append to a run signed with an audit key unless this store
/// signs with the same key: an unsigned or foreign-signed event would
/// break the run's chain.
pub fn may_append(state: &RunState, store: &Store) -> Result<()> {
    let Some(signed) = &state.key_id else {
        return Ok(());
    };
    match store.audit_key() {
        Some(k) if k.id() == signed => Ok(()),
        Some(k) => Err(SessionError::WrongKey(format!(
            "run {} is signed with audit key {signed}, not with the key given ({}); use the team's key",
            state.run_id,
            k.id()
        ))),
        None => Err(SessionError::WrongKey(format!(
            "run {} is signed with audit key {signed}; give the key ([audit] key in --env PROFILE, or GREENLIGHT_AUDIT_KEY) to record to it",
            state.run_id
        ))),
    }
}

/// Verifies a run's chain and says what that means for the verdict.
pub async fn verify_chain(store: &Store, run_id: &str) -> Result<(AuditReport, ChainFinding)> {
    let audit = store.verify(run_id).await.map_err(SessionError::from)?;
    let finding = if !audit.ok {
        ChainFinding::Broken(format!(
            "audit chain broken: {} (`greenlight audit {run_id}`)",
            audit
                .problem
                .as_deref()
                .unwrap_or("the chain does not verify")
        ))
    } else {
        match (audit.keying, store.audit_key()) {
            (Keying::Unkeyed, Some(_)) => ChainFinding::Unproven(
                "audit chain unkeyed: the run was recorded without the audit key, so its record is not proof against rewriting".into(),
            ),
            (Keying::Unverified, _) => ChainFinding::Unproven(format!(
                "audit chain signed with key {}, but no audit key is configured here to verify it ([audit] key in --env PROFILE, or GREENLIGHT_AUDIT_KEY)",
                audit.key_id.as_deref().unwrap_or("?")
            )),
            _ => ChainFinding::Sound,
        }
    };
    Ok((audit, finding))
}

/// An event to record; `payload` is one of [`greenlight_run::events`].
pub fn event(
    run_id: &str,
    kind: EventKind,
    item: Option<&str>,
    actor: &str,
    payload: impl serde::Serialize,
) -> NewEvent {
    event_of_payload(run_id, kind, item, actor, Payload::of(&payload))
}

/// [`event`] for a payload that is JSON already: it is moved in, not
/// serialized into a copy (a `run_started` payload holds the whole plan).
pub fn event_of_value(
    run_id: &str,
    kind: EventKind,
    item: Option<&str>,
    actor: &str,
    payload: serde_json::Value,
) -> NewEvent {
    event_of_payload(run_id, kind, item, actor, payload.into())
}

/// [`event`] for a payload made already (see [`Payload::of`]).
fn event_of_payload(
    run_id: &str,
    kind: EventKind,
    item: Option<&str>,
    actor: &str,
    payload: Payload,
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
    started_in(run_id, actor, plan, checklist_path, profile, "")
}

/// [`started`] for a run of `release` (see [`greenlight_run::release`]).
pub fn started_in(
    run_id: &str,
    actor: &str,
    plan: &Plan,
    checklist_path: &str,
    profile: &greenlight_run::profile::Profile,
    release: &str,
) -> NewEvent {
    // Redacted as it is serialized: the plan's strings are data, its field
    // names are not (a secret `x` must not turn `"expect"` into
    // `"e[redacted]pect"`, or the run could no longer be read).
    let redactor = greenlight_run::redact::Redactor::new(profile.secrets());
    let started = run_started(plan, checklist_path, profile, release);
    let payload = Payload::of(&greenlight_run::redact::Redacted::new(&redactor, &started));
    event_of_payload(run_id, EventKind::RunStarted, None, actor, payload)
}

/// The `run_started` payload, unredacted.
fn run_started<'a>(
    plan: &'a Plan,
    checklist_path: &str,
    profile: &greenlight_run::profile::Profile,
    release: &str,
) -> events::RunStarted<'a> {
    events::RunStarted {
        release: release.to_string(),
        checklist: plan.checklist.clone(),
        checklist_path: checklist_path.to_string(),
        profile: plan.profile.clone(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        waive_blockers: profile.waive_blockers,
        plan: Cow::Borrowed(plan),
    }
}

pub fn step_event(
    run_id: &str,
    actor: &str,
    plan: &Plan,
    check: usize,
    result: &StepResult,
) -> NewEvent {
    step_result_event(run_id, actor, plan, check, result, None)
}

/// A `step_result` event; `kept_from` is absent for a result of this run
/// and `Some(run)` for one a partial run keeps (written as older versions
/// wrote each).
fn step_result_event(
    run_id: &str,
    actor: &str,
    plan: &Plan,
    check: usize,
    result: &StepResult,
    kept_from: Option<Option<String>>,
) -> NewEvent {
    let item = &plan.items[plan.checks[check].item].id;
    event(
        run_id,
        EventKind::StepResult,
        Some(item),
        actor,
        events::StepRecorded {
            check,
            result: Cow::Borrowed(result),
            kept_from,
        },
    )
}

/// A result a partial run keeps from an earlier run of its release.
pub fn kept_step_event(
    run_id: &str,
    actor: &str,
    plan: &Plan,
    check: usize,
    result: &StepResult,
    kept_from: Option<&str>,
) -> NewEvent {
    step_result_event(
        run_id,
        actor,
        plan,
        check,
        result,
        Some(kept_from.map(str::to_string)),
    )
}

/// The event kinds that are people's acts (see [`act_of`]).
pub const ACT_KINDS: [EventKind; 6] = [
    EventKind::ItemChecked,
    EventKind::ItemUnchecked,
    EventKind::Waiver,
    EventKind::WaiverRevoked,
    EventKind::Signoff,
    EventKind::SignoffRevoked,
];

/// A person's act, as the release logic reads it (`None`: not an act).
/// A payload that does not decode reads as an empty one (the fields each
/// kind carries are all optional in older stores).
pub fn act_of(e: &Event) -> Option<Act> {
    fn decode<T: serde::de::DeserializeOwned + Default>(e: &Event) -> T {
        e.payload_as().unwrap_or_default()
    }
    let kind = match e.kind {
        EventKind::ItemChecked => ActKind::Checked(decode(e)),
        EventKind::ItemUnchecked => ActKind::Unchecked,
        EventKind::Waiver => ActKind::Waiver(decode(e)),
        EventKind::WaiverRevoked => ActKind::WaiverRevoked,
        EventKind::Signoff => ActKind::Signoff(decode(e)),
        EventKind::SignoffRevoked => ActKind::SignoffRevoked,
        _ => return None,
    };
    Some(Act {
        run: e.run_id.clone(),
        at: e.at.clone(),
        kind,
        item: e.item.clone().unwrap_or_default(),
        actor: e.actor.clone(),
    })
}

/// The events of `kinds` in every run of `release` (the store's order).
pub(crate) async fn release_events_of_kinds(
    store: &Store,
    release: &str,
    kinds: &[EventKind],
) -> Result<Vec<Event>> {
    let ids: Vec<String> = store
        .release_runs(release)
        .await?
        .into_iter()
        .map(|r| r.run_id)
        .collect();
    Ok(store.events_of_kinds(&ids, kinds).await?)
}

/// The acts that apply to a run of `release`: those of the runs of the
/// release started before it, then its own (`own`: its events, when the
/// caller has read them already). `run_id` need not be recorded yet.
pub async fn release_acts(
    store: &Store,
    run_id: &str,
    release: &str,
    own: Option<&[Event]>,
) -> Result<(Vec<Act>, usize)> {
    let runs = store
        .release_runs(release)
        .await
        .map_err(SessionError::from)?;
    // Only people's acts are read from the database: a release's earlier
    // runs hold mostly step results, which the acts do not need.
    let mut ids: Vec<String> = runs
        .iter()
        .map(|r| r.run_id.clone())
        .take_while(|r| r != run_id)
        .collect();
    let earlier = ids.len();
    if own.is_none() {
        ids.push(run_id.to_string());
    }
    let read = store
        .events_of_kinds(&ids, &ACT_KINDS)
        .await
        .map_err(SessionError::from)?;
    let mut acts: Vec<Act> = read.iter().filter_map(act_of).collect();
    if let Some(events) = own {
        acts.extend(events.iter().filter_map(act_of));
    }
    Ok((acts, earlier))
}

/// What people recorded, as seen by a run with these results.
pub fn people_for(
    acts: &[Act],
    run_id: &str,
    plan: &Plan,
    results: &[Option<StepResult>],
    waive_blockers: bool,
) -> People {
    let now = humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string();
    let current = release::required_results(plan, results);
    release::fold(acts, run_id, plan, &current, waive_blockers, &now)
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
    /// The release the run belongs to (empty: a run from before releases).
    pub release: String,
    /// How many earlier runs of the release its people's work comes from.
    pub earlier_runs: usize,
    /// The audit key ID of the run's last signed event, if any.
    pub key_id: Option<String>,
    /// A rollback run: who allowed it, and which classes.
    pub rollback: Option<(String, rollback::RollbackAllowed)>,
    /// The watch window that judges this run: its own (a watch run), or
    /// the release's latest one started since (see [`load`]).
    pub watch: Option<watch::WatchFold>,
}

impl RunState {
    /// Folds events (in order) into the state.
    pub fn from_events(run_id: &str, events: &[Event]) -> Result<RunState> {
        let first = events
            .iter()
            .find(|e| e.kind == EventKind::RunStarted)
            .ok_or_else(|| {
                SessionError::Unreadable(format!("run {run_id} has no run_started event"))
            })?;
        let started: events::RunStarted =
            serde_json::from_str(&first.payload_text).map_err(|e| {
                SessionError::Unreadable(format!("run {run_id}: its plan cannot be read: {e}"))
            })?;
        let mut state = RunState {
            run_id: run_id.to_string(),
            checklist_path: started.checklist_path,
            results: vec![None; started.plan.checks.len()],
            phase_elapsed: vec![Duration::ZERO; started.plan.phases.len()],
            plan: started.plan.into_owned(),
            people: People {
                waive_blockers: started.waive_blockers,
                ..People::default()
            },
            started_at: first.at.clone(),
            last_at: first.at.clone(),
            interrupted: false,
            finished: false,
            events: events.len(),
            release: started.release,
            earlier_runs: 0,
            key_id: None,
            rollback: None,
            watch: watch::fold(run_id, events),
        };
        let mut latest: Vec<Option<&Event>> = vec![None; state.results.len()];
        for e in events {
            state.last_at = e.at.clone();
            if let Some(mac) = &e.mac {
                state.key_id = mac.split(':').next().map(str::to_string);
            }
            if e.kind == EventKind::StepResult {
                // Only the latest result of a check counts; decoded below.
                if let Some(slot) = e
                    .payload_as::<events::StepIndex>()
                    .and_then(|c| latest.get_mut(c.check))
                {
                    *slot = Some(e);
                }
                continue;
            }
            match e.kind {
                EventKind::RunInterrupted => state.interrupted = true,
                EventKind::Rollback => {
                    state.rollback = Some((e.actor.clone(), e.payload_as().unwrap_or_default()));
                }
                EventKind::Verdict => {
                    state.finished = true;
                    let v = e.payload_as::<events::VerdictEnd>().unwrap_or_default();
                    state.interrupted = v.interrupted;
                    for (slot, ms) in state.phase_elapsed.iter_mut().zip(v.phase_elapsed_ms) {
                        *slot = Duration::from_millis(ms);
                    }
                }
                // People's acts are folded below, with the release's.
                _ => {}
            }
        }
        for (slot, event) in state.results.iter_mut().zip(latest) {
            *slot = event
                .and_then(|e| e.payload_as::<events::StepRecorded>())
                .map(|p| p.result.into_owned());
        }
        let acts: Vec<Act> = events.iter().filter_map(act_of).collect();
        state.people = people_for(
            &acts,
            run_id,
            &state.plan,
            &state.results,
            started.waive_blockers,
        );
        Ok(state)
    }

    /// The report this state gives (`greenlight.run/v1`).
    pub fn report(&self) -> RunReport {
        let results: Vec<StepResult> = self
            .results
            .iter()
            .enumerate()
            .map(|(i, r)| r.clone().unwrap_or_else(|| unfinished(&self.plan, i)))
            .map(|r| match &self.watch {
                // A watch run's checks are the window's probes: a failure at
                // one tick is the window's to judge (its error rate, its
                // gates), not a failed item of the release by itself. Nothing
                // else changes: what people owe keeps the run from GO.
                Some(w) if w.run_id == self.run_id => watch::judged_by_window(r),
                _ => r,
            })
            .collect();
        let facts = RunFacts {
            run_id: Some(self.run_id.clone()),
            started_at: self.started_at.clone(),
            duration: elapsed_between(&self.started_at, &self.last_at),
            interrupted: self.interrupted,
            phase_elapsed: self.phase_elapsed.clone(),
        };
        let mut report = assemble::report_with(&self.plan, &results, &facts, &self.people);
        if let Some(w) = &self.watch {
            watch::apply(&mut report, w);
        }
        report
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
pub async fn load(store: &Store, run: Option<&str>) -> Result<RunState> {
    let run_id = match run {
        Some(prefix) => store
            .resolve_run(prefix)
            .await
            .map_err(SessionError::from)?,
        None => store
            .latest_run()
            .await
            .map_err(SessionError::from)?
            .ok_or(SessionError::NoRuns)?,
    };
    let events = store.events(&run_id).await.map_err(SessionError::from)?;
    let mut state = RunState::from_events(&run_id, &events)?;
    if !state.release.is_empty() {
        let (acts, earlier) = release_acts(store, &run_id, &state.release, Some(&events)).await?;
        state.people = people_for(
            &acts,
            &run_id,
            &state.plan,
            &state.results,
            state.people.waive_blockers,
        );
        state.earlier_runs = earlier;
        if state.watch.is_none() {
            state.watch = watch::release_watch(store, &state.release, &state.started_at).await?;
        }
    }
    Ok(state)
}

/// A short run ID: easy to type, unique enough on one machine.
pub fn new_run_id() -> String {
    const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::SystemTime::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let mut x = (nanos as u64) ^ (u64::from(std::process::id()) << 40);
    // Mix the bits (splitmix64's finalizer) so consecutive runs differ early.
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^= x >> 31;
    (0..5)
        .map(|i| ALPHABET[((x >> (i * 5)) & 31) as usize] as char)
        .collect()
}

/// Where a run's events go while it runs.
pub struct Recording {
    pub store: std::sync::Arc<Store>,
    pub actor: String,
    /// The last GO run's step latencies, when the profile sets a baseline.
    pub baseline: Option<BaselineRun>,
    /// People's acts that apply to the run (its release's, carried over).
    pub acts: Vec<Act>,
}

/// A GO run's ID and its passed steps' latencies by (item ID, step position).
pub type BaselineRun = (String, std::collections::HashMap<(String, usize), u64>);

/// The step latencies of the newest GO run of `checklist`, for
/// `baseline = "last-go"`.
pub async fn last_go_latencies(
    store: &Store,
    checklist: &str,
    except: &str,
) -> Result<Option<BaselineRun>> {
    let runs = store
        .runs(Some(checklist))
        .await
        .map_err(|e| SessionError::Io(e.to_string()))?;
    let Some(run) = runs.iter().find(|r| {
        r.run_id != except && matches!(r.verdict.as_deref(), Some("GO" | "GO_WITH_WARNINGS"))
    }) else {
        return Ok(None);
    };
    let state = load(store, Some(&run.run_id)).await?;
    let mut map = std::collections::HashMap::new();
    for item in &state.plan.items {
        for (k, &c) in item.checks.iter().enumerate() {
            if let Some(r) = state.results.get(c).and_then(Option::as_ref)
                && r.status == greenlight_run::outcome::Status::Passed
            {
                map.insert((item.id.clone(), k), r.duration_ms);
            }
        }
    }
    Ok(Some((run.run_id.clone(), map)))
}

/// The events a run opens with: `run_started`, then the results a partial
/// run keeps from an earlier run of its release.
#[allow(clippy::too_many_arguments)]
pub fn opening_events(
    run_id: &str,
    actor: &str,
    plan: &Plan,
    checklist_path: &str,
    profile: &greenlight_run::profile::Profile,
    release: &str,
    partial: Option<&release::Partial>,
) -> Vec<NewEvent> {
    let mut first = vec![started_in(
        run_id,
        actor,
        plan,
        checklist_path,
        profile,
        release,
    )];
    if let Some(part) = partial {
        for (i, done) in part.done.iter().enumerate() {
            if let Some(r) = done {
                first.push(kept_step_event(
                    run_id,
                    actor,
                    plan,
                    i,
                    r,
                    part.kept_from[i].as_deref(),
                ));
            }
        }
    }
    first
}

/// The checks and unchecks the document's own boxes ask for, each by its
/// blame author (else `document`).
pub fn tick_events(run_id: &str, ticks: &[release::DocumentTick]) -> Vec<NewEvent> {
    ticks
        .iter()
        .map(|t| {
            event(
                run_id,
                if t.checked {
                    EventKind::ItemChecked
                } else {
                    EventKind::ItemUnchecked
                },
                Some(&t.item),
                t.author.as_deref().unwrap_or("document"),
                release::tick_payload(t),
            )
        })
        .collect()
}

/// The events that close a run: results the baseline turned into
/// failures (recorded again, as such), each phase over its budget, and
/// the verdict.
pub fn closing_events(
    run_id: &str,
    actor: &str,
    plan: &Plan,
    results: &[StepResult],
    phase_elapsed: &[Duration],
    report: &RunReport,
) -> Vec<NewEvent> {
    let mut closing = Vec::new();
    for (i, r) in results.iter().enumerate() {
        if r.evidence
            .failures
            .iter()
            .any(|f| f.contains("above the last GO run"))
        {
            closing.push(step_event(run_id, actor, plan, i, r));
        }
    }
    for (p, phase) in plan.phases.iter().enumerate() {
        if let Some(b) = phase.budget_seconds
            && phase_elapsed[p].as_secs() > b
        {
            closing.push(event(
                run_id,
                EventKind::BudgetOverrun,
                None,
                actor,
                events::BudgetOverrun {
                    phase: phase.id.clone(),
                    line: phase.line,
                    budget_seconds: b,
                    elapsed_ms: phase_elapsed[p].as_millis() as u64,
                },
            ));
        }
    }
    closing.push(event(
        run_id,
        EventKind::Verdict,
        None,
        actor,
        events::VerdictReached {
            verdict: report.verdict,
            counts: events::to_value(&report.counts),
            interrupted: report.interrupted,
            phase_elapsed_ms: phase_elapsed.iter().map(|d| d.as_millis() as u64).collect(),
        },
    ));
    closing
}

/// What `resume` starts from: the run's results, with those to run again
/// cleared (the unfinished ones; with `failed`, also those that failed,
/// were blocked or did not run).
pub fn resume_from(state: &RunState, failed: bool) -> Vec<Option<StepResult>> {
    let mut done = state.results.clone();
    if failed {
        for d in done.iter_mut() {
            if release::needs_rerun(d.as_ref()) {
                *d = None;
            }
        }
    }
    done
}

/// The `run_resumed` event.
pub fn resumed_event(run_id: &str, actor: &str, open_checks: usize, failed: bool) -> NewEvent {
    event(
        run_id,
        EventKind::RunResumed,
        None,
        actor,
        events::RunResumed {
            open_checks,
            failed,
        },
    )
}

/// Events a store could not take, one JSON object a line, redacted: what
/// `greenlight-unrecorded-RUN.jsonl` holds.
pub fn unrecorded_jsonl(
    unrecorded: &[NewEvent],
    redactor: &greenlight_run::redact::Redactor,
) -> String {
    // Redacted field by field: redacting the line's text would rewrite the
    // payload's keys (a secret `x` in `"expect"`) or break its JSON (a
    // secret `"`). The payload was redacted when its event was made; its
    // strings are masked once more here, its keys are left as they are.
    #[derive(serde::Serialize)]
    struct Unrecorded<'a> {
        #[serde(serialize_with = "greenlight_run::redact::generated")]
        run_id: &'a str,
        kind: EventKind,
        #[serde(serialize_with = "greenlight_run::redact::generated")]
        item: &'a Option<String>,
        actor: &'a str,
        #[serde(serialize_with = "greenlight_run::redact::settled_keys")]
        payload: &'a Payload,
    }
    let lines: Vec<String> = unrecorded
        .iter()
        .filter_map(|ev| {
            let line = Unrecorded {
                run_id: &ev.run_id,
                kind: ev.kind,
                item: &ev.item,
                actor: &ev.actor,
                payload: &ev.payload,
            };
            serde_json::to_string(&events::to_value(&greenlight_run::redact::Redacted::new(
                redactor, &line,
            )))
            .ok()
        })
        .collect();
    lines.join("\n") + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The payloads written straight as canonical text are the texts the
    /// JSON tree gives (what every stored hash was computed over), for
    /// a plan of every kind of check, with and without secrets to redact
    /// (short ones too, that also occur in field names).
    #[test]
    fn payloads_written_as_text_are_the_texts_of_the_json_tree() {
        const DOC: &str = "# Release\n\n## Checks\n\n- [ ] **Health** (blocker)\n  ```bash\n  curl -f -H 'Authorization: Bearer ${TOKEN}' https://api.example.com/health?x=1\n  # Expected: {\"status\":\"healthy\",\"db\":{\"ok\":true,\"lag_ms\":3}}\n  ```\n- [ ] **Version** — owner: @ops\n  ```bash\n  curl -s https://api.example.com/version | jq -r .version\n  # Expected: 8.0.0\n  ```\n- [ ] **Post** \"quoted\" é ✓\n  ```bash\n  curl -X POST -d '{\"b\":1,\"a\":[2,3]}' https://api.example.com/items\n  ```\n- [ ] **Manual**: look at the dashboard\n- [ ] **Shell**\n  ```bash\n  echo s3cr3t-value && grep -c x /etc/hosts\n  ```\n";
        let list = greenlight_doc::parse(DOC.as_bytes());
        for secret in [None, Some("s3cr3t-value"), Some("e"), Some("x"), Some("\"")] {
            let toml = match secret {
                None => "name = \"staging\"\n".to_string(),
                Some(s) => format!(
                    "name = \"staging\"\n[vars]\nTOKEN = {{ env = \"T\", secret = true }}\n# {}\n",
                    s.len()
                ),
            };
            let env = |_: &str| secret.map(str::to_string);
            let profile = greenlight_run::profile::Profile::from_toml(
                &toml,
                std::path::Path::new("staging.toml"),
                &env,
            )
            .unwrap();
            assert_eq!(profile.secrets().len(), usize::from(secret.is_some()));
            let plan = greenlight_run::plan::build(
                &list,
                "RELEASE.md",
                &profile,
                &greenlight_run::analyze::analyze_block,
                &|_| true,
            );
            assert!(plan.checks.len() >= 3, "{:?}", plan.checks.len());
            for release in ["", "v1.2"] {
                let text = started_in("r1", "ci", &plan, "/x/RELEASE.md", &profile, release);
                // The old way: through a JSON value, then canonical text.
                let redactor = greenlight_run::redact::Redactor::new(profile.secrets());
                let started = run_started(&plan, "/x/RELEASE.md", &profile, release);
                let tree = event_of_value(
                    "r1",
                    EventKind::RunStarted,
                    None,
                    "ci",
                    events::to_value(&greenlight_run::redact::Redacted::new(&redactor, &started)),
                );
                assert_eq!(text.payload.canonical(), tree.payload.canonical());
                assert_eq!(text, tree);
            }
            for (i, status) in ["passed", "failed", "blocked"].into_iter().enumerate() {
                let result: StepResult = serde_json::from_value(json!({
                    "line": 7 + i, "class": "read", "probe": "http",
                    "command": "curl -f https://api.example.com/health",
                    "status": status, "duration_ms": 12, "attempts": 1,
                    "evidence": {
                        "summary": "GET https://api.example.com/health → 200 in 3 ms",
                        "expected": ["status 200", "body has \"status\": \"healthy\""],
                        "failures": if i == 1 { json!(["saw 503"]) } else { json!([]) },
                        "unverified": [],
                        "excerpt": "{\"status\":\"healthy\"}",
                        "reason": if i == 2 { json!("TOKEN is not set") } else { json!(null) },
                        "load": if i == 0 {
                            json!({ "rps": 12.5, "latency_ms": { "p99": 3.25, "p50": 1.0 }, "errors": 0 })
                        } else { json!(null) }
                    }
                }))
                .unwrap();
                let ev = step_event("r1", "ci", &plan, i, &result);
                let payload = events::StepRecorded {
                    check: i,
                    result: Cow::Borrowed(&result),
                    kept_from: None,
                };
                let tree = greenlight_store::canonical_json(&events::to_value(&payload));
                assert_eq!(ev.payload.canonical(), tree);
                let kept = kept_step_event("r1", "ci", &plan, i, &result, Some("r0"));
                let old = events::StepRecorded {
                    check: i,
                    result: Cow::Borrowed(&result),
                    kept_from: Some(Some("r0".to_string())),
                };
                assert_eq!(
                    kept.payload.canonical(),
                    greenlight_store::canonical_json(&events::to_value(&old))
                );
            }
        }
    }

    /// A run recorded as older versions wrote it (payloads built with
    /// `json!`, before the typed payloads): it still loads, people's work
    /// reads as it did, and its audit chain still verifies.
    #[tokio::test]
    async fn a_run_written_in_the_old_shape_still_loads_and_verifies() {
        let dir = std::env::temp_dir().join(format!(
            "greenlight-session-old-shape-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let spec = dir.join("runs.db").display().to_string();
        let store = open(&spec).await.unwrap();
        let run = "r0ldshape";
        let item = |id: &str, line: usize, handling: serde_json::Value| {
            json!({
                "id": id, "line": line, "text": format!("Item {id}"), "phase_title": null,
                "severity": "required", "handling": handling, "checks": [], "children": [],
                "reports": true,
            })
        };
        let plan = json!({
            "checklist": "RELEASE.md",
            "profile": "staging",
            "phases": [],
            "items": [
                item("a", 3, json!({ "kind": "manual" })),
                item("b", 4, json!({ "kind": "manual" })),
                item("c", 5, json!({ "kind": "manual" })),
                item("s", 6, json!({ "kind": "signoff", "role": "QA" })),
            ],
            "checks": [],
            "signoffs": [{ "id": "s", "role": "QA", "line": 6 }],
        });
        let ev = |kind, item: Option<&str>, payload| event(run, kind, item, "ci", payload);
        store
            .append(vec![
                ev(
                    EventKind::RunStarted,
                    None,
                    json!({
                        "checklist": "RELEASE.md", "checklist_path": "docs/RELEASE.md",
                        "profile": "staging", "version": "0.0.9", "waive_blockers": false,
                        "plan": plan,
                    }),
                ),
                ev(EventKind::ItemChecked, Some("a"), json!({ "note": "looked" })),
                ev(
                    EventKind::ItemChecked,
                    Some("b"),
                    json!({ "source": "document", "line": 4, "note": "ticked [x] in the document (L4)" }),
                ),
                ev(
                    EventKind::Waiver,
                    Some("c"),
                    json!({ "reason": "known", "expires": null }),
                ),
                // A sign-off from before evidence was recorded.
                ev(
                    EventKind::Signoff,
                    Some("s"),
                    json!({ "role": "QA", "name": "Bo" }),
                ),
                ev(
                    EventKind::Verdict,
                    None,
                    json!({
                        "verdict": "PENDING", "counts": { "manual": 3 }, "interrupted": true,
                        "phase_elapsed_ms": [],
                    }),
                ),
            ])
            .await
            .unwrap();
        let state = load(&store, Some(run)).await.unwrap();
        assert_eq!(state.checklist_path, "docs/RELEASE.md");
        assert_eq!(state.release, "", "a run from before releases");
        assert!(state.finished && state.interrupted);
        let p = &state.people;
        assert_eq!(p.checked["a"].note, "looked");
        assert!(!p.checked["a"].document);
        assert!(p.checked["b"].document);
        assert_eq!(p.waivers["c"].reason, "known");
        assert_eq!(p.waivers["c"].expires, None);
        assert_eq!(p.signed["s"].actor, "Bo");
        assert!(p.stale.is_empty());
        let (audit, finding) = verify_chain(&store, run).await.unwrap();
        assert!(audit.ok, "{:?}", audit.problem);
        assert!(!matches!(finding, ChainFinding::Broken(_)));
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// People's acts as this version writes them (`check`, `waive`,
    /// `signoff`, the document's ticks) are stored as exactly these texts,
    /// and texts in this format read back as the typed acts.
    #[tokio::test]
    async fn acts_in_the_current_format_are_stored_as_these_texts_and_read_back_typed() {
        use greenlight_run::events::{ItemMarked, SignoffGiven, WaiverGiven};
        use std::collections::BTreeMap;
        let dir = std::env::temp_dir().join(format!(
            "greenlight-session-current-shape-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let store = open(&dir.join("runs.db").display().to_string())
            .await
            .unwrap();
        let seen = BTreeMap::from([
            ("health".to_string(), "passed".to_string()),
            ("version".to_string(), "failed".to_string()),
        ]);
        let tick = release::DocumentTick {
            item: "b".into(),
            line: 4,
            checked: true,
            author: None,
        };
        let signoff = release::signoff_payload("QA", "Bo", "r1", &seen);
        let digest = release::digest(&seen);
        let waiver = WaiverGiven {
            reason: "known flake".into(),
            expires: Some("2030-01-01T00:00:00Z".into()),
        };
        // (the event as written now, its stored text, the act it reads as)
        let cases: Vec<(NewEvent, String, ActKind)> = vec![
            (
                event(
                    "w",
                    EventKind::ItemChecked,
                    Some("a"),
                    "ann",
                    ItemMarked::by_person("looked"),
                ),
                r#"{"note":"looked"}"#.into(),
                ActKind::Checked(ItemMarked::by_person("looked")),
            ),
            (
                event(
                    "w",
                    EventKind::ItemChecked,
                    Some("b"),
                    "document",
                    release::tick_payload(&tick),
                ),
                r#"{"line":4,"note":"ticked [x] in the document (L4)","source":"document"}"#.into(),
                ActKind::Checked(ItemMarked {
                    source: Some("document".into()),
                    line: Some(4),
                    note: "ticked [x] in the document (L4)".into(),
                }),
            ),
            (
                event(
                    "w",
                    EventKind::ItemUnchecked,
                    Some("a"),
                    "ann",
                    ItemMarked::by_person(""),
                ),
                r#"{"note":""}"#.into(),
                ActKind::Unchecked,
            ),
            (
                event("w", EventKind::Waiver, Some("c"), "ann", &waiver),
                r#"{"expires":"2030-01-01T00:00:00Z","reason":"known flake"}"#.into(),
                ActKind::Waiver(waiver.clone()),
            ),
            (
                event("w", EventKind::Signoff, Some("s"), "Bo", &signoff),
                format!(
                    r#"{{"digest":"{digest}","name":"Bo","role":"QA","run":"r1","saw":{{"health":"passed","version":"failed"}}}}"#
                ),
                ActKind::Signoff(SignoffGiven {
                    role: "QA".into(),
                    name: Some("Bo".into()),
                    run: Some("r1".into()),
                    digest: Some(digest.clone()),
                    saw: Some(seen.clone()),
                }),
            ),
            (
                event(
                    "w",
                    EventKind::SignoffRevoked,
                    Some("s"),
                    "Bo",
                    SignoffGiven {
                        role: "QA".into(),
                        name: Some("Bo".into()),
                        ..Default::default()
                    },
                ),
                r#"{"name":"Bo","role":"QA"}"#.into(),
                ActKind::SignoffRevoked,
            ),
        ];
        let written = store
            .append(cases.iter().map(|(ev, _, _)| ev.clone()).collect())
            .await
            .unwrap();
        // The texts as read: run "r" holds them, parsed from the literals.
        let literal = |(ev, text, _): &(NewEvent, String, ActKind)| {
            event("r", ev.kind, ev.item.as_deref(), &ev.actor, {
                serde_json::from_str::<serde_json::Value>(text).unwrap()
            })
        };
        let read = store
            .append(cases.iter().map(literal).collect())
            .await
            .unwrap();
        for (((_, text, kind), w), r) in cases.iter().zip(&written).zip(&read) {
            assert_eq!(&w.payload_text, text, "written as before");
            assert_eq!(&r.payload_text, text);
            assert_eq!(act_of(r).map(|a| a.kind).as_ref(), Some(kind), "{text}");
            assert_eq!(act_of(w).map(|a| a.kind).as_ref(), Some(kind), "{text}");
        }
        // An act whose payload does not decode reads as an empty one.
        let odd = store
            .append(vec![event(
                "x",
                EventKind::Waiver,
                Some("c"),
                "ann",
                json!("no"),
            )])
            .await
            .unwrap();
        assert_eq!(
            act_of(&odd[0]).map(|a| a.kind),
            Some(ActKind::Waiver(WaiverGiven::default()))
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// A release's earlier runs are read by their acts only: with 40 runs
    /// of 50 step results and one check each, loading the people's work
    /// of the next run reads 40 events, not 2 000.
    #[tokio::test]
    async fn release_acts_read_only_the_earlier_runs_acts() {
        let dir = std::env::temp_dir().join(format!(
            "greenlight-session-release-read-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let store = open(&dir.join("runs.db").display().to_string())
            .await
            .unwrap();
        const RUNS: usize = 40;
        const STEPS: usize = 50;
        let mut batch = Vec::new();
        for n in 0..RUNS {
            let run = format!("run{n:02}");
            let ev = |kind, item: Option<&str>, payload| event(&run, kind, item, "ci", payload);
            batch.push(ev(
                EventKind::RunStarted,
                None,
                json!({ "release": "RELEASE.md@staging", "checklist": "RELEASE.md" }),
            ));
            for c in 0..STEPS {
                batch.push(ev(
                    EventKind::StepResult,
                    Some("item"),
                    json!({ "check": c, "result": { "evidence": "x".repeat(200) } }),
                ));
            }
            batch.push(ev(
                EventKind::ItemChecked,
                Some(&format!("manual{n}")),
                json!({ "note": "looked" }),
            ));
            batch.push(ev(
                EventKind::Verdict,
                None,
                json!({ "verdict": "PENDING" }),
            ));
        }
        store.append(batch).await.unwrap();
        let before = store.events_read();
        let (acts, earlier) = release_acts(&store, "next", "RELEASE.md@staging", None)
            .await
            .unwrap();
        assert_eq!(earlier, RUNS);
        assert_eq!(acts.len(), RUNS);
        // Oldest run first, as they were recorded.
        assert_eq!(acts[0].item, "manual0");
        assert_eq!(acts[RUNS - 1].run, format!("run{:02}", RUNS - 1));
        assert_eq!(
            store.events_read() - before,
            RUNS as u64,
            "only the acts are read, not the {} step results",
            RUNS * STEPS
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// A one-letter secret masks the payload's strings, never its keys nor
    /// the line's JSON.
    #[test]
    fn unrecorded_events_keep_their_keys_under_a_short_secret() {
        let ev = event(
            "rx1",
            EventKind::ItemChecked,
            Some("ix"),
            "ci",
            json!({ "expect": ["x marks"], "index": 1 }),
        );
        for secret in ["x", "\"", ":"] {
            let redactor = greenlight_run::redact::Redactor::new(vec![secret.to_string()]);
            let text = unrecorded_jsonl(std::slice::from_ref(&ev), &redactor);
            let line: serde_json::Value = serde_json::from_str(text.trim()).unwrap();
            assert_eq!(line["run_id"], "rx1", "{line}");
            assert_eq!(line["item"], "ix", "{line}");
            assert_eq!(line["payload"]["index"], 1, "{line}");
            if secret == "x" {
                assert_eq!(line["payload"]["expect"][0], "[redacted] marks", "{line}");
            }
        }
    }

    /// The unrecorded-events file keeps the shape older versions wrote.
    #[test]
    fn unrecorded_events_are_written_as_before() {
        let ev = event(
            "r1",
            EventKind::ItemChecked,
            Some("a"),
            "ci",
            json!({ "note": "token s3cret" }),
        );
        let redactor = greenlight_run::redact::Redactor::new(vec!["s3cret".to_string()]);
        let old = serde_json::to_string(&json!({
            "run_id": ev.run_id, "kind": ev.kind, "item": ev.item, "actor": ev.actor, "payload": ev.payload,
        }))
        .unwrap();
        let text = unrecorded_jsonl(&[ev.clone(), ev], &redactor);
        let line = redactor.redact(&old);
        assert!(!line.contains("s3cret"), "{line}");
        assert_eq!(text, format!("{line}\n{line}\n"));
    }
}
