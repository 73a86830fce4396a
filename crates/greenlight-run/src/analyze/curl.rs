//! HTTP command lines: curl (run natively when it can be done faithfully),
//! and the safety class of curl, wget and HTTPie lines, derived from the
//! request the tool would send. One option parser per tool, knowing which
//! options take a value, so a value is never taken for a URL (or the other
//! way round). An option a parser does not know makes the line `mutating`:
//! its effect is unknown.

use crate::check::Target;
use crate::profile::Class;

/// Whether an HTTP method only reads: GET, HEAD or OPTIONS (any case).
pub fn is_read_method(method: &str) -> bool {
    // The same as upper-casing the ASCII letters and comparing, without
    // the copy.
    let m = method.trim();
    ["GET", "HEAD", "OPTIONS"]
        .iter()
        .any(|r| m.eq_ignore_ascii_case(r))
}

/// Whether a header asks the server to treat the request as another
/// method (`X-HTTP-Method-Override: DELETE`): whatever its value, such a
/// request is not a read.
pub fn is_method_override(name: &str) -> bool {
    let n = name.trim();
    [
        "x-http-method-override",
        "x-http-method",
        "x-method-override",
    ]
    .iter()
    .any(|h| n.eq_ignore_ascii_case(h))
}

/// The class of an HTTP tool's line: `program` is `curl`, `wget`, `http`
/// or `https` (HTTPie); `args` are the words after it.
pub fn http_tool_class(program: &str, args: &[String]) -> Class {
    match program {
        "curl" => curl_class(args),
        "wget" => wget_class(args),
        "http" | "https" => httpie_class(args),
        _ => Class::Mutating,
    }
}

/// The class of a curl line: `read` only for GET, HEAD or OPTIONS requests
/// to http(s) URLs, with no body, no method-override header, no file
/// written and no config file read. Anything unparseable is `mutating`.
pub fn curl_class(args: &[String]) -> Class {
    match CurlArgs::parse(args) {
        Ok(c) if c.is_read() => Class::Read,
        _ => Class::Mutating,
    }
}

/// Parses curl's arguments (after the word `curl`) into a native request.
/// A line that cannot be run faithfully (a file written or read, several
/// URLs, a proxy, an option not run natively) is an error: it stays a
/// shell step, never silently approximated.
/// curl's default scheme for a URL written without one. A URL that starts
/// with a variable keeps waiting: the value may carry its own scheme
/// (`export HOST=http://…; curl $HOST/x`), so the scheme is added once it is
/// filled in.
pub fn with_default_scheme(url: String) -> String {
    if url.contains("://") || url.starts_with('$') {
        url
    } else {
        format!("http://{url}")
    }
}

pub fn parse(args: &[String]) -> Result<Target, String> {
    let c = CurlArgs::parse(args)?;
    if let Some(w) = c.writes.first() {
        return Err(format!("{w} writes a file"));
    }
    if c.config {
        return Err("-K/--config reads options from a file".into());
    }
    if let Some(why) = c.not_native.first() {
        return Err(why.clone());
    }
    if c.form || c.upload {
        return Err("-F/-T uploads are not run natively".into());
    }
    let mut url = match c.urls.as_slice() {
        [] => return Err("no URL".into()),
        [one] => one.clone(),
        [_, second, ..] => return Err(format!("more than one URL ({second})")),
    };
    url = with_default_scheme(url);
    let method = c.method();
    let mut headers = c.headers;
    let mut body = (!c.data.is_empty()).then(|| c.data.join("&"));
    if c.get
        && let Some(q) = body.take()
    {
        url.push(if url.contains('?') { '&' } else { '?' });
        url.push_str(&q);
    }
    if c.json {
        for (k, v) in [
            ("Content-Type", "application/json"),
            ("Accept", "application/json"),
        ] {
            if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(k)) {
                headers.push((k.into(), v.into()));
            }
        }
    }
    if body.is_some()
        && !headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
    {
        headers.push((
            "Content-Type".into(),
            "application/x-www-form-urlencoded".into(),
        ));
    }
    Ok(Target::Http {
        method,
        url,
        headers,
        body,
        insecure: c.insecure,
        follow: c.follow,
        basic_auth: c.user,
        fail: c.fail,
        max_time: c.max_time,
    })
}

