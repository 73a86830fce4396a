//! A hostile server and a hostile document against the real binary:
//! credentials echoed back encoded must not leak into any output or store,
//! escape sequences in a body must not reach the terminal, and `k6 run
//! FILE` must not read outside the checklist's folder.

use crate::support::*;
use greenlight_fixture::{BlockingFixture, Faults, FixtureConfig};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const PASS: &str = "Tr0ub/4dor&3 horse+staple!";
const TOKEN: &str = "eyJhbGciOi.tok3n-S3CR3T_value";
const USER: &str = "api-user";

fn fixture() -> BlockingFixture {
    BlockingFixture::start(FixtureConfig {
        faults: Faults::NONE,
        ..FixtureConfig::default()
    })
    .expect("fixture starts")
}

const STD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Plain base64 (this test's own, independent of the redactor's).
fn b64(bytes: &[u8], alphabet: &[u8; 64]) -> String {
    let mut bits = String::new();
    for b in bytes {
        bits.push_str(&format!("{b:08b}"));
    }
    while !bits.len().is_multiple_of(6) {
        bits.push('0');
    }
    bits.as_bytes()
        .chunks(6)
        .map(|c| {
            let v = u8::from_str_radix(std::str::from_utf8(c).unwrap(), 2).unwrap();
            char::from(alphabet[usize::from(v)])
        })
        .collect()
}

/// Every string wholly derived from `secret` that a leak would show:
/// the secret, its hex, its percent-encodings, and its base64 at each
/// alignment (only the characters its own bits decide).
fn forms(secret: &str) -> Vec<String> {
    let mut out = vec![secret.to_string()];
    let hex: String = secret.bytes().map(|b| format!("{b:02x}")).collect();
    out.push(hex.to_uppercase());
    out.push(hex);
    let mut pct_all = String::new();
    for b in secret.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            pct_all.push(char::from(b));
        } else {
            pct_all.push_str(&format!("%{b:02X}"));
        }
    }
    out.push(pct_all.replace("%20", "+"));
    out.push(pct_all.to_lowercase());
    out.push(pct_all);
    for alphabet in [STD, URL] {
        for k in 0..3 {
            let mut bytes = vec![0u8; k];
            bytes.extend_from_slice(secret.as_bytes());
            let enc = b64(&bytes, alphabet);
            let start = (8 * k).div_ceil(6);
            let end = 8 * bytes.len() / 6;
            out.push(enc[start..end].to_string());
        }
    }
    out
}

/// Fails if any ten characters in a row of any form of a secret are in
/// `hay` (a cut-short leak counts as a leak).
fn assert_no_leak(what: &str, hay: &[u8]) {
    let hay = String::from_utf8_lossy(hay);
    let auth_basic = format!(
        "Basic {}",
        b64(format!("{USER}:{PASS}").as_bytes(), STD) + "="
    );
    let mut all = forms(PASS);
    all.extend(forms(TOKEN));
    // The base64 of whole Authorization values, as the server echoes it:
    // past the scheme (and user) part, every window carries secret bits.
    let twice_basic = b64(auth_basic.as_bytes(), STD);
    all.push(twice_basic[24..twice_basic.len() - 4].to_string());
    let twice_bearer = b64(format!("Bearer {TOKEN}").as_bytes(), STD);
    all.push(twice_bearer[12..twice_bearer.len() - 4].to_string());
    for form in &all {
        let chars: Vec<char> = form.chars().collect();
        let w = chars.len().min(10);
        for win in chars.windows(w) {
            let win: String = win.iter().collect();
            assert!(
                !hay.contains(&win),
                "{what}: {win:?} (from {form:?}) leaked:\n{hay}"
            );
        }
    }
}

fn profile(fx: &BlockingFixture) -> String {
    format!(
        "[hosts]\n\"staging-api.yourdomain.com\" = \"{}\"\n[vars]\n\
         API_PASS = {{ env = \"GL_E2E_API_PASS\", secret = true }}\n\
         API_TOKEN = {{ env = \"GL_E2E_API_TOKEN\", secret = true }}\n\
         [allow]\nclasses = [\"read\"]\nshell = false\n[policy]\ntimeout = \"3s\"\n",
        fx.base_url()
    )
}

const ECHO_DOC: &str = "# Echo\n\n## Checks\n\n\
- [ ] Basic credentials echoed\n  ```bash\n  curl -f -u \"api-user:$API_PASS\" https://staging-api.yourdomain.com/debug/echo-credentials\n  ```\n\
- [ ] Bearer token eyJhbGciOi.tok3n-S3CR3T_value echoed (spelled out in a checked item)\n  ```bash\n  curl -H \"Authorization: Bearer $API_TOKEN\" https://staging-api.yourdomain.com/debug/echo-credentials\n  # Expected: {\"ok\": true}\n  ```\n\
- [ ] Basic credentials, JSON expected\n  ```bash\n  curl -u \"api-user:$API_PASS\" https://staging-api.yourdomain.com/debug/echo-credentials\n  # Expected: {\"ok\": true}\n  ```\n\
- [ ] Rotate eyJhbGciOi.tok3n-S3CR3T_value after the release (a secret spelled out in the document)\n";

