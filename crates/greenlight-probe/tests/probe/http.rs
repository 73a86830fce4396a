use greenlight_probe::{
    ErrorKind, HttpClient, HttpClientOptions, HttpRequest, ProbeError, http_request,
};
use std::time::{Duration, Instant};

use crate::support::{self, Leaf, response};

#[tokio::test]
async fn get_reports_status_headers_body_and_timings() {
    let server = support::http_server(|_| {
        response(
            "201 Created",
            &[("Content-Type", "application/json"), ("X-Test", "yes")],
            br#"{"status": "healthy"}"#,
        )
    })
    .await;
    let resp = http_request(&HttpRequest::get(server.url("/health")))
        .await
        .unwrap();
    assert_eq!(resp.status, 201);
    assert_eq!(resp.reason.as_deref(), Some("Created"));
    assert_eq!(resp.version, "HTTP/1.1");
    assert_eq!(resp.header("content-type"), Some("application/json"));
    assert_eq!(resp.header("X-TEST"), Some("yes"));
    assert_eq!(resp.body_text(), r#"{"status": "healthy"}"#);
    assert!(!resp.body_truncated);
    assert_eq!(resp.remote_addr, Some(server.addr));
    assert!(resp.ttfb <= resp.duration);
    let req = server.last_request();
    assert_eq!((req.method.as_str(), req.path.as_str()), ("GET", "/health"));

    let json = serde_json::to_value(&resp).unwrap();
    assert_eq!(json["status"], 201);
    assert_eq!(json["body"], r#"{"status": "healthy"}"#);
    assert!(json["duration_ms"].as_f64().unwrap() >= 0.0);
    assert!(json["ttfb_ms"].is_number());
}

#[tokio::test]
async fn post_sends_body_headers_and_basic_auth() {
    let server = support::http_server(|_| response("200 OK", &[], b"ok")).await;
    let req = HttpRequest {
        headers: vec![
            ("Authorization".into(), "Bearer t0ken".into()),
            ("Content-Type".into(), "application/json".into()),
        ],
        body: Some(br#"{"a":1}"#.to_vec()),
        ..HttpRequest::new("POST", server.url("/xtb/v1"))
    };
    let resp = http_request(&req).await.unwrap();
    assert_eq!(resp.status, 200);
    let seen = server.last_request();
    assert_eq!(seen.method, "POST");
    assert_eq!(seen.path, "/xtb/v1");
    assert_eq!(seen.header("authorization"), Some("Bearer t0ken"));
    assert_eq!(seen.header("content-type"), Some("application/json"));
    assert_eq!(seen.body, br#"{"a":1}"#);

    let req = HttpRequest {
        basic_auth: Some(("user".into(), Some("pass".into()))),
        ..HttpRequest::get(server.url("/"))
    };
    http_request(&req).await.unwrap();
    // base64("user:pass")
    assert_eq!(
        server.last_request().header("authorization"),
        Some("Basic dXNlcjpwYXNz")
    );
}

#[tokio::test]
async fn silent_server_times_out_fast_with_phase_in_message() {
    let server = support::silent_server().await;
    let started = Instant::now();
    let req = HttpRequest {
        timeout: Duration::from_millis(300),
        ..HttpRequest::get(server.url("/"))
    };
    let err = http_request(&req).await.unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert_eq!(
        err.to_string(),
        "timed out after 300ms waiting for response headers"
    );
}

#[tokio::test]
async fn stalled_body_times_out_while_reading_it() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let (mut s, _) = listener.accept().await.unwrap();
        let mut buf = [0u8; 4096];
        let _ = s.read(&mut buf).await;
        s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten..")
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_secs(10)).await;
    });
    let req = HttpRequest {
        timeout: Duration::from_millis(400),
        ..HttpRequest::get(format!("http://{addr}/"))
    };
    let err = http_request(&req).await.unwrap_err();
    task.abort();
    assert_eq!(
        err.to_string(),
        "timed out after 400ms reading the response body"
    );
}

#[tokio::test]
async fn refused_connection_names_the_address() {
    let addr = support::closed_addr().await;
    let started = Instant::now();
    let err = http_request(&HttpRequest::get(format!("http://{addr}/")))
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(err.kind(), ErrorKind::ConnectRefused, "{err}");
    assert_eq!(err.to_string(), format!("connect to {addr} refused"));
}

