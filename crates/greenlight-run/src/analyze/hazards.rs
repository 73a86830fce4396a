//! Commands that must not run as if they were finite checks, and command
//! templates:
//!
//! - [`never_ends`]: `docker logs -f`, `kubectl get pods -w`, `tail -f`,
//!   `watch …`, `ping` without `-c`, `while true` loops, `redis-cli monitor`
//!   … never end by themselves. Run as a check they would only hang until the
//!   step timeout kills them, and then fail a healthy system. Bounded forms
//!   (`timeout 30 tail -f`, `kubectl logs --since=5m`, `ping -c 3`) are fine.
//! - [`min_sleep_seconds`]: how long a script sleeps at the least (`sleep 60`
//!   five times in a `for i in {1..5}` loop), to compare with the step
//!   timeout.
//! - [`placeholders`]: `<VERSION>`, `<your-host>`, `<file.txt>` written for
//!   the reader to fill in. bash would read them as redirections.
//!
//! Pure text in, plain data out.

use super::{classify, script};

/// The bounded forms the reason suggests, after what was found.
const HINT: &str = "watch it yourself, or write a bounded form";

/// Why `script` never ends by itself, when one of its commands does not:
/// `never ends by itself (`docker logs -f`): watch it yourself, or write a
/// bounded form (`--since 5m`, `timeout 30 …`)`.
pub fn never_ends(script_text: &str) -> Option<String> {
    let (what, hint) = find_unbounded(script_text, 0)?;
    Some(format!(
        "never ends by itself ({what}): {HINT} ({hint}`timeout 30 …`)"
    ))
}

/// [`never_ends`] for a text its caller has already cut: `commands` is
/// [`script::simple_commands`] of it and `words` each one's [`script::words`].
pub(crate) fn never_ends_cut(
    script_text: &str,
    commands: &[String],
    words: &[Option<Vec<String>>],
) -> Option<String> {
    let (what, hint) = find_unbounded_cut(script_text, commands, words, 0)?;
    Some(format!(
        "never ends by itself ({what}): {HINT} ({hint}`timeout 30 …`)"
    ))
}

/// (what was found, the bounded forms to suggest before `timeout 30 …`).
fn find_unbounded(script_text: &str, depth: usize) -> Option<(String, &'static str)> {
    if depth > 4 {
        return None;
    }
    let commands = script::simple_commands(script_text);
    // Each command's words, cut once (the parts come trimmed).
    let words: Vec<Option<Vec<String>>> = commands.iter().map(|c| script::words(c)).collect();
    find_unbounded_cut(script_text, &commands, &words, depth)
}

fn find_unbounded_cut(
    script_text: &str,
    commands: &[String],
    words: &[Option<Vec<String>>],
    depth: usize,
) -> Option<(String, &'static str)> {
    if script_text.contains("\\watch") {
        return Some(("psql `\\watch` repeats forever".into(), ""));
    }
    let leaves_loop = words.iter().flatten().any(|w| {
        w.iter()
            .any(|x| matches!(x.as_str(), "break" | "exit" | "return"))
    });
    for (c, words) in commands.iter().zip(words) {
        let trimmed = c.trim_end();
        // In the background, the step's end kills it.
        if trimmed.ends_with('&') && !trimmed.ends_with("&&") {
            continue;
        }
        let Some(words) = words else {
            continue;
        };
        debug_assert_eq!(trimmed, c.as_str());
        if let Some(found) = unbounded_words(words, depth, leaves_loop) {
            return Some(found);
        }
    }
    None
}

fn short_flags(a: &str) -> Option<&str> {
    a.strip_prefix('-')
        .filter(|f| !f.is_empty() && !f.starts_with('-'))
}

/// Whether an option among `args` is one of `long` (also `--x=true`) or a
/// short cluster holding one of `short` (`-tf`).
fn has_flag(args: &[String], short: &[char], long: &[&str]) -> bool {
    args.iter().take_while(|a| *a != "--").any(|a| {
        let a = a.as_str();
        if let Some(l) = a.strip_prefix("--") {
            let (name, value) = l.split_once('=').unwrap_or((l, "true"));
            return long.contains(&name) && value != "false";
        }
        short_flags(a).is_some_and(|f| {
            // `-n5`: a value glued to a short option; only the letters before a digit count.
            f.chars()
                .take_while(|c| c.is_ascii_alphabetic())
                .any(|c| short.contains(&c))
        })
    })
}

