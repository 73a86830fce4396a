//! The audit chain: each event's hash covers its content and the previous
//! event's hash, so altering, removing or reordering any event shows.
//!
//! The hashes alone are no proof against someone with write access, who
//! can recompute them. With an [`AuditKey`], each event also carries a
//! `mac`: HMAC-SHA256 under the team's key over the event's hash. Since the
//! hash covers every earlier event, an event's MAC vouches for the whole
//! chain up to it, and a rewrite without the key shows at the first
//! rewritten event.

use crate::event::{AuditReport, Event, EventKind, Keying};
use serde_json::Value;

/// A team's audit key (HMAC-SHA256). Its [`AuditKey::id`] — the first 8
/// hex digits of an HMAC of a fixed label — is stored with each MAC, so a
/// run signed with another key is told apart from a rewritten one.
#[derive(Clone)]
pub struct AuditKey {
    key: std::sync::Arc<ring::hmac::Key>,
    id: String,
}

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AuditKey({})", self.id)
    }
}

/// The shortest key accepted, in bytes.
pub const MIN_KEY_BYTES: usize = 16;

impl AuditKey {
    /// A key from its secret bytes; `None` when shorter than
    /// [`MIN_KEY_BYTES`].
    pub fn new(secret: &[u8]) -> Option<AuditKey> {
        if secret.len() < MIN_KEY_BYTES {
            return None;
        }
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret);
        let tag = ring::hmac::sign(&key, b"greenlight audit key id");
        let id = hex(&tag.as_ref()[..4]);
        Some(AuditKey {
            key: std::sync::Arc::new(key),
            id,
        })
    }

    /// The key's public ID (8 hex digits).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The MAC stored beside an event: `KEYID:HEX` (HMAC-SHA256 of the
    /// event's hash).
    pub fn sign(&self, hash: &str) -> String {
        let tag = ring::hmac::sign(&self.key, &mac_input(hash));
        format!("{}:{}", self.id, hex(tag.as_ref()))
    }

    /// Whether `mac` is this key's MAC of `hash` (constant-time compare).
    fn verifies(&self, hash: &str, mac_hex: &str) -> bool {
        let Some(tag) = unhex(mac_hex) else {
            return false;
        };
        ring::hmac::verify(&self.key, &mac_input(hash), &tag).is_ok()
    }

    /// The MAC of a run's signed head record: `KEYID:HEX`, HMAC-SHA256 of
    /// (run ID, event count, last hash). Kept in its own table, updated in
    /// the same transaction as the events, it vouches for where the run
    /// ends.
    pub fn sign_head(&self, run_id: &str, events: u64, last_hash: &str) -> String {
        let tag = ring::hmac::sign(&self.key, &head_input(run_id, events, last_hash));
        format!("{}:{}", self.id, hex(tag.as_ref()))
    }

    fn verifies_head(&self, run_id: &str, events: u64, last_hash: &str, mac_hex: &str) -> bool {
        let Some(tag) = unhex(mac_hex) else {
            return false;
        };
        ring::hmac::verify(&self.key, &head_input(run_id, events, last_hash), &tag).is_ok()
    }
}

fn mac_input(hash: &str) -> Vec<u8> {
    let mut v = b"greenlight-audit-v1\0".to_vec();
    v.extend_from_slice(hash.as_bytes());
    v
}

fn head_input(run_id: &str, events: u64, last_hash: &str) -> Vec<u8> {
    let mut v = b"greenlight-head-v1\0".to_vec();
    for f in [run_id, &events.to_string(), last_hash] {
        v.extend_from_slice(&(f.len() as u64).to_be_bytes());
        v.extend_from_slice(f.as_bytes());
    }
    v
}

/// The field of a keyed run's `run_started` payload that names its audit
/// key: set by the store itself, covered by the event's hash and MAC, so
/// stripping the run's MACs shows.
pub const KEY_FIELD: &str = "audit_key";

/// A run's signed head record (table `run_heads`): its event count and
/// last hash when last appended with an audit key, and their MAC.
#[derive(Clone, Debug)]
pub struct SealedHead {
    pub events: u64,
    pub last_hash: String,
    pub mac: String,
}

