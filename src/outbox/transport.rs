//! Where replies go: one .eml file per reply (the embedded default), or SMTP,
//! chosen by `reply.transport` ([`Configured`]).
//!
//! The file transport is a lettre `AsyncTransport` that names each file after
//! the reply's Message-ID and writes it atomically (temporary file, then
//! rename). Sending the same reply twice — after a crash between sending and
//! marking it sent — rewrites the same file, so each reply exists once.

use std::future::Future;
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use lettre::AsyncTransport;
use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};

use super::smtp::{SmtpError, SmtpPool};

/// Why a reply did not go out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeliveryError {
    /// Try again later (network, 4xx, disk full).
    #[error("temporary: {0}")]
    Temporary(String),
    /// Trying again will not help (5xx, invalid recipient).
    #[error("permanent: {0}")]
    Permanent(String),
}

/// A destination for replies, as the outbox worker sees it.
pub trait Deliver: Send + Sync {
    fn deliver(&self, message: lettre::Message) -> impl Future<Output = Result<(), DeliveryError>> + Send;
    /// Short description for logs.
    fn describe(&self) -> String;
}

/// Why the configured transport could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    #[error("reply.dir {path}: {source}")]
    Dir { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    Smtp(#[from] SmtpSetupError),
}

/// The transport the configuration names.
pub enum Configured {
    File(MessageIdFileTransport),
    // Boxed: it carries its settings, the file transport only a path.
    Smtp(Box<SmtpDelivery>),
}

impl Configured {
    pub fn from_settings(settings: &crate::config::Settings) -> Result<Configured, TransportError> {
        use crate::config::TransportKind;
        let reply = &settings.reply;
        Ok(match reply.transport {
            TransportKind::File => Configured::File(
                MessageIdFileTransport::new(&reply.dir)
                    .map_err(|source| TransportError::Dir { path: reply.dir.clone(), source })?,
            ),
            TransportKind::Smtp => Configured::Smtp(Box::new(SmtpDelivery::from_settings(settings)?)),
        })
    }
}

impl Deliver for Configured {
    async fn deliver(&self, message: lettre::Message) -> Result<(), DeliveryError> {
        match self {
            Configured::File(t) => t.deliver(message).await,
            Configured::Smtp(t) => t.deliver(message).await,
        }
    }

    fn describe(&self) -> String {
        match self {
            Configured::File(t) => t.describe(),
            Configured::Smtp(t) => t.describe(),
        }
    }
}

/// Writes each reply to `<dir>/<Message-ID>.eml`.
#[derive(Debug, Clone)]
pub struct MessageIdFileTransport {
    dir: PathBuf,
}

impl MessageIdFileTransport {
    pub fn new(dir: impl Into<PathBuf>) -> std::io::Result<Self> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir)?;
        Ok(MessageIdFileTransport { dir })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file a reply with this Message-ID is written to.
    pub fn path_for(&self, message_id: &str) -> PathBuf {
        let safe: String = message_id
            .trim_matches(['<', '>'])
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '@') { c } else { '_' })
            .collect();
        self.dir.join(format!("{safe}.eml"))
    }
}

fn message_id_of(raw: &[u8]) -> Option<String> {
    let headers_end = crate::mail::raw::header_end(raw).unwrap_or(raw.len());
    let headers = std::str::from_utf8(&raw[..headers_end]).ok()?;
    headers
        .split("\r\n")
        .find_map(|l| l.strip_prefix("Message-ID:").or_else(|| l.strip_prefix("Message-Id:")))
        .map(|v| v.trim().to_string())
}

#[async_trait]
impl AsyncTransport for MessageIdFileTransport {
    type Ok = PathBuf;
    type Error = std::io::Error;

    async fn send_raw(&self, _envelope: &Envelope, email: &[u8]) -> Result<PathBuf, std::io::Error> {
        let id = message_id_of(email).ok_or_else(|| std::io::Error::other("reply without a Message-ID"))?;
        let path = self.path_for(&id);
        let tmp = path.with_extension("eml.tmp");
        tokio::fs::write(&tmp, email).await?;
        let file = tokio::fs::File::open(&tmp).await?;
        file.sync_all().await?;
        tokio::fs::rename(&tmp, &path).await?;
        Ok(path)
    }
}

impl Deliver for MessageIdFileTransport {
    async fn deliver(&self, message: lettre::Message) -> Result<(), DeliveryError> {
        self.send(message).await.map(|_| ()).map_err(|e| DeliveryError::Temporary(format!("writing reply file: {e}")))
    }

    fn describe(&self) -> String {
        format!("files in {}", self.dir.display())
    }
}

