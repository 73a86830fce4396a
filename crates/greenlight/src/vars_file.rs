//! `--vars-file FILE`: variables from a file, between the profile's
//! `[vars]` and `--set`.
//!
//! Two forms, told apart by whether the file parses as TOML:
//!
//! ```text
//! # KEY=VALUE lines (`export ` is allowed, quotes are taken off)
//! BASE_URL=http://127.0.0.1:8080
//! secret DEPLOY_KEY=abc123          # `secret ` marks a value to redact
//! ```
//!
//! ```toml
//! BASE_URL = "http://127.0.0.1:8080"
//! DEPLOY_KEY = { value = "abc123", secret = true }
//! ```
//!
//! A value is redacted like a profile secret when it is marked, or when its
//! name looks like a secret's (see [`looks_secret`]).

use crate::exit::CliError;
use std::path::Path;

/// One variable from the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileVar {
    pub name: String,
    pub value: String,
    pub secret: bool,
}

/// Words that make a variable's name look like a secret's.
const SECRET_WORDS: &[&str] = &[
    "SECRET",
    "TOKEN",
    "PASSWORD",
    "PASSWD",
    "PASS",
    "PWD",
    "KEY",
    "CREDENTIAL",
    "CREDENTIALS",
    "AUTH",
    "COOKIE",
    "SESSION",
    "PRIVATE",
    "SIGNATURE",
    "DSN",
];

/// Whether a variable named `name` likely holds a secret: one of its
/// `_`-separated words is TOKEN, PASSWORD, KEY, SECRET, … (`API_TOKEN`,
/// `DB_PASSWORD`, `DEPLOY_KEY`; not `KEYBOARD_LAYOUT` nor `MONKEY`).
pub fn looks_secret(name: &str) -> bool {
    name.to_ascii_uppercase()
        .split(['_', '-', '.'])
        .any(|w| SECRET_WORDS.contains(&w))
}

/// Reads and parses a variables file.
pub fn load(path: &Path) -> Result<Vec<FileVar>, CliError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::config(format!("{}: cannot read: {e}", path.display())))?;
    parse(&text).map_err(|e| CliError::config(format!("{}: {e}", path.display())))
}

/// Parses a variables file: TOML when it is TOML, else `KEY=VALUE` lines.
pub fn parse(text: &str) -> Result<Vec<FileVar>, String> {
    if let Ok(table) = text.parse::<toml::Table>() {
        return from_toml(table);
    }
    from_lines(text)
}

fn from_toml(table: toml::Table) -> Result<Vec<FileVar>, String> {
    let mut out = Vec::new();
    for (name, value) in table {
        check_name(&name, None)?;
        let (value, marked) = match value {
            toml::Value::String(s) => (s, false),
            toml::Value::Integer(i) => (i.to_string(), false),
            toml::Value::Float(f) => (f.to_string(), false),
            toml::Value::Boolean(b) => (b.to_string(), false),
            toml::Value::Table(t) => {
                let value = match t.get("value") {
                    Some(toml::Value::String(s)) => s.clone(),
                    Some(v @ (toml::Value::Integer(_) | toml::Value::Float(_))) => v.to_string(),
                    _ => return Err(format!("{name}: a table needs `value = \"…\"`")),
                };
                let secret = matches!(t.get("secret"), Some(toml::Value::Boolean(true)));
                if let Some(k) = t.keys().find(|k| *k != "value" && *k != "secret") {
                    return Err(format!("{name}: unknown key `{k}` (use value and secret)"));
                }
                (value, secret)
            }
            other => {
                return Err(format!(
                    "{name}: a {} is not a value (use a string or {{ value, secret }})",
                    other.type_str()
                ));
            }
        };
        out.push(FileVar {
            secret: marked || looks_secret(&name),
            name,
            value,
        });
    }
    Ok(out)
}

fn from_lines(text: &str) -> Result<Vec<FileVar>, String> {
    let mut out = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let line_no = n + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (marked, line) = match line.strip_prefix("secret ") {
            Some(rest) => (true, rest.trim_start()),
            None => (false, line),
        };
        let line = line.strip_prefix("export ").unwrap_or(line).trim_start();
        let Some((name, value)) = line.split_once('=') else {
            return Err(format!("line {line_no}: expected KEY=VALUE, got `{line}`"));
        };
        let name = name.trim();
        check_name(name, Some(line_no))?;
        let value = unquote(value.trim());
        out.push(FileVar {
            name: name.to_string(),
            value,
            secret: marked || looks_secret(name),
        });
    }
    Ok(out)
}

fn check_name(name: &str, line: Option<usize>) -> Result<(), String> {
    let ok = !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok {
        Ok(())
    } else {
        let at = line.map(|l| format!("line {l}: ")).unwrap_or_default();
        Err(format!(
            "{at}`{name}` is not a variable name (letters, digits and _)"
        ))
    }
}

/// `"a b"` → `a b`, `'x'` → `x`; anything else as written.
fn unquote(v: &str) -> String {
    for q in ['"', '\''] {
        if v.len() >= 2 && v.starts_with(q) && v.ends_with(q) {
            return v[1..v.len() - 1].to_string();
        }
    }
    v.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_with_export_quotes_comments_and_marks() {
        let vars = parse(
            "# staging\nBASE_URL=http://127.0.0.1:8080\nexport GREETING=\"hello world\"\nsecret PLAIN_NAME='s3cr3t'\nAPI_TOKEN=tok\n\n",
        )
        .unwrap();
        let got: Vec<(&str, &str, bool)> = vars
            .iter()
            .map(|v| (v.name.as_str(), v.value.as_str(), v.secret))
            .collect();
        assert_eq!(
            got,
            [
                ("BASE_URL", "http://127.0.0.1:8080", false),
                ("GREETING", "hello world", false),
                ("PLAIN_NAME", "s3cr3t", true),
                ("API_TOKEN", "tok", true),
            ]
        );
    }

    #[test]
    fn toml_with_tables() {
        let vars = parse("A = \"1\"\nB = { value = \"two\", secret = true }\nN = 3\n").unwrap();
        assert_eq!(vars.len(), 3);
        assert!(
            vars.iter()
                .any(|v| v.name == "B" && v.secret && v.value == "two")
        );
        assert!(
            vars.iter()
                .any(|v| v.name == "N" && v.value == "3" && !v.secret)
        );
    }

    #[test]
    fn mistakes_name_the_line() {
        let e = parse("A=1\nnot a pair\n").unwrap_err();
        assert!(e.starts_with("line 2:"), "{e}");
        // `9X=1` is TOML too: the name is refused either way.
        let e = parse("9X=1\n").unwrap_err();
        assert!(e.contains("`9X` is not a variable name"), "{e}");
        let e = parse("OK=1\n9X=a b\n").unwrap_err();
        assert!(e.starts_with("line 2:") && e.contains("9X"), "{e}");
    }

    #[test]
    fn secret_looking_names() {
        for n in [
            "API_TOKEN",
            "db_password",
            "DEPLOY_KEY",
            "AWS_SECRET_ACCESS_KEY",
            "SESSION",
        ] {
            assert!(looks_secret(n), "{n}");
        }
        for n in ["BASE_URL", "KEYBOARD", "MONKEY", "REGION", "PASSENGER"] {
            assert!(!looks_secret(n), "{n}");
        }
    }
}
