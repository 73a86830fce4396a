//! Redaction while serializing: user data masked everywhere, keys of user
//! maps included; our own names never.

use super::*;
use crate::plan::Plan;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// The plans of the seed documents: every probe, gates, tables, sign-offs.
fn seed_plans() -> &'static [Plan] {
    static PLANS: std::sync::OnceLock<Vec<Plan>> = std::sync::OnceLock::new();
    PLANS.get_or_init(|| {
        [
            include_str!("../../../../fixtures/seeds/000_ac8c7c1f2ff946bf.txt"),
            include_str!("../../../../fixtures/seeds/001_5ef7c145f9d5f1dc.txt"),
            include_str!("../../../../fixtures/seeds/002_aad771c61a443a6e.txt"),
            include_str!("../../../../fixtures/seeds/003_9138aabd9e9af98c.txt"),
            include_str!("../../../../fixtures/seeds/004_4a0b2e6e1a677aaa.txt"),
        ]
        .iter()
        .map(|doc| {
            let list = greenlight_doc::parse(doc.as_bytes());
            crate::plan::build(
                &list,
                "seed.md",
                &crate::profile::Profile::default(),
                &crate::analyze::analyze_block,
                &|_| true,
            )
        })
        .collect()
    })
}

/// Every object key of `v`, except inside a user's JSON body (an
/// expected body or value: user data whose keys are masked by design).
fn our_keys(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(o) => {
            for (k, v) in o {
                out.insert(k.clone());
                if k != "json" && k != "value" {
                    our_keys(v, out);
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|v| our_keys(v, out)),
        _ => {}
    }
}

/// Short snake-case strings of `v`: tag and variant values (`http`,
/// `not_run`, `status_ok`, `read`) and some user words.
fn names(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::String(s)
            if s.len() <= 16
                && !s.is_empty()
                && s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') =>
        {
            out.insert(s.clone());
        }
        Value::Object(o) => o.values().for_each(|v| names(v, out)),
        Value::Array(a) => a.iter().for_each(|v| names(v, out)),
        _ => {}
    }
}

/// `plan` redacted with `secret` reads back as a plan whose own keys are
/// all there, and holds nothing the plan would not write again.
fn assert_round_trips(plan: &Plan, plain: &Value, secret: &str) {
    let r = Redactor::new(vec![secret.to_string()]);
    let redacted = r.to_value(plan).expect("plans serialize");
    let back: Plan = serde_json::from_value(redacted.clone())
        .unwrap_or_else(|e| panic!("secret {secret:?}: the redacted plan cannot be read: {e}"));
    assert_eq!(
        serde_json::to_value(&back).unwrap(),
        redacted,
        "secret {secret:?}: the plan read back differs"
    );
    let (mut want, mut got) = (BTreeSet::new(), BTreeSet::new());
    our_keys(plain, &mut want);
    our_keys(&redacted, &mut got);
    assert_eq!(got, want, "secret {secret:?}: keys changed");
}

#[test]
fn a_plan_round_trips_with_a_secret_equal_to_each_of_its_names() {
    let plans = seed_plans();
    assert!(plans.iter().map(|p| p.checks.len()).sum::<usize>() > 50);
    let mut tried = BTreeSet::new();
    for plan in plans {
        let plain = serde_json::to_value(plan).unwrap();
        let mut secrets = BTreeSet::new();
        our_keys(&plain, &mut secrets);
        names(&plain, &mut secrets);
        secrets.extend(('a'..='z').map(String::from));
        secrets.extend(["\"", ":", "{", ",", "\\"].map(String::from));
        for secret in &secrets {
            assert_round_trips(plan, &plain, secret);
        }
        tried.extend(secrets);
    }
    // Field names, tag names and variant names were all among them.
    for name in [
        "expect", "probe", "http", "gate", "not_run", "kind", "id", "line", "read",
    ] {
        assert!(tried.contains(name), "{name} never tried");
    }
}

