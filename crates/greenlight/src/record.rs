//! Runs as events in the store: the command line's side. Recording and
//! reading a run (events, [`RunState`], people's work, the audit chain)
//! live in [`greenlight_session`]; here are what only the command line
//! decides: where the store is, who is acting, which audit key, and how
//! people's work is shown.

use crate::exit::Failure;
pub use greenlight_session::{
    RunState, SessionError, act_of, describe_chain, event, kept_step_event, load, may_append, open,
    open_keyed, people_for, release_acts, started, started_in, step_event, verify_chain,
};
use greenlight_store::AuditKey;
use std::path::Path;
use std::time::Duration;

pub mod git_identity;

/// Where the store is: `--store`, else `$GREENLIGHT_STORE`, else the
/// `store` of the nearest `greenlight.toml`, else `.greenlight/runs.db`
/// beside the checklist; for commands without a checklist, the store
/// found from the current folder (this folder or one above it, else the
/// one below the repository root: see [`greenlight_run::workspace`]),
/// else `.greenlight/runs.db` here.
pub fn store_spec(flag: Option<&str>, checklist: Option<&Path>) -> String {
    if let Some(s) = flag {
        return s.to_string();
    }
    if let Ok(s) = std::env::var("GREENLIGHT_STORE")
        && !s.is_empty()
    {
        return s;
    }
    let here = std::env::current_dir().unwrap_or_else(|_| ".".into());
    if let Ok(Some(config)) = greenlight_run::workspace::find_config(&here)
        && let Some(store) = config.store
    {
        return store;
    }
    if let Some(c) = checklist {
        return greenlight_run::workspace::store_beside(c)
            .display()
            .to_string();
    }
    match greenlight_run::workspace::find_store(&here, 6) {
        Some(found) => {
            if !found.others.is_empty() {
                let others: Vec<String> = found
                    .others
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect();
                eprintln!(
                    "note: several stores in this repository; using the newest, {} (others: {}; choose with --store)",
                    found.store.display(),
                    others.join(", ")
                );
            }
            found.store.display().to_string()
        }
        None => Path::new(".")
            .join(".greenlight")
            .join("runs.db")
            .display()
            .to_string(),
    }
}

/// The nearest `greenlight.toml`, if any (an unreadable one is an error).
pub fn config() -> Result<Option<greenlight_run::workspace::Config>, Failure> {
    let here = std::env::current_dir().unwrap_or_else(|_| ".".into());
    greenlight_run::workspace::find_config(&here).map_err(|e| Failure::usage(e.to_string()))
}

/// The actor recorded when nobody can be named: it says why, so an event
/// is never silently "unknown".
pub const UNKNOWN_ACTOR: &str = "unknown (no --name, GREENLIGHT_USER, git user.name or USER)";

/// Who is acting, from the first of `--name`, `$GREENLIGHT_USER`, git's
/// `user.name` (read from git's config files when that is certain, else
/// asked of git with a time limit) and `$USER`; `None` when none names
/// anyone.
pub fn identity(flag: Option<&str>) -> Option<String> {
    let env = |k: &str| std::env::var(k).ok();
    identity_from(flag, &env, &|| git_name(git_identity::user_name()))
}

/// git's `user.name`: the native reader's answer when it is certain,
/// else `git config --get user.name`'s.
fn git_name(native: git_identity::Answer) -> Option<String> {
    match native {
        git_identity::Answer::Name(name) => Some(name),
        git_identity::Answer::Unsure => git_user_name(None),
    }
}

/// [`identity`] with its sources given (for tests).
pub fn identity_from(
    flag: Option<&str>,
    env: &dyn Fn(&str) -> Option<String>,
    git: &dyn Fn() -> Option<String>,
) -> Option<String> {
    let named = |s: String| {
        let s = s.trim().to_string();
        (!s.is_empty()).then_some(s)
    };
    flag.map(str::to_string)
        .and_then(named)
        .or_else(|| env("GREENLIGHT_USER").and_then(named))
        .or_else(|| git().and_then(named))
        .or_else(|| env("USER").and_then(named))
}

