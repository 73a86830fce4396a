//! `greenlight plan`, `greenlight run` and `greenlight demo`.

use crate::exit::{self, Failure};
use crate::term::{self, Live, Style};
use greenlight_doc::Checklist;
use greenlight_run::execute::Event;
use greenlight_run::outcome::{RunReport, StepResult, Verdict};
use greenlight_run::plan::{self, Gate, Handling, Plan};
use greenlight_run::profile::Profile;
use greenlight_run::redact::Redactor;
use greenlight_session::run::{self as session, Notice, Observer, Stop};
use std::path::{Path, PathBuf};

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
    // Once per command, by name: a one-letter secret masks that letter in
    // every evidence text.
    for w in profile.short_secret_warnings() {
        eprintln!("warning: {}", term::printable(&w));
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
        plan.counted_items()
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

pub use greenlight_session::run::RunOptions;

/// Runs a plan to its report with the live terminal view (see
/// [`greenlight_session::run::execute`]).
pub async fn execute_async(
    plan: &Plan,
    profile: &Profile,
    style: Style,
    run_id: &str,
    recording: Option<&Recording>,
    done: Option<Vec<Option<StepResult>>>,
) -> Result<RunReport, Failure> {
    let stop = Stop::new();
    let (report, _) = session::execute(
        plan,
        profile,
        run_id,
        recording,
        done,
        Terminal::boxed(style, &stop),
        &stop,
    )
    .await?;
    Ok(report)
}

/// The live terminal view of a run: [`Live`] on stderr, the session's
/// notices as lines, and Ctrl-C, which stops starting new checks (a
/// second Ctrl-C kills).
pub struct Terminal {
    style: Style,
    live: Option<Live>,
    stop: Stop,
    ctrl_c: Option<tokio::task::JoinHandle<()>>,
}

impl Terminal {
    pub fn boxed(style: Style, stop: &Stop) -> Box<dyn Observer> {
        Box::new(Terminal {
            style,
            live: None,
            stop: stop.clone(),
            ctrl_c: None,
        })
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        if let Some(task) = self.ctrl_c.take() {
            task.abort();
        }
    }
}

impl Observer for Terminal {
    fn begin(&mut self, plan: &std::sync::Arc<Plan>, redactor: &Redactor, run_id: &str) {
        // Ctrl-C: stop starting new checks; report what ran.
        let stop = self.stop.clone();
        self.ctrl_c = Some(tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                stop.stop();
                eprintln!(
                    "\ninterrupted: finishing running checks, starting no new ones (Ctrl-C again to kill)"
                );
                let _ = tokio::signal::ctrl_c().await;
                std::process::exit(130);
            }
        }));
        let mut live = Live::new(plan.clone(), self.style, redactor.clone());
        live.header(env!("CARGO_PKG_VERSION"), run_id);
        self.live = Some(live);
    }

    fn event(&mut self, event: &Event, results: &[Option<StepResult>]) {
        let Some(live) = &mut self.live else { return };
        match event {
            Event::PhaseStarted { phase } => live.phase_started(*phase),
            Event::CheckStarted { check } => live.check_started(*check),
            Event::LoadProgress { check, snapshot } => live.load_progress(*check, snapshot),
            Event::CheckFinished { check, result } => live.check_finished(*check, result),
            Event::PhaseFinished { phase, elapsed } => {
                live.phase_finished(*phase, results, *elapsed)
            }
        }
    }

    fn tick(&mut self) {
        if let Some(live) = &mut self.live {
            live.tick();
        }
    }

    fn end(&mut self) {
        if let Some(live) = &mut self.live {
            live.close();
        }
        if let Some(task) = self.ctrl_c.take() {
            task.abort();
        }
    }

    fn notice(&mut self, notice: Notice<'_>) {
        // With --quiet, stderr carries only warnings and errors: the run ID
        // is still in the reports (--json) and in `greenlight history`.
        if term::verbosity() == term::Verbosity::Quiet && !is_warning(&notice) {
            return;
        }
        eprintln!("{}", term::fit(notice_line(&notice), term::width()));
    }
}

/// Whether a notice warns (the store failed): those are shown even with
/// `--quiet`; the others only tell what happens.
fn is_warning(notice: &Notice<'_>) -> bool {
    matches!(
        notice,
        Notice::StoreRetrying { .. } | Notice::Unrecorded { .. }
    )
}

/// A session's notice as the command line prints it.
fn notice_line(notice: &Notice<'_>) -> String {
    let s = |n: usize, one: &'static str, many: &'static str| if n == 1 { one } else { many };
    match *notice {
        Notice::Rerunning {
            checks,
            kept,
            from: Some(run),
            will_run,
            ..
        } => format!(
            "re-running {} of {checks} checks{}; keeping {kept} result{} of run {run}",
            will_run.run,
            not_running(&will_run),
            s(kept, "", "s")
        ),
        Notice::Rerunning {
            checks,
            from: None,
            release,
            will_run,
            ..
        } => format!(
            "no earlier run of release {release}: running {} of {checks} checks{}",
            will_run.run,
            not_running(&will_run)
        ),
        Notice::DocumentTicks { ticked, reopened } => format!(
            "{ticked} box{} ticked [x] in the document count{} as people's checks{}",
            s(ticked, "", "es"),
            s(ticked, "s", ""),
            match reopened {
                0 => String::new(),
                n => format!("; {n} reopened"),
            }
        ),
        Notice::Baseline { run } => {
            format!("latency baseline: run {run} (the last GO run of this checklist)")
        }
        Notice::StoreRetrying { error } => format!(
            "warning: cannot record to the store ({}); results are kept and retried",
            term::printable(error)
        ),
        Notice::Unrecorded {
            error,
            events,
            path,
        } => format!(
            "warning: the store is unreachable ({}); {events} unrecorded events were saved to {}",
            term::printable(error),
            path.display()
        ),
        Notice::Recorded {
            run_id,
            store,
            release,
            earlier,
        } => term::printable(&format!(
            "recorded run {run_id} in {store} · release {release}{}",
            match earlier {
                0 => " (its first run)".to_string(),
                n => format!(
                    " (people's work carried from {n} earlier run{})",
                    s(n, "", "s")
                ),
            }
        ))
        .into_owned(),
        Notice::Resuming {
            run_id,
            kept,
            checks,
            open,
            failed,
            will_run,
        } => {
            let which = if failed {
                " (unfinished, failed, blocked or not run)"
            } else {
                ""
            };
            if will_run.run == open {
                format!(
                    "resuming run {run_id}: keeping {kept} of {checks} results; running the other {open}{which}"
                )
            } else {
                format!(
                    "resuming run {run_id}: keeping {kept} of {checks} results; running {} of the other {open}{which}; not run: {}",
                    will_run.run,
                    will_run.others()
                )
            }
        }
    }
}

