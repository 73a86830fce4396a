//! The load engine: worker threads, VUs, the coordinator and [`run`].
//!
//! Shape (like wrk's threads, with hyper's connection API like oha):
//!
//! * `threads` OS threads, each with its own single-threaded tokio runtime. VU `i` lives on
//!   thread `i % threads`; its connections never leave that thread, and its stats go into the
//!   thread's own accumulators (no locks or atomics per request).
//! * Closed model: each VU loops `iteration → think time`, active while its index is below the
//!   current VU target (a pure function of elapsed time, see `schedule`).
//! * Open model: each thread owns a share of the arrival times; a free connection takes the
//!   next arrival, waits for it if it lies ahead, and measures latency from the *intended*
//!   start when it was already late — so queueing behind a stalled server shows.
//! * Each thread sends its one-second interval stats to the coordinator (the caller's task),
//!   which publishes a [`Snapshot`] and evaluates `abortOnFail` thresholds on the merged,
//!   cumulative histogram. At the end the threads hand over their accumulators to be merged.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::{Notify, mpsc, watch};
use tokio::task::{JoinSet, LocalSet};
use tokio::time::{Instant, sleep, sleep_until};

use crate::conn::{Answer, Client, Plan};
use crate::error::{ErrorKind, LoadError};
use crate::model::{LoadConfig, LoadModel, Selection, Snapshot};
use crate::schedule::{Arrivals, RateCurve, vus_at};
use crate::stats::{
    EndpointAcc, IntervalAcc, IntervalStats, LatencyMs, LoadReport, Outcome, WorkerAcc,
};

/// Runs the load described by `config` and reports on it.
///
/// `progress`, when given, receives a [`Snapshot`] about once a second. The run ends at its
/// duration (or the end of its stages), after `max_requests`, or when an `abortOnFail`
/// threshold fails. At the end of the duration no new request starts and those in flight get
/// a grace period of `min(timeout, 30 s)` (k6's `gracefulStop`) to finish; whatever is still
/// unanswered then — or at once on an abort — is counted as failed with
/// [`ErrorKind::Timeout`], so a server that never answers can never look healthy. Failed
/// requests are counted by kind, never turned into an `Err`; `Err` means the run could not
/// happen (bad config, a host that does not resolve, no worker threads).
pub async fn run(
    config: LoadConfig,
    progress: Option<watch::Sender<Snapshot>>,
) -> Result<LoadReport, LoadError> {
    run_until(config, progress, None).await
}

