//! Auth over HTTP against the real `greenlight serve` (issue 12, item 6):
//! the served routes, not greenlight-auth's own test router. No
//! credentials: 401; the wrong role: 403; a form POST without its CSRF
//! token: 403; a session cookie planted before login is not
//! authenticated after it. Each refusal has a granted twin, so the test
//! fails if the server refused everything.

use crate::room::{PASSWORD, SIGNOFF_ROLE, add_token, add_user, gl_env, seeded_release};
use crate::run::start;
use crate::serve::{Serve, connect, hidden, read_chunk};
use greenlight_fixture::Faults;
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};

const RELEASE: &str = "auth/1.0";

/// One HTTP/1.1 exchange.
struct Answer {
    status: u16,
    /// Header (name lower-cased, value as sent).
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The value this answer sets cookie `name` to.
    fn set_cookie(&self, name: &str) -> Option<String> {
        let prefix = format!("{name}=");
        self.set_cookie_line(name)
            .and_then(|v| v.strip_prefix(&prefix))
            .map(|v| v.split(';').next().unwrap_or("").to_string())
    }

    /// The whole `Set-Cookie` value for cookie `name`.
    fn set_cookie_line(&self, name: &str) -> Option<&str> {
        let prefix = format!("{name}=");
        self.headers
            .iter()
            .filter(|(n, _)| n == "set-cookie")
            .map(|(_, v)| v.as_str())
            .find(|v| v.starts_with(&prefix))
    }
}

