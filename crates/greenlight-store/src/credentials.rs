//! Who may use the server: accounts, API tokens, web sessions and recent
//! failed logins, in the same store as the runs (tables of migration
//! "accounts, API tokens, web sessions, login failures"). This module only
//! stores rows; hashing, roles and rules live in greenlight-auth. No
//! secret is ever stored in clear: `password_hash` is an argon2 PHC
//! string, `token_hash` and `id_hash` are SHA-256 hex digests.

use crate::Store;
use crate::error::Result;

/// A person who logs in with a password.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    /// The login name (also the actor of their acts).
    pub name: String,
    /// argon2 PHC string (`$argon2id$v=19$…`).
    pub password_hash: String,
    /// `viewer`, `operator`, `approver` or `admin`.
    pub role: String,
    /// The checklist's sign-off roles this account may sign for.
    pub signoff_roles: Vec<String>,
    /// Unix seconds.
    pub created_at: i64,
}

/// A bearer token for scripts and CI; its secret is shown once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiToken {
    /// SHA-256 hex of the secret.
    pub token_hash: String,
    /// Unique; the actor of the token's acts.
    pub name: String,
    /// As for [`Account::role`].
    pub role: String,
    /// As for [`Account::signoff_roles`].
    pub signoff_roles: Vec<String>,
    /// Unix seconds; `None`: never expires.
    pub expires_at: Option<i64>,
    /// Unix seconds.
    pub created_at: i64,
    /// Who created it.
    pub created_by: String,
}

/// A logged-in browser.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebSession {
    /// SHA-256 hex of the cookie's session ID.
    pub id_hash: String,
    /// The account's name.
    pub account: String,
    /// The session's CSRF token (compared in constant time by greenlight-auth).
    pub csrf_token: String,
    /// Unix seconds.
    pub expires_at: i64,
    /// Unix seconds.
    pub created_at: i64,
}

/// One SQL value (only what these tables need).
#[derive(Clone, Debug)]
enum Val {
    Text(String),
    Int(i64),
    MaybeInt(Option<i64>),
}

/// The type of a column read back.
#[derive(Clone, Copy)]
enum Kind {
    Text,
    Int,
    MaybeInt,
}

impl Val {
    fn text(self) -> String {
        match self {
            Val::Text(s) => s,
            other => format!("{other:?}"),
        }
    }
    fn int(self) -> i64 {
        match self {
            Val::Int(i) | Val::MaybeInt(Some(i)) => i,
            _ => 0,
        }
    }
    fn maybe_int(self) -> Option<i64> {
        match self {
            Val::Int(i) => Some(i),
            Val::MaybeInt(o) => o,
            Val::Text(_) => None,
        }
    }
}

impl rusqlite::ToSql for Val {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        match self {
            Val::Text(s) => s.to_sql(),
            Val::Int(i) => i.to_sql(),
            Val::MaybeInt(o) => o.to_sql(),
        }
    }
}

/// `?1` → `$1` (the SQL is written once, in SQLite's numbered style).
fn pg_sql(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '?' && chars.peek().is_some_and(|d| d.is_ascii_digit()) {
            out.push('$');
        } else {
            out.push(c);
        }
    }
    out
}

impl Store {
    /// Runs one statement; returns the number of rows it changed.
    async fn exec(&self, sql: &'static str, vals: Vec<Val>) -> Result<u64> {
        match self {
            Store::Sqlite(s) => {
                s.with(move |conn| {
                    let n = conn
                        .prepare_cached(sql)?
                        .execute(rusqlite::params_from_iter(vals.iter()))?;
                    Ok(n as u64)
                })
                .await
            }
            Store::Postgres(s) => {
                let guard = s.conn().await?;
                let Some(conn) = guard.as_ref() else {
                    unreachable!("conn() always leaves a connection")
                };
                let params = pg_params(&vals);
                s.deadline(conn.client.execute(&pg_sql(sql), &params))
                    .await?
                    .map_err(|e| s.err(e))
            }
        }
    }

