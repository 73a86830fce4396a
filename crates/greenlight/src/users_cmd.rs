//! `greenlight users …`: accounts and API tokens of the server, managed
//! directly in the store. Whoever can write the store is its admin already,
//! so these commands need no login; the server's own admin pages check
//! the admin role instead.

use crate::exit::{Failure, runtime};
use crate::record;
use crate::runs_cmd::StoreArgs;
use clap::{Args, Subcommand};
use greenlight_auth::{AuthError, Role};
use std::time::Duration;

/// The environment variable `users add` reads the password from.
pub const USER_PASSWORD_ENV: &str = "GREENLIGHT_USER_PASSWORD";

#[derive(Args, Debug)]
#[command(after_help = "\
Examples:
  greenlight users add alice --role approver --signoff-role 'QA Lead'
  GREENLIGHT_USER_PASSWORD=… greenlight users add ci --role operator --store postgres://…
  greenlight users token ci-bot --role operator --expires 90d
  greenlight users list")]
pub struct UsersArgs {
    #[command(subcommand)]
    pub command: UsersCommand,
    #[command(flatten)]
    pub store: StoreArgs,
}

#[derive(Subcommand, Debug)]
pub enum UsersCommand {
    /// Add an account. The password comes from $GREENLIGHT_USER_PASSWORD,
    /// else a prompt (asked twice, not echoed).
    Add {
        name: String,
        /// viewer, operator, approver or admin.
        #[arg(long)]
        role: String,
        /// A checklist sign-off role this approver may sign for (repeatable),
        /// named as in the document (`QA Lead`).
        #[arg(long = "signoff-role", value_name = "ROLE")]
        signoff_roles: Vec<String>,
    },
    /// Delete an account and end its sessions.
    Remove { name: String },
    /// List accounts and tokens (never their secrets).
    List,
    /// Create an API token and print its secret once.
    Token {
        /// The token's name: the actor of what it does.
        name: String,
        #[arg(long)]
        role: String,
        #[arg(long = "signoff-role", value_name = "ROLE")]
        signoff_roles: Vec<String>,
        /// How long it is valid (`90d`, `12h`); default: until revoked.
        #[arg(long, value_parser = humantime::parse_duration)]
        expires: Option<Duration>,
    },
    /// Revoke (delete) an API token.
    Revoke { name: String },
}

fn failure(e: AuthError) -> Failure {
    match e {
        AuthError::Store(e) => Failure::from(e),
        other => Failure::usage(other.to_string()),
    }
}

fn role(text: &str) -> Result<Role, Failure> {
    text.parse::<Role>()
        .map_err(|e| Failure::usage(e.to_string()))
}

/// A password from `env`, else typed twice on the terminal.
pub fn password_from(env: &str) -> Result<String, Failure> {
    if let Ok(p) = std::env::var(env)
        && !p.is_empty()
    {
        return Ok(p);
    }
    dialoguer::Password::new()
        .with_prompt("Password")
        .with_confirmation("Repeat it", "The passwords differ")
        .interact()
        .map_err(|e| Failure::usage(format!("no password: set {env} or type one ({e})")))
}

pub fn run(args: UsersArgs) -> Result<u8, Failure> {
    runtime()?.block_on(async {
        let spec = record::store_spec(args.store.store.as_deref(), None);
        let store = record::open_keyed(&spec, None).await?;
        match args.command {
            UsersCommand::Add {
                name,
                role: r,
                signoff_roles,
            } => {
                let r = role(&r)?;
                let password = password_from(USER_PASSWORD_ENV)?;
                greenlight_auth::create_account(&store, &name, &password, r, &signoff_roles)
                    .await
                    .map_err(failure)?;
                println!("added {name} ({r})");
            }
            UsersCommand::Remove { name } => {
                greenlight_auth::delete_account(&store, &name)
                    .await
                    .map_err(failure)?;
                println!("removed {name}");
            }
            UsersCommand::List => {
                for a in store.accounts().await? {
                    println!(
                        "{}",
                        line("account", &a.name, &a.role, &a.signoff_roles, None)
                    );
                }
                for t in store.tokens().await? {
                    let expiry = t.expires_at.map(|e| {
                        let at = std::time::UNIX_EPOCH + Duration::from_secs(e.max(0) as u64);
                        format!("expires {}", humantime::format_rfc3339_seconds(at))
                    });
                    println!(
                        "{}",
                        line(
                            "token",
                            &t.name,
                            &t.role,
                            &t.signoff_roles,
                            expiry.as_deref()
                        )
                    );
                }
            }
            UsersCommand::Token {
                name,
                role: r,
                signoff_roles,
                expires,
            } => {
                let r = role(&r)?;
                let by = record::actor(None);
                let t =
                    greenlight_auth::create_token(&store, &name, r, &signoff_roles, expires, &by)
                        .await
                        .map_err(failure)?;
                eprintln!("token {name} ({r}) created; its secret is shown only now:");
                println!("{}", t.secret);
            }
            UsersCommand::Revoke { name } => {
                greenlight_auth::delete_token(&store, &name)
                    .await
                    .map_err(failure)?;
                println!("revoked token {name}");
            }
        }
        Ok(0)
    })
}

fn line(kind: &str, name: &str, role: &str, signs: &[String], extra: Option<&str>) -> String {
    let mut out = format!("{kind:<8} {name:<24} {role:<9}");
    if !signs.is_empty() {
        out.push_str(&format!(" signs for: {}", signs.join(", ")));
    }
    if let Some(e) = extra {
        out.push_str(&format!(" {e}"));
    }
    out.trim_end().to_string()
}
