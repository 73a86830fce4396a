//! Process exit codes, the same for every command.

/// GO or GO WITH WARNINGS; or a command that succeeded.
pub const OK: u8 = 0;
/// NO-GO: a required item failed.
pub const NO_GO: u8 = 1;
/// Usage or configuration error.
pub const USAGE: u8 = 2;
/// PENDING: nothing failed, but people still owe something.
pub const PENDING: u8 = 3;
/// The checklist file could not be read (missing, a directory, binary, too large).
pub const INPUT: u8 = 4;

/// The exit-code table as `--help` shows it.
pub const HELP: &str = "\
Exit codes:
  0  GO or GO_WITH_WARNINGS (or the command succeeded)
  1  NO_GO: a required item failed
  2  usage or configuration error
  3  PENDING: nothing failed, but people still owe items, sign-offs or reviews
  4  the checklist file could not be read (missing, directory, binary, too large)";

/// An error that ends the process with a given code.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    pub fn usage(message: impl Into<String>) -> Self {
        Failure {
            code: USAGE,
            message: message.into(),
        }
    }
}

impl From<greenlight_doc::LoadError> for Failure {
    fn from(e: greenlight_doc::LoadError) -> Self {
        Failure {
            code: INPUT,
            message: e.to_string(),
        }
    }
}