fn hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(HEX[usize::from(b >> 4)] as char);
        out.push(HEX[usize::from(b & 15)] as char);
    }
    out
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// The `prev_hash` of a run's first event.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// JSON with object keys sorted at every level: one text per value.
pub fn canonical_json(value: &Value) -> String {
    let mut out = Vec::with_capacity(256);
    write_canonical(value, &mut out);
    // Only serde_json's own output and ASCII punctuation were written.
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Writes `value` with sorted keys: strings, numbers and literals in
/// serde_json's compact form, straight into `out` (no text per leaf).
fn write_canonical(value: &Value, out: &mut Vec<u8>) {
    match value {
        // serde_json's map keeps its keys sorted (a BTreeMap), unless some
        // crate turns on its `preserve_order`: then they are sorted here.
        Value::Object(map) if map.keys().is_sorted() => {
            write_object(map.iter(), out);
        }
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_unstable_by_key(|(k, _)| *k);
            write_object(entries.into_iter(), out);
        }
        Value::Array(items) => {
            out.push(b'[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_canonical(v, out);
            }
            out.push(b']');
        }
        other => write_leaf(other, out),
    }
}

/// `{"key":value,…}` with the entries in the order given.
fn write_object<'a>(entries: impl Iterator<Item = (&'a String, &'a Value)>, out: &mut Vec<u8>) {
    out.push(b'{');
    for (i, (k, v)) in entries.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_leaf(k, out);
        out.push(b':');
        write_canonical(v, out);
    }
    out.push(b'}');
}

/// A string, number or literal as compact JSON (what `to_string` gives).
fn write_leaf<T: serde::Serialize + ?Sized>(leaf: &T, out: &mut Vec<u8>) {
    // Writing a string, number or literal into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, leaf);
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
    hex(ctx.finish().as_ref())
}

/// A stored row, before its payload is parsed: what verification reads.
#[derive(Clone)]
pub struct StoredRow {
    pub seq: u64,
    pub at: String,
    pub kind: String,
    pub item: Option<String>,
    pub actor: String,
    pub payload: String,
    pub prev_hash: String,
    pub hash: String,
    /// `KEYID:HEX` when the event was recorded with an audit key.
    pub mac: Option<String>,
}

