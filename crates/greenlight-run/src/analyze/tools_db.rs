//! Database clients and migration tools: every SQL statement a client is
//! given, files it reads or writes, and migration verbs.

use super::judge::{Spec, Verdict, getopt, short};
use super::shell::Word;
use super::tools::{m, not_read_only};

/// psql: every `-c` is judged, `-f`/`-o`/`-L` and meta-commands that run
/// or write are not read; no `-c` means SQL from input: not read.
pub(super) fn psql(args: &[Word]) -> Verdict {
    // `psql "$DATABASE_URL" -c …`: a connection string from a variable is
    // taken as the operand it is meant to be.
    let args: Vec<Word> = args
        .iter()
        .map(|w| {
            let mut w = w.clone();
            if w.text.starts_with('$') {
                w.lead_literal = true;
            }
            w
        })
        .collect();
    let args = args.as_slice();
    let spec = Spec {
        short_val: "cdfhLopPRFTUv",
        short_bool: "aAbeEHlnqsStwWxXz01?V",
        short_opt: "",
        long_val: &[
            "command",
            "dbname",
            "file",
            "host",
            "log-file",
            "output",
            "port",
            "pset",
            "record-separator",
            "field-separator",
            "table-attr",
            "username",
            "set",
            "variable",
        ],
        long_bool: &[
            "echo-all",
            "no-align",
            "echo-errors",
            "echo-queries",
            "echo-hidden",
            "html",
            "list",
            "no-readline",
            "quiet",
            "single-step",
            "single-line",
            "tuples-only",
            "no-password",
            "password",
            "expanded",
            "no-psqlrc",
            "field-separator-zero",
            "record-separator-zero",
            "single-transaction",
            "help",
            "version",
            "csv",
        ],
    };
    let o = match getopt(args, &spec, false) {
        Ok(o) => o,
        Err(e) => return m(format!("`psql`: {e}")),
    };
    if o.has(&["-f", "--file"]) {
        return m("`psql -f` runs a SQL file");
    }
    if o.has(&["-o", "--output", "-L", "--log-file"]) {
        return m("`psql -o`/`-L` writes a file");
    }
    let commands: Vec<&str> = o.values(&["-c", "--command"]).collect();
    if commands.is_empty() {
        if o.has(&["-l", "--list", "-V", "--version", "--help", "-?"]) {
            return Verdict::read();
        }
        return m("`psql` without `-c` runs SQL from its input");
    }
    let mut v = Verdict::read();
    for sql in commands {
        let trimmed = sql.trim_start();
        if let Some(meta) = trimmed.strip_prefix('\\') {
            let cmd: String = meta
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '+')
                .collect();
            let ok = cmd.starts_with('d')
                || matches!(
                    cmd.as_str(),
                    "l" | "l+"
                        | "list"
                        | "conninfo"
                        | "encoding"
                        | "timing"
                        | "x"
                        | "z"
                        | "dt"
                        | "du"
                        | "dn"
                );
            if !ok || meta.contains('|') || meta.contains('>') || meta.contains('\\') {
                v.raise(m(format!("psql meta-command `\\{}`", short(meta))));
            }
            continue;
        }
        let class = super::classify::sql_class(sql);
        v.raise(Verdict::of(class, || {
            format!("SQL `{}` is {}", short(sql), class.as_str())
        }));
    }
    v
}

pub(super) fn mysql(args: &[Word]) -> Verdict {
    let mut sqls: Vec<&str> = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let t = args[i].text.as_str();
        if t == "-e" || t == "--execute" {
            if let Some(w) = args.get(i + 1) {
                sqls.push(&w.text);
            }
            i += 1;
        } else if let Some(s) = t.strip_prefix("--execute=") {
            sqls.push(s);
        } else if let Some(s) = t.strip_prefix("-e").filter(|s| !s.is_empty()) {
            sqls.push(s);
        } else if t.starts_with("--tee") || t == "-o" || t.starts_with("--init-command") {
            return m("`mysql` option writes or runs more");
        }
        i += 1;
    }
    if sqls.is_empty() {
        return m("`mysql` without `-e` runs SQL from its input");
    }
    let mut v = Verdict::read();
    for sql in sqls {
        if sql.contains("INTO OUTFILE")
            || sql.contains("into outfile")
            || sql.contains("\\!")
            || sql.trim_start().starts_with("system")
        {
            v.raise(m("SQL writes a file or runs a command"));
        }
        let class = super::classify::sql_class(sql);
        v.raise(Verdict::of(class, || {
            format!("SQL `{}` is {}", short(sql), class.as_str())
        }));
    }
    v
}

