//! Safety classes for any command, native or not: `read < mutating <
//! destructive`. Unknown commands are mutating; a pipeline, a command and
//! a block take the class of their most dangerous part; writing a file
//! (`> out.txt`) is at least mutating; text that names a destructive
//! operation (`rm -rf`, `DROP TABLE`) is never read, even inside quotes.

use serde::Serialize;

use super::script::{Command, Script, Stage, split_script};

/// How much a step can change the world.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SafetyClass {
    /// Looks, changes nothing: GET, SELECT, PING, `kubectl get`.
    Read,
    /// Changes something that can be changed back: POST, `kubectl apply`,
    /// `git push`, migrations, unknown commands.
    Mutating,
    /// Removes or overwrites data: `kubectl delete`, `DROP`, `pg_restore`,
    /// `rm -rf`.
    Destructive,
}

/// The class of one command, with why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Classification {
    /// The class.
    pub class: SafetyClass,
    /// Why, for people (`kubectl apply changes the cluster`). Read
    /// commands usually have none.
    pub reasons: Vec<String>,
    /// Whether it runs with `sudo` (stripped before classifying).
    pub sudo: bool,
}

impl Classification {
    fn new(class: SafetyClass, reason: impl Into<String>) -> Self {
        let reason = reason.into();
        Classification {
            class,
            reasons: if reason.is_empty() {
                Vec::new()
            } else {
                vec![reason]
            },
            sudo: false,
        }
    }

    fn read() -> Self {
        Classification::new(SafetyClass::Read, "")
    }

    fn mutating(reason: impl Into<String>) -> Self {
        Classification::new(SafetyClass::Mutating, reason)
    }

    fn destructive(reason: impl Into<String>) -> Self {
        Classification::new(SafetyClass::Destructive, reason)
    }

    /// Keeps the more dangerous class; gathers the reasons.
    fn merge(&mut self, other: Classification) {
        self.class = self.class.max(other.class);
        self.sudo |= other.sudo;
        for r in other.reasons {
            if !self.reasons.contains(&r) {
                self.reasons.push(r);
            }
        }
    }

    fn at_least(&mut self, class: SafetyClass, reason: impl Into<String>) {
        self.merge(Classification::new(class, reason));
    }
}

/// The class of a block: its most dangerous command.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BlockClass {
    /// The class.
    pub class: SafetyClass,
    /// The first command (or comment) of that class: its 1-based line in
    /// the block and its text. `None` for a block with no commands.
    pub decided_by: Option<(usize, String)>,
    /// Why, for every command above `read`: `line 3: kubectl apply changes
    /// the cluster`.
    pub reasons: Vec<String>,
}

/// Nesting limit for `bash -c "…"`, `$(…)`, `watch '…'` and friends.
const MAX_DEPTH: usize = 8;

/// Classifies a block of bash.
pub fn classify_block(text: &str) -> BlockClass {
    classify_script(&split_script(text), text)
}

/// Classifies an already split block (`text` is its source, for the
/// checks that look at all of it).
pub fn classify_script(script: &Script, text: &str) -> BlockClass {
    let mut class = SafetyClass::Read;
    let mut decided_by = None;
    let mut reasons = Vec::new();
    for cmd in &script.commands {
        let c = classify_command(cmd);
        if c.class > SafetyClass::Read {
            reasons.extend(c.reasons.iter().map(|r| format!("line {}: {r}", cmd.line)));
        }
        if decided_by.is_none() || c.class > class {
            class = class.max(c.class);
            decided_by = Some((cmd.line, cmd.text.clone()));
        }
    }
    // Whatever the parse made of it, a block whose text names `rm -rf` or
    // `DROP TABLE` anywhere (a comment, a broken quote) is never read.
    let lower = text.to_ascii_lowercase();
    for needle in ["rm -rf", "rm -fr", "drop table", "drop database"] {
        if class == SafetyClass::Read
            && let Some(at) = lower.find(needle)
        {
            class = SafetyClass::Mutating;
            let line = text[..at].matches('\n').count() + 1;
            let shown = text.lines().nth(line - 1).unwrap_or("").trim().to_string();
            decided_by = Some((line, shown));
            reasons.push(format!("line {line}: the text mentions `{needle}`"));
        }
    }
    if class == SafetyClass::Read
        && let Some(issue) = script.issues.first()
    {
        class = SafetyClass::Mutating;
        reasons.push(format!(
            "line {}: {} (the block cannot be read with confidence)",
            issue.line, issue.message
        ));
        if decided_by.is_none() {
            decided_by = Some((issue.line, issue.message.clone()));
        }
    }
    BlockClass {
        class,
        decided_by,
        reasons,
    }
}

/// Classifies a command: the most dangerous of its stages.
pub fn classify_command(cmd: &Command) -> Classification {
    let mut c = Classification::read();
    for s in &cmd.stages {
        c.merge(classify_stage_at(s, 0));
    }
    c
}

/// Classifies one stage: its words, what it runs inside `$(…)`, the files
/// it writes and the here-documents it feeds.
pub fn classify_stage(stage: &Stage) -> Classification {
    classify_stage_at(stage, 0)
}

fn classify_stage_at(stage: &Stage, depth: usize) -> Classification {
    let stdin = stage.heredocs().next().map(|h| h.body.as_str());
    let mut c = if stage.argv.is_empty() {
        Classification::read()
    } else {
        classify_words(&stage.argv, Input::new(stdin, stage.stdin_file()), depth)
    };
    for inner in &stage.substitutions {
        if depth >= MAX_DEPTH {
            c.at_least(SafetyClass::Mutating, "nested too deeply to classify");
            break;
        }
        c.merge(classify_text(inner, depth + 1));
    }
    for f in stage.written_files() {
        c.at_least(SafetyClass::Mutating, format!("writes {f}"));
    }
    let mut all_text = stage.text.clone();
    for h in stage.heredocs() {
        all_text.push('\n');
        all_text.push_str(&h.body);
    }
    if let Some(what) = mentions_destructive(&all_text) {
        c.at_least(
            SafetyClass::Destructive,
            format!("names a destructive operation ({what})"),
        );
    }
    c
}

/// Classifies shell text (a `bash -c` string, a `$(…)` body).
fn classify_text(text: &str, depth: usize) -> Classification {
    if depth > MAX_DEPTH {
        return Classification::mutating("nested too deeply to classify");
    }
    let script = split_script(text);
    let mut c = Classification::read();
    for cmd in &script.commands {
        for s in &cmd.stages {
            c.merge(classify_stage_at(s, depth));
        }
    }
    if !script.issues.is_empty() {
        c.at_least(
            SafetyClass::Mutating,
            "shell text that cannot be read fully",
        );
    }
    c
}

/// What a command gets on standard input.
#[derive(Clone, Copy)]
struct Input<'a> {
    heredoc: Option<&'a str>,
    file: Option<&'a str>,
}

impl<'a> Input<'a> {
    fn new(heredoc: Option<&'a str>, file: Option<&'a str>) -> Self {
        Input { heredoc, file }
    }

    fn none() -> Self {
        Input {
            heredoc: None,
            file: None,
        }
    }
}

/// Classifies one command's words (`argv[0]` is the program).
pub fn classify_argv(argv: &[String]) -> Classification {
    classify_words(argv, Input::none(), 0)
}

/// Text naming a destructive operation anywhere, even quoted or passed
/// along (`ssh host "rm -rf /x"`, `psql -c "DROP TABLE t"`). Returns what
/// it found.
pub fn mentions_destructive(text: &str) -> Option<&'static str> {
    let lower = text.to_ascii_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| {
            c.is_whitespace() || matches!(c, '"' | '\'' | ';' | '(' | ')' | '|' | '&' | '`' | ',')
        })
        .filter(|w| !w.is_empty())
        .collect();
    for (i, w) in words.iter().enumerate() {
        let next = words.get(i + 1).copied().unwrap_or("");
        match *w {
            "rm" if next.starts_with('-')
                && (next.contains('r')
                    || next.contains('f')
                    || next == "--recursive"
                    || next == "--force") =>
            {
                return Some("rm -rf");
            }
            "drop"
                if matches!(
                    next,
                    "table"
                        | "database"
                        | "schema"
                        | "index"
                        | "view"
                        | "materialized"
                        | "user"
                        | "role"
                        | "owned"
                        | "extension"
                        | "column"
                        | "constraint"
                        | "sequence"
                        | "function"
                        | "trigger"
                        | "type"
                        | "keyspace"
                        | "collection"
                ) =>
            {
                return Some("DROP");
            }
            "delete" if next == "from" => return Some("DELETE FROM"),
            "truncate"
                if next == "table"
                    || (!next.is_empty()
                        && (words.get(i + 2).is_none() || lower.contains(';'))) =>
            {
                return Some("TRUNCATE");
            }
            "flushall" | "flushdb" => return Some("FLUSHALL/FLUSHDB"),
            "pg_restore" | "dropdb" | "mkfs" | "shred" | "wipefs" => {
                return Some("a restore/wipe tool");
            }
            _ => {}
        }
    }
    None
}

/// The positional words of `args`, skipping flags and the values of the
/// flags in `with_value`.
fn positionals<'a>(args: &'a [String], with_value: &[&str]) -> Vec<&'a str> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        if a == "--" {
            break;
        }
        if a.starts_with('-') && a.len() > 1 {
            if with_value.contains(&a) {
                i += 1;
            }
        } else {
            out.push(a);
        }
        i += 1;
    }
    out
}

/// The words after `--` (`kubectl exec pod -- psql …`).
fn after_double_dash(args: &[String]) -> Option<&[String]> {
    args.iter()
        .position(|a| a == "--")
        .map(|i| &args[i + 1..])
        .filter(|rest| !rest.is_empty())
}

fn has(args: &[String], flag: &str) -> bool {
    args.iter().any(|a| a == flag)
}

fn has_prefix(args: &[String], prefix: &str) -> bool {
    args.iter().any(|a| a.starts_with(prefix))
}

/// Whether the arguments ask for a dry run.
fn dry_run(args: &[String]) -> bool {
    args.iter().any(|a| {
        a == "--dry-run"
            || a == "--dryrun"
            || (a.starts_with("--dry-run=") && !a.ends_with("=none") && !a.ends_with("=false"))
    })
}

