//! End-to-end tests: the real `greenlight` binary on real files.

mod support;

mod hostile;
mod http_safety;
mod inspect;
mod load;
mod mark;
mod reports;
mod run;
mod safety;
mod store;