/// Everything a curl command line asks for.
#[derive(Debug, Default)]
struct CurlArgs {
    method: Option<String>,
    urls: Vec<String>,
    headers: Vec<(String, String)>,
    /// `-d`, `--data*`, `--json` values, in order.
    data: Vec<String>,
    json: bool,
    form: bool,
    upload: bool,
    head: bool,
    /// `-G`: the data goes into the query string.
    get: bool,
    fail: bool,
    insecure: bool,
    follow: bool,
    user: Option<String>,
    max_time: Option<f64>,
    /// Files the line would write (`-o out.json`), as written.
    writes: Vec<String>,
    /// `-K`/`--config`: options from a file, effects unknown.
    config: bool,
    /// `-H @file`: headers from a file, unknown (maybe a method override).
    header_file: bool,
    /// Effects beyond one HTTP request (FTP commands, several requests).
    side_effects: bool,
    /// Options understood but not run natively, with why.
    not_native: Vec<String>,
}

/// What an option does with the word after it.
#[derive(Clone, Copy, PartialEq)]
enum Arity {
    Flag,
    Value,
}

/// curl's long options that take a value (curl 8).
#[rustfmt::skip]
const CURL_VALUE: &[&str] = &[
    "abstract-unix-socket", "alt-svc", "aws-sigv4", "cacert", "capath", "cert", "cert-type",
    "ciphers", "config", "connect-timeout", "connect-to", "continue-at", "cookie", "cookie-jar",
    "create-file-mode", "crlfile", "curves", "data", "data-ascii", "data-binary", "data-raw",
    "data-urlencode", "delegation", "dns-interface", "dns-ipv4-addr", "dns-ipv6-addr",
    "dns-servers", "doh-url", "dump-header", "ech", "egd-file", "engine", "etag-compare",
    "etag-save", "expect100-timeout", "form", "form-string", "ftp-account",
    "ftp-alternative-to-user", "ftp-method", "ftp-port", "ftp-ssl-ccc-mode",
    "happy-eyeballs-timeout-ms", "haproxy-clientip", "header", "hostpubmd5", "hostpubsha256",
    "hsts", "interface", "ip-tos", "ipfs-gateway", "json", "keepalive-cnt", "keepalive-time",
    "key", "key-type", "krb", "libcurl", "limit-rate", "local-port", "login-options", "mail-auth",
    "mail-from", "mail-rcpt", "max-filesize", "max-redirs", "max-time", "netrc-file", "noproxy",
    "oauth2-bearer", "output", "output-dir", "parallel-max", "pass", "pinnedpubkey", "preproxy",
    "proto", "proto-default", "proto-redir", "proxy", "proxy-cacert", "proxy-capath", "proxy-cert",
    "proxy-cert-type", "proxy-ciphers", "proxy-crlfile", "proxy-header", "proxy-key",
    "proxy-key-type", "proxy-pass", "proxy-pinnedpubkey", "proxy-service-name",
    "proxy-tls13-ciphers", "proxy-tlsauthtype", "proxy-tlspassword", "proxy-tlsuser", "proxy-user",
    "proxy1.0", "pubkey", "quote", "random-file", "range", "rate", "referer", "request",
    "request-target", "resolve", "retry", "retry-delay", "retry-max-time", "sasl-authzid",
    "service-name", "socks4", "socks4a", "socks5", "socks5-gssapi-service", "socks5-hostname",
    "speed-limit", "speed-time", "stderr", "telnet-option", "tftp-blksize", "time-cond", "tls-max",
    "tls13-ciphers", "tlsauthtype", "tlspassword", "tlsuser", "trace", "trace-ascii",
    "trace-config", "unix-socket", "upload-file", "url", "url-query", "user", "user-agent",
    "variable", "write-out",
];

