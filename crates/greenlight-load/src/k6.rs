//! Recognises a k6 script (JavaScript text) as a [`LoadConfig`] with thresholds and checks.
//!
//! Understood subset (anything else is refused, each construct listed with its line):
//!
//! * `import http from 'k6/http';`, `import { check, sleep } from 'k6';`
//! * top-level `const NAME = <string>` — literals, template literals, `+`, `__ENV.X` and
//!   `__ENV.X || 'default'`;
//! * `export const|let|var options = { vus, duration, stages: [{ duration, target }],
//!   iterations, thresholds: { metric: ['expr', { threshold, abortOnFail, delayAbortEval }] },
//!   noConnectionReuse, discardResponseBodies }`;
//! * `export default function () { … }` whose statements are
//!   `[let|const|var NAME =] http.get|head|options(url[, params])`,
//!   `http.post|put|patch|del(url[, body[, params]])`, `http.request(method, url[, body[,
//!   params]])`, `const NAME = <string | JSON.stringify({…}) | { headers, tags, timeout }>`,
//!   `check(res, { 'label': (r) => r.status === 200, … })` (status and `r.timings.duration`
//!   comparisons, `[!]r.body.includes('…')`), and trailing `sleep(N)` (the think time).
//!
//! URLs, headers and bodies may hold `${__ENV.NAME}`: [`K6Script::env`] lists the names and
//! [`K6Script::resolve`] substitutes them.

mod expr;
mod lex;

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use expr::{Expr, Parser, TplExpr};
use lex::{Tok, tokenize};

use crate::error::{LoadError, RecogniseError};
use crate::model::{
    Check, CheckPredicate, CompareOp, LoadConfig, LoadModel, Selection, Target, parse_duration,
};
use crate::threshold::{Threshold, parse_threshold};

/// A recognised k6 script.
#[derive(Debug, Clone, PartialEq)]
pub struct K6Script {
    /// The load it describes; URLs, headers and bodies may still hold `${__ENV.NAME}`.
    pub config: LoadConfig,
    /// Environment variables the script reads, in first-use order.
    pub env: Vec<String>,
    /// Defaults given with `__ENV.NAME || 'default'`.
    pub env_defaults: BTreeMap<String, String>,
}

impl K6Script {
    /// The script's thresholds (also in `config.thresholds`).
    pub fn thresholds(&self) -> &[Threshold] {
        &self.config.thresholds
    }

    /// The script's checks, with the index of the target each applies to.
    pub fn checks(&self) -> Vec<(usize, &Check)> {
        self.config
            .targets
            .iter()
            .enumerate()
            .flat_map(|(i, t)| t.checks.iter().map(move |c| (i, c)))
            .collect()
    }

    /// Environment variables needed that have no default.
    pub fn required_env(&self) -> Vec<&str> {
        self.env
            .iter()
            .filter(|n| !self.env_defaults.contains_key(*n))
            .map(String::as_str)
            .collect()
    }

    /// The config with every `${__ENV.NAME}` replaced by `env(NAME)` (or its default).
    pub fn resolve(&self, env: impl Fn(&str) -> Option<String>) -> Result<LoadConfig, LoadError> {
        let lookup = |name: &str| {
            env(name)
                .or_else(|| self.env_defaults.get(name).cloned())
                .ok_or_else(|| LoadError::MissingEnv(name.to_string()))
        };
        let mut config = self.config.clone();
        for t in &mut config.targets {
            t.url = substitute(&t.url, &lookup)?;
            for (_, v) in &mut t.headers {
                *v = substitute(v, &lookup)?;
            }
            if let Some(b) = &mut t.body {
                *b = substitute(b, &lookup)?;
            }
            t.name = substitute(&t.name, &lookup)?;
        }
        config.validate()?;
        Ok(config)
    }
}

fn substitute(
    text: &str,
    lookup: &impl Fn(&str) -> Result<String, LoadError>,
) -> Result<String, LoadError> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("${__ENV.") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 8..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[i..]);
            return Ok(out);
        };
        out.push_str(&lookup(&after[..end])?);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// A value the recogniser can compute statically.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    /// Text; `${__ENV.NAME}` marks an environment variable.
    Str {
        text: String,
        has_env: bool,
    },
    Num(f64),
    Bool(bool),
    Null,
    Obj(Vec<(String, Value)>),
    Arr(Vec<Value>),
}

impl Value {
    fn str(text: impl Into<String>) -> Self {
        Value::Str {
            text: text.into(),
            has_env: false,
        }
    }

