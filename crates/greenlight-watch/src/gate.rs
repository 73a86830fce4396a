//! Evaluating one metric against its thresholds over a sliding window.
//!
//! Pure and deterministic: every call takes the time (`at`, seconds on any
//! monotonic scale the caller chooses), nothing reads a clock, so a 48-hour
//! window can be driven in compressed time.
//!
//! Memory is bounded: the window is split into `buckets` equal slices, each
//! keeping count, sum, min, max and a fixed log-scale histogram (bins 5 %
//! wide) for percentiles; samples themselves are not kept.

use crate::thresholds::{Comparator, Level, Metric, Threshold};
use std::collections::VecDeque;

/// How the samples of the window are summed up into the observed value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Aggregate {
    Mean,
    Min,
    Max,
    /// A percentile in (0, 100], within 5 % of the true value.
    Percentile(f64),
}

/// A bad condition in base units (see [`Threshold::base_value`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bound {
    pub comparator: Comparator,
    pub value: f64,
}

impl Bound {
    pub fn from_threshold(t: &Threshold) -> Bound {
        Bound {
            comparator: t.comparator,
            value: t.base_value(),
        }
    }

    /// The bad condition as people read it, in `metric`'s unit (`> 5%`,
    /// `>= 250ms`).
    pub fn describe(&self, metric: &Metric) -> String {
        let op = match self.comparator {
            Comparator::Lt => "<",
            Comparator::Le => "<=",
            Comparator::Gt => ">",
            Comparator::Ge => ">=",
        };
        format!("{op} {}", metric.format(self.value))
    }

    fn hit(&self, v: f64) -> bool {
        self.comparator.holds(v, self.value)
    }

    /// Back on the healthy side by `margin` (a fraction of the value).
    fn clear_by(&self, v: f64, margin: f64) -> bool {
        let m = self.value.abs() * margin;
        if self.comparator.is_upper() {
            v < self.value - m
        } else {
            v > self.value + m
        }
    }
}

/// The bounds of one metric, gathered from every line of the document that
/// states one (see [`plan`]).
#[derive(Debug, Clone, PartialEq)]
pub struct MetricBounds {
    pub metric: Metric,
    pub warn: Option<Bound>,
    pub breach: Option<Bound>,
    /// The source lines the bounds were read from, in order.
    pub lines: Vec<usize>,
    /// How long the breach bound must hold before it counts, when its
    /// line says so (`Error rate > 1% for 2 consecutive minutes`): see
    /// [`breach_ticks`].
    pub sustained_secs: Option<u64>,
}

/// Consecutive breaching ticks a gate needs: `default`, or more when the
/// breach bound must hold for `sustained_secs` (ceil(N / every) ticks, never
/// fewer than `default`).
pub fn breach_ticks(default: u32, sustained_secs: Option<u64>, every_secs: u64) -> u32 {
    let every = every_secs.max(1);
    let needed = sustained_secs.map_or(0, |n| n.div_ceil(every));
    u32::try_from(needed).unwrap_or(u32::MAX).max(default)
}

/// A metric whose thresholds point both ways (`> x` and `< y` at one
/// level): left out of the plan rather than guessed.
#[derive(Debug, Clone, PartialEq)]
pub struct Conflict {
    pub metric: Metric,
    pub lines: Vec<usize>,
}

