//! HTTPie lines (`http`, `https`): the method word or the request items
//! decide the method; some options write files.

use super::{is_method_override, is_no_file, is_read_method, short_value, take};
use crate::profile::Class;

/// HTTPie options that take a value.
#[rustfmt::skip]
const HTTPIE_VALUE: &[&str] = &[
    "auth", "auth-type", "verify", "cert", "cert-key", "cert-key-pass", "timeout", "proxy",
    "pretty", "style", "print", "history-print", "max-redirects", "boundary", "format-options",
    "response-charset", "response-mime", "max-headers", "default-scheme", "ssl", "ciphers",
    "session-read-only", "unix-socket", "compress-level",
];

#[rustfmt::skip]
const HTTPIE_FLAG: &[&str] = &[
    "json", "form", "multipart", "headers", "body", "meta", "verbose", "all", "follow",
    "check-status", "ignore-stdin", "ignore-netrc", "quiet", "stream", "unsorted", "sorted",
    "path-as-is", "chunked", "compress", "offline", "debug", "traceback", "help", "version",
    "ignore-content-length",
];

/// The class of an HTTPie line (`http`/`https`): the method word, or POST
/// when it sends data items (`a=b`, `a:=1`, `f@file`); `--download`,
/// `--output FILE` and `--session` (a session file) write files.
pub fn httpie_class(args: &[String]) -> Class {
    let mut positional: Vec<&str> = Vec::new();
    let mut writes = false;
    let mut offline = false;
    let mut raw_body = false;
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        i += 1;
        if let Some(long) = a.strip_prefix("--") {
            if long.is_empty() {
                positional.extend(args[i..].iter().map(String::as_str));
                break;
            }
            let (name, inline) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (long, None),
            };
            match name {
                "download" | "continue" => writes = true,
                "output" | "session" | "raw" => {
                    let v = match inline {
                        Some(v) => v.to_string(),
                        None => match take(args, &mut i, a) {
                            Ok(v) => v,
                            Err(_) => return Class::Mutating,
                        },
                    };
                    match name {
                        "raw" => raw_body = true,
                        _ => writes |= !is_no_file(&v),
                    }
                }
                "offline" => offline = true,
                n if HTTPIE_VALUE.contains(&n) => {
                    if inline.is_none() && take(args, &mut i, a).is_err() {
                        return Class::Mutating;
                    }
                }
                n if HTTPIE_FLAG.contains(&n) || n.strip_prefix("no-").is_some() => {}
                _ => return Class::Mutating,
            }
            continue;
        }
        if a.len() > 1 && a.starts_with('-') {
            for (at, f) in a.char_indices().skip(1) {
                let value_name = match f {
                    'a' | 'A' | 's' | 'p' | 'P' => None,
                    'o' => Some("output"),
                    'j' | 'f' | 'h' | 'b' | 'm' | 'v' | 'F' | 'I' | 'q' | 'S' | 'x' => {
                        continue;
                    }
                    'd' | 'c' => {
                        writes = true;
                        continue;
                    }
                    _ => return Class::Mutating,
                };
                let Ok(v) = short_value(args, &mut i, a, &a[at + f.len_utf8()..]) else {
                    return Class::Mutating;
                };
                if value_name == Some("output") {
                    writes |= !is_no_file(&v);
                }
                break;
            }
            continue;
        }
        positional.push(a);
    }
    if offline && !writes {
        // Builds and prints the request; sends nothing.
        return Class::Read;
    }
    let (method, items) = match positional.as_slice() {
        [m, _url, items @ ..] if m.chars().all(|c| c.is_ascii_alphabetic()) => (Some(*m), items),
        [_url, items @ ..] => (None, items),
        [] => return Class::Mutating,
    };
    let mut data = raw_body;
    let mut override_header = false;
    for item in items {
        match httpie_item(item) {
            HttpieItem::Header(name) => override_header |= is_method_override(name),
            HttpieItem::Query => {}
            HttpieItem::Data => data = true,
        }
    }
    let method = method.map_or(if data { "POST" } else { "GET" }, |m| m);
    if is_read_method(method) && !data && !override_header && !writes {
        Class::Read
    } else {
        Class::Mutating
    }
}

enum HttpieItem<'a> {
    Header(&'a str),
    Query,
    Data,
}

/// What an HTTPie request item is, by its first separator: `==` query,
/// `:` header (`:=` raw JSON data), `=` data, `@` file field.
fn httpie_item(item: &str) -> HttpieItem<'_> {
    let mut prev_backslash = false;
    for (i, c) in item.char_indices() {
        if prev_backslash {
            prev_backslash = false;
            continue;
        }
        match c {
            '\\' => prev_backslash = true,
            '=' if item[i..].starts_with("==") => return HttpieItem::Query,
            '=' | '@' => return HttpieItem::Data,
            ':' if item[i..].starts_with(":=") => return HttpieItem::Data,
            ':' => return HttpieItem::Header(&item[..i]),
            _ => {}
        }
    }
    // Not an item: unknown.
    HttpieItem::Data
}
