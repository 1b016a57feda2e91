//! SMTP connections of our own making: lettre speaks the protocol (EHLO,
//! STARTTLS, AUTH, MAIL/RCPT/DATA) on a socket we open, so that the socket
//! has TCP_NODELAY. Without it each answer waited for the server's delayed
//! ACK (40 ms): lettre writes the message and its final CRLF.CRLF in two
//! segments, and Nagle's algorithm holds the second until the first is
//! acknowledged — answers trickled out at 60–75 a second.
//!
//! Up to `smtp.pool_size` connections are open at once, each sending one
//! message at a time; idle ones are kept for the next answer (checked with
//! NOOP after a pause, closed after a minute). Every step is bounded by
//! `smtp.timeout_secs`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, AsyncTokioStream, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use tokio::net::TcpStream;
use tokio::sync::Semaphore;
use tokio_rustls::rustls::ClientConfig;

use crate::config::{Security, SmtpSettings};

/// An idle connection older than this is closed rather than reused (servers
/// drop idle clients after a few minutes).
const MAX_IDLE: Duration = Duration::from_secs(60);
/// An idle connection older than this is asked NOOP before it is reused.
const CHECK_AFTER: Duration = Duration::from_secs(5);

/// Why a message could not be handed over.
#[derive(Debug, thiserror::Error)]
pub enum SmtpError {
    /// The server answered, or lettre refused: its code and text.
    #[error(transparent)]
    Smtp(#[from] lettre::transport::smtp::Error),
    #[error("connecting to {host}:{port}: {source}")]
    Connect { host: String, port: u16, source: std::io::Error },
    #[error("TLS with {host}: {source}")]
    Tls { host: String, source: std::io::Error },
    #[error("{0} took longer than smtp.timeout_secs")]
    Timeout(&'static str),
}

pub struct SmtpPool {
    settings: SmtpSettings,
    hello: ClientId,
    /// For `smtp.security = "tls"` (implicit TLS), our own handshake.
    implicit_tls: Option<Arc<ClientConfig>>,
    /// For `smtp.security = "starttls"`: lettre upgrades the connection.
    starttls: Option<TlsParameters>,
    idle: std::sync::Mutex<Vec<(AsyncSmtpConnection, Instant)>>,
    open: Semaphore,
}

/// A TLS stream lettre can speak SMTP on.
#[derive(Debug)]
struct TlsStream(tokio_rustls::client::TlsStream<TcpStream>);

impl tokio::io::AsyncRead for TlsStream {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl tokio::io::AsyncWrite for TlsStream {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::pin::Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

impl AsyncTokioStream for TlsStream {
    fn peer_addr(&self) -> std::io::Result<std::net::SocketAddr> {
        self.0.get_ref().0.peer_addr()
    }
}

impl SmtpPool {
    pub fn new(
        settings: SmtpSettings,
        hello: ClientId,
        implicit_tls: Option<Arc<ClientConfig>>,
        starttls: Option<TlsParameters>,
    ) -> SmtpPool {
        let size = settings.pool_size.max(1) as usize;
        SmtpPool {
            settings,
            hello,
            implicit_tls,
            starttls,
            idle: std::sync::Mutex::new(Vec::new()),
            open: Semaphore::new(size),
        }
    }

    fn timeout(&self) -> Duration {
        Duration::from_secs(self.settings.timeout_secs)
    }

    async fn timed<T, E: Into<SmtpError>>(
        &self,
        what: &'static str,
        f: impl std::future::Future<Output = Result<T, E>>,
    ) -> Result<T, SmtpError> {
        tokio::time::timeout(self.timeout(), f).await.map_err(|_| SmtpError::Timeout(what))?.map_err(Into::into)
    }

    /// Hands one message over on a pooled connection (opened, with TLS and
    /// AUTH, when none is idle).
    pub async fn send(
        &self,
        envelope: &Envelope,
        message: &[u8],
        auth: Option<&(Credentials, Vec<Mechanism>)>,
    ) -> Result<(), SmtpError> {
        let _place = self.open.acquire().await.expect("the semaphore is never closed");
        let mut conn = match self.reusable().await {
            Some(conn) => conn,
            None => self.connect(auth).await?,
        };
        match self.timed("sending", conn.send(envelope, message)).await {
            Ok(_) => {
                self.idle.lock().expect("not poisoned").push((conn, Instant::now()));
                Ok(())
            }
            Err(e) => {
                // A connection that failed mid-message is not used again.
                let _ = tokio::time::timeout(Duration::from_secs(1), conn.abort()).await;
                Err(e)
            }
        }
    }

    /// An idle connection that still works, if there is one.
    async fn reusable(&self) -> Option<AsyncSmtpConnection> {
        loop {
            let (mut conn, since) = self.idle.lock().expect("not poisoned").pop()?;
            let age = since.elapsed();
            if age > MAX_IDLE || conn.has_broken() {
                let _ = tokio::time::timeout(Duration::from_secs(1), conn.quit()).await;
                continue;
            }
            if age < CHECK_AFTER
                || self.timed("NOOP", async { Ok::<_, SmtpError>(conn.test_connected().await) }).await.unwrap_or(false)
            {
                return Some(conn);
            }
        }
    }

    /// Opens a connection: TCP with TCP_NODELAY, TLS as configured, EHLO, AUTH.
    pub async fn connect(
        &self,
        auth: Option<&(Credentials, Vec<Mechanism>)>,
    ) -> Result<AsyncSmtpConnection, SmtpError> {
        let s = &self.settings;
        let tcp = self
            .timed("connecting", async {
                TcpStream::connect((s.host.as_str(), s.port)).await.map_err(|source| SmtpError::Connect {
                    host: s.host.clone(),
                    port: s.port,
                    source,
                })
            })
            .await?;
        let _ = tcp.set_nodelay(true);
        let mut conn = match (&self.implicit_tls, s.security) {
            (Some(config), Security::Tls) => {
                let name = rustls_pki_types_name(&s.host)?;
                let tls = self
                    .timed("the TLS handshake", async {
                        tokio_rustls::TlsConnector::from(config.clone())
                            .connect(name, tcp)
                            .await
                            .map_err(|source| SmtpError::Tls { host: s.host.clone(), source })
                    })
                    .await?;
                self.timed(
                    "the greeting",
                    AsyncSmtpConnection::connect_with_transport(Box::new(TlsStream(tls)), &self.hello),
                )
                .await?
            }
            _ => {
                self.timed("the greeting", AsyncSmtpConnection::connect_with_transport(Box::new(tcp), &self.hello))
                    .await?
            }
        };
        if let (Some(params), Security::Starttls) = (&self.starttls, s.security) {
            self.timed("STARTTLS", conn.starttls(params.clone(), &self.hello)).await?;
        }
        if let Some((credentials, mechanisms)) = auth {
            self.timed("AUTH", conn.auth(mechanisms, credentials)).await?;
        }
        Ok(conn)
    }
}

fn rustls_pki_types_name(host: &str) -> Result<tokio_rustls::rustls::pki_types::ServerName<'static>, SmtpError> {
    tokio_rustls::rustls::pki_types::ServerName::try_from(host.to_string()).map_err(|e| SmtpError::Tls {
        host: host.to_string(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidInput, e.to_string()),
    })
}
