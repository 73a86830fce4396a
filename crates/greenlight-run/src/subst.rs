//! Filling a command's variables and placeholders from the profile, and
//! mapping the document's hosts to where they really are.
//!
//! Values are substituted into the *requests* of native probes only. Shell
//! steps receive variables as environment variables, never spliced into the
//! command text.

use std::collections::BTreeMap;

/// Stands for a `$` the document wrote inside single quotes: literal text
/// that is never substituted (`'{"cmd": "$_GET"}'`).
pub const LITERAL_DOLLAR: char = '\u{E024}';
/// Stands for a `<` inside single quotes.
pub const LITERAL_LT: char = '\u{E03C}';

/// Marks `$` and `<` inside single quotes as literal, before the text is
/// split into words (which removes the quotes).
pub fn protect_single_quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut single = false;
    let mut double = false;
    for c in text.chars() {
        match c {
            '\'' if !double => single = !single,
            '"' if !single => double = !double,
            _ => {}
        }
        out.push(match c {
            '$' if single => LITERAL_DOLLAR,
            '<' if single => LITERAL_LT,
            other => other,
        });
    }
    out
}

/// Turns literal markers back into the characters they stand for.
pub fn unprotect(text: &str) -> String {
    if !text.contains([LITERAL_DOLLAR, LITERAL_LT]) {
        return text.to_string();
    }
    text.replace(LITERAL_DOLLAR, "$").replace(LITERAL_LT, "<")
}

/// Replaces `$NAME`, `${NAME}`, `${NAME:-default}` and `<placeholder>` in
/// `text`. Returns the names nobody provided (and substitutes nothing) when
/// any is missing: a value is never sent empty.
pub fn substitute(
    text: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<String, Vec<String>> {
    let mut out = String::with_capacity(text.len());
    let mut missing = Vec::new();
    let bytes = text.as_bytes();
    // Each opener looks for its closer; remembering the last answer keeps
    // a line of many openers linear.
    let mut close_brace = NextByte::new(b'}');
    let mut close_angle = NextByte::new(b'>');
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c == b'$' && i + 1 < bytes.len() {
            if bytes[i + 1] == b'{' {
                // `${NAME}` or `${NAME:-default}`, up to the first `}`.
                let start = i + 2;
                let name_end = start
                    + bytes[start..]
                        .iter()
                        .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
                        .count();
                let name = &text[start..name_end];
                let shape = if bytes.get(name_end) == Some(&b'}') {
                    Some((None, name_end))
                } else if text[name_end..].starts_with(":-") {
                    close_brace
                        .find(bytes, name_end + 2)
                        .map(|close| (Some(&text[name_end + 2..close]), close))
                } else {
                    None
                };
                if let Some((default, close)) = shape
                    && is_name(name)
                {
                    match lookup(name).or_else(|| default.map(str::to_string)) {
                        Some(v) => out.push_str(&v),
                        None => missing.push(name.to_string()),
                    }
                    i = close + 1;
                    continue;
                }
            } else if bytes[i + 1].is_ascii_alphabetic() || bytes[i + 1] == b'_' {
                let end = text[i + 1..]
                    .find(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_'))
                    .map_or(text.len(), |n| i + 1 + n);
                let name = &text[i + 1..end];
                match lookup(name) {
                    Some(v) => out.push_str(&v),
                    None => missing.push(name.to_string()),
                }
                i = end;
                continue;
            }
        } else if c == b'<'
            && let Some(close) = close_angle.find(bytes, i + 1)
        {
            let name = &text[i + 1..close];
            if is_placeholder(name) {
                match lookup(name).or_else(|| lookup(&format!("<{name}>"))) {
                    Some(v) => out.push_str(&v),
                    None => missing.push(format!("<{name}>")),
                }
                i = close + 1;
                continue;
            }
        }
        let ch = text[i..].chars().next().unwrap_or('\u{FFFD}');
        out.push(ch);
        i += ch.len_utf8().max(1);
    }
    if missing.is_empty() {
        Ok(out)
    } else {
        missing.sort();
        missing.dedup();
        Err(missing)
    }
}

/// Finds the next occurrence of one byte for a left-to-right scan whose
/// starting points only grow: an answer still ahead is reused, so the scan
/// as a whole reads each byte at most once.
struct NextByte {
    byte: u8,
    /// (searched from, answer) of the last search.
    last: Option<(usize, Option<usize>)>,
}

impl NextByte {
    fn new(byte: u8) -> Self {
        Self { byte, last: None }
    }

    fn find(&mut self, hay: &[u8], from: usize) -> Option<usize> {
        match self.last {
            Some((searched, Some(at))) if searched <= from && from <= at => return Some(at),
            Some((searched, None)) if searched <= from => return None,
            _ => {}
        }
        let found = hay
            .get(from..)
            .and_then(|rest| rest.iter().position(|&b| b == self.byte))
            .map(|n| from + n);
        self.last = Some((from, found));
        found
    }
}

/// The variables and placeholders `text` refers to (what [`substitute`]
/// would look up), without defaults.
pub fn references(text: &str) -> Vec<String> {
    // With nothing provided, substitution reports exactly what it needs.
    substitute(text, &|_| None).err().unwrap_or_default()
}

pub(crate) fn is_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !s.starts_with(|c: char| c.is_ascii_digit())
}

