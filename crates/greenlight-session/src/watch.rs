//! A watch window (`greenlight watch`) as events of a run of the release:
//! the payloads it records, what they fold into (for `resume` and for
//! `status`), and how the window's outcome enters the release's verdict.
//!
//! Times inside payloads (`at_secs`) are *watch* seconds since the window
//! began, on the window's own clock (compressed with `--time-scale`), so a
//! resumed window continues where the events say it stopped.

use greenlight_run::outcome::{Reason, RunReport, Status, StepResult, Verdict};
use greenlight_store::{Event, EventKind, Store};
use serde::{Deserialize, Serialize};

/// One gate as the window evaluates it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GateInfo {
    /// The metric as people read it (`p95 latency`, `error rate`).
    pub metric: String,
    /// The warn bound as written in base units (`>= 0.2s`), if any.
    #[serde(default)]
    pub warn: Option<String>,
    /// The breach bound, if any.
    #[serde(default)]
    pub breach: Option<String>,
    /// The document lines the bounds come from.
    #[serde(default)]
    pub lines: Vec<usize>,
    /// The source that feeds it (`probes`, `prometheus`), or none.
    #[serde(default)]
    pub source: Option<String>,
}

/// A scheduled evaluation (`Hour 6: …`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckpointInfo {
    pub after_secs: u64,
    pub line: usize,
    pub item: String,
    pub label: String,
}

/// Payload of `watch_started`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WatchStarted {
    /// The window's length, watch seconds.
    pub window_secs: u64,
    /// Where the length comes from (`--for`, or the heading's line).
    #[serde(default)]
    pub window_from: String,
    /// Seconds between ticks.
    pub every_secs: u64,
    /// How many times faster than real time the window runs (1: real time).
    pub time_scale: f64,
    /// Length of each gate's sliding window, watch seconds.
    #[serde(default)]
    pub gate_window_secs: u64,
    #[serde(default)]
    pub gates: Vec<GateInfo>,
    #[serde(default)]
    pub sources: Vec<String>,
    #[serde(default)]
    pub schedule: Vec<CheckpointInfo>,
    #[serde(default)]
    pub on_breach: Vec<String>,
    #[serde(default)]
    pub on_warn: Vec<String>,
    /// Lines that look like thresholds but were not read as one: no gate
    /// watches them.
    #[serde(default)]
    pub not_read: Vec<NotRead>,
}

/// A line that looks like a threshold but was not read as one.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NotRead {
    /// 1-based source line.
    pub line: usize,
    /// Why it was not read.
    pub reason: String,
    /// The text of the line.
    pub text: String,
}

impl NotRead {
    /// `L<line>: not read as a threshold (<reason>): <text>`.
    pub fn describe(&self) -> String {
        format!(
            "L{}: not read as a threshold ({}): {}",
            self.line, self.reason, self.text
        )
    }
}

/// One metric's samples over one gate window.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MetricWindow {
    pub metric: String,
    pub count: u64,
    pub min: f64,
    pub mean: f64,
    pub max: f64,
    /// The gate's state at the window's end (`ok`, `warn`, `breach`).
    pub state: String,
}

/// One probe check's latencies and failures over one gate window.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CheckWindow {
    pub line: usize,
    pub count: u64,
    pub failed: u64,
    pub mean_ms: f64,
    pub max_ms: u64,
}

/// Payload of `watch_window`: the aggregate of one gate window.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WatchWindow {
    /// Watch seconds at the window's end.
    pub at_secs: u64,
    pub ticks: u64,
    #[serde(default)]
    pub metrics: Vec<MetricWindow>,
    #[serde(default)]
    pub checks: Vec<CheckWindow>,
    /// Source failures in the window (`prometheus: timed out`), at most a few.
    #[serde(default)]
    pub source_errors: Vec<String>,
}

/// Payload of `watch_state`: a gate changed state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WatchStateChange {
    pub at_secs: u64,
    pub metric: String,
    pub from: String,
    pub to: String,
    /// The observed aggregate, in base units, and as people read it.
    pub observed: f64,
    pub observed_text: String,
    /// The bound crossed (or cleared), as people read it (`> 5%`).
    pub bound: String,
    /// The document line of the bound.
    pub line: usize,
}

