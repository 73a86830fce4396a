//! The `greenlight.run/v1` JSON report.

use greenlight_run::outcome::RunReport;
use greenlight_run::redact::Redactor;

/// Serializes the report, redacting every string once more on the way out.
pub fn render(report: &RunReport, redactor: &Redactor) -> String {
    let mut value = serde_json::to_value(report).expect("reports serialize");
    redactor.redact_json(&mut value);
    let mut text = serde_json::to_string_pretty(&value).expect("values serialize");
    text.push('\n');
    text
}
