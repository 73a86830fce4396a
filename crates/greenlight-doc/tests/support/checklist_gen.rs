//! Grammar-ish proptest strategies for checklist documents and command
//! lines, shared by the fuzz tests of greenlight-doc and greenlight-run
//! (included with `#[path]`).
//!
//! Fragments are picked from what real checklists contain and from what
//! breaks parsers: quotes, `$(`, backslashes, multibyte characters, huge
//! numbers, unclosed fences, odd info strings, CRLF, a BOM, Windows-1252
//! bytes and invalid UTF-8.

#![allow(dead_code)]

use proptest::prelude::*;
use proptest::sample::select;

/// Cases per fuzz test: `GREENLIGHT_FUZZ_CASES`, default 256 (the normal
/// test run stays fast; CI sets a larger bounded value).
pub fn cases() -> u32 {
    std::env::var("GREENLIGHT_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256)
}

/// A proptest config with [`cases`] cases and shrinking bounded in time.
pub fn config() -> ProptestConfig {
    ProptestConfig {
        cases: cases(),
        max_shrink_time: 60_000,
        ..ProptestConfig::default()
    }
}

const ODD: &[&str] = &[
    "é",
    "✅",
    "🚀",
    "中文",
    "\u{200B}",
    "\u{202E}",
    "\u{FEFF}",
    "\u{E024}",
    "\u{E03C}",
    "â€™",
    "âœ…",
    "Ã©",
    "ðŸš€",
    "\u{0}",
    "\t",
    "\r",
    "\u{1b}[2J",
    "\\",
    "\\\\",
    "'",
    "\"",
    "`",
    "``",
    "$(",
    ")",
    "$((1+",
    "${",
    "}",
    "${A:-",
    "$",
    "<",
    ">",
    "<<",
    "[",
    "]",
    "[ ]",
    "|",
    "**",
    "__",
    "#",
    "<!--",
    "-->",
    "&",
    ";",
    "%",
    "%{http_code}",
    "%%",
    "99999999999999999999999999",
    "18446744073709551616",
    "-9223372036854775809",
    "1e309",
    "NaN",
    "0x",
    "-0",
    "0.",
    ".5",
    "1_000",
];

const WORDS: &[&str] = &[
    "API",
    "health",
    "check",
    "verify",
    "database",
    "Redis",
    "rollback",
    "Rollback",
    "monitoring",
    "Monitor",
    "Sign-off",
    "Sign-Off",
    "Approval",
    "approvals",
    "Technical Lead",
    "QA",
    "CTO",
    "Release Manager",
    "Date",
    "Name",
    "Signature",
    "Blocker",
    "[blocker]",
    "(Critical)",
    "CRITICAL",
    "P0",
    "P2",
    "optional",
    "(optional)",
    "should-fix",
    "Must Fix",
    "Required",
    "nice to have",
    "5 minutes",
    "(30 min)",
    "~2h",
    "1-2 hours",
    "15m",
    "T-30",
    "⏱️ 10 min",
    "99999999999 minutes",
    "0 seconds",
    "Preparation",
    "Pre-deployment",
    "Post-deploy",
    "Phase 1",
    "1.",
    "2)",
    "`GET /api/v1/streams/active`",
    "`curl -s https://api.example.com/health`",
    "`psql -c 'select 1'`",
    "`redis-cli PING`",
    "____",
    "______________",
    "[Your Name]",
    "Response Time (p95)",
    "Error rate",
    "Throughput",
];

/// One word of prose: plain, checklist vocabulary, or something odd.
pub fn word() -> BoxedStrategy<String> {
    prop_oneof![
        3 => "[a-zA-Z0-9]{1,8}",
        3 => select(WORDS).prop_map(str::to_string),
        2 => select(ODD).prop_map(str::to_string),
        1 => "\\PC{1,4}",
        1 => "[0-9]{1,30}",
    ]
    .boxed()
}

/// A line of prose.
pub fn text_line() -> BoxedStrategy<String> {
    prop::collection::vec(word(), 0..8)
        .prop_map(|w| w.join(" "))
        .boxed()
}

const PROGRAMS: &[&str] = &[
    "curl",
    "curl -s",
    "curl -sX DELETE",
    "curl -fsSL",
    "http",
    "wget -qO-",
    "psql",
    "psql \"$DATABASE_URL\"",
    "pg_isready",
    "redis-cli",
    "redis-cli -h <redis-host> -p 6379",
    "kubectl",
    "kubectl -n prod get",
    "docker compose -f x.yml ps",
    "helm",
    "git -C dir status",
    "k6 run",
    "k6 run script.js",
    "ab",
    "hey",
    "wrk",
    "oha",
    "nc -zv",
    "openssl s_client -connect",
    "dig",
    "nslookup",
    "jq",
    "grep",
    "echo",
    "export A=1",
    "export BASE_URL=https://api.example.com",
    "TOKEN=$(cat token)",
    "sudo",
    "env X=1",
    "timeout 5",
    "nice",
    "xargs",
    "watch -n 5",
    "sh -c",
    "bash -c",
    "eval",
    "sed -i",
    "awk",
    "tee",
    "rm -rf",
    "sleep 99999999999999999999",
    "for i in 1 2; do",
    "done",
    "if",
    "then",
    "fi",
    "ssh host",
    "aws s3 ls",
    "gcloud",
    "terraform plan",
    "clickhouse-client",
    "websocat",
    "wscat -c",
];

const ARGS: &[&str] = &[
    "-s",
    "-sS",
    "-sSd",
    "-X",
    "-XPOST",
    "-iX",
    "PATCH",
    "DELETE",
    "POST",
    "GET",
    "HEAD",
    "-H",
    "'Authorization: Bearer $TOKEN'",
    "\"Content-Type: application/json\"",
    "'X-HTTP-Method-Override: DELETE'",
    "-d",
    "'{\"a\": 1}'",
    "--data-binary",
    "@file.json",
    "-o",
    "/dev/null",
    "-O",
    "-K",
    "cfg",
    "-w",
    "'%{http_code}\\n'",
    "--max-time",
    "5",
    "-m",
    "0",
    "-u",
    "user:$PASS",
    "-k",
    "-L",
    "--resolve",
    "--dry-run",
    "--dry-run=none",
    "--dry-run=client",
    "https://api.example.com/v1/streams?limit=10&x=$V",
    "https://api.example.com./x",
    "HTTPS://API.EXAMPLE.COM:443/",
    "http://[::1]:8080/health",
    "http://127.0.0.1:99999999/",
    "http://localhost:-1/",
    "http://user:p%40ss@host/",
    "https://",
    "://",
    "http://ex ample.com/",
    "https://xn--bcher-kva.example/",
    "https://bücher.example/",
    "$BASE_URL/health",
    "${BASE_URL:-http://localhost:8080}/x",
    "<api-host>",
    "postgres://postgres@127.0.0.1:5432/test",
    "redis://127.0.0.1:6379/0",
    "-c",
    "\"SELECT 1\"",
    "\"SELECT pg_terminate_backend(pid) FROM pg_stat_activity\"",
    "'select setval(''s'', 1)'",
    "-f",
    "x.sql",
    "-t",
    "-A",
    "-h",
    "-p",
    "-U",
    "postgres",
    "-d",
    "test",
    "PING",
    "GET",
    "KEYS",
    "'*'",
    "CLIENT",
    "KILL",
    "SLOWLOG",
    "RESET",
    "EVAL_RO",
    "INFO",
    "replication",
    "pods",
    "get",
    "delete",
    "rollout",
    "status",
    "deploy/api",
    "-n",
    "-c",
    "10",
    "-z",
    "30s",
    "-d",
    "10s",
    "-t",
    "4",
    "-R",
    "1000",
    "--rate",
    "-q",
    "--vus",
    "--duration",
    "1m",
    "-e",
    "K6_X=1",
    "|",
    "| jq .",
    "| jq -r '.status'",
    "| grep -q ok",
    "&&",
    "||",
    ";",
    ">",
    ">>",
    "out.txt",
    "2>&1",
    "< in.txt",
    "<<EOF",
    "$(date)",
    "$(curl -s x)",
    "`whoami`",
    "\\",
    "\\\n",
    "'unterminated",
    "\"unterminated",
    "\"$(\"",
    "-é",
    "-éx",
    "--é=1",
    "-€1",
    "✅",
    "99999999999999999999",
    "-99999999999999999999",
    "1e309",
    "4294967296",
    "18446744073709551616",
];

/// One command line: a program and arguments from the fragment lists, or
/// some random text now and then.
pub fn command_line() -> BoxedStrategy<String> {
    prop_oneof![
        8 => (
            select(PROGRAMS),
            prop::collection::vec(
                prop_oneof![6 => select(ARGS).prop_map(str::to_string), 1 => word()],
                0..10
            )
        )
            .prop_map(|(p, a)| format!("{p} {}", a.join(" "))),
        1 => text_line(),
        1 => "[ -~]{0,60}",
    ]
    .boxed()
}

/// The words of a command line, for recognisers that take words.
pub fn command_words() -> BoxedStrategy<Vec<String>> {
    (
        select(PROGRAMS),
        prop::collection::vec(
            prop_oneof![6 => select(ARGS).prop_map(str::to_string), 1 => word()],
            0..12,
        ),
    )
        .prop_map(|(p, a)| {
            let mut words: Vec<String> = p.split(' ').map(str::to_string).collect();
            words.extend(a);
            words
        })
        .boxed()
}

const EXPECTATIONS: &[&str] = &[
    "200",
    "HTTP 200",
    "HTTP/1.1 200 OK",
    "2xx",
    "status 204",
    "999",
    "0",
    "{\"status\": \"ok\"}",
    "{\"status\":",
    "[1, 2",
    "contains ok",
    "PONG",
    "(1 row)",
    "1 row",
    "0 rows",
    "< 300ms",
    "<300 ms",
    "> 99.9%",
    "under 1s",
    "returns 0",
    "exit code 0",
    "no errors",
    "\"healthy\"",
    "`ok`",
    "true",
    "t",
    "accepting connections",
    "99999999999999999999999 ms",
];

/// A comment line a block may carry, mostly `# Expected: …`.
pub fn comment_line() -> BoxedStrategy<String> {
    prop_oneof![
        4 => (
            select(&["# Expected:", "# expected:", "# Expect:", "# Expected output:", "# Should return", "# →", "#Expected"][..]),
            prop::collection::vec(
                prop_oneof![3 => select(EXPECTATIONS).prop_map(str::to_string), 1 => word()],
                0..4
            )
        )
            .prop_map(|(h, e)| format!("{h} {}", e.join(" "))),
        1 => text_line().prop_map(|t| format!("# {t}")),
    ]
    .boxed()
}

const ANNOTATIONS: &[&str] = &[
    "eventually 30s",
    "eventually 99999999999999999999s",
    "eventually",
    "expect 200",
    "expect status 2xx",
    "expect json .status == \"ok\"",
    "expect",
    "skip",
    "manual",
    "class read",
    "timeout 5s",
    "retry 3",
    "",
];

/// An HTML comment annotation: `<!-- greenlight: … -->`.
pub fn annotation() -> BoxedStrategy<String> {
    (
        prop::collection::vec(
            prop_oneof![3 => select(ANNOTATIONS).prop_map(str::to_string), 1 => word()],
            0..4,
        ),
        any::<bool>(),
    )
        .prop_map(|(parts, closed)| {
            format!(
                "<!-- greenlight: {}{}",
                parts.join("; "),
                if closed { " -->" } else { "" }
            )
        })
        .boxed()
}

const K6_PARTS: &[&str] = &[
    "import http from 'k6/http';",
    "import { check, sleep } from 'k6';",
    "export const options = { vus: 10, duration: '30s' };",
    "export const options = { stages: [{ duration: '1m', target: 50 }, { duration: '99999999999999h', target: 0 }] };",
    "export const options = { thresholds: { http_req_duration: ['p(95)<500', 'p(99)<1500'], http_req_failed: ['rate<0.01'] } };",
    "export const options = { thresholds: { 'http_req_duration{name:x}': ['avg<'] } };",
    "export const options = { scenarios: { a: { executor: 'constant-arrival-rate', rate: 1e309, timeUnit: '1s', duration: '1m', preAllocatedVUs: 4294967296 } } };",
    "const BASE = __ENV.BASE_URL || 'https://api.example.com';",
    "const URL = `${__ENV.BASE_URL}/health`;",
    "export default function () {",
    "  const res = http.get(`${BASE}/health`, { headers: { Authorization: `Bearer ${__ENV.TOKEN}` } });",
    "  http.post('https://api.example.com/x', JSON.stringify({ a: 1 }));",
    "  check(res, { 'status is 200': (r) => r.status === 200, 'fast': (r) => r.timings.duration < 300 });",
    "  sleep(1);",
    "  sleep(-1);",
    "}",
    "};",
    "{",
    "(",
    ")",
    "'unterminated",
    "`${",
    "/* comment",
    "// comment ✅",
    "let x = 1 +;",
    "http.batch([['GET', 'https://x/']]);",
];

/// A k6 script made of statements real scripts use, in any order, with
/// junk tokens mixed in.
pub fn k6_script() -> BoxedStrategy<String> {
    prop::collection::vec(
        prop_oneof![5 => select(K6_PARTS).prop_map(str::to_string), 1 => word()],
        0..14,
    )
    .prop_map(|parts| parts.join("\n"))
    .boxed()
}

const CELLS: &[&str] = &[
    "Metric",
    "Target",
    "Critical",
    "Threshold",
    "SLA",
    "Max",
    "Alert",
    "Response Time (p95)",
    "p99 latency",
    "Average response",
    "Error rate",
    "Errors",
    "Throughput",
    "RPS",
    "< 300ms",
    "<500 ms",
    "> 1000 rps",
    "< 1%",
    "< 0.1 %",
    "≤ 2s",
    "< 99999999999999999999ms",
    "< -1ms",
    "> 1e309 rps",
    "< ms",
    "✅",
    "",
    " ",
    "`code`",
    "**bold**",
];

/// A Markdown table, often a metric table, with ragged rows.
pub fn table() -> BoxedStrategy<String> {
    (
        prop::collection::vec(select(CELLS), 1..5),
        prop::collection::vec(prop::collection::vec(select(CELLS), 0..6), 0..5),
        any::<bool>(),
    )
        .prop_map(|(header, rows, outer)| {
            let row = |cells: &[&str]| {
                if outer {
                    format!("| {} |", cells.join(" | "))
                } else {
                    cells.join(" | ")
                }
            };
            let mut out = vec![row(&header)];
            out.push(row(&vec!["---"; header.len()]));
            out.extend(rows.iter().map(|r| row(r)));
            out.join("\n")
        })
        .boxed()
}

/// A fenced (or indented) code block, sometimes unclosed, with an info
/// string that may be odd.
pub fn fence() -> BoxedStrategy<String> {
    let info = select(
        &[
            "",
            "bash",
            "sh",
            "shell",
            "console",
            "zsh",
            "sql",
            "json",
            "javascript",
            "js",
            "k6",
            "yaml",
            " bash {.numberLines}",
            "bash title=\"a b\"",
            "sh`x",
            "🚀",
            "bash\u{0}",
            "BASH",
            "curl",
            "http",
        ][..],
    );
    let body = prop_oneof![
        5 => prop::collection::vec(
            prop_oneof![5 => command_line(), 2 => comment_line(), 1 => Just(String::new())],
            0..8
        )
        .prop_map(|l| l.join("\n")),
        2 => k6_script(),
        1 => "\\PC{0,80}",
    ];
    (
        select(&["```", "~~~", "````", "`` ", "    "][..]),
        info,
        body,
        0..4u8,
        0..3usize,
    )
        .prop_map(|(open, info, body, close, indent)| {
            let pad = " ".repeat(indent * 2);
            if open == "    " {
                return body
                    .lines()
                    .map(|l| format!("{pad}    {l}"))
                    .collect::<Vec<_>>()
                    .join("\n");
            }
            let closer = match close {
                0 => String::new(),
                1 => format!("\n{pad}{}", &open[..open.len().min(2)]),
                _ => format!("\n{pad}{open}"),
            };
            let body = body
                .lines()
                .map(|l| format!("{pad}{l}"))
                .collect::<Vec<_>>()
                .join("\n");
            format!("{pad}{open}{info}\n{body}{closer}")
        })
        .boxed()
}

/// A checkbox or list line, nested 0–4 levels, with any marker.
pub fn checkbox() -> BoxedStrategy<String> {
    (
        0..5usize,
        select(&["-", "*", "+", "1.", "2)", "10.", "-\t"][..]),
        select(&["[ ]", "[x]", "[X]", "[]", "[ x]", "[x ]", "", "[-]", "[✓]"][..]),
        text_line(),
        any::<bool>(),
    )
        .prop_map(|(depth, marker, box_, text, tab)| {
            let indent = if tab {
                "\t".repeat(depth)
            } else {
                "  ".repeat(depth)
            };
            format!("{indent}{marker} {box_} {text}")
        })
        .boxed()
}

/// A heading, ATX or setext, with budget and severity words mixed in.
pub fn heading() -> BoxedStrategy<String> {
    (1..8usize, text_line(), 0..3u8)
        .prop_map(|(level, text, style)| match style {
            0 | 1 => format!("{} {text}", "#".repeat(level)),
            _ => format!("{text}\n{}", if level == 1 { "===" } else { "---" }),
        })
        .boxed()
}

const SIGNOFFS: &[&str] = &[
    "**Technical Lead:** ______ Date: ____",
    "- [ ] QA Lead: ____________",
    "- [ ] **CTO/Chief Architect** — Signature: ______ Date: ______",
    "Approved by: ____",
    "| Role | Name | Signature | Date |",
    "| Release Manager | | | |",
    "Signed: ___ (Product Owner)",
    "**Release Manager:** [Your Name]",
    "Date: ____ Time: ____",
];

/// One element of a checklist.
pub fn element() -> BoxedStrategy<String> {
    prop_oneof![
        4 => checkbox(),
        2 => heading(),
        3 => fence(),
        2 => text_line(),
        1 => table(),
        1 => select(SIGNOFFS).prop_map(str::to_string),
        1 => annotation(),
        1 => command_line().prop_map(|c| format!("- [ ] run `{c}`")),
        1 => Just(String::new()),
        1 => Just("---".to_string()),
        1 => Just("> quote".to_string()),
        1 => Just("<details><summary>x</summary>".to_string()),
    ]
    .boxed()
}

/// A checklist document as text (front matter now and then).
pub fn checklist_text() -> BoxedStrategy<String> {
    (any::<bool>(), prop::collection::vec(element(), 0..40))
        .prop_map(|(front, parts)| {
            let mut out = if front {
                "---\ntitle: x\nowner: ✅\n---\n".to_string()
            } else {
                String::new()
            };
            out.push_str(&parts.join("\n"));
            out.push('\n');
            out
        })
        .boxed()
}

/// How the bytes of a document are spoiled after it was written.
#[derive(Debug, Clone)]
pub enum Spoil {
    None,
    Crlf,
    Bom,
    BomCrlf,
    /// Windows-1252 bytes (`\x80`–`\x9F`, `\xE9`) put at these positions.
    Cp1252(Vec<(usize, u8)>),
    /// Arbitrary bytes put at these positions (mostly invalid UTF-8).
    Bytes(Vec<(usize, u8)>),
    /// Cut at this position (possibly inside a character).
    Truncate(usize),
    /// Lone CR line ends.
    Cr,
}

fn spoil() -> BoxedStrategy<Spoil> {
    prop_oneof![
        4 => Just(Spoil::None),
        1 => Just(Spoil::Crlf),
        1 => Just(Spoil::Bom),
        1 => Just(Spoil::BomCrlf),
        1 => prop::collection::vec((any::<usize>(), prop_oneof![0x80..=0x9Fu8, Just(0xE9u8), Just(0xEFu8)]), 1..6)
            .prop_map(Spoil::Cp1252),
        1 => prop::collection::vec((any::<usize>(), any::<u8>()), 1..6).prop_map(Spoil::Bytes),
        1 => any::<usize>().prop_map(Spoil::Truncate),
        1 => Just(Spoil::Cr),
    ]
    .boxed()
}

/// Applies a [`Spoil`] to a document's text.
pub fn apply(text: &str, how: &Spoil) -> Vec<u8> {
    let insert = |at: &[(usize, u8)]| {
        let mut b = text.as_bytes().to_vec();
        for &(pos, byte) in at {
            let pos = pos % (b.len() + 1);
            b.insert(pos, byte);
        }
        b
    };
    match how {
        Spoil::None => text.as_bytes().to_vec(),
        Spoil::Crlf => text.replace('\n', "\r\n").into_bytes(),
        Spoil::Bom => [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat(),
        Spoil::BomCrlf => [
            b"\xEF\xBB\xBF".as_slice(),
            text.replace('\n', "\r\n").as_bytes(),
        ]
        .concat(),
        Spoil::Cp1252(at) | Spoil::Bytes(at) => insert(at),
        Spoil::Truncate(n) => text.as_bytes()[..n % (text.len() + 1)].to_vec(),
        Spoil::Cr => text.replace('\n', "\r").into_bytes(),
    }
}

/// A generated checklist's bytes, spoiled one way or another.
pub fn checklist_bytes() -> BoxedStrategy<Vec<u8>> {
    (checklist_text(), spoil())
        .prop_map(|(text, how)| apply(&text, &how))
        .boxed()
}
