//! Whether a block's commands can each run on their own: no command
//! changes the shell state (directory, variables, options, functions,
//! selected cluster or account) that a later one uses. When they can, one
//! mutating command no longer keeps the reads beside it from running.
//!
//! Conservative: anything not understood keeps the block one script.

use super::{BlockAnalysis, Command, classify, script, variable_refs};
use crate::check::Expectation;
use crate::profile::Class;
use std::collections::HashMap;

/// Why the block's commands must run together as one script, or `None`
/// when each can be its own step.
pub fn why_one_script(analysis: &BlockAnalysis) -> Option<String> {
    let cmds = &analysis.commands;
    // The whole block judged above every line of it: its structure (a
    // `case`, a group spanning lines) matters.
    let line_max = cmds.iter().map(|c| c.class).max().unwrap_or(Class::Read);
    if analysis.class > line_max {
        return Some("the block is judged as a whole".into());
    }
    // Variable → index of the command that sets it.
    let mut set_by: HashMap<String, usize> = HashMap::new();
    for (k, c) in cmds.iter().enumerate() {
        let later = &cmds[k + 1..];
        let has_later = !later.is_empty();
        if has_heredoc(&c.text) {
            return Some(format!("line {} has a here-document", c.line_offset + 1));
        }
        if c.text.contains('\n') {
            return Some(format!("line {} spans several lines", c.line_offset + 1));
        }
        if k > 0
            && ["$?", "$!", "$_", "${?}", "${!}"]
                .iter()
                .any(|v| c.text.contains(v))
        {
            return Some(format!(
                "line {} reads the result of the command before it",
                c.line_offset + 1
            ));
        }
        let trimmed = c.text.trim_end();
        if has_later && trimmed.ends_with('&') && !trimmed.ends_with("&&") {
            return Some(format!(
                "line {} starts a background process the commands after it may use",
                c.line_offset + 1
            ));
        }
        if unbalanced(&c.text) {
            return Some(format!(
                "line {} opens a group that spans lines",
                c.line_offset + 1
            ));
        }
        if c.text.contains("()") && (c.text.contains('{') || c.text.contains('(')) {
            return Some(format!("line {} defines a function", c.line_offset + 1));
        }
        for part in script::simple_commands(&c.text) {
            let Some(words) = script::words(&part) else {
                return Some(format!("line {} is not understood", c.line_offset + 1));
            };
            let stripped = classify::strip_wrappers(&words);
            let Some(first) = stripped.first() else {
                continue;
            };
            let name = classify::program_name(first);
            if is_control_flow(&name) {
                return Some(format!("line {} is shell control flow", c.line_offset + 1));
            }
            // Time is part of the script, wherever the wait stands.
            if matches!(name.as_str(), "sleep" | "wait" | "watch") {
                return Some(format!(
                    "`{}` on line {} waits as part of the script",
                    super::judge::short(&part),
                    c.line_offset + 1
                ));
            }
            // What an inert line prints is part of the output an
            // expectation reads.
            if c.inert && prints(&name) && expects_output(analysis) {
                return Some(format!(
                    "`{}` on line {} prints part of the output the expectation reads",
                    super::judge::short(&part),
                    c.line_offset + 1
                ));
            }
            if has_later && let Some(what) = changes_shell_state(&name, &stripped[1..]) {
                return Some(format!(
                    "`{}` on line {} {what}",
                    super::judge::short(&part),
                    c.line_offset + 1
                ));
            }
            // A file written, made executable or moved for what follows.
            if has_later && c.class > Class::Read && writes_files(&name, c) {
                return Some(format!(
                    "`{}` on line {} changes files the commands after it may use",
                    super::judge::short(&part),
                    c.line_offset + 1
                ));
            }
            // A state change followed by the same program (`docker compose
            // up` then `docker compose ps`): the later one reads its effect.
            if c.class > Class::Read && later.iter().any(|l| !l.inert && l.programs.contains(&name))
            {
                return Some(format!(
                    "`{}` on line {} changes what the later `{name}` commands read",
                    super::judge::short(&part),
                    c.line_offset + 1
                ));
            }
        }
        // Variables set earlier in the block and used here.
        for name in variable_refs(&c.text) {
            let Some(&by) = set_by.get(&name) else {
                continue;
            };
            if !value_travels(&cmds[by], c, &name) {
                return Some(format!(
                    "`{name}` is set on line {} and used on line {}",
                    cmds[by].line_offset + 1,
                    c.line_offset + 1
                ));
            }
        }
        for name in &c.defines {
            set_by.insert(name.clone(), k);
        }
    }
    None
}

/// Whether a value set by `by` reaches `user` when each is its own step:
/// a capture greenlight makes itself, or a plain assignment that a native
/// check has filled in at planning time.
fn value_travels(by: &Command, user: &Command, name: &str) -> bool {
    if by.capture.as_ref().is_some_and(|cap| cap.var == name) {
        return true;
    }
    by.inert && user.native.is_some() && !by.text.contains("$(") && !by.text.contains('`')
}

