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

/// A URL split at its authority.
struct UrlParts<'a> {
    scheme: &'a str,
    host: &'a str,
    port: Option<u16>,
    rest: &'a str,
}

fn split_url(url: &str) -> Option<UrlParts<'_>> {
    let (scheme, after) = url.split_once("://")?;
    let end = after.find(['/', '?', '#']).unwrap_or(after.len());
    let authority = &after[..end];
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let (host, port) = split_host_port(authority);
    Some(UrlParts {
        scheme,
        host,
        port,
        rest: &after[end..],
    })
}

fn split_host_port(authority: &str) -> (&str, Option<u16>) {
    if let Some(stripped) = authority.strip_prefix('[') {
        // [::1]:8080
        if let Some((h, rest)) = stripped.split_once(']') {
            let port = rest.strip_prefix(':').and_then(|p| p.parse().ok());
            return (h, port);
        }
    }
    match authority.rsplit_once(':') {
        Some((h, p)) if p.chars().all(|c| c.is_ascii_digit()) && !p.is_empty() => {
            (h, p.parse().ok())
        }
        _ => (authority, None),
    }
}

fn default_port(scheme: &str) -> Option<u16> {
    Some(match scheme {
        "http" | "ws" => 80,
        "https" | "wss" => 443,
        "postgres" | "postgresql" => 5432,
        "redis" => 6379,
        _ => return None,
    })
}

fn lookup_host<'a>(
    hosts: &'a BTreeMap<String, String>,
    host: &str,
    port: Option<u16>,
) -> Option<&'a String> {
    let host = host.to_ascii_lowercase();
    port.and_then(|p| hosts.get(&format!("{host}:{p}")))
        .or_else(|| hosts.get(&host))
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
            let scheme = match (parts.scheme, t_scheme) {
                ("wss" | "ws", "http") => "ws",
                ("wss" | "ws", "https") => "wss",
                (_, s) => s,
            };
            format!("{scheme}://{t_auth}{}", parts.rest)
        }
        None => format!(
            "{}://{}{}",
            parts.scheme,
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

/// Host of a URL, if it parses.
pub fn url_host(url: &str) -> Option<String> {
    split_url(url).map(|p| p.host.to_ascii_lowercase())
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
}