    /// Runs one query; each row's columns read as `kinds`.
    async fn query(
        &self,
        sql: &'static str,
        vals: Vec<Val>,
        kinds: &'static [Kind],
    ) -> Result<Vec<Vec<Val>>> {
        match self {
            Store::Sqlite(s) => {
                s.with(move |conn| {
                    let mut stmt = conn.prepare_cached(sql)?;
                    let rows = stmt.query_map(rusqlite::params_from_iter(vals.iter()), |r| {
                        kinds
                            .iter()
                            .enumerate()
                            .map(|(i, k)| {
                                Ok(match k {
                                    Kind::Text => Val::Text(r.get(i)?),
                                    Kind::Int => Val::Int(r.get(i)?),
                                    Kind::MaybeInt => Val::MaybeInt(r.get(i)?),
                                })
                            })
                            .collect::<rusqlite::Result<Vec<Val>>>()
                    })?;
                    rows.collect()
                })
                .await
            }
            Store::Postgres(s) => {
                let guard = s.conn().await?;
                let Some(conn) = guard.as_ref() else {
                    unreachable!("conn() always leaves a connection")
                };
                let params = pg_params(&vals);
                let rows = s
                    .deadline(conn.client.query(&pg_sql(sql), &params))
                    .await?
                    .map_err(|e| s.err(e))?;
                Ok(rows
                    .iter()
                    .map(|r| {
                        kinds
                            .iter()
                            .enumerate()
                            .map(|(i, k)| match k {
                                Kind::Text => Val::Text(r.get(i)),
                                Kind::Int => Val::Int(r.get(i)),
                                Kind::MaybeInt => Val::MaybeInt(r.get(i)),
                            })
                            .collect()
                    })
                    .collect())
            }
        }
    }

    /// Adds an account; `false` when the name is taken.
    pub async fn insert_account(&self, account: &Account) -> Result<bool> {
        let n = self
            .exec(
                "INSERT INTO accounts (name, password_hash, role, signoff_roles, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
                account_vals(account),
            )
            .await?;
        Ok(n == 1)
    }

    /// Adds an account only if no account has the role `admin` yet (the
    /// bootstrap); `false` when one exists or the name is taken. Atomic
    /// also against concurrent callers: SQLite runs the one statement under
    /// its write lock; PostgreSQL first locks the table against writers.
    pub async fn insert_first_admin(&self, account: &Account) -> Result<bool> {
        if let Store::Postgres(s) = self {
            let mut guard = s.conn().await?;
            let Some(conn) = guard.as_mut() else {
                unreachable!("conn() always leaves a connection")
            };
            let vals = account_vals(account);
            let n = s
                .deadline(async {
                    let tx = conn.client.transaction().await?;
                    tx.batch_execute("LOCK TABLE accounts IN SHARE ROW EXCLUSIVE MODE")
                        .await?;
                    let n = tx.execute(&pg_sql(FIRST_ADMIN), &pg_params(&vals)).await?;
                    tx.commit().await?;
                    Ok::<_, tokio_postgres::Error>(n)
                })
                .await?
                .map_err(|e| s.err(e))?;
            return Ok(n == 1);
        }
        let n = self.exec(FIRST_ADMIN, account_vals(account)).await?;
        Ok(n == 1)
    }

    /// The account of this name.
    pub async fn account(&self, name: &str) -> Result<Option<Account>> {
        let rows = self
            .query(
                "SELECT name, password_hash, role, signoff_roles, created_at FROM accounts
                 WHERE name = ?1",
                vec![Val::Text(name.into())],
                ACCOUNT_KINDS,
            )
            .await?;
        Ok(rows.into_iter().next().map(to_account))
    }

    /// All accounts, by name.
    pub async fn accounts(&self) -> Result<Vec<Account>> {
        let rows = self
            .query(
                "SELECT name, password_hash, role, signoff_roles, created_at FROM accounts
                 ORDER BY name",
                vec![],
                ACCOUNT_KINDS,
            )
            .await?;
        Ok(rows.into_iter().map(to_account).collect())
    }

    /// Replaces an account's password hash; `false` for an unknown account.
    pub async fn set_password_hash(&self, name: &str, password_hash: &str) -> Result<bool> {
        let n = self
            .exec(
                "UPDATE accounts SET password_hash = ?2 WHERE name = ?1",
                vec![Val::Text(name.into()), Val::Text(password_hash.into())],
            )
            .await?;
        Ok(n == 1)
    }

