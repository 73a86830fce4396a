//! Separate OS processes on one store: concurrent writers, and a writer
//! SIGKILLed mid-run. The children are this test binary itself, started
//! with `GL_STORE_CHILD` set, running the ignored `child_process` test.

use crate::support::*;
use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

const CHILD_ENV: &str = "GL_STORE_CHILD";

/// Starts this test binary as a child doing `job` (see `child_process`).
fn spawn_child(job: &[&str]) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args([
            "processes::child_process",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, job.join("\u{1f}"))
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap()
}

/// Not a test of its own: the body of the child processes. Its job comes
/// in `GL_STORE_CHILD` (fields separated by U+001F):
/// - `batches SPEC RUN TAG COUNT`: append COUNT step results to RUN in
///   batches of 1..4, then exit;
/// - `acks SPEC RUN`: append step results one at a time for ever,
///   printing `ACK <seq>` once each append has returned.
#[test]
#[ignore = "helper: started as a child process by the other tests"]
fn child_process() {
    let Ok(job) = std::env::var(CHILD_ENV) else {
        return;
    };
    let f: Vec<&str> = job.split('\u{1f}').collect();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let store = greenlight_store::Store::open(f[1]).await.unwrap();
        match f[0] {
            "batches" => {
                let (run, tag, count) = (
                    f[2],
                    f[3].parse::<u64>().unwrap(),
                    f[4].parse::<u64>().unwrap(),
                );
                let mut i = 0;
                while i < count {
                    let size = (i % 4 + 1).min(count - i);
                    let batch = (i..i + size)
                        .map(|k| step(run, tag * 1_000_000 + k))
                        .collect();
                    store.append(batch).await.unwrap();
                    i += size;
                }
            }
            "acks" => {
                use std::io::Write;
                let run = f[2];
                for n in 0.. {
                    let e = store.append(vec![step(run, n)]).await.unwrap();
                    let mut out = std::io::stdout().lock();
                    // The parent stops reading before it kills this process:
                    // a closed pipe ends the job quietly.
                    if writeln!(out, "ACK {} {n}", e[0].seq)
                        .and_then(|()| out.flush())
                        .is_err()
                    {
                        return;
                    }
                }
            }
            other => panic!("unknown child job {other}"),
        }
    });
}

/// Two processes (and this one) append to the same run at once.
pub async fn two_processes_append_concurrently(b: &Backend) {
    const PER_CHILD: u64 = 120;
    let store = b.open().await;
    store
        .append(vec![started("mp", "M.md", "p")])
        .await
        .unwrap();
    let children: Vec<Child> = (1..=2)
        .map(|tag| {
            spawn_child(&[
                "batches",
                &b.spec,
                "mp",
                &tag.to_string(),
                &PER_CHILD.to_string(),
            ])
        })
        .collect();
    for k in 0..40 {
        store.append(vec![step("mp", k)]).await.unwrap();
    }
    for mut c in children {
        assert!(c.wait().unwrap().success(), "a child failed");
    }
    let total = 1 + 40 + 2 * PER_CHILD;
    let events = assert_contiguous_and_valid(&store, "mp", total).await;
    let ns: HashSet<u64> = events[1..]
        .iter()
        .map(|e| payload(e)["n"].as_u64().unwrap())
        .collect();
    assert_eq!(ns.len() as u64, total - 1, "every event exactly once");
    for tag in 1..=2u64 {
        for k in 0..PER_CHILD {
            assert!(
                ns.contains(&(tag * 1_000_000 + k)),
                "child {tag}'s event {k} is missing"
            );
        }
    }
}

/// A writer SIGKILLed mid-run loses no event it had been told was stored.
pub async fn sigkill_loses_no_acknowledged_event(b: &Backend) {
    let store = b.open().await;
    store
        .append(vec![started("crash", "K.md", "p")])
        .await
        .unwrap();
    let mut child = spawn_child(&["acks", &b.spec, "crash"]);
    let stdout = child.stdout.take().unwrap();
    let acked = tokio::task::spawn_blocking(move || {
        let mut acked: Vec<(u64, u64)> = Vec::new();
        for line in BufReader::new(stdout).lines() {
            let line = line.unwrap();
            if let Some(rest) = line.strip_prefix("ACK ") {
                let (seq, n) = rest.split_once(' ').unwrap();
                acked.push((seq.parse().unwrap(), n.parse().unwrap()));
                if acked.len() == 60 {
                    break;
                }
            }
        }
        (child, acked)
    });
    let (mut child, acked) = acked.await.unwrap();
    child.kill().unwrap(); // SIGKILL, while it is appending more
    let status = child.wait().unwrap();
    assert!(!status.success(), "the child was killed, it did not finish");
    assert_eq!(
        acked.len(),
        60,
        "the child acknowledged 60 appends before the kill"
    );

    drop(store);
    let store = b.open().await;
    let events = store.events("crash").await.unwrap();
    assert!(events.len() > 60, "60 acknowledged events + run_started");
    for (seq, n) in &acked {
        let e = &events[*seq as usize - 1];
        assert_eq!(e.seq, *seq);
        assert_eq!(
            payload(e)["n"],
            *n,
            "acknowledged event {seq} holds what was sent"
        );
    }
    let n = events.len() as u64;
    assert_contiguous_and_valid(&store, "crash", n).await;
    // The run goes on after the crash.
    assert_eq!(
        store.append(vec![step("crash", 999)]).await.unwrap()[0].seq,
        n + 1
    );
}
