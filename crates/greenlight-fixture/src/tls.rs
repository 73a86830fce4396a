//! TLS variants of the fixture: the same service behind a certificate that
//! is valid (signed by a test CA made at run time), expired, self-signed or
//! issued for another host. Certificates come from rcgen (ring), the server
//! side is tokio-rustls with the ring provider.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use time::OffsetDateTime;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::rustls::{self, ServerConfig, SupportedProtocolVersion};

use crate::config::FixtureConfig;
use crate::error::Result;
use crate::server::{FixtureHandle, start_with_tls};
use crate::state::FixtureControl;

/// Which certificate the TLS fixture presents.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TlsKind {
    /// For `localhost`, `127.0.0.1` and `::1`, signed by the test CA
    /// ([`TlsFixture::ca_cert_pem`]), valid from yesterday for 90 days.
    Valid,
    /// Like `Valid` but `not_after` is yesterday (valid from 90 days ago).
    Expired,
    /// For `localhost`/`127.0.0.1`, self-signed (not signed by the test CA).
    SelfSigned,
    /// Signed by the test CA and current, but only for `wrong.host.invalid`.
    WrongHost,
}

/// Options of [`TlsFixture::start_with`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsOptions {
    /// The certificate to present.
    pub kind: TlsKind,
    /// Offer only TLS 1.2 (otherwise 1.2 and 1.3).
    pub tls12_only: bool,
    /// The service behind TLS (address, tokens, faults, …).
    pub fixture: FixtureConfig,
}

impl TlsOptions {
    /// Default service behind the given certificate, TLS 1.2 and 1.3.
    pub fn new(kind: TlsKind) -> Self {
        TlsOptions {
            kind,
            tls12_only: false,
            fixture: FixtureConfig::default(),
        }
    }
}

/// Certificates generated for one TLS fixture.
#[derive(Clone, Debug)]
struct Material {
    ca_pem: String,
    ca_der: CertificateDer<'static>,
    cert_pem: String,
    cert_der: CertificateDer<'static>,
    not_before: SystemTime,
    not_after: SystemTime,
}

const DAY: i64 = 86_400;

fn at(unix: i64) -> Result<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp(unix)
        .map_err(|_| crate::error::FixtureError::Certificate(rcgen::Error::Time))
}

fn system_time(unix: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(unix.max(0) as u64)
}

/// Makes a fresh test CA and the leaf certificate of `kind`; returns the
/// material and the leaf's private key.
fn generate(kind: TlsKind) -> Result<(Material, PrivateKeyDer<'static>)> {
    let now = crate::state::unix_now() as i64;

    let ca_key = KeyPair::generate()?;
    let mut ca = CertificateParams::new(Vec::<String>::new())?;
    ca.distinguished_name = rcgen::DistinguishedName::new();
    ca.distinguished_name
        .push(DnType::CommonName, "greenlight fixture test CA");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    ca.not_before = at(now - DAY)?;
    ca.not_after = at(now + 365 * DAY)?;
    let ca_cert = ca.self_signed(&ca_key)?;
    let issuer = Issuer::new(ca, ca_key);

    let names: Vec<String> = match kind {
        TlsKind::WrongHost => vec!["wrong.host.invalid".into()],
        _ => vec!["localhost".into(), "127.0.0.1".into(), "::1".into()],
    };
    let mut leaf = CertificateParams::new(names)?;
    leaf.distinguished_name = rcgen::DistinguishedName::new();
    let cn = if kind == TlsKind::WrongHost {
        "wrong.host.invalid"
    } else {
        "localhost"
    };
    leaf.distinguished_name.push(DnType::CommonName, cn);
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    let (from, until) = match kind {
        TlsKind::Expired => (now - 90 * DAY, now - DAY),
        _ => (now - DAY, now + 90 * DAY),
    };
    leaf.not_before = at(from)?;
    leaf.not_after = at(until)?;
    let leaf_key = KeyPair::generate()?;
    let cert = if kind == TlsKind::SelfSigned {
        leaf.self_signed(&leaf_key)?
    } else {
        leaf.use_authority_key_identifier_extension = true;
        leaf.signed_by(&leaf_key, &issuer)?
    };
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
    Ok((
        Material {
            ca_pem: ca_cert.pem(),
            ca_der: ca_cert.der().clone(),
            cert_pem: cert.pem(),
            cert_der: cert.der().clone(),
            not_before: system_time(from),
            not_after: system_time(until),
        },
        key,
    ))
}

