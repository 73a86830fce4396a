//! TLS handshake inspection that reports bad certificates instead of failing on them.
//!
//! [`tls_inspect`] completes the handshake whatever the certificate looks like: a recording
//! [`ServerCertVerifier`] keeps the presented chain, runs the real webpki verification (Mozilla
//! roots from `webpki-roots` plus any extra roots) and stores the verdict, then lets the
//! handshake go on. The report can thus say "certificate expired 3 days ago" rather than
//! "handshake failed". Handshake *signatures* are still checked, so the peer must hold the key.

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use serde::Serialize;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime};
use tokio::io::AsyncWriteExt;
use tokio::time::Instant;
use tokio_rustls::TlsConnector;

pub use rustls::pki_types::CertificateDer;

use crate::{ProbeError, Result, tcp, util};

/// What [`tls_inspect`] learned from one handshake.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TlsReport {
    /// The address the TCP connection went to.
    pub peer: SocketAddr,
    /// The name sent as SNI and checked against the certificate.
    pub server_name: String,
    /// Negotiated protocol version: `"TLSv1.2"` or `"TLSv1.3"`.
    pub protocol: String,
    /// Negotiated cipher suite in IANA spelling, e.g. `"TLS13_AES_256_GCM_SHA384"`.
    pub cipher_suite: String,
    /// Negotiated ALPN protocol (`"h2"`, `"http/1.1"`), if the server chose one.
    pub alpn: Option<String>,
    /// The server's own (end-entity) certificate.
    pub leaf: CertInfo,
    /// The other certificates the server sent, in the order sent (usually intermediates).
    pub intermediates: Vec<CertInfo>,
    /// Whether the chain verified against the trusted roots for `server_name`.
    pub chain_verified: bool,
    /// Why verification failed, e.g. `"certificate expired"`, `"unknown issuer"`,
    /// `"name mismatch: …"`; `None` when `chain_verified`.
    pub verification_error: Option<String>,
    /// The class of the verification failure, when there is one.
    pub verification_failure: Option<CertFailure>,
    /// Time for connect plus handshake. Serialized as `duration_ms`.
    #[serde(rename = "duration_ms", serialize_with = "util::ms::serialize")]
    pub duration: Duration,
}

/// Fields of one X.509 certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertInfo {
    /// Subject distinguished name, e.g. `"CN=example.com, O=Example"`.
    pub subject: String,
    /// Issuer distinguished name.
    pub issuer: String,
    /// The subject's first common name, if any.
    pub common_name: Option<String>,
    /// Subject alternative names: DNS names and IP addresses as text (other kinds prefixed,
    /// e.g. `"email:a@b"`, `"uri:https://…"`).
    pub sans: Vec<String>,
    /// Serial number as colon-separated hex.
    pub serial: String,
    /// Start of validity, unix seconds.
    pub not_before: i64,
    /// End of validity, unix seconds.
    pub not_after: i64,
    /// Start of validity as RFC 3339 (UTC), e.g. `"2026-01-31T12:00:00Z"`.
    pub not_before_rfc3339: String,
    /// End of validity as RFC 3339 (UTC).
    pub not_after_rfc3339: String,
    /// Whole days from now until `not_after`, truncated toward zero: `89` for 89.9 days left,
    /// `-3` for expired 3.2 days ago; `0` means less than a day either way (see
    /// `seconds_until_expiry`).
    pub days_until_expiry: i64,
    /// Seconds from now until `not_after` (negative once expired).
    pub seconds_until_expiry: i64,
    /// Issuer equals subject and the certificate's signature verifies with its own key.
    pub self_signed: bool,
    /// SHA-256 of the DER encoding, lowercase hex.
    pub sha256: String,
}

/// Class of a certificate verification failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum CertFailure {
    /// The certificate's `notAfter` is in the past.
    Expired,
    /// The certificate's `notBefore` is in the future.
    NotYetValid,
    /// The chain does not lead to a trusted root (includes untrusted self-signed certificates).
    UnknownIssuer,
    /// The certificate is not valid for the requested server name.
    NameMismatch,
    /// A signature in the chain does not verify.
    BadSignature,
    /// The certificate was revoked.
    Revoked,
    /// The certificate may not be used for TLS server authentication.
    InvalidPurpose,
    /// The certificate could not be decoded.
    BadEncoding,
    /// Any other failure.
    Other,
}

