//! Text tools whose flags or scripts decide whether they write: `sort`,
//! `find`, `sed` and `awk` programs.

use super::judge::{Ctx, Spec, Verdict, getopt, judge_words, short};
use super::shell::Word;
use super::tools::{expansion_could_be_option, m};

pub(super) fn sort(args: &[Word]) -> Verdict {
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

pub(super) fn find(args: &[Word], ctx: &Ctx) -> Verdict {
    if let Some(w) = expansion_could_be_option(args) {
        return m(format!(
            "`find` with `{}` from an expansion",
            short(&w.text)
        ));
    }
    // Predicates that only test or print; the first group takes a value.
    const WITH_VALUE: &[&str] = &[
        "-name",
        "-iname",
        "-path",
        "-ipath",
        "-wholename",
        "-iwholename",
        "-regex",
        "-iregex",
        "-type",
        "-xtype",
        "-size",
        "-mtime",
        "-mmin",
        "-atime",
        "-amin",
        "-ctime",
        "-cmin",
        "-newer",
        "-anewer",
        "-cnewer",
        "-user",
        "-group",
        "-uid",
        "-gid",
        "-perm",
        "-links",
        "-inum",
        "-samefile",
        "-lname",
        "-ilname",
        "-maxdepth",
        "-mindepth",
        "-regextype",
        "-fstype",
        "-used",
        "-context",
        "-printf",
        "-D",
        "-files0-from",
    ];
    const FLAGS: &[&str] = &[
        "-nouser",
        "-nogroup",
        "-empty",
        "-readable",
        "-writable",
        "-executable",
        "-depth",
        "-d",
        "-mount",
        "-xdev",
        "-follow",
        "-L",
        "-H",
        "-P",
        "-noleaf",
        "-print",
        "-print0",
        "-ls",
        "-prune",
        "-quit",
        "-true",
        "-false",
        "-not",
        "-a",
        "-and",
        "-o",
        "-or",
        "-daystart",
        "-ignore_readdir_race",
        "-noignore_readdir_race",
        "-help",
        "--help",
        "-version",
        "--version",
        "-warn",
        "-nowarn",
    ];
    let mut v = Verdict::read();
    let mut i = 0;
    while i < args.len() {
        let t = args[i].text.as_str();
        match t {
            "-delete" => return Verdict::destructive("`find -delete` deletes files"),
            "-fprint" | "-fprint0" | "-fprintf" | "-fls" => {
                return m(format!("`find {t}` writes a file"));
            }
            "-exec" | "-execdir" | "-ok" | "-okdir" => {
                // The command runs on every file found: judge it with the
                // file names as arguments that could be anything.
                let end = args[i + 1..]
                    .iter()
                    .position(|w| w.text == ";" || w.text == "+")
                    .map_or(args.len(), |k| i + 1 + k);
                let cmd: Vec<Word> = args[i + 1..end]
                    .iter()
                    .map(|w| {
                        let mut w = w.clone();
                        if w.text.contains("{}") {
                            w.literal = false;
                            w.lead_literal = !w.text.starts_with("{}");
                        }
                        w
                    })
                    .collect();
                if cmd.is_empty() {
                    return m(format!("`find {t}` without a command"));
                }
                v.raise(judge_words(&cmd, ctx));
                i = end;
            }
            _ if WITH_VALUE.contains(&t) || t.starts_with("-newer") => i += 1,
            _ if FLAGS.contains(&t) || t.starts_with("-O") => {}
            _ if t.starts_with('-') && t.len() > 1 => {
                return m(format!("`find {t}` is not a known read-only predicate"));
            }
            _ => {}
        }
        i += 1;
    }
    v
}

pub(super) fn sed(args: &[Word]) -> Verdict {
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

pub(super) fn awk(name: &str, args: &[Word]) -> Verdict {
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
