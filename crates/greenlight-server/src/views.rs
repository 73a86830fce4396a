//! The API's JSON, read from the store through greenlight-session exactly
//! as the CLI reads it: `load` folds a run (with its release's people's
//! work), `verify_chain` + `apply_chain` give the verdict `greenlight
//! status` gives. Nothing here decides anything itself.

use crate::error::ApiError;
use greenlight_run::outcome::RunReport;
use greenlight_session::RunState;
use greenlight_store::{AuditReport, Event, RunSummary, Store};
use serde_json::{Value, json};

/// A run, folded, with its chain verified and the verdict the chain allows
/// (the same as `greenlight status RUN --json`).
pub struct Verified {
    pub state: RunState,
    pub audit: AuditReport,
    pub report: RunReport,
}

/// Reads the run with exactly this ID (404 for any other, prefixes too).
pub async fn verified_run(store: &Store, run_id: &str) -> Result<Verified, ApiError> {
    let state = greenlight_session::load(store, Some(run_id)).await?;
    if state.run_id != run_id {
        return Err(ApiError::not_found(format!("no run has the ID `{run_id}`")));
    }
    let (audit, finding) = greenlight_session::verify_chain(store, &state.run_id).await?;
    let mut report = state.report();
    greenlight_run::verdict::apply_chain(&mut report.verdict, &mut report.reasons, &finding);
    Ok(Verified {
        state,
        audit,
        report,
    })
}

/// Percent-encodes a path segment (a release name holds `/` and `@`).
pub fn segment(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// One stored event as the API shows it (payload parsed; as recorded,
/// that is redacted by the run that wrote it).
pub fn event_json(e: &Event, release: &str) -> Value {
    json!({
        "run_id": e.run_id,
        "release": release,
        "seq": e.seq,
        "at": e.at,
        "kind": e.kind.as_str(),
        "item": e.item,
        "actor": e.actor,
        "payload": e.payload(),
        "prev_hash": e.prev_hash,
        "hash": e.hash,
        "mac": e.mac,
    })
}

/// A run summary as the API lists it.
pub fn summary_json(r: &RunSummary) -> Value {
    json!({
        "run_id": r.run_id,
        "checklist": r.checklist,
        "profile": r.profile,
        "release": r.release,
        "started_at": r.started_at,
        "last_event_at": r.last_event_at,
        "recorded_verdict": r.verdict,
        "events": r.events,
    })
}

/// The audit of a run's chain.
pub fn audit_json(a: &AuditReport) -> Value {
    json!({
        "ok": a.ok,
        "events": a.events,
        "keying": a.keying.as_str(),
        "first_bad": a.first_bad,
        "problem": a.problem,
        "signed": a.signed,
        "key_id": a.key_id,
    })
}

/// People's work that applies to a run: checks, waivers, sign-offs in
/// force and sign-offs gone stale (each with the run it was recorded on).
pub fn people_json(state: &RunState) -> Value {
    let p = &state.people;
    let role = |slot: &str| {
        state
            .plan
            .signoffs
            .iter()
            .find(|s| s.id == slot)
            .map(|s| s.role.clone())
            .unwrap_or_default()
    };
    let mut checks: Vec<Value> = p
        .checked
        .iter()
        .map(|(item, m)| {
            json!({ "item": item, "actor": m.actor, "at": m.at, "note": m.note, "run": m.run, "from_document": m.document })
        })
        .collect();
    let mut waivers: Vec<Value> = p
        .waivers
        .iter()
        .map(|(item, w)| {
            json!({ "item": item, "actor": w.actor, "reason": w.reason, "expires": w.expires, "expired": w.expired })
        })
        .collect();
    let mut signoffs: Vec<Value> = p
        .signed
        .iter()
        .map(|(slot, m)| {
            json!({ "slot": slot, "role": role(slot), "actor": m.actor, "at": m.at, "note": m.note, "run": m.run, "stale": false, "changed": [] })
        })
        .chain(p.stale.iter().map(|(slot, s)| {
            json!({ "slot": slot, "role": role(slot), "actor": s.mark.actor, "at": s.mark.at, "note": s.mark.note, "run": s.mark.run, "stale": true, "changed": s.changed })
        }))
        .collect();
    let key = |v: &Value, k: &str| v[k].as_str().unwrap_or("").to_string();
    checks.sort_by_key(|v| key(v, "item"));
    waivers.sort_by_key(|v| key(v, "item"));
    signoffs.sort_by_key(|v| (key(v, "slot"), v["stale"].as_bool()));
    json!({ "checks": checks, "waivers": waivers, "signoffs": signoffs })
}

/// The runs of a release, oldest first (404 when it has none).
pub async fn release_runs(store: &Store, release: &str) -> Result<Vec<RunSummary>, ApiError> {
    let runs = store.release_runs(release).await?;
    if runs.is_empty() {
        return Err(ApiError::not_found(format!(
            "no release is named `{release}` (see /api/v1/releases)"
        )));
    }
    Ok(runs)
}

/// A release: its runs, and the state of its latest run (the verdict with
/// reasons and counts, people's work, the whole report).
pub async fn release_json(store: &Store, release: &str) -> Result<Value, ApiError> {
    let runs = release_runs(store, release).await?;
    let latest = runs.last().map(|r| r.run_id.clone()).unwrap_or_default();
    let v = verified_run(store, &latest).await?;
    Ok(json!({
        "release": release,
        "runs": runs.iter().map(summary_json).collect::<Vec<_>>(),
        "latest_run": latest,
        "earlier_runs": v.state.earlier_runs,
        "finished": v.state.finished,
        "verdict": v.report.verdict,
        "reasons": v.report.reasons,
        "counts": v.report.counts,
        "audit": audit_json(&v.audit),
        "people": people_json(&v.state),
        "report": v.report,
    }))
}

/// The verdict part of a release's state, for live updates.
pub async fn verdict_json(store: &Store, release: &str, run_id: &str) -> Result<Value, ApiError> {
    let v = verified_run(store, run_id).await?;
    Ok(json!({
        "release": release,
        "run_id": run_id,
        "verdict": v.report.verdict,
        "reasons": v.report.reasons,
        "counts": v.report.counts,
    }))
}

/// Every release with at least one run, the most recently active first.
pub async fn releases_json(store: &Store) -> Result<Value, ApiError> {
    let runs = store.runs(None).await?;
    // Newest started first: the first run seen of a release is its latest.
    let mut order: Vec<String> = Vec::new();
    let mut by: std::collections::HashMap<String, Vec<&RunSummary>> = Default::default();
    for r in runs.iter().filter(|r| !r.release.is_empty()) {
        if !by.contains_key(&r.release) {
            order.push(r.release.clone());
        }
        by.entry(r.release.clone()).or_default().push(r);
    }
    let mut out: Vec<Value> = order
        .iter()
        .map(|name| {
            let rs = &by[name];
            let latest = rs[0];
            let last = rs
                .iter()
                .map(|r| r.last_event_at.as_str())
                .max()
                .unwrap_or("");
            json!({
                "release": name,
                "runs": rs.len(),
                "latest_run": latest.run_id,
                "checklist": latest.checklist,
                "profile": latest.profile,
                "recorded_verdict": latest.verdict,
                "first_started_at": rs.last().map(|r| r.started_at.clone()),
                "last_event_at": last,
            })
        })
        .collect();
    out.sort_by(|a, b| {
        b["last_event_at"]
            .as_str()
            .cmp(&a["last_event_at"].as_str())
    });
    Ok(json!({ "releases": out }))
}
