//! `greenlight rollback FILE --env P`: runs only the document's rollback
//! procedure, step by step, under the run's safety classes (the plan's
//! gates and the executor's run-time refusal); recorded as a run of the
//! release with who allowed it. `--arm` / `--disarm` record whether
//! `watch` may roll the release back by itself.

use crate::exit::Failure;
use crate::term::Style;
use greenlight_doc::Checklist;
use greenlight_run::outcome::{RunReport, StepResult};
use greenlight_run::plan::{self, Gate, Plan};
use greenlight_run::profile::{Class, Profile};
use greenlight_run::redact::Redactor;
use greenlight_session::rollback::{self, Armed, RollbackAllowed};
use greenlight_session::run::{Notice, Observer};
use std::path::Path;

#[derive(clap::Args, Debug)]
pub struct RollbackArgs {
    #[command(flatten)]
    pub input: crate::cli::InputArgs,
    #[command(flatten)]
    pub profile: crate::run_cmd::ProfileArgs,
    #[command(flatten)]
    pub output: crate::run_cmd::OutputArgs,
    #[command(flatten)]
    pub store: crate::runs_cmd::StoreArgs,
    /// Who allows it (default: $GREENLIGHT_USER, else git's user.name, else $USER).
    #[arg(long)]
    pub name: Option<String>,
    /// The release rolled back (default: greenlight.toml's `release`, else
    /// the checklist and the profile).
    #[arg(long, value_name = "NAME")]
    pub release: Option<String>,
    /// Arm automatic rollback for the release (for `watch`, when the
    /// profile says `[rollback] automatic = true`); runs nothing.
    #[arg(long, conflicts_with = "disarm")]
    pub arm: bool,
    /// With --arm: the arming lapses after this (48h, 2026-12-02, RFC 3339).
    #[arg(long, value_name = "WHEN", requires = "arm")]
    pub expires: Option<String>,
    /// Withdraw the arming; runs nothing.
    #[arg(long)]
    pub disarm: bool,
}

/// Builds the rollback plan of the document.
pub fn make_plan(list: &greenlight_doc::Checklist, name: &str, profile: &Profile) -> Plan {
    plan::build_rollback(
        list,
        name,
        profile,
        &greenlight_run::analyze::analyze_block,
        &|p| greenlight_probe::find_program(p).is_some(),
    )
}

/// The steps that may not run as things stand, each with what it needs.
pub fn refusals(plan: &Plan, profile: &Profile) -> Vec<String> {
    plan.checks
        .iter()
        .filter_map(|c| match &c.gate {
            Gate::Run => None,
            // Allowed, yet not run (shell steps turned off): the gate says why.
            Gate::NotRun { reason } if profile.is_allowed(c.class) => {
                Some(format!("L{}: not run: {reason}", c.line))
            }
            Gate::NotRun { .. } => Some(format!(
                "L{}: {} step: needs --allow {}",
                c.line,
                c.class.as_str(),
                c.class.as_str()
            )),
            Gate::Blocked { reason } => Some(format!("L{}: blocked: {reason}", c.line)),
        })
        .collect()
}

pub fn run(args: RollbackArgs) -> Result<u8, Failure> {
    let (_, list) = args.input.load()?;
    let profile = crate::run_cmd::load_profile(&args.profile)?;
    let config_release = match &args.release {
        Some(_) => None,
        None => crate::record::config()?.and_then(|c| c.release),
    };
    let release_name = args.release.as_deref().or(config_release.as_deref());
    let spec = crate::record::store_spec(args.store.store.as_deref(), Some(&args.input.file));
    if args.arm || args.disarm {
        return arm(&args, &profile, &spec, release_name);
    }
    // Who allows it is asked only once there is something to allow.
    let actor = || crate::record::person(args.name.as_deref());
    let style = Style::detect();
    let executed = execute_with(
        &args.input.file,
        &list,
        &profile,
        &spec,
        release_name,
        actor,
        false,
        style,
        false,
    )?;
    crate::run_cmd::finish_with(
        &executed.report,
        &profile,
        &args.output,
        style,
        crate::term::rollback_summary,
    )
}

/// What [`execute`] needs: the document, the environment, the store and
/// who allows the rollback.
#[derive(Clone, Copy)]
pub struct RollbackInput<'a> {
    /// The checklist's path (the run records it).
    pub file: &'a Path,
    /// The parsed checklist.
    pub list: &'a Checklist,
    /// The environment profile; its allowed classes decide which steps may run.
    pub profile: &'a Profile,
    /// The store spec the run is recorded in.
    pub spec: &'a str,
    /// The release rolled back (`None`: the checklist and the profile name it).
    pub release: Option<&'a str>,
    /// Who allows it: the person at the keyboard, or for an automatic
    /// rollback the person who *armed* it.
    pub actor: &'a str,
    /// Started by `watch` on a breach rather than by hand; recorded in the
    /// run's `rollback` event.
    pub automatic: bool,
    /// Colours of the live view and the printed plan.
    pub style: Style,
    /// No live view, no plan and no "allowed by" line on the terminal (the
    /// caller shows its own); the run is recorded all the same.
    pub quiet: bool,
}

/// A rollback that ran (whatever its verdict).
#[derive(Debug, Clone)]
pub struct Executed {
    /// The rollback run's id in the store.
    pub run_id: String,
    /// Its report, as `run_recorded` returns it.
    pub report: RunReport,
    /// The exit code of its verdict under the default `--fail-on pending`
    /// (0: rolled back, 1: a step failed, 3: people still owe something).
    pub exit_code: u8,
}

