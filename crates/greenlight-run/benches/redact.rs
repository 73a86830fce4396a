//! Redaction cost: the old literal `replace` loop against the `Redactor`
//! (every encoded form, one Aho-Corasick pass), on the strings a run
//! really redacts: short evidence lines, 400-character excerpts and a
//! 1 MB body, with 1 and 5 secrets. Prints medians; not a test.
//!
//!     cargo bench -p greenlight-run --bench redact

use greenlight_run::redact::Redactor;
use std::time::Instant;

/// The redactor before encoded forms: one `replace` per secret.
fn literal(secrets: &[String], text: &str) -> String {
    let mut out = text.to_string();
    for s in secrets {
        if out.contains(s.as_str()) {
            out = out.replace(s.as_str(), "[redacted]");
        }
    }
    out
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn time(reps: usize, mut f: impl FnMut()) -> f64 {
    let runs: Vec<f64> = (0..9)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..reps {
                f();
            }
            t.elapsed().as_secs_f64() / reps as f64
        })
        .collect();
    median(runs)
}

fn main() {
    let line = "GET http://127.0.0.1:18081/api/user/profile → 401 in 3 ms".to_string();
    let excerpt: String = "{\"error\":\"unauthorized\",\"detail\":\"token expired at 2026-01-01T00:00:00Z\",\"request_id\":\"3fa85f64-5717-4562-b3fc-2c963f66afa6\"} "
        .repeat(4)
        .chars()
        .take(400)
        .collect();
    let body =
        "lorem ipsum dolor sit amet, {\"k\": \"dmFsdWU=\", \"n\": 12345, \"p\": \"a%20b\"}\n"
            .repeat(1024 * 1024 / 72);
    for n in [1usize, 5] {
        let secrets: Vec<String> = (0..n)
            .map(|i| format!("s3cr3t-T0ken/with+bits?{i}-{}", "x".repeat(i * 7)))
            .collect();
        let t = Instant::now();
        let r = Redactor::new(secrets.clone());
        let build = t.elapsed().as_secs_f64();
        println!(
            "redact: {n} secret(s): Redactor::new {:.1} µs ({})",
            build * 1e6,
            r.describe()
        );
        for (name, text, reps) in [
            ("evidence line", &line, 20_000),
            ("400-char excerpt", &excerpt, 5_000),
            ("1 MB body", &body, 3),
        ] {
            let old = time(reps, || {
                std::hint::black_box(literal(&secrets, std::hint::black_box(text)));
            });
            let new = time(reps, || {
                std::hint::black_box(r.redact(std::hint::black_box(text)));
            });
            let mbps = text.len() as f64 / new / 1e6;
            println!(
                "redact: {n} secret(s), {name} ({} B): literal {:.2} µs · Redactor {:.2} µs ({mbps:.0} MB/s)",
                text.len(),
                old * 1e6,
                new * 1e6
            );
        }
    }
}
