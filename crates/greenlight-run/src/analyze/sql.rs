//! SQL of native PostgreSQL and ClickHouse checks: its safety class (judged by the PostgreSQL
//! probe's own lexer and judge, [`greenlight_probe::sql_judge`], so planning and the probe agree),
//! and filling run-time values into it without letting a value change the statement's shape.
//!
//! A value inside a single-quoted literal (`WHERE id = '$ID'`) becomes a bound parameter
//! (`WHERE id = $1`, the whole literal's text, with the value, as the parameter's text), so
//! nothing in it is ever parsed as SQL. Outside quotes a value must be a plain number or a plain
//! identifier; anything else blocks the check.

use crate::profile::Class;
use crate::subst;
use greenlight_probe::Effect;
use greenlight_probe::sql_judge::judge_sql_text;
use greenlight_probe::sql_lex::{TokenKind, tokenize};
use std::cell::RefCell;

/// The class of SQL text: the most dangerous statement wins.
pub fn sql_class(sql: &str) -> Class {
    class_of(judge_sql_text(&subst::unprotect(sql)).class)
}

/// The run's class for a probe's [`Effect`].
pub fn class_of(effect: Effect) -> Class {
    match effect {
        Effect::Read => Class::Read,
        Effect::Mutating => Class::Mutating,
        Effect::Destructive => Class::Destructive,
    }
}

/// The SQL of several `psql -c` commands as one text, in order: SQL ends with `;`, a
/// meta-command with a line break.
pub fn join_commands(commands: &[String]) -> String {
    if let [one] = commands {
        return one.clone();
    }
    let mut sql = String::new();
    for c in commands {
        sql.push_str(c);
        let meta = c.trim_start().starts_with('\\');
        if !meta && !c.trim_end().ends_with(';') {
            sql.push(';');
        }
        sql.push('\n');
    }
    sql
}

/// The class of a psql invocation (its arguments after `psql`): the safety
/// judge's verdict, so there is one reading of psql's options. Bundled and
/// attached short options (`-Atc SQL`, `-o/tmp/x`) and `--opt=value` are
/// read as psql reads them; every `-c` counts; `-f`/`--file` (SQL we cannot
/// see), `-o`/`--output`/`-L`/`--log-file` (a file written), an unknown
/// option, a meta-command other than a listing, and no `-c` at all
/// (interactive, or SQL from stdin) are at least mutating. Only `-l`,
/// `-V` and `--help` without `-c` run no SQL and are read.
pub fn psql_class(args: &[&str]) -> Class {
    let words: Vec<super::shell::Word> =
        args.iter().map(|a| super::shell::Word::plain(a)).collect();
    super::tools_db::psql(&words).class
}

/// Which server the SQL goes to: how values may be carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// Values in literals are bound as parameters.
    Postgres,
    /// No parameters: values in literals are pasted only when they hold no quote, backslash or
    /// control character.
    ClickHouse,
}

/// SQL with its values filled in: `$1`, `$2` … stand for `params`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilledSql {
    /// The statement text (literal markers of the document turned back into `$` and `<`).
    pub sql: String,
    /// Values of `$1`, `$2` …, as text.
    pub params: Vec<String>,
}

/// Why SQL could not be filled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FillError {
    /// Names nobody provided.
    Missing(Vec<String>),
    /// A value would change the statement's shape (the message says which and why).
    Shape(String),
}

/// A plain identifier or number: the only values accepted outside quotes.
pub fn is_plain_value(v: &str) -> bool {
    let ident = v.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    let number = {
        let digits = v.strip_prefix('-').unwrap_or(v);
        let (int, frac) = digits.split_once('.').unwrap_or((digits, "1"));
        !int.is_empty()
            && !frac.is_empty()
            && int.chars().all(|c| c.is_ascii_digit())
            && frac.chars().all(|c| c.is_ascii_digit())
    };
    ident || number
}

/// Type names that may stand before a literal (`DATE '…'`, `interval '…'`); with a bound value
/// that form becomes `CAST($n AS type)`.
const TYPED_LITERAL: &[&str] = &[
    "bigint",
    "bool",
    "boolean",
    "date",
    "inet",
    "int",
    "integer",
    "interval",
    "json",
    "jsonb",
    "numeric",
    "text",
    "time",
    "timestamp",
    "timestamptz",
    "uuid",
    "varchar",
];

