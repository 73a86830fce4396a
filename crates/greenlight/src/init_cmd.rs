//! `greenlight init CHECKLIST.md`: a commented profile skeleton from what
//! the document uses: its hosts, variables, services and sign-off roles.

use crate::exit::{self, CliError};
use greenlight_run::check::Target;
use greenlight_run::plan::Plan;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct InitArgs {
    #[command(flatten)]
    pub input: crate::cli::InputArgs,
    /// Where to write the profile (`-` for stdout). A profile is named
    /// after its environment (`staging.toml`, `prod.toml`), and never
    /// greenlight.toml, which holds the project's defaults.
    #[arg(short, long, value_name = "PATH", default_value = DEFAULT_PROFILE)]
    pub output: PathBuf,
    /// Replace the file if it exists.
    #[arg(long)]
    pub force: bool,
}

/// Where `init` writes the profile unless told: an environment's name, as
/// the README's examples (`--env staging.toml`), so the profile is named
/// `staging` in reports and release names.
pub const DEFAULT_PROFILE: &str = "staging.toml";

/// Environment variables a shell sets by itself: never asked for.
const SHELL_VARS: &[&str] = &[
    "HOME", "PATH", "PWD", "USER", "SHELL", "HOSTNAME", "LANG", "TERM", "TMPDIR", "OLDPWD", "IFS",
    "RANDOM", "SECONDS", "UID",
];

pub fn run(args: InitArgs) -> Result<u8, CliError> {
    let (_, list) = args.input.load()?;
    let name = args.input.file.display().to_string();
    let plan = crate::run_cmd::make_plan(&list, &name, &Default::default());
    let text = skeleton(&plan);
    // The skeleton must load as a profile: it is what `run --env` reads.
    let check = std::env::temp_dir().join(format!(".greenlight-init-{}.toml", std::process::id()));
    std::fs::write(&check, &text).map_err(|e| CliError::io(e.to_string()))?;
    let loaded = greenlight_run::profile::Profile::load(&check, &|_| None);
    let _ = std::fs::remove_file(&check);
    loaded.map_err(|e| CliError::internal(format!("the skeleton does not load: {e}")))?;
    if args.output.as_os_str() == "-" {
        crate::out!("{text}");
        return Ok(exit::OK);
    }
    if args
        .output
        .file_name()
        .is_some_and(|n| n == greenlight_run::workspace::CONFIG_FILE)
    {
        return Err(CliError::usage(format!(
            "{} is the project's file (default checklist, profile, store), not a profile; write the profile under its environment's name, e.g. -o {DEFAULT_PROFILE}, and name it there with profile = \"{DEFAULT_PROFILE}\"",
            greenlight_run::workspace::CONFIG_FILE
        )));
    }
    if args.output.exists() && !args.force {
        return Err(CliError::usage(format!(
            "{} exists; add --force to replace it, or -o another path",
            args.output.display()
        )));
    }
    crate::cli::write_atomically(&args.output, text.as_bytes())?;
    eprintln!(
        "wrote {}: fill it in, then `greenlight plan {name} --env {}`",
        args.output.display(),
        args.output.display()
    );
    Ok(exit::OK)
}

