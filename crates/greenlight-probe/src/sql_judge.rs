//! What PostgreSQL text does, judged on its tokens: read, mutating or destructive, why, and
//! which functions it calls (so the probe can ask the server how volatile they are).
//!
//! A statement is read only when it is `SELECT`, `WITH`, `VALUES`, `TABLE`, `SHOW`, `EXPLAIN`
//! without `ANALYZE`, a harmless `SET`, or a psql meta-command that lists things (`\dt`, `\l`),
//! and none of its words modifies data (`INSERT`, `UPDATE`, `DELETE`, `MERGE`, `INTO`,
//! `FOR SHARE`, `COPY`) and it calls no function that acts on the server
//! (`pg_terminate_backend`, `nextval`, `lo_unlink`, `set_config` …; see [`server_acting`]).

use crate::access::Effect;
use crate::sql_lex::{Token, TokenKind, ident_name, statements, tokenize};

/// A function the SQL calls: `name(` or `schema.name(`, folded as PostgreSQL folds names.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct FunctionRef {
    /// The schema, if the call names one.
    pub schema: Option<String>,
    /// The function's name.
    pub name: String,
}

impl std::fmt::Display for FunctionRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.schema {
            Some(s) => write!(f, "{s}.{}()", self.name),
            None => write!(f, "{}()", self.name),
        }
    }
}

/// The judgement of SQL text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlVerdict {
    /// The most dangerous statement's class.
    pub class: Effect,
    /// Why the text is not read (the first reason found), `None` when it is.
    pub reason: Option<String>,
    /// Every function called, without duplicates, in order of appearance; keyword constructs
    /// (`cast(`, `coalesce(`, `exists(` …) are not listed.
    pub functions: Vec<FunctionRef>,
    /// Every identifier (unquoted in lower case, quoted as written), without duplicates: the
    /// relations the SQL may read are among them, so the probe can look at their views and
    /// row-security policies.
    pub identifiers: Vec<String>,
}

/// Words followed by `(` that are syntax, type modifiers or keyword functions, not calls of
/// a `pg_proc` function.
const NOT_CALLS: &[&str] = &[
    "all",
    "and",
    "any",
    "array",
    "as",
    "between",
    "bit",
    "by",
    "case",
    "cast",
    "char",
    "character",
    "coalesce",
    "cube",
    "decimal",
    "distinct",
    "else",
    "except",
    "exists",
    "extract",
    "filter",
    "float",
    "from",
    "greatest",
    "grouping",
    "having",
    "ilike",
    "in",
    "intersect",
    "interval",
    "is",
    "join",
    "lateral",
    "least",
    "like",
    "not",
    "nullif",
    "numeric",
    "on",
    "only",
    "or",
    "over",
    "overlay",
    "partition",
    "position",
    "recursive",
    "returning",
    "rollup",
    "row",
    "select",
    "sets",
    "similar",
    "some",
    "substring",
    "table",
    "then",
    "time",
    "timestamp",
    "treat",
    "trim",
    "union",
    "using",
    "values",
    "varbit",
    "varchar",
    "when",
    "where",
    "window",
    "with",
    "within",
];

/// Whether calling `name` acts on the server even in a read-only transaction: signalling
/// backends, configuration, WAL, replication, advisory locks, large objects, sequences,
/// statistics, backups, remote connections, file writes, SQL run from a string.
pub fn server_acting(name: &str) -> bool {
    const EXACT: &[&str] = &[
        "pg_terminate_backend",
        "pg_cancel_backend",
        "pg_signal_backend",
        "pg_reload_conf",
        "pg_rotate_logfile",
        "pg_rotate_logfile_old",
        "pg_switch_wal",
        "pg_switch_xlog",
        "pg_promote",
        "pg_wal_replay_pause",
        "pg_wal_replay_resume",
        "pg_xlog_replay_pause",
        "pg_xlog_replay_resume",
        "pg_logical_emit_message",
        "pg_replication_slot_advance",
        "pg_drop_replication_slot",
        "setval",
        "nextval",
        "pg_log_backend_memory_contexts",
        "pg_backup_start",
        "pg_backup_stop",
        "pg_start_backup",
        "pg_stop_backup",
        "pg_import_system_collations",
        "set_config",
        "txid_current",
        "pg_current_xact_id",
        "pg_notify",
        "loread",
        "lowrite",
        "pg_truncate_visibility_map",
        "brin_summarize_new_values",
        "brin_summarize_range",
        "brin_desummarize_range",
        "gin_clean_pending_list",
        "ts_stat",
        "pg_prewarm",
        "pg_sequence_last_value_reset",
    ];
    const PREFIX: &[&str] = &[
        "pg_create_",
        "pg_copy_",
        "pg_replication_origin_",
        "pg_logical_slot_",
        "lo_",
        "dblink",
        "pg_stat_reset",
        "pg_file_",
        "query_to_xml",
        "cursor_to_xml",
    ];
    let n = name.to_ascii_lowercase();
    EXACT.contains(&n.as_str())
        || PREFIX.iter().any(|p| n.starts_with(p))
        || n.contains("advisory")
        || n.ends_with("_reset")
}

