use super::*;
use crate::thresholds::Comparator;

fn upper(v: f64) -> Option<Bound> {
    Some(Bound {
        comparator: Comparator::Gt,
        value: v,
    })
}

fn cfg(aggregate: Aggregate) -> GateConfig {
    GateConfig {
        window_secs: 300,
        buckets: 5,
        aggregate,
        breach_after: 3,
        margin: 0.2,
        clear_after: 4,
    }
}

/// Error rate 1/min for 48 hours in compressed time: a steady 0.2 % never
/// warns or breaches, and the state held stays within its buckets.
#[test]
fn steady_48h_no_false_breach_and_bounded_state() {
    let mut g = Gate::new(cfg(Aggregate::Mean), upper(0.01), upper(0.05)).unwrap();
    let mut max_retained = 0;
    for minute in 0..48 * 60u64 {
        let at = minute * 60;
        // A little deterministic noise around 0.2 %.
        let v = 0.002 + ((minute * 7919) % 13) as f64 * 0.0001;
        assert!(g.record(at, v).unwrap());
        let e = g.evaluate(at);
        assert_eq!(e.state, State::Ok, "minute {minute}: {e:?}");
        assert!(e.samples <= 5, "{e:?}");
        max_retained = max_retained.max(g.retained_buckets());
    }
    assert_eq!(max_retained, 5);
}

/// A jump mid-window is declared a breach after `breach_after` evaluations,
/// within one window, with warnings before.
#[test]
fn breach_detected_within_one_window() {
    let mut g = Gate::new(cfg(Aggregate::Max), upper(0.01), upper(0.05)).unwrap();
    let mut states = Vec::new();
    for minute in 0..30u64 {
        let v = if minute < 20 { 0.002 } else { 0.08 };
        g.record(minute * 60, v).unwrap();
        states.push(g.evaluate(minute * 60).state);
    }
    assert!(states[..20].iter().all(|s| *s == State::Ok));
    assert_eq!(&states[20..23], &[State::Warn, State::Warn, State::Breach]);
    assert!(states[23..].iter().all(|s| *s == State::Breach));
}

#[test]
fn leaving_breach_needs_margin_or_n_clear_evaluations() {
    let mut g = Gate::new(cfg(Aggregate::Max), None, upper(0.05)).unwrap();
    let mut t = 0;
    let mut step = |g: &mut Gate, v: f64| {
        // One sample per window so the max is the latest value.
        t += 300;
        g.record(t, v).unwrap();
        g.evaluate(t)
    };
    for _ in 0..3 {
        step(&mut g, 0.09);
    }
    assert_eq!(g.state(), State::Breach);
    // Just under the bound, not by the 20 % margin: stays in breach for
    // three evaluations, leaves on the fourth.
    for i in 0..3 {
        assert_eq!(step(&mut g, 0.045).state, State::Breach, "evaluation {i}");
    }
    let e = step(&mut g, 0.045);
    assert_eq!((e.state, e.changed), (State::Ok, true));
    // Back in breach, then well under (by more than the margin): leaves at once.
    for _ in 0..3 {
        step(&mut g, 0.09);
    }
    assert_eq!(g.state(), State::Breach);
    assert_eq!(step(&mut g, 0.03).state, State::Ok);
}

#[test]
fn a_lower_bound_breaches_when_the_value_falls() {
    // Availability must stay above 99.9 %: the bad side is below.
    let low = Some(Bound {
        comparator: Comparator::Le,
        value: 0.999,
    });
    let mut g = Gate::new(cfg(Aggregate::Mean), None, low).unwrap();
    for i in 0..3 {
        g.record(i * 300, 0.95).unwrap();
        g.evaluate(i * 300);
    }
    assert_eq!(g.state(), State::Breach);
}

#[test]
fn empty_window_keeps_the_state_and_says_so() {
    let mut g = Gate::new(cfg(Aggregate::Mean), None, upper(0.05)).unwrap();
    g.record(0, 0.01).unwrap();
    assert_eq!(g.evaluate(0).samples, 1);
    let e = g.evaluate(10_000);
    assert_eq!((e.observed, e.samples, e.state), (None, 0, State::Ok));
    assert_eq!(g.retained_buckets(), 0);
}

