//! Runs as events in the store, and the state derived from them.
//!
//! The run's plan travels in its `run_started` event, so `status`,
//! `decide`, `resume` and `compare` need neither the document nor the
//! profile: the log alone is the record.

use crate::exit::Failure;
use greenlight_run::assemble::{self, People, RunFacts};
use greenlight_run::outcome::{RunReport, StepResult};
use greenlight_run::plan::Plan;
use greenlight_run::release::{self, Act, ActKind};
use greenlight_run::verdict::ChainFinding;
use greenlight_store::{AuditKey, AuditReport, Event, EventKind, Keying, NewEvent, Store};
use serde::Deserialize;
use serde_json::json;
use std::path::Path;
use std::time::Duration;

/// Where the store is: `--store`, else `$GREENLIGHT_STORE`, else the
/// `store` of the nearest `greenlight.toml`, else `.greenlight/runs.db`
/// beside the checklist; for commands without a checklist, the store
/// found from the current folder (this folder or one above it, else the
/// one below the repository root: see [`greenlight_run::workspace`]),
/// else `.greenlight/runs.db` here.
pub fn store_spec(flag: Option<&str>, checklist: Option<&Path>) -> String {
    if let Some(s) = flag {
        return s.to_string();
    }
    if let Ok(s) = std::env::var("GREENLIGHT_STORE")
        && !s.is_empty()
    {
        return s;
    }
    let here = std::env::current_dir().unwrap_or_else(|_| ".".into());
    if let Ok(Some(config)) = greenlight_run::workspace::find_config(&here)
        && let Some(store) = config.store
    {
        return store;
    }
    if let Some(c) = checklist {
        return greenlight_run::workspace::store_beside(c)
            .display()
            .to_string();
    }
    match greenlight_run::workspace::find_store(&here, 6) {
        Some(found) => {
            if !found.others.is_empty() {
                let others: Vec<String> = found
                    .others
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect();
                eprintln!(
                    "note: several stores in this repository; using the newest, {} (others: {}; choose with --store)",
                    found.store.display(),
                    others.join(", ")
                );
            }
            found.store.display().to_string()
        }
        None => Path::new(".")
            .join(".greenlight")
            .join("runs.db")
            .display()
            .to_string(),
    }
}

/// The nearest `greenlight.toml`, if any (an unreadable one is an error).
pub fn config() -> Result<Option<greenlight_run::workspace::Config>, Failure> {
    let here = std::env::current_dir().unwrap_or_else(|_| ".".into());
    greenlight_run::workspace::find_config(&here).map_err(|e| Failure::usage(e.to_string()))
}