/// Sends `method path` with `headers` and an optional form body; keeps the
/// header lines' case for cookie values (read raw).
fn send(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    form: Option<&str>,
) -> Answer {
    let mut s = connect(addr);
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    if let Some(body) = form {
        req.push_str(&format!(
            "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ));
    } else {
        req.push_str("\r\n");
    }
    s.write_all(req.as_bytes()).unwrap();
    let mut r = BufReader::new(s);
    let mut line = String::new();
    r.read_line(&mut line).unwrap();
    let status: u16 = line
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {line:?}"));
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        r.read_line(&mut line).unwrap();
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((n, v)) = line.split_once(':') {
            headers.push((n.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    let mut body = Vec::new();
    let chunked = headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.eq_ignore_ascii_case("chunked"));
    if chunked {
        while let Some(c) = read_chunk(&mut r) {
            body.extend(c);
        }
    } else {
        r.read_to_end(&mut body).unwrap();
    }
    Answer {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

/// A form body from pairs (percent-encoded).
fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", crate::serve::seg(k), crate::serve::seg(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Logs in through the form; returns the session cookie's value. With
/// `planted`, the browser already carries that session cookie.
fn log_in(addr: &str, name: &str, planted: Option<&str>) -> String {
    // A browser sends its cookies with every request, the login page too.
    let carried = planted.map(|p| format!("gl_session={p}"));
    let page_headers: Vec<(&str, &str)> = carried.iter().map(|c| ("Cookie", c.as_str())).collect();
    let page = send(addr, "GET", "/login", &page_headers, None);
    assert_eq!(page.status, 200, "{}", page.body);
    let csrf = hidden(&page.body, "csrf").expect("the login form has a CSRF field");
    let mut cookie = format!("gl_login_csrf={csrf}");
    if let Some(p) = planted {
        cookie.push_str(&format!("; gl_session={p}"));
    }
    let done = send(
        addr,
        "POST",
        "/login",
        &[("Cookie", &cookie)],
        Some(&form(&[
            ("csrf", &csrf),
            ("name", name),
            ("password", PASSWORD),
            ("next", "/"),
        ])),
    );
    assert_eq!(done.status, 303, "login as {name}: {}", done.body);
    done.set_cookie("gl_session")
        .filter(|v| !v.is_empty())
        .expect("login sets a session cookie")
}

/// A page fetched with a session: (status, body).
fn page_as(addr: &str, path: &str, session: &str) -> Answer {
    send(
        addr,
        "GET",
        path,
        &[
            ("Cookie", &format!("gl_session={session}")),
            ("Accept", "text/html"),
        ],
        None,
    )
}

struct Room {
    server: Serve,
    store: String,
    run: String,
    _env: crate::run::Env,
}

fn room(name: &str) -> Room {
    let env = start(name, Faults::NONE);
    let store = env.dir.join("runs.db").display().to_string();
    let (_, run) = seeded_release(&env, RELEASE);
    add_user(&store, "vera", "viewer", &[]);
    add_user(&store, "otto", "operator", &[]);
    add_user(&store, "quinn", "approver", &[SIGNOFF_ROLE]);
    let server = Serve::start(&store);
    Room {
        server,
        store,
        run,
        _env: env,
    }
}

fn signed(store: &str, run: &str, role: &str) -> bool {
    let out = gl_env(&["status", run, "--json"], store, &[]);
    let status: Value = serde_json::from_slice(&out.stdout).unwrap();
    status["signoffs"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["role"] == role && s["signed"] == true)
}

#[test]
fn no_credentials_is_401_and_the_login_page_for_browsers() {
    let r = room("auth-none");
    let addr = &r.server.addr;
    for path in ["/api/v1/releases", &format!("/api/v1/runs/{}", r.run)] {
        let a = send(addr, "GET", path, &[], None);
        assert_eq!(a.status, 401, "GET {path}: {}", a.body);
        let body: Value =
            serde_json::from_str(&a.body).unwrap_or_else(|e| panic!("{e}: {}", a.body));
        assert_eq!(body["error"]["status"], 401, "{body}");
        // A bad token is no better.
        let a = send(
            addr,
            "GET",
            path,
            &[("Authorization", "Bearer glt_not-a-real-token")],
            None,
        );
        assert_eq!(a.status, 401, "GET {path} with a bad token: {}", a.body);
    }
    // A browser without a session is sent to log in, and back afterwards.
    let a = send(addr, "GET", "/", &[("Accept", "text/html")], None);
    assert_eq!(a.status, 303, "{}", a.body);
    assert!(
        a.header("location")
            .is_some_and(|l| l.starts_with("/login")),
        "{:?}",
        a.headers
    );
    // An act without credentials changes nothing.
    let a = send(
        addr,
        "POST",
        &format!("/runs/{}/signoff", r.run),
        &[],
        Some(&form(&[("role", SIGNOFF_ROLE)])),
    );
    assert!(
        a.status == 401 || a.status == 403 || a.status == 303,
        "{}: {}",
        a.status,
        a.body
    );
    assert!(!signed(&r.store, &r.run, SIGNOFF_ROLE));
    // The granted twin: a viewer's token reads.
    let token = add_token(&r.store, "reader", "viewer", &[]);
    let a = send(
        addr,
        "GET",
        "/api/v1/releases",
        &[("Authorization", &format!("Bearer {token}"))],
        None,
    );
    assert_eq!(a.status, 200, "{}", a.body);
    let body: Value = serde_json::from_str(&a.body).unwrap();
    assert_eq!(body["releases"][0]["release"], RELEASE);
}

#[test]
fn the_wrong_role_is_403_over_the_api_and_the_forms() {
    let r = room("auth-role");
    let addr = &r.server.addr;
    let signoff = format!("/runs/{}/signoff", r.run);
    let body = form(&[("role", SIGNOFF_ROLE), ("note", "nope")]);
    // Tokens: a viewer and an operator may not sign off; an approver bound
    // to another role may not sign this one.
    for (name, role, bound) in [
        ("t-viewer", "viewer", vec![]),
        ("t-operator", "operator", vec![]),
        ("t-other", "approver", vec!["Technical Lead"]),
    ] {
        let token = add_token(&r.store, name, role, &bound);
        let a = send(
            addr,
            "POST",
            &signoff,
            &[("Authorization", &format!("Bearer {token}"))],
            Some(&body),
        );
        assert_eq!(a.status, 403, "{name} ({role}): {}", a.body);
    }
    // Sessions: the viewer's own CSRF token is valid, the role is not.
    let vera = log_in(addr, "vera", None);
    let page = page_as(addr, &format!("/runs/{}", r.run), &vera);
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        !page.body.contains("/signoff\""),
        "a viewer is shown a sign-off form"
    );
    let csrf = hidden(&page.body, greenlight_html::CSRF_FIELD)
        .or_else(|| hidden(&page.body, "csrf"))
        .expect("the page carries the session's CSRF token (the logout form)");
    let a = send(
        addr,
        "POST",
        &signoff,
        &[
            ("Cookie", &format!("gl_session={vera}")),
            ("X-CSRF-Token", &csrf),
        ],
        Some(&form(&[
            ("role", SIGNOFF_ROLE),
            ("csrf", &csrf),
            (greenlight_html::CSRF_FIELD, &csrf),
        ])),
    );
    assert_eq!(a.status, 403, "a viewer's sign-off: {}", a.body);
    assert!(
        !signed(&r.store, &r.run, SIGNOFF_ROLE),
        "a refused act was recorded"
    );
    // The granted twin: the approver bound to the role signs.
    let token = add_token(&r.store, "t-approver", "approver", &[SIGNOFF_ROLE]);
    let a = send(
        addr,
        "POST",
        &signoff,
        &[("Authorization", &format!("Bearer {token}"))],
        Some(&body),
    );
    assert!(
        a.status < 400,
        "the bound approver's sign-off: {} {}",
        a.status,
        a.body
    );
    assert!(signed(&r.store, &r.run, SIGNOFF_ROLE));
}

#[test]
fn a_form_post_without_its_csrf_token_is_403() {
    let r = room("auth-csrf");
    let addr = &r.server.addr;
    let quinn = log_in(addr, "quinn", None);
    let page = page_as(addr, &format!("/runs/{}", r.run), &quinn);
    assert_eq!(page.status, 200, "{}", page.body);
    let field = greenlight_html::CSRF_FIELD;
    let csrf = hidden(&page.body, field).expect("the sign-off form carries a CSRF token");
    let signoff = format!("/runs/{}/signoff", r.run);
    let cookie = format!("gl_session={quinn}");
    for (what, body) in [
        ("no token", form(&[("role", SIGNOFF_ROLE)])),
        (
            "an empty token",
            form(&[("role", SIGNOFF_ROLE), (field, "")]),
        ),
        (
            "another token",
            form(&[("role", SIGNOFF_ROLE), (field, &"A".repeat(csrf.len()))]),
        ),
    ] {
        let a = send(addr, "POST", &signoff, &[("Cookie", &cookie)], Some(&body));
        assert_eq!(a.status, 403, "{what}: {}", a.body);
        assert!(
            !signed(&r.store, &r.run, SIGNOFF_ROLE),
            "{what}: recorded anyway"
        );
    }
    // The granted twin: the same POST with the page's token.
    let a = send(
        addr,
        "POST",
        &signoff,
        &[("Cookie", &cookie)],
        Some(&form(&[
            ("role", SIGNOFF_ROLE),
            (field, &csrf),
            ("note", "with the token"),
        ])),
    );
    assert!(a.status < 400, "with the token: {} {}", a.status, a.body);
    assert!(signed(&r.store, &r.run, SIGNOFF_ROLE));
}

#[test]
fn a_session_cookie_planted_before_login_is_not_authenticated_after_it() {
    let r = room("auth-fixation");
    let addr = &r.server.addr;
    let is_in = |session: &str| page_as(addr, "/", session).status == 200;

    // An ID the attacker made up.
    let planted = "attacker-chosen-session-id-0123456789abcdef";
    assert!(!is_in(planted));
    let got = log_in(addr, "quinn", Some(planted));
    assert_ne!(got, planted);
    assert!(is_in(&got), "the new session works");
    assert!(!is_in(planted), "the planted ID became a session");

    // The attacker's own real session, planted in the victim's browser:
    // the victim's login ends it and makes a new one.
    let attackers = log_in(addr, "vera", None);
    assert!(is_in(&attackers));
    let victims = log_in(addr, "quinn", Some(&attackers));
    assert_ne!(victims, attackers);
    assert!(is_in(&victims));
    // Whoever holds the old cookie is not the approver …
    let page = page_as(addr, &format!("/runs/{}", r.run), &attackers);
    assert!(
        !page.body.contains("signed in as quinn"),
        "the old cookie shows the approver's page"
    );
    // … and, once the server's read cache of identities has lapsed, no
    // one at all: the login ended that session.
    std::thread::sleep(
        greenlight_server::access::IDENTITY_TTL + std::time::Duration::from_millis(500),
    );
    assert!(
        !is_in(&attackers),
        "the session brought to login still works"
    );
    assert!(is_in(&victims));

    // Cookies are HttpOnly and SameSite.
    let page = send(addr, "GET", "/login", &[], None);
    let csrf = hidden(&page.body, "csrf").unwrap();
    let done = send(
        addr,
        "POST",
        "/login",
        &[("Cookie", &format!("gl_login_csrf={csrf}"))],
        Some(&form(&[
            ("csrf", &csrf),
            ("name", "otto"),
            ("password", PASSWORD),
        ])),
    );
    let set = done
        .set_cookie_line("gl_session")
        .expect("a session cookie")
        .to_ascii_lowercase();
    assert!(
        set.contains("httponly") && set.contains("samesite="),
        "{set}"
    );
}