#[test]
fn data_strings_are_masked_and_our_names_kept() {
    let r = Redactor::new(vec!["x".into()]);
    let plan = &seed_plans()[0];
    let v = r.to_value(plan).unwrap();
    assert!(v["checks"][0].get("expect").is_some(), "{}", v["checks"][0]);
    // Every string but the generated IDs lost its `x`.
    fn leaves<'a>(v: &'a Value, key: &str, out: &mut Vec<&'a str>) {
        match v {
            Value::String(s) if key != "id" => out.push(s),
            Value::Object(o) => o.iter().for_each(|(k, v)| leaves(v, k, out)),
            Value::Array(a) => a.iter().for_each(|v| leaves(v, key, out)),
            _ => {}
        }
    }
    let mut strings = Vec::new();
    leaves(&v, "", &mut strings);
    assert!(strings.iter().any(|s| s.contains(MASK)));
    for s in strings {
        assert!(!s.replace(MASK, "").contains('x'), "{s}");
    }
    // And the keys that hold one kept it.
    let mut keys = BTreeSet::new();
    our_keys(&v, &mut keys);
    assert!(
        keys.contains("index") && keys.contains("expect"),
        "{keys:?}"
    );
}

#[test]
fn generated_ids_stay_whole_so_the_items_can_be_named() {
    let plan = &seed_plans()[0];
    let id = &plan.items[0].id;
    let r = Redactor::new(vec![id[..1].to_string(), id.clone()]);
    let back: Plan = serde_json::from_value(r.to_value(plan).unwrap()).unwrap();
    let ids = |p: &Plan| {
        let mut v: Vec<String> = p.items.iter().map(|i| i.id.clone()).collect();
        v.extend(p.phases.iter().map(|i| i.id.clone()));
        v.extend(p.signoffs.iter().map(|i| i.id.clone()));
        v
    };
    assert_eq!(ids(&back), ids(plan));
}

#[derive(serde::Serialize)]
struct Captured {
    headers: BTreeMap<String, String>,
    pairs: Vec<(String, String)>,
    body: Value,
    note: Option<String>,
    #[serde(serialize_with = "generated")]
    run_id: String,
}

#[test]
fn keys_of_user_data_maps_are_redacted() {
    let r = Redactor::new(vec!["hunter22".into(), "note".into()]);
    let c = Captured {
        headers: BTreeMap::from([("X-hunter22".into(), "Bearer hunter22".into())]),
        pairs: vec![("hunter22-name".into(), "v".into())],
        body: json!({"hunter22": {"nested-hunter22": ["hunter22"]}, "note": 1}),
        note: Some("a note".into()),
        run_id: "run-note-1".into(),
    };
    let v = r.to_value(&c).unwrap();
    assert_eq!(
        v,
        json!({
            "headers": {"X-[redacted]": "Bearer [redacted]"},
            "pairs": [["[redacted]-name", "v"]],
            "body": {"[redacted]": {"nested-[redacted]": ["[redacted]"]}, "[redacted]": 1},
            "note": "a [redacted]",
            "run_id": "run-note-1",
        })
    );
    // Without a redactor the same bytes as plain serde.
    assert_eq!(
        Redactor::default().to_value(&c).unwrap(),
        serde_json::to_value(&c).unwrap()
    );
}

#[test]
fn a_load_summary_keeps_its_keys_and_masks_its_strings() {
    let r = Redactor::new(vec!["p".into()]);
    let ev = crate::outcome::Evidence {
        summary: "up".into(),
        load: Some(json!({"p95": 3, "url": "http://x/p"})),
        ..Default::default()
    };
    let v = r.to_value(&ev).unwrap();
    assert_eq!(
        v["load"],
        json!({"p95": 3, "url": "htt[redacted]://x/[redacted]"})
    );
    assert_eq!(v["summary"], "u[redacted]");
    assert_eq!(
        serde_json::to_value(&ev).unwrap()["load"],
        json!({"p95": 3, "url": "http://x/p"})
    );
}

#[test]
fn short_secrets_are_named_once_never_shown() {
    let w = short_secret_warnings([
        ("A", "x"),
        ("A", "x"),
        ("B", "long-enough"),
        ("C", "ab"),
        ("D", ""),
    ]);
    assert_eq!(
        w,
        [
            "the secret A is 1 character long: every occurrence of it in evidence is masked, which may hide ordinary text",
            "the secret C is 2 characters long: every occurrence of it in evidence is masked, which may hide ordinary text",
        ]
    );
}

proptest::proptest! {
    #![proptest_config(proptest::test_runner::Config::with_cases(64))]

    #[test]
    fn any_short_secret_leaves_a_readable_plan(secret in "[a-z_\"\\\\:{}, 0-9]{1,4}") {
        let plans = seed_plans();
        for plan in plans {
            let plain = serde_json::to_value(plan).unwrap();
            assert_round_trips(plan, &plain, &secret);
        }
    }
}
