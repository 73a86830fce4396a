//! End-to-end tests: the real `greenlight` binary on real files.

mod support;

mod commands;
mod corpus_live;
mod corpus_sandbox;
mod corpus_targets;
mod hostile;
mod http_safety;
mod inferred;
mod inspect;
mod load;
mod mark;
mod owed_items;
mod procedures;
mod reports;
mod run;
mod safety;
mod store;