/// Whether substituting `text` would look anything up.
fn asks(text: &str) -> bool {
    let asked = RefCell::new(false);
    let _ = subst::substitute(text, &|_| {
        *asked.borrow_mut() = true;
        None
    });
    asked.into_inner()
}

/// `text` without literal markers, and for every byte of it the offset in `text` it came from
/// (plus one entry for the end).
fn unprotect_with_map(text: &str) -> (String, Vec<usize>) {
    let mut out = String::with_capacity(text.len());
    let mut map = Vec::with_capacity(text.len() + 1);
    for (at, c) in text.char_indices() {
        let c = match c {
            subst::LITERAL_DOLLAR => '$',
            subst::LITERAL_LT => '<',
            other => other,
        };
        for _ in 0..c.len_utf8() {
            map.push(at);
        }
        out.push(c);
    }
    map.push(text.len());
    (out, map)
}

/// Fills `$VAR`, `${VAR}` and `<placeholder>` references of a SQL `template` (as the
/// analyzer left it: `$` the document single-quoted is a literal marker).
pub fn fill_sql(
    template: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    dialect: Dialect,
) -> Result<FilledSql, FillError> {
    let (text, map) = unprotect_with_map(template);
    let original = |a: usize, b: usize| -> &str {
        let (a, b) = (map[a.min(text.len())], map[b.min(text.len())]);
        template.get(a..b).unwrap_or("")
    };
    let tokens = tokenize(&text);
    let mut out = String::with_capacity(text.len());
    let mut params: Vec<String> = Vec::new();
    let mut missing: Vec<String> = Vec::new();
    let mut bad: Vec<String> = Vec::new();
    let strict_strings = dialect == Dialect::ClickHouse
        && tokens
            .iter()
            .any(|t| t.kind == TokenKind::String && t.text(&text).contains('\\'));
    let has_params = tokens.iter().any(|t| t.kind == TokenKind::Param);

    // Substitutes a piece of the template, checking every value with `ok`.
    let mut fill = |piece: &str, ok: &dyn Fn(&str) -> bool, bad: &mut Vec<String>| -> String {
        let rejected = RefCell::new(Vec::new());
        let checked = |name: &str| {
            let v = lookup(name)?;
            if !ok(&v) {
                rejected
                    .borrow_mut()
                    .push(name.trim_matches(['<', '>']).to_string());
            }
            Some(v)
        };
        match subst::substitute(piece, &checked) {
            Ok(v) => {
                bad.extend(rejected.into_inner());
                subst::unprotect(&v)
            }
            Err(m) => {
                missing.extend(m);
                String::new()
            }
        }
    };

    let mut cursor = 0;
    for (i, t) in tokens.iter().enumerate() {
        let quoted = matches!(
            t.kind,
            TokenKind::String | TokenKind::QuotedIdent | TokenKind::DollarString
        );
        if !quoted {
            continue;
        }
        let tok_text = t.text(&text);
        // A dollar string's tags are not references (`$$a` is not `$a`): only its body counts.
        let tag_len = if t.kind == TokenKind::DollarString {
            tok_text[1..].find('$').map_or(1, |p| p + 2)
        } else {
            0
        };
        let closed = tok_text.len() >= 2 * tag_len && tok_text.ends_with(&tok_text[..tag_len]);
        let body_end = if closed { t.end - tag_len } else { t.end };
        let raw = if t.kind == TokenKind::DollarString {
            original(t.start + tag_len, body_end)
        } else {
            original(t.start, t.end)
        };
        if !asks(raw) {
            if t.kind == TokenKind::DollarString {
                out.push_str(&fill(original(cursor, t.start), &is_plain_value, &mut bad));
                out.push_str(&subst::unprotect(original(t.start, t.end)));
                cursor = t.end;
            }
            continue;
        }
        let typed = i
            .checked_sub(1)
            .and_then(|p| tokens.get(p))
            .filter(|p| {
                p.kind == TokenKind::Word
                    && p.start >= cursor
                    && TYPED_LITERAL.contains(&p.text(&text).to_ascii_lowercase().as_str())
            })
            .copied();
        let code_end = typed.map_or(t.start, |p| p.start);
        out.push_str(&fill(original(cursor, code_end), &is_plain_value, &mut bad));
        cursor = t.end;
        match (t.kind, dialect) {
            (TokenKind::QuotedIdent, _) => {
                let v = fill(
                    raw,
                    &|v: &str| !v.contains('"') && !v.chars().any(char::is_control),
                    &mut bad,
                );
                out.push_str(&v);
            }
            (TokenKind::String, Dialect::ClickHouse) => {
                let ok = |v: &str| {
                    if strict_strings {
                        is_plain_value(v)
                    } else {
                        !v.contains(['\'', '\\']) && !v.chars().any(char::is_control)
                    }
                };
                out.push_str(&fill(raw, &ok, &mut bad));
            }
            (_, Dialect::ClickHouse) => {
                return Err(FillError::Shape(
                    "a value inside a $$ string cannot be carried safely to ClickHouse".into(),
                ));
            }
            (_, Dialect::Postgres) => {
                if has_params {
                    return Err(FillError::Shape(
                        "the SQL already uses $1-style parameters, so a value inside a literal \
                         cannot be bound as one"
                            .into(),
                    ));
                }
                let content = if t.kind == TokenKind::DollarString {
                    fill(raw, &|_| true, &mut bad)
                } else if tok_text.starts_with('\'') {
                    let filled = fill(raw, &|_| true, &mut bad);
                    let inner = filled.strip_prefix('\'').unwrap_or(&filled);
                    let inner = inner.strip_suffix('\'').unwrap_or(inner);
                    // The template's own '' escapes; a value's quotes are data.
                    inner.to_string()
                } else {
                    return Err(FillError::Shape(format!(
                        "a value inside the prefixed string {} cannot be bound; write it as a \
                         plain '…' literal",
                        one_line(raw)
                    )));
                };
                let content = if tok_text.starts_with('\'') {
                    unescape_template_quotes(raw, &content, lookup)
                } else {
                    content
                };
                params.push(content);
                let n = params.len();
                match typed {
                    Some(p) => out.push_str(&format!("CAST(${n} AS {})", p.text(&text))),
                    None => out.push_str(&format!("${n}")),
                }
            }
        }
    }
    out.push_str(&fill(
        original(cursor, text.len()),
        &is_plain_value,
        &mut bad,
    ));
    if !missing.is_empty() {
        missing.sort();
        missing.dedup();
        return Err(FillError::Missing(missing));
    }
    if !bad.is_empty() {
        bad.sort();
        bad.dedup();
        return Err(FillError::Shape(format!(
            "the value of {} would change the statement's shape: outside a quoted literal only a \
             plain number or identifier is filled in{}",
            bad.join(", "),
            if dialect == Dialect::ClickHouse {
                ", and inside one nothing with a quote, backslash or control character"
            } else {
                ""
            }
        )));
    }
    Ok(FilledSql { sql: out, params })
}

