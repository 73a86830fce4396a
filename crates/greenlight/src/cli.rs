//! The command line: parses arguments and dispatches to commands.

use crate::exit::{self, Failure};
use clap::{Args, Parser, Subcommand};
use std::path::{Path, PathBuf};

#[derive(Parser, Debug)]
#[command(
    name = "greenlight",
    version,
    about = "Runs your Markdown release checklist: verifies what a machine can, tracks what people must, answers GO or NO-GO.",
    long_about = "greenlight reads a release checklist written in plain Markdown (checkbox items under \
phase headings, curl/psql/redis-cli commands with `# Expected:` comments, sign-off lines) exactly as the \
team wrote it. `inspect` shows what it understood; `mark` ticks boxes without touching any other byte; \
`fix-encoding` writes a copy with mojibake undone.",
    after_help = exit::HELP
)]
pub struct Cli {
    /// Show more: every check as it finishes, every reason in the summary.
    #[arg(short, long, global = true, conflicts_with = "quiet")]
    pub verbose: bool,
    /// Quiet: stderr carries only warnings and errors; the run ID is in `--json`.
    ///
    /// No live view and no notes such as "recorded run … in …"; the
    /// verdict and reports are written as usual. The run ID is still at
    /// hand: `run_id` in the JSON report (`--json PATH`), and `greenlight
    /// history` lists it.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Show what greenlight understood of a checklist: phases, budgets,
    /// severity, items with their line and ID, code blocks, sign-off slots,
    /// rollback and monitoring sections.
    #[command(
        after_help = "Examples:\n  greenlight inspect RELEASE.md\n  greenlight inspect RELEASE.md --json | jq '.items[] | select(.steps | length > 0) | .id'"
    )]
    Inspect(InspectArgs),
    /// Tick or untick checkboxes in the Markdown file by item ID or line.
    /// Only the byte inside `[ ]` changes; every other byte stays as it was.
    #[command(
        after_help = "Examples:\n  greenlight mark RELEASE.md --check 4k2m9xq --check L57\n  greenlight mark RELEASE.md --uncheck 4k2m9xq -o RELEASE.marked.md"
    )]
    Mark(MarkArgs),
    /// Write a copy of a checklist as clean UTF-8, with mojibake
    /// (`âœ…` for ✅, `üöÄ` for 🚀) undone. The original is never changed.
    #[command(
        name = "fix-encoding",
        after_help = "Example:\n  greenlight fix-encoding RELEASE.md -o RELEASE.fixed.md && diff RELEASE.md RELEASE.fixed.md"
    )]
    FixEncoding(FixEncodingArgs),
    /// Dry run: for each item, what would run (natively with which probe,
    /// or through a shell), its safety class, what it waits for, and what
    /// is left to people. Nothing is sent anywhere.
    #[command(
        after_help = "Example:\n  greenlight plan STAGING.md --env staging.toml --allow mutating"
    )]
    Plan(PlanArgs),
    /// Run every check a machine can run and answer GO, GO_WITH_WARNINGS,
    /// PENDING or NO_GO with reasons. Only allowed safety classes run
    /// (read by default); rollback procedures and monitoring windows never do.
    #[command(after_help = RUN_HELP)]
    Run(RunArgs),
    /// Run only the document's rollback procedure, step by step, stopping
    /// at the first failure. Its steps change things: they need --allow
    /// mutating (or destructive); without it nothing runs. Recorded as a
    /// run of the release, with who allowed it. --arm / --disarm record
    /// whether `watch` may roll back by itself.
    #[command(after_help = "Examples:
  greenlight rollback RELEASE.md --env prod.toml                    # the plan, and what it needs
  greenlight rollback RELEASE.md --env prod.toml --allow mutating
  greenlight rollback RELEASE.md --env prod.toml --arm --expires 48h")]
    Rollback(crate::rollback_cmd::RollbackArgs),
    /// Watch the release after its deploy: the monitoring sections' read
    /// checks and the document's metric gates (error rate, p95 latency, …)
    /// at every tick for the window's length, its checkpoints (`Hour 6: …`)
    /// recorded, and on a breach the profile's `[watch] on_breach` policy:
    /// notify, pause, rollback (only when armed). Recorded as a run of the
    /// release; its outcome enters the release's verdict.
    #[command(after_help = "Examples:
  greenlight watch RELEASE.md --env prod.toml                        # the document's window, 1m ticks
  greenlight watch RELEASE.md --env prod.toml --for 2h --every 30s
  greenlight watch RELEASE.md --env staging.toml --time-scale 3600   # rehearse 48h in 48s
  greenlight watch RELEASE.md --env prod.toml --resume 7kq2x         # continue a paused window

