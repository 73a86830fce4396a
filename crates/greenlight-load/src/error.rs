//! Errors of the load engine and of the recognisers.
//!
//! Failures of individual requests are *not* errors of the run: they are counted by
//! [`ErrorKind`] in the report. [`LoadError`] is for a run that cannot start or finish.

use serde::{Deserialize, Serialize};

/// Why a load run could not be carried out.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The configuration is inconsistent (no target, zero VUs, bad URL, …).
    #[error("invalid load config: {0}")]
    InvalidConfig(String),
    /// An environment variable the script needs is not set.
    #[error("environment variable {0} is not set")]
    MissingEnv(String),
    /// A target's host name does not resolve: the run would measure nothing but connect
    /// errors, so it does not start.
    #[error("cannot resolve {host}: {reason}")]
    Resolve {
        /// The host (and port) looked up.
        host: String,
        /// The resolver's answer.
        reason: String,
    },
    /// The worker threads or their runtimes could not be started.
    #[error("could not start the load workers: {0}")]
    Runtime(#[from] std::io::Error),
    /// A worker thread panicked or vanished.
    #[error("a load worker failed: {0}")]
    Worker(String),
}

/// How a single request failed; the keys of the `errors` object in the JSON summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// TCP connect or TLS handshake failed (refused, unreachable, bad certificate, …).
    Connect,
    /// No complete answer within the request timeout, or none yet when the run ended.
    Timeout,
    /// The answer's status was 4xx.
    Status4xx,
    /// The answer's status was 5xx.
    Status5xx,
    /// Anything else: connection reset mid-request, protocol error, a body larger than
    /// its `Content-Length` promised or than the body limit, …
    Other,
}

impl ErrorKind {
    /// All kinds, in report order.
    pub const ALL: [ErrorKind; 5] = [
        ErrorKind::Connect,
        ErrorKind::Timeout,
        ErrorKind::Status4xx,
        ErrorKind::Status5xx,
        ErrorKind::Other,
    ];

    /// Index into per-kind counter arrays.
    pub fn index(self) -> usize {
        self as usize
    }

    /// The snake_case name used in JSON and text output.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Connect => "connect",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Status4xx => "status_4xx",
            ErrorKind::Status5xx => "status_5xx",
            ErrorKind::Other => "other",
        }
    }
}

/// A script or command line the recognisers do not (fully) understand.
///
/// The recognisers never approximate: anything outside the supported subset is listed here,
/// one entry per construct, with its line where known.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not understood: {}", .unsupported.join("; "))]
pub struct RecogniseError {
    /// What was not understood, one human-readable entry each (`line 12: group(…)`).
    pub unsupported: Vec<String>,
}

impl RecogniseError {
    /// An error with a single entry.
    pub fn one(msg: impl Into<String>) -> Self {
        Self {
            unsupported: vec![msg.into()],
        }
    }
}
