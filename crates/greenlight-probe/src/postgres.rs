//! PostgreSQL queries (no TLS); in read-only mode inside a read-only transaction that is
//! always rolled back, after the SQL was judged read.
//!
//! The connection string is libpq-style, as a URL (`postgres://user:pass@host:5432/db`) or as
//! key-value pairs (`host=127.0.0.1 user=postgres dbname=postgres`). It is never echoed in
//! errors (it may hold a password); errors name the `host:port` instead.

use serde::Serialize;
use std::time::Duration;
use tokio::time::Instant;
use tokio_postgres::config::Host;
use tokio_postgres::types::ToSql;
use tokio_postgres::{NoTls, SimpleQueryMessage};

use crate::postgres_meta;
use crate::postgres_text::{RawCell, Session, TextParam, cell_text};
use crate::sql_judge::{
    FunctionRef, KNOWN_READ_EXTENSION_FUNCTIONS, KNOWN_READ_VOLATILE, judge_sql,
};
use crate::sql_lex::{TokenKind, statements, tokenize};
use crate::{Access, Effect, ProbeError, Result, util};

/// Result of [`pg_query`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PgReport {
    /// Column names of the last row-returning statement (empty if none returned rows).
    pub columns: Vec<String>,
    /// Rows of the last row-returning statement, every value as PostgreSQL's text form
    /// (`None` for NULL).
    pub rows: Vec<Vec<Option<String>>>,
    /// Row count reported by the last statement's completion (rows returned by a `SELECT`,
    /// rows changed by `INSERT`/`UPDATE`/`DELETE` …); `None` if no statement completed.
    pub rows_affected: Option<u64>,
    /// Number of statements that completed (a query string may hold several).
    pub statements: usize,
    /// The server's `server_version` parameter, e.g. `"16.4 (Debian 16.4-1)"`.
    pub server_version: Option<String>,
    /// Connect plus query time. Serialized as `duration_ms`.
    #[serde(rename = "duration_ms", serialize_with = "util::ms::serialize")]
    pub duration: Duration,
}

impl PgReport {
    /// The rows as `psql -A -t` prints them: one line per row, values joined by `|`, NULL as an
    /// empty string.
    pub fn render_unaligned(&self) -> String {
        let mut out = String::new();
        for row in &self.rows {
            let line: Vec<&str> = row.iter().map(|v| v.as_deref().unwrap_or("")).collect();
            out.push_str(&line.join("|"));
            out.push('\n');
        }
        out
    }

    /// The first value of the first row, if there is one and it is not NULL.
    pub fn scalar(&self) -> Option<&str> {
        self.rows.first()?.first()?.as_deref()
    }
}

/// Result of [`pg_ping`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PgPingReport {
    /// The server's `server_version` parameter.
    pub server_version: Option<String>,
    /// Connect plus round trip. Serialized as `duration_ms`.
    #[serde(rename = "duration_ms", serialize_with = "util::ms::serialize")]
    pub duration: Duration,
}

/// Connects, authenticates and runs one trivial round trip (an empty query, in a read-only
/// transaction).
pub async fn pg_ping(conn: &str, timeout: Duration) -> Result<PgPingReport> {
    let r = pg_query(conn, "", &[], Access::ReadOnly, timeout).await?;
    Ok(PgPingReport {
        server_version: r.server_version,
        duration: r.duration,
    })
}

