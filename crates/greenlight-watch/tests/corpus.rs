//! What `watch` reads (thresholds, PromQL, window, checkpoints) from every
//! seed (`fixtures/seeds/*.txt`) and every real public document of the corpus
//! (`fixtures/checklists/*.md`), held in one snapshot per document, and the
//! invariants that must hold on all of them.
//!
//! The per-document counts print with
//! `cargo test -p greenlight-watch --test corpus -- --nocapture`.

use greenlight_doc::{Checklist, SectionKind};
use greenlight_watch::schedule::{Schedule, read_schedule};
use greenlight_watch::thresholds::{
    Gates, Level, Metric, Threshold, Unit, is_watch_title, read_gates_with_source,
};
use std::fmt::Write as _;
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

/// Seeds first, then the corpus documents (not the SOURCES files), sorted;
/// relative to the repository root.
fn documents() -> Vec<String> {
    let mut out = Vec::new();
    for (dir, ext) in [("fixtures/seeds", ".txt"), ("fixtures/checklists", ".md")] {
        let mut names: Vec<String> = std::fs::read_dir(root().join(dir))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(ext) && !n.starts_with("SOURCES"))
            .map(|n| format!("{dir}/{n}"))
            .collect();
        names.sort();
        out.extend(names);
    }
    out
}

/// `fixtures/checklists/a01_x.md` → `a01_x`; seeds keep their number only.
fn stem(doc: &str) -> String {
    let name = doc.rsplit('/').next().unwrap();
    let name = name
        .strip_suffix(".md")
        .or_else(|| name.strip_suffix(".txt"))
        .unwrap_or(name);
    if doc.starts_with("fixtures/seeds/") {
        format!("seed_{}", &name[..3])
    } else {
        name.to_string()
    }
}

/// A document as read: the parse, the decoded text's lines (mojibake
/// undone, as the parser reads it), gates and schedule.
struct Read {
    doc: Checklist,
    lines: Vec<String>,
    gates: Gates,
    schedule: Schedule,
}

fn read(path: &str) -> Read {
    let bytes = std::fs::read(root().join(path)).unwrap();
    let doc = greenlight_doc::parse(&bytes);
    let text = greenlight_doc::encoding::decode(&bytes).text;
    let text = match greenlight_doc::encoding::detect_mojibake(&text) {
        Some(kind) => greenlight_doc::encoding::repair_mojibake(&text, kind).into_owned(),
        None => text,
    };
    let lines = text
        .lines()
        .map(|l| l.trim_end_matches('\r').to_string())
        .collect();
    let gates = read_gates_with_source(&doc, &bytes);
    let schedule = read_schedule(&doc);
    Read {
        doc,
        lines,
        gates,
        schedule,
    }
}

fn metric_name(m: &Metric) -> String {
    match m {
        Metric::ErrorRate => "error_rate".into(),
        Metric::Latency {
            percentile: Some(p),
        } => format!("latency_p{p}"),
        Metric::Latency { percentile: None } => "latency".into(),
        Metric::Cpu => "cpu".into(),
        Metric::Memory => "memory".into(),
        Metric::Availability => "availability".into(),
        Metric::Custom(name) => format!("custom({name:?})"),
    }
}

fn unit_text(u: Unit) -> &'static str {
    match u {
        Unit::Millis => "ms",
        Unit::Seconds => "s",
        Unit::Percent => "%",
        Unit::Ratio => "",
    }
}

