//! Secret values never appear in any output: every string that leaves the
//! run (terminal, reports, evidence, stores) passes through a [`Redactor`].
//!
//! A secret is masked in the forms servers and tools commonly echo it in:
//!
//! - **as written**, and JSON-escaped;
//! - **base64** (standard and URL-safe alphabets, padded or not) at each of
//!   the three byte alignments, so the secret is found inside a longer
//!   base64 text, e.g. `Basic base64(user:secret)` for any user. For each
//!   alignment only the characters wholly determined by the secret's bits
//!   are searched; a neighbouring character that carries some of the
//!   secret's bits is masked too when it agrees with them;
//! - **base64 twice** (the base64 of a `Basic …` header value);
//! - **percent-encoding** in any spelling (upper or lower hex, only the
//!   reserved characters escaped or all of them, `+` for a space): text
//!   that contains `%` is also searched in its decoded form;
//! - **hex**, lower and upper case;
//! - **cut short**: the beginning of any of these forms (at least
//!   [`MIN_ENCODED_LEN`] bytes) right before the `…` of an excerpt.
//!
//! An encoded form shorter than [`MIN_ENCODED_LEN`] characters is not
//! searched: it would mask ordinary text by chance. The secret as written
//! is always masked, whatever its length.
//!
//! All patterns are built once in [`Redactor::new`] and searched in one
//! pass with Aho-Corasick (a second pass over the percent-decoded view only
//! when the text holds a `%XX` escape).
//!
//! `user:secret` needs no user: the secret's own base64 characters are the
//! same whoever the user is, only their alignment changes, and every
//! alignment is searched. The user's part stays readable.
//!
//! Not covered: base64 broken over lines (MIME), other encodings (base32,
//! HTML entities, `\uXXXX` escapes of ASCII), and encodings nested deeper
//! than base64-of-base64 or percent-encoded base64.

use aho_corasick::{AhoCorasick, Input, MatchKind};
use std::ops::Range;

mod serialize;
#[cfg(test)]
mod serialize_tests;

pub use serialize::{Redacted, generated, settled_keys};

/// What a secret is replaced with.
pub const MASK: &str = "[redacted]";

/// What marks a text cut short (`check::excerpt`).
const ELLIPSIS: &str = "…";

/// The shortest encoded form (base64 core, hex) that is searched. Six
/// base64 characters are 36 bits of the secret: a chance match in ordinary
/// text is about one in 7·10¹⁰ positions. Secrets of 5 bytes or more have
/// every base64 alignment covered; hex covers secrets of 3 bytes or more.
pub const MIN_ENCODED_LEN: usize = 6;

/// Replaces every occurrence of a secret value, and of its common
/// encodings, with [`MASK`].
#[derive(Debug, Clone)]
pub struct Redactor {
    /// One automaton over every pattern; `None` when there is no secret.
    matcher: Option<AhoCorasick>,
    /// For each pattern (by index), the neighbours that may be masked too.
    edges: Vec<Edges>,
    /// The patterns themselves, for secrets cut short by an excerpt.
    patterns: Vec<Vec<u8>>,
}

impl Default for Redactor {
    fn default() -> Self {
        Redactor::new(Vec::new())
    }
}

/// A base64 character next to a match that carries some bits of the
/// secret: it is masked when `value & mask == bits`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Partial {
    mask: u8,
    bits: u8,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Edges {
    before: Option<Partial>,
    after: Option<Partial>,
}

const STD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Base64 without padding, the last partial group filled with zero bits.
fn base64(bytes: &[u8], alphabet: &[u8; 64]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let chars = chunk.len() + 1;
        for i in 0..chars {
            out.push(alphabet[((n >> (18 - 6 * i)) & 63) as usize]);
        }
    }
    out
}

/// The six-bit value of a base64 character in either alphabet.
fn sextet(c: u8) -> Option<u8> {
    match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' | b'-' => Some(62),
        b'/' | b'_' => Some(63),
        _ => None,
    }
}

