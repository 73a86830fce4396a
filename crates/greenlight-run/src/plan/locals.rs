//! Variables a block defines for itself (`export BASE_URL=…`), filled into
//! its native targets at planning time.

use crate::check::{Field, Target};
use std::collections::HashMap;

/// `export NAME=value` or `NAME=value` → the name and the value, quotes
/// trimmed.
pub(super) fn parse_assignment(text: &str) -> Option<(String, String)> {
    let t = text.trim().strip_prefix("export ").unwrap_or(text.trim());
    let (name, value) = t.split_once('=')?;
    if name.is_empty()
        || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        || value.contains("$(")
    {
        return None;
    }
    let value = value
        .trim()
        .trim_matches('"')
        .trim_matches('\'')
        .to_string();
    Some((name.to_string(), value))
}

/// Substitutes variables a block defined for itself (`export BASE_URL=…`)
/// into its native targets, leaving everything else for the run.
pub(super) fn apply_locals(mut target: Target, locals: &HashMap<&str, &str>) -> Target {
    // Only HTTP and WebSocket requests' URLs, header values and bodies: the
    // method, credentials and other probes' strings wait for the run.
    if locals.is_empty() || !matches!(target, Target::Http { .. } | Target::WebSocket { .. }) {
        return target;
    }
    // One pass over each string, whatever the number of definitions and
    // references.
    let http = matches!(target, Target::Http { .. });
    for (field, s) in target.strings_mut() {
        if matches!(field, Field::Url | Field::Header | Field::Body) {
            *s = fill_locals(s, locals);
        }
        if http && field == Field::Url {
            *s = crate::analyze::curl::with_default_scheme(std::mem::take(s));
        }
    }
    target
}

/// Replaces `$NAME` and `${NAME}` whose name is in `values` (a whole name:
/// `$AB` is not `$A` followed by `B`); everything else stays as written.
fn fill_locals(s: &str, values: &HashMap<&str, &str>) -> String {
    let is_name_byte = |b: &u8| b.is_ascii_alphanumeric() || *b == b'_';
    let bytes = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'$' {
            i += 1;
            continue;
        }
        let braced = bytes.get(i + 1) == Some(&b'{');
        let start = i + 1 + usize::from(braced);
        let end = start
            + bytes[start..]
                .iter()
                .take_while(|b| is_name_byte(b))
                .count();
        let closed = !braced || bytes.get(end) == Some(&b'}');
        match values.get(&s[start..end]) {
            Some(v) if end > start && closed => {
                out.push_str(&s[copied..i]);
                out.push_str(v);
                i = end + usize::from(braced);
                copied = i;
            }
            _ => i += 1,
        }
    }
    out.push_str(&s[copied..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_locals_fill_whole_names_only() {
        let values: HashMap<&str, &str> = [("A", "1"), ("AB", "2"), ("H", "h")].into();
        assert_eq!(fill_locals("$A/$AB/${A}/${AB}x", &values), "1/2/1/2x");
        // Unknown names, `${A:-d}`, unclosed braces and a lone `$` stay.
        assert_eq!(
            fill_locals("$ABC ${A:-d} ${A $ $", &values),
            "$ABC ${A:-d} ${A $ $"
        );
        assert_eq!(fill_locals("é$H→${H}", &values), "éh→h");
    }

    #[test]
    fn assignments() {
        assert_eq!(
            parse_assignment("export BASE_URL=\"https://x\""),
            Some(("BASE_URL".into(), "https://x".into()))
        );
        assert_eq!(parse_assignment("X=$(curl a)"), None);
    }
}

#[cfg(test)]
mod scheme_tests {
    use super::*;

    fn http(url: &str) -> Target {
        Target::request("GET", url)
    }

    #[test]
    fn an_exported_url_keeps_its_own_scheme() {
        let locals: HashMap<&str, &str> = [("HOST", "http://api.example.com")].into();
        let Target::Http { url, .. } = apply_locals(http("${HOST}/health"), &locals) else {
            unreachable!()
        };
        assert_eq!(url, "http://api.example.com/health");
        let locals: HashMap<&str, &str> = [("HOST", "api.example.com")].into();
        let Target::Http { url, .. } = apply_locals(http("$HOST/health"), &locals) else {
            unreachable!()
        };
        assert_eq!(url, "http://api.example.com/health");
    }
}
