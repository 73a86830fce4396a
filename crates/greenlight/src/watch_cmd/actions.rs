//! What a window does when a gate breaches (or warns), by the profile's
//! `[watch] on_breach` / `on_warn`: notify the webhooks of greenlight.toml,
//! pause for a person, roll back (only when the profile allows automatic
//! rollback and a person armed it for the release). Every act, and every
//! refusal with its reason, is a `watch_action` event.

use super::{End, Window};
use crate::exit::Failure;
use greenlight_notify::{Event, Notification, Notifier, Webhook};
use greenlight_run::profile::{Profile, WatchAction as Act};
use greenlight_session::watch::WatchAction;
use greenlight_store::EventKind;
use greenlight_watch::gate::State;
use std::time::Duration;

/// The started notifier and the number of webhooks it serves.
pub struct Notify {
    notifier: Notifier,
    hooks: usize,
    failures: tokio::task::JoinHandle<()>,
}

impl Notify {
    /// Lets queued deliveries finish (up to 10 seconds).
    pub async fn shutdown(self) {
        self.notifier.shutdown(Duration::from_secs(10)).await;
        let _ = tokio::time::timeout(Duration::from_secs(1), self.failures).await;
    }
}

/// The webhooks of the nearest greenlight.toml, started, when the policy
/// may notify; `None` when it may not or there are none.
pub fn notifier(profile: &Profile) -> Result<Option<Notify>, Failure> {
    if !profile.on_breach.contains(&Act::Notify) && !profile.on_warn.contains(&Act::Notify) {
        return Ok(None);
    }
    let Some(config) = crate::record::config()? else {
        return Ok(None);
    };
    let env = |name: &str| std::env::var(name).ok();
    let hooks = Webhook::from_tables(&config.webhooks, &env)
        .map_err(|e| Failure::config(format!("greenlight.toml: {e}")))?;
    if hooks.is_empty() {
        return Ok(None);
    }
    let n = hooks.len();
    let (notifier, mut reports) = Notifier::start(hooks, profile.secrets())
        .map_err(|e| Failure::internal(format!("webhooks: {e}")))?;
    let failures = tokio::spawn(async move {
        while let Some(r) = reports.recv().await {
            if !r.outcome.is_delivered() {
                eprintln!("greenlight watch: {r}");
            }
        }
    });
    Ok(Some(Notify {
        notifier,
        hooks: n,
        failures,
    }))
}

