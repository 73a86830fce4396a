//! Nova streaming API (seed 003): stream CRUD with bearer auth, input
//! validation and a per-token rate limit.
//!
//! Order of checks on every `/api/v1/streams*` route: rate limit (429) →
//! a presented token must be valid (401) → route-specific checks. Creating a
//! stream validates the body (400) *before* insisting on a token, so seed 003
//! line 210 ("`POST /api/v1/streams` returns 400 (missing fields)") holds
//! whether or not the checker sends one; with a valid body and no token the
//! answer is 401. Listing active streams needs no token.

// Handlers return `Result<_, Response>` for early exits, axum style; the
// 128-byte error variant is irrelevant for a test fixture.
#![allow(clippy::result_large_err)]

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::auth::{self, AuthError, Principal};
use crate::routes_nox::{bad_request, json_object};
use crate::state::{Admission, Shared, Stream, lock, unix_now};

type App = State<Arc<Shared>>;

const MAX_TITLE_CHARS: usize = 200;
const MAX_DESCRIPTION_CHARS: usize = 2_000;

/// Applies the rate limit for this request's token; `Err` is the 429.
fn rate_limited(s: &Shared, headers: &HeaderMap) -> Result<(), Response> {
    let key = auth::bearer(headers).unwrap_or("<anonymous>");
    match s.admit(key) {
        Admission::Allowed => Ok(()),
        Admission::Limited {
            limit,
            retry_after_secs,
        } => {
            let mut resp = (
                StatusCode::TOO_MANY_REQUESTS,
                Json(json!({"error": "rate_limited", "limit": limit, "retry_after": retry_after_secs})),
            )
                .into_response();
            let h = resp.headers_mut();
            h.insert("retry-after", HeaderValue::from(retry_after_secs));
            h.insert("x-ratelimit-limit", HeaderValue::from(limit));
            h.insert("x-ratelimit-remaining", HeaderValue::from_static("0"));
            Err(resp)
        }
    }
}

/// Rate limit, then a required valid token.
fn guard(s: &Shared, headers: &HeaderMap) -> Result<Principal, Response> {
    rate_limited(s, headers)?;
    auth::require(&s.tokens, headers).map_err(IntoResponse::into_response)
}

fn stream_not_found(id: &str) -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(json!({"error": "stream_not_found", "id": id})),
    )
        .into_response()
}

/// `GET /api/v1/streams/active`: public list of live streams.
pub(crate) async fn list_active(State(s): App, headers: HeaderMap) -> Response {
    if let Err(r) = rate_limited(&s, &headers) {
        return r;
    }
    if let Err(e) = auth::optional(&s.tokens, auth::bearer(&headers)) {
        return e.into_response();
    }
    let streams: Vec<Value> = lock(&s.streams)
        .by_id
        .values()
        .filter(|st| st.status == "active")
        .map(Stream::to_json)
        .collect();
    Json(json!({"count": streams.len(), "streams": streams})).into_response()
}

/// `GET /api/v1/streams`: every stream (token required).
pub(crate) async fn list_all(State(s): App, headers: HeaderMap) -> Response {
    if let Err(r) = guard(&s, &headers) {
        return r;
    }
    let streams: Vec<Value> = lock(&s.streams)
        .by_id
        .values()
        .map(Stream::to_json)
        .collect();
    Json(json!({"count": streams.len(), "streams": streams})).into_response()
}

/// `POST /api/v1/streams` with `{"title": "…", "description": "…"}` → 201
/// and the stream, whose `id` later requests use.
pub(crate) async fn create(State(s): App, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(r) = rate_limited(&s, &headers) {
        return r;
    }
    let presented = auth::bearer(&headers);
    let who = match auth::optional(&s.tokens, presented) {
        Ok(who) => who,
        Err(e) => return e.into_response(),
    };
    // An empty body is an empty object: "missing fields", not "malformed".
    let obj = if body.iter().all(u8::is_ascii_whitespace) {
        serde_json::Map::new()
    } else {
        match json_object(&body) {
            Ok(o) => o,
            Err(r) => return r,
        }
    };
    let title = match obj.get("title") {
        None | Some(Value::Null) => return bad_request("missing_fields", json!(["title"])),
        Some(Value::String(t)) if t.trim().is_empty() => {
            return bad_request("invalid_field", "title must not be empty");
        }
        Some(Value::String(t)) if t.chars().count() > MAX_TITLE_CHARS => {
            return bad_request("invalid_field", "title is longer than 200 characters");
        }
        Some(Value::String(t)) => t.clone(),
        Some(_) => return bad_request("invalid_field", "title must be a string"),
    };
    let description = match obj.get("description") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(d)) if d.chars().count() > MAX_DESCRIPTION_CHARS => {
            return bad_request(
                "invalid_field",
                "description is longer than 2000 characters",
            );
        }
        Some(Value::String(d)) => d.clone(),
        Some(_) => return bad_request("invalid_field", "description must be a string"),
    };
    let Some(who) = who else {
        return AuthError::Missing.into_response();
    };
    let stream = {
        let mut streams = lock(&s.streams);
        let id = format!("stream-{}", streams.next_id);
        streams.next_id += 1;
        let stream = Stream {
            id: id.clone(),
            title,
            description,
            owner: who.id(),
            status: "active",
            created_at: unix_now(),
            viewers: 0,
        };
        streams.by_id.insert(id, stream.clone());
        stream
    };
    (StatusCode::CREATED, Json(stream.to_json())).into_response()
}

/// `GET /api/v1/streams/{id}`.
pub(crate) async fn get(State(s): App, Path(id): Path<String>, headers: HeaderMap) -> Response {
    if let Err(r) = guard(&s, &headers) {
        return r;
    }
    match lock(&s.streams).by_id.get(&id) {
        Some(st) => Json(st.to_json()).into_response(),
        None => stream_not_found(&id),
    }
}

/// `DELETE /api/v1/streams/{id}`: the owner or an admin ends and removes
/// the stream (200); anyone else gets 403; a later GET is 404.
pub(crate) async fn delete(State(s): App, Path(id): Path<String>, headers: HeaderMap) -> Response {
    let who = match guard(&s, &headers) {
        Ok(w) => w,
        Err(r) => return r,
    };
    let mut streams = lock(&s.streams);
    let Some(st) = streams.by_id.get(&id) else {
        return stream_not_found(&id);
    };
    if who != Principal::Admin && st.owner != who.id() {
        return (
            StatusCode::FORBIDDEN,
            Json(json!({"error": "forbidden", "reason": "not the stream owner"})),
        )
            .into_response();
    }
    let mut removed = streams.by_id.remove(&id).expect("checked above");
    removed.status = "ended";
    Json(json!({"deleted": true, "stream": removed.to_json()})).into_response()
}
