//! What a probe may do to the system it talks to.

use serde::Serialize;

/// Whether a probe may change anything on the service it talks to.
///
/// In [`Access::ReadOnly`] a probe judges what it is about to send, after every substitution,
/// and refuses ([`crate::ProbeError::Refused`]) anything that is not read; where the service
/// can enforce it too (a PostgreSQL read-only transaction) the probe asks it to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    /// Only reads: the default.
    #[default]
    ReadOnly,
    /// Anything the caller allowed (mutating or destructive checks).
    ReadWrite,
}

/// What a command does to the service, from least to most dangerous.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    /// Reads only.
    Read,
    /// Changes data, the session or the server.
    Mutating,
    /// Drops, truncates, deletes or flushes.
    Destructive,
}
