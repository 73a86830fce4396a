use greenlight_probe::{CertFailure, ErrorKind, tls_inspect};
use std::time::{Duration, Instant};

use crate::support::{self, Leaf, response};

const T: Duration = Duration::from_secs(3);

async fn tls_server(certs: &support::Certs, tls12_only: bool) -> support::Server {
    support::https_server(
        support::server_config(certs, tls12_only, &[b"http/1.1"]),
        |_| response("200 OK", &[], b"ok"),
    )
    .await
}

#[tokio::test]
async fn ca_signed_certificate_verifies_with_extra_root() {
    let certs = support::certs(Leaf::Valid);
    let server = tls_server(&certs, false).await;
    let r = tls_inspect(
        "127.0.0.1",
        server.addr.port(),
        "localhost",
        T,
        Some(vec![certs.ca.clone()]),
    )
    .await
    .unwrap();
    assert!(r.chain_verified, "{:?}", r.verification_error);
    assert_eq!(r.verification_error, None);
    assert_eq!(r.verification_failure, None);
    assert_eq!(r.protocol, "TLSv1.3");
    assert!(r.cipher_suite.starts_with("TLS13_"), "{}", r.cipher_suite);
    assert_eq!(r.alpn.as_deref(), Some("http/1.1"));
    assert_eq!(r.peer, server.addr);
    assert_eq!(r.server_name, "localhost");
    assert_eq!(r.leaf.subject, "CN=localhost");
    assert_eq!(r.leaf.common_name.as_deref(), Some("localhost"));
    assert_eq!(r.leaf.issuer, "CN=greenlight probe test CA");
    assert_eq!(r.leaf.sans, vec!["localhost", "127.0.0.1"]);
    assert_eq!(r.leaf.days_until_expiry, 90);
    assert!(!r.leaf.self_signed);
    assert!(r.leaf.not_before < r.leaf.not_after);
    assert!(r.leaf.not_after_rfc3339.ends_with('Z'));
    assert_eq!(r.leaf.sha256.len(), 64);
    assert!(r.intermediates.is_empty());

    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["chain_verified"], true);
    assert_eq!(json["leaf"]["days_until_expiry"], 90);
    assert!(json["duration_ms"].is_number());
}

#[tokio::test]
async fn unknown_issuer_without_the_ca() {
    let certs = support::certs(Leaf::Valid);
    let server = tls_server(&certs, false).await;
    let r = tls_inspect("127.0.0.1", server.addr.port(), "localhost", T, None)
        .await
        .unwrap();
    assert!(!r.chain_verified);
    assert_eq!(r.verification_error.as_deref(), Some("unknown issuer"));
    assert_eq!(r.verification_failure, Some(CertFailure::UnknownIssuer));
}

#[tokio::test]
async fn expired_certificate_is_reported_not_fatal() {
    let certs = support::certs(Leaf::Expired);
    let server = tls_server(&certs, false).await;
    let r = tls_inspect(
        "127.0.0.1",
        server.addr.port(),
        "localhost",
        T,
        Some(vec![certs.ca.clone()]),
    )
    .await
    .unwrap();
    assert!(!r.chain_verified);
    assert_eq!(r.verification_failure, Some(CertFailure::Expired));
    assert_eq!(
        r.verification_error.as_deref(),
        Some("certificate expired (3 days ago)")
    );
    assert_eq!(r.leaf.days_until_expiry, -3);
    assert!(r.leaf.seconds_until_expiry < -3 * support::DAY);
}

