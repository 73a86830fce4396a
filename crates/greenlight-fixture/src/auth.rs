//! Bearer-token rules shared by every protected route.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::config::Tokens;

/// Who a valid token belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Principal {
    User,
    Admin,
}

impl Principal {
    /// Stable owner id, used for stream ownership and profiles.
    pub(crate) fn id(self) -> &'static str {
        match self {
            Principal::User => "u-1001",
            Principal::Admin => "u-0001",
        }
    }

    pub(crate) fn role(self) -> &'static str {
        match self {
            Principal::User => "user",
            Principal::Admin => "admin",
        }
    }

    pub(crate) fn profile(self) -> serde_json::Value {
        match self {
            Principal::User => json!({
                "id": self.id(), "email": "user@example.com", "name": "Fixture User",
                "role": self.role(), "provider": "google",
            }),
            Principal::Admin => json!({
                "id": self.id(), "email": "admin@example.com", "name": "Fixture Admin",
                "role": self.role(), "provider": "github",
            }),
        }
    }
}

/// Why a request was not authenticated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AuthError {
    Missing,
    Invalid,
    Revoked,
    Expired,
}

impl AuthError {
    fn reason(self) -> &'static str {
        match self {
            AuthError::Missing => "missing_token",
            AuthError::Invalid => "invalid_token",
            AuthError::Revoked => "token_revoked",
            AuthError::Expired => "token_expired",
        }
    }
}

impl IntoResponse for AuthError {
    fn into_response(self) -> Response {
        let mut resp = (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({"error": "unauthorized", "reason": self.reason()})),
        )
            .into_response();
        let challenge = match self {
            AuthError::Missing => "Bearer",
            _ => "Bearer error=\"invalid_token\"",
        };
        resp.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static(challenge),
        );
        resp
    }
}

/// The token of an `Authorization: Bearer …` header, if there is one.
/// `Some("")` for a malformed header (wrong scheme), which then counts as invalid.
pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?;
    let Ok(value) = value.to_str() else {
        return Some("");
    };
    let value = value.trim();
    match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => Some(token.trim()),
        _ => Some(""),
    }
}

/// Classifies a presented token.
pub(crate) fn check(tokens: &Tokens, token: &str) -> Result<Principal, AuthError> {
    if token.is_empty() {
        Err(AuthError::Invalid)
    } else if token == tokens.admin {
        Ok(Principal::Admin)
    } else if token == tokens.user {
        Ok(Principal::User)
    } else if token == tokens.revoked {
        Err(AuthError::Revoked)
    } else if token == tokens.expired {
        Err(AuthError::Expired)
    } else {
        Err(AuthError::Invalid)
    }
}

/// A token is required: missing or bad → error.
pub(crate) fn require(tokens: &Tokens, headers: &HeaderMap) -> Result<Principal, AuthError> {
    match bearer(headers) {
        None => Err(AuthError::Missing),
        Some(t) => check(tokens, t),
    }
}

/// A token is optional, but one that is presented must be valid.
pub(crate) fn optional(
    tokens: &Tokens,
    token: Option<&str>,
) -> Result<Option<Principal>, AuthError> {
    token.map(|t| check(tokens, t)).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, HeaderValue::from_str(v).unwrap());
        h
    }

    #[test]
    fn token_classification() {
        let t = Tokens::default();
        assert_eq!(require(&t, &HeaderMap::new()), Err(AuthError::Missing));
        assert_eq!(
            require(&t, &headers("Bearer user-token")),
            Ok(Principal::User)
        );
        assert_eq!(
            require(&t, &headers("bearer  admin-token ")),
            Ok(Principal::Admin)
        );
        assert_eq!(
            require(&t, &headers("Bearer revoked-token")),
            Err(AuthError::Revoked)
        );
        assert_eq!(
            require(&t, &headers("Bearer expired-token")),
            Err(AuthError::Expired)
        );
        assert_eq!(
            require(&t, &headers("Bearer nope")),
            Err(AuthError::Invalid)
        );
        assert_eq!(
            require(&t, &headers("Basic dXNlcjpw")),
            Err(AuthError::Invalid)
        );
        assert_eq!(require(&t, &headers("Bearer ")), Err(AuthError::Invalid));
        assert_eq!(optional(&t, None), Ok(None));
    }
}
