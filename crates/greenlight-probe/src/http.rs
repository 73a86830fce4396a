//! HTTP(S) requests (curl-like checks) through a pooled client, plus ClickHouse helpers.
//!
//! TLS uses rustls with the `ring` provider and the operating system's trust store (through
//! `rustls-platform-verifier`, like curl), plus any extra roots given in
//! [`HttpClientOptions::extra_roots`]. Response bodies are not decompressed (like curl without
//! `--compressed`). Proxies come from `HTTP_PROXY`/`HTTPS_PROXY`/`NO_PROXY`, as with curl.
//!
//! ClickHouse speaks HTTP: [`clickhouse_ping`] calls `GET /ping`, [`clickhouse_query`] POSTs
//! the SQL as the request body (so both reads and writes work; the caller decides what may run).

use reqwest::Url;
use reqwest::header::{HeaderName, HeaderValue};
use serde::Serialize;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::time::Instant;

use crate::origin_gate::OriginGates;
use crate::tls::{CertificateDer, describe_rustls_error};
use crate::{ProbeError, Result, util};

/// Default cap on the response body kept in memory: 1 MiB.
pub const DEFAULT_MAX_BODY: usize = 1024 * 1024;

/// One HTTP request. Build it with [`HttpRequest::new`] / [`HttpRequest::get`] and adjust the
/// public fields, or with a struct literal and `..Default::default()`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// Method, e.g. `GET`, `POST`, `HEAD` (sent as written; any token is allowed).
    pub method: String,
    /// Absolute `http://` or `https://` URL.
    pub url: String,
    /// Request headers, in order; repeated names are sent repeatedly.
    pub headers: Vec<(String, String)>,
    /// Request body, if any.
    pub body: Option<Vec<u8>>,
    /// Bound on the whole exchange: connect, TLS, request, response headers and body.
    pub timeout: Duration,
    /// Accept any certificate (curl `-k`).
    pub insecure_tls: bool,
    /// Follow up to 10 redirects (curl `-L`). Off by default, like curl. A redirect is
    /// followed only to the request's own host (same port, or the default port of the
    /// redirect's scheme) or to an authority in [`HttpRequest::redirect_hosts`]; otherwise
    /// the redirect response itself is returned with [`HttpResponse::redirect_refused`] set.
    pub follow_redirects: bool,
    /// Where a followed redirect may also go: `host:port`, or `host` for any port (the real
    /// addresses a profile maps its hosts to). Compared case-insensitively, without a
    /// trailing dot; IPv6 hosts in brackets (`[::1]:8080`).
    pub redirect_hosts: Vec<String>,
    /// Read-only mode: [`HttpClient::send`] refuses, before sending a byte, any method other
    /// than `GET`, `HEAD` or `OPTIONS`, any body, and any method-override header
    /// (`X-HTTP-Method-Override`, `X-HTTP-Method`, `X-Method-Override`), with
    /// [`ProbeError::NotAllowed`]; and a redirect that would re-send another method is not
    /// followed. (The probe never writes a file in any mode.)
    pub read_only: bool,
    /// HTTP basic authentication: user and optional password (curl `-u user:pass`).
    pub basic_auth: Option<(String, Option<String>)>,
    /// Keep at most this many body bytes (default [`DEFAULT_MAX_BODY`]).
    pub max_body: usize,
    /// When the body is longer than `max_body`: fail with [`ProbeError::BodyTooLarge`] instead
    /// of returning the first `max_body` bytes with `body_truncated: true`.
    pub fail_on_large_body: bool,
}

impl Default for HttpRequest {
    fn default() -> Self {
        Self {
            method: "GET".into(),
            url: String::new(),
            headers: Vec::new(),
            body: None,
            timeout: Duration::from_secs(10),
            insecure_tls: false,
            follow_redirects: false,
            redirect_hosts: Vec::new(),
            read_only: false,
            basic_auth: None,
            max_body: DEFAULT_MAX_BODY,
            fail_on_large_body: false,
        }
    }
}

impl HttpRequest {
    /// A request with the given method and URL and default settings (10 s timeout).
    pub fn new(method: impl Into<String>, url: impl Into<String>) -> Self {
        Self {
            method: method.into(),
            url: url.into(),
            ..Self::default()
        }
    }