    fn to_json(&self) -> Option<serde_json::Value> {
        Some(match self {
            Value::Str { has_env: true, .. } => return None,
            Value::Str { text, .. } => serde_json::Value::String(text.clone()),
            Value::Num(n) => serde_json::Number::from_f64(*n)
                .map(serde_json::Value::Number)
                .unwrap_or(serde_json::Value::Null),
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Null => serde_json::Value::Null,
            Value::Arr(a) => {
                serde_json::Value::Array(a.iter().map(Value::to_json).collect::<Option<_>>()?)
            }
            Value::Obj(o) => serde_json::Value::Object(
                o.iter()
                    .map(|(k, v)| Some((k.clone(), v.to_json()?)))
                    .collect::<Option<_>>()?,
            ),
        })
    }
}

/// One statement of the default function.
enum Step {
    Request(Target),
    Sleep(f64, usize),
}

#[derive(Default)]
struct Recogniser {
    errors: Vec<String>,
    consts: HashMap<String, Value>,
    env: Vec<String>,
    env_defaults: BTreeMap<String, String>,
    http_name: Option<String>,
    k6_names: HashMap<String, String>,
    options: Option<(Value, usize)>,
    default_fn: Option<Vec<(Step, Option<String>)>>,
    /// Response variable → index into the default function's steps.
    responses: HashMap<String, usize>,
    timeout: Option<Duration>,
}

/// Recognises a k6 script. Anything outside the supported subset makes it fail with the
/// list of what was not understood.
pub fn recognise_k6(script: &str) -> Result<K6Script, RecogniseError> {
    let toks = tokenize(script).map_err(RecogniseError::one)?;
    let mut r = Recogniser::default();
    let mut p = Parser::new(&toks);
    while !p.at_end() {
        let line = p.line();
        let start = p.pos;
        if let Err(e) = r.top_statement(&mut p) {
            r.errors.push(format!("line {line}: {e}"));
            p.pos = start;
            skip_statement(&mut p);
        }
    }
    let script = r.finish();
    match script {
        Ok(s) if s.1.is_empty() => Ok(s.0),
        Ok((_, errors)) | Err(errors) => Err(RecogniseError {
            unsupported: errors,
        }),
    }
}

/// Skips to the end of the current statement: a `;` at depth 0 (consumed), an unmatched
/// closing bracket (kept), or a line break after a closed group.
fn skip_statement(p: &mut Parser<'_>) {
    let mut depth = 0usize;
    let start = p.pos;
    while let Some(t) = p.peek() {
        let line = p.line();
        match t {
            Tok::Punct("{" | "(" | "[") => depth += 1,
            Tok::Punct("}" | ")" | "]") => {
                if depth == 0 {
                    if p.pos == start {
                        p.pos += 1;
                    }
                    return;
                }
                depth -= 1;
            }
            Tok::Punct(";") if depth == 0 => {
                p.pos += 1;
                return;
            }
            _ => {}
        }
        p.pos += 1;
        if depth == 0 && p.pos > start && p.toks.get(p.pos).is_some_and(|n| n.line > line) {
            let closed = matches!(t, Tok::Punct("}" | ")"));
            let continues = matches!(
                p.peek(),
                Some(Tok::Punct("." | "+" | "(" | "&&" | "||" | "=" | ":" | ","))
            );
            if closed && !continues {
                return;
            }
        }
    }
}

impl Recogniser {
    fn top_statement(&mut self, p: &mut Parser<'_>) -> Result<(), String> {
        if p.eat_punct(";") {
            return Ok(());
        }
        if p.eat_ident("import") {
            return self.import(p);
        }
        if p.eat_ident("export") {
            if p.eat_ident("default") {
                let line = p.line();
                if !p.eat_ident("function") {
                    return Err("only `export default function () { … }` is supported".into());
                }
                if matches!(p.peek(), Some(Tok::Ident(_))) {
                    p.pos += 1;
                }
                p.expect_punct("(")?;
                p.expect_punct(")")
                    .map_err(|_| "the default function must take no parameters")?;
                p.expect_punct("{")?;
                let steps = self.default_body(p)?;
                if self.default_fn.is_some() {
                    return Err(format!("line {line}: a second default function"));
                }
                self.default_fn = Some(steps);
                return Ok(());
            }
            let line = p.line();
            if p.eat_ident("const") || p.eat_ident("let") || p.eat_ident("var") {
                let name = p.ident()?;
                if name != "options" {
                    return Err(format!("exported `{name}` is not supported"));
                }
                p.expect_punct("=")?;
                let e = p.expr()?;
                let v = self.eval(&e)?;
                p.eat_punct(";");
                self.options = Some((v, line));
                return Ok(());
            }
            if p.eat_ident("function") {
                let name = p.ident().unwrap_or_default();
                return Err(format!(
                    "exported function `{name}` (setup/teardown/handleSummary/scenario functions) is not supported"
                ));
            }
            return Err(format!("`export` of {} is not supported", p.describe()));
        }
        if p.eat_ident("const") || p.eat_ident("let") || p.eat_ident("var") {
            let name = p.ident()?;
            p.expect_punct("=")?;
            let e = p.expr()?;
            let v = self.eval(&e).map_err(|e| format!("`{name}`: {e}"))?;
            p.eat_punct(";");
            self.consts.insert(name, v);
            return Ok(());
        }
        Err(format!(
            "statement starting with {} is not supported",
            p.describe()
        ))
    }