/// The base64 characters wholly determined by `secret` when it starts
/// `offset` bytes into a base64-encoded text, with its partial neighbours.
fn base64_core(secret: &[u8], offset: usize, alphabet: &[u8; 64]) -> (Vec<u8>, Edges) {
    let mut bytes = vec![0u8; offset];
    bytes.extend_from_slice(secret);
    let enc = base64(&bytes, alphabet);
    let first_bit = 8 * offset;
    let end_bit = 8 * bytes.len();
    let start = first_bit.div_ceil(6);
    let end = end_bit / 6;
    if start >= end {
        return (Vec::new(), Edges::default());
    }
    let mut edges = Edges::default();
    if !first_bit.is_multiple_of(6) {
        // The character before carries the secret's first bits in its low bits.
        let own = 6 * start - first_bit;
        let mask = (1u8 << own) - 1;
        edges.before = sextet(enc[start - 1]).map(|v| Partial {
            mask,
            bits: v & mask,
        });
    }
    if !end_bit.is_multiple_of(6) {
        // The character after carries the secret's last bits in its high bits.
        let own = end_bit - 6 * end;
        let mask = ((1u8 << own) - 1) << (6 - own);
        edges.after = enc.get(end).and_then(|&c| sextet(c)).map(|v| Partial {
            mask,
            bits: v & mask,
        });
    }
    (enc[start..end].to_vec(), edges)
}

fn hex(bytes: &[u8], upper: bool) -> Vec<u8> {
    let digits: &[u8; 16] = if upper {
        b"0123456789ABCDEF"
    } else {
        b"0123456789abcdef"
    };
    bytes
        .iter()
        .flat_map(|b| [digits[usize::from(b >> 4)], digits[usize::from(b & 15)]])
        .collect()
}

/// Collects patterns, each once, with the union of their edges.
#[derive(Default)]
struct Patterns {
    list: Vec<(Vec<u8>, Edges)>,
}

impl Patterns {
    fn add(&mut self, pattern: Vec<u8>, edges: Edges) {
        if pattern.is_empty() {
            return;
        }
        if let Some(existing) = self.list.iter_mut().find(|(p, _)| *p == pattern) {
            // Same core from two alphabets or alignments: only keep an edge
            // both agree on, so nothing is masked on a guess.
            if existing.1 != edges {
                existing.1 = Edges::default();
            }
            return;
        }
        self.list.push((pattern, edges));
    }

    fn add_encoded(&mut self, pattern: Vec<u8>, edges: Edges) {
        if pattern.len() >= MIN_ENCODED_LEN {
            self.add(pattern, edges);
        }
    }

    /// The base64 cores of `bytes` at every alignment, in both alphabets;
    /// returns the cores added.
    fn add_base64(&mut self, bytes: &[u8]) -> Vec<Vec<u8>> {
        let mut added = Vec::new();
        for alphabet in [STD, URL] {
            for offset in 0..3 {
                let (core, edges) = base64_core(bytes, offset, alphabet);
                if core.len() >= MIN_ENCODED_LEN {
                    added.push(core.clone());
                    self.add(core, edges);
                }
            }
        }
        added
    }
}

