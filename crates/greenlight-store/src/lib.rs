//! greenlight-store keeps every run as an append-only log of events —
//! step results, people's checks, waivers, sign-offs, budget overruns,
//! verdicts — on SQLite (a file beside the checklist, by default) or
//! PostgreSQL (a team store). Each event carries the hash of the one
//! before it, so [`Store::verify`] names the first altered or missing event.
//!
//! ```no_run
//! # async fn demo() -> greenlight_store::Result<()> {
//! use greenlight_store::{EventKind, NewEvent, Store};
//! let store = Store::open(".greenlight/runs.db").await?; // or postgres://…
//! let recorded = store
//!     .append(vec![NewEvent {
//!         run_id: "7kq2x".into(),
//!         kind: EventKind::RunStarted,
//!         item: None,
//!         actor: "alice".into(),
//!         payload: serde_json::json!({ "checklist": "STAGING.md", "profile": "staging" }).into(),
//!     }])
//!     .await?;
//! assert_eq!(recorded[0].seq, 1);
//! let run = store.resolve_run("7kq").await?;
//! for event in store.events(&run).await? {
//!     let _payload = event.payload();
//! }
//! assert!(store.verify(&run).await?.ok);
//! # Ok(()) }
//! ```
//!
//! Guarantees:
//! - **Atomic**: an append is one transaction; a batch is stored whole or
//!   not at all (invalid events are refused before anything is written).
//! - **Ordered**: each run is numbered 1, 2, 3, … without gaps or
//!   duplicates, also with concurrent writers in other processes (SQLite
//!   `BEGIN IMMEDIATE`; PostgreSQL a per-run advisory lock).
//! - **Durable**: once `append` returns `Ok`, the events survive the
//!   process being killed. On SQLite (WAL, `synchronous = NORMAL`) the last
//!   commits may be lost on a power loss or OS crash; on PostgreSQL they
//!   are committed with the server's own durability settings.
//! - **Tamper-evident**: `hash` = SHA-256 over a length-prefixed encoding
//!   of (run_id, seq, at, kind, item, actor, canonical JSON payload,
//!   prev_hash). This detects edits by anyone who cannot recompute the
//!   whole chain; on its own it is not a signature (someone with write
//!   access and this algorithm can forge a consistent new chain).
//! - **Signed** (with an [`AuditKey`], see [`Store::set_audit_key`]): each
//!   event also stores `mac` = `KEYID:` HMAC-SHA256(key, hash). As the hash
//!   covers every earlier event, a rewrite by someone without the key shows
//!   at the first rewritten event. Runs recorded without a key verify as
//!   [`Keying::Unkeyed`]. A keyed run names its key in its `run_started`
//!   payload (field `audit_key`, written by the store, hashed and signed),
//!   so deleting its MACs shows as "MACs stripped". Each keyed append also
//!   writes the run's signed head (`run_heads`: event count, last hash and
//!   their MAC) in the same transaction, so cutting events off the end
//!   shows even when `runs` is rewritten to match. Not covered: putting
//!   back an *older* genuine head record together with cutting the events
//!   after it (a replay of the store's own signed state), and rewriting a
//!   whole run from event 1 on as an unkeyed run (new `run_started`
//!   without `audit_key`, no MACs, no head record): that verifies as
//!   [`Keying::Unkeyed`], which greenlight never counts as proof when a key
//!   is configured.
//!
//! Schema (both backends, created and migrated by [`Store::open`]):
//! - `events (run_id, seq, at, kind, item, actor, payload, prev_hash, hash, mac)`,
//!   primary key `(run_id, seq)`; `payload` is the canonical JSON text.
//! - `runs (run_id, checklist, profile, started_at, last_at, verdict,
//!   events, last_hash, release)`: one row per run, updated in the same transaction
//!   as its events (PostgreSQL adds `created` for ordering).
//! - `run_heads (run_id, events, last_hash, mac)`: a keyed run's signed head.
//! - `accounts`, `api_tokens`, `web_sessions`, `login_failures`: who may
//!   use the server (see [`Account`]; rules in greenlight-auth).
//! - `schema_migrations (version, name, applied_at)`.

#![warn(missing_docs)]

mod canonical;
mod credentials;
mod error;
mod event;
mod hash;
mod migrate;
mod postgres;
mod prepare;
mod sqlite;

