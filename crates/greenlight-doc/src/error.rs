//! Why a checklist file could not be read.

use std::path::PathBuf;

/// Files larger than this are refused unless the caller raises the limit.
pub const DEFAULT_MAX_BYTES: u64 = 32 * 1024 * 1024;

/// A checklist file that could not be read. Each message names the path and
/// the cause.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{path}: cannot read: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: is a directory, not a checklist file")]
    Directory { path: PathBuf },
    #[error(
        "{path}: file is {size} bytes, over the limit of {limit} bytes (raise it with --max-size)"
    )]
    TooLarge {
        path: PathBuf,
        size: u64,
        limit: u64,
    },
    #[error("{path}: looks like a binary file (NUL byte at offset {offset}), not Markdown")]
    Binary { path: PathBuf, offset: usize },
}