/// Programs that only look.
fn is_read_program(p: &str) -> bool {
    matches!(
        p,
        "echo"
            | "printf"
            | "cat"
            | "grep"
            | "egrep"
            | "fgrep"
            | "rg"
            | "ag"
            | "jq"
            | "head"
            | "tail"
            | "wc"
            | "sleep"
            | "date"
            | "test"
            | "["
            | "[["
            | "true"
            | "false"
            | ":"
            | "cd"
            | "pushd"
            | "popd"
            | "pwd"
            | "ls"
            | "ll"
            | "tree"
            | "which"
            | "whereis"
            | "type"
            | "whoami"
            | "id"
            | "groups"
            | "hostname"
            | "uname"
            | "uptime"
            | "df"
            | "du"
            | "free"
            | "ps"
            | "top"
            | "htop"
            | "pgrep"
            | "pidof"
            | "lsof"
            | "ss"
            | "netstat"
            | "ip"
            | "ifconfig"
            | "ping"
            | "ping6"
            | "traceroute"
            | "tracepath"
            | "mtr"
            | "dig"
            | "nslookup"
            | "host"
            | "whois"
            | "telnet"
            | "websocat"
            | "sort"
            | "uniq"
            | "cut"
            | "tr"
            | "awk"
            | "gawk"
            | "diff"
            | "cmp"
            | "comm"
            | "column"
            | "nl"
            | "fold"
            | "rev"
            | "tac"
            | "paste"
            | "join"
            | "base64"
            | "md5sum"
            | "sha1sum"
            | "sha256sum"
            | "shasum"
            | "cksum"
            | "xxd"
            | "od"
            | "hexdump"
            | "file"
            | "stat"
            | "realpath"
            | "readlink"
            | "basename"
            | "dirname"
            | "seq"
            | "expr"
            | "bc"
            | "printenv"
            | "getent"
            | "lscpu"
            | "lsblk"
            | "nproc"
            | "vmstat"
            | "iostat"
            | "mpstat"
            | "dmesg"
            | "timedatectl"
            | "hostnamectl"
            | "less"
            | "more"
            | "export"
            | "declare"
            | "typeset"
            | "local"
            | "readonly"
            | "unset"
            | "set"
            | "shopt"
            | "read"
            | "wait"
            | "trap"
            | "shift"
            | "exit"
            | "return"
            | "break"
            | "continue"
            | "history"
            | "alias"
            | "pip-audit"
            | "trivy"
            | "grype"
            | "syft"
            | "hadolint"
            | "shellcheck"
            | "yamllint"
            | "kubeval"
            | "kubeconform"
            | "kube-score"
            | "kube-linter"
            | "tflint"
            | "checkov"
            | "bandit"
            | "flake8"
            | "pylint"
            | "mypy"
            | "pytest"
            | "py.test"
            | "jest"
            | "vitest"
            | "mocha"
            | "tox"
            | "pg_dump"
            | "pg_dumpall"
            | "pg_isready"
            | "mysqldump"
            | "amtool"
            | "gitleaks"
            | "nmap"
            | "sslscan"
            | "testssl.sh"
            | "testssl"
    )
}

fn classify_words(argv: &[String], input: Input, depth: usize) -> Classification {
    let mut sudo = false;
    let mut words = argv;
    // Wrappers: classify what they run.
    loop {
        let Some(first) = words.first() else {
            let mut c = Classification::read();
            c.sudo = sudo;
            if sudo {
                c.reasons.push("runs with sudo".into());
            }
            return c;
        };
        let p = first.rsplit('/').next().unwrap_or(first);
        let rest = &words[1..];
        let skip = |with_value: &[&str]| -> usize {
            let mut i = 0;
            while let Some(a) = rest.get(i) {
                if a.starts_with('-') && a.len() > 1 {
                    i += if with_value.contains(&a.as_str()) {
                        2
                    } else {
                        1
                    };
                } else {
                    break;
                }
            }
            i
        };
        match p {
            "sudo" | "doas" => {
                sudo = true;
                words = &rest[skip(&["-u", "-g", "-C", "-h", "-p", "-U", "-r", "-t", "-D"])
                    .min(rest.len())..];
            }
            "time" | "nohup" | "exec" | "builtin" | "caffeinate" | "unbuffer" => {
                words = &rest[skip(&[]).min(rest.len())..];
            }
            "nice" | "ionice" | "stdbuf" | "chronic" => {
                words = &rest[skip(&["-n", "-c", "-o", "-e", "-i"]).min(rest.len())..];
            }
            "command" if !rest.first().is_some_and(|a| a == "-v" || a == "-V") => {
                words = rest;
            }
            "env" => {
                let mut i = skip(&["-u", "-C", "-S"]).min(rest.len());
                while rest
                    .get(i)
                    .is_some_and(|w| w.contains('=') && !w.starts_with('-'))
                {
                    i += 1;
                }
                words = &rest[i.min(rest.len())..];
            }
            "timeout" => {
                let i = skip(&["-s", "-k", "--signal", "--kill-after"]).min(rest.len());
                words = &rest[(i + 1).min(rest.len())..];
            }
            "xargs" => {
                let i = skip(&["-n", "-I", "-P", "-d", "-L", "-s", "-E", "-a"]).min(rest.len());
                words = &rest[i..];
            }
            "watch" => {
                let i = skip(&["-n", "--interval", "-d", "-g"]).min(rest.len());
                let inner = rest[i..].join(" ");
                let mut c = if rest[i..].len() == 1 {
                    classify_text(&inner, depth + 1)
                } else {
                    classify_words(&rest[i..], Input::none(), depth + 1)
                };
                c.sudo |= sudo;
                return c;
            }
            _ => break,
        }
    }
    let mut c = classify_program(words, input, depth);
    if sudo {
        c.sudo = true;
        c.reasons.push("runs with sudo".into());
    }
    if dry_run(&words[1..]) && c.class > SafetyClass::Read {
        let destructive_text = mentions_destructive(&words.join(" ")).is_some();
        if !destructive_text {
            c.class = SafetyClass::Read;
            c.reasons = vec!["--dry-run".into()];
        }
    }
    c
}

