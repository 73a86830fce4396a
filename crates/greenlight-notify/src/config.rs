//! `[[webhooks]]` in `greenlight.toml`: where notifications go.
//!
//! ```toml
//! [[webhooks]]
//! name = "release-room"                  # optional; else the URL's host
//! url = "https://hooks.example.com/gl"   # or url_env = "SLACK_WEBHOOK_URL"
//! format = "json"                        # or "slack"; default "json"
//! secret_env = "GREENLIGHT_WEBHOOK_SECRET"  # HMAC key, read from the environment
//! events = ["verdict_changed", "signed_off"] # default: every event
//!                                        # (also "watch_breach", "rolled_back")
//! timeout = "10s"                        # per request
//! max_attempts = 6                       # first try included
//! backoff = "1s"                         # first retry's delay, doubled each time
//! max_backoff = "5m"                     # and never more (caps Retry-After too)
//! queue = 256                            # deliveries waiting; more are dropped and reported
//! ```
//!
//! A secret is never written in the file: `secret = "…"` is refused, and
//! so is a URL with a password in it. A Slack incoming-webhook URL is itself
//! a secret; give it with `url_env` and it is redacted like one.

use crate::event::EVENT_NAMES;
use crate::payload::Format;
use std::fmt;
use std::time::Duration;

/// The default per-request timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// The default number of attempts, the first included.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 6;
/// The default delay before the first retry.
pub const DEFAULT_BACKOFF: Duration = Duration::from_secs(1);
/// The default longest delay between attempts.
pub const DEFAULT_MAX_BACKOFF: Duration = Duration::from_secs(300);
/// The default queue length per webhook.
pub const DEFAULT_QUEUE: usize = 256;

const MAX_TIMEOUT: Duration = Duration::from_secs(300);
const MAX_ATTEMPTS: u32 = 20;
const MAX_QUEUE: usize = 100_000;

/// One configured webhook, its secrets resolved from the environment.
#[derive(Clone, PartialEq)]
pub struct Webhook {
    /// How reports and errors name it (never the URL's secret part).
    pub name: String,
    pub url: String,
    /// The URL came from `url_env`: it is redacted like a secret.
    pub url_is_secret: bool,
    pub format: Format,
    /// The HMAC key; no signature header without one.
    pub secret: Option<Vec<u8>>,
    /// The event names it receives; `None`: all.
    pub events: Option<Vec<String>>,
    pub timeout: Duration,
    pub retry: Retry,
    pub queue: usize,
}

/// How often and how patiently a delivery is retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retry {
    /// Attempts in all, the first included (at least 1).
    pub max_attempts: u32,
    /// The delay before the first retry; doubled for each further one.
    pub backoff: Duration,
    /// The longest delay, for the doubling and for a `Retry-After`.
    pub max_backoff: Duration,
}

impl Default for Retry {
    fn default() -> Self {
        Retry {
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            backoff: DEFAULT_BACKOFF,
            max_backoff: DEFAULT_MAX_BACKOFF,
        }
    }
}

impl fmt::Debug for Webhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Webhook")
            .field("name", &self.name)
            .field(
                "url",
                &if self.url_is_secret {
                    "[secret]"
                } else {
                    &self.url
                },
            )
            .field("format", &self.format)
            .field("secret", &self.secret.as_ref().map(|_| "[secret]"))
            .field("events", &self.events)
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .field("queue", &self.queue)
            .finish()
    }
}

impl Webhook {
    /// A JSON webhook to `url` with the defaults, unsigned.
    pub fn new(name: impl Into<String>, url: impl Into<String>) -> Self {
        Webhook {
            name: name.into(),
            url: url.into(),
            url_is_secret: false,
            format: Format::Json,
            secret: None,
            events: None,
            timeout: DEFAULT_TIMEOUT,
            retry: Retry::default(),
            queue: DEFAULT_QUEUE,
        }
    }

    /// Whether it receives events named `event`.
    pub fn wants(&self, event: &str) -> bool {
        self.events
            .as_ref()
            .is_none_or(|e| e.iter().any(|n| n == event))
    }

