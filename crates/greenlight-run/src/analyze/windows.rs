//! `cmd`, `bat`, `powershell`, `pwsh` and `ps1` fences.
//!
//! No shell runs them here. Deny by default: only HTTP requests are checked,
//! natively, exactly as the same request written in bash would be:
//!
//! - `curl …` and `curl.exe …` (with `^` continuations in cmd and backtick
//!   ones in PowerShell, `%VAR%` and `$env:VAR` as variables);
//! - PowerShell `Invoke-RestMethod`, `Invoke-WebRequest`, `irm`, `iwr` with
//!   `-Uri`, `-Method`, `-Headers @{…}`, `-Body`, `-ContentType`,
//!   `-TimeoutSec`, `-SkipCertificateCheck`, `-OutFile`.
//!
//! Comments (`# Expected …`, `REM Expected …`, `:: …`) say what is expected
//! as they do in bash. `$x = 'literal'` and `set X=literal` define values
//! for later lines. Lines that only show a value (`$h | ConvertTo-Json`,
//! `Write-Host …`, a bare string) and `try`/`catch` blocks, which print
//! either outcome and assert nothing, need no check. Every other line stays a
//! command with no native probe: the plan reports it as not run.
//!
//! The fence is translated line for line into the bash the recognisers
//! read, so that expectations, variables and classes come from the one
//! analysis; commands keep the text the document wrote.

use super::{BlockAnalysis, analyze_block};
use crate::profile::Class;

/// Why a line of such a fence that is not a request does not run.
pub const NOT_RUN: &str = "a cmd/PowerShell line: greenlight runs no cmd or PowerShell; only curl and Invoke-RestMethod/Invoke-WebRequest requests in such fences are checked, natively";

/// Whether a fence's language is one of cmd's or PowerShell's.
pub fn is_windows_lang(lang: Option<&str>) -> bool {
    matches!(
        lang.map(str::to_ascii_lowercase).as_deref(),
        Some(
            "cmd"
                | "bat"
                | "batch"
                | "dos"
                | "doscon"
                | "powershell"
                | "pwsh"
                | "ps1"
                | "ps"
                | "posh"
                | "pscon"
        )
    )
}

/// Whether `lang` is PowerShell's (else cmd's).
fn is_powershell(lang: Option<&str>) -> bool {
    matches!(
        lang.map(str::to_ascii_lowercase).as_deref(),
        Some("powershell" | "pwsh" | "ps1" | "ps" | "posh" | "pscon")
    )
}

/// What a line of the fence is.
enum Kind {
    /// An HTTP request, as a bash `curl` line.
    Http(String),
    /// A bash line standing for the fence's own (comment, assignment).
    Same(String),
    /// Needs no check.
    Inert,
    /// Not run.
    Other,
}

