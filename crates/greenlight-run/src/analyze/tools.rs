//! What each known program does with its arguments: read-only programs and
//! subcommands, the flags that make them write, dry runs that really are
//! dry runs. Anything not listed here is `mutating`.

use super::judge::{self, Ctx, Spec, Verdict, getopt, judge_words, short};
use super::shell::Word;
use crate::profile::Class;

pub(super) fn texts(args: &[Word]) -> Vec<&str> {
    args.iter().map(|w| w.text.as_str()).collect()
}

/// A literal word equal to one of `names`.
pub(super) fn has(args: &[Word], names: &[&str]) -> bool {
    args.iter()
        .any(|w| w.literal && names.iter().any(|n| same_option(&w.text, n)))
}

/// Long options compare without case (`--VaCuUm-time` is refused by the
/// tool, so counting it errs only towards caution); short ones exactly.
pub(super) fn same_option(word: &str, name: &str) -> bool {
    if name.starts_with("--") {
        word.eq_ignore_ascii_case(name)
    } else {
        word == name
    }
}

/// A literal word starting with one of `prefixes`.
pub(super) fn has_prefix(args: &[Word], prefixes: &[&str]) -> bool {
    args.iter().any(|w| {
        prefixes.iter().any(|p| {
            if p.starts_with("--") {
                w.text
                    .get(..p.len())
                    .is_some_and(|head| head.eq_ignore_ascii_case(p))
            } else {
                w.text.starts_with(p)
            }
        })
    })
}

/// A short-option bundle (`-xvf`) holding `letter`, stopping at letters
/// that take a value.
pub(super) fn bundle_has(args: &[Word], letter: char, value_letters: &str) -> bool {
    args.iter().any(|w| {
        let t = w.text.as_str();
        if t.starts_with("--") || !t.starts_with('-') {
            return false;
        }
        for c in t.chars().skip(1) {
            if c == letter {
                return true;
            }
            if value_letters.contains(c) {
                return false;
            }
        }
        false
    })
}

/// Some argument could become an option at run time.
pub(super) fn expansion_could_be_option(args: &[Word]) -> Option<&Word> {
    args.iter().find(|w| !w.lead_literal)
}

/// Positional words after skipping options; `value_flags` take the next
/// word as their value. Words after `--` are positional too.
pub(super) fn positionals<'a>(args: &'a [Word], value_flags: &[&str]) -> Vec<&'a Word> {
    scan_positionals(args, value_flags, true)
}

/// [`positionals`], with `after_dashdash` saying whether the words after an
/// option-position `--` count (the tool's own operands) or not (the command
/// a tool runs: `kubectl exec pod -- sh`).
pub(super) fn scan_positionals<'a>(
    args: &'a [Word],
    value_flags: &[&str],
    after_dashdash: bool,
) -> Vec<&'a Word> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let t = args[i].text.as_str();
        if t == "--" {
            if after_dashdash {
                out.extend(args[i + 1..].iter());
            }
            break;
        }
        if t.starts_with('-') && t.len() > 1 {
            if value_flags.contains(&t) {
                i += 1;
            }
        } else {
            out.push(&args[i]);
        }
        i += 1;
    }
    out
}

pub(super) fn m(reason: impl Into<String>) -> Verdict {
    Verdict::mutating(reason)
}

pub(super) fn not_read_only(program: &str, args: &[Word]) -> Verdict {
    let sub = args
        .iter()
        .find(|w| !w.text.starts_with('-'))
        .map(|w| format!(" {}", w.text))
        .unwrap_or_default();
    m(format!(
        "`{}` is not known to be read-only",
        short(&format!("{program}{sub}"))
    ))
}

pub(super) fn read_if(cond: bool, program: &str, args: &[Word]) -> Verdict {
    if cond {
        Verdict::read()
    } else {
        not_read_only(program, args)
    }
}

