//! The audit chain: each event's hash covers its content and the previous
//! event's hash, so altering, removing or reordering any event shows.

use crate::event::{AuditReport, Event, EventKind};
use serde_json::Value;

/// The `prev_hash` of a run's first event.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// JSON with object keys sorted at every level: one text per value.
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String((*k).clone()).to_string());
                out.push(':');
                write_canonical(&map[*k], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(v, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// SHA-256 (hex) over the event's fields, length-prefixed so no two
/// different events encode alike.
#[allow(clippy::too_many_arguments)]
pub fn event_hash(
    run_id: &str,
    seq: u64,
    at: &str,
    kind: EventKind,
    item: Option<&str>,
    actor: &str,
    payload_canonical: &str,
    prev_hash: &str,
) -> String {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    let seq = seq.to_string();
    let fields: [&str; 8] = [
        run_id,
        &seq,
        at,
        kind.as_str(),
        item.unwrap_or("\u{0}none"),
        actor,
        payload_canonical,
        prev_hash,
    ];
    for f in fields {
        ctx.update(&(f.len() as u64).to_be_bytes());
        ctx.update(f.as_bytes());
    }
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(64);
    for b in ctx.finish().as_ref() {
        out.push(HEX[usize::from(b >> 4)] as char);
        out.push(HEX[usize::from(b & 15)] as char);
    }
    out
}

/// A stored row, before its payload is parsed: what verification reads.
pub struct StoredRow {
    pub seq: u64,
    pub at: String,
    pub kind: String,
    pub item: Option<String>,
    pub actor: String,
    pub payload: String,
    pub prev_hash: String,
    pub hash: String,
}

/// Verifies a run's rows (in seq order) and names the first bad event.
/// `head` is the run's recorded head (event count and last hash, from the
/// `runs` table): it reveals events removed from the end of the log.
pub fn verify_rows(run_id: &str, rows: &[StoredRow], head: Option<(u64, &str)>) -> AuditReport {
    let bad = |seq: u64, problem: String| AuditReport {
        events: rows.len() as u64,
        ok: false,
        first_bad: Some(seq),
        problem: Some(problem),
    };
    let mut prev: &str = GENESIS;
    for (i, r) in rows.iter().enumerate() {
        let expected = i as u64 + 1;
        if r.seq != expected {
            let what = missing(expected, r.seq - 1);
            return bad(
                expected,
                format!("{what}: seq jumps from {} to {}", expected - 1, r.seq),
            );
        }
        let Some(kind) = EventKind::parse(&r.kind) else {
            return bad(
                r.seq,
                format!(
                    "event {} has an unknown kind {:?}: it was altered",
                    r.seq, r.kind
                ),
            );
        };
        if r.prev_hash != prev {
            return bad(
                r.seq,
                if r.seq == 1 {
                    "event 1's prev_hash is not the start of a chain".to_string()
                } else {
                    format!(
                        "event {}'s prev_hash does not match event {}",
                        r.seq,
                        r.seq - 1
                    )
                },
            );
        }
        // The stored payload text is what was hashed: any edit to it shows.
        let h = event_hash(
            run_id,
            r.seq,
            &r.at,
            kind,
            r.item.as_deref(),
            &r.actor,
            &r.payload,
            &r.prev_hash,
        );
        if h != r.hash {
            return bad(
                r.seq,
                format!(
                    "event {} ({}) was altered: its hash does not match its content",
                    r.seq, r.kind
                ),
            );
        }
        prev = &r.hash;
    }
    let n = rows.len() as u64;
    if let Some((events, last_hash)) = head {
        if events > n {
            let what = missing(n + 1, events);
            return bad(
                n + 1,
                format!("{what}: the run recorded {events} events, the log ends at {n}"),
            );
        }
        if events == n && n > 0 && last_hash != prev {
            return bad(
                n,
                format!("event {n} was altered: its hash does not match the run's recorded head"),
            );
        }
    }
    AuditReport {
        events: n,
        ok: true,
        first_bad: None,
        problem: None,
    }
}

/// "event 5 is missing", or "event 5 is missing (5 to 7 are gone)".
fn missing(first: u64, last: u64) -> String {
    if first == last {
        format!("event {first} is missing")
    } else {
        format!("event {first} is missing ({first} to {last} are gone)")
    }
}

/// Parses a stored row into an event.
pub fn to_event(run_id: &str, r: StoredRow) -> Event {
    Event {
        run_id: run_id.to_string(),
        seq: r.seq,
        at: r.at,
        kind: EventKind::parse(&r.kind).unwrap_or(EventKind::RunInterrupted),
        item: r.item,
        actor: r.actor,
        payload_text: r.payload,
        prev_hash: r.prev_hash,
        hash: r.hash,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_json_sorts_keys_at_every_level() {
        let v: Value =
            serde_json::from_str(r#"{"b":1,"a":{"d":[{"z":1,"y":2}],"c":null}}"#).unwrap();
        assert_eq!(
            canonical_json(&v),
            r#"{"a":{"c":null,"d":[{"y":2,"z":1}]},"b":1}"#
        );
    }

    #[test]
    fn hashes_change_with_any_field() {
        let base = event_hash(
            "r",
            1,
            "t",
            EventKind::StepResult,
            Some("i"),
            "a",
            "{}",
            GENESIS,
        );
        assert_eq!(base.len(), 64);
        for other in [
            event_hash(
                "r2",
                1,
                "t",
                EventKind::StepResult,
                Some("i"),
                "a",
                "{}",
                GENESIS,
            ),
            event_hash(
                "r",
                2,
                "t",
                EventKind::StepResult,
                Some("i"),
                "a",
                "{}",
                GENESIS,
            ),
            event_hash(
                "r",
                1,
                "t",
                EventKind::Verdict,
                Some("i"),
                "a",
                "{}",
                GENESIS,
            ),
            event_hash("r", 1, "t", EventKind::StepResult, None, "a", "{}", GENESIS),
            event_hash(
                "r",
                1,
                "t",
                EventKind::StepResult,
                Some("i"),
                "b",
                "{}",
                GENESIS,
            ),
            event_hash(
                "r",
                1,
                "t",
                EventKind::StepResult,
                Some("i"),
                "a",
                "{\"x\":1}",
                GENESIS,
            ),
        ] {
            assert_ne!(base, other);
        }
    }
}
