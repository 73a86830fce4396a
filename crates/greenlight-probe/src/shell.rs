//! Shell steps: `bash -c SCRIPT` with a timeout that kills the whole process group.
//!
//! Values reach the script only as environment variables, never spliced into its text, so a
//! value like `$(touch /tmp/x)` stays an inert string unless the script itself `eval`s it.

use serde::Serialize;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::Command;
use tokio::time::Instant;

use crate::{ProbeError, Result, util};

/// Default cap on captured stdout and on captured stderr: 1 MiB each.
pub const DEFAULT_MAX_OUTPUT: usize = 1024 * 1024;

/// A script to run. Use struct-literal syntax with `..Default::default()`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShellSpec {
    /// The script, passed to `bash -c` (or `sh -c` where bash is missing) unchanged.
    pub script: String,
    /// Environment variables set for the script, on top of the inherited environment.
    pub env: Vec<(String, String)>,
    /// Working directory; the current one when `None`.
    pub cwd: Option<PathBuf>,
    /// After this, the whole process group is killed with SIGKILL.
    pub timeout: Duration,
    /// Keep at most this many bytes of stdout, and as many of stderr (the rest is read and
    /// dropped, so the script never blocks on a full pipe).
    pub max_output: usize,
    /// Run bash with `-o pipefail`, so a pipeline fails when any of its commands fails
    /// (`false | wc -l` exits 1), not only when the last one does. Set on the command line,
    /// not spliced into the script: a script that says `set +o pipefail` still gets its way,
    /// and line numbers in its error messages stay right. Ignored where only `sh` exists.
    pub pipefail: bool,
}

impl Default for ShellSpec {
    fn default() -> Self {
        Self {
            script: String::new(),
            env: Vec::new(),
            cwd: None,
            timeout: Duration::from_secs(60),
            max_output: DEFAULT_MAX_OUTPUT,
            pipefail: true,
        }
    }
}

/// What a script did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShellReport {
    /// Exit code, when the shell exited normally.
    pub exit_code: Option<i32>,
    /// Signal number, when the shell was killed by a signal (9 after a timeout).
    pub signal: Option<i32>,
    /// Captured stdout, lossy UTF-8, at most `max_output` bytes.
    pub stdout: String,
    /// Whether stdout was cut at `max_output` (or may be incomplete because a process that left
    /// the group with `setsid` kept the pipe open; reading stops 1 s after the shell ended).
    pub stdout_truncated: bool,
    /// Captured stderr, lossy UTF-8, at most `max_output` bytes.
    pub stderr: String,
    /// Whether stderr was cut at `max_output` (or may be incomplete, as for stdout).
    pub stderr_truncated: bool,
    /// Whether the timeout ran out and the process group was killed.
    pub timed_out: bool,
    /// Whether processes the script left running in the background were killed when it
    /// finished (a step's processes never outlive it).
    pub killed_background: bool,
    /// The shell that ran the script (`/usr/bin/bash`, …).
    pub shell: String,
    /// Wall time. Serialized as `duration_ms`.
    #[serde(rename = "duration_ms", serialize_with = "util::ms::serialize")]
    pub duration: Duration,
}

impl ShellReport {
    /// Exited normally with code 0.
    pub fn success(&self) -> bool {
        self.exit_code == Some(0)
    }
}

