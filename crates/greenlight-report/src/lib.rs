//! Reports of a run, for machines and for people: JSON
//! (`greenlight.run/v1`), JUnit XML (one testsuite per phase, one testcase
//! per item) and Markdown (a CI step summary or PR comment).
//!
//! Every renderer takes a report that has already been redacted; none of
//! them adds anything that did not come from it.

pub mod json;
pub mod junit;
pub mod markdown;
