//! `greenlight plan`, `greenlight run` and `greenlight demo`.

use crate::exit::{self, Failure};
use crate::term::{self, Live, Style};
use greenlight_doc::Checklist;
use greenlight_run::assemble::{self, RunFacts};
use greenlight_run::execute::{Event, Executor};
use greenlight_run::outcome::{RunReport, StepResult, Verdict};
use greenlight_run::plan::{self, Gate, Handling, Plan};
use greenlight_run::profile::{Class, Profile};
use greenlight_run::redact::Redactor;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

/// Options shared by `plan` and `run`.
#[derive(clap::Args, Debug, Clone)]
pub struct ProfileArgs {
    /// The environment profile (TOML): hosts, variables, services, allowed classes.
    #[arg(long = "env", value_name = "PROFILE.toml")]
    pub env: Option<PathBuf>,
    /// Set a variable, overriding the profile. Repeatable.
    #[arg(long = "set", value_name = "NAME=VALUE")]
    pub set: Vec<String>,
    /// Allow a safety class beyond the profile's: read, mutating or destructive. Repeatable.
    #[arg(long = "allow", value_name = "CLASS")]
    pub allow: Vec<String>,
}

/// Options of `run` only.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct OutputArgs {
    /// Write the JSON report (schema greenlight.run/v1) here.
    #[arg(long, value_name = "PATH")]
    pub json: Option<PathBuf>,
    /// Write a JUnit XML report here (one testsuite per phase, one testcase per item).
    #[arg(long, value_name = "PATH")]
    pub junit: Option<PathBuf>,
    /// Write a Markdown summary here (for a CI step summary or a PR comment).
    #[arg(long, value_name = "PATH")]
    pub markdown: Option<PathBuf>,
}

pub fn load_profile(args: &ProfileArgs) -> Result<Profile, Failure> {
    let env = |name: &str| std::env::var(name).ok();
    let mut profile = match &args.env {
        Some(path) => Profile::load(path, &env).map_err(|e| Failure::usage(e.to_string()))?,
        None => Profile::default(),
    };
    for s in &args.set {
        let (name, value) = s
            .split_once('=')
            .ok_or_else(|| Failure::usage(format!("--set {s}: expected NAME=VALUE")))?;
        profile.set_var(name, value);
    }
    for a in &args.allow {
        let class = Class::parse(a).ok_or_else(|| {
            Failure::usage(format!("--allow {a}: use read, mutating or destructive"))
        })?;
        profile.allow(class);
    }
    Ok(profile)
}

pub fn make_plan(list: &Checklist, name: &str, profile: &Profile) -> Plan {
    plan::build(
        list,
        name,
        profile,
        &greenlight_run::analyze::analyze_block,
        &|p| greenlight_probe::find_program(p).is_some(),
    )
}

/// `greenlight plan`: what would run, and what is left to people.
pub fn print_plan(plan: &Plan, style: Style) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "{} · profile {} · {} checks · {} items\n",
        plan.checklist,
        plan.profile,
        plan.checks.len(),
        plan.items.len()
    ));
    for phase in &plan.phases {
        out.push_str(&format!(
            "\n{} L{} {}",
            style.bold("▸"),
            phase.line,
            phase.title
        ));
        if let Some(b) = phase.budget_seconds {
            out.push_str(&format!("  (budget {} min)", b / 60));
        }
        out.push('\n');
        for &i in &phase.items {
            let item = &plan.items[i];
            let what = match &item.handling {
                Handling::Automated => format!(
                    "{} check{}",
                    item.checks.len(),
                    if item.checks.len() == 1 { "" } else { "s" }
                ),
                Handling::Manual => "manual".into(),
                Handling::Group => "group".into(),
                Handling::Signoff { role } => format!("sign-off: {role}"),
                Handling::Skipped { why } => format!("skipped: {why}"),
            };
            if matches!(item.handling, Handling::Group) {
                continue;
            }
            out.push_str(&format!(
                "  L{:<5} {}  {}\n",
                item.line,
                item.text,
                style.dim(&format!("[{what}]"))
            ));
            for &c in &item.checks {
                let check = &plan.checks[c];
                let how = if check.is_native() { "native" } else { "shell" };
                let gate = match &check.gate {
                    Gate::Run => style.green("will run"),
                    Gate::NotRun { reason } => style.yellow(&format!("not run: {reason}")),
                    Gate::Blocked { reason } => style.yellow(&format!("blocked: {reason}")),
                };
                out.push_str(&format!(
                    "      L{:<5} {} {} · {} · {}\n",
                    check.line,
                    how,
                    check.target.probe(),
                    check.class.as_str(),
                    gate
                ));
                out.push_str(&format!("              {}\n", check.target.describe()));
                let expect: Vec<String> = check.expect.iter().map(|e| e.describe()).collect();
                out.push_str(&format!("              expect: {}\n", expect.join("; ")));
                if let Some(cap) = &check.capture {
                    out.push_str(&format!(
                        "              captures {} from {}\n",
                        cap.var, cap.path
                    ));
                }
                if !check.depends_on.is_empty() {
                    let lines: Vec<String> = check
                        .depends_on
                        .iter()
                        .map(|d| format!("L{}", plan.checks[*d].line))
                        .collect();
                    out.push_str(&format!("              after {}\n", lines.join(", ")));
                }
            }
        }
    }
    if !plan.signoffs.is_empty() {
        out.push_str("\nSign-offs people owe:\n");
        for s in &plan.signoffs {
            out.push_str(&format!("  L{:<5} {}\n", s.line, s.role));
        }
    }
    out
}

