//! The environment profile (TOML): where the document's hosts really are,
//! where variables and secrets come from, which services to use, and which
//! safety classes may run.
//!
//! ```toml
//! [hosts]
//! "staging-api.yourdomain.com" = "http://127.0.0.1:18081"
//! [hosts."api.example.com"]           # a host entry may also be a table:
//! to = "http://127.0.0.1:8080"        # where it really is (optional)
//! headers = { Authorization = "Bearer ${TOKEN}" }
//! [headers]                           # sent to every host
//! X-Release-Check = "greenlight"
//! [vars]
//! USER_TOKEN = "user-token"
//! TOKEN = { env = "NOX_TOKEN", secret = true }
//! [services]
//! postgres = "postgres://postgres@127.0.0.1:5432/nox_staging"
//! redis = "redis://127.0.0.1:6379"
//! [allow]
//! classes = ["read"]
//! shell = true
//! [policy]
//! timeout = "10s"
//! concurrency = 16
//! [metrics]                           # for `greenlight watch`
//! prometheus = "http://127.0.0.1:9090"
//! timeout = "5s"
//! [watch]
//! on_breach = ["notify", "pause", "rollback"]
//! on_warn = []
//! ```
//!
//! `headers` (per host, or the global `[headers]` table) are sent with the
//! requests greenlight *infers* from an item's words (`` `GET /x` returns
//! 200 ``), which have no written command to carry credentials; a host's
//! own headers win over global ones of the same name. Values may use
//! `${VAR}` / `$VAR` from `[vars]`; secret values stay redacted in every
//! report. An inferred request that still gets 401 or 403 *needs review*
//! ("needs credentials"), it does not fail.

use crate::load_step::LoadLimits;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How dangerous a step is. Only allowed classes run.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Class {
    Read,
    Mutating,
    Destructive,
}

impl Class {
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Read => "read",
            Class::Mutating => "mutating",
            Class::Destructive => "destructive",
        }
    }

    pub fn parse(s: &str) -> Option<Class> {
        match s.trim().to_ascii_lowercase().as_str() {
            "read" => Some(Class::Read),
            "mutating" => Some(Class::Mutating),
            "destructive" => Some(Class::Destructive),
            _ => None,
        }
    }
}

/// A profile that could not be used; the message names the file and, for
/// syntax errors, the line.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("{path}: cannot read profile: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}:{line}:{col}: {message}")]
    Syntax {
        path: PathBuf,
        line: usize,
        col: usize,
        message: String,
    },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawProfile {
    name: Option<String>,
    #[serde(default)]
    hosts: BTreeMap<String, RawHost>,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    #[serde(default)]
    vars: BTreeMap<String, RawVar>,
    #[serde(default)]
    services: BTreeMap<String, String>,
    #[serde(default)]
    allow: RawAllow,
    #[serde(default)]
    policy: RawPolicy,
    #[serde(default)]
    tls: RawTls,
    #[serde(default)]
    load: RawLoad,
    #[serde(default)]
    audit: RawAudit,
    #[serde(default)]
    rollback: RawRollback,
    #[serde(default)]
    metrics: RawMetrics,
    #[serde(default)]
    watch: RawWatch,
}

/// `[metrics]`: where `watch` reads metrics from besides its own probes.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawMetrics {
    prometheus: Option<String>,
    timeout: Option<String>,
}

/// `[watch]`: what `watch` does when a gate breaches or warns.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawWatch {
    on_breach: Option<Vec<String>>,
    on_warn: Option<Vec<String>>,
}

/// `[rollback]`: `automatic = true` lets `watch` roll back by itself, once
/// a person has armed the release.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawRollback {
    automatic: Option<bool>,
}

/// `[audit]`: `key = { env = "GREENLIGHT_AUDIT_KEY" }` or `{ file = "…" }`.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawAudit {
    key: Option<RawSource>,
}

/// `[load]`: upper bounds for every load step of a run.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawLoad {
    max_duration: Option<String>,
    max_vus: Option<u32>,
    max_rate: Option<f64>,
    timeout: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawTls {
    /// PEM file of extra trusted roots (a staging CA), relative to the profile.
    ca_file: Option<PathBuf>,
}