fn run_echo(dir: &Path, fx: &BlockingFixture, store: &str, tag: &str) -> (Output, Vec<u8>) {
    let doc = dir.join(format!("echo-{tag}.md"));
    let prof = dir.join("p.toml");
    std::fs::write(&doc, ECHO_DOC).unwrap();
    std::fs::write(&prof, profile(fx)).unwrap();
    let json = dir.join(format!("r-{tag}.json"));
    let junit = dir.join(format!("r-{tag}.xml"));
    let md = dir.join(format!("r-{tag}.md"));
    let out = Command::new(env!("CARGO_BIN_EXE_greenlight"))
        .args([
            "run",
            doc.to_str().unwrap(),
            "--env",
            prof.to_str().unwrap(),
        ])
        .args(["--store", store])
        .args(["--json", json.to_str().unwrap()])
        .args(["--junit", junit.to_str().unwrap()])
        .args(["--markdown", md.to_str().unwrap()])
        .env("GL_E2E_API_PASS", PASS)
        .env("GL_E2E_API_TOKEN", TOKEN)
        .env("GREENLIGHT_USER", "tester")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let mut reports = Vec::new();
    for f in [&json, &junit, &md] {
        reports.extend(std::fs::read(f).unwrap_or_else(|e| {
            panic!("{}: {e}\n{}\n{}", f.display(), stdout(&out), stderr(&out))
        }));
    }
    (out, reports)
}

/// The echo really reached the server and the run really saw it: the
/// checks failed on the 401 and the reports hold the masked body.
fn assert_echo_was_seen(out: &Output, reports: &[u8]) {
    let text = String::from_utf8_lossy(reports);
    assert!(text.contains("unauthorized"), "{text}");
    assert!(text.contains("[redacted]"), "{text}");
    assert!(stderr(out).contains("[redacted]"), "{}", stderr(out));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(out));
}