#[tokio::test]
async fn large_bodies_are_truncated_or_rejected() {
    let server = support::http_server(|_| response("200 OK", &[], &[b'x'; 5000])).await;
    let req = HttpRequest {
        max_body: 1000,
        ..HttpRequest::get(server.url("/big"))
    };
    let resp = http_request(&req).await.unwrap();
    assert_eq!(resp.body.len(), 1000);
    assert!(resp.body_truncated);

    let req = HttpRequest {
        fail_on_large_body: true,
        ..req
    };
    let err = http_request(&req).await.unwrap_err();
    assert_eq!(err, ProbeError::BodyTooLarge { limit: 1000 });
    assert_eq!(
        err.to_string(),
        "response body exceeds the limit of 1000 bytes"
    );

    let req = HttpRequest {
        max_body: 5000,
        fail_on_large_body: true,
        ..HttpRequest::get(server.url("/big"))
    };
    let resp = http_request(&req).await.unwrap();
    assert_eq!(resp.body.len(), 5000);
    assert!(!resp.body_truncated);
}

#[tokio::test]
async fn redirects_are_followed_only_when_asked() {
    let server = support::http_server(|req| {
        if req.path == "/old" {
            response("302 Found", &[("Location", "/new")], b"")
        } else {
            response("200 OK", &[], b"new place")
        }
    })
    .await;
    let resp = http_request(&HttpRequest::get(server.url("/old")))
        .await
        .unwrap();
    assert_eq!(resp.status, 302);
    assert_eq!(resp.header("location"), Some("/new"));

    let req = HttpRequest {
        follow_redirects: true,
        ..HttpRequest::get(server.url("/old"))
    };
    let resp = http_request(&req).await.unwrap();
    assert_eq!(resp.status, 200);
    assert_eq!(resp.url, server.url("/new"));
    assert_eq!(resp.body_text(), "new place");
}

/// A redirect from `http://` to `https://` switches from the plain pool
/// (which loads no trust roots) to the verifying one, with the client's
/// extra roots; without them the https hop fails verification (it is
/// never sent through the plain or the insecure pool).
#[tokio::test]
async fn an_http_to_https_redirect_switches_to_the_verifying_client() {
    let certs = support::certs(Leaf::Valid);
    let secure = support::https_server(
        support::server_config(&certs, false, &[b"http/1.1"]),
        |_| response("200 OK", &[], b"secure"),
    )
    .await;
    let target = secure.https_url("/new");
    let location = target.clone();
    let plain = support::http_server(move |_| {
        response("301 Moved Permanently", &[("Location", &location)], b"")
    })
    .await;
    let req = HttpRequest {
        follow_redirects: true,
        redirect_hosts: vec![format!("localhost:{}", secure.addr.port())],
        ..HttpRequest::get(plain.url("/old"))
    };
    let trusting = HttpClient::new(HttpClientOptions {
        extra_roots: vec![certs.ca.clone()],
        ..HttpClientOptions::default()
    });
    // The plain hop first, so the plain pool exists before the https hop.
    let resp = trusting.send(&req).await.unwrap();
    assert_eq!(resp.status, 200);
    assert_eq!(resp.url, target);
    assert_eq!(resp.body_text(), "secure");
    assert_eq!(secure.last_request().path, "/new");

    let err = HttpClient::default().send(&req).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Tls, "{err}");

    // Another port on another host is not followed unless the profile maps it.
    let unmapped = HttpRequest {
        redirect_hosts: Vec::new(),
        ..req.clone()
    };
    let resp = trusting.send(&unmapped).await.unwrap();
    assert_eq!(resp.status, 301);
    assert!(
        resp.redirect_refused
            .as_deref()
            .is_some_and(|w| w.contains("host not mapped")),
        "{:?}",
        resp.redirect_refused
    );
}

#[tokio::test]
async fn head_requests_have_no_body() {
    let server = support::http_server(|req| {
        assert_eq!(req.method, "HEAD");
        b"HTTP/1.1 200 OK\r\nContent-Length: 42\r\n\r\n".to_vec()
    })
    .await;
    let resp = http_request(&HttpRequest::new("HEAD", server.url("/")))
        .await
        .unwrap();
    assert_eq!(resp.status, 200);
    assert!(resp.body.is_empty());
    assert_eq!(resp.header("content-length"), Some("42"));
}

