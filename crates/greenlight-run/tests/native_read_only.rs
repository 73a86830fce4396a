//! A default run (only `read` allowed) of psql and redis-cli steps against the machine's
//! PostgreSQL and Redis: values from `[vars]` never change a statement's shape, what is not
//! read does not run or is refused at the probe, and afterwards nothing changed.
//! Needs PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379; without them the test
//! passes with a note, unless GREENLIGHT_REQUIRE_SERVICES=1.

use greenlight_probe::{Access, pg_query, redis_command};
use greenlight_run::execute::Executor;
use greenlight_run::outcome::{Status, StepResult};
use greenlight_run::plan;
use greenlight_run::profile::{Class, Profile, Var};
use greenlight_run::redact::Redactor;
use std::time::Duration;

const PG: &str = "postgres://postgres@127.0.0.1:5432/postgres";
const REDIS: &str = "redis://127.0.0.1:6379";
const T: Duration = Duration::from_secs(5);

async fn available(addr: &str) -> bool {
    let up = tokio::time::timeout(Duration::from_secs(1), tokio::net::TcpStream::connect(addr))
        .await
        .is_ok_and(|r| r.is_ok());
    if !up {
        assert!(
            std::env::var("GREENLIGHT_REQUIRE_SERVICES").as_deref() != Ok("1"),
            "{addr} is required (GREENLIGHT_REQUIRE_SERVICES=1) but unreachable"
        );
        eprintln!("note: {addr} is unreachable; skipping this test");
    }
    up
}

async fn rw(sql: &str) -> String {
    pg_query(PG, sql, &[], Access::ReadWrite, T)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .scalar()
        .unwrap_or_default()
        .to_string()
}

/// The executor of a default run (the one place to touch when `Executor` gains fields).
fn executor(profile: &Profile) -> Executor {
    let (_tx, cancel) = tokio::sync::watch::channel(false);
    Executor {
        http: greenlight_probe::HttpClient::new(Default::default()),
        timeout: T,
        shell_timeout: T,
        concurrency: 1,
        eventually: None,
        extra_roots: Vec::new(),
        vars: profile
            .vars
            .iter()
            .map(|(k, v)| (k.clone(), v.value.clone()))
            .collect(),
        redactor: Redactor::new(Vec::new()),
        cancel,
        loads: Default::default(),
        progress: None,
        allowed: profile.allowed.clone(),
        allow_load: profile.allow_load,
        hosts: profile.hosts.clone(),
    }
}

fn var(value: &str) -> Var {
    Var {
        value: value.to_string(),
        secret: false,
    }
}

