//! The change feed: one task per process follows the store's new events
//! and fans them out to every watcher through a broadcast channel.
//!
//! - PostgreSQL: `LISTEN` ([`Store::changes`]), so any writer's event
//!   (another `serve`, the CLI) arrives at once; every
//!   [`FeedOptions::fallback`] the runs are re-read as well, in case an
//!   announcement was lost with a connection (re-subscribing then).
//! - SQLite: the runs are re-read every [`FeedOptions::poll`].
//!
//! What the feed keeps is a cache of the store (each run's last sequence
//! number and release, each release's last verdict), never state of its
//! own: two processes on one store send the same notices. Memory is
//! bounded: the channel holds [`CAPACITY`] notices; a watcher that falls
//! further behind is told to resync and never slows the others.

use crate::views;
use greenlight_store::{Change, Changes, Event, Store};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::{broadcast, mpsc, watch};

/// Notices the channel holds for slow watchers before they lag.
pub const CAPACITY: usize = 1024;

/// What a notice is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeKind {
    /// A stored event (`data`: the event as the API shows it).
    Event,
    /// The verdict of a release (or of a run outside releases) changed
    /// (`data`: verdict, reasons, counts).
    Verdict,
}

impl NoticeKind {
    /// The SSE event name.
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::Event => "event",
            NoticeKind::Verdict => "verdict",
        }
    }
}

/// One thing watchers may want to hear about.
#[derive(Debug)]
pub struct Notice {
    pub kind: NoticeKind,
    pub run_id: String,
    pub release: String,
    /// The event's sequence number (for a verdict: the run's last).
    pub seq: u64,
    /// JSON, serialized once for every watcher.
    pub data: String,
    /// When the feed sent it (for measuring fan-out).
    pub sent: Instant,
}

/// How the feed follows the store.
#[derive(Debug, Clone, Copy)]
pub struct FeedOptions {
    /// How often SQLite's runs are re-read.
    pub poll: Duration,
    /// How often PostgreSQL's runs are re-read besides `LISTEN`.
    pub fallback: Duration,
}

impl Default for FeedOptions {
    fn default() -> Self {
        FeedOptions {
            poll: Duration::from_millis(250),
            fallback: Duration::from_secs(2),
        }
    }
}

/// The fan-out side, shared by every request.
pub struct Feed {
    tx: broadcast::Sender<Arc<Notice>>,
    generation: AtomicU64,
    mode: std::sync::Mutex<&'static str>,
    leads: std::sync::atomic::AtomicBool,
}

impl Feed {
    /// Notices from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Notice>> {
        self.tx.subscribe()
    }

    /// A number that changes whenever the feed has seen new events (what
    /// caches of the store's state are keyed by).
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// How the feed hears of changes now: `listen`, `poll` or `starting`.
    pub fn mode(&self) -> &'static str {
        self.mode.lock().map(|m| *m).unwrap_or("poll")
    }

    fn set_mode(&self, mode: &'static str) {
        if let Ok(mut m) = self.mode.lock() {
            *m = mode;
        }
    }

    /// Whether this process acts for all processes on the store (sends
    /// the webhooks): on PostgreSQL the one whose listening connection
    /// holds the store's leader lock; on SQLite always.
    pub fn leads(&self) -> bool {
        self.leads.load(Ordering::Acquire)
    }

    fn send(&self, notice: Notice) -> Arc<Notice> {
        let notice = Arc::new(notice);
        // No watcher: nothing to do (not an error).
        let _ = self.tx.send(notice.clone());
        notice
    }
}

/// Starts the feed task; it ends when `shutdown` turns true. While this
/// process leads ([`Feed::leads`]), verdict changes and sign-off events
/// also go to `hook` (for webhooks: once for all processes), dropped with
/// a note when the hook falls [`CAPACITY`] behind.
pub fn spawn(
    store: Arc<Store>,
    options: FeedOptions,
    shutdown: watch::Receiver<bool>,
    hook: Option<mpsc::Sender<Arc<Notice>>>,
) -> Arc<Feed> {
    let (tx, _) = broadcast::channel(CAPACITY);
    let feed = Arc::new(Feed {
        tx,
        generation: AtomicU64::new(0),
        mode: std::sync::Mutex::new("starting"),
        leads: std::sync::atomic::AtomicBool::new(false),
    });
    // Verdicts are worked out by a task of their own, so reading the
    // release again never holds back the fan-out of the next events.
    let (verdict_tx, verdict_rx) = mpsc::channel(CAPACITY);
    let verdicts = Verdicts {
        store: store.clone(),
        feed: feed.clone(),
        last: HashMap::new(),
        hook: hook.clone(),
    };
    tokio::spawn(verdicts.run(verdict_rx));
    let follower = Follower {
        store,
        feed: feed.clone(),
        known: HashMap::new(),
        options,
        hook,
        verdict_tx,
    };
    tokio::spawn(follower.run(shutdown));
    feed
}

/// What the feed knows of a run.
struct Known {
    release: String,
    seq: u64,
}

