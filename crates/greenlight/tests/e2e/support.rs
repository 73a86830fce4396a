//! Helpers for running the built binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

pub fn seed_path(n: usize) -> String {
    let dir = repo_root().join("fixtures/seeds");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let name = names
        .into_iter()
        .find(|f| f.starts_with(&format!("{n:03}_")))
        .unwrap();
    format!("fixtures/seeds/{name}")
}

/// Runs greenlight from the repository root with the given arguments.
pub fn greenlight(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_greenlight"))
        .args(args)
        .current_dir(repo_root())
        .env("NO_COLOR", "1")
        .output()
        .expect("greenlight runs")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Text with every run of whitespace as one space, so a phrase is found
/// wherever the terminal's line wrapping broke it.
pub fn squashed(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A fresh scratch folder under the target directory.
pub fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Whether the machine's PostgreSQL and Redis answer. With
/// `GREENLIGHT_REQUIRE_SERVICES=1` (CI) a missing service fails the test
/// instead of skipping it.
pub fn services_available() -> bool {
    let up = |addr: &str| {
        std::net::TcpStream::connect_timeout(
            &addr.parse().unwrap(),
            std::time::Duration::from_secs(1),
        )
        .is_ok()
    };
    let ok = up("127.0.0.1:5432") && up("127.0.0.1:6379");
    if !ok {
        if std::env::var("GREENLIGHT_REQUIRE_SERVICES").is_ok_and(|v| v == "1") {
            panic!(
                "PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379) are required but not both reachable"
            );
        }
        eprintln!("note: PostgreSQL or Redis not reachable; skipping a test that needs them");
    }
    ok
}

/// Creates (once) a database for the end-to-end runs, with the `users`
/// table seed 000 counts.
pub fn e2e_database() -> String {
    static ONCE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    ONCE.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let t = std::time::Duration::from_secs(5);
            let admin = "postgres://postgres@127.0.0.1:5432/postgres";
            let exists = greenlight_probe::pg_query(
                admin,
                "SELECT 1 FROM pg_database WHERE datname = 'greenlight_e2e'",
                &[],
                greenlight_probe::Access::ReadOnly,
                t,
            )
            .await
            .expect("PostgreSQL answers");
            if exists.rows.is_empty() {
                // Another test process may create it at the same moment.
                let _ = greenlight_probe::pg_query(
                    admin,
                    "CREATE DATABASE greenlight_e2e",
                    &[],
                    greenlight_probe::Access::ReadWrite,
                    t,
                )
                .await;
            }
            let url = "postgres://postgres@127.0.0.1:5432/greenlight_e2e";
            greenlight_probe::pg_query(
                url,
                "CREATE TABLE IF NOT EXISTS users (id serial primary key, name text)",
                &[],
                greenlight_probe::Access::ReadWrite,
                t,
            )
            .await
            .expect("create users table");
        });
        "postgres://postgres@127.0.0.1:5432/greenlight_e2e".to_string()
    })
    .clone()
}

/// Sends SIGINT (what Ctrl-C sends) to a process.
pub fn nix_kill_int(pid: u32) {
    let ok = std::process::Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
}
