//! Expectations written by people: `# Expected: 200 OK with {"status": "healthy"}`,
//! `# MUST SEE: "VALIDATION PASSED"`, `` `GET /api/v1/streams/active` returns 200 ``,
//! `<!-- greenlight: expect status=200, json $.version == "8.0.0", under 300ms -->`.
//!
//! Conservative by design (the "never a false GO" promise): every word
//! is either understood or makes the list carry an
//! [`Assertion::Unverifiable`] with the original text, so a check can never
//! pass while ignoring something the author wrote. Negations and
//! alternatives (`no 5xx`, `200 or 204`) are never half-understood: they
//! give only [`Assertion::Unverifiable`].

use serde::Serialize;

/// One thing to verify about a command's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Assertion {
    /// The HTTP status is exactly this.
    StatusCode(u16),
    /// The HTTP status is in this class: `2` for `2xx`.
    StatusClass(u8),
    /// The (JSON) body contains this value: objects by subset, other
    /// values by equality.
    JsonSubset(serde_json::Value),
    /// The value at a JSONPath (`$.version`) equals this.
    JsonPathEquals {
        /// The path, as written (`$.version`).
        path: String,
        /// The expected value.
        value: serde_json::Value,
    },
    /// The body (or the command's output) contains this text.
    BodyContains(String),
    /// A response header contains this value.
    HeaderContains {
        /// Header name, as written.
        name: String,
        /// Text the header's value must contain.
        value: String,
    },
    /// The answer came in under this many milliseconds.
    LatencyUnder(u64),
    /// Words no rule understands: a person must judge. Holds the
    /// original free text.
    Unverifiable(String),
}

impl Assertion {
    /// Whether a machine can check this assertion.
    pub fn is_verifiable(&self) -> bool {
        !matches!(self, Assertion::Unverifiable(_))
    }
}

/// What an expectation comment speaks of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExpectationKind {
    /// The response or result: `Expected:`, `Should return`, `Returns`.
    Response,
    /// The command's output text: `MUST SEE:`, `Should see`, `Should show`.
    Output,
    /// Something only a person can judge: `Verify:`, `Manual:`,
    /// `Expected behavior:`, `MUST ACHIEVE:`.
    Review,
}

/// An expectation comment, split into its kind and its free text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExpectationComment {
    /// What it speaks of.
    pub kind: ExpectationKind,
    /// The words after the prefix (`200 OK with {…}`); may be empty when
    /// the comment only opens a list (`# MUST ACHIEVE:`).
    pub text: String,
    /// The whole comment text, for people.
    pub original: String,
}

impl ExpectationComment {
    /// The assertions this comment asks for. Never empty.
    pub fn assertions(&self) -> Vec<Assertion> {
        match self.kind {
            _ if self.text.trim().is_empty() => {
                vec![Assertion::Unverifiable(self.original.clone())]
            }
            ExpectationKind::Review => vec![Assertion::Unverifiable(self.text.clone())],
            ExpectationKind::Response => parse_expectation(&self.text),
            ExpectationKind::Output => parse_output_expectation(&self.text),
        }
    }
}

/// Prefixes, longest first within a family; `true` when a colon is
/// required (`# Verify: …` is an instruction, `# Verify deployment` a label).
const PREFIXES: &[(&str, ExpectationKind, bool)] = &[
    ("expected behavior", ExpectationKind::Review, false),
    ("expected behaviour", ExpectationKind::Review, false),
    ("expected output", ExpectationKind::Output, false),
    ("expected result", ExpectationKind::Response, false),
    ("expected response", ExpectationKind::Response, false),
    ("expected", ExpectationKind::Response, false),
    ("expect", ExpectationKind::Response, false),
    ("should return", ExpectationKind::Response, false),
    ("should respond with", ExpectationKind::Response, false),
    ("should be", ExpectationKind::Response, false),
    ("should see", ExpectationKind::Output, false),
    ("should show", ExpectationKind::Output, false),
    ("should contain", ExpectationKind::Output, false),
    ("should print", ExpectationKind::Output, false),
    ("must see", ExpectationKind::Output, false),
    ("must show", ExpectationKind::Output, false),
    ("must contain", ExpectationKind::Output, false),
    ("must return", ExpectationKind::Response, false),
    ("must achieve", ExpectationKind::Review, false),
    ("must pass", ExpectationKind::Review, false),
    ("returns", ExpectationKind::Response, false),
    ("target metrics", ExpectationKind::Review, true),
    ("success criteria", ExpectationKind::Review, true),
    ("verify", ExpectationKind::Review, true),
    ("check", ExpectationKind::Review, true),
    ("manual", ExpectationKind::Review, true),
];

