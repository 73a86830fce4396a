//! [`AuthRejection`]: 401, 403, 429 or 500, as JSON under `/api` and for
//! non-browser clients, as a redirect to `/login` (401) or a short page
//! for browsers.

use crate::html::escape;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::time::Duration;

/// Why a request was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No token and no session cookie (401).
    NoCredentials,
    /// A token or session that is unknown, expired or revoked (401).
    BadCredentials,
    /// Authenticated, but the role (or sign-off binding) does not allow it (403).
    Forbidden(String),
    /// A state-changing form without the right CSRF token (403).
    Csrf,
    /// Too many failed logins (429).
    RateLimited(Duration),
    /// The store failed (500; the detail is not shown to the client).
    Internal,
}

/// A refusal and how to show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthRejection {
    /// Why.
    pub refusal: Refusal,
    /// Answer with HTML (a browser outside `/api`) rather than JSON.
    pub html: bool,
    /// The path asked for (where to return after login).
    pub path: String,
}

/// Whether to answer a request with HTML: outside `/api`, when it accepts
/// `text/html`.
pub fn wants_html(path: &str, headers: &HeaderMap) -> bool {
    let api = path == "/api" || path.starts_with("/api/");
    !api && headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"))
}

impl AuthRejection {
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self.refusal {
            Refusal::NoCredentials | Refusal::BadCredentials => StatusCode::UNAUTHORIZED,
            Refusal::Forbidden(_) | Refusal::Csrf => StatusCode::FORBIDDEN,
            Refusal::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            Refusal::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The message shown.
    pub fn message(&self) -> String {
        match &self.refusal {
            Refusal::NoCredentials => "authentication required".into(),
            Refusal::BadCredentials => "invalid or expired credentials".into(),
            Refusal::Forbidden(why) => why.clone(),
            Refusal::Csrf => "missing or invalid CSRF token".into(),
            Refusal::RateLimited(d) => {
                format!("too many failed logins; retry in {} s", d.as_secs())
            }
            Refusal::Internal => "internal error".into(),
        }
    }
}

impl IntoResponse for AuthRejection {
    fn into_response(self) -> Response {
        let status = self.status();
        let mut response = if self.html && status == StatusCode::UNAUTHORIZED {
            let next = crate::html::query_escape(&self.path);
            let mut r = StatusCode::SEE_OTHER.into_response();
            if let Ok(v) = HeaderValue::from_str(&format!("/login?next={next}")) {
                r.headers_mut().insert(header::LOCATION, v);
            }
            r
        } else if self.html {
            let body = format!(
                "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>{code}</title>\
                 <body><h1>{code}</h1><p>{msg}</p><p><a href=\"/\">Back</a></p></body></html>",
                code = status.as_u16(),
                msg = escape(&self.message())
            );
            (status, axum::response::Html(body)).into_response()
        } else {
            let body = serde_json::json!({ "error": self.message(), "status": status.as_u16() });
            (status, axum::Json(body)).into_response()
        };
        if status == StatusCode::UNAUTHORIZED && !self.html {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Refusal::RateLimited(d) = self.refusal {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(d.as_secs().max(1)));
        }
        response
    }
}
