//! Read-only mode against the machine's PostgreSQL and Redis: what acts on the server is
//! refused or fails, and afterwards nothing changed and nobody was disconnected.

use greenlight_probe::{Access, ErrorKind, PgReport, ProbeError, pg_query, redis_command};
use std::time::Duration;

use crate::support::service_available;

const PG: &str = "postgres://postgres@127.0.0.1:5432/postgres";
const REDIS: &str = "redis://127.0.0.1:6379";
const T: Duration = Duration::from_secs(5);

async fn ro(sql: &str) -> Result<PgReport, ProbeError> {
    pg_query(PG, sql, &[], Access::ReadOnly, T).await
}

async fn rw(sql: &str) -> PgReport {
    pg_query(PG, sql, &[], Access::ReadWrite, T)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// The state the refused statements must leave alone.
async fn pg_state(s: &str, lo: &str) -> String {
    rw(&format!(
        "SELECT (SELECT count(*) FROM {s}.t) || '/' || (SELECT last_value FROM {s}.seq) || '/' \
         || (SELECT count(*) FROM pg_largeobject_metadata WHERE oid = {lo})"
    ))
    .await
    .scalar()
    .unwrap_or_default()
    .to_string()
}

#[tokio::test]
async fn postgres_read_only_changes_nothing() {
    if !service_available("PostgreSQL", "127.0.0.1:5432").await {
        return;
    }
    let s = format!("gl_ro_{}", std::process::id());
    // The scratch schema goes away even when an assertion fails.
    let outcome = tokio::spawn(postgres_scenario(s.clone())).await;
    let _ = pg_query(
        PG,
        &format!("DROP SCHEMA IF EXISTS {s} CASCADE"),
        &[],
        Access::ReadWrite,
        T,
    )
    .await;
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

async fn postgres_scenario(s: String) {
    rw(&format!(
        "DROP SCHEMA IF EXISTS {s} CASCADE; CREATE SCHEMA {s};
         CREATE TABLE {s}.t (id int PRIMARY KEY, v text);
         INSERT INTO {s}.t VALUES (1, 'a'), (2, 'b');
         CREATE SEQUENCE {s}.seq; SELECT nextval('{s}.seq');
         CREATE FUNCTION {s}.bump() RETURNS int LANGUAGE sql VOLATILE
             AS $$ INSERT INTO {s}.t VALUES (100, 'x') RETURNING id $$;
         CREATE FUNCTION {s}.liar() RETURNS bigint LANGUAGE sql STABLE
             AS $$ SELECT nextval('{s}.seq') $$;
         CREATE FUNCTION {s}.stable_count() RETURNS bigint LANGUAGE sql STABLE
             AS $$ SELECT count(*) FROM {s}.t $$;
         CREATE VIEW {s}.bumper AS SELECT {s}.bump() AS b;
         CREATE FUNCTION {s}.row_lock({s}.t) RETURNS boolean LANGUAGE sql VOLATILE
             AS $$ SELECT pg_try_advisory_lock(7) $$;
         CREATE VIEW {s}.killer AS SELECT pid, pg_terminate_backend(pid) AS k FROM pg_stat_activity;
         CREATE VIEW {s}.outer_killer AS SELECT * FROM {s}.killer;
         CREATE VIEW {s}.locker AS SELECT pg_try_advisory_lock(42) AS l;
         CREATE TABLE {s}.guarded (id int);
         ALTER TABLE {s}.guarded ENABLE ROW LEVEL SECURITY;
         ALTER TABLE {s}.guarded FORCE ROW LEVEL SECURITY;
         CREATE POLICY p ON {s}.guarded USING (pg_terminate_backend(0) IS NOT NULL);
         CREATE VIEW {s}.activity AS SELECT pid, state FROM pg_stat_activity;
         CREATE EXTENSION pg_stat_statements SCHEMA {s};"
    ))
    .await;
    let lo = rw("SELECT lo_from_bytea(0, 'hello')")
        .await
        .scalar()
        .unwrap()
        .to_string();
    let before = pg_state(&s, &lo).await;
    assert_eq!(before, "2/1/1");

    // An idle connection of our own, which pg_terminate_backend must not reach.
    let (idle, conn) = tokio_postgres::connect(
        "host=127.0.0.1 user=postgres dbname=postgres",
        tokio_postgres::NoTls,
    )
    .await
    .unwrap();
    tokio::spawn(conn);
    let pid: i32 = idle
        .query_one("SELECT pg_backend_pid()", &[])
        .await
        .unwrap()
        .get(0);

    // Refused before anything runs.
    for (sql, names) in [
        (format!("SELECT nextval('{s}.seq')"), "nextval"),
        (format!("SELECT setval('{s}.seq', 100)"), "setval"),
        (
            format!("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid = {pid}"),
            "pg_terminate_backend",
        ),
        (
            format!("SELECT pg_catalog.pg_terminate_backend({pid})"),
            "pg_terminate_backend",
        ),
        (format!("SELECT lo_unlink({lo})"), "lo_unlink"),
        (
            format!("WITH d AS (DELETE FROM {s}.t RETURNING *) SELECT count(*) FROM d"),
            "DELETE",
        ),
        (format!("SELECT 1; COMMIT; DELETE FROM {s}.t"), "DELETE"),
        (format!("SELECT 1; COMMIT; SELECT {s}.bump()"), "COMMIT"),
        ("SET default_transaction_read_only = off".into(), "SET"),
        ("SET standard_conforming_strings = off".into(), "SET"),
        (format!("SELECT {s}.bump()"), "bump()"),
        (format!("SELECT \"{s}\".\"bump\"()"), "bump()"),
        (format!("SELECT * FROM {s}.t FOR UPDATE"), "UPDATE"),
    ] {
        let e = ro(&sql).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Refused, "{sql}: {e}");
        assert!(e.to_string().contains(names), "{sql}: {e}");
    }
    // Functions hidden in views (also nested) and row-security policies are looked up.
    for (sql, name) in [
        (
            format!("SELECT * FROM {s}.killer WHERE pid = {pid}"),
            "pg_terminate_backend",
        ),
        (
            format!("SELECT k FROM {s}.outer_killer WHERE pid = {pid}"),
            "pg_terminate_backend",
        ),
        (format!("SELECT * FROM \"{s}\".\"locker\""), "advisory_lock"),
        (format!("SELECT * FROM {s}.guarded"), "pg_terminate_backend"),
        (format!("SELECT * FROM {s}.bumper"), "bump"),
        (format!("SELECT x.row_lock FROM {s}.t x"), "row_lock"),
    ] {
        let e = ro(&sql).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Refused, "{sql}: {e}");
        assert!(e.to_string().contains(name), "{sql}: {e}");
    }
    // A known extension's statistics view is read (here it then fails: the library is not
    // preloaded on this server), not refused.
    match ro(&format!("SELECT count(*) FROM {s}.pg_stat_statements")).await {
        Ok(_) => {}
        Err(e) => assert_ne!(e.kind(), ErrorKind::Refused, "{e}"),
    }
    // A view over a system view is fine.
    let r = ro(&format!("SELECT count(*) > 0 FROM {s}.activity"))
        .await
        .unwrap();
    assert_eq!(r.scalar(), Some("t"));
    // Past the judge, the read-only transaction stops the write: a function lies about its
    // volatility.
    for sql in [format!("SELECT {s}.liar()")] {
        let e = ro(&sql).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Refused, "{sql}: {e}");
        assert!(e.to_string().contains("SQLSTATE 25006"), "{sql}: {e}");
    }
    // Values bound as parameters never change the statement.
    for value in ["x' OR '1'='1", "'); DROP TABLE t; --", "1; DELETE FROM t"] {
        let r = pg_query(
            PG,
            &format!("SELECT count(*) FROM {s}.t WHERE v = $1"),
            &[value.to_string()],
            Access::ReadOnly,
            T,
        )
        .await
        .unwrap();
        assert_eq!(r.scalar(), Some("0"), "{value}");
    }

    // A session that reads backslashes as escapes (here from the connection string) would see
    // code where the judge saw a string; the probe forces standard-conforming strings.
    let r = pg_query(
        &format!("{PG}?options=-c%20standard_conforming_strings%3Doff"),
        &format!("SELECT 'a\\'' , pg_terminate_backend({pid}) --'"),
        &[],
        Access::ReadOnly,
        T,
    )
    .await
    .unwrap();
    assert_eq!(
        r.scalar(),
        Some(format!("a\\' , pg_terminate_backend({pid}) --").as_str())
    );

    assert_eq!(pg_state(&s, &lo).await, before, "nothing changed");
    let alive = idle.simple_query("SELECT 1").await;
    assert!(alive.is_ok(), "the idle connection was killed: {alive:?}");

    // Reads still work.
    let r = ro(&format!("SELECT count(*) FROM {s}.t")).await.unwrap();
    assert_eq!(r.scalar(), Some("2"));
    let r = ro(&format!(
        "SELECT {s}.stable_count(), now() IS NOT NULL, random() < 2"
    ))
    .await
    .unwrap();
    assert_eq!(r.render_unaligned(), "2|t|t\n");
    let r = ro(&format!("\\dt {s}.*")).await.unwrap();
    assert_eq!(r.columns, vec!["Schema", "Name", "Type", "Owner"]);
    let names: Vec<Option<&str>> = r.rows.iter().map(|row| row[1].as_deref()).collect();
    assert_eq!(names, vec![Some("guarded"), Some("t")]);
    let r = ro("\\dt").await.unwrap();
    assert!(r.columns.contains(&"Name".to_string()));
    let r = ro("SHOW transaction_read_only").await.unwrap();
    assert_eq!(r.scalar(), Some("on"));
    let r = pg_query(
        PG,
        &format!("SELECT id, v, 1.50::numeric, true FROM {s}.t WHERE v = $1 OR id = $2"),
        &["b".to_string(), "1".to_string()],
        Access::ReadOnly,
        T,
    )
    .await
    .unwrap();
    assert_eq!(r.render_unaligned(), "1|a|1.50|t\n2|b|1.50|t\n");
    // Dates and times bound as text and shown as psql shows them.
    let sql = "SELECT $1::date, $1::timestamp + interval '1.5 s', '12:00:01.25'::time, \
               $1::timestamp AT TIME ZONE 'UTC', $2::uuid, $3::jsonb, $4::float8, 'x'::bytea";
    let with = |values: &[&str]| values.iter().map(|v| v.to_string()).collect::<Vec<_>>();
    let bound = pg_query(
        PG,
        sql,
        &with(&[
            "2024-02-29",
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
            "{\"a\": 1}",
            "0.5",
        ]),
        Access::ReadOnly,
        T,
    )
    .await
    .unwrap();
    let inlined = ro(&sql
        .replace("$1", "'2024-02-29'")
        .replace("$2", "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'")
        .replace("$3", "'{\"a\": 1}'")
        .replace("$4", "'0.5'"))
    .await
    .unwrap();
    assert_eq!(
        bound.rows, inlined.rows,
        "binary rendering = PostgreSQL's text"
    );

    rw(&format!("DROP SCHEMA {s} CASCADE; SELECT lo_unlink({lo})")).await;
}