/// A short run ID: easy to type, unique enough on one machine.
pub fn new_run_id() -> String {
    const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let mut x = (nanos as u64) ^ (u64::from(std::process::id()) << 40);
    // Mix the bits (splitmix64's finalizer) so consecutive runs differ early.
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^= x >> 31;
    (0..5)
        .map(|i| ALPHABET[((x >> (i * 5)) & 31) as usize] as char)
        .collect()
}

/// Runs a plan to its report, printing live progress to stderr.
pub fn execute(
    plan: &Plan,
    profile: &Profile,
    style: Style,
    run_id: &str,
) -> Result<RunReport, Failure> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failure::usage(format!("cannot start the runtime: {e}")))?;
    runtime.block_on(execute_async(plan, profile, style, run_id))
}

pub async fn execute_async(
    plan: &Plan,
    profile: &Profile,
    style: Style,
    run_id: &str,
) -> Result<RunReport, Failure> {
    greenlight_probe::install_crypto_provider();
    let extra_roots = match &profile.ca_file {
        Some(path) => {
            let pem = std::fs::read(path).map_err(|e| {
                Failure::usage(format!("{}: cannot read CA file: {e}", path.display()))
            })?;
            greenlight_probe::parse_pem_certificates(&pem)
                .map_err(|e| Failure::usage(format!("{}: {e}", path.display())))?
        }
        None => Vec::new(),
    };
    let http = greenlight_probe::HttpClient::new(greenlight_probe::HttpClientOptions {
        extra_roots: extra_roots.clone(),
        ..Default::default()
    });
    let redactor = Redactor::new(profile.secrets());
    let (cancel_tx, cancel_rx) = tokio::sync::watch::channel(false);
    let executor = Executor {
        http,
        timeout: profile.timeout,
        shell_timeout: profile.shell_timeout,
        concurrency: profile.concurrency,
        eventually: profile.eventually,
        extra_roots,
        vars: profile
            .vars
            .iter()
            .map(|(k, v)| (k.clone(), v.value.clone()))
            .collect(),
        redactor: redactor.clone(),
        cancel: cancel_rx,
    };
    let started_at = humantime::format_rfc3339_seconds(SystemTime::now()).to_string();
    let start = Instant::now();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Event>();

    // Ctrl-C: stop starting new checks; report what ran.
    let interrupted = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = interrupted.clone();
    let ctrl_c = tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            flag.store(true, std::sync::atomic::Ordering::SeqCst);
            let _ = cancel_tx.send(true);
            eprintln!(
                "\ninterrupted: finishing running checks, starting no new ones (Ctrl-C again to kill)"
            );
            let _ = tokio::signal::ctrl_c().await;
            std::process::exit(130);
        }
    });

    let printer_plan = plan.clone();
    let printer_id = run_id.to_string();
    let printer = tokio::task::spawn_blocking(move || {
        let mut live = Live {
            plan: &printer_plan,
            style,
            out: Box::new(std::io::stderr()),
        };
        live.header(env!("CARGO_PKG_VERSION"), &printer_id);
        let mut seen: Vec<Option<StepResult>> = vec![None; printer_plan.checks.len()];
        let mut elapsed = vec![Duration::ZERO; printer_plan.phases.len()];
        while let Some(event) = rx.blocking_recv() {
            match event {
                Event::PhaseStarted { phase } => live.phase_started(phase),
                Event::CheckFinished { check, result } => {
                    live.check_finished(check, &result);
                    seen[check] = Some(result);
                }
                Event::PhaseFinished { phase, elapsed: e } => {
                    elapsed[phase] = e;
                    live.phase_finished(phase, &seen, e);
                }
            }
        }
        elapsed
    });
    let results = executor.run(plan, tx).await;
    let phase_elapsed = printer.await.unwrap_or_default();
    ctrl_c.abort();
    let facts = RunFacts {
        run_id: Some(run_id.to_string()),
        started_at,
        duration: start.elapsed(),
        interrupted: interrupted.load(std::sync::atomic::Ordering::SeqCst),
        phase_elapsed,
    };
    Ok(assemble::report(plan, &results, &facts))
}

pub fn exit_code(verdict: Verdict) -> u8 {
    match verdict {
        Verdict::Go | Verdict::GoWithWarnings => exit::OK,
        Verdict::NoGo => exit::NO_GO,
        Verdict::Pending => exit::PENDING,
    }
}

/// Writes the requested reports and prints the summary.
pub fn finish(
    report: &RunReport,
    profile: &Profile,
    outputs: &OutputArgs,
    style: Style,
) -> Result<u8, Failure> {
    let redactor = Redactor::new(profile.secrets());
    let write = |path: &Path, text: String| crate::cli::write_atomically(path, text.as_bytes());
    if let Some(p) = &outputs.json {
        write(p, greenlight_report::json::render(report, &redactor))?;
    }
    if let Some(p) = &outputs.junit {
        write(p, greenlight_report::junit::render(report, &redactor))?;
    }
    if let Some(p) = &outputs.markdown {
        write(p, greenlight_report::markdown::render(report, &redactor))?;
    }
    eprint!("{}", redactor.redact(&term::summary(report, style, 12)));
    let mut hints = Vec::new();
    for (flag, path) in [
        ("json", &outputs.json),
        ("junit", &outputs.junit),
        ("markdown", &outputs.markdown),
    ] {
        if let Some(p) = path {
            hints.push(format!("{flag}: {}", p.display()));
        }
    }
    if hints.is_empty() {
        eprintln!(
            "{}",
            style.dim("reports: add --json PATH, --junit PATH or --markdown PATH")
        );
    } else {
        eprintln!(
            "{}",
            style.dim(&format!("reports written · {}", hints.join(" · ")))
        );
    }
    Ok(exit_code(report.verdict))
}
