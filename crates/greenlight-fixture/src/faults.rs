//! Switchable faults: each one breaks exactly one promise of the healthy
//! service, so a test can prove that greenlight notices that one thing.

use std::time::Duration;

/// The version string served by `/version` while [`Faults::wrong_version`] is on.
pub const WRONG_VERSION: &str = "7.9.9";

/// Independent fault switches. `Faults::default()` is the healthy service.
///
/// Set them at start ([`crate::FixtureConfig::faults`]) or at run time
/// ([`crate::FixtureHandle::set_faults`], [`crate::FixtureControl::update_faults`]);
/// a change applies to the next request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Faults {
    /// `/health` and `/api/v1/health` answer 500 with `{"status":"unhealthy",…}`.
    pub health_500: bool,
    /// `/version` (and the version in `/health`) reports [`WRONG_VERSION`]
    /// instead of the configured version.
    pub wrong_version: bool,
    /// `/ready` answers 503 with `{"status":"not_ready",…}`.
    pub not_ready: bool,
    /// `/api/admin/users` accepts a plain user token (200 instead of 403):
    /// a broken RBAC rule.
    pub admin_accepts_user: bool,
    /// Every WebSocket upgrade (`/ws`, `/api/v1/streams/{id}/ws`) is refused
    /// with 403 before any authentication.
    pub ws_refused: bool,
    /// Delay added before every response (HTTP and WebSocket upgrades alike):
    /// a slow server, to exceed a client's timeout or a latency budget.
    pub delay: Option<Duration>,
}

impl Faults {
    /// The healthy service: every switch off, no delay.
    pub const NONE: Faults = Faults {
        health_500: false,
        wrong_version: false,
        not_ready: false,
        admin_accepts_user: false,
        ws_refused: false,
        delay: None,
    };

    /// True when no fault is switched on.
    pub fn is_healthy(&self) -> bool {
        *self == Faults::NONE
    }

    /// The same faults with `health_500` switched on.
    pub fn with_health_500(mut self) -> Self {
        self.health_500 = true;
        self
    }

    /// The same faults with `wrong_version` switched on.
    pub fn with_wrong_version(mut self) -> Self {
        self.wrong_version = true;
        self
    }

    /// The same faults with `not_ready` switched on.
    pub fn with_not_ready(mut self) -> Self {
        self.not_ready = true;
        self
    }

    /// The same faults with `admin_accepts_user` switched on.
    pub fn with_admin_accepts_user(mut self) -> Self {
        self.admin_accepts_user = true;
        self
    }

    /// The same faults with `ws_refused` switched on.
    pub fn with_ws_refused(mut self) -> Self {
        self.ws_refused = true;
        self
    }

    /// The same faults with a response delay.
    pub fn with_delay(mut self, delay: Duration) -> Self {
        self.delay = Some(delay);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_healthy_and_builders_set_one_switch() {
        assert!(Faults::default().is_healthy());
        let f = Faults::default().with_not_ready();
        assert!(!f.is_healthy());
        assert!(f.not_ready && !f.health_500 && !f.wrong_version);
        let d = Faults::NONE.with_delay(Duration::from_millis(5));
        assert_eq!(d.delay, Some(Duration::from_millis(5)));
    }
}
