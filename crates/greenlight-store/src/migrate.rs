//! Embedded, numbered schema migrations. Each backend applies the ones a
//! store has not seen yet, in order, inside one locked transaction, and
//! records each in `schema_migrations (version, name, applied_at)`. Never
//! edit a released migration: add the next number.

use crate::error::{Result, StoreError};

/// One schema change.
pub struct Migration {
    /// 1, 2, 3, … (no gaps).
    pub version: i64,
    /// What it does, recorded beside the version.
    pub name: &'static str,
    /// The statements, run as one batch.
    pub sql: &'static str,
}

/// The SQLite schema. Version 1 uses `IF NOT EXISTS` so stores written
/// before migrations were recorded adopt it unchanged.
pub const SQLITE: &[Migration] = &[
    Migration {
        version: 1,
        name: "events and runs",
        sql: "CREATE TABLE IF NOT EXISTS events (
            run_id TEXT NOT NULL, seq INTEGER NOT NULL, at TEXT NOT NULL, kind TEXT NOT NULL,
            item TEXT, actor TEXT NOT NULL, payload TEXT NOT NULL, prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL, PRIMARY KEY (run_id, seq));
          CREATE TABLE IF NOT EXISTS runs (
            run_id TEXT PRIMARY KEY, checklist TEXT NOT NULL DEFAULT '', profile TEXT NOT NULL DEFAULT '',
            started_at TEXT NOT NULL, last_at TEXT NOT NULL, verdict TEXT, events INTEGER NOT NULL,
            last_hash TEXT NOT NULL);",
    },
    Migration {
        version: 2,
        name: "runs belong to a release",
        sql: RELEASE_SQL,
    },
    Migration {
        version: 3,
        name: "audit MACs",
        sql: "ALTER TABLE events ADD COLUMN mac TEXT;",
    },
    Migration {
        version: 4,
        name: "accounts, API tokens, web sessions, login failures",
        sql: CREDENTIALS_SQL,
    },
    Migration {
        version: 5,
        name: "signed run heads",
        sql: HEADS_SQL,
    },
];

/// A brand-new SQLite store's schema in one script: what [`SQLITE`]'s
/// migrations leave, without replaying them one by one (SQLite re-reads
/// its whole schema after every `ALTER TABLE`). Run after [`TABLE`], in
/// the same transaction, followed by one `schema_migrations` row per
/// migration. The tables `ALTER TABLE` changed are spelled here as SQLite
/// itself rewrites them (the added column after the last one), so the
/// stored schema text is the same byte for byte (tested); a new migration
/// must be added here too, and the test says so when it is not.
pub const SQLITE_FRESH: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS events (
            run_id TEXT NOT NULL, seq INTEGER NOT NULL, at TEXT NOT NULL, kind TEXT NOT NULL,
            item TEXT, actor TEXT NOT NULL, payload TEXT NOT NULL, prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL, mac TEXT, PRIMARY KEY (run_id, seq));
          CREATE TABLE IF NOT EXISTS runs (
            run_id TEXT PRIMARY KEY, checklist TEXT NOT NULL DEFAULT '', profile TEXT NOT NULL DEFAULT '',
            started_at TEXT NOT NULL, last_at TEXT NOT NULL, verdict TEXT, events INTEGER NOT NULL,
            last_hash TEXT NOT NULL, release TEXT NOT NULL DEFAULT '');
          CREATE INDEX IF NOT EXISTS runs_release ON runs (release);",
    CREDENTIALS_SQL,
    HEADS_SQL,
];

/// A keyed run's signed head (event count, last hash, MAC), apart from
/// `runs` so that cutting events off a run's end means forging two tables,
/// one of them under the key. Same SQL on both backends.
const HEADS_SQL: &str = "CREATE TABLE IF NOT EXISTS run_heads (
    run_id TEXT PRIMARY KEY, events BIGINT NOT NULL, last_hash TEXT NOT NULL, mac TEXT NOT NULL);";

/// The release a run belongs to, on both backends (empty for runs recorded
/// before releases existed: each stands alone, as it did).
const RELEASE_SQL: &str = "ALTER TABLE runs ADD COLUMN release TEXT NOT NULL DEFAULT '';
    CREATE INDEX IF NOT EXISTS runs_release ON runs (release);";

