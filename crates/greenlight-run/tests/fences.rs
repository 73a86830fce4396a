//! Untagged fences that are not scripts are set aside; real scripts never
//! are. Real fences in `fixtures/fences/` (sources in its README), every
//! command of the labelled corpus, and every shell block of the seeds.

use greenlight_run::analyze::not_script::{Shape, not_a_script, prompt_commands};

fn dir(sub: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(sub)
}

fn files(sub: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = std::fs::read_dir(dir(sub))
        .expect("fixture directory")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            (name, std::fs::read_to_string(&p).expect("readable"))
        })
        .collect();
    out.sort();
    out
}

fn shape_named(s: &str) -> Shape {
    match s {
        "sample-output" => Shape::SampleOutput,
        "thresholds" => Shape::Thresholds,
        "checkboxes" => Shape::Checkboxes,
        "list" => Shape::List,
        "json" => Shape::Json,
        "yaml" => Shape::Yaml,
        "sql" => Shape::Sql,
        "prose" => Shape::Prose,
        other => panic!("unknown shape {other} in a file name"),
    }
}

#[test]
fn real_fences_that_are_not_scripts_are_set_aside() {
    let all = files("fences/not-scripts");
    assert!(all.len() >= 12, "only {} fences", all.len());
    for (name, code) in all {
        let (shape, _) = name.split_once("--").expect("<shape>--<name>.txt");
        let got = not_a_script(&code);
        assert_eq!(got.map(|n| n.shape), Some(shape_named(shape)), "{name}");
    }
}

#[test]
fn real_scripts_stay_scripts() {
    let all = files("fences/scripts");
    assert!(all.len() >= 6);
    for (name, code) in all {
        let commands = prompt_commands(&code);
        assert_eq!(
            commands.is_some(),
            name.starts_with("console--"),
            "{name}: prompt lines"
        );
        let code = commands.unwrap_or(code);
        assert_eq!(not_a_script(&code), None, "{name}");
        let b = greenlight_run::analyze::analyze_block(&code, None);
        assert!(b.commands.iter().any(|c| !c.inert), "{name}: a command");
    }
}

#[test]
fn every_corpus_command_is_a_script() {
    let text = std::fs::read_to_string(dir("corpus/commands.jsonl")).expect("corpus");
    let mut n = 0;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line).expect("json line");
        let cmd = v["cmd"].as_str().expect("cmd");
        assert_eq!(not_a_script(cmd), None, "{cmd}");
        n += 1;
    }
    assert!(n > 900, "{n} commands");
}

#[test]
fn seed_shell_blocks_are_scripts() {
    let mut n = 0;
    for entry in std::fs::read_dir(dir("seeds")).expect("seeds") {
        let path = entry.expect("entry").path();
        let list = greenlight_doc::parse(&std::fs::read(&path).expect("seed"));
        for step in &list.steps {
            if !matches!(step.lang.as_deref(), Some("bash" | "sh" | "shell")) {
                continue;
            }
            assert_eq!(
                not_a_script(&step.code),
                None,
                "{} line {}",
                path.display(),
                step.line
            );
            n += 1;
        }
    }
    assert!(n > 90, "{n} blocks");
}