/// curl's long options that take no value.
#[rustfmt::skip]
const CURL_FLAG: &[&str] = &[
    "anyauth", "append", "basic", "ca-native", "cert-status", "compressed", "compressed-ssh",
    "create-dirs", "crlf", "digest", "disable", "disable-eprt", "disable-epsv",
    "disallow-username-in-url", "fail", "fail-early", "fail-with-body", "false-start",
    "form-escape", "ftp-create-dirs", "ftp-pasv", "ftp-pret", "ftp-skip-pasv-ip", "ftp-ssl",
    "ftp-ssl-ccc", "ftp-ssl-control", "ftp-ssl-reqd", "get", "globoff", "haproxy-protocol", "head",
    "help", "http0.9", "http1.0", "http1.1", "http2", "http2-prior-knowledge", "http3",
    "http3-only", "ignore-content-length", "include", "insecure", "ipv4", "ipv6",
    "junk-session-cookies", "keepalive", "list-only", "location", "location-trusted", "manual",
    "mptcp", "negotiate", "netrc", "netrc-optional", "next", "alpn", "buffer", "clobber", "npn",
    "progress-meter", "sessionid", "ntlm", "ntlm-wb", "parallel", "parallel-immediate",
    "path-as-is", "post301", "post302", "post303", "progress-bar", "proxy-anyauth", "proxy-basic",
    "proxy-ca-native", "proxy-digest", "proxy-http2", "proxy-insecure", "proxy-negotiate",
    "proxy-ntlm", "proxy-ssl-allow-beast", "proxy-ssl-auto-client-cert", "proxytunnel", "raw",
    "remote-header-name", "remote-name", "remote-name-all", "remote-time", "remove-on-error",
    "retry-all-errors", "retry-connrefused", "sasl-ir", "show-error", "show-headers", "silent",
    "skip-existing", "socks5-basic", "socks5-gssapi", "socks5-gssapi-nec", "ssl",
    "ssl-allow-beast", "ssl-auto-client-cert", "ssl-no-revoke", "ssl-reqd",
    "ssl-revoke-best-effort", "ssl-sessions", "sslv2", "sslv3", "styled-output",
    "suppress-connect-headers", "tcp-fastopen", "tcp-nodelay", "tftp-no-options", "tlsv1",
    "tlsv1.0", "tlsv1.1", "tlsv1.2", "tlsv1.3", "tr-encoding", "trace-ids", "trace-time",
    "use-ascii", "verbose", "version", "xattr",
];

/// A curl short option: its long name and arity.
fn curl_short(c: char) -> Option<(&'static str, Arity)> {
    use Arity::*;
    Some(match c {
        'A' => ("user-agent", Value),
        'b' => ("cookie", Value),
        'c' => ("cookie-jar", Value),
        'C' => ("continue-at", Value),
        'd' => ("data", Value),
        'D' => ("dump-header", Value),
        'e' => ("referer", Value),
        'E' => ("cert", Value),
        'F' => ("form", Value),
        'H' => ("header", Value),
        'K' => ("config", Value),
        'm' => ("max-time", Value),
        'o' => ("output", Value),
        'P' => ("ftp-port", Value),
        'Q' => ("quote", Value),
        'r' => ("range", Value),
        't' => ("telnet-option", Value),
        'T' => ("upload-file", Value),
        'u' => ("user", Value),
        'U' => ("proxy-user", Value),
        'w' => ("write-out", Value),
        'x' => ("proxy", Value),
        'X' => ("request", Value),
        'y' => ("speed-time", Value),
        'Y' => ("speed-limit", Value),
        'z' => ("time-cond", Value),
        'f' => ("fail", Flag),
        'I' => ("head", Flag),
        'G' => ("get", Flag),
        'k' => ("insecure", Flag),
        'L' => ("location", Flag),
        's' => ("silent", Flag),
        'S' => ("show-error", Flag),
        'v' => ("verbose", Flag),
        'i' => ("include", Flag),
        'N' => ("no-buffer", Flag),
        'g' => ("globoff", Flag),
        'h' => ("help", Flag),
        '0' => ("http1.0", Flag),
        '1' => ("tlsv1", Flag),
        '2' => ("sslv2", Flag),
        '3' => ("sslv3", Flag),
        '4' => ("ipv4", Flag),
        '6' => ("ipv6", Flag),
        'a' => ("append", Flag),
        'B' => ("use-ascii", Flag),
        'j' => ("junk-session-cookies", Flag),
        'J' => ("remote-header-name", Flag),
        'l' => ("list-only", Flag),
        'M' => ("manual", Flag),
        'n' => ("netrc", Flag),
        'O' => ("remote-name", Flag),
        'p' => ("proxytunnel", Flag),
        'q' => ("disable", Flag),
        'R' => ("remote-time", Flag),
        'V' => ("version", Flag),
        'Z' => ("parallel", Flag),
        '#' => ("progress-bar", Flag),
        ':' => ("next", Flag),
        _ => return None,
    })
}

