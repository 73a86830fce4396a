//! The red-team corpus (`fixtures/corpus/commands.jsonl`) held against the
//! safety classifier: no state-changing command may be classed `read`, and
//! most read-only ones should be. A property test respells state-changing
//! commands the way people write them and checks the class never drops.
//!
//! Run with `--nocapture` to see the figures.

use greenlight_run::analyze::block_class_of;
use greenlight_run::profile::Class;
use proptest::prelude::*;
use std::sync::OnceLock;

/// Share of the read-only commands that must be classed `read`.
const READ_RECALL_FLOOR: f64 = 0.85;

/// One labelled command of the corpus.
#[derive(Debug, Clone, serde::Deserialize)]
struct Entry {
    cmd: String,
    label: String,
    kind: String,
    source: String,
    #[serde(default)]
    variant_of: Option<String>,
    #[allow(dead_code)]
    why: String,
}

impl Entry {
    fn changes_state(&self) -> bool {
        self.label == "state-changing"
    }
}

fn corpus() -> &'static [Entry] {
    static CORPUS: OnceLock<Vec<Entry>> = OnceLock::new();
    CORPUS.get_or_init(|| {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../fixtures/corpus/commands.jsonl"
        );
        let text = std::fs::read_to_string(path).expect("the corpus file is readable");
        let entries: Vec<Entry> = text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(n, l)| {
                serde_json::from_str(l)
                    .unwrap_or_else(|e| panic!("commands.jsonl line {}: {e}", n + 1))
            })
            .collect();
        for e in &entries {
            assert!(
                e.label == "state-changing" || e.label == "read-only",
                "unknown label {:?} for {:?}",
                e.label,
                e.cmd
            );
        }
        entries
    })
}

fn pct(n: usize, d: usize) -> f64 {
    if d == 0 {
        0.0
    } else {
        100.0 * n as f64 / d as f64
    }
}

#[test]
fn corpus_is_large_and_balanced() {
    let all = corpus();
    let writes = all.iter().filter(|e| e.changes_state()).count();
    let reads = all.len() - writes;
    let variants = all.iter().filter(|e| e.variant_of.is_some()).count();
    eprintln!(
        "corpus: {} commands ({} state-changing, {} read-only; {} originals, {} variants)",
        all.len(),
        writes,
        reads,
        all.len() - variants,
        variants
    );
    assert!(all.len() >= 450, "the corpus has {} commands", all.len());
    assert!(reads >= 150, "the corpus has {reads} read-only commands");
    assert!(all.iter().all(|e| !e.source.trim().is_empty()));
}

#[test]
fn no_state_changing_command_is_classed_read() {
    let all = corpus();
    let writes: Vec<&Entry> = all.iter().filter(|e| e.changes_state()).collect();
    let offenders: Vec<&Entry> = writes
        .iter()
        .copied()
        .filter(|e| block_class_of(&e.cmd) == Class::Read)
        .collect();
    eprintln!(
        "state-changing classed read: {} of {} ({:.1}%)",
        offenders.len(),
        writes.len(),
        pct(offenders.len(), writes.len())
    );
    let mut by_kind: std::collections::BTreeMap<&str, usize> = Default::default();
    for e in &offenders {
        *by_kind.entry(e.kind.as_str()).or_default() += 1;
    }
    eprintln!("  by kind: {by_kind:?}");
    let list: Vec<String> = offenders
        .iter()
        .map(|e| format!("  [{}] {:?}  ({})", e.kind, e.cmd, e.source))
        .collect();
    assert!(
        offenders.is_empty(),
        "{} state-changing commands are classed read:\n{}",
        offenders.len(),
        list.join("\n")
    );
}

#[test]
fn most_read_only_commands_are_classed_read() {
    let all = corpus();
    let reads: Vec<&Entry> = all.iter().filter(|e| !e.changes_state()).collect();
    let misses: Vec<(&Entry, Class)> = reads
        .iter()
        .map(|e| (*e, block_class_of(&e.cmd)))
        .filter(|(_, c)| *c != Class::Read)
        .collect();
    let hits = reads.len() - misses.len();
    let recall = hits as f64 / reads.len().max(1) as f64;
    eprintln!(
        "read-only classed read: {} of {} ({:.1}%; floor {:.0}%)",
        hits,
        reads.len(),
        100.0 * recall,
        100.0 * READ_RECALL_FLOOR
    );
    for (e, c) in &misses {
        eprintln!("  miss ({}) [{}] {:?}", c.as_str(), e.kind, e.cmd);
    }
    assert!(
        recall >= READ_RECALL_FLOOR,
        "only {:.1}% of the read-only commands are classed read",
        100.0 * recall
    );
}

// ---------------------------------------------------------------------------
// Respelling: transformations that keep what a command does.

