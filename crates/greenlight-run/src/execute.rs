//! Running a plan: phases in document order; inside a phase, independent
//! read checks run concurrently (bounded), while mutating checks and checks
//! that depend on a captured value run alone, in document order. Every
//! result is sent as an event the moment it exists.

use crate::check::{Expectation, Observation, Target, excerpt, json_path, judge};
use crate::load_step;
use crate::outcome::{Evidence, Status, StepResult};
use crate::plan::{Gate, Plan, PlanCheck};
use crate::profile::Eventually;
use crate::redact::Redactor;
use crate::subst;
use greenlight_load::{LoadConfig, LoadReport, Snapshot};
use greenlight_probe as probe;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{Semaphore, mpsc, watch};

/// What happens during a run, in order.
#[derive(Debug, Clone)]
pub enum Event {
    PhaseStarted {
        phase: usize,
    },
    CheckFinished {
        check: usize,
        result: Box<StepResult>,
    },
    PhaseFinished {
        phase: usize,
        elapsed: Duration,
    },
    /// A load step's figures of the last second, while it runs.
    LoadProgress {
        check: usize,
        snapshot: Snapshot,
    },
}

/// Everything the executor needs besides the plan.
#[derive(Clone)]
pub struct Executor {
    pub http: probe::HttpClient,
    pub timeout: Duration,
    pub shell_timeout: Duration,
    pub concurrency: usize,
    pub eventually: Option<Eventually>,
    /// Extra trusted roots for TLS checks (a staging CA).
    pub extra_roots: Vec<probe::CertificateDer<'static>>,
    pub vars: HashMap<String, String>,
    pub redactor: Redactor,
    /// Flips to true on Ctrl-C: nothing new starts; running checks finish.
    pub cancel: watch::Receiver<bool>,
    /// Results of the load steps so far, by check index, for metric tables.
    pub loads: LoadResults,
    /// Where a load step reports progress while it runs: the check's index
    /// and the run's event channel (set by [`Executor::resume`] per check).
    pub progress: Option<(usize, mpsc::UnboundedSender<Event>)>,
}

/// Load results shared by the checks of a run.
pub type LoadResults = Arc<Mutex<HashMap<usize, Arc<LoadReport>>>>;

/// Captured values (`VAR=$(curl … | jq -r .id)`), shared across checks.
type Captures = Arc<Mutex<HashMap<String, String>>>;

impl Executor {
    /// Runs every runnable check of the plan; checks gated off get their
    /// `not_run`/`blocked` result without running. Returns every result
    /// (index = check index).
    pub async fn run(&self, plan: &Plan, events: mpsc::UnboundedSender<Event>) -> Vec<StepResult> {
        self.resume(plan, vec![None; plan.checks.len()], events)
            .await
    }

    /// Runs only the checks without a result in `done` (a resumed run).
    /// A finished check that captured a value is run again when a check
    /// that needs the value has not finished: captured values are not
    /// stored, since they may be secrets.
    pub async fn resume(
        &self,
        plan: &Plan,
        mut done: Vec<Option<StepResult>>,
        events: mpsc::UnboundedSender<Event>,
    ) -> Vec<StepResult> {
        done.resize(plan.checks.len(), None);
        for c in &plan.checks {
            if done[c.index].is_none() {
                for &d in &c.depends_on {
                    done[d] = None;
                }
            }
        }
        // Load results recorded before a resume still count for metric tables.
        for (i, r) in done.iter().enumerate() {
            if let Some(report) = r
                .as_ref()
                .and_then(|r| r.evidence.load.clone())
                .and_then(|v| serde_json::from_value::<LoadReport>(v).ok())
            {
                self.loads
                    .lock()
                    .expect("loads lock")
                    .insert(i, Arc::new(report));
            }
        }
        let skip: Vec<bool> = done.iter().map(Option::is_some).collect();
        let results: Arc<Mutex<Vec<Option<StepResult>>>> = Arc::new(Mutex::new(done));
        let captures: Captures = Arc::default();
        let limit = Arc::new(Semaphore::new(self.concurrency.max(1)));
        for (p, phase) in plan.phases.iter().enumerate() {
            let _ = events.send(Event::PhaseStarted { phase: p });
            let started = Instant::now();
            let mut running = tokio::task::JoinSet::new();
            for &c in &phase.checks {
                if skip[c] {
                    continue;
                }
                let check = &plan.checks[c];
                let alone = check.is_sequential();
                if alone {
                    // Everything before it finishes first; it runs alone.
                    while running.join_next().await.is_some() {}
                }
                let cancelled = *self.cancel.borrow();
                let mut me = self.clone();
                me.progress = Some((check.index, events.clone()));
                let check = check.clone();
                let results = results.clone();
                let captures = captures.clone();
                let events = events.clone();
                let permit = limit
                    .clone()
                    .acquire_owned()
                    .await
                    .expect("semaphore is never closed");
                running.spawn(async move {
                    let result = if cancelled {
                        me.not_started(&check, "the run was interrupted before this check started")
                    } else {
                        me.run_check(&check, &captures).await
                    };
                    drop(permit);
                    let _ = events.send(Event::CheckFinished {
                        check: check.index,
                        result: Box::new(result.clone()),
                    });
                    results.lock().expect("results lock")[check.index] = Some(result);
                });
                if alone {
                    while running.join_next().await.is_some() {}
                }
            }
            while running.join_next().await.is_some() {}
            let _ = events.send(Event::PhaseFinished {
                phase: p,
                elapsed: started.elapsed(),
            });
        }
        let mut out = results.lock().expect("results lock");
        out.iter_mut()
            .enumerate()
            .map(|(i, r)| {
                r.take().unwrap_or_else(|| {
                    self.not_started(&plan.checks[i], "not scheduled in any phase")
                })
            })
            .collect()
    }