/// clickhouse-client: every `--query`/`-q` is judged as SQL; no query
/// means SQL from its input, and `--queries-file` runs a file: not read.
pub(super) fn clickhouse(args: &[Word]) -> Verdict {
    let spec = Spec {
        short_val: "hqudf",
        short_bool: "nsmV",
        short_opt: "",
        long_val: &[
            "host",
            "port",
            "user",
            "password",
            "database",
            "query",
            "format",
            "time",
            "config-file",
            "queries-file",
            "param",
        ],
        long_bool: &["multiquery", "multiline", "secure", "version", "help"],
    };
    let o = match getopt(args, &spec, false) {
        Ok(o) => o,
        Err(e) => return m(format!("`clickhouse-client`: {e}")),
    };
    if o.has(&["--queries-file", "--config-file"]) {
        return m("`clickhouse-client --queries-file` runs SQL from a file");
    }
    let queries: Vec<&str> = o.values(&["-q", "--query"]).collect();
    if queries.is_empty() {
        if o.has(&["-V", "--version", "--help"]) {
            return Verdict::read();
        }
        return m("`clickhouse-client` without `--query` runs SQL from its input");
    }
    let mut v = Verdict::read();
    for sql in queries {
        let class = super::classify::sql_class(sql);
        v.raise(Verdict::of(class, || {
            format!("SQL `{}` is {}", short(sql), class.as_str())
        }));
    }
    v
}

/// redis-cli options that act whatever the command: `--pipe`, `--rdb`,
/// `--eval`, `--cluster` (other than check/info), `--functions-rdb`.
pub(crate) fn redis_cli_options(args: &[Word]) -> Option<Verdict> {
    let mut scan_mode = false;
    for (i, w) in args.iter().enumerate() {
        let t = w.text.as_str();
        match t {
            "--pipe" | "--rdb" | "--functions-rdb" | "--eval" | "-x" | "--replica" | "--slave" => {
                return Some(m(format!(
                    "`redis-cli {t}` writes, feeds input or runs scripts"
                )));
            }
            "--cluster" => {
                let sub = args.get(i + 1).map(|w| w.text.as_str());
                if !matches!(sub, Some("check" | "info" | "help")) {
                    return Some(m("`redis-cli --cluster` changes the cluster"));
                }
                // `--cluster check|info` only reads, like the scan modes.
                scan_mode = true;
            }
            "--scan"
            | "--bigkeys"
            | "--memkeys"
            | "--hotkeys"
            | "--keystats"
            | "--stat"
            | "--latency"
            | "--latency-history"
            | "--latency-dist"
            | "--intrinsic-latency" => {
                scan_mode = true;
            }
            _ => {}
        }
    }
    // These modes only read, whatever words follow.
    scan_mode.then(Verdict::read)
}

