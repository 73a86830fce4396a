//! Deliveries to a real receiver on 127.0.0.1 (axum), every wait bounded.

mod receiver;

use greenlight_notify::signature::{DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER};
use greenlight_notify::{
    Event, Format, Notification, Notifier, Outcome, Reports, Retry, VerifyError, Webhook, verify,
};
use receiver::{Receiver, Reply};
use std::time::{Duration, Instant, SystemTime};

/// The longest any test waits for a report.
const WAIT: Duration = Duration::from_secs(15);

fn hook(url: &str) -> Webhook {
    let mut w = Webhook::new("test", url);
    w.timeout = Duration::from_secs(2);
    w.retry = Retry {
        max_attempts: 4,
        backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(100),
    };
    w
}

fn signed_off(actor: &str) -> Notification {
    let mut n = Notification::new(
        Event::SignedOff {
            role: "QA lead".into(),
            comment: None,
        },
        "v2.4",
    );
    n.actor = Some(actor.into());
    n.verdict = Some("NO-GO".into());
    n.reasons = vec!["security has not signed off".into()];
    n.run = Some("7".into());
    n
}

fn verdict_changed() -> Notification {
    let mut n = Notification::new(
        Event::VerdictChanged {
            previous: Some("NO-GO".into()),
        },
        "v2.4",
    );
    n.verdict = Some("GO".into());
    n
}

async fn next(reports: &mut Reports) -> greenlight_notify::DeliveryReport {
    tokio::time::timeout(WAIT, reports.recv())
        .await
        .expect("a report within the wait")
        .expect("the report stream is open")
}

#[tokio::test]
async fn a_signed_delivery_verifies_and_tampering_fails() {
    let rx = Receiver::start(vec![]).await;
    let mut w = hook(&rx.url());
    w.secret = Some(b"whsec-test".to_vec());
    let (notifier, mut reports) = Notifier::start(vec![w], vec![]).unwrap();
    let ids = notifier.notify(&signed_off("alice"));
    assert_eq!(ids.len(), 1);
    let r = next(&mut reports).await;
    assert_eq!(r.outcome, Outcome::Delivered { status: 200 });
    assert_eq!(
        (r.id.as_str(), r.event, r.webhook.as_str()),
        (ids[0].as_str(), "signed_off", "test")
    );

    let got = rx.received();
    assert_eq!(got.len(), 1);
    let req = &got[0];
    assert_eq!(req.header(DELIVERY_HEADER), ids[0]);
    assert_eq!(req.header(EVENT_HEADER), "signed_off");
    assert_eq!(req.header("content-type"), "application/json");
    let sig = req.header(SIGNATURE_HEADER);
    let tol = Duration::from_secs(300);
    let now = SystemTime::now();
    assert_eq!(verify(b"whsec-test", &sig, &req.body, now, tol), Ok(()));
    let mut tampered = req.body.clone();
    let i = tampered
        .iter()
        .position(|&b| b == b'N')
        .expect("NO-GO in body");
    tampered[i] = b'G';
    assert_eq!(
        verify(b"whsec-test", &sig, &tampered, now, tol),
        Err(VerifyError::Mismatch)
    );
    assert_eq!(
        verify(b"whsec-other", &sig, &req.body, now, tol),
        Err(VerifyError::Mismatch)
    );

    let v: serde_json::Value = serde_json::from_slice(&req.body).unwrap();
    assert_eq!(v["schema"], "greenlight.webhook/v1");
    assert_eq!(v["id"], ids[0]);
    assert_eq!(v["actor"], "alice");
    assert_eq!(v["reasons"][0], "security has not signed off");
    notifier.shutdown(WAIT).await;
}

#[tokio::test]
async fn an_unsigned_webhook_gets_no_signature_header() {
    let rx = Receiver::start(vec![]).await;
    let (notifier, mut reports) = Notifier::start(vec![hook(&rx.url())], vec![]).unwrap();
    notifier.notify(&verdict_changed());
    assert!(next(&mut reports).await.outcome.is_delivered());
    assert_eq!(rx.received()[0].headers.get(SIGNATURE_HEADER), None);
    notifier.shutdown(WAIT).await;
}