fn duration(secs: u64) -> String {
    match secs {
        s if s % 86_400 == 0 => format!("{}d", s / 86_400),
        s if s % 3600 == 0 => format!("{}h", s / 3600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

/// One threshold as a person reads it:
/// `L12 error_rate > 1% (breach) ← "Error rate > 1%"`.
fn threshold_line(t: &Threshold) -> String {
    format!(
        "L{} {} {} {}{}{} ({}) ← {:?}",
        t.line,
        metric_name(&t.metric),
        serde_json::to_value(t.comparator)
            .unwrap()
            .as_str()
            .unwrap(),
        t.value,
        unit_text(t.unit),
        t.sustained_secs
            .map(|s| format!(" for {}", duration(s)))
            .unwrap_or_default(),
        match t.level {
            Level::Warn => "warn",
            Level::Breach => "breach",
        },
        t.source
    )
}

fn render(r: &Read) -> String {
    let mut out = String::new();
    let g = &r.gates;
    let s = &r.schedule;
    writeln!(
        out,
        "thresholds: {}, not understood: {}, promql: {}, checkpoints: {}",
        g.thresholds.len(),
        g.not_understood.len(),
        g.promql.len(),
        s.checkpoints.len()
    )
    .unwrap();
    match (s.window_secs, s.window_line) {
        (Some(secs), Some(line)) => writeln!(
            out,
            "window: {} (L{line} {:?})",
            duration(secs),
            s.window_text.as_deref().unwrap_or("")
        )
        .unwrap(),
        _ => writeln!(out, "window: none stated").unwrap(),
    }
    for c in &s.checkpoints {
        writeln!(
            out,
            "checkpoint +{} L{} {:?} ← {:?}",
            duration(c.after_secs),
            c.line,
            c.label,
            c.text
        )
        .unwrap();
    }
    for u in &s.unread {
        writeln!(
            out,
            "L{} time not understood ({}) ← {:?}",
            u.line, u.reason, u.text
        )
        .unwrap();
    }
    for t in &g.thresholds {
        writeln!(out, "{}", threshold_line(t)).unwrap();
    }
    for n in &g.not_understood {
        writeln!(
            out,
            "L{} not understood ({}) ← {:?}",
            n.line, n.reason, n.text
        )
        .unwrap();
    }
    for q in &g.promql {
        let first = q.query.lines().next().unwrap_or("");
        writeln!(
            out,
            "L{} promql ({} lines): {first}",
            q.line,
            q.query.lines().count()
        )
        .unwrap();
    }
    out
}

#[test]
fn every_document_read_as_snapshotted() {
    let mut totals = (0, 0, 0, 0, 0);
    for path in documents() {
        let r = read(&path);
        let name = stem(&path);
        eprintln!(
            "{name:<55} thresholds {:>3}  not understood {:>3}  promql {:>2}  window {:>4}  checkpoints {:>2}",
            r.gates.thresholds.len(),
            r.gates.not_understood.len(),
            r.gates.promql.len(),
            r.schedule
                .window_secs
                .map(duration)
                .unwrap_or_else(|| "-".into()),
            r.schedule.checkpoints.len()
        );
        totals.0 += 1;
        totals.1 += r.gates.thresholds.len();
        totals.2 += r.gates.not_understood.len();
        totals.3 += r.gates.promql.len();
        totals.4 += r.schedule.checkpoints.len();
        insta::with_settings!({ snapshot_suffix => name, prepend_module_to_snapshot => false, description => path.as_str(), omit_expression => true }, {
            insta::assert_snapshot!("read", render(&r));
        });
    }
    eprintln!(
        "documents {}, thresholds {}, not understood {}, promql {}, checkpoints {}",
        totals.0, totals.1, totals.2, totals.3, totals.4
    );
}

/// The phase a line belongs to: the last heading at or above it.
fn phase_at(doc: &Checklist, line: usize) -> Option<usize> {
    doc.phases.iter().rposition(|p| p.line <= line)
}

/// Whether `line` is in a monitoring or rollback section, a row of a table
/// with a metric column, or an item under an item that names metrics or
/// alerts.
fn in_watch_context(doc: &Checklist, lines: &[String], line: usize) -> bool {
    let section = phase_at(doc, line).is_some_and(|p| {
        doc.phase_path(p).iter().any(|ph| {
            matches!(ph.kind, SectionKind::Monitoring | SectionKind::Rollback)
                || is_watch_title(&ph.title)
        })
    });
    let metric_row = doc.tables.iter().any(|t| {
        t.row_lines.contains(&line) && t.header.iter().any(|h| h.to_lowercase().contains("metric"))
    });
    section || metric_row || under_metrics_words(lines, line)
}

/// Whether a less indented list line above `line` (a parent), or the label
/// line above the list (`**Stability & Performance:**`), under the same
/// heading, names metrics, monitoring or alerts.
fn under_metrics_words(lines: &[String], line: usize) -> bool {
    let names = |t: &str| {
        let lower = t.to_lowercase();
        [
            "metric",
            "alert",
            "performance",
            "threshold",
            "trigger",
            "monitor",
            "监控",
            "監控",
            "指标",
            "指標",
        ]
        .iter()
        .any(|w| lower.contains(w))
    };
    let indent = |l: &str| l.len() - l.trim_start().len();
    let is_list = |t: &str| {
        t.starts_with("- ")
            || t.starts_with("* ")
            || t.starts_with("+ ")
            || t.split_once(". ")
                .is_some_and(|(n, _)| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
    };
    let Some(own) = lines.get(line - 1) else {
        return false;
    };
    let mut limit = indent(own);
    for above in lines[..line - 1].iter().rev() {
        let t = above.trim_start();
        if t.starts_with('#') {
            return false;
        }
        if t.is_empty() {
            continue;
        }
        if !is_list(t) && indent(above) == 0 {
            return t.trim_end_matches('*').ends_with(':') && names(t);
        }
        if is_list(t) && indent(above) < limit {
            if names(t) {
                return true;
            }
            limit = indent(above);
        }
    }
    false
}

/// Markdown emphasis and code marks removed, spaces collapsed: how an item's
/// text compares with its source line.
fn plain(text: &str) -> String {
    text.chars()
        .filter(|c| !"*`_".contains(*c))
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether the text a threshold or not-understood line was read from is on
/// that line: every cell of a table row, the whole text otherwise.
fn source_on_line(r: &Read, line: usize, source: &str) -> bool {
    let Some(text) = r.lines.get(line - 1) else {
        return false;
    };
    let text = plain(text);
    source
        .split(" | ")
        .map(plain)
        .filter(|part| !part.is_empty())
        .all(|part| text.contains(&part))
}

#[test]
fn invariants_hold_on_every_document() {
    let mut failures = Vec::new();
    for path in documents() {
        let r = read(&path);
        let mut fail = |what: String| failures.push(format!("{path}: {what}"));
        for t in &r.gates.thresholds {
            let shown = threshold_line(t);
            if !in_watch_context(&r.doc, &r.lines, t.line) {
                fail(format!(
                    "outside a monitoring, rollback or metrics context: {shown}"
                ));
            }
            if !source_on_line(&r, t.line, &t.source) {
                fail(format!("source text not on its line: {shown}"));
            }
            if !(t.value.is_finite() && t.value > 0.0) {
                fail(format!("value not finite and positive: {shown}"));
            }
            if t.unit == Unit::Percent && t.value > 100.0 {
                fail(format!("a percent above 100: {shown}"));
            }
            // A threshold states the bad side: high for errors, latency,
            // CPU and memory, low for availability.
            let bad_high = match t.metric {
                Metric::ErrorRate | Metric::Latency { .. } | Metric::Cpu | Metric::Memory => {
                    Some(true)
                }
                Metric::Availability => Some(false),
                Metric::Custom(_) => None,
            };
            if bad_high.is_some_and(|high| t.comparator.is_upper() != high) {
                fail(format!("points to the healthy side: {shown}"));
            }
        }
        for u in &r.schedule.unread {
            if !source_on_line(&r, u.line, &u.text) {
                fail(format!("unread time not on L{}: {:?}", u.line, u.text));
            }
        }
        for n in &r.gates.not_understood {
            if !source_on_line(&r, n.line, &n.text) {
                fail(format!(
                    "not-understood text not on L{}: {:?}",
                    n.line, n.text
                ));
            }
        }
        let s = &r.schedule;
        if !s.checkpoints.is_sorted_by_key(|c| (c.after_secs, c.line)) {
            fail("checkpoints not sorted".into());
        }
        for c in &s.checkpoints {
            if s.window_secs.is_some_and(|w| c.after_secs > w) {
                fail(format!(
                    "checkpoint {} (L{}) after the end of the window ({})",
                    c.label,
                    c.line,
                    duration(s.window_secs.unwrap())
                ));
            }
            if !r
                .lines
                .get(c.line - 1)
                .is_some_and(|l| plain(l).contains(&plain(&c.label)))
            {
                fail(format!("checkpoint label {:?} not on L{}", c.label, c.line));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The mojibake and CRLF copies of a document read exactly what the clean
/// original reads: the same thresholds on the same lines, the same
/// schedule.
#[test]
fn encoding_variants_read_as_their_original() {
    let mut pairs = 0;
    for path in documents() {
        let Some((original, _)) = path
            .strip_suffix(".md")
            .and_then(|p| p.rsplit_once('/'))
            .and_then(|(dir, name)| {
                let (base, variant) = name.split_once('.')?;
                Some((format!("{dir}/{base}.md"), variant.to_string()))
            })
        else {
            continue;
        };
        let (a, b) = (read(&original), read(&path));
        assert_eq!(
            render(&a),
            render(&b),
            "{path} reads differently from {original}"
        );
        pairs += 1;
    }
    assert!(pairs >= 5, "only {pairs} encoding variants found");
}

/// Checkpoints as `+1h L385 “Hour 1”` for the tables of READS.md.
fn checkpoints_md(s: &Schedule) -> String {
    s.checkpoints
        .iter()
        .map(|c| format!("+{} L{} “{}”", duration(c.after_secs), c.line, c.label))
        .collect::<Vec<_>>()
        .join("; ")
}

/// A threshold for READS.md: `> 1% breach (L557)`, with `for 2m` when
/// sustained.
fn condition_md(t: &Threshold) -> String {
    format!(
        "{} {}{}{} {} (L{})",
        serde_json::to_value(t.comparator)
            .unwrap()
            .as_str()
            .unwrap(),
        t.value,
        unit_text(t.unit),
        t.sustained_secs
            .map(|s| format!(" for {}", duration(s)))
            .unwrap_or_default(),
        match t.level {
            Level::Warn => "warn",
            Level::Breach => "breach",
        },
        t.line
    )
}

/// The closing-note tables: per seed what `watch` reads and does not
/// understand, then one line of counts per corpus document.
fn reads_md() -> String {
    let mut out = String::from(
        "# What `watch` reads from each document\n\n\
         Written by `tests/corpus.rs` from the same reading as its snapshots\n\
         (`tests/snapshots/read@*.snap`, which also give every source text).\n\
         The test `reads_md_is_current` fails when this file is stale; rewrite it\n\
         with `UPDATE_READS=1 cargo test -p greenlight-watch --test corpus reads_md`.\n\n\
         Reading: `read_gates_with_source(&doc, &bytes)` (tables, items, code-block\n\
         lists, PromQL blocks and inline PromQL items, plain list lines beside\n\
         checkboxes) and `read_schedule(&doc)`. A threshold states the *bad*\n\
         condition: `>= 300ms warn` on `latency_p95` is the target `p95 < 300ms`\n\
         turned around.\n\n## Seeds\n\n",
    );
    let docs = documents();
    for path in docs.iter().filter(|p| p.starts_with("fixtures/seeds/")) {
        let r = read(path);
        let mut by_metric: Vec<(String, Vec<String>)> = Vec::new();
        for t in &r.gates.thresholds {
            let name = metric_name(&t.metric);
            match by_metric.iter_mut().find(|(m, _)| *m == name) {
                Some((_, v)) => v.push(condition_md(t)),
                None => by_metric.push((name, vec![condition_md(t)])),
            }
        }
        let thresholds = by_metric
            .iter()
            .map(|(m, v)| format!("**{m}**: {}", v.join("; ")))
            .collect::<Vec<_>>()
            .join("<br>");
        let s = &r.schedule;
        let window = match (s.window_secs, s.window_line) {
            (Some(w), Some(l)) => format!(
                "{} (L{l} “{}”)",
                duration(w),
                s.window_text.as_deref().unwrap_or("")
            ),
            _ => "none stated".into(),
        };
        let mut unread: Vec<(usize, String)> = r
            .gates
            .not_understood
            .iter()
            .map(|n| (n.line, format!("L{} “{}” — {}", n.line, n.text, n.reason)))
            .chain(
                s.unread
                    .iter()
                    .map(|u| (u.line, format!("L{} “{}” — {}", u.line, u.text, u.reason))),
            )
            .collect();
        unread.sort();
        let or_dash = |t: String| if t.is_empty() { "—".to_string() } else { t };
        writeln!(
            out,
            "### Seed {} (`{path}`)\n\n| | |\n|---|---|\n\
             | thresholds ({}) | {} |\n| window | {window} |\n\
             | checkpoints ({}) | {} |\n| PromQL blocks | {} |\n\
             | not understood ({}) | {} |\n",
            &stem(path)[5..],
            r.gates.thresholds.len(),
            or_dash(thresholds),
            s.checkpoints.len(),
            or_dash(checkpoints_md(s)),
            r.gates.promql.len(),
            unread.len(),
            or_dash(
                unread
                    .into_iter()
                    .map(|(_, t)| t.replace('|', "\\|"))
                    .collect::<Vec<_>>()
                    .join("<br>")
            ),
        )
        .unwrap();
    }
    out.push_str(
        "## Corpus (`fixtures/checklists/`)\n\n\
         | document | thresholds (warn/breach) | not understood | PromQL | window | checkpoints | unread times |\n\
         |---|---|---|---|---|---|---|\n",
    );
    let mut totals = [0usize; 7];
    for path in docs
        .iter()
        .filter(|p| p.starts_with("fixtures/checklists/"))
    {
        let r = read(path);
        let s = &r.schedule;
        let warn = r
            .gates
            .thresholds
            .iter()
            .filter(|t| t.level == Level::Warn)
            .count();
        let n = r.gates.thresholds.len();
        let window = match (s.window_secs, s.window_line) {
            (Some(w), Some(l)) => format!("{} (L{l})", duration(w)),
            _ => "—".into(),
        };
        let cps = if s.checkpoints.is_empty() {
            "0".to_string()
        } else {
            let at = s
                .checkpoints
                .iter()
                .map(|c| format!("+{} L{}", duration(c.after_secs), c.line))
                .collect::<Vec<_>>()
                .join(", ");
            format!("{} — {at}", s.checkpoints.len())
        };
        writeln!(
            out,
            "| {} | {n} ({warn}/{}) | {} | {} | {window} | {cps} | {} |",
            stem(path),
            n - warn,
            r.gates.not_understood.len(),
            r.gates.promql.len(),
            s.unread.len()
        )
        .unwrap();
        let something =
            n + r.gates.promql.len() + s.checkpoints.len() > 0 || s.window_secs.is_some();
        for (slot, v) in totals.iter_mut().zip([
            1,
            usize::from(something),
            n,
            r.gates.not_understood.len(),
            r.gates.promql.len(),
            usize::from(s.window_secs.is_some()),
            s.checkpoints.len(),
        ]) {
            *slot += v;
        }
    }
    let [docs_n, read_n, th, nu, pq, win, cp] = totals;
    writeln!(
        out,
        "| **{docs_n} documents** ({read_n} with something read) | **{th}** | **{nu}** | **{pq}** | **{win}** with a window | **{cp}** | |"
    )
    .unwrap();
    out
}

#[test]
fn reads_md_is_current() {
    let path = root().join("crates/greenlight-watch/READS.md");
    let want = reads_md();
    if std::env::var_os("UPDATE_READS").is_some() {
        std::fs::write(&path, &want).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "READS.md is stale: rewrite it with UPDATE_READS=1 cargo test -p greenlight-watch --test corpus reads_md"
    );
}

/// Documents cut anywhere (inside a table row, a code fence, a UTF-8
/// character) are read without a panic.
#[test]
fn cut_documents_are_read_without_panic() {
    for path in documents() {
        let bytes = std::fs::read(root().join(&path)).unwrap();
        for k in 1..12 {
            let cut = &bytes[..bytes.len() * k / 12];
            let doc = greenlight_doc::parse(cut);
            let g = read_gates_with_source(&doc, cut);
            let s = read_schedule(&doc);
            assert!(
                g.thresholds.iter().all(|t| t.value.is_finite()),
                "{path} cut at {}",
                cut.len()
            );
            assert!(s.checkpoints.is_sorted_by_key(|c| (c.after_secs, c.line)));
        }
    }
}