    fn not_started(&self, check: &PlanCheck, why: &str) -> StepResult {
        let (status, reason) = match &check.gate {
            Gate::Run => (Status::NotRun, why.to_string()),
            Gate::NotRun { reason } => (Status::NotRun, reason.clone()),
            Gate::Blocked { reason } => (Status::Blocked, reason.clone()),
        };
        self.result(
            check,
            status,
            0,
            0,
            Evidence {
                summary: self.redactor.redact(&check.target.describe()),
                expected: check.expect.iter().map(Expectation::describe).collect(),
                reason: Some(self.redactor.redact(&reason)),
                ..Evidence::default()
            },
        )
    }

    fn result(
        &self,
        check: &PlanCheck,
        status: Status,
        ms: u64,
        attempts: u32,
        evidence: Evidence,
    ) -> StepResult {
        StepResult {
            line: check.line,
            class: check.class,
            probe: check.target.probe().to_string(),
            command: self.redactor.redact(&check.command),
            status,
            duration_ms: ms,
            attempts,
            evidence,
        }
    }

    /// Runs one check (with retries if it has an `eventually` policy).
    pub async fn run_check(&self, check: &PlanCheck, captures: &Captures) -> StepResult {
        if !matches!(check.gate, Gate::Run) {
            return self.not_started(check, "");
        }
        let lookup = |name: &str| -> Option<String> {
            self.vars
                .get(name)
                .cloned()
                .or_else(|| captures.lock().expect("captures lock").get(name).cloned())
        };
        let target = match resolve_target(&check.target, &lookup) {
            Ok(t) => t,
            Err(missing) => {
                let reason = crate::plan::nobody_provided(&missing);
                return self.result(
                    check,
                    Status::Blocked,
                    0,
                    0,
                    Evidence {
                        summary: self.redactor.redact(&check.target.describe()),
                        reason: Some(reason),
                        ..Evidence::default()
                    },
                );
            }
        };
        let env: Vec<(String, String)> = check
            .env_names
            .iter()
            .filter_map(|n| lookup(n).map(|v| (n.clone(), v)))
            .collect();
        let eventually = check.eventually.or(self.eventually);
        let start = Instant::now();
        let mut attempts = 0;
        let (obs, judgement) = loop {
            attempts += 1;
            let obs = self.observe(&target, &env).await;
            let judgement = judge(&check.expect, &obs);
            let retry = judgement.status == Status::Failed
                && eventually.is_some_and(|e| start.elapsed() + e.interval < e.deadline)
                && !*self.cancel.borrow();
            if !retry {
                break (obs, judgement);
            }
            tokio::time::sleep(eventually.map_or(Duration::ZERO, |e| e.interval)).await;
        };
        let mut status = judgement.status;
        let mut reason = None;
        // A load test cut short by Ctrl-C proves nothing either way.
        if let Some(why) = obs
            .load
            .as_ref()
            .and_then(|r| r.aborted.as_ref())
            .filter(|a| a.starts_with("interrupted"))
        {
            status = Status::NotRun;
            reason = Some(format!(
                "the run was interrupted: the load test stopped ({why}); its figures so far are kept"
            ));
        }
        if let (Some(cap), Status::Passed | Status::NeedsReview) = (&check.capture, status) {
            match capture_value(&obs.body, &cap.path) {
                Some(v) => {
                    captures
                        .lock()
                        .expect("captures lock")
                        .insert(cap.var.clone(), v);
                }
                None => {
                    status = Status::Failed;
                    reason = Some(format!(
                        "could not capture {} from {} of the response",
                        cap.var, cap.path
                    ));
                }
            }
        }
        let r = &self.redactor;
        let load = obs.load.as_ref().map(|report| {
            self.loads
                .lock()
                .expect("loads lock")
                .insert(check.index, report.clone());
            let json = r.redact(&greenlight_load::summary::to_json(report));
            serde_json::from_str(&json).unwrap_or(serde_json::Value::String(json))
        });
        let evidence = Evidence {
            summary: r.redact(&obs.summary),
            expected: judgement.expected.iter().map(|e| r.redact(e)).collect(),
            failures: judgement.failures.iter().map(|e| r.redact(e)).collect(),
            unverified: judgement.unverified,
            excerpt: (!obs.body.trim().is_empty()).then(|| r.redact(&excerpt(&obs.body, 400))),
            reason: reason.or_else(|| check.note.clone()),
            load,
        };
        self.result(
            check,
            status,
            start.elapsed().as_millis() as u64,
            attempts,
            evidence,
        )
    }

