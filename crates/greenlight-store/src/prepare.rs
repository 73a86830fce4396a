//! What both backends share: validating a batch, numbering and chaining
//! events, and the run summary each batch updates.

use crate::error::{Result, StoreError};
use crate::event::{Event, EventKind, NewEvent, Payload, RunSummary};
use crate::hash::{AuditKey, GENESIS, KEY_FIELD, canonical_json, event_hash};
use std::collections::HashMap;

/// Refuses a batch before anything is written.
pub fn validate(events: &[NewEvent]) -> Result<()> {
    for e in events {
        if e.run_id.trim().is_empty() {
            return Err(StoreError::Invalid("an event has an empty run ID".into()));
        }
        if e.actor.trim().is_empty() {
            return Err(StoreError::Invalid(format!(
                "a {} event has no actor",
                e.kind.as_str()
            )));
        }
        // PostgreSQL text cannot hold NUL, and the hash encoding relies on
        // it being absent from these fields (JSON payloads escape it).
        let texts = [Some(e.run_id.as_str()), e.item.as_deref(), Some(&e.actor)];
        if texts.into_iter().flatten().any(|t| t.contains('\0')) {
            return Err(StoreError::Invalid(format!(
                "a {} event of run {:?} holds a NUL character",
                e.kind.as_str(),
                e.run_id.replace('\0', "\\0")
            )));
        }
    }
    Ok(())
}

/// The last event of each run touched by a batch.
#[derive(Default)]
pub struct Heads {
    heads: HashMap<String, (u64, String)>,
    started: HashMap<String, (String, String, String, String)>,
    /// Signs each event when set.
    key: Option<AuditKey>,
}

/// A run's row after a batch.
pub struct RunUpdate {
    pub checklist: String,
    pub profile: String,
    pub release: String,
    pub started_at: String,
    pub last_at: String,
    pub verdict: Option<String>,
    pub events: u64,
    pub last_hash: String,
    /// With an audit key: the MAC of the run's new head (`run_heads`).
    pub head_mac: Option<String>,
}

pub fn now() -> String {
    humantime::format_rfc3339_millis(std::time::SystemTime::now()).to_string()
}

impl Heads {
    /// Heads that sign each event with `key` (none: unsigned).
    pub fn signed(key: Option<AuditKey>) -> Heads {
        Heads {
            key,
            ..Heads::default()
        }
    }

    pub fn known(&self, run_id: &str) -> bool {
        self.heads.contains_key(run_id)
    }

    /// Records the stored head of a run (`None`: the run is new).
    pub fn set(&mut self, run_id: &str, head: Option<(u64, String)>) {
        self.heads.insert(
            run_id.to_string(),
            head.unwrap_or_else(|| (0, GENESIS.to_string())),
        );
    }

    /// Numbers, stamps and chains the next event of its run; its
    /// `payload_text` is the canonical JSON that is stored and hashed.
    pub fn next(&mut self, ev: &NewEvent) -> Event {
        let (seq, prev) = self
            .heads
            .get(&ev.run_id)
            .cloned()
            .unwrap_or((0, GENESIS.to_string()));
        let seq = seq + 1;
        let at = now();
        // A keyed run names its key at its start, inside the hashed and
        // signed payload: stripping its MACs later shows.
        let canonical = match (&self.key, ev.kind) {
            (Some(key), EventKind::RunStarted) => with_key_field(&ev.payload, key.id()),
            _ => ev.payload.canonical().into_owned(),
        };
        let hash = event_hash(
            &ev.run_id,
            seq,
            &at,
            ev.kind,
            ev.item.as_deref(),
            &ev.actor,
            &canonical,
            &prev,
        );
        let mac = self.key.as_ref().map(|k| k.sign(&hash));
        self.heads.insert(ev.run_id.clone(), (seq, hash.clone()));
        if ev.kind == EventKind::RunStarted {
            let (checklist, profile, release) = started_fields(&ev.payload);
            self.started
                .insert(ev.run_id.clone(), (checklist, profile, release, at.clone()));
        }
        Event {
            run_id: ev.run_id.clone(),
            seq,
            at,
            kind: ev.kind,
            item: ev.item.clone(),
            actor: ev.actor.clone(),
            payload_text: canonical,
            prev_hash: prev,
            hash,
            mac,
        }
    }