/// Recognises an expectation comment (text after `#`, or with it).
/// `None` for ordinary comments (`# Health endpoint`).
pub fn expectation_comment(comment: &str) -> Option<ExpectationComment> {
    let original = comment.trim().trim_start_matches('#').trim();
    let lower = original.to_lowercase();
    for &(prefix, kind, needs_colon) in PREFIXES {
        let Some(rest) = lower.strip_prefix(prefix) else {
            continue;
        };
        // A word boundary after the prefix (`Expectations` is not `Expect`).
        let boundary = rest.is_empty() || rest.starts_with([':', ' ', '\t']);
        if !boundary {
            continue;
        }
        let rest_orig = &original[original.len() - rest.len()..];
        let trimmed = rest_orig.trim_start();
        let has_colon = trimmed.starts_with(':');
        if needs_colon && !has_colon {
            return None;
        }
        let text = trimmed.trim_start_matches(':').trim().to_string();
        return Some(ExpectationComment {
            kind,
            text,
            original: original.to_string(),
        });
    }
    None
}

/// The assertions of an expectation comment; `None` for ordinary comments.
pub fn parse_expectation_comment(comment: &str) -> Option<Vec<Assertion>> {
    expectation_comment(comment).map(|c| c.assertions())
}

/// Parses what a response should be (`200 OK with {"status": "healthy"}`,
/// `HTTP/2 200`, `"8.0.0"`, `2xx in under 300ms`). Never empty.
pub fn parse_expectation(text: &str) -> Vec<Assertion> {
    parse_free(text, ExpectationKind::Response)
}

/// Parses what a command's output should contain (`"VALIDATION PASSED"`,
/// `8.0.0`). Bare numbers are text here, not status codes. Never empty.
pub fn parse_output_expectation(text: &str) -> Vec<Assertion> {
    parse_free(text, ExpectationKind::Output)
}

/// Reason phrases, so `401 Unauthorized` is understood whole.
fn reason_phrase(code: u16) -> Option<&'static str> {
    Some(match code {
        100 => "continue",
        101 => "switching protocols",
        200 => "ok",
        201 => "created",
        202 => "accepted",
        204 => "no content",
        206 => "partial content",
        301 => "moved permanently",
        302 => "found",
        303 => "see other",
        304 => "not modified",
        307 => "temporary redirect",
        308 => "permanent redirect",
        400 => "bad request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not found",
        405 => "method not allowed",
        406 => "not acceptable",
        408 => "request timeout",
        409 => "conflict",
        410 => "gone",
        413 => "payload too large",
        415 => "unsupported media type",
        422 => "unprocessable entity",
        429 => "too many requests",
        500 => "internal server error",
        501 => "not implemented",
        502 => "bad gateway",
        503 => "service unavailable",
        504 => "gateway timeout",
        _ => return None,
    })
}

/// Words that only connect what is understood.
fn is_filler(w: &str) -> bool {
    matches!(
        w,
        "with"
            | "and"
            | "&"
            | "+"
            | "status"
            | "code"
            | "http"
            | "response"
            | "body"
            | "containing"
            | "contains"
            | "including"
            | "includes"
            | "a"
            | "an"
            | "the"
            | "-"
            | "–"
            | "—"
            | "→"
            | "->"
            | "=>"
            | ":"
    )
}