    fn import(&mut self, p: &mut Parser<'_>) -> Result<(), String> {
        let mut default = None;
        let mut named = Vec::new();
        if let Some(Tok::Ident(n)) = p.peek() {
            default = Some(n.clone());
            p.pos += 1;
            p.eat_punct(",");
        }
        if p.eat_punct("{") {
            loop {
                if p.eat_punct("}") {
                    break;
                }
                let name = p.ident()?;
                let local = if p.eat_ident("as") {
                    p.ident()?
                } else {
                    name.clone()
                };
                named.push((name, local));
                if !p.eat_punct(",") {
                    p.expect_punct("}")?;
                    break;
                }
            }
        }
        if !p.eat_ident("from") {
            return Err("unsupported import form".into());
        }
        let module = match p.peek() {
            Some(Tok::Str(s)) => s.clone(),
            _ => return Err("expected a module name".into()),
        };
        p.pos += 1;
        p.eat_punct(";");
        match module.as_str() {
            "k6/http" => {
                if !named.is_empty() {
                    return Err("named imports from 'k6/http' are not supported".into());
                }
                self.http_name = default;
                Ok(())
            }
            "k6" => {
                if default.is_some() {
                    return Err("default import from 'k6' is not supported".into());
                }
                for (name, local) in named {
                    if !matches!(name.as_str(), "check" | "sleep") {
                        return Err(format!("`{name}` from 'k6' is not supported"));
                    }
                    self.k6_names.insert(local, name);
                }
                Ok(())
            }
            other => Err(format!("import from '{other}' is not supported")),
        }
    }

    /// Statements of the default function up to its closing `}` (consumed). Errors of single
    /// statements are collected; only a structural error is returned.
    fn default_body(&mut self, p: &mut Parser<'_>) -> Result<Vec<(Step, Option<String>)>, String> {
        let mut steps = Vec::new();
        loop {
            if p.at_end() {
                return Err("unterminated default function".into());
            }
            if p.eat_punct("}") {
                return Ok(steps);
            }
            if p.eat_punct(";") {
                continue;
            }
            let line = p.line();
            let start = p.pos;
            if let Err(e) = self.body_statement(p, &mut steps) {
                self.errors.push(format!("line {line}: {e}"));
                p.pos = start;
                skip_statement(p);
            }
        }
    }

    fn body_statement(
        &mut self,
        p: &mut Parser<'_>,
        steps: &mut Vec<(Step, Option<String>)>,
    ) -> Result<(), String> {
        let line = p.line();
        if let Some(Tok::Ident(word)) = p.peek() {
            let known = matches!(word.as_str(), "const" | "let" | "var")
                || self.http_name.as_deref() == Some(word.as_str())
                || self.k6_names.contains_key(word);
            if !known {
                let keyword = matches!(
                    word.as_str(),
                    "if" | "for" | "while" | "do" | "switch" | "try" | "return" | "throw"
                );
                let call = matches!(p.peek_at(1), Some(Tok::Punct("(")));
                return Err(if keyword {
                    format!("`{word}` statements are not supported")
                } else if call {
                    format!("`{word}(…)` is not supported")
                } else {
                    format!("`{word} …` is not supported")
                });
            }
        }
        let mut var = None;
        if p.eat_ident("const") || p.eat_ident("let") || p.eat_ident("var") {
            var = Some(p.ident()?);
            p.expect_punct("=")?;
        }
        let e = p.expr()?;
        p.eat_punct(";");
        if let Some(target) = self.http_call(&e)? {
            if let Some(v) = &var {
                self.responses.insert(v.clone(), steps.len());
            }
            steps.push((Step::Request(target), var));
            return Ok(());
        }
        if let Some(name) = var {
            let v = self.eval(&e).map_err(|e| format!("`{name}`: {e}"))?;
            self.consts.insert(name, v);
            return Ok(());
        }
        let Expr::Call(callee, args) = &e else {
            return Err("only HTTP requests, check(…) and sleep(…) are supported here".into());
        };
        let func = match callee.as_ref() {
            Expr::Ident(n) => self.k6_names.get(n).cloned(),
            _ => None,
        };
        match func.as_deref() {
            Some("sleep") => {
                let [arg] = args.as_slice() else {
                    return Err("sleep(…) takes one argument".into());
                };
                match self.eval(arg)? {
                    Value::Num(s) if s >= 0.0 && s.is_finite() => {
                        steps.push((Step::Sleep(s, line), None));
                        Ok(())
                    }
                    _ => Err("sleep(…) needs a constant number of seconds".into()),
                }
            }
            Some("check") => self.check(args, steps),
            _ => Err("only HTTP requests, check(…) and sleep(…) are supported here".into()),
        }
    }

