//! Auth over real HTTP on loopback against a real store, on SQLite and on
//! the machine's PostgreSQL (a schema of its own per test; the PostgreSQL
//! variants pass with a note when the server is down, unless
//! `GREENLIGHT_REQUIRE_SERVICES=1`).

mod support;

use greenlight_auth::{
    AuthConfig, AuthError, Role, create_token, delete_token, init_admin, sha256_hex,
};
use std::time::Duration;
use support::{Backend, PASSWORD, World};

/// Each scenario on both backends.
macro_rules! on_both {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                super::$name(super::Backend::sqlite(stringify!($name))).await;
            })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                if let Some(b) = super::Backend::postgres(stringify!($name)).await {
                    super::$name(b).await;
                }
            })*
        }
    };
}

on_both!(
    tokens_authenticate_and_bad_ones_get_401,
    roles_are_enforced_with_403,
    approvers_sign_off_only_for_their_bound_roles,
    forms_without_the_csrf_token_get_403,
    login_rotates_the_session_and_refuses_planted_ids,
    logout_ends_the_session,
    failed_logins_are_limited_and_recover,
    secrets_are_never_stored,
    init_admin_only_bootstraps_once,
    concurrent_bootstraps_make_one_admin,
);

/// The defaults with a short failure window (long enough that five
/// argon2 checks on a busy machine fit in it).
fn quick() -> AuthConfig {
    AuthConfig {
        failure_window: Duration::from_secs(8),
        ..AuthConfig::default()
    }
}

fn bearer(secret: &str) -> String {
    format!("Bearer {secret}")
}

async fn tokens_authenticate_and_bad_ones_get_401(backend: Backend) {
    let w = World::new(backend, quick()).await;
    // No credentials: 401 JSON under /api, a redirect to the login page for a browser.
    let r = w.get("/api/state", &[]).await;
    assert_eq!(r.status, 401, "{}", r.body);
    assert_eq!(r.header("www-authenticate"), Some("Bearer"));
    assert!(r.body.contains("\"authentication required\""), "{}", r.body);
    let r = w
        .get("/releases/r1?tab=2", &[("accept", "text/html")])
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(
        r.header("location"),
        Some("/login?next=/releases/r1%3Ftab%3D2")
    );

    let ok = create_token(&w.store, "ci-bot", Role::Operator, &[], None, "root")
        .await
        .unwrap();
    let r = w
        .get("/api/state", &[("authorization", &bearer(&ok.secret))])
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body, r#"{"name":"ci-bot","role":"operator"}"#);

    // Unknown token, malformed header, a basic-auth header: 401, never a fallback.
    for h in [
        bearer("glt_0000"),
        "Bearer".into(),
        format!("Basic {}", ok.secret),
    ] {
        let r = w.get("/api/state", &[("authorization", &h)]).await;
        assert_eq!(r.status, 401, "{h}: {}", r.body);
        assert!(
            r.body.contains("invalid or expired credentials"),
            "{}",
            r.body
        );
    }

    // An expired token: one with no validity left, and one valid for two
    // seconds (accepted at once, refused after).
    let gone = create_token(
        &w.store,
        "gone",
        Role::Admin,
        &[],
        Some(Duration::ZERO),
        "root",
    )
    .await
    .unwrap();
    let r = w
        .get("/api/state", &[("authorization", &bearer(&gone.secret))])
        .await;
    assert_eq!(r.status, 401, "{}", r.body);
    let short = create_token(
        &w.store,
        "short",
        Role::Viewer,
        &[],
        Some(Duration::from_secs(2)),
        "root",
    )
    .await
    .unwrap();
    let h = bearer(&short.secret);
    assert_eq!(
        w.get("/api/state", &[("authorization", &h)]).await.status,
        200
    );
    tokio::time::sleep(Duration::from_millis(3100)).await;
    assert_eq!(
        w.get("/api/state", &[("authorization", &h)]).await.status,
        401
    );

    // A deleted token stops working at once.
    delete_token(&w.store, "ci-bot").await.unwrap();
    let r = w
        .get("/api/state", &[("authorization", &bearer(&ok.secret))])
        .await;
    assert_eq!(r.status, 401);
}

