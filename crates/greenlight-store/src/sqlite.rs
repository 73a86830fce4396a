//! The default store: one SQLite file in WAL mode.
//!
//! Writers take the write lock at the start of their transaction
//! (`BEGIN IMMEDIATE`) and wait for each other (busy timeout, 30 s), so
//! concurrent processes never interleave a run's chain. The connection
//! works on tokio's blocking pool, so a writer waiting for the lock does
//! not stall the async runtime.
//!
//! Durability: `synchronous = NORMAL` in WAL mode. A committed append
//! survives the process being killed at any point (the WAL is in the OS
//! page cache, and is replayed on the next open); it is *not* guaranteed
//! to survive a power loss or kernel crash before SQLite's next
//! checkpoint (the last transactions may roll back, the file stays
//! consistent).
//!
//! Closing does not checkpoint: the WAL (`runs.db-wal`, with its index
//! `runs.db-shm`) stays beside the file and is part of the store. Folding
//! it into `runs.db` on every close cost three fsyncs per command, more
//! than everything else a short run does on a busy disk, and bought only
//! power-loss safety for the newest runs. SQLite's automatic checkpoint
//! (once the WAL holds 1000 pages, about 4 MB) still folds and syncs it.
//! Copy the store with `sqlite3 runs.db .backup` or all three files.

use crate::error::{Result, StoreError};
use crate::event::{AuditReport, Event, NewEvent, RunSummary};
use crate::hash::{self, AuditKey, SealedHead, StoredRow};
use crate::{migrate, prepare};
use rusqlite::config::DbConfig;
use rusqlite::{Connection, ErrorCode, OptionalExtension, TransactionBehavior, params};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long a writer waits for another one's transaction.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// How often an append is retried after a unique-key conflict.
const RETRIES: usize = 3;

/// A SQLite store (one connection, shared behind a mutex).
pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
    name: Arc<str>,
    /// Signs appended events and checks MACs on verify.
    pub(crate) key: Option<AuditKey>,
    /// Events read (see [`crate::Store::events_read`]).
    pub(crate) read: std::sync::atomic::AtomicU64,
}