    fn check(
        &mut self,
        args: &[Expr],
        steps: &mut Vec<(Step, Option<String>)>,
    ) -> Result<(), String> {
        let (subject, checks) = match args {
            [s, c] => (s, c),
            [_, _, _] => return Err("check(…) with tags is not supported".into()),
            _ => return Err("check(…) needs a response and an object of checks".into()),
        };
        let index = match subject {
            Expr::Ident(v) => *self
                .responses
                .get(v)
                .ok_or_else(|| format!("check(…) on `{v}`, which is not an HTTP response"))?,
            other => match self.http_call(other)? {
                Some(t) => {
                    steps.push((Step::Request(t), None));
                    steps.len() - 1
                }
                None => return Err("check(…) must be given an HTTP response".into()),
            },
        };
        let Expr::Obj(fields) = checks else {
            return Err("check(…) needs an object literal of checks".into());
        };
        let mut parsed = Vec::new();
        for (name, f) in fields {
            let predicate = check_predicate(f)
                .ok_or_else(|| format!("check '{name}': only `r.status <op> N`, `r.timings.duration <op> N` and `[!]r.body.includes('…')` are supported"))?;
            parsed.push(Check {
                name: name.clone(),
                predicate,
            });
        }
        match &mut steps[index].0 {
            Step::Request(t) => t.checks.extend(parsed),
            Step::Sleep(..) => unreachable!("responses index requests"),
        }
        Ok(())
    }

    /// A `http.*(…)` call as a target; `Ok(None)` if `e` is not an http call.
    fn http_call(&mut self, e: &Expr) -> Result<Option<Target>, String> {
        let Expr::Call(callee, args) = e else {
            return Ok(None);
        };
        let Expr::Member(obj, method) = callee.as_ref() else {
            return Ok(None);
        };
        let Expr::Ident(obj) = obj.as_ref() else {
            return Ok(None);
        };
        if self.http_name.as_deref() != Some(obj.as_str()) {
            return Ok(None);
        }
        let (method, args): (String, &[Expr]) = match method.as_str() {
            "get" | "head" | "options" => {
                if args.len() > 2 {
                    return Err(format!(
                        "http.{method}(url, params) takes at most 2 arguments"
                    ));
                }
                (method.to_ascii_uppercase(), args)
            }
            "post" | "put" | "patch" | "del" => {
                let m = if method == "del" { "DELETE" } else { method };
                (m.to_ascii_uppercase(), args)
            }
            "request" => {
                let Some(first) = args.first() else {
                    return Err("http.request(…) needs a method".into());
                };
                match self.eval(first)? {
                    Value::Str {
                        text,
                        has_env: false,
                    } => (text.to_ascii_uppercase(), &args[1..]),
                    _ => return Err("http.request(…) needs a constant method".into()),
                }
            }
            other => return Err(format!("http.{other}(…) is not supported")),
        };
        let Some(url) = args.first() else {
            return Err("an HTTP request needs a URL".into());
        };
        let url = match self.eval(url)? {
            Value::Str { text, .. } => text,
            _ => return Err("the URL must be a string".into()),
        };
        let mut target = Target::new(method.clone(), url);
        let takes_body = !matches!(method.as_str(), "GET" | "HEAD" | "OPTIONS");
        let (body, params) = if takes_body {
            (args.get(1), args.get(2))
        } else {
            (None, args.get(1))
        };
        if args.len() > if takes_body { 3 } else { 2 } {
            return Err("too many arguments to an HTTP request".into());
        }
        if let Some(b) = body {
            target.body = match self.eval(b)? {
                Value::Str { text, .. } => Some(text),
                Value::Null => None,
                _ => {
                    return Err(
                        "a request body must be a string or JSON.stringify(…) (form objects are not supported)"
                            .into(),
                    );
                }
            };
        }
        if let Some(params) = params {
            self.params(params, &mut target)?;
        }
        Ok(Some(target))
    }

