//! git's `user.name` read from git's own config files, without starting
//! git, when that is certain to give exactly what `git config --get
//! user.name` prints; otherwise [`Answer::Unsure`], and git is asked.
//!
//! Starting git costs about a millisecond of every command that names
//! its actor; reading two or three small files costs a few microseconds.
//! Certainty comes from refusing everything not fully understood:
//!
//! - variables that change which files git reads or which repository it
//!   finds ([`UNSURE_IF_SET`]), an unset, empty or relative `HOME`;
//! - a repository git would find in an unusual way: `.git` a file or a
//!   symbolic link (worktrees, submodules), a folder on the way up that
//!   may be a bare repository (it holds `HEAD`), a repository owned by
//!   another user (git then ignores it unless `safe.directory` says
//!   otherwise), a `config.worktree`, any `extensions.*` or a format
//!   version other than 0 or 1, a `.git` or `HEAD` above a mount point
//!   (git stops there; this reader does not rely on that);
//! - config text the parser here does not fully understand: includes,
//!   line continuations, escapes other than `\" \\ \n \t \b`, unterminated
//!   quotes, `[section.sub]` headers, a key outside a section, a byte
//!   order mark, control characters, a lone carriage return, a tab inside
//!   an unquoted value (git 2.39 turns it into a space, later versions
//!   keep it), anything git itself would refuse;
//! - a name found nowhere (the system file's place depends on how git was
//!   built, so "not set" is never certain), a `name` without `=`, an
//!   empty name, one that is not UTF-8.
//!
//! Files are read in git's order, the last assignment winning: the
//! system file (only checked to be understood: git fails on a broken one),
//! `$XDG_CONFIG_HOME/git/config` (or `~/.config/git/config`),
//! `~/.gitconfig`, then the repository's `config`.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// What the config files say about `user.name`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// Exactly what `git config --get user.name` prints, without its
    /// final newline.
    Name(String),
    /// Not certain: ask git.
    Unsure,
}

/// Environment variables that change which config files git reads or
/// which repository it finds: any of them set makes the answer unsure.
pub const UNSURE_IF_SET: &[&str] = &[
    "GIT_CONFIG",
    "GIT_CONFIG_GLOBAL",
    "GIT_CONFIG_SYSTEM",
    "GIT_CONFIG_NOSYSTEM",
    "GIT_CONFIG_COUNT",
    "GIT_CONFIG_PARAMETERS",
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_COMMON_DIR",
    "GIT_CEILING_DIRECTORIES",
    "GIT_DISCOVERY_ACROSS_FILESYSTEM",
    "GIT_OBJECT_DIRECTORY",
    "GIT_IMPLICIT_WORK_TREE",
    "GIT_TEST_ASSUME_DIFFERENT_OWNER",
];

/// Where distributions and source builds put the system config. Git
/// reads at most one of them, and may read another place entirely; they
/// are only checked to be understood (a broken one makes git fail).
const SYSTEM_FILES: &[&str] = &["/etc/gitconfig", "/usr/local/etc/gitconfig"];

/// [`user_name_in`] for this process: its environment and current folder.
pub fn user_name() -> Answer {
    match std::env::current_dir() {
        Ok(cwd) => user_name_in(&cwd, &|k| std::env::var_os(k)),
        Err(_) => Answer::Unsure,
    }
}

/// What `git config --get user.name` would print when started in `cwd`
/// (an absolute path with symbolic links resolved, as `getcwd` gives it)
/// with the environment `env`, if certain.
pub fn user_name_in(cwd: &Path, env: &dyn Fn(&str) -> Option<OsString>) -> Answer {
    found(cwd, env).unwrap_or(Answer::Unsure)
}

/// `None`: unsure.
fn found(cwd: &Path, env: &dyn Fn(&str) -> Option<OsString>) -> Option<Answer> {
    if UNSURE_IF_SET.iter().any(|k| env(k).is_some()) {
        return None;
    }
    let home = PathBuf::from(env("HOME")?);
    if !home.is_absolute() {
        return None;
    }
    let xdg = match env("XDG_CONFIG_HOME") {
        Some(x) if !x.is_empty() => PathBuf::from(x),
        _ => home.join(".config"),
    };
    if !xdg.is_absolute() {
        return None;
    }
    for system in SYSTEM_FILES {
        read_config(Path::new(system))?;
    }
    let mut name = Said::Nothing;
    for file in [xdg.join("git").join("config"), home.join(".gitconfig")] {
        if let Some(entries) = read_config(&file)? {
            name = name.then(user_name_of(&entries));
        }
    }
    if let Some(git_dir) = discover(cwd)? {
        let entries = read_config(&git_dir.join("config"))?.unwrap_or_default();
        if !repository_config_is_plain(&entries) || exists(&git_dir.join("config.worktree"))? {
            return None;
        }
        name = name.then(user_name_of(&entries));
    }
    match name {
        Said::Value(v) if !v.is_empty() => Some(Answer::Name(String::from_utf8(v).ok()?)),
        _ => None,
    }
}

