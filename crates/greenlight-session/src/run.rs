//! A run session: executing a plan while recording each result the moment
//! it exists, a run of a release (people's work carried over, the
//! document's ticks, a partial re-run) and resuming a run.
//!
//! What happens is told to an [`Observer`]: the command line's live
//! terminal view is one; a server streaming a run is another. Nothing here
//! prints, reads arguments or decides exit codes.

use crate::{BaselineRun, Recording, Result, SessionError};
use greenlight_doc::Checklist;
use greenlight_run::assemble::{self, RunFacts};
use greenlight_run::execute::{Event, Executor};
use greenlight_run::outcome::{RunReport, StepResult};
use greenlight_run::plan::{self, Plan, WillRun};
use greenlight_run::profile::Profile;
use greenlight_run::redact::Redactor;
use greenlight_store::AuditKey;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

/// Who watches a run: told when it begins, of each event as it happens,
/// every 100 ms while it runs (to redraw a live view), when it ends, and
/// of what the session notices on the way.
pub trait Observer: Send {
    /// The run begins: its plan (the run's own, for a resumed run), the
    /// redactor of its secrets, and its ID.
    fn begin(&mut self, plan: &Arc<Plan>, redactor: &Redactor, run_id: &str);
    /// Something happened; `results` are those of the checks finished so
    /// far (before this event's result).
    fn event(&mut self, event: &Event, results: &[Option<StepResult>]);
    /// 100 ms passed without an event.
    fn tick(&mut self) {}
    /// No more events will come.
    fn end(&mut self) {}
    /// Something worth telling whoever runs the session.
    fn notice(&mut self, notice: Notice<'_>);
}

/// What a session tells its [`Observer`] besides the run's events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice<'a> {
    /// A partial run sets out to re-run `to_run` of `checks` checks,
    /// keeping `kept` results of run `from` (`None`: no earlier run of
    /// `release`); `will_run` says how many of those really run and why
    /// the others do not (not allowed in the profile, blocked, held back).
    Rerunning {
        to_run: usize,
        checks: usize,
        kept: usize,
        from: Option<&'a str>,
        release: &'a str,
        will_run: WillRun,
    },
    /// The document's boxes: `ticked` count as people's checks,
    /// `reopened` are open again.
    DocumentTicks { ticked: usize, reopened: usize },
    /// Latencies are compared with run `run`, the last GO run.
    Baseline { run: &'a str },
    /// The store failed to take results; they are kept and retried.
    StoreRetrying { error: &'a str },
    /// The store is unreachable at the end: `events` events were saved to
    /// `path`; `error` is redacted.
    Unrecorded {
        error: &'a str,
        events: usize,
        path: &'a Path,
    },
    /// The run is recorded in `store` (described), as a run of `release`
    /// after `earlier` runs of it.
    Recorded {
        run_id: &'a str,
        store: &'a str,
        release: &'a str,
        earlier: usize,
    },
    /// `resume` keeps `kept` of `checks` results and sets out to run the
    /// other `open` (with `failed`: also those that failed, were blocked or
    /// did not run); `will_run` says how many of those really run.
    Resuming {
        run_id: &'a str,
        kept: usize,
        checks: usize,
        open: usize,
        failed: bool,
        will_run: WillRun,
    },
}

/// A run's stop switch: once pulled, no new check starts; the report says
/// the run was interrupted. Clones pull the same switch.
#[derive(Clone)]
pub struct Stop(Arc<tokio::sync::watch::Sender<bool>>);

impl Default for Stop {
    fn default() -> Self {
        Stop(Arc::new(tokio::sync::watch::channel(false).0))
    }
}

impl Stop {
    pub fn new() -> Self {
        Self::default()
    }

    /// Stops the run (again: no effect).
    pub fn stop(&self) {
        self.0.send_replace(true);
    }

    pub fn is_stopped(&self) -> bool {
        *self.0.borrow()
    }

    fn receiver(&self) -> tokio::sync::watch::Receiver<bool> {
        self.0.subscribe()
    }
}

/// The store a run records to: its address and audit key.
pub struct StoreAt<'a> {
    pub spec: &'a str,
    pub key: Option<AuditKey>,
}

/// How a run relates to the runs before it.
#[derive(Default)]
pub struct RunOptions<'a> {
    /// `--release NAME` (else the checklist and profile name the release).
    pub release: Option<&'a str>,
    /// `--rerun-failed`, `--only`, `--phase`.
    pub selection: greenlight_run::release::Selection,
    /// The parsed document, whose `[x]` ticks count as people's checks.
    pub list: Option<&'a Checklist>,
    /// A rollback: recorded (who allowed which classes) before any step runs.
    pub rollback: Option<crate::rollback::RollbackAllowed>,
}

