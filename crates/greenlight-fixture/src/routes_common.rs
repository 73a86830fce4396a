//! Routes every personality shares: health, version, readiness, metrics, the
//! site root and the JSON 404.
//!
//! One body serves all seeds: `/health` answers `{"status":"healthy",…}`
//! (a superset of what seeds 000/001 expect), `/version` answers
//! `{"version":"8.0.0","build":"staging",…}` (000 expects both keys, 001 only
//! the version, "Should return 8.0.0" only the text).

use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use crate::state::{Shared, lock};

type App = State<Arc<Shared>>;

/// `GET /health` (NOX, Nova, toolboxai) and `GET /api/v1/health` (toolboxai).
pub(crate) async fn health(State(s): App) -> Response {
    if s.faults().health_500 {
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            Json(json!({
                "status": "unhealthy",
                "version": s.served_version(),
                "checks": {"database": "error: connection refused", "redis": "ok"},
            })),
        )
            .into_response();
    }
    Json(json!({
        "status": "healthy",
        "version": s.served_version(),
        "uptime_seconds": s.started.elapsed().as_secs(),
        "checks": {"database": "ok", "redis": "ok"},
    }))
    .into_response()
}

/// `GET /version`.
pub(crate) async fn version(State(s): App) -> Response {
    Json(json!({
        "version": s.served_version(),
        "build": s.build,
        "service": "nox-api",
        "commit": "fixture",
    }))
    .into_response()
}

/// `GET /ready`.
pub(crate) async fn ready(State(s): App) -> Response {
    if s.faults().not_ready {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "not_ready", "checks": {"database": "ok", "migrations": "pending"}})),
        )
            .into_response();
    }
    Json(json!({"status": "ready", "checks": {"database": "ok", "migrations": "ok"}}))
        .into_response()
}

/// `GET /metrics`: Prometheus text exposition format 0.0.4.
pub(crate) async fn metrics(State(s): App) -> Response {
    let (active, viewers) = {
        let streams = lock(&s.streams);
        let active = streams
            .by_id
            .values()
            .filter(|st| st.status == "active")
            .count();
        let viewers: u64 = streams.by_id.values().map(|st| st.viewers).sum();
        (active, viewers)
    };
    let mut out = String::new();
    let _ = write!(
        out,
        "# HELP nova_streaming_active_streams Streams currently live.\n\
         # TYPE nova_streaming_active_streams gauge\n\
         nova_streaming_active_streams {active}\n\
         # HELP nova_streaming_viewers WebSocket viewers connected to a stream.\n\
         # TYPE nova_streaming_viewers gauge\n\
         nova_streaming_viewers {viewers}\n\
         # HELP websocket_connections Open WebSocket connections.\n\
         # TYPE websocket_connections gauge\n\
         websocket_connections {ws}\n\
         # HELP app_info Build information.\n\
         # TYPE app_info gauge\n\
         app_info{{version=\"{version}\",build=\"{build}\"}} 1\n\
         # HELP process_uptime_seconds Seconds since the service started.\n\
         # TYPE process_uptime_seconds gauge\n\
         process_uptime_seconds {uptime:.3}\n\
         # HELP http_requests_total Requests received, by method.\n\
         # TYPE http_requests_total counter\n",
        ws = s.ws_connections.load(Ordering::Relaxed),
        version = s.served_version(),
        build = s.build,
        uptime = s.started.elapsed().as_secs_f64(),
    );
    for (method, n) in s.counts_by_method() {
        let _ = writeln!(out, "http_requests_total{{method=\"{method}\"}} {n}");
    }
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        out,
    )
        .into_response()
}

#[derive(Deserialize)]
pub(crate) struct RootQuery {
    query: Option<String>,
}

/// `GET /`: the toolboxai home page (seed 002: `curl -I`, `curl -w`, `ab`),
/// or, with `?query=…`, a ClickHouse HTTP interface (seed 003:
/// `curl http://<clickhouse-host>:8123/?query=SELECT%201` → `1`).
pub(crate) async fn root(Query(q): Query<RootQuery>) -> Response {
    match q.query {
        None => Html(
            "<!doctype html>\n<html><head><title>greenlight fixture</title></head>\
             <body><h1>greenlight fixture</h1><p>Stand-in staging service.</p></body></html>\n",
        )
        .into_response(),
        Some(sql) => clickhouse(&sql),
    }
}

fn clickhouse(sql: &str) -> Response {
    let normalized = sql
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .trim_end_matches(';')
        .to_ascii_uppercase();
    let text = |body: String| {
        (
            [(
                header::CONTENT_TYPE,
                "text/tab-separated-values; charset=UTF-8",
            )],
            body,
        )
    };
    match normalized.strip_prefix("SELECT ") {
        Some(rest) if !rest.is_empty() && rest.chars().all(|c| c.is_ascii_digit()) => {
            text(format!("{rest}\n")).into_response()
        }
        Some("VERSION()") => text("24.3.1.1\n".into()).into_response(),
        _ => (
            StatusCode::BAD_REQUEST,
            format!("Code: 62. DB::Exception: fixture only answers SELECT <number>: {sql}\n"),
        )
            .into_response(),
    }
}

/// Anything else: 404 with a JSON body naming the path.
pub(crate) async fn not_found(uri: Uri) -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(json!({"error": "not_found", "path": uri.path()})),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clickhouse_answers_select_number() {
        let r = clickhouse("SELECT 1");
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(clickhouse("select  42;").status(), StatusCode::OK);
        assert_eq!(clickhouse("DROP TABLE x").status(), StatusCode::BAD_REQUEST);
    }
}