/// The class of a program that is not a wrapper.
pub(crate) fn program(name: &str, args: &[Word], ctx: &Ctx) -> Verdict {
    match name {
        // Programs that only read, whatever their arguments.
        "cat" | "head" | "tail" | "grep" | "egrep" | "fgrep" | "zgrep" | "jq" | "gojq" | "jaq"
        | "wc" | "cut" | "tr" | "column" | "comm" | "diff" | "cmp" | "nl" | "rev" | "tac"
        | "base64" | "base32" | "md5sum" | "sha1sum" | "sha224sum" | "sha256sum" | "sha384sum"
        | "sha512sum" | "b2sum" | "cksum" | "echo" | "printf" | "true" | "false" | "test" | "["
        | "[[" | "((" | ":" | "sleep" | "pwd" | "ls" | "stat" | "du" | "df" | "free" | "uptime"
        | "uname" | "id" | "whoami" | "groups" | "which" | "type" | "ps" | "pgrep" | "top"
        | "netstat" | "lsof" | "dig" | "nslookup" | "host" | "ping" | "ping6" | "traceroute"
        | "tracepath" | "mtr" | "whois" | "pg_isready" | "basename" | "dirname" | "realpath"
        | "readlink" | "seq" | "expr" | "od" | "hexdump" | "strings" | "zcat" | "bzcat"
        | "xzcat" | "fold" | "expand" | "unexpand" | "paste" | "join" | "numfmt" | "getent"
        | "nproc" | "arch" | "lscpu" | "lsblk" | "lsmem" | "lspci" | "lsusb" | "lsmod"
        | "modinfo" | "vmstat" | "iostat" | "mpstat" | "pidstat" | "w" | "who" | "last" | "tty"
        | "locale" | "getconf" | "printenv" | "cd" | "pushd" | "popd" | "dirs" | "read"
        | "exit" | "return" | "break" | "continue" | "shift" | "wait" | "jobs" | "times"
        | "umask" | "ulimit" | "unset" | "getopts" | "let" | "set" | "shopt" | "help"
        | "kubeconform" | "kubeval" | "hadolint" | "shellcheck" | "yamllint" | "envsubst"
        | "nvidia-smi" | "pg_lsclusters" | "pg_controldata" | "kubectx" | "kubens"
            if !matches!(name, "kubectx" | "kubens") || args.is_empty() =>
        {
            Verdict::read()
        }
        "export" | "declare" | "typeset" | "local" | "readonly" => {
            let mut v = Verdict::read();
            for w in args {
                if w.text.contains('=') {
                    v.raise(judge::judge_assignment(&w.text));
                }
            }
            v
        }
        "hash" | "mount" => read_if(args.is_empty(), name, args),
        // `ss -K` closes the sockets it lists.
        "ss" => read_if(
            !bundle_has(args, 'K', "AfFDo") && !has(args, &["--kill"]),
            name,
            args,
        ),
        // `mapfile -C callback` runs the callback for every line.
        "mapfile" | "readarray" => read_if(
            !args.iter().any(|w| {
                w.text.starts_with('-') && !w.text.starts_with("--") && w.text.contains('C')
            }),
            name,
            args,
        ),
        "crontab" => read_if(
            has(args, &["-l"])
                && !has(args, &["-e", "-r", "-i"])
                && positionals(args, &["-u"]).is_empty(),
            name,
            args,
        ),
        "nginx" | "haproxy" | "apachectl" | "apache2ctl" | "httpd" => {
            let test = has(args, &["-t", "-T", "-v", "-V", "-c", "configtest", "-vv"]);
            let other = args.iter().any(|w| {
                w.text == "-s"
                    || matches!(
                        w.text.as_str(),
                        "start" | "stop" | "restart" | "graceful" | "reload"
                    )
            });
            read_if(test && !other, name, args)
        }
        "certbot" => read_if(
            positionals(args, &[])
                .first()
                .is_some_and(|w| w.text == "certificates"),
            name,
            args,
        ),
        "chronyc" => read_if(
            positionals(args, &["-h", "-p"]).first().is_some_and(|w| {
                matches!(
                    w.text.as_str(),
                    "tracking"
                        | "sources"
                        | "sourcestats"
                        | "activity"
                        | "clients"
                        | "ntpdata"
                        | "serverstats"
                )
            }),
            name,
            args,
        ),
        "sar" => read_if(
            !bundle_has(args, 'o', "") && !has_prefix(args, &["-o"]),
            name,
            args,
        ),
        "hostname" => read_if(
            args.iter().all(|w| {
                matches!(
                    w.text.as_str(),
                    "-f" | "-i"
                        | "-I"
                        | "-s"
                        | "-d"
                        | "-A"
                        | "--fqdn"
                        | "--short"
                        | "--domain"
                        | "--all-fqdns"
                        | "--ip-address"
                        | "--all-ip-addresses"
                        | "-a"
                        | "--alias"
                )
            }),
            name,
            args,
        ),
        "date" => {
            if has(args, &["--set"])
                || has_prefix(args, &["--set="])
                || bundle_has(args, 's', "dfrI")
            {
                m("`date -s` sets the clock")
            } else {
                Verdict::read()
            }
        }
        "file" => read_if(!bundle_has(args, 'C', "fFmeP"), name, args),
        "tree" => read_if(
            !bundle_has(args, 'o', "LPIH") && !has_prefix(args, &["-o"]),
            name,
            args,
        ),
        "xxd" => read_if(
            positionals(args, &["-s", "-l", "-c", "-g", "-o", "-n", "-C"]).len() <= 1,
            name,
            args,
        ),
        "dmesg" => read_if(
            !bundle_has(args, 'c', "fFlnsS")
                && !bundle_has(args, 'C', "fFlnsS")
                && !bundle_has(args, 'D', "fFlnsS")
                && !bundle_has(args, 'E', "fFlnsS")
                && !bundle_has(args, 'n', "fFlsS")
                && !has_prefix(args, &["--clear", "--read-clear", "--console"]),
            name,
            args,
        ),
        "sysctl" => read_if(
            !bundle_has(args, 'w', "")
                && !bundle_has(args, 'p', "")
                && !has_prefix(args, &["--write", "--load", "--system"])
                && !args
                    .iter()
                    .any(|w| w.text.contains('=') && !w.text.starts_with('-')),
            name,
            args,
        ),
        "iptables" | "ip6tables" => {
            let mut list = false;
            for w in args {
                let t = w.text.as_str();
                if t == "-L" || t == "--list" || t == "-S" || t == "--list-rules" {
                    list = true;
                } else if t.starts_with('-') && !t.starts_with("--") {
                    for c in t.chars().skip(1) {
                        match c {
                            'L' | 'S' => list = true,
                            'A' | 'D' | 'I' | 'R' | 'F' | 'Z' | 'N' | 'X' | 'P' | 'E' => {
                                return m(format!("`{name} -{c}` changes rules"));
                            }
                            _ => {}
                        }
                    }
                } else if matches!(
                    t,
                    "--append"
                        | "--delete"
                        | "--insert"
                        | "--replace"
                        | "--flush"
                        | "--zero"
                        | "--new-chain"
                        | "--delete-chain"
                        | "--policy"
                        | "--rename-chain"
                ) {
                    return m(format!("`{name} {t}` changes rules"));
                }
            }
            read_if(list, name, args)
        }
        "ip" => {
            let pos = positionals(args, &["-f", "-family", "-n", "-netns", "-b", "-batch"]);
            let obj = pos.first().map(|w| w.text.as_str()).unwrap_or("");
            let verb = pos.get(1).map(|w| w.text.as_str());
            let objects = [
                "addr",
                "address",
                "a",
                "route",
                "r",
                "ro",
                "link",
                "l",
                "neigh",
                "neighbour",
                "n",
                "rule",
                "ru",
                "netns",
                "maddr",
                "tunnel",
                "-br",
            ];
            read_if(
                !has(args, &["-b", "-batch", "-force"])
                    && objects.contains(&obj)
                    && matches!(
                        verb,
                        None | Some("show" | "list" | "ls" | "lst" | "get" | "s")
                    ),
                name,
                args,
            )
        }
        "nc" | "ncat" | "netcat" => read_if(
            bundle_has(args, 'z', "pswWqiIOTxXec")
                && !bundle_has(args, 'e', "pswWqiIOTxX")
                && !bundle_has(args, 'c', "pswWqiIOTxX")
                && !has_prefix(
                    args,
                    &["--exec", "--sh-exec", "--lua-exec", "-o", "--output"],
                ),
            name,
            args,
        ),
        // Clients that send their input: read only when nothing is fed in.
        "telnet" => read_if(!ctx.fed, name, args),
        "wscat" | "websocat" => read_if(
            !ctx.fed
                && !has(args, &["-x", "--execute", "--exec", "-e"])
                && !has_prefix(args, &["--execute=", "--exec="]),
            name,
            args,
        ),
        "sort" => super::tools_text::sort(args),
        "uniq" => match getopt(
            args,
            &Spec {
                short_val: "fsw",
                short_bool: "cdDuiz",
                short_opt: "",
                long_val: &[
                    "skip-fields",
                    "skip-chars",
                    "check-chars",
                    "all-repeated",
                    "group",
                ],
                long_bool: &[
                    "count",
                    "repeated",
                    "unique",
                    "ignore-case",
                    "zero-terminated",
                ],
            },
            false,
        ) {
            Ok(o) if o.operands.len() <= 1 => Verdict::read(),
            Ok(_) => m("`uniq` with two operands writes the second"),
            Err(e) => m(format!("`uniq`: {e}")),
        },
        "tee" => {
            let files: Vec<&Word> = args.iter().filter(|w| !w.text.starts_with('-')).collect();
            read_if(
                args.iter()
                    .filter(|w| w.text.starts_with('-'))
                    .all(|w| matches!(w.text.as_str(), "-a" | "-i" | "-p" | "--append")),
                name,
                args,
            )
            .at_least(
                if files.iter().all(|w| {
                    w.literal
                        && matches!(w.text.as_str(), "/dev/null" | "/dev/stderr" | "/dev/stdout")
                }) {
                    Class::Read
                } else {
                    Class::Mutating
                },
                || "`tee` writes files".to_string(),
            )
        }
        "sed" => super::tools_text::sed(args),
        "awk" | "gawk" | "mawk" | "nawk" => super::tools_text::awk(name, args),
        "find" => super::tools_text::find(args, ctx),
        "rg" => read_if(
            !has_prefix(args, &["--pre", "--search-zip"]) && !bundle_has(args, 'z', "ABCefgjmMrtT"),
            name,
            args,
        ),
        "yq" => read_if(
            !has_prefix(args, &["--inplace", "-i"]) && !bundle_has(args, 'i', "eIopPs"),
            name,
            args,
        ),
        "xmllint" => read_if(!has_prefix(args, &["--output", "-o"]), name, args),
        "env" => Verdict::read(),
        "openssl" => {
            if ctx.fed && args.first().is_some_and(|w| w.text == "s_client") {
                m("`openssl s_client` sends its input to the server")
            } else {
                openssl(args)
            }
        }
        "journalctl" => read_if(
            !has_prefix(
                args,
                &[
                    "--vacuum",
                    "--rotate",
                    "--flush",
                    "--sync",
                    "--relinquish-var",
                    "--smart-relinquish-var",
                    "--setup-keys",
                    "--update-catalog",
                ],
            ),
            name,
            args,
        ),
        "systemctl" => systemctl(args),
        "service" => {
            let pos = positionals(args, &[]);
            read_if(
                has(args, &["--status-all"])
                    || pos.get(1).is_some_and(|w| w.literal && w.text == "status"),
                name,
                args,
            )
        }
        "timedatectl" | "hostnamectl" | "loginctl" | "localectl" | "networkctl" | "resolvectl" => {
            let pos = positionals(
                args,
                &["-H", "--host", "-M", "--machine", "-p", "--property"],
            );
            read_if(
                pos.first().is_none_or(|w| {
                    w.literal
                        && (matches!(w.text.as_str(), "status" | "show" | "query" | "statistics")
                            || w.text.starts_with("list")
                            || w.text.starts_with("show-"))
                }),
                name,
                args,
            )
        }
        "psql" => super::tools_db::psql(args),
        "mysql" | "mariadb" => super::tools_db::mysql(args),
        "clickhouse-client" => super::tools_db::clickhouse(args),
        "mysqladmin" => {
            let pos = positionals(args, &["-u", "-h", "-P", "-S", "-p"]);
            read_if(
                !pos.is_empty()
                    && pos.iter().all(|w| {
                        matches!(
                            w.text.as_str(),
                            "status"
                                | "ping"
                                | "version"
                                | "processlist"
                                | "variables"
                                | "extended-status"
                        )
                    }),
                name,
                args,
            )
        }
        "pg_dump" | "pg_dumpall" => {
            if has(args, &["-f", "--file"])
                || has_prefix(args, &["--file="])
                || bundle_has(args, 'f', "dFhjnNpStTUZE")
            {
                m(format!("`{name} -f` writes a file"))
            } else {
                Verdict::read()
            }
        }
        "pg_restore" | "dropdb" | "dropuser" => {
            Verdict::destructive(format!("`{name}` replaces or drops data"))
        }
        "pg_ctl" => read_if(
            positionals(args, &["-D", "-l", "-m", "-o", "-t", "-w"])
                .first()
                .is_some_and(|w| w.text == "status"),
            name,
            args,
        ),
        "kubectl" | "oc" => super::tools_cloud::kubectl(name, args, ctx),
        "helm" => super::tools_cloud::helm(args),
        "docker" | "podman" | "nerdctl" => super::tools_cloud::docker(name, args, ctx),
        "docker-compose" | "podman-compose" => super::tools_cloud::compose(name, args, ctx),
        "git" => super::tools_cloud::git(args),
        "aws" => super::tools_cloud::aws(args),
        "gcloud" | "az" => super::tools_cloud::gcloud_az(name, args),
        "terraform" | "tofu" => super::tools_cloud::terraform(name, args),
        "gh" => super::tools_cloud::gh(args),
        "argocd" => super::tools_cloud::argocd(args),
        "flux" => {
            let pos = positionals(args, &["-n", "--namespace", "--context", "--kubeconfig"]);
            read_if(
                pos.first().is_some_and(|w| {
                    w.literal
                        && matches!(
                            w.text.as_str(),
                            "get"
                                | "check"
                                | "stats"
                                | "version"
                                | "logs"
                                | "tree"
                                | "trace"
                                | "diff"
                                | "events"
                        )
                }),
                name,
                args,
            )
        }
        "istioctl" => {
            let pos = positionals(
                args,
                &["-n", "--namespace", "--context", "-i", "--kubeconfig"],
            );
            read_if(
                pos.first().is_some_and(|w| {
                    matches!(
                        w.text.as_str(),
                        "analyze"
                            | "proxy-status"
                            | "ps"
                            | "proxy-config"
                            | "pc"
                            | "version"
                            | "verify-install"
                    )
                }),
                name,
                args,
            )
        }
        "promtool" => {
            let pos = positionals(args, &[]);
            read_if(
                pos.first()
                    .is_some_and(|w| matches!(w.text.as_str(), "check" | "query" | "test")),
                name,
                args,
            )
        }
        "trivy" | "grype" => read_if(
            !has(args, &["-o", "--output"]) && !has_prefix(args, &["--output="]),
            name,
            args,
        ),
        "pip-audit" => read_if(
            !has(args, &["--fix", "-o", "--output"]) && !has_prefix(args, &["--output="]),
            name,
            args,
        ),
        "npm" | "yarn" | "pnpm" => {
            let pos = positionals(args, &["--prefix", "-w", "--workspace", "-C", "--dir"]);
            let sub = pos.first().map(|w| w.text.as_str()).unwrap_or("");
            let second = pos.get(1).map(|w| w.text.as_str());
            let read = match sub {
                "audit" => second != Some("fix") && !has(args, &["--fix"]),
                "ls" | "list" | "outdated" | "view" | "info" | "show" | "why" | "explain"
                | "whoami" | "ping" => true,
                "config" => matches!(second, Some("get" | "list" | "ls")),
                // `npm publish --dry-run` still runs lifecycle scripts.
                "pack" => false,
                "" => has(args, &["--version", "-v"]),
                _ => false,
            };
            if read {
                Verdict::read()
            } else if matches!(
                sub,
                "test" | "t" | "run" | "run-script" | "start" | "build" | "exec" | "x" | "dlx"
            ) {
                m(format!("`{name} {sub}` runs project code"))
            } else {
                not_read_only(name, args)
            }
        }
        "cargo" => {
            // `cargo +nightly fmt`: a toolchain first.
            let args = match args.first() {
                Some(w) if w.text.starts_with('+') && w.literal => &args[1..],
                _ => args,
            };
            let pos = positionals(
                args,
                &[
                    "--manifest-path",
                    "-p",
                    "--package",
                    "-Z",
                    "--color",
                    "--config",
                ],
            );
            let sub = pos.first().map(|w| w.text.as_str()).unwrap_or("");
            let read = match sub {
                "tree" | "audit" | "version" | "search" | "locate-project" | "pkgid" => true,
                "deny" => pos.get(1).is_none_or(|w| w.text == "check"),
                "fmt" => has(args, &["--check"]),
                // `cargo publish --dry-run` builds the crate: build scripts run.
                "" => has(args, &["--version", "-V", "--list"]),
                _ => false,
            };
            if read {
                Verdict::read()
            } else if matches!(
                sub,
                "test"
                    | "build"
                    | "b"
                    | "check"
                    | "c"
                    | "clippy"
                    | "run"
                    | "r"
                    | "bench"
                    | "doc"
                    | "nextest"
                    | "t"
            ) {
                m(format!("`cargo {sub}` builds and runs project code"))
            } else {
                not_read_only(name, args)
            }
        }
        "go" => {
            let pos = positionals(args, &[]);
            let sub = pos.first().map(|w| w.text.as_str()).unwrap_or("");
            let read = match sub {
                // `go list`, `go doc`, `go mod …` may download modules.
                "version" => true,
                "env" => !has(args, &["-w", "-u"]),
                _ => false,
            };
            if read {
                Verdict::read()
            } else if matches!(
                sub,
                "test" | "build" | "run" | "vet" | "generate" | "install"
            ) {
                m(format!("`go {sub}` builds and runs project code"))
            } else {
                not_read_only(name, args)
            }
        }
        "pip" | "pip3" => {
            let pos = positionals(args, &[]);
            read_if(
                pos.first().is_some_and(|w| {
                    matches!(
                        w.text.as_str(),
                        "list" | "show" | "freeze" | "check" | "index"
                    )
                }) || (pos.is_empty() && has(args, &["--version", "-V"])),
                name,
                args,
            )
        }
        "python" | "python3" => {
            let t = texts(args);
            let json_tool = t.len() >= 2
                && t[0] == "-m"
                && t[1] == "json.tool"
                && positionals(&args[2..], &["--indent"]).len() <= 1;
            if json_tool || t == ["--version"] || t == ["-V"] {
                Verdict::read()
            } else {
                m(format!("`{name}` runs a program"))
            }
        }
        "node" | "ruby" | "perl" | "php" | "java" | "deno" | "bun" => {
            if texts(args) == ["--version"] || texts(args) == ["-v"] {
                Verdict::read()
            } else {
                m(format!("`{name}` runs a program"))
            }
        }
        "make" | "gmake" | "pytest" | "tox" | "nox" | "mvn" | "gradle" | "gradlew" | "bazel"
        | "dotnet" | "jest" | "vitest" | "mocha" | "rake" | "rails" | "bundle" | "composer"
        | "ant" | "sbt" | "npx" | "pnpx" | "bunx" | "uv" | "poetry" | "pipenv" => {
            super::tools_db::migration(name, args)
                .unwrap_or_else(|| m(format!("`{name}` runs project code")))
        }
        "sqlx" | "diesel" | "migrate" | "alembic" | "flyway" | "liquibase" | "prisma" | "knex"
        | "goose" | "dbmate" | "atlas" | "sequelize" | "sequelize-cli" => {
            super::tools_db::migration(name, args).unwrap_or_else(|| not_read_only(name, args))
        }
        "vault" => {
            let pos = positionals(
                args,
                &["-address", "-namespace", "-format", "-field", "-mount"],
            );
            let sub: Vec<&str> = pos.iter().take(2).map(|w| w.text.as_str()).collect();
            read_if(
                matches!(
                    sub.as_slice(),
                    // Not `vault read`: on dynamic engines it creates credentials.
                    ["status", ..]
                        | ["version", ..]
                        | ["kv", "get" | "list" | "metadata", ..]
                        | ["list", ..]
                        | ["token", "lookup", ..]
                        | ["secrets", "list", ..]
                        | ["auth", "list", ..]
                        | ["policy", "list" | "read", ..]
                ),
                name,
                args,
            )
        }
        "consul" => {
            let pos = positionals(args, &["-http-addr", "-token", "-datacenter"]);
            let sub: Vec<&str> = pos.iter().take(2).map(|w| w.text.as_str()).collect();
            read_if(
                matches!(
                    sub.as_slice(),
                    ["members", ..]
                        | ["info", ..]
                        | ["version", ..]
                        | ["catalog", ..]
                        | ["kv", "get", ..]
                        | ["operator", "raft", ..]
                ) && !has(args, &["remove-peer"]),
                name,
                args,
            )
        }
        "etcdctl" => {
            let pos = positionals(
                args,
                &[
                    "--endpoints",
                    "--cacert",
                    "--cert",
                    "--key",
                    "-w",
                    "--write-out",
                ],
            );
            let sub: Vec<&str> = pos.iter().take(2).map(|w| w.text.as_str()).collect();
            match sub.as_slice() {
                ["get", ..]
                | ["version", ..]
                | ["endpoint", "health" | "status", ..]
                | ["member", "list", ..]
                | ["alarm", "list", ..]
                | ["check", ..] => Verdict::read(),
                ["del", ..] => Verdict::destructive("`etcdctl del` deletes keys"),
                _ => not_read_only(name, args),
            }
        }
        "velero" => {
            let pos = positionals(args, &["-n", "--namespace", "--kubecontext"]);
            read_if(
                pos.get(1)
                    .is_some_and(|w| matches!(w.text.as_str(), "get" | "describe" | "logs"))
                    || pos.first().is_some_and(|w| w.text == "version"),
                name,
                args,
            )
        }
        "stern" => Verdict::read(),
        "rsync" => {
            let dry = (has(args, &["--dry-run"]) || bundle_has(args, 'n', "eBTf"))
                && !has(args, &["--no-dry-run", "--no-n"]);
            let runs = has(args, &["-e", "--rsh"])
                || has_prefix(
                    args,
                    &[
                        "--rsh=",
                        "--rsync-path",
                        "--log-file",
                        "--write-batch",
                        "--only-write-batch",
                    ],
                )
                || bundle_has(args, 'e', "BTf");
            if dry && !runs {
                Verdict::read()
            } else {
                m("`rsync` copies files")
            }
        }
        "apt-get" | "apt" => {
            let simulate = has(
                args,
                &[
                    "-s",
                    "--simulate",
                    "--just-print",
                    "--dry-run",
                    "--recon",
                    "--no-act",
                ],
            );
            let sub = positionals(args, &["-o", "-c", "-t"])
                .first()
                .map(|w| w.text.as_str())
                .unwrap_or("");
            let simulated = matches!(
                sub,
                "install"
                    | "remove"
                    | "purge"
                    | "upgrade"
                    | "dist-upgrade"
                    | "full-upgrade"
                    | "autoremove"
                    | "build-dep"
                    | "reinstall"
            );
            read_if(
                (simulate && simulated)
                    || (name == "apt" && matches!(sub, "list" | "show" | "search" | "policy")),
                name,
                args,
            )
        }
        "apt-cache" => read_if(
            positionals(args, &["-o", "-c"])
                .first()
                .is_some_and(|w| w.text != "gencaches"),
            name,
            args,
        ),
        "dpkg" | "dpkg-query" => read_if(
            args.first().is_some_and(|w| {
                matches!(
                    w.text.as_str(),
                    "-l" | "-L"
                        | "-s"
                        | "-S"
                        | "-p"
                        | "--list"
                        | "--listfiles"
                        | "--status"
                        | "--search"
                        | "--print-avail"
                        | "--get-selections"
                        | "-W"
                        | "--show"
                        | "--version"
                )
            }),
            name,
            args,
        ),
        "rpm" => read_if(
            args.first()
                .is_some_and(|w| w.text.starts_with("-q") || w.text == "--query")
                && !args.iter().any(|w| {
                    let t = w.text.as_str();
                    !t.starts_with("--")
                        && t.starts_with('-')
                        && t.chars().skip(1).any(|c| "eiUF".contains(c))
                }),
            name,
            args,
        ),
        "rm" | "shred" | "rmdir" | "unlink" => {
            if name == "rm"
                && (has(args, &["--recursive", "--force"])
                    || args.iter().any(|w| {
                        let t = w.text.as_str();
                        t.starts_with('-')
                            && !t.starts_with("--")
                            && (t.contains('r') || t.contains('R') || t.contains('f'))
                    }))
            {
                Verdict::destructive("`rm -r`/`rm -f` deletes files")
            } else if name == "shred" {
                Verdict::destructive("`shred` destroys files")
            } else {
                m(format!("`{name}` deletes files"))
            }
        }
        "truncate" | "dd" | "mkfs" | "wipefs" | "fdisk" | "parted" => {
            Verdict::destructive(format!("`{name}` overwrites data"))
        }
        "kill" | "pkill" | "killall" => m(format!("`{name}` stops processes")),
        "source" | "." => m(format!("`{name}` runs a script file")),
        "alias" | "unalias" | "enable" => m(format!("`{name}` changes what commands mean")),
        _ => not_read_only(name, args),
    }
}

