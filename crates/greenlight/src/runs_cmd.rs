//! Commands on recorded runs: status, check, uncheck, waive, signoff,
//! decide, audit, history, compare, write.

use crate::exit::{self, Failure};
use crate::record::{self, RunState};
use crate::term::{self, Style, printable};
use clap::Args;
use greenlight_run::outcome::{RunReport, Status, Verdict};
use serde_json::json;
use std::path::PathBuf;

/// Where the store is.
#[derive(Args, Debug, Clone, Default)]
pub struct StoreArgs {
    /// The event store: a SQLite file, or postgres://… for a team store.
    /// Default: $GREENLIGHT_STORE, else greenlight.toml's `store`, else the
    /// .greenlight/runs.db found from this folder (here, above, or below
    /// the repository root).
    #[arg(long, value_name = "PATH|URL")]
    pub store: Option<String>,
}

/// Where the audit key comes from, for commands that take no profile
/// otherwise.
#[derive(Args, Debug, Clone, Default)]
pub struct KeyArgs {
    /// The profile whose `[audit] key` signs and verifies the audit chain.
    /// Default: $GREENLIGHT_AUDIT_KEY, if set.
    #[arg(long = "env", value_name = "PROFILE.toml")]
    pub env: Option<PathBuf>,
}

impl KeyArgs {
    /// The audit key to use, if any.
    pub fn key(&self) -> Result<Option<greenlight_store::AuditKey>, Failure> {
        match (&self.env, self.profile()?) {
            (Some(path), Some(profile)) => {
                record::audit_key(Some((&path.display().to_string(), &profile.audit_key)))
            }
            _ => record::audit_key(None),
        }
    }

    /// The profile named by `--env`, if any.
    pub fn profile(&self) -> Result<Option<greenlight_run::profile::Profile>, Failure> {
        let Some(path) = &self.env else {
            return Ok(None);
        };
        let env = |name: &str| std::env::var(name).ok();
        greenlight_run::profile::Profile::load(path, &env)
            .map(Some)
            .map_err(|e| Failure::usage(e.to_string()))
    }
}

/// Opens the store with the audit key of `key`.
pub(crate) async fn open_store(
    store: &StoreArgs,
    key: &KeyArgs,
) -> Result<greenlight_store::Store, Failure> {
    let key = key.key()?;
    Ok(record::open_keyed(&record::store_spec(store.store.as_deref(), None), key).await?)
}