/// The last word on `user.name` so far.
#[derive(Debug, PartialEq)]
enum Said {
    Nothing,
    /// `name` without `=`.
    Bare,
    Value(Vec<u8>),
}

impl Said {
    fn then(self, later: Said) -> Said {
        match later {
            Said::Nothing => self,
            later => later,
        }
    }
}

/// The last assignment of `user.name` in one file's entries.
fn user_name_of(entries: &[Entry]) -> Said {
    entries
        .iter()
        .rev()
        .find(|e| e.section == b"user" && e.subsection.is_none() && e.key == b"name")
        .map_or(Said::Nothing, |e| match &e.value {
            Some(v) => Said::Value(v.clone()),
            None => Said::Bare,
        })
}

/// A repository config git certainly reads as it is: no extensions
/// (some make git read more files, unknown ones make it ignore the
/// repository) and format version 0 or 1.
fn repository_config_is_plain(entries: &[Entry]) -> bool {
    let extensions = entries.iter().any(|e| e.section == b"extensions");
    let version = entries
        .iter()
        .rev()
        .find(|e| {
            e.section == b"core" && e.subsection.is_none() && e.key == b"repositoryformatversion"
        })
        .map(|e| e.value.as_deref());
    let version_ok = match version {
        None => true,
        Some(Some(v)) => v == b"0" || v == b"1",
        Some(None) => false,
    };
    !extensions && version_ok
}

/// Whether `path` exists (without following a final symbolic link);
/// `None` when that cannot be told.
fn exists(path: &Path) -> Option<bool> {
    match std::fs::symlink_metadata(path) {
        Ok(_) => Some(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Some(false),
        Err(_) => None,
    }
}

/// The `.git` folder of the repository git finds from `cwd`, walking up
/// as git does; `Some(None)` when git finds none; `None` when unsure.
/// Git stops where the file system changes (GIT_DISCOVERY_ACROSS_FILESYSTEM
/// unset, which was checked); past such a mount point the walk goes on
/// here, and anything that may be a repository there makes it unsure, so
/// the answer does not depend on that rule.
fn discover(cwd: &Path) -> Option<Option<PathBuf>> {
    use std::os::unix::fs::MetadataExt;
    if !cwd.is_absolute() {
        return None;
    }
    let device = std::fs::metadata(cwd).ok()?.dev();
    let mut crossed = false;
    let mut dir = cwd;
    loop {
        let dot_git = dir.join(".git");
        match std::fs::symlink_metadata(&dot_git) {
            Ok(meta) if meta.is_dir() && !crossed => {
                return plain_repository(dir, &dot_git).then_some(Some(dot_git));
            }
            // A file (worktree, submodule), a link, anything else; any
            // `.git` past a mount point.
            Ok(_) => return None,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(_) => return None,
        }
        // Perhaps a bare repository (git checks HEAD, objects/, refs/).
        if exists(&dir.join("HEAD"))? {
            return None;
        }
        let Some(parent) = dir.parent() else {
            return Some(None);
        };
        crossed |= std::fs::metadata(parent).ok()?.dev() != device;
        dir = parent;
    }
}

/// Whether `dot_git` is a repository git certainly takes as found in
/// `work_tree`, and reads the config of: HEAD names a ref or a commit,
/// objects/ and refs/ are folders, no `commondir` (a linked worktree's
/// folder), and it and the work tree are owned by this process's user
/// (otherwise git's safe.directory rules apply).
fn plain_repository(work_tree: &Path, dot_git: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    let head = match std::fs::symlink_metadata(dot_git.join("HEAD")) {
        Ok(meta) if meta.is_file() => std::fs::read(dot_git.join("HEAD")).ok(),
        _ => None,
    };
    let head_ok = head.is_some_and(|h| {
        h.starts_with(b"ref: refs/") || (h.len() >= 40 && h[..40].iter().all(u8::is_ascii_hexdigit))
    });
    let is_dir = |p: &str| std::fs::metadata(dot_git.join(p)).is_ok_and(|m| m.is_dir());
    let Some(user) = effective_uid() else {
        return false;
    };
    let owned = |p: &Path| std::fs::symlink_metadata(p).is_ok_and(|m| m.uid() == user);
    head_ok
        && is_dir("objects")
        && is_dir("refs")
        && exists(&dot_git.join("commondir")) == Some(false)
        && owned(work_tree)
        && owned(dot_git)
}

/// This process's effective user, from `/proc/self/status` (Linux; the
/// owner of `/proc/self` would be root for a process that is not
/// dumpable).
fn effective_uid() -> Option<u32> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let ids = status.lines().find_map(|l| l.strip_prefix("Uid:"))?;
    ids.split_whitespace().nth(1)?.parse().ok()
}

