//! A bash lexer and parser made for judging scripts, not running them: it
//! finds every simple command (in lists, pipelines, subshells, groups,
//! control-flow bodies and function bodies) with its words and
//! redirections, and every substitution (`$(…)`, backticks, `<(…)`,
//! `>(…)`, expanding here-documents), which it parses in turn. Anything it
//! does not understand is an error, never a guess; it never panics and runs
//! in time linear in the text (times the nesting depth, which is bounded).
//!
//! Hand-written rather than built on `brush-parser`: the classifier needs
//! word-level facts a full AST does not keep (which characters of a word are
//! literal, whether it can turn into an option at run time, what feeds a
//! command's input), must treat every unsupported construct as an error,
//! and should not add a PEG parser to a 2-core build.

use thiserror::Error;

/// Substitutions nested deeper than this are refused.
pub const MAX_DEPTH: usize = 24;

/// Why a text is not understood as shell.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum ParseError {
    #[error("unterminated {0}")]
    Unterminated(&'static str),
    #[error("substitutions nested deeper than {MAX_DEPTH}")]
    TooDeep,
    #[error("unexpected `{0}`")]
    Unexpected(String),
    #[error("a redirection without a target")]
    MissingTarget,
}

/// One shell word after quote removal. Expansions stay as their source
/// text (`$HOST`, `$(…)`), so `text` is what a reader sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub text: String,
    /// No expansion, glob or brace expansion anywhere: the shell passes
    /// `text` exactly.
    pub literal: bool,
    /// The first character is literal text, so the word cannot turn into
    /// an option (`-i`) at run time.
    pub lead_literal: bool,
    /// `NAME=value` (or `NAME+=value`) with the name unquoted.
    pub assignment: bool,
    /// Some part was quoted or escaped.
    pub quoted: bool,
}

impl Word {
    /// A word that is exactly `text`.
    pub fn plain(text: &str) -> Word {
        Word {
            text: text.to_string(),
            literal: true,
            lead_literal: true,
            assignment: false,
            quoted: false,
        }
    }

    fn empty() -> Word {
        Word {
            text: String::new(),
            literal: true,
            lead_literal: true,
            assignment: false,
            quoted: false,
        }
    }
}

/// What a redirection does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedirKind {
    /// `<` file.
    Read,
    /// `>`, `>>`, `>|`, `&>`, `&>>`, `>&file`: writes a file.
    Write,
    /// `<>`: opens for reading and writing (creates the file).
    ReadWrite,
    /// `2>&1`, `<&3`, `>&-`.
    Dup,
    /// `<<EOF`, `<<-EOF`.
    HereDoc,
    /// `<<< word`.
    HereString,
}

/// One redirection of a simple command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    pub kind: RedirKind,
    /// The operator as written, with its fd (`2>`, `&>>`).
    pub op: String,
    pub target: Word,
}

/// A simple command: words and redirections.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Simple {
    pub words: Vec<Word>,
    pub redirects: Vec<Redirect>,
    /// After `|`: the words of the command that feeds it (empty when that
    /// is a compound command, `done |`, `) |`).
    pub piped_from: Option<Vec<String>>,
}

/// A substitution's source text and its own parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Substitution {
    pub text: String,
    pub script: Script,
}

/// Everything a script would run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Script {
    pub commands: Vec<Simple>,
    pub substitutions: Vec<Substitution>,
    /// Names of the functions the script defines.
    pub functions: Vec<String>,
}

/// Parses a script.
pub fn parse(text: &str) -> Result<Script, ParseError> {
    let mut chars: Vec<char> = Vec::with_capacity(text.len());
    chars.extend(text.chars());
    parse_chars(&chars, 0)
}

fn parse_chars(chars: &[char], depth: usize) -> Result<Script, ParseError> {
    let mut lx = Lexer::new(chars, 0, depth)?;
    let toks = lx.lex(false)?;
    lx.into_script(toks)
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Word(Word),
    Op(&'static str),
    Redir(Redirect),
}

struct Pending {
    delim: String,
    strip_tabs: bool,
    expand: bool,
}

struct Lexer<'a> {
    s: &'a [char],
    i: usize,
    depth: usize,
    subs: Vec<Substitution>,
    heredocs: Vec<Pending>,
    cmd_start: bool,
    dbl_bracket: bool,
    after_for: bool,
    case_depth: usize,
    case_wants_in: bool,
    case_pattern: bool,
}

const RESERVED_THEN_COMMAND: &[&str] = &[
    "if", "then", "elif", "else", "do", "while", "until", "!", "{", "time", "}", "fi", "done",
    "esac",
];

impl<'a> Lexer<'a> {
    fn new(s: &'a [char], i: usize, depth: usize) -> Result<Self, ParseError> {
        if depth > MAX_DEPTH {
            return Err(ParseError::TooDeep);
        }
        Ok(Lexer {
            s,
            i,
            depth,
            subs: Vec::new(),
            heredocs: Vec::new(),
            cmd_start: true,
            dbl_bracket: false,
            after_for: false,
            case_depth: 0,
            case_wants_in: false,
            case_pattern: false,
        })
    }

