//! Splitting a bash code block into logical commands.
//!
//! A small bash lexer, not a bash interpreter: it knows quotes (`'…'`,
//! `"…"`, `$'…'`), escapes, backslash-newline continuations, command and
//! process substitutions (`$(…)`, `` `…` ``, `<(…)`), parameter expansions
//! (`${…}`), array assignments (`a=(…)`), comments, redirections and
//! here-documents, and the operators `&&`, `||`, `;`, `&` and `|`.
//!
//! `shell-words` gets quotes right but cannot see `$(date +%F)` or
//! `# comments` or `> file`, so words are cut here and unquoted by
//! [`unquote`]; the tests check that both agree on plain words.
//!
//! One deliberate difference from bash: `<redis-host>` (angle brackets
//! around a name) is a placeholder word, as checklist authors mean it,
//! not an input redirection followed by an output one.

use serde::Serialize;

/// A code block split into commands and comments.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Script {
    /// `#!/bin/bash` on the first line, if any (without the `#!`).
    pub shebang: Option<String>,
    /// The commands (pipelines) in block order.
    pub commands: Vec<Command>,
    /// Every comment of the block, in order (also attached to commands as
    /// their trailing comments).
    pub comments: Vec<Comment>,
    /// Whether the block uses shell control flow or grouping (`if`, `for`,
    /// `while`, `case`, functions, `( … )`, `{ … }`): its commands only make
    /// sense run by a shell, in order.
    pub control_flow: bool,
    /// Problems met while splitting (an unterminated quote or here-document).
    pub issues: Vec<Issue>,
}

/// A problem in a block's shell syntax.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Issue {
    /// 1-based line in the block.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// A comment (`# …`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comment {
    /// 1-based line in the block.
    pub line: usize,
    /// The text after `#`, trimmed.
    pub text: String,
    /// Whether it follows code on the same line (`git status  # clean?`).
    pub inline: bool,
}

/// How a command is joined to the command after it on the same line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Connector {
    /// `a && b`: b runs when a succeeds.
    And,
    /// `a || b`: b runs when a fails.
    Or,
    /// `a; b`.
    Semicolon,
}

/// One logical command: a pipeline of one or more stages.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Command {
    /// 1-based line in the block where the command starts.
    pub line: usize,
    /// 1-based line where it ends (continuations, multi-line quotes and
    /// here-document bodies included).
    pub end_line: usize,
    /// The pipeline's text as written, continuations joined with a space
    /// (here-document bodies are in the stages' redirects, not here).
    pub text: String,
    /// The stages: `stages[0]` is the command itself, the rest is what it
    /// is piped into (`curl … | jq '.status'`).
    pub stages: Vec<Stage>,
    /// The operator after this command, when another command follows on
    /// the same line.
    pub connector: Option<Connector>,
    /// Run in the background (`cmd &`).
    pub background: bool,
    /// Comments after the command: on its own line, then on the lines
    /// that follow up to the next command (blank lines allowed).
    pub trailing_comments: Vec<Comment>,
}

impl Command {
    /// The first stage: the command that produces the output.
    pub fn head(&self) -> &Stage {
        &self.stages[0]
    }

    /// The stages the head is piped into, in order.
    pub fn piped_into(&self) -> &[Stage] {
        &self.stages[1..]
    }
}

/// A `NAME=value` word.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assignment {
    /// The variable's name (`NAME`, or `arr` for `arr[0]=…`).
    pub name: String,
    /// The value, unquoted (substitutions kept as written).
    pub value: String,
    /// The value as written.
    pub raw_value: String,
    /// The inner command text when the value is one command substitution:
    /// `TOKEN=$(curl … | jq -r '.access_token')`.
    pub capture: Option<String>,
}

/// Kinds of redirection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RedirectOp {
    /// `>` (and `>|`).
    Out,
    /// `>>`.
    Append,
    /// `&>` / `>& file`: stdout and stderr.
    OutErr,
    /// `&>>`.
    OutErrAppend,
    /// `<`.
    In,
    /// `<>`.
    ReadWrite,
    /// `>&N`, `<&N`: duplicate a descriptor (`2>&1`).
    Dup,
    /// `<<EOF`, `<<-EOF`.
    HereDoc,
    /// `<<< word`.
    HereString,
}

/// A here-document body.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HereDoc {
    /// The delimiter word (`EOF`).
    pub delimiter: String,
    /// Whether the delimiter was quoted (`<<'EOF'`): no expansion in the body.
    pub quoted: bool,
    /// `<<-`: leading tabs stripped.
    pub strip_tabs: bool,
    /// The body's lines, each ending with a newline.
    pub body: String,
    /// Whether the delimiter line was found.
    pub terminated: bool,
}

/// A redirection of a stage.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Redirect {
    /// The descriptor number written before the operator (`2>`), if any.
    pub fd: Option<u32>,
    /// The operator.
    pub op: RedirectOp,
    /// The target, unquoted: a file, a descriptor (`1` in `2>&1`), the
    /// here-string, or the here-document's delimiter.
    pub target: String,
    /// The here-document, for [`RedirectOp::HereDoc`].
    pub heredoc: Option<HereDoc>,
}

impl Redirect {
    /// The file this redirection writes, unless it is harmless
    /// (`/dev/null`, `/dev/stdout`, `/dev/stderr`, a descriptor).
    pub fn written_file(&self) -> Option<&str> {
        let writes = match self.op {
            RedirectOp::Out
            | RedirectOp::Append
            | RedirectOp::OutErr
            | RedirectOp::OutErrAppend
            | RedirectOp::ReadWrite => true,
            // `>& file` with a non-number target writes the file.
            RedirectOp::Dup => {
                !(self.target == "-" || self.target.chars().all(|c| c.is_ascii_digit()))
            }
            _ => false,
        };
        let harmless = matches!(
            self.target.as_str(),
            "/dev/null" | "/dev/stdout" | "/dev/stderr" | "/dev/tty"
        );
        (writes && !harmless && !self.target.is_empty()).then_some(self.target.as_str())
    }
}

/// One simple command of a pipeline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stage {
    /// 1-based line in the block where the stage starts.
    pub line: usize,
    /// The stage's text as written, continuations joined.
    pub text: String,
    /// Leading shell keywords taken off the command (`if`, `then`, `do`,
    /// `!`, `time`, `for`, …).
    pub keywords: Vec<String>,
    /// `VAR=value` prefixes that only apply to this command
    /// (`BASE_URL=… k6 run x.js`).
    pub env: Vec<Assignment>,
    /// Shell variables this stage sets: `X=…`, `export X=…`, `read X`,
    /// `for X in …`.
    pub defines: Vec<Assignment>,
    /// The command words, unquoted: program and arguments.
    pub argv: Vec<String>,
    /// The same words as written (quotes kept).
    pub raw_argv: Vec<String>,
    /// Redirections, in order.
    pub redirects: Vec<Redirect>,
    /// Inner texts of the command substitutions (`$(…)`, `` `…` ``,
    /// `<(…)`) anywhere in the stage.
    pub substitutions: Vec<String>,
}

impl Stage {
    /// The program's name without its directory (`./scripts/x.sh` → `x.sh`).
    pub fn program(&self) -> Option<&str> {
        self.argv
            .first()
            .map(|p| p.rsplit('/').next().unwrap_or(p.as_str()))
    }

