//! The document's PromQL blocks as a metric source, against `[metrics]
//! prometheus` of the profile. A block feeds the gate of the metric its
//! query measures (read from the query's words); a block whose metric no
//! threshold names, or that names none, is reported and not queried.

use greenlight_watch::prometheus::Prometheus;
use greenlight_watch::source::{Sample, SampleFuture, Source, SourceError};
use greenlight_watch::thresholds::{Metric, PromQl};

/// The metric a PromQL query measures, from its words: `histogram_quantile(0.95, …)`
/// is p95 latency; `5..` or `error` an error rate; `cpu`, `memory`, `up`.
pub fn metric_of(query: &str) -> Option<Metric> {
    let q = query.to_ascii_lowercase();
    if let Some(rest) = q.split("histogram_quantile(").nth(1) {
        let number: String = rest
            .trim_start()
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        let p = number
            .parse::<f64>()
            .ok()
            .map(|v| (v * 100.0).round() as u8);
        return Some(Metric::Latency { percentile: p });
    }
    if q.contains("latency") || q.contains("duration") {
        return Some(Metric::Latency { percentile: None });
    }
    if q.contains("5..") || q.contains("error") || q.contains("=~\"5") {
        return Some(Metric::ErrorRate);
    }
    if q.contains("cpu") {
        return Some(Metric::Cpu);
    }
    if q.contains("memory") || q.contains("_bytes") {
        return Some(Metric::Memory);
    }
    if q.trim_start().starts_with("up") || q.contains("avg_over_time(up") {
        return Some(Metric::Availability);
    }
    None
}

/// Queries each block once per tick.
pub struct PromSource {
    server: Prometheus,
    queries: Vec<(Metric, PromQl)>,
}

impl PromSource {
    pub fn new(server: Prometheus, queries: Vec<(Metric, PromQl)>) -> PromSource {
        PromSource { server, queries }
    }
}

impl Source for PromSource {
    fn name(&self) -> &str {
        "prometheus"
    }

    fn sample(&mut self) -> SampleFuture<'_> {
        Box::pin(async move {
            let mut out = Vec::new();
            let mut first_error = None;
            for (metric, q) in &self.queries {
                let origin = format!("promql L{}", q.line);
                match self.server.query(&q.query, None).await {
                    Ok(r) => match r.single_value() {
                        Some(v) if v.is_finite() => out.push(Sample {
                            metric: metric.clone(),
                            value: v,
                            origin,
                        }),
                        _ => {
                            first_error.get_or_insert(SourceError {
                                origin,
                                message: "no single finite value (an empty or multi-series result)"
                                    .into(),
                            });
                        }
                    },
                    Err(e) => {
                        first_error.get_or_insert(SourceError {
                            origin,
                            message: e.to_string(),
                        });
                    }
                }
            }
            match (out.is_empty(), first_error) {
                (true, Some(e)) => Err(e),
                _ => Ok(out),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_names_its_metric() {
        assert_eq!(
            metric_of(
                "histogram_quantile(0.95, sum(rate(http_request_duration_seconds_bucket[5m])) by (le))"
            ),
            Some(Metric::Latency {
                percentile: Some(95)
            })
        );
        assert_eq!(
            metric_of(
                "sum(rate(http_requests_total{status=~\"5..\"}[5m])) / sum(rate(http_requests_total[5m]))"
            ),
            Some(Metric::ErrorRate)
        );
        assert_eq!(
            metric_of("avg(rate(process_cpu_seconds_total[1m]))"),
            Some(Metric::Cpu)
        );
        assert_eq!(metric_of("sum(kube_pod_info)"), None);
    }
}
