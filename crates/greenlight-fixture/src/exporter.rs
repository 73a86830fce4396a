//! A service's own Prometheus instrumentation, for a real Prometheus to
//! scrape: `GET /metrics` in the text exposition format 0.0.4, with
//!
//! - `http_requests_total{code="200"|"500"}`, a counter of requests by
//!   status; as with the client libraries' labelled counters, a code's
//!   series appears with its first request (no `code="500"` series before
//!   the first error, so an error-ratio query has no value until then);
//! - `http_request_duration_seconds`, a latency histogram (`_bucket{le=…}`,
//!   `_sum`, `_count`).
//!
//! The traffic behind the numbers is simulated at a steady rate, so a rate
//! over any window is known: [`Traffic`] says how many requests a second,
//! which share fail and how long each takes, and
//! [`MetricsExporter::set_traffic`] switches it while running (a deploy
//! going bad mid-window). The counters are advanced from the clock when
//! they are read or the traffic changes, so every second before a switch is
//! counted with the old traffic and every second after with the new one.
//!
//! ```no_run
//! use greenlight_fixture::{MetricsExporter, Traffic};
//! use std::time::Duration;
//! let exporter = MetricsExporter::start(Traffic::default()).unwrap();
//! let target = exporter.addr(); // scrape http://{target}/metrics
//! exporter.set_traffic(Traffic { error_share: 0.3, ..Traffic::default() });
//! # let _ = (target, Duration::ZERO);
//! ```

use std::fmt::Write as _;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::error::FixtureError;

/// Upper bounds (seconds) of the latency histogram's buckets, `+Inf` aside:
/// the client libraries' defaults.
pub const LATENCY_BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The simulated traffic: its rate, error share and latency.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Traffic {
    /// Requests a second (a value that is not a finite number above zero
    /// counts as no traffic).
    pub requests_per_sec: f64,
    /// The share of requests answered 500, from 0 to 1 (clamped).
    pub error_share: f64,
    /// How long every request takes.
    pub latency: Duration,
}

impl Default for Traffic {
    /// A healthy service: 100 requests a second, none failing, 80 ms each.
    fn default() -> Self {
        Traffic {
            requests_per_sec: 100.0,
            error_share: 0.0,
            latency: Duration::from_millis(80),
        }
    }
}

impl Traffic {
    fn rate(&self) -> f64 {
        if self.requests_per_sec.is_finite() && self.requests_per_sec > 0.0 {
            self.requests_per_sec
        } else {
            0.0
        }
    }

    fn share(&self) -> f64 {
        if self.error_share.is_nan() {
            0.0
        } else {
            self.error_share.clamp(0.0, 1.0)
        }
    }
}

/// The counters, advanced to `since`.
#[derive(Debug)]
struct Counters {
    traffic: Traffic,
    since: Instant,
    /// Fractions of a request and of an error not yet counted.
    request_carry: f64,
    error_carry: f64,
    ok: u64,
    errors: u64,
    latency_sum: f64,
    /// Cumulative counts per [`LATENCY_BUCKETS`] bound.
    buckets: [u64; LATENCY_BUCKETS.len()],
}

impl Counters {
    fn new(traffic: Traffic, now: Instant) -> Counters {
        Counters {
            traffic,
            since: now,
            request_carry: 0.0,
            error_carry: 0.0,
            ok: 0,
            errors: 0,
            latency_sum: 0.0,
            buckets: [0; LATENCY_BUCKETS.len()],
        }
    }

    /// Counts the requests served from `since` to `now` at the current traffic.
    fn advance(&mut self, now: Instant) {
        let secs = now.saturating_duration_since(self.since).as_secs_f64();
        self.since = now.max(self.since);
        // The epsilon keeps 1000 × 0.3 from counting 299 errors.
        let due = self.request_carry + secs * self.traffic.rate();
        let n = (due + 1e-9).floor().min(due.ceil());
        self.request_carry = (due - n).max(0.0);
        let failing = self.error_carry + n * self.traffic.share();
        let e = (failing + 1e-9).floor().min(failing.ceil());
        self.error_carry = (failing - e).max(0.0);
        let (n, e) = (n as u64, e as u64);
        self.errors += e;
        self.ok += n - e.min(n);
        let latency = self.traffic.latency.as_secs_f64();
        self.latency_sum += n as f64 * latency;
        for (count, bound) in self.buckets.iter_mut().zip(LATENCY_BUCKETS) {
            if latency <= bound {
                *count += n;
            }
        }
    }

    fn exposition(&self) -> String {
        let total = self.ok + self.errors;
        let mut out = String::from(
            "# HELP http_requests_total Requests served, by status code.\n\
             # TYPE http_requests_total counter\n",
        );
        for (code, n) in [("200", self.ok), ("500", self.errors)] {
            if n > 0 {
                let _ = writeln!(out, "http_requests_total{{code=\"{code}\"}} {n}");
            }
        }
        out.push_str(
            "# HELP http_request_duration_seconds Time to serve a request.\n\
             # TYPE http_request_duration_seconds histogram\n",
        );
        for (count, bound) in self.buckets.iter().zip(LATENCY_BUCKETS) {
            let _ = writeln!(
                out,
                "http_request_duration_seconds_bucket{{le=\"{bound}\"}} {count}"
            );
        }
        let _ = writeln!(
            out,
            "http_request_duration_seconds_bucket{{le=\"+Inf\"}} {total}"
        );
        let _ = writeln!(
            out,
            "http_request_duration_seconds_sum {}",
            self.latency_sum
        );
        let _ = writeln!(out, "http_request_duration_seconds_count {total}");
        out
    }
}