/// Connects with `conn` and runs `sql`, all within `timeout`. On timeout during the query, a
/// cancel request is sent to the server.
///
/// `params` are the values of `$1`, `$2` … in `sql`, counted over the whole text; each is
/// bound as text (PostgreSQL parses it with the type it infers, like an untyped `'literal'`),
/// never pasted into the statement. psql meta-commands that list things (`\dt`, `\d t`,
/// `\l`, `\dn`, `\du`, `\di`, `\dv`, `\ds`, `\dm`, `\dx`, `\conninfo`) are answered with
/// catalog queries.
///
/// With [`Access::ReadOnly`] the probe
/// 1. refuses, before connecting, SQL that [`judge_sql`] does not class read (writes,
///    transaction control, `SET` of the read-only settings or the role, calls that act on the
///    server such as `pg_terminate_backend`, `nextval`, `lo_unlink`);
/// 2. connects with `default_transaction_read_only=on` and runs everything inside
///    `BEGIN READ ONLY` … `ROLLBACK` (never a commit);
/// 3. asks `pg_proc` about every other function the SQL calls and refuses, naming it, any
///    volatile one (only immutable or stable functions are read; a few volatile built-ins that
///    only read, such as `random()` or `pg_database_size()`, are accepted when they are
///    `pg_catalog`'s);
/// 4. sends each statement on its own with the extended protocol, so text the server would
///    parse as several statements is an error, not a smuggled `COMMIT`.
///
/// A write that gets past all that fails on the server with SQLSTATE 25006 and comes back as
/// [`ProbeError::Refused`]. With [`Access::ReadWrite`], SQL without parameters or
/// meta-commands goes as one simple query (an implicit transaction, as `psql -c` does).
pub async fn pg_query(
    conn: &str,
    sql: &str,
    params: &[String],
    access: Access,
    timeout: Duration,
) -> Result<PgReport> {
    let read_only = access == Access::ReadOnly;
    let verdict = judge_sql(sql);
    if read_only && verdict.class != Effect::Read {
        return Err(ProbeError::refused(
            "PostgreSQL query",
            verdict
                .reason
                .clone()
                .unwrap_or_else(|| "it is not read-only SQL".into()),
        ));
    }
    let steps = plan_steps(sql, params)?;
    let mut config: tokio_postgres::Config = conn.trim().parse().map_err(|e| {
        ProbeError::invalid(
            "PostgreSQL connection string",
            error_text(&e as &(dyn std::error::Error + 'static)),
        )
    })?;
    if config.get_hosts().is_empty() && config.get_hostaddrs().is_empty() {
        config.host("localhost");
    }
    if read_only {
        // Later `-c` options win, so these come last. With standard-conforming strings the
        // server reads quotes exactly as the judge's lexer did (a backslash never escapes a
        // quote in a plain '…' string).
        let ours = "-c default_transaction_read_only=on -c standard_conforming_strings=on";
        let options = match config.get_options() {
            Some(o) if !o.trim().is_empty() => format!("{o} {ours}"),
            _ => ours.to_string(),
        };
        config.options(&options);
    }
    let addr = addr_label(&config);
    let start = Instant::now();
    let deadline = util::deadline(start, timeout);

    let (client, connection) = match tokio::time::timeout_at(deadline, config.connect(NoTls)).await
    {
        Err(_) => {
            return Err(ProbeError::timeout(
                timeout,
                format!("connecting to PostgreSQL at {addr}"),
            ));
        }
        Ok(Err(e)) => return Err(connect_error(&e, &addr)),
        Ok(Ok(pair)) => pair,
    };
    let server_version = connection.parameter("server_version").map(str::to_string);
    // The connection task ends by itself once `client` is dropped.
    tokio::spawn(async move {
        let _ = connection.await;
    });

    let mut report = PgReport {
        columns: Vec::new(),
        rows: Vec::new(),
        rows_affected: None,
        statements: 0,
        server_version,
        duration: Duration::ZERO,
    };
    let work = async {
        if read_only {
            run_read_only(
                &client,
                &steps,
                &verdict.functions,
                &verdict.identifiers,
                &mut report,
            )
            .await
        } else if steps.iter().all(|s| s.params.is_empty() && !s.meta) {
            let messages = client.simple_query(sql).await.map_err(Failure::Db)?;
            add_simple(&mut report, messages);
            Ok(())
        } else {
            for step in &steps {
                run_step(&client, step, &mut report).await?;
            }
            Ok(())
        }
    };
    match tokio::time::timeout_at(deadline, work).await {
        Err(_) => {
            let token = client.cancel_token();
            tokio::spawn(async move {
                let _ =
                    tokio::time::timeout(Duration::from_secs(2), token.cancel_query(NoTls)).await;
            });
            return Err(ProbeError::timeout(
                timeout,
                "waiting for the PostgreSQL query result",
            ));
        }
        Ok(Err(Failure::Db(e))) => return Err(query_error(&e, &addr)),
        Ok(Err(Failure::Probe(e))) => return Err(e),
        Ok(Ok(())) => {}
    }
    report.duration = start.elapsed();
    Ok(report)
}

/// Why running the statements stopped.
enum Failure {
    Db(tokio_postgres::Error),
    Probe(ProbeError),
}

impl From<tokio_postgres::Error> for Failure {
    fn from(e: tokio_postgres::Error) -> Self {
        Failure::Db(e)
    }
}

/// One statement to send on its own: its text (with `$n` counted within it) and its
/// parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Step {
    text: String,
    params: Vec<String>,
    /// A meta-command's catalog query.
    meta: bool,
}

/// Splits `sql` into statements, renumbers each one's `$n` from `$1` and picks its values out
/// of `params`; translates meta-commands.
fn plan_steps(sql: &str, params: &[String]) -> Result<Vec<Step>> {
    let tokens = tokenize(sql);
    let mut steps = Vec::new();
    for st in statements(&tokens) {
        let (Some(first), Some(last)) = (st.first(), st.last()) else {
            continue;
        };
        if first.kind == TokenKind::Meta {
            let q = postgres_meta::translate(first.text(sql))?;
            steps.push(Step {
                text: q.sql,
                params: q.params,
                meta: true,
            });
            continue;
        }
        let mut text = String::new();
        let mut mine: Vec<usize> = Vec::new();
        let mut at = first.start;
        for t in st.iter().filter(|t| t.kind == TokenKind::Param) {
            let n: usize = t.text(sql)[1..].parse().unwrap_or(0);
            if n == 0 || n > params.len() {
                return Err(ProbeError::invalid(
                    "PostgreSQL query",
                    format!(
                        "{} has no value ({} parameter(s) given)",
                        t.text(sql),
                        params.len()
                    ),
                ));
            }
            let local = match mine.iter().position(|&m| m == n) {
                Some(p) => p + 1,
                None => {
                    mine.push(n);
                    mine.len()
                }
            };
            text.push_str(sql.get(at..t.start).unwrap_or(""));
            text.push_str(&format!("${local}"));
            at = t.end;
        }
        text.push_str(sql.get(at..last.end).unwrap_or(""));
        steps.push(Step {
            text,
            params: mine.iter().map(|&n| params[n - 1].clone()).collect(),
            meta: false,
        });
    }
    Ok(steps)
}

async fn run_read_only(
    client: &tokio_postgres::Client,
    steps: &[Step],
    functions: &[FunctionRef],
    identifiers: &[String],
    report: &mut PgReport,
) -> std::result::Result<(), Failure> {
    client.batch_execute("BEGIN READ ONLY").await?;
    let outcome = async {
        check_volatility(client, functions).await?;
        check_attribute_calls(client, identifiers).await?;
        check_hidden_sql(client, identifiers).await?;
        for step in steps {
            run_step(client, step, report).await?;
        }
        Ok(())
    }
    .await;
    // Never a commit: whatever happened is undone.
    let _ = client.batch_execute("ROLLBACK").await;
    outcome
}

/// Refuses any function `functions` names that PostgreSQL marks volatile (all overloads, in
/// every schema, or in the named one), unless it is a known read-only `pg_catalog` built-in.
async fn check_volatility(
    client: &tokio_postgres::Client,
    functions: &[FunctionRef],
) -> std::result::Result<(), Failure> {
    if functions.is_empty() {
        return Ok(());
    }
    let names: Vec<String> = functions.iter().map(|f| f.name.clone()).collect();
    let rows = client
        .query(
            "SELECT n.nspname::text, p.proname::text, p.provolatile::text, \
                    (SELECT e.extname::text FROM pg_catalog.pg_depend d \
                     JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid \
                     WHERE d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid \
                       AND d.refclassid = 'pg_catalog.pg_extension'::regclass \
                       AND d.deptype = 'e' LIMIT 1) \
             FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace \
             WHERE p.proname::text = ANY($1::text[])",
            &[&names],
        )
        .await?;
    for f in functions {
        for row in &rows {
            let (schema, name, volatility): (String, String, String) =
                (row.get(0), row.get(1), row.get(2));
            if name != f.name || f.schema.as_ref().is_some_and(|s| *s != schema) {
                continue;
            }
            let extension: Option<String> = row.get(3);
            let known = schema == "pg_catalog" && KNOWN_READ_VOLATILE.contains(&name.as_str())
                || extension.is_some_and(|e| {
                    KNOWN_READ_EXTENSION_FUNCTIONS.contains(&(e.as_str(), name.as_str()))
                });
            if volatility != "i" && volatility != "s" && !known {
                return Err(Failure::Probe(ProbeError::refused(
                    "PostgreSQL query",
                    format!(
                        "it calls {f}, and {schema}.{name} is a volatile function (PostgreSQL's \
                         own marking: it may change data); only immutable or stable functions \
                         run in read-only mode"
                    ),
                )));
            }
        }
    }
    Ok(())
}

/// Refuses SQL that may call a volatile function in attribute notation: `x.f` is `f(x)` when
/// `f` takes one argument of a row type, so every identifier of the SQL counts.
async fn check_attribute_calls(
    client: &tokio_postgres::Client,
    identifiers: &[String],
) -> std::result::Result<(), Failure> {
    if identifiers.is_empty() {
        return Ok(());
    }
    let rows = client
        .query(
            "SELECT n.nspname::text, p.proname::text \
             FROM pg_catalog.pg_proc p \
             JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace \
             JOIN pg_catalog.pg_type t ON t.oid = p.proargtypes[0] \
             WHERE p.proname::text = ANY($1::text[]) AND p.pronargs = 1 \
               AND t.typtype = 'c' AND p.provolatile = 'v'",
            &[&identifiers],
        )
        .await?;
    match rows.first() {
        None => Ok(()),
        Some(row) => {
            let (schema, name): (String, String) = (row.get(0), row.get(1));
            Err(Failure::Probe(ProbeError::refused(
                "PostgreSQL query",
                format!(
                    "it names {name}, and {schema}.{name} is a volatile function of a row that \
                     `x.{name}` would call"
                ),
            )))
        }
    }
}

/// The SQL a relation runs when it is read, though the SQL that reads it does not show it: a
/// view's query and the expressions of its row-security policies, for every non-system
/// relation of one of the given names.
const HIDDEN_SQL: &str = "\
SELECT c.relname::text,
       CASE WHEN c.relkind = 'v' THEN pg_catalog.pg_get_viewdef(c.oid) END,
       (SELECT pg_catalog.string_agg(
                 'SELECT (' || coalesce(pg_catalog.pg_get_expr(p.polqual, p.polrelid), 'true')
                 || '), (' || coalesce(pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid), 'true')
                 || ')', '; ')
          FROM pg_catalog.pg_policy p WHERE p.polrelid = c.oid)
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relname::text = ANY($1::text[])
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND (c.relkind = 'v' OR c.relrowsecurity)";