#[test]
fn old_samples_are_dropped_and_out_of_order_ones_counted() {
    let mut g = Gate::new(cfg(Aggregate::Mean), None, None).unwrap();
    assert!(g.record(1000, 1.0).unwrap());
    assert!(g.record(900, 3.0).unwrap());
    assert!(!g.record(100, 50.0).unwrap());
    let e = g.evaluate(1000);
    assert_eq!((e.samples, e.observed), (2, Some(2.0)));
}

#[test]
fn percentiles_are_within_five_percent() {
    let mut g = Gate::new(
        GateConfig {
            window_secs: 3600,
            buckets: 6,
            ..cfg(Aggregate::Percentile(95.0))
        },
        None,
        None,
    )
    .unwrap();
    // 1000 samples 1 ms .. 1000 ms: p95 is 950 ms.
    for i in 1..=1000u64 {
        g.record(i, i as f64 / 1000.0).unwrap();
    }
    let p95 = g.evaluate(1000).observed.unwrap();
    assert!((p95 - 0.95).abs() / 0.95 <= 0.05, "{p95}");
}

#[test]
fn bad_config_and_samples_are_errors() {
    let bad = |c: GateConfig| Gate::new(c, None, None).unwrap_err();
    assert_eq!(
        bad(GateConfig {
            buckets: 0,
            ..cfg(Aggregate::Mean)
        }),
        GateError::Window
    );
    assert_eq!(
        bad(GateConfig {
            breach_after: 0,
            ..cfg(Aggregate::Mean)
        }),
        GateError::Counts
    );
    assert_eq!(
        bad(cfg(Aggregate::Percentile(0.0))),
        GateError::Percentile(0.0)
    );
    let mut g = Gate::new(cfg(Aggregate::Mean), None, None).unwrap();
    assert!(matches!(g.record(0, f64::NAN), Err(GateError::Sample(_))));
}

#[test]
fn plan_of_seed_001_keeps_the_strictest_bound_per_level() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/seeds");
    let path = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with("001"))
        .unwrap();
    let doc = greenlight_doc::parse(&std::fs::read(path).unwrap());
    let gates = crate::thresholds::read_gates(&doc);
    let (bounds, conflicts) = plan(&gates.thresholds);
    assert!(conflicts.is_empty(), "{conflicts:?}");
    let p95 = bounds
        .iter()
        .find(|b| {
            b.metric
                == Metric::Latency {
                    percentile: Some(95),
                }
        })
        .unwrap();
    // The table (L367) and the checklist (L398) both say < 300ms.
    assert_eq!(p95.lines, vec![367, 367, 398]);
    assert_eq!(
        p95.warn,
        Some(Bound {
            comparator: Comparator::Ge,
            value: 0.3
        })
    );
    assert_eq!(
        p95.breach,
        Some(Bound {
            comparator: Comparator::Ge,
            value: 0.5
        })
    );
    let err = bounds
        .iter()
        .find(|b| b.metric == Metric::ErrorRate)
        .unwrap();
    assert_eq!(err.warn.unwrap().value, 0.01);
    assert_eq!(err.breach.unwrap().value, 0.05);
}

#[test]
fn plan_strictest_wins_and_opposite_directions_conflict() {
    use crate::thresholds::{Level, Threshold, Unit};
    let t = |metric: Metric, comparator, value, line| Threshold {
        metric,
        comparator,
        value,
        unit: Unit::Percent,
        level: Level::Breach,
        line,
        source: String::new(),
        sustained_secs: None,
    };
    let (bounds, conflicts) = plan(&[
        t(Metric::ErrorRate, Comparator::Gt, 5.0, 1),
        t(Metric::ErrorRate, Comparator::Gt, 1.0, 2),
        t(Metric::ErrorRate, Comparator::Gt, 3.0, 3),
        t(Metric::Cpu, Comparator::Gt, 80.0, 4),
        t(Metric::Cpu, Comparator::Lt, 10.0, 5),
        t(Metric::Cpu, Comparator::Gt, 90.0, 6),
    ]);
    assert_eq!(bounds.len(), 1);
    assert_eq!(
        bounds[0].breach,
        Some(Bound {
            comparator: Comparator::Gt,
            value: 0.01
        })
    );
    assert_eq!(
        conflicts,
        vec![Conflict {
            metric: Metric::Cpu,
            lines: vec![4, 5, 6]
        }]
    );
}

