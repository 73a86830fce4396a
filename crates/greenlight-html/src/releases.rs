//! The list of releases.

use crate::layout::document;
use crate::options::PageOptions;
use greenlight_store::RunSummary;
use maud::{Markup, html};

/// One release: its latest run and how many runs it has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseRow {
    /// The release key (empty for runs recorded before releases).
    pub release: String,
    pub checklist: String,
    pub profile: String,
    pub latest_run: String,
    pub started_at: String,
    pub last_event_at: String,
    /// The verdict the latest run recorded, if it reached one.
    pub verdict: Option<String>,
    pub runs: usize,
}

/// Groups the store's runs (newest first, as [`Store::runs`] lists them)
/// by release, newest release first; runs outside a release stand alone.
///
/// [`Store::runs`]: greenlight_store::Store::runs
pub fn release_rows(runs: &[RunSummary]) -> Vec<ReleaseRow> {
    let mut rows: Vec<ReleaseRow> = Vec::new();
    for r in runs {
        if !r.release.is_empty()
            && let Some(row) = rows.iter_mut().find(|x| x.release == r.release)
        {
            row.runs += 1;
            continue;
        }
        rows.push(ReleaseRow {
            release: r.release.clone(),
            checklist: r.checklist.clone(),
            profile: r.profile.clone(),
            latest_run: r.run_id.clone(),
            started_at: r.started_at.clone(),
            last_event_at: r.last_event_at.clone(),
            verdict: r.verdict.clone(),
            runs: 1,
        });
    }
    rows
}

/// The table of releases, each linking to its latest run.
pub fn releases_table(rows: &[ReleaseRow], opts: &PageOptions) -> Markup {
    html! {
        @if rows.is_empty() {
            p { "No runs yet: start one with " code { "greenlight run" } "." }
        } @else {
            table {
                thead { tr {
                    th scope="col" { "Release" } th scope="col" { "Checklist" } th scope="col" { "Profile" }
                    th scope="col" { "Latest run" } th scope="col" { "Verdict" } th.num scope="col" { "Runs" }
                    th scope="col" { "Last activity" }
                } }
                tbody {
                    @for r in rows {
                        tr {
                            th scope="row" { @if r.release.is_empty() { span.meta { "(no release)" } } @else { (r.release) } }
                            td { (r.checklist) } td { (r.profile) }
                            td { a href=(opts.route(&format!("/runs/{}", r.latest_run))) { code { (r.latest_run) } } }
                            td {
                                @match r.verdict.as_deref() {
                                    Some(v) => { b.(verdict_class(v)) { (v) } }
                                    None => { b.pending { "in progress" } }
                                }
                            }
                            td.num { (r.runs) }
                            td { time datetime=(r.last_event_at) { (r.last_event_at) } }
                        }
                    }
                }
            }
        }
    }
}

/// The release list page.
pub fn release_list_page(rows: &[ReleaseRow], opts: &PageOptions) -> String {
    document(
        "Releases · greenlight",
        opts,
        html! { h1 { "Releases" } (releases_table(rows, opts)) },
    )
}

fn verdict_class(v: &str) -> &'static str {
    match v {
        "GO" => "passed",
        "GO_WITH_WARNINGS" => "waived",
        "NO_GO" => "failed",
        _ => "pending",
    }
}