/// Analyses a cmd or PowerShell fence.
pub fn analyze(code: &str, lang: Option<&str>) -> BlockAnalysis {
    let ps = is_powershell(lang);
    let lines: Vec<&str> = code.lines().collect();
    let mut out: Vec<String> = Vec::with_capacity(lines.len());
    // Original text and whether it is a request, by first physical line.
    let mut originals: Vec<(usize, String, bool)> = Vec::new();
    let mut try_depth: Option<i64> = None;
    let mut i = 0;
    while i < lines.len() {
        let start = i;
        let mut text = lines[i].trim().to_string();
        i += 1;
        // Continuations: `^` (cmd), a backtick (PowerShell), an open `@{`.
        loop {
            let cont = if ps {
                text.strip_suffix('`').map(str::to_string).or_else(|| {
                    (text.matches("@{").count() > text.matches('}').count())
                        .then(|| text.clone() + ";")
                })
            } else {
                text.strip_suffix('^').map(str::to_string)
            };
            match cont {
                Some(head) if i < lines.len() => {
                    text = format!("{} {}", head.trim_end(), lines[i].trim());
                    i += 1;
                }
                _ => break,
            }
        }
        let span = i - start;
        let kind = if let Some(depth) = &mut try_depth {
            *depth += brace_balance(&text);
            if *depth <= 0 && !text.to_ascii_lowercase().contains("catch") {
                try_depth = None;
            } else if *depth <= 0 {
                *depth = brace_balance(&text).max(1);
            }
            Kind::Inert
        } else if ps
            && ["try", "catch", "finally"]
                .iter()
                .any(|w| starts_word(&text, w))
        {
            let b = brace_balance(&text);
            try_depth = Some(if b > 0 { b } else { 1 });
            Kind::Inert
        } else {
            line_kind(&text, ps)
        };
        let bash = match &kind {
            Kind::Http(l) | Kind::Same(l) => l.clone(),
            Kind::Inert => "true".into(),
            Kind::Other => {
                originals.push((start, text.clone(), false));
                // Words the recognisers read as a command of their own.
                format!("windows-line {}", shell_words::quote(&text))
            }
        };
        if let Kind::Http(_) = kind {
            originals.push((start, text.clone(), true));
        }
        if span == 1 {
            out.push(bash);
        } else {
            out.push(format!("{bash} \\"));
            out.extend(std::iter::repeat_n(" \\".to_string(), span - 2));
            out.push(String::new());
        }
    }
    let mut analysis = analyze_block(&(out.join("\n") + "\n"), Some("bash"));
    for c in &mut analysis.commands {
        // Assignments and lines that need no check keep their bash form:
        // later lines read their values from it.
        let original = originals.iter().find(|(s, _, _)| *s == c.line_offset);
        if let Some((_, text, _)) = original {
            c.text = text.clone();
        }
        if !original.is_some_and(|(_, _, http)| *http) {
            c.native = None;
            c.capture = None;
        }
        if c.programs.iter().any(|p| p == "windows-line") {
            c.programs.clear();
            c.class_reason = Some(NOT_RUN.into());
        }
    }
    if let Some(c) = analysis
        .commands
        .iter()
        .find(|c| c.class == analysis.class && (!c.inert || c.class > Class::Read))
    {
        analysis.decided_by = c.text.clone();
        if analysis.class > Class::Read {
            analysis.decided_why = c.class_reason.clone();
        }
    }
    analysis
}

fn starts_word(text: &str, word: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    lower == word
        || lower
            .strip_prefix(word)
            .is_some_and(|r| r.starts_with([' ', '{']))
}

fn brace_balance(text: &str) -> i64 {
    text.matches('{').count() as i64 - text.matches('}').count() as i64
}

fn line_kind(text: &str, ps: bool) -> Kind {
    // `curl … # Expected: 200`: the comment stays a trailing comment.
    if ps
        && !text.starts_with('#')
        && let Some(at) = trailing_comment_at(text)
    {
        return match line_kind(text[..at].trim_end(), ps) {
            Kind::Http(l) => Kind::Http(format!("{l} {}", &text[at..])),
            Kind::Same(l) if !l.is_empty() => Kind::Same(format!("{l} {}", &text[at..])),
            other => other,
        };
    }
    if text.is_empty() {
        return Kind::Same(String::new());
    }
    let lower = text.to_ascii_lowercase();
    // Comments.
    if let Some(c) = text.strip_prefix('#').filter(|_| ps) {
        return Kind::Same(format!("#{c}"));
    }
    if ps && (text.starts_with("<#") || text.ends_with("#>")) {
        return Kind::Same(format!(
            "# {}",
            text.trim_start_matches("<#").trim_end_matches("#>")
        ));
    }
    if !ps && (lower == "rem" || lower.starts_with("rem ") || text.starts_with("::")) {
        let rest = text.get(3..).unwrap_or("").trim_start_matches(':');
        return Kind::Same(format!("# {}", rest.trim()));
    }
    if !ps && (lower.starts_with("@echo ") || lower == "@echo off") {
        return Kind::Inert;
    }
    // `$x = …`, `set X=…`.
    if ps && let Some((name, value)) = ps_assignment(text) {
        let value = value.trim();
        if let Some(request) = http_line(value, ps) {
            return Kind::Http(request);
        }
        if let Some(lit) = literal(value) {
            return Kind::Same(format!("{name}={lit}"));
        }
        return Kind::Other;
    }
    if !ps
        && let Some(rest) = text.get(4..).filter(|_| lower.starts_with("set "))
        && let Some((name, value)) = rest.trim().trim_matches('"').split_once('=')
        && super::classify::is_assignment(&format!("{name}="))
        && !value.contains(['%', '!', '&', '|', '<', '>'])
    {
        return Kind::Same(format!("{name}={}", shell_words::quote(value)));
    }
    if let Some(request) = http_line(text, ps) {
        return Kind::Http(request);
    }
    if ps && shows_a_value(text) {
        return Kind::Inert;
    }
    if !ps && (lower.starts_with("echo ") || lower == "echo." || lower == "pause") {
        return Kind::Inert;
    }
    Kind::Other
}

