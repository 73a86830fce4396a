//! The `greenlight.run/v1` JSON report.

use greenlight_run::outcome::RunReport;
use greenlight_run::redact::Redactor;

/// Serializes the report, redacting every string once more on the way out
/// (its field names are kept: see [`Redactor::to_value`]).
pub fn render(report: &RunReport, redactor: &Redactor) -> String {
    let value = redactor.to_value(report).expect("reports serialize");
    let mut text = serde_json::to_string_pretty(&value).expect("values serialize");
    text.push('\n');
    text
}
