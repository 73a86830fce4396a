//! Which outside values a command needs: `$VAR`, `${VAR}`, placeholders
//! such as `<redis-host>` or `[POD_NAME]`, minus what the block defines
//! itself before using it (`export X=…`, `X=$(…)`, `for X in …`).

use serde::Serialize;

use super::script::{Command, Script, Stage};

/// A reference to a value that comes from outside the text.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reference {
    /// `$NAME`, `${NAME}`, `${NAME:-fallback}`. A reference with a
    /// fallback does not need a value.
    Variable {
        /// The variable's name.
        name: String,
        /// The fallback text of `${NAME:-x}`, `${NAME-x}`, `${NAME:=x}`,
        /// `${NAME:+x}`.
        fallback: Option<String>,
    },
    /// `<redis-host>`, `[POD_NAME]`: text the author meant to be replaced.
    Placeholder {
        /// The placeholder as written, brackets included.
        text: String,
    },
}

/// What one command needs from outside the block.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Requirements {
    /// Variables that must have a value (not defined earlier in the block,
    /// no fallback, not provided by the shell itself), in order of use.
    pub variables: Vec<String>,
    /// Variables used with a fallback: a value is welcome, not needed.
    pub optional: Vec<String>,
    /// Placeholders to be replaced, as written (`<redis-host>`).
    pub placeholders: Vec<String>,
}

impl Requirements {
    /// Whether nothing is needed.
    pub fn is_empty(&self) -> bool {
        self.variables.is_empty() && self.placeholders.is_empty()
    }
}

/// Names bash itself provides: never asked of the profile.
pub fn is_shell_provided(name: &str) -> bool {
    matches!(
        name,
        "HOME"
            | "PATH"
            | "USER"
            | "LOGNAME"
            | "PWD"
            | "OLDPWD"
            | "SHELL"
            | "HOSTNAME"
            | "LANG"
            | "LC_ALL"
            | "TERM"
            | "TMPDIR"
            | "RANDOM"
            | "SECONDS"
            | "LINENO"
            | "UID"
            | "EUID"
            | "PPID"
            | "BASHPID"
            | "BASH"
            | "BASH_SOURCE"
            | "BASH_VERSION"
            | "FUNCNAME"
            | "PIPESTATUS"
            | "REPLY"
            | "IFS"
            | "OSTYPE"
            | "HOSTTYPE"
            | "OPTARG"
            | "OPTIND"
    )
}

/// Every variable reference in shell text, in order, without duplicates.
/// Single-quoted text expands nothing; `$1`, `$?`, `$!` are not variables.
pub fn variable_references(text: &str) -> Vec<Reference> {
    let mut out = Vec::new();
    scan(text.as_bytes(), &mut out);
    let mut seen: Vec<(String, bool)> = Vec::new();
    out.retain(|r| match r {
        Reference::Variable { name, fallback } => {
            let key = (name.clone(), fallback.is_some());
            if seen.contains(&key) {
                false
            } else {
                seen.push(key);
                true
            }
        }
        Reference::Placeholder { .. } => true,
    });
    out
}

fn is_name_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

