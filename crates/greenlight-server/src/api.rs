//! The JSON API (`/api/v1/…`) and `/openapi.json`. The router is built
//! from [`routes`], the one table the OpenAPI document is checked against.

use crate::cache::Cache;
use crate::error::ApiError;
use crate::feed::Feed;
use crate::{live, openapi, pages, views};
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Path, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use greenlight_store::Store;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// The API's version prefix.
pub const PREFIX: &str = "/api/v1";

/// How long a request may take to answer (an SSE stream: to start).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The largest request body read.
pub const BODY_LIMIT: usize = 64 * 1024;

/// The longest ID or release name looked up (longer: no such thing).
const MAX_ID: usize = 1000;

/// What every handler shares.
pub struct Shared {
    /// Accounts, tokens and sessions (in the store).
    pub auth: greenlight_auth::Auth,
    /// Identities recently confirmed by the store, for reads.
    pub identities: crate::access::IdentityCache,
    pub store: Arc<Store>,
    /// Masks the profile's secrets once more in pages (events are
    /// redacted when recorded).
    pub redactor: greenlight_run::redact::Redactor,
    pub feed: Arc<Feed>,
    pub cache: Cache,
    pub shutdown: watch::Receiver<bool>,
}

/// The handlers' state (cheap to clone).
#[derive(Clone)]
pub struct AppState(pub Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl axum::extract::FromRef<AppState> for greenlight_auth::Auth {
    fn from_ref(s: &AppState) -> greenlight_auth::Auth {
        s.auth.clone()
    }
}

/// One route: its path (axum syntax, `{param}`), the methods it answers,
/// whether it is open to anyone (else: an identity, viewer or above), and
/// its handler.
pub struct Route {
    pub path: &'static str,
    pub methods: &'static [&'static str],
    pub public: bool,
    pub handler: MethodRouter<AppState>,
}

/// The login routes greenlight-auth adds (open to anyone; the form and
/// logout carry CSRF tokens).
pub const AUTH_ROUTES: &[(&str, &[&str])] = &[("/login", &["GET", "POST"]), ("/logout", &["POST"])];

/// Every route the server has.
pub fn routes() -> Vec<Route> {
    let r = |path, methods, handler| Route {
        path,
        methods,
        public: false,
        handler,
    };
    let open = |path, methods, handler| Route {
        path,
        methods,
        public: true,
        handler,
    };
    vec![
        open("/openapi.json", &["GET"], get(openapi_doc)),
        open("/api/v1/health", &["GET"], get(health)),
        r("/api/v1/releases", &["GET"], get(releases)),
        r("/api/v1/releases/{release}", &["GET"], get(release)),
        r(
            "/api/v1/releases/{release}/stream",
            &["GET"],
            get(release_stream),
        ),
        r("/api/v1/runs", &["GET"], get(runs)),
        r("/api/v1/runs/{run}", &["GET"], get(run)),
        r("/api/v1/runs/{run}/events", &["GET"], get(run_events)),
        r("/api/v1/runs/{run}/stream", &["GET"], get(run_stream)),
        r(
            "/api/v1/runs/{run}/check",
            &["POST"],
            post(crate::acts::check),
        ),
        r(
            "/api/v1/runs/{run}/uncheck",
            &["POST"],
            post(crate::acts::uncheck),
        ),
        r(
            "/api/v1/runs/{run}/waive",
            &["POST"],
            post(crate::acts::waive),
        ),
        r(
            "/api/v1/runs/{run}/signoff",
            &["POST"],
            post(crate::acts::signoff),
        ),
        // The web UI.
        r("/", &["GET"], get(pages::release_list)),
        r("/owed", &["GET"], get(pages::owed)),
        r("/releases/{release}", &["GET"], get(pages::release_page)),
        r(
            "/releases/{release}/live",
            &["GET"],
            get(pages::release_live),
        ),
        r("/runs/{run}", &["GET"], get(pages::run_page)),
        r("/runs/{run}/live", &["GET"], get(pages::run_live)),
        r("/runs/{run}/report.html", &["GET"], get(pages::run_report)),
        r(
            "/runs/{run}/check",
            &["POST"],
            post(crate::acts::check_form),
        ),
        r(
            "/runs/{run}/waive",
            &["POST"],
            post(crate::acts::waive_form),
        ),
        r(
            "/runs/{run}/signoff",
            &["POST"],
            post(crate::acts::signoff_form),
        ),
    ]
}

