//! What every backend must do, written once; `main.rs` runs each function
//! against SQLite and PostgreSQL.

use crate::support::*;
use greenlight_store::{EventKind, GENESIS, NewEvent, StoreError};
use serde_json::json;
use std::collections::HashSet;
use std::sync::Arc;

/// Events come back exactly as `append` returned them.
pub async fn round_trip(b: &Backend) {
    let store = b.open().await;
    assert!(store.append(vec![]).await.unwrap().is_empty());
    let appended = store
        .append(vec![
            started("7kq2x", "STAGING.md", "staging"),
            step("7kq2x", 1),
            NewEvent {
                run_id: "7kq2x".into(),
                kind: EventKind::Waiver,
                item: Some("item-1".into()),
                actor: "bob".into(),
                payload:
                    json!({ "reason": "known flake, ticket OPS-12", "until": null, "ünïcode": "✓" })
                        .into(),
            },
        ])
        .await
        .unwrap();
    assert_eq!(appended.len(), 3);
    let first = &appended[0];
    assert_eq!(first.run_id, "7kq2x");
    assert_eq!(first.seq, 1);
    assert_eq!(first.kind, EventKind::RunStarted);
    assert_eq!(first.item, None);
    assert_eq!(first.actor, "alice");
    assert_eq!(first.prev_hash, GENESIS);
    assert_eq!(payload(first)["checklist"], "STAGING.md");
    // RFC 3339, UTC, milliseconds: 2026-11-23T00:44:12.123Z
    assert_eq!(first.at.len(), 24, "{}", first.at);
    assert!(
        first.at.ends_with('Z') && first.at.as_bytes()[19] == b'.',
        "{}",
        first.at
    );
    for e in &appended {
        assert_eq!(e.hash.len(), 64);
        assert!(
            e.hash
                .bytes()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
    }
    assert_eq!(appended[1].prev_hash, appended[0].hash);
    assert_eq!(appended[2].prev_hash, appended[1].hash);
    assert_eq!(payload(&appended[2])["ünïcode"], "✓");

    let read = store.events("7kq2x").await.unwrap();
    assert_eq!(read, appended);
    let since = store.events_since("7kq2x", 1).await.unwrap();
    assert_eq!(since, appended[1..]);
    assert!(store.events_since("7kq2x", 3).await.unwrap().is_empty());
    assert!(store.events("nope").await.unwrap().is_empty());
}

/// Each run is numbered 1, 2, 3, … on its own, also in mixed batches.
pub async fn seq_numbering_per_run(b: &Backend) {
    let store = b.open().await;
    let out = store
        .append(vec![
            started("a", "A.md", "p"),
            started("b", "B.md", "p"),
            step("a", 1),
            step("b", 1),
            step("a", 2),
        ])
        .await
        .unwrap();
    let got: Vec<(&str, u64)> = out.iter().map(|e| (e.run_id.as_str(), e.seq)).collect();
    assert_eq!(got, [("a", 1), ("b", 1), ("a", 2), ("b", 2), ("a", 3)]);
    let more = store
        .append(vec![step("b", 2), step("a", 3)])
        .await
        .unwrap();
    assert_eq!((more[0].seq, more[1].seq), (3, 4));
    assert_eq!(
        more[0].prev_hash, out[3].hash,
        "b's chain continues from b's head"
    );
    assert_eq!(
        more[1].prev_hash, out[4].hash,
        "a's chain continues from a's head"
    );
    assert_contiguous_and_valid(&store, "a", 4).await;
    assert_contiguous_and_valid(&store, "b", 3).await;
}

/// A run built over many appends verifies, and so does a new store
/// handle on the same data.
pub async fn chain_verifies(b: &Backend) {
    let store = b.open().await;
    store.append(vec![started("r", "R.md", "p")]).await.unwrap();
    for i in 0..10 {
        let batch = (0..4).map(|k| step("r", i * 4 + k)).collect();
        store.append(batch).await.unwrap();
    }
    store.append(vec![verdict("r", "GO")]).await.unwrap();
    assert_contiguous_and_valid(&store, "r", 42).await;
    drop(store);
    let again = b.open().await;
    assert_contiguous_and_valid(&again, "r", 42).await;
}

async fn ten_events(b: &Backend) -> greenlight_store::Store {
    let store = b.open().await;
    let mut batch = vec![started("t", "T.md", "p")];
    batch.extend((1..10).map(|i| step("t", i)));
    store.append(batch).await.unwrap();
    assert!(store.verify("t").await.unwrap().ok);
    // Another run in the same store is not affected by tampering with "t".
    store.append(vec![started("u", "U.md", "p")]).await.unwrap();
    store
}

async fn assert_first_bad(store: &greenlight_store::Store, seq: u64, words: &[&str]) {
    let report = store.verify("t").await.unwrap();
    assert!(!report.ok, "{report:?}");
    assert_eq!(report.first_bad, Some(seq), "{report:?}");
    let problem = report.problem.clone().unwrap_or_default();
    for w in words {
        assert!(problem.contains(w), "{problem:?} should mention {w:?}");
    }
    assert!(store.verify("u").await.unwrap().ok);
}

/// Changing a payload directly in the database is named.
pub async fn tamper_payload(b: &Backend) {
    let store = ten_events(b).await;
    b.exec("UPDATE events SET payload = replace(payload, 'passed', 'failed') WHERE run_id = 't' AND seq = 7")
        .await;
    assert_first_bad(&store, 7, &["event 7", "step_result", "altered"]).await;
}

/// Removing a row from the middle is named.
pub async fn tamper_delete_middle(b: &Backend) {
    let store = ten_events(b).await;
    b.exec("DELETE FROM events WHERE run_id = 't' AND seq = 5")
        .await;
    assert_first_bad(&store, 5, &["event 5", "missing"]).await;
}

/// Removing the first row is named.
pub async fn tamper_delete_first(b: &Backend) {
    let store = ten_events(b).await;
    b.exec("DELETE FROM events WHERE run_id = 't' AND seq = 1")
        .await;
    assert_first_bad(&store, 1, &["event 1", "missing"]).await;
}

/// Removing the last rows (truncating the log) is named.
pub async fn tamper_delete_last(b: &Backend) {
    let store = ten_events(b).await;
    b.exec("DELETE FROM events WHERE run_id = 't' AND seq >= 9")
        .await;
    assert_first_bad(&store, 9, &["event 9", "missing"]).await;
}

/// Overwriting a hash is named, at that event.
pub async fn tamper_hash(b: &Backend) {
    let store = ten_events(b).await;
    b.exec(&format!(
        "UPDATE events SET hash = '{}' WHERE run_id = 't' AND seq = 4",
        "ab".repeat(32)
    ))
    .await;
    assert_first_bad(&store, 4, &["event 4", "altered"]).await;
}

/// Re-linking an event to a forged predecessor is named.
pub async fn tamper_prev_hash(b: &Backend) {
    let store = ten_events(b).await;
    b.exec(&format!(
        "UPDATE events SET prev_hash = '{}' WHERE run_id = 't' AND seq = 9",
        "cd".repeat(32)
    ))
    .await;
    assert_first_bad(&store, 9, &["event 9", "event 8"]).await;
}

/// With several alterations, the first one is named.
pub async fn tamper_names_first(b: &Backend) {
    let store = ten_events(b).await;
    b.exec(
        "UPDATE events SET actor = 'mallory' WHERE run_id = 't' AND seq = 8;
         UPDATE events SET item = 'other' WHERE run_id = 't' AND seq = 3;",
    )
    .await;
    assert_first_bad(&store, 3, &["event 3", "altered"]).await;
}

/// A batch with an invalid event writes nothing at all.
pub async fn atomic_batches(b: &Backend) {
    let store = b.open().await;
    store
        .append(vec![started("ok", "O.md", "p")])
        .await
        .unwrap();
    for bad in [
        NewEvent {
            run_id: String::new(),
            ..step("x", 9)
        },
        NewEvent {
            actor: " ".into(),
            ..step("ok", 9)
        },
        NewEvent {
            item: Some("nul\0inside".into()),
            ..step("ok", 9)
        },
    ] {
        let batch = vec![step("ok", 1), started("new", "N.md", "p"), bad];
        let err = store.append(batch).await.unwrap_err();
        assert!(matches!(err, StoreError::Invalid(_)), "{err}");
    }
    assert_eq!(store.events("ok").await.unwrap().len(), 1);
    assert!(store.events("new").await.unwrap().is_empty());
    let runs: Vec<String> = store
        .runs(None)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.run_id)
        .collect();
    assert_eq!(runs, ["ok"]);
    assert_eq!(store.append(vec![step("ok", 1)]).await.unwrap()[0].seq, 2);
}

