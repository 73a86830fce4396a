//! A JavaScript expression parser for the subset k6 scripts use: literals, objects, arrays,
//! template literals, member access, calls, arrow / `function` expressions returning one
//! expression, unary `!`/`-` and binary operators.

use super::lex::{Tok, Token, TplPart, tokenize};

/// A parsed expression.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Expr {
    Num(f64),
    Str(String),
    Template(Vec<TplExpr>),
    Bool(bool),
    Null,
    Ident(String),
    Member(Box<Expr>, String),
    Call(Box<Expr>, Vec<Expr>),
    Obj(Vec<(String, Expr)>),
    Arr(Vec<Expr>),
    /// An arrow or `function` expression whose body is (or returns) one expression.
    Func(Vec<String>, Box<Expr>),
    Bin(&'static str, Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Neg(Box<Expr>),
}

/// A piece of a template literal.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum TplExpr {
    Text(String),
    Expr(Expr),
}

/// A cursor over tokens.
pub(crate) struct Parser<'a> {
    pub toks: &'a [Token],
    pub pos: usize,
    /// How many expressions deep the parser is (see [`MAX_DEPTH`]).
    depth: usize,
}

/// Deepest nesting of expressions understood: real scripts nest a handful
/// of levels; `((((…))))` 100k deep overflowed the stack (an abort, not
/// even a panic).
const MAX_DEPTH: usize = 64;

type PResult<T> = Result<T, String>;

impl<'a> Parser<'a> {
    pub(crate) fn new(toks: &'a [Token]) -> Self {
        Self {
            toks,
            pos: 0,
            depth: 0,
        }
    }

