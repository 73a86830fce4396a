//! Test servers and certificates.

#![allow(dead_code)]

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::ServerConfig;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

/// Aborts the server task when dropped.
pub struct Server {
    pub addr: SocketAddr,
    pub requests: Arc<Mutex<Vec<RawRequest>>>,
    task: JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Server {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn https_url(&self, path: &str) -> String {
        format!("https://localhost:{}{path}", self.addr.port())
    }

    pub fn last_request(&self) -> RawRequest {
        self.requests
            .lock()
            .unwrap()
            .last()
            .cloned()
            .expect("a request was received")
    }
}

/// A request as the test server saw it.
#[derive(Debug, Clone)]
pub struct RawRequest {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RawRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

pub type Handler = Arc<dyn Fn(&RawRequest) -> Vec<u8> + Send + Sync>;

/// A complete HTTP/1.1 response with a Content-Length.
pub fn response(status: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status}\r\n");
    for (k, v) in headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    let mut out = out.into_bytes();
    out.extend_from_slice(body);
    out
}

/// Plain HTTP/1.1 server on 127.0.0.1:0 answering every request with `handler`.
pub async fn http_server(
    handler: impl Fn(&RawRequest) -> Vec<u8> + Send + Sync + 'static,
) -> Server {
    serve(Arc::new(handler), None).await
}

/// HTTPS (HTTP/1.1 over TLS) server on 127.0.0.1:0.
pub async fn https_server(
    config: ServerConfig,
    handler: impl Fn(&RawRequest) -> Vec<u8> + Send + Sync + 'static,
) -> Server {
    serve(Arc::new(handler), Some(TlsAcceptor::from(Arc::new(config)))).await
}

async fn serve(handler: Handler, tls: Option<TlsAcceptor>) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let requests = Arc::new(Mutex::new(Vec::new()));
    let recorded = requests.clone();
    let task = tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let handler = handler.clone();
            let recorded = recorded.clone();
            let tls = tls.clone();
            tokio::spawn(async move {
                match tls {
                    Some(acceptor) => {
                        if let Ok(s) = acceptor.accept(stream).await {
                            handle_conn(s, handler, recorded).await;
                        }
                    }
                    None => handle_conn(stream, handler, recorded).await,
                }
            });
        }
    });
    Server {
        addr,
        requests,
        task,
    }
}

async fn handle_conn<S: AsyncRead + AsyncWrite + Unpin>(
    mut s: S,
    handler: Handler,
    recorded: Arc<Mutex<Vec<RawRequest>>>,
) {
    let mut buf = Vec::new();
    loop {
        let Some(req) = read_request(&mut s, &mut buf).await else {
            return;
        };
        recorded.lock().unwrap().push(req.clone());
        let resp = handler(&req);
        if s.write_all(&resp).await.is_err() || s.flush().await.is_err() {
            return;
        }
    }
}

/// Reads one request (headers plus Content-Length body) from `s`, keeping leftovers in `buf`.
async fn read_request<S: AsyncRead + Unpin>(s: &mut S, buf: &mut Vec<u8>) -> Option<RawRequest> {
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = s.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_string();
    let path = first.next()?.to_string();
    let headers: Vec<(String, String)> = lines
        .filter(|l| !l.is_empty())
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let len = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    while buf.len() < head_end + len {
        let n = s.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = buf[head_end..head_end + len].to_vec();
    buf.drain(..head_end + len);
    Some(RawRequest {
        method,
        path,
        headers,
        body,
    })
}

/// A server that accepts connections and never says anything.
pub async fn silent_server() -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        let mut held: Vec<TcpStream> = Vec::new();
        while let Ok((s, _)) = listener.accept().await {
            held.push(s);
        }
    });
    Server {
        addr,
        requests: Arc::default(),
        task,
    }
}

/// An address on 127.0.0.1 where nothing listens.
pub async fn closed_addr() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    addr
}

pub const DAY: i64 = 86_400;

pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn at(unix: i64) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp(unix).unwrap()
}

/// A test CA and one leaf certificate.
pub struct Certs {
    pub ca: CertificateDer<'static>,
    pub ca_pem: String,
    pub leaf: CertificateDer<'static>,
    pub key: PrivateKeyDer<'static>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Leaf {
    /// CA-signed, for localhost and 127.0.0.1, valid for 90 more days.
    Valid,
    /// CA-signed, expired 3 days and 1 hour ago.
    Expired,
    /// Self-signed, for localhost.
    SelfSigned,
}

pub fn certs(kind: Leaf) -> Certs {
    let now = unix_now();
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.distinguished_name = rcgen::DistinguishedName::new();
    ca.distinguished_name
        .push(DnType::CommonName, "greenlight probe test CA");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    ca.not_before = at(now - 30 * DAY);
    ca.not_after = at(now + 365 * DAY);
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca, ca_key);

    let mut leaf =
        CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()]).unwrap();
    leaf.distinguished_name = rcgen::DistinguishedName::new();
    leaf.distinguished_name
        .push(DnType::CommonName, "localhost");
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    let (from, until) = match kind {
        Leaf::Expired => (now - 20 * DAY, now - 3 * DAY - 3600),
        _ => (now - DAY, now + 90 * DAY + 3600),
    };
    leaf.not_before = at(from);
    leaf.not_after = at(until);
    let leaf_key = KeyPair::generate().unwrap();
    let cert = if kind == Leaf::SelfSigned {
        leaf.self_signed(&leaf_key).unwrap()
    } else {
        leaf.use_authority_key_identifier_extension = true;
        leaf.signed_by(&leaf_key, &issuer).unwrap()
    };
    Certs {
        ca: ca_cert.der().clone(),
        ca_pem: ca_cert.pem(),
        leaf: cert.der().clone(),
        key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
    }
}

/// A rustls server config for `certs`, TLS 1.3 + 1.2 or TLS 1.2 only, with the given ALPN.
pub fn server_config(certs: &Certs, tls12_only: bool, alpn: &[&[u8]]) -> ServerConfig {
    static TLS12: &[&rustls::SupportedProtocolVersion] = &[&rustls::version::TLS12];
    static BOTH: &[&rustls::SupportedProtocolVersion] =
        &[&rustls::version::TLS13, &rustls::version::TLS12];
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut cfg = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(if tls12_only { TLS12 } else { BOTH })
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![certs.leaf.clone()], certs.key.clone_key())
        .unwrap();
    cfg.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    cfg
}

/// Whether a missing PostgreSQL/Redis must fail the test.
pub fn services_required() -> bool {
    std::env::var("GREENLIGHT_REQUIRE_SERVICES").is_ok_and(|v| v == "1")
}

/// True when something accepts TCP connections at `addr`; otherwise prints a note and returns
/// false, or panics when services are required.
pub async fn service_available(name: &str, addr: &str) -> bool {
    let up = tokio::time::timeout(Duration::from_secs(1), TcpStream::connect(addr))
        .await
        .is_ok_and(|r| r.is_ok());
    if !up {
        assert!(
            !services_required(),
            "{name} at {addr} is required (GREENLIGHT_REQUIRE_SERVICES=1) but unreachable"
        );
        eprintln!("note: {name} at {addr} is unreachable; skipping this test");
    }
    up
}
