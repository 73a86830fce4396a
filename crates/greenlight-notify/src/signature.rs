//! Signing deliveries so a receiver can tell they come from greenlight.
//!
//! Each request carries
//!
//! ```text
//! X-Greenlight-Signature: t=1790000000,v1=5f2b…(64 hex digits)
//! X-Greenlight-Delivery: 3f9c…                (same on every retry)
//! X-Greenlight-Event: signed_off
//! ```
//!
//! `v1` is the lower-case hex HMAC-SHA256, keyed with the webhook's secret,
//! of the ASCII decimal timestamp `t` (Unix seconds), a `.`, and the raw
//! request body: `HMAC(secret, "1790000000." + body)`. The timestamp is
//! re-signed on every attempt; the delivery id stays the same, so a
//! receiver can drop duplicates. A receiver checks the MAC in constant
//! time and refuses a timestamp too far from its clock (replays); that is
//! [`verify`].

use ring::hmac;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The signature header.
pub const SIGNATURE_HEADER: &str = "X-Greenlight-Signature";
/// The delivery id header (idempotency key).
pub const DELIVERY_HEADER: &str = "X-Greenlight-Delivery";
/// The event name header.
pub const EVENT_HEADER: &str = "X-Greenlight-Event";

/// The `X-Greenlight-Signature` value for `body` sent at `t` (Unix seconds).
pub fn sign(secret: &[u8], t: u64, body: &[u8]) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret);
    let mut ctx = hmac::Context::with_key(&key);
    ctx.update(t.to_string().as_bytes());
    ctx.update(b".");
    ctx.update(body);
    format!("t={t},v1={}", hex(ctx.sign().as_ref()))
}

/// Why a signature was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum VerifyError {
    #[error("the signature header is malformed: {0}")]
    Malformed(&'static str),
    #[error(
        "the signature's timestamp is {skew_secs}s away from now (at most {tolerance_secs}s allowed)"
    )]
    Stale { skew_secs: u64, tolerance_secs: u64 },
    #[error("no v1 signature matches the body")]
    Mismatch,
}

/// Checks a `X-Greenlight-Signature` header against the raw body.
///
/// `now` is the receiver's clock; a timestamp more than `tolerance` away
/// from it is refused. Several `v1=` entries are allowed (during a secret
/// rotation a sender may sign with both); one match suffices.
pub fn verify(
    secret: &[u8],
    header: &str,
    body: &[u8],
    now: SystemTime,
    tolerance: Duration,
) -> Result<(), VerifyError> {
    let mut t = None;
    let mut macs = Vec::new();
    for part in header.split(',') {
        let (k, v) = part
            .trim()
            .split_once('=')
            .ok_or(VerifyError::Malformed("expected key=value pairs"))?;
        match k {
            "t" => {
                let secs: u64 = v
                    .parse()
                    .map_err(|_| VerifyError::Malformed("t is not a Unix time"))?;
                t = Some(secs);
            }
            "v1" => macs.push(unhex(v).ok_or(VerifyError::Malformed("v1 is not hex"))?),
            _ => {}
        }
    }
    let t = t.ok_or(VerifyError::Malformed("no t="))?;
    if macs.is_empty() {
        return Err(VerifyError::Malformed("no v1="));
    }
    let now = now.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
    let skew = now.abs_diff(t);
    if skew > tolerance.as_secs() {
        return Err(VerifyError::Stale {
            skew_secs: skew,
            tolerance_secs: tolerance.as_secs(),
        });
    }
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret);
    let mut signed = Vec::with_capacity(body.len() + 21);
    signed.extend_from_slice(t.to_string().as_bytes());
    signed.push(b'.');
    signed.extend_from_slice(body);
    macs.iter()
        .any(|m| hmac::verify(&key, &signed, m).is_ok())
        .then_some(())
        .ok_or(VerifyError::Mismatch)
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || !s.is_ascii() {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_790_000_000;

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn the_signature_is_the_hmac_of_timestamp_dot_body() {
        // Known answer, computed independently:
        // printf '1790000000.{}' | openssl dgst -sha256 -hmac key
        assert_eq!(
            sign(b"key", NOW, b"{}"),
            "t=1790000000,v1=099d33989336226b12c85da813adf6100e1bbab1e91bede9a41ddeb7882d66b8"
        );
    }

    #[test]
    fn verify_accepts_its_own_signature_and_refuses_tampering() {
        let h = sign(b"key", NOW, b"body");
        let tol = Duration::from_secs(300);
        assert_eq!(verify(b"key", &h, b"body", at(NOW + 10), tol), Ok(()));
        assert_eq!(
            verify(b"key", &h, b"bodY", at(NOW), tol),
            Err(VerifyError::Mismatch)
        );
        assert_eq!(
            verify(b"other", &h, b"body", at(NOW), tol),
            Err(VerifyError::Mismatch)
        );
        let moved = h.replace("t=1790000000", "t=1790000001");
        assert_eq!(
            verify(b"key", &moved, b"body", at(NOW), tol),
            Err(VerifyError::Mismatch)
        );
        assert!(matches!(
            verify(b"key", &h, b"body", at(NOW + 301), tol),
            Err(VerifyError::Stale { skew_secs: 301, .. })
        ));
    }

    #[test]
    fn a_rotated_secret_matches_any_of_several_signatures() {
        let old = sign(b"old", NOW, b"b");
        let new = sign(b"new", NOW, b"b");
        let both = format!("{old},v1={}", new.split_once("v1=").unwrap().1);
        let tol = Duration::from_secs(60);
        assert_eq!(verify(b"new", &both, b"b", at(NOW), tol), Ok(()));
        assert_eq!(verify(b"old", &both, b"b", at(NOW), tol), Ok(()));
    }

    #[test]
    fn malformed_headers_are_refused_without_panicking() {
        let tol = Duration::from_secs(60);
        for h in [
            "",
            "t=1",
            "v1=ab",
            "t=x,v1=ab",
            "t=1,v1=zz",
            "t=1,v1=abc",
            "garbage",
            "t=1,v1=é1",
        ] {
            assert!(
                matches!(
                    verify(b"k", h, b"", at(1), tol),
                    Err(VerifyError::Malformed(_))
                ),
                "{h}"
            );
        }
    }
}