/// Words that turn what follows around or offer alternatives: a partial
/// reading would be wrong, not just incomplete.
fn is_twist(w: &str) -> bool {
    matches!(
        w,
        "no" | "not"
            | "never"
            | "none"
            | "without"
            | "except"
            | "unless"
            | "or"
            | "either"
            | "nor"
            | "isn't"
            | "doesn't"
            | "don't"
            | "shouldn't"
            | "mustn't"
            | "non"
            | "any"
            | "neither"
            | "fails"
            | "fail"
            | "error"
            | "errors"
    )
}

/// Well-known response headers (for `Content-Type: application/json`).
fn is_header_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.starts_with("x-")
        || n.starts_with("access-control-")
        || matches!(
            n.as_str(),
            "content-type"
                | "content-encoding"
                | "content-length"
                | "cache-control"
                | "location"
                | "server"
                | "set-cookie"
                | "strict-transport-security"
                | "www-authenticate"
                | "etag"
                | "vary"
                | "retry-after"
                | "content-security-policy"
                | "referrer-policy"
                | "permissions-policy"
                | "upgrade"
                | "connection"
                | "allow"
                | "link"
        )
}

/// `300ms`, `0.5s`, `2 s`, `1.5sec`: milliseconds.
pub fn parse_duration_ms(text: &str) -> Option<u64> {
    let t = text.trim().to_ascii_lowercase();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num.parse().ok()?;
    let factor = match unit.trim() {
        "ms" | "msec" | "millisecond" | "milliseconds" => 1.0,
        "s" | "sec" | "secs" | "second" | "seconds" => 1000.0,
        "m" | "min" | "mins" | "minute" | "minutes" => 60_000.0,
        _ => return None,
    };
    let ms = n * factor;
    (ms.is_finite() && (0.0..1e15).contains(&ms)).then(|| ms.round() as u64)
}

/// Splits free text into pieces: JSON values, quoted strings, words.
#[derive(Debug)]
enum Piece {
    Json(serde_json::Value),
    Quoted(String),
    Word(String),
}

fn pieces(text: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < text.len() {
        let c = text[i..].chars().next().unwrap_or(' ');
        if c.is_whitespace() || c == ',' || c == ';' {
            i += c.len_utf8();
            continue;
        }
        if c == '{' || c == '[' {
            let mut it =
                serde_json::Deserializer::from_str(&text[i..]).into_iter::<serde_json::Value>();
            if let Some(Ok(v)) = it.next() {
                out.push(Piece::Json(v));
                i += it.byte_offset();
                continue;
            }
        }
        let close = match c {
            '"' => Some('"'),
            '“' => Some('”'),
            '\'' => Some('\''),
            '`' => Some('`'),
            _ => None,
        };
        if let Some(close) = close {
            let start = i + c.len_utf8();
            if let Some(len) = text[start..].find(close) {
                let end = start + len;
                let after = text[end + close.len_utf8()..].chars().next();
                // `'` closes a quote only at a word end (`'ok'`, not `don't`).
                if close != '\'' || after.is_none_or(|a| !a.is_alphanumeric()) {
                    out.push(Piece::Quoted(text[start..end].to_string()));
                    i = end + close.len_utf8();
                    continue;
                }
            }
        }
        let end = text[i..]
            .find(|ch: char| ch.is_whitespace() || ch == ',' || ch == ';')
            .map_or(text.len(), |n| i + n);
        let end = if end == i { i + c.len_utf8() } else { end };
        out.push(Piece::Word(text[i..end].to_string()));
        i = end;
    }
    out
}

fn status_word(w: &str) -> Option<u16> {
    let n: u16 = w.parse().ok()?;
    (w.len() == 3 && (100..600).contains(&n)).then_some(n)
}

