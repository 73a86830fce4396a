//! Webhooks on a verdict change and on each sign-off, through
//! greenlight-notify. The change feed passes these notices on only while
//! this process leads (one process per PostgreSQL store), so several
//! servers on one store notify once.

use crate::feed::{Notice, NoticeKind};
use greenlight_notify::{Event, Notification, Notifier, NotifyError, Webhook};
use serde_json::Value;
use std::sync::Arc;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// The notifier's side of the feed's hook.
pub struct Notifications {
    /// What the feed sends notices to.
    pub hook: mpsc::Sender<Arc<Notice>>,
    task: JoinHandle<Notifier>,
}

impl Notifications {
    /// Starts the notifier (and a task logging failed deliveries).
    /// `public_url`: the server's address as people reach it, for links.
    pub fn start(
        webhooks: Vec<Webhook>,
        secrets: Vec<String>,
        public_url: Option<String>,
    ) -> Result<Notifications, NotifyError> {
        let (notifier, mut reports) = Notifier::start(webhooks, secrets)?;
        tokio::spawn(async move {
            while let Some(r) = reports.recv().await {
                if !r.outcome.is_delivered() {
                    eprintln!("greenlight serve: {r}");
                }
            }
        });
        let (hook, mut rx) = mpsc::channel::<Arc<Notice>>(crate::feed::CAPACITY);
        let task = tokio::spawn(async move {
            while let Some(notice) = rx.recv().await {
                if let Some(n) = notification(&notice, public_url.as_deref()) {
                    notifier.notify(&n);
                }
            }
            notifier
        });
        Ok(Notifications { hook, task })
    }

    /// Lets pending deliveries finish, within `grace`, once the feed has
    /// stopped (and dropped its end of the hook).
    pub async fn shutdown(self, grace: std::time::Duration) {
        drop(self.hook);
        if let Ok(Ok(notifier)) = tokio::time::timeout(grace, self.task).await {
            notifier.shutdown(grace).await;
        }
    }
}

fn text(v: &Value) -> Option<String> {
    v.as_str().filter(|s| !s.is_empty()).map(str::to_string)
}

/// The notification a notice makes, if any: a verdict that changed, or a
/// sign-off event.
pub fn notification(notice: &Notice, public_url: Option<&str>) -> Option<Notification> {
    let data: Value = serde_json::from_str(&notice.data).ok()?;
    let release = if notice.release.is_empty() {
        notice.run_id.clone()
    } else {
        notice.release.clone()
    };
    let mut n = match notice.kind {
        NoticeKind::Verdict => {
            let previous = text(&data["previous"]);
            if previous.as_deref() == data["verdict"].as_str() {
                return None;
            }
            let mut n = Notification::new(Event::VerdictChanged { previous }, release);
            n.verdict = text(&data["verdict"]);
            n.reasons = data["reasons"]
                .as_array()
                .map(|rs| rs.iter().filter_map(|r| text(&r["message"])).collect())
                .unwrap_or_default();
            n
        }
        NoticeKind::Event if data["kind"] == "signoff" => {
            let p = &data["payload"];
            let role = text(&p["role"]).unwrap_or_default();
            let mut n = Notification::new(
                Event::SignedOff {
                    role,
                    comment: text(&p["note"]).or_else(|| text(&p["comment"])),
                },
                release,
            );
            n.actor = text(&p["name"]).or_else(|| text(&data["actor"]));
            n
        }
        NoticeKind::Event => return None,
    };
    n.run = Some(notice.run_id.clone());
    n.url = public_url.map(|u| {
        format!(
            "{}/releases/{}",
            u.trim_end_matches('/'),
            crate::views::segment(&notice.release)
        )
    });
    Some(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::time::Instant;

    fn notice(kind: NoticeKind, data: Value) -> Notice {
        Notice {
            kind,
            run_id: "r1".into(),
            release: "v2/x@y".into(),
            seq: 3,
            data: data.to_string(),
            sent: Instant::now(),
        }
    }

    #[test]
    fn a_changed_verdict_is_told_with_the_previous_one_and_the_reasons() {
        let n = notification(
            &notice(
                NoticeKind::Verdict,
                json!({ "verdict": "GO", "previous": "PENDING", "reasons": [{ "message": "all good" }] }),
            ),
            Some("http://gl.example/"),
        )
        .unwrap();
        assert_eq!(
            n.event,
            Event::VerdictChanged {
                previous: Some("PENDING".into())
            }
        );
        assert_eq!(n.verdict.as_deref(), Some("GO"));
        assert_eq!(n.reasons, ["all good"]);
        assert_eq!(n.release, "v2/x@y");
        assert_eq!(n.run.as_deref(), Some("r1"));
        assert_eq!(
            n.url.as_deref(),
            Some("http://gl.example/releases/v2%2Fx%40y")
        );
    }

    #[test]
    fn an_unchanged_verdict_and_other_events_are_not_told() {
        let same = json!({ "verdict": "GO", "previous": "GO", "reasons": [] });
        assert!(notification(&notice(NoticeKind::Verdict, same), None).is_none());
        let checked = json!({ "kind": "item_checked", "payload": {}, "actor": "a" });
        assert!(notification(&notice(NoticeKind::Event, checked), None).is_none());
    }

    #[test]
    fn a_signoff_names_its_role_and_signer() {
        let data = json!({ "kind": "signoff", "actor": "ci", "payload": { "role": "QA Lead", "name": "Ada" } });
        let n = notification(&notice(NoticeKind::Event, data), None).unwrap();
        assert_eq!(
            n.event,
            Event::SignedOff {
                role: "QA Lead".into(),
                comment: None
            }
        );
        assert_eq!(n.actor.as_deref(), Some("Ada"));
    }
}
