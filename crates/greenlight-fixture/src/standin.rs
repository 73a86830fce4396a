//! A generic stand-in for a service a checklist talks to, built from a
//! routes file (`NAME.standin.toml`, see `fixtures/checklists/` and
//! `CORPUS.md`):
//!
//! ```toml
//! [[route]]
//! method = "GET"            # optional, default: any method
//! path = "/health"          # exact path (or `prefix = "/api/"`)
//! status = 200              # optional, default 200
//! body = '{"status":"healthy"}'
//! headers = { "content-type" = "application/json" }
//! delay_ms = 0              # optional
//! ```
//!
//! A request is answered by the first route whose exact `path` matches, else
//! by the route with the longest matching `prefix`; a route with a `method`
//! only matches that method. Any other request gets 200 with a JSON echo of
//! itself: `{"ok":true,"method":"GET","path":"/x","query":"a=1","headers":{…}}`.
//!
//! [`StandIn`] listens on a free loopback port on its own thread and stops
//! when dropped, like [`crate::BlockingFixture`].

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::error::FixtureError;

/// Why a routes file could not be read or a stand-in could not start.
#[derive(Debug, thiserror::Error)]
pub enum StandInError {
    /// The routes file could not be read.
    #[error("{path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The routes file is not valid TOML of the expected shape.
    #[error("{origin}: {message}")]
    Parse {
        /// The file (or `<text>`).
        origin: String,
        /// The TOML error, with its line.
        message: String,
    },
    /// A route is malformed (`route[N]` counts from 1, in file order).
    #[error("{origin}: route[{index}]: {message}")]
    Route {
        /// The file (or `<text>`).
        origin: String,
        /// Which `[[route]]`, from 1.
        index: usize,
        /// What is wrong with it.
        message: String,
    },
    /// The listener could not be started.
    #[error("stand-in: {0}")]
    Start(#[from] FixtureError),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RoutesFile {
    #[serde(default)]
    route: Vec<RawRoute>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRoute {
    method: Option<String>,
    path: Option<String>,
    prefix: Option<String>,
    status: Option<u16>,
    #[serde(default)]
    body: String,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    delay_ms: Option<u64>,
}

/// Which request paths a route answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathMatch {
    /// Exactly this path (no query).
    Exact(String),
    /// Any path starting with this.
    Prefix(String),
}

/// One canned answer.
#[derive(Debug, Clone)]
pub struct Route {
    /// Upper-case method, or `None` for any.
    pub method: Option<Method>,
    /// The paths it answers.
    pub path: PathMatch,
    /// The status sent.
    pub status: StatusCode,
    /// The body sent.
    pub body: String,
    /// Headers sent (validated names and values).
    pub headers: Vec<(HeaderName, HeaderValue)>,
    /// How long to wait before answering.
    pub delay: Duration,
}

/// A parsed routes file.
#[derive(Debug, Clone, Default)]
pub struct Routes {
    routes: Vec<Route>,
}

impl Routes {
    /// Parses routes TOML; `origin` names it in errors (a file name).
    pub fn parse(text: &str, origin: &str) -> Result<Routes, StandInError> {
        let file: RoutesFile = toml::from_str(text).map_err(|e| StandInError::Parse {
            origin: origin.to_string(),
            message: e.to_string(),
        })?;
        let mut routes = Vec::with_capacity(file.route.len());
        for (i, raw) in file.route.into_iter().enumerate() {
            let bad = |message: String| StandInError::Route {
                origin: origin.to_string(),
                index: i + 1,
                message,
            };
            let path = match (raw.path, raw.prefix) {
                (Some(p), None) => PathMatch::Exact(p),
                (None, Some(p)) => PathMatch::Prefix(p),
                (Some(_), Some(_)) => return Err(bad("give `path` or `prefix`, not both".into())),
                (None, None) => return Err(bad("needs `path` or `prefix`".into())),
            };
            if let PathMatch::Exact(p) | PathMatch::Prefix(p) = &path
                && !p.starts_with('/')
            {
                return Err(bad(format!("path {p:?} must start with '/'")));
            }
            let method = match raw.method {
                None => None,
                Some(m) => Some(
                    Method::from_bytes(m.to_ascii_uppercase().as_bytes())
                        .map_err(|_| bad(format!("bad method {m:?}")))?,
                ),
            };
            let status = StatusCode::from_u16(raw.status.unwrap_or(200))
                .map_err(|_| bad(format!("bad status {:?}", raw.status)))?;
            let mut headers = Vec::new();
            for (name, value) in raw.headers {
                let n = HeaderName::from_bytes(name.as_bytes())
                    .map_err(|_| bad(format!("bad header name {name:?}")))?;
                let v = HeaderValue::from_str(&value)
                    .map_err(|_| bad(format!("bad value for header {name:?}")))?;
                headers.push((n, v));
            }
            routes.push(Route {
                method,
                path,
                status,
                body: raw.body,
                headers,
                delay: Duration::from_millis(raw.delay_ms.unwrap_or(0)),
            });
        }
        Ok(Routes { routes })
    }

