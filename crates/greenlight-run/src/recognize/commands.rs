//! Native probes: commands greenlight can run itself instead of through a
//! shell (`curl`, `psql -c`, `redis-cli`, `nc -z`, `telnet`, `wscat`,
//! `websocat`, `openssl s_client`, `clickhouse-client`), load tools left
//! to the load generator, and captures (`TOKEN=$(curl … | jq -r '.token')`).
//!
//! Anything that would behave differently natively (a flag not
//! understood, a file written, a filter that changes the output) is
//! [`NotNative`] with the reason: the caller runs it in a shell.

use serde::Serialize;

use super::curl::{CurlSpec, parse_curl};
use super::expect::Assertion;
use super::script::{Command, RedirectOp, Stage, split_script};

/// A TLS protocol version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum TlsVersion {
    /// TLS 1.0.
    #[serde(rename = "1.0")]
    Tls1_0,
    /// TLS 1.1.
    #[serde(rename = "1.1")]
    Tls1_1,
    /// TLS 1.2.
    #[serde(rename = "1.2")]
    Tls1_2,
    /// TLS 1.3.
    #[serde(rename = "1.3")]
    Tls1_3,
}

impl TlsVersion {
    /// `1.2` → TLS 1.2.
    pub fn parse(s: &str) -> Option<TlsVersion> {
        Some(match s.trim() {
            "1" | "1.0" => TlsVersion::Tls1_0,
            "1.1" => TlsVersion::Tls1_1,
            "1.2" => TlsVersion::Tls1_2,
            "1.3" => TlsVersion::Tls1_3,
            _ => return None,
        })
    }
}

/// A step greenlight can run natively.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NativeStep {
    /// An HTTP request (from curl).
    Http(CurlSpec),
    /// A PostgreSQL query (`psql -c`).
    Psql {
        /// `-h`.
        host: Option<String>,
        /// `-p`.
        port: Option<u16>,
        /// `-U` (or the second positional argument).
        user: Option<String>,
        /// `-d` or the first positional argument: a name, a connection
        /// URI or `$DATABASE_URL`.
        db: Option<String>,
        /// The SQL (`-c`, or a here-document fed to psql).
        sql: String,
    },
    /// A Redis command (`redis-cli … ping`).
    RedisCli {
        /// `-h`.
        host: Option<String>,
        /// `-p`.
        port: Option<u16>,
        /// `-u redis://…`.
        url: Option<String>,
        /// `-a`, `--pass` (a secret).
        password: Option<String>,
        /// `--user`.
        user: Option<String>,
        /// `-n`.
        db: Option<u32>,
        /// `--tls`.
        tls: bool,
        /// The command and its arguments (`["ping"]`, `["info", "server"]`).
        args: Vec<String>,
    },
    /// A TCP connection attempt (`nc -z host port`, `telnet host port`).
    TcpConnect {
        /// Host name or address.
        host: String,
        /// Port.
        port: u16,
    },
    /// A WebSocket upgrade (`wscat -c URL`, `websocat URL`).
    WebSocket {
        /// `ws://` or `wss://` URL.
        url: String,
        /// Extra request headers.
        headers: Vec<(String, String)>,
        /// No certificate verification (`wscat -n`, `websocat -k`).
        insecure: bool,
    },
    /// A TLS handshake (`openssl s_client -connect host:443`, or the text
    /// `TLS version >= 1.2`).
    TlsCheck {
        /// Host.
        host: String,
        /// Port.
        port: u16,
        /// `-servername` (SNI) when it differs from the host.
        server_name: Option<String>,
        /// Lowest version that must be accepted/negotiated.
        min_version: Option<TlsVersion>,
        /// Highest version offered (`-tls1_2` offers exactly 1.2).
        max_version: Option<TlsVersion>,
    },
    /// A ClickHouse query (`clickhouse-client --query …`).
    ClickHouse {
        /// `--host`.
        host: Option<String>,
        /// `--port`.
        port: Option<u16>,
        /// `--user`.
        user: Option<String>,
        /// `--password` (a secret).
        password: Option<String>,
        /// `--database`.
        database: Option<String>,
        /// `--secure`.
        secure: bool,
        /// The query.
        query: String,
    },
    /// A load-test tool line (`k6 run`, `ab`, `hey`, `wrk`, `oha`, …),
    /// for the load generator to interpret.
    LoadTool {
        /// The tool's name.
        tool: String,
        /// The full command words.
        argv: Vec<String>,
        /// `VAR=value` prefixes (`BASE_URL=… k6 run x.js`).
        env: Vec<(String, String)>,
    },
    /// `VAR=$(step | jq -r FILTER)`: run the step, keep (part of) its
    /// output in a variable for later steps.
    Capture {
        /// The variable set.
        var: String,
        /// The step whose output is captured.
        step: Box<NativeStep>,
        /// The `jq -r` path applied to the output (`.id`, `.a.b`,
        /// `.[0].id`), or `None` to keep the whole output (trailing
        /// newlines removed, as `$(…)` does).
        jq_filter: Option<String>,
    },
}

/// Why a command runs in a shell rather than natively.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotNative {
    /// For people: `curl flag --proxy is not supported natively`.
    pub reason: String,
}

impl NotNative {
    fn new(reason: impl Into<String>) -> Self {
        NotNative {
            reason: reason.into(),
        }
    }
}

impl std::fmt::Display for NotNative {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.reason)
    }
}

/// A command greenlight can run natively, with what its pipe adds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NativeCommand {
    /// The probe.
    pub step: NativeStep,
    /// Assertions stated by the pipeline itself (`| grep -q healthy` →
    /// the output contains `healthy`).
    pub assertions: Vec<Assertion>,
    /// A `jq` path the output is piped through for display
    /// (`curl … | jq '.status'`): expectation comments written under the
    /// command speak of this filtered output.
    pub output_filter: Option<String>,
}

