//! The fixture's error type.

use std::fmt;
use std::net::SocketAddr;

/// Why the fixture could not start.
#[derive(Debug)]
pub enum FixtureError {
    /// The requested address is not a loopback address; the fixture only
    /// ever listens on this machine.
    NotLoopback(SocketAddr),
    /// Binding or configuring the listener failed.
    Io(std::io::Error),
    /// Generating a certificate failed.
    Certificate(rcgen::Error),
    /// Building the TLS server configuration failed.
    Tls(tokio_rustls::rustls::Error),
    /// The background thread of a [`crate::BlockingFixture`] died.
    Thread(String),
}

impl fmt::Display for FixtureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FixtureError::NotLoopback(addr) => {
                write!(f, "fixture address {addr} is not a loopback address")
            }
            FixtureError::Io(e) => write!(f, "fixture listener: {e}"),
            FixtureError::Certificate(e) => write!(f, "fixture certificate: {e}"),
            FixtureError::Tls(e) => write!(f, "fixture TLS configuration: {e}"),
            FixtureError::Thread(e) => write!(f, "fixture thread: {e}"),
        }
    }
}

impl std::error::Error for FixtureError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            FixtureError::Io(e) => Some(e),
            FixtureError::Certificate(e) => Some(e),
            FixtureError::Tls(e) => Some(e),
            FixtureError::NotLoopback(_) | FixtureError::Thread(_) => None,
        }
    }
}

impl From<std::io::Error> for FixtureError {
    fn from(e: std::io::Error) -> Self {
        FixtureError::Io(e)
    }
}

impl From<rcgen::Error> for FixtureError {
    fn from(e: rcgen::Error) -> Self {
        FixtureError::Certificate(e)
    }
}

impl From<tokio_rustls::rustls::Error> for FixtureError {
    fn from(e: tokio_rustls::rustls::Error) -> Self {
        FixtureError::Tls(e)
    }
}

/// Result alias of this crate.
pub type Result<T, E = FixtureError> = std::result::Result<T, E>;
