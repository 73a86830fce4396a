//! Webhook notifications for greenlight.
//!
//! The server calls [`Notifier::notify`] on a verdict change and on each
//! sign-off; the notifier POSTs to every `[[webhooks]]` entry of
//! `greenlight.toml` that wants the event, as generic JSON
//! (`greenlight.webhook/v1`) or as a Slack message, signed with
//! HMAC-SHA256 ([`signature`]), retried with backoff in the background
//! ([`delivery`]), every outcome reported on a stream.
//!
//! ```ignore
//! // greenlight.toml's [[webhooks]], secrets from the environment:
//! let hooks = Webhook::from_tables(&config.webhooks, &|v| std::env::var(v).ok())?;
//! let (notifier, mut reports) = Notifier::start(hooks, profile.secrets())?;
//! tokio::spawn(async move {
//!     while let Some(r) = reports.recv().await {
//!         if !r.outcome.is_delivered() { eprintln!("{r}") } // or store it
//!     }
//! });
//! let mut n = Notification::new(Event::SignedOff { role, comment }, release);
//! n.actor = Some(identity);
//! notifier.notify(&n); // never waits
//! // …
//! notifier.shutdown(Duration::from_secs(10)).await;
//!
//! // A receiver, over the raw body bytes:
//! verify(secret, headers["X-Greenlight-Signature"], &body, SystemTime::now(),
//!        Duration::from_secs(300))?;
//! ```

pub mod backoff;
pub mod config;
pub mod delivery;
pub mod event;
pub mod payload;
pub mod signature;

pub use config::{ConfigError, Retry, Webhook};
pub use delivery::{Attempt, DeliveryReport, Notifier, NotifyError, Outcome, Reports};
pub use event::{Event, Notification};
pub use payload::Format;
pub use signature::{VerifyError, sign, verify};
