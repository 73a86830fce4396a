//! Splitting a bash code block into logical commands: continuation lines
//! joined, here-documents kept with the command that opens them, comments
//! collected with their lines.

/// A logical command line of a block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// 0-based line of the block where the command starts.
    pub offset: usize,
    /// The command, continuations joined with a space.
    pub text: String,
    /// A comment at the end of the same line (`curl … # Should return 8.0.0`).
    pub trailing_comment: Option<String>,
}

/// A line or a comment, in block order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    Command(Line),
    /// A full-line comment (`# Expected: …`), text after `#`.
    Comment {
        offset: usize,
        text: String,
    },
    /// An empty line.
    Blank,
}

/// The argument vector of one simple command, quotes removed and
/// expansions (`$HOST`, `$(…)`) left as written: what the recognisers
/// build native probes from. `None` for unbalanced quotes.
///
/// The one word splitter of the recognisers. It is not
/// [`super::shell::parse`] on purpose: that parser is the safety judge's,
/// and reads operators, redirections and expansions as bash does in order
/// to refuse what it cannot prove harmless; the recognisers get text that
/// [`simple_commands`] already cut at operators, and need the plain words
/// of a probe (`curl -H "A: b" $URL`). Every command still goes through the
/// judge, so how these words are cut never decides a safety class alone.
pub fn words(text: &str) -> Option<Vec<String>> {
    shell_words::split(text).ok()
}

/// Splits a block into pieces.
pub fn split(code: &str) -> Vec<Piece> {
    let lines: Vec<&str> = code.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let raw = lines[i];
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            out.push(Piece::Blank);
            i += 1;
            continue;
        }
        if let Some(comment) = trimmed.strip_prefix('#') {
            if !comment.starts_with('!') {
                let text = comment.trim().to_string();
                if let Some((merged, next)) = response_body(&text, &lines, i + 1) {
                    out.push(Piece::Comment {
                        offset: i,
                        text: merged,
                    });
                    i = next;
                    continue;
                }
                out.push(Piece::Comment { offset: i, text });
            }
            i += 1;
            continue;
        }
        let start = i;
        let mut text = String::new();
        let mut trailing = None;
        loop {
            let line = lines[i].trim();
            let (body, comment) = split_comment(line);
            if comment.is_some() {
                trailing = comment;
            }
            let body = body.trim_end();
            if let Some(cont) = body.strip_suffix('\\') {
                text.push_str(cont.trim_end());
                text.push(' ');
                i += 1;
                if i < lines.len() {
                    continue;
                }
            } else {
                text.push_str(body);
                i += 1;
            }
            break;
        }
        // A here-document runs to its delimiter line.
        if let Some(delim) = heredoc_delimiter(&text) {
            while i < lines.len() {
                let l = lines[i];
                text.push('\n');
                text.push_str(l);
                i += 1;
                if l.trim() == delim {
                    break;
                }
            }
        }
        out.push(Piece::Command(Line {
            offset: start,
            text: text.trim().to_string(),
            trailing_comment: trailing,
        }));
    }
    out
}

/// Labels after which a block's author writes the response body on the
/// lines below (`# Expected Response:` then `# {` … `# }`, or bare JSON).
const BODY_LABELS: &[&str] = &[
    "expected response:",
    "expected response body:",
    "response:",
    "response body:",
    "expected output:",
    "expected result:",
    "expected body:",
    "expected:",
    "returns:",
    "output:",
];