/// `<redis-host>`, `<postgres-pod>`, `<YOUR_TOKEN>`: letters, digits, `-`, `_`.
fn is_placeholder(s: &str) -> bool {
    s.len() >= 2
        && s.starts_with(|c: char| c.is_ascii_alphabetic())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

pub(crate) use greenlight_probe::addr::{split_host_port, split_url};

fn default_port(scheme: &str) -> Option<u16> {
    Some(match scheme.to_ascii_lowercase().as_str() {
        "http" | "ws" => 80,
        "https" | "wss" => 443,
        "postgres" | "postgresql" => 5432,
        "redis" => 6379,
        _ => return None,
    })
}

/// A host name the way mapping compares it, and the way the HTTP client
/// will resolve it: percent-decoded, IDNA (Unicode → punycode), ASCII lower
/// case, without the trailing dot of a fully qualified name. So
/// `API.Example.COM.` and `api.example.com` are one host, and so are
/// `bücher.example` and `xn--bcher-kva.example`. IP addresses come out in
/// their canonical form (IPv6 without brackets).
pub fn normalize_host(host: &str) -> String {
    if let Some(plain) = plain_domain(host) {
        return plain.trim_end_matches('.').to_string();
    }
    normalize_host_parsed(host)
}

/// `host` when URL parsing could only give it back as it is: lower-case
/// ASCII letters, digits, `-` and `.`, no IDNA label (`xn--`), and a last
/// label that is no number (so it is not an IPv4 address in any of its
/// spellings). Parsing a host costs microseconds (IDNA), and every check
/// compares a few. The two agree on every such host (tested).
fn plain_domain(host: &str) -> Option<&str> {
    let allowed = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.';
    if host.is_empty() || !host.bytes().all(allowed) {
        return None;
    }
    let last = host.trim_end_matches('.').rsplit('.').next()?;
    let numeric = last.bytes().all(|b| b.is_ascii_digit()) || last.starts_with("0x");
    let idna = host.split('.').any(|label| label.starts_with("xn--"));
    (!last.is_empty() && !numeric && !idna).then_some(host)
}

/// [`normalize_host`] through the URL parser.
fn normalize_host_parsed(host: &str) -> String {
    // URL parsers drop tabs and newlines anywhere in a URL.
    let cleaned: String = host
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let bare = cleaned.trim();
    let bare = bare
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(bare);
    let parsed = if bare.contains(':') {
        // An IPv6 literal.
        url::Host::parse(&format!("[{bare}]")).ok()
    } else {
        url::Host::parse(bare).ok()
    };
    let text = match parsed {
        Some(url::Host::Ipv6(ip)) => ip.to_string(),
        Some(h) => h.to_string(),
        None => bare.to_ascii_lowercase(),
    };
    text.trim_end_matches('.').to_string()
}

/// The mapping for `host` (and `port`): a `host:port` entry wins over a
/// `host` entry. Both sides are compared normalised ([`normalize_host`]).
fn lookup_host<'a>(
    hosts: &'a BTreeMap<String, String>,
    host: &str,
    port: Option<u16>,
) -> Option<&'a String> {
    let host = normalize_host(host);
    let mut bare = None;
    for (key, target) in hosts {
        let (k_host, k_port) = split_host_port(key);
        if normalize_host(k_host) != host {
            continue;
        }
        match k_port {
            Some(p) if Some(p) == port => return Some(target),
            Some(_) => {}
            None => bare = bare.or(Some(target)),
        }
    }
    bare
}

