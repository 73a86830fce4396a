//! Delivering notifications in the background.
//!
//! Each webhook has its own worker task and bounded queue, so deliveries to
//! one webhook arrive in the order they were notified (a delivery being
//! retried holds back the ones after it), and a slow webhook does not delay
//! the others. Every delivery ends in exactly one [`DeliveryReport`] on the
//! report stream: delivered, refused, given up, dropped (queue full) or
//! abandoned (shut down first). Nothing fails silently.

use crate::backoff;
use crate::config::Webhook;
use crate::event::Notification;
use crate::payload;
use crate::signature::{self, DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER};
use greenlight_run::redact::Redactor;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

/// The attempt number, 1 for the first try.
pub const ATTEMPT_HEADER: &str = "X-Greenlight-Attempt";

/// The stream of delivery outcomes; read it (store or log each report).
/// Reports wait in it until read.
pub type Reports = mpsc::UnboundedReceiver<DeliveryReport>;

/// How one delivery ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryReport {
    /// The webhook's name.
    pub webhook: String,
    /// The delivery id (the `X-Greenlight-Delivery` header).
    pub id: String,
    /// The event's name.
    pub event: &'static str,
    pub attempts: Vec<Attempt>,
    pub outcome: Outcome,
}

/// One HTTP attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// The response status, when there was a response.
    pub status: Option<u16>,
    /// What went wrong without a response (redacted).
    pub error: Option<String>,
    pub elapsed: Duration,
}

/// The end of a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A 2xx answer.
    Delivered { status: u16 },
    /// An answer that retrying will not change (4xx but 429, 3xx, 1xx).
    Refused { status: u16 },
    /// Every attempt failed with something retryable.
    GaveUp { last_error: String },
    /// The webhook's queue was full; never attempted.
    Dropped,
    /// The notifier shut down before the delivery could finish.
    Abandoned,
}

impl Outcome {
    pub fn is_delivered(&self) -> bool {
        matches!(self, Outcome::Delivered { .. })
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Outcome::Delivered { status } => write!(f, "delivered (HTTP {status})"),
            Outcome::Refused { status } => write!(f, "refused (HTTP {status})"),
            Outcome::GaveUp { last_error } => write!(f, "gave up: {last_error}"),
            Outcome::Dropped => write!(f, "dropped: the webhook's queue was full"),
            Outcome::Abandoned => write!(f, "abandoned: the notifier shut down first"),
        }
    }
}

/// One line for a log: `webhook room: signed_off delivery 3f9c… delivered
/// (HTTP 200) after 3 attempts`.
impl std::fmt::Display for DeliveryReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "webhook {}: {} delivery {} {}",
            self.webhook, self.event, self.id, self.outcome
        )?;
        match self.attempts.len() {
            0 => Ok(()),
            1 => write!(f, " after 1 attempt"),
            n => write!(f, " after {n} attempts"),
        }
    }
}

/// Why the notifier could not start.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error("could not set up the HTTP client: {0}")]
    Client(String),
    #[error("the notifier needs a Tokio runtime")]
    NoRuntime,
}

/// Sends notifications to the configured webhooks.
///
/// Call [`Notifier::shutdown`] to let pending deliveries finish; dropping
/// it instead abandons them at once (each still reported
/// [`Outcome::Abandoned`]).
pub struct Notifier {
    hooks: Vec<Hook>,
    redactor: Arc<Redactor>,
    reports: mpsc::UnboundedSender<DeliveryReport>,
    stop: watch::Sender<bool>,
}

struct Hook {
    webhook: Arc<Webhook>,
    queue: mpsc::Sender<Job>,
    worker: JoinHandle<()>,
}

struct Job {
    id: String,
    event: &'static str,
    body: Vec<u8>,
}