async fn roles_are_enforced_with_403(backend: Backend) {
    let w = World::new(backend, quick()).await;
    let viewer = create_token(&w.store, "dash", Role::Viewer, &[], None, "root")
        .await
        .unwrap();
    let operator = create_token(&w.store, "ci", Role::Operator, &[], None, "root")
        .await
        .unwrap();
    let admin = create_token(&w.store, "ops", Role::Admin, &[], None, "root")
        .await
        .unwrap();
    let as_ = |t: &str| vec![("authorization", bearer(t))];
    let call = |path: &'static str, t: String| {
        let w = &w;
        async move { w.post_json(path, &[("authorization", t.as_str())]).await }
    };
    let r = call("/api/runs", as_(&viewer.secret)[0].1.clone()).await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(
        r.body
            .contains("dash is viewer; this needs operator or higher"),
        "{}",
        r.body
    );
    let r = call("/api/runs", as_(&operator.secret)[0].1.clone()).await;
    assert_eq!((r.status, r.body.as_str()), (200, "run started by ci"));
    let r = call("/api/accounts", as_(&operator.secret)[0].1.clone()).await;
    assert_eq!(r.status, 403, "{}", r.body);
    let r = call("/api/accounts", as_(&admin.secret)[0].1.clone()).await;
    assert_eq!((r.status, r.body.as_str()), (200, "account managed by ops"));

    // The same rules for a browser session (with its CSRF token): 403 as HTML.
    let (id, csrf) = w.session("vera").await;
    let r = w
        .post_form(
            "/releases/r1/signoff",
            &[
                ("cookie", &format!("gl_session={id}")),
                ("accept", "text/html"),
            ],
            &format!("role=QA+Lead&csrf={csrf}"),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(r.body.starts_with("<!doctype html>"), "{}", r.body);
}

async fn approvers_sign_off_only_for_their_bound_roles(backend: Backend) {
    let w = World::new(backend, quick()).await;
    let (id, csrf) = w.session("alice").await;
    let cookie = format!("gl_session={id}");
    let sign = |role: &'static str| {
        let (w, cookie, csrf) = (&w, cookie.clone(), csrf.clone());
        async move {
            w.post_form(
                "/releases/r1/signoff",
                &[("cookie", &cookie)],
                &format!("role={role}&csrf={csrf}"),
            )
            .await
        }
    };
    // The CLI's comparison: trimmed, case ignored.
    let r = sign("+qa+LEAD+").await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (200, "alice signed as  qa LEAD ")
    );
    let r = sign("Product+Owner").await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(
        r.body
            .contains("alice may not sign off as “Product Owner” (bound to: QA Lead)"),
        "{}",
        r.body
    );
    // An operator cannot sign at all.
    let (id, csrf) = w.session("otto").await;
    let r = w
        .post_form(
            "/releases/r1/signoff",
            &[("cookie", &format!("gl_session={id}"))],
            &format!("role=QA+Lead&csrf={csrf}"),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
}