Outcome and exit code: ok 0; a breach 1 (NO_GO); interrupted or paused 3
(PENDING, exit 0 with --fail-on no_go); a warning 0 (5 with --fail-on warn).")]
    Watch(crate::watch_cmd::WatchArgs),
    /// Start a built-in sample service on a free loopback port and run the
    /// bundled example checklist against it, on embedded defaults.
    Demo(DemoArgs),
    /// Show a recorded run: progress per phase, open manual items, missing
    /// sign-offs, budget use and the verdict. Default: the latest run.
    Status(crate::runs_cmd::StatusArgs),
    /// Write a run as one self-contained HTML file (inline CSS and SVG):
    /// the verdict with its reasons, phases and budgets, items with
    /// evidence, sign-offs, waivers, owed work and load charts.
    #[command(after_help = "Example:\n  greenlight report 4k2m9 --html release-4k2m9.html")]
    Report(crate::report_cmd::ReportArgs),
    /// Record that you checked an item of a run (by ID or line).
    Check(crate::runs_cmd::CheckArgs),
    /// Record that an item is no longer checked.
    Uncheck(crate::runs_cmd::CheckArgs),
    /// Record a waiver for an item, with reason, approver and expiry.
    /// Waivers never count for blockers.
    Waive(crate::runs_cmd::WaiveArgs),
    /// Sign a run off in one of the document's sign-off roles.
    Signoff(crate::runs_cmd::SignoffArgs),
    /// Print a run's verdict with all its reasons; exits like `run`.
    Decide(DecideArgs),
    /// Re-run only what a killed or interrupted run had not finished.
    Resume(ResumeArgs),
    /// Verify a run's audit chain and name the first altered event.
    Audit(crate::runs_cmd::RunRefArgs),
    /// List recorded runs with their verdicts and durations.
    History(crate::runs_cmd::HistoryArgs),
    /// Show items whose status changed between two runs, and latency changes.
    Compare(crate::runs_cmd::CompareArgs),
    /// Tick, in the Markdown file, the items of a run that passed or that a
    /// person checked. Only those checkbox bytes change.
    Write(WriteArgs),
    /// Load-test one URL with the built-in generator: closed (--vus) or
    /// open (--rate) model, k6-style thresholds; exits 1 when a threshold fails.
    #[command(
        after_help = "Examples:\n  greenlight load http://127.0.0.1:8080/health --vus 64 --duration 30s --threshold 'p(95)<300' --threshold 'rate<0.05'\n  greenlight load http://127.0.0.1:8080/health --rate 500/s --duration 1m --json load.json"
    )]
    Load(crate::load_cmd::LoadArgs),
    /// Write a commented profile skeleton (TOML) from the hosts, variables,
    /// services and sign-off roles a checklist uses. Never overwrites
    /// without --force.
    #[command(
        after_help = "Example:\n  greenlight init RELEASE.md -o staging.toml && $EDITOR staging.toml && greenlight plan RELEASE.md --env staging.toml"
    )]
    Init(crate::init_cmd::InitArgs),
    /// Print a shell completion script: bash, zsh, fish, elvish or powershell.
    #[command(
        after_help = "Examples:\n  greenlight completions bash > ~/.local/share/bash-completion/completions/greenlight\n  greenlight completions zsh > \"${fpath[1]}/_greenlight\"\n  greenlight completions fish > ~/.config/fish/completions/greenlight.fish"
    )]
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print a man page (roff): `greenlight man | man -l -`, `greenlight man run`.
    #[command(
        after_help = "Examples:\n  greenlight man | man -l -\n  greenlight man signoff | man -l -\n  greenlight man --out-dir /usr/local/share/man/man1   # greenlight.1 and one page per command"
    )]
    Man {
        /// The command whose page to print (`run`, `check`, …). Default: greenlight's own page.
        command: Option<String>,
        /// Write every page (greenlight.1, greenlight-run.1, …) into this folder instead.
        #[arg(long, value_name = "DIR", conflicts_with = "command")]
        out_dir: Option<std::path::PathBuf>,
    },
    /// Manage the server's accounts and API tokens in the store.
    Users(crate::users_cmd::UsersArgs),
    /// Serve the release room over HTTP: a JSON API (/api/v1, described at
    /// /openapi.json) with live updates over server-sent events, read from
    /// the event store the CLI writes.
    Serve(crate::serve_cmd::ServeArgs),
}

