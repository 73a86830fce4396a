//! # greenlight-fixture
//!
//! An in-process stand-in for the staging services that the seed checklists
//! talk to — the NOX API v8.0.0 (seeds 000, 001), the toolboxai deployment
//! (002) and Nova streaming (003) — so greenlight can be tested end to end
//! and `greenlight demo` can run a bundled checklist against a built-in
//! sample service.
//!
//! One HTTP/1.1 server on a loopback port answers every route of every
//! seed (see `ENDPOINTS.md` in this crate for the line-by-line inventory):
//! health/version/readiness, OAuth URL generation, token rules, RBAC,
//! scientific POST routes, stream CRUD with validation and a rate limit,
//! Prometheus metrics, WebSockets, and the side services (Prometheus,
//! Grafana, ClickHouse, nginx-rtmp, a Slack webhook).
//!
//! ```no_run
//! # async fn demo() -> greenlight_fixture::Result<()> {
//! use greenlight_fixture::{FixtureConfig, Faults, start};
//! let fixture = start(FixtureConfig::default()).await?;
//! let health = fixture.url("/health"); // http://127.0.0.1:PORT/health
//! fixture.set_faults(Faults::default().with_wrong_version());
//! assert_eq!(fixture.request_count("POST", "/xtb/v1"), 0);
//! fixture.shutdown().await;
//! # let _ = health; Ok(()) }
//! ```
//!
//! Faults ([`Faults`]) switch one broken behaviour on at a time, at start or
//! while running. [`TlsFixture`] serves the same service behind a valid,
//! expired, self-signed or wrong-host certificate made at run time.
//! [`BlockingFixture`] runs the service on its own thread for callers that
//! are not async. [`StandIn`] is a generic stand-in answering canned routes
//! from a `*.standin.toml` file (and echoing every other request), for
//! checklists nobody here wrote. [`MetricsExporter`] serves a service's own
//! `/metrics` (requests by status, a latency histogram) for a real
//! Prometheus to scrape, with switchable [`Traffic`].

#![warn(missing_docs)]

mod auth;
mod blocking;
mod config;
mod error;
mod exporter;
mod faults;
mod routes_aux;
mod routes_common;
mod routes_echo;
mod routes_nova;
mod routes_nox;
mod server;
mod standin;
mod state;
mod tls;
mod ws;

pub use blocking::BlockingFixture;
pub use config::{FixtureConfig, RateLimit, STAND_IN_HOSTS, Tokens};
pub use error::{FixtureError, Result};
pub use exporter::{LATENCY_BUCKETS, MetricsExporter, Traffic};
pub use faults::{Faults, WRONG_VERSION};
pub use routes_echo::ESCAPES_BODY;
pub use server::{FixtureHandle, start};
pub use standin::{PathMatch, Route, Routes, SeenRequest, StandIn, StandInError};
pub use state::{
    FixtureControl, RECORDED_BODY_LIMIT, REQUEST_LOG_CAPACITY, RecordedRequest, SEEDED_STREAM_ID,
};
pub use tls::{TlsFixture, TlsKind, TlsOptions};
