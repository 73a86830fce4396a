//! The engine against fixture servers: correctness, accuracy, coordinated omission, memory.

use std::time::Duration;

use greenlight_load::{LoadConfig, run};

use crate::server::{Behaviour, spawn};

const MS: fn(u64) -> Duration = Duration::from_millis;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closed_model_http1_smoke() {
    let srv = spawn(Behaviour::default()).await;
    let mut cfg = LoadConfig::closed(srv.url("/health"), 4, MS(500));
    cfg.threads = Some(2);
    let r = run(cfg, None).await.unwrap();
    assert!(r.requests > 100, "{r:?}");
    assert_eq!(r.failed, 0, "{:?}", r.errors);
    assert_eq!(r.endpoints[0].bytes_received, 20 * r.requests);
    assert!(
        r.duration_s > 0.45 && r.duration_s < 0.8,
        "{}",
        r.duration_s
    );
    assert!(srv.requests.load(std::sync::atomic::Ordering::Relaxed) >= r.requests);
}