#[derive(Args, Debug)]
pub struct ResumeArgs {
    /// The run: its ID or a unique prefix (see `greenlight history`).
    pub run: String,
    /// Also re-run the checks that failed, were blocked or did not run.
    #[arg(long)]
    pub failed: bool,
    /// Who resumes it (default: $GREENLIGHT_USER, else git's user.name, else $USER).
    #[arg(long)]
    pub name: Option<String>,
    #[command(flatten)]
    pub profile: crate::run_cmd::ProfileArgs,
    #[command(flatten)]
    pub output: crate::run_cmd::OutputArgs,
    #[command(flatten)]
    pub store: crate::runs_cmd::StoreArgs,
}

#[derive(Args, Debug)]
pub struct DecideArgs {
    #[command(flatten)]
    pub run: crate::runs_cmd::RunRefArgs,
    /// The lowest verdict that fails: no_go, pending (default) or warn.
    #[arg(long, value_name = "LEVEL", value_enum, default_value_t = exit::FailOn::Pending)]
    pub fail_on: exit::FailOn,
}

#[derive(Args, Debug)]
pub struct WriteArgs {
    /// Run ID (a unique prefix is enough). Default: the latest run.
    pub run: Option<String>,
    #[command(flatten)]
    pub store: crate::runs_cmd::StoreArgs,
    #[command(flatten)]
    pub key: crate::runs_cmd::KeyArgs,
}

const RUN_HELP: &str = "\
Examples:
  greenlight run STAGING.md --env staging.toml
  greenlight run STAGING.md --env staging.toml --set TOKEN=$(cat token) --json report.json --junit junit.xml
  greenlight run STAGING.md --env staging.toml --allow mutating --markdown $GITHUB_STEP_SUMMARY
  greenlight run PERF.md --env staging.toml --allow load     # k6 blocks and ab/wrk/hey/oha lines run natively
  greenlight run STAGING.md --env staging.toml --fail-on no_go --quiet | tee verdict.txt

The verdict and summary go to stdout; the live view goes to stderr (--quiet turns it off).
See `greenlight --help` for the exit codes and how --fail-on maps verdicts to them.";

#[derive(Args, Debug)]
pub struct PlanArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub profile: crate::run_cmd::ProfileArgs,
    /// Print the plan as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct RunArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub profile: crate::run_cmd::ProfileArgs,
    #[command(flatten)]
    pub output: crate::run_cmd::OutputArgs,
    #[command(flatten)]
    pub store: crate::runs_cmd::StoreArgs,
    /// Do not record the run in a store.
    #[arg(long)]
    pub no_store: bool,
    /// Afterwards, tick in the Markdown file the items that passed.
    #[arg(long)]
    pub write: bool,
    /// Who runs it (default: $GREENLIGHT_USER, else git's user.name, else $USER).
    #[arg(long)]
    pub name: Option<String>,
    #[command(flatten)]
    pub release: ReleaseArgs,
}