/// The executor a run of `plan` uses under `profile` (its timeouts,
/// variables, allowed classes and hosts), stopped by `stop`, and the
/// redactor of the profile's secrets. `watch` builds one and runs its probe
/// plan with it at every tick.
pub fn executor_for(plan: &Plan, profile: &Profile, stop: &Stop) -> Result<(Executor, Redactor)> {
    greenlight_probe::install_crypto_provider();
    let extra_roots = match &profile.ca_file {
        Some(path) => {
            let pem = std::fs::read(path).map_err(|e| {
                SessionError::Config(format!("{}: cannot read CA file: {e}", path.display()))
            })?;
            greenlight_probe::parse_pem_certificates(&pem)
                .map_err(|e| SessionError::Config(format!("{}: {e}", path.display())))?
        }
        None => Vec::new(),
    };
    let http = greenlight_probe::HttpClient::new(greenlight_probe::HttpClientOptions {
        extra_roots: extra_roots.clone(),
        ..Default::default()
    });
    // Build the clients the checks will use before the first one starts
    // (only `https://` loads trust roots; each client is built once).
    for c in plan.checks.iter().filter(|c| c.gate == plan::Gate::Run) {
        if let greenlight_run::check::Target::Http { url, insecure, .. } = &c.target {
            http.prepare(url, *insecure);
        }
    }
    let redactor = Redactor::new(profile.secrets());
    let executor = Executor {
        http,
        timeout: profile.timeout,
        shell_timeout: profile.shell_timeout,
        concurrency: profile.concurrency,
        eventually: profile.eventually,
        extra_roots,
        vars: profile
            .vars
            .iter()
            .map(|(k, v)| (k.clone(), v.value.clone()))
            .collect(),
        redactor: redactor.clone(),
        cancel: stop.receiver(),
        loads: Default::default(),
        progress: None,
        allowed: profile.allowed.clone(),
        allow_load: profile.allow_load,
        hosts: profile.hosts.clone(),
    };
    Ok((executor, redactor))
}

