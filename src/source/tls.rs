//! The TLS client configuration the mail connections share (IMAP, and SMTP
//! with implicit TLS): the public roots, and the CA file a private server's
//! certificate is signed by.

use std::sync::Arc;

use tokio_rustls::rustls::{ClientConfig, RootCertStore};

#[derive(Debug, thiserror::Error)]
pub enum TlsConfigError {
    #[error("reading {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("{path}: {reason}")]
    Certificate { path: String, reason: String },
    #[error("{0}")]
    Protocols(String),
}

/// The public roots, and the certificates of `ca_file` when it is set.
pub fn client_config(ca_file: &std::path::Path) -> Result<Arc<ClientConfig>, TlsConfigError> {
    let mut roots = RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if !ca_file.as_os_str().is_empty() {
        let path = ca_file.display().to_string();
        let pem = std::fs::read(ca_file).map_err(|source| TlsConfigError::Read { path: path.clone(), source })?;
        for cert in rustls_pemfile::certs(&mut pem.as_slice()) {
            let cert = cert.map_err(|e| TlsConfigError::Certificate { path: path.clone(), reason: e.to_string() })?;
            roots.add(cert).map_err(|e| TlsConfigError::Certificate { path: path.clone(), reason: e.to_string() })?;
        }
    }
    let config = ClientConfig::builder_with_provider(Arc::new(tokio_rustls::rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsConfigError::Protocols(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}