    fn params(&mut self, params: &Expr, target: &mut Target) -> Result<(), String> {
        let Value::Obj(fields) = self.eval(params)? else {
            return Err("request params must be an object".into());
        };
        for (k, v) in fields {
            match (k.as_str(), v) {
                ("headers", Value::Obj(h)) => {
                    for (name, value) in h {
                        match value {
                            Value::Str { text, .. } => target.headers.push((name, text)),
                            Value::Num(n) => target.headers.push((name, n.to_string())),
                            _ => return Err(format!("header {name} must be a string")),
                        }
                    }
                }
                ("tags", Value::Obj(tags)) => {
                    for (tag, value) in tags {
                        match (tag.as_str(), value) {
                            ("name", Value::Str { text, .. }) => target.name = text,
                            _ => return Err(format!("tag `{tag}` is not supported (only name)")),
                        }
                    }
                }
                ("timeout", v) => {
                    let d = match v {
                        Value::Str {
                            text,
                            has_env: false,
                        } => parse_duration(&text),
                        Value::Num(ms) if ms > 0.0 => Duration::try_from_secs_f64(ms / 1000.0).ok(),
                        _ => None,
                    }
                    .ok_or("bad request timeout")?;
                    self.timeout = Some(self.timeout.map_or(d, |t| t.max(d)));
                }
                (other, _) => return Err(format!("request param `{other}` is not supported")),
            }
        }
        Ok(())
    }

    /// Evaluates a constant expression.
    fn eval(&mut self, e: &Expr) -> Result<Value, String> {
        Ok(match e {
            Expr::Num(n) => Value::Num(*n),
            Expr::Str(s) => Value::str(s.clone()),
            Expr::Bool(b) => Value::Bool(*b),
            Expr::Null => Value::Null,
            Expr::Template(parts) => {
                let mut text = String::new();
                let mut has_env = false;
                for part in parts {
                    match part {
                        TplExpr::Text(t) => text.push_str(t),
                        TplExpr::Expr(e) => match self.eval(e)? {
                            Value::Str {
                                text: t,
                                has_env: h,
                            } => {
                                text.push_str(&t);
                                has_env |= h;
                            }
                            Value::Num(n) => text.push_str(&n.to_string()),
                            _ => return Err("unsupported value in a template literal".into()),
                        },
                    }
                }
                Value::Str { text, has_env }
            }
            Expr::Ident(name) => self
                .consts
                .get(name)
                .cloned()
                .ok_or_else(|| format!("`{name}` is not a known constant"))?,
            Expr::Member(obj, name) if matches!(obj.as_ref(), Expr::Ident(o) if o == "__ENV") => {
                if !self.env.contains(name) {
                    self.env.push(name.clone());
                }
                Value::Str {
                    text: format!("${{__ENV.{name}}}"),
                    has_env: true,
                }
            }
            Expr::Bin(op @ ("||" | "??"), lhs, rhs) => {
                let Expr::Member(obj, name) = lhs.as_ref() else {
                    return Err(format!(
                        "`{op}` is only supported as `__ENV.NAME {op} 'default'`"
                    ));
                };
                if !matches!(obj.as_ref(), Expr::Ident(o) if o == "__ENV") {
                    return Err(format!(
                        "`{op}` is only supported as `__ENV.NAME {op} 'default'`"
                    ));
                }
                let default = match self.eval(rhs)? {
                    Value::Str {
                        text,
                        has_env: false,
                    } => text,
                    Value::Num(n) => n.to_string(),
                    _ => return Err("an __ENV default must be a constant".into()),
                };
                self.env_defaults.entry(name.clone()).or_insert(default);
                self.eval(lhs)?
            }
            Expr::Bin(op, lhs, rhs) => {
                let (a, b) = (self.eval(lhs)?, self.eval(rhs)?);
                match (*op, a, b) {
                    (
                        "+",
                        Value::Str {
                            text: x,
                            has_env: hx,
                        },
                        Value::Str {
                            text: y,
                            has_env: hy,
                        },
                    ) => Value::Str {
                        text: x + &y,
                        has_env: hx || hy,
                    },
                    ("+", Value::Str { text, has_env }, Value::Num(n)) => Value::Str {
                        text: text + &n.to_string(),
                        has_env,
                    },
                    ("+", Value::Num(n), Value::Str { text, has_env }) => Value::Str {
                        text: n.to_string() + &text,
                        has_env,
                    },
                    ("+", Value::Num(x), Value::Num(y)) => Value::Num(x + y),
                    ("-", Value::Num(x), Value::Num(y)) => Value::Num(x - y),
                    ("*", Value::Num(x), Value::Num(y)) => Value::Num(x * y),
                    ("/", Value::Num(x), Value::Num(y)) if y != 0.0 => Value::Num(x / y),
                    _ => return Err(format!("operator `{op}` is not supported here")),
                }
            }
            Expr::Neg(inner) => match self.eval(inner)? {
                Value::Num(n) => Value::Num(-n),
                _ => return Err("`-` on a non-number".into()),
            },
            Expr::Obj(fields) => Value::Obj(
                fields
                    .iter()
                    .map(|(k, v)| Ok((k.clone(), self.eval(v)?)))
                    .collect::<Result<_, String>>()?,
            ),
            Expr::Arr(items) => Value::Arr(
                items
                    .iter()
                    .map(|v| self.eval(v))
                    .collect::<Result<_, String>>()?,
            ),
            Expr::Call(callee, args) => {
                let is_stringify = matches!(callee.as_ref(),
                    Expr::Member(o, m) if m == "stringify" && matches!(o.as_ref(), Expr::Ident(j) if j == "JSON"));
                if !is_stringify || args.len() != 1 {
                    return Err(format!(
                        "call to `{}(…)` is not supported here (only JSON.stringify(…))",
                        callee_name(callee)
                    ));
                }
                let v = self.eval(&args[0])?;
                let json = v
                    .to_json()
                    .ok_or("JSON.stringify(…) of a value holding __ENV is not supported")?;
                Value::str(json.to_string())
            }
            Expr::Func(..) | Expr::Member(..) | Expr::Not(_) => {
                return Err("expression is not a constant the recogniser understands".into());
            }
        })
    }

