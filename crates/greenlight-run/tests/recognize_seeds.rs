//! Every fenced block of the five seed checklists through the recognizers:
//! nothing panics, every command gets a class, and what the seeds say is
//! understood. `cargo test -p greenlight-run --test recognize_seeds -- --nocapture`
//! prints the recognition table.

use greenlight_run::recognize::classify::SafetyClass;
use greenlight_run::recognize::commands::NativeStep;
use greenlight_run::recognize::expect::Assertion;
use greenlight_run::recognize::{BlockKind, RecognizedBlock, recognize_block};
use serde_json::json;
use std::collections::BTreeMap;

/// A fenced block of a seed.
struct Block {
    file: String,
    /// 1-based line in the file of the block's first line.
    first_line: usize,
    lang: Option<String>,
    text: String,
}

/// A tiny line-based fence splitter: ``` fences, possibly indented inside
/// list items; the indentation of the opening fence is removed.
fn blocks(file: &str, text: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut lines = text.lines().enumerate();
    while let Some((n, line)) = lines.next() {
        let trimmed = line.trim_start();
        let Some(info) = trimmed.strip_prefix("```") else {
            continue;
        };
        let indent = line.len() - trimmed.len();
        let lang = info.split_whitespace().next().map(str::to_string);
        let mut body = Vec::new();
        for (_, l) in lines.by_ref() {
            if l.trim_start().starts_with("```") {
                break;
            }
            let strip = l.len() - l.trim_start().len();
            body.push(&l[strip.min(indent)..]);
        }
        out.push(Block {
            file: file.to_string(),
            first_line: n + 2,
            lang,
            text: body.join("\n") + "\n",
        });
    }
    out
}

fn seeds() -> Vec<Block> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/seeds");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("seed fixtures")
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert_eq!(files.len(), 5, "five seeds");
    files
        .iter()
        .flat_map(|p| {
            let bytes = std::fs::read(p).unwrap();
            let text = String::from_utf8_lossy(&bytes).into_owned();
            let name = p.file_name().unwrap().to_string_lossy()[..3].to_string();
            blocks(&name, &text)
        })
        .collect()
}

fn recognized() -> Vec<(Block, RecognizedBlock)> {
    seeds()
        .into_iter()
        .map(|b| {
            let r = recognize_block(&b.text, b.lang.as_deref());
            (b, r)
        })
        .collect()
}

/// The recognised block containing `needle` in seed `file`.
fn find<'a>(all: &'a [(Block, RecognizedBlock)], file: &str, needle: &str) -> &'a RecognizedBlock {
    let found: Vec<_> = all
        .iter()
        .filter(|(b, _)| b.file == file && b.text.contains(needle))
        .collect();
    assert!(!found.is_empty(), "{file}: no block with {needle:?}");
    &found[0].1
}

#[test]
fn every_block_is_recognised_and_every_command_classified() {
    let all = recognized();
    assert!(all.len() > 100, "{} blocks", all.len());
    for (b, r) in &all {
        let at = format!("{}:{}", b.file, b.first_line);
        if matches!(r.kind, BlockKind::Shell | BlockKind::Sql { .. }) && !r.commands.is_empty() {
            assert!(r.class.decided_by.is_some(), "{at}: no deciding command");
        }
        for c in &r.commands {
            assert!(c.classification.class >= SafetyClass::Read, "{at}");
            assert!(c.line >= 1 && c.end_line >= c.line, "{at}");
            assert!(
                c.native.is_some() || c.shell_reason.is_some(),
                "{at}: {}",
                c.text
            );
            assert!(c.classification.class <= r.class.class, "{at}: {}", c.text);
            if c.classification.class > SafetyClass::Read {
                assert!(
                    !c.classification.reasons.is_empty(),
                    "{at}: {} has no reason",
                    c.text
                );
            }
        }
        assert!(r.issues.is_empty(), "{at}: {:?}", r.issues);
    }
}

