//! A PostgreSQL lexer, just precise enough to judge what SQL text does: it
//! knows where strings (`'…'` with `''`, `E'…'` with backslash escapes,
//! `$tag$…$tag$`), quoted identifiers (`"…"`), comments (`--`, nested
//! `/* */`) and psql meta-commands (`\dt`) begin and end, so that a keyword
//! or a `;` inside any of them is never taken for code.
//!
//! Never panics: unterminated strings and comments run to the end of the text.

/// What a [`Token`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// An unquoted word: keyword or identifier (`select`, `update_at`, `pg_catalog`).
    Word,
    /// A `"quoted identifier"`.
    QuotedIdent,
    /// A single-quoted string, with or without a prefix (`'a'`, `E'a'`, `U&'a'`, `B'1'`).
    String,
    /// A dollar-quoted string, `$$…$$` or `$tag$…$tag$`.
    DollarString,
    /// A number, `1`, `1.5`, `1e3`.
    Number,
    /// A positional parameter, `$1`.
    Param,
    /// `;`
    Semicolon,
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `,`
    Comma,
    /// `.`
    Dot,
    /// `::`
    Cast,
    /// A psql meta-command and its arguments (`\dt public.*`), up to the end of the line or
    /// the next `\\`.
    Meta,
    /// Any other character or operator.
    Other,
}

/// One token: its kind and where it is in the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    /// What it is.
    pub kind: TokenKind,
    /// Byte offset of its first character.
    pub start: usize,
    /// Byte offset just past its last character.
    pub end: usize,
}

impl Token {
    /// The token's text within `sql` (the text it was lexed from).
    pub fn text<'a>(&self, sql: &'a str) -> &'a str {
        sql.get(self.start..self.end).unwrap_or("")
    }
}

fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_' || !c.is_ascii() && !c.is_whitespace()
}

fn is_ident_char(c: char) -> bool {
    is_ident_start(c) || c.is_ascii_digit() || c == '$'
}