/// One gate's state at a checkpoint.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GateAt {
    pub metric: String,
    pub state: String,
    #[serde(default)]
    pub observed: Option<String>,
}

/// Payload of `watch_checkpoint`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WatchCheckpoint {
    pub at_secs: u64,
    pub after_secs: u64,
    pub line: usize,
    pub label: String,
    pub text: String,
    pub gates: Vec<GateAt>,
}

/// Payload of `watch_action`: what the watch did on a breach or warning.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WatchAction {
    pub at_secs: u64,
    /// `notified`, `not_notified`, `paused`, `rolled_back`, `rollback_failed`
    /// or `refused`.
    pub action: String,
    /// The metric whose gate triggered it.
    pub metric: String,
    /// Details: the webhooks told, the rollback run, or why it was refused.
    pub detail: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollback_run: Option<String>,
}

/// How a window ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// No gate warned or breached.
    Ok,
    /// A gate warned; none breached.
    Warn,
    /// A gate breached.
    Breach,
    /// Stopped before its end (Ctrl-C): `resume` continues it.
    Interrupted,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Warn => "warn",
            Outcome::Breach => "breach",
            Outcome::Interrupted => "interrupted",
        }
    }

    /// The verdict a window with this outcome gives its run.
    pub fn verdict(self) -> Verdict {
        match self {
            Outcome::Ok => Verdict::Go,
            Outcome::Warn => Verdict::GoWithWarnings,
            Outcome::Breach => Verdict::NoGo,
            Outcome::Interrupted => Verdict::Pending,
        }
    }
}

/// Payload of `watch_ended`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WatchEnded {
    pub at_secs: u64,
    pub outcome: Outcome,
}

/// A watch run's events, folded.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WatchFold {
    pub run_id: String,
    pub started: WatchStarted,
    /// When `watch_started` was recorded (RFC 3339), and the latest event.
    pub started_at: String,
    pub last_at: String,
    /// Watch seconds reached (the latest `at_secs`).
    pub elapsed_secs: u64,
    /// Each gate's latest state, by metric.
    pub states: Vec<(String, String)>,
    /// Lines of the checkpoints already recorded.
    pub checkpoints_done: Vec<usize>,
    /// Every breach, in order.
    pub breaches: Vec<WatchStateChange>,
    /// Whether a gate warned at some point.
    pub warned: bool,
    /// The latest `watch_action`.
    pub last_action: Option<WatchAction>,
    /// Set by `watch_ended` (cleared again by a later `run_resumed`).
    pub ended: Option<Outcome>,
    /// The window paused for a person (a `paused` action, not ended since).
    pub paused: bool,
}

/// Folds a run's events; `None` when the run is not a watch.
pub fn fold(run_id: &str, events: &[Event]) -> Option<WatchFold> {
    let first = events.iter().find(|e| e.kind == EventKind::WatchStarted)?;
    let mut f = WatchFold {
        run_id: run_id.to_string(),
        started: first.payload_as().unwrap_or_default(),
        started_at: first.at.clone(),
        ..Default::default()
    };
    let at = |v: &serde_json::Value| v["at_secs"].as_u64().unwrap_or(0);
    for e in events {
        f.last_at = e.at.clone();
        match e.kind {
            EventKind::WatchWindow | EventKind::WatchCheckpoint => {
                f.elapsed_secs = f.elapsed_secs.max(at(&e.payload()));
                if e.kind == EventKind::WatchCheckpoint
                    && let Some(c) = e.payload_as::<WatchCheckpoint>()
                {
                    f.checkpoints_done.push(c.line);
                }
            }
            EventKind::WatchState => {
                if let Some(s) = e.payload_as::<WatchStateChange>() {
                    f.elapsed_secs = f.elapsed_secs.max(s.at_secs);
                    match f.states.iter_mut().find(|(m, _)| *m == s.metric) {
                        Some(slot) => slot.1 = s.to.clone(),
                        None => f.states.push((s.metric.clone(), s.to.clone())),
                    }
                    if s.to == "warn" {
                        f.warned = true;
                    }
                    if s.to == "breach" {
                        f.breaches.push(s);
                    }
                }
            }
            EventKind::WatchAction => {
                if let Some(a) = e.payload_as::<WatchAction>() {
                    f.elapsed_secs = f.elapsed_secs.max(a.at_secs);
                    if a.action == "paused" {
                        f.paused = true;
                    }
                    f.last_action = Some(a);
                }
            }
            EventKind::WatchEnded => {
                if let Some(end) = e.payload_as::<WatchEnded>() {
                    f.elapsed_secs = f.elapsed_secs.max(end.at_secs);
                    f.ended = Some(end.outcome);
                }
            }
            EventKind::RunResumed => {
                f.ended = None;
                f.paused = false;
            }
            _ => {}
        }
    }
    Some(f)
}

