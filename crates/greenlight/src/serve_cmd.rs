//! `greenlight serve`: the release room's HTTP server on the event store.

use crate::exit::{self, Failure};
use crate::record;
use crate::runs_cmd::{KeyArgs, StoreArgs};
use clap::Args;
use std::net::SocketAddr;

#[derive(Args, Debug)]
#[command(after_help = "\
Examples:
  greenlight serve --store postgres://greenlight@db.internal/releases
  greenlight serve --store .greenlight/runs.db --listen 127.0.0.1:8080
  curl -s http://127.0.0.1:7878/api/v1/releases
  curl -N http://127.0.0.1:7878/api/v1/releases/RELEASE/stream   (live: server-sent events)
The API is described at /openapi.json. Several `serve` processes may share one PostgreSQL store:
each follows every writer's events (LISTEN/NOTIFY) and keeps no state of its own.")]
pub struct ServeArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub key: KeyArgs,
    /// Address to listen on (port 0: any free port, printed on start).
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:7878")]
    pub listen: SocketAddr,
    /// The server's address as people reach it (for links in webhooks),
    /// e.g. https://releases.example.com; with https://, cookies are Secure.
    #[arg(long, value_name = "URL")]
    pub public_url: Option<String>,
    /// Create the first admin account NAME before serving (password from
    /// $GREENLIGHT_ADMIN_PASSWORD, else asked). Refused once any admin exists.
    #[arg(long, value_name = "NAME")]
    pub init_admin: Option<String>,
}

/// The profile's secrets (with --env), masked once more in pages and
/// webhook payloads (events are redacted when recorded).
fn secrets(args: &ServeArgs) -> Result<Vec<String>, Failure> {
    Ok(args.key.profile()?.map(|p| p.secrets()).unwrap_or_default())
}

/// The `[[webhooks]]` of the nearest greenlight.toml, started (`None`
/// without any).
fn notifications(
    args: &ServeArgs,
) -> Result<Option<greenlight_server::notify::Notifications>, Failure> {
    let Some(config) = record::config()? else {
        return Ok(None);
    };
    let env = |name: &str| std::env::var(name).ok();
    let hooks = greenlight_notify::Webhook::from_tables(&config.webhooks, &env)
        .map_err(|e| Failure::config(format!("greenlight.toml: {e}")))?;
    if hooks.is_empty() {
        return Ok(None);
    }
    let secrets = secrets(args)?;
    let n = hooks.len();
    let started =
        greenlight_server::notify::Notifications::start(hooks, secrets, args.public_url.clone())
            .map_err(|e| Failure::internal(format!("webhooks: {e}")))?;
    eprintln!(
        "greenlight serve: {n} webhook{} from greenlight.toml",
        if n == 1 { "" } else { "s" }
    );
    Ok(Some(started))
}

pub fn run(args: ServeArgs) -> Result<u8, Failure> {
    exit::runtime()?.block_on(async {
        let key = args.key.key()?;
        let spec = record::store_spec(args.store.store.as_deref(), None);
        let store = record::open_keyed(&spec, key).await?;
        if let Some(name) = &args.init_admin {
            let password = crate::users_cmd::password_from(greenlight_auth::ADMIN_PASSWORD_ENV)?;
            greenlight_auth::init_admin(&store, name, &password)
                .await
                .map_err(|e| Failure::usage(format!("--init-admin {name}: {e}")))?;
            eprintln!("greenlight serve: created the admin account {name}");
        }
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .map_err(|e| {
                Failure::usage(format!(
                    "--listen {}: cannot listen there: {e}",
                    args.listen
                ))
            })?;
        let addr = listener
            .local_addr()
            .map_err(|e| Failure::io(format!("--listen {}: {e}", args.listen)))?;
        let described = store.describe().to_string();
        let notifications = notifications(&args)?;
        let server = greenlight_server::Server::with(
            store,
            greenlight_server::Options {
                notifications,
                secrets: secrets(&args)?,
                auth: greenlight_auth::AuthConfig {
                    secure_cookies: args
                        .public_url
                        .as_deref()
                        .is_some_and(|u| u.starts_with("https://")),
                    ..greenlight_auth::AuthConfig::default()
                },
                ..greenlight_server::Options::default()
            },
        );
        eprintln!("greenlight serve: listening on http://{addr} (store {described}); Ctrl-C stops");
        server
            .run(listener, greenlight_server::serve::signal())
            .await;
        eprintln!("greenlight serve: stopped");
        Ok(exit::OK)
    })
}