    fn peek(&self) -> Option<char> {
        self.s.get(self.i).copied()
    }

    fn at(&self, k: usize) -> Option<char> {
        self.s.get(self.i + k).copied()
    }

    fn into_script(self, toks: Vec<Tok>) -> Result<Script, ParseError> {
        let mut functions = Vec::new();
        let commands = group(toks, &mut functions)?;
        Ok(Script {
            commands,
            substitutions: self.subs,
            functions,
        })
    }

    /// Tokens up to the end, or (inside `$(…)`/`<(…)`) up to the `)`
    /// that closes it.
    fn lex(&mut self, close_paren: bool) -> Result<Vec<Tok>, ParseError> {
        let mut toks = Vec::new();
        let mut paren = 0usize;
        loop {
            if self.case_pattern {
                self.case_pattern_skip(&mut toks)?;
                continue;
            }
            let Some(c) = self.peek() else {
                if close_paren {
                    return Err(ParseError::Unterminated("`$(`"));
                }
                return Ok(toks);
            };
            match c {
                ' ' | '\t' | '\r' => self.i += 1,
                '\n' => {
                    self.i += 1;
                    self.dbl_bracket = false;
                    self.cmd_start = true;
                    toks.push(Tok::Op("\n"));
                    self.heredoc_bodies()?;
                }
                '\\' if self.at(1) == Some('\n') => self.i += 2,
                '#' => {
                    while self.peek().is_some_and(|c| c != '\n') {
                        self.i += 1;
                    }
                }
                ')' if close_paren && paren == 0 && !self.dbl_bracket => {
                    self.i += 1;
                    return Ok(toks);
                }
                '(' if (self.cmd_start || self.after_for)
                    && self.at(1) == Some('(')
                    && !self.dbl_bracket =>
                {
                    self.i += 2;
                    let mut scratch = Word::empty();
                    self.arithmetic(&mut scratch)?;
                    self.after_for = false;
                    self.cmd_start = false;
                    toks.push(Tok::Word(Word::plain("((")));
                }
                '&' | '|' if self.dbl_bracket && self.at(1) == Some(c) => {
                    // `&&`, `||` inside `[[ … ]]`.
                    self.i += 2;
                    toks.push(Tok::Word(Word::plain(if c == '&' { "&&" } else { "||" })));
                }
                '(' | ')' | '<' | '>' if !self.dbl_bracket => {
                    self.operator(&mut toks, &mut paren, None)?;
                }
                '|' | '&' | ';' => self.operator(&mut toks, &mut paren, None)?,
                _ => {
                    let w = self.word()?;
                    // `2>file`, `{fd}>file`: the word is the redirection's fd.
                    let is_fd = !w.quoted
                        && w.literal
                        && !w.text.is_empty()
                        && (w.text.chars().all(|c| c.is_ascii_digit())
                            || (w.text.starts_with('{') && w.text.ends_with('}')))
                        && matches!(self.peek(), Some('<' | '>'))
                        && !self.dbl_bracket;
                    if is_fd {
                        self.operator(&mut toks, &mut paren, Some(w.text))?;
                        continue;
                    }
                    self.after_word(&w);
                    toks.push(Tok::Word(w));
                }
            }
        }
    }

    fn after_word(&mut self, w: &Word) {
        let bare = !w.quoted && w.literal;
        if self.dbl_bracket {
            if bare && w.text == "]]" {
                self.dbl_bracket = false;
                self.cmd_start = false;
            }
            return;
        }
        self.after_for = false;
        if self.case_wants_in {
            if bare && w.text == "in" {
                self.case_wants_in = false;
                self.case_pattern = true;
            }
            return;
        }
        if self.cmd_start && bare {
            match w.text.as_str() {
                "[[" => {
                    self.dbl_bracket = true;
                    self.cmd_start = false;
                    return;
                }
                "case" => {
                    self.case_depth += 1;
                    self.case_wants_in = true;
                    self.cmd_start = false;
                    return;
                }
                "esac" => {
                    self.case_depth = self.case_depth.saturating_sub(1);
                    self.cmd_start = false;
                    return;
                }
                "for" | "select" => {
                    self.after_for = true;
                    self.cmd_start = false;
                    return;
                }
                t if RESERVED_THEN_COMMAND.contains(&t) => return,
                _ => {}
            }
        }
        if !(self.cmd_start && w.assignment) {
            self.cmd_start = false;
        }
    }

