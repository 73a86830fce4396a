//! What both backends share: validating a batch, numbering and chaining
//! events, and the run summary each batch updates.

use crate::error::{Result, StoreError};
use crate::event::{Event, EventKind, NewEvent, RunSummary};
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
        let canonical = match (&self.key, ev.kind, &ev.payload) {
            (Some(key), EventKind::RunStarted, serde_json::Value::Object(map))
                if !map.contains_key(KEY_FIELD) =>
            {
                let mut map = map.clone();
                map.insert(KEY_FIELD.into(), key.id().into());
                canonical_json(&serde_json::Value::Object(map))
            }
            _ => canonical_json(&ev.payload),
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
            let field = |k: &str| ev.payload[k].as_str().unwrap_or_default().to_string();
            self.started.insert(
                ev.run_id.clone(),
                (
                    field("checklist"),
                    field("profile"),
                    field("release"),
                    at.clone(),
                ),
            );
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
