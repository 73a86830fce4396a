//! Cluster, container, cloud and version-control CLIs: global flags before
//! the verb, read-only verbs, dry runs that really are dry runs.

use super::judge::{Ctx, Spec, Verdict, getopt, short};
use super::shell::Word;
use super::tools::{has, has_prefix, judge_inner, m};

/// A short-option bundle (`-xvf`) holding `letter`; these CLIs' bundles
/// hold no value-taking letters that matter here.
fn bundle_has(args: &[Word], letter: char) -> bool {
    super::tools::bundle_has(args, letter, "")
}

/// `--dry-run`, `--dry-run=client|server|true`; never `=none`/`=false`.
/// The last one counts, as it does for the tools.
pub(crate) fn dry_run(args: &[Word]) -> bool {
    let last = args
        .iter()
        .rev()
        .find(|w| w.text.starts_with("--dry-run") || w.text == "--no-dry-run");
    last.is_some_and(|w| {
        w.literal
            && match w.text.strip_prefix("--dry-run") {
                Some("") => true,
                Some(v) => matches!(v, "=client" | "=server" | "=true"),
                None => false,
            }
    })
}

/// Splits `args` at the verb: global options first (those in `val` take
/// a value, those in `boolean` do not, `=` forms of either are fine).
/// Errors on an unknown option or a verb from an expansion.
fn split_verb<'a>(
    program: &str,
    args: &'a [Word],
    val: &[&str],
    boolean: &[&str],
) -> Result<Option<(&'a str, &'a [Word])>, Verdict> {
    let mut i = 0;
    while i < args.len() {
        let w = &args[i];
        let t = w.text.as_str();
        if !w.lead_literal {
            return Err(m(format!(
                "`{program}` with `{}` from an expansion before its verb",
                short(t)
            )));
        }
        if !t.starts_with('-') || t == "-" {
            return Ok(Some((t, &args[i + 1..])));
        }
        if t == "--" {
            return Ok(args.get(i + 1).map(|w| (w.text.as_str(), &args[i + 2..])));
        }
        let name = t.split_once('=').map_or(t, |(n, _)| n);
        if val.contains(&name) {
            i += if t.contains('=') { 1 } else { 2 };
            continue;
        }
        if boolean.contains(&name) {
            i += 1;
            continue;
        }
        // Attached short values: `-nkube-system`.
        if !t.starts_with("--") && t.len() > 2 {
            let short_name: String = t.chars().take(2).collect();
            if val.contains(&short_name.as_str()) {
                i += 1;
                continue;
            }
        }
        return Err(m(format!("`{program}`: global option `{name}` not known")));
    }
    Ok(None)
}

/// Positional words after skipping options; `value_flags` take the next
/// word. Words after `--` are the command the tool runs, not its own.
fn positionals<'a>(args: &'a [Word], value_flags: &[&str]) -> Vec<&'a Word> {
    super::tools::scan_positionals(args, value_flags, false)
}

fn first_pos<'a>(args: &'a [Word], value_flags: &[&str]) -> &'a str {
    positionals(args, value_flags)
        .first()
        .filter(|w| w.literal)
        .map(|w| w.text.as_str())
        .unwrap_or("")
}

fn not_read(program: &str, verb: &str) -> Verdict {
    m(format!("`{program} {verb}` is not known to be read-only"))
}

const KUBECTL_VAL: &[&str] = &[
    "-n",
    "--namespace",
    "--context",
    "--cluster",
    "--user",
    "-s",
    "--server",
    "--kubeconfig",
    "--token",
    "--as",
    "--as-group",
    "--as-uid",
    "--request-timeout",
    "-v",
    "--v",
    "--vmodule",
    "--certificate-authority",
    "--client-certificate",
    "--client-key",
    "--tls-server-name",
    "--cache-dir",
    "--password",
    "--username",
];
const KUBECTL_BOOL: &[&str] = &[
    "--insecure-skip-tls-verify",
    "--match-server-version",
    "--warnings-as-errors",
    "--disable-compression",
];
const KUBECTL_ARG_VAL: &[&str] = &[
    "-n",
    "--namespace",
    "--context",
    "-o",
    "--output",
    "-l",
    "--selector",
    "-f",
    "--filename",
    "-c",
    "--container",
    "--field-selector",
    "--kubeconfig",
];

