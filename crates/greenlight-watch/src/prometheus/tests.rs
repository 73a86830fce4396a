//! Against a Prometheus stand-in served by axum on 127.0.0.1 (no real
//! Prometheus is installed here). It answers the way the HTTP API documents.

use super::*;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;

async fn api(Query(q): Query<HashMap<String, String>>) -> Response {
    let query = q.get("query").cloned().unwrap_or_default();
    let json = |code: StatusCode, v: serde_json::Value| {
        (code, [("content-type", "application/json")], v.to_string()).into_response()
    };
    match query.as_str() {
        "up" => json(
            StatusCode::OK,
            serde_json::json!({"status":"success","data":{"resultType":"vector","result":[
                {"metric":{"__name__":"up","job":"api"},"value":[1700000000.5,"1"]},
                {"metric":{"__name__":"up","job":"db"},"value":[1700000000.5,"0"]}]}}),
        ),
        "scalar(1)" => json(
            StatusCode::OK,
            serde_json::json!({"status":"success","data":{"resultType":"scalar","result":[1700000000,"+Inf"]}}),
        ),
        "rate(x[5m]" => json(
            StatusCode::BAD_REQUEST,
            serde_json::json!({"status":"error","errorType":"bad_data","error":"1:11: parse error: unclosed left parenthesis"}),
        ),
        "x[5m]" => json(
            StatusCode::OK,
            serde_json::json!({"status":"success","data":{"resultType":"matrix","result":[]}}),
        ),
        "slow" => {
            tokio::time::sleep(Duration::from_secs(3)).await;
            json(StatusCode::OK, serde_json::json!({}))
        }
        "proxy" => (StatusCode::BAD_GATEWAY, "bad gateway").into_response(),
        // Anything else: one series echoing the query and the time asked for.
        _ => json(
            StatusCode::OK,
            serde_json::json!({"status":"success","data":{"resultType":"vector","result":[
                {"metric":{"query":query,"time":q.get("time").cloned().unwrap_or_default()},
                 "value":[1700000000,"0.042"]}]}}),
        ),
    }
}

async fn stand_in() -> String {
    let app = axum::Router::new().route("/prom/api/v1/query", axum::routing::get(api));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}/prom/")
}

fn client(base: &str) -> Prometheus {
    Prometheus::new(base, Duration::from_millis(500)).unwrap()
}

#[tokio::test]
async fn vector_result_with_labels() {
    let p = client(&stand_in().await);
    let r = p.query("up", None).await.unwrap();
    let QueryResult::Vector(series) = &r else {
        panic!("{r:?}")
    };
    assert_eq!(series.len(), 2);
    assert_eq!(series[0].labels["job"], "api");
    assert_eq!((series[0].at, series[0].value), (1700000000.5, 1.0));
    assert_eq!(series[1].value, 0.0);
    assert_eq!(r.single_value(), None, "two series are not one value");
}

#[tokio::test]
async fn scalar_result_reads_infinity() {
    let p = client(&stand_in().await);
    let r = p.query("scalar(1)", None).await.unwrap();
    assert_eq!(
        r,
        QueryResult::Scalar {
            at: 1700000000.0,
            value: f64::INFINITY
        }
    );
}

#[tokio::test]
async fn error_responses_are_typed() {
    let p = client(&stand_in().await);
    match p.query("rate(x[5m]", None).await {
        Err(PromError::Api {
            status: 400,
            error_type,
            error,
        }) => {
            assert_eq!(error_type, "bad_data");
            assert!(error.contains("unclosed"), "{error}");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        p.query("proxy", None).await,
        Err(PromError::Status(502))
    ));
    assert!(
        matches!(p.query("x[5m]", None).await, Err(PromError::Unsupported(t)) if t == "matrix")
    );
}

#[tokio::test]
async fn every_call_has_a_timeout() {
    let p = client(&stand_in().await);
    let started = std::time::Instant::now();
    let r = p.query("slow", None).await;
    assert!(matches!(r, Err(PromError::Timeout(_))), "{r:?}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn unreachable_and_bad_urls() {
    // A port nobody listens on: bind, note the port, close.
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    drop(l);
    let r = client(&format!("http://127.0.0.1:{port}"))
        .query("up", None)
        .await;
    assert!(matches!(r, Err(PromError::Http(_))), "{r:?}");
    assert!(matches!(
        Prometheus::new("ftp://x", Duration::from_secs(1)),
        Err(PromError::Url(_))
    ));
    assert!(matches!(
        Prometheus::new("not a url", Duration::from_secs(1)),
        Err(PromError::Url(_))
    ));
}

/// The document's promql blocks are what is sent, unchanged.
#[tokio::test]
async fn promql_from_the_document_is_queried() {
    let doc = greenlight_doc::parse(
        b"# R\n\n## Post-deployment monitoring (48 hours)\n\nError ratio:\n\n```promql\nsum(rate(http_requests_total{code=~\"5..\"}[5m]))\n  / sum(rate(http_requests_total[5m]))\n```\n",
    );
    let gates = crate::thresholds::read_gates(&doc);
    assert_eq!(gates.promql.len(), 1);
    assert_eq!(gates.promql[0].line, 8);
    let p = client(&stand_in().await);
    let r = p
        .query(&gates.promql[0].query, Some(1700000000.0))
        .await
        .unwrap();
    let QueryResult::Vector(series) = &r else {
        panic!("{r:?}")
    };
    assert_eq!(series[0].labels["query"], gates.promql[0].query);
    assert_eq!(series[0].labels["time"], "1700000000");
    assert_eq!(r.single_value(), Some(0.042));
}
