//! Inline SVG charts of a load test: latency percentiles over time, and
//! the error rate, drawn from the per-second intervals the load report
//! records.

use greenlight_load::IntervalStats;
use greenlight_run::redact::Redactor;
use maud::{Markup, PreEscaped, html};
use std::fmt::Write as _;

const W: f64 = 640.0;
const H: f64 = 220.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 34.0;

/// A line to draw: its name, colour, dash pattern and values.
struct Series<'a> {
    name: &'a str,
    colour: &'a str,
    dash: &'a str,
    values: Vec<f64>,
}

/// Latency p50, p95 and p99 per second (ms).
pub fn latency_chart(intervals: &[IntervalStats]) -> Markup {
    let series = [
        Series {
            name: "p50",
            colour: "#0969da",
            dash: "",
            values: intervals.iter().map(|i| i.p50_ms).collect(),
        },
        Series {
            name: "p95",
            colour: "#9a6700",
            dash: "6 3",
            values: intervals.iter().map(|i| i.p95_ms).collect(),
        },
        Series {
            name: "p99",
            colour: "#cf222e",
            dash: "2 2",
            values: intervals.iter().map(|i| i.p99_ms).collect(),
        },
    ];
    chart(
        "Latency percentiles over time",
        "ms",
        intervals,
        &series,
        |v| format!("{} ms", short(v)),
    )
}

/// The failed share of requests per second (%).
pub fn error_rate_chart(intervals: &[IntervalStats]) -> Markup {
    let series = [Series {
        name: "error rate",
        colour: "#cf222e",
        dash: "",
        values: intervals.iter().map(|i| i.error_rate() * 100.0).collect(),
    }];
    chart("Error rate over time", "%", intervals, &series, |v| {
        format!("{}%", short(v))
    })
}

/// A load step's figures and its charts, from its evidence (`evidence.load`,
/// the `greenlight load --json` summary). Reports from before per-second
/// intervals were recorded show the figures and say that no chart can be
/// drawn.
pub fn load_charts(redactor: &Redactor, load: &serde_json::Value) -> Markup {
    let f = |path: &[&str]| {
        let mut v = load;
        for p in path {
            v = &v[*p];
        }
        v.as_f64()
    };
    let intervals: Vec<IntervalStats> = load
        .get("intervals")
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default();
    let thresholds = load["thresholds"].as_array().cloned().unwrap_or_default();
    html! {
        table {
            caption.sr { "Load figures" }
            thead { tr {
                th.num scope="col" { "requests" } th.num scope="col" { "req/s" }
                th.num scope="col" { "p50" } th.num scope="col" { "p95" } th.num scope="col" { "p99" }
                th.num scope="col" { "max" } th.num scope="col" { "failed" }
            } }
            tbody { tr {
                td.num { (num(f(&["requests"]), 0)) }
                td.num { (num(f(&["rps"]), 1)) }
                td.num { (num(f(&["latency_ms", "p50"]), 2)) " ms" }
                td.num { (num(f(&["latency_ms", "p95"]), 2)) " ms" }
                td.num { (num(f(&["latency_ms", "p99"]), 2)) " ms" }
                td.num { (num(f(&["latency_ms", "max"]), 2)) " ms" }
                td.num { (num(f(&["failed_rate"]).map(|r| r * 100.0), 2)) "%" }
            } }
        }
        @if !thresholds.is_empty() {
            ul.plain {
                @for t in &thresholds {
                    @let ok = t["ok"].as_bool().unwrap_or(false);
                    li {
                        @if ok { b.passed { "✓ held" } } @else { b.failed { "✗ crossed" } }
                        " " code { (redactor.redact(t["metric"].as_str().unwrap_or(""))) }
                        " " (redactor.redact(t["expr"].as_str().unwrap_or("")))
                        " (value " (num(t["value"].as_f64(), 3)) ")"
                    }
                }
            }
        }
        @if let Some(why) = load["aborted"].as_str() {
            p { b.failed { "aborted" } " " (redactor.redact(why)) }
        }
        @if intervals.is_empty() {
            p.meta { "No per-second figures were recorded for this load step (recorded before greenlight kept them), so no chart is drawn." }
        } @else {
            (latency_chart(&intervals))
            (error_rate_chart(&intervals))
        }
    }
}

fn num(v: Option<f64>, decimals: usize) -> String {
    v.map_or_else(|| "–".to_string(), |v| format!("{v:.decimals$}"))
}