    /// A `GET` request with default settings.
    pub fn get(url: impl Into<String>) -> Self {
        Self::new("GET", url)
    }
}

/// A received HTTP response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HttpResponse {
    /// Status code, e.g. `200`.
    pub status: u16,
    /// Canonical reason phrase for the status (`"OK"`), if it has one.
    pub reason: Option<String>,
    /// Protocol version: `"HTTP/1.0"`, `"HTTP/1.1"`, `"HTTP/2"` …
    pub version: String,
    /// The URL that answered (differs from the request URL after redirects).
    pub url: String,
    /// The peer address, when known.
    pub remote_addr: Option<SocketAddr>,
    /// Response headers in received order; names lower-case, values lossy UTF-8.
    pub headers: Vec<(String, String)>,
    /// The body, at most `max_body` bytes. Serialized as lossy UTF-8 text.
    #[serde(serialize_with = "util::serialize_lossy")]
    pub body: Vec<u8>,
    /// Whether the body was longer than `max_body` and was cut.
    pub body_truncated: bool,
    /// Time to response headers (time to first byte). Serialized as `ttfb_ms`.
    #[serde(rename = "ttfb_ms", serialize_with = "util::ms::serialize")]
    pub ttfb: Duration,
    /// Total time including the body. Serialized as `duration_ms`.
    #[serde(rename = "duration_ms", serialize_with = "util::ms::serialize")]
    pub duration: Duration,
    /// Why a redirect this response asks for was not followed, e.g. `redirect to
    /// https://evil.example/ not followed: host not mapped by the profile`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirect_refused: Option<String>,
}

