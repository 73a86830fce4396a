//! Fuzz tests (proptest, stable Rust): the planner and every recogniser
//! take any input without panicking.
//!
//! Case count: `GREENLIGHT_FUZZ_CASES` (default 256).

#[path = "../../greenlight-doc/tests/support/checklist_gen.rs"]
mod checklist_gen;

use checklist_gen::{
    annotation, checklist_bytes, command_line, command_words, comment_line, config, fence,
    k6_script, table, text_line, word,
};
use greenlight_run::analyze::{self, classify, curl, expect, native, script};
use greenlight_run::plan::{self, Plan};
use greenlight_run::profile::Profile;
use greenlight_run::{load_step, subst};
use proptest::prelude::*;
use proptest::sample::select;
use std::collections::BTreeMap;
use std::path::Path;

/// A profile that maps the generated hosts, sets some of the generated
/// variables and allows every class, so the planner walks its deeper paths.
fn wide_profile() -> Profile {
    let toml = r#"
name = "fuzz"
[hosts]
"api.example.com" = "http://127.0.0.1:9"
"api.example.com:443" = "https://127.0.0.1:9"
"bücher.example" = "http://127.0.0.1:9"
"127.0.0.1" = "http://127.0.0.1:9"
[vars]
V = "1"
TOKEN = "t0ken"
BASE_URL = "http://127.0.0.1:9"
"<api-host>" = "127.0.0.1"
[allow]
classes = ["read", "mutating", "destructive"]
load = true
"#;
    Profile::from_toml(toml, Path::new("fuzz.toml"), &|_| None)
        .unwrap_or_else(|e| panic!("the fuzz profile parses: {e}"))
}

fn plan_of(bytes: &[u8], profile: &Profile) -> Plan {
    let list = greenlight_doc::parse(bytes);
    plan::build(
        &list,
        "fuzz/CHECKLIST.md",
        profile,
        &analyze::analyze_block,
        &|p| p.len() % 2 == 0,
    )
}

/// What every plan must satisfy.
fn check_plan(plan: &Plan) {
    for (n, c) in plan.checks.iter().enumerate() {
        assert_eq!(c.index, n);
        assert!(c.item < plan.items.len(), "check {n} names item {}", c.item);
    }
    for item in &plan.items {
        assert!(item.checks.iter().all(|&c| c < plan.checks.len()));
        assert!(item.children.iter().all(|&c| c < plan.items.len()));
    }
    for phase in &plan.phases {
        assert!(phase.items.iter().all(|&i| i < plan.items.len()));
        assert!(phase.checks.iter().all(|&c| c < plan.checks.len()));
    }
    serde_json::to_string(plan).expect("a plan serialises");
}

/// A code block body: command lines and comments.
fn block_text() -> BoxedStrategy<String> {
    prop::collection::vec(
        prop_oneof![5 => command_line(), 2 => comment_line(), 1 => Just(String::new()), 1 => Just("\\".to_string())],
        0..10,
    )
    .prop_map(|l| l.join("\n"))
    .boxed()
}

fn lang() -> BoxedStrategy<Option<String>> {
    prop::option::of(select(
        &[
            "bash", "sh", "shell", "console", "sql", "js", "k6", "", "🚀",
        ][..],
    ))
    .prop_map(|l| l.map(str::to_string))
    .boxed()
}

/// Text with many references, closers and openers: what `subst` reads.
fn reference_text() -> BoxedStrategy<String> {
    prop::collection::vec(
        prop_oneof![
            2 => select(&[
                "$V", "$TOKEN", "${V}", "${A:-x}", "${A:-}", "${:-x}", "${", "}", "$", "$$", "$1",
                "<api-host>", "<redis-host>", "<", ">", "<a b>", "<x", "<<EOF", "${A:-${B}}",
                "${A:-<x>}", "$é", "${é}", "\u{E024}", "\u{E03C}", "'", "'$V'", "\"$V\"",
            ][..]).prop_map(str::to_string),
            1 => word(),
        ],
        0..30,
    )
    .prop_map(|w| w.concat())
    .boxed()
}

