//! Store errors; every message names the store (passwords removed).

/// What went wrong with the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The store could not be opened or created: bad path, not a database,
    /// bad URL or schema, failed migration, a schema from a newer greenlight.
    #[error("cannot open store {store}: {detail}")]
    Open {
        /// The path, or the URL without its password.
        store: String,
        /// Why.
        detail: String,
    },
    /// PostgreSQL refused or did not answer in time (connect: 5 s by
    /// default; any later call: 30 s), or the connection dropped.
    #[error("PostgreSQL store at {store} unreachable: {detail}")]
    Unreachable {
        /// The URL without its password.
        store: String,
        /// Why (the server's or the client's words).
        detail: String,
    },
    /// A statement failed (nothing of the failed append was written).
    #[error("store {store}: {detail}")]
    Query {
        /// The path, or the URL without its password.
        store: String,
        /// The database's words.
        detail: String,
    },
    /// An event (or argument) refused before anything was written.
    #[error("invalid event: {0}")]
    Invalid(String),
    /// No run has this ID or starts with this prefix.
    #[error("no run matches `{0}` (see `greenlight history`)")]
    NoSuchRun(String),
    /// Several runs start with this prefix.
    #[error("`{prefix}` matches several runs: {candidates}")]
    Ambiguous {
        /// What was asked for.
        prefix: String,
        /// The matching run IDs, comma-separated.
        candidates: String,
    },
}

/// A result whose error is [`StoreError`].
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_removed_from_urls() {
        assert_eq!(
            redact_url("postgres://postgres:hunter2@127.0.0.1:5999/x"),
            "postgres://postgres@127.0.0.1:5999/x"
        );
        assert_eq!(redact_url("postgresql://u@h/db"), "postgresql://u@h/db");
        assert_eq!(redact_url("postgres://h/db"), "postgres://h/db");
        assert_eq!(redact_url("runs.db"), "runs.db");
    }
}
