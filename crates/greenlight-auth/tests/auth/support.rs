//! The test world: a real store (a SQLite file, or a PostgreSQL schema of
//! its own, dropped afterwards), accounts of each role, a small axum
//! router guarded by the crate's extractors and layer, served on loopback,
//! and a minimal HTTP/1.1 client (every call bounded in time).

use axum::extract::Form;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};
use axum::{Json, Router};
use greenlight_auth::{
    Action, Auth, AuthConfig, AuthRejection, Identity, Role, create_account, csrf_guard,
    init_admin, routes,
};
use greenlight_store::Store;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub const PG_BASE: &str = "postgres://postgres@127.0.0.1:5432/postgres";
pub const PASSWORD: &str = "correct horse battery";

pub fn unique(name: &str) -> String {
    static N: AtomicU64 = AtomicU64::new(0);
    format!(
        "{name}_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

fn services_required() -> bool {
    std::env::var("GREENLIGHT_REQUIRE_SERVICES").is_ok_and(|v| v == "1")
}

pub async fn pg_connect() -> Result<tokio_postgres::Client, String> {
    let mut config: tokio_postgres::Config = PG_BASE.parse().map_err(|e| format!("{e}"))?;
    config.connect_timeout(Duration::from_secs(5));
    let (client, conn) = tokio::time::timeout(
        Duration::from_secs(5),
        config.connect(tokio_postgres::NoTls),
    )
    .await
    .map_err(|_| "no answer within 5 s".to_string())?
    .map_err(|e| e.to_string())?;
    tokio::spawn(conn);
    Ok(client)
}

pub enum Backend {
    Sqlite { dir: PathBuf },
    Postgres { schema: String },
}

impl Backend {
    pub fn sqlite(name: &str) -> Backend {
        Backend::Sqlite {
            dir: std::env::temp_dir().join(format!("gl-auth-test-{}", unique(name))),
        }
    }

    /// `None` (with a note) when PostgreSQL is unreachable and not required.
    pub async fn postgres(name: &str) -> Option<Backend> {
        match pg_connect().await {
            Ok(_) => {}
            Err(e) if services_required() => panic!(
                "PostgreSQL at 127.0.0.1:5432 is required (GREENLIGHT_REQUIRE_SERVICES=1) but unreachable: {e}"
            ),
            Err(e) => {
                eprintln!("note: PostgreSQL unreachable ({e}); skipping {name}");
                return None;
            }
        }
        Some(Backend::Postgres {
            schema: format!("gl_auth_{}", unique(&name[..name.len().min(30)])).to_lowercase(),
        })
    }

    pub fn spec(&self) -> String {
        match self {
            Backend::Sqlite { dir } => dir.join("runs.db").display().to_string(),
            Backend::Postgres { schema } => format!("{PG_BASE}?schema={schema}"),
        }
    }

    /// Every byte the store holds (SQLite: the file and its WAL; PostgreSQL:
    /// every row of the auth tables as text), to search for leaked secrets.
    pub async fn raw_contents(&self) -> Vec<u8> {
        match self {
            Backend::Sqlite { dir } => {
                let mut all = Vec::new();
                for f in ["runs.db", "runs.db-wal"] {
                    all.extend(std::fs::read(dir.join(f)).unwrap_or_default());
                }
                all
            }
            Backend::Postgres { schema } => {
                let client = pg_connect().await.unwrap();
                let mut all = Vec::new();
                for t in ["accounts", "api_tokens", "web_sessions", "login_failures"] {
                    for row in client
                        .query(&format!("SELECT CAST(t AS TEXT) FROM {schema}.{t} t"), &[])
                        .await
                        .unwrap()
                    {
                        all.extend(row.get::<_, String>(0).into_bytes());
                    }
                }
                all
            }
        }
    }
}

impl Drop for Backend {
    fn drop(&mut self) {
        match self {
            Backend::Sqlite { dir } => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Backend::Postgres { schema } => {
                let schema = schema.clone();
                let _ = std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .unwrap();
                    rt.block_on(async {
                        if let Ok(client) = pg_connect().await {
                            let _ = client
                                .batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                                .await;
                        }
                    });
                })
                .join();
            }
        }
    }
}

/// A store with `root` (admin), `vera` (viewer), `otto` (operator) and
/// `alice` (approver for "QA Lead"), and the test router serving it.
pub struct World {
    pub backend: Backend,
    pub store: Arc<Store>,
    pub auth: Auth,
    pub addr: SocketAddr,
}

impl World {
    pub async fn new(backend: Backend, config: AuthConfig) -> World {
        let store = Arc::new(Store::open(&backend.spec()).await.unwrap());
        init_admin(&store, "root", PASSWORD).await.unwrap();
        for (name, role, bound) in [
            ("vera", Role::Viewer, vec![]),
            ("otto", Role::Operator, vec![]),
            ("alice", Role::Approver, vec!["QA Lead".to_string()]),
        ] {
            create_account(&store, name, PASSWORD, role, &bound)
                .await
                .unwrap();
        }
        let auth = Auth::new(store.clone(), config);
        let addr = serve(auth.clone()).await;
        World {
            backend,
            store,
            auth,
            addr,
        }
    }

    pub async fn get(&self, path: &str, headers: &[(&str, &str)]) -> Resp {
        send(self.addr, "GET", path, headers, None).await
    }