impl HttpResponse {
    /// The body as text (lossy UTF-8).
    pub fn body_text(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.body)
    }

    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Settings shared by every request of one [`HttpClient`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpClientOptions {
    /// Certificates trusted in addition to the system's roots (e.g. a staging CA).
    pub extra_roots: Vec<CertificateDer<'static>>,
    /// `User-Agent` sent unless a request sets its own.
    pub user_agent: String,
}

impl Default for HttpClientOptions {
    fn default() -> Self {
        Self {
            extra_roots: Vec::new(),
            user_agent: concat!("greenlight/", env!("CARGO_PKG_VERSION")).to_string(),
        }
    }
}

/// A pooled HTTP client: cheap to clone (clones share connections), safe to use from many
/// tasks at once.
///
/// Internally it keeps up to two connection pools, with and without `insecure_tls`, each
/// built on first use. Redirects are followed by [`HttpClient::send`] itself, hop by hop,
/// so that each hop's destination and method can be checked.
#[derive(Clone, Debug, Default)]
pub struct HttpClient {
    inner: Arc<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    options: HttpClientOptions,
    /// Verifying TLS, `insecure_tls`, and plain `http://` (built without
    /// loading any trust roots: it never carries TLS).
    clients: [OnceLock<std::result::Result<reqwest::Client, ProbeError>>; 3],
    /// How many requests go to each origin at once (see [`crate::origin_gate`]).
    gates: OriginGates,
}

/// Which of [`Inner::clients`] a request uses.
#[derive(Clone, Copy)]
enum Pool {
    Verified = 0,
    Insecure = 1,
    Plain = 2,
}

impl HttpClient {
    /// A client with the given options. Nothing is connected or loaded until the first request.
    pub fn new(options: HttpClientOptions) -> Self {
        Self {
            inner: Arc::new(Inner {
                options,
                clients: Default::default(),
                gates: OriginGates::default(),
            }),
        }
    }

    /// Builds the client that `url` will use now (loading trust roots for
    /// `https://` takes a few milliseconds), so the first check's timing
    /// does not include it. A plain `http://` URL loads no trust roots.
    pub fn prepare(&self, url: &str, insecure: bool) {
        if let Ok(url) = Url::parse(url.trim()) {
            let _ = self.client(&url, insecure);
        }
    }

    /// The client for `url`: plain `http://` never needs trust roots, so it
    /// gets a client that does not load them (each redirect hop picks again).
    fn client(&self, url: &Url, insecure: bool) -> Result<reqwest::Client> {
        let pool = match (url.scheme(), insecure) {
            ("http", _) => Pool::Plain,
            (_, false) => Pool::Verified,
            (_, true) => Pool::Insecure,
        };
        self.inner.clients[pool as usize]
            .get_or_init(|| build_client(&self.inner.options, pool))
            .clone()
    }

    /// Sends `req` and reads the response (body bounded by `req.max_body`), all within
    /// `req.timeout`.
    pub async fn send(&self, req: &HttpRequest) -> Result<HttpResponse> {
        let url = Url::parse(req.url.trim())
            .map_err(|e| ProbeError::invalid(format!("URL {:?}", req.url), e))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(ProbeError::invalid(
                format!("URL {:?}", req.url),
                format!("unsupported scheme {:?} (use http or https)", url.scheme()),
            ));
        }
        let method = reqwest::Method::from_bytes(req.method.as_bytes()).map_err(|_| {
            ProbeError::invalid(format!("HTTP method {:?}", req.method), "not a token")
        })?;
        if req.read_only {
            refuse_unless_read(req, &url)?;
        }
        let mut headers = Vec::with_capacity(req.headers.len());
        for (name, value) in &req.headers {
            let n = HeaderName::from_bytes(name.trim().as_bytes())
                .map_err(|e| ProbeError::invalid(format!("header name {name:?}"), e))?;
            let v = HeaderValue::from_str(value.trim())
                .map_err(|e| ProbeError::invalid(format!("value of header {name:?}"), e))?;
            headers.push((n, v));
        }

        // A turn at the origin first: timings below are the server's, not
        // the time spent waiting for a connection of our own.
        let _turn = self.inner.gates.turn(&origin_key(&url)).await;
        let start = Instant::now();
        let deadline = util::deadline(start, req.timeout);
        let mut hop = Hop {
            method: method.clone(),
            url: url.clone(),
            body: req.body.clone(),
            credentials: true,
        };
        let mut redirects = 0;
        let (mut resp, redirect_refused) = loop {
            let client = self.client(&hop.url, req.insecure_tls)?;
            let mut builder = client.request(hop.method.clone(), hop.url.clone());
            for (n, v) in &headers {
                if !hop.credentials && is_credential_header(n) {
                    continue;
                }
                if hop.body.is_none() && req.body.is_some() && is_body_header(n) {
                    continue;
                }
                builder = builder.header(n.clone(), v.clone());
            }
            if hop.credentials
                && let Some((user, pass)) = &req.basic_auth
            {
                builder = builder.basic_auth(user, pass.as_ref());
            }
            if let Some(body) = &hop.body {
                builder = builder.body(body.clone());
            }
            let resp = match tokio::time::timeout_at(deadline, builder.send()).await {
                Err(_) => {
                    return Err(ProbeError::timeout(
                        req.timeout,
                        "waiting for response headers",
                    ));
                }
                Ok(Err(e)) => return Err(classify(&e, &hop.method, &hop.url)),
                Ok(Ok(r)) => r,
            };
            if !req.follow_redirects {
                break (resp, None);
            }
            match next_hop(req, &url, &hop, &resp) {
                Next::Stop => break (resp, None),
                Next::Refused(why) => break (resp, Some(why)),
                Next::Follow(next) => {
                    redirects += 1;
                    if redirects > MAX_REDIRECTS {
                        return Err(ProbeError::Protocol {
                            context: format!("following redirects from {url}"),
                            detail: format!("more than {MAX_REDIRECTS} redirects"),
                        });
                    }
                    hop = next;
                }
            }
        };
        let ttfb = start.elapsed();
        let status = resp.status();
        let version = version_text(resp.version());
        let final_url = resp.url().to_string();
        let remote_addr = resp.remote_addr();
        let headers = resp
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();

        let mut body = Vec::new();
        let mut truncated = false;
        loop {
            match tokio::time::timeout_at(deadline, resp.chunk()).await {
                Err(_) => {
                    return Err(ProbeError::timeout(
                        req.timeout,
                        "reading the response body",
                    ));
                }
                Ok(Err(e)) => {
                    return Err(ProbeError::Protocol {
                        context: format!("reading the response body from {url}"),
                        detail: error_chain_text(&e),
                    });
                }
                Ok(Ok(None)) => break,
                Ok(Ok(Some(chunk))) => {
                    let room = req.max_body - body.len();
                    if chunk.len() > room {
                        if req.fail_on_large_body {
                            return Err(ProbeError::BodyTooLarge {
                                limit: req.max_body,
                            });
                        }
                        body.extend_from_slice(&chunk[..room]);
                        truncated = true;
                        break;
                    }
                    body.extend_from_slice(&chunk);
                }
            }
        }
        Ok(HttpResponse {
            status: status.as_u16(),
            reason: status.canonical_reason().map(str::to_string),
            version,
            url: final_url,
            remote_addr,
            headers,
            body,
            body_truncated: truncated,
            ttfb,
            duration: start.elapsed(),
            redirect_refused,
        })
    }
}

