//! Benchmark driver for the load engine: a closed-model GET loop printing the JSON summary.
//!
//! ```text
//! cargo run --release -p greenlight-load --example loadgen -- URL [-c CONNECTIONS] [-z DURATION] [--threads N] [--http2]
//! ```

use std::process::ExitCode;
use std::time::Duration;

use greenlight_load::{LoadConfig, parse_duration, run, summary};

fn main() -> ExitCode {
    let mut url = None;
    let mut connections = 10u32;
    let mut duration = Duration::from_secs(10);
    let mut threads = None;
    let mut http2 = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        let parsed: Result<(), String> = match a.as_str() {
            "-c" => value("-c").and_then(|v| {
                connections = v.parse().map_err(|_| format!("bad -c {v}"))?;
                Ok(())
            }),
            "-z" => value("-z").and_then(|v| {
                duration = parse_duration(&v).ok_or_else(|| format!("bad -z {v}"))?;
                Ok(())
            }),
            "--threads" => value("--threads").and_then(|v| {
                threads = Some(v.parse().map_err(|_| format!("bad --threads {v}"))?);
                Ok(())
            }),
            "--http2" => {
                http2 = true;
                Ok(())
            }
            _ if !a.starts_with('-') && url.is_none() => {
                url = Some(a.clone());
                Ok(())
            }
            _ => Err(format!("unknown argument {a}")),
        };
        if let Err(e) = parsed {
            eprintln!("loadgen: {e}");
            return ExitCode::from(2);
        }
    }
    let Some(url) = url else {
        eprintln!("usage: loadgen URL [-c N] [-z DURATION] [--threads N] [--http2]");
        return ExitCode::from(2);
    };
    let mut config = LoadConfig::closed(url, connections, duration);
    config.threads = threads;
    config.http2 = http2;
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("loadgen: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(config, None)) {
        Ok(report) => {
            println!("{}", summary::to_json(&report));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("loadgen: {e}");
            ExitCode::FAILURE
        }
    }
}
