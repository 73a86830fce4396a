//! The team store: PostgreSQL.
//!
//! Each append is one transaction. Writers of the same run serialize on a
//! per-run advisory lock (`pg_advisory_xact_lock`), taken for every run of
//! a batch in one global order, so writers in different processes or on
//! different machines neither interleave a chain nor deadlock. Rows go in
//! with one multi-row `INSERT … SELECT FROM unnest(…)`. Every network call
//! has a time limit; a dropped connection is re-opened on the next call.

use crate::error::{Result, StoreError, redact_url};
use crate::event::{AuditReport, Event, NewEvent, RunSummary};
use crate::hash::{self, AuditKey, SealedHead, StoredRow};
use crate::{migrate, prepare};
use std::time::Duration;
use tokio::sync::Mutex;
use tokio_postgres::error::SqlState;
use tokio_postgres::{Client, Config, NoTls, Statement};

pub(crate) mod listen;

/// Connecting, unless the URL sets `connect_timeout`.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Any one operation (an append waits here for other writers of its run).
const QUERY_TIMEOUT: Duration = Duration::from_secs(30);

/// How often an append is retried after a conflict or deadlock.
const RETRIES: usize = 3;

/// Serializes migrations of one database (an advisory lock key).
const MIGRATION_LOCK: i64 = 0x676c_6d69_6772_6174; // "glmigrat"

const INSERT_EVENTS: &str =
    "INSERT INTO events (run_id, seq, at, kind, item, actor, payload, prev_hash, hash, mac)
    SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[],
                         $6::text[], $7::text[], $8::text[], $9::text[], $10::text[])";

const UPSERT_RUN: &str = "INSERT INTO runs (run_id, checklist, profile, started_at, last_at, verdict, events, last_hash, release)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
    ON CONFLICT (run_id) DO UPDATE SET
       checklist = CASE WHEN EXCLUDED.checklist <> '' THEN EXCLUDED.checklist ELSE runs.checklist END,
       profile = CASE WHEN EXCLUDED.profile <> '' THEN EXCLUDED.profile ELSE runs.profile END,
       release = CASE WHEN EXCLUDED.release <> '' THEN EXCLUDED.release ELSE runs.release END,
       last_at = EXCLUDED.last_at, verdict = COALESCE(EXCLUDED.verdict, runs.verdict),
       events = EXCLUDED.events, last_hash = EXCLUDED.last_hash";

const SELECT_HEADS: &str = "SELECT run_id, events, last_hash FROM runs WHERE run_id = ANY($1)";

const SEAL_HEAD: &str =
    "INSERT INTO run_heads (run_id, events, last_hash, mac) VALUES ($1, $2, $3, $4)
    ON CONFLICT (run_id) DO UPDATE SET
       events = EXCLUDED.events, last_hash = EXCLUDED.last_hash, mac = EXCLUDED.mac";

const SELECT_SEALED: &str = "SELECT events, last_hash, mac FROM run_heads WHERE run_id = $1";

const SELECT_ROWS: &str =
    "SELECT seq, at, kind, item, actor, payload, prev_hash, hash, mac FROM events
    WHERE run_id = $1 AND seq > $2 ORDER BY seq";

/// A PostgreSQL store (one connection).
pub struct PgStore {
    conn: Mutex<Option<Conn>>,
    config: Config,
    schema: Option<String>,
    connect_timeout: Duration,
    name: String,
    /// Signs appended events and checks MACs on verify.
    pub(crate) key: Option<AuditKey>,
    /// Events read (see [`crate::Store::events_read`]).
    pub(crate) read: std::sync::atomic::AtomicU64,
}

/// A live connection and its prepared statements.
pub(crate) struct Conn {
    pub(crate) client: Client,
    insert: Statement,
    upsert: Statement,
    heads: Statement,
    rows: Statement,
    seal: Statement,
    sealed: Statement,
}

