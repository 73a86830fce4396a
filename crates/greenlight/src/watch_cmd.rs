//! `greenlight watch FILE --env P`: the window after a release. At every
//! tick it asks each metric source (greenlight's own probes, Prometheus)
//! for samples, feeds each metric's gate (sliding window, consecutive
//! breaches, hysteresis), records the document's checkpoints, and acts on a
//! breach by the profile's policy: notify, pause, roll back. The window is
//! a run of the release: its events say where it stands, `--resume RUN`
//! picks it up, and the release's verdict includes its outcome.

mod actions;
mod gates;
mod probes;
mod promql;
mod source_errors;
mod view;

use crate::exit::{self, Failure};
use crate::term::Style;
use greenlight_run::outcome::Verdict;
use greenlight_session::watch::{
    self as record, CheckpointInfo, NotRead, Outcome, WatchCheckpoint, WatchEnded, WatchStarted,
    WatchStateChange, WatchWindow,
};
use greenlight_store::{EventKind, NewEvent, Store};
use greenlight_watch::gate::State;
use greenlight_watch::schedule::{Checkpoint, read_schedule};
use greenlight_watch::source::Source;
use greenlight_watch::thresholds::read_gates_with_source;
use std::time::{Duration, Instant};

#[derive(clap::Args, Debug)]
pub struct WatchArgs {
    #[command(flatten)]
    pub input: crate::cli::InputArgs,
    #[command(flatten)]
    pub profile: crate::run_cmd::ProfileArgs,
    #[command(flatten)]
    pub store: crate::runs_cmd::StoreArgs,
    /// The window's length (48h, 30m). Default: the length a monitoring
    /// heading states (`48-HOUR MONITORING WINDOW`).
    #[arg(long = "for", value_name = "DURATION")]
    pub window: Option<String>,
    /// Time between ticks: every source is sampled and every gate
    /// evaluated once per tick.
    #[arg(long, value_name = "DURATION", default_value = "1m")]
    pub every: String,
    /// A rehearsal aid: run the window and its checkpoints N times faster
    /// than real time (a 48h window at --time-scale 3600 lasts 48 seconds).
    /// Sample times are scaled too, so gates and checkpoints see the
    /// window's own clock. PromQL ranges are not: Prometheus still reads
    /// `[5m]` as 5 real minutes, which at ×60 covers 5 watch-hours.
    #[arg(long, value_name = "N", default_value_t = 1.0)]
    pub time_scale: f64,
    /// The release watched (default: greenlight.toml's `release`, else
    /// the checklist and the profile).
    #[arg(long, value_name = "NAME")]
    pub release: Option<String>,
    /// Who watches (default: $GREENLIGHT_USER, else git's user.name, else $USER).
    #[arg(long)]
    pub name: Option<String>,
    /// Continue the interrupted or paused window of run RUN where its
    /// events say it stopped (its checkpoints are not repeated); the same
    /// as `greenlight resume RUN`.
    #[arg(long, value_name = "RUN")]
    pub resume: Option<String>,
    /// Also run a short load burst at each tick (2 s at 20 requests/s, at
    /// the first endpoint of the document's first load test), for its
    /// latency percentiles and error rate. A burst is load: it needs
    /// `--allow load` (or mutating). Ticks wait for their burst.
    #[arg(long)]
    pub bursts: bool,
    /// The lowest outcome that fails: no_go (a breach), pending (default:
    /// also an interrupted or paused window) or warn (also a warning).
    #[arg(long, value_name = "LEVEL", value_enum, default_value_t = exit::FailOn::Pending)]
    pub fail_on: exit::FailOn,
}

/// Parses `48h`, `1m`, `90s`.
fn duration(flag: &str, text: &str) -> Result<u64, Failure> {
    humantime::parse_duration(text.trim())
        .ok()
        .map(|d| d.as_secs())
        .filter(|s| *s > 0)
        .ok_or_else(|| {
            Failure::usage(format!(
                "{flag} {text}: not a duration of at least a second (use 48h, 30m, 1m)"
            ))
        })
}

