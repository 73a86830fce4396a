//! Summaries of a [`LoadReport`]: the JSON document and a k6-like text block.
//!
//! The JSON's top-level keys are those of [`LoadReport`]: `requests`, `rps`, `latency_ms`
//! (`p50`, `p90`, `p95`, `p99`, `max`, `avg`, `min`), `failed_rate`, `errors` (by kind),
//! `thresholds` (`metric`, `expr`, `value`, `ok`), `checks`, `endpoints` (the same figures
//! per endpoint) and run facts (`duration_s`, `vus_max`, `aborted`, …).

use std::fmt::Write as _;

use crate::error::ErrorKind;
use crate::stats::LoadReport;
use crate::threshold::ThresholdResult;

/// The JSON summary, pretty-printed.
pub fn to_json(report: &LoadReport) -> String {
    serde_json::to_string_pretty(report).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

/// A duration in ms the way k6 prints it: `512µs`, `20.31ms`, `1.2s`.
pub fn format_ms(ms: f64) -> String {
    if ms < 1.0 {
        format!("{:.0}µs", ms * 1000.0)
    } else if ms < 1000.0 {
        format!("{}ms", trim(format!("{ms:.2}")))
    } else {
        format!("{}s", trim(format!("{:.2}", ms / 1000.0)))
    }
}

fn trim(s: String) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

fn dotted(name: &str) -> String {
    let mut s = name.to_string();
    s.push_str(&".".repeat(31usize.saturating_sub(name.chars().count())));
    s.push(':');
    s
}

fn mark(ok: bool) -> char {
    if ok { '✓' } else { '✗' }
}

/// The k6-like text summary: checks, one line per metric (✓/✗ where thresholds apply, each
/// threshold below its metric), errors by kind and one line per endpoint.
pub fn render_text(report: &LoadReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "  {} requests in {:.1}s, {:.1}/s, {} VUs max, {} thread{}",
        report.requests,
        report.duration_s,
        report.rps,
        report.vus_max,
        report.threads,
        if report.threads == 1 { "" } else { "s" }
    );
    if let Some(reason) = &report.aborted {
        let _ = writeln!(out, "  ABORTED: {reason}");
    }
    out.push('\n');
    for c in &report.checks {
        let _ = writeln!(out, "     {} {}", mark(c.fails == 0), c.name);
        if c.fails > 0 {
            let total = c.passes + c.fails;
            let _ = writeln!(
                out,
                "      ↳  {:.0}% — ✓ {} / ✗ {}",
                100.0 * c.passes as f64 / total as f64,
                c.passes,
                c.fails
            );
        }
    }
    if !report.checks.is_empty() {
        out.push('\n');
    }
    let metric_line = |out: &mut String, metric: &str, body: String| {
        let results: Vec<&ThresholdResult> = report
            .thresholds
            .iter()
            .filter(|t| t.metric == metric)
            .collect();
        let prefix = if results.is_empty() {
            ' '
        } else {
            mark(results.iter().all(|t| t.ok))
        };
        let _ = writeln!(out, "   {prefix} {} {body}", dotted(metric));
        for t in results {
            let _ = writeln!(
                out,
                "       {} {} (value {})",
                mark(t.ok),
                t.expr,
                show_value(t)
            );
        }
    };
    if !report.checks.is_empty() || report.thresholds.iter().any(|t| t.metric == "checks") {
        let (passes, fails) = report
            .checks
            .iter()
            .fold((0, 0), |(p, f), c| (p + c.passes, f + c.fails));
        metric_line(
            &mut out,
            "checks",
            format!("{:.2}% ✓ {passes:<8} ✗ {fails}", report.checks_rate * 100.0),
        );
    }
    let l = &report.latency_ms;
    metric_line(
        &mut out,
        "http_req_duration",
        format!(
            "avg={} min={} med={} max={} p(90)={} p(95)={} p(99)={}",
            format_ms(l.avg),
            format_ms(l.min),
            format_ms(l.p50),
            format_ms(l.max),
            format_ms(l.p90),
            format_ms(l.p95),
            format_ms(l.p99)
        ),
    );
    metric_line(
        &mut out,
        "http_req_failed",
        format!(
            "{:.2}% ✓ {:<8} ✗ {}",
            report.failed_rate * 100.0,
            report.failed,
            report.requests - report.failed
        ),
    );
    metric_line(
        &mut out,
        "http_reqs",
        format!("{:<8} {:.1}/s", report.requests, report.rps),
    );
    let errors: Vec<String> = ErrorKind::ALL
        .iter()
        .map(|&k| format!("{}={}", k.as_str(), report.errors.get(k)))
        .collect();
    let _ = writeln!(out, "     {} {}", dotted("errors"), errors.join(" "));
    if report.dropped_iterations > 0 {
        let _ = writeln!(
            out,
            "     {} {}",
            dotted("dropped_iterations"),
            report.dropped_iterations
        );
    }
    if report.endpoints.len() > 1 {
        out.push_str("\n     endpoints\n");
        for e in &report.endpoints {
            let _ = writeln!(
                out,
                "       {}: {} req {:.1}/s med={} p(95)={} p(99)={} failed={:.2}%",
                e.name,
                e.requests,
                e.rps,
                format_ms(e.latency_ms.p50),
                format_ms(e.latency_ms.p95),
                format_ms(e.latency_ms.p99),
                e.failed_rate * 100.0
            );
        }
    }
    out
}

