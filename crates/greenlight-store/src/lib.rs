//! greenlight-store keeps every run as an append-only log of events —
//! step results, people's checks, waivers, sign-offs, budget overruns,
//! verdicts — on SQLite (a file beside the checklist, by default) or
//! PostgreSQL (a team store). Each event carries the hash of the one
//! before it, so `verify` names the first altered or missing event.
//!
//! An append is one transaction: when it returns `Ok`, the events are
//! committed and survive the process being killed.

mod error;
mod event;
mod hash;
mod postgres;
mod prepare;
mod sqlite;

pub use error::{Result, StoreError, redact_url};
pub use event::{AuditReport, Event, EventKind, NewEvent, RunSummary};
pub use hash::{GENESIS, canonical_json};

use std::path::Path;

/// An open store.
pub enum Store {
    Sqlite(sqlite::SqliteStore),
    Postgres(postgres::PgStore),
}

impl Store {
    /// Opens (creating if needed) a store: a file path for SQLite, or a
    /// `postgres://…` URL (optionally `?schema=NAME`) for PostgreSQL.
    pub async fn open(spec: &str) -> Result<Store> {
        if spec.starts_with("postgres://") || spec.starts_with("postgresql://") {
            Ok(Store::Postgres(postgres::PgStore::open(spec).await?))
        } else {
            Ok(Store::Sqlite(sqlite::SqliteStore::open(Path::new(spec))?))
        }
    }

    /// Appends events atomically (all or nothing), numbering and chaining
    /// them per run.
    pub async fn append(&self, events: Vec<NewEvent>) -> Result<Vec<Event>> {
        if events.is_empty() {
            return Ok(Vec::new());
        }
        match self {
            Store::Sqlite(s) => s.append(events),
            Store::Postgres(s) => s.append(events).await,
        }
    }

    /// All events of a run, in order.
    pub async fn events(&self, run_id: &str) -> Result<Vec<Event>> {
        self.events_since(run_id, 0).await
    }

    /// Events of a run after sequence number `after`.
    pub async fn events_since(&self, run_id: &str, after: u64) -> Result<Vec<Event>> {
        match self {
            Store::Sqlite(s) => s.events_since(run_id, after),
            Store::Postgres(s) => s.events_since(run_id, after).await,
        }
    }

    /// Runs, newest first; only those of `checklist` when given.
    pub async fn runs(&self, checklist: Option<&str>) -> Result<Vec<RunSummary>> {
        match self {
            Store::Sqlite(s) => s.runs(checklist),
            Store::Postgres(s) => s.runs(checklist).await,
        }
    }

    /// The newest run.
    pub async fn latest_run(&self) -> Result<Option<String>> {
        Ok(self.runs(None).await?.into_iter().next().map(|r| r.run_id))
    }

    /// The run whose ID is `prefix` or uniquely starts with it.
    pub async fn resolve_run(&self, prefix: &str) -> Result<String> {
        let ids = self
            .runs(None)
            .await?
            .into_iter()
            .map(|r| r.run_id)
            .collect();
        prepare::resolve(prefix, ids)
    }

    /// Recomputes the run's chain and names the first bad event.
    pub async fn verify(&self, run_id: &str) -> Result<AuditReport> {
        match self {
            Store::Sqlite(s) => s.verify(run_id),
            Store::Postgres(s) => s.verify(run_id).await,
        }
    }
}
