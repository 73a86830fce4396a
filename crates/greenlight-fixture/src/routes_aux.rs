//! Side services the seeds also talk to, answered in their own formats so
//! that one fixture can stand in for every host of a seed:
//! Prometheus (`/-/healthy`, `/-/ready`, `/api/v1/query`), Grafana
//! (`/api/health`), nginx-rtmp (`/stat`) and a Slack incoming webhook
//! (`POST /services/…`).

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use crate::state::{Shared, lock};

type App = State<Arc<Shared>>;

/// `GET /-/healthy` (Prometheus, seed 002).
pub(crate) async fn prometheus_healthy() -> &'static str {
    "Prometheus Server is Healthy.\n"
}

/// `GET /-/ready` (Prometheus).
pub(crate) async fn prometheus_ready() -> &'static str {
    "Prometheus Server is Ready.\n"
}

#[derive(Deserialize)]
pub(crate) struct PromQuery {
    query: Option<String>,
}

/// `GET /api/v1/query?query=…` (Prometheus HTTP API, seed 003 line 229).
/// Knows `nova_streaming_active_streams` and `up`; other metrics give an
/// empty vector, as Prometheus does.
pub(crate) async fn prometheus_query(State(s): App, Query(q): Query<PromQuery>) -> Response {
    let Some(query) = q.query.filter(|q| !q.trim().is_empty()) else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"status": "error", "errorType": "bad_data",
                        "error": "invalid parameter \"query\": empty query"})),
        )
            .into_response();
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0);
    let name = query.trim();
    let value = match name {
        "nova_streaming_active_streams" => Some(
            lock(&s.streams)
                .by_id
                .values()
                .filter(|st| st.status == "active")
                .count()
                .to_string(),
        ),
        "up" => Some("1".to_string()),
        _ => None,
    };
    let result: Vec<serde_json::Value> = value
        .into_iter()
        .map(|v| json!({"metric": {"__name__": name, "job": "nova-streaming"}, "value": [now, v]}))
        .collect();
    Json(json!({"status": "success", "data": {"resultType": "vector", "result": result}}))
        .into_response()
}

/// `GET /api/health` (Grafana, seed 002).
pub(crate) async fn grafana_health() -> Response {
    Json(json!({"commit": "fixture", "database": "ok", "version": "11.0.0"})).into_response()
}

/// `GET /stat` (nginx-rtmp statistics page, seed 003 line 197).
pub(crate) async fn rtmp_stat(State(s): App) -> Response {
    let streams = lock(&s.streams);
    let mut body = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\" ?>\n<rtmp>\n  <nginx_version>1.25.3</nginx_version>\n  \
         <nginx_rtmp_version>1.1.4</nginx_rtmp_version>\n  <server>\n    <application>\n      \
         <name>live</name>\n      <live>\n",
    );
    for st in streams.by_id.values().filter(|st| st.status == "active") {
        body.push_str(&format!(
            "        <stream><name>{}</name><nclients>{}</nclients><active/></stream>\n",
            st.id, st.viewers
        ));
    }
    body.push_str("      </live>\n    </application>\n  </server>\n</rtmp>\n");
    ([(header::CONTENT_TYPE, "text/xml")], body).into_response()
}

/// `POST /services/{*path}`: a Slack incoming webhook (`$SLACK_WEBHOOK_URL`
/// in seed 000). Answers `ok` like Slack; tests use the request count to
/// prove that such a mutating step was, or was not, sent.
pub(crate) async fn slack_webhook() -> &'static str {
    "ok"
}
