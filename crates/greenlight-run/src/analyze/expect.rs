//! Expectation comments: `# Expected: 200 OK with {"status": "healthy"}`,
//! `# Should return 8.0.0`, `# MUST SEE: "VALIDATION PASSED"`.
//!
//! Conservative by design: words that no rule understands become an
//! *unverifiable* expectation, so the item needs review instead of passing
//! while ignoring what the team wrote.

use crate::check::Expectation;

mod cues;

/// Parses a comment's text (after `#`). `None` when the comment is not an
/// expectation at all (`# Health check`). The cue may open the comment
/// (`# Expected: 200`) or come later (`# Test health - should return JSON`),
/// in any of the languages of [`cues`].
pub fn parse_comment(comment: &str) -> Option<Vec<Expectation>> {
    parse_with(comment, true)
}

/// Parses a line of prose written after a block (`- Expected: No changes`,
/// `**Expected:** 200 OK`): only a line that opens with a cue counts, so
/// ordinary prose never turns into an expectation.
pub fn parse_label(line: &str) -> Option<Vec<Expectation>> {
    parse_with(line, false)
}

/// Whether a line is a label with nothing after it (`**Expected output:**`):
/// what follows it states the expectation.
pub fn is_bare_label(line: &str) -> bool {
    let text = strip_markup(line);
    cues::find(text, false)
        .is_some_and(|f| f.at_start && f.fixed.is_none() && f.rest.trim().is_empty())
}

/// Drops list markers and emphasis: `- **Expected:** x` → `Expected:** x`.
pub fn without_markup(line: &str) -> &str {
    strip_markup(line).trim_end_matches(['*', '_']).trim_end()
}

fn parse_with(comment: &str, anywhere: bool) -> Option<Vec<Expectation>> {
    let text = strip_markup(comment);
    let found = cues::find(text, anywhere)?;
    let rest = found.rest.trim();
    if rest.is_empty() {
        return found.fixed.map(|e| vec![e]);
    }
    let mut out = parse_expectation(rest, found.output_only);
    if let Some(e) = found.fixed {
        out.insert(0, e);
    }
    if !found.at_start {
        // A cue inside a sentence: show the whole sentence for review.
        for e in &mut out {
            if let Expectation::Unverifiable { text: t } = e {
                *t = text.to_string();
            }
        }
    }
    if quantified(text) {
        // `All services should show "Up"`: one service's "Up" in the output
        // would pass a plain `contains`, so a person reads it.
        let shown = if found.at_start { rest } else { text };
        return Some(vec![Expectation::Unverifiable {
            text: shown.replace("**", ""),
        }]);
    }
    Some(out)
}

/// Words of [`quantified`] written without spaces around them (and
/// `tất cả`, `mọi`): each holds a non-ASCII letter, so ASCII text skips them.
const CJK: &[&str] = &[
    "모든",
    "전부",
    "すべて",
    "全て",
    "全部",
    "所有",
    "每个",
    "每個",
    "tất cả",
    "mọi",
];

/// Whether a sentence says its expectation holds for every one of many
/// (`All services should show "Up"`, `모든 서비스가 … 반환`): words inside
/// quotes or backticks do not count.
pub fn quantified(text: &str) -> bool {
    const LATIN: &[&str] = &[
        "all",
        "every",
        "each",
        "alle",
        "jede",
        "jeder",
        "tous",
        "toutes",
        "chaque",
        "todos",
        "todas",
        "cada",
        "tutti",
        "tutte",
        "ogni",
        "tüm",
        "bütün",
        "все",
        "всех",
        "каждый",
        "semua",
        "setiap",
    ];
    let mut outside = String::with_capacity(text.len());
    let mut quote: Option<char> = None;
    for c in text.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if matches!(c, '"' | '`') => quote = Some(c),
            None => outside.push(c),
        }
    }
    let lower = outside.to_lowercase();
    lower
        .split(|c: char| !c.is_alphanumeric())
        .any(|w| LATIN.contains(&w))
        // Each of them holds a non-ASCII letter.
        || (!lower.is_ascii() && CJK.iter().any(|w| lower.contains(w)))
}