    /// The run rows to upsert after a batch of `events`.
    pub fn updates(&self, events: &[Event]) -> Vec<(String, RunUpdate)> {
        let mut out: Vec<(String, RunUpdate)> = Vec::new();
        for e in events {
            let pos = match out.iter().position(|(r, _)| *r == e.run_id) {
                Some(p) => p,
                None => {
                    let (checklist, profile, release, started_at) =
                        self.started.get(&e.run_id).cloned().unwrap_or_else(|| {
                            (String::new(), String::new(), String::new(), e.at.clone())
                        });
                    out.push((
                        e.run_id.clone(),
                        RunUpdate {
                            checklist,
                            profile,
                            release,
                            started_at,
                            last_at: e.at.clone(),
                            verdict: None,
                            events: 0,
                            last_hash: String::new(),
                            head_mac: None,
                        },
                    ));
                    out.len() - 1
                }
            };
            let u = &mut out[pos].1;
            u.last_at = e.at.clone();
            u.events = e.seq;
            u.last_hash = e.hash.clone();
            if e.kind == EventKind::Verdict {
                u.verdict = e.payload()["verdict"].as_str().map(str::to_string);
            }
        }
        if let Some(key) = &self.key {
            for (run_id, u) in &mut out {
                u.head_mac = Some(key.sign_head(run_id, u.events, &u.last_hash));
            }
        }
        out
    }
}

/// A `run_started` payload's `checklist`, `profile` and `release` (each
/// empty unless a string).
fn started_fields(payload: &Payload) -> (String, String, String) {
    let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
    if let Some(v) = payload.as_value() {
        return (
            text(&v["checklist"]),
            text(&v["profile"]),
            text(&v["release"]),
        );
    }
    if let Some((text, members)) = payload.members() {
        // Each value where the writer put it: nothing else is read.
        let field = |k: &str| {
            members
                .iter()
                .find(|m| m.key == k)
                .map(|m| &text[m.value..m.end])
                .filter(|raw| raw.starts_with('"'))
                .and_then(|raw| serde_json::from_str::<String>(raw).ok())
                .unwrap_or_default()
        };
        return (field("checklist"), field("profile"), field("release"));
    }
    // Only these three are read; the plan beside them is skipped.
    #[derive(serde::Deserialize, Default)]
    struct Fields {
        #[serde(default)]
        checklist: serde_json::Value,
        #[serde(default)]
        profile: serde_json::Value,
        #[serde(default)]
        release: serde_json::Value,
    }
    let canonical = payload.canonical();
    // Not an object: no fields (serde would read an array's items as them).
    if !canonical.starts_with('{') {
        return Default::default();
    }
    let f: Fields = serde_json::from_str(&canonical).unwrap_or_default();
    (text(&f.checklist), text(&f.profile), text(&f.release))
}

/// The canonical text of a keyed run's `run_started` payload: with
/// [`KEY_FIELD`] set to the key's ID when the payload is an object that
/// does not name one yet (else the payload's text unchanged).
fn with_key_field(payload: &Payload, key_id: &str) -> String {
    match payload.as_value() {
        Some(serde_json::Value::Object(map)) if !map.contains_key(KEY_FIELD) => {
            let mut map = map.clone();
            map.insert(KEY_FIELD.into(), key_id.into());
            canonical_json(&serde_json::Value::Object(map))
        }
        Some(v) => canonical_json(v),
        None => {
            if let Some((text, members)) = payload.members() {
                if members.iter().any(|m| m.key == KEY_FIELD) {
                    return text.to_string();
                }
                // Before the first member that sorts after it, else last.
                let at = members
                    .iter()
                    .find(|m| m.key.as_bytes() > KEY_FIELD.as_bytes())
                    .map_or(text.len() - 1, |m| m.start);
                return splice(text, at, KEY_FIELD, key_id).unwrap_or_else(|| text.to_string());
            }
            let text = payload.canonical();
            insert_top_level(&text, KEY_FIELD, key_id).unwrap_or_else(|| text.into_owned())
        }
    }
}

