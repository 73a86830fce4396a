//! `greenlight load URL`: the built-in load generator on its own, with
//! k6-style thresholds.

use crate::exit::{self, Failure};
use clap::Args;
use greenlight_load::{LoadConfig, LoadModel, Target};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Args, Debug)]
pub struct LoadArgs {
    /// The URL to load (http:// or https://).
    pub url: String,
    /// Closed model: this many virtual users, each sending back to back.
    #[arg(long, default_value_t = 10, conflicts_with = "rate")]
    pub vus: u32,
    /// Open model: this many requests per second (e.g. 500 or 500/s),
    /// latency measured from each request's intended start.
    #[arg(long, value_name = "N/s")]
    pub rate: Option<String>,
    /// Connections for the open model.
    #[arg(long, default_value_t = 64)]
    pub connections: u32,
    /// How long (10s, 2m).
    #[arg(long, default_value = "10s")]
    pub duration: String,
    /// Timeout of one request, connect included (k6's default: 60s).
    /// Requests still unanswered when the run ends get at most
    /// min(timeout, 30s) more, then count as timed out.
    #[arg(long, default_value = "60s")]
    pub timeout: String,
    /// Ramping stages, `DURATION:TARGET,…` (e.g. 30s:50,1m:100,30s:0): VUs,
    /// or requests per second with --rate.
    #[arg(long)]
    pub stages: Option<String>,
    /// A k6 threshold, repeatable: `p(95)<300` (http_req_duration),
    /// `rate<0.05` (http_req_failed), `count>1000` (http_reqs), or
    /// `METRIC:EXPR` such as `checks:rate>0.99`. Without one, load steps'
    /// default applies: `http_req_failed: rate<0.01`.
    #[arg(long = "threshold", value_name = "EXPR")]
    pub thresholds: Vec<String>,
    /// A request header, repeatable (`Name: value`).
    #[arg(short = 'H', long = "header")]
    pub headers: Vec<String>,
    #[arg(long, default_value = "GET")]
    pub method: String,
    #[arg(long)]
    pub body: Option<String>,
    /// Speak HTTP/2.
    #[arg(long)]
    pub http2: bool,
    /// Write the summary as JSON here.
    #[arg(long, value_name = "PATH")]
    pub json: Option<PathBuf>,
}

fn threshold(text: &str) -> Result<greenlight_load::Threshold, Failure> {
    let (metric, expr) = match text.split_once(':') {
        Some((m, e)) if !m.contains('(') => (m.trim().to_string(), e.trim().to_string()),
        _ => {
            let lower = text.trim().to_ascii_lowercase();
            let metric = if lower.starts_with("rate") {
                "http_req_failed"
            } else if lower.starts_with("count") {
                "http_reqs"
            } else {
                "http_req_duration"
            };
            (metric.to_string(), text.trim().to_string())
        }
    };
    greenlight_load::parse_threshold(&metric, &expr)
        .map_err(|e| Failure::usage(format!("--threshold {text}: {e}")))
}

fn duration(s: &str, flag: &str) -> Result<Duration, Failure> {
    greenlight_run::profile::parse_duration(s)
        .ok_or_else(|| Failure::usage(format!("{flag} {s}: not a duration (use 500ms, 10s, 2m)")))
}

pub fn run(args: LoadArgs) -> Result<u8, Failure> {
    let run_for = duration(&args.duration, "--duration")?;
    let timeout = duration(&args.timeout, "--timeout")?;
    if timeout.is_zero() {
        return Err(Failure::usage("--timeout must be positive"));
    }
    let mut target = Target::new(args.method.to_ascii_uppercase(), args.url.clone());
    for h in &args.headers {
        let (k, v) = h
            .split_once(':')
            .ok_or_else(|| Failure::usage(format!("-H {h}: expected `Name: value`")))?;
        target
            .headers
            .push((k.trim().to_string(), v.trim().to_string()));
    }
    target.body = args.body.clone();
    let mut stages = Vec::new();
    if let Some(spec) = &args.stages {
        for part in spec.split(',') {
            let (d, t) = part.split_once(':').ok_or_else(|| {
                Failure::usage(format!("--stages {part}: expected DURATION:TARGET"))
            })?;
            let t: f64 = t
                .trim()
                .parse()
                .map_err(|_| Failure::usage(format!("--stages {part}: target is not a number")))?;
            stages.push((duration(d.trim(), "--stages")?, t));
        }
    }
    let mut config = match &args.rate {
        Some(rate) => {
            let r: f64 = rate
                .trim_end_matches("/s")
                .parse()
                .map_err(|_| Failure::usage(format!("--rate {rate}: expected N or N/s")))?;
            let mut c = LoadConfig::open(args.url.clone(), r, args.connections, run_for);
            c.model = LoadModel::Open {
                rate: r,
                stages: stages.clone(),
                connections: args.connections,
            };
            c
        }
        None => {
            let mut c = LoadConfig::closed(args.url.clone(), args.vus, run_for);
            c.model = LoadModel::Closed {
                vus: args.vus,
                think_time: Duration::ZERO,
                stages: stages.iter().map(|(d, t)| (*d, *t as u32)).collect(),
            };
            c
        }
    };
    if !stages.is_empty() && args.duration == "10s" {
        config.duration = None; // the stages' total
    }
    config.targets = vec![target];
    config.http2 = args.http2;
    config.timeout = timeout;
    config.thresholds = args
        .thresholds
        .iter()
        .map(|t| threshold(t))
        .collect::<Result<_, _>>()?;
    if config.thresholds.is_empty() {
        // As for load steps: without a threshold, a run answered by
        // nothing but errors would pass.
        let (metric, expr) = greenlight_run::load_step::DEFAULT_THRESHOLD;
        config.thresholds.push(
            greenlight_load::parse_threshold(metric, expr)
                .map_err(|e| Failure::usage(format!("default threshold: {e}")))?,
        );
        eprintln!("no --threshold given: applying the default {metric}: {expr}");
    }
    let runtime = exit::runtime_with(1)?;
    let report = runtime.block_on(async move {
        let (tx, mut rx) = tokio::sync::watch::channel(greenlight_load::Snapshot::default());
        let live = tokio::spawn(async move {
            while rx.changed().await.is_ok() {
                let s = rx.borrow().clone();
                eprintln!(
                    "  {:>5.1}s  {:>9.0} req/s  p95 {:>7.2} ms  errors {:>5.2}%",
                    s.elapsed.as_secs_f64(),
                    s.rps,
                    s.p95_ms,
                    s.error_rate * 100.0
                );
            }
        });
        let report = greenlight_load::run(config, Some(tx)).await;
        live.abort();
        report
    });
    let report = report.map_err(|e| {
        use greenlight_load::LoadError as E;
        match e {
            E::InvalidConfig(_) | E::MissingEnv(_) => Failure::usage(e.to_string()),
            E::Resolve { .. } => Failure::io(e.to_string()),
            E::Runtime(_) | E::Worker(_) => Failure::internal(e),
        }
    })?;
    crate::out!(
        "{}",
        crate::term::printable(&greenlight_load::summary::render_text(&report))
    );
    if let Some(path) = &args.json {
        crate::cli::write_atomically(path, greenlight_load::summary::to_json(&report).as_bytes())?;
    }
    let failed = report.thresholds.iter().any(|t| !t.ok);
    Ok(if failed { exit::NO_GO } else { exit::OK })
}
