//! Commands on recorded runs: status, check, uncheck, waive, signoff,
//! decide, audit, history, compare, write.

use crate::exit::{self, Failure};
use crate::record::{self, RunState};
use crate::term::{self, Style, printable};
use clap::Args;
use greenlight_run::outcome::{RunReport, Status};
use greenlight_store::EventKind;
use serde_json::json;
use std::path::PathBuf;

/// Where the store is.
#[derive(Args, Debug, Clone, Default)]
pub struct StoreArgs {
    /// The event store: a SQLite file, or postgres://… for a team store.
    /// Default: $GREENLIGHT_STORE, else .greenlight/runs.db in this folder.
    #[arg(long, value_name = "PATH|URL")]
    pub store: Option<String>,
}

#[derive(Args, Debug)]
pub struct StatusArgs {
    /// Run ID (a unique prefix is enough). Default: the latest run.
    pub run: Option<String>,
    #[command(flatten)]
    pub store: StoreArgs,
    /// Print the report as JSON (greenlight.run/v1).
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    pub run: String,
    /// Item ID, or its line (`L57` or `57`).
    pub item: String,
    /// What you checked, in your words.
    #[arg(long, default_value = "")]
    pub note: String,
    /// Who you are (default: $GREENLIGHT_USER, else $USER).
    #[arg(long)]
    pub name: Option<String>,
    #[command(flatten)]
    pub store: StoreArgs,
}

#[derive(Args, Debug)]
pub struct WaiveArgs {
    pub run: String,
    pub item: String,
    /// Why the item may be waived.
    #[arg(long)]
    pub reason: String,
    /// When the waiver ends (RFC 3339, e.g. 2026-12-01T00:00:00Z).
    #[arg(long)]
    pub expires: Option<String>,
    /// Who approves it.
    #[arg(long)]
    pub name: Option<String>,
    #[command(flatten)]
    pub store: StoreArgs,
}

#[derive(Args, Debug)]
pub struct SignoffArgs {
    pub run: String,
    /// The role, as the document names the slot (`Technical Lead`).
    #[arg(long)]
    pub role: String,
    /// Who signs.
    #[arg(long)]
    pub name: String,
    /// Revoke this role's sign-off instead.
    #[arg(long)]
    pub revoke: bool,
    #[command(flatten)]
    pub store: StoreArgs,
}

