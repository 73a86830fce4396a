//! The release room in a real headless Chromium (issue 12, item 6): a
//! viewer watches a run arrive live over SSE, is refused a sign-off, and an
//! approver signs off in the browser; `greenlight status` then holds the
//! sign-off with the approver as its actor. The browser is driven by
//! `tests/browser/room.py` (Playwright for Python, Debian's chromium).
//!
//! Without chromium or Playwright the test is skipped with a note, unless
//! `GREENLIGHT_REQUIRE_BROWSER=1` (CI), where it fails.

use crate::run::{Env, profile_text, start};
use crate::serve::{Serve, seg};
use crate::support::*;
use greenlight_fixture::Faults;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The release the seed run records.
pub(crate) const RELEASE: &str = "room/2.0@staging";
/// The seed the release runs: a staging release with load tests and the
/// sign-offs of a release manager, a technical lead and a product owner.
pub(crate) const SEED: usize = 0;
/// A sign-off role of seed [`SEED`].
pub(crate) const SIGNOFF_ROLE: &str = "Product Owner";
/// Every account's password in these tests.
pub(crate) const PASSWORD: &str = "correct horse battery staple";

/// The browser greenlight's tests drive (Debian's `chromium`), or
/// `$GREENLIGHT_CHROMIUM`.
fn chromium() -> PathBuf {
    std::env::var_os("GREENLIGHT_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"))
}

/// Whether chromium and Playwright for Python are here. With
/// `GREENLIGHT_REQUIRE_BROWSER=1` a missing one fails the test instead of
/// skipping it.
pub(crate) fn browser_available() -> bool {
    let mut missing = Vec::new();
    if !chromium().is_file() {
        missing.push(format!(
            "{} (apt-get install chromium)",
            chromium().display()
        ));
    }
    let playwright = Command::new("python3")
        .args(["-c", "import playwright.sync_api"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !playwright {
        missing.push("python3 -m playwright (pip install playwright==1.65.2)".to_string());
    }
    if missing.is_empty() {
        return true;
    }
    if std::env::var("GREENLIGHT_REQUIRE_BROWSER").is_ok_and(|v| v == "1") {
        panic!(
            "GREENLIGHT_REQUIRE_BROWSER=1 but missing: {}",
            missing.join(", ")
        );
    }
    eprintln!(
        "note: skipping a browser test, missing: {}",
        missing.join(", ")
    );
    false
}

/// `greenlight ARGS` on `store` with extra environment.
pub(crate) fn gl_env(args: &[&str], store: &str, env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_greenlight"));
    cmd.args(args)
        .current_dir(repo_root())
        .env("GREENLIGHT_STORE", store)
        .env("NO_COLOR", "1")
        .env_remove("GREENLIGHT_AUDIT_KEY")
        .env_remove("GREENLIGHT_USER");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("greenlight runs")
}

/// Adds an account with [`PASSWORD`].
pub(crate) fn add_user(store: &str, name: &str, role: &str, signoff_roles: &[&str]) {
    let mut args = vec!["users", "add", name, "--role", role];
    for r in signoff_roles {
        args.extend(["--signoff-role", r]);
    }
    let out = gl_env(&args, store, &[("GREENLIGHT_USER_PASSWORD", PASSWORD)]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "users add {name}: {}",
        stderr(&out)
    );
}

/// Creates an API token and returns its secret.
pub(crate) fn add_token(store: &str, name: &str, role: &str, signoff_roles: &[&str]) -> String {
    let mut args = vec!["users", "token", name, "--role", role];
    for r in signoff_roles {
        args.extend(["--signoff-role", r]);
    }
    let out = gl_env(&args, store, &[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "users token {name}: {}",
        stderr(&out)
    );
    let text = format!("{}{}", stdout(&out), stderr(&out));
    text.split_whitespace()
        .find(|w| w.starts_with(greenlight_auth::TOKEN_PREFIX))
        .unwrap_or_else(|| panic!("no token printed: {text}"))
        .to_string()
}

/// A store holding `release`: seed [`SEED`] run against the stand-in
/// service, in `env.dir/runs.db`. Returns the profile's path and the run's ID.
pub(crate) fn seeded_release(env: &Env, release: &str) -> (PathBuf, String) {
    let store = env.dir.join("runs.db").display().to_string();
    seeded_release_in(env, release, &store)
}

/// [`seeded_release`] in `store` (SQLite or PostgreSQL).
pub(crate) fn seeded_release_in(env: &Env, release: &str, store: &str) -> (PathBuf, String) {
    // Databases on closed ports: those checks fail at once, the rest run
    // against the stand-in; the release only needs to exist.
    let profile = env.dir.join("profile.toml");
    std::fs::write(
        &profile,
        profile_text(
            &env.fixture,
            "postgres://postgres@127.0.0.1:1/none",
            "redis://127.0.0.1:1",
            "",
        ),
    )
    .unwrap();
    let json = env.dir.join("seed-report.json");
    let seed = repo_root().join(seed_path(SEED));
    let out = gl_env(
        &[
            "run",
            seed.to_str().unwrap(),
            "--env",
            profile.to_str().unwrap(),
            "--json",
            json.to_str().unwrap(),
            "--release",
            release,
            "-q",
        ],
        store,
        &[(
            "E2E_SECRET_TOKEN",
            &greenlight_fixture::Tokens::default().user,
        )],
    );
    let code = out.status.code().unwrap_or(-1);
    assert!(
        (0..=3).contains(&code),
        "seed {SEED} ran with exit {code}: {}",
        stderr(&out)
    );
    let report: Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let run = report["run_id"].as_str().unwrap().to_string();
    (profile, run)
}

/// Where the browser tests leave their screenshots (kept after the run).
fn screenshot_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser-screenshots")
}

/// Whether `path` is a PNG image of at least `min_w`×`min_h` pixels (read
/// from its IHDR chunk) and more than a blank few bytes.
fn assert_png(path: &Path, min_w: u32, min_h: u32) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        bytes.len() > 4096,
        "{}: only {} bytes",
        path.display(),
        bytes.len()
    );
    assert_eq!(
        &bytes[..8],
        b"\x89PNG\r\n\x1a\n",
        "{}: not a PNG",
        path.display()
    );
    assert_eq!(&bytes[12..16], b"IHDR", "{}", path.display());
    let w = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    let h = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
    assert!(
        w >= min_w && h >= min_h,
        "{}: {w}x{h} pixels",
        path.display()
    );
}