pub(crate) fn kubectl(name: &str, args: &[Word], ctx: &Ctx) -> Verdict {
    let (verb, rest) = match split_verb(name, args, KUBECTL_VAL, KUBECTL_BOOL) {
        Ok(Some(x)) => x,
        Ok(None) => return Verdict::read(),
        Err(v) => return v,
    };
    if has_prefix(args, &["--profile", "--log-file", "--log-dir"]) {
        return m(format!("`{name}` writes profiles or logs to files"));
    }
    let sub = first_pos(rest, KUBECTL_ARG_VAL);
    let dry = dry_run(rest);
    match verb {
        "get" | "describe" | "logs" | "top" | "explain" | "version" | "api-resources"
        | "api-versions" | "diff" | "wait" | "events" | "completion" | "options" => Verdict::read(),
        "kustomize" if !has_prefix(rest, &["--enable-alpha-plugins", "--enable-exec"]) => {
            Verdict::read()
        }
        "cluster-info" => {
            if sub == "dump" && has_prefix(rest, &["--output-directory"]) {
                m("`kubectl cluster-info dump --output-directory` writes files")
            } else {
                Verdict::read()
            }
        }
        "auth" if matches!(sub, "can-i" | "whoami") => Verdict::read(),
        "config"
            if matches!(
                sub,
                "view" | "get-contexts" | "current-context" | "get-clusters" | "get-users"
            ) =>
        {
            Verdict::read()
        }
        "rollout" if matches!(sub, "status" | "history") => Verdict::read(),
        "plugin" if sub == "list" => Verdict::read(),
        "exec" => match rest.iter().position(|w| w.text == "--" && w.literal) {
            Some(dd) => judge_inner(&rest[dd + 1..], ctx),
            None => m("`kubectl exec` without `--`: the command is not clear"),
        },
        "delete" | "drain" if dry => Verdict::read(),
        "delete" | "drain" => Verdict::destructive(format!("`{name} {verb}` removes resources")),
        "apply" | "create" | "patch" | "replace" | "scale" | "set" | "annotate" | "label"
        | "expose" | "run" | "autoscale" | "cordon" | "uncordon" | "taint" | "rollout" | "auth"
            if dry =>
        {
            Verdict::read()
        }
        _ => not_read(name, format!("{verb} {sub}").trim()),
    }
}

pub(crate) fn helm(args: &[Word]) -> Verdict {
    let val = [
        "-n",
        "--namespace",
        "--kube-context",
        "--kubeconfig",
        "--registry-config",
        "--repository-cache",
        "--repository-config",
        "--burst-limit",
        "--kube-apiserver",
        "--kube-as-group",
        "--kube-as-user",
        "--kube-ca-file",
        "--kube-token",
        "--kube-tls-server-name",
        "--qps",
        "--content-cache",
    ];
    let (verb, rest) = match split_verb(
        "helm",
        args,
        &val,
        &["--debug", "--kube-insecure-skip-tls-verify"],
    ) {
        Ok(Some(x)) => x,
        Ok(None) => return Verdict::read(),
        Err(v) => return v,
    };
    let sub = first_pos(rest, &val);
    let dry = dry_run(rest);
    if has_prefix(rest, &["--post-renderer"]) {
        return m("`helm --post-renderer` runs a program");
    }
    match verb {
        "list" | "ls" | "status" | "history" | "hist" | "get" | "show" | "inspect" | "lint"
        | "search" | "version" | "env" | "verify" | "diff" => Verdict::read(),
        "template" if !has_prefix(rest, &["--output-dir"]) => Verdict::read(),
        "repo" | "plugin" | "dependency" | "dep" if matches!(sub, "list" | "ls") => Verdict::read(),
        "install" | "upgrade" | "uninstall" | "delete" | "del" | "un" | "rollback" if dry => {
            Verdict::read()
        }
        "uninstall" | "delete" | "del" | "un" => {
            Verdict::destructive(format!("`helm {verb}` removes a release"))
        }
        _ => not_read("helm", verb),
    }
}

const DOCKER_VAL: &[&str] = &[
    "-H",
    "--host",
    "-c",
    "--context",
    "--config",
    "-l",
    "--log-level",
    "--tlscacert",
    "--tlscert",
    "--tlskey",
];