/// Every `pg_catalog` function name of PostgreSQL 15 with its volatility (`i`, `s` or `v`,
/// the most volatile overload), generated by `tools/pg-functions.sh`.
const PG_FUNCTIONS: &str = include_str!("pg_functions.txt");

/// The volatility PostgreSQL's catalog gives a built-in function name, if it is one.
pub fn builtin_volatility(name: &str) -> Option<char> {
    static TABLE: std::sync::OnceLock<Vec<(&'static str, char)>> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut t: Vec<(&str, char)> = PG_FUNCTIONS
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| {
                let (n, v) = l.split_once(' ')?;
                Some((n, v.chars().next()?))
            })
            .collect();
        t.sort_unstable();
        t
    });
    table
        .binary_search_by(|(n, _)| (*n).cmp(name))
        .ok()
        .map(|i| table[i].1)
}

/// The judgement of SQL text where no server can be asked (planning): as [`judge_sql`], and a
/// call of anything but a known read built-in is not read either (deny by default; see
/// [`call_reason`]). The probe, which can ask the server, uses [`judge_sql`] and then
/// PostgreSQL's own volatility marking.
pub fn judge_sql_text(sql: &str) -> SqlVerdict {
    let mut v = judge_sql(sql);
    if v.class == Effect::Read
        && let Some(why) = v.functions.iter().find_map(call_reason)
    {
        v.class = Effect::Mutating;
        v.reason = Some(why);
    }
    v
}

/// Why a call keeps the text from being read, judged from the text alone: a built-in that
/// PostgreSQL marks volatile (other than the few known to only read), or a function that is
/// not a built-in at all (a user or extension function: what it does is unknown, so deny by
/// default). The probe asks the server again at run time (`pg_proc.provolatile`, every
/// overload in every schema), which also catches a user function shadowing a built-in name.
fn call_reason(f: &FunctionRef) -> Option<String> {
    let builtin_schema = f.schema.as_deref().is_none_or(|s| s == "pg_catalog");
    let name = f.name.as_str();
    match builtin_schema.then(|| builtin_volatility(name)).flatten() {
        Some('i' | 's') => None,
        Some(_) if KNOWN_READ_VOLATILE.contains(&name) => None,
        Some(_) => Some(format!(
            "it calls {f}, which PostgreSQL marks volatile (it may change data)"
        )),
        None if KNOWN_READ_EXTENSION_FUNCTIONS
            .iter()
            .any(|(_, n)| *n == name) =>
        {
            None
        }
        None => Some(format!(
            "it calls {f}, which is not a PostgreSQL built-in: what it does is unknown \
             (allow mutating to run it)"
        )),
    }
}

/// Built-in `pg_catalog` functions PostgreSQL marks volatile that only read (or only wait):
/// the probe accepts them without the volatility rule when every function of that name lives
/// in `pg_catalog`.
pub const KNOWN_READ_VOLATILE: &[&str] = &[
    "clock_timestamp",
    "currval",
    "gen_random_uuid",
    "lastval",
    "pg_blocking_pids",
    "pg_current_logfile",
    "pg_current_wal_flush_lsn",
    "pg_current_wal_insert_lsn",
    "pg_current_wal_lsn",
    "pg_current_xact_id_if_assigned",
    "pg_database_size",
    "pg_get_wal_replay_pause_state",
    "pg_indexes_size",
    "pg_is_in_recovery",
    "pg_is_wal_replay_paused",
    "pg_last_wal_receive_lsn",
    "pg_last_wal_replay_lsn",
    "pg_last_xact_replay_timestamp",
    "pg_relation_size",
    "pg_safe_snapshot_blocking_pids",
    "pg_sleep",
    "pg_sleep_for",
    "pg_sleep_until",
    "pg_table_size",
    "pg_tablespace_size",
    "pg_total_relation_size",
    "random",
    "timeofday",
    "txid_current_if_assigned",
];