/// Everything a window needs, read from the document and the profile.
struct Setup {
    list: greenlight_doc::Checklist,
    file: std::path::PathBuf,
    profile: greenlight_run::profile::Profile,
    spec: String,
    release_name: Option<String>,
    release: String,
    actor: String,
    slots: Vec<gates::Slot>,
    probes: Option<probes::ProbeSource>,
    others: Vec<Box<dyn Source>>,
    notes: Vec<String>,
    checkpoints: Vec<Checkpoint>,
    /// Threshold-like lines the reader could not read: no gate has them.
    not_read: Vec<NotRead>,
}

pub fn run(args: WatchArgs) -> Result<u8, Failure> {
    if !(args.time_scale.is_finite() && args.time_scale > 0.0) {
        return Err(Failure::usage(format!(
            "--time-scale {}: a number above 0 expected",
            args.time_scale
        )));
    }
    let runtime = exit::runtime()?;
    runtime.block_on(watch(args))
}

async fn watch(args: WatchArgs) -> Result<u8, Failure> {
    let style = Style::detect();
    let stop = greenlight_session::run::Stop::new();
    let (bytes, list) = args.input.load()?;
    let profile = crate::run_cmd::load_profile(&args.profile)?;
    let file = args.input.file.clone();
    let name = file.display().to_string();
    let config_release = match &args.release {
        Some(_) => None,
        None => crate::record::config()?.and_then(|c| c.release),
    };
    let release_name = args.release.clone().or(config_release);
    let release =
        greenlight_run::release::release_key(release_name.as_deref(), &file, &profile.name);
    let spec = crate::record::store_spec(args.store.store.as_deref(), Some(&file));
    let store = greenlight_session::open_keyed(&spec, crate::record::profile_key(&profile)?)
        .await
        .map_err(Failure::from)?;
    let actor = crate::record::actor(args.name.as_deref());

    // A resumed window keeps its recorded length, tick and scale.
    let resumed = match &args.resume {
        Some(prefix) => {
            let run_id = store
                .resolve_run(prefix)
                .await
                .map_err(|e| Failure::usage(format!("--resume {prefix}: {e}")))?;
            let events = store
                .events(&run_id)
                .await
                .map_err(|e| Failure::io(e.to_string()))?;
            let fold = record::fold(&run_id, &events).ok_or_else(|| {
                Failure::usage(format!("--resume {prefix}: run {run_id} is not a watch"))
            })?;
            if !fold.resumable() {
                return Err(Failure::usage(format!(
                    "--resume {prefix}: the window of run {run_id} has ended ({})",
                    fold.ended
                        .map(|o| o.as_str())
                        .unwrap_or("its full length ran")
                )));
            }
            Some(fold)
        }
        None => None,
    };
    let schedule = read_schedule(&list);
    let (window_secs, window_from) = match (&resumed, &args.window) {
        (Some(f), _) => (f.started.window_secs, f.started.window_from.clone()),
        (None, Some(w)) => (duration("--for", w)?, format!("--for {w}")),
        (None, None) => match schedule.window_secs {
            Some(s) => (
                s,
                format!(
                    "L{} {}",
                    schedule.window_line.unwrap_or(0),
                    schedule.window_text.clone().unwrap_or_default()
                ),
            ),
            None => {
                return Err(Failure::usage(format!(
                    "{name}: no window length: give --for 48h (no monitoring heading states one, such as `48-HOUR MONITORING WINDOW`)"
                )));
            }
        },
    };
    let every_secs = match &resumed {
        Some(f) => f.started.every_secs,
        None => duration("--every", &args.every)?,
    };
    let time_scale = resumed
        .as_ref()
        .map_or(args.time_scale, |f| f.started.time_scale);
    if every_secs > window_secs {
        return Err(Failure::usage(format!(
            "--every {}: longer than the window ({window_secs}s)",
            args.every
        )));
    }

    let mut setup = sources(
        list,
        &bytes,
        file,
        profile,
        every_secs,
        &stop,
        schedule.checkpoints.clone(),
        // A resumed window keeps its bursts.
        args.bursts
            || resumed
                .as_ref()
                .is_some_and(|f| f.started.sources.iter().any(|s| s.starts_with("burst"))),
    )?;
    setup.spec = spec;
    setup.release_name = release_name;
    setup.release = release;
    setup.actor = actor;

    let (run_id, start_secs) = match &resumed {
        Some(f) => {
            for (metric, state) in &f.states {
                if let (Some(slot), Some(s)) = (
                    setup.slots.iter_mut().find(|g| g.label == *metric),
                    State::parse(state),
                ) {
                    slot.gate.restore(s);
                }
            }
            setup
                .checkpoints
                .retain(|c| !f.checkpoints_done.contains(&c.line));
            store
                .append(vec![greenlight_session::resumed_event(
                    &f.run_id,
                    &setup.actor,
                    0,
                    false,
                )])
                .await
                .map_err(|e| Failure::io(e.to_string()))?;
            (f.run_id.clone(), f.elapsed_secs)
        }
        None => {
            let run_id = crate::run_cmd::new_run_id();
            let started = WatchStarted {
                window_secs,
                window_from,
                every_secs,
                time_scale,
                gate_window_secs: every_secs * gates::WINDOW_TICKS,
                gates: setup.slots.iter().map(|s| s.info()).collect(),
                sources: source_names(&setup),
                schedule: setup
                    .checkpoints
                    .iter()
                    .map(|c| CheckpointInfo {
                        after_secs: c.after_secs,
                        line: c.line,
                        item: c.item.clone(),
                        label: c.label.clone(),
                    })
                    .collect(),
                on_breach: setup
                    .profile
                    .on_breach
                    .iter()
                    .map(|a| a.as_str().to_string())
                    .collect(),
                on_warn: setup
                    .profile
                    .on_warn
                    .iter()
                    .map(|a| a.as_str().to_string())
                    .collect(),
                not_read: setup.not_read.clone(),
            };
            let empty;
            let plan = match &setup.probes {
                Some(p) => p.plan(),
                None => {
                    empty = probes::probe_plan(&setup.list, &name, &setup.profile).0;
                    &empty
                }
            };
            let mut first = greenlight_session::started_in(
                &run_id,
                &setup.actor,
                plan,
                &setup.file.display().to_string(),
                &setup.profile,
                &setup.release,
            );
            if let Some(o) = first.payload.value_mut().as_object_mut() {
                o.insert("watch".into(), serde_json::Value::Bool(true));
            }
            let opening = greenlight_session::event(
                &run_id,
                EventKind::WatchStarted,
                None,
                &setup.actor,
                &started,
            );
            store
                .append(vec![first, opening])
                .await
                .map_err(|e| Failure::io(e.to_string()))?;
            (run_id, 0)
        }
    };

    let mut view = view::View::new(style);
    for note in &setup.notes {
        view.note(note);
    }
    view.note(&format!(
        "watch run {run_id} · release {} · window {} at {} ticks{}{}",
        setup.release,
        human(window_secs),
        human(every_secs),
        if time_scale == 1.0 {
            String::new()
        } else {
            format!(" · ×{time_scale} (rehearsal)")
        },
        if start_secs > 0 {
            format!(" · resumed at {}", human(start_secs))
        } else {
            String::new()
        }
    ));
    let notifier = actions::notifier(&setup.profile)?;
    let mut window = Window {
        store: &store,
        run_id: &run_id,
        setup: &mut setup,
        window_secs,
        every_secs,
        time_scale,
        view,
        notifier,
        worst: State::Ok,
        style,
        errors: source_errors::SourceErrors::default(),
    };
    if let Some(f) = &resumed {
        window.worst = if !f.breaches.is_empty() {
            State::Breach
        } else if f.warned {
            State::Warn
        } else {
            State::Ok
        };
    }
    let end = window.run(start_secs, &stop).await?;
    let code = window.finish(end, args.fail_on).await?;
    Ok(code)
}

