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
        "# R\n\n## Post-deployment monitoring (24 hours)\n\n- [ ] CPU/memory < 80%\n- [ ] Benchmarks met (95% < 300ms, <5% errors)\n- [ ] Bundle < 500KB\n- [ ] Everything fine\n",
    );
    assert!(g.thresholds.is_empty(), "{:?}", g.thresholds);
    let reasons: Vec<_> = g
        .not_understood
        .iter()
        .map(|n| (n.line, n.reason))
        .collect();
    assert_eq!(reasons.len(), 3, "{reasons:?}");
}

#[test]
fn base_units() {
    let t = |value, unit| to_base(value, unit);
    assert_eq!(t(250.0, Unit::Millis), 0.25);
    assert_eq!(t(1.0, Unit::Percent), 0.01);
    assert_eq!(t(2.0, Unit::Seconds), 2.0);
    assert_eq!(t(0.05, Unit::Ratio), 0.05);
}

// ---------------------------------------------------------------------------
// Lines of the real-document corpus (fixtures/checklists), each held to what
// a person reads in it. Each test names the document and line it came from.

/// Reads a document with its source, as `watch` does.
fn with_source(text: &str) -> Gates {
    read_gates_with_source(&greenlight_doc::parse(text.as_bytes()), text.as_bytes())
}

/// `L<line> <level> <metric> <op> <value><unit>[ for <secs>s]`, one per line.
fn short(g: &Gates) -> Vec<String> {
    g.thresholds
        .iter()
        .map(|t| {
            let op = serde_json::to_value(t.comparator).unwrap();
            let unit = match t.unit {
                Unit::Millis => "ms",
                Unit::Seconds => "s",
                Unit::Percent => "%",
                Unit::Ratio => "",
            };
            let sustained = t
                .sustained_secs
                .map(|s| format!(" for {s}s"))
                .unwrap_or_default();
            format!(
                "L{} {:?} {:?} {} {}{unit}{sustained}",
                t.line,
                t.level,
                t.metric,
                op.as_str().unwrap(),
                t.value
            )
        })
        .collect()
}

#[test]
fn a06_rollback_criteria_bullets_beside_checkboxes() {
    // a06_sddf-deployment-checklist.md L33-37: plain bullets under a
    // rollback heading in a document of checkboxes are no items of the parse.
    let text = "# D\n\n## Post\n\n- [ ] Logs clean\n\n## Rollback Criteria\n\n- Error rate > 1%\n- Response time > 2x baseline\n";
    assert!(doc(text).thresholds.is_empty());
    let g = with_source(text);
    assert_eq!(short(&g), ["L9 Breach ErrorRate > 1%"]);
    assert_eq!(g.not_understood.len(), 1, "{:?}", g.not_understood);
    assert_eq!(g.not_understood[0].line, 10);
}

#[test]
fn a15_sustained_triggers_and_warning_critical_pairs() {
    // a15_guardrails-release-runbook.md L115-122 and L148-161.
    let g = with_source(
        "# R\n\n## Rollback Procedures\n\n### Automatic Rollback Triggers\n\n- Error rate > 1% for 2 consecutive minutes\n- Memory usage > 85% for 5 minutes\n\n## Monitoring & Alerts\n\n### Key Metrics Dashboard\n\n- **Response Time:** < 500ms (Warning), < 1s (Critical)\n- **Error Rate:** < 0.1% (Warning), < 0.5% (Critical)\n- [ ] Response times < 500ms\n",
    );
    assert_eq!(
        short(&g),
        [
            "L7 Breach ErrorRate > 1% for 120s",
            "L8 Breach Memory > 85% for 300s",
            "L14 Warn Latency { percentile: None } >= 500ms",
            "L14 Breach Latency { percentile: None } >= 1s",
            "L15 Warn ErrorRate >= 0.1%",
            "L15 Breach ErrorRate >= 0.5%",
            // A target under an `Alerts` heading is still a target: the
            // healthy side, turned around (it was read `< 500ms` as the
            // breach before).
            "L16 Warn Latency { percentile: None } >= 500ms",
        ]
    );
}