fn classify_program(words: &[String], input: Input, depth: usize) -> Classification {
    let full = words[0].as_str();
    let p = full.rsplit('/').next().unwrap_or(full);
    let args = &words[1..];
    let pos = |with_value: &[&str]| positionals(args, with_value);
    let nested = |inner: &[String]| -> Classification {
        if depth >= MAX_DEPTH {
            Classification::mutating("nested too deeply to classify")
        } else {
            classify_words(inner, Input::none(), depth + 1)
        }
    };

    // Project scripts and interpreters.
    if full.contains('/') && !full.starts_with("/usr/") && !full.starts_with("/bin/") {
        return Classification::mutating(format!("runs the project script {full}"));
    }
    if is_read_program(p) {
        return Classification::read();
    }
    match p {
        "curl" => classify_curl(args),
        "wget" => {
            if has(args, "--spider")
                || args
                    .windows(2)
                    .any(|w| (w[0] == "-O" || w[0] == "-qO") && w[1] == "-")
                || has(args, "-qO-")
                || has(args, "-O-")
                || has(args, "--output-document=-")
            {
                if has_prefix(args, "--post") || has_prefix(args, "--method") {
                    Classification::mutating("wget sends data")
                } else {
                    Classification::read()
                }
            } else {
                Classification::mutating("wget writes the file it downloads")
            }
        }
        "http" | "https" | "xh" => {
            let ps = pos(&[]);
            let method = ps
                .first()
                .filter(|m| m.chars().all(|c| c.is_ascii_uppercase()));
            let items = ps
                .iter()
                .skip(if method.is_some() { 2 } else { 1 })
                .any(|w| w.contains('=') || w.contains(":=") || w.starts_with('@'));
            match method.copied() {
                Some("GET" | "HEAD" | "OPTIONS") => Classification::read(),
                Some(m) => Classification::mutating(format!("{p} {m} request")),
                None if items => Classification::mutating(format!("{p} sends data (POST)")),
                None => Classification::read(),
            }
        }
        "nc" | "ncat" | "netcat" => {
            if args
                .iter()
                .any(|a| a.starts_with('-') && !a.starts_with("--") && a.contains('z'))
            {
                Classification::read()
            } else {
                Classification::mutating("nc without -z sends data or listens")
            }
        }
        "wscat" => {
            if has(args, "-x") || has(args, "--execute") || has(args, "-l") || has(args, "--listen")
            {
                Classification::mutating("wscat sends messages or listens")
            } else {
                Classification::read()
            }
        }
        "openssl" => {
            if has(args, "-out") || has_prefix(args, "-keyout") {
                Classification::mutating("openssl writes a file")
            } else {
                Classification::read()
            }
        }
        "sed" => {
            if args
                .iter()
                .any(|a| a == "-i" || a.starts_with("-i") || a.starts_with("--in-place"))
            {
                Classification::mutating("sed -i edits files in place")
            } else {
                Classification::read()
            }
        }
        "perl"
            if args
                .iter()
                .any(|a| a.starts_with("-i") || a.starts_with("-pi")) =>
        {
            Classification::mutating("perl -i edits files in place")
        }
        "yq" => {
            if args.iter().any(|a| a == "-i" || a == "--inplace") {
                Classification::mutating("yq -i edits files in place")
            } else {
                Classification::read()
            }
        }
        "tee" => {
            let files: Vec<&str> = pos(&[]).into_iter().filter(|f| *f != "/dev/null").collect();
            if files.is_empty() {
                Classification::read()
            } else {
                Classification::mutating(format!("tee writes {}", files.join(", ")))
            }
        }
        "find" => {
            if has(args, "-delete") {
                Classification::destructive("find -delete removes files")
            } else if let Some(i) = args
                .iter()
                .position(|a| a == "-exec" || a == "-execdir" || a == "-ok")
            {
                let end = args[i + 1..]
                    .iter()
                    .position(|a| a == ";" || a == "+" || a == "\\;")
                    .map_or(args.len(), |n| i + 1 + n);
                nested(&args[i + 1..end])
            } else {
                Classification::read()
            }
        }
        "bash" | "sh" | "zsh" | "dash" | "ksh" => {
            if let Some(i) = args.iter().position(|a| a == "-c") {
                match args.get(i + 1) {
                    Some(script) if depth < MAX_DEPTH => classify_text(script, depth + 1),
                    _ => Classification::mutating(format!("{p} -c without a script")),
                }
            } else if let Some(script) = pos(&[]).first() {
                Classification::mutating(format!("runs the script {script}"))
            } else if let Some(body) = input.heredoc {
                classify_text(body, depth + 1)
            } else {
                Classification::mutating(format!("{p} reads a script from standard input"))
            }
        }
        "ssh" => {
            let ps = pos(&[
                "-p", "-i", "-l", "-o", "-F", "-J", "-L", "-R", "-D", "-W", "-b", "-c", "-E", "-m",
                "-O", "-Q", "-S", "-w",
            ]);
            let mut c = Classification::mutating("ssh runs a command on another host");
            if ps.len() > 1 {
                c.merge(classify_text(&ps[1..].join(" "), depth + 1));
            }
            c
        }
        "source" | "." => Classification::mutating(format!(
            "sources {} (runs its commands)",
            args.first().map_or("a file", String::as_str)
        )),
        "eval" => classify_text(&args.join(" "), depth + 1),
        "python" | "python3" | "python2" | "node" | "deno" | "bun" | "ruby" | "perl" | "php" => {
            classify_interpreter(p, args, depth)
        }
        "kubectl" | "oc" => classify_kubectl(args, depth),
        "helm" => {
            let ps = pos(&[
                "-n",
                "--namespace",
                "--kube-context",
                "-f",
                "--values",
                "--set",
                "--version",
                "-o",
                "--output",
            ]);
            match ps.first().copied().unwrap_or("") {
                "" | "list" | "ls" | "status" | "history" | "get" | "show" | "inspect"
                | "template" | "lint" | "search" | "version" | "env" | "diff" | "verify" => {
                    Classification::read()
                }
                "repo" | "plugin" | "dependency" | "dep"
                    if matches!(ps.get(1).copied(), Some("list" | "ls")) =>
                {
                    Classification::read()
                }
                "uninstall" | "delete" | "del" | "un" => {
                    Classification::destructive("helm uninstall removes a release")
                }
                sub => Classification::mutating(format!("helm {sub} changes the cluster")),
            }
        }
        "argocd" => {
            let ps = pos(&[
                "--server",
                "--auth-token",
                "-o",
                "--output",
                "--grpc-web-root-path",
            ]);
            match (
                ps.first().copied().unwrap_or(""),
                ps.get(1).copied().unwrap_or(""),
            ) {
                (
                    "app",
                    "get" | "list" | "diff" | "history" | "manifests" | "resources" | "logs"
                    | "wait",
                )
                | ("version" | "context", _)
                | ("cluster" | "repo" | "proj" | "account", "list" | "get") => {
                    Classification::read()
                }
                ("app", "delete") => {
                    Classification::destructive("argocd app delete removes an application")
                }
                ("app", "sync") if has(args, "--prune") => {
                    Classification::destructive("argocd app sync --prune deletes resources")
                }
                (a, b) => {
                    Classification::mutating(format!("argocd {a} {b} changes the deployment"))
                }
            }
        }
        "git" => classify_git(args),
        "cargo" => {
            let ps = pos(&[
                "-p",
                "--package",
                "--manifest-path",
                "--target",
                "-j",
                "--features",
                "--bin",
            ]);
            match ps.first().copied().unwrap_or("") {
                "" | "test" | "t" | "clippy" | "check" | "c" | "build" | "b" | "doc" | "audit"
                | "deny" | "tree" | "metadata" | "nextest" | "bench" | "outdated" | "udeps"
                | "machete" | "version" | "search" | "locate-project" | "verify-project"
                | "pkgid" | "help" | "llvm-cov" | "tarpaulin" | "semver-checks" => {
                    Classification::read()
                }
                "fmt" if has(args, "--check") => Classification::read(),
                "fmt" => Classification::mutating("cargo fmt rewrites source files"),
                "run" | "r" => Classification::mutating("cargo run runs a project program"),
                sub => Classification::mutating(format!("cargo {sub} changes files or registries")),
            }
        }
        "npm" | "yarn" | "pnpm" => classify_npm(p, args),
        "npx" | "pnpx" | "bunx" => {
            let mut i = 0;
            while let Some(a) = args.get(i) {
                if a == "-p" || a == "--package" {
                    i += 2;
                } else if a.starts_with('-') {
                    i += 1;
                } else {
                    break;
                }
            }
            if i >= args.len() {
                Classification::mutating(format!("{p} without a command"))
            } else {
                nested(&args[i..])
            }
        }
        "pip" | "pip3" => match pos(&[]).first().copied().unwrap_or("") {
            "" | "list" | "show" | "freeze" | "check" | "index" | "inspect" | "debug" | "help" => {
                Classification::read()
            }
            sub => Classification::mutating(format!("pip {sub} changes installed packages")),
        },
        "go" => match pos(&[]).first().copied().unwrap_or("") {
            "build" | "test" | "vet" | "version" | "list" | "env" | "doc" => Classification::read(),
            "run" => Classification::mutating("go run runs a project program"),
            sub => Classification::mutating(format!("go {sub} changes files")),
        },
        "golangci-lint" | "eslint" | "ruff" | "black" | "prettier" | "rubocop" | "stylelint" => {
            let fixes = has(args, "--fix")
                || has(args, "--write")
                || has(args, "-w")
                || has(args, "-a")
                || (p == "ruff" && pos(&[]).first() == Some(&"format") && !has(args, "--check"))
                || (p == "black" && !has(args, "--check") && !has(args, "--diff"));
            if fixes {
                Classification::mutating(format!("{p} rewrites files"))
            } else {
                Classification::read()
            }
        }
        "tsc" => Classification::read(),
        "xcodebuild" => {
            if args.iter().any(|a| {
                matches!(
                    a.as_str(),
                    "archive" | "-exportArchive" | "clean" | "install"
                )
            }) {
                Classification::mutating("xcodebuild archives, installs or cleans")
            } else {
                Classification::read()
            }
        }
        "swift" | "mvn" | "gradle" | "./gradlew" | "gradlew" => {
            let ps = pos(&[]);
            if ps.iter().all(|w| {
                matches!(
                    *w,
                    "build"
                        | "test"
                        | "check"
                        | "verify"
                        | "compile"
                        | "package"
                        | "lint"
                        | "dependencies"
                )
            }) && !ps.is_empty()
            {
                Classification::read()
            } else {
                Classification::mutating(format!("{p} {} (unknown effect)", ps.join(" ")))
            }
        }
        "make" => {
            if has(args, "-n") || has(args, "--dry-run") || has(args, "--just-print") {
                Classification::read()
            } else {
                Classification::mutating("make runs project targets")
            }
        }
        "docker" | "podman" | "nerdctl" => classify_docker(p, args, depth),
        "docker-compose" => classify_compose("docker-compose", args, depth),
        "psql" => classify_psql(args, input),
        "mysql" | "mariadb" => match args.iter().position(|a| a == "-e" || a == "--execute") {
            Some(i) => args.get(i + 1).map_or_else(
                || Classification::mutating("mysql -e without SQL"),
                |sql| classify_sql(sql),
            ),
            None => match input.heredoc {
                Some(body) => classify_sql(body),
                None => Classification::mutating("mysql runs SQL from standard input"),
            },
        },
        "sqlite3" => match pos(&[]).get(1) {
            Some(sql) => classify_sql(sql),
            None => Classification::mutating("sqlite3 runs SQL from standard input"),
        },
        "clickhouse-client" | "clickhouse" => {
            match args.iter().position(|a| a == "--query" || a == "-q") {
                Some(i) => args.get(i + 1).map_or_else(
                    || Classification::mutating("clickhouse-client --query without SQL"),
                    |q| classify_sql(q),
                ),
                None => match args.iter().find_map(|a| a.strip_prefix("--query=")) {
                    Some(q) => classify_sql(q),
                    None => {
                        Classification::mutating("clickhouse-client runs SQL from standard input")
                    }
                },
            }
        }
        "mongosh" | "mongo" => {
            let eval = args
                .iter()
                .position(|a| a == "--eval")
                .and_then(|i| args.get(i + 1));
            match eval {
                Some(e)
                    if e.to_ascii_lowercase().contains("drop")
                        || e.contains("delete")
                        || e.contains("remove(") =>
                {
                    Classification::destructive("mongo script drops or deletes data")
                }
                Some(e)
                    if [
                        "find(",
                        "count",
                        "getcollectionnames",
                        "stats(",
                        "version(",
                        "ping",
                        "serverstatus",
                        "ismaster",
                        "hello",
                    ]
                    .iter()
                    .any(|r| e.to_ascii_lowercase().contains(r))
                        && !e.contains("insert")
                        && !e.contains("update") =>
                {
                    Classification::read()
                }
                _ => Classification::mutating("mongo script (unknown effect)"),
            }
        }
        "redis-cli" => classify_redis_cli(args, input),
        "pg_restore" => Classification::destructive("pg_restore overwrites a database"),
        "dropdb" | "dropuser" => {
            Classification::destructive(format!("{p} removes a database object"))
        }
        "createdb" | "createuser" | "pg_basebackup" | "pg_upgrade" => {
            Classification::mutating(format!("{p} creates data"))
        }
        "sqlx" => match (
            pos(&["--source", "--database-url", "-D"]).first().copied(),
            pos(&["--source", "--database-url", "-D"]).get(1).copied(),
        ) {
            (Some("migrate"), Some("info" | "list")) => Classification::read(),
            (Some("migrate"), Some("revert" | "undo")) => {
                Classification::destructive("sqlx migrate revert undoes migrations")
            }
            (Some("migrate"), Some("run")) => {
                Classification::mutating("sqlx migrate run changes the schema")
            }
            (Some("database"), Some("drop" | "reset")) => {
                Classification::destructive("sqlx database drop/reset removes a database")
            }
            (Some("prepare"), _) if has(args, "--check") => Classification::read(),
            (a, b) => Classification::mutating(format!(
                "sqlx {} {} changes the database",
                a.unwrap_or(""),
                b.unwrap_or("")
            )),
        },
        "alembic" => {
            let ps = pos(&["-c", "--config", "-n", "--name", "-x"]);
            let offline = has(args, "--sql");
            match ps.first().copied().unwrap_or("") {
                "current" | "history" | "heads" | "branches" | "show" | "check" | "" => {
                    Classification::read()
                }
                "upgrade" | "downgrade" if offline => Classification::read(),
                "downgrade" => Classification::destructive("alembic downgrade undoes migrations"),
                "upgrade" => Classification::mutating("alembic upgrade changes the schema"),
                sub => Classification::mutating(format!("alembic {sub} changes migrations")),
            }
        }
        "prisma" => {
            let ps = pos(&["--schema"]);
            match (
                ps.first().copied().unwrap_or(""),
                ps.get(1).copied().unwrap_or(""),
            ) {
                ("migrate", "status" | "diff")
                | ("validate" | "version" | "format" | "generate", _) => Classification::read(),
                ("migrate", "reset") => {
                    Classification::destructive("prisma migrate reset drops the database")
                }
                ("db", "push") if has(args, "--accept-data-loss") || has(args, "--force-reset") => {
                    Classification::destructive("prisma db push may drop data")
                }
                (a, b) => Classification::mutating(format!("prisma {a} {b} changes the database")),
            }
        }
        "migrate" | "diesel" | "flyway" | "liquibase" | "goose" | "dbmate" | "knex"
        | "sequelize" | "typeorm" | "rails" | "rake" | "atlas" | "sql-migrate" | "refinery" => {
            classify_migration(p, args)
        }
        "terraform" | "tofu" | "terragrunt" => {
            let ps = pos(&["-var", "-var-file", "-target", "-chdir"]);
            match (
                ps.first().copied().unwrap_or(""),
                ps.get(1).copied().unwrap_or(""),
            ) {
                (
                    "plan" | "validate" | "show" | "output" | "version" | "providers" | "graph",
                    _,
                )
                | ("state", "list" | "show" | "pull") => Classification::read(),
                ("fmt", _) if has(args, "-check") => Classification::read(),
                ("destroy", _) | ("state", "rm") => {
                    Classification::destructive("terraform destroy removes infrastructure")
                }
                ("apply", _) if has(args, "-destroy") => {
                    Classification::destructive("terraform apply -destroy removes infrastructure")
                }
                (a, _) => Classification::mutating(format!("terraform {a} changes infrastructure")),
            }
        }
        "aws" | "gcloud" | "az" | "doctl" | "gh" | "glab" | "flyctl" | "heroku" | "vercel"
        | "netlify" => classify_cloud(p, args),
        "systemctl" => {
            let ps = pos(&[]);
            match ps.first().copied().unwrap_or("") {
                "" | "status" | "is-active" | "is-enabled" | "is-failed" | "show"
                | "list-units" | "list-unit-files" | "cat" | "list-timers"
                | "list-dependencies" => Classification::read(),
                sub => Classification::mutating(format!("systemctl {sub} changes a service")),
            }
        }
        "service" => {
            if pos(&[]).get(1) == Some(&"status") || has(args, "--status-all") {
                Classification::read()
            } else {
                Classification::mutating("service changes a service")
            }
        }
        "journalctl" => {
            if args
                .iter()
                .any(|a| a.starts_with("--vacuum") || a == "--rotate" || a == "--flush")
            {
                Classification::destructive("journalctl removes logs")
            } else {
                Classification::read()
            }
        }
        "kill" | "pkill" | "killall" => Classification::mutating(format!("{p} stops processes")),
        "reboot" | "shutdown" | "halt" | "poweroff" => {
            Classification::destructive(format!("{p} stops the machine"))
        }
        "rm" | "unlink" | "truncate" | "shred" | "wipefs" => {
            Classification::destructive(format!("{p} removes data"))
        }
        "dd" if args.iter().any(|a| a.starts_with("of=")) => {
            Classification::destructive("dd overwrites a file or device")
        }
        p if p.starts_with("mkfs") => Classification::destructive("mkfs formats a device"),
        "rsync" => {
            if has(args, "-n")
                || has(args, "--dry-run")
                || args
                    .iter()
                    .any(|a| a.starts_with('-') && !a.starts_with("--") && a.contains('n'))
            {
                Classification::read()
            } else if has_prefix(args, "--delete") {
                Classification::destructive("rsync --delete removes files")
            } else {
                Classification::mutating("rsync copies files")
            }
        }
        "crontab" => {
            if has(args, "-l") {
                Classification::read()
            } else if has(args, "-r") {
                Classification::destructive("crontab -r removes the crontab")
            } else {
                Classification::mutating("crontab changes scheduled jobs")
            }
        }
        "tar" => {
            let listing = args.first().is_some_and(|a| {
                let f = a.trim_start_matches('-');
                f.contains('t') && !f.contains('x') && !f.contains('c')
            }) || has(args, "--list");
            if listing {
                Classification::read()
            } else {
                Classification::mutating("tar writes files")
            }
        }
        "unzip" if has(args, "-l") => Classification::read(),
        "apt" | "apt-get" | "yum" | "dnf" | "apk" | "brew" | "snap" | "zypper" | "pacman" => {
            match pos(&[]).first().copied().unwrap_or("") {
                "list" | "show" | "search" | "policy" | "info" | "outdated" | "doctor"
                | "config" => Classification::read(),
                "remove" | "purge" | "autoremove" | "uninstall" | "erase" => {
                    Classification::destructive(format!("{p} removes packages"))
                }
                sub => Classification::mutating(format!("{p} {sub} changes installed packages")),
            }
        }
        "apt-cache" | "dpkg-query" | "rpm" if !has(args, "-i") && !has(args, "-e") => {
            Classification::read()
        }
        "snyk" => match pos(&[]).first().copied().unwrap_or("") {
            "test" | "code" | "container" | "iac" | "auth" | "version" | "" => {
                if has(args, "monitor") {
                    Classification::mutating("snyk monitor uploads a snapshot")
                } else {
                    Classification::read()
                }
            }
            sub => Classification::mutating(format!("snyk {sub} uploads or changes settings")),
        },
        "semgrep" => {
            if has(args, "--autofix") {
                Classification::mutating("semgrep --autofix rewrites files")
            } else {
                Classification::read()
            }
        }
        "promtool" => match pos(&[]).first().copied().unwrap_or("") {
            "check" | "query" | "test" | "" => Classification::read(),
            sub => Classification::mutating(format!("promtool {sub} writes data")),
        },
        "twine" => match pos(&[]).first().copied().unwrap_or("") {
            "check" => Classification::read(),
            sub => Classification::mutating(format!("twine {sub} publishes packages")),
        },
        "k6" => match pos(&[]).first().copied().unwrap_or("") {
            "version" | "inspect" | "" => Classification::read(),
            "run" | "cloud" => Classification::mutating(
                "k6 runs a script greenlight cannot see (it may send more than GETs)",
            ),
            sub => Classification::mutating(format!("k6 {sub}")),
        },
        "ab" => {
            if has(args, "-p")
                || has(args, "-u")
                || args
                    .windows(2)
                    .any(|w| w[0] == "-m" && !matches!(w[1].as_str(), "GET" | "HEAD"))
            {
                Classification::mutating("ab sends data")
            } else {
                Classification::read()
            }
        }
        "hey" | "oha" | "bombardier" => {
            let method = args
                .windows(2)
                .find(|w| w[0] == "-m" || w[0] == "--method")
                .map(|w| w[1].to_ascii_uppercase());
            if method
                .as_deref()
                .is_some_and(|m| !matches!(m, "GET" | "HEAD"))
                || has(args, "-d")
                || has(args, "-D")
                || has(args, "-b")
                || has(args, "-f")
            {
                Classification::mutating(format!("{p} sends data"))
            } else {
                Classification::read()
            }
        }
        "wrk" | "wrk2" => {
            if has(args, "-s") || has(args, "--script") {
                Classification::mutating("wrk runs a Lua script that may send more than GETs")
            } else {
                Classification::read()
            }
        }
        "locust" | "artillery" | "vegeta" | "siege" | "gatling" | "jmeter" => {
            Classification::mutating(format!("{p} runs a load scenario greenlight cannot see"))
        }
        "grpcurl" => {
            if pos(&[]).iter().any(|w| *w == "list" || *w == "describe") {
                Classification::read()
            } else {
                Classification::mutating("grpcurl invokes a method")
            }
        }
        "mv" | "cp" | "ln" | "mkdir" | "rmdir" | "touch" | "chmod" | "chown" | "chgrp"
        | "install" | "zip" | "unzip" | "gzip" | "gunzip" | "bzip2" | "xz" | "patch" | "scp"
        | "sftp" | "setfacl" => Classification::mutating(format!("{p} changes files")),
        "git-secrets" => Classification::read(),
        _ => Classification::mutating(format!("unknown command `{p}` counts as mutating")),
    }
}