fn url() -> BoxedStrategy<String> {
    prop_oneof![
        2 => (
            select(&["http", "https", "HTTP", "ws", "wss", "postgres", "redis", "ftp", ""][..]),
            select(&["api.example.com", "API.Example.COM.", "127.0.0.1", "[::1]", "[::1", "bücher.example", "user:p@ss@host", "", ":", "h:99999999", "h:-1", "h:"][..]),
            "[/?#a-z0-9=&%$]{0,20}",
        )
            .prop_map(|(s, h, rest)| format!("{s}://{h}{rest}")),
        1 => "\\PC{0,40}",
    ]
    .boxed()
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn planner_takes_generated_checklists(bytes in checklist_bytes()) {
        check_plan(&plan_of(&bytes, &Profile::default()));
        check_plan(&plan_of(&bytes, &wide_profile()));
    }

    #[test]
    fn planner_takes_blocks_tables_and_annotations(
        parts in prop::collection::vec(prop_oneof![3 => fence(), 1 => table(), 1 => annotation(), 1 => text_line().prop_map(|t| format!("- [ ] {t}"))], 0..12)
    ) {
        let doc = format!("# R\n\n## Checks\n\n{}\n", parts.join("\n\n"));
        let doc = doc.into_bytes();
        check_plan(&plan_of(&doc, &Profile::default()));
        check_plan(&plan_of(&doc, &wide_profile()));
    }

    #[test]
    fn block_recognisers_take_any_block(code in block_text(), lang in lang()) {
        let a = analyze::analyze_block(&code, lang.as_deref());
        for c in &a.commands {
            prop_assert!(c.class >= greenlight_run::profile::Class::Read);
        }
        let _ = analyze::block_class_of(&code);
        let _ = script::split(&code);
        let _ = script::simple_commands(&code);
        let _ = script::pipelines(&code);
        let _ = analyze::variable_refs(&code);
    }

    #[test]
    fn inline_recogniser_takes_any_line(line in prop_oneof![3 => command_line(), 1 => "\\PC{0,80}"]) {
        let _ = analyze::analyze_inline(&line);
        let _ = analyze::block_class_of(&line);
        let _ = load_step::load_tool(&line);
        let _ = load_step::parse_k6_run(&line);
        let _ = load_step::is_k6_script(&line, Some("js"));
        let _ = greenlight_load::cli_tools::split_command(&line);
        let _ = greenlight_load::recognise_command(&line);
    }

    #[test]
    fn word_recognisers_take_any_words(words in prop_oneof![3 => command_words(), 1 => prop::collection::vec("\\PC{0,12}", 0..8)]) {
        let _ = curl::parse(&words);
        let _ = native::recognize(&words);
        let _ = classify::classify(&words);
        let _ = classify::strip_wrappers(&words);
        let _ = classify::redis_class(&words);
        let refs: Vec<&str> = words.iter().map(String::as_str).collect();
        let _ = classify::redis_command_words(&refs);
        let joined = words.join(" ");
        let _ = classify::sql_class(&joined);
        for w in &words {
            let _ = classify::program_name(w);
            let _ = classify::is_assignment(w);
        }
    }

    #[test]
    fn comment_and_annotation_parsers_take_any_text(
        c in prop_oneof![3 => comment_line(), 1 => annotation(), 1 => "\\PC{0,60}"],
        output_only in any::<bool>(),
    ) {
        let _ = expect::parse_comment(&c);
        let _ = expect::parse_expectation(&c, output_only);
        let body = c.trim_start_matches("<!-- greenlight:").trim_end_matches("-->");
        let _ = plan::parse_annotation(body);
        let _ = greenlight_run::profile::parse_duration(body.trim());
        let _ = greenlight_load::parse_duration(body.trim());
    }

    #[test]
    fn substitution_takes_any_text(text in reference_text(), provide in any::<bool>()) {
        let refs = subst::references(&text);
        let lookup = |name: &str| provide.then(|| format!("<{name}>"));
        match subst::substitute(&text, &lookup) {
            Ok(_) => prop_assert!(provide || refs.is_empty()),
            // With nothing provided, what is missing is what is referred to.
            Err(missing) => {
                prop_assert!(!provide);
                prop_assert_eq!(missing, refs);
            }
        }
        let protected = subst::protect_single_quoted(&text);
        if !text.contains(['\u{E024}', '\u{E03C}']) {
            prop_assert_eq!(subst::unprotect(&protected), text.clone());
        }
        let _ = subst::references(&protected);
    }

    #[test]
    fn host_mapping_takes_any_url(u in url(), port in any::<u16>()) {
        let mut hosts = BTreeMap::new();
        hosts.insert("api.example.com".to_string(), "http://127.0.0.1:9".to_string());
        hosts.insert("127.0.0.1:443".to_string(), "127.0.0.1:9".to_string());
        hosts.insert("bücher.example".to_string(), "[::1]:9".to_string());
        hosts.insert("x".to_string(), "".to_string());
        let _ = subst::map_url(&u, &hosts);
        let _ = subst::url_host(&u);
        if let Some(h) = subst::url_host(&u) {
            let _ = subst::map_addr(&h, port, &hosts);
        }
    }

    #[test]
    fn k6_recogniser_takes_any_script(script in prop_oneof![4 => k6_script(), 1 => "\\PC{0,200}"]) {
        if let Ok(k6) = greenlight_load::recognise_k6(&script) {
            let _ = k6.required_env();
            let _ = k6.thresholds();
            let _ = k6.checks();
            let _ = k6.resolve(|_| None);
            let _ = k6.resolve(|n| Some(format!("http://127.0.0.1:9/{n}")));
        }
    }

    #[test]
    fn threshold_parser_takes_any_expression(
        metric in prop_oneof![select(&["http_req_duration", "http_req_failed", "http_reqs", "checks", "http_req_duration{name:x}", "iterations", ""][..]).prop_map(str::to_string), "\\PC{0,20}"],
        expr in prop_oneof![
            3 => (
                select(&["p(95)", "p(99.9)", "p(0)", "p(100)", "p(", "p()", "avg", "min", "max", "med", "rate", "count", "value", ""][..]),
                select(&["<", "<=", ">", ">=", "==", "===", "!=", "", "<<"][..]),
                select(&["500", "0.01", "1e309", "-1", "99999999999999999999999", "NaN", "", "1.2.3", "0x10"][..]),
            ).prop_map(|(a, o, v)| format!("{a}{o}{v}")),
            1 => "\\PC{0,20}",
        ],
    ) {
        let _ = greenlight_load::parse_threshold(&metric, &expr);
    }

    #[test]
    fn metric_table_parser_takes_any_table(
        header in prop::collection::vec(prop_oneof![word(), text_line()], 0..5),
        rows in prop::collection::vec(prop::collection::vec(prop_oneof![word(), text_line()], 0..6), 0..5),
    ) {
        let gates = load_step::metric_gates(&header, &rows);
        for g in &gates {
            prop_assert!(g.row < rows.len());
        }
        for cell in header.iter().chain(rows.iter().flatten()) {
            if let Some(f) = load_step::LoadFigure::recognise(cell) {
                let _ = f.parse_limit(cell);
            }
        }
    }
}

