//! Store errors; every message names the store (passwords removed).

/// What went wrong with the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open store {store}: {detail}")]
    Open { store: String, detail: String },
    #[error("PostgreSQL store at {store} unreachable: {detail}")]
    Unreachable { store: String, detail: String },
    #[error("store {store}: {detail}")]
    Query { store: String, detail: String },
    #[error("invalid event: {0}")]
    Invalid(String),
    #[error("no run matches `{0}` (see `greenlight history`)")]
    NoSuchRun(String),
    #[error("`{prefix}` matches several runs: {candidates}")]
    Ambiguous { prefix: String, candidates: String },
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// `postgres://user:secret@host/db` → `postgres://user@host/db`.
pub fn redact_url(url: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://")
        && let Some((userinfo, host)) = rest.rsplit_once('@')
    {
        let user = userinfo.split(':').next().unwrap_or("");
        return format!("{scheme}://{user}@{host}");
    }
    url.to_string()
}
