//! WebSocket upgrade checks (`wscat -c URL -H …`): the upgrade status, response headers and
//! the first message the server sends.

use futures_util::{SinkExt, StreamExt};
use rustls::ClientConfig;
use rustls::pki_types::ServerName;
use serde::Serialize;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::Instant;
use tokio_rustls::TlsConnector;
use tokio_tungstenite::tungstenite;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::{HeaderName, HeaderValue};
use tokio_tungstenite::tungstenite::protocol::Message;

use crate::tls::{
    CertificateDer, RecordingVerifier, describe_handshake_error, provider, root_store,
};
use crate::{ProbeError, Result, tcp, util};

/// Default time to wait for a first message after the upgrade: 300 ms.
pub const DEFAULT_FIRST_MESSAGE_WAIT: Duration = Duration::from_millis(300);

/// A WebSocket connection attempt, for [`ws_connect_with`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WsRequest {
    /// `ws://` or `wss://` URL.
    pub url: String,
    /// Extra request headers (e.g. `Authorization`).
    pub headers: Vec<(String, String)>,
    /// Bound on connect, TLS and the upgrade exchange.
    pub timeout: Duration,
    /// Accept any certificate (like `wscat --no-check`).
    pub insecure_tls: bool,
    /// Certificates trusted in addition to Mozilla's roots.
    pub extra_roots: Vec<CertificateDer<'static>>,
    /// How long to wait after the upgrade for the server's first message (not counted in
    /// `timeout`). Zero to not wait.
    pub first_message_wait: Duration,
}

impl Default for WsRequest {
    fn default() -> Self {
        Self {
            url: String::new(),
            headers: Vec::new(),
            timeout: Duration::from_secs(10),
            insecure_tls: false,
            extra_roots: Vec::new(),
            first_message_wait: DEFAULT_FIRST_MESSAGE_WAIT,
        }
    }
}

/// Result of a successful upgrade.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WsReport {
    /// The upgrade response status (101).
    pub status: u16,
    /// Upgrade response headers; names lower-case, values lossy UTF-8.
    pub response_headers: Vec<(String, String)>,
    /// Connect, TLS and upgrade time. Serialized as `duration_ms`.
    #[serde(rename = "duration_ms", serialize_with = "util::ms::serialize")]
    pub duration: Duration,
    /// The first data message the server sent within the wait: text as is, binary as lossy
    /// UTF-8 (see `first_message_binary`).
    pub first_message: Option<String>,
    /// Whether `first_message` came from a binary frame.
    pub first_message_binary: bool,
    /// Set when the server closed the connection during the wait: `"1000 reason"` etc.
    pub closed_by_server: Option<String>,
}

/// Opens a WebSocket to `url` with extra `headers`, waits up to
/// [`DEFAULT_FIRST_MESSAGE_WAIT`] for a first message, and closes it again.
///
/// A refused upgrade (any status other than 101) is [`ProbeError::Rejected`] carrying the
/// status, headers and start of the body.
pub async fn ws_connect(
    url: &str,
    headers: Vec<(String, String)>,
    timeout: Duration,
    insecure_tls: bool,
) -> Result<WsReport> {
    ws_connect_with(&WsRequest {
        url: url.to_string(),
        headers,
        timeout,
        insecure_tls,
        ..WsRequest::default()
    })
    .await
}