/// Functions of well-known extensions, marked volatile, that only read (statistics, buffer
/// contents): `(extension, function)`. They are accepted in whatever schema the extension was
/// installed, when the function really belongs to that extension.
pub const KNOWN_READ_EXTENSION_FUNCTIONS: &[(&str, &str)] = &[
    ("pg_stat_statements", "pg_stat_statements"),
    ("pg_stat_statements", "pg_stat_statements_info"),
    ("pg_buffercache", "pg_buffercache_pages"),
    ("pg_buffercache", "pg_buffercache_summary"),
    ("pg_buffercache", "pg_buffercache_usage_counts"),
    ("pgstattuple", "pgstattuple"),
    ("pgstattuple", "pgstattuple_approx"),
    ("pgstattuple", "pgstatindex"),
    ("pgstattuple", "pg_relpages"),
    ("uuid-ossp", "uuid_generate_v1"),
    ("uuid-ossp", "uuid_generate_v4"),
];

/// Settings a read-only check may `SET` or `RESET`: they change how results are computed or
/// shown, not what the SQL means or who runs it. Anything else (the read-only settings, role,
/// session authorization, `standard_conforming_strings`, `client_encoding` — which change how
/// the server reads the text after them — …) is not read.
const SAFE_SETTINGS: &[&str] = &[
    "application_name",
    "bytea_output",
    "datestyle",
    "effective_cache_size",
    "extra_float_digits",
    "idle_in_transaction_session_timeout",
    "intervalstyle",
    "jit",
    "lock_timeout",
    "max_parallel_workers_per_gather",
    "plan_cache_mode",
    "random_page_cost",
    "search_path",
    "seq_page_cost",
    "statement_timeout",
    "time",
    "timezone",
    "work_mem",
];

/// psql meta-commands that only list things (a trailing `+` or `S` is allowed).
pub const READ_META: &[&str] = &[
    "conninfo", "d", "di", "dn", "ds", "dt", "du", "dg", "dv", "dm", "dx", "l",
];

/// The meta-command's name without its backslash and `+`/`S` modifiers, and its arguments.
pub fn meta_parts(text: &str) -> (String, Vec<&str>) {
    let body = text.strip_prefix('\\').unwrap_or(text);
    let mut words = body.split_whitespace();
    let name = words.next().unwrap_or("");
    let base = if name == "conninfo" {
        name
    } else {
        name.trim_end_matches(['+', 'S'])
    };
    (base.to_string(), words.collect())
}

/// Judges SQL text; the most dangerous statement decides the class.
pub fn judge_sql(sql: &str) -> SqlVerdict {
    let tokens = tokenize(sql);
    let mut verdict = SqlVerdict {
        class: Effect::Read,
        reason: None,
        functions: Vec::new(),
        identifiers: Vec::new(),
    };
    for t in &tokens {
        if matches!(t.kind, TokenKind::Word | TokenKind::QuotedIdent) {
            let name = ident_name(sql, t);
            if !verdict.identifiers.contains(&name) {
                verdict.identifiers.push(name);
            }
        }
    }
    let list = statements(&tokens);
    if list.is_empty() {
        return verdict;
    }
    for st in list {
        let (class, reason) = judge_statement(sql, st, &mut verdict.functions);
        if class > verdict.class {
            verdict.class = class;
            verdict.reason = reason.or(verdict.reason.take());
        } else if class > Effect::Read && verdict.reason.is_none() {
            verdict.reason = reason;
        }
    }
    verdict
}

fn word(sql: &str, t: Option<&Token>) -> Option<String> {
    t.filter(|t| t.kind == TokenKind::Word)
        .map(|t| t.text(sql).to_ascii_lowercase())
}