/// One assignment in a config file. Section and key are lower-cased;
/// `value` is `None` for a key without `=`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    section: Vec<u8>,
    subsection: Option<Vec<u8>>,
    key: Vec<u8>,
    value: Option<Vec<u8>>,
}

/// The entries of the config file at `path`: `Some(None)` when there is
/// no such file, `None` when unsure (unreadable, or not understood).
fn read_config(path: &Path) -> Option<Option<Vec<Entry>>> {
    match std::fs::read(path) {
        Ok(text) => parse(&text).map(Some),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Some(None),
        Err(_) => None,
    }
}

/// The entries of config text, as git's parser reads them; `None` for
/// anything not fully understood (see the module's notes).
fn parse(text: &[u8]) -> Option<Vec<Entry>> {
    if text.starts_with(b"\xef\xbb\xbf") {
        return None;
    }
    // Git reads CR LF as LF, and the end of the text as a last LF.
    let mut b = Vec::with_capacity(text.len() + 1);
    let mut i = 0;
    while i < text.len() {
        match text[i] {
            b'\r' if text.get(i + 1) == Some(&b'\n') => {}
            b'\r' => return None,
            c if c.is_ascii_control() && c != b'\n' && c != b'\t' => return None,
            c => b.push(c),
        }
        i += 1;
    }
    b.push(b'\n');
    let mut p = Parser { b: &b, at: 0 };
    let mut entries = Vec::new();
    let mut section: Option<(Vec<u8>, Option<Vec<u8>>)> = None;
    while let Some(c) = p.next() {
        match c {
            b'\n' | b' ' | b'\t' => {}
            b'#' | b';' => p.skip_line(),
            b'[' => section = Some(p.header()?),
            c if c.is_ascii_alphabetic() => {
                let (s, sub) = section.as_ref()?;
                let (key, value) = p.assignment(c)?;
                entries.push(Entry {
                    section: s.clone(),
                    subsection: sub.clone(),
                    key,
                    value,
                });
            }
            _ => return None,
        }
    }
    Some(entries)
}

struct Parser<'a> {
    b: &'a [u8],
    at: usize,
}