/// A `# Expected Response:` comment followed, from line `from`, by a JSON
/// body — commented (`# {`, `#   "status": "ok"`, `# }`) or bare — is one
/// expectation of the command above it, not shell: returns the comment
/// as `Expected: <label's own words> <body>` (the body normalised with
/// [`crate::json_match::parse_lenient`] where it reads, as written where
/// not) and the line after the body.
fn response_body(comment: &str, lines: &[&str], from: usize) -> Option<(String, usize)> {
    let lower = comment.to_lowercase();
    let label = BODY_LABELS.iter().find(|l| lower.starts_with(*l))?;
    let own = comment.get(label.len()..).unwrap_or_default().trim();
    let mut body = String::new();
    let mut depth: i64 = 0;
    let mut in_str = false;
    let mut escaped = false;
    let mut i = from;
    // Blank and empty comment lines before the body.
    while i < lines.len() {
        let t = lines[i].trim();
        if t.is_empty() || t == "#" {
            i += 1;
        } else {
            break;
        }
    }
    let first = lines.get(i)?.trim();
    let first = first.strip_prefix('#').map_or(first, str::trim_start);
    let opens_json = |t: &str| {
        t.starts_with('{')
            || t.strip_prefix('[').is_some_and(|r| {
                let r = r.trim_start();
                r.is_empty()
                    || r.starts_with(['{', '"', ']'])
                    || r.starts_with(|c: char| c.is_ascii_digit())
            })
    };
    if !opens_json(first) {
        return None;
    }
    let mut bare = false;
    let limit = (i + 500).min(lines.len());
    while i < limit {
        let t = lines[i].trim();
        bare |= !t.starts_with('#');
        let t = t
            .strip_prefix('#')
            .map_or(t, |r| r.strip_prefix(' ').unwrap_or(r));
        body.push_str(t);
        body.push('\n');
        i += 1;
        for c in t.chars() {
            if in_str {
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
                '"' => in_str = true,
                '{' | '[' => depth += 1,
                '}' | ']' => depth -= 1,
                _ => {}
            }
        }
        if depth <= 0 {
            break;
        }
    }
    if depth > 0 {
        return None;
    }
    let body = match crate::json_match::parse_lenient(&body) {
        Some(v) => v.to_string(),
        // Bare lines that do not read as a body may be shell (`{ a; b; }`):
        // leave them to the splitter.
        None if bare => return None,
        None => body.split_whitespace().collect::<Vec<_>>().join(" "),
    };
    let text = if own.is_empty() {
        format!("Expected: {body}")
    } else {
        format!("Expected: {own} {body}")
    };
    Some((text, i))
}

/// Splits `cmd # comment` at a `#` that starts a word outside quotes.
fn split_comment(line: &str) -> (&str, Option<String>) {
    let mut quote: Option<char> = None;
    let mut prev = ' ';
    for (i, c) in line.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '\'' || c == '"' => quote = Some(c),
            None if c == '#' && prev.is_whitespace() => {
                return (&line[..i], Some(line[i + 1..].trim().to_string()));
            }
            None => {}
        }
        prev = c;
    }
    (line, None)
}

fn heredoc_delimiter(text: &str) -> Option<String> {
    let at = text.find("<<")?;
    let rest = text[at + 2..].trim_start_matches(['-', '~']).trim_start();
    if rest.starts_with('<') {
        return None; // <<< here-string
    }
    let word: String = rest
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != ';' && *c != ')')
        .collect();
    let word = word.trim_matches(['\'', '"']).to_string();
    (!word.is_empty()).then_some(word)
}

/// Splits a command line at `&&`, `||`, `;` and `|` outside quotes and
/// `$(…)`, returning the simple commands and whether any pipe was seen.
pub fn simple_commands(text: &str) -> Vec<String> {
    split_list(text, true)
}

/// Splits at `&&`, `||` and `;` only: each part may still be a pipeline.
pub fn pipelines(text: &str) -> Vec<String> {
    split_list(text, false)
}

fn split_list(text: &str, pipes: bool) -> Vec<String> {
    // Every character the splitter looks at is ASCII, and no byte of a
    // multi-byte UTF-8 character is: the scan runs over bytes, and a part
    // is the slice between two separators (nothing inside one is dropped).
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    let mut quote: Option<u8> = None;
    let mut depth = 0usize;
    let mut i = 0;
    let flush = |from: usize, to: usize, out: &mut Vec<String>| {
        let part = text[from..to].trim();
        if !part.is_empty() {
            out.push(part.to_string());
        }
    };
    while i < bytes.len() {
        let c = bytes[i];
        match quote {
            Some(q) => {
                if c == q {
                    quote = None;
                }
            }
            None => match c {
                b'\'' | b'"' => quote = Some(c),
                b'$' if bytes.get(i + 1) == Some(&b'(') => {
                    depth += 1;
                    i += 1;
                }
                b')' if depth > 0 => depth -= 1,
                b';' | b'|' | b'&' | b'\n' if depth == 0 => {
                    let doubled = bytes.get(i + 1) == Some(&c);
                    // Background `cmd &`, or a pipe kept whole: still one command.
                    if !((c == b'&' && !doubled) || (c == b'|' && !doubled && !pipes)) {
                        flush(start, i, &mut out);
                        if doubled {
                            i += 1;
                        }
                        start = i + 1;
                    }
                }
                _ => {}
            },
        }
        i += 1;
    }
    flush(start.min(bytes.len()), bytes.len(), &mut out);
    out
}

