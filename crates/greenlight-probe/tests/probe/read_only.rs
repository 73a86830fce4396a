//! Read-only mode and redirect containment of the HTTP probe.

use greenlight_probe::{ErrorKind, HttpRequest, http_request};

use crate::support::{self, response};

fn seen(server: &support::Server) -> usize {
    server.requests.lock().unwrap().len()
}

#[tokio::test]
async fn read_only_refuses_writes_before_sending_a_byte() {
    let server = support::http_server(|_| response("200 OK", &[], b"ok")).await;
    let url = server.url("/items/1");
    let mut refused: Vec<HttpRequest> = ["POST", "DELETE", "PUT", "PATCH", "get", "PROPFIND"]
        .iter()
        .map(|m| HttpRequest::new(*m, url.clone()))
        .collect();
    refused.push(HttpRequest {
        body: Some(b"a=1".to_vec()),
        ..HttpRequest::get(url.clone())
    });
    refused.push(HttpRequest {
        body: Some(Vec::new()),
        ..HttpRequest::new("HEAD", url.clone())
    });
    for header in [
        "X-HTTP-Method-Override",
        "x-http-method",
        "X-Method-Override",
    ] {
        refused.push(HttpRequest {
            headers: vec![(header.into(), "DELETE".into())],
            ..HttpRequest::get(url.clone())
        });
    }
    for req in refused {
        let req = HttpRequest {
            read_only: true,
            ..req
        };
        let err = http_request(&req).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotAllowed, "{req:?}: {err}");
        assert!(err.to_string().starts_with("refused "), "{err}");
    }
    assert_eq!(seen(&server), 0, "the server saw a request");

    // Reads go through, and the same requests go through outside read-only mode.
    for m in ["GET", "HEAD", "OPTIONS"] {
        let req = HttpRequest {
            read_only: true,
            ..HttpRequest::new(m, url.clone())
        };
        assert_eq!(http_request(&req).await.unwrap().status, 200);
    }
    assert_eq!(seen(&server), 3);
    let req = HttpRequest::new("DELETE", url.clone());
    assert_eq!(http_request(&req).await.unwrap().status, 200);
    assert_eq!(server.last_request().method, "DELETE");
}

#[tokio::test]
async fn redirects_go_only_to_allowed_authorities() {
    let elsewhere = support::http_server(|_| response("200 OK", &[], b"elsewhere")).await;
    let target = elsewhere.url("/landing");
    let origin = support::http_server(move |req| match req.path.as_str() {
        "/away" => response("302 Found", &[("Location", &target)], b""),
        "/other-name" => {
            let port = req
                .header("host")
                .and_then(|h| h.rsplit(':').next())
                .unwrap_or("1")
                .to_string();
            let loc = format!("http://localhost:{port}/home");
            response("301 Moved Permanently", &[("Location", &loc)], b"")
        }
        "/scheme" => response("302 Found", &[("Location", "file:///etc/passwd")], b""),
        "/home" => response("200 OK", &[], b"home"),
        _ => response("302 Found", &[("Location", "/home")], b""),
    })
    .await;

    // Another port, not allowed: the 302 comes back, saying why.
    let req = HttpRequest {
        follow_redirects: true,
        read_only: true,
        ..HttpRequest::get(origin.url("/away"))
    };
    let resp = http_request(&req).await.unwrap();
    assert_eq!(resp.status, 302);
    let why = resp.redirect_refused.clone().unwrap();
    assert_eq!(
        why,
        format!(
            "redirect to {} not followed: host not mapped by the profile",
            elsewhere.url("/landing")
        )
    );
    assert_eq!(seen(&elsewhere), 0);

    // Another host name for the same machine: not followed either.
    let resp = http_request(&HttpRequest {
        follow_redirects: true,
        ..HttpRequest::get(origin.url("/other-name"))
    })
    .await
    .unwrap();
    assert_eq!(resp.status, 301);
    assert!(
        resp.redirect_refused
            .as_deref()
            .unwrap()
            .contains("http://localhost:"),
        "{resp:?}"
    );

    // Not http(s): never followed.
    let resp = http_request(&HttpRequest {
        follow_redirects: true,
        ..HttpRequest::get(origin.url("/scheme"))
    })
    .await
    .unwrap();
    assert!(
        resp.redirect_refused
            .unwrap()
            .contains("not an http(s) URL")
    );

    // The same authority is followed; so is an allowed one.
    let resp = http_request(&HttpRequest {
        follow_redirects: true,
        read_only: true,
        ..HttpRequest::get(origin.url("/start"))
    })
    .await
    .unwrap();
    assert_eq!((resp.status, resp.body_text().as_ref()), (200, "home"));
    assert_eq!(resp.redirect_refused, None);
    let allowed = HttpRequest {
        follow_redirects: true,
        read_only: true,
        redirect_hosts: vec![format!("127.0.0.1:{}", elsewhere.addr.port())],
        headers: vec![("Authorization".into(), "Bearer secret".into())],
        ..HttpRequest::get(origin.url("/away"))
    };
    let resp = http_request(&allowed).await.unwrap();
    assert_eq!((resp.status, resp.body_text().as_ref()), (200, "elsewhere"));
    assert_eq!(resp.url, elsewhere.url("/landing"));
    let hop = elsewhere.last_request();
    assert_eq!(hop.method, "GET");
    // Credentials stay with the authority they were written for.
    assert_eq!(hop.header("authorization"), None);
    assert_eq!(
        origin.last_request().header("authorization"),
        Some("Bearer secret")
    );
    // Without -L nothing is followed and nothing is said.
    let resp = http_request(&HttpRequest::get(origin.url("/away")))
        .await
        .unwrap();
    assert_eq!((resp.status, resp.redirect_refused), (302, None));
    assert_eq!(seen(&elsewhere), 1);
}

#[tokio::test]
async fn redirect_methods_follow_the_status() {
    let server = support::http_server(|req| match req.path.as_str() {
        "/t" => response("307 Temporary Redirect", &[("Location", "/done")], b""),
        "/f" => response("302 Found", &[("Location", "/done")], b""),
        _ => response("200 OK", &[], b"done"),
    })
    .await;
    let post = |path: &str| HttpRequest {
        follow_redirects: true,
        body: Some(b"a=1".to_vec()),
        headers: vec![("Content-Type".into(), "text/plain".into())],
        ..HttpRequest::new("POST", server.url(path))
    };
    http_request(&post("/t")).await.unwrap();
    let last = server.last_request();
    assert_eq!(
        (last.method.as_str(), last.body.as_slice()),
        ("POST", &b"a=1"[..])
    );
    http_request(&post("/f")).await.unwrap();
    let last = server.last_request();
    assert_eq!((last.method.as_str(), last.body.len()), ("GET", 0));
    assert_eq!(last.header("content-type"), None);
    // A read-only GET through a 307 stays a GET.
    let resp = http_request(&HttpRequest {
        follow_redirects: true,
        read_only: true,
        ..HttpRequest::get(server.url("/t"))
    })
    .await
    .unwrap();
    assert_eq!(resp.status, 200);
    assert_eq!(server.last_request().method, "GET");
}

#[tokio::test]
async fn redirect_loops_end() {
    let server =
        support::http_server(|_| response("302 Found", &[("Location", "/again")], b"")).await;
    let err = http_request(&HttpRequest {
        follow_redirects: true,
        ..HttpRequest::get(server.url("/"))
    })
    .await
    .unwrap_err();
    assert!(err.to_string().contains("more than 10 redirects"), "{err}");
    assert_eq!(seen(&server), 11);
}
