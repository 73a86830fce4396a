//! The bodies a webhook receives: generic JSON (`greenlight.webhook/v1`)
//! or a Slack-compatible message (`{"text": …, "blocks": […]}`).
//!
//! Every string of the notification passes through the [`Redactor`] before
//! it is composed, so a secret cannot slip out by being escaped first.

use crate::event::{Event, Notification};
use greenlight_run::redact::Redactor;
use serde_json::{Value, json};

/// The JSON payload's schema name.
pub const SCHEMA: &str = "greenlight.webhook/v1";

/// How many reasons a Slack message lists before "and N more".
const SLACK_REASONS: usize = 10;

/// A payload format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `greenlight.webhook/v1`.
    Json,
    /// Slack incoming-webhook message.
    Slack,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Slack => "slack",
        }
    }
}

/// The body for `n` in `format`, as sent, with delivery id `id`.
pub fn body(n: &Notification, format: Format, id: &str, redactor: &Redactor) -> Vec<u8> {
    // Every string of the notification is redacted field by field; the
    // body's own keys and values (`"type": "section"`) are never rewritten,
    // so a short secret cannot break its shape.
    let n = redacted(n, redactor);
    let mut value = match format {
        Format::Json => generic(&n, id),
        Format::Slack => slack(&n),
    };
    // Slack texts are composed from several fields: a secret could span a
    // field and the words around it.
    redact_texts(&mut value, redactor);
    serde_json::to_vec(&value).expect("a JSON value always serialises")
}

/// `at` as RFC 3339 (UTC, seconds).
pub fn timestamp(at: std::time::SystemTime) -> String {
    humantime::format_rfc3339_seconds(at).to_string()
}

fn generic(n: &Notification, id: &str) -> Value {
    let detail = match &n.event {
        Event::VerdictChanged { previous } => json!({ "previous": previous }),
        Event::SignedOff { role, comment } => json!({ "role": role, "comment": comment }),
        Event::WatchBreach {
            metric,
            observed,
            bound,
            line,
        } => json!({ "metric": metric, "observed": observed, "bound": bound, "line": line }),
        Event::RolledBack { run, automatic } => json!({ "run": run, "automatic": automatic }),
    };
    json!({
        "schema": SCHEMA,
        "id": id,
        "event": n.event.name(),
        "release": n.release,
        "run": n.run,
        "verdict": n.verdict,
        "reasons": n.reasons,
        "actor": n.actor,
        "at": timestamp(n.at),
        "url": n.url,
        "detail": detail,
    })
}

fn slack(n: &Notification) -> Value {
    let release = esc(&n.release);
    let verdict = n.verdict.as_deref().map(esc);
    let actor = n.actor.as_deref().map(esc);
    let headline = match &n.event {
        Event::VerdictChanged { previous } => {
            let now = verdict.clone().unwrap_or_else(|| "unknown".into());
            match previous {
                Some(p) => format!("Release {release}: {} → {now}", esc(p)),
                None => format!("Release {release}: {now}"),
            }
        }
        Event::SignedOff { role, .. } => match &actor {
            Some(a) => format!("Release {release}: {a} signed off as {}", esc(role)),
            None => format!("Release {release}: signed off as {}", esc(role)),
        },
        Event::WatchBreach {
            metric,
            observed,
            bound,
            line,
        } => format!(
            "Release {release}: watch breach: {} is {} (bound {}, line {line})",
            esc(metric),
            esc(observed),
            esc(bound)
        ),
        Event::RolledBack { run, automatic } => {
            let how = if *automatic {
                "rolled back automatically"
            } else {
                "rolled back"
            };
            match &actor {
                Some(a) if *automatic => {
                    format!("Release {release}: {how} (run {}, armed by {a})", esc(run))
                }
                Some(a) => format!("Release {release}: {how} by {a} (run {})", esc(run)),
                None => format!("Release {release}: {how} (run {})", esc(run)),
            }
        }
    };
    let mut blocks = vec![json!({
        "type": "section",
        "text": { "type": "mrkdwn", "text": format!("*{headline}*") },
    })];
    if let Event::SignedOff {
        comment: Some(c), ..
    } = &n.event
    {
        blocks.push(json!({
            "type": "section",
            "text": { "type": "mrkdwn", "text": quote(&esc(c)) },
        }));
    }
    if !n.reasons.is_empty() {
        let mut lines: Vec<String> = n
            .reasons
            .iter()
            .take(SLACK_REASONS)
            .map(|r| format!("• {}", esc(r)))
            .collect();
        if n.reasons.len() > SLACK_REASONS {
            lines.push(format!("… and {} more", n.reasons.len() - SLACK_REASONS));
        }
        blocks.push(json!({
            "type": "section",
            "text": { "type": "mrkdwn", "text": lines.join("\n") },
        }));
    }
    let mut context = Vec::new();
    if let Some(v) = &verdict {
        context.push(format!("verdict *{v}*"));
    }
    if let Some(r) = &n.run {
        context.push(format!("run {}", esc(r)));
    }
    context.push(timestamp(n.at));
    if let Some(u) = &n.url {
        context.push(format!("<{}|release page>", esc(u)));
    }
    blocks.push(json!({
        "type": "context",
        "elements": [{ "type": "mrkdwn", "text": context.join(" · ") }],
    }));
    json!({ "text": headline, "blocks": blocks })
}

