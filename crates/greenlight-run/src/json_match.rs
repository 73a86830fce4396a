//! Comparing a response body with a JSON body a person wrote in the
//! document.
//!
//! Written bodies are examples more often than contracts, so the
//! comparison reads them the way a person would:
//!
//! - **Subset.** Objects by key (every written key must be present),
//!   arrays element-wise (each written element matches some actual one),
//!   numbers by numeric value.
//! - **Placeholders match any value:** `"..."`, `"…"`, `"<anything>"`,
//!   `"{{anything}}"`, `"***"`, and type words standing in for a value of
//!   that type: `"string"`, `"uuid"`, `"timestamp"`, `"date"`,
//!   `"datetime"`, `"iso8601"`, `"url"`, `"email"` match any string,
//!   `"number"`, `"integer"`, `"int"`, `"float"` any number, `"boolean"`,
//!   `"bool"` any boolean. A type word matches only a value of its type: a
//!   real status never reads `"string"`, but `"string"` standing for a
//!   number is not a placeholder for it. A string ending in `...` or `…`
//!   after some text (`"2025-01-27T..."`) matches a value with that prefix.
//!   [`parse_lenient`] also reads bare `<placeholder>` and `...` where a
//!   value or a member would be.
//! - **Verdict fields fail.** A different value under a key that carries
//!   the health verdict (`status`, `ok`, `healthy`, `health`, `state`,
//!   `ready`, `live`, `alive`, `up`, `success`, `error`, …) or any boolean
//!   is a failure, as is a different `version` / `build` / `release` /
//!   `tag`: after a deploy the version the document names is what is being
//!   released.
//! - **Example values need review.** A different value that is evidently an
//!   example — under an id, hash, count, size, time, date or uptime key, or
//!   shaped like a UUID, a hex digest or an ISO date — leaves the check
//!   *needs review*: "the document's example value differs".
//! - Everything else that differs fails.

use serde_json::Value;

/// How a written body compares with the actual one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Match {
    /// Everything written is there (placeholders matched).
    Equal,
    /// Only example values differ: one message per value, for review.
    ExampleDiffers(Vec<String>),
    /// A written value that matters is absent or different.
    Differs(String),
}

/// Compares a written body (`expected`) with the response (`actual`).
pub fn compare(expected: &Value, actual: &Value) -> Match {
    compare_at("", expected, actual)
}

/// [`compare`] for a value found at `path` (`.version`, `$.items[0].id`):
/// the path's last key decides whether a difference is an example.
pub fn compare_at(path: &str, expected: &Value, actual: &Value) -> Match {
    let key = last_key(path);
    let mut diffs = Vec::new();
    match walk(expected, actual, key, path, &mut diffs) {
        Err(why) => Match::Differs(why),
        Ok(()) if diffs.is_empty() => Match::Equal,
        Ok(()) => Match::ExampleDiffers(diffs),
    }
}

fn last_key(path: &str) -> Option<&str> {
    path.rsplit('.')
        .next()
        .map(|k| k.split('[').next().unwrap_or(k).trim_matches('"'))
        .filter(|k| !k.is_empty() && *k != "$")
}

fn walk(
    expected: &Value,
    actual: &Value,
    key: Option<&str>,
    path: &str,
    diffs: &mut Vec<String>,
) -> Result<(), String> {
    if let Value::String(e) = expected
        && matches_placeholder(e, actual)
    {
        return Ok(());
    }
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (k, ev) in e {
                let sub = format!("{path}.{k}");
                // `"database.connected": true` written for a nested member.
                let found = a.get(k).or_else(|| dotted(a, k));
                let last = k.rsplit('.').next().unwrap_or(k);
                match found {
                    Some(av) => walk(ev, av, Some(last), &sub, diffs)?,
                    None => return Err(format!("{sub} is absent")),
                }
            }
            Ok(())
        }
        (Value::Array(e), Value::Array(a)) => {
            for (i, ev) in e.iter().enumerate() {
                let sub = format!("{path}[{i}]");
                let mut best: Option<Vec<String>> = None;
                for av in a {
                    let mut d = Vec::new();
                    if walk(ev, av, key, &sub, &mut d).is_ok() {
                        if d.is_empty() {
                            best = Some(d);
                            break;
                        }
                        if best.is_none() {
                            best = Some(d);
                        }
                    }
                }
                match best {
                    Some(d) => diffs.extend(d),
                    None => return Err(format!("no element of {} matches {ev}", show(path))),
                }
            }
            Ok(())
        }
        _ if values_equal(expected, actual) => Ok(()),
        _ => {
            let at = show(path);
            if is_example(key, expected, actual) {
                diffs.push(format!(
                    "the document's example value differs at {at}: expected {expected}, got {actual}"
                ));
                Ok(())
            } else {
                Err(format!("{at}: expected {expected}, got {actual}"))
            }
        }
    }
}