#[tokio::test]
async fn self_signed_certificate_is_flagged() {
    let certs = support::certs(Leaf::SelfSigned);
    let server = tls_server(&certs, false).await;
    let r = tls_inspect("127.0.0.1", server.addr.port(), "localhost", T, None)
        .await
        .unwrap();
    assert!(r.leaf.self_signed);
    assert_eq!(r.leaf.subject, r.leaf.issuer);
    assert!(!r.chain_verified);
    assert_eq!(r.verification_failure, Some(CertFailure::UnknownIssuer));
    assert_eq!(
        r.verification_error.as_deref(),
        Some("unknown issuer (self-signed certificate)")
    );

    // A CA-signed leaf is not self-signed, and the CA itself would be.
    let ca_signed = support::certs(Leaf::Valid);
    let now = support::unix_now();
    assert!(
        !greenlight_probe::CertInfo::from_der(&ca_signed.leaf, now)
            .unwrap()
            .self_signed
    );
    assert!(
        greenlight_probe::CertInfo::from_der(&ca_signed.ca, now)
            .unwrap()
            .self_signed
    );
}

#[tokio::test]
async fn name_mismatch_is_reported() {
    let certs = support::certs(Leaf::Valid);
    let server = tls_server(&certs, false).await;
    let r = tls_inspect(
        "127.0.0.1",
        server.addr.port(),
        "other.example",
        T,
        Some(vec![certs.ca.clone()]),
    )
    .await
    .unwrap();
    assert!(!r.chain_verified);
    assert_eq!(r.verification_failure, Some(CertFailure::NameMismatch));
    let text = r.verification_error.unwrap();
    assert!(text.starts_with("name mismatch"), "{text}");
    assert!(text.contains("other.example"), "{text}");

    // An IP address as server name matches the IP SAN.
    let r = tls_inspect(
        "127.0.0.1",
        server.addr.port(),
        "127.0.0.1",
        T,
        Some(vec![certs.ca.clone()]),
    )
    .await
    .unwrap();
    assert!(r.chain_verified, "{:?}", r.verification_error);
}

#[tokio::test]
async fn tls12_only_server_reports_tls12() {
    let certs = support::certs(Leaf::Valid);
    let server = tls_server(&certs, true).await;
    let r = tls_inspect(
        "localhost",
        server.addr.port(),
        "localhost",
        T,
        Some(vec![certs.ca.clone()]),
    )
    .await
    .unwrap();
    assert_eq!(r.protocol, "TLSv1.2");
    assert!(
        r.cipher_suite.starts_with("TLS_ECDHE_"),
        "{}",
        r.cipher_suite
    );
    assert!(r.chain_verified, "{:?}", r.verification_error);
}

#[tokio::test]
async fn refused_and_silent_servers_fail_fast() {
    let addr = support::closed_addr().await;
    let err = tls_inspect("127.0.0.1", addr.port(), "localhost", T, None)
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), format!("connect to {addr} refused"));

    let silent = support::silent_server().await;
    let started = Instant::now();
    let err = tls_inspect(
        "127.0.0.1",
        silent.addr.port(),
        "localhost",
        Duration::from_millis(300),
        None,
    )
    .await
    .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert_eq!(
        err.to_string(),
        format!(
            "timed out after 300ms during the TLS handshake with 127.0.0.1:{}",
            silent.addr.port()
        )
    );
}

#[tokio::test]
async fn plain_http_server_is_a_tls_error() {
    // Answers whatever arrives (a ClientHello) with a plain-text HTTP error, like a
    // misconfigured port would.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let task = tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let (mut s, _) = listener.accept().await.unwrap();
        let mut buf = [0u8; 1024];
        let _ = s.read(&mut buf).await;
        let _ = s
            .write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            .await;
    });
    let err = tls_inspect("127.0.0.1", port, "localhost", T, None)
        .await
        .unwrap_err();
    task.abort();
    assert_eq!(err.kind(), ErrorKind::Tls, "{err}");
    assert!(
        err.to_string()
            .contains("the server does not speak TLS on this port"),
        "{err}"
    );
}

#[test]
fn pem_roundtrip() {
    let certs = support::certs(Leaf::Valid);
    let parsed = greenlight_probe::parse_pem_certificates(certs.ca_pem.as_bytes()).unwrap();
    assert_eq!(parsed, vec![certs.ca.clone()]);
}
