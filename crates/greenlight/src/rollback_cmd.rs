//! `greenlight rollback FILE --env P`: runs only the document's rollback
//! procedure, step by step, under the run's safety classes (the plan's
//! gates and the executor's run-time refusal); recorded as a run of the
//! release with who allowed it. `--arm` / `--disarm` record whether
//! `watch` may roll the release back by itself.

use crate::exit::Failure;
use crate::term::Style;
use greenlight_run::plan::{self, Gate, Plan};
use greenlight_run::profile::{Class, Profile};
use greenlight_session::rollback::{self, Armed, RollbackAllowed};

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
    let name = args.input.file.display().to_string();
    let config_release = match &args.release {
        Some(_) => None,
        None => crate::record::config()?.and_then(|c| c.release),
    };
    let release_name = args.release.as_deref().or(config_release.as_deref());
    let spec = crate::record::store_spec(args.store.store.as_deref(), Some(&args.input.file));
    if args.arm || args.disarm {
        return arm(&args, &profile, &spec, release_name);
    }
    let plan = make_plan(&list, &name, &profile);
    if plan.checks.is_empty() {
        return Err(Failure::usage(format!(
            "{name}: no rollback procedure with steps to run (a `Rollback` heading, a **Rollback:** label or a <details> procedure)"
        )));
    }
    let style = Style::detect();
    let refused = refusals(&plan, &profile);
    if !refused.is_empty() {
        crate::out!("{}", crate::run_cmd::print_plan(&plan, Style::stdout()));
        return Err(Failure::usage(format!(
            "rollback refused: nothing ran. Not every step may run:\n  {}",
            refused.join("\n  ")
        )));
    }
    let actor = crate::record::person(args.name.as_deref())?;
    let run_id = crate::run_cmd::new_run_id();
    let allowed = RollbackAllowed {
        classes: allowed_classes(&profile),
        automatic: false,
    };
    eprintln!(
        "rollback run {run_id} allowed by {actor} ({})",
        allowed.classes.join(", ")
    );
    let options = crate::run_cmd::RunOptions {
        release: release_name,
        rollback: Some(allowed),
        ..Default::default()
    };
    let report = crate::run_cmd::run_recorded(
        &plan,
        &profile,
        style,
        &run_id,
        Some(&spec),
        &actor,
        &args.input.file,
        &options,
    )?;
    crate::run_cmd::finish(&report, &profile, &args.output, style)
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