/// Whether `filter` is a plain jq path: `.`, `.id`, `.a.b`, `.[0].id`,
/// `.items[2]`, `."a-b"`, `.["a"]`.
pub fn is_simple_jq_path(filter: &str) -> bool {
    let f = filter.trim();
    if f == "." {
        return true;
    }
    let b = f.as_bytes();
    if b.first() != Some(&b'.') {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'.' => {
                i += 1;
                match b.get(i) {
                    Some(c) if c.is_ascii_alphabetic() || *c == b'_' => {
                        while b
                            .get(i)
                            .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
                        {
                            i += 1;
                        }
                    }
                    Some(b'"') => {
                        let Some(n) = f[i + 1..].find('"') else {
                            return false;
                        };
                        i += n + 2;
                    }
                    Some(b'[') => {}
                    _ => return false,
                }
            }
            b'[' => {
                let Some(n) = f[i..].find(']') else {
                    return false;
                };
                let inner = &f[i + 1..i + n];
                let ok = inner.parse::<i64>().is_ok()
                    || (inner.len() >= 2
                        && inner.starts_with('"')
                        && inner.ends_with('"')
                        && !inner[1..inner.len() - 1].contains('"'));
                if !ok {
                    return false;
                }
                i += n + 1;
            }
            _ => return false,
        }
    }
    true
}

fn port(flag: &str, v: &str) -> Result<u16, NotNative> {
    v.parse::<u16>()
        .ok()
        .filter(|p| *p > 0)
        .ok_or_else(|| NotNative::new(format!("{flag} {v}: not a port number")))
}

/// The value of an option given as `-x v`, `-xv`, `--long v` or
/// `--long=v`. Advances `i` past what it used.
fn option_value(
    args: &[String],
    i: &mut usize,
    short: Option<&str>,
    long: Option<&str>,
) -> Option<Result<String, NotNative>> {
    let a = args[*i].as_str();
    let missing = || NotNative::new(format!("{a} needs a value"));
    if let Some(s) = short {
        if a == s {
            *i += 1;
            let v = args.get(*i).cloned().ok_or_else(missing);
            *i += 1;
            return Some(v);
        }
        if let Some(v) = a.strip_prefix(s)
            && !a.starts_with("--")
        {
            *i += 1;
            return Some(Ok(v.to_string()));
        }
    }
    if let Some(l) = long {
        if a == l {
            *i += 1;
            let v = args.get(*i).cloned().ok_or_else(missing);
            *i += 1;
            return Some(v);
        }
        if let Some(v) = a.strip_prefix(l).and_then(|r| r.strip_prefix('=')) {
            *i += 1;
            return Some(Ok(v.to_string()));
        }
    }
    None
}

fn parse_psql(argv: &[String], stage: &Stage) -> Result<NativeStep, NotNative> {
    let mut host = None;
    let mut port_ = None;
    let mut user = None;
    let mut db = None;
    let mut sql: Option<String> = None;
    let mut positional = Vec::new();
    let mut i = 1;
    while i < argv.len() {
        let a = argv[i].as_str();
        if let Some(v) = option_value(argv, &mut i, Some("-h"), Some("--host")) {
            host = Some(v?);
        } else if let Some(v) = option_value(argv, &mut i, Some("-p"), Some("--port")) {
            port_ = Some(port("-p", &v?)?);
        } else if let Some(v) = option_value(argv, &mut i, Some("-U"), Some("--username")) {
            user = Some(v?);
        } else if let Some(v) = option_value(argv, &mut i, Some("-d"), Some("--dbname")) {
            db = Some(v?);
        } else if let Some(v) = option_value(argv, &mut i, Some("-c"), Some("--command")) {
            if sql.is_some() {
                return Err(NotNative::new(
                    "psql with several -c runs them as separate transactions",
                ));
            }
            sql = Some(v?);
        } else if option_value(argv, &mut i, Some("-f"), Some("--file")).is_some() {
            return Err(NotNative::new("psql -f reads a file"));
        } else if option_value(argv, &mut i, Some("-o"), Some("--output")).is_some() {
            return Err(NotNative::new("psql -o writes a file"));
        } else if let Some(v) = option_value(argv, &mut i, Some("-v"), Some("--set"))
            .or_else(|| option_value(argv, &mut i, None, Some("--variable")))
        {
            let v = v?;
            if !v.to_ascii_uppercase().starts_with("ON_ERROR_STOP") {
                return Err(NotNative::new(format!("psql variable {v}")));
            }
        } else if option_value(argv, &mut i, Some("-P"), Some("--pset")).is_some()
            || option_value(argv, &mut i, Some("-F"), Some("--field-separator")).is_some()
            || option_value(argv, &mut i, Some("-R"), Some("--record-separator")).is_some()
        {
            // Output formatting only.
        } else if matches!(
            a,
            "-t" | "--tuples-only"
                | "-A"
                | "--no-align"
                | "-q"
                | "--quiet"
                | "-X"
                | "--no-psqlrc"
                | "-w"
                | "--no-password"
                | "-W"
                | "--password"
                | "-x"
                | "--expanded"
                | "-1"
                | "--single-transaction"
                | "--csv"
                | "-H"
                | "--html"
                | "-e"
                | "--echo-queries"
                | "-a"
                | "--echo-all"
                | "-b"
                | "--echo-errors"
                | "-tA"
                | "-At"
                | "-qtA"
                | "-Atq"
                | "-tAq"
        ) {
            i += 1;
        } else if a.starts_with('-') {
            return Err(NotNative::new(format!(
                "psql option {a} is not supported natively"
            )));
        } else {
            positional.push(a.to_string());
            i += 1;
        }
    }
    let mut positional = positional.into_iter();
    if db.is_none() {
        db = positional.next();
    }
    if user.is_none() {
        user = positional.next();
    }
    if positional.next().is_some() {
        return Err(NotNative::new("psql has too many arguments"));
    }
    let sql = match sql {
        Some(s) => s,
        None => match stage.heredocs().next() {
            Some(h) if h.quoted || !h.body.contains(['$', '`']) => h.body.clone(),
            Some(_) => return Err(NotNative::new("psql here-document expands shell variables")),
            None if stage.stdin_file().is_some() => {
                return Err(NotNative::new("psql reads SQL from a file"));
            }
            None => return Err(NotNative::new("psql without -c is interactive")),
        },
    };
    if sql.lines().any(|l| l.trim_start().starts_with('\\')) || sql.trim_start().starts_with('\\') {
        return Err(NotNative::new("psql meta-commands (\\d …) need psql"));
    }
    if sql.trim().is_empty() {
        return Err(NotNative::new("psql -c with no SQL"));
    }
    Ok(NativeStep::Psql {
        host,
        port: port_,
        user,
        db,
        sql,
    })
}

