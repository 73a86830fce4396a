//! A fixture on its own thread and runtime, for callers that are not async
//! (e.g. a `#[test]` that runs the `greenlight` binary as a child process,
//! or one that calls a blocking API which builds its own runtime).

use std::net::SocketAddr;
use std::sync::mpsc;
use std::thread::JoinHandle;

use tokio::sync::oneshot;

use crate::config::FixtureConfig;
use crate::error::{FixtureError, Result};
use crate::faults::Faults;
use crate::server::start;
use crate::state::FixtureControl;

/// A fixture running on a background thread. Dropping it stops the service
/// and joins the thread.
#[derive(Debug)]
pub struct BlockingFixture {
    addr: SocketAddr,
    control: FixtureControl,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl BlockingFixture {
    /// Starts the service on a new thread with a single-threaded runtime and
    /// returns once it is listening.
    pub fn start(config: FixtureConfig) -> Result<BlockingFixture> {
        let (ready_tx, ready_rx) = mpsc::channel::<Result<(SocketAddr, FixtureControl)>>();
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("greenlight-fixture".into())
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e.into()));
                        return;
                    }
                };
                rt.block_on(async move {
                    match start(config).await {
                        Ok(handle) => {
                            let _ = ready_tx.send(Ok((handle.addr(), handle.control())));
                            let _ = stop_rx.await;
                            handle.shutdown().await;
                        }
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                        }
                    }
                });
            })?;
        let (addr, control) = ready_rx
            .recv()
            .map_err(|_| FixtureError::Thread("fixture thread exited before starting".into()))??;
        Ok(BlockingFixture {
            addr,
            control,
            stop: Some(stop_tx),
            thread: Some(thread),
        })
    }

    /// The address bound.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `base_url()` followed by `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url())
    }

    /// `ws://127.0.0.1:PORT/ws`.
    pub fn ws_url(&self) -> String {
        format!("ws://{}/ws", self.addr)
    }

    /// The control surface (faults, counts, rate limit).
    pub fn control(&self) -> &FixtureControl {
        &self.control
    }

    /// Replaces all faults.
    pub fn set_faults(&self, faults: Faults) {
        self.control.set_faults(faults);
    }

    /// Requests received with this method and exact path.
    pub fn request_count(&self, method: &str, path: &str) -> u64 {
        self.control.request_count(method, path)
    }

    /// Stops the service and joins its thread.
    pub fn shutdown(mut self) {
        self.stop_and_join();
    }

    fn stop_and_join(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for BlockingFixture {
    fn drop(&mut self) {
        self.stop_and_join();
    }
}
