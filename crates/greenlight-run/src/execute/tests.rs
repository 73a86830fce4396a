//! Run-time enforcement: the executor judges the resolved request, not the
//! plan's text. Every server here is a loopback recorder.

use super::*;
use crate::plan::Capture;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A loopback HTTP server that records each request line and answers
/// `answer(path)`.
struct Recorder {
    port: u16,
    seen: Arc<Mutex<Vec<String>>>,
    count: Arc<AtomicUsize>,
}

impl Recorder {
    async fn start(answer: fn(&str) -> String) -> Recorder {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen: Arc<Mutex<Vec<String>>> = Arc::default();
        let count: Arc<AtomicUsize> = Arc::default();
        let (s, c) = (seen.clone(), count.clone());
        tokio::spawn(async move {
            while let Ok((mut conn, _)) = listener.accept().await {
                let (s, c) = (s.clone(), c.clone());
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 4096];
                    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                        match conn.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    }
                    let head = String::from_utf8_lossy(&buf).to_string();
                    let line = head.lines().next().unwrap_or("").to_string();
                    let path = line.split(' ').nth(1).unwrap_or("/").to_string();
                    s.lock().unwrap().push(line);
                    c.fetch_add(1, Ordering::SeqCst);
                    let _ = conn.write_all(answer(&path).as_bytes()).await;
                });
            }
        });
        Recorder { port, seen, count }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn count(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }
}

fn ok(_: &str) -> String {
    "HTTP/1.1 200 OK\r\nContent-Length: 13\r\nConnection: close\r\n\r\n{\"id\":\"x-1\"}\n".into()
}

fn executor(allowed: &[Class], vars: &[(&str, &str)]) -> Executor {
    Executor {
        http: probe::HttpClient::default(),
        timeout: Duration::from_secs(5),
        shell_timeout: Duration::from_secs(5),
        concurrency: 1,
        eventually: None,
        extra_roots: Vec::new(),
        vars: vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        redactor: Redactor::default(),
        cancel: watch::channel(false).1,
        loads: LoadResults::default(),
        progress: None,
        allowed: allowed.to_vec(),
        allow_load: false,
        hosts: BTreeMap::new(),
    }
}

fn http_check(method: &str, url: &str, follow: bool) -> PlanCheck {
    PlanCheck {
        index: 0,
        item: 0,
        line: 1,
        command: format!("curl -X {method} {url}"),
        class: Class::Read,
        class_reason: String::new(),
        target: Target::Http {
            method: method.into(),
            url: url.into(),
            headers: Vec::new(),
            body: None,
            insecure: false,
            follow,
            basic_auth: None,
            fail: false,
            max_time: None,
        },
        expect: vec![Expectation::StatusOk],
        capture: None,
        env_names: Vec::new(),
        depends_on: Vec::new(),
        gate: Gate::Run,
        eventually: None,
        note: None,
    }
}

#[tokio::test]
async fn a_method_that_resolves_to_a_write_at_run_time_is_refused() {
    let server = Recorder::start(ok).await;
    // The plan saw a read (as a plan misjudging a variable would).
    let check = http_check("$M", &server.url("/items/$ID"), false);
    let captures: Captures = Arc::default();
    for (method, id) in [("DELETE", "1"), ("POST", "2"), ("patch", "3")] {
        let ex = executor(&[Class::Read], &[("M", method), ("ID", id)]);
        let r = ex.run_check(&check, &captures).await;
        assert_eq!(r.status, Status::NotRun, "{r:?}");
        let reason = r.evidence.reason.unwrap();
        assert!(
            reason.starts_with(&format!(
                "refused at run time: the request would be {method} http://127.0.0.1:{}/items/{id}, which is mutating; only read allowed",
                server.port
            )),
            "{reason}"
        );
    }
    // A value captured from an earlier response counts the same.
    captures.lock().unwrap().insert("M".into(), "PUT".into());
    let ex = executor(&[Class::Read], &[("ID", "4")]);
    assert_eq!(ex.run_check(&check, &captures).await.status, Status::NotRun);
    assert_eq!(server.count(), 0, "{:?}", server.seen.lock().unwrap());

    // GET runs; with mutating allowed, DELETE runs too.
    let ex = executor(&[Class::Read], &[("M", "GET"), ("ID", "5")]);
    assert_eq!(
        ex.run_check(&check, &Arc::default()).await.status,
        Status::Passed
    );
    let ex = executor(
        &[Class::Read, Class::Mutating],
        &[("M", "DELETE"), ("ID", "6")],
    );
    assert_eq!(
        ex.run_check(&check, &Arc::default()).await.status,
        Status::Passed
    );
    assert_eq!(
        *server.seen.lock().unwrap(),
        vec![
            "GET /items/5 HTTP/1.1".to_string(),
            "DELETE /items/6 HTTP/1.1".into()
        ]
    );
}