fn classify_interpreter(p: &str, args: &[String], depth: usize) -> Classification {
    let first = args.first().map(String::as_str).unwrap_or("");
    if matches!(first, "--version" | "-V" | "-v") {
        return Classification::read();
    }
    if first == "-m" {
        let module = args.get(1).map(String::as_str).unwrap_or("");
        return match module {
            "pytest" | "json.tool" | "unittest" | "mypy" | "flake8" | "pylint" | "pip_audit"
            | "bandit" => Classification::read(),
            "pip" => {
                let mut inner = vec!["pip".to_string()];
                inner.extend(args[2..].iter().cloned());
                classify_words(&inner, Input::none(), depth + 1)
            }
            m => Classification::mutating(format!("{p} -m {m} runs a module")),
        };
    }
    if first == "-c" || first == "-e" {
        return Classification::mutating(format!("{p} {first} runs inline code"));
    }
    match positionals(args, &[]).first() {
        Some(script) => Classification::mutating(format!("runs the project script {script}")),
        None => Classification::mutating(format!("{p} reads a program from standard input")),
    }
}

fn classify_curl(args: &[String]) -> Classification {
    let mut argv = vec!["curl".to_string()];
    argv.extend(args.iter().cloned());
    let (method, writes) = match super::curl::parse_curl(&argv) {
        Ok(spec) => (
            spec.method.to_ascii_uppercase(),
            spec.output.filter(|o| o != "/dev/null"),
        ),
        Err(_) => {
            // Not reproducible natively, but still classifiable.
            let mut method = None;
            let mut data = false;
            let mut writes = None;
            let mut i = 0;
            while i < args.len() {
                let a = args[i].as_str();
                let next = args.get(i + 1).cloned();
                if a == "-X" || a == "--request" {
                    method = next.map(|m| m.to_ascii_uppercase());
                    i += 1;
                } else if let Some(m) = a.strip_prefix("-X").filter(|m| !m.is_empty()) {
                    method = Some(m.to_ascii_uppercase());
                } else if a.starts_with("--data")
                    || matches!(
                        a,
                        "-d" | "--json" | "-F" | "--form" | "-T" | "--upload-file"
                    )
                    || a.starts_with("-d")
                    || a.starts_with("-F")
                {
                    data = true;
                } else if matches!(
                    a,
                    "-o" | "--output" | "-c" | "--cookie-jar" | "-D" | "--dump-header"
                ) {
                    if next
                        .as_deref()
                        .is_some_and(|n| n != "/dev/null" && n != "-")
                    {
                        writes = next;
                    }
                    i += 1;
                } else if matches!(a, "-O" | "--remote-name" | "-J") {
                    writes = Some("the remote file name".into());
                } else if matches!(a, "-K" | "--config") {
                    // Options from a file: the request is unknown.
                    method = Some("(options from a config file)".into());
                    i += 1;
                }
                i += 1;
            }
            let method = method.unwrap_or_else(|| if data { "POST".into() } else { "GET".into() });
            (method, writes)
        }
    };
    let mut c = match method.as_str() {
        "GET" | "HEAD" | "OPTIONS" => Classification::read(),
        m => Classification::mutating(format!("HTTP {m} request")),
    };
    if let Some(f) = writes {
        c.at_least(SafetyClass::Mutating, format!("curl writes {f}"));
    }
    c
}

fn classify_kubectl(args: &[String], depth: usize) -> Classification {
    let with_value = [
        "-n",
        "--namespace",
        "--context",
        "--cluster",
        "--kubeconfig",
        "-s",
        "--server",
        "--token",
        "--user",
        "--as",
        "--as-group",
        "-f",
        "--filename",
        "-l",
        "--selector",
        "-o",
        "--output",
        "-c",
        "--container",
        "-p",
        "--patch",
        "--type",
        "--image",
        "--timeout",
        "--for",
        "--tail",
        "-k",
        "--kustomize",
        "--field-selector",
        "--sort-by",
        "--since",
        "--template",
    ];
    let ps = positionals(args, &with_value);
    let sub = ps.first().copied().unwrap_or("");
    let sub2 = ps.get(1).copied().unwrap_or("");
    match sub {
        "" | "get" | "describe" | "logs" | "log" | "top" | "wait" | "version" | "explain"
        | "api-resources" | "api-versions" | "cluster-info" | "diff" | "events" => {
            Classification::read()
        }
        "auth" if matches!(sub2, "can-i" | "whoami") => Classification::read(),
        "config"
            if matches!(
                sub2,
                "view" | "get-contexts" | "current-context" | "get-clusters" | "get-users"
            ) =>
        {
            Classification::read()
        }
        "rollout" if matches!(sub2, "status" | "history") => Classification::read(),
        "delete" | "drain" => {
            Classification::destructive(format!("kubectl {sub} removes cluster resources"))
        }
        "apply"
            if args
                .iter()
                .any(|a| a == "--prune" || a.starts_with("--prune=")) =>
        {
            Classification::destructive("kubectl apply --prune deletes resources")
        }
        "replace" if has(args, "--force") => {
            Classification::destructive("kubectl replace --force deletes and recreates resources")
        }
        "exec" | "run" | "debug" | "attach" | "cp" => {
            let mut c = Classification::mutating(format!(
                "kubectl {sub} runs or copies inside the cluster"
            ));
            if let Some(inner) = after_double_dash(args)
                && depth < MAX_DEPTH
            {
                c.merge(classify_words(inner, Input::none(), depth + 1));
            }
            c
        }
        "rollout" => {
            Classification::mutating(format!("kubectl rollout {sub2} changes a deployment"))
        }
        "port-forward" | "proxy" => {
            Classification::mutating(format!("kubectl {sub} opens a tunnel into the cluster"))
        }
        _ => Classification::mutating(format!("kubectl {sub} changes the cluster")),
    }
}

