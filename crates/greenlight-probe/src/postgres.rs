//! PostgreSQL queries over the simple query protocol (no TLS).
//!
//! The connection string is libpq-style, as a URL (`postgres://user:pass@host:5432/db`) or as
//! key-value pairs (`host=127.0.0.1 user=postgres dbname=postgres`). It is never echoed in
//! errors (it may hold a password); errors name the `host:port` instead.

use serde::Serialize;
use std::time::Duration;
use tokio::time::Instant;
use tokio_postgres::config::Host;
use tokio_postgres::{NoTls, SimpleQueryMessage};

use crate::{ProbeError, Result, util};

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

/// Connects, authenticates and runs one trivial round trip (an empty query).
pub async fn pg_ping(conn: &str, timeout: Duration) -> Result<PgPingReport> {
    let r = pg_query(conn, "", timeout).await?;
    Ok(PgPingReport {
        server_version: r.server_version,
        duration: r.duration,
    })
}

/// Connects with `conn` and runs `sql` with the simple query protocol (so several
/// `;`-separated statements are allowed and every value comes back as text), all within
/// `timeout`. On timeout during the query, a cancel request is sent to the server.
pub async fn pg_query(conn: &str, sql: &str, timeout: Duration) -> Result<PgReport> {
    let mut config: tokio_postgres::Config = conn.trim().parse().map_err(|e| {
        ProbeError::invalid(
            "PostgreSQL connection string",
            error_text(&e as &(dyn std::error::Error + 'static)),
        )
    })?;
    if config.get_hosts().is_empty() && config.get_hostaddrs().is_empty() {
        config.host("localhost");
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

    let messages = match tokio::time::timeout_at(deadline, client.simple_query(sql)).await {
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
        Ok(Err(e)) => return Err(query_error(&e, &addr)),
        Ok(Ok(m)) => m,
    };

    let mut report = PgReport {
        columns: Vec::new(),
        rows: Vec::new(),
        rows_affected: None,
        statements: 0,
        server_version,
        duration: Duration::ZERO,
    };
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
    report.duration = start.elapsed();
    Ok(report)
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

    #[tokio::test]
    async fn bad_connection_string_is_invalid_input() {
        let e = pg_query(
            "postgres://u@h:notaport/x",
            "SELECT 1",
            Duration::from_secs(1),
        )
        .await
        .unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::InvalidInput, "{e}");
        assert!(!e.to_string().contains("notaport/x"), "{e}");
    }
}
