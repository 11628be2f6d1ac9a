//! TLS for the test API server: the throwaway PKI under tests/support/tls/
//! (made by make.sh there) and the rustls server setups, from no client
//! certificate to kube-apiserver's way of authenticating by certificate.
#![allow(dead_code)]

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::server::{ServerConfig, WebPkiClientVerifier};
use rustls::{DigitallySignedStruct, DistinguishedName, SignatureScheme};
use std::path::PathBuf;
use std::sync::Arc;

/// How the server asks for client certificates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuth {
    /// It does not (bearer tokens over TLS, a Pod's service account).
    None,
    /// The handshake fails without a certificate signed by `ca.crt`, as
    /// behind a proxy that terminates mutual TLS.
    Required,
    /// As kube-apiserver does: any certificate passes the handshake, and a
    /// request is authenticated by a certificate `ca.crt` signed (or by an
    /// accepted token); anything else gets 401.
    Requested,
}

/// `tests/support/tls/<name>`.
pub fn file(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/support/tls")
        .join(name)
}

/// The PEM text of `tests/support/tls/<name>`.
pub fn pem(name: &str) -> String {
    std::fs::read_to_string(file(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The first certificate of `tests/support/tls/<name>`.
pub fn certificate(name: &str) -> CertificateDer<'static> {
    CertificateDer::from_pem_file(file(name)).unwrap_or_else(|e| panic!("{name}: {e:?}"))
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Verifies client certificates against `ca.crt`.
fn ca_verifier() -> Arc<dyn ClientCertVerifier> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(certificate("ca.crt")).unwrap();
    WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider())
        .build()
        .unwrap()
}

/// The server's rustls setup: `server.crt` for 127.0.0.1 and localhost,
/// offering HTTP/2 and HTTP/1.1 in the handshake as kube-apiserver does.
pub fn server_config(auth: ClientAuth) -> Arc<ServerConfig> {
    server_config_offering(auth, &[b"h2", b"http/1.1"])
}

/// [`server_config`] offering only `protocols` (ALPN), e.g. HTTP/1.1 alone,
/// as some proxies in front of API servers do.
pub fn server_config_offering(auth: ClientAuth, protocols: &[&[u8]]) -> Arc<ServerConfig> {
    let builder = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap();
    let builder = match auth {
        ClientAuth::None => builder.with_no_client_auth(),
        ClientAuth::Required => builder.with_client_cert_verifier(ca_verifier()),
        ClientAuth::Requested => {
            builder.with_client_cert_verifier(Arc::new(AnyCertificate { ca: ca_verifier() }))
        }
    };
    let chain = vec![certificate("server.crt")];
    let key = PrivateKeyDer::from_pem_file(file("server.key")).unwrap();
    let mut config = builder.with_single_cert(chain, key).unwrap();
    config.alpn_protocols = protocols.iter().map(|p| p.to_vec()).collect();
    Arc::new(config)
}

/// Whether `ca.crt` signed the client certificate chain `chain`.
pub fn signed_by_the_ca(chain: &[CertificateDer<'_>]) -> bool {
    let Some((end, intermediates)) = chain.split_first() else {
        return false;
    };
    ca_verifier()
        .verify_client_cert(end, intermediates, UnixTime::now())
        .is_ok()
}

/// kube-apiserver's handshake (Go's `tls.RequestClientCert`): a certificate
/// is asked for, with the CA named as a hint, and not judged until a request
/// is authenticated. The signatures still prove the client holds the key.
#[derive(Debug)]
struct AnyCertificate {
    ca: Arc<dyn ClientCertVerifier>,
}

impl ClientCertVerifier for AnyCertificate {
    fn client_auth_mandatory(&self) -> bool {
        false
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        self.ca.root_hint_subjects()
    }

    fn verify_client_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        Ok(ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        self.ca.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        self.ca.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.ca.supported_verify_schemes()
    }
}