/// [`run`], stopped early when `cancel` turns true (Ctrl-C in a run): the
/// report then covers what was measured so far, and `aborted` says
/// `interrupted after …`; requests in flight then count as timed out.
pub async fn run_until(
    config: LoadConfig,
    progress: Option<watch::Sender<Snapshot>>,
    mut cancel: Option<watch::Receiver<bool>>,
) -> Result<LoadReport, LoadError> {
    config.validate()?;
    let plan = Arc::new(Plan::prepare(&config).await?);
    let config = Arc::new(config);
    let max_vus = config.model.max_vus();
    let threads = config
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .clamp(1, max_vus.max(1) as usize);
    let duration = config.effective_duration();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let (stop_tx, stop_rx) = watch::channel(false);
    let started = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    for id in 0..threads {
        let ctx = WorkerCtx {
            id,
            threads,
            plan: Arc::clone(&plan),
            config: Arc::clone(&config),
            start,
            deadline: duration.map(|d| start + d),
            stop: stop_rx.clone(),
            tx: tx.clone(),
            started: Arc::clone(&started),
        };
        std::thread::Builder::new()
            .name(format!("greenlight-load-{id}"))
            .spawn(move || worker_thread(ctx))?;
    }
    drop(tx);

    let abort_thresholds: Vec<_> = config
        .thresholds
        .iter()
        .filter(|t| t.abort_on_fail)
        .collect();
    let mut cumulative = IntervalAcc::new();
    let mut interval = IntervalAcc::new();
    let mut finished: Vec<WorkerDone> = Vec::with_capacity(threads);
    let mut aborted = None;
    let mut next_snapshot = start + Duration::from_millis(1050);
    let mut last_snapshot = start;
    let mut intervals: Vec<IntervalStats> = Vec::new();
    while finished.len() < threads {
        let cancelled = async {
            match cancel.as_mut() {
                Some(c) => {
                    if c.wait_for(|&v| v).await.is_err() {
                        std::future::pending::<()>().await;
                    }
                }
                None => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            _ = cancelled, if aborted.is_none() => {
                aborted = Some(format!("interrupted after {:.1}s", start.elapsed().as_secs_f64()));
                let _ = stop_tx.send(true);
            }
            msg = rx.recv() => match msg {
                Some(WorkerMsg::Tick(acc)) => {
                    interval.merge(&acc);
                    cumulative.merge(&acc);
                }
                Some(WorkerMsg::Done(done)) => finished.push(*done),
                Some(WorkerMsg::Failed(e)) => {
                    let _ = stop_tx.send(true);
                    return Err(LoadError::Worker(e));
                }
                None => {
                    let _ = stop_tx.send(true);
                    return Err(LoadError::Worker("a worker thread ended without its stats".into()));
                }
            },
            _ = sleep_until(next_snapshot) => {
                let now = Instant::now();
                let elapsed = now - start;
                if let Some(p) = &progress {
                    let span = (now - last_snapshot).as_secs_f64().max(1e-9);
                    let _ = p.send(Snapshot {
                        elapsed,
                        requests: cumulative.requests,
                        rps: interval.requests as f64 / span,
                        p95_ms: LatencyMs::from_histogram(&interval.hist).p95,
                        error_rate: if interval.requests == 0 { 0.0 } else {
                            interval.failed as f64 / interval.requests as f64
                        },
                        active_vus: active_vus(&config.model, elapsed),
                    });
                }
                intervals.push(IntervalStats::of(&interval, elapsed.as_secs_f64()));
                interval.reset();
                last_snapshot = now;
                next_snapshot += Duration::from_secs(1);
                if aborted.is_none() {
                    let m = cumulative.metric_values(elapsed.as_secs_f64());
                    for t in &abort_thresholds {
                        if t.delay_abort_eval.is_some_and(|d| elapsed < d) {
                            continue;
                        }
                        let r = t.evaluate(&m);
                        if !r.ok {
                            aborted = Some(format!(
                                "threshold {}: {} failed at {:.1}s (value {:.3})",
                                r.metric, r.expr, elapsed.as_secs_f64(), r.value
                            ));
                            let _ = stop_tx.send(true);
                            break;
                        }
                    }
                }
            }
        }
    }

    let mut merged: Vec<EndpointAcc> = config
        .targets
        .iter()
        .map(|t| EndpointAcc::new(t.checks.len()))
        .collect();
    let mut ended = start;
    let mut dropped = 0;
    for done in &finished {
        for (m, e) in merged.iter_mut().zip(&done.acc.endpoints) {
            m.merge(e);
        }
        // What a worker counted since its last tick belongs to the last interval.
        interval.merge(&done.acc.interval);
        ended = ended.max(done.ended);
        dropped += done.dropped;
    }
    let elapsed = (ended - start).as_secs_f64();
    // The last, partial interval: what arrived after the last snapshot.
    if interval.requests > 0 {
        intervals.push(IntervalStats::of(&interval, elapsed));
    }
    let mut report = LoadReport::build(&config.targets, &merged, elapsed, max_vus, threads);
    report.intervals = intervals;
    report.dropped_iterations = dropped;
    report.aborted = aborted;
    report.evaluate_thresholds(&config.thresholds);
    Ok(report)
}

fn active_vus(model: &LoadModel, elapsed: Duration) -> u32 {
    match model {
        LoadModel::Closed { vus, stages, .. } => vus_at(*vus, stages, elapsed),
        LoadModel::Open { connections, .. } => *connections,
    }
}

/// What a worker thread needs.
struct WorkerCtx {
    id: usize,
    threads: usize,
    plan: Arc<Plan>,
    config: Arc<LoadConfig>,
    start: Instant,
    deadline: Option<Instant>,
    stop: watch::Receiver<bool>,
    tx: mpsc::UnboundedSender<WorkerMsg>,
    started: Arc<AtomicU64>,
}

/// A worker's final hand-over.
struct WorkerDone {
    acc: WorkerAcc,
    ended: Instant,
    dropped: u64,
}

enum WorkerMsg {
    Tick(Box<IntervalAcc>),
    Done(Box<WorkerDone>),
    Failed(String),
}

fn worker_thread(ctx: WorkerCtx) {
    let tx = ctx.tx.clone();
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            let _ = tx.send(WorkerMsg::Failed(e.to_string()));
            return;
        }
    };
    let local = LocalSet::new();
    let done = local.block_on(&rt, worker_main(ctx));
    drop(local);
    let _ = tx.send(WorkerMsg::Done(Box::new(done)));
}