#[test]
fn a15_a_bracketed_template_value_is_not_read() {
    // a15_guardrails-release-runbook.md L265.
    let g = with_source(
        "# R\n\n## Release Success Metrics\n\n- Deployment Anxiety: [1-5 scale, target: < 2]\n",
    );
    assert!(g.thresholds.is_empty(), "{:?}", g.thresholds);
    assert_eq!(g.not_understood.len(), 1);
}

#[test]
fn a14_label_before_the_metric_and_a_duration_after() {
    // a14_hoa-go-no-go-gates.md L437-438.
    let g = with_source(
        "# G\n\n## Rollback Triggers\n\n- [ ] **Performance Degradation:** p95 latency >1000ms sustained for >15 minutes\n- [ ] **Email Delivery Failure:** Success rate <80% for 24 hours\n",
    );
    assert_eq!(
        short(&g),
        [
            "L5 Breach Latency { percentile: Some(95) } > 1000ms for 900s",
            "L6 Breach Custom(\"email delivery failure success rate\") < 80% for 86400s",
        ]
    );
}

#[test]
fn a14_kpi_table_rows_are_read_once() {
    // a14_hoa-go-no-go-gates.md L366-375: a `KPI` column; the rows are also
    // items of a table checklist and must not be read a second time.
    let g = with_source(
        "# G\n\n### KPI Checkpoint: 30-Day Post-GA Results\n\n| KPI | 30-Day Actual | Target | Status |\n|-----|---|---|---|\n| Health Check Pass Rate | ___% | >99% | 🟢/🟡/🔴 |\n| Avg Response Time (p95) | ___ms | <250ms | 🟢/🟡/🔴 |\n| Moderation SLA (<48h) | ___% | >90% | 🟢/🟡/🔴 |\n",
    );
    assert_eq!(
        short(&g),
        [
            "L7 Warn Custom(\"health check pass rate\") <= 99%",
            "L8 Warn Latency { percentile: Some(95) } >= 250ms",
            "L9 Warn Custom(\"moderation sla 48h\") <= 90%",
        ]
    );
    assert!(g.not_understood.is_empty(), "{:?}", g.not_understood);
}

#[test]
fn a17_a_list_of_alert_thresholds_on_one_line() {
    // a17_pm-golive-template.md L770 and L85 (a load-test criterion with a
    // count after it stays unread).
    let g = with_source(
        "# G\n\n## Post-Go-Live Monitoring\n\n- Alert on: Response time >3 sec, error rate >1%\n- Criteria: Response time <2 sec, 500 concurrent users\n",
    );
    assert_eq!(
        short(&g),
        [
            "L5 Breach Latency { percentile: None } > 3s",
            "L5 Breach ErrorRate > 1%",
        ]
    );
    assert_eq!(g.not_understood.len(), 1);
    assert_eq!(g.not_understood[0].line, 6);
}

#[test]
fn a10_a_ratio_restated_as_a_percent() {
    // a10_wimd-deployment-verification.md L80.
    let g = with_source(
        "# V\n\n## Post-Deployment (Immediate - Within 5 Minutes)\n\n- [ ] `\"metrics.error_rate\"` < 0.05 (5%)\n",
    );
    assert_eq!(
        short(&g),
        ["L5 Warn Custom(\"metrics.error rate\") >= 0.05"]
    );
}

#[test]
fn a22_watch_for_spikes() {
    // a22_leadgen-load-testing-runbook.md L60-61.
    let g = with_source(
        "# L\n\n## 5. Monitoring During Execution\n\n- **p99 Latency**: Watch for spikes > 1000ms.\n- **Error Rate**: Any sustained error rate > 1% should trigger an investigation.\n",
    );
    assert_eq!(
        short(&g),
        ["L5 Warn Latency { percentile: Some(99) } > 1000ms"]
    );
    assert_eq!(g.not_understood.len(), 1);
}