/// The router: every route, JSON errors for unknown routes and methods, a
/// body limit, a deadline per request.
pub fn router(state: AppState) -> Router {
    let mut open = Router::new();
    let mut guarded = Router::new();
    for r in routes() {
        if r.public {
            open = open.route(r.path, r.handler);
        } else {
            guarded = guarded.route(r.path, r.handler);
        }
    }
    let guarded = guarded.route_layer(middleware::from_fn_with_state(
        state.clone(),
        crate::access::require_viewer,
    ));
    open.merge(guarded)
        .merge(greenlight_auth::routes())
        .fallback(|| async {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "no_such_route",
                "no such route (see /openapi.json)",
            )
        })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "this route does not answer this method (see /openapi.json)",
            )
        })
        .layer(middleware::from_fn_with_state(
            state.auth.clone(),
            greenlight_auth::csrf_guard,
        ))
        .layer(middleware::from_fn(deadline))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(state)
}

/// Answers 503 when a handler takes longer than [`REQUEST_TIMEOUT`], and
/// marks every answer as not to be sniffed.
async fn deadline(req: Request, next: Next) -> Response {
    let mut res = match tokio::time::timeout(REQUEST_TIMEOUT, next.run(req)).await {
        Ok(r) => r,
        Err(_) => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "timeout",
            format!("no answer within {} s", REQUEST_TIMEOUT.as_secs()),
        )
        .into_response(),
    };
    res.headers_mut().insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    res
}

/// A path parameter, or 400/404: an ID nothing can have is not found.
pub(crate) fn id(path: Result<Path<String>, PathRejection>) -> Result<String, ApiError> {
    let Path(id) = path.map_err(|e| ApiError::bad_request(e.body_text()))?;
    if id.is_empty() || id.len() > MAX_ID || id.contains('\0') {
        return Err(ApiError::not_found(format!(
            "nothing has the ID `{}`",
            id.replace('\0', "\\0").chars().take(80).collect::<String>()
        )));
    }
    Ok(id)
}

fn json_body(body: Bytes) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response()
}

fn json(value: &serde_json::Value) -> Response {
    json_body(Bytes::from(value.to_string()))
}

async fn openapi_doc() -> Response {
    json(&openapi::document())
}

async fn health(State(s): State<AppState>) -> Result<Response, ApiError> {
    s.store.latest_run().await?;
    Ok(json(&serde_json::json!({
        "status": "ok",
        "backend": match *s.store { Store::Sqlite(_) => "sqlite", Store::Postgres(_) => "postgresql" },
        "store": s.store.describe(),
        "live": s.feed.mode(),
        "version": env!("CARGO_PKG_VERSION"),
    })))
}

async fn releases(State(s): State<AppState>) -> Result<Response, ApiError> {
    Ok(json(&views::releases_json(&s.store).await?))
}

/// A release's state; rendered once per change of the store (and at most
/// [`crate::cache::TTL`] old).
async fn release(
    State(s): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let name = id(path)?;
    if let Some(body) = s.cache.get(&name, s.feed.generation()) {
        return Ok(json_body(body));
    }
    let _one = s.cache.fill.lock().await;
    let generation = s.feed.generation();
    if let Some(body) = s.cache.get(&name, generation) {
        return Ok(json_body(body));
    }
    let body = Bytes::from(views::release_json(&s.store, &name).await?.to_string());
    s.cache.put(&name, generation, body.clone());
    Ok(json_body(body))
}

async fn release_stream(
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
        true,
    )
    .into_response())
}

