//! Turning a checklist's bytes into text without losing track of where each
//! character came from, and repairing mojibake for display.
//!
//! Three situations are handled:
//! - UTF-8, with or without a byte-order mark: the text is the bytes (minus
//!   the BOM), so an offset in the text plus the BOM length is an offset in
//!   the file.
//! - Bytes that are not valid UTF-8: decoded as Windows-1252 (the usual
//!   culprit for files saved by Windows editors). One source byte becomes one
//!   character, and an offset table maps text offsets back to file offsets.
//! - UTF-8 text that was once mis-decoded as Windows-1252 or MacRoman and
//!   saved again (`âœ…` for `✅`, `üöÄ` for `🚀`): the file is valid UTF-8,
//!   so it is read as is, and [`repair_mojibake`] gives the repaired text for
//!   display. The file itself is never changed unless a user asks for it.

use encoding_rs::{Encoding, MACINTOSH, WINDOWS_1252};
use serde::Serialize;
use std::borrow::Cow;

/// How the source bytes were decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceEncoding {
    Utf8,
    Windows1252,
}

/// Which legacy encoding the document's mojibake was undone with, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mojibake {
    Windows1252,
    MacRoman,
}

impl Mojibake {
    fn encoding(self) -> &'static Encoding {
        match self {
            Mojibake::Windows1252 => WINDOWS_1252,
            Mojibake::MacRoman => MACINTOSH,
        }
    }
}

/// Text decoded from a file, with the map back to the file's bytes.
#[derive(Debug, Clone)]
pub struct Decoded {
    /// The text the Markdown parser reads (BOM removed).
    pub text: String,
    pub encoding: SourceEncoding,
    /// Whether the file starts with a UTF-8 byte-order mark.
    pub bom: bool,
    /// For non-UTF-8 input: `map[i]` is the file offset of text offset `i`
    /// (length `text.len() + 1`). `None` when offsets differ only by the BOM.
    map: Option<Vec<u32>>,
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

impl Decoded {
    /// File offset of a text offset.
    pub fn source_offset(&self, text_offset: usize) -> usize {
        match &self.map {
            Some(map) => map[text_offset.min(map.len() - 1)] as usize,
            None => text_offset + if self.bom { BOM.len() } else { 0 },
        }
    }
}

/// Decodes a checklist's bytes. Never fails: bytes that are not UTF-8 are read
/// as Windows-1252, which maps every byte to a character.
pub fn decode(bytes: &[u8]) -> Decoded {
    let bom = bytes.starts_with(BOM);
    let body = if bom { &bytes[BOM.len()..] } else { bytes };
    match std::str::from_utf8(body) {
        Ok(text) => Decoded {
            text: text.to_owned(),
            encoding: SourceEncoding::Utf8,
            bom,
            map: None,
        },
        Err(_) => {
            let (text, _) = WINDOWS_1252.decode_without_bom_handling(bytes);
            let text = text.into_owned();
            let mut map = Vec::with_capacity(text.len() + 1);
            for (source, ch) in text.chars().enumerate() {
                for _ in 0..ch.len_utf8() {
                    map.push(source as u32);
                }
            }
            map.push(bytes.len() as u32);
            Decoded {
                text,
                encoding: SourceEncoding::Windows1252,
                bom: false,
                map: Some(map),
            }
        }
    }
}

/// Picks the legacy encoding that repairs the most runs of the text, if any
/// run is repairable at all.
pub fn detect_mojibake(text: &str) -> Option<Mojibake> {
    let (mut w, mut m) = (0usize, 0usize);
    for run in non_ascii_runs(text) {
        w += usize::from(repair_run(run, Mojibake::Windows1252.encoding()).is_some());
        m += usize::from(repair_run(run, Mojibake::MacRoman.encoding()).is_some());
    }
    match (w, m) {
        (0, 0) => None,
        (w, m) if w >= m => Some(Mojibake::Windows1252),
        _ => Some(Mojibake::MacRoman),
    }
}

/// Undoes mojibake of the given kind: each run of non-ASCII characters that,
/// encoded back to the legacy encoding, forms valid UTF-8 is replaced by that
/// UTF-8. Runs that do not round-trip (real `café`, real `✅`) stay as they are.
pub fn repair_mojibake(text: &str, kind: Mojibake) -> Cow<'_, str> {
    repair_counting(text, kind).0
}