/// Redacts the values of every `"text"` key of `value` (Slack's composed
/// message texts), leaving every other key and value as it is.
fn redact_texts(value: &mut Value, r: &Redactor) {
    match value {
        Value::Object(o) => {
            for (k, v) in o.iter_mut() {
                match v {
                    Value::String(s) if k == "text" => *s = r.redact(s),
                    _ => redact_texts(v, r),
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|v| redact_texts(v, r)),
        _ => {}
    }
}

/// A Slack block quote: every line starts with `> `.
fn quote(text: &str) -> String {
    text.lines()
        .map(|l| format!("> {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Slack's three control characters in message text.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn redacted(n: &Notification, r: &Redactor) -> Notification {
    let s = |t: &String| r.redact(t);
    let o = |t: &Option<String>| t.as_ref().map(|t| r.redact(t));
    Notification {
        event: match &n.event {
            Event::VerdictChanged { previous } => Event::VerdictChanged {
                previous: o(previous),
            },
            Event::SignedOff { role, comment } => Event::SignedOff {
                role: s(role),
                comment: o(comment),
            },
            Event::WatchBreach {
                metric,
                observed,
                bound,
                line,
            } => Event::WatchBreach {
                metric: s(metric),
                observed: s(observed),
                bound: s(bound),
                line: *line,
            },
            Event::RolledBack { run, automatic } => Event::RolledBack {
                run: s(run),
                automatic: *automatic,
            },
        },
        release: s(&n.release),
        run: o(&n.run),
        verdict: o(&n.verdict),
        reasons: n.reasons.iter().map(s).collect(),
        actor: o(&n.actor),
        at: n.at,
        url: o(&n.url),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    fn sample() -> Notification {
        Notification {
            event: Event::SignedOff {
                role: "QA lead".into(),
                comment: Some("token hunter2 <ok> & done".into()),
            },
            release: "v2.4".into(),
            run: Some("42".into()),
            verdict: Some("NO-GO".into()),
            reasons: vec!["smoke failed: Bearer hunter2".into()],
            actor: Some("alice".into()),
            at: UNIX_EPOCH + Duration::from_secs(1_790_000_000),
            url: Some("http://127.0.0.1:7878/releases/v2.4".into()),
        }
    }

    #[test]
    fn the_generic_payload_carries_every_field_redacted() {
        let r = Redactor::new(vec!["hunter2".into()]);
        let v: Value = serde_json::from_slice(&body(&sample(), Format::Json, "d1", &r)).unwrap();
        assert_eq!(v["schema"], SCHEMA);
        assert_eq!(v["id"], "d1");
        assert_eq!(v["event"], "signed_off");
        assert_eq!(v["release"], "v2.4");
        assert_eq!(v["run"], "42");
        assert_eq!(v["verdict"], "NO-GO");
        assert_eq!(v["actor"], "alice");
        assert_eq!(v["at"], "2026-09-21T14:13:20Z");
        assert_eq!(v["url"], "http://127.0.0.1:7878/releases/v2.4");
        assert_eq!(v["detail"]["role"], "QA lead");
        let text = v.to_string();
        assert!(!text.contains("hunter2"), "{text}");
        assert!(
            v["reasons"][0]
                .as_str()
                .unwrap()
                .starts_with("smoke failed: Bearer ")
        );
    }

    #[test]
    fn the_slack_message_escapes_and_redacts() {
        let r = Redactor::new(vec!["hunter2".into()]);
        let v: Value = serde_json::from_slice(&body(&sample(), Format::Slack, "d1", &r)).unwrap();
        assert_eq!(v["text"], "Release v2.4: alice signed off as QA lead");
        let text = v.to_string();
        assert!(!text.contains("hunter2"), "{text}");
        assert!(text.contains("&lt;ok&gt; &amp; done"), "{text}");
        assert!(text.contains("<http://127.0.0.1:7878/releases/v2.4|release page>"));
    }

    #[test]
    fn a_one_letter_secret_masks_data_but_never_the_body_shape() {
        // `e` is in "text", "type", "section", "elements", "release"…
        let r = Redactor::new(vec!["e".into()]);
        let v: Value = serde_json::from_slice(&body(&sample(), Format::Slack, "d1", &r)).unwrap();
        assert_eq!(v["blocks"][0]["type"], "section", "{v}");
        assert_eq!(v["blocks"][0]["text"]["type"], "mrkdwn", "{v}");
        assert_eq!(
            v["blocks"].as_array().unwrap().last().unwrap()["type"],
            "context"
        );
        let headline = v["text"].as_str().unwrap();
        assert_eq!(headline.matches("[redacted]").count(), 6, "{headline}");
        assert!(!headline.replace("[redacted]", "").contains('e'), "{v}");
        let v: Value = serde_json::from_slice(&body(&sample(), Format::Json, "d1", &r)).unwrap();
        assert_eq!(v["schema"], SCHEMA, "{v}");
        assert_eq!(v["event"], "signed_off", "{v}");
        assert_eq!(v["release"], "v2.4");
        assert_eq!(v["detail"]["role"], "QA l[redacted]ad");
        assert!(
            v.get("reasons").is_some() && v.get("detail").is_some(),
            "{v}"
        );
    }

    #[test]
    fn the_slack_message_reads_well() {
        let body = body(
            &sample(),
            Format::Slack,
            "d1",
            &Redactor::new(vec!["hunter2".into()]),
        );
        let v: Value = serde_json::from_slice(&body).unwrap();
        insta::assert_snapshot!(serde_json::to_string_pretty(&v).unwrap());
    }

    #[test]
    fn the_generic_payload_is_stable() {
        let body = body(
            &sample(),
            Format::Json,
            "d1",
            &Redactor::new(vec!["hunter2".into()]),
        );
        let v: Value = serde_json::from_slice(&body).unwrap();
        insta::assert_snapshot!(serde_json::to_string_pretty(&v).unwrap());
    }

    fn breach() -> Notification {
        let mut n = sample();
        n.event = Event::WatchBreach {
            metric: "p95 latency <api>".into(),
            observed: "412ms hunter2".into(),
            bound: "< 250ms".into(),
            line: 57,
        };
        n.actor = None;
        n.reasons = vec!["watch: p95 latency above 250ms for 3 windows".into()];
        n
    }

    fn rolled_back(automatic: bool) -> Notification {
        let mut n = sample();
        n.event = Event::RolledBack {
            run: "43".into(),
            automatic,
        };
        n.run = Some("43".into());
        n
    }

    fn both(n: &Notification) -> String {
        let r = Redactor::new(vec!["hunter2".into()]);
        let json: Value = serde_json::from_slice(&body(n, Format::Json, "d2", &r)).unwrap();
        let slack: Value = serde_json::from_slice(&body(n, Format::Slack, "d2", &r)).unwrap();
        format!(
            "--- json\n{}\n--- slack\n{}",
            serde_json::to_string_pretty(&json).unwrap(),
            serde_json::to_string_pretty(&slack).unwrap()
        )
    }

    #[test]
    fn a_watch_breach_reads_well_in_both_formats() {
        let text = both(&breach());
        assert!(!text.contains("hunter2"), "{text}");
        assert!(text.contains("\"event\": \"watch_breach\""), "{text}");
        assert!(text.contains("\"line\": 57"), "{text}");
        assert!(text.contains("p95 latency &lt;api&gt;"), "{text}");
        insta::assert_snapshot!(text);
    }

    #[test]
    fn a_rollback_reads_well_in_both_formats() {
        let text = both(&rolled_back(true));
        assert!(text.contains("\"automatic\": true"), "{text}");
        assert!(
            text.contains("Release v2.4: rolled back automatically (run 43, armed by alice)"),
            "{text}"
        );
        insta::assert_snapshot!(text);
        let by_hand: Value = serde_json::from_slice(&body(
            &rolled_back(false),
            Format::Slack,
            "d",
            &Redactor::new(vec![]),
        ))
        .unwrap();
        assert_eq!(
            by_hand["text"],
            "Release v2.4: rolled back by alice (run 43)"
        );
    }

    #[test]
    fn a_comment_of_several_lines_is_quoted_whole() {
        let mut n = sample();
        n.event = Event::SignedOff {
            role: "security".into(),
            comment: Some("pen test done\nno findings".into()),
        };
        let v: Value =
            serde_json::from_slice(&body(&n, Format::Slack, "d", &Redactor::new(vec![]))).unwrap();
        assert_eq!(
            v["blocks"][1]["text"]["text"],
            "> pen test done\n> no findings"
        );
    }

    #[test]
    fn a_verdict_change_names_both_verdicts_and_lists_at_most_ten_reasons() {
        let mut n = sample();
        n.event = Event::VerdictChanged {
            previous: Some("GO".into()),
        };
        n.reasons = (1..=12).map(|i| format!("reason {i}")).collect();
        let v: Value =
            serde_json::from_slice(&body(&n, Format::Slack, "d", &Redactor::new(vec![]))).unwrap();
        assert_eq!(v["text"], "Release v2.4: GO → NO-GO");
        let reasons = v["blocks"][1]["text"]["text"].as_str().unwrap();
        assert!(reasons.contains("• reason 10") && !reasons.contains("reason 11"));
        assert!(reasons.ends_with("… and 2 more"), "{reasons}");
    }
}
