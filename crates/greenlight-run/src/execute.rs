//! Running a plan: phases in document order; inside a phase, independent
//! read checks run concurrently (bounded), while mutating checks and checks
//! that depend on a captured value run alone, in document order. Every
//! result is sent as an event the moment it exists.

use crate::analyze::sql;
use crate::check::{Expectation, Field, Observation, Target, excerpt, json_path, judge};
use crate::load_step;
use crate::outcome::{Evidence, Status, StepResult};
use crate::plan::{Gate, Plan, PlanCheck};
use crate::profile::{Class, Eventually};
use crate::redact::Redactor;
use crate::subst;
use greenlight_load::{LoadConfig, LoadReport, Snapshot};
use greenlight_probe as probe;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{Semaphore, mpsc, watch};

/// What happens during a run, in order.
#[derive(Debug, Clone)]
pub enum Event {
    PhaseStarted {
        phase: usize,
    },
    /// A check has started (a live view names the step running now).
    CheckStarted {
        check: usize,
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
    /// The classes that may run (the profile's `allowed`). Checked again on
    /// every resolved target, after variables are filled in: a check whose
    /// request turns out to be of another class does not run. Empty: nothing runs.
    pub allowed: Vec<Class>,
    /// Whether load tests may run (the profile's `allow_load`).
    pub allow_load: bool,
    /// The profile's `[hosts]`: a URL whose host came from a variable is
    /// mapped once the variable is filled in, and a followed HTTP redirect
    /// may go only to the request's own host or to an address these map to
    /// ([`subst::mapped_authorities`]).
    pub hosts: BTreeMap<String, String>,
}

/// Load results shared by the checks of a run.
pub type LoadResults = Arc<Mutex<HashMap<usize, Arc<LoadReport>>>>;

/// Why a procedure stops: its first step that ran and did not pass, or
/// could not run.
fn halted_by(results: &[Option<StepResult>]) -> Option<String> {
    results.iter().flatten().find_map(|r| {
        (!matches!(r.status, Status::Passed | Status::NeedsReview)).then(|| {
            format!(
                "not started: the step on line {} before it {} (a procedure stops at its first failure)",
                r.line,
                match r.status {
                    Status::Failed => "failed",
                    Status::Blocked => "was blocked",
                    _ => "did not run",
                }
            )
        })
    })
}

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
                let alone = check.is_sequential() || plan.stop_at_failure;
                if alone {
                    // Everything before it finishes first; it runs alone.
                    while running.join_next().await.is_some() {}
                }
                // A procedure stops at its first step that did not pass.
                let halted = if plan.stop_at_failure {
                    halted_by(&results.lock().expect("results lock"))
                } else {
                    None
                };
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
                    } else if let Some(why) = halted {
                        me.not_started(&check, &why)
                    } else {
                        let _ = events.send(Event::CheckStarted { check: check.index });
                        // Boxed: a check's future is large (every probe's
                        // state), and the task would otherwise copy it
                        // whole on spawn and on every stage change.
                        Box::pin(me.run_check(&check, &captures)).await
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
        // One choke point: whatever a path above forgot, nothing leaves a
        // check unredacted (masking twice is harmless).
        let r = &self.redactor;
        let evidence = Evidence {
            summary: r.redact(&evidence.summary),
            expected: evidence.expected.iter().map(|e| r.redact(e)).collect(),
            failures: evidence.failures.iter().map(|e| r.redact(e)).collect(),
            unverified: evidence.unverified.iter().map(|e| r.redact(e)).collect(),
            excerpt: evidence.excerpt.as_deref().map(|e| r.redact(e)),
            reason: evidence.reason.as_deref().map(|e| r.redact(e)),
            // A load summary's keys are its own field names: only its
            // strings are data.
            load: evidence.load.map(|v| r.redacted_json_values(v)),
        };
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
            Err(unresolved) => {
                let reason = unresolved.reason();
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
        let target = self.map_late_hosts(&check.target, target);
        // The plan judged the text; this judges what is about to be sent.
        if let Some(reason) = self.refusal(check, &target) {
            return self.result(
                check,
                Status::NotRun,
                0,
                0,
                Evidence {
                    summary: self.redactor.redact(&target.describe()),
                    expected: check.expect.iter().map(Expectation::describe).collect(),
                    reason: Some(self.redactor.redact(&reason)),
                    ..Evidence::default()
                },
            );
        }
        let env: Vec<(String, String)> = check
            .env_names
            .iter()
            .filter_map(|n| lookup(n).map(|v| (n.clone(), v)))
            .collect();
        // A check judged read runs read-only, and so does every check when
        // only read is allowed: the probe refuses what the judge missed.
        let access = if self.read_only() {
            probe::Access::ReadOnly
        } else {
            access_for(target.class().map_or(check.class, |c| c.max(check.class)))
        };
        let eventually = check.eventually.or(self.eventually);
        let start = Instant::now();
        let mut attempts = 0;
        let (obs, judgement) = loop {
            attempts += 1;
            let obs = self.observe(&target, &env, access).await;
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
            // Its field names stay; its strings (URLs, check names,
            // messages) are redacted.
            r.to_value(report.as_ref())
                .unwrap_or_else(|e| serde_json::Value::String(format!("load summary: {e}")))
        });
        let evidence = Evidence {
            summary: r.redact(&obs.summary),
            expected: judgement.expected.iter().map(|e| r.redact(e)).collect(),
            failures: judgement.failures.iter().map(|e| r.redact(e)).collect(),
            unverified: judgement.unverified,
            excerpt: (!obs.body.trim().is_empty()).then(|| excerpt(&r.redact(&obs.body), 400)),
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

    /// Why a resolved target may not run, if its class (judged from the
    /// target itself, never below the plan's class) is not allowed.
    pub fn refusal(&self, check: &PlanCheck, target: &Target) -> Option<String> {
        let class = target
            .class()
            .map_or(check.class, |derived| derived.max(check.class));
        let is_load = matches!(target, Target::Load { .. });
        if self.allowed.contains(&class) || is_load && self.allow_load {
            return None;
        }
        let what = match target {
            Target::Http {
                method,
                url,
                headers,
                body,
                ..
            } => {
                let mut what = format!("the request would be {method} {url}");
                if let Some(b) = body {
                    what.push_str(&format!(" with a body of {} bytes", b.len()));
                }
                if let Some((k, v)) = headers
                    .iter()
                    .find(|(k, _)| crate::analyze::curl::is_method_override(k))
                {
                    what.push_str(&format!(" with header {k}: {v}"));
                }
                what
            }
            Target::Load { .. } => "a load test".to_string(),
            other => format!("the check would run {}", other.describe()),
        };
        let allowed: Vec<&str> = self.allowed.iter().map(|c| c.as_str()).collect();
        let only = if allowed.is_empty() {
            "no class is allowed".to_string()
        } else {
            format!("only {} allowed", allowed.join(", "))
        };
        Some(format!(
            "refused at run time: {what}, which is {}; {only} (allow with --allow {})",
            class.as_str(),
            if is_load { "load" } else { class.as_str() }
        ))
    }

    /// Maps the host of a URL that only a variable named at planning time
    /// (`curl $API_URL/health`): planning could not map it, so it is mapped
    /// now, through the same `[hosts]`.
    fn map_late_hosts(&self, planned: &Target, mut resolved: Target) -> Target {
        let late = |url: &str| subst::url_host(url).is_none_or(|h| h.contains(['$', '<']));
        match (planned, &mut resolved) {
            (Target::Http { url: before, .. }, Target::Http { url, .. })
            | (Target::WebSocket { url: before, .. }, Target::WebSocket { url, .. })
                if late(before) =>
            {
                if let Some(mapped) = subst::map_url(url, &self.hosts) {
                    *url = mapped;
                }
            }
            _ => {}
        }
        resolved
    }

    /// Whether only reads are allowed: every probe then runs read-only and
    /// refuses anything else itself.
    fn read_only(&self) -> bool {
        !self.allowed.iter().any(|c| *c > Class::Read)
    }

    /// Runs a resolved target through its probe and describes what it saw. With
    /// [`probe::Access::ReadOnly`] the PostgreSQL and Redis probes refuse whatever is not read.
    pub async fn observe(
        &self,
        target: &Target,
        env: &[(String, String)],
        access: probe::Access,
    ) -> Observation {
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
                req.redirect_hosts = subst::mapped_authorities(&self.hosts);
                req.read_only = access == probe::Access::ReadOnly;
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
                    Ok(resp) if resp.redirect_refused.is_some() => {
                        // The document asked for where the redirect leads,
                        // which was not reached: the check cannot pass.
                        let why = resp.redirect_refused.clone().unwrap_or_default();
                        Observation {
                            summary: format!(
                                "{method} {url} → {} in {}; {why}",
                                resp.status,
                                ms(resp.duration)
                            ),
                            error: Some(format!("{why} (the server answered {})", resp.status)),
                            body: resp.body_text().into_owned(),
                            headers: resp.headers,
                            duration: resp.duration,
                            ..Observation::default()
                        }
                    }
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
            Target::Postgres { url, sql, params } => {
                match probe::pg_query(url, sql, params, access, self.timeout).await {
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
                }
            }
            Target::Redis { url, args } => {
                match probe::redis_command(url, args, access, self.timeout).await {
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
                // Judged again on the final text; ClickHouse has no read-only transaction to
                // fall back on, so anything not read is refused here.
                if access == probe::Access::ReadOnly && sql::sql_class(sql) != Class::Read {
                    return failed(
                        target.describe(),
                        "ClickHouse query refused in read-only mode: it is not read-only SQL"
                            .into(),
                        t0.elapsed(),
                    );
                }
                match probe::clickhouse_query(url, sql, access, self.timeout).await {
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
                    // `<VERSION>` placeholders the plan found filled: references to the
                    // variables it passes (a plan blocks the step when one is missing).
                    script: crate::analyze::hazards::fill_placeholders(script),
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
                            exit_code: r.exit_code,
                            stdout: Some(r.stdout),
                            stderr: Some(r.stderr),
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

/// What a probe may do for a check of this class: a check classed read runs read-only,
/// whatever else the run allows (a write it was not expected to do must fail, not happen).
pub fn access_for(class: Class) -> probe::Access {
    if class == Class::Read {
        probe::Access::ReadOnly
    } else {
        probe::Access::ReadWrite
    }
}

/// Why a target's values could not be filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unresolved {
    /// Names nobody provided.
    Missing(Vec<String>),
    /// A value would change a statement's shape.
    Refused(String),
}

impl Unresolved {
    /// The reason a blocked check gives.
    pub fn reason(&self) -> String {
        match self {
            Unresolved::Missing(names) => crate::plan::nobody_provided(names),
            Unresolved::Refused(why) => why.clone(),
        }
    }
}

/// Fills SQL through [`sql::fill_sql`]: values in literals bound as parameters, values
/// elsewhere only when plain.
fn fill(
    template: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    dialect: sql::Dialect,
    missing: &mut Vec<String>,
    refused: &mut Option<String>,
) -> sql::FilledSql {
    match sql::fill_sql(template, lookup, dialect) {
        // Judged again on the final text: a filled-in name must not raise the class.
        Ok(f) if sql::sql_class(&f.sql) > sql::sql_class(template) => {
            refused.get_or_insert(format!(
                "the values filled in change the statement's class from {} to {}",
                sql::sql_class(template).as_str(),
                sql::sql_class(&f.sql).as_str()
            ));
            f
        }
        Ok(f) => f,
        Err(sql::FillError::Missing(m)) => {
            missing.extend(m);
            sql::FilledSql {
                sql: String::new(),
                params: Vec::new(),
            }
        }
        Err(sql::FillError::Shape(why)) => {
            refused.get_or_insert(why);
            sql::FilledSql {
                sql: String::new(),
                params: Vec::new(),
            }
        }
    }
}

/// Fills variables into every string of a target. Host mapping happened at
/// planning time; a variable that holds a URL is mapped here too. SQL gets its
/// values without any of them changing a statement's shape ([`sql::fill_sql`]).
pub fn resolve_target(
    target: &Target,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Target, Unresolved> {
    let mut sql_missing: Vec<String> = Vec::new();
    let mut refused: Option<String> = None;
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
    let mut resolved = target.clone();
    // Plain substitution everywhere but in SQL; shell scripts get their
    // variables as environment variables, and load hosts were mapped (or
    // refused) at planning time.
    let http = matches!(resolved, Target::Http { .. });
    for (field, s) in resolved.strings_mut() {
        if field != Field::Sql {
            *s = sub(s);
        }
        if http && field == Field::Url && !s.contains("://") && !s.is_empty() {
            // curl's default scheme, for a URL a variable gave (`$HOST/x`).
            *s = format!("http://{s}");
        }
    }
    // SQL goes through `fill`: values inside quoted literals become bound
    // parameters, never text.
    match &mut resolved {
        Target::Postgres { sql, params, .. } => {
            let filled = fill(
                sql,
                lookup,
                sql::Dialect::Postgres,
                &mut sql_missing,
                &mut refused,
            );
            *sql = filled.sql;
            if !filled.params.is_empty() {
                *params = filled.params;
            }
        }
        Target::ClickHouse { sql, .. } => {
            *sql = fill(
                sql,
                lookup,
                sql::Dialect::ClickHouse,
                &mut sql_missing,
                &mut refused,
            )
            .sql;
        }
        _ => {}
    }
    missing.extend(sql_missing);
    if !missing.is_empty() {
        missing.sort();
        missing.dedup();
        Err(Unresolved::Missing(missing))
    } else if let Some(why) = refused {
        Err(Unresolved::Refused(why))
    } else {
        Ok(resolved)
    }
}

#[cfg(test)]
mod tests;