    /// In a `case`, before a body: skips the pattern up to its `)`, or
    /// ends the case at `esac`.
    fn case_pattern_skip(&mut self, toks: &mut Vec<Tok>) -> Result<(), ParseError> {
        while let Some(c) = self.peek() {
            if c.is_whitespace() || c == ';' {
                self.i += 1;
            } else if c == '#' {
                while self.peek().is_some_and(|c| c != '\n') {
                    self.i += 1;
                }
            } else {
                break;
            }
        }
        let rest_is_esac = self
            .s
            .get(self.i..)
            .is_some_and(|r| r.starts_with(&['e', 's', 'a', 'c']))
            && self
                .at(4)
                .is_none_or(|c| c.is_whitespace() || ";)&|".contains(c));
        if rest_is_esac {
            self.i += 4;
            self.case_pattern = false;
            self.case_depth = self.case_depth.saturating_sub(1);
            self.cmd_start = false;
            toks.push(Tok::Op(";"));
            return Ok(());
        }
        if self.peek().is_none() {
            self.case_pattern = false;
            return Ok(());
        }
        if self.peek() == Some('(') {
            self.i += 1;
        }
        // The pattern: words and `|` up to `)`.
        let mut scratch = Word::empty();
        loop {
            match self.peek() {
                None => return Err(ParseError::Unterminated("case pattern")),
                Some(')') => {
                    self.i += 1;
                    break;
                }
                Some('\'') => self.single_quote(&mut scratch)?,
                Some('"') => self.double_quote(&mut scratch)?,
                Some('$') => self.dollar(&mut scratch, false)?,
                Some('`') => self.backtick(&mut scratch)?,
                Some('\\') => self.i += 2,
                Some(_) => self.i += 1,
            }
        }
        self.case_pattern = false;
        self.cmd_start = true;
        toks.push(Tok::Op(";"));
        Ok(())
    }