/// [`repair_mojibake`], also counting the runs it replaced.
pub fn repair_counting(text: &str, kind: Mojibake) -> (Cow<'_, str>, usize) {
    let encoding = kind.encoding();
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut count = 0;
    for run in non_ascii_runs(text) {
        if let Some(fixed) = repair_run(run, encoding) {
            count += 1;
            let start = run.as_ptr() as usize - text.as_ptr() as usize;
            let buf = out.get_or_insert_with(|| String::with_capacity(text.len()));
            buf.push_str(&text[copied..start]);
            buf.push_str(&fixed);
            copied = start + run.len();
        }
    }
    match out {
        None => (Cow::Borrowed(text), 0),
        Some(mut buf) => {
            buf.push_str(&text[copied..]);
            (Cow::Owned(buf), count)
        }
    }
}

/// A whole file, re-encoded as UTF-8 with its mojibake undone.
#[derive(Debug, Clone)]
pub struct Repaired {
    pub text: String,
    pub from: SourceEncoding,
    pub bom: bool,
    pub mojibake: Option<Mojibake>,
    /// Runs of characters that were replaced.
    pub runs: usize,
    /// Of those, runs that could only become U+FFFD (a byte was lost).
    pub lost: usize,
}

/// Decodes a file and undoes its mojibake, for `greenlight fix-encoding`.
/// A BOM is kept if the file had one; line endings are kept as they are.
pub fn repair_document(bytes: &[u8]) -> Repaired {
    let decoded = decode(bytes);
    let mojibake = detect_mojibake(&decoded.text);
    let before = decoded.text.matches('\u{FFFD}').count();
    let (text, runs) = match mojibake {
        Some(kind) => {
            let (t, n) = repair_counting(&decoded.text, kind);
            (t.into_owned(), n)
        }
        None => (decoded.text.clone(), 0),
    };
    let lost = text.matches('\u{FFFD}').count() - before;
    let text = if decoded.bom {
        format!("\u{FEFF}{text}")
    } else {
        text
    };
    Repaired {
        text,
        from: decoded.encoding,
        bom: decoded.bom,
        mojibake,
        runs,
        lost,
    }
}

fn repair_run(run: &str, encoding: &'static Encoding) -> Option<String> {
    let (bytes, _, had_unmappable) = encoding.encode(run);
    if had_unmappable {
        return None;
    }
    match std::str::from_utf8(&bytes) {
        Ok(fixed) => (fixed != run).then(|| fixed.to_string()),
        Err(e) => {
            // A byte that the legacy encoding leaves undefined (0x81, 0x8D,
            // 0x8F, 0x90, 0x9D in Windows-1252) is often dropped by the
            // tool that made the mojibake: `ðŸ”` is 🔍 without its last
            // byte. Which character it was cannot be known, so such a run
            // becomes U+FFFD, but only when at least two bytes of a
            // multi-byte sequence survive, so that a lone `é` is never
            // taken for a broken sequence.
            let tail = &bytes[e.valid_up_to()..];
            if e.error_len().is_none() && tail.len() >= 2 {
                let prefix = std::str::from_utf8(&bytes[..e.valid_up_to()]).ok()?;
                Some(format!("{prefix}\u{FFFD}"))
            } else {
                None
            }
        }
    }
}

