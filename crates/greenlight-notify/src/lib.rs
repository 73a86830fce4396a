//! Webhook notifications for greenlight.
//!
//! The server calls [`Notifier::notify`] on a verdict change and on each
//! sign-off; the notifier POSTs to every `[[webhooks]]` entry of
//! `greenlight.toml` that wants the event, as generic JSON
//! (`greenlight.webhook/v1`) or as a Slack message, signed with
//! HMAC-SHA256 ([`signature`]), retried with backoff in the background
//! ([`delivery`]), every outcome reported on a stream.

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