fn status_class_word(w: &str) -> Option<u8> {
    let lower = w.to_ascii_lowercase();
    let d = lower.strip_suffix("xx")?;
    let n: u8 = d.parse().ok()?;
    (d.len() == 1 && (1..=5).contains(&n)).then_some(n)
}

/// A word that looks like a value to find in the output (`8.0.0`, `v1.2`,
/// `42`), not a description.
fn looks_like_value(w: &str) -> bool {
    !w.is_empty()
        && w.chars().any(|c| c.is_ascii_digit())
        && w.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '+' | ':' | '/'))
}

fn parse_free(text: &str, kind: ExpectationKind) -> Vec<Assertion> {
    let original = text.trim();
    let unverifiable = || vec![Assertion::Unverifiable(original.to_string())];
    if original.is_empty() {
        return unverifiable();
    }
    let ps = pieces(original);
    // A single value-like word is the text to find: `Should return 8.0.0`.
    if let [Piece::Word(w)] = ps.as_slice() {
        let w = w.trim_end_matches(['.', '!']);
        let status = (kind == ExpectationKind::Response)
            .then(|| status_word(w))
            .flatten();
        if status.is_none() && status_class_word(w).is_none() && looks_like_value(w) {
            return vec![Assertion::BodyContains(w.to_string())];
        }
    }
    let mut out = Vec::new();
    let mut leftover = false;
    let mut i = 0;
    let words_lower = |k: usize| -> Option<String> {
        match ps.get(k) {
            Some(Piece::Word(w)) => Some(
                w.to_lowercase()
                    .trim_end_matches(['.', '!', ':', ')'])
                    .trim_start_matches('(')
                    .to_string(),
            ),
            _ => None,
        }
    };
    while i < ps.len() {
        match &ps[i] {
            Piece::Json(v) => out.push(Assertion::JsonSubset(v.clone())),
            Piece::Quoted(q) if !q.is_empty() => out.push(Assertion::BodyContains(q.clone())),
            Piece::Quoted(_) => leftover = true,
            Piece::Word(w) => {
                let lw = words_lower(i).unwrap_or_default();
                let bare = w.trim_end_matches(['.', '!', ',']);
                if is_twist(&lw) {
                    return unverifiable();
                }
                if is_filler(&lw) {
                    i += 1;
                    continue;
                }
                // `HTTP/2 200`, `HTTP/1.1 404 Not Found`.
                let after_http = lw.starts_with("http/")
                    && lw[5..].chars().all(|c| c.is_ascii_digit() || c == '.');
                if after_http {
                    i += 1;
                    continue;
                }
                if kind == ExpectationKind::Response
                    && let Some(code) = status_word(bare)
                {
                    out.push(Assertion::StatusCode(code));
                    i += 1;
                    if let Some(phrase) = reason_phrase(code) {
                        let n = phrase.split(' ').count();
                        let next: Vec<String> = (i..i + n).filter_map(words_lower).collect();
                        if next.join(" ") == phrase {
                            i += n;
                        }
                    }
                    continue;
                }
                if kind == ExpectationKind::Response
                    && let Some(class) = status_class_word(bare)
                {
                    out.push(Assertion::StatusClass(class));
                    i += 1;
                    continue;
                }
                // Latency: `under 300ms`, `< 300ms`, `in under 2s`, `<300ms`.
                let lat_word = matches!(lw.as_str(), "under" | "below" | "within" | "<" | "<=");
                if lat_word || lw == "in" || lw == "less" || lw == "faster" {
                    let mut k = i + 1;
                    while matches!(
                        words_lower(k).as_deref(),
                        Some("under" | "than" | "<" | "<=" | "below")
                    ) {
                        k += 1;
                    }
                    let joined = match (words_lower(k), words_lower(k + 1)) {
                        (Some(a), Some(b)) if parse_duration_ms(&a).is_none() => format!("{a}{b}"),
                        (Some(a), _) => a,
                        _ => String::new(),
                    };
                    if let Some(ms) = parse_duration_ms(&joined)
                        && (lat_word || k > i + 1)
                    {
                        out.push(Assertion::LatencyUnder(ms));
                        let used_two =
                            words_lower(k).is_some_and(|a| parse_duration_ms(&a).is_none());
                        i = k + 1 + usize::from(used_two);
                        continue;
                    }
                }
                if let Some(rest) = lw.strip_prefix('<')
                    && let Some(ms) = parse_duration_ms(rest.trim_start_matches('='))
                {
                    out.push(Assertion::LatencyUnder(ms));
                    i += 1;
                    continue;
                }
                // `Content-Type: application/json`.
                if let Some(name) = bare.strip_suffix(':')
                    && is_header_name(name)
                    && let Some(Piece::Word(v) | Piece::Quoted(v)) = ps.get(i + 1)
                {
                    out.push(Assertion::HeaderContains {
                        name: name.to_string(),
                        value: v.trim_end_matches(['.', ',']).to_string(),
                    });
                    i += 2;
                    continue;
                }
                leftover = true;
            }
        }
        i += 1;
    }
    if out.is_empty() {
        return unverifiable();
    }
    if leftover {
        out.push(Assertion::Unverifiable(original.to_string()));
    }
    out
}