    pub(crate) fn peek(&self) -> Option<&'a Tok> {
        self.toks.get(self.pos).map(|t| &t.tok)
    }

    pub(crate) fn peek_at(&self, n: usize) -> Option<&'a Tok> {
        self.toks.get(self.pos + n).map(|t| &t.tok)
    }

    pub(crate) fn line(&self) -> usize {
        self.toks
            .get(self.pos)
            .or(self.toks.last())
            .map_or(0, |t| t.line)
    }

    pub(crate) fn at_end(&self) -> bool {
        self.pos >= self.toks.len()
    }

    pub(crate) fn is_punct(&self, p: &str) -> bool {
        matches!(self.peek(), Some(Tok::Punct(q)) if *q == p)
    }

    pub(crate) fn is_ident(&self, name: &str) -> bool {
        matches!(self.peek(), Some(Tok::Ident(q)) if q == name)
    }

    pub(crate) fn eat_punct(&mut self, p: &str) -> bool {
        if self.is_punct(p) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    pub(crate) fn eat_ident(&mut self, name: &str) -> bool {
        if self.is_ident(name) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    pub(crate) fn expect_punct(&mut self, p: &str) -> PResult<()> {
        if self.eat_punct(p) {
            Ok(())
        } else {
            Err(format!("expected `{p}`, found {}", self.describe()))
        }
    }

    pub(crate) fn ident(&mut self) -> PResult<String> {
        match self.peek() {
            Some(Tok::Ident(s)) => {
                self.pos += 1;
                Ok(s.clone())
            }
            _ => Err(format!("expected a name, found {}", self.describe())),
        }
    }

    pub(crate) fn describe(&self) -> String {
        match self.peek() {
            None => "end of script".into(),
            Some(Tok::Ident(s)) => format!("`{s}`"),
            Some(Tok::Num(n)) => format!("`{n}`"),
            Some(Tok::Str(s)) => format!("'{s}'"),
            Some(Tok::Template(_)) => "a template literal".into(),
            Some(Tok::Punct(p)) => format!("`{p}`"),
        }
    }

    /// Parses one expression.
    pub(crate) fn expr(&mut self) -> PResult<Expr> {
        self.binary(0)
    }

    fn binary(&mut self, level: usize) -> PResult<Expr> {
        const LEVELS: [&[&str]; 6] = [
            &["||", "??"],
            &["&&"],
            &["===", "!==", "==", "!="],
            &["<=", ">=", "<", ">"],
            &["+", "-"],
            &["*", "/", "%"],
        ];
        if level == LEVELS.len() {
            return self.unary();
        }
        let mut lhs = self.binary(level + 1)?;
        let mut chained = 0;
        loop {
            let op = match self.peek() {
                Some(Tok::Punct(p)) if LEVELS[level].contains(p) => *p,
                _ => return Ok(lhs),
            };
            // A chain is a left-deep tree: bounded like nesting, so that
            // dropping or evaluating it cannot overflow the stack.
            if chained >= MAX_DEPTH {
                return Err(format!("more than {MAX_DEPTH} `{op}` in a row"));
            }
            chained += 1;
            self.pos += 1;
            let rhs = self.binary(level + 1)?;
            lhs = Expr::Bin(op, Box::new(lhs), Box::new(rhs));
        }
    }

    /// Every recursion of the grammar passes through here, so the depth is
    /// bounded here.
    fn unary(&mut self) -> PResult<Expr> {
        if self.depth >= MAX_DEPTH {
            return Err(format!("expressions nested more than {MAX_DEPTH} deep"));
        }
        self.depth += 1;
        let e = self.unary_inner();
        self.depth -= 1;
        e
    }

    fn unary_inner(&mut self) -> PResult<Expr> {
        if self.eat_punct("!") {
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        if self.eat_punct("-") {
            return Ok(Expr::Neg(Box::new(self.unary()?)));
        }
        self.postfix()
    }

    fn postfix(&mut self) -> PResult<Expr> {
        let mut e = self.primary()?;
        let mut chained = 0;
        loop {
            if chained >= MAX_DEPTH {
                return Err(format!(
                    "more than {MAX_DEPTH} member accesses or calls in a row"
                ));
            }
            chained += 1;
            if self.eat_punct(".") {
                let name = self.ident()?;
                e = Expr::Member(Box::new(e), name);
            } else if self.is_punct("(") {
                self.pos += 1;
                let args = self.list(")")?;
                e = Expr::Call(Box::new(e), args);
            } else if self.is_punct("[") {
                return Err("computed member access `[…]` is not supported".into());
            } else {
                return Ok(e);
            }
        }
    }

    /// Comma-separated expressions up to `close` (consumed); trailing comma allowed.
    fn list(&mut self, close: &str) -> PResult<Vec<Expr>> {
        let mut items = Vec::new();
        loop {
            if self.eat_punct(close) {
                return Ok(items);
            }
            if self.is_punct("...") {
                return Err("spread `...` is not supported".into());
            }
            items.push(self.expr()?);
            if !self.eat_punct(",") {
                self.expect_punct(close)?;
                return Ok(items);
            }
        }
    }

    fn primary(&mut self) -> PResult<Expr> {
        let Some(tok) = self.peek() else {
            return Err("unexpected end of script".into());
        };
        match tok {
            Tok::Num(n) => {
                self.pos += 1;
                Ok(Expr::Num(*n))
            }
            Tok::Str(s) => {
                self.pos += 1;
                Ok(Expr::Str(s.clone()))
            }
            Tok::Template(parts) => {
                self.pos += 1;
                let mut out = Vec::with_capacity(parts.len());
                for p in parts {
                    out.push(match p {
                        TplPart::Text(t) => TplExpr::Text(t.clone()),
                        // `${…}` nests like parentheses: same depth budget.
                        TplPart::Expr(src) => TplExpr::Expr(parse_source_at(src, self.depth)?),
                    });
                }
                Ok(Expr::Template(out))
            }
            Tok::Ident(name) => {
                let name = name.clone();
                if matches!(self.peek_at(1), Some(Tok::Punct("=>"))) {
                    self.pos += 2;
                    let body = self.func_body()?;
                    return Ok(Expr::Func(vec![name], Box::new(body)));
                }
                self.pos += 1;
                match name.as_str() {
                    "true" => Ok(Expr::Bool(true)),
                    "false" => Ok(Expr::Bool(false)),
                    "null" | "undefined" => Ok(Expr::Null),
                    "function" => {
                        if matches!(self.peek(), Some(Tok::Ident(_))) {
                            self.pos += 1;
                        }
                        self.expect_punct("(")?;
                        let params = self.params()?;
                        if !self.is_punct("{") {
                            return Err("expected a function body".into());
                        }
                        let body = self.func_body()?;
                        Ok(Expr::Func(params, Box::new(body)))
                    }
                    "new" | "async" | "await" | "this" | "class" | "typeof" => {
                        Err(format!("`{name}` is not supported"))
                    }
                    _ => Ok(Expr::Ident(name)),
                }
            }
            Tok::Punct("(") => {
                if self.arrow_ahead() {
                    self.pos += 1;
                    let params = self.params()?;
                    self.expect_punct("=>")?;
                    let body = self.func_body()?;
                    return Ok(Expr::Func(params, Box::new(body)));
                }
                self.pos += 1;
                let e = self.expr()?;
                self.expect_punct(")")?;
                Ok(e)
            }
            Tok::Punct("{") => {
                self.pos += 1;
                let mut fields = Vec::new();
                loop {
                    if self.eat_punct("}") {
                        return Ok(Expr::Obj(fields));
                    }
                    let key = match self.peek() {
                        Some(Tok::Ident(s)) | Some(Tok::Str(s)) => s.clone(),
                        Some(Tok::Num(n)) => n.to_string(),
                        _ => {
                            return Err(format!(
                                "expected an object key, found {}",
                                self.describe()
                            ));
                        }
                    };
                    self.pos += 1;
                    let value = if self.eat_punct(":") {
                        self.expr()?
                    } else if self.is_punct("(") {
                        return Err(format!("method `{key}(…)` in an object is not supported"));
                    } else {
                        Expr::Ident(key.clone())
                    };
                    fields.push((key, value));
                    if !self.eat_punct(",") {
                        self.expect_punct("}")?;
                        return Ok(Expr::Obj(fields));
                    }
                }
            }
            Tok::Punct("[") => {
                self.pos += 1;
                Ok(Expr::Arr(self.list("]")?))
            }
            _ => Err(format!("unexpected {}", self.describe())),
        }
    }

    /// Whether the `(` at the cursor opens an arrow function's parameter list.
    fn arrow_ahead(&self) -> bool {
        let mut depth = 0usize;
        for (i, t) in self.toks[self.pos..].iter().enumerate() {
            match t.tok {
                Tok::Punct("(") => depth += 1,
                Tok::Punct(")") => {
                    depth -= 1;
                    if depth == 0 {
                        return matches!(
                            self.toks.get(self.pos + i + 1).map(|t| &t.tok),
                            Some(Tok::Punct("=>"))
                        );
                    }
                }
                _ => {}
            }
        }
        false
    }

    /// Parameter names up to `)` (consumed).
    fn params(&mut self) -> PResult<Vec<String>> {
        let mut params = Vec::new();
        loop {
            if self.eat_punct(")") {
                return Ok(params);
            }
            params.push(
                self.ident()
                    .map_err(|_| "only plain parameter names are supported")?,
            );
            if !self.eat_punct(",") {
                self.expect_punct(")")?;
                return Ok(params);
            }
        }
    }

    /// An arrow body: an expression, or `{ return EXPR; }`.
    fn func_body(&mut self) -> PResult<Expr> {
        if self.eat_punct("{") {
            if !self.eat_ident("return") {
                return Err("a function body other than `{ return …; }` is not supported".into());
            }
            let e = self.expr()?;
            self.eat_punct(";");
            self.expect_punct("}")
                .map_err(|_| "a function body other than `{ return …; }` is not supported")?;
            Ok(e)
        } else {
            self.expr()
        }
    }
}

/// Parses a whole source text as one expression.
#[cfg(test)]
pub(crate) fn parse_source(src: &str) -> PResult<Expr> {
    parse_source_at(src, 0)
}

/// [`parse_source`] for text nested `depth` expressions deep.
fn parse_source_at(src: &str, depth: usize) -> PResult<Expr> {
    let toks = tokenize(src)?;
    let mut p = Parser::new(&toks);
    p.depth = depth;
    let e = p.expr()?;
    if !p.at_end() {
        return Err(format!("unexpected {} in `{src}`", p.describe()));
    }
    Ok(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrow_and_member() {
        let e = parse_source("(r) => r.status === 200").unwrap();
        let Expr::Func(params, body) = e else {
            panic!()
        };
        assert_eq!(params, ["r"]);
        assert!(matches!(*body, Expr::Bin("===", _, _)));
        let e = parse_source("function (r) { return r.body.includes('ok'); }").unwrap();
        assert!(matches!(e, Expr::Func(_, _)));
        let e = parse_source("{ a: [1, 2,], 'b-c': `x${y}`, d, }").unwrap();
        let Expr::Obj(f) = e else { panic!() };
        assert_eq!(f.len(), 3);
        assert!(parse_source("a[0]").is_err());
        assert!(parse_source("new Foo()").is_err());
    }
}