    /// Runs a resolved target through its probe and describes what it saw.
    pub async fn observe(&self, target: &Target, env: &[(String, String)]) -> Observation {
        let t0 = Instant::now();
        let ms = |d: Duration| format!("{} ms", d.as_millis());
        match target {
            Target::Http {
                method,
                url,
                headers,
                body,
                insecure,
                follow,
                basic_auth,
                fail,
                max_time,
            } => {
                let mut req = probe::HttpRequest::new(method.clone(), url.clone());
                req.headers = headers.clone();
                req.body = body.as_ref().map(|b| b.clone().into_bytes());
                req.insecure_tls = *insecure;
                req.follow_redirects = *follow;
                // `--max-time 1e309`, `-1` or `NaN` is no duration: the
                // profile's timeout applies (from_secs_f64 would panic).
                req.timeout = max_time
                    .and_then(|s| Duration::try_from_secs_f64(s).ok())
                    .unwrap_or(self.timeout);
                req.basic_auth = basic_auth.as_ref().map(|u| match u.split_once(':') {
                    Some((user, pass)) => (user.to_string(), Some(pass.to_string())),
                    None => (u.clone(), None),
                });
                match self.http.send(&req).await {
                    Ok(resp) => {
                        let body = resp.body_text().into_owned();
                        let error = (*fail && resp.status >= 400)
                            .then(|| format!("curl -f: the server answered {}", resp.status));
                        Observation {
                            status: Some(resp.status),
                            summary: format!(
                                "{method} {url} → {} in {}",
                                resp.status,
                                ms(resp.duration)
                            ),
                            headers: resp.headers,
                            body,
                            duration: resp.duration,
                            error,
                            ..Observation::default()
                        }
                    }
                    Err(e) => failed(format!("{method} {url}"), e.to_string(), t0.elapsed()),
                }
            }
            Target::Tcp { host, port } => {
                match probe::tcp_connect(&format!("{host}:{port}"), self.timeout).await {
                    Ok(r) => ok_obs(
                        format!("tcp {host}:{port} connected in {}", ms(r.duration)),
                        String::new(),
                        r.duration,
                    ),
                    Err(e) => failed(format!("tcp {host}:{port}"), e.to_string(), t0.elapsed()),
                }
            }
            Target::Postgres { url, sql } => match probe::pg_query(url, sql, self.timeout).await {
                Ok(r) => {
                    let out = r.render_unaligned();
                    ok_obs(
                        format!(
                            "{} → {} row(s) in {}",
                            target.describe(),
                            r.rows.len(),
                            ms(r.duration)
                        ),
                        out,
                        r.duration,
                    )
                }
                Err(e) => failed(target.describe(), e.to_string(), t0.elapsed()),
            },
            Target::Redis { url, args } => {
                match probe::redis_command(url, args, self.timeout).await {
                    Ok(r) => ok_obs(
                        format!(
                            "{} → {} in {}",
                            target.describe(),
                            excerpt(&r.reply_text, 60),
                            ms(r.duration)
                        ),
                        r.reply_text,
                        r.duration,
                    ),
                    Err(e) => failed(target.describe(), e.to_string(), t0.elapsed()),
                }
            }
            Target::WebSocket {
                url,
                headers,
                insecure,
            } => {
                let req = probe::WsRequest {
                    url: url.clone(),
                    headers: headers.clone(),
                    timeout: self.timeout,
                    insecure_tls: *insecure,
                    extra_roots: self.extra_roots.clone(),
                    ..probe::WsRequest::default()
                };
                match probe::ws_connect_with(&req).await {
                    Ok(r) => Observation {
                        status: Some(r.status),
                        summary: format!("websocket {url} → {} in {}", r.status, ms(r.duration)),
                        body: r.first_message.unwrap_or_default(),
                        headers: r.response_headers,
                        duration: r.duration,
                        ..Observation::default()
                    },
                    Err(e) => {
                        let mut o = failed(format!("websocket {url}"), e.to_string(), t0.elapsed());
                        o.status = e.status();
                        o.error = Some(e.to_string());
                        o
                    }
                }
            }
            Target::Tls { host, port, .. } => {
                let roots = (!self.extra_roots.is_empty()).then(|| self.extra_roots.clone());
                match probe::tls_inspect(host, *port, host, self.timeout, roots).await {
                    Ok(r) => {
                        let problem = if r.chain_verified {
                            None
                        } else {
                            Some(
                                r.verification_error
                                    .clone()
                                    .unwrap_or_else(|| "not trusted".into()),
                            )
                        };
                        let expiry = if r.leaf.days_until_expiry < 0 {
                            format!("expired {} days ago", -r.leaf.days_until_expiry)
                        } else {
                            format!("expires in {} days", r.leaf.days_until_expiry)
                        };
                        Observation {
                            summary: format!(
                                "tls {host}:{port} → {} · certificate {} · {expiry} · {}",
                                r.protocol,
                                r.leaf.subject,
                                if r.chain_verified {
                                    "chain verified"
                                } else {
                                    "chain NOT verified"
                                }
                            ),
                            tls_protocol: Some(r.protocol),
                            cert_problem: problem,
                            duration: r.duration,
                            ..Observation::default()
                        }
                    }
                    Err(e) => failed(format!("tls {host}:{port}"), e.to_string(), t0.elapsed()),
                }
            }
            Target::ClickHouse { url, sql } => {
                match probe::clickhouse_query(url, sql, self.timeout).await {
                    Ok(r) => Observation {
                        status: Some(r.status),
                        summary: format!(
                            "{} → {} in {}",
                            target.describe(),
                            r.status,
                            ms(r.duration)
                        ),
                        body: r.body,
                        duration: r.duration,
                        error: (r.status >= 400)
                            .then(|| format!("ClickHouse answered {}", r.status)),
                        ..Observation::default()
                    },
                    Err(e) => failed(target.describe(), e.to_string(), t0.elapsed()),
                }
            }
            Target::Load { config, .. } => self.observe_load(config, t0).await,
            Target::Metric { name, figure, from } => {
                let loads = self.loads.lock().expect("loads lock");
                let reports: Vec<&greenlight_load::LoadReport> = from
                    .iter()
                    .filter_map(|i| loads.get(i).map(|r| &**r))
                    .collect();
                match load_step::worst(*figure, &reports) {
                    Some(v) => Observation {
                        summary: format!(
                            "{name}: {} over {} load test(s)",
                            figure.show(v),
                            reports.len()
                        ),
                        metric: Some(v),
                        duration: t0.elapsed(),
                        ..Observation::default()
                    },
                    None => failed(
                        format!("metric {name}"),
                        "not measured: no load step of this run got an answer to measure it by"
                            .into(),
                        t0.elapsed(),
                    ),
                }
            }
            Target::Shell { script } => {
                let spec = probe::ShellSpec {
                    script: script.clone(),
                    env: env.to_vec(),
                    timeout: self.shell_timeout,
                    ..probe::ShellSpec::default()
                };
                match probe::run_shell(spec).await {
                    Ok(r) => {
                        let mut output = r.stdout.clone();
                        if !r.stderr.is_empty() {
                            output.push_str(&r.stderr);
                        }
                        let error = if r.timed_out {
                            Some(format!(
                                "timed out after {} s; the process group was killed",
                                self.shell_timeout.as_secs()
                            ))
                        } else if r.exit_code != Some(0) {
                            Some(match r.exit_code {
                                Some(c) => format!("exited with status {c}"),
                                None => format!("killed by signal {}", r.signal.unwrap_or(0)),
                            })
                        } else {
                            None
                        };
                        Observation {
                            summary: format!(
                                "shell → {} in {}",
                                error.as_deref().unwrap_or("exit 0"),
                                ms(r.duration)
                            ),
                            body: output,
                            duration: r.duration,
                            error,
                            ..Observation::default()
                        }
                    }
                    Err(e) => failed("shell".into(), e.to_string(), t0.elapsed()),
                }
            }
        }
    }
}