/// `canonical` (the canonical text of an object) with the member
/// `"key":"value"` inserted where its sorted order puts it; `None` when
/// the text is not an object or already has `key`.
pub(crate) fn insert_top_level(canonical: &str, key: &str, value: &str) -> Option<String> {
    let b = canonical.as_bytes();
    if b.first() != Some(&b'{') {
        return None;
    }
    // Where the first top-level key that sorts after `key` starts (else
    // the closing brace), found by walking the text: strings skipped with
    // their escapes, nesting counted.
    let mut at = None;
    let mut depth = 0usize;
    let mut i = 0;
    let mut expect_key = true;
    while i < b.len() {
        match b[i] {
            b'"' => {
                let start = i;
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                if depth == 1 && expect_key {
                    let raw = canonical.get(start..=i)?;
                    let name: std::borrow::Cow<str> = if raw.contains('\\') {
                        serde_json::from_str::<String>(raw).ok()?.into()
                    } else {
                        raw[1..raw.len() - 1].into()
                    };
                    match name.as_bytes().cmp(key.as_bytes()) {
                        std::cmp::Ordering::Equal => return None,
                        std::cmp::Ordering::Greater => {
                            at = Some(start);
                            break;
                        }
                        std::cmp::Ordering::Less => {}
                    }
                    expect_key = false;
                }
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    at = Some(i);
                    break;
                }
            }
            b',' if depth == 1 => expect_key = true,
            _ => {}
        }
        i += 1;
    }
    splice(canonical, at?, key, value)
}

/// `canonical` (an object's text) with `"key":"value"` inserted at byte
/// `at`: where a member starts, or at the closing brace.
fn splice(canonical: &str, at: usize, key: &str, value: &str) -> Option<String> {
    let b = canonical.as_bytes();
    let mut member = Vec::with_capacity(key.len() + value.len() + 8);
    serde_json::to_writer(&mut member, key).ok()?;
    member.push(b':');
    serde_json::to_writer(&mut member, value).ok()?;
    let member = std::str::from_utf8(&member).ok()?;
    let mut out = String::with_capacity(canonical.len() + member.len() + 1);
    out.push_str(canonical.get(..at)?);
    let last = *b.get(at)? == b'}';
    if last && at > 1 {
        // After the last member.
        out.push(',');
    }
    out.push_str(member);
    if !last {
        // Before the member it sorts ahead of.
        out.push(',');
    }
    out.push_str(&canonical[at..]);
    Some(out)
}

/// Runs of one checklist (matched on the path's end, so `STAGING.md` finds
/// `/srv/x/STAGING.md`).
pub fn filter_runs(all: Vec<RunSummary>, checklist: Option<&str>) -> Vec<RunSummary> {
    match checklist {
        None => all,
        Some(c) => {
            let name = std::path::Path::new(c)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| c.to_string());
            all.into_iter()
                .filter(|r| r.checklist == c || r.checklist.ends_with(&name))
                .collect()
        }
    }
}