/// How many redirects [`HttpClient::send`] follows at most (like curl's default of 50,
/// but bounded tighter, as reqwest does).
const MAX_REDIRECTS: usize = 10;

/// Header names that ask a server to take a request as another method.
const METHOD_OVERRIDE_HEADERS: [&str; 3] = [
    "x-http-method-override",
    "x-http-method",
    "x-method-override",
];

/// One request of a redirect chain.
struct Hop {
    method: reqwest::Method,
    url: Url,
    body: Option<Vec<u8>>,
    /// Whether `Authorization`, cookies and basic auth go along (not after the chain left
    /// the original authority).
    credentials: bool,
}

enum Next {
    Stop,
    Refused(String),
    Follow(Hop),
}

/// Read-only mode: only GET, HEAD or OPTIONS, no body, no method-override header.
fn refuse_unless_read(req: &HttpRequest, url: &Url) -> Result<()> {
    let refuse = |reason: String| {
        Err(ProbeError::NotAllowed {
            what: format!("{} {url}", req.method),
            reason,
        })
    };
    if !matches!(req.method.as_str(), "GET" | "HEAD" | "OPTIONS") {
        return refuse(format!(
            "the method is {:?}; only GET, HEAD or OPTIONS may be sent when only reads are allowed",
            req.method
        ));
    }
    if let Some(body) = &req.body {
        return refuse(format!(
            "it has a body ({} bytes); a read sends none",
            body.len()
        ));
    }
    if let Some((name, value)) = req.headers.iter().find(|(n, _)| {
        METHOD_OVERRIDE_HEADERS
            .iter()
            .any(|h| n.trim().eq_ignore_ascii_case(h))
    }) {
        return refuse(format!(
            "header {}: {} asks the server for another method",
            name.trim(),
            value.trim()
        ));
    }
    Ok(())
}

/// Where the redirect in `resp` leads, if it may be followed.
fn next_hop(req: &HttpRequest, first: &Url, hop: &Hop, resp: &reqwest::Response) -> Next {
    use reqwest::Method;
    let status = resp.status().as_u16();
    if !matches!(status, 301 | 302 | 303 | 307 | 308) {
        return Next::Stop;
    }
    let Some(location) = resp
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
    else {
        return Next::Stop;
    };
    let Ok(next) = hop.url.join(location.trim()) else {
        return Next::Refused(format!(
            "redirect to {location:?} not followed: not a valid URL"
        ));
    };
    if !matches!(next.scheme(), "http" | "https") {
        return Next::Refused(format!(
            "redirect to {next} not followed: not an http(s) URL"
        ));
    }
    if !may_redirect_to(&next, first, &req.redirect_hosts) {
        return Next::Refused(format!(
            "redirect to {next} not followed: host not mapped by the profile"
        ));
    }
    // 301/302/303 turn into GET (HEAD stays HEAD) without the body, as browsers, reqwest
    // and curl's defaults for 303 do; 307/308 repeat the request as it was.
    let (method, body) = match status {
        307 | 308 => (hop.method.clone(), hop.body.clone()),
        _ if hop.method == Method::HEAD => (Method::HEAD, None),
        _ => (Method::GET, None),
    };
    if req.read_only && !matches!(method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return Next::Refused(format!(
            "redirect to {next} not followed: it would re-send {method}, and only reads are allowed"
        ));
    }
    let credentials = hop.credentials && authority(&next) == authority(&hop.url);
    Next::Follow(Hop {
        method,
        url: next,
        body,
        credentials,
    })
}

/// `host` (lower case, no trailing dot, IPv6 in brackets) and port of a URL.
fn authority(url: &Url) -> (String, Option<u16>) {
    let host = url
        .host_str()
        .unwrap_or_default()
        .trim_end_matches('.')
        .to_ascii_lowercase();
    (host, url.port_or_known_default())
}