impl Notifier {
    /// Starts one worker per webhook on the current Tokio runtime.
    ///
    /// `secrets` are the values to redact from payloads and reports (the
    /// profile's secrets); the webhooks' own secrets and secret URLs are
    /// added to them.
    pub fn start(
        webhooks: Vec<Webhook>,
        secrets: Vec<String>,
    ) -> Result<(Notifier, Reports), NotifyError> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| NotifyError::NoRuntime)?;
        let mut secrets = secrets;
        for w in &webhooks {
            if let Some(s) = &w.secret {
                secrets.push(String::from_utf8_lossy(s).into_owned());
            }
            if w.url_is_secret {
                secrets.push(w.url.clone());
            }
        }
        let redactor = Arc::new(Redactor::new(secrets));
        let client = client()?;
        let (reports, stream) = mpsc::unbounded_channel();
        let (stop, stopped) = watch::channel(false);
        let hooks = webhooks
            .into_iter()
            .map(|w| {
                let webhook = Arc::new(w);
                let (queue, jobs) = mpsc::channel(webhook.queue);
                let worker = Worker {
                    webhook: webhook.clone(),
                    client: client.clone(),
                    redactor: redactor.clone(),
                    reports: reports.clone(),
                    stopped: stopped.clone(),
                };
                let worker = runtime.spawn(worker.run(jobs));
                Hook {
                    webhook,
                    queue,
                    worker,
                }
            })
            .collect();
        Ok((
            Notifier {
                hooks,
                redactor,
                reports,
                stop,
            },
            stream,
        ))
    }

    /// Queues `n` for every webhook that wants its event, without waiting.
    /// Returns the delivery ids queued; a webhook whose queue is full gets
    /// a [`Outcome::Dropped`] report instead.
    pub fn notify(&self, n: &Notification) -> Vec<String> {
        let event = n.event.name();
        let mut queued = Vec::new();
        for hook in self.hooks.iter().filter(|h| h.webhook.wants(event)) {
            let id = new_id();
            let body = payload::body(n, hook.webhook.format, &id, &self.redactor);
            let job = Job {
                id: id.clone(),
                event,
                body,
            };
            match hook.queue.try_send(job) {
                Ok(()) => queued.push(id),
                Err(_) => report(
                    &self.reports,
                    DeliveryReport {
                        webhook: hook.webhook.name.clone(),
                        id,
                        event,
                        attempts: Vec::new(),
                        outcome: Outcome::Dropped,
                    },
                ),
            }
        }
        queued
    }

    /// Stops taking notifications and lets the queues drain for up to
    /// `grace`; deliveries still pending then are reported
    /// [`Outcome::Abandoned`].
    pub async fn shutdown(self, grace: Duration) {
        let Notifier { hooks, stop, .. } = self;
        let workers: Vec<_> = hooks
            .into_iter()
            .map(|h| {
                drop(h.queue);
                h.worker
            })
            .collect();
        let all = async {
            for w in workers {
                let _ = w.await;
            }
        };
        let mut all = std::pin::pin!(all);
        if tokio::time::timeout(grace, &mut all).await.is_err() {
            let _ = stop.send(true);
            all.await;
        }
    }
}

struct Worker {
    webhook: Arc<Webhook>,
    client: reqwest::Client,
    redactor: Arc<Redactor>,
    reports: mpsc::UnboundedSender<DeliveryReport>,
    stopped: watch::Receiver<bool>,
}

enum Try {
    Done(Outcome),
    Retry {
        retry_after: Option<Duration>,
        error: String,
    },
}

impl Worker {
    async fn run(mut self, mut jobs: mpsc::Receiver<Job>) {
        while let Some(job) = jobs.recv().await {
            let (attempts, outcome) = self.deliver(&job).await;
            self.report(&job, attempts, outcome);
            if *self.stopped.borrow() {
                jobs.close();
                while let Ok(job) = jobs.try_recv() {
                    self.report(&job, Vec::new(), Outcome::Abandoned);
                }
                return;
            }
        }
    }

    fn report(&self, job: &Job, attempts: Vec<Attempt>, outcome: Outcome) {
        report(
            &self.reports,
            DeliveryReport {
                webhook: self.webhook.name.clone(),
                id: job.id.clone(),
                event: job.event,
                attempts,
                outcome,
            },
        );
    }