/// The arity of a curl long option (`--no-X` for a flag X is a flag;
/// `--expand-X` is X with `{{variables}}` expanded).
fn curl_long(name: &str) -> Option<Arity> {
    let base = name.strip_prefix("expand-").unwrap_or(name);
    if CURL_VALUE.contains(&base) {
        Some(Arity::Value)
    } else if CURL_FLAG.contains(&base)
        || base
            .strip_prefix("no-")
            .is_some_and(|b| CURL_FLAG.contains(&b))
    {
        Some(Arity::Flag)
    } else {
        None
    }
}

/// Whether an output target leaves the file system alone.
pub(super) fn is_no_file(path: &str) -> bool {
    matches!(path, "-" | "/dev/null" | "/dev/stdout" | "/dev/stderr")
}

impl CurlArgs {
    fn parse(args: &[String]) -> Result<CurlArgs, String> {
        let mut c = CurlArgs::default();
        let mut i = 0;
        while i < args.len() {
            let a = args[i].as_str();
            i += 1;
            if a == "--" {
                c.urls.extend(args[i..].iter().cloned());
                break;
            }
            if let Some(long) = a.strip_prefix("--") {
                let (name, inline) = match long.split_once('=') {
                    Some((n, v)) => (n, Some(v.to_string())),
                    None => (long, None),
                };
                match curl_long(name) {
                    None => return Err(format!("--{name} is not a curl option greenlight knows")),
                    Some(Arity::Flag) => {
                        if inline.is_some() {
                            return Err(format!("--{name} takes no value"));
                        }
                        c.apply(name, None)?;
                    }
                    Some(Arity::Value) => {
                        let v = match inline {
                            Some(v) => v,
                            None => take(args, &mut i, a)?,
                        };
                        c.apply(name, Some(v))?;
                    }
                }
                continue;
            }
            if a.len() > 1 && a.starts_with('-') {
                // Short options, possibly bundled: -fsSL, -XPOST, -sSLo out.json.
                for (at, f) in a.char_indices().skip(1) {
                    let Some((name, arity)) = curl_short(f) else {
                        return Err(format!("-{f} is not a curl option greenlight knows"));
                    };
                    if arity == Arity::Flag {
                        c.apply(name, None)?;
                        continue;
                    }
                    let v = short_value(args, &mut i, a, &a[at + f.len_utf8()..])?;
                    c.apply(name, Some(v))?;
                    break;
                }
                continue;
            }
            c.urls.push(a.to_string());
        }
        Ok(c)
    }

