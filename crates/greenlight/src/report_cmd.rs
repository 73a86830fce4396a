//! `greenlight report RUN --html OUT.html`: the run page as one
//! self-contained file, with the verdict `greenlight status` gives.

use crate::exit::{self, Failure};
use crate::record;
use crate::runs_cmd::{KeyArgs, StoreArgs, open_store, verified_report};
use clap::Args;
use greenlight_run::redact::Redactor;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct ReportArgs {
    /// Run ID (a unique prefix is enough). Default: the latest run.
    pub run: Option<String>,
    /// Write the report as one self-contained HTML file here.
    #[arg(long, value_name = "OUT.html")]
    pub html: PathBuf,
    #[command(flatten)]
    pub store: StoreArgs,
    /// With --env, the profile's secrets are masked once more (events are
    /// redacted when recorded).
    #[command(flatten)]
    pub key: KeyArgs,
}

pub fn run(args: ReportArgs) -> Result<u8, Failure> {
    let secrets = args.key.profile()?.map(|p| p.secrets()).unwrap_or_default();
    let redactor = Redactor::new(secrets);
    exit::runtime()?.block_on(async {
        let store = open_store(&args.store, &args.key).await?;
        let state = record::load(&store, args.run.as_deref()).await?;
        let (audit, report) = verified_report(&store, &state).await?;
        let view = greenlight_html::RunView::new(&state, &report, &redactor)
            .with_audit(record::describe_chain(&audit), audit.ok);
        let html = greenlight_html::report_document(&view);
        crate::cli::write_atomically(&args.html, html.as_bytes())?;
        crate::outln!(
            "wrote {} ({} KB): run {} {}",
            args.html.display(),
            html.len().div_ceil(1024),
            state.run_id,
            report.verdict.as_str()
        );
        Ok(exit::OK)
    })
}