/// How a run builds on the earlier runs of its release.
#[derive(Args, Debug, Default)]
pub struct ReleaseArgs {
    /// The release this run belongs to (a version, say). Default: the
    /// `release` of greenlight.toml, else the checklist and the profile.
    /// People's checks, waivers and sign-offs carry over between its runs.
    #[arg(long, value_name = "NAME")]
    pub release: Option<String>,
    /// Re-run only the checks that failed, were blocked or did not run in
    /// the release's latest run; keep the other results.
    #[arg(long)]
    pub rerun_failed: bool,
    /// Re-run only this item (ID, or its line: `L57`); keep the other
    /// results of the release's latest run. Repeatable.
    #[arg(long, value_name = "ITEM")]
    pub only: Vec<String>,
    /// Re-run only the checks of this phase (its title). Repeatable.
    #[arg(long, value_name = "NAME")]
    pub phase: Vec<String>,
}

#[derive(Args, Debug)]
pub struct DemoArgs {
    #[command(flatten)]
    pub output: crate::run_cmd::OutputArgs,
    /// Allow a safety class beyond read (the demo has one mutating POST), or
    /// `load` for its load test.
    #[arg(long = "allow", value_name = "CLASS")]
    pub allow: Vec<String>,
    #[command(flatten)]
    pub store: crate::runs_cmd::StoreArgs,
    /// Do not record the run in a store.
    #[arg(long)]
    pub no_store: bool,
}

#[derive(Args, Debug)]
pub struct InputArgs {
    /// The checklist (Markdown). Default: the `checklist` of greenlight.toml.
    #[arg(default_value = "", hide_default_value = true, value_parser = any_path)]
    pub file: PathBuf,
    /// Refuse files larger than this many bytes.
    #[arg(long, value_name = "BYTES", default_value_t = greenlight_doc::DEFAULT_MAX_BYTES)]
    pub max_size: u64,
    /// Which list items are items: `auto` takes list items under headings
    /// when the document has no checkboxes; `checkboxes` never does (nor
    /// table checklist rows); `bullets` always does.
    #[arg(long, value_name = "MODE", value_enum, default_value_t = ItemsArg::Auto)]
    pub items: ItemsArg,
}

/// A path, or nothing (then greenlight.toml's `checklist` is used).
fn any_path(s: &str) -> Result<PathBuf, std::convert::Infallible> {
    Ok(PathBuf::from(s))
}

/// `--items`: see [`greenlight_doc::ItemsMode`].
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ItemsArg {
    Auto,
    Checkboxes,
    Bullets,
}

impl InputArgs {
    /// Reads and parses the checklist with the chosen `--items` mode.
    pub fn load(&self) -> Result<(Vec<u8>, greenlight_doc::Checklist), greenlight_doc::LoadError> {
        let mode = match self.items {
            ItemsArg::Auto => greenlight_doc::ItemsMode::Auto,
            ItemsArg::Checkboxes => greenlight_doc::ItemsMode::Checkboxes,
            ItemsArg::Bullets => greenlight_doc::ItemsMode::Bullets,
        };
        greenlight_doc::load_with(&self.file, self.max_size, mode)
    }
}

#[derive(Args, Debug)]
pub struct InspectArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Print the whole model as JSON (schema greenlight.doc/v1) instead of the outline.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct MarkArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Item to tick, by ID or line (`L57` or `57`). Repeatable.
    #[arg(long, value_name = "ITEM")]
    pub check: Vec<String>,
    /// Item to untick, by ID or line. Repeatable.
    #[arg(long, value_name = "ITEM")]
    pub uncheck: Vec<String>,
    /// Write the result here instead of changing FILE in place.
    #[arg(short, long, value_name = "PATH")]
    pub output: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct FixEncodingArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Where to write the repaired copy (must not be FILE).
    #[arg(short, long, value_name = "PATH")]
    pub output: PathBuf,
}

