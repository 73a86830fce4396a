//! CI and terminal conventions: exit codes and --fail-on, streams, broken
//! pipes, the Markdown step summary, --quiet/-v, the live line, one count
//! model, init, completions, the man page and --vars-file.

use crate::run::start;
use crate::support::*;
use greenlight_fixture::Faults;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn gl(args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_greenlight"));
    cmd.args(args)
        .current_dir(repo_root())
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_STEP_SUMMARY");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

/// A checklist whose verdict is `verdict`, against the fixture at `base`.
fn doc_for(verdict: &str, base: &str) -> String {
    let health = format!("- [ ] **Health**\n  ```bash\n  curl -f {base}/health\n  ```\n");
    let extra = match verdict {
        "GO" => String::new(),
        "GO_WITH_WARNINGS" => format!(
            "- [ ] **Nice to have** (optional)\n  ```bash\n  curl -f {base}/no-such-page\n  ```\n"
        ),
        "PENDING" => "- [ ] Release notes reviewed by the team\n".to_string(),
        "NO_GO" => {
            format!("- [ ] **Missing page**\n  ```bash\n  curl -f {base}/no-such-page\n  ```\n")
        }
        _ => unreachable!(),
    };
    format!("# Release\n\n## Checks\n\n{health}{extra}")
}

#[test]
fn fail_on_maps_each_verdict_to_its_documented_exit_code() {
    let env = start("cli-fail-on", Faults::NONE);
    let base = env.fixture.base_url();
    // verdict, then the exit code under --fail-on no_go, pending (default), warn.
    let table = [
        ("GO", [0, 0, 0]),
        ("GO_WITH_WARNINGS", [0, 0, 5]),
        ("PENDING", [0, 3, 3]),
        ("NO_GO", [1, 1, 1]),
    ];
    for (verdict, codes) in table {
        let doc = write(&env.dir, &format!("{verdict}.md"), &doc_for(verdict, &base));
        let store = env.dir.join(format!("{verdict}.db"));
        let store = store.to_str().unwrap();
        let run = gl(&["run", doc.to_str().unwrap(), "--store", store, "-q"], &[]);
        assert!(
            stdout(&run).contains(&format!("{verdict}  ")),
            "{verdict}: {}",
            stdout(&run)
        );
        assert_eq!(run.status.code(), Some(codes[1]), "{verdict} default");
        for (level, code) in ["no_go", "pending", "warn"].into_iter().zip(codes) {
            let run = gl(
                &[
                    "run",
                    doc.to_str().unwrap(),
                    "--no-store",
                    "-q",
                    "--fail-on",
                    level,
                ],
                &[],
            );
            assert_eq!(
                run.status.code(),
                Some(code),
                "run {verdict} --fail-on {level}"
            );
            let decide = gl(&["decide", "--store", store, "--fail-on", level], &[]);
            assert_eq!(
                decide.status.code(),
                Some(code),
                "decide {verdict} --fail-on {level}"
            );
        }
    }
    // The table is in --help.
    let help = stdout(&gl(&["--help"], &[]));
    assert!(help.contains("--fail-on LEVEL"), "{help}");
    assert!(
        help.contains("GO_WITH_WARNINGS     0        0                  5"),
        "{help}"
    );
}

#[test]
fn exit_2_means_only_usage_or_configuration() {
    let dir = scratch("cli-exit-2");
    let doc = write(&dir, "r.md", "# R\n\n## A\n\n- [ ] manual\n");
    let bad_profile = write(&dir, "p.toml", "[nonsense\n");
    let none = dir.join("none.db");
    let cases: [(&[&str], i32); 6] = [
        (&["run", doc.to_str().unwrap(), "--fail-on", "sometimes"], 2),
        (
            &[
                "run",
                doc.to_str().unwrap(),
                "--env",
                bad_profile.to_str().unwrap(),
            ],
            2,
        ),
        (
            &["run", doc.to_str().unwrap(), "--vars-file", "/no/such/vars"],
            2,
        ),
        (&["run", "/no/such/checklist.md"], 4),
        // A report that cannot be written is an I/O failure, not usage.
        (
            &[
                "run",
                doc.to_str().unwrap(),
                "--no-store",
                "--json",
                "/no/such/dir/r.json",
            ],
            6,
        ),
        (
            &["status", "--store", none.to_str().unwrap(), "nosuchrun"],
            2,
        ),
    ];
    for (args, code) in cases {
        let out = gl(args, &[]);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {}", stderr(&out));
    }
}

#[test]
fn verdict_goes_to_stdout_live_view_to_stderr_and_quiet_silences_it() {
    let env = start("cli-streams", Faults::NONE);
    let doc = write(&env.dir, "r.md", &doc_for("GO", &env.fixture.base_url()));
    let out = gl(&["run", doc.to_str().unwrap(), "--no-store"], &[]);
    assert_eq!(out.status.code(), Some(0));
    let (o, e) = (stdout(&out), stderr(&out));
    assert!(o.contains("GO  1 passed"), "{o}");
    assert!(e.contains("▸ L3 Checks"), "{e}");
    assert!(!e.contains("GO  1 passed"), "{e}");
    let quiet = gl(
        &["run", doc.to_str().unwrap(), "--no-store", "--quiet"],
        &[],
    );
    assert_eq!(stderr(&quiet), "", "--quiet leaves stderr empty");
    assert!(stdout(&quiet).contains("GO  1 passed"));
    // A report written to stdout (`--json -`) is the output; the verdict
    // moves to stderr so the JSON stays parseable.
    let json = gl(
        &[
            "run",
            doc.to_str().unwrap(),
            "--no-store",
            "-q",
            "--json",
            "-",
        ],
        &[],
    );
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(report["verdict"], "GO");
    assert!(stderr(&json).contains("GO  1 passed"), "{}", stderr(&json));
    // -v shows passed checks too.
    let verbose = gl(&["-v", "run", doc.to_str().unwrap(), "--no-store"], &[]);
    assert!(
        stderr(&verbose).contains("✓ L7 GET"),
        "{}",
        stderr(&verbose)
    );
    assert_eq!(
        gl(&["run", "-q", "-v", doc.to_str().unwrap()], &[])
            .status
            .code(),
        Some(2)
    );
}

/// Runs `script` through bash and returns greenlight's own exit status.
fn piped(script: &str) -> (i32, String) {
    let out = Command::new("bash")
        .arg("-c")
        .arg(script)
        .current_dir(repo_root())
        .env("NO_COLOR", "1")
        .env("GL", env!("CARGO_BIN_EXE_greenlight"))
        .output()
        .unwrap();
    let text = stdout(&out);
    let code = text
        .lines()
        .find_map(|l| l.strip_prefix("rc="))
        .and_then(|c| c.trim().parse().ok())
        .unwrap_or(-1);
    (code, format!("{text}{}", stderr(&out)))
}

#[test]
fn a_closed_pipe_ends_quietly_with_the_verdicts_code() {
    let env = start("cli-pipe", Faults::NONE);
    let doc = write(
        &env.dir,
        "r.md",
        &doc_for("PENDING", &env.fixture.base_url()),
    );
    let doc = doc.to_str().unwrap();
    let store = env.dir.join("runs.db");
    let store = store.to_str().unwrap();
    // `| head -1` as a person types it, and a reader that is gone before
    // anything is written (the write always meets a closed pipe).
    for tail in ["head -1 >/dev/null", "(exec 0<&-; true)"] {
        let (code, text) = piped(&format!(
            "\"$GL\" run {doc} --store {store} 2>/tmp/gl-pipe-err-$$ | {tail}; echo rc=${{PIPESTATUS[0]}}; cat /tmp/gl-pipe-err-$$ >&2; rm -f /tmp/gl-pipe-err-$$"
        ));
        assert_eq!(code, 3, "{tail}: {text}");
        assert!(!text.contains("panicked"), "{text}");
        for cmd in ["status", "history", "decide"] {
            let (code, text) = piped(&format!(
                "\"$GL\" {cmd} --store {store} | (exec 0<&-; true); echo rc=${{PIPESTATUS[0]}}"
            ));
            assert!(code == 0 || code == 3, "{cmd}: {text}");
            assert!(!text.contains("panicked"), "{cmd}: {text}");
        }
    }
}

#[test]
fn markdown_appends_to_the_step_summary_or_with_append() {
    let env = start("cli-md", Faults::NONE);
    let doc = write(&env.dir, "r.md", &doc_for("GO", &env.fixture.base_url()));
    let doc = doc.to_str().unwrap();
    let summary = write(&env.dir, "summary.md", "## Build\n\nearlier step\n");
    let s = summary.to_str().unwrap();
    let envs = [("GITHUB_STEP_SUMMARY", s)];
    for _ in 0..2 {
        let out = gl(&["run", doc, "--no-store", "-q", "--markdown", s], &envs);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
    let text = std::fs::read_to_string(&summary).unwrap();
    assert!(
        text.starts_with("## Build\n\nearlier step\n\n## ✅ GO"),
        "{text}"
    );
    assert_eq!(text.matches("## ✅ GO").count(), 2, "{text}");
    // Another path is replaced, unless --append.
    let other = write(&env.dir, "other.md", "old\n");
    let o = other.to_str().unwrap();
    gl(&["run", doc, "--no-store", "-q", "--markdown", o], &envs);
    let text = std::fs::read_to_string(&other).unwrap();
    assert!(
        text.starts_with("## ✅ GO") && !text.contains("old"),
        "{text}"
    );
    gl(
        &["run", doc, "--no-store", "-q", "--markdown", o, "--append"],
        &[],
    );
    let text = std::fs::read_to_string(&other).unwrap();
    assert_eq!(text.matches("## ✅ GO").count(), 2, "{text}");
}

#[test]
fn run_status_and_reports_count_alike_on_seed_003() {
    let dir = scratch("cli-counts");
    let store = dir.join("runs.db");
    let store = store.to_str().unwrap();
    let (json, md) = (dir.join("r.json"), dir.join("r.md"));
    let run = gl(
        &[
            "run",
            &seed_path(3),
            "--store",
            store,
            "-q",
            "--json",
            json.to_str().unwrap(),
            "--markdown",
            md.to_str().unwrap(),
        ],
        &[],
    );
    let summary = stdout(&run);
    // The number before "manual" on the verdict line (`NO_GO  0 passed · …`).
    let manual = |text: &str| -> usize {
        let line = text
            .lines()
            .find(|l| l.contains(" passed · "))
            .unwrap_or_else(|| panic!("{text}"));
        let at = line.find(" manual").unwrap_or_else(|| panic!("{line}"));
        line[..at].rsplit(' ').next().unwrap().parse().unwrap()
    };
    let n = manual(&summary);
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(report["counts"]["pending"], n as u64);
    let status = stdout(&gl(&["status", "--store", store], &[]));
    assert!(
        status.contains(&format!("Open manual items ({n}):")),
        "{status}"
    );
    assert_eq!(manual(&status), n);
    // The phase lines name what they count as done without running it:
    // their skipped items add up to the report's.
    let skipped: u64 = status
        .lines()
        .filter(|l| l.contains(" done"))
        .filter_map(|l| {
            let at = l.find(" skipped")?;
            l[..at].rsplit(' ').next()?.parse::<u64>().ok()
        })
        .sum();
    assert!(skipped > 0, "{status}");
    assert_eq!(
        serde_json::json!(skipped),
        report["counts"]["skipped"],
        "{status}"
    );
    let status_json: serde_json::Value =
        serde_json::from_slice(&gl(&["status", "--store", store, "--json"], &[]).stdout).unwrap();
    assert_eq!(status_json["counts"], report["counts"]);
    let markdown = std::fs::read_to_string(&md).unwrap();
    let c = &report["counts"];
    let row = format!(
        "| {} | {} | {} | {} | {} | {} | {} |",
        c["passed"], c["failed"], c["needs_review"], c["blocked"], c["not_run"], n, c["skipped"]
    );
    assert!(markdown.contains(&row), "{row}\n{markdown}");
    // Reason lines wrap at 100 columns when stdout is not a terminal.
    assert!(
        summary.lines().all(|l| l.chars().count() <= 100),
        "{summary}"
    );
    let live = stderr(&gl(&["run", &seed_path(3), "--no-store"], &[]));
    assert!(live.lines().all(|l| l.chars().count() <= 100), "{live}");
    // On a narrow terminal too, the live view (header, phase lines,
    // evidence) and the notices fit.
    let narrow = gl(
        &["run", &seed_path(3), "--store", store],
        &[("COLUMNS", "60")],
    );
    for text in [stdout(&narrow), stderr(&narrow)] {
        let long: Vec<_> = text.lines().filter(|l| l.chars().count() > 60).collect();
        assert!(long.is_empty(), "wider than 60: {long:#?}");
    }
    assert!(
        squashed(&stderr(&narrow)).contains("hosts are used as written and only read checks run")
            && squashed(&stderr(&narrow)).contains("not passed (review/blocked/not run)"),
        "{}",
        stderr(&narrow)
    );
}

#[test]
fn a_terminal_sees_a_live_line_with_a_spinner_for_a_slow_check() {
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipped: `script` (util-linux) is not installed");
        return;
    }
    let env = start(
        "cli-spinner",
        Faults::NONE.with_delay(std::time::Duration::from_millis(1800)),
    );
    let doc = write(&env.dir, "r.md", &doc_for("GO", &env.fixture.base_url()));
    // `script` gives greenlight a terminal; its stdout is what was drawn.
    let cmd = format!(
        "{} run {} --no-store",
        env!("CARGO_BIN_EXE_greenlight"),
        doc.display()
    );
    let out = Command::new("script")
        .args(["-qec", &cmd, "/dev/null"])
        .env("NO_COLOR", "1")
        .env("COLUMNS", "120")
        .output()
        .unwrap();
    let drawn = stdout(&out);
    assert!(drawn.contains("[0/1] L7 GET"), "{drawn}");
    assert!(
        ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴"]
            .iter()
            .any(|f| drawn.contains(f)),
        "no spinner for a check of 1.8 s: {drawn}"
    );
    // Without a terminal (and with --quiet) there is no live line.
    let plain = gl(&["run", doc.to_str().unwrap(), "--no-store"], &[]);
    assert!(!stderr(&plain).contains("[0/1]"), "{}", stderr(&plain));
}

const INIT_DOC: &str = "# Release 2.4\n\n## Pre-flight\n\n- [ ] **API healthy**\n  ```bash\n  curl -f https://api.staging.example.com/health\n  ```\n- [ ] **Admin needs a token**\n  ```bash\n  curl -H \"Authorization: Bearer $ADMIN_TOKEN\" https://api.staging.example.com/admin\n  # Expected: 200 OK\n  ```\n- [ ] **Database answers**\n  ```bash\n  psql -h db.staging.example.com -U app -d shop -c \"SELECT 1\"\n  ```\n- [ ] **Cache answers**: `redis-cli -h cache.staging.example.com ping`\n- [ ] **Region is set**\n  ```bash\n  curl \"https://api.staging.example.com/region?r=$REGION\"\n  ```\n\n## Sign-off\n\n- [ ] QA Lead: ____\n- [ ] Release Manager: ____\n";

#[test]
fn init_writes_a_profile_skeleton_that_loads_and_never_overwrites() {
    let dir = scratch("cli-init");
    let doc = write(&dir, "RELEASE.md", INIT_DOC);
    let printed = gl(&["init", doc.to_str().unwrap(), "-o", "-"], &[]);
    assert_eq!(printed.status.code(), Some(0), "{}", stderr(&printed));
    let skeleton = stdout(&printed).replace(dir.to_str().unwrap(), "DIR");
    insta::assert_snapshot!("init_skeleton", skeleton);
    let out = dir.join("staging.toml");
    let o = out.to_str().unwrap();
    assert_eq!(
        gl(&["init", doc.to_str().unwrap(), "-o", o], &[])
            .status
            .code(),
        Some(0)
    );
    std::fs::write(&out, "# mine\n").unwrap();
    let again = gl(&["init", doc.to_str().unwrap(), "-o", o], &[]);
    assert_eq!(again.status.code(), Some(2));
    assert!(stderr(&again).contains("--force"), "{}", stderr(&again));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "# mine\n");
    let forced = gl(&["init", doc.to_str().unwrap(), "-o", o, "--force"], &[]);
    assert_eq!(forced.status.code(), Some(0));
    // The skeleton is a working profile: plan reads it and the secret is
    // looked for in the environment.
    let plan = gl(&["plan", doc.to_str().unwrap(), "--env", o], &[]);
    assert_eq!(plan.status.code(), Some(0), "{}", stderr(&plan));
    assert!(stdout(&plan).contains("ADMIN_TOKEN"), "{}", stdout(&plan));
    // Without -o: staging.toml in the current folder, as the README's
    // examples name it; never greenlight.toml, the project's own file.
    let here = scratch("cli-init-default");
    let doc = write(&here, "RELEASE.md", INIT_DOC);
    let in_here = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_greenlight"))
            .args(args)
            .current_dir(&here)
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    };
    let out = in_here(&["init", doc.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("wrote staging.toml"),
        "{}",
        stderr(&out)
    );
    assert!(here.join("staging.toml").is_file());
    assert!(!here.join("greenlight.env.toml").exists());
    let out = in_here(&["init", doc.to_str().unwrap(), "-o", "greenlight.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("greenlight.toml is the project's file"),
        "{}",
        stderr(&out)
    );
    assert!(!here.join("greenlight.toml").exists());
}

#[test]
fn completions_and_man_page() {
    for (shell, mark) in [
        ("bash", "complete -F _greenlight"),
        ("zsh", "#compdef greenlight"),
        ("fish", "complete -c greenlight"),
    ] {
        let out = gl(&["completions", shell], &[]);
        assert_eq!(out.status.code(), Some(0));
        let text = stdout(&out);
        assert!(text.contains(mark), "{shell}: {text}");
        for sub in ["run", "signoff", "init", "fail-on"] {
            assert!(text.contains(sub), "{shell} lacks {sub}");
        }
    }
    let man = stdout(&gl(&["man"], &[]));
    assert!(man.contains(".TH greenlight 1"), "{man}");
    assert!(man.contains("Exit codes"), "{man}");
    // One page per command, printed or written into a folder.
    let page = gl(&["man", "signoff"], &[]);
    assert_eq!(page.status.code(), Some(0));
    let page = stdout(&page);
    assert!(page.contains(".TH greenlight-signoff 1"), "{page}");
    assert!(
        page.contains("\\-\\-role") && !page.contains("\\-\\-fail\\-on"),
        "{page}"
    );
    let wrong = gl(&["man", "sign"], &[]);
    assert_eq!(wrong.status.code(), Some(2));
    assert!(
        stderr(&wrong).contains("man pages: inspect"),
        "{}",
        stderr(&wrong)
    );
    let dir = scratch("cli-man-pages");
    let out = gl(
        &["man", "--out-dir", dir.join("man1").to_str().unwrap()],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let mut pages: Vec<String> = std::fs::read_dir(dir.join("man1"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    pages.sort();
    for want in [
        "greenlight.1",
        "greenlight-run.1",
        "greenlight-check.1",
        "greenlight-history.1",
    ] {
        assert!(pages.iter().any(|p| p == want), "{want} missing: {pages:?}");
    }
    let help = stdout(&gl(&["--help"], &[]));
    let commands: Vec<&str> = help
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        // A command's first line (its description may wrap, indented more).
        .filter(|l| !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .collect();
    assert!(commands.len() > 20, "{help}");
    assert!(
        stderr(&out).contains(&format!("wrote {} man pages", pages.len())),
        "{}",
        stderr(&out)
    );
    for c in commands {
        let page = format!("greenlight-{c}.1");
        assert!(pages.contains(&page), "no page for {c}: {pages:?}");
    }
    assert_eq!(gl(&["completions", "tcsh"], &[]).status.code(), Some(2));
}

#[test]
fn vars_file_values_are_used_and_secret_ones_redacted() {
    let env = start("cli-vars", Faults::NONE);
    let base = env.fixture.base_url();
    let doc = write(
        &env.dir,
        "r.md",
        &format!(
            "# R\n\n## Checks\n\n- [ ] **Health with values**\n  ```bash\n  curl -f \"{base}/health?t=$API_TOKEN&m=$MARKED&n=$PLAIN_NOTE\"\n  ```\n"
        ),
    );
    for (name, text) in [
        (
            "vars.env",
            "# values\nAPI_TOKEN=tok-aaaa-1111\nsecret MARKED=\"mark-bbbb-2222\"\nexport PLAIN_NOTE=plain-cccc-3333\n",
        ),
        (
            "vars.toml",
            "API_TOKEN = \"tok-aaaa-1111\"\nMARKED = { value = \"mark-bbbb-2222\", secret = true }\nPLAIN_NOTE = \"plain-cccc-3333\"\n",
        ),
    ] {
        let vars = write(&env.dir, name, text);
        let json = env.dir.join(format!("{name}.json"));
        let out = gl(
            &[
                "run",
                doc.to_str().unwrap(),
                "--no-store",
                "--vars-file",
                vars.to_str().unwrap(),
                "--json",
                json.to_str().unwrap(),
                "-v",
            ],
            &[],
        );
        assert_eq!(out.status.code(), Some(0), "{name}: {}", stderr(&out));
        let report = std::fs::read_to_string(&json).unwrap();
        let all = format!("{report}{}{}", stdout(&out), stderr(&out));
        assert!(
            all.contains("plain-cccc-3333"),
            "{name}: the plain value is used: {all}"
        );
        assert!(
            !all.contains("tok-aaaa-1111"),
            "{name}: a secret-looking name is redacted"
        );
        assert!(
            !all.contains("mark-bbbb-2222"),
            "{name}: a marked value is redacted"
        );
        assert!(all.contains("[redacted]"), "{all}");
    }
    let bad = write(&env.dir, "bad.env", "A=1\nthis is not a pair\n");
    let out = gl(
        &[
            "plan",
            doc.to_str().unwrap(),
            "--vars-file",
            bad.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("bad.env: line 2"), "{}", stderr(&out));
}

/// A run of a long-titled failed check and a long-titled manual item, in
/// its own store; returns (store, run ID).
fn long_lines_run(env: &crate::run::Env) -> (String, String) {
    let base = env.fixture.base_url();
    let doc = write(
        &env.dir,
        "r.md",
        &format!(
            "# Release\n\n## Checks\n\n- [ ] **The page that the release notes link to answers, which it does not yet**\n  ```bash\n  curl -f {base}/no-such-page\n  ```\n- [ ] Release notes reviewed by the whole team, product and support included\n"
        ),
    );
    let store = env.dir.join("runs.db").to_str().unwrap().to_string();
    let json = env.dir.join("r.json");
    let run = gl(
        &[
            "run",
            doc.to_str().unwrap(),
            "--store",
            &store,
            "-q",
            "--json",
            json.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(run.status.code(), Some(1), "{}", stderr(&run));
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    (store, report["run_id"].as_str().unwrap().to_string())
}

#[test]
fn waivers_and_peoples_work_wrap_at_the_terminal_width() {
    let env = start("cli-wrap-people", Faults::NONE);
    let (store, run) = long_lines_run(&env);
    let waive = gl(
        &[
            "waive",
            &run,
            "L5",
            "--store",
            &store,
            "--name",
            "Approver With A Long Name",
            "--expires",
            "2099-01-01T00:00:00Z",
            "--reason",
            "the page ships with the next release of the documentation site",
        ],
        &[],
    );
    assert_eq!(waive.status.code(), Some(0), "{}", stderr(&waive));
    let check = gl(
        &[
            "check",
            &run,
            "L9",
            "--store",
            &store,
            "--name",
            "Reviewer With A Long Name",
            "--note",
            "read them twice, once on the phone",
        ],
        &[],
    );
    assert_eq!(check.status.code(), Some(0), "{}", stderr(&check));
    let narrow = [("COLUMNS", "60")];
    for args in [
        vec!["decide", run.as_str(), "--store", &store],
        vec!["status", run.as_str(), "--store", &store],
    ] {
        let out = gl(&args, &narrow);
        let text = stdout(&out);
        // `decide` is the summary and people's work, all wrapped; of
        // `status` (a table of phases, the audit line) the waiver section.
        let wrapped: Vec<&str> = if args[0] == "decide" {
            text.lines().collect()
        } else {
            text.lines()
                .skip_while(|l| !l.starts_with("Waivers ("))
                .take_while(|l| !l.is_empty())
                .collect()
        };
        assert!(wrapped.len() > 1, "{text}");
        let long: Vec<_> = wrapped.iter().filter(|l| l.chars().count() > 60).collect();
        assert!(long.is_empty(), "{} wider than 60: {long:#?}", args[0]);
        // Nothing was lost to the wrapping.
        let flat = squashed(&text);
        for phrase in [
            "by Approver With A Long Name",
            "the page ships with the next release of the documentation site",
            "Release notes reviewed by the whole team, product and support included",
        ] {
            assert!(flat.contains(phrase), "{}: {phrase}\n{text}", args[0]);
        }
    }
    let decide = stdout(&gl(&["decide", &run, "--store", &store], &narrow));
    assert!(
        squashed(&decide).contains("checked by Reviewer With A Long Name at")
            && squashed(&decide).contains("read them twice, once on the phone"),
        "{decide}"
    );
}