    /// The `[[webhooks]]` of a whole `greenlight.toml` text.
    pub fn from_config_text(
        text: &str,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Vec<Webhook>, ConfigError> {
        let table: toml::Table = toml::from_str(text).map_err(|e| ConfigError {
            entry: "greenlight.toml".into(),
            detail: e.to_string(),
        })?;
        match table.get("webhooks") {
            None => Ok(Vec::new()),
            Some(toml::Value::Array(items)) => {
                let mut tables = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    match item {
                        toml::Value::Table(t) => tables.push(t.clone()),
                        _ => return Err(ConfigError::at(i, "expected a table ([[webhooks]])")),
                    }
                }
                Webhook::from_tables(&tables, env)
            }
            Some(_) => Err(ConfigError {
                entry: "webhooks".into(),
                detail: "expected an array of tables: write [[webhooks]]".into(),
            }),
        }
    }

    /// The `[[webhooks]]` tables (as `greenlight_run::workspace::Config`
    /// keeps them), reading secrets through `env`.
    pub fn from_tables(
        tables: &[toml::Table],
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Vec<Webhook>, ConfigError> {
        let hooks = tables
            .iter()
            .enumerate()
            .map(|(i, t)| parse_one(t, env).map_err(|d| ConfigError::at(i, d)))
            .collect::<Result<Vec<_>, _>>()?;
        for (i, h) in hooks.iter().enumerate() {
            if hooks[..i].iter().any(|o| o.name == h.name) {
                return Err(ConfigError::at(
                    i,
                    format!(
                        "another webhook is already named {:?}; give each a distinct name",
                        h.name
                    ),
                ));
            }
        }
        Ok(hooks)
    }
}

/// A `[[webhooks]]` entry that cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{entry}: {detail}")]
pub struct ConfigError {
    /// `webhooks[0]` (0-based, in file order).
    pub entry: String,
    pub detail: String,
}

impl ConfigError {
    fn at(i: usize, detail: impl Into<String>) -> Self {
        ConfigError {
            entry: format!("webhooks[{i}]"),
            detail: detail.into(),
        }
    }
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    name: Option<String>,
    url: Option<String>,
    url_env: Option<String>,
    format: Option<String>,
    /// Only to refuse it with a clear message.
    secret: Option<toml::Value>,
    secret_env: Option<String>,
    events: Option<Vec<String>>,
    timeout: Option<String>,
    max_attempts: Option<u32>,
    backoff: Option<String>,
    max_backoff: Option<String>,
    queue: Option<usize>,
}

fn parse_one(t: &toml::Table, env: &dyn Fn(&str) -> Option<String>) -> Result<Webhook, String> {
    let raw: Raw = t
        .clone()
        .try_into()
        .map_err(|e: toml::de::Error| e.message().to_string())?;
    if raw.secret.is_some() {
        return Err("a secret written in greenlight.toml is no secret (the file is committed); \
                    name an environment variable instead: secret_env = \"GREENLIGHT_WEBHOOK_SECRET\""
            .into());
    }
    let from_env = |var: &str, what: &str| -> Result<String, String> {
        env(var)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| format!("{what}: environment variable {var} is not set"))
    };
    let (url, url_is_secret) = match (raw.url, raw.url_env) {
        (Some(u), None) => (u, false),
        (None, Some(var)) => (from_env(&var, "url_env")?, true),
        _ => return Err("give exactly one of url or url_env".into()),
    };
    let parsed = reqwest::Url::parse(&url).map_err(|e| {
        if url_is_secret {
            format!("url_env: not a URL ({e})")
        } else {
            format!("url {url:?} is not a URL ({e})")
        }
    })?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(format!(
            "url: scheme {:?} is not http or https",
            parsed.scheme()
        ));
    }
    if parsed.password().is_some() && !url_is_secret {
        return Err("url: a password written in greenlight.toml is no secret; \
                    give the whole URL with url_env = \"…\" instead"
            .into());
    }
    let host = parsed.host_str().unwrap_or_default().to_string();
    let format = match raw.format.as_deref() {
        None | Some("json") => Format::Json,
        Some("slack") => Format::Slack,
        Some(other) => return Err(format!("format {other:?}: expected \"json\" or \"slack\"")),
    };
    let secret = raw
        .secret_env
        .map(|var| from_env(&var, "secret_env").map(String::into_bytes))
        .transpose()?;
    if let Some(events) = &raw.events {
        if events.is_empty() {
            return Err(
                "events = []: the webhook would never be called; leave events out for all".into(),
            );
        }
        if let Some(bad) = events.iter().find(|e| !EVENT_NAMES.contains(&e.as_str())) {
            return Err(format!(
                "events: unknown event {bad:?} (known: {})",
                EVENT_NAMES.join(", ")
            ));
        }
    }
    let duration =
        |field: &str, v: Option<String>, default: Duration| -> Result<Duration, String> {
            match v {
                None => Ok(default),
                Some(s) => humantime::parse_duration(&s)
                    .map_err(|e| format!("{field} = {s:?}: {e} (write e.g. \"500ms\" or \"10s\")")),
            }
        };
    let timeout = duration("timeout", raw.timeout, DEFAULT_TIMEOUT)?;
    if timeout.is_zero() || timeout > MAX_TIMEOUT {
        return Err(format!(
            "timeout must be above 0 and at most {}",
            humantime::format_duration(MAX_TIMEOUT)
        ));
    }
    let retry = Retry {
        max_attempts: raw.max_attempts.unwrap_or(DEFAULT_MAX_ATTEMPTS),
        backoff: duration("backoff", raw.backoff, DEFAULT_BACKOFF)?,
        max_backoff: duration("max_backoff", raw.max_backoff, DEFAULT_MAX_BACKOFF)?,
    };
    if !(1..=MAX_ATTEMPTS).contains(&retry.max_attempts) {
        return Err(format!("max_attempts must be between 1 and {MAX_ATTEMPTS}"));
    }
    if retry.backoff > retry.max_backoff {
        return Err("backoff must not exceed max_backoff".into());
    }
    let queue = raw.queue.unwrap_or(DEFAULT_QUEUE);
    if !(1..=MAX_QUEUE).contains(&queue) {
        return Err(format!("queue must be between 1 and {MAX_QUEUE}"));
    }
    Ok(Webhook {
        name: raw.name.filter(|n| !n.trim().is_empty()).unwrap_or(host),
        url,
        url_is_secret,
        format,
        secret,
        events: raw.events,
        timeout,
        retry,
        queue,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "HOOK_SECRET" => Some("s3cr3t".into()),
            "SLACK_URL" => Some("https://hooks.slack.com/services/T0/B0/xyz".into()),
            _ => None,
        }
    }

    fn parse(text: &str) -> Result<Vec<Webhook>, ConfigError> {
        Webhook::from_config_text(text, &env)
    }

    fn err(text: &str) -> String {
        parse(text).unwrap_err().to_string()
    }

    #[test]
    fn a_full_entry_is_read_with_its_secrets_from_the_environment() {
        let hooks = parse(
            r#"
checklist = "RELEASE.md"
[[webhooks]]
name = "room"
url = "https://hooks.example.com/gl"
secret_env = "HOOK_SECRET"
events = ["signed_off"]
timeout = "2s"
max_attempts = 3
backoff = "100ms"
max_backoff = "1s"
queue = 8

[[webhooks]]
url_env = "SLACK_URL"
format = "slack"
"#,
        )
        .unwrap();
        let room = &hooks[0];
        assert_eq!(room.name, "room");
        assert_eq!(room.secret.as_deref(), Some(&b"s3cr3t"[..]));
        assert!(room.wants("signed_off") && !room.wants("verdict_changed"));
        assert_eq!(room.timeout, Duration::from_secs(2));
        assert_eq!(
            room.retry,
            Retry {
                max_attempts: 3,
                backoff: Duration::from_millis(100),
                max_backoff: Duration::from_secs(1)
            }
        );
        assert_eq!(room.queue, 8);
        let slack = &hooks[1];
        assert_eq!(slack.name, "hooks.slack.com");
        assert_eq!(slack.format, Format::Slack);
        assert!(slack.url_is_secret && slack.wants("verdict_changed"));
        assert_eq!(slack.retry, Retry::default());
        let shown = format!("{hooks:?}");
        assert!(
            !shown.contains("s3cr3t") && !shown.contains("xyz"),
            "{shown}"
        );
    }

    #[test]
    fn the_workspace_config_keeps_the_entries_for_us() {
        let dir = std::env::temp_dir().join(format!("gl-notify-cfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("greenlight.toml"),
            "store = \"runs.db\"\n[[webhooks]]\nurl = \"http://127.0.0.1:9/h\"\nsecret_env = \"HOOK_SECRET\"\n",
        )
        .unwrap();
        let cfg = greenlight_run::workspace::find_config(&dir)
            .unwrap()
            .unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        let hooks = Webhook::from_tables(&cfg.webhooks, &env).unwrap();
        assert_eq!(hooks.len(), 1);
        assert_eq!(
            (hooks[0].name.as_str(), hooks[0].url.as_str()),
            ("127.0.0.1", "http://127.0.0.1:9/h")
        );
        assert_eq!(hooks[0].secret.as_deref(), Some(&b"s3cr3t"[..]));
    }

    #[test]
    fn the_watch_events_can_be_chosen_by_name() {
        let hooks = parse(
            "[[webhooks]]\nurl = \"http://127.0.0.1:9/h\"\nevents = [\"watch_breach\", \"rolled_back\"]\n",
        )
        .unwrap();
        let h = &hooks[0];
        assert!(h.wants("watch_breach") && h.wants("rolled_back"));
        assert!(!h.wants("verdict_changed") && !h.wants("signed_off"));
        let only_breach =
            parse("[[webhooks]]\nurl = \"http://127.0.0.1:9/h\"\nevents = [\"watch_breach\"]\n")
                .unwrap();
        assert!(only_breach[0].wants("watch_breach") && !only_breach[0].wants("rolled_back"));
        for e in [
            crate::Event::WatchBreach {
                metric: "error rate".into(),
                observed: "3%".into(),
                bound: "< 1%".into(),
                line: 1,
            },
            crate::Event::RolledBack {
                run: "1".into(),
                automatic: false,
            },
        ] {
            assert!(EVENT_NAMES.contains(&e.name()), "{}", e.name());
        }
    }

    #[test]
    fn no_webhooks_is_an_empty_list() {
        assert_eq!(parse("store = \"x.db\"\n").unwrap(), Vec::new());
    }

    #[test]
    fn a_literal_secret_is_refused_with_the_way_out() {
        let e = err("[[webhooks]]\nurl = \"http://127.0.0.1:1/\"\nsecret = \"hunter2\"\n");
        assert!(
            e.starts_with("webhooks[0]: a secret written in greenlight.toml is no secret"),
            "{e}"
        );
        assert!(e.contains("secret_env") && !e.contains("hunter2"), "{e}");
        let e = err("[[webhooks]]\nurl = \"https://u:hunter2@h.example/\"\n");
        assert!(
            e.contains("password") && e.contains("url_env") && !e.contains("hunter2"),
            "{e}"
        );
    }

    #[test]
    fn bad_entries_get_clear_errors() {
        let cases = [
            (
                "url_env = \"NOPE\"",
                "url_env: environment variable NOPE is not set",
            ),
            (
                "url = \"http://h/\"\nsecret_env = \"NOPE\"",
                "secret_env: environment variable NOPE is not set",
            ),
            ("name = \"x\"", "give exactly one of url or url_env"),
            ("url = \"ftp://h/\"", "scheme \"ftp\" is not http or https"),
            ("url = \"not a url\"", "is not a URL"),
            (
                "url = \"http://h/\"\nformat = \"teams\"",
                "format \"teams\": expected \"json\" or \"slack\"",
            ),
            (
                "url = \"http://h/\"\nevents = [\"deployed\"]",
                "unknown event \"deployed\" (known: verdict_changed, signed_off, watch_breach, rolled_back)",
            ),
            ("url = \"http://h/\"\nevents = []", "would never be called"),
            (
                "url = \"http://h/\"\ntimeout = \"soon\"",
                "timeout = \"soon\"",
            ),
            (
                "url = \"http://h/\"\ntimeout = \"0s\"",
                "timeout must be above 0",
            ),
            (
                "url = \"http://h/\"\nmax_attempts = 0",
                "max_attempts must be between 1 and 20",
            ),
            (
                "url = \"http://h/\"\nbackoff = \"10s\"\nmax_backoff = \"1s\"",
                "backoff must not exceed max_backoff",
            ),
            ("url = \"http://h/\"\nqueue = 0", "queue must be between 1"),
            (
                "url = \"http://h/\"\nretries = 3",
                "unknown field `retries`",
            ),
        ];
        for (body, want) in cases {
            let e = err(&format!("[[webhooks]]\n{body}\n"));
            assert!(
                e.starts_with("webhooks[0]: ") && e.contains(want),
                "{body}: {e}"
            );
        }
        let e = err("webhooks = 3\n");
        assert!(e.contains("[[webhooks]]"), "{e}");
        let e = err("[[webhooks]]\nurl = \"http://a/\"\n[[webhooks]]\nurl = \"http://a/x\"\n");
        assert!(
            e.starts_with("webhooks[1]: another webhook is already named \"a\""),
            "{e}"
        );
    }
}