/// How deep views over views are followed.
const VIEW_DEPTH: usize = 8;

/// Refuses SQL that reads a view or a table with row-security policies whose SQL is not read
/// (a call that acts on the server, a volatile function …), following views of views.
async fn check_hidden_sql(
    client: &tokio_postgres::Client,
    identifiers: &[String],
) -> std::result::Result<(), Failure> {
    let mut seen: Vec<String> = identifiers.to_vec();
    let mut frontier: Vec<String> = identifiers.to_vec();
    for _ in 0..VIEW_DEPTH {
        if frontier.is_empty() {
            return Ok(());
        }
        let rows = client.query(HIDDEN_SQL, &[&frontier]).await?;
        frontier.clear();
        for row in &rows {
            let relation: String = row.get(0);
            let texts: [Option<String>; 2] = [row.get(1), row.get(2)];
            for text in texts.iter().flatten() {
                let verdict = judge_sql(text);
                let refuse = |why: String| {
                    Failure::Probe(ProbeError::refused(
                        "PostgreSQL query",
                        format!(
                            "it reads {relation}, whose view or row-security policy {}",
                            why.strip_prefix("it ").unwrap_or(&why)
                        ),
                    ))
                };
                if verdict.class != Effect::Read {
                    return Err(refuse(
                        verdict.reason.unwrap_or_else(|| "is not read".into()),
                    ));
                }
                match check_volatility(client, &verdict.functions).await {
                    Err(Failure::Probe(ProbeError::Refused { reason, .. })) => {
                        return Err(refuse(reason));
                    }
                    other => other?,
                }
                for name in verdict.identifiers {
                    if !seen.contains(&name) {
                        seen.push(name.clone());
                        frontier.push(name);
                    }
                }
            }
        }
    }
    if frontier.is_empty() {
        Ok(())
    } else {
        Err(Failure::Probe(ProbeError::refused(
            "PostgreSQL query",
            format!(
                "its views are nested more than {VIEW_DEPTH} deep; greenlight does not follow them further"
            ),
        )))
    }
}

