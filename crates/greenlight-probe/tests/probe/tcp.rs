use greenlight_probe::{ErrorKind, tcp_connect};
use std::time::{Duration, Instant};

use crate::support;

#[tokio::test]
async fn connects_and_reports_the_peer() {
    let server = support::silent_server().await;
    let report = tcp_connect(&server.addr.to_string(), Duration::from_secs(2))
        .await
        .unwrap();
    assert_eq!(report.peer, server.addr);

    let report = tcp_connect(
        &format!("localhost:{}", server.addr.port()),
        Duration::from_secs(2),
    )
    .await
    .unwrap();
    assert_eq!(report.peer.port(), server.addr.port());
    let json = serde_json::to_value(&report).unwrap();
    assert!(json["duration_ms"].is_number());
}

#[tokio::test]
async fn refused_is_fast_and_precise() {
    let addr = support::closed_addr().await;
    let started = Instant::now();
    let err = tcp_connect(&addr.to_string(), Duration::from_secs(2))
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(err.kind(), ErrorKind::ConnectRefused);
    assert_eq!(err.to_string(), format!("connect to {addr} refused"));
}

#[tokio::test]
async fn bad_addresses_are_invalid_input() {
    let err = tcp_connect("no-port-here", Duration::from_secs(1))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert_eq!(
        err.to_string(),
        "invalid address \"no-port-here\": expected host:port"
    );
}

/// `Duration::MAX` means "no practical limit", never an overflow panic.
#[tokio::test]
async fn huge_timeouts_do_not_panic() {
    let addr = support::closed_addr().await;
    let max = Duration::MAX;
    let refused = format!("connect to {addr} refused");
    let e = tcp_connect(&addr.to_string(), max).await.unwrap_err();
    assert_eq!(e.to_string(), refused);
    let e = greenlight_probe::http_request(&greenlight_probe::HttpRequest {
        timeout: max,
        ..greenlight_probe::HttpRequest::get(format!("http://{addr}/"))
    })
    .await
    .unwrap_err();
    assert_eq!(e.to_string(), refused);
    let e = greenlight_probe::tls_inspect("127.0.0.1", addr.port(), "localhost", max, None)
        .await
        .unwrap_err();
    assert_eq!(e.to_string(), refused);
    let e = greenlight_probe::pg_query(
        &format!("postgres://u@{addr}/db"),
        "SELECT 1",
        &[],
        greenlight_probe::Access::ReadOnly,
        max,
    )
    .await
    .unwrap_err();
    assert_eq!(e.to_string(), refused);
    let e = greenlight_probe::redis_command(
        &format!("redis://{addr}"),
        &["PING".to_string()],
        greenlight_probe::Access::ReadOnly,
        max,
    )
    .await
    .unwrap_err();
    assert_eq!(e.to_string(), refused);
    let e = greenlight_probe::ws_connect(&format!("ws://{addr}/"), vec![], max, false)
        .await
        .unwrap_err();
    assert_eq!(e.to_string(), refused);
    let r = greenlight_probe::run_shell(greenlight_probe::ShellSpec {
        script: "exit 0".into(),
        timeout: max,
        max_output: usize::MAX,
        ..Default::default()
    })
    .await
    .unwrap();
    assert!(r.success());
}