    /// Removes an account and ends its sessions; `false` for an unknown one.
    pub async fn delete_account(&self, name: &str) -> Result<bool> {
        self.exec(
            "DELETE FROM web_sessions WHERE account = ?1",
            vec![Val::Text(name.into())],
        )
        .await?;
        let n = self
            .exec(
                "DELETE FROM accounts WHERE name = ?1",
                vec![Val::Text(name.into())],
            )
            .await?;
        Ok(n == 1)
    }

    /// Adds a token; `false` when its name (or hash) is taken.
    pub async fn insert_token(&self, token: &ApiToken) -> Result<bool> {
        let n = self
            .exec(
                "INSERT INTO api_tokens (token_hash, name, role, signoff_roles, expires_at,
                   created_at, created_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT DO NOTHING",
                vec![
                    Val::Text(token.token_hash.clone()),
                    Val::Text(token.name.clone()),
                    Val::Text(token.role.clone()),
                    Val::Text(roles_json(&token.signoff_roles)),
                    Val::MaybeInt(token.expires_at),
                    Val::Int(token.created_at),
                    Val::Text(token.created_by.clone()),
                ],
            )
            .await?;
        Ok(n == 1)
    }

    /// The token whose secret hashes to `token_hash` (expired or not).
    pub async fn token_by_hash(&self, token_hash: &str) -> Result<Option<ApiToken>> {
        let rows = self
            .query(
                "SELECT token_hash, name, role, signoff_roles, expires_at, created_at, created_by
                 FROM api_tokens WHERE token_hash = ?1",
                vec![Val::Text(token_hash.into())],
                TOKEN_KINDS,
            )
            .await?;
        Ok(rows.into_iter().next().map(to_token))
    }

    /// All tokens, by name.
    pub async fn tokens(&self) -> Result<Vec<ApiToken>> {
        let rows = self
            .query(
                "SELECT token_hash, name, role, signoff_roles, expires_at, created_at, created_by
                 FROM api_tokens ORDER BY name",
                vec![],
                TOKEN_KINDS,
            )
            .await?;
        Ok(rows.into_iter().map(to_token).collect())
    }

    /// Deletes the token of this name; `false` for an unknown one.
    pub async fn delete_token(&self, name: &str) -> Result<bool> {
        let n = self
            .exec(
                "DELETE FROM api_tokens WHERE name = ?1",
                vec![Val::Text(name.into())],
            )
            .await?;
        Ok(n == 1)
    }

    /// Records a new session (and drops every expired one).
    pub async fn insert_session(&self, session: &WebSession) -> Result<()> {
        self.exec(
            "DELETE FROM web_sessions WHERE expires_at <= ?1",
            vec![Val::Int(session.created_at)],
        )
        .await?;
        self.exec(
            "INSERT INTO web_sessions (id_hash, account, csrf_token, expires_at, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            vec![
                Val::Text(session.id_hash.clone()),
                Val::Text(session.account.clone()),
                Val::Text(session.csrf_token.clone()),
                Val::Int(session.expires_at),
                Val::Int(session.created_at),
            ],
        )
        .await?;
        Ok(())
    }

    /// The session whose ID hashes to `id_hash` (expired or not).
    pub async fn session_by_hash(&self, id_hash: &str) -> Result<Option<WebSession>> {
        let rows = self
            .query(
                "SELECT id_hash, account, csrf_token, expires_at, created_at FROM web_sessions
                 WHERE id_hash = ?1",
                vec![Val::Text(id_hash.into())],
                &[Kind::Text, Kind::Text, Kind::Text, Kind::Int, Kind::Int],
            )
            .await?;
        Ok(rows.into_iter().next().map(|r| {
            let mut r = r.into_iter();
            let mut next = || r.next().unwrap_or(Val::MaybeInt(None));
            WebSession {
                id_hash: next().text(),
                account: next().text(),
                csrf_token: next().text(),
                expires_at: next().int(),
                created_at: next().int(),
            }
        }))
    }

    /// Ends one session (nothing if unknown).
    pub async fn delete_session(&self, id_hash: &str) -> Result<()> {
        self.exec(
            "DELETE FROM web_sessions WHERE id_hash = ?1",
            vec![Val::Text(id_hash.into())],
        )
        .await?;
        Ok(())
    }

    /// Records a failed login under `key` (an account or a client address)
    /// at `at_ms`, and forgets failures older than `forget_before_ms`.
    pub async fn record_login_failure(
        &self,
        key: &str,
        at_ms: i64,
        forget_before_ms: i64,
    ) -> Result<()> {
        self.exec(
            "DELETE FROM login_failures WHERE at_ms < ?1",
            vec![Val::Int(forget_before_ms)],
        )
        .await?;
        self.exec(
            "INSERT INTO login_failures (key, at_ms) VALUES (?1, ?2)",
            vec![Val::Text(key.into()), Val::Int(at_ms)],
        )
        .await?;
        Ok(())
    }

    /// The times (ms, oldest first) of `key`'s failed logins since `since_ms`.
    pub async fn login_failures(&self, key: &str, since_ms: i64) -> Result<Vec<i64>> {
        let rows = self
            .query(
                "SELECT at_ms FROM login_failures WHERE key = ?1 AND at_ms >= ?2 ORDER BY at_ms",
                vec![Val::Text(key.into()), Val::Int(since_ms)],
                &[Kind::Int],
            )
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|r| r.into_iter().next().map(Val::int))
            .collect())
    }

    /// Forgets `key`'s failed logins (after a successful one).
    pub async fn clear_login_failures(&self, key: &str) -> Result<()> {
        self.exec(
            "DELETE FROM login_failures WHERE key = ?1",
            vec![Val::Text(key.into())],
        )
        .await?;
        Ok(())
    }
}