/// Runs `spec.script` with `bash -c` in a new process group, stdin from `/dev/null`, and
/// returns its exit status and bounded output.
///
/// On timeout the whole process group gets SIGKILL (children and grandchildren included, unless
/// they moved to another group with `setsid`), and the report has `timed_out: true`. When the
/// script ends on its own, whatever it left running in its group is killed too.
/// A script that fails is not an error: only failing to start the shell is.
pub async fn run_shell(spec: ShellSpec) -> Result<ShellReport> {
    let shell = shell_path().ok_or_else(|| ProbeError::Io {
        context: "could not start the shell".into(),
        detail: "neither bash nor sh was found on PATH".into(),
    })?;
    let mut cmd = Command::new(&shell);
    if spec.pipefail && shell.file_name().is_some_and(|n| n == "bash") {
        cmd.args(["-o", "pipefail"]);
    }
    cmd.arg("-c")
        .arg(&spec.script)
        .envs(spec.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    if let Some(cwd) = &spec.cwd {
        cmd.current_dir(cwd);
    }
    let start = Instant::now();
    let mut child = cmd.spawn().map_err(|e| ProbeError::Io {
        context: format!("could not start {}", shell.display()),
        detail: e.to_string(),
    })?;
    // With process_group(0) the group id is the child's pid.
    let pgid = child.id().and_then(|id| i32::try_from(id).ok());
    let max = spec.max_output;
    let out_reader = spawn_reader(child.stdout.take(), max);
    let err_reader = spawn_reader(child.stderr.take(), max);

    let mut timed_out = false;
    let mut killed_background = false;
    let status = match tokio::time::timeout(spec.timeout, child.wait()).await {
        Ok(Ok(status)) => {
            // The group id cannot be reused while any member is alive, so this only reaches
            // what the script left behind.
            killed_background = pgid.is_some_and(kill_group);
            Some(status)
        }
        Ok(Err(e)) => {
            if let Some(pgid) = pgid {
                kill_group(pgid);
            }
            return Err(ProbeError::Io {
                context: "waiting for the shell failed".into(),
                detail: e.to_string(),
            });
        }
        Err(_) => {
            timed_out = true;
            // The shell is not reaped yet, so its pid (= the group id) is still ours.
            if let Some(pgid) = pgid {
                kill_group(pgid);
            }
            let _ = child.start_kill();
            tokio::time::timeout(Duration::from_secs(5), child.wait())
                .await
                .ok()
                .and_then(std::result::Result::ok)
        }
    };
    let duration = start.elapsed();

    let ((stdout, stdout_truncated), (stderr, stderr_truncated)) =
        tokio::join!(collect(out_reader, max), collect(err_reader, max));
    Ok(ShellReport {
        exit_code: status.and_then(|s| s.code()),
        signal: status.and_then(|s| s.signal()),
        stdout,
        stdout_truncated,
        stderr,
        stderr_truncated,
        timed_out,
        killed_background,
        shell: shell.display().to_string(),
        duration,
    })
}

/// Sends SIGKILL to process group `pgid`; true if any process received it.
fn kill_group(pgid: i32) -> bool {
    use nix::sys::signal::{Signal, killpg};
    if pgid <= 1 {
        return false; // never signal "every process" or init's group
    }
    killpg(nix::unistd::Pid::from_raw(pgid), Signal::SIGKILL).is_ok()
}

/// Output captured so far by a reader task: kept bytes (at most `max + 1`) and whether more
/// arrived than was kept. Shared so that a reader that has to be abandoned (a process that
/// escaped the group still holds the pipe) leaves what it read.
type Captured = Arc<Mutex<(Vec<u8>, bool)>>;

/// Reads everything into `into`, keeping the first `max + 1` bytes (the extra byte tells
/// [`collect`] that the output was longer than `max`).
async fn read_bounded<R: AsyncRead + Unpin>(mut r: R, max: usize, into: Captured) {
    let keep = max.saturating_add(1);
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        match r.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                let mut c = into
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                let room = keep.saturating_sub(c.0.len());
                if n > room {
                    c.1 = true;
                }
                c.0.extend_from_slice(&buf[..n.min(room)]);
            }
        }
    }
}

/// Starts a reader task for `r`, if there is one.
fn spawn_reader<R: AsyncRead + Unpin + Send + 'static>(
    r: Option<R>,
    max: usize,
) -> Option<(tokio::task::JoinHandle<()>, Captured)> {
    let r = r?;
    let captured = Captured::default();
    let task = tokio::spawn(read_bounded(r, max, captured.clone()));
    Some((task, captured))
}

/// Waits a little for a reader to reach end of file (a process that escaped the group may
/// keep the pipe open), then returns what it captured, cut to `max` bytes.
async fn collect(
    reader: Option<(tokio::task::JoinHandle<()>, Captured)>,
    max: usize,
) -> (String, bool) {
    let Some((mut task, captured)) = reader else {
        return (String::new(), false);
    };
    let finished = tokio::time::timeout(Duration::from_secs(1), &mut task)
        .await
        .is_ok();
    if !finished {
        task.abort();
    }
    let (mut bytes, over) = std::mem::take(
        &mut *captured
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner),
    );
    let cut = util::truncate_utf8_aware(&mut bytes, max);
    (
        String::from_utf8_lossy(&bytes).into_owned(),
        over || cut || !finished,
    )
}

fn shell_path() -> Option<PathBuf> {
    static SHELL: OnceLock<Option<PathBuf>> = OnceLock::new();
    SHELL
        .get_or_init(|| find_program("bash").or_else(|| find_program("sh")))
        .clone()
}

/// Finds an executable named `name` on `PATH` (or checks `name` itself when it contains a
/// `/`), like `command -v`.
pub fn find_program(name: &str) -> Option<PathBuf> {
    if name.is_empty() {
        return None;
    }
    if name.contains('/') {
        let p = PathBuf::from(name);
        return is_executable(&p).then_some(p);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .filter(|dir| !dir.as_os_str().is_empty())
        .map(|dir| dir.join(name))
        .find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn bounded_reader_marks_truncation() {
        let data: &'static [u8] = b"hello world";
        for (max, text, truncated) in [
            (5, "hello", true),
            (10, "hello worl", true),
            (11, "hello world", false),
            (100, "hello world", false),
            (0, "", true),
            (usize::MAX, "hello world", false),
        ] {
            let reader = spawn_reader(Some(data), max);
            assert_eq!(
                collect(reader, max).await,
                (text.to_string(), truncated),
                "max {max}"
            );
        }
    }

    #[test]
    fn finds_programs() {
        assert!(find_program("sh").is_some());
        assert!(find_program("definitely-not-a-program-xyz").is_none());
        assert!(find_program("").is_none());
        assert!(find_program("/definitely/not/here").is_none());
    }
}