fn openssl(args: &[Word]) -> Verdict {
    let Some(sub) = args.first() else {
        return m("`openssl` reads commands from its input");
    };
    let read_sub = matches!(
        sub.text.as_str(),
        "s_client"
            | "x509"
            | "version"
            | "ciphers"
            | "verify"
            | "crl"
            | "dgst"
            | "enc"
            | "base64"
            | "rand"
            | "asn1parse"
            | "pkcs7"
            | "pkey"
            | "rsa"
            | "ec"
            | "list"
            | "errstr"
            | "s_time"
            | "speed"
            | "sess_id"
            | "prime"
            | "storeutl"
            | "pkcs12"
            | "req"
    );
    if !read_sub || !sub.literal {
        return not_read_only("openssl", args);
    }
    if sub.text == "req" && !has(args, &["-noout"]) {
        return m("`openssl req` creates keys or requests");
    }
    if sub.text == "req" && has(args, &["-new", "-newkey", "-x509"]) {
        return m("`openssl req -new` creates keys");
    }
    let writes = [
        "-out",
        "-keyout",
        "-writerand",
        "-sess_out",
        "-keylogfile",
        "-msgfile",
        "-signkey",
    ];
    if let Some(w) = args.iter().find(|w| writes.contains(&w.text.as_str())) {
        return m(format!("`openssl {} {}` writes a file", sub.text, w.text));
    }
    Verdict::read()
}

