//! Integration tests of greenlight-load against in-process fixture servers (loopback only,
//! every test bounded to a few seconds).

mod engine;
mod server;