impl SqliteStore {
    /// Opens or creates the file (and its parent folders), switches it to
    /// WAL and applies pending migrations.
    pub async fn open(path: &Path) -> Result<SqliteStore> {
        let path = path.to_path_buf();
        let name: Arc<str> = path.display().to_string().into();
        let store = name.clone();
        let conn = blocking(move || {
            let fail = |e: &dyn std::fmt::Display| StoreError::Open {
                store: store.to_string(),
                detail: e.to_string(),
            };
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| fail(&e))?;
            }
            let mut conn = Connection::open(&path).map_err(|e| fail(&e))?;
            conn.busy_timeout(BUSY_TIMEOUT).map_err(|e| fail(&e))?;
            // A brand-new (empty) file holds nothing to lose: its switch to
            // WAL (a rollback-journal write of page 1) and its schema are
            // written without syncing, which saves six syncs (several
            // milliseconds) on every first run. A kill cannot lose those
            // writes (the OS keeps them); a power loss could only lose the
            // empty schema, which the next open creates again. Events are
            // only ever appended under `synchronous = NORMAL`.
            let fresh = conn
                .pragma_query_value(None, "page_count", |r| r.get::<_, i64>(0))
                .map_err(|e| fail(&e))?
                == 0;
            let sync = if fresh { "OFF" } else { "NORMAL" };
            conn.pragma_update(None, "synchronous", sync)
                .map_err(|e| fail(&e))?;
            conn.pragma_update(None, "journal_mode", "WAL")
                .map_err(|e| fail(&e))?;
            migrate_sqlite(&mut conn, &store)?;
            conn.pragma_update(None, "synchronous", "NORMAL")
                .map_err(|e| fail(&e))?;
            // See the module's notes: the WAL outlives the connection.
            conn.set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true)
                .map_err(|e| fail(&e))?;
            Ok(conn)
        })
        .await?;
        Ok(SqliteStore {
            conn: Arc::new(Mutex::new(conn)),
            name,
            key: None,
            read: Default::default(),
        })
    }

    /// The store's name for messages.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Runs `f` on the connection, on the blocking pool.
    pub(crate) async fn with<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T> {
        let conn = self.conn.clone();
        let name = self.name.clone();
        blocking(move || {
            let mut conn = conn.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut conn).map_err(|e| StoreError::Query {
                store: name.to_string(),
                detail: e.to_string(),
            })
        })
        .await
    }

    /// See [`crate::Store::append`] (a `Vec`) and
    /// [`crate::Store::append_shared`] (an `Arc`, not copied).
    pub async fn append(&self, events: impl Into<Arc<[NewEvent]>>) -> Result<Vec<Event>> {
        let events: Arc<[NewEvent]> = events.into();
        prepare::validate(&events)?;
        let key = self.key.clone();
        self.with(move |conn| {
            let mut attempt = 0;
            loop {
                match append_tx(conn, &events, key.as_ref()) {
                    Err(e) if attempt < RETRIES && is_conflict(&e) => attempt += 1,
                    other => return other,
                }
            }
        })
        .await
    }

    /// See [`crate::Store::events_since`].
    pub async fn events_since(&self, run_id: &str, after: u64) -> Result<Vec<Event>> {
        let run = run_id.to_string();
        self.with(move |conn| {
            let rows = rows(conn, &run, after)?;
            Ok(rows.into_iter().map(|r| hash::to_event(&run, r)).collect())
        })
        .await
    }

    /// See [`crate::Store::events_of_kinds`] (in any run order).
    pub async fn events_of_kinds(
        &self,
        run_ids: &[String],
        kinds: &[&'static str],
    ) -> Result<Vec<Event>> {
        let runs = run_ids.to_vec();
        // The kinds are the store's own constant names, never user text.
        let kinds = kinds
            .iter()
            .map(|k| format!("'{k}'"))
            .collect::<Vec<_>>()
            .join(", ");
        self.with(move |conn| {
            let tx = conn.transaction()?;
            let mut out = Vec::new();
            {
                let mut stmt = tx.prepare_cached(&format!(
                    "SELECT seq, at, kind, item, actor, payload, prev_hash, hash, mac FROM events
                     WHERE run_id = ?1 AND kind IN ({kinds}) ORDER BY seq"
                ))?;
                for run in &runs {
                    let rows = stmt.query_map(params![run], stored_row)?;
                    for r in rows {
                        out.push(hash::to_event(run, r?));
                    }
                }
            }
            tx.commit()?;
            Ok(out)
        })
        .await
    }

    /// See [`crate::Store::verify`].
    pub async fn verify(&self, run_id: &str) -> Result<AuditReport> {
        let run = run_id.to_string();
        let (rows, head, sealed) = self
            .with(move |conn| {
                // One read transaction: rows and heads from the same snapshot.
                let tx = conn.transaction()?;
                let rows = rows(&tx, &run, 0)?;
                let head = head(&tx, &run)?;
                let sealed = sealed_head(&tx, &run)?;
                tx.commit()?;
                Ok((rows, head, sealed))
            })
            .await?;
        if rows.is_empty() && head.is_none() {
            return Err(StoreError::NoSuchRun(run_id.to_string()));
        }
        let head = head.as_ref().map(|(n, h)| (*n, h.as_str()));
        Ok(hash::verify_rows(
            run_id,
            &rows,
            head,
            sealed.as_ref(),
            self.key.as_ref(),
        ))
    }

    /// See [`crate::Store::runs`].
    pub async fn runs(&self, checklist: Option<&str>) -> Result<Vec<RunSummary>> {
        let all = self
            .with(|conn| {
                let mut stmt = conn.prepare_cached(
                    "SELECT run_id, checklist, profile, started_at, last_at, verdict, events, release
                     FROM runs ORDER BY started_at DESC, rowid DESC",
                )?;
                let rows = stmt.query_map([], |r| {
                    Ok(RunSummary {
                        run_id: r.get(0)?,
                        checklist: r.get(1)?,
                        profile: r.get(2)?,
                        started_at: r.get(3)?,
                        last_event_at: r.get(4)?,
                        verdict: r.get(5)?,
                        events: r.get::<_, i64>(6)? as u64,
                        release: r.get(7)?,
                    })
                })?;
                rows.collect::<rusqlite::Result<Vec<_>>>()
            })
            .await?;
        Ok(prepare::filter_runs(all, checklist))
    }
}

/// Runs blocking work off the async threads.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
}

fn is_conflict(e: &rusqlite::Error) -> bool {
    e.sqlite_error_code() == Some(ErrorCode::ConstraintViolation)
}

