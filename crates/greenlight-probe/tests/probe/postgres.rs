use greenlight_probe::{Access, ErrorKind, PgReport, pg_ping, pg_query};
use std::time::{Duration, Instant};

use crate::support::service_available;

const URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";
const T: Duration = Duration::from_secs(5);

/// A read-only query without parameters.
async fn ro(url: &str, sql: &str, t: Duration) -> greenlight_probe::Result<PgReport> {
    pg_query(url, sql, &[], Access::ReadOnly, t).await
}

async fn up() -> bool {
    service_available("PostgreSQL", "127.0.0.1:5432").await
}

#[tokio::test]
async fn select_one() {
    if !up().await {
        return;
    }
    let r = ro(URL, "SELECT 1", T).await.unwrap();
    assert_eq!(r.columns, vec!["?column?"]);
    assert_eq!(r.rows, vec![vec![Some("1".to_string())]]);
    assert_eq!(r.rows_affected, Some(1));
    assert_eq!(r.statements, 1);
    assert!(r.server_version.is_some());
    assert_eq!(r.render_unaligned(), "1\n");
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["rows"], serde_json::json!([["1"]]));
}

#[tokio::test]
async fn select_version_and_key_value_connection_string() {
    if !up().await {
        return;
    }
    let r = ro(
        "host=127.0.0.1 port=5432 user=postgres dbname=postgres",
        "SELECT version();",
        T,
    )
    .await
    .unwrap();
    let v = r.scalar().unwrap();
    assert!(v.starts_with("PostgreSQL "), "{v}");
    let major = r.server_version.clone().unwrap();
    assert!(
        v.contains(major.split_whitespace().next().unwrap()),
        "{v} / {major}"
    );
}

#[tokio::test]
async fn nulls_and_several_statements() {
    if !up().await {
        return;
    }
    let r = ro(URL, "SELECT 1 AS a; SELECT NULL AS b, 'x' AS c", T)
        .await
        .unwrap();
    assert_eq!(r.statements, 2);
    assert_eq!(r.columns, vec!["b", "c"]);
    assert_eq!(r.rows, vec![vec![None, Some("x".to_string())]]);
    assert_eq!(r.render_unaligned(), "|x\n");
}

#[tokio::test]
async fn syntax_error_carries_the_server_message() {
    if !up().await {
        return;
    }
    let err = pg_query(URL, "SELEC 1", &[], Access::ReadWrite, T)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Server);
    let text = err.to_string();
    assert!(
        text.starts_with(
            "PostgreSQL error: ERROR: syntax error at or near \"SELEC\" (SQLSTATE 42601)"
        ),
        "{text}"
    );
}

#[tokio::test]
async fn missing_database_is_a_server_error() {
    if !up().await {
        return;
    }
    let err = ro(
        "postgres://postgres@127.0.0.1:5432/greenlight_no_such_db",
        "SELECT 1",
        T,
    )
    .await
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Server, "{err}");
    assert!(err.to_string().contains("does not exist"), "{err}");
    assert!(err.to_string().contains("3D000"), "{err}");
}

#[tokio::test]
async fn ping() {
    if !up().await {
        return;
    }
    let r = pg_ping(URL, T).await.unwrap();
    assert!(r.server_version.is_some());
}

#[tokio::test]
async fn slow_query_times_out_and_is_cancelled() {
    if !up().await {
        return;
    }
    let marker = format!("greenlight-cancel-test-{}", std::process::id());
    let started = Instant::now();
    let err = ro(
        URL,
        &format!("SELECT pg_sleep(20) /* {marker} */"),
        Duration::from_millis(500),
    )
    .await
    .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(
        err.to_string(),
        "timed out after 500ms waiting for the PostgreSQL query result"
    );
    // The cancel request makes the server drop the query quickly.
    let check = format!(
        "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' \
         AND query LIKE '%{marker}%' AND pid <> pg_backend_pid()"
    );
    let mut still_running = true;
    for _ in 0..30 {
        let r = ro(URL, &check, T).await.unwrap();
        if r.scalar() == Some("0") {
            still_running = false;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        !still_running,
        "the timed-out query is still running on the server"
    );
}

#[tokio::test]
async fn unreachable_server_is_named_and_fast() {
    let started = Instant::now();
    let err = ro(
        "postgres://postgres:s3cret@127.0.0.1:1/postgres",
        "SELECT 1",
        T,
    )
    .await
    .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(err.kind(), ErrorKind::ConnectRefused);
    assert_eq!(err.to_string(), "connect to 127.0.0.1:1 refused");
    assert!(!format!("{err:?}").contains("s3cret"));
}
