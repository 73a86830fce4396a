//! The folder sandbox and PATH stand-ins of the live corpus run
//! (`corpus_live.rs`): absolute paths a command could write to point into a
//! fake root, and programs that talk to clusters, clouds, systemd or
//! package registries only log their arguments; `curl`, `wget`,
//! `redis-cli` and `psql` are kept on the scratch targets.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

// ---------------------------------------------------------------------------
// Files: a sandbox with a fake root, and snapshots of folders.

/// The folders of one live run.
pub struct Sandbox {
    pub base: PathBuf,
    /// The run's temporary folder: working directory and TMPDIR. Writes
    /// here are allowed.
    pub work: PathBuf,
    pub doc: PathBuf,
    pub home: PathBuf,
    /// Stands in for `/tmp`, `/var/log`, `/var/run`, `/srv` and
    /// `/etc/cron.daily` in the commands.
    pub root: PathBuf,
    pub shims: PathBuf,
    pub shim_log: PathBuf,
}

impl Sandbox {
    pub fn create(base: PathBuf) -> Sandbox {
        let _ = std::fs::remove_dir_all(&base);
        let s = Sandbox {
            work: base.join("work"),
            doc: base.join("doc"),
            home: base.join("home"),
            root: base.join("root"),
            shims: base.join("shims"),
            shim_log: base.join("shim.log"),
            base,
        };
        for d in [
            s.work.join("tmp"),
            s.doc.clone(),
            s.home.join("nginx-health"),
            s.home.join("log/nginx"),
            s.root.join("tmp"),
            s.root.join("var/log/app"),
            s.root.join("var/run"),
            s.root.join("srv/www"),
            s.root.join("etc/cron.daily"),
            s.shims.clone(),
        ] {
            std::fs::create_dir_all(d).unwrap();
        }
        let files = [
            (s.home.join("nginx-health/health_1.log"), "ok\n"),
            (s.home.join("log/nginx/access.log"), "GET / 200\n"),
            (s.root.join("var/log/syslog"), "boot\n"),
            (s.root.join("var/log/auth.log"), "login\n"),
            (s.root.join("var/log/app.log"), "started\n"),
            (s.root.join("var/log/old.gz"), "gz\n"),
            (s.root.join("var/log/app/old.log"), "old\n"),
            (s.root.join("var/log/messages.1"), "rotated\n"),
            (s.root.join("var/run/nginx.pid"), "not-a-pid\n"),
            (s.root.join("srv/www/index.html"), "<h1>hi</h1>\n"),
            (
                s.root.join("etc/cron.daily/logrotate"),
                "#!/bin/sh\ntouch \"$0.ran\"\n",
            ),
        ];
        for (p, text) in files {
            std::fs::write(p, text).unwrap();
        }
        make_executable(&s.root.join("etc/cron.daily/logrotate"));
        // Old enough for `find -mtime +7 -delete` to pick them.
        for p in ["var/log/app/old.log", "var/log/old.gz"] {
            let ok = Command::new("touch")
                .args(["-d", "10 days ago"])
                .arg(s.root.join(p))
                .status()
                .unwrap();
            assert!(ok.success());
        }
        s
    }

    /// Rewrites absolute paths a command could write to into the fake root.
    pub fn confine_paths(&self, cmd: &str) -> String {
        let root = self.root.display().to_string();
        let mut out = cmd.to_string();
        // `/tmp/` first: the fake root itself may live under /tmp.
        for p in ["/tmp/", "/var/log", "/var/run", "/srv/", "/etc/cron.daily"] {
            out = out.replace(p, &format!("{root}{p}"));
        }
        out
    }
}

fn make_executable(p: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let mut perm = std::fs::metadata(p).unwrap().permissions();
    perm.set_mode(0o755);
    std::fs::set_permissions(p, perm).unwrap();
}

