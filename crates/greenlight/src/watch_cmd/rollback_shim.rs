//! Stand-in for `rollback_cmd::execute` (the extras helper's function, not
//! merged yet): runs the rollback procedure as `greenlight rollback` does,
//! through the rollback command's own public plan and refusal code and
//! `run_cmd::run_recorded`. To be replaced by `rollback_cmd::execute`.

use crate::exit::Failure;
use crate::term::Style;
use greenlight_doc::Checklist;
use greenlight_run::outcome::RunReport;
use greenlight_run::profile::{Class, Profile};
use greenlight_session::rollback::RollbackAllowed;
use std::path::Path;

/// What [`execute`] needs.
pub struct RollbackInput<'a> {
    pub file: &'a Path,
    pub list: &'a Checklist,
    pub profile: &'a Profile,
    pub spec: &'a str,
    pub release: Option<&'a str>,
    pub actor: &'a str,
    pub automatic: bool,
    pub style: Style,
    pub quiet: bool,
}

/// A rollback that ran.
pub struct Executed {
    pub run_id: String,
    pub report: RunReport,
}

/// Runs the rollback procedure, refusing (running nothing) when any step
/// may not run. Blocking.
pub fn execute(input: &RollbackInput<'_>) -> Result<Executed, Failure> {
    let name = input.file.display().to_string();
    let plan = crate::rollback_cmd::make_plan(input.list, &name, input.profile);
    if plan.checks.is_empty() {
        return Err(Failure::usage(format!(
            "{name}: no rollback procedure with steps to run"
        )));
    }
    let refused = crate::rollback_cmd::refusals(&plan, input.profile);
    if !refused.is_empty() {
        return Err(Failure::usage(format!(
            "not every step may run: {}",
            refused.join("; ")
        )));
    }
    let run_id = crate::run_cmd::new_run_id();
    let allowed = RollbackAllowed {
        classes: [Class::Read, Class::Mutating, Class::Destructive]
            .into_iter()
            .filter(|c| input.profile.is_allowed(*c))
            .map(|c| c.as_str().to_string())
            .collect(),
        automatic: input.automatic,
    };
    let options = crate::run_cmd::RunOptions {
        release: input.release,
        rollback: Some(allowed),
        ..Default::default()
    };
    let _ = input.quiet;
    let report = crate::run_cmd::run_recorded(
        &plan,
        input.profile,
        input.style,
        &run_id,
        Some(input.spec),
        input.actor,
        input.file,
        &options,
    )?;
    Ok(Executed { run_id, report })
}