pub(crate) fn docker(name: &str, args: &[Word], ctx: &Ctx) -> Verdict {
    let (verb, rest) = match split_verb(
        name,
        args,
        DOCKER_VAL,
        &["-D", "--debug", "--tls", "--tlsverify"],
    ) {
        Ok(Some(x)) => x,
        Ok(None) => return Verdict::read(),
        Err(v) => return v,
    };
    let read_verbs = [
        "ps", "images", "inspect", "logs", "version", "info", "stats", "top", "port", "events",
        "history", "diff", "search",
    ];
    match verb {
        "compose" => compose(&format!("{name} compose"), rest, ctx),
        v if read_verbs.contains(&v) => Verdict::read(),
        "rm" | "rmi" => {
            Verdict::destructive(format!("`{name} {verb}` removes containers or images"))
        }
        "exec" => {
            let spec = Spec {
                short_val: "euw",
                short_bool: "dit",
                short_opt: "",
                long_val: &["env", "env-file", "user", "workdir", "detach-keys"],
                long_bool: &["detach", "interactive", "tty", "privileged"],
            };
            match getopt(rest, &spec, true) {
                Ok(o) => {
                    let inner = o.operands.get(1).map(|&i| &rest[i..]).unwrap_or(&[]);
                    judge_inner(inner, ctx)
                }
                Err(e) => m(format!("`{name} exec`: {e}")),
            }
        }
        "image" | "container" | "volume" | "network" | "system" | "context" | "node"
        | "service" | "stack" | "secret" | "config" | "plugin" | "manifest" | "buildx"
        | "builder" | "scout" | "trust" => {
            let sub = first_pos(rest, &["-f", "--filter", "--format"]);
            match sub {
                "ls" | "list" | "ps" | "inspect" | "logs" | "top" | "port" | "stats" | "diff"
                | "history" | "df" | "info" | "events" | "show" | "cves" | "quickview"
                | "recommendations" | "compare" | "version" => Verdict::read(),
                "rm" | "remove" | "prune" => {
                    Verdict::destructive(format!("`{name} {verb} {sub}` removes data"))
                }
                _ => not_read(name, &format!("{verb} {sub}")),
            }
        }
        _ => not_read(name, verb),
    }
}

pub(crate) fn compose(name: &str, args: &[Word], ctx: &Ctx) -> Verdict {
    let val = [
        "-f",
        "--file",
        "-p",
        "--project-name",
        "--project-directory",
        "--env-file",
        "--profile",
        "--ansi",
        "--progress",
        "--parallel",
    ];
    let (verb, rest) = match split_verb(
        name,
        args,
        &val,
        &[
            "--compatibility",
            "--all-resources",
            "--dry-run",
            "--verbose",
            "--no-ansi",
        ],
    ) {
        Ok(Some(x)) => x,
        Ok(None) => return Verdict::read(),
        Err(v) => return v,
    };
    // `--dry-run` is a global flag compose accepts anywhere.
    let global_dry = has(args, &["--dry-run"]);
    match verb {
        "ps" | "logs" | "images" | "top" | "version" | "ls" | "port" | "events" => Verdict::read(),
        "config" if !has(rest, &["-o", "--output"]) && !has_prefix(rest, &["--output="]) => {
            Verdict::read()
        }
        "exec" => {
            let spec = Spec {
                short_val: "euw",
                short_bool: "dTit",
                short_opt: "",
                long_val: &["env", "index", "user", "workdir"],
                long_bool: &["detach", "no-TTY", "privileged", "interactive", "tty"],
            };
            match getopt(rest, &spec, true) {
                Ok(o) => {
                    let inner = o.operands.get(1).map(|&i| &rest[i..]).unwrap_or(&[]);
                    judge_inner(inner, ctx)
                }
                Err(e) => m(format!("`{name} exec`: {e}")),
            }
        }
        _ if global_dry => Verdict::read(),
        "down" if has(rest, &["-v", "--volumes"]) || has_prefix(rest, &["--rmi"]) => {
            Verdict::destructive(format!("`{name} down -v` removes volumes"))
        }
        "rm" => Verdict::destructive(format!("`{name} rm` removes containers")),
        _ => not_read(name, verb),
    }
}

