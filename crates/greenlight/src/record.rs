//! Runs as events in the store, and the state derived from them.
//!
//! The run's plan travels in its `run_started` event, so `status`,
//! `decide`, `resume` and `compare` need neither the document nor the
//! profile: the log alone is the record.

use crate::exit::Failure;
use greenlight_run::assemble::{self, Mark, People, RunFacts, Waiver};
use greenlight_run::outcome::{RunReport, StepResult};
use greenlight_run::plan::Plan;
use greenlight_run::verdict::ChainFinding;
use greenlight_store::{AuditKey, AuditReport, Event, EventKind, Keying, NewEvent, Store};
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
    Store::open(spec)
        .await
        .map_err(|e| Failure::usage(e.to_string()))
}

/// The actor recorded when nobody can be named: it says why, so an event
/// is never silently "unknown".
pub const UNKNOWN_ACTOR: &str = "unknown (no --name, GREENLIGHT_USER, git user.name or USER)";

/// Who is acting, from the first of `--name`, `$GREENLIGHT_USER`, git's
/// `user.name` (asked with a time limit) and `$USER`; `None` when none
/// names anyone.
pub fn identity(flag: Option<&str>) -> Option<String> {
    let env = |k: &str| std::env::var(k).ok();
    identity_from(flag, &env, &git_user_name)
}

/// [`identity`] with its sources given (for tests).
pub fn identity_from(
    flag: Option<&str>,
    env: &dyn Fn(&str) -> Option<String>,
    git: &dyn Fn() -> Option<String>,
) -> Option<String> {
    let named = |s: String| {
        let s = s.trim().to_string();
        (!s.is_empty()).then_some(s)
    };
    flag.map(str::to_string)
        .and_then(named)
        .or_else(|| env("GREENLIGHT_USER").and_then(named))
        .or_else(|| git().and_then(named))
        .or_else(|| env("USER").and_then(named))
}

/// The actor of the machine's events (`run`, `resume`): [`identity`], or
/// [`UNKNOWN_ACTOR`].
pub fn actor(flag: Option<&str>) -> String {
    identity(flag).unwrap_or_else(|| UNKNOWN_ACTOR.to_string())
}

/// The actor of a person's act (check, uncheck, waive): refused without an
/// identity, since a tick or a waiver by nobody proves nothing.
pub fn person(flag: Option<&str>) -> Result<String, Failure> {
    identity(flag).ok_or_else(|| {
        Failure::usage(
            "who is this? a person's act needs a name: give --name, or set GREENLIGHT_USER \
             (or git's user.name, or USER)",
        )
    })
}

/// `git config user.name`, given two seconds at most (a hung credential
/// helper or network file system must not hold the command up).
fn git_user_name() -> Option<String> {
    use std::io::Read;
    let mut child = std::process::Command::new("git")
        .args(["config", "--get", "user.name"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .ok()?;
    let deadline = std::time::Instant::now() + Duration::from_secs(2);
    loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => break,
            Ok(Some(_)) | Err(_) => return None,
            Ok(None) if std::time::Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
        }
    }
    let mut out = String::new();
    child.stdout.take()?.read_to_string(&mut out).ok()?;
    Some(out)
}

/// The audit key: the profile's `[audit] key` when it names one, else
/// `$GREENLIGHT_AUDIT_KEY`; `None` when neither is set.
/// `profile` is the profile's name for messages (its path, or `profile
/// NAME`) and its setting.
pub fn audit_key(
    profile: Option<(&str, &greenlight_run::profile::AuditKeySetting)>,
) -> Result<Option<AuditKey>, Failure> {
    use greenlight_run::profile::AuditKeySetting;
    let (secret, from) = match profile {
        Some((_, AuditKeySetting::Key(k))) => (k.clone(), "[audit] key".to_string()),
        Some((name, AuditKeySetting::Missing(why))) => {
            return Err(Failure::usage(format!("{name}: [audit] key: {why}")));
        }
        _ => match std::env::var("GREENLIGHT_AUDIT_KEY") {
            Ok(k) if !k.is_empty() => (k, "GREENLIGHT_AUDIT_KEY".to_string()),
            _ => return Ok(None),
        },
    };
    AuditKey::new(secret.as_bytes()).map(Some).ok_or_else(|| {
        Failure::usage(format!(
            "{from}: an audit key needs at least {} bytes (e.g. `openssl rand -hex 32`)",
            greenlight_store::MIN_KEY_BYTES
        ))
    })
}