/// Replies over SMTP: lettre's protocol on connections of our own (TCP_NODELAY,
/// `smtp.pool_size` at once; see `smtp.rs`). With XOAUTH2 a fresh token is
/// asked for when the one held is old or was refused (tokens expire within
/// the hour); each new connection authenticates with the token then held.
pub struct SmtpDelivery {
    settings: crate::config::SmtpSettings,
    pool: SmtpPool,
    auth: Auth,
    describe: String,
}

type Login = (Credentials, Vec<Mechanism>);

enum Auth {
    /// No AUTH, or AUTH PLAIN/LOGIN with a password.
    Fixed(Option<Login>),
    OAuth2 {
        source: crate::config::oauth2::TokenSource,
        current: tokio::sync::Mutex<Option<(std::time::Instant, Login)>>,
    },
}

/// How long a token is used before another is asked for (Entra ID's last
/// 60 to 90 minutes).
const TOKEN_REUSE: std::time::Duration = std::time::Duration::from_secs(45 * 60);

#[derive(Debug, thiserror::Error)]
pub enum SmtpSetupError {
    #[error("smtp.tls_ca_file {path}: {reason}")]
    CaFile { path: String, reason: String },
    #[error("SMTP TLS parameters for {host}: {source}")]
    Tls { host: String, source: lettre::transport::smtp::Error },
    #[error("smtp.hello_name {0:?} is not a host name")]
    HelloName(String),
}

/// The server refused our credentials (RFC 4954: 530, 534, 535, 538).
pub fn refuses_credentials(e: &lettre::transport::smtp::Error) -> bool {
    e.status().is_some_and(|c| matches!(c.to_string().as_str(), "530" | "534" | "535" | "538"))
}

/// A refused XOAUTH2 token: a refusal of our credentials, or the error
/// challenge (334 with the provider's JSON) that lettre's XOAUTH2 does not
/// take and reports as a client error.
pub fn token_refused(e: &lettre::transport::smtp::Error) -> bool {
    e.is_client() || refuses_credentials(e)
}

/// The error as the server's code (when it answered) and lettre's text.
pub fn error_text(e: &lettre::transport::smtp::Error) -> String {
    match e.status() {
        Some(code) => format!("{code} {e}"),
        None => e.to_string(),
    }
}

impl SmtpDelivery {
    /// From the SMTP settings alone (XOAUTH2 tokens from smtp's own source).
    pub fn new(s: &crate::config::SmtpSettings) -> Result<SmtpDelivery, SmtpSetupError> {
        Self::with_tokens(s, s.own_token_source())
    }

    /// As the configuration says: XOAUTH2 tokens from smtp's source, else imap's.
    pub fn from_settings(settings: &crate::config::Settings) -> Result<SmtpDelivery, SmtpSetupError> {
        Self::with_tokens(&settings.smtp, settings.smtp.token_source(&settings.imap))
    }

    fn with_tokens(
        s: &crate::config::SmtpSettings,
        source: crate::config::oauth2::TokenSource,
    ) -> Result<SmtpDelivery, SmtpSetupError> {
        use secrecy::ExposeSecret;
        let auth = match s.auth {
            crate::config::SmtpAuth::Password if s.username.is_empty() => Auth::Fixed(None),
            crate::config::SmtpAuth::Password => {
                let credentials = Credentials::new(s.username.clone(), s.password.expose_secret().to_string());
                Auth::Fixed(Some((credentials, vec![Mechanism::Plain, Mechanism::Login])))
            }
            // The token is asked for when sending.
            crate::config::SmtpAuth::Xoauth2 => Auth::OAuth2 { source, current: tokio::sync::Mutex::new(None) },
        };
        Ok(SmtpDelivery {
            settings: s.clone(),
            pool: build(s)?,
            auth,
            describe: format!("smtp {}:{} ({:?}, auth {})", s.host, s.port, s.security, s.auth),
        })
    }

    /// The login new connections make: for XOAUTH2, with a token younger
    /// than [`TOKEN_REUSE`].
    async fn login(&self) -> Result<Option<Login>, DeliveryError> {
        match &self.auth {
            Auth::Fixed(login) => Ok(login.clone()),
            Auth::OAuth2 { source, current } => {
                let mut current = current.lock().await;
                if let Some((at, login)) = current.as_ref()
                    && at.elapsed() < TOKEN_REUSE
                {
                    return Ok(Some(login.clone()));
                }
                let timeout = std::time::Duration::from_secs(self.settings.timeout_secs);
                let token = source
                    .token(timeout)
                    .await
                    .map_err(|e| DeliveryError::Temporary(format!("the OAuth2 token: {e}")))?;
                let login = (Credentials::new(self.settings.username.clone(), token), vec![Mechanism::Xoauth2]);
                tracing::debug!("SMTP login with a new OAuth2 token");
                *current = Some((std::time::Instant::now(), login.clone()));
                Ok(Some(login))
            }
        }
    }