struct Follower {
    store: Arc<Store>,
    feed: Arc<Feed>,
    known: HashMap<String, Known>,
    options: FeedOptions,
    hook: Option<mpsc::Sender<Arc<Notice>>>,
    /// (run, release, last seq) whose verdict may have changed.
    verdict_tx: mpsc::Sender<(String, String, u64)>,
}

/// Passes a notice to the hook while this process leads.
fn pass_to_hook(hook: &Option<mpsc::Sender<Arc<Notice>>>, feed: &Feed, notice: Arc<Notice>) {
    if let Some(h) = hook
        && feed.leads()
        && h.try_send(notice).is_err()
    {
        eprintln!("greenlight serve: notifications fall behind; one was dropped");
    }
}

/// The verdict task: each release's verdict after new events, sent when it
/// differs from the last one sent.
struct Verdicts {
    store: Arc<Store>,
    feed: Arc<Feed>,
    /// The last verdict notice sent for each release (or release-less run).
    last: HashMap<String, String>,
    hook: Option<mpsc::Sender<Arc<Notice>>>,
}

/// Releases whose verdict is read at start, so the first change after it
/// is told as a change (older ones: their first notice has no previous).
const PRIMED_RELEASES: usize = 50;

/// Waits for the next announcement; never, without a subscription.
async fn next(changes: &mut Option<Changes>) -> Option<Change> {
    match changes.as_mut() {
        Some(c) => c.recv().await,
        None => std::future::pending().await,
    }
}

/// Reads the `release` field of a `run_started` payload only.
#[derive(serde::Deserialize)]
struct ReleaseOf {
    #[serde(default)]
    release: String,
}

impl Follower {
    async fn run(mut self, mut shutdown: watch::Receiver<bool>) {
        let postgres = matches!(*self.store, Store::Postgres(_));
        // What is already stored is not news.
        while let Err(e) = self.prime().await {
            eprintln!("greenlight serve: cannot read the runs yet: {e}");
            tokio::select! {
                _ = shutdown.changed() => return,
                _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            }
        }
        let mut changes = self.subscribe(postgres).await;
        let period = if postgres {
            self.options.fallback
        } else {
            self.options.poll
        };
        let mut tick = tokio::time::interval(period);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = shutdown.changed() => return,
                change = next(&mut changes) => match change {
                    Some(first) => {
                        let mut batch = vec![first];
                        if let Some(c) = changes.as_mut() {
                            while batch.len() < CAPACITY && let Some(more) = c.try_recv() {
                                batch.push(more);
                            }
                        }
                        let missed = changes.as_ref().is_some_and(Changes::missed);
                        self.apply(batch, missed).await;
                    }
                    None => {
                        eprintln!("greenlight serve: lost the PostgreSQL LISTEN connection; reading the runs every {} ms until it is back", period.as_millis());
                        changes = None;
                        self.feed.set_mode("poll");
                        self.feed.leads.store(false, Ordering::Release);
                    }
                },
                _ = tick.tick() => {
                    if postgres && changes.is_none() {
                        changes = self.subscribe(true).await;
                    } else if postgres && !self.feed.leads() {
                        self.lead(changes.as_ref(), true).await;
                    }
                    self.rescan().await;
                }
            }
        }
    }

    fn hook(&self, notice: Arc<Notice>) {
        pass_to_hook(&self.hook, &self.feed, notice);
    }

    /// Takes (or keeps) the lead: always on SQLite, with the store's
    /// leader lock on PostgreSQL.
    async fn lead(&self, changes: Option<&Changes>, postgres: bool) {
        let leads = match changes {
            Some(c) => c.lead().await,
            None => !postgres,
        };
        self.feed.leads.store(leads, Ordering::Release);
    }

    async fn subscribe(&self, postgres: bool) -> Option<Changes> {
        if !postgres {
            self.feed.set_mode("poll");
            self.lead(None, false).await;
            return None;
        }
        match self.store.changes().await {
            Ok(Some(c)) => {
                self.feed.set_mode("listen");
                self.lead(Some(&c), true).await;
                Some(c)
            }
            Ok(None) => None,
            Err(e) => {
                eprintln!("greenlight serve: cannot LISTEN ({e}); reading the runs instead");
                self.feed.set_mode("poll");
                None
            }
        }
    }

    async fn prime(&mut self) -> Result<(), greenlight_store::StoreError> {
        let runs = self.store.runs(None).await?;
        for r in runs {
            self.known.insert(
                r.run_id,
                Known {
                    release: r.release,
                    seq: r.events,
                },
            );
        }
        Ok(())
    }

    /// Announced events: read each announced run's new events once.
    async fn apply(&mut self, batch: Vec<Change>, missed: bool) {
        let mut runs: Vec<String> = Vec::new();
        let mut seen = HashSet::new();
        let mut rescan = missed;
        for c in batch {
            match c.run_id {
                Some(run) => {
                    let new = self.known.get(&run).is_none_or(|k| c.seq > k.seq);
                    if new && seen.insert(run.clone()) {
                        runs.push(run);
                    }
                }
                None => rescan = true,
            }
        }
        for run in runs {
            self.follow(&run, None).await;
        }
        if rescan {
            self.rescan().await;
        }
    }

    /// Re-reads the runs and follows every one with events not yet seen.
    async fn rescan(&mut self) {
        let runs = match self.store.runs(None).await {
            Ok(r) => r,
            Err(e) => {
                eprintln!("greenlight serve: cannot read the runs: {e}");
                return;
            }
        };
        for r in runs {
            if self.known.get(&r.run_id).is_none_or(|k| r.events > k.seq) {
                self.follow(&r.run_id, Some(r.release)).await;
            }
        }
    }

    /// Sends a run's events after the last one seen, then its release's
    /// verdict when that changed.
    async fn follow(&mut self, run_id: &str, release: Option<String>) {
        let after = self.known.get(run_id).map_or(0, |k| k.seq);
        let events: Vec<Event> = match self.store.events_since(run_id, after).await {
            Ok(e) => e,
            Err(e) => {
                eprintln!("greenlight serve: cannot read run {run_id}: {e}");
                return;
            }
        };
        let Some(last) = events.last().map(|e| e.seq) else {
            return;
        };
        let release = match (self.known.get(run_id), release) {
            (Some(k), _) => k.release.clone(),
            (None, Some(r)) => r,
            (None, None) => events
                .iter()
                .find(|e| e.kind == greenlight_store::EventKind::RunStarted)
                .and_then(|e| e.payload_as::<ReleaseOf>())
                .map(|r| r.release)
                .unwrap_or_default(),
        };
        self.known.insert(
            run_id.to_string(),
            Known {
                release: release.clone(),
                seq: last,
            },
        );
        self.feed.generation.fetch_add(1, Ordering::AcqRel);
        for e in &events {
            let notice = self.feed.send(Notice {
                kind: NoticeKind::Event,
                run_id: run_id.to_string(),
                release: release.clone(),
                seq: e.seq,
                data: views::event_json(e, &release).to_string(),
                sent: Instant::now(),
            });
            if e.kind == greenlight_store::EventKind::Signoff {
                self.hook(notice);
            }
        }
        let _ = self
            .verdict_tx
            .send((run_id.to_string(), release, last))
            .await;
    }
}