impl Executor {
    /// Runs a load test, bounded by its own length plus a margin.
    async fn observe_load(&self, config: &LoadConfig, t0: Instant) -> Observation {
        let length = config
            .effective_duration()
            .unwrap_or(Duration::from_secs(600));
        let limit = length + config.timeout + Duration::from_secs(10);
        // Progress goes to the live view each second; the forwarder ends
        // when the run drops its end of the channel.
        let progress = self.progress.clone().map(|(check, events)| {
            let (tx, mut rx) = watch::channel(Snapshot::default());
            tokio::spawn(async move {
                while rx.changed().await.is_ok() {
                    let snapshot = rx.borrow().clone();
                    let _ = events.send(Event::LoadProgress { check, snapshot });
                }
            });
            tx
        });
        let run = greenlight_load::run_until(config.clone(), progress, Some(self.cancel.clone()));
        match tokio::time::timeout(limit, run).await {
            Ok(Ok(report)) => Observation {
                summary: format!("load → {}", load_step::summary_line(&report)),
                duration: t0.elapsed(),
                load: Some(Arc::new(report)),
                ..Observation::default()
            },
            Ok(Err(e)) => failed("load".into(), e.to_string(), t0.elapsed()),
            Err(_) => failed(
                "load".into(),
                format!("did not finish within {} s", limit.as_secs()),
                t0.elapsed(),
            ),
        }
    }
}