impl Parser<'_> {
    fn next(&mut self) -> Option<u8> {
        let c = *self.b.get(self.at)?;
        self.at += 1;
        Some(c)
    }

    /// Past the end of a comment (its newline is left to read).
    fn skip_line(&mut self) {
        while self.b.get(self.at).is_some_and(|&c| c != b'\n') {
            self.at += 1;
        }
    }

    /// A section header after its `[`: the lower-cased section and the
    /// subsection, if any. Includes and `[a.b]` headers are unsure.
    fn header(&mut self) -> Option<(Vec<u8>, Option<Vec<u8>>)> {
        let mut name = Vec::new();
        let subsection = loop {
            match self.next()? {
                b']' => break None,
                b' ' | b'\t' => break Some(self.subsection()?),
                c if c.is_ascii_alphanumeric() || c == b'-' => name.push(c.to_ascii_lowercase()),
                // `.` (the deprecated `[section.sub]`), a newline, anything else.
                _ => return None,
            }
        };
        if name.is_empty() || name == b"include" || name == b"includeif" {
            return None;
        }
        Some((name, subsection))
    }

    /// `"sub"]` after a header's blanks.
    fn subsection(&mut self) -> Option<Vec<u8>> {
        let mut c = self.next()?;
        while c == b' ' || c == b'\t' {
            c = self.next()?;
        }
        if c != b'"' {
            return None;
        }
        let mut sub = Vec::new();
        loop {
            match self.next()? {
                b'"' => break,
                b'\n' => return None,
                b'\\' => match self.next()? {
                    b'\n' => return None,
                    c => sub.push(c),
                },
                c => sub.push(c),
            }
        }
        (self.next()? == b']' && !sub.is_empty()).then_some(sub)
    }

    /// A key (its first letter `first` already read) and its value.
    fn assignment(&mut self, first: u8) -> Option<(Vec<u8>, Option<Vec<u8>>)> {
        let mut key = vec![first.to_ascii_lowercase()];
        let mut c = self.next()?;
        while c.is_ascii_alphanumeric() || c == b'-' {
            key.push(c.to_ascii_lowercase());
            c = self.next()?;
        }
        while c == b' ' || c == b'\t' {
            c = self.next()?;
        }
        match c {
            b'\n' => Some((key, None)),
            b'=' => Some((key, Some(self.value()?))),
            _ => None,
        }
    }

    /// A value after its `=`, up to and with its newline: blanks around
    /// it dropped, comments outside quotes dropped, quotes and escapes
    /// resolved.
    fn value(&mut self) -> Option<Vec<u8>> {
        let mut value = Vec::new();
        let mut quote = false;
        let mut comment = false;
        // Blanks seen since the last character kept, outside quotes.
        let mut blanks: Vec<u8> = Vec::new();
        loop {
            let c = self.next()?;
            if c == b'\n' {
                return (!quote).then_some(value);
            }
            if comment {
                continue;
            }
            if (c == b' ' || c == b'\t') && !quote {
                if !value.is_empty() {
                    blanks.push(c);
                }
                continue;
            }
            if !quote && (c == b'#' || c == b';') {
                comment = true;
                continue;
            }
            // Git 2.39 writes each inner blank as a space; later versions
            // keep it as it is: the same only for spaces.
            if blanks.contains(&b'\t') {
                return None;
            }
            value.append(&mut blanks);
            match c {
                b'\\' => value.push(match self.next()? {
                    b't' => b'\t',
                    b'b' => 0x08,
                    b'n' => b'\n',
                    c @ (b'\\' | b'"') => c,
                    // A line continuation, an unknown escape.
                    _ => return None,
                }),
                b'"' => quote = !quote,
                c => value.push(c),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Section, subsection, key, value.
    type Read = (String, Option<String>, String, Option<String>);

    fn entries(text: &str) -> Option<Vec<Read>> {
        let s = |b: &[u8]| String::from_utf8(b.to_vec()).unwrap();
        parse(text.as_bytes()).map(|es| {
            es.into_iter()
                .map(|e| {
                    (
                        s(&e.section),
                        e.subsection.as_deref().map(s),
                        s(&e.key),
                        e.value.as_deref().map(s),
                    )
                })
                .collect()
        })
    }

    fn one_value(text: &str) -> Option<String> {
        let es = entries(text)?;
        assert_eq!(es.len(), 1, "{text:?}");
        es[0].3.clone()
    }

    #[test]
    fn the_parser_reads_sections_keys_and_subsections_as_git_does() {
        let es =
            entries("[User]\n\tName = Ada\n[user \"Sub\\\"x\"]\nname=B\n[core] bare = false ; c\n")
                .unwrap();
        assert_eq!(
            es,
            vec![
                ("user".into(), None, "name".into(), Some("Ada".into())),
                (
                    "user".into(),
                    Some("Sub\"x".into()),
                    "name".into(),
                    Some("B".into())
                ),
                ("core".into(), None, "bare".into(), Some("false".into())),
            ]
        );
        // A key without `=`.
        assert_eq!(entries("[user]\n  name  \n").unwrap()[0].3, None);
        // Comments, blank lines, CR LF.
        let es = entries("# top\r\n; more\r\n\r\n[user]\r\n\tname = Crlf\r\n").unwrap();
        assert_eq!(es[0].3.as_deref(), Some("Crlf"));
        // No final newline.
        assert_eq!(one_value("[user]\nname = End").as_deref(), Some("End"));
    }

    #[test]
    fn the_parser_resolves_values_as_git_does() {
        let v = |line: &str| one_value(&format!("[user]\nname ={line}\n"));
        assert_eq!(
            v("   Ada   Byron  King   ").as_deref(),
            Some("Ada   Byron  King")
        );
        assert_eq!(v(" \"  Ada  \" ").as_deref(), Some("  Ada  "));
        assert_eq!(v(" \"A # B ; C\" # c").as_deref(), Some("A # B ; C"));
        assert_eq!(v(" A # B").as_deref(), Some("A"));
        assert_eq!(v(" A;B").as_deref(), Some("A"));
        assert_eq!(v(" \"A\"B\"C\"").as_deref(), Some("ABC"));
        assert_eq!(v(" a \"b\"").as_deref(), Some("a b"));
        assert_eq!(v(r#" "q \"x\" \\ y""#).as_deref(), Some(r#"q "x" \ y"#));
        assert_eq!(v(r" A\tB\nC\bD").as_deref(), Some("A\tB\nC\x08D"));
        assert_eq!(v("").as_deref(), Some(""));
        assert_eq!(v(" \"\"").as_deref(), Some(""));
        assert_eq!(v(" \"\tTab\" ").as_deref(), Some("\tTab"));
        assert_eq!(
            v("\tLeading tab, trailing tab\t").as_deref(),
            Some("Leading tab, trailing tab")
        );
        assert_eq!(v(" Zoë 名前").as_deref(), Some("Zoë 名前"));
    }

    #[test]
    fn the_parser_is_unsure_of_anything_it_does_not_fully_understand() {
        for text in [
            "[user]\nname = A \\\n B\n",
            "[user]\nname = A\\x\n",
            "[user]\nname = \"A\n",
            "[user]\nname = A\tB\n",
            "[user]\nname = A\rB\n",
            "[user]\nname = A\x0bB\n",
            "[user]\nname = A\0\n",
            "\u{feff}[user]\nname = A\n",
            "[user.name]\nx = A\n",
            "[user \"\"]\nname = A\n",
            "[user sub]\nname = A\n",
            "[user \"sub\" ]\nname = A\n",
            "[ user ]\nname = A\n",
            "[user\nname = A\n",
            "[]\nname = A\n",
            "[include]\npath = x\n",
            "[Include]\npath = x\n",
            "[includeIf \"gitdir:/x/\"]\npath = x\n",
            "name = A\n[user]\nname = B\n",
            "[user]\nna_me = A\n",
            "[user]\nname: A\n",
            "[user]\n1name = A\n",
            "[user]\nname # c\n",
        ] {
            assert_eq!(entries(text), None, "{text:?}");
        }
    }

    #[test]
    fn the_effective_user_is_the_owner_of_a_new_file() {
        use std::os::unix::fs::MetadataExt;
        let file = std::env::temp_dir().join(format!("greenlight-euid-{}", std::process::id()));
        std::fs::write(&file, b"").unwrap();
        let owner = std::fs::metadata(&file).unwrap().uid();
        std::fs::remove_file(&file).unwrap();
        assert_eq!(effective_uid(), Some(owner));
    }

    // ---- Differential test against the real git ----

    /// How the repository of a case is laid out.
    #[derive(Clone, Copy, PartialEq)]
    enum Layout {
        /// No repository: the current folder is a plain folder.
        NoRepo,
        /// `git init`; the current folder is a subfolder of the work tree.
        Repo,
        /// `.git` is a file naming the repository's folder (a submodule).
        Gitfile,
        /// The current folder is inside a bare repository.
        Bare,
        /// The current folder is inside the repository's `.git`.
        InsideDotGit,
        /// `git init`, with a `config.worktree` and `extensions.worktreeConfig`.
        WorktreeConfig,
        /// `git init`, then the repository handed to another user.
        OtherOwner,
    }

    struct Case {
        what: &'static str,
        /// `$XDG_CONFIG_HOME/git/config` (XDG_CONFIG_HOME set).
        xdg: Option<&'static [u8]>,
        /// `~/.config/git/config` (XDG_CONFIG_HOME unset, or empty with
        /// `xdg_empty`).
        dot_config: Option<&'static [u8]>,
        xdg_empty: bool,
        home: Option<&'static [u8]>,
        layout: Layout,
        /// Appended to the repository's config.
        local: Option<&'static [u8]>,
        /// The reader must be certain here (the common cases).
        certain: bool,
    }

    const fn case(what: &'static str) -> Case {
        Case {
            what,
            xdg: None,
            dot_config: None,
            xdg_empty: false,
            home: None,
            layout: Layout::NoRepo,
            local: None,
            certain: false,
        }
    }

    fn cases() -> Vec<Case> {
        let home = |what, text: &'static str, certain| Case {
            home: Some(text.as_bytes()),
            certain,
            ..case(what)
        };
        let local = |what, text: &'static str, certain| Case {
            home: Some(b"[user]\n\tname = Global Name\n"),
            layout: Layout::Repo,
            local: Some(text.as_bytes()),
            certain,
            ..case(what)
        };
        let global_and = |what, layout| Case {
            home: Some(b"[user]\n\tname = Global Name\n"),
            layout,
            local: Some(b"[user]\n\tname = Local Name\n"),
            ..case(what)
        };
        vec![
            home(
                "global name only",
                "[user]\n\tname = Ada Lovelace\n\temail = a@example.org\n",
                true,
            ),
            home(
                "global, git's own layout",
                "[user]\n\temail = a@example.org\n\tname = Grace Hopper\n[core]\n\teditor = vi\n",
                true,
            ),
            Case {
                xdg: Some(b"[user]\n\tname = Xdg Name\n"),
                certain: true,
                ..case("xdg only")
            },
            Case {
                dot_config: Some(b"[user]\n\tname = Dot Config\n"),
                certain: true,
                ..case("~/.config/git/config, XDG unset")
            },
            Case {
                dot_config: Some(b"[user]\n\tname = Dot Config\n"),
                xdg_empty: true,
                certain: true,
                ..case("~/.config/git/config, XDG_CONFIG_HOME empty")
            },
            Case {
                xdg: Some(b"[user]\n\tname = Xdg Name\n"),
                home: Some(b"[user]\n\tname = Home Name\n"),
                certain: true,
                ..case("~/.gitconfig after xdg")
            },
            Case {
                xdg: Some(b"[user]\n\tname = Xdg Name\n"),
                home: Some(b"[core]\n\teditor = vi\n"),
                certain: true,
                ..case("xdg name, ~/.gitconfig without")
            },
            local(
                "local overrides global",
                "[user]\n\tname = Local Name\n",
                true,
            ),
            Case {
                layout: Layout::Repo,
                local: Some(b"[user]\n\tname = Only Local\n"),
                certain: true,
                ..case("local only")
            },
            Case {
                home: Some(b"[user]\n\tname = Global Name\n"),
                layout: Layout::Repo,
                certain: true,
                ..case("repository without a name: global")
            },
            case("no name anywhere"),
            Case {
                layout: Layout::Repo,
                ..case("repository, no name anywhere")
            },
            home("section and key case", "[User]\n\tNAME = Case Name\n", true),
            home(
                "subsection is not user.name",
                "[user \"work\"]\n\tname = Sub Name\n",
                false,
            ),
            home(
                "subsection after the name",
                "[user]\n\tname = Plain\n[user \"x\"]\n\tname = Sub\n",
                true,
            ),
            home(
                "deprecated dotted header",
                "[user.name]\n\tx = Dotted\n[user]\nname = A\n",
                false,
            ),
            home(
                "last assignment wins",
                "[user]\n\tname = First\n\tname = Second\n[user]\n\tname = Third\n",
                true,
            ),
            home(
                "comments",
                "# top\n; semi\n[user] ; after header\n  name = Ada # trailing\n# name = Not\n",
                true,
            ),
            home("quoted with blanks", "[user]\n\tname = \"  Ada  \"\n", true),
            home(
                "quoted comment characters",
                "[user]\n\tname = \"A # B ; C\" ; c\n",
                true,
            ),
            home(
                "escaped quote and backslash",
                "[user]\n\tname = \"Q \\\"x\\\" \\\\ y\"\n",
                true,
            ),
            home(
                "tab and newline escapes",
                "[user]\n\tname = A\\tB\\nC\n",
                true,
            ),
            home("backspace escape", "[user]\n\tname = A\\bB\n", true),
            home("unknown escape", "[user]\n\tname = A\\xB\n", false),
            home(
                "line continuation",
                "[user]\n\tname = Ada \\\n Lovelace\n",
                false,
            ),
            home("unterminated quote", "[user]\n\tname = \"Ada\n", false),
            home("empty value", "[user]\n\tname =\n", false),
            home("empty quoted value", "[user]\n\tname = \"\"\n", false),
            home("name without =", "[user]\n\tname\n", false),
            home(
                "inner spaces kept, outer dropped",
                "[user]\n\tname =   Ada   Byron  King   \n",
                true,
            ),
            home(
                "raw tab inside the value",
                "[user]\n\tname = Ada\tByron\n",
                false,
            ),
            home("unicode", "[user]\n\tname = Zoë Ñandú 名前 ☃\n", true),
            home("CR LF", "[user]\r\n\tname = Crlf Name\r\n", true),
            home("lone CR", "[user]\n\tname = A\rB\n", false),
            home(
                "header and key on one line",
                "[user] name = Same Line\n",
                true,
            ),
            home(
                "key before any section",
                "name = X\n[user]\n\tname = Y\n",
                false,
            ),
            home("no final newline", "[user]\n\tname = End", true),
            home(
                "quoted at the end, no final newline",
                "[user]\n\tname = \"Q End\"",
                true,
            ),
            home("byte order mark", "\u{feff}[user]\n\tname = Bom\n", false),
            home("bad key", "[user]\n\tna_me = X\n\tname = Y\n", false),
            home("bad header", "[ user ]\n\tname = X\n", false),
            home(
                "empty subsection",
                "[user \"\"]\n\tname = X\n[user]\n\tname = Y\n",
                false,
            ),
            home("quotes glued", "[user]\n\tname = \"A\"B\"C\"\n", true),
            home(
                "user.name among other sections",
                "[user]\n\tname = A\n[core]\n\tname = B\n",
                true,
            ),
            home(
                "hyphenated key",
                "[user]\n\tuser-name = X\n\tname = Y\n",
                true,
            ),
            home(
                "include",
                "[include]\n\tpath = ~/.other\n[user]\n\tname = A\n",
                false,
            ),
            home(
                "includeIf",
                "[includeIf \"gitdir:/\"]\n\tpath = ~/.other\n[user]\n\tname = A\n",
                false,
            ),
            local(
                "local overrides, then global's comment",
                "; c\n[user]\n\tname = \"Local Quoted\"\n",
                true,
            ),
            local("local empty value over global", "[user]\n\tname =\n", false),
            local("local name without =", "[user]\n\tname\n", false),
            local("local include", "[include]\n\tpath = other\n", false),
            local(
                "format version 1 with an unknown extension",
                "[core]\n\trepositoryformatversion = 1\n[extensions]\n\tnosuch = x\n[user]\n\tname = Local Name\n",
                false,
            ),
            local(
                "format version 2",
                "[core]\n\trepositoryformatversion = 2\n[user]\n\tname = Local Name\n",
                false,
            ),
            local(
                "format version 1, no extensions",
                "[core]\n\trepositoryformatversion = 1\n[user]\n\tname = Local V1\n",
                true,
            ),
            global_and("gitfile (submodule, worktree)", Layout::Gitfile),
            global_and("inside a bare repository", Layout::Bare),
            global_and("inside .git", Layout::InsideDotGit),
            global_and("config.worktree", Layout::WorktreeConfig),
            global_and("repository owned by another user", Layout::OtherOwner),
        ]
    }

    /// The git programs to compare with: `git` on PATH and, if it is
    /// another one, the distribution's.
    fn gits() -> Vec<PathBuf> {
        let mut gits = vec![PathBuf::from("git")];
        let on_path = std::process::Command::new("git").arg("--version").output();
        let distro = std::process::Command::new("/usr/bin/git")
            .arg("--version")
            .output();
        if let (Ok(a), Ok(b)) = (on_path, distro)
            && a.stdout != b.stdout
        {
            gits.push(PathBuf::from("/usr/bin/git"));
        }
        gits
    }

    fn write(path: &Path, text: &[u8]) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    /// Runs `git` in `cwd` with only `vars` of git's own variables.
    fn git_in(
        git: &Path,
        cwd: &Path,
        vars: &[(&str, &Path)],
        args: &[&str],
    ) -> std::process::Output {
        let mut command = std::process::Command::new(git);
        command.args(args).current_dir(cwd);
        for k in UNSURE_IF_SET
            .iter()
            .chain(&["HOME", "XDG_CONFIG_HOME", "GIT_CONFIG_KEY_0"])
        {
            command.env_remove(k);
        }
        for (k, v) in vars {
            command.env(k, v);
        }
        command.output().expect("git runs")
    }

    /// Lays a case out under `base`: the environment and the current folder.
    fn lay_out(base: &Path, case: &Case) -> (Vec<(&'static str, PathBuf)>, PathBuf) {
        let home = base.join("home");
        std::fs::create_dir_all(&home).unwrap();
        let mut vars = vec![("HOME", home.clone())];
        let work = base.join("work");
        std::fs::create_dir_all(&work).unwrap();
        let init = |args: &[&str], dir: &Path| {
            let out = git_in(Path::new("git"), dir, &[("HOME", &home)], args);
            assert!(out.status.success(), "{args:?}: {out:?}");
        };
        let repo = work.join("repo");
        let cwd = match case.layout {
            Layout::NoRepo => work.join("plain").join("sub"),
            Layout::Repo | Layout::WorktreeConfig | Layout::OtherOwner => {
                std::fs::create_dir_all(&repo).unwrap();
                init(&["init", "-q"], &repo);
                repo.join("sub")
            }
            Layout::Gitfile => {
                let real = work.join("real.git");
                std::fs::create_dir_all(&real).unwrap();
                init(&["init", "-q", "--bare"], &real);
                write(
                    &repo.join(".git"),
                    format!("gitdir: {}\n", real.display()).as_bytes(),
                );
                repo.join("sub")
            }
            Layout::Bare => {
                std::fs::create_dir_all(&repo).unwrap();
                init(&["init", "-q", "--bare"], &repo);
                repo.join("sub")
            }
            Layout::InsideDotGit => {
                std::fs::create_dir_all(&repo).unwrap();
                init(&["init", "-q"], &repo);
                repo.join(".git").join("objects")
            }
        };
        std::fs::create_dir_all(&cwd).unwrap();
        let git_dir = match case.layout {
            Layout::Gitfile => work.join("real.git"),
            Layout::Bare => repo.clone(),
            _ => repo.join(".git"),
        };
        if let Some(text) = case.local {
            let config = git_dir.join("config");
            let mut all = std::fs::read(&config).unwrap();
            all.extend_from_slice(text);
            std::fs::write(&config, all).unwrap();
        }
        if case.layout == Layout::WorktreeConfig {
            init(&["config", "extensions.worktreeConfig", "true"], &repo);
            write(
                &git_dir.join("config.worktree"),
                b"[user]\n\tname = Worktree Name\n",
            );
        }
        if let Some(text) = case.xdg {
            let xdg = base.join("xdg");
            write(&xdg.join("git").join("config"), text);
            vars.push(("XDG_CONFIG_HOME", xdg));
        }
        if case.xdg_empty {
            vars.push(("XDG_CONFIG_HOME", PathBuf::new()));
        }
        if let Some(text) = case.dot_config {
            write(&home.join(".config").join("git").join("config"), text);
        }
        if let Some(text) = case.home {
            write(&home.join(".gitconfig"), text);
        }
        if case.layout == Layout::OtherOwner {
            let out = std::process::Command::new("chown")
                .args(["-R", "65534:65534"])
                .arg(&repo)
                .output()
                .expect("chown runs");
            assert!(
                out.status.success(),
                "chown (the test runs as root): {out:?}"
            );
        }
        (vars, cwd)
    }

    #[test]
    fn the_native_answer_is_always_gits_answer() {
        let root =
            std::env::temp_dir().join(format!("greenlight-git-identity-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).unwrap();
        let root = root.canonicalize().unwrap();
        let gits = gits();
        let i_am_root = effective_uid() == Some(0);
        let (mut certain, mut total) = (0, 0);
        let mut failures = Vec::new();
        for (n, case) in cases().iter().enumerate() {
            if case.layout == Layout::OtherOwner && !i_am_root {
                continue;
            }
            total += 1;
            let base = root.join(n.to_string());
            let (vars, cwd) = lay_out(&base, case);
            let env = |k: &str| {
                vars.iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.clone().into_os_string())
            };
            let native = user_name_in(&cwd, &env);
            let var_refs: Vec<(&str, &Path)> =
                vars.iter().map(|(k, v)| (*k, v.as_path())).collect();
            for git in &gits {
                let out = git_in(git, &cwd, &var_refs, &["config", "--get", "user.name"]);
                let said = out.status.success().then(|| out.stdout.clone());
                if let Answer::Name(name) = &native {
                    let expected = format!("{name}\n").into_bytes();
                    if said.as_ref() != Some(&expected) {
                        failures.push(format!(
                            "{}: native {name:?}, {} says {:?}",
                            case.what,
                            git.display(),
                            said.as_ref()
                                .map(|s| String::from_utf8_lossy(s).into_owned())
                        ));
                    }
                }
                if case.layout == Layout::OtherOwner {
                    // What git does with a repository of another user: it
                    // ignores it (its config too) and reads the global files.
                    assert_eq!(
                        said.as_deref(),
                        Some(&b"Global Name\n"[..]),
                        "{}: {out:?}",
                        git.display()
                    );
                }
            }
            if case.certain && native == Answer::Unsure {
                failures.push(format!("{}: unsure, but should be certain", case.what));
            }
            if !case.certain && native != Answer::Unsure {
                failures.push(format!(
                    "{}: certain ({native:?}), but should be unsure",
                    case.what
                ));
            }
            if native != Answer::Unsure {
                certain += 1;
            }
        }
        let _ = std::fs::remove_dir_all(&root);
        assert!(failures.is_empty(), "{}", failures.join("\n"));
        assert!(total >= 30 && certain >= 20, "{certain} certain of {total}");
    }
}
