//! `greenlight demo`: the built-in sample service and the bundled example
//! checklist, on embedded defaults. Nothing leaves the loopback interface.

use crate::cli::DemoArgs;
use crate::exit::Failure;
use crate::run_cmd;
use greenlight_run::profile::Profile;

/// The bundled example checklist.
pub const CHECKLIST: &str = include_str!("../../../examples/demo-checklist.md");
const CHECKLIST_NAME: &str = "examples/demo-checklist.md (built in)";

pub fn run(args: DemoArgs) -> Result<u8, Failure> {
    let runtime = crate::exit::runtime()?;
    runtime.block_on(async move {
        let fixture = greenlight_fixture::start(greenlight_fixture::FixtureConfig::default())
            .await
            .map_err(|e| Failure::io(format!("cannot start the demo service: {e}")))?;
        let mut profile = demo_profile(&fixture.base_url(), fixture.tokens());
        for a in &args.allow {
            profile.allow_word(a).map_err(Failure::usage)?;
        }
        eprintln!(
            "demo service listening on {} (stands in for staging-api.yourdomain.com)\n",
            fixture.base_url()
        );
        let list = greenlight_doc::parse(CHECKLIST.as_bytes());
        let plan = run_cmd::make_plan(&list, CHECKLIST_NAME, &profile);
        let style = crate::term::Style::detect();
        let run_id = run_cmd::new_run_id();
        let recording = if args.no_store {
            None
        } else {
            let spec = crate::record::store_spec(args.store.store.as_deref(), None);
            let key = crate::record::profile_key(&profile)?;
            let store = crate::record::open_keyed(&spec, key).await?;
            let actor = crate::record::actor(None);
            store
                .append(vec![crate::record::started(&run_id, &actor, &plan, CHECKLIST_NAME, &profile)])
                .await
                .map_err(|e| Failure::io(format!("cannot record the run in {spec}: {e}")))?;
            eprintln!("recording to {spec} (see it again with `greenlight status`)");
            Some(run_cmd::Recording {
                store: std::sync::Arc::new(store),
                actor,
                baseline: None,
                acts: Vec::new(),
            })
        };
        let report = run_cmd::execute_async(&plan, &profile, style, &run_id, recording.as_ref(), None).await?;
        let code = run_cmd::finish(&report, &profile, &args.output, style)?;
        eprintln!(
            "\nThis is what `greenlight run YOUR_CHECKLIST.md --env staging.toml` does with your own runbook.\n\
             Try `greenlight demo --allow mutating` to let the POST run too, or `--allow load` for the load test."
        );
        fixture.shutdown().await;
        Ok(code)
    })
}

/// The demo's profile: the document's host points at the sample service,
/// tokens come from it, and `TOKEN` is a secret (redacted everywhere).
pub fn demo_profile(base_url: &str, tokens: &greenlight_fixture::Tokens) -> Profile {
    let toml = format!(
        r#"
name = "demo"
[hosts]
"staging-api.yourdomain.com" = "{base_url}"
[services]
api = "{base_url}"
[vars]
TOKEN = {{ value = "{user}", secret = true }}
USER_TOKEN = "{user}"
ADMIN_TOKEN = {{ value = "{admin}", secret = true }}
[allow]
classes = ["read"]
shell = false
[policy]
timeout = "5s"
"#,
        user = tokens.user,
        admin = tokens.admin,
    );
    Profile::from_toml(&toml, std::path::Path::new("demo.toml"), &|_| None)
        .expect("the embedded demo profile is valid")
}
