//! Finding a project's defaults and its store, as git finds its repository.
//!
//! A `greenlight.toml` (found by walking up from the current folder) names
//! the default checklist, profile, store and release:
//!
//! ```toml
//! checklist = "docs/RELEASE.md"   # paths are relative to this file
//! profile = "staging.toml"
//! store = ".greenlight/runs.db"   # or postgres://…
//! release = "v2.4"                # optional: else checklist + profile
//! audit_key_env = "TEAM_AUDIT_KEY" # optional: the variable holding the audit key
//!
//! [[webhooks]]                     # notifications from `greenlight serve`;
//! url = "https://hooks.example/gl" # read by greenlight-notify
//! ```
//!
//! The audit key itself never goes in this file (it is committed): a
//! literal `audit_key` or an `[audit]` table is refused, naming
//! `audit_key_env`.
//!
//! Without one, the store is `.greenlight/runs.db` in the current folder or
//! the nearest folder above it that has one, up to the repository root;
//! else the one store below the repository root (beside a checklist in
//! `docs/`, say), the newest when there are several.

use std::path::{Path, PathBuf};

/// The file name greenlight looks for.
pub const CONFIG_FILE: &str = "greenlight.toml";

/// The store's place relative to a checklist's folder.
pub const STORE_DIR: &str = ".greenlight";
/// The SQLite file inside [`STORE_DIR`].
pub const STORE_FILE: &str = "runs.db";

/// A `greenlight.toml`, its paths made absolute.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Config {
    /// Where it was found.
    pub path: PathBuf,
    pub checklist: Option<PathBuf>,
    pub profile: Option<PathBuf>,
    /// A file path (absolute) or a `postgres://` URL.
    pub store: Option<String>,
    pub release: Option<String>,
    /// The environment variable that holds the team's audit key.
    pub audit_key_env: Option<String>,
    /// The `[[webhooks]]` entries as written; `greenlight_notify::Webhook::
    /// from_tables` checks them and reads their secrets.
    pub webhooks: Vec<toml::Table>,
}

/// A `greenlight.toml` that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {detail}")]
pub struct ConfigError {
    pub path: String,
    pub detail: String,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    checklist: Option<String>,
    profile: Option<String>,
    store: Option<String>,
    release: Option<String>,
    audit_key_env: Option<String>,
    /// Only to refuse a key written into the (committed) file.
    audit_key: Option<toml::Value>,
    /// Only to refuse a key written into the (committed) file.
    audit: Option<toml::Value>,
    #[serde(default)]
    webhooks: Vec<toml::Table>,
}

/// Why a key written into greenlight.toml is refused.
const LITERAL_KEY: &str = "the audit key must not be written into greenlight.toml (it is committed with the repository): keep it in an environment variable and name that here, e.g. audit_key_env = \"TEAM_AUDIT_KEY\"";

/// Whether `name` is a conventional environment variable name (capitals,
/// digits, `_`). Stricter than the shell on purpose: a key pasted here by
/// mistake (hex or base64, mostly lower case) is refused, not echoed.
fn env_name(name: &str) -> bool {
    name.chars()
        .next()
        .is_some_and(|c| c.is_ascii_uppercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// The nearest `greenlight.toml` at or above `start`.
pub fn find_config(start: &Path) -> Result<Option<Config>, ConfigError> {
    let start = start.canonicalize().unwrap_or_else(|_| start.to_path_buf());
    let Some(path) = start
        .ancestors()
        .map(|d| d.join(CONFIG_FILE))
        .find(|p| p.is_file())
    else {
        return Ok(None);
    };
    let fail = |detail: String| ConfigError {
        path: path.display().to_string(),
        detail,
    };
    let text = std::fs::read_to_string(&path).map_err(|e| fail(format!("cannot read: {e}")))?;
    let raw: Raw = toml::from_str(&text).map_err(|e| fail(e.to_string()))?;
    if raw.audit_key.is_some() || raw.audit.is_some() {
        return Err(fail(LITERAL_KEY.to_string()));
    }
    if let Some(name) = raw.audit_key_env.as_deref().filter(|n| !env_name(n)) {
        return Err(fail(format!(
            "audit_key_env must name the environment variable that holds the key (capitals, digits and _, e.g. TEAM_AUDIT_KEY), not hold the key itself ({} characters given, not shown)",
            name.chars().count()
        )));
    }
    let dir = path.parent().unwrap_or(Path::new("/")).to_path_buf();
    let store = raw.store.map(|s| {
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            s
        } else {
            dir.join(s).display().to_string()
        }
    });
    Ok(Some(Config {
        checklist: raw.checklist.map(|c| dir.join(c)),
        profile: raw.profile.map(|p| dir.join(p)),
        store,
        release: raw.release.filter(|r| !r.trim().is_empty()),
        audit_key_env: raw.audit_key_env,
        webhooks: raw.webhooks,
        path,
    }))
}

/// The store beside a checklist.
pub fn store_beside(checklist: &Path) -> PathBuf {
    checklist
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .join(STORE_DIR)
        .join(STORE_FILE)
}

/// A store found for a command that names no checklist.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub store: PathBuf,
    /// Other stores that were found (the chosen one is the newest).
    pub others: Vec<PathBuf>,
}

