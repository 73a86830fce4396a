//! Untagged fences that are not shell scripts: sample output, metric
//! thresholds, lists, prose, JSON, YAML or SQL. Such a fence is shown,
//! not run. And console transcripts (`$ cmd` then its output), where only
//! the prompt lines are commands.
//!
//! The rule leans towards "script": a fence is set aside only when no line
//! of it reads as a command and the lines that read as something else
//! outnumber the ones not understood. A real script with one unknown
//! program is still a script, and deny by default still applies to it.

/// What a fence that is not a script looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Shape {
    /// A command's output: tables of columns, log lines, HTTP responses.
    SampleOutput,
    /// `p95 < 250ms`, `Error rate < 1%`.
    Thresholds,
    /// `[ ]` or `- [ ]` items.
    Checkboxes,
    /// `- item`, `1. item`.
    List,
    Json,
    /// YAML or `key: value` lines.
    Yaml,
    Sql,
    Prose,
}

impl Shape {
    fn describe(self) -> &'static str {
        match self {
            Shape::SampleOutput => "sample output",
            Shape::Thresholds => "metric thresholds",
            Shape::Checkboxes => "a `[ ]` list",
            Shape::List => "a list",
            Shape::Json => "JSON",
            Shape::Yaml => "YAML",
            Shape::Sql => "SQL (tag the fence `sql` to say so)",
            Shape::Prose => "prose",
        }
    }

    /// Whether the fence is an illustration nobody owes (output, data)
    /// rather than something a person still checks (thresholds, lists,
    /// instructions).
    pub fn is_illustration(self) -> bool {
        matches!(
            self,
            Shape::SampleOutput | Shape::Json | Shape::Yaml | Shape::Sql
        )
    }
}

/// A fence that is not a script, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotScript {
    pub shape: Shape,
}

impl NotScript {
    /// One line for `plan`: `not a script: looks like sample output`.
    pub fn why(&self) -> String {
        format!("not a script: looks like {}", self.shape.describe())
    }
}

/// How one line of a fence reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reads {
    Nothing,
    Command,
    Unknown,
    Data(Shape),
}

/// Whether an untagged fence's content is something other than a shell
/// script.
pub fn not_a_script(code: &str) -> Option<NotScript> {
    let text = code.trim();
    if text.is_empty() {
        return None;
    }
    if (text.starts_with('{') || text.starts_with('['))
        && serde_json::from_str::<serde_json::Value>(text).is_ok()
    {
        return Some(NotScript { shape: Shape::Json });
    }
    let lines = read_lines(code);
    let mut commands = 0;
    let mut unknown = 0;
    let mut data: Vec<Shape> = Vec::new();
    for r in &lines {
        match r {
            Reads::Command => commands += 1,
            Reads::Unknown => unknown += 1,
            Reads::Data(s) => data.push(*s),
            Reads::Nothing => {}
        }
    }
    if commands > 0 || data.is_empty() || data.len() < unknown {
        return None;
    }
    // The most frequent shape; ties go to the first in `Shape` order.
    data.sort();
    let mut best = (0, data[0]);
    let mut k = 0;
    while k < data.len() {
        let n = data[k..].iter().take_while(|s| **s == data[k]).count();
        if n > best.0 {
            best = (n, data[k]);
        }
        k += n;
    }
    let mut shape = best.1;
    // Key lines with bullets under them are YAML, or a labelled list.
    if shape == Shape::List && data.contains(&Shape::Thresholds) {
        shape = Shape::Thresholds;
    }
    Some(NotScript { shape })
}

fn read_lines(code: &str) -> Vec<Reads> {
    let mut out = Vec::new();
    // Inside a table: the rows under a column header, up to a blank line.
    let mut in_table = false;
    let mut in_http = false;
    for raw in code.lines() {
        let line = raw.trim();
        if line.is_empty() {
            in_table = false;
            in_http = false;
            out.push(Reads::Nothing);
            continue;
        }
        if is_column_header(raw) {
            in_table = true;
            out.push(Reads::Data(Shape::SampleOutput));
            continue;
        }
        if in_table {
            out.push(Reads::Data(Shape::SampleOutput));
            continue;
        }
        // The header lines of an HTTP response are output too.
        let read = match read_line(line) {
            Reads::Data(Shape::Yaml) if in_http => Reads::Data(Shape::SampleOutput),
            other => other,
        };
        in_http = is_http_line(line) || (in_http && read != Reads::Nothing);
        out.push(read);
    }
    out
}

