use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match greenlight::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                greenlight::exit::USAGE
            } else {
                greenlight::exit::OK
            };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match greenlight::cli::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            eprintln!(
                "greenlight: error: {}",
                greenlight::term::printable(&failure.to_string())
            );
            ExitCode::from(failure.code())
        }
    }
}