/// State shared by the tasks of one worker thread.
struct Shared {
    ctx: WorkerCtx,
    acc: RefCell<WorkerAcc>,
    target_vus: Cell<u32>,
    vus_changed: Notify,
    arrivals: RefCell<Option<Arrivals>>,
    /// Set once the run ends: no VU starts another request.
    stopping: Cell<bool>,
    /// The request each VU of this thread has in flight: target and the instant its latency
    /// counts from. Unanswered entries at the end are recorded as timed out.
    in_flight: RefCell<Vec<Option<(usize, Instant)>>>,
    /// Woken when a request ends while `stopping`.
    settled: Notify,
}

impl Shared {
    /// Takes one request from the `max_requests` budget; `false` once it is spent.
    fn take_budget(&self) -> bool {
        match self.ctx.config.max_requests {
            None => true,
            Some(max) => self.ctx.started.fetch_add(1, Ordering::Relaxed) < max,
        }
    }

    /// Whether any VU of this thread still waits for an answer.
    fn busy(&self) -> bool {
        self.in_flight.borrow().iter().any(Option::is_some)
    }
}

/// The longest wait for requests in flight when the duration is over (k6's default
/// `gracefulStop`); never longer than the request timeout.
const GRACEFUL_STOP: Duration = Duration::from_secs(30);

/// Pause of a VU after its second failed connect in a row; it doubles per further failure up
/// to [`MAX_CONNECT_BACKOFF`], so a refused port is not hammered at full CPU. A single
/// failure between answers (one dead target among live ones) costs no pause.
const FIRST_CONNECT_BACKOFF: Duration = Duration::from_millis(10);
const MAX_CONNECT_BACKOFF: Duration = Duration::from_secs(1);