/// A `[hosts]` entry: `"host" = "target"` or a table with `to` and `headers`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RawHost {
    Target(String),
    Table(RawHostTable),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHostTable {
    to: Option<String>,
    #[serde(default)]
    headers: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RawVar {
    Literal(String),
    Number(i64),
    Source(RawSource),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    env: Option<String>,
    file: Option<PathBuf>,
    value: Option<String>,
    #[serde(default)]
    secret: bool,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawAllow {
    classes: Option<Vec<String>>,
    shell: Option<bool>,
    /// Load tests run even where mutating steps do not.
    load: Option<bool>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    timeout: Option<String>,
    shell_timeout: Option<String>,
    concurrency: Option<usize>,
    /// Retry a failing check until it passes: `{ interval = "1s", deadline = "30s" }`.
    eventually: Option<RawEventually>,
    /// `"last-go"`: compare each step's latency with the last GO run.
    baseline: Option<String>,
    /// Allowed latency increase over the baseline (0.2 = 20%).
    latency_regression: Option<f64>,
    /// Increases smaller than this many milliseconds are never regressions.
    latency_floor_ms: Option<u64>,
    /// Whether a waiver may count for a blocker.
    waive_blockers: Option<bool>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
struct RawEventually {
    interval: String,
    deadline: String,
}

/// A variable's value and whether it must be redacted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Var {
    pub value: String,
    pub secret: bool,
}

/// Retry-until-pass settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Eventually {
    pub interval: Duration,
    pub deadline: Duration,
}

/// A validated profile.
#[derive(Debug, Clone)]
pub struct Profile {
    pub name: String,
    /// `host` or `host:port` → replacement (`http://127.0.0.1:18081` or `127.0.0.1:18081`).
    pub hosts: BTreeMap<String, String>,
    /// `[hosts."name"] headers`: host (lower-case, as in `hosts`) → headers
    /// for requests inferred from prose to that host.
    pub host_headers: BTreeMap<String, Vec<(String, String)>>,
    /// `[headers]`: headers for every request inferred from prose.
    pub headers: Vec<(String, String)>,
    pub vars: BTreeMap<String, Var>,
    /// Variables the profile names but whose source is missing (env var not
    /// set, file unreadable): steps that need them are blocked, naming why.
    pub missing: BTreeMap<String, String>,
    pub services: BTreeMap<String, String>,
    pub allowed: Vec<Class>,
    pub shell: bool,
    pub timeout: Duration,
    pub shell_timeout: Duration,
    pub concurrency: usize,
    pub eventually: Option<Eventually>,
    /// Extra trusted root certificates (PEM file), for TLS and HTTPS checks.
    pub ca_file: Option<PathBuf>,
    /// Relative latency criterion against an earlier run.
    pub baseline: Option<Baseline>,
    pub waive_blockers: bool,
    /// `[allow] load = true` (or `--allow load`): load steps run even
    /// where mutating steps do not.
    pub allow_load: bool,
    /// `[load]`: every load step is scaled down to fit these.
    pub load_limits: LoadLimits,
    /// `[audit] key`: the secret that signs the run's audit chain.
    pub audit_key: AuditKeySetting,
    /// `[rollback] automatic = true`: an armed release may be rolled back
    /// without a person at the keyboard.
    pub rollback_automatic: bool,
    /// `[metrics] prometheus = "http://…"`: the Prometheus HTTP API `watch`
    /// runs the document's PromQL against.
    pub prometheus: Option<String>,
    /// `[metrics] timeout`: bound of each Prometheus query (default 5s).
    pub metrics_timeout: Duration,
    /// `[watch] on_breach`: what `watch` does when a gate breaches
    /// (default: notify).
    pub on_breach: Vec<WatchAction>,
    /// `[watch] on_warn`: what `watch` does when a gate warns (default: nothing).
    pub on_warn: Vec<WatchAction>,
}

/// What `watch` may do when a gate breaches or warns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WatchAction {
    /// Send a webhook to greenlight.toml's `[[webhooks]]`.
    Notify,
    /// Stop the window for a person (`greenlight watch --resume RUN`).
    Pause,
    /// Run the rollback procedure, when the profile and an arming allow it.
    Rollback,
}

impl WatchAction {
    pub fn as_str(self) -> &'static str {
        match self {
            WatchAction::Notify => "notify",
            WatchAction::Pause => "pause",
            WatchAction::Rollback => "rollback",
        }
    }

    pub fn parse(s: &str) -> Option<WatchAction> {
        match s.trim().to_ascii_lowercase().as_str() {
            "notify" => Some(WatchAction::Notify),
            "pause" => Some(WatchAction::Pause),
            "rollback" => Some(WatchAction::Rollback),
            _ => None,
        }
    }
}

