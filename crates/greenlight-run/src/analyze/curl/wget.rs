//! wget lines: the request wget would send, and whether it writes a file
//! (it does unless told to print or only check).

use super::{is_method_override, is_no_file, is_read_method, short_value, take};
use crate::profile::Class;

/// wget's short options that take a value (`-n` takes one letter: `-nv`).
fn wget_short_value(c: char) -> Option<bool> {
    match c {
        'a' | 'A' | 'B' | 'D' | 'e' | 'i' | 'I' | 'l' | 'n' | 'o' | 'O' | 'P' | 'Q' | 'R' | 't'
        | 'T' | 'U' | 'w' | 'X' => Some(true),
        'b' | 'c' | 'd' | 'E' | 'F' | 'h' | 'H' | 'k' | 'K' | 'L' | 'm' | 'N' | 'p' | 'q' | 'r'
        | 'S' | 'v' | 'V' | 'x' | '4' | '6' => Some(false),
        _ => None,
    }
}

#[rustfmt::skip]
const WGET_VALUE: &[&str] = &[
    "output-document", "output-file", "append-output", "directory-prefix", "input-file", "tries",
    "timeout", "wait", "waitretry", "user-agent", "header", "post-data", "post-file", "method",
    "body-data", "body-file", "user", "password", "http-user", "http-password", "execute", "base",
    "load-cookies", "save-cookies", "referer", "quota", "limit-rate", "dns-timeout",
    "connect-timeout", "read-timeout", "bind-address", "ca-certificate", "ca-directory",
    "certificate", "certificate-type", "private-key", "private-key-type", "level", "accept",
    "reject", "domains", "exclude-domains", "include-directories", "exclude-directories",
    "restrict-file-names", "report-speed", "progress", "max-redirect", "secure-protocol",
    "local-encoding", "remote-encoding", "default-page", "config", "hsts-file", "warc-file",
    "ciphers", "compression", "proxy-user", "proxy-password", "accept-regex", "reject-regex",
    "regex-type", "backups", "cut-dirs",
];

#[rustfmt::skip]
const WGET_FLAG: &[&str] = &[
    "quiet", "verbose", "no-verbose", "server-response", "spider", "continue", "timestamping",
    "no-check-certificate", "check-certificate", "inet4-only", "inet6-only", "no-clobber",
    "no-cache", "no-cookies", "content-on-error", "ignore-length", "no-proxy", "debug",
    "https-only", "auth-no-challenge", "no-dns-cache", "show-progress", "force-html",
    "force-directories", "no-directories", "no-host-directories", "save-headers",
    "keep-session-cookies", "content-disposition", "trust-server-names", "recursive", "mirror",
    "page-requisites", "convert-links", "backup-converted", "adjust-extension", "no-parent",
    "relative", "span-hosts", "retry-connrefused", "help", "version", "background", "delete-after",
    "no-hsts", "ignore-case", "random-wait", "no-netrc", "no-glob", "passive-ftp",
    "no-passive-ftp", "retr-symlinks", "preserve-permissions", "xattr", "no-config", "unlink",
    "no-http-keep-alive", "no-iri",
];

/// The class of a wget line. wget writes what it downloads to a file, so
/// only `-O -`, `-O /dev/null` or `--spider` keep a GET `read`; a POST,
/// a body, a method override, a log or cookie file, `-e` commands or a
/// config file make it `mutating`.
pub fn wget_class(args: &[String]) -> Class {
    let mut method: Option<String> = None;
    let mut body = false;
    let mut override_header = false;
    let mut output: Option<String> = None;
    let mut spider = false;
    let mut writes = false;
    let mut i = 0;
    let mut opts: Vec<(String, Option<String>)> = Vec::new();
    while i < args.len() {
        let a = args[i].as_str();
        i += 1;
        if a == "--" {
            break;
        }
        if let Some(long) = a.strip_prefix("--") {
            let (name, inline) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (long, None),
            };
            if WGET_VALUE.contains(&name) {
                let v = match inline {
                    Some(v) => v,
                    None => match take(args, &mut i, a) {
                        Ok(v) => v,
                        Err(_) => return Class::Mutating,
                    },
                };
                opts.push((name.to_string(), Some(v)));
            } else if WGET_FLAG.contains(&name) && inline.is_none() {
                opts.push((name.to_string(), None));
            } else {
                return Class::Mutating;
            }
            continue;
        }
        if a.len() > 1 && a.starts_with('-') {
            for (at, f) in a.char_indices().skip(1) {
                match wget_short_value(f) {
                    None => return Class::Mutating,
                    Some(false) => opts.push((format!("-{f}"), None)),
                    Some(true) => {
                        let Ok(v) = short_value(args, &mut i, a, &a[at + f.len_utf8()..]) else {
                            return Class::Mutating;
                        };
                        opts.push((format!("-{f}"), Some(v)));
                        break;
                    }
                }
            }
        }
    }
    for (name, value) in &opts {
        let v = value.as_deref().unwrap_or("");
        match name.as_str() {
            "method" => method = Some(v.to_string()),
            "post-data" | "post-file" => {
                method.get_or_insert_with(|| "POST".into());
                body = true;
            }
            "body-data" | "body-file" => body = true,
            "header" => {
                override_header |= v.split_once(':').is_none_or(|(k, _)| is_method_override(k))
            }
            "-O" | "output-document" => output = Some(v.to_string()),
            "spider" => spider = true,
            "-o" | "output-file" | "-a" | "append-output" => writes |= !is_no_file(v),
            // `-e robots=off` only tells a recursive wget to ignore robots.txt.
            "-e" | "execute" if v.replace(' ', "").eq_ignore_ascii_case("robots=off") => {}
            "save-cookies" | "warc-file" | "hsts-file" | "-e" | "execute" | "config" | "-b"
            | "background" | "delete-after" | "-r" | "recursive" | "-m" | "mirror" | "-p"
            | "page-requisites" | "-x" | "force-directories" | "directory-prefix" | "-P" => {
                writes = true
            }
            _ => {}
        }
    }
    let to_stdout = output.as_deref().is_some_and(is_no_file);
    let read = is_read_method(method.as_deref().unwrap_or("GET"))
        && !body
        && !override_header
        && !writes
        && (spider || to_stdout);
    if read { Class::Read } else { Class::Mutating }
}