#[derive(Debug)]
struct Shared {
    counters: Mutex<Counters>,
    scrapes: AtomicU64,
}

/// A running exporter on a background thread. Dropping it stops the
/// service and joins the thread.
#[derive(Debug)]
pub struct MetricsExporter {
    addr: SocketAddr,
    shared: Arc<Shared>,
    /// Stops the service and joins its thread when dropped.
    server: crate::server::ServerThread,
}

impl MetricsExporter {
    /// Starts the exporter on a free loopback port, its traffic starting now.
    pub fn start(traffic: Traffic) -> Result<MetricsExporter, FixtureError> {
        let std_listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        std_listener.set_nonblocking(true)?;
        let addr = std_listener.local_addr()?;
        let shared = Arc::new(Shared {
            counters: Mutex::new(Counters::new(traffic, Instant::now())),
            scrapes: AtomicU64::new(0),
        });
        let app = Router::new()
            .route("/metrics", get(metrics))
            .with_state(shared.clone());
        let server = crate::server::serve_on_thread("greenlight-exporter", std_listener, app)?;
        Ok(MetricsExporter {
            addr,
            shared,
            server,
        })
    }

    /// The address bound (a scrape target: `127.0.0.1:PORT`).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT/metrics`.
    pub fn metrics_url(&self) -> String {
        format!("http://{}/metrics", self.addr)
    }

    /// Switches the traffic from now on; what was served until now keeps
    /// the traffic it was served with.
    pub fn set_traffic(&self, traffic: Traffic) {
        let mut c = self
            .shared
            .counters
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        c.advance(Instant::now());
        c.traffic = traffic;
    }

    /// The traffic now.
    pub fn traffic(&self) -> Traffic {
        self.shared
            .counters
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .traffic
    }

    /// `GET /metrics` requests answered so far.
    pub fn scrapes(&self) -> u64 {
        self.shared.scrapes.load(Ordering::Relaxed)
    }

    /// Stops the service and joins its thread.
    pub fn shutdown(self) {
        drop(self.server);
    }
}

async fn metrics(State(shared): State<Arc<Shared>>) -> Response {
    shared.scrapes.fetch_add(1, Ordering::Relaxed);
    let text = {
        let mut c = shared
            .counters
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        c.advance(Instant::now());
        c.exposition()
    };
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_second_is_counted_with_the_traffic_of_its_time() {
        let t0 = Instant::now();
        let mut c = Counters::new(Traffic::default(), t0);
        c.advance(t0 + Duration::from_secs(10));
        assert_eq!((c.ok, c.errors), (1000, 0));
        c.traffic = Traffic {
            error_share: 0.3,
            latency: Duration::from_millis(800),
            ..Traffic::default()
        };
        c.advance(t0 + Duration::from_secs(20));
        assert_eq!((c.ok, c.errors), (1700, 300));
        // 1000 requests at 80 ms, then 1000 at 800 ms.
        assert_eq!(c.buckets[4], 1000, "le=0.1");
        assert_eq!(c.buckets[7], 2000, "le=1");
        assert!((c.latency_sum - 880.0).abs() < 1e-6, "{}", c.latency_sum);
    }

    #[test]
    fn fractions_carry_over_and_time_never_runs_back() {
        let t0 = Instant::now();
        let mut c = Counters::new(
            Traffic {
                requests_per_sec: 3.0,
                error_share: 0.5,
                ..Traffic::default()
            },
            t0,
        );
        for ms in (100..=1000).step_by(100) {
            c.advance(t0 + Duration::from_millis(ms));
        }
        assert_eq!(c.ok + c.errors, 3);
        assert_eq!(c.errors, 1);
        c.advance(t0);
        assert_eq!(c.ok + c.errors, 3);
    }

    #[test]
    fn a_code_has_no_series_before_its_first_request() {
        let t0 = Instant::now();
        let mut c = Counters::new(Traffic::default(), t0);
        c.advance(t0 + Duration::from_secs(1));
        let text = c.exposition();
        assert!(
            text.contains("http_requests_total{code=\"200\"} 100\n"),
            "{text}"
        );
        assert!(!text.contains("code=\"500\""), "{text}");
    }

    #[test]
    fn bad_traffic_values_are_read_as_none_or_clamped() {
        let t = Traffic {
            requests_per_sec: f64::NAN,
            error_share: 7.0,
            latency: Duration::ZERO,
        };
        assert_eq!(t.rate(), 0.0);
        assert_eq!(t.share(), 1.0);
    }

    #[test]
    fn the_exposition_is_cumulative_and_complete() {
        let t0 = Instant::now();
        let mut c = Counters::new(
            Traffic {
                requests_per_sec: 10.0,
                error_share: 0.1,
                latency: Duration::from_millis(300),
            },
            t0,
        );
        c.advance(t0 + Duration::from_secs(10));
        let text = c.exposition();
        assert!(
            text.contains("http_requests_total{code=\"200\"} 90\n"),
            "{text}"
        );
        assert!(
            text.contains("http_requests_total{code=\"500\"} 10\n"),
            "{text}"
        );
        assert!(text.contains("_bucket{le=\"0.25\"} 0\n"), "{text}");
        assert!(text.contains("_bucket{le=\"0.5\"} 100\n"), "{text}");
        assert!(text.contains("_bucket{le=\"+Inf\"} 100\n"), "{text}");
        assert!(
            text.contains("http_request_duration_seconds_count 100\n"),
            "{text}"
        );
    }
}
