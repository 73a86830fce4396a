//! greenlight-run turns a parsed checklist and an environment profile into
//! checks, runs them, and decides the verdict.
//!
//! Data flows one way: `recognize` (text → commands and expectations) →
//! `plan` (checklist + profile → checks, classes, gates) → `execute`
//! (checks → results, as events) → `verdict` (results → GO/NO-GO).

pub mod analyze;
pub mod assemble;
pub mod check;
pub mod contained;
pub mod events;
pub mod execute;
pub mod json_match;
pub mod load_step;
pub mod outcome;
pub mod pipeline;
pub mod plan;
pub mod profile;
pub mod redact;
pub mod release;
pub mod subst;
pub mod verdict;
pub mod workspace;