fn judge_statement(
    sql: &str,
    st: &[Token],
    functions: &mut Vec<FunctionRef>,
) -> (Effect, Option<String>) {
    let Some(first) = st.first() else {
        return (Effect::Read, None);
    };
    if first.kind == TokenKind::Meta {
        let (name, _) = meta_parts(first.text(sql));
        return if READ_META.contains(&name.as_str()) {
            (Effect::Read, None)
        } else {
            (
                Effect::Mutating,
                Some(format!(
                    "the psql meta-command \\{name} is not one greenlight runs read-only"
                )),
            )
        };
    }
    let words: Vec<String> = st
        .iter()
        .filter(|t| t.kind == TokenKind::Word)
        .map(|t| t.text(sql).to_ascii_lowercase())
        .collect();
    let has = |w: &str| words.iter().any(|x| x == w);
    // `(SELECT …) UNION (SELECT …)`: the verb is the first word inside the parentheses.
    let lead = st
        .iter()
        .position(|t| t.kind != TokenKind::LParen)
        .unwrap_or(0);
    let verb = word(sql, st.get(lead))
        .filter(|v| lead == 0 || matches!(v.as_str(), "select" | "with" | "values" | "table"));
    let Some(verb) = verb else {
        return (
            Effect::Mutating,
            Some(format!(
                "the statement starting with {:?} is not one greenlight knows",
                first.text(sql)
            )),
        );
    };
    for w in ["drop", "truncate", "delete"] {
        if has(w) {
            return (
                Effect::Destructive,
                Some(format!("the SQL holds {}", w.to_uppercase())),
            );
        }
    }
    let mut body = st;
    match verb.as_str() {
        "select" | "with" | "values" | "table" | "show" => {}
        "explain" => {
            let mut i = 1;
            if st.get(1).is_some_and(|t| t.kind == TokenKind::LParen) {
                while i < st.len() && st[i].kind != TokenKind::RParen {
                    if word(sql, st.get(i)).is_some_and(|w| w == "analyze" || w == "analyse") {
                        return explain_analyze();
                    }
                    i += 1;
                }
                i += 1;
            }
            while let Some(w) = word(sql, st.get(i)) {
                match w.as_str() {
                    "analyze" | "analyse" => return explain_analyze(),
                    "verbose" => i += 1,
                    _ => break,
                }
            }
            body = st.get(i..).unwrap_or(&[]);
            let inner = word(sql, body.first());
            if !matches!(
                inner.as_deref(),
                Some("select" | "with" | "values" | "table")
            ) {
                return (
                    Effect::Mutating,
                    Some("EXPLAIN of a statement that is not a query".into()),
                );
            }
        }
        "set" | "reset" => return set_class(sql, st, &verb),
        "begin" | "start" | "commit" | "end" | "rollback" | "abort" | "savepoint" | "release"
        | "prepare" => {
            return (
                Effect::Mutating,
                Some(format!(
                    "{} is transaction control, which greenlight keeps to itself in read-only mode",
                    verb.to_uppercase()
                )),
            );
        }
        other => {
            return (
                Effect::Mutating,
                Some(format!(
                    "{} statements change the database or the session",
                    other.to_uppercase()
                )),
            );
        }
    }
    for (k, w) in words.iter().enumerate() {
        let bad = match w.as_str() {
            "insert" | "update" | "merge" | "into" | "copy" | "listen" | "notify" | "unlisten" => {
                true
            }
            "share" => k > 0 && matches!(words[k - 1].as_str(), "for" | "key"),
            _ => false,
        };
        if bad {
            return (
                Effect::Mutating,
                Some(format!("the SQL holds {}", w.to_uppercase())),
            );
        }
    }
    let mut reason = None;
    for i in 0..body.len() {
        let t = &body[i];
        if !matches!(t.kind, TokenKind::Word | TokenKind::QuotedIdent)
            || body.get(i + 1).map(|n| n.kind) != Some(TokenKind::LParen)
        {
            continue;
        }
        let name = ident_name(sql, t);
        if t.kind == TokenKind::Word && NOT_CALLS.contains(&name.as_str()) {
            continue;
        }
        if t.kind == TokenKind::QuotedIdent && t.text(sql).starts_with(['U', 'u']) {
            // U&"\0070g_…": a name the judge would have to decode; not worth the risk.
            reason.get_or_insert_with(|| {
                "it calls a function named with Unicode escapes (U&\"…\")".to_string()
            });
        }
        let prev = i.checked_sub(1).and_then(|p| body.get(p));
        if prev.is_some_and(|p| {
            p.kind == TokenKind::Cast
                || p.kind == TokenKind::Word && p.text(sql).eq_ignore_ascii_case("as")
        }) {
            continue;
        }
        let schema = match (prev, i.checked_sub(2).and_then(|p| body.get(p))) {
            (Some(d), Some(s))
                if d.kind == TokenKind::Dot
                    && matches!(s.kind, TokenKind::Word | TokenKind::QuotedIdent) =>
            {
                Some(ident_name(sql, s))
            }
            _ => None,
        };
        if server_acting(&name) && reason.is_none() {
            reason = Some(format!(
                "it calls {name}(), which acts on the server even in a read-only transaction"
            ));
        }
        let f = FunctionRef { schema, name };
        if !functions.contains(&f) {
            functions.push(f);
        }
    }
    match reason {
        Some(r) => (Effect::Mutating, Some(r)),
        None => (Effect::Read, None),
    }
}