fn read_line(line: &str) -> Reads {
    if line.starts_with('#') && !line.starts_with("#!") {
        return Reads::Nothing;
    }
    if line == "..." || line == "…" {
        return Reads::Nothing;
    }
    if line == "---" {
        return Reads::Data(Shape::Yaml);
    }
    if is_table_border(line) || (line.starts_with('|') && line.ends_with('|')) {
        return Reads::Data(Shape::SampleOutput);
    }
    if is_log_line(line) || is_http_line(line) || is_row_count(line) {
        return Reads::Data(Shape::SampleOutput);
    }
    if is_checkbox(line) {
        return Reads::Data(Shape::Checkboxes);
    }
    let (bullet, body) = strip_bullet(line);
    if is_threshold(body) {
        return Reads::Data(Shape::Thresholds);
    }
    if bullet {
        return Reads::Data(Shape::List);
    }
    if is_sql(body) {
        return Reads::Data(Shape::Sql);
    }
    if has_shell_signal(body) {
        return Reads::Command;
    }
    if is_key_value(body) {
        return Reads::Data(Shape::Yaml);
    }
    if is_prose(body) {
        return Reads::Data(Shape::Prose);
    }
    let first = body.split_whitespace().next().unwrap_or("");
    if is_program_like(first) {
        return Reads::Command;
    }
    Reads::Unknown
}

/// `NAME   READY   STATUS   RESTARTS   AGE`: two or more upper-case
/// column names parted by runs of spaces or tabs.
fn is_column_header(raw: &str) -> bool {
    let line = raw.trim();
    if line.chars().any(|c| c.is_lowercase()) || !line.chars().any(|c| c.is_uppercase()) {
        return false;
    }
    let columns: Vec<&str> = line
        .split("  ")
        .flat_map(|p| p.split('\t'))
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    columns.len() >= 2
        && columns.iter().all(|c| {
            c.chars()
                .all(|ch| ch.is_uppercase() || ch.is_ascii_digit() || " -_()%/.".contains(ch))
        })
}

fn is_table_border(line: &str) -> bool {
    line.len() >= 3
        && line.chars().all(|c| "-+=|: ".contains(c))
        && line.chars().filter(|&c| c == '-' || c == '=').count() >= 3
        && line != "---"
}

/// `(3 rows)`, `(1 row)`.
fn is_row_count(line: &str) -> bool {
    line.starts_with('(') && (line.ends_with(" rows)") || line.ends_with(" row)"))
}

fn is_log_line(line: &str) -> bool {
    let l = line.trim_start_matches(['[', '<']);
    let b = l.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| r.clone().all(|i| b.get(i).is_some_and(u8::is_ascii_digit));
    // 2024-01-15…, 10:30:00…
    let date = digits(0..4) && b.get(4) == Some(&b'-') && digits(5..7) && b.get(7) == Some(&b'-');
    let time = digits(0..2) && b.get(2) == Some(&b':') && digits(3..5) && b.get(5) == Some(&b':');
    // Jan 15 10:30:00
    let month = [
        "Jan ", "Feb ", "Mar ", "Apr ", "May ", "Jun ", "Jul ", "Aug ", "Sep ", "Oct ", "Nov ",
        "Dec ",
    ]
    .iter()
    .any(|m| l.starts_with(m))
        && l.get(4..)
            .is_some_and(|r| r.trim_start().starts_with(|c: char| c.is_ascii_digit()))
        && l.contains(':');
    // klog: I0115 10:30:00.123
    let klog = matches!(b.first(), Some(b'I' | b'W' | b'E' | b'F'))
        && digits(1..5)
        && b.get(5) == Some(&b' ');
    let first = line.split_whitespace().next().unwrap_or("");
    let level = matches!(
        first.trim_matches(['[', ']', ':']),
        "INFO" | "WARN" | "WARNING" | "ERROR" | "DEBUG" | "TRACE" | "FATAL" | "CRITICAL"
    ) || first.starts_with("level=")
        || first.starts_with("time=")
        || first.starts_with("ts=");
    date || time || month || klog || level
}

