//! The run page: verdict banner, phases with budgets, items with evidence,
//! sign-offs, waivers, owed work and load charts.

use crate::chart::load_charts;
use crate::layout::document;
use crate::options::{CSRF_FIELD, PageOptions};
use crate::owed::owed_panel;
use crate::view::RunView;
use greenlight_run::outcome::{ItemResult, Reason, Status, StepResult, WaiverState};
use maud::{Markup, html};

/// The whole run page, for the server.
pub fn run_page(view: &RunView, opts: &PageOptions) -> String {
    let title = format!(
        "{} · {} · {}",
        view.report.verdict.as_str(),
        view.t(&view.report.checklist),
        view.state.run_id
    );
    document(&title, opts, run_main(view, opts))
}

/// The self-contained report of `greenlight report RUN --html`: the run
/// page, read-only, with no links and no script.
pub fn report_document(view: &RunView) -> String {
    run_page(view, &PageOptions::default())
}

/// The content of the page's `<main>` (what live updates swap).
pub fn run_main(view: &RunView, opts: &PageOptions) -> Markup {
    let s = view.state;
    let r = view.report;
    html! {
        h1 { "Run " code { (s.run_id) } " · " (view.t(&r.checklist)) }
        p.meta {
            "profile " strong { (view.t(&r.profile)) }
            @if !s.release.is_empty() { " · release " strong { (view.t(&s.release)) } }
            " · started " time datetime=(s.started_at) { (s.started_at) }
            " · " (seconds(r.duration_ms)) " · " (s.events) " events"
            @if !s.finished { " · " b.pending { "not finished" } }
            @if r.interrupted { " · " b.failed { "interrupted" } }
            @if s.earlier_runs > 0 {
                " · people's work carried over from " (s.earlier_runs) " earlier run"
                @if s.earlier_runs != 1 { "s" }
            }
        }
        @if let Some(line) = &view.audit {
            p.meta { "Audit: " @if view.audit_ok { (line) } @else { b.failed { "problem" } " " (line) } }
        }
        (verdict_banner(view))
        (phases_table(view))
        (owed_panel(view, opts))
        (signoff_panel(view, opts))
        (waivers_panel(view))
        (load_section(view))
        (items_section(view, opts))
    }
}