impl Verdicts {
    async fn run(mut self, mut rx: mpsc::Receiver<(String, String, u64)>) {
        self.prime().await;
        while let Some(first) = rx.recv().await {
            // A burst of events: one reading per release (the latest).
            let mut batch = vec![first];
            while let Ok(more) = rx.try_recv() {
                batch.push(more);
            }
            let mut done = HashSet::new();
            for (run, release, seq) in batch.into_iter().rev() {
                let key = if release.is_empty() {
                    format!("run:{run}")
                } else {
                    release.clone()
                };
                if done.insert(key) {
                    self.verdict(&run, &release, seq).await;
                }
            }
        }
    }

    /// The verdicts of the most recently active releases, so the first
    /// change after start is told as a change.
    async fn prime(&mut self) {
        let Ok(runs) = self.store.runs(None).await else {
            return;
        };
        let mut releases: Vec<(String, String)> = Vec::new();
        for r in &runs {
            if !r.release.is_empty()
                && releases.len() < PRIMED_RELEASES
                && !releases.iter().any(|(rel, _)| *rel == r.release)
            {
                // Newest first: the first run seen of a release is its latest.
                releases.push((r.release.clone(), r.run_id.clone()));
            }
        }
        for (release, latest) in releases {
            if let Ok(v) = views::verdict_json(&self.store, &release, &latest).await {
                self.last
                    .insert(format!("release:{release}"), v.to_string());
            }
        }
    }

    /// Sends the verdict of the run's release (its latest run; a run
    /// outside releases stands alone) when it differs from the last sent.
    async fn verdict(&mut self, run_id: &str, release: &str, seq: u64) {
        let (key, latest) = if release.is_empty() {
            (format!("run:{run_id}"), run_id.to_string())
        } else {
            match self.store.release_runs(release).await {
                Ok(runs) => match runs.last() {
                    Some(r) => (format!("release:{release}"), r.run_id.clone()),
                    None => return,
                },
                Err(_) => return,
            }
        };
        // A run without its plan yet (or unreadable) has no verdict to show.
        let Ok(mut v) = views::verdict_json(&self.store, release, &latest).await else {
            return;
        };
        let data = v.to_string();
        if self.last.get(&key) == Some(&data) {
            return;
        }
        let previous = self
            .last
            .insert(key, data)
            .and_then(|p| serde_json::from_str::<serde_json::Value>(&p).ok())
            .map(|p| p["verdict"].clone())
            .unwrap_or(serde_json::Value::Null);
        let changed = previous != v["verdict"];
        v["previous"] = previous;
        let notice = self.feed.send(Notice {
            kind: NoticeKind::Verdict,
            run_id: latest,
            release: release.to_string(),
            seq,
            data: v.to_string(),
            sent: Instant::now(),
        });
        // Reasons or counts alone changing is news for watchers, not a
        // verdict change for webhooks.
        if changed {
            pass_to_hook(&self.hook, &self.feed, notice);
        }
    }
}