impl Redactor {
    /// Builds the matcher for these secret values; empty values are ignored.
    pub fn new(secrets: Vec<String>) -> Self {
        let mut pats = Patterns::default();
        for s in secrets.iter().filter(|s| !s.is_empty()) {
            let raw = s.as_bytes();
            pats.add(raw.to_vec(), Edges::default());
            if s.contains(' ') {
                // Form-encoded: a space is a `+` (the rest is found in the
                // percent-decoded view).
                pats.add(s.replace(' ', "+").into_bytes(), Edges::default());
            }
            if let Ok(json) = serde_json::to_string(s) {
                let inner = &json.as_bytes()[1..json.len() - 1];
                pats.add(inner.to_vec(), Edges::default());
            }
            pats.add_encoded(hex(raw, false), Edges::default());
            pats.add_encoded(hex(raw, true), Edges::default());
            for core in pats.add_base64(raw) {
                // The base64 of a text that holds this core, e.g. of a
                // whole `Basic …` header value.
                pats.add_base64(&core);
            }
        }
        if pats.list.is_empty() {
            return Redactor {
                matcher: None,
                edges: Vec::new(),
                patterns: Vec::new(),
            };
        }
        let (patterns, edges): (Vec<_>, Vec<_>) = pats.list.into_iter().unzip();
        // Patterns are plain byte strings, a few dozen per secret: building
        // cannot fail short of an absurd number of secrets, in which case
        // every text is masked whole (see `redact`) rather than leaked.
        // Leftmost-longest lets the search skip ahead with a prefilter;
        // overlaps are found by restarting after each match's start.
        let matcher = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&patterns)
            .ok();
        Redactor {
            matcher,
            edges,
            patterns,
        }
    }

    /// The byte ranges of `hay` that hold a secret in some form.
    fn ranges(&self, matcher: &AhoCorasick, hay: &[u8], out: &mut Vec<Range<usize>>) {
        let mut from = 0;
        while from < hay.len() {
            let Some(m) = matcher.find(Input::new(hay).span(from..hay.len())) else {
                break;
            };
            // The next search starts one byte in, so a match that begins
            // inside this one and ends past it is found too.
            from = m.start() + 1;
            let mut start = m.start();
            let mut end = m.end();
            let edges = self.edges[m.pattern().as_usize()];
            let agrees =
                |p: Option<Partial>, at: Option<&u8>| match (p, at.and_then(|&c| sextet(c))) {
                    (Some(p), Some(v)) => v & p.mask == p.bits,
                    _ => false,
                };
            if start > 0 && agrees(edges.before, hay.get(start - 1)) {
                start -= 1;
            }
            if agrees(edges.after, hay.get(end)) {
                end += 1;
            }
            out.push(start..end);
        }
    }

    /// Secrets cut short by an excerpt (`…` right after them): the longest
    /// beginning of a pattern, of [`MIN_ENCODED_LEN`] bytes or more, that
    /// ends at the cut.
    fn cut_ranges(&self, text: &str, out: &mut Vec<Range<usize>>) {
        let hay = text.as_bytes();
        for (cut, _) in text.match_indices(ELLIPSIS) {
            let longest = self
                .patterns
                .iter()
                .filter_map(|p| {
                    (MIN_ENCODED_LEN..p.len().min(cut + 1))
                        .rev()
                        .find(|&len| hay[cut - len..cut] == p[..len])
                })
                .max();
            if let Some(len) = longest {
                out.push(cut - len..cut);
            }
        }
    }

    /// How many patterns, and which automaton (for the bench).
    #[doc(hidden)]
    pub fn describe(&self) -> String {
        format!(
            "{} patterns, {:?}",
            self.patterns.len(),
            self.matcher.as_ref().map(|m| m.kind())
        )
    }

    /// Masks every secret in `text`.
    pub fn redact(&self, text: &str) -> String {
        let Some(matcher) = &self.matcher else {
            // No secret, or (never in practice) no matcher could be built:
            // then nothing is shown rather than a secret.
            return if self.patterns.is_empty() || text.is_empty() {
                text.to_string()
            } else {
                MASK.to_string()
            };
        };
        let mut ranges = Vec::new();
        self.ranges(matcher, text.as_bytes(), &mut ranges);
        if text.contains(ELLIPSIS) {
            self.cut_ranges(text, &mut ranges);
        }
        if let Some(view) = PercentDecoded::new(text.as_bytes()) {
            let mut found = Vec::new();
            self.ranges(matcher, &view.bytes, &mut found);
            ranges.extend(
                found
                    .into_iter()
                    .map(|r| view.origin(r.start)..view.origin(r.end)),
            );
        }
        if text.contains(MASK) {
            // Masking twice changes nothing: a secret that is part of the
            // mask (`e`, `act`) is not searched inside an earlier mask.
            let masks: Vec<Range<usize>> = text
                .match_indices(MASK)
                .map(|(at, m)| at..at + m.len())
                .collect();
            ranges.retain(|r| !masks.iter().any(|m| m.start <= r.start && r.end <= m.end));
        }
        if ranges.is_empty() {
            return text.to_string();
        }
        // Never split a character: a match always lies on boundaries, this
        // only guards ranges mapped back from the percent-decoded view.
        for r in &mut ranges {
            while !text.is_char_boundary(r.start) {
                r.start -= 1;
            }
            while !text.is_char_boundary(r.end) {
                r.end += 1;
            }
        }
        ranges.sort_by_key(|r| r.start);
        let mut merged: Vec<Range<usize>> = Vec::with_capacity(ranges.len());
        for r in ranges {
            match merged.last_mut() {
                Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
                _ => merged.push(r),
            }
        }
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for r in merged {
            out.push_str(&text[at..r.start]);
            out.push_str(MASK);
            at = r.end;
        }
        out.push_str(&text[at..]);
        out
    }

    /// Whether there is no secret to mask.
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// `value` as JSON with every data string redacted and the names of
    /// its types (field names, variant names, tags) kept: the way to
    /// redact our own structures. See [`Redacted`].
    pub fn to_value<T: serde::Serialize + ?Sized>(
        &self,
        value: &T,
    ) -> serde_json::Result<serde_json::Value> {
        serde_json::to_value(Redacted::new(self, value))
    }

    /// Redacts every string inside a JSON value, keys included: for JSON
    /// that is user data as a whole (a captured body, an expected body).
    /// A value made from our own structures goes through [`Self::to_value`]
    /// instead, or their field names would be rewritten by a secret that
    /// happens to be part of one (`x` in `"expect"`).
    pub fn redact_json(&self, value: &mut serde_json::Value) {
        if self.patterns.is_empty() {
            return;
        }
        match value {
            serde_json::Value::String(s) => *s = self.redact(s),
            serde_json::Value::Array(a) => a.iter_mut().for_each(|v| self.redact_json(v)),
            serde_json::Value::Object(o) => {
                let entries: Vec<_> = std::mem::take(o).into_iter().collect();
                for (k, mut v) in entries {
                    self.redact_json(&mut v);
                    o.insert(self.redact(&k), v);
                }
            }
            _ => {}
        }
    }

    /// `value` with its string values redacted and its keys kept: for a
    /// value whose keys were settled when it was made (see
    /// [`settled_keys`]).
    pub(crate) fn redacted_json_values(&self, mut value: serde_json::Value) -> serde_json::Value {
        fn walk(r: &Redactor, v: &mut serde_json::Value) {
            match v {
                serde_json::Value::String(s) => *s = r.redact(s),
                serde_json::Value::Array(a) => a.iter_mut().for_each(|v| walk(r, v)),
                serde_json::Value::Object(o) => o.values_mut().for_each(|v| walk(r, v)),
                _ => {}
            }
        }
        walk(self, &mut value);
        value
    }
}