#[test]
fn b02_b25_alert_words_and_metric_names_in_chinese() {
    // b02_zh-week2-deploy-checklist.md L434-438, b25_zhtw-qa-deployment-
    // checklist-fenced.md L305-307 and L363-364.
    let g = with_source(
        "# 部署\n\n## 📊 监控和告警\n\n### 监控指标\n\n- [ ] CPU > 80% 告警\n- [ ] 内存 > 90% 告警\n- [ ] 错误率 > 1% 告警\n\n## Rollback\n\n- 錯誤率 >5% (連續 2 分鐘)\n- P99 響應時間 >1000ms (連續 2 分鐘)\n\n## Canary\n\n2. 監控指標\n   - 錯誤率 (目標: <1%)\n   - 響應時間 (目標: <300ms p95)\n",
    );
    assert_eq!(
        short(&g),
        [
            "L7 Breach Cpu > 80%",
            "L8 Breach Memory > 90%",
            "L9 Breach ErrorRate > 1%",
            "L13 Breach ErrorRate > 5% for 120s",
            "L14 Breach Latency { percentile: Some(99) } > 1000ms for 120s",
            "L19 Warn ErrorRate >= 1%",
            "L20 Warn Latency { percentile: Some(95) } >= 300ms",
        ]
    );
}

#[test]
fn b01_b13_b16_b17_metric_names_in_other_languages() {
    // b01_zh-deploy-checklist-keenchase.md L179, b13_ru-post-deployment-
    // checklist.md L156, b16_es-checklist-despliegue-drtc.md L119,
    // b17_es-checklist-despliegue-fases.md L264.
    let g = with_source(
        "# D\n\n## Post-deployment monitoring\n\n- [ ] API 响应 < 500ms\n- [ ] Средняя длительность запросов < 2 секунд\n- [ ] Memoria < 80%\n- CPU usage: ___________ % (esperado: < 50%)\n",
    );
    assert_eq!(
        short(&g),
        [
            "L5 Warn Latency { percentile: None } >= 500ms",
            "L6 Warn Custom(\"средняя длительность запросов\") >= 2s",
            "L7 Warn Memory >= 80%",
            "L8 Warn Cpu >= 50%",
        ]
    );
}

#[test]
fn b17_a_score_trigger_keeps_its_direction() {
    // b17_es-checklist-despliegue-fases.md L336-337: a rollback trigger on a
    // scan score was read `< 9` (warn) because `score` was taken for a
    // metric where low values are bad.
    let g = with_source(
        "# D\n\n## Criterios de Rollback\n\n- [ ] **Vulnerabilidades CRITICAL detectadas**\n  - Trivy detecta vulnerabilidades CRITICAL (score ≥ 9.0)\n",
    );
    assert_eq!(
        short(&g),
        ["L6 Breach Custom(\"trivy detecta vulnerabilidades critical score\") >= 9"]
    );
}

#[test]
fn b22_threshold_column_alone_and_a_monitoring_parent() {
    // b22_en-db-migration-runbook.md L176 and L269-275.
    let g = with_source(
        "# M\n\n### Phase 3: Verification\n\n3. **Monitoring Verification**\n   - **Error Rates**: Should be < 0.1%\n\n### Key Metrics to Watch\n\n| Metric | Tool | Threshold | Action |\n|---|---|---|---|\n| Error Rate | Sentry | > 0.5% | Consider rollback |\n| Long Queries | pg_stat_activity | > 30 seconds | Investigate |\n",
    );
    assert_eq!(
        short(&g),
        ["L6 Warn ErrorRate >= 0.1%", "L12 Breach ErrorRate > 0.5%"]
    );
    assert_eq!(g.not_understood.len(), 1);
    assert_eq!(g.not_understood[0].line, 13);
}

#[test]
fn seed_004_disk_space_free() {
    // seeds/004 L208: `Disk space alert (<20% free)`: the free share breaches
    // when low.
    let g = with_source(
        "# P\n\n## Monitoring & Alerting\n\n- [ ] **Alert Configuration**\n  - [ ] Disk space alert (<20% free)\n",
    );
    assert_eq!(short(&g), ["L6 Breach Custom(\"disk space free\") < 20%"]);
}

