//! Serves a generic stand-in from a routes file, for trying a checklist by
//! hand:
//!
//! ```text
//! cargo run -p greenlight-fixture --example standin -- FILE.standin.toml [--port N] [--seconds N]
//! ```
//!
//! Prints `http://127.0.0.1:PORT` as the first line of stdout, then serves
//! until it is killed or `--seconds N` (default 600) have passed. Map the
//! document's hosts to that URL in a profile's `[hosts]`.

use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use greenlight_fixture::{Routes, StandIn};

const USAGE: &str = "usage: standin FILE.standin.toml [--port N] [--seconds N]";

fn main() -> ExitCode {
    let mut file: Option<PathBuf> = None;
    let mut port: u16 = 0;
    let mut seconds: u64 = 600;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let parsed = match arg.as_str() {
            "--port" => args.next().and_then(|n| n.parse().ok()).map(|n| port = n),
            "--seconds" => args
                .next()
                .and_then(|n| n.parse().ok())
                .map(|n| seconds = n),
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            f if file.is_none() && !f.starts_with('-') => {
                file = Some(PathBuf::from(f));
                Some(())
            }
            _ => None,
        };
        if parsed.is_none() {
            eprintln!("standin: bad argument {arg:?}\n{USAGE}");
            return ExitCode::from(2);
        }
    }
    let Some(file) = file else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let routes = match Routes::from_file(&file) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("standin: {e}");
            return ExitCode::from(2);
        }
    };
    let n = routes.routes().len();
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let standin = match StandIn::start_on(routes, addr) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("standin: cannot start on {addr}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut out = std::io::stdout().lock();
    if writeln!(out, "{}", standin.base_url())
        .and_then(|()| out.flush())
        .is_err()
    {
        return ExitCode::FAILURE;
    }
    drop(out);
    eprintln!(
        "standin: {n} route(s) from {}; every other request gets a 200 JSON echo",
        file.display()
    );
    std::thread::sleep(Duration::from_secs(seconds));
    standin.shutdown();
    ExitCode::SUCCESS
}
