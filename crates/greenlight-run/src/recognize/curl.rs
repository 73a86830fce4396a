//! curl command lines as data: what request curl would send and how it
//! would report it.
//!
//! Faithful or nothing: a flag that is not understood, or that would make
//! the request differ (a proxy, a client certificate, a form upload, URL
//! globbing), is an error naming it, so the caller runs the line in a
//! shell instead of approximating it.

use serde::Serialize;

/// How the body was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DataKind {
    /// `-d`, `--data`, `--data-ascii`.
    Data,
    /// `--data-raw` (no `@file`).
    Raw,
    /// `--data-binary`.
    Binary,
    /// `--data-urlencode` (already encoded in the body).
    UrlEncode,
    /// `--json` (with JSON content type and accept headers).
    Json,
}

/// The HTTP version curl is told to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HttpVersion {
    /// `--http1.0`.
    Http1_0,
    /// `--http1.1`.
    Http1_1,
    /// `--http2`.
    Http2,
    /// `--http2-prior-knowledge`.
    Http2PriorKnowledge,
    /// `--http3`.
    Http3,
    /// `--http3-only`.
    Http3Only,
}

/// A curl invocation, as data.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CurlSpec {
    /// The method curl sends: `-X`, else HEAD with `-I`, POST with data,
    /// GET otherwise.
    pub method: String,
    /// The URL as written (`$VARS` and placeholders kept); with `-G` the
    /// data is appended as the query.
    pub url: String,
    /// Request headers in order: `-H` ones, then those curl adds on its
    /// own for the flags used (`Content-Type` for `-d`, `--json`'s two,
    /// `User-Agent` for `-A`, `Referer` for `-e`, `Cookie` for `-b`,
    /// `Range` for `-r`, `Authorization` for `--oauth2-bearer`).
    pub headers: Vec<(String, String)>,
    /// The body (several `-d` joined with `&` as curl does).
    pub body: Option<String>,
    /// How the (first) body part was given.
    pub data_kind: Option<DataKind>,
    /// `-f`/`--fail` (or `--fail-with-body`): an HTTP error status fails.
    pub fail: bool,
    /// `--fail-with-body`: fail, but still print the body.
    pub fail_with_body: bool,
    /// `-I`/`--head`.
    pub head: bool,
    /// `-G`/`--get`: data went to the query string.
    pub get: bool,
    /// `-s`/`--silent`.
    pub silent: bool,
    /// `-S`/`--show-error`.
    pub show_error: bool,
    /// `-i`/`--include` (or `-D -`): headers printed before the body.
    pub include: bool,
    /// `-v`/`--verbose`.
    pub verbose: bool,
    /// `-w`/`--write-out` format.
    pub write_out: Option<String>,
    /// `-o`/`--output` file (`/dev/null` to discard the body).
    pub output: Option<String>,
    /// `-u`/`--user` credentials (`user:password`; a secret).
    pub user: Option<String>,
    /// `-m`/`--max-time` in seconds.
    pub max_time: Option<f64>,
    /// `--connect-timeout` in seconds.
    pub connect_timeout: Option<f64>,
    /// `-k`/`--insecure`: no certificate verification.
    pub insecure: bool,
    /// `-L`/`--location`: follow redirects.
    pub location: bool,
    /// `--max-redirs`.
    pub max_redirs: Option<u32>,
    /// `--compressed`: ask for and decode a compressed answer.
    pub compressed: bool,
    /// `--http1.0` … `--http3-only`.
    pub http_version: Option<HttpVersion>,
}

impl CurlSpec {
    /// The URL with a scheme (curl assumes `http://` when none is given).
    pub fn absolute_url(&self) -> String {
        if self.url.contains("://") {
            self.url.clone()
        } else {
            format!("http://{}", self.url)
        }
    }

    /// Whether the body goes to `/dev/null` (only `-w` output is shown).
    pub fn discards_body(&self) -> bool {
        self.output.as_deref() == Some("/dev/null")
    }
}