/// Path → (kind, size, modification time, a hash of the content) for
/// every entry under `dir`, skipping folders named in `skip`.
pub fn snapshot_files(dir: &Path, skip: &[&str]) -> BTreeMap<String, String> {
    fn walk(dir: &Path, base: &Path, skip: &[&str], out: &mut BTreeMap<String, String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let path = e.path();
            let name = e.file_name().to_string_lossy().into_owned();
            if skip.contains(&name.as_str()) {
                continue;
            }
            let Ok(meta) = std::fs::symlink_metadata(&path) else {
                continue;
            };
            let rel = path
                .strip_prefix(base)
                .unwrap_or(&path)
                .display()
                .to_string();
            let mtime = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map(|d| d.as_nanos())
                .unwrap_or(0);
            if meta.is_dir() {
                out.insert(rel.clone(), "dir".into());
                walk(&path, base, skip, out);
            } else if meta.file_type().is_symlink() {
                let to = std::fs::read_link(&path).unwrap_or_default();
                out.insert(rel, format!("symlink {}", to.display()));
            } else {
                use std::hash::{Hash, Hasher};
                let mut h = std::collections::hash_map::DefaultHasher::new();
                std::fs::read(&path).unwrap_or_default().hash(&mut h);
                out.insert(
                    rel,
                    format!(
                        "file {} bytes, mtime {mtime}, hash {:x}",
                        meta.len(),
                        h.finish()
                    ),
                );
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, skip, &mut out);
    out
}

/// What differs between two snapshots, one line each.
pub fn diff(
    what: &str,
    before: &BTreeMap<String, String>,
    after: &BTreeMap<String, String>,
) -> Vec<String> {
    let mut out = Vec::new();
    for (k, v) in before {
        match after.get(k) {
            None => out.push(format!("{what}: {k} is gone (was {})", short(v))),
            Some(w) if w != v => {
                out.push(format!("{what}: {k} changed: {} → {}", short(v), short(w)))
            }
            _ => {}
        }
    }
    for (k, v) in after {
        if !before.contains_key(k) {
            out.push(format!("{what}: {k} appeared ({})", short(v)));
        }
    }
    out
}

fn short(s: &str) -> String {
    let one_line = s.replace('\n', " ⏎ ");
    let cut: String = one_line.chars().take(160).collect();
    if cut.len() < one_line.len() {
        format!("{cut}…")
    } else {
        cut
    }
}

// ---------------------------------------------------------------------------
// Programs: stand-ins on PATH.

/// Programs that talk to clusters, clouds, systemd, package registries or
/// run project code: replaced by a stand-in that logs its arguments.
const STAND_INS: &[&str] = &[
    "kubectl",
    "helm",
    "docker",
    "docker-compose",
    "minikube",
    "systemctl",
    "service",
    "journalctl",
    "terraform",
    "aws",
    "gcloud",
    "az",
    "npm",
    "npx",
    "yarn",
    "pip",
    "pip3",
    "python",
    "python3",
    "cargo",
    "rustup",
    "make",
    "apt-get",
    "apt",
    "dpkg",
    "nginx",
    "redis-server",
    "redis-benchmark",
    "pg_ctl",
    "pg_controldata",
    "su",
    "sudo",
    "crontab",
    "pkill",
    "killall",
    "logrotate",
    "uuid",
    "alembic",
    "flyway",
    "rake",
    "ssh",
    "scp",
    "http",
    "https",
];

/// Writes the stand-ins and the redirecting wrappers for `curl`, `wget`,
/// `redis-cli` and `psql`, which keep those clients on the scratch targets
/// whatever host, port or user a command names.
pub fn write_shims(s: &Sandbox, http_port: u16, redis_port: u16, pg_url: &str) {
    let log = s.shim_log.display().to_string();
    let real = |name: &str| {
        which(name)
            .unwrap_or_else(|| panic!("{name} is installed"))
            .display()
            .to_string()
    };
    let (curl_bin, wget_bin, redis_bin, psql_bin) =
        (real("curl"), real("wget"), real("redis-cli"), real("psql"));
    for name in STAND_INS {
        let body = format!(
            "#!/bin/sh\nprintf '%s' \"{name}\" >> '{log}'\nfor a in \"$@\"; do printf ' %s' \"$a\" >> '{log}'; done\necho >> '{log}'\nexit 0\n"
        );
        let p = s.shims.join(name);
        std::fs::write(&p, body).unwrap();
        make_executable(&p);
    }
    let curl = format!(
        "#!/bin/sh\nexec {curl_bin} --noproxy '*' --connect-to ::127.0.0.1:{http_port} --max-time 3 \"$@\"\n"
    );
    let wget = format!(
        "#!/bin/sh\nexec {wget_bin} -e use_proxy=on -e http_proxy=http://127.0.0.1:{http_port} -e https_proxy=http://127.0.0.1:{http_port} --no-hsts --timeout=3 --tries=1 \"$@\"\n"
    );
    // Drops every connection option the command gives, then names the
    // scratch target itself.
    let redis = format!(
        r#"#!/bin/bash
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    -h|-p|-u|-a|--user|--pass|-s|--tls|--cacert|--cert|--key) shift 2 ;;
    --askpass|--insecure) shift ;;
    --cluster) echo "redis-cli --cluster refused by the test" >&2; exit 1 ;;
    *) args+=("$1"); shift ;;
  esac
done
exec {redis_bin} -h 127.0.0.1 -p {redis_port} "${{args[@]}}"
"#
    );
    let psql = format!(
        r#"#!/bin/bash
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    -h|-p|-U|-d|--host|--port|--username|--dbname) shift 2 ;;
    --host=*|--port=*|--username=*|--dbname=*|postgres://*|postgresql://*) shift ;;
    *) args+=("$1"); shift ;;
  esac
done
exec {psql_bin} --dbname='{pg_url}' "${{args[@]}}"
"#
    );
    for (name, body) in [
        ("curl", curl),
        ("wget", wget),
        ("redis-cli", redis),
        ("psql", psql),
    ] {
        let p = s.shims.join(name);
        std::fs::write(&p, body).unwrap();
        make_executable(&p);
    }
}

/// The first `name` on PATH.
fn which(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}