/// Migration tools: destructive verbs (revert, down, rollback, reset,
/// drop, clean, undo), read verbs (status, info, list, history, current,
/// validate, `*-sql` previews), the rest mutating. `None` when `name` does
/// not run a migration tool (`npx` of something else).
pub(super) fn migration(name: &str, args: &[Word]) -> Option<Verdict> {
    let words: Vec<String> = args
        .iter()
        .filter(|w| w.literal && !w.text.starts_with('-'))
        .map(|w| w.text.to_ascii_lowercase())
        .collect();
    let tools = [
        "sqlx",
        "diesel",
        "migrate",
        "alembic",
        "flyway",
        "liquibase",
        "prisma",
        "knex",
        "goose",
        "dbmate",
        "atlas",
        "sequelize",
        "sequelize-cli",
        "typeorm",
        "db-migrate",
        "node-pg-migrate",
        "rails",
        "rake",
    ];
    let is_tool = matches!(
        name,
        "sqlx"
            | "diesel"
            | "migrate"
            | "alembic"
            | "flyway"
            | "liquibase"
            | "prisma"
            | "knex"
            | "goose"
            | "dbmate"
            | "atlas"
            | "sequelize"
            | "sequelize-cli"
    ) || words.first().is_some_and(|w| tools.contains(&w.as_str()))
        || (matches!(name, "rails" | "rake") && words.iter().any(|w| w.starts_with("db:")));
    if !is_tool {
        return None;
    }
    let tokens: Vec<&str> = words.iter().flat_map(|w| w.split(':')).collect();
    let destructive = [
        "revert",
        "down",
        "downgrade",
        "rollback",
        "reset",
        "drop",
        "clean",
        "undo",
        "redo",
        "fresh",
        "drop-all",
        "dropall",
        "down-to",
        "purge",
    ];
    let read = [
        "status",
        "info",
        "list",
        "history",
        "current",
        "heads",
        "branches",
        "show",
        "check",
        "validate",
        "version",
        "update-sql",
        "updatesql",
        "rollback-sql",
        "rollbacksql",
        "future-rollback-sql",
        "diff",
        "print-schema",
    ];
    let mutating = [
        "up",
        "run",
        "upgrade",
        "apply",
        "deploy",
        "baseline",
        "repair",
        "update",
        "create",
        "new",
        "add",
        "generate",
        "fix",
        "force",
        "goto",
        "stamp",
        "merge",
        "edit",
        "tag",
        "seed",
        "push",
        "latest",
        "setup",
        "up-by-one",
        "up-to",
        "dev",
        "resolve",
        "import",
    ];
    // Only tools whose dry run is real: `sqlx migrate run --dry-run`,
    // `atlas migrate apply --dry-run`.
    let dry = match name {
        "sqlx" | "atlas" => super::tools_cloud::dry_run(args),
        _ => false,
    };
    // Tools that load project code for every command (alembic's env.py,
    // knexfile.js, Rails) or that fetch and run packages (npx) are never
    // read, whatever the verb.
    let loads_project_code = !matches!(
        name,
        "sqlx"
            | "diesel"
            | "migrate"
            | "flyway"
            | "liquibase"
            | "prisma"
            | "goose"
            | "dbmate"
            | "atlas"
    );
    if let Some(d) = tokens.iter().find(|t| destructive.contains(t)) {
        if dry && !loads_project_code {
            return Some(Verdict::read());
        }
        return Some(Verdict::destructive(format!(
            "`{name} … {d}` undoes migrations or drops data"
        )));
    }
    let has_mutating = tokens.iter().any(|t| mutating.contains(t));
    if has_mutating && !dry {
        return Some(not_read_only(name, args));
    }
    if loads_project_code {
        return Some(m(format!("`{name}` runs project code")));
    }
    if tokens.iter().any(|t| read.contains(t)) || (has_mutating && dry) {
        return Some(Verdict::read());
    }
    Some(not_read_only(name, args))
}

#[cfg(test)]
mod tests {
    use crate::analyze::block_class_of;
    use crate::profile::Class;

    #[test]
    fn clickhouse_client_is_judged_by_its_queries() {
        for (s, class) in [
            ("clickhouse-client -h db --query 'SELECT 1'", Class::Read),
            (
                "clickhouse-client -q \"SELECT count() FROM t\"",
                Class::Read,
            ),
            ("clickhouse-client --query='SHOW TABLES'", Class::Read),
            (
                "clickhouse-client --query 'INSERT INTO t VALUES (1)'",
                Class::Mutating,
            ),
            (
                "clickhouse-client --query 'DROP TABLE t'",
                Class::Destructive,
            ),
            ("clickhouse-client", Class::Mutating),
            ("clickhouse-client --queries-file x.sql", Class::Mutating),
        ] {
            assert_eq!(block_class_of(s), class, "{s}");
        }
    }
}
