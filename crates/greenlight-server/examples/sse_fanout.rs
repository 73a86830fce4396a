//! Fan-out benchmark client for `greenlight serve` (issue 12, item 7):
//! opens N server-sent-event streams on one release, appends events to
//! the store (as the CLI would, through greenlight-store), and measures,
//! for every event and every stream, the time from just before the append
//! until the stream delivered it: commit, NOTIFY (or poll), the server's
//! read of the store, and the fan-out. Prints percentiles (hdrhistogram)
//! and the server's RSS read from /proc.
//!
//! cargo run --release -p greenlight-server --example sse_fanout -- \
//!   --addr 127.0.0.1:7878 --store postgres://… --release REL --run RUN \
//!   --item ITEM --pid SERVER_PID --token VIEWER_TOKEN \
//!   [--watchers 1000] [--events 40] [--gap-ms 100]
//!
//! Loopback only; every wait is bounded.

use greenlight_store::{EventKind, NewEvent, Store};
use hdrhistogram::Histogram;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

struct Args {
    addr: String,
    store: String,
    release: String,
    run: String,
    item: String,
    token: Option<String>,
    pid: Option<u32>,
    watchers: usize,
    events: usize,
    gap: Duration,
}

fn args() -> Args {
    let mut a = Args {
        addr: "127.0.0.1:7878".into(),
        store: String::new(),
        release: String::new(),
        run: String::new(),
        item: String::new(),
        token: None,
        pid: None,
        watchers: 1000,
        events: 40,
        gap: Duration::from_millis(100),
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let v = it.next().unwrap_or_else(|| panic!("{k} needs a value"));
        match k.as_str() {
            "--addr" => a.addr = v,
            "--store" => a.store = v,
            "--release" => a.release = v,
            "--run" => a.run = v,
            "--item" => a.item = v,
            "--pid" => a.pid = v.parse().ok(),
            "--token" => a.token = Some(v),
            "--watchers" => a.watchers = v.parse().expect("--watchers N"),
            "--events" => a.events = v.parse().expect("--events N"),
            "--gap-ms" => a.gap = Duration::from_millis(v.parse().expect("--gap-ms N")),
            _ => panic!("unknown argument {k}"),
        }
    }
    assert!(!a.addr.is_empty() && !a.store.is_empty() && !a.release.is_empty());
    assert!(!a.run.is_empty() && !a.item.is_empty());
    assert!(
        a.addr.starts_with("127.")
            || a.addr.starts_with("[::1]")
            || a.addr.starts_with("localhost"),
        "loopback only"
    );
    a
}

