//! A JavaScript tokenizer good enough for k6 scripts: identifiers, numbers, strings, template
//! literals (with `${…}` kept as source text), punctuation and comments.

/// One piece of a template literal.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum TplPart {
    /// Literal text (escapes resolved).
    Text(String),
    /// The source inside `${…}`.
    Expr(String),
}

/// A token kind.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    Ident(String),
    Num(f64),
    Str(String),
    Template(Vec<TplPart>),
    Punct(&'static str),
}

/// A token with the line it starts on (1-based).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    pub tok: Tok,
    pub line: usize,
}

const PUNCTS: [&str; 33] = [
    "===", "!==", "...", "=>", "==", "!=", "<=", ">=", "&&", "||", "??", "++", "--", "{", "}", "(",
    ")", "[", "]", ";", ",", ".", ":", "=", "<", ">", "+", "-", "*", "/", "!", "?", "%",
];

/// Splits `src` into tokens, or says where it could not.
pub(crate) fn tokenize(src: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let mut line = 1;
    while i < chars.len() {
        let c = chars[i];
        if c == '\n' {
            line += 1;
            i += 1;
            continue;
        }
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c == '/' && chars.get(i + 1) == Some(&'/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
            continue;
        }
        if c == '/' && chars.get(i + 1) == Some(&'*') {
            i += 2;
            while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                if chars[i] == '\n' {
                    line += 1;
                }
                i += 1;
            }
            if i >= chars.len() {
                return Err(format!("line {line}: unterminated comment"));
            }
            i += 2;
            continue;
        }
        let start_line = line;
        if c.is_alphabetic() || c == '_' || c == '$' {
            let s = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '$')
            {
                i += 1;
            }
            out.push(Token {
                tok: Tok::Ident(chars[s..i].iter().collect()),
                line,
            });
            continue;
        }
        if c.is_ascii_digit() || (c == '.' && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit()))
        {
            let s = i;
            while i < chars.len()
                && (chars[i].is_ascii_alphanumeric() || chars[i] == '.' || chars[i] == '_')
            {
                if (chars[i] == 'e' || chars[i] == 'E')
                    && matches!(chars.get(i + 1), Some('+') | Some('-'))
                {
                    i += 1;
                }
                i += 1;
            }
            let text: String = chars[s..i].iter().filter(|&&c| c != '_').collect();
            let n: f64 = text
                .parse()
                .map_err(|_| format!("line {line}: bad number {text}"))?;
            out.push(Token {
                tok: Tok::Num(n),
                line,
            });
            continue;
        }
        if c == '\'' || c == '"' {
            i += 1;
            let mut s = String::new();
            loop {
                let Some(&ch) = chars.get(i) else {
                    return Err(format!("line {start_line}: unterminated string"));
                };
                i += 1;
                match ch {
                    '\n' => return Err(format!("line {start_line}: unterminated string")),
                    '\\' => {
                        let (e, used) = escape(&chars, i);
                        s.push_str(&e);
                        i += used;
                    }
                    _ if ch == c => break,
                    _ => s.push(ch),
                }
            }
            out.push(Token {
                tok: Tok::Str(s),
                line: start_line,
            });
            continue;
        }
        if c == '`' {
            i += 1;
            let mut parts = Vec::new();
            let mut text = String::new();
            loop {
                let Some(&ch) = chars.get(i) else {
                    return Err(format!("line {start_line}: unterminated template literal"));
                };
                i += 1;
                match ch {
                    '`' => break,
                    '\\' => {
                        let (e, used) = escape(&chars, i);
                        text.push_str(&e);
                        i += used;
                    }
                    '$' if chars.get(i) == Some(&'{') => {
                        i += 1;
                        let mut depth = 1;
                        let s = i;
                        while i < chars.len() {
                            match chars[i] {
                                '{' => depth += 1,
                                '}' => {
                                    depth -= 1;
                                    if depth == 0 {
                                        break;
                                    }
                                }
                                '\n' => line += 1,
                                _ => {}
                            }
                            i += 1;
                        }
                        if i >= chars.len() {
                            return Err(format!("line {start_line}: unterminated ${{…}}"));
                        }
                        if !text.is_empty() {
                            parts.push(TplPart::Text(std::mem::take(&mut text)));
                        }
                        parts.push(TplPart::Expr(chars[s..i].iter().collect()));
                        i += 1;
                    }
                    '\n' => {
                        line += 1;
                        text.push('\n');
                    }
                    _ => text.push(ch),
                }
            }
            if !text.is_empty() {
                parts.push(TplPart::Text(text));
            }
            out.push(Token {
                tok: Tok::Template(parts),
                line: start_line,
            });
            continue;
        }
        let rest: String = chars[i..chars.len().min(i + 3)].iter().collect();
        match PUNCTS.iter().find(|p| rest.starts_with(**p)) {
            Some(p) => {
                out.push(Token {
                    tok: Tok::Punct(p),
                    line,
                });
                i += p.chars().count();
            }
            None => return Err(format!("line {line}: unexpected character {c:?}")),
        }
    }
    Ok(out)
}

/// Resolves the escape after a backslash at `chars[i]`; returns the text and chars used.
fn escape(chars: &[char], i: usize) -> (String, usize) {
    match chars.get(i) {
        Some('n') => ("\n".into(), 1),
        Some('t') => ("\t".into(), 1),
        Some('r') => ("\r".into(), 1),
        Some('0') => ("\0".into(), 1),
        Some('u') => {
            let hex: String = chars.iter().skip(i + 1).take(4).collect();
            match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                Some(c) if hex.len() == 4 => (c.to_string(), 5),
                _ => ("u".into(), 1),
            }
        }
        Some('\n') => (String::new(), 1),
        Some(&c) => (c.to_string(), 1),
        None => (String::new(), 0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens() {
        let t = tokenize("let a = `x${__ENV.B}y`; // c\n/* d */ b === 'q\\'s'").unwrap();
        let toks: Vec<Tok> = t.into_iter().map(|t| t.tok).collect();
        assert_eq!(
            toks,
            vec![
                Tok::Ident("let".into()),
                Tok::Ident("a".into()),
                Tok::Punct("="),
                Tok::Template(vec![
                    TplPart::Text("x".into()),
                    TplPart::Expr("__ENV.B".into()),
                    TplPart::Text("y".into())
                ]),
                Tok::Punct(";"),
                Tok::Ident("b".into()),
                Tok::Punct("==="),
                Tok::Str("q's".into()),
            ]
        );
        assert!(tokenize("'open").is_err());
        assert!(tokenize("a # b").is_err());
    }
}