pub use credentials::{Account, ApiToken, WebSession};
pub use error::{Result, StoreError, redact_url};
pub use event::{AuditReport, Event, EventKind, Keying, NewEvent, Payload, RunSummary};
pub use hash::{AuditKey, GENESIS, MIN_KEY_BYTES, canonical_json, event_hash};
pub use postgres::listen::{Change, Changes};

use std::path::Path;

/// An open store. Cheap to share behind an `Arc`: every method takes
/// `&self` (each backend serializes use of its one connection).
pub enum Store {
    /// A SQLite file in WAL mode.
    Sqlite(sqlite::SqliteStore),
    /// A PostgreSQL database (optionally one schema of it).
    Postgres(Box<postgres::PgStore>),
}

impl Store {
    /// Opens (creating if needed) a store.
    ///
    /// `spec` is either a file path for SQLite (parent folders are
    /// created; the file is put in WAL mode), or a `postgres://…` /
    /// `postgresql://…` URL. A URL may add `?schema=NAME` (letters, digits,
    /// `_`) to keep the tables in that schema, created if missing, and any
    /// parameter tokio-postgres understands (`connect_timeout=SECONDS`,
    /// default 5; `options`, `application_name`, …). Missing tables are
    /// created by numbered migrations recorded in `schema_migrations`.
    ///
    /// Errors: [`StoreError::Open`] ("cannot open store PATH: …") or
    /// [`StoreError::Unreachable`] ("PostgreSQL store at URL unreachable:
    /// …"), with any password removed from the URL.
    pub async fn open(spec: &str) -> Result<Store> {
        if spec.starts_with("postgres://") || spec.starts_with("postgresql://") {
            Ok(Store::Postgres(Box::new(
                postgres::PgStore::open(spec).await?,
            )))
        } else {
            Ok(Store::Sqlite(
                sqlite::SqliteStore::open(Path::new(spec)).await?,
            ))
        }
    }

    /// Signs every event appended from now on with `key`, and checks MACs
    /// on [`Store::verify`] (`None`: append unsigned, check no MAC).
    pub fn set_audit_key(&mut self, key: Option<AuditKey>) {
        match self {
            Store::Sqlite(s) => s.key = key,
            Store::Postgres(s) => s.key = key,
        }
    }

    /// The audit key in use, if any.
    pub fn audit_key(&self) -> Option<&AuditKey> {
        match self {
            Store::Sqlite(s) => s.key.as_ref(),
            Store::Postgres(s) => s.key.as_ref(),
        }
    }

    /// What the store is, for messages: the file path or the URL without
    /// its password.
    pub fn describe(&self) -> &str {
        match self {
            Store::Sqlite(s) => s.name(),
            Store::Postgres(s) => s.name(),
        }
    }

    /// Appends events atomically (all or nothing) and returns them as
    /// stored: each gets the next `seq` of its run, the time `at`, its
    /// `prev_hash` and `hash`. Events of several runs may be mixed; each
    /// run's events keep their order within the batch. An empty batch is a
    /// no-op.
    ///
    /// Refused before anything is written ([`StoreError::Invalid`]): an
    /// empty or blank `run_id` or `actor`, or a NUL character in `run_id`,
    /// `item` or `actor`.
    pub async fn append(&self, events: Vec<NewEvent>) -> Result<Vec<Event>> {
        self.append_shared(events.into()).await
    }

    /// [`Store::append`] for a batch the caller keeps, e.g. to try again
    /// when the store fails (nothing of a failed batch is written): it is
    /// shared with the store, not copied for each attempt.
    pub async fn append_shared(&self, events: std::sync::Arc<[NewEvent]>) -> Result<Vec<Event>> {
        if events.is_empty() {
            return Ok(Vec::new());
        }
        match self {
            Store::Sqlite(s) => s.append(events).await,
            Store::Postgres(s) => s.append_slice(&events).await,
        }
    }

    /// All events of a run, in `seq` order (empty for an unknown run).
    pub async fn events(&self, run_id: &str) -> Result<Vec<Event>> {
        self.events_since(run_id, 0).await
    }

    /// The events of a run with `seq > after`, in order (for following a
    /// live run: pass the last `seq` seen).
    pub async fn events_since(&self, run_id: &str, after: u64) -> Result<Vec<Event>> {
        let events = match self {
            Store::Sqlite(s) => s.events_since(run_id, after).await,
            Store::Postgres(s) => s.events_since(run_id, after).await,
        }?;
        self.count_read(events.len());
        Ok(events)
    }