/// The SVG: axes with three ticks each, one polyline per series, a
/// legend naming each line (colour and dash, so colour is not the only
/// cue), and the figures as a table for screen readers and print.
fn chart(
    title: &str,
    unit: &str,
    intervals: &[IntervalStats],
    series: &[Series],
    label: impl Fn(f64) -> String,
) -> Markup {
    let t_max = intervals.iter().map(|i| i.t_s).fold(0.0, f64::max).max(1.0);
    let v_max = nice_ceiling(
        series
            .iter()
            .flat_map(|s| s.values.iter().copied())
            .filter(|v| v.is_finite())
            .fold(0.0, f64::max),
    );
    let x = |t: f64| LEFT + (t / t_max) * (W - LEFT - RIGHT);
    let y = |v: f64| TOP + (1.0 - v / v_max) * (H - TOP - BOTTOM);
    let mut svg = String::new();
    let _ = write!(
        svg,
        r##"<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="{W}" height="{H}" role="img" aria-label="{title}">"##
    );
    // Axes and grid.
    let (x0, x1, y0, y1) = (LEFT, W - RIGHT, TOP, H - BOTTOM);
    let _ = write!(
        svg,
        r##"<path d="M{x0} {y0}V{y1}H{x1}" fill="none" stroke="#57606a"/>"##
    );
    for k in 0..=2 {
        let v = v_max * k as f64 / 2.0;
        let yy = y(v);
        let _ = write!(
            svg,
            r##"<line x1="{x0}" x2="{x1}" y1="{yy:.1}" y2="{yy:.1}" stroke="#d0d7de"/><text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"##,
            x0 - 4.0,
            yy + 4.0,
            html! { (label(v)) }.into_string()
        );
        let t = t_max * k as f64 / 2.0;
        let _ = write!(
            svg,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="middle">{}s</text>"##,
            x(t),
            y1 + 14.0,
            short(t)
        );
    }
    let _ = write!(
        svg,
        r##"<text x="{:.1}" y="{:.1}" text-anchor="middle">time since start (s)</text>"##,
        (x0 + x1) / 2.0,
        H - 4.0
    );
    for (n, s) in series.iter().enumerate() {
        let points: Vec<String> = intervals
            .iter()
            .zip(&s.values)
            .map(|(i, &v)| format!("{:.1},{:.1}", x(i.t_s), y(v.max(0.0))))
            .collect();
        let dash = if s.dash.is_empty() {
            String::new()
        } else {
            format!(r#" stroke-dasharray="{}""#, s.dash)
        };
        let _ = write!(
            svg,
            r##"<polyline data-series="{name}" fill="none" stroke="{c}" stroke-width="2"{dash} points="{p}"/>"##,
            name = s.name,
            c = s.colour,
            p = points.join(" ")
        );
        // Dots at the points of a short run (one point draws no line).
        if intervals.len() <= 20 {
            for (i, &v) in intervals.iter().zip(&s.values) {
                let _ = write!(
                    svg,
                    r##"<circle cx="{:.1}" cy="{:.1}" r="2.5" fill="{c}"/>"##,
                    x(i.t_s),
                    y(v.max(0.0)),
                    c = s.colour
                );
            }
        }
        // Legend, top right.
        let ly = TOP + 10.0 + 14.0 * n as f64;
        let lx = x1 - 110.0;
        let _ = write!(
            svg,
            r##"<line x1="{lx}" x2="{:.1}" y1="{ly}" y2="{ly}" stroke="{c}" stroke-width="2"{dash}/><text x="{:.1}" y="{:.1}">{name}</text>"##,
            lx + 22.0,
            lx + 26.0,
            ly + 4.0,
            c = s.colour,
            name = s.name
        );
    }
    svg.push_str("</svg>");
    html! {
        figure {
            figcaption { (title) " (" (unit) ")" }
            (PreEscaped(svg))
            details {
                summary { "Figures" }
                table {
                    thead { tr { th.num scope="col" { "t (s)" } th.num scope="col" { "requests" }
                        @for s in series { th.num scope="col" { (s.name) } } } }
                    tbody {
                        @for (k, i) in intervals.iter().enumerate() {
                            tr {
                                td.num { (short(i.t_s)) } td.num { (i.requests) }
                                @for s in series { td.num { (label(s.values[k])) } }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The smallest 1, 2 or 5 × 10ⁿ at or above `v` (1 for nothing to show).
fn nice_ceiling(v: f64) -> f64 {
    if v <= 0.0 || !v.is_finite() {
        return 1.0;
    }
    let mag = 10f64.powf(v.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|&c| c >= v - 1e-12)
        .unwrap_or(10.0 * mag)
}

/// A number without needless decimals: `12`, `2.5`, `0.35`.
fn short(v: f64) -> String {
    let s = if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    };
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iv(t: f64, requests: u64, failed: u64, p50: f64, p95: f64, p99: f64) -> IntervalStats {
        IntervalStats {
            t_s: t,
            requests,
            failed,
            p50_ms: p50,
            p95_ms: p95,
            p99_ms: p99,
        }
    }

    fn points(svg: &str, series: &str) -> Vec<(f64, f64)> {
        let start = svg
            .find(&format!(r#"data-series="{series}""#))
            .unwrap_or_else(|| panic!("no {series} in {svg}"));
        let rest = &svg[start..];
        let p = rest.find("points=\"").unwrap() + 8;
        let end = rest[p..].find('"').unwrap();
        rest[p..p + end]
            .split(' ')
            .map(|xy| {
                let (a, b) = xy.split_once(',').unwrap();
                (a.parse().unwrap(), b.parse().unwrap())
            })
            .collect()
    }

    #[test]
    fn latency_lines_sit_where_the_data_puts_them() {
        // Seconds 1..4; p99 peaks at 80 ms, so the axis tops out at 100 ms.
        let data = [
            iv(1.0, 100, 0, 10.0, 20.0, 40.0),
            iv(2.0, 100, 0, 10.0, 30.0, 80.0),
            iv(3.0, 100, 0, 20.0, 40.0, 60.0),
            iv(4.0, 100, 0, 10.0, 20.0, 40.0),
        ];
        let svg = latency_chart(&data).into_string();
        let plot_h = H - TOP - BOTTOM;
        let y = |v: f64| TOP + (1.0 - v / 100.0) * plot_h;
        let x = |t: f64| LEFT + t / 4.0 * (W - LEFT - RIGHT);
        let p99 = points(&svg, "p99");
        assert_eq!(p99.len(), 4);
        for ((px, py), (t, v)) in
            p99.iter()
                .zip([(1.0, 40.0), (2.0, 80.0), (3.0, 60.0), (4.0, 40.0)])
        {
            assert!((px - x(t)).abs() < 0.06, "{px} vs {}", x(t));
            assert!((py - y(v)).abs() < 0.06, "{py} vs {}", y(v));
        }
        let p50 = points(&svg, "p50");
        assert!((p50[2].1 - y(20.0)).abs() < 0.06);
        // Higher percentiles are drawn higher (smaller y) at every second.
        let p95 = points(&svg, "p95");
        assert!(
            p50.iter()
                .zip(&p95)
                .zip(&p99)
                .all(|((a, b), c)| a.1 >= b.1 && b.1 >= c.1)
        );
        // The axis and the legend say what the lines are, in words.
        for label in ["100 ms", "50 ms", "0 ms", ">p50<", ">p95<", ">p99<", "4s"] {
            assert!(svg.contains(label), "{label} missing: {svg}");
        }
        assert!(svg.contains(r#"role="img""#));
        // The figures are also a table.
        assert!(svg.contains("<td class=\"num\">80 ms</td>"), "{svg}");
    }

    #[test]
    fn error_rate_is_the_failed_share_of_each_second() {
        let data = [
            iv(1.0, 200, 0, 1.0, 1.0, 1.0),
            iv(2.0, 200, 50, 1.0, 1.0, 1.0),
            iv(3.0, 0, 0, 0.0, 0.0, 0.0),
        ];
        let svg = error_rate_chart(&data).into_string();
        let pts = points(&svg, "error rate");
        // 25% peak → the axis tops out at 50%.
        let y = |v: f64| TOP + (1.0 - v / 50.0) * (H - TOP - BOTTOM);
        assert!((pts[0].1 - y(0.0)).abs() < 0.06);
        assert!((pts[1].1 - y(25.0)).abs() < 0.06, "{pts:?}");
        assert!(
            (pts[2].1 - y(0.0)).abs() < 0.06,
            "a second without requests has no errors"
        );
        assert!(svg.contains(">50%<") && svg.contains("25%"), "{svg}");
    }

    #[test]
    fn a_single_second_is_drawn_as_dots() {
        let svg = latency_chart(&[iv(0.4, 50, 0, 1.0, 2.0, 4.0)]).into_string();
        // One dot per percentile, at the one point each line has.
        assert_eq!(svg.matches("<circle").count(), 3, "{svg}");
        let y4 = TOP + (1.0 - 4.0 / 5.0) * (H - TOP - BOTTOM);
        assert!(svg.contains(&format!(r#"cy="{y4:.1}""#)), "{svg}");
    }

    #[test]
    fn nice_ceilings() {
        assert_eq!(nice_ceiling(0.0), 1.0);
        assert_eq!(nice_ceiling(80.0), 100.0);
        assert_eq!(nice_ceiling(25.0), 50.0);
        assert_eq!(nice_ceiling(3.2), 5.0);
        assert_eq!(nice_ceiling(0.012), 0.02);
        assert_eq!(nice_ceiling(1000.0), 1000.0);
    }

    #[test]
    fn old_load_evidence_without_intervals_says_so_and_draws_nothing() {
        let load = serde_json::json!({"requests": 10, "rps": 5.0, "latency_ms": {"p50": 1.0, "p95": 2.0, "p99": 3.0, "max": 4.0}, "failed_rate": 0.0, "thresholds": [{"metric": "http_req_failed", "expr": "rate<0.01", "value": 0.0, "ok": true}]});
        let html = load_charts(&Redactor::new(vec![]), &load).into_string();
        assert!(!html.contains("<svg"), "{html}");
        assert!(html.contains("No per-second figures"), "{html}");
        assert!(html.contains("✓ held"), "{html}");
    }
}
