//! The recognisers: a code block's text → commands with their safety class,
//! native probe (if any), captures, expectations and variables. Pure text
//! in, plain data out; nothing here does I/O.

pub mod classify;
pub mod curl;
pub mod expect;
pub mod hazards;
pub mod independence;
pub mod judge;
pub mod native;
pub mod not_script;
pub mod redis_commands;
pub mod script;
pub mod shell;
pub mod sql;
mod tools;
mod tools_cloud;
mod tools_db;
mod tools_text;
mod types;
pub mod windows;

use crate::check::{Expectation, Target};
use crate::profile::Class;
use script::Piece;
use std::collections::HashSet;
pub use types::{Analyzer, BlockAnalysis, Capture, Command};

/// Analyses a code block (`lang` is its info string's first word).
pub fn analyze_block(code: &str, lang: Option<&str>) -> BlockAnalysis {
    if windows::is_windows_lang(lang) {
        return windows::analyze(code, lang);
    }
    let pieces = script::split(code);
    // The whole block as the shell will see it: a class judged over its
    // real structure (bodies of `case`, multi-line groups) besides the
    // line-by-line one. `<VERSION>` placeholders are judged as the values
    // they stand for, not as redirections.
    let whole = judge::judge_script(&hazards::fill_placeholders(code));
    let mut commands: Vec<Command> = Vec::new();
    // A set: a block of many definitions stays linear.
    let mut defined: HashSet<String> = HashSet::new();
    // Indices of the commands since the last comment: what an expectation
    // comment speaks of.
    let mut group: Vec<usize> = Vec::new();
    let complex = is_complex(&pieces);
    // Expectations written above a command, waiting for it.
    let mut pending: Vec<Expectation> = Vec::new();
    let mut blank_since_command = false;
    let mut forward_convention: Option<bool> = None;
    for (k, piece) in pieces.iter().enumerate() {
        match piece {
            Piece::Blank => blank_since_command = true,
            Piece::Comment { text, .. } => match comment_expectation(text, &pieces[k + 1..]) {
                Some(exp) => {
                    let forward = comment_speaks_forward(
                        &pieces[k + 1..],
                        group.is_empty(),
                        blank_since_command,
                        *forward_convention.get_or_insert(commands.is_empty()),
                    );
                    let targets: Vec<usize> = if forward {
                        pending.extend(exp.iter().cloned());
                        Vec::new()
                    } else if group.is_empty() {
                        commands.len().checked_sub(1).into_iter().collect()
                    } else {
                        group.clone()
                    };
                    for t in targets {
                        if !commands[t].inert {
                            commands[t].expect.extend(exp.iter().cloned());
                        }
                    }
                    group.clear();
                }
                None => group.clear(),
            },
            Piece::Command(line) => {
                let mut cmd = analyze_line(&line.text, line.offset, &defined, complex);
                if !cmd.inert {
                    cmd.expect.append(&mut pending);
                }
                if let Some(c) = &line.trailing_comment
                    && let Some(exp) = expect::parse_comment(c)
                {
                    cmd.expect.extend(exp);
                }
                defined.extend(cmd.defines.iter().cloned());
                group.push(commands.len());
                commands.push(cmd);
                blank_since_command = false;
            }
        }
    }
    // Written above nothing runnable: the last command still answers for it.
    if !pending.is_empty()
        && let Some(last) = commands.iter_mut().rev().find(|c| !c.inert)
    {
        last.expect.append(&mut pending);
    }
    let (class, decided_by, decided_why) = commands
        .iter()
        .filter(|c| !c.inert || c.class > Class::Read)
        .fold(None, |best: Option<&Command>, c| match best {
            // The first command of the highest class decides.
            Some(b) if b.class >= c.class => Some(b),
            _ => Some(c),
        })
        .map_or((Class::Read, String::new(), None), |c| {
            (c.class, c.text.clone(), c.class_reason.clone())
        });
    // Unless every command runs natively, the block runs as one script:
    // the whole block's judgement counts too.
    let runnable: Vec<&Command> = commands.iter().filter(|c| !c.inert).collect();
    let all_native = !runnable.is_empty() && runnable.iter().all(|c| c.native.is_some());
    let (class, decided_by, decided_why) = if !all_native && whole.class > class {
        let by = commands.iter().find(|c| c.class >= whole.class);
        (
            whole.class,
            by.map(|c| c.text.clone())
                .or(whole.reason.clone())
                .unwrap_or_default(),
            by.and_then(|c| c.class_reason.clone()).or(whole.reason),
        )
    } else {
        (class, decided_by, decided_why)
    };
    BlockAnalysis {
        commands,
        class,
        decided_by,
        decided_why: (class > Class::Read).then_some(decided_why).flatten(),
        expect: Vec::new(),
    }
}

