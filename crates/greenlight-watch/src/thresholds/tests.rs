use super::*;
use std::fmt::Write as _;

fn seed(prefix: &str) -> Checklist {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/seeds");
    let entry = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with(prefix))
        .unwrap();
    greenlight_doc::parse(&std::fs::read(entry).unwrap())
}

/// One line per threshold, for snapshots a person can read.
fn render(g: &Gates) -> String {
    let mut out = String::new();
    for t in &g.thresholds {
        let op = serde_json::to_value(t.comparator).unwrap();
        let unit = match t.unit {
            Unit::Millis => "ms",
            Unit::Seconds => "s",
            Unit::Percent => "%",
            Unit::Ratio => "",
        };
        writeln!(
            out,
            "L{:<4} {:<6} {:?} {} {}{}   <- {}",
            t.line,
            format!("{:?}", t.level).to_lowercase(),
            t.metric,
            op.as_str().unwrap(),
            t.value,
            unit,
            t.source
        )
        .unwrap();
    }
    for n in &g.not_understood {
        writeln!(
            out,
            "L{:<4} NOT UNDERSTOOD ({}): {}",
            n.line, n.reason, n.text
        )
        .unwrap();
    }
    for q in &g.promql {
        writeln!(out, "L{:<4} promql: {}", q.line, q.query).unwrap();
    }
    out
}

#[test]
fn seed_000_monitoring_code_blocks() {
    insta::assert_snapshot!(render(&read_gates(&seed("000"))));
}

#[test]
fn seed_001_key_metrics_table() {
    let g = read_gates(&seed("001"));
    // The table's p95 row: target < 300ms warns at >= 300ms, critical < 500ms
    // breaches at >= 500ms.
    let p95: Vec<_> = g
        .thresholds
        .iter()
        .filter(|t| {
            t.metric
                == Metric::Latency {
                    percentile: Some(95),
                }
                && t.line == 367
        })
        .collect();
    assert_eq!(p95.len(), 2, "{p95:?}");
    assert_eq!(
        (p95[0].level, p95[0].comparator, p95[0].value),
        (Level::Warn, Comparator::Ge, 300.0)
    );
    assert_eq!(
        (p95[1].level, p95[1].comparator, p95[1].value),
        (Level::Breach, Comparator::Ge, 500.0)
    );
    insta::assert_snapshot!(render(&g));
}

#[test]
fn seed_002_rollback_triggers() {
    insta::assert_snapshot!(render(&read_gates(&seed("002"))));
}

#[test]
fn seed_003_soak_and_watch() {
    insta::assert_snapshot!(render(&read_gates(&seed("003"))));
}

#[test]
fn seed_004_criteria_and_alerts() {
    insta::assert_snapshot!(render(&read_gates(&seed("004"))));
}

fn doc(text: &str) -> Gates {
    read_gates(&greenlight_doc::parse(text.as_bytes()))
}

#[test]
fn sentences_and_cells_of_the_brief() {
    let g = doc(
        "# R\n\n## Post-deploy monitoring\n\n- [ ] p95 < 250ms\n- [ ] Availability > 99.9%\n\n## Rollback triggers\n\n- [ ] Rollback if error rate exceeds 5%\n- [ ] error rate > 1%\n\n## Watch\n\n| Metric | Target | Rollback |\n|---|---|---|\n| p99 latency | < 200ms | > 500ms |\n| Errors | < 0.1% | > 2% |\n| Flux | soon | > 3 |\n\n```promql\nsum(rate(http_requests_total{code=~\"5..\"}[5m]))\n```\n",
    );
    insta::assert_snapshot!(render(&g), @r#"
    L5    warn   Latency { percentile: Some(95) } >= 250ms   <- p95 < 250ms
    L6    warn   Availability <= 99.9%   <- Availability > 99.9%
    L10   breach ErrorRate > 5%   <- Rollback if error rate exceeds 5%
    L11   breach ErrorRate > 1%   <- error rate > 1%
    L17   warn   Latency { percentile: Some(99) } >= 200ms   <- p99 latency | < 200ms | > 500ms
    L17   breach Latency { percentile: Some(99) } > 500ms   <- p99 latency | < 200ms | > 500ms
    L18   warn   ErrorRate >= 0.1%   <- Errors | < 0.1% | > 2%
    L18   breach ErrorRate > 2%   <- Errors | < 0.1% | > 2%
    L19   NOT UNDERSTOOD (no comparison with a number in the cell): Flux | soon | > 3
    L22   promql: sum(rate(http_requests_total{code=~"5.."}[5m]))
    "#);
}

#[test]
fn ambiguous_lines_are_reported_not_guessed() {
    let g = doc(
        "# R\n\n## Post-deployment monitoring (24 hours)\n\n- [ ] CPU/memory < 80%\n- [ ] Benchmarks met (95% < 300ms, <5% errors)\n- [ ] Bundle < 500KB\n- [ ] Disk space alert (<20% free)\n- [ ] Everything fine\n",
    );
    assert!(g.thresholds.is_empty(), "{:?}", g.thresholds);
    let reasons: Vec<_> = g
        .not_understood
        .iter()
        .map(|n| (n.line, n.reason))
        .collect();
    assert_eq!(reasons.len(), 4, "{reasons:?}");
}

#[test]
fn base_units() {
    let t = |value, unit| to_base(value, unit);
    assert_eq!(t(250.0, Unit::Millis), 0.25);
    assert_eq!(t(1.0, Unit::Percent), 0.01);
    assert_eq!(t(2.0, Unit::Seconds), 2.0);
    assert_eq!(t(0.05, Unit::Ratio), 0.05);
}
