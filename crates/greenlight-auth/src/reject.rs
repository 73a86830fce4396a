//! [`AuthRejection`]: 401, 403, 429 or 500, as JSON under `/api` and for
//! non-browser clients (`{"error": {"status", "code", "message"}}`, the
//! shape of every error of the server's API), as a redirect to `/login` (401) or a short page
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

    /// A short machine-readable code for the JSON answer.
    pub fn code(&self) -> &'static str {
        match self.refusal {
            Refusal::NoCredentials => "unauthenticated",
            Refusal::BadCredentials => "bad_credentials",
            Refusal::Forbidden(_) => "forbidden",
            Refusal::Csrf => "csrf",
            Refusal::RateLimited(_) => "rate_limited",
            Refusal::Internal => "internal",
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
            // The server's API errors look alike:
            // {"error": {"status": 401, "code": "…", "message": "…"}}.
            let body = serde_json::json!({ "error": {
                "status": status.as_u16(),
                "code": self.code(),
                "message": self.message(),
            } });
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

#[cfg(test)]
mod tests {
    use super::*;

    async fn json_of(refusal: Refusal) -> (StatusCode, serde_json::Value) {
        let r = AuthRejection {
            refusal,
            html: false,
            path: "/api/v1/releases".into(),
        }
        .into_response();
        let status = r.status();
        let bytes = axum::body::to_bytes(r.into_body(), 1 << 16).await.unwrap();
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    #[tokio::test]
    async fn json_refusals_have_the_api_error_shape() {
        for (refusal, status, code) in [
            (Refusal::NoCredentials, 401, "unauthenticated"),
            (Refusal::BadCredentials, 401, "bad_credentials"),
            (
                Refusal::Forbidden("approvers only".into()),
                403,
                "forbidden",
            ),
            (Refusal::Csrf, 403, "csrf"),
            (
                Refusal::RateLimited(Duration::from_secs(9)),
                429,
                "rate_limited",
            ),
        ] {
            let (got, body) = json_of(refusal).await;
            assert_eq!(got.as_u16(), status);
            assert_eq!(body["error"]["status"], status, "{body}");
            assert_eq!(body["error"]["code"], code, "{body}");
            assert!(
                body["error"]["message"]
                    .as_str()
                    .is_some_and(|m| !m.is_empty()),
                "{body}"
            );
        }
    }
}
