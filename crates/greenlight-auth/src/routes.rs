//! `GET /login`, `POST /login`, `POST /logout`: a plain HTML form (no
//! JavaScript). The login form is protected by a double-submit token (a
//! random value in the `gl_login_csrf` cookie and in the form); logout by
//! the session's CSRF token.

use crate::cookie::{LOGIN_CSRF_COOKIE, SESSION_COOKIE, read, set};
use crate::csrf::{MAX_FORM_BYTES, matches, submitted};
use crate::html::{escape, local_path};
use crate::reject::{AuthRejection, Refusal};
use crate::secret::random_secret;
use crate::service::{Auth, Login};
use axum::Router;
use axum::extract::{ConnectInfo, FromRef, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use std::net::SocketAddr;

/// The login and logout routes; merge them into the server's router (its
/// state must give an [`Auth`] through `FromRef`). Serve with
/// `into_make_service_with_connect_info::<SocketAddr>()` so failed logins
/// are also limited per client address.
pub fn routes<S>() -> Router<S>
where
    Auth: FromRef<S>,
    S: Clone + Send + Sync + 'static,
{
    Router::new()
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

/// The login page; `error` is shown above the form.
pub fn login_html(csrf: &str, next: &str, error: Option<&str>) -> String {
    let error = error
        .map(|e| format!("<p class=\"error\" role=\"alert\">{}</p>\n", escape(e)))
        .unwrap_or_default();
    format!(
        r#"<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Log in · greenlight</title>
<style>body{{font:16px system-ui,sans-serif;max-width:22rem;margin:4rem auto;padding:0 1rem}}
label,input,button{{display:block;width:100%;box-sizing:border-box;margin:.3rem 0}}
input{{padding:.4rem}}button{{padding:.5rem;margin-top:1rem}}.error{{color:#b00020}}</style>
</head>
<body>
<h1>greenlight</h1>
{error}<form method="post" action="/login">
<input type="hidden" name="csrf" value="{csrf}">
<input type="hidden" name="next" value="{next}">
<label for="name">Name</label><input id="name" name="name" autocomplete="username" required autofocus>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Log in</button>
</form>
</body>
</html>
"#,
        csrf = escape(csrf),
        next = escape(local_path(next)),
    )
}

fn with_cookie(mut response: Response, cookie: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(cookie) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

fn see_other(to: &str) -> Response {
    let mut r = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(to) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

fn refuse(refusal: Refusal, path: &str) -> Response {
    AuthRejection {
        refusal,
        html: true,
        path: path.into(),
    }
    .into_response()
}

/// The form's token: the session's when logged in (so the CSRF layer also
/// accepts the post), else a fresh random one.
async fn login_csrf(auth: &Auth, headers: &HeaderMap) -> Result<String, Refusal> {
    if let Some(id) = read(headers, SESSION_COOKIE)
        && let Ok(Some((_, session))) = auth.identify_session(&id).await
    {
        return Ok(session.csrf_token);
    }
    random_secret().map_err(|_| Refusal::Internal)
}

async fn login_page(
    State(auth): State<Auth>,
    Query(q): Query<NextQuery>,
    headers: HeaderMap,
) -> Response {
    let csrf = match login_csrf(&auth, &headers).await {
        Ok(t) => t,
        Err(r) => return refuse(r, "/login"),
    };
    let next = q.next.unwrap_or_else(|| "/".into());
    let page = Html(login_html(&csrf, &next, None)).into_response();
    with_cookie(
        page,
        &set(LOGIN_CSRF_COOKIE, &csrf, 3600, auth.config().secure_cookies),
    )
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    next: String,
}

async fn login(State(auth): State<Auth>, req: Request) -> Response {
    let client = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string());
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_FORM_BYTES).await else {
        return refuse(Refusal::Csrf, "/login");
    };
    let form: LoginForm = match serde_urlencoded::from_bytes(&bytes) {
        Ok(f) => f,
        Err(_) => return refuse(Refusal::Csrf, "/login"),
    };
    let expected = read(&parts.headers, LOGIN_CSRF_COOKIE).unwrap_or_default();
    if !matches(Some(form.csrf.as_str()), &expected) {
        return refuse(Refusal::Csrf, "/login");
    }
    let previous = read(&parts.headers, SESSION_COOKIE);
    let secure = auth.config().secure_cookies;
    match auth
        .login(
            &form.name,
            &form.password,
            client.as_deref(),
            previous.as_deref(),
        )
        .await
    {
        Err(_) => refuse(Refusal::Internal, "/login"),
        Ok(Login::Limited { retry_after }) => refuse(Refusal::RateLimited(retry_after), "/login"),
        Ok(Login::Refused) => {
            let page = login_html(&expected, &form.next, Some("Wrong name or password."));
            let response = (StatusCode::UNAUTHORIZED, Html(page)).into_response();
            // The old session (if any) was ended: drop its cookie too.
            with_cookie(response, &set(SESSION_COOKIE, "", 0, secure))
        }
        Ok(Login::Ok { session_id, .. }) => {
            let ttl = auth.config().session_ttl.as_secs();
            let response = see_other(local_path(&form.next));
            let response = with_cookie(response, &set(SESSION_COOKIE, &session_id, ttl, secure));
            with_cookie(response, &set(LOGIN_CSRF_COOKIE, "", 0, secure))
        }
    }
}

async fn logout(State(auth): State<Auth>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let secure = auth.config().secure_cookies;
    let cleared = |r: Response| with_cookie(r, &set(SESSION_COOKIE, "", 0, secure));
    let Some(id) = read(&parts.headers, SESSION_COOKIE) else {
        return cleared(see_other("/login"));
    };
    let session = match auth.identify_session(&id).await {
        Ok(Some((_, s))) => s,
        Ok(None) => return cleared(see_other("/login")),
        Err(_) => return refuse(Refusal::Internal, "/logout"),
    };
    let Ok(bytes) = axum::body::to_bytes(body, MAX_FORM_BYTES).await else {
        return refuse(Refusal::Csrf, "/logout");
    };
    if !matches(
        submitted(&parts.headers, &bytes).as_deref(),
        &session.csrf_token,
    ) {
        return refuse(Refusal::Csrf, "/logout");
    }
    match auth.logout(&id).await {
        Ok(()) => cleared(see_other("/login")),
        Err(_) => refuse(Refusal::Internal, "/logout"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_login_page() {
        insta::assert_snapshot!(login_html(
            "c0ffee",
            "/releases/\"2.4\"",
            Some("Wrong name or password.")
        ));
    }

    #[test]
    fn the_login_page_never_returns_off_site() {
        assert!(login_html("t", "//evil.example/", None).contains("name=\"next\" value=\"/\""));
    }
}