    /// Builds the script from what was collected: `Ok((script, errors))`, or only errors.
    fn finish(mut self) -> Result<(K6Script, Vec<String>), Vec<String>> {
        if self.http_name.is_none() {
            self.errors
                .push("the script does not import http from 'k6/http'".into());
        }
        let Some(steps) = self.default_fn.take() else {
            self.errors.push("no `export default function`".into());
            return Err(self.errors);
        };
        let mut targets = Vec::new();
        let mut think = 0.0;
        for (step, _) in steps {
            match step {
                Step::Request(t) => {
                    if think > 0.0 {
                        self.errors.push(
                            "sleep(…) before or between requests is not supported (only after the last request)"
                                .into(),
                        );
                        think = 0.0;
                    }
                    targets.push(t);
                }
                Step::Sleep(s, line) => {
                    if targets.is_empty() {
                        self.errors.push(format!(
                            "line {line}: sleep(…) before the first request is not supported"
                        ));
                    }
                    think += s;
                }
            }
        }
        if targets.is_empty() {
            self.errors
                .push("the default function makes no HTTP request".into());
        }
        let opts = self.options(targets.len() as u64);
        let (model, duration, max_requests, keep_alive, thresholds) = match opts {
            Ok(o) => o,
            Err(()) => return Err(self.errors),
        };
        // `sleep(1e309)` or `sleep(-1)` is no think time (and no panic).
        let Ok(think_time) = Duration::try_from_secs_f64(think) else {
            self.errors
                .push(format!("sleep({think}) is not a think time in seconds"));
            return Err(self.errors);
        };
        let model = match model {
            LoadModel::Closed { vus, stages, .. } => LoadModel::Closed {
                vus,
                think_time,
                stages,
            },
            open => open,
        };
        let config = LoadConfig {
            targets,
            selection: Selection::Sequence,
            model,
            duration,
            timeout: self.timeout.unwrap_or(Duration::from_secs(60)),
            http2: false,
            keep_alive,
            max_requests,
            thresholds,
            threads: None,
        };
        Ok((
            K6Script {
                config,
                env: self.env,
                env_defaults: self.env_defaults,
            },
            self.errors,
        ))
    }