impl Window<'_> {
    /// Acts on gate `slot` entering `state` at watch second `t`; returns
    /// how the window ends when the act stops it.
    pub(super) async fn act(
        &mut self,
        slot: usize,
        state: State,
        t: u64,
    ) -> Result<Option<End>, Failure> {
        let policy = match state {
            State::Breach => self.setup.profile.on_breach.clone(),
            _ => self.setup.profile.on_warn.clone(),
        };
        let metric = self.setup.slots[slot].label.clone();
        let mut pause = false;
        for act in policy {
            let (action, detail, rollback_run) = match act {
                Act::Notify => self.notify(slot, state),
                Act::Pause => {
                    pause = true;
                    continue;
                }
                Act::Rollback if state != State::Breach => (
                    "refused".to_string(),
                    "rollback is done on a breach only, not on a warning".to_string(),
                    None,
                ),
                Act::Rollback => match self.roll_back().await? {
                    Ok((run, verdict)) => {
                        let done = WatchAction {
                            at_secs: t,
                            action: "rolled_back".into(),
                            metric: metric.clone(),
                            detail: format!("rollback run {run}: {verdict}"),
                            rollback_run: Some(run.clone()),
                        };
                        self.view.note(&format!("rollback run {run}: {verdict}"));
                        self.record(done).await?;
                        self.tell_rolled_back(&run);
                        return Ok(Some(End::RolledBack));
                    }
                    Err(why) => {
                        pause = true;
                        ("refused".to_string(), format!("rollback: {why}"), None)
                    }
                },
            };
            self.view.note(&format!("{action}: {detail}"));
            self.record(WatchAction {
                at_secs: t,
                action,
                metric: metric.clone(),
                detail,
                rollback_run,
            })
            .await?;
        }
        if pause {
            let detail = format!(
                "the window waits for a person: greenlight resume {}",
                self.run_id
            );
            self.view.note(&format!("paused: {detail}"));
            self.record(WatchAction {
                at_secs: t,
                action: "paused".into(),
                metric,
                detail,
                rollback_run: None,
            })
            .await?;
            return Ok(Some(End::Paused));
        }
        Ok(None)
    }

    /// A `rolled_back` webhook after an automatic rollback, when the
    /// policy notifies.
    fn tell_rolled_back(&self, run: &str) {
        if let Some(n) = &self.notifier
            && self.setup.profile.on_breach.contains(&Act::Notify)
        {
            let mut note = Notification::new(
                Event::RolledBack {
                    run: run.to_string(),
                    automatic: true,
                },
                self.setup.release.clone(),
            );
            note.run = Some(run.to_string());
            note.actor = Some(self.setup.actor.clone());
            n.notifier.notify(&note);
        }
    }

    async fn record(&self, a: WatchAction) -> Result<(), Failure> {
        self.append(vec![self.event(EventKind::WatchAction, None, &a)])
            .await
    }

    fn notify(&self, slot: usize, state: State) -> (String, String, Option<String>) {
        let Some(n) = &self.notifier else {
            return (
                "not_notified".into(),
                "no [[webhooks]] in greenlight.toml".into(),
                None,
            );
        };
        if state != State::Breach {
            return (
                "not_notified".into(),
                "webhooks are told of breaches, not warnings".into(),
                None,
            );
        }
        let s = &self.setup.slots[slot];
        let (bound, line) = s.bound_for(State::Breach);
        let mut note = Notification::new(
            Event::WatchBreach {
                metric: s.label.clone(),
                observed: s.observed_text().unwrap_or_else(|| "-".into()),
                bound,
                line,
            },
            self.setup.release.clone(),
        );
        note.run = Some(self.run_id.to_string());
        note.verdict = Some("NO_GO".into());
        note.actor = Some(self.setup.actor.clone());
        let queued = n.notifier.notify(&note);
        (
            "notified".into(),
            format!(
                "watch_breach queued to {} of {} webhook{}",
                queued.len(),
                n.hooks,
                if n.hooks == 1 { "" } else { "s" }
            ),
            None,
        )
    }

    /// Runs the rollback procedure when the profile and an arming allow
    /// it: `Ok(Ok((run, verdict)))` when it ran, `Ok(Err(why))` when refused.
    async fn roll_back(&mut self) -> Result<Result<(String, String), String>, Failure> {
        let arming_events =
            greenlight_session::rollback::release_arming(self.store, &self.setup.release)
                .await
                .map_err(Failure::from)?;
        let arming = match greenlight_session::rollback::may_roll_back_automatically(
            self.setup.profile.rollback_automatic,
            &arming_events,
            std::time::SystemTime::now(),
        ) {
            Ok(a) => a,
            Err(why) => return Ok(Err(why.to_string())),
        };
        self.view.note(&format!(
            "rolling back: armed by {} at {}",
            arming.by, arming.at
        ));
        let file = self.setup.file.clone();
        let list = self.setup.list.clone();
        let profile = self.setup.profile.clone();
        let spec = self.setup.spec.clone();
        let release = self.setup.release.clone();
        let style = self.style;
        let ran = tokio::task::spawn_blocking(move || {
            crate::rollback_cmd::execute(&crate::rollback_cmd::RollbackInput {
                file: &file,
                list: &list,
                profile: &profile,
                spec: &spec,
                release: Some(&release),
                actor: &arming.by,
                automatic: true,
                style,
                quiet: true,
            })
        })
        .await
        .map_err(|e| Failure::internal(format!("the rollback stopped: {e}")))?;
        Ok(match ran {
            Ok(done) => Ok((
                done.run_id,
                crate::term::rollback_headline(done.report.verdict).to_string(),
            )),
            Err(e) => Err(e.to_string()),
        })
    }
}
