//! Metric gates for greenlight's watch windows (issue 13, items 2 and 3).
//!
//! - [`thresholds`]: reads typed thresholds (`p95 < 250ms`, `error rate > 1%`,
//!   target versus critical table columns) and PromQL blocks from a parsed
//!   checklist; what it cannot read unambiguously is reported, never guessed.
//! - [`gate`]: evaluates a metric against its thresholds over a sliding
//!   window with bounded memory, consecutive-breach limits and hysteresis.
//!   Pure: time is passed in, no clock is read.
//! - [`prometheus`]: instant queries against the Prometheus HTTP API.
//! - [`source`]: the trait every metric source implements (probes,
//!   Prometheus, load bursts) and the samples it gives.
//! - [`schedule`]: the window's length and its checkpoints (`Hour 6: …`).

pub mod gate;
pub mod prometheus;
pub mod schedule;
pub mod source;
pub mod thresholds;
