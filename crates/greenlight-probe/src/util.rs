//! Small helpers shared by the probes.

use std::time::Duration;

/// Renders a duration for a person: `"300ms"` below a second, `"2.0s"` from a second on.
pub(crate) fn human_duration(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{}ms", d.as_millis())
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}

/// `start + timeout`, or about 30 years from `start` when that would overflow (so a huge
/// timeout means "no practical limit" instead of a panic).
pub(crate) fn deadline(start: tokio::time::Instant, timeout: Duration) -> tokio::time::Instant {
    start
        .checked_add(timeout)
        .unwrap_or_else(|| start + Duration::from_secs(30 * 365 * 86_400))
}

/// Serde helpers that write a [`Duration`] as a floating-point number of milliseconds.
pub(crate) mod ms {
    use serde::Serializer;
    use std::time::Duration;

    /// Serializes `d` as milliseconds (`f64`, microsecond precision).
    pub(crate) fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(d.as_micros() as f64 / 1000.0)
    }
}

/// Serializes a byte buffer as (lossy) UTF-8 text, which is what a JSON report wants to show.
pub(crate) fn serialize_lossy<S: serde::Serializer>(b: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&String::from_utf8_lossy(b))
}

/// Cuts `buf` to at most `max` bytes without leaving a partial UTF-8 sequence at the end
/// (when the cut falls inside one); returns whether anything was cut.
pub(crate) fn truncate_utf8_aware(buf: &mut Vec<u8>, max: usize) -> bool {
    if buf.len() <= max {
        return false;
    }
    buf.truncate(max);
    if let Err(e) = std::str::from_utf8(buf)
        && e.error_len().is_none()
    {
        // The tail is an incomplete multi-byte sequence produced by our cut: drop it.
        let valid = e.valid_up_to();
        buf.truncate(valid);
    }
    true
}

/// Walks an error's `source()` chain, the error itself first.
pub(crate) fn chain<'a>(
    e: &'a (dyn std::error::Error + 'static),
) -> impl Iterator<Item = &'a (dyn std::error::Error + 'static)> {
    std::iter::successors(Some(e), |e| e.source())
}

/// The first `std::io::Error` in an error's source chain, if any.
pub(crate) fn find_io_error<'a>(
    e: &'a (dyn std::error::Error + 'static),
) -> Option<&'a std::io::Error> {
    chain(e).find_map(|e| e.downcast_ref::<std::io::Error>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_durations() {
        assert_eq!(human_duration(Duration::from_millis(300)), "300ms");
        assert_eq!(human_duration(Duration::from_secs(2)), "2.0s");
        assert_eq!(human_duration(Duration::from_millis(1250)), "1.2s");
        assert_eq!(human_duration(Duration::ZERO), "0ms");
    }

    #[test]
    fn deadline_never_overflows() {
        let now = tokio::time::Instant::now();
        assert_eq!(
            deadline(now, Duration::from_secs(2)),
            now + Duration::from_secs(2)
        );
        assert!(deadline(now, Duration::MAX) > now + Duration::from_secs(365 * 86_400));
    }

    #[test]
    fn truncation_keeps_utf8_whole() {
        let mut b = "aé".as_bytes().to_vec(); // 'é' is two bytes
        assert!(truncate_utf8_aware(&mut b, 2));
        assert_eq!(b, b"a");
        let mut b = b"abcdef".to_vec();
        assert!(truncate_utf8_aware(&mut b, 3));
        assert_eq!(b, b"abc");
        let mut b = b"abc".to_vec();
        assert!(!truncate_utf8_aware(&mut b, 3));
        // Invalid bytes that are not a cut-off sequence are kept (they are the data).
        let mut b = vec![b'a', 0xff, b'b', b'c'];
        assert!(truncate_utf8_aware(&mut b, 3));
        assert_eq!(b, vec![b'a', 0xff, b'b']);
    }
}
