//! Hostile answers for greenlight's own safety tests, on no seed's path:
//!
//! - `GET /debug/echo-credentials` answers 401 and echoes the request's
//!   `Authorization` back in every form a careless server might: as sent,
//!   base64 of the whole value, base64 (URL-safe, unpadded) of `user:pass`,
//!   percent-encoded (lower and upper hex, `+` for a space, only reserved
//!   characters escaped) and hex, in the body and in headers.
//! - `GET /debug/escapes` answers a body full of terminal escape sequences:
//!   a screen clear and a fake green `GO` verdict.

use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

const STD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn base64(bytes: &[u8], alphabet: &[u8; 64], pad: bool) -> String {
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(alphabet[((n >> (18 - 6 * i)) & 63) as usize]));
            } else if pad {
                out.push('=');
            }
        }
    }
    out
}

fn unbase64(text: &str) -> Option<Vec<u8>> {
    let mut bits = 0u32;
    let mut n = 0;
    let mut out = Vec::new();
    for c in text.trim_end_matches('=').bytes() {
        let v = STD.iter().position(|&a| a == c)? as u32;
        bits = (bits << 6) | v;
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
            bits &= (1 << n) - 1;
        }
    }
    Some(out)
}

/// Percent-encodes `s`: `all` escapes every byte but the unreserved ones,
/// otherwise only reserved characters and the space are; `plus` writes a
/// space as `+`.
fn percent(s: &str, upper: bool, all: bool, plus: bool) -> String {
    let mut out = String::new();
    for &b in s.as_bytes() {
        let unreserved = b.is_ascii_alphanumeric() || b"-._~".contains(&b);
        let reserved = b" :/?#[]@!$&'()*+,;=%\"".contains(&b);
        if b == b' ' && plus {
            out.push('+');
        } else if unreserved || (!all && !reserved && b.is_ascii()) {
            out.push(char::from(b));
        } else if upper {
            out.push_str(&format!("%{b:02X}"));
        } else {
            out.push_str(&format!("%{b:02x}"));
        }
    }
    out
}

fn hex(s: &str, upper: bool) -> String {
    s.bytes()
        .map(|b| {
            if upper {
                format!("{b:02X}")
            } else {
                format!("{b:02x}")
            }
        })
        .collect()
}

/// `GET /debug/echo-credentials`: 401 with the credentials echoed back.
pub(crate) async fn echo_credentials(headers: HeaderMap) -> Response {
    let auth = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    // The user and the secret part of the credentials.
    let (user, secret) = match auth.split_once(' ') {
        Some((scheme, b64)) if scheme.eq_ignore_ascii_case("basic") => {
            let pair = unbase64(b64.trim())
                .and_then(|b| String::from_utf8(b).ok())
                .unwrap_or_default();
            match pair.split_once(':') {
                Some((u, p)) => (u.to_string(), p.to_string()),
                None => (pair, String::new()),
            }
        }
        Some((_, token)) => ("bearer".to_string(), token.trim().to_string()),
        None => (String::new(), auth.clone()),
    };
    let userpass = format!("{user}:{secret}");
    let body = format!(
        "unauthorized\nraw={auth}\nb64-auth={}\nb64-userpass={}\npct={}\nPCT={}\npct-reserved={}\nhex={}\nHEX={}\n",
        base64(auth.as_bytes(), STD, true),
        base64(userpass.as_bytes(), URL, false),
        percent(&secret, false, true, true),
        percent(&secret, true, true, false),
        percent(&secret, true, false, false),
        hex(&secret, false),
        hex(&secret, true),
    );
    let mut out = HeaderMap::new();
    let mut put = |name: &'static str, value: String| {
        if let Ok(v) = HeaderValue::from_str(&value) {
            out.insert(HeaderName::from_static(name), v);
        }
    };
    put("x-echo-authorization", auth.clone());
    put(
        "x-echo-authorization-b64",
        base64(auth.as_bytes(), STD, true),
    );
    put(
        "x-echo-userpass-b64",
        base64(userpass.as_bytes(), STD, true),
    );
    put("x-echo-secret-hex", hex(&secret, false));
    put(
        "www-authenticate",
        format!("Basic realm=\"{}\"", percent(&secret, true, true, false)),
    );
    out.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    (StatusCode::UNAUTHORIZED, out, body).into_response()
}

/// The body of `GET /debug/escapes`: clears the screen, homes the cursor
/// and paints a fake green verdict, then tries OSC, 8-bit CSI, a carriage
/// return and a right-to-left override.
pub const ESCAPES_BODY: &str = "before\x1b[2J\x1b[H\x1b[1;32m✔ GO — all checks passed\x1b[0m\n\
    \x1b]0;owned title\x07\x1bP+q\x1b\\\u{9b}31mred\r\u{202e}txt.exe\u{2066}x\u{2069}\x7f\x08end\n";

/// `GET /debug/escapes`: a body full of terminal escape sequences.
pub(crate) async fn escapes() -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        ESCAPES_BODY,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings() {
        assert_eq!(base64(b"user:secret", STD, true), "dXNlcjpzZWNyZXQ=");
        assert_eq!(base64(b"user:secret", URL, false), "dXNlcjpzZWNyZXQ");
        assert_eq!(unbase64("dXNlcjpzZWNyZXQ=").unwrap(), b"user:secret");
        assert_eq!(percent("a b/é", false, true, true), "a+b%2f%c3%a9");
        assert_eq!(percent("a b/é", true, false, false), "a%20b%2F%C3%A9");
        assert_eq!(hex("Az", true), "417A");
    }
}