fn parse_redis(argv: &[String]) -> Result<NativeStep, NotNative> {
    let mut host = None;
    let mut port_ = None;
    let mut url = None;
    let mut password = None;
    let mut user = None;
    let mut db = None;
    let mut tls = false;
    let mut i = 1;
    while i < argv.len() {
        let a = argv[i].as_str();
        if !a.starts_with('-') {
            break;
        }
        if let Some(v) = option_value(argv, &mut i, Some("-h"), None) {
            host = Some(v?);
        } else if let Some(v) = option_value(argv, &mut i, Some("-p"), None) {
            port_ = Some(port("-p", &v?)?);
        } else if let Some(v) = option_value(argv, &mut i, Some("-u"), None) {
            url = Some(v?);
        } else if let Some(v) = option_value(argv, &mut i, Some("-a"), Some("--pass")) {
            password = Some(v?);
        } else if let Some(v) = option_value(argv, &mut i, None, Some("--user")) {
            user = Some(v?);
        } else if let Some(v) = option_value(argv, &mut i, Some("-n"), None) {
            let v = v?;
            db = Some(
                v.parse()
                    .map_err(|_| NotNative::new(format!("redis-cli -n {v}: not a number")))?,
            );
        } else if a == "--tls" {
            tls = true;
            i += 1;
        } else if matches!(
            a,
            "--raw" | "--no-raw" | "--no-auth-warning" | "--csv" | "--json"
        ) {
            i += 1;
        } else {
            return Err(NotNative::new(format!(
                "redis-cli option {a} is not supported natively"
            )));
        }
    }
    let args: Vec<String> = argv[i..].to_vec();
    if args.is_empty() {
        return Err(NotNative::new("redis-cli without a command is interactive"));
    }
    Ok(NativeStep::RedisCli {
        host,
        port: port_,
        url,
        password,
        user,
        db,
        tls,
        args,
    })
}

fn parse_nc(argv: &[String]) -> Result<NativeStep, NotNative> {
    let mut zero_io = false;
    let mut positional = Vec::new();
    let mut i = 1;
    while i < argv.len() {
        let a = argv[i].as_str();
        i += 1;
        if let Some(flags) = a.strip_prefix('-').filter(|f| !f.is_empty()) {
            let chars: Vec<char> = flags.chars().collect();
            let mut j = 0;
            while j < chars.len() {
                match chars[j] {
                    'z' => zero_io = true,
                    'v' | 'n' => {}
                    'w' | 'G' => {
                        // A timeout: the probe has its own.
                        if j + 1 == chars.len() {
                            i += 1;
                        }
                        break;
                    }
                    c => return Err(NotNative::new(format!("nc -{c} is not supported natively"))),
                }
                j += 1;
            }
        } else {
            positional.push(a.to_string());
        }
    }
    if !zero_io {
        return Err(NotNative::new("nc without -z sends data"));
    }
    match positional.as_slice() {
        [host, p] => Ok(NativeStep::TcpConnect {
            host: host.clone(),
            port: port("nc", p)?,
        }),
        _ => Err(NotNative::new("nc -z needs exactly one host and one port")),
    }
}

fn parse_telnet(argv: &[String]) -> Result<NativeStep, NotNative> {
    match &argv[1..] {
        [host] if !host.starts_with('-') => Ok(NativeStep::TcpConnect {
            host: host.clone(),
            port: 23,
        }),
        [host, p] if !host.starts_with('-') => Ok(NativeStep::TcpConnect {
            host: host.clone(),
            port: port("telnet", p)?,
        }),
        _ => Err(NotNative::new("telnet options are not supported natively")),
    }
}

fn header_pair(v: &str) -> Result<(String, String), NotNative> {
    match v.split_once(':') {
        Some((k, val)) if !k.trim().is_empty() => {
            Ok((k.trim().to_string(), val.trim().to_string()))
        }
        _ => Err(NotNative::new(format!("header {v:?} has no name"))),
    }
}

fn parse_wscat(argv: &[String]) -> Result<NativeStep, NotNative> {
    let mut url = None;
    let mut headers = Vec::new();
    let mut insecure = false;
    let mut i = 1;
    while i < argv.len() {
        let a = argv[i].as_str();
        if let Some(v) = option_value(argv, &mut i, Some("-c"), Some("--connect")) {
            url = Some(v?);
        } else if let Some(v) = option_value(argv, &mut i, Some("-H"), Some("--header")) {
            let v = v?;
            headers.push(header_pair(v.strip_prefix('=').unwrap_or(&v))?);
        } else if let Some(v) = option_value(argv, &mut i, Some("-o"), Some("--origin")) {
            headers.push(("Origin".into(), v?));
        } else if let Some(v) = option_value(argv, &mut i, Some("-w"), Some("--wait")) {
            v?;
        } else if matches!(a, "-n" | "--no-check") {
            insecure = true;
            i += 1;
        } else if matches!(a, "-P" | "--show-ping-pong" | "--no-color" | "--slash") {
            i += 1;
        } else {
            return Err(NotNative::new(format!(
                "wscat {a} is not supported natively"
            )));
        }
    }
    let url = url.ok_or_else(|| NotNative::new("wscat without -c listens"))?;
    ws_step(url, headers, insecure)
}

