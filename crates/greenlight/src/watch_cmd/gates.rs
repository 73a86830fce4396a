//! The gates of a window: one per metric the document gives bounds for,
//! each with the source that feeds it (or none), and what a gate window's
//! samples add up to.

use greenlight_session::watch::{GateAt, GateInfo, MetricWindow};
use greenlight_watch::gate::{self, Aggregate, Evaluation, Gate, GateConfig, MetricBounds, State};
use greenlight_watch::source::Sample;
use greenlight_watch::thresholds::Metric;

/// Ticks in a gate's sliding window, and consecutive breaching ticks
/// before a breach: with `--every 1m`, a 5-minute window that breaches
/// after 2 minutes over the bound.
pub const WINDOW_TICKS: u64 = 5;
pub const BREACH_AFTER: u32 = 2;
/// Ticks under the bound, or a 10 % margin, before a breach clears.
pub const CLEAR_AFTER: u32 = 3;

/// The configuration of a gate at this tick length. A breach bound that
/// must hold for `sustained_secs` needs that many seconds of ticks.
pub fn config(every_secs: u64, metric: &Metric, sustained_secs: Option<u64>) -> GateConfig {
    GateConfig {
        window_secs: every_secs * WINDOW_TICKS,
        buckets: WINDOW_TICKS as usize,
        aggregate: match metric {
            Metric::Latency {
                percentile: Some(p),
            } => Aggregate::Percentile(f64::from(*p)),
            _ => Aggregate::Mean,
        },
        breach_after: gate::breach_ticks(BREACH_AFTER, sustained_secs, every_secs),
        margin: 0.1,
        clear_after: CLEAR_AFTER,
    }
}

#[derive(Default, Clone, Copy)]
struct Acc {
    count: u64,
    sum: f64,
    min: f64,
    max: f64,
}

/// One metric's gate, its source, and the current gate window's samples.
pub struct Slot {
    pub metric: Metric,
    pub label: String,
    pub gate: Gate,
    pub bounds: MetricBounds,
    pub source: Option<String>,
    /// Where its latest sample came from (`probe L203`, `promql L88`).
    pub origin: Option<String>,
    pub last: Option<Evaluation>,
    acc: Acc,
}

/// A gate that changed state at a tick.
pub struct Change {
    pub slot: usize,
    pub from: State,
    pub to: State,
    pub observed: f64,
}

impl Slot {
    /// The bound to name for a state: the breach bound for a breach, the
    /// warn bound (else the breach bound) otherwise; and its line.
    pub fn bound_for(&self, state: State) -> (String, usize) {
        let b = match state {
            State::Breach => self.bounds.breach.or(self.bounds.warn),
            _ => self.bounds.warn.or(self.bounds.breach),
        };
        let text = b
            .map(|b| b.describe(&self.metric))
            .unwrap_or_else(|| "-".into());
        // The line of the level's threshold: the last line for a breach
        // (critical columns come after targets), the first otherwise.
        let line = match state {
            State::Breach => self.bounds.lines.last(),
            _ => self.bounds.lines.first(),
        };
        (text, line.copied().unwrap_or(0))
    }

    pub fn observed_text(&self) -> Option<String> {
        self.last
            .and_then(|e| e.observed)
            .map(|v| self.metric.format(v))
    }

    pub fn info(&self) -> GateInfo {
        GateInfo {
            metric: self.label.clone(),
            warn: self.bounds.warn.map(|b| b.describe(&self.metric)),
            breach: self.bounds.breach.map(|b| b.describe(&self.metric)),
            lines: self.bounds.lines.clone(),
            source: self.source.clone(),
        }
    }

    pub fn at(&self) -> GateAt {
        GateAt {
            metric: self.label.clone(),
            state: self.gate.state().as_str().into(),
            observed: self.observed_text(),
        }
    }

    /// The samples since the last call, summed up, with the gate's state.
    pub fn take_window(&mut self) -> Option<MetricWindow> {
        let a = std::mem::take(&mut self.acc);
        (a.count > 0).then(|| MetricWindow {
            metric: self.label.clone(),
            count: a.count,
            min: a.min,
            mean: a.sum / a.count as f64,
            max: a.max,
            state: self.gate.state().as_str().into(),
        })
    }
}

