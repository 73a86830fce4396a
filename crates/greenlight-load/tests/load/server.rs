//! In-process HTTP fixture servers on 127.0.0.1:0 with scripted behaviour.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpListener;
use tokio::time::Instant;

/// How the fixture answers.
#[derive(Debug, Clone, Default)]
pub struct Behaviour {
    /// Sleep this long before answering.
    pub delay: Duration,
    /// Every n-th request (1-based, counted over the whole server) answers 500.
    pub fail_every: Option<u64>,
    /// `(start after server start, length)`: requests arriving inside the window are held
    /// until it ends — one global stall.
    pub stall: Option<(Duration, Duration)>,
    /// Speak HTTP/2 (prior knowledge) instead of HTTP/1.1.
    pub http2: bool,
}

/// A running fixture; stops when dropped.
pub struct Server {
    pub addr: SocketAddr,
    pub requests: Arc<AtomicU64>,
    task: tokio::task::JoinHandle<()>,
}

impl Server {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub async fn spawn(b: Behaviour) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let requests = Arc::new(AtomicU64::new(0));
    let counter = Arc::clone(&requests);
    let b = Arc::new(b);
    let start = Instant::now();
    let task = tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let _ = stream.set_nodelay(true);
            let b = Arc::clone(&b);
            let counter = Arc::clone(&counter);
            let http2 = b.http2;
            tokio::spawn(async move {
                let svc = service_fn(move |req: Request<hyper::body::Incoming>| {
                    let b = Arc::clone(&b);
                    let n = counter.fetch_add(1, Ordering::Relaxed) + 1;
                    async move { Ok::<_, Infallible>(answer(&b, start, n, req).await) }
                });
                let io = TokioIo::new(stream);
                if http2 {
                    let _ = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
                        .serve_connection(io, svc)
                        .await;
                } else {
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(io, svc)
                        .await;
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

async fn answer(
    b: &Behaviour,
    start: Instant,
    n: u64,
    req: Request<hyper::body::Incoming>,
) -> Response<Full<Bytes>> {
    let arrived = Instant::now();
    if let Some((at, len)) = b.stall {
        let (s, e) = (start + at, start + at + len);
        if arrived >= s && arrived < e {
            tokio::time::sleep_until(e).await;
        }
    }
    if !b.delay.is_zero() {
        // tokio's timer has 1 ms granularity: sleep to just before the target, then yield
        // until it, so the fixture's delay is exact to a few µs.
        let target = arrived + b.delay;
        tokio::time::sleep_until(target - Duration::from_millis(2)).await;
        while Instant::now() < target {
            tokio::task::yield_now().await;
        }
    }
    let status = match (req.uri().path(), b.fail_every) {
        ("/missing", _) => StatusCode::NOT_FOUND,
        (_, Some(k)) if n.is_multiple_of(k) => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::OK,
    };
    let mut resp = Response::new(Full::new(Bytes::from_static(br#"{"status":"healthy"}"#)));
    *resp.status_mut() = status;
    resp
}