/// The audit key of a loaded profile (or `$GREENLIGHT_AUDIT_KEY`).
pub fn profile_key(
    profile: &greenlight_run::profile::Profile,
) -> Result<Option<AuditKey>, Failure> {
    audit_key(Some((
        &format!("profile {}", profile.name),
        &profile.audit_key,
    )))
}

/// Opens the store and sets its audit key.
pub async fn open_keyed(spec: &str, key: Option<AuditKey>) -> Result<Store, Failure> {
    let mut store = open(spec).await?;
    store.set_audit_key(key);
    Ok(store)
}

/// Refuses to append to a run signed with an audit key unless this store
/// signs with the same key: an unsigned or foreign-signed event would
/// break the run's chain.
pub fn may_append(state: &RunState, store: &Store) -> Result<(), Failure> {
    let Some(signed) = &state.key_id else {
        return Ok(());
    };
    match store.audit_key() {
        Some(k) if k.id() == signed => Ok(()),
        Some(k) => Err(Failure::usage(format!(
            "run {} is signed with audit key {signed}, not with the key given ({}); use the team's key",
            state.run_id,
            k.id()
        ))),
        None => Err(Failure::usage(format!(
            "run {} is signed with audit key {signed}; give the key ([audit] key in --env PROFILE, or GREENLIGHT_AUDIT_KEY) to record to it",
            state.run_id
        ))),
    }
}

/// Verifies a run's chain and says what that means for the verdict.
pub async fn verify_chain(
    store: &Store,
    run_id: &str,
) -> Result<(AuditReport, ChainFinding), Failure> {
    let audit = store
        .verify(run_id)
        .await
        .map_err(|e| Failure::usage(e.to_string()))?;
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

/// One line on what the audit chain proves, for `status` and `audit`.
pub fn describe_chain(audit: &AuditReport) -> String {
    match audit.keying {
        Keying::Verified => format!(
            "audit chain intact and signed (HMAC-SHA256, key {}): {} events",
            audit.key_id.as_deref().unwrap_or("?"),
            audit.events
        ),
        Keying::Unverified => format!(
            "audit chain intact, signed with key {} but NOT VERIFIED: no audit key here ([audit] key, or GREENLIGHT_AUDIT_KEY)",
            audit.key_id.as_deref().unwrap_or("?")
        ),
        Keying::Unkeyed => format!(
            "audit chain intact but UNKEYED: {} events hashed without a key, so not proof against rewriting (set [audit] key in the profile, or GREENLIGHT_AUDIT_KEY)",
            audit.events
        ),
        Keying::Broken => format!(
            "AUDIT FAILED — {}",
            audit
                .problem
                .as_deref()
                .unwrap_or("the chain does not verify")
        ),
    }
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
    /// The audit key ID of the run's last signed event, if any.
    pub key_id: Option<String>,
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
            key_id: None,
        };
        let now = std::time::SystemTime::now();
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
            if let Some(mac) = &e.mac {
                state.key_id = mac.split(':').next().map(str::to_string);
            }
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
                    // A waiver lapses at its expiry; one whose expiry cannot
                    // be read counts as lapsed (never as forever).
                    let expired = expires.as_deref().is_some_and(|x| {
                        humantime::parse_rfc3339_weak(x).map_or(true, |t| t <= now)
                    });
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
        Some(prefix) => store
            .resolve_run(prefix)
            .await
            .map_err(|e| Failure::usage(e.to_string()))?,
        None => store
            .latest_run()
            .await
            .map_err(|e| Failure::usage(e.to_string()))?
            .ok_or_else(|| {
                Failure::usage("the store has no runs yet: start one with `greenlight run`")
            })?,
    };
    let events = store
        .events(&run_id)
        .await
        .map_err(|e| Failure::usage(e.to_string()))?;
    RunState::from_events(&run_id, &events)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_comes_from_the_first_source_that_names_someone() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                vars.iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        let git = || Some("Git Name\n".to_string());
        let no_git = || None;
        let all = env(&[("GREENLIGHT_USER", "gl"), ("USER", "unix")]);
        assert_eq!(
            identity_from(Some("flag"), &all, &git).as_deref(),
            Some("flag")
        );
        assert_eq!(identity_from(None, &all, &git).as_deref(), Some("gl"));
        let blank = env(&[("GREENLIGHT_USER", "  "), ("USER", "unix")]);
        assert_eq!(
            identity_from(Some(""), &blank, &git).as_deref(),
            Some("Git Name")
        );
        assert_eq!(
            identity_from(None, &blank, &no_git).as_deref(),
            Some("unix")
        );
        assert_eq!(identity_from(None, &env(&[]), &no_git), None);
    }
}