    /// The events of `kinds` of several runs: run by run in the order of
    /// `run_ids`, each in `seq` order. The kinds are filtered by the
    /// database, so only those rows are read (a release's people's acts,
    /// say, without every earlier run's step results).
    pub async fn events_of_kinds(
        &self,
        run_ids: &[String],
        kinds: &[EventKind],
    ) -> Result<Vec<Event>> {
        if run_ids.is_empty() || kinds.is_empty() {
            return Ok(Vec::new());
        }
        let kinds: Vec<&'static str> = kinds.iter().map(|k| k.as_str()).collect();
        let mut events = match self {
            Store::Sqlite(s) => s.events_of_kinds(run_ids, &kinds).await,
            Store::Postgres(s) => s.events_of_kinds(run_ids, &kinds).await,
        }?;
        // Run by run as asked (a stable sort keeps each run's seq order).
        events.sort_by_key(|e| run_ids.iter().position(|r| *r == e.run_id));
        self.count_read(events.len());
        Ok(events)
    }

    /// How many events this store handle has read (`events`,
    /// `events_since`, `events_of_kinds`) since it was opened: a
    /// diagnostic, e.g. to see that a release's earlier runs are read by
    /// their acts only. Verification's reads are not counted.
    pub fn events_read(&self) -> u64 {
        self.read_counter()
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    fn read_counter(&self) -> &std::sync::atomic::AtomicU64 {
        match self {
            Store::Sqlite(s) => &s.read,
            Store::Postgres(s) => &s.read,
        }
    }

    fn count_read(&self, n: usize) {
        self.read_counter()
            .fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
    }

    /// One summary per run, newest started first; only the runs of
    /// `checklist` when given (matched exactly or by file name, so
    /// `STAGING.md` finds `docs/STAGING.md`).
    pub async fn runs(&self, checklist: Option<&str>) -> Result<Vec<RunSummary>> {
        match self {
            Store::Sqlite(s) => s.runs(checklist).await,
            Store::Postgres(s) => s.runs(checklist).await,
        }
    }

    /// The runs of one release, oldest started first (none for an empty
    /// release name: runs recorded before releases existed stand alone).
    pub async fn release_runs(&self, release: &str) -> Result<Vec<RunSummary>> {
        if release.is_empty() {
            return Ok(Vec::new());
        }
        let mut runs: Vec<RunSummary> = self
            .runs(None)
            .await?
            .into_iter()
            .filter(|r| r.release == release)
            .collect();
        runs.reverse();
        Ok(runs)
    }

    /// The ID of the run started last, if any.
    pub async fn latest_run(&self) -> Result<Option<String>> {
        Ok(self.runs(None).await?.into_iter().next().map(|r| r.run_id))
    }

    /// The run whose ID is `prefix`, or the only one starting with it.
    /// Errors: [`StoreError::NoSuchRun`], [`StoreError::Ambiguous`] (naming
    /// the candidates), [`StoreError::Invalid`] for an empty prefix.
    pub async fn resolve_run(&self, prefix: &str) -> Result<String> {
        let ids = self
            .runs(None)
            .await?
            .into_iter()
            .map(|r| r.run_id)
            .collect();
        prepare::resolve(prefix, ids)
    }

    /// New events as the database announces them, whoever writes them:
    /// PostgreSQL `LISTEN` on a connection of its own (`Some`); SQLite
    /// announces nothing (`None`: poll [`Store::runs`] and
    /// [`Store::events_since`]). The announcements end when the
    /// connection is lost.
    pub async fn changes(&self) -> Result<Option<Changes>> {
        match self {
            Store::Sqlite(_) => Ok(None),
            Store::Postgres(s) => s.changes().await.map(Some),
        }
    }

    /// Recomputes the run's hash chain from the stored rows and names the
    /// first event that was altered, removed (also from the end: the
    /// run's recorded head is checked) or re-linked.
    /// [`StoreError::NoSuchRun`] for a run the store has never seen.
    pub async fn verify(&self, run_id: &str) -> Result<AuditReport> {
        match self {
            Store::Sqlite(s) => s.verify(run_id).await,
            Store::Postgres(s) => s.verify(run_id).await,
        }
    }
}