async fn worker_main(ctx: WorkerCtx) -> WorkerDone {
    let cfg = Arc::clone(&ctx.config);
    let (id, threads, start, deadline) = (ctx.id, ctx.threads, ctx.start, ctx.deadline);
    let stop = ctx.stop.clone();
    let sh = Rc::new(Shared {
        acc: RefCell::new(WorkerAcc::new(&cfg.targets)),
        target_vus: Cell::new(0),
        vus_changed: Notify::new(),
        arrivals: RefCell::new(None),
        stopping: Cell::new(false),
        in_flight: RefCell::new(Vec::new()),
        settled: Notify::new(),
        ctx,
    });
    let mut vus = JoinSet::new();
    let mut helpers = JoinSet::new();
    match &cfg.model {
        LoadModel::Closed { vus: v, stages, .. } => {
            sh.target_vus.set(vus_at(*v, stages, Duration::ZERO));
            for (slot, idx) in (id..cfg.model.max_vus() as usize)
                .step_by(threads)
                .enumerate()
            {
                sh.in_flight.borrow_mut().push(None);
                vus.spawn_local(closed_vu(idx as u32, slot, Rc::clone(&sh)));
            }
            if !stages.is_empty() {
                helpers.spawn_local(ramp_vus(Rc::clone(&sh), *v, stages.clone()));
            }
        }
        LoadModel::Open {
            rate,
            stages,
            connections,
        } => {
            let limit = cfg.effective_duration();
            *sh.arrivals.borrow_mut() = Some(Arrivals::new(
                RateCurve::new(*rate, stages),
                id,
                threads,
                limit,
            ));
            for slot in 0..(id..*connections as usize).step_by(threads).len() {
                sh.in_flight.borrow_mut().push(None);
                vus.spawn_local(open_vu(slot, Rc::clone(&sh)));
            }
        }
    }
    helpers.spawn_local(ticker(Rc::clone(&sh)));

    let until_deadline = async {
        match deadline {
            Some(d) => sleep_until(d).await,
            None => std::future::pending().await,
        }
    };
    let until_stopped = || {
        let mut stop = stop.clone();
        async move {
            while !*stop.borrow_and_update() {
                if stop.changed().await.is_err() {
                    std::future::pending::<()>().await;
                }
            }
        }
    };
    let graceful = tokio::select! {
        _ = async { while vus.join_next().await.is_some() {} } => false,
        _ = until_deadline => true,
        _ = until_stopped() => false,
    };
    let ended = Instant::now();
    sh.stopping.set(true);
    if graceful {
        let grace = cfg.timeout.min(GRACEFUL_STOP);
        tokio::select! {
            _ = async {
                loop {
                    let settled = sh.settled.notified();
                    if !sh.busy() {
                        break;
                    }
                    settled.await;
                }
            } => {}
            _ = sleep(grace) => {}
            _ = until_stopped() => {}
        }
    }
    vus.abort_all();
    helpers.abort_all();
    // Requests nobody answered by now failed: a stalled server must not look healthy.
    let now = Instant::now();
    let unanswered: Vec<_> = sh
        .in_flight
        .borrow_mut()
        .iter_mut()
        .filter_map(Option::take)
        .collect();
    for (t, from) in unanswered {
        record(
            &sh,
            t,
            Err(ErrorKind::Timeout),
            (now - from).as_micros() as u64,
        );
    }
    let dropped = sh
        .arrivals
        .borrow()
        .as_ref()
        .map_or(0, |a| a.missed_before(ended - start));
    let acc = std::mem::replace(&mut *sh.acc.borrow_mut(), WorkerAcc::new(&[]));
    WorkerDone {
        acc,
        ended,
        dropped,
    }
}

/// Sends this thread's interval stats to the coordinator every second.
async fn ticker(sh: Rc<Shared>) {
    let mut next = sh.ctx.start + Duration::from_secs(1);
    loop {
        sleep_until(next).await;
        next += Duration::from_secs(1);
        let snapshot = {
            let mut acc = sh.acc.borrow_mut();
            let s = acc.interval.clone();
            acc.interval.reset();
            s
        };
        if sh.ctx.tx.send(WorkerMsg::Tick(Box::new(snapshot))).is_err() {
            return;
        }
    }
}

/// Follows the closed model's VU stages, waking VUs that become active.
async fn ramp_vus(sh: Rc<Shared>, vus: u32, stages: Vec<(Duration, u32)>) {
    loop {
        sleep(Duration::from_millis(50)).await;
        let target = vus_at(vus, &stages, sh.ctx.start.elapsed());
        if target != sh.target_vus.get() {
            let grew = target > sh.target_vus.get();
            sh.target_vus.set(target);
            if grew {
                sh.vus_changed.notify_waiters();
            }
        }
    }
}

async fn closed_vu(idx: u32, slot: usize, sh: Rc<Shared>) {
    let think = match &sh.ctx.config.model {
        LoadModel::Closed { think_time, .. } => *think_time,
        LoadModel::Open { .. } => Duration::ZERO,
    };
    let mut client = Client::new(Arc::clone(&sh.ctx.plan));
    let mut iteration = idx as usize;
    let mut vu = Vu::new(slot);
    loop {
        while idx >= sh.target_vus.get() {
            sh.vus_changed.notified().await;
        }
        if !iterate(&sh, &mut client, &mut vu, iteration, None).await {
            return;
        }
        iteration += 1;
        if !think.is_zero() {
            sleep(think).await;
        }
    }
}

