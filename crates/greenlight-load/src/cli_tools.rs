//! Recognises `ab`, `hey`, `wrk` and `oha` command lines as a [`LoadConfig`].
//!
//! | tool | understood | mapping |
//! | --- | --- | --- |
//! | `ab` | `-n -c -k -t -s -H -m -T -q -r -d -S`, URL | closed model, `-c` VUs; `-n` → `max_requests` (with `-t`: time limit, `-n` default 50000); keep-alive only with `-k` |
//! | `hey` | `-n -c -z -q -m -H -d -T -t -h2 -cpus -disable-keepalive -disable-compression -disable-redirects -o`, URL | closed model, `-c` VUs, `-n` total (200) unless `-z`; `-q` QPS per worker → open model at `q × c`/s |
//! | `wrk` | `-t -c -d -H --timeout --latency -R/--rate`, URL | closed model, `-c` connections on `-t` threads for `-d` (10 s); wrk2's `-R` → open model |
//! | `oha` | `-n -c -z -q -m -H -d -t -A -T --http2 --no-tui -j/--json --output-format --disable-keepalive --latency-correction`, URL | closed model, `-c` (50) VUs, `-n` (200) unless `-z`; `-q` → open model |
//!
//! Anything else (files, scripts, auth, proxies, unknown flags) is refused and listed.

use std::time::Duration;

use crate::error::RecogniseError;
use crate::model::{LoadConfig, LoadModel, Selection, Target, parse_duration};

/// Splits a command line like a POSIX shell would for simple cases: blanks separate words,
/// `'…'` and `"…"` quote, `\` escapes; a trailing `\`-newline continues the line.
pub fn split_command(line: &str) -> Result<Vec<String>, RecogniseError> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(ch) => cur.push(ch),
                        None => return Err(RecogniseError::one("unterminated ' quote")),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(ch @ ('"' | '\\' | '$' | '`')) => cur.push(ch),
                            Some('\n') => {}
                            Some(ch) => {
                                cur.push('\\');
                                cur.push(ch);
                            }
                            None => return Err(RecogniseError::one("unterminated \" quote")),
                        },
                        Some('$') => {
                            return Err(RecogniseError::one(
                                "shell variables or substitutions are not supported",
                            ));
                        }
                        Some(ch) => cur.push(ch),
                        None => return Err(RecogniseError::one("unterminated \" quote")),
                    }
                }
            }
            '\\' => match chars.next() {
                Some('\n') => {}
                Some(ch) => {
                    in_word = true;
                    cur.push(ch);
                }
                None => {}
            },
            '$' | '`' | '|' | ';' | '&' | '<' | '>' | '(' | ')' => {
                return Err(RecogniseError::one(format!(
                    "shell syntax `{c}` is not supported"
                )));
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    Ok(words)
}

/// Recognises a whole `ab …`, `hey …`, `wrk …` or `oha …` command line.
pub fn recognise_command(line: &str) -> Result<LoadConfig, RecogniseError> {
    let words = split_command(line)?;
    let Some((program, args)) = words.split_first() else {
        return Err(RecogniseError::one("empty command"));
    };
    let tool = program.rsplit('/').next().unwrap_or(program);
    match tool {
        "ab" => recognise_ab(args),
        "hey" => recognise_hey(args),
        "wrk" | "wrk2" => recognise_wrk(args),
        "oha" => recognise_oha(args),
        other => Err(RecogniseError::one(format!(
            "`{other}` is not a known load tool (ab, hey, wrk, oha)"
        ))),
    }
}

/// A flag a tool accepts: its names and whether it takes a value.
struct Flag {
    names: &'static [&'static str],
    value: bool,
}

const fn flag(names: &'static [&'static str], value: bool) -> Flag {
    Flag { names, value }
}

