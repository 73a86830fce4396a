//! greenlight's own probes as a metric source: the read checks of the
//! monitoring sections (else the document's read HTTP checks), run at every
//! tick through the run executor, under the profile's safety classes.

use greenlight_run::execute::Executor;
use greenlight_run::outcome::{Status, StepResult};
use greenlight_run::plan::{Gate, Plan};
use greenlight_run::profile::{Class, Profile};
use greenlight_session::run::Stop;
use greenlight_session::watch::CheckWindow;
use greenlight_watch::source::{Sample, SampleFuture, Source, SourceError};
use greenlight_watch::thresholds::Metric;
use std::collections::BTreeMap;

/// The probe plan of a document: its monitoring sections' checks; when
/// they have none that may run, the read HTTP checks of a normal run
/// (every other check set aside). Returns the plan and what it is.
pub fn probe_plan(
    list: &greenlight_doc::Checklist,
    name: &str,
    profile: &Profile,
) -> (Plan, &'static str) {
    let watch = greenlight_run::plan::build_watch(
        list,
        name,
        profile,
        &greenlight_run::analyze::analyze_block,
        &|p| greenlight_probe::find_program(p).is_some(),
    );
    if watch.checks.iter().any(|c| c.gate == Gate::Run) {
        return (watch, "the monitoring sections' checks");
    }
    let mut normal = crate::run_cmd::make_plan(list, name, profile);
    for c in normal.checks.iter_mut() {
        if c.gate == Gate::Run && !(c.class == Class::Read && c.target.probe() == "http") {
            c.gate = Gate::NotRun {
                reason: "a watch probes only read HTTP checks".into(),
            };
        }
    }
    (normal, "the document's read HTTP checks")
}

#[derive(Default)]
struct CheckAcc {
    count: u64,
    failed: u64,
    sum_ms: u64,
    max_ms: u64,
}

/// Runs the probe plan once per tick.
pub struct ProbeSource {
    plan: Plan,
    executor: Executor,
    window: BTreeMap<usize, CheckAcc>,
    /// The latest tick's results, in plan order.
    last: Vec<StepResult>,
}

impl ProbeSource {
    pub fn new(plan: Plan, profile: &Profile, stop: &Stop) -> Result<ProbeSource, String> {
        let (executor, _) = greenlight_session::run::executor_for(&plan, profile, stop)
            .map_err(|e| e.to_string())?;
        Ok(ProbeSource {
            plan,
            executor,
            window: BTreeMap::new(),
            last: Vec::new(),
        })
    }

    /// How many checks run at each tick.
    pub fn runnable(&self) -> usize {
        self.plan
            .checks
            .iter()
            .filter(|c| c.gate == Gate::Run)
            .count()
    }

    /// The plan (recorded in the run's `run_started`).
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// The latest tick's results, in plan order (empty before the first).
    pub fn last(&self) -> &[StepResult] {
        &self.last
    }

    /// Each check's latencies and failures since the last call.
    pub fn take_window(&mut self) -> Vec<CheckWindow> {
        std::mem::take(&mut self.window)
            .into_iter()
            .map(|(line, a)| CheckWindow {
                line,
                count: a.count,
                failed: a.failed,
                mean_ms: if a.count == 0 {
                    0.0
                } else {
                    a.sum_ms as f64 / a.count as f64
                },
                max_ms: a.max_ms,
            })
            .collect()
    }

    fn samples(&mut self, results: &[StepResult]) -> Result<Vec<Sample>, SourceError> {
        let mut out = Vec::new();
        let mut ran = 0u64;
        let mut failed = 0u64;
        for r in results {
            let bad = match r.status {
                Status::Failed => true,
                Status::Passed | Status::NeedsReview => false,
                _ => continue,
            };
            ran += 1;
            failed += u64::from(bad);
            let acc = self.window.entry(r.line).or_default();
            acc.count += 1;
            acc.failed += u64::from(bad);
            acc.sum_ms += r.duration_ms;
            acc.max_ms = acc.max_ms.max(r.duration_ms);
            // A failed check's time is not the service's response time (a
            // refused connection takes 0 ms: a service that is down would
            // look fast); failures count in the error rate instead.
            if bad {
                continue;
            }
            out.push(Sample {
                metric: Metric::Latency { percentile: None },
                value: r.duration_ms as f64 / 1000.0,
                origin: format!("probe L{}", r.line),
            });
        }
        if ran == 0 {
            return Err(SourceError {
                origin: "probes".into(),
                message: "no check ran".into(),
            });
        }
        let rate = failed as f64 / ran as f64;
        out.push(Sample {
            metric: Metric::ErrorRate,
            value: rate,
            origin: "probes".into(),
        });
        out.push(Sample {
            metric: Metric::Availability,
            value: 1.0 - rate,
            origin: "probes".into(),
        });
        Ok(out)
    }
}

impl Source for ProbeSource {
    fn name(&self) -> &str {
        "probes"
    }

    fn sample(&mut self) -> SampleFuture<'_> {
        Box::pin(async move {
            // Nobody listens to the executor's progress events at a tick.
            let (tx, _) = tokio::sync::mpsc::unbounded_channel();
            let results = self.executor.run(&self.plan, tx).await;
            let samples = self.samples(&results);
            self.last = results;
            samples
        })
    }
}

/// The metrics the probes measure.
pub fn measures(metric: &Metric) -> bool {
    matches!(
        metric,
        Metric::ErrorRate | Metric::Availability | Metric::Latency { .. }
    )
}

/// Why each failed check of a tick failed, as a source error of
/// `probe L<line>`: its first failed expectation, else what stopped it,
/// else its one-line evidence.
pub fn failures(results: &[StepResult]) -> Vec<SourceError> {
    results
        .iter()
        .filter(|r| r.status == Status::Failed)
        .map(|r| SourceError {
            origin: format!("probe L{}", r.line),
            message: r
                .evidence
                .failures
                .first()
                .or(r.evidence.reason.as_ref())
                .cloned()
                .unwrap_or_else(|| r.evidence.summary.clone()),
        })
        .collect()
}
