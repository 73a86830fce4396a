//! Safety, secrets, TLS and the shell: what users rely on most.

use crate::run::*;
use crate::support::*;
use greenlight_fixture::{Faults, TlsFixture, TlsKind};
use std::path::PathBuf;

/// A TLS fixture on its own runtime thread, for synchronous tests.
struct Tls {
    addr: std::net::SocketAddr,
    ca_pem: String,
    stop: Option<std::sync::mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Tls {
    fn start(kind: TlsKind) -> Tls {
        let (tx, rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = std::sync::mpsc::channel::<()>();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let f = TlsFixture::start(kind).await.expect("TLS fixture starts");
                tx.send((f.addr(), f.ca_cert_pem().to_string())).unwrap();
                let _ = tokio::task::spawn_blocking(move || stop_rx.recv()).await;
                f.shutdown().await;
            });
        });
        let (addr, ca_pem) = rx.recv().unwrap();
        Tls {
            addr,
            ca_pem,
            stop: Some(stop_tx),
            thread: Some(thread),
        }
    }
}

impl Drop for Tls {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn tls_profile(env: &Env, tls: &Tls) -> String {
    let ca = write(&env.dir, "ca.pem", &tls.ca_pem);
    let mut p = healthy_profile(env);
    p = p.replace(
        "[services]\n",
        &format!("[services]\ntls = \"{}\"\n", tls.addr),
    );
    p.push_str(&format!("[tls]\nca_file = \"{}\"\n", ca.display()));
    p
}

#[test]
fn tls_version_and_certificate_checks() {
    if !services_available() {
        return;
    }
    // Healthy: a CA-signed certificate, TLS 1.3 ≥ 1.2.
    let tls = Tls::start(TlsKind::Valid);
    let env = start("tls-ok", Faults::NONE);
    let (_, report, err) = run_seed(&env, 3, &tls_profile(&env, &tls), &[]);
    let step = report["items"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|i| i["steps"].as_array().unwrap())
        .find(|s| s["probe"] == "tls")
        .unwrap_or_else(|| panic!("no TLS step\n{err}"));
    assert_eq!(step["status"], "passed", "{step}");
    assert_eq!(step["line"], 477);
    assert!(
        step["evidence"]["summary"]
            .as_str()
            .unwrap()
            .contains("TLSv1.3"),
        "{step}"
    );
    assert_eq!(report["verdict"], "PENDING");

    // The certificate has expired: NO_GO naming the TLS item.
    let expired = Tls::start(TlsKind::Expired);
    let env = start("tls-expired", Faults::NONE);
    let (code, report, err) = run_seed(&env, 3, &tls_profile(&env, &expired), &[]);
    assert_eq!(report["verdict"], "NO_GO", "{err}");
    assert_eq!(code, 1);
    let reason = report["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["line"] == 477)
        .expect("L477 named");
    assert!(
        reason["message"].as_str().unwrap().contains("expired"),
        "{reason}"
    );
    assert!(err.contains("L477 TLS version >= 1.2"), "{err}");
}

#[test]
fn secrets_never_appear_in_any_output() {
    if !services_available() {
        return;
    }
    let env = start("secrets", Faults::NONE);
    let secret = greenlight_fixture::Tokens::default().user;
    let junit = env.dir.join("r.xml");
    let md = env.dir.join("r.md");
    let profile = healthy_profile(&env);
    let (code, _, err) = run_seed(
        &env,
        0,
        &profile,
        &[
            "--junit",
            junit.to_str().unwrap(),
            "--markdown",
            md.to_str().unwrap(),
            "--allow",
            "mutating",
        ],
    );
    assert!(code == 1 || code == 3, "{err}");
    // The token was really sent (the admin check saw it)…
    assert!(env.fixture.control().requests().iter().any(|r| {
        r.header("authorization")
            .is_some_and(|h| h.contains(&secret))
    }));
    // …and appears nowhere a person or a machine reads.
    let json = std::fs::read_to_string(env.dir.join("report-0.json")).unwrap();
    for (name, text) in [
        ("stderr", err.clone()),
        ("json", json),
        ("junit", std::fs::read_to_string(&junit).unwrap()),
        ("markdown", std::fs::read_to_string(&md).unwrap()),
    ] {
        assert!(!text.contains(&secret), "{name} leaks the secret");
        assert!(!text.is_empty(), "{name} is empty");
    }
    // plan output too.
    let p = write(&env.dir, "p.toml", &profile);
    let plan = std::process::Command::new(env!("CARGO_BIN_EXE_greenlight"))
        .args([
            "plan",
            &seed_path(0),
            "--env",
            p.to_str().unwrap(),
            "--json",
        ])
        .current_dir(repo_root())
        .env("E2E_SECRET_TOKEN", &secret)
        .env("GREENLIGHT_STORE", env.dir.join("runs.db"))
        .output()
        .unwrap();
    assert_eq!(plan.status.code(), Some(0));
    assert!(!String::from_utf8_lossy(&plan.stdout).contains(&secret));
}

fn run_doc(env: &Env, doc: &str, profile: &str, args: &[&str]) -> (i32, serde_json::Value, String) {
    let doc_path = write(&env.dir, "checklist.md", doc);
    let profile_path = write(&env.dir, "p.toml", profile);
    let json = env.dir.join("r.json");
    let mut all = vec![
        "run".to_string(),
        doc_path.display().to_string(),
        "--env".into(),
        profile_path.display().to_string(),
        "--json".into(),
        json.display().to_string(),
    ];
    all.extend(args.iter().map(|s| s.to_string()));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_greenlight"))
        .args(&all)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let report = std::fs::read(&json)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    (out.status.code().unwrap_or(-1), report, stderr(&out))
}

fn pwned_path(tag: &str) -> PathBuf {
    std::env::temp_dir().join(format!("greenlight-pwned-{tag}-{}", std::process::id()))
}

#[test]
fn variables_reach_shell_steps_inert() {
    let env = start("inject", Faults::NONE);
    let marker = pwned_path("shell");
    let _ = std::fs::remove_file(&marker);
    let doc = format!(
        "# T\n\n## Shell\n\n- [ ] **Echo a variable**\n  ```bash\n  ls / > /dev/null\n  echo \"value: $INJECT\"\n  # Expected: \"value: $(touch {m})\"\n  ```\n\n- [ ] **Send it natively**\n  ```bash\n  curl -H \"X-Inject: $INJECT\" {base}/health\n  ```\n",
        m = marker.display(),
        base = env.fixture.base_url()
    );
    let profile =
        "[vars]\nINJECT = \"$(touch PLACEHOLDER)\"\n[allow]\nclasses = [\"read\"]\nshell = true\n"
            .replace("PLACEHOLDER", &marker.display().to_string());
    let (code, report, err) = run_doc(&env, &doc, &profile, &[]);
    assert!(!marker.exists(), "the variable's value was executed");
    assert_eq!(code, 0, "{err}\n{report}");
    assert_eq!(report["verdict"], "GO", "{err}");
    // The header carried the text as it is.
    let sent = env.fixture.control().requests();
    let header = sent
        .iter()
        .find_map(|r| r.header("x-inject").map(str::to_string))
        .unwrap();
    assert_eq!(header, format!("$(touch {})", marker.display()));
}

#[test]
fn a_missing_variable_blocks_its_step_by_name() {
    let env = start("missing-var", Faults::NONE);
    let doc = format!(
        "# T\n\n## Checks\n\n- [ ] **Needs a token**\n  ```bash\n  curl -H \"Authorization: Bearer $DEPLOY_TOKEN\" {}/api/admin/users\n  ```\n",
        env.fixture.base_url()
    );
    let (code, report, err) = run_doc(&env, &doc, "[allow]\nclasses = [\"read\"]\n", &[]);
    assert_eq!(code, 3, "{err}");
    let step = &report["items"][0]["steps"][0];
    assert_eq!(step["status"], "blocked");
    assert!(
        step["evidence"]["reason"]
            .as_str()
            .unwrap()
            .contains("DEPLOY_TOKEN"),
        "{step}"
    );
    // Never sent with an empty value.
    assert_eq!(env.fixture.control().total_requests(), 0);
}

#[test]
fn programs_that_are_not_installed_block_and_shell_timeouts_kill() {
    let env = start("shell", Faults::NONE);
    let doc = "# T\n\n## Checks\n\n- [ ] **Rules are valid**\n  ```bash\n  promtool-that-is-not-installed check rules rules.yml\n  ```\n\n- [ ] **Slow script**\n  ```bash\n  ls / > /dev/null\n  sleep 30\n  ```\n";
    let profile = "[allow]\nclasses = [\"read\", \"mutating\"]\nshell = true\n[policy]\nshell_timeout = \"1s\"\n";
    let started = std::time::Instant::now();
    let (code, report, err) = run_doc(&env, doc, profile, &[]);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(15),
        "the timeout did not stop the script"
    );
    assert_eq!(code, 1, "{err}");
    let first = &report["items"][0]["steps"][0];
    assert_eq!(first["status"], "blocked", "{first}");
    assert!(
        first["evidence"]["reason"]
            .as_str()
            .unwrap()
            .contains("promtool-that-is-not-installed")
    );
    let slow = &report["items"][1]["steps"][0];
    assert_eq!(slow["status"], "failed");
    assert!(
        slow["evidence"]["failures"][0]
            .as_str()
            .unwrap()
            .contains("timed out"),
        "{slow}"
    );
}

#[test]
fn mutating_steps_do_not_run_unless_allowed_and_rollback_never_runs() {
    if !services_available() {
        return;
    }
    let env = start("safety-classes", Faults::NONE);
    let webhook = format!("{}/services/T0/B0/X", env.fixture.base_url());
    let mut profile = healthy_profile(&env);
    profile = profile.replace(
        "[vars]\n",
        &format!("[vars]\nSLACK_WEBHOOK_URL = \"{webhook}\"\n"),
    );
    // Read only: no POST at all.
    let (_, report, err) = run_seed(&env, 0, &profile, &[]);
    assert_eq!(env.fixture.control().method_count("POST"), 0, "{err}");
    let xtb = report["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["line"] == 171)
        .unwrap();
    assert_eq!(xtb["status"], "not_run");
    assert!(
        xtb["steps"][0]["evidence"]["reason"]
            .as_str()
            .unwrap()
            .contains("--allow mutating")
    );
    // Everything allowed: the science POSTs run, the rollback and the
    // monitoring window's webhook never do.
    let (_, report, err) = run_seed(
        &env,
        0,
        &profile,
        &["--allow", "mutating", "--allow", "destructive"],
    );
    let c = env.fixture.control();
    assert!(c.request_count("POST", "/xtb/v1") >= 1, "{err}");
    // The k6 block (a load test, so mutating) ran too, scaled to the
    // profile's [load] limits.
    let k6 = report["items"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|i| i["steps"].as_array().unwrap())
        .find(|s| s["probe"] == "load")
        .expect("a load step");
    assert_eq!(k6["status"], "passed", "{k6:#}");
    assert!(
        k6["evidence"]["reason"]
            .as_str()
            .unwrap()
            .contains("1000 VUs → 2")
    );
    assert_eq!(
        c.request_count("POST", "/services/T0/B0/X"),
        0,
        "the rollback or monitoring webhook ran"
    );
}

#[test]
fn ctrl_c_stops_cleanly_and_reports_what_ran() {
    let env = start(
        "ctrl-c",
        Faults::NONE.with_delay(std::time::Duration::from_millis(1500)),
    );
    let base = env.fixture.base_url();
    let doc = format!(
        "# T\n\n## One\n\n- [ ] **Slow**\n  ```bash\n  curl {base}/health\n  ```\n\n## Two\n\n- [ ] **Never starts**\n  ```bash\n  curl {base}/version\n  ```\n"
    );
    let doc_path = write(&env.dir, "c.md", &doc);
    let json = env.dir.join("c.json");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_greenlight"))
        .args([
            "run",
            doc_path.to_str().unwrap(),
            "--json",
            json.to_str().unwrap(),
        ])
        .env("NO_COLOR", "1")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(500));
    nix_kill_int(child.id());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(3));
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(report["interrupted"], true);
    assert_eq!(
        report["items"][0]["status"], "passed",
        "the running check finished"
    );
    assert_eq!(report["items"][1]["status"], "not_run");
    assert_eq!(env.fixture.control().request_count("GET", "/version"), 0);
}

