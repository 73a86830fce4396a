//! The team store: PostgreSQL. Each batch is one transaction; a per-run
//! advisory lock serializes writers of the same run across processes.

use crate::error::{Result, StoreError, redact_url};
use crate::event::{AuditReport, Event, NewEvent, RunSummary};
use crate::hash::{self, StoredRow};
use crate::prepare;
use std::time::Duration;
use tokio::sync::Mutex;
use tokio_postgres::{Client, NoTls};

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

const SCHEMA: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS events (
        run_id TEXT NOT NULL, seq BIGINT NOT NULL, at TEXT NOT NULL, kind TEXT NOT NULL,
        item TEXT, actor TEXT NOT NULL, payload TEXT NOT NULL, prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL, PRIMARY KEY (run_id, seq))",
    "CREATE TABLE IF NOT EXISTS runs (
        run_id TEXT PRIMARY KEY, checklist TEXT NOT NULL DEFAULT '', profile TEXT NOT NULL DEFAULT '',
        started_at TEXT NOT NULL, last_at TEXT NOT NULL, verdict TEXT, events BIGINT NOT NULL,
        last_hash TEXT NOT NULL)",
];

pub struct PgStore {
    client: Mutex<Client>,
    name: String,
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
            Some(("schema", v)) if !v.is_empty() => schema = Some(v.to_string()),
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

impl PgStore {
    pub async fn open(url: &str) -> Result<PgStore> {
        let name = redact_url(url);
        let (conn_url, schema) = split_schema(url);
        let unreachable = |detail: String| StoreError::Unreachable {
            store: name.clone(),
            detail,
        };
        let mut config: tokio_postgres::Config =
            conn_url
                .parse()
                .map_err(|e: tokio_postgres::Error| StoreError::Open {
                    store: name.clone(),
                    detail: e.to_string(),
                })?;
        config.connect_timeout(CONNECT_TIMEOUT);
        let (client, connection) = tokio::time::timeout(CONNECT_TIMEOUT, config.connect(NoTls))
            .await
            .map_err(|_| unreachable(format!("no answer within {} s", CONNECT_TIMEOUT.as_secs())))?
            .map_err(|e| unreachable(e.to_string()))?;
        tokio::spawn(async move {
            let _ = connection.await;
        });
        let store = PgStore {
            client: Mutex::new(client),
            name,
        };
        {
            let client = store.client.lock().await;
            if let Some(schema) = &schema {
                if !valid_ident(schema) {
                    return Err(StoreError::Open {
                        store: store.name.clone(),
                        detail: format!("invalid schema name {schema:?}"),
                    });
                }
                client
                    .batch_execute(&format!(
                        "CREATE SCHEMA IF NOT EXISTS {schema}; SET search_path TO {schema}"
                    ))
                    .await
                    .map_err(|e| store.err(e))?;
            }
            for stmt in SCHEMA {
                client.batch_execute(stmt).await.map_err(|e| store.err(e))?;
            }
        }
        Ok(store)
    }

    fn err(&self, e: tokio_postgres::Error) -> StoreError {
        let detail = match e.as_db_error() {
            Some(db) => db.message().to_string(),
            None => e.to_string(),
        };
        if e.is_closed() {
            StoreError::Unreachable {
                store: self.name.clone(),
                detail,
            }
        } else {
            StoreError::Query {
                store: self.name.clone(),
                detail,
            }
        }
    }

    pub async fn append(&self, events: Vec<NewEvent>) -> Result<Vec<Event>> {
        prepare::validate(&events)?;
        let mut client = self.client.lock().await;
        let tx = client.transaction().await.map_err(|e| self.err(e))?;
        let insert = tx
            .prepare(
                "INSERT INTO events (run_id, seq, at, kind, item, actor, payload, prev_hash, hash)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .await
            .map_err(|e| self.err(e))?;
        let mut heads = prepare::Heads::default();
        let mut out = Vec::with_capacity(events.len());
        for ev in events {
            if !heads.known(&ev.run_id) {
                tx.execute("SELECT pg_advisory_xact_lock(hashtext($1))", &[&ev.run_id])
                    .await
                    .map_err(|e| self.err(e))?;
                let row = tx
                    .query_opt(
                        "SELECT events, last_hash FROM runs WHERE run_id = $1",
                        &[&ev.run_id],
                    )
                    .await
                    .map_err(|e| self.err(e))?;
                heads.set(
                    &ev.run_id,
                    row.map(|r| (r.get::<_, i64>(0) as u64, r.get::<_, String>(1))),
                );
            }
            let (event, canonical) = heads.next(ev);
            tx.execute(
                &insert,
                &[
                    &event.run_id,
                    &(event.seq as i64),
                    &event.at,
                    &event.kind.as_str(),
                    &event.item,
                    &event.actor,
                    &canonical,
                    &event.prev_hash,
                    &event.hash,
                ],
            )
            .await
            .map_err(|e| self.err(e))?;
            out.push(event);
        }
        for (run_id, u) in heads.updates(&out) {
            tx.execute(
                "INSERT INTO runs (run_id, checklist, profile, started_at, last_at, verdict, events, last_hash)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                 ON CONFLICT (run_id) DO UPDATE SET
                    checklist = CASE WHEN EXCLUDED.checklist <> '' THEN EXCLUDED.checklist ELSE runs.checklist END,
                    profile = CASE WHEN EXCLUDED.profile <> '' THEN EXCLUDED.profile ELSE runs.profile END,
                    last_at = EXCLUDED.last_at, verdict = COALESCE(EXCLUDED.verdict, runs.verdict),
                    events = EXCLUDED.events, last_hash = EXCLUDED.last_hash",
                &[&run_id, &u.checklist, &u.profile, &u.started_at, &u.last_at, &u.verdict, &(u.events as i64), &u.last_hash],
            )
            .await
            .map_err(|e| self.err(e))?;
        }
        tx.commit().await.map_err(|e| self.err(e))?;
        Ok(out)
    }

    async fn rows(&self, run_id: &str, after: u64) -> Result<Vec<StoredRow>> {
        let client = self.client.lock().await;
        let rows = client
            .query(
                "SELECT seq, at, kind, item, actor, payload, prev_hash, hash FROM events
                 WHERE run_id = $1 AND seq > $2 ORDER BY seq",
                &[&run_id, &(after as i64)],
            )
            .await
            .map_err(|e| self.err(e))?;
        Ok(rows
            .into_iter()
            .map(|r| StoredRow {
                seq: r.get::<_, i64>(0) as u64,
                at: r.get(1),
                kind: r.get(2),
                item: r.get(3),
                actor: r.get(4),
                payload: r.get(5),
                prev_hash: r.get(6),
                hash: r.get(7),
            })
            .collect())
    }

    pub async fn events_since(&self, run_id: &str, after: u64) -> Result<Vec<Event>> {
        Ok(self
            .rows(run_id, after)
            .await?
            .into_iter()
            .map(|r| hash::to_event(run_id, r))
            .collect())
    }

    pub async fn verify(&self, run_id: &str) -> Result<AuditReport> {
        Ok(hash::verify_rows(run_id, &self.rows(run_id, 0).await?))
    }

    pub async fn runs(&self, checklist: Option<&str>) -> Result<Vec<RunSummary>> {
        let client = self.client.lock().await;
        let rows = client
            .query(
                "SELECT run_id, checklist, profile, started_at, last_at, verdict, events FROM runs
                 ORDER BY started_at DESC, run_id",
                &[],
            )
            .await
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
            })
            .collect();
        Ok(prepare::filter_runs(all, checklist))
    }
}