    async fn deliver(&mut self, job: &Job) -> (Vec<Attempt>, Outcome) {
        let retry = self.webhook.retry;
        let mut attempts = Vec::new();
        for n in 1..=retry.max_attempts {
            let started = Instant::now();
            let result = self.attempt(job, n).await;
            let elapsed = started.elapsed();
            match result {
                (status, Try::Done(outcome)) => {
                    let error = match &outcome {
                        Outcome::Abandoned => Some("cut short: the notifier shut down".into()),
                        Outcome::GaveUp { last_error } => Some(last_error.clone()),
                        _ => None,
                    };
                    attempts.push(Attempt {
                        status,
                        error,
                        elapsed,
                    });
                    return (attempts, outcome);
                }
                (status, Try::Retry { retry_after, error }) => {
                    attempts.push(Attempt {
                        status,
                        error: status.is_none().then(|| error.clone()),
                        elapsed,
                    });
                    if n == retry.max_attempts {
                        return (attempts, Outcome::GaveUp { last_error: error });
                    }
                    let wait = backoff::delay(&retry, n, retry_after);
                    tokio::select! {
                        () = tokio::time::sleep(wait) => {}
                        _ = self.stopped.wait_for(|s| *s) => return (attempts, Outcome::Abandoned),
                    }
                }
            }
        }
        unreachable!("max_attempts is at least 1")
    }

    async fn attempt(&mut self, job: &Job, n: u32) -> (Option<u16>, Try) {
        let hook = &self.webhook;
        let mut req = self
            .client
            .post(&hook.url)
            .timeout(hook.timeout)
            .header("content-type", "application/json")
            .header(DELIVERY_HEADER, &job.id)
            .header(EVENT_HEADER, job.event)
            .header(ATTEMPT_HEADER, n.to_string());
        if let Some(secret) = &hook.secret {
            let t = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default()
                .as_secs();
            req = req.header(SIGNATURE_HEADER, signature::sign(secret, t, &job.body));
        }
        let send = req.body(job.body.clone()).send();
        let response = tokio::select! {
            r = send => r,
            _ = self.stopped.wait_for(|s| *s) => {
                return (None, Try::Done(Outcome::Abandoned));
            }
        };
        match response {
            Ok(resp) => {
                let status = resp.status();
                let code = status.as_u16();
                let outcome = if status.is_success() {
                    Try::Done(Outcome::Delivered { status: code })
                } else if status.is_server_error() || code == 429 {
                    let retry_after = resp
                        .headers()
                        .get("retry-after")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| backoff::parse_retry_after(v, SystemTime::now()));
                    Try::Retry {
                        retry_after,
                        error: format!("HTTP {code}"),
                    }
                } else {
                    Try::Done(Outcome::Refused { status: code })
                };
                (Some(code), outcome)
            }
            Err(e) if e.is_builder() => {
                let error = self.redactor.redact(&chain(&e));
                (None, Try::Done(Outcome::GaveUp { last_error: error }))
            }
            Err(e) => {
                let what = if e.is_timeout() {
                    format!(
                        "timed out after {}",
                        humantime::format_duration(hook.timeout)
                    )
                } else {
                    chain(&e)
                };
                let error = self.redactor.redact(&what);
                (
                    None,
                    Try::Retry {
                        retry_after: None,
                        error,
                    },
                )
            }
        }
    }
}

/// Sends a report; if nobody reads reports any more, stderr is the last
/// place a failure can be seen.
fn report(to: &mpsc::UnboundedSender<DeliveryReport>, r: DeliveryReport) {
    if let Err(mpsc::error::SendError(r)) = to.send(r)
        && !r.outcome.is_delivered()
    {
        eprintln!("greenlight: {r}");
    }
}

fn client() -> Result<reqwest::Client, NotifyError> {
    greenlight_probe::install_crypto_provider();
    reqwest::Client::builder()
        .user_agent(concat!("greenlight/", env!("CARGO_PKG_VERSION")))
        // A webhook that redirects is misconfigured; its 3xx is reported.
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| NotifyError::Client(chain(&e)))
}

/// The error and its causes, without the URL (it may be a secret).
fn chain(e: &reqwest::Error) -> String {
    let mut text = String::new();
    let mut cur: Option<&dyn std::error::Error> = Some(e);
    while let Some(err) = cur {
        let s = err.to_string();
        if !text.contains(&s) {
            if !text.is_empty() {
                text.push_str(": ");
            }
            text.push_str(&s);
        }
        cur = err.source();
    }
    // reqwest names the URL in its own message; the caller redacts secret
    // URLs, and a plain URL is no secret.
    text
}

/// 128 random bits, hex.
fn new_id() -> String {
    let mut b = [0u8; 16];
    if ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut b).is_err() {
        // No OS randomness: fall back to the clock, still unique per process run.
        let t = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        b = t.as_nanos().to_le_bytes();
    }
    signature::hex(&b)
}