/// The checks a run set out to run but will not, named by why:
/// ` (not run: 17 not allowed in this profile, 2 blocked)`;
/// empty when every one runs.
fn not_running(will_run: &greenlight_run::plan::WillRun) -> String {
    let others = will_run.others();
    if others.is_empty() {
        String::new()
    } else {
        format!(" (not run: {others})")
    }
}

/// Runs a plan, recording it in the store at `store_spec` when given, as
/// a run of its release (see [`greenlight_session::run::run_recorded`]).
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
    run_recorded_observed(
        plan,
        profile,
        run_id,
        store_spec,
        actor,
        checklist,
        options,
        |stop| Terminal::boxed(style, stop),
    )
}

/// [`run_recorded`] with the observer `observer` makes (given the run's
/// [`Stop`]) instead of the live terminal view.
#[allow(clippy::too_many_arguments)]
pub fn run_recorded_observed(
    plan: &Plan,
    profile: &Profile,
    run_id: &str,
    store_spec: Option<&str>,
    actor: &str,
    checklist: &Path,
    options: &RunOptions<'_>,
    observer: impl FnOnce(&Stop) -> Box<dyn Observer>,
) -> Result<RunReport, Failure> {
    let runtime = exit::runtime()?;
    runtime.block_on(async {
        let at = match store_spec {
            Some(spec) => Some(session::StoreAt {
                spec,
                key: crate::record::profile_key(profile)?,
            }),
            None => None,
        };
        let stop = Stop::new();
        let report = session::run_recorded(
            plan,
            profile,
            run_id,
            at,
            actor,
            checklist,
            options,
            observer(&stop),
            &stop,
        )
        .await?;
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
        let actor = crate::record::actor(args.name.as_deref());
        let stop = Stop::new();
        let report = session::resume(
            session::StoreAt { spec: &spec, key },
            &args.run,
            args.failed,
            &profile,
            &actor,
            Terminal::boxed(style, &stop),
            &stop,
        )
        .await?;
        Ok::<_, Failure>(report)
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
    finish_with(report, profile, outputs, style, term::summary)
}

/// [`finish`] with the summary `summary` writes (a rollback's reads
/// `ROLLED BACK`, see [`term::rollback_summary`]).
pub fn finish_with(
    report: &RunReport,
    profile: &Profile,
    outputs: &OutputArgs,
    style: Style,
    summary: fn(&RunReport, Style, usize) -> String,
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
        eprint!("{}", redactor.redact(&summary(report, style, 12)));
    } else {
        term::out(&redactor.redact(&summary(report, Style::stdout(), 12)))
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

#[cfg(test)]
mod tests {
    use super::*;
    use greenlight_run::plan::WillRun;

    /// The notes a run prints about what it runs count only the checks
    /// that really run, and name the others by why.
    #[test]
    fn notices_count_what_really_runs() {
        let all = WillRun {
            run: 3,
            ..WillRun::default()
        };
        let some = WillRun {
            run: 19,
            not_allowed: 11,
            blocked: 10,
            held: 0,
        };
        let lines = [
            Notice::Rerunning {
                to_run: 3,
                checks: 4,
                kept: 1,
                from: Some("44vm3"),
                release: "r",
                will_run: all,
            },
            Notice::Rerunning {
                to_run: 40,
                checks: 40,
                kept: 0,
                from: Some("44vm3"),
                release: "r",
                will_run: some,
            },
            Notice::Rerunning {
                to_run: 40,
                checks: 40,
                kept: 0,
                from: None,
                release: "STAGING.md@staging",
                will_run: some,
            },
            Notice::Resuming {
                run_id: "44vm3",
                kept: 0,
                checks: 40,
                open: 40,
                failed: true,
                will_run: some,
            },
            Notice::Resuming {
                run_id: "44vm3",
                kept: 1,
                checks: 4,
                open: 3,
                failed: false,
                will_run: all,
            },
        ]
        .iter()
        .map(notice_line)
        .collect::<Vec<_>>()
        .join("\n");
        insta::assert_snapshot!(lines);
    }

    #[test]
    fn only_store_failures_pass_quiet() {
        let path = Path::new("x.jsonl");
        assert!(is_warning(&Notice::StoreRetrying { error: "e" }));
        assert!(is_warning(&Notice::Unrecorded {
            error: "e",
            events: 1,
            path,
        }));
        assert!(!is_warning(&Notice::Recorded {
            run_id: "r",
            store: "s",
            release: "x",
            earlier: 0,
        }));
        assert!(!is_warning(&Notice::Baseline { run: "r" }));
    }
}