/// Runs a plan to its report, telling `observer` as it goes and recording
/// to `recording` when given; `done` are results kept (a resumed or
/// partial run), the others run. Returns the observer for what follows.
#[allow(clippy::too_many_arguments)]
pub async fn execute(
    plan: &Plan,
    profile: &Profile,
    run_id: &str,
    recording: Option<&Recording>,
    done: Option<Vec<Option<StepResult>>>,
    mut observer: Box<dyn Observer>,
    stop: &Stop,
) -> Result<(RunReport, Box<dyn Observer>)> {
    let (executor, redactor) = executor_for(plan, profile, stop)?;
    let started_at = humantime::format_rfc3339_seconds(SystemTime::now()).to_string();
    let start = Instant::now();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Event>();

    // One consumer tells the observer each event and records each result
    // the moment it exists; a store that fails keeps the events for later.
    let consumer_plan = Arc::new(plan.clone());
    observer.begin(&consumer_plan, &redactor, run_id);
    let consumer_id = run_id.to_string();
    let store = recording.map(|r| (r.store.clone(), r.actor.clone()));
    let consumer = tokio::spawn(async move {
        let mut ticks = tokio::time::interval(Duration::from_millis(100));
        let mut seen: Vec<Option<StepResult>> = vec![None; consumer_plan.checks.len()];
        let mut elapsed = vec![Duration::ZERO; consumer_plan.phases.len()];
        let mut pending: Vec<greenlight_store::NewEvent> = Vec::new();
        let mut store_error: Option<String> = None;
        loop {
            let first = tokio::select! {
                event = rx.recv() => match event {
                    Some(event) => event,
                    None => break,
                },
                _ = ticks.tick() => {
                    observer.tick();
                    continue;
                }
            };
            // Everything that has arrived meanwhile is recorded in one
            // transaction; a result is never held back waiting for more.
            let mut batch = vec![first];
            while let Ok(more) = rx.try_recv() {
                batch.push(more);
            }
            for event in batch {
                observer.event(&event, &seen);
                match event {
                    Event::CheckFinished { check, result } => {
                        if let Some((_, actor)) = &store {
                            pending.push(crate::step_event(
                                &consumer_id,
                                actor,
                                &consumer_plan,
                                check,
                                &result,
                            ));
                        }
                        seen[check] = Some(*result);
                    }
                    Event::PhaseFinished { phase, elapsed: e } => {
                        elapsed[phase] = e;
                    }
                    Event::PhaseStarted { .. }
                    | Event::CheckStarted { .. }
                    | Event::LoadProgress { .. } => {}
                }
            }
            if let (Some((store, _)), false) = (&store, pending.is_empty()) {
                // Shared with the store, not copied: only a failed batch
                // is copied back, to be tried again with the next one.
                let batch: Arc<[greenlight_store::NewEvent]> = std::mem::take(&mut pending).into();
                match store.append_shared(batch.clone()).await {
                    Ok(_) => {
                        store_error = None;
                    }
                    Err(e) => {
                        pending = batch.to_vec();
                        let error = e.to_string();
                        if store_error.is_none() {
                            observer.notice(Notice::StoreRetrying { error: &error });
                        }
                        store_error = Some(error);
                    }
                }
            }
        }
        observer.end();
        (elapsed, pending, store_error, observer)
    });
    let mut results = match done {
        Some(done) => executor.resume(plan, done, tx).await,
        None => executor.run(plan, tx).await,
    };
    if let (Some(rule), Some((base_run, base))) = (
        profile.baseline,
        recording.and_then(|r| r.baseline.as_ref()),
    ) {
        assemble::apply_baseline(plan, &mut results, base, base_run, rule);
    }
    let (phase_elapsed, mut unrecorded, store_error, mut observer) = consumer
        .await
        .map_err(|e| SessionError::Internal(format!("the live view stopped: {e}")))?;
    let facts = RunFacts {
        run_id: Some(run_id.to_string()),
        started_at,
        duration: start.elapsed(),
        interrupted: stop.is_stopped(),
        phase_elapsed: phase_elapsed.clone(),
    };
    let people = match recording {
        Some(rec) => {
            let seen: Vec<Option<StepResult>> = results.iter().cloned().map(Some).collect();
            crate::people_for(&rec.acts, run_id, plan, &seen, profile.waive_blockers)
        }
        None => assemble::People {
            waive_blockers: profile.waive_blockers,
            ..Default::default()
        },
    };
    let report = assemble::report_with(plan, &results, &facts, &people);
    if let Some(rec) = recording {
        // Results the baseline turned into failures are recorded as such,
        // then budget overruns and the verdict.
        unrecorded.extend(crate::closing_events(
            run_id,
            &rec.actor,
            plan,
            &results,
            &phase_elapsed,
            &report,
        ));
        let unrecorded: Arc<[greenlight_store::NewEvent]> = unrecorded.into();
        if let Err(e) = rec.store.append_shared(unrecorded.clone()).await {
            let path = PathBuf::from(format!("greenlight-unrecorded-{run_id}.jsonl"));
            let _ = std::fs::write(&path, crate::unrecorded_jsonl(&unrecorded, &redactor));
            let why = format!(
                "{e}{}",
                store_error
                    .map(|s| format!("; earlier: {s}"))
                    .unwrap_or_default()
            );
            observer.notice(Notice::Unrecorded {
                error: &redactor.redact(&why),
                events: unrecorded.len(),
                path: &path,
            });
        }
    }
    Ok((report, observer))
}

