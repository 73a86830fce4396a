use futures_util::{SinkExt, StreamExt};
use greenlight_probe::{ErrorKind, WsRequest, ws_connect, ws_connect_with};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};

use crate::support::{self, Leaf};

const T: Duration = Duration::from_secs(3);

struct WsServer {
    addr: SocketAddr,
    task: JoinHandle<()>,
}

impl Drop for WsServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Accepts upgrades carrying `Authorization: Bearer secret` (else 401), then sends `hello`
/// when `greet` is set.
async fn ws_server(tls: Option<TlsAcceptor>, greet: bool) -> WsServer {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let tls = tls.clone();
            tokio::spawn(async move {
                match tls {
                    Some(acceptor) => {
                        if let Ok(s) = acceptor.accept(stream).await {
                            serve_ws(s, greet).await;
                        }
                    }
                    None => serve_ws(stream, greet).await,
                }
            });
        }
    });
    WsServer { addr, task }
}

// The callback's error type is fixed by tungstenite's `Callback` trait.
#[allow(clippy::result_large_err)]
async fn serve_ws<S: AsyncRead + AsyncWrite + Unpin>(stream: S, greet: bool) {
    let check = |req: &Request, resp: Response| -> Result<Response, ErrorResponse> {
        match req.headers().get("authorization") {
            Some(v) if v == "Bearer secret" => Ok(resp),
            _ => {
                let mut e = ErrorResponse::new(Some("missing or wrong token".into()));
                *e.status_mut() = tokio_tungstenite::tungstenite::http::StatusCode::UNAUTHORIZED;
                Err(e)
            }
        }
    };
    let Ok(mut ws) = tokio_tungstenite::accept_hdr_async(stream, check).await else {
        return;
    };
    if greet {
        let _ = ws.send(Message::text("hello")).await;
    }
    while let Some(Ok(msg)) = ws.next().await {
        if msg.is_close() {
            break;
        }
    }
}

fn auth(token: &str) -> Vec<(String, String)> {
    vec![("Authorization".into(), format!("Bearer {token}"))]
}

#[tokio::test]
async fn upgrade_with_token_gets_101_and_first_message() {
    let server = ws_server(None, true).await;
    let r = ws_connect(
        &format!("ws://{}/ws", server.addr),
        auth("secret"),
        T,
        false,
    )
    .await
    .unwrap();
    assert_eq!(r.status, 101);
    assert_eq!(r.first_message.as_deref(), Some("hello"));
    assert!(!r.first_message_binary);
    assert!(
        r.response_headers
            .iter()
            .any(|(k, v)| k == "upgrade" && v.eq_ignore_ascii_case("websocket")),
        "{:?}",
        r.response_headers
    );
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["status"], 101);
    assert_eq!(json["first_message"], "hello");
}

#[tokio::test]
async fn wrong_token_is_rejected_with_status() {
    let server = ws_server(None, true).await;
    let err = ws_connect(&format!("ws://{}/ws", server.addr), auth("wrong"), T, false)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Rejected);
    assert_eq!(err.status(), Some(401));
    assert_eq!(
        err.to_string(),
        "WebSocket upgrade refused: HTTP 401 (missing or wrong token)"
    );
    let err = ws_connect(&format!("ws://{}/ws", server.addr), vec![], T, false)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(401));
}

#[tokio::test]
async fn quiet_server_means_no_first_message_after_a_short_wait() {
    let server = ws_server(None, false).await;
    let started = Instant::now();
    let r = ws_connect_with(&WsRequest {
        url: format!("ws://{}/ws", server.addr),
        headers: auth("secret"),
        first_message_wait: Duration::from_millis(150),
        ..WsRequest::default()
    })
    .await
    .unwrap();
    assert_eq!(r.status, 101);
    assert_eq!(r.first_message, None);
    assert!(started.elapsed() < Duration::from_secs(1));
}

#[tokio::test]
async fn refused_silent_and_invalid() {
    let addr = support::closed_addr().await;
    let err = ws_connect(&format!("ws://{addr}/"), vec![], T, false)
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), format!("connect to {addr} refused"));

    let silent = support::silent_server().await;
    let started = Instant::now();
    let err = ws_connect(
        &format!("ws://{}/", silent.addr),
        vec![],
        Duration::from_millis(300),
        false,
    )
    .await
    .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(
        err.to_string(),
        "timed out after 300ms waiting for the WebSocket upgrade response"
    );

    let err = ws_connect("http://127.0.0.1:1/", vec![], T, false)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
}

#[tokio::test]
async fn wss_with_extra_root_or_insecure() {
    let certs = support::certs(Leaf::Valid);
    let acceptor = TlsAcceptor::from(Arc::new(support::server_config(
        &certs,
        false,
        &[b"http/1.1"],
    )));
    let server = ws_server(Some(acceptor), true).await;
    let url = format!("wss://localhost:{}/ws", server.addr.port());

    let r = ws_connect_with(&WsRequest {
        url: url.clone(),
        headers: auth("secret"),
        extra_roots: vec![certs.ca.clone()],
        ..WsRequest::default()
    })
    .await
    .unwrap();
    assert_eq!(r.first_message.as_deref(), Some("hello"));

    let err = ws_connect(&url, auth("secret"), T, false)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Tls, "{err}");
    assert!(err.to_string().contains("unknown issuer"), "{err}");

    let r = ws_connect(&url, auth("secret"), T, true).await.unwrap();
    assert_eq!(r.status, 101);
}