/// Parsed arguments: `(canonical name, value)` pairs and positional words.
struct Args {
    flags: Vec<(&'static str, String)>,
    positional: Vec<String>,
}

impl Args {
    fn get(&self, name: &str) -> Option<&str> {
        self.flags
            .iter()
            .rev()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    fn has(&self, name: &str) -> bool {
        self.flags.iter().any(|(n, _)| *n == name)
    }

    fn all(&self, name: &str) -> impl Iterator<Item = &str> {
        self.flags
            .iter()
            .filter(move |(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// getopt/clap/Go-flag style parsing: `-x v`, `-xv` (when `attached`), `--long v`,
/// `--long=v`, `-long v`. Unknown flags are collected as errors.
fn parse_args(args: &[String], flags: &[Flag], attached: bool) -> Result<Args, RecogniseError> {
    let mut out = Args {
        flags: Vec::new(),
        positional: Vec::new(),
    };
    let mut errors = Vec::new();
    let find = |name: &str| flags.iter().find(|f| f.names.contains(&name));
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        i += 1;
        if a == "--" {
            out.positional.extend(args[i..].iter().cloned());
            break;
        }
        if !a.starts_with('-') || a == "-" {
            out.positional.push(a.clone());
            continue;
        }
        let body = a.trim_start_matches('-');
        let (name, inline) = match body.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (body, None),
        };
        let (f, inline) = match find(name) {
            Some(f) => (f, inline),
            // `-xVALUE`: the first character is the flag (it may be more
            // than one byte long: split on the character, never a byte).
            None if attached && !a.starts_with("--") && name.chars().nth(1).is_some() => {
                let first = name.chars().next().map_or(0, char::len_utf8);
                match find(&name[..first]) {
                    Some(f) if f.value => (f, Some(body[first..].to_string())),
                    _ => {
                        errors.push(format!("unknown flag {a}"));
                        continue;
                    }
                }
            }
            None => {
                errors.push(format!("unknown flag {a}"));
                continue;
            }
        };
        let value = if f.value {
            match inline {
                Some(v) => v,
                None if i < args.len() => {
                    i += 1;
                    args[i - 1].clone()
                }
                None => {
                    errors.push(format!("{a} needs a value"));
                    continue;
                }
            }
        } else {
            String::new()
        };
        out.flags.push((f.names[0], value));
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(RecogniseError {
            unsupported: errors,
        })
    }
}

fn refuse(args: &Args, names: &[&str], errors: &mut Vec<String>) {
    for n in names {
        if args.has(n) {
            errors.push(format!("-{n} is not supported"));
        }
    }
}

fn number<T: std::str::FromStr>(
    args: &Args,
    name: &str,
    default: T,
    errors: &mut Vec<String>,
) -> T {
    match args.get(name) {
        None => default,
        Some(v) => v.parse().unwrap_or_else(|_| {
            errors.push(format!("-{name}: bad number {v:?}"));
            default
        }),
    }
}

fn seconds(args: &Args, name: &str, errors: &mut Vec<String>) -> Option<Duration> {
    let v = args.get(name)?;
    let d = parse_duration(v);
    if d.is_none() {
        errors.push(format!("-{name}: bad duration {v:?}"));
    }
    d
}

fn header(h: &str, errors: &mut Vec<String>) -> Option<(String, String)> {
    match h.split_once(':') {
        Some((k, v)) if !k.trim().is_empty() => Some((k.trim().to_string(), v.trim().to_string())),
        _ => {
            errors.push(format!("bad header {h:?} (expected `Name: value`)"));
            None
        }
    }
}

/// The single URL argument.
fn url(args: &Args, errors: &mut Vec<String>) -> String {
    match args.positional.as_slice() {
        [u] if u.starts_with("http://") || u.starts_with("https://") => u.clone(),
        [u] => {
            errors.push(format!("{u:?} is not an http(s) URL"));
            String::new()
        }
        [] => {
            errors.push("no URL".into());
            String::new()
        }
        more => {
            errors.push(format!(
                "unexpected arguments {:?}",
                &more[..more.len() - 1]
            ));
            String::new()
        }
    }
}

fn finish(config: LoadConfig, errors: Vec<String>) -> Result<LoadConfig, RecogniseError> {
    if !errors.is_empty() {
        return Err(RecogniseError {
            unsupported: errors,
        });
    }
    config
        .validate()
        .map_err(|e| RecogniseError::one(e.to_string()))?;
    Ok(config)
}

fn base(target: Target, vus: u32, timeout: Duration) -> LoadConfig {
    LoadConfig {
        targets: vec![target],
        selection: Selection::RoundRobin,
        model: LoadModel::Closed {
            vus,
            think_time: Duration::ZERO,
            stages: Vec::new(),
        },
        duration: None,
        timeout,
        http2: false,
        keep_alive: true,
        max_requests: None,
        thresholds: Vec::new(),
        threads: None,
    }
}

/// `ab [-n N] [-c C] [-k] [-t S] [-s S] [-H h]… [-m M] URL`.
pub fn recognise_ab(args: &[String]) -> Result<LoadConfig, RecogniseError> {
    const FLAGS: &[Flag] = &[
        flag(&["n"], true),
        flag(&["c"], true),
        flag(&["k"], false),
        flag(&["t"], true),
        flag(&["s"], true),
        flag(&["H"], true),
        flag(&["m"], true),
        flag(&["T"], true),
        flag(&["q"], false),
        flag(&["r"], false),
        flag(&["d"], false),
        flag(&["S"], false),
        flag(&["p"], true),
        flag(&["u"], true),
        flag(&["A"], true),
        flag(&["P"], true),
        flag(&["X"], true),
        flag(&["C"], true),
        flag(&["i"], false),
        flag(&["g"], true),
        flag(&["e"], true),
        flag(&["w"], false),
        flag(&["v"], true),
        flag(&["b"], true),
        flag(&["B"], true),
        flag(&["f"], true),
        flag(&["l"], false),
        flag(&["Z"], true),
    ];
    let a = parse_args(args, FLAGS, true)?;
    let mut errors = Vec::new();
    refuse(
        &a,
        &[
            "p", "u", "A", "P", "X", "C", "i", "g", "e", "w", "v", "b", "B", "f", "l", "Z",
        ],
        &mut errors,
    );
    let c: u32 = number(&a, "c", 1, &mut errors);
    let time_limit = seconds(&a, "t", &mut errors);
    let n: u64 = number(
        &a,
        "n",
        if time_limit.is_some() { 50_000 } else { 1 },
        &mut errors,
    );
    let timeout = seconds(&a, "s", &mut errors).unwrap_or(Duration::from_secs(30));
    let mut target = Target::new(a.get("m").unwrap_or("GET"), url(&a, &mut errors));
    for h in a.all("H") {
        target.headers.extend(header(h, &mut errors));
    }
    if let Some(t) = a.get("T") {
        target.headers.push(("Content-Type".into(), t.into()));
    }
    let mut config = base(target, c, timeout);
    config.keep_alive = a.has("k");
    config.duration = time_limit;
    config.max_requests = Some(n);
    finish(config, errors)
}

/// `hey [-n N] [-c C] [-z D] [-q QPS] [-m M] [-H h]… [-d body] [-t S] [-h2] URL`.
pub fn recognise_hey(args: &[String]) -> Result<LoadConfig, RecogniseError> {
    const FLAGS: &[Flag] = &[
        flag(&["n"], true),
        flag(&["c"], true),
        flag(&["z"], true),
        flag(&["q"], true),
        flag(&["m"], true),
        flag(&["H"], true),
        flag(&["d"], true),
        flag(&["T"], true),
        flag(&["t"], true),
        flag(&["h2"], false),
        flag(&["cpus"], true),
        flag(&["disable-keepalive"], false),
        flag(&["disable-compression"], false),
        flag(&["disable-redirects"], false),
        flag(&["o"], true),
        flag(&["D"], true),
        flag(&["a"], true),
        flag(&["x"], true),
        flag(&["A"], true),
        flag(&["host"], true),
    ];
    let a = parse_args(args, FLAGS, false)?;
    let mut errors = Vec::new();
    refuse(&a, &["D", "a", "x", "host"], &mut errors);
    if a.get("o").is_some_and(|o| o != "csv") {
        errors.push("-o: only csv output exists in hey".into());
    }
    let c: u32 = number(&a, "c", 50, &mut errors);
    let n: u64 = number(&a, "n", 200, &mut errors);
    let z = seconds(&a, "z", &mut errors);
    let timeout: u64 = number(&a, "t", 20, &mut errors);
    let mut target = Target::new(a.get("m").unwrap_or("GET"), url(&a, &mut errors));
    for h in a.all("H") {
        target.headers.extend(header(h, &mut errors));
    }
    if let Some(t) = a.get("T") {
        target.headers.push(("Content-Type".into(), t.into()));
    }
    if let Some(accept) = a.get("A") {
        target.headers.push(("Accept".into(), accept.into()));
    }
    target.body = a.get("d").map(str::to_string);
    let timeout = if timeout == 0 {
        Duration::from_secs(3600)
    } else {
        Duration::from_secs(timeout)
    };
    let mut config = base(target, c, timeout);
    config.http2 = a.has("h2");
    config.keep_alive = !a.has("disable-keepalive");
    config.threads = a.get("cpus").and_then(|v| v.parse().ok());
    match z {
        Some(d) => config.duration = Some(d),
        None => config.max_requests = Some(n),
    }
    if let Some(q) = a.get("q") {
        match q.parse::<f64>() {
            Ok(q) if q > 0.0 => {
                config.model = LoadModel::Open {
                    rate: q * f64::from(c),
                    stages: Vec::new(),
                    connections: c,
                }
            }
            _ => errors.push(format!("-q: bad rate {q:?}")),
        }
    }
    finish(config, errors)
}

/// `wrk [-t T] [-c C] [-d D] [-H h]… [--timeout D] [--latency] [-R rate] URL`.
pub fn recognise_wrk(args: &[String]) -> Result<LoadConfig, RecogniseError> {
    const FLAGS: &[Flag] = &[
        flag(&["t", "threads"], true),
        flag(&["c", "connections"], true),
        flag(&["d", "duration"], true),
        flag(&["H", "header"], true),
        flag(&["T", "timeout"], true),
        flag(&["L", "latency"], false),
        flag(&["R", "rate"], true),
        flag(&["U", "u_latency"], false),
        flag(&["s", "script"], true),
        flag(&["v", "version"], false),
    ];
    let a = parse_args(args, FLAGS, true)?;
    let mut errors = Vec::new();
    refuse(&a, &["s", "v"], &mut errors);
    let threads: usize = number(&a, "t", 2, &mut errors);
    let c: u32 = number(&a, "c", 10, &mut errors);
    let d = seconds(&a, "d", &mut errors).unwrap_or(Duration::from_secs(10));
    let timeout = seconds(&a, "T", &mut errors).unwrap_or(Duration::from_secs(2));
    let mut target = Target::get(url(&a, &mut errors));
    for h in a.all("H") {
        target.headers.extend(header(h, &mut errors));
    }
    let mut config = base(target, c, timeout);
    config.duration = Some(d);
    config.threads = Some(threads.max(1));
    if let Some(r) = a.get("R") {
        match r.parse::<f64>() {
            Ok(r) if r > 0.0 => {
                config.model = LoadModel::Open {
                    rate: r,
                    stages: Vec::new(),
                    connections: c,
                }
            }
            _ => errors.push(format!("-R: bad rate {r:?}")),
        }
    }
    finish(config, errors)
}

/// `oha [-n N] [-c C] [-z D] [-q QPS] [-m M] [-H h]… [-d body] [-t D] [--http2] URL`.
pub fn recognise_oha(args: &[String]) -> Result<LoadConfig, RecogniseError> {
    const FLAGS: &[Flag] = &[
        flag(&["n"], true),
        flag(&["c"], true),
        flag(&["z"], true),
        flag(&["q"], true),
        flag(&["m", "method"], true),
        flag(&["H"], true),
        flag(&["d"], true),
        flag(&["t"], true),
        flag(&["A"], true),
        flag(&["T"], true),
        flag(&["http2"], false),
        flag(&["no-tui"], false),
        flag(&["j", "json"], false),
        flag(&["output-format"], true),
        flag(&["disable-keepalive"], false),
        flag(&["latency-correction"], false),
        flag(&["D"], true),
        flag(&["a"], true),
        flag(&["x"], true),
        flag(&["insecure"], false),
        flag(&["p"], true),
        flag(&["burst-delay"], true),
        flag(&["burst-rate"], true),
        flag(&["rand-regex-url"], false),
        flag(&["connect-to"], true),
        flag(&["unix-socket"], true),
        flag(&["host"], true),
    ];
    let a = parse_args(args, FLAGS, true)?;
    let mut errors = Vec::new();
    refuse(
        &a,
        &[
            "D",
            "a",
            "x",
            "insecure",
            "p",
            "burst-delay",
            "burst-rate",
            "rand-regex-url",
            "connect-to",
            "unix-socket",
            "host",
        ],
        &mut errors,
    );
    let c: u32 = number(&a, "c", 50, &mut errors);
    let n: u64 = number(&a, "n", 200, &mut errors);
    let z = seconds(&a, "z", &mut errors);
    let timeout = seconds(&a, "t", &mut errors).unwrap_or(Duration::from_secs(3600));
    let mut target = Target::new(a.get("m").unwrap_or("GET"), url(&a, &mut errors));
    for h in a.all("H") {
        target.headers.extend(header(h, &mut errors));
    }
    if let Some(accept) = a.get("A") {
        target.headers.push(("Accept".into(), accept.into()));
    }
    if let Some(t) = a.get("T") {
        target.headers.push(("Content-Type".into(), t.into()));
    }
    target.body = a.get("d").map(str::to_string);
    let mut config = base(target, c, timeout);
    config.http2 = a.has("http2");
    config.keep_alive = !a.has("disable-keepalive");
    match z {
        Some(d) => config.duration = Some(d),
        None => config.max_requests = Some(n),
    }
    if let Some(q) = a.get("q") {
        match q.parse::<f64>() {
            Ok(q) if q > 0.0 => {
                config.model = LoadModel::Open {
                    rate: q,
                    stages: Vec::new(),
                    connections: c,
                }
            }
            _ => errors.push(format!("-q: bad rate {q:?}")),
        }
    }
    finish(config, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "http://127.0.0.1:18080/health";

    fn closed_vus(c: &LoadConfig) -> u32 {
        match c.model {
            LoadModel::Closed { vus, .. } => vus,
            LoadModel::Open { .. } => panic!("open"),
        }
    }

    #[test]
    fn splits_like_a_shell() {
        assert_eq!(
            split_command(r#"hey -H 'A: b c' -H "X: \"y\"" a\ b"#).unwrap(),
            ["hey", "-H", "A: b c", "-H", "X: \"y\"", "a b"]
        );
        assert!(split_command("wrk $URL").is_err());
        assert!(split_command("wrk 'x").is_err());
    }

    #[test]
    fn ab() {
        let c = recognise_command(&format!("ab -n 1000 -c 10 -k {URL}")).unwrap();
        assert_eq!(closed_vus(&c), 10);
        assert_eq!(c.max_requests, Some(1000));
        assert_eq!(c.duration, None);
        assert!(c.keep_alive);
        let c = recognise_command(&format!("ab -n1000 -c10 -H 'X-A: 1' {URL}")).unwrap();
        assert!(!c.keep_alive);
        assert_eq!(c.targets[0].headers, [("X-A".to_string(), "1".to_string())]);
        let c = recognise_command(&format!("/usr/bin/ab -k -c 4 -t 10 {URL}")).unwrap();
        assert_eq!(c.duration, Some(Duration::from_secs(10)));
        assert_eq!(c.max_requests, Some(50_000));
        let e = recognise_command(&format!("ab -p post.json -Q 1 {URL}")).unwrap_err();
        assert!(e.to_string().contains("-Q"), "{e}");
        let e = recognise_command(&format!("ab -p post.json {URL}")).unwrap_err();
        assert!(e.to_string().contains("-p is not supported"), "{e}");
    }

    #[test]
    fn hey() {
        let c = recognise_command(&format!("hey -n 500 -c 20 {URL}")).unwrap();
        assert_eq!((closed_vus(&c), c.max_requests), (20, Some(500)));
        let c = recognise_command(&format!("hey -z 10s -c 8 -m POST -d '{{}}' -h2 {URL}")).unwrap();
        assert_eq!(c.duration, Some(Duration::from_secs(10)));
        assert_eq!(c.max_requests, None);
        assert_eq!(c.targets[0].method, "POST");
        assert_eq!(c.targets[0].body.as_deref(), Some("{}"));
        assert!(c.http2);
        let c = recognise_command(&format!("hey -n 100 -c 5 -q 10 {URL}")).unwrap();
        assert!(matches!(c.model, LoadModel::Open { rate, connections: 5, .. } if rate == 50.0));
        let c = recognise_command(&format!("hey {URL}")).unwrap();
        assert_eq!((closed_vus(&c), c.max_requests), (50, Some(200)));
    }

    #[test]
    fn wrk() {
        let c = recognise_command(&format!("wrk -t1 -c64 -d10s --latency {URL}")).unwrap();
        assert_eq!(closed_vus(&c), 64);
        assert_eq!(c.threads, Some(1));
        assert_eq!(c.duration, Some(Duration::from_secs(10)));
        assert_eq!(c.timeout, Duration::from_secs(2));
        let c = recognise_command(&format!(
            "wrk -t 2 -c 100 -d 1m --timeout 5s -H 'A: b' {URL}"
        ))
        .unwrap();
        assert_eq!(c.duration, Some(Duration::from_secs(60)));
        assert_eq!(c.timeout, Duration::from_secs(5));
        let c = recognise_command(&format!("wrk -c 10 -d 2 -R 1000 {URL}")).unwrap();
        assert!(matches!(c.model, LoadModel::Open { rate, .. } if rate == 1000.0));
        let e = recognise_command(&format!("wrk -s post.lua -c 10 {URL}")).unwrap_err();
        assert!(e.to_string().contains("-s is not supported"), "{e}");
    }

    #[test]
    fn oha() {
        let c = recognise_command(&format!("oha -n 1000 -c 50 {URL}")).unwrap();
        assert_eq!((closed_vus(&c), c.max_requests), (50, Some(1000)));
        let c = recognise_command(&format!(
            "oha -z 10s -c 64 --no-tui --output-format json --http2 {URL}"
        ))
        .unwrap();
        assert_eq!(c.duration, Some(Duration::from_secs(10)));
        assert!(c.http2);
        let c = recognise_command(&format!("oha -q 100 -z 5s {URL}")).unwrap();
        assert!(matches!(c.model, LoadModel::Open { rate, .. } if rate == 100.0));
        let e = recognise_command(&format!("oha --insecure --frobnicate {URL}")).unwrap_err();
        assert_eq!(e.unsupported.len(), 1, "{e}");
        assert!(e.to_string().contains("--frobnicate"), "{e}");
    }

    #[test]
    fn refuses_other_commands() {
        assert!(recognise_command("curl http://x/").is_err());
        assert!(recognise_command("").is_err());
        assert!(recognise_command("wrk -c 10").is_err());
        assert!(recognise_command("wrk -c 10 ftp://x/").is_err());
    }

    /// Found crash: a flag beginning with a multibyte character was split
    /// inside that character (exit 101).
    #[test]
    fn multibyte_flag_is_refused_not_a_panic() {
        for tool in ["ab", "hey", "wrk", "oha"] {
            for flag in ["-éx", "-é", "-€1", "--é", "-é=1", "-xé", "-cé"] {
                let line = format!("{tool} {flag} {URL}");
                assert!(recognise_command(&line).is_err(), "{line}");
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn recognisers_never_panic_on_any_words(
            words in proptest::collection::vec("-{0,2}\\PC{0,12}", 0..6)
        ) {
            let words: Vec<String> = words;
            let _ = recognise_ab(&words);
            let _ = recognise_hey(&words);
            let _ = recognise_wrk(&words);
            let _ = recognise_oha(&words);
            for tool in ["ab", "hey", "wrk", "oha"] {
                let quoted: Vec<String> = words.iter().map(|w| shell_quote(w)).collect();
                let _ = recognise_command(&format!("{tool} {}", quoted.join(" ")));
            }
        }

        #[test]
        fn command_lines_never_panic(line in "\\PC{0,40}") {
            let _ = split_command(&line);
            let _ = recognise_command(&line);
        }
    }

    fn shell_quote(w: &str) -> String {
        format!("'{}'", w.replace('\'', "'\\''"))
    }
}