/// Many tasks, over several connections, append to one run at once:
/// every event lands exactly once, numbered without gaps, chained.
pub async fn concurrent_tasks(b: &Backend) {
    const HANDLES: u64 = 3;
    const TASKS: u64 = 4;
    const BATCHES: u64 = 15;
    let first = b.open().await;
    first.append(vec![started("c", "C.md", "p")]).await.unwrap();
    let mut stores = vec![Arc::new(first)];
    for _ in 1..HANDLES {
        stores.push(Arc::new(b.open().await));
    }
    let mut tasks = Vec::new();
    for h in 0..HANDLES {
        for t in 0..TASKS {
            let store = stores[h as usize].clone();
            tasks.push(tokio::spawn(async move {
                for i in 0..BATCHES {
                    let n = (h * TASKS + t) * 1000 + i;
                    // Batches of 1..3 events, some mixing in another run.
                    let mut batch: Vec<NewEvent> =
                        (0..=(i % 3)).map(|k| step("c", n * 10 + k)).collect();
                    if i % 4 == 0 {
                        batch.insert(0, step("side", n * 10 + 9));
                    }
                    store.append(batch).await.unwrap();
                }
            }));
        }
    }
    for t in tasks {
        t.await.unwrap();
    }
    let per_task: u64 = (0..BATCHES).map(|i| i % 3 + 1).sum();
    let total = 1 + HANDLES * TASKS * per_task;
    let events = assert_contiguous_and_valid(&stores[0], "c", total).await;
    let ns: HashSet<u64> = events[1..]
        .iter()
        .map(|e| payload(e)["n"].as_u64().unwrap())
        .collect();
    assert_eq!(ns.len() as u64, total - 1, "every event exactly once");
    let side = HANDLES * TASKS * BATCHES.div_ceil(4);
    assert_contiguous_and_valid(&stores[0], "side", side).await;
}