    fn operator(
        &mut self,
        toks: &mut Vec<Tok>,
        paren: &mut usize,
        fd: Option<String>,
    ) -> Result<(), ParseError> {
        let c = self.peek().unwrap_or(' ');
        let n1 = self.at(1);
        let n2 = self.at(2);
        if matches!(c, '<' | '>') && n1 == Some('(') && fd.is_none() {
            self.i += 2;
            let w = self.nested_sub(c)?;
            self.cmd_start = false;
            toks.push(Tok::Word(w));
            return Ok(());
        }
        let redir: Option<(usize, &str, RedirKind)> = match (c, n1, n2) {
            ('<', Some('<'), Some('<')) => Some((3, "<<<", RedirKind::HereString)),
            ('<', Some('<'), Some('-')) => Some((3, "<<-", RedirKind::HereDoc)),
            ('<', Some('<'), _) => Some((2, "<<", RedirKind::HereDoc)),
            ('<', Some('&'), _) => Some((2, "<&", RedirKind::Dup)),
            ('<', Some('>'), _) => Some((2, "<>", RedirKind::ReadWrite)),
            ('<', _, _) => Some((1, "<", RedirKind::Read)),
            ('>', Some('>'), _) => Some((2, ">>", RedirKind::Write)),
            ('>', Some('|'), _) => Some((2, ">|", RedirKind::Write)),
            ('>', Some('&'), _) => Some((2, ">&", RedirKind::Dup)),
            ('>', _, _) => Some((1, ">", RedirKind::Write)),
            ('&', Some('>'), Some('>')) if fd.is_none() => Some((3, "&>>", RedirKind::Write)),
            ('&', Some('>'), _) if fd.is_none() => Some((2, "&>", RedirKind::Write)),
            _ => None,
        };
        if let Some((len, op, kind)) = redir {
            self.i += len;
            let op = format!("{}{op}", fd.unwrap_or_default());
            return self.redirect(toks, op, kind);
        }
        if let Some(fd) = fd {
            return Err(ParseError::Unexpected(fd));
        }
        let op: &'static str = match (c, n1, n2) {
            ('&', Some('&'), _) => "&&",
            ('&', _, _) => "&",
            ('|', Some('|'), _) => "||",
            ('|', Some('&'), _) => "|&",
            ('|', _, _) => "|",
            (';', Some(';'), Some('&')) => ";;&",
            (';', Some(';'), _) => ";;",
            (';', Some('&'), _) => ";&",
            (';', _, _) => ";",
            ('(', _, _) => "(",
            _ => ")",
        };
        self.i += op.len();
        match op {
            "(" => {
                *paren += 1;
                self.cmd_start = true;
            }
            ")" => {
                if *paren == 0 {
                    return Err(ParseError::Unexpected(")".into()));
                }
                *paren -= 1;
                self.cmd_start = false;
            }
            ";;" | ";;&" | ";&" => {
                self.cmd_start = true;
                if self.case_depth > 0 {
                    self.case_pattern = true;
                }
            }
            _ => self.cmd_start = true,
        }
        self.dbl_bracket = false;
        toks.push(Tok::Op(op));
        Ok(())
    }

    fn redirect(
        &mut self,
        toks: &mut Vec<Tok>,
        op: String,
        mut kind: RedirKind,
    ) -> Result<(), ParseError> {
        while matches!(self.peek(), Some(' ' | '\t')) {
            self.i += 1;
        }
        match self.peek() {
            None | Some('\n' | ';' | '|' | '&' | '<' | '>' | '(' | ')') => {
                return Err(ParseError::MissingTarget);
            }
            _ => {}
        }
        let target = self.word()?;
        match kind {
            RedirKind::HereDoc => self.heredocs.push(Pending {
                delim: target.text.clone(),
                strip_tabs: op.ends_with('-'),
                expand: !target.quoted,
            }),
            RedirKind::Dup => {
                let t = target.text.trim_end_matches('-');
                let is_fd = target.literal && t.chars().all(|c| c.is_ascii_digit());
                if !is_fd && !op.starts_with('<') {
                    // `>&file` writes the file.
                    kind = RedirKind::Write;
                }
            }
            _ => {}
        }
        toks.push(Tok::Redir(Redirect { kind, op, target }));
        Ok(())
    }

    /// Reads the bodies of the here-documents opened on the line just ended.
    fn heredoc_bodies(&mut self) -> Result<(), ParseError> {
        let pending = std::mem::take(&mut self.heredocs);
        for p in pending {
            let mut body = String::new();
            loop {
                if self.peek().is_none() {
                    break;
                }
                let start = self.i;
                while self.peek().is_some_and(|c| c != '\n') {
                    self.i += 1;
                }
                let line: String = self.s[start..self.i].iter().collect();
                if self.peek() == Some('\n') {
                    self.i += 1;
                }
                let cmp = if p.strip_tabs {
                    line.trim_start_matches('\t')
                } else {
                    line.as_str()
                };
                if cmp.trim_end_matches('\r') == p.delim {
                    break;
                }
                body.push_str(&line);
                body.push('\n');
            }
            if p.expand {
                let chars: Vec<char> = body.chars().collect();
                let mut inner = Lexer::new(&chars, 0, self.depth)?;
                let mut scratch = Word::empty();
                while let Some(c) = inner.peek() {
                    match c {
                        '\\' => inner.i += 2,
                        '$' => inner.dollar(&mut scratch, true)?,
                        '`' => inner.backtick(&mut scratch)?,
                        _ => inner.i += 1,
                    }
                }
                self.subs.append(&mut inner.subs);
            }
        }
        Ok(())
    }

    fn word(&mut self) -> Result<Word, ParseError> {
        let mut w = Word::empty();
        let mut produced = false;
        let mut plain_so_far = true;
        let mut brace_open = false;
        let mut brace_sep = false;
        let mut brace_first = false;
        while let Some(c) = self.peek() {
            if c == ' ' || c == '\t' || c == '\r' || c == '\n' || matches!(c, '|' | '&' | ';') {
                break;
            }
            if matches!(c, '<' | '>' | '(' | ')') && !self.dbl_bracket {
                if c == '('
                    && plain_so_far
                    && w.assignment
                    && w.text.ends_with('=')
                    && w.text.matches('=').count() == 1
                {
                    // `arr=(a b $(c))`
                    self.i += 1;
                    let inner = self.nested_sub('(')?;
                    w.text.push_str(&inner.text);
                    w.literal = false;
                    plain_so_far = false;
                    produced = true;
                    continue;
                }
                break;
            }
            match c {
                '\\' => {
                    self.i += 1;
                    match self.peek() {
                        Some('\n') => self.i += 1,
                        Some(n) => {
                            self.i += 1;
                            w.text.push(n);
                            w.quoted = true;
                            plain_so_far = false;
                            produced = true;
                        }
                        None => {
                            w.text.push('\\');
                            produced = true;
                        }
                    }
                }
                '\'' => {
                    self.single_quote(&mut w)?;
                    plain_so_far = false;
                    produced = true;
                }
                '"' => {
                    let before = w.text.len();
                    let lit_before = w.literal;
                    self.double_quote(&mut w)?;
                    if !produced {
                        if lit_before && !w.literal {
                            // `"$X…"`: the first character may come from an expansion.
                            w.lead_literal = false;
                        }
                        produced = w.text.len() > before || !w.literal;
                    }
                    plain_so_far = false;
                }
                '$' => {
                    let lit_before = w.literal;
                    let len_before = w.text.len();
                    self.dollar(&mut w, false)?;
                    if !produced && (lit_before && !w.literal) {
                        w.lead_literal = false;
                    }
                    if w.text.len() > len_before {
                        produced = true;
                    }
                    if !w.literal {
                        plain_so_far = false;
                    }
                }
                '`' => {
                    self.backtick(&mut w)?;
                    if !produced {
                        w.lead_literal = false;
                    }
                    produced = true;
                    plain_so_far = false;
                }
                '=' if plain_so_far && !w.assignment => {
                    let name = w.text.strip_suffix('+').unwrap_or(&w.text);
                    if is_name(name) {
                        w.assignment = true;
                    }
                    w.text.push('=');
                    self.i += 1;
                    produced = true;
                }
                '*' | '?' => {
                    w.literal = false;
                    w.text.push(c);
                    self.i += 1;
                    produced = true;
                }
                '{' => {
                    if !produced && self.at(1).is_some_and(|n| !n.is_whitespace()) {
                        brace_first = true;
                    }
                    brace_open = true;
                    w.text.push(c);
                    self.i += 1;
                    produced = true;
                }
                ',' if brace_open => {
                    brace_sep = true;
                    w.text.push(c);
                    self.i += 1;
                }
                '.' if brace_open && self.at(1) == Some('.') => {
                    brace_sep = true;
                    w.text.push_str("..");
                    self.i += 2;
                }
                '}' if brace_open && brace_sep => {
                    w.literal = false;
                    if brace_first {
                        w.lead_literal = false;
                    }
                    w.text.push(c);
                    self.i += 1;
                }
                _ => {
                    w.text.push(c);
                    self.i += 1;
                    produced = true;
                }
            }
        }
        Ok(w)
    }

    fn single_quote(&mut self, w: &mut Word) -> Result<(), ParseError> {
        self.i += 1;
        w.quoted = true;
        loop {
            match self.peek() {
                None => return Err(ParseError::Unterminated("single quote")),
                Some('\'') => {
                    self.i += 1;
                    return Ok(());
                }
                Some(c) => {
                    w.text.push(c);
                    self.i += 1;
                }
            }
        }
    }

    fn double_quote(&mut self, w: &mut Word) -> Result<(), ParseError> {
        self.i += 1;
        w.quoted = true;
        loop {
            match self.peek() {
                None => return Err(ParseError::Unterminated("double quote")),
                Some('"') => {
                    self.i += 1;
                    return Ok(());
                }
                Some('\\') => {
                    self.i += 1;
                    match self.peek() {
                        Some('\n') => self.i += 1,
                        Some(n @ ('$' | '`' | '"' | '\\')) => {
                            w.text.push(n);
                            self.i += 1;
                        }
                        _ => w.text.push('\\'),
                    }
                }
                Some('$') => self.dollar(w, true)?,
                Some('`') => self.backtick(w)?,
                Some(c) => {
                    w.text.push(c);
                    self.i += 1;
                }
            }
        }
    }

    /// At a `$`: parameter, command, arithmetic expansion or a literal `$`.
    fn dollar(&mut self, w: &mut Word, in_dq: bool) -> Result<(), ParseError> {
        let start = self.i;
        match self.at(1) {
            Some('(') if self.at(2) == Some('(') => {
                self.i += 3;
                self.arithmetic(w)?;
            }
            Some('(') => {
                self.i += 2;
                let sub = self.nested_sub('$')?;
                w.text.push_str(&sub.text);
                w.literal = false;
                return Ok(());
            }
            Some('{') => {
                self.i += 2;
                let mut scratch = Word::empty();
                loop {
                    match self.peek() {
                        None => return Err(ParseError::Unterminated("`${`")),
                        Some('}') => {
                            self.i += 1;
                            break;
                        }
                        Some('\\') => self.i += 2,
                        Some('\'') if !in_dq => self.single_quote(&mut scratch)?,
                        Some('"') => self.double_quote(&mut scratch)?,
                        Some('$') => self.dollar(&mut scratch, in_dq)?,
                        Some('`') => self.backtick(&mut scratch)?,
                        Some(_) => self.i += 1,
                    }
                }
            }
            Some('\'') if !in_dq => {
                // ANSI-C quoting: escapes other than the plain ones make
                // the word non-literal.
                self.i += 2;
                w.quoted = true;
                loop {
                    match self.peek() {
                        None => return Err(ParseError::Unterminated("`$'`")),
                        Some('\'') => {
                            self.i += 1;
                            return Ok(());
                        }
                        Some('\\') => {
                            let n = self.at(1);
                            self.i += 2;
                            match n {
                                Some('n') => w.text.push('\n'),
                                Some('t') => w.text.push('\t'),
                                Some(c @ ('\\' | '\'' | '"')) => w.text.push(c),
                                Some(c) => {
                                    w.text.push('\\');
                                    w.text.push(c);
                                    w.literal = false;
                                }
                                None => return Err(ParseError::Unterminated("`$'`")),
                            }
                        }
                        Some(c) => {
                            w.text.push(c);
                            self.i += 1;
                        }
                    }
                }
            }
            Some('"') if !in_dq => {
                self.i += 1;
                return self.double_quote(w);
            }
            Some(c) if c.is_ascii_alphanumeric() || c == '_' => {
                self.i += 1;
                if c.is_ascii_digit() {
                    self.i += 1;
                } else {
                    while self
                        .peek()
                        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
                    {
                        self.i += 1;
                    }
                }
            }
            Some('@' | '*' | '#' | '?' | '$' | '!' | '-') => self.i += 2,
            _ => {
                w.text.push('$');
                self.i += 1;
                return Ok(());
            }
        }
        w.literal = false;
        w.text.extend(self.s[start..self.i].iter());
        Ok(())
    }

    /// After `((` or `$((`: up to the matching `))`, collecting any
    /// substitution inside. Content that reads like a command
    /// (`$(( kubectl delete pod x ))`, which some shells run as a command
    /// substitution) is parsed as one.
    fn arithmetic(&mut self, w: &mut Word) -> Result<(), ParseError> {
        let start = self.i;
        let mut depth = 0usize;
        let mut scratch = Word::empty();
        let end;
        loop {
            match self.peek() {
                None => return Err(ParseError::Unterminated("arithmetic")),
                Some('(') => {
                    depth += 1;
                    self.i += 1;
                }
                Some(')') if depth == 0 => {
                    if self.at(1) != Some(')') {
                        return Err(ParseError::Unexpected(")".into()));
                    }
                    end = self.i;
                    self.i += 2;
                    break;
                }
                Some(')') => {
                    depth -= 1;
                    self.i += 1;
                }
                Some('\\') => self.i += 2,
                Some('\'') => self.single_quote(&mut scratch)?,
                Some('"') => self.double_quote(&mut scratch)?,
                Some('$') => self.dollar(&mut scratch, false)?,
                Some('`') => self.backtick(&mut scratch)?,
                Some(_) => self.i += 1,
            }
        }
        w.literal = false;
        let content: String = self.s.get(start..end).unwrap_or(&[]).iter().collect();
        if looks_like_command(&content) {
            let chars: Vec<char> = content.chars().collect();
            let script = parse_chars(&chars, self.depth + 1)?;
            self.subs.push(Substitution {
                text: format!("$(({content}))"),
                script,
            });
        }
        Ok(())
    }

    /// After `$(`, `<(`, `>(` or `name=(`: the inner script up to its `)`.
    fn nested_sub(&mut self, kind: char) -> Result<Word, ParseError> {
        let start = self.i;
        let mut inner = Lexer::new(self.s, self.i, self.depth + 1)?;
        let toks = inner.lex(true)?;
        let end = inner.i;
        self.i = end;
        let text: String = self.s[start..end.saturating_sub(1)].iter().collect();
        let mut script = inner.into_script(toks)?;
        if kind == '(' {
            // An array's elements are words, not commands: only the
            // substitutions inside them run.
            self.subs.append(&mut script.substitutions);
            return Ok(Word {
                text: format!("({text})"),
                literal: false,
                lead_literal: false,
                assignment: false,
                quoted: false,
            });
        }
        let shown = match kind {
            '$' => format!("$({text})"),
            '(' => format!("({text})"),
            k => format!("{k}({text})"),
        };
        self.subs.push(Substitution {
            text: shown.clone(),
            script,
        });
        Ok(Word {
            text: shown,
            literal: false,
            lead_literal: false,
            assignment: false,
            quoted: false,
        })
    }

    fn backtick(&mut self, w: &mut Word) -> Result<(), ParseError> {
        self.i += 1;
        let start = self.i;
        let mut inner = String::new();
        loop {
            match self.peek() {
                None => return Err(ParseError::Unterminated("backtick")),
                Some('`') => {
                    self.i += 1;
                    break;
                }
                Some('\\') => {
                    match self.at(1) {
                        Some(n @ ('`' | '\\' | '$')) => inner.push(n),
                        Some(n) => {
                            inner.push('\\');
                            inner.push(n);
                        }
                        None => return Err(ParseError::Unterminated("backtick")),
                    }
                    self.i += 2;
                }
                Some(c) => {
                    inner.push(c);
                    self.i += 1;
                }
            }
        }
        let chars: Vec<char> = inner.chars().collect();
        let script = parse_chars(&chars, self.depth + 1)?;
        // A reader who forgot that backticks eat one level of backslashes
        // means the raw text: when it differs, what it would run counts too
        // (only near the top, so nesting cannot multiply the work).
        let raw = self.s.get(start..self.i.saturating_sub(1)).unwrap_or(&[]);
        if self.depth < 2
            && raw != chars.as_slice()
            && let Ok(script) = parse_chars(raw, self.depth + 1)
        {
            self.subs.push(Substitution {
                text: format!("`{}`", raw.iter().collect::<String>()),
                script,
            });
        }
        let shown = format!("`{inner}`");
        w.text.push_str(&shown);
        w.literal = false;
        self.subs.push(Substitution {
            text: shown,
            script,
        });
        Ok(())
    }
}

