//! Rendered JSON of the store's state, kept per key (a release) while the
//! change feed reports nothing new, and at most [`TTL`] (waivers lapse
//! with time alone). A cache only: every entry is rebuilt from the store.

use axum::body::Bytes as Body;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long an entry serves at most.
pub const TTL: Duration = Duration::from_secs(1);

/// Entries kept at most (then the cache starts over).
pub const MAX_ENTRIES: usize = 256;

struct Entry {
    generation: u64,
    made: Instant,
    body: Body,
}

/// Rendered bodies by key.
#[derive(Default)]
pub struct Cache {
    entries: Mutex<HashMap<String, Entry>>,
    /// One rebuild at a time: a burst of requests after a change waits
    /// for one reading of the store instead of making its own.
    pub fill: tokio::sync::Mutex<()>,
}

impl Cache {
    /// The body for `key`, if rendered at this feed generation within the TTL.
    pub fn get(&self, key: &str, generation: u64) -> Option<Body> {
        let entries = self.entries.lock().ok()?;
        let e = entries.get(key)?;
        (e.generation == generation && e.made.elapsed() < TTL).then(|| e.body.clone())
    }

    /// Keeps `body`, rendered from the store as it was at `generation`.
    pub fn put(&self, key: &str, generation: u64, body: Body) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= MAX_ENTRIES && !entries.contains_key(key) {
                entries.clear();
            }
            entries.insert(
                key.to_string(),
                Entry {
                    generation,
                    made: Instant::now(),
                    body,
                },
            );
        }
    }

    /// Forgets everything (after this process wrote to the store).
    pub fn clear(&self) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_serves_only_its_generation_and_only_within_the_ttl() {
        let c = Cache::default();
        c.put("r", 3, Body::from_static(b"x"));
        assert_eq!(c.get("r", 3).as_deref(), Some(&b"x"[..]));
        assert!(c.get("r", 4).is_none(), "a newer generation misses");
        assert!(c.get("other", 3).is_none());
        c.clear();
        assert!(c.get("r", 3).is_none());
    }

    #[test]
    fn the_cache_is_bounded() {
        let c = Cache::default();
        for i in 0..MAX_ENTRIES + 10 {
            c.put(&i.to_string(), 0, Body::new());
        }
        assert!(c.entries.lock().unwrap().len() <= MAX_ENTRIES);
    }
}