/// Groups thresholds by metric. When several lines give a bound at the same
/// level, the strictest wins (the lowest upper bound, the highest lower
/// bound), so no stated limit is loosened.
pub fn plan(thresholds: &[Threshold]) -> (Vec<MetricBounds>, Vec<Conflict>) {
    let mut out: Vec<MetricBounds> = Vec::new();
    let mut conflicts: Vec<Conflict> = Vec::new();
    for t in thresholds {
        if let Some(c) = conflicts.iter_mut().find(|c| c.metric == t.metric) {
            c.lines.push(t.line);
            continue;
        }
        let b = Bound::from_threshold(t);
        let entry = match out.iter().position(|m| m.metric == t.metric) {
            Some(i) => &mut out[i],
            None => {
                out.push(MetricBounds {
                    metric: t.metric.clone(),
                    warn: None,
                    breach: None,
                    lines: Vec::new(),
                    sustained_secs: None,
                });
                out.last_mut().expect("just pushed")
            }
        };
        entry.lines.push(t.line);
        let slot = match t.level {
            Level::Warn => &mut entry.warn,
            Level::Breach => &mut entry.breach,
        };
        // Whether `b` takes the slot; a tie keeps the shorter duration
        // (the stricter reading).
        let mut takes = false;
        let merged = match *slot {
            None => {
                takes = true;
                Some(b)
            }
            Some(old) if old.comparator.is_upper() != b.comparator.is_upper() => None,
            Some(old) => {
                let stricter = if b.comparator.is_upper() {
                    b.value < old.value
                } else {
                    b.value > old.value
                };
                takes = stricter
                    || (b.value == old.value
                        && t.level == Level::Breach
                        && t.sustained_secs.unwrap_or(0) < entry.sustained_secs.unwrap_or(0));
                Some(if stricter { b } else { old })
            }
        };
        if takes && t.level == Level::Breach {
            entry.sustained_secs = t.sustained_secs;
        }
        match merged {
            Some(m) => *slot = Some(m),
            None => {
                let i = out
                    .iter()
                    .position(|m| m.metric == t.metric)
                    .expect("entry");
                let gone = out.remove(i);
                conflicts.push(Conflict {
                    metric: gone.metric,
                    lines: gone.lines,
                });
            }
        }
    }
    (out, conflicts)
}

/// How a gate evaluates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GateConfig {
    /// Length of the sliding window, seconds. It slides a slice at a time:
    /// an evaluation at `at` sees the `buckets` slices of
    /// `window_secs / buckets` seconds ending with the one holding `at`.
    pub window_secs: u64,
    /// Slices the window is kept in; the retained state never exceeds this.
    pub buckets: usize,
    pub aggregate: Aggregate,
    /// Consecutive breaching evaluations before a breach is declared (≥ 1).
    pub breach_after: u32,
    /// Leaving breach: the value is clear of the breach bound by `margin`
    /// (a fraction of the bound, `0.1` = 10 %) …
    pub margin: f64,
    /// … or has not breached for this many consecutive evaluations (≥ 1).
    pub clear_after: u32,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Ok => "ok",
            State::Warn => "warn",
            State::Breach => "breach",
        }
    }

    /// The state named `s` (as [`State::as_str`] writes it).
    pub fn parse(s: &str) -> Option<State> {
        [State::Ok, State::Warn, State::Breach]
            .into_iter()
            .find(|x| x.as_str() == s)
    }
}

impl Default for GateConfig {
    /// A 5-minute window in 10 slices, mean, 3 evaluations to breach,
    /// 10 % margin or 5 evaluations to recover.
    fn default() -> Self {
        GateConfig {
            window_secs: 300,
            buckets: 10,
            aggregate: Aggregate::Mean,
            breach_after: 3,
            margin: 0.1,
            clear_after: 5,
        }
    }
}

/// Why a gate could not be built or fed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GateError {
    #[error("the window must be at least one second per bucket")]
    Window,
    #[error("breach_after and clear_after must be at least 1")]
    Counts,
    #[error("the margin must be a fraction between 0 and 1, got {0}")]
    Margin(f64),
    #[error("a percentile must be in (0, 100], got {0}")]
    Percentile(f64),
    #[error("a sample must be a finite number, got {0}")]
    Sample(f64),
}

/// The state of a gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Ok,
    Warn,
    Breach,
}