async fn forms_without_the_csrf_token_get_403(backend: Backend) {
    let w = World::new(backend, quick()).await;
    let (id, csrf) = w.session("alice").await;
    let cookie = format!("gl_session={id}");
    for form in [
        "role=QA+Lead".to_string(),
        "role=QA+Lead&csrf=".to_string(),
        format!("role=QA+Lead&csrf={}", sha256_hex("guess")),
        format!("role=QA+Lead&csrf={}", &csrf[..63]),
    ] {
        let r = w
            .post_form("/releases/r1/signoff", &[("cookie", &cookie)], &form)
            .await;
        assert_eq!(r.status, 403, "{form}: {}", r.body);
        assert!(
            r.body.contains("missing or invalid CSRF token"),
            "{}",
            r.body
        );
    }
    // The header works as well as the field; the right token passes.
    let r = w
        .post_form(
            "/releases/r1/signoff",
            &[("cookie", &cookie), ("x-csrf-token", &csrf)],
            "role=QA+Lead",
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    // Any state-changing request made with the cookie needs it, JSON too
    // (alice is an approver, so the role allows starting a run).
    let r = w.post_json("/api/runs", &[("cookie", &cookie)]).await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(
        r.body.contains("\"missing or invalid CSRF token\""),
        "{}",
        r.body
    );
    let r = w
        .post_json("/api/runs", &[("cookie", &cookie), ("x-csrf-token", &csrf)])
        .await;
    assert_eq!((r.status, r.body.as_str()), (200, "run started by alice"));
    // Another session's token is not this session's.
    let (_, other_csrf) = w.session("alice").await;
    let r = w
        .post_form(
            "/releases/r1/signoff",
            &[("cookie", &cookie)],
            &format!("role=QA+Lead&csrf={other_csrf}"),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.body);

    // The login form: no token, or a token that is not the cookie's.
    let token = w.login_form("").await;
    let r = w
        .post_form(
            "/login",
            &[("cookie", &format!("gl_login_csrf={token}"))],
            &format!("name=alice&password={}", PASSWORD.replace(' ', "+")),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
    let r = w
        .post_form(
            "/login",
            &[],
            &format!(
                "name=alice&password={}&csrf={token}",
                PASSWORD.replace(' ', "+")
            ),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(r.cookie("gl_session").is_none());
}

async fn login_rotates_the_session_and_refuses_planted_ids(backend: Backend) {
    let w = World::new(backend, quick()).await;
    // An attacker plants a session ID before the victim logs in.
    let planted = "a".repeat(64);
    let r = w
        .login("alice", PASSWORD, &format!("gl_session={planted}"))
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.header("location"), Some("/releases/r1"));
    let line = r.set_cookie("gl_session").unwrap().to_string();
    assert!(
        line.contains("; Path=/; HttpOnly; SameSite=Lax; Max-Age=43200"),
        "{line}"
    );
    assert!(!line.contains("Secure"), "plain HTTP: {line}");
    let fresh = r.cookie("gl_session").unwrap();
    assert_ne!(fresh, planted);
    assert_eq!(fresh.len(), 64);
    let with = |id: &str| format!("gl_session={id}");
    assert_eq!(
        w.get("/api/state", &[("cookie", &with(&planted))])
            .await
            .status,
        401
    );
    let r = w.get("/api/state", &[("cookie", &with(&fresh))]).await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (200, r#"{"name":"alice","role":"approver"}"#)
    );

    // Logging in again with a valid session also rotates it, and ends the old one.
    let again = w.login("alice", PASSWORD, &with(&fresh)).await;
    assert_eq!(again.status, 303, "{}", again.body);
    let newer = again.cookie("gl_session").unwrap();
    assert_ne!(newer, fresh);
    assert_eq!(
        w.get("/api/state", &[("cookie", &with(&fresh))])
            .await
            .status,
        401
    );
    assert_eq!(
        w.get("/api/state", &[("cookie", &with(&newer))])
            .await
            .status,
        200
    );

    // A wrong password does not authenticate the ID the browser brought.
    let r = w.login("alice", "wrong password!", &with(&newer)).await;
    assert_eq!(r.status, 401, "{}", r.body);
    assert!(r.body.contains("Wrong name or password."), "{}", r.body);
    assert!(r.cookie("gl_session").is_some_and(|v| v.is_empty()));
    assert_eq!(
        w.get("/api/state", &[("cookie", &with(&newer))])
            .await
            .status,
        401
    );

    // Secure cookies when served over TLS.
    let secure = greenlight_auth::Auth::new(
        w.store.clone(),
        AuthConfig {
            secure_cookies: true,
            ..quick()
        },
    );
    match secure
        .login("otto", PASSWORD, Some("127.0.0.1"), None)
        .await
        .unwrap()
    {
        greenlight_auth::Login::Ok { session_id, .. } => {
            assert_eq!(session_id.len(), 64);
            assert!(
                greenlight_auth::cookie::set("gl_session", &session_id, 60, true)
                    .ends_with("; Secure")
            );
        }
        other => panic!("{other:?}"),
    }
}

async fn logout_ends_the_session(backend: Backend) {
    let w = World::new(backend, quick()).await;
    let (id, csrf) = w.session("otto").await;
    let cookie = format!("gl_session={id}");
    // Logout is a state change: without the token it is refused and the session lives.
    let r = w.post_form("/logout", &[("cookie", &cookie)], "").await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert_eq!(
        w.get("/api/state", &[("cookie", &cookie)]).await.status,
        200
    );
    let r = w
        .post_form("/logout", &[("cookie", &cookie)], &format!("csrf={csrf}"))
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.header("location"), Some("/login"));
    assert!(r.set_cookie("gl_session").unwrap().contains("Max-Age=0"));
    // Replaying the old cookie after logout: 401.
    let r = w.get("/api/state", &[("cookie", &cookie)]).await;
    assert_eq!(r.status, 401, "{}", r.body);
    let r = w
        .post_form(
            "/releases/r1/signoff",
            &[("cookie", &cookie)],
            &format!("role=x&csrf={csrf}"),
        )
        .await;
    assert_eq!(r.status, 401, "{}", r.body);
}

async fn failed_logins_are_limited_and_recover(backend: Backend) {
    let w = World::new(backend, quick()).await;
    for n in 1..=5 {
        let r = w.login("otto", "not the password", "").await;
        assert_eq!(r.status, 401, "failure {n}: {}", r.body);
    }
    // The sixth attempt is refused before the password is looked at.
    let r = w.login("otto", PASSWORD, "").await;
    assert_eq!(r.status, 429, "{}", r.body);
    let retry: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=8).contains(&retry), "Retry-After {retry}");
    assert!(r.cookie("gl_session").is_none());
    // The same address is also limited for other accounts (per-IP counter).
    let r = w.login("vera", PASSWORD, "").await;
    assert_eq!(r.status, 429, "{}", r.body);
    // Once Retry-After has passed, the right password works again.
    tokio::time::sleep(Duration::from_millis(retry * 1000 + 300)).await;
    let r = w.login("otto", PASSWORD, "").await;
    assert_eq!(r.status, 303, "{}", r.body);

    // Per account, whatever the address: the library call with other addresses.
    for n in 0..5 {
        let out = w
            .auth
            .login("vera", "nope nope nope", Some(&format!("10.0.0.{n}")), None)
            .await
            .unwrap();
        assert!(matches!(out, greenlight_auth::Login::Refused), "{out:?}");
    }
    let out = w
        .auth
        .login("vera", PASSWORD, Some("10.0.0.99"), None)
        .await
        .unwrap();
    assert!(
        matches!(out, greenlight_auth::Login::Limited { .. }),
        "{out:?}"
    );
    // Without a known address only the account counts (no shared bucket).
    let out = w.auth.login("otto", PASSWORD, None, None).await.unwrap();
    assert!(matches!(out, greenlight_auth::Login::Ok { .. }), "{out:?}");
}