impl WatchFold {
    /// The window's outcome so far: the worst state any gate reached, or
    /// `None` while it is open (running, paused or interrupted).
    pub fn outcome(&self) -> Option<Outcome> {
        if !self.breaches.is_empty() {
            return Some(Outcome::Breach);
        }
        match self.ended {
            None | Some(Outcome::Interrupted) => None,
            Some(_) if self.warned => Some(Outcome::Warn),
            Some(o) => Some(o),
        }
    }

    /// Whether `resume` may continue it: not ended (or ended interrupted),
    /// and not past its end.
    pub fn resumable(&self) -> bool {
        matches!(self.ended, None | Some(Outcome::Interrupted))
            && self.elapsed_secs < self.started.window_secs
    }

    /// When the window will end if it runs on now, as RFC 3339.
    pub fn open_until(&self) -> String {
        let left = self.started.window_secs.saturating_sub(self.elapsed_secs) as f64
            / self.started.time_scale.max(f64::MIN_POSITIVE);
        match humantime::parse_rfc3339_weak(&self.last_at) {
            Ok(t) => {
                humantime::format_rfc3339_seconds(t + std::time::Duration::from_secs_f64(left))
                    .to_string()
            }
            Err(_) => "its end".to_string(),
        }
    }

    /// The reason the window gives a release verdict, and that verdict:
    /// `None` when the window ended without a warning or a breach.
    pub fn finding(&self) -> Option<(Verdict, Reason)> {
        let reason = |status: Status, line: usize, message: String| Reason {
            item: WATCH_REASON.into(),
            line,
            status,
            message,
        };
        if let Some(b) = self.breaches.first() {
            return Some((
                Verdict::NoGo,
                reason(
                    Status::Failed,
                    b.line,
                    format!(
                        "watch {}: {} observed {}, over the bound {} (L{}){}",
                        self.run_id,
                        b.metric,
                        b.observed_text,
                        b.bound,
                        b.line,
                        match self.breaches.len() {
                            1 => String::new(),
                            n =>
                                format!("; {} more breach{}", n - 1, if n == 2 { "" } else { "es" }),
                        }
                    ),
                ),
            ));
        }
        match self.outcome() {
            None => Some((
                Verdict::Pending,
                reason(
                    Status::Pending,
                    0,
                    format!(
                        "watch window open until {} (run {}{})",
                        self.open_until(),
                        self.run_id,
                        if self.paused {
                            ", paused"
                        } else if self.ended == Some(Outcome::Interrupted) {
                            ", interrupted"
                        } else {
                            ""
                        }
                    ),
                ),
            )),
            Some(Outcome::Warn) => Some((
                Verdict::GoWithWarnings,
                reason(
                    Status::Failed,
                    0,
                    format!("watch {}: a gate warned during the window", self.run_id),
                ),
            )),
            Some(_) => None,
        }
    }
}

/// The reason ID a watch window's finding carries.
pub const WATCH_REASON: &str = "watch-window";

/// The latest watch of `release` that started at or after `since` (RFC
/// 3339; the run being judged), folded.
pub async fn release_watch(
    store: &Store,
    release: &str,
    since: &str,
) -> crate::Result<Option<WatchFold>> {
    if release.is_empty() {
        return Ok(None);
    }
    let starts = crate::release_events_of_kinds(store, release, &[EventKind::WatchStarted]).await?;
    let Some(latest) = starts
        .iter()
        .filter(|e| e.at.as_str() >= since)
        .max_by(|a, b| a.at.cmp(&b.at))
    else {
        return Ok(None);
    };
    let events = store
        .events_of_kinds(
            std::slice::from_ref(&latest.run_id),
            &[
                EventKind::WatchStarted,
                EventKind::WatchState,
                EventKind::WatchAction,
                EventKind::WatchEnded,
                EventKind::RunResumed,
                EventKind::WatchCheckpoint,
            ],
        )
        .await?;
    let mut events = events;
    events.sort_by_key(|e| e.seq);
    Ok(fold(&latest.run_id, &events))
}

