//! The pages of a fixed run: snapshots, self-containment, forms and
//! redaction. The run is built from a small checklist and hand-written
//! events with fixed times, so the HTML is stable.

use greenlight_html::{
    CSRF_FIELD, PageOptions, RunView, external_references, owed_by_role, release_list_page,
    release_rows, report_document, run_page,
};
use greenlight_run::outcome::{Evidence, Status, StepResult};
use greenlight_run::profile::{Class, Profile};
use greenlight_run::redact::Redactor;
use greenlight_run::release;
use greenlight_session::{RunState, event, started_in, step_event};
use greenlight_store::{Event, EventKind, NewEvent, RunSummary};

const DOC: &str = "# Release 2.4\n\n## Deploy (10 minutes)\n\n- [ ] **Health answers**\n  ```bash\n  curl -f http://127.0.0.1:1/health\n  ```\n- [ ] Release notes reviewed\n- [ ] **Load holds**\n  ```bash\n  curl -f http://127.0.0.1:1/load\n  ```\n\n## Verify\n\n- [ ] Dashboards show p95 < 300 & green\n- [ ] Old caches purged\n- [ ] **Migration ran**\n  ```bash\n  curl -f http://127.0.0.1:1/migrated\n  ```\n\n**QA Lead:** ______\n**Product Owner:** ______\n";

const SECRET: &str = "hunter2-s3cret";
const RUN: &str = "r7x2k";

fn result(plan: &greenlight_run::plan::Plan, i: usize, status: Status, ev: Evidence) -> StepResult {
    let c = &plan.checks[i];
    StepResult {
        line: c.line,
        class: Class::Read,
        probe: "http".into(),
        command: c.command.clone(),
        status,
        duration_ms: 12,
        attempts: 1,
        evidence: ev,
    }
}

fn stored(events: Vec<NewEvent>) -> Vec<Event> {
    events
        .into_iter()
        .enumerate()
        .map(|(n, e)| Event {
            run_id: e.run_id,
            seq: n as u64 + 1,
            at: format!("2026-11-30T10:{:02}:00.000Z", n),
            kind: e.kind,
            item: e.item,
            actor: e.actor,
            payload_text: e.payload.canonical().into_owned(),
            prev_hash: String::new(),
            hash: String::new(),
            mac: None,
        })
        .collect()
}

/// The fixed run: health passed, load passed with per-second figures,
/// migration failed and waived until 2099, one lapsed waiver, a manual item
/// checked, QA signed before the migration result changed (stale), Product
/// Owner owed. Evidence carries a secret the redactor must mask.
fn fixture() -> (RunState, greenlight_run::outcome::RunReport) {
    let list = greenlight_doc::parse(DOC.as_bytes());
    let plan = greenlight_run::plan::build(
        &list,
        "RELEASE.md",
        &Profile::default(),
        &greenlight_run::analyze::analyze_block,
        &|_| true,
    );
    assert_eq!(plan.checks.len(), 3, "{:?}", plan.checks);
    let id = |text: &str| {
        plan.items
            .iter()
            .find(|i| i.text.contains(text))
            .unwrap_or_else(|| panic!("no item {text}"))
            .id
            .clone()
    };
    let health = result(
        &plan,
        0,
        Status::Passed,
        Evidence {
            summary: format!("GET http://127.0.0.1:1/health → 200 in 3 ms (token {SECRET})"),
            expected: vec!["status 200".into()],
            excerpt: Some(format!("{{\"ok\":true,\"key\":\"{SECRET}\"}}")),
            ..Evidence::default()
        },
    );
    let load = serde_json::json!({
        "requests": 600, "rps": 200.0, "failed_rate": 0.01, "failed": 6,
        "latency_ms": {"p50": 5.0, "p90": 8.0, "p95": 9.0, "p99": 20.0, "max": 31.0, "avg": 5.5, "min": 1.0},
        "thresholds": [{"metric": "http_req_duration", "expr": "p(95)<500", "value": 9.0, "ok": true}],
        "intervals": [
            {"t_s": 1.0, "requests": 200, "failed": 0, "p50_ms": 5.0, "p95_ms": 8.0, "p99_ms": 12.0},
            {"t_s": 2.0, "requests": 200, "failed": 6, "p50_ms": 6.0, "p95_ms": 10.0, "p99_ms": 20.0},
            {"t_s": 3.0, "requests": 200, "failed": 0, "p50_ms": 5.0, "p95_ms": 9.0, "p99_ms": 14.0}
        ]
    });
    let load = result(
        &plan,
        1,
        Status::Passed,
        Evidence {
            summary: "600 requests, 200/s, p95 9 ms".into(),
            load: Some(load),
            ..Evidence::default()
        },
    );
    let migrated_ok = result(&plan, 2, Status::Passed, Evidence::default());
    let migrated_failed = result(
        &plan,
        2,
        Status::Failed,
        Evidence {
            summary: "GET http://127.0.0.1:1/migrated → 500 in 4 ms".into(),
            failures: vec!["status 200: got 500".into()],
            ..Evidence::default()
        },
    );
    let profile = Profile::default();
    let mut evs = vec![started_in(
        RUN,
        "ci",
        &plan,
        "docs/RELEASE.md",
        &profile,
        "2.4/staging",
    )];
    evs.push(step_event(RUN, "ci", &plan, 0, &health));
    evs.push(step_event(RUN, "ci", &plan, 1, &load));
    evs.push(step_event(RUN, "ci", &plan, 2, &migrated_ok));
    // QA signs while the migration still passed...
    let saw = release::required_results(
        &plan,
        &[Some(health.clone()), Some(load.clone()), Some(migrated_ok)],
    );
    let qa = plan
        .signoffs
        .iter()
        .find(|s| s.role.starts_with("QA"))
        .unwrap();
    evs.push(event(
        RUN,
        EventKind::Signoff,
        Some(&qa.id),
        "Ana <qa>",
        release::signoff_payload(&qa.role, "Ana <qa>", RUN, &saw),
    ));
    // ...then it is run again and fails: the sign-off is stale.
    evs.push(step_event(RUN, "ci", &plan, 2, &migrated_failed));
    evs.push(event(
        RUN,
        EventKind::Waiver,
        Some(&id("Migration ran")),
        "Bo",
        serde_json::json!({"reason": format!("rollback tested; ticket {SECRET}"), "expires": "2099-01-01T00:00:00Z"}),
    ));
    evs.push(event(
        RUN,
        EventKind::Waiver,
        Some(&id("Old caches")),
        "Cy",
        serde_json::json!({"reason": "purged by the CDN job", "expires": "2020-01-01T00:00:00Z"}),
    ));
    evs.push(event(
        RUN,
        EventKind::ItemChecked,
        Some(&id("Release notes")),
        "Dee",
        serde_json::json!({"note": "read them twice"}),
    ));
    let events = stored(evs);
    let state = RunState::from_events(RUN, &events).unwrap();
    let report = state.report();
    (state, report)
}