/// Applies pending migrations under the write lock; a store with no
/// schema at all gets the final one in one script
/// ([`migrate::SQLITE_FRESH`]), with every migration recorded as applied.
fn migrate_sqlite(conn: &mut Connection, store: &str) -> Result<()> {
    migrate_sqlite_with(conn, store, true)
}

/// [`migrate_sqlite`]; `fresh_script: false` replays every migration even
/// on an empty store (what the fresh script is tested against).
fn migrate_sqlite_with(conn: &mut Connection, store: &str, fresh_script: bool) -> Result<()> {
    let sql = |e: rusqlite::Error| StoreError::Open {
        store: store.to_string(),
        detail: e.to_string(),
    };
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(sql)?;
    // Asked under the write lock: another process may have just created it.
    let empty = fresh_script
        && tx
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| {
                r.get::<_, i64>(0)
            })
            .map_err(sql)?
            == 0;
    tx.execute_batch(migrate::TABLE).map_err(sql)?;
    let pending = if empty {
        for script in migrate::SQLITE_FRESH {
            tx.execute_batch(script).map_err(sql)?;
        }
        migrate::SQLITE.iter().collect()
    } else {
        let applied: Vec<i64> = tx
            .prepare("SELECT version FROM schema_migrations")
            .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
            .map_err(sql)?;
        migrate::pending(store, migrate::SQLITE, &applied)?
    };
    {
        let mut record = tx
            .prepare(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
            )
            .map_err(sql)?;
        let at = prepare::now();
        for m in pending {
            if !empty {
                tx.execute_batch(m.sql).map_err(sql)?;
            }
            record
                .execute(params![m.version, m.name, at])
                .map_err(sql)?;
        }
    }
    tx.commit().map_err(sql)
}

/// One attempt at appending `events` in a single write transaction.
fn append_tx(
    conn: &mut Connection,
    events: &[NewEvent],
    key: Option<&AuditKey>,
) -> rusqlite::Result<Vec<Event>> {
    let guard = WriteTx::begin(conn)?;
    let tx = guard.conn;
    let mut heads = prepare::Heads::signed(key.cloned());
    let mut out = Vec::with_capacity(events.len());
    {
        let mut insert = tx.prepare_cached(
            "INSERT INTO events (run_id, seq, at, kind, item, actor, payload, prev_hash, hash, mac)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )?;
        for ev in events {
            if !heads.known(&ev.run_id) {
                heads.set(&ev.run_id, head(tx, &ev.run_id)?);
            }
            let e = heads.next(ev);
            insert.execute(params![
                e.run_id,
                e.seq as i64,
                e.at,
                e.kind.as_str(),
                e.item,
                e.actor,
                e.payload_text,
                e.prev_hash,
                e.hash,
                e.mac
            ])?;
            out.push(e);
        }
        let mut upsert = tx.prepare_cached(
            "INSERT INTO runs (run_id, checklist, profile, started_at, last_at, verdict, events, last_hash, release)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
             ON CONFLICT (run_id) DO UPDATE SET
                checklist = CASE WHEN excluded.checklist <> '' THEN excluded.checklist ELSE runs.checklist END,
                profile = CASE WHEN excluded.profile <> '' THEN excluded.profile ELSE runs.profile END,
                release = CASE WHEN excluded.release <> '' THEN excluded.release ELSE runs.release END,
                last_at = excluded.last_at, verdict = COALESCE(excluded.verdict, runs.verdict),
                events = excluded.events, last_hash = excluded.last_hash",
        )?;
        // Only a keyed append seals heads: an unkeyed one does not
        // prepare the statement.
        let mut seal = match key {
            Some(_) => Some(tx.prepare_cached(SEAL_HEAD)?),
            None => None,
        };
        for (run_id, u) in heads.updates(&out) {
            upsert.execute(params![
                run_id,
                u.checklist,
                u.profile,
                u.started_at,
                u.last_at,
                u.verdict,
                u.events as i64,
                u.last_hash,
                u.release
            ])?;
            if let (Some(mac), Some(seal)) = (&u.head_mac, seal.as_mut()) {
                seal.execute(params![run_id, u.events as i64, u.last_hash, mac])?;
            }
        }
    }
    guard.commit()?;
    Ok(out)
}

/// A write transaction (`BEGIN IMMEDIATE` … `COMMIT`) through cached
/// statements: rusqlite's `Transaction` has SQLite parse both again on
/// every append. Rolled back when dropped uncommitted, as `Transaction`.
struct WriteTx<'c> {
    conn: &'c Connection,
    open: bool,
}

