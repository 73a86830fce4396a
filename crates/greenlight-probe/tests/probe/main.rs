//! Integration tests for greenlight-probe. Every server they talk to runs on 127.0.0.1:
//! throw-away HTTP/TLS/WebSocket servers started per test, and the machine's PostgreSQL
//! (127.0.0.1:5432) and Redis (127.0.0.1:6379). When those two are missing the tests that need
//! them print a note and pass, unless `GREENLIGHT_REQUIRE_SERVICES=1` makes them fail.

mod support;

mod http;
mod postgres;
mod read_only;
mod read_only_db;
mod redis;
mod shell;
mod tcp;
mod tls;
mod websocket;