pub(crate) fn git(args: &[Word]) -> Verdict {
    // Global options, with `-c key=value` limited to keys that change output only.
    let mut i = 0;
    while i < args.len() {
        let w = &args[i];
        let t = w.text.as_str();
        if !w.lead_literal {
            return m(format!("`git` with `{}` from an expansion", short(t)));
        }
        if !t.starts_with('-') {
            break;
        }
        match t {
            "-C" | "--git-dir" | "--work-tree" | "--namespace" => i += 2,
            "-c" => {
                let kv = args
                    .get(i + 1)
                    .map(|w| w.text.to_ascii_lowercase())
                    .unwrap_or_default();
                let safe = [
                    "color.",
                    "core.quotepath",
                    "log.",
                    "diff.renames",
                    "advice.",
                    "column.",
                    "user.",
                ];
                let harmless_pager = matches!(
                    kv.as_str(),
                    "core.pager=cat" | "core.pager=" | "core.pager=less"
                );
                if !harmless_pager && !safe.iter().any(|p| kv.starts_with(p)) {
                    return m(format!(
                        "`git -c {}` can make git run other programs",
                        short(&kv)
                    ));
                }
                i += 2;
            }
            "--no-pager"
            | "-P"
            | "-p"
            | "--paginate"
            | "--bare"
            | "--no-replace-objects"
            | "--literal-pathspecs"
            | "--glob-pathspecs"
            | "--noglob-pathspecs"
            | "--icase-pathspecs"
            | "--no-optional-locks"
            | "--no-lazy-fetch"
            | "--no-advice"
            | "--exec-path"
            | "--html-path"
            | "--man-path"
            | "--info-path" => i += 1,
            "--version" | "--help" | "-v" | "-h" => return Verdict::read(),
            _ if t.starts_with("--git-dir=")
                || t.starts_with("--work-tree=")
                || t.starts_with("--namespace=") =>
            {
                i += 1
            }
            _ => return m(format!("`git {t}` is not known to be read-only")),
        }
    }
    let Some(verb_word) = args.get(i) else {
        return Verdict::read();
    };
    let verb = verb_word.text.as_str();
    let rest = &args[i + 1..];
    if let Some(w) = rest
        .iter()
        .find(|w| !w.lead_literal && w.text.starts_with('$'))
    {
        // A revision in a variable is common; options in one are not judged.
        let _ = w;
    }
    if has_prefix(
        rest,
        &[
            "--output",
            "--ext-diff",
            "--upload-pack",
            "--open-files-in-pager",
            "--receive-pack",
            "--exec=",
        ],
    ) {
        return m(format!(
            "`git {verb}` with an option that writes or runs a program"
        ));
    }
    let pos = positionals(
        rest,
        &[
            "-n",
            "--max-count",
            "--format",
            "--pretty",
            "-m",
            "--sort",
            "--contains",
            "--merged",
            "--no-merged",
            "--points-at",
            "-U",
        ],
    );
    let first = pos.first().filter(|w| w.literal).map(|w| w.text.as_str());
    match verb {
        "status" | "log" | "show" | "diff" | "whatchanged" | "shortlog" | "rev-parse"
        | "describe" | "ls-files" | "ls-tree" | "cat-file" | "blame" | "annotate" | "rev-list"
        | "for-each-ref" | "show-ref" | "name-rev" | "merge-base" | "count-objects" | "var"
        | "version" | "help" | "check-ignore" | "check-attr" | "show-branch" | "cherry"
        | "range-diff" | "verify-commit" | "verify-tag" | "ls-remote" => Verdict::read(),
        "grep" if !bundle_has(rest, 'O') => Verdict::read(),
        "branch" => {
            let writes = rest.iter().any(|w| {
                let t = w.text.as_str();
                matches!(
                    t,
                    "--delete"
                        | "--move"
                        | "--copy"
                        | "--set-upstream-to"
                        | "--unset-upstream"
                        | "--edit-description"
                        | "--force"
                        | "--track"
                        | "--no-track"
                        | "--create-reflog"
                ) || t.starts_with("--set-upstream-to=")
                    || t.starts_with("--track=")
                    || (t.starts_with('-')
                        && !t.starts_with("--")
                        && t.chars().skip(1).any(|c| "dDmMcCuf".contains(c)))
            });
            let listing = pos.is_empty() || has(rest, &["--list", "-l"]) || bundle_has(rest, 'l');
            if !writes && listing {
                Verdict::read()
            } else {
                m("`git branch` creates, moves or deletes a branch")
            }
        }
        "tag" => {
            let writes = rest.iter().any(|w| {
                let t = w.text.as_str();
                matches!(
                    t,
                    "--annotate"
                        | "--sign"
                        | "--delete"
                        | "--force"
                        | "--message"
                        | "--file"
                        | "--create-reflog"
                        | "--edit"
                ) || t.starts_with("--message=")
                    || t.starts_with("--file=")
                    || t.starts_with("--local-user")
                    || (t.starts_with('-')
                        && !t.starts_with("--")
                        && t.chars().skip(1).any(|c| "asumFdfe".contains(c)))
            });
            let listing = pos.is_empty() || has(rest, &["--list", "-l"]) || bundle_has(rest, 'l');
            if !writes && listing {
                Verdict::read()
            } else {
                m("`git tag` creates or deletes a tag")
            }
        }
        "remote" => {
            let only_verbose = rest
                .iter()
                .all(|w| matches!(w.text.as_str(), "-v" | "--verbose"));
            if only_verbose || matches!(first, Some("show" | "get-url")) {
                Verdict::read()
            } else {
                not_read("git", verb)
            }
        }
        "config" => {
            let write_flags = [
                "--unset",
                "--unset-all",
                "--add",
                "--replace-all",
                "--rename-section",
                "--remove-section",
                "-e",
                "--edit",
                "set",
                "unset",
                "rename-section",
                "remove-section",
                "edit",
            ];
            let read_flags = [
                "--get",
                "--get-all",
                "--get-regexp",
                "--get-urlmatch",
                "--list",
                "-l",
                "list",
                "get",
            ];
            if has(rest, &write_flags) {
                m("`git config` changes configuration")
            } else if has(rest, &read_flags) || pos.len() == 1 {
                Verdict::read()
            } else {
                m("`git config` changes configuration")
            }
        }
        "reflog" if matches!(first, None | Some("show")) => Verdict::read(),
        "fetch"
            if has(rest, &["--dry-run"])
                && !has(rest, &["--no-dry-run", "--write-fetch-head"])
                && !has_prefix(rest, &["--upload-pack"]) =>
        {
            Verdict::read()
        }
        "stash" if matches!(first, Some("list" | "show")) => Verdict::read(),
        "worktree" if first == Some("list") => Verdict::read(),
        "submodule" if first == Some("status") => Verdict::read(),
        "notes" if matches!(first, Some("list" | "show")) => Verdict::read(),
        "push" => {
            if (has(rest, &["--dry-run"]) || bundle_has(rest, 'n')) && !has(rest, &["--no-dry-run"])
            {
                Verdict::read()
            } else if has(rest, &["--force", "--delete", "--mirror", "--prune"])
                || has_prefix(rest, &["--force-with-lease", "--force-if-includes"])
                || bundle_has(rest, 'f')
                || bundle_has(rest, 'd')
                || pos
                    .iter()
                    .any(|w| w.text.starts_with('+') || w.text.starts_with(':'))
            {
                Verdict::destructive(
                    "`git push --force`/`--delete` rewrites or removes remote history",
                )
            } else {
                m("`git push` changes a remote")
            }
        }
        "clean" => {
            if (has(rest, &["--dry-run"]) || bundle_has(rest, 'n')) && !has(rest, &["--no-dry-run"])
            {
                Verdict::read()
            } else if has(rest, &["--force"]) || bundle_has(rest, 'f') {
                Verdict::destructive("`git clean -f` deletes untracked files")
            } else {
                m("`git clean` deletes files")
            }
        }
        "reset" if has(rest, &["--hard"]) => {
            Verdict::destructive("`git reset --hard` discards changes")
        }
        _ => not_read("git", verb),
    }
}

