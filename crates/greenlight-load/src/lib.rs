//! greenlight's HTTP load generator.
//!
//! [`run`] drives HTTP/1.1 (keep-alive) or HTTP/2 traffic at one or more [`Target`]s under a
//! closed model (VUs, think time, ramping stages) or an open model (arrival rate, ramping
//! stages, latency from each request's intended start), records latencies in per-thread HDR
//! histograms (constant memory) and returns a [`LoadReport`] whose `serde` form is the JSON
//! summary. k6 thresholds ([`threshold`]) are evaluated at the end and, with `abortOnFail`,
//! every second.
//!
//! | module | what it does |
//! | --- | --- |
//! | [`model`] | [`LoadConfig`], [`Target`], [`LoadModel`], [`Snapshot`], durations |
//! | [`engine`] | [`run`]: worker threads, VUs, the coordinator |
//! | [`stats`] | accumulators, [`LoadReport`] |
//! | [`threshold`] | k6 threshold parser, printer and evaluator |
//! | [`k6`] | recognises the supported subset of a k6 script |
//! | [`cli_tools`] | recognises `ab`, `hey`, `wrk` and `oha` command lines |
//! | [`summary`] | JSON summary and the k6-like text summary |
//! | [`error`] | [`LoadError`], [`ErrorKind`], [`RecogniseError`] |

pub mod cli_tools;
pub mod engine;
pub mod error;
pub mod k6;
pub mod model;
pub mod stats;
pub mod summary;
pub mod threshold;

mod conn;
mod raw_h1;
mod schedule;

pub use cli_tools::recognise_command;
pub use engine::{run, run_until};
pub use error::{ErrorKind, LoadError, RecogniseError};
pub use k6::{K6Script, recognise_k6};
pub use model::{
    Check, CheckPredicate, CompareOp, DEFAULT_TIMEOUT, LoadConfig, LoadModel, Selection, Snapshot,
    Target, parse_duration,
};
pub use stats::{CheckReport, EndpointReport, ErrorCounts, IntervalStats, LatencyMs, LoadReport};
pub use threshold::{
    Aggregation, Metric, MetricValues, Threshold, ThresholdResult, parse_threshold,
};