/// History: newest first, summaries from the events, prefix lookup.
pub async fn runs_latest_and_resolve(b: &Backend) {
    let store = b.open().await;
    assert_eq!(store.latest_run().await.unwrap(), None);
    assert!(store.runs(None).await.unwrap().is_empty());
    assert!(matches!(
        store.resolve_run("7").await,
        Err(StoreError::NoSuchRun(_))
    ));

    store
        .append(vec![started("7kq2x", "docs/STAGING.md", "staging")])
        .await
        .unwrap();
    store
        .append(vec![started("7kq9a", "RELEASE.md", "prod")])
        .await
        .unwrap();
    store
        .append(vec![
            started("abc12", "docs/STAGING.md", "staging"),
            step("abc12", 1),
        ])
        .await
        .unwrap();
    store.append(vec![verdict("abc12", "NO_GO")]).await.unwrap();
    store
        .append(vec![step("7kq2x", 1), verdict("7kq2x", "PENDING")])
        .await
        .unwrap();
    store.append(vec![verdict("7kq2x", "GO")]).await.unwrap();

    let runs = store.runs(None).await.unwrap();
    let ids: Vec<&str> = runs.iter().map(|r| r.run_id.as_str()).collect();
    assert_eq!(ids, ["abc12", "7kq9a", "7kq2x"], "newest started first");
    let abc = &runs[0];
    assert_eq!(
        (abc.checklist.as_str(), abc.profile.as_str()),
        ("docs/STAGING.md", "staging")
    );
    assert_eq!(abc.verdict.as_deref(), Some("NO_GO"));
    assert_eq!(abc.events, 3);
    assert!(abc.started_at <= abc.last_event_at);
    assert_eq!(runs[1].verdict, None);
    assert_eq!(runs[1].events, 1);
    assert_eq!(
        runs[2].verdict.as_deref(),
        Some("GO"),
        "the last verdict counts"
    );
    assert_eq!(runs[2].events, 4);
    let events = store.events("7kq2x").await.unwrap();
    assert_eq!(runs[2].started_at, events[0].at);
    assert_eq!(runs[2].last_event_at, events[3].at);

    let staging: Vec<String> = store
        .runs(Some("docs/STAGING.md"))
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.run_id)
        .collect();
    assert_eq!(staging, ["abc12", "7kq2x"]);
    assert!(store.runs(Some("NOPE.md")).await.unwrap().is_empty());

    assert_eq!(store.latest_run().await.unwrap().as_deref(), Some("abc12"));
    assert_eq!(store.resolve_run("abc").await.unwrap(), "abc12");
    assert_eq!(store.resolve_run("7kq2x").await.unwrap(), "7kq2x");
    assert_eq!(store.resolve_run("7kq9").await.unwrap(), "7kq9a");
    let err = store.resolve_run("7kq").await.unwrap_err();
    assert!(matches!(err, StoreError::Ambiguous { .. }), "{err}");
    let msg = err.to_string();
    assert!(msg.contains("7kq2x") && msg.contains("7kq9a"), "{msg}");
    let err = store.resolve_run("zz").await.unwrap_err();
    assert!(matches!(err, StoreError::NoSuchRun(_)), "{err}");
    assert!(err.to_string().contains("zz"));
}

