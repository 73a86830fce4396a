//! WebSocket endpoints, upgraded in place on the HTTP connection (hyper
//! upgrade + tokio-tungstenite `from_raw_socket`), so they work on the same
//! port over plain TCP and over TLS.
//!
//! - `/ws` (NOX, seed 000 lines 202/206): anonymous connections are allowed
//!   (public channel + heartbeats) unless `FixtureConfig::ws_require_token`;
//!   a token that is sent must be valid (401 otherwise) and adds the user's
//!   channels.
//! - `/api/v1/streams/{id}/ws` (Nova, seed 003 lines 212/302): token
//!   required, in `Authorization: Bearer …` or `?token=…`; unknown stream 404.
//!
//! Checks run in this order: `ws_refused` fault (403) → token (401) →
//! stream (404) → upgrade headers (426) → 101. The first frame after the
//! upgrade is a text frame `{"type":"connection_established",…}`; then one
//! heartbeat (or viewer-count update) per configured interval. A text frame
//! `{"type":"ping"}` is answered with `{"type":"pong"}`, any other text is
//! echoed back, WebSocket pings are ponged.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Json;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::{SinkExt, StreamExt};
use hyper::upgrade::OnUpgrade;
use hyper_util::rt::TokioIo;
use serde::Deserialize;
use serde_json::{Value, json};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::Role;

use crate::auth::{self, Principal};
use crate::state::{Shared, lock, unix_now};

type App = State<Arc<Shared>>;

/// What a connection is subscribed to.
#[derive(Clone, Debug)]
enum Channel {
    Nox(Option<Principal>),
    Stream(String),
}

/// `GET /ws`.
pub(crate) async fn nox_ws(State(s): App, req: Request) -> Response {
    if let Some(r) = refused(&s) {
        return r;
    }
    let who = match auth::optional(&s.tokens, auth::bearer(req.headers())) {
        Ok(None) if s.ws_require_token => return auth::AuthError::Missing.into_response(),
        Ok(who) => who,
        Err(e) => return e.into_response(),
    };
    upgrade(s, req, Channel::Nox(who))
}

#[derive(Deserialize)]
pub(crate) struct TokenQuery {
    token: Option<String>,
}

/// `GET /api/v1/streams/{id}/ws`.
pub(crate) async fn stream_ws(
    State(s): App,
    Path(id): Path<String>,
    Query(q): Query<TokenQuery>,
    req: Request,
) -> Response {
    if let Some(r) = refused(&s) {
        return r;
    }
    let token = auth::bearer(req.headers()).or(q.token.as_deref());
    match auth::optional(&s.tokens, token) {
        Ok(Some(_)) => {}
        Ok(None) => return auth::AuthError::Missing.into_response(),
        Err(e) => return e.into_response(),
    }
    if !lock(&s.streams).by_id.contains_key(&id) {
        return (
            StatusCode::NOT_FOUND,
            Json(json!({"error": "stream_not_found", "id": id})),
        )
            .into_response();
    }
    upgrade(s, req, Channel::Stream(id))
}

fn refused(s: &Shared) -> Option<Response> {
    s.faults().ws_refused.then(|| {
        (
            StatusCode::FORBIDDEN,
            Json(json!({"error": "websocket_upgrade_refused"})),
        )
            .into_response()
    })
}

fn header_has_token(headers: &HeaderMap, name: header::HeaderName, token: &str) -> bool {
    headers.get_all(name).iter().any(|v| {
        v.to_str()
            .map(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
            .unwrap_or(false)
    })
}

/// Validates the upgrade request, answers 101 and hands the connection to
/// a session task.
fn upgrade(s: Arc<Shared>, mut req: Request, channel: Channel) -> Response {
    let headers = req.headers();
    let is_ws = header_has_token(headers, header::UPGRADE, "websocket")
        && header_has_token(headers, header::CONNECTION, "upgrade");
    let version_ok = headers
        .get(header::SEC_WEBSOCKET_VERSION)
        .is_some_and(|v| v.as_bytes() == b"13");
    let key = headers.get(header::SEC_WEBSOCKET_KEY).cloned();
    let (true, true, Some(key)) = (is_ws, version_ok, key) else {
        let mut r = (
            StatusCode::UPGRADE_REQUIRED,
            Json(json!({"error": "websocket_upgrade_required"})),
        )
            .into_response();
        r.headers_mut().insert(
            header::SEC_WEBSOCKET_VERSION,
            HeaderValue::from_static("13"),
        );
        r.headers_mut()
            .insert(header::UPGRADE, HeaderValue::from_static("websocket"));
        return r;
    };
    let Some(on_upgrade) = req.extensions_mut().remove::<OnUpgrade>() else {
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            "connection cannot be upgraded",
        )
            .into_response();
    };
    let accept = derive_accept_key(key.as_bytes());
    tokio::spawn(async move {
        let Ok(upgraded) = on_upgrade.await else {
            return;
        };
        let ws = WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, None).await;
        session(ws, s, channel).await;
    });
    let mut resp = StatusCode::SWITCHING_PROTOCOLS.into_response();
    let h = resp.headers_mut();
    h.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
    h.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
    if let Ok(v) = HeaderValue::from_str(&accept) {
        h.insert(header::SEC_WEBSOCKET_ACCEPT, v);
    }
    resp
}