/// The verdict, its counts (the report's, as `status` counts) and its reasons.
pub fn verdict_banner(view: &RunView) -> Markup {
    let r = view.report;
    let c = &r.counts;
    let v = r.verdict.as_str();
    html! {
        section.banner.(v.to_ascii_lowercase()) aria-label="verdict" role="status" {
            div.v { "Verdict: " (v) }
            table {
                caption.sr { "Items by status" }
                thead { tr {
                    th.num scope="col" { "passed" } th.num scope="col" { "failed" }
                    th.num scope="col" { "needs review" } th.num scope="col" { "blocked" }
                    th.num scope="col" { "not run" } th.num scope="col" { "pending" }
                    th.num scope="col" { "skipped" } th.num scope="col" { "waived" }
                } }
                tbody { tr {
                    td.num { (c.passed) } td.num { (c.failed) } td.num { (c.needs_review) }
                    td.num { (c.blocked) } td.num { (c.not_run) } td.num { (c.pending) }
                    td.num { (c.skipped) } td.num { (c.waived) }
                } }
            }
            @if !r.reasons.is_empty() {
                h3 { "Reasons" }
                @for (st, reasons) in reasons_by_status(r) {
                    // Manual items waiting for a person are listed once,
                    // under owed work; here they are counted.
                    @let (manual, shown): (Vec<&Reason>, Vec<&Reason>) = reasons
                        .into_iter()
                        .partition(|x| x.status == Status::Pending && view.is_manual(&x.item));
                    div {
                        (status(st)) " " (manual.len() + shown.len())
                        ul.reasons {
                            @for reason in shown {
                                li {
                                    @if reason.line > 0 { "L" (reason.line) ": " }
                                    (view.t(&reason.message))
                                }
                            }
                            @if !manual.is_empty() {
                                li {
                                    (manual.len()) " manual item" @if manual.len() != 1 { "s" }
                                    " wait for a person: listed under " a href="#owed" { "owed work" } "."
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The reasons grouped by status, heaviest first, each group in the
/// report's order.
fn reasons_by_status(r: &greenlight_run::outcome::RunReport) -> Vec<(Status, Vec<&Reason>)> {
    let mut groups: Vec<(Status, Vec<&Reason>)> = Vec::new();
    for reason in &r.reasons {
        match groups.iter_mut().find(|(s, _)| *s == reason.status) {
            Some((_, list)) => list.push(reason),
            None => groups.push((reason.status, vec![reason])),
        }
    }
    groups.sort_by_key(|(s, _)| std::cmp::Reverse(s.weight()));
    groups
}

/// Phases with their counts, time and time budget.
pub fn phases_table(view: &RunView) -> Markup {
    let phases = &view.report.phases;
    html! {
        @if !phases.is_empty() {
            section aria-labelledby="phases" {
                h2 #phases { "Phases" }
                table {
                    thead { tr {
                        th scope="col" { "Phase" } th.num scope="col" { "passed" }
                        th.num scope="col" { "failed" } th.num scope="col" { "open" }
                        th.num scope="col" { "waived" } th.num scope="col" { "time" }
                        th.num scope="col" { "budget" }
                    } }
                    tbody {
                        @for p in phases {
                            @let c = &p.counts;
                            @let open = c.needs_review + c.blocked + c.not_run + c.pending;
                            tr {
                                th scope="row" { "L" (p.line) " " (view.t(&p.title)) }
                                td.num { (c.passed) } td.num { (c.failed) } td.num { (open) }
                                td.num { (c.waived) } td.num { (seconds(p.elapsed_ms)) }
                                td.num {
                                    @match p.budget_seconds {
                                        Some(b) => {
                                            (minutes(b))
                                            @if p.elapsed_ms / 1000 > b { " " b.over { "over budget" } }
                                            @else { " " b.passed { "within" } }
                                        }
                                        None => { span.meta { "none" } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The sign-off slots: who signed and when, stale sign-offs, who is owed.
pub fn signoff_panel(view: &RunView, opts: &PageOptions) -> Markup {
    let r = view.report;
    let people = &view.state.people;
    html! {
        @if !r.signoffs.is_empty() {
            section aria-labelledby="signoffs" {
                h2 #signoffs { "Sign-offs" }
                table {
                    thead { tr { th scope="col" { "Role" } th scope="col" { "State" } th scope="col" { "Details" } } }
                    tbody {
                        @for s in &r.signoffs {
                            tr {
                                th scope="row" { "L" (s.line) " " (view.t(&s.role)) }
                                td {
                                    @if s.signed { b.signed { "signed" } }
                                    @else if s.stale.is_some() { b.stale { "stale" } }
                                    @else { b.owed { "owed" } }
                                }
                                td {
                                    @if let (true, Some(m)) = (s.signed, people.signed.get(&s.id)) {
                                        "by " strong { (view.t(&m.actor)) } " at " (m.at)
                                        @if !m.run.is_empty() { " (run " (m.run) ")" }
                                        @if !m.note.is_empty() { ": " (view.t(&m.note)) }
                                    }
                                    @if let Some(st) = people.stale.get(&s.id) {
                                        "signed by " strong { (view.t(&st.mark.actor)) } " at " (st.mark.at)
                                        "; since then " (view.t(&st.changed.join(", ")))
                                        " — must sign again"
                                    } @else if let Some(why) = &s.stale {
                                        (view.t(why))
                                    }
                                    @if !s.signed && opts.may_sign(&s.role) {
                                        form.act method="post" action=(opts.route(&format!("/runs/{}/signoff", view.state.run_id))) {
                                            (csrf(opts))
                                            input type="hidden" name="slot" value=(s.id);
                                            input type="hidden" name="role" value=(s.role);
                                            // No note: a sign-off records who signed and
                                            // the results they saw, nothing else.
                                            button type="submit" { "Sign off as " (s.role) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Every waiver the report shows: reason, approver, expiry, and whether it
/// is in force, lapsed, ignored or unused.
pub fn waivers_panel(view: &RunView) -> Markup {
    let waived: Vec<&ItemResult> = view
        .report
        .items
        .iter()
        .filter(|i| i.waiver.is_some())
        .collect();
    html! {
        @if !waived.is_empty() {
            section aria-labelledby="waivers" {
                h2 #waivers { "Waivers" }
                table {
                    thead { tr {
                        th scope="col" { "Item" } th scope="col" { "State" } th scope="col" { "Was" }
                        th scope="col" { "Approver" } th scope="col" { "Expires" } th scope="col" { "Reason" }
                    } }
                    tbody {
                        @for item in waived {
                            @if let Some(w) = &item.waiver {
                                tr {
                                    th scope="row" { "L" (item.line) " " (view.t(&item.text)) }
                                    td { b.(waiver_class(w.state)) { (w.state.as_str()) } }
                                    td { (status(w.was)) }
                                    td { (view.t(&w.approver)) }
                                    td { @match &w.expires { Some(e) => { time datetime=(e) { (e) } }, None => { "never" } } }
                                    td { (view.t(&w.reason)) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Items with their status, note and evidence (and, for a viewer who may
/// act, the check and waive forms).
pub fn items_section(view: &RunView, opts: &PageOptions) -> Markup {
    let mut groups: Vec<(Option<&str>, Vec<&ItemResult>)> = Vec::new();
    for item in &view.report.items {
        let phase = item.phase.as_deref();
        match groups.last_mut() {
            Some((p, list)) if *p == phase => list.push(item),
            _ => groups.push((phase, vec![item])),
        }
    }
    html! {
        section aria-labelledby="items" {
            h2 #items { "Items" }
            table.items {
                thead { tr {
                    th scope="col" { "Line" } th scope="col" { "Item" } th scope="col" { "Status" }
                    th scope="col" { "Why, and evidence" }
                } }
                @for (phase, items) in groups {
                    tbody {
                        @if let Some(p) = phase { tr { th colspan="4" scope="rowgroup" { (view.t(p)) } } }
                        @for item in items {
                            tr id=(format!("i-{}", item.id)) {
                                td { "L" (item.line) }
                                td {
                                    (view.t(&item.text))
                                    @if item.severity.as_str() != "required" {
                                        " " em { (item.severity.as_str()) }
                                    }
                                }
                                td { (status(item.status)) }
                                td {
                                    (view.t(&item.note))
                                    @if let Some(m) = view.state.people.checked.get(&item.id) {
                                        div.meta { "checked by " (view.t(&m.actor)) " at " (m.at)
                                            @if !m.note.is_empty() { ": " (view.t(&m.note)) } }
                                    }
                                    @for step in &item.steps { (step_evidence(view, step, &item.note)) }
                                    (item_forms(view, opts, item))
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn item_forms(view: &RunView, opts: &PageOptions, item: &ItemResult) -> Markup {
    let run = &view.state.run_id;
    let checkable = item.status == Status::Pending && view.is_manual(&item.id);
    let waivable = matches!(
        item.status,
        Status::Failed | Status::NeedsReview | Status::Blocked | Status::NotRun | Status::Pending
    );
    html! {
        @if checkable && opts.may_check() {
            form.act method="post" action=(opts.route(&format!("/runs/{run}/check"))) {
                (csrf(opts))
                input type="hidden" name="item" value=(item.id);
                label { span.sr { "What you checked" } input type="text" name="note" placeholder="what you checked"; }
                button type="submit" { "Check" }
            }
        }
        @if waivable && opts.may_waive() {
            form.act method="post" action=(opts.route(&format!("/runs/{run}/waive"))) {
                (csrf(opts))
                input type="hidden" name="item" value=(item.id);
                label { span.sr { "Reason" } input type="text" name="reason" required placeholder="reason"; }
                label { span.sr { "Expires" } input type="text" name="expires" placeholder="expires (e.g. 2026-12-31 or 48h)"; }
                button type="submit" { "Waive" }
            }
        }
    }
}

fn step_evidence(view: &RunView, step: &StepResult, note: &str) -> Markup {
    let e = &step.evidence;
    html! {
        details.ev {
            summary {
                (status(step.status)) " L" (step.line) " " (step.probe) " · " (step.class.as_str())
                " · " (step.duration_ms) " ms: " (view.t(&e.summary))
            }
            @if !step.command.is_empty() { pre { code { (view.t(&step.command)) } } }
            @if !e.expected.is_empty() {
                div { "Expected:" ul { @for x in &e.expected { li { (view.t(x)) } } } }
            }
            @if !e.failures.is_empty() {
                div { "Failures:" ul { @for x in &e.failures { li { b.failed { "✗" } " " (view.t(x)) } } } }
            }
            // What the item's note already quotes is not repeated.
            @let unverified: Vec<&String> = e.unverified.iter().filter(|x| !note.contains(x.as_str())).collect();
            @if !unverified.is_empty() {
                div { "Not verifiable by a machine:" ul { @for x in unverified { li { (view.t(x)) } } } }
            }
            @if let Some(x) = &e.reason { p { (view.t(x)) } }
            @if let Some(x) = &e.excerpt { pre { (view.t(x)) } }
        }
    }
}

/// Load-test steps, each with its charts.
fn load_section(view: &RunView) -> Markup {
    let steps: Vec<(&ItemResult, &StepResult, &serde_json::Value)> = view
        .report
        .items
        .iter()
        .flat_map(|i| {
            i.steps
                .iter()
                .filter_map(move |s| Some((i, s, s.evidence.load.as_ref()?)))
        })
        .collect();
    html! {
        @if !steps.is_empty() {
            section aria-labelledby="load" {
                h2 #load { "Load tests" }
                @for (item, step, load) in steps {
                    h3 { "L" (step.line) " " (view.t(&item.text)) " " (status(step.status)) }
                    (load_charts(view.redactor, load))
                }
            }
        }
    }
}

pub(crate) fn csrf(opts: &PageOptions) -> Markup {
    html! {
        @if let Some(token) = &opts.csrf_token {
            input type="hidden" name=(CSRF_FIELD) value=(token);
        }
    }
}

/// A status as a coloured badge that also says it in words.
pub(crate) fn status(s: Status) -> Markup {
    let word = s.as_str();
    html! { b.(word) { (word.replace('_', " ")) } }
}

fn waiver_class(s: WaiverState) -> &'static str {
    match s {
        WaiverState::InForce => "in_force",
        WaiverState::Lapsed => "lapsed",
        WaiverState::Ignored => "ignored",
        WaiverState::Unused => "unused",
    }
}

fn seconds(ms: u64) -> String {
    format!("{:.1}s", ms as f64 / 1000.0)
}

fn minutes(s: u64) -> String {
    if s.is_multiple_of(60) {
        format!("{}m", s / 60)
    } else {
        format!("{s}s")
    }
}
