//! The greenlight command line, as a library so tests can drive it.

pub mod cli;
pub mod compare;
pub mod demo;
pub mod exit;
pub mod json_stream;
pub mod load_cmd;
pub mod outline;
pub mod picker;
pub mod record;
pub mod run_cmd;
pub mod runs_cmd;
pub mod term;
