//! The OpenAPI document describes exactly the routes the router has: the
//! same paths with the same methods, and each declared route answers
//! (its handler, not the router's "no such route").

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use greenlight_server::{FeedOptions, Server, api, openapi};
use http_body_util::BodyExt;
use std::collections::BTreeSet;
use tower::ServiceExt;

/// A server on a fresh SQLite store, and a viewer token for it.
async fn server(name: &str) -> (Server, std::path::PathBuf, String) {
    let dir = std::env::temp_dir().join(format!("gl-server-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let store = greenlight_store::Store::open(dir.join("runs.db").to_str().unwrap())
        .await
        .unwrap();
    let token = greenlight_auth::create_token(
        &store,
        "reader",
        greenlight_auth::Role::Viewer,
        &[],
        None,
        "test",
    )
    .await
    .unwrap()
    .secret;
    (Server::new(store, FeedOptions::default()), dir, token)
}

async fn call(
    server: &Server,
    token: Option<&str>,
    method: Method,
    path: &str,
) -> (StatusCode, serde_json::Value) {
    let mut req = Request::builder().method(method).uri(path);
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let res = server
        .router()
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null),
    )
}

fn concrete(path: &str) -> String {
    path.replace("{release}", "no-such-release")
        .replace("{run}", "no-such-run")
}

#[tokio::test]
async fn the_document_and_the_router_list_the_same_routes() {
    let doc = openapi::document();
    let documented: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, ops)| {
            ops.as_object()
                .unwrap()
                .keys()
                .map(move |m| (path.clone(), m.to_uppercase()))
        })
        .collect();
    let mut routed: BTreeSet<(String, String)> = api::routes()
        .iter()
        .flat_map(|r| {
            r.methods
                .iter()
                .map(move |m| (r.path.to_string(), m.to_string()))
        })
        .collect();
    // The login routes greenlight-auth adds to the router.
    for (path, methods) in api::AUTH_ROUTES {
        routed.extend(methods.iter().map(|m| (path.to_string(), m.to_string())));
    }
    assert_eq!(documented, routed);
}

#[tokio::test]
async fn every_route_answers_its_methods_and_only_those() {
    let (server, dir, token) = server("routes").await;
    let mut all: Vec<(String, Vec<&str>)> = api::routes()
        .iter()
        .map(|r| (r.path.to_string(), r.methods.to_vec()))
        .collect();
    all.extend(
        api::AUTH_ROUTES
            .iter()
            .map(|(p, m)| (p.to_string(), m.to_vec())),
    );
    for (path, methods) in all {
        let path = concrete(&path);
        for m in methods {
            let method = Method::from_bytes(m.as_bytes()).unwrap();
            let (status, body) = call(&server, Some(&token), method, &path).await;
            assert_ne!(body["error"]["code"], "no_such_route", "{m} {path}");
            assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{m} {path}");
            assert!(!status.is_server_error(), "{m} {path}: {status} {body}");
        }
        for m in [Method::DELETE, Method::PUT, Method::PATCH] {
            let (status, body) = call(&server, Some(&token), m.clone(), &path).await;
            assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{m} {path}");
            assert_eq!(body["error"]["code"], "method_not_allowed", "{m} {path}");
        }
    }
    let (status, body) = call(&server, Some(&token), Method::GET, "/api/v2/releases").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "no_such_route");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn unknown_ids_are_json_404s() {
    let (server, dir, token) = server("ids").await;
    for path in [
        "/api/v1/runs/x",
        "/api/v1/runs/x/events",
        "/api/v1/runs/x/stream",
        "/api/v1/releases/x",
        "/api/v1/releases/x%2Fy%40z",
        "/api/v1/releases/x/stream",
    ] {
        let (status, body) = call(&server, Some(&token), Method::GET, path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
        assert_eq!(body["error"]["code"], "not_found", "{path}");
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn every_route_but_health_openapi_and_login_needs_an_identity() {
    let (server, dir, token) = server("guard").await;
    for route in api::routes() {
        let path = concrete(route.path);
        let method = Method::from_bytes(route.methods[0].as_bytes()).unwrap();
        let (status, body) = call(&server, None, method.clone(), &path).await;
        if route.public {
            assert!(status.is_success(), "{path}: {status} {body}");
            continue;
        }
        if path.starts_with("/api/") {
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}: {body}");
        } else {
            // Pages send people to the login form.
            assert!(
                status == StatusCode::UNAUTHORIZED || status.is_redirection(),
                "{path}: {status}"
            );
        }
        let (status, _) = call(&server, Some("glt_wrong"), method, &path).await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "{path} with a wrong token"
        );
    }
    let public: Vec<_> = api::routes()
        .iter()
        .filter(|r| r.public)
        .map(|r| r.path)
        .collect();
    assert_eq!(public, ["/openapi.json", "/api/v1/health"]);
    let (status, _) = call(&server, Some(&token), Method::GET, "/api/v1/runs").await;
    assert_eq!(status, StatusCode::OK);
    let _ = std::fs::remove_dir_all(dir);
}

/// Each page form describes only the fields its handler reads: a field of
/// another form (say an empty `role` sent to the check form) is ignored by
/// the handler, so the document must not promise it is refused.
#[test]
fn each_page_form_describes_only_its_own_fields() {
    let doc = openapi::document();
    let fields = |path: &str| -> BTreeSet<String> {
        doc["paths"][path]["post"]["requestBody"]["content"]["application/x-www-form-urlencoded"]
            ["schema"]["properties"]
            .as_object()
            .unwrap_or_else(|| panic!("{path} has no form schema"))
            .keys()
            .cloned()
            .collect()
    };
    let set = |names: &[&str]| names.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
    assert_eq!(fields("/runs/{run}/check"), set(&["csrf", "item", "note"]));
    assert_eq!(
        fields("/runs/{run}/waive"),
        set(&["csrf", "expires", "item", "reason"])
    );
    assert_eq!(
        fields("/runs/{run}/signoff"),
        set(&["csrf", "role", "slot"])
    );
}