#[derive(Args, Debug)]
pub struct StatusArgs {
    /// Run ID (a unique prefix is enough). Default: the latest run.
    pub run: Option<String>,
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub key: KeyArgs,
    /// Print the report as JSON (greenlight.run/v1).
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
#[command(after_help = "\
Several items at once: `greenlight check RUN L12 L14 4k2m9xq`, or a whole phase with --phase.
RUN may be left out: `greenlight check L12` acts on the latest run, as `greenlight status` shows.
A first word that is a run's ID (or a unique prefix of one) is the run; any other is an item.
A parent item is checked through its sub-items: checking it checks its open sub-items (they are
listed). A failed check is never checked away: waive it instead (`greenlight waive`).
On a terminal, `greenlight check [RUN]` without items offers a list of open manual items to tick.")]
pub struct CheckArgs {
    /// The run: its ID or a unique prefix (see `greenlight history`).
    /// Default: the latest run.
    pub run: Option<String>,
    /// Item IDs, or lines (`L57` or `57`).
    pub items: Vec<String>,
    /// Every item of this phase (its title, a unique part of it, its ID or `L<line>`).
    #[arg(long, value_name = "NAME")]
    pub phase: Option<String>,
    /// What you checked, in your words.
    #[arg(long, default_value = "")]
    pub note: String,
    /// Who you are (default: $GREENLIGHT_USER, else git's user.name, else $USER).
    #[arg(long)]
    pub name: Option<String>,
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub key: KeyArgs,
}

#[derive(Args, Debug)]
#[command(allow_missing_positional = true)]
pub struct WaiveArgs {
    /// The run: its ID or a unique prefix (see `greenlight history`).
    /// Default: the latest run.
    pub run: Option<String>,
    /// The item: its ID or its line (`L57`).
    pub item: String,
    /// Why the item may be waived.
    #[arg(long)]
    pub reason: String,
    /// When the waiver ends: an RFC 3339 time (2026-12-01T00:00:00Z), a day
    /// (2026-12-01: its start, UTC) or a time from now (`48h`, `7days`).
    #[arg(long)]
    pub expires: Option<String>,
    /// Who approves it (default: $GREENLIGHT_USER, else git's user.name, else $USER).
    #[arg(long)]
    pub name: Option<String>,
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub key: KeyArgs,
}

#[derive(Args, Debug)]
pub struct SignoffArgs {
    /// The run: its ID or a unique prefix (see `greenlight history`).
    /// Default: the latest run.
    pub run: Option<String>,
    /// The role, as the document names the slot (`Technical Lead`).
    #[arg(long)]
    pub role: String,
    /// Who signs (default: $GREENLIGHT_USER, else git's user.name, else
    /// $USER).
    #[arg(long)]
    pub name: Option<String>,
    /// Revoke this role's sign-off instead.
    #[arg(long)]
    pub revoke: bool,
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub key: KeyArgs,
}

#[derive(Args, Debug)]
pub struct RunRefArgs {
    /// Run ID (a unique prefix is enough). Default: the latest run.
    pub run: Option<String>,
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub key: KeyArgs,
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
#[command(after_help = "\
Each run's audit chain is verified: the `audit` column says `verified` (signed, checked with the
key), `unverified` (signed, no key here), `unkeyed` or BROKEN; broken runs are named after the
table and the exit code is 1.")]
pub struct HistoryArgs {
    /// Only runs of this checklist.
    pub file: Option<PathBuf>,
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub key: KeyArgs,
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct CompareArgs {
    pub run_a: String,
    pub run_b: String,
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub key: KeyArgs,
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
        let store = open_store(&args.store, &args.key).await?;
        let state = record::load(&store, args.run.as_deref()).await?;
        let (audit, report) = verified_report(&store, &state).await?;
        if args.json {
            print_json(&report)?;
        } else {
            let style = Style::stdout();
            let mut text = render_status(&state, &report, style);
            // The audit line goes just before the closing summary.
            let line = record::describe_chain(&audit);
            let line = if audit.ok {
                format!("\nAudit: {line}\n")
            } else {
                format!("\nAudit: {}\n", style.red(&line))
            };
            let at = text.rfind("\n\n").map_or(text.len(), |i| i + 1);
            text.insert_str(at, &line);
            out!("{text}");
            out!("{}", printable(&record::people_lines(&state)));
        }
        Ok(crate::run_cmd::exit_code(report.verdict))
    })
}

/// The run's report, with its audit chain verified first: a broken chain
/// makes it NO_GO, an unproven one caps GO (see
/// [`greenlight_run::verdict::apply_chain`]).
/// Refuses to `act` on a run whose audit chain is broken (a rewritten or
/// forged history): exit 6, naming the problem.
async fn refuse_broken_chain(
    store: &greenlight_store::Store,
    state: &RunState,
    act: &str,
) -> Result<(), Failure> {
    let (_, finding) = record::verify_chain(store, &state.run_id).await?;
    match finding {
        greenlight_run::verdict::ChainFinding::Broken(why) => Err(Failure::io(format!(
            "will not {act} run {}: {why}",
            printable(&state.run_id)
        ))),
        _ => Ok(()),
    }
}