/// The outcome of one evaluation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Evaluation {
    pub at: u64,
    pub state: State,
    /// The aggregate over the window; `None` when the window holds no
    /// sample (the state is then left as it was).
    pub observed: Option<f64>,
    /// Samples in the window.
    pub samples: u64,
    /// Consecutive evaluations over the breach bound so far.
    pub breach_streak: u32,
    /// Whether the state differs from the previous evaluation's.
    pub changed: bool,
}

/// One metric, its warn and breach bounds, and its window.
#[derive(Debug, Clone)]
pub struct Gate {
    cfg: GateConfig,
    warn: Option<Bound>,
    breach: Option<Bound>,
    window: Window,
    state: State,
    breach_streak: u32,
    clear_streak: u32,
}

impl Gate {
    pub fn new(
        cfg: GateConfig,
        warn: Option<Bound>,
        breach: Option<Bound>,
    ) -> Result<Gate, GateError> {
        if cfg.buckets == 0 || cfg.window_secs < cfg.buckets as u64 {
            return Err(GateError::Window);
        }
        if cfg.breach_after == 0 || cfg.clear_after == 0 {
            return Err(GateError::Counts);
        }
        if !(0.0..1.0).contains(&cfg.margin) {
            return Err(GateError::Margin(cfg.margin));
        }
        if let Aggregate::Percentile(p) = cfg.aggregate
            && !(p > 0.0 && p <= 100.0)
        {
            return Err(GateError::Percentile(p));
        }
        Ok(Gate {
            window: Window::new(cfg.window_secs / cfg.buckets as u64, cfg.buckets),
            cfg,
            warn,
            breach,
            state: State::Ok,
            breach_streak: 0,
            clear_streak: 0,
        })
    }

    /// Adds a sample taken at `at`. Samples older than the window are
    /// dropped (returns `Ok(false)`).
    pub fn record(&mut self, at: u64, value: f64) -> Result<bool, GateError> {
        if !value.is_finite() {
            return Err(GateError::Sample(value));
        }
        Ok(self.window.record(at, value))
    }

    pub fn state(&self) -> State {
        self.state
    }

    /// Starts from `state` (a resumed window: the state its events left
    /// the gate in), with no breach streak and an empty window.
    pub fn restore(&mut self, state: State) {
        self.state = state;
        self.breach_streak = 0;
        self.clear_streak = 0;
    }

    /// The warn and breach bounds.
    pub fn bounds(&self) -> (Option<Bound>, Option<Bound>) {
        (self.warn, self.breach)
    }

    /// Slices currently held; never more than [`GateConfig::buckets`].
    pub fn retained_buckets(&self) -> usize {
        self.window.slices.len()
    }

    /// Bytes held for the window: the slices and their histograms. At most
    /// `buckets × (size of a slice + 720 × 4)`, whatever the sample count.
    pub fn retained_bytes(&self) -> usize {
        self.window.slices.capacity() * std::mem::size_of::<Slice>()
            + self.window.slices.len() * std::mem::size_of::<[u32; BINS]>()
    }

    /// Evaluates the window ending at `at`.
    pub fn evaluate(&mut self, at: u64) -> Evaluation {
        self.window.expire(at);
        let before = self.state;
        let samples = self.window.count();
        let observed = if samples == 0 {
            None
        } else {
            Some(self.window.aggregate(self.cfg.aggregate))
        };
        if let Some(v) = observed {
            let over = self.breach.is_some_and(|b| b.hit(v));
            let warn = self.warn.is_some_and(|w| w.hit(v));
            if over {
                self.breach_streak += 1;
                self.clear_streak = 0;
            } else {
                self.breach_streak = 0;
                self.clear_streak += 1;
            }
            self.state = match self.state {
                State::Breach => {
                    let clear = self.breach.is_some_and(|b| b.clear_by(v, self.cfg.margin));
                    if clear || self.clear_streak >= self.cfg.clear_after {
                        if warn { State::Warn } else { State::Ok }
                    } else {
                        State::Breach
                    }
                }
                _ if self.breach_streak >= self.cfg.breach_after => State::Breach,
                // Over the breach bound but not yet for long enough: a warning.
                _ if over || warn => State::Warn,
                _ => State::Ok,
            };
        }
        Evaluation {
            at,
            state: self.state,
            observed,
            samples,
            breach_streak: self.breach_streak,
            changed: self.state != before,
        }
    }
}