/// Drops list markers and emphasis around a label: `- **Expected:** x`.
fn strip_markup(line: &str) -> &str {
    let mut t = line.trim();
    loop {
        let before = t;
        for p in ["- ", "* ", "+ ", "> ", "**", "__", "*", "_", "#"] {
            if let Some(r) = t.strip_prefix(p) {
                t = r.trim_start();
            }
        }
        if t == before {
            return t;
        }
    }
}

/// Parses the words of an expectation.
pub fn parse_expectation(text: &str, output_only: bool) -> Vec<Expectation> {
    let mut out = Vec::new();
    let mut rest = text.trim().trim_matches(['*', '_']).trim().to_string();
    // One code span and nothing else (`deployment "x" successfully rolled
    // out`, `healthy`): the literal output, unless it reads as a status or
    // a body (`HTTP/1.1 200 OK`, `{"status": "ok"}`).
    if let Some(inner) = rest
        .strip_prefix('`')
        .and_then(|r| r.strip_suffix('`'))
        .filter(|i| !i.is_empty() && !i.contains('`'))
    {
        let read = parse_expectation(inner, output_only);
        if read
            .iter()
            .all(|e| matches!(e, Expectation::Unverifiable { .. }))
            || read
                .iter()
                .any(|e| matches!(e, Expectation::Unverifiable { .. }))
                && !inner.contains(['{', '['])
        {
            return vec![Expectation::Contains {
                text: inner.to_string(),
            }];
        }
        return read;
    }

    // `"metrics.error_rate"` < 0.05, `"deployment.git_commit"` matches …:
    // the quoted words name a field the sentence judges, they are not output.
    if quoted_subject(&rest) {
        return vec![Expectation::Unverifiable { text: rest }];
    }
    // A latency limit: `< 200ms`, `under 1s`, `unter 500 ms`, `200ms以内`.
    if let Some((ms, before, after)) = cues::latency(&rest) {
        out.push(Expectation::LatencyUnder { ms });
        rest = format!("{before} {after}");
    }
    // JSON anywhere: `{…}` that parses, or bare `"key": value` pairs.
    if let Some((json, before, after)) = find_json(&rest).or_else(|| find_pairs(&rest)) {
        out.push(Expectation::JsonSubset { json });
        rest = format!("{before} {after}");
    }
    // Quoted strings: the output must contain them. One pass (rebuilding
    // the rest per string made many strings quadratic); stops at `""`.
    let mut kept = String::with_capacity(rest.len());
    let mut cursor = 0;
    while let Some((quoted, before, after)) = find_quoted(&rest[cursor..]) {
        // `"🚀 Server is running on..."`: the words before the elision.
        let shown = quoted
            .trim_end_matches("...")
            .trim_end_matches('…')
            .trim_end();
        out.push(Expectation::Contains {
            text: if shown.is_empty() { quoted } else { shown }.to_string(),
        });
        kept.push_str(before);
        kept.push(' ');
        cursor = rest.len() - after.len();
    }
    kept.push_str(&rest[cursor..]);
    rest = kept;
    // A status code at the start: `200`, `200 OK`, `HTTP/2 200`, `401 Unauthorized`.
    if !output_only {
        let words: Vec<&str> = rest.split_whitespace().collect();
        let mut i = 0;
        // `HTTP/2 200`, `HTTP 200`, `status 200`, `Status code: 200`.
        while words.get(i).is_some_and(|w| cues::is_status_word(w)) {
            i += 1;
        }
        if let Some(code) = words.get(i).and_then(|w| status_code(w)) {
            out.insert(0, Expectation::Status { code });
            i += 1;
            // The reason phrase that goes with it.
            let phrase_len = reason_phrase_len(&words[i..]);
            i += phrase_len;
            rest = words[i..].join(" ");
        } else if let Some(class) = words.get(i).and_then(|w| status_class(w)) {
            out.insert(0, Expectation::StatusClass { class });
            rest = words[i + 1..].join(" ");
        }
    }
    // Connecting words left over mean nothing by themselves.
    let leftover: Vec<&str> = rest
        .split_whitespace()
        .filter(|w| {
            !matches!(
                w.to_lowercase()
                    .trim_matches(|c: char| !c.is_alphanumeric()),
                "" | "with"
                    | "and"
                    | "or"
                    | "a"
                    | "an"
                    | "the"
                    | "response"
                    | "body"
                    // `200 응답`, `200 yanıt`: "response" in other languages.
                    | "응답"
                    | "réponse"
                    | "respuesta"
                    | "resposta"
                    | "yanıt"
                    | "antwort"
                    | "ответ"
                    | "响应"
                    | "回應"
                    | "レスポンス"
            )
        })
        .collect();
    if !leftover.is_empty() {
        let words = leftover.join(" ");
        if out.is_empty() && cues::means_empty(&words) {
            // `No changes`, `Keine Änderungen`, `变更なし`: no output at all.
            out.push(Expectation::OutputEmpty);
        } else if out.is_empty()
            && leftover.len() == 1
            && (looks_like_value(leftover[0]) || is_shouted_word(leftover[0]))
        {
            // `Should return 8.0.0`: one value-like token.
            out.push(Expectation::Contains {
                text: leftover[0].trim_matches(['.', ',']).to_string(),
            });
        } else {
            out.push(Expectation::Unverifiable { text: words });
        }
    }
    if out.is_empty() {
        out.push(Expectation::Unverifiable {
            text: text.to_string(),
        });
    }
    out
}

