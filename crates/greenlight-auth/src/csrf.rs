//! CSRF protection for browser sessions: every state-changing request
//! (anything but GET, HEAD, OPTIONS) that authenticates with the session
//! cookie must carry the session's CSRF token, as the form field `csrf`
//! or the header `X-CSRF-Token`. Bearer-token requests are exempt (a
//! browser never adds that header on its own); requests without a valid
//! session pass on, to be refused (401) by the [`Identity`](crate::Identity)
//! extractor.

use crate::cookie::{SESSION_COOKIE, read};
use crate::reject::{AuthRejection, Refusal, wants_html};
use crate::secret::constant_time_eq;
use crate::service::Auth;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::{HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The header scripts may use instead of the form field.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The form field.
pub const CSRF_FIELD: &str = "csrf";

/// The largest form body read to find the token.
pub const MAX_FORM_BYTES: usize = 1 << 20;

/// The token a request submits: the header, else the form field.
pub fn submitted(headers: &HeaderMap, body: &[u8]) -> Option<String> {
    if let Some(v) = headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()) {
        return Some(v.to_string());
    }
    let is_form = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return None;
    }
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == CSRF_FIELD)
        .map(|(_, v)| v)
}

/// Whether `given` is the expected token (constant time, never empty).
pub fn matches(given: Option<&str>, expected: &str) -> bool {
    !expected.is_empty() && given.is_some_and(|g| constant_time_eq(g, expected))
}

/// The layer: `router.layer(axum::middleware::from_fn_with_state(auth, csrf_guard))`.
pub async fn csrf_guard(State(auth): State<Auth>, req: Request, next: Next) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if safe || req.headers().contains_key(AUTHORIZATION) {
        return next.run(req).await;
    }
    let Some(id) = read(req.headers(), SESSION_COOKIE) else {
        return next.run(req).await;
    };
    let path = req.uri().path().to_string();
    let html = wants_html(&path, req.headers());
    let refuse = |refusal| {
        AuthRejection {
            refusal,
            html,
            path: path.clone(),
        }
        .into_response()
    };
    let session = match auth.identify_session(&id).await {
        Ok(Some((_, session))) => session,
        Ok(None) => return next.run(req).await,
        Err(_) => return refuse(Refusal::Internal),
    };
    let (parts, body) = req.into_parts();
    let bytes: Bytes = match axum::body::to_bytes(body, MAX_FORM_BYTES).await {
        Ok(b) => b,
        Err(_) => return refuse(Refusal::Csrf),
    };
    if !matches(
        submitted(&parts.headers, &bytes).as_deref(),
        &session.csrf_token,
    ) {
        return refuse(Refusal::Csrf);
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_comes_from_the_header_or_the_form() {
        let mut h = HeaderMap::new();
        h.insert(
            CONTENT_TYPE,
            "application/x-www-form-urlencoded".parse().unwrap(),
        );
        assert_eq!(submitted(&h, b"a=1&csrf=t%2B1").as_deref(), Some("t+1"));
        assert_eq!(submitted(&h, b"a=1"), None);
        h.insert(CSRF_HEADER, "hdr".parse().unwrap());
        assert_eq!(submitted(&h, b"csrf=form").as_deref(), Some("hdr"));
        let json = HeaderMap::new();
        assert_eq!(submitted(&json, b"csrf=form"), None);
        assert!(matches(Some("abc"), "abc"));
        assert!(!matches(Some(""), ""));
        assert!(!matches(None, "abc"));
    }
}