/// A literal's content with the template's `''` turned into `'`, leaving quotes that came from
/// values as they are: the template is split at its references and only its own text is
/// unescaped.
fn unescape_template_quotes(
    raw: &str,
    filled: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> String {
    if !raw.contains("''") {
        return filled.to_string();
    }
    // Fill again with a marker around every value, then unescape outside the markers.
    const OPEN: char = '\u{E0A0}';
    const CLOSE: char = '\u{E0A1}';
    let marked = subst::substitute(raw, &|name| {
        lookup(name).map(|v| format!("{OPEN}{v}{CLOSE}"))
    })
    .map(|s| subst::unprotect(&s))
    .unwrap_or_default();
    let inner = marked.strip_prefix('\'').unwrap_or(&marked);
    let inner = inner.strip_suffix('\'').unwrap_or(inner);
    let mut out = String::with_capacity(inner.len());
    let mut in_value = 0usize;
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            OPEN => in_value += 1,
            CLOSE => in_value = in_value.saturating_sub(1),
            '\'' if in_value == 0 && chars.peek() == Some(&'\'') => {
                chars.next();
                out.push('\'');
            }
            c => out.push(c),
        }
    }
    out
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let owned: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name: &str| {
            owned
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        }
    }

    fn pg(t: &str, pairs: &[(&str, &str)]) -> Result<FilledSql, FillError> {
        fill_sql(t, &vars(pairs), Dialect::Postgres)
    }

    #[test]
    fn values_in_literals_are_bound() {
        let f = pg(
            "SELECT * FROM t WHERE id = '$ID' AND n = 'a''s ${N}'",
            &[("ID", "x' OR '1'='1"), ("N", "it''s")],
        )
        .unwrap();
        assert_eq!(f.sql, "SELECT * FROM t WHERE id = $1 AND n = $2");
        assert_eq!(f.params, vec!["x' OR '1'='1", "a's it''s"]);
        let f = pg(
            "SELECT DATE '$D' + interval '$N days'",
            &[("D", "2024-01-01"), ("N", "3")],
        )
        .unwrap();
        assert_eq!(f.sql, "SELECT CAST($1 AS DATE) + CAST($2 AS interval)");
        assert_eq!(f.params, vec!["2024-01-01", "3 days"]);
        let f = pg("SELECT $$a $X$$", &[("X", "'); DROP TABLE t; --")]).unwrap();
        assert_eq!(f.sql, "SELECT $1");
        assert_eq!(f.params, vec!["a '); DROP TABLE t; --"]);
        let f = pg("SELECT $$abc$$, $t$ x $t$", &[]).unwrap();
        assert_eq!(f.sql, "SELECT $$abc$$, $t$ x $t$");
    }

    #[test]
    fn plain_values_outside_quotes() {
        let f = pg(
            "SELECT * FROM $TABLE WHERE id = $ID LIMIT ${N}",
            &[("TABLE", "users"), ("ID", "-42"), ("N", "1.5")],
        )
        .unwrap();
        assert_eq!(f.sql, "SELECT * FROM users WHERE id = -42 LIMIT 1.5");
        assert!(f.params.is_empty());
        for v in [
            "1; DELETE FROM t",
            "1 OR 1=1",
            "x'",
            "a b",
            "",
            "1e5",
            "a.b",
        ] {
            match pg("SELECT * FROM t WHERE id = $ID", &[("ID", v)]) {
                Err(FillError::Shape(m)) => {
                    assert!(
                        m.contains("the value of ID would change the statement's shape"),
                        "{m}"
                    )
                }
                other => panic!("{v}: {other:?}"),
            }
        }
    }

    #[test]
    fn quoted_identifiers_refuse_quotes() {
        let f = pg("SELECT * FROM \"$S\".t", &[("S", "my-schema")]).unwrap();
        assert_eq!(f.sql, "SELECT * FROM \"my-schema\".t");
        assert!(matches!(
            pg("SELECT * FROM \"$S\".t", &[("S", "x\"; DROP TABLE t; --")]),
            Err(FillError::Shape(_))
        ));
    }

    #[test]
    fn missing_and_literal_markers() {
        assert_eq!(
            pg("SELECT '$A', $B", &[]),
            Err(FillError::Missing(vec!["A".into(), "B".into()]))
        );
        let protected = subst::protect_single_quoted("'SELECT ''$X'' AS a'");
        let inner = protected.trim_matches('\'');
        let f = pg(inner, &[]).unwrap();
        assert!(f.params.is_empty());
        assert_eq!(f.sql, "SELECT ''$X'' AS a");
        let f = pg("SELECT 1 -- comment $X\n", &[("X", "ok")]).unwrap();
        assert_eq!(f.sql, "SELECT 1 -- comment ok\n");
        assert!(matches!(
            pg("SELECT E'$X'", &[("X", "a")]),
            Err(FillError::Shape(_))
        ));
        assert!(matches!(
            pg("SELECT $1, '$X'", &[("X", "a")]),
            Err(FillError::Shape(_))
        ));
    }

    #[test]
    fn clickhouse_pastes_only_harmless_values() {
        let ch = |t: &str, v: &str| fill_sql(t, &vars(&[("X", v)]), Dialect::ClickHouse);
        assert_eq!(ch("SELECT '$X'", "a b-c").unwrap().sql, "SELECT 'a b-c'");
        for v in ["x' OR 1=1 --", "a\\", "a\nb"] {
            assert!(
                matches!(ch("SELECT '$X'", v), Err(FillError::Shape(_))),
                "{v}"
            );
        }
        assert!(matches!(
            ch("SELECT 'a\\'$X'", "a b"),
            Err(FillError::Shape(_))
        ));
    }

    #[test]
    fn every_psql_option_counts() {
        let c = |s: &str| {
            let words = crate::analyze::script::words(s).unwrap();
            let args: Vec<&str> = words.iter().map(String::as_str).collect();
            psql_class(&args)
        };
        assert_eq!(c("-d db -c 'SELECT 1'"), Class::Read);
        assert_eq!(c("-Atc 'SELECT 1'"), Class::Read);
        assert_eq!(c("-c 'SELECT 1' -c 'DELETE FROM t'"), Class::Destructive);
        assert_eq!(
            c("-c 'SELECT 1' --command='SELECT nextval(1)'"),
            Class::Mutating
        );
        assert_eq!(c(r"-cSELECT\ 1 -c'UPDATE t SET a=1'"), Class::Mutating);
        assert_eq!(c("-c 'SELECT 1' -o /tmp/x"), Class::Mutating);
        assert_eq!(c("-c 'SELECT 1' -Ato/tmp/x"), Class::Mutating);
        assert_eq!(c("-c 'SELECT 1' --output=/tmp/x"), Class::Mutating);
        assert_eq!(c("-c 'SELECT 1' -f/tmp/x.sql"), Class::Mutating);
        assert_eq!(c("-c 'SELECT 1' -L log"), Class::Mutating);
        assert_eq!(c("-d db"), Class::Mutating);
        assert_eq!(c("-c '\\dt' -c 'SELECT 1'"), Class::Read);
        assert_eq!(c("-c 'SELECT 1' -c '\\copy t to x'"), Class::Mutating);
        assert_eq!(
            c("-U u -h h -p 5 -v ON_ERROR_STOP=1 -c 'SELECT 1'"),
            Class::Read
        );
        // Stricter since it is the judge's reading: unknown options and
        // meta-commands that pipe or write are not read.
        assert_eq!(c("--no-such-option -c 'SELECT 1'"), Class::Mutating);
        assert_eq!(c("-c '\\dt | tee x'"), Class::Mutating);
        assert_eq!(c("-l"), Class::Read);
    }

    #[test]
    fn class_is_the_probe_judges() {
        assert_eq!(sql_class("SELECT 1"), Class::Read);
        assert_eq!(sql_class("SELECT nextval('s')"), Class::Mutating);
        assert_eq!(sql_class("DELETE FROM t"), Class::Destructive);
        assert_eq!(sql_class("SELECT update_at FROM t"), Class::Read);
    }

    proptest::proptest! {
        #[test]
        fn never_panics(t in "\\PC{0,40}", v in "\\PC{0,12}") {
            let look = vars(&[("X", &v), ("Y", &v)]);
            let _ = fill_sql(&t, &look, Dialect::Postgres);
            let _ = fill_sql(&t, &look, Dialect::ClickHouse);
        }

        #[test]
        fn a_value_is_bound_or_plain_or_refused(v in "\\PC{0,12}") {
            let look = vars(&[("X", &v), ("Y", &v)]);
            match fill_sql("SELECT * FROM t WHERE a = '$X' AND b = $Y", &look, Dialect::Postgres) {
                Ok(f) => {
                    proptest::prop_assert!(is_plain_value(&v));
                    proptest::prop_assert_eq!(f.sql, format!("SELECT * FROM t WHERE a = $1 AND b = {v}"));
                    proptest::prop_assert_eq!(f.params, vec![v.clone()]);
                }
                Err(e) => {
                    proptest::prop_assert!(!is_plain_value(&v));
                    proptest::prop_assert!(matches!(e, FillError::Shape(_)));
                }
            }
        }
    }
}