/// Where the audit key stands after reading the profile.
#[derive(Clone, Default, PartialEq, Eq)]
pub enum AuditKeySetting {
    /// The profile names no key.
    #[default]
    None,
    /// The key's secret.
    Key(String),
    /// The profile names a key whose source is missing (why).
    Missing(String),
}

impl std::fmt::Debug for AuditKeySetting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AuditKeySetting::None => f.write_str("None"),
            AuditKeySetting::Key(_) => f.write_str("Key(<redacted>)"),
            AuditKeySetting::Missing(why) => write!(f, "Missing({why:?})"),
        }
    }
}

/// `baseline = "last-go"`: a step's latency may be at most `regression`
/// above the same step in the last GO run of the same checklist (and more
/// than `floor_ms` above it, so loopback noise is not a regression).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Baseline {
    pub regression: f64,
    pub floor_ms: u64,
}

impl Default for Profile {
    fn default() -> Self {
        Profile {
            name: "default".into(),
            hosts: BTreeMap::new(),
            host_headers: BTreeMap::new(),
            headers: Vec::new(),
            vars: BTreeMap::new(),
            missing: BTreeMap::new(),
            services: BTreeMap::new(),
            allowed: vec![Class::Read],
            shell: true,
            timeout: Duration::from_secs(10),
            shell_timeout: Duration::from_secs(60),
            concurrency: 16,
            eventually: None,
            ca_file: None,
            baseline: None,
            waive_blockers: false,
            allow_load: false,
            load_limits: LoadLimits::default(),
            audit_key: AuditKeySetting::None,
            rollback_automatic: false,
            prometheus: None,
            metrics_timeout: Duration::from_secs(5),
            on_breach: vec![WatchAction::Notify],
            on_warn: Vec::new(),
        }
    }
}