/// Whether a quoted string is the subject of a comparison or a verb
/// (`"p95_latency_ms"` < 2000ms, `"apiBase"` matches expected URL).
fn quoted_subject(text: &str) -> bool {
    let Some((_, _, after)) = find_quoted(text) else {
        return false;
    };
    let after = after.trim_start_matches('`').trim_start();
    let word = after
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_lowercase();
    after.starts_with(['<', '>', '≤', '≥', '=', '!'])
        || matches!(
            word.as_str(),
            "matches"
                | "match"
                | "is"
                | "equals"
                | "should"
                | "must"
                | "contains"
                | "present"
                | "correct"
                | "valid"
        )
}

fn status_code(w: &str) -> Option<u16> {
    let w = w.trim_matches(|c: char| !c.is_ascii_digit());
    let n: u16 = w.parse().ok()?;
    (w.len() == 3 && (100..600).contains(&n)).then_some(n)
}

fn status_class(w: &str) -> Option<u16> {
    let lower = w.to_ascii_lowercase();
    let d = lower.strip_suffix("xx")?;
    let n: u16 = d.parse().ok()?;
    (1..=5).contains(&n).then_some(n)
}

/// How many words after a status code are its reason phrase.
fn reason_phrase_len(words: &[&str]) -> usize {
    const PHRASES: &[&[&str]] = &[
        &["ok"],
        &["created"],
        &["accepted"],
        &["no", "content"],
        &["moved", "permanently"],
        &["found"],
        &["not", "modified"],
        &["bad", "request"],
        &["unauthorized"],
        &["forbidden"],
        &["not", "found"],
        &["conflict"],
        &["too", "many", "requests"],
        &["internal", "server", "error"],
        &["service", "unavailable"],
    ];
    let lower: Vec<String> = words
        .iter()
        .map(|w| {
            w.to_lowercase()
                .trim_matches(|c: char| !c.is_alphanumeric())
                .to_string()
        })
        .collect();
    PHRASES
        .iter()
        .filter(|p| {
            lower.len() >= p.len() && lower[..p.len()].iter().zip(p.iter()).all(|(a, b)| a == b)
        })
        .map(|p| p.len())
        .max()
        .unwrap_or(0)
}