/// Log-scale bins: bin `i` holds values in `[MIN·R^(i-1), MIN·R^i)`, bin 0
/// everything below `MIN` (including zero and negatives).
const BINS: usize = 720;
const MIN: f64 = 1e-6;
const R: f64 = 1.05;

fn bin(v: f64) -> usize {
    if v < MIN {
        0
    } else {
        (((v / MIN).ln() / R.ln()).floor() as usize + 1).min(BINS - 1)
    }
}

fn bin_upper(i: usize) -> f64 {
    MIN * R.powi(i as i32)
}

#[derive(Debug, Clone)]
struct Slice {
    index: u64,
    count: u64,
    sum: f64,
    min: f64,
    max: f64,
    hist: Box<[u32; BINS]>,
}

#[derive(Debug, Clone)]
struct Window {
    width: u64,
    slots: usize,
    slices: VecDeque<Slice>,
}

impl Window {
    fn new(width: u64, slots: usize) -> Window {
        Window {
            width,
            slots,
            slices: VecDeque::with_capacity(slots),
        }
    }

    fn record(&mut self, at: u64, v: f64) -> bool {
        let index = at / self.width;
        if let Some(newest) = self.slices.back().map(|s| s.index)
            && index + self.slots as u64 <= newest
        {
            return false;
        }
        let pos = self.slices.iter().position(|s| s.index >= index);
        let slice = match pos {
            Some(p) if self.slices[p].index == index => &mut self.slices[p],
            Some(p) => {
                self.slices.insert(p, Slice::new(index));
                &mut self.slices[p]
            }
            None => {
                self.slices.push_back(Slice::new(index));
                self.expire(at);
                self.slices.back_mut().expect("just pushed")
            }
        };
        slice.count += 1;
        slice.sum += v;
        slice.min = slice.min.min(v);
        slice.max = slice.max.max(v);
        slice.hist[bin(v)] += 1;
        true
    }

    /// Drops the slices that fell out of the window ending at `at`.
    fn expire(&mut self, at: u64) {
        let now = at / self.width;
        while self
            .slices
            .front()
            .is_some_and(|s| s.index + (self.slots as u64) <= now)
            || self.slices.len() > self.slots
        {
            self.slices.pop_front();
        }
    }

    fn count(&self) -> u64 {
        self.slices.iter().map(|s| s.count).sum()
    }

    fn aggregate(&self, how: Aggregate) -> f64 {
        let min = self
            .slices
            .iter()
            .map(|s| s.min)
            .fold(f64::INFINITY, f64::min);
        let max = self
            .slices
            .iter()
            .map(|s| s.max)
            .fold(f64::NEG_INFINITY, f64::max);
        match how {
            Aggregate::Mean => self.slices.iter().map(|s| s.sum).sum::<f64>() / self.count() as f64,
            Aggregate::Min => min,
            Aggregate::Max => max,
            Aggregate::Percentile(p) => {
                let rank = ((p / 100.0) * self.count() as f64).ceil().max(1.0) as u64;
                let mut seen = 0u64;
                for i in 0..BINS {
                    seen += self
                        .slices
                        .iter()
                        .map(|s| u64::from(s.hist[i]))
                        .sum::<u64>();
                    if seen >= rank {
                        return bin_upper(i).clamp(min, max);
                    }
                }
                max
            }
        }
    }
}

impl Slice {
    fn new(index: u64) -> Slice {
        Slice {
            index,
            count: 0,
            sum: 0.0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            hist: Box::new([0; BINS]),
        }
    }
}

#[cfg(test)]
mod tests;