/// Deeply nested text: recursive parsers must refuse it, not overflow the
/// stack (an abort that no test harness can catch).
fn nested() -> BoxedStrategy<String> {
    (
        select(
            &[
                ("(", ")"),
                ("{a:", "}"),
                ("[", "]"),
                ("`${", "}`"),
                ("$(", ")"),
                ("\"$(", ")\""),
                ("{\"a\":", "}"),
                ("> ", ""),
                ("- ", ""),
                ("!", ""),
                ("-", ""),
                ("f(", ")"),
                ("() => ", ""),
                ("if (1) ", ""),
                ("*", "*"),
                ("[", "](x)"),
                ("<div>", "</div>"),
            ][..],
        ),
        0..3000usize,
    )
        .prop_map(|((open, close), n)| format!("{}1{}", open.repeat(n), close.repeat(n)))
        .boxed()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: config().cases.min(64), ..config() })]

    #[test]
    fn deep_nesting_is_refused_not_a_stack_overflow(inner in nested()) {
        let k6 = format!("import http from 'k6/http';\nexport default function () {{ http.get({inner}); }}\n");
        let _ = greenlight_load::recognise_k6(&k6);
        let doc = format!(
            "# R\n\n## C\n\n- [ ] {inner}\n\n```bash\ncurl -s http://api.example.com/{inner}\n# Expected: {inner}\n```\n\n```javascript\n{k6}```\n"
        );
        check_plan(&plan_of(doc.as_bytes(), &wide_profile()));
        let _ = analyze::analyze_block(&inner, Some("bash"));
    }
}