#[derive(Args, Debug)]
pub struct RunRefArgs {
    pub run: Option<String>,
    #[command(flatten)]
    pub store: StoreArgs,
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct HistoryArgs {
    /// Only runs of this checklist.
    pub file: Option<PathBuf>,
    #[command(flatten)]
    pub store: StoreArgs,
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct CompareArgs {
    pub run_a: String,
    pub run_b: String,
    #[command(flatten)]
    pub store: StoreArgs,
    #[arg(long)]
    pub json: bool,
}

fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    exit::runtime()
}

fn store_failure(e: greenlight_store::StoreError) -> Failure {
    e.into()
}

fn print_json(value: &impl serde::Serialize) -> Result<(), Failure> {
    let text = serde_json::to_string_pretty(value).map_err(Failure::internal)?;
    outln!("{text}");
    Ok(())
}

pub fn status(args: StatusArgs) -> Result<u8, Failure> {
    runtime()?.block_on(async {
        let store = record::open(&record::store_spec(args.store.store.as_deref(), None)).await?;
        let state = record::load(&store, args.run.as_deref()).await?;
        let report = state.report();
        if args.json {
            print_json(&report)?;
        } else {
            out!("{}", render_status(&state, &report, Style::stdout()));
        }
        Ok(crate::run_cmd::exit_code(report.verdict))
    })
}

/// `greenlight status`: progress per phase, open items, sign-offs, budgets.
pub fn render_status(state: &RunState, report: &RunReport, style: Style) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "run {} · {} · profile {} · started {} · {} events{}\n",
        printable(&state.run_id),
        printable(&report.checklist),
        printable(&report.profile),
        printable(&state.started_at),
        state.events,
        if state.finished {
            ""
        } else {
            " · NOT FINISHED (resume with `greenlight resume`)"
        }
    ));
    for p in report.phases.iter().filter(|p| p.counts.total() > 0) {
        let c = &p.counts;
        let done = c.passed + c.skipped;
        let budget = match p.budget_seconds {
            Some(b) => {
                let used = p.elapsed_ms as f64 / 1000.0;
                if used > b as f64 {
                    style.red(&format!("  budget {}m OVERRUN ({used:.0}s)", b / 60))
                } else {
                    format!("  budget {}m ({used:.1}s used)", b / 60)
                }
            }
            None => String::new(),
        };
        out.push_str(&format!(
            "  L{:<5} {:<48} {done}/{} done{}{}\n",
            p.line,
            printable(&p.title.chars().take(48).collect::<String>()),
            c.total(),
            if c.failed > 0 {
                style.red(&format!(" · {} failed", c.failed))
            } else {
                String::new()
            },
            budget
        ));
    }
    let open: Vec<_> = report
        .items
        .iter()
        .filter(|i| !matches!(i.status, Status::Passed | Status::Skipped))
        .collect();
    // The same items the summary counts as manual (`Counts::of`).
    let manual: Vec<_> = open
        .iter()
        .filter(|i| i.counted && i.status == Status::Pending)
        .collect();
    if !manual.is_empty() {
        out.push_str(&format!("\nOpen manual items ({}):\n", manual.len()));
        for i in manual.iter().take(25) {
            out.push_str(&format!(
                "  L{:<5} {}  {}\n",
                i.line,
                printable(&i.text),
                style.dim(&i.id)
            ));
        }
        if manual.len() > 25 {
            out.push_str(&format!(
                "  … and {} more (--json lists all)\n",
                manual.len() - 25
            ));
        }
    }
    let missing: Vec<_> = report.signoffs.iter().filter(|s| !s.signed).collect();
    if !report.signoffs.is_empty() {
        out.push_str(&format!(
            "\nSign-offs: {} of {} present\n",
            report.signoffs.len() - missing.len(),
            report.signoffs.len()
        ));
        for s in &missing {
            out.push_str(&format!(
                "  missing L{:<5} {}\n",
                s.line,
                printable(&s.role)
            ));
        }
    }
    out.push('\n');
    out.push_str(&term::summary(report, style, 12));
    out
}

fn find_item<'a>(
    state: &'a RunState,
    key: &str,
) -> Result<&'a greenlight_run::plan::PlanItem, Failure> {
    let by_id = state.plan.items.iter().find(|i| i.id == key);
    let by_line = || {
        let line: usize = key.strip_prefix('L').unwrap_or(key).parse().ok()?;
        state.plan.items.iter().find(|i| i.line == line)
    };
    by_id.or_else(by_line).ok_or_else(|| {
        Failure::usage(format!(
            "run {} has no item `{key}` (use an item ID from `greenlight status {}` or a line such as L57)",
            state.run_id, state.run_id
        ))
    })
}

pub fn check(args: CheckArgs, checked: bool) -> Result<u8, Failure> {
    runtime()?.block_on(async {
        let store = record::open(&record::store_spec(args.store.store.as_deref(), None)).await?;
        let state = record::load(&store, Some(&args.run)).await?;
        let item = find_item(&state, &args.item)?;
        let actor = record::actor(args.name.as_deref());
        let kind = if checked {
            EventKind::ItemChecked
        } else {
            EventKind::ItemUnchecked
        };
        let ev = record::event(
            &state.run_id,
            kind,
            Some(&item.id),
            &actor,
            json!({ "note": args.note }),
        );
        store.append(vec![ev]).await.map_err(store_failure)?;
        eprintln!(
            "{}",
            printable(&format!(
                "{} L{} {} ({}) by {actor}",
                if checked { "checked" } else { "unchecked" },
                item.line,
                item.text,
                item.id
            ))
        );
        Ok(exit::OK)
    })
}