pub(crate) async fn verified_report(
    store: &greenlight_store::Store,
    state: &RunState,
) -> Result<(greenlight_store::AuditReport, RunReport), Failure> {
    let (audit, finding) = record::verify_chain(store, &state.run_id).await?;
    let mut report = state.report();
    greenlight_run::verdict::apply_chain(&mut report.verdict, &mut report.reasons, &finding);
    Ok((audit, report))
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
        // "Done" takes in what is skipped by design (rollback, monitoring)
        // and waived items are not done: both are named, so "21/21 done"
        // never hides that nothing ran.
        let mut also = String::new();
        if c.skipped > 0 {
            also.push_str(&format!(" · {} skipped", c.skipped));
        }
        if c.waived > 0 {
            also.push_str(&style.yellow(&format!(" · {} waived", c.waived)));
        }
        out.push_str(&format!(
            "  L{:<5} {:<48} {done}/{} done{}{also}{}\n",
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
    let waivers: Vec<_> = report
        .items
        .iter()
        .filter_map(|i| Some((i, i.waiver.as_ref()?)))
        .collect();
    if !waivers.is_empty() {
        out.push_str(&format!("\nWaivers ({}):\n", waivers.len()));
        let width = crate::term::width();
        for (i, w) in waivers {
            let plain = w.state.as_str();
            let state = match w.state {
                greenlight_run::outcome::WaiverState::InForce => style.yellow(plain),
                _ => style.red(plain),
            };
            let at = format!("L{:<5} ", i.line);
            let line = format!(
                "{} {plain} · was {} · by {} · {} · {}",
                printable(&i.text),
                w.was.as_str(),
                printable(&w.approver),
                match &w.expires {
                    Some(x) => format!("until {}", printable(x)),
                    None => "no expiry".to_string(),
                },
                printable(&w.reason)
            );
            // Wrapped at the terminal's width under the text; the state
            // word is coloured after wrapping, so colour codes do not count
            // as columns.
            let lead = 2 + at.chars().count();
            let wrapped = crate::term::wrap(&line, lead, lead, width).replacen(
                &format!("{plain} · was"),
                &format!("{state} · was"),
                1,
            );
            out.push_str(&format!("  {at}{wrapped}\n"));
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
                "  {} L{:<5} {}\n",
                if s.stale.is_some() {
                    "stale  "
                } else {
                    "missing"
                },
                s.line,
                printable(&s.role)
            ));
        }
    }
    out.push('\n');
    out.push_str(&summary_of(state, report, style, 12));
    out
}

/// The run's summary: a rollback run's reads as what happened to the
/// release (`ROLLED BACK`), any other's as its verdict.
fn summary_of(state: &RunState, report: &RunReport, style: Style, limit: usize) -> String {
    if state.rollback.is_some() {
        term::rollback_summary(report, style, limit)
    } else {
        term::summary(report, style, limit)
    }
}

fn find_item<'a>(
    state: &'a RunState,
    key: &str,
) -> Result<&'a greenlight_run::plan::PlanItem, Failure> {
    greenlight_session::acts::find_item(state, key).map_err(Failure::usage)
}