/// A check stated in an item's text: `` `GET /api/v1/streams/active` returns 200 ``.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InlineHttpCheck {
    /// The HTTP method (`GET`).
    pub method: String,
    /// The path (`/api/v1/streams/active`) or full URL.
    pub path: String,
    /// What the answer must be.
    pub assertions: Vec<Assertion>,
}

/// Recognises `` `METHOD /path` returns … `` in an item's text.
pub fn parse_inline_http_check(item_text: &str) -> Option<InlineHttpCheck> {
    let mut rest = item_text;
    while let Some(open) = rest.find('`') {
        let after = &rest[open + 1..];
        let close = after.find('`')?;
        let code = after[..close].trim();
        let tail = &after[close + 1..];
        rest = tail;
        let mut words = code.split_whitespace();
        let (Some(method), Some(path), None) = (words.next(), words.next(), words.next()) else {
            continue;
        };
        if !matches!(
            method,
            "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS"
        ) || !(path.starts_with('/')
            || path.starts_with("http://")
            || path.starts_with("https://"))
        {
            continue;
        }
        let t = tail.trim_start();
        let lower = t.to_lowercase();
        const VERBS: &[&str] = &[
            "should return",
            "responds with",
            "response is",
            "returns",
            "return",
            "gives",
            "answers",
            "→",
            "->",
            "=>",
            ":",
        ];
        let verb = VERBS.iter().find(|v| {
            lower.starts_with(*v)
                && lower[v.len()..]
                    .chars()
                    .next()
                    .is_none_or(|c| c.is_whitespace() || !v.chars().all(char::is_alphabetic))
        })?;
        let expectation = t[verb.len()..].trim();
        return Some(InlineHttpCheck {
            method: method.to_string(),
            path: path.to_string(),
            assertions: parse_expectation(expectation),
        });
    }
    None
}

/// Parses an annotation, `<!-- greenlight: expect status=200, json $.version == "8.0.0", under 300ms -->`
/// (with or without the comment markers). `None` when it is not a
/// greenlight `expect` annotation. Clauses other than `expect` ones
/// (`eventually 30s`) are left to their own parsers; an `expect` clause
/// that is not understood gives [`Assertion::Unverifiable`].
pub fn parse_annotation(text: &str) -> Option<Vec<Assertion>> {
    let t = text.trim();
    let t = t.strip_prefix("<!--").unwrap_or(t);
    let t = t.strip_suffix("-->").unwrap_or(t).trim();
    let t = match t.get(..11) {
        Some(p) if p.eq_ignore_ascii_case("greenlight:") => t[11..].trim(),
        _ => t,
    };
    let lower = t.to_ascii_lowercase();
    let body = lower
        .starts_with("expect")
        .then(|| t[6..].trim_start_matches(':').trim())?;
    let mut out = Vec::new();
    for clause in split_clauses(body) {
        let c = clause.trim();
        if c.is_empty() {
            continue;
        }
        let lc = c.to_ascii_lowercase();
        if lc.starts_with("eventually") || lc.starts_with("every ") || lc.starts_with("timeout") {
            continue;
        }
        out.push(annotation_clause(c).unwrap_or_else(|| Assertion::Unverifiable(c.to_string())));
    }
    if out.is_empty() {
        out.push(Assertion::Unverifiable(t.to_string()));
    }
    Some(out)
}