fn is_name(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// The index just past the construct that opens at `i` with `open`
/// (`(` or `{`), balancing brackets and skipping quotes.
fn matching(s: &[u8], mut i: usize, open: u8, close: u8) -> usize {
    let mut depth = 0usize;
    while i < s.len() {
        match s[i] {
            b'\\' => i += 1,
            b'\'' => {
                i += 1;
                while i < s.len() && s[i] != b'\'' {
                    i += 1;
                }
            }
            b'"' => {
                i += 1;
                while i < s.len() && s[i] != b'"' {
                    if s[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            c if c == open => depth += 1,
            c if c == close => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    s.len()
}

fn scan(s: &[u8], out: &mut Vec<Reference>) {
    let mut i = 0;
    let mut in_double = false;
    while i < s.len() {
        match s[i] {
            b'\\' => i += 2,
            b'\'' if !in_double => {
                i += 1;
                while i < s.len() && s[i] != b'\'' {
                    i += 1;
                }
                i += 1;
            }
            b'"' => {
                in_double = !in_double;
                i += 1;
            }
            b'`' => {
                let start = i + 1;
                let mut j = start;
                while j < s.len() && s[j] != b'`' {
                    if s[j] == b'\\' {
                        j += 1;
                    }
                    j += 1;
                }
                scan(&s[start..j.min(s.len())], out);
                i = j + 1;
            }
            b'$' => i = dollar(s, i, out, in_double),
            _ => i += 1,
        }
    }
}

/// At `$`: records the reference, returns the index after it.
fn dollar(s: &[u8], i: usize, out: &mut Vec<Reference>, in_double: bool) -> usize {
    let Some(&next) = s.get(i + 1) else {
        return i + 1;
    };
    match next {
        b'(' if s.get(i + 2) == Some(&b'(') => matching(s, i + 1, b'(', b')'),
        b'(' => {
            let end = matching(s, i + 1, b'(', b')');
            let inner_end = if end > i + 2 && s.get(end - 1) == Some(&b')') {
                end - 1
            } else {
                end
            };
            scan(&s[(i + 2).min(inner_end)..inner_end], out);
            end
        }
        b'\'' if !in_double => {
            let mut j = i + 2;
            while j < s.len() && s[j] != b'\'' {
                if s[j] == b'\\' {
                    j += 1;
                }
                j += 1;
            }
            j + 1
        }
        b'{' => {
            let end = matching(s, i + 1, b'{', b'}');
            let inner = &s[(i + 2).min(end)..end.saturating_sub(1).max(i + 2).min(s.len())];
            braced(inner, out);
            end
        }
        c if is_name_start(c) => {
            let mut j = i + 1;
            while j < s.len() && is_name(s[j]) {
                j += 1;
            }
            out.push(Reference::Variable {
                name: String::from_utf8_lossy(&s[i + 1..j]).into_owned(),
                fallback: None,
            });
            j
        }
        _ => i + 2,
    }
}

/// The inside of `${…}`.
fn braced(inner: &[u8], out: &mut Vec<Reference>) {
    let mut j = 0;
    // `${#NAME}` (length) still needs NAME; `${!NAME}` is indirection.
    if inner.first() == Some(&b'#') && inner.len() > 1 {
        j = 1;
    }
    if inner.first() == Some(&b'!') {
        return;
    }
    if !inner.get(j).is_some_and(|c| is_name_start(*c)) {
        return; // `${1}`, `${@}`, `${#}`
    }
    let start = j;
    while j < inner.len() && is_name(inner[j]) {
        j += 1;
    }
    let name = String::from_utf8_lossy(&inner[start..j]).into_owned();
    if inner.get(j) == Some(&b'[') {
        j = matching(inner, j, b'[', b']');
    }
    let rest = &inner[j.min(inner.len())..];
    let op_len = [&b":-"[..], b":=", b":+", b"-", b"=", b"+"]
        .iter()
        .find(|op| rest.starts_with(op))
        .map(|op| op.len());
    match op_len {
        Some(n) => {
            let fallback = String::from_utf8_lossy(&rest[n..]).into_owned();
            out.push(Reference::Variable {
                name,
                fallback: Some(fallback),
            });
            // References inside the fallback are only used when NAME is
            // unset: optional too.
            let mut inner_refs = Vec::new();
            scan(&rest[n..], &mut inner_refs);
            out.extend(inner_refs.into_iter().map(|r| match r {
                Reference::Variable { name, fallback } => Reference::Variable {
                    name,
                    fallback: Some(fallback.unwrap_or_default()),
                },
                p => p,
            }));
        }
        None => out.push(Reference::Variable {
            name,
            fallback: None,
        }),
    }
}

/// Placeholders in one word: `<name-like-this>`, `[UPPER_CASE]`.
///
/// An angle-bracket placeholder counts when it has a `-` or `_` in it or
/// stands outside quotes (`grep "<title>"` searches for a tag).
pub fn placeholders(word: &str) -> Vec<String> {
    let s = word.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let mut quote: Option<u8> = None;
    while i < s.len() {
        let c = s[i];
        match (quote, c) {
            (None, b'\'' | b'"') => quote = Some(c),
            (Some(q), _) if c == q => quote = None,
            (_, b'$') if s.get(i + 1) == Some(&b'{') => {
                i = matching(s, i + 1, b'{', b'}');
                continue;
            }
            (_, b'<') if s.get(i + 1).is_some_and(u8::is_ascii_alphabetic) => {
                let mut j = i + 1;
                while j < s.len() && (is_name(s[j]) || s[j] == b'-') {
                    j += 1;
                }
                if s.get(j) == Some(&b'>') {
                    let body = &s[i + 1..j];
                    if quote.is_none() || body.iter().any(|&b| b == b'-' || b == b'_') {
                        out.push(String::from_utf8_lossy(&s[i..=j]).into_owned());
                    }
                    i = j + 1;
                    continue;
                }
            }
            (_, b'[') if s.get(i + 1).is_some_and(u8::is_ascii_uppercase) => {
                let mut j = i + 1;
                while j < s.len()
                    && (s[j].is_ascii_uppercase() || s[j].is_ascii_digit() || s[j] == b'_')
                {
                    j += 1;
                }
                if s.get(j) == Some(&b']') && j - i > 2 {
                    out.push(String::from_utf8_lossy(&s[i..=j]).into_owned());
                    i = j + 1;
                    continue;
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// All references of one stage: its words, prefixes, redirection targets
/// and unquoted here-document bodies.
pub fn stage_references(stage: &Stage) -> Vec<Reference> {
    let mut text = stage.text.clone();
    for h in stage.heredocs() {
        if !h.quoted {
            text.push('\n');
            // Quotes in a here-document body are literal: escape them so
            // the scanner does not take `'` as quoting.
            text.push('"');
            text.push_str(&h.body.replace('"', "\\\""));
            text.push('"');
        }
    }
    let mut refs = variable_references(&text);
    let words = stage
        .raw_argv
        .iter()
        .chain(stage.env.iter().map(|a| &a.raw_value))
        .chain(stage.defines.iter().map(|a| &a.raw_value));
    for w in words {
        for p in placeholders(w) {
            let r = Reference::Placeholder { text: p };
            if !refs.contains(&r) {
                refs.push(r);
            }
        }
    }
    for r in &stage.redirects {
        for p in placeholders(&r.target) {
            let r = Reference::Placeholder { text: p };
            if !refs.contains(&r) {
                refs.push(r);
            }
        }
    }
    refs
}

/// What `command` needs, given the names defined before it in the block.
pub fn requirements(command: &Command, defined: &[String]) -> Requirements {
    let mut req = Requirements::default();
    let mut local: Vec<String> = defined.to_vec();
    for stage in &command.stages {
        for r in stage_references(stage) {
            match r {
                Reference::Variable { name, fallback } => {
                    if local.contains(&name) || is_shell_provided(&name) {
                        continue;
                    }
                    let list = if fallback.is_some() {
                        &mut req.optional
                    } else {
                        &mut req.variables
                    };
                    if !list.contains(&name) {
                        list.push(name);
                    }
                }
                Reference::Placeholder { text } => {
                    if !req.placeholders.contains(&text) {
                        req.placeholders.push(text);
                    }
                }
            }
        }
        local.extend(stage.defines.iter().map(|a| a.name.clone()));
    }
    req.optional.retain(|n| !req.variables.contains(n));
    req
}

/// The names a command defines for the commands after it.
pub fn defined_names(command: &Command) -> Vec<String> {
    command
        .stages
        .iter()
        .flat_map(|s| s.defines.iter().map(|a| a.name.clone()))
        .collect()
}

/// Requirements of every command of a script, in order: names defined
/// earlier in the block need no outside value.
pub fn script_requirements(script: &Script) -> Vec<Requirements> {
    let mut defined: Vec<String> = Vec::new();
    script
        .commands
        .iter()
        .map(|c| {
            let r = requirements(c, &defined);
            defined.extend(defined_names(c));
            r
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::script::split_script;
    use super::*;

    fn names(text: &str) -> Vec<(String, bool)> {
        variable_references(text)
            .into_iter()
            .filter_map(|r| match r {
                Reference::Variable { name, fallback } => Some((name, fallback.is_some())),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn dollar_forms() {
        assert_eq!(
            names(
                "a $A ${B} ${C:-x} $1 $? $! '$D' \"$E\" ${#F} ${G[@]} $(echo $H) `echo $I` $((J+1))"
            ),
            [
                ("A".into(), false),
                ("B".into(), false),
                ("C".into(), true),
                ("E".into(), false),
                ("F".into(), false),
                ("G".into(), false),
                ("H".into(), false),
                ("I".into(), false),
            ]
        );
        assert_eq!(
            names("${X:-$Y} ${Z:?must be set} $'no $K'"),
            [("X".into(), true), ("Y".into(), true), ("Z".into(), false)]
        );
    }

    #[test]
    fn seed_000_bearer_token() {
        let s = split_script(
            "curl -X POST https://staging-api.yourdomain.com/xtb/v1 \\\n  -H \"Authorization: Bearer $TOKEN\" \\\n  -d '{\"molecule\": \"H2O\"}'\n",
        );
        let r = script_requirements(&s);
        assert_eq!(r[0].variables, ["TOKEN"]);
        // Seed 000: `$_GET` is inside single quotes: PHP, not bash.
        let s = split_script(
            "curl -X POST https://x/api/ai/security/analyze -H \"Authorization: Bearer $TOKEN\" -d '{\"request_data\": {\"suspicious_pattern\": \"<?php system($_GET[cmd]); ?>\"}}'",
        );
        assert_eq!(script_requirements(&s)[0].variables, ["TOKEN"]);
    }

    #[test]
    fn seed_003_capture_then_use() {
        let s = split_script(
            "STREAM_ID=$(curl -s -X POST \"https://staging-api.nova-social.io/api/v1/streams\" \\\n  -H \"Authorization: Bearer $JWT_TOKEN\" | jq -r '.id')\n\ncurl \"https://staging-api.nova-social.io/api/v1/streams/$STREAM_ID\" \\\n  -H \"Authorization: Bearer $JWT_TOKEN\"\n",
        );
        let r = script_requirements(&s);
        assert_eq!(r[0].variables, ["JWT_TOKEN"]);
        assert_eq!(r[1].variables, ["JWT_TOKEN"], "STREAM_ID is defined above");
    }

    #[test]
    fn exports_and_loops_define_names() {
        // Seed 001, Automated Validation / Smoke Test on Green.
        let s = split_script(
            "export BASE_URL=\"https://staging-api.yourdomain.com\"\ncurl $BASE_URL/health\nkubectl port-forward svc/x 8080:80 &\nPORT_FORWARD_PID=$!\nkill $PORT_FORWARD_PID\nfor service in a b; do curl \"$service\" $HOME; done\nread -r ANSWER\necho $ANSWER ${UNSET:-fallback}",
        );
        let r = script_requirements(&s);
        assert!(r.iter().all(|r| r.variables.is_empty()), "{r:#?}");
        assert_eq!(r.last().unwrap().optional, ["UNSET"]);
    }

    #[test]
    fn placeholders_in_arguments() {
        // Seed 003, Deploy PostgreSQL / Redis / ClickHouse.
        let s = split_script(
            "kubectl exec -it <postgres-pod> -- psql -U postgres -c \"SELECT 1;\"\nredis-cli -h <redis-host> ping\ncurl http://<clickhouse-host>:8123/?query=SELECT%201\n",
        );
        let r = script_requirements(&s);
        assert_eq!(r[0].placeholders, ["<postgres-pod>"]);
        assert_eq!(r[1].placeholders, ["<redis-host>"]);
        assert_eq!(r[2].placeholders, ["<clickhouse-host>"]);
        // Seed 002, Pods not starting / Rollback Steps.
        let s = split_script(
            "kubectl describe pod [POD_NAME] -n toolboxai\n./scripts/restore-database.sh --backup-id [PREVIOUS_BACKUP]\n[ -f x ] && echo \"${services[@]}\" grep \"<title>\"",
        );
        let r = script_requirements(&s);
        assert_eq!(r[0].placeholders, ["[POD_NAME]"]);
        assert_eq!(r[1].placeholders, ["[PREVIOUS_BACKUP]"]);
        assert!(r[2].placeholders.is_empty() && r[3].placeholders.is_empty());
    }

    #[test]
    fn heredoc_bodies_expand_unless_quoted() {
        let s = split_script("cat <<EOF\n$A it's\nEOF\ncat <<'EOF'\n$B\nEOF\n");
        let r = script_requirements(&s);
        assert_eq!(r[0].variables, ["A"]);
        assert!(r[1].variables.is_empty());
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,200}") {
            let _ = variable_references(&s);
            let _ = placeholders(&s);
            let script = split_script(&s);
            let _ = script_requirements(&script);
        }

        #[test]
        fn never_panics_on_dollar_soup(s in "[$'\"`(){}\\[\\]<>a-zA-Z_:#!-]{0,60}") {
            let _ = variable_references(&s);
            let _ = placeholders(&s);
        }
    }
}