/// 48 hours at one sample a minute through a one-hour window of 60 slices:
/// the bytes held stop growing once the first hour is full.
#[test]
fn retained_bytes_flat_over_48h() {
    let c = GateConfig {
        window_secs: 3600,
        buckets: 60,
        ..cfg(Aggregate::Percentile(95.0))
    };
    let mut g = Gate::new(c, upper(0.3), upper(0.5)).unwrap();
    let mut after_first_hour = 0;
    for minute in 0..48 * 60u64 {
        g.record(minute * 60, 0.1 + (minute % 10) as f64 * 0.01)
            .unwrap();
        let e = g.evaluate(minute * 60);
        assert_eq!(e.state, State::Ok);
        if minute == 60 {
            after_first_hour = g.retained_bytes();
        }
        if minute > 60 {
            assert_eq!(g.retained_bytes(), after_first_hour, "minute {minute}");
            assert_eq!(e.samples, 60);
        }
    }
    assert_eq!(g.retained_buckets(), 60);
    assert!(after_first_hour < 200_000, "{after_first_hour}");
    eprintln!("retained bytes for a 1h/60-slice window: {after_first_hour}");
}

#[test]
fn a_sustained_bound_needs_ceil_n_over_every_ticks_never_fewer_than_the_default() {
    assert_eq!(breach_ticks(2, None, 60), 2);
    // "for 2 consecutive minutes" at 1-minute ticks: the default already.
    assert_eq!(breach_ticks(2, Some(120), 60), 2);
    assert_eq!(breach_ticks(2, Some(300), 60), 5);
    assert_eq!(breach_ticks(2, Some(150), 60), 3);
    assert_eq!(breach_ticks(2, Some(30), 60), 2);
    assert_eq!(breach_ticks(2, Some(600), 0), 600);

    // The plan keeps the duration of the breach bound that wins.
    use crate::thresholds::{Level, Threshold, Unit};
    let t = |value, line, sustained_secs| Threshold {
        metric: Metric::ErrorRate,
        comparator: Comparator::Gt,
        value,
        unit: Unit::Percent,
        level: Level::Breach,
        line,
        source: String::new(),
        sustained_secs,
    };
    let (b, _) = plan(&[t(5.0, 1, None), t(1.0, 2, Some(300))]);
    assert_eq!(b[0].sustained_secs, Some(300));
    let (b, _) = plan(&[t(1.0, 1, Some(300)), t(5.0, 2, None)]);
    assert_eq!(b[0].sustained_secs, Some(300));
    let (b, _) = plan(&[t(1.0, 1, Some(300)), t(1.0, 2, None)]);
    assert_eq!(
        b[0].sustained_secs, None,
        "a tie keeps the stricter reading"
    );

    // A gate built with those ticks breaches at the fifth bad minute.
    let mut g = Gate::new(
        GateConfig {
            breach_after: breach_ticks(2, Some(300), 60),
            ..cfg(Aggregate::Max)
        },
        None,
        upper(0.05),
    )
    .unwrap();
    let states: Vec<State> = (0..6u64)
        .map(|m| {
            g.record(m * 60, 0.08).unwrap();
            g.evaluate(m * 60).state
        })
        .collect();
    // Over the bound but not yet for 5 minutes: a warning until then.
    assert_eq!(states[..4], [State::Warn; 4]);
    assert_eq!(states[4..], [State::Breach; 2]);
}
