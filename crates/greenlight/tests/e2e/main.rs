//! End-to-end tests: the real `greenlight` binary on real files.

mod support;

mod inspect;
mod mark;
mod run;