/// `PONG`, `UP`, `PASS`: one upper-case word is what the output says
/// (`OK` is left out: next to a request it means the status; so are the
/// names of formats and protocols: "→ JSON 응답" means a JSON response,
/// not a body holding the word JSON).
fn is_shouted_word(w: &str) -> bool {
    const NAMES: &[&str] = &[
        "OK", "JSON", "XML", "HTML", "CSV", "YAML", "TEXT", "HTTP", "HTTPS", "API", "URL", "GET",
        "POST", "PUT", "PATCH", "DELETE", "HEAD", "SQL", "TLS", "SSL", "DNS", "UI",
    ];
    w.len() >= 2 && !NAMES.contains(&w) && w.bytes().all(|b| b.is_ascii_uppercase())
}

fn looks_like_value(w: &str) -> bool {
    let w = w.trim_matches(['.', ',']);
    w.chars().any(|c| c.is_ascii_digit()) && !w.chars().any(char::is_whitespace)
}

fn find_json(text: &str) -> Option<(serde_json::Value, String, String)> {
    let start = text.find(['{', '['])?;
    let mut depth = 0i32;
    let mut quote = false;
    let mut escaped = false;
    for (i, c) in text[start..].char_indices() {
        if quote {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => quote = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => quote = true,
            '{' | '[' => depth += 1,
            '}' | ']' => {
                depth -= 1;
                if depth == 0 {
                    let end = start + i + 1;
                    // `{"status": "healthy", ...}`: people elide the rest.
                    let json = crate::json_match::parse_lenient(&text[start..end])?;
                    return Some((json, text[..start].to_string(), text[end..].to_string()));
                }
            }
            _ => {}
        }
    }
    None
}

/// Bare JSON members outside braces (`"hasJwtSecret": true`): the longest
/// run from the first `"key":` that parses once wrapped in `{}`.
fn find_pairs(text: &str) -> Option<(serde_json::Value, String, String)> {
    if text.len() > 1000 {
        return None;
    }
    let start = text.find('"')?;
    let close = start + 1 + text[start + 1..].find('"')?;
    if !text[close + 1..].trim_start().starts_with(':') {
        return None;
    }
    let ends: Vec<usize> = text
        .char_indices()
        .map(|(i, c)| i + c.len_utf8())
        .filter(|&e| e > close + 1)
        .collect();
    for &end in ends.iter().rev() {
        let candidate = format!("{{{}}}", text[start..end].trim_end_matches([',', '.', ' ']));
        if let Ok(v @ serde_json::Value::Object(_)) = serde_json::from_str(&candidate) {
            return Some((v, text[..start].to_string(), text[end..].to_string()));
        }
    }
    None
}

/// The first non-empty `"…"` in `text`: (inside, before, after).
fn find_quoted(text: &str) -> Option<(&str, &str, &str)> {
    let start = text.find('"')?;
    let end = start + 1 + text[start + 1..].find('"')?;
    let quoted = &text[start + 1..end];
    (!quoted.is_empty()).then(|| (quoted, &text[..start], &text[end + 1..]))
}

#[cfg(test)]
mod format_word_tests {
    use super::*;

