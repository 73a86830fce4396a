//! Owed work per role: the sign-offs each role still owes, and the manual
//! items people still owe.

use crate::options::PageOptions;
use crate::view::RunView;
use greenlight_run::outcome::Status;
use maud::{Markup, html};

/// The role manual items are listed under: checklists name no owner for a
/// manual item, so whoever may check items owes them.
pub const ANY_CHECKER: &str = "anyone who may check items";

/// What one role still owes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwedGroup {
    /// The sign-off role, or [`ANY_CHECKER`] for manual items.
    pub role: String,
    /// Sign-off slots: (slot ID, line, stale reason if a sign-off went stale).
    pub signoffs: Vec<(String, usize, Option<String>)>,
    /// Manual items: (item ID, line, text).
    pub items: Vec<(String, usize, String)>,
}

/// All owed work of a run, by role (sign-off roles in document order,
/// then manual items).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OwedWork {
    pub groups: Vec<OwedGroup>,
}

/// Groups what the report shows as owed: unsigned sign-off slots by their
/// role, and pending manual items.
pub fn owed_by_role(view: &RunView) -> OwedWork {
    let mut groups: Vec<OwedGroup> = Vec::new();
    for s in view.report.signoffs.iter().filter(|s| !s.signed) {
        let role = view.t(&s.role);
        let idx = match groups.iter().position(|g| g.role == role) {
            Some(i) => i,
            None => {
                groups.push(OwedGroup {
                    role,
                    signoffs: Vec::new(),
                    items: Vec::new(),
                });
                groups.len() - 1
            }
        };
        groups[idx]
            .signoffs
            .push((s.id.clone(), s.line, s.stale.as_deref().map(|x| view.t(x))));
    }
    let manual: Vec<(String, usize, String)> = view
        .report
        .items
        .iter()
        .filter(|i| i.status == Status::Pending && view.is_manual(&i.id))
        .map(|i| (i.id.clone(), i.line, view.t(&i.text)))
        .collect();
    if !manual.is_empty() {
        groups.push(OwedGroup {
            role: ANY_CHECKER.to_string(),
            signoffs: Vec::new(),
            items: manual,
        });
    }
    OwedWork { groups }
}

/// The owed-work panel.
pub fn owed_panel(view: &RunView, _opts: &PageOptions) -> Markup {
    let owed = owed_by_role(view);
    html! {
        section aria-labelledby="owed" {
            h2 #owed { "Owed work by role" }
            @if owed.groups.is_empty() {
                p { b.passed { "nothing owed" } " No sign-off or manual item is outstanding." }
            }
            @for g in &owed.groups {
                h3 { (g.role) " "
                    span.meta { "(" (g.signoffs.len() + g.items.len()) " owed"
                        @if !g.items.is_empty() { ": manual items" } ")" } }
                ul {
                    @for (_, line, stale) in &g.signoffs {
                        li {
                            b.owed { "sign-off" } " L" (line) " " (g.role)
                            @if let Some(why) = stale { " " b.stale { "stale" } " " (why) }
                        }
                    }
                    @for (id, line, text) in &g.items {
                        li { a href=(format!("#i-{id}")) { "L" (line) } " " (text) }
                    }
                }
            }
        }
    }
}

/// The owed-work page: what each role owes across several runs (the
/// latest run of each release, say), role by role.
pub fn owed_page(runs: &[RunView], opts: &PageOptions) -> String {
    // role → [(run ID, release, item or slot ID, what)]
    type Row = (String, String, String, String);
    let mut by_role: Vec<(String, Vec<Row>)> = Vec::new();
    for view in runs {
        let run = &view.state.run_id;
        let release = view.t(&view.state.release);
        for g in owed_by_role(view).groups {
            let idx = match by_role.iter().position(|(r, _)| *r == g.role) {
                Some(i) => i,
                None => {
                    by_role.push((g.role.clone(), Vec::new()));
                    by_role.len() - 1
                }
            };
            for (id, line, stale) in g.signoffs {
                let what = match stale {
                    Some(_) => format!("L{line} sign-off as {} (stale: sign again)", g.role),
                    None => format!("L{line} sign-off as {}", g.role),
                };
                by_role[idx]
                    .1
                    .push((run.clone(), release.clone(), id, what));
            }
            for (id, line, text) in g.items {
                by_role[idx]
                    .1
                    .push((run.clone(), release.clone(), id, format!("L{line} {text}")));
            }
        }
    }
    let main = html! {
        h1 { "Owed work by role" }
        @if by_role.is_empty() { p { "Nothing is owed." } }
        @for (role, rows) in &by_role {
            section {
                h2 { (role) " " span.meta { "(" (rows.len()) ")" } }
                table {
                    thead { tr { th scope="col" { "Release" } th scope="col" { "Run" } th scope="col" { "Owed" } } }
                    tbody {
                        @for (run, release, id, what) in rows {
                            tr {
                                td { @if release.is_empty() { span.meta { "(no release)" } } @else { (release) } }
                                td { a href=(opts.route(&format!("/runs/{run}"))) { code { (run) } } }
                                td { a href=(opts.route(&format!("/runs/{run}#i-{id}"))) { (what) } }
                            }
                        }
                    }
                }
            }
        }
    };
    crate::layout::document("Owed work · greenlight", opts, main)
}