impl Profile {
    /// Reads and validates a profile file. Environment variables named by
    /// `{ env = "…" }` are read from `env` (the process environment in
    /// production; a map in tests).
    pub fn load(
        path: &Path,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Profile, ProfileError> {
        let text = std::fs::read_to_string(path).map_err(|source| ProfileError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Profile::from_toml(&text, path, env)
    }

    /// Parses a profile from TOML text; `path` is used in messages and to
    /// resolve `file = …` sources relative to the profile.
    pub fn from_toml(
        text: &str,
        path: &Path,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Profile, ProfileError> {
        let raw: RawProfile = toml::from_str(text).map_err(|e| {
            let (line, col) = e.span().map(|s| line_col(text, s.start)).unwrap_or((1, 1));
            ProfileError::Syntax {
                path: path.to_path_buf(),
                line,
                col,
                message: e.message().to_string(),
            }
        })?;
        let invalid = |message: String| ProfileError::Invalid {
            path: path.to_path_buf(),
            message,
        };
        let mut profile = Profile {
            name: raw.name.unwrap_or_else(|| {
                path.file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_else(|| "profile".into())
            }),
            ..Profile::default()
        };
        for (host, entry) in raw.hosts {
            let host = host.to_ascii_lowercase();
            let (target, headers) = match entry {
                RawHost::Target(t) => (Some(t), BTreeMap::new()),
                RawHost::Table(t) => (t.to, t.headers),
            };
            if let Some(target) = target {
                check_target(&target).map_err(|m| invalid(format!("[hosts] \"{host}\": {m}")))?;
                profile.hosts.insert(host.clone(), target);
            }
            if !headers.is_empty() {
                profile
                    .host_headers
                    .insert(host, headers.into_iter().collect());
            }
        }
        profile.headers = raw.headers.into_iter().collect();
        let base = path.parent().unwrap_or(Path::new("."));
        for (name, var) in raw.vars {
            match var {
                RawVar::Literal(value) => {
                    profile.vars.insert(
                        name,
                        Var {
                            value,
                            secret: false,
                        },
                    );
                }
                RawVar::Number(n) => {
                    profile.vars.insert(
                        name,
                        Var {
                            value: n.to_string(),
                            secret: false,
                        },
                    );
                }
                RawVar::Source(src) => {
                    let value = match (&src.env, &src.file, &src.value) {
                        (Some(var), None, None) => {
                            env(var).ok_or_else(|| format!("environment variable {var} is not set"))
                        }
                        (None, Some(file), None) => std::fs::read_to_string(base.join(file))
                            .map(|s| s.trim_end_matches(['\n', '\r']).to_string())
                            .map_err(|e| format!("cannot read {}: {e}", base.join(file).display())),
                        (None, None, Some(v)) => Ok(v.clone()),
                        _ => {
                            return Err(invalid(format!(
                                "[vars] {name}: give exactly one of env, file or value"
                            )));
                        }
                    };
                    match value {
                        Ok(value) if !value.is_empty() => {
                            profile.vars.insert(
                                name,
                                Var {
                                    value,
                                    secret: src.secret,
                                },
                            );
                        }
                        Ok(_) => {
                            profile.missing.insert(name, "its source is empty".into());
                        }
                        Err(why) => {
                            profile.missing.insert(name, why);
                        }
                    }
                }
            }
        }
        for (name, url) in raw.services {
            profile.services.insert(name.to_ascii_lowercase(), url);
        }
        if let Some(classes) = raw.allow.classes {
            let mut allowed = Vec::new();
            for c in classes {
                let class = Class::parse(&c).ok_or_else(|| {
                    invalid(format!(
                        "[allow] classes: unknown class \"{c}\" (use read, mutating or destructive)"
                    ))
                })?;
                allowed.push(class);
            }
            profile.allowed = allowed;
        }
        if let Some(shell) = raw.allow.shell {
            profile.shell = shell;
        }
        profile.allow_load = raw.allow.load.unwrap_or(false);
        profile.rollback_automatic = raw.rollback.automatic.unwrap_or(false);
        if let Some(url) = raw.metrics.prometheus {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(invalid(format!(
                    "[metrics] prometheus: \"{url}\" is not an http:// or https:// URL"
                )));
            }
            profile.prometheus = Some(url);
        }
        if let Some(t) = &raw.metrics.timeout {
            profile.metrics_timeout =
                parse_duration(t).filter(|d| !d.is_zero()).ok_or_else(|| {
                    invalid(format!(
                        "[metrics] timeout: \"{t}\" is not a duration above 0 (use 2s, 500ms)"
                    ))
                })?;
        }
        let actions = |field: &str, words: Vec<String>| {
            words
                .iter()
                .map(|w| {
                    WatchAction::parse(w).ok_or_else(|| {
                        invalid(format!(
                            "[watch] {field}: unknown action \"{w}\" (use notify, pause or rollback)"
                        ))
                    })
                })
                .collect::<Result<Vec<_>, _>>()
        };
        if let Some(w) = raw.watch.on_breach {
            profile.on_breach = actions("on_breach", w)?;
        }
        if let Some(w) = raw.watch.on_warn {
            profile.on_warn = actions("on_warn", w)?;
        }
        let dur = |field: &str, s: &str| {
            parse_duration(s).ok_or_else(|| {
                invalid(format!(
                    "[policy] {field}: \"{s}\" is not a duration (use 500ms, 10s, 2m)"
                ))
            })
        };
        if let Some(t) = &raw.policy.timeout {
            profile.timeout = dur("timeout", t)?;
        }
        if let Some(t) = &raw.policy.shell_timeout {
            profile.shell_timeout = dur("shell_timeout", t)?;
        }
        if let Some(c) = raw.policy.concurrency {
            if c == 0 {
                return Err(invalid("[policy] concurrency must be at least 1".into()));
            }
            profile.concurrency = c;
        }
        if let Some(e) = &raw.policy.eventually {
            profile.eventually = Some(Eventually {
                interval: dur("eventually.interval", &e.interval)?,
                deadline: dur("eventually.deadline", &e.deadline)?,
            });
        }
        profile.ca_file = raw.tls.ca_file.map(|f| base.join(f));
        if let Some(d) = &raw.load.max_duration {
            profile.load_limits.max_duration = Some(parse_duration(d).ok_or_else(|| {
                invalid(format!(
                    "[load] max_duration: \"{d}\" is not a duration (use 10s, 2m)"
                ))
            })?);
        }
        if let Some(t) = &raw.load.timeout {
            profile.load_limits.timeout =
                Some(parse_duration(t).filter(|d| !d.is_zero()).ok_or_else(|| {
                    invalid(format!(
                        "[load] timeout: \"{t}\" is not a duration above 0 (use 10s, 1m)"
                    ))
                })?);
        }
        if raw.load.max_vus == Some(0) {
            return Err(invalid("[load] max_vus must be at least 1".into()));
        }
        profile.load_limits.max_vus = raw.load.max_vus;
        if let Some(r) = raw.load.max_rate
            && !(r.is_finite() && r > 0.0)
        {
            return Err(invalid("[load] max_rate must be a number above 0".into()));
        }
        profile.load_limits.max_rate = raw.load.max_rate;
        profile.waive_blockers = raw.policy.waive_blockers.unwrap_or(false);
        if let Some(src) = &raw.audit.key {
            let value = match (&src.env, &src.file, &src.value) {
                (Some(var), None, None) => {
                    env(var).ok_or_else(|| format!("environment variable {var} is not set"))
                }
                (None, Some(file), None) => std::fs::read_to_string(base.join(file))
                    .map(|s| s.trim_end_matches(['\n', '\r']).to_string())
                    .map_err(|e| format!("cannot read {}: {e}", base.join(file).display())),
                (None, None, Some(_)) => {
                    return Err(invalid(
                        "[audit] key: a key written in the profile is no secret; use { env = \"…\" } or { file = \"…\" }".into(),
                    ));
                }
                _ => {
                    return Err(invalid(
                        "[audit] key: give exactly one of env or file".into(),
                    ));
                }
            };
            profile.audit_key = match value {
                Ok(v) if !v.is_empty() => AuditKeySetting::Key(v),
                Ok(_) => AuditKeySetting::Missing("its source is empty".into()),
                Err(why) => AuditKeySetting::Missing(why),
            };
        }
        match raw.policy.baseline.as_deref() {
            None => {}
            Some("last-go") => {
                let regression = raw.policy.latency_regression.unwrap_or(0.2);
                if !(regression.is_finite() && regression >= 0.0) {
                    return Err(invalid(
                        "[policy] latency_regression must be a number ≥ 0 (0.2 = 20%)".into(),
                    ));
                }
                profile.baseline = Some(Baseline {
                    regression,
                    floor_ms: raw.policy.latency_floor_ms.unwrap_or(5),
                });
            }
            Some(other) => {
                return Err(invalid(format!(
                    "[policy] baseline: \"{other}\" is not known (use \"last-go\")"
                )));
            }
        }
        Ok(profile)
    }

    /// The headers to send with a request inferred from prose to `url`:
    /// the global `[headers]`, then those of the URL's host entry (by
    /// `host:port`, then `host`, or by the entry's `to` target), which win
    /// over global ones of the same name. `$BASE_URL` and other `[vars]`
    /// at the start of `url` are looked through to find the host.
    pub fn headers_for(&self, url: &str) -> Vec<(String, String)> {
        let mut out = self.headers.clone();
        let filled = self.fill_leading_var(url);
        let host_port = filled
            .split_once("://")
            .map_or(filled.as_str(), |(_, r)| r)
            .split(['/', '?', '#'])
            .next()
            .unwrap_or_default()
            .rsplit('@')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        let host = host_port
            .rsplit_once(':')
            .filter(|(_, p)| p.chars().all(|c| c.is_ascii_digit()))
            .map_or(host_port.as_str(), |(h, _)| h);
        let entry = [host_port.as_str(), host]
            .into_iter()
            .find_map(|k| self.host_headers.get(k))
            .or_else(|| {
                self.host_headers.iter().find_map(|(name, h)| {
                    let to = self.hosts.get(name)?;
                    let to = to.split_once("://").map_or(to.as_str(), |(_, r)| r);
                    let to = to.split('/').next().unwrap_or_default();
                    (to.eq_ignore_ascii_case(&host_port)).then_some(h)
                })
            });
        for (k, v) in entry.into_iter().flatten() {
            out.retain(|(gk, _)| !gk.eq_ignore_ascii_case(k));
            out.push((k.clone(), v.clone()));
        }
        out
    }

    fn fill_leading_var(&self, url: &str) -> String {
        let Some(rest) = url.strip_prefix('$') else {
            return url.to_string();
        };
        let (name, tail) = match rest.strip_prefix('{') {
            Some(r) => match r.split_once('}') {
                Some((n, t)) => (n, t),
                None => return url.to_string(),
            },
            None => {
                let end = rest
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(rest.len());
                (&rest[..end], &rest[end..])
            }
        };
        match self.vars.get(name) {
            Some(v) => format!("{}{tail}", v.value),
            None => url.to_string(),
        }
    }

    /// Applies `--set NAME=VALUE`.
    pub fn set_var(&mut self, name: &str, value: &str) {
        self.missing.remove(name);
        let secret = self.vars.get(name).is_some_and(|v| v.secret);
        self.vars.insert(
            name.to_string(),
            Var {
                value: value.to_string(),
                secret,
            },
        );
    }

    /// Applies `--allow CLASS`: allows it (and nothing else changes).
    pub fn allow(&mut self, class: Class) {
        if !self.allowed.contains(&class) {
            self.allowed.push(class);
        }
    }

    /// Applies one `--allow WORD`: a class, or `load` for load steps.
    pub fn allow_word(&mut self, word: &str) -> Result<(), String> {
        if word.eq_ignore_ascii_case("load") {
            self.allow_load = true;
            return Ok(());
        }
        let class = Class::parse(word)
            .ok_or_else(|| format!("--allow {word}: use read, mutating, destructive or load"))?;
        self.allow(class);
        Ok(())
    }

    pub fn is_allowed(&self, class: Class) -> bool {
        self.allowed.contains(&class)
    }

    /// Whether a step of `class` may run: its class is allowed, or it is a
    /// load test (`load`) and load tests are (`--allow load`).
    pub fn allows(&self, class: Class, load: bool) -> bool {
        self.is_allowed(class) || load && self.allow_load
    }

    /// Every secret value, for redaction.
    pub fn secrets(&self) -> Vec<String> {
        self.vars
            .values()
            .filter(|v| v.secret && !v.value.is_empty())
            .map(|v| v.value.clone())
            .collect()
    }

    /// A warning for each secret so short that masking it may hide
    /// ordinary text (named, never shown; see
    /// [`crate::redact::short_secret_warnings`]).
    pub fn short_secret_warnings(&self) -> Vec<String> {
        crate::redact::short_secret_warnings(
            self.vars
                .iter()
                .filter(|(_, v)| v.secret)
                .map(|(name, v)| (name.as_str(), v.value.as_str())),
        )
    }
}

fn check_target(target: &str) -> Result<(), String> {
    let rest = match target.split_once("://") {
        Some((scheme, rest)) => {
            if !matches!(
                scheme,
                "http" | "https" | "ws" | "wss" | "tcp" | "postgres" | "postgresql" | "redis"
            ) {
                return Err(format!("unsupported scheme \"{scheme}\" in \"{target}\""));
            }
            rest
        }
        None => target,
    };
    let hostport = rest.split('/').next().unwrap_or("");
    if hostport.is_empty() {
        return Err(format!("\"{target}\" names no host"));
    }
    Ok(())
}

/// Parses `500ms`, `10s`, `2m`, `1h`, `1h30m`, or a bare number of seconds:
/// the load engine's grammar, so that profiles, annotations, k6 scripts and
/// load tools read durations alike.
pub use greenlight_load::parse_duration;

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.len() - before.rfind('\n').map_or(0, |p| p + 1) + 1;
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by fuzzing: a duration too large for `Duration` panicked
    /// (`<!-- greenlight: eventually 99999999999999999999s -->`).
    #[test]
    fn durations_too_large_are_refused_not_a_panic() {
        assert_eq!(parse_duration("99999999999999999999s"), None);
        assert_eq!(parse_duration("99999999999999999999h"), None);
        assert_eq!(parse_duration("1e309"), None);
        assert_eq!(parse_duration("1.5s"), Some(Duration::from_millis(1500)));
    }

    #[test]
    fn load_timeout_is_a_duration_above_zero() {
        let p =
            Profile::from_toml("[load]\ntimeout = \"10s\"\n", Path::new("p.toml"), &env).unwrap();
        assert_eq!(p.load_limits.timeout, Some(Duration::from_secs(10)));
        for bad in ["0s", "soon"] {
            let text = format!("[load]\ntimeout = \"{bad}\"\n");
            let err = Profile::from_toml(&text, Path::new("p.toml"), &env).unwrap_err();
            assert!(err.to_string().contains("[load] timeout"), "{err}");
        }
    }

    fn env(name: &str) -> Option<String> {
        (name == "NOX_TOKEN").then(|| "s3cr3t-value".to_string())
    }

    const SAMPLE: &str = r#"
[hosts]
"staging-api.yourdomain.com" = "http://127.0.0.1:18081"
[vars]
USER_TOKEN = "user-token"
TOKEN = { env = "NOX_TOKEN", secret = true }
ADMIN = { env = "UNSET_VAR", secret = true }
[services]
postgres = "postgres://postgres@127.0.0.1:5432/nox_staging"
redis = "redis://127.0.0.1:6379"
[allow]
classes = ["read"]
shell = true
"#;

    #[test]
    fn reads_the_documented_shape() {
        let p = Profile::from_toml(SAMPLE, Path::new("staging.toml"), &env).unwrap();
        assert_eq!(p.name, "staging");
        assert_eq!(
            p.hosts["staging-api.yourdomain.com"],
            "http://127.0.0.1:18081"
        );
        assert_eq!(p.vars["USER_TOKEN"].value, "user-token");
        assert!(!p.vars["USER_TOKEN"].secret);
        assert_eq!(
            p.vars["TOKEN"],
            Var {
                value: "s3cr3t-value".into(),
                secret: true
            }
        );
        assert_eq!(
            p.missing["ADMIN"],
            "environment variable UNSET_VAR is not set"
        );
        assert_eq!(p.allowed, vec![Class::Read]);
        assert!(p.shell);
        assert_eq!(p.secrets(), vec!["s3cr3t-value".to_string()]);
    }

    #[test]
    fn syntax_errors_point_at_the_line() {
        let err = Profile::from_toml("[hosts]\nx = \n", Path::new("bad.toml"), &env).unwrap_err();
        let msg = err.to_string();
        assert!(msg.starts_with("bad.toml:2:"), "{msg}");
    }

    #[test]
    fn unknown_classes_and_keys_are_refused() {
        let err = Profile::from_toml(
            "[allow]\nclasses = [\"write\"]\n",
            Path::new("p.toml"),
            &env,
        )
        .unwrap_err();
        assert!(err.to_string().contains("unknown class \"write\""));
        let err = Profile::from_toml("[allow]\nclass = [\"read\"]\n", Path::new("p.toml"), &env)
            .unwrap_err();
        assert!(err.to_string().contains("unknown field"), "{err}");
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse_duration("10s"), Some(Duration::from_secs(10)));
        assert_eq!(parse_duration("2m"), Some(Duration::from_secs(120)));
        assert_eq!(parse_duration("3"), Some(Duration::from_secs(3)));
        assert_eq!(parse_duration("soon"), None);
    }

