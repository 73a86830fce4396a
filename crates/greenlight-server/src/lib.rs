//! `greenlight serve`: the release room's HTTP server.
//!
//! It reads the same event store as the CLI (SQLite or PostgreSQL) and
//! keeps no state of its own: every answer is read from the store through
//! greenlight-session, so it gives the verdict `greenlight status` gives.
//! Several processes on one PostgreSQL store show the same live state.
//!
//! - JSON API under `/api/v1` (releases, runs, reports, events), described
//!   by the OpenAPI 3.1 document at `/openapi.json` ([`openapi`]).
//! - Live updates over server-sent events, fed by one change feed per
//!   process ([`feed`]): PostgreSQL `LISTEN`/`NOTIFY`, SQLite polling.
//! - Errors are JSON with a status code; bad input is a 4xx ([`error`]).

pub mod access;
pub mod acts;
pub mod api;
pub mod cache;
pub mod error;
pub mod feed;
pub mod live;
pub mod notify;
pub mod openapi;
pub mod pages;
pub mod serve;
pub mod views;

pub use error::ApiError;
pub use feed::FeedOptions;

use greenlight_store::Store;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// A server ready to run: its store, its feed, its router.
pub struct Server {
    shared: api::AppState,
    stop: watch::Sender<bool>,
    notifications: Option<notify::Notifications>,
}

/// How a server runs, besides its store.
#[derive(Default)]
pub struct Options {
    /// How the change feed follows the store.
    pub feed: FeedOptions,
    /// Webhooks on verdict changes and sign-offs, if any.
    pub notifications: Option<notify::Notifications>,
    /// The profile's secrets, masked once more in pages.
    pub secrets: Vec<String>,
    /// Sessions, cookies and login limits.
    pub auth: greenlight_auth::AuthConfig,
}

impl Server {
    /// Starts the change feed on `store` (the server's one task of its
    /// own) and builds the router, with default options.
    pub fn new(store: Store, feed: FeedOptions) -> Server {
        Server::with(
            store,
            Options {
                feed,
                ..Options::default()
            },
        )
    }

    /// [`Server::new`] with every option.
    pub fn with(store: Store, options: Options) -> Server {
        let Options {
            feed,
            notifications,
            secrets,
            auth,
        } = options;
        let (stop, shutdown) = watch::channel(false);
        let store = Arc::new(store);
        let hook = notifications.as_ref().map(|n| n.hook.clone());
        let feed = feed::spawn(store.clone(), feed, shutdown.clone(), hook);
        Server {
            notifications,
            shared: api::AppState(Arc::new(api::Shared {
                auth: greenlight_auth::Auth::new(store.clone(), auth),
                identities: access::IdentityCache::default(),
                redactor: greenlight_run::redact::Redactor::new(secrets),
                store,
                feed,
                cache: cache::Cache::default(),
                shutdown,
            })),
            stop,
        }
    }

    /// The router (for tests that call it without a socket).
    pub fn router(&self) -> axum::Router {
        api::router(self.shared.clone())
    }

    /// The shared state.
    pub fn shared(&self) -> &api::AppState {
        &self.shared
    }

    /// Serves on `listener` until `until` resolves, then shuts down
    /// gracefully: no new connections, live streams end, requests in
    /// flight get [`serve::GRACE`] to finish.
    pub async fn run(self, listener: TcpListener, until: impl std::future::Future<Output = ()>) {
        let router = self.router();
        let shutdown = self.shared.shutdown.clone();
        let serving = tokio::spawn(serve::accept_loop(listener, router, shutdown));
        until.await;
        let _ = self.stop.send(true);
        let _ = serving.await;
        if let Some(n) = self.notifications {
            n.shutdown(serve::GRACE).await;
        }
    }
}