fn classify_git(args: &[String]) -> Classification {
    let ps = positionals(
        args,
        &[
            "-C",
            "-c",
            "--git-dir",
            "--work-tree",
            "-m",
            "-n",
            "--format",
            "--pretty",
        ],
    );
    let sub = ps.first().copied().unwrap_or("");
    let rest = &ps[1.min(ps.len())..];
    let flags_only = |allowed: &[&str]| {
        args.iter()
            .skip_while(|a| a.as_str() != sub)
            .skip(1)
            .all(|a| {
                allowed.contains(&a.as_str())
                    || a.starts_with("--format")
                    || a.starts_with("--sort")
                    || a.starts_with("--contains")
                    || a.starts_with("--points-at")
            })
    };
    match sub {
        "" | "status" | "log" | "diff" | "show" | "fetch" | "rev-parse" | "describe" | "blame"
        | "ls-files" | "ls-remote" | "ls-tree" | "shortlog" | "grep" | "reflog" | "cat-file"
        | "show-ref" | "for-each-ref" | "count-objects" | "verify-commit" | "verify-tag"
        | "version" | "help" | "whatchanged" | "show-branch" | "name-rev" | "merge-base"
        | "rev-list" | "check-ignore" => Classification::read(),
        "config"
            if args
                .iter()
                .any(|a| matches!(a.as_str(), "--get" | "--list" | "-l" | "--get-all")) =>
        {
            Classification::read()
        }
        "remote"
            if rest.is_empty()
                || rest.first() == Some(&"show")
                || rest.first() == Some(&"get-url") =>
        {
            Classification::read()
        }
        "branch" if has(args, "-D") || has(args, "--delete") && has(args, "--force") => {
            Classification::destructive("git branch -D deletes a branch")
        }
        "branch"
            if rest.is_empty()
                && flags_only(&[
                    "-a",
                    "-r",
                    "-v",
                    "-vv",
                    "--list",
                    "-l",
                    "--show-current",
                    "--all",
                    "--remotes",
                    "--merged",
                    "--no-merged",
                ]) =>
        {
            Classification::read()
        }
        "tag" if has(args, "-d") || has(args, "--delete") => {
            Classification::destructive("git tag -d deletes a tag")
        }
        "tag" if rest.is_empty() && flags_only(&["-l", "--list", "-n"]) => Classification::read(),
        "stash" if matches!(rest.first(), Some(&"list" | &"show")) => Classification::read(),
        "stash" if matches!(rest.first(), Some(&"drop" | &"clear")) => {
            Classification::destructive("git stash drop/clear discards work")
        }
        "secrets" if has(args, "--scan") || has(args, "--list") || has(args, "--scan-history") => {
            Classification::read()
        }
        "reset" if has(args, "--hard") => {
            Classification::destructive("git reset --hard discards work")
        }
        "clean"
            if args
                .iter()
                .any(|a| a.starts_with('-') && !a.starts_with("--") && a.contains('f'))
                || has(args, "--force") =>
        {
            Classification::destructive("git clean -f deletes files")
        }
        "push"
            if has(args, "--force")
                || has(args, "-f")
                || has_prefix(args, "--force-with-lease")
                || has(args, "--delete")
                || has(args, "-d")
                || has(args, "--mirror")
                || rest
                    .iter()
                    .any(|r| r.starts_with(':') || r.starts_with('+')) =>
        {
            Classification::destructive("git push rewrites or deletes remote history")
        }
        "checkout" | "restore"
            if rest.contains(&".") || has(args, "-f") || has(args, "--force") =>
        {
            Classification::destructive(format!("git {sub} discards local changes"))
        }
        _ => Classification::mutating(format!("git {sub} changes the repository")),
    }
}

fn classify_npm(p: &str, args: &[String]) -> Classification {
    let ps = positionals(
        args,
        &[
            "--prefix",
            "-w",
            "--workspace",
            "--registry",
            "--tag",
            "--access",
        ],
    );
    let sub = ps.first().copied().unwrap_or("");
    let read_script = |s: &str| {
        s.starts_with("test")
            || s.starts_with("lint")
            || s.starts_with("check")
            || s.starts_with("typecheck")
            || s.starts_with("type-check")
            || s == "build"
            || s == "format:check"
            || s == "audit"
    };
    match sub {
        "" | "ls" | "list" | "ll" | "la" | "outdated" | "view" | "info" | "show" | "why"
        | "explain" | "doctor" | "test" | "t" | "tst" | "help" | "search" | "ping" | "whoami"
        | "bin" | "root" | "prefix" | "fund" | "query" | "pack"
            if sub != "pack" || has(args, "--dry-run") =>
        {
            Classification::read()
        }
        "audit" if !ps.contains(&"fix") => Classification::read(),
        "config" | "get" if matches!(ps.get(1).copied(), Some("get" | "list" | "ls") | None) => {
            Classification::read()
        }
        "run" | "run-script" | "rum" | "urn" => match ps.get(1).copied() {
            Some(s) if read_script(s) => Classification::read(),
            Some(s) => Classification::mutating(format!("{p} run {s} runs a project script")),
            None => Classification::read(),
        },
        "unpublish" | "deprecate" => {
            Classification::destructive(format!("{p} {sub} removes a published package"))
        }
        // `yarn lint`, `pnpm test`: script shortcuts.
        s if p != "npm" && read_script(s) => Classification::read(),
        s => Classification::mutating(format!("{p} {s} changes packages or publishes")),
    }
}

fn classify_docker(p: &str, args: &[String], depth: usize) -> Classification {
    let with_value = [
        "-H",
        "--host",
        "--context",
        "-c",
        "--config",
        "-l",
        "--log-level",
    ];
    let ps = positionals(args, &with_value);
    let sub = ps.first().copied().unwrap_or("");
    let sub2 = ps.get(1).copied().unwrap_or("");
    let group_read = |s: &str| {
        matches!(
            s,
            "ls" | "list"
                | "inspect"
                | "history"
                | "logs"
                | "top"
                | "port"
                | "diff"
                | "stats"
                | "df"
                | "info"
                | "events"
                | "show"
                | "du"
        )
    };
    match sub {
        "" | "images" | "ps" | "inspect" | "logs" | "version" | "info" | "history" | "top"
        | "port" | "diff" | "search" | "scan" | "events" => Classification::read(),
        "stats" if has(args, "--no-stream") => Classification::read(),
        "scout" | "sbom" => Classification::read(),
        "image" | "container" | "volume" | "network" | "system" | "builder" | "buildx"
        | "context" | "manifest" | "plugin" | "secret" | "config" | "node" | "service"
        | "stack" => {
            if group_read(sub2) {
                Classification::read()
            } else if matches!(sub2, "rm" | "prune" | "remove" | "rmi") {
                Classification::destructive(format!("{p} {sub} {sub2} removes data"))
            } else {
                Classification::mutating(format!("{p} {sub} {sub2} changes images or containers"))
            }
        }
        "rm" | "rmi" => {
            Classification::destructive(format!("{p} {sub} removes containers or images"))
        }
        "compose" => classify_compose(
            &format!("{p} compose"),
            &args[args
                .iter()
                .position(|a| a == "compose")
                .map_or(args.len(), |i| i + 1)..],
            depth,
        ),
        "exec" | "run" => {
            let value_flags: &[&str] = &[
                "-u",
                "--user",
                "-e",
                "--env",
                "-w",
                "--workdir",
                "--env-file",
                "-v",
                "--volume",
                "-p",
                "--publish",
                "--name",
                "--network",
                "--entrypoint",
                "--platform",
                "-m",
                "--memory",
                "--cpus",
                "-l",
                "--label",
                "--mount",
                "--add-host",
                "-h",
                "--hostname",
                "--restart",
                "--pull",
                "--detach-keys",
            ];
            let start = args
                .iter()
                .position(|a| a == sub)
                .map_or(args.len(), |i| i + 1);
            let rest = &args[start..];
            let mut i = 0;
            while let Some(a) = rest.get(i) {
                if a.starts_with('-') && a.len() > 1 {
                    i += if value_flags.contains(&a.as_str()) {
                        2
                    } else {
                        1
                    };
                } else {
                    break;
                }
            }
            let mut c =
                Classification::mutating(format!("{p} {sub} runs a command in a container"));
            if let Some(inner) = rest.get(i + 1..).filter(|r| !r.is_empty())
                && depth < MAX_DEPTH
            {
                c.merge(classify_words(inner, Input::none(), depth + 1));
            }
            c
        }
        s => Classification::mutating(format!("{p} {s} changes images or containers")),
    }
}

fn classify_compose(p: &str, args: &[String], depth: usize) -> Classification {
    let ps = positionals(
        args,
        &[
            "-f",
            "--file",
            "-p",
            "--project-name",
            "--profile",
            "--env-file",
        ],
    );
    let sub = ps.first().copied().unwrap_or("");
    match sub {
        "" | "ps" | "logs" | "config" | "images" | "top" | "version" | "ls" | "port" | "events" => {
            Classification::read()
        }
        "down" if has(args, "-v") || has(args, "--volumes") || has(args, "--rmi") => {
            Classification::destructive(format!("{p} down -v removes volumes"))
        }
        "rm" => Classification::destructive(format!("{p} rm removes containers")),
        "exec" | "run" => {
            let value_flags: &[&str] = &[
                "-u",
                "--user",
                "-e",
                "--env",
                "-w",
                "--workdir",
                "--index",
                "--name",
                "-p",
                "--publish",
                "-v",
                "--volume",
                "--entrypoint",
            ];
            let start = args
                .iter()
                .position(|a| a == sub)
                .map_or(args.len(), |i| i + 1);
            let rest = &args[start..];
            let mut i = 0;
            while let Some(a) = rest.get(i) {
                if a.starts_with('-') && a.len() > 1 {
                    i += if value_flags.contains(&a.as_str()) {
                        2
                    } else {
                        1
                    };
                } else {
                    break;
                }
            }
            let mut c = Classification::mutating(format!("{p} {sub} runs a command in a service"));
            if let Some(inner) = rest.get(i + 1..).filter(|r| !r.is_empty())
                && depth < MAX_DEPTH
            {
                c.merge(classify_words(inner, Input::none(), depth + 1));
            }
            c
        }
        s => Classification::mutating(format!("{p} {s} changes services")),
    }
}