/// The actor of the machine's events (`run`, `resume`): [`identity`], or
/// [`UNKNOWN_ACTOR`].
pub fn actor(flag: Option<&str>) -> String {
    identity(flag).unwrap_or_else(|| UNKNOWN_ACTOR.to_string())
}

/// The actor of a person's act (check, uncheck, waive): refused without an
/// identity, since a tick or a waiver by nobody proves nothing.
pub fn person(flag: Option<&str>) -> Result<String, Failure> {
    identity(flag).ok_or_else(|| {
        Failure::usage(
            "who is this? a person's act needs a name: give --name, or set GREENLIGHT_USER \
             (or git's user.name, or USER)",
        )
    })
}

/// [`actor`], looked up while the caller does other work: when git's
/// config files do not answer for certain ([`git_identity`]), `git config
/// user.name` starts now on a thread of its own (git takes a millisecond
/// or more), and [`ActorLookup::actor`] collects the answer. The
/// precedence is [`identity`]'s.
pub struct ActorLookup {
    /// `--name` or `$GREENLIGHT_USER`, which come before git.
    named: Option<String>,
    /// git's `user.name`, read from its config files.
    git_native: Option<String>,
    git: Option<std::thread::JoinHandle<Option<String>>>,
    /// `$USER`, which comes after git.
    user: Option<String>,
}

impl ActorLookup {
    /// Starts the lookup; git's config files are read only when neither
    /// `--name` nor `$GREENLIGHT_USER` names someone, and git is asked
    /// only when they do not answer for certain.
    pub fn start(flag: Option<&str>) -> ActorLookup {
        Self::start_from(
            flag,
            &|k| std::env::var(k).ok(),
            git_identity::user_name,
            || git_user_name(None),
        )
    }

    /// [`ActorLookup::start`] with its sources given (for tests): `native`
    /// reads git's config files, `git` asks git (only when `native` is
    /// unsure).
    fn start_from(
        flag: Option<&str>,
        env: &dyn Fn(&str) -> Option<String>,
        native: impl FnOnce() -> git_identity::Answer,
        git: impl FnOnce() -> Option<String> + Send + 'static,
    ) -> ActorLookup {
        let before_git = |k: &str| (k == "GREENLIGHT_USER").then(|| env(k)).flatten();
        let named = identity_from(flag, &before_git, &|| None);
        let (git_native, git) = match named {
            Some(_) => (None, None),
            None => match native() {
                git_identity::Answer::Name(name) => (Some(name), None),
                git_identity::Answer::Unsure => (
                    None,
                    std::thread::Builder::new()
                        .name("git-user-name".into())
                        .spawn(git)
                        .ok(),
                ),
            },
        };
        ActorLookup {
            named,
            git_native,
            git,
            user: env("USER"),
        }
    }

    /// The actor, as [`actor`] gives it.
    pub fn actor(self) -> String {
        if let Some(named) = self.named {
            return named;
        }
        // A thread that could not start asks nobody: `$USER` then applies.
        let git = self
            .git_native
            .or_else(|| self.git.and_then(|thread| thread.join().ok().flatten()));
        let user = self.user;
        let after_git = |k: &str| (k == "USER").then(|| user.clone()).flatten();
        identity_from(None, &after_git, &|| git.clone())
            .unwrap_or_else(|| UNKNOWN_ACTOR.to_string())
    }
}