/// Who may use the server (greenlight-auth), on both backends. Secrets are
/// never stored: passwords as argon2 PHC strings, tokens and session IDs as
/// SHA-256 hex. Times are Unix seconds (`at_ms`: milliseconds).
const CREDENTIALS_SQL: &str = "CREATE TABLE IF NOT EXISTS accounts (
        name TEXT PRIMARY KEY, password_hash TEXT NOT NULL, role TEXT NOT NULL,
        signoff_roles TEXT NOT NULL DEFAULT '[]', created_at BIGINT NOT NULL);
    CREATE TABLE IF NOT EXISTS api_tokens (
        token_hash TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, role TEXT NOT NULL,
        signoff_roles TEXT NOT NULL DEFAULT '[]', expires_at BIGINT,
        created_at BIGINT NOT NULL, created_by TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS web_sessions (
        id_hash TEXT PRIMARY KEY, account TEXT NOT NULL, csrf_token TEXT NOT NULL,
        expires_at BIGINT NOT NULL, created_at BIGINT NOT NULL);
    CREATE INDEX IF NOT EXISTS web_sessions_account ON web_sessions (account);
    CREATE TABLE IF NOT EXISTS login_failures (key TEXT NOT NULL, at_ms BIGINT NOT NULL);
    CREATE INDEX IF NOT EXISTS login_failures_key ON login_failures (key, at_ms);";

/// The PostgreSQL schema (same tables; `runs.created` orders runs that
/// start within the same millisecond).
pub const POSTGRES: &[Migration] = &[
    Migration {
        version: 1,
        name: "events and runs",
        sql: "CREATE TABLE IF NOT EXISTS events (
                run_id TEXT NOT NULL, seq BIGINT NOT NULL, at TEXT NOT NULL, kind TEXT NOT NULL,
                item TEXT, actor TEXT NOT NULL, payload TEXT NOT NULL, prev_hash TEXT NOT NULL,
                hash TEXT NOT NULL, PRIMARY KEY (run_id, seq));
              CREATE TABLE IF NOT EXISTS runs (
                run_id TEXT PRIMARY KEY, checklist TEXT NOT NULL DEFAULT '', profile TEXT NOT NULL DEFAULT '',
                started_at TEXT NOT NULL, last_at TEXT NOT NULL, verdict TEXT, events BIGINT NOT NULL,
                last_hash TEXT NOT NULL);",
    },
    Migration {
        version: 2,
        name: "runs in creation order",
        sql: "ALTER TABLE runs ADD COLUMN IF NOT EXISTS created BIGSERIAL;
              CREATE INDEX IF NOT EXISTS runs_newest ON runs (started_at DESC, created DESC);",
    },
    Migration {
        version: 3,
        name: "runs belong to a release",
        sql: RELEASE_SQL,
    },
    Migration {
        version: 4,
        name: "audit MACs",
        sql: "ALTER TABLE events ADD COLUMN IF NOT EXISTS mac TEXT;",
    },
    Migration {
        version: 5,
        name: "accounts, API tokens, web sessions, login failures",
        sql: CREDENTIALS_SQL,
    },
    Migration {
        version: 6,
        name: "signed run heads",
        sql: HEADS_SQL,
    },
    Migration {
        version: 7,
        name: "events notify listeners",
        sql: NOTIFY_SQL,
    },
];

/// Every inserted event notifies channel `greenlight_events` with
/// `SCHEMA SEQ RUN_ID`, whoever writes it (any greenlight process, any
/// version from this one on), so `greenlight serve` processes follow new
/// events without polling. A run ID too long for a notification (8000
/// bytes) is sent empty: listeners then re-read the list of runs.
const NOTIFY_SQL: &str = "CREATE OR REPLACE FUNCTION greenlight_notify_event() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('greenlight_events', TG_TABLE_SCHEMA || ' ' || NEW.seq || ' ' ||
        CASE WHEN octet_length(NEW.run_id) <= 1000 THEN NEW.run_id ELSE '' END);
      RETURN NULL;
    END $$;
    DROP TRIGGER IF EXISTS events_notify ON events;
    CREATE TRIGGER events_notify AFTER INSERT ON events
      FOR EACH ROW EXECUTE FUNCTION greenlight_notify_event();";

/// The table that records applied migrations (same SQL on both backends).
pub const TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
    version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)";

/// The migrations of `all` not yet in `applied`; refuses a store written
/// by a newer greenlight (a version this build does not know).
pub fn pending<'a>(
    store: &str,
    all: &'a [Migration],
    applied: &[i64],
) -> Result<Vec<&'a Migration>> {
    let known = all.last().map_or(0, |m| m.version);
    if let Some(newer) = applied.iter().copied().filter(|v| *v > known).max() {
        return Err(StoreError::Open {
            store: store.to_string(),
            detail: format!(
                "its schema is version {newer}, written by a newer greenlight (this one knows up to {known})"
            ),
        });
    }
    Ok(all
        .iter()
        .filter(|m| !applied.contains(&m.version))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_numbered_without_gaps() {
        for all in [SQLITE, POSTGRES] {
            for (i, m) in all.iter().enumerate() {
                assert_eq!(m.version, i as i64 + 1, "{}", m.name);
            }
        }
    }

    #[test]
    fn pending_skips_applied_and_refuses_newer_stores() {
        let p = pending("s", POSTGRES, &[1]).unwrap();
        assert_eq!(
            p.iter().map(|m| m.version).collect::<Vec<_>>(),
            [2, 3, 4, 5, 6, 7]
        );
        assert!(
            pending("s", POSTGRES, &[1, 2, 3, 4, 5, 6, 7])
                .unwrap()
                .is_empty()
        );
        let err = pending("s", SQLITE, &[1, 2, 7]).err().unwrap().to_string();
        assert!(
            err.contains("version 7") && err.contains("newer greenlight"),
            "{err}"
        );
    }
}