impl<'c> WriteTx<'c> {
    fn begin(conn: &'c Connection) -> rusqlite::Result<WriteTx<'c>> {
        conn.prepare_cached("BEGIN IMMEDIATE")?.execute([])?;
        Ok(WriteTx { conn, open: true })
    }

    fn commit(mut self) -> rusqlite::Result<()> {
        self.conn.prepare_cached("COMMIT")?.execute([])?;
        self.open = false;
        Ok(())
    }
}

impl Drop for WriteTx<'_> {
    fn drop(&mut self) {
        if self.open && !self.conn.is_autocommit() {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }
}

/// A run's recorded head: its event count and last hash.
fn head(conn: &Connection, run_id: &str) -> rusqlite::Result<Option<(u64, String)>> {
    conn.prepare_cached("SELECT events, last_hash FROM runs WHERE run_id = ?1")?
        .query_row(params![run_id], |r| {
            Ok((r.get::<_, i64>(0)? as u64, r.get(1)?))
        })
        .optional()
}

/// Records a keyed run's signed head (see [`SealedHead`]).
const SEAL_HEAD: &str =
    "INSERT INTO run_heads (run_id, events, last_hash, mac) VALUES (?1, ?2, ?3, ?4)
     ON CONFLICT (run_id) DO UPDATE SET
        events = excluded.events, last_hash = excluded.last_hash, mac = excluded.mac";

/// A run's signed head record, if it has one.
fn sealed_head(conn: &Connection, run_id: &str) -> rusqlite::Result<Option<SealedHead>> {
    conn.prepare_cached("SELECT events, last_hash, mac FROM run_heads WHERE run_id = ?1")?
        .query_row(params![run_id], |r| {
            Ok(SealedHead {
                events: r.get::<_, i64>(0)? as u64,
                last_hash: r.get(1)?,
                mac: r.get(2)?,
            })
        })
        .optional()
}

/// A run's rows after `after`, in seq order.
fn rows(conn: &Connection, run_id: &str, after: u64) -> rusqlite::Result<Vec<StoredRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, at, kind, item, actor, payload, prev_hash, hash, mac FROM events
         WHERE run_id = ?1 AND seq > ?2 ORDER BY seq",
    )?;
    let rows = stmt.query_map(params![run_id, after as i64], stored_row)?;
    rows.collect()
}