/// Runs the document's rollback procedure as a recorded run of the release,
/// every step under the profile's safety classes: when any step may not
/// run (needs `--allow mutating|destructive`, or is blocked), nothing runs
/// and the error lists them all.
///
/// The run's `rollback` event (who allowed which classes, and
/// `automatic`) is recorded before any step runs.
///
/// With `automatic = true` this does **not** check that an automatic
/// rollback is permitted: the caller must first call
/// [`greenlight_session::rollback::may_roll_back_automatically`] (the
/// profile's `[rollback] automatic = true` and a live arming of the
/// release) and pass the arming's `by` as `actor`.
///
/// Blocking: it runs the steps on a runtime of its own, so from async code
/// call it inside `tokio::task::spawn_blocking`.
pub fn execute(input: &RollbackInput<'_>) -> Result<Executed, Failure> {
    execute_with(
        input.file,
        input.list,
        input.profile,
        input.spec,
        input.release,
        || Ok(input.actor.to_string()),
        input.automatic,
        input.style,
        input.quiet,
    )
}

#[allow(clippy::too_many_arguments)]
fn execute_with(
    file: &Path,
    list: &Checklist,
    profile: &Profile,
    spec: &str,
    release: Option<&str>,
    actor: impl FnOnce() -> Result<String, Failure>,
    automatic: bool,
    style: Style,
    quiet: bool,
) -> Result<Executed, Failure> {
    let name = file.display().to_string();
    let plan = make_plan(list, &name, profile);
    if plan.checks.is_empty() {
        return Err(Failure::usage(format!(
            "{name}: no rollback procedure with steps to run (a `Rollback` heading, a **Rollback:** label or a <details> procedure)"
        )));
    }
    let refused = refusals(&plan, profile);
    if !refused.is_empty() {
        if !quiet {
            crate::out!("{}", crate::run_cmd::print_plan(&plan, Style::stdout()));
        }
        return Err(Failure::usage(format!(
            "rollback refused: nothing ran. Not every step may run:\n  {}",
            refused.join("\n  ")
        )));
    }
    let actor = actor()?;
    let run_id = crate::run_cmd::new_run_id();
    let allowed = RollbackAllowed {
        classes: allowed_classes(profile),
        automatic,
    };
    if !quiet {
        let classes = allowed.classes.join(", ");
        if automatic {
            eprintln!("automatic rollback run {run_id}, armed by {actor} ({classes})");
        } else {
            eprintln!("rollback run {run_id} allowed by {actor} ({classes})");
        }
    }
    let options = crate::run_cmd::RunOptions {
        release,
        rollback: Some(allowed),
        ..Default::default()
    };
    let report = crate::run_cmd::run_recorded_observed(
        &plan,
        profile,
        &run_id,
        Some(spec),
        &actor,
        file,
        &options,
        |stop| {
            if quiet {
                Box::new(Silent)
            } else {
                crate::run_cmd::Terminal::boxed(style, stop)
            }
        },
    )?;
    let exit_code = crate::run_cmd::exit_code(report.verdict);
    Ok(Executed {
        run_id,
        report,
        exit_code,
    })
}

/// The observer of a quiet rollback: it shows nothing.
struct Silent;

impl Observer for Silent {
    fn begin(&mut self, _: &std::sync::Arc<Plan>, _: &Redactor, _: &str) {}
    fn event(&mut self, _: &greenlight_run::execute::Event, _: &[Option<StepResult>]) {}
    fn notice(&mut self, _: Notice<'_>) {}
}

fn allowed_classes(profile: &Profile) -> Vec<String> {
    [Class::Read, Class::Mutating, Class::Destructive]
        .into_iter()
        .filter(|c| profile.is_allowed(*c))
        .map(|c| c.as_str().to_string())
        .collect()
}

fn arm(
    args: &RollbackArgs,
    profile: &Profile,
    spec: &str,
    release_name: Option<&str>,
) -> Result<u8, Failure> {
    let actor = crate::record::person(args.name.as_deref())?;
    let release =
        greenlight_run::release::release_key(release_name, &args.input.file, &profile.name);
    let expires = match &args.expires {
        // The same forms and rules as a waiver's end: a time, a day or a
        // duration, and never one already past.
        Some(w) => Some(
            greenlight_session::acts::waiver_expiry(w, std::time::SystemTime::now())
                .map_err(|why| Failure::usage(format!("--expires {w}: {why}")))?,
        ),
        None => None,
    };
    let runtime = crate::exit::runtime()?;
    runtime.block_on(async {
        let store =
            greenlight_session::open_keyed(spec, crate::record::profile_key(profile)?).await?;
        let runs = store.release_runs(&release).await?;
        let Some(last) = runs.last() else {
            return Err(Failure::usage(format!(
                "release {release} has no recorded run: run it first (greenlight run), then arm its rollback"
            )));
        };
        let event = rollback::arming_event(
            &last.run_id,
            &actor,
            args.arm.then(|| Armed {
                expires: expires.clone(),
            }),
        );
        store.append(vec![event]).await?;
        if args.arm {
            crate::outln!(
                "armed automatic rollback of release {release} by {actor}{}{}",
                expires
                    .as_deref()
                    .map(|e| format!(" until {e}"))
                    .unwrap_or_default(),
                if profile.rollback_automatic {
                    ""
                } else {
                    " (the profile does not allow automatic rollback: set [rollback] automatic = true)"
                }
            );
        } else {
            crate::outln!("disarmed automatic rollback of release {release} by {actor}");
        }
        Ok(crate::exit::OK)
    })
}