/// Connects to `host:port`, performs a TLS handshake with SNI `server_name` and reports the
/// negotiated parameters and the certificate chain.
///
/// Trusted roots are Mozilla's (`webpki-roots`) plus `extra_roots`. A bad certificate does not
/// fail the call: it shows up as `chain_verified: false` with a `verification_error`. The call
/// fails on connect errors, on handshake failures unrelated to the certificate (no common
/// protocol version, alerts …), and when `timeout` (for connect plus handshake) runs out.
pub async fn tls_inspect(
    host: &str,
    port: u16,
    server_name: &str,
    timeout: Duration,
    extra_roots: Option<Vec<CertificateDer<'static>>>,
) -> Result<TlsReport> {
    crate::install_crypto_provider();
    let start = Instant::now();
    let deadline = util::deadline(start, timeout);
    let name = ServerName::try_from(server_name.to_string())
        .map_err(|e| ProbeError::invalid(format!("server name {server_name:?}"), e))?;
    let roots = root_store(extra_roots.as_deref().unwrap_or(&[]))?;
    let verifier = Arc::new(RecordingVerifier::new(roots)?);
    let mut config = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| ProbeError::invalid("TLS configuration", e))?
        .dangerous()
        .with_custom_certificate_verifier(verifier.clone())
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];

    let (tcp, peer) = tcp::connect(host, port, deadline, timeout).await?;
    let addr = host_port_label(host, port);
    let connector = TlsConnector::from(Arc::new(config));
    let mut stream = match tokio::time::timeout_at(deadline, connector.connect(name, tcp)).await {
        Err(_) => {
            return Err(ProbeError::timeout(
                timeout,
                format!("during the TLS handshake with {addr}"),
            ));
        }
        Ok(Err(e)) => {
            return Err(ProbeError::Tls {
                addr,
                detail: describe_handshake_error(&e),
            });
        }
        Ok(Ok(s)) => s,
    };
    let duration = start.elapsed();

    let (_, conn) = stream.get_ref();
    let protocol = match conn.protocol_version() {
        Some(rustls::ProtocolVersion::TLSv1_3) => "TLSv1.3".to_string(),
        Some(rustls::ProtocolVersion::TLSv1_2) => "TLSv1.2".to_string(),
        Some(other) => format!("{other:?}"),
        None => "unknown".to_string(),
    };
    let cipher_suite = conn
        .negotiated_cipher_suite()
        .map(|s| {
            let s = s.suite();
            s.as_str().map_or_else(|| format!("{s:?}"), str::to_string)
        })
        .unwrap_or_default();
    let alpn = conn
        .alpn_protocol()
        .map(|p| String::from_utf8_lossy(p).into_owned());
    let certs: Vec<CertificateDer<'static>> = conn
        .peer_certificates()
        .map(|c| c.iter().map(|c| c.clone().into_owned()).collect())
        .unwrap_or_default();
    let outcome = verifier.take_outcome();

    // Be polite, but never wait long for it.
    let _ = tokio::time::timeout(Duration::from_millis(100), stream.shutdown()).await;
    drop(stream);

    let now = unix_now();
    let mut infos = certs
        .iter()
        .map(|der| CertInfo::from_der(der, now))
        .collect::<Result<Vec<_>>>()
        .map_err(|e| ProbeError::Tls {
            addr: addr.clone(),
            detail: e.to_string(),
        })?;
    if infos.is_empty() {
        return Err(ProbeError::Tls {
            addr,
            detail: "the server sent no certificate".into(),
        });
    }
    let leaf = infos.remove(0);
    let (chain_verified, verification_error, verification_failure) = match outcome {
        Some(Ok(())) => (true, None, None),
        Some(Err(e)) => {
            let (class, text) = describe_cert_error(&e, leaf.self_signed);
            (false, Some(text), Some(class))
        }
        None => (
            false,
            Some("certificate was not verified".into()),
            Some(CertFailure::Other),
        ),
    };
    Ok(TlsReport {
        peer,
        server_name: server_name.to_string(),
        protocol,
        cipher_suite,
        alpn,
        leaf,
        intermediates: infos,
        chain_verified,
        verification_error,
        verification_failure,
        duration,
    })
}

/// Reads every `CERTIFICATE` block of a PEM file (e.g. a CA bundle to pass as extra roots).
pub fn parse_pem_certificates(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>> {
    use rustls::pki_types::pem::PemObject;
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| ProbeError::invalid("PEM certificate data", e))?;
    if certs.is_empty() {
        return Err(ProbeError::invalid(
            "PEM certificate data",
            "no CERTIFICATE block found",
        ));
    }
    Ok(certs)
}