/// The words of a simple one-line command (quotes kept), or None when it
/// has operators, redirections, substitutions or several lines.
fn simple_words(cmd: &str) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    for ch in cmd.chars() {
        match quote {
            Some(q) => {
                cur.push(ch);
                if ch == q {
                    quote = None;
                }
            }
            None => match ch {
                '\'' | '"' => {
                    quote = Some(ch);
                    cur.push(ch);
                }
                ' ' | '\t' => {
                    if !cur.is_empty() {
                        words.push(std::mem::take(&mut cur));
                    }
                }
                '|' | '&' | ';' | '<' | '>' | '\n' | '\\' | '$' | '`' | '(' | ')' | '{' | '}' => {
                    return None;
                }
                _ => cur.push(ch),
            },
        }
    }
    if quote.is_some() {
        return None;
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    (!words.is_empty()).then_some(words)
}

/// Byte offsets of blanks outside quotes (places a line break may go).
fn break_points(cmd: &str) -> Vec<usize> {
    let mut out = Vec::new();
    let mut quote: Option<char> = None;
    let mut prev_backslash = false;
    for (i, ch) in cmd.char_indices() {
        match quote {
            Some(q) if ch == q && !(q == '"' && prev_backslash) => quote = None,
            Some(_) => {}
            None if ch == '\'' || ch == '"' => quote = Some(ch),
            None if ch == ' ' && !prev_backslash => out.push(i),
            None => {}
        }
        prev_backslash = ch == '\\' && !prev_backslash;
    }
    out
}

fn single_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

fn double_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for ch in s.chars() {
        if matches!(ch, '\\' | '"' | '$' | '`') {
            out.push('\\');
        }
        out.push(ch);
    }
    out.push('"');
    out
}

const PREFIX_WRAPPERS: &[&str] = &[
    "env",
    "env GL_CORPUS=1",
    "nice -n 5",
    "sudo",
    "sudo -E",
    "timeout 10",
    "stdbuf -oL",
    "command",
    "exec",
    "time",
    "nohup",
    "ionice -c3",
];

/// Words of SQL and Redis verbs whose case a respelling may change.
const VERB_WORDS: &[&str] = &[
    "select",
    "from",
    "where",
    "pg_terminate_backend",
    "pg_cancel_backend",
    "pg_reload_conf",
    "pg_advisory_lock",
    "setval",
    "nextval",
    "lo_unlink",
    "lo_import",
    "lo_create",
    "lo_creat",
    "delete",
    "insert",
    "update",
    "vacuum",
    "analyze",
    "reindex",
    "alter",
    "sequence",
    "flushall",
    "flushdb",
    "client",
    "kill",
    "pause",
    "slowlog",
    "reset",
    "config",
    "set",
    "del",
    "expire",
    "eval",
    "debug",
    "sleep",
    "shutdown",
];

fn change_case(word: &str, mode: u8) -> String {
    match mode % 3 {
        0 => word.to_ascii_uppercase(),
        1 => word.to_ascii_lowercase(),
        _ => word
            .chars()
            .enumerate()
            .map(|(i, c)| {
                if i % 2 == 0 {
                    c.to_ascii_uppercase()
                } else {
                    c.to_ascii_lowercase()
                }
            })
            .collect(),
    }
}

