//! End-to-end tests: the real `greenlight` binary on real files.

mod support;

mod api_fuzz;
mod checklists;
mod cli_conventions;
mod commands;
mod corpus_live;
mod corpus_sandbox;
mod corpus_targets;
mod honest_output;
mod hostile;
mod html_report;
mod http_safety;
mod inferred;
mod inspect;
mod load;
mod mark;
mod owed_items;
mod people;
mod procedures;
mod redaction;
mod release;
mod reports;
mod rollback;
mod room;
mod run;
mod safety;
mod serve;
mod serve_auth;
mod split;
mod store;
mod users;
mod watch;
mod watch_prometheus;
mod written_expectations;