pub(crate) fn aws(args: &[Word]) -> Verdict {
    let boolean = [
        "--debug",
        "--no-verify-ssl",
        "--no-paginate",
        "--no-sign-request",
        "--no-cli-pager",
        "--no-cli-auto-prompt",
        "--cli-auto-prompt",
        "--dry-run",
        "--recursive",
        "--human-readable",
        "--summarize",
    ];
    // Every `--option` takes a value unless it is a known flag.
    let mut pos: Vec<&Word> = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let t = args[i].text.as_str();
        if t.starts_with("--") {
            let takes = !t.contains('=')
                && !boolean.contains(&t)
                && !t.starts_with("--no-")
                && args.get(i + 1).is_some_and(|n| !n.text.starts_with("--"));
            i += if takes { 2 } else { 1 };
            continue;
        }
        pos.push(&args[i]);
        i += 1;
    }
    if pos.iter().take(2).any(|w| !w.literal) {
        return m("`aws` service or operation from an expansion");
    }
    let service = pos.first().map(|w| w.text.as_str()).unwrap_or("");
    let op = pos.get(1).map(|w| w.text.as_str()).unwrap_or("");
    let extra = pos.len() > 2;
    let read = match (service, op) {
        ("s3", "ls" | "presign") => true,
        ("configure", "list" | "get") => true,
        ("logs", "tail") => true,
        ("ec2", _) if dry_run(args) => true,
        (_, "help" | "wait") => true,
        ("s3api" | "glacier" | "iot-data" | "lambda" | "polly" | "mediastore-data", o)
            if extra && o.starts_with("get-") =>
        {
            false
        }
        (_, o) => {
            (o.starts_with("describe-")
                || o.starts_with("list-")
                || o.starts_with("get-")
                || o.starts_with("filter-")
                || o.starts_with("batch-get-"))
                && !matches!(o, "get-object" | "get-object-torrent" | "get-job-output")
        }
    };
    if read {
        Verdict::read()
    } else if (service == "s3" && matches!(op, "rm" | "rb"))
        || op.starts_with("delete-")
        || op.starts_with("terminate-")
    {
        Verdict::destructive(format!("`aws {service} {op}` deletes resources"))
    } else {
        not_read("aws", &format!("{service} {op}"))
    }
}