/// Verifies a run's rows (in seq order) and names the first bad event.
/// `head` is the run's recorded head (event count and last hash, from the
/// `runs` table): it reveals events removed from the end of the log.
/// `sealed` is the run's signed head record (see [`SealedHead`]): with the
/// key, it reveals events removed from the end even when `head` was
/// rewritten to match.
///
/// A run whose `run_started` payload names an audit key ([`KEY_FIELD`]),
/// or that has a signed head record, is keyed: if its events carry no MAC
/// (from event 1 on), the MACs were stripped, and the chain is broken.
/// A run that names its key must also have its signed head record.
///
/// With `key`, every MAC must verify, and once an event is signed every
/// later one must be too (an unsigned event after a signed one was added
/// or rewritten without the key). An unsigned prefix followed by signed
/// events is fine: the first MAC vouches for everything before it. A run
/// with no MAC at all verifies as [`Keying::Unkeyed`].
pub fn verify_rows(
    run_id: &str,
    rows: &[StoredRow],
    head: Option<(u64, &str)>,
    sealed: Option<&SealedHead>,
    key: Option<&AuditKey>,
) -> AuditReport {
    let signed = rows.iter().filter(|r| r.mac.is_some()).count() as u64;
    let key_id = rows
        .iter()
        .find_map(|r| r.mac.as_deref())
        .map(|m| m.split(':').next().unwrap_or_default().to_string());
    let bad = |seq: u64, problem: String| AuditReport {
        events: rows.len() as u64,
        ok: false,
        first_bad: Some(seq),
        problem: Some(problem),
        keying: Keying::Broken,
        signed,
        key_id: key_id.clone(),
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
        if let Some(problem) = check_mac(r, key, rows[..i].iter().any(|p| p.mac.is_some())) {
            return bad(r.seq, problem);
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
    if let Some(problem) = keyed_run_problem(run_id, rows, n, prev, sealed, key) {
        return bad(problem.0, problem.1);
    }
    let keying = match (signed, key) {
        (0, _) => Keying::Unkeyed,
        (_, Some(_)) => Keying::Verified,
        (_, None) => Keying::Unverified,
    };
    AuditReport {
        events: n,
        ok: true,
        first_bad: None,
        problem: None,
        keying,
        signed,
        key_id,
    }
}

/// The audit key a run's `run_started` event names, if any.
fn declared_key(rows: &[StoredRow]) -> Option<String> {
    let first = rows.first().filter(|r| r.kind == "run_started")?;
    let payload: Value = serde_json::from_str(&first.payload).ok()?;
    payload.get(KEY_FIELD)?.as_str().map(str::to_string)
}

/// What betrays a keyed run whose MACs were stripped or whose end was cut
/// off: (first bad seq, problem). `prev` is the last event's hash.
fn keyed_run_problem(
    run_id: &str,
    rows: &[StoredRow],
    n: u64,
    prev: &str,
    sealed: Option<&SealedHead>,
    key: Option<&AuditKey>,
) -> Option<(u64, String)> {
    let declared = declared_key(rows);
    let sealed_id = sealed.map(|s| s.mac.split(':').next().unwrap_or_default().to_string());
    if let Some(id) = declared.as_ref().or(sealed_id.as_ref()) {
        let first_signed = rows.iter().position(|r| r.mac.is_some());
        let stripped = match (&declared, first_signed) {
            (_, None) => true,
            // A run that names its key at its start is signed from event 1.
            (Some(_), Some(i)) => i > 0,
            (None, Some(_)) => false,
        };
        if stripped {
            let witness = if declared.is_some() {
                "its run_started event names"
            } else {
                "its signed head record names"
            };
            return Some((
                1,
                format!(
                    "MACs stripped: the run was recorded with audit key {id} ({witness} it), but {} carry no MAC",
                    if first_signed.is_none() {
                        "its events"
                    } else {
                        "its first events"
                    }
                ),
            ));
        }
    }
    let Some(sealed) = sealed else {
        return declared.map(|id| {
            (
                n + 1,
                format!(
                    "the run's signed head record (key {id}) is missing: events may have been removed from its end"
                ),
            )
        });
    };
    if let Some(key) = key {
        let (id, tag) = sealed
            .mac
            .split_once(':')
            .unwrap_or(("", sealed.mac.as_str()));
        if id == key.id() && !key.verifies_head(run_id, sealed.events, &sealed.last_hash, tag) {
            return Some((
                sealed.events.min(n) + 1,
                "the run's signed head record does not match its signature: it was rewritten by someone without the audit key".to_string(),
            ));
        }
    }
    if sealed.events > n {
        let what = missing(n + 1, sealed.events);
        return Some((
            n + 1,
            format!(
                "{what}: the run's signed head record says {} events, the log ends at {n} (events removed from the end)",
                sealed.events
            ),
        ));
    }
    if sealed.events < n {
        return Some((
            sealed.events + 1,
            format!(
                "events {} to {n} come after the run's signed head record ({} events): added without the audit key, or the head record was replaced by an older one",
                sealed.events + 1,
                sealed.events
            ),
        ));
    }
    (n > 0 && sealed.last_hash != prev).then(|| {
        (
            n,
            format!("event {n} was altered: its hash does not match the run's signed head record"),
        )
    })
}

/// What is wrong with a row's MAC, if anything (with a key; without one
/// MACs cannot be checked, but an unsigned event after a signed one still
/// shows).
fn check_mac(r: &StoredRow, key: Option<&AuditKey>, signed_before: bool) -> Option<String> {
    let Some(mac) = &r.mac else {
        return signed_before.then(|| {
            format!(
                "event {} ({}) is not signed though the events before it are: it was added or rewritten without the audit key",
                r.seq, r.kind
            )
        });
    };
    let key = key?;
    let (id, tag) = mac.split_once(':').unwrap_or(("", mac.as_str()));
    if id != key.id() {
        return Some(format!(
            "event {} ({}) is signed with audit key {id}, not with the key given ({}): a wrong key is configured, or the run was re-signed",
            r.seq,
            r.kind,
            key.id()
        ));
    }
    (!key.verifies(&r.hash, tag)).then(|| {
        format!(
            "event {} ({}) does not match its signature: it was rewritten by someone without the audit key",
            r.seq, r.kind
        )
    })
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
        mac: r.mac,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The canonical text as it was first written (a text per leaf):
    /// stored hashes were computed over it, so it must never change.
    fn canonical_reference(value: &Value, out: &mut String) {
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
                    canonical_reference(&map[*k], out);
                }
                out.push('}');
            }
            Value::Array(items) => {
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    canonical_reference(v, out);
                }
                out.push(']');
            }
            other => out.push_str(&other.to_string()),
        }
    }

    #[test]
    fn canonical_json_is_the_text_stored_hashes_were_computed_over() {
        let tricky = serde_json::json!({
            "zeta": "quote \" backslash \\ newline \n tab \t nul \u{0} bell \u{7} del \u{7f}",
            "Émile": ["é", "日本", "🚦", "\u{2028}\u{2029}", ""],
            "numbers": [0, -1, 1.5, -0.0, 1e300, 2.5e-8, u64::MAX, i64::MIN, 0.1],
            "literals": [true, false, null],
            "nested": {"b": {"d": [], "c": {}}, "a": [[{"y": 1, "x": [null]}]]},
            "": "empty key",
            "a\"b": {"B": 1, "a": 2, "_": 3, "10": 4, "9": 5}
        });
        let mut reference = String::new();
        canonical_reference(&tricky, &mut reference);
        assert_eq!(canonical_json(&tricky), reference);
        for leaf in [
            Value::Null,
            serde_json::json!("x\u{1f}y"),
            serde_json::json!(-12.75),
            serde_json::json!([]),
        ] {
            let mut reference = String::new();
            canonical_reference(&leaf, &mut reference);
            assert_eq!(canonical_json(&leaf), reference);
        }
    }

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

    /// Rows of a run, chained and signed (events before `signed_from`, a
    /// 0-based index, are unsigned).
    fn chain(payloads: &[&str], key: Option<&AuditKey>, signed_from: usize) -> Vec<StoredRow> {
        let mut prev = GENESIS.to_string();
        let mut rows = Vec::new();
        for (i, p) in payloads.iter().enumerate() {
            let seq = i as u64 + 1;
            let h = event_hash("r", seq, "t", EventKind::StepResult, None, "a", p, &prev);
            rows.push(StoredRow {
                seq,
                at: "t".into(),
                kind: "step_result".into(),
                item: None,
                actor: "a".into(),
                payload: p.to_string(),
                prev_hash: prev.clone(),
                hash: h.clone(),
                mac: key.filter(|_| i >= signed_from).map(|k| k.sign(&h)),
            });
            prev = h;
        }
        rows
    }

    /// What an attacker without the key does: edit a payload and recompute
    /// every hash from there, leaving the MACs as they were.
    fn rewrite(rows: &mut [StoredRow], at: usize, payload: &str) {
        rows[at].payload = payload.into();
        for i in at..rows.len() {
            if i > 0 {
                rows[i].prev_hash = rows[i - 1].hash.clone();
            }
            let r = &rows[i];
            rows[i].hash = event_hash(
                "r",
                r.seq,
                &r.at,
                EventKind::StepResult,
                None,
                &r.actor,
                &r.payload,
                &r.prev_hash,
            );
        }
    }

    #[test]
    fn keys_need_sixteen_bytes_and_have_stable_ids() {
        assert!(AuditKey::new(b"short").is_none());
        let a = AuditKey::new(b"0123456789abcdef").unwrap();
        let b = AuditKey::new(b"0123456789abcdef").unwrap();
        let c = AuditKey::new(b"0123456789abcdeF").unwrap();
        assert_eq!(a.id(), b.id());
        assert_ne!(a.id(), c.id());
        assert_eq!(a.id().len(), 8);
        assert!(!format!("{a:?}").contains("0123"));
    }

    #[test]
    fn a_keyed_chain_shows_a_rewrite_that_recomputed_the_hashes() {
        let key = AuditKey::new(b"team key of the release crew").unwrap();
        let payloads = [
            r#"{"s":"started"}"#,
            r#"{"s":"failed"}"#,
            r#"{"s":"verdict"}"#,
        ];
        let mut rows = chain(&payloads, Some(&key), 0);
        let ok = verify_rows("r", &rows, None, None, Some(&key));
        assert!(ok.ok, "{ok:?}");
        assert_eq!(ok.keying, Keying::Verified);
        assert_eq!(ok.signed, 3);
        // Without the key the hashes still verify, and the report says the
        // MACs were not checked.
        assert_eq!(
            verify_rows("r", &rows, None, None, None).keying,
            Keying::Unverified
        );

        rewrite(&mut rows, 1, r#"{"s":"passed"}"#);
        // The unkeyed chain is consistent again...
        let mut unkeyed = rows.clone();
        for r in &mut unkeyed {
            r.mac = None;
        }
        assert!(verify_rows("r", &unkeyed, None, None, None).ok);
        // ...but the MACs name the first rewritten event.
        let bad = verify_rows("r", &rows, None, None, Some(&key));
        assert!(!bad.ok);
        assert_eq!(bad.first_bad, Some(2));
        assert_eq!(bad.keying, Keying::Broken);
        assert!(bad.problem.unwrap().contains("without the audit key"));
    }

    #[test]
    fn unsigned_after_signed_and_other_keys_are_refused() {
        let key = AuditKey::new(b"team key of the release crew").unwrap();
        let other = AuditKey::new(b"someone else's key, not ours").unwrap();
        let payloads = ["{}", r#"{"a":1}"#, r#"{"a":2}"#];
        let mut rows = chain(&payloads, Some(&key), 0);
        rows[2].mac = None;
        let r = verify_rows("r", &rows, None, None, Some(&key));
        assert_eq!(r.first_bad, Some(3), "{r:?}");
        // Also without a key: an unsigned tail after signed events shows.
        assert!(!verify_rows("r", &rows, None, None, None).ok);

        let rows = chain(&payloads, Some(&other), 0);
        let r = verify_rows("r", &rows, None, None, Some(&key));
        assert!(!r.ok);
        assert!(r.problem.unwrap().contains(other.id()));

        // An old unkeyed run: verifies, as unkeyed, with or without a key.
        let rows = chain(&payloads, None, 0);
        let r = verify_rows("r", &rows, None, None, Some(&key));
        assert!(r.ok);
        assert_eq!(r.keying, Keying::Unkeyed);
        // Unsigned events, then signed ones (a key was configured later):
        // the first MAC vouches for the events before it.
        let mut rows = chain(&payloads, Some(&key), 1);
        assert!(verify_rows("r", &rows, None, None, Some(&key)).ok);
        rewrite(&mut rows, 0, r#"{"forged":true}"#);
        assert_eq!(
            verify_rows("r", &rows, None, None, Some(&key)).first_bad,
            Some(2)
        );
    }

    #[test]
    fn a_run_that_names_its_key_must_be_signed_from_its_start_to_its_sealed_head() {
        let key = AuditKey::new(b"team key of the release crew").unwrap();
        let started = format!(r#"{{"{KEY_FIELD}":"{}"}}"#, key.id());
        let mut rows = chain(&[&started, "{}", r#"{"a":1}"#], Some(&key), 0);
        rows[0].kind = "run_started".into();
        rows[0].hash = event_hash(
            "r",
            1,
            "t",
            EventKind::RunStarted,
            None,
            "a",
            &started,
            GENESIS,
        );
        rows[0].mac = Some(key.sign(&rows[0].hash));
        rows[1].prev_hash = rows[0].hash.clone();
        rewrite(&mut rows, 1, "{}");
        for r in rows.iter_mut().skip(1) {
            r.mac = Some(key.sign(&r.hash));
        }
        let head = |n: usize, rows: &[StoredRow]| SealedHead {
            events: n as u64,
            last_hash: rows[n - 1].hash.clone(),
            mac: key.sign_head("r", n as u64, &rows[n - 1].hash),
        };
        let sealed = head(3, &rows);
        assert!(verify_rows("r", &rows, None, Some(&sealed), Some(&key)).ok);
        // Without its signed head record: missing.
        let r = verify_rows("r", &rows, None, None, Some(&key));
        assert!(r.problem.unwrap().contains("is missing"));
        // A head record replaced by an older (genuinely signed) one.
        let old = head(2, &rows);
        let r = verify_rows("r", &rows, None, Some(&old), Some(&key));
        assert_eq!(r.first_bad, Some(3), "{r:?}");
        // Its first MAC stripped, the later ones kept.
        let mut stripped = rows.clone();
        stripped[0].mac = None;
        let r = verify_rows("r", &stripped, None, Some(&sealed), Some(&key));
        assert_eq!(r.first_bad, Some(1));
        assert!(r.problem.unwrap().contains("first events carry no MAC"));
    }
}
