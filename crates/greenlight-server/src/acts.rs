//! People's acts: check, uncheck, waive, sign off — through the API (JSON)
//! and through the pages' forms (`application/x-www-form-urlencoded`, with
//! the session's CSRF token, which greenlight-auth's guard checks). Each is
//! decided by greenlight-session's `acts` (the rules `greenlight check`,
//! `waive` and `signoff` follow) and recorded with the authenticated
//! identity as its actor; the role decides who may (greenlight-auth:
//! operator checks, approver waives and signs off for its bound roles).

use crate::api::{AppState, id};
use crate::error::ApiError;
use axum::Json;
use axum::extract::rejection::{FormRejection, JsonRejection, PathRejection};
use axum::extract::{Form, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use greenlight_auth::{Action, Identity};
use greenlight_session::acts;
use serde::Deserialize;
use serde_json::{Value, json};

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
    /// When the waiver lapses: an RFC 3339 time, a day or a duration.
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

/// A page's form (`item`, `note`, `reason`, `expires`, `role`, and the
/// CSRF token, which the guard has checked already).
#[derive(Debug, Deserialize)]
pub struct PageForm {
    #[serde(default)]
    pub item: String,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub expires: String,
    #[serde(default)]
    pub role: String,
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

/// Checks or unchecks `items` as `who`.
async fn mark(
    s: &AppState,
    who: &Identity,
    run_id: &str,
    items: &[String],
    note: &str,
    checked: bool,
) -> Result<Value, ApiError> {
    if items.is_empty() {
        return Err(ApiError::bad_request("name at least one item"));
    }
    let state = run_for_act(s, run_id).await?;
    let mut named = Vec::new();
    for key in items {
        let item = acts::find_item(&state, key).map_err(ApiError::not_found)?;
        if let Some(i) = state.plan.items.iter().position(|p| p.id == item.id) {
            named.push(i);
        }
    }
    named.sort_unstable();
    named.dedup();
    let report = state.report();
    let marked = acts::mark(&state, &report, &named, checked, &who.name, note);
    if marked.refused > 0 {
        // Nothing is recorded when any item is refused: the person fixes
        // the request and sends it again.
        return Err(unprocessable(marked.lines.join("\n")));
    }
    let seqs = record(s, marked.events).await?;
    Ok(json!({ "run_id": run_id, "recorded": seqs, "lines": marked.lines }))
}

/// Waives `item` as `who`.
async fn waive_item(
    s: &AppState,
    who: &Identity,
    run_id: &str,
    item: &str,
    reason: &str,
    expires: Option<&str>,
) -> Result<Value, ApiError> {
    // An expiry the rules cannot use (not a time, day or duration they
    // read, or past) is refused like the other acts they refuse (422): no
    // schema can tell a usable one.
    let expires = match expires {
        Some(x) => Some(
            acts::waiver_expiry(x, std::time::SystemTime::now())
                .map_err(|why| unprocessable(format!("expires {x}: {why}")))?,
        ),
        None => None,
    };
    if !acts::waiver_reason_ok(reason) {
        return Err(ApiError::bad_request(
            "reason: say why the item may be waived",
        ));
    }
    let state = run_for_act(s, run_id).await?;
    let item = acts::find_item(&state, item).map_err(ApiError::not_found)?;
    let ev = acts::waiver(&state, item, &who.name, reason, expires);
    let seqs = record(s, vec![ev]).await?;
    Ok(json!({ "run_id": run_id, "recorded": seqs, "item": item.id }))
}

/// Signs off (or revokes) as `who` in `role`.
async fn sign(
    s: &AppState,
    who: &Identity,
    run_id: &str,
    role: &str,
    revoke: bool,
) -> Result<Value, ApiError> {
    let state = run_for_act(s, run_id).await?;
    let slot = acts::signoff_slot(&state, role, revoke).map_err(unprocessable)?;
    let ev = acts::signoff(&state, slot, &who.name, &who.name, revoke);
    let seqs = record(s, vec![ev]).await?;
    Ok(json!({ "run_id": run_id, "recorded": seqs, "slot": slot.id, "role": slot.role }))
}

fn json_body<T>(b: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    b.map(|Json(t)| t)
        .map_err(|e| ApiError::bad_request(e.body_text()))
}

fn answer(r: Result<Value, ApiError>) -> Response {
    match r {
        Ok(v) => Json(v).into_response(),
        Err(e) => e.into_response(),
    }
}

/// `POST /api/v1/runs/{run}/check`.
pub async fn check(
    State(s): State<AppState>,
    who: Identity,
    path: Result<Path<String>, PathRejection>,
    b: Result<Json<CheckBody>, JsonRejection>,
) -> Response {
    marking(s, who, path, b, true).await
}

/// `POST /api/v1/runs/{run}/uncheck`.
pub async fn uncheck(
    State(s): State<AppState>,
    who: Identity,
    path: Result<Path<String>, PathRejection>,
    b: Result<Json<CheckBody>, JsonRejection>,
) -> Response {
    marking(s, who, path, b, false).await
}

/// Checking and unchecking through the API: the same right, the same body.
async fn marking(
    s: AppState,
    who: Identity,
    path: Result<Path<String>, PathRejection>,
    b: Result<Json<CheckBody>, JsonRejection>,
    checked: bool,
) -> Response {
    if let Err(r) = who.allow(&Action::Check) {
        return r.into_response();
    }
    answer(
        async {
            let run = id(path)?;
            let b = json_body(b)?;
            mark(&s, &who, &run, &b.items, &b.note, checked).await
        }
        .await,
    )
}

/// `POST /api/v1/runs/{run}/waive`.
pub async fn waive(
    State(s): State<AppState>,
    who: Identity,
    path: Result<Path<String>, PathRejection>,
    b: Result<Json<WaiveBody>, JsonRejection>,
) -> Response {
    if let Err(r) = who.allow(&Action::Waive) {
        return r.into_response();
    }
    answer(
        async {
            let run = id(path)?;
            let b = json_body(b)?;
            waive_item(&s, &who, &run, &b.item, &b.reason, b.expires.as_deref()).await
        }
        .await,
    )
}

/// `POST /api/v1/runs/{run}/signoff`: signs as the identity, for a role it
/// is bound to.
pub async fn signoff(
    State(s): State<AppState>,
    who: Identity,
    path: Result<Path<String>, PathRejection>,
    b: Result<Json<SignoffBody>, JsonRejection>,
) -> Response {
    let b = match json_body(b) {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    if let Err(r) = who.allow(&Action::SignOff(b.role.clone())) {
        return r.into_response();
    }
    answer(
        async {
            let run = id(path)?;
            sign(&s, &who, &run, &b.role, b.revoke).await
        }
        .await,
    )
}

/// After a form: back to the run's page (303), or the refusal as a page.
fn back(run: &str, r: Result<Value, ApiError>) -> Response {
    match r {
        Ok(_) => (
            StatusCode::SEE_OTHER,
            [(
                header::LOCATION,
                format!("/runs/{}", crate::views::segment(run)),
            )],
        )
            .into_response(),
        Err(e) => crate::pages::error_page(e),
    }
}

fn form_body(f: Result<Form<PageForm>, FormRejection>) -> Result<PageForm, ApiError> {
    f.map(|Form(f)| f)
        .map_err(|e| ApiError::bad_request(e.body_text()))
}

/// `POST /runs/{run}/check` (the page's form: `item`, `note`).
pub async fn check_form(
    State(s): State<AppState>,
    who: Identity,
    path: Result<Path<String>, PathRejection>,
    f: Result<Form<PageForm>, FormRejection>,
) -> Response {
    if let Err(r) = who.allow(&Action::Check) {
        return r.into_response();
    }
    let run = match id(path) {
        Ok(r) => r,
        Err(e) => return crate::pages::error_page(e),
    };
    let r = async {
        let f = form_body(f)?;
        mark(&s, &who, &run, &[f.item], &f.note, true).await
    }
    .await;
    back(&run, r)
}

/// `POST /runs/{run}/waive` (the page's form: `item`, `reason`, `expires`).
pub async fn waive_form(
    State(s): State<AppState>,
    who: Identity,
    path: Result<Path<String>, PathRejection>,
    f: Result<Form<PageForm>, FormRejection>,
) -> Response {
    if let Err(r) = who.allow(&Action::Waive) {
        return r.into_response();
    }
    let run = match id(path) {
        Ok(r) => r,
        Err(e) => return crate::pages::error_page(e),
    };
    let r = async {
        let f = form_body(f)?;
        let expires = Some(f.expires.trim()).filter(|x| !x.is_empty());
        waive_item(&s, &who, &run, &f.item, &f.reason, expires).await
    }
    .await;
    back(&run, r)
}

/// `POST /runs/{run}/signoff` (the page's form: `slot`, `role`).
pub async fn signoff_form(
    State(s): State<AppState>,
    who: Identity,
    path: Result<Path<String>, PathRejection>,
    f: Result<Form<PageForm>, FormRejection>,
) -> Response {
    let run = match id(path) {
        Ok(r) => r,
        Err(e) => return crate::pages::error_page(e),
    };
    let f = match form_body(f) {
        Ok(f) => f,
        Err(e) => return crate::pages::error_page(e),
    };
    if let Err(r) = who.allow(&Action::SignOff(f.role.clone())) {
        return r.into_response();
    }
    let r = sign(&s, &who, &run, &f.role, false).await;
    back(&run, r)
}