/// Where a PowerShell comment starts after code: a `#` after a space,
/// outside quotes.
fn trailing_comment_at(text: &str) -> Option<usize> {
    let mut quote: Option<char> = None;
    let mut prev = ' ';
    for (i, c) in text.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' => quote = Some(c),
            None if c == '#' && prev.is_whitespace() && i > 0 => return Some(i),
            None => {}
        }
        prev = c;
    }
    None
}

/// `$name = value` → (name, value).
fn ps_assignment(text: &str) -> Option<(String, &str)> {
    let rest = text.strip_prefix('$')?;
    let (name, value) = rest.split_once('=')?;
    let name = name.trim();
    if value.starts_with('=') || !super::classify::is_assignment(&format!("{name}=")) {
        return None;
    }
    Some((name.to_string(), value))
}

/// A PowerShell value written as a literal, as a bash word.
fn literal(value: &str) -> Option<String> {
    if let Some(s) = value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')) {
        return (!s.contains('\'')).then(|| format!("'{s}'"));
    }
    if let Some(s) = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
        if s.contains(['"', '`']) || s.contains("$(") {
            return None;
        }
        return Some(format!("\"{}\"", ps_vars(s)));
    }
    (!value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-:/".contains(c)))
    .then(|| value.to_string())
}

/// A line that only shows a value: `$h | ConvertTo-Json`, `$h.status`,
/// `Write-Host "…"`, `"done"`.
fn shows_a_value(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    let first = lower.split_whitespace().next().unwrap_or("");
    matches!(
        first,
        "write-host" | "write-output" | "echo" | "write-verbose" | "write-information" | "}" | "{"
    ) || ((text.starts_with('"') && text.ends_with('"'))
        || (text.starts_with('\'') && text.ends_with('\'')))
        || (text.starts_with('$')
            && text[1..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '.')
                .count()
                + 1
                == text.split('|').next().unwrap_or("").trim_end().len()
            && !text.to_ascii_lowercase().starts_with("$env:")
            && text.split('|').skip(1).all(|p| is_formatting(p.trim())))
}

/// Pipeline stages that only format what is shown.
fn is_formatting(stage: &str) -> bool {
    let lower = stage.to_ascii_lowercase();
    let first = lower.split_whitespace().next().unwrap_or("");
    matches!(
        first,
        "convertto-json"
            | "out-null"
            | "format-list"
            | "format-table"
            | "fl"
            | "ft"
            | "out-host"
            | "out-string"
            | "select-object"
            | "select"
    )
}