/// Puts a watch window's outcome into a run's report: a breach is NO_GO,
/// an open window keeps it PENDING, a warning caps GO. Never better than
/// the report was: for the watch run itself too, what people still owe
/// (manual checkpoint items, sign-offs) keeps it from GO.
pub fn apply(report: &mut RunReport, watch: &WatchFold) {
    let Some((verdict, reason)) = watch.finding() else {
        return;
    };
    report.verdict = report.verdict.worse(verdict);
    report.reasons.insert(0, reason);
}

/// A watch run's probe result as its own report counts it: a failed
/// probe is the window's to judge (through its gates), so it is skipped in
/// the item view, with its evidence kept. Other statuses are unchanged.
pub fn judged_by_window(mut r: StepResult) -> StepResult {
    if r.status == Status::Failed {
        r.status = Status::Skipped;
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(seq: u64, kind: EventKind, payload: serde_json::Value) -> Event {
        Event {
            run_id: "w1".into(),
            seq,
            at: format!("2026-12-01T10:00:{seq:02}.000Z"),
            kind,
            item: None,
            actor: "ana".into(),
            payload_text: payload.to_string(),
            prev_hash: "0".repeat(64),
            hash: "0".repeat(64),
            mac: None,
        }
    }

    fn started() -> Event {
        ev(
            1,
            EventKind::WatchStarted,
            serde_json::to_value(WatchStarted {
                window_secs: 3600,
                every_secs: 60,
                time_scale: 1.0,
                ..Default::default()
            })
            .unwrap(),
        )
    }

    #[test]
    fn an_open_window_keeps_the_release_pending() {
        let f = fold("w1", &[started()]).expect("a watch");
        let (v, r) = f.finding().expect("open");
        assert_eq!(v, Verdict::Pending);
        assert!(
            r.message.contains("watch window open until"),
            "{}",
            r.message
        );
        assert!(f.resumable());
    }

    #[test]
    fn a_breach_is_no_go_naming_metric_value_bound_and_line() {
        let change = WatchStateChange {
            at_secs: 600,
            metric: "error rate".into(),
            from: "warn".into(),
            to: "breach".into(),
            observed: 0.4,
            observed_text: "40%".into(),
            bound: "> 5%".into(),
            line: 12,
        };
        let events = [
            started(),
            ev(
                2,
                EventKind::WatchState,
                serde_json::to_value(&change).unwrap(),
            ),
            ev(
                3,
                EventKind::WatchEnded,
                serde_json::json!({"at_secs": 3600, "outcome": "ok"}),
            ),
        ];
        let f = fold("w1", &events).unwrap();
        assert_eq!(f.outcome(), Some(Outcome::Breach));
        let (v, r) = f.finding().unwrap();
        assert_eq!(v, Verdict::NoGo);
        assert!(
            r.message
                .contains("error rate observed 40%, over the bound > 5% (L12)"),
            "{}",
            r.message
        );
        assert!(!f.resumable());
    }

    #[test]
    fn a_clean_end_gives_no_reason_and_resume_reopens_an_interrupted_one() {
        let ended = |seq, o: &str| {
            ev(
                seq,
                EventKind::WatchEnded,
                serde_json::json!({"at_secs": 120, "outcome": o}),
            )
        };
        let ok = fold("w1", &[started(), ended(2, "ok")]).unwrap();
        assert!(ok.finding().is_none());
        let cut = fold("w1", &[started(), ended(2, "interrupted")]).unwrap();
        assert_eq!(cut.finding().map(|f| f.0), Some(Verdict::Pending));
        assert!(cut.resumable());
        assert_eq!(cut.elapsed_secs, 120);
    }
}