/// Fills a missing checklist and `--env` from the nearest greenlight.toml.
fn defaults(
    input: Option<&mut InputArgs>,
    profile: Option<&mut crate::run_cmd::ProfileArgs>,
) -> Result<(), Failure> {
    let config = crate::record::config()?;
    if let Some(input) = input
        && input.file.as_os_str().is_empty()
    {
        input.file = config.as_ref().and_then(|c| c.checklist.clone()).ok_or_else(|| {
            Failure::usage(
                "no checklist given (and no greenlight.toml with `checklist = \"…\"` above this folder)",
            )
        })?;
    }
    if let Some(profile) = profile
        && profile.env.is_none()
    {
        profile.env = config.and_then(|c| c.profile);
    }
    Ok(())
}

/// Runs the command line and returns the process exit code.
pub fn run(mut cli: Cli) -> Result<u8, Failure> {
    match &mut cli.command {
        Command::Inspect(a) => defaults(Some(&mut a.input), None)?,
        Command::Mark(a) => defaults(Some(&mut a.input), None)?,
        Command::FixEncoding(a) => defaults(Some(&mut a.input), None)?,
        Command::Plan(a) => defaults(Some(&mut a.input), Some(&mut a.profile))?,
        Command::Run(a) => defaults(Some(&mut a.input), Some(&mut a.profile))?,
        Command::Rollback(a) => defaults(Some(&mut a.input), Some(&mut a.profile))?,
        Command::Watch(a) => defaults(Some(&mut a.input), Some(&mut a.profile))?,
        Command::Resume(a) => defaults(None, Some(&mut a.profile))?,
        _ => {}
    }
    crate::term::set_verbosity(if cli.quiet {
        crate::term::Verbosity::Quiet
    } else if cli.verbose {
        crate::term::Verbosity::Verbose
    } else {
        crate::term::Verbosity::Normal
    });
    match cli.command {
        Command::Inspect(args) => inspect(args),
        Command::Mark(args) => mark(args),
        Command::FixEncoding(args) => fix_encoding(args),
        Command::Plan(args) => plan(args),
        Command::Run(args) => run_checklist(args),
        Command::Rollback(args) => crate::rollback_cmd::run(args),
        Command::Watch(args) => crate::watch_cmd::run(args),
        Command::Demo(args) => crate::demo::run(args),
        Command::Status(args) => crate::runs_cmd::status(args),
        Command::Report(args) => crate::report_cmd::run(args),
        Command::Check(args) => crate::runs_cmd::check(args, true),
        Command::Uncheck(args) => crate::runs_cmd::check(args, false),
        Command::Waive(args) => crate::runs_cmd::waive(args),
        Command::Signoff(args) => crate::runs_cmd::signoff(args),
        Command::Decide(args) => crate::runs_cmd::decide(args.run, args.fail_on),
        Command::Resume(args) => crate::watch_cmd::resume_or_run(args),
        Command::Audit(args) => crate::runs_cmd::audit(args),
        Command::History(args) => crate::runs_cmd::history(args),
        Command::Compare(args) => crate::runs_cmd::compare(args),
        Command::Write(args) => crate::runs_cmd::write(args.run.as_deref(), &args.store, &args.key),
        Command::Load(args) => crate::load_cmd::run(args),
        Command::Serve(args) => crate::serve_cmd::run(args),
        Command::Init(args) => crate::init_cmd::run(args),
        Command::Users(args) => crate::users_cmd::run(args),
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(
                shell,
                &mut <Cli as clap::CommandFactory>::command(),
                "greenlight",
                &mut out,
            );
            print_out(&String::from_utf8_lossy(&out))
        }
        Command::Man { command, out_dir } => man(command.as_deref(), out_dir.as_deref()),
    }
}