fn show_value(t: &ThresholdResult) -> String {
    match t.metric.as_str() {
        "http_req_duration" => format_ms(t.value),
        "http_reqs" if t.expr.starts_with("count") => format!("{}", t.value),
        "http_reqs" => format!("{:.1}/s", t.value),
        _ => format!("{:.2}%", t.value * 100.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Target;
    use crate::stats::{EndpointAcc, Outcome, WorkerAcc};
    use crate::threshold::parse_threshold;

    fn report() -> LoadReport {
        let targets = vec![Target::get("http://127.0.0.1:1/health")];
        let mut w = WorkerAcc::new(&targets);
        for i in 0..95 {
            w.record(0, Outcome::Status(200), Some(20_000 + i * 10), 20, &[]);
        }
        for _ in 0..5 {
            w.record(0, Outcome::Status(500), Some(1_500_000), 0, &[]);
        }
        let merged: Vec<EndpointAcc> = w.endpoints.clone();
        let mut r = LoadReport::build(&targets, &merged, 10.0, 4, 1);
        r.evaluate_thresholds(&[
            parse_threshold("http_req_duration", "p(95)<300").unwrap(),
            parse_threshold("http_req_failed", "rate<0.01").unwrap(),
        ]);
        r
    }

    #[test]
    fn json_has_the_promised_keys() {
        let v: serde_json::Value = serde_json::from_str(&to_json(&report())).unwrap();
        for k in [
            "requests",
            "rps",
            "latency_ms",
            "failed_rate",
            "errors",
            "thresholds",
            "endpoints",
            "checks",
        ] {
            assert!(v.get(k).is_some(), "missing {k}");
        }
        for k in ["p50", "p90", "p95", "p99", "max", "avg", "min"] {
            assert!(v["latency_ms"][k].is_number(), "latency_ms.{k}");
        }
        for k in ["connect", "timeout", "status_4xx", "status_5xx", "other"] {
            assert!(v["errors"][k].is_u64(), "errors.{k}");
        }
        assert_eq!(v["errors"]["status_5xx"], 5);
        assert_eq!(v["thresholds"][0]["expr"], "p(95)<300");
        assert_eq!(v["thresholds"][1]["ok"], false);
        assert_eq!(v["endpoints"][0]["requests"], 100);
    }

    #[test]
    fn text_is_k6_like() {
        let text = render_text(&report());
        assert!(
            text.contains("✗ http_req_failed................: 5.00% ✓ 5"),
            "{text}"
        );
        assert!(
            text.contains("http_req_duration..............: avg="),
            "{text}"
        );
        assert!(text.contains("p(95)="), "{text}");
        assert!(text.contains("       ✗ rate<0.01 (value 5.00%)"), "{text}");
        assert!(
            text.contains("http_reqs......................: 100"),
            "{text}"
        );
    }

    #[test]
    fn formats_durations_like_k6() {
        assert_eq!(format_ms(0.512), "512µs");
        assert_eq!(format_ms(20.314), "20.31ms");
        assert_eq!(format_ms(20.0), "20ms");
        assert_eq!(format_ms(1200.0), "1.2s");
    }
}
