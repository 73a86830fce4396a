//! The error type shared by every probe.

use serde::Serialize;
use std::time::Duration;

use crate::util::human_duration;

/// Why a probe could not produce a report.
///
/// The `Display` text is precise and meant for people ("connect to 127.0.0.1:5999 refused");
/// [`ProbeError::kind`] classifies it for programs. Serializes as
/// `{"kind": "connect_refused", "message": "connect to 127.0.0.1:5999 refused"}` (plus
/// `"status"` for [`ProbeError::Rejected`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProbeError {
    /// The input could not be used as given (bad URL, header, address, connection string …).
    #[error("invalid {what}: {detail}")]
    InvalidInput {
        /// What was invalid, e.g. `URL "htp:/x"`.
        what: String,
        /// Why.
        detail: String,
    },
    /// A host name could not be resolved.
    #[error("could not resolve host {host}: {detail}")]
    Dns {
        /// The name that was looked up.
        host: String,
        /// The resolver's explanation.
        detail: String,
    },
    /// The peer actively refused the TCP connection (nothing listens there).
    #[error("connect to {addr} refused")]
    ConnectRefused {
        /// `host:port` (or `name:port (ip:port)`) that refused.
        addr: String,
    },
    /// The TCP connection failed for another reason (unreachable network, reset …).
    #[error("connect to {addr} failed: {detail}")]
    Connect {
        /// The address that was tried.
        addr: String,
        /// The operating system's explanation.
        detail: String,
    },
    /// The operation did not finish within its timeout.
    #[error("timed out after {} {phase}", human_duration(*after))]
    Timeout {
        /// The timeout that ran out.
        after: Duration,
        /// What was going on, e.g. `waiting for response headers`.
        phase: String,
    },
    /// The TLS handshake failed (or, for HTTP/WebSocket, the certificate was rejected).
    #[error("TLS handshake with {addr} failed: {detail}")]
    Tls {
        /// The server that was contacted.
        addr: String,
        /// What went wrong, e.g. `certificate verification failed: certificate expired`.
        detail: String,
    },
    /// A response body exceeded the limit and the request asked to fail rather than truncate.
    #[error("response body exceeds the limit of {limit} bytes")]
    BodyTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// The server answered with an error (SQL error, Redis error reply, ClickHouse exception …).
    #[error("{service} error: {message}")]
    Server {
        /// `PostgreSQL`, `Redis`, `ClickHouse`.
        service: String,
        /// The server's message.
        message: String,
    },
    /// The server answered but refused what was asked, with an HTTP status (e.g. a WebSocket
    /// upgrade answered with 401).
    #[error("{what} refused: HTTP {status}{}", reason_suffix(body))]
    Rejected {
        /// What was refused, e.g. `WebSocket upgrade`.
        what: String,
        /// The HTTP status the server answered with.
        status: u16,
        /// Response headers.
        headers: Vec<(String, String)>,
        /// The start of the response body (lossy UTF-8), possibly empty.
        body: String,
    },
    /// The conversation with the server broke (bad protocol data, connection closed early …).
    #[error("{context}: {detail}")]
    Protocol {
        /// What was being done, e.g. `HTTP request to http://127.0.0.1:8080/ failed`.
        context: String,
        /// The underlying error.
        detail: String,
    },
    /// The probe refused to send something its [`crate::Access`] does not allow, or the
    /// server refused a write in a read-only transaction. Nothing was changed.
    #[error("{what} refused in read-only mode: {reason}")]
    Refused {
        /// What was refused, e.g. `PostgreSQL query`, `Redis command CLIENT KILL`.
        what: String,
        /// Why, e.g. `it calls pg_terminate_backend(), which acts on the server …`.
        reason: String,
    },
    /// A local I/O operation failed (e.g. starting a process).
    #[error("{context}: {detail}")]
    Io {
        /// What was being done, e.g. `could not start bash`.
        context: String,
        /// The underlying error.
        detail: String,
    },
    /// The probe refused to do what was asked, before doing any of it, because its mode
    /// does not allow it (e.g. a `DELETE` in read-only mode).
    #[error("refused {what}: {reason}")]
    NotAllowed {
        /// What was refused, e.g. `DELETE http://127.0.0.1:8080/items/1`.
        what: String,
        /// Why, e.g. `only GET, HEAD or OPTIONS may be sent when only reads are allowed`.
        reason: String,
    },
}

fn reason_suffix(body: &str) -> String {
    let first = body.lines().map(str::trim).find(|l| !l.is_empty());
    match first {
        Some(line) if line.chars().count() <= 200 => format!(" ({line})"),
        Some(line) => format!(" ({}…)", line.chars().take(200).collect::<String>()),
        None => String::new(),
    }
}

