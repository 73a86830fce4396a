//! What each known program does with its arguments: read-only programs and
//! subcommands, the flags that make them write, dry runs that really are
//! dry runs. Anything not listed here is `mutating`.

use super::judge::{self, Ctx, Spec, Verdict, getopt, judge_words, short};
use super::shell::Word;
use crate::profile::Class;

fn texts(args: &[Word]) -> Vec<&str> {
    args.iter().map(|w| w.text.as_str()).collect()
}

/// A literal word equal to one of `names`.
fn has(args: &[Word], names: &[&str]) -> bool {
    args.iter()
        .any(|w| w.literal && names.contains(&w.text.as_str()))
}

/// A literal word starting with one of `prefixes`.
fn has_prefix(args: &[Word], prefixes: &[&str]) -> bool {
    args.iter()
        .any(|w| prefixes.iter().any(|p| w.text.starts_with(p)))
}

/// A short-option bundle (`-xvf`) holding `letter`, stopping at letters
/// that take a value.
fn bundle_has(args: &[Word], letter: char, value_letters: &str) -> bool {
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
fn expansion_could_be_option(args: &[Word]) -> Option<&Word> {
    args.iter().find(|w| !w.lead_literal)
}

/// Positional words after skipping options; `value_flags` take the next
/// word as their value.
fn positionals<'a>(args: &'a [Word], value_flags: &[&str]) -> Vec<&'a Word> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let t = args[i].text.as_str();
        if t == "--" {
            out.extend(args[i + 1..].iter());
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

fn m(reason: impl Into<String>) -> Verdict {
    Verdict::mutating(reason)
}

fn not_read_only(program: &str, args: &[Word]) -> Verdict {
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

fn read_if(cond: bool, program: &str, args: &[Word]) -> Verdict {
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
        | "ss" | "netstat" | "lsof" | "dig" | "nslookup" | "host" | "ping" | "ping6"
        | "traceroute" | "tracepath" | "mtr" | "whois" | "pg_isready" | "basename" | "dirname"
        | "realpath" | "readlink" | "seq" | "expr" | "od" | "hexdump" | "strings" | "zcat"
        | "bzcat" | "xzcat" | "fold" | "expand" | "unexpand" | "paste" | "join" | "numfmt"
        | "getent" | "nproc" | "arch" | "lscpu" | "lsblk" | "lsmem" | "lspci" | "lsusb"
        | "lsmod" | "modinfo" | "vmstat" | "iostat" | "mpstat" | "pidstat" | "w" | "who"
        | "last" | "tty" | "locale" | "getconf" | "printenv" | "cd" | "pushd" | "popd" | "dirs"
        | "read" | "exit" | "return" | "break" | "continue" | "shift" | "wait" | "jobs"
        | "times" | "umask" | "ulimit" | "unset" | "getopts" | "let" | "mapfile" | "readarray"
        | "set" | "shopt" | "help" | "kubeconform" | "kubeval" | "hadolint" | "shellcheck"
        | "yamllint" | "envsubst" | "nvidia-smi" | "pg_lsclusters" | "pg_controldata"
        | "kubectx" | "kubens"
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
        "sort" => sort(args),
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
        "sed" => sed(args),
        "awk" | "gawk" | "mawk" | "nawk" => awk(name, args),
        "find" => find(args),
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
        "psql" => psql(args),
        "mysql" | "mariadb" => mysql(args),
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
                "publish" | "pack" => super::tools_cloud::dry_run(args),
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
                "publish" => super::tools_cloud::dry_run(args) || has(args, &["-n"]),
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
            migration(name, args).unwrap_or_else(|| m(format!("`{name}` runs project code")))
        }
        "sqlx" | "diesel" | "migrate" | "alembic" | "flyway" | "liquibase" | "prisma" | "knex"
        | "goose" | "dbmate" | "atlas" | "sequelize" | "sequelize-cli" => {
            migration(name, args).unwrap_or_else(|| not_read_only(name, args))
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

fn sort(args: &[Word]) -> Verdict {
    if let Some(w) = expansion_could_be_option(args) {
        return m(format!(
            "`sort` with `{}` from an expansion",
            short(&w.text)
        ));
    }
    let spec = Spec {
        short_val: "kotTS",
        short_bool: "bcCdfghiMmnRrsuVz",
        short_opt: "",
        long_val: &[
            "key",
            "output",
            "field-separator",
            "temporary-directory",
            "buffer-size",
            "parallel",
            "batch-size",
            "files0-from",
            "random-source",
        ],
        long_bool: &[
            "ignore-leading-blanks",
            "dictionary-order",
            "ignore-case",
            "general-numeric-sort",
            "ignore-nonprinting",
            "month-sort",
            "human-numeric-sort",
            "numeric-sort",
            "random-sort",
            "reverse",
            "sort",
            "version-sort",
            "check",
            "merge",
            "stable",
            "unique",
            "zero-terminated",
            "debug",
        ],
    };
    match getopt(args, &spec, false) {
        Ok(o) if o.has(&["-o", "--output"]) => m("`sort -o` writes a file"),
        Ok(_) => Verdict::read(),
        Err(e) => m(format!("`sort`: {e}")),
    }
}

fn find(args: &[Word]) -> Verdict {
    if let Some(w) = expansion_could_be_option(args) {
        return m(format!(
            "`find` with `{}` from an expansion",
            short(&w.text)
        ));
    }
    for w in args {
        if matches!(
            w.text.as_str(),
            "-delete"
                | "-exec"
                | "-execdir"
                | "-ok"
                | "-okdir"
                | "-fprint"
                | "-fprint0"
                | "-fprintf"
                | "-fls"
        ) {
            return if w.text == "-delete" {
                Verdict::destructive("`find -delete` deletes files")
            } else {
                m(format!("`find {}` runs commands or writes files", w.text))
            };
        }
    }
    Verdict::read()
}

fn sed(args: &[Word]) -> Verdict {
    if let Some(w) = expansion_could_be_option(args) {
        return m(format!("`sed` with `{}` from an expansion", short(&w.text)));
    }
    let spec = Spec {
        short_val: "efl",
        short_bool: "nrEsuz",
        short_opt: "i",
        long_val: &["expression", "file", "line-length"],
        long_bool: &[
            "quiet",
            "silent",
            "regexp-extended",
            "separate",
            "unbuffered",
            "null-data",
            "posix",
            "debug",
            "sandbox",
            "follow-symlinks",
            "in-place",
        ],
    };
    let o = match getopt(args, &spec, false) {
        Ok(o) => o,
        Err(e) => return m(format!("`sed`: {e}")),
    };
    if o.has(&["-i", "--in-place"]) {
        return m("`sed -i` edits files in place");
    }
    if o.has(&["-f", "--file"]) {
        return m("`sed -f` runs a script file");
    }
    let mut scripts: Vec<&str> = o.values(&["-e", "--expression"]).collect();
    if scripts.is_empty() {
        match o.operands.first() {
            Some(&i) => {
                if !args[i].literal {
                    return m("a `sed` script from an expansion");
                }
                scripts.push(&args[i].text);
            }
            None => return m("`sed` without a script"),
        }
    }
    for s in scripts {
        if let Some(why) = sed_script_acts(s) {
            return m(why);
        }
    }
    Verdict::read()
}

/// Whether a sed script can run commands or write files (`e`, `w`, `W`,
/// `s///e`, `s///w`), or is not understood.
pub(crate) fn sed_script_acts(script: &str) -> Option<String> {
    let c: Vec<char> = script.chars().collect();
    let mut i = 0;
    let to_eol = |i: &mut usize| {
        while *i < c.len() && c[*i] != '\n' {
            if c[*i] == '\\' {
                *i += 1;
            }
            *i += 1;
        }
    };
    // Reads a delimited part (regex or replacement); false when unterminated.
    let delimited = |i: &mut usize, d: char| -> bool {
        while *i < c.len() {
            if c[*i] == '\\' {
                *i += 2;
                continue;
            }
            if c[*i] == d {
                *i += 1;
                return true;
            }
            *i += 1;
        }
        false
    };
    let not_understood = || {
        Some(format!(
            "a `sed` script not understood (`{}`)",
            short(script)
        ))
    };
    loop {
        while i < c.len() && (c[i].is_whitespace() || c[i] == ';') {
            i += 1;
        }
        if i >= c.len() {
            return None;
        }
        // Up to two addresses.
        for k in 0..2 {
            if k == 1 {
                if c.get(i) == Some(&',') {
                    i += 1;
                    while c.get(i).is_some_and(|x| x.is_whitespace()) {
                        i += 1;
                    }
                } else {
                    break;
                }
            }
            match c.get(i) {
                Some(d) if d.is_ascii_digit() || *d == '+' || *d == '~' => {
                    i += 1;
                    while c.get(i).is_some_and(|x| x.is_ascii_digit() || *x == '~') {
                        i += 1;
                    }
                }
                Some('$') => i += 1,
                Some('/') => {
                    i += 1;
                    if !delimited(&mut i, '/') {
                        return not_understood();
                    }
                    while matches!(c.get(i), Some('I' | 'M')) {
                        i += 1;
                    }
                }
                Some('\\') => {
                    let Some(&d) = c.get(i + 1) else {
                        return not_understood();
                    };
                    i += 2;
                    if !delimited(&mut i, d) {
                        return not_understood();
                    }
                    while matches!(c.get(i), Some('I' | 'M')) {
                        i += 1;
                    }
                }
                _ => {}
            }
        }
        while c.get(i).is_some_and(|x| x.is_whitespace() || *x == '!') {
            i += 1;
        }
        let Some(&cmd) = c.get(i) else {
            return not_understood();
        };
        i += 1;
        match cmd {
            '{' | '}' | '=' | 'd' | 'D' | 'g' | 'G' | 'h' | 'H' | 'n' | 'N' | 'p' | 'P' | 'x'
            | 'z' | 'F' => {}
            'l' | 'q' | 'Q' | 'L' => {
                while c.get(i).is_some_and(|x| *x == ' ' || x.is_ascii_digit()) {
                    i += 1;
                }
            }
            ':' | 'b' | 't' | 'T' | 'v' => {
                while i < c.len() && c[i] != ';' && c[i] != '\n' && c[i] != '}' {
                    i += 1;
                }
            }
            'a' | 'i' | 'c' | 'r' | 'R' | '#' => to_eol(&mut i),
            'w' | 'W' => return Some("`sed` script writes a file (`w`)".into()),
            'e' => return Some("`sed` script runs a command (`e`)".into()),
            's' | 'y' => {
                let Some(&d) = c.get(i) else {
                    return not_understood();
                };
                if d == '\n' || d == '\\' {
                    return not_understood();
                }
                i += 1;
                if !delimited(&mut i, d) || !delimited(&mut i, d) {
                    return not_understood();
                }
                if cmd == 's' {
                    while let Some(&f) = c.get(i) {
                        match f {
                            'g' | 'p' | 'i' | 'I' | 'm' | 'M' => i += 1,
                            x if x.is_ascii_digit() => i += 1,
                            'e' => return Some("`sed s///e` runs a command".into()),
                            'w' => return Some("`sed s///w` writes a file".into()),
                            _ => break,
                        }
                    }
                }
            }
            _ => return not_understood(),
        }
    }
}

fn awk(name: &str, args: &[Word]) -> Verdict {
    let spec = Spec {
        short_val: "Fve",
        short_bool: "bcNnPrsStV",
        short_opt: "",
        long_val: &["field-separator", "assign", "source"],
        long_bool: &[
            "characters-as-bytes",
            "traditional",
            "posix",
            "re-interval",
            "sandbox",
            "use-lc-numeric",
            "non-decimal-data",
            "lint",
            "version",
        ],
    };
    let o = match getopt(args, &spec, false) {
        Ok(o) => o,
        Err(e) => {
            return m(format!(
                "`{name}`: {e} (program files, profiles and dumps are not judged)"
            ));
        }
    };
    let mut programs: Vec<&str> = o.values(&["-e", "--source"]).collect();
    if programs.is_empty() {
        match o.operands.first() {
            Some(&i) if args[i].literal => programs.push(&args[i].text),
            Some(_) => return m(format!("an `{name}` program from an expansion")),
            None => return m(format!("`{name}` without a program")),
        }
    }
    for p in programs {
        if let Some(why) = awk_program_acts(p) {
            return m(format!("`{name}` {why}"));
        }
    }
    Verdict::read()
}

/// Whether an awk program runs commands or writes files: `system(…)`,
/// `print > "f"`, `print | "cmd"`, `"cmd" | getline`, `|&`, `@load`.
pub(crate) fn awk_program_acts(p: &str) -> Option<String> {
    // Whatever the quoting, these words in the raw text are enough.
    let raw: Vec<char> = p.chars().collect();
    for (k, w) in p.match_indices("system") {
        let before = p[..k].chars().next_back();
        let after = p[k + w.len()..].trim_start().chars().next();
        if !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') && after == Some('(') {
            return Some("runs a command (`system`)".into());
        }
    }
    if p.contains("|&") {
        return Some("starts a coprocess (`|&`)".into());
    }
    let c = raw;
    let mut i = 0;
    let mut ident = String::new();
    let mut in_print = false;
    let mut depth = 0usize;
    // Whether a `/` here starts a regex (an operand is expected) rather
    // than a division.
    let mut operand_expected = true;
    let mut last_significant = ' ';
    while i < c.len() {
        let ch = c[i];
        if ch == '"' {
            i += 1;
            while i < c.len() && c[i] != '"' {
                if c[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            ident.clear();
            last_significant = '"';
            operand_expected = false;
            continue;
        }
        if ch == '/' && operand_expected {
            i += 1;
            let mut in_class = false;
            while i < c.len() && (c[i] != '/' || in_class) {
                match c[i] {
                    '\\' => i += 1,
                    '[' => in_class = true,
                    ']' => in_class = false,
                    '\n' => return Some("a regex not understood".into()),
                    _ => {}
                }
                i += 1;
            }
            i += 1;
            last_significant = '/';
            operand_expected = false;
            continue;
        }
        if ch.is_ascii_alphanumeric() || ch == '_' || ch == '$' {
            ident.push(ch);
            i += 1;
            if !c
                .get(i)
                .is_some_and(|n| n.is_ascii_alphanumeric() || *n == '_')
            {
                match ident.as_str() {
                    "system" => return Some("runs a command (`system`)".into()),
                    "print" | "printf" => {
                        in_print = true;
                        depth = 0;
                    }
                    "getline" if last_significant == '|' => {
                        return Some("runs a command (`| getline`)".into());
                    }
                    _ => {}
                }
                // After a keyword such as `print` or `return` an operand
                // (a regex) may follow; after a name or number, not.
                operand_expected = matches!(
                    ident.as_str(),
                    "print" | "printf" | "return" | "in" | "case" | "do" | "else" | "getline"
                );
                ident.clear();
                last_significant = 'a';
            }
            continue;
        }
        match ch {
            '@' => return Some("loads an extension".into()),
            '|' if c.get(i + 1) == Some(&'|') => {
                i += 1;
            }
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ';' | '\n' | '}' | '{' => in_print = false,
            '>' | '|' if in_print && depth == 0 => {
                return Some("redirects output to a file or command".into());
            }
            _ => {}
        }
        if !ch.is_whitespace() {
            last_significant = ch;
            operand_expected = !matches!(ch, ')' | ']');
        }
        i += 1;
    }
    None
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

/// psql: every `-c` is judged, `-f`/`-o`/`-L` and meta-commands that run
/// or write are not read; no `-c` means SQL from input: not read.
fn psql(args: &[Word]) -> Verdict {
    // `psql "$DATABASE_URL" -c …`: a connection string from a variable is
    // taken as the operand it is meant to be.
    let args: Vec<Word> = args
        .iter()
        .map(|w| {
            let mut w = w.clone();
            if w.text.starts_with('$') {
                w.lead_literal = true;
            }
            w
        })
        .collect();
    let args = args.as_slice();
    let spec = Spec {
        short_val: "cdfhLopPRFTUv",
        short_bool: "aAbeEHlnqsStwWxXz01?V",
        short_opt: "",
        long_val: &[
            "command",
            "dbname",
            "file",
            "host",
            "log-file",
            "output",
            "port",
            "pset",
            "record-separator",
            "field-separator",
            "table-attr",
            "username",
            "set",
            "variable",
        ],
        long_bool: &[
            "echo-all",
            "no-align",
            "echo-errors",
            "echo-queries",
            "echo-hidden",
            "html",
            "list",
            "no-readline",
            "quiet",
            "single-step",
            "single-line",
            "tuples-only",
            "no-password",
            "password",
            "expanded",
            "no-psqlrc",
            "field-separator-zero",
            "record-separator-zero",
            "single-transaction",
            "help",
            "version",
            "csv",
        ],
    };
    let o = match getopt(args, &spec, false) {
        Ok(o) => o,
        Err(e) => return m(format!("`psql`: {e}")),
    };
    if o.has(&["-f", "--file"]) {
        return m("`psql -f` runs a SQL file");
    }
    if o.has(&["-o", "--output", "-L", "--log-file"]) {
        return m("`psql -o`/`-L` writes a file");
    }
    let commands: Vec<&str> = o.values(&["-c", "--command"]).collect();
    if commands.is_empty() {
        if o.has(&["-l", "--list", "-V", "--version", "--help", "-?"]) {
            return Verdict::read();
        }
        return m("`psql` without `-c` runs SQL from its input");
    }
    let mut v = Verdict::read();
    for sql in commands {
        let trimmed = sql.trim_start();
        if let Some(meta) = trimmed.strip_prefix('\\') {
            let cmd: String = meta
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '+')
                .collect();
            let ok = cmd.starts_with('d')
                || matches!(
                    cmd.as_str(),
                    "l" | "l+"
                        | "list"
                        | "conninfo"
                        | "encoding"
                        | "timing"
                        | "x"
                        | "z"
                        | "dt"
                        | "du"
                        | "dn"
                );
            if !ok || meta.contains('|') || meta.contains('>') || meta.contains('\\') {
                v.raise(m(format!("psql meta-command `\\{}`", short(meta))));
            }
            continue;
        }
        let class = super::classify::sql_class(sql);
        v.raise(Verdict::of(class, || {
            format!("SQL `{}` is {}", short(sql), class.as_str())
        }));
    }
    v
}

fn mysql(args: &[Word]) -> Verdict {
    let mut sqls: Vec<&str> = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let t = args[i].text.as_str();
        if t == "-e" || t == "--execute" {
            if let Some(w) = args.get(i + 1) {
                sqls.push(&w.text);
            }
            i += 1;
        } else if let Some(s) = t.strip_prefix("--execute=") {
            sqls.push(s);
        } else if let Some(s) = t.strip_prefix("-e").filter(|s| !s.is_empty()) {
            sqls.push(s);
        } else if t.starts_with("--tee") || t == "-o" || t.starts_with("--init-command") {
            return m("`mysql` option writes or runs more");
        }
        i += 1;
    }
    if sqls.is_empty() {
        return m("`mysql` without `-e` runs SQL from its input");
    }
    let mut v = Verdict::read();
    for sql in sqls {
        if sql.contains("INTO OUTFILE")
            || sql.contains("into outfile")
            || sql.contains("\\!")
            || sql.trim_start().starts_with("system")
        {
            v.raise(m("SQL writes a file or runs a command"));
        }
        let class = super::classify::sql_class(sql);
        v.raise(Verdict::of(class, || {
            format!("SQL `{}` is {}", short(sql), class.as_str())
        }));
    }
    v
}

/// redis-cli options that act whatever the command: `--pipe`, `--rdb`,
/// `--eval`, `--cluster` (other than check/info), `--functions-rdb`.
pub(crate) fn redis_cli_options(args: &[Word]) -> Option<Verdict> {
    let mut scan_mode = false;
    for (i, w) in args.iter().enumerate() {
        let t = w.text.as_str();
        match t {
            "--pipe" | "--rdb" | "--functions-rdb" | "--eval" | "-x" | "--replica" | "--slave" => {
                return Some(m(format!(
                    "`redis-cli {t}` writes, feeds input or runs scripts"
                )));
            }
            "--cluster" => {
                let sub = args.get(i + 1).map(|w| w.text.as_str());
                if !matches!(sub, Some("check" | "info" | "help")) {
                    return Some(m("`redis-cli --cluster` changes the cluster"));
                }
            }
            "--scan"
            | "--bigkeys"
            | "--memkeys"
            | "--hotkeys"
            | "--keystats"
            | "--stat"
            | "--latency"
            | "--latency-history"
            | "--latency-dist"
            | "--intrinsic-latency" => {
                scan_mode = true;
            }
            _ => {}
        }
    }
    // These modes only read, whatever words follow.
    scan_mode.then(Verdict::read)
}

/// Migration tools: destructive verbs (revert, down, rollback, reset,
/// drop, clean, undo), read verbs (status, info, list, history, current,
/// validate, `*-sql` previews), the rest mutating. `None` when `name` does
/// not run a migration tool (`npx` of something else).
fn migration(name: &str, args: &[Word]) -> Option<Verdict> {
    let words: Vec<String> = args
        .iter()
        .filter(|w| w.literal && !w.text.starts_with('-'))
        .map(|w| w.text.to_ascii_lowercase())
        .collect();
    let tools = [
        "sqlx",
        "diesel",
        "migrate",
        "alembic",
        "flyway",
        "liquibase",
        "prisma",
        "knex",
        "goose",
        "dbmate",
        "atlas",
        "sequelize",
        "sequelize-cli",
        "typeorm",
        "db-migrate",
        "node-pg-migrate",
        "rails",
        "rake",
    ];
    let is_tool = matches!(
        name,
        "sqlx"
            | "diesel"
            | "migrate"
            | "alembic"
            | "flyway"
            | "liquibase"
            | "prisma"
            | "knex"
            | "goose"
            | "dbmate"
            | "atlas"
            | "sequelize"
            | "sequelize-cli"
    ) || words.first().is_some_and(|w| tools.contains(&w.as_str()))
        || (matches!(name, "rails" | "rake") && words.iter().any(|w| w.starts_with("db:")));
    if !is_tool {
        return None;
    }
    let tokens: Vec<&str> = words.iter().flat_map(|w| w.split(':')).collect();
    let destructive = [
        "revert",
        "down",
        "downgrade",
        "rollback",
        "reset",
        "drop",
        "clean",
        "undo",
        "redo",
        "fresh",
        "drop-all",
        "dropall",
        "down-to",
        "purge",
    ];
    let read = [
        "status",
        "info",
        "list",
        "history",
        "current",
        "heads",
        "branches",
        "show",
        "check",
        "validate",
        "version",
        "update-sql",
        "updatesql",
        "rollback-sql",
        "rollbacksql",
        "future-rollback-sql",
        "diff",
        "print-schema",
    ];
    let mutating = [
        "up",
        "run",
        "upgrade",
        "apply",
        "deploy",
        "baseline",
        "repair",
        "update",
        "create",
        "new",
        "add",
        "generate",
        "fix",
        "force",
        "goto",
        "stamp",
        "merge",
        "edit",
        "tag",
        "seed",
        "push",
        "latest",
        "setup",
        "up-by-one",
        "up-to",
        "dev",
        "resolve",
        "import",
    ];
    // Only tools whose dry run is real: `sqlx migrate run --dry-run`,
    // `atlas migrate apply --dry-run`, `alembic upgrade --sql` (offline).
    let dry = match name {
        "sqlx" | "atlas" => super::tools_cloud::dry_run(args),
        "alembic" => has(args, &["--sql"]),
        _ => false,
    };
    if let Some(d) = tokens.iter().find(|t| destructive.contains(t)) {
        if dry {
            return Some(Verdict::read());
        }
        return Some(Verdict::destructive(format!(
            "`{name} … {d}` undoes migrations or drops data"
        )));
    }
    let has_mutating = tokens.iter().any(|t| mutating.contains(t));
    if has_mutating && !dry {
        return Some(not_read_only(name, args));
    }
    if tokens.iter().any(|t| read.contains(t)) || (has_mutating && dry) {
        return Some(Verdict::read());
    }
    Some(not_read_only(name, args))
}

/// Inner commands of `kubectl exec`, `docker exec`, `docker compose exec`
/// run in a container: judged like the same command here.
pub(crate) fn judge_inner(words: &[Word], ctx: &Ctx) -> Verdict {
    if words.is_empty() {
        return m("an exec without a command");
    }
    judge_words(words, ctx)
}