    /// The here-documents fed to this stage.
    pub fn heredocs(&self) -> impl Iterator<Item = &HereDoc> {
        self.redirects.iter().filter_map(|r| r.heredoc.as_ref())
    }

    /// The files this stage writes through redirections.
    pub fn written_files(&self) -> Vec<&str> {
        self.redirects
            .iter()
            .filter_map(Redirect::written_file)
            .collect()
    }

    /// The file fed on standard input (`< file`), if any.
    pub fn stdin_file(&self) -> Option<&str> {
        self.redirects
            .iter()
            .find(|r| r.op == RedirectOp::In && r.fd.is_none_or(|fd| fd == 0))
            .map(|r| r.target.as_str())
    }

    /// Whether the stage's stdout is thrown away (`> /dev/null`).
    pub fn stdout_discarded(&self) -> bool {
        self.redirects.iter().any(|r| {
            matches!(
                r.op,
                RedirectOp::Out | RedirectOp::OutErr | RedirectOp::Append
            ) && r.fd.is_none_or(|fd| fd == 1)
                && r.target == "/dev/null"
        })
    }
}

/// Splits a block of bash into commands and comments. Never fails:
/// problems are reported in [`Script::issues`].
pub fn split_script(text: &str) -> Script {
    let mut lexer = Lexer::new(text);
    let shebang = lexer.shebang();
    lexer.run();
    let Lexer {
        tokens,
        issues,
        control_flow,
        ..
    } = lexer;
    let mut parser = Parser {
        src: text,
        commands: Vec::new(),
        comments: Vec::new(),
        control_flow,
        issues,
        stage: Vec::new(),
        pipeline: Vec::new(),
        open_comments: Vec::new(),
    };
    for tok in tokens {
        parser.token(tok);
    }
    parser.finish_command(None, false);
    Script {
        shebang,
        commands: parser.commands,
        comments: parser.comments,
        control_flow: parser.control_flow,
        issues: parser.issues,
    }
}

// ---------------------------------------------------------------------------
// Scanning primitives, shared by the lexer and by `unquote`.

/// A cursor over bytes that skips quoted and nested constructs.
struct Scan<'a> {
    s: &'a [u8],
    i: usize,
    line: usize,
    unterminated: Option<(usize, &'static str)>,
}

impl<'a> Scan<'a> {
    fn new(s: &'a str) -> Self {
        Scan {
            s: s.as_bytes(),
            i: 0,
            line: 1,
            unterminated: None,
        }
    }

    fn at(&self, k: usize) -> Option<u8> {
        self.s.get(self.i + k).copied()
    }

    fn bump(&mut self) {
        if self.s.get(self.i) == Some(&b'\n') {
            self.line += 1;
        }
        self.i += 1;
    }

    fn fail(&mut self, line: usize, what: &'static str) {
        if self.unterminated.is_none() {
            self.unterminated = Some((line, what));
        }
        self.i = self.s.len();
    }

    /// At `'`: past the closing quote.
    fn single(&mut self) {
        let line = self.line;
        self.bump();
        while let Some(c) = self.at(0) {
            self.bump();
            if c == b'\'' {
                return;
            }
        }
        self.fail(line, "unterminated single quote");
    }

    /// At `$'`: past the closing quote.
    fn ansi_c(&mut self) {
        let line = self.line;
        self.i += 2;
        while let Some(c) = self.at(0) {
            match c {
                b'\\' => {
                    self.bump();
                    if self.at(0).is_some() {
                        self.bump();
                    }
                }
                b'\'' => {
                    self.bump();
                    return;
                }
                _ => self.bump(),
            }
        }
        self.fail(line, "unterminated $'…' quote");
    }

    /// At `"`: past the closing quote.
    fn double(&mut self) {
        let line = self.line;
        self.bump();
        while let Some(c) = self.at(0) {
            match c {
                b'\\' => {
                    self.bump();
                    if self.at(0).is_some() {
                        self.bump();
                    }
                }
                b'"' => {
                    self.bump();
                    return;
                }
                b'$' if self.at(1) == Some(b'(') => self.dollar_paren(),
                b'$' if self.at(1) == Some(b'{') => self.brace(),
                b'`' => self.backtick(),
                _ => self.bump(),
            }
        }
        self.fail(line, "unterminated double quote");
    }

    /// At `` ` ``: past the closing backtick.
    fn backtick(&mut self) {
        let line = self.line;
        self.bump();
        while let Some(c) = self.at(0) {
            match c {
                b'\\' => {
                    self.bump();
                    if self.at(0).is_some() {
                        self.bump();
                    }
                }
                b'`' => {
                    self.bump();
                    return;
                }
                _ => self.bump(),
            }
        }
        self.fail(line, "unterminated backtick");
    }

    /// At `${`: past the matching `}`.
    fn brace(&mut self) {
        let line = self.line;
        self.i += 2;
        let mut depth = 1usize;
        while let Some(c) = self.at(0) {
            match c {
                b'\\' => {
                    self.bump();
                    if self.at(0).is_some() {
                        self.bump();
                    }
                }
                b'\'' => self.single(),
                b'"' => self.double(),
                b'`' => self.backtick(),
                b'$' if self.at(1) == Some(b'(') => self.dollar_paren(),
                b'$' if self.at(1) == Some(b'{') => {
                    self.i += 2;
                    depth += 1;
                }
                b'}' => {
                    self.bump();
                    depth -= 1;
                    if depth == 0 {
                        return;
                    }
                }
                _ => self.bump(),
            }
        }
        self.fail(line, "unterminated ${…}");
    }

    /// At `$(`: past the matching `)`.
    fn dollar_paren(&mut self) {
        self.i += 1;
        self.paren_group("unterminated $(…)");
    }

    /// At `(`: past the matching `)`, skipping quotes and comments.
    fn paren_group(&mut self, what: &'static str) {
        let line = self.line;
        self.bump();
        let mut depth = 1usize;
        let mut word_start = true;
        while let Some(c) = self.at(0) {
            match c {
                b'\\' => {
                    self.bump();
                    if self.at(0).is_some() {
                        self.bump();
                    }
                    word_start = false;
                    continue;
                }
                b'\'' => self.single(),
                b'"' => self.double(),
                b'`' => self.backtick(),
                b'$' if self.at(1) == Some(b'\'') => self.ansi_c(),
                b'$' if self.at(1) == Some(b'{') => self.brace(),
                b'$' if self.at(1) == Some(b'(') => {
                    self.i += 2;
                    depth += 1;
                }
                b'(' => {
                    self.bump();
                    depth += 1;
                }
                b')' => {
                    self.bump();
                    depth -= 1;
                    if depth == 0 {
                        return;
                    }
                }
                b'#' if word_start => {
                    while self.at(0).is_some_and(|c| c != b'\n') {
                        self.bump();
                    }
                }
                _ => self.bump(),
            }
            word_start = matches!(c, b' ' | b'\t' | b'\n' | b';' | b'(' | b'|' | b'&');
        }
        self.fail(line, what);
    }
}

/// `<name-like-this>` at `i`: the placeholder's length.
fn placeholder_len(s: &[u8], i: usize) -> Option<usize> {
    if s.get(i) != Some(&b'<') || !s.get(i + 1)?.is_ascii_alphabetic() {
        return None;
    }
    let mut j = i + 1;
    while let Some(&c) = s.get(j) {
        if c == b'>' {
            return Some(j + 1 - i);
        }
        if !(c.is_ascii_alphanumeric() || c == b'-' || c == b'_') {
            return None;
        }
        j += 1;
    }
    None
}

