//! Recognizers: pure functions from text to plain data.
//!
//! No I/O, no async, no Markdown: a code block's text (or an item's text,
//! an expectation comment, an annotation) goes in; commands, safety
//! classes, native probes, assertions and required variables come out.
//!
//! - [`script`]: a bash block → commands (pipelines), comments,
//!   here-documents, assignments.
//! - [`expect`]: `# Expected: …` and friends → [`expect::Assertion`]s.
//! - [`curl`]: a curl command line → [`curl::CurlSpec`].
//! - [`commands`]: a command → a [`commands::NativeStep`] (or why not).
//! - [`classify`]: any command or block → [`classify::SafetyClass`].
//! - [`vars`]: `$VARS` and `<placeholders>` a command needs.
//!
//! [`recognize_block`] puts them together for one fenced block.

#![deny(missing_docs)]

pub mod classify;
pub mod commands;
pub mod curl;
pub mod expect;
pub mod script;
pub mod vars;

use serde::Serialize;

use classify::{BlockClass, Classification, SafetyClass};
use commands::NativeStep;
use expect::{Assertion, ExpectationKind};
use script::{Comment, Issue};
use vars::Requirements;

/// What a fenced block holds.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BlockKind {
    /// Shell commands (`bash`, `sh`, `shell`, `console`, or an unlabeled
    /// block that starts like one).
    Shell,
    /// SQL statements (`sql`, `psql`, `postgresql`, `mysql`).
    Sql {
        /// The info string's language.
        lang: String,
    },
    /// Anything else: code in another language (`python`, `javascript`),
    /// data (`yaml`), or prose in a fence. greenlight runs none of it.
    Other {
        /// The info string's language, if any.
        lang: Option<String>,
    },
}

/// One command of a block, fully recognised.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecognizedCommand {
    /// 1-based line in the block where the command starts.
    pub line: usize,
    /// 1-based line where it ends.
    pub end_line: usize,
    /// The command as written, continuations joined.
    pub text: String,
    /// Its safety class and why.
    pub classification: Classification,
    /// The native probe, when greenlight can run it itself.
    pub native: Option<NativeStep>,
    /// Why it needs a shell, when it is not native.
    pub shell_reason: Option<String>,
    /// A `jq` path its output is piped through (`curl … | jq '.status'`).
    pub output_filter: Option<String>,
    /// What must hold about its result: from expectation comments after
    /// it (or after the run of commands it belongs to) and from its pipe
    /// (`| grep -q healthy`). Empty when the author stated nothing.
    pub assertions: Vec<Assertion>,
    /// The expectation comments those assertions come from, as written.
    pub expectation_comments: Vec<Comment>,
    /// Outside values it needs.
    pub requirements: Requirements,
    /// Variables it sets for the commands after it.
    pub defines: Vec<String>,
    /// Run in the background (`kubectl port-forward … &`): the commands
    /// after it in the block likely depend on it still running, so the
    /// block only makes sense as one shell session.
    pub background: bool,
}

/// A fenced block, fully recognised.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecognizedBlock {
    /// What the block holds.
    pub kind: BlockKind,
    /// Its commands (shell) or statements (SQL), in order.
    pub commands: Vec<RecognizedCommand>,
    /// The block's class: its most dangerous command.
    pub class: BlockClass,
    /// Whether it uses shell control flow (then it only runs as a whole,
    /// in a shell, and no command of it is native).
    pub control_flow: bool,
    /// Shell syntax problems.
    pub issues: Vec<Issue>,
}

/// Languages that are shell.
fn is_shell_lang(lang: &str) -> bool {
    matches!(
        lang,
        "bash"
            | "sh"
            | "shell"
            | "zsh"
            | "ksh"
            | "console"
            | "shell-session"
            | "shellsession"
            | "terminal"
            | "sh-session"
            | "bash-session"
    )
}

/// Languages greenlight would have to execute as code.
fn is_code_lang(lang: &str) -> bool {
    matches!(
        lang,
        "python"
            | "py"
            | "python3"
            | "javascript"
            | "js"
            | "typescript"
            | "ts"
            | "ruby"
            | "rb"
            | "go"
            | "rust"
            | "rs"
            | "java"
            | "kotlin"
            | "php"
            | "powershell"
            | "ps1"
            | "pwsh"
            | "swift"
            | "csharp"
            | "cs"
            | "perl"
            | "lua"
            | "node"
            | "jsx"
            | "tsx"
            | "dockerfile"
            | "makefile"
            | "groovy"
            | "scala"
    )
}

