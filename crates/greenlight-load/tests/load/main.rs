//! Integration tests of greenlight-load against in-process fixture servers (loopback only,
//! every test bounded to a few seconds).

mod engine;
mod k6;
mod server;
mod stalls;

/// Tests that saturate the CPU take this lock shared; tests that measure latency precisely
/// take it exclusively, so they do not run beside a closed-model flood.
pub static CPU: tokio::sync::RwLock<()> = tokio::sync::RwLock::const_new(());