async fn secrets_are_never_stored(backend: Backend) {
    let w = World::new(backend, quick()).await;
    let token = create_token(
        &w.store,
        "release-bot",
        Role::Approver,
        &["Product Owner".into()],
        Some(Duration::from_secs(3600)),
        "root",
    )
    .await
    .unwrap();
    assert!(token.secret.starts_with("glt_") && token.secret.len() == 68);
    let (session, csrf) = w.session("alice").await;
    assert_eq!(csrf.len(), 64);

    for a in w.store.accounts().await.unwrap() {
        assert!(
            a.password_hash
                .starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{}",
            a.password_hash
        );
        assert!(!a.password_hash.contains(PASSWORD));
        assert!(greenlight_auth::verify_password(PASSWORD, &a.password_hash));
    }
    let stored = w.store.tokens().await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].token_hash, sha256_hex(&token.secret));
    assert_eq!(stored[0].signoff_roles, ["Product Owner"]);
    assert!(stored[0].expires_at.is_some());
    assert!(
        w.store
            .session_by_hash(&sha256_hex(&session))
            .await
            .unwrap()
            .is_some()
    );
    assert!(w.store.session_by_hash(&session).await.unwrap().is_none());

    // Nowhere in the store's bytes: the password, the token, the session ID.
    let raw = w.backend.raw_contents().await;
    assert!(raw.len() > 200, "the raw dump reads the tables");
    let hay = String::from_utf8_lossy(&raw);
    assert!(
        hay.contains(&sha256_hex(&token.secret)),
        "the dump sees the token's hash"
    );
    for secret in [
        PASSWORD,
        token.secret.as_str(),
        &token.secret[4..],
        session.as_str(),
    ] {
        assert!(!hay.contains(secret), "{secret} leaked into the store");
    }
}

