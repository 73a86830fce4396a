//! People's acts through the API: check, uncheck, waive, sign off. Each is
//! decided by greenlight-session's `acts` (the rules `greenlight check`,
//! `waive` and `signoff` follow) and recorded with the authenticated
//! identity as its actor; the role decides who may (greenlight-auth:
//! operator checks, approver waives and signs off for its bound roles).

use crate::api::{AppState, id};
use crate::error::ApiError;
use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use greenlight_auth::{Action, Identity};
use greenlight_session::acts;
use serde::Deserialize;

/// `POST …/check` and `…/uncheck`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckBody {
    /// Item IDs or lines (`L57`).
    pub items: Vec<String>,
    /// What was checked, in the person's words.
    #[serde(default)]
    pub note: String,
}

/// `POST …/waive`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WaiveBody {
    pub item: String,
    pub reason: String,
    /// RFC 3339; the waiver lapses then.
    pub expires: Option<String>,
}

/// `POST …/signoff`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignoffBody {
    /// The role, as the document names the slot.
    pub role: String,
    /// Withdraw this role's sign-off instead.
    #[serde(default)]
    pub revoke: bool,
}

fn refused(r: greenlight_auth::AuthRejection) -> Response {
    r.into_response()
}

fn body<T>(b: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    b.map(|Json(t)| t)
        .map_err(|e| ApiError::bad_request(e.body_text()))
}

fn unprocessable(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "refused", message)
}

/// Loads the run for an act, refusing one whose chain is broken or that
/// this server may not append to (its audit key).
async fn run_for_act(s: &AppState, run_id: &str) -> Result<greenlight_session::RunState, ApiError> {
    let v = crate::views::verified_run(&s.store, run_id).await?;
    if !v.audit.ok {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "broken_chain",
            format!(
                "will not record on run {run_id}: its audit chain is broken ({})",
                v.audit
                    .problem
                    .as_deref()
                    .unwrap_or("the chain does not verify")
            ),
        ));
    }
    greenlight_session::may_append(&v.state, &s.store)?;
    Ok(v.state)
}

async fn record(
    s: &AppState,
    events: Vec<greenlight_store::NewEvent>,
) -> Result<Vec<u64>, ApiError> {
    let stored = s.store.append(events).await?;
    s.cache.clear();
    Ok(stored.iter().map(|e| e.seq).collect())
}

async fn mark(
    s: AppState,
    who: Identity,
    path: Result<Path<String>, PathRejection>,
    b: Result<Json<CheckBody>, JsonRejection>,
    checked: bool,
) -> Result<Response, Response> {
    who.allow(&Action::Check).map_err(refused)?;
    let run_id = id(path).map_err(IntoResponse::into_response)?;
    let b = body(b).map_err(IntoResponse::into_response)?;
    let act = async {
        if b.items.is_empty() {
            return Err(ApiError::bad_request("name at least one item"));
        }
        let state = run_for_act(&s, &run_id).await?;
        let mut named = Vec::new();
        for key in &b.items {
            let item = acts::find_item(&state, key).map_err(ApiError::bad_request)?;
            if let Some(i) = state.plan.items.iter().position(|p| p.id == item.id) {
                named.push(i);
            }
        }
        named.sort_unstable();
        named.dedup();
        let report = state.report();
        let marked = acts::mark(&state, &report, &named, checked, &who.name, &b.note);
        if marked.refused > 0 {
            // Nothing is recorded when any item is refused: the person
            // fixes the request and sends it again.
            return Err(unprocessable(marked.lines.join("\n")));
        }
        let seqs = record(&s, marked.events).await?;
        Ok(
            Json(serde_json::json!({ "run_id": run_id, "recorded": seqs, "lines": marked.lines }))
                .into_response(),
        )
    };
    act.await.map_err(IntoResponse::into_response)
}

/// `POST /api/v1/runs/{run}/check`.
pub async fn check(
    State(s): State<AppState>,
    who: Identity,
    path: Result<Path<String>, PathRejection>,
    b: Result<Json<CheckBody>, JsonRejection>,
) -> Response {
    mark(s, who, path, b, true).await.unwrap_or_else(|r| r)
}

/// `POST /api/v1/runs/{run}/uncheck`.
pub async fn uncheck(
    State(s): State<AppState>,
    who: Identity,
    path: Result<Path<String>, PathRejection>,
    b: Result<Json<CheckBody>, JsonRejection>,
) -> Response {
    mark(s, who, path, b, false).await.unwrap_or_else(|r| r)
}

/// `POST /api/v1/runs/{run}/waive`.
pub async fn waive(
    State(s): State<AppState>,
    who: Identity,
    path: Result<Path<String>, PathRejection>,
    b: Result<Json<WaiveBody>, JsonRejection>,
) -> Response {
    if let Err(r) = who.allow(&Action::Waive) {
        return refused(r);
    }
    let act = async {
        let run_id = id(path)?;
        let b = body(b)?;
        let expires = match &b.expires {
            Some(x) => Some(
                acts::waiver_expiry(x)
                    .map_err(|why| ApiError::bad_request(format!("expires {x}: {why}")))?,
            ),
            None => None,
        };
        if !acts::waiver_reason_ok(&b.reason) {
            return Err(ApiError::bad_request(
                "reason: say why the item may be waived",
            ));
        }
        let state = run_for_act(&s, &run_id).await?;
        let item = acts::find_item(&state, &b.item).map_err(ApiError::bad_request)?;
        let ev = acts::waiver(&state, item, &who.name, &b.reason, expires);
        let seqs = record(&s, vec![ev]).await?;
        Ok(
            Json(serde_json::json!({ "run_id": run_id, "recorded": seqs, "item": item.id }))
                .into_response(),
        )
    };
    act.await.unwrap_or_else(IntoResponse::into_response)
}

/// `POST /api/v1/runs/{run}/signoff`: signs as the identity, for a role it
/// is bound to.
pub async fn signoff(
    State(s): State<AppState>,
    who: Identity,
    path: Result<Path<String>, PathRejection>,
    b: Result<Json<SignoffBody>, JsonRejection>,
) -> Response {
    let b = match body(b) {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    if let Err(r) = who.allow(&Action::SignOff(b.role.clone())) {
        return refused(r);
    }
    let act = async {
        let run_id = id(path)?;
        let state = run_for_act(&s, &run_id).await?;
        let slot = acts::signoff_slot(&state, &b.role, b.revoke).map_err(unprocessable)?;
        let ev = acts::signoff(&state, slot, &who.name, &who.name, b.revoke);
        let seqs = record(&s, vec![ev]).await?;
        Ok::<_, ApiError>(Json(serde_json::json!({ "run_id": run_id, "recorded": seqs, "slot": slot.id, "role": slot.role })).into_response())
    };
    act.await.unwrap_or_else(IntoResponse::into_response)
}