/// Runs a plan, recording it in the store `at` when given, as a run of its
/// release: people's acts carry over, the document's `[x]` ticks count,
/// and a partial run keeps the results it does not re-run.
#[allow(clippy::too_many_arguments)]
pub async fn run_recorded(
    plan: &Plan,
    profile: &Profile,
    run_id: &str,
    at: Option<StoreAt<'_>>,
    actor: &str,
    checklist: &Path,
    options: &RunOptions<'_>,
    mut observer: Box<dyn Observer>,
    stop: &Stop,
) -> Result<RunReport> {
    use greenlight_run::release;
    let Some(StoreAt { spec, key }) = at else {
        if !options.selection.is_all() {
            return Err(SessionError::Usage(
                "--rerun-failed, --only and --phase build on recorded runs: drop --no-store".into(),
            ));
        }
        return Ok(execute(plan, profile, run_id, None, None, observer, stop)
            .await?
            .0);
    };
    let store = crate::open_keyed(spec, key).await?;
    let path = checklist
        .canonicalize()
        .unwrap_or_else(|_| checklist.to_path_buf());
    let release = release::release_key(options.release, checklist, &plan.profile);
    let baseline: Option<BaselineRun> = match profile.baseline {
        Some(_) => crate::last_go_latencies(&store, &plan.checklist, run_id).await?,
        None => None,
    };
    let earlier_runs = store.release_runs(&release).await?;
    let partial = if options.selection.is_all() {
        None
    } else {
        let prev_state = match earlier_runs.last() {
            Some(r) => Some(crate::load(&store, Some(&r.run_id)).await?),
            None => None,
        };
        let prev = prev_state.as_ref().map(|s| release::Previous {
            run_id: &s.run_id,
            plan: &s.plan,
            results: &s.results,
        });
        let part = release::select(plan, &options.selection, prev.as_ref())?;
        let kept = part.kept_from.iter().filter(|k| k.is_some()).count();
        observer.notice(Notice::Rerunning {
            to_run: part.to_run(),
            checks: plan.checks.len(),
            kept,
            from: prev.as_ref().map(|p| p.run_id),
            release: &release,
            will_run: WillRun::of(plan, profile, &part.done),
        });
        Some(part)
    };
    let mut first = crate::opening_events(
        run_id,
        actor,
        plan,
        &path.display().to_string(),
        profile,
        &release,
        partial.as_ref(),
    );
    if let Some(allowed) = &options.rollback {
        first.push(crate::rollback::allowed_event(run_id, actor, allowed));
    }
    store
        .append(first)
        .await
        .map_err(|e| SessionError::Io(format!("cannot record the run in {spec}: {e}")))?;
    let (mut acts, earlier) = crate::release_acts(&store, run_id, &release, None).await?;
    if let Some(list) = options.list {
        let people = crate::people_for(&acts, run_id, plan, &[], false);
        let mut authors: Option<Option<std::collections::HashMap<usize, String>>> = None;
        let ticks = release::document_ticks(list, plan, &people, &mut |line| {
            authors
                .get_or_insert_with(|| release::blame_authors(&path, Duration::from_secs(3)))
                .as_ref()
                .and_then(|m| m.get(&line).cloned())
        });
        if !ticks.is_empty() {
            let events = crate::tick_events(run_id, &ticks);
            let stored = store.append(events).await?;
            acts.extend(stored.iter().filter_map(crate::act_of));
            let ticked = ticks.iter().filter(|t| t.checked).count();
            observer.notice(Notice::DocumentTicks {
                ticked,
                reopened: ticks.len() - ticked,
            });
        }
    }
    if let Some((base, _)) = &baseline {
        observer.notice(Notice::Baseline { run: base });
    }
    let recording = Recording {
        store: Arc::new(store),
        actor: actor.to_string(),
        baseline,
        acts,
    };
    let (report, mut observer) = execute(
        plan,
        profile,
        run_id,
        Some(&recording),
        partial.map(|p| p.done),
        observer,
        stop,
    )
    .await?;
    observer.notice(Notice::Recorded {
        run_id,
        store: recording.store.describe(),
        release: &release,
        earlier,
    });
    Ok(report)
}