/// Whether a redirect may lead to `next`: the first request's authority (or, from a
/// default port to a default port, the same host under the other scheme: an
/// http → https upgrade), or an allowed `host:port` / `host`.
fn may_redirect_to(next: &Url, first: &Url, allowed: &[String]) -> bool {
    let (host, port) = authority(next);
    let (first_host, first_port) = authority(first);
    let on_default = |url: &Url, port: Option<u16>| {
        port == match url.scheme() {
            "https" => Some(443),
            _ => Some(80),
        }
    };
    if host == first_host
        && (port == first_port || on_default(next, port) && on_default(first, first_port))
    {
        return true;
    }
    allowed.iter().any(|a| {
        let a = a.trim().to_ascii_lowercase();
        let (a_host, a_port) = crate::addr::split_host_port(&a);
        // `host` is the URL's: an IPv6 literal keeps its brackets there.
        let a_host = a_host.trim_end_matches('.');
        let same_host = if a_host.contains(':') {
            host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) == Some(a_host)
        } else {
            a_host == host
        };
        same_host && a_port.is_none_or(|p| Some(p) == port)
    })
}

fn is_credential_header(name: &HeaderName) -> bool {
    use reqwest::header::{AUTHORIZATION, COOKIE, PROXY_AUTHORIZATION};
    [AUTHORIZATION, COOKIE, PROXY_AUTHORIZATION].contains(name)
}

/// Headers that describe a body, dropped when a redirect drops it.
fn is_body_header(name: &HeaderName) -> bool {
    use reqwest::header::{CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE, TRANSFER_ENCODING};
    [
        CONTENT_TYPE,
        CONTENT_LENGTH,
        CONTENT_ENCODING,
        TRANSFER_ENCODING,
    ]
    .contains(name)
}

fn build_client(
    options: &HttpClientOptions,
    pool: Pool,
) -> std::result::Result<reqwest::Client, ProbeError> {
    crate::install_crypto_provider();
    let insecure = matches!(pool, Pool::Insecure);
    let mut b = reqwest::Client::builder()
        .user_agent(options.user_agent.clone())
        // `send` follows redirects itself, checking every hop.
        .redirect(reqwest::redirect::Policy::none())
        .pool_idle_timeout(Duration::from_secs(30))
        .tls_danger_accept_invalid_certs(insecure);
    if matches!(pool, Pool::Plain) {
        // Only `http://` URLs use this client. Trusting no root at all
        // (instead of loading the system's) keeps it fail-safe: a TLS
        // handshake through it could never be accepted.
        b = b.tls_certs_only(Vec::new());
    } else if !insecure {
        let certs = options
            .extra_roots
            .iter()
            .enumerate()
            .map(|(i, c)| {
                reqwest::Certificate::from_der(c).map_err(|e| {
                    ProbeError::invalid(format!("extra root certificate #{}", i + 1), e)
                })
            })
            .collect::<Result<Vec<_>>>()?;
        b = b.tls_certs_merge(certs);
    }
    b.build().map_err(|e| ProbeError::Io {
        context: "could not set up the HTTP client".into(),
        detail: error_chain_text(&e),
    })
}

fn version_text(v: reqwest::Version) -> String {
    match v {
        reqwest::Version::HTTP_09 => "HTTP/0.9",
        reqwest::Version::HTTP_10 => "HTTP/1.0",
        reqwest::Version::HTTP_11 => "HTTP/1.1",
        reqwest::Version::HTTP_2 => "HTTP/2",
        reqwest::Version::HTTP_3 => "HTTP/3",
        _ => "HTTP/?",
    }
    .to_string()
}

/// The origin a request's turn is taken at: `scheme://host:port`.
fn origin_key(url: &Url) -> String {
    format!(
        "{}://{}:{}",
        url.scheme(),
        url.host_str().unwrap_or_default(),
        url.port_or_known_default().unwrap_or_default()
    )
}

/// `host:port` of a URL, for messages (IPv6 hosts come bracketed from `host_str`).
fn url_addr(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port_or_known_default() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_string(),
    }
}