/// `HTTP/1.1 200 OK`, and curl -v's `< HTTP/2 200`, `> GET / HTTP/1.1`.
fn is_http_line(line: &str) -> bool {
    let l = line.trim_start_matches(['<', '>', ' ']);
    l.starts_with("HTTP/")
        || (line.starts_with("> ") || line.starts_with("< ") || line.starts_with("* "))
            && (l.contains("HTTP/")
                || l.contains(": ")
                || l.starts_with("Connected")
                || l.starts_with("Trying"))
}

fn is_checkbox(line: &str) -> bool {
    let l = line
        .strip_prefix("- ")
        .or_else(|| line.strip_prefix("* "))
        .or_else(|| line.strip_prefix("+ "))
        .unwrap_or(line);
    ["[ ]", "[x]", "[X]", "[✓]", "[✔]"]
        .iter()
        .any(|b| l.starts_with(b))
        || l.starts_with(['☐', '☑', '☒', '✅', '❌', '✓', '✔', '⬜', '🔲', '⚠'])
}

/// A list marker (`- `, `* `, `1. `) and the text after it.
fn strip_bullet(line: &str) -> (bool, &str) {
    for m in ["- ", "* ", "+ ", "• ", "– ", "→ "] {
        if let Some(rest) = line.strip_prefix(m) {
            return (true, rest.trim());
        }
    }
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    if digits > 0 && digits <= 3 {
        let rest = &line[digits..];
        if let Some(r) = rest.strip_prefix(". ").or_else(|| rest.strip_prefix(") ")) {
            return (true, r.trim());
        }
    }
    (false, line)
}

/// `p95 < 250ms`, `Error rate: < 1%`, `Uptime > 99.9%`, `≥ 95% requests`.
fn is_threshold(text: &str) -> bool {
    if text.contains('$') || text.contains('|') || text.contains('`') {
        return false;
    }
    let Some(at) = text.find(['<', '>', '≤', '≥']) else {
        return false;
    };
    let before = &text[..at];
    let op_len = text[at..].chars().next().map_or(1, char::len_utf8);
    let after = text[at + op_len..].trim_start_matches('=').trim_start();
    if before
        .split_whitespace()
        .any(|w| w.starts_with('-') && w.len() > 1)
    {
        return false;
    }
    let value = after.split_whitespace().next().unwrap_or("");
    let digits = value
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ',')
        .count();
    if digits == 0 || !value.starts_with(|c: char| c.is_ascii_digit()) {
        return false;
    }
    let unit = value[digits..]
        .trim_end_matches([',', ';', ')', ':'])
        .to_ascii_lowercase();
    let known_unit = matches!(
        unit.as_str(),
        "" | "ms"
            | "s"
            | "sec"
            | "secs"
            | "seconds"
            | "m"
            | "min"
            | "mins"
            | "minutes"
            | "h"
            | "%"
            | "mb"
            | "gb"
            | "kb"
            | "mib"
            | "gib"
            | "rps"
            | "req/s"
            | "qps"
            | "x"
            | "k"
            | "us"
            | "µs"
            | "ns"
    );
    // Something measured stands before the operator, or after the value
    // (`≥ 95% requests`).
    let named = before.chars().any(char::is_alphabetic)
        || after[value.len()..].chars().any(char::is_alphabetic);
    known_unit && named
}

fn is_sql(text: &str) -> bool {
    let first = text.split_whitespace().next().unwrap_or("");
    matches!(
        first,
        "SELECT"
            | "INSERT"
            | "UPDATE"
            | "DELETE"
            | "WITH"
            | "CREATE"
            | "ALTER"
            | "DROP"
            | "EXPLAIN"
            | "GRANT"
            | "REVOKE"
            | "VACUUM"
            | "ANALYZE"
            | "TRUNCATE"
            | "FROM"
            | "WHERE"
            | "JOIN"
            | "ORDER"
            | "GROUP"
            | "LIMIT"
            | "VALUES"
            | "HAVING"
    ) && text.split_whitespace().count() >= 2
}