/// Why a curl line cannot be taken as data.
#[derive(Debug, Clone, PartialEq, Serialize, thiserror::Error)]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
pub enum CurlError {
    /// The command is not curl.
    #[error("not a curl command: {0}")]
    NotCurl(String),
    /// A flag greenlight does not reproduce natively.
    #[error("curl flag {0} is not supported natively")]
    Unsupported(String),
    /// The flag reads a file (`-d @body.json`, `-w @format.txt`).
    #[error("curl {0} reads a file")]
    ReadsFile(String),
    /// A flag without its value.
    #[error("curl {0} needs a value")]
    MissingValue(String),
    /// A value that cannot be what the flag wants.
    #[error("curl {flag}: {value:?} is not valid")]
    BadValue {
        /// The flag.
        flag: String,
        /// The value given.
        value: String,
    },
    /// No URL at all.
    #[error("curl has no URL")]
    NoUrl,
    /// Several URLs: several requests.
    #[error("curl has several URLs: {0:?}")]
    MultipleUrls(Vec<String>),
    /// Flags that contradict each other (`-I` with `-d`).
    #[error("curl: {0}")]
    Conflict(String),
}

/// Short flags that take a value.
const SHORT_WITH_VALUE: &[char] = &[
    'X', 'H', 'd', 'u', 'm', 'w', 'o', 'A', 'e', 'b', 'r', 'D', 'c', 'E', 'F', 'K', 'T', 'x', 'y',
    'Y', 'z', 'C', 'P', 'Q', 't', 'U',
];

/// The long name of a short flag.
fn long_name(c: char) -> Option<&'static str> {
    Some(match c {
        'X' => "request",
        'H' => "header",
        'd' => "data",
        'u' => "user",
        'm' => "max-time",
        'w' => "write-out",
        'o' => "output",
        'A' => "user-agent",
        'e' => "referer",
        'b' => "cookie",
        'r' => "range",
        'D' => "dump-header",
        'f' => "fail",
        's' => "silent",
        'S' => "show-error",
        'i' => "include",
        'I' => "head",
        'k' => "insecure",
        'L' => "location",
        'v' => "verbose",
        'G' => "get",
        'N' => "no-buffer",
        'g' => "globoff",
        'q' => "disable",
        '#' => "progress-bar",
        _ => return None,
    })
}

/// Long flags that take a value (and that we understand).
fn takes_value(name: &str) -> bool {
    matches!(
        name,
        "request"
            | "header"
            | "data"
            | "data-ascii"
            | "data-raw"
            | "data-binary"
            | "data-urlencode"
            | "json"
            | "url"
            | "user"
            | "max-time"
            | "connect-timeout"
            | "write-out"
            | "output"
            | "user-agent"
            | "referer"
            | "cookie"
            | "range"
            | "dump-header"
            | "max-redirs"
            | "oauth2-bearer"
    )
}

/// Percent-encodes as `curl_easy_escape` does.
fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn number(flag: &str, v: &str) -> Result<f64, CurlError> {
    v.trim()
        .parse::<f64>()
        .ok()
        .filter(|n| n.is_finite() && *n >= 0.0)
        .ok_or_else(|| CurlError::BadValue {
            flag: flag.to_string(),
            value: v.to_string(),
        })
}

