//! The router, the accept loop (plain TCP or TLS, HTTP/1.1 with upgrades)
//! and the handle that owns a running fixture.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};
use tokio_rustls::TlsAcceptor;

use crate::config::{FixtureConfig, RateLimit, Tokens};
use crate::error::{FixtureError, Result};
use crate::faults::Faults;
use crate::routes_nox::Science;
use crate::state::{FixtureControl, RECORDED_BODY_LIMIT, RecordedRequest, Shared};
use crate::{routes_aux, routes_common, routes_echo, routes_nova, routes_nox, ws};

/// How long a TLS handshake may take before the connection is dropped.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Largest request body accepted (larger → 413), like axum's default.
const BODY_LIMIT: usize = 2 * 1024 * 1024;

/// Records every request (body included), then applies the `delay` fault.
async fn record_and_delay(State(s): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    let (bytes, too_large) = match axum::body::to_bytes(body, BODY_LIMIT).await {
        Ok(b) => (b, false),
        Err(_) => (Bytes::new(), true),
    };
    let kept = &bytes[..bytes.len().min(RECORDED_BODY_LIMIT)];
    s.record(RecordedRequest {
        method: parts.method.as_str().to_ascii_uppercase(),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().map(str::to_string),
        authorized: parts.headers.contains_key(header::AUTHORIZATION),
        headers: parts
            .headers
            .iter()
            .map(|(n, v)| {
                let v = String::from_utf8_lossy(v.as_bytes()).into_owned();
                (n.as_str().to_string(), v)
            })
            .collect(),
        body: String::from_utf8_lossy(kept).into_owned(),
    });
    if let Some(delay) = s.faults().delay {
        tokio::time::sleep(delay).await;
    }
    if too_large {
        return (StatusCode::PAYLOAD_TOO_LARGE, "request body too large").into_response();
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

fn science(kind: Science) -> axum::routing::MethodRouter<Arc<Shared>> {
    post(
        move |State(s): State<Arc<Shared>>, headers: HeaderMap, body: axum::body::Bytes| {
            routes_nox::science(s, kind, headers, body)
        },
    )
}

/// Every route of every personality, on one router.
fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        // common (all seeds)
        .route("/", get(routes_common::root))
        .route("/health", get(routes_common::health))
        .route("/api/v1/health", get(routes_common::health))
        .route("/version", get(routes_common::version))
        .route("/ready", get(routes_common::ready))
        .route("/metrics", get(routes_common::metrics))
        // NOX API (000, 001)
        .route("/api/auth/{provider}/url", get(routes_nox::oauth_url))
        .route("/api/auth/refresh", post(routes_nox::refresh))
        .route("/api/auth/revoke", post(routes_nox::revoke))
        .route("/api/user/profile", get(routes_nox::profile))
        .route("/api/admin/users", get(routes_nox::admin_users))
        .route("/xtb/v1", science(Science::Xtb))
        .route("/psi4/v1", science(Science::Psi4))
        .route("/empirical/v1", science(Science::Empirical))
        .route("/predict/cj/v1", science(Science::Cj))
        .route(
            "/api/ai/security/analyze",
            post(routes_nox::security_analyze),
        )
        .route("/api/analytics/event", post(routes_nox::analytics_event))
        .route("/ws", get(ws::nox_ws))
        // Nova streaming (003)
        .route(
            "/api/v1/streams",
            get(routes_nova::list_all).post(routes_nova::create),
        )
        .route("/api/v1/streams/active", get(routes_nova::list_active))
        .route(
            "/api/v1/streams/{id}",
            get(routes_nova::get).delete(routes_nova::delete),
        )
        .route("/api/v1/streams/{id}/ws", get(ws::stream_ws))
        // side services (002, 003, 000's Slack webhook)
        .route("/-/healthy", get(routes_aux::prometheus_healthy))
        .route("/-/ready", get(routes_aux::prometheus_ready))
        .route("/api/v1/query", get(routes_aux::prometheus_query))
        .route("/api/health", get(routes_aux::grafana_health))
        .route("/stat", get(routes_aux::rtmp_stat))
        .route("/services/{*path}", post(routes_aux::slack_webhook))
        .route(
            "/debug/echo-credentials",
            get(routes_echo::echo_credentials),
        )
        .route("/debug/escapes", get(routes_echo::escapes))
        .fallback(routes_common::not_found)
        .layer(middleware::from_fn_with_state(
            shared.clone(),
            record_and_delay,
        ))
        .with_state(shared)
}

async fn serve_connection<IO>(io: IO, app: Router)
where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let _ = hyper::server::conn::http1::Builder::new()
        .serve_connection(TokioIo::new(io), TowerToHyperService::new(app))
        .with_upgrades()
        .await;
}

/// Accepts connections until shutdown is signalled (or its sender dropped),
/// then aborts the connections still open.
pub(crate) async fn accept_loop(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    app: Router,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = shutdown.changed() => break,
            accepted = listener.accept() => {
                let Ok((tcp, _peer)) = accepted else {
                    // e.g. too many open files: back off instead of spinning
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                };
                let _ = tcp.set_nodelay(true);
                let app = app.clone();
                let tls = tls.clone();
                connections.spawn(async move {
                    match tls {
                        None => serve_connection(tcp, app).await,
                        Some(acceptor) => {
                            let handshake = tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(tcp));
                            if let Ok(Ok(stream)) = handshake.await {
                                serve_connection(stream, app).await;
                            }
                        }
                    }
                });
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    connections.shutdown().await;
}