fn parse_websocat(argv: &[String]) -> Result<NativeStep, NotNative> {
    let mut url = None;
    let mut headers = Vec::new();
    let mut insecure = false;
    let mut i = 1;
    while i < argv.len() {
        let a = argv[i].as_str();
        if let Some(v) = option_value(argv, &mut i, Some("-H"), Some("--header")) {
            let v = v?;
            headers.push(header_pair(v.strip_prefix('=').unwrap_or(&v))?);
        } else if matches!(a, "-k" | "--insecure") {
            insecure = true;
            i += 1;
        } else if matches!(
            a,
            "-t" | "--text" | "-1" | "--one-message" | "-q" | "-n" | "--no-close"
        ) {
            i += 1;
        } else if a.starts_with('-') {
            return Err(NotNative::new(format!(
                "websocat {a} is not supported natively"
            )));
        } else {
            if url.is_some() {
                return Err(NotNative::new("websocat with two addresses relays"));
            }
            url = Some(a.to_string());
            i += 1;
        }
    }
    let url = url.ok_or_else(|| NotNative::new("websocat without a URL"))?;
    ws_step(url, headers, insecure)
}

fn ws_step(
    url: String,
    headers: Vec<(String, String)>,
    insecure: bool,
) -> Result<NativeStep, NotNative> {
    let lower = url.to_ascii_lowercase();
    if !(lower.starts_with("ws://")
        || lower.starts_with("wss://")
        || lower.starts_with("$")
        || lower.starts_with("\"$"))
    {
        return Err(NotNative::new(format!(
            "{url} is not a ws:// or wss:// URL"
        )));
    }
    Ok(NativeStep::WebSocket {
        url,
        headers,
        insecure,
    })
}

/// `host:port`, `[::1]:443`.
fn host_port(s: &str) -> Option<(String, u16)> {
    let (host, p) = if let Some(rest) = s.strip_prefix('[') {
        let (h, p) = rest.split_once("]:")?;
        (h, p)
    } else {
        s.rsplit_once(':')?
    };
    let p: u16 = p.parse().ok().filter(|p| *p > 0)?;
    (!host.is_empty()).then(|| (host.to_string(), p))
}

fn parse_openssl(argv: &[String], stage: &Stage) -> Result<NativeStep, NotNative> {
    if argv.get(1).map(String::as_str) != Some("s_client") {
        return Err(NotNative::new("only openssl s_client is a native probe"));
    }
    let mut target = None;
    let mut server_name = None;
    let mut version = None;
    let mut i = 2;
    while i < argv.len() {
        let a = argv[i].as_str();
        match a {
            "-connect" => {
                let v = argv
                    .get(i + 1)
                    .ok_or_else(|| NotNative::new("-connect needs host:port"))?;
                target = Some(
                    host_port(v)
                        .ok_or_else(|| NotNative::new(format!("-connect {v}: not host:port")))?,
                );
                i += 2;
            }
            "-servername" => {
                server_name = argv.get(i + 1).cloned();
                i += 2;
            }
            "-tls1" | "-tls1_1" | "-tls1_2" | "-tls1_3" => {
                version = match a {
                    "-tls1" => Some(TlsVersion::Tls1_0),
                    "-tls1_1" => Some(TlsVersion::Tls1_1),
                    "-tls1_2" => Some(TlsVersion::Tls1_2),
                    _ => Some(TlsVersion::Tls1_3),
                };
                i += 1;
            }
            "-brief"
            | "-quiet"
            | "-showcerts"
            | "-verify_return_error"
            | "-no_ign_eof"
            | "-ign_eof"
            | "-crlf" => i += 1,
            _ => {
                return Err(NotNative::new(format!(
                    "openssl s_client {a} is not supported natively"
                )));
            }
        }
    }
    if stage.heredocs().next().is_some() || stage.stdin_file().is_some_and(|f| f != "/dev/null") {
        return Err(NotNative::new("openssl s_client fed input"));
    }
    let (host, port_) =
        target.ok_or_else(|| NotNative::new("openssl s_client without -connect"))?;
    let server_name = server_name.filter(|s| *s != host);
    Ok(NativeStep::TlsCheck {
        host,
        port: port_,
        server_name,
        min_version: version,
        max_version: version,
    })
}

fn parse_clickhouse(argv: &[String], first_arg: usize) -> Result<NativeStep, NotNative> {
    let mut host = None;
    let mut port_ = None;
    let mut user = None;
    let mut password = None;
    let mut database = None;
    let mut query = None;
    let mut secure = false;
    let mut i = first_arg;
    while i < argv.len() {
        let a = argv[i].as_str();
        if let Some(v) = option_value(argv, &mut i, Some("-h"), Some("--host")) {
            host = Some(v?);
        } else if let Some(v) = option_value(argv, &mut i, None, Some("--port")) {
            port_ = Some(port("--port", &v?)?);
        } else if let Some(v) = option_value(argv, &mut i, Some("-u"), Some("--user")) {
            user = Some(v?);
        } else if let Some(v) = option_value(argv, &mut i, None, Some("--password")) {
            password = Some(v?);
        } else if let Some(v) = option_value(argv, &mut i, Some("-d"), Some("--database")) {
            database = Some(v?);
        } else if let Some(v) = option_value(argv, &mut i, Some("-q"), Some("--query")) {
            query = Some(v?);
        } else if let Some(v) = option_value(argv, &mut i, Some("-f"), Some("--format")) {
            v?;
        } else if matches!(a, "-s" | "--secure") {
            secure = true;
            i += 1;
        } else if matches!(a, "-n" | "--multiquery" | "-m" | "--multiline") {
            i += 1;
        } else {
            return Err(NotNative::new(format!(
                "clickhouse-client {a} is not supported natively"
            )));
        }
    }
    let query = query.ok_or_else(|| NotNative::new("clickhouse-client without --query"))?;
    Ok(NativeStep::ClickHouse {
        host,
        port: port_,
        user,
        password,
        database,
        secure,
        query,
    })
}

/// Load tools: the load generator interprets them.
fn load_tool(stage: &Stage) -> Option<NativeStep> {
    let argv = &stage.argv;
    let tool = stage.program()?;
    let is_load = match tool {
        "k6" => argv.get(1).is_some_and(|s| s == "run"),
        "vegeta" => argv.get(1).is_some_and(|s| s == "attack"),
        "artillery" => argv.get(1).is_some_and(|s| s == "run" || s == "quick"),
        "ab" | "hey" | "wrk" | "wrk2" | "oha" | "bombardier" | "siege" | "locust" => true,
        _ => false,
    };
    is_load.then(|| NativeStep::LoadTool {
        tool: tool.to_string(),
        argv: argv.clone(),
        env: stage
            .env
            .iter()
            .map(|a| (a.name.clone(), a.value.clone()))
            .collect(),
    })
}

