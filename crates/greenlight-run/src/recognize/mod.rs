//! Recognizers: pure functions from text to plain data.
//!
//! No I/O, no async, no Markdown: a code block's text (or an item's text,
//! or an expectation comment) goes in; commands, safety classes, native
//! probes, assertions and required variables come out.

pub mod classify;
pub mod commands;
pub mod curl;
pub mod expect;
pub mod script;
pub mod vars;