impl CertInfo {
    /// Decodes a DER certificate; `now` (unix seconds) is the reference for the expiry fields.
    pub fn from_der(der: &[u8], now: i64) -> Result<CertInfo> {
        use x509_parser::extensions::GeneralName;
        let (_, cert) = x509_parser::parse_x509_certificate(der)
            .map_err(|e| ProbeError::invalid("certificate", format!("cannot decode: {e}")))?;
        let subject = cert.subject().to_string();
        let issuer = cert.issuer().to_string();
        let common_name = cert
            .subject()
            .iter_common_name()
            .next()
            .and_then(|cn| cn.as_str().ok())
            .map(str::to_string);
        let mut sans = Vec::new();
        if let Ok(Some(ext)) = cert.subject_alternative_name() {
            for name in &ext.value.general_names {
                match name {
                    GeneralName::DNSName(n) => sans.push((*n).to_string()),
                    GeneralName::IPAddress(b) => sans.push(ip_text(b)),
                    GeneralName::RFC822Name(n) => sans.push(format!("email:{n}")),
                    GeneralName::URI(n) => sans.push(format!("uri:{n}")),
                    _ => {}
                }
            }
        }
        let not_before = cert.validity().not_before.timestamp();
        let not_after = cert.validity().not_after.timestamp();
        let seconds_until_expiry = not_after.saturating_sub(now);
        let same_name = cert.subject().as_raw() == cert.issuer().as_raw();
        let self_signed = same_name
            && match cert.verify_signature(None) {
                Ok(()) => true,
                // An algorithm ring cannot check: fall back to the names alone.
                Err(x509_parser::error::X509Error::SignatureUnsupportedAlgorithm) => true,
                Err(_) => false,
            };
        let digest = ring::digest::digest(&ring::digest::SHA256, der);
        Ok(CertInfo {
            subject,
            issuer,
            common_name,
            sans,
            serial: cert.raw_serial_as_string(),
            not_before,
            not_after,
            not_before_rfc3339: rfc3339(not_before),
            not_after_rfc3339: rfc3339(not_after),
            days_until_expiry: seconds_until_expiry / 86_400,
            seconds_until_expiry,
            self_signed,
            sha256: hex(digest.as_ref()),
        })
    }
}

fn ip_text(b: &[u8]) -> String {
    match b.len() {
        4 => std::net::Ipv4Addr::new(b[0], b[1], b[2], b[3]).to_string(),
        16 => {
            let mut a = [0u8; 16];
            a.copy_from_slice(b);
            std::net::Ipv6Addr::from(a).to_string()
        }
        _ => format!("ip:{}", hex(b)),
    }
}

fn hex(b: &[u8]) -> String {
    use std::fmt::Write;
    b.iter()
        .fold(String::with_capacity(b.len() * 2), |mut s, x| {
            let _ = write!(s, "{x:02x}");
            s
        })
}

pub(crate) fn unix_now() -> i64 {
    match SystemTime::now().duration_since(SystemTime::UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
    }
}