    /// After the server refused the token: the next connection asks for another.
    async fn forget_token(&self) {
        if let Auth::OAuth2 { current, .. } = &self.auth {
            *current.lock().await = None;
        }
    }

    /// Opens a connection as sending would (TCP, TLS, EHLO, AUTH) and sends
    /// NOOP (`check-config`).
    pub async fn check(&self) -> Result<(), CheckError> {
        let login = self.login().await.map_err(|e| CheckError::Token(e.to_string()))?;
        let mut conn = self.pool.connect(login.as_ref()).await.map_err(CheckError::Smtp)?;
        let noop = conn.test_connected().await;
        let _ = conn.quit().await;
        if noop { Ok(()) } else { Err(CheckError::Token("the server did not answer NOOP".into())) }
    }
}

/// Why `check-config`'s SMTP check failed.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error("{0}")]
    Token(String),
    #[error(transparent)]
    Smtp(SmtpError),
}

/// The connections for these settings: TLS as configured, the hello name checked.
fn build(s: &crate::config::SmtpSettings) -> Result<SmtpPool, SmtpSetupError> {
    use lettre::transport::smtp::client::{Certificate, TlsParameters};
    use lettre::transport::smtp::extension::ClientId;

    use crate::config::Security;

    let ca_file = || -> Result<Option<Vec<u8>>, SmtpSetupError> {
        if s.tls_ca_file.as_os_str().is_empty() {
            return Ok(None);
        }
        let path = s.tls_ca_file.display().to_string();
        std::fs::read(&s.tls_ca_file).map(Some).map_err(|e| SmtpSetupError::CaFile { path, reason: e.to_string() })
    };
    let (implicit_tls, starttls) = match s.security {
        Security::Tls => {
            let config = crate::source::tls::client_config(&s.tls_ca_file).map_err(|e| SmtpSetupError::CaFile {
                path: s.tls_ca_file.display().to_string(),
                reason: e.to_string(),
            })?;
            (Some(config), None)
        }
        Security::Starttls => {
            let mut builder = TlsParameters::builder(s.host.clone());
            if let Some(pem) = ca_file()? {
                let path = s.tls_ca_file.display().to_string();
                let cert =
                    Certificate::from_pem(&pem).map_err(|e| SmtpSetupError::CaFile { path, reason: e.to_string() })?;
                builder = builder.add_root_certificate(cert);
            }
            let params =
                builder.build_rustls().map_err(|source| SmtpSetupError::Tls { host: s.host.clone(), source })?;
            (None, Some(params))
        }
        Security::Plain => (None, None),
    };
    let hello = if s.hello_name.trim().is_empty() {
        ClientId::default()
    } else {
        let name = s.hello_name.trim();
        if !name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-')) {
            return Err(SmtpSetupError::HelloName(name.to_string()));
        }
        ClientId::Domain(name.to_string())
    };
    Ok(SmtpPool::new(s.clone(), hello, implicit_tls, starttls))
}

/// 4xx answers, timeouts and network errors are worth retrying; 5xx answers
/// are not — except authentication failures, which are our configuration and
/// must not throw replies away while an operator fixes it.
pub fn classify(e: &lettre::transport::smtp::Error) -> DeliveryError {
    let text = error_text(e);
    let auth = refuses_credentials(e);
    if e.is_permanent() && !auth {
        DeliveryError::Permanent(text)
    } else if auth {
        DeliveryError::Temporary(format!("{text} (check smtp.username and smtp.password)"))
    } else {
        DeliveryError::Temporary(text)
    }
}

impl Deliver for SmtpDelivery {
    async fn deliver(&self, message: lettre::Message) -> Result<(), DeliveryError> {
        let login = self.login().await?;
        let envelope = message.envelope().clone();
        let sent = self.pool.send(&envelope, &message.formatted(), login.as_ref()).await;
        match sent {
            Ok(()) => Ok(()),
            Err(e) if matches!(self.auth, Auth::OAuth2 { .. }) => {
                // Whatever failed, the next attempt asks for a fresh token:
                // a refused one must not be used for the rest of the hour.
                self.forget_token().await;
                if let SmtpError::Smtp(inner) = &e
                    && token_refused(inner)
                {
                    return Err(DeliveryError::Temporary(format!(
                        "{inner} (the server refused the OAuth2 token: check the token source and the app's \
                         SMTP.SendAsApp permission)"
                    )));
                }
                Err(classify_send(&e))
            }
            Err(e) => Err(classify_send(&e)),
        }
    }

    fn describe(&self) -> String {
        self.describe.clone()
    }
}

/// A failed hand-over: the server's answer as [`classify`] reads it;
/// connecting, TLS and timeouts are worth retrying.
fn classify_send(e: &SmtpError) -> DeliveryError {
    match e {
        SmtpError::Smtp(inner) => classify(inner),
        other => DeliveryError::Temporary(other.to_string()),
    }
}