    #[allow(clippy::type_complexity)]
    fn options(
        &mut self,
        requests_per_iteration: u64,
    ) -> Result<
        (
            LoadModel,
            Option<Duration>,
            Option<u64>,
            bool,
            Vec<Threshold>,
        ),
        (),
    > {
        let mut vus = None;
        let mut duration = None;
        let mut stages = Vec::new();
        let mut iterations = None;
        let mut thresholds = Vec::new();
        let mut keep_alive = true;
        let errors_before = self.errors.len();
        let (fields, line) = match self.options.take() {
            None => (Vec::new(), 0),
            Some((Value::Obj(f), line)) => (f, line),
            Some((_, line)) => {
                self.errors
                    .push(format!("line {line}: options must be an object"));
                return Err(());
            }
        };
        let err = |e: &mut Vec<String>, m: String| e.push(format!("line {line}: options.{m}"));
        for (k, v) in fields {
            match (k.as_str(), v) {
                ("vus", Value::Num(n)) if n >= 0.0 && n.fract() == 0.0 => vus = Some(n as u32),
                (
                    "duration",
                    Value::Str {
                        text,
                        has_env: false,
                    },
                ) => match parse_duration(&text) {
                    Some(d) => duration = Some(d),
                    None => err(&mut self.errors, format!("duration: bad duration '{text}'")),
                },
                ("iterations", Value::Num(n)) if n >= 1.0 && n.fract() == 0.0 => {
                    iterations = Some(n as u64)
                }
                ("stages", Value::Arr(items)) => {
                    for item in items {
                        match stage(&item) {
                            Some(s) => stages.push(s),
                            None => err(
                                &mut self.errors,
                                "stages: each stage must be { duration: '…', target: N }".into(),
                            ),
                        }
                    }
                }
                ("thresholds", Value::Obj(metrics)) => {
                    for (metric, list) in metrics {
                        let items = match list {
                            Value::Arr(items) => items,
                            single => vec![single],
                        };
                        for item in items {
                            match threshold(&metric, &item) {
                                Ok(t) => thresholds.push(t),
                                Err(e) => err(&mut self.errors, format!("thresholds: {e}")),
                            }
                        }
                    }
                }
                ("noConnectionReuse", Value::Bool(b)) => keep_alive = !b,
                ("discardResponseBodies", Value::Bool(_)) => {}
                (other, _) => err(
                    &mut self.errors,
                    format!("{other} is not supported (or has an unsupported value)"),
                ),
            }
        }
        if !stages.is_empty() && duration.is_some() {
            err(
                &mut self.errors,
                "duration and stages together are not supported".into(),
            );
        }
        if !stages.is_empty() && iterations.is_some() {
            err(
                &mut self.errors,
                "iterations and stages together are not supported".into(),
            );
        }
        if self.errors.len() > errors_before {
            return Err(());
        }
        let vus = vus.unwrap_or(1);
        // k6: without duration, stages or iterations, each run is one iteration.
        let (duration, max_requests) = match (duration, iterations, stages.is_empty()) {
            (d, Some(i), _) => (
                Some(d.unwrap_or(Duration::from_secs(600))),
                Some(i * requests_per_iteration),
            ),
            (None, None, true) => (Some(Duration::from_secs(600)), Some(requests_per_iteration)),
            (d, None, _) => (d, None),
        };
        let model = LoadModel::Closed {
            vus,
            think_time: Duration::ZERO,
            stages,
        };
        Ok((model, duration, max_requests, keep_alive, thresholds))
    }
}

fn stage(v: &Value) -> Option<(Duration, u32)> {
    let Value::Obj(fields) = v else { return None };
    let mut d = None;
    let mut target = None;
    for (k, v) in fields {
        match (k.as_str(), v) {
            (
                "duration",
                Value::Str {
                    text,
                    has_env: false,
                },
            ) => d = parse_duration(text),
            ("target", Value::Num(n)) if *n >= 0.0 && n.fract() == 0.0 => target = Some(*n as u32),
            _ => return None,
        }
    }
    Some((d?, target?))
}

fn threshold(metric: &str, v: &Value) -> Result<Threshold, String> {
    match v {
        Value::Str {
            text,
            has_env: false,
        } => parse_threshold(metric, text).map_err(|e| e.to_string()),
        Value::Obj(fields) => {
            let mut expr = None;
            let mut abort = false;
            let mut delay = None;
            for (k, v) in fields {
                match (k.as_str(), v) {
                    (
                        "threshold",
                        Value::Str {
                            text,
                            has_env: false,
                        },
                    ) => expr = Some(text.clone()),
                    ("abortOnFail", Value::Bool(b)) => abort = *b,
                    (
                        "delayAbortEval",
                        Value::Str {
                            text,
                            has_env: false,
                        },
                    ) => delay = Some(parse_duration(text).ok_or("bad delayAbortEval")?),
                    (other, _) => return Err(format!("threshold key `{other}` is not supported")),
                }
            }
            let mut t =
                parse_threshold(metric, &expr.ok_or("threshold object without `threshold`")?)
                    .map_err(|e| e.to_string())?;
            t.abort_on_fail = abort;
            t.delay_abort_eval = delay;
            Ok(t)
        }
        _ => Err(format!(
            "{metric}: a threshold must be a string or an object"
        )),
    }
}

/// `a.b.c` for a callee made of names, `…` otherwise.
fn callee_name(e: &Expr) -> String {
    match e {
        Expr::Ident(n) => n.clone(),
        Expr::Member(inner, n) => format!("{}.{n}", callee_name(inner)),
        _ => "…".into(),
    }
}