/// The gates and the sources that feed them.
#[allow(clippy::too_many_arguments)]
fn sources(
    list: greenlight_doc::Checklist,
    bytes: &[u8],
    file: std::path::PathBuf,
    profile: greenlight_run::profile::Profile,
    every_secs: u64,
    stop: &greenlight_session::run::Stop,
    checkpoints: Vec<Checkpoint>,
    bursts: bool,
) -> Result<Setup, Failure> {
    let name = file.display().to_string();
    // With the bytes: plain bullets beside checkboxes (`- Error rate > 1%`
    // under `## Rollback Criteria`) are thresholds too.
    let read = read_gates_with_source(&list, bytes);
    let (bounds, conflicts) = gates::plan(&read.thresholds);
    let not_read: Vec<NotRead> = read
        .not_understood
        .iter()
        .map(|n| NotRead {
            line: n.line,
            reason: n.reason.to_string(),
            text: n.text.clone(),
        })
        .collect();
    let mut notes: Vec<String> = not_read.iter().map(NotRead::describe).collect();
    for c in &conflicts {
        notes.push(format!(
            "{}: left out, its thresholds point both ways (L{})",
            c.metric.label(),
            join_lines(&c.lines)
        ));
    }
    let mut slots = gates::build(bounds, every_secs).map_err(Failure::usage)?;
    let (plan, what) = probes::probe_plan(&list, &name, &profile);
    let probes = probes::ProbeSource::new(plan, &profile, stop).map_err(Failure::config)?;
    let probes = if probes.runnable() > 0 {
        notes.push(format!(
            "probes: {} check{} from {what}",
            probes.runnable(),
            if probes.runnable() == 1 { "" } else { "s" }
        ));
        Some(probes)
    } else {
        notes.push("probes: no read check to run (none in the monitoring sections, no read HTTP check in the document)".into());
        None
    };
    let mut others: Vec<Box<dyn Source>> = Vec::new();
    let mut prom_metrics = Vec::new();
    if !read.promql.is_empty() {
        match &profile.prometheus {
            None => notes.push(format!(
                "PromQL at L{} not run: the profile has no [metrics] prometheus",
                join_lines(&read.promql.iter().map(|q| q.line).collect::<Vec<_>>())
            )),
            Some(url) => {
                let server =
                    greenlight_watch::prometheus::Prometheus::new(url, profile.metrics_timeout)
                        .map_err(|e| Failure::config(format!("[metrics] prometheus: {e}")))?;
                let mut queries = Vec::new();
                for q in &read.promql {
                    match promql::metric_of(&q.query) {
                        Some(m) if slots.iter().any(|s| gates::feeds(&m, &s.metric)) => {
                            prom_metrics.push(m.clone());
                            queries.push((m, q.clone()));
                        }
                        Some(m) => notes.push(format!(
                            "PromQL L{} ({}) not run: no threshold names {}",
                            q.line,
                            m.label(),
                            m.label()
                        )),
                        None => notes.push(format!(
                            "PromQL L{} not run: which metric it measures is not clear from the query",
                            q.line
                        )),
                    }
                }
                // One source per block: a block that gives nothing is a
                // source error of its own even when the others answer.
                for query in queries {
                    others.push(Box::new(promql::PromSource::new(
                        server.clone(),
                        vec![query],
                    )));
                }
            }
        }
    }
    if bursts {
        let burst = greenlight_session::burst::BurstSource::from_checklist(
            &list,
            &name,
            &profile,
            greenlight_session::burst::BurstSize::default(),
        )
        .map_err(|e| Failure::usage(format!("--bursts: {e}")))?;
        notes.push(format!(
            "bursts: {} at {} ({} s at {}/s)",
            burst.origin(),
            burst.url(),
            burst.size().duration.as_secs(),
            burst.size().rate
        ));
        others.push(Box::new(burst));
    }
    for slot in slots.iter_mut() {
        let mut by: Vec<&str> = Vec::new();
        if probes.is_some() && probes::measures(&slot.metric) {
            by.push("probes");
        }
        if prom_metrics.iter().any(|m| gates::feeds(m, &slot.metric)) {
            by.push("prometheus");
        }
        if bursts
            && matches!(
                slot.metric,
                greenlight_watch::thresholds::Metric::ErrorRate
                    | greenlight_watch::thresholds::Metric::Latency {
                        percentile: Some(50 | 95 | 99)
                    }
            )
        {
            by.push("burst");
        }
        slot.source = (!by.is_empty()).then(|| by.join("+"));
        if slot.source.is_none() {
            notes.push(format!(
                "{}: no source (L{})",
                slot.label,
                join_lines(&slot.bounds.lines)
            ));
        }
    }
    if !slots.iter().any(|s| s.source.is_some()) {
        return Err(Failure::usage(format!(
            "{name}: nothing to watch: {}",
            if slots.is_empty() {
                "the document states no metric threshold (a Key Metrics table, `error rate > 1%`)"
                    .to_string()
            } else {
                format!(
                    "no source measures {} (probes measure error rate, availability and latency{}; PromQL needs [metrics] prometheus)",
                    slots
                        .iter()
                        .map(|s| s.label.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    if probes.is_none() {
                        ", but no read check may run here"
                    } else {
                        ""
                    }
                )
            }
        )));
    }
    Ok(Setup {
        list,
        file,
        profile,
        spec: String::new(),
        release_name: None,
        release: String::new(),
        actor: String::new(),
        slots,
        probes,
        others,
        notes,
        checkpoints,
        not_read,
    })
}

fn source_names(setup: &Setup) -> Vec<String> {
    let mut names: Vec<String> = setup
        .probes
        .iter()
        .map(|p| format!("probes ({} checks)", p.runnable()))
        .collect();
    names.extend(setup.others.iter().map(|s| s.name().to_string()));
    names.sort();
    names.dedup();
    names
}

/// `12, L30` for lines 12 and 30; a line named twice (a table row giving
/// both the warn and the breach bound) once.
fn join_lines(lines: &[usize]) -> String {
    let mut seen: Vec<usize> = Vec::new();
    for l in lines {
        if !seen.contains(l) {
            seen.push(*l);
        }
    }
    seen.iter()
        .map(|l| l.to_string())
        .collect::<Vec<_>>()
        .join(", L")
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_line_is_named_once() {
        assert_eq!(super::join_lines(&[371, 371, 12, 371]), "371, L12");
    }
}

/// `48h`, `1h30m`, `90s` for watch seconds.
pub fn human(secs: u64) -> String {
    humantime::format_duration(Duration::from_secs(secs)).to_string()
}

/// Why the ticking stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    /// The window ran its full length.
    Done,
    /// Ctrl-C.
    Interrupted,
    /// A breach paused it for a person.
    Paused,
    /// A breach rolled the release back.
    RolledBack,
}