/// `$api`, `${api}`, `$env:TOKEN` → `${api}`, `${TOKEN}`; `%TOKEN%` → `${TOKEN}`.
fn ps_vars(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '$' {
            let mut j = i + 1;
            let lower: String = chars[j..]
                .iter()
                .take(4)
                .collect::<String>()
                .to_ascii_lowercase();
            if lower == "env:" {
                j += 4;
            }
            let start = j;
            while j < chars.len() && (chars[j].is_ascii_alphanumeric() || chars[j] == '_') {
                j += 1;
            }
            if j > start {
                out.push_str("${");
                out.extend(&chars[start..j]);
                out.push('}');
                i = j;
                continue;
            }
        } else if c == '%'
            && let Some(len) = chars[i + 1..].iter().position(|&x| x == '%')
            && len > 0
            && chars[i + 1..i + 1 + len]
                .iter()
                .all(|x| x.is_ascii_alphanumeric() || *x == '_')
        {
            out.push_str("${");
            out.extend(&chars[i + 1..i + 1 + len]);
            out.push('}');
            i += len + 2;
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

/// A request line as bash `curl`, when it is one greenlight can send.
fn http_line(text: &str, ps: bool) -> Option<String> {
    // `(Invoke-WebRequest …).StatusCode`.
    let mut text = text.trim();
    if let Some(inner) = text.strip_prefix('(')
        && let Some(close) = inner.rfind(')')
        && inner[close + 1..]
            .trim()
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_')
    {
        text = inner[..close].trim();
    }
    let tokens = ps_tokens(text)?;
    // Formatting stages after the request.
    let stages: Vec<&[String]> = tokens.split(|t| t == "|").collect();
    if stages.len() > 1 && !stages[1..].iter().all(|s| is_formatting(&s.join(" "))) {
        return None;
    }
    let words = stages[0];
    let program = words.first()?.to_ascii_lowercase();
    let uses_ps_params = words.iter().any(|w| {
        matches!(
            w.to_ascii_lowercase().as_str(),
            "-uri" | "-method" | "-usebasicparsing" | "-headers" | "-body"
        )
    });
    match program.as_str() {
        "curl" | "curl.exe" if !(ps && program == "curl" && uses_ps_params) => {
            let args: Vec<String> = words[1..].iter().map(|w| bash_word(w, ps)).collect();
            Some(format!("curl {}", args.join(" ")))
        }
        "invoke-restmethod" | "invoke-webrequest" | "irm" | "iwr" | "curl" | "wget" if ps => {
            invoke_as_curl(&words[1..])
        }
        _ => None,
    }
}

/// A curl argument written in cmd or PowerShell, as a bash word.
fn bash_word(w: &str, ps: bool) -> String {
    if ps && let Some(s) = w.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')) {
        return format!("'{}'", s.replace('\'', "'\\''"));
    }
    let inner = w
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(w);
    let inner = if ps {
        inner.replace("`\"", "\\\"")
    } else {
        inner.to_string()
    };
    format!("\"{}\"", ps_vars(&inner).replace('`', "\\`"))
}

/// A PowerShell value (`'x'`, `"x $v"`, `$v/x`) as a bash word; `None` for
/// an expression greenlight does not evaluate (`(… | ConvertTo-Json)`).
fn ps_value(v: &str) -> Option<String> {
    if v.starts_with('(') || v.starts_with("@(") || v.contains("$(") {
        return None;
    }
    if let Some(s) = v.strip_prefix('\'').and_then(|x| x.strip_suffix('\'')) {
        return Some(format!("'{}'", s.replace('\'', "'\\''")));
    }
    let inner = v
        .strip_prefix('"')
        .and_then(|x| x.strip_suffix('"'))
        .unwrap_or(v);
    Some(format!(
        "\"{}\"",
        ps_vars(&inner.replace("`\"", "\"")).replace('"', "\\\"")
    ))
}

/// `Invoke-RestMethod` parameters as curl arguments.
fn invoke_as_curl(params: &[String]) -> Option<String> {
    let mut url = None;
    let mut args: Vec<String> = Vec::new();
    let mut i = 0;
    while i < params.len() {
        let p = params[i].as_str();
        let lower = p.to_ascii_lowercase();
        let value = params.get(i + 1).map(String::as_str);
        let take = |out: &mut Vec<String>, opt: &str| -> Option<()> {
            out.push(opt.to_string());
            out.push(ps_value(value?)?);
            Some(())
        };
        match lower.as_str() {
            "-uri" => {
                url = Some(ps_value(value?)?);
                i += 2;
            }
            "-method" => {
                take(&mut args, "-X")?;
                // PowerShell writes `Get`, `Post`.
                if let Some(m) = args.last_mut() {
                    *m = m.to_ascii_uppercase();
                }
                i += 2;
            }
            "-body" => {
                take(&mut args, "--data-raw")?;
                i += 2;
            }
            "-contenttype" => {
                args.push("-H".into());
                let v = ps_value(value?)?;
                let v = v[1..v.len() - 1].to_string();
                args.push(format!("\"Content-Type: {v}\""));
                i += 2;
            }
            "-timeoutsec" => {
                take(&mut args, "--max-time")?;
                i += 2;
            }
            "-outfile" => {
                take(&mut args, "-o")?;
                i += 2;
            }
            "-headers" => {
                for (k, v) in hashtable(value?)? {
                    let v = ps_value(&v)?;
                    let v = &v[1..v.len() - 1];
                    args.push("-H".into());
                    args.push(format!("\"{}: {v}\"", k.trim_matches(['"', '\''])));
                }
                i += 2;
            }
            "-skipcertificatecheck" => {
                args.push("-k".into());
                i += 1;
            }
            "-usebasicparsing" | "-disablekeepalive" | "-verbose" => i += 1,
            _ if p.starts_with('-') => return None,
            _ if url.is_none() => {
                url = Some(ps_value(p)?);
                i += 1;
            }
            _ => return None,
        }
    }
    Some(format!("curl {} {}", args.join(" "), url?).replace("curl  ", "curl "))
}

/// `@{ "A" = "b"; C = 'd' }` → [("A", "\"b\""), ("C", "'d'")].
fn hashtable(v: &str) -> Option<Vec<(String, String)>> {
    let body = v.strip_prefix("@{")?.strip_suffix('}')?;
    let mut out = Vec::new();
    for pair in split_outside_quotes(body, &[';', '\n']) {
        let pair = pair.trim();
        if pair.is_empty() {
            continue;
        }
        let (k, v) = pair.split_once('=')?;
        out.push((k.trim().to_string(), v.trim().to_string()));
    }
    Some(out)
}

fn split_outside_quotes(s: &str, seps: &[char]) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    for c in s.chars() {
        match quote {
            Some(q) if c == q => {
                quote = None;
                cur.push(c);
            }
            Some(_) => cur.push(c),
            None if c == '"' || c == '\'' => {
                quote = Some(c);
                cur.push(c);
            }
            None if seps.contains(&c) => out.push(std::mem::take(&mut cur)),
            None => cur.push(c),
        }
    }
    out.push(cur);
    out
}

