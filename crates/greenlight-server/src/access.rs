//! Who may read: every route but the health check, the OpenAPI document
//! and the login routes needs an authenticated identity (an API token or
//! a browser session; viewer or above). Refusals come from greenlight-auth:
//! JSON 401/403 under `/api`, a redirect to `/login` for pages.

use crate::api::AppState;
use axum::extract::{FromRequestParts, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use greenlight_auth::{Identity, Role};

/// Lets the request through with its [`Identity`] in its extensions, or
/// refuses it.
pub async fn require_viewer(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    match Identity::from_request_parts(&mut parts, &s).await {
        Ok(who) => {
            if let Err(refused) = who.require(Role::Viewer) {
                return refused.into_response();
            }
            parts.extensions.insert(who);
            next.run(Request::from_parts(parts, body)).await
        }
        Err(refused) => refused.into_response(),
    }
}