fn ok_obs(summary: String, body: String, duration: Duration) -> Observation {
    Observation {
        summary,
        body,
        duration,
        ..Observation::default()
    }
}

fn failed(what: String, error: String, duration: Duration) -> Observation {
    Observation {
        summary: format!("{what} → {error}"),
        error: Some(error),
        duration,
        ..Observation::default()
    }
}

/// The value `jq -r PATH` would print.
fn capture_value(body: &str, path: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(body.trim()).ok()?;
    match json_path(&value, path)? {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Null => None,
        other => Some(other.to_string()),
    }
}

/// Fills variables into every string of a target. Host mapping happened at
/// planning time; a variable that holds a URL is mapped here too.
pub fn resolve_target(
    target: &Target,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Target, Vec<String>> {
    let mut missing: Vec<String> = Vec::new();
    let mut sub = |s: &str| -> String {
        match subst::substitute(s, lookup) {
            Ok(v) => subst::unprotect(&v),
            Err(m) => {
                missing.extend(m);
                String::new()
            }
        }
    };
    let resolved = match target {
        Target::Http {
            method,
            url,
            headers,
            body,
            insecure,
            follow,
            basic_auth,
            fail,
            max_time,
        } => Target::Http {
            method: method.clone(),
            url: sub(url),
            headers: headers.iter().map(|(k, v)| (k.clone(), sub(v))).collect(),
            body: body.as_ref().map(|b| sub(b)),
            insecure: *insecure,
            follow: *follow,
            basic_auth: basic_auth.as_ref().map(|b| sub(b)),
            fail: *fail,
            max_time: *max_time,
        },
        Target::Tcp { host, port } => Target::Tcp {
            host: sub(host),
            port: *port,
        },
        Target::Postgres { url, sql } => Target::Postgres {
            url: sub(url),
            sql: sub(sql),
        },
        Target::Redis { url, args } => Target::Redis {
            url: sub(url),
            args: args.iter().map(|a| sub(a)).collect(),
        },
        Target::WebSocket {
            url,
            headers,
            insecure,
        } => Target::WebSocket {
            url: sub(url),
            headers: headers.iter().map(|(k, v)| (k.clone(), sub(v))).collect(),
            insecure: *insecure,
        },
        Target::Tls {
            host,
            port,
            min_version,
        } => Target::Tls {
            host: sub(host),
            port: *port,
            min_version: min_version.clone(),
        },
        Target::ClickHouse { url, sql } => Target::ClickHouse {
            url: sub(url),
            sql: sub(sql),
        },
        // Shell scripts get their variables as environment variables.
        Target::Shell { script } => Target::Shell {
            script: script.clone(),
        },
        Target::Load { tool, config } => {
            let mut config = config.clone();
            // Hosts were mapped (or refused) at planning time.
            for t in &mut config.targets {
                t.url = sub(&t.url);
                for (_, v) in &mut t.headers {
                    *v = sub(v);
                }
                if let Some(b) = &mut t.body {
                    *b = sub(b);
                }
            }
            Target::Load {
                tool: tool.clone(),
                config,
            }
        }
        metric @ Target::Metric { .. } => metric.clone(),
    };
    if missing.is_empty() {
        Ok(resolved)
    } else {
        missing.sort();
        missing.dedup();
        Err(missing)
    }
}
