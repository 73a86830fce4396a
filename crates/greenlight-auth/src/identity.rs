//! [`Identity`]: who is asking, as an axum extractor. A request
//! authenticates with `Authorization: Bearer TOKEN` or the session cookie;
//! a bearer header that is present but wrong is refused (it never falls
//! back to the cookie).

use crate::cookie::{SESSION_COOKIE, read};
use crate::reject::{AuthRejection, Refusal, wants_html};
use crate::role::{Action, Role, permits};
use crate::service::Auth;
use axum::extract::{FromRef, FromRequestParts};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

/// How a request authenticated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Credential {
    /// An API token (no CSRF: nothing ambient to forge).
    Token,
    /// A browser session, with its CSRF token for forms.
    Session {
        /// Put it in every form as the field `csrf`.
        csrf_token: String,
    },
}

/// An authenticated person or token. Record `name` as the actor of every
/// act done on its behalf.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    /// The account or token name.
    pub name: String,
    /// What it may do.
    pub role: Role,
    /// The checklist sign-off roles it may sign for (as given, e.g. `QA Lead`).
    pub signoff_roles: Vec<String>,
    /// Token or session.
    pub credential: Credential,
    /// How to show refusals (set by the extractor from the request).
    html: bool,
    path: String,
}

impl Identity {
    /// An identity (the extractor fills in how refusals are shown).
    pub fn new(
        name: String,
        role: Role,
        signoff_roles: Vec<String>,
        credential: Credential,
    ) -> Identity {
        Identity {
            name,
            role,
            signoff_roles,
            credential,
            html: false,
            path: String::new(),
        }
    }

    /// The session's CSRF token, for rendering forms (`None` for tokens).
    pub fn csrf_token(&self) -> Option<&str> {
        match &self.credential {
            Credential::Session { csrf_token } => Some(csrf_token),
            Credential::Token => None,
        }
    }

    /// Whether this identity may do `action` (see the crate's table).
    pub fn may(&self, action: &Action) -> bool {
        permits(self.role, &self.signoff_roles, action)
    }

    /// `Ok` if the role is at least `least`, else a 403 rejection.
    pub fn require(&self, least: Role) -> Result<(), AuthRejection> {
        if self.role >= least {
            return Ok(());
        }
        Err(self.forbidden(format!(
            "{} is {}; this needs {least} or higher",
            self.name, self.role
        )))
    }

    /// `Ok` if [`Identity::may`] do `action`, else a 403 rejection naming why.
    pub fn allow(&self, action: &Action) -> Result<(), AuthRejection> {
        if self.may(action) {
            return Ok(());
        }
        self.require(action.least_role())?;
        let why = match action {
            Action::SignOff(role) => format!(
                "{} may not sign off as “{}” (bound to: {})",
                self.name,
                role.trim(),
                if self.signoff_roles.is_empty() {
                    "no sign-off role".to_string()
                } else {
                    self.signoff_roles.join(", ")
                }
            ),
            _ => format!("{} may not do this", self.name),
        };
        Err(self.forbidden(why))
    }

    fn forbidden(&self, why: String) -> AuthRejection {
        AuthRejection {
            refusal: Refusal::Forbidden(why),
            html: self.html,
            path: self.path.clone(),
        }
    }
}

/// The bearer token of a request: `Some(Ok(token))`, `Some(Err(()))` for a
/// malformed header, `None` without one.
pub(crate) fn bearer(parts: &Parts) -> Option<Result<String, ()>> {
    let value = parts.headers.get(AUTHORIZATION)?;
    let token = value
        .to_str()
        .ok()
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim().to_string())
        .filter(|t| !t.is_empty());
    Some(token.ok_or(()))
}

impl<S> FromRequestParts<S> for Identity
where
    Auth: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let auth = Auth::from_ref(state);
        let path = parts.uri.path().to_string();
        let html = wants_html(&path, &parts.headers);
        let reject = |refusal| AuthRejection {
            refusal,
            html,
            path: parts
                .uri
                .path_and_query()
                .map_or(path.clone(), |p| p.to_string()),
        };
        let found = match bearer(parts) {
            Some(Err(())) => return Err(reject(Refusal::BadCredentials)),
            Some(Ok(token)) => auth.identify_token(&token).await,
            None => match read(&parts.headers, SESSION_COOKIE) {
                None => return Err(reject(Refusal::NoCredentials)),
                Some(id) => auth
                    .identify_session(&id)
                    .await
                    .map(|found| found.map(|(identity, _)| identity)),
            },
        };
        match found {
            Ok(Some(mut identity)) => {
                identity.html = html;
                identity.path = path;
                Ok(identity)
            }
            Ok(None) => Err(reject(Refusal::BadCredentials)),
            Err(_) => Err(reject(Refusal::Internal)),
        }
    }
}