/// Counts an open connection (and a stream viewer) for as long as it lives.
struct Presence {
    s: Arc<Shared>,
    stream: Option<String>,
}

impl Presence {
    fn enter(s: Arc<Shared>, channel: &Channel) -> Self {
        s.ws_connections.fetch_add(1, Ordering::Relaxed);
        let stream = match channel {
            Channel::Stream(id) => {
                if let Some(st) = lock(&s.streams).by_id.get_mut(id) {
                    st.viewers += 1;
                }
                Some(id.clone())
            }
            Channel::Nox(_) => None,
        };
        Presence { s, stream }
    }
}

impl Drop for Presence {
    fn drop(&mut self) {
        self.s.ws_connections.fetch_sub(1, Ordering::Relaxed);
        if let Some(id) = &self.stream
            && let Some(st) = lock(&self.s.streams).by_id.get_mut(id)
        {
            st.viewers = st.viewers.saturating_sub(1);
        }
    }
}

fn viewers(s: &Shared, id: &str) -> Option<u64> {
    lock(&s.streams).by_id.get(id).map(|st| st.viewers)
}

fn first_frame(s: &Shared, channel: &Channel) -> Value {
    match channel {
        Channel::Nox(who) => {
            let mut channels = vec![json!("public")];
            if let Some(p) = who {
                channels.push(json!(format!("user:{}", p.id())));
                if *p == Principal::Admin {
                    channels.push(json!("admin"));
                }
            }
            json!({
                "type": "connection_established",
                "authenticated": who.is_some(),
                "user_id": who.map(Principal::id),
                "channels": channels,
                "heartbeat_ms": s.ws_heartbeat.as_millis() as u64,
            })
        }
        Channel::Stream(id) => json!({
            "type": "connection_established",
            "stream_id": id,
            "viewer_count": viewers(s, id).unwrap_or(0),
            "heartbeat_ms": s.ws_heartbeat.as_millis() as u64,
        }),
    }
}

/// The periodic frame; `None` when the stream has ended.
fn tick_frame(s: &Shared, channel: &Channel, seq: u64) -> Option<Value> {
    match channel {
        Channel::Nox(_) => Some(json!({"type": "heartbeat", "seq": seq, "timestamp": unix_now()})),
        Channel::Stream(id) => viewers(s, id).map(|n| {
            json!({"type": "viewer_count_update", "stream_id": id, "viewer_count": n, "seq": seq})
        }),
    }
}

fn text(v: &Value) -> Message {
    Message::text(v.to_string())
}

async fn session<S>(mut ws: WebSocketStream<S>, s: Arc<Shared>, channel: Channel)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let _presence = Presence::enter(s.clone(), &channel);
    let mut shutdown = s.shutdown.clone();
    if *shutdown.borrow() {
        return;
    }
    if ws.send(text(&first_frame(&s, &channel))).await.is_err() {
        return;
    }
    let mut ticker = tokio::time::interval(s.ws_heartbeat);
    ticker.tick().await; // the first tick is immediate
    let mut seq = 0u64;
    loop {
        tokio::select! {
            _ = shutdown.changed() => {
                let _ = ws.close(None).await;
                return;
            }
            _ = ticker.tick() => {
                seq += 1;
                match tick_frame(&s, &channel, seq) {
                    Some(frame) => {
                        if ws.send(text(&frame)).await.is_err() {
                            return;
                        }
                    }
                    None => {
                        if let Channel::Stream(id) = &channel {
                            let _ = ws
                                .send(text(&json!({"type": "stream_ended", "stream_id": id})))
                                .await;
                        }
                        let _ = ws.close(None).await;
                        return;
                    }
                }
            }
            msg = ws.next() => match msg {
                None | Some(Err(_)) => return,
                Some(Ok(Message::Text(t))) => {
                    let parsed: Option<Value> = serde_json::from_str(t.as_str()).ok();
                    let reply = match parsed.as_ref().and_then(|v| v.get("type")).and_then(Value::as_str) {
                        Some("ping") => json!({"type": "pong", "timestamp": unix_now()}),
                        _ => json!({"type": "echo", "data": t.as_str()}),
                    };
                    if ws.send(text(&reply)).await.is_err() {
                        return;
                    }
                }
                Some(Ok(_)) => {}
            }
        }
    }
}