/// Sends one statement with the extended protocol: parsing it first proves it is one
/// statement. Without parameters its rows are then fetched with a simple query, so every value
/// comes back in PostgreSQL's own text form.
async fn run_step(
    client: &tokio_postgres::Client,
    step: &Step,
    report: &mut PgReport,
) -> std::result::Result<(), Failure> {
    let statement = client.prepare(&step.text).await?;
    if step.params.is_empty() {
        let messages = client.simple_query(&step.text).await?;
        add_simple(report, messages);
        return Ok(());
    }
    let values: Vec<TextParam<'_>> = step.params.iter().map(|p| TextParam(p)).collect();
    let refs: Vec<&(dyn ToSql + Sync)> = values.iter().map(|v| v as &(dyn ToSql + Sync)).collect();
    if statement.columns().is_empty() {
        let n = client.execute(&statement, &refs).await?;
        report.rows_affected = Some(n);
    } else {
        let rows = client.query(&statement, &refs).await?;
        let session = session_styles(client, &statement).await?;
        report.columns = statement
            .columns()
            .iter()
            .map(|c| c.name().to_string())
            .collect();
        report.rows.clear();
        for row in &rows {
            let mut cells = Vec::with_capacity(row.len());
            for (i, column) in statement.columns().iter().enumerate() {
                let unreadable = |detail: String| {
                    Failure::Probe(ProbeError::Protocol {
                        context: "reading a PostgreSQL result".into(),
                        detail,
                    })
                };
                let cell: RawCell = row.try_get(i).map_err(|e| unreadable(error_text(&e)))?;
                cells.push(match cell.0 {
                    None => None,
                    Some(raw) => Some(
                        cell_text(column.type_(), &raw, session)
                            .map_err(|e| unreadable(e.to_string()))?,
                    ),
                });
            }
            report.rows.push(cells);
        }
        report.rows_affected = Some(rows.len() as u64);
    }
    report.statements += 1;
    Ok(())
}