/// The messages of an error and its sources, joined by ": ", without repeats.
fn error_chain_text(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    for err in util::chain(e) {
        let text = err.to_string();
        if parts.last().is_some_and(|p| p.contains(&text)) {
            continue;
        }
        parts.push(text);
    }
    parts.join(": ")
}

/// Maps a reqwest failure before the response headers to a [`ProbeError`].
fn classify(e: &reqwest::Error, method: &reqwest::Method, url: &Url) -> ProbeError {
    let addr = url_addr(url);
    if let Some(tls) = find_rustls_error(e) {
        return ProbeError::Tls {
            addr,
            detail: describe_rustls_error(tls),
        };
    }
    if e.is_builder() {
        return ProbeError::invalid(format!("request {method} {url}"), error_chain_text(e));
    }
    if e.is_connect() {
        let io = util::find_io_error(e);
        let is_dns = util::chain(e).any(|err| err.to_string() == "dns error");
        if is_dns {
            return ProbeError::Dns {
                host: url.host_str().unwrap_or_default().to_string(),
                detail: io.map_or_else(|| error_chain_text(e), ToString::to_string),
            };
        }
        if let Some(io) = io {
            return crate::tcp::connect_error(&addr, io);
        }
        return ProbeError::Connect {
            addr,
            detail: error_chain_text(e),
        };
    }
    if e.is_redirect() {
        return ProbeError::Protocol {
            context: format!("following redirects from {url}"),
            detail: error_chain_text(e),
        };
    }
    ProbeError::Protocol {
        context: format!("{method} {url} failed"),
        detail: error_chain_text(e),
    }
}

/// Finds a rustls error anywhere in `e`'s sources, looking inside `std::io::Error`s too
/// (whose `source()` skips the error they wrap).
fn find_rustls_error<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    let mut next = Some(e);
    while let Some(err) = next {
        if let Some(tls) = err.downcast_ref::<rustls::Error>() {
            return Some(tls);
        }
        if let Some(inner) = err
            .downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::get_ref)
            && let Some(tls) = find_rustls_error(inner)
        {
            return Some(tls);
        }
        next = err.source();
    }
    None
}

fn default_client() -> &'static HttpClient {
    static CLIENT: OnceLock<HttpClient> = OnceLock::new();
    CLIENT.get_or_init(HttpClient::default)
}

/// Sends `req` through a process-wide default [`HttpClient`] (default options).
pub async fn http_request(req: &HttpRequest) -> Result<HttpResponse> {
    default_client().send(req).await
}

/// Result of a ClickHouse HTTP call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClickHouseReport {
    /// HTTP status (2xx; other statuses are returned as [`ProbeError::Server`]).
    pub status: u16,
    /// The response body as text (e.g. `"Ok.\n"` for `/ping`, or the query result in the
    /// server's default `TabSeparated` format).
    pub body: String,
    /// Whether the body was cut at [`DEFAULT_MAX_BODY`].
    pub body_truncated: bool,
    /// Total time. Serialized as `duration_ms`.
    #[serde(rename = "duration_ms", serialize_with = "util::ms::serialize")]
    pub duration: Duration,
}

/// `GET {base_url}/ping` on a ClickHouse HTTP interface (e.g. `http://127.0.0.1:8123`).
pub async fn clickhouse_ping(base_url: &str, timeout: Duration) -> Result<ClickHouseReport> {
    let mut url = Url::parse(base_url.trim())
        .map_err(|e| ProbeError::invalid(format!("URL {base_url:?}"), e))?;
    let path = format!("{}/ping", url.path().trim_end_matches('/'));
    url.set_path(&path);
    let req = HttpRequest {
        timeout,
        ..HttpRequest::get(url.to_string())
    };
    clickhouse_call(&req).await
}

/// Runs `sql` on a ClickHouse HTTP interface by POSTing it to `base_url` (which may carry
/// settings such as `?database=…&user=…` in its query string).
///
/// With [`crate::Access::ReadOnly`] the query carries ClickHouse's own
/// `readonly=1` setting, so the server refuses a write the judge missed
/// (and the query cannot change that setting back).
pub async fn clickhouse_query(
    base_url: &str,
    sql: &str,
    access: crate::Access,
    timeout: Duration,
) -> Result<ClickHouseReport> {
    let url = clickhouse_url(base_url.trim(), access);
    let req = HttpRequest {
        body: Some(sql.as_bytes().to_vec()),
        timeout,
        ..HttpRequest::new("POST", url)
    };
    clickhouse_call(&req).await
}

