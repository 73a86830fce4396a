//! Backend-specific behaviour: reopening a SQLite file, and error messages
//! that name the store (never its password).

use crate::support::*;
use greenlight_store::{Store, StoreError};
use std::time::{Duration, Instant};

#[tokio::test]
async fn sqlite_reopen_keeps_everything() {
    let b = Backend::sqlite("reopen");
    let written = {
        let store = b.open().await;
        let mut all = store
            .append(vec![started("keep", "K.md", "p"), step("keep", 1)])
            .await
            .unwrap();
        all.extend(store.append(vec![verdict("keep", "GO")]).await.unwrap());
        all
    };
    let store = b.open().await;
    assert_eq!(store.events("keep").await.unwrap(), written);
    assert!(store.verify("keep").await.unwrap().ok);
    let runs = store.runs(None).await.unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].verdict.as_deref(), Some("GO"));
    assert_eq!(store.append(vec![step("keep", 2)]).await.unwrap()[0].seq, 4);
    assert!(store.verify("keep").await.unwrap().ok);
}

/// Opening a store nobody has written to yet gives an empty, working store;
/// opening it again (as `status` or `history` do) writes nothing: the file
/// is unchanged and its WAL gets no frame.
#[tokio::test]
async fn sqlite_an_empty_store_opens_and_reopens_without_writing() {
    let b = Backend::sqlite("empty-open");
    let file = std::path::PathBuf::from(&b.spec);
    {
        let store = b.open().await;
        assert!(store.runs(None).await.unwrap().is_empty());
        assert_eq!(store.latest_run().await.unwrap(), None);
        assert!(matches!(
            store.verify("none").await,
            Err(StoreError::NoSuchRun(_))
        ));
    }
    let wal = file.with_file_name("runs.db-wal");
    let before = std::fs::read(&file).unwrap();
    assert!(!before.is_empty(), "the schema was created");
    let wal_before = std::fs::metadata(&wal).map_or(0, |m| m.len());
    let store = b.open().await;
    assert!(store.runs(None).await.unwrap().is_empty());
    assert!(store.events("none").await.unwrap().is_empty());
    assert_eq!(
        std::fs::read(&file).unwrap(),
        before,
        "the file is unchanged"
    );
    assert_eq!(
        std::fs::metadata(&wal).map_or(0, |m| m.len()),
        wal_before,
        "no WAL frame was written"
    );
    // And it is a working store.
    store
        .append(vec![started("first", "F.md", "p")])
        .await
        .unwrap();
    assert!(std::fs::metadata(&wal).unwrap().len() > wal_before);
    assert!(store.verify("first").await.unwrap().ok);
}

#[tokio::test]
async fn sqlite_store_is_in_wal_mode() {
    let b = Backend::sqlite("wal");
    let store = b.open().await;
    store.append(vec![started("w", "W.md", "p")]).await.unwrap();
    let conn = rusqlite::Connection::open(&b.spec).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let versions: Vec<i64> = conn
        .prepare("SELECT version FROM schema_migrations ORDER BY version")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(versions.first(), Some(&1), "migrations are recorded");
}

