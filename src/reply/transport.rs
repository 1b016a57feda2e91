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

/// Replies over SMTP (lettre's async transport with rustls, a small pool).
/// With XOAUTH2 the transport is built again with a fresh token when the
/// one it holds is old or was refused (tokens expire within the hour).
pub struct SmtpDelivery {
    settings: crate::config::SmtpSettings,
    auth: Auth,
    describe: String,
}

enum Auth {
    /// No AUTH, or AUTH PLAIN/LOGIN with a password: one transport for good.
    Fixed(Transport),
    OAuth2 {
        source: crate::oauth2::TokenSource,
        current: tokio::sync::Mutex<Option<(std::time::Instant, Transport)>>,
    },
}

type Transport = lettre::AsyncSmtpTransport<lettre::Tokio1Executor>;

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
        source: crate::oauth2::TokenSource,
    ) -> Result<SmtpDelivery, SmtpSetupError> {
        use lettre::transport::smtp::authentication::{Credentials, Mechanism};
        use secrecy::ExposeSecret;

        let auth = match s.auth {
            crate::config::SmtpAuth::Password if s.username.is_empty() => Auth::Fixed(build(s, None)?),
            crate::config::SmtpAuth::Password => {
                let credentials = Credentials::new(s.username.clone(), s.password.expose_secret().to_string());
                Auth::Fixed(build(s, Some((credentials, vec![Mechanism::Plain, Mechanism::Login])))?)
            }
            crate::config::SmtpAuth::Xoauth2 => {
                // The settings are checked now; the token is asked for when sending.
                build(s, None)?;
                Auth::OAuth2 { source, current: tokio::sync::Mutex::new(None) }
            }
        };
        Ok(SmtpDelivery {
            settings: s.clone(),
            auth,
            describe: format!("smtp {}:{} ({:?}, auth {})", s.host, s.port, s.security, s.auth),
        })
    }

    /// The transport to send with: for XOAUTH2, built with a token younger
    /// than [`TOKEN_REUSE`].
    async fn transport(&self) -> Result<Transport, DeliveryError> {
        use lettre::transport::smtp::authentication::{Credentials, Mechanism};
        match &self.auth {
            Auth::Fixed(t) => Ok(t.clone()),
            Auth::OAuth2 { source, current } => {
                let mut current = current.lock().await;
                if let Some((at, t)) = current.as_ref()
                    && at.elapsed() < TOKEN_REUSE
                {
                    return Ok(t.clone());
                }
                let timeout = std::time::Duration::from_secs(self.settings.timeout_secs);
                let token = source
                    .token(timeout)
                    .await
                    .map_err(|e| DeliveryError::Temporary(format!("the OAuth2 token: {e}")))?;
                let credentials = Credentials::new(self.settings.username.clone(), token);
                let t = build(&self.settings, Some((credentials, vec![Mechanism::Xoauth2])))
                    .map_err(|e| DeliveryError::Temporary(e.to_string()))?;
                tracing::debug!("SMTP transport built with a new OAuth2 token");
                *current = Some((std::time::Instant::now(), t.clone()));
                Ok(t)
            }
        }
    }

    /// After the server refused the token: the next send asks for another.
    async fn forget_token(&self) {
        if let Auth::OAuth2 { current, .. } = &self.auth {
            *current.lock().await = None;
        }
    }

    /// Opens a connection as sending would (TCP, TLS, EHLO, AUTH) and sends
    /// NOOP (`check-config`).
    pub async fn check(&self) -> Result<(), CheckError> {
        let transport = self.transport().await.map_err(|e| CheckError::Token(e.to_string()))?;
        transport.test_connection().await.map(|_| ()).map_err(CheckError::Smtp)
    }
}

/// Why `check-config`'s SMTP check failed.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error("{0}")]
    Token(String),
    #[error(transparent)]
    Smtp(lettre::transport::smtp::Error),
}

/// The lettre transport for these settings, with `auth` when given.
fn build(
    s: &crate::config::SmtpSettings,
    auth: Option<(
        lettre::transport::smtp::authentication::Credentials,
        Vec<lettre::transport::smtp::authentication::Mechanism>,
    )>,
) -> Result<Transport, SmtpSetupError> {
    use lettre::transport::smtp::PoolConfig;
    use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
    use lettre::transport::smtp::extension::ClientId;

    use crate::config::Security;

    let tls_parameters = || -> Result<TlsParameters, SmtpSetupError> {
        let mut builder = TlsParameters::builder(s.host.clone());
        if !s.tls_ca_file.as_os_str().is_empty() {
            let path = s.tls_ca_file.display().to_string();
            let pem = std::fs::read(&s.tls_ca_file)
                .map_err(|e| SmtpSetupError::CaFile { path: path.clone(), reason: e.to_string() })?;
            let cert =
                Certificate::from_pem(&pem).map_err(|e| SmtpSetupError::CaFile { path, reason: e.to_string() })?;
            builder = builder.add_root_certificate(cert);
        }
        builder.build_rustls().map_err(|source| SmtpSetupError::Tls { host: s.host.clone(), source })
    };
    let tls = match s.security {
        Security::Tls => Tls::Wrapper(tls_parameters()?),
        Security::Starttls => Tls::Required(tls_parameters()?),
        Security::Plain => Tls::None,
    };
    let mut builder = lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::builder_dangerous(s.host.clone())
        .port(s.port)
        .tls(tls)
        .timeout(Some(std::time::Duration::from_secs(s.timeout_secs)))
        .pool_config(PoolConfig::new().max_size(s.pool_size));
    if !s.hello_name.trim().is_empty() {
        let name = s.hello_name.trim();
        if !name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-')) {
            return Err(SmtpSetupError::HelloName(name.to_string()));
        }
        builder = builder.hello_name(ClientId::Domain(name.to_string()));
    }
    if let Some((credentials, mechanisms)) = auth {
        builder = builder.credentials(credentials).authentication(mechanisms);
    }
    Ok(builder.build())
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
        let transport = self.transport().await?;
        match transport.send(message).await {
            Ok(_) => Ok(()),
            Err(e) if matches!(self.auth, Auth::OAuth2 { .. }) => {
                // Whatever failed, the next attempt asks for a fresh token:
                // a refused one must not be used for the rest of the hour.
                self.forget_token().await;
                if token_refused(&e) {
                    return Err(DeliveryError::Temporary(format!(
                        "{e} (the server refused the OAuth2 token: check the token source and the app's \
                         SMTP.SendAsApp permission)"
                    )));
                }
                Err(classify(&e))
            }
            Err(e) => Err(classify(&e)),
        }
    }

    fn describe(&self) -> String {
        self.describe.clone()
    }
}