/// Inputs found while fuzzing, kept as plain regression tests.
mod found {
    use super::*;

    #[test]
    fn many_distinct_references_on_one_line_plan_in_one_pass() {
        // Was quadratic (12 s for 100k): kept small here, bench/scale.sh
        // measures the large case.
        let url: String = (0..2000).map(|i| format!("a{i}=$V{i}&")).collect();
        let doc =
            format!("# R\n\n- [ ] refs\n\n```bash\ncurl -s https://api.example.com/x?{url}\n```\n");
        let plan = plan_of(doc.as_bytes(), &Profile::default());
        check_plan(&plan);
        let blocked = format!("{:?}", plan.checks[0].gate);
        assert!(
            blocked.contains("V0") && blocked.contains("V1999"),
            "{blocked}"
        );
    }

    #[test]
    fn openers_without_closers() {
        for text in ["${A:-x", "<<<<<<", "${${${", "<a-b", "${A:-${B}", "$"] {
            let refs = subst::references(text);
            assert_eq!(
                subst::substitute(text, &|_| None).err().unwrap_or_default(),
                refs
            );
        }
        assert_eq!(subst::references("${A:-${B}}"), Vec::<String>::new());
        assert_eq!(subst::references("<a<bc>"), vec!["<bc>".to_string()]);
        assert_eq!(subst::references("<a<b>"), Vec::<String>::new());
    }
}

mod found_k6 {
    const HEAD: &str = "import http from 'k6/http';\nimport { sleep } from 'k6';\n";

    fn recognise(body: &str) {
        let script = format!("{HEAD}{body}");
        if let Ok(k6) = greenlight_load::recognise_k6(&script) {
            let _ = k6.resolve(|_| None);
        }
    }

    #[test]
    fn huge_or_negative_sleep_and_timeout() {
        for body in [
            "export default function () { http.get('http://127.0.0.1:9/'); sleep(1e309); }",
            "export default function () { http.get('http://127.0.0.1:9/'); sleep(-1); }",
            "export default function () { http.get('http://127.0.0.1:9/'); sleep(1e300); }",
            "export default function () { http.get('http://127.0.0.1:9/', { timeout: 1e309 }); }",
            "export default function () { http.get('http://127.0.0.1:9/', { timeout: 1e300 }); }",
            "export const options = { vus: 1e309, duration: '1e309s' };\nexport default function () { http.get('http://127.0.0.1:9/'); }",
            "export const options = { vus: -1, iterations: 1e300 };\nexport default function () { http.get('http://127.0.0.1:9/'); }",
            "export const options = { stages: [{ duration: '1e300s', target: 1e300 }] };\nexport default function () { http.get('http://127.0.0.1:9/'); }",
            "export const options = { scenarios: { a: { executor: 'constant-arrival-rate', rate: 1e309, timeUnit: '0s', duration: '1m', preAllocatedVUs: 1 } } };\nexport default function () { http.get('http://127.0.0.1:9/'); }",
        ] {
            recognise(body);
        }
    }
}