#[tokio::test]
async fn a_body_or_override_header_filled_in_at_run_time_is_refused() {
    let server = Recorder::start(ok).await;
    let mut check = http_check("GET", &server.url("/x"), false);
    if let Target::Http { headers, .. } = &mut check.target {
        headers.push(("X-HTTP-Method-Override".into(), "$WHAT".into()));
    }
    let ex = executor(&[Class::Read], &[("WHAT", "DELETE")]);
    let r = ex.run_check(&check, &Arc::default()).await;
    assert_eq!(r.status, Status::NotRun);
    assert!(
        r.evidence
            .reason
            .unwrap()
            .contains("with header X-HTTP-Method-Override: DELETE")
    );
    let mut check = http_check("GET", &server.url("/x"), false);
    if let Target::Http { body, .. } = &mut check.target {
        *body = Some("$B".into());
    }
    let r = executor(&[Class::Read], &[("B", "a=1")])
        .run_check(&check, &Arc::default())
        .await;
    assert_eq!(r.status, Status::NotRun);
    assert!(
        r.evidence
            .reason
            .unwrap()
            .contains("with a body of 3 bytes")
    );
    // Nothing allowed: nothing runs, not even a read.
    let r = executor(&[], &[])
        .run_check(
            &http_check("GET", &server.url("/x"), false),
            &Arc::default(),
        )
        .await;
    assert_eq!(r.status, Status::NotRun);
    assert!(r.evidence.reason.unwrap().contains("no class is allowed"));
    assert_eq!(server.count(), 0);
}

#[tokio::test]
async fn the_probe_itself_refuses_writes_when_only_reads_are_allowed() {
    let server = Recorder::start(ok).await;
    let target = Target::request("DELETE", server.url("/x"));
    let obs = executor(&[Class::Read], &[])
        .observe(&target, &[], probe::Access::ReadOnly)
        .await;
    let err = obs.error.unwrap();
    assert!(err.starts_with("refused DELETE"), "{err}");
    assert_eq!(server.count(), 0);
    let obs = executor(&[Class::Read, Class::Mutating], &[])
        .observe(&target, &[], probe::Access::ReadWrite)
        .await;
    assert_eq!(obs.status, Some(200));
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn a_redirect_to_a_host_the_profile_does_not_map_fails_the_check() {
    let elsewhere = Recorder::start(ok).await;
    fn away(path: &str) -> String {
        // The target port travels in the path: /to/PORT.
        let port = path.rsplit('/').next().unwrap_or("1");
        format!(
            "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:{port}/landing\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        )
    }
    let origin = Recorder::start(away).await;
    let mut check = http_check("GET", &origin.url(&format!("/to/{}", elsewhere.port)), true);
    check.capture = Some(Capture {
        var: "ID".into(),
        path: ".id".into(),
    });
    let r = executor(&[Class::Read], &[])
        .run_check(&check, &Arc::default())
        .await;
    assert_eq!(r.status, Status::Failed, "{r:?}");
    let failure = r.evidence.failures.join("; ");
    assert!(
        failure.contains(&format!(
            "redirect to http://127.0.0.1:{}/landing not followed: host not mapped by the profile",
            elsewhere.port
        )),
        "{failure}"
    );
    assert!(r.evidence.summary.contains("not followed"));
    assert_eq!(elsewhere.count(), 0);
    // Mapped by the profile: followed.
    let mut ex = executor(&[Class::Read], &[]);
    ex.hosts.insert("cdn.example.com".into(), elsewhere.url(""));
    let r = ex.run_check(&check, &Arc::default()).await;
    assert_eq!(r.status, Status::Passed, "{r:?}");
    assert_eq!(elsewhere.count(), 1);
}

#[tokio::test]
async fn a_url_from_a_variable_is_mapped_once_filled_in() {
    let server = Recorder::start(ok).await;
    let check = http_check("GET", "$API_URL/health", false);
    let mut ex = executor(&[Class::Read], &[("API_URL", "https://API.Example.COM.")]);
    ex.hosts.insert("api.example.com".into(), server.url(""));
    let r = ex.run_check(&check, &Arc::default()).await;
    assert_eq!(r.status, Status::Passed, "{r:?}");
    assert_eq!(
        *server.seen.lock().unwrap(),
        vec!["GET /health HTTP/1.1".to_string()]
    );
    // A URL the plan already mapped is not mapped twice.
    let mapped = http_check("GET", &server.url("/again"), false);
    ex.hosts
        .insert("127.0.0.1".into(), "http://127.0.0.1:1".into());
    let r = ex.run_check(&mapped, &Arc::default()).await;
    assert_eq!(r.status, Status::Passed, "{r:?}");
}

/// Every evidence field passes the redactor, including the document's own
/// texts (a note, an expectation) that carry a secret's value.
#[tokio::test]
async fn every_evidence_field_is_redacted() {
    let server = Recorder::start(ok).await;
    let secret = "hunter2-very-secret";
    let mut ex = executor(&[Class::Read], &[]);
    ex.redactor = Redactor::new(vec![secret.to_string()]);
    let mut check = http_check("GET", &server.url("/x"), false);
    check.note = Some(format!("note naming {secret}"));
    check.expect = vec![Expectation::Contains {
        text: secret.to_string(),
    }];
    let result = ex.run_check(&check, &Captures::default()).await;
    let json = serde_json::to_string(&result).unwrap();
    assert!(!json.contains(secret), "{json}");
    assert!(json.contains("[redacted]"), "{json}");
}

/// A URL a variable gives without a scheme gets curl's default once filled.
#[test]
fn a_filled_url_gets_curls_default_scheme() {
    let check = http_check("GET", "$API/health", false);
    let lookup = |n: &str| (n == "API").then(|| "api.example.com".to_string());
    let Ok(Target::Http { url, .. }) = resolve_target(&check.target, &lookup) else {
        panic!("not resolved")
    };
    assert_eq!(url, "http://api.example.com/health");
    let lookup = |n: &str| (n == "API").then(|| "https://api.example.com".to_string());
    let Ok(Target::Http { url, .. }) = resolve_target(&check.target, &lookup) else {
        panic!("not resolved")
    };
    assert_eq!(url, "https://api.example.com/health");
}