    /// Records one option, by its long name.
    fn apply(&mut self, name: &str, value: Option<String>) -> Result<(), String> {
        let v = value.unwrap_or_default();
        if let Some(base) = name.strip_prefix("expand-") {
            self.not_native
                .push(format!("--{name} expands curl variables"));
            return self.apply(base, Some(v));
        }
        let not_native = |s: &mut CurlArgs, why: String| s.not_native.push(why);
        match name {
            "request" => self.method = Some(v),
            "header" => {
                if v.starts_with('@') {
                    self.header_file = true;
                    not_native(self, format!("-H {v} reads headers from a file"));
                } else if let Some((k, val)) = v.split_once(':') {
                    self.headers
                        .push((k.trim().to_string(), val.trim().to_string()));
                } else if let Some(k) = v.strip_suffix(';') {
                    self.headers.push((k.trim().to_string(), String::new()));
                    not_native(self, format!("header {v:?} sends an empty value"));
                } else {
                    return Err(format!("header {v:?} has no colon"));
                }
            }
            "data" | "data-ascii" | "data-binary" | "data-urlencode" => {
                if v.starts_with('@') || (name == "data-urlencode" && v.contains('@')) {
                    not_native(self, format!("--{name} {v} reads a file"));
                }
                if name == "data-urlencode" {
                    not_native(self, "--data-urlencode is not run natively".into());
                }
                self.data.push(v);
            }
            "data-raw" => self.data.push(v),
            "json" => {
                if v.starts_with('@') {
                    not_native(self, format!("--json {v} reads a file"));
                }
                self.json = true;
                self.data.push(v);
            }
            "form" | "form-string" => self.form = true,
            "upload-file" => self.upload = true,
            "url" => self.urls.push(v),
            "user" => self.user = Some(v),
            "max-time" => self.max_time = Some(number(&v)?),
            "connect-timeout" => {
                number(&v)?;
            }
            "write-out" => {
                if v.contains("%output{") {
                    self.writes.push(format!("-w {v}"));
                } else if v.starts_with('@') {
                    not_native(self, format!("-w {v} reads a file"));
                }
            }
            "output" | "dump-header" | "cookie-jar" | "trace" | "trace-ascii" | "libcurl"
            | "stderr" | "etag-save" | "hsts" | "alt-svc" => {
                let harmless = matches!(
                    (name, v.as_str()),
                    ("output" | "stderr", _) | ("dump-header", "/dev/null")
                );
                if !is_no_file(&v) {
                    self.writes.push(format!("--{name} {v}"));
                } else if !harmless {
                    not_native(self, format!("--{name} {v} is not run natively"));
                }
            }
            "output-dir" => self.writes.push(format!("--output-dir {v}")),
            "remote-name" | "remote-name-all" => self.writes.push(format!("--{name}")),
            "config" => self.config = true,
            "quote" | "next" | "mail-rcpt" | "mail-from" | "telnet-option" | "ftp-port" => {
                self.side_effects = true
            }
            "fail" | "fail-with-body" => self.fail = true,
            "head" => self.head = true,
            "get" => self.get = true,
            "insecure" => self.insecure = true,
            "location" => self.follow = true,
            // Harmless and without effect on what a native probe sends.
            "silent" | "show-error" | "verbose" | "include" | "show-headers" | "compressed"
            | "http1.1" | "http2" | "no-progress-meter" | "globoff" | "no-buffer" | "disable" => {}
            other => not_native(self, format!("--{other} is not run natively")),
        }
        Ok(())
    }

    /// The method curl would send.
    fn method(&self) -> String {
        match &self.method {
            Some(m) => m.to_ascii_uppercase(),
            None if self.upload => "PUT".into(),
            None if self.sends_body() => "POST".into(),
            None if self.head => "HEAD".into(),
            None => "GET".into(),
        }
    }

    /// Whether a body goes with the request (`-G` turns data into a query).
    fn sends_body(&self) -> bool {
        self.form || self.upload || (!self.data.is_empty() && !self.get)
    }

    /// Whether the line only reads: see [`curl_class`].
    fn is_read(&self) -> bool {
        is_read_method(&self.method())
            && !self.sends_body()
            && !self.header_file
            && !self.headers.iter().any(|(k, _)| is_method_override(k))
            && self.writes.is_empty()
            && !self.config
            && !self.side_effects
            && self.urls.iter().all(|u| is_http_url(u))
    }
}

/// `http(s)://…`, or a URL without a scheme (curl assumes http).
fn is_http_url(url: &str) -> bool {
    match url.split_once("://") {
        Some((scheme, _)) => {
            scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https")
        }
        None => {
            !url.contains(':')
                || url
                    .split(':')
                    .nth(1)
                    .is_some_and(|p| p.starts_with(|c: char| c.is_ascii_digit()))
        }
    }
}

pub(super) fn take(args: &[String], i: &mut usize, flag: &str) -> Result<String, String> {
    let v = args
        .get(*i)
        .cloned()
        .ok_or_else(|| format!("{flag} needs a value"))?;
    *i += 1;
    Ok(v)
}

/// The value of a short option inside a bundle: the rest of the word
/// (`-o/tmp/x`, `-XPOST`) or, when nothing follows the letter, the next word.
pub(super) fn short_value(
    args: &[String],
    i: &mut usize,
    word: &str,
    rest: &str,
) -> Result<String, String> {
    if rest.is_empty() {
        take(args, i, word)
    } else {
        Ok(rest.to_string())
    }
}

fn number(s: &str) -> Result<f64, String> {
    s.parse().map_err(|_| format!("{s:?} is not a number"))
}

mod httpie;
mod wget;

pub use httpie::httpie_class;
pub use wget::wget_class;

#[cfg(test)]
mod tests;