async fn init_admin_only_bootstraps_once(backend: Backend) {
    let w = World::new(backend, quick()).await;
    let err = init_admin(&w.store, "second", PASSWORD).await.unwrap_err();
    assert!(matches!(err, AuthError::AdminExists), "{err}");
    assert!(w.store.account("second").await.unwrap().is_none());
    let err = init_admin(&w.store, "root", PASSWORD).await.unwrap_err();
    assert!(
        err.to_string().starts_with("account `root` exists already"),
        "{err}"
    );
    // Tokens and accounts share names: no token may act as a person.
    let err = create_token(&w.store, "alice", Role::Viewer, &[], None, "root")
        .await
        .unwrap_err();
    assert!(
        err.to_string().starts_with("token `alice` exists already"),
        "{err}"
    );
    create_token(&w.store, "ci", Role::Viewer, &[], None, "root")
        .await
        .unwrap();
    let err = greenlight_auth::create_account(&w.store, "ci", PASSWORD, Role::Viewer, &[])
        .await
        .unwrap_err();
    assert!(
        err.to_string().starts_with("account `ci` exists already"),
        "{err}"
    );
    let err = greenlight_auth::create_account(&w.store, "bob", "short", Role::Viewer, &[])
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "the password is too short: at least 10 characters"
    );
    let r = w.login("root", PASSWORD, "").await;
    assert_eq!(r.status, 303, "the bootstrap admin logs in: {}", r.body);
}

async fn concurrent_bootstraps_make_one_admin(backend: Backend) {
    // Eight connections (as of eight processes) insert at the same moment.
    let spec = backend.spec();
    let hash = greenlight_auth::hash_password(PASSWORD).unwrap();
    let mut stores = Vec::new();
    for _ in 0..8 {
        stores.push(greenlight_store::Store::open(&spec).await.unwrap());
    }
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(stores.len()));
    let mut racers = Vec::new();
    for (n, store) in stores.into_iter().enumerate() {
        let (barrier, hash) = (barrier.clone(), hash.clone());
        racers.push(tokio::spawn(async move {
            let account = greenlight_store::Account {
                name: format!("admin{n}"),
                password_hash: hash,
                role: "admin".into(),
                signoff_roles: vec![],
                created_at: 0,
            };
            barrier.wait().await;
            store.insert_first_admin(&account).await.unwrap()
        }));
    }
    let mut made = 0;
    for r in racers {
        made += usize::from(r.await.unwrap());
    }
    let store = greenlight_store::Store::open(&spec).await.unwrap();
    let admins = store.accounts().await.unwrap();
    assert_eq!((made, admins.len()), (1, 1), "{admins:?}");
    // And through the library: refused now.
    let err = init_admin(&store, "late", PASSWORD).await.unwrap_err();
    assert!(matches!(err, AuthError::AdminExists), "{err}");
}
