//! Who may read: every route but the health check, the OpenAPI document
//! and the login routes needs an authenticated identity (an API token or
//! a browser session; viewer or above). Refusals come from greenlight-auth:
//! JSON 401/403 under `/api`, a redirect to `/login` for pages.
//!
//! Reads (GET, HEAD) reuse an identity the store confirmed within the
//! last [`IDENTITY_TTL`], keyed by the SHA-256 of the request's
//! credentials, so a busy dashboard does not ask the store on every
//! request: a revoked token or ended session may still read for up to
//! that long. Anything else asks the store every time.

use crate::api::AppState;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use greenlight_auth::{Identity, Role};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a confirmed identity is reused for reads.
pub const IDENTITY_TTL: Duration = Duration::from_secs(2);

/// Identities kept at most (then the cache starts over).
const MAX_IDENTITIES: usize = 1024;

/// Recently confirmed identities, by the digest of their credentials.
#[derive(Default)]
pub struct IdentityCache {
    map: Mutex<HashMap<[u8; 32], (Identity, Instant)>>,
}

impl IdentityCache {
    fn get(&self, key: &[u8; 32]) -> Option<Identity> {
        let map = self.map.lock().ok()?;
        let (who, at) = map.get(key)?;
        (at.elapsed() < IDENTITY_TTL).then(|| who.clone())
    }

    fn put(&self, key: [u8; 32], who: Identity) {
        if let Ok(mut map) = self.map.lock() {
            if map.len() >= MAX_IDENTITIES {
                map.clear();
            }
            map.insert(key, (who, Instant::now()));
        }
    }
}

/// The digest of what identifies a request (its bearer token, else its
/// cookies), if it carries either.
fn credentials_key(req: &Request) -> Option<[u8; 32]> {
    let h = req.headers();
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    let auth = h.get(header::AUTHORIZATION);
    let cookie = h.get(header::COOKIE);
    if auth.is_none() && cookie.is_none() {
        return None;
    }
    ctx.update(b"authorization:");
    ctx.update(auth.map_or(&b""[..], |v| v.as_bytes()));
    ctx.update(b"\ncookie:");
    ctx.update(cookie.map_or(&b""[..], |v| v.as_bytes()));
    let mut key = [0u8; 32];
    key.copy_from_slice(ctx.finish().as_ref());
    Some(key)
}

/// Lets the request through with its [`Identity`] in its extensions, or
/// refuses it.
pub async fn require_viewer(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let read = matches!(*req.method(), Method::GET | Method::HEAD);
    let key = if read { credentials_key(&req) } else { None };
    if let Some(who) = key.as_ref().and_then(|k| s.identities.get(k)) {
        let mut req = req;
        req.extensions_mut().insert(who);
        return next.run(req).await;
    }
    let (mut parts, body) = req.into_parts();
    match Identity::from_request_parts(&mut parts, &s).await {
        Ok(who) => {
            if let Err(refused) = who.require(Role::Viewer) {
                return refused.into_response();
            }
            if let Some(k) = key {
                s.identities.put(k, who.clone());
            }
            parts.extensions.insert(who);
            next.run(Request::from_parts(parts, body)).await
        }
        Err(refused) => refused.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use greenlight_auth::Credential;

    fn who(name: &str) -> Identity {
        Identity::new(name.into(), Role::Viewer, Vec::new(), Credential::Token)
    }

    #[test]
    fn an_identity_is_reused_only_for_the_same_credentials() {
        let c = IdentityCache::default();
        let req = |auth: &str| {
            Request::builder()
                .header("authorization", auth)
                .body(axum::body::Body::empty())
                .unwrap()
        };
        let a = credentials_key(&req("Bearer glt_a")).unwrap();
        let b = credentials_key(&req("Bearer glt_b")).unwrap();
        assert_ne!(a, b);
        c.put(a, who("alice"));
        assert_eq!(c.get(&a).map(|w| w.name), Some("alice".into()));
        assert!(c.get(&b).is_none());
        let bare = Request::builder().body(axum::body::Body::empty()).unwrap();
        assert!(credentials_key(&bare).is_none(), "no credentials, no key");
    }

    #[test]
    fn the_cache_is_bounded() {
        let c = IdentityCache::default();
        for i in 0..MAX_IDENTITIES + 5 {
            let mut k = [0u8; 32];
            k[..8].copy_from_slice(&(i as u64).to_be_bytes());
            c.put(k, who("x"));
        }
        assert!(c.map.lock().unwrap().len() <= MAX_IDENTITIES);
    }
}
