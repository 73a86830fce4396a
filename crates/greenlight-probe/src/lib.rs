//! Native probes for greenlight: the I/O layer that knows nothing of Markdown.
//!
//! Every probe takes plain data in (a URL, an address, a script, a timeout) and hands plain,
//! [`serde::Serialize`]-able reports back. Every network operation is bounded by an explicit
//! timeout and never hangs; failures come back as a typed [`ProbeError`] whose `Display` text is
//! meant to be shown to a person as evidence ("connect to 127.0.0.1:5999 refused",
//! "timed out after 2.0s waiting for response headers"), and whose [`ProbeError::kind`] lets a
//! caller classify it.
//!
//! | module | what it does |
//! | --- | --- |
//! | [`http`] | HTTP(S) requests through a pooled, cheap-to-clone [`HttpClient`]; ClickHouse helpers |
//! | [`tcp`] | plain TCP connect |
//! | [`tls`] | TLS handshake inspection: version, cipher, ALPN, certificate fields, chain verdict |
//! | [`postgres`] | PostgreSQL queries; read-only mode runs in a read-only transaction and refuses
//! what [`sql_judge`] does not class read |
//! | [`sql_lex`], [`sql_judge`] | a PostgreSQL lexer and the safety class of SQL text |
//! | [`redis`] | one Redis command, reply rendered like `redis-cli`; read-only mode refuses what
//! [`redis_commands`] does not class read |
//! | [`redis_commands`] | Redis 7's command table (flags, ACL categories) and the class of a command |
//! | [`websocket`] | WebSocket upgrade and first message |
//! | [`shell`] | `bash -c` with a timeout that kills the whole process group |
//!
//! TLS everywhere uses rustls with the `ring` provider; [`install_crypto_provider`] installs it
//! process-wide (the probes call it themselves, so callers rarely need to).

pub mod access;
pub mod addr;
pub mod error;
pub mod http;
mod origin_gate;
pub mod postgres;
mod postgres_meta;
mod postgres_text;
pub mod redis;
pub mod redis_commands;
pub mod shell;
pub mod sql_judge;
pub mod sql_lex;
pub mod tcp;
pub mod tls;
pub mod websocket;

mod util;

pub use access::{Access, Effect};
pub use error::{ErrorKind, ProbeError};
pub use http::{
    ClickHouseReport, HttpClient, HttpClientOptions, HttpRequest, HttpResponse, clickhouse_ping,
    clickhouse_query, http_request,
};
pub use postgres::{PgPingReport, PgReport, pg_ping, pg_query};
pub use redis::{RedisReply, RedisReport, redis_command};
pub use shell::{ShellReport, ShellSpec, find_program, run_shell};
pub use tcp::{TcpReport, tcp_connect};
pub use tls::{
    CertFailure, CertInfo, CertificateDer, TlsReport, parse_pem_certificates, tls_inspect,
};
pub use websocket::{WsReport, WsRequest, ws_connect, ws_connect_with};

/// Result type of every probe.
pub type Result<T, E = ProbeError> = std::result::Result<T, E>;

/// Installs rustls' `ring` crypto provider as the process-wide default, once.
///
/// Safe to call any number of times from any thread; if another provider was installed first
/// (by the embedding program), that one is kept and this is a no-op.
pub fn install_crypto_provider() {
    static ONCE: std::sync::OnceLock<()> = std::sync::OnceLock::new();
    ONCE.get_or_init(|| {
        // An error only means a default provider is already installed, which is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}