/// Maps a URL's scheme, host and port through `[hosts]`. `https`/`wss`
/// become `http`/`ws` when the mapping says `http`. URLs whose host is not
/// mapped come back unchanged (and `None` says so).
pub fn map_url(url: &str, hosts: &BTreeMap<String, String>) -> Option<String> {
    let parts = split_url(url)?;
    let port = parts.port.or_else(|| default_port(parts.scheme));
    let target = lookup_host(hosts, parts.host, port)?;
    Some(match target.split_once("://") {
        Some((t_scheme, t_rest)) => {
            let t_auth = t_rest.trim_end_matches('/');
            let scheme = match (parts.scheme.to_ascii_lowercase().as_str(), t_scheme) {
                ("wss" | "ws", "http") => "ws",
                ("wss" | "ws", "https") => "wss",
                (_, s) => s,
            };
            format!("{scheme}://{t_auth}{}", parts.rest)
        }
        None => format!(
            "{}://{}{}",
            parts.scheme.to_ascii_lowercase(),
            target.trim_end_matches('/'),
            parts.rest
        ),
    })
}

/// Maps a `host` and `port` through `[hosts]` (for TCP, PostgreSQL, Redis).
pub fn map_addr(host: &str, port: u16, hosts: &BTreeMap<String, String>) -> Option<(String, u16)> {
    let target = lookup_host(hosts, host, Some(port))?;
    let auth = target.split_once("://").map_or(target.as_str(), |(_, r)| r);
    let auth = auth.split('/').next().unwrap_or(auth);
    let (h, p) = split_host_port(auth);
    Some((h.to_string(), p.unwrap_or(port)))
}

/// Host of a URL, if it parses, normalised ([`normalize_host`]).
pub fn url_host(url: &str) -> Option<String> {
    split_url(url).map(|p| normalize_host(p.host))
}