/// Whether an unlabeled block reads like shell: its first command line
/// starts with a known program, a path, an assignment or a prompt.
fn looks_like_shell(text: &str) -> bool {
    if text.trim_start().starts_with("#!") {
        return true;
    }
    let Some(line) = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
    else {
        return false;
    };
    let line = line.strip_prefix("$ ").unwrap_or(line);
    if line.starts_with("[ ]") || line.starts_with("[x]") || line.starts_with("- ") {
        return false;
    }
    let first = line.split_whitespace().next().unwrap_or("");
    if first.starts_with("./") || first.starts_with('/') {
        return true;
    }
    if script::assignment_prefix(first).is_some() {
        return true;
    }
    let words = vec![first.to_string(), "--version".to_string()];
    let known = !classify::classify_argv(&words)
        .reasons
        .iter()
        .any(|r| r.starts_with("unknown command"));
    known
        && first
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
}

/// Decides what a block holds from its info string and text.
pub fn block_kind(text: &str, lang: Option<&str>) -> BlockKind {
    let lang = lang
        .map(|l| l.trim().to_ascii_lowercase())
        .filter(|l| !l.is_empty());
    match lang.as_deref() {
        Some(l) if is_shell_lang(l) => BlockKind::Shell,
        Some(l @ ("sql" | "psql" | "postgresql" | "postgres" | "pgsql" | "plpgsql" | "mysql")) => {
            BlockKind::Sql {
                lang: l.to_string(),
            }
        }
        Some(_) => BlockKind::Other { lang },
        None if looks_like_shell(text) => BlockKind::Shell,
        None => BlockKind::Other { lang: None },
    }
}

/// Recognises a fenced block: splits, classifies, finds native probes,
/// expectations and requirements.
pub fn recognize_block(text: &str, lang: Option<&str>) -> RecognizedBlock {
    match block_kind(text, lang) {
        BlockKind::Shell => recognize_shell(text, lang),
        BlockKind::Sql { lang } => recognize_sql(text, lang),
        BlockKind::Other { lang } => {
            let code = lang.as_deref().is_some_and(is_code_lang);
            let class = if code {
                BlockClass {
                    class: SafetyClass::Mutating,
                    decided_by: None,
                    reasons: vec![format!(
                        "a {} block is code greenlight does not run",
                        lang.as_deref().unwrap_or("")
                    )],
                }
            } else {
                BlockClass {
                    class: SafetyClass::Read,
                    decided_by: None,
                    reasons: Vec::new(),
                }
            };
            RecognizedBlock {
                kind: BlockKind::Other { lang },
                commands: Vec::new(),
                class,
                control_flow: false,
                issues: Vec::new(),
            }
        }
    }
}