fn found(what: String, hint: &'static str) -> Option<(String, &'static str)> {
    Some((what, hint))
}

fn unbounded_words(
    words: &[String],
    depth: usize,
    leaves_loop: bool,
) -> Option<(String, &'static str)> {
    // Shell keywords in front of the command (`do tail -f x`, `then …`).
    let mut w = words;
    while let Some(first) = w.first()
        && matches!(
            first.as_str(),
            "do" | "then" | "else" | "{" | "(" | "!" | "time"
        )
    {
        w = &w[1..];
    }
    let first = w.first()?.as_str();
    if matches!(first, "while" | "until") {
        let cond: Vec<&str> = w[1..].iter().map(String::as_str).collect();
        let forever = match first {
            "while" => matches!(
                cond.as_slice(),
                ["true"] | [":"] | ["[", "1", "]"] | ["sleep", _]
            ),
            _ => matches!(cond.as_slice(), ["false"]),
        };
        if forever && !leaves_loop {
            return found(
                format!("`{} {}` loops forever", first, cond.join(" ")),
                "a `for i in 1 2 3` loop, ",
            );
        }
        return None;
    }
    let stripped = classify::strip_wrappers(w);
    let wrappers = &w[..w.len() - stripped.len()];
    if wrappers
        .iter()
        .any(|x| matches!(x.as_str(), "timeout" | "gtimeout"))
    {
        return None;
    }
    let prog = classify::program_name(stripped.first()?);
    let prog = prog.strip_suffix(".exe").unwrap_or(&prog);
    let args = &stripped[1..];
    let shown = |n: usize| format!("`{}`", shown_words(stripped, n));
    let lower: Vec<String> = args.iter().map(|a| a.to_ascii_lowercase()).collect();
    let has_word = |x: &str| lower.iter().any(|a| a == x);
    match prog {
        "sh" | "bash" | "zsh" | "dash" | "ksh" => {
            let at = args
                .iter()
                .position(|a| short_flags(a).is_some_and(|f| f.contains('c')))?;
            return find_unbounded(args.get(at + 1)?, depth + 1);
        }
        "ssh" => {
            if has_flag(args, &['N'], &[]) {
                return found(format!("{} keeps a tunnel open", shown(3)), "");
            }
            let mut i = 0;
            while let Some(a) = args.get(i) {
                if let Some(f) = short_flags(a) {
                    let takes = f.len() == 1 && "bcDEeFIiJLlmOopQRSWw".contains(f);
                    i += if takes { 2 } else { 1 };
                } else {
                    break;
                }
            }
            let rest = args.get(i + 1..)?;
            if rest.is_empty() {
                return None;
            }
            return find_unbounded(&rest.join(" "), depth + 1);
        }
        _ => {}
    }
    // `kubectl exec pod -- tail -f x`, `docker exec c tail -f x`.
    if let Some(at) = args.iter().position(|a| a == "--")
        && matches!(prog, "kubectl" | "oc" | "docker" | "podman")
        && let Some(r) = unbounded_words(&args[at + 1..], depth + 1, leaves_loop)
    {
        return Some(r);
    }
    match prog {
        "tail" => {
            let follows = args.iter().take_while(|a| *a != "--").any(|a| {
                a.starts_with("--follow")
                    || short_flags(a).is_some_and(|f| {
                        f.chars()
                            .take_while(|c| c.is_ascii_alphabetic())
                            .any(|c| c == 'f' || c == 'F')
                    })
            });
            if follows {
                return found(shown(4), "`tail -n 100` without `-f`, ");
            }
        }
        "docker" | "podman" | "docker-compose" | "podman-compose" => {
            // Only what follows the subcommand: `docker compose -f x.yml logs`.
            let sub = args.iter().position(|a| {
                matches!(a.as_str(), "logs" | "stats" | "events" | "attach" | "up")
            })?;
            let after = &args[sub + 1..];
            match args[sub].as_str() {
                "logs" if has_flag(after, &['f'], &["follow"]) => {
                    return found(shown(6), "`--since 5m` or `--tail 100` without `-f`, ");
                }
                "stats" if !has_flag(after, &[], &["no-stream"]) => {
                    return found(shown(3), "`--no-stream`, ");
                }
                "events" if !has_flag(after, &[], &["until"]) => {
                    return found(shown(3), "`--since 5m --until 0s`, ");
                }
                "attach" => return found(shown(3), ""),
                "up" if (prog.contains("compose")
                    || args[..sub].iter().any(|a| a == "compose"))
                    && !has_flag(after, &['d'], &["detach"]) =>
                {
                    return found(format!("{} stays attached", shown(4)), "`up -d`, ");
                }
                _ => {}
            }
        }
        "kubectl" | "oc" => {
            let sub = args
                .iter()
                .position(|a| !a.starts_with('-') && is_kube_verb(a))?;
            let after = &args[sub + 1..];
            match args[sub].as_str() {
                "logs" if has_flag(after, &['f'], &["follow"]) => {
                    return found(shown(6), "`--since=5m` or `--tail=100` without `-f`, ");
                }
                "get" | "events" if has_flag(after, &['w'], &["watch", "watch-only"]) => {
                    return found(shown(6), "the same command without `-w`, ");
                }
                "port-forward" | "proxy" | "attach" => {
                    return found(format!("{} stays open", shown(3)), "");
                }
                _ => {}
            }
        }
        "stern" | "watch" | "htop" | "btop" | "iftop" | "nload" | "k9s" | "ctop" | "lazydocker"
        | "glances" | "nethogs" | "bmon" => {
            let hint = if prog == "watch" {
                "the command once without `watch`, "
            } else {
                ""
            };
            return found(shown(4), hint);
        }
        "journalctl" if has_flag(args, &['f'], &["follow"]) => {
            return found(
                shown(5),
                "`--since \"5 min ago\" --no-pager` without `-f`, ",
            );
        }
        "dmesg" if has_flag(args, &['w', 'W'], &["follow", "follow-new"]) => {
            return found(shown(3), "");
        }
        "top" => {
            let batch = has_flag(args, &['b'], &["batch"]);
            let count = has_flag(args, &['n', 'l'], &["iterations"]);
            if !(batch && count) {
                return found(
                    format!("`{}` without `-b -n`", shown_words(stripped, 3)),
                    "`top -b -n 1`, ",
                );
            }
        }
        "ping" | "ping6" if !has_flag(args, &['c', 'w'], &["count", "deadline"]) => {
            return found(
                format!("`{}` without `-c`", shown_words(stripped, 3)),
                "`-c 3`, ",
            );
        }
        "tcpdump" | "tshark" if !has_flag(args, &['c'], &[]) => {
            return found(
                format!("`{}` without `-c`", shown_words(stripped, 3)),
                "`-c 10`, ",
            );
        }
        "nc" | "ncat" | "netcat" if has_flag(args, &['l'], &["listen"]) => {
            return found(format!("{} listens", shown(3)), "");
        }
        "sleep" if args.iter().any(|a| a == "infinity") => {
            return found(shown(2), "");
        }
        "vmstat" | "iostat" | "mpstat" | "pidstat" => {
            let numbers = args.iter().filter(|a| a.parse::<u64>().is_ok()).count();
            if numbers == 1 {
                return found(
                    format!("{} without a count", shown(4)),
                    "a count (`vmstat 1 5`), ",
                );
            }
        }
        "redis-cli" => {
            if has_flag(
                args,
                &[],
                &["stat", "latency", "latency-history", "latency-dist"],
            ) {
                return found(shown(4), "`--latency -i 1` under `timeout`, ");
            }
            if let Some(cmd) = redis_command(args)
                && matches!(
                    cmd.to_ascii_uppercase().as_str(),
                    "MONITOR" | "SUBSCRIBE" | "PSUBSCRIBE" | "SSUBSCRIBE"
                )
            {
                return found(shown(6), "");
            }
        }
        "heroku" if has_word("logs") && has_flag(args, &['t'], &["tail"]) => {
            return found(shown(4), "`heroku logs -n 200`, ");
        }
        "fly" | "flyctl" if has_word("logs") && !has_flag(args, &[], &["no-tail"]) => {
            return found(shown(4), "`--no-tail`, ");
        }
        "pm2" if (has_word("logs") && !has_flag(args, &[], &["nostream"])) || has_word("monit") => {
            return found(shown(4), "`pm2 logs --nostream --lines 100`, ");
        }
        "aws" if has_word("tail") && has_flag(args, &[], &["follow"]) => {
            return found(shown(5), "`--since 5m` without `--follow`, ");
        }
        "gcloud" | "az"
            if has_word("tail") && (has_word("logs") || has_word("log") || has_word("logging")) =>
        {
            return found(shown(5), "");
        }
        "vercel" if has_word("logs") && has_flag(args, &['f'], &["follow"]) => {
            return found(shown(4), "");
        }
        _ => {}
    }
    None
}

