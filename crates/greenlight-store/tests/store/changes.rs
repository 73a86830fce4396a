//! Announcements of new events: PostgreSQL tells a listener about every
//! event any writer stores (its own schema only); SQLite announces none.

use crate::support::{Backend, started, step};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_announces_every_event_of_any_writer() {
    let Some(b) = Backend::postgres("changes").await else {
        return;
    };
    let Some(other) = Backend::postgres("changes_other").await else {
        return;
    };
    let listener = b.open().await;
    let mut changes = listener
        .changes()
        .await
        .unwrap()
        .expect("PostgreSQL announces");
    // Another schema's events are not this store's.
    other
        .open()
        .await
        .append(vec![started("elsewhere", "X.md", "p")])
        .await
        .unwrap();
    // A second store (as another process would) writes three events.
    let writer = b.open().await;
    writer
        .append(vec![started("r1", "RELEASE.md", "staging"), step("r1", 1)])
        .await
        .unwrap();
    writer.append(vec![step("r1", 2)]).await.unwrap();
    let mut got = Vec::new();
    while got.len() < 3 {
        let c = tokio::time::timeout(Duration::from_secs(5), changes.recv())
            .await
            .expect("announced within 5 s")
            .expect("still listening");
        got.push((c.run_id.unwrap_or_default(), c.seq));
    }
    assert_eq!(
        got,
        [
            ("r1".to_string(), 1),
            ("r1".to_string(), 2),
            ("r1".to_string(), 3)
        ]
    );
    assert!(!changes.missed());
    // Nothing else (not the other schema's event) is waiting.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(changes.try_recv(), None);
}

#[tokio::test]
async fn sqlite_announces_nothing() {
    let b = Backend::sqlite("changes");
    assert!(b.open().await.changes().await.unwrap().is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_listener_of_a_store_leads_until_its_connection_closes() {
    let Some(b) = Backend::postgres("lead").await else {
        return;
    };
    let Some(other) = Backend::postgres("lead_other").await else {
        return;
    };
    let (s1, s2) = (b.open().await, b.open().await);
    let first = s1.changes().await.unwrap().unwrap();
    let second = s2.changes().await.unwrap().unwrap();
    assert!(first.lead().await, "the first to ask leads");
    assert!(first.lead().await, "and keeps leading");
    assert!(!second.lead().await, "only one leads");
    // Another store (schema) of the same database has its own leader.
    let elsewhere = other.open().await.changes().await.unwrap().unwrap();
    assert!(elsewhere.lead().await);
    drop(first);
    let mut led = false;
    for _ in 0..50 {
        if second.lead().await {
            led = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        led,
        "the lead passes on when the leader's connection closes"
    );
}