/// Recognises one simple command (no pipe) as a native step.
pub fn recognize_stage(stage: &Stage) -> Result<NativeStep, NotNative> {
    if let Some(k) = stage.keywords.iter().find(|k| *k != "time") {
        return Err(NotNative::new(format!("inside shell `{k}`")));
    }
    if let Some(step) = capture(stage)? {
        return Ok(step);
    }
    let Some(program) = stage.program() else {
        return Err(NotNative::new("no command"));
    };
    if !stage.substitutions.is_empty() {
        return Err(NotNative::new("uses command substitution $(…)"));
    }
    if let Some(step) = load_tool(stage) {
        return Ok(step);
    }
    if !stage.env.is_empty() {
        return Err(NotNative::new(format!(
            "sets {} for the command",
            stage.env[0].name
        )));
    }
    for r in &stage.redirects {
        let harmless = match r.op {
            RedirectOp::Dup => r.written_file().is_none(),
            RedirectOp::Out
            | RedirectOp::OutErr
            | RedirectOp::Append
            | RedirectOp::OutErrAppend => r.target == "/dev/null",
            RedirectOp::In => r.target == "/dev/null",
            RedirectOp::HereDoc => program == "psql",
            _ => false,
        };
        if !harmless {
            return Err(NotNative::new(match (r.written_file(), r.op) {
                (Some(f), _) => format!("writes {f}"),
                (None, RedirectOp::In) => format!("feeds the file {} on standard input", r.target),
                (None, RedirectOp::HereDoc) => "feeds a here-document on standard input".into(),
                (None, RedirectOp::HereString) => "feeds a here-string on standard input".into(),
                (None, _) => format!("redirects to {}", r.target),
            }));
        }
    }
    let argv = &stage.argv;
    match program {
        "curl" => {
            let spec = parse_curl(argv).map_err(|e| NotNative::new(e.to_string()))?;
            if let Some(o) = spec.output.as_deref().filter(|o| *o != "/dev/null") {
                return Err(NotNative::new(format!("curl -o {o} writes a file")));
            }
            Ok(NativeStep::Http(spec))
        }
        "psql" => parse_psql(argv, stage),
        "redis-cli" => parse_redis(argv),
        "nc" | "ncat" | "netcat" => parse_nc(argv),
        "telnet" => parse_telnet(argv),
        "wscat" => parse_wscat(argv),
        "websocat" => parse_websocat(argv),
        "openssl" => parse_openssl(argv, stage),
        "clickhouse-client" => parse_clickhouse(argv, 1),
        "clickhouse" if argv.get(1).is_some_and(|s| s == "client") => parse_clickhouse(argv, 2),
        other => Err(NotNative::new(format!("no native probe for {other}"))),
    }
}

/// `VAR=$(…)` / `export VAR=$(…)` as a capture.
fn capture(stage: &Stage) -> Result<Option<NativeStep>, NotNative> {
    let is_export = stage.argv.first().is_some_and(|a| a == "export");
    if !(stage.argv.is_empty() || is_export && stage.argv.len() == 2) {
        return Ok(None);
    }
    let Some(def) = stage.defines.first() else {
        return Ok(None);
    };
    if stage.defines.len() != 1 {
        return Err(NotNative::new("several assignments"));
    }
    let Some(inner) = &def.capture else {
        return Err(NotNative::new(format!("assigns {}", def.name)));
    };
    let script = split_script(inner);
    let [cmd] = script.commands.as_slice() else {
        return Err(NotNative::new("captures several commands"));
    };
    if script.control_flow {
        return Err(NotNative::new("captures shell control flow"));
    }
    let native = recognize_command(cmd)?;
    if !native.assertions.is_empty() {
        return Err(NotNative::new("captures the output of grep"));
    }
    let raw_jq = cmd
        .piped_into()
        .iter()
        .any(|s| s.argv.iter().any(|a| a == "-r" || a == "--raw-output"));
    let jq_filter = match native.output_filter {
        Some(f) if f == "." => None,
        Some(f) if raw_jq => Some(f),
        Some(_) => {
            return Err(NotNative::new(
                "captures jq output without -r (quoted JSON)",
            ));
        }
        None => None,
    };
    Ok(Some(NativeStep::Capture {
        var: def.name.clone(),
        step: Box::new(native.step),
        jq_filter,
    }))
}

/// What a pipe stage after a native command means.
enum PipeStage {
    /// Formatting only (`jq .`, `python -m json.tool`, `cat`).
    Format,
    /// A jq path that selects part of the output.
    Filter(String),
    /// `grep -q healthy`: the output must contain it.
    Contains(String),
}