/// Whether a command changes local files: a redirection into a file, or a
/// program that writes, moves or changes files.
fn writes_files(name: &str, c: &Command) -> bool {
    matches!(
        name,
        "chmod"
            | "chown"
            | "chgrp"
            | "mkdir"
            | "touch"
            | "cp"
            | "mv"
            | "ln"
            | "rm"
            | "tar"
            | "unzip"
            | "gunzip"
            | "wget"
            | "tee"
            | "install"
            | "rsync"
            | "scp"
            | "patch"
            | "sed"
            | "truncate"
            | "dd"
            | "openssl"
            | "ssh-keygen"
    ) || c.class_reason.as_deref().is_some_and(|r| {
        [
            "writes to a file",
            "writes a file",
            "writes files",
            "deletes files",
            "copies files",
        ]
        .iter()
        .any(|w| r.contains(w))
    })
}

/// Parentheses or braces left open outside quotes: a group, array or
/// function body that continues on the lines below.
fn unbalanced(text: &str) -> bool {
    let mut quote: Option<char> = None;
    let mut depth: i64 = 0;
    for ch in text.chars() {
        match quote {
            Some(q) if ch == q => quote = None,
            Some(_) => {}
            None => match ch {
                '\'' | '"' => quote = Some(ch),
                '(' | '{' => depth += 1,
                ')' | '}' => depth -= 1,
                _ => {}
            },
        }
    }
    depth != 0 || quote.is_some()
}

fn prints(name: &str) -> bool {
    matches!(name, "echo" | "printf" | "date" | "pwd" | "set")
}

/// Whether an expectation of the block reads a shell step's output.
fn expects_output(analysis: &BlockAnalysis) -> bool {
    let reads_output = |e: &Expectation| {
        !matches!(
            e,
            Expectation::Succeeds
                | Expectation::Status { .. }
                | Expectation::StatusClass { .. }
                | Expectation::StatusOk
        )
    };
    analysis.expect.iter().any(reads_output)
        || analysis
            .commands
            .iter()
            .filter(|c| c.native.is_none())
            .any(|c| c.expect.iter().any(reads_output))
}

/// `<<EOF` (not a `<<<` here-string).
fn has_heredoc(text: &str) -> bool {
    text.match_indices("<<")
        .any(|(i, _)| !text[i + 2..].starts_with('<') && (i == 0 || !text[..i].ends_with('<')))
}

/// A shell keyword that opens, continues or closes a compound command.
pub(crate) fn is_control_flow(name: &str) -> bool {
    matches!(
        name,
        "if" | "then"
            | "else"
            | "elif"
            | "fi"
            | "for"
            | "while"
            | "until"
            | "do"
            | "done"
            | "case"
            | "esac"
            | "select"
            | "function"
            | "{"
            | "}"
            | "("
            | ")"
            | "(("
            | "coproc"
    ) || name.starts_with('(')
}

