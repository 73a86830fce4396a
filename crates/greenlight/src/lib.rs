//! The greenlight command line, as a library so tests can drive it.

pub mod cli;
pub mod exit;
pub mod outline;