/// `key: value`, `key:`, `Content-Type: application/json`, `Target Metrics:`.
fn is_key_value(text: &str) -> bool {
    let Some(colon) = text.find(':') else {
        return false;
    };
    let key = &text[..colon];
    let rest = &text[colon + 1..];
    let quoted = |q: char| key.len() >= 2 && key.starts_with(q) && key.ends_with(q);
    !key.is_empty()
        && key.split_whitespace().count() <= 4
        && !key.split_whitespace().any(|w| w.starts_with('-'))
        && (!key.contains(['"', '\'']) || quoted('"') || quoted('\''))
        && (rest.is_empty() || rest.starts_with(' ') || rest.starts_with('\t'))
        && key.starts_with(|c: char| c.is_alphanumeric() || c == '_' || c == '"' || c == '\'')
        && key
            .chars()
            .all(|c| c.is_alphanumeric() || " _-./()\"'".contains(c))
        && !key.contains("  ")
}

/// Operators, expansions, flags, paths, assignments: a shell line.
fn has_shell_signal(text: &str) -> bool {
    let first = text.split_whitespace().next().unwrap_or("");
    text.contains('$')
        || text.contains('`')
        || text.contains(" | ")
        || text.contains("&&")
        || text.contains("||")
        || text.ends_with(';')
        || text.ends_with('\\')
        || text.contains(" > ")
        || text.contains(" >> ")
        || text.contains("2>")
        || text.split_whitespace().skip(1).any(|w| {
            w.len() > 1
                && w.starts_with('-')
                && w[1..].starts_with(|c: char| c.is_ascii_alphabetic() || c == '-')
        })
        || first.starts_with("./")
        || first.starts_with('/')
        || first.starts_with("~/")
        || first.starts_with("#!")
        || (first.contains('=')
            && first.split('=').next().is_some_and(|n| {
                !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            }))
        || matches!(
            first,
            "if" | "for" | "while" | "case" | "sudo" | "export" | "cd" | "[[" | "["
        )
}

/// A sentence: starts with a capital letter (or a letter outside ASCII,
/// an emoji) and has at least three words of letters.
fn is_prose(text: &str) -> bool {
    let Some(c) = text.chars().next() else {
        return false;
    };
    let words: Vec<&str> = text.split_whitespace().collect();
    if words.first().is_some_and(|w| is_program_like(w)) {
        return false;
    }
    let wordy = words
        .iter()
        .filter(|w| w.chars().any(char::is_alphabetic))
        .count();
    let starts = c.is_uppercase()
        || (!c.is_ascii() && !c.is_alphanumeric())
        || (!c.is_ascii() && c.is_alphabetic());
    // Words mostly of letters, not led by a program name:
    // `95% of requests complete in under 5s`.
    let lettered = words
        .iter()
        .filter(|w| w.chars().all(char::is_alphabetic))
        .count();
    let sentence = words.len() >= 4 && lettered * 5 >= words.len() * 3;
    sentence
        || (starts && wordy >= 3)
        || (words.len() >= 4 && text.ends_with(['.', '!', '?']) && wordy == words.len())
        || (!c.is_ascii() && !c.is_alphanumeric() && wordy >= 1)
}

/// `kubectl`, `my-tool`, `pg_isready`: a name a program could have.
fn is_program_like(word: &str) -> bool {
    word.starts_with(|c: char| c.is_ascii_lowercase())
        && word
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._+-".contains(c))
        && !word.ends_with(':')
}