/// Where in the document something is used: `L12, L40`.
fn lines(at: &[usize]) -> String {
    let mut at = at.to_vec();
    at.sort_unstable();
    at.dedup();
    let shown: Vec<String> = at.iter().take(6).map(|l| format!("L{l}")).collect();
    let more = at.len().saturating_sub(6);
    if more > 0 {
        format!("{} and {more} more", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

/// `scheme://user@host:port/path` → `host`.
fn url_host(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let auth = rest.split(['/', '?', '#']).next()?;
    let auth = auth.rsplit_once('@').map_or(auth, |(_, h)| h);
    let host = if let Some(v6) = auth.strip_prefix('[') {
        v6.split(']').next()?
    } else {
        auth.split(':').next()?
    };
    (!host.is_empty()).then_some(host)
}

/// `$NAME` and `${NAME}` in a command (capitals, digits and `_`).
fn var_names(text: &str, out: &mut Vec<String>) {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'$' {
            let braced = bytes.get(i + 1) == Some(&b'{');
            let start = i + 1 + usize::from(braced);
            let mut end = start;
            while end < bytes.len()
                && (bytes[end].is_ascii_uppercase()
                    || bytes[end] == b'_'
                    || (end > start && bytes[end].is_ascii_digit()))
            {
                end += 1;
            }
            if end > start && (!braced || bytes.get(end) == Some(&b'}')) {
                out.push(text[start..end].to_string());
            }
            i = end.max(i + 1);
        } else {
            i += 1;
        }
    }
}

fn is_loopback(host: &str) -> bool {
    host == "localhost" || host.starts_with("127.") || host == "::1"
}

/// The profile skeleton for `plan` (made with an empty profile).
pub fn skeleton(plan: &Plan) -> String {
    let mut hosts: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let mut services: BTreeMap<&str, (String, Vec<usize>)> = BTreeMap::new();
    let mut vars: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let mut classes: BTreeMap<&str, usize> = BTreeMap::new();
    for c in &plan.checks {
        *classes.entry(c.class.as_str()).or_default() += 1;
        let mut host = |h: &str| {
            if !is_loopback(h) && !h.contains('$') {
                hosts.entry(h.to_string()).or_default().push(c.line);
            }
        };
        match &c.target {
            Target::Http { url, .. } | Target::WebSocket { url, .. } => {
                if let Some(h) = url_host(url) {
                    host(h);
                }
            }
            Target::Tcp { host: h, .. } | Target::Tls { host: h, .. } => host(h),
            Target::Postgres { url, .. } => {
                let e = services
                    .entry("postgres")
                    .or_insert_with(|| (url.clone(), Vec::new()));
                e.1.push(c.line);
            }
            Target::Redis { url, .. } => {
                let e = services
                    .entry("redis")
                    .or_insert_with(|| (url.clone(), Vec::new()));
                e.1.push(c.line);
            }
            Target::ClickHouse { url, .. } => {
                let e = services
                    .entry("clickhouse")
                    .or_insert_with(|| (url.clone(), Vec::new()));
                e.1.push(c.line);
            }
            _ => {}
        }
        let mut names = c.env_names.clone();
        var_names(&c.command, &mut names);
        for n in names {
            if !SHELL_VARS.contains(&n.as_str()) {
                vars.entry(n).or_default().push(c.line);
            }
        }
    }
    let mut t = String::new();
    let _ = writeln!(
        t,
        "# greenlight profile for {}, written by `greenlight init`.",
        plan.checklist
    );
    let _ = writeln!(t, "# Fill it in, then check what would run with:");
    let _ = writeln!(t, "#   greenlight plan {} --env THIS_FILE", plan.checklist);
    let _ = writeln!(
        t,
        "\n# Where the hosts the document names really are. Uncomment and point"
    );
    let _ = writeln!(
        t,
        "# each at the environment under test (a URL, or host:port)."
    );
    let _ = writeln!(t, "[hosts]");
    if hosts.is_empty() {
        let _ = writeln!(t, "# (the document names no host)");
    }
    for (h, at) in &hosts {
        let _ = writeln!(
            t,
            "# \"{h}\" = \"http://127.0.0.1:8080\"    # used at {}",
            lines(at)
        );
    }
    let _ = writeln!(
        t,
        "\n# Variables the document's commands use. Each is read from the environment"
    );
    let _ = writeln!(
        t,
        "# variable of the same name; write `NAME = \"value\"` for a fixed value."
    );
    let _ = writeln!(
        t,
        "# `secret = true` keeps a value out of every report and the store."
    );
    let _ = writeln!(t, "[vars]");
    if vars.is_empty() {
        let _ = writeln!(t, "# (the document uses no variable)");
    }
    for (v, at) in &vars {
        let secret = if crate::vars_file::looks_secret(v) {
            ", secret = true"
        } else {
            ""
        };
        let _ = writeln!(
            t,
            "{v} = {{ env = \"{v}\"{secret} }}    # used at {}",
            lines(at)
        );
    }
    let _ = writeln!(
        t,
        "\n# Databases and caches the document's psql / redis-cli / clickhouse lines"
    );
    let _ = writeln!(
        t,
        "# reach. Uncomment to send them to the environment under test."
    );
    let _ = writeln!(t, "[services]");
    if services.is_empty() {
        let _ = writeln!(t, "# (the document uses no database or cache)");
    }
    for (name, (url, at)) in &services {
        let _ = writeln!(t, "# {name} = \"{url}\"    # used at {}", lines(at));
    }
    let _ = writeln!(
        t,
        "\n# Which safety classes may run. Read checks always may; this document has"
    );
    let summary: Vec<String> = classes.iter().map(|(c, n)| format!("{n} {c}")).collect();
    let _ = writeln!(
        t,
        "# {} step{}: {}.",
        plan.checks.len(),
        if plan.checks.len() == 1 { "" } else { "s" },
        if summary.is_empty() {
            "none".to_string()
        } else {
            summary.join(", ")
        }
    );
    let _ = writeln!(t, "[allow]");
    let _ = writeln!(
        t,
        "classes = [\"read\"]    # add \"mutating\" (or use --allow mutating) with care"
    );
    let _ = writeln!(t, "\n# [policy]");
    let _ = writeln!(t, "# timeout = \"10s\"");
    let _ = writeln!(t, "# concurrency = 16");
    if !plan.signoffs.is_empty() {
        let _ = writeln!(
            t,
            "\n# Sign-offs the document asks for (not part of the profile). Each is given"
        );
        let _ = writeln!(
            t,
            "# with `greenlight signoff RUN --role ROLE --name NAME`:"
        );
        for s in &plan.signoffs {
            let _ = writeln!(t, "#   L{:<5} {}", s.line, s.role);
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_from_urls() {
        assert_eq!(url_host("https://u:p@api.x.io:8443/a?b"), Some("api.x.io"));
        assert_eq!(url_host("http://[::1]:80/"), Some("::1"));
        assert_eq!(url_host("no scheme"), None);
    }

    #[test]
    fn variable_names_in_commands() {
        let mut v = Vec::new();
        var_names(
            "curl -H \"Bearer ${API_TOKEN}\" $BASE/x $lower ${BAD",
            &mut v,
        );
        assert_eq!(v, ["API_TOKEN", "BASE"]);
    }
}