#[tokio::test]
async fn server_errors_are_retried_until_success_with_the_same_delivery_id() {
    let rx = Receiver::start(vec![Reply::Status(500), Reply::Status(502)]).await;
    let (notifier, mut reports) = Notifier::start(vec![hook(&rx.url())], vec![]).unwrap();
    let ids = notifier.notify(&verdict_changed());
    let r = next(&mut reports).await;
    assert_eq!(r.outcome, Outcome::Delivered { status: 200 });
    let statuses: Vec<_> = r.attempts.iter().map(|a| a.status).collect();
    assert_eq!(statuses, [Some(500), Some(502), Some(200)]);
    let got = rx.received();
    assert_eq!(got.len(), 3);
    for (i, req) in got.iter().enumerate() {
        assert_eq!(req.header(DELIVERY_HEADER), ids[0]);
        assert_eq!(req.header("x-greenlight-attempt"), (i + 1).to_string());
    }
    notifier.shutdown(WAIT).await;
}

#[tokio::test]
async fn it_gives_up_after_max_attempts_and_reports_it() {
    let rx = Receiver::start(vec![Reply::Status(503); 10]).await;
    let mut w = hook(&rx.url());
    w.retry.max_attempts = 3;
    let (notifier, mut reports) = Notifier::start(vec![w], vec![]).unwrap();
    notifier.notify(&verdict_changed());
    let r = next(&mut reports).await;
    assert_eq!(
        r.outcome,
        Outcome::GaveUp {
            last_error: "HTTP 503".into()
        }
    );
    assert_eq!(r.attempts.len(), 3);
    assert_eq!(
        r.to_string(),
        format!(
            "webhook test: verdict_changed delivery {} gave up: HTTP 503 after 3 attempts",
            r.id
        )
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(rx.received().len(), 3, "no attempt after giving up");
    notifier.shutdown(WAIT).await;
}

#[tokio::test]
async fn a_client_error_is_not_retried() {
    let rx = Receiver::start(vec![Reply::Status(400)]).await;
    let (notifier, mut reports) = Notifier::start(vec![hook(&rx.url())], vec![]).unwrap();
    notifier.notify(&verdict_changed());
    let r = next(&mut reports).await;
    assert_eq!(r.outcome, Outcome::Refused { status: 400 });
    assert!(
        r.to_string()
            .ends_with(" refused (HTTP 400) after 1 attempt"),
        "{r}"
    );
    assert_eq!(r.attempts.len(), 1);
    // Ten times the longest backoff: a retry would have come by now.
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(rx.received().len(), 1);
    notifier.shutdown(WAIT).await;
}

#[tokio::test]
async fn a_slow_receiver_times_out_and_is_retried() {
    let rx = Receiver::start(vec![Reply::Sleep(Duration::from_secs(3))]).await;
    let mut w = hook(&rx.url());
    w.timeout = Duration::from_millis(300);
    let (notifier, mut reports) = Notifier::start(vec![w], vec![]).unwrap();
    let started = Instant::now();
    notifier.notify(&verdict_changed());
    let r = next(&mut reports).await;
    assert_eq!(r.outcome, Outcome::Delivered { status: 200 });
    assert_eq!(r.attempts.len(), 2);
    assert_eq!(r.attempts[0].status, None);
    let err = r.attempts[0].error.as_deref().unwrap();
    assert!(err.contains("timed out after 300ms"), "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "did not wait for the slow answer"
    );
    assert_eq!(rx.received().len(), 2);
    notifier.shutdown(WAIT).await;
}

#[tokio::test]
async fn too_many_requests_waits_as_long_as_retry_after_says() {
    let rx = Receiver::start(vec![Reply::RetryAfter(429, "1")]).await;
    let mut w = hook(&rx.url());
    w.retry.max_backoff = Duration::from_secs(5);
    let (notifier, mut reports) = Notifier::start(vec![w], vec![]).unwrap();
    notifier.notify(&verdict_changed());
    let r = next(&mut reports).await;
    assert_eq!(r.outcome, Outcome::Delivered { status: 200 });
    let got = rx.received();
    let gap = got[1].at - got[0].at;
    assert!(
        gap >= Duration::from_millis(950),
        "retried after {gap:?}, asked for 1s"
    );
    notifier.shutdown(WAIT).await;
}

#[tokio::test]
async fn connection_errors_are_retried_and_a_secret_url_stays_out_of_the_report() {
    // A port that was just free: nothing listens there.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut w = hook(&format!("http://127.0.0.1:{port}/hook/tok-abc123xyz"));
    w.url_is_secret = true;
    w.retry.max_attempts = 2;
    let (notifier, mut reports) = Notifier::start(vec![w], vec![]).unwrap();
    notifier.notify(&verdict_changed());
    let r = next(&mut reports).await;
    let Outcome::GaveUp { last_error } = &r.outcome else {
        panic!("{r:?}")
    };
    assert_eq!(r.attempts.len(), 2);
    let shown = format!("{r:?}");
    assert!(!shown.contains("tok-abc123xyz"), "{shown}");
    assert!(
        last_error.contains("connect") || last_error.contains("refused"),
        "{last_error}"
    );
    notifier.shutdown(WAIT).await;
}

#[tokio::test]
async fn the_slack_format_has_text_and_blocks() {
    let rx = Receiver::start(vec![]).await;
    let mut w = hook(&rx.url());
    w.format = Format::Slack;
    let (notifier, mut reports) = Notifier::start(vec![w], vec!["hunter2".into()]).unwrap();
    let mut n = signed_off("bob");
    n.reasons = vec!["load test: token hunter2 rejected".into()];
    notifier.notify(&n);
    assert!(next(&mut reports).await.outcome.is_delivered());
    let body = rx.received()[0].body.clone();
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let obj = v.as_object().unwrap();
    let mut keys: Vec<_> = obj.keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(keys, ["blocks", "text"]);
    assert_eq!(v["text"], "Release v2.4: bob signed off as QA lead");
    let blocks = v["blocks"].as_array().unwrap();
    assert!(!blocks.is_empty());
    for b in blocks {
        let kind = b["type"].as_str().unwrap();
        assert!(["section", "context"].contains(&kind), "{b}");
    }
    assert_eq!(blocks.last().unwrap()["type"], "context");
    let text = String::from_utf8(body).unwrap();
    assert!(
        text.contains("load test: token ") && !text.contains("hunter2"),
        "{text}"
    );
    notifier.shutdown(WAIT).await;
}

#[tokio::test]
async fn deliveries_to_one_webhook_keep_their_order_through_retries() {
    let rx = Receiver::start(vec![Reply::Status(500), Reply::Status(500)]).await;
    let (notifier, mut reports) = Notifier::start(vec![hook(&rx.url())], vec![]).unwrap();
    let ids: Vec<String> = (0..5)
        .flat_map(|i| notifier.notify(&signed_off(&format!("user{i}"))))
        .collect();
    assert_eq!(ids.len(), 5);
    let mut reported = Vec::new();
    for _ in 0..5 {
        let r = next(&mut reports).await;
        assert!(r.outcome.is_delivered(), "{r:?}");
        reported.push(r.id);
    }
    assert_eq!(reported, ids);
    let mut arrived: Vec<String> = Vec::new();
    for req in rx.received() {
        let id = req.header(DELIVERY_HEADER);
        if arrived.last() != Some(&id) {
            arrived.push(id);
        }
    }
    assert_eq!(
        arrived, ids,
        "each delivery arrives after the one before it is done"
    );
    notifier.shutdown(WAIT).await;
}

#[tokio::test]
async fn the_events_filter_chooses_the_webhooks() {
    let rx = Receiver::start(vec![]).await;
    let mut only_signoffs = hook(&rx.url());
    only_signoffs.events = Some(vec!["signed_off".into()]);
    let (notifier, mut reports) = Notifier::start(vec![only_signoffs], vec![]).unwrap();
    assert!(notifier.notify(&verdict_changed()).is_empty());
    assert_eq!(notifier.notify(&signed_off("a")).len(), 1);
    assert_eq!(next(&mut reports).await.event, "signed_off");
    notifier.shutdown(WAIT).await;
    assert!(reports.recv().await.is_none(), "no other report");
    assert_eq!(rx.received().len(), 1);
}

#[tokio::test]
async fn a_full_queue_drops_and_reports_instead_of_blocking() {
    let rx = Receiver::start(vec![Reply::Sleep(Duration::from_millis(500))]).await;
    let mut w = hook(&rx.url());
    w.queue = 1;
    let (notifier, mut reports) = Notifier::start(vec![w], vec![]).unwrap();
    let queued: usize = (0..3)
        .map(|_| notifier.notify(&verdict_changed()).len())
        .sum();
    assert!((1..3).contains(&queued), "queued {queued}");
    notifier.shutdown(WAIT).await;
    let mut outcomes = Vec::new();
    while let Ok(Some(r)) = tokio::time::timeout(WAIT, reports.recv()).await {
        outcomes.push(r.outcome);
    }
    assert_eq!(outcomes.len(), 3, "{outcomes:?}");
    let dropped = outcomes.iter().filter(|o| **o == Outcome::Dropped).count();
    assert_eq!(dropped, 3 - queued);
    assert_eq!(outcomes.iter().filter(|o| o.is_delivered()).count(), queued);
}

#[tokio::test]
async fn shutting_down_reports_pending_deliveries_as_abandoned() {
    let rx = Receiver::start(vec![Reply::Status(503); 10]).await;
    let mut w = hook(&rx.url());
    w.retry = Retry {
        max_attempts: 5,
        backoff: Duration::from_secs(30),
        max_backoff: Duration::from_secs(30),
    };
    let (notifier, mut reports) = Notifier::start(vec![w], vec![]).unwrap();
    notifier.notify(&verdict_changed());
    notifier.notify(&verdict_changed());
    // Let the first attempt fail so the worker is in its backoff.
    tokio::time::timeout(WAIT, async {
        while rx.received().is_empty() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .unwrap();
    let started = Instant::now();
    notifier.shutdown(Duration::from_millis(200)).await;
    assert!(started.elapsed() < Duration::from_secs(5));
    let first = next(&mut reports).await;
    assert_eq!(first.outcome, Outcome::Abandoned);
    assert_eq!(first.attempts.len(), 1);
    let second = next(&mut reports).await;
    assert_eq!(
        (second.outcome, second.attempts.len()),
        (Outcome::Abandoned, 0)
    );
    assert!(reports.recv().await.is_none());
}

#[tokio::test]
async fn a_slow_webhook_does_not_hold_back_another() {
    let slow = Receiver::start(vec![Reply::Sleep(Duration::from_millis(1500))]).await;
    let fast = Receiver::start(vec![]).await;
    let mut slow_hook = hook(&slow.url());
    slow_hook.name = "slow".into();
    slow_hook.timeout = Duration::from_secs(5);
    let mut fast_hook = hook(&fast.url());
    fast_hook.name = "fast".into();
    let (notifier, mut reports) = Notifier::start(vec![slow_hook, fast_hook], vec![]).unwrap();
    let started = Instant::now();
    assert_eq!(notifier.notify(&verdict_changed()).len(), 2);
    let first = next(&mut reports).await;
    assert_eq!(first.webhook, "fast");
    assert!(started.elapsed() < Duration::from_millis(1500));
    let second = next(&mut reports).await;
    assert_eq!(
        (second.webhook.as_str(), second.outcome),
        ("slow", Outcome::Delivered { status: 200 })
    );
    notifier.shutdown(WAIT).await;
}

#[tokio::test]
async fn dropping_the_notifier_abandons_and_reports_what_is_pending() {
    let rx = Receiver::start(vec![Reply::Sleep(Duration::from_secs(5))]).await;
    let (notifier, mut reports) = Notifier::start(vec![hook(&rx.url())], vec![]).unwrap();
    notifier.notify(&verdict_changed());
    notifier.notify(&verdict_changed());
    tokio::time::timeout(WAIT, async {
        while rx.received().is_empty() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .unwrap();
    let started = Instant::now();
    drop(notifier);
    let first = next(&mut reports).await;
    assert_eq!(first.outcome, Outcome::Abandoned);
    let cut = &first.attempts[0];
    assert_eq!(
        (cut.status, cut.error.as_deref()),
        (None, Some("cut short: the notifier shut down"))
    );
    assert_eq!(next(&mut reports).await.outcome, Outcome::Abandoned);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "abandoned at once"
    );
    assert!(
        tokio::time::timeout(WAIT, reports.recv())
            .await
            .unwrap()
            .is_none()
    );
}