#[test]
fn seed_001_health_check_is_a_native_get_with_a_json_subset() {
    let all = recognized();
    let b = find(
        &all,
        "001",
        "curl -f https://staging-api.yourdomain.com/health\n\n# Expected: {\"status\": \"healthy\"}",
    );
    let c = b
        .commands
        .iter()
        .find(|c| c.text == "curl -f https://staging-api.yourdomain.com/health")
        .unwrap();
    match &c.native {
        Some(NativeStep::Http(s)) => {
            assert_eq!(s.method, "GET");
            assert!(s.fail);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        c.assertions,
        [Assertion::JsonSubset(json!({"status": "healthy"}))]
    );
    assert_eq!(c.classification.class, SafetyClass::Read);
}

#[test]
fn seed_000_basic_health_checks() {
    let all = recognized();
    let b = find(
        &all,
        "000",
        "# Expected: 200 OK with {\"status\": \"healthy\"}",
    );
    assert_eq!(b.class.class, SafetyClass::Read);
    let a: Vec<&Vec<Assertion>> = b.commands.iter().map(|c| &c.assertions).collect();
    assert_eq!(
        a,
        [
            &vec![
                Assertion::StatusCode(200),
                Assertion::JsonSubset(json!({"status": "healthy"}))
            ],
            &vec![Assertion::JsonSubset(
                json!({"version": "8.0.0", "build": "staging"})
            )],
            &vec![Assertion::StatusCode(200)],
        ]
    );
    assert!(
        b.commands
            .iter()
            .all(|c| matches!(c.native, Some(NativeStep::Http(_))))
    );
}

#[test]
fn kubectl_apply_blocks_are_mutating() {
    let all = recognized();
    let mut seen = 0;
    for (b, r) in &all {
        for line in b.text.lines() {
            let l = line.trim();
            if l.starts_with("kubectl apply") && !l.contains("--dry-run") {
                seen += 1;
                assert!(
                    r.class.class >= SafetyClass::Mutating,
                    "{}:{}: {l}",
                    b.file,
                    b.first_line
                );
            }
        }
    }
    assert!(seen >= 10, "{seen} kubectl apply lines");
    // Dry runs are read.
    let r = find(&all, "002", "kubectl apply --dry-run=client -k");
    assert_eq!(r.commands[1].classification.class, SafetyClass::Read);
}

#[test]
fn rollback_blocks_are_destructive() {
    let all = recognized();
    // Seed 000, Emergency Rollback Plan: patch, pg_restore, curl, logs.
    let r = find(&all, "000", "pg_restore -d nox_production");
    assert_eq!(r.class.class, SafetyClass::Destructive);
    let (line, text) = r.class.decided_by.clone().unwrap();
    assert!(text.starts_with("pg_restore"), "{text}");
    assert_eq!(line, 8);
    // Seed 000, Environment Cleanup: kubectl delete first.
    let r = find(&all, "000", "kubectl delete namespace nox-staging-green");
    assert_eq!(r.class.class, SafetyClass::Destructive);
    assert!(
        r.class
            .decided_by
            .as_ref()
            .unwrap()
            .1
            .starts_with("kubectl delete")
    );
    // Seed 001, Database Rollback through kubectl exec.
    let r = find(&all, "001", "-- pg_restore -d nox_production");
    assert_eq!(r.class.class, SafetyClass::Destructive);
    // Seed 003, sqlx migrate revert.
    let r = find(&all, "003", "sqlx migrate revert --all");
    assert_eq!(r.class.class, SafetyClass::Destructive);
}

#[test]
fn seed_003_probes_and_captures() {
    let all = recognized();
    let r = find(&all, "003", "redis-cli -h <redis-host> ping");
    let c = &r.commands[1];
    assert!(matches!(&c.native, Some(NativeStep::RedisCli { args, .. }) if args == &["ping"]));
    assert_eq!(c.requirements.placeholders, ["<redis-host>"]);
    let r = find(&all, "003", "STREAM_ID=$(curl");
    assert_eq!(r.class.class, SafetyClass::Mutating);
    assert!(matches!(
        &r.commands[0].native,
        Some(NativeStep::Capture { var, jq_filter: Some(f), .. }) if var == "STREAM_ID" && f == ".id"
    ));
    assert!(
        r.commands[1..]
            .iter()
            .all(|c| c.requirements.variables == ["JWT_TOKEN"])
    );
    assert!(matches!(&r.commands[3].native, Some(NativeStep::Http(s)) if s.method == "DELETE"));
    let r = find(&all, "003", "kubectl exec -it <postgres-pod>");
    assert!(r.commands[1].native.is_none());
    assert_eq!(r.commands[1].requirements.placeholders, ["<postgres-pod>"]);
}

#[test]
fn seed_001_expectations_that_need_people() {
    let all = recognized();
    let r = find(&all, "001", "./scripts/verify_env.py");
    assert_eq!(
        r.commands[0].assertions,
        [Assertion::Unverifiable(
            "All dependencies PASS (RDKit, Psi4, Cantera, XTB)".into()
        )]
    );
    let r = find(&all, "001", "# Expected: Valid authorization URLs");
    let oauth: Vec<_> = r
        .commands
        .iter()
        .filter(|c| c.text.contains("/api/auth/"))
        .collect();
    assert_eq!(oauth.len(), 3);
    for c in oauth {
        assert_eq!(
            c.assertions,
            [Assertion::Unverifiable("Valid authorization URLs".into())]
        );
    }
    let r = find(&all, "001", "./scripts/validate_staging.sh\n\n\n# MUST SEE");
    let c = r
        .commands
        .iter()
        .find(|c| c.text == "./scripts/validate_staging.sh")
        .unwrap();
    assert_eq!(
        c.assertions,
        [Assertion::BodyContains(
            "VALIDATION PASSED - Ready for production deployment!".into()
        )]
    );
}

fn probe_name(step: &NativeStep) -> &'static str {
    match step {
        NativeStep::Http(_) => "http",
        NativeStep::Psql { .. } => "psql",
        NativeStep::RedisCli { .. } => "redis",
        NativeStep::TcpConnect { .. } => "tcp",
        NativeStep::WebSocket { .. } => "websocket",
        NativeStep::TlsCheck { .. } => "tls",
        NativeStep::ClickHouse { .. } => "clickhouse",
        NativeStep::LoadTool { .. } => "load",
        NativeStep::Capture { .. } => "capture",
    }
}