/// Starts the fixture service over plain HTTP on `config.addr` (loopback
/// only; port 0 picks a free port). The service runs on the current tokio
/// runtime until the handle is dropped or [`FixtureHandle::shutdown`] is
/// awaited.
pub async fn start(config: FixtureConfig) -> Result<FixtureHandle> {
    start_inner(config, None).await
}

pub(crate) async fn start_with_tls(
    config: FixtureConfig,
    acceptor: TlsAcceptor,
) -> Result<FixtureHandle> {
    start_inner(config, Some(acceptor)).await
}

async fn start_inner(config: FixtureConfig, tls: Option<TlsAcceptor>) -> Result<FixtureHandle> {
    if !config.addr.ip().is_loopback() {
        return Err(FixtureError::NotLoopback(config.addr));
    }
    let listener = TcpListener::bind(config.addr).await?;
    let addr = listener.local_addr()?;
    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    let scheme = if tls.is_some() { "https" } else { "http" };
    let shared = Arc::new(Shared::new(&config, scheme, shutdown_rx.clone()));
    let app = router(shared.clone());
    let task = tokio::spawn(accept_loop(listener, tls, app, shutdown_rx));
    Ok(FixtureHandle {
        addr,
        scheme,
        control: FixtureControl { shared },
        shutdown: shutdown_tx,
        task: Some(task),
    })
}

/// A running fixture. Dropping it stops the service (open connections,
/// WebSockets included, are closed); [`FixtureHandle::shutdown`] also waits
/// for that.
#[derive(Debug)]
pub struct FixtureHandle {
    addr: SocketAddr,
    scheme: &'static str,
    control: FixtureControl,
    shutdown: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl FixtureHandle {
    /// The address actually bound (with the real port when 0 was asked).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT` (`https://…` for a [`crate::TlsFixture`]).
    pub fn base_url(&self) -> String {
        format!("{}://{}", self.scheme, self.addr)
    }

    /// `base_url()` followed by `path` (which should start with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url())
    }

    /// `ws://127.0.0.1:PORT/ws` (`wss://…` over TLS).
    pub fn ws_url(&self) -> String {
        let scheme = if self.scheme == "https" { "wss" } else { "ws" };
        format!("{scheme}://{}/ws", self.addr)
    }

    /// A cloneable control that outlives borrows of the handle (it does not
    /// keep the server running).
    pub fn control(&self) -> FixtureControl {
        self.control.clone()
    }

    /// The faults now in force.
    pub fn faults(&self) -> Faults {
        self.control.faults()
    }

    /// Replaces all faults; applies to the next request.
    pub fn set_faults(&self, faults: Faults) {
        self.control.set_faults(faults);
    }

    /// Changes some faults in place.
    pub fn update_faults(&self, change: impl FnOnce(&mut Faults)) {
        self.control.update_faults(change);
    }

    /// Replaces the rate limit on `/api/v1/streams*` (`None` disables it).
    pub fn set_rate_limit(&self, limit: Option<RateLimit>) {
        self.control.set_rate_limit(limit);
    }

    /// The tokens this fixture accepts and rejects.
    pub fn tokens(&self) -> &Tokens {
        self.control.tokens()
    }

    /// Requests received with this method and exact path (no query).
    pub fn request_count(&self, method: &str, path: &str) -> u64 {
        self.control.request_count(method, path)
    }

    /// Requests received with this method, any path.
    pub fn method_count(&self, method: &str) -> u64 {
        self.control.method_count(method)
    }

    /// All requests received.
    pub fn total_requests(&self) -> u64 {
        self.control.total_requests()
    }

    /// The request log (first [`crate::REQUEST_LOG_CAPACITY`] requests).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.control.requests()
    }

    /// Stops accepting, closes open connections and waits for the server
    /// task to finish.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for FixtureHandle {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}

/// A service running on a thread of its own (see [`serve_on_thread`]):
/// dropping it stops the service and joins the thread.
#[derive(Debug)]
pub(crate) struct ServerThread {
    stop: watch::Sender<bool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for ServerThread {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Serves `app` on `listener` (already bound, non-blocking) from a new
/// thread with a single-threaded runtime; returns once it is accepting.
pub(crate) fn serve_on_thread(
    name: &str,
    listener: std::net::TcpListener,
    app: Router,
) -> Result<ServerThread> {
    let (stop_tx, stop_rx) = watch::channel(false);
    let (ready_tx, ready_rx) = std::sync::mpsc::channel::<Result<()>>();
    let thread = std::thread::Builder::new()
        .name(name.into())
        .spawn(move || {
            let rt = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    let _ = ready_tx.send(Err(e.into()));
                    return;
                }
            };
            rt.block_on(async move {
                let listener = match TcpListener::from_std(listener) {
                    Ok(l) => l,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e.into()));
                        return;
                    }
                };
                let _ = ready_tx.send(Ok(()));
                accept_loop(listener, None, app, stop_rx).await;
            });
        })?;
    ready_rx
        .recv()
        .map_err(|_| FixtureError::Thread(format!("{name} thread exited before starting")))??;
    Ok(ServerThread {
        stop: stop_tx,
        thread: Some(thread),
    })
}
