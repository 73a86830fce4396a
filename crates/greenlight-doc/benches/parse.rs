//! Parse throughput on a generated checklist of at least 5 MB (target: at
//! least 100 MB/s). Prints the median of several runs; not a test.
//!
//!     cargo bench -p greenlight-doc --bench parse

use std::time::Instant;

fn main() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/seeds");
    let mut seeds: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    seeds.sort();
    // Concatenate the seeds, each copy under its own top heading (its own
    // headings one level down) so that item IDs stay distinct as in one big
    // real checklist, until the document is at least 5 MB.
    let mut doc = Vec::new();
    let mut copy = 0;
    while doc.len() < 5 * 1024 * 1024 {
        for seed in &seeds {
            doc.extend_from_slice(format!("\n# Part {copy}\n\n").as_bytes());
            doc.extend_from_slice(&demote_headings(seed));
            copy += 1;
        }
    }
    let mb = doc.len() as f64 / 1e6;
    let mut times = Vec::new();
    let mut items = 0;
    for _ in 0..9 {
        let start = Instant::now();
        let list = std::hint::black_box(greenlight_doc::parse(&doc));
        times.push(start.elapsed().as_secs_f64());
        items = list.items.len();
    }
    let text = std::str::from_utf8(&doc).unwrap();
    let mut raw = Vec::new();
    for _ in 0..5 {
        let start = Instant::now();
        let n = pulldown_cmark::Parser::new_ext(text, pulldown_cmark::Options::all())
            .into_offset_iter()
            .count();
        std::hint::black_box(n);
        raw.push(start.elapsed().as_secs_f64());
    }
    raw.sort_by(f64::total_cmp);
    println!("  (pulldown-cmark alone: median {:.0} MB/s)", mb / raw[2]);
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    println!(
        "parse: {mb:.1} MB, {items} items · median {:.1} ms · {:.0} MB/s (min {:.0}, max {:.0}) · target ≥ 100 MB/s",
        median * 1e3,
        mb / median,
        mb / times[times.len() - 1],
        mb / times[0],
    );
}

/// Every ATX heading outside fenced code one level deeper (`# A` → `## A`).
fn demote_headings(doc: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(doc.len() + 1024);
    let mut fenced = false;
    for line in doc.split_inclusive(|&b| b == b'\n') {
        let trimmed = line.trim_ascii_start();
        if trimmed.starts_with(b"```") || trimmed.starts_with(b"~~~") {
            fenced = !fenced;
        } else if !fenced && line.starts_with(b"#") {
            out.push(b'#');
        }
        out.extend_from_slice(line);
    }
    out
}
