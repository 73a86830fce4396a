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
