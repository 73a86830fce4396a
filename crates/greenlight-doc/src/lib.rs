//! greenlight-doc reads a Markdown release checklist exactly as its team
//! wrote it and gives a positioned model of it: phases (the heading tree),
//! items (checkboxes and runbook steps), steps (code blocks), tables,
//! sign-off slots, rollback and monitoring sections.
//!
//! It knows nothing of HTTP, shells or stores; those read the model.

pub mod budget;
pub mod encoding;
mod error;
mod following;
pub mod ident;
pub mod model;
mod parse;
pub mod procedure;
pub mod section;
pub mod severity;
pub mod shapes;
pub mod signoff;
pub mod tablelist;
pub mod writeback;

pub use error::{DEFAULT_MAX_BYTES, LoadError};
pub use model::*;
pub use parse::{parse, parse_with};

use std::path::Path;

/// Reads a checklist file, refusing directories, binary files and files
/// over `max_bytes`, and returns its bytes with the parsed model.
pub fn load(path: &Path, max_bytes: u64) -> Result<(Vec<u8>, Checklist), LoadError> {
    load_with(path, max_bytes, ItemsMode::Auto)
}

/// [`load`], choosing which list items become items.
pub fn load_with(
    path: &Path,
    max_bytes: u64,
    mode: ItemsMode,
) -> Result<(Vec<u8>, Checklist), LoadError> {
    let bytes = read_checked(path, max_bytes)?;
    let list = parse_with(&bytes, mode);
    Ok((bytes, list))
}

/// Reads a file's bytes with the same checks as [`load`].
pub fn read_checked(path: &Path, max_bytes: u64) -> Result<Vec<u8>, LoadError> {
    let io = |source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if meta.is_dir() {
        return Err(LoadError::Directory {
            path: path.to_path_buf(),
        });
    }
    if meta.len() > max_bytes {
        return Err(LoadError::TooLarge {
            path: path.to_path_buf(),
            size: meta.len(),
            limit: max_bytes,
        });
    }
    let bytes = std::fs::read(path).map_err(io)?;
    if bytes.len() as u64 > max_bytes {
        return Err(LoadError::TooLarge {
            path: path.to_path_buf(),
            size: bytes.len() as u64,
            limit: max_bytes,
        });
    }
    if let Some(offset) = bytes.iter().take(64 * 1024).position(|b| *b == 0) {
        return Err(LoadError::Binary {
            path: path.to_path_buf(),
            offset,
        });
    }
    Ok(bytes)
}
