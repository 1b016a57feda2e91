//! Opening an authenticated IMAP session: TCP, then implicit TLS, STARTTLS or
//! (only when configured, for loopback) nothing; then LOGIN, AUTHENTICATE PLAIN
//! or AUTHENTICATE XOAUTH2. Every step is bounded by the configured timeout.

use std::fmt::Debug;
use std::sync::Arc;

use async_imap::{Authenticator, Client, Session};
use secrecy::ExposeSecret;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::ClientConfig;
use tokio_rustls::rustls::pki_types::ServerName;

use super::timed::{TimedOut, timed};
use crate::config::{ImapAuth, ImapSettings, Security};
use crate::source::FailureKind;

/// Any byte stream an IMAP session can run over (TCP, or TLS over TCP).
pub trait ImapIo: AsyncRead + AsyncWrite + Unpin + Send + Debug {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + Debug> ImapIo for T {}

pub type ImapStream = Box<dyn ImapIo>;
pub type ImapSession = Session<ImapStream>;

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error(transparent)]
    TimedOut(#[from] TimedOut),
    #[error("connecting to {host}:{port}: {source}")]
    Tcp { host: String, port: u16, source: std::io::Error },
    #[error("TLS with {host}: {source}")]
    Tls { host: String, source: std::io::Error },
    #[error("TLS configuration: {0}")]
    TlsConfig(String),
    #[error("the server refused the connection: {0}")]
    Greeting(String),
    #[error("STARTTLS: {0}")]
    StartTls(async_imap::error::Error),
    #[error("authenticating as {user}: {source}")]
    Auth { user: String, source: async_imap::error::Error },
    #[error("reading the OAuth2 token: {0}")]
    Token(String),
}

impl ConnectError {
    /// A refused login, a certificate we do not trust or a TLS setting will
    /// be the same on the next attempt; the network and the server may not.
    pub fn kind(&self) -> FailureKind {
        match self {
            ConnectError::Auth { .. } | ConnectError::TlsConfig(_) => FailureKind::Configuration,
            ConnectError::Tls { source, .. } if is_certificate_error(source) => FailureKind::Configuration,
            _ => FailureKind::Transient,
        }
    }
}

/// rustls reports a certificate it does not accept inside the I/O error of
/// the handshake.
fn is_certificate_error(e: &std::io::Error) -> bool {
    use tokio_rustls::rustls::Error as Tls;
    e.get_ref()
        .and_then(|inner| inner.downcast_ref::<Tls>())
        .is_some_and(|t| matches!(t, Tls::InvalidCertificate(_) | Tls::NoCertificatesPresented))
}

pub fn tls_config(ca_file: &std::path::Path) -> Result<Arc<ClientConfig>, ConnectError> {
    crate::source::tls::client_config(ca_file).map_err(|e| ConnectError::TlsConfig(e.to_string()))
}

async fn tls_wrap(s: &ImapSettings, tls: &Arc<ClientConfig>, io: ImapStream) -> Result<ImapStream, ConnectError> {
    let name = ServerName::try_from(s.host.clone()).map_err(|e| ConnectError::TlsConfig(format!("{}: {e}", s.host)))?;
    let stream = timed(s.timeout_secs, "TLS handshake", TlsConnector::from(tls.clone()).connect(name, io))
        .await?
        .map_err(|source| ConnectError::Tls { host: s.host.clone(), source })?;
    Ok(Box::new(stream))
}

async fn greeting(s: &ImapSettings, client: &mut Client<ImapStream>) -> Result<(), ConnectError> {
    let response = timed(s.timeout_secs, "reading the greeting", client.read_response())
        .await?
        .map_err(|e| ConnectError::Greeting(e.to_string()))?
        .ok_or_else(|| ConnectError::Greeting("connection closed before the greeting".into()))?;
    match response.parsed() {
        async_imap::imap_proto::Response::Data { status: async_imap::imap_proto::Status::Ok, .. } => Ok(()),
        other => Err(ConnectError::Greeting(format!("{other:?}"))),
    }
}