async fn open_vu(slot: usize, sh: Rc<Shared>) {
    let mut client = Client::new(Arc::clone(&sh.ctx.plan));
    let mut vu = Vu::new(slot);
    let mut slot = Box::pin(sleep(Duration::ZERO));
    let mut iteration = 0usize;
    loop {
        let next = sh
            .arrivals
            .borrow_mut()
            .as_mut()
            .and_then(|a| a.next_arrival());
        let Some(offset) = next else { return };
        let intended = sh.ctx.start + offset;
        // Waiting for a slot ahead is our timer's business; being late for one is backlog
        // behind the server, and counts as latency.
        let measure_from = if intended > Instant::now() {
            slot.as_mut().reset(intended);
            slot.as_mut().await;
            None
        } else {
            Some(intended)
        };
        if !iterate(&sh, &mut client, &mut vu, iteration, measure_from).await {
            return;
        }
        iteration += 1;
    }
}

/// A VU's own bookkeeping: its in-flight slot and its failed connects in a row.
struct Vu {
    slot: usize,
    refused: u32,
}

impl Vu {
    fn new(slot: usize) -> Self {
        Self { slot, refused: 0 }
    }
}

/// One iteration: one request (round robin) or every target in order (sequence). Returns
/// `false` once the request budget is spent or the run is stopping.
async fn iterate(
    sh: &Shared,
    client: &mut Client,
    vu: &mut Vu,
    iteration: usize,
    measure_from: Option<Instant>,
) -> bool {
    let n = sh.ctx.config.targets.len();
    let (first, count) = match sh.ctx.config.selection {
        Selection::RoundRobin => (iteration % n, 1),
        Selection::Sequence => (0, n),
    };
    for (j, t) in (first..first + count).enumerate() {
        if sh.stopping.get() || !sh.take_budget() {
            return false;
        }
        let t0 = Instant::now();
        let from = if j == 0 {
            measure_from.unwrap_or(t0)
        } else {
            t0
        };
        if let Some(entry) = sh.in_flight.borrow_mut().get_mut(vu.slot) {
            *entry = Some((t, from));
        }
        let result = client.exchange(t, t0).await;
        let t1 = Instant::now();
        if let Some(entry) = sh.in_flight.borrow_mut().get_mut(vu.slot) {
            *entry = None;
        }
        let refused = matches!(result, Err(ErrorKind::Connect));
        let latency = (t1 - from).as_micros() as u64;
        record(sh, t, result, latency);
        if sh.stopping.get() {
            sh.settled.notify_one();
            return false;
        }
        // A refused or unreachable origin answers at once: back off instead of spinning.
        if refused {
            vu.refused = vu.refused.saturating_add(1);
            if vu.refused >= 2 {
                let doublings = (vu.refused - 2).min(16);
                sleep((FIRST_CONNECT_BACKOFF * (1 << doublings)).min(MAX_CONNECT_BACKOFF)).await;
            }
        } else {
            vu.refused = 0;
        }
    }
    true
}

fn record(sh: &Shared, t: usize, result: Result<Answer, ErrorKind>, latency_us: u64) {
    let target = &sh.ctx.config.targets[t];
    let (outcome, latency, answer) = match result {
        Ok(a) => (Outcome::Status(a.status), Some(latency_us), a),
        Err(kind @ ErrorKind::Timeout) => {
            (Outcome::Error(kind), Some(latency_us), Answer::default())
        }
        Err(kind) => (Outcome::Error(kind), None, Answer::default()),
    };
    let ms = latency_us as f64 / 1000.0;
    let checks: Vec<bool> = target
        .checks
        .iter()
        .map(|c| c.predicate.eval(answer.status, ms, &answer.body))
        .collect();
    sh.acc
        .borrow_mut()
        .record(t, outcome, latency, answer.bytes, &checks);
}