/// Splits `?schema=NAME` off a URL.
fn split_schema(url: &str) -> (String, Option<String>) {
    let Some((base, query)) = url.split_once('?') else {
        return (url.to_string(), None);
    };
    let mut rest = Vec::new();
    let mut schema = None;
    for pair in query.split('&') {
        match pair.split_once('=') {
            Some(("schema", v)) => schema = Some(v.to_string()),
            _ => rest.push(pair),
        }
    }
    let url = if rest.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", rest.join("&"))
    };
    (url, schema)
}

fn valid_ident(s: &str) -> bool {
    !s.is_empty()
        && s.len() < 64
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !s.starts_with(|c: char| c.is_ascii_digit())
}

/// The advisory lock key of a run: the first 8 bytes of
/// SHA-256("greenlight-run:" + run_id). Every writer must use this.
fn run_lock_key(run_id: &str) -> i64 {
    let d = ring::digest::digest(
        &ring::digest::SHA256,
        format!("greenlight-run:{run_id}").as_bytes(),
    );
    let mut k = [0u8; 8];
    k.copy_from_slice(&d.as_ref()[..8]);
    i64::from_be_bytes(k)
}

fn retryable(e: &tokio_postgres::Error) -> bool {
    matches!(
        e.code(),
        Some(c) if *c == SqlState::UNIQUE_VIOLATION
            || *c == SqlState::T_R_DEADLOCK_DETECTED
            || *c == SqlState::T_R_SERIALIZATION_FAILURE
    )
}

impl PgStore {
    /// Connects (within the connect timeout), creates the schema named by
    /// `?schema=` if missing and applies pending migrations.
    pub async fn open(url: &str) -> Result<PgStore> {
        let name = redact_url(url);
        let (conn_url, schema) = split_schema(url);
        let open_err = |detail: String| StoreError::Open {
            store: name.clone(),
            detail,
        };
        if let Some(s) = &schema
            && !valid_ident(s)
        {
            return Err(open_err(format!(
                "invalid schema name {s:?} (letters, digits and _ only)"
            )));
        }
        let mut config: Config = conn_url
            .parse()
            .map_err(|e: tokio_postgres::Error| open_err(e.to_string()))?;
        let connect_timeout = config
            .get_connect_timeout()
            .copied()
            .unwrap_or(CONNECT_TIMEOUT);
        config.connect_timeout(connect_timeout);
        let store = PgStore {
            conn: Mutex::new(None),
            config,
            schema,
            connect_timeout,
            name: name.clone(),
            key: None,
            read: Default::default(),
        };
        let mut client = store.connect_client().await?;
        store
            .deadline(store.migrate(&mut client))
            .await?
            .map_err(|e| match e {
                Migration::Sql(e) => open_err(detail(&e)),
                Migration::Store(e) => e,
            })?;
        let conn = store
            .deadline(prepare_conn(client))
            .await?
            .map_err(|e| store.err(e))?;
        *store.conn.lock().await = Some(conn);
        Ok(store)
    }

    /// The store's name for messages.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A new session, its search_path set to the store's schema.
    async fn connect_client(&self) -> Result<Client> {
        let unreachable = |detail: String| StoreError::Unreachable {
            store: self.name.clone(),
            detail,
        };
        let (client, connection) =
            tokio::time::timeout(self.connect_timeout, self.config.connect(NoTls))
                .await
                .map_err(|_| {
                    unreachable(format!(
                        "no answer within {} s",
                        self.connect_timeout.as_secs_f32()
                    ))
                })?
                .map_err(|e| unreachable(detail(&e)))?;
        tokio::spawn(async move {
            let _ = connection.await;
        });
        if let Some(schema) = &self.schema {
            self.deadline(client.batch_execute(&format!("SET search_path TO {schema}")))
                .await?
                .map_err(|e| self.err(e))?;
        }
        Ok(client)
    }