fn find<'a>(results: &'a [StepResult], needle: &str) -> &'a StepResult {
    results
        .iter()
        .find(|r| r.command.contains(needle))
        .unwrap_or_else(|| panic!("no step with {needle}: {results:#?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn default_run_changes_nothing() {
    if !available("127.0.0.1:5432").await || !available("127.0.0.1:6379").await {
        return;
    }
    let s = format!("gl_run_ro_{}", std::process::id());
    // The scratch schema goes away even when an assertion fails.
    let outcome = tokio::spawn(scenario(s.clone())).await;
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

async fn scenario(s: String) {
    let key = format!("gl:run:ro:{}", std::process::id());
    rw(&format!(
        "DROP SCHEMA IF EXISTS {s} CASCADE; CREATE SCHEMA {s};
         CREATE TABLE {s}.t (id int PRIMARY KEY, v text);
         INSERT INTO {s}.t VALUES (1, 'a'), (2, 'b');
         CREATE SEQUENCE {s}.seq; SELECT nextval('{s}.seq');"
    ))
    .await;
    redis_command(
        REDIS,
        &[
            "SET".into(),
            key.clone(),
            "v".into(),
            "EX".into(),
            "60".into(),
        ],
        Access::ReadWrite,
        T,
    )
    .await
    .unwrap();
    let state = || async {
        rw(&format!(
            "SELECT (SELECT count(*) FROM {s}.t) || '/' || (SELECT last_value FROM {s}.seq)"
        ))
        .await
    };
    assert_eq!(state().await, "2/1");

    let psql = "psql -h 127.0.0.1 -U postgres -d postgres -c";
    let doc = format!(
        "# Release\n\n\
         - [ ] Quoted value: `{psql} \"SELECT count(*) FROM {s}.t WHERE v = '$QUOTE'\"`\n\
         - [ ] Closing value: `{psql} \"SELECT count(*) FROM {s}.t WHERE v = '$CLOSE'\"`\n\
         - [ ] Bare value: `{psql} \"SELECT count(*) FROM {s}.t WHERE id = $ID\"`\n\
         - [ ] Plain value: `{psql} \"SELECT v FROM {s}.t WHERE id = $ONE\"`\n\
         - [ ] Function name: `{psql} \"SELECT $FN(pg_backend_pid())\"`\n\
         - [ ] Sequence: `{psql} \"SELECT nextval('{s}.seq')\"`\n\
         - [ ] Delete: `{psql} \"DELETE FROM {s}.t\"`\n\
         - [ ] Smuggled: `{psql} \"SELECT 1; COMMIT; DELETE FROM {s}.t\"`\n\
         - [ ] ClickHouse: `clickhouse-client -h 127.0.0.1 --query \"SELECT $FN(1)\"`\n\
         - [ ] Redis get: `redis-cli -h 127.0.0.1 GET {key}`\n\
         - [ ] Redis kill: `redis-cli -h 127.0.0.1 CLIENT KILL ID 1`\n\
         - [ ] Redis del: `redis-cli -h 127.0.0.1 DEL {key}`\n"
    );
    let list = greenlight_doc::parse(doc.as_bytes());
    let mut profile = Profile::default();
    for (k, v) in [
        ("QUOTE", "x' OR '1'='1"),
        ("CLOSE", "'); DROP TABLE t; --"),
        ("ID", "1; DELETE FROM t"),
        ("ONE", "1"),
        ("FN", "pg_terminate_backend"),
    ] {
        profile.vars.insert(k.to_string(), var(v));
    }
    let plan = plan::build(
        &list,
        "release.md",
        &profile,
        &greenlight_run::analyze::analyze_block,
        &|_| true,
    );
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let results = executor(&profile).run(&plan, tx).await;

    let quoted = find(&results, "$QUOTE");
    assert_eq!(quoted.status, Status::Passed, "{quoted:#?}");
    assert_eq!(quoted.evidence.excerpt.as_deref().map(str::trim), Some("0"));
    let closing = find(&results, "$CLOSE");
    assert_eq!(closing.status, Status::Passed, "{closing:#?}");
    let bare = find(&results, "$ID");
    assert_eq!(bare.status, Status::Blocked, "{bare:#?}");
    assert!(
        bare.evidence
            .reason
            .as_deref()
            .unwrap_or_default()
            .contains("the value of ID would change the statement's shape"),
        "{bare:#?}"
    );
    let plain = find(&results, "$ONE");
    assert_eq!(plain.status, Status::Passed, "{plain:#?}");
    assert_eq!(plain.evidence.excerpt.as_deref().map(str::trim), Some("a"));
    // A function whose name only a variable gives is unknown at planning time: not read, so
    // not run by default (before, it was judged again once filled and blocked).
    for needle in ["SELECT $FN", "clickhouse-client"] {
        let r = find(&results, needle);
        assert_eq!(r.status, Status::NotRun, "{r:#?}");
        assert_eq!(r.class, Class::Mutating, "{r:#?}");
    }
    for needle in ["nextval", "DELETE FROM", "COMMIT", "CLIENT KILL", "DEL gl"] {
        let r = find(&results, needle);
        assert_eq!(r.status, Status::NotRun, "{needle}: {r:#?}");
    }
    let get = find(&results, "GET gl");
    assert_eq!(get.status, Status::Passed, "{get:#?}");

    assert_eq!(state().await, "2/1", "no row or sequence changed");
    let exists = redis_command(REDIS, &["EXISTS".into(), key.clone()], Access::ReadOnly, T)
        .await
        .unwrap();
    assert_eq!(exists.reply_text, "(integer) 1");
    rw(&format!("DROP SCHEMA {s} CASCADE")).await;
    redis_command(REDIS, &["DEL".into(), key], Access::ReadWrite, T)
        .await
        .unwrap();
}