pub async fn open(spec: &str) -> Result<Store, Failure> {
    Store::open(spec).await.map_err(Failure::from)
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
    // git answers in a few milliseconds: poll finely at first (a fixed
    // 10 ms sleep added about 8 ms to every run), then back off.
    let mut pause = Duration::from_micros(250);
    loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => break,
            Ok(Some(_)) | Err(_) => return None,
            Ok(None) if std::time::Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
            Ok(None) => {
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(10));
            }
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
    let audit = store.verify(run_id).await.map_err(Failure::from)?;
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
    let mut payload = json!({
        "release": release,
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

/// A result a partial run keeps from an earlier run of its release.
pub fn kept_step_event(
    run_id: &str,
    actor: &str,
    plan: &Plan,
    check: usize,
    result: &StepResult,
    kept_from: Option<&str>,
) -> NewEvent {
    let mut e = step_event(run_id, actor, plan, check, result);
    e.payload["kept_from"] = json!(kept_from);
    e
}

/// A person's act, as the release logic reads it (`None`: not an act).
pub fn act_of(e: &Event) -> Option<Act> {
    let kind = match e.kind {
        EventKind::ItemChecked => ActKind::Checked,
        EventKind::ItemUnchecked => ActKind::Unchecked,
        EventKind::Waiver => ActKind::Waiver,
        EventKind::WaiverRevoked => ActKind::WaiverRevoked,
        EventKind::Signoff => ActKind::Signoff,
        EventKind::SignoffRevoked => ActKind::SignoffRevoked,
        _ => return None,
    };
    Some(Act {
        run: e.run_id.clone(),
        at: e.at.clone(),
        kind,
        item: e.item.clone().unwrap_or_default(),
        actor: e.actor.clone(),
        payload: e.payload(),
    })
}

/// The acts that apply to a run of `release`: those of the runs of the
/// release started before it, then its own (`own`: its events, when the
/// caller has read them already). `run_id` need not be recorded yet.
pub async fn release_acts(
    store: &Store,
    run_id: &str,
    release: &str,
    own: Option<&[Event]>,
) -> Result<(Vec<Act>, usize), Failure> {
    let runs = store.release_runs(release).await.map_err(Failure::from)?;
    let mut acts = Vec::new();
    let mut earlier = 0;
    for r in &runs {
        if r.run_id == run_id {
            break;
        }
        earlier += 1;
        let events = store.events(&r.run_id).await.map_err(Failure::from)?;
        acts.extend(events.iter().filter_map(act_of));
    }
    match own {
        Some(events) => acts.extend(events.iter().filter_map(act_of)),
        None => {
            let events = store.events(run_id).await.map_err(Failure::from)?;
            acts.extend(events.iter().filter_map(act_of));
        }
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
            #[serde(default)]
            release: String,
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
            release: started.release,
            earlier_runs: 0,
            key_id: None,
        };
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
            match e.kind {
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
                // People's acts are folded below, with the release's.
                _ => {}
            }
        }
        for (slot, event) in state.results.iter_mut().zip(latest) {
            *slot = event
                .and_then(|e| e.payload_as::<StepPayload>())
                .map(|p| p.result);
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
    }
    Ok(state)
}

/// People's work as `status` and `decide` show it: every check, waiver and
/// sign-off in force (or stale), with who, when and the run it came from.
pub fn people_lines(state: &RunState) -> String {
    let p = &state.people;
    if p.checked.is_empty() && p.waivers.is_empty() && p.signed.is_empty() && p.stale.is_empty() {
        return String::new();
    }
    let item = |id: &str| {
        state.plan.items.iter().find(|i| i.id == id).map_or_else(
            || (0, id.to_string()),
            |i| (i.line, format!("L{:<5} {}", i.line, i.text)),
        )
    };
    let slot = |id: &str| {
        state.plan.signoffs.iter().find(|s| s.id == id).map_or_else(
            || (0, id.to_string()),
            |s| (s.line, format!("L{:<5} {}", s.line, s.role)),
        )
    };
    let from = |run: &str| {
        if run.is_empty() {
            "this run".to_string()
        } else {
            format!("run {run}")
        }
    };
    let mut rows: Vec<((usize, String), String)> = Vec::new();
    for (id, m) in &p.checked {
        let note = if m.note.is_empty() {
            String::new()
        } else {
            format!(": {}", m.note)
        };
        rows.push((
            item(id),
            format!(
                "checked by {} at {} ({}){note}",
                m.actor,
                m.at,
                from(&m.run)
            ),
        ));
    }
    for (id, w) in &p.waivers {
        let until = w
            .expires
            .as_deref()
            .map(|x| format!(" until {x}"))
            .unwrap_or_default();
        rows.push((
            item(id),
            format!(
                "waived by {}{until}{}: {}",
                w.actor,
                if w.expired { " (EXPIRED)" } else { "" },
                w.reason
            ),
        ));
    }
    for (id, m) in &p.signed {
        rows.push((
            slot(id),
            format!("signed by {} at {} ({})", m.actor, m.at, from(&m.run)),
        ));
    }
    for (id, st) in &p.stale {
        rows.push((
            slot(id),
            format!(
                "STALE sign-off by {} at {} ({}): since then {}; {} can sign again",
                st.mark.actor,
                st.mark.at,
                from(&st.mark.run),
                st.changed.join(", "),
                st.mark.actor
            ),
        ));
    }
    rows.sort();
    let carried = if state.earlier_runs > 0 {
        format!(
            " (release {}: carried over from {} earlier run{})",
            state.release,
            state.earlier_runs,
            if state.earlier_runs == 1 { "" } else { "s" }
        )
    } else if !state.release.is_empty() {
        format!(" (release {})", state.release)
    } else {
        String::new()
    };
    let mut out = format!("\nPeople's work{carried}:\n");
    for ((_, what), how) in rows {
        out.push_str(&format!("  {what}  — {how}\n"));
    }
    out
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