fn pipe_stage(stage: &Stage) -> Result<PipeStage, NotNative> {
    let argv = &stage.argv;
    let program = stage.program().unwrap_or("");
    if !stage.env.is_empty() || !stage.keywords.is_empty() {
        return Err(NotNative::new("piped into a shell construct"));
    }
    if stage.redirects.iter().any(|r| r.written_file().is_some()) {
        return Err(NotNative::new("piped into a file"));
    }
    match program {
        "jq" => {
            let mut filter = None;
            for a in &argv[1..] {
                match a.as_str() {
                    "-r"
                    | "--raw-output"
                    | "-c"
                    | "--compact-output"
                    | "-M"
                    | "--monochrome-output"
                    | "-C"
                    | "--color-output"
                    | "-S"
                    | "--sort-keys" => {}
                    f if !f.starts_with('-') && filter.is_none() => filter = Some(f.to_string()),
                    other => {
                        return Err(NotNative::new(format!("jq {other} is not a plain path")));
                    }
                }
            }
            let filter = filter.unwrap_or_else(|| ".".into());
            if !is_simple_jq_path(&filter) {
                return Err(NotNative::new(format!(
                    "jq filter {filter:?} is not a plain path"
                )));
            }
            Ok(if filter == "." {
                PipeStage::Format
            } else {
                PipeStage::Filter(filter)
            })
        }
        "grep" => {
            let mut pattern = None;
            let mut fixed = false;
            for a in &argv[1..] {
                match a.as_str() {
                    "-q" | "--quiet" | "--silent" | "-s" | "--no-messages" => {}
                    "-F" | "--fixed-strings" => fixed = true,
                    p if !p.starts_with('-') && pattern.is_none() => pattern = Some(p.to_string()),
                    other => return Err(NotNative::new(format!("grep {other} changes the match"))),
                }
            }
            let pattern = pattern.ok_or_else(|| NotNative::new("grep without a pattern"))?;
            if !fixed
                && pattern.contains([
                    '.', '*', '[', ']', '^', '$', '\\', '+', '?', '(', ')', '{', '}', '|',
                ])
            {
                return Err(NotNative::new(format!(
                    "grep pattern {pattern:?} is a regex"
                )));
            }
            if pattern.is_empty() {
                return Err(NotNative::new("grep with an empty pattern"));
            }
            Ok(PipeStage::Contains(pattern))
        }
        "cat" if argv.len() == 1 => Ok(PipeStage::Format),
        "json_pp" if argv.len() == 1 => Ok(PipeStage::Format),
        "python" | "python3" if argv[1..] == ["-m", "json.tool"] => Ok(PipeStage::Format),
        other => Err(NotNative::new(format!("piped into {other}"))),
    }
}

/// Recognises a command (a pipeline) as a native step plus what its pipe
/// adds. `echo | openssl s_client …` counts as the `openssl` stage.
pub fn recognize_command(cmd: &Command) -> Result<NativeCommand, NotNative> {
    if cmd.background {
        return Err(NotNative::new("runs in the background"));
    }
    let mut stages: &[Stage] = &cmd.stages;
    if stages.len() >= 2
        && matches!(stages[0].program(), Some("echo" | "true"))
        && stages[0].argv.len() == 1
        && stages[1].program() == Some("openssl")
    {
        stages = &stages[1..];
    }
    let step = recognize_stage(&stages[0])?;
    let mut assertions = Vec::new();
    let mut output_filter: Option<String> = None;
    for s in &stages[1..] {
        if matches!(
            step,
            NativeStep::Capture { .. } | NativeStep::LoadTool { .. }
        ) {
            return Err(NotNative::new("output piped further"));
        }
        match pipe_stage(s)? {
            PipeStage::Format => {}
            PipeStage::Filter(f) => {
                if output_filter.is_some() || !assertions.is_empty() {
                    return Err(NotNative::new("several filters in the pipe"));
                }
                output_filter = Some(f);
            }
            PipeStage::Contains(text) => {
                if output_filter.is_some() {
                    return Err(NotNative::new("grep after a jq filter"));
                }
                assertions.push(Assertion::BodyContains(text));
            }
        }
    }
    if output_filter.is_none()
        && stages.len() > 1
        && stages[1..].iter().any(|s| s.program() == Some("jq"))
    {
        output_filter = Some(".".into());
    }
    Ok(NativeCommand {
        step,
        assertions,
        output_filter,
    })
}