#[test]
fn echoed_credentials_leak_into_no_output_and_no_store() {
    let fx = fixture();
    let dir = scratch("hostile-secrets");
    let db = dir.join("runs.db");
    let (out, reports) = run_echo(&dir, &fx, db.to_str().unwrap(), "sqlite");
    assert_echo_was_seen(&out, &reports);
    // The server saw the real credentials (the test would prove nothing
    // otherwise).
    assert!(fx.request_count("GET", "/debug/echo-credentials") >= 3);
    assert_no_leak("stdout", &out.stdout);
    assert_no_leak("stderr (live view)", &out.stderr);
    assert_no_leak("reports (--json, --junit, --markdown)", &reports);
    let mut stored = Vec::new();
    for suffix in ["", "-wal", "-shm", "-journal"] {
        if let Ok(b) = std::fs::read(format!("{}{suffix}", db.display())) {
            stored.extend(b);
        }
    }
    assert!(
        String::from_utf8_lossy(&stored).contains("unauthorized"),
        "the store holds no evidence at all"
    );
    assert_no_leak("SQLite store bytes", &stored);
    // What `status` and `decide` print from the store.
    for cmd in ["status", "decide"] {
        let o = Command::new(env!("CARGO_BIN_EXE_greenlight"))
            .args([cmd, "--store", db.to_str().unwrap()])
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        assert_no_leak(cmd, &o.stdout);
        assert_no_leak(cmd, &o.stderr);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn echoed_credentials_leak_into_no_postgres_event() {
    // Fails, not skips, under GREENLIGHT_REQUIRE_SERVICES=1.
    if !services_available() {
        return;
    }
    let fx = fixture();
    let dir = scratch("hostile-secrets-pg");
    let schema = format!("gl_e2e_hostile_{}", std::process::id());
    let spec = format!("postgres://postgres@127.0.0.1:5432/postgres?schema={schema}");
    let (out, reports) = run_echo(&dir, &fx, &spec, "pg");
    assert_echo_was_seen(&out, &reports);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let admin = "postgres://postgres@127.0.0.1:5432/postgres";
    let t = Duration::from_secs(5);
    let rows = rt
        .block_on(greenlight_probe::pg_query(
            admin,
            &format!("SELECT e::text FROM {schema}.events e UNION ALL SELECT r::text FROM {schema}.runs r"),
            &[],
            greenlight_probe::Access::ReadOnly,
            t,
        ))
        .expect("the run's events are in PostgreSQL");
    let text: String = rows
        .rows
        .iter()
        .flatten()
        .flatten()
        .map(|s| format!("{s}\n"))
        .collect();
    assert!(text.contains("unauthorized"), "no evidence stored: {text}");
    assert_no_leak("PostgreSQL events", text.as_bytes());
    let _ = rt.block_on(greenlight_probe::pg_query(
        admin,
        &format!("DROP SCHEMA IF EXISTS {schema} CASCADE"),
        &[],
        greenlight_probe::Access::ReadWrite,
        t,
    ));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Nothing a terminal would act on: ESC, 8-bit CSI, other C0/C1 controls
/// (CR included) and bidirectional overrides.
fn assert_terminal_safe(what: &str, text: &str) {
    for c in text.chars() {
        let bad = matches!(c,
            '\0'..='\u{8}' | '\u{b}'..='\u{1f}' | '\u{7f}'..='\u{9f}'
            | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
        assert!(!bad, "{what}: {c:?} reached the terminal:\n{text:?}");
    }
}

#[test]
fn escape_sequences_in_a_body_never_reach_the_terminal() {
    let fx = fixture();
    let dir = scratch("hostile-escapes");
    let doc = dir.join("esc.md");
    std::fs::write(
        &doc,
        "# Esc\n\n## Checks\n\n- [ ] Escapes in the body\n  ```bash\n  curl https://staging-api.yourdomain.com/debug/escapes\n  # Expected: {\"ok\": true}\n  ```\n- [ ] Escapes, must contain\n  ```bash\n  curl -f https://staging-api.yourdomain.com/debug/escapes | grep -q nothing\n  ```\n",
    )
    .unwrap();
    let prof = dir.join("p.toml");
    std::fs::write(&prof, profile(&fx)).unwrap();
    let db = dir.join("runs.db");
    let out = Command::new(env!("CARGO_BIN_EXE_greenlight"))
        .args([
            "run",
            doc.to_str().unwrap(),
            "--env",
            prof.to_str().unwrap(),
        ])
        .args(["--store", db.to_str().unwrap()])
        .env("GL_E2E_API_PASS", PASS)
        .env("GL_E2E_API_TOKEN", TOKEN)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let live = stderr(&out);
    assert!(fx.request_count("GET", "/debug/escapes") >= 1);
    // The body was shown, its sequences as visible marks.
    assert!(live.contains("before␛"), "{live}");
    assert!(stdout(&out).contains("NO_GO"), "{}", stdout(&out));
    assert_terminal_safe("live view", &live);
    assert_terminal_safe("stdout", &stdout(&out));
    for cmd in ["status", "decide"] {
        let o = Command::new(env!("CARGO_BIN_EXE_greenlight"))
            .args([cmd, "--store", db.to_str().unwrap()])
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        assert_terminal_safe(cmd, &stdout(&o));
        assert_terminal_safe(cmd, &stderr(&o));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Runs `greenlight plan` with a deadline: it must end on its own.
fn plan_within(doc: &Path, deadline: Duration) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_greenlight"))
        .args(["plan", doc.to_str().unwrap()])
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if start.elapsed() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("`greenlight plan` did not finish within {deadline:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn k6_run_file_is_read_only_from_inside_the_checklist_folder() {
    let dir = scratch("hostile-k6-file");
    let docs = dir.join("docs");
    std::fs::create_dir_all(docs.join("scripts")).unwrap();
    std::fs::write(dir.join("outside.js"), "export default function () {}\n").unwrap();
    std::os::unix::fs::symlink(dir.join("outside.js"), docs.join("link.js")).unwrap();
    assert!(
        Command::new("mkfifo")
            .arg(docs.join("pipe.js"))
            .status()
            .unwrap()
            .success()
    );
    // 1 MiB + 1 of a valid script: refused by size, not by content.
    let mut big = b"// ".to_vec();
    big.resize(1024 * 1024 + 1, b'a');
    std::fs::write(docs.join("big.js"), big).unwrap();
    let lines = [
        ("Zero", "k6 run /dev/zero"),
        ("Up", "k6 run ../outside.js"),
        ("Link", "k6 run link.js"),
        ("Fifo", "k6 run pipe.js"),
        ("Big", "k6 run big.js"),
        ("Dir", "k6 run scripts"),
    ];
    let mut doc = String::from("# K6\n\n## Load\n\n");
    for (name, line) in lines {
        doc.push_str(&format!("- [ ] {name}\n  ```bash\n  {line}\n  ```\n"));
    }
    let doc_path = docs.join("release.md");
    std::fs::write(&doc_path, doc).unwrap();
    let out = plan_within(&doc_path, Duration::from_secs(20));
    let text = stdout(&out) + &stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    for rule in [
        "/dev/zero: an absolute path is not read",
        "../outside.js: resolves to",
        "link.js: resolves to",
        "pipe.js: not a regular file (a FIFO)",
        "big.js: larger than the limit of 1048576 bytes",
        "scripts: not a regular file (a directory)",
    ] {
        assert!(text.contains(rule), "missing {rule:?} in:\n{text}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