/// Changes the case of known SQL / Redis verbs as whole words.
fn recase_verbs(cmd: &str, mode: u8) -> String {
    let mut out = String::with_capacity(cmd.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if VERB_WORDS.contains(&word.to_ascii_lowercase().as_str()) {
            out.push_str(&change_case(word, mode));
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for ch in cmd.chars() {
        if ch.is_ascii_alphanumeric() || ch == '_' {
            word.push(ch);
        } else {
            flush(&mut word, &mut out);
            out.push(ch);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// Bundles the first pair of adjacent single-letter flags (`-s -X` → `-sX`).
fn bundle_flags(words: &[String]) -> Option<Vec<String>> {
    let is_short =
        |w: &str| w.len() == 2 && w.starts_with('-') && w.as_bytes()[1].is_ascii_alphabetic();
    let i = (1..words.len().saturating_sub(1))
        .find(|&i| is_short(&words[i]) && is_short(&words[i + 1]))?;
    let mut out = words[..i].to_vec();
    out.push(format!("{}{}", words[i], &words[i + 1][1..]));
    out.extend_from_slice(&words[i + 2..]);
    Some(out)
}

/// Glues a short flag to its value (`-X DELETE` → `-XDELETE`) for curl.
fn glue_value(words: &[String]) -> Option<Vec<String>> {
    if words.first().map(String::as_str) != Some("curl") {
        return None;
    }
    let i = (1..words.len().saturating_sub(1))
        .find(|&i| matches!(words[i].as_str(), "-X" | "-d" | "-H" | "-o"))?;
    let mut out = words[..i].to_vec();
    out.push(format!("{}{}", words[i], words[i + 1]));
    out.extend_from_slice(&words[i + 2..]);
    Some(out)
}

/// Moves the last word, when it is a flag, to just after the program name.
fn hoist_last_flag(words: &[String]) -> Option<Vec<String>> {
    let last = words.last()?;
    if words.len() < 3 || !last.starts_with('-') || last == "-" {
        return None;
    }
    let mut out = vec![words[0].clone(), last.clone()];
    out.extend_from_slice(&words[1..words.len() - 1]);
    Some(out)
}

/// Adds harmless curl flags in bundled form.
fn add_quiet_flags(words: &[String], pick: usize) -> Option<Vec<String>> {
    if words.first().map(String::as_str) != Some("curl") {
        return None;
    }
    let flags = ["-s", "-sS", "-fsS", "-fsSL", "-sSk"];
    let mut out = vec![words[0].clone(), flags[pick % flags.len()].to_string()];
    out.extend_from_slice(&words[1..]);
    Some(out)
}

/// One respelling step; `a` and `b` choose among the variants of a step.
fn respell(cmd: &str, step: u8, a: usize, b: u8) -> String {
    let words = simple_words(cmd);
    let join = |w: Vec<String>| w.join(" ");
    match step % 9 {
        0 if !cmd.contains('\n') => {
            format!("{} {cmd}", PREFIX_WRAPPERS[a % PREFIX_WRAPPERS.len()])
        }
        1 => format!("sh -c {}", single_quote(cmd)),
        2 => format!("bash -c {}", double_quote(cmd)),
        3 => format!("eval {}", single_quote(cmd)),
        4 => {
            let points = break_points(cmd);
            if points.is_empty() {
                return cmd.to_string();
            }
            let at = points[a % points.len()];
            format!("{} \\\n  {}", &cmd[..at], &cmd[at + 1..])
        }
        5 => recase_verbs(cmd, b),
        6 => words
            .and_then(|w| bundle_flags(&w).or_else(|| glue_value(&w)))
            .map(join)
            .unwrap_or_else(|| cmd.to_string()),
        7 => words
            .and_then(|w| hoist_last_flag(&w).or_else(|| add_quiet_flags(&w, a)))
            .map(join)
            .unwrap_or_else(|| cmd.to_string()),
        8 if !cmd.contains('\n') => match b % 3 {
            0 => format!("out=$({cmd})"),
            1 => format!("echo \"$({cmd})\""),
            _ => format!("echo `{cmd}`"),
        },
        _ => format!("sh -c {}", single_quote(cmd)),
    }
}

fn state_changing() -> &'static [Entry] {
    static W: OnceLock<Vec<Entry>> = OnceLock::new();
    W.get_or_init(|| {
        corpus()
            .iter()
            .filter(|e| e.changes_state())
            .cloned()
            .collect()
    })
}

#[test]
fn respelling_helpers_keep_the_words() {
    assert_eq!(
        bundle_flags(&simple_words("curl -s -X DELETE http://h/x").unwrap()).map(|w| w.join(" ")),
        Some("curl -sX DELETE http://h/x".to_string())
    );
    assert_eq!(
        glue_value(&simple_words("curl -X DELETE http://h/x").unwrap()).map(|w| w.join(" ")),
        Some("curl -XDELETE http://h/x".to_string())
    );
    assert_eq!(
        hoist_last_flag(&simple_words("kubectl delete pod x --force").unwrap())
            .map(|w| w.join(" ")),
        Some("kubectl --force delete pod x".to_string())
    );
    assert_eq!(
        recase_verbs("redis-cli flushall", 0),
        "redis-cli FLUSHALL".to_string()
    );
    assert_eq!(single_quote("a 'b'"), r"'a '\''b'\'''");
    assert_eq!(double_quote("a \"$b\""), r#""a \"\$b\"""#);
    assert!(simple_words("a | b").is_none());
}

proptest! {
    // No regression file: the corpus itself is the record of what must hold.
    #![proptest_config(ProptestConfig {
        cases: 768,
        failure_persistence: None,
        .. ProptestConfig::default()
    })]

    #[test]
    fn respelled_state_changing_commands_never_drop_to_read(
        index in any::<prop::sample::Index>(),
        steps in prop::collection::vec((0u8..9, any::<usize>(), any::<u8>()), 1..4),
    ) {
        let entries = state_changing();
        let entry = &entries[index.index(entries.len())];
        let mut cmd = entry.cmd.clone();
        for (step, a, b) in &steps {
            cmd = respell(&cmd, *step, *a, *b);
        }
        let class = block_class_of(&cmd);
        prop_assert!(
            class != Class::Read,
            "respelled state-changing command classed read:\n  original: {:?}\n  respelled: {:?}\n  source: {}",
            entry.cmd, cmd, entry.source
        );
    }
}