/// What a command changes that later commands of the block would use: the
/// directory, the shell's options and names, the selected cluster, account
/// or context, installed tools, the checked-out tree, or time itself.
fn changes_shell_state(name: &str, args: &[String]) -> Option<&'static str> {
    let sub = |i: usize| args.iter().filter(|a| !a.starts_with('-')).nth(i);
    let sub0 = sub(0).map(String::as_str).unwrap_or("");
    let sub1 = sub(1).map(String::as_str).unwrap_or("");
    match name {
        "cd" | "pushd" | "popd" => Some("changes the directory of the commands after it"),
        "source" | "." | "set" | "shopt" | "alias" | "unalias" | "trap" | "eval" | "read"
        | "readarray" | "mapfile" | "declare" | "typeset" | "local" | "readonly" | "unset"
        | "umask" | "ulimit" | "enable" | "hash" | "exec" | "nvm" | "conda" | "workon"
        | "pyenv" | "rbenv" | "sdk" | "direnv" | "activate" | "deactivate" | "newgrp" | "su" => {
            Some("changes the shell the commands after it run in")
        }
        "kubectx" | "kubens" => Some("selects the cluster the commands after it use"),
        "kubectl" | "oc" if sub0 == "config" || sub0 == "project" || sub0 == "login" => {
            Some("selects the cluster the commands after it use")
        }
        "kubectl" | "oc" if sub0 == "port-forward" || sub0 == "proxy" => {
            Some("opens a tunnel the commands after it may use")
        }
        "ssh"
            if args
                .iter()
                .any(|a| a.starts_with("-L") || a.starts_with("-f")) =>
        {
            Some("opens a tunnel the commands after it may use")
        }
        "gcloud"
            if matches!(sub0, "config" | "auth") || (sub0 == "container" && sub1 == "clusters") =>
        {
            Some("selects the project or cluster the commands after it use")
        }
        "aws"
            if matches!(sub0, "configure" | "sso")
                || (sub0 == "eks" && sub1 == "update-kubeconfig") =>
        {
            Some("selects the account or cluster the commands after it use")
        }
        "az" if matches!(sub0, "login" | "account")
            || (sub0 == "aks" && sub1 == "get-credentials") =>
        {
            Some("selects the account or cluster the commands after it use")
        }
        "docker" | "podman" if matches!(sub0, "context" | "login") => {
            Some("selects the daemon or registry the commands after it use")
        }
        "helm" if sub0 == "repo" => Some("updates the charts the commands after it read"),
        "terraform" | "tofu" if matches!(sub0, "init" | "workspace") => {
            Some("prepares the state the commands after it read")
        }
        "git"
            if matches!(
                sub0,
                "checkout"
                    | "switch"
                    | "pull"
                    | "fetch"
                    | "merge"
                    | "rebase"
                    | "reset"
                    | "stash"
                    | "clone"
                    | "submodule"
                    | "worktree"
            ) =>
        {
            Some("changes the tree the commands after it read")
        }
        "npm" | "pnpm" | "yarn" | "pip" | "pip3" | "pipx" | "gem" | "bundle" | "cargo" | "go"
        | "apt" | "apt-get" | "yum" | "dnf" | "apk" | "brew" | "poetry" | "uv" | "composer"
            if matches!(
                sub0,
                "install" | "i" | "ci" | "add" | "get" | "sync" | "build"
            ) =>
        {
            Some("installs what the commands after it use")
        }
        "make" | "mvn" | "gradle" | "./gradlew" | "gradlew" => {
            Some("builds what the commands after it use")
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::analyze_block;

    fn why(code: &str) -> Option<String> {
        why_one_script(&analyze_block(code, Some("bash")))
    }

    #[test]
    fn independent_commands_split() {
        assert_eq!(
            why("gh workflow run deploy.yml\ncurl -sf $BASE/health\n"),
            None
        );
        assert_eq!(
            why(
                "# Critical commands\nkubectl get pods -n prod\nhelm rollback app 3 -n prod\nkubectl logs deploy/app -n prod --tail=50\n"
            ),
            None
        );
        // Inert echo lines and a plain assignment used by a native check.
        assert_eq!(
            why("echo checking\nexport BASE=https://x\ncurl -sf $BASE/health\n./smoke.sh\n"),
            None
        );
        // A capture greenlight makes itself.
        assert_eq!(
            why("ID=$(curl -s https://x/a | jq -r .id)\ncurl -s https://x/a/$ID\nmytool check\n"),
            None
        );
        // `cd` last changes nothing after it.
        assert_eq!(why("kubectl get pods\ncd /tmp/x && ls\n"), None);
    }

    #[test]
    fn shared_state_keeps_one_script() {
        for (code, word) in [
            ("cd /tmp/x\nls\n", "directory"),
            ("cd /tmp/x && ls\nmake test\n", "directory"),
            ("pushd /srv\n./check.sh\n", "directory"),
            ("export DIR=/srv\nls $DIR\n", "`DIR`"),
            ("X=$(date +%s)\necho $X > f\n", "`X`"),
            ("read -r NAME\necho $NAME\n", "shell"),
            ("source .env\n./check.sh\n", "shell"),
            ("set -e\n./a.sh\n./b.sh\n", "shell"),
            ("trap cleanup EXIT\n./a.sh\n", "shell"),
            ("cat <<EOF > f\nx\nEOF\ncat f\n", "here-document"),
            (
                "for s in a b; do\n  curl -f https://x/$s\ndone\n",
                "control flow",
            ),
            ("check() { curl -f $1; }\ncheck https://x\n", "function"),
            (
                "kubectl config use-context staging\nkubectl get pods\n",
                "cluster",
            ),
            (
                "kubectl port-forward svc/api 8080:80 &\ncurl -f localhost:8080/health\n",
                "background",
            ),
            (
                "docker compose up -d\ndocker compose ps\n",
                "later `docker`",
            ),
            ("git checkout main\ngit status\n", "tree"),
            ("npm install\nnpm test\n", "installs"),
            (
                "kubectl rollout restart deploy/x\nsleep 30\ncurl -f https://x/health\n",
                "waits",
            ),
            ("./deploy.sh\necho $?\n", "result"),
            ("chmod +x run.sh\n./run.sh\n", "files"),
            (
                "kubectl get all -o yaml > backup.yaml\ngh release list\n",
                "files",
            ),
            (
                "services=(\n  \"https://x/health\"\n)\ncurl -f https://x\n",
                "spans lines",
            ),
        ] {
            let got = why(code);
            assert!(
                got.as_deref().is_some_and(|w| w.contains(word)),
                "{code:?}: {got:?}"
            );
        }
    }
}