/// The session's `DateStyle` and `TimeZone`, asked only when a column needs them.
async fn session_styles(
    client: &tokio_postgres::Client,
    statement: &tokio_postgres::Statement,
) -> std::result::Result<Session, Failure> {
    use tokio_postgres::types::Type;
    let needs = statement.columns().iter().any(|c| {
        matches!(
            *c.type_(),
            Type::DATE | Type::TIME | Type::TIMESTAMP | Type::TIMESTAMPTZ
        )
    });
    if !needs {
        return Ok(Session::default());
    }
    let row = client
        .query_one(
            "SELECT current_setting('DateStyle'), current_setting('TimeZone')",
            &[],
        )
        .await?;
    let (style, zone): (String, String) = (row.get(0), row.get(1));
    Ok(Session {
        iso_dates: style.starts_with("ISO"),
        utc: matches!(
            zone.as_str(),
            "UTC" | "Etc/UTC" | "GMT" | "Etc/GMT" | "UCT" | "Etc/UCT" | "Zulu" | "Universal"
        ),
    })
}

fn add_simple(report: &mut PgReport, messages: Vec<SimpleQueryMessage>) {
    for message in messages {
        match message {
            SimpleQueryMessage::RowDescription(cols) => {
                report.columns = cols.iter().map(|c| c.name().to_string()).collect();
                report.rows.clear();
            }
            SimpleQueryMessage::Row(row) => {
                report.rows.push(
                    (0..row.len())
                        .map(|i| row.get(i).map(str::to_string))
                        .collect(),
                );
            }
            SimpleQueryMessage::CommandComplete(n) => {
                report.rows_affected = Some(n);
                report.statements += 1;
            }
            _ => {}
        }
    }
}

/// `host:port` of every configured host, joined with ", ".
fn addr_label(config: &tokio_postgres::Config) -> String {
    let ports = config.get_ports();
    let port_at = |i: usize| match ports {
        [] => 5432,
        [p] => *p,
        many => many.get(i).copied().unwrap_or(5432),
    };
    let mut parts = Vec::new();
    for (i, host) in config.get_hosts().iter().enumerate() {
        parts.push(match host {
            Host::Tcp(h) if h.contains(':') => format!("[{h}]:{}", port_at(i)),
            Host::Tcp(h) => format!("{h}:{}", port_at(i)),
            Host::Unix(dir) => format!("{}/.s.PGSQL.{}", dir.display(), port_at(i)),
        });
    }
    if parts.is_empty() {
        for (i, ip) in config.get_hostaddrs().iter().enumerate() {
            parts.push(std::net::SocketAddr::new(*ip, port_at(i)).to_string());
        }
    }
    parts.join(", ")
}