/// The member at a dotted key (`database.connected`) through nested
/// objects, for a key the object does not hold as written.
fn dotted<'a>(object: &'a serde_json::Map<String, Value>, key: &str) -> Option<&'a Value> {
    let mut parts = key.split('.');
    let mut at = object.get(parts.next()?)?;
    for part in parts {
        at = at.as_object()?.get(part)?;
    }
    key.contains('.').then_some(at)
}

/// Whether `text` appears in `hay`, reading version wildcards in it
/// (`1.8.x`, `2.x`, `v3.*`) as any number: `openjdk version "1.8.x"`
/// matches `openjdk version "1.8.0_392"`.
pub fn contains_text(hay: &str, text: &str) -> bool {
    if hay.contains(text) {
        return true;
    }
    let parts = split_wildcards(text);
    if parts.len() < 2 {
        return false;
    }
    // Try every place the first literal part occurs.
    let first = parts[0];
    let mut from = 0;
    while let Some(at) = hay[from..].find(first) {
        let start = from + at;
        // `2.x` is not the tail of `12.5`.
        let glued = first.starts_with(|c: char| c.is_ascii_digit())
            && hay[..start]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_ascii_digit() || c == '.');
        if !glued && wildcard_rest(&hay[start + first.len()..], &parts[1..]) {
            return true;
        }
        from = start + first.len().max(1);
        while !hay.is_char_boundary(from) {
            from += 1;
        }
        if from > hay.len() {
            break;
        }
    }
    false
}

/// `1.8.x` → [`1.8.`, ``]: the literal parts around each wildcard `x`,
/// `X` or `*` that stands where a version number would (after a digit and
/// a dot, not followed by a letter or digit).
fn split_wildcards(text: &str) -> Vec<&str> {
    let b = text.as_bytes();
    let mut parts = Vec::new();
    let mut last = 0;
    for i in 0..b.len() {
        let is_wild = matches!(b[i], b'x' | b'X' | b'*')
            && i >= 2
            && b[i - 1] == b'.'
            && b[i - 2].is_ascii_digit()
            && b.get(i + 1).is_none_or(|c| !c.is_ascii_alphanumeric());
        if is_wild {
            parts.push(&text[last..i]);
            last = i + 1;
        }
    }
    parts.push(&text[last..]);
    parts
}