/// Runs started within the same millisecond still list in the order they
/// started (a resume picks the latest run).
pub async fn latest_run_is_the_last_started(b: &Backend) {
    let store = b.open().await;
    for i in 0..20 {
        // IDs neither ascending nor descending: order must come from time.
        let id = format!("{}{i:02}", if i % 2 == 0 { 'a' } else { 'z' });
        store.append(vec![started(&id, "X.md", "p")]).await.unwrap();
        assert_eq!(store.latest_run().await.unwrap(), Some(id));
    }
}

/// Runs name their release in `run_started`; the store lists a release's
/// runs oldest first. A store written before releases existed is migrated
/// on open and its runs stay readable (they belong to no release).
pub async fn releases_group_runs(b: &Backend) {
    let store = b.open().await;
    let with_release = |run: &str, release: &str| {
        let mut e = started(run, "docs/RELEASE.md", "staging");
        e.payload.value_mut()["release"] = json!(release);
        e
    };
    store
        .append(vec![with_release("rel01", "docs/RELEASE.md@staging")])
        .await
        .unwrap();
    store
        .append(vec![started("solo1", "OTHER.md", "p")])
        .await
        .unwrap();
    store
        .append(vec![with_release("rel02", "docs/RELEASE.md@staging")])
        .await
        .unwrap();
    store
        .append(vec![with_release("v2run", "v2.0")])
        .await
        .unwrap();
    // A later event without the field keeps the run's release.
    store.append(vec![verdict("rel01", "NO_GO")]).await.unwrap();
    let ids = |runs: Vec<greenlight_store::RunSummary>| {
        runs.into_iter().map(|r| r.run_id).collect::<Vec<_>>()
    };
    assert_eq!(
        ids(store.release_runs("docs/RELEASE.md@staging").await.unwrap()),
        ["rel01", "rel02"]
    );
    assert_eq!(ids(store.release_runs("v2.0").await.unwrap()), ["v2run"]);
    assert!(store.release_runs("").await.unwrap().is_empty());
    let runs = store.runs(None).await.unwrap();
    let solo = runs.iter().find(|r| r.run_id == "solo1").unwrap();
    assert_eq!(solo.release, "");
    drop(store);

    // Turn the store back into one from before releases: the migration runs
    // again on open and the old rows read as belonging to no release.
    b.exec(
        "DROP INDEX runs_release; ALTER TABLE runs DROP COLUMN release;
         DELETE FROM schema_migrations WHERE name = 'runs belong to a release';",
    )
    .await;
    let store = b.open().await;
    let runs = store.runs(None).await.unwrap();
    assert_eq!(runs.len(), 4);
    assert!(runs.iter().all(|r| r.release.is_empty()));
    assert_eq!(
        runs.iter()
            .find(|r| r.run_id == "rel01")
            .unwrap()
            .verdict
            .as_deref(),
        Some("NO_GO")
    );
    assert!(store.verify("rel01").await.unwrap().ok);
    store
        .append(vec![with_release("rel03", "docs/RELEASE.md@staging")])
        .await
        .unwrap();
    assert_eq!(
        ids(store.release_runs("docs/RELEASE.md@staging").await.unwrap()),
        ["rel03"]
    );
}