/// Two operands in a row (`kubectl delete`) cannot be arithmetic.
fn looks_like_command(content: &str) -> bool {
    let operator = |t: &str| t.chars().all(|c| "+-*/%<>=!&|^~?:,()".contains(c));
    let tokens: Vec<&str> = content
        .split_whitespace()
        .filter(|t| !t.contains(['$', '`', '(', ')', '[', ']']))
        .collect();
    tokens.windows(2).any(|p| {
        !operator(p[0])
            && !operator(p[1])
            && !p[0].ends_with(|c: char| "+-*/%<>=!&|^~?:,(".contains(c))
            && !p[1].starts_with(|c: char| "+*/%<>=!&|^~?:,)".contains(c))
    })
}

fn is_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !s.starts_with(|c: char| c.is_ascii_digit())
}

/// Tokens → simple commands. Reserved words at a command's start are
/// skipped (their bodies are commands like any other), `for`/`select`
/// headers and `case WORD in` are skipped (their substitutions were
/// collected by the lexer), function definitions are recorded.
fn group(toks: Vec<Tok>, functions: &mut Vec<String>) -> Result<Vec<Simple>, ParseError> {
    let mut out = Vec::new();
    let mut cur = Simple::default();
    let mut skip_header = false;
    let mut case_header = false;
    let mut function_name = false;
    let mut next_piped: Option<Vec<String>> = None;
    let mut it = toks.into_iter().peekable();
    while let Some(t) = it.next() {
        match t {
            Tok::Op(op) => {
                if op == "(" {
                    let only_name = cur.words.len() == 1 && cur.redirects.is_empty();
                    if (only_name || function_name) && it.peek() == Some(&Tok::Op(")")) {
                        it.next();
                        if let Some(w) = cur.words.pop() {
                            functions.push(w.text);
                        }
                        function_name = false;
                        continue;
                    }
                    if !cur.words.is_empty() || !cur.redirects.is_empty() {
                        return Err(ParseError::Unexpected("(".into()));
                    }
                    continue;
                }
                let feeder: Vec<String> = cur.words.iter().map(|w| w.text.clone()).collect();
                if !cur.words.is_empty() || !cur.redirects.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
                next_piped = matches!(op, "|" | "|&").then_some(feeder);
                if !case_header {
                    skip_header = false;
                }
                function_name = false;
            }
            Tok::Redir(r) => {
                if cur.piped_from.is_none() {
                    cur.piped_from = next_piped.take();
                }
                cur.redirects.push(r);
            }
            Tok::Word(w) => {
                if case_header {
                    if !w.quoted && w.text == "in" {
                        case_header = false;
                        skip_header = false;
                    }
                    continue;
                }
                if skip_header {
                    if !w.quoted && w.text == "do" {
                        skip_header = false;
                    }
                    continue;
                }
                if function_name {
                    functions.push(w.text);
                    function_name = false;
                    continue;
                }
                let at_start = cur.words.is_empty() && cur.redirects.is_empty();
                if at_start && !w.quoted && w.literal {
                    match w.text.as_str() {
                        "if" | "then" | "elif" | "else" | "fi" | "do" | "done" | "while"
                        | "until" | "!" | "{" | "}" | "esac" => continue,
                        "for" | "select" => {
                            skip_header = true;
                            continue;
                        }
                        "case" => {
                            case_header = true;
                            continue;
                        }
                        "function" => {
                            function_name = true;
                            continue;
                        }
                        _ => {}
                    }
                }
                if cur.piped_from.is_none() {
                    cur.piped_from = next_piped.take();
                }
                cur.words.push(w);
            }
        }
    }
    if !cur.words.is_empty() || !cur.redirects.is_empty() {
        out.push(cur);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn programs(s: &str) -> Vec<String> {
        let script = parse(s).unwrap();
        let mut out: Vec<String> = script
            .commands
            .iter()
            .map(|c| {
                c.words
                    .iter()
                    .map(|w| w.text.clone())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        for sub in &script.substitutions {
            for c in &sub.script.commands {
                out.push(format!(
                    "sub:{}",
                    c.words
                        .iter()
                        .map(|w| w.text.clone())
                        .collect::<Vec<_>>()
                        .join(" ")
                ));
            }
        }
        out
    }

    #[test]
    fn lists_pipes_and_groups() {
        assert_eq!(
            programs("a 'b c' && d || e; f | g & (h; { i; }) |& j"),
            vec!["a b c", "d", "e", "f", "g", "h", "i", "j"]
        );
        assert_eq!(programs("echo a\\ b \"c $X\""), vec!["echo a b c $X"]);
    }

    #[test]
    fn control_flow_bodies() {
        assert_eq!(
            programs("if curl -f x; then echo ok; else rm y; fi"),
            vec!["curl -f x", "echo ok", "rm y"]
        );
        assert_eq!(
            programs("for i in $(seq 3); do kubectl get pod $i; done"),
            vec!["kubectl get pod $i", "sub:seq 3"]
        );
        assert_eq!(
            programs("while read l; do echo $l; done < f"),
            vec!["read l", "echo $l", ""]
        );
        assert_eq!(
            programs("case $x in a|b) rm a ;; (c) ls ;; *) echo ;; esac; date"),
            vec!["rm a", "ls", "echo", "date"]
        );
        assert_eq!(
            programs("f() { rm -rf x; }; function g { ls; }; f"),
            vec!["rm -rf x", "ls", "f"]
        );
        assert_eq!(parse("f() { ls; }").unwrap().functions, vec!["f"]);
        assert_eq!(
            programs("[[ $a > 3 && -f x ]] && ls"),
            vec!["[[ $a > 3 && -f x ]]", "ls"]
        );
        assert_eq!(programs("for ((i=0;i<3;i++)); do ls; done"), vec!["ls"]);
        assert_eq!(programs("(( n > 3 )) && ls"), vec!["((", "ls"]);
        assert_eq!(
            programs("echo $(( a + b * (c - 1) ))"),
            vec!["echo $(( a + b * (c - 1) ))"]
        );
        assert_eq!(
            programs("echo \"$(( rm -rf x ))\""),
            vec!["echo $(( rm -rf x ))", "sub:rm -rf x"]
        );
    }

    #[test]
    fn substitutions() {
        assert_eq!(
            programs("echo $(kubectl delete pod x) `rm y` <(cat a) >(tee b)"),
            vec![
                "echo $(kubectl delete pod x) `rm y` <(cat a) >(tee b)",
                "sub:kubectl delete pod x",
                "sub:rm y",
                "sub:cat a",
                "sub:tee b"
            ]
        );
        assert_eq!(
            programs("echo \"${X:-$(rm a)}\" $((1 + $(rm b)))"),
            vec![
                "echo ${X:-$(rm a)} $((1 + $(rm b)))",
                "sub:rm a",
                "sub:rm b"
            ]
        );
        assert_eq!(
            programs("X=$(echo $(rm -rf z))"),
            vec!["X=$(echo $(rm -rf z))", "sub:echo $(rm -rf z)"]
        );
        let s = parse("X=$(echo $(rm -rf z))").unwrap();
        assert_eq!(s.substitutions[0].script.substitutions.len(), 1);
        assert_eq!(
            programs("arr=(a $(rm q))"),
            vec!["arr=(a $(rm q))", "sub:rm q"]
        );
    }

    #[test]
    fn redirections() {
        let s =
            parse("cat <<EOF > out.txt 2>&1\n$(rm x)\nEOF\necho 2>/dev/null >&2 &>>log").unwrap();
        let kinds: Vec<(RedirKind, String, String)> = s
            .commands
            .iter()
            .flat_map(|c| c.redirects.iter())
            .map(|r| (r.kind, r.op.clone(), r.target.text.clone()))
            .collect();
        assert_eq!(
            kinds,
            vec![
                (RedirKind::HereDoc, "<<".into(), "EOF".into()),
                (RedirKind::Write, ">".into(), "out.txt".into()),
                (RedirKind::Dup, "2>&".into(), "1".into()),
                (RedirKind::Write, "2>".into(), "/dev/null".into()),
                (RedirKind::Dup, ">&".into(), "2".into()),
                (RedirKind::Write, "&>>".into(), "log".into()),
            ]
        );
        assert_eq!(s.substitutions.len(), 1, "unquoted here-doc expands");
        let s = parse("cat <<'EOF'\n$(rm x)\nEOF\n").unwrap();
        assert!(s.substitutions.is_empty());
        let s = parse("cat >&out.txt").unwrap();
        assert_eq!(s.commands[0].redirects[0].kind, RedirKind::Write);
    }

    #[test]
    fn words_know_what_is_literal() {
        let s = parse("sed \"$OPTS\" x-$Y {-i,} a=$(b) 'c=d' *.log").unwrap();
        let w = &s.commands[0].words;
        assert!(w[0].literal && w[0].lead_literal);
        assert!(!w[1].literal && !w[1].lead_literal);
        assert!(!w[2].literal && w[2].lead_literal);
        assert!(!w[3].lead_literal);
        assert!(w[4].assignment);
        assert!(!w[5].assignment);
        assert!(!w[6].literal && w[6].lead_literal);
    }

    #[test]
    fn errors_never_panics() {
        for s in [
            "echo 'a",
            "echo \"a",
            "echo $(a",
            "echo `a",
            "a >",
            "echo )",
            "${",
            "$((1",
            "echo ${x",
            "a <<",
            "(((",
            "case x in a",
            "\\",
        ] {
            let _ = parse(s);
        }
        assert!(parse("echo 'a").is_err());
        assert!(parse("echo $(ls").is_err());
        assert!(parse("ls >").is_err());
        let deep = "$(".repeat(100) + &")".repeat(100);
        assert_eq!(parse(&deep), Err(ParseError::TooDeep));
    }

    #[test]
    /// Speed on long lines is measured by `bench/scale.sh` (refs100k), not here.
    fn long_lines_parse_whole() {
        let line = "echo ".to_string() + &"$V{a,b} ".repeat(100_000);
        let s = parse(&line).unwrap();
        assert_eq!(s.commands[0].words.len(), 100_001);
    }
}