    #[test]
    fn host_tables_and_headers() {
        let text = r#"
[hosts]
"plain.example.com" = "http://127.0.0.1:18081"
[hosts."api.example.com"]
to = "http://127.0.0.1:8080"
headers = { Authorization = "Bearer ${TOKEN}", X-Team = "a" }
[hosts."other.example.com"]
headers = { Authorization = "Basic x" }
[headers]
X-Team = "global"
X-Check = "greenlight"
[vars]
TOKEN = { env = "NOX_TOKEN", secret = true }
BASE_URL = "https://api.example.com"
"#;
        let p = Profile::from_toml(text, Path::new("p.toml"), &env).unwrap();
        assert_eq!(p.hosts["plain.example.com"], "http://127.0.0.1:18081");
        assert_eq!(p.hosts["api.example.com"], "http://127.0.0.1:8080");
        assert!(!p.hosts.contains_key("other.example.com"));
        let h = |k: &str, v: &str| (k.to_string(), v.to_string());
        let api = vec![
            h("X-Check", "greenlight"),
            h("Authorization", "Bearer ${TOKEN}"),
            h("X-Team", "a"),
        ];
        assert_eq!(p.headers_for("https://API.example.com/x"), api);
        assert_eq!(p.headers_for("$BASE_URL/api/v1/streams/active"), api);
        assert_eq!(p.headers_for("${BASE_URL}/x"), api);
        assert_eq!(p.headers_for("http://127.0.0.1:8080/x"), api);
        assert_eq!(
            p.headers_for("http://plain.example.com/x"),
            vec![h("X-Check", "greenlight"), h("X-Team", "global")]
        );
        assert_eq!(
            p.headers_for("$NOPE/x"),
            vec![h("X-Check", "greenlight"), h("X-Team", "global")]
        );
        assert!(p.secrets().contains(&"s3cr3t-value".to_string()));
        let bad = "[hosts.\"x\"]\nto = \"ftp://h\"\n";
        assert!(Profile::from_toml(bad, Path::new("b.toml"), &env).is_err());
    }
}