fn is_kube_verb(a: &str) -> bool {
    matches!(
        a,
        "logs"
            | "get"
            | "events"
            | "port-forward"
            | "proxy"
            | "attach"
            | "describe"
            | "apply"
            | "delete"
            | "exec"
            | "rollout"
            | "top"
            | "create"
            | "edit"
            | "scale"
            | "patch"
            | "run"
            | "wait"
            | "config"
            | "cp"
            | "label"
            | "annotate"
            | "set"
            | "auth"
            | "version"
            | "cluster-info"
            | "api-resources"
    )
}

/// The Redis command of a `redis-cli` line: its first argument that is not
/// an option or an option's value.
fn redis_command(args: &[String]) -> Option<&str> {
    let mut i = 0;
    while let Some(a) = args.get(i) {
        if a.starts_with('-') {
            let takes = matches!(
                a.as_str(),
                "-h" | "-p" | "-a" | "-n" | "-u" | "-r" | "-i" | "-s" | "--user" | "--pass"
            );
            i += if takes { 2 } else { 1 };
        } else {
            return Some(a);
        }
    }
    None
}

fn shown_words(words: &[String], n: usize) -> String {
    let mut s = words
        .iter()
        .take(n)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(" ");
    if words.len() > n {
        s.push_str(" …");
    }
    s
}

