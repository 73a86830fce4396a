use greenlight_probe::{ShellSpec, find_program, run_shell};
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn spec(script: &str) -> ShellSpec {
    ShellSpec {
        script: script.into(),
        timeout: Duration::from_secs(10),
        ..ShellSpec::default()
    }
}

/// Whether process `pid` is gone (or only a zombie waiting to be reaped).
fn is_gone(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
    }
}

async fn wait_gone(pid: u32) -> bool {
    for _ in 0..40 {
        if is_gone(pid) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

#[tokio::test]
async fn exit_codes_and_output() {
    let r = run_shell(spec("echo out; echo err >&2; exit 3"))
        .await
        .unwrap();
    assert_eq!(r.exit_code, Some(3));
    assert_eq!(r.signal, None);
    assert!(!r.success());
    assert_eq!(r.stdout, "out\n");
    assert_eq!(r.stderr, "err\n");
    assert!(!r.timed_out);
    assert!(!r.stdout_truncated && !r.stderr_truncated);

    let r = run_shell(spec("true")).await.unwrap();
    assert!(r.success());
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["exit_code"], 0);
    assert!(json["duration_ms"].is_number());
}

#[tokio::test]
async fn pipelines_fail_when_any_command_fails() {
    let r = run_shell(spec("false | wc -l")).await.unwrap();
    assert_eq!(r.exit_code, Some(1), "pipefail is on: {r:?}");
    assert_eq!(r.stdout.trim(), "0");
    // The rightmost failing command gives the status.
    let r = run_shell(spec("(exit 3) | (exit 4) | cat")).await.unwrap();
    assert_eq!(r.exit_code, Some(4));
    let r = run_shell(spec("echo a | wc -l")).await.unwrap();
    assert!(r.success());
    // A script's own choice wins, and other options stay as bash's defaults.
    let r = run_shell(spec("set +o pipefail; false | wc -l"))
        .await
        .unwrap();
    assert!(r.success());
    let r = run_shell(spec("false; echo after")).await.unwrap();
    assert!(r.success(), "no errexit was added: {r:?}");
    assert_eq!(r.stdout, "after\n");
    // Off on request.
    let r = run_shell(ShellSpec {
        pipefail: false,
        ..spec("false | wc -l")
    })
    .await
    .unwrap();
    assert!(r.success());
}

#[tokio::test]
async fn env_vars_are_passed_and_stay_inert() {
    let marker = PathBuf::from(format!(
        "/tmp/greenlight-pwned-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    let evil = format!(
        "$(touch {m}) `touch {m}` ; touch {m} ' \" $HOME",
        m = marker.display()
    );
    let r = run_shell(ShellSpec {
        env: vec![
            ("GREETING".into(), "hello world".into()),
            ("EVIL".into(), evil.clone()),
        ],
        ..spec(r#"printf '%s|%s' "$GREETING" "$EVIL""#)
    })
    .await
    .unwrap();
    assert!(r.success(), "{r:?}");
    assert_eq!(r.stdout, format!("hello world|{evil}"));
    assert!(!marker.exists(), "the env value was executed");
}

#[tokio::test]
async fn timeout_kills_the_whole_group() {
    let started = Instant::now();
    let r = run_shell(ShellSpec {
        timeout: Duration::from_millis(500),
        ..spec("sleep 30 & echo $!; sleep 30")
    })
    .await
    .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert!(r.timed_out);
    assert_eq!(r.exit_code, None);
    assert_eq!(r.signal, Some(9));
    let grandchild: u32 = r.stdout.trim().parse().expect("background pid printed");
    assert!(
        wait_gone(grandchild).await,
        "background sleep {grandchild} survived"
    );
}

#[tokio::test]
async fn background_processes_do_not_outlive_the_script() {
    let started = Instant::now();
    let r = run_shell(spec("sleep 30 & echo $!")).await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(3));
    assert!(r.success());
    assert!(r.killed_background);
    let pid: u32 = r.stdout.trim().parse().unwrap();
    assert!(wait_gone(pid).await, "background sleep {pid} survived");

    let r = run_shell(spec("echo plain")).await.unwrap();
    assert!(!r.killed_background);
}

#[tokio::test]
async fn output_is_bounded() {
    let r = run_shell(ShellSpec {
        max_output: 1000,
        ..spec("head -c 100000 /dev/zero | tr '\\0' a; echo small >&2")
    })
    .await
    .unwrap();
    assert!(r.success());
    assert_eq!(r.stdout.len(), 1000);
    assert!(r.stdout.bytes().all(|b| b == b'a'));
    assert!(r.stdout_truncated);
    assert_eq!(r.stderr, "small\n");
    assert!(!r.stderr_truncated);
}

#[tokio::test]
async fn cwd_stdin_and_lossy_output() {
    let r = run_shell(ShellSpec {
        cwd: Some(PathBuf::from("/")),
        ..spec("pwd; cat; printf 'a\\377b'")
    })
    .await
    .unwrap();
    assert!(r.success());
    assert_eq!(r.stdout, "/\na\u{FFFD}b");
    assert!(r.shell.ends_with("bash") || r.shell.ends_with("sh"));
}

#[tokio::test]
async fn bad_cwd_is_an_error_not_a_panic() {
    let err = run_shell(ShellSpec {
        cwd: Some(PathBuf::from("/definitely/not/a/dir")),
        ..spec("true")
    })
    .await
    .unwrap_err();
    assert_eq!(err.kind(), greenlight_probe::ErrorKind::Io);
    assert!(err.to_string().starts_with("could not start "), "{err}");
}

#[test]
fn programs_on_path() {
    assert!(find_program("sh").is_some());
    assert_eq!(find_program("definitely-not-a-program-xyz"), None);
}

#[tokio::test]
async fn escaped_process_holding_the_pipe_does_not_hang_the_step() {
    if find_program("setsid").is_none() {
        eprintln!("note: setsid not installed; skipping");
        return;
    }
    let started = Instant::now();
    let r = run_shell(spec("echo before; setsid sleep 3 & sleep 0.3; echo after"))
        .await
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_millis(2500),
        "{:?}",
        started.elapsed()
    );
    assert!(r.success());
    assert_eq!(r.stdout, "before\nafter\n");
    assert!(
        r.stdout_truncated,
        "output may be incomplete and must say so"
    );
}
