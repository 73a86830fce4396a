//! The k6 recogniser on the seed's script and on the edges of the supported subset.

use std::time::Duration;

use greenlight_load::{
    Aggregation, CheckPredicate, CompareOp, LoadModel, Metric, Selection, recognise_k6,
};

/// The k6 script of seed 000 (its ```javascript block that imports k6/http).
fn seed_000_script() -> String {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/seeds/000_ac8c7c1f2ff946bf.txt"
    );
    let text = std::fs::read_to_string(path).expect("seed 000");
    let mut blocks = text.split("```javascript").skip(1);
    let block = blocks
        .find(|b| b.contains("k6/http"))
        .expect("a k6 block in seed 000");
    block.split("```").next().unwrap().to_string()
}

#[test]
fn seed_000_is_recognised() {
    let script = seed_000_script();
    let s = recognise_k6(&script).unwrap_or_else(|e| panic!("{e}\n{script}"));
    let c = &s.config;
    assert_eq!(c.targets.len(), 1);
    assert_eq!(c.targets[0].method, "GET");
    assert_eq!(
        c.targets[0].url,
        "https://staging-api.yourdomain.com/health"
    );
    assert_eq!(c.selection, Selection::Sequence);
    let LoadModel::Closed {
        vus,
        think_time,
        stages,
    } = &c.model
    else {
        panic!("{:?}", c.model)
    };
    assert_eq!(*vus, 1);
    assert_eq!(*think_time, Duration::from_secs(1));
    assert_eq!(
        stages,
        &[
            (Duration::from_secs(120), 100),
            (Duration::from_secs(300), 1000),
            (Duration::from_secs(120), 0)
        ]
    );
    assert_eq!(c.effective_duration(), Some(Duration::from_secs(540)));
    let th = s.thresholds();
    assert_eq!(th.len(), 2);
    assert_eq!(
        (th[0].metric, th[0].expr()),
        (Metric::HttpReqDuration, "p(95)<300".to_string())
    );
    assert_eq!(th[0].aggregation, Aggregation::Percentile(95.0));
    assert_eq!(
        (th[1].metric, th[1].expr()),
        (Metric::HttpReqFailed, "rate<0.05".to_string())
    );
    let checks = s.checks();
    assert_eq!(checks.len(), 1);
    assert_eq!(checks[0].1.name, "status was 200");
    assert_eq!(
        checks[0].1.predicate,
        CheckPredicate::Status {
            op: CompareOp::Eq,
            value: 200.0
        }
    );
    assert!(s.env.is_empty());
    assert!(s.resolve(|_| None).is_ok());
}

const FULL: &str = r#"
import http from 'k6/http';
import { check, sleep } from 'k6';

const BASE = __ENV.BASE_URL || 'http://localhost:8080';

export const options = {
  vus: 10,
  duration: '30s',
  noConnectionReuse: false,
  thresholds: {
    http_req_duration: ['p(95)<300', 'avg<100', { threshold: 'p(99)<1000', abortOnFail: true, delayAbortEval: '10s' }],
    http_req_failed: ['rate<0.05'],
    http_reqs: ['count>100', 'rate>=10'],
    checks: ['rate>0.99'],
  },
};

export default function () {
  const res = http.get(`${BASE}/api/v1/health`, { headers: { Authorization: `Bearer ${__ENV.TOKEN}` }, tags: { name: 'health' } });
  check(res, {
    'status is 200': (r) => r.status === 200,
    'fast': (r) => r.timings.duration < 500,
    'healthy': (r) => r.body.includes('healthy'),
    'no error': function (r) { return !r.body.includes('error'); },
  });
  const payload = JSON.stringify({ name: 'x', n: 2 });
  let post = http.post(__ENV.BASE_URL + '/items', payload, { headers: { 'Content-Type': 'application/json' } });
  check(post, { 'created': (r) => r.status == 201 });
  sleep(0.5);
}
"#;

#[test]
fn full_subset_is_recognised() {
    let s = recognise_k6(FULL).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.env, ["BASE_URL", "TOKEN"]);
    assert_eq!(s.required_env(), ["TOKEN"]);
    let c = &s.config;
    assert_eq!(c.targets[0].url, "${__ENV.BASE_URL}/api/v1/health");
    assert_eq!(c.targets[0].name, "health");
    assert_eq!(c.targets[0].checks.len(), 4);
    assert_eq!(
        c.targets[0].checks[3].predicate,
        CheckPredicate::BodyContains {
            text: "error".into(),
            negate: true
        }
    );
    assert_eq!(c.targets[1].method, "POST");
    assert_eq!(
        c.targets[1].body.as_deref(),
        Some(r#"{"n":2.0,"name":"x"}"#)
    );
    assert_eq!(c.thresholds.len(), 7);
    assert!(c.thresholds[2].abort_on_fail);
    assert_eq!(
        c.thresholds[2].delay_abort_eval,
        Some(Duration::from_secs(10))
    );
    assert_eq!(c.duration, Some(Duration::from_secs(30)));

    assert!(s.resolve(|_| None).is_err(), "TOKEN is required");
    let resolved = s
        .resolve(|n| (n == "TOKEN").then(|| "t0k".to_string()))
        .unwrap();
    assert_eq!(
        resolved.targets[0].url,
        "http://localhost:8080/api/v1/health"
    );
    assert_eq!(
        resolved.targets[0].headers,
        [("Authorization".to_string(), "Bearer t0k".to_string())]
    );
    assert_eq!(resolved.targets[1].url, "http://localhost:8080/items");
    let with_env = s
        .resolve(|n| {
            Some(if n == "BASE_URL" {
                "https://h.example".into()
            } else {
                "x".into()
            })
        })
        .unwrap();
    assert_eq!(with_env.targets[1].url, "https://h.example/items");
}