/// `$ cmd` prompt lines of a console transcript become the commands;
/// output lines become blank (line numbers stay).
fn strip_prompts(text: &str) -> String {
    text.lines()
        .map(|l| {
            let t = l.trim_start();
            if let Some(cmd) = t.strip_prefix("$ ") {
                cmd
            } else if t.starts_with('#') {
                l
            } else {
                ""
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The assertions of a command's trailing comments. An expectation that
/// only opens a list (`# MUST ACHIEVE:`) takes the comments after it.
fn comment_assertions(comments: &[Comment]) -> (Vec<Assertion>, Vec<Comment>) {
    let mut out = Vec::new();
    let mut used = Vec::new();
    let mut i = 0;
    while i < comments.len() {
        let Some(mut ec) = expect::expectation_comment(&comments[i].text) else {
            i += 1;
            continue;
        };
        used.push(comments[i].clone());
        i += 1;
        if ec.text.is_empty() {
            let mut items = Vec::new();
            while let Some(c) = comments.get(i) {
                if expect::expectation_comment(&c.text).is_some() {
                    break;
                }
                items.push(c.text.trim_start_matches(['-', '*', '•', ' ']).to_string());
                used.push(c.clone());
                i += 1;
            }
            if !items.is_empty() {
                ec.text = items.join("; ");
                // A list under a header is for a person unless every item
                // is plainly output to look for.
                if ec.kind == ExpectationKind::Response {
                    ec.kind = ExpectationKind::Review;
                }
            }
        }
        out.extend(ec.assertions());
    }
    (out, used)
}

fn recognize_shell(text: &str, lang: Option<&str>) -> RecognizedBlock {
    let prompts = matches!(
        lang.map(str::to_ascii_lowercase).as_deref(),
        Some(
            "console"
                | "shell-session"
                | "shellsession"
                | "terminal"
                | "sh-session"
                | "bash-session"
        )
    ) || (lang.is_none()
        && text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .all(|l| l.trim_start().starts_with("$ ") || l.trim_start().starts_with('#'))
        && text.contains("$ "));
    let source = if prompts {
        strip_prompts(text)
    } else {
        text.to_string()
    };
    let script = script::split_script(&source);
    let class = classify::classify_script(&script, &source);
    let requirements = vars::script_requirements(&script);
    let mut commands: Vec<RecognizedCommand> = Vec::new();
    // Commands since the last comment (with their programs): an
    // expectation after a run of commands speaks of all of them of the same
    // program (`# Expected: Valid authorization URLs` after three curls).
    let mut run: Vec<(usize, Option<String>)> = Vec::new();
    for (cmd, req) in script.commands.iter().zip(requirements) {
        let (native, shell_reason, output_filter, pipe_assertions) = if script.control_flow {
            (
                None,
                Some("inside shell control flow: the block runs in a shell".to_string()),
                None,
                Vec::new(),
            )
        } else {
            match commands::recognize_command(cmd) {
                Ok(n) => (Some(n.step), None, n.output_filter, n.assertions),
                Err(e) => (None, Some(e.reason), None, Vec::new()),
            }
        };
        let (mut assertions, used) = comment_assertions(&cmd.trailing_comments);
        assertions.extend(pipe_assertions);
        let idx = commands.len();
        commands.push(RecognizedCommand {
            line: cmd.line,
            end_line: cmd.end_line,
            text: cmd.text.clone(),
            classification: classify::classify_command(cmd),
            native,
            shell_reason,
            output_filter,
            assertions,
            expectation_comments: used,
            requirements: req,
            defines: vars::defined_names(cmd),
            background: cmd.background,
        });
        let program = cmd.head().program().map(str::to_string);
        if cmd.trailing_comments.is_empty() {
            run.push((idx, program));
            continue;
        }
        let own_line: Vec<Comment> = cmd
            .trailing_comments
            .iter()
            .filter(|c| !c.inline)
            .cloned()
            .collect();
        let (shared, shared_used) = comment_assertions(&own_line);
        if !shared.is_empty() && program.is_some() {
            for (r, p) in &run {
                if *p == program {
                    commands[*r].assertions.extend(shared.iter().cloned());
                    commands[*r]
                        .expectation_comments
                        .extend(shared_used.iter().cloned());
                }
            }
        }
        run.clear();
    }
    RecognizedBlock {
        kind: BlockKind::Shell,
        commands,
        class,
        control_flow: script.control_flow,
        issues: script.issues,
    }
}

/// Splits SQL into statements with their lines and trailing `--` comments.
fn sql_statements(text: &str) -> Vec<(usize, usize, String, Vec<Comment>)> {
    let mut out: Vec<(usize, usize, String, Vec<Comment>)> = Vec::new();
    let mut cur = String::new();
    let mut start_line = 0;
    let mut line = 1;
    let mut chars = text.char_indices().peekable();
    let mut quote: Option<char> = None;
    let mut pending: Vec<Comment> = Vec::new();
    while let Some((i, c)) = chars.next() {
        if let Some(q) = quote {
            cur.push(c);
            if c == q {
                quote = None;
            }
            if c == '\n' {
                line += 1;
            }
            continue;
        }
        match c {
            '-' if text[i..].starts_with("--") => {
                let end = text[i..].find('\n').map_or(text.len(), |n| i + n);
                let body = text[i + 2..end].trim().to_string();
                let inline = !cur.trim().is_empty() || out.last().is_some_and(|s| s.1 == line);
                let comment = Comment {
                    line,
                    text: body,
                    inline,
                };
                if cur.trim().is_empty() {
                    match out.last_mut() {
                        Some(last) => last.3.push(comment),
                        None => pending.push(comment),
                    }
                } else {
                    pending.push(comment);
                }
                while chars.peek().is_some_and(|(j, _)| *j < end) {
                    chars.next();
                }
            }
            '\'' | '"' => {
                if cur.trim().is_empty() {
                    start_line = line;
                }
                quote = Some(c);
                cur.push(c);
            }
            ';' => {
                cur.push(';');
                let stmt = cur.trim().to_string();
                if stmt != ";" {
                    out.push((start_line, line, stmt, std::mem::take(&mut pending)));
                }
                cur.clear();
            }
            '\n' => {
                line += 1;
                cur.push('\n');
            }
            _ => {
                if cur.trim().is_empty() && !c.is_whitespace() {
                    start_line = line;
                }
                cur.push(c);
            }
        }
    }
    if !cur.trim().is_empty() {
        out.push((start_line, line, cur.trim().to_string(), pending));
    }
    // Comments gathered before a statement are its leading ones, not
    // trailing: only keep comments that come after the statement.
    for s in &mut out {
        let start = s.0;
        s.3.retain(|c| c.line >= start);
    }
    out
}

fn recognize_sql(text: &str, lang: String) -> RecognizedBlock {
    let postgres = lang != "mysql";
    let mut commands = Vec::new();
    let mut class = SafetyClass::Read;
    let mut decided_by = None;
    let mut reasons = Vec::new();
    for (line, end_line, stmt, comments) in sql_statements(text) {
        let classification = classify::classify_sql(&stmt);
        if classification.class > SafetyClass::Read {
            reasons.extend(
                classification
                    .reasons
                    .iter()
                    .map(|r| format!("line {line}: {r}")),
            );
        }
        if decided_by.is_none() || classification.class > class {
            class = class.max(classification.class);
            decided_by = Some((line, stmt.clone()));
        }
        let (assertions, used) = comment_assertions(&comments);
        let (native, shell_reason) = if postgres {
            (
                Some(NativeStep::Psql {
                    host: None,
                    port: None,
                    user: None,
                    db: None,
                    sql: stmt.clone(),
                }),
                None,
            )
        } else {
            (
                None,
                Some(format!("{lang} statements run with the mysql client")),
            )
        };
        let requirements = Requirements {
            placeholders: vars::placeholders(&stmt),
            ..Requirements::default()
        };
        commands.push(RecognizedCommand {
            line,
            end_line,
            text: stmt,
            classification,
            native,
            shell_reason,
            output_filter: None,
            assertions,
            expectation_comments: used,
            requirements,
            defines: Vec::new(),
            background: false,
        });
    }
    RecognizedBlock {
        kind: BlockKind::Sql { lang },
        commands,
        class: BlockClass {
            class,
            decided_by,
            reasons,
        },
        control_flow: false,
        issues: Vec::new(),
    }
}

/// An inline code span in an item's text (`` `redis-cli -h host ping` ``,
/// `` `SELECT * FROM _sqlx_migrations;` ``): a command only when greenlight
/// can run it natively and it only reads. Instructions such as
/// `` `git tag -a v1` `` or file names give `None`.
pub fn recognize_inline(code: &str) -> Option<RecognizedCommand> {
    let code = code.trim();
    let upper = code.to_ascii_uppercase();
    let first = upper.split_whitespace().next().unwrap_or("");
    if matches!(
        first,
        "SELECT" | "WITH" | "SHOW" | "EXPLAIN" | "TABLE" | "VALUES"
    ) {
        let block = recognize_sql(code, "sql".into());
        let [cmd] = <[RecognizedCommand; 1]>::try_from(block.commands).ok()?;
        return (cmd.classification.class == SafetyClass::Read).then_some(cmd);
    }
    let block = recognize_shell(code, Some("bash"));
    if block.control_flow || block.commands.len() != 1 {
        return None;
    }
    let cmd = block.commands.into_iter().next()?;
    (cmd.native.is_some() && cmd.classification.class == SafetyClass::Read).then_some(cmd)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn seed_001_critical_test_points() {
        let b = recognize_block(
            "\n# Health check\ncurl -f https://staging-api.yourdomain.com/health\n\n# Expected: {\"status\": \"healthy\"}\n\n\n# Version verification  \ncurl https://staging-api.yourdomain.com/version\n\n# Expected: {\"version\": \"8.0.0\"}\n\n\n# OAuth URL generation\ncurl https://staging-api.yourdomain.com/api/auth/google/url\ncurl https://staging-api.yourdomain.com/api/auth/github/url\ncurl https://staging-api.yourdomain.com/api/auth/microsoft/url\n\n# Expected: Valid authorization URLs\n\n",
            Some("bash"),
        );
        assert_eq!(b.class.class, SafetyClass::Read);
        assert_eq!(b.commands.len(), 5);
        let c = &b.commands[0];
        assert_eq!(c.line, 3);
        assert!(matches!(&c.native, Some(NativeStep::Http(s)) if s.method == "GET" && s.fail));
        assert_eq!(
            c.assertions,
            [Assertion::JsonSubset(json!({"status": "healthy"}))]
        );
        assert_eq!(c.expectation_comments[0].line, 5);
        assert_eq!(
            b.commands[1].assertions,
            [Assertion::JsonSubset(json!({"version": "8.0.0"}))]
        );
        for c in &b.commands[2..] {
            assert_eq!(
                c.assertions,
                [Assertion::Unverifiable("Valid authorization URLs".into())],
                "{}",
                c.text
            );
        }
    }

    #[test]
    fn seed_001_validation_script_must_see() {
        let b = recognize_block(
            "\n# Run complete validation suite\nexport BASE_URL=\"https://staging-api.yourdomain.com\"\nexport NAMESPACE=\"nox-staging-green\"\n\n./scripts/validate_staging.sh\n\n\n# MUST SEE: \"VALIDATION PASSED - Ready for production deployment!\"\n\n",
            Some("bash"),
        );
        assert_eq!(b.class.class, SafetyClass::Mutating);
        assert_eq!(
            b.class.decided_by,
            Some((6, "./scripts/validate_staging.sh".into()))
        );
        let c = &b.commands[2];
        assert!(c.native.is_none());
        assert_eq!(
            c.assertions,
            [Assertion::BodyContains(
                "VALIDATION PASSED - Ready for production deployment!".into()
            )]
        );
        assert!(b.commands[0].assertions.is_empty(), "exports state nothing");
        assert_eq!(b.commands[0].defines, ["BASE_URL"]);
    }

    #[test]
    fn seed_001_smoke_test_inline_comments_stay_put() {
        let b = recognize_block(
            "kubectl port-forward svc/nox-api-service-green 8080:80 -n nox-production-green &\nPORT_FORWARD_PID=$!\n\n# Health check on Green\ncurl -f http://localhost:8080/health\ncurl http://localhost:8080/version  # Should return 8.0.0\n\n# Kill port-forward\nkill $PORT_FORWARD_PID\n",
            Some("bash"),
        );
        let health = &b.commands[2];
        assert!(health.assertions.is_empty());
        assert!(b.commands[0].background);
        let version = &b.commands[3];
        assert_eq!(
            version.assertions,
            [Assertion::BodyContains("8.0.0".into())]
        );
        assert!(b.commands[4].requirements.variables.is_empty());
    }

    #[test]
    fn list_expectations_are_for_people() {
        let b = recognize_block(
            "BASE_URL=https://staging-api.yourdomain.com k6 run scripts/load-test.js\n\n\n# MUST ACHIEVE:\n\n# - 95% requests < 300ms\n\n# - Error rate < 5%\n",
            Some("bash"),
        );
        assert!(matches!(
            b.commands[0].native,
            Some(NativeStep::LoadTool { .. })
        ));
        assert_eq!(
            b.commands[0].assertions,
            [Assertion::Unverifiable(
                "95% requests < 300ms; Error rate < 5%".into()
            )]
        );
    }

    #[test]
    fn sql_blocks() {
        // Seed 000, Data Completeness Check (abridged).
        let b = recognize_block(
            "-- Check for missing or null critical fields\nSELECT COUNT(*) as missing_emails FROM users WHERE email IS NULL;\n-- Expected: \"0\"\nSELECT COUNT(*) as missing_providers\n  FROM users WHERE provider IS NULL;\n",
            Some("sql"),
        );
        assert_eq!(b.commands.len(), 2);
        assert_eq!(b.commands[0].line, 2);
        assert_eq!(
            b.commands[0].assertions,
            [Assertion::BodyContains("0".into())]
        );
        assert_eq!(b.commands[1].line, 4);
        assert_eq!(b.commands[1].end_line, 5);
        assert!(matches!(
            b.commands[1].native,
            Some(NativeStep::Psql { .. })
        ));
        assert_eq!(b.class.class, SafetyClass::Read);
        let b = recognize_block("EXPLAIN ANALYZE SELECT 1;\nDROP TABLE x;", Some("sql"));
        assert_eq!(b.class.class, SafetyClass::Destructive);
        assert_eq!(b.class.decided_by, Some((2, "DROP TABLE x;".into())));
    }

    #[test]
    fn other_blocks() {
        let b = recognize_block("from nox_sdk import NOXClient\n", Some("python"));
        assert_eq!(b.class.class, SafetyClass::Mutating);
        assert!(b.commands.is_empty());
        // Seed 001's unlabeled overview and seed 000's metrics list.
        for text in [
            "\n[ ] Pre-Flight Checks (5 min)\n[ ] Staging Validation (15 min)\n",
            "Target Metrics:\n- Response time p95 < 300ms\n",
        ] {
            let b = recognize_block(text, None);
            assert_eq!(b.kind, BlockKind::Other { lang: None });
            assert_eq!(b.class.class, SafetyClass::Read);
        }
        assert_eq!(block_kind("kubectl get pods\n", None), BlockKind::Shell);
        assert_eq!(
            block_kind("$ curl https://x/\n{\"ok\":true}\n", None),
            BlockKind::Shell
        );
        let b = recognize_block("$ curl https://x/\n{\"ok\":true}\n", Some("console"));
        assert_eq!(b.commands.len(), 1);
        assert_eq!(b.commands[0].text, "curl https://x/");
    }

    #[test]
    fn control_flow_blocks_run_in_a_shell() {
        let b = recognize_block(
            "for i in {1..10}; do\n  websocat \"wss://staging-api.nova-social.io/api/v1/streams/$STREAM_ID/ws?token=$JWT_TOKEN\" &\ndone\n",
            Some("bash"),
        );
        assert!(b.control_flow);
        assert!(b.commands.iter().all(|c| c.native.is_none()));
        assert_eq!(
            b.commands[1].requirements.variables,
            ["STREAM_ID", "JWT_TOKEN"]
        );
    }

    #[test]
    fn inline_spans_seed_003() {
        let c = recognize_inline("redis-cli -h staging-redis.nova-social.io ping").unwrap();
        assert!(matches!(c.native, Some(NativeStep::RedisCli { .. })));
        let c = recognize_inline(
            "psql -h staging-db.nova-social.io -U nova_user -d nova_streaming -c \"SELECT 1;\"",
        )
        .unwrap();
        assert!(matches!(c.native, Some(NativeStep::Psql { .. })));
        assert!(matches!(
            recognize_inline("telnet staging-rtmp.nova-social.io 1935")
                .unwrap()
                .native,
            Some(NativeStep::TcpConnect { port: 1935, .. })
        ));
        assert!(recognize_inline("curl https://staging-api.nova-social.io/health").is_some());
        assert!(recognize_inline("SELECT * FROM _sqlx_migrations;").is_some());
        for instruction in [
            "git tag -a v0.x.x -m \"Release v0.x.x\"",
            "helm rollback nova-streaming",
            "ANALYZE;",
            "cargo build --all 2>&1 | grep warning",
            "Cargo.toml",
            "node:20-alpine",
            "https://staging-grafana.nova-social.io",
        ] {
            assert!(recognize_inline(instruction).is_none(), "{instruction}");
        }
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,200}", lang in proptest::option::of(proptest::sample::select(vec!["bash", "sql", "python", "console", ""]))) {
            let b = recognize_block(&s, lang);
            for c in &b.commands {
                proptest::prop_assert!(c.line >= 1);
            }
            let _ = recognize_inline(&s);
        }
    }
}