#[test]
fn eventually_retries_until_the_check_passes_or_the_deadline() {
    let env = start("eventually", Faults::NONE.with_not_ready());
    let base = env.fixture.base_url();
    let doc = format!(
        "# T\n\n## Ready\n\n- [ ] **Service becomes ready**\n  ```bash\n  curl -f {base}/ready\n  ```\n  <!-- greenlight: eventually 4s every 200ms -->\n"
    );
    // The service becomes ready after 700 ms.
    let control = env.fixture.control().clone();
    let flip = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(700));
        control.set_faults(Faults::NONE);
    });
    let (code, report, err) = run_doc(&env, &doc, "", &[]);
    flip.join().unwrap();
    assert_eq!(code, 0, "{err}");
    let step = &report["items"][0]["steps"][0];
    assert_eq!(step["status"], "passed");
    assert!(step["attempts"].as_u64().unwrap() >= 3, "{step}");

    // Never ready: it gives up at the deadline and fails.
    env.fixture
        .control()
        .set_faults(Faults::NONE.with_not_ready());
    let doc = doc.replace("eventually 4s", "eventually 1s");
    let started = std::time::Instant::now();
    let (code, report, _) = run_doc(&env, &doc, "", &[]);
    assert_eq!(code, 1);
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    let step = &report["items"][0]["steps"][0];
    assert_eq!(step["status"], "failed");
    assert!(step["attempts"].as_u64().unwrap() >= 3, "{step}");
}
