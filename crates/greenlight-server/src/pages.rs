//! The web UI: server-rendered pages (greenlight-html) over the same
//! views as the API — the release list, a release (its latest run), a run,
//! owed work per role, and the self-contained run report. Pages of a
//! release or run update live: their `…/live` stream sends a message on
//! each change and the page's few lines of script re-read its `<main>`.

use crate::api::{AppState, id};
use crate::error::ApiError;
use crate::{live, views};
use axum::Extension;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use greenlight_auth::{Action, Identity};
use greenlight_html::{Markup, PageOptions, RunView};

/// Latest runs shown on the owed-work page at most.
const OWED_RELEASES: usize = 50;

fn html(status: StatusCode, body: String) -> Response {
    (
        status,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            // Inline style and script only; nothing from elsewhere.
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(
                    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'",
                ),
            ),
        ],
        body,
    )
        .into_response()
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// An error as a small page.
pub(crate) fn error_page(e: ApiError) -> Response {
    let main = Markup {
        0: format!(
            "<h1>{} {}</h1><p>{}</p>",
            e.status.as_u16(),
            escape(e.status.canonical_reason().unwrap_or("")),
            escape(&e.message)
        ),
    };
    html(
        e.status,
        greenlight_html::document("greenlight", &options(), main),
    )
}

fn options() -> PageOptions {
    PageOptions {
        base: Some(String::new()),
        ..PageOptions::default()
    }
}

/// The page as `who` sees it: their name, and the forms their role may
/// use (with their session's CSRF token; none for API tokens).
fn options_for(who: Option<&Identity>) -> PageOptions {
    let Some(who) = who else {
        return options();
    };
    PageOptions {
        actor: Some(who.name.clone()),
        csrf_token: who.csrf_token().map(str::to_string),
        can_check: who.may(&Action::Check),
        can_waive: who.may(&Action::Waive),
        sign_roles: if who.role >= greenlight_auth::Role::Approver {
            who.signoff_roles.clone()
        } else {
            Vec::new()
        },
        ..options()
    }
}

/// `/`: every release (and run outside releases), latest activity first.
pub async fn release_list(State(s): State<AppState>) -> Response {
    match s.store.runs(None).await {
        Ok(runs) => html(
            StatusCode::OK,
            greenlight_html::release_list_page(&greenlight_html::release_rows(&runs), &options()),
        ),
        Err(e) => error_page(e.into()),
    }
}

async fn run_html(
    s: &AppState,
    run_id: &str,
    live_url: Option<String>,
    standalone: bool,
    who: Option<&Identity>,
) -> Result<String, ApiError> {
    let v = views::verified_run(&s.store, run_id).await?;
    let audit = greenlight_session::describe_chain(&v.audit);
    let view = RunView::new(&v.state, &v.report, &s.redactor).with_audit(audit, v.audit.ok);
    if standalone {
        return Ok(greenlight_html::report_document(&view));
    }
    let opts = PageOptions {
        live_url,
        ..options_for(who)
    };
    Ok(greenlight_html::run_page(&view, &opts))
}

/// `/releases/{release}`: the release's latest run, live.
pub async fn release_page(
    State(s): State<AppState>,
    who: Option<Extension<Identity>>,
    path: Result<Path<String>, PathRejection>,
) -> Response {
    let page = async {
        let name = id(path)?;
        let runs = views::release_runs(&s.store, &name).await?;
        let latest = runs.last().map(|r| r.run_id.clone()).unwrap_or_default();
        let live = format!("/releases/{}/live", views::segment(&name));
        run_html(&s, &latest, Some(live), false, who.as_deref()).await
    };
    match page.await {
        Ok(body) => html(StatusCode::OK, body),
        Err(e) => error_page(e),
    }
}

/// `/runs/{run}`: one run, live.
pub async fn run_page(
    State(s): State<AppState>,
    who: Option<Extension<Identity>>,
    path: Result<Path<String>, PathRejection>,
) -> Response {
    let page = async {
        let run_id = id(path)?;
        let live = format!("/runs/{}/live", views::segment(&run_id));
        run_html(&s, &run_id, Some(live), false, who.as_deref()).await
    };
    match page.await {
        Ok(body) => html(StatusCode::OK, body),
        Err(e) => error_page(e),
    }
}

/// `/runs/{run}/report.html`: the self-contained report, as
/// `greenlight report RUN --html` writes it.
pub async fn run_report(
    State(s): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Response {
    let page = async {
        let run_id = id(path)?;
        run_html(&s, &run_id, None, true, None).await
    };
    match page.await {
        Ok(body) => html(StatusCode::OK, body),
        Err(e) => error_page(e),
    }
}

/// `/owed`: what each role still owes, over the latest run of each release.
pub async fn owed(State(s): State<AppState>) -> Response {
    let page = async {
        let runs = s.store.runs(None).await?;
        let mut latest: Vec<String> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for r in runs.iter().filter(|r| !r.release.is_empty()) {
            if latest.len() < OWED_RELEASES && seen.insert(r.release.clone()) {
                latest.push(r.run_id.clone());
            }
        }
        let mut verified = Vec::new();
        for run in &latest {
            verified.push(views::verified_run(&s.store, run).await?);
        }
        let pages: Vec<RunView> = verified
            .iter()
            .map(|v| RunView::new(&v.state, &v.report, &s.redactor))
            .collect();
        Ok::<_, ApiError>(greenlight_html::owed_page(&pages, &options()))
    };
    match page.await {
        Ok(body) => html(StatusCode::OK, body),
        Err(e) => error_page(e),
    }
}

/// `/releases/{release}/live`: a plain message on each change of the
/// release (what the page's script listens to).
pub async fn release_live(
    State(s): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let name = id(path)?;
    let rx = s.feed.subscribe();
    views::release_runs(&s.store, &name).await?;
    Ok(live::stream(
        rx,
        live::Filter::Release(name),
        Vec::new(),
        s.shutdown.clone(),
        false,
    )
    .into_response())
}

/// `/runs/{run}/live`: a plain message on each change of the run.
pub async fn run_live(
    State(s): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let run_id = id(path)?;
    let rx = s.feed.subscribe();
    let summary = crate::api::run_summary(&s.store, &run_id).await?;
    let filter = live::Filter::Run {
        run_id,
        after: summary.events,
    };
    Ok(live::stream(rx, filter, Vec::new(), s.shutdown.clone(), false).into_response())
}
