//! Scratch targets for the live corpus run (`corpus_live.rs`): a private
//! Redis server and a scratch PostgreSQL database owned by a scratch
//! non-superuser role, each able to take a snapshot so a test can say what
//! changed.
//!
//! Built so that a state-changing command that slips through can only touch
//! these targets: the role cannot signal other users' backends or change
//! server settings, and the Redis server is the test's own (the machine's
//! shared Redis is never addressed).

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------
// Redis: a private server on a free loopback port.

/// Keys [`ScratchRedis::seed`] writes.
const SEEDED_KEYS: &[&str] = &[
    "foo",
    "bar",
    "mykey",
    "exp_key",
    "string_key",
    "key",
    "TEST",
    "get",
    "info",
    "a:1",
    "a:2",
    "hits",
    "release:counter",
    "release:notes",
    "session:1",
    "my_list",
    "list_key2",
    "mylist",
    "queue",
    "user:1",
    "myset",
    "leaderboard",
    "pause-hll",
    "stream_key",
];

pub struct ScratchRedis {
    pub port: u16,
    child: Child,
    watcher: Option<std::net::TcpStream>,
    /// Id of the slow-log entry made at setup (a `SLOWLOG RESET` drops it).
    slowlog_id: Option<String>,
    /// SHA-1 of the script cached at setup (a `SCRIPT FLUSH` drops it).
    script_sha: String,
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

impl ScratchRedis {
    pub fn start(dir: &Path) -> ScratchRedis {
        std::fs::create_dir_all(dir).unwrap();
        let port = free_port();
        let child = Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                dir.to_str().unwrap(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server starts");
        let r = ScratchRedis {
            port,
            child,
            watcher: None,
            slowlog_id: None,
            script_sha: String::new(),
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while r.cli(&["PING"]).trim() != "PONG" {
            assert!(Instant::now() < deadline, "scratch redis-server answers");
            std::thread::sleep(Duration::from_millis(50));
        }
        r
    }

    /// Runs the real `redis-cli` against this server, raw output.
    pub fn cli(&self, args: &[&str]) -> String {
        // `timeout`: a paused or stuck server must not hang the test.
        let out = Command::new("timeout")
            .args([
                "10",
                "redis-cli",
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "--raw",
            ])
            .args(args)
            .output()
            .expect("redis-cli runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Sends `script` (one command a line) through one `redis-cli`
    /// session; one reply a line (binary values quoted and escaped).
    pub fn cli_stdin(&self, script: &str) -> String {
        let mut child = Command::new("timeout")
            .args([
                "20",
                "redis-cli",
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "--no-raw",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-cli runs");
        let mut stdin = child.stdin.take().unwrap();
        let text = script.to_string();
        let writer = std::thread::spawn(move || {
            let _ = std::io::Write::write_all(&mut stdin, text.as_bytes());
        });
        let out = child.wait_with_output().expect("redis-cli ends");
        let _ = writer.join();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Keys, values, a TTL, a cached script, a slow-log entry and a
    /// watching connection, named the way the corpus names them.
    pub fn seed(&mut self) {
        let cmds: &[&[&str]] = &[
            &["SET", "foo", "FOO"],
            &["SET", "bar", "BAR"],
            &["SET", "mykey", "Hello"],
            &["SET", "exp_key", "val"],
            &["SET", "string_key", "hello"],
            &["SET", "key", "value"],
            &["SET", "TEST", "t"],
            &["SET", "get", "g"],
            &["SET", "info", "i"],
            &["SET", "a:1", "1"],
            &["SET", "a:2", "2"],
            &["SET", "hits", "5"],
            &["SET", "release:counter", "1"],
            &["SET", "release:notes", "n"],
            &["SET", "session:1", "s", "EX", "100000"],
            &["RPUSH", "my_list", "1", "2"],
            &["RPUSH", "list_key2", "a", "b", "c", "d", "e"],
            &["RPUSH", "mylist", "3", "1", "2"],
            &["RPUSH", "queue", "job-1"],
            &["HSET", "user:1", "name", "ada"],
            &["SADD", "myset", "member", "other"],
            &["ZADD", "leaderboard", "10", "alice", "5", "bob"],
            &["PFADD", "pause-hll", "x"],
            &["XADD", "stream_key", "1-0", "temperature", "30"],
        ];
        for c in cmds {
            let out = self.cli(c);
            assert!(!out.starts_with("ERR"), "redis seed {c:?}: {out}");
        }
        self.script_sha = self
            .cli(&["SCRIPT", "LOAD", "return 'gl-corpus'"])
            .trim()
            .to_string();
        self.cli(&["DEBUG", "SLEEP", "0.02"]);
        self.slowlog_id = self
            .cli(&["SLOWLOG", "GET", "1"])
            .lines()
            .next()
            .map(str::to_string);
        let mut w = std::net::TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        w.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
        std::io::Write::write_all(&mut w, b"CLIENT SETNAME gl-corpus-watch\r\n").unwrap();
        let mut buf = [0u8; 64];
        let _ = std::io::Read::read(&mut w, &mut buf);
        self.watcher = Some(w);
    }

    /// Whether the server still answers a PING within 3 s (a run that
    /// paused every client, or a `DEBUG SLEEP`, leaves it mute).
    pub fn responsive(&self) -> bool {
        let out = Command::new("timeout")
            .args([
                "3",
                "redis-cli",
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "PING",
            ])
            .output();
        out.is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "PONG")
    }

    /// Everything a run could change, as comparable lines.
    pub fn snapshot(&self) -> BTreeMap<String, String> {
        let mut s = BTreeMap::new();
        let mut keys: Vec<String> = self.cli(&["--scan"]).lines().map(str::to_string).collect();
        keys.sort();
        s.insert("key count".into(), keys.len().to_string());
        // A run that wrote thousands of keys has changed the count: compare
        // values for the seeded names and a bounded number of others.
        let mut watched: Vec<String> = keys.iter().take(500).cloned().collect();
        for k in SEEDED_KEYS {
            if !watched.iter().any(|w| w == k) {
                watched.push(k.to_string());
            }
        }
        let script: String = watched
            .iter()
            .map(|k| format!("DUMP \"{k}\"\nTTL \"{k}\"\n"))
            .collect();
        let replies = self.cli_stdin(&script);
        let mut lines = replies.lines();
        for k in &watched {
            let dump = lines.next().unwrap_or("").to_string();
            let ttl: i64 = lines
                .next()
                .unwrap_or("")
                .trim_start_matches("(integer) ")
                .trim()
                .parse()
                .unwrap_or(-3);
            s.insert(format!("key {k}"), dump);
            s.insert(format!("ttl {k}"), ttl_class(ttl));
        }
        for name in [
            "maxmemory",
            "maxmemory-policy",
            "slowlog-log-slower-than",
            "requirepass",
            "appendonly",
            "save",
        ] {
            s.insert(format!("config {name}"), self.cli(&["CONFIG", "GET", name]));
        }
        s.insert(
            "script cached".into(),
            self.cli(&["SCRIPT", "EXISTS", &self.script_sha]),
        );
        s.insert("functions".into(), self.cli(&["FUNCTION", "LIST"]));
        let slowlog = self.cli(&["SLOWLOG", "GET", "128"]);
        let kept = self
            .slowlog_id
            .as_ref()
            .is_some_and(|id| slowlog.lines().any(|l| l == id));
        s.insert("slowlog entry kept".into(), kept.to_string());
        s.insert(
            "role".into(),
            self.cli(&["ROLE"]).lines().next().unwrap_or("").into(),
        );
        s
    }

    /// Whether the connection opened at setup still answers.
    pub fn watcher_alive(&mut self) -> bool {
        let Some(w) = self.watcher.as_mut() else {
            return false;
        };
        if std::io::Write::write_all(w, b"PING\r\n").is_err() {
            return false;
        }
        let mut buf = [0u8; 64];
        matches!(std::io::Read::read(w, &mut buf), Ok(n) if n > 0 && buf[..n].starts_with(b"+PONG"))
    }
}

/// TTLs fall while the run goes on: compare their class, not the number.
fn ttl_class(ttl: i64) -> String {
    match ttl {
        -1 => "persistent".into(),
        -2 => "missing".into(),
        t if t > 99_000 => "expiring (seeded)".into(),
        t => format!("expiring in {t}s"),
    }
}

impl Drop for ScratchRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------------------
// PostgreSQL: a scratch database owned by a scratch non-superuser role.

const ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

pub struct ScratchPg {
    pub name: String,
    pub url: String,
    rt: tokio::runtime::Runtime,
    idle: Vec<tokio_postgres::Client>,
}

/// Tables, sequences, functions and a large object named the way the
/// corpus names them.
const SEED_SQL: &str = r#"
CREATE SCHEMA stats;
CREATE SCHEMA fdw_conf;
CREATE SCHEMA collisions_replicator;
CREATE TABLE users (id serial PRIMARY KEY, name text);
INSERT INTO users (name) VALUES ('ada'), ('bob'), ('cy');
CREATE TABLE table_name (id serial PRIMARY KEY, v text);
INSERT INTO table_name (v) VALUES ('a'), ('b');
CREATE TABLE test_table (id int);
INSERT INTO test_table VALUES (1), (2), (3);
CREATE TABLE bo_document_base (id int PRIMARY KEY, body text);
INSERT INTO bo_document_base VALUES (1, 'x');
CREATE TABLE oldtable (id int, v text);
INSERT INTO oldtable SELECT g, 'v' || g FROM generate_series(95, 105) g;
CREATE TABLE image (name text, raster oid);
CREATE TABLE file_meta (sha1hex text, size int);
INSERT INTO file_meta VALUES ('da39a3ee', 0);
CREATE TABLE queue (id int PRIMARY KEY, data text NOT NULL, status text NOT NULL);
INSERT INTO queue VALUES (1, 'foo', 'NEW'), (2, 'bar', 'NEW');
CREATE TABLE sessions (id serial PRIMARY KEY, expires timestamptz);
INSERT INTO sessions (expires) VALUES (now() - interval '1 day'), (now() + interval '1 day');
CREATE TABLE form (id int);
INSERT INTO form VALUES (1);
CREATE TABLE foo (f1 int, f2 text, f3 text[]);
CREATE TABLE bumps (id serial PRIMARY KEY, at timestamptz DEFAULT now());
CREATE SEQUENCE sql1;
SELECT setval('sql1', 7);
CREATE SEQUENCE user_id_seq;
SELECT setval('user_id_seq', 40);
CREATE SEQUENCE mi_secuencia START 3;
CREATE SEQUENCE fdw_conf.ctl_querys2_id_seq;
CREATE FUNCTION bump() RETURNS int LANGUAGE sql VOLATILE
  AS $$ INSERT INTO public.bumps DEFAULT VALUES RETURNING id $$;
CREATE FUNCTION stats.refresh_views() RETURNS void LANGUAGE sql VOLATILE
  AS $$ INSERT INTO public.bumps DEFAULT VALUES $$;
CREATE FUNCTION RefreshAllMaterializedViews(schema_arg text DEFAULT 'public') RETURNS int
  LANGUAGE plpgsql VOLATILE AS $$ BEGIN INSERT INTO public.bumps DEFAULT VALUES; RETURN 1; END $$;
CREATE FUNCTION collisions_replicator.refresh_norm_mv() RETURNS void LANGUAGE sql VOLATILE
  AS $$ INSERT INTO public.bumps DEFAULT VALUES $$;
CREATE PROCEDURE refresh_all() LANGUAGE sql AS $$ INSERT INTO public.bumps DEFAULT VALUES $$;
SELECT lo_from_bytea(173454, 'a large object'::bytea);
INSERT INTO image VALUES ('beautiful image', 173454);
"#;

async fn connect(url: &str) -> tokio_postgres::Client {
    let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("connect {url}: {e}"));
    tokio::spawn(async move {
        let _ = conn.await;
    });
    client
}

impl ScratchPg {
    /// `tag` keeps two runs of one test process apart.
    pub fn create(tag: &str) -> ScratchPg {
        let name = format!("gl_live_{}_{tag}", std::process::id());
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let url = format!("postgres://{name}@127.0.0.1:5432/{name}");
        rt.block_on(async {
            let admin = connect(ADMIN_URL).await;
            drop_scratch(&admin, &name).await;
            for sql in [
                format!("CREATE ROLE {name} LOGIN"),
                format!("CREATE DATABASE {name} OWNER {name}"),
            ] {
                admin
                    .batch_execute(&sql)
                    .await
                    .unwrap_or_else(|e| panic!("{sql}: {e}"));
            }
            let owner = connect(&url).await;
            owner
                .batch_execute(SEED_SQL)
                .await
                .expect("seed the database");
        });
        ScratchPg {
            name,
            url,
            rt,
            idle: Vec::new(),
        }
    }

    /// Opens idle connections as the scratch role (what a careless
    /// `pg_terminate_backend(pid) … WHERE state = 'idle'` would kill).
    pub fn open_idle(&mut self, n: usize) {
        for _ in 0..n {
            let c = self.rt.block_on(connect(&self.url));
            self.rt
                .block_on(c.simple_query("SELECT 1"))
                .expect("idle connection answers");
            self.idle.push(c);
        }
    }

    /// How many of the idle connections still answer.
    pub fn idle_alive(&self) -> usize {
        self.idle
            .iter()
            .filter(|c| {
                self.rt
                    .block_on(async {
                        tokio::time::timeout(Duration::from_secs(3), c.simple_query("SELECT 1"))
                            .await
                    })
                    .is_ok_and(|r| r.is_ok())
            })
            .count()
    }

    /// Rows, sequences, tables, functions, large objects, extensions and
    /// replication slots, as comparable lines (read as the superuser, so
    /// a killed scratch connection cannot hide anything).
    pub fn snapshot(&self) -> BTreeMap<String, String> {
        let db_url = format!("postgres://postgres@127.0.0.1:5432/{}", self.name);
        self.rt.block_on(async {
            let c = connect(&db_url).await;
            let mut s = BTreeMap::new();
            let lines = |q: &'static str| {
                let c = &c;
                async move {
                    c.query(q, &[])
                        .await
                        .unwrap_or_else(|e| panic!("{q}: {e}"))
                        .iter()
                        .map(|r| r.get::<_, String>(0))
                        .collect::<Vec<String>>()
                }
            };
            let relations = lines(
                "SELECT n.nspname || '.' || c.relname || ':' || c.relkind::text FROM pg_class c \
                 JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') \
                 AND n.nspname NOT LIKE 'pg_temp%' AND n.nspname NOT LIKE 'pg_toast_temp%' ORDER BY 1",
            )
            .await;
            s.insert("relations".into(), relations.join("\n"));
            for rel in &relations {
                let Some(table) = rel.strip_suffix(":r") else {
                    continue;
                };
                let (schema, name) = table.split_once('.').unwrap();
                let q = format!(
                    "SELECT coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), 'empty') FROM \"{schema}\".\"{name}\" t"
                );
                let digest: String = c
                    .query_one(&q, &[])
                    .await
                    .unwrap_or_else(|e| panic!("{q}: {e}"))
                    .get(0);
                s.insert(format!("rows {table}"), digest);
            }
            for line in lines(
                "SELECT schemaname || '.' || sequencename || ' = ' || coalesce(last_value::text, 'unset') \
                 FROM pg_sequences ORDER BY 1",
            )
            .await
            {
                let (k, v) = line.split_once(" = ").unwrap();
                s.insert(format!("sequence {k}"), v.to_string());
            }
            s.insert(
                "functions".into(),
                lines(
                    "SELECT p.oid::regprocedure::text || ' ' || md5(p.prosrc) FROM pg_proc p \
                     JOIN pg_namespace n ON n.oid = p.pronamespace \
                     WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1",
                )
                .await
                .join("\n"),
            );
            s.insert(
                "large objects".into(),
                lines(
                    "SELECT m.oid::text || ' ' || md5(lo_get(m.oid)) FROM pg_largeobject_metadata m ORDER BY 1",
                )
                .await
                .join("\n"),
            );
            s.insert(
                "extensions".into(),
                lines("SELECT extname::text FROM pg_extension ORDER BY 1").await.join("\n"),
            );
            s.insert(
                "replication slots".into(),
                lines("SELECT slot_name::text FROM pg_replication_slots ORDER BY 1")
                    .await
                    .join("\n"),
            );
            s
        })
    }
}

async fn drop_scratch(admin: &tokio_postgres::Client, name: &str) {
    let _ = admin
        .execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1 OR datname = $1",
            &[&name],
        )
        .await;
    for sql in [
        format!("DROP DATABASE IF EXISTS {name}"),
        format!("DROP ROLE IF EXISTS {name}"),
    ] {
        let _ = admin.batch_execute(&sql).await;
    }
}

impl Drop for ScratchPg {
    fn drop(&mut self) {
        self.idle.clear();
        let name = self.name.clone();
        self.rt.block_on(async {
            let admin = connect(ADMIN_URL).await;
            drop_scratch(&admin, &name).await;
        });
    }
}