/// Resolves a unique prefix among run IDs.
pub fn resolve(prefix: &str, ids: Vec<String>) -> Result<String> {
    if prefix.is_empty() {
        return Err(StoreError::Invalid(
            "an empty run ID matches every run".into(),
        ));
    }
    if ids.iter().any(|i| i == prefix) {
        return Ok(prefix.to_string());
    }
    let matches: Vec<String> = ids.into_iter().filter(|i| i.starts_with(prefix)).collect();
    match matches.len() {
        0 => Err(StoreError::NoSuchRun(prefix.to_string())),
        1 => Ok(matches.into_iter().next().unwrap_or_default()),
        _ => Err(StoreError::Ambiguous {
            prefix: prefix.to_string(),
            candidates: matches.join(", "),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::{Value, json};

    /// What the store did before payloads could arrive as text: the key
    /// inserted into the JSON object, the object written out.
    fn by_tree(v: &Value, id: &str) -> Option<String> {
        let map = v.as_object().filter(|m| !m.contains_key(KEY_FIELD))?;
        let mut map = map.clone();
        map.insert(KEY_FIELD.into(), id.into());
        Some(canonical_json(&Value::Object(map)))
    }

    fn key() -> impl Strategy<Value = String> {
        prop_oneof![
            Just(KEY_FIELD.to_string()),
            Just("audit".to_string()),
            Just("audit_keys".to_string()),
            Just("audit_kex".to_string()),
            Just(String::new()),
            "[a-z_\"\\\\,:{}\\[\\]]{0,10}",
            "[\u{0}-\u{1f}é\u{1F600}]{0,3}",
        ]
    }

    fn value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<i64>().prop_map(Value::from),
            any::<bool>().prop_map(Value::from),
            // Strings that look like JSON structure or members.
            "[a-z_\"\\\\,:{}\\[\\] ]{0,12}".prop_map(Value::from),
        ];
        leaf.prop_recursive(3, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                prop::collection::btree_map(key(), inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1024))]

        #[test]
        fn the_key_is_inserted_into_the_text_as_into_the_tree(
            v in value(),
            id in "[0-9a-f]{8}|[\"\\\\é]{1,3}",
        ) {
            let text = canonical_json(&v);
            prop_assert_eq!(insert_top_level(&text, KEY_FIELD, &id), by_tree(&v, &id));
            // Through the payload as the store takes it, text or tree.
            let expected = by_tree(&v, &id).unwrap_or_else(|| text.clone());
            prop_assert_eq!(with_key_field(&Payload::of(&v), &id), expected.clone());
            prop_assert_eq!(with_key_field(&Payload::from(v.clone()), &id), expected);
        }

        #[test]
        fn started_fields_read_the_text_as_the_tree(v in value(), c in value(), r in ".{0,6}") {
            let mut v = v;
            if let Some(m) = v.as_object_mut() {
                m.insert("checklist".into(), c);
                m.insert("release".into(), r.into());
            }
            prop_assert_eq!(
                started_fields(&Payload::of(&v)),
                started_fields(&Payload::from(v.clone()))
            );
        }
    }

    #[test]
    fn started_fields_are_strings_or_empty() {
        let v = json!({ "checklist": "A.md", "profile": 3, "plan": { "checklist": "no" } });
        let want = ("A.md".to_string(), String::new(), String::new());
        assert_eq!(started_fields(&Payload::of(&v)), want);
        assert_eq!(started_fields(&Payload::from(v)), want);
        assert_eq!(started_fields(&Payload::of(&[1, 2])), Default::default());
    }

    /// A keyed run's first event: the same text and hash whether its
    /// payload came as text or as a tree.
    #[test]
    fn a_keyed_run_started_is_chained_alike_from_text_and_tree() {
        let key = AuditKey::new(b"team key of the release crew").unwrap();
        let v =
            json!({ "checklist": "R.md", "profile": "p", "plan": { "items": [ { "id": "a" } ] } });
        let ev = |payload: Payload| NewEvent {
            run_id: "r".into(),
            kind: EventKind::RunStarted,
            item: None,
            actor: "a".into(),
            payload,
        };
        let mut texts = Vec::new();
        for payload in [Payload::of(&v), Payload::from(v.clone())] {
            let mut heads = Heads::signed(Some(key.clone()));
            heads.set("r", None);
            let e = heads.next(&ev(payload));
            assert!(
                e.payload_text
                    .starts_with(&format!("{{\"{KEY_FIELD}\":\"{}\",", key.id()))
            );
            let again = event_hash("r", 1, &e.at, e.kind, None, "a", &e.payload_text, GENESIS);
            assert_eq!(again, e.hash);
            texts.push(e.payload_text);
        }
        assert_eq!(texts[0], texts[1]);
    }
}