/// Resumes run `run` (an ID or its prefix) in the store `at`: runs what had
/// not finished, with the run's own plan; with `failed`, also what failed,
/// was blocked or did not run. The report has everything recorded,
/// people's work included.
pub async fn resume(
    at: StoreAt<'_>,
    run: &str,
    failed: bool,
    profile: &Profile,
    actor: &str,
    mut observer: Box<dyn Observer>,
    stop: &Stop,
) -> Result<RunReport> {
    let store = crate::open_keyed(at.spec, at.key).await?;
    let state = crate::load(&store, Some(run)).await?;
    crate::may_append(&state, &store)?;
    let done = crate::resume_from(&state, failed);
    let open = done.iter().filter(|r| r.is_none()).count();
    observer.notice(Notice::Resuming {
        run_id: &state.run_id,
        kept: done.len() - open,
        checks: done.len(),
        open,
        failed,
        will_run: WillRun::of(&state.plan, profile, &done),
    });
    store
        .append(vec![crate::resumed_event(
            &state.run_id,
            actor,
            open,
            failed,
        )])
        .await
        .map_err(|e| SessionError::Io(e.to_string()))?;
    let (acts, _) = crate::release_acts(&store, &state.run_id, &state.release, None).await?;
    let recording = Recording {
        store: Arc::new(store),
        actor: actor.to_string(),
        baseline: None,
        acts,
    };
    execute(
        &state.plan,
        profile,
        &state.run_id,
        Some(&recording),
        Some(done),
        observer,
        stop,
    )
    .await?;
    // The report with everything recorded, people's work included.
    let state = crate::load(&recording.store, Some(&state.run_id)).await?;
    Ok(state.report())
}

#[cfg(test)]
mod tests {
    use super::*;
    use greenlight_run::outcome::{Status, Verdict};
    use std::sync::Mutex;

    /// What an observer saw, one line per call.
    #[derive(Clone, Default)]
    struct Seen(Arc<Mutex<Vec<String>>>);

    impl Seen {
        fn lines(&self) -> Vec<String> {
            self.0.lock().unwrap().clone()
        }
        fn push(&self, line: String) {
            self.0.lock().unwrap().push(line);
        }
    }

    impl Observer for Seen {
        fn begin(&mut self, plan: &Arc<Plan>, _: &Redactor, run_id: &str) {
            self.push(format!("begin {run_id} {} checks", plan.checks.len()));
        }
        fn event(&mut self, event: &Event, results: &[Option<StepResult>]) {
            match event {
                Event::CheckFinished { check, result } => {
                    assert!(results[*check].is_none(), "told before it is kept");
                    self.push(format!("finished {check} {:?}", result.status));
                }
                Event::PhaseFinished { phase, .. } => {
                    let done = results.iter().filter(|r| r.is_some()).count();
                    self.push(format!("phase {phase} done with {done} results"));
                }
                _ => {}
            }
        }
        fn end(&mut self) {
            self.push("end".into());
        }
        fn notice(&mut self, notice: Notice<'_>) {
            self.push(format!("{notice:?}"));
        }
    }

    const DOC: &str = "# Release\n\n## Checks\n\n- [ ] **Health**\n  ```bash\n  curl -f BASE/health\n  ```\n- [ ] **Missing**\n  ```bash\n  curl -f BASE/no-such-page\n  ```\n";

    struct Bench {
        fixture: greenlight_fixture::FixtureHandle,
        dir: PathBuf,
        checklist: PathBuf,
        spec: String,
        plan: Plan,
    }