/// A row of `SELECT seq, at, kind, item, actor, payload, prev_hash, hash, mac`.
fn stored_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredRow> {
    Ok(StoredRow {
        seq: r.get::<_, i64>(0)? as u64,
        at: r.get(1)?,
        kind: r.get(2)?,
        item: r.get(3)?,
        actor: r.get(4)?,
        payload: r.get(5)?,
        prev_hash: r.get(6)?,
        hash: r.get(7)?,
        mac: r.get(8)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::EventKind;

    fn step(run: &str, n: u64) -> NewEvent {
        NewEvent {
            run_id: run.into(),
            kind: EventKind::StepResult,
            item: Some(format!("item-{n}")),
            actor: "tester".into(),
            payload: serde_json::json!({ "n": n }).into(),
        }
    }

    /// Everything a schema is: `sqlite_master` (type, name, table, SQL
    /// text, root page), `user_version`, and the migrations recorded.
    type Schema = (
        Vec<(String, String, String, Option<String>, i64)>,
        i64,
        Vec<(i64, String)>,
    );

    fn schema(conn: &Connection) -> Schema {
        let master = conn
            .prepare("SELECT type, name, tbl_name, sql, rootpage FROM sqlite_master ORDER BY name")
            .unwrap()
            .query_map([], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })
            .unwrap()
            .collect::<rusqlite::Result<Vec<_>>>()
            .unwrap();
        let version = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        let applied = conn
            .prepare("SELECT version, name FROM schema_migrations ORDER BY version")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<Vec<_>>>()
            .unwrap();
        (master, version, applied)
    }

    #[test]
    fn a_fresh_store_gets_exactly_the_schema_the_migrations_build() {
        let dir = std::env::temp_dir().join(format!("greenlight-fresh-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        // The migrations one by one, as every store before the script.
        let mut stepwise = Connection::open(dir.join("stepwise.db")).unwrap();
        migrate_sqlite_with(&mut stepwise, "stepwise", false).unwrap();
        // What a new store gets: the fresh script.
        let mut fresh = Connection::open(dir.join("fresh.db")).unwrap();
        migrate_sqlite(&mut fresh, "fresh").unwrap();
        // The script itself, alone (so the test cannot pass by the fresh
        // path quietly replaying the migrations).
        let script = Connection::open_in_memory().unwrap();
        script.execute_batch(migrate::TABLE).unwrap();
        for part in migrate::SQLITE_FRESH {
            script.execute_batch(part).unwrap();
        }

        let expected = schema(&stepwise);
        let all: Vec<(i64, String)> = migrate::SQLITE
            .iter()
            .map(|m| (m.version, m.name.to_string()))
            .collect();
        assert_eq!(
            expected.2, all,
            "the stepwise store records every migration"
        );
        assert_eq!(
            schema(&fresh),
            expected,
            "a new store's schema differs from the migrated one"
        );
        let (master, version, _) = schema(&script);
        assert_eq!(
            (master, version),
            (expected.0.clone(), expected.1),
            "migrate::SQLITE_FRESH differs from what the migrations build: \
             a new migration must be added to it too"
        );
        // Opening either again applies nothing, and both take events.
        for conn in [&mut stepwise, &mut fresh] {
            migrate_sqlite(conn, "again").unwrap();
            assert_eq!(schema(conn), expected);
            append_tx(conn, &[step("r1", 1)], None).unwrap();
        }
        drop((stepwise, fresh));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A batch SQLite refuses halfway (here a trigger) leaves nothing, and
    /// the connection takes the next batch (the transaction was rolled
    /// back, not left open).
    #[test]
    fn a_batch_refused_halfway_is_rolled_back() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate_sqlite(&mut conn, "mem").unwrap();
        append_tx(&mut conn, &[step("r1", 1)], None).unwrap();
        conn.execute_batch(
            "CREATE TRIGGER refuse BEFORE INSERT ON events WHEN NEW.item = 'item-3'
             BEGIN SELECT RAISE(ABORT, 'refused'); END;",
        )
        .unwrap();
        let err = append_tx(&mut conn, &[step("r1", 2), step("r1", 3)], None).unwrap_err();
        assert!(err.to_string().contains("refused"), "{err}");
        assert!(conn.is_autocommit(), "the transaction was left open");
        let count = |conn: &Connection| -> (i64, i64) {
            conn.query_row(
                "SELECT (SELECT count(*) FROM events), (SELECT events FROM runs WHERE run_id = 'r1')",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap()
        };
        assert_eq!(count(&conn), (1, 1));
        let next = append_tx(&mut conn, &[step("r1", 4)], None).unwrap();
        assert_eq!(next[0].seq, 2);
        assert_eq!(count(&conn), (2, 2));
        let rows = rows(&conn, "r1", 0).unwrap();
        let head = head(&conn, "r1").unwrap();
        let head = head.as_ref().map(|(n, h)| (*n, h.as_str()));
        assert!(hash::verify_rows("r1", &rows, head, None, None).ok);
    }

    #[test]
    fn closing_leaves_the_wal_and_the_next_open_reads_it() {
        let dir = std::env::temp_dir().join(format!("greenlight-wal-close-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let db = dir.join("runs.db");
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let store = SqliteStore::open(&db).await.unwrap();
            store
                .append(vec![step("r1", 1), step("r1", 2)])
                .await
                .unwrap();
            store.append(vec![step("r1", 3)]).await.unwrap();
            drop(store);
        });
        // Not folded into runs.db on close: the events are in the WAL.
        let wal = std::fs::metadata(dir.join("runs.db-wal")).map(|m| m.len());
        assert!(matches!(wal, Ok(n) if n > 0), "WAL after close: {wal:?}");
        let events = rt.block_on(async {
            let store = SqliteStore::open(&db).await.unwrap();
            let events = store.events_since("r1", 0).await.unwrap();
            let audit = store.verify("r1").await.unwrap();
            assert!(audit.ok, "{audit:?}");
            events
        });
        std::fs::remove_dir_all(&dir).unwrap();
        let seqs: Vec<u64> = events.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, [1, 2, 3]);
    }
}
