//! Plain TCP connect, and the connect helper the other probes share.

use serde::Serialize;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::time::Instant;

use crate::{ProbeError, Result, util};

/// Outcome of a successful [`tcp_connect`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TcpReport {
    /// The address that accepted the connection.
    pub peer: SocketAddr,
    /// Time for name resolution plus connect. Serialized as `duration_ms`.
    #[serde(rename = "duration_ms", serialize_with = "util::ms::serialize")]
    pub duration: Duration,
}

/// Opens (and closes again) a TCP connection to `addr`, given as `host:port`
/// (`[v6addr]:port` for IPv6 literals).
///
/// Every resolved address is tried in turn until one accepts; the whole operation, name
/// resolution included, is bounded by `timeout`.
pub async fn tcp_connect(addr: &str, timeout: Duration) -> Result<TcpReport> {
    let (host, port) = split_host_port(addr)?;
    let start = Instant::now();
    let (_stream, peer) = connect(&host, port, util::deadline(start, timeout), timeout).await?;
    Ok(TcpReport {
        peer,
        duration: start.elapsed(),
    })
}

/// Splits `host:port`, accepting `[::1]:80`; the port is required.
pub(crate) fn split_host_port(addr: &str) -> Result<(String, u16)> {
    let bad = |detail: &str| ProbeError::invalid(format!("address {addr:?}"), detail);
    let addr_trim = addr.trim();
    let (host, port) = if let Some(rest) = addr_trim.strip_prefix('[') {
        let (host, rest) = rest
            .split_once(']')
            .ok_or_else(|| bad("missing ']' after IPv6 address"))?;
        let port = rest
            .strip_prefix(':')
            .ok_or_else(|| bad("expected host:port"))?;
        (host, port)
    } else {
        let (host, port) = addr_trim
            .rsplit_once(':')
            .ok_or_else(|| bad("expected host:port"))?;
        if host.contains(':') {
            return Err(bad("IPv6 addresses must be written as [addr]:port"));
        }
        (host, port)
    };
    if host.is_empty() {
        return Err(bad("empty host"));
    }
    let port: u16 = port
        .parse()
        .map_err(|_| bad("port must be a number from 0 to 65535"))?;
    Ok((host.to_string(), port))
}

/// Resolves `host` and connects to the first address that accepts, before `deadline`.
///
/// `budget` is the total timeout the deadline came from; it is only used in messages.
pub(crate) async fn connect(
    host: &str,
    port: u16,
    deadline: Instant,
    budget: Duration,
) -> Result<(TcpStream, SocketAddr)> {
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    let literal = host.parse::<IpAddr>().ok();
    let addrs: Vec<SocketAddr> = match literal {
        Some(ip) => vec![SocketAddr::new(ip, port)],
        None => {
            let lookup = tokio::net::lookup_host((host, port));
            match tokio::time::timeout_at(deadline, lookup).await {
                Err(_) => return Err(ProbeError::timeout(budget, format!("resolving {host}"))),
                Ok(Err(e)) => {
                    return Err(ProbeError::Dns {
                        host: host.to_string(),
                        detail: e.to_string(),
                    });
                }
                Ok(Ok(it)) => it.collect(),
            }
        }
    };
    if addrs.is_empty() {
        return Err(ProbeError::Dns {
            host: host.to_string(),
            detail: "no addresses found".into(),
        });
    }
    let label = |sa: &SocketAddr| match literal {
        Some(_) => sa.to_string(),
        None => format!("{host}:{port} ({sa})"),
    };
    let mut last_err = None;
    for sa in &addrs {
        match tokio::time::timeout_at(deadline, TcpStream::connect(sa)).await {
            Err(_) => {
                return Err(ProbeError::timeout(
                    budget,
                    format!("connecting to {}", label(sa)),
                ));
            }
            Ok(Ok(stream)) => return Ok((stream, *sa)),
            Ok(Err(e)) => last_err = Some(connect_error(&label(sa), &e)),
        }
    }
    Err(last_err.expect("at least one address was tried"))
}

/// Maps a connect failure to [`ProbeError::ConnectRefused`] or [`ProbeError::Connect`].
pub(crate) fn connect_error(addr: &str, e: &std::io::Error) -> ProbeError {
    if e.kind() == std::io::ErrorKind::ConnectionRefused {
        ProbeError::ConnectRefused {
            addr: addr.to_string(),
        }
    } else {
        ProbeError::Connect {
            addr: addr.to_string(),
            detail: e.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_addresses() {
        assert_eq!(
            split_host_port("127.0.0.1:80").unwrap(),
            ("127.0.0.1".into(), 80)
        );
        assert_eq!(
            split_host_port("db.example:5432").unwrap(),
            ("db.example".into(), 5432)
        );
        assert_eq!(split_host_port("[::1]:443").unwrap(), ("::1".into(), 443));
        for bad in [
            "localhost",
            ":80",
            "host:",
            "host:99999",
            "::1:80",
            "[::1]80",
            "",
        ] {
            let e = split_host_port(bad).unwrap_err();
            assert_eq!(e.kind(), crate::ErrorKind::InvalidInput, "{bad}: {e}");
        }
    }
}