/// The splitter as first written, a character at a time: the reference
/// the byte scan of [`split_list`] is tested against.
#[cfg(test)]
fn split_list_chars(text: &str, pipes: bool) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut depth = 0usize;
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match quote {
            Some(q) => {
                if c == q {
                    quote = None;
                }
                cur.push(c);
            }
            None => match c {
                '\'' | '"' => {
                    quote = Some(c);
                    cur.push(c);
                }
                '$' if chars.get(i + 1) == Some(&'(') => {
                    depth += 1;
                    cur.push_str("$(");
                    i += 1;
                }
                ')' if depth > 0 => {
                    depth -= 1;
                    cur.push(c);
                }
                ';' | '|' | '&' | '\n' if depth == 0 => {
                    let doubled = chars.get(i + 1) == Some(&c);
                    if (c == '&' && !doubled) || (c == '|' && !doubled && !pipes) {
                        cur.push(c);
                    } else {
                        if !cur.trim().is_empty() {
                            out.push(cur.trim().to_string());
                        }
                        cur.clear();
                        if doubled {
                            i += 1;
                        }
                    }
                }
                _ => cur.push(c),
            },
        }
        i += 1;
    }
    if !cur.trim().is_empty() {
        out.push(cur.trim().to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continuations_comments_and_heredocs() {
        let code = "# Health\ncurl -X POST https://x/y \\\n  -H 'A: b' \\\n  -d '{\"a\": 1}'\n# Expected: 200 OK\n\ncurl https://x/v  # Should return 8.0.0\ncat <<EOF > f\nline # not a comment\nEOF\necho done\n";
        let pieces = split(code);
        let cmds: Vec<&Line> = pieces
            .iter()
            .filter_map(|p| match p {
                Piece::Command(l) => Some(l),
                _ => None,
            })
            .collect();
        assert_eq!(cmds.len(), 4);
        assert_eq!(cmds[0].offset, 1);
        assert_eq!(
            cmds[0].text,
            "curl -X POST https://x/y -H 'A: b' -d '{\"a\": 1}'"
        );
        assert_eq!(
            cmds[1].trailing_comment.as_deref(),
            Some("Should return 8.0.0")
        );
        assert!(cmds[2].text.contains("line # not a comment"));
        assert_eq!(cmds[3].text, "echo done");
        assert!(pieces.iter().any(
            |p| matches!(p, Piece::Comment { offset: 4, text } if text == "Expected: 200 OK")
        ));
    }

    #[test]
    fn simple_command_splitting() {
        assert_eq!(
            simple_commands("a && b || c; d | e"),
            vec!["a", "b", "c", "d", "e"]
        );
        assert_eq!(
            simple_commands("echo 'a && b' | grep x"),
            vec!["echo 'a && b'", "grep x"]
        );
        assert_eq!(
            simple_commands("X=$(curl a | jq -r .id)"),
            vec!["X=$(curl a | jq -r .id)"]
        );
        assert_eq!(simple_commands("websocat url &"), vec!["websocat url &"]);
        assert_eq!(pipelines("a | b && c"), vec!["a | b", "c"]);
    }

    /// Text built from the characters the splitter reacts to, ordinary
    /// words and non-ASCII letters.
    fn shellish() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let piece = prop::sample::select(vec![
            "a", "curl x", " ", "\n", ";", ";;", "|", "||", "&", "&&", "$(", "(", ")", "'", "\"",
            "é", "→", "\t", "#", "\\", "$", "ü x",
        ]);
        prop::collection::vec(piece, 0..24).prop_map(|v| v.concat())
    }

    proptest::proptest! {
        #[test]
        fn byte_splitter_matches_char_splitter(text in shellish(), pipes in proptest::bool::ANY) {
            proptest::prop_assert_eq!(split_list(&text, pipes), split_list_chars(&text, pipes));
        }

        /// `analyze_line` reuses a command's words for its own parts: a
        /// simple command splits into itself alone.
        #[test]
        fn a_simple_command_splits_into_itself(text in shellish()) {
            for part in simple_commands(&text) {
                proptest::prop_assert_eq!(simple_commands(&part), vec![part.clone()]);
            }
        }

        #[test]
        fn byte_splitter_matches_on_any_text(text in "\\PC{0,40}", pipes in proptest::bool::ANY) {
            proptest::prop_assert_eq!(split_list(&text, pipes), split_list_chars(&text, pipes));
        }
    }
}
