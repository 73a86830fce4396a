//! Checklist + profile → plan: for every item, what will run (natively,
//! with which probe, or through a shell), its safety class, what it depends
//! on, and what is left to people. `greenlight plan` prints it; `run`
//! executes it.
//!
//! By concern: `types` (the plan itself), `build` (the walk over the
//! document), `hosts` (mapping hosts and services through the profile),
//! `annotations` (`expect …` / `eventually …` comments), `after_block`
//! (`- Expected: …` written below a block), `load_lines` (load
//! tools and k6 blocks) and `locals` (variables a block defines for itself).

mod after_block;
mod annotations;
mod build;
mod doc_headers;
mod held;
mod hosts;
mod load_lines;
mod locals;
mod types;

/// Part of [`PlanCheck`]; defined with the analyzer's output, which makes it.
pub use crate::analyze::Capture;
pub use annotations::{Directives, parse_annotation};
pub use build::{build, build_rollback, build_watch, nobody_provided};
pub use types::*;