/// Whether `word` starts an assignment: `NAME=`, `NAME+=`, `NAME[…]=`.
/// Returns the name and the byte offset of the value.
pub(crate) fn assignment_prefix(word: &str) -> Option<(&str, usize)> {
    let b = word.as_bytes();
    if !b
        .first()
        .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_')
    {
        return None;
    }
    let mut j = 1;
    while b
        .get(j)
        .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
    {
        j += 1;
    }
    let name = &word[..j];
    if b.get(j) == Some(&b'[') {
        j += 1 + b[j + 1..].iter().position(|&c| c == b']')? + 1;
    }
    if b.get(j) == Some(&b'+') {
        j += 1;
    }
    (b.get(j) == Some(&b'=')).then_some((name, j + 1))
}

/// Removes quotes and escapes from a word as bash would, keeping
/// `$VAR`, `${…}`, `$(…)` and backticks as written. `$'…'` ANSI-C quotes
/// are decoded.
pub fn unquote(raw: &str) -> String {
    let mut out: Vec<u8> = Vec::with_capacity(raw.len());
    let mut sc = Scan::new(raw);
    while let Some(c) = sc.at(0) {
        match c {
            b'\\' => {
                match sc.at(1) {
                    Some(b'\n') => {}
                    Some(n) => out.push(n),
                    None => out.push(b'\\'),
                }
                sc.i += 2;
            }
            b'\'' => {
                let start = sc.i + 1;
                sc.single();
                let end = if sc.unterminated.is_some() {
                    sc.s.len()
                } else {
                    sc.i - 1
                };
                out.extend_from_slice(&sc.s[start..end.max(start)]);
            }
            b'$' if sc.at(1) == Some(b'\'') => {
                let start = sc.i + 2;
                sc.ansi_c();
                let end = if sc.unterminated.is_some() {
                    sc.s.len()
                } else {
                    sc.i - 1
                };
                decode_ansi_c(&sc.s[start..end.max(start)], &mut out);
            }
            b'$' if sc.at(1) == Some(b'"') => sc.i += 1,
            b'"' => {
                sc.bump();
                while let Some(d) = sc.at(0) {
                    match d {
                        b'"' => {
                            sc.bump();
                            break;
                        }
                        b'\\' => {
                            match sc.at(1) {
                                Some(b'\n') => {}
                                Some(n @ (b'$' | b'`' | b'"' | b'\\')) => out.push(n),
                                Some(n) => out.extend_from_slice(&[b'\\', n]),
                                None => out.push(b'\\'),
                            }
                            sc.i += 2;
                        }
                        b'$' if matches!(sc.at(1), Some(b'(' | b'{')) => {
                            let start = sc.i;
                            if sc.at(1) == Some(b'(') {
                                sc.dollar_paren();
                            } else {
                                sc.brace();
                            }
                            out.extend_from_slice(&sc.s[start..sc.i.min(sc.s.len())]);
                        }
                        b'`' => {
                            let start = sc.i;
                            sc.backtick();
                            out.extend_from_slice(&sc.s[start..sc.i.min(sc.s.len())]);
                        }
                        _ => {
                            out.push(d);
                            sc.bump();
                        }
                    }
                }
            }
            b'$' if matches!(sc.at(1), Some(b'(' | b'{')) => {
                let start = sc.i;
                if sc.at(1) == Some(b'(') {
                    sc.dollar_paren();
                } else {
                    sc.brace();
                }
                out.extend_from_slice(&sc.s[start..sc.i.min(sc.s.len())]);
            }
            b'`' => {
                let start = sc.i;
                sc.backtick();
                out.extend_from_slice(&sc.s[start..sc.i.min(sc.s.len())]);
            }
            _ => {
                out.push(c);
                sc.bump();
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Decodes the inside of `$'…'`.
fn decode_ansi_c(s: &[u8], out: &mut Vec<u8>) {
    let mut i = 0;
    let hex = |s: &[u8], i: usize, max: usize| -> (u32, usize) {
        let mut v = 0u32;
        let mut n = 0;
        while n < max {
            match s.get(i + n).and_then(|c| (*c as char).to_digit(16)) {
                Some(d) => {
                    v = v * 16 + d;
                    n += 1;
                }
                None => break,
            }
        }
        (v, n)
    };
    while i < s.len() {
        if s[i] != b'\\' || i + 1 >= s.len() {
            out.push(s[i]);
            i += 1;
            continue;
        }
        let e = s[i + 1];
        i += 2;
        match e {
            b'n' => out.push(b'\n'),
            b't' => out.push(b'\t'),
            b'r' => out.push(b'\r'),
            b'a' => out.push(7),
            b'b' => out.push(8),
            b'e' | b'E' => out.push(27),
            b'f' => out.push(12),
            b'v' => out.push(11),
            b'\\' | b'\'' | b'"' | b'?' => out.push(e),
            b'x' => {
                let (v, n) = hex(s, i, 2);
                if n == 0 {
                    out.extend_from_slice(b"\\x");
                } else {
                    out.push(v as u8);
                    i += n;
                }
            }
            b'u' | b'U' => {
                let (v, n) = hex(s, i, if e == b'u' { 4 } else { 8 });
                match char::from_u32(v).filter(|_| n > 0) {
                    Some(ch) => {
                        let mut buf = [0u8; 4];
                        out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                        i += n;
                    }
                    None => out.extend_from_slice(&[b'\\', e]),
                }
            }
            b'0'..=b'7' => {
                let mut v = u32::from(e - b'0');
                let mut n = 0;
                while n < 2 && s.get(i + n).is_some_and(|c| (b'0'..=b'7').contains(c)) {
                    v = v * 8 + u32::from(s[i + n] - b'0');
                    n += 1;
                }
                out.push(v as u8);
                i += n;
            }
            _ => out.extend_from_slice(&[b'\\', e]),
        }
    }
}

/// The inner texts of the command substitutions in a raw word (outside
/// single quotes): `$(…)` (not arithmetic `$((…))`), `` `…` ``, `<(…)`, `>(…)`.
pub(crate) fn substitutions(raw: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut sc = Scan::new(raw);
    let mut in_double = false;
    while let Some(c) = sc.at(0) {
        match c {
            b'\\' => sc.i += 2,
            b'\'' if !in_double => sc.single(),
            b'"' => {
                in_double = !in_double;
                sc.bump();
            }
            b'$' if sc.at(1) == Some(b'\'') && !in_double => sc.ansi_c(),
            b'$' if sc.at(1) == Some(b'(') && sc.at(2) == Some(b'(') => sc.dollar_paren(),
            b'$' if sc.at(1) == Some(b'(') => {
                let start = sc.i + 2;
                sc.dollar_paren();
                if sc.unterminated.is_none() {
                    out.push(raw[start..sc.i - 1].to_string());
                }
            }
            b'<' | b'>' if sc.at(1) == Some(b'(') && !in_double => {
                let start = sc.i + 2;
                sc.i += 1;
                sc.paren_group("unterminated process substitution");
                if sc.unterminated.is_none() {
                    out.push(raw[start..sc.i - 1].to_string());
                }
            }
            b'`' => {
                let start = sc.i + 1;
                sc.backtick();
                if sc.unterminated.is_none() {
                    out.push(raw[start..sc.i - 1].to_string());
                }
            }
            _ => sc.bump(),
        }
    }
    out
}

/// `$(…)` or `` `…` `` (optionally in double quotes) making up a whole
/// value: its inner text.
fn whole_substitution(raw_value: &str) -> Option<String> {
    let v = raw_value.trim();
    let v = v
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(v);
    if v.starts_with("$((") {
        return None;
    }
    if v.starts_with("$(") {
        let mut sc = Scan::new(v);
        sc.dollar_paren();
        return (sc.unterminated.is_none() && sc.i == v.len())
            .then(|| v[2..v.len() - 1].to_string());
    }
    if v.starts_with('`') {
        let mut sc = Scan::new(v);
        sc.backtick();
        return (sc.unterminated.is_none() && sc.i == v.len())
            .then(|| v[1..v.len() - 1].to_string());
    }
    None
}

// ---------------------------------------------------------------------------
// Lexer.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    And,
    Or,
    Pipe,
    Semi,
    Amp,
    Open,
    Close,
    Newline,
}

#[derive(Debug)]
enum TokKind {
    Word,
    Op(Op),
    Redirect {
        fd: Option<u32>,
        op: RedirectOp,
        heredoc: Option<HereDoc>,
    },
    Comment {
        text: String,
        inline: bool,
    },
}

#[derive(Debug)]
struct Tok {
    kind: TokKind,
    start: usize,
    end: usize,
    line: usize,
    end_line: usize,
}

struct Lexer<'a> {
    src: &'a str,
    sc: Scan<'a>,
    tokens: Vec<Tok>,
    /// Tokens waiting for their here-document bodies.
    pending: Vec<usize>,
    line_has_code: bool,
    issues: Vec<Issue>,
    control_flow: bool,
}

impl<'a> Lexer<'a> {
    fn new(src: &'a str) -> Self {
        Lexer {
            src,
            sc: Scan::new(src),
            tokens: Vec::new(),
            pending: Vec::new(),
            line_has_code: false,
            issues: Vec::new(),
            control_flow: false,
        }
    }

    fn shebang(&mut self) -> Option<String> {
        let first = self.src.lines().next()?;
        let rest = first.trim_start().strip_prefix("#!")?;
        while self.sc.at(0).is_some_and(|c| c != b'\n') {
            self.sc.bump();
        }
        Some(rest.trim().to_string())
    }

    fn push(&mut self, kind: TokKind, start: usize, line: usize) {
        let end = self.sc.i.min(self.src.len());
        self.tokens.push(Tok {
            kind,
            start,
            end,
            line,
            end_line: self.sc.line,
        });
    }

    fn run(&mut self) {
        while let Some(c) = self.sc.at(0) {
            let start = self.sc.i;
            let line = self.sc.line;
            match c {
                b' ' | b'\t' | b'\r' => self.sc.i += 1,
                b'\\' if self.sc.at(1) == Some(b'\n') => {
                    self.sc.i += 1;
                    self.sc.bump();
                }
                b'\\' if self.sc.at(1) == Some(b'\r') && self.sc.at(2) == Some(b'\n') => {
                    self.sc.i += 2;
                    self.sc.bump();
                }
                b'\n' => {
                    self.sc.bump();
                    self.push(TokKind::Op(Op::Newline), start, line);
                    self.line_has_code = false;
                    self.heredoc_bodies();
                }
                b'#' => {
                    while self.sc.at(0).is_some_and(|c| c != b'\n') {
                        self.sc.i += 1;
                    }
                    let text = self.src[start + 1..self.sc.i].trim().to_string();
                    let inline = self.line_has_code;
                    self.push(TokKind::Comment { text, inline }, start, line);
                }
                b'&' | b'|' | b';' | b'(' | b')' => {
                    self.line_has_code = true;
                    let next = self.sc.at(1);
                    let (op, len) = match (c, next) {
                        (b'&', Some(b'&')) => (Some(Op::And), 2),
                        (b'&', Some(b'>')) => (None, 0),
                        (b'&', _) => (Some(Op::Amp), 1),
                        (b'|', Some(b'|')) => (Some(Op::Or), 2),
                        (b'|', Some(b'&')) => (Some(Op::Pipe), 2),
                        (b'|', _) => (Some(Op::Pipe), 1),
                        (b';', Some(b';')) if self.sc.at(2) == Some(b'&') => (Some(Op::Semi), 3),
                        (b';', Some(b';' | b'&')) => (Some(Op::Semi), 2),
                        (b';', _) => (Some(Op::Semi), 1),
                        (b'(', _) => (Some(Op::Open), 1),
                        _ => (Some(Op::Close), 1),
                    };
                    match op {
                        Some(op) => {
                            if matches!(op, Op::Open | Op::Close) {
                                self.control_flow = true;
                            }
                            self.sc.i += len;
                            self.push(TokKind::Op(op), start, line);
                        }
                        None => self.redirect(start, line),
                    }
                }
                b'<' | b'>' if placeholder_len(self.sc.s, self.sc.i).is_none() => {
                    self.line_has_code = true;
                    if self.sc.at(1) == Some(b'(') {
                        self.word(start, line);
                    } else {
                        self.redirect(start, line);
                    }
                }
                _ => {
                    self.line_has_code = true;
                    self.word(start, line);
                }
            }
        }
        if let Some((line, what)) = self.sc.unterminated.take() {
            self.issues.push(Issue {
                line,
                message: what.to_string(),
            });
        }
        for idx in std::mem::take(&mut self.pending) {
            self.unterminated_heredoc(idx);
        }
    }

    fn unterminated_heredoc(&mut self, idx: usize) {
        if let TokKind::Redirect {
            heredoc: Some(h), ..
        } = &self.tokens[idx].kind
        {
            let message = format!("here-document not terminated by {:?}", h.delimiter);
            self.issues.push(Issue {
                line: self.tokens[idx].line,
                message,
            });
        }
    }

    /// Reads one word starting at the cursor.
    fn word(&mut self, start: usize, line: usize) {
        let s = self.sc.s;
        while let Some(c) = self.sc.at(0) {
            match c {
                b'\\' => {
                    self.sc.i += 1;
                    if self.sc.at(0).is_some() {
                        self.sc.bump();
                    }
                }
                b'\'' => self.sc.single(),
                b'"' => self.sc.double(),
                b'`' => self.sc.backtick(),
                b'$' => match self.sc.at(1) {
                    Some(b'(') => self.sc.dollar_paren(),
                    Some(b'{') => self.sc.brace(),
                    Some(b'\'') => self.sc.ansi_c(),
                    _ => self.sc.i += 1,
                },
                b'=' if self.sc.at(1) == Some(b'(')
                    && assignment_prefix(&self.src[start..=self.sc.i]).is_some() =>
                {
                    self.sc.i += 1;
                    self.sc.paren_group("unterminated array");
                }
                b'<' | b'>' => {
                    if let Some(n) = placeholder_len(s, self.sc.i) {
                        self.sc.i += n;
                    } else if self.sc.i == start && self.sc.at(1) == Some(b'(') {
                        self.sc.i += 1;
                        self.sc.paren_group("unterminated process substitution");
                    } else {
                        break;
                    }
                }
                b' ' | b'\t' | b'\r' | b'\n' | b'|' | b'&' | b';' | b'(' | b')' => break,
                _ => self.sc.i += 1,
            }
        }
        if self.sc.i == start {
            // Nothing consumed (cannot happen, but never loop forever).
            self.sc.bump();
        }
        // Keep the cursor on a char boundary.
        while self.sc.i < self.src.len() && !self.src.is_char_boundary(self.sc.i) {
            self.sc.i += 1;
        }
        self.push(TokKind::Word, start, line);
    }

    /// Reads a redirection operator at the cursor (and, for a
    /// here-document, its delimiter).
    fn redirect(&mut self, start: usize, line: usize) {
        let s = self.sc.s;
        let rest = &s[self.sc.i..];
        let (op, len) = if rest.starts_with(b"&>>") {
            (RedirectOp::OutErrAppend, 3)
        } else if rest.starts_with(b"&>") {
            (RedirectOp::OutErr, 2)
        } else if rest.starts_with(b">>") {
            (RedirectOp::Append, 2)
        } else if rest.starts_with(b">|") {
            (RedirectOp::Out, 2)
        } else if rest.starts_with(b">&") || rest.starts_with(b"<&") {
            (RedirectOp::Dup, 2)
        } else if rest.starts_with(b"<<<") {
            (RedirectOp::HereString, 3)
        } else if rest.starts_with(b"<<-") {
            (RedirectOp::HereDoc, 3)
        } else if rest.starts_with(b"<<") {
            (RedirectOp::HereDoc, 2)
        } else if rest.starts_with(b"<>") {
            (RedirectOp::ReadWrite, 2)
        } else if rest.starts_with(b">") {
            (RedirectOp::Out, 1)
        } else {
            (RedirectOp::In, 1)
        };
        let strip_tabs = op == RedirectOp::HereDoc && len == 3;
        self.sc.i += len;
        // `2>`: the word just before, glued to the operator, is the fd.
        let mut fd = None;
        let mut tok_start = start;
        if let Some(prev) = self.tokens.last()
            && matches!(prev.kind, TokKind::Word)
            && prev.end == start
            && self.src[prev.start..prev.end]
                .bytes()
                .all(|b| b.is_ascii_digit())
            && let Ok(n) = self.src[prev.start..prev.end].parse::<u32>()
        {
            fd = Some(n);
            tok_start = prev.start;
            self.tokens.pop();
        }
        let mut heredoc = None;
        if op == RedirectOp::HereDoc {
            while matches!(self.sc.at(0), Some(b' ' | b'\t')) {
                self.sc.i += 1;
            }
            let wstart = self.sc.i;
            let wline = self.sc.line;
            if self.sc.at(0).is_some_and(|c| !b"\n;|&()<>".contains(&c)) {
                self.word(wstart, wline);
                self.tokens.pop();
            }
            let raw = &self.src[wstart..self.sc.i.min(self.src.len())];
            heredoc = Some(HereDoc {
                delimiter: unquote(raw),
                quoted: raw.contains(['\'', '"', '\\']),
                strip_tabs,
                body: String::new(),
                terminated: false,
            });
        }
        let is_heredoc = heredoc.is_some();
        self.push(TokKind::Redirect { fd, op, heredoc }, tok_start, line);
        if is_heredoc {
            self.pending.push(self.tokens.len() - 1);
        }
    }

    /// After a newline: reads the bodies of the here-documents opened on
    /// the line that just ended.
    fn heredoc_bodies(&mut self) {
        for idx in std::mem::take(&mut self.pending) {
            let (delim, strip) = match &self.tokens[idx].kind {
                TokKind::Redirect {
                    heredoc: Some(h), ..
                } => (h.delimiter.clone(), h.strip_tabs),
                _ => continue,
            };
            let mut body = String::new();
            let mut terminated = false;
            let mut last_line = self.sc.line;
            while self.sc.i < self.src.len() {
                let from = self.sc.i;
                last_line = self.sc.line;
                let eol = self.src[from..]
                    .find('\n')
                    .map_or(self.src.len(), |n| from + n);
                let text = self.src[from..eol].trim_end_matches('\r');
                self.sc.i = eol;
                if self.sc.i < self.src.len() {
                    self.sc.bump();
                }
                let text = if strip {
                    text.trim_start_matches('\t')
                } else {
                    text
                };
                if text.trim() == delim {
                    terminated = true;
                    break;
                }
                body.push_str(text);
                body.push('\n');
            }
            let end_line = last_line;
            let tok = &mut self.tokens[idx];
            tok.end_line = end_line;
            if let TokKind::Redirect {
                heredoc: Some(h), ..
            } = &mut tok.kind
            {
                h.body = body;
                h.terminated = terminated;
            }
            if !terminated {
                self.unterminated_heredoc(idx);
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Parser: tokens → commands.

/// A word as written, with where it is.
struct RawWord {
    raw: String,
    line: usize,
}

enum Part {
    Word(RawWord),
    /// A redirection and the command substitutions in its target.
    Redirect(Redirect, Vec<String>),
    /// A redirection still waiting for its target word.
    Open(Option<u32>, RedirectOp),
}

struct Parser<'a> {
    src: &'a str,
    commands: Vec<Command>,
    comments: Vec<Comment>,
    control_flow: bool,
    issues: Vec<Issue>,
    /// The stage being read: parts plus span.
    stage: Vec<(Part, usize, usize, usize, usize)>,
    /// Finished stages of the current pipeline.
    pipeline: Vec<(Stage, usize, usize, usize)>,
    /// Comments seen while the current command was open (same line).
    open_comments: Vec<Comment>,
}

/// Keywords that may precede a command in the same stage.
const PREFIX_KEYWORDS: &[&str] = &[
    "if", "then", "else", "elif", "do", "while", "until", "!", "{", "time",
];
/// Keywords that close a construct.
const CLOSING_KEYWORDS: &[&str] = &["fi", "done", "esac", "}"];

impl Parser<'_> {
    fn token(&mut self, tok: Tok) {
        let Tok {
            kind,
            start,
            end,
            line,
            end_line,
        } = tok;
        match kind {
            TokKind::Word => {
                let raw = normalize(&self.src[start..end]);
                if let Some((part, _, e, _, el)) = self.stage.last_mut()
                    && let Part::Open(fd, op) = *part
                {
                    *part = Part::Redirect(
                        Redirect {
                            fd,
                            op,
                            target: unquote(&raw),
                            heredoc: None,
                        },
                        substitutions(&raw),
                    );
                    *e = end;
                    *el = end_line;
                } else {
                    self.stage.push((
                        Part::Word(RawWord { raw, line }),
                        start,
                        end,
                        line,
                        end_line,
                    ));
                }
            }
            TokKind::Redirect { fd, op, heredoc } => {
                self.close_open_redirect();
                let part = match heredoc {
                    Some(h) => Part::Redirect(
                        Redirect {
                            fd,
                            op,
                            target: h.delimiter.clone(),
                            heredoc: Some(h),
                        },
                        Vec::new(),
                    ),
                    None => Part::Open(fd, op),
                };
                self.stage.push((part, start, end, line, end_line));
            }
            TokKind::Comment { text, inline } => {
                let c = Comment { line, text, inline };
                self.comments.push(c.clone());
                if !self.stage.is_empty() || !self.pipeline.is_empty() {
                    self.open_comments.push(c);
                } else if let Some(last) = self.commands.last_mut() {
                    last.trailing_comments.push(c);
                }
            }
            TokKind::Op(op) => match op {
                Op::Pipe => self.finish_stage(),
                Op::And => self.finish_command(Some(Connector::And), false),
                Op::Or => self.finish_command(Some(Connector::Or), false),
                Op::Semi => self.finish_command(Some(Connector::Semicolon), false),
                Op::Amp => self.finish_command(None, true),
                Op::Open | Op::Close | Op::Newline => self.finish_command(None, false),
            },
        }
    }

    fn close_open_redirect(&mut self) {
        if let Some((Part::Open(..), _, _, line, _)) = self.stage.last() {
            let line = *line;
            self.issues.push(Issue {
                line,
                message: "redirection without a target".into(),
            });
            self.stage.pop();
        }
    }

    fn finish_stage(&mut self) {
        self.close_open_redirect();
        let parts = std::mem::take(&mut self.stage);
        let Some(first) = parts.first() else {
            return;
        };
        let start = first.1;
        let line = first.3;
        let end = parts.iter().map(|p| p.2).max().unwrap_or(start);
        let end_line = parts.iter().map(|p| p.4).max().unwrap_or(line);
        let text = normalize(&self.src[start..end]);
        let mut words = Vec::new();
        let mut redirects = Vec::new();
        let mut target_subs = Vec::new();
        for (p, ..) in parts {
            match p {
                Part::Word(w) => words.push(w),
                Part::Redirect(r, subs) => {
                    redirects.push(r);
                    target_subs.extend(subs);
                }
                Part::Open(..) => {}
            }
        }
        let mut stage = build_stage(line, text, words, redirects, &mut self.control_flow);
        stage.substitutions.extend(target_subs);
        if stage.argv.is_empty()
            && stage.defines.is_empty()
            && stage.env.is_empty()
            && stage.redirects.is_empty()
        {
            // Only keywords (`then`, `done`, `fi`): nothing to run.
            return;
        }
        self.pipeline.push((stage, start, end, end_line));
    }

    fn finish_command(&mut self, connector: Option<Connector>, background: bool) {
        self.finish_stage();
        let stages = std::mem::take(&mut self.pipeline);
        let comments = std::mem::take(&mut self.open_comments);
        let Some(first) = stages.first() else {
            // An operator with nothing before it: give its comments to the
            // previous command.
            if let Some(last) = self.commands.last_mut() {
                if background {
                    last.background = true;
                }
                last.trailing_comments.extend(comments);
            }
            return;
        };
        let start = first.1;
        let line = first.0.line;
        let end = stages.iter().map(|s| s.2).max().unwrap_or(start);
        let end_line = stages.iter().map(|s| s.3).max().unwrap_or(line);
        self.commands.push(Command {
            line,
            end_line,
            text: normalize(&self.src[start..end]),
            stages: stages.into_iter().map(|s| s.0).collect(),
            connector,
            background,
            trailing_comments: comments,
        });
    }
}

/// Joins continuation lines: a backslash-newline and the indentation after
/// it become one space.
fn normalize(s: &str) -> String {
    if !s.contains("\\\n") && !s.contains("\\\r\n") {
        return s.trim().to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find('\\') {
        let after = &rest[at + 1..];
        let nl = if after.starts_with('\n') {
            Some(1)
        } else if after.starts_with("\r\n") {
            Some(2)
        } else {
            None
        };
        match nl {
            Some(n) => {
                out.push_str(rest[..at].trim_end());
                out.push(' ');
                rest = after[n..].trim_start_matches([' ', '\t']);
            }
            None => {
                let take = at + 1 + after.chars().next().map_or(0, char::len_utf8);
                out.push_str(&rest[..take]);
                rest = &rest[take..];
            }
        }
    }
    out.push_str(rest);
    out.trim().to_string()
}

fn make_assignment(raw: &str) -> Option<Assignment> {
    let (name, at) = assignment_prefix(raw)?;
    let raw_value = raw[at..].to_string();
    Some(Assignment {
        name: name.to_string(),
        value: unquote(&raw_value),
        capture: whole_substitution(&raw_value),
        raw_value,
    })
}

fn build_stage(
    line: usize,
    text: String,
    words: Vec<RawWord>,
    redirects: Vec<Redirect>,
    control_flow: &mut bool,
) -> Stage {
    let mut i = 0;
    let mut keywords = Vec::new();
    let mut defines = Vec::new();
    let mut env = Vec::new();
    let line = words.first().map_or(line, |w| w.line);
    // Leading keywords.
    while let Some(w) = words.get(i) {
        let k = w.raw.as_str();
        if PREFIX_KEYWORDS.contains(&k) || CLOSING_KEYWORDS.contains(&k) {
            if k != "time" && k != "!" {
                *control_flow = true;
            }
            keywords.push(k.to_string());
            i += 1;
            if k == "time" && words.get(i).is_some_and(|w| w.raw == "-p") {
                i += 1;
            }
            continue;
        }
        if matches!(k, "for" | "case" | "select" | "function") {
            *control_flow = true;
            keywords.push(k.to_string());
            if k != "case"
                && let Some(var) = words.get(i + 1)
                && assignment_prefix(&format!("{}=", var.raw)).is_some()
                && k != "function"
            {
                let list: Vec<&str> = words[i + 2..].iter().map(|w| w.raw.as_str()).collect();
                let list = list
                    .strip_prefix(&["in"][..])
                    .map(|l| l.join(" "))
                    .unwrap_or_default();
                defines.push(Assignment {
                    name: var.raw.clone(),
                    value: unquote(&list),
                    raw_value: list,
                    capture: None,
                });
            }
            i = words.len();
            break;
        }
        break;
    }
    // Assignment prefixes.
    while let Some(w) = words.get(i) {
        match make_assignment(&w.raw) {
            Some(a) => {
                env.push(a);
                i += 1;
            }
            None => break,
        }
    }
    let raw_argv: Vec<String> = words[i..].iter().map(|w| w.raw.clone()).collect();
    let argv: Vec<String> = raw_argv.iter().map(|w| unquote(w)).collect();
    if argv.is_empty() {
        defines.append(&mut env);
    }
    match argv.first().map(String::as_str) {
        Some("export" | "declare" | "typeset" | "local" | "readonly") => {
            defines.extend(
                raw_argv[1..]
                    .iter()
                    .filter(|w| !w.starts_with('-'))
                    .filter_map(|w| make_assignment(w)),
            );
        }
        Some("read") => {
            let mut j = 1;
            while let Some(a) = argv.get(j) {
                if matches!(a.as_str(), "-p" | "-t" | "-d" | "-n" | "-N" | "-u" | "-i") {
                    j += 2;
                } else if a.starts_with('-') {
                    j += 1;
                } else {
                    if assignment_prefix(&format!("{a}=")).is_some() {
                        defines.push(Assignment {
                            name: a.clone(),
                            value: String::new(),
                            raw_value: String::new(),
                            capture: None,
                        });
                    }
                    j += 1;
                }
            }
        }
        _ => {}
    }
    let substitutions = words.iter().flat_map(|w| substitutions(&w.raw)).collect();
    Stage {
        line,
        text,
        keywords,
        env,
        defines,
        argv,
        raw_argv,
        redirects,
        substitutions,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmds(s: &str) -> Vec<Command> {
        split_script(s).commands
    }

    fn argv(c: &Command) -> Vec<&str> {
        c.head().argv.iter().map(String::as_str).collect()
    }

    #[test]
    fn seed_000_health_checks_with_expectations() {
        let s = split_script(
            "# Health endpoint\ncurl -f https://staging-api.yourdomain.com/health\n# Expected: 200 OK with {\"status\": \"healthy\"}\n\n# Version endpoint  \ncurl https://staging-api.yourdomain.com/version\n# Expected: {\"version\": \"8.0.0\", \"build\": \"staging\"}\n",
        );
        assert_eq!(s.commands.len(), 2);
        let c = &s.commands[0];
        assert_eq!(c.line, 2);
        assert_eq!(
            argv(c),
            ["curl", "-f", "https://staging-api.yourdomain.com/health"]
        );
        assert_eq!(
            c.trailing_comments
                .iter()
                .map(|c| c.text.as_str())
                .collect::<Vec<_>>(),
            [
                "Expected: 200 OK with {\"status\": \"healthy\"}",
                "Version endpoint"
            ]
        );
        assert_eq!(s.commands[1].line, 6);
        assert_eq!(s.commands[1].trailing_comments[0].line, 7);
        assert_eq!(s.comments.len(), 4);
        assert!(s.issues.is_empty());
    }

    #[test]
    fn continuations_join_and_keep_first_line() {
        // Seed 000, Scientific Computing Routes.
        let s = "# XTB quantum calculations\ncurl -X POST https://staging-api.yourdomain.com/xtb/v1 \\\n  -H \"Authorization: Bearer $TOKEN\" \\\n  -H \"Content-Type: application/json\" \\\n  -d '{\"molecule\": \"H2O\", \"method\": \"GFN2-xTB\"}'\n\n# Psi4\ncurl -X POST https://x/psi4/v1\n";
        let c = cmds(s);
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].line, 2);
        assert_eq!(c[0].end_line, 5);
        assert_eq!(
            c[0].text,
            "curl -X POST https://staging-api.yourdomain.com/xtb/v1 -H \"Authorization: Bearer $TOKEN\" -H \"Content-Type: application/json\" -d '{\"molecule\": \"H2O\", \"method\": \"GFN2-xTB\"}'"
        );
        assert_eq!(
            argv(&c[0]),
            [
                "curl",
                "-X",
                "POST",
                "https://staging-api.yourdomain.com/xtb/v1",
                "-H",
                "Authorization: Bearer $TOKEN",
                "-H",
                "Content-Type: application/json",
                "-d",
                "{\"molecule\": \"H2O\", \"method\": \"GFN2-xTB\"}"
            ]
        );
        assert_eq!(c[1].line, 8);
    }

    #[test]
    fn operators_split_outside_quotes() {
        // Seed 001, Code Sync.
        let c = cmds(
            "git checkout main && git pull origin main\ngit status  # Ensure clean working directory\n",
        );
        assert_eq!(c.len(), 3);
        assert_eq!(c[0].connector, Some(Connector::And));
        assert_eq!(argv(&c[1]), ["git", "pull", "origin", "main"]);
        assert_eq!(c[1].connector, None);
        assert_eq!(
            c[2].trailing_comments[0].text,
            "Ensure clean working directory"
        );
        assert!(c[2].trailing_comments[0].inline);
        let c = cmds("echo 'a && b; c | d' || echo \"x;y\"; true");
        assert_eq!(c.len(), 3);
        assert_eq!(c[0].head().argv[1], "a && b; c | d");
        assert_eq!(c[0].connector, Some(Connector::Or));
        assert_eq!(c[1].connector, Some(Connector::Semicolon));
    }

    #[test]
    fn pipelines_keep_their_stages() {
        // Seed 001, Secrets Verification.
        let c = cmds(
            "kubectl get secret nox-api-secrets -n nox-staging-green -o yaml | grep -E \"(GOOGLE|GITHUB|MICROSOFT)_CLIENT\"",
        );
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].stages.len(), 2);
        assert_eq!(c[0].head().program(), Some("kubectl"));
        assert_eq!(
            c[0].piped_into()[0].argv,
            ["grep", "-E", "(GOOGLE|GITHUB|MICROSOFT)_CLIENT"]
        );
        let c = cmds("curl -s https://x/health | jq '.status' |& tee out.txt");
        assert_eq!(c[0].stages.len(), 3);
        assert_eq!(c[0].stages[1].argv, ["jq", ".status"]);
    }

    #[test]
    fn heredocs_belong_to_their_command() {
        let s = split_script(
            "psql -d db <<EOF\nSELECT 1;\n# not a comment; && not an operator\nEOF\ncat <<'END' > out.txt\n  $HOME stays\nEND\nkubectl apply -f - <<-EOF\n\tkind: Pod\n\tEOF\necho done\n",
        );
        let c = &s.commands;
        assert_eq!(c.len(), 4, "{c:#?}");
        let h = c[0].head().heredocs().next().unwrap();
        assert_eq!(h.delimiter, "EOF");
        assert_eq!(h.body, "SELECT 1;\n# not a comment; && not an operator\n");
        assert!(!h.quoted && h.terminated);
        assert_eq!(c[0].end_line, 4);
        let h = c[1].head().heredocs().next().unwrap();
        assert!(h.quoted);
        assert_eq!(h.body, "  $HOME stays\n");
        assert_eq!(c[1].head().written_files(), ["out.txt"]);
        let h = c[2].head().heredocs().next().unwrap();
        assert!(h.strip_tabs);
        assert_eq!(h.body, "kind: Pod\n");
        assert_eq!(c[3].line, 11);
        assert!(s.comments.is_empty());
        let s = split_script("cat <<EOF\nnever ends\n");
        assert_eq!(s.issues.len(), 1);
    }

    #[test]
    fn assignments_exports_and_captures() {
        // Seed 001, Automated Validation.
        let c = cmds(
            "export BASE_URL=\"https://staging-api.yourdomain.com\"\nexport NAMESPACE=\"nox-staging-green\"\n\n./scripts/validate_staging.sh\n",
        );
        assert_eq!(c[0].head().defines[0].name, "BASE_URL");
        assert_eq!(
            c[0].head().defines[0].value,
            "https://staging-api.yourdomain.com"
        );
        assert_eq!(c[2].head().program(), Some("validate_staging.sh"));
        // Seed 001, Performance Verification.
        let c = cmds("SKIP_LOAD_TEST=false LOAD_TEST_DURATION=5m ./scripts/validate_staging.sh");
        let st = c[0].head();
        assert_eq!(st.env.len(), 2);
        assert_eq!(st.env[1].name, "LOAD_TEST_DURATION");
        assert!(st.defines.is_empty());
        assert_eq!(st.argv, ["./scripts/validate_staging.sh"]);
        // Seed 003, Stream creation workflow.
        let c = cmds(
            "STREAM_ID=$(curl -s -X POST \"https://staging-api.nova-social.io/api/v1/streams\" \\\n  -H \"Authorization: Bearer $JWT_TOKEN\" \\\n  -H \"Content-Type: application/json\" \\\n  -d '{\"title\": \"Test\", \"description\": \"Testing\"}' | jq -r '.id')\n",
        );
        assert_eq!(c.len(), 1);
        let d = &c[0].head().defines[0];
        assert_eq!(d.name, "STREAM_ID");
        assert!(d.capture.as_deref().unwrap().starts_with("curl -s -X POST"));
        assert!(d.capture.as_deref().unwrap().ends_with("| jq -r '.id'"));
        assert!(c[0].head().argv.is_empty());
        let c = cmds("PORT_FORWARD_PID=$!\nX=`date`\nexport TOKEN=\"$(get-token)\"");
        assert_eq!(c[0].head().defines[0].value, "$!");
        assert_eq!(c[1].head().defines[0].capture.as_deref(), Some("date"));
        assert_eq!(c[2].head().defines[0].capture.as_deref(), Some("get-token"));
    }

    #[test]
    fn substitutions_inside_words_do_not_split() {
        // Seed 000, Database Migration.
        let c = cmds("pg_dump nox_staging > backup_pre_v8.0.0_$(date +%Y%m%d_%H%M%S).sql");
        assert_eq!(c.len(), 1);
        let st = c[0].head();
        assert_eq!(st.argv, ["pg_dump", "nox_staging"]);
        assert_eq!(
            st.written_files(),
            ["backup_pre_v8.0.0_$(date +%Y%m%d_%H%M%S).sql"]
        );
        assert_eq!(st.substitutions, ["date +%Y%m%d_%H%M%S"]);
    }

    #[test]
    fn redirects() {
        let c = cmds("psql -d nox_staging < /migrations/v8_to_v8.0.0.sql");
        assert_eq!(
            c[0].head().stdin_file(),
            Some("/migrations/v8_to_v8.0.0.sql")
        );
        assert_eq!(c[0].head().argv, ["psql", "-d", "nox_staging"]);
        let c = cmds("cargo build --all 2>&1 | grep warning");
        let st = c[0].head();
        assert_eq!(st.redirects[0].fd, Some(2));
        assert_eq!(st.redirects[0].op, RedirectOp::Dup);
        assert!(st.written_files().is_empty());
        assert_eq!(st.argv, ["cargo", "build", "--all"]);
        let c = cmds("time curl -s https://app.toolboxai.com/api/v1/health > /dev/null");
        assert_eq!(c[0].head().keywords, ["time"]);
        assert!(c[0].head().stdout_discarded());
        assert!(c[0].head().written_files().is_empty());
        let c = cmds("echo hi >>log.txt 2>/dev/null &>all.txt");
        assert_eq!(c[0].head().written_files(), ["log.txt", "all.txt"]);
    }

    #[test]
    fn placeholders_are_words_not_redirections() {
        // Seed 003, Deploy Redis.
        let c = cmds("redis-cli -h <redis-host> ping");
        assert_eq!(
            c[0].head().argv,
            ["redis-cli", "-h", "<redis-host>", "ping"]
        );
        assert!(c[0].head().redirects.is_empty());
        let c = cmds("curl http://<clickhouse-host>:8123/?query=SELECT%201");
        assert_eq!(
            c[0].head().argv[1],
            "http://<clickhouse-host>:8123/?query=SELECT%201"
        );
        // Seed 002.
        let c = cmds("kubectl describe pod [POD_NAME] -n toolboxai");
        assert_eq!(c[0].head().argv[3], "[POD_NAME]");
    }

    #[test]
    fn control_flow_and_arrays() {
        // Seed 002, Quick Health Check.
        let s = split_script(
            "#!/bin/bash\n# Quick health check script\n\necho \"Checking service health...\"\n\nservices=(\n  \"https://app.toolboxai.com/health\"\n  \"http://localhost:9090/-/healthy\"  # Prometheus\n)\n\nfor service in \"${services[@]}\"; do\n  if curl -f -s \"$service\" > /dev/null; then\n    echo \"✓ $service\"\n  else\n    echo \"✗ $service\"\n  fi\ndone\n",
        );
        assert_eq!(s.shebang.as_deref(), Some("/bin/bash"));
        assert!(s.control_flow);
        let heads: Vec<Option<&str>> = s.commands.iter().map(|c| c.head().program()).collect();
        assert_eq!(
            heads,
            [
                Some("echo"),
                None,
                None,
                Some("curl"),
                Some("echo"),
                Some("echo")
            ]
        );
        assert_eq!(s.commands[1].head().defines[0].name, "services");
        assert_eq!(s.commands[2].head().defines[0].name, "service");
        assert_eq!(s.commands[3].head().keywords, ["if"]);
        assert_eq!(s.commands[3].line, 12);
        assert_eq!(s.comments[0].text, "Quick health check script");
        // `# Prometheus` lives inside the array: not a separate comment.
        assert_eq!(s.comments.len(), 1);
    }

    #[test]
    fn background_and_multiline_quotes() {
        // Seed 001, Smoke Test on Green.
        let c = cmds(
            "kubectl port-forward svc/nox-api-service-green 8080:80 -n nox-production-green &\nPORT_FORWARD_PID=$!\n",
        );
        assert!(c[0].background);
        assert_eq!(c[1].line, 2);
        // Seed 002, Performance Benchmark.
        let c = cmds(
            "docker compose exec postgres psql -c \"\n  SELECT query, mean_exec_time, calls\n  FROM pg_stat_statements\n  LIMIT 10;\n\"\necho after",
        );
        assert_eq!(c.len(), 2);
        assert!(c[0].head().argv[6].contains("FROM pg_stat_statements"));
        assert_eq!(c[0].end_line, 5);
        assert_eq!(c[1].line, 6);
    }

    #[test]
    fn ansi_c_quotes_and_escapes() {
        assert_eq!(unquote(r"$'a\nb\t\x41\u00e9\'q'"), "a\nb\tAé'q");
        assert_eq!(unquote(r#""a \"b\" \$c \d""#), r#"a "b" $c \d"#);
        assert_eq!(unquote(r"a\ b"), "a b");
        assert_eq!(unquote(r#""$(echo "x y")"z"#), r#"$(echo "x y")z"#);
        let c = cmds(r"printf $'one\ttwo' | wc -c");
        assert_eq!(c[0].head().argv[1], "one\ttwo");
        assert_eq!(c[0].stages.len(), 2);
    }

    #[test]
    fn comments_need_a_word_start() {
        let c = cmds("echo a#b ${#X} \"# no\" # yes");
        assert_eq!(c[0].head().argv, ["echo", "a#b", "${#X}", "# no"]);
        assert_eq!(c[0].trailing_comments[0].text, "yes");
        // An apostrophe in a comment opens no quote.
        let c = cmds("# Don't forget\ncurl https://x/\n");
        assert_eq!(c.len(), 1);
    }

    #[test]
    fn agrees_with_shell_words_on_plain_words() {
        for s in [
            r#"curl -H "Authorization: Bearer $TOKEN" 'https://x/a b' c\ d "e\"f" ''"#,
            r#"kubectl patch ingress x -p '{"spec":{"rules":[]}}'"#,
            "a\\\n  b",
        ] {
            let ours: Vec<String> = cmds(s)[0].head().argv.clone();
            assert_eq!(ours, shell_words::split(s).unwrap(), "{s}");
        }
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,300}") {
            let _ = split_script(&s);
        }

        #[test]
        fn never_panics_on_shell_soup(s in "[a-z$'\"`\\\\(){}<>|&;#= \\n-]{0,120}") {
            let script = split_script(&s);
            for c in &script.commands {
                proptest::prop_assert!(c.line >= 1 && c.end_line >= c.line);
            }
        }

        #[test]
        fn plain_words_match_shell_words(words in proptest::collection::vec("[a-zA-Z0-9 ./:=_\"'-]{1,12}", 1..6)) {
            let line = format!("cmd {}", words.iter().map(|w| shell_words::quote(w).into_owned()).collect::<Vec<_>>().join(" "));
            if let Ok(expected) = shell_words::split(&line) {
                let script = split_script(&line);
                proptest::prop_assert_eq!(&script.commands[0].head().argv, &expected);
            }
        }
    }
}