/// Formats unix seconds as RFC 3339 UTC (`1970-01-01T00:00:00Z`), proleptic Gregorian.
pub(crate) fn rfc3339(unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

fn host_port_label(host: &str, port: u16) -> String {
    if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// The `ring` provider, shared by every TLS configuration this crate builds.
pub(crate) fn provider() -> Arc<CryptoProvider> {
    static P: OnceLock<Arc<CryptoProvider>> = OnceLock::new();
    P.get_or_init(|| Arc::new(rustls::crypto::ring::default_provider()))
        .clone()
}

/// Mozilla's roots plus `extra`.
pub(crate) fn root_store(extra: &[CertificateDer<'static>]) -> Result<RootCertStore> {
    let mut roots = RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    for (i, cert) in extra.iter().enumerate() {
        roots
            .add(cert.clone())
            .map_err(|e| ProbeError::invalid(format!("extra root certificate #{}", i + 1), e))?;
    }
    Ok(roots)
}

/// Explains a failed handshake, unwrapping the rustls error inside the I/O error.
pub(crate) fn describe_handshake_error(e: &std::io::Error) -> String {
    if let Some(inner) = e.get_ref()
        && let Some(tls) = inner.downcast_ref::<rustls::Error>()
    {
        return describe_rustls_error(tls);
    }
    if e.kind() == std::io::ErrorKind::UnexpectedEof {
        return "the server closed the connection during the handshake".into();
    }
    e.to_string()
}

/// Explains a rustls error, with certificate problems in plain words.
pub(crate) fn describe_rustls_error(e: &rustls::Error) -> String {
    match e {
        rustls::Error::InvalidCertificate(_) => {
            let (_, text) = describe_cert_error(e, false);
            format!("certificate verification failed: {text}")
        }
        rustls::Error::InvalidMessage(rustls::InvalidMessage::InvalidContentType) => {
            format!("the server does not speak TLS on this port ({e})")
        }
        other => other.to_string(),
    }
}

/// Classifies and words a certificate verification error.
pub(crate) fn describe_cert_error(e: &rustls::Error, self_signed: bool) -> (CertFailure, String) {
    let rustls::Error::InvalidCertificate(ce) = e else {
        return (CertFailure::Other, e.to_string());
    };
    match ce {
        CertificateError::Expired => (CertFailure::Expired, "certificate expired".into()),
        CertificateError::ExpiredContext { time, not_after } => {
            let ago = time.as_secs().saturating_sub(not_after.as_secs());
            (
                CertFailure::Expired,
                format!("certificate expired ({} ago)", ago_text(ago)),
            )
        }
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
            (CertFailure::NotYetValid, "certificate not yet valid".into())
        }
        CertificateError::UnknownIssuer if self_signed => (
            CertFailure::UnknownIssuer,
            "unknown issuer (self-signed certificate)".into(),
        ),
        CertificateError::UnknownIssuer => (CertFailure::UnknownIssuer, "unknown issuer".into()),
        CertificateError::NotValidForName => (CertFailure::NameMismatch, "name mismatch".into()),
        CertificateError::NotValidForNameContext {
            expected,
            presented,
        } => (
            CertFailure::NameMismatch,
            format!(
                "name mismatch: certificate is valid for {}, not {}",
                if presented.is_empty() {
                    "no names".to_string()
                } else {
                    presented.join(", ")
                },
                expected.to_str()
            ),
        ),
        CertificateError::BadSignature => (CertFailure::BadSignature, "bad signature".into()),
        CertificateError::Revoked => (CertFailure::Revoked, "certificate revoked".into()),
        CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => (
            CertFailure::InvalidPurpose,
            "certificate not valid for TLS server authentication".into(),
        ),
        CertificateError::BadEncoding => (
            CertFailure::BadEncoding,
            "certificate cannot be decoded".into(),
        ),
        other => (CertFailure::Other, format!("{other}")),
    }
}

fn ago_text(secs: u64) -> String {
    match secs {
        0..120 => format!("{secs} seconds"),
        120..7200 => format!("{} minutes", secs / 60),
        7200..172_800 => format!("{} hours", secs / 3600),
        _ => format!("{} days", secs / 86_400),
    }
}

/// A verifier that records webpki's verdict (and lets the handshake continue), for
/// inspection and for "insecure" connections that still want to know.
#[derive(Debug)]
pub(crate) struct RecordingVerifier {
    inner: Arc<WebPkiServerVerifier>,
    provider: Arc<CryptoProvider>,
    outcome: Mutex<Option<std::result::Result<(), rustls::Error>>>,
}

impl RecordingVerifier {
    pub(crate) fn new(roots: RootCertStore) -> Result<Self> {
        let provider = provider();
        let inner = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
            .build()
            .map_err(|e| ProbeError::invalid("TLS verifier configuration", e))?;
        Ok(Self {
            inner,
            provider,
            outcome: Mutex::new(None),
        })
    }

    /// The recorded verdict of the last handshake, if a certificate was seen.
    pub(crate) fn take_outcome(&self) -> Option<std::result::Result<(), rustls::Error>> {
        self.outcome
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
    }
}

impl ServerCertVerifier for RecordingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        let verdict = self
            .inner
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
            .map(|_| ());
        *self
            .outcome
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(verdict);
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_formatting() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(rfc3339(253_402_300_799), "9999-12-31T23:59:59Z");
        assert_eq!(rfc3339(-1), "1969-12-31T23:59:59Z");
    }

    #[test]
    fn certificate_errors_in_plain_words() {
        let e = rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer);
        assert_eq!(
            describe_cert_error(&e, false),
            (CertFailure::UnknownIssuer, "unknown issuer".to_string())
        );
        assert_eq!(
            describe_cert_error(&e, true).1,
            "unknown issuer (self-signed certificate)"
        );
        let e = rustls::Error::InvalidCertificate(CertificateError::ExpiredContext {
            time: UnixTime::since_unix_epoch(Duration::from_secs(1_000_000 + 3 * 86_400)),
            not_after: UnixTime::since_unix_epoch(Duration::from_secs(1_000_000)),
        });
        assert_eq!(
            describe_cert_error(&e, false),
            (
                CertFailure::Expired,
                "certificate expired (3 days ago)".to_string()
            )
        );
        let e = rustls::Error::InvalidCertificate(CertificateError::NotValidForNameContext {
            expected: ServerName::try_from("b.test").unwrap().to_owned(),
            presented: vec!["a.test".into()],
        });
        assert_eq!(
            describe_cert_error(&e, false).1,
            "name mismatch: certificate is valid for a.test, not b.test"
        );
        assert_eq!(
            describe_rustls_error(&e),
            "certificate verification failed: name mismatch: certificate is valid for a.test, not b.test"
        );
    }

    #[test]
    fn pem_parsing_rejects_garbage() {
        assert!(parse_pem_certificates(b"not pem").is_err());
        assert_eq!(ip_text(&[127, 0, 0, 1]), "127.0.0.1");
        assert_eq!(hex(&[0, 255, 16]), "00ff10");
    }
}