    async fn bench(name: &str) -> Bench {
        let fixture = greenlight_fixture::start(greenlight_fixture::FixtureConfig::default())
            .await
            .unwrap();
        let dir = std::env::temp_dir().join(format!(
            "greenlight-session-run-{name}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let text = DOC.replace("BASE", &fixture.base_url());
        let checklist = dir.join("RELEASE.md");
        std::fs::write(&checklist, &text).unwrap();
        let list = greenlight_doc::parse(text.as_bytes());
        let plan = plan::build(
            &list,
            "RELEASE.md",
            &Profile::default(),
            &greenlight_run::analyze::analyze_block,
            &|_| true,
        );
        assert_eq!(plan.checks.len(), 2);
        let spec = dir.join("runs.db").display().to_string();
        Bench {
            fixture,
            dir,
            checklist,
            spec,
            plan,
        }
    }

    /// A run started and watched through the library alone: the observer
    /// sees it begin, each result, its end and the notices; the store
    /// holds what the report says; a partial re-run builds on it.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_run_is_started_watched_and_recorded_without_the_command_line() {
        let b = bench("recorded").await;
        let profile = Profile::default();
        let seen = Seen::default();
        let stop = Stop::new();
        let at = StoreAt {
            spec: &b.spec,
            key: None,
        };
        let report = run_recorded(
            &b.plan,
            &profile,
            "r1",
            Some(at),
            "ci",
            &b.checklist,
            &RunOptions::default(),
            Box::new(seen.clone()),
            &stop,
        )
        .await
        .unwrap();
        assert_eq!(report.verdict, Verdict::NoGo);
        assert!(!report.interrupted);
        let lines = seen.lines();
        assert_eq!(lines[0], "begin r1 2 checks");
        let mut finished: Vec<&String> =
            lines.iter().filter(|l| l.starts_with("finished")).collect();
        finished.sort();
        assert_eq!(finished, ["finished 0 Passed", "finished 1 Failed"]);
        assert!(
            lines.contains(&"phase 1 done with 2 results".to_string()),
            "{lines:?}"
        );
        let end = lines.iter().position(|l| l == "end").unwrap();
        assert!(
            lines[end + 1].starts_with("Recorded { run_id: \"r1\""),
            "{lines:?}"
        );
        assert!(lines[end + 1].contains("earlier: 0"), "{lines:?}");

        let store = crate::open(&b.spec).await.unwrap();
        let state = crate::load(&store, Some("r1")).await.unwrap();
        assert!(state.finished);
        let statuses: Vec<Option<Status>> = state
            .results
            .iter()
            .map(|r| r.as_ref().map(|r| r.status))
            .collect();
        assert_eq!(statuses, [Some(Status::Passed), Some(Status::Failed)]);
        assert_eq!(state.report().verdict, report.verdict);

        // Re-running the failed check keeps the passed one from r1.
        let again = Seen::default();
        let options = RunOptions {
            selection: greenlight_run::release::Selection {
                rerun_failed: true,
                ..Default::default()
            },
            ..Default::default()
        };
        run_recorded(
            &b.plan,
            &profile,
            "r2",
            Some(StoreAt {
                spec: &b.spec,
                key: None,
            }),
            "ci",
            &b.checklist,
            &options,
            Box::new(again.clone()),
            &Stop::new(),
        )
        .await
        .unwrap();
        let lines = again.lines();
        assert!(
            lines[0].starts_with("Rerunning { to_run: 1, checks: 2, kept: 1, from: Some(\"r1\")"),
            "{lines:?}"
        );
        assert_eq!(
            lines.iter().filter(|l| l.starts_with("finished")).count(),
            1,
            "{lines:?}"
        );
        b.fixture.shutdown().await;
        let _ = std::fs::remove_dir_all(&b.dir);
    }

    /// A store that refuses every result keeps refusing: each failed batch
    /// is kept and tried again with the next, and the closing write saves
    /// every unrecorded event (both results and the verdict) to a file.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn results_a_failing_store_refuses_are_kept_and_saved_at_the_end() {
        let b = bench("refusing").await;
        drop(crate::open(&b.spec).await.unwrap());
        rusqlite::Connection::open(&b.spec)
            .unwrap()
            .execute_batch(
                "CREATE TRIGGER refuse_results BEFORE INSERT ON events
                 WHEN NEW.kind <> 'run_started'
                 BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;",
            )
            .unwrap();
        let run_id = format!("refused{}", std::process::id());
        let seen = Seen::default();
        let report = run_recorded(
            &b.plan,
            &Profile::default(),
            &run_id,
            Some(StoreAt {
                spec: &b.spec,
                key: None,
            }),
            "ci",
            &b.checklist,
            &RunOptions::default(),
            Box::new(seen.clone()),
            &Stop::new(),
        )
        .await
        .unwrap();
        // Read and removed first, so a failing assertion leaves no file.
        let file = PathBuf::from(format!("greenlight-unrecorded-{run_id}.jsonl"));
        let saved = std::fs::read_to_string(&file);
        let _ = std::fs::remove_file(&file);
        let saved = saved.unwrap();
        assert_eq!(report.verdict, Verdict::NoGo);
        let lines = seen.lines();
        assert!(
            lines.iter().any(|l| l.starts_with("StoreRetrying")),
            "{lines:?}"
        );
        let unrecorded = lines
            .iter()
            .find(|l| l.starts_with("Unrecorded"))
            .unwrap_or_else(|| panic!("{lines:?}"));
        assert!(unrecorded.contains("events: 3,"), "{unrecorded}");
        let kinds: Vec<String> = saved
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["kind"].to_string())
            .collect();
        assert_eq!(
            kinds,
            ["\"step_result\"", "\"step_result\"", "\"verdict\""],
            "{saved}"
        );
        b.fixture.shutdown().await;
        let _ = std::fs::remove_dir_all(&b.dir);
    }

    /// A stopped run starts no check and says it was interrupted; resuming
    /// it runs what it had not, and says so first.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_stopped_run_reports_interrupted_and_resume_finishes_it() {
        let b = bench("stopped").await;
        let profile = Profile::default();
        let stop = Stop::new();
        stop.stop();
        assert!(stop.is_stopped());
        let report = run_recorded(
            &b.plan,
            &profile,
            "r1",
            Some(StoreAt {
                spec: &b.spec,
                key: None,
            }),
            "ci",
            &b.checklist,
            &RunOptions::default(),
            Box::new(Seen::default()),
            &stop,
        )
        .await
        .unwrap();
        assert!(report.interrupted);
        assert_eq!(
            report.verdict,
            Verdict::Pending,
            "nothing ran, nothing failed"
        );

        let store = crate::open(&b.spec).await.unwrap();
        let before = crate::load(&store, Some("r1")).await.unwrap();
        let open = crate::resume_from(&before, true)
            .iter()
            .filter(|r| r.is_none())
            .count();
        assert_eq!(open, 2, "nothing ran");

        let seen = Seen::default();
        let report = resume(
            StoreAt {
                spec: &b.spec,
                key: None,
            },
            "r1",
            true,
            &profile,
            "ci",
            Box::new(seen.clone()),
            &Stop::new(),
        )
        .await
        .unwrap();
        let lines = seen.lines();
        assert_eq!(
            lines[0],
            "Resuming { run_id: \"r1\", kept: 0, checks: 2, open: 2, failed: true, \
             will_run: WillRun { run: 2, not_allowed: 0, blocked: 0, held: 0 } }"
        );
        assert_eq!(lines[1], "begin r1 2 checks");
        let statuses: Vec<Status> = report.items.iter().map(|i| i.status).collect();
        assert_eq!(statuses, [Status::Passed, Status::Failed], "{lines:?}");
        b.fixture.shutdown().await;
        let _ = std::fs::remove_dir_all(&b.dir);
    }
}
