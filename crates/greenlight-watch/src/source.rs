//! Where a watch window's samples come from: greenlight's own probes, the
//! Prometheus HTTP API, short load bursts. Each source is asked once per
//! tick and answers with samples in base units (seconds, fractions), which
//! the window feeds to the [`crate::gate::Gate`] of each metric.

use crate::thresholds::Metric;
use std::future::Future;
use std::pin::Pin;

/// One observation of one metric.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub metric: Metric,
    /// In base units: seconds for latencies, a fraction for rates
    /// (`0.01` is 1 %), the number itself otherwise.
    pub value: f64,
    /// Where it came from, for the live view and the events: `probe L203`,
    /// `promql L88`, `burst L150`.
    pub origin: String,
}

/// Why a source gave no samples this tick. Never a breach by itself: the
/// window records it, and a source that stays silent is reported.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{origin}: {message}")]
pub struct SourceError {
    pub origin: String,
    pub message: String,
}

/// The future a [`Source`] returns.
pub type SampleFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Vec<Sample>, SourceError>> + Send + 'a>>;

/// A metric source, asked once per tick. Implementations must bound every
/// network call with a timeout shorter than the tick.
pub trait Source: Send {
    /// A short name for the live view (`probes`, `prometheus`, `burst`).
    fn name(&self) -> &str;
    /// Takes this tick's samples.
    fn sample(&mut self) -> SampleFuture<'_>;
}