    /// Creates the schema and applies pending migrations, one opener at a time.
    async fn migrate(&self, client: &mut Client) -> Result<(), Migration> {
        let tx = client.transaction().await?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .await?;
        if let Some(schema) = &self.schema {
            tx.batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {schema}"))
                .await?;
        }
        tx.batch_execute(migrate::TABLE).await?;
        let applied: Vec<i64> = tx
            .query("SELECT version FROM schema_migrations", &[])
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect();
        for m in migrate::pending(&self.name, migrate::POSTGRES, &applied)? {
            tx.batch_execute(m.sql).await?;
            tx.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                &[&m.version, &m.name, &prepare::now()],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Limits `fut` to the query timeout.
    pub(crate) async fn deadline<T>(&self, fut: impl std::future::Future<Output = T>) -> Result<T> {
        tokio::time::timeout(QUERY_TIMEOUT, fut)
            .await
            .map_err(|_| StoreError::Unreachable {
                store: self.name.clone(),
                detail: format!("no answer within {} s", QUERY_TIMEOUT.as_secs()),
            })
    }

    pub(crate) fn err(&self, e: tokio_postgres::Error) -> StoreError {
        let text = e.to_string();
        let lost = e.as_db_error().is_none()
            && (e.is_closed()
                || text.starts_with("error communicating")
                || text.starts_with("error connecting"));
        if lost {
            StoreError::Unreachable {
                store: self.name.clone(),
                detail: detail(&e),
            }
        } else {
            StoreError::Query {
                store: self.name.clone(),
                detail: detail(&e),
            }
        }
    }

    /// The live connection, re-opened if it was lost.
    pub(crate) async fn conn(&self) -> Result<tokio::sync::MutexGuard<'_, Option<Conn>>> {
        let mut guard = self.conn.lock().await;
        if guard.as_ref().is_none_or(|c| c.client.is_closed()) {
            *guard = None;
            let client = self.connect_client().await?;
            let conn = self
                .deadline(prepare_conn(client))
                .await?
                .map_err(|e| self.err(e))?;
            *guard = Some(conn);
        }
        Ok(guard)
    }

    /// See [`crate::Store::append`].
    pub async fn append(&self, events: Vec<NewEvent>) -> Result<Vec<Event>> {
        self.append_slice(&events).await
    }

    /// [`PostgresStore::append`] of a batch the caller keeps.
    pub async fn append_slice(&self, events: &[NewEvent]) -> Result<Vec<Event>> {
        prepare::validate(events)?;
        let mut guard = self.conn().await?;
        let Some(conn) = guard.as_mut() else {
            unreachable!("conn() always leaves a connection")
        };
        let mut attempt = 0;
        loop {
            match self
                .deadline(append_tx(conn, events, self.key.as_ref()))
                .await?
            {
                Err(e) if attempt < RETRIES && retryable(&e) => attempt += 1,
                other => return other.map_err(|e| self.err(e)),
            }
        }
    }

    async fn rows(&self, run_id: &str, after: u64) -> Result<Vec<StoredRow>> {
        let guard = self.conn().await?;
        let Some(conn) = guard.as_ref() else {
            unreachable!("conn() always leaves a connection")
        };
        let rows = self
            .deadline(conn.client.query(&conn.rows, &[&run_id, &(after as i64)]))
            .await?
            .map_err(|e| self.err(e))?;
        Ok(rows.iter().map(stored_row).collect())
    }

    /// See [`crate::Store::events_since`].
    pub async fn events_since(&self, run_id: &str, after: u64) -> Result<Vec<Event>> {
        Ok(self
            .rows(run_id, after)
            .await?
            .into_iter()
            .map(|r| hash::to_event(run_id, r))
            .collect())
    }

    /// See [`crate::Store::events_of_kinds`] (in any run order).
    pub async fn events_of_kinds(
        &self,
        run_ids: &[String],
        kinds: &[&'static str],
    ) -> Result<Vec<Event>> {
        let guard = self.conn().await?;
        let Some(conn) = guard.as_ref() else {
            unreachable!("conn() always leaves a connection")
        };
        let kinds: Vec<&str> = kinds.to_vec();
        let rows = self
            .deadline(conn.client.query(
                "SELECT seq, at, kind, item, actor, payload, prev_hash, hash, mac, run_id FROM events
                 WHERE run_id = ANY($1) AND kind = ANY($2) ORDER BY run_id, seq",
                &[&run_ids, &kinds],
            ))
            .await?
            .map_err(|e| self.err(e))?;
        Ok(rows
            .iter()
            .map(|r| hash::to_event(r.get::<_, &str>(9), stored_row(r)))
            .collect())
    }

    /// See [`crate::Store::verify`].
    pub async fn verify(&self, run_id: &str) -> Result<AuditReport> {
        let mut guard = self.conn().await?;
        let Some(conn) = guard.as_mut() else {
            unreachable!("conn() always leaves a connection")
        };
        let run = run_id.to_string();
        let (rows, head, sealed) = self
            .deadline(async {
                // Rows and head from one snapshot.
                let tx = conn
                    .client
                    .build_transaction()
                    .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
                    .read_only(true)
                    .start()
                    .await?;
                let rows = tx.query(&conn.rows, &[&run, &0i64]).await?;
                let head = tx.query_opt(&conn.heads, &[&vec![run.as_str()]]).await?;
                let sealed = tx.query_opt(&conn.sealed, &[&run]).await?;
                tx.commit().await?;
                Ok::<_, tokio_postgres::Error>((rows, head, sealed))
            })
            .await?
            .map_err(|e| self.err(e))?;
        drop(guard);
        let rows: Vec<StoredRow> = rows.iter().map(stored_row).collect();
        let head = head.map(|r| (r.get::<_, i64>(1) as u64, r.get::<_, String>(2)));
        let sealed = sealed.map(|r| SealedHead {
            events: r.get::<_, i64>(0) as u64,
            last_hash: r.get(1),
            mac: r.get(2),
        });
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
        let guard = self.conn().await?;
        let Some(conn) = guard.as_ref() else {
            unreachable!("conn() always leaves a connection")
        };
        let rows = self
            .deadline(conn.client.query(
                "SELECT run_id, checklist, profile, started_at, last_at, verdict, events, release
                 FROM runs ORDER BY started_at DESC, created DESC",
                &[],
            ))
            .await?
            .map_err(|e| self.err(e))?;
        let all = rows
            .into_iter()
            .map(|r| RunSummary {
                run_id: r.get(0),
                checklist: r.get(1),
                profile: r.get(2),
                started_at: r.get(3),
                last_event_at: r.get(4),
                verdict: r.get(5),
                events: r.get::<_, i64>(6) as u64,
                release: r.get(7),
            })
            .collect();
        Ok(prepare::filter_runs(all, checklist))
    }
}

/// Why opening failed while migrating.
enum Migration {
    Sql(tokio_postgres::Error),
    Store(StoreError),
}

impl From<tokio_postgres::Error> for Migration {
    fn from(e: tokio_postgres::Error) -> Self {
        Migration::Sql(e)
    }
}

impl From<StoreError> for Migration {
    fn from(e: StoreError) -> Self {
        Migration::Store(e)
    }
}

/// The server's message when there is one, else the client's.
fn detail(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => db.message().to_string(),
        None => e.to_string(),
    }
}

async fn prepare_conn(client: Client) -> Result<Conn, tokio_postgres::Error> {
    Ok(Conn {
        insert: client.prepare(INSERT_EVENTS).await?,
        upsert: client.prepare(UPSERT_RUN).await?,
        heads: client.prepare(SELECT_HEADS).await?,
        rows: client.prepare(SELECT_ROWS).await?,
        seal: client.prepare(SEAL_HEAD).await?,
        sealed: client.prepare(SELECT_SEALED).await?,
        client,
    })
}

fn stored_row(r: &tokio_postgres::Row) -> StoredRow {
    StoredRow {
        seq: r.get::<_, i64>(0) as u64,
        at: r.get(1),
        kind: r.get(2),
        item: r.get(3),
        actor: r.get(4),
        payload: r.get(5),
        prev_hash: r.get(6),
        hash: r.get(7),
        mac: r.get(8),
    }
}

/// One attempt at appending `events` in a single transaction.
async fn append_tx(
    conn: &mut Conn,
    events: &[NewEvent],
    key: Option<&AuditKey>,
) -> Result<Vec<Event>, tokio_postgres::Error> {
    let tx = conn.client.transaction().await?;
    let mut runs: Vec<&str> = events.iter().map(|e| e.run_id.as_str()).collect();
    runs.sort_unstable();
    runs.dedup();
    let mut keys: Vec<i64> = runs.iter().map(|r| run_lock_key(r)).collect();
    keys.sort_unstable();
    keys.dedup();
    for k in &keys {
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[k]).await?;
    }
    let mut heads = prepare::Heads::signed(key.cloned());
    for r in tx.query(&conn.heads, &[&runs]).await? {
        let run: &str = r.get(0);
        heads.set(run, Some((r.get::<_, i64>(1) as u64, r.get(2))));
    }
    for r in &runs {
        if !heads.known(r) {
            heads.set(r, None);
        }
    }
    let out: Vec<Event> = events.iter().map(|ev| heads.next(ev)).collect();
    let col = |f: fn(&Event) -> &str| out.iter().map(f).collect::<Vec<&str>>();
    let seqs: Vec<i64> = out.iter().map(|e| e.seq as i64).collect();
    let kinds: Vec<&str> = out.iter().map(|e| e.kind.as_str()).collect();
    let items: Vec<Option<&str>> = out.iter().map(|e| e.item.as_deref()).collect();
    let macs: Vec<Option<&str>> = out.iter().map(|e| e.mac.as_deref()).collect();
    tx.execute(
        &conn.insert,
        &[
            &col(|e| &e.run_id),
            &seqs,
            &col(|e| &e.at),
            &kinds,
            &items,
            &col(|e| &e.actor),
            &col(|e| &e.payload_text),
            &col(|e| &e.prev_hash),
            &col(|e| &e.hash),
            &macs,
        ],
    )
    .await?;
    for (run_id, u) in heads.updates(&out) {
        tx.execute(
            &conn.upsert,
            &[
                &run_id,
                &u.checklist,
                &u.profile,
                &u.started_at,
                &u.last_at,
                &u.verdict,
                &(u.events as i64),
                &u.last_hash,
                &u.release,
            ],
        )
        .await?;
        if let Some(mac) = &u.head_mac {
            tx.execute(
                &conn.seal,
                &[&run_id, &(u.events as i64), &u.last_hash, mac],
            )
            .await?;
        }
    }
    tx.commit().await?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_is_split_off_the_url() {
        assert_eq!(
            split_schema("postgres://u@h/db?schema=gl_x&sslmode=disable"),
            (
                "postgres://u@h/db?sslmode=disable".into(),
                Some("gl_x".into())
            )
        );
        assert_eq!(
            split_schema("postgres://u@h/db"),
            ("postgres://u@h/db".into(), None)
        );
        assert!(valid_ident("gl_test_1"));
        assert!(!valid_ident("x;DROP TABLE y"));
        assert!(!valid_ident("1x"));
        assert!(!valid_ident(""));
    }

    #[test]
    fn run_lock_keys_are_stable_and_distinct() {
        assert_eq!(run_lock_key("7kq2x"), run_lock_key("7kq2x"));
        assert_ne!(run_lock_key("7kq2x"), run_lock_key("7kq2y"));
    }
}
