//! `greenlight plan`, `greenlight run` and `greenlight demo`.

use crate::exit::{self, Failure};
use crate::term::{self, Live, Style};
use greenlight_doc::Checklist;
use greenlight_run::assemble::{self, RunFacts};
use greenlight_run::execute::{Event, Executor};
use greenlight_run::outcome::{RunReport, StepResult, Verdict};
use greenlight_run::plan::{self, Gate, Handling, Plan};
use greenlight_run::profile::Profile;
use greenlight_run::redact::Redactor;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

pub use greenlight_session::{BaselineRun, Recording, last_go_latencies, new_run_id};

/// Options shared by `plan` and `run`.
#[derive(clap::Args, Debug, Clone)]
pub struct ProfileArgs {
    /// The environment profile (TOML): hosts, variables, services, allowed classes.
    #[arg(long = "env", value_name = "PROFILE.toml")]
    pub env: Option<PathBuf>,
    /// Variables from a file: KEY=VALUE lines or TOML. They override the
    /// profile; --set overrides them. Values are redacted when marked
    /// (`secret KEY=…`, `{ value = …, secret = true }`) or when the name
    /// looks secret (…_TOKEN, …_PASSWORD, …_KEY).
    #[arg(long = "vars-file", value_name = "FILE")]
    pub vars_file: Option<PathBuf>,
    /// Set a variable, overriding the profile. Repeatable.
    #[arg(long = "set", value_name = "NAME=VALUE")]
    pub set: Vec<String>,
    /// Allow a safety class beyond the profile's: read, mutating or destructive;
    /// or `load` for load tests (which otherwise count as mutating). Repeatable.
    #[arg(long = "allow", value_name = "CLASS")]
    pub allow: Vec<String>,
}

/// Options of `run` only.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct OutputArgs {
    /// Write the JSON report (schema greenlight.run/v1) here (`-`: stdout).
    #[arg(long, value_name = "PATH")]
    pub json: Option<PathBuf>,
    /// Write a JUnit XML report here (one testsuite per phase, one testcase per item).
    #[arg(long, value_name = "PATH")]
    pub junit: Option<PathBuf>,
    /// Write a Markdown summary here (for a CI step summary or a PR comment).
    /// Appends when PATH is $GITHUB_STEP_SUMMARY, or with --append.
    #[arg(long, value_name = "PATH")]
    pub markdown: Option<PathBuf>,
    /// Append the Markdown summary to PATH instead of replacing it.
    #[arg(long, requires = "markdown")]
    pub append: bool,
    /// The lowest verdict that fails: no_go, pending (default) or warn.
    /// See the exit-code table in `greenlight --help`.
    #[arg(long, value_name = "LEVEL", value_enum, default_value_t = exit::FailOn::Pending)]
    pub fail_on: exit::FailOn,
}

pub fn load_profile(args: &ProfileArgs) -> Result<Profile, Failure> {
    let env = |name: &str| std::env::var(name).ok();
    let mut profile = match &args.env {
        Some(path) => Profile::load(path, &env).map_err(|e| Failure::config(e.to_string()))?,
        None => Profile::default(),
    };
    if let Some(path) = &args.vars_file {
        for var in crate::vars_file::load(path)? {
            profile.set_var(&var.name, &var.value);
            if let Some(v) = profile.vars.get_mut(&var.name) {
                v.secret |= var.secret;
            }
        }
    }
    for s in &args.set {
        let (name, value) = s
            .split_once('=')
            .ok_or_else(|| Failure::usage(format!("--set {s}: expected NAME=VALUE")))?;
        profile.set_var(name, value);
    }
    for a in &args.allow {
        profile.allow_word(a).map_err(Failure::usage)?;
    }
    Ok(profile)
}