fn classify_psql(args: &[String], input: Input) -> Classification {
    if args
        .iter()
        .any(|a| a == "-f" || a.starts_with("--file") || (a.starts_with("-f") && a.len() > 2))
    {
        return Classification::mutating("psql -f runs a SQL file (unknown statements)");
    }
    if has(args, "-l") || has(args, "--list") {
        return Classification::read();
    }
    let mut c = Classification::read();
    let mut any = false;
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        let sql = if a == "-c" || a == "--command" {
            i += 1;
            args.get(i).map(String::as_str)
        } else {
            a.strip_prefix("--command=")
                .or_else(|| a.strip_prefix("-c").filter(|s| !s.is_empty()))
        };
        if let Some(sql) = sql {
            any = true;
            c.merge(classify_sql(sql));
        }
        i += 1;
    }
    if any {
        return c;
    }
    match (input.heredoc, input.file) {
        (Some(body), _) => classify_sql(body),
        (None, Some(f)) => {
            Classification::mutating(format!("psql runs the SQL file {f} (unknown statements)"))
        }
        (None, None) => Classification::mutating("psql without -c reads SQL from standard input"),
    }
}

fn classify_redis_cli(args: &[String], input: Input) -> Classification {
    let mut i = 0;
    while let Some(a) = args.get(i) {
        match a.as_str() {
            "-h" | "-p" | "-a" | "-u" | "-n" | "--user" | "--pass" | "-s" | "-r" | "-i" | "-d"
            | "--cacert" | "--cert" | "--key" | "--sni" => i += 2,
            "--scan"
            | "--bigkeys"
            | "--memkeys"
            | "--hotkeys"
            | "--stat"
            | "--latency"
            | "--latency-history"
            | "--latency-dist"
            | "--intrinsic-latency" => {
                return Classification::read();
            }
            "--pipe" => {
                return Classification::mutating(
                    "redis-cli --pipe sends commands from standard input",
                );
            }
            "--cluster" => {
                return match args.get(i + 1).map(String::as_str) {
                    Some("check" | "info") => Classification::read(),
                    _ => Classification::mutating("redis-cli --cluster changes the cluster"),
                };
            }
            "--eval" => return Classification::mutating("redis-cli --eval runs a Lua script"),
            s if s.starts_with('-') => i += 1,
            _ => break,
        }
    }
    let cmd: Vec<String> = args[i.min(args.len())..].to_vec();
    if cmd.is_empty() {
        return match input.heredoc {
            Some(body) => {
                let mut c = Classification::read();
                for line in body.lines().filter(|l| !l.trim().is_empty()) {
                    let words: Vec<String> = line.split_whitespace().map(str::to_string).collect();
                    c.merge(classify_redis(&words));
                }
                c
            }
            None => Classification::mutating(
                "redis-cli without a command reads commands from standard input",
            ),
        };
    }
    classify_redis(&cmd)
}

/// The class of a Redis command (`["PING"]`, `["SET", "k", "v"]`).
pub fn classify_redis(cmd: &[String]) -> Classification {
    let Some(first) = cmd.first() else {
        return Classification::mutating("no Redis command");
    };
    let name = first.to_ascii_uppercase();
    let sub = cmd
        .get(1)
        .map(|s| s.to_ascii_uppercase())
        .unwrap_or_default();
    match name.as_str() {
        "PING" | "INFO" | "GET" | "MGET" | "EXISTS" | "TTL" | "PTTL" | "TYPE" | "KEYS" | "SCAN"
        | "DBSIZE" | "HGET" | "HGETALL" | "HKEYS" | "HVALS" | "HLEN" | "HMGET" | "HEXISTS"
        | "HSCAN" | "LRANGE" | "LLEN" | "LINDEX" | "SCARD" | "SMEMBERS" | "SISMEMBER" | "SSCAN"
        | "ZRANGE" | "ZRANGEBYSCORE" | "ZREVRANGE" | "ZCARD" | "ZSCORE" | "ZRANK" | "ZCOUNT"
        | "ZSCAN" | "STRLEN" | "GETRANGE" | "ROLE" | "TIME" | "LASTSAVE" | "ECHO" | "COMMAND"
        | "XLEN" | "XRANGE" | "XREVRANGE" | "XINFO" | "XPENDING" | "PUBSUB" | "OBJECT" | "DUMP"
        | "BITCOUNT" | "GETBIT" | "PFCOUNT" | "GEOPOS" | "GEODIST" | "RANDOMKEY" | "LOLWUT"
        | "HELLO" | "AUTH" | "SELECT" | "READONLY" => Classification::read(),
        "CONFIG" if sub == "GET" => Classification::read(),
        "CLIENT" if matches!(sub.as_str(), "LIST" | "INFO" | "GETNAME" | "ID") => {
            Classification::read()
        }
        "MEMORY" if matches!(sub.as_str(), "USAGE" | "STATS" | "DOCTOR") => Classification::read(),
        "SLOWLOG" if matches!(sub.as_str(), "GET" | "LEN") => Classification::read(),
        "LATENCY" if matches!(sub.as_str(), "LATEST" | "HISTORY" | "DOCTOR" | "GRAPH") => {
            Classification::read()
        }
        "CLUSTER" if matches!(sub.as_str(), "INFO" | "NODES" | "SLOTS" | "SHARDS" | "MYID") => {
            Classification::read()
        }
        "FLUSHALL" | "FLUSHDB" | "DEL" | "UNLINK" | "SHUTDOWN" => {
            Classification::destructive(format!("Redis {name} removes data"))
        }
        "SCRIPT" | "FUNCTION" if sub == "FLUSH" => {
            Classification::destructive(format!("Redis {name} FLUSH removes scripts"))
        }
        _ => Classification::mutating(format!("Redis {name} changes data")),
    }
}