async fn runs(State(s): State<AppState>) -> Result<Response, ApiError> {
    let runs = s.store.runs(None).await?;
    Ok(json(&serde_json::json!({
        "runs": runs.iter().map(views::summary_json).collect::<Vec<_>>()
    })))
}

/// A run's report: what `greenlight status RUN --json` prints.
async fn run(
    State(s): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let run_id = id(path)?;
    let v = views::verified_run(&s.store, &run_id).await?;
    let report = serde_json::to_value(&v.report)
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()))?;
    Ok(json(&report))
}

/// `?after=SEQ&limit=N` for a run's events.
#[derive(Debug, serde::Deserialize)]
pub struct EventsQuery {
    /// Events with a greater sequence number (default 0: from the first).
    pub after: Option<u64>,
    /// How many at most (1–1000, default 100).
    pub limit: Option<usize>,
}

impl EventsQuery {
    /// `after`, refused above [`MAX_SEQ`]: the store keeps sequence
    /// numbers as signed 64-bit integers, so a greater value would wrap
    /// around to a negative one and select every event.
    fn after(&self) -> Result<Option<u64>, ApiError> {
        match self.after {
            Some(after) if after > MAX_SEQ => Err(ApiError::bad_request(format!(
                "after must be at most {MAX_SEQ}, not {after}"
            ))),
            after => Ok(after),
        }
    }
}

/// Events per page at most.
pub const MAX_PAGE: usize = 1000;

/// The greatest sequence number a store can hold (`i64::MAX`).
pub const MAX_SEQ: u64 = i64::MAX as u64;

async fn run_events(
    State(s): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<EventsQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let run_id = id(path)?;
    let Query(q) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let limit = q.limit.unwrap_or(100);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(ApiError::bad_request(format!(
            "limit must be 1 to {MAX_PAGE}, not {limit}"
        )));
    }
    let after = q.after()?.unwrap_or(0);
    let events = s.store.events_since(&run_id, after).await?;
    // Also a 404 for a run that does not exist (it has no events either).
    let release = run_summary(&s.store, &run_id).await?.release;
    let more = events.len() > limit;
    let page: Vec<_> = events
        .iter()
        .take(limit)
        .map(|e| views::event_json(e, &release))
        .collect();
    let next_after = if more {
        events.get(limit - 1).map(|e| e.seq)
    } else {
        None
    };
    Ok(json(&serde_json::json!({
        "run_id": run_id,
        "release": release,
        "events": page,
        "next_after": next_after,
    })))
}

pub(crate) async fn run_summary(
    store: &Store,
    run_id: &str,
) -> Result<greenlight_store::RunSummary, ApiError> {
    store
        .runs(None)
        .await?
        .into_iter()
        .find(|r| r.run_id == run_id)
        .ok_or_else(|| ApiError::not_found(format!("no run has the ID `{run_id}`")))
}

/// A run's events live: those after `?after=SEQ` from the store first,
/// then each new one as it is stored, and the verdict when it changes.
async fn run_stream(
    State(s): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<EventsQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let run_id = id(path)?;
    let Query(q) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    // Subscribe first, then read: nothing falls between the two.
    let rx = s.feed.subscribe();
    let summary = run_summary(&s.store, &run_id).await?;
    let after = q.after()?.unwrap_or(summary.events);
    let backlog: Vec<_> = s
        .store
        .events_since(&run_id, after)
        .await?
        .iter()
        .map(|e| {
            let n = crate::feed::Notice {
                kind: crate::feed::NoticeKind::Event,
                run_id: run_id.clone(),
                release: summary.release.clone(),
                seq: e.seq,
                data: views::event_json(e, &summary.release).to_string(),
                sent: std::time::Instant::now(),
            };
            (e.seq, live::message(&n, true))
        })
        .collect();
    let last = backlog.last().map_or(after, |(seq, _)| *seq);
    let filter = live::Filter::Run {
        run_id,
        after: last,
    };
    Ok(live::stream(
        rx,
        filter,
        backlog.into_iter().map(|(_, m)| m).collect(),
        s.shutdown.clone(),
        true,
    )
    .into_response())
}