pub fn make_plan(list: &Checklist, name: &str, profile: &Profile) -> Plan {
    // One PATH walk per program name, not one per shell step.
    let known = std::cell::RefCell::new(std::collections::HashMap::<String, bool>::new());
    let program_exists = |p: &str| {
        if let Some(&found) = known.borrow().get(p) {
            return found;
        }
        let found = greenlight_probe::find_program(p).is_some();
        known.borrow_mut().insert(p.to_string(), found);
        found
    };
    plan::build(
        list,
        name,
        profile,
        &greenlight_run::analyze::analyze_block,
        &program_exists,
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
                Handling::Marked { passed: true, mark } => format!("passed by a person: {mark}"),
                Handling::Marked {
                    passed: false,
                    mark,
                } => format!("failed by a person: {mark}"),
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
            for note in &item.notes {
                out.push_str(&format!("      {}\n", style.dim(&format!("note: {note}"))));
            }
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
                if let Some(note) = &check.note {
                    out.push_str(&format!("              note: {note}\n"));
                }
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

/// Runs a plan to its report, printing live progress to stderr.
pub fn execute(
    plan: &Plan,
    profile: &Profile,
    style: Style,
    run_id: &str,
) -> Result<RunReport, Failure> {
    let runtime = exit::runtime()?;
    runtime.block_on(execute_async(plan, profile, style, run_id, None, None))
}

/// How `run` relates to the runs before it.
#[derive(Default)]
pub struct RunOptions<'a> {
    /// `--release NAME` (else the checklist and profile name the release).
    pub release: Option<&'a str>,
    /// `--rerun-failed`, `--only`, `--phase`.
    pub selection: greenlight_run::release::Selection,
    /// The parsed document, whose `[x]` ticks count as people's checks.
    pub list: Option<&'a Checklist>,
}

pub async fn execute_async(
    plan: &Plan,
    profile: &Profile,
    style: Style,
    run_id: &str,
    recording: Option<&Recording>,
    done: Option<Vec<Option<StepResult>>>,
) -> Result<RunReport, Failure> {
    greenlight_probe::install_crypto_provider();
    let extra_roots = match &profile.ca_file {
        Some(path) => {
            let pem = std::fs::read(path).map_err(|e| {
                Failure::config(format!("{}: cannot read CA file: {e}", path.display()))
            })?;
            greenlight_probe::parse_pem_certificates(&pem)
                .map_err(|e| Failure::config(format!("{}: {e}", path.display())))?
        }
        None => Vec::new(),
    };
    let http = greenlight_probe::HttpClient::new(greenlight_probe::HttpClientOptions {
        extra_roots: extra_roots.clone(),
        ..Default::default()
    });
    // Build the clients the checks will use before the first one starts
    // (only `https://` loads trust roots; each client is built once).
    for c in plan.checks.iter().filter(|c| c.gate == plan::Gate::Run) {
        if let greenlight_run::check::Target::Http { url, insecure, .. } = &c.target {
            http.prepare(url, *insecure);
        }
    }
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
        loads: Default::default(),
        progress: None,
        allowed: profile.allowed.clone(),
        allow_load: profile.allow_load,
        hosts: profile.hosts.clone(),
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

    // One consumer prints each event and records each result the moment
    // it exists; a store that fails keeps the events for later.
    let consumer_plan = plan.clone();
    let live_redactor = redactor.clone();
    let consumer_id = run_id.to_string();
    let store = recording.map(|r| (r.store.clone(), r.actor.clone()));
    let consumer = tokio::spawn(async move {
        let mut live = Live::new(&consumer_plan, style, live_redactor);
        live.header(env!("CARGO_PKG_VERSION"), &consumer_id);
        let mut ticks = tokio::time::interval(Duration::from_millis(100));
        let mut seen: Vec<Option<StepResult>> = vec![None; consumer_plan.checks.len()];
        let mut elapsed = vec![Duration::ZERO; consumer_plan.phases.len()];
        let mut pending: Vec<greenlight_store::NewEvent> = Vec::new();
        let mut store_error: Option<String> = None;
        loop {
            let first = tokio::select! {
                event = rx.recv() => match event {
                    Some(event) => event,
                    None => break,
                },
                _ = ticks.tick() => {
                    live.tick();
                    continue;
                }
            };
            // Everything that has arrived meanwhile is recorded in one
            // transaction; a result is never held back waiting for more.
            let mut batch = vec![first];
            while let Ok(more) = rx.try_recv() {
                batch.push(more);
            }
            for event in batch {
                match event {
                    Event::PhaseStarted { phase } => live.phase_started(phase),
                    Event::CheckStarted { check } => live.check_started(check),
                    Event::LoadProgress { check, snapshot } => live.load_progress(check, &snapshot),
                    Event::CheckFinished { check, result } => {
                        live.check_finished(check, &result);
                        if let Some((_, actor)) = &store {
                            pending.push(crate::record::step_event(
                                &consumer_id,
                                actor,
                                &consumer_plan,
                                check,
                                &result,
                            ));
                        }
                        seen[check] = Some(*result);
                    }
                    Event::PhaseFinished { phase, elapsed: e } => {
                        elapsed[phase] = e;
                        live.phase_finished(phase, &seen, e);
                    }
                }
            }
            if let (Some((store, _)), false) = (&store, pending.is_empty()) {
                match store.append(pending.clone()).await {
                    Ok(_) => {
                        pending.clear();
                        store_error = None;
                    }
                    Err(e) => {
                        if store_error.is_none() {
                            eprintln!(
                                "warning: cannot record to the store ({}); results are kept and retried",
                                term::printable(&e.to_string())
                            );
                        }
                        store_error = Some(e.to_string());
                    }
                }
            }
        }
        live.close();
        (elapsed, pending, store_error)
    });
    let mut results = match done {
        Some(done) => executor.resume(plan, done, tx).await,
        None => executor.run(plan, tx).await,
    };
    if let (Some(rule), Some((base_run, base))) = (
        profile.baseline,
        recording.and_then(|r| r.baseline.as_ref()),
    ) {
        assemble::apply_baseline(plan, &mut results, base, base_run, rule);
    }
    let (phase_elapsed, mut unrecorded, store_error) = consumer
        .await
        .map_err(|e| Failure::internal(format!("the live view stopped: {e}")))?;
    ctrl_c.abort();
    let facts = RunFacts {
        run_id: Some(run_id.to_string()),
        started_at,
        duration: start.elapsed(),
        interrupted: interrupted.load(std::sync::atomic::Ordering::SeqCst),
        phase_elapsed: phase_elapsed.clone(),
    };
    let people = match recording {
        Some(rec) => {
            let seen: Vec<Option<StepResult>> = results.iter().cloned().map(Some).collect();
            crate::record::people_for(&rec.acts, run_id, plan, &seen, profile.waive_blockers)
        }
        None => assemble::People {
            waive_blockers: profile.waive_blockers,
            ..Default::default()
        },
    };
    let report = assemble::report_with(plan, &results, &facts, &people);
    if let Some(rec) = recording {
        // Results the baseline turned into failures are recorded as such,
        // then budget overruns and the verdict.
        unrecorded.extend(greenlight_session::closing_events(
            run_id,
            &rec.actor,
            plan,
            &results,
            &phase_elapsed,
            &report,
        ));
        if let Err(e) = rec.store.append(unrecorded.clone()).await {
            let path = std::path::PathBuf::from(format!("greenlight-unrecorded-{run_id}.jsonl"));
            let _ = std::fs::write(
                &path,
                greenlight_session::unrecorded_jsonl(&unrecorded, &redactor),
            );
            let why = format!(
                "{e}{}",
                store_error
                    .map(|s| format!("; earlier: {s}"))
                    .unwrap_or_default()
            );
            eprintln!(
                "warning: the store is unreachable ({}); {} unrecorded events were saved to {}",
                term::printable(&redactor.redact(&why)),
                unrecorded.len(),
                path.display()
            );
        }
    }
    Ok(report)
}

/// Runs a plan, recording it in the store at `store_spec` when given, as
/// a run of its release: people's acts carry over, the document's `[x]`
/// ticks count, and a partial run keeps the results it does not re-run.
#[allow(clippy::too_many_arguments)]
pub fn run_recorded(
    plan: &Plan,
    profile: &Profile,
    style: Style,
    run_id: &str,
    store_spec: Option<&str>,
    actor: &str,
    checklist: &Path,
    options: &RunOptions<'_>,
) -> Result<RunReport, Failure> {
    use greenlight_run::release;
    let runtime = exit::runtime()?;
    runtime.block_on(async {
        let Some(spec) = store_spec else {
            if !options.selection.is_all() {
                return Err(Failure::usage(
                    "--rerun-failed, --only and --phase build on recorded runs: drop --no-store",
                ));
            }
            return execute_async(plan, profile, style, run_id, None, None).await;
        };
        let key = crate::record::profile_key(profile)?;
        let store = crate::record::open_keyed(spec, key).await?;
        let path = checklist
            .canonicalize()
            .unwrap_or_else(|_| checklist.to_path_buf());
        let release = release::release_key(options.release, checklist, &plan.profile);
        let baseline = match profile.baseline {
            Some(_) => last_go_latencies(&store, &plan.checklist, run_id).await?,
            None => None,
        };
        let earlier_runs = store.release_runs(&release).await.map_err(Failure::from)?;
        let partial = if options.selection.is_all() {
            None
        } else {
            let prev_state = match earlier_runs.last() {
                Some(r) => Some(crate::record::load(&store, Some(&r.run_id)).await?),
                None => None,
            };
            let prev = prev_state.as_ref().map(|s| release::Previous {
                run_id: &s.run_id,
                plan: &s.plan,
                results: &s.results,
            });
            let part = release::select(plan, &options.selection, prev.as_ref())
                .map_err(|e| Failure::usage(e.to_string()))?;
            let kept = part.kept_from.iter().filter(|k| k.is_some()).count();
            match &prev {
                Some(p) => eprintln!(
                    "re-running {} of {} checks; keeping {kept} result{} of run {}",
                    part.to_run(),
                    plan.checks.len(),
                    if kept == 1 { "" } else { "s" },
                    p.run_id
                ),
                None => eprintln!(
                    "no earlier run of release {release}: running {} of {} checks",
                    part.to_run(),
                    plan.checks.len()
                ),
            }
            Some(part)
        };
        let first = greenlight_session::opening_events(
            run_id,
            actor,
            plan,
            &path.display().to_string(),
            profile,
            &release,
            partial.as_ref(),
        );
        store
            .append(first)
            .await
            .map_err(|e| Failure::io(format!("cannot record the run in {spec}: {e}")))?;
        let (mut acts, earlier) =
            crate::record::release_acts(&store, run_id, &release, None).await?;
        if let Some(list) = options.list {
            let people = crate::record::people_for(&acts, run_id, plan, &[], false);
            let mut authors: Option<Option<std::collections::HashMap<usize, String>>> = None;
            let ticks = release::document_ticks(list, plan, &people, &mut |line| {
                authors
                    .get_or_insert_with(|| release::blame_authors(&path, Duration::from_secs(3)))
                    .as_ref()
                    .and_then(|m| m.get(&line).cloned())
            });
            if !ticks.is_empty() {
                let events = greenlight_session::tick_events(run_id, &ticks);
                let stored = store.append(events).await.map_err(Failure::from)?;
                acts.extend(stored.iter().filter_map(crate::record::act_of));
                let ticked = ticks.iter().filter(|t| t.checked).count();
                eprintln!(
                    "{ticked} box{} ticked [x] in the document count{} as people's checks{}",
                    if ticked == 1 { "" } else { "es" },
                    if ticked == 1 { "s" } else { "" },
                    match ticks.len() - ticked {
                        0 => String::new(),
                        n => format!("; {n} reopened"),
                    }
                );
            }
        }
        if let Some((base, _)) = &baseline {
            eprintln!("latency baseline: run {base} (the last GO run of this checklist)");
        }
        let recording = Recording {
            store: std::sync::Arc::new(store),
            actor: actor.to_string(),
            baseline,
            acts,
        };
        let report = execute_async(
            plan,
            profile,
            style,
            run_id,
            Some(&recording),
            partial.map(|p| p.done),
        )
        .await?;
        eprintln!(
            "{}",
            term::printable(&format!(
                "recorded run {run_id} in {} · release {release}{}",
                recording.store.describe(),
                match earlier {
                    0 => " (its first run)".to_string(),
                    n => format!(
                        " (people's work carried from {n} earlier run{})",
                        if n == 1 { "" } else { "s" }
                    ),
                }
            ))
        );
        Ok(report)
    })
}

/// `greenlight resume RUN`: runs what had not finished, with the run's own
/// plan; with `--failed`, also what failed, was blocked or did not run.
pub fn resume(args: crate::cli::ResumeArgs) -> Result<u8, Failure> {
    let profile = load_profile(&args.profile)?;
    let style = Style::detect();
    let runtime = exit::runtime()?;
    let report = runtime.block_on(async {
        let spec = crate::record::store_spec(args.store.store.as_deref(), None);
        let key = crate::record::profile_key(&profile)?;
        let store = crate::record::open_keyed(&spec, key).await?;
        let state = crate::record::load(&store, Some(&args.run)).await?;
        crate::record::may_append(&state, &store)?;
        let actor = crate::record::actor(None);
        let done = greenlight_session::resume_from(&state, args.failed);
        let open = done.iter().filter(|r| r.is_none()).count();
        eprintln!(
            "resuming run {}: keeping {} of {} results; running the other {open}{}",
            state.run_id,
            done.len() - open,
            done.len(),
            if args.failed {
                " (unfinished, failed, blocked or not run)"
            } else {
                ""
            }
        );
        store
            .append(vec![greenlight_session::resumed_event(
                &state.run_id,
                &actor,
                open,
                args.failed,
            )])
            .await
            .map_err(|e| Failure::io(e.to_string()))?;
        let (acts, _) =
            crate::record::release_acts(&store, &state.run_id, &state.release, None).await?;
        let recording = Recording {
            store: std::sync::Arc::new(store),
            actor,
            baseline: None,
            acts,
        };
        execute_async(
            &state.plan,
            &profile,
            style,
            &state.run_id,
            Some(&recording),
            Some(done),
        )
        .await?;
        // The report with everything recorded, people's work included.
        let state = crate::record::load(&recording.store, Some(&state.run_id)).await?;
        Ok::<_, Failure>(state.report())
    })?;
    finish(&report, &profile, &args.output, style)
}

/// The exit code of a verdict under the default `--fail-on pending`.
pub fn exit_code(verdict: Verdict) -> u8 {
    exit::verdict_code(verdict, exit::FailOn::Pending)
}

/// Whether the Markdown report at `path` is appended to: with `--append`,
/// or when `path` is the CI step-summary file ($GITHUB_STEP_SUMMARY), which
/// other steps write to as well.
pub fn markdown_appends(path: &Path, append: bool) -> bool {
    append
        || std::env::var_os("GITHUB_STEP_SUMMARY")
            .filter(|s| !s.is_empty())
            .is_some_and(|summary| same_path(Path::new(&summary), path))
}

fn same_path(a: &Path, b: &Path) -> bool {
    if a == b {
        return true;
    }
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

/// Appends `text` to `path` (created when missing), after a blank line
/// when the file does not end with one.
fn append_to(path: &Path, text: &str) -> Result<(), Failure> {
    use std::io::Write;
    let fail = |e: std::io::Error| Failure::io(format!("{}: cannot append: {e}", path.display()));
    let separate = std::fs::read(path)
        .map(|b| !b.is_empty() && !b.ends_with(b"\n\n"))
        .unwrap_or(false);
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(fail)?;
    let mut bytes = String::new();
    if separate {
        bytes.push('\n');
    }
    bytes.push_str(text);
    file.write_all(bytes.as_bytes()).map_err(fail)
}

/// Writes the requested reports and prints the summary.
pub fn finish(
    report: &RunReport,
    profile: &Profile,
    outputs: &OutputArgs,
    style: Style,
) -> Result<u8, Failure> {
    let redactor = Redactor::new(profile.secrets());
    // `-` is stdout: the report is then the command's output, and the
    // summary moves to stderr so the two never mix.
    let dash = |p: &Option<PathBuf>| p.as_deref() == Some(Path::new("-"));
    let report_on_stdout = dash(&outputs.json) || dash(&outputs.junit) || dash(&outputs.markdown);
    let write = |path: &Path, text: String| {
        if path == Path::new("-") {
            term::out(&text).map_err(|e| Failure::io(format!("cannot write output: {e}")))
        } else {
            crate::cli::write_atomically(path, text.as_bytes())
        }
    };
    if let Some(p) = &outputs.json {
        write(p, greenlight_report::json::render(report, &redactor))?;
    }
    if let Some(p) = &outputs.junit {
        write(p, greenlight_report::junit::render(report, &redactor))?;
    }
    if let Some(p) = &outputs.markdown {
        let text = greenlight_report::markdown::render(report, &redactor);
        if p != Path::new("-") && markdown_appends(p, outputs.append) {
            append_to(p, &text)?;
        } else {
            write(p, text)?;
        }
    }
    // The verdict is the command's output: stdout, so `| tee log` keeps it
    // (stderr when a report is written to stdout).
    if report_on_stdout {
        eprint!("{}", redactor.redact(&term::summary(report, style, 12)));
    } else {
        term::out(&redactor.redact(&term::summary(report, Style::stdout(), 12)))
            .map_err(|e| Failure::io(format!("cannot write output: {e}")))?;
    }
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
    if term::verbosity() != term::Verbosity::Quiet {
        let hint = if hints.is_empty() {
            "reports: add --json PATH, --junit PATH or --markdown PATH".to_string()
        } else {
            format!("reports written · {}", hints.join(" · "))
        };
        eprintln!("{}", style.dim(&hint));
    }
    Ok(exit::verdict_code(report.verdict, outputs.fail_on))
}