/// Runs the Playwright script (at most `limit`), echoing its output.
fn run_script(envs: &[(&str, String)], limit: Duration) -> (bool, String) {
    let script = repo_root().join("crates/greenlight/tests/browser/room.py");
    let mut cmd = Command::new("python3");
    cmd.arg(script)
        .current_dir(repo_root())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("python3 starts");
    let out_pipe = child.stdout.take().unwrap();
    let err_pipe = child.stderr.take().unwrap();
    let read = |mut r: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut s = String::new();
            let _ = r.read_to_string(&mut s);
            s
        })
    };
    let out_thread = read(Box::new(out_pipe));
    let err_thread = read(Box::new(err_pipe));
    let began = Instant::now();
    let ok = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status.success();
        }
        if began.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the browser script ran over {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let out = out_thread.join().unwrap();
    let err = err_thread.join().unwrap();
    eprintln!("[room.py stdout]\n{out}\n[room.py stderr]\n{err}");
    (ok, out)
}

#[test]
fn a_viewer_watches_live_and_an_approver_signs_off_in_chromium() {
    if !browser_available() {
        return;
    }
    let shots = screenshot_dir();
    let _ = std::fs::remove_dir_all(&shots);
    // SQLite (screenshots in the folder itself), and PostgreSQL when it is
    // up (in its `postgres/` subfolder): the server follows it by LISTEN.
    for store in crate::store::backends("room_browser") {
        let shots = if store.starts_with("postgres") {
            shots.join("postgres")
        } else {
            shots.clone()
        };
        in_chromium(&store, &shots);
    }
}