fn error_text(e: &(dyn std::error::Error + 'static)) -> String {
    let parts: Vec<String> = util::chain(e).map(ToString::to_string).collect();
    parts.join(": ")
}

/// Words a server-side error the way psql does, plus the SQLSTATE.
fn db_error_text(db: &tokio_postgres::error::DbError) -> String {
    let mut s = format!(
        "{}: {} (SQLSTATE {})",
        db.severity(),
        db.message(),
        db.code().code()
    );
    if let Some(tokio_postgres::error::ErrorPosition::Original(pos)) = db.position() {
        s.push_str(&format!(" at character {pos}"));
    }
    if let Some(detail) = db.detail() {
        s.push_str(&format!("; DETAIL: {detail}"));
    }
    if let Some(hint) = db.hint() {
        s.push_str(&format!("; HINT: {hint}"));
    }
    s
}

fn connect_error(e: &tokio_postgres::Error, addr: &str) -> ProbeError {
    if let Some(db) = e.as_db_error() {
        // e.g. authentication failed, database does not exist.
        return ProbeError::Server {
            service: "PostgreSQL".into(),
            message: db_error_text(db),
        };
    }
    if let Some(io) = util::find_io_error(e) {
        return crate::tcp::connect_error(addr, io);
    }
    ProbeError::Connect {
        addr: addr.to_string(),
        detail: error_text(e),
    }
}

fn query_error(e: &tokio_postgres::Error, addr: &str) -> ProbeError {
    if let Some(db) = e.as_db_error() {
        if db.code() == &tokio_postgres::error::SqlState::READ_ONLY_SQL_TRANSACTION {
            return ProbeError::refused(
                "PostgreSQL query",
                format!(
                    "the server refused a write in the read-only transaction, nothing changed: {}",
                    db_error_text(db)
                ),
            );
        }
        return ProbeError::Server {
            service: "PostgreSQL".into(),
            message: db_error_text(db),
        };
    }
    ProbeError::Protocol {
        context: format!("PostgreSQL query on {addr} failed"),
        detail: error_text(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_hosts_without_credentials() {
        let c: tokio_postgres::Config = "postgres://u:secret@db.test:6543/x".parse().unwrap();
        assert_eq!(addr_label(&c), "db.test:6543");
        let c: tokio_postgres::Config = "host=a,b port=1,2 user=u".parse().unwrap();
        assert_eq!(addr_label(&c), "a:1, b:2");
        let c: tokio_postgres::Config = "host=/run/postgresql user=u".parse().unwrap();
        assert_eq!(addr_label(&c), "/run/postgresql/.s.PGSQL.5432");
    }

    #[test]
    fn unaligned_rendering() {
        let r = PgReport {
            columns: vec!["a".into(), "b".into()],
            rows: vec![
                vec![Some("1".into()), None],
                vec![Some("x".into()), Some("y".into())],
            ],
            rows_affected: Some(2),
            statements: 1,
            server_version: None,
            duration: Duration::ZERO,
        };
        assert_eq!(r.render_unaligned(), "1|\nx|y\n");
        assert_eq!(r.scalar(), Some("1"));
    }

    #[test]
    fn steps_renumber_parameters_per_statement() {
        let p = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let steps = plan_steps(
            "SELECT $2, '$1'; SELECT $1 + $1 -- $3\n; \\dt x",
            &p(&["a", "b"]),
        )
        .unwrap();
        assert_eq!(steps.len(), 3);
        assert_eq!(steps[0].text, "SELECT $1, '$1'");
        assert_eq!(steps[0].params, p(&["b"]));
        assert_eq!(steps[1].text, "SELECT $1 + $1");
        assert_eq!(steps[1].params, p(&["a"]));
        assert!(steps[2].meta);
        assert!(plan_steps("SELECT $3", &p(&["a"])).is_err());
    }

    #[tokio::test]
    async fn refuses_before_connecting() {
        // Nothing listens on port 1: a refusal proves nothing was sent.
        for sql in [
            "SELECT pg_terminate_backend(1)",
            "SELECT 1; COMMIT; SELECT 2",
            "SET default_transaction_read_only = off",
            "UPDATE t SET a = 1",
        ] {
            let e = pg_query(
                "postgres://u@127.0.0.1:1/x",
                sql,
                &[],
                Access::ReadOnly,
                Duration::from_secs(1),
            )
            .await
            .unwrap_err();
            assert_eq!(e.kind(), crate::ErrorKind::Refused, "{sql}: {e}");
        }
    }

    #[tokio::test]
    async fn bad_connection_string_is_invalid_input() {
        let e = pg_query(
            "postgres://u@h:notaport/x",
            "SELECT 1",
            &[],
            Access::ReadOnly,
            Duration::from_secs(1),
        )
        .await
        .unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::InvalidInput, "{e}");
        assert!(!e.to_string().contains("notaport/x"), "{e}");
    }
}