#[tokio::test]
async fn sqlite_open_failure_names_the_path() {
    let dir = std::env::temp_dir().join(format!("gl-store-test-{}", unique("openfail")));
    std::fs::create_dir_all(&dir).unwrap();
    let blocker = dir.join("a-file");
    std::fs::write(&blocker, b"not a folder").unwrap();
    let spec = blocker.join("runs.db").display().to_string();
    let err = Store::open(&spec)
        .await
        .err()
        .expect("cannot open under a file");
    assert!(matches!(err, StoreError::Open { .. }), "{err}");
    let msg = err.to_string();
    assert!(
        msg.starts_with(&format!("cannot open store {spec}: ")),
        "{msg}"
    );
    // Not a database at all.
    let junk = dir.join("junk.db");
    std::fs::write(&junk, vec![b'x'; 4096]).unwrap();
    let err = Store::open(junk.to_str().unwrap())
        .await
        .err()
        .expect("junk is no store");
    assert!(err.to_string().starts_with("cannot open store "), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn postgres_unreachable_names_the_url_without_password() {
    // Nothing listens on this loopback port.
    let spec = "postgres://postgres:hunter2@127.0.0.1:5999/x";
    let err = Store::open(spec)
        .await
        .err()
        .expect("nothing listens on 5999");
    assert!(matches!(err, StoreError::Unreachable { .. }), "{err}");
    let msg = err.to_string();
    assert!(
        msg.starts_with("PostgreSQL store at postgres://postgres@127.0.0.1:5999/x unreachable: "),
        "{msg}"
    );
    assert!(!msg.contains("hunter2"), "{msg}");
}

#[tokio::test]
async fn postgres_silent_server_times_out() {
    // Accepts the connection, never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let hold = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = listener.accept().await {
            held.push(s);
        }
    });
    let spec = format!("postgres://postgres@127.0.0.1:{port}/x?connect_timeout=1");
    let t = Instant::now();
    let err = Store::open(&spec)
        .await
        .err()
        .expect("a silent server is no store");
    assert!(
        t.elapsed() < Duration::from_secs(4),
        "took {:?}",
        t.elapsed()
    );
    assert!(matches!(err, StoreError::Unreachable { .. }), "{err}");
    assert!(err.to_string().contains("no answer within 1 s"), "{err}");
    hold.abort();
}

#[tokio::test]
async fn postgres_rejects_a_bad_schema_name() {
    let Some(_b) = Backend::postgres("badschema").await else {
        return;
    };
    let err = Store::open(&format!("{PG_BASE}?schema=x;DROP TABLE y"))
        .await
        .err()
        .expect("not an identifier");
    assert!(err.to_string().contains("schema"), "{err}");
}

#[tokio::test]
async fn postgres_migrations_are_recorded_once() {
    let Some(b) = Backend::postgres("migrations").await else {
        return;
    };
    // Several handles opening a new schema at once.
    let opens: Vec<_> = (0..4)
        .map(|_| {
            let spec = b.spec.clone();
            tokio::spawn(async move { Store::open(&spec).await.map(|_| ()) })
        })
        .collect();
    for o in opens {
        o.await.unwrap().unwrap();
    }
    let client = connect().await.unwrap();
    let schema = b.spec.split_once("?schema=").unwrap().1;
    let rows = client
        .query(
            &format!("SELECT version FROM {schema}.schema_migrations ORDER BY version"),
            &[],
        )
        .await
        .unwrap();
    let versions: Vec<i64> = rows.iter().map(|r| r.get(0)).collect();
    assert!(!versions.is_empty());
    assert_eq!(versions, (1..=versions.len() as i64).collect::<Vec<_>>());
}

#[tokio::test]
async fn resolve_rejects_an_empty_prefix() {
    let b = Backend::sqlite("emptyprefix");
    let store = b.open().await;
    store
        .append(vec![started("only", "O.md", "p")])
        .await
        .unwrap();
    assert!(store.resolve_run("").await.is_err());
    assert!(matches!(
        store.verify("never-was").await,
        Err(StoreError::NoSuchRun(_))
    ));
}

#[tokio::test]
async fn postgres_reconnects_after_losing_its_connection() {
    let Some(b) = Backend::postgres("reconnect").await else {
        return;
    };
    let app = unique("gl_reconnect");
    let store = Store::open(&format!("{}&application_name={app}", b.spec))
        .await
        .unwrap();
    store
        .append(vec![started("rc", "R.md", "p")])
        .await
        .unwrap();
    let admin = connect().await.unwrap();
    let killed = admin
        .query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
            &[&app],
        )
        .await
        .unwrap();
    assert_eq!(killed.len(), 1, "the store's session was found and ended");
    // The first call may see the dead connection; the store re-opens it.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut ok = None;
    for _ in 0..2 {
        match store.append(vec![step("rc", 1)]).await {
            Ok(e) => {
                ok = Some(e);
                break;
            }
            Err(e) => assert!(matches!(e, StoreError::Unreachable { .. }), "{e}"),
        }
    }
    assert_eq!(ok.expect("appends again after reconnecting")[0].seq, 2);
    assert_contiguous_and_valid(&store, "rc", 2).await;
}