/// Secrets shorter than this are masked wherever they occur, which may
/// hide ordinary text: [`short_secret_warnings`] says so.
pub const SHORT_SECRET: usize = 4;

/// One warning per secret shorter than [`SHORT_SECRET`] characters, naming
/// it by `name` (never by value): every occurrence of it is masked, in
/// ordinary text too.
pub fn short_secret_warnings<'a>(
    secrets: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Vec<String> {
    let mut seen = std::collections::BTreeSet::new();
    secrets
        .into_iter()
        .filter(|(_, value)| !value.is_empty() && value.chars().count() < SHORT_SECRET)
        .filter(|(name, _)| seen.insert(name.to_string()))
        .map(|(name, value)| {
            let n = value.chars().count();
            let chars = if n == 1 { "character" } else { "characters" };
            format!(
                "the secret {name} is {n} {chars} long: every occurrence of it in evidence is masked, which may hide ordinary text"
            )
        })
        .collect()
}

/// Text with its `%XX` escapes (either case) decoded, and where they were.
struct PercentDecoded {
    bytes: Vec<u8>,
    /// Decoded indices of the bytes that were escapes, ascending.
    escapes: Vec<usize>,
}

impl PercentDecoded {
    /// `None` when `text` holds no escape (the view would be the text).
    fn new(text: &[u8]) -> Option<Self> {
        let nibble = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
        let mut bytes = Vec::new();
        let mut escapes = Vec::new();
        let mut i = 0;
        while let Some(at) = text[i..].iter().position(|&b| b == b'%').map(|p| i + p) {
            let escaped = match (text.get(at + 1), text.get(at + 2)) {
                (Some(&h), Some(&l)) => nibble(h).zip(nibble(l)).map(|(h, l)| (h << 4) | l),
                _ => None,
            };
            bytes.extend_from_slice(&text[i..at]);
            match escaped {
                Some(b) => {
                    escapes.push(bytes.len());
                    bytes.push(b);
                    i = at + 3;
                }
                None => {
                    bytes.push(b'%');
                    i = at + 1;
                }
            }
        }
        if escapes.is_empty() {
            return None;
        }
        bytes.extend_from_slice(&text[i..]);
        Some(PercentDecoded { bytes, escapes })
    }