    pub async fn post_form(&self, path: &str, headers: &[(&str, &str)], form: &str) -> Resp {
        send(
            self.addr,
            "POST",
            path,
            headers,
            Some(("application/x-www-form-urlencoded", form)),
        )
        .await
    }

    pub async fn post_json(&self, path: &str, headers: &[(&str, &str)]) -> Resp {
        send(
            self.addr,
            "POST",
            path,
            headers,
            Some(("application/json", "{}")),
        )
        .await
    }

    /// Opens the login page: the form's CSRF token (also set as the cookie).
    pub async fn login_form(&self, cookies: &str) -> String {
        let page = self
            .get("/login", &[("cookie", cookies), ("accept", "text/html")])
            .await;
        assert_eq!(page.status, 200, "{}", page.body);
        let token = page.cookie("gl_login_csrf").expect("login CSRF cookie");
        assert!(
            page.body
                .contains(&format!("name=\"csrf\" value=\"{token}\"")),
            "the form carries the cookie's token"
        );
        token
    }

    /// Logs in through the form; the response (303 and a cookie on success).
    pub async fn login(&self, name: &str, password: &str, extra_cookie: &str) -> Resp {
        let csrf = self.login_form(extra_cookie).await;
        let cookies = format!("{extra_cookie}; gl_login_csrf={csrf}");
        self.post_form(
            "/login",
            &[("cookie", &cookies), ("accept", "text/html")],
            &format!(
                "name={name}&password={}&csrf={csrf}&next=/releases/r1",
                password.replace(' ', "+")
            ),
        )
        .await
    }

    /// A logged-in session: (session id, its CSRF token).
    pub async fn session(&self, name: &str) -> (String, String) {
        let r = self.login(name, PASSWORD, "").await;
        assert_eq!(r.status, 303, "login as {name}: {}", r.body);
        let id = r.cookie("gl_session").expect("session cookie");
        let page = self
            .get("/releases/r1", &[("cookie", &format!("gl_session={id}"))])
            .await;
        assert_eq!(page.status, 200, "{}", page.body);
        let csrf = page
            .body
            .split("csrf=")
            .nth(1)
            .expect("the page shows its form token")
            .trim()
            .to_string();
        (id, csrf)
    }
}

#[derive(Deserialize)]
struct SignoffForm {
    role: String,
}

/// The router under test: each route guarded the way the server will.
async fn serve(auth: Auth) -> SocketAddr {
    let app = Router::new()
        .route(
            "/api/state",
            get(|who: Identity| async move {
                who.allow(&Action::Read)?;
                Ok::<_, AuthRejection>(Json(serde_json::json!({
                    "name": who.name, "role": who.role.as_str()
                })))
            }),
        )
        .route(
            "/api/runs",
            post(|who: Identity| async move {
                who.require(Role::Operator)?;
                Ok::<_, AuthRejection>(format!("run started by {}", who.name))
            }),
        )
        .route(
            "/api/accounts",
            post(|who: Identity| async move {
                who.allow(&Action::ManageAccounts)?;
                Ok::<_, AuthRejection>(format!("account managed by {}", who.name))
            }),
        )
        .route(
            "/releases/{id}",
            get(|who: Identity| async move {
                format!("hello {} csrf={}", who.name, who.csrf_token().unwrap_or(""))
            }),
        )
        .route(
            "/releases/{id}/signoff",
            post(|who: Identity, Form(f): Form<SignoffForm>| async move {
                who.allow(&Action::SignOff(f.role.clone()))?;
                Ok::<_, AuthRejection>(format!("{} signed as {}", who.name, f.role))
            }),
        )
        .merge(routes())
        .layer(from_fn_with_state(auth.clone(), csrf_guard))
        .with_state(auth);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    addr
}

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The value a `Set-Cookie` gives cookie `name`.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.set_cookie(name)?
            .split(';')
            .next()?
            .split_once('=')
            .map(|(_, v)| v.to_string())
    }

    /// The whole `Set-Cookie` line of cookie `name`.
    pub fn set_cookie(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
            .map(|(_, v)| v.as_str())
            .find(|v| v.starts_with(&format!("{name}=")))
    }
}

/// One HTTP/1.1 request over a fresh loopback connection (10 s at most).
pub async fn send(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<(&str, &str)>,
) -> Resp {
    let mut req = format!("{method} {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    if let Some((ctype, b)) = body {
        req.push_str(&format!(
            "content-type: {ctype}\r\ncontent-length: {}\r\n",
            b.len()
        ));
    }
    req.push_str("\r\n");
    if let Some((_, b)) = body {
        req.push_str(b);
    }
    let raw = tokio::time::timeout(Duration::from_secs(10), async {
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        s.write_all(req.as_bytes()).await.unwrap();
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).await.unwrap();
        raw
    })
    .await
    .expect("the test server answers within 10 s");
    let text = String::from_utf8_lossy(&raw).to_string();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_lowercase(), v.trim().to_string()))
        .collect();
    let chunked = headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"));
    let body = if chunked {
        dechunk(body)
    } else {
        body.to_string()
    };
    Resp {
        status,
        headers,
        body,
    }
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        s = rest[n..].trim_start_matches("\r\n");
    }
    out
}