fn normalise(html: &str) -> String {
    html.replace("><", ">\n<")
}

#[test]
fn the_report_document_snapshot() {
    let (state, report) = fixture();
    let redactor = Redactor::new(vec![SECRET.into()]);
    let view = RunView::new(&state, &report, &redactor)
        .with_audit("12 events, chain intact (unkeyed)", true);
    let html = report_document(&view);
    insta::assert_snapshot!("report_document", normalise(&html));
}

#[test]
fn the_page_shows_the_reports_verdict_counts_and_reasons() {
    let (state, report) = fixture();
    let redactor = Redactor::new(vec![SECRET.into()]);
    let html = report_document(&RunView::new(&state, &report, &redactor));
    let v = report.verdict.as_str();
    assert!(html.contains(&format!("Verdict: {v}")), "{html}");
    let c = &report.counts;
    let row = format!(
        "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>",
        c.passed, c.failed, c.needs_review, c.blocked, c.not_run, c.pending, c.skipped, c.waived
    );
    assert!(html.contains(&row), "counts row {row} missing");
    // Every reason is on the page: in full, or (a manual item waiting for
    // a person) counted in the banner and listed under owed work.
    let owed = &html[html.find("id=\"owed\"").unwrap()..];
    let mut manual = 0;
    for r in &report.reasons {
        let is_manual = state.plan.items.iter().any(|i| {
            i.id == r.item && matches!(i.handling, greenlight_run::plan::Handling::Manual)
        });
        if r.status == Status::Pending && is_manual {
            manual += 1;
            assert!(
                owed.contains(&format!("href=\"#i-{}\"", r.item)),
                "{} not owed",
                r.item
            );
        } else {
            let msg = maud::html! { (r.message) }.into_string();
            assert!(html.contains(&msg), "reason {msg} missing");
        }
    }
    assert_eq!(manual, 2);
    assert!(html.contains("2 manual items wait for a person"), "{html}");
    // Stale, owed, lapsed and in-force are all said in words.
    for word in [
        ">stale<",
        ">owed<",
        ">lapsed<",
        ">in force<",
        ">within<",
        "10m",
    ] {
        assert!(html.contains(word), "{word} missing");
    }
    assert!(html.contains("must sign again"), "{html}");
}

#[test]
fn secrets_are_masked_and_text_is_escaped() {
    let (state, report) = fixture();
    let redactor = Redactor::new(vec![SECRET.into()]);
    let html = report_document(&RunView::new(&state, &report, &redactor));
    assert!(!html.contains(SECRET), "secret leaked");
    assert!(!html.contains("hunter2"), "part of the secret leaked");
    assert!(
        html.contains("Dashboards show p95 &lt; 300 &amp; green"),
        "item text not escaped"
    );
    assert!(!html.contains("p95 < 300"));
}

/// Nothing in the report points outside it, and nothing runs.
fn assert_self_contained(html: &str) {
    assert_eq!(external_references(html), Vec::<String>::new());
}

#[test]
fn the_report_is_self_contained() {
    let (state, report) = fixture();
    let redactor = Redactor::new(vec![]);
    let html = report_document(&RunView::new(&state, &report, &redactor));
    assert_self_contained(&html);
    assert!(html.contains("<svg"), "the load charts are inline");
    assert!(html.contains("<style>"));
}

