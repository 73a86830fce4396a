//! Process exit codes, the same for every command, and the one error type
//! every command returns.
//!
//! A verdict has a fixed code (NO_GO 1, PENDING 3, GO_WITH_WARNINGS 5);
//! `--fail-on` only decides which of them count as failing and which
//! exit 0. Code 2 means a usage or configuration mistake and nothing else.

use greenlight_run::outcome::Verdict;

/// GO or GO WITH WARNINGS; or a command that succeeded.
pub const OK: u8 = 0;
/// NO-GO: a required item failed.
pub const NO_GO: u8 = 1;
/// Usage or configuration error, and nothing else.
pub const USAGE: u8 = 2;
/// PENDING: nothing failed, but people still owe something.
pub const PENDING: u8 = 3;
/// The checklist file could not be read (missing, a directory, binary, too large).
pub const INPUT: u8 = 4;
/// GO_WITH_WARNINGS under `--fail-on warn`.
pub const WARN: u8 = 5;
/// The store, or a report greenlight writes, could not be read or written.
pub const IO: u8 = 6;
/// A bug in greenlight (sysexits' EX_SOFTWARE).
pub const INTERNAL: u8 = 70;

/// The exit-code table as `--help` shows it.
pub const HELP: &str = "\
Exit codes:
  0  GO (or the command succeeded); also any verdict below the --fail-on level
  1  NO_GO: a required item failed
  2  usage or configuration error (bad arguments, profile, --vars-file, --store)
  3  PENDING: nothing failed, but people still owe items, sign-offs or reviews
  4  the checklist file could not be read (missing, directory, binary, too large)
  5  GO_WITH_WARNINGS, with --fail-on warn
  6  the store or a report file could not be read or written
  70 internal error (a bug: please report it)

--fail-on LEVEL (run, decide, resume, demo) picks the lowest verdict that fails:
  verdict            no_go   pending (default)   warn
  GO                   0        0                  0
  GO_WITH_WARNINGS     0        0                  5
  PENDING              0        3                  3
  NO_GO                1        1                  1";

/// `--fail-on`: the lowest verdict that makes the process fail.
#[derive(clap::ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FailOn {
    /// Only NO_GO fails (exit 1); PENDING and warnings exit 0.
    #[value(name = "no_go", alias = "no-go")]
    NoGo,
    /// NO_GO (1) and PENDING (3) fail; warnings exit 0.
    #[default]
    Pending,
    /// NO_GO (1), PENDING (3) and GO_WITH_WARNINGS (5) fail.
    Warn,
}

/// The exit code of a verdict under a `--fail-on` level.
pub fn verdict_code(verdict: Verdict, fail_on: FailOn) -> u8 {
    match (verdict, fail_on) {
        (Verdict::Go, _) => OK,
        (Verdict::NoGo, _) => NO_GO,
        (Verdict::Pending, FailOn::NoGo) => OK,
        (Verdict::Pending, _) => PENDING,
        (Verdict::GoWithWarnings, FailOn::Warn) => WARN,
        (Verdict::GoWithWarnings, _) => OK,
    }
}

/// Why a command could not do its work. [`CliError::code`] is the only
/// place an error becomes an exit code.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The arguments do not make sense (exit 2).
    #[error("{0}")]
    Usage(String),
    /// A profile, variables file, store address or CA file is wrong (exit 2).
    #[error("{0}")]
    Config(String),
    /// The checklist could not be read (exit 4).
    #[error("{0}")]
    Input(String),
    /// The store or an output file failed (exit 6).
    #[error("{0}")]
    Io(String),
    /// A bug (exit 70).
    #[error("internal error: {0}")]
    Internal(String),
}

/// The name most of the code base knows the error by.
pub type Failure = CliError;

impl CliError {
    /// The process exit code for this error.
    pub fn code(&self) -> u8 {
        match self {
            CliError::Usage(_) | CliError::Config(_) => USAGE,
            CliError::Input(_) => INPUT,
            CliError::Io(_) => IO,
            CliError::Internal(_) => INTERNAL,
        }
    }

    pub fn usage(message: impl Into<String>) -> Self {
        CliError::Usage(message.into())
    }

    pub fn config(message: impl Into<String>) -> Self {
        CliError::Config(message.into())
    }

    pub fn io(message: impl Into<String>) -> Self {
        CliError::Io(message.into())
    }

    pub fn internal(message: impl std::fmt::Display) -> Self {
        CliError::Internal(message.to_string())
    }
}

impl From<greenlight_store::StoreError> for CliError {
    /// A store that cannot be opened is misconfigured (`--store`,
    /// `$GREENLIGHT_STORE`); a run that is not there was misnamed; a store
    /// that fails while in use is an I/O failure.
    fn from(e: greenlight_store::StoreError) -> Self {
        use greenlight_store::StoreError as E;
        match e {
            E::Open { .. } => CliError::Config(e.to_string()),
            E::NoSuchRun(_) | E::Ambiguous { .. } | E::Invalid(_) => CliError::Usage(e.to_string()),
            E::Unreachable { .. } | E::Query { .. } => CliError::Io(e.to_string()),
        }
    }
}

impl From<greenlight_session::SessionError> for CliError {
    /// A store's failure maps as the store's; a run that cannot be read,
    /// an empty store or the wrong audit key is a usage error.
    fn from(e: greenlight_session::SessionError) -> Self {
        use greenlight_session::SessionError as E;
        match e {
            E::Store(e) => e.into(),
            E::Unreadable(_) | E::NoRuns | E::WrongKey(_) | E::Selection(_) => {
                CliError::usage(e.to_string())
            }
            E::Usage(why) => CliError::Usage(why),
            E::Config(why) => CliError::Config(why),
            E::Io(why) => CliError::io(why),
            E::Internal(why) => CliError::Internal(why),
        }
    }
}

impl From<greenlight_doc::LoadError> for CliError {
    fn from(e: greenlight_doc::LoadError) -> Self {
        CliError::Input(e.to_string())
    }
}

/// The one tokio runtime every command but `load` uses: a single thread.
/// Checks wait on the network, on child processes and on the store (which
/// works on tokio's blocking pool), never on this thread's CPU, so one
/// thread runs them all concurrently; it starts no worker threads and
/// hands no task between threads (on a busy machine, each hand-off costs
/// a wake-up). This leaves the machine to the services being checked.
pub fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::internal(format!("cannot start the runtime: {e}")))
}

/// The runtime with `workers` threads (`load` generates on one).
pub fn runtime_with(workers: usize) -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .map_err(|e| CliError::internal(format!("cannot start the runtime: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fail_on_table() {
        let table = [
            (Verdict::Go, [0, 0, 0]),
            (Verdict::GoWithWarnings, [0, 0, 5]),
            (Verdict::Pending, [0, 3, 3]),
            (Verdict::NoGo, [1, 1, 1]),
        ];
        for (v, codes) in table {
            let levels = [FailOn::NoGo, FailOn::Pending, FailOn::Warn];
            for (level, code) in levels.into_iter().zip(codes) {
                assert_eq!(verdict_code(v, level), code, "{v:?} {level:?}");
            }
        }
    }

    #[test]
    fn only_usage_and_config_exit_2() {
        assert_eq!(CliError::usage("x").code(), 2);
        assert_eq!(CliError::config("x").code(), 2);
        assert_eq!(CliError::io("x").code(), IO);
        assert_eq!(CliError::internal("x").code(), INTERNAL);
    }
}
