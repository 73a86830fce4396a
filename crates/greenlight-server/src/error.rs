//! Errors as JSON: `{"error": {"status": 404, "code": "not_found", "message": "…"}}`.
//! Bad input (an unknown ID, a bad query) is a 4xx; only the store failing
//! is a 5xx.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use greenlight_session::SessionError;
use greenlight_store::StoreError;

/// An error the API answers with.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{status} {code}: {message}")]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// A stable, machine-readable name (`not_found`, `bad_request`, …).
    pub code: &'static str,
    /// What went wrong, for people.
    pub message: String,
}

impl ApiError {
    /// An error with this status, code and message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }

    /// 404: nothing has this ID.
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// 400: the request itself is wrong.
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    /// The JSON body.
    pub fn body(&self) -> serde_json::Value {
        serde_json::json!({
            "error": { "status": self.status.as_u16(), "code": self.code, "message": self.message }
        })
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body())).into_response()
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        let message = e.to_string();
        match e {
            StoreError::NoSuchRun(_) | StoreError::Ambiguous { .. } => ApiError::not_found(message),
            StoreError::Invalid(_) => ApiError::bad_request(message),
            StoreError::Unreachable { .. } => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "store_unreachable",
                message,
            ),
            StoreError::Open { .. } | StoreError::Query { .. } => {
                ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "store_failed", message)
            }
        }
    }
}

impl From<SessionError> for ApiError {
    fn from(e: SessionError) -> ApiError {
        match e {
            SessionError::Store(e) => e.into(),
            SessionError::NoRuns => ApiError::not_found(e.to_string()),
            SessionError::WrongKey(m) => ApiError::new(StatusCode::CONFLICT, "wrong_audit_key", m),
            SessionError::Unreadable(m) => {
                ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "unreadable_run", m)
            }
            SessionError::Io(m) => {
                ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "store_failed", m)
            }
            SessionError::Usage(m) | SessionError::Config(m) => ApiError::bad_request(m),
            SessionError::Selection(e) => ApiError::bad_request(e.to_string()),
            SessionError::Internal(m) => {
                ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", m)
            }
        }
    }
}