/// Removes comments and string literals from SQL, keeping its words.
fn sql_words_only(sql: &str) -> String {
    let b = sql.as_bytes();
    let mut out = String::with_capacity(sql.len());
    let mut i = 0;
    while i < b.len() {
        if b[i..].starts_with(b"--") {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if b[i..].starts_with(b"/*") {
            i += 2;
            while i < b.len() && !b[i..].starts_with(b"*/") {
                i += 1;
            }
            i += 2;
            out.push(' ');
        } else if b[i] == b'\'' {
            i += 1;
            while i < b.len() {
                if b[i] == b'\'' {
                    if b.get(i + 1) == Some(&b'\'') {
                        i += 2;
                        continue;
                    }
                    break;
                }
                i += 1;
            }
            i += 1;
            out.push_str(" '' ");
        } else if b[i] == b'$'
            && let Some(end) = sql[i + 1..].find('$')
        {
            // `$$ … $$`, `$tag$ … $tag$`.
            let tag = &sql[i..i + end + 2];
            if tag[1..tag.len() - 1]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
            {
                let body_start = i + tag.len();
                match sql[body_start..].find(tag) {
                    Some(n) => i = body_start + n + tag.len(),
                    None => i = b.len(),
                }
                out.push_str(" '' ");
            } else {
                out.push('$');
                i += 1;
            }
        } else {
            let ch = sql[i..].chars().next().unwrap_or(' ');
            out.push(ch);
            i += ch.len_utf8().max(1);
        }
    }
    out
}

/// The class of SQL text: every statement's, the most dangerous wins.
pub fn classify_sql(sql: &str) -> Classification {
    let mut c = Classification::read();
    let clean = sql_words_only(sql);
    let mut any = false;
    for stmt in clean.split(';') {
        let s = stmt.trim();
        if s.is_empty() {
            continue;
        }
        any = true;
        if let Some(meta) = s.strip_prefix('\\') {
            let name: String = meta
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '+')
                .collect();
            let read = name.starts_with('d')
                || matches!(
                    name.as_str(),
                    "l" | "l+"
                        | "conninfo"
                        | "x"
                        | "timing"
                        | "echo"
                        | "q"
                        | "encoding"
                        | "pset"
                        | "sv"
                        | "sf"
                );
            if !read {
                c.at_least(
                    SafetyClass::Mutating,
                    format!("psql \\{name} (unknown effect)"),
                );
            }
            continue;
        }
        let upper = s.to_ascii_uppercase();
        let words: Vec<&str> = upper
            .split(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_'))
            .filter(|w| !w.is_empty())
            .collect();
        let has = |w: &str| words.contains(&w);
        let first = words.first().copied().unwrap_or("");
        if has("DROP") || has("TRUNCATE") || has("DELETE") {
            let w = ["DROP", "TRUNCATE", "DELETE"]
                .into_iter()
                .find(|w| has(w))
                .unwrap_or("DROP");
            c.at_least(SafetyClass::Destructive, format!("SQL {w} removes data"));
            continue;
        }
        const WRITES: &[&str] = &[
            "INSERT", "UPDATE", "MERGE", "UPSERT", "REPLACE", "CREATE", "ALTER", "GRANT", "REVOKE",
            "COPY", "VACUUM", "REINDEX", "CLUSTER", "REFRESH", "COMMENT", "LOCK", "CALL", "DO",
            "IMPORT", "REASSIGN", "SECURITY", "RENAME", "OPTIMIZE", "ATTACH", "DETACH", "SYSTEM",
            "KILL",
        ];
        if let Some(w) = words.iter().find(|w| WRITES.contains(w)) {
            c.at_least(
                SafetyClass::Mutating,
                format!("SQL {w} changes the database"),
            );
            continue;
        }
        let side_effects = [
            "PG_TERMINATE_BACKEND",
            "PG_CANCEL_BACKEND",
            "PG_RELOAD_CONF",
            "PG_ROTATE_LOGFILE",
            "PG_SWITCH_WAL",
            "PG_PROMOTE",
            "PG_CREATE_RESTORE_POINT",
            "PG_DROP_REPLICATION_SLOT",
            "PG_CREATE_PHYSICAL_REPLICATION_SLOT",
            "PG_CREATE_LOGICAL_REPLICATION_SLOT",
            "NEXTVAL",
            "SETVAL",
            "LO_UNLINK",
            "LO_IMPORT",
            "LO_EXPORT",
            "SET_CONFIG",
            "DBLINK_EXEC",
            "PG_FILE_WRITE",
            "PG_STAT_RESET",
            "PG_ADVISORY_LOCK",
            "PG_ADVISORY_XACT_LOCK",
        ];
        if let Some(f) = words.iter().find(|w| side_effects.contains(w)) {
            c.at_least(
                SafetyClass::Mutating,
                format!("SQL function {} has side effects", f.to_ascii_lowercase()),
            );
            continue;
        }
        match first {
            "SELECT" | "WITH" | "VALUES" | "TABLE" | "SHOW" | "DESCRIBE" | "DESC" | "EXPLAIN"
            | "BEGIN" | "START" | "COMMIT" | "END" | "ROLLBACK" | "FETCH" | "USE" | "RESET"
            | "DISCARD" | "EXISTS" | "CHECK" => {
                if first == "SELECT" && has("INTO") {
                    c.at_least(SafetyClass::Mutating, "SELECT … INTO creates a table");
                } else if has("FOR") && has("UPDATE") || has("SHARE") && has("FOR") {
                    c.at_least(SafetyClass::Mutating, "SELECT … FOR UPDATE takes locks");
                } else if first == "EXPLAIN"
                    && has("ANALYZE")
                    && !words
                        .iter()
                        .skip(1)
                        .any(|w| matches!(*w, "SELECT" | "WITH" | "VALUES" | "TABLE"))
                {
                    c.at_least(SafetyClass::Mutating, "EXPLAIN ANALYZE runs the statement");
                }
            }
            "SET" => {
                if has("GLOBAL") || has("PERSIST") {
                    c.at_least(SafetyClass::Mutating, "SET GLOBAL changes the server");
                }
            }
            "ANALYZE" => c.at_least(SafetyClass::Mutating, "ANALYZE rewrites statistics"),
            other => c.at_least(
                SafetyClass::Mutating,
                format!("SQL {other} (unknown statement)"),
            ),
        }
    }
    if !any {
        return Classification::read();
    }
    c
}

fn classify_migration(p: &str, args: &[String]) -> Classification {
    let ps: Vec<String> = positionals(
        args,
        &[
            "-path",
            "-database",
            "-source",
            "--env",
            "-e",
            "--config",
            "-c",
            "--url",
            "-dir",
            "--dir",
        ],
    )
    .into_iter()
    .map(str::to_ascii_lowercase)
    .collect();
    const DESTRUCTIVE: &[&str] = &[
        "revert",
        "down",
        "downgrade",
        "rollback",
        "reset",
        "drop",
        "clean",
        "redo",
        "undo",
        "drop-all",
        "force",
        "goto",
        "db:drop",
        "db:reset",
        "db:rollback",
        "migrate:rollback",
        "migrate:reset",
        "migrate:fresh",
        "migrate:refresh",
        "migration:revert",
        "migrate:down",
        "migrate:undo",
        "db:migrate:undo",
        "db:migrate:undo:all",
    ];
    const READ: &[&str] = &[
        "status",
        "info",
        "current",
        "history",
        "heads",
        "list",
        "version",
        "validate",
        "check",
        "show",
        "migrate:status",
        "db:version",
        "migration:show",
        "pending",
        "print",
    ];
    if let Some(d) = ps.iter().find(|w| DESTRUCTIVE.contains(&w.as_str())) {
        return Classification::destructive(format!("{p} {d} undoes migrations or drops data"));
    }
    if !ps.is_empty()
        && ps.iter().any(|w| READ.contains(&w.as_str()))
        && !ps.iter().any(|w| {
            matches!(
                w.as_str(),
                "up" | "run"
                    | "upgrade"
                    | "deploy"
                    | "apply"
                    | "latest"
                    | "db:migrate"
                    | "migrate:latest"
                    | "migration:run"
                    | "update"
            )
        })
    {
        return Classification::read();
    }
    Classification::mutating(format!("{p} {} applies migrations", ps.join(" ")))
}

fn classify_cloud(p: &str, args: &[String]) -> Classification {
    let ps: Vec<&str> = positionals(
        args,
        &[
            "--region",
            "--profile",
            "--project",
            "-o",
            "--output",
            "--query",
            "-g",
            "--resource-group",
            "--zone",
            "-R",
            "--repo",
            "--format",
        ],
    );
    let verbs: Vec<String> = ps.iter().map(|w| w.to_ascii_lowercase()).collect();
    let destructive = verbs.iter().find(|v| {
        v.starts_with("delete")
            || v.starts_with("remove")
            || v.starts_with("terminate")
            || v.starts_with("destroy")
            || v.starts_with("purge")
            || v.starts_with("deregister")
            || matches!(v.as_str(), "rm" | "rb")
    });
    if let Some(d) = destructive {
        return Classification::destructive(format!("{p} {d} removes resources"));
    }
    if p == "aws" && verbs.first().map(String::as_str) == Some("s3") {
        return match verbs.get(1).map(String::as_str) {
            Some("ls" | "presign") => Classification::read(),
            Some("sync") if has(args, "--delete") => {
                Classification::destructive("aws s3 sync --delete removes objects")
            }
            Some(op) => Classification::mutating(format!("aws s3 {op} writes objects")),
            None => Classification::read(),
        };
    }
    let read = verbs.iter().any(|v| {
        v.starts_with("describe")
            || v.starts_with("list")
            || v.starts_with("get")
            || v.starts_with("show")
            || matches!(
                v.as_str(),
                "ls" | "view"
                    | "status"
                    | "diff"
                    | "checks"
                    | "whoami"
                    | "version"
                    | "wait"
                    | "info"
                    | "logs"
            )
    }) && !verbs
        .iter()
        .any(|v| matches!(v.as_str(), "get-credentials" | "get-login-password"));
    if read {
        Classification::read()
    } else {
        Classification::mutating(format!(
            "{p} {} changes resources",
            ps.iter().take(3).copied().collect::<Vec<_>>().join(" ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::SafetyClass::*;
    use super::*;

    fn c(line: &str) -> SafetyClass {
        classify_block(line).class
    }

    #[test]
    fn read_commands() {
        for s in [
            "curl -f https://staging-api.yourdomain.com/health",
            "curl -I https://staging.toolboxai.com/",
            "curl -X GET https://x/",
            "curl -s https://x/ > /dev/null 2>&1",
            "psql -d nox_staging -c \"SELECT version();\"",
            "psql -d nox_staging -c \"SELECT COUNT(*) FROM users;\"",
            "psql -c 'EXPLAIN SELECT 1'",
            "psql -c 'EXPLAIN ANALYZE SELECT * FROM users WHERE email = $$x$$'",
            "redis-cli -h <redis-host> ping",
            "redis-cli info server",
            "redis-cli GET session:1",
            "kubectl get pods -n nox-staging-green",
            "kubectl get pods -n nox-staging-green -w",
            "kubectl describe pod [POD_NAME] -n toolboxai",
            "kubectl logs -f deployment/nox-api-deployment -n nox-staging-green",
            "kubectl top pods",
            "kubectl wait --for=condition=ready pod -l app=nox-api -n nox-production-green --timeout=300s",
            "kubectl rollout status deployment/backend -n toolboxai-staging",
            "kubectl rollout history deployment/backend",
            "kubectl auth can-i get pods",
            "kubectl version",
            "kubectl config view",
            "kubectl -n x get pods",
            "kubectl apply --dry-run=client -k infrastructure/kubernetes/overlays/staging/",
            "kubectl apply --dry-run=client -f k8s/",
            "git status",
            "git log --oneline -5",
            "git diff",
            "git show v8.0.0",
            "git fetch",
            "git rev-parse HEAD",
            "git describe --tags",
            "git tag",
            "git secrets --scan",
            "cargo test --all",
            "cargo clippy --all -- -D warnings",
            "cargo fmt --all -- --check",
            "cargo check",
            "cargo build --all 2>&1 | grep warning",
            "cargo audit",
            "npm audit --audit-level=high",
            "npm audit --production",
            "npm ls",
            "npm test",
            "npm run lint",
            "npm run test",
            "pip-audit --requirement requirements.txt",
            "promtool check config infrastructure/docker/config/prometheus/prometheus.yml",
            "nc -z db 5432",
            "nc -zv db 5432",
            "telnet staging-rtmp.nova-social.io 1935",
            "openssl s_client -connect x:443",
            "wscat -c wss://staging-api.yourdomain.com/ws",
            "dig api.novacron.io",
            "nslookup api.novacron.io",
            "host api.novacron.io",
            "echo hi",
            "printf '%s' x",
            "cat infrastructure/docker/config/loki/loki-config.yml",
            "grep -r \"rate_limit\" backend/",
            "jq . x.json",
            "head -5 f",
            "tail -f log",
            "wc -l f",
            "sleep 5",
            "date",
            "test -f x",
            "[ -f x ]",
            "docker images toolboxai/* --format \"table {{.Repository}}\"",
            "docker ps",
            "docker inspect x",
            "docker logs x",
            "docker scan nox-api:v8.0.0",
            "docker compose ps",
            "helm list",
            "helm status nova",
            "helm history nova",
            "argocd app get toolboxai-backend",
            "trivy image x",
            "snyk test",
            "export BASE_URL=\"https://staging-api.yourdomain.com\"",
            "X=1",
            "cd /home/lppoulin/nox-api-src",
            "ls -lh /backup/postgres/",
            "pytest tests/integration/ -v --tb=short",
            "sqlx migrate info",
            "sqlx migrate run --dry-run",
            "alembic current",
            "alembic history",
            "watch -n 30 'kubectl get pods -n nox-production-green'",
            "time curl -s https://app.toolboxai.com/api/v1/health > /dev/null",
            "kubectl cluster-info",
            "./scripts/test-recovery.sh --dry-run",
            "go build ./...",
            "xcodebuild -scheme NovaSocialApp -configuration Release -derivedDataPath build",
            "pg_dump nox_staging",
            "sudo kubectl get nodes",
            "ab -n 1000 -c 10 https://app.toolboxai.com/",
        ] {
            assert_eq!(c(s), Read, "{s}: {:?}", classify_block(s).reasons);
        }
    }

    #[test]
    fn mutating_commands() {
        for s in [
            "curl -X POST https://staging-api.yourdomain.com/xtb/v1 -d '{}'",
            "curl https://x/y -d '{}'",
            "curl -X PUT https://x/y",
            "curl -X PATCH https://x/y",
            "curl -X DELETE \"https://staging-api.nova-social.io/api/v1/streams/$STREAM_ID\"",
            "curl -o page.html https://x/",
            "curl https://x/ > page.html",
            "curl --proxy http://p -X POST https://x/",
            "curl -K request.cfg https://x/",
            "curl -d @body.json https://x/",
            "curl -F file=@a.txt https://x/upload",
            "echo '{}' | curl -T - https://x/",
            "psql -c \"$SQL\"",
            "kubectl apply -f k8s/staging/ -n nox-staging-green",
            "kubectl patch ingress nox-api-ingress -n nox-production -p '{\"spec\":{}}'",
            "kubectl scale deployment nox-api-deployment-green --replicas=0 -n nox-production-green",
            "kubectl set image deploy/x x=y",
            "kubectl rollout restart deployment/x",
            "kubectl rollout undo deployment/backend -n toolboxai",
            "kubectl annotate pod x a=b",
            "kubectl label pod x a=b",
            "kubectl create ns x",
            "kubectl port-forward svc/nox-api-service-green 8080:80 -n nox-production-green &",
            "kubectl exec -it postgres-pod -n nox-production -- psql nox_production -c \"SELECT 1;\"",
            "kubectl run -it --rm debug --image=alpine --restart=Never -- sh",
            "sqlx migrate run",
            "alembic upgrade head",
            "npx prisma migrate deploy",
            "migrate -path db -database $DB up",
            "psql -d nox_staging < /migrations/v8_to_v8.0.0.sql",
            "psql nox_production -f /migrations/v8_to_v8.0.0.sql",
            "psql -c \"INSERT INTO t VALUES (1)\"",
            "psql -c \"UPDATE t SET a = 1\"",
            "psql -c \"CREATE TABLE t (a int)\"",
            "psql -c \"ALTER TABLE t ADD COLUMN b int\"",
            "psql -c 'ANALYZE;'",
            "psql -c \"SELECT pg_terminate_backend(123)\"",
            "git tag -a v8.0.0 -m \"NOX API v8.0.0\"",
            "git tag v0.x.x",
            "git push origin v8.0.0",
            "git commit -m x",
            "git merge main",
            "git checkout main",
            "git pull origin main",
            "docker build -t nox-api:v8.0.0 .",
            "docker push your-registry.com/nox-api:v8.0.0",
            "docker tag nox-api:v8.0.0 your-registry.com/nox-api:v8.0.0",
            "docker run --rm alpine echo hi",
            "docker buildx build --platform linux/amd64 -t x --push .",
            "npm publish --access public",
            "npm version 8.0.0",
            "npm install @nox/api-sdk@8.0.0",
            "twine upload dist/*",
            "helm install nova chart",
            "helm upgrade nova chart",
            "helm rollback nova-streaming",
            "chmod +x /home/lppoulin/nox-api-src/scripts/verify_env.py",
            "./scripts/validate_staging.sh",
            "./scripts/verify_env.py",
            "python /home/lppoulin/nox-api-src/scripts/verify_env.py",
            "python setup.py sdist bdist_wheel",
            "node examples/javascript-viewer-client.js --stream-id x",
            "SKIP_LOAD_TEST=false LOAD_TEST_DURATION=5m ./scripts/validate_staging.sh",
            "redis-cli SET k v",
            "kill $PORT_FORWARD_PID",
            "pkill nginx",
            "systemctl restart nginx",
            "sed -i 's/version=\".*\"/version=\"8.0.0\"/' setup.py",
            "cargo update",
            "cargo fmt",
            "pip install locust",
            "sudo apt-get install k6",
            "aws s3 cp staging_backup.sql s3://nox-backups/archives/v8.0.0/",
            "argocd app sync toolboxai-backend",
            "argocd app set toolboxai-backend --sync-policy none",
            "k6 run load-test-script.js",
            "some-unknown-tool --flag",
            "pg_dump nox_staging > backup.sql",
            "echo x > out.txt",
            "echo x | tee out.txt",
            "source .env",
            "bash -c 'kubectl apply -f x'",
            "STREAM_ID=$(curl -s -X POST https://x/api/v1/streams | jq -r '.id')",
            "docker compose exec postgres psql -c \"SELECT 1\"",
            "alembic upgrade head --sql > migration.sql",
        ] {
            assert_eq!(c(s), Mutating, "{s}: {:?}", classify_block(s).reasons);
        }
    }

    #[test]
    fn destructive_commands() {
        for s in [
            "kubectl delete namespace nox-staging-green",
            "kubectl drain node-1",
            "psql -c \"DROP TABLE users\"",
            "psql -c \"TRUNCATE t\"",
            "psql -c \"DELETE FROM users\"",
            "psql -c 'ALTER TABLE t DROP COLUMN b'",
            "psql -c 'EXPLAIN ANALYZE DELETE FROM t'",
            "pg_restore -d nox_production backup_pre_v8.0.0_TIMESTAMP.sql",
            "kubectl exec -it postgres-pod -n nox-production -- pg_restore -d nox_production backup.sql",
            "dropdb nox_staging",
            "rm -rf /tmp/x",
            "rm -r build",
            "rm file.txt",
            "sudo rm -rf /var/lib/x",
            "docker image prune -f",
            "docker system prune -af",
            "docker rmi x",
            "sqlx migrate revert --all",
            "alembic downgrade -1",
            "migrate -path db -database $DB down 1",
            "helm uninstall nova",
            "redis-cli FLUSHALL",
            "redis-cli -h cache flushdb",
            "redis-cli DEL key",
            "git push --force origin main",
            "git reset --hard HEAD~1",
            "ssh host 'rm -rf /srv/app'",
            "echo 'rm -rf /'",
            "npx prisma migrate reset",
            "terraform destroy",
            "aws s3 rm s3://bucket/x",
            "argocd app sync toolboxai-backend --prune",
            "kubectl apply -f k8s/ --prune -l app=x",
            "find /tmp -name '*.log' -delete",
            "kubectl delete pod x --dry-run=client -- rm -rf /",
            "kubectl -n ns delete pod x",
            "git -C repo push --force origin main",
            "docker compose -f x.yml down -v",
            "sudo -E kubectl delete ns x",
            "echo \"DROP TABLE x\" | psql",
            "redis-cli -h x -a pass FLUSHALL",
            "watch -n 5 'kubectl delete pod -l app=x'",
        ] {
            assert_eq!(c(s), Destructive, "{s}: {:?}", classify_block(s).reasons);
        }
        // `--dry-run` makes even a delete read.
        assert_eq!(c("kubectl delete pod x --dry-run=client"), Read);
        assert_eq!(c("kubectl delete pod x --dry-run=none"), Destructive);
    }

    #[test]
    fn sql_text() {
        assert_eq!(classify_sql("SELECT 1; SELECT 2").class, Read);
        assert_eq!(classify_sql("-- DROP TABLE x\nSELECT 1").class, Read);
        assert_eq!(classify_sql("SELECT 'drop table x'").class, Read);
        assert_eq!(classify_sql("SELECT 1; DROP TABLE x").class, Destructive);
        assert_eq!(
            classify_sql("SELECT * INTO backup FROM users").class,
            Mutating
        );
        assert_eq!(classify_sql("SELECT * FROM t FOR UPDATE").class, Mutating);
        assert_eq!(classify_sql("\\dt").class, Read);
        assert_eq!(classify_sql("\\i evil.sql").class, Mutating);
        assert_eq!(
            classify_sql("WITH x AS (DELETE FROM t RETURNING *) SELECT * FROM x").class,
            Destructive
        );
        // Seed 000, Data Completeness Check.
        assert_eq!(
            classify_sql(
                "SELECT table_name, (xpath('/row/cnt/text()', xml_count))[1]::text::int as row_count FROM (SELECT table_name, query_to_xml(format('select count(*) as cnt from %I.%I', table_schema, table_name), false, true, '') as xml_count FROM information_schema.tables WHERE table_schema = 'public') t;"
            )
            .class,
            Read
        );
        assert_eq!(classify_sql("FROBNICATE x").class, Mutating);
    }

    #[test]
    fn heredocs_are_classified() {
        assert_eq!(c("psql -d db <<EOF\nSELECT 1;\nEOF\n"), Read);
        assert_eq!(c("psql -d db <<EOF\nDELETE FROM t;\nEOF\n"), Destructive);
        assert_eq!(c("bash <<'EOF'\nkubectl get pods\nEOF\n"), Read);
        assert_eq!(c("bash <<'EOF'\nkubectl apply -f x\nEOF\n"), Mutating);
        assert_eq!(c("cat <<EOF > config.yml\na: 1\nEOF\n"), Mutating);
        assert_eq!(c("kubectl apply -f - <<EOF\nkind: Pod\nEOF\n"), Mutating);
    }

    #[test]
    fn blocks_take_the_most_dangerous_command() {
        // Seed 000, Emergency Rollback Plan.
        let b = classify_block(
            "# If critical issues detected within 24 hours:\n\n# 1. Immediate rollback (Blue-Green)\nkubectl patch ingress nox-api-ingress -n nox-production \\\n  -p '{\"spec\":{}}'\n\n# 2. Database rollback (if needed)\npg_restore -d nox_production backup_pre_v8.0.0_TIMESTAMP.sql\n\n# 4. Investigate root cause\nkubectl logs -f deployment/nox-api-deployment -n nox-production > rollback_investigation.log\n",
        );
        assert_eq!(b.class, Destructive);
        assert_eq!(
            b.decided_by,
            Some((
                8,
                "pg_restore -d nox_production backup_pre_v8.0.0_TIMESTAMP.sql".into()
            ))
        );
        assert!(
            b.reasons
                .iter()
                .any(|r| r.starts_with("line 4: kubectl patch"))
        );
        assert!(
            b.reasons
                .iter()
                .any(|r| r.contains("writes rollback_investigation.log"))
        );
        let b = classify_block("kubectl get pods\nkubectl apply -f x\nkubectl apply -f y\n");
        assert_eq!(b.decided_by, Some((2, "kubectl apply -f x".into())));
        let b = classify_block("# nothing to run\n");
        assert_eq!((b.class, b.decided_by), (Read, None));
        let b = classify_block("echo 'unterminated\n");
        assert_eq!(b.class, Mutating);
    }

    #[test]
    fn sudo_is_noted() {
        let cmd = &split_script("sudo apt-get install k6").commands[0];
        let k = classify_command(cmd);
        assert!(k.sudo);
        assert_eq!(k.class, Mutating);
        assert!(k.reasons.iter().any(|r| r == "runs with sudo"));
        let k = classify_argv(&[
            "sudo".into(),
            "-u".into(),
            "postgres".into(),
            "psql".into(),
            "-c".into(),
            "SELECT 1".into(),
        ]);
        assert_eq!((k.class, k.sudo), (Read, true));
    }

    #[test]
    fn redis_commands() {
        let r = |s: &str| {
            classify_redis(&s.split_whitespace().map(str::to_string).collect::<Vec<_>>()).class
        };
        assert_eq!(r("PING"), Read);
        assert_eq!(r("info server"), Read);
        assert_eq!(r("CONFIG GET maxmemory"), Read);
        assert_eq!(r("CONFIG SET maxmemory 1"), Mutating);
        assert_eq!(r("SET k v"), Mutating);
        assert_eq!(r("FLUSHALL"), Destructive);
        assert_eq!(r("FLUSHDB"), Destructive);
    }

    proptest::proptest! {
        #[test]
        fn never_read_with_rm_rf_or_drop_table(prefix in "\\PC{0,40}", suffix in "\\PC{0,40}", needle in proptest::sample::select(vec!["rm -rf", "DROP TABLE", "drop table"])) {
            let text = format!("{prefix}{needle}{suffix}");
            let b = classify_block(&text);
            proptest::prop_assert!(b.class > Read, "{text:?}: {b:?}");
        }

        #[test]
        fn never_read_with_rm_rf_as_a_command_argument(prog in "[a-z]{1,8}", pre in "[a-z -]{0,10}", post in "[a-z /-]{0,10}") {
            let text = format!("{prog} {pre} rm -rf {post}");
            proptest::prop_assert_eq!(classify_block(&text).class, Destructive, "{}", text);
            let sql = format!("psql -c \"{pre} DROP TABLE x {post}\"");
            proptest::prop_assert_eq!(classify_block(&sql).class, Destructive);
        }

        #[test]
        fn never_panics(s in "\\PC{0,200}") {
            let _ = classify_block(&s);
            let _ = classify_sql(&s);
        }
    }
}