/// Whether a sample of `sample` feeds a gate of `gate`: the same metric.
/// A latency sample of no percentile (one probe's latency) feeds every
/// latency gate, each taking its own percentile over the window; a
/// percentile (a burst's p95) feeds only the gate of that percentile.
pub fn feeds(sample: &Metric, gate: &Metric) -> bool {
    match (sample, gate) {
        (Metric::Latency { percentile: None }, Metric::Latency { .. }) => true,
        (a, b) => a == b,
    }
}

/// The gates of a document's bounds.
pub fn build(bounds: Vec<MetricBounds>, every_secs: u64) -> Result<Vec<Slot>, String> {
    bounds
        .into_iter()
        .map(|b| {
            let gate = Gate::new(
                config(every_secs, &b.metric, b.sustained_secs),
                b.warn,
                b.breach,
            )
            .map_err(|e| format!("{}: {e}", b.metric.label()))?;
            Ok(Slot {
                label: b.metric.label(),
                metric: b.metric.clone(),
                gate,
                bounds: b,
                source: None,
                origin: None,
                last: None,
                acc: Acc::default(),
            })
        })
        .collect()
}

/// Feeds a tick's samples (taken at watch second `at`) to the gates.
pub fn feed(slots: &mut [Slot], samples: &[Sample], at: u64) {
    for s in samples {
        for slot in slots.iter_mut().filter(|g| feeds(&s.metric, &g.metric)) {
            if matches!(slot.gate.record(at, s.value), Ok(true)) {
                if slot.origin.as_deref() != Some(s.origin.as_str()) {
                    slot.origin = Some(s.origin.clone());
                }
                let a = &mut slot.acc;
                if a.count == 0 {
                    a.min = s.value;
                    a.max = s.value;
                }
                a.count += 1;
                a.sum += s.value;
                a.min = a.min.min(s.value);
                a.max = a.max.max(s.value);
            }
        }
    }
}

/// Evaluates every gate at `at`; returns the changes.
pub fn evaluate(slots: &mut [Slot], at: u64) -> Vec<Change> {
    let mut changes = Vec::new();
    for (i, slot) in slots.iter_mut().enumerate() {
        if slot.source.is_none() {
            continue;
        }
        let before = slot.gate.state();
        let e = slot.gate.evaluate(at);
        slot.last = Some(e);
        if e.changed {
            changes.push(Change {
                slot: i,
                from: before,
                to: e.state,
                observed: e.observed.unwrap_or(f64::NAN),
            });
        }
    }
    changes
}

pub use gate::plan;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_probe_latency_feeds_every_latency_gate_a_percentile_only_its_own() {
        let any = Metric::Latency { percentile: None };
        let p95 = Metric::Latency {
            percentile: Some(95),
        };
        let p99 = Metric::Latency {
            percentile: Some(99),
        };
        assert!(feeds(&any, &p95));
        assert!(feeds(&any, &any));
        assert!(feeds(&p95, &p95));
        assert!(!feeds(&p95, &p99));
        assert!(!feeds(&p95, &any));
        assert!(!feeds(&Metric::ErrorRate, &Metric::Availability));
        assert!(feeds(&Metric::ErrorRate, &Metric::ErrorRate));
    }

    #[test]
    fn the_gate_window_is_five_ticks_and_a_percentile_gate_takes_its_percentile() {
        let c = config(
            60,
            &Metric::Latency {
                percentile: Some(95),
            },
            None,
        );
        assert_eq!(c.window_secs, 300);
        assert_eq!(c.buckets, 5);
        assert_eq!(c.aggregate, Aggregate::Percentile(95.0));
        assert_eq!(
            config(60, &Metric::ErrorRate, None).aggregate,
            Aggregate::Mean
        );
        assert_eq!(c.breach_after, BREACH_AFTER);
        // `for 5 minutes` at 1-minute ticks: five bad ticks in a row.
        assert_eq!(config(60, &Metric::ErrorRate, Some(300)).breach_after, 5);
    }
}