/// A TLS requirement in prose: `TLS version >= 1.2`, `TLS ≥ 1.2`,
/// `TLS 1.2+`, `at least TLS 1.2`, `minimum TLS 1.3`.
pub fn parse_tls_requirement(text: &str) -> Option<TlsVersion> {
    let lower = text.to_lowercase();
    let at = lower.find("tls")?;
    let before = lower[..at].trim_end();
    let mut rest = lower[at + 3..].trim_start();
    rest = rest.strip_prefix("version").unwrap_or(rest).trim_start();
    let mut comparator = before.ends_with("at least") || before.ends_with("minimum");
    for c in [">=", "≥", "at least", "minimum", "min"] {
        if let Some(r) = rest.strip_prefix(c) {
            rest = r.trim_start();
            comparator = true;
            break;
        }
    }
    let v: String = rest
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let v = v.trim_end_matches('.');
    let after = rest[v.len()..].trim_start();
    let plus = after.starts_with('+')
        || after.starts_with("or higher")
        || after.starts_with("or later")
        || after.starts_with("or newer");
    if !(comparator || plus) {
        return None;
    }
    TlsVersion::parse(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recognize::curl::DataKind;

    fn one(line: &str) -> Result<NativeCommand, NotNative> {
        let s = split_script(line);
        assert_eq!(s.commands.len(), 1, "{line}");
        recognize_command(&s.commands[0])
    }

    fn step(line: &str) -> NativeStep {
        one(line).unwrap_or_else(|e| panic!("{line}: {e}")).step
    }

    fn not(line: &str) -> String {
        match one(line) {
            Ok(n) => panic!("{line} should not be native: {n:?}"),
            Err(e) => e.reason,
        }
    }

    #[test]
    fn curl_is_http() {
        match step("curl -f https://staging-api.yourdomain.com/health") {
            NativeStep::Http(s) => assert_eq!((s.method.as_str(), s.fail), ("GET", true)),
            other => panic!("{other:?}"),
        }
        assert!(not("curl https://x/ > page.html").contains("writes page.html"));
        assert!(not("curl -o page.html https://x/").contains("writes a file"));
        assert!(not("curl --proxy http://p https://x/").contains("--proxy"));
        // Seed 002: `time curl -s … > /dev/null` is still a GET.
        assert!(matches!(
            step("time curl -s https://app.toolboxai.com/api/v1/health > /dev/null"),
            NativeStep::Http(_)
        ));
    }

    #[test]
    fn pipes_add_filters_and_assertions() {
        let n = one("curl -s https://x/health | jq '.status'").unwrap();
        assert_eq!(n.output_filter.as_deref(), Some(".status"));
        let n = one("curl -s https://x/health | grep -q healthy").unwrap();
        assert_eq!(n.assertions, [Assertion::BodyContains("healthy".into())]);
        let n = one("curl -s https://x/health | jq .").unwrap();
        assert_eq!(n.output_filter.as_deref(), Some("."));
        assert!(not("curl -s https://x/ | grep -i error").contains("-i"));
        assert!(not("curl -s https://x/ | grep -v ok").contains("-v"));
        assert!(not("curl -s https://x/ | grep 'a.*b'").contains("regex"));
        assert!(not("curl -s https://x/ | head -1").contains("head"));
        assert!(not("curl -s https://x/ | jq '.items | length'").contains("plain path"));
        assert!(not("curl -s https://x/ &").contains("background"));
    }

    #[test]
    fn seed_003_capture() {
        let n = one(
            "STREAM_ID=$(curl -s -X POST \"https://staging-api.nova-social.io/api/v1/streams\" \\\n  -H \"Authorization: Bearer $JWT_TOKEN\" \\\n  -H \"Content-Type: application/json\" \\\n  -d '{\"title\": \"Test\", \"description\": \"Testing\"}' | jq -r '.id')",
        )
        .unwrap();
        match n.step {
            NativeStep::Capture {
                var,
                step,
                jq_filter,
            } => {
                assert_eq!(var, "STREAM_ID");
                assert_eq!(jq_filter.as_deref(), Some(".id"));
                let NativeStep::Http(s) = *step else { panic!() };
                assert_eq!(s.method, "POST");
                assert_eq!(s.data_kind, Some(DataKind::Data));
            }
            other => panic!("{other:?}"),
        }
        for f in [".access_token", ".a.b", ".[0].id", ".data.items[2].name"] {
            let line = format!("TOKEN=$(curl -s https://x/token | jq -r '{f}')");
            assert!(
                matches!(step(&line), NativeStep::Capture { jq_filter: Some(ref g), .. } if g == f),
                "{f}"
            );
        }
        assert!(matches!(
            step("export TOKEN=$(curl -s https://x/token)"),
            NativeStep::Capture {
                jq_filter: None,
                ..
            }
        ));
        assert!(not("TOKEN=$(curl -s https://x/token | jq '.t')").contains("without -r"));
        assert!(not("TOKEN=$(curl -s https://x/ | jq -r '.[] | .id')").contains("plain path"));
        assert!(not("N=$(kubectl get pods | wc -l)").contains("kubectl"));
        assert!(not("PORT_FORWARD_PID=$!").contains("assigns"));
    }

    #[test]
    fn psql_forms() {
        // Seed 000, Verify migration success.
        assert_eq!(
            step("psql -d nox_staging -c \"SELECT version();\""),
            NativeStep::Psql {
                host: None,
                port: None,
                user: None,
                db: Some("nox_staging".into()),
                sql: "SELECT version();".into()
            }
        );
        // Seed 003, Service connectivity.
        assert_eq!(
            step(
                "psql -h staging-db.nova-social.io -U nova_user -d nova_streaming -c \"SELECT 1;\""
            ),
            NativeStep::Psql {
                host: Some("staging-db.nova-social.io".into()),
                port: None,
                user: Some("nova_user".into()),
                db: Some("nova_streaming".into()),
                sql: "SELECT 1;".into()
            }
        );
        assert!(matches!(
            step("psql $DATABASE_URL -tA -c 'SELECT 1'"),
            NativeStep::Psql { db: Some(d), .. } if d == "$DATABASE_URL"
        ));
        assert!(matches!(
            step("psql postgresql://u@h:5432/db -p 6543 -c 'SELECT 1'"),
            NativeStep::Psql { db: Some(d), port: Some(6543), .. } if d.starts_with("postgresql://")
        ));
        assert!(matches!(
            step("psql -d db <<'SQL'\nSELECT 1;\nSQL"),
            NativeStep::Psql { sql, .. } if sql == "SELECT 1;\n"
        ));
        assert!(not("psql -d nox_staging < /migrations/v8_to_v8.0.0.sql").contains("file"));
        assert!(not("psql nox_production -f /migrations/v8_to_v8.0.0.sql").contains("-f"));
        assert!(not("psql -d db").contains("interactive"));
        assert!(not("psql -d db -c '\\dt'").contains("meta"));
        // Seed 001: inside kubectl exec: a shell step.
        assert!(not("kubectl exec -it postgres-pod -n nox-production -- psql nox_production -c \"SELECT 1;\"").contains("kubectl"));
    }

    #[test]
    fn redis_forms() {
        // Seed 003, Deploy Redis / Service connectivity.
        assert_eq!(
            step("redis-cli -h <redis-host> ping"),
            NativeStep::RedisCli {
                host: Some("<redis-host>".into()),
                port: None,
                url: None,
                password: None,
                user: None,
                db: None,
                tls: false,
                args: vec!["ping".into()]
            }
        );
        assert!(matches!(
            step("redis-cli -u redis://default:pw@cache:6380/0 --tls info server"),
            NativeStep::RedisCli { url: Some(_), tls: true, ref args, .. } if args == &["info", "server"]
        ));
        assert!(matches!(
            step("redis-cli -h cache -p 6380 -a $REDIS_PASSWORD -n 2 GET key"),
            NativeStep::RedisCli { port: Some(6380), password: Some(ref p), db: Some(2), .. } if p == "$REDIS_PASSWORD"
        ));
        assert!(not("redis-cli -h cache").contains("interactive"));
        assert!(not("redis-cli --scan").contains("--scan"));
    }

    #[test]
    fn tcp_forms() {
        assert_eq!(
            step("telnet staging-rtmp.nova-social.io 1935"),
            NativeStep::TcpConnect {
                host: "staging-rtmp.nova-social.io".into(),
                port: 1935
            }
        );
        for line in [
            "nc -z db 5432",
            "nc -zv db 5432",
            "nc -vz -w 3 db 5432",
            "nc -z -w3 db 5432",
        ] {
            assert_eq!(
                step(line),
                NativeStep::TcpConnect {
                    host: "db".into(),
                    port: 5432
                },
                "{line}"
            );
        }
        assert!(not("nc db 5432").contains("-z"));
        assert!(not("nc -z db 5000-5010").contains("port"));
        assert!(not("nc -zu db 53").contains("-u"));
    }

    #[test]
    fn websocket_forms() {
        // Seed 000, WebSocket Connections.
        assert_eq!(
            step(
                "wscat -c wss://staging-api.yourdomain.com/ws -H \"Authorization: Bearer $TOKEN\""
            ),
            NativeStep::WebSocket {
                url: "wss://staging-api.yourdomain.com/ws".into(),
                headers: vec![("Authorization".into(), "Bearer $TOKEN".into())],
                insecure: false
            }
        );
        assert!(matches!(
            step("wscat -c wss://x/ws --header=\"X-A: b\" -n"),
            NativeStep::WebSocket { insecure: true, ref headers, .. } if headers[0].0 == "X-A"
        ));
        // Seed 003 (without the loop and `&`).
        assert!(matches!(
            step("websocat \"wss://staging-api.nova-social.io/api/v1/streams/$STREAM_ID/ws?token=$JWT_TOKEN\""),
            NativeStep::WebSocket { ref url, .. } if url.ends_with("token=$JWT_TOKEN")
        ));
        assert!(not("wscat -c wss://x/ws -x '{\"a\":1}'").contains("-x"));
        assert!(not("wscat -l 8080").contains("-l"));
    }

    #[test]
    fn tls_forms() {
        assert_eq!(
            step("openssl s_client -connect api.novacron.io:443 -tls1_2"),
            NativeStep::TlsCheck {
                host: "api.novacron.io".into(),
                port: 443,
                server_name: None,
                min_version: Some(TlsVersion::Tls1_2),
                max_version: Some(TlsVersion::Tls1_2)
            }
        );
        assert!(matches!(
            step("echo | openssl s_client -connect x.io:8443 -servername api.x.io 2>/dev/null"),
            NativeStep::TlsCheck {
                port: 8443,
                server_name: Some(_),
                min_version: None,
                ..
            }
        ));
        assert!(matches!(
            step("openssl s_client -connect [::1]:443 < /dev/null"),
            NativeStep::TlsCheck { ref host, .. } if host == "::1"
        ));
        assert!(
            not("openssl s_client -connect x:443 | openssl x509 -noout -dates").contains("openssl")
        );
        assert!(not("openssl x509 -in cert.pem -noout").contains("s_client"));
        // Seed 003, Data encryption.
        assert_eq!(
            parse_tls_requirement("TLS version >= 1.2"),
            Some(TlsVersion::Tls1_2)
        );
        assert_eq!(parse_tls_requirement("TLS ≥ 1.3"), Some(TlsVersion::Tls1_3));
        assert_eq!(
            parse_tls_requirement("TLS 1.2+ only"),
            Some(TlsVersion::Tls1_2)
        );
        assert_eq!(
            parse_tls_requirement("at least TLS 1.2"),
            Some(TlsVersion::Tls1_2)
        );
        // Seed 004: a statement, not a threshold.
        assert_eq!(
            parse_tls_requirement("Enable TLS 1.3 on all endpoints"),
            None
        );
        assert_eq!(
            parse_tls_requirement("TLS/SSL certificates installed"),
            None
        );
    }

    #[test]
    fn clickhouse_and_load_tools() {
        assert!(matches!(
            step("clickhouse-client --host ch --query \"SELECT 1\""),
            NativeStep::ClickHouse { host: Some(_), ref query, .. } if query == "SELECT 1"
        ));
        assert!(matches!(
            step("clickhouse client -q 'SELECT count() FROM events' --secure"),
            NativeStep::ClickHouse { secure: true, .. }
        ));
        // Seed 003 talks to ClickHouse over HTTP: that is an HTTP GET.
        assert!(matches!(
            step("curl http://<clickhouse-host>:8123/?query=SELECT%201"),
            NativeStep::Http(_)
        ));
        // Seed 001 / 002 / 000.
        assert!(matches!(
            step("BASE_URL=https://staging-api.yourdomain.com k6 run scripts/load-test.js"),
            NativeStep::LoadTool { ref tool, ref env, .. } if tool == "k6" && env[0].0 == "BASE_URL"
        ));
        assert!(matches!(
            step("ab -n 1000 -c 10 https://app.toolboxai.com/"),
            NativeStep::LoadTool { .. }
        ));
        for t in [
            "hey -z 30s https://x/",
            "wrk -t2 -c50 https://x/",
            "oha -n 100 https://x/",
        ] {
            assert!(matches!(step(t), NativeStep::LoadTool { .. }), "{t}");
        }
        assert!(not("k6 version").contains("k6"));
    }

    #[test]
    fn shell_only_commands() {
        for line in [
            "kubectl get pods -n nox-staging-green",
            "./scripts/validate_staging.sh",
            "if curl -f -s \"$service\" > /dev/null; then echo ok; fi",
            "SKIP_LOAD_TEST=false ./scripts/validate_staging.sh",
            "curl https://x/$(cat id)",
        ] {
            let s = split_script(line);
            assert!(recognize_command(&s.commands[0]).is_err(), "{line}");
        }
    }

    #[test]
    fn jq_paths() {
        for ok in [
            ".",
            ".id",
            ".a.b",
            ".[0].id",
            ".items[2]",
            ".\"a-b\"",
            ".[\"k\"]",
            "._x1",
        ] {
            assert!(is_simple_jq_path(ok), "{ok}");
        }
        for bad in [
            "", "id", ".a | .b", ".[]", ".a[]", "..", ".a[0", "map(.id)", ".a,.b", ". a",
        ] {
            assert!(!is_simple_jq_path(bad), "{bad}");
        }
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,160}") {
            let script = split_script(&s);
            for c in &script.commands {
                let _ = recognize_command(c);
            }
            let _ = parse_tls_requirement(&s);
            let _ = is_simple_jq_path(&s);
        }

        #[test]
        fn never_panics_on_probe_lines(
            prog in proptest::sample::select(vec!["curl", "psql", "redis-cli", "nc", "telnet", "wscat", "websocat", "openssl s_client", "clickhouse-client", "k6 run", "X=$(curl"]),
            args in proptest::collection::vec("[a-zA-Z0-9:/.=$@<>'\"-]{0,10}", 0..6),
        ) {
            let line = format!("{prog} {}", args.join(" "));
            let script = split_script(&line);
            for c in &script.commands {
                let _ = recognize_command(c);
            }
        }
    }
}