/// The items `check`/`uncheck` act on: those named, and every item of
/// `--phase`, in document order, without repeats.
fn targets(state: &RunState, args: &CheckArgs) -> Result<Vec<usize>, Failure> {
    let mut out: Vec<usize> = Vec::new();
    for key in &args.items {
        let item = find_item(state, key)?;
        if let Some(i) = state.plan.items.iter().position(|p| p.id == item.id) {
            out.push(i);
        }
    }
    if let Some(name) = &args.phase {
        out.extend(find_phase(state, name)?.items.iter().copied());
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

fn find_phase<'a>(
    state: &'a RunState,
    name: &str,
) -> Result<&'a greenlight_run::plan::PlanPhase, Failure> {
    let phases = &state.plan.phases;
    let wanted = name.trim().to_lowercase();
    let line: Option<usize> = name.strip_prefix('L').and_then(|n| n.parse().ok());
    if let Some(p) = phases
        .iter()
        .find(|p| p.id == name || Some(p.line) == line || p.title.to_lowercase() == wanted)
    {
        return Ok(p);
    }
    let partial: Vec<_> = phases
        .iter()
        .filter(|p| p.title.to_lowercase().contains(&wanted))
        .collect();
    match partial.as_slice() {
        [one] => Ok(one),
        [] => Err(Failure::usage(format!(
            "run {} has no phase “{name}”; its phases are: {}",
            state.run_id,
            phases
                .iter()
                .map(|p| format!("L{} {}", p.line, p.title))
                .collect::<Vec<_>>()
                .join(", ")
        ))),
        many => Err(Failure::usage(format!(
            "“{name}” matches several phases: {}",
            many.iter()
                .map(|p| format!("L{} {}", p.line, p.title))
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// The run `check RUN ITEM…` names, and its items: a first word that is a
/// run's ID (or a unique prefix of one) is the run; otherwise every word is
/// an item of the latest run (the run `status` shows). A prefix that is
/// also an item of the latest run is refused as ambiguous.
async fn run_and_items(
    store: &greenlight_store::Store,
    first: Option<&str>,
    items: &[String],
) -> Result<(RunState, Vec<String>), Failure> {
    let Some(first) = first else {
        return Ok((record::load(store, None).await?, items.to_vec()));
    };
    let all_items = || std::iter::once(first.to_string()).chain(items.iter().cloned());
    match store.resolve_run(first).await {
        Ok(run_id) if run_id == first => {
            Ok((record::load(store, Some(&run_id)).await?, items.to_vec()))
        }
        Ok(run_id) => {
            let latest = record::load(store, None).await?;
            if find_item(&latest, first).is_ok() {
                return Err(Failure::usage(format!(
                    "`{first}` is both the start of run {run_id} and an item of the latest run {}: \
                     write the run in full (`{run_id}`) or the item as a line (`L{}`) or its ID",
                    latest.run_id,
                    first.trim_start_matches('L')
                )));
            }
            Ok((record::load(store, Some(&run_id)).await?, items.to_vec()))
        }
        Err(greenlight_store::StoreError::NoSuchRun(_)) => {
            let latest = record::load(store, None).await?;
            if find_item(&latest, first).is_err() {
                return Err(Failure::usage(format!(
                    "`{first}` is neither a run (see `greenlight history`) nor an item of the latest run {} \
                     (use an item ID from `greenlight status` or a line such as L57)",
                    latest.run_id
                )));
            }
            Ok((latest, all_items().collect()))
        }
        Err(greenlight_store::StoreError::Ambiguous { prefix, candidates }) => {
            let latest = record::load(store, None).await?;
            if find_item(&latest, first).is_ok() {
                Ok((latest, all_items().collect()))
            } else {
                Err(store_failure(greenlight_store::StoreError::Ambiguous {
                    prefix,
                    candidates,
                }))
            }
        }
        Err(e) => Err(store_failure(e)),
    }
}

pub fn check(args: CheckArgs, checked: bool) -> Result<u8, Failure> {
    runtime()?.block_on(async {
        let store = open_store(&args.store, &args.key).await?;
        let (state, items) = run_and_items(&store, args.run.as_deref(), &args.items).await?;
        let args = CheckArgs { items, ..args };
        record::may_append(&state, &store)?;
        let mut named = targets(&state, &args)?;
        if named.is_empty() {
            named = crate::picker::pick(&state, checked)?;
            if named.is_empty() {
                eprintln!("nothing picked; nothing recorded");
                return Ok(exit::OK);
            }
        }
        let actor = record::person(args.name.as_deref())?;
        let report = state.report();
        let verb = if checked { "checked" } else { "unchecked" };
        let greenlight_session::acts::Marked {
            events,
            lines,
            refused,
        } = greenlight_session::acts::mark(&state, &report, &named, checked, &actor, &args.note);
        let n = events.len();
        store.append(events).await.map_err(store_failure)?;
        // What was recorded is the command's output (stdout); when some items
        // were refused the command fails, and its account is the diagnostic.
        let said = format!(
            "{}{n} item{} {verb} in run {} by {}\n",
            lines
                .iter()
                .map(|l| format!("{}\n", printable(l)))
                .collect::<String>(),
            if n == 1 { "" } else { "s" },
            state.run_id,
            printable(&actor)
        );
        if refused > 0 {
            eprint!("{said}");
        } else {
            out!("{said}");
        }
        if refused > 0 {
            return Err(Failure::usage(format!(
                "{refused} item{} could not be {verb} (see above)",
                if refused == 1 { "" } else { "s" }
            )));
        }
        Ok(exit::OK)
    })
}

pub fn waive(args: WaiveArgs) -> Result<u8, Failure> {
    let expires = match &args.expires {
        Some(x) => Some(
            greenlight_session::acts::waiver_expiry(x, std::time::SystemTime::now())
                .map_err(|why| Failure::usage(format!("--expires {x}: {why}")))?,
        ),
        None => None,
    };
    if !greenlight_session::acts::waiver_reason_ok(&args.reason) {
        return Err(Failure::usage("--reason: say why the item may be waived"));
    }
    runtime()?.block_on(async {
        let store = open_store(&args.store, &args.key).await?;
        let state = record::load(&store, args.run.as_deref()).await?;
        record::may_append(&state, &store)?;
        let item = find_item(&state, &args.item)?;
        let actor = record::person(args.name.as_deref())?;
        let ev =
            greenlight_session::acts::waiver(&state, item, &actor, &args.reason, expires.clone());
        store.append(vec![ev]).await.map_err(store_failure)?;
        outln!(
            "{}",
            printable(&format!(
                "waived L{} {} ({}) by {actor}{}: {}",
                item.line,
                item.text,
                item.id,
                expires
                    .as_deref()
                    .map(|e| format!(" until {e}"))
                    .unwrap_or_default(),
                args.reason
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
        let store = open_store(&args.store, &args.key).await?;
        let state = record::load(&store, args.run.as_deref()).await?;
        record::may_append(&state, &store)?;
        let slot = greenlight_session::acts::signoff_slot(&state, &args.role, args.revoke)
            .map_err(Failure::usage)?;
        let actor = record::person(args.name.as_deref())?;
        let ev = greenlight_session::acts::signoff(&state, slot, &actor, &actor, args.revoke);
        store.append(vec![ev]).await.map_err(store_failure)?;
        outln!(
            "{} {} (L{}) — {}",
            if args.revoke {
                "revoked sign-off of"
            } else {
                "signed off as"
            },
            slot.role,
            slot.line,
            actor
        );
        Ok(exit::OK)
    })
}

pub fn decide(args: RunRefArgs, fail_on: exit::FailOn) -> Result<u8, Failure> {
    runtime()?.block_on(async {
        let store = open_store(&args.store, &args.key).await?;
        let state = record::load(&store, args.run.as_deref()).await?;
        let (_, report) = verified_report(&store, &state).await?;
        if args.json {
            print_json(&json!({
                "run_id": state.run_id, "verdict": report.verdict, "reasons": report.reasons,
                "signoffs": report.signoffs,
            }))?;
        } else {
            out!(
                "{}",
                summary_of(&state, &report, Style::stdout(), usize::MAX)
            );
            out!("{}", printable(&record::people_lines(&state)));
        }
        Ok(exit::verdict_code(report.verdict, fail_on))
    })
}

pub fn audit(args: RunRefArgs) -> Result<u8, Failure> {
    runtime()?.block_on(async {
        let store = open_store(&args.store, &args.key).await?;
        let run_id = match &args.run {
            Some(r) => store.resolve_run(r).await.map_err(store_failure)?,
            None => store
                .latest_run()
                .await
                .map_err(store_failure)?
                .ok_or_else(|| Failure::usage("the store has no runs"))?,
        };
        let (audit, _) = record::verify_chain(&store, &run_id).await?;
        if args.json {
            print_json(&json!({
                "run_id": run_id, "events": audit.events, "ok": audit.ok,
                "first_bad": audit.first_bad, "problem": audit.problem,
                "keying": audit.keying, "signed": audit.signed, "key_id": audit.key_id,
                "verified_with": store.audit_key().map(|k| k.id()),
            }))?;
        } else {
            outln!(
                "run {}: {}",
                printable(&run_id),
                printable(&record::describe_chain(&audit))
            );
            if audit.ok {
                outln!("{}", printable(&signers(&store, &run_id).await?));
            }
        }
        Ok(if audit.ok { exit::OK } else { exit::NO_GO })
    })
}

/// Who recorded the run's events: `signers: alice (3 events), greenlight-ci (12)`.
async fn signers(store: &greenlight_store::Store, run_id: &str) -> Result<String, Failure> {
    let events = store.events(run_id).await.map_err(store_failure)?;
    let mut who: Vec<(String, usize)> = Vec::new();
    for e in &events {
        match who.iter_mut().find(|(a, _)| *a == e.actor) {
            Some((_, n)) => *n += 1,
            None => who.push((e.actor.clone(), 1)),
        }
    }
    Ok(format!(
        "recorded by: {}",
        who.iter()
            .map(|(a, n)| format!("{a} ({n} event{})", if *n == 1 { "" } else { "s" }))
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

pub fn history(args: HistoryArgs) -> Result<u8, Failure> {
    runtime()?.block_on(async {
        let key = args.key.key()?;
        let store = record::open_keyed(
            &record::store_spec(args.store.store.as_deref(), args.file.as_deref()),
            key,
        )
        .await?;
        let filter = args.file.as_ref().map(|f| f.display().to_string());
        let runs = store.runs(filter.as_deref()).await.map_err(store_failure)?;
        // Every run's chain is verified, as `status` and `decide` do: a
        // listing must not present a rewritten history as recorded.
        let mut audits = Vec::with_capacity(runs.len());
        for r in &runs {
            audits.push(record::verify_chain(&store, &r.run_id).await?.0);
        }
        let ids: Vec<String> = runs.iter().map(|r| r.run_id.clone()).collect();
        let rollbacks = greenlight_session::rollback::rollback_runs(&store, &ids).await?;
        let watches: std::collections::HashSet<String> = store
            .events_of_kinds(&ids, &[greenlight_store::EventKind::WatchStarted])
            .await
            .map_err(store_failure)?
            .into_iter()
            .map(|e| e.run_id)
            .collect();
        let kind = |r: &greenlight_store::RunSummary| match rollbacks.get(&r.run_id) {
            None if watches.contains(&r.run_id) => RunKind::Watch,
            None => RunKind::Run,
            Some((_, a)) if a.automatic => RunKind::AutomaticRollback,
            Some(_) => RunKind::Rollback,
        };
        let broken: Vec<(
            &greenlight_store::RunSummary,
            &greenlight_store::AuditReport,
        )> = runs.iter().zip(&audits).filter(|(_, a)| !a.ok).collect();
        if args.json {
            let rows: Vec<_> = runs
                .iter()
                .zip(&audits)
                .map(|(r, a)| {
                    json!({
                        "run_id": r.run_id, "checklist": r.checklist, "profile": r.profile,
                        "release": r.release,
                        "started_at": r.started_at, "last_event_at": r.last_event_at,
                        "verdict": r.verdict, "events": r.events,
                        "kind": kind(r).json_name(),
                        "rollback": rollbacks.get(&r.run_id).map(|(by, a)| json!({
                            "allowed_by": by, "classes": a.classes, "automatic": a.automatic,
                        })),
                        "duration_ms": duration_ms(&r.started_at, &r.last_event_at),
                        "audit": {
                            "ok": a.ok, "keying": a.keying, "first_bad": a.first_bad,
                            "problem": a.problem, "key_id": a.key_id,
                        },
                    })
                })
                .collect();
            print_json(&rows)?;
        } else if runs.is_empty() {
            outln!("no runs recorded yet");
        } else {
            let style = Style::stdout();
            // A rollback's verdict reads as what happened to the release.
            let verdict = |r: &greenlight_store::RunSummary| -> String {
                match (kind(r), r.verdict.as_deref()) {
                    (_, None) => "(unfinished)".into(),
                    (RunKind::Run | RunKind::Watch, Some(v)) => v.into(),
                    (_, Some(v)) => [
                        Verdict::Go,
                        Verdict::GoWithWarnings,
                        Verdict::Pending,
                        Verdict::NoGo,
                    ]
                    .into_iter()
                    .find(|known| known.as_str() == v)
                    .map_or_else(|| v.to_string(), |k| term::rollback_headline(k).into()),
                }
            };
            // The columns widen only for what is in them.
            let kind_width = runs
                .iter()
                .map(|r| kind(r).label().len())
                .max()
                .unwrap_or(0)
                .max(4);
            let verdict_width = runs
                .iter()
                .map(|r| verdict(r).chars().count())
                .max()
                .unwrap_or(0)
                .max(17);
            outln!(
                "{:<7} {:<20} {:<kind_width$} {:<verdict_width$} {:>9}  {:<10} checklist",
                "run",
                "started",
                "kind",
                "verdict",
                "duration",
                "audit"
            );
            for (r, a) in runs.iter().zip(&audits) {
                let chain = if a.ok {
                    format!("{:<10}", a.keying.as_str())
                } else {
                    style.red(&format!("{:<10}", "BROKEN"))
                };
                let head = format!(
                    "{:<7} {:<20} {:<kind_width$} {:<verdict_width$} {:>8.1}s ",
                    r.run_id,
                    r.started_at.chars().take(19).collect::<String>(),
                    kind(r).label(),
                    verdict(r),
                    duration_ms(&r.started_at, &r.last_event_at) as f64 / 1000.0,
                );
                let tail = format!("{} ({})", r.checklist, r.profile);
                outln!("{} {chain} {}", printable(&head), printable(&tail));
            }
            if !broken.is_empty() {
                outln!("");
                for (r, a) in &broken {
                    let line = format!(
                        "run {}: {} — its verdict is not to be trusted",
                        r.run_id,
                        record::describe_chain(a)
                    );
                    outln!("{}", style.red(&printable(&line)));
                }
            }
        }
        Ok(if broken.is_empty() {
            exit::OK
        } else {
            exit::NO_GO
        })
    })
}

/// What a run in `history` was: a run of the checklist or of its rollback
/// procedure, by hand or started by `watch`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RunKind {
    Run,
    Rollback,
    AutomaticRollback,
    /// A watch window (`greenlight watch`).
    Watch,
}

impl RunKind {
    fn label(self) -> &'static str {
        match self {
            RunKind::Run => "run",
            RunKind::Rollback => "rollback",
            RunKind::AutomaticRollback => "rollback (automatic)",
            RunKind::Watch => "watch",
        }
    }

    fn json_name(self) -> &'static str {
        match self {
            RunKind::Run => "run",
            RunKind::Rollback | RunKind::AutomaticRollback => "rollback",
            RunKind::Watch => "watch",
        }
    }
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
        let store = open_store(&args.store, &args.key).await?;
        let a = record::load(&store, Some(&args.run_a)).await?;
        let b = record::load(&store, Some(&args.run_b)).await?;
        for state in [&a, &b] {
            refuse_broken_chain(&store, state, "compare").await?;
        }
        let (a, b) = (a.report(), b.report());
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
pub fn write(run: Option<&str>, store: &StoreArgs, key: &KeyArgs) -> Result<u8, Failure> {
    let state = runtime()?.block_on(async {
        let store = open_store(store, key).await?;
        let state = record::load(&store, run).await?;
        // Ticks written from a rewritten history would put forged results
        // into the team's document.
        refuse_broken_chain(&store, &state, "tick items from").await?;
        Ok::<_, Failure>(state)
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
    if term::verbosity() != term::Verbosity::Quiet {
        eprintln!(
            "{}: ticked {changed} item{} of run {}",
            path.display(),
            if changed == 1 { "" } else { "s" },
            state.run_id
        );
    }
    Ok(exit::OK)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A store holding runs with the given IDs, each of a checklist whose
    /// only item is on line 5.
    async fn store_with(ids: &[&str]) -> (greenlight_store::Store, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!(
            "greenlight-run-and-items-{}-{}",
            std::process::id(),
            ids.join("-")
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let spec = dir.join("runs.db").display().to_string();
        let store = record::open_keyed(&spec, None).await.unwrap();
        let list = greenlight_doc::parse(b"# Release\n\n## Checks\n\n- [ ] Notes reviewed\n");
        let profile = greenlight_run::profile::Profile::default();
        let plan = crate::run_cmd::make_plan(&list, "c.md", &profile);
        for id in ids {
            let started = record::started(id, "t", &plan, "c.md", &profile);
            store.append(vec![started]).await.unwrap();
        }
        (store, dir)
    }

    /// The refusal's message (a run taken instead fails the test).
    fn refused(r: Result<(RunState, Vec<String>), Failure>) -> String {
        match r {
            Ok((state, items)) => panic!("took run {} with {items:?}", state.run_id),
            Err(e) => e.to_string(),
        }
    }

    fn words(w: &[&str]) -> Vec<String> {
        w.iter().map(|s| s.to_string()).collect()
    }

    #[tokio::test]
    async fn a_first_word_is_the_run_when_it_names_one_and_an_item_otherwise() {
        let (store, dir) = store_with(&["57xyz"]).await;
        // The run in full, or a prefix that is no item: the run.
        let (state, items) = run_and_items(&store, Some("57xyz"), &words(&["L5"]))
            .await
            .unwrap();
        assert_eq!((state.run_id.as_str(), items), ("57xyz", words(&["L5"])));
        let (state, items) = run_and_items(&store, Some("57x"), &[]).await.unwrap();
        assert_eq!((state.run_id.as_str(), items), ("57xyz", words(&[])));
        // No run by that name: every word is an item of the latest run.
        let (state, items) = run_and_items(&store, Some("L5"), &words(&["5"]))
            .await
            .unwrap();
        assert_eq!(
            (state.run_id.as_str(), items),
            ("57xyz", words(&["L5", "5"]))
        );
        // A prefix of a run that is also an item (line 5): refused, saying how to say which.
        let err = refused(run_and_items(&store, Some("5"), &[]).await);
        let said = err;
        assert!(
            said.contains("both the start of run 57xyz and an item") && said.contains("`L5`"),
            "{said}"
        );
        // Neither a run nor an item.
        let err = refused(run_and_items(&store, Some("9"), &[]).await);
        assert!(err.contains("neither a run"), "{err}");
        drop(store);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test]
    async fn without_a_run_the_latest_is_taken_and_an_empty_store_says_so() {
        let (store, dir) = store_with(&[]).await;
        let err = refused(run_and_items(&store, None, &[]).await);
        assert!(err.contains("no runs yet"), "{err}");
        let err = refused(run_and_items(&store, Some("L5"), &[]).await);
        assert!(err.contains("no runs yet"), "{err}");
        drop(store);
        let _ = std::fs::remove_dir_all(dir);
        let (store, dir) = store_with(&["aaaaa", "bbbbb"]).await;
        let (state, _) = run_and_items(&store, None, &[]).await.unwrap();
        let latest = store.latest_run().await.unwrap().unwrap();
        assert_eq!(state.run_id, latest);
        drop(store);
        let _ = std::fs::remove_dir_all(dir);
    }
}
