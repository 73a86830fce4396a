//! Recording speed, printed (not a timed test):
//!   record 100,000 step-result events (batches of 500, as a run flushes)
//!   on SQLite (target ≥ 20,000/s) and PostgreSQL (target ≥ 5,000/s);
//!   read back and verify a run of 10,000 events.
//!
//!     cargo bench -p greenlight-store --bench record
//!
//! Leaves a SQLite store with one 10,000-event run at
//! $GREENLIGHT_BENCH_STORE (default /tmp/greenlight-bench-status.db) for
//! timing `greenlight status` on it (see bench/store.sh).

use greenlight_store::{EventKind, NewEvent, Store};
use serde_json::json;
use std::time::Instant;

fn step(run: &str, i: usize) -> NewEvent {
    let i_check = i % 300;
    NewEvent {
        run_id: run.to_string(),
        kind: EventKind::StepResult,
        item: Some(format!("item{:03}", i % 300)),
        actor: "bench".into(),
        payload: json!({
            "check": i_check,
            "result": {
                "line": 100 + i % 500, "class": "read", "probe": "http", "command": "curl -f https://staging-api.example.com/health",
                "status": "passed", "duration_ms": 12, "attempts": 1,
                "evidence": { "summary": "GET http://127.0.0.1:18081/health → 200 in 3 ms", "expected": ["status 200"], "failures": [], "unverified": [] }
            }
        }).into(),
    }
}

/// A plan of 300 items with one HTTP check each, in the shape
/// `greenlight status` reads (greenlight-run's `Plan`).
fn plan() -> serde_json::Value {
    let items: Vec<_> = (0..300)
        .map(|i| json!({
            "id": format!("item{i:03}"), "line": 10 + i, "text": format!("Check {i}"), "phase_title": "Checks",
            "severity": "required", "handling": { "kind": "automated" }, "checks": [i], "children": [], "reports": true
        }))
        .collect();
    let checks: Vec<_> = (0..300)
        .map(|i| json!({
            "index": i, "item": i, "line": 10 + i, "command": "curl -f https://x/health", "class": "read",
            "class_reason": "curl -f https://x/health",
            "target": { "probe": "http", "method": "GET", "url": "http://127.0.0.1:1/health", "headers": [], "body": null,
                        "insecure": false, "follow": false, "basic_auth": null, "fail": true, "max_time": null },
            "expect": [{ "kind": "status_ok" }], "capture": null, "env_names": [], "depends_on": [],
            "gate": { "gate": "run" }, "eventually": null
        }))
        .collect();
    json!({
        "checklist": "bench.md", "profile": "bench",
        "phases": [{ "id": "h1", "line": 1, "title": "Checks", "budget_seconds": 300, "items": (0..300).collect::<Vec<_>>(), "checks": (0..300).collect::<Vec<_>>() }],
        "items": items, "checks": checks, "signoffs": [{ "id": "s1", "role": "Release Manager", "line": 999 }]
    })
}

fn started(run: &str) -> NewEvent {
    NewEvent {
        run_id: run.to_string(),
        kind: EventKind::RunStarted,
        item: None,
        actor: "bench".into(),
        payload: json!({ "checklist": "bench.md", "profile": "bench", "plan": plan() }).into(),
    }
}

async fn record(store: &Store, tag: &str, total: usize) -> f64 {
    let run = format!("b{tag}{}", std::process::id() % 100_000);
    store.append(vec![started(&run)]).await.unwrap();
    let start = Instant::now();
    let mut i = 0;
    while i < total {
        let batch: Vec<NewEvent> = (i..(i + 500).min(total)).map(|k| step(&run, k)).collect();
        i += batch.len();
        store.append(batch).await.unwrap();
    }
    total as f64 / start.elapsed().as_secs_f64()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let dir = std::env::temp_dir().join(format!("greenlight-store-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut sqlite = Vec::new();
    for rep in 0..3 {
        let path = dir.join(format!("rec{rep}.db"));
        let store = Store::open(path.to_str().unwrap()).await.unwrap();
        sqlite.push(record(&store, &format!("s{rep}"), 100_000).await);
    }
    println!(
        "record 100,000 events · SQLite: median {:.0} events/s (runs: {}) · target ≥ 20,000/s",
        median(sqlite.clone()),
        sqlite
            .iter()
            .map(|r| format!("{r:.0}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let pg_url = format!(
        "postgres://postgres@127.0.0.1:5432/postgres?schema=gl_bench_{}",
        std::process::id()
    );
    match Store::open(&pg_url).await {
        Ok(store) => {
            let mut pg = Vec::new();
            for rep in 0..3 {
                pg.push(record(&store, &format!("p{rep}"), 100_000).await);
            }
            println!(
                "record 100,000 events · PostgreSQL: median {:.0} events/s (runs: {}) · target ≥ 5,000/s",
                median(pg.clone()),
                pg.iter()
                    .map(|r| format!("{r:.0}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            let (base, schema) = pg_url.split_once("?schema=").unwrap();
            if let Ok((client, conn)) = tokio_postgres::connect(base, tokio_postgres::NoTls).await {
                tokio::spawn(conn);
                let _ = client
                    .batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))
                    .await;
            }
        }
        Err(e) => println!("PostgreSQL: skipped ({e})"),
    }
    // A 10,000-event run: read back and verify.
    let status_path = std::env::var("GREENLIGHT_BENCH_STORE")
        .unwrap_or_else(|_| "/tmp/greenlight-bench-status.db".into());
    let _ = std::fs::remove_file(&status_path);
    let store = Store::open(&status_path).await.unwrap();
    record(&store, "status", 10_000).await;
    let run = store.latest_run().await.unwrap().unwrap();
    let mut read = Vec::new();
    let mut verify = Vec::new();
    for _ in 0..9 {
        let t = Instant::now();
        let events = store.events(&run).await.unwrap();
        read.push(t.elapsed().as_secs_f64() * 1e3);
        assert_eq!(events.len(), 10_001);
        let t = Instant::now();
        assert!(store.verify(&run).await.unwrap().ok);
        verify.push(t.elapsed().as_secs_f64() * 1e3);
    }
    println!(
        "run of 10,001 events · read back: median {:.1} ms · verify chain: median {:.1} ms · store left at {status_path}",
        median(read),
        median(verify)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