/// A console transcript (`$ cmd` lines, then what they printed): the
/// commands only, the output lines blanked so line numbers stay. `None`
/// when the fence has no prompt line.
pub fn prompt_commands(code: &str) -> Option<String> {
    fn prompt(l: &str) -> Option<&str> {
        let t = l.trim_start();
        if let Some(rest) = t.strip_prefix("$ ") {
            return Some(rest);
        }
        if t == "$" {
            return Some("");
        }
        // `[~/app] $ npm install`, `user@host:~$ ls`, `~/app$ make`.
        let at = t.find("$ ")?;
        let prefix = t[..at].trim_end();
        let plain = prefix.len() <= 60 && !prefix.contains(['"', '\'', '=', '|', '`', '(']);
        let bracketed = prefix.starts_with('[') && prefix.ends_with(']');
        let user_host = !prefix.contains(' ') && prefix.contains('@') && prefix.contains(':');
        let path = !prefix.contains(' ') && (prefix.starts_with('~') || prefix.ends_with('~'));
        (plain && (bracketed || user_host || path)).then(|| &t[at + 2..])
    }
    if !code.lines().any(|l| prompt(l).is_some()) {
        return None;
    }
    let mut out: Vec<String> = Vec::new();
    let mut continued = false;
    for l in code.lines() {
        if let Some(cmd) = prompt(l) {
            out.push(cmd.to_string());
            continued = cmd.trim_end().ends_with('\\');
        } else if continued {
            out.push(l.trim_start_matches("> ").to_string());
            continued = l.trim_end().ends_with('\\');
        } else if l.trim_start().starts_with('#') {
            // A comment keeps what it says of the command above.
            out.push(l.to_string());
        } else {
            out.push(String::new());
        }
    }
    Some(out.join("\n") + "\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(code: &str) -> Option<Shape> {
        not_a_script(code).map(|n| n.shape)
    }

    #[test]
    fn fences_that_are_not_scripts() {
        assert_eq!(
            shape(
                "NAME                     READY   STATUS    RESTARTS   AGE\napi-7d9f8b6c5-x2x4z      1/1     Running   0          5d\nworker-6c8d7-abcde       1/1     Running   2          5d\n"
            ),
            Some(Shape::SampleOutput)
        );
        assert_eq!(
            shape("p95 < 250ms\nError rate < 1%\nThroughput > 500 rps\n"),
            Some(Shape::Thresholds)
        );
        assert_eq!(
            shape(
                "Target Metrics:\n- Response time p95 < 300ms\n- Error rate < 0.5%\n- Uptime > 99.9%\n"
            ),
            Some(Shape::Thresholds)
        );
        assert_eq!(
            shape("\n[ ] Pre-Flight Checks (5 min)\n[ ] Staging Validation (15 min)\n"),
            Some(Shape::Checkboxes)
        );
        assert_eq!(
            shape("Monitor:\n- User registration rate\n- API call volume\n"),
            Some(Shape::List)
        );
        assert_eq!(
            shape("{\n  \"status\": \"ok\",\n  \"version\": \"1.2.3\"\n}\n"),
            Some(Shape::Json)
        );
        assert_eq!(
            shape("apiVersion: v1\nkind: Service\nmetadata:\n  name: api\n"),
            Some(Shape::Yaml)
        );
        assert_eq!(
            shape("HTTP/1.1 200 OK\nContent-Type: application/json\n"),
            Some(Shape::SampleOutput)
        );
        assert_eq!(
            shape(
                "2024-01-15T10:30:00Z INFO Starting server on :8080\n2024-01-15T10:30:01Z INFO Connected to database\n"
            ),
            Some(Shape::SampleOutput)
        );
        assert_eq!(
            shape("Deploy the release, then tell the on-call engineer in the channel.\n"),
            Some(Shape::Prose)
        );
        assert_eq!(
            shape("SELECT count(*)\nFROM users\nWHERE created_at > now() - interval '1 day';\n"),
            Some(Shape::Sql)
        );
    }

    #[test]
    fn scripts_stay_scripts() {
        for code in [
            "kubectl get pods\n",
            "mytool check\n",
            "deploy-check --env staging\n",
            "# Health\ncurl -sf https://x/health\n",
            "FOO=bar ./run.sh\n",
            "[ -f /etc/app.conf ] && echo ok\n",
            "redis-cli ping\n",
            "psql -c 'SELECT 1'\n",
            "echo The service is up\n",
            "gh workflow run deploy.yml\n",
            "kubectl get pods\nNAME   READY   STATUS\napi-1  1/1     Running\n",
            "",
            "PING\n",
        ] {
            assert_eq!(shape(code), None, "{code:?}");
        }
    }

    #[test]
    fn console_transcripts_keep_prompt_lines() {
        let t = prompt_commands(
            "$ kubectl get pods\nNAME   READY   STATUS\napi-1  1/1     Running\n$ curl -s \\\n> https://x/health\n{\"status\":\"ok\"}\n",
        )
        .unwrap();
        assert_eq!(t, "kubectl get pods\n\n\ncurl -s \\\nhttps://x/health\n\n");
        assert_eq!(prompt_commands("kubectl get pods\n"), None);
        assert_eq!(
            prompt_commands("[~/app] $ npm install\nadded 12 packages\nme@box:~$ ls\n").as_deref(),
            Some("npm install\n\nls\n")
        );
        // A `$ ` inside a command is not a prompt.
        assert_eq!(prompt_commands("echo \"cost: $ 5\"\n"), None);
    }
}