/// Splits at `,` and `;` outside quotes and brackets.
fn split_clauses(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut quote = false;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match c {
            '"' => quote = !quote,
            '{' | '[' if !quote => depth += 1,
            '}' | ']' if !quote => depth -= 1,
            ',' | ';' if !quote && depth <= 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

fn annotation_clause(c: &str) -> Option<Assertion> {
    let lc = c.to_ascii_lowercase();
    let value_of = |v: &str| -> serde_json::Value {
        serde_json::from_str(v.trim())
            .unwrap_or_else(|_| serde_json::Value::String(v.trim().to_string()))
    };
    if let Some(v) = lc
        .strip_prefix("status")
        .map(|r| r.trim_start().trim_start_matches(['=', ':']).trim())
    {
        return status_word(v)
            .map(Assertion::StatusCode)
            .or_else(|| status_class_word(v).map(Assertion::StatusClass));
    }
    if let Some(rest) = c.strip_prefix("json").map(str::trim) {
        if rest.starts_with('{') || rest.starts_with('[') {
            return serde_json::from_str(rest).ok().map(Assertion::JsonSubset);
        }
        let (path, value) = rest.split_once("==")?;
        let path = path.trim();
        if !path.starts_with('$') {
            return None;
        }
        return Some(Assertion::JsonPathEquals {
            path: path.to_string(),
            value: value_of(value),
        });
    }
    for prefix in ["body contains", "output contains", "contains"] {
        if lc.starts_with(prefix) {
            let v = c[prefix.len()..].trim();
            let v = v
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .unwrap_or(v);
            return (!v.is_empty()).then(|| Assertion::BodyContains(v.to_string()));
        }
    }
    if let Some(rest) = c.get(6..).filter(|_| lc.starts_with("header")) {
        let (name, value) = rest.trim().split_once(':')?;
        let value = value.trim();
        let value = value
            .strip_prefix("contains")
            .map(str::trim)
            .unwrap_or(value)
            .trim_matches('"');
        return (!name.trim().is_empty()).then(|| Assertion::HeaderContains {
            name: name.trim().to_string(),
            value: value.to_string(),
        });
    }
    for prefix in ["under", "latency <", "latency under", "within", "<"] {
        if let Some(v) = lc.strip_prefix(prefix) {
            return parse_duration_ms(v).map(Assertion::LatencyUnder);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::Assertion::*;
    use super::*;
    use serde_json::json;

    fn p(s: &str) -> Vec<Assertion> {
        parse_expectation_comment(s).expect("an expectation comment")
    }

    #[test]
    fn seed_000_expected_comments() {
        assert_eq!(
            p(r#"# Expected: 200 OK with {"status": "healthy"}"#),
            [StatusCode(200), JsonSubset(json!({"status": "healthy"}))]
        );
        assert_eq!(
            p(r#"Expected: {"version": "8.0.0", "build": "staging"}"#),
            [JsonSubset(json!({"version": "8.0.0", "build": "staging"}))]
        );
        assert_eq!(p("Expected: 200 OK"), [StatusCode(200)]);
        assert_eq!(p("Expected: 401 Unauthorized"), [StatusCode(401)]);
        assert_eq!(p("Expected: 403 Forbidden"), [StatusCode(403)]);
        assert_eq!(
            p("Expected: 200 OK with user list"),
            [
                StatusCode(200),
                Unverifiable("200 OK with user list".into())
            ]
        );
        for free in [
            "Valid authorization URL",
            "Valid GitHub authorization URL",
            "Successful connection and heartbeat responses",
            "Access to user-specific channels",
            "No high or critical vulnerabilities",
            "High threat level detection",
        ] {
            assert_eq!(p(&format!("Expected: {free}")), [Unverifiable(free.into())]);
        }
    }

    #[test]
    fn seed_001_comments() {
        assert_eq!(
            p(r#"Expected: {"version": "8.0.0"}"#),
            [JsonSubset(json!({"version": "8.0.0"}))]
        );
        assert_eq!(p(r#"Expected: "8.0.0""#), [BodyContains("8.0.0".into())]);
        assert_eq!(
            p(r#"MUST SEE: "VALIDATION PASSED - Ready for production deployment!""#),
            [BodyContains(
                "VALIDATION PASSED - Ready for production deployment!".into()
            )]
        );
        assert_eq!(p("Should return 8.0.0"), [BodyContains("8.0.0".into())]);
        assert_eq!(
            p("Should return previous version"),
            [Unverifiable("previous version".into())]
        );
        assert_eq!(
            p("Expected: Valid authorization URLs"),
            [Unverifiable("Valid authorization URLs".into())]
        );
        assert_eq!(
            p("Expected: All dependencies PASS (RDKit, Psi4, Cantera, XTB)"),
            [Unverifiable(
                "All dependencies PASS (RDKit, Psi4, Cantera, XTB)".into()
            )]
        );
        assert_eq!(
            p("Should show no critical vulnerabilities"),
            [Unverifiable("no critical vulnerabilities".into())]
        );
        // A list header: the items follow in later comments.
        assert_eq!(p("MUST ACHIEVE:"), [Unverifiable("MUST ACHIEVE:".into())]);
        let c = expectation_comment("# MUST ACHIEVE:").unwrap();
        assert_eq!(c.kind, ExpectationKind::Review);
        assert_eq!(c.text, "");
    }

    #[test]
    fn status_forms() {
        assert_eq!(parse_expectation("HTTP/2 200"), [StatusCode(200)]);
        assert_eq!(
            parse_expectation("HTTP/1.1 404 Not Found"),
            [StatusCode(404)]
        );
        assert_eq!(parse_expectation("2xx"), [StatusClass(2)]);
        assert_eq!(p("Returns 201 Created"), [StatusCode(201)]);
        // A wrong reason phrase is not swallowed.
        assert_eq!(
            parse_expectation("200 Created"),
            [StatusCode(200), Unverifiable("200 Created".into())]
        );
        assert_eq!(
            parse_expectation("200 Not Found"),
            [Unverifiable("200 Not Found".into())]
        );
        // Output expectations read numbers as text.
        assert_eq!(
            parse_output_expectation("200"),
            [BodyContains("200".into())]
        );
    }

    #[test]
    fn latency_and_headers() {
        assert_eq!(
            parse_expectation("200 OK in under 300ms"),
            [StatusCode(200), LatencyUnder(300)]
        );
        assert_eq!(
            parse_expectation("2xx < 1.5s"),
            [StatusClass(2), LatencyUnder(1500)]
        );
        assert_eq!(parse_expectation("<300ms"), [LatencyUnder(300)]);
        assert_eq!(
            parse_expectation("200 with Content-Type: application/json"),
            [
                StatusCode(200),
                HeaderContains {
                    name: "Content-Type".into(),
                    value: "application/json".into()
                }
            ]
        );
    }

    #[test]
    fn twists_are_never_half_read() {
        for t in [
            "not 500",
            "200 or 204",
            "no \"error\"",
            "No 5xx errors under 1,000 RPS",
        ] {
            assert_eq!(parse_expectation(t), [Unverifiable(t.into())], "{t}");
        }
    }

    #[test]
    fn ordinary_comments_are_not_expectations() {
        for c in [
            "Health endpoint",
            "Version verification",
            "Verify deployment status",
            "Check service health",
            "Expectations are documented elsewhere",
            "\"Expected completion: [TIME]\"",
        ] {
            assert_eq!(expectation_comment(c), None, "{c}");
        }
        assert_eq!(
            p("Verify: User profile includes GitHub-specific fields"),
            [Unverifiable(
                "User profile includes GitHub-specific fields".into()
            )]
        );
        assert_eq!(
            p("Manual: Complete OAuth flow in browser"),
            [Unverifiable("Complete OAuth flow in browser".into())]
        );
    }

    #[test]
    fn inline_item_checks_seed_003() {
        assert_eq!(
            parse_inline_http_check("`GET /api/v1/streams/active` returns 200"),
            Some(InlineHttpCheck {
                method: "GET".into(),
                path: "/api/v1/streams/active".into(),
                assertions: vec![StatusCode(200)],
            })
        );
        assert_eq!(
            parse_inline_http_check("`POST /api/v1/streams` returns 201")
                .unwrap()
                .assertions,
            [StatusCode(201)]
        );
        assert_eq!(
            parse_inline_http_check("`POST /api/v1/streams` returns 400 (missing fields)")
                .unwrap()
                .assertions,
            [StatusCode(400), Unverifiable("400 (missing fields)".into())]
        );
        assert_eq!(
            parse_inline_http_check("`GET /metrics` returns Prometheus format")
                .unwrap()
                .assertions,
            [Unverifiable("Prometheus format".into())]
        );
        assert_eq!(
            parse_inline_http_check("WebSocket `/api/v1/streams/{id}/ws` upgrades connection"),
            None
        );
        assert_eq!(
            parse_inline_http_check("Invalid stream ID returns 404"),
            None
        );
        assert_eq!(parse_inline_http_check("`GET /x` is documented"), None);
    }

    #[test]
    fn annotations() {
        assert_eq!(
            parse_annotation(
                r#"<!-- greenlight: expect status=200, json $.version == "8.0.0", under 300ms -->"#
            ),
            Some(vec![
                StatusCode(200),
                JsonPathEquals {
                    path: "$.version".into(),
                    value: json!("8.0.0")
                },
                LatencyUnder(300)
            ])
        );
        assert_eq!(
            parse_annotation(r#"expect json {"a": [1, 2]}; contains "ok"; header X-Env: staging"#),
            Some(vec![
                JsonSubset(json!({"a": [1, 2]})),
                BodyContains("ok".into()),
                HeaderContains {
                    name: "X-Env".into(),
                    value: "staging".into()
                }
            ])
        );
        assert_eq!(
            parse_annotation("expect status=abc, sparkles"),
            Some(vec![
                Unverifiable("status=abc".into()),
                Unverifiable("sparkles".into())
            ])
        );
        assert_eq!(
            parse_annotation("<!-- greenlight: eventually 30s -->"),
            None
        );
        assert_eq!(parse_annotation("<!-- just a comment -->"), None);
    }

    proptest::proptest! {
        #[test]
        fn never_panics_and_never_empty(s in "\\PC{0,120}") {
            let a = parse_expectation(&s);
            proptest::prop_assert!(!a.is_empty());
            let _ = parse_expectation_comment(&s);
            let _ = parse_inline_http_check(&s);
            let _ = parse_annotation(&s);
        }

        /// Any unknown word next to a status code keeps the check from
        /// being fully verifiable.
        #[test]
        fn unknown_words_are_never_dropped(word in "[a-z]{4,10}") {
            proptest::prop_assume!(!is_filler(&word) && !is_twist(&word) && !matches!(word.as_str(), "under" | "below" | "within" | "less" | "faster"));
            let a = parse_expectation(&format!("200 OK {word}"));
            proptest::prop_assert!(a.iter().any(|x| !x.is_verifiable()), "{a:?}");
        }
    }
}