/// How long `script_text` sleeps at the least: its `sleep N` commands, times
/// the count of the `for` loops they are in when it can be read
/// (`for i in {1..5}`, `for x in a b c`, `$(seq 5)`). `None` when it does not
/// sleep.
pub fn min_sleep_seconds(script_text: &str) -> Option<f64> {
    let mut total = 0.0;
    let mut loops: Vec<f64> = Vec::new();
    let mut slept = false;
    for c in script::simple_commands(script_text) {
        let Some(words) = script::words(&c) else {
            continue;
        };
        let mut w = words.as_slice();
        while let Some(f) = w.first()
            && matches!(f.as_str(), "do" | "then" | "else" | "{")
        {
            w = &w[1..];
        }
        match w.first().map(String::as_str) {
            Some("for") => loops.push(loop_count(&c).unwrap_or(1.0)),
            Some("while" | "until") => loops.push(1.0),
            Some("done") => {
                loops.pop();
            }
            Some("sleep") => {
                let secs: f64 = w[1..].iter().filter_map(|a| duration_seconds(a)).sum();
                if secs > 0.0 {
                    slept = true;
                    total += secs * loops.iter().product::<f64>();
                }
            }
            _ => {}
        }
    }
    slept.then_some(total)
}

/// `for i in {1..5}` → 5; `for x in a b c` → 3; `for i in $(seq 5)` → 5.
fn loop_count(line: &str) -> Option<f64> {
    let (_, list) = line.split_once(" in ")?;
    let list = list.trim();
    if let Some(range) = list.strip_prefix('{').and_then(|r| r.strip_suffix('}'))
        && let Some((a, b)) = range.split_once("..")
    {
        let (a, b): (i64, i64) = (a.parse().ok()?, b.parse().ok()?);
        return Some(((b - a).abs() + 1) as f64);
    }
    if let Some(seq) = list
        .strip_prefix("$(seq ")
        .and_then(|r| r.strip_suffix(')'))
    {
        let n: Vec<i64> = seq
            .split_whitespace()
            .filter_map(|x| x.parse().ok())
            .collect();
        return match n.as_slice() {
            [n] => Some(*n as f64),
            [a, b] => Some(((b - a).abs() + 1) as f64),
            _ => None,
        };
    }
    if list.contains(['$', '`', '*', '?']) {
        return None;
    }
    Some(list.split_whitespace().count() as f64)
}