/// Looks for an existing `.greenlight/runs.db`: in `start` and the folders
/// above it up to the repository root (the first found wins), then below
/// the root (at most `depth` folders down; hidden folders, `target` and
/// `node_modules` skipped), the most recently written when several.
pub fn find_store(start: &Path, depth: usize) -> Option<Found> {
    let start = start.canonicalize().ok()?;
    let root = crate::release::repo_root(&start);
    for dir in start.ancestors() {
        let candidate = dir.join(STORE_DIR).join(STORE_FILE);
        if candidate.is_file() {
            return Some(Found {
                store: candidate,
                others: Vec::new(),
            });
        }
        if Some(dir) == root.as_deref() {
            break;
        }
    }
    let root = root?;
    let mut found = Vec::new();
    walk(&root, depth, &mut found);
    let newest = |p: &PathBuf| {
        // The WAL holds the latest writes; the main file may be older.
        let wal = p.with_file_name(format!("{STORE_FILE}-wal"));
        [p.clone(), wal]
            .iter()
            .filter_map(|f| std::fs::metadata(f).and_then(|m| m.modified()).ok())
            .max()
    };
    found.sort_by_key(|p| std::cmp::Reverse(newest(p)));
    let mut it = found.into_iter();
    let store = it.next()?;
    Some(Found {
        store,
        others: it.collect(),
    })
}

fn walk(dir: &Path, depth: usize, found: &mut Vec<PathBuf>) {
    let candidate = dir.join(STORE_DIR).join(STORE_FILE);
    if candidate.is_file() {
        found.push(candidate);
    }
    if depth == 0 {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut dirs: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            !name.starts_with('.') && name != "target" && name != "node_modules"
        })
        .map(|e| e.path())
        .collect();
    dirs.sort();
    for d in dirs {
        walk(&d, depth - 1, found);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("gl-ws-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d.canonicalize().unwrap()
    }

    #[test]
    fn config_is_found_walking_up_and_its_paths_are_its_own() {
        let root = scratch("cfg");
        std::fs::write(
            root.join(CONFIG_FILE),
            "checklist = \"docs/RELEASE.md\"\nprofile = \"staging.toml\"\nstore = \".gl/runs.db\"\n",
        )
        .unwrap();
        let deep = root.join("a/b");
        std::fs::create_dir_all(&deep).unwrap();
        let c = find_config(&deep).unwrap().unwrap();
        assert_eq!(c.checklist, Some(root.join("docs/RELEASE.md")));
        assert_eq!(c.profile, Some(root.join("staging.toml")));
        assert_eq!(
            c.store.as_deref(),
            Some(root.join(".gl/runs.db").to_str().unwrap())
        );
        std::fs::write(root.join(CONFIG_FILE), "stor = \"x\"\n").unwrap();
        let e = find_config(&deep).unwrap_err().to_string();
        assert!(e.contains("greenlight.toml") && e.contains("stor"), "{e}");
        std::fs::write(root.join(CONFIG_FILE), "store = \"postgres://u@h/db\"\n").unwrap();
        let c = find_config(&root).unwrap().unwrap();
        assert_eq!(c.store.as_deref(), Some("postgres://u@h/db"));
        assert_eq!(c.audit_key_env, None);
    }

    #[test]
    fn the_audit_key_is_named_by_its_variable_never_written_in() {
        let root = scratch("key");
        std::fs::write(
            root.join(CONFIG_FILE),
            "audit_key_env = \"TEAM_AUDIT_KEY\"\n",
        )
        .unwrap();
        let c = find_config(&root).unwrap().unwrap();
        assert_eq!(c.audit_key_env.as_deref(), Some("TEAM_AUDIT_KEY"));
        for literal in [
            "audit_key = \"0123456789abcdef0123\"\n",
            "[audit]\nkey = \"0123456789abcdef0123\"\n",
            "audit_key_env = \"0123456789abcdef0123\"\n",
            "audit_key_env = \"k0123456789abcdef0123\"\n",
        ] {
            std::fs::write(root.join(CONFIG_FILE), literal).unwrap();
            let e = find_config(&root).unwrap_err().to_string();
            assert!(e.contains("audit_key_env"), "{literal}: {e}");
            assert!(
                !e.contains("0123456789abcdef"),
                "the key is not echoed: {e}"
            );
        }
    }

    #[test]
    fn the_store_beside_a_checklist_is_found_from_the_repository_root() {
        let root = scratch("find");
        std::fs::create_dir_all(root.join(".git")).unwrap();
        std::fs::create_dir_all(root.join("docs/.greenlight")).unwrap();
        std::fs::create_dir_all(root.join("src/deep")).unwrap();
        assert_eq!(find_store(&root, 4), None);
        std::fs::write(root.join("docs/.greenlight/runs.db"), b"x").unwrap();
        let f = find_store(&root, 4).unwrap();
        assert_eq!(f.store, root.join("docs/.greenlight/runs.db"));
        // From a folder beside it, too; from below it, walking up first.
        assert_eq!(
            find_store(&root.join("src/deep"), 4).unwrap().store,
            f.store
        );
        std::fs::create_dir_all(root.join("src/.greenlight")).unwrap();
        std::fs::write(root.join("src/.greenlight/runs.db"), b"x").unwrap();
        assert_eq!(
            find_store(&root.join("src/deep"), 4).unwrap().store,
            root.join("src/.greenlight/runs.db")
        );
        let both = find_store(&root, 4).unwrap();
        assert_eq!(both.others.len(), 1);
    }
}