fn wildcard_rest(hay: &str, parts: &[&str]) -> bool {
    // Each wildcard takes one or more digits, dots, underscores or dashes
    // of a version (`0`, `0_392`, `12.1`), then the next literal follows.
    let Some((next, rest)) = parts.split_first() else {
        return true;
    };
    let run: usize = hay
        .char_indices()
        .take_while(|(_, c)| c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
        .map(|(_, c)| c.len_utf8())
        .sum();
    if run == 0 || !hay.starts_with(|c: char| c.is_ascii_digit()) {
        return false;
    }
    (1..=run)
        .rev()
        .any(|take| hay[take..].starts_with(next) && wildcard_rest(&hay[take + next.len()..], rest))
}

fn show(path: &str) -> &str {
    if path.is_empty() { "the body" } else { path }
}

fn values_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

/// Whether the written string `e` is a placeholder that `actual` fills.
pub fn matches_placeholder(e: &str, actual: &Value) -> bool {
    let t = e.trim();
    if is_any_placeholder(t) {
        return true;
    }
    let lower = t.to_ascii_lowercase();
    let type_ok = match lower.as_str() {
        "string" | "uuid" | "timestamp" | "date" | "datetime" | "iso8601" | "iso-8601" | "url"
        | "email" => Some(actual.is_string()),
        "number" | "integer" | "int" | "float" => Some(actual.is_number()),
        "boolean" | "bool" => Some(actual.is_boolean()),
        _ => None,
    };
    if let Some(ok) = type_ok {
        return ok;
    }
    // `"2.x"`, `"1.8.x"`: any version of that line.
    let parts = split_wildcards(t);
    if parts.len() > 1
        && actual
            .as_str()
            .is_some_and(|a| a.starts_with(parts[0]) && contains_text(a, t))
    {
        return true;
    }
    if let Some(prefix) = t.strip_suffix("...").or_else(|| t.strip_suffix('…'))
        && !prefix.is_empty()
    {
        return actual.as_str().is_some_and(|a| a.starts_with(prefix));
    }
    false
}

fn is_any_placeholder(t: &str) -> bool {
    matches!(t, "..." | "…" | "***")
        || (t.len() > 2 && t.starts_with('<') && t.ends_with('>'))
        || (t.len() > 4 && t.starts_with("{{") && t.ends_with("}}"))
}

/// The words of a key, lower-cased: `lastSeenAt` → `last seen at`,
/// `request_id` → `request id`.
fn key_words(key: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in key.chars() {
        if !c.is_alphanumeric() {
            if !cur.is_empty() {
                words.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if c.is_uppercase() && prev_lower && !cur.is_empty() {
            words.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        cur.extend(c.to_lowercase());
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    words
}

const VERDICT_WORDS: &[&str] = &[
    "status",
    "ok",
    "healthy",
    "health",
    "state",
    "ready",
    "readiness",
    "live",
    "liveness",
    "alive",
    "up",
    "success",
    "error",
    "errors",
    "result",
    "version",
    "build",
    "release",
    "tag",
];

const EXAMPLE_WORDS: &[&str] = &[
    "id",
    "ids",
    "uuid",
    "guid",
    "hash",
    "sha",
    "digest",
    "commit",
    "etag",
    "nonce",
    "count",
    "total",
    "size",
    "bytes",
    "length",
    "uptime",
    "duration",
    "elapsed",
    "latency",
    "took",
    "ms",
    "seconds",
    "secs",
    "time",
    "timestamp",
    "ts",
    "date",
    "at",
    "now",
    "created",
    "updated",
    "started",
    "modified",
    "generated",
    "expires",
    "pid",
    "memory",
    "connections",
    "requests",
];

/// Whether a differing value is evidently an example: never under a
/// verdict key or for a boolean; otherwise by the key's words or by the
/// written value's shape.
fn is_example(key: Option<&str>, expected: &Value, actual: &Value) -> bool {
    if expected.is_boolean() || actual.is_boolean() {
        return false;
    }
    let words = key.map(key_words).unwrap_or_default();
    if words.iter().any(|w| VERDICT_WORDS.contains(&w.as_str())) {
        return false;
    }
    if matches!(
        (expected, actual),
        (Value::Object(_) | Value::Array(_), _) | (_, Value::Object(_) | Value::Array(_))
    ) {
        return false;
    }
    if words.iter().any(|w| EXAMPLE_WORDS.contains(&w.as_str())) {
        return true;
    }
    expected.as_str().is_some_and(looks_like_example)
}

/// A UUID, a hex digest of 7 or more digits, or an ISO date.
fn looks_like_example(s: &str) -> bool {
    let hex = |p: &str| !p.is_empty() && p.chars().all(|c| c.is_ascii_hexdigit());
    let parts: Vec<&str> = s.split('-').collect();
    let uuid = parts.len() == 5
        && parts.iter().map(|p| p.len()).eq([8, 4, 4, 4, 12])
        && parts.iter().all(|p| hex(p));
    let digest = s.len() >= 7 && hex(s) && s.chars().any(|c| c.is_ascii_digit());
    let b = s.as_bytes();
    let iso_date = b.len() >= 10
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'-'
        && b[8..10].iter().all(u8::is_ascii_digit);
    uuid || digest || iso_date
}

/// Parses a body a person wrote, accepting what people write in examples
/// besides JSON: bare `<placeholder>` or `...`/`…` as a value, and a
/// `...`/`…` line or member standing for "more keys". `None` when it is
/// still not JSON.
pub fn parse_lenient(text: &str) -> Option<Value> {
    if let Ok(v) = serde_json::from_str::<Value>(text.trim()) {
        return Some(v);
    }
    let mut out = String::with_capacity(text.len());
    let mut in_str = false;
    let mut escaped = false;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if in_str {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_str = false;
            }
            continue;
        }
        match c {
            '"' => {
                in_str = true;
                out.push(c);
            }
            '<' => {
                let rest = &text[i..];
                match rest.find('>') {
                    Some(end) if !rest[..end].contains(['\n', '"', '{', '}']) => {
                        out.push_str("\"…\"");
                        let stop = i + end;
                        while chars.peek().is_some_and(|(j, _)| *j <= stop) {
                            chars.next();
                        }
                    }
                    _ => out.push(c),
                }
            }
            '.' if text[i..].starts_with("...") => {
                out.push_str("\"…\"");
                chars.next();
                chars.next();
            }
            '…' => out.push_str("\"…\""),
            _ => out.push(c),
        }
    }
    // A bare `"…"` standing as an object member or array element means
    // "and more": drop it with its comma.
    let cleaned = drop_ellipsis_members(&out);
    let v: Value = serde_json::from_str(cleaned.trim()).ok()?;
    Some(v)
}

fn drop_ellipsis_members(s: &str) -> String {
    // Remove `, "…"` and `"…",` where they stand alone (not after a colon).
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(pos) = rest.find("\"…\"") {
        let before = &rest[..pos];
        let prev = before.trim_end().chars().last();
        if prev == Some(':') {
            out.push_str(&rest[..pos + "\"…\"".len()]);
            rest = &rest[pos + "\"…\"".len()..];
            continue;
        }
        let mut kept = before.to_string();
        let after = &rest[pos + "\"…\"".len()..];
        let after_trim = after.trim_start();
        if kept.trim_end().ends_with(',') {
            let t = kept.trim_end().len() - 1;
            kept.truncate(t);
            rest = after;
        } else if let Some(a) = after_trim.strip_prefix(',') {
            rest = a;
        } else {
            rest = after;
        }
        out.push_str(&kept);
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn placeholders_match_anything() {
        let actual = json!({"status": "ok", "timestamp": "2026-12-01T03:00:00Z", "id": 7});
        for e in [
            json!({"status": "ok", "timestamp": "..."}),
            json!({"status": "ok", "timestamp": "…"}),
            json!({"status": "ok", "timestamp": "<current time>"}),
            json!({"status": "ok", "timestamp": "{{now}}"}),
            json!({"status": "ok", "timestamp": "string"}),
            json!({"status": "ok", "timestamp": "ISO8601", "id": "number"}),
            json!({"status": "ok", "timestamp": "2026-12-01T..."}),
        ] {
            assert_eq!(compare(&e, &actual), Match::Equal, "{e}");
        }
        // A type word only stands for a value of its type.
        assert!(matches!(
            compare(&json!({"status": "boolean"}), &actual),
            Match::Differs(_)
        ));
        // A prefix placeholder whose prefix differs is an example date.
        assert!(matches!(
            compare(&json!({"timestamp": "2025-01-27T..."}), &actual),
            Match::ExampleDiffers(_)
        ));
        // … but a prefix under a verdict key fails.
        assert!(matches!(
            compare(&json!({"status": "deg..."}), &actual),
            Match::Differs(_)
        ));
    }

    #[test]
    fn verdict_fields_and_booleans_fail() {
        let actual = json!({"status": "degraded", "ok": false, "db": {"healthy": false},
                            "checks": {"cache": true}, "version": "8.0.1"});
        for e in [
            json!({"status": "ok"}),
            json!({"ok": true}),
            json!({"db": {"healthy": true}}),
            json!({"checks": {"cache": false}}),
            json!({"version": "8.0.0"}),
            json!({"missing": 1}),
        ] {
            assert!(matches!(compare(&e, &actual), Match::Differs(_)), "{e}");
        }
    }

    #[test]
    fn example_values_need_review() {
        let actual = json!({"status": "ok", "request_id": "f00d", "uptime": 12,
                            "lastSeenAt": "2026-12-01", "count": 3,
                            "commit": "0123abcdef", "owner": "b3a1c2d4-0000-4000-8000-000000000000"});
        let e = json!({"status": "ok", "request_id": "abc123", "uptime": 3600,
                       "lastSeenAt": "2025-01-27", "count": 10, "commit": "deadbeef1",
                       "owner": "a3a1c2d4-1111-4111-8111-111111111111"});
        match compare(&e, &actual) {
            Match::ExampleDiffers(d) => {
                assert_eq!(d.len(), 6, "{d:?}");
                assert!(d.iter().any(|m| m.contains(
                    "the document's example value differs at .request_id: expected \"abc123\", got \"f00d\""
                )));
            }
            other => panic!("{other:?}"),
        }
        // A plain word under a plain key is not an example: it fails.
        assert!(matches!(
            compare(
                &json!({"database": "connected"}),
                &json!({"database": "down"})
            ),
            Match::Differs(_)
        ));
    }

    #[test]
    fn nested_and_arrays_keep_subset_semantics() {
        let actual =
            json!({"items": [{"id": "s-1", "state": "live"}, {"id": "s-2", "state": "ended"}]});
        assert_eq!(
            compare(&json!({"items": [{"state": "ended"}]}), &actual),
            Match::Equal
        );
        assert!(matches!(
            compare(&json!({"items": [{"state": "paused"}]}), &actual),
            Match::Differs(_)
        ));
        assert!(matches!(
            compare(&json!({"items": [{"id": "s-9", "state": "live"}]}), &actual),
            Match::ExampleDiffers(_)
        ));
        assert_eq!(
            compare(&json!({"a": [1]}), &json!({"a": [3, 1]})),
            Match::Equal
        );
        assert!(matches!(
            compare(&json!({"a": "1"}), &json!({"a": 1})),
            Match::Differs(_)
        ));
    }

    #[test]
    fn paths_take_their_last_key() {
        assert!(matches!(
            compare_at(".data.uptime", &json!(5), &json!(9)),
            Match::ExampleDiffers(_)
        ));
        assert!(matches!(
            compare_at("$.status", &json!("ok"), &json!("down")),
            Match::Differs(_)
        ));
    }

    #[test]
    fn lenient_parse_reads_example_bodies() {
        assert_eq!(
            parse_lenient(
                "{\n  \"status\": \"ok\",\n  \"timestamp\": <iso time>,\n  \"uptime\": ...\n}"
            ),
            Some(json!({"status": "ok", "timestamp": "…", "uptime": "…"}))
        );
        assert_eq!(
            parse_lenient("{\"status\": \"ok\", ...}"),
            Some(json!({"status": "ok"}))
        );
        assert_eq!(
            parse_lenient("{\"items\": [1, …]}"),
            Some(json!({"items": [1]}))
        );
        assert_eq!(
            parse_lenient("{\"a\": \"x <y> ...\"}"),
            Some(json!({"a": "x <y> ..."}))
        );
        assert_eq!(parse_lenient("not json"), None);
        assert_eq!(parse_lenient("{\"é\": <ü"), None);
    }

    #[test]
    fn dotted_keys_reach_nested_members() {
        // a10: `"database.connected": true` under **Verify response:**.
        let actual = json!({"database": {"connected": true, "type": "postgresql"}});
        assert_eq!(
            compare(&json!({"database.connected": true}), &actual),
            Match::Equal
        );
        assert!(matches!(
            compare(&json!({"database.type": "sqlite"}), &actual),
            Match::Differs(_)
        ));
        assert!(matches!(
            compare(&json!({"database.absent": true}), &actual),
            Match::Differs(_)
        ));
    }

    #[test]
    fn version_wildcards_match_any_version_of_that_line() {
        // b03: `# 应显示: openjdk version "1.8.x"`.
        let out = "openjdk version \"1.8.0_392\"\nOpenJDK Runtime Environment";
        assert!(contains_text(out, "1.8.x"));
        assert!(contains_text(out, "openjdk version \"1.8.x\""));
        assert!(!contains_text("openjdk version \"11.0.2\"", "1.8.x"));
        assert!(!contains_text("openjdk version \"1.9.0\"", "1.8.x"));
        assert!(contains_text("Docker Compose version v2.24.1", "2.x"));
        assert!(!contains_text("version 3.1", "2.x"));
        assert!(!contains_text("version 12.5", "2.x"));
        // `x` after a word is a letter, not a wildcard.
        assert!(!contains_text("v1.8.0", "1.8.xyz"));
        assert!(matches_placeholder("2.x", &json!("2.5.1")));
        assert!(!matches_placeholder("2.x", &json!("3.0.0")));
    }
}