/// `60`, `1.5`, `5m`, `2h`, `1d` → seconds.
fn duration_seconds(a: &str) -> Option<f64> {
    let (num, mult) = match a.chars().last()? {
        's' => (&a[..a.len() - 1], 1.0),
        'm' => (&a[..a.len() - 1], 60.0),
        'h' => (&a[..a.len() - 1], 3600.0),
        'd' => (&a[..a.len() - 1], 86400.0),
        _ => (a, 1.0),
    };
    num.parse::<f64>()
        .ok()
        .filter(|n| n.is_finite() && *n >= 0.0)
        .map(|n| n * mult)
}

/// HTML tags, written in bodies and greps, that are not placeholders.
const TAGS: &[&str] = &[
    "html", "head", "body", "title", "div", "span", "p", "a", "b", "i", "br", "hr", "script",
    "style", "meta", "link", "xml", "svg", "pre", "code", "h1", "h2", "h3", "h4", "h5", "h6", "li",
    "ul", "ol", "table", "tr", "td", "th", "form", "input", "button", "img", "option", "select",
    "textarea", "label", "section", "nav", "footer", "header", "main", "iframe", "noscript",
    "template", "strong", "em", "small",
];

/// The `<NAME>` placeholders of a command (names without the brackets), in
/// order, each once: letters, digits, `_`, `-`, `.`, starting with a letter.
/// Not a here-document or here-string (`<<`, `<<<`), a process substitution
/// (`<(…)`), a real redirect (`psql < dump.sql`, `cmd <in.txt` with no
/// closing `>`), a `>>`/`>&` after it, text in comments, or an HTML tag.
pub fn placeholders(text: &str) -> Vec<String> {
    spans(text)
        .into_iter()
        .map(|(_, _, n)| n)
        .collect::<Vec<_>>()
        .into_iter()
        .fold(Vec::new(), |mut acc, n| {
            if !acc.contains(&n) {
                acc.push(n);
            }
            acc
        })
}

/// Quoting context of a placeholder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quote {
    None,
    Single,
    Double,
}

