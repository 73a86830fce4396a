//! Time plans of the two load models: VU ramps (closed) and arrival times (open).
//!
//! Both are pure functions of the elapsed time, so every worker thread computes its own share
//! without talking to the others.

use std::time::Duration;

/// Active VUs at `t` for a closed model starting at `vus` and ramping linearly through
/// `stages`; after the last stage its target holds.
pub(crate) fn vus_at(vus: u32, stages: &[(Duration, u32)], t: Duration) -> u32 {
    let mut from = f64::from(vus);
    let mut start = Duration::ZERO;
    for &(d, target) in stages {
        let end = start + d;
        if t < end {
            let frac = (t - start).as_secs_f64() / d.as_secs_f64();
            return (from + (f64::from(target) - from) * frac).round() as u32;
        }
        from = f64::from(target);
        start = end;
    }
    from as u32
}

/// One linear piece of the arrival rate.
#[derive(Debug, Clone, Copy)]
struct Segment {
    /// Start, seconds.
    t0: f64,
    /// Length, seconds (infinite for the last one).
    len: f64,
    /// Rate at the start, per second.
    r0: f64,
    /// Rate change per second.
    slope: f64,
    /// Arrivals before the segment.
    n0: f64,
}

/// The cumulative arrival curve `N(t) = ∫ rate` of an open model: `rate` at first, linear
/// ramps through `stages`, then the last rate for ever.
#[derive(Debug, Clone)]
pub(crate) struct RateCurve {
    segments: Vec<Segment>,
}

impl RateCurve {
    pub(crate) fn new(rate: f64, stages: &[(Duration, f64)]) -> Self {
        let mut segments = Vec::with_capacity(stages.len() + 1);
        let (mut t0, mut r0, mut n0) = (0.0, rate, 0.0);
        for &(d, target) in stages {
            let len = d.as_secs_f64();
            if len <= 0.0 {
                r0 = target;
                continue;
            }
            segments.push(Segment {
                t0,
                len,
                r0,
                slope: (target - r0) / len,
                n0,
            });
            n0 += (r0 + target) / 2.0 * len;
            t0 += len;
            r0 = target;
        }
        segments.push(Segment {
            t0,
            len: f64::INFINITY,
            r0,
            slope: 0.0,
            n0,
        });
        Self { segments }
    }

    /// Arrivals due in `[0, t)`: `N(t)`.
    pub(crate) fn count_at(&self, t: f64) -> f64 {
        let s = self
            .segments
            .iter()
            .rev()
            .find(|s| s.t0 <= t)
            .unwrap_or(&self.segments[0]);
        let tau = (t - s.t0).clamp(0.0, s.len);
        s.n0 + s.r0 * tau + s.slope * tau * tau / 2.0
    }

    /// The time (seconds) of arrival number `k` (0-based): the smallest `t` with
    /// `N(t) >= k`; infinite if the rate drops to zero for good before.
    pub(crate) fn time_of(&self, k: f64) -> f64 {
        for s in &self.segments {
            let in_seg = if s.len.is_finite() {
                s.r0 * s.len + s.slope * s.len * s.len / 2.0
            } else {
                f64::INFINITY
            };
            let m = k - s.n0;
            if m > in_seg {
                continue;
            }
            if m <= 0.0 {
                return s.t0;
            }
            // Solve r0·τ + slope/2·τ² = m in the numerically stable form.
            let disc = s.r0 * s.r0 + 2.0 * s.slope * m;
            if disc < 0.0 {
                continue;
            }
            let denom = s.r0 + disc.sqrt();
            if denom <= 0.0 {
                return f64::INFINITY;
            }
            return s.t0 + (2.0 * m / denom).min(s.len);
        }
        f64::INFINITY
    }
}

/// One worker's share of the arrivals: global arrivals `k` with `k % workers == worker`,
/// strictly before `limit`.
#[derive(Debug, Clone)]
pub(crate) struct Arrivals {
    curve: RateCurve,
    next_k: u64,
    step: u64,
    worker: u64,
    limit: f64,
    taken: u64,
}

