//! Account and token management: the bootstrap admin, users, API tokens.
//! The CLI and the server's admin pages call these.

use crate::error::{AuthError, Result};
use crate::role::Role;
use crate::secret::{hash_password, random_secret, sha256_hex};
use greenlight_store::{Account, ApiToken, Store};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The environment variable `init_admin`'s callers read the password from.
pub const ADMIN_PASSWORD_ENV: &str = "GREENLIGHT_ADMIN_PASSWORD";

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// What API token secrets start with (so scanners and people recognise them).
pub const TOKEN_PREFIX: &str = "glt_";

/// Now, in Unix seconds.
pub(crate) fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Checks an account or token name.
pub fn check_name(name: &str) -> Result<()> {
    let ok = (1..=64).contains(&name.chars().count())
        && name.starts_with(|c: char| c.is_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if ok {
        Ok(())
    } else {
        Err(AuthError::InvalidName(name.to_string()))
    }
}

fn check_password(password: &str) -> Result<()> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AuthError::WeakPassword {
            min: MIN_PASSWORD_CHARS,
        });
    }
    Ok(())
}

fn check_binding(role: Role, signoff_roles: &[String]) -> Result<Vec<String>> {
    let roles: Vec<String> = signoff_roles
        .iter()
        .map(|r| r.trim().to_string())
        .filter(|r| !r.is_empty())
        .collect();
    if !roles.is_empty() && role < Role::Approver {
        return Err(AuthError::SignoffNeedsApprover(role));
    }
    Ok(roles)
}

/// The bootstrap password: `GREENLIGHT_ADMIN_PASSWORD` when set (and not
/// empty), else whatever `prompt` returns (the server asks on its terminal).
pub fn admin_password(prompt: impl FnOnce() -> Option<String>) -> Result<String> {
    std::env::var(ADMIN_PASSWORD_ENV)
        .ok()
        .filter(|p| !p.is_empty())
        .or_else(prompt)
        .filter(|p| !p.is_empty())
        .ok_or(AuthError::NoPassword)
}

/// Creates the first admin account (`greenlight serve --init-admin NAME`).
/// Refused with [`AuthError::AdminExists`] once any admin exists.
pub async fn init_admin(store: &Store, name: &str, password: &str) -> Result<Account> {
    check_name(name)?;
    check_password(password)?;
    let account = Account {
        name: name.to_string(),
        password_hash: hash_password(password)?,
        role: Role::Admin.as_str().into(),
        signoff_roles: Vec::new(),
        created_at: now_secs(),
    };
    if store.insert_first_admin(&account).await? {
        return Ok(account);
    }
    if store.account(name).await?.is_some() {
        return Err(AuthError::Exists {
            what: "account",
            name: name.into(),
        });
    }
    Err(AuthError::AdminExists)
}

/// Adds an account. `signoff_roles` (the checklist's names, e.g. `QA
/// Lead`) only for approvers and admins.
pub async fn create_account(
    store: &Store,
    name: &str,
    password: &str,
    role: Role,
    signoff_roles: &[String],
) -> Result<Account> {
    check_name(name)?;
    check_password(password)?;
    let account = Account {
        name: name.to_string(),
        password_hash: hash_password(password)?,
        role: role.as_str().into(),
        signoff_roles: check_binding(role, signoff_roles)?,
        created_at: now_secs(),
    };
    if store.tokens().await?.iter().any(|t| t.name == name)
        || !store.insert_account(&account).await?
    {
        return Err(AuthError::Exists {
            what: "account",
            name: name.into(),
        });
    }
    Ok(account)
}

/// Sets a new password (existing sessions stay valid until they expire or
/// the account is deleted).
pub async fn set_password(store: &Store, name: &str, password: &str) -> Result<()> {
    check_password(password)?;
    if !store
        .set_password_hash(name, &hash_password(password)?)
        .await?
    {
        return Err(AuthError::Unknown {
            what: "account",
            name: name.into(),
        });
    }
    Ok(())
}

/// Deletes an account and ends its sessions.
pub async fn delete_account(store: &Store, name: &str) -> Result<()> {
    if !store.delete_account(name).await? {
        return Err(AuthError::Unknown {
            what: "account",
            name: name.into(),
        });
    }
    Ok(())
}

/// A token just created: `secret` is shown once and never stored.
#[derive(Debug)]
pub struct NewToken {
    /// `glt_` + 64 hex characters; give it as `Authorization: Bearer SECRET`.
    pub secret: String,
    /// What the store keeps (its SHA-256, not the secret).
    pub token: ApiToken,
}

/// Creates an API token acting as `name` with `role`, valid for
/// `valid_for` (`None`: until deleted). Token and account names never
/// collide (a token cannot act under a person's name).
pub async fn create_token(
    store: &Store,
    name: &str,
    role: Role,
    signoff_roles: &[String],
    valid_for: Option<Duration>,
    created_by: &str,
) -> Result<NewToken> {
    check_name(name)?;
    let secret = format!("{TOKEN_PREFIX}{}", random_secret()?);
    let now = now_secs();
    let token = ApiToken {
        token_hash: sha256_hex(&secret),
        name: name.to_string(),
        role: role.as_str().into(),
        signoff_roles: check_binding(role, signoff_roles)?,
        expires_at: valid_for.map(|d| now.saturating_add(d.as_secs().min(i64::MAX as u64) as i64)),
        created_at: now,
        created_by: created_by.to_string(),
    };
    if store.account(name).await?.is_some() || !store.insert_token(&token).await? {
        return Err(AuthError::Exists {
            what: "token",
            name: name.into(),
        });
    }
    Ok(NewToken { secret, token })
}

/// Deletes (revokes) the token of this name.
pub async fn delete_token(store: &Store, name: &str) -> Result<()> {
    if !store.delete_token(name).await? {
        return Err(AuthError::Unknown {
            what: "token",
            name: name.into(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked() {
        for good in ["alice", "ci-bot", "a.b_c@d", "Ærø1"] {
            assert!(check_name(good).is_ok(), "{good}");
        }
        for bad in ["", "-x", "a b", "a;b", &"x".repeat(65)] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn only_approvers_and_admins_are_bound_to_signoff_roles() {
        let qa = vec![" QA Lead ".to_string(), " ".to_string()];
        assert_eq!(check_binding(Role::Approver, &qa).unwrap(), ["QA Lead"]);
        assert!(check_binding(Role::Operator, &qa).is_err());
        assert!(check_binding(Role::Viewer, &[]).is_ok());
    }

    #[test]
    fn the_admin_password_comes_from_the_environment_or_the_prompt() {
        // The variable is not set in tests (nothing sets it).
        if std::env::var(ADMIN_PASSWORD_ENV).is_err() {
            assert_eq!(
                admin_password(|| Some("typed secret".into())).unwrap(),
                "typed secret"
            );
            assert!(matches!(
                admin_password(|| None),
                Err(AuthError::NoPassword)
            ));
        }
    }
}