/// `git config user.name`, given two seconds at most (a hung credential
/// helper or network file system must not hold the command up). Its
/// output is read on a thread of its own, so the answer is taken the
/// moment git closes it (no polling). `dir`: where git is asked (else
/// the current folder).
fn git_user_name(dir: Option<&Path>) -> Option<String> {
    use std::io::Read;
    let mut command = std::process::Command::new("git");
    if let Some(dir) = dir {
        command.current_dir(dir);
    }
    let mut child = command
        .args(["config", "--get", "user.name"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .ok()?;
    let mut stdout = child.stdout.take()?;
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = std::thread::Builder::new()
        .name("git-config-output".into())
        .spawn(move || {
            let mut out = String::new();
            let read = stdout.read_to_string(&mut out).map(|_| out);
            let _ = tx.send(read);
        });
    if reader.is_err() {
        let _ = child.kill();
        let _ = child.wait();
        return None;
    }
    match rx.recv_timeout(Duration::from_secs(2)) {
        Ok(Ok(out)) => match child.wait() {
            Ok(status) if status.success() => Some(out),
            _ => None,
        },
        Ok(Err(_)) | Err(_) => {
            // Too slow (or unreadable): git is stopped, which also ends
            // the reader (its pipe closes).
            let _ = child.kill();
            let _ = child.wait();
            None
        }
    }
}

/// The audit key: the profile's `[audit] key` when it names one, else
/// `$GREENLIGHT_AUDIT_KEY`, else the variable greenlight.toml's
/// `audit_key_env` names (an error when that one is unset); `None` when
/// none is configured.
/// `profile` is the profile's name for messages (its path, or `profile
/// NAME`) and its setting.
pub fn audit_key(
    profile: Option<(&str, &greenlight_run::profile::AuditKeySetting)>,
) -> Result<Option<AuditKey>, Failure> {
    use greenlight_run::profile::AuditKeySetting;
    let (secret, from) = match profile {
        Some((_, AuditKeySetting::Key(k))) => (k.clone(), "[audit] key".to_string()),
        Some((name, AuditKeySetting::Missing(why))) => {
            return Err(Failure::usage(format!("{name}: [audit] key: {why}")));
        }
        _ => match std::env::var("GREENLIGHT_AUDIT_KEY") {
            Ok(k) if !k.is_empty() => (k, "GREENLIGHT_AUDIT_KEY".to_string()),
            _ => match config()?.and_then(|c| Some((c.audit_key_env?, c.path))) {
                Some((name, path)) => match std::env::var(&name) {
                    Ok(k) if !k.is_empty() => {
                        (k, format!("{name} (audit_key_env of {})", path.display()))
                    }
                    _ => {
                        return Err(Failure::usage(format!(
                            "{}: audit_key_env names {name}, which is not set: export the team's audit key as {name} (or set GREENLIGHT_AUDIT_KEY)",
                            path.display()
                        )));
                    }
                },
                None => return Ok(None),
            },
        },
    };
    AuditKey::new(secret.as_bytes()).map(Some).ok_or_else(|| {
        Failure::usage(format!(
            "{from}: an audit key needs at least {} bytes (e.g. `openssl rand -hex 32`)",
            greenlight_store::MIN_KEY_BYTES
        ))
    })
}

/// The audit key of a loaded profile (or `$GREENLIGHT_AUDIT_KEY`).
pub fn profile_key(
    profile: &greenlight_run::profile::Profile,
) -> Result<Option<AuditKey>, Failure> {
    audit_key(Some((
        &format!("profile {}", profile.name),
        &profile.audit_key,
    )))
}

/// People's work as `status` and `decide` show it: every check, waiver and
/// sign-off in force (or stale), with who, when and the run it came from.
pub fn people_lines(state: &RunState) -> String {
    // A rollback names who allowed it first: it ran because of them.
    let allowed = state
        .rollback
        .as_ref()
        .map(|(by, a)| {
            format!(
                "\nRollback: run of the rollback procedure, allowed by {by} ({}{})\n",
                a.classes.join(", "),
                if a.automatic { ", automatic" } else { "" }
            )
        })
        .unwrap_or_default();
    let p = &state.people;
    if p.checked.is_empty() && p.waivers.is_empty() && p.signed.is_empty() && p.stale.is_empty() {
        return allowed;
    }
    // (line, `L12   ` or the bare ID, the item's text or the role)
    let item = |id: &str| {
        state.plan.items.iter().find(|i| i.id == id).map_or_else(
            || (0, String::new(), id.to_string()),
            |i| (i.line, format!("L{:<5} ", i.line), i.text.clone()),
        )
    };
    let slot = |id: &str| {
        state.plan.signoffs.iter().find(|s| s.id == id).map_or_else(
            || (0, String::new(), id.to_string()),
            |s| (s.line, format!("L{:<5} ", s.line), s.role.clone()),
        )
    };
    let from = |run: &str| {
        if run.is_empty() {
            "this run".to_string()
        } else {
            format!("run {run}")
        }
    };
    let mut rows: Vec<((usize, String, String), String)> = Vec::new();
    for (id, m) in &p.checked {
        let note = if m.note.is_empty() {
            String::new()
        } else {
            format!(": {}", m.note)
        };
        rows.push((
            item(id),
            format!(
                "checked by {} at {} ({}){note}",
                m.actor,
                m.at,
                from(&m.run)
            ),
        ));
    }
    for (id, w) in &p.waivers {
        let until = w
            .expires
            .as_deref()
            .map(|x| format!(" until {x}"))
            .unwrap_or_default();
        rows.push((
            item(id),
            format!(
                "waived by {}{until}{}: {}",
                w.actor,
                if w.expired { " (EXPIRED)" } else { "" },
                w.reason
            ),
        ));
    }
    for (id, m) in &p.signed {
        rows.push((
            slot(id),
            format!("signed by {} at {} ({})", m.actor, m.at, from(&m.run)),
        ));
    }
    for (id, st) in &p.stale {
        rows.push((
            slot(id),
            format!(
                "STALE sign-off by {} at {} ({}): since then {}; {} can sign again",
                st.mark.actor,
                st.mark.at,
                from(&st.mark.run),
                st.changed.join(", "),
                st.mark.actor
            ),
        ));
    }
    rows.sort();
    let carried = if state.earlier_runs > 0 {
        format!(
            " (release {}: carried over from {} earlier run{})",
            state.release,
            state.earlier_runs,
            if state.earlier_runs == 1 { "" } else { "s" }
        )
    } else if !state.release.is_empty() {
        format!(" (release {})", state.release)
    } else {
        String::new()
    };
    let width = crate::term::width();
    let mut out = crate::term::wrap(&format!("People's work{carried}:"), 0, 2, width);
    out.insert(0, '\n');
    out.insert_str(0, allowed.trim_end_matches('\n'));
    out.push('\n');
    // Each line wraps at the terminal's width, continuing under the text
    // (after `  L12345 `).
    for ((_, at, what), how) in rows {
        let line = format!(
            "{}  — {}",
            crate::term::printable(&what),
            crate::term::printable(&how)
        );
        let lead = 2 + at.chars().count();
        out.push_str(&format!(
            "  {at}{}\n",
            crate::term::wrap(&line, lead, lead, width)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_comes_from_the_first_source_that_names_someone() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                vars.iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        let git = || Some("Git Name\n".to_string());
        let no_git = || None;
        let all = env(&[("GREENLIGHT_USER", "gl"), ("USER", "unix")]);
        assert_eq!(
            identity_from(Some("flag"), &all, &git).as_deref(),
            Some("flag")
        );
        assert_eq!(identity_from(None, &all, &git).as_deref(), Some("gl"));
        let blank = env(&[("GREENLIGHT_USER", "  "), ("USER", "unix")]);
        assert_eq!(
            identity_from(Some(""), &blank, &git).as_deref(),
            Some("Git Name")
        );
        assert_eq!(
            identity_from(None, &blank, &no_git).as_deref(),
            Some("unix")
        );
        assert_eq!(identity_from(None, &env(&[]), &no_git), None);
    }
    #[test]
    fn an_actor_looked_up_early_follows_the_same_precedence() {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicBool, Ordering};
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                vars.iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        let unsure = || git_identity::Answer::Unsure;
        // Named before git: git is never asked.
        let asked = Arc::new(AtomicBool::new(false));
        let flag = asked.clone();
        let lookup = ActorLookup::start_from(
            None,
            &env(&[("GREENLIGHT_USER", " gl "), ("USER", "unix")]),
            unsure,
            move || {
                flag.store(true, Ordering::SeqCst);
                Some("Git Name".into())
            },
        );
        assert_eq!(lookup.actor(), "gl");
        assert!(!asked.load(Ordering::SeqCst));
        let lookup =
            ActorLookup::start_from(Some("flag"), &env(&[]), unsure, || Some("Git".into()));
        assert_eq!(lookup.actor(), "flag");
        // Git before $USER; $USER when git names nobody.
        let lookup = ActorLookup::start_from(Some(" "), &env(&[("USER", "unix")]), unsure, || {
            Some("Git Name\n".into())
        });
        assert_eq!(lookup.actor(), "Git Name");
        let lookup = ActorLookup::start_from(None, &env(&[("USER", "unix")]), unsure, || None);
        assert_eq!(lookup.actor(), "unix");
        let lookup = ActorLookup::start_from(None, &env(&[]), unsure, || Some("  ".into()));
        assert_eq!(lookup.actor(), UNKNOWN_ACTOR);
    }

    #[test]
    fn a_certain_answer_from_the_config_files_spares_starting_git() {
        use git_identity::Answer;
        use std::sync::Arc;
        use std::sync::atomic::{AtomicBool, Ordering};
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                vars.iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        let asked = Arc::new(AtomicBool::new(false));
        let flag = asked.clone();
        let lookup = ActorLookup::start_from(
            None,
            &env(&[("USER", "unix")]),
            || Answer::Name("Native Name".into()),
            move || {
                flag.store(true, Ordering::SeqCst);
                Some("Git Name".into())
            },
        );
        assert!(lookup.git.is_none(), "no thread, no git");
        assert_eq!(lookup.actor(), "Native Name");
        assert!(!asked.load(Ordering::SeqCst));
        // `--name` and `$GREENLIGHT_USER` still come first: the config
        // files are not even read.
        let read = std::cell::Cell::new(false);
        let native = || {
            read.set(true);
            Answer::Name("Native".into())
        };
        let lookup =
            ActorLookup::start_from(None, &env(&[("GREENLIGHT_USER", "gl")]), native, || None);
        assert_eq!(lookup.actor(), "gl");
        assert!(!read.get());
        let lookup = ActorLookup::start_from(
            Some("flag"),
            &env(&[]),
            || Answer::Name("N".into()),
            || None,
        );
        assert_eq!(lookup.actor(), "flag");
        // A blank native name counts as none, as git's would: `$USER`.
        let lookup = ActorLookup::start_from(
            None,
            &env(&[("USER", "unix")]),
            || Answer::Name("  ".into()),
            || Some("Git".into()),
        );
        assert_eq!(lookup.actor(), "unix");
        // Unsure: git is asked.
        let lookup = ActorLookup::start_from(
            None,
            &env(&[("USER", "unix")]),
            || Answer::Unsure,
            || Some("Git Name\n".into()),
        );
        assert_eq!(lookup.actor(), "Git Name");
        assert_eq!(
            git_name(Answer::Name("Native".into())).as_deref(),
            Some("Native")
        );
    }

    #[test]
    fn git_is_asked_for_the_user_name_of_the_folder() {
        let dir = std::env::temp_dir().join(format!("greenlight-git-name-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let git = |args: &[&str]| {
            std::process::Command::new("git")
                .args(args)
                .current_dir(&dir)
                .output()
                .expect("git runs")
        };
        assert!(git(&["init", "-q"]).status.success());
        assert!(
            git(&["config", "user.name", "Ada Lovelace"])
                .status
                .success()
        );
        let name = git_user_name(Some(&dir));
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(name.as_deref().map(str::trim), Some("Ada Lovelace"));
    }
}
