//! Shell steps that must not run as finite checks: commands that never end
//! (`docker logs -f`), templates with `<VERSION>` placeholders nobody filled in, and lines of cmd or
//! PowerShell fences.

use super::build::{Builder, nobody_provided};
use super::types::Gate;
use crate::analyze::{hazards, windows};

impl Builder<'_> {
    /// The gate that holds back a shell step, if any. The variables that
    /// fill its placeholders are added to `needs` (passed to the shell as
    /// environment variables; the executor puts references to them in place
    /// of the placeholders).
    pub(super) fn shell_hold(
        &self,
        line: usize,
        script: &str,
        needs: &mut Vec<String>,
    ) -> Option<Gate> {
        if let Some(reason) = hazards::never_ends(script) {
            return Some(Gate::NotRun { reason });
        }
        let windows = self
            .windows_lines
            .iter()
            .any(|&(first, last)| (first..=last).contains(&line));
        if windows {
            return Some(Gate::NotRun {
                reason: windows::NOT_RUN.into(),
            });
        }
        let mut unfilled = Vec::new();
        for name in hazards::placeholders(script) {
            let var = hazards::placeholder_variable(&name);
            if self.profile.vars.contains_key(&var) {
                if !needs.contains(&var) {
                    needs.push(var);
                }
            } else {
                unfilled.push(format!("<{name}>"));
            }
        }
        (!unfilled.is_empty()).then(|| Gate::Blocked {
            reason: nobody_provided(&unfilled),
        })
    }
}