pub fn waive(args: WaiveArgs) -> Result<u8, Failure> {
    if let Some(x) = &args.expires {
        humantime::parse_rfc3339_weak(x).map_err(|e| {
            Failure::usage(format!(
                "--expires {x}: not an RFC 3339 time ({e}); e.g. 2026-12-01T00:00:00Z"
            ))
        })?;
    }
    runtime()?.block_on(async {
        let store = record::open(&record::store_spec(args.store.store.as_deref(), None)).await?;
        let state = record::load(&store, Some(&args.run)).await?;
        let item = find_item(&state, &args.item)?;
        let actor = record::actor(args.name.as_deref());
        let ev = record::event(
            &state.run_id,
            EventKind::Waiver,
            Some(&item.id),
            &actor,
            json!({ "reason": args.reason, "expires": args.expires }),
        );
        store.append(vec![ev]).await.map_err(store_failure)?;
        eprintln!(
            "{}",
            printable(&format!(
                "waived L{} {} ({}) by {actor}: {}",
                item.line, item.text, item.id, args.reason
            ))
        );
        if item.severity == greenlight_doc::Severity::Blocker {
            eprintln!("note: this item is a blocker; policy does not let a waiver count for it");
        }
        Ok(exit::OK)
    })
}

pub fn signoff(args: SignoffArgs) -> Result<u8, Failure> {
    runtime()?.block_on(async {
        let store = record::open(&record::store_spec(args.store.store.as_deref(), None)).await?;
        let state = record::load(&store, Some(&args.run)).await?;
        let wanted = args.role.trim().to_lowercase();
        let slots: Vec<_> = state
            .plan
            .signoffs
            .iter()
            .filter(|s| s.role.to_lowercase() == wanted)
            .collect();
        let roles: Vec<&str> = state
            .plan
            .signoffs
            .iter()
            .map(|s| s.role.as_str())
            .collect();
        // The first slot for the role that is still open (a document may
        // ask the same role to sign at two stages).
        let slot = if args.revoke {
            slots
                .iter()
                .rev()
                .find(|s| state.people.signed.contains_key(&s.id))
        } else {
            slots
                .iter()
                .find(|s| !state.people.signed.contains_key(&s.id))
        };
        let Some(slot) = slot else {
            return Err(Failure::usage(if slots.is_empty() {
                format!(
                    "the checklist has no sign-off slot for “{}”; its roles are: {}",
                    args.role,
                    roles.join(", ")
                )
            } else if args.revoke {
                format!("“{}” has not signed this run", args.role)
            } else {
                let who = slots
                    .iter()
                    .filter_map(|s| state.people.signed.get(&s.id))
                    .map(|m| m.actor.clone())
                    .collect::<Vec<_>>();
                format!(
                    "“{}” already signed this run (by {}); revoke it first with --revoke",
                    args.role,
                    who.join(", ")
                )
            }));
        };
        let actor = record::actor(Some(&args.name));
        let kind = if args.revoke {
            EventKind::SignoffRevoked
        } else {
            EventKind::Signoff
        };
        let ev = record::event(
            &state.run_id,
            kind,
            Some(&slot.id),
            &actor,
            json!({ "role": slot.role, "name": args.name }),
        );
        store.append(vec![ev]).await.map_err(store_failure)?;
        eprintln!(
            "{} {} (L{}) — {}",
            if args.revoke {
                "revoked sign-off of"
            } else {
                "signed off as"
            },
            slot.role,
            slot.line,
            args.name
        );
        Ok(exit::OK)
    })
}

pub fn decide(args: RunRefArgs, fail_on: exit::FailOn) -> Result<u8, Failure> {
    runtime()?.block_on(async {
        let store = record::open(&record::store_spec(args.store.store.as_deref(), None)).await?;
        let state = record::load(&store, args.run.as_deref()).await?;
        let report = state.report();
        if args.json {
            print_json(&json!({ "run_id": state.run_id, "verdict": report.verdict, "reasons": report.reasons }))?;
        } else {
            out!("{}", term::summary(&report, Style::stdout(), usize::MAX));
        }
        Ok(exit::verdict_code(report.verdict, fail_on))
    })
}

pub fn audit(args: RunRefArgs) -> Result<u8, Failure> {
    runtime()?.block_on(async {
        let store = record::open(&record::store_spec(args.store.store.as_deref(), None)).await?;
        let run_id = match &args.run {
            Some(r) => store.resolve_run(r).await.map_err(store_failure)?,
            None => store.latest_run().await.map_err(store_failure)?.ok_or_else(|| Failure::usage("the store has no runs"))?,
        };
        let audit = store.verify(&run_id).await.map_err(store_failure)?;
        if args.json {
            print_json(&json!({ "run_id": run_id, "events": audit.events, "ok": audit.ok, "first_bad": audit.first_bad, "problem": audit.problem }))?;
        } else if audit.ok {
            outln!("run {run_id}: {} events, audit chain intact", audit.events);
        } else {
            outln!(
                "run {}: AUDIT FAILED — {}",
                printable(&run_id),
                printable(&audit.problem.clone().unwrap_or_else(|| "the chain does not verify".into()))
            );
        }
        Ok(if audit.ok { exit::OK } else { exit::NO_GO })
    })
}

