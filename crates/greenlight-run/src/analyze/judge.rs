//! Deny by default: a script is `read` only when every simple command in
//! it (and in every substitution) is a known read-only program and
//! subcommand, with no redirection to a file and no assignment that changes
//! how later programs run. Wrappers (`env`, `sudo`, `timeout`, `xargs`,
//! `sh -c`, `eval`, …) are unwrapped and judged too.

use super::shell::{self, RedirKind, Redirect, Script, Simple, Word};
use crate::profile::Class;

/// A class and, when not `read`, why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub class: Class,
    pub reason: Option<String>,
}

impl Verdict {
    /// Nothing found that changes state.
    pub fn read() -> Verdict {
        Verdict {
            class: Class::Read,
            reason: None,
        }
    }

    pub fn mutating(reason: impl Into<String>) -> Verdict {
        Verdict {
            class: Class::Mutating,
            reason: Some(reason.into()),
        }
    }

    pub fn destructive(reason: impl Into<String>) -> Verdict {
        Verdict {
            class: Class::Destructive,
            reason: Some(reason.into()),
        }
    }

    /// A class with a reason when it is not `read`.
    pub fn of(class: Class, reason: impl FnOnce() -> String) -> Verdict {
        match class {
            Class::Read => Verdict::read(),
            c => Verdict {
                class: c,
                reason: Some(reason()),
            },
        }
    }

    /// Keeps the more dangerous of the two (the first one on a tie).
    pub fn raise(&mut self, other: Verdict) {
        if other.class > self.class {
            *self = other;
        }
    }

    /// At least `floor`, with `reason` when that raises it.
    pub fn at_least(mut self, floor: Class, reason: impl FnOnce() -> String) -> Verdict {
        if self.class < floor {
            self = Verdict {
                class: floor,
                reason: Some(reason()),
            };
        }
        self
    }
}

/// What a judgement needs besides the words.
#[derive(Debug, Clone, Copy)]
pub struct Ctx {
    pub depth: usize,
    /// Whether the command's input carries data (a pipe from a command
    /// that prints something, `< file`, a here-document).
    pub fed: bool,
}

impl Ctx {
    fn deeper(&self) -> Option<Ctx> {
        (self.depth < shell::MAX_DEPTH).then_some(Ctx {
            depth: self.depth + 1,
            fed: self.fed,
        })
    }
}

/// Judges a whole script. Calling a function the script defines is judged
/// like calling the program of that name: the definition may not have run
/// (`if false; then kubectl() { :; }; fi`), and its body is judged anyway.
pub fn judge_script(text: &str) -> Verdict {
    judge_text(
        text,
        &Ctx {
            depth: 0,
            fed: false,
        },
    )
}

/// Judges script text found inside a command (`sh -c '…'`, `eval …`).
pub(crate) fn judge_text(text: &str, ctx: &Ctx) -> Verdict {
    let Some(ctx) = ctx.deeper() else {
        return Verdict::mutating("scripts nested too deeply to judge");
    };
    let mut v = match shell::parse(text) {
        Ok(script) => judge_parsed(&script, &ctx),
        Err(e) => Verdict::mutating(format!("not understood as shell ({e})")),
    };
    // `echo `a `b``` is not nesting for bash (it needs `\``), but a reader
    // may mean it: judge what such a reading would run too.
    if text.matches('`').count() >= 3 {
        for inner in naive_backtick_nesting(text) {
            let w = judge_text(&inner, &ctx);
            if w.class > Class::Read {
                v.raise(Verdict {
                    class: w.class,
                    reason: Some(format!(
                        "in `{}`: {}",
                        short(&inner),
                        w.reason.unwrap_or_default()
                    )),
                });
            }
        }
    }
    v
}

/// Innermost backtick pairs when a backtick opens after a blank (or
/// `=`, `(`, another backtick) and closes before one.
fn naive_backtick_nesting(text: &str) -> Vec<String> {
    let c: Vec<char> = text.chars().collect();
    let mut stack: Vec<usize> = Vec::new();
    let mut out = Vec::new();
    for (i, &ch) in c.iter().enumerate() {
        if ch != '`' {
            continue;
        }
        let before = if i == 0 { ' ' } else { c[i - 1] };
        let after = c.get(i + 1).copied().unwrap_or(' ');
        let closes = after.is_whitespace() || "`);|&\"'".contains(after);
        let opens = before.is_whitespace() || "=(`$\"'".contains(before);
        if closes && !stack.is_empty() {
            if let Some(start) = stack.pop() {
                let inner: String = c[start + 1..i].iter().collect();
                if !inner.contains('`') && !inner.trim().is_empty() {
                    out.push(inner);
                }
            }
        } else if opens {
            stack.push(i);
        }
        if out.len() > 64 {
            break;
        }
    }
    out
}

fn judge_parsed(script: &Script, inner: &Ctx) -> Verdict {
    let mut v = Verdict::read();
    for cmd in &script.commands {
        v.raise(judge_simple(cmd, inner));
    }
    for sub in &script.substitutions {
        let s = judge_parsed(&sub.script, inner);
        if s.class > Class::Read {
            let why = s.reason.unwrap_or_default();
            v.raise(Verdict {
                class: s.class,
                reason: Some(format!("in `{}`: {why}", short(&sub.text))),
            });
        }
    }
    v
}

fn judge_simple(cmd: &Simple, ctx: &Ctx) -> Verdict {
    let mut v = Verdict::read();
    for r in &cmd.redirects {
        v.raise(judge_redirect(r));
    }
    let fed_by_pipe = cmd
        .piped_from
        .as_ref()
        .is_some_and(|from| !prints_nothing(from));
    let fed_by_redirect = cmd.redirects.iter().any(|r| match r.kind {
        RedirKind::HereDoc | RedirKind::HereString => true,
        RedirKind::Read => r.target.text != "/dev/null",
        _ => false,
    });
    let ctx = Ctx {
        fed: fed_by_pipe || fed_by_redirect,
        ..*ctx
    };
    v.raise(judge_words(&cmd.words, &ctx));
    v
}

/// `echo`, `echo Q`, `true`, `printf ''`: a pipe that only closes a
/// connection.
fn prints_nothing(words: &[String]) -> bool {
    match words {
        [one] => matches!(one.as_str(), "echo" | "true" | ":"),
        [cmd, arg] => {
            (cmd == "echo"
                && matches!(arg.as_str(), "-n" | "Q" | "q" | "QUIT" | "quit" | "" | "-e"))
                || (cmd == "printf" && arg.is_empty())
        }
        _ => false,
    }
}

/// Files a redirection may write without changing anything.
fn harmless_sink(path: &str) -> bool {
    matches!(
        path,
        "/dev/null" | "/dev/stdout" | "/dev/stderr" | "/dev/fd/1" | "/dev/fd/2" | "/dev/tty"
    )
}

fn judge_redirect(r: &Redirect) -> Verdict {
    match r.kind {
        RedirKind::Read | RedirKind::Dup | RedirKind::HereDoc | RedirKind::HereString => {
            Verdict::read()
        }
        RedirKind::ReadWrite => Verdict::mutating(format!(
            "opens a file for writing (`{}{}`)",
            r.op, r.target.text
        )),
        RedirKind::Write if r.target.literal && harmless_sink(&r.target.text) => Verdict::read(),
        RedirKind::Write => Verdict::mutating(format!(
            "writes to a file (`{} {}`)",
            r.op,
            short(&r.target.text)
        )),
    }
}