fn systemctl(args: &[Word]) -> Verdict {
    let pos = positionals(
        args,
        &[
            "-H",
            "--host",
            "-M",
            "--machine",
            "-t",
            "--type",
            "-p",
            "--property",
            "-n",
            "--lines",
            "-o",
            "--output",
            "--state",
            "-s",
            "--signal",
            "--kill-whom",
            "--root",
            "--job-mode",
            "--what",
            "--timestamp",
            "-P",
        ],
    );
    let read = match pos.first() {
        None => true,
        Some(w) => {
            w.literal
                && (matches!(
                    w.text.as_str(),
                    "status"
                        | "show"
                        | "cat"
                        | "is-active"
                        | "is-enabled"
                        | "is-failed"
                        | "is-system-running"
                        | "get-default"
                        | "show-environment"
                        | "help"
                ) || w.text.starts_with("list-"))
        }
    };
    read_if(read, "systemctl", args)
}

/// Inner commands of `kubectl exec`, `docker exec`, `docker compose exec`:
/// a process started in a container is at least `mutating`, more when the
/// command itself is.
pub(crate) fn judge_inner(words: &[Word], ctx: &Ctx) -> Verdict {
    if words.is_empty() {
        return m("an exec without a command");
    }
    let inner = judge_words(words, ctx);
    inner.at_least(Class::Mutating, || {
        "exec starts a process in a container".to_string()
    })
}