/// Maximal runs of non-ASCII characters. Mojibake of a multi-byte UTF-8
/// sequence is always such a run: every byte ≥ 0x80 decodes to a non-ASCII
/// character in both Windows-1252 and MacRoman.
fn non_ascii_runs(text: &str) -> impl Iterator<Item = &str> {
    let bytes = text.as_bytes();
    let mut i = 0;
    std::iter::from_fn(move || {
        // Whole ASCII blocks at a time (`is_ascii` on a slice is word-wise).
        while i + 32 <= bytes.len() && bytes[i..i + 32].is_ascii() {
            i += 32;
        }
        while i < bytes.len() && bytes[i].is_ascii() {
            i += 1;
        }
        if i >= bytes.len() {
            return None;
        }
        let start = i;
        while i < bytes.len() && !bytes[i].is_ascii() {
            i += 1;
        }
        Some(&text[start..i])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mangle(s: &str, enc: &'static Encoding) -> String {
        enc.decode_without_bom_handling(s.as_bytes()).0.into_owned()
    }

    #[test]
    fn repairs_windows_1252_mojibake() {
        let original = "# ✅ NOX API v8.0.0 — Staging 🎯 naïve café";
        let broken = mangle(original, WINDOWS_1252);
        assert!(broken.contains("âœ…"));
        assert_eq!(detect_mojibake(&broken), Some(Mojibake::Windows1252));
        assert_eq!(repair_mojibake(&broken, Mojibake::Windows1252), original);
    }

    #[test]
    fn repairs_macroman_mojibake() {
        let original = "# 🚀 NOX API v8.0.0 — Ops Release Day";
        let broken = mangle(original, MACINTOSH);
        assert!(broken.contains("üöÄ"));
        assert_eq!(detect_mojibake(&broken), Some(Mojibake::MacRoman));
        assert_eq!(repair_mojibake(&broken, Mojibake::MacRoman), original);
    }

    #[test]
    fn a_dropped_undefined_byte_becomes_a_replacement_character() {
        // 🔍 is F0 9F 94 8D; 0x8D has no Windows-1252 character and was lost.
        let broken = "## ðŸ” PRE-DEPLOYMENT";
        assert_eq!(
            repair_mojibake(broken, Mojibake::Windows1252),
            "## \u{FFFD} PRE-DEPLOYMENT"
        );
        // A real accented letter is never taken for a broken sequence.
        assert_eq!(repair_mojibake("café", Mojibake::Windows1252), "café");
    }

    #[test]
    fn leaves_correct_text_alone() {
        let text = "café ✅ — 🚀 plain";
        assert_eq!(detect_mojibake(text), None);
        assert!(matches!(
            repair_mojibake(text, Mojibake::Windows1252),
            Cow::Borrowed(_)
        ));
        assert!(matches!(
            repair_mojibake(text, Mojibake::MacRoman),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn decodes_bom_and_maps_offsets() {
        let d = decode(b"\xEF\xBB\xBF# Title\n- [ ] x\n");
        assert!(d.bom);
        assert_eq!(d.text, "# Title\n- [ ] x\n");
        assert_eq!(d.source_offset(0), 3);
    }

    #[test]
    fn decodes_windows_1252_bytes_and_maps_offsets() {
        // "caf\xE9 - [ ]" : é is one byte in the file, two in the text.
        let bytes = b"caf\xE9\n- [ ] x\n";
        let d = decode(bytes);
        assert_eq!(d.encoding, SourceEncoding::Windows1252);
        assert_eq!(d.text, "café\n- [ ] x\n");
        let text_pos = d.text.find('[').unwrap();
        let file_pos = d.source_offset(text_pos);
        assert_eq!(bytes[file_pos], b'[');
        assert_eq!(d.source_offset(d.text.len()), bytes.len());
    }

    proptest::proptest! {
        #[test]
        fn repair_round_trips_any_text(s in "\\PC{0,40}") {
            for kind in [Mojibake::Windows1252, Mojibake::MacRoman] {
                let broken = mangle(&s, kind.encoding());
                let repaired = repair_mojibake(&broken, kind);
                proptest::prop_assert_eq!(repaired.as_ref(), s.as_str());
            }
        }
    }
}