fn seg(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// VmRSS and VmHWM of a process, in KiB.
fn rss(pid: u32) -> Option<(u64, u64)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        text.lines()
            .find(|l| l.starts_with(name))?
            .split_whitespace()
            .nth(1)?
            .parse::<u64>()
            .ok()
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

/// The events' send times, by number.
type Sent = Arc<Mutex<Vec<Option<Instant>>>>;

/// One watcher: reads the stream, and for each `bench-N` marker records
/// the delay since event N was appended.
async fn watch(
    addr: String,
    path: String,
    auth: String,
    sent: Sent,
    hist: Arc<Mutex<Histogram<u64>>>,
    ready: tokio::sync::mpsc::Sender<()>,
    deadline: Instant,
) -> usize {
    let Ok(Ok(mut s)) =
        tokio::time::timeout(Duration::from_secs(10), TcpStream::connect(&addr)).await
    else {
        return 0;
    };
    let req =
        format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Accept: text/event-stream\r\n\r\n");
    if s.write_all(req.as_bytes()).await.is_err() {
        return 0;
    }
    let mut buf = vec![0u8; 16 * 1024];
    let mut carry = String::new();
    let mut got = 0;
    let mut signalled = false;
    let mut seen = std::collections::HashSet::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let n = match tokio::time::timeout(left, s.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => n,
            _ => return got,
        };
        let now = Instant::now();
        carry.push_str(&String::from_utf8_lossy(&buf[..n]));
        if !signalled && carry.contains("\r\n\r\n") {
            signalled = true;
            let _ = ready.send(()).await;
        }
        let mut rest = carry.as_str();
        while let Some(i) = rest.find("bench-") {
            let digits: String = rest[i + 6..]
                .chars()
                .take_while(|c| c.is_ascii_digit())
                .collect();
            let end = i + 6 + digits.len();
            if end >= rest.len() {
                break; // the number may go on in the next read
            }
            if let Ok(k) = digits.parse::<usize>()
                && seen.insert(k)
                && let Some(Some(t0)) = sent.lock().unwrap().get(k).copied()
            {
                let us = now.duration_since(t0).as_micros() as u64;
                let _ = hist.lock().unwrap().record(us.max(1));
                got += 1;
            }
            rest = &rest[end..];
        }
        let keep = rest.len().min(64);
        carry = rest[rest.len() - keep..].to_string();
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 1)]
async fn main() {
    let a = args();
    let store = Store::open(&a.store).await.expect("store opens");
    let path = format!("/api/v1/releases/{}/stream", seg(&a.release));
    let auth = a
        .token
        .as_deref()
        .map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    let sent: Sent = Arc::new(Mutex::new(vec![None; a.events]));
    let hist = Arc::new(Mutex::new(
        Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).unwrap(),
    ));
    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::channel(a.watchers.max(1));
    let deadline = Instant::now() + Duration::from_secs(30) + a.gap * a.events as u32;
    let before = a.pid.and_then(rss);
    let mut tasks = Vec::new();
    for _ in 0..a.watchers {
        tasks.push(tokio::spawn(watch(
            a.addr.clone(),
            path.clone(),
            auth.clone(),
            sent.clone(),
            hist.clone(),
            ready_tx.clone(),
            deadline,
        )));
    }
    drop(ready_tx);
    let mut connected = 0;
    let t = Instant::now();
    while connected < a.watchers {
        match tokio::time::timeout(Duration::from_secs(20), ready_rx.recv()).await {
            Ok(Some(())) => connected += 1,
            _ => break,
        }
    }
    println!(
        "watchers connected: {connected}/{} in {:?}",
        a.watchers,
        t.elapsed()
    );
    let idle = a.pid.and_then(rss);
    for k in 0..a.events {
        let kind = if k % 2 == 0 {
            EventKind::ItemChecked
        } else {
            EventKind::ItemUnchecked
        };
        let ev = NewEvent {
            run_id: a.run.clone(),
            kind,
            item: Some(a.item.clone()),
            actor: "bench".into(),
            payload: serde_json::json!({ "note": format!("bench-{k}") }).into(),
        };
        sent.lock().unwrap()[k] = Some(Instant::now());
        store.append(vec![ev]).await.expect("append");
        tokio::time::sleep(a.gap).await;
    }
    // Let the last deliveries arrive, then stop the watchers.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let loaded = a.pid.and_then(rss);
    for t in &tasks {
        t.abort();
    }
    let h = hist.lock().unwrap();
    let expected = connected as u64 * a.events as u64;
    println!(
        "deliveries: {} of {expected} ({} watchers x {} events, {} ms apart)",
        h.len(),
        connected,
        a.events,
        a.gap.as_millis()
    );
    for q in [0.5, 0.9, 0.99, 0.999, 1.0] {
        println!(
            "fan-out latency p{:<5} {:>8.2} ms",
            q * 100.0,
            h.value_at_quantile(q) as f64 / 1000.0
        );
    }
    let kib = |v: Option<(u64, u64)>| {
        v.map_or("?".to_string(), |(r, hwm)| {
            format!(
                "RSS {:.1} MiB (peak {:.1} MiB)",
                r as f64 / 1024.0,
                hwm as f64 / 1024.0
            )
        })
    };
    println!("server before watchers: {}", kib(before));
    println!("server with {connected} idle watchers: {}", kib(idle));
    println!("server after the events: {}", kib(loaded));
}