fn in_chromium(store: &str, shots: &Path) {
    let store = store.to_string();
    let env = start("room-browser", Faults::NONE);
    let (profile, first) = seeded_release_in(&env, RELEASE, &store);
    add_user(&store, "vera", "viewer", &[]);
    add_user(&store, "quinn", "approver", &[SIGNOFF_ROLE]);
    let server = Serve::start(&store);

    let bin = env!("CARGO_BIN_EXE_greenlight");
    let seed = repo_root().join(seed_path(SEED));
    let second_run = serde_json::json!([
        bin,
        "run",
        seed.to_str().unwrap(),
        "--env",
        profile.to_str().unwrap(),
        "--release",
        RELEASE
    ]);
    let (ok, out) = run_script(
        &[
            ("GL_BASE", format!("http://{}", server.addr)),
            ("GL_RELEASE", RELEASE.to_string()),
            ("GL_RUN", first.clone()),
            ("GL_SECOND_RUN", second_run.to_string()),
            ("GL_VIEWER", "vera".into()),
            ("GL_VIEWER_PASSWORD", PASSWORD.into()),
            ("GL_APPROVER", "quinn".into()),
            ("GL_APPROVER_PASSWORD", PASSWORD.into()),
            ("GL_SIGNOFF_ROLE", SIGNOFF_ROLE.into()),
            ("GL_SHOTS", shots.display().to_string()),
            ("GL_CHROMIUM", chromium().display().to_string()),
            ("GREENLIGHT_STORE", store.clone()),
            ("NO_COLOR", "1".into()),
            (
                "E2E_SECRET_TOKEN",
                greenlight_fixture::Tokens::default().user.to_string(),
            ),
        ],
        Duration::from_secs(240),
    );
    assert!(ok, "the browser script failed (its output is above)");

    // Five screenshots, each a real page-sized PNG.
    let paths: Vec<PathBuf> = out
        .lines()
        .filter_map(|l| l.strip_prefix("screenshot: "))
        .map(PathBuf::from)
        .collect();
    assert_eq!(paths.len(), 5, "{out}");
    for p in &paths {
        assert!(p.starts_with(shots), "{}", p.display());
        assert_png(p, 1200, 900);
        println!("screenshot: {}", p.display());
    }
    // The live update and the sign-off changed what the page shows.
    let bytes = |i: usize| std::fs::read(&paths[i]).unwrap();
    assert_ne!(bytes(0), bytes(1), "the page looked the same after the run");
    assert_ne!(
        bytes(3),
        bytes(4),
        "the panel looked the same after signing"
    );

    // The sign-off is in the store, as `status` reads it, by the approver.
    let (_, rel) = server.get(&format!("/api/v1/releases/{}", seg(RELEASE)));
    let latest = rel["latest_run"].as_str().unwrap().to_string();
    assert_ne!(latest, first, "the second run is the release's latest");
    let status = gl_env(&["status", &latest, "--json"], &store, &[]);
    let status: Value = serde_json::from_slice(&status.stdout)
        .unwrap_or_else(|e| panic!("status --json: {e}: {}", stderr(&status)));
    let slot = status["signoffs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["role"] == SIGNOFF_ROLE)
        .unwrap_or_else(|| panic!("no {SIGNOFF_ROLE} slot: {status}"));
    assert_eq!(slot["signed"], true, "{slot}");
    let text = stdout(&gl_env(&["status", &latest], &store, &[]));
    assert!(
        squashed(&text).contains(&format!("{SIGNOFF_ROLE} — signed by quinn")),
        "{text}"
    );
    let signoff = rel_signoff(&server, &latest);
    assert_eq!(signoff["actor"], "quinn", "{signoff}");
    assert_eq!(signoff["payload"]["role"], SIGNOFF_ROLE, "{signoff}");
}

/// The stored sign-off event of `run`, read through the API.
fn rel_signoff(server: &Serve, run: &str) -> Value {
    let (code, page) = server.get(&format!("/api/v1/runs/{run}/events?limit=1000"));
    assert_eq!(code, 200, "{page}");
    page["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "signoff")
        .cloned()
        .unwrap_or_else(|| panic!("no signoff event: {page}"))
}
