//! The two cookies: the session (`gl_session`) and the login form's
//! double-submit CSRF token (`gl_login_csrf`).
//!
//! Both are `HttpOnly; SameSite=Lax; Path=/`, plus `Secure` when the server
//! is reached over TLS. Lax rather than Strict: a link to a release page in
//! a Slack notification or an e-mail must open logged in; Lax still keeps
//! the cookie off cross-site POSTs, and every state-changing form also
//! carries a CSRF token, while GETs change nothing.

use axum::http::HeaderMap;
use axum::http::header::COOKIE;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "gl_session";

/// The login form's CSRF cookie's name.
pub const LOGIN_CSRF_COOKIE: &str = "gl_login_csrf";

/// The value of cookie `name` in the request's `Cookie` headers.
pub fn read(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// A `Set-Cookie` value; `max_age` 0 deletes the cookie.
pub fn set(name: &str, value: &str, max_age: u64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_read_from_every_header() {
        let mut h = HeaderMap::new();
        h.append(COOKIE, "a=1; gl_session=abc".parse().unwrap());
        h.append(COOKIE, "gl_login_csrf=xyz".parse().unwrap());
        assert_eq!(read(&h, SESSION_COOKIE).as_deref(), Some("abc"));
        assert_eq!(read(&h, LOGIN_CSRF_COOKIE).as_deref(), Some("xyz"));
        assert_eq!(read(&h, "gl"), None);
    }

    #[test]
    fn set_cookie_has_the_attributes() {
        assert_eq!(
            set(SESSION_COOKIE, "v", 60, true),
            "gl_session=v; Path=/; HttpOnly; SameSite=Lax; Max-Age=60; Secure"
        );
        assert!(!set(SESSION_COOKIE, "v", 0, false).contains("Secure"));
    }
}