fn args(line: &str) -> Vec<String> {
    line.split(' ').map(str::to_string).collect()
}

#[tokio::test]
async fn redis_read_only_changes_nothing() {
    if !service_available("Redis", "127.0.0.1:6379").await {
        return;
    }
    let key = format!("gl:ro:{}:k", std::process::id());
    redis_command(
        REDIS,
        &args(&format!("SET {key} v EX 60")),
        Access::ReadWrite,
        T,
    )
    .await
    .unwrap();
    // A connection of our own, which CLIENT KILL must not reach.
    let client = redis::Client::open(REDIS).unwrap();
    let mut idle = client.get_multiplexed_async_connection().await.unwrap();
    let id: i64 = redis::cmd("CLIENT")
        .arg("ID")
        .query_async(&mut idle)
        .await
        .unwrap();

    for line in [
        format!("CLIENT KILL ID {id}"),
        "CLIENT PAUSE 10000".into(),
        "SLOWLOG RESET".into(),
        format!("DEL {key}"),
        format!("UNLINK {key}"),
        "CONFIG SET maxmemory-policy noeviction".into(),
        format!("EVAL return redis.call('del',KEYS[1]) 1 {key}"),
        "MULTI".into(),
        "FLUSHALL".into(),
        format!("SET {key} changed"),
    ] {
        let e = redis_command(REDIS, &args(&line), Access::ReadOnly, T)
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Refused, "{line}: {e}");
    }
    // An argument that holds a command stays one argument.
    let r = redis_command(
        REDIS,
        &["GET".to_string(), format!("{key} FLUSHALL")],
        Access::ReadOnly,
        T,
    )
    .await
    .unwrap();
    assert_eq!(r.reply_text, "(nil)");

    let get = |line: String| async move {
        redis_command(REDIS, &args(&line), Access::ReadOnly, T)
            .await
            .unwrap_or_else(|e| panic!("{line}: {e}"))
            .reply_text
    };
    assert_eq!(get(format!("GET {key}")).await, "\"v\"");
    assert_eq!(get(format!("MGET {key} {key}")).await, "1) \"v\"\n2) \"v\"");
    assert_eq!(get(format!("EXISTS {key}")).await, "(integer) 1");
    assert!(get(format!("TTL {key}")).await.starts_with("(integer) "));
    assert_eq!(get("PING".into()).await, "PONG");
    let pong: String = redis::cmd("PING").query_async(&mut idle).await.unwrap();
    assert_eq!(pong, "PONG", "our connection is alive");
    redis_command(REDIS, &args(&format!("DEL {key}")), Access::ReadWrite, T)
        .await
        .unwrap();
}