/// Splits `sql` into tokens; whitespace and comments are dropped.
pub fn tokenize(sql: &str) -> Vec<Token> {
    let chars: Vec<(usize, char)> = sql.char_indices().collect();
    let n = chars.len();
    let at = |i: usize| chars.get(i).map(|&(_, c)| c);
    let pos = |i: usize| chars.get(i).map_or(sql.len(), |&(p, _)| p);
    let mut out = Vec::new();
    let mut i = 0;
    while i < n {
        let c = chars[i].1;
        let start = pos(i);
        let mut push = |kind: TokenKind, end_i: usize| {
            out.push(Token {
                kind,
                start,
                end: pos(end_i),
            })
        };
        if c.is_whitespace() {
            i += 1;
        } else if c == '-' && at(i + 1) == Some('-') {
            while i < n && chars[i].1 != '\n' {
                i += 1;
            }
        } else if c == '/' && at(i + 1) == Some('*') {
            let mut depth = 0usize;
            while i < n {
                if chars[i].1 == '/' && at(i + 1) == Some('*') {
                    depth += 1;
                    i += 2;
                } else if chars[i].1 == '*' && at(i + 1) == Some('/') {
                    depth = depth.saturating_sub(1);
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if c == '\'' {
            let end = quoted_end(&chars, i, '\'', false);
            push(TokenKind::String, end);
            i = end;
        } else if c == '"' {
            let end = quoted_end(&chars, i, '"', false);
            push(TokenKind::QuotedIdent, end);
            i = end;
        } else if c == '\\' {
            // psql meta-command: to the end of the line or the next `\\`.
            let mut j = i + 1;
            while j < n && chars[j].1 != '\n' && !(chars[j].1 == '\\' && at(j + 1) == Some('\\')) {
                j += 1;
            }
            push(TokenKind::Meta, j);
            i = if j < n && chars[j].1 == '\\' {
                j + 2
            } else {
                j
            };
        } else if c == '$' {
            if at(i + 1).is_some_and(|d| d.is_ascii_digit()) {
                let mut j = i + 1;
                while at(j).is_some_and(|d| d.is_ascii_digit()) {
                    j += 1;
                }
                push(TokenKind::Param, j);
                i = j;
            } else if let Some(end) = dollar_end(&chars, i) {
                push(TokenKind::DollarString, end);
                i = end;
            } else {
                push(TokenKind::Other, i + 1);
                i += 1;
            }
        } else if is_ident_start(c) {
            // Prefixed strings: E'…', U&'…', B'…', X'…', N'…'.
            let lower = c.to_ascii_lowercase();
            if matches!(lower, 'e' | 'b' | 'x' | 'n') && at(i + 1) == Some('\'') {
                let end = quoted_end(&chars, i + 1, '\'', lower == 'e');
                push(TokenKind::String, end);
                i = end;
                continue;
            }
            if lower == 'u' && at(i + 1) == Some('&') && matches!(at(i + 2), Some('\'' | '"')) {
                let q = at(i + 2).unwrap_or('\'');
                let end = quoted_end(&chars, i + 2, q, false);
                let kind = if q == '"' {
                    TokenKind::QuotedIdent
                } else {
                    TokenKind::String
                };
                push(kind, end);
                i = end;
                continue;
            }
            let mut j = i + 1;
            while at(j).is_some_and(is_ident_char) {
                j += 1;
            }
            push(TokenKind::Word, j);
            i = j;
        } else if c.is_ascii_digit() || (c == '.' && at(i + 1).is_some_and(|d| d.is_ascii_digit()))
        {
            let mut j = i + 1;
            while at(j).is_some_and(|d| d.is_ascii_alphanumeric() || d == '.' || d == '_') {
                // 1e-3
                if matches!(at(j), Some('e' | 'E')) && matches!(at(j + 1), Some('-' | '+')) {
                    j += 1;
                }
                j += 1;
            }
            push(TokenKind::Number, j);
            i = j;
        } else {
            let (kind, len) = match c {
                ';' => (TokenKind::Semicolon, 1),
                '(' => (TokenKind::LParen, 1),
                ')' => (TokenKind::RParen, 1),
                ',' => (TokenKind::Comma, 1),
                '.' => (TokenKind::Dot, 1),
                ':' if at(i + 1) == Some(':') => (TokenKind::Cast, 2),
                _ => (TokenKind::Other, 1),
            };
            push(kind, i + len);
            i += len;
        }
    }
    out
}

/// Index just past the closing quote of a string or identifier opened at `open`.
fn quoted_end(chars: &[(usize, char)], open: usize, q: char, backslash: bool) -> usize {
    let n = chars.len();
    let mut j = open + 1;
    while j < n {
        let c = chars[j].1;
        if backslash && c == '\\' {
            j += 2;
        } else if c == q {
            if chars.get(j + 1).is_some_and(|&(_, d)| d == q) {
                j += 2;
            } else {
                return j + 1;
            }
        } else {
            j += 1;
        }
    }
    n
}

/// If a dollar quote opens at `open` (`$$` or `$tag$`), the index just past its closing tag.
fn dollar_end(chars: &[(usize, char)], open: usize) -> Option<usize> {
    let n = chars.len();
    let mut j = open + 1;
    while j < n && chars[j].1 != '$' {
        let c = chars[j].1;
        let ok = if j == open + 1 {
            is_ident_start(c)
        } else {
            is_ident_start(c) || c.is_ascii_digit()
        };
        if !ok {
            return None;
        }
        j += 1;
    }
    if j >= n {
        return None;
    }
    let tag: Vec<char> = chars[open..=j].iter().map(|&(_, c)| c).collect();
    let mut k = j + 1;
    while k < n {
        if chars[k].1 == '$'
            && chars.len() >= k + tag.len()
            && chars[k..k + tag.len()]
                .iter()
                .map(|&(_, c)| c)
                .eq(tag.iter().copied())
        {
            return Some(k + tag.len());
        }
        k += 1;
    }
    Some(n)
}

/// The statements of `tokens`, split at `;` (the `;` itself dropped, empty statements
/// skipped). A meta-command ends the statement before it and is a statement of its own.
pub fn statements(tokens: &[Token]) -> Vec<&[Token]> {
    let mut out = Vec::new();
    let mut begin = 0;
    for (i, t) in tokens.iter().enumerate() {
        match t.kind {
            TokenKind::Semicolon => {
                if i > begin {
                    out.push(&tokens[begin..i]);
                }
                begin = i + 1;
            }
            TokenKind::Meta => {
                if i > begin {
                    out.push(&tokens[begin..i]);
                }
                out.push(&tokens[i..=i]);
                begin = i + 1;
            }
            _ => {}
        }
    }
    if begin < tokens.len() {
        out.push(&tokens[begin..]);
    }
    out
}

/// The text of an identifier token as PostgreSQL folds it: unquoted words in lower case,
/// quoted identifiers exactly, without quotes and with `""` as `"`.
pub fn ident_name(sql: &str, t: &Token) -> String {
    let text = t.text(sql);
    match t.kind {
        TokenKind::QuotedIdent => {
            let inner = text.strip_prefix("U&").unwrap_or(text);
            let inner = inner.strip_prefix('"').unwrap_or(inner);
            let inner = inner.strip_suffix('"').unwrap_or(inner);
            inner.replace("\"\"", "\"")
        }
        _ => text.to_lowercase(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(sql: &str) -> Vec<(TokenKind, &str)> {
        tokenize(sql)
            .into_iter()
            .map(|t| (t.kind, t.text(sql)))
            .collect()
    }

    #[test]
    fn strings_comments_and_identifiers() {
        use TokenKind::*;
        assert_eq!(
            kinds(
                "SELECT 'a;''b' -- x; DELETE\n; \"q\"\"x\" /* a /* b */ ; */ E'\\';' $$;$$ $t$ $$ ; $t$ $1"
            ),
            vec![
                (Word, "SELECT"),
                (String, "'a;''b'"),
                (Semicolon, ";"),
                (QuotedIdent, "\"q\"\"x\""),
                (String, "E'\\';'"),
                (DollarString, "$$;$$"),
                (DollarString, "$t$ $$ ; $t$"),
                (Param, "$1"),
            ]
        );
        assert_eq!(
            kinds("a.b(1)::int"),
            vec![
                (Word, "a"),
                (Dot, "."),
                (Word, "b"),
                (LParen, "("),
                (Number, "1"),
                (RParen, ")"),
                (Cast, "::"),
                (Word, "int")
            ]
        );
        assert_eq!(kinds("\\dt public.*\nSELECT 1")[0], (Meta, "\\dt public.*"));
        assert_eq!(kinds("update_at")[0], (Word, "update_at"));
    }

    #[test]
    fn statements_split_outside_strings() {
        let sql = "SELECT ';'; ; SELECT 2;\\dt\nSELECT 3";
        let toks = tokenize(sql);
        let st = statements(&toks);
        assert_eq!(st.len(), 4);
        assert_eq!(st[0][1].text(sql), "';'");
        assert_eq!(st[2][0].kind, TokenKind::Meta);
    }

    #[test]
    fn unterminated_things_run_to_the_end() {
        for s in [
            "'abc", "\"abc", "/* /* */", "$a$ x", "E'\\", "é'", "$", "\\",
        ] {
            let _ = tokenize(s);
        }
        assert_eq!(tokenize("SELECT 'x; DELETE").len(), 2);
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,60}") {
            let toks = tokenize(&s);
            for t in &toks {
                proptest::prop_assert!(t.start <= t.end && t.end <= s.len());
                let _ = t.text(&s);
            }
            let _ = statements(&toks);
        }
    }
}