/// The predicate of a check function `(r) => …`, if it is in the supported subset.
fn check_predicate(f: &Expr) -> Option<CheckPredicate> {
    let Expr::Func(params, body) = f else {
        return None;
    };
    let [r] = params.as_slice() else { return None };
    let is_path = |e: &Expr, path: &[&str]| -> bool {
        let mut cur = e;
        for name in path.iter().rev() {
            match cur {
                Expr::Member(inner, n) if n == name => cur = inner,
                _ => return false,
            }
        }
        matches!(cur, Expr::Ident(x) if x == r)
    };
    match body.as_ref() {
        Expr::Bin(op, lhs, rhs) => {
            let (op, subject, value, flipped) = match (lhs.as_ref(), rhs.as_ref()) {
                (s, Expr::Num(n)) => (*op, s, *n, false),
                (Expr::Num(n), s) => (*op, s, *n, true),
                _ => return None,
            };
            let mut op = match op {
                "<" => CompareOp::Lt,
                "<=" => CompareOp::Le,
                ">" => CompareOp::Gt,
                ">=" => CompareOp::Ge,
                "==" | "===" => CompareOp::Eq,
                "!=" | "!==" => CompareOp::Ne,
                _ => return None,
            };
            if flipped {
                op = match op {
                    CompareOp::Lt => CompareOp::Gt,
                    CompareOp::Le => CompareOp::Ge,
                    CompareOp::Gt => CompareOp::Lt,
                    CompareOp::Ge => CompareOp::Le,
                    same => same,
                };
            }
            if is_path(subject, &["status"]) {
                Some(CheckPredicate::Status { op, value })
            } else if is_path(subject, &["timings", "duration"]) {
                Some(CheckPredicate::DurationMs { op, value })
            } else {
                None
            }
        }
        Expr::Not(inner) => match body_includes(inner, &is_path)? {
            CheckPredicate::BodyContains { text, negate } => Some(CheckPredicate::BodyContains {
                text,
                negate: !negate,
            }),
            _ => None,
        },
        other => body_includes(other, &is_path),
    }
}

fn body_includes(e: &Expr, is_path: &dyn Fn(&Expr, &[&str]) -> bool) -> Option<CheckPredicate> {
    let Expr::Call(callee, args) = e else {
        return None;
    };
    let Expr::Member(obj, m) = callee.as_ref() else {
        return None;
    };
    if m != "includes" || !is_path(obj, &["body"]) {
        return None;
    }
    match args.as_slice() {
        [Expr::Str(text)] => Some(CheckPredicate::BodyContains {
            text: text.clone(),
            negate: false,
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GET: &str = "import http from 'k6/http';\nimport { sleep } from 'k6';\nexport default function () { http.get('http://127.0.0.1:9/'";

    /// Found by fuzzing: a think time or request timeout too large (or
    /// negative) for a `Duration` panicked instead of being refused.
    #[test]
    fn huge_or_negative_durations_are_refused_not_a_panic() {
        for tail in [
            "); sleep(1e309); }",
            "); sleep(-1); }",
            ", { timeout: 1e309 }); }",
        ] {
            let script = format!("{GET}{tail}");
            assert!(recognise_k6(&script).is_err(), "{script}");
        }
        let fine = format!("{GET}); sleep(1); }}");
        assert!(recognise_k6(&fine).is_ok());
    }
}

#[cfg(test)]
mod depth_tests {
    use super::*;

    /// Found by fuzzing the CLI: deep nesting overflowed the stack in the
    /// recursive parser (exit 134). Each shape runs on a thread with a
    /// small stack, as test threads and tokio workers have.
    #[test]
    fn deep_nesting_is_refused_not_a_stack_overflow() {
        let n = 100_000;
        let shapes = [
            format!("{}'x'{}", "(".repeat(n), ")".repeat(n)),
            format!("{}'x'", "!".repeat(n)),
            format!("{}1", "-".repeat(n)),
            vec!["'x'"; n].join(" + "),
            vec!["1"; n].join(" || "),
            format!("a{}", ".b".repeat(n)),
            format!("f{}", "()".repeat(n)),
            format!("{}1{}", "{a:".repeat(n), "}".repeat(n)),
            format!("{}1{}", "[".repeat(n), "]".repeat(n)),
            format!("{}1", "() => ".repeat(n)),
            format!("`{}x{}`", "${`".repeat(n / 10), "`}".repeat(n / 10)),
        ];
        for arg in shapes {
            let script = format!(
                "import http from 'k6/http';\nexport const options = {{ vus: {arg} }};\nexport default function () {{ http.get({arg}); }}\n"
            );
            let outcome = std::thread::Builder::new()
                .stack_size(1 << 20)
                .spawn(move || recognise_k6(&script).is_ok())
                .expect("thread starts")
                .join();
            assert_eq!(outcome.ok(), Some(false), "{}…", &arg[..20]);
        }
    }
}