fn short(a: &Assertion) -> String {
    match a {
        Assertion::StatusCode(c) => format!("status={c}"),
        Assertion::StatusClass(c) => format!("status={c}xx"),
        Assertion::JsonSubset(v) => format!("json⊇{v}"),
        Assertion::JsonPathEquals { path, value } => format!("{path}=={value}"),
        Assertion::BodyContains(s) => format!("contains {s:?}"),
        Assertion::HeaderContains { name, value } => format!("{name}~{value:?}"),
        Assertion::LatencyUnder(ms) => format!("<{ms}ms"),
        Assertion::Unverifiable(s) => format!("REVIEW {s:?}"),
    }
}

/// Prints the recognition of every seed command (not asserted).
#[test]
fn print_seed_table() {
    let all = recognized();
    let mut by_class: BTreeMap<String, usize> = BTreeMap::new();
    let mut by_probe: BTreeMap<String, usize> = BTreeMap::new();
    let mut block_classes: BTreeMap<String, usize> = BTreeMap::new();
    let mut assertions: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    let mut commands = 0;
    println!(
        "{:<9} {:<11} {:<24} {:<60} expectations / needs",
        "where", "class", "runs as", "command"
    );
    for (b, r) in &all {
        let kind = match &r.kind {
            BlockKind::Shell => "shell".to_string(),
            BlockKind::Sql { .. } => "sql".to_string(),
            BlockKind::Other { lang } => format!("other({})", lang.as_deref().unwrap_or("-")),
        };
        *kinds.entry(kind.clone()).or_default() += 1;
        *block_classes
            .entry(format!("{:?}", r.class.class))
            .or_default() += 1;
        if r.commands.is_empty() {
            println!(
                "{:<9} {:<11} {:<24} [{kind} block, {} lines]",
                format!("{}:{}", b.file, b.first_line),
                format!("{:?}", r.class.class),
                "-",
                b.text.lines().count()
            );
        }
        for c in &r.commands {
            commands += 1;
            *by_class
                .entry(format!("{:?}", c.classification.class))
                .or_default() += 1;
            let runs = match &c.native {
                Some(s) => probe_name(s).to_string(),
                None => "shell".to_string(),
            };
            *by_probe.entry(runs.clone()).or_default() += 1;
            for a in &c.assertions {
                *assertions
                    .entry(match a {
                        Assertion::StatusCode(_) => "status",
                        Assertion::StatusClass(_) => "status class",
                        Assertion::JsonSubset(_) => "json subset",
                        Assertion::JsonPathEquals { .. } => "json path",
                        Assertion::BodyContains(_) => "contains",
                        Assertion::HeaderContains { .. } => "header",
                        Assertion::LatencyUnder(_) => "latency",
                        Assertion::Unverifiable(_) => "unverifiable",
                    })
                    .or_default() += 1;
            }
            let mut text: String = c.text.replace('\n', " ");
            if text.chars().count() > 58 {
                text = text.chars().take(57).collect::<String>() + "…";
            }
            let mut notes: Vec<String> = c.assertions.iter().map(short).collect();
            notes.extend(c.requirements.variables.iter().map(|v| format!("${v}")));
            notes.extend(c.requirements.placeholders.iter().cloned());
            let why = match (&c.native, &c.shell_reason) {
                (None, Some(r)) if c.classification.class == SafetyClass::Read => {
                    format!(" ({})", r.chars().take(40).collect::<String>())
                }
                _ => String::new(),
            };
            println!(
                "{:<9} {:<11} {:<24} {:<60} {}",
                format!("{}:{}", b.file, b.first_line + c.line - 1),
                format!("{:?}", c.classification.class),
                format!("{runs}{why}").chars().take(24).collect::<String>(),
                text,
                notes.join(" ")
            );
        }
    }
    println!("\n{} blocks ({kinds:?}), {commands} commands", all.len());
    println!("block classes: {block_classes:?}");
    println!("command classes: {by_class:?}");
    println!("runs as: {by_probe:?}");
    println!("assertions: {assertions:?}");
}
