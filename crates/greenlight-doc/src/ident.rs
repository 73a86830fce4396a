//! Stable, short identifiers for phases, items and sign-off slots.
//!
//! An identifier is a hash of what names the element (its heading path and
//! its own text), never of its position, so adding or removing unrelated
//! lines leaves every other identifier as it was.

/// FNV-1a, 64 bit: tiny, fast and stable across releases and platforms,
/// which is all an identifier needs (it is not a security boundary).
/// A running hash over parts; hashing a path once and continuing from it
/// for each item below gives the same value as hashing every part again.
#[derive(Debug, Clone, Copy)]
pub struct PathHash(u64);

impl Default for PathHash {
    fn default() -> Self {
        PathHash(0xcbf2_9ce4_8422_2325)
    }
}

impl PathHash {
    /// The hash extended by one more part (parts are separated, so
    /// ("ab","c") differs from ("a","bc")).
    pub fn with(self, part: &str) -> PathHash {
        let mut hash = self.0;
        for byte in part.bytes().chain(std::iter::once(0x1f)) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
        PathHash(hash)
    }

    /// The 7-character identifier of this hash, prefixed.
    pub fn id(self, prefix: &str) -> String {
        let mut hash = self.0;
        let mut id = String::with_capacity(prefix.len() + 7);
        id.push_str(prefix);
        for _ in 0..7 {
            id.push(ALPHABET[(hash & 31) as usize] as char);
            hash >>= 5;
        }
        id
    }
}

fn fnv1a(parts: &[&str]) -> u64 {
    parts.iter().fold(PathHash::default(), |h, p| h.with(p)).0
}

/// Crockford's base32 alphabet, lower case (no i, l, o, u).
const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";

/// A 7-character identifier (35 bits) from the parts, prefixed.
pub fn make_id(prefix: &str, parts: &[&str]) -> String {
    PathHash(fnv1a(parts)).id(prefix)
}

/// Collapses whitespace so that re-wrapping a line does not change an ID.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_short_and_stable() {
        let a = make_id("", &["Phase", "Item text"]);
        assert_eq!(a.len(), 7);
        assert_eq!(a, make_id("", &["Phase", "Item text"]));
        assert_ne!(a, make_id("", &["Phase", "Item text!"]));
        // Part boundaries matter: ("ab","c") is not ("a","bc").
        assert_ne!(make_id("", &["ab", "c"]), make_id("", &["a", "bc"]));
        let chained = PathHash::default().with("Phase").with("Item text").id("");
        assert_eq!(chained, a);
    }
}