/// Splits a PowerShell (or cmd) line into tokens, quotes kept, `@{…}` and
/// `(…)` as one token, `|` as its own; `None` for unbalanced quotes.
fn ps_tokens(text: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut depth = 0usize;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match quote {
            Some(q) => {
                cur.push(c);
                if c == '`' || (c == '\\' && q == '"') {
                    if let Some(n) = chars.next() {
                        cur.push(n);
                    }
                } else if c == q {
                    quote = None;
                }
            }
            None => match c {
                '"' | '\'' => {
                    quote = Some(c);
                    cur.push(c);
                }
                '{' | '(' => {
                    depth += 1;
                    cur.push(c);
                }
                '}' | ')' => {
                    depth = depth.saturating_sub(1);
                    cur.push(c);
                }
                '|' if depth == 0 => {
                    if !cur.is_empty() {
                        out.push(std::mem::take(&mut cur));
                    }
                    out.push("|".into());
                }
                c if c.is_whitespace() && depth == 0 => {
                    if !cur.is_empty() {
                        out.push(std::mem::take(&mut cur));
                    }
                }
                c => cur.push(c),
            },
        }
    }
    if quote.is_some() || depth > 0 {
        return None;
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{Expectation, Target};
    use crate::profile::Class;

    fn http(t: &Option<Target>) -> (String, String, Vec<(String, String)>, Option<String>) {
        match t {
            Some(Target::Http {
                method,
                url,
                headers,
                body,
                ..
            }) => (method.clone(), url.clone(), headers.clone(), body.clone()),
            other => panic!("not an HTTP target: {other:?}"),
        }
    }

    #[test]
    fn b12_powershell_curl_with_its_turkish_expectation() {
        let code = "# Sağlık endpoint'ini test et\ncurl http://localhost:3000/api/health\n\n# Beklenen yanıt:\n# {\n#   \"status\": \"healthy\",\n#   \"services\": {\n#     \"database\": { \"status\": \"healthy\" },\n#     \"redis\": { \"status\": \"healthy\" }\n#   }\n# }\n";
        let b = analyze(code, Some("powershell"));
        let runnable: Vec<_> = b.commands.iter().filter(|c| !c.inert).collect();
        assert_eq!(runnable.len(), 1);
        let (m, url, _, _) = http(&runnable[0].native);
        assert_eq!(
            (m.as_str(), url.as_str()),
            ("GET", "http://localhost:3000/api/health")
        );
        // The comments say what they say in bash.
        let bash = crate::analyze::analyze_block(code, Some("bash"));
        assert_eq!(runnable[0].expect, bash.commands[0].expect);
        assert!(!runnable[0].expect.is_empty());
        assert_eq!(runnable[0].text, "curl http://localhost:3000/api/health");
    }

    #[test]
    fn b12_backtick_continuation_and_env_variables() {
        let code = "# Manuel tetikle\ncurl -X POST http://localhost:3000/api/cron/create-scheduled-audits `\n  -H \"Authorization: Bearer $env:CRON_SECRET\"\n\n# Yanıtı kontrol et\n";
        let b = analyze(code, Some("powershell"));
        let c = b.commands.iter().find(|c| !c.inert).unwrap();
        let (m, _, headers, _) = http(&c.native);
        assert_eq!(m, "POST");
        assert_eq!(
            headers,
            vec![("Authorization".into(), "Bearer ${CRON_SECRET}".into())]
        );
        assert_eq!(c.needs, vec!["CRON_SECRET".to_string()]);
        assert_eq!(c.class, Class::Mutating);
        assert!(
            c.text
                .contains("-H \"Authorization: Bearer $env:CRON_SECRET\""),
            "{}",
            c.text
        );
    }

    #[test]
    fn b16_cmd_fences() {
        let b = analyze("curl http://localhost/health/\n", Some("cmd"));
        assert_eq!(b.commands.len(), 1);
        assert!(b.commands[0].native.is_some());
        assert_eq!(b.class, Class::Read);
        // Everything else is not a check greenlight runs.
        let b = analyze(
            "docker-compose -f docker-compose.prod.yml exec redis redis-cli PING\n",
            Some("cmd"),
        );
        assert!(b.commands.iter().all(|c| c.native.is_none()));
        assert!(b.commands.iter().any(|c| !c.inert));
        let b = analyze(
            "REM Expected: 200\ncurl -s ^\n  http://localhost/health/\n",
            Some("bat"),
        );
        let c = b.commands.iter().find(|c| !c.inert).unwrap();
        assert_eq!(http(&c.native).1, "http://localhost/health/");
        assert_eq!(c.expect, vec![Expectation::Status { code: 200 }]);
        let b = analyze("curl -H \"X-Token: %TOKEN%\" http://h/x\n", Some("cmd"));
        assert_eq!(b.commands[0].needs, vec!["TOKEN".to_string()]);
    }

    #[test]
    fn a24_invoke_restmethod_with_a_local_variable() {
        let code = "$api='https://control-finance.example.com'\n\n# health\n$h = Invoke-RestMethod \"$api/health\"\n$h | ConvertTo-Json -Depth 5\n\n# metrics (negative control)\ntry {\n  Invoke-WebRequest \"$api/metrics\" -TimeoutSec 15 | Out-Null\n  \"metrics(no-auth)=200\"\n} catch {\n  \"metrics(no-auth)=$($_.Exception.Response.StatusCode.value__)\"\n}\n";
        let b = analyze(code, Some("powershell"));
        let runnable: Vec<_> = b.commands.iter().filter(|c| !c.inert).collect();
        assert_eq!(runnable.len(), 1, "{:?}", b.commands);
        let (m, url, _, _) = http(&runnable[0].native);
        assert_eq!((m.as_str(), url.as_str()), ("GET", "${api}/health"));
        assert_eq!(runnable[0].text, "$h = Invoke-RestMethod \"$api/health\"");
        assert!(
            b.commands
                .iter()
                .any(|c| c.inert && c.text == "api='https://control-finance.example.com'")
        );
    }

    #[test]
    fn invoke_restmethod_parameters() {
        let code = "Invoke-RestMethod -Uri \"http://127.0.0.1:8080/api/items\" -Method Post `\n  -Headers @{ \"Authorization\" = \"Bearer $env:TOKEN\"; Accept = 'application/json' } `\n  -ContentType 'application/json' -Body '{\"name\": \"x\"}'\n";
        let b = analyze(code, Some("pwsh"));
        let c = &b.commands[0];
        let (m, url, headers, body) = http(&c.native);
        assert_eq!(m, "POST");
        assert_eq!(url, "http://127.0.0.1:8080/api/items");
        assert!(headers.contains(&("Authorization".into(), "Bearer ${TOKEN}".into())));
        assert!(headers.contains(&("Accept".into(), "application/json".into())));
        assert!(headers.contains(&("Content-Type".into(), "application/json".into())));
        assert_eq!(body.as_deref(), Some("{\"name\": \"x\"}"));
        assert_eq!(c.class, Class::Mutating);
        // A multi-line hashtable.
        let code = "irm http://h/x -Headers @{\n  \"X-A\" = \"1\"\n  \"X-B\" = \"2\"\n}\n";
        let b = analyze(code, Some("powershell"));
        let (_, _, headers, _) = http(&b.commands[0].native);
        assert_eq!(headers.len(), 2, "{headers:?}");
        // A body computed by PowerShell is not guessed.
        let b = analyze(
            "Invoke-RestMethod -Uri http://h/x -Method Post -Body ($o | ConvertTo-Json)\n",
            Some("powershell"),
        );
        assert!(b.commands[0].native.is_none());
        // `(iwr …).StatusCode`, `iwr -UseBasicParsing`.
        let b = analyze(
            "(Invoke-WebRequest -Uri http://h/health -UseBasicParsing).StatusCode\n",
            Some("powershell"),
        );
        assert_eq!(http(&b.commands[0].native).1, "http://h/health");
    }

    #[test]
    fn other_powershell_lines_are_never_native() {
        let b = analyze(
            "Remove-Item -Recurse -Force .next\npnpm build\n",
            Some("powershell"),
        );
        assert!(b.commands.iter().all(|c| c.native.is_none() && !c.inert));
        assert!(b.class > Class::Read);
        let b = analyze(
            "$env:DATABASE_URL          # Ayarlanmış olmalı\n",
            Some("powershell"),
        );
        assert!(b.commands.iter().all(|c| c.native.is_none()));
        let b = analyze("redis-cli -h 127.0.0.1 ping\n", Some("powershell"));
        assert!(b.commands.iter().all(|c| c.native.is_none()));
    }
}