/// Environment variables that make an ordinary program run other code.
fn dangerous_variable(name: &str) -> bool {
    matches!(
        name,
        "PATH"
            | "BASH_ENV"
            | "ENV"
            | "IFS"
            | "SHELLOPTS"
            | "BASHOPTS"
            | "PROMPT_COMMAND"
            | "PS4"
            | "PAGER"
            | "MANPAGER"
            | "EDITOR"
            | "VISUAL"
            | "LESSOPEN"
            | "LESSCLOSE"
            | "KUBECTL_EXTERNAL_DIFF"
            | "KUBE_EDITOR"
            | "PERL5OPT"
            | "PERL5LIB"
            | "PYTHONPATH"
            | "PYTHONSTARTUP"
            | "NODE_OPTIONS"
            | "RUBYOPT"
            | "JAVA_TOOL_OPTIONS"
            | "_JAVA_OPTIONS"
            | "PSQLRC"
            | "HELM_PLUGINS"
            | "DOCKER_HOST"
            | "SSH_ASKPASS"
            | "SUDO_ASKPASS"
    ) || name.starts_with("GIT_")
        || name.starts_with("LD_")
        || name.starts_with("DYLD_")
        || name.starts_with("BASH_FUNC")
}

/// `NAME=value`: harmless unless NAME changes how programs run.
pub(crate) fn judge_assignment(text: &str) -> Verdict {
    let name = text
        .split_once('=')
        .map_or(text, |(n, _)| n.trim_end_matches('+'));
    if dangerous_variable(name) {
        Verdict::mutating(format!(
            "sets `{name}`, which changes what later programs run"
        ))
    } else {
        Verdict::read()
    }
}

/// Installed programs: `/usr/bin/curl` is `curl`, so is
/// `/usr/pgsql-12/bin/pg_controldata` `pg_controldata`; a relative path
/// (`./x.sh`, `bin/x`, `~/x`) or one in a scratch folder (`/tmp/…`) is a
/// local file.
pub fn command_name(word: &str) -> Option<&str> {
    if !word.contains('/') {
        return Some(word);
    }
    let (dir, name) = word.rsplit_once('/')?;
    let installed = word.starts_with('/')
        && !word.contains("/../")
        && !word.contains("/./")
        && ![
            "/tmp/",
            "/var/tmp/",
            "/dev/shm/",
            "/home/",
            "/root/",
            "/run/",
        ]
        .iter()
        .any(|p| word.starts_with(p))
        && dir
            .rsplit('/')
            .next()
            .is_some_and(|d| d == "bin" || d == "sbin");
    (installed && !name.is_empty()).then_some(name)
}

/// Judges a simple command given as words (assignments first).
pub(crate) fn judge_words(words: &[Word], ctx: &Ctx) -> Verdict {
    let mut v = Verdict::read();
    let mut i = 0;
    while i < words.len() && words[i].assignment {
        v.raise(judge_assignment(&words[i].text));
        i += 1;
    }
    let words = &words[i..];
    let Some(first) = words.first() else {
        return v;
    };
    if !first.literal {
        v.raise(Verdict::mutating(format!(
            "the program comes from an expansion (`{}`)",
            short(&first.text)
        )));
        return v;
    }
    let Some(name) = command_name(&first.text) else {
        v.raise(Verdict::mutating(format!(
            "runs a local file `{}`",
            short(&first.text)
        )));
        return v;
    };
    let Some(deeper) = ctx.deeper() else {
        v.raise(Verdict::mutating("wrappers nested too deeply to judge"));
        return v;
    };
    v.raise(wrapper_or_program(name, &words[1..], &deeper));
    v
}

/// Options of a command in getopt style.
pub(crate) struct Spec<'a> {
    /// Short options that take a value (`-n 5`, `-n5`).
    pub short_val: &'a str,
    /// Short options without a value.
    pub short_bool: &'a str,
    /// Short options whose value can only be attached (`-i.bak`).
    pub short_opt: &'a str,
    /// Long options that take a value (`--lines 5`, `--lines=5`).
    pub long_val: &'a [&'a str],
    /// Long options without a value (an attached `=value` is accepted).
    pub long_bool: &'a [&'a str],
}

/// Options found, in order, and where the operands are.
#[derive(Debug, Default)]
pub(crate) struct Opts {
    /// (`-x` or `--long`, value).
    pub found: Vec<(String, Option<String>)>,
    /// Indices of operands.
    pub operands: Vec<usize>,
}

impl Opts {
    pub fn has(&self, names: &[&str]) -> bool {
        self.found.iter().any(|(n, _)| names.contains(&n.as_str()))
    }

    pub fn value(&self, names: &[&str]) -> Option<&str> {
        self.found
            .iter()
            .find(|(n, _)| names.contains(&n.as_str()))
            .and_then(|(_, v)| v.as_deref())
    }

    pub fn values<'s>(&'s self, names: &'s [&'s str]) -> impl Iterator<Item = &'s str> + 's {
        self.found
            .iter()
            .filter(move |(n, _)| names.contains(&n.as_str()))
            .filter_map(|(_, v)| v.as_deref())
    }
}

/// Parses options. With `stop` the first operand ends them (wrappers);
/// otherwise options and operands mix (GNU tools). An unknown option, or a
/// word that an expansion could turn into an option, is an error naming it.
pub(crate) fn getopt(args: &[Word], spec: &Spec, stop: bool) -> Result<Opts, String> {
    let mut out = Opts::default();
    let mut i = 0;
    while i < args.len() {
        let w = &args[i];
        let t = w.text.as_str();
        if !w.lead_literal {
            return Err(format!(
                "`{}` comes from an expansion and could be an option",
                short(t)
            ));
        }
        if t == "--" {
            out.operands.extend(i + 1..args.len());
            return Ok(out);
        }
        if let Some(long) = t.strip_prefix("--") {
            let (name, attached) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (long, None),
            };
            if spec.long_val.contains(&name) {
                let value = match attached {
                    Some(v) => v,
                    None => {
                        i += 1;
                        args.get(i)
                            .map(|w| w.text.clone())
                            .ok_or_else(|| format!("`--{name}` without its value"))?
                    }
                };
                out.found.push((format!("--{name}"), Some(value)));
            } else if spec.long_bool.contains(&name) {
                out.found.push((format!("--{name}"), attached));
            } else {
                return Err(format!("unknown option `--{name}`"));
            }
        } else if t.len() > 1 && t.starts_with('-') {
            let letters: Vec<char> = t.chars().skip(1).collect();
            let mut k = 0;
            while k < letters.len() {
                let c = letters[k];
                let rest = || -> String { letters[k + 1..].iter().collect() };
                if spec.short_val.contains(c) {
                    let rest = rest();
                    let value = if rest.is_empty() {
                        i += 1;
                        args.get(i)
                            .map(|w| w.text.clone())
                            .ok_or_else(|| format!("`-{c}` without its value"))?
                    } else {
                        rest
                    };
                    out.found.push((format!("-{c}"), Some(value)));
                    break;
                } else if spec.short_opt.contains(c) {
                    let rest = rest();
                    out.found
                        .push((format!("-{c}"), (!rest.is_empty()).then_some(rest)));
                    break;
                } else if spec.short_bool.contains(c) {
                    out.found.push((format!("-{c}"), None));
                } else {
                    return Err(format!("unknown option `-{c}`"));
                }
                k += 1;
            }
        } else {
            out.operands.push(i);
            if stop {
                out.operands.extend(i + 1..args.len());
                return Ok(out);
            }
        }
        i += 1;
    }
    Ok(out)
}

