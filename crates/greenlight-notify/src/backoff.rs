//! How long to wait before the next attempt.

use crate::config::Retry;
use std::time::{Duration, SystemTime};

/// The delay after failed attempt number `attempt` (1 = the first try):
/// `backoff · 2^(attempt-1)`, capped at `max_backoff`, of which the upper
/// half is random ("equal jitter") so that many senders do not retry in
/// step. A `Retry-After` the receiver asked for replaces it, capped at
/// `max_backoff` too.
pub fn delay(retry: &Retry, attempt: u32, retry_after: Option<Duration>) -> Duration {
    if let Some(asked) = retry_after {
        return asked.min(retry.max_backoff);
    }
    let factor = 1u32
        .checked_shl(attempt.saturating_sub(1))
        .unwrap_or(u32::MAX);
    let base = retry
        .backoff
        .checked_mul(factor)
        .unwrap_or(retry.max_backoff)
        .min(retry.max_backoff);
    let half = base / 2;
    half + half.mul_f64(unit_random())
}

/// A `Retry-After` value: delay-seconds or an HTTP date.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or_default())
}

/// A uniform number in [0, 1).
fn unit_random() -> f64 {
    let mut b = [0u8; 8];
    // SystemRandom only fails when the OS has no randomness; no jitter then.
    if ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut b).is_err() {
        return 0.0;
    }
    (u64::from_le_bytes(b) >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    const R: Retry = Retry {
        max_attempts: 10,
        backoff: Duration::from_millis(100),
        max_backoff: Duration::from_secs(1),
    };

    #[test]
    fn the_delay_doubles_with_jitter_in_its_upper_half_and_is_capped() {
        for (attempt, base_ms) in [
            (1, 100),
            (2, 200),
            (3, 400),
            (4, 800),
            (5, 1000),
            (40, 1000),
        ] {
            for _ in 0..50 {
                let d = delay(&R, attempt, None);
                let base = Duration::from_millis(base_ms);
                assert!(d >= base / 2 && d <= base, "attempt {attempt}: {d:?}");
            }
        }
        let spread: std::collections::HashSet<_> = (0..20).map(|_| delay(&R, 3, None)).collect();
        assert!(spread.len() > 1, "no jitter");
    }

    #[test]
    fn retry_after_replaces_the_backoff_up_to_the_cap() {
        assert_eq!(
            delay(&R, 1, Some(Duration::from_millis(700))),
            Duration::from_millis(700)
        );
        assert_eq!(
            delay(&R, 1, Some(Duration::from_secs(3600))),
            Duration::from_secs(1)
        );
    }

    #[test]
    fn retry_after_is_seconds_or_an_http_date() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777);
        assert_eq!(
            parse_retry_after(" 120 ", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:47 GMT", now),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-1", now), None);
    }
}
