//! Test backends: a SQLite file in its own temporary folder, or a
//! PostgreSQL schema of its own (dropped afterwards, also when the test
//! panics), plus direct SQL access for tampering.

use greenlight_store::{Event, EventKind, NewEvent, Store};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

/// The PostgreSQL server every PG test uses (trust auth).
pub const PG_BASE: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A name no other test (or test process) uses.
pub fn unique(name: &str) -> String {
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{name}_{}_{}_{nanos:x}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// Whether `GREENLIGHT_REQUIRE_SERVICES=1` turns a missing server into a failure.
pub fn services_required() -> bool {
    std::env::var("GREENLIGHT_REQUIRE_SERVICES").is_ok_and(|v| v == "1")
}

/// One store under test.
pub struct Backend {
    /// What `Store::open` is given.
    pub spec: String,
    kind: Kind,
}

enum Kind {
    Sqlite { dir: PathBuf, file: PathBuf },
    Postgres { schema: String },
}

impl Backend {
    /// A fresh SQLite file (its parent folder does not exist yet: `open`
    /// must create it).
    pub fn sqlite(name: &str) -> Backend {
        let dir = std::env::temp_dir().join(format!("gl-store-test-{}", unique(name)));
        let file = dir.join("nested").join("runs.db");
        Backend {
            spec: file.display().to_string(),
            kind: Kind::Sqlite { dir, file },
        }
    }

    /// A fresh schema on the local PostgreSQL, or `None` (with a note)
    /// when the server is unreachable and not required.
    pub async fn postgres(name: &str) -> Option<Backend> {
        match connect().await {
            Ok(_) => {}
            Err(e) if services_required() => {
                panic!(
                    "PostgreSQL at 127.0.0.1:5432 is required (GREENLIGHT_REQUIRE_SERVICES=1) but unreachable: {e}"
                )
            }
            Err(e) => {
                eprintln!("note: PostgreSQL at 127.0.0.1:5432 unreachable ({e}); skipping {name}");
                return None;
            }
        }
        let schema = format!("gl_test_{}", unique(name)).to_lowercase();
        Some(Backend {
            spec: format!("{PG_BASE}?schema={schema}"),
            kind: Kind::Postgres { schema },
        })
    }

    /// Opens the store (again).
    pub async fn open(&self) -> Store {
        Store::open(&self.spec)
            .await
            .unwrap_or_else(|e| panic!("open {}: {e}", self.spec))
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self.kind, Kind::Postgres { .. })
    }

    /// Runs SQL directly against the store's tables, as someone with
    /// database access (not greenlight) would.
    pub async fn exec(&self, sql: &str) {
        match &self.kind {
            Kind::Sqlite { file, .. } => {
                let conn = rusqlite::Connection::open(file).unwrap();
                conn.busy_timeout(std::time::Duration::from_secs(10))
                    .unwrap();
                conn.execute_batch(sql).unwrap();
            }
            Kind::Postgres { schema } => {
                let client = connect().await.unwrap();
                client
                    .batch_execute(&format!("SET search_path TO {schema}; {sql}"))
                    .await
                    .unwrap();
            }
        }
    }
}

impl Drop for Backend {
    fn drop(&mut self) {
        match &self.kind {
            Kind::Sqlite { dir, .. } => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Kind::Postgres { schema } => {
                // A runtime of its own: this also runs while a test unwinds.
                let schema = schema.clone();
                let _ = std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .unwrap();
                    rt.block_on(async {
                        if let Ok(client) = connect().await {
                            let _ = client
                                .batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                                .await;
                        }
                    });
                })
                .join();
            }
        }
    }
}

/// A plain connection to the test server.
pub async fn connect() -> Result<tokio_postgres::Client, String> {
    let mut config: tokio_postgres::Config = PG_BASE.parse().map_err(|e| format!("{e}"))?;
    config.connect_timeout(std::time::Duration::from_secs(5));
    let (client, conn) = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        config.connect(tokio_postgres::NoTls),
    )
    .await
    .map_err(|_| "no answer within 5 s".to_string())?
    .map_err(|e| e.to_string())?;
    tokio::spawn(conn);
    Ok(client)
}

/// The event's payload, parsed.
pub fn payload(e: &Event) -> Value {
    e.payload()
}

/// A run's first event.
pub fn started(run: &str, checklist: &str, profile: &str) -> NewEvent {
    NewEvent {
        run_id: run.into(),
        kind: EventKind::RunStarted,
        item: None,
        actor: "alice".into(),
        payload: json!({ "checklist": checklist, "profile": profile, "plan": { "items": 3 } })
            .into(),
    }
}

/// A step result with a realistic payload.
pub fn step(run: &str, n: u64) -> NewEvent {
    NewEvent {
        run_id: run.into(),
        kind: EventKind::StepResult,
        item: Some(format!("item-{n}")),
        actor: "greenlight".into(),
        payload: json!({
            "n": n, "line": 100 + n, "class": "read", "probe": "http", "status": "passed",
            "duration_ms": 12,
            "evidence": { "summary": "GET /health → 200 in 3 ms", "body": "{\"status\":\"healthy\"}" }
        }).into(),
    }
}

/// A verdict event.
pub fn verdict(run: &str, verdict: &str) -> NewEvent {
    NewEvent {
        run_id: run.into(),
        kind: EventKind::Verdict,
        item: None,
        actor: "greenlight".into(),
        payload: json!({ "verdict": verdict, "reasons": [] }).into(),
    }
}

/// Asserts a run's log is 1..=n without gaps and its chain verifies.
pub async fn assert_contiguous_and_valid(store: &Store, run: &str, n: u64) -> Vec<Event> {
    let events = store.events(run).await.unwrap();
    let seqs: Vec<u64> = events.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=n).collect::<Vec<_>>(), "seq must be 1..={n}");
    let report = store.verify(run).await.unwrap();
    assert!(report.ok, "{report:?}");
    assert_eq!(report.events, n);
    events
}