/// The expectation a comment states. A bare label (`# Should show:`) takes
/// the comment lines below it as its text, left for review.
fn comment_expectation(text: &str, next: &[Piece]) -> Option<Vec<Expectation>> {
    if let Some(exp) = expect::parse_comment(text) {
        return Some(exp);
    }
    if !expect::is_bare_label(text) {
        return None;
    }
    let below: Vec<&str> = next
        .iter()
        .map_while(|p| match p {
            Piece::Comment { text, .. } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    Some(vec![Expectation::Unverifiable {
        text: format!("{} {}", text.trim(), below.join("; "))
            .trim()
            .to_string(),
    }])
}

/// Whether an expectation comment speaks of the command below it rather
/// than the ones above: a command must follow directly (comments aside),
/// and either none stands above it since the last comment, a blank line
/// parts it from the ones above, or the block's first expectation comment
/// stood above every command (the block's way of writing).
fn comment_speaks_forward(
    next: &[Piece],
    nothing_above: bool,
    blank_above: bool,
    forward_convention: bool,
) -> bool {
    let command_follows = next
        .iter()
        .find(|p| !matches!(p, Piece::Comment { .. }))
        .is_some_and(|p| matches!(p, Piece::Command(_)));
    command_follows && (nothing_above || blank_above || forward_convention)
}

/// The safety class of a whole block of text.
pub fn block_class_of(code: &str) -> Class {
    analyze_block(code, Some("bash")).class
}

/// An inline code span in an item's text (`` `redis-cli -h host ping` ``):
/// a command only when it is one greenlight can run natively.
pub fn analyze_inline(code: &str) -> Option<Command> {
    let words = script::words(code)?;
    let first = words.first()?.as_str();
    if !matches!(
        first,
        "curl"
            | "psql"
            | "redis-cli"
            | "nc"
            | "telnet"
            | "wscat"
            | "websocat"
            | "openssl"
            | "clickhouse-client"
    ) {
        return None;
    }
    let cmd = analyze_line(code, 0, &HashSet::new(), false);
    cmd.native.is_some().then_some(cmd)
}

/// Whether a block uses shell control flow, which only a shell can run.
fn is_complex(pieces: &[Piece]) -> bool {
    pieces.iter().any(|p| match p {
        Piece::Command(l) => {
            let first = l.text.split_whitespace().next().unwrap_or("");
            independence::is_control_flow(first)
                || matches!(first, "{" | "}" | "trap" | "set" | "wait")
                || l.text.contains("() {")
        }
        _ => false,
    })
}

/// Names that come from the shell itself, never from the profile.
fn is_shell_special(name: &str) -> bool {
    matches!(
        name,
        "HOME"
            | "PATH"
            | "USER"
            | "PWD"
            | "SHELL"
            | "HOSTNAME"
            | "LANG"
            | "TERM"
            | "RANDOM"
            | "SECONDS"
            | "UID"
            | "PPID"
    )
}

fn analyze_line(text: &str, offset: usize, defined: &HashSet<String>, complex: bool) -> Command {
    let verdict = judge::judge_script(&hazards::fill_placeholders(text));
    let simple = script::simple_commands(text);
    // Each command's words, cut once: the hazards read them too.
    let simple_words: Vec<Option<Vec<String>>> = simple.iter().map(|s| script::words(s)).collect();
    let never_ends = hazards::never_ends_cut(text, &simple, &simple_words);
    let mut programs = Vec::new();
    let mut defines = Vec::new();
    let mut parse_failed = false;
    let mut all_bookkeeping = true;
    for (s, s_words) in simple.iter().zip(&simple_words) {
        let inner = command_substitution(s);
        if let Some((name, _)) = &inner {
            defines.push(name.clone());
        }
        // The words of each simple command of the substitution's text, or
        // of the command itself (a part of `simple_commands` splits into
        // itself alone).
        let inner_words: Vec<Option<Vec<String>>>;
        let parts: &[Option<Vec<String>>] = match &inner {
            Some((_, inner)) => {
                inner_words = script::simple_commands(inner)
                    .iter()
                    .map(|p| script::words(p))
                    .collect();
                &inner_words
            }
            None => {
                debug_assert_eq!(script::simple_commands(s), std::slice::from_ref(s));
                std::slice::from_ref(s_words)
            }
        };
        for part_words in parts {
            match part_words {
                Some(words) => {
                    let stripped = classify::strip_wrappers(words);
                    if let Some(p) = stripped.first() {
                        let name = classify::program_name(p);
                        if !is_builtin(&name) {
                            programs.push(name.clone());
                        }
                        if !matches!(
                            name.as_str(),
                            "echo" | "printf" | "sleep" | "cd" | "true" | "export" | "set" | "date"
                        ) && !(words.iter().all(|w| classify::is_assignment(w)))
                        {
                            all_bookkeeping = false;
                        }
                    }
                    if words.first().is_some_and(|w| w == "export") {
                        defines.extend(
                            words[1..]
                                .iter()
                                .filter_map(|w| w.split_once('=').map(|(n, _)| n.to_string())),
                        );
                    } else if words.iter().all(|w| classify::is_assignment(w)) {
                        defines.extend(
                            words
                                .iter()
                                .filter_map(|w| w.split_once('=').map(|(n, _)| n.to_string())),
                        );
                    }
                    if words.first().is_some_and(|w| w == "for") {
                        defines.extend(words.get(1).cloned());
                    }
                }
                None => {
                    parse_failed = true;
                    all_bookkeeping = false;
                }
            }
        }
        if inner.is_some() {
            all_bookkeeping = false;
        }
    }
    let defines_here: HashSet<&str> = defines.iter().map(String::as_str).collect();
    let needs: Vec<String> = variable_refs(text)
        .into_iter()
        .filter(|v| {
            !defined.contains(v) && !defines_here.contains(v.as_str()) && !is_shell_special(v)
        })
        .collect();
    // A command that never ends is not a probe: the plan holds it back.
    let (native, capture, extra_expect, native_class) =
        if complex || parse_failed || never_ends.is_some() {
            (None, None, Vec::new(), None)
        } else {
            recognize_native(&script::pipelines(text))
        };
    let mut class = verdict.class;
    let mut reason = verdict.reason;
    if let Some(n) = native_class
        && n > class
    {
        class = n;
        reason = Some(format!("what greenlight would send is {}", n.as_str()));
    }
    if mentions_destructive(text) {
        // Even quoted or passed along (`ssh host "rm -rf /x"`), never read.
        if class < Class::Destructive {
            reason = Some("names a destructive operation".into());
        }
        class = Class::Destructive;
    }
    Command {
        line_offset: offset,
        text: text.to_string(),
        class,
        class_reason: if class > Class::Read { reason } else { None },
        native,
        capture,
        expect: extra_expect,
        programs,
        needs,
        defines,
        inert: all_bookkeeping,
        never_ends,
    }
}

/// Text that names a destructive operation anywhere, even inside quotes
/// or as another command's argument.
fn mentions_destructive(text: &str) -> bool {
    let upper = text.to_ascii_uppercase();
    let words: Vec<&str> = upper
        .split(|c: char| {
            c.is_whitespace() || c == '"' || c == '\'' || c == ';' || c == '(' || c == ')'
        })
        .filter(|w| !w.is_empty())
        .collect();
    words.windows(2).any(|w| {
        (w[0] == "RM" && w[1].starts_with('-') && (w[1].contains('R') || w[1].contains('F')))
            || (w[0] == "DROP"
                && matches!(
                    w[1],
                    "TABLE" | "DATABASE" | "SCHEMA" | "INDEX" | "VIEW" | "USER" | "ROLE"
                ))
            || (w[0] == "DELETE" && w[1] == "FROM")
    }) || words.contains(&"TRUNCATE")
}

/// `NAME=$(inner)` → (NAME, inner).
fn command_substitution(s: &str) -> Option<(String, String)> {
    let s = s.trim().strip_prefix("export ").unwrap_or(s.trim());
    let (name, rest) = s.split_once('=')?;
    if !classify::is_assignment(&format!("{name}=")) {
        return None;
    }
    let inner = rest.strip_prefix("$(")?.strip_suffix(')')?;
    Some((name.to_string(), inner.to_string()))
}

/// Native recognition of a command line: one simple command, optionally
/// piped into `jq` (formatting, or a capture with `-r`), `grep -q X`
/// (the output must contain X) or sent to `/dev/null`.
fn recognize_native(
    pipelines: &[String],
) -> (
    Option<Target>,
    Option<Capture>,
    Vec<Expectation>,
    Option<Class>,
) {
    let none = (None, None, Vec::new(), None);
    if pipelines.len() != 1 {
        return none;
    }
    let line = pipelines[0].as_str();
    let (capture_var, body) = match command_substitution(line) {
        Some((name, inner)) => (Some(name), inner),
        None => (None, line.to_string()),
    };
    let stages = script::simple_commands(&body);
    let Some(first) = stages.first() else {
        return none;
    };
    let Some(words) = script::words(&crate::subst::protect_single_quoted(&strip_dev_null(first)))
    else {
        return none;
    };
    let words = classify::strip_wrappers(&words).to_vec();
    if words.last().is_some_and(|w| w == "&") {
        return none;
    }
    let mut expect = Vec::new();
    let mut capture = None;
    for stage in &stages[1..] {
        let Some(w) = script::words(stage) else {
            return none;
        };
        match w.first().map(String::as_str) {
            Some("jq") => {
                let raw = w.iter().any(|a| a == "-r" || a == "--raw-output");
                let filter = w[1..]
                    .iter()
                    .find(|a| !a.starts_with('-'))
                    .cloned()
                    .unwrap_or_else(|| ".".into());
                if let Some(var) = &capture_var {
                    if !raw || !is_simple_path(&filter) {
                        return none;
                    }
                    capture = Some(Capture {
                        var: var.clone(),
                        path: filter,
                    });
                } else if filter != "." && !is_simple_path(&filter) {
                    return none;
                }
            }
            Some("grep") => {
                let Some(pattern) = w[1..].iter().find(|a| !a.starts_with('-')) else {
                    return none;
                };
                if w.iter().any(|a| a == "-v")
                    || pattern.chars().any(|c| "^$.*[]\\+?(){}|".contains(c))
                {
                    return none;
                }
                expect.push(grep_expectation(&words, &w[1..], pattern));
            }
            Some("head" | "tail" | "cat") => {}
            _ => return none,
        }
    }
    if capture_var.is_some() && capture.is_none() {
        return none;
    }
    if words.first().is_some_and(|w| w == "curl") {
        return match curl::parse(&words[1..]) {
            Ok(t) => {
                let class = classify::classify(&words);
                (Some(t), capture, expect, Some(class))
            }
            Err(_) => none,
        };
    }
    match native::recognize(&words) {
        Some(n) if capture.is_none() => {
            expect.extend(n.expect);
            (Some(n.target), None, expect, Some(n.class))
        }
        _ => none,
    }
}

/// What `CMD | grep PATTERN` asks of CMD's output. `curl -I` prints the
/// status line and headers (no body), so a name-like pattern
/// (`grep -i "content-encoding"`) asks for that header and `Name: value`
/// for that value; `curl -i` mixes headers and body, and `grep -i` ignores
/// case, which a body check cannot say: those are left for review with
/// the words shown, never compared literally (that would be a false alarm
/// on `{"status":"Healthy"}` for `grep -i healthy`).
fn grep_expectation(command: &[String], grep_args: &[String], pattern: &str) -> Expectation {
    let short = |a: &str, c: char| {
        a.len() > 1
            && a.starts_with('-')
            && !a.starts_with("--")
            && a[1..].chars().all(|x| x.is_ascii_alphabetic())
            && a.contains(c)
    };
    let curl = command.first().is_some_and(|w| w == "curl");
    let head_only = curl && command.iter().any(|a| a == "--head" || short(a, 'I'));
    let include = curl && command.iter().any(|a| a == "--include" || short(a, 'i'));
    let ignore_case = grep_args
        .iter()
        .any(|a| a == "--ignore-case" || short(a, 'i'));
    let header_name = |n: &str| {
        !n.is_empty()
            && n.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    };
    if head_only {
        let (name, value) = match pattern.split_once(':') {
            Some((n, v)) => (n.trim(), v.trim()),
            None => (pattern.trim(), ""),
        };
        // A header value is compared as written; with `-i` only its presence is.
        if header_name(name) && (value.is_empty() || !ignore_case) {
            return Expectation::HeaderContains {
                name: name.to_string(),
                value: value.to_string(),
            };
        }
    }
    let case_matters = pattern.to_lowercase() != pattern.to_uppercase();
    if head_only || include || (ignore_case && case_matters) {
        let case = if ignore_case { ", any case" } else { "" };
        let place = if head_only {
            "the status line or headers"
        } else if include {
            "the headers or body"
        } else {
            "the body"
        };
        return Expectation::Unverifiable {
            text: format!("{place} contain {pattern:?}{case} (`| grep`)"),
        };
    }
    Expectation::Contains {
        text: pattern.to_string(),
    }
}

fn strip_dev_null(s: &str) -> String {
    // Every pattern below holds a `>`.
    if !s.contains('>') {
        return s.to_string();
    }
    s.replace("2>&1", "")
        .replace("> /dev/null", "")
        .replace(">/dev/null", "")
        .replace("2>/dev/null", "")
}

fn is_simple_path(f: &str) -> bool {
    f.starts_with('.')
        && f.chars()
            .all(|c| c.is_ascii_alphanumeric() || "._[]\"".contains(c))
}

fn is_builtin(name: &str) -> bool {
    matches!(
        name,
        "echo"
            | "printf"
            | "cd"
            | "export"
            | "set"
            | "test"
            | "["
            | "true"
            | "false"
            | "read"
            | "source"
            | "."
            | "exit"
            | "return"
            | "time"
            | "eval"
            | "local"
            | "unset"
            | "if"
            | "then"
            | "else"
            | "fi"
            | "for"
            | "do"
            | "done"
            | "while"
            | "wait"
            | "trap"
            | "shift"
            | "declare"
    ) || classify::is_assignment(name)
}

/// `$NAME` and `${NAME}` references (not `$1`, `$?`, `$(…)`).
pub fn variable_refs(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    // Names already in `out`: many references on one line stay linear.
    let mut seen: HashSet<&str> = HashSet::new();
    let bytes = text.as_bytes();
    let mut in_single = false;
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c == b'\'' {
            in_single = !in_single;
        } else if c == b'$' && !in_single && i + 1 < bytes.len() {
            let (start, braced) = if bytes[i + 1] == b'{' {
                (i + 2, true)
            } else {
                (i + 1, false)
            };
            let end = text[start..]
                .find(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_'))
                .map_or(text.len(), |n| start + n);
            let name = &text[start..end];
            let has_default = braced && text[end..].starts_with(":-");
            if !name.is_empty()
                && !name.starts_with(|ch: char| ch.is_ascii_digit())
                && !has_default
                && seen.insert(name)
            {
                out.push(name.to_string());
            }
            i = end.max(i + 1);
            continue;
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 10: a comment above the command that says what it returns
    /// was dropped.
    #[test]
    fn a_comment_above_a_command_speaks_of_it() {
        let b = analyze_block(
            "# Test health endpoint - should return 200\ncurl -s http://x/health\n# Expected: 200\n\n# Version - should return 404\ncurl -s http://x/v\n",
            Some("bash"),
        );
        assert_eq!(
            b.commands[0].expect,
            vec![Expectation::Status { code: 200 }; 2]
        );
        assert_eq!(
            b.commands[1].expect,
            vec![Expectation::Status { code: 404 }]
        );
    }
    use serde_json::json;

    fn block(code: &str) -> BlockAnalysis {
        analyze_block(code, Some("bash"))
    }

    #[test]
    fn seed_000_basic_health_checks() {
        let b = block(
            "# Health endpoint\ncurl -f https://staging-api.yourdomain.com/health\n# Expected: 200 OK with {\"status\": \"healthy\"}\n\n# Version endpoint\ncurl https://staging-api.yourdomain.com/version\n# Expected: {\"version\": \"8.0.0\", \"build\": \"staging\"}\n",
        );
        assert_eq!(b.class, Class::Read);
        assert_eq!(b.commands.len(), 2);
        assert!(b.commands.iter().all(|c| c.native.is_some()));
        assert_eq!(
            b.commands[0].expect,
            vec![
                Expectation::Status { code: 200 },
                Expectation::JsonSubset {
                    json: json!({"status": "healthy"})
                }
            ]
        );
        assert_eq!(b.commands[1].line_offset, 5);
    }

    #[test]
    fn expected_response_bodies_inside_the_block() {
        for code in [
            // Bare JSON lines after the label.
            "curl -s https://x/health\n# Expected Response:\n{\n  \"status\": \"ok\",\n  \"timestamp\": \"...\"\n}\n",
            // Commented JSON lines.
            "curl -s https://x/health\n# Expected Response:\n# {\n#   \"status\": \"ok\",\n#   \"timestamp\": <iso time>\n# }\n",
            // Other labels.
            "curl -s https://x/health\n# Response:\n# {\"status\": \"ok\", \"timestamp\": \"…\"}\n",
            "curl -s https://x/health\n# Returns:\n\n{\"status\": \"ok\", \"timestamp\": ...}\n",
            "curl -s https://x/health\n# Expected output:\n{\n  \"status\": \"ok\",\n  \"timestamp\": \"...\"\n}\n",
        ] {
            let b = block(code);
            assert_eq!(b.commands.len(), 1, "{code}");
            let c = &b.commands[0];
            assert!(c.native.is_some(), "stays native: {code}");
            assert_eq!(c.class, Class::Read, "{code}");
            let json: Vec<&Expectation> = c
                .expect
                .iter()
                .filter(|e| matches!(e, Expectation::JsonSubset { .. }))
                .collect();
            assert_eq!(json.len(), 1, "{code}");
            let Expectation::JsonSubset { json } = json[0] else {
                unreachable!()
            };
            assert_eq!(json["status"], "ok", "{code}");
            let ts = json["timestamp"].as_str().unwrap_or_default();
            assert!(
                crate::json_match::matches_placeholder(ts, &json!("2026-12-01T03:00:00Z")),
                "{code}"
            );
        }
        // The label's own words stay: a status and the body.
        let b = block(
            "curl https://x/v\n# Expected Response: 200 OK\n# {\"version\": \"8.0.0\"}\ncurl https://x/w\n",
        );
        assert_eq!(b.commands.len(), 2);
        assert!(
            b.commands[0]
                .expect
                .contains(&Expectation::Status { code: 200 })
        );
        assert!(b.commands[0].expect.contains(&Expectation::JsonSubset {
            json: json!({"version": "8.0.0"})
        }));
        // A bash test or group after an `Expected:` comment is still a command.
        let b = block(
            "curl https://x/v\n# Expected: 200\n[ -f /tmp/x ] && echo y\n{ echo a; echo b; }\n",
        );
        assert_eq!(b.commands.len(), 3);
    }

    #[test]
    fn one_expectation_covers_the_commands_it_follows() {
        let b = block(
            "# OAuth URL generation\ncurl https://x/api/auth/google/url\ncurl https://x/api/auth/github/url\n\n# Expected: Valid authorization URLs\n",
        );
        assert_eq!(b.commands[0].expect, b.commands[1].expect);
        assert!(matches!(
            &b.commands[1].expect[0],
            Expectation::Unverifiable { .. }
        ));
    }

    #[test]
    fn captures_and_dependencies() {
        let b = block(
            "STREAM_ID=$(curl -s -X POST \"https://x/api/v1/streams\" \\\n  -H \"Authorization: Bearer $JWT_TOKEN\" \\\n  -d '{\"title\": \"Test\"}' | jq -r '.id')\n\ncurl \"https://x/api/v1/streams/$STREAM_ID\" -H \"Authorization: Bearer $JWT_TOKEN\"\n",
        );
        let c0 = &b.commands[0];
        assert_eq!(c0.class, Class::Mutating);
        assert_eq!(
            c0.capture,
            Some(Capture {
                var: "STREAM_ID".into(),
                path: ".id".into()
            })
        );
        assert_eq!(c0.needs, vec!["JWT_TOKEN".to_string()]);
        let c1 = &b.commands[1];
        assert!(c1.native.is_some());
        assert_eq!(
            c1.needs,
            vec!["JWT_TOKEN".to_string()],
            "STREAM_ID was defined earlier in the block"
        );
        assert_eq!(b.class, Class::Mutating);
    }

    #[test]
    fn shell_only_blocks() {
        let b = block(
            "export BASE_URL=\"https://staging-api.yourdomain.com\"\n./scripts/validate_staging.sh\n# MUST SEE: \"VALIDATION PASSED - Ready for production deployment!\"\n",
        );
        assert!(b.commands[0].inert);
        assert!(b.commands[1].native.is_none());
        assert_eq!(b.commands[1].class, Class::Mutating);
        assert_eq!(
            b.commands[1].expect,
            vec![Expectation::Contains {
                text: "VALIDATION PASSED - Ready for production deployment!".into()
            }]
        );
        let b = block(
            "for service in a b; do\n  if curl -f -s \"$service\" > /dev/null; then echo ok; fi\ndone\n",
        );
        assert!(b.commands.iter().all(|c| c.native.is_none()));
        let b =
            block("kubectl delete namespace nox-staging-blue\npg_restore -d nox < backup.dump\n");
        assert_eq!(b.class, Class::Destructive);
        assert!(b.decided_by.starts_with("kubectl delete"));
    }

    #[test]
    fn pipes_and_redirects() {
        let b = block("curl -s https://x/health | grep -q healthy\n");
        assert_eq!(
            b.commands[0].expect,
            vec![Expectation::Contains {
                text: "healthy".into()
            }]
        );
        // `curl -I` prints headers only: grep reads a header, in any case.
        let b = block("curl -I https://x/api/products | grep -i \"content-encoding\"\n");
        assert!(b.commands[0].native.is_some());
        assert_eq!(
            b.commands[0].expect,
            vec![Expectation::HeaderContains {
                name: "content-encoding".into(),
                value: String::new()
            }]
        );
        let b = block("curl -sI https://x/ | grep \"Strict-Transport-Security: max-age\"\n");
        assert_eq!(
            b.commands[0].expect,
            vec![Expectation::HeaderContains {
                name: "Strict-Transport-Security".into(),
                value: "max-age".into()
            }]
        );
        // Headers mixed with the body, or a case-blind body search: for review,
        // never a literal body comparison.
        for line in [
            "curl -i https://x/health | grep healthy\n",
            "curl -s https://x/health | grep -i healthy\n",
            "curl -I https://x/ | grep \"HTTP/2 200\"\n",
        ] {
            let b = block(line);
            assert!(
                matches!(b.commands[0].expect[..], [Expectation::Unverifiable { .. }]),
                "{line}: {:?}",
                b.commands[0].expect
            );
        }
        // Without letters, case does not matter.
        let b = block("curl -s https://x/v | grep -i 200\n");
        assert_eq!(
            b.commands[0].expect,
            vec![Expectation::Contains { text: "200".into() }]
        );
        let b = block("time curl -s https://x/api/v1/health > /dev/null\n");
        assert!(b.commands[0].native.is_some());
        let b = block("curl https://x/ > page.html\n");
        assert_eq!(b.commands[0].class, Class::Mutating);
    }

    #[test]
    fn variables() {
        assert_eq!(
            variable_refs("a $A ${B} ${C:-x} $1 '$D' \"$E\""),
            vec!["A", "B", "E"]
        );
    }

    #[test]
    fn every_seed_block_is_classified_without_panicking() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/seeds");
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if !path.is_file() {
                continue;
            }
            let bytes = std::fs::read(path).unwrap();
            let list = greenlight_doc::parse(&bytes);
            for step in &list.steps {
                let b = analyze_block(&step.code, step.lang.as_deref());
                for c in &b.commands {
                    assert!(c.class >= Class::Read);
                }
            }
        }
    }

    #[test]
    fn blocks_are_judged_whole_and_line_by_line() {
        // A case body only makes sense with the whole block.
        let b = block("case $1 in\n  a) kubectl get pods ;;\n  *) kubectl delete pod x ;;\nesac\n");
        assert_eq!(b.class, Class::Destructive);
        let b = block("echo start\nkubectl get pods -o yaml > pods.yaml\n");
        assert_eq!(b.class, Class::Mutating);
        assert_eq!(b.decided_by, "kubectl get pods -o yaml > pods.yaml");
        assert!(
            b.decided_why
                .as_deref()
                .is_some_and(|w| w.contains("writes to a file")),
            "{:?}",
            b.decided_why
        );
        assert_eq!(
            b.commands[1].class_reason.as_deref(),
            Some("writes to a file (`> pods.yaml`)")
        );
        assert_eq!(b.commands[0].class_reason, None);
        let b = block("kubectl get pods\nkubectl logs deploy/x --tail=10 | grep -i error\n");
        assert_eq!(b.class, Class::Read);
        // A native check is never below what the shell line would do:
        // `kubectl exec` starts a process in a container.
        let b = block("kubectl exec -it pg -- psql -d app -c \"SELECT 1\"\n");
        assert!(b.commands[0].native.is_some());
        assert_eq!(b.class, Class::Mutating);
        let b = block("psql -d app -c \"SELECT 1\"\n");
        assert!(b.commands[0].native.is_some());
        assert_eq!(b.class, Class::Read);
        let b = block("docker compose exec db psql -c \"UPDATE t SET a = 1\"\n");
        assert_eq!(b.class, Class::Mutating);
    }

    #[test]
    /// Speed on long lines is measured by `bench/scale.sh` (refs100k), not here.
    fn a_hundred_thousand_words_are_judged() {
        let line = "echo ".to_string() + &"$V ".repeat(100_000) + "\n";
        let b = block(&line);
        assert_eq!(b.class, Class::Read);
        let names: String = (0..100_000).map(|i| format!("$V{i} ")).collect();
        let b = block(&format!("echo {names}\n"));
        assert_eq!(b.commands[0].needs.len(), 100_000);
        let line = "kubectl get pods ".to_string() + &"-l a=b ".repeat(50_000) + "> out\n";
        assert_eq!(block(&line).class, Class::Mutating);
    }

    /// curl/wget respellings, judged by the one curl option parser
    /// (analyze/curl.rs) through the shell judge's wrappers.
    #[test]
    fn curl_forms_through_wrappers() {
        for s in [
            "curl -sX DELETE https://x/y/1",
            "curl -XPOST https://x/y",
            "curl -sSd 'a=1' https://x/y",
            "curl -fsSLX PATCH https://x/y",
            "curl -o out.json https://x/y",
            "curl -O https://x/file",
            "curl -K cfg https://x/y",
            "curl -H 'X-HTTP-Method-Override: DELETE' https://x/y",
            "env curl -sX DELETE https://x/y",
            "sudo -u x curl -XPOST https://x/y",
            "wget https://x/file",
        ] {
            assert!(block_class_of(s) >= Class::Mutating, "{s}");
        }
    }

    fn respelled_state_change() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::strategy::Strategy;
        proptest::sample::select(vec![
            "kubectl delete pod x",
            "kubectl -n prod delete pod x",
            "kubectl --namespace=prod delete pod x",
            "kubectl delete pod x --dry-run=none",
            "kubectl apply -f x --dry-run=false",
            "rm -rf /tmp/x",
            "rm -r -f /tmp/x",
            "rm -fr /tmp/x",
            "psql -c 'DELETE FROM t'",
            "psql -tAc 'UPDATE t SET a=1'",
            "psql -t -A -c 'UPDATE t SET a=1'",
            "psql --command='INSERT INTO t VALUES (1)'",
            "psql -c 'SELECT 1' -c 'DELETE FROM t'",
            "psql -f x.sql",
            "redis-cli del k",
            "redis-cli -h h -p 6379 set k v",
            "sed -i s/a/b/ f",
            "sed -n -i s/a/b/ f",
            "sed -ni s/a/b/ f",
            "echo x > f",
            "echo x 1>f",
            "echo x | tee f",
            "sort -o f f",
            "sort -no f f",
            "awk 'BEGIN{system(\"rm x\")}'",
            "git push origin main",
            "git -C dir push origin main",
            "git reset --hard",
            "helm upgrade x chart",
            "helm -n ns upgrade x chart",
            "docker rm c",
            "docker --host h rm c",
            "docker compose -f f.yml down -v",
            "terraform apply -auto-approve",
            "terraform -chdir=x apply",
            "systemctl restart x",
            "./deploy.sh",
            "find . -delete",
            "cargo test",
            "npm run migrate",
        ])
        .prop_map(|s: &str| s.to_string())
    }

    fn wrapped(cmd: &str, kind: u8) -> String {
        let quoted = format!("'{}'", cmd.replace('\'', "'\\''"));
        match kind % 20 {
            0 => format!("env {cmd}"),
            1 => format!("env A=1 {cmd}"),
            2 => format!("nice -n 5 {cmd}"),
            3 => format!("command {cmd}"),
            4 => format!("exec {cmd}"),
            5 => format!("sudo -u root -E {cmd}"),
            6 => format!("stdbuf -oL {cmd}"),
            7 => format!("timeout 5 {cmd}"),
            8 => format!("time -p {cmd}"),
            9 => format!("watch -n 1 {quoted}"),
            10 => format!("nohup {cmd} &"),
            11 => format!("sh -c {quoted}"),
            12 => format!("bash -ec {quoted}"),
            13 => format!("eval {quoted}"),
            14 => format!("echo \"$( {cmd} )\""),
            // Inside backticks, `\\` and a backtick must be escaped.
            15 => format!("X=`{}`", cmd.replace('\\', "\\\\").replace('`', "\\`")),
            16 => format!("true && \\\n  {cmd}"),
            17 => format!("if true; then\n  {cmd}\nfi"),
            18 => format!("( {cmd} ) 2>&1 | grep x"),
            _ => format!("A=1 {cmd} # done"),
        }
    }

    proptest::proptest! {
        #[test]
        fn respelled_state_changes_never_read(
            cmd in respelled_state_change(),
            kinds in proptest::collection::vec(0u8..20, 0..3),
        ) {
            let mut s = cmd;
            for k in kinds {
                s = wrapped(&s, k);
            }
            let class = block_class_of(&s);
            proptest::prop_assert!(class >= Class::Mutating, "{s}: {class:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_text_never_panics(s in "\\PC{0,200}") {
            let _ = analyze_block(&s, None);
        }
    }
}
