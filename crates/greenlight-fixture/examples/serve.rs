//! Serves the fixture on a loopback port for scripts (e.g. `bench/checks.sh`).
//!
//! ```text
//! cargo run --release -p greenlight-fixture --example serve -- [PORT] [--seconds N]
//! ```
//!
//! Listens on `127.0.0.1:PORT` (default 0: a free port), prints
//! `http://127.0.0.1:PORT` as the first line of stdout, and runs until it is
//! killed or `--seconds N` (default 120) have passed.

use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

use greenlight_fixture::{BlockingFixture, FixtureConfig};

const USAGE: &str = "usage: serve [PORT] [--seconds N]";

fn main() -> ExitCode {
    let mut port: u16 = 0;
    let mut seconds: u64 = 120;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let parsed = match arg.as_str() {
            "--seconds" => args
                .next()
                .and_then(|n| n.parse().ok())
                .map(|n| seconds = n),
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            p => p.parse().ok().map(|p| port = p),
        };
        if parsed.is_none() {
            eprintln!("serve: bad argument {arg:?}\n{USAGE}");
            return ExitCode::from(2);
        }
    }

    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let fixture = match BlockingFixture::start(FixtureConfig::with_addr(addr)) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("serve: cannot start the fixture on {addr}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut out = std::io::stdout().lock();
    if writeln!(out, "{}", fixture.base_url())
        .and_then(|()| out.flush())
        .is_err()
    {
        return ExitCode::FAILURE;
    }
    drop(out);

    std::thread::sleep(Duration::from_secs(seconds));
    fixture.shutdown();
    ExitCode::SUCCESS
}
