//! Connections of one VU: TCP or TLS streams, HTTP/1.1 or HTTP/2 through hyper's
//! connection-level API, one connection per origin, reused (keep-alive) until it breaks.
//!
//! An HTTP/1 connection future is polled *inside* the VU's own task together with the request
//! (no second task and no cross-task wake-up per request). The request timeout uses one lazily
//! re-armed timer per VU, so a request costs no timer-wheel insertion in the common case.

use std::future::{Future, poll_fn};
use std::io;
use std::net::SocketAddr;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, Request, Uri, header};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::{http1, http2};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::{Instant, Sleep};
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use crate::error::{ErrorKind, LoadError};
use crate::model::LoadConfig;
use crate::raw_h1::{self, RawConn};

/// Where requests of one or more targets go.
#[derive(Debug, Clone)]
pub(crate) struct Origin {
    /// Resolved address.
    pub addr: SocketAddr,
    /// TLS server name for `https`.
    pub tls_name: Option<rustls::pki_types::ServerName<'static>>,
}

/// A target ready to be sent: parsed once, cloned cheaply per request.
#[derive(Debug, Clone)]
pub(crate) struct PreparedTarget {
    pub origin: usize,
    pub method: Method,
    pub uri: Uri,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub keep_body: bool,
    /// The whole HTTP/1.1 request, serialised once, for plain-HTTP/1.1
    /// origins (the [`crate::raw_h1`] fast path).
    pub wire: Option<Bytes>,
}

/// Everything the VUs share, read-only.
pub(crate) struct Plan {
    pub origins: Vec<Origin>,
    pub targets: Vec<PreparedTarget>,
    pub tls: Option<TlsConnector>,
    pub http2: bool,
    pub keep_alive: bool,
    pub timeout: Duration,
}

impl Plan {
    /// Parses the targets' URLs, resolves each origin once and builds the TLS configuration.
    pub(crate) async fn prepare(config: &LoadConfig) -> Result<Plan, LoadError> {
        let mut keys: Vec<(bool, String, u16)> = Vec::new();
        let mut origins = Vec::new();
        let mut targets = Vec::with_capacity(config.targets.len());
        for t in &config.targets {
            let bad = |m: &str| LoadError::InvalidConfig(format!("{}: {m}", t.url));
            let uri: Uri = t.url.parse().map_err(|_| bad("not a valid URL"))?;
            let tls = match uri.scheme_str() {
                Some("http") => false,
                Some("https") => true,
                _ => return Err(bad("scheme must be http or https")),
            };
            let authority = uri.authority().ok_or_else(|| bad("no host"))?.clone();
            let host = authority
                .host()
                .trim_start_matches('[')
                .trim_end_matches(']');
            let port = authority.port_u16().unwrap_or(if tls { 443 } else { 80 });
            let key = (tls, host.to_string(), port);
            let origin = match keys.iter().position(|k| *k == key) {
                Some(i) => i,
                None => {
                    let resolve = |reason: String| LoadError::Resolve {
                        host: format!("{host}:{port}"),
                        reason,
                    };
                    let addr = tokio::net::lookup_host((host, port))
                        .await
                        .map_err(|e| resolve(e.to_string()))?
                        .next()
                        .ok_or_else(|| resolve("no address".into()))?;
                    let tls_name = if tls {
                        Some(
                            rustls::pki_types::ServerName::try_from(host.to_string())
                                .map_err(|_| bad("host is not a valid TLS server name"))?,
                        )
                    } else {
                        None
                    };
                    keys.push(key);
                    origins.push(Origin { addr, tls_name });
                    keys.len() - 1
                }
            };
            let method = Method::from_bytes(t.method.as_bytes()).map_err(|_| bad("bad method"))?;
            let mut headers = HeaderMap::new();
            if !config.http2 {
                let host_value = HeaderValue::from_str(authority.as_str())
                    .map_err(|_| bad("host is not a valid header value"))?;
                headers.insert(header::HOST, host_value);
            }
            // Like wrk, no User-Agent unless the target sets one: every byte of request
            // header is server work at 100k requests/s.
            if !config.keep_alive && !config.http2 {
                headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
            }
            for (k, v) in &t.headers {
                let name = header::HeaderName::from_bytes(k.as_bytes())
                    .map_err(|_| bad(&format!("bad header name {k:?}")))?;
                let value = HeaderValue::from_str(v)
                    .map_err(|_| bad(&format!("bad header value for {k}")))?;
                headers.insert(name, value);
            }
            // HTTP/1 sends the origin form (`/path?q`); HTTP/2 needs the absolute URI.
            let uri = if config.http2 {
                uri
            } else {
                let pq = uri.path_and_query().map_or("/", |p| p.as_str());
                pq.parse().map_err(|_| bad("bad path"))?
            };
            let body = Bytes::from(t.body.clone().unwrap_or_default());
            let wire = (!tls && !config.http2).then(|| {
                raw_h1::serialize(
                    &method,
                    uri.path_and_query().map_or("/", |p| p.as_str()),
                    &headers,
                    &body,
                )
            });
            targets.push(PreparedTarget {
                origin,
                method,
                uri,
                headers,
                body,
                keep_body: t.checks.iter().any(|c| c.predicate.needs_body()),
                wire,
            });
        }
        let tls = keys
            .iter()
            .any(|k| k.0)
            .then(|| tls_connector(config.http2));
        Ok(Plan {
            origins,
            targets,
            tls,
            http2: config.http2,
            keep_alive: config.keep_alive,
            timeout: config.timeout,
        })
    }
}