fn explain_analyze() -> (Effect, Option<String>) {
    (
        Effect::Mutating,
        Some("EXPLAIN ANALYZE runs the statement".into()),
    )
}

fn set_class(sql: &str, st: &[Token], verb: &str) -> (Effect, Option<String>) {
    let mut i = 1;
    if verb == "set" && matches!(word(sql, st.get(i)).as_deref(), Some("session" | "local")) {
        i += 1;
    }
    let name = st
        .get(i)
        .filter(|t| matches!(t.kind, TokenKind::Word | TokenKind::QuotedIdent))
        .map(|t| ident_name(sql, t));
    match name {
        Some(n) if SAFE_SETTINGS.contains(&n.as_str()) || n.starts_with("enable_") => {
            (Effect::Read, None)
        }
        other => (
            Effect::Mutating,
            Some(format!(
                "{} {} is not a setting greenlight changes in read-only mode (it could lift the \
                 read-only transaction, change the user or how the server reads the SQL)",
                verb.to_uppercase(),
                other.unwrap_or_default().to_uppercase()
            )),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(sql: &str) -> Effect {
        judge_sql(sql).class
    }

    #[test]
    fn reads() {
        for s in [
            "SELECT 1",
            "select count(*) from users;",
            "SELECT version();",
            "SELECT update_at, inserted, deleted_at FROM t",
            "SELECT 'DELETE FROM t; UPDATE x' AS s",
            "SELECT $$ INSERT $$",
            "SELECT \"update\" FROM t -- DELETE\n",
            "WITH x AS (SELECT 1) SELECT * FROM x",
            "VALUES (1), (2)",
            "TABLE users",
            "SHOW server_version",
            "EXPLAIN SELECT * FROM t",
            "EXPLAIN (VERBOSE, COSTS OFF) SELECT 1",
            "SELECT now(), coalesce(a, 1), cast(b AS numeric(10,2)), c::varchar(3) FROM t",
            "SET statement_timeout = '5s'; SELECT 1",
            "SET search_path TO app; SELECT 1",
            "RESET statement_timeout",
            "SET TIME ZONE 'UTC'",
            "SET LOCAL enable_seqscan = off",
            "\\dt",
            "\\d users",
            "\\l+",
            "\\conninfo",
            "SELECT pg_size_pretty(pg_database_size(current_database()))",
            "SELECT * FROM pg_stat_activity WHERE state = 'idle'",
            "SELECT 1 FROM t WHERE a IN (1, 2) AND EXISTS (SELECT 1)",
            "",
            ";;",
            "(SELECT 1) UNION (SELECT 2)",
            "((VALUES (1)))",
        ] {
            assert_eq!(class(s), Effect::Read, "{s}: {:?}", judge_sql(s));
        }
    }

    #[test]
    fn mutating() {
        for s in [
            "INSERT INTO t VALUES (1)",
            "UPDATE t SET a = 1",
            "SELECT * INTO t2 FROM t",
            "SELECT * FROM t FOR UPDATE",
            "SELECT * FROM t FOR NO KEY UPDATE",
            "SELECT * FROM t FOR SHARE",
            "SELECT * FROM t FOR KEY SHARE",
            "WITH i AS (INSERT INTO t VALUES (1) RETURNING *) SELECT * FROM i",
            "WITH u AS (UPDATE t SET a = 1 RETURNING *) SELECT 1",
            "MERGE INTO t USING s ON true WHEN MATCHED THEN DO NOTHING",
            "COPY t TO STDOUT",
            "COPY t FROM '/tmp/x'",
            "EXPLAIN ANALYZE SELECT 1",
            "EXPLAIN (ANALYZE, BUFFERS) SELECT 1",
            "EXPLAIN analyse SELECT 1",
            "BEGIN",
            "START TRANSACTION",
            "COMMIT",
            "END",
            "ROLLBACK",
            "ABORT",
            "SAVEPOINT a",
            "RELEASE a",
            "PREPARE TRANSACTION 'x'",
            "SELECT 1; COMMIT; SELECT 2",
            "SET TRANSACTION READ WRITE",
            "SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE",
            "SET default_transaction_read_only = off",
            "set transaction_read_only to off",
            "SET SESSION AUTHORIZATION postgres",
            "SET ROLE admin",
            "SET LOCAL ROLE admin",
            "RESET ROLE",
            "RESET ALL",
            "RESET default_transaction_read_only",
            "SET standard_conforming_strings = off",
            "SET client_encoding = 'SJIS'",
            "SET NAMES 'SJIS'",
            "SET session_replication_role = replica",
            "LISTEN ch",
            "NOTIFY ch",
            "SELECT pg_notify('c', 'x')",
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'x'",
            "SELECT pg_catalog.pg_terminate_backend(1)",
            "select PG_CANCEL_BACKEND(1)",
            "SELECT \"pg_terminate_backend\"(1)",
            "SELECT U&\"pg_\\0074erminate_backend\"(1)",
            "SELECT u&\"x\"(1)",
            "SELECT pg_reload_conf()",
            "SELECT pg_rotate_logfile()",
            "SELECT pg_switch_wal()",
            "SELECT pg_promote()",
            "SELECT pg_wal_replay_pause()",
            "SELECT pg_wal_replay_resume()",
            "SELECT pg_create_logical_replication_slot('s', 'pgoutput')",
            "SELECT pg_create_physical_replication_slot('s')",
            "SELECT pg_drop_replication_slot('s')",
            "SELECT pg_replication_slot_advance('s', '0/0')",
            "SELECT pg_logical_emit_message(true, 'p', 'x')",
            "SELECT pg_advisory_lock(1)",
            "SELECT pg_try_advisory_xact_lock(1)",
            "SELECT pg_advisory_unlock_all()",
            "SELECT lo_import('/etc/passwd')",
            "SELECT lo_export(1, '/tmp/x')",
            "SELECT lo_unlink(1)",
            "SELECT lo_create(0)",
            "SELECT lo_put(1, 0, 'x')",
            "SELECT lo_from_bytea(0, 'x')",
            "SELECT lowrite(0, 'x')",
            "SELECT dblink_exec('c', 'DROP')",
            "SELECT * FROM dblink('c', 'select 1') AS t(a int)",
            "SELECT setval('s', 1)",
            "SELECT nextval('s')",
            "SELECT pg_stat_reset()",
            "SELECT pg_stat_reset_shared('bgwriter')",
            "SELECT pg_stat_statements_reset()",
            "SELECT pg_log_backend_memory_contexts(1)",
            "SELECT pg_backup_start('x')",
            "SELECT pg_backup_stop()",
            "SELECT pg_import_system_collations('pg_catalog')",
            "SELECT set_config('search_path', 'x', false)",
            "SELECT set_config('a.b', 'x', true)",
            "SELECT txid_current()",
            "SELECT pg_current_xact_id()",
            "SELECT pg_file_write('x', 'y', false)",
            "SELECT query_to_xml('delete from t', true, true, '')",
            "VACUUM t",
            "ANALYZE t",
            "CREATE TABLE x (a int)",
            "ALTER TABLE t ADD COLUMN b int",
            "GRANT SELECT ON t TO u",
            "DO $$ BEGIN PERFORM 1; END $$",
            "CALL p()",
            "LOCK TABLE t",
            "REFRESH MATERIALIZED VIEW v",
            "\\copy t to '/tmp/x'",
            "\\! rm -rf /",
            "\\i x.sql",
            "\\o /tmp/x",
            "\\gexec",
            "SELECT 1 \\g /tmp/out",
            "(INSERT INTO t VALUES (1))",
            "(SELECT 1) UNION (SELECT nextval('s'))",
        ] {
            assert!(class(s) >= Effect::Mutating, "{s}: {:?}", judge_sql(s));
            assert!(judge_sql(s).reason.is_some(), "{s}");
        }
    }

    #[test]
    fn destructive() {
        for s in [
            "DROP TABLE t",
            "TRUNCATE t",
            "DELETE FROM t",
            "SELECT 1; DELETE FROM t",
            "WITH d AS (DELETE FROM t RETURNING *) SELECT count(*) FROM d",
            "SELECT 1; COMMIT; DELETE FROM t",
            "ALTER TABLE t DROP COLUMN a",
        ] {
            assert_eq!(class(s), Effect::Destructive, "{s}");
        }
    }

    fn sql_of_collected() -> String {
        "SELECT count(*), bump(), public.bump2(1), \"public\".\"Bump3\"(), now()::date, \
         cast(x AS varchar(10)), coalesce(a, b) FROM t AS a(b, c) WHERE x IN (1)"
            .to_string()
    }

    #[test]
    fn functions_are_collected() {
        let v = judge_sql(&sql_of_collected());
        // The probe asks the server about bump(); from the text alone it is unknown: not read.
        assert_eq!(v.class, Effect::Read);
        let text = judge_sql_text(&sql_of_collected());
        assert_eq!(text.class, Effect::Mutating);
        assert!(
            text.reason.as_deref().unwrap().contains("bump()"),
            "{text:?}"
        );
        let names: Vec<String> = v.functions.iter().map(ToString::to_string).collect();
        assert_eq!(
            names,
            vec![
                "count()",
                "bump()",
                "public.bump2()",
                "public.Bump3()",
                "now()"
            ]
        );
        assert!(
            judge_sql("SELECT \"public\".\"bump\"()").functions[0]
                .schema
                .is_some()
        );
    }

    #[test]
    fn calls_are_judged_by_the_catalog() {
        for s in [
            "SELECT count(*), now(), version(), lower('A'), pg_database_size('x')",
            "SELECT pg_catalog.upper('a'), clock_timestamp(), random()",
            "SELECT * FROM pg_stat_statements()",
        ] {
            assert_eq!(judge_sql_text(s).class, Effect::Read, "{s}");
        }
        for s in [
            "SELECT bump()",
            "SELECT public.lower('a')",
            "SELECT * FROM refresh_all()",
            "SELECT cron.schedule('x', '* * * * *', 'SELECT 1')",
            "SELECT pg_catalog.bump()",
            "SELECT pg_stat_clear_snapshot()",
        ] {
            assert_eq!(judge_sql_text(s).class, Effect::Mutating, "{s}");
            // The probe leaves these to the server's volatility marking.
            assert_ne!(class(s), Effect::Destructive, "{s}");
        }
        assert_eq!(builtin_volatility("now"), Some('s'));
        assert_eq!(builtin_volatility("nextval"), Some('v'));
        assert_eq!(builtin_volatility("no_such_function"), None);
    }

    #[test]
    fn reasons_name_the_call() {
        let v = judge_sql("SELECT pg_catalog.pg_terminate_backend(pid) FROM pg_stat_activity");
        assert!(v.reason.unwrap().contains("pg_terminate_backend()"));
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,80}") {
            let _ = judge_sql(&s);
        }

        #[test]
        fn a_hidden_delete_is_never_read(prefix in "[a-z ()',;]{0,12}", suffix in "[a-z ()]{0,12}") {
            let sql = format!("SELECT {prefix}; DELETE FROM t {suffix}");
            // Whatever comes before, the DELETE is either code (destructive) or inside an
            // unterminated string that the server would reject too; never read with a ; split.
            let v = judge_sql(&sql);
            if !prefix.contains('\'') {
                proptest::prop_assert_eq!(v.class, Effect::Destructive);
            }
        }
    }
}
