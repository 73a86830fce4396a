//! Start-up configuration of the fixture service.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use crate::faults::Faults;

/// Bearer tokens the fixture knows. Any other token is rejected with 401.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tokens {
    /// A regular user (`$TOKEN`, `$USER_TOKEN`, `$ACCESS_TOKEN`, `$JWT_TOKEN`
    /// in the seeds). Default `user-token`.
    pub user: String,
    /// An administrator (`$ADMIN_TOKEN`). Default `admin-token`.
    pub admin: String,
    /// A revoked token (`$REVOKED_TOKEN`): always 401. Default `revoked-token`.
    pub revoked: String,
    /// An expired token: always 401 (seed 003 "Expired token rejected with
    /// 401"). Default `expired-token`.
    pub expired: String,
}

impl Default for Tokens {
    fn default() -> Self {
        Tokens {
            user: "user-token".into(),
            admin: "admin-token".into(),
            revoked: "revoked-token".into(),
            expired: "expired-token".into(),
        }
    }
}

impl Tokens {
    /// The shell variables the seed checklists use, each paired with the
    /// token that makes the seed's expectation hold (handy to build an
    /// environment profile for a demo or an end-to-end test).
    pub fn seed_variables(&self) -> Vec<(&'static str, String)> {
        vec![
            ("TOKEN", self.user.clone()),
            ("ACCESS_TOKEN", self.user.clone()),
            ("USER_TOKEN", self.user.clone()),
            ("JWT_TOKEN", self.user.clone()),
            ("ADMIN_TOKEN", self.admin.clone()),
            ("REVOKED_TOKEN", self.revoked.clone()),
            ("REFRESH_TOKEN", "refresh-token".into()),
        ]
    }
}

/// A fixed-window rate limit on the Nova stream API (`/api/v1/streams*`),
/// counted per bearer token (requests without a token share one bucket).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests allowed per window; request `max_requests + 1` gets 429.
    pub max_requests: u32,
    /// Window length.
    pub window: Duration,
}

impl Default for RateLimit {
    /// 100 requests per second per token.
    fn default() -> Self {
        RateLimit {
            max_requests: 100,
            window: Duration::from_secs(1),
        }
    }
}

/// How to start the fixture. `FixtureConfig::default()` is a healthy
/// NOX API v8.0.0 (+ toolboxai + Nova) on an ephemeral port of 127.0.0.1.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FixtureConfig {
    /// Where to listen. Must be a loopback address; port 0 picks a free port.
    pub addr: SocketAddr,
    /// Known bearer tokens.
    pub tokens: Tokens,
    /// Version served by `/version` and `/health` (default `8.0.0`).
    pub version: String,
    /// Build label served by `/version` (default `staging`).
    pub build: String,
    /// Faults switched on from the start.
    pub faults: Faults,
    /// Rate limit on `/api/v1/streams*`; `None` disables it.
    pub rate_limit: Option<RateLimit>,
    /// Interval between server-sent WebSocket heartbeat / viewer-count frames.
    pub ws_heartbeat: Duration,
    /// Make `/ws` refuse anonymous upgrades with 401 (default `false`: seed
    /// 000 line 202 connects without a token and expects success; a token
    /// that is sent must be valid either way).
    pub ws_require_token: bool,
}

impl Default for FixtureConfig {
    fn default() -> Self {
        FixtureConfig {
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            tokens: Tokens::default(),
            version: "8.0.0".into(),
            build: "staging".into(),
            faults: Faults::default(),
            rate_limit: Some(RateLimit::default()),
            ws_heartbeat: Duration::from_secs(1),
            ws_require_token: false,
        }
    }
}

impl FixtureConfig {
    /// The default configuration listening on `addr`.
    pub fn with_addr(addr: SocketAddr) -> Self {
        FixtureConfig {
            addr,
            ..FixtureConfig::default()
        }
    }
}

/// Hosts (and host:port pairs) that the seed checklists address and that
/// this fixture can stand in for: an environment profile rewriting each of
/// them to [`crate::FixtureHandle::base_url`] lets the seeds run unchanged.
pub const STAND_IN_HOSTS: &[&str] = &[
    // NOX API (seeds 000, 001)
    "staging-api.yourdomain.com",
    "api.yourdomain.com",
    "localhost:8080",
    // toolboxai (seed 002)
    "staging.toolboxai.com",
    "app.toolboxai.com",
    "localhost:9090",
    "localhost:3000",
    // Nova streaming (seed 003)
    "staging-api.nova-social.io",
    "staging-metrics.nova-social.io",
    "staging-grafana.nova-social.io",
    "<clickhouse-host>:8123",
    "<nginx-host>:1935",
];