/// Parses a curl command's words (`argv[0]` is `curl` or a path to it).
pub fn parse_curl(argv: &[String]) -> Result<CurlSpec, CurlError> {
    let Some(program) = argv.first() else {
        return Err(CurlError::NotCurl(String::new()));
    };
    if program.rsplit('/').next() != Some("curl") {
        return Err(CurlError::NotCurl(program.clone()));
    }
    let args = &argv[1..];
    let mut spec = CurlSpec {
        method: String::new(),
        url: String::new(),
        headers: Vec::new(),
        body: None,
        data_kind: None,
        fail: false,
        fail_with_body: false,
        head: false,
        get: false,
        silent: false,
        show_error: false,
        include: false,
        verbose: false,
        write_out: None,
        output: None,
        user: None,
        max_time: None,
        connect_timeout: None,
        insecure: false,
        location: false,
        max_redirs: None,
        compressed: false,
        http_version: None,
    };
    let mut method: Option<String> = None;
    let mut urls: Vec<String> = Vec::new();
    let mut data: Vec<(DataKind, String)> = Vec::new();
    let mut extra_headers: Vec<(String, String)> = Vec::new();
    let mut globoff = false;
    let mut i = 0;
    let mut only_urls = false;
    while i < args.len() {
        let a = args[i].as_str();
        i += 1;
        if only_urls || !a.starts_with('-') || a == "-" {
            urls.push(a.to_string());
            continue;
        }
        if a == "--" {
            only_urls = true;
            continue;
        }
        // (flag name for messages, long name, inline value)
        let mut flags: Vec<(String, &'static str, Option<String>)> = Vec::new();
        if let Some(long) = a.strip_prefix("--") {
            if long.contains('=') {
                // curl has no `--flag=value` syntax.
                return Err(CurlError::Unsupported(a.to_string()));
            }
            let name: &'static str = match KNOWN_LONG.iter().find(|n| **n == long) {
                Some(n) => n,
                None => return Err(CurlError::Unsupported(a.to_string())),
            };
            flags.push((a.to_string(), name, None));
        } else {
            let chars: Vec<char> = a[1..].chars().collect();
            let mut j = 0;
            while j < chars.len() {
                let c = chars[j];
                let Some(name) = long_name(c) else {
                    return Err(CurlError::Unsupported(format!("-{c}")));
                };
                if SHORT_WITH_VALUE.contains(&c) {
                    let attached: String = chars[j + 1..].iter().collect();
                    flags.push((
                        format!("-{c}"),
                        name,
                        (!attached.is_empty()).then_some(attached),
                    ));
                    break;
                }
                flags.push((format!("-{c}"), name, None));
                j += 1;
            }
        }
        for (flag, name, inline) in flags {
            let value = if takes_value(name) {
                match inline {
                    Some(v) => Some(v),
                    None => {
                        let v = args
                            .get(i)
                            .cloned()
                            .ok_or_else(|| CurlError::MissingValue(flag.clone()))?;
                        i += 1;
                        Some(v)
                    }
                }
            } else {
                None
            };
            let v = value.unwrap_or_default();
            match name {
                "request" => method = Some(v),
                "header" => {
                    if v.starts_with('@') {
                        return Err(CurlError::ReadsFile(format!("{flag} {v}")));
                    }
                    let (k, val) = match v.split_once(':') {
                        Some((k, val)) if !k.trim().is_empty() && !val.trim().is_empty() => {
                            (k.trim().to_string(), val.trim().to_string())
                        }
                        _ => {
                            // `Name:` removes a header, `Name;` sends it empty.
                            return Err(CurlError::Unsupported(format!("{flag} {v:?}")));
                        }
                    };
                    spec.headers.push((k, val));
                }
                "data" | "data-ascii" | "data-binary" | "data-raw" => {
                    let kind = match name {
                        "data-binary" => DataKind::Binary,
                        "data-raw" => DataKind::Raw,
                        _ => DataKind::Data,
                    };
                    if kind != DataKind::Raw && v.starts_with('@') {
                        return Err(CurlError::ReadsFile(format!("{flag} {v}")));
                    }
                    data.push((kind, v));
                }
                "data-urlencode" => {
                    let encoded = if let Some(content) = v.strip_prefix('=') {
                        url_encode(content)
                    } else if let Some((n, content)) = v.split_once('=') {
                        if n.contains('@') {
                            return Err(CurlError::ReadsFile(format!("{flag} {v}")));
                        }
                        format!("{n}={}", url_encode(content))
                    } else if v.contains('@') {
                        return Err(CurlError::ReadsFile(format!("{flag} {v}")));
                    } else {
                        url_encode(&v)
                    };
                    data.push((DataKind::UrlEncode, encoded));
                }
                "json" => {
                    if v.starts_with('@') {
                        return Err(CurlError::ReadsFile(format!("{flag} {v}")));
                    }
                    data.push((DataKind::Json, v));
                }
                "url" => urls.push(v),
                "user" => {
                    if !v.contains(':') {
                        // curl would prompt for the password.
                        return Err(CurlError::Unsupported(format!("{flag} without a password")));
                    }
                    spec.user = Some(v);
                }
                "max-time" => spec.max_time = Some(number(&flag, &v)?),
                "connect-timeout" => spec.connect_timeout = Some(number(&flag, &v)?),
                "max-redirs" => {
                    spec.max_redirs = Some(v.parse().map_err(|_| CurlError::BadValue {
                        flag: flag.clone(),
                        value: v.clone(),
                    })?)
                }
                "write-out" => {
                    if v.starts_with('@') {
                        return Err(CurlError::ReadsFile(format!("{flag} {v}")));
                    }
                    spec.write_out = Some(v);
                }
                "output" => spec.output = Some(v),
                "user-agent" => extra_headers.push(("User-Agent".into(), v)),
                "referer" => extra_headers.push(("Referer".into(), v)),
                "range" => extra_headers.push(("Range".into(), v)),
                "oauth2-bearer" => {
                    extra_headers.push(("Authorization".into(), format!("Bearer {v}")))
                }
                "cookie" => {
                    if !v.contains('=') {
                        return Err(CurlError::ReadsFile(format!("{flag} {v}")));
                    }
                    extra_headers.push(("Cookie".into(), v));
                }
                "dump-header" => {
                    if v == "-" || v == "/dev/stdout" {
                        spec.include = true;
                    } else {
                        return Err(CurlError::Unsupported(format!(
                            "{flag} {v} (writes a file)"
                        )));
                    }
                }
                "fail" => spec.fail = true,
                "fail-with-body" => {
                    spec.fail = true;
                    spec.fail_with_body = true;
                }
                "head" => spec.head = true,
                "get" => spec.get = true,
                "silent" => spec.silent = true,
                "show-error" => spec.show_error = true,
                "include" => spec.include = true,
                "verbose" => spec.verbose = true,
                "insecure" => spec.insecure = true,
                "location" => spec.location = true,
                "compressed" => spec.compressed = true,
                "globoff" => globoff = true,
                "http1.0" => spec.http_version = Some(HttpVersion::Http1_0),
                "http1.1" => spec.http_version = Some(HttpVersion::Http1_1),
                "http2" => spec.http_version = Some(HttpVersion::Http2),
                "http2-prior-knowledge" => {
                    spec.http_version = Some(HttpVersion::Http2PriorKnowledge)
                }
                "http3" => spec.http_version = Some(HttpVersion::Http3),
                "http3-only" => spec.http_version = Some(HttpVersion::Http3Only),
                // Progress and buffering: what is shown, not what is sent.
                "no-buffer" | "progress-bar" | "no-progress-meter" | "disable" | "basic"
                | "no-keepalive" | "tcp-nodelay" | "fail-early" => {}
                other => return Err(CurlError::Unsupported(format!("--{other}"))),
            }
        }
    }
    let mut url = match urls.len() {
        0 => return Err(CurlError::NoUrl),
        1 => urls.remove(0),
        _ => return Err(CurlError::MultipleUrls(urls)),
    };
    if !globoff && url.contains(['[', ']', '{', '}']) && !url.contains("${") {
        return Err(CurlError::Unsupported(
            "URL globbing ([ ] { } in the URL without -g)".into(),
        ));
    }
    let all_json = !data.is_empty() && data.iter().all(|(k, _)| *k == DataKind::Json);
    let body = (!data.is_empty()).then(|| {
        data.iter()
            .map(|(_, d)| d.as_str())
            .collect::<Vec<_>>()
            .join(if all_json { "" } else { "&" })
    });
    spec.data_kind = data.first().map(|(k, _)| *k);
    let has = |headers: &[(String, String)], name: &str| {
        headers.iter().any(|(k, _)| k.eq_ignore_ascii_case(name))
    };
    if spec.get {
        if let Some(q) = body {
            url.push(if url.contains('?') { '&' } else { '?' });
            url.push_str(&q);
        }
    } else if let Some(b) = body {
        if spec.head {
            return Err(CurlError::Conflict(
                "-I/--head cannot send data (curl refuses both)".into(),
            ));
        }
        if data.iter().any(|(k, _)| *k == DataKind::Json) {
            if !has(&spec.headers, "content-type") {
                extra_headers.push(("Content-Type".into(), "application/json".into()));
            }
            if !has(&spec.headers, "accept") {
                extra_headers.push(("Accept".into(), "application/json".into()));
            }
        } else if !has(&spec.headers, "content-type") {
            extra_headers.push((
                "Content-Type".into(),
                "application/x-www-form-urlencoded".into(),
            ));
        }
        spec.body = Some(b);
    }
    for (k, v) in extra_headers {
        if !has(&spec.headers, &k) {
            spec.headers.push((k, v));
        }
    }
    spec.method = match method {
        Some(m) if m.is_empty() => {
            return Err(CurlError::BadValue {
                flag: "-X".into(),
                value: m,
            });
        }
        Some(m) => m,
        None if spec.head => "HEAD".into(),
        None if spec.body.is_some() => "POST".into(),
        None => "GET".into(),
    };
    spec.url = url;
    Ok(spec)
}