pub(crate) fn gcloud_az(name: &str, args: &[Word]) -> Verdict {
    let val: &[&str] = if name == "gcloud" {
        &[
            "--project",
            "--account",
            "--configuration",
            "--format",
            "--verbosity",
            "--impersonate-service-account",
            "--billing-project",
            "--flatten",
            "--filter",
            "--limit",
            "--page-size",
            "--sort-by",
            "--zone",
            "--region",
            "--location",
            "--trace-token",
        ]
    } else {
        &[
            "--subscription",
            "--output",
            "-o",
            "--query",
            "--resource-group",
            "-g",
            "--name",
            "-n",
        ]
    };
    let pos = positionals(args, val);
    let read_verb = |w: &str| {
        matches!(
            w,
            "list"
                | "describe"
                | "show"
                | "get-value"
                | "get-iam-policy"
                | "read"
                | "print-access-token"
                | "print-identity-token"
                | "info"
                | "version"
        ) || (w.starts_with("list-") || w.starts_with("show-") || w.starts_with("describe-"))
    };
    let acting = [
        "create",
        "delete",
        "update",
        "patch",
        "set",
        "deploy",
        "start",
        "stop",
        "restart",
        "reset",
        "resize",
        "ssh",
        "scp",
        "import",
        "export",
        "run",
        "submit",
        "cancel",
        "enable",
        "disable",
        "login",
        "activate",
        "revoke",
        "rollback",
        "promote",
        "failover",
        "restore",
        "backup",
        "get-credentials",
        "exec",
        "connect",
        "attach",
        "unset",
        "upgrade",
        "apply",
        "execute",
        "call",
        "invoke",
        "publish",
        "push",
        "pull",
        "copy",
        "move",
        "rename",
        "resume",
        "suspend",
        "clone",
        "upload",
        "download",
        "generate",
        "rotate",
        "sign",
        "encrypt",
        "decrypt",
        "purge",
        "remove",
        "add",
        "cp",
        "rm",
        "mv",
    ];
    for (k, w) in pos.iter().enumerate().take(5) {
        let t = w.text.as_str();
        if !w.literal
            || !t
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            break;
        }
        if acting.contains(&t) || t.contains("iam-policy-binding") {
            break;
        }
        if read_verb(t) && k >= 1 || (k == 0 && matches!(t, "version" | "info")) {
            return Verdict::read();
        }
    }
    let path: Vec<&str> = pos.iter().take(3).map(|w| w.text.as_str()).collect();
    not_read(name, &path.join(" "))
}

