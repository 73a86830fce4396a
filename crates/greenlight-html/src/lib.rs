//! Server-rendered HTML of greenlight runs and releases, with maud: the
//! pages of `greenlight serve` and the self-contained report of
//! `greenlight report RUN --html`.
//!
//! Every function is pure: it takes view models built from the session
//! model ([`greenlight_session::RunState`]) and the run's report
//! ([`greenlight_run::outcome::RunReport`], with the audit chain applied as
//! `greenlight status` applies it) and returns markup. Nothing here decides
//! a verdict or counts items: the page shows the report's verdict, reasons
//! and counts, so it says what `status` and the JSON report say.
//!
//! Pages carry inline CSS and inline SVG and refer to nothing outside the
//! document; with [`PageOptions::live_url`] a few lines of inline vanilla
//! JS reload the page's `<main>` on each server-sent event. Every text goes
//! through the run's [`Redactor`](greenlight_run::redact::Redactor) and
//! maud escapes it.
//!
//! Forms (only when [`PageOptions::csrf_token`] is set and the viewer may
//! act) post `application/x-www-form-urlencoded` to
//! `{base}/runs/{run}/check` (`item`, `note`), `{base}/runs/{run}/waive`
//! (`item`, `reason`, `expires`) and `{base}/runs/{run}/signoff` (`slot`,
//! `role`, `note`), each with the hidden field [`CSRF_FIELD`].

mod chart;
mod layout;
mod options;
mod owed;
mod references;
mod releases;
mod run_page;
mod view;

pub use chart::{error_rate_chart, latency_chart, load_charts};
pub use layout::{STYLE, document};
pub use maud::Markup;
pub use options::{CSRF_FIELD, PageOptions};
pub use owed::{ANY_CHECKER, OwedGroup, OwedWork, owed_by_role, owed_page, owed_panel};
pub use references::external_references;
pub use releases::{ReleaseRow, release_list_page, release_rows, releases_table};
pub use run_page::{
    items_section, phases_table, report_document, run_main, run_page, signoff_panel,
    verdict_banner, waivers_panel,
};
pub use view::RunView;