/// A keyed store with ten events of run `t` (and one of run `u`).
async fn ten_keyed_events(b: &Backend) -> greenlight_store::Store {
    let mut store = b.open().await;
    store.set_audit_key(greenlight_store::AuditKey::new(
        b"the release crew audit key",
    ));
    let mut batch = vec![started("t", "T.md", "p")];
    batch.extend((1..6).map(|i| step("t", i)));
    store.append(batch).await.unwrap();
    // A second batch: the signed head moves with every append.
    store
        .append((6..10).map(|i| step("t", i)).collect())
        .await
        .unwrap();
    store.append(vec![started("u", "U.md", "p")]).await.unwrap();
    let ok = store.verify("t").await.unwrap();
    assert!(ok.ok, "{ok:?}");
    assert_eq!(ok.keying, greenlight_store::Keying::Verified);
    let first = &store.events("t").await.unwrap()[0];
    assert_eq!(
        payload(first)["audit_key"],
        store.audit_key().unwrap().id(),
        "a keyed run names its key in its run_started event"
    );
    store
}

/// Deleting every MAC of a keyed run does not make it pass as an unkeyed
/// run: its run_started event (and its signed head record) name the key.
pub async fn tamper_strip_macs(b: &Backend) {
    let store = ten_keyed_events(b).await;
    b.exec("UPDATE events SET mac = NULL WHERE run_id = 't'")
        .await;
    assert_first_bad(&store, 1, &["MACs stripped", "run_started"]).await;
    // Also seen by someone without the key.
    let unkeyed = b.open().await;
    let r = unkeyed.verify("t").await.unwrap();
    assert!(!r.ok && r.problem.unwrap().contains("MACs stripped"));
    // Also with the signed head record removed as well.
    b.exec("DELETE FROM run_heads WHERE run_id = 't'").await;
    assert_first_bad(&store, 1, &["MACs stripped"]).await;
}

/// Cutting the last events off a keyed run and rewriting its head in
/// `runs` to match shows: the signed head record still says 10 events.
pub async fn tamper_truncate_keyed(b: &Backend) {
    let store = ten_keyed_events(b).await;
    b.exec(
        "DELETE FROM events WHERE run_id = 't' AND seq >= 9;
         UPDATE runs SET events = 8,
            last_hash = (SELECT hash FROM events WHERE run_id = 't' AND seq = 8)
         WHERE run_id = 't';",
    )
    .await;
    assert_first_bad(
        &store,
        9,
        &["event 9 is missing", "signed head record says 10 events"],
    )
    .await;
    // Rewriting the signed head record too, without the key, shows.
    b.exec(
        "UPDATE run_heads SET events = 8,
            last_hash = (SELECT hash FROM events WHERE run_id = 't' AND seq = 8)
         WHERE run_id = 't';",
    )
    .await;
    assert_first_bad(&store, 9, &["does not match its signature"]).await;
    // Deleting it shows too: the run names its key, so it must have one.
    b.exec("DELETE FROM run_heads WHERE run_id = 't'").await;
    assert_first_bad(&store, 9, &["signed head record", "is missing"]).await;
}

/// `events_of_kinds` reads only the kinds asked for, run by run in the
/// order given, each in seq order; the store counts what it read.
pub async fn kinds_filtered_in_sql(b: &Backend) {
    let store = b.open().await;
    for run in ["b", "a"] {
        let mut batch = vec![started(run, "T.md", "p")];
        batch.extend((1..20).map(|i| step(run, i)));
        batch.push(NewEvent {
            run_id: run.into(),
            kind: EventKind::Signoff,
            item: Some("qa".into()),
            actor: "bo".into(),
            payload: json!({}).into(),
        });
        batch.push(verdict(run, "GO"));
        store.append(batch).await.unwrap();
    }
    let before = store.events_read();
    let got = store
        .events_of_kinds(
            &["b".to_string(), "a".to_string(), "none".to_string()],
            &[EventKind::Signoff, EventKind::Verdict],
        )
        .await
        .unwrap();
    let shape: Vec<(&str, u64, EventKind)> = got
        .iter()
        .map(|e| (e.run_id.as_str(), e.seq, e.kind))
        .collect();
    assert_eq!(
        shape,
        [
            ("b", 21, EventKind::Signoff),
            ("b", 22, EventKind::Verdict),
            ("a", 21, EventKind::Signoff),
            ("a", 22, EventKind::Verdict),
        ]
    );
    assert_eq!(store.events_read() - before, 4);
    // What it returns is what `events` returns for those rows.
    let all = store.events("a").await.unwrap();
    assert_eq!(got[2], all[20]);
    assert_eq!(store.events_read() - before, 4 + 22);
    assert!(
        store
            .events_of_kinds(&[], &[EventKind::Signoff])
            .await
            .unwrap()
            .is_empty()
    );
}
