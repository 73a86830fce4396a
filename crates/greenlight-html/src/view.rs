//! The view model of a run page.

use greenlight_run::outcome::RunReport;
use greenlight_run::plan::Handling;
use greenlight_run::redact::Redactor;
use greenlight_session::RunState;

/// A run as its page shows it: the folded state (people's work, the
/// plan), its report (verdict, reasons, counts, items, phases, sign-offs:
/// what `greenlight status` and the JSON report show), the audit line, and
/// the redactor every text passes through.
pub struct RunView<'a> {
    pub state: &'a RunState,
    /// The report with the audit chain's finding applied, as `status`
    /// gets it.
    pub report: &'a RunReport,
    /// One line on the audit chain (`greenlight status`'s `Audit:` line).
    pub audit: Option<String>,
    /// Whether the chain verified (the audit line is shown as a problem
    /// when not).
    pub audit_ok: bool,
    pub redactor: &'a Redactor,
}

impl<'a> RunView<'a> {
    pub fn new(state: &'a RunState, report: &'a RunReport, redactor: &'a Redactor) -> Self {
        RunView {
            state,
            report,
            audit: None,
            audit_ok: true,
            redactor,
        }
    }

    /// Adds the audit line.
    pub fn with_audit(mut self, line: impl Into<String>, ok: bool) -> Self {
        self.audit = Some(line.into());
        self.audit_ok = ok;
        self
    }

    /// A text, redacted.
    pub(crate) fn t(&self, s: &str) -> String {
        self.redactor.redact(s)
    }

    /// Whether the plan's item is a manual one a person ticks.
    pub(crate) fn is_manual(&self, item: &str) -> bool {
        self.state
            .plan
            .items
            .iter()
            .any(|i| i.id == item && matches!(i.handling, Handling::Manual))
    }
}