/// Inserts `?1…?5` as an account unless an admin exists.
const FIRST_ADMIN: &str =
    "INSERT INTO accounts (name, password_hash, role, signoff_roles, created_at)
    SELECT CAST(?1 AS TEXT), CAST(?2 AS TEXT), CAST(?3 AS TEXT), CAST(?4 AS TEXT),
           CAST(?5 AS BIGINT)
    WHERE NOT EXISTS (SELECT 1 FROM accounts WHERE role = 'admin')
    ON CONFLICT DO NOTHING";

const ACCOUNT_KINDS: &[Kind] = &[Kind::Text, Kind::Text, Kind::Text, Kind::Text, Kind::Int];

const TOKEN_KINDS: &[Kind] = &[
    Kind::Text,
    Kind::Text,
    Kind::Text,
    Kind::Text,
    Kind::MaybeInt,
    Kind::Int,
    Kind::Text,
];

fn pg_params(vals: &[Val]) -> Vec<&(dyn tokio_postgres::types::ToSql + Sync)> {
    vals.iter()
        .map(|v| match v {
            Val::Text(s) => s as &(dyn tokio_postgres::types::ToSql + Sync),
            Val::Int(i) => i,
            Val::MaybeInt(o) => o,
        })
        .collect()
}

fn roles_json(roles: &[String]) -> String {
    serde_json::to_string(roles).unwrap_or_else(|_| "[]".into())
}

fn account_vals(a: &Account) -> Vec<Val> {
    vec![
        Val::Text(a.name.clone()),
        Val::Text(a.password_hash.clone()),
        Val::Text(a.role.clone()),
        Val::Text(roles_json(&a.signoff_roles)),
        Val::Int(a.created_at),
    ]
}

fn to_account(row: Vec<Val>) -> Account {
    let mut r = row.into_iter();
    let mut next = || r.next().unwrap_or(Val::MaybeInt(None));
    Account {
        name: next().text(),
        password_hash: next().text(),
        role: next().text(),
        signoff_roles: serde_json::from_str(&next().text()).unwrap_or_default(),
        created_at: next().int(),
    }
}

fn to_token(row: Vec<Val>) -> ApiToken {
    let mut r = row.into_iter();
    let mut next = || r.next().unwrap_or(Val::MaybeInt(None));
    ApiToken {
        token_hash: next().text(),
        name: next().text(),
        role: next().text(),
        signoff_roles: serde_json::from_str(&next().text()).unwrap_or_default(),
        expires_at: next().maybe_int(),
        created_at: next().int(),
        created_by: next().text(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbered_parameters_become_postgres_style() {
        assert_eq!(
            pg_sql("SELECT ?1, '?', ?12 WHERE a = ?2"),
            "SELECT $1, '?', $12 WHERE a = $2"
        );
    }
}