/// The query URL: `readonly=1` added (or forced) in read-only mode.
fn clickhouse_url(base: &str, access: crate::Access) -> String {
    if access != crate::Access::ReadOnly {
        return base.to_string();
    }
    let (path, query) = base.split_once('?').unwrap_or((base, ""));
    let mut params: Vec<&str> = query
        .split('&')
        .filter(|p| !p.is_empty() && !p.to_ascii_lowercase().starts_with("readonly="))
        .collect();
    params.push("readonly=1");
    format!("{path}?{}", params.join("&"))
}

async fn clickhouse_call(req: &HttpRequest) -> Result<ClickHouseReport> {
    let resp = http_request(req).await?;
    let body = resp.body_text().into_owned();
    if !(200..300).contains(&resp.status) {
        let mut message = body.trim().chars().take(1000).collect::<String>();
        if message.is_empty() {
            message = "(empty response)".into();
        }
        return Err(ProbeError::Server {
            service: "ClickHouse".into(),
            message: format!("{message} (HTTP {})", resp.status),
        });
    }
    Ok(ClickHouseReport {
        status: resp.status,
        body,
        body_truncated: resp.body_truncated,
        duration: resp.duration,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_addresses() {
        let u = Url::parse("https://example.test/x").unwrap();
        assert_eq!(url_addr(&u), "example.test:443");
        let u = Url::parse("http://[::1]:8080/").unwrap();
        assert_eq!(url_addr(&u), "[::1]:8080");
        let u = Url::parse("http://127.0.0.1/").unwrap();
        assert_eq!(url_addr(&u), "127.0.0.1:80");
    }

    #[test]
    fn redirect_destinations() {
        let u = |s: &str| Url::parse(s).unwrap();
        let first = u("http://api.example.com/x");
        assert!(may_redirect_to(
            &u("https://API.example.com./y"),
            &first,
            &[]
        ));
        assert!(may_redirect_to(
            &u("http://api.example.com:80/y"),
            &first,
            &[]
        ));
        assert!(!may_redirect_to(
            &u("http://api.example.com:8080/"),
            &first,
            &[]
        ));
        assert!(!may_redirect_to(&u("https://evil.example/"), &first, &[]));
        let loopback = u("http://127.0.0.1:18081/");
        assert!(!may_redirect_to(&u("http://127.0.0.1/"), &loopback, &[]));
        assert!(!may_redirect_to(&u("http://127.0.0.1:9/"), &loopback, &[]));
        let allowed = [
            "127.0.0.1:9".to_string(),
            "[::1]:7".into(),
            "cdn.example".into(),
        ];
        assert!(may_redirect_to(
            &u("http://127.0.0.1:9/"),
            &loopback,
            &allowed
        ));
        assert!(may_redirect_to(&u("http://[::1]:7/"), &loopback, &allowed));
        assert!(!may_redirect_to(&u("http://[::1]:8/"), &loopback, &allowed));
        assert!(may_redirect_to(
            &u("https://CDN.example./a"),
            &loopback,
            &allowed
        ));
    }

    #[test]
    fn versions() {
        assert_eq!(version_text(reqwest::Version::HTTP_11), "HTTP/1.1");
        assert_eq!(version_text(reqwest::Version::HTTP_2), "HTTP/2");
    }
}

#[cfg(test)]
mod clickhouse_tests {
    use super::clickhouse_url;
    use crate::Access;

    #[test]
    fn read_only_queries_carry_readonly_1() {
        assert_eq!(
            clickhouse_url("http://h:8123", Access::ReadOnly),
            "http://h:8123?readonly=1"
        );
        assert_eq!(
            clickhouse_url("http://h:8123/?database=x&readonly=0", Access::ReadOnly),
            "http://h:8123/?database=x&readonly=1"
        );
        assert_eq!(
            clickhouse_url("http://h:8123/?READONLY=2", Access::ReadOnly),
            "http://h:8123/?readonly=1"
        );
        assert_eq!(
            clickhouse_url("http://h:8123", Access::ReadWrite),
            "http://h:8123"
        );
    }
}
