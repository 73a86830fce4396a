//! The one URL / `host:port` splitter of the workspace: host mapping,
//! redirect allow-lists and database service URLs all cut an authority the
//! same way, and the same way the HTTP client's URL parser does.

/// A URL split at its authority.
pub struct UrlParts<'a> {
    /// As written (compare it case-insensitively).
    pub scheme: &'a str,
    /// `user[:password]` before the `@`, if any.
    pub userinfo: Option<&'a str>,
    /// Without the brackets of an IPv6 literal; not normalised.
    pub host: &'a str,
    /// The port written, if any (an empty or unparsable port is none).
    pub port: Option<u16>,
    /// Everything after the authority: path, query, fragment.
    pub rest: &'a str,
}

/// Splits `scheme://[userinfo@]host[:port]rest`. The authority ends where
/// the HTTP client's URL parser ends it (`/`, `?`, `#`, and `\`, which
/// `http` URLs treat as `/`), so the host seen here is the host a request
/// would reach.
pub fn split_url(url: &str) -> Option<UrlParts<'_>> {
    let (scheme, after) = url.split_once("://")?;
    let end = after.find(['/', '?', '#', '\\']).unwrap_or(after.len());
    let authority = &after[..end];
    let (userinfo, authority) = match authority.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, authority),
    };
    let (host, port) = split_host_port(authority);
    Some(UrlParts {
        scheme,
        userinfo,
        host,
        port,
        rest: &after[end..],
    })
}

/// Splits `host[:port]` or `[v6]:port` the way URL parsers read an
/// authority: the host without IPv6 brackets, and the port if one is written
/// as digits that fit (`host:` and `host:x` have none).
pub fn split_host_port(authority: &str) -> (&str, Option<u16>) {
    if let Some(stripped) = authority.strip_prefix('[') {
        // [::1]:8080
        if let Some((h, rest)) = stripped.split_once(']') {
            let port = rest.strip_prefix(':').and_then(|p| p.parse().ok());
            return (h, port);
        }
    }
    match authority.rsplit_once(':') {
        // An empty port (`host:`) means the default one, as URL parsers read it.
        Some((h, p)) if p.chars().all(|c| c.is_ascii_digit()) => (h, p.parse().ok()),
        _ => (authority, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_split_where_url_parsers_split_them() {
        let p = split_url("postgres://u:pw@[::1]:5433/db?x=a@b").unwrap();
        assert_eq!(
            (p.scheme, p.userinfo, p.host, p.port, p.rest),
            ("postgres", Some("u:pw"), "::1", Some(5433), "/db?x=a@b")
        );
        let p = split_url("http://a.example\\@evil.example/").unwrap();
        assert_eq!(
            (p.host, p.userinfo, p.rest),
            ("a.example", None, "\\@evil.example/")
        );
        assert!(split_url("no-scheme:80").is_none());
    }

    #[test]
    fn host_and_port() {
        assert_eq!(split_host_port("h:80"), ("h", Some(80)));
        assert_eq!(split_host_port("h"), ("h", None));
        assert_eq!(split_host_port("h:"), ("h", None));
        assert_eq!(split_host_port("h:x"), ("h:x", None));
        assert_eq!(split_host_port("h:70000"), ("h", None));
        assert_eq!(split_host_port("[::1]:8080"), ("::1", Some(8080)));
        assert_eq!(split_host_port("[::1]"), ("::1", None));
    }
}
