//! greenlight-auth decides who may do what on the greenlight server
//! (`greenlight serve`): accounts with argon2id password hashes, API
//! tokens, browser sessions, the four roles, CSRF tokens and limits on
//! failed logins. Everything is kept in the run store (SQLite or
//! PostgreSQL; see greenlight-store's `accounts`, `api_tokens`,
//! `web_sessions`, `login_failures`), so several `serve` processes on one
//! PostgreSQL store share logins and limits.
//!
//! # Roles
//!
//! Each role may do everything the roles above it in this table may do.
//! An approver (or admin) is *bound* to sign-off roles of the checklist
//! (`QA Lead`, `Product Owner`, …) and signs only for those; roles are
//! compared as `greenlight signoff --role` compares them (trimmed, case
//! ignored; [`normalize_signoff_role`]).
//!
//! | Act                                                      | viewer | operator | approver | admin |
//! |----------------------------------------------------------|:------:|:--------:|:--------:|:-----:|
//! | read releases, runs, evidence, events, verdicts, reports |   ✓    |    ✓     |    ✓     |   ✓   |
//! | start a run                                              |        |    ✓     |    ✓     |   ✓   |
//! | check or uncheck a manual item (with a note)             |        |    ✓     |    ✓     |   ✓   |
//! | waive an item                                            |        |          |    ✓     |   ✓   |
//! | sign off / revoke a sign-off as a *bound* role           |        |          |    ✓     |   ✓   |
//! | create and delete accounts and API tokens                |        |          |          |   ✓   |
//!
//! An admin bound to no sign-off role cannot sign off: sign-off stays a
//! named person's act. [`Action`] and [`permits`] encode this table;
//! handlers call [`Identity::allow`] or [`Identity::require`].
//!
//! # Credentials
//!
//! - **Passwords**: argon2id PHC strings (crate defaults: 19 MiB, 2 passes),
//!   verified by the argon2 crate in constant time; at least
//!   [`MIN_PASSWORD_CHARS`] characters. Unknown names cost the same work.
//! - **API tokens** (`Authorization: Bearer glt_…`): 256 random bits from
//!   ring's `SystemRandom`, shown once by [`create_token`], stored as
//!   SHA-256; a name (the actor), a role, sign-off roles and an optional
//!   expiry. A bad, expired or deleted token is 401.
//! - **Sessions** (cookie `gl_session`): 256 random bits, stored as
//!   SHA-256 with an expiry and a CSRF token. Login always makes a new ID
//!   and ends any session the browser brought, so an ID planted before
//!   login never becomes authenticated. Logout deletes the session.
//!   Cookies are `HttpOnly; SameSite=Lax; Path=/`, `Secure` with
//!   [`AuthConfig::secure_cookies`] (see [`cookie`] for why Lax).
//! - **CSRF**: the [`csrf_guard`] layer refuses (403) any non-GET request
//!   made with the session cookie that lacks the session's token (form
//!   field `csrf` or header `X-CSRF-Token`). The login form uses a
//!   double-submit cookie.
//! - **Failed logins**: at most [`AuthConfig::max_failures`] (5) per
//!   account and per client address in a sliding [`AuthConfig::failure_window`]
//!   (60 s); then 429 with `Retry-After`, without checking the password.
//!   Counted in the store, so all processes share the limit.
//!
//! # Refusals
//!
//! [`AuthRejection`]: 401 without or with bad credentials, 403 for the
//! wrong role or a missing CSRF token, 429 when limited — as JSON under
//! `/api` (and for clients that do not accept HTML), as a 303 to
//! `/login?next=…` (401) or a short HTML page otherwise.
//!
//! # Wiring (for the server)
//!
//! ```ignore
//! #[derive(Clone)] struct AppState { auth: Auth, /* … */ }
//! impl FromRef<AppState> for Auth { fn from_ref(s: &AppState) -> Auth { s.auth.clone() } }
//! let app = Router::new()
//!     .route("/api/runs", post(start_run))
//!     .merge(greenlight_auth::routes())
//!     .layer(axum::middleware::from_fn_with_state(state.auth.clone(), greenlight_auth::csrf_guard))
//!     .with_state(state);
//! axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await?;
//! async fn start_run(who: Identity) -> Result<Json<…>, AuthRejection> {
//!     who.allow(&Action::StartRun)?; // then record acts with actor = who.name
//! }
//! ```

#![warn(missing_docs)]
#![forbid(unsafe_code)]

mod admin;
pub mod cookie;
mod csrf;
mod error;
mod html;
mod identity;
mod reject;
mod role;
mod routes;
mod secret;
mod service;

pub use admin::{
    ADMIN_PASSWORD_ENV, MIN_PASSWORD_CHARS, NewToken, TOKEN_PREFIX, admin_password, check_name,
    create_account, create_token, delete_account, delete_token, init_admin, set_password,
};
pub use csrf::{CSRF_FIELD, CSRF_HEADER, csrf_guard};
pub use error::{AuthError, Result};
pub use identity::{Credential, Identity};
pub use reject::{AuthRejection, Refusal};
pub use role::{Action, Role, UnknownRole, normalize_signoff_role, permits};
pub use routes::{login_html, routes};
pub use secret::{hash_password, sha256_hex, verify_password};
pub use service::{Auth, AuthConfig, Login};