/// [`ws_connect`] with every knob of [`WsRequest`].
pub async fn ws_connect_with(req: &WsRequest) -> Result<WsReport> {
    let mut request = req
        .url
        .trim()
        .into_client_request()
        .map_err(|e| ProbeError::invalid(format!("WebSocket URL {:?}", req.url), e))?;
    for (name, value) in &req.headers {
        let n = HeaderName::from_bytes(name.trim().as_bytes())
            .map_err(|e| ProbeError::invalid(format!("header name {name:?}"), e))?;
        let v = HeaderValue::from_str(value.trim())
            .map_err(|e| ProbeError::invalid(format!("value of header {name:?}"), e))?;
        request.headers_mut().append(n, v);
    }
    let uri = request.uri().clone();
    let secure = match uri.scheme_str() {
        Some("wss") => true,
        Some("ws") => false,
        other => {
            return Err(ProbeError::invalid(
                format!("WebSocket URL {:?}", req.url),
                format!("unsupported scheme {other:?} (use ws or wss)"),
            ));
        }
    };
    let host = uri.host().unwrap_or_default().to_string();
    let bare_host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let port = uri.port_u16().unwrap_or(if secure { 443 } else { 80 });
    let addr = format!("{host}:{port}");

    let start = Instant::now();
    let deadline = util::deadline(start, req.timeout);
    let (tcp, _peer) = tcp::connect(&bare_host, port, deadline, req.timeout).await?;
    if secure {
        crate::install_crypto_provider();
        let builder = ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(|e| ProbeError::invalid("TLS configuration", e))?;
        let roots = root_store(&req.extra_roots)?;
        let mut config = if req.insecure_tls {
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(RecordingVerifier::new(roots)?))
                .with_no_client_auth()
        } else {
            builder.with_root_certificates(roots).with_no_client_auth()
        };
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        let name = ServerName::try_from(bare_host.clone())
            .map_err(|e| ProbeError::invalid(format!("server name {bare_host:?}"), e))?;
        let tls = match tokio::time::timeout_at(
            deadline,
            TlsConnector::from(Arc::new(config)).connect(name, tcp),
        )
        .await
        {
            Err(_) => {
                return Err(ProbeError::timeout(
                    req.timeout,
                    format!("during the TLS handshake with {addr}"),
                ));
            }
            Ok(Err(e)) => {
                return Err(ProbeError::Tls {
                    addr,
                    detail: describe_handshake_error(&e),
                });
            }
            Ok(Ok(s)) => s,
        };
        upgrade(request, tls, req, start, deadline, &addr).await
    } else {
        upgrade(request, tcp, req, start, deadline, &addr).await
    }
}

async fn upgrade<S: AsyncRead + AsyncWrite + Unpin>(
    request: tungstenite::handshake::client::Request,
    stream: S,
    req: &WsRequest,
    start: Instant,
    deadline: Instant,
    addr: &str,
) -> Result<WsReport> {
    let (mut ws, response) =
        match tokio::time::timeout_at(deadline, tokio_tungstenite::client_async(request, stream))
            .await
        {
            Err(_) => {
                return Err(ProbeError::timeout(
                    req.timeout,
                    "waiting for the WebSocket upgrade response",
                ));
            }
            Ok(Err(tungstenite::Error::Http(resp))) => {
                let body = resp
                    .body()
                    .as_deref()
                    .map(|b| String::from_utf8_lossy(&b[..b.len().min(4096)]).into_owned())
                    .unwrap_or_default();
                return Err(ProbeError::Rejected {
                    what: "WebSocket upgrade".into(),
                    status: resp.status().as_u16(),
                    headers: header_list(resp.headers()),
                    body,
                });
            }
            Ok(Err(e)) => {
                return Err(ProbeError::Protocol {
                    context: format!("WebSocket handshake with {addr} failed"),
                    detail: e.to_string(),
                });
            }
            Ok(Ok(pair)) => pair,
        };
    let duration = start.elapsed();
    let mut report = WsReport {
        status: response.status().as_u16(),
        response_headers: header_list(response.headers()),
        duration,
        first_message: None,
        first_message_binary: false,
        closed_by_server: None,
    };

    let wait_until = util::deadline(Instant::now(), req.first_message_wait);
    loop {
        match tokio::time::timeout_at(wait_until, ws.next()).await {
            Err(_) | Ok(None) => break,
            Ok(Some(Err(_))) => break,
            Ok(Some(Ok(Message::Text(t)))) => {
                report.first_message = Some(t.as_str().to_string());
                break;
            }
            Ok(Some(Ok(Message::Binary(b)))) => {
                report.first_message = Some(String::from_utf8_lossy(&b).into_owned());
                report.first_message_binary = true;
                break;
            }
            Ok(Some(Ok(Message::Close(frame)))) => {
                report.closed_by_server = Some(match frame {
                    Some(f) => format!("{} {}", u16::from(f.code), f.reason)
                        .trim_end()
                        .to_string(),
                    None => "no close code".into(),
                });
                break;
            }
            // Pings are answered by tungstenite itself; keep waiting.
            Ok(Some(Ok(_))) => {}
        }
    }
    if report.closed_by_server.is_none() {
        let _ = tokio::time::timeout(Duration::from_millis(100), ws.close(None)).await;
    }
    let _ = tokio::time::timeout(Duration::from_millis(100), ws.flush()).await;
    Ok(report)
}

fn header_list(h: &tungstenite::http::HeaderMap) -> Vec<(String, String)> {
    h.iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
}
