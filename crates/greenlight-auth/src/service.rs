//! [`Auth`]: the shared handle the server keeps in its state — looks up
//! tokens and sessions, logs people in and out, and limits failed logins.

use crate::admin::now_secs;
use crate::error::Result;
use crate::identity::{Credential, Identity};
use crate::role::Role;
use crate::secret::{random_secret, sha256_hex, verify_nothing, verify_password};
use greenlight_store::{Store, WebSession};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Settings of [`Auth`].
#[derive(Clone, Debug)]
pub struct AuthConfig {
    /// Mark cookies `Secure` (set when the server is reached over TLS,
    /// directly or through a TLS-terminating proxy).
    pub secure_cookies: bool,
    /// How long a login lasts.
    pub session_ttl: Duration,
    /// Failed logins allowed per account and per client address within
    /// `failure_window`; the next attempt gets 429 (0: no limit).
    pub max_failures: usize,
    /// The sliding window of `max_failures`.
    pub failure_window: Duration,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            secure_cookies: false,
            session_ttl: Duration::from_secs(12 * 3600),
            max_failures: 5,
            failure_window: Duration::from_secs(60),
        }
    }
}

/// The auth service; cheap to clone (put it in the router's state and
/// implement `FromRef` for it).
#[derive(Clone)]
pub struct Auth {
    store: Arc<Store>,
    config: Arc<AuthConfig>,
}

/// The result of a login attempt.
#[derive(Debug)]
pub enum Login {
    /// A new session: `session_id` goes in the cookie (only its hash is stored).
    Ok {
        /// The cookie value.
        session_id: String,
        /// The new session's CSRF token.
        csrf_token: String,
    },
    /// Wrong name or password (the failure was counted).
    Refused,
    /// Too many recent failures for this account or address; nothing was checked.
    Limited {
        /// When the next attempt may succeed.
        retry_after: Duration,
    },
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

impl Auth {
    /// A service over `store` (the same store as the runs).
    pub fn new(store: Arc<Store>, config: AuthConfig) -> Auth {
        Auth {
            store,
            config: Arc::new(config),
        }
    }

    /// The settings.
    pub fn config(&self) -> &AuthConfig {
        &self.config
    }

    /// The store.
    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    /// The identity of a bearer token, if it is known and not expired.
    pub async fn identify_token(&self, secret: &str) -> Result<Option<Identity>> {
        let Some(t) = self.store.token_by_hash(&sha256_hex(secret)).await? else {
            return Ok(None);
        };
        if t.expires_at.is_some_and(|e| e <= now_secs()) {
            return Ok(None);
        }
        Ok(Some(Identity::new(
            t.name,
            t.role.parse::<Role>()?,
            t.signoff_roles,
            Credential::Token,
        )))
    }

    /// The identity and session of a session cookie, if the session is
    /// known, not expired and its account still exists.
    pub async fn identify_session(&self, id: &str) -> Result<Option<(Identity, WebSession)>> {
        let Some(s) = self.store.session_by_hash(&sha256_hex(id)).await? else {
            return Ok(None);
        };
        if s.expires_at <= now_secs() {
            self.store.delete_session(&s.id_hash).await?;
            return Ok(None);
        }
        let Some(a) = self.store.account(&s.account).await? else {
            return Ok(None);
        };
        let identity = Identity::new(
            a.name,
            a.role.parse::<Role>()?,
            a.signoff_roles,
            Credential::Session {
                csrf_token: s.csrf_token.clone(),
            },
        );
        Ok(Some((identity, s)))
    }

    /// Checks a password login from `client` (its address). Any session
    /// the browser brought (`previous`) is ended whatever the outcome, and
    /// a success always starts a new session with a new ID: an ID known
    /// before login never becomes authenticated (session fixation).
    ///
    /// `client` is the peer's address (`None` when unknown: then only the
    /// per-account limit applies, rather than one bucket for everybody).
    pub async fn login(
        &self,
        name: &str,
        password: &str,
        client: Option<&str>,
        previous: Option<&str>,
    ) -> Result<Login> {
        if let Some(old) = previous {
            self.store.delete_session(&sha256_hex(old)).await?;
        }
        let mut keys = vec![format!("account:{name}")];
        keys.extend(client.map(|c| format!("ip:{c}")));
        let window = self.config.failure_window.as_millis() as i64;
        let max = self.config.max_failures;
        let now = now_ms();
        let mut wait_ms = 0i64;
        for key in keys.iter().filter(|_| max > 0) {
            let failures = self.store.login_failures(key, now - window).await?;
            if failures.len() >= max {
                let oldest_blocking = failures[failures.len() - max];
                wait_ms = wait_ms.max(oldest_blocking + window - now);
            }
        }
        if wait_ms > 0 {
            let secs = (wait_ms.max(1) as u64).div_ceil(1000);
            return Ok(Login::Limited {
                retry_after: Duration::from_secs(secs),
            });
        }
        let account = self.store.account(name).await?;
        let ok = match &account {
            Some(a) => verify_password(password, &a.password_hash),
            None => {
                verify_nothing(password);
                false
            }
        };
        if !ok {
            for key in &keys {
                self.store
                    .record_login_failure(key, now, now - window)
                    .await?;
            }
            return Ok(Login::Refused);
        }
        self.store.clear_login_failures(&keys[0]).await?;
        let session_id = random_secret()?;
        let csrf_token = random_secret()?;
        let created_at = now_secs();
        self.store
            .insert_session(&WebSession {
                id_hash: sha256_hex(&session_id),
                account: name.to_string(),
                csrf_token: csrf_token.clone(),
                expires_at: created_at + self.config.session_ttl.as_secs() as i64,
                created_at,
            })
            .await?;
        Ok(Login::Ok {
            session_id,
            csrf_token,
        })
    }

    /// Ends the session of this cookie value (nothing if unknown).
    pub async fn logout(&self, session_id: &str) -> Result<()> {
        self.store.delete_session(&sha256_hex(session_id)).await?;
        Ok(())
    }
}