/// Long flags that are understood (with or without a value).
const KNOWN_LONG: &[&str] = &[
    "request",
    "header",
    "data",
    "data-ascii",
    "data-raw",
    "data-binary",
    "data-urlencode",
    "json",
    "url",
    "user",
    "max-time",
    "connect-timeout",
    "max-redirs",
    "write-out",
    "output",
    "user-agent",
    "referer",
    "cookie",
    "range",
    "dump-header",
    "oauth2-bearer",
    "fail",
    "fail-with-body",
    "head",
    "get",
    "silent",
    "show-error",
    "include",
    "verbose",
    "insecure",
    "location",
    "compressed",
    "globoff",
    "http1.0",
    "http1.1",
    "http2",
    "http2-prior-knowledge",
    "http3",
    "http3-only",
    "no-buffer",
    "progress-bar",
    "no-progress-meter",
    "disable",
    "basic",
    "no-keepalive",
    "tcp-nodelay",
    "fail-early",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn c(line: &str) -> Result<CurlSpec, CurlError> {
        parse_curl(&shell_words::split(line).unwrap())
    }

    #[test]
    fn seed_000_health_get() {
        let s = c("curl -f https://staging-api.yourdomain.com/health").unwrap();
        assert_eq!(s.method, "GET");
        assert_eq!(s.url, "https://staging-api.yourdomain.com/health");
        assert!(s.fail && !s.silent && s.body.is_none() && s.headers.is_empty());
    }

    #[test]
    fn seed_000_post_with_headers_and_body() {
        let s = c(r#"curl -X POST https://staging-api.yourdomain.com/xtb/v1 -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" -d '{"molecule": "H2O", "method": "GFN2-xTB"}'"#).unwrap();
        assert_eq!(s.method, "POST");
        assert_eq!(
            s.headers,
            [
                ("Authorization".to_string(), "Bearer $TOKEN".to_string()),
                ("Content-Type".to_string(), "application/json".to_string())
            ]
        );
        assert_eq!(
            s.body.as_deref(),
            Some(r#"{"molecule": "H2O", "method": "GFN2-xTB"}"#)
        );
        assert_eq!(s.data_kind, Some(DataKind::Data));
        // Seed 000, Slack notification: `--data`, URL last, no -X.
        let s = c(r#"curl -X POST -H 'Content-type: application/json' --data '{"text":"deployed"}' $SLACK_WEBHOOK_URL"#).unwrap();
        assert_eq!(s.url, "$SLACK_WEBHOOK_URL");
        assert_eq!(s.headers.len(), 1, "no implied Content-Type: one is given");
        // Seed 000, token revocation: POST without a body.
        let s =
            c(r#"curl -X POST https://x/api/auth/revoke -H "Authorization: Bearer $ACCESS_TOKEN""#)
                .unwrap();
        assert_eq!((s.method.as_str(), s.body), ("POST", None));
        // Header before the URL.
        let s =
            c(r#"curl -H "Authorization: Bearer $USER_TOKEN" https://x/api/admin/users"#).unwrap();
        assert_eq!(s.url, "https://x/api/admin/users");
    }

    #[test]
    fn seed_002_head_write_out_and_output() {
        let s = c("curl -I https://staging.toolboxai.com/").unwrap();
        assert_eq!(s.method, "HEAD");
        assert!(s.head);
        // Seed 002, Check response times: a format file.
        assert_eq!(
            c(r#"curl -w "@curl-format.txt" -o /dev/null -s https://staging.toolboxai.com/"#),
            Err(CurlError::ReadsFile("-w @curl-format.txt".into()))
        );
        let s = c("curl -f -s https://app.toolboxai.com/health -o /dev/null -w '%{http_code}'")
            .unwrap();
        assert!(s.discards_body() && s.silent && s.fail);
        assert_eq!(s.write_out.as_deref(), Some("%{http_code}"));
    }

    #[test]
    fn combined_short_flags_and_attached_values() {
        let s = c("curl -sSfL -XDELETE -m5 -k -u user:pw -ofile.txt https://x/1").unwrap();
        assert_eq!(s.method, "DELETE");
        assert!(s.silent && s.show_error && s.fail && s.location && s.insecure);
        assert_eq!(s.max_time, Some(5.0));
        assert_eq!(s.user.as_deref(), Some("user:pw"));
        assert_eq!(s.output.as_deref(), Some("file.txt"));
        let s = c("curl -sSo /dev/null -w %{http_code} --url https://x/ --connect-timeout 2.5 --request PUT -d a=1").unwrap();
        assert_eq!(s.method, "PUT");
        assert_eq!(s.output.as_deref(), Some("/dev/null"));
        assert_eq!(s.connect_timeout, Some(2.5));
        let s = c("curl -HX-Env:staging https://x/").unwrap();
        assert_eq!(s.headers, [("X-Env".to_string(), "staging".to_string())]);
    }

    #[test]
    fn data_forms() {
        let s = c("curl -d a=1 -d b=2 https://x/").unwrap();
        assert_eq!(s.body.as_deref(), Some("a=1&b=2"));
        assert_eq!(s.method, "POST");
        assert_eq!(
            s.headers,
            [(
                "Content-Type".to_string(),
                "application/x-www-form-urlencoded".to_string()
            )]
        );
        let s = c("curl --data-urlencode 'q=a b&c' --data-urlencode =x/y https://x/").unwrap();
        assert_eq!(s.body.as_deref(), Some("q=a%20b%26c&x%2Fy"));
        let s = c(r#"curl --json '{"a":1}' https://x/"#).unwrap();
        assert_eq!(s.data_kind, Some(DataKind::Json));
        assert_eq!(s.method, "POST");
        assert_eq!(s.headers.len(), 2);
        let s = c("curl -G -d q=1 -d r=2 https://x/search?a=b").unwrap();
        assert_eq!(s.method, "GET");
        assert_eq!(s.url, "https://x/search?a=b&q=1&r=2");
        assert_eq!(s.body, None);
        let s = c("curl --data-raw @literal https://x/").unwrap();
        assert_eq!(s.body.as_deref(), Some("@literal"));
        assert_eq!(
            c("curl -d @body.json https://x/"),
            Err(CurlError::ReadsFile("-d @body.json".into()))
        );
        assert_eq!(
            c("curl --data-binary @- https://x/"),
            Err(CurlError::ReadsFile("--data-binary @-".into()))
        );
        assert!(matches!(
            c("curl -I -d x https://x/"),
            Err(CurlError::Conflict(_))
        ));
        let s = c("curl -X GET -d x https://x/").unwrap();
        assert_eq!((s.method.as_str(), s.body.as_deref()), ("GET", Some("x")));
    }

    #[test]
    fn http_versions_and_implied_headers() {
        let s =
            c("curl --http2 --compressed -A probe/1 -e https://ref/ -b a=b https://x/").unwrap();
        assert_eq!(s.http_version, Some(HttpVersion::Http2));
        assert!(s.compressed);
        let names: Vec<&str> = s.headers.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, ["User-Agent", "Referer", "Cookie"]);
        let s = c("curl --http1.1 -D - https://x/").unwrap();
        assert_eq!(s.http_version, Some(HttpVersion::Http1_1));
        assert!(s.include);
    }

    #[test]
    fn refuses_what_it_cannot_reproduce() {
        for (line, flag) in [
            ("curl --proxy http://p https://x/", "--proxy"),
            ("curl -x http://p https://x/", "-x"),
            ("curl -F a=@f https://x/", "-F"),
            ("curl --max-time=5 https://x/", "--max-time=5"),
            ("curl -Z https://x/", "-Z"),
        ] {
            assert_eq!(c(line), Err(CurlError::Unsupported(flag.into())), "{line}");
        }
        assert!(matches!(
            c("curl -H 'X-Remove:' https://x/"),
            Err(CurlError::Unsupported(_))
        ));
        assert!(matches!(
            c("curl -u admin https://x/"),
            Err(CurlError::Unsupported(_))
        ));
        assert!(matches!(
            c("curl -b cookies.txt https://x/"),
            Err(CurlError::ReadsFile(_))
        ));
        assert!(matches!(
            c("curl 'https://x/[1-3]'"),
            Err(CurlError::Unsupported(_))
        ));
        assert!(c("curl -g 'https://x/[1-3]'").is_ok());
        assert_eq!(c("curl -s"), Err(CurlError::NoUrl));
        assert!(matches!(
            c("curl https://a/ https://b/"),
            Err(CurlError::MultipleUrls(_))
        ));
        assert_eq!(
            c("curl https://x/ -m"),
            Err(CurlError::MissingValue("-m".into()))
        );
        assert!(matches!(
            c("curl -m soon https://x/"),
            Err(CurlError::BadValue { .. })
        ));
        assert!(matches!(c("wget https://x/"), Err(CurlError::NotCurl(_))));
    }

    #[test]
    fn method_defaults_and_scheme() {
        let s = c("curl localhost:8080/health").unwrap();
        assert_eq!(s.absolute_url(), "http://localhost:8080/health");
        assert_eq!(c("curl -- -weird-url").unwrap().url, "-weird-url");
    }

    proptest::proptest! {
        #[test]
        fn never_panics(args in proptest::collection::vec("\\PC{0,16}", 0..10)) {
            let mut argv = vec!["curl".to_string()];
            argv.extend(args);
            let _ = parse_curl(&argv);
        }

        #[test]
        fn never_panics_on_flag_soup(args in proptest::collection::vec("-{1,2}[a-zA-Z#0-9.@=:-]{0,8}", 0..8)) {
            let mut argv = vec!["curl".to_string()];
            argv.extend(args);
            let _ = parse_curl(&argv);
        }

        #[test]
        fn never_panics_on_split_text(s in "\\PC{0,120}") {
            let script = super::super::script::split_script(&format!("curl {s}"));
            for c in &script.commands {
                let _ = parse_curl(&c.head().argv);
            }
        }
    }
}