struct Window<'a> {
    store: &'a Store,
    run_id: &'a str,
    setup: &'a mut Setup,
    window_secs: u64,
    every_secs: u64,
    time_scale: f64,
    view: view::View,
    notifier: Option<actions::Notify>,
    /// The worst state any gate reached.
    worst: State,
    style: Style,
    /// Every source error of the window, counted per origin.
    errors: source_errors::SourceErrors,
}

impl Window<'_> {
    async fn append(&self, events: Vec<NewEvent>) -> Result<(), Failure> {
        if events.is_empty() {
            return Ok(());
        }
        self.store
            .append(events)
            .await
            .map(|_| ())
            .map_err(|e| Failure::io(format!("cannot record the watch: {e}")))
    }

    fn event(
        &self,
        kind: EventKind,
        item: Option<&str>,
        payload: impl serde::Serialize,
    ) -> NewEvent {
        greenlight_session::event(self.run_id, kind, item, &self.setup.actor, payload)
    }

    /// Ticks from watch second `from` to the window's end.
    async fn run(
        &mut self,
        from: u64,
        stop: &greenlight_session::run::Stop,
    ) -> Result<End, Failure> {
        let real_start = Instant::now();
        let ctrl_c = tokio::signal::ctrl_c();
        tokio::pin!(ctrl_c);
        let mut t = from;
        let mut ticks_in_window = 0u64;
        let mut source_errors: Vec<String> = Vec::new();
        while t < self.window_secs {
            t = (t + self.every_secs).min(self.window_secs);
            let due = real_start + Duration::from_secs_f64((t - from) as f64 / self.time_scale);
            tokio::select! {
                _ = tokio::time::sleep_until(due.into()) => {}
                _ = &mut ctrl_c => {
                    stop.stop();
                    self.view.note("interrupted: the window stops here; `greenlight resume RUN` continues it");
                    return Ok(End::Interrupted);
                }
            }
            // Ask every source; a silent one is noted, never a breach.
            let mut samples = Vec::new();
            if let Some(p) = self.setup.probes.as_mut() {
                match p.sample().await {
                    Ok(s) => samples.extend(s),
                    Err(e) => {
                        self.errors.record(&e);
                        push_error(&mut source_errors, e.to_string())
                    }
                }
                // A failing check counts in the error rate; say why it fails
                // (`connection refused`), so a breach explains itself.
                for e in probes::failures(p.last()) {
                    self.errors.record(&e);
                }
            }
            for s in self.setup.others.iter_mut() {
                match s.sample().await {
                    Ok(got) => samples.extend(got),
                    Err(e) => {
                        self.errors.record(&e);
                        push_error(&mut source_errors, e.to_string())
                    }
                }
            }
            gates::feed(&mut self.setup.slots, &samples, t);
            let changes = gates::evaluate(&mut self.setup.slots, t);
            let mut events = Vec::new();
            let mut act_on: Vec<(usize, State)> = Vec::new();
            for c in &changes {
                let slot = &self.setup.slots[c.slot];
                let (bound, line) = slot.bound_for(if c.to == State::Ok { c.from } else { c.to });
                let change = WatchStateChange {
                    at_secs: t,
                    metric: slot.label.clone(),
                    from: c.from.as_str().into(),
                    to: c.to.as_str().into(),
                    observed: c.observed,
                    observed_text: slot.metric.format(c.observed),
                    bound,
                    line,
                };
                self.view.note(&view::change_line(&change, self.style));
                events.push(self.event(EventKind::WatchState, None, &change));
                self.worst = self.worst.max(c.to);
                if c.to == State::Breach || (c.to == State::Warn && c.from == State::Ok) {
                    act_on.push((c.slot, c.to));
                }
            }
            ticks_in_window += 1;
            if ticks_in_window == gates::WINDOW_TICKS || t >= self.window_secs {
                let w = WatchWindow {
                    at_secs: t,
                    ticks: ticks_in_window,
                    metrics: self
                        .setup
                        .slots
                        .iter_mut()
                        .filter_map(|s| s.take_window())
                        .collect(),
                    checks: self
                        .setup
                        .probes
                        .as_mut()
                        .map(|p| p.take_window())
                        .unwrap_or_default(),
                    source_errors: std::mem::take(&mut source_errors),
                };
                events.push(self.event(EventKind::WatchWindow, None, &w));
                ticks_in_window = 0;
            }
            while let Some(c) = self
                .setup
                .checkpoints
                .first()
                .filter(|c| c.after_secs <= t)
                .cloned()
            {
                self.setup.checkpoints.remove(0);
                let cp = WatchCheckpoint {
                    at_secs: t,
                    after_secs: c.after_secs,
                    line: c.line,
                    label: c.label.clone(),
                    text: c.text.clone(),
                    gates: self.setup.slots.iter().map(|s| s.at()).collect(),
                };
                self.view.note(&view::checkpoint_line(&cp, self.style));
                events.push(self.event(EventKind::WatchCheckpoint, Some(&c.item), &cp));
            }
            self.append(events).await?;
            self.view.draw(
                &self.setup.slots,
                &self.errors,
                t,
                self.window_secs,
                self.setup.checkpoints.first(),
            );
            for (slot, state) in act_on {
                if let Some(end) = self.act(slot, state, t).await? {
                    return Ok(end);
                }
            }
        }
        Ok(End::Done)
    }

    /// Records the end, prints the summary, returns the exit code.
    async fn finish(mut self, end: End, fail_on: exit::FailOn) -> Result<u8, Failure> {
        let outcome = match (end, self.worst) {
            (_, State::Breach) => Outcome::Breach,
            (End::Interrupted, _) => Outcome::Interrupted,
            (_, State::Warn) => Outcome::Warn,
            _ => Outcome::Ok,
        };
        let elapsed = self.elapsed_secs();
        // The probes' last results, once: the watch run's report shows
        // where its checks stood at the end (not every tick's: see
        // `watch_window` for those).
        let mut events: Vec<NewEvent> = match &self.setup.probes {
            Some(p) => p
                .last()
                .iter()
                .enumerate()
                .filter(|(_, r)| {
                    !matches!(
                        r.status,
                        greenlight_run::outcome::Status::NotRun
                            | greenlight_run::outcome::Status::Skipped
                    )
                })
                .map(|(i, r)| {
                    greenlight_session::step_event(self.run_id, &self.setup.actor, p.plan(), i, r)
                })
                .collect(),
            None => Vec::new(),
        };
        // A paused window stays open for `--resume`: no end, no verdict.
        if end != End::Paused {
            let ended_outcome = if end == End::Interrupted {
                Outcome::Interrupted
            } else {
                outcome
            };
            events.push(self.event(
                EventKind::WatchEnded,
                None,
                &WatchEnded {
                    at_secs: elapsed,
                    outcome: ended_outcome,
                },
            ));
            self.append(std::mem::take(&mut events)).await?;
            // The run's verdict is the window's outcome *and* what the run
            // owes otherwise (people's items, sign-offs): read back as
            // `decide` reads it, so `history` never shows a GO that `decide`
            // does not give.
            let window = if end == End::Interrupted && outcome != Outcome::Breach {
                Verdict::Pending
            } else {
                outcome.verdict()
            };
            let (verdict, counts) =
                match greenlight_session::load(self.store, Some(self.run_id)).await {
                    Ok(state) => {
                        let report = state.report();
                        (
                            report.verdict.worse(window),
                            greenlight_run::events::to_value(&report.counts),
                        )
                    }
                    // Not readable back: the window alone, never better.
                    Err(_) => (Verdict::Pending.worse(window), serde_json::json!({})),
                };
            events.push(self.event(
                EventKind::Verdict,
                None,
                greenlight_run::events::VerdictReached {
                    verdict,
                    counts,
                    interrupted: end == End::Interrupted,
                    phase_elapsed_ms: Vec::new(),
                },
            ));
        }
        self.append(events).await?;
        self.view.close();
        if let Some(n) = self.notifier.take() {
            n.shutdown().await;
        }
        let verdict = match end {
            End::Paused | End::Interrupted if outcome != Outcome::Breach => Verdict::Pending,
            _ => outcome.verdict(),
        };
        crate::out!(
            "{}",
            view::summary(
                self.run_id,
                &self.setup.release,
                outcome,
                end_word(end),
                &self.setup.slots,
                &self.setup.checkpoints,
                &self.errors,
                &self.setup.not_read,
                self.style_out(),
            )
        );
        if matches!(end, End::Paused | End::Interrupted) {
            crate::outln!(
                "continue with: greenlight resume {} (with the same --env and --store)",
                self.run_id
            );
        }
        Ok(exit::verdict_code(verdict, fail_on))
    }

    fn elapsed_secs(&self) -> u64 {
        self.view.elapsed()
    }

    fn style_out(&self) -> Style {
        Style::stdout()
    }
}