/// `greenlight man`: greenlight's page, one command's page, or every page
/// written into a folder.
fn man(command: Option<&str>, out_dir: Option<&Path>) -> Result<u8, Failure> {
    // Built, so each command's page is named `greenlight-COMMAND`.
    let mut cli = <Cli as clap::CommandFactory>::command().disable_help_subcommand(true);
    cli.build();
    if let Some(dir) = out_dir {
        let fail = |e: std::io::Error| Failure::io(format!("{}: {e}", dir.display()));
        std::fs::create_dir_all(dir).map_err(fail)?;
        clap_mangen::generate_to(cli.clone(), dir).map_err(fail)?;
        fn pages(c: &clap::Command) -> usize {
            1 + c
                .get_subcommands()
                .filter(|c| !c.is_hide_set())
                .map(pages)
                .sum::<usize>()
        }
        let n = pages(&cli);
        eprintln!("wrote {n} man pages into {}", dir.display());
        return Ok(exit::OK);
    }
    let page = match command {
        None => cli,
        Some(name) => cli.find_subcommand(name).cloned().ok_or_else(|| {
            Failure::usage(format!(
                "no command {name:?}; man pages: {}",
                cli.get_subcommands()
                    .map(|c| c.get_name())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?,
    };
    let mut out = Vec::new();
    clap_mangen::Man::new(page)
        .render(&mut out)
        .map_err(Failure::internal)?;
    print_out(&String::from_utf8_lossy(&out))
}

fn plan(args: PlanArgs) -> Result<u8, Failure> {
    let (_, list) = args.input.load()?;
    let profile = crate::run_cmd::load_profile(&args.profile)?;
    let name = args.input.file.display().to_string();
    let plan = crate::run_cmd::make_plan(&list, &name, &profile);
    let redactor = greenlight_run::redact::Redactor::new(profile.secrets());
    if args.json {
        return print_json(|out| crate::json_stream::write_plan(out, plan, &redactor));
    }
    // Plain text for a person: nothing the document says can drive the terminal.
    let text = redactor.redact(&crate::run_cmd::print_plan(
        &plan,
        crate::term::Style::plain(),
    ));
    let text = crate::term::printable(&text).into_owned();
    print_out(&text)
}

fn run_checklist(args: RunArgs) -> Result<u8, Failure> {
    // git is asked who is running (if it must be) while the document is
    // read and planned.
    let actor = crate::record::ActorLookup::start(args.name.as_deref());
    let (_, list) = args.input.load()?;
    let profile = crate::run_cmd::load_profile(&args.profile)?;
    if args.profile.env.is_none() && crate::term::verbosity() != crate::term::Verbosity::Quiet {
        eprintln!(
            "{}",
            crate::term::fit(
                "note: no --env profile given: hosts are used as written and only read checks run"
                    .to_string(),
                crate::term::width()
            )
        );
    }
    let name = args.input.file.display().to_string();
    let plan = crate::run_cmd::make_plan(&list, &name, &profile);
    let style = crate::term::Style::detect();
    let run_id = crate::run_cmd::new_run_id();
    let store = (!args.no_store)
        .then(|| crate::record::store_spec(args.store.store.as_deref(), Some(&args.input.file)));
    let actor = actor.actor();
    let config_release = match &args.release.release {
        Some(_) => None,
        None => crate::record::config()?.and_then(|c| c.release),
    };
    let options = crate::run_cmd::RunOptions {
        release: args
            .release
            .release
            .as_deref()
            .or(config_release.as_deref()),
        selection: greenlight_run::release::Selection {
            rerun_failed: args.release.rerun_failed,
            only: args.release.only.clone(),
            phases: args.release.phase.clone(),
        },
        list: Some(&list),
        rollback: None,
    };
    let report = crate::run_cmd::run_recorded(
        &plan,
        &profile,
        style,
        &run_id,
        store.as_deref(),
        &actor,
        &args.input.file,
        &options,
    )?;
    let code = crate::run_cmd::finish(&report, &profile, &args.output, style)?;
    if args.write
        && let Some(spec) = &store
    {
        crate::runs_cmd::write(
            Some(&run_id),
            &crate::runs_cmd::StoreArgs {
                store: Some(spec.clone()),
            },
            // The run was signed with the profile's key, if it has one.
            &crate::runs_cmd::KeyArgs {
                env: args.profile.env.clone(),
            },
        )?;
    }
    Ok(code)
}

fn inspect(args: InspectArgs) -> Result<u8, Failure> {
    let (_, list) = args.input.load()?;
    let name = args.input.file.display().to_string();
    if args.json {
        return print_json(|out| crate::json_stream::write_checklist(out, list, &name));
    }
    print_out(&crate::term::printable(&crate::outline::render(
        &name, &list,
    )))
}

fn mark(args: MarkArgs) -> Result<u8, Failure> {
    if args.check.is_empty() && args.uncheck.is_empty() {
        return Err(Failure::usage(
            "nothing to do: name items with --check ITEM or --uncheck ITEM",
        ));
    }
    let (bytes, list) = args.input.load()?;
    let marks = greenlight_doc::writeback::Marks {
        check: args.check,
        uncheck: args.uncheck,
    };
    let (out, changed) = greenlight_doc::writeback::apply_marks(&bytes, &list, &marks)
        .map_err(|e| Failure::usage(format!("{}: {e}", args.input.file.display())))?;
    let target = args.output.as_deref().unwrap_or(&args.input.file);
    if changed > 0 || args.output.is_some() {
        write_atomically(target, &out)?;
    }
    eprintln!(
        "{}: {changed} checkbox{} changed",
        target.display(),
        if changed == 1 { "" } else { "es" }
    );
    Ok(exit::OK)
}

fn fix_encoding(args: FixEncodingArgs) -> Result<u8, Failure> {
    let bytes = greenlight_doc::read_checked(&args.input.file, args.input.max_size)?;
    if same_file(&args.input.file, &args.output) {
        return Err(Failure::usage(format!(
            "{}: refusing to overwrite the original; write the repaired copy to another path",
            args.output.display()
        )));
    }
    let fixed = greenlight_doc::encoding::repair_document(&bytes);
    write_atomically(&args.output, fixed.text.as_bytes())?;
    let from = match fixed.from {
        greenlight_doc::encoding::SourceEncoding::Utf8 => "utf-8",
        greenlight_doc::encoding::SourceEncoding::Windows1252 => "windows-1252 (not utf-8)",
    };
    let mut summary = format!(
        "{} → {}: read as {from}, {} run{} of mojibake repaired",
        args.input.file.display(),
        args.output.display(),
        fixed.runs,
        if fixed.runs == 1 { "" } else { "s" }
    );
    if fixed.lost > 0 {
        summary.push_str(&format!(
            "; {} could not be recovered (a byte was lost) and became U+FFFD �",
            fixed.lost
        ));
    }
    eprintln!("{summary}");
    Ok(exit::OK)
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

/// Writes through a temporary file in the same folder and renames it over
/// the target, so a crash never leaves a half-written checklist.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.greenlight-tmp-{}", std::process::id()));
    let fail = |e: std::io::Error| Failure::io(format!("{}: cannot write: {e}", path.display()));
    std::fs::write(&tmp, bytes).map_err(fail)?;
    if let Ok(meta) = std::fs::metadata(path) {
        let _ = std::fs::set_permissions(&tmp, meta.permissions());
    }
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        fail(e)
    })
}

fn print_out(text: &str) -> Result<u8, Failure> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => Ok(exit::OK),
        // A closed pipe (`| head`) is not an error worth a message.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(exit::OK),
        Err(e) => Err(Failure::io(format!("cannot write output: {e}"))),
    }
}

/// Streams JSON to stdout as it is made (a million items never sit in
/// memory as one string).
fn print_json(
    write: impl FnOnce(&mut dyn std::io::Write) -> serde_json::Result<()>,
) -> Result<u8, Failure> {
    use std::io::Write;
    let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
    let written = write(&mut stdout).and_then(|()| stdout.flush().map_err(serde_json::Error::io));
    match written {
        Ok(()) => Ok(exit::OK),
        // A closed pipe (`| head`) is not an error worth a message.
        Err(e) if e.io_error_kind() == Some(std::io::ErrorKind::BrokenPipe) => Ok(exit::OK),
        Err(e) if e.is_io() => Err(Failure::io(format!("cannot write output: {e}"))),
        Err(e) => Err(internal(e)),
    }
}

fn internal(e: impl std::fmt::Display) -> Failure {
    Failure::internal(e)
}