/// The class of a [`ProbeError`], for programs that render or count failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorKind {
    /// See [`ProbeError::InvalidInput`].
    InvalidInput,
    /// See [`ProbeError::Dns`].
    Dns,
    /// See [`ProbeError::ConnectRefused`].
    ConnectRefused,
    /// See [`ProbeError::Connect`].
    Connect,
    /// See [`ProbeError::Timeout`].
    Timeout,
    /// See [`ProbeError::Tls`].
    Tls,
    /// See [`ProbeError::BodyTooLarge`].
    BodyTooLarge,
    /// See [`ProbeError::Server`].
    Server,
    /// See [`ProbeError::Rejected`].
    Rejected,
    /// See [`ProbeError::Protocol`].
    Protocol,
    /// See [`ProbeError::Refused`].
    Refused,
    /// See [`ProbeError::Io`].
    Io,
    /// See [`ProbeError::NotAllowed`].
    NotAllowed,
}

impl ProbeError {
    /// The class of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            ProbeError::InvalidInput { .. } => ErrorKind::InvalidInput,
            ProbeError::Dns { .. } => ErrorKind::Dns,
            ProbeError::ConnectRefused { .. } => ErrorKind::ConnectRefused,
            ProbeError::Connect { .. } => ErrorKind::Connect,
            ProbeError::Timeout { .. } => ErrorKind::Timeout,
            ProbeError::Tls { .. } => ErrorKind::Tls,
            ProbeError::BodyTooLarge { .. } => ErrorKind::BodyTooLarge,
            ProbeError::Server { .. } => ErrorKind::Server,
            ProbeError::Rejected { .. } => ErrorKind::Rejected,
            ProbeError::Protocol { .. } => ErrorKind::Protocol,
            ProbeError::Refused { .. } => ErrorKind::Refused,
            ProbeError::Io { .. } => ErrorKind::Io,
            ProbeError::NotAllowed { .. } => ErrorKind::NotAllowed,
        }
    }

    /// The HTTP status carried by a [`ProbeError::Rejected`], if this is one.
    pub fn status(&self) -> Option<u16> {
        match self {
            ProbeError::Rejected { status, .. } => Some(*status),
            _ => None,
        }
    }

    pub(crate) fn invalid(what: impl Into<String>, detail: impl std::fmt::Display) -> Self {
        ProbeError::InvalidInput {
            what: what.into(),
            detail: detail.to_string(),
        }
    }

    pub(crate) fn refused(what: impl Into<String>, reason: impl Into<String>) -> Self {
        ProbeError::Refused {
            what: what.into(),
            reason: reason.into(),
        }
    }

    pub(crate) fn timeout(after: Duration, phase: impl Into<String>) -> Self {
        ProbeError::Timeout {
            after,
            phase: phase.into(),
        }
    }
}

impl Serialize for ProbeError {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let status = self.status();
        let mut m = s.serialize_map(Some(if status.is_some() { 3 } else { 2 }))?;
        m.serialize_entry("kind", &self.kind())?;
        m.serialize_entry("message", &self.to_string())?;
        if let Some(status) = status {
            m.serialize_entry("status", &status)?;
        }
        m.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_precise() {
        let e = ProbeError::ConnectRefused {
            addr: "127.0.0.1:5999".into(),
        };
        assert_eq!(e.to_string(), "connect to 127.0.0.1:5999 refused");
        let e = ProbeError::timeout(Duration::from_secs(2), "waiting for response headers");
        assert_eq!(
            e.to_string(),
            "timed out after 2.0s waiting for response headers"
        );
        let e = ProbeError::Rejected {
            what: "WebSocket upgrade".into(),
            status: 401,
            headers: vec![],
            body: "\n  missing token\nmore".into(),
        };
        assert_eq!(
            e.to_string(),
            "WebSocket upgrade refused: HTTP 401 (missing token)"
        );
        assert_eq!(e.status(), Some(401));
    }

    #[test]
    fn serializes_kind_and_message() {
        let e = ProbeError::Rejected {
            what: "WebSocket upgrade".into(),
            status: 403,
            headers: vec![],
            body: String::new(),
        };
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"kind": "rejected", "message": "WebSocket upgrade refused: HTTP 403", "status": 403})
        );
        let e = ProbeError::Dns {
            host: "x".into(),
            detail: "no such host".into(),
        };
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["kind"], "dns");
        assert_eq!(v["message"], "could not resolve host x: no such host");
    }
}