pub fn history(args: HistoryArgs) -> Result<u8, Failure> {
    runtime()?.block_on(async {
        let store = record::open(&record::store_spec(
            args.store.store.as_deref(),
            args.file.as_deref(),
        ))
        .await?;
        let filter = args.file.as_ref().map(|f| f.display().to_string());
        let runs = store.runs(filter.as_deref()).await.map_err(store_failure)?;
        if args.json {
            let rows: Vec<_> = runs
                .iter()
                .map(|r| {
                    json!({
                        "run_id": r.run_id, "checklist": r.checklist, "profile": r.profile,
                        "started_at": r.started_at, "last_event_at": r.last_event_at,
                        "verdict": r.verdict, "events": r.events,
                        "duration_ms": duration_ms(&r.started_at, &r.last_event_at),
                    })
                })
                .collect();
            print_json(&rows)?;
        } else if runs.is_empty() {
            outln!("no runs recorded yet");
        } else {
            outln!(
                "{:<7} {:<20} {:<17} {:>9}  checklist",
                "run",
                "started",
                "verdict",
                "duration"
            );
            for r in &runs {
                let row = format!(
                    "{:<7} {:<20} {:<17} {:>8.1}s  {} ({})",
                    r.run_id,
                    r.started_at.chars().take(19).collect::<String>(),
                    r.verdict.as_deref().unwrap_or("(unfinished)"),
                    duration_ms(&r.started_at, &r.last_event_at) as f64 / 1000.0,
                    r.checklist,
                    r.profile
                );
                outln!("{}", printable(&row));
            }
        }
        Ok(exit::OK)
    })
}

fn duration_ms(a: &str, b: &str) -> u64 {
    match (
        humantime::parse_rfc3339_weak(a),
        humantime::parse_rfc3339_weak(b),
    ) {
        (Ok(x), Ok(y)) => y
            .duration_since(x)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0),
        _ => 0,
    }
}

pub fn compare(args: CompareArgs) -> Result<u8, Failure> {
    runtime()?.block_on(async {
        let store = record::open(&record::store_spec(args.store.store.as_deref(), None)).await?;
        let a = record::load(&store, Some(&args.run_a)).await?.report();
        let b = record::load(&store, Some(&args.run_b)).await?.report();
        let rows = crate::compare::diff(&a, &b);
        if args.json {
            print_json(&rows)?;
        } else {
            out!("{}", printable(&crate::compare::render(&a, &b, &rows)));
        }
        Ok(exit::OK)
    })
}

/// Ticks, in the run's Markdown file, the items that passed or that a
/// person checked.
pub fn write(run: Option<&str>, store: &StoreArgs) -> Result<u8, Failure> {
    let state = runtime()?.block_on(async {
        let store = record::open(&record::store_spec(store.store.as_deref(), None)).await?;
        record::load(&store, run).await
    })?;
    let report = state.report();
    let path = PathBuf::from(&state.checklist_path);
    let (bytes, list) = greenlight_doc::load(&path, greenlight_doc::DEFAULT_MAX_BYTES)?;
    let ids: Vec<String> = report
        .items
        .iter()
        .filter(|i| i.status == Status::Passed)
        .filter(|i| {
            list.items
                .iter()
                .any(|d| d.id == i.id && d.checkbox.is_some())
        })
        .map(|i| i.id.clone())
        .collect();
    let marks = greenlight_doc::writeback::Marks {
        check: ids,
        uncheck: Vec::new(),
    };
    let (out, changed) = greenlight_doc::writeback::apply_marks(&bytes, &list, &marks)
        .map_err(|e| Failure::usage(format!("{}: {e}", path.display())))?;
    if changed > 0 {
        crate::cli::write_atomically(&path, &out)?;
    }
    eprintln!(
        "{}: ticked {changed} item{} of run {}",
        path.display(),
        if changed == 1 { "" } else { "s" },
        state.run_id
    );
    Ok(exit::OK)
}