fn server_config(
    cert: CertificateDer<'static>,
    key: PrivateKeyDer<'static>,
    tls12_only: bool,
) -> Result<ServerConfig> {
    static TLS12_ONLY: &[&SupportedProtocolVersion] = &[&rustls::version::TLS12];
    static BOTH: &[&SupportedProtocolVersion] = &[&rustls::version::TLS13, &rustls::version::TLS12];
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut cfg = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(if tls12_only { TLS12_ONLY } else { BOTH })?
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)?;
    cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(cfg)
}

/// The fixture service behind TLS. Shuts down when dropped.
#[derive(Debug)]
pub struct TlsFixture {
    handle: FixtureHandle,
    kind: TlsKind,
    material: Material,
}

impl TlsFixture {
    /// Starts the default service on `127.0.0.1:0` behind a certificate of
    /// `kind`, offering TLS 1.2 and 1.3.
    pub async fn start(kind: TlsKind) -> Result<TlsFixture> {
        Self::start_with(TlsOptions::new(kind)).await
    }

    /// Starts with explicit options.
    pub async fn start_with(options: TlsOptions) -> Result<TlsFixture> {
        let (material, key) = generate(options.kind)?;
        let cfg = server_config(material.cert_der.clone(), key, options.tls12_only)?;
        let handle = start_with_tls(options.fixture, TlsAcceptor::from(Arc::new(cfg))).await?;
        Ok(TlsFixture {
            handle,
            kind: options.kind,
            material,
        })
    }

    /// The underlying service handle (faults, request counts, …).
    pub fn handle(&self) -> &FixtureHandle {
        &self.handle
    }

    /// A cloneable control of the service behind TLS.
    pub fn control(&self) -> FixtureControl {
        self.handle.control()
    }

    /// The certificate kind served.
    pub fn kind(&self) -> TlsKind {
        self.kind
    }

    /// The listening address.
    pub fn addr(&self) -> SocketAddr {
        self.handle.addr()
    }

    /// `https://127.0.0.1:PORT` (the certificate also names the IP).
    pub fn base_url(&self) -> String {
        self.handle.base_url()
    }

    /// `https://localhost:PORT`, for clients that verify by DNS name.
    pub fn localhost_url(&self) -> String {
        format!("https://localhost:{}", self.addr().port())
    }

    /// `wss://127.0.0.1:PORT/ws`.
    pub fn ws_url(&self) -> String {
        self.handle.ws_url()
    }

    /// The DNS name to verify a `Valid` certificate against: `localhost`.
    pub fn server_name(&self) -> &'static str {
        "localhost"
    }

    /// The test CA certificate (PEM) a client must trust to verify `Valid`,
    /// `Expired` and `WrongHost` certificates. It did not sign `SelfSigned`.
    pub fn ca_cert_pem(&self) -> &str {
        &self.material.ca_pem
    }

    /// The test CA certificate (DER).
    pub fn ca_cert_der(&self) -> &[u8] {
        &self.material.ca_der
    }

    /// The served leaf certificate (PEM).
    pub fn cert_pem(&self) -> &str {
        &self.material.cert_pem
    }

    /// The served leaf certificate (DER).
    pub fn cert_der(&self) -> &[u8] {
        &self.material.cert_der
    }

    /// The leaf certificate's `notBefore`, to the second.
    pub fn not_before(&self) -> SystemTime {
        self.material.not_before
    }

    /// The leaf certificate's `notAfter`, to the second (in the past for
    /// `Expired`).
    pub fn not_after(&self) -> SystemTime {
        self.material.not_after
    }

    /// Stops the server and waits until it has stopped.
    pub async fn shutdown(self) {
        self.handle.shutdown().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expired_material_is_in_the_past_and_valid_in_the_future() {
        let (expired, _) = generate(TlsKind::Expired).unwrap();
        assert!(expired.not_after < SystemTime::now());
        let (valid, _) = generate(TlsKind::Valid).unwrap();
        assert!(valid.not_after > SystemTime::now());
        assert!(valid.not_before < SystemTime::now());
        assert!(valid.ca_pem.starts_with("-----BEGIN CERTIFICATE-----"));
        assert_ne!(valid.ca_der, valid.cert_der);
    }
}