    /// Reads and parses a routes file.
    pub fn from_file(path: &Path) -> Result<Routes, StandInError> {
        let text = std::fs::read_to_string(path).map_err(|source| StandInError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Routes::parse(&text, &path.display().to_string())
    }

    /// The routes, in file order.
    pub fn routes(&self) -> &[Route] {
        &self.routes
    }

    /// The route answering `method path`: an exact path first (file order),
    /// else the longest matching prefix; `None` means the echo answers.
    pub fn find(&self, method: &Method, path: &str) -> Option<&Route> {
        let method_ok = |r: &Route| r.method.as_ref().is_none_or(|m| m == method);
        self.routes
            .iter()
            .find(|r| method_ok(r) && matches!(&r.path, PathMatch::Exact(p) if p == path))
            .or_else(|| {
                self.routes
                    .iter()
                    .filter(|r| method_ok(r))
                    .filter_map(|r| match &r.path {
                        PathMatch::Prefix(p) if path.starts_with(p.as_str()) => Some((p.len(), r)),
                        _ => None,
                    })
                    // The first of equally long prefixes wins.
                    .fold(None::<(usize, &Route)>, |best, (len, r)| match best {
                        Some((b, _)) if b >= len => best,
                        _ => Some((len, r)),
                    })
                    .map(|(_, r)| r)
            })
    }
}

/// A request the stand-in received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeenRequest {
    /// Upper-case method.
    pub method: String,
    /// Path without the query.
    pub path: String,
    /// The query, if any.
    pub query: Option<String>,
}

struct Shared {
    routes: Routes,
    seen: Mutex<Vec<SeenRequest>>,
}

/// Most requests kept in the log.
const SEEN_CAPACITY: usize = 10_000;

async fn answer(State(s): State<Arc<Shared>>, req: Request) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let query = req.uri().query().map(str::to_string);
    if let Ok(mut seen) = s.seen.lock()
        && seen.len() < SEEN_CAPACITY
    {
        seen.push(SeenRequest {
            method: method.as_str().to_string(),
            path: path.clone(),
            query: query.clone(),
        });
    }
    let Some(route) = s.routes.find(&method, &path) else {
        let headers: serde_json::Map<String, serde_json::Value> = req
            .headers()
            .iter()
            .map(|(n, v)| {
                let v = String::from_utf8_lossy(v.as_bytes()).into_owned();
                (n.as_str().to_string(), serde_json::Value::String(v))
            })
            .collect();
        let echo = serde_json::json!({
            "ok": true,
            "method": method.as_str(),
            "path": path,
            "query": query.unwrap_or_default(),
            "headers": headers,
        });
        return (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            echo.to_string(),
        )
            .into_response();
    };
    if !route.delay.is_zero() {
        tokio::time::sleep(route.delay).await;
    }
    let mut resp = Response::new(Body::from(route.body.clone()));
    *resp.status_mut() = route.status;
    for (n, v) in &route.headers {
        resp.headers_mut().insert(n.clone(), v.clone());
    }
    resp
}

/// A running stand-in on a background thread. Dropping it stops the service
/// and joins the thread.
#[derive(Debug)]
pub struct StandIn {
    addr: SocketAddr,
    shared: Arc<SharedDebug>,
    /// Stops the service and joins its thread when dropped.
    server: crate::server::ServerThread,
}

/// `Shared` behind a `Debug` the handle can derive.
struct SharedDebug(Arc<Shared>);

impl std::fmt::Debug for SharedDebug {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StandIn")
            .field("routes", &self.0.routes.routes.len())
            .finish_non_exhaustive()
    }
}

impl StandIn {
    /// Starts the stand-in on a free loopback port.
    pub fn start(routes: Routes) -> Result<StandIn, StandInError> {
        StandIn::start_on(routes, SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
    }

    /// Starts the stand-in with the routes of a file.
    pub fn from_file(path: &Path) -> Result<StandIn, StandInError> {
        StandIn::start(Routes::from_file(path)?)
    }

    /// Starts the stand-in on `addr` (loopback only; port 0 picks a free one).
    pub fn start_on(routes: Routes, addr: SocketAddr) -> Result<StandIn, StandInError> {
        if !addr.ip().is_loopback() {
            return Err(FixtureError::NotLoopback(addr).into());
        }
        let std_listener = std::net::TcpListener::bind(addr).map_err(FixtureError::Io)?;
        std_listener
            .set_nonblocking(true)
            .map_err(FixtureError::Io)?;
        let addr = std_listener.local_addr().map_err(FixtureError::Io)?;
        let shared = Arc::new(Shared {
            routes,
            seen: Mutex::new(Vec::new()),
        });
        let app = Router::new().fallback(answer).with_state(shared.clone());
        let server = crate::server::serve_on_thread("greenlight-standin", std_listener, app)?;
        Ok(StandIn {
            addr,
            shared: Arc::new(SharedDebug(shared)),
            server,
        })
    }

    /// The address bound.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `base_url()` followed by `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url())
    }