#[tokio::test]
async fn one_client_serves_many_concurrent_requests() {
    let server = support::http_server(|req| response("200 OK", &[], req.path.as_bytes())).await;
    let client = HttpClient::default();
    let mut tasks = Vec::new();
    for i in 0..20 {
        let client = client.clone();
        let url = server.url(&format!("/n/{i}"));
        tasks.push(tokio::spawn(async move {
            client.send(&HttpRequest::get(url)).await
        }));
    }
    for (i, t) in tasks.into_iter().enumerate() {
        let resp = t.await.unwrap().unwrap();
        assert_eq!(resp.body_text(), format!("/n/{i}"));
    }
    assert_eq!(server.requests.lock().unwrap().len(), 20);
}

#[tokio::test]
async fn bad_input_is_reported_not_panicked() {
    for (req, what) in [
        (HttpRequest::get("not a url"), "invalid URL"),
        (HttpRequest::get("ftp://127.0.0.1/x"), "unsupported scheme"),
        (
            HttpRequest::new("GE T", "http://127.0.0.1:1/"),
            "invalid HTTP method",
        ),
        (
            HttpRequest {
                headers: vec![("Bad Header".into(), "x".into())],
                ..HttpRequest::get("http://127.0.0.1:1/")
            },
            "invalid header name",
        ),
        (
            HttpRequest {
                headers: vec![("X-Ok".into(), "line\nbreak".into())],
                ..HttpRequest::get("http://127.0.0.1:1/")
            },
            "invalid value of header",
        ),
    ] {
        let err = http_request(&req).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
        assert!(err.to_string().contains(what), "{err}");
    }
}

#[tokio::test]
async fn https_trusts_extra_roots_and_reports_bad_certificates() {
    let certs = support::certs(Leaf::Valid);
    let server = support::https_server(
        support::server_config(&certs, false, &[b"http/1.1"]),
        |_| response("200 OK", &[], b"secure"),
    )
    .await;
    let url = server.https_url("/");

    let trusting = HttpClient::new(HttpClientOptions {
        extra_roots: vec![certs.ca.clone()],
        ..HttpClientOptions::default()
    });
    let resp = trusting.send(&HttpRequest::get(&url)).await.unwrap();
    assert_eq!(resp.body_text(), "secure");

    let err = HttpClient::default()
        .send(&HttpRequest::get(&url))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Tls, "{err}");
    assert_eq!(
        err.to_string(),
        format!(
            "TLS handshake with localhost:{} failed: certificate verification failed: unknown issuer",
            server.addr.port()
        )
    );

    let insecure = HttpRequest {
        insecure_tls: true,
        ..HttpRequest::get(&url)
    };
    let resp = HttpClient::default().send(&insecure).await.unwrap();
    assert_eq!(resp.body_text(), "secure");
}

#[tokio::test]
async fn https_with_expired_certificate_says_so() {
    let certs = support::certs(Leaf::Expired);
    let server = support::https_server(
        support::server_config(&certs, false, &[b"http/1.1"]),
        |_| response("200 OK", &[], b"secure"),
    )
    .await;
    let client = HttpClient::new(HttpClientOptions {
        extra_roots: vec![certs.ca.clone()],
        ..HttpClientOptions::default()
    });
    let err = client
        .send(&HttpRequest::get(server.https_url("/")))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Tls, "{err}");
    assert!(
        err.to_string()
            .ends_with("failed: certificate verification failed: certificate expired (3 days ago)"),
        "{err}"
    );
}

#[tokio::test]
async fn clickhouse_helpers_speak_http() {
    let server = support::http_server(|req| match (req.method.as_str(), req.path.as_str()) {
        ("GET", "/ping") => response("200 OK", &[], b"Ok.\n"),
        ("POST", "/?readonly=1") if req.body == b"SELECT 1" => response("200 OK", &[], b"1\n"),
        _ => response(
            "400 Bad Request",
            &[],
            b"Code: 62. DB::Exception: Syntax error",
        ),
    })
    .await;
    let base = format!("http://{}", server.addr);
    let ping = greenlight_probe::clickhouse_ping(&base, Duration::from_secs(2))
        .await
        .unwrap();
    assert_eq!(ping.body, "Ok.\n");
    let q = greenlight_probe::clickhouse_query(
        &base,
        "SELECT 1",
        greenlight_probe::Access::ReadOnly,
        Duration::from_secs(2),
    )
    .await
    .unwrap();
    assert_eq!(q.body, "1\n");
    let err = greenlight_probe::clickhouse_query(
        &base,
        "SELEC 1",
        greenlight_probe::Access::ReadOnly,
        Duration::from_secs(2),
    )
    .await
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "ClickHouse error: Code: 62. DB::Exception: Syntax error (HTTP 400)"
    );
}