/// (byte start, quoting, name) of each placeholder; the placeholder spans
/// `start ..= start + name.len() + 1`.
fn spans(text: &str) -> Vec<(usize, Quote, String)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut quote = Quote::None;
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        match (quote, c) {
            (Quote::None, b'\'') => quote = Quote::Single,
            (Quote::Single, b'\'') => quote = Quote::None,
            (Quote::None, b'"') => quote = Quote::Double,
            (Quote::Double, b'"') => quote = Quote::None,
            (Quote::None | Quote::Double, b'\\') => i += 1,
            (Quote::None, b'#') if i == 0 || bytes[i - 1].is_ascii_whitespace() => {
                // A comment, to the end of the line.
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            (_, b'<') => {
                let prev = i.checked_sub(1).map(|p| bytes[p]);
                let name_len = bytes[i + 1..]
                    .iter()
                    .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
                    .count();
                let close = i + 1 + name_len;
                let name = &text[i + 1..close];
                let closes = bytes.get(close) == Some(&b'>');
                let after = bytes.get(close + 1).copied();
                if prev != Some(b'<')
                    && name_len > 0
                    && name.starts_with(|ch: char| ch.is_ascii_alphabetic())
                    && !name.ends_with('.')
                    && closes
                    && !matches!(after, Some(b'>' | b'&'))
                    && !TAGS.contains(&name.to_ascii_lowercase().as_str())
                {
                    out.push((i, quote, name.to_string()));
                    i = close + 1;
                    continue;
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// The variable a shell step receives a placeholder's value in: the name
/// itself when it is a shell name (`VERSION`), else with `-` and `.` as `_`
/// (`<your-host>` → `your_host`).
pub fn placeholder_variable(name: &str) -> String {
    name.replace(['-', '.'], "_")
}

/// `script` with each placeholder replaced by a reference to its variable,
/// quoted so that the value stays one word: `"${VERSION}"` outside quotes,
/// `${VERSION}` inside double quotes, `'"${VERSION}"'` inside single ones.
pub fn fill_placeholders(script_text: &str) -> String {
    let mut out = String::with_capacity(script_text.len());
    let mut last = 0;
    for (start, quote, name) in spans(script_text) {
        out.push_str(&script_text[last..start]);
        let var = placeholder_variable(&name);
        out.push_str(&match quote {
            Quote::None => format!("\"${{{var}}}\""),
            Quote::Double => format!("${{{var}}}"),
            Quote::Single => format!("'\"${{{var}}}\"'"),
        });
        last = start + name.len() + 2;
    }
    out.push_str(&script_text[last..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_ending_commands_are_found() {
        for s in [
            "docker logs -f api",
            "docker logs --follow api",
            "docker logs -tf api",
            "docker compose -f docker-compose.prod.yml logs -f api",
            "docker-compose -f docker-compose.prod.yml logs -f",
            "kubectl logs -f deploy/x | grep -i error",
            "kubectl -n ns logs --follow=true pod/x",
            "kubectl get pods -w",
            "kubectl get pods -n app --watch",
            "tail -f /var/log/app.log",
            "tail -F /var/log/app.log",
            "tail -n 100 -f storage/logs/laravel.log",
            "tail -fn 50 x.log",
            "sudo tail -f /var/log/nginx/error.log",
            "watch kubectl get pods",
            "watch -n 5 'psql -c \"select 1\"'",
            "journalctl -u app -f",
            "journalctl -fu app",
            "sudo journalctl --follow -u nginx",
            "top",
            "top -b",
            "ping example.com",
            "ping -i 2 example.com",
            "sleep infinity",
            "while true; do curl -s http://x/health; sleep 5; done",
            "while :; do date; done",
            "kubectl port-forward svc/api 8080:80",
            "kubectl -n monitoring port-forward svc/grafana 3000",
            "redis-cli monitor",
            "redis-cli -h 127.0.0.1 -p 6379 SUBSCRIBE events",
            "redis-cli --stat",
            "psql -c 'select count(*) from jobs' -c '\\watch 5'",
            "docker stats",
            "kubectl exec -it pod -- tail -f /var/log/x",
            "ssh host tail -f /var/log/syslog",
            "bash -c 'tail -f x.log'",
            "pm2 logs",
            "heroku logs --tail -a app",
            "fly logs",
            "docker compose up",
            "vmstat 1",
        ] {
            let r = never_ends(s);
            assert!(r.is_some(), "{s}");
            let r = r.unwrap();
            assert!(r.starts_with("never ends by itself ("), "{r}");
            assert!(r.contains("timeout 30 …"), "{r}");
        }
    }

    #[test]
    fn bounded_forms_are_not_flagged() {
        for s in [
            "timeout 30 tail -f /var/log/app.log",
            "timeout 30 docker logs -f api",
            "sudo timeout 10 journalctl -f",
            "kubectl logs --since=5m deploy/x",
            "kubectl logs --tail=100 deploy/x | grep -i error",
            "docker logs --tail 50 api",
            "docker compose -f docker-compose.prod.yml logs web --tail=50",
            "docker compose -f x.yml ps",
            "kubectl get pods -o wide",
            "kubectl get -f x.yaml",
            "kubectl logs deploy/x --follow=false",
            "tail -n 100 /var/log/app.log",
            "tail -100 /var/log/app.log",
            "ping -c 3 example.com",
            "ping -c3 example.com",
            "top -b -n 1",
            "top -bn1 | head -20",
            "sleep 5",
            "while read line; do echo $line; done < f",
            "while true; do curl -sf http://x/health && break; sleep 2; done",
            "redis-cli ping",
            "redis-cli -h h get monitor_key",
            "docker stats --no-stream",
            "journalctl -u app --since '5 min ago' --no-pager",
            "nohup tail -f x.log &",
            "echo watch this",
            "grep tail -f x",
            "docker compose up -d",
            "vmstat 1 5",
            "kubectl rollout status deploy/x",
            "docker compose -f docker-compose.prod.yml logs --tail=200",
            "fly logs --no-tail",
        ] {
            assert_eq!(never_ends(s), None, "{s}");
        }
    }

    #[test]
    fn the_reason_names_the_command_and_bounded_forms() {
        let r = never_ends("docker logs -f api").unwrap();
        assert_eq!(
            r,
            "never ends by itself (`docker logs -f api`): watch it yourself, or write a bounded form (`--since 5m` or `--tail 100` without `-f`, `timeout 30 …`)"
        );
        let r = never_ends("ping example.com").unwrap();
        assert!(r.contains("`-c 3`"), "{r}");
    }

    #[test]
    fn sleeps_are_summed_through_loops() {
        let a10 = "for i in {1..5}; do\n  echo \"Check $i:\"\n  curl -s https://x/health | jq '.metrics'\n  sleep 60\ndone\n";
        assert_eq!(min_sleep_seconds(a10), Some(300.0));
        assert_eq!(min_sleep_seconds("sleep 9999"), Some(9999.0));
        assert_eq!(min_sleep_seconds("sleep 5m; sleep 1"), Some(301.0));
        assert_eq!(
            min_sleep_seconds("for x in a b c; do sleep 2; done"),
            Some(6.0)
        );
        assert_eq!(
            min_sleep_seconds("for i in $(seq 1 4); do sleep 10; done; sleep 1"),
            Some(41.0)
        );
        assert_eq!(min_sleep_seconds("curl x"), None);
    }

    #[test]
    fn placeholders_and_real_redirects() {
        assert_eq!(
            placeholders("helm upgrade app chart --version <VERSION> -n <NAMESPACE>"),
            vec!["VERSION", "NAMESPACE"]
        );
        assert_eq!(
            placeholders("curl https://<your-host>/health"),
            vec!["your-host"]
        );
        assert_eq!(placeholders("cat <file.txt>"), vec!["file.txt"]);
        assert_eq!(
            placeholders("curl -H \"Authorization: Bearer <token>\" -d '{\"v\":\"<VERSION>\"}' u"),
            vec!["token", "VERSION"]
        );
        for real in [
            "psql < dump.sql",
            "psql -d app <dump.sql",
            "cat <<EOF\nx\nEOF",
            "cat <<< \"$x\"",
            "diff <(sort a) <(sort b)",
            "wc -l <in.txt >out.txt",
            "sort <in.txt>>out.txt",
            "curl -s x | grep '<title>'",
            "echo '<html><body>ok</body></html>'",
            "echo hi # replace <VERSION> later",
            "[[ $a < $b ]]",
        ] {
            assert_eq!(placeholders(real), Vec::<String>::new(), "{real}");
        }
    }

    #[test]
    fn placeholders_become_quoted_variables() {
        assert_eq!(
            fill_placeholders("helm upgrade app chart --version <VERSION>"),
            "helm upgrade app chart --version \"${VERSION}\""
        );
        assert_eq!(
            fill_placeholders("curl \"https://<your-host>/health\" -d '{\"v\":\"<VERSION>\"}'"),
            "curl \"https://${your_host}/health\" -d '{\"v\":\"'\"${VERSION}\"'\"}'"
        );
        assert_eq!(fill_placeholders("psql < dump.sql"), "psql < dump.sql");
    }
}