#[test]
fn a24_inline_promql_items() {
    // a24_controlfinance-release-production.md L107-113.
    let g = with_source(
        "# R\n\n### Metric Contract Verification (Grafana Explore)\n- [ ] Request rate by status class:\n  - [ ] `sum by (status) (rate(http_requests_total{job=\"api\"}[5m]))`\n- [ ] P95 latency for `/transactions`:\n  - [ ] `histogram_quantile(0.95, sum by (le) (rate(http_request_latency_ms_bucket{job=\"api\"}[5m])))`\n- [ ] `kubectl get pods`\n",
    );
    let lines: Vec<usize> = g.promql.iter().map(|q| q.line).collect();
    assert_eq!(lines, [5, 7]);
}

#[test]
fn a14_items_under_a_performance_label() {
    // a14_hoa-go-no-go-gates.md L340-343: checkbox items whose only metrics
    // context is the bold label above the list.
    let text = "# G\n\n### Verification Criteria\n\n**Stability & Performance:**\n- [ ] 30 days of uptime with no feature-related incidents\n- [ ] Health check pass rate: >99%\n- [ ] Average response time stable: p95 <250ms\n\n**Functional Acceptance:**\n- [ ] Survey: >4/5 average usability score\n";
    assert!(doc(text).thresholds.is_empty());
    let g = with_source(text);
    assert_eq!(
        short(&g),
        [
            "L7 Warn Custom(\"health check pass rate\") <= 99%",
            "L8 Warn Latency { percentile: Some(95) } >= 250ms",
        ]
    );
    assert!(g.not_understood.is_empty(), "{:?}", g.not_understood);
}

#[test]
fn the_briefs_forms_and_numbers_that_are_no_thresholds() {
    let g = with_source(
        "# R\n\n## Post-deployment monitoring (24 hours)\n\n- [ ] p99 under 1s\n- [ ] error rate below 0.1%\n- [ ] CPU < 70%\n- [ ] Success rate ≥ 99%\n- [ ] RTO defined (4 hours)\n- [ ] Version 2.3.1 deployed on 2024-01-15\n- [ ] 3 replicas running\n- [ ] Port 8080 open\n- [ ] Traffic at 100% on the new pods\n",
    );
    assert_eq!(
        short(&g),
        [
            "L5 Warn Latency { percentile: Some(99) } >= 1s",
            "L6 Warn ErrorRate >= 0.1%",
            "L7 Warn Cpu >= 70%",
            "L8 Warn Custom(\"success rate\") < 99%",
        ]
    );
    assert!(g.not_understood.is_empty(), "{:?}", g.not_understood);
}

#[test]
fn alert_when_names_no_metric_of_its_own() {
    // "when" introduces the condition like "if": the metric is the error
    // rate, not a made-up "when error rate".
    let g = doc("# R\n\n## Monitoring\n\n- [ ] Alert when error rate > 5%\n");
    assert_eq!(short(&g), ["L5 Breach ErrorRate > 5%"]);
    assert!(g.not_understood.is_empty(), "{:?}", g.not_understood);
}

#[test]
fn a_value_that_triggers_an_alert_is_a_breach() {
    let g = doc(
        "# R\n\n## Monitoring\n\n- [ ] Error rate > 5% triggers an alert\n- [ ] p95 latency > 800ms triggers rollback\n- [ ] Error rate > 2% triggers a meeting\n",
    );
    assert_eq!(
        short(&g),
        [
            "L5 Breach ErrorRate > 5%",
            "L6 Breach Latency { percentile: Some(95) } > 800ms"
        ]
    );
    // A consequence that names no level stays not understood.
    assert_eq!(g.not_understood.len(), 1, "{:?}", g.not_understood);
    assert_eq!(g.not_understood[0].line, 7);
}