    #[test]
    fn a_format_name_is_not_the_output() {
        assert!(is_shouted_word("PONG"));
        assert!(!is_shouted_word("JSON"));
        assert!(!is_shouted_word("HTML"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Expectation::*;
    use serde_json::json;

    /// `quantified` skips the unspaced words on ASCII text: none may be ASCII.
    #[test]
    fn unspaced_quantifiers_are_never_ascii() {
        for w in CJK {
            assert!(!w.is_ascii(), "{w}");
        }
        assert!(quantified("모든 서비스가 200을 반환"));
        assert!(quantified("Tất cả dịch vụ"));
        assert!(!quantified("service shows Up"));
    }

    /// Found profiling: many quoted strings in one comment were quadratic.
    #[test]
    fn quoted_strings_in_one_pass_keep_the_words_between() {
        assert_eq!(
            parse_expectation(r#"x "a" y "b" z "" "c""#, true),
            vec![
                Contains { text: "a".into() },
                Contains { text: "b".into() },
                // Stops at `""` (which means nothing by itself).
                Unverifiable {
                    text: r#"x y z "c""#.into()
                },
            ]
        );
        let many = "\"q\" ".repeat(20_000);
        assert_eq!(parse_expectation(&many, true).len(), 20_000);
    }

    fn p(s: &str) -> Vec<Expectation> {
        parse_comment(s).unwrap_or_default()
    }

    #[test]
    fn seed_expectations() {
        assert_eq!(
            p(r#"Expected: 200 OK with {"status": "healthy"}"#),
            vec![
                Status { code: 200 },
                JsonSubset {
                    json: json!({"status": "healthy"})
                }
            ]
        );
        assert_eq!(
            p(r#"Expected: {"version": "8.0.0", "build": "staging"}"#),
            vec![JsonSubset {
                json: json!({"version": "8.0.0", "build": "staging"})
            }]
        );
        assert_eq!(p("Expected: 200 OK"), vec![Status { code: 200 }]);
        assert_eq!(p("Expected: 401 Unauthorized"), vec![Status { code: 401 }]);
        assert_eq!(p("Expected: 403 Forbidden"), vec![Status { code: 403 }]);
        assert_eq!(p("Expected: HTTP/2 200"), vec![Status { code: 200 }]);
        assert_eq!(
            p("Should return 8.0.0"),
            vec![Contains {
                text: "8.0.0".into()
            }]
        );
        assert_eq!(
            p(r#"Expected: "8.0.0""#),
            vec![Contains {
                text: "8.0.0".into()
            }]
        );
        assert_eq!(
            p(r#"MUST SEE: "VALIDATION PASSED - Ready for production deployment!""#),
            vec![Contains {
                text: "VALIDATION PASSED - Ready for production deployment!".into()
            }]
        );
    }

    #[test]
    fn words_nobody_understands_need_review() {
        assert_eq!(
            p("Expected: Valid authorization URLs"),
            vec![Unverifiable {
                text: "Valid authorization URLs".into()
            }]
        );
        assert_eq!(
            p("Expected: 200 OK with user list"),
            vec![
                Status { code: 200 },
                Unverifiable {
                    text: "user list".into()
                }
            ]
        );
        assert_eq!(
            p("Expected: All dependencies PASS (RDKit, Psi4, Cantera, XTB)"),
            vec![Unverifiable {
                text: "All dependencies PASS (RDKit, Psi4, Cantera, XTB)".into()
            }]
        );
        assert_eq!(
            p("Should return previous version"),
            vec![Unverifiable {
                text: "previous version".into()
            }]
        );
    }

    #[test]
    fn labels_written_by_people() {
        // b08: the bold closes before the colon.
        assert_eq!(
            parse_label("**예상 결과**: HTTP 200"),
            Some(vec![Status { code: 200 }])
        );
        // One code span: the literal output.
        assert_eq!(
            parse_label("- Estado esperado: `nothing to commit, working tree clean`"),
            Some(vec![Contains {
                text: "nothing to commit, working tree clean".into()
            }])
        );
        assert_eq!(
            parse_label("预期结果：`HTTP/1.1 200 OK`"),
            Some(vec![Status { code: 200 }])
        );
        // a19: "all … should" is for a person: a plain `contains` passes
        // when any one of several services is up.
        assert_eq!(
            p(r#"All services should show "Up" status"#),
            vec![Unverifiable {
                text: r#"All services should show "Up" status"#.into()
            }]
        );
        assert_eq!(
            p(r#"Should show "all good""#),
            vec![Contains {
                text: "all good".into()
            }]
        );
        // b27: an elided example keeps the words before the elision.
        assert_eq!(
            p(r#"Mong đợi: "🚀 Server is running on...""#),
            vec![Contains {
                text: "🚀 Server is running on".into()
            }]
        );
        // a20: `{"status": "healthy", ...}`.
        assert_eq!(
            p(r#"Expected: {"status": "healthy", ...}"#),
            vec![JsonSubset {
                json: json!({"status": "healthy"})
            }]
        );
    }

    #[test]
    fn other_comments_are_not_expectations() {
        assert_eq!(parse_comment("Health check"), None);
        assert_eq!(parse_comment("Version verification"), None);
        assert_eq!(parse_comment("Expected:"), None);
    }
}