    /// The requests received so far (the first 10 000).
    pub fn requests(&self) -> Vec<SeenRequest> {
        self.shared
            .0
            .seen
            .lock()
            .map(|s| s.clone())
            .unwrap_or_default()
    }

    /// Requests received with this method and exact path.
    pub fn request_count(&self, method: &str, path: &str) -> usize {
        self.requests()
            .iter()
            .filter(|r| r.method.eq_ignore_ascii_case(method) && r.path == path)
            .count()
    }

    /// Stops the service and joins its thread.
    pub fn shutdown(self) {
        drop(self.server);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"
[[route]]
method = "GET"
path = "/health"
body = '{"status":"healthy"}'
headers = { "content-type" = "application/json" }

[[route]]
prefix = "/api/"
status = 503

[[route]]
prefix = "/api/v1/"
status = 201
delay_ms = 5

[[route]]
method = "post"
path = "/health"
status = 405
"#;

    #[test]
    fn parses_every_field_with_defaults() {
        let r = Routes::parse(FILE, "t.toml").unwrap();
        assert_eq!(r.routes().len(), 4);
        let h = &r.routes()[0];
        assert_eq!(h.method, Some(Method::GET));
        assert_eq!(h.path, PathMatch::Exact("/health".into()));
        assert_eq!(h.status, StatusCode::OK);
        assert_eq!(h.headers[0].0.as_str(), "content-type");
        assert_eq!(h.delay, Duration::ZERO);
        assert_eq!(r.routes()[1].method, None);
        assert_eq!(r.routes()[1].body, "");
        assert_eq!(r.routes()[2].delay, Duration::from_millis(5));
        assert_eq!(r.routes()[3].method, Some(Method::POST));
    }

    #[test]
    fn exact_path_beats_prefix_and_longest_prefix_wins() {
        let r = Routes::parse(FILE, "t.toml").unwrap();
        let status = |m: Method, p: &str| r.find(&m, p).map(|r| r.status.as_u16());
        assert_eq!(status(Method::GET, "/health"), Some(200));
        assert_eq!(status(Method::POST, "/health"), Some(405));
        // No route for DELETE /health: the echo answers.
        assert_eq!(status(Method::DELETE, "/health"), None);
        assert_eq!(status(Method::GET, "/health/live"), None);
        assert_eq!(status(Method::GET, "/api/x"), Some(503));
        assert_eq!(status(Method::PUT, "/api/v1/x"), Some(201));
        assert_eq!(status(Method::GET, "/apix"), None);
    }

    #[test]
    fn malformed_routes_name_the_file_and_route() {
        let e = Routes::parse("[[route]]\nstatus = 200\n", "x.standin.toml").unwrap_err();
        assert_eq!(
            e.to_string(),
            "x.standin.toml: route[1]: needs `path` or `prefix`"
        );
        let e = Routes::parse(
            "[[route]]\npath = \"/a\"\n[[route]]\npath = \"/b\"\nprefix = \"/c\"\n",
            "x",
        )
        .unwrap_err();
        assert!(
            e.to_string()
                .contains("route[2]: give `path` or `prefix`, not both"),
            "{e}"
        );
        let e = Routes::parse("[[route]]\npath = \"a\"\n", "x").unwrap_err();
        assert!(e.to_string().contains("must start with '/'"), "{e}");
        let e = Routes::parse("[[route]]\npath = \"/a\"\nstatus = 1000\n", "x").unwrap_err();
        assert!(e.to_string().contains("bad status"), "{e}");
        let e = Routes::parse("[[route]]\npath = \"/a\"\nstaus = 200\n", "x").unwrap_err();
        assert!(matches!(e, StandInError::Parse { .. }), "{e}");
        assert!(e.to_string().contains("staus"), "{e}");
        let e = Routes::parse(
            "[[route]]\npath = \"/a\"\nheaders = { \"bad name\" = \"v\" }\n",
            "x",
        )
        .unwrap_err();
        assert!(e.to_string().contains("bad header name"), "{e}");
    }

    #[test]
    fn an_empty_file_is_all_echo() {
        let r = Routes::parse("", "x").unwrap();
        assert!(r.routes().is_empty());
        assert!(r.find(&Method::GET, "/").is_none());
    }

    #[test]
    fn refuses_a_non_loopback_address() {
        let e = StandIn::start_on(Routes::default(), "0.0.0.0:0".parse().unwrap()).unwrap_err();
        assert!(
            matches!(e, StandInError::Start(FixtureError::NotLoopback(_))),
            "{e}"
        );
    }
}