#[test]
fn iterations_and_defaults() {
    let s = recognise_k6(
        "import http from 'k6/http';\nexport const options = { vus: 2, iterations: 50 };\nexport default function () { http.get('http://a/'); http.get('http://a/b'); }",
    )
    .unwrap();
    assert_eq!(s.config.max_requests, Some(100));
    let s = recognise_k6(
        "import http from 'k6/http'\nexport default function () { http.get('http://a/') }",
    )
    .unwrap();
    assert_eq!(
        s.config.max_requests,
        Some(1),
        "k6 runs one iteration by default"
    );
}

#[test]
fn everything_outside_the_subset_is_listed() {
    let script = r#"
import http from 'k6/http';
import { check, group } from 'k6';
import { Trend } from 'k6/metrics';
export const options = { scenarios: { a: {} }, vus: 5, duration: '1m' };
export function setup() { return {}; }
export default function () {
  group('g', function () { http.get('http://a/'); });
  http.get('http://a/' + Math.random());
  const res = http.get('http://a/');
  check(res, { 'weird': (r) => r.json('x') === 1 });
  for (let i = 0; i < 3; i++) { http.get('http://a/'); }
  http.batch([['GET', 'http://a/']]);
}
"#;
    let err = recognise_k6(script).unwrap_err();
    let all = err.unsupported.join("\n");
    for needle in [
        "`group` from 'k6'",
        "import from 'k6/metrics'",
        "options.scenarios",
        "setup",
        "line 8: `group(…)` is not supported",
        "line 9: call to `Math.random(…)`",
        "check 'weird'",
        "line 12: `for` statements are not supported",
        "http.batch",
    ] {
        assert!(all.contains(needle), "missing {needle:?} in:\n{all}");
    }
}

#[test]
fn sleeps_between_requests_are_refused() {
    let err = recognise_k6(
        "import http from 'k6/http';\nimport { sleep } from 'k6';\nexport default function () { http.get('http://a/'); sleep(1); http.get('http://a/'); }",
    )
    .unwrap_err();
    assert!(err.unsupported[0].contains("between requests"), "{err}");
}

#[test]
fn never_panics_on_mangled_scripts() {
    // Every prefix of a real script: an unterminated script must fail cleanly.
    for end in (0..FULL.len()).filter(|&i| FULL.is_char_boundary(i)) {
        let _ = recognise_k6(&FULL[..end]);
    }
}

proptest::proptest! {
    #[test]
    fn never_panics_on_arbitrary_text(s in "\\PC{0,200}") {
        let _ = recognise_k6(&s);
    }

    #[test]
    fn never_panics_on_js_shaped_text(s in "[a-z{}()\\[\\];:,.'`$=<>!|&+ \n0-9]{0,120}") {
        let _ = recognise_k6(&format!("import http from 'k6/http';\n{s}"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recognised_script_runs_against_a_fixture() {
    let _cpu = crate::CPU.read().await;
    let srv = crate::server::spawn(crate::server::Behaviour::default()).await;
    let script = r#"
import http from 'k6/http';
import { check } from 'k6';
export const options = {
  vus: 2,
  duration: '600ms',
  thresholds: { http_req_duration: ['p(95)<300'], http_req_failed: ['rate<0.05'], checks: ['rate==1'] },
};
export default function () {
  const res = http.get(`${__ENV.BASE_URL}/health`);
  check(res, { 'status is 200': (r) => r.status === 200, 'healthy': (r) => r.body.includes('healthy') });
}
"#;
    let s = recognise_k6(script).unwrap();
    assert_eq!(s.required_env(), ["BASE_URL"]);
    let base = srv.url("");
    let config = s.resolve(|_| Some(base.clone())).unwrap();
    let report = greenlight_load::run(config, None).await.unwrap();
    assert!(report.requests > 10);
    assert!(
        report.thresholds.iter().all(|t| t.ok),
        "{:?}",
        report.thresholds
    );
    assert_eq!(report.checks.len(), 2);
    assert_eq!(report.checks_rate, 1.0);
    let text = greenlight_load::summary::render_text(&report);
    assert!(text.contains("✓ status is 200"), "{text}");
    assert!(text.contains("✓ http_req_duration"), "{text}");
}