impl Arrivals {
    pub(crate) fn new(
        curve: RateCurve,
        worker: usize,
        workers: usize,
        limit: Option<Duration>,
    ) -> Self {
        Self {
            curve,
            next_k: worker as u64,
            step: workers as u64,
            worker: worker as u64,
            limit: limit.map_or(f64::INFINITY, |d| d.as_secs_f64()),
            taken: 0,
        }
    }

    /// The offset from the run's start of this worker's next arrival, or `None` when there is
    /// none before the limit.
    pub(crate) fn next_arrival(&mut self) -> Option<Duration> {
        let t = self.curve.time_of(self.next_k as f64);
        if t >= self.limit || t.is_nan() {
            return None;
        }
        self.next_k += self.step;
        self.taken += 1;
        Some(Duration::from_secs_f64(t))
    }

    /// This worker's arrivals due before `t` that were never taken.
    pub(crate) fn missed_before(&self, t: Duration) -> u64 {
        let global = self.curve.count_at(t.as_secs_f64().min(self.limit)).ceil() as u64;
        let mine = if global > self.worker {
            (global - self.worker).div_ceil(self.step)
        } else {
            0
        };
        mine.saturating_sub(self.taken)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: fn(u64) -> Duration = Duration::from_secs;

    #[test]
    fn vu_ramps() {
        let stages = [(S(10), 100), (S(10), 100), (S(10), 0)];
        assert_eq!(vus_at(0, &stages, S(0)), 0);
        assert_eq!(vus_at(0, &stages, S(5)), 50);
        assert_eq!(vus_at(0, &stages, S(15)), 100);
        assert_eq!(vus_at(0, &stages, S(25)), 50);
        assert_eq!(vus_at(0, &stages, S(40)), 0);
        assert_eq!(vus_at(7, &[], S(40)), 7);
    }

    #[test]
    fn constant_rate_arrivals() {
        let c = RateCurve::new(100.0, &[]);
        assert_eq!(c.time_of(0.0), 0.0);
        assert!((c.time_of(100.0) - 1.0).abs() < 1e-12);
        let mut a = Arrivals::new(c, 0, 1, Some(S(3)));
        let mut n = 0;
        while a.next_arrival().is_some() {
            n += 1;
        }
        assert_eq!(n, 300);
    }

    #[test]
    fn workers_split_arrivals() {
        let c = RateCurve::new(10.0, &[]);
        let mut a0 = Arrivals::new(c.clone(), 0, 2, Some(S(1)));
        let mut a1 = Arrivals::new(c, 1, 2, Some(S(1)));
        assert_eq!(a0.next_arrival(), Some(Duration::ZERO));
        assert_eq!(a1.next_arrival(), Some(Duration::from_millis(100)));
        assert_eq!(a0.next_arrival(), Some(Duration::from_millis(200)));
        assert_eq!(a0.missed_before(S(1)), 3);
    }

    #[test]
    fn ramping_rate_arrivals() {
        // 0 → 100/s over 10 s: N(10) = 500; then 100/s.
        let c = RateCurve::new(0.0, &[(S(10), 100.0)]);
        assert!((c.count_at(10.0) - 500.0).abs() < 1e-9);
        assert!((c.time_of(500.0) - 10.0).abs() < 1e-9);
        // N(t) = 5 t² → k = 125 at t = 5.
        assert!((c.time_of(125.0) - 5.0).abs() < 1e-9);
        assert!((c.time_of(600.0) - 11.0).abs() < 1e-9);
        // Ramp down to zero: nothing after.
        let c = RateCurve::new(10.0, &[(S(2), 0.0)]);
        assert!((c.count_at(5.0) - 10.0).abs() < 1e-9);
        assert!(c.time_of(9.0) < 2.0);
        assert_eq!(c.time_of(11.0), f64::INFINITY);
    }
}