/// Joins words back into script text for a shell that will parse them
/// again (`watch`, `ssh`, `eval`).
fn joined(words: &[Word]) -> String {
    words
        .iter()
        .map(|w| w.text.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Shortens text for a message.
pub(crate) fn short(text: &str) -> String {
    let one_line = text.replace('\n', " ");
    if one_line.chars().count() > 60 {
        let cut: String = one_line.chars().take(57).collect();
        format!("{cut}…")
    } else {
        one_line
    }
}

fn rest_after(args: &[Word], opts: &Opts) -> Vec<Word> {
    opts.operands
        .first()
        .map(|&i| args[i..].to_vec())
        .unwrap_or_default()
}

fn unknown_option(program: &str, e: String) -> Verdict {
    Verdict::mutating(format!("`{program}`: {e}"))
}

fn wrapper_or_program(name: &str, args: &[Word], ctx: &Ctx) -> Verdict {
    let spec = |short_val, short_bool, long_val, long_bool| Spec {
        short_val,
        short_bool,
        short_opt: "",
        long_val,
        long_bool,
    };
    match name {
        "env" => {
            let s = spec(
                "uCS",
                "i0v",
                &["unset", "chdir", "split-string"],
                &[
                    "ignore-environment",
                    "null",
                    "debug",
                    "default-signal",
                    "ignore-signal",
                    "block-signal",
                    "list-signal-handling",
                ],
            );
            let opts = match getopt(args, &s, true) {
                Ok(o) => o,
                Err(e) => return unknown_option(name, e),
            };
            let mut v = Verdict::read();
            let all = rest_after(args, &opts);
            let n = all
                .iter()
                .take_while(|w| {
                    w.text
                        .split_once('=')
                        .is_some_and(|(n, _)| super::classify::is_assignment(&format!("{n}=")))
                })
                .count();
            for w in &all[..n] {
                v.raise(judge_assignment(&w.text));
            }
            let rest = &all[n..];
            if let Some(split) = opts.value(&["-S", "--split-string"]) {
                let script = format!("{split} {}", joined(rest));
                v.raise(judge_text(&script, ctx));
            } else if !rest.is_empty() {
                v.raise(judge_words(rest, ctx));
            }
            v
        }
        "nice" => {
            let args: Vec<Word> = match args.first() {
                Some(w)
                    if w.text
                        .strip_prefix('-')
                        .is_some_and(|n| n.parse::<i32>().is_ok()) =>
                {
                    args[1..].to_vec()
                }
                _ => args.to_vec(),
            };
            let s = spec("n", "", &["adjustment"], &[]);
            match getopt(&args, &s, true) {
                Ok(o) => judge_words(&rest_after(&args, &o), ctx),
                Err(e) => unknown_option(name, e),
            }
        }
        "command" => {
            let s = spec("", "pvV", &[], &[]);
            match getopt(args, &s, true) {
                // `command -v kubectl` looks a name up; more words are not
                // what people write, so not judged.
                Ok(o) if o.has(&["-v", "-V"]) && o.operands.len() == 1 => Verdict::read(),
                Ok(o) if o.has(&["-v", "-V"]) => {
                    Verdict::mutating("`command -v` with more than one name")
                }
                Ok(o) => judge_words(&rest_after(args, &o), ctx),
                Err(e) => unknown_option(name, e),
            }
        }
        "builtin" | "nohup" => judge_words(args, ctx),
        "exec" => {
            let s = spec("a", "cl", &[], &[]);
            match getopt(args, &s, true) {
                Ok(o) => judge_words(&rest_after(args, &o), ctx),
                Err(e) => unknown_option(name, e),
            }
        }
        "sudo" | "doas" => sudo(name, args, ctx),
        "stdbuf" => {
            let s = spec("ioe", "", &["input", "output", "error"], &[]);
            match getopt(args, &s, true) {
                Ok(o)
                    if o.found
                        .iter()
                        .all(|(_, v)| v.as_deref().is_some_and(buffer_mode)) =>
                {
                    judge_words(&rest_after(args, &o), ctx)
                }
                Ok(_) => Verdict::mutating("`stdbuf` with a buffering mode not understood"),
                Err(e) => unknown_option(name, e),
            }
        }
        "ionice" => {
            let s = spec("cn", "t", &["class", "classdata"], &["ignore"]);
            match getopt(args, &s, true) {
                Ok(o) => judge_words(&rest_after(args, &o), ctx),
                Err(e) => unknown_option(name, e),
            }
        }
        "setsid" => {
            let s = spec("", "cfw", &[], &["ctty", "fork", "wait"]);
            match getopt(args, &s, true) {
                Ok(o) => judge_words(&rest_after(args, &o), ctx),
                Err(e) => unknown_option(name, e),
            }
        }
        "timeout" => {
            let s = spec(
                "sk",
                "v",
                &["signal", "kill-after"],
                &["foreground", "preserve-status", "verbose"],
            );
            match getopt(args, &s, true) {
                // The first operand is the duration.
                Ok(o) => {
                    let rest = rest_after(args, &o);
                    let durations_ok = rest.first().is_some_and(|w| duration(&w.text))
                        && o.values(&["-k", "--kill-after"]).all(duration)
                        && o.values(&["-s", "--signal"])
                            .all(|v| v.chars().all(|c| c.is_ascii_alphanumeric()));
                    if !durations_ok {
                        return Verdict::mutating("`timeout` arguments not understood");
                    }
                    judge_words(rest.get(1..).unwrap_or(&[]), ctx)
                }
                Err(e) => unknown_option(name, e),
            }
        }
        "time" => {
            let s = spec(
                "fo",
                "pvaq",
                &["format", "output"],
                &["portability", "verbose", "append", "quiet"],
            );
            match getopt(args, &s, true) {
                Ok(o) if o.has(&["-o", "--output"]) => Verdict::mutating("`time -o` writes a file"),
                Ok(o) => judge_words(&rest_after(args, &o), ctx),
                Err(e) => unknown_option(name, e),
            }
        }
        "watch" => {
            let s = Spec {
                short_val: "nq",
                short_bool: "bcCegtwxpr",
                short_opt: "d",
                long_val: &["interval", "equexit"],
                long_bool: &[
                    "differences",
                    "beep",
                    "color",
                    "no-color",
                    "errexit",
                    "chgexit",
                    "exec",
                    "no-title",
                    "precise",
                    "no-wrap",
                    "no-rerun",
                ],
            };
            match getopt(args, &s, true) {
                Ok(o) if o.has(&["-x", "--exec"]) => judge_words(&rest_after(args, &o), ctx),
                // Without -x, watch runs its arguments through `sh -c`.
                Ok(o) => judge_text(&joined(&rest_after(args, &o)), ctx),
                Err(e) => unknown_option(name, e),
            }
        }
        "xargs" => xargs(args, ctx),
        "sh" | "bash" | "zsh" | "dash" | "ksh" | "ash" | "mksh" => shell_program(name, args, ctx),
        "eval" => judge_text(&joined(args), ctx),
        "trap" => match args.first() {
            Some(w) if args.len() >= 2 && !w.text.starts_with('-') => judge_text(&w.text, ctx),
            _ => Verdict::read(),
        },
        "ssh" => {
            let s = spec("bcDEeFIiJLlmOopQRSWwB", "46AaCfGgKkMNnqsTtVvXxY", &[], &[]);
            match getopt(args, &s, true) {
                Ok(o) => {
                    let rest = rest_after(args, &o);
                    match rest.get(1..) {
                        Some(remote) if !remote.is_empty() => {
                            let script = joined(remote);
                            judge_text(&script, ctx).at_least(Class::Mutating, || {
                                format!("runs `{}` on another host over ssh", short(&script))
                            })
                        }
                        _ => Verdict::mutating("opens a remote shell over ssh"),
                    }
                }
                Err(e) => unknown_option(name, e),
            }
        }
        "nsenter" | "chroot" | "unshare" | "su" | "runuser" | "systemd-run" | "flock" | "chrt"
        | "taskset" | "cgexec" | "firejail" | "strace" | "ltrace" | "gdb" | "valgrind"
        | "parallel" | "script" | "expect" | "tmux" | "screen" | "at" | "batch" => {
            Verdict::mutating(format!("`{name}` is not known to be read-only"))
        }
        _ => super::classify::program_class(name, args, ctx),
    }
}

/// `stdbuf` modes: `L`, `0` or a size (`4K`, `1MB`).
fn buffer_mode(v: &str) -> bool {
    let digits = v.trim_end_matches(['K', 'M', 'G', 'k', 'm', 'g', 'B', 'b']);
    v == "L" || (!digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()))
}

/// `timeout` durations: `5`, `2.5`, `10s`, `1m`, `2h`, `1d`.
///
/// Not `greenlight_load::parse_duration` on purpose: this is GNU
/// `timeout(1)`'s own grammar (one number, at most one suffix of `s`, `m`,
/// `h` or `d`; no `ms`, no `1h30m`), used to tell where its DURATION
/// argument ends and the command it wraps begins. Accepting our wider
/// grammar here would misread `timeout 1h30m cmd` and `timeout 5ms cmd`,
/// which `timeout` itself refuses.
fn duration(v: &str) -> bool {
    let number = v.strip_suffix(['s', 'm', 'h', 'd']).unwrap_or(v);
    !number.is_empty()
        && number.chars().all(|c| c.is_ascii_digit() || c == '.')
        && number.chars().filter(|c| *c == '.').count() <= 1
}

fn sudo(name: &str, args: &[Word], ctx: &Ctx) -> Verdict {
    let s = if name == "doas" {
        Spec {
            short_val: "uC",
            short_bool: "Ln",
            short_opt: "",
            long_val: &[],
            long_bool: &[],
        }
    } else {
        Spec {
            // Rarer options (`-D dir`, `-R root`, `-h host`, `-r role`, …)
            // are not judged: unknown, so not read.
            short_val: "ugpCT",
            short_bool: "AbEHiKklnPSsVv",
            short_opt: "",
            long_val: &["user", "group", "prompt", "close-from", "command-timeout"],
            long_bool: &[
                "askpass",
                "background",
                "preserve-env",
                "set-home",
                "login",
                "remove-timestamp",
                "reset-timestamp",
                "list",
                "non-interactive",
                "preserve-groups",
                "shell",
                "stdin",
                "validate",
                "version",
                "edit",
            ],
        }
    };
    let opts = match getopt(args, &s, true) {
        Ok(o) => o,
        Err(e) => return unknown_option(name, e),
    };
    if opts.has(&["-e", "--edit", "-R", "--chroot"]) {
        return Verdict::mutating(format!("`{name}` edits files or changes root"));
    }
    let all = rest_after(args, &opts);
    let mut v = Verdict::read();
    let n = all.iter().take_while(|w| w.assignment).count();
    for w in &all[..n] {
        v.raise(judge_assignment(&w.text));
    }
    let rest = &all[n..];
    if rest.is_empty() {
        if opts.has(&[
            "-l",
            "--list",
            "-v",
            "--validate",
            "-k",
            "-K",
            "--reset-timestamp",
            "--remove-timestamp",
            "-V",
            "--version",
            "-L",
        ]) {
            return v;
        }
        v.raise(Verdict::mutating(format!("`{name}` opens a root shell")));
        return v;
    }
    if opts.has(&["-s", "--shell", "-i", "--login"]) {
        v.raise(judge_text(&joined(rest), ctx));
    } else {
        v.raise(judge_words(rest, ctx));
    }
    v
}

fn xargs(args: &[Word], ctx: &Ctx) -> Verdict {
    let s = Spec {
        short_val: "IdEnsLaP",
        short_bool: "0rtpxo",
        short_opt: "iel",
        long_val: &[
            "delimiter",
            "max-args",
            "arg-file",
            "max-procs",
            "max-chars",
            "process-slot-var",
        ],
        long_bool: &[
            "null",
            "no-run-if-empty",
            "verbose",
            "interactive",
            "exit",
            "open-tty",
            "show-limits",
            "replace",
            "eof",
            "max-lines",
        ],
    };
    let opts = match getopt(args, &s, true) {
        Ok(o) => o,
        Err(e) => return unknown_option("xargs", e),
    };
    let replace: Option<String> = if let Some(r) = opts.value(&["-I"]) {
        Some(r.to_string())
    } else if opts.has(&["-i", "--replace"]) {
        Some(opts.value(&["-i", "--replace"]).unwrap_or("{}").to_string())
    } else {
        None
    };
    let mut rest = rest_after(args, &opts);
    if rest.is_empty() {
        rest.push(Word::plain("echo"));
    }
    // The input becomes arguments, which could be anything, options too.
    match replace {
        Some(r) if !r.is_empty() => {
            for w in rest.iter_mut().skip(1) {
                if w.text.contains(&r) {
                    w.literal = false;
                    if w.text.starts_with(&r) {
                        w.lead_literal = false;
                    }
                }
            }
        }
        _ => rest.push(Word {
            text: "<input of xargs>".into(),
            literal: false,
            lead_literal: false,
            assignment: false,
            quoted: false,
        }),
    }
    judge_words(&rest, ctx)
}

fn shell_program(name: &str, args: &[Word], ctx: &Ctx) -> Verdict {
    let mut c = false;
    let mut i = 0;
    while i < args.len() {
        let t = args[i].text.as_str();
        if !args[i].lead_literal {
            return Verdict::mutating(format!("`{name}` with options from an expansion"));
        }
        match t {
            "--" => {
                i += 1;
                break;
            }
            "-o" | "+o" | "-O" | "+O" => i += 2,
            "--norc" | "--noprofile" | "--posix" | "--login" | "--noediting" | "--verbose"
            | "--version" | "--restricted" | "--debug" | "--dump-strings" => i += 1,
            "--rcfile" | "--init-file" => {
                return Verdict::mutating(format!("`{name} {t}` runs a startup file"));
            }
            _ if t.starts_with("--") => {
                return Verdict::mutating(format!("`{name}`: unknown option `{t}`"));
            }
            _ if t.len() > 1 && (t.starts_with('-') || t.starts_with('+')) => {
                for ch in t.chars().skip(1) {
                    match ch {
                        'c' => c = true,
                        's' => {
                            return Verdict::mutating(format!(
                                "`{name} -s` reads a script from its input"
                            ));
                        }
                        'a' | 'b' | 'e' | 'f' | 'h' | 'k' | 'm' | 'n' | 'p' | 't' | 'u' | 'v'
                        | 'x' | 'B' | 'C' | 'H' | 'P' | 'T' | 'E' | 'l' | 'i' | 'r' => {}
                        other => {
                            return Verdict::mutating(format!(
                                "`{name}`: unknown option `-{other}`"
                            ));
                        }
                    }
                }
                i += 1;
            }
            _ => break,
        }
    }
    let operands = args.get(i..).unwrap_or(&[]);
    match (c, operands.first()) {
        (true, Some(script)) => judge_text(&script.text, ctx),
        (true, None) => Verdict::mutating(format!("`{name} -c` without a script")),
        (false, Some(file)) => Verdict::mutating(format!(
            "`{name}` runs the script file `{}`",
            short(&file.text)
        )),
        (false, None) => Verdict::mutating(format!("`{name}` reads a script from its input")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(s: &str) -> Class {
        judge_script(s).class
    }

    fn assert_all(expected: Class, cases: &[&str]) {
        let wrong: Vec<String> = cases
            .iter()
            .filter_map(|s| {
                let v = judge_script(s);
                (v.class != expected).then(|| format!("{s:?} → {:?} ({:?})", v.class, v.reason))
            })
            .collect();
        assert!(
            wrong.is_empty(),
            "expected {expected:?}:\n{}",
            wrong.join("\n")
        );
    }

    #[test]
    fn respellings_that_used_to_slip_through() {
        assert_all(
            Class::Mutating,
            &[
                "env curl -X POST https://x/y",
                "env VAR=x kubectl apply -f k8s/",
                "env -i PATH=/usr/bin kubectl scale deploy/x --replicas=0",
                "env -S 'kubectl apply -f x'",
                "nice -n 10 kubectl apply -f x",
                "nice -5 kubectl apply -f x",
                "command kubectl apply -f x",
                "exec kubectl apply -f x",
                "stdbuf -oL kubectl apply -f x",
                "stdbuf --output=log.txt -oL git log",
                "timeout --output=x 5 ls",
                "timeout x.log ls",
                "time -p kubectl apply -f x",
                "nohup kubectl apply -f x",
                "watch -n1 kubectl scale deploy/x --replicas=2",
                "watch -d 'kubectl scale deploy/x --replicas=2'",
                "timeout 5 redis-cli set k v",
                "timeout -s KILL -k 3 10s kubectl apply -f x",
                "sudo -u postgres psql -c 'UPDATE t SET a = 1'",
                "sudo -E -n kubectl apply -f x",
                "sudo -Eu root kubectl apply -f x",
                "sudo -DeLeTe find . -name x",
                "sudo -D /tmp ls",
                "command -v docker compose down",
                "sh -c 'kubectl apply -f x'",
                "bash -ec 'echo hi; kubectl apply -f x'",
                "bash -euo pipefail -c 'kubectl apply -f x'",
                "eval \"kubectl apply -f x\"",
                "eval $CMD",
                "echo x > f",
                "echo x >> f",
                "echo x &> f",
                "echo x >| f",
                "echo x 1> f",
                "echo x 2> err.log",
                "echo x >&out.txt",
                "cat <<EOF > f\nhello\nEOF",
                "> f",
                "cat f <> g",
                "echo x | tee f",
                "echo x | tee -a /var/log/x",
                "sed -i s/a/b/ f",
                "sed --in-place s/a/b/ f",
                "sed -ni p f",
                "sed -Ei s/a/b/ f",
                "sed -ie s/a/b/ f",
                "sed -i.bak s/a/b/ f",
                "sed 'e rm x' f",
                "sed 's/a/b/e' f",
                "sed 's/a/b/w out' f",
                "sed -n '1,3w out' f",
                "sed -e p -e 'W out' f",
                "sed -f script.sed f",
                "sed $OPTS s/a/b/ f",
                "sort -o f f",
                "sort -no f f",
                "sort --output=f f",
                "sort --compress-program=gzip f",
                "uniq in out",
                "awk 'BEGIN{system(\"rm x\")}'",
                "awk '{print > \"out\"}' f",
                "awk '{print $1 | \"sh\"}' f",
                "awk 'BEGIN{\"date\" | getline d}'",
                "awk -f prog.awk f",
                "awk '/\"/ {x} ; {system(\"rm x\")} \"'",
                "awk '/\"/ {print > \"out\"} \"'",
                "awk 'BEGIN { system (\"rm x\") }'",
                "awk \"$PROG\" f",
                "find . -exec rm {} ;",
                "find . -DeLeTe",
                "find . -name x -fprintf out %p",
                "find . -name '*.txt' -exec sed -i s/a/b/ {} +",
                "kubectl exec -it pod -n x -- cat /etc/config",
                "kubectl exec pod -- psql -c 'SELECT 1'",
                "docker exec c cat /etc/hosts",
                "docker compose exec db psql -c 'SELECT 1'",
                "terraform plan",
                "npm publish --dry-run",
                "cargo publish --dry-run",
                "/tmp/x/cat f",
                "/home/u/bin/ls",
                "/usr/local/../tmp/bin/ls",
                "bin/ls",
                "find / -fprint out",
                "yq -i '.a = 1' f.yaml",
                "perl -pi -e s/a/b/ f",
                "perl -ne 'print' f",
                "date -s '2020-01-01'",
                "date --set=now",
                "hostname newname",
                "kubectl apply -f x --dry-run=none",
                "kubectl apply -f x --dry-run=false",
                "kubectl exec pod -- kubectl apply -f x",
                "kubectl exec pod ls",
                "docker run --rm alpine ls",
                "docker exec c kubectl apply -f x",
                "docker compose exec db psql -c 'UPDATE t SET a = 1'",
                "ssh host 'cat /etc/hosts'",
                "ssh host",
                "nsenter -t 1 -m ls",
                "chroot /mnt ls",
                "xargs kubectl annotate pod x=y",
                "xargs sed s/a/b/",
                "find . -name '*.log' | xargs -I{} sed s/a/b/ {}",
                "./x.sh",
                "bash x.sh",
                "sh",
                "source env.sh",
                ". ./env.sh",
                "PATH=./bin:$PATH ls",
                "GIT_EXTERNAL_DIFF=./x git diff",
                "export LD_PRELOAD=./x.so",
                "$TOOL get pods",
                "\"$KUBECTL\" get pods",
                "`which kubectl` get pods",
                "kubectl $VERB pods",
                "git -c core.pager='rm x' log",
                "git -c alias.x='!rm y' x",
                "git --exec-path=./x status",
                "git log --output=f",
                "git diff --ext-diff",
                "git branch newbranch",
                "git branch -m a b",
                "git tag v1",
                "git tag -a v1 -m x",
                "git fetch",
                "git remote add o url",
                "git config user.name x",
                "git push origin main",
                "git stash",
                "helm upgrade x chart --dry-run=none",
                "helm install x chart",
                "helm repo update",
                "helm template x chart --output-dir out",
                "docker pull img",
                "docker compose up -d",
                "docker compose config -o out.yml",
                "terraform plan -out=tfplan",
                "terraform apply",
                "terraform init",
                "terraform fmt",
                "aws s3 cp a s3://b/",
                "aws s3api get-object --bucket b --key k out.txt",
                "aws eks update-kubeconfig --name x",
                "aws --region eu-west-1 lambda invoke --function-name f out.json",
                "gcloud container clusters get-credentials c --zone z",
                "gcloud compute instances create x",
                "gcloud compute instances delete list",
                "az vm start -n x -g y",
                "systemctl restart nginx",
                "systemctl --user stop x",
                "service nginx restart",
                "journalctl --vacuum-time=2d",
                "journalctl --rotate",
                "openssl x509 -in c.pem -out d.pem",
                "openssl req -new -key k -out r.csr",
                "openssl genrsa -out k.pem",
                "psql -d db",
                "psql -d db -c 'SELECT 1' -o /tmp/x",
                "psql -d db -o/tmp/x -c 'SELECT 1'",
                "psql -d db --output=/tmp/x -c 'SELECT 1'",
                "psql -f x.sql",
                "psql -fx.sql",
                "psql --file=x.sql",
                "psql -c 'SELECT 1' -c 'UPDATE t SET a=1'",
                "psql -tAc 'UPDATE t SET a=1'",
                "psql \"-cUPDATE t SET a=1\"",
                "psql --command='UPDATE t SET a=1'",
                "psql -c '\\! touch x'",
                "psql -c '\\o /tmp/x'",
                "psql -c '\\copy t to /tmp/x'",
                "psql -L log.txt -c 'SELECT 1'",
                "redis-cli --pipe",
                "redis-cli --rdb dump.rdb",
                "redis-cli --eval x.lua",
                "redis-cli --cluster check h:7000 --pipe",
                "redis-cli --cluster fix h:7000",
                "redis-cli",
                "echo FLUSHALL | nc redis 6379",
                "nc -z -e /bin/sh host 80",
                "vault read database/creds/app",
                "less +F log",
                "telnet host 25 <<EOF\nQUIT\nEOF",
                "echo '{\"op\":\"delete\"}' | wscat -c ws://x",
                "wscat -c ws://x -x '{\"op\":\"delete\"}'",
                "printf 'DELETE /x HTTP/1.1\\r\\n\\r\\n' | openssl s_client -connect h:443",
                "openssl s_client -connect h:443 < req.txt",
                "cargo build",
                "cargo test",
                "cargo run",
                "npm run build",
                "npm ci",
                "yarn install",
                "make",
                "pytest",
                "go vet ./...",
                "docker build -t x .",
                "python x.py",
                "python3 -m json.tool in.json out.json",
                "node x.js",
                "kill -9 1",
                "sqlx migrate run",
                "flyway migrate",
                "alembic upgrade head",
                "npx prisma migrate deploy",
                "knex migrate:latest",
                "kubectl port-forward svc/x 8080:80",
                "kubectl cp a pod:/b",
                "kubectl --profile=cpu get pods",
                "kubectl config use-context prod",
                "kubectl rollout restart deploy/x",
                "kubectl rollout undo deploy/x",
                "kubectl edit deploy x",
                "kubectl --unknown-flag get pods",
                "kubectl apply -f x --dry-run=client --dry-run=none",
                "helm upgrade x c --dry-run --dry-run=none",
                "git push --dry-run --no-dry-run origin main",
                "npm publish --dry-run --no-dry-run",
                "knex migrate:latest --dry-run",
                "alembic current",
                "alembic upgrade head --sql",
                "npx prisma migrate status",
                "knex migrate:status",
                "rsync -av src/ host:dst/",
                "rsync -avn -e 'sh -c x' src/ host:dst/",
                "apt-get install -y curl",
                "apt-get -s update",
                "crontab -e",
                "crontab jobs.txt",
                "nginx -s reload",
                "helm template x chart --post-renderer ./x.sh",
                "kubectl kustomize --enable-exec dir",
                "iptables -A INPUT -j DROP",
                "iptables -nvL -F",
                "sysctl -w net.ipv4.ip_forward=1",
                "sysctl net.ipv4.ip_forward=1",
                "dmesg -c",
                "ip link set eth0 down",
                "ip route add default via 1.2.3.4",
                "gh pr merge 1",
                "gh api -X POST repos/x/y/issues",
                "gh api repos/x/y/issues -f title=x",
                "argocd app sync x",
                "vault kv put secret/x a=b",
                "etcdctl put k v",
                "mysql -e 'UPDATE t SET a=1'",
                "mysql db < dump.sql",
                "tar czf x.tgz dir",
                "cp a b",
                "mv a b",
                "mkdir x",
                "touch x",
                "chmod +x y",
                "ln -s a b",
                "curl_wrapper https://x",
                "Cat f",
                "CURL https://x",
                "kubectx prod",
                "alias ls='rm -rf'",
                "mapfile -C 'rm x' -c 1 arr < f",
                "fc -s",
                "ss -K dst 10.0.0.1",
                "ss -tK",
                "trap 'kubectl apply -f x' EXIT",
                "if false; then kubectl() { :; }; fi; kubectl apply -f x",
                "kubectl apply -f x; kubectl() { :; }",
                "f() { ls; }; f",
                "f() { kubectl apply -f x; }; f",
                "[[ -f x ]]&&kubectl apply -f x",
                "(kubectl apply -f x)",
                "{ kubectl apply -f x; }",
                "if true; then kubectl apply -f x; fi",
                "for i in 1 2; do kubectl apply -f $i; done",
                "while true; do kubectl apply -f x; done",
                "case $x in a) kubectl apply -f x ;; esac",
                "echo 'unterminated",
                "echo $(unterminated",
                "cat <(kubectl apply -f x)",
                "diff <(ls) >(kubectl apply -f x)",
                "echo `kubectl apply -f x`",
                "echo `echo `kubectl apply -f x``",
                "echo `echo `git tag -a 'v1'``",
                "echo `bash -c \"find . -name \\\"*.gz\\\" -fprint out.txt\"`",
                "X=$(kubectl apply -f x)",
                "echo ${X:-$(kubectl apply -f x)}",
                "echo $((1 + $(kubectl apply -f x)))",
                "cat <<EOF\n$(kubectl apply -f x)\nEOF",
                "arr=(a $(kubectl apply -f x))",
                "sed {-i,} s/a/b/ f",
            ],
        );
    }

    #[test]
    fn destructive_respellings() {
        assert_all(
            Class::Destructive,
            &[
                "sh -c 'rm -rf x'",
                "eval \"kubectl delete pod x\"",
                "timeout 5 redis-cli del k",
                "xargs kubectl delete pod",
                "echo $(kubectl delete pod x)",
                "kubectl apply --dry-run=client -f x && kubectl delete pod y",
                "sudo -u postgres psql -c 'DELETE FROM t'",
                "env kubectl delete ns x",
                "kubectl -n x delete pod y",
                "kubectl --context=prod --namespace=y delete deploy z",
                "kubectl drain node1",
                "kubectl exec pod -- rm -rf /data",
                "docker exec c rm -rf /data",
                "docker compose exec db psql -c 'DROP TABLE t'",
                "helm uninstall x",
                "helm -n ns uninstall x",
                "rm -rf /tmp/x",
                "rm -f x",
                "rm --recursive x",
                "docker rm c",
                "docker rmi img",
                "docker system prune -af",
                "docker volume rm v",
                "docker compose down -v",
                "git reset --hard HEAD~1",
                "git clean -fdx",
                "git push --force origin main",
                "git push origin :branch",
                "sqlx migrate revert",
                "alembic downgrade -1",
                "knex migrate:rollback",
                "npx prisma migrate reset",
                "flyway clean",
                "psql -c 'DROP TABLE users'",
                "psql -c 'TRUNCATE t'",
                "psql -tAc 'DELETE FROM t'",
                "redis-cli FLUSHALL",
                "redis-cli -n 2 flushdb",
                "find . -delete",
                "terraform destroy",
                "aws s3 rm s3://b --recursive",
                "aws ec2 terminate-instances --instance-ids i-1",
                "watch 'kubectl delete pod x'",
                "nohup kubectl delete pod x &",
                "ssh host 'rm -rf /x'",
                "etcdctl del k",
                "pg_restore -d db x.dump",
            ],
        );
    }

    #[test]
    fn read_only_commands_stay_read() {
        assert_all(
            Class::Read,
            &[
                "cat overview.yaml",
                "ls migrations_info",
                "ls -la /etc | grep -i host",
                "cat /etc/os-release",
                "grep -rn ERROR /var/log/app.log | tail -n 20",
                "head -c 100 f | base64",
                "jq -r '.items[] | .name' f.json",
                "sort -n f | uniq -c",
                "sort -k2 -t, f",
                "wc -l < f",
                "echo hi > /dev/null 2>&1",
                "echo hi 2>/dev/null >&2",
                "echo hi &>/dev/null",
                "cat f | tee /dev/null",
                "sed -n '1,10p' f",
                "sed 's/a/b/g' f",
                "sed -E 's#a#b#; /x/d' f",
                "sed -e 's/a/b/' -e '/^$/d' f",
                "awk '{print $1}' f",
                "awk -F: '$3 > 1000 {print $1}' /etc/passwd",
                "awk 'NR==1{print; next} {print $2}' f",
                "awk -v x=1 '{ if ($1 > x) print ($1 > 2) }' f",
                "awk '/ERROR|WARN/ {c++} END {print c+0}' f",
                "awk '$9 >= 500 {print $7}' access.log",
                "awk '{ s += $2 / 1024 } END { printf \"%.1f\\n\", s }' f",
                "awk -F'\\t' '{print $2}' f",
                "awk '/a\\/b/ && !/c/' f",
                "find /var/log -name '*.gz' -mtime +7",
                "date +%s",
                "date -u +%Y-%m-%d",
                "hostname",
                "hostname -f",
                "uname -a",
                "df -h",
                "free -m",
                "ps aux | grep nginx",
                "ss -tlnp",
                "netstat -an | grep 443",
                "lsof -i :8080",
                "dig +short example.com",
                "nslookup example.com",
                "host example.com",
                "ping -c 3 example.com",
                "nc -zv host 5432",
                "nc -z -w 3 host 443",
                "openssl s_client -connect host:443 -servername host </dev/null",
                "openssl x509 -noout -dates -in cert.pem",
                "echo | openssl s_client -connect h:443 2>/dev/null | openssl x509 -noout -enddate",
                "pg_isready -h db -p 5432",
                "telnet host 25",
                "wscat -c wss://x/ws -H 'Authorization: Bearer t'",
                "websocat ws://x/ws",
                "openssl s_client -connect h:443 < /dev/null",
                "sleep 5",
                "test -f x && echo yes",
                "[ -f x ] || echo missing",
                "[[ $A == b && -f x ]] && echo ok",
                "command -v kubectl",
                "type kubectl",
                "which psql",
                "env",
                "printenv PATH",
                "env | sort",
                "export NAMESPACE=prod",
                "NAMESPACE=prod",
                "X=1 Y=2",
                "cd /tmp && ls",
                "set -euo pipefail",
                "kubectl get pods",
                "kubectl -n prod get pods",
                "kubectl --context prod --namespace=y get deploy",
                "kubectl -nkube-system get pods",
                "kubectl get pods -n $NAMESPACE -o wide",
                "kubectl describe pod x -n y",
                "kubectl logs -f deploy/x --tail=100",
                "kubectl top nodes",
                "kubectl rollout status deploy/x -n y",
                "kubectl rollout history deploy/x",
                "kubectl auth can-i get pods",
                "kubectl config view --minify",
                "kubectl config current-context",
                "kubectl config get-contexts",
                "kubectl api-resources",
                "kubectl cluster-info",
                "kubectl version --client",
                "kubectl explain pods",
                "kubectl diff -f k8s/",
                "kubectl wait --for=condition=ready pod -l app=x --timeout=300s",
                "kubectl get events --sort-by=.lastTimestamp",
                "kubectl apply -f x --dry-run=client",
                "kubectl apply -f x --dry-run=server",
                "kubectl apply -f x --dry-run",
                "kubectl create secret generic x --from-literal=a=b --dry-run=client -o yaml",
                "kubectl delete pod x --dry-run=client",
                "kubectl delete pod x --dry-run=none --dry-run=server",
                "kubectl get secret x -o jsonpath='{.data.password}' | base64 -d",
                "kubectl get pods -o name | xargs kubectl describe",
                "kubectl get pods | grep -v Running | wc -l",
                "watch kubectl get pods",
                "watch -n 5 'kubectl get pods | grep api'",
                "timeout 10 kubectl get pods",
                "sudo kubectl get nodes",
                "sudo -u postgres psql -c 'SELECT 1'",
                "env KUBECONFIG=x kubectl get pods",
                "nice -n 5 cat f",
                "time curl -s https://x/health",
                "nohup cat f",
                "stdbuf -oL tail -f log",
                "sh -c 'kubectl get pods | grep x'",
                "bash -c \"echo hi\"",
                "eval \"kubectl get pods\"",
                "echo $(kubectl get pods -o name)",
                "echo \"Pods: $(kubectl get pods | wc -l)\"",
                "for ns in a b; do kubectl get pods -n $ns; done",
                "if kubectl get ns x; then echo ok; else echo missing; fi",
                "while read l; do echo $l; done < f",
                "mapfile -t lines < f",
                "case $ENV in prod) kubectl get pods ;; *) echo no ;; esac",
                "(cd /tmp && ls)",
                "{ date; uptime; }",
                "cat <<EOF\nhello $USER\nEOF",
                "grep -c x <<< \"$VAR\"",
                "diff <(kubectl get cm a -o yaml) <(kubectl get cm b -o yaml)",
                "/usr/bin/curl -s https://x/health",
                "helm list -A",
                "helm -n ns history x",
                "helm --kube-context prod status x",
                "helm status x -n y",
                "helm get values x",
                "helm template x chart",
                "helm lint chart",
                "helm upgrade --install x chart --dry-run",
                "helm install x chart --dry-run=client",
                "helm diff upgrade x chart",
                "helm repo list",
                "docker ps -a",
                "docker --host tcp://h:2375 ps",
                "docker images",
                "docker logs --tail 100 c",
                "docker inspect c",
                "docker stats --no-stream",
                "docker image ls",
                "docker compose ps",
                "docker compose -f docker-compose.prod.yml ps",
                "docker compose logs -f api",
                "docker compose config",
                "docker-compose ps",
                "git status",
                "git -c core.pager=cat log --oneline -n 5",
                "git fetch --dry-run",
                "ionice -c3 du -sh /var/log",
                "find /var/log -name '*.log' -newer /tmp/stamp -exec wc -l {} +",
                "docker compose down --dry-run",
                "cargo +nightly fmt --check",
                "/usr/pgsql-12/bin/pg_controldata -D $PGDATA",
                "/usr/lib/postgresql/16/bin/pg_isready",
                "terraform -chdir=infra validate",
                "git -C dir status",
                "git -c color.ui=always log",
                "git --no-pager log --oneline -10",
                "git log --oneline $FROM..$TO",
                "git diff HEAD~1",
                "git show v1.0",
                "git rev-parse HEAD",
                "git describe --tags",
                "git ls-remote origin",
                "git blame f",
                "git branch",
                "git branch -a",
                "git branch -r",
                "git branch --show-current",
                "git branch -vv",
                "git branch --list 'release/*'",
                "git tag",
                "git tag -l 'v*'",
                "git tag --list",
                "git remote -v",
                "git remote show origin",
                "git config --get user.email",
                "git config --list",
                "git stash list",
                "git push --dry-run origin main",
                "git clean -n",
                "git log -p | grep x",
                "systemctl status nginx",
                "systemctl is-active nginx",
                "systemctl --no-pager status x",
                "systemctl list-units --failed",
                "service nginx status",
                "journalctl -u nginx --since '1 hour ago' --no-pager",
                "aws sts get-caller-identity",
                "aws --region eu-west-1 ec2 describe-instances",
                "aws ec2 describe-instances --filters Name=tag:Name,Values=x --query 'Reservations[]'",
                "aws s3 ls s3://bucket/",
                "aws rds describe-db-instances --db-instance-identifier x",
                "aws ecs list-services --cluster c",
                "aws ec2 terminate-instances --instance-ids i-1 --dry-run",
                "aws cloudwatch get-metric-statistics --namespace AWS/EC2 --statistics Average Maximum --period 60",
                "redis-cli --scan --pattern 'session:*'",
                "redis-cli -h h --bigkeys",
                "redis-cli --cluster check 10.0.0.11:7000",
                "crontab -l",
                "nginx -t",
                "certbot certificates",
                "rsync -avn --delete src/ host:dst/",
                "rsync --dry-run -a src/ dst/",
                "apt-get -s upgrade",
                "apt list --installed",
                "dpkg -l | grep nginx",
                "rpm -qa | grep kernel",
                "atlas migrate apply --dry-run",
                "psql -c '\\do'",
                "gcloud compute instances list",
                "gcloud --project p container clusters list",
                "gcloud container clusters describe c --zone z",
                "gcloud config list",
                "gcloud config get-value project",
                "az vm list -o table",
                "az account show",
                "terraform validate",
                "terraform show",
                "terraform output -json",
                "terraform fmt -check",
                "terraform state list",
                "promtool check rules rules.yml",
                "kubeconform -strict k8s/",
                "hadolint Dockerfile",
                "shellcheck x.sh",
                "trivy image x:latest",
                "pip-audit",
                "npm audit",
                "npm audit --audit-level=high",
                "npm ls",
                "npm outdated",
                "npm view x version",
                "cargo fmt -- --check",
                "cargo tree",
                "cargo audit",
                "go version",
                "python3 -m json.tool",
                "curl -s https://x | python3 -m json.tool",
                "psql -d db -c 'SELECT 1'",
                "psql -tAc 'SELECT 1'",
                "psql \"$DATABASE_URL\" -c 'SELECT count(*) FROM users'",
                "psql -h db -U app -d app -c 'SELECT 1' -c 'SELECT 2'",
                "psql -l",
                "psql -c '\\dt'",
                "redis-cli -h host ping",
                "redis-cli get k",
                "sqlx migrate info",
                "prisma migrate status",
                "dbmate status",
                "flyway info",
                "liquibase rollbackSQL v1",
                "goose postgres 'dbname=x' status",
                "gh pr list",
                "gh run view 123 --log",
                "gh api repos/x/y",
                "argocd app get x",
                "argocd app list",
                "ip addr show",
                "ip route",
                "iptables -L -n",
                "iptables -nvL",
                "sysctl net.ipv4.ip_forward",
                "dmesg | tail",
                "xxd f",
                "uniq -c f",
                "tree -L 2",
                "vault status",
                "etcdctl endpoint health",
                "flux get kustomizations",
                "velero backup get",
                "trap 'echo done' EXIT",
                "exec >/dev/null 2>&1",
                "(( n > 3 )) && echo big",
                "echo $((1 + 2))",
                "echo ~/x",
                "echo 'a > b' \"c | d\" a\\>b",
                "# just a comment",
                "",
            ],
        );
    }

    #[test]
    fn reasons_name_the_problem() {
        let r = |s: &str| judge_script(s).reason.unwrap_or_default();
        assert!(r("echo x > out.json").contains("writes to a file (`> out.json`)"));
        assert!(
            r("foo --bar").contains("`foo` is not known"),
            "{}",
            r("foo --bar")
        );
        assert!(r("sed -i s/a/b/ f").contains("`sed -i` edits files in place"));
        assert!(r("echo $(kubectl delete pod x)").contains("kubectl delete"));
        assert!(r("./x.sh").contains("local file"));
    }

    #[test]
    /// Speed on long lines is measured by `bench/scale.sh` (refs100k), not here.
    fn huge_lines_are_judged() {
        let line = "echo ".to_string() + &"$V ".repeat(100_000);
        assert_eq!(class(&line), Class::Read);
        let line = "kubectl get pods ".to_string() + &"-o wide ".repeat(50_000) + "| grep x";
        assert_eq!(class(&line), Class::Read);
        let line = "sed ".to_string() + &"-e p ".repeat(50_000) + "f";
        assert_eq!(class(&line), Class::Read);
        let line = "sort -".to_string() + &"n".repeat(100_000) + " f";
        assert_eq!(class(&line), Class::Read);
        let line = "env ".to_string() + &"A=1 ".repeat(100_000) + "ls";
        assert_eq!(class(&line), Class::Read);
        let line = "sudo ".to_string() + &"A=1 ".repeat(100_000) + "ls";
        assert_eq!(class(&line), Class::Read);
        let nested = "eval ".repeat(10_000) + "ls";
        assert!(class(&nested) >= Class::Read);
        let nested = "sh -c '".repeat(50) + "ls" + &"'".repeat(50);
        let _ = class(&nested);
    }

    fn mutating_command() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::strategy::Strategy;
        proptest::sample::select(vec![
            "kubectl delete pod x",
            "kubectl apply -f x",
            "kubectl -n prod scale deploy/x --replicas=0",
            "rm -rf /tmp/x",
            "psql -c 'DELETE FROM t'",
            "psql -tAc 'UPDATE t SET a=1'",
            "redis-cli del k",
            "redis-cli FLUSHALL",
            "curl -X DELETE https://x/y",
            "curl -d a=1 https://x/y",
            "sed -i s/a/b/ f",
            "echo x > f",
            "echo x | tee f",
            "sort -o f f",
            "awk 'BEGIN{system(\"rm x\")}'",
            "git push origin main",
            "git reset --hard",
            "helm upgrade x chart",
            "docker rm c",
            "terraform apply -auto-approve",
            "systemctl restart x",
            "./deploy.sh",
            "kubectl apply -f x --dry-run=none",
            "find . -delete",
        ])
        .prop_map(|s: &str| s.to_string())
    }

    fn wrap(cmd: String, kind: u8, quoted: String) -> String {
        match kind % 24 {
            0 => format!("env {cmd}"),
            1 => format!("env A=1 B=2 {cmd}"),
            2 => format!("nice -n 5 {cmd}"),
            3 => format!("command {cmd}"),
            4 => format!("exec {cmd}"),
            5 => format!("sudo -u root -E {cmd}"),
            6 => format!("stdbuf -oL {cmd}"),
            7 => format!("timeout -s KILL 5 {cmd}"),
            8 => format!("time -p {cmd}"),
            9 => format!("watch -n 1 {quoted}"),
            10 => format!("echo a | xargs -0 -n 1 {cmd}"),
            11 => format!("nohup {cmd} &"),
            12 => format!("sh -c {quoted}"),
            13 => format!("bash -ec {quoted}"),
            14 => format!("eval {quoted}"),
            15 => format!("echo \"$( {cmd} )\""),
            // Inside backticks, `\\` and a backtick must be escaped.
            16 => format!("X=`{}`", cmd.replace('\\', "\\\\").replace('`', "\\`")),
            17 => format!("cat <({cmd})"),
            18 => format!("true && {cmd}"),
            19 => format!("if true; then {cmd}; fi"),
            20 => format!("( {cmd} )"),
            21 => format!("{{ {cmd}; }}"),
            22 => format!("kubectl get pods; {cmd} # done"),
            _ => format!("A=1 {cmd} 2>&1 | grep x"),
        }
    }

    proptest::proptest! {
        #[test]
        fn wrapped_state_changes_never_read(
            cmd in mutating_command(),
            kinds in proptest::collection::vec(0u8..24, 1..4),
        ) {
            let mut s = cmd;
            for k in kinds {
                let quoted = format!("'{}'", s.replace('\'', "'\\''"));
                s = wrap(s, k, quoted);
            }
            let v = judge_script(&s);
            proptest::prop_assert!(v.class >= Class::Mutating, "{s}: {v:?}");
        }

        #[test]
        fn arbitrary_text_never_panics(s in "\\PC{0,300}") {
            let _ = judge_script(&s);
        }

        #[test]
        fn shell_soup_never_panics(s in "[a-z$(){}<>|&;'\"` \\\\=\n#-]{0,120}") {
            let _ = judge_script(&s);
        }
    }
}