#[test]
fn owed_work_is_grouped_by_the_role_that_owes_it() {
    let (state, report) = fixture();
    let redactor = Redactor::new(vec![]);
    let owed = owed_by_role(&RunView::new(&state, &report, &redactor));
    let roles: Vec<&str> = owed.groups.iter().map(|g| g.role.as_str()).collect();
    assert_eq!(roles.len(), 3, "{owed:?}");
    assert!(roles[0].starts_with("QA"), "{roles:?}");
    assert!(roles[1].starts_with("Product"), "{roles:?}");
    assert_eq!(roles[2], "anyone who may check items");
    // QA's sign-off went stale, so QA owes it again, and says why.
    assert!(owed.groups[0].signoffs[0].2.is_some(), "{owed:?}");
    // Release notes were checked; dashboards are owed. The lapsed waiver
    // does not excuse the caches.
    let items: Vec<&str> = owed.groups[2].items.iter().map(|i| i.2.as_str()).collect();
    assert_eq!(
        items,
        ["Dashboards show p95 < 300 & green", "Old caches purged"]
    );
}

#[test]
fn forms_only_for_viewers_who_may_act_and_always_with_the_csrf_token() {
    let (state, report) = fixture();
    let redactor = Redactor::new(vec![]);
    let view = RunView::new(&state, &report, &redactor);
    let read_only = run_page(
        &view,
        &PageOptions {
            base: Some(String::new()),
            ..Default::default()
        },
    );
    assert!(!read_only.contains("<form"), "no token, no form");
    let viewer = PageOptions {
        csrf_token: Some("tok-123".into()),
        actor: Some("viv".into()),
        base: Some(String::new()),
        ..Default::default()
    };
    let seen = run_page(&view, &viewer);
    assert_eq!(
        seen.matches("<form").count(),
        1,
        "a viewer gets no form but the log-out one: {seen}"
    );
    assert!(seen.contains("action=\"/logout\""));
    let approver = PageOptions {
        can_check: true,
        can_waive: true,
        sign_roles: vec!["product owner".into()],
        live_url: Some("/runs/r7x2k/events".into()),
        ..viewer
    };
    let html = run_page(&view, &approver);
    let forms = html.matches("<form").count();
    let tokens = html
        .matches(&format!(
            "type=\"hidden\" name=\"{CSRF_FIELD}\" value=\"tok-123\""
        ))
        .count();
    assert!(forms >= 4, "{forms} forms");
    assert_eq!(forms, tokens, "every form carries the CSRF token");
    assert!(html.contains("action=\"/runs/r7x2k/signoff\""));
    assert!(html.contains("Sign off as Product Owner"));
    assert!(!html.contains("Sign off as QA"), "not bound to QA");
    assert!(html.contains("action=\"/runs/r7x2k/check\""));
    assert!(html.contains("action=\"/runs/r7x2k/waive\""));
    assert!(html.contains("data-live=\"/runs/r7x2k/events\"") && html.contains("EventSource"));
    assert!(html.contains("signed in as viv"));
    // The session can log out (a POST with its CSRF token).
    assert!(html.contains("action=\"/logout\""), "{html}");
}

#[test]
fn the_release_list_groups_runs_by_release() {
    let run = |id: &str, release: &str, verdict: Option<&str>| RunSummary {
        run_id: id.into(),
        checklist: "RELEASE.md".into(),
        profile: "staging".into(),
        release: release.into(),
        started_at: "2026-11-30T10:00:00.000Z".into(),
        last_event_at: "2026-11-30T10:05:00.000Z".into(),
        verdict: verdict.map(str::to_string),
        events: 9,
    };
    let rows = release_rows(&[
        run("c3", "2.5/staging", None),
        run("b2", "2.4/staging", Some("NO_GO")),
        run("a1", "2.4/staging", Some("GO")),
        run("z0", "", Some("GO")),
    ]);
    assert_eq!(rows.len(), 3);
    assert_eq!((rows[1].latest_run.as_str(), rows[1].runs), ("b2", 2));
    let html = release_list_page(
        &rows,
        &PageOptions {
            base: Some("/app".into()),
            ..Default::default()
        },
    );
    insta::assert_snapshot!("release_list", normalise(&html));
}

#[test]
fn the_owed_page_lists_each_roles_work_with_links_to_the_run() {
    let (state, report) = fixture();
    let redactor = Redactor::new(vec![]);
    let view = RunView::new(&state, &report, &redactor);
    let html = greenlight_html::owed_page(
        &[view],
        &PageOptions {
            base: Some(String::new()),
            ..Default::default()
        },
    );
    for role in ["QA Lead", "Product Owner", "anyone who may check items"] {
        assert!(html.contains(&format!("<h2>{role} ")), "{role} missing");
    }
    assert!(
        html.contains("sign-off as QA Lead (stale: sign again)"),
        "{html}"
    );
    assert!(html.contains("href=\"/runs/r7x2k#i-"), "{html}");
    assert!(html.contains("Dashboards show p95 &lt; 300 &amp; green"));
    assert!(html.contains("2.4/staging"));
}
