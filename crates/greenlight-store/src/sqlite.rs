//! The default store: one SQLite file in WAL mode. Writers take the write
//! lock at the start of their transaction (`BEGIN IMMEDIATE`) and wait for
//! each other (busy timeout), so concurrent processes never interleave a
//! run's chain.

use crate::error::{Result, StoreError};
use crate::event::{AuditReport, Event, NewEvent, RunSummary};
use crate::hash::{self, StoredRow};
use crate::prepare;
use rusqlite::{Connection, OptionalExtension, params};
use std::path::Path;
use std::sync::Mutex;

const SCHEMA: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS events (
        run_id TEXT NOT NULL, seq INTEGER NOT NULL, at TEXT NOT NULL, kind TEXT NOT NULL,
        item TEXT, actor TEXT NOT NULL, payload TEXT NOT NULL, prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL, PRIMARY KEY (run_id, seq))",
    "CREATE TABLE IF NOT EXISTS runs (
        run_id TEXT PRIMARY KEY, checklist TEXT NOT NULL DEFAULT '', profile TEXT NOT NULL DEFAULT '',
        started_at TEXT NOT NULL, last_at TEXT NOT NULL, verdict TEXT, events INTEGER NOT NULL,
        last_hash TEXT NOT NULL)",
];

pub struct SqliteStore {
    conn: Mutex<Connection>,
    name: String,
}

impl SqliteStore {
    pub fn open(path: &Path) -> Result<SqliteStore> {
        let name = path.display().to_string();
        let fail = |e: &dyn std::fmt::Display| StoreError::Open {
            store: name.clone(),
            detail: e.to_string(),
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| fail(&e))?;
        }
        let conn = Connection::open(path).map_err(|e| fail(&e))?;
        conn.busy_timeout(std::time::Duration::from_secs(30))
            .map_err(|e| fail(&e))?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(|e| fail(&e))?;
        // NORMAL in WAL: a committed transaction survives a process crash
        // (not necessarily a power loss).
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(|e| fail(&e))?;
        for stmt in SCHEMA {
            conn.execute(stmt, []).map_err(|e| fail(&e))?;
        }
        Ok(SqliteStore {
            conn: Mutex::new(conn),
            name,
        })
    }

    fn query_err(&self, e: rusqlite::Error) -> StoreError {
        StoreError::Query {
            store: self.name.clone(),
            detail: e.to_string(),
        }
    }

    pub fn append(&self, events: Vec<NewEvent>) -> Result<Vec<Event>> {
        prepare::validate(&events)?;
        let mut conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(|e| self.query_err(e))?;
        let out = {
            let mut heads = prepare::Heads::default();
            let mut head_stmt = tx
                .prepare_cached("SELECT events, last_hash FROM runs WHERE run_id = ?1")
                .map_err(|e| self.query_err(e))?;
            let mut insert = tx
                .prepare_cached(
                    "INSERT INTO events (run_id, seq, at, kind, item, actor, payload, prev_hash, hash)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                )
                .map_err(|e| self.query_err(e))?;
            let mut out = Vec::with_capacity(events.len());
            for ev in events {
                if !heads.known(&ev.run_id) {
                    let head: Option<(i64, String)> = head_stmt
                        .query_row(params![ev.run_id], |r| Ok((r.get(0)?, r.get(1)?)))
                        .optional()
                        .map_err(|e| self.query_err(e))?;
                    heads.set(&ev.run_id, head.map(|(n, h)| (n as u64, h)));
                }
                let (event, canonical) = heads.next(ev);
                insert
                    .execute(params![
                        event.run_id,
                        event.seq as i64,
                        event.at,
                        event.kind.as_str(),
                        event.item,
                        event.actor,
                        canonical,
                        event.prev_hash,
                        event.hash
                    ])
                    .map_err(|e| self.query_err(e))?;
                out.push(event);
            }
            for (run_id, head) in heads.updates(&out) {
                tx.execute(
                    "INSERT INTO runs (run_id, checklist, profile, started_at, last_at, verdict, events, last_hash)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                     ON CONFLICT (run_id) DO UPDATE SET
                        checklist = CASE WHEN excluded.checklist <> '' THEN excluded.checklist ELSE runs.checklist END,
                        profile = CASE WHEN excluded.profile <> '' THEN excluded.profile ELSE runs.profile END,
                        last_at = excluded.last_at, verdict = COALESCE(excluded.verdict, runs.verdict),
                        events = excluded.events, last_hash = excluded.last_hash",
                    params![
                        run_id,
                        head.checklist,
                        head.profile,
                        head.started_at,
                        head.last_at,
                        head.verdict,
                        head.events as i64,
                        head.last_hash
                    ],
                )
                .map_err(|e| self.query_err(e))?;
            }
            out
        };
        tx.commit().map_err(|e| self.query_err(e))?;
        Ok(out)
    }

    fn rows(&self, run_id: &str, after: u64) -> Result<Vec<StoredRow>> {
        let conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        let mut stmt = conn
            .prepare_cached(
                "SELECT seq, at, kind, item, actor, payload, prev_hash, hash FROM events
                 WHERE run_id = ?1 AND seq > ?2 ORDER BY seq",
            )
            .map_err(|e| self.query_err(e))?;
        let rows = stmt
            .query_map(params![run_id, after as i64], |r| {
                Ok(StoredRow {
                    seq: r.get::<_, i64>(0)? as u64,
                    at: r.get(1)?,
                    kind: r.get(2)?,
                    item: r.get(3)?,
                    actor: r.get(4)?,
                    payload: r.get(5)?,
                    prev_hash: r.get(6)?,
                    hash: r.get(7)?,
                })
            })
            .map_err(|e| self.query_err(e))?;
        rows.collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.query_err(e))
    }

    pub fn events_since(&self, run_id: &str, after: u64) -> Result<Vec<Event>> {
        Ok(self
            .rows(run_id, after)?
            .into_iter()
            .map(|r| hash::to_event(run_id, r))
            .collect())
    }

    pub fn verify(&self, run_id: &str) -> Result<AuditReport> {
        Ok(hash::verify_rows(run_id, &self.rows(run_id, 0)?))
    }

    pub fn runs(&self, checklist: Option<&str>) -> Result<Vec<RunSummary>> {
        let conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        let mut stmt = conn
            .prepare_cached(
                "SELECT run_id, checklist, profile, started_at, last_at, verdict, events FROM runs
                 ORDER BY started_at DESC, rowid DESC",
            )
            .map_err(|e| self.query_err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(RunSummary {
                    run_id: r.get(0)?,
                    checklist: r.get(1)?,
                    profile: r.get(2)?,
                    started_at: r.get(3)?,
                    last_event_at: r.get(4)?,
                    verdict: r.get(5)?,
                    events: r.get::<_, i64>(6)? as u64,
                })
            })
            .map_err(|e| self.query_err(e))?;
        let all: Vec<RunSummary> = rows
            .collect::<Result<_, _>>()
            .map_err(|e| self.query_err(e))?;
        Ok(prepare::filter_runs(all, checklist))
    }
}