fn end_word(end: End) -> &'static str {
    match end {
        End::Done => "ran its full length",
        End::Interrupted => "interrupted",
        End::Paused => "paused for a person",
        End::RolledBack => "stopped: the release was rolled back",
    }
}

fn push_error(errors: &mut Vec<String>, e: String) {
    // A few distinct errors per gate window are enough to say what failed.
    if errors.len() < 5 && !errors.contains(&e) {
        errors.push(e);
    }
}

/// `greenlight resume RUN`: a watch run continues its window (as `watch
/// --resume RUN` on the checklist it recorded); any other run resumes as
/// before.
pub fn resume_or_run(args: crate::cli::ResumeArgs) -> Result<u8, Failure> {
    let spec = crate::record::store_spec(args.store.store.as_deref(), None);
    let found = exit::runtime()?.block_on(async {
        // Whatever fails here, the run's own resume says it better.
        let store = greenlight_session::open(&spec).await.ok()?;
        let run_id = store.resolve_run(&args.run).await.ok()?;
        let events = store
            .events_of_kinds(
                std::slice::from_ref(&run_id),
                &[EventKind::RunStarted, EventKind::WatchStarted],
            )
            .await
            .ok()?;
        events.iter().find(|e| e.kind == EventKind::WatchStarted)?;
        let started: greenlight_run::events::RunStarted = events
            .iter()
            .find(|e| e.kind == EventKind::RunStarted)?
            .payload_as()?;
        Some((run_id, started.checklist_path, started.release))
    });
    let Some((run_id, checklist, release)) = found else {
        return crate::run_cmd::resume(args);
    };
    run(WatchArgs {
        input: crate::cli::InputArgs {
            file: checklist.into(),
            max_size: greenlight_doc::DEFAULT_MAX_BYTES,
            items: crate::cli::ItemsArg::Auto,
        },
        profile: args.profile,
        store: args.store,
        window: None,
        every: "1m".into(),
        time_scale: 1.0,
        release: Some(release).filter(|r| !r.is_empty()),
        name: args.name,
        resume: Some(run_id),
        bursts: false,
        fail_on: args.output.fail_on,
    })
}
