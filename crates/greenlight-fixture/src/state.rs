//! Shared mutable state of one fixture instance, and the cloneable control
//! surface ([`FixtureControl`]) that tests use to flip faults and read
//! request counts.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use tokio::sync::watch;

use crate::config::{FixtureConfig, RateLimit, Tokens};
use crate::faults::Faults;

/// At most this many requests are kept in the request log
/// ([`FixtureControl::requests`]); counts keep counting past it.
pub const REQUEST_LOG_CAPACITY: usize = 10_000;

/// At most this many bytes of each request body are kept in the log.
pub const RECORDED_BODY_LIMIT: usize = 4096;

/// One request as the fixture received it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordedRequest {
    /// HTTP method, upper case (`GET`, `POST`, …).
    pub method: String,
    /// Path without the query string.
    pub path: String,
    /// Raw query string, if any.
    pub query: Option<String>,
    /// Whether an `Authorization` header was sent.
    pub authorized: bool,
    /// Request headers in arrival order, names lower case, values decoded
    /// lossily (the `Authorization` value included: tests use it to prove
    /// that the real secret reached the server).
    pub headers: Vec<(String, String)>,
    /// The body, decoded lossily, cut at [`RECORDED_BODY_LIMIT`] bytes
    /// (empty when it exceeded the 2 MiB limit and was refused with 413).
    pub body: String,
}

impl RecordedRequest {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Default)]
struct Recorder {
    total: AtomicU64,
    counts: Mutex<HashMap<(String, String), u64>>,
    log: Mutex<Vec<RecordedRequest>>,
}

/// A stream of the Nova API.
#[derive(Clone, Debug)]
pub(crate) struct Stream {
    pub id: String,
    pub title: String,
    pub description: String,
    pub owner: &'static str,
    pub status: &'static str,
    pub created_at: u64,
    pub viewers: u64,
}

impl Stream {
    pub(crate) fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "owner_id": self.owner,
            "status": self.status,
            "created_at": self.created_at,
            "viewer_count": self.viewers,
        })
    }
}

/// Id of the stream that exists from the start, so that the active-stream
/// list is never empty and a WebSocket URL with a known id works.
pub const SEEDED_STREAM_ID: &str = "stream-0";

#[derive(Default)]
pub(crate) struct Streams {
    pub next_id: u64,
    pub by_id: BTreeMap<String, Stream>,
}

struct Window {
    started: Instant,
    count: u32,
}

/// State shared by all connections of one fixture instance.
pub(crate) struct Shared {
    pub tokens: Tokens,
    pub version: String,
    pub build: String,
    pub ws_heartbeat: std::time::Duration,
    pub ws_require_token: bool,
    /// `http` or `https`: how clients reach this instance.
    pub scheme: &'static str,
    pub started: Instant,
    faults: RwLock<Faults>,
    rate_limit: RwLock<Option<RateLimit>>,
    windows: Mutex<HashMap<String, Window>>,
    recorder: Recorder,
    pub streams: Mutex<Streams>,
    pub oauth_states: AtomicU64,
    pub ws_connections: AtomicU64,
    pub shutdown: watch::Receiver<bool>,
}

/// Locks a mutex, ignoring poisoning (a panicking handler must not take the
/// whole fixture down with it).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

pub(crate) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Outcome of a rate-limit check.
pub(crate) enum Admission {
    Allowed,
    Limited { limit: u32, retry_after_secs: u64 },
}

impl Shared {
    pub(crate) fn new(
        config: &FixtureConfig,
        scheme: &'static str,
        shutdown: watch::Receiver<bool>,
    ) -> Self {
        let mut streams = Streams {
            next_id: 1,
            ..Streams::default()
        };
        streams.by_id.insert(
            SEEDED_STREAM_ID.into(),
            Stream {
                id: SEEDED_STREAM_ID.into(),
                title: "Fixture live stream".into(),
                description: "Always-on stream seeded by greenlight-fixture".into(),
                owner: crate::auth::Principal::Admin.id(),
                status: "active",
                created_at: unix_now(),
                viewers: 0,
            },
        );
        Shared {
            tokens: config.tokens.clone(),
            version: config.version.clone(),
            build: config.build.clone(),
            ws_heartbeat: config.ws_heartbeat,
            ws_require_token: config.ws_require_token,
            scheme,
            started: Instant::now(),
            faults: RwLock::new(config.faults),
            rate_limit: RwLock::new(config.rate_limit),
            windows: Mutex::new(HashMap::new()),
            recorder: Recorder::default(),
            streams: Mutex::new(streams),
            oauth_states: AtomicU64::new(0),
            ws_connections: AtomicU64::new(0),
            shutdown,
        }
    }