fn tls_connector(http2: bool) -> TlsConnector {
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let mut cfg = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("ring supports the default protocol versions")
    .with_root_certificates(roots)
    .with_no_client_auth();
    cfg.alpn_protocols = vec![if http2 {
        b"h2".to_vec()
    } else {
        b"http/1.1".to_vec()
    }];
    TlsConnector::from(Arc::new(cfg))
}

/// A TCP or TLS byte stream.
pub(crate) enum Stream {
    Tcp(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Tcp(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Tcp(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Tcp(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Stream::Tcp(s) => s.is_write_vectored(),
            Stream::Tls(s) => s.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Tcp(s) => Pin::new(s).poll_flush(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Tcp(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

type Body = Full<Bytes>;
type H1Conn = http1::Connection<TokioIo<Stream>, Body>;

/// One open HTTP connection.
enum Conn {
    /// Plain HTTP/1.1 through the fast path.
    Raw(RawConn),
    H1 {
        sender: http1::SendRequest<Body>,
        conn: Pin<Box<H1Conn>>,
    },
    H2 {
        sender: http2::SendRequest<Body>,
    },
}

/// The answer to one request.
#[derive(Debug, Default)]
pub(crate) struct Answer {
    pub status: u16,
    pub bytes: u64,
    /// The body, kept only when a check needs it.
    pub body: Vec<u8>,
}

/// Why driving a future on a connection stopped.
enum DriveError {
    Timeout,
    Closed,
}

/// A timer re-armed only when it fires early: deadlines of one VU only move forward, so one
/// `reset` per timeout period replaces an insertion per request.
struct Watchdog {
    sleep: Pin<Box<Sleep>>,
}

impl Watchdog {
    fn new(timeout: Duration) -> Self {
        Self {
            sleep: Box::pin(tokio::time::sleep(timeout)),
        }
    }

    fn poll_expired(&mut self, cx: &mut Context<'_>, deadline: Instant) -> bool {
        if self.sleep.deadline() > deadline {
            self.sleep.as_mut().reset(deadline);
        }
        loop {
            match self.sleep.as_mut().poll(cx) {
                Poll::Pending => return false,
                Poll::Ready(()) => {
                    if Instant::now() >= deadline {
                        return true;
                    }
                    self.sleep.as_mut().reset(deadline);
                }
            }
        }
    }
}

/// Polls `fut` until it completes, driving the HTTP/1 connection `conn` (if any) in the same
/// task; fails when `deadline` passes or the connection ends before `fut` does.
async fn drive<F: Future>(
    conn: Option<&mut Pin<Box<H1Conn>>>,
    conn_done: &mut bool,
    watchdog: &mut Watchdog,
    deadline: Instant,
    fut: F,
) -> Result<F::Output, DriveError> {
    let mut fut = pin!(fut);
    let mut conn = conn;
    poll_fn(|cx| {
        if let Some(c) = conn.as_mut()
            && !*conn_done
            && c.as_mut().poll(cx).is_ready()
        {
            *conn_done = true;
        }
        if let Poll::Ready(v) = fut.as_mut().poll(cx) {
            return Poll::Ready(Ok(v));
        }
        if *conn_done && conn.is_some() {
            return Poll::Ready(Err(DriveError::Closed));
        }
        if watchdog.poll_expired(cx, deadline) {
            return Poll::Ready(Err(DriveError::Timeout));
        }
        Poll::Pending
    })
    .await
}

/// A VU's HTTP client: its connections (one per origin) and its timeout timer.
pub(crate) struct Client {
    plan: Arc<Plan>,
    conns: Vec<Option<Conn>>,
    watchdog: Watchdog,
}

impl Client {
    pub(crate) fn new(plan: Arc<Plan>) -> Self {
        let conns = plan.origins.iter().map(|_| None).collect();
        let watchdog = Watchdog::new(plan.timeout);
        Self {
            plan,
            conns,
            watchdog,
        }
    }

    async fn connect(&mut self, origin: usize, deadline: Instant) -> Result<Conn, ErrorKind> {
        let plan = Arc::clone(&self.plan);
        let o = &plan.origins[origin];
        let addr = o.addr;
        let mut done = false;
        let fut = async {
            let tcp = TcpStream::connect(addr)
                .await
                .map_err(|_| ErrorKind::Connect)?;
            let _ = tcp.set_nodelay(true);
            let stream = match (&o.tls_name, &plan.tls) {
                (Some(name), Some(tls)) => Stream::Tls(Box::new(
                    tls.connect(name.clone(), tcp)
                        .await
                        .map_err(|_| ErrorKind::Connect)?,
                )),
                _ if !plan.http2 => return Ok(Conn::Raw(RawConn::new(tcp))),
                _ => Stream::Tcp(tcp),
            };
            let io = TokioIo::new(stream);
            if plan.http2 {
                let (sender, conn) = http2::handshake(TokioExecutor::new(), io)
                    .await
                    .map_err(|_| ErrorKind::Connect)?;
                tokio::task::spawn_local(conn);
                Ok(Conn::H2 { sender })
            } else {
                let (sender, conn) = http1::handshake(io).await.map_err(|_| ErrorKind::Connect)?;
                Ok(Conn::H1 {
                    sender,
                    conn: Box::pin(conn),
                })
            }
        };
        match drive(None, &mut done, &mut self.watchdog, deadline, fut).await {
            Ok(r) => r,
            Err(_) => Err(ErrorKind::Connect),
        }
    }

    /// Sends the request of target `t` (starting now, at `now`) and reads the whole answer.
    pub(crate) async fn exchange(&mut self, t: usize, now: Instant) -> Result<Answer, ErrorKind> {
        let deadline = now + self.plan.timeout;
        let origin = self.plan.targets[t].origin;
        // A kept-alive connection the server closed while we were idle is replaced silently.
        let reusable = match &mut self.conns[origin] {
            Some(Conn::Raw(_)) => true,
            Some(Conn::H1 { sender, .. }) if sender.is_ready() => true,
            Some(Conn::H1 { sender, conn }) => {
                let mut done = false;
                let ready = drive(
                    Some(conn),
                    &mut done,
                    &mut self.watchdog,
                    deadline,
                    sender.ready(),
                )
                .await;
                matches!(ready, Ok(Ok(()))) && !done
            }
            Some(Conn::H2 { sender }) => !sender.is_closed(),
            None => false,
        };
        if !reusable {
            self.conns[origin] = None;
            let c = self.connect(origin, deadline).await?;
            self.conns[origin] = Some(c);
        }
        let pt = &self.plan.targets[t];
        if let (Some(Conn::Raw(_)), Some(_)) = (&self.conns[origin], &pt.wire) {
            let plan = Arc::clone(&self.plan);
            let pt = &plan.targets[t];
            let wire = pt.wire.as_ref().expect("checked above");
            let head = pt.method == Method::HEAD;
            let mut retried = false;
            loop {
                let Some(Conn::Raw(raw)) = self.conns[origin].as_mut() else {
                    unreachable!("a raw connection is open")
                };
                let mut done = false;
                let fut = raw.round_trip(wire, head, pt.keep_body);
                let result = drive(None, &mut done, &mut self.watchdog, deadline, fut).await;
                let outcome = match result {
                    Ok(Ok((answer, reusable))) => {
                        if !reusable || !self.plan.keep_alive {
                            self.conns[origin] = None;
                        }
                        Ok(answer)
                    }
                    Ok(Err(_)) if !retried && raw.closed_while_idle() => {
                        // The server closed the idle connection: send again on a new one.
                        retried = true;
                        self.conns[origin] = None;
                        let c = self.connect(origin, deadline).await?;
                        self.conns[origin] = Some(c);
                        continue;
                    }
                    Ok(Err(_)) => {
                        self.conns[origin] = None;
                        Err(ErrorKind::Other)
                    }
                    Err(_) => {
                        self.conns[origin] = None;
                        Err(ErrorKind::Timeout)
                    }
                };
                return outcome;
            }
        }
        let mut req = Request::new(Full::new(pt.body.clone()));
        *req.method_mut() = pt.method.clone();
        *req.uri_mut() = pt.uri.clone();
        *req.headers_mut() = pt.headers.clone();
        let keep_body = pt.keep_body;
        let mut done = false;
        let result = match self.conns[origin].as_mut() {
            Some(Conn::H1 { sender, conn }) => {
                let fut = read_answer(sender.send_request(req), keep_body);
                drive(Some(conn), &mut done, &mut self.watchdog, deadline, fut).await
            }
            Some(Conn::H2 { sender }) => {
                let fut = async {
                    sender.ready().await?;
                    read_answer(sender.send_request(req), keep_body).await
                };
                drive(None, &mut done, &mut self.watchdog, deadline, fut).await
            }
            Some(Conn::Raw(_)) | None => unreachable!("connected above; raw answered above"),
        };
        let outcome = match result {
            Ok(Ok(answer)) => Ok(answer),
            Ok(Err(_)) | Err(DriveError::Closed) => {
                done = true;
                Err(ErrorKind::Other)
            }
            Err(DriveError::Timeout) => {
                done = true;
                Err(ErrorKind::Timeout)
            }
        };
        if done || !self.plan.keep_alive {
            self.conns[origin] = None;
        }
        outcome
    }
}

/// Why an answer through hyper was not read.
#[derive(Debug)]
enum AnswerError {
    Http,
    /// The `Content-Length` or the body itself passed [`raw_h1::MAX_BODY`].
    TooLarge,
}

impl From<hyper::Error> for AnswerError {
    fn from(_: hyper::Error) -> Self {
        AnswerError::Http
    }
}

async fn read_answer(
    resp: impl Future<Output = hyper::Result<http::Response<hyper::body::Incoming>>>,
    keep_body: bool,
) -> Result<Answer, AnswerError> {
    let resp = resp.await?;
    let declared = resp
        .headers()
        .get_all(header::CONTENT_LENGTH)
        .iter()
        .map(|v| v.to_str().ok().and_then(|v| v.trim().parse::<u64>().ok()));
    for length in declared {
        if length.is_none_or(|n| n > raw_h1::MAX_BODY) {
            return Err(AnswerError::TooLarge);
        }
    }
    let mut answer = Answer {
        status: resp.status().as_u16(),
        ..Answer::default()
    };
    let mut body = resp.into_body();
    while let Some(frame) = body.frame().await {
        if let Some(data) = frame?.data_ref() {
            answer.bytes += data.len() as u64;
            if answer.bytes > raw_h1::MAX_BODY {
                return Err(AnswerError::TooLarge);
            }
            if keep_body {
                answer.body.extend_from_slice(data);
            }
        }
    }
    Ok(answer)
}