    /// Where decoded index `i` (a start, or an exclusive end) is in the text.
    fn origin(&self, i: usize) -> usize {
        i + 2 * self.escapes.partition_point(|&e| e < i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(s: &[u8]) -> String {
        let mut e = String::from_utf8(base64(s, STD)).unwrap();
        while !e.len().is_multiple_of(4) {
            e.push('=');
        }
        e
    }

    fn b64url(s: &[u8]) -> String {
        String::from_utf8(base64(s, URL)).unwrap()
    }

    #[test]
    fn masks_all_occurrences_longest_first() {
        let r = Redactor::new(vec!["abc".into(), "abcdef".into(), String::new()]);
        assert_eq!(r.redact("x abcdef y abc"), "x [redacted] y [redacted]");
        let mut v = serde_json::json!({"abc": ["abc", 1, {"k": "zabcz"}]});
        r.redact_json(&mut v);
        assert_eq!(
            v,
            serde_json::json!({"[redacted]": ["[redacted]", 1, {"k": "z[redacted]z"}]})
        );
    }

    #[test]
    fn masking_twice_changes_nothing() {
        for secret in ["e", "d", "[", "]", "act", "redacted", "[redacted]", "x"] {
            let r = Redactor::new(vec![secret.into()]);
            for text in ["lead red [redacted] ]x[ re-dacted", "", "e", "[redacted]"] {
                let once = r.redact(text);
                assert_eq!(r.redact(&once), once, "secret {secret:?} in {text:?}");
            }
        }
        let r = Redactor::new(vec!["e".into()]);
        assert_eq!(r.redact("lead"), "l[redacted]ad");
    }

    #[test]
    fn base64_encoder_matches_known_vectors() {
        assert_eq!(b64(b"user:secret"), "dXNlcjpzZWNyZXQ=");
        assert_eq!(b64(b"f"), "Zg==");
        assert_eq!(b64(b"fo"), "Zm8=");
        assert_eq!(b64(b"foo"), "Zm9v");
        assert_eq!(b64url(&[0xfb, 0xff]), "-_8");
    }

    const SECRET: &str = "s3cr3t-T0ken/with+bits?";

    fn assert_hidden(r: &Redactor, text: &str) {
        let out = r.redact(text);
        assert!(out.contains(MASK), "nothing masked in {text:?}: {out:?}");
        // No four consecutive characters of the secret's determined
        // encodings survive.
        for (pat, _) in {
            let mut p = Patterns::default();
            p.add_base64(SECRET.as_bytes());
            p.list
        } {
            let p = String::from_utf8(pat).unwrap();
            assert!(!out.contains(&p), "{p} left in {out:?}");
        }
        assert!(!out.contains(SECRET), "{out:?}");
    }

    #[test]
    fn base64_at_every_alignment_and_inside_longer_text() {
        let r = Redactor::new(vec![SECRET.into()]);
        for prefix in ["", "a", "ab", "abc", "user:", "admin:", "x-y-z:"] {
            for suffix in ["", "!", "!?", "tail-data"] {
                let plain = format!("{prefix}{SECRET}{suffix}");
                for enc in [b64(plain.as_bytes()), b64url(plain.as_bytes())] {
                    assert_hidden(&r, &format!("Authorization: Basic {enc}"));
                    assert_hidden(&r, &format!("{{\"echo\":\"{enc}\"}}"));
                }
            }
        }
    }

    #[test]
    fn base64_of_user_colon_secret_masks_all_secret_bits() {
        let r = Redactor::new(vec!["hunter22".into()]);
        // base64("alice:hunter22") = YWxpY2U6aHVudGVyMjI=
        assert_eq!(b64(b"alice:hunter22"), "YWxpY2U6aHVudGVyMjI=");
        let out = r.redact("Basic YWxpY2U6aHVudGVyMjI=");
        // "YWxpY2U6" is alice: (not secret); the rest carries the secret.
        assert_eq!(out, "Basic YWxpY2U6[redacted]=");
    }

    #[test]
    fn base64_twice_as_of_a_basic_header() {
        let r = Redactor::new(vec![SECRET.into()]);
        let header = format!("Basic {}", b64(format!("bob:{SECRET}").as_bytes()));
        let twice = b64(header.as_bytes());
        let out = r.redact(&format!("auth-b64={twice}"));
        assert!(out.contains(MASK), "{out}");
        // The header's leading "Basic bob" part stays readable, the rest goes.
        assert!(out.len() < twice.len(), "{out}");
    }

    #[test]
    fn percent_encoding_in_every_spelling() {
        let secret = "p@ss w/rd:&=é";
        let r = Redactor::new(vec![secret.into()]);
        for text in [
            "q=p%40ss%20w%2Frd%3A%26%3D%C3%A9&x=1",
            "q=p%40ss%20w%2frd%3a%26%3d%c3%a9&x=1",
            "q=p%40ss+w%2Frd%3A%26%3D%C3%A9&x=1",
            "q=p%40ss w/rd%3A%26%3Dé&x=1",
            "q=%70%40%73%73%20w/rd:&=é&x=1",
        ] {
            let out = r.redact(text);
            assert!(out.starts_with("q=[redacted]"), "{text} -> {out}");
            assert!(out.ends_with("&x=1"), "{text} -> {out}");
        }
        assert_eq!(r.redact("p@ss+w/rd:&=é"), MASK);
    }

    #[test]
    fn a_secret_cut_by_an_excerpt_is_masked() {
        let r = Redactor::new(vec!["hunter2-is-long".into()]);
        assert_eq!(r.redact("pw=hunter2-i…"), "pw=[redacted]…");
        assert_eq!(r.redact("\"pw=hunter2-i…\""), "\"pw=[redacted]…\"");
        // Too short a beginning to tell from ordinary text.
        assert_eq!(r.redact("the hunt…"), "the hunt…");
        assert_eq!(r.redact("…hunter2…"), "…[redacted]…");
    }

    #[test]
    fn hex_lower_and_upper() {
        let r = Redactor::new(vec!["Tok3n!".into()]);
        assert_eq!(r.redact("x=546f6b336e21;"), "x=[redacted];");
        assert_eq!(r.redact("x=546F6B336E21;"), "x=[redacted];");
    }

    #[test]
    fn json_escaped_form() {
        let r = Redactor::new(vec!["a\"b\\c-long".into()]);
        assert_eq!(r.redact(r#"{"t":"a\"b\\c-long"}"#), r#"{"t":"[redacted]"}"#);
    }

    #[test]
    fn short_secrets_mask_only_as_written() {
        // "ab" has no encoded form of 6 characters or more.
        let r = Redactor::new(vec!["ab".into()]);
        assert_eq!(r.redact("YWI= 6162 ab"), "YWI= 6162 [redacted]");
    }

    #[test]
    fn ordinary_text_is_not_damaged() {
        let r = Redactor::new(vec![
            SECRET.into(),
            "hunter22".into(),
            "correct horse battery staple".into(),
            "0123456789abcdef".into(),
        ]);
        let text = "GET http://127.0.0.1:18081/health → 200 in 3 ms\n\
            {\"status\":\"ok\",\"version\":\"1.4.2\",\"token\":\"dXNlcjpwYXNz\",\"id\":\"3fa85f64-5717-4562-b3fc-2c963f66afa6\"}\n\
            The quick brown fox jumps over the lazy dog; 100% done, 50%+ left, a%20b.\n\
            SGVsbG8gd29ybGQ= 48656c6c6f20776f726c64 ZXhhbXBsZS5jb20 √ ünïcödé ✓";
        assert_eq!(r.redact(text), text);
        assert_eq!(Redactor::default().redact(text), text);
    }

    #[test]
    fn adjacent_and_overlapping_matches_merge_into_one_mask() {
        let r = Redactor::new(vec!["secret-one".into(), "one-two-three".into()]);
        assert_eq!(r.redact("[secret-one-two-three]"), "[[redacted]]");
        assert_eq!(r.redact("secret-onesecret-one"), "[redacted]");
    }

    #[test]
    fn never_splits_a_character() {
        let r = Redactor::new(vec!["é-secret".into()]);
        for text in ["%C3%A9-secret", "%C3é-secret", "é%2Dsecret", "xé-secretx"] {
            let out = r.redact(text);
            assert!(out.contains(MASK), "{text} -> {out}");
        }
    }

    proptest::proptest! {
        #[test]
        fn any_text_any_secret_never_panics(secret in "\\PC{0,12}", text in "\\PC{0,64}") {
            let r = Redactor::new(vec![secret.clone()]);
            let out = r.redact(&text);
            // Whatever is left of the text is kept in order.
            proptest::prop_assert!(out.len() <= text.len() + MASK.len() * text.len().max(1));
        }

        #[test]
        fn escapes_cuts_and_multibyte_never_panic(
            secret in "[a-f%0-9 é…+]{1,10}",
            text in "[a-f%0-9A-F é…+]{0,80}",
        ) {
            let r = Redactor::new(vec![secret.clone()]);
            let out = r.redact(&text);
            if secret.len() >= MIN_ENCODED_LEN && !MASK.contains(&secret) {
                proptest::prop_assert!(!out.contains(&secret), "{:?} -> {:?}", text, out);
            }
        }

        #[test]
        fn embedded_base64_is_always_masked(
            secret in "[ -~]{5,24}",
            prefix in proptest::collection::vec(proptest::num::u8::ANY, 0..7),
            suffix in proptest::collection::vec(proptest::num::u8::ANY, 0..7),
        ) {
            let r = Redactor::new(vec![secret.clone()]);
            let mut bytes = prefix.clone();
            bytes.extend_from_slice(secret.as_bytes());
            bytes.extend_from_slice(&suffix);
            let enc = String::from_utf8(base64(&bytes, STD)).unwrap();
            let out = r.redact(&enc);
            // Every character wholly determined by the secret is gone.
            let (core, _) = base64_core(secret.as_bytes(), prefix.len() % 3, STD);
            let core = String::from_utf8(core).unwrap();
            proptest::prop_assert!(!out.contains(&core), "{} -> {}", enc, out);
            proptest::prop_assert!(out.contains(MASK));
        }
    }
}