/// Connects and authenticates.
pub async fn open(s: &ImapSettings, tls: &Arc<ClientConfig>) -> Result<ImapSession, ConnectError> {
    let tcp = timed(s.timeout_secs, "connecting", TcpStream::connect((s.host.as_str(), s.port)))
        .await?
        .map_err(|source| ConnectError::Tcp { host: s.host.clone(), port: s.port, source })?;
    let _ = tcp.set_nodelay(true);
    let io: ImapStream = Box::new(tcp);
    let client = match s.security {
        Security::Tls => {
            let mut client = Client::new(tls_wrap(s, tls, io).await?);
            greeting(s, &mut client).await?;
            client
        }
        Security::Starttls => {
            let mut client = Client::new(io);
            greeting(s, &mut client).await?;
            timed(s.timeout_secs, "STARTTLS", client.run_command_and_check_ok("STARTTLS", None))
                .await?
                .map_err(ConnectError::StartTls)?;
            Client::new(tls_wrap(s, tls, client.into_inner()).await?)
        }
        Security::Plain => {
            let mut client = Client::new(io);
            greeting(s, &mut client).await?;
            client
        }
    };
    authenticate(s, client).await
}

async fn authenticate(s: &ImapSettings, client: Client<ImapStream>) -> Result<ImapSession, ConnectError> {
    let user = s.username.clone();
    let auth_error = |source| ConnectError::Auth { user: user.clone(), source };
    let session = match s.auth {
        ImapAuth::Login => timed(s.timeout_secs, "LOGIN", client.login(&s.username, s.password.expose_secret()))
            .await?
            .map_err(|(e, _)| auth_error(e))?,
        ImapAuth::Plain => {
            let sasl = SaslOnce(format!("\0{}\0{}", s.username, s.password.expose_secret()).into_bytes(), false);
            timed(s.timeout_secs, "AUTHENTICATE PLAIN", client.authenticate("PLAIN", sasl))
                .await?
                .map_err(|(e, _)| auth_error(e))?
        }
        ImapAuth::Xoauth2 => {
            let token = oauth2_token(s).await?;
            let sasl = SaslOnce(xoauth2_response(&s.username, &token).into_bytes(), false);
            timed(s.timeout_secs, "AUTHENTICATE XOAUTH2", client.authenticate("XOAUTH2", sasl))
                .await?
                .map_err(|(e, _)| auth_error(e))?
        }
    };
    Ok(session)
}

/// The XOAUTH2 initial response (Google's and Microsoft's SASL XOAUTH2).
pub fn xoauth2_response(user: &str, token: &str) -> String {
    format!("user={user}\x01auth=Bearer {token}\x01\x01")
}

/// Sends its response to the first challenge; to any further challenge (a
/// server's error details for XOAUTH2) it answers empty, which ends the exchange.
struct SaslOnce(Vec<u8>, bool);

impl Authenticator for SaslOnce {
    type Response = Vec<u8>;

    fn process(&mut self, _challenge: &[u8]) -> Vec<u8> {
        if self.1 {
            Vec::new()
        } else {
            self.1 = true;
            std::mem::take(&mut self.0)
        }
    }
}

/// The access token, fetched anew for every connection (tokens expire).
async fn oauth2_token(s: &ImapSettings) -> Result<String, ConnectError> {
    let source = crate::config::oauth2::TokenSource {
        command: s.oauth2_token_command.clone(),
        file: s.oauth2_token_file.clone(),
        keys: "imap.oauth2_token",
    };
    source.token(std::time::Duration::from_secs(s.timeout_secs)).await.map_err(|e| ConnectError::Token(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xoauth2_has_the_documented_shape() {
        assert_eq!(xoauth2_response("a@b.se", "tok"), "user=a@b.se\x01auth=Bearer tok\x01\x01");
    }

    #[test]
    fn a_sasl_response_is_sent_once() {
        let mut s = SaslOnce(b"x".to_vec(), false);
        assert_eq!(s.process(b""), b"x");
        assert_eq!(s.process(b"{\"status\":\"401\"}"), b"");
    }
}
