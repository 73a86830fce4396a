//! Servers that stall, lie about their length or are not there: none of it may look healthy.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use greenlight_load::{LoadConfig, LoadError, parse_threshold, run, run_until};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A raw HTTP/1.1 server: connection `n` (0-based) never answers when `hang(n)`; the others
/// answer one request with `answer` and close. Returns its address and the task to abort.
async fn scripted(
    hang: fn(u64) -> bool,
    answer: &'static [u8],
) -> (std::net::SocketAddr, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        let conns = Arc::new(AtomicU64::new(0));
        loop {
            let Ok((mut s, _)) = listener.accept().await else {
                return;
            };
            let n = conns.fetch_add(1, Ordering::Relaxed);
            tokio::spawn(async move {
                let mut buf = [0u8; 1024];
                let mut seen = Vec::new();
                while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                    match s.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => seen.extend_from_slice(&buf[..n]),
                    }
                }
                if hang(n) {
                    // Hold the connection open, say nothing.
                    tokio::time::sleep(Duration::from_secs(120)).await;
                    return;
                }
                let _ = s.write_all(answer).await;
            });
        }
    });
    (addr, task)
}

const OK_CLOSE: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_left_unanswered_at_the_end_are_failures() {
    let _cpu = crate::CPU.read().await;
    let (addr, server) = scripted(|n| n % 2 == 1, OK_CLOSE).await;
    let mut cfg = LoadConfig::closed(format!("http://{addr}/"), 4, Duration::from_secs(1));
    cfg.timeout = Duration::from_secs(2);
    cfg.thresholds = vec![parse_threshold("http_req_failed", "rate<0.01").unwrap()];
    let t0 = Instant::now();
    let r = run(cfg, None).await.unwrap();
    server.abort();
    // Ended by the grace period (the timeout), not by the 120 s hang.
    assert!(t0.elapsed() < Duration::from_secs(6), "{:?}", t0.elapsed());
    assert!(r.errors.timeout >= 4, "{:?}", r.errors);
    assert!(
        (0.3..=0.7).contains(&r.failed_rate),
        "failed_rate {} {:?}",
        r.failed_rate,
        r.errors
    );
    assert!(!r.thresholds[0].ok, "{:?}", r.thresholds);
    // The elapsed time is the run's, not the grace period's.
    assert!(r.duration_s < 1.5, "{}", r.duration_s);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_answers_in_flight_at_the_end_are_waited_for() {
    let _cpu = crate::CPU.read().await;
    let srv = crate::server::spawn(crate::server::Behaviour {
        delay: Duration::from_millis(400),
        ..Default::default()
    })
    .await;
    let cfg = LoadConfig::closed(srv.url("/health"), 2, Duration::from_millis(500));
    let r = run(cfg, None).await.unwrap();
    // Each VU had one request in flight at 500 ms; both answered within the grace period.
    assert_eq!(r.failed, 0, "{:?}", r.errors);
    assert_eq!(r.requests, 4, "{r:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_run_counts_what_was_in_flight() {
    let _cpu = crate::CPU.read().await;
    let (addr, server) = scripted(|_| true, OK_CLOSE).await;
    let cfg = LoadConfig::closed(format!("http://{addr}/"), 3, Duration::from_secs(30));
    let (cancel_tx, cancel_rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let _ = cancel_tx.send(true);
    });
    let t0 = Instant::now();
    let r = run_until(cfg, None, Some(cancel_rx)).await.unwrap();
    server.abort();
    assert!(t0.elapsed() < Duration::from_secs(3), "{:?}", t0.elapsed());
    assert!(r.aborted.is_some());
    assert_eq!((r.requests, r.errors.timeout), (3, 3), "{r:?}");
    assert_eq!(r.failed_rate, 1.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn absurd_or_unfinished_lengths_are_errors() {
    let _cpu = crate::CPU.read().await;
    let answers: [&'static [u8]; 4] = [
        // Over the body limit.
        b"HTTP/1.1 200 OK\r\nContent-Length: 99999999999\r\nConnection: close\r\n\r\nok",
        // Not even a u64.
        b"HTTP/1.1 200 OK\r\nContent-Length: 999999999999999999999999\r\nConnection: close\r\n\r\nok",
        // Two lengths that disagree.
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok",
        // More promised than ever arrives before the close.
        b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nConnection: close\r\n\r\nok",
    ];
    for answer in answers {
        let (addr, server) = scripted(|_| false, answer).await;
        let mut cfg = LoadConfig::closed(format!("http://{addr}/"), 1, Duration::from_secs(5));
        cfg.max_requests = Some(5);
        let r = run(cfg, None).await.unwrap();
        server.abort();
        assert_eq!((r.requests, r.failed), (5, 5), "{:?}: {r:?}", answer);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_never_ends_times_out() {
    let _cpu = crate::CPU.read().await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 1024];
                let _ = s.read(&mut buf).await;
                let _ = s.write_all(b"HTTP/1.1 200 OK\r\n\r\n").await;
                // A body framed by the close that never comes, trickling forever.
                while s.write_all(b"x").await.is_ok() {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            });
        }
    });
    let mut cfg = LoadConfig::closed(format!("http://{addr}/"), 1, Duration::from_secs(5));
    cfg.timeout = Duration::from_millis(300);
    cfg.max_requests = Some(2);
    let r = run(cfg, None).await.unwrap();
    server.abort();
    assert_eq!((r.requests, r.errors.timeout), (2, 2), "{r:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_that_does_not_resolve_ends_the_run_at_once() {
    let cfg = LoadConfig::closed(
        format!("http://{}/", UNRESOLVABLE),
        2,
        Duration::from_secs(30),
    );
    let t0 = Instant::now();
    let err = run(cfg, None).await.unwrap_err();
    assert!(t0.elapsed() < Duration::from_secs(20), "{:?}", t0.elapsed());
    assert!(
        matches!(&err, LoadError::Resolve { host, .. } if host == &format!("{UNRESOLVABLE}:80")),
        "{err}"
    );
    assert!(
        err.to_string()
            .starts_with(&format!("cannot resolve {UNRESOLVABLE}:80"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_port_is_not_hammered() {
    let _cpu = crate::CPU.read().await;
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let mut cfg = LoadConfig::closed(format!("http://{dead}/"), 4, Duration::from_secs(1));
    cfg.thresholds = vec![parse_threshold("http_req_failed", "rate<0.01").unwrap()];
    let r = run(cfg, None).await.unwrap();
    // Without a back-off this is tens of thousands of attempts a second.
    assert!(r.requests >= 8 && r.requests < 200, "{r:?}");
    assert_eq!(r.errors.connect, r.requests);
    assert!(!r.thresholds[0].ok);
}

/// A host name no resolver can look up, failing before any packet is sent: a
/// label of 64 characters is longer than DNS allows, so the C library refuses
/// the query locally (no traffic leaves loopback, unlike `*.invalid`, which
/// goes to the system's resolver).
const UNRESOLVABLE: &str =
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.invalid";