/// The real addresses `[hosts]` maps to, as `host:port` (or `host` when
/// the mapping names no port and no scheme): where a followed redirect may
/// go besides the request's own authority.
pub fn mapped_authorities(hosts: &BTreeMap<String, String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for target in hosts.values() {
        let (scheme, rest) = match target.split_once("://") {
            Some((s, r)) => (Some(s), r),
            None => (None, target.as_str()),
        };
        let auth = rest.split(['/', '?', '#']).next().unwrap_or(rest);
        let (h, p) = split_host_port(auth);
        let host = normalize_host(h);
        let host = if host.contains(':') {
            format!("[{host}]")
        } else {
            host
        };
        let entry = match p.or_else(|| scheme.and_then(default_port)) {
            Some(p) => format!("{host}:{p}"),
            None => host,
        };
        if !out.contains(&entry) {
            out.push(entry);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(name: &str) -> Option<String> {
        match name {
            "TOKEN" => Some("t0k".into()),
            "redis-host" => Some("127.0.0.1".into()),
            _ => None,
        }
    }

    #[test]
    fn single_quoted_text_stays_literal() {
        let p = protect_single_quoted(r#"-d '{"x": "$_GET"}' -H "A: $TOKEN""#);
        assert_eq!(references(&p), vec!["TOKEN".to_string()]);
        let filled = substitute(&p, &vars).unwrap();
        assert_eq!(unprotect(&filled), r#"-d '{"x": "$_GET"}' -H "A: t0k""#);
    }

    #[test]
    fn references_list_what_is_needed() {
        assert_eq!(
            references("Bearer $TOKEN ${A:-x} -h <redis-host>"),
            vec!["<redis-host>".to_string(), "TOKEN".into()]
        );
    }

    #[test]
    fn substitutes_forms() {
        assert_eq!(substitute("Bearer $TOKEN", &vars).unwrap(), "Bearer t0k");
        assert_eq!(substitute("a${TOKEN}b", &vars).unwrap(), "at0kb");
        assert_eq!(substitute("${NOPE:-x}", &vars).unwrap(), "x");
        assert_eq!(
            substitute("-h <redis-host> ping", &vars).unwrap(),
            "-h 127.0.0.1 ping"
        );
        assert_eq!(substitute("cost $5 <b>", &vars).unwrap(), "cost $5 <b>");
        assert_eq!(
            substitute("$A and ${B} and <c-host>", &vars).unwrap_err(),
            vec!["<c-host>".to_string(), "A".into(), "B".into()]
        );
        assert_eq!(substitute("é $TOKEN ✓", &vars).unwrap(), "é t0k ✓");
    }

    fn hosts() -> BTreeMap<String, String> {
        let mut h = BTreeMap::new();
        h.insert(
            "staging-api.yourdomain.com".into(),
            "http://127.0.0.1:18081".into(),
        );
        h.insert("api.example.com:8443".into(), "127.0.0.1:9000".into());
        h.insert("db.internal".into(), "127.0.0.1:5432".into());
        h
    }

    #[test]
    fn maps_urls() {
        let h = hosts();
        assert_eq!(
            map_url("https://staging-api.yourdomain.com/health?x=1", &h).unwrap(),
            "http://127.0.0.1:18081/health?x=1"
        );
        assert_eq!(
            map_url("wss://staging-api.yourdomain.com/ws", &h).unwrap(),
            "ws://127.0.0.1:18081/ws"
        );
        assert_eq!(
            map_url("https://api.example.com:8443/v1", &h).unwrap(),
            "https://127.0.0.1:9000/v1"
        );
        assert_eq!(map_url("https://api.example.com/v1", &h), None);
        assert_eq!(map_url("https://elsewhere.com/", &h), None);
    }

    #[test]
    fn maps_addresses() {
        let h = hosts();
        assert_eq!(
            map_addr("db.internal", 5432, &h),
            Some(("127.0.0.1".into(), 5432))
        );
        assert_eq!(
            map_addr("staging-api.yourdomain.com", 1935, &h),
            Some(("127.0.0.1".into(), 18081))
        );
        assert_eq!(map_addr("other", 1, &h), None);
    }

    #[test]
    fn host_spellings_map_alike() {
        let h = hosts();
        for url in [
            "https://API.Example.COM.:8443/v1",
            "https://api.example.com.:8443/v1",
            "HTTPS://api.EXAMPLE.com:8443/v1",
            "https://api%2Eexample.com:8443/v1",
            "https://api.exa\tmple.com:8443/v1",
        ] {
            assert_eq!(
                map_url(url, &h).as_deref(),
                Some("https://127.0.0.1:9000/v1"),
                "{url:?}"
            );
        }
        assert_eq!(
            map_url("http://staging-api.yourdomain.com./x", &h).as_deref(),
            Some("http://127.0.0.1:18081/x")
        );
        assert_eq!(
            map_addr("DB.Internal.", 5432, &h),
            Some(("127.0.0.1".into(), 5432))
        );
        assert_eq!(
            url_host("http://API.Example.COM./").as_deref(),
            Some("api.example.com")
        );
        // A backslash ends the authority, as the HTTP client reads it: the
        // host is api.example.com, not evil.example.
        assert_eq!(
            map_url("https://api.example.com:8443\\@evil.example/", &h).as_deref(),
            Some("https://127.0.0.1:9000\\@evil.example/")
        );
    }

    #[test]
    fn unicode_hosts_map_as_punycode() {
        let mut h = BTreeMap::new();
        h.insert("bücher.example".to_string(), "127.0.0.1:1".to_string());
        h.insert("xn--caf-dma.example".to_string(), "127.0.0.1:2".to_string());
        assert_eq!(normalize_host("BÜCHER.example."), "xn--bcher-kva.example");
        assert_eq!(
            map_url("http://xn--bcher-kva.example/", &h).as_deref(),
            Some("http://127.0.0.1:1/")
        );
        assert_eq!(
            map_url("http://Café.example/", &h).as_deref(),
            Some("http://127.0.0.1:2/")
        );
        assert_eq!(map_url("http://other.example/", &h), None);
        assert_eq!(normalize_host("[::1]"), "::1");
        assert_eq!(normalize_host("<redis-host>"), "<redis-host>");
    }

    proptest::proptest! {
        /// The shortcut gives what parsing gives, for every host it takes.
        #[test]
        fn plain_domains_normalize_as_parsed(host in "[a-fnx0-9.-]{1,12}|[a-z0-9-]{1,8}(\\.[a-z0-9-]{0,8}){0,3}\\.?") {
            if plain_domain(&host).is_some() {
                proptest::prop_assert_eq!(normalize_host(&host), normalize_host_parsed(&host));
            }
        }
    }

    #[test]
    fn plain_domain_leaves_addresses_and_idna_to_the_parser() {
        for host in [
            "127.0.0.1",
            "127.1",
            "0x7f.1",
            "10.0.0.010",
            "a.0x1f",
            "xn--bcher-kva.example",
            "API.example.com",
            "bücher.example",
            "a b",
            "",
        ] {
            assert_eq!(plain_domain(host), None, "{host}");
        }
        for host in [
            "api.example.com",
            "api.example.com.",
            "staging-api.example.com",
            "localhost",
            "1a.example",
            "a..b",
        ] {
            assert_eq!(plain_domain(host), Some(host));
            assert_eq!(normalize_host(host), normalize_host_parsed(host), "{host}");
        }
    }

    #[test]
    fn mapped_authorities_name_real_addresses() {
        assert_eq!(
            mapped_authorities(&hosts()),
            vec![
                "127.0.0.1:9000".to_string(),
                "127.0.0.1:5432".into(),
                "127.0.0.1:18081".into()
            ]
        );
    }
}