    pub(crate) fn faults(&self) -> Faults {
        *self.faults.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// The version currently served (the wrong one under the fault).
    pub(crate) fn served_version(&self) -> String {
        if self.faults().wrong_version {
            crate::faults::WRONG_VERSION.to_string()
        } else {
            self.version.clone()
        }
    }

    pub(crate) fn record(&self, req: RecordedRequest) {
        let r = &self.recorder;
        r.total.fetch_add(1, Ordering::Relaxed);
        *lock(&r.counts)
            .entry((req.method.clone(), req.path.clone()))
            .or_insert(0) += 1;
        let mut log = lock(&r.log);
        if log.len() < REQUEST_LOG_CAPACITY {
            log.push(req);
        }
    }

    /// Counts of requests per method (for `/metrics`).
    pub(crate) fn counts_by_method(&self) -> BTreeMap<String, u64> {
        let mut out = BTreeMap::new();
        for ((method, _), n) in lock(&self.recorder.counts).iter() {
            *out.entry(method.clone()).or_insert(0) += n;
        }
        out
    }

    /// Fixed-window rate limiting keyed by `key`.
    pub(crate) fn admit(&self, key: &str) -> Admission {
        let Some(limit) = *self
            .rate_limit
            .read()
            .unwrap_or_else(PoisonError::into_inner)
        else {
            return Admission::Allowed;
        };
        let now = Instant::now();
        let mut windows = lock(&self.windows);
        let w = windows.entry(key.to_string()).or_insert(Window {
            started: now,
            count: 0,
        });
        if now.duration_since(w.started) >= limit.window {
            w.started = now;
            w.count = 0;
        }
        if w.count >= limit.max_requests {
            let left = limit.window.saturating_sub(now.duration_since(w.started));
            let retry = left.as_secs() + u64::from(left.subsec_nanos() > 0);
            return Admission::Limited {
                limit: limit.max_requests,
                retry_after_secs: retry.max(1),
            };
        }
        w.count += 1;
        Admission::Allowed
    }
}

/// A cloneable remote control for a running fixture: flip faults, change the
/// rate limit, read what was requested. Obtained from
/// [`crate::FixtureHandle::control`]; it does not keep the server alive.
#[derive(Clone)]
pub struct FixtureControl {
    pub(crate) shared: Arc<Shared>,
}

impl std::fmt::Debug for FixtureControl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FixtureControl")
            .field("faults", &self.faults())
            .field("total_requests", &self.total_requests())
            .finish()
    }
}

impl FixtureControl {
    /// The faults now in force.
    pub fn faults(&self) -> Faults {
        self.shared.faults()
    }

    /// Replaces all faults at once; applies to the next request.
    pub fn set_faults(&self, faults: Faults) {
        *self
            .shared
            .faults
            .write()
            .unwrap_or_else(PoisonError::into_inner) = faults;
    }

    /// Changes some faults in place, e.g. `c.update_faults(|f| f.not_ready = true)`.
    pub fn update_faults(&self, change: impl FnOnce(&mut Faults)) {
        let mut guard = self
            .shared
            .faults
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        change(&mut guard);
    }

    /// Replaces the rate limit on `/api/v1/streams*` (`None` disables it) and
    /// starts every bucket afresh.
    pub fn set_rate_limit(&self, limit: Option<RateLimit>) {
        *self
            .shared
            .rate_limit
            .write()
            .unwrap_or_else(PoisonError::into_inner) = limit;
        lock(&self.shared.windows).clear();
    }

    /// The tokens this fixture accepts and rejects.
    pub fn tokens(&self) -> &Tokens {
        &self.shared.tokens
    }

    /// How many requests with this method (case-insensitive) and exact path
    /// (no query string) were received, including WebSocket upgrade requests
    /// and requests answered with an error.
    pub fn request_count(&self, method: &str, path: &str) -> u64 {
        let key = (method.to_ascii_uppercase(), path.to_string());
        lock(&self.shared.recorder.counts)
            .get(&key)
            .copied()
            .unwrap_or(0)
    }

    /// How many requests with this path were received, whatever the method.
    pub fn path_count(&self, path: &str) -> u64 {
        lock(&self.shared.recorder.counts)
            .iter()
            .filter(|((_, p), _)| p == path)
            .map(|(_, n)| n)
            .sum()
    }

    /// How many requests with this method were received, whatever the path
    /// (e.g. prove that no `POST` at all was sent).
    pub fn method_count(&self, method: &str) -> u64 {
        let method = method.to_ascii_uppercase();
        lock(&self.shared.recorder.counts)
            .iter()
            .filter(|((m, _), _)| *m == method)
            .map(|(_, n)| n)
            .sum()
    }

    /// All requests received since start (or the last reset).
    pub fn total_requests(&self) -> u64 {
        self.shared.recorder.total.load(Ordering::Relaxed)
    }

    /// The first [`REQUEST_LOG_CAPACITY`] requests, in arrival order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.recorder.log).clone()
    }

    /// Forgets all recorded requests and counts.
    pub fn reset_requests(&self) {
        let r = &self.shared.recorder;
        let mut counts = lock(&r.counts);
        let mut log = lock(&r.log);
        counts.clear();
        log.clear();
        r.total.store(0, Ordering::Relaxed);
    }

    /// Number of WebSocket connections open right now.
    pub fn open_websockets(&self) -> u64 {
        self.shared.ws_connections.load(Ordering::Relaxed)
    }

    /// Ids of the streams that exist right now (the seeded
    /// [`SEEDED_STREAM_ID`] included, unless deleted).
    pub fn stream_ids(&self) -> Vec<String> {
        lock(&self.shared.streams).by_id.keys().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn shared(limit: Option<RateLimit>) -> Shared {
        let cfg = FixtureConfig {
            rate_limit: limit,
            ..FixtureConfig::default()
        };
        Shared::new(&cfg, "http", watch::channel(false).1)
    }

    #[test]
    fn rate_limit_window_resets() {
        let s = shared(Some(RateLimit {
            max_requests: 2,
            window: Duration::from_millis(40),
        }));
        assert!(matches!(s.admit("a"), Admission::Allowed));
        assert!(matches!(s.admit("a"), Admission::Allowed));
        assert!(matches!(
            s.admit("a"),
            Admission::Limited {
                limit: 2,
                retry_after_secs: 1
            }
        ));
        assert!(matches!(s.admit("b"), Admission::Allowed));
        std::thread::sleep(Duration::from_millis(50));
        assert!(matches!(s.admit("a"), Admission::Allowed));
        assert!(matches!(shared(None).admit("a"), Admission::Allowed));
    }

    #[test]
    fn public_handles_are_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<FixtureControl>();
        check::<crate::FixtureHandle>();
        check::<crate::TlsFixture>();
        check::<crate::BlockingFixture>();
    }
}
