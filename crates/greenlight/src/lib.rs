//! The greenlight command line, as a library so tests can drive it.

/// `print!` to stdout, ending quietly on a closed pipe (`| head`).
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => {{
        let _ = $crate::term::out(&format!($($arg)*));
    }};
}

/// `println!` to stdout, ending quietly on a closed pipe (`| head`).
#[macro_export]
macro_rules! outln {
    ($($arg:tt)*) => {{
        let _ = $crate::term::out(&format!("{}\n", format!($($arg)*)));
    }};
}

pub mod allocator;
pub mod cli;
pub mod compare;
pub mod demo;
pub mod exit;
pub mod init_cmd;
pub mod json_stream;
pub mod load_cmd;
pub mod outline;
pub mod picker;
pub mod record;
pub mod report_cmd;
pub mod rollback_cmd;
pub mod run_cmd;
pub mod runs_cmd;
pub mod serve_cmd;
pub mod term;
pub mod users_cmd;
pub mod vars_file;
pub mod watch_cmd;