pub(crate) fn terraform(name: &str, args: &[Word]) -> Verdict {
    let mut i = 0;
    while args.get(i).is_some_and(|w| w.text.starts_with("-chdir=")) {
        i += 1;
    }
    let Some(verb) = args.get(i) else {
        return Verdict::read();
    };
    let rest = &args[i + 1..];
    let sub = positionals(rest, &[])
        .first()
        .map(|w| w.text.as_str())
        .unwrap_or("");
    match verb.text.as_str() {
        "validate" | "show" | "output" | "version" | "-version" | "--version" | "graph"
        | "console" | "-help" | "--help" => Verdict::read(),
        "providers" if matches!(sub, "" | "schema") => Verdict::read(),
        "fmt" if has(rest, &["-check", "--check", "-write=false"]) => Verdict::read(),
        // `plan` takes a state lock, refreshes, and runs `external` data
        // sources: not read.
        "plan" if has_prefix(rest, &["-out", "--out"]) => {
            m(format!("`{name} plan -out` writes a plan file"))
        }
        "state" if matches!(sub, "list" | "show" | "pull") => Verdict::read(),
        "workspace" if matches!(sub, "list" | "show") => Verdict::read(),
        "destroy" => Verdict::destructive(format!("`{name} destroy` removes infrastructure")),
        "apply" if has(rest, &["-destroy"]) => {
            Verdict::destructive(format!("`{name} apply -destroy` removes infrastructure"))
        }
        v => not_read(name, v),
    }
}

pub(crate) fn gh(args: &[Word]) -> Verdict {
    let val = [
        "-R",
        "--repo",
        "-q",
        "--jq",
        "-t",
        "--template",
        "-L",
        "--limit",
        "-s",
        "--state",
        "-b",
        "--branch",
        "-w",
        "--workflow",
        "-A",
        "--author",
        "-l",
        "--label",
        "-a",
        "--assignee",
        "-S",
        "--search",
        "-H",
        "--header",
        "--hostname",
    ];
    let pos = positionals(args, &val);
    let path: Vec<&str> = pos.iter().take(2).map(|w| w.text.as_str()).collect();
    let read = match path.as_slice() {
        ["api", ..] => {
            let method = args
                .iter()
                .position(|w| w.text == "-X" || w.text == "--method")
                .and_then(|i| args.get(i + 1))
                .map(|w| w.text.to_ascii_uppercase());
            matches!(method.as_deref(), None | Some("GET" | "HEAD"))
                && !has(args, &["-f", "-F", "--field", "--raw-field", "--input"])
                && !has_prefix(
                    args,
                    &["--field=", "--raw-field=", "--input=", "-X", "--method="],
                )
                && path.get(1) != Some(&"graphql")
        }
        [
            "pr" | "issue" | "run" | "release" | "repo" | "workflow" | "label" | "secret"
            | "variable" | "gist" | "cache" | "ruleset" | "project" | "search",
            "list" | "view" | "status" | "checks" | "diff" | "ls" | "watch" | "repos" | "issues"
            | "prs" | "code" | "commits",
        ] => true,
        ["auth", "status"] | ["status", ..] | ["version", ..] => true,
        _ => false,
    };
    if read {
        Verdict::read()
    } else {
        not_read("gh", &path.join(" "))
    }
}

pub(crate) fn argocd(args: &[Word]) -> Verdict {
    let val = [
        "--server",
        "--auth-token",
        "--config",
        "--grpc-web-root-path",
        "--header",
        "-H",
        "--port-forward-namespace",
        "--kube-context",
        "--logformat",
        "--loglevel",
        "-o",
        "--output",
        "-l",
        "--selector",
        "-p",
        "--project",
        "--app-namespace",
        "-N",
    ];
    let pos = positionals(args, &val);
    let path: Vec<&str> = pos.iter().take(2).map(|w| w.text.as_str()).collect();
    let read = match path.as_slice() {
        ["version", ..] | ["context", ..] => true,
        [
            "app",
            "get" | "list" | "diff" | "history" | "manifests" | "resources" | "logs" | "wait",
        ] => true,
        ["app", "sync"] => has(args, &["--dry-run"]),
        [
            "cluster" | "proj" | "repo" | "account" | "cert" | "gpg" | "repocreds" | "appset",
            "list" | "get" | "get-user-info" | "can-i",
        ] => true,
        _ => false,
    };
    if read {
        Verdict::read()
    } else {
        not_read("argocd", &path.join(" "))
    }
}
