//! The composition root: the one place that turns the configuration into the
//! running parts — the store, the reply context every answering part shares,
//! the intake, the officers' reviewer and pages, the mail source, the reply
//! transport, the daemon. Everything else takes what it needs as arguments.

use std::sync::Arc;
use std::time::Duration;

use lettre::message::Mailbox;

use crate::config::{Settings, SourceKind};
use crate::daemon::{Daemon, Pacing};
use crate::domain::backoff::Backoff;
use crate::intake::{Intake, Policy};
use crate::ops::{Health, OpsState};
use crate::outbox::OutboxWorker;
use crate::outbox::transport::{self, Deliver, TransportError};
use crate::reply::ReplyContext;
use crate::reply::templates::{TemplateError, Templates};
use crate::review::Reviewer;
use crate::source::imap::{Imap, ImapError};
use crate::source::maildir::Maildir;
use crate::source::{self, SourceError};
use crate::store::{Store, StoreError};
use crate::trust::dkim::{DkimSetupError, DkimVerifier};
use crate::web::AppState;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("opening the database {url}: {source}")]
    Store { url: String, source: StoreError },
    #[error(transparent)]
    Templates(#[from] TemplateError),
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error("setting up the IMAP source: {0}")]
    Imap(#[from] ImapError),
    #[error("setting up the reply transport: {0}")]
    Transport(#[from] TransportError),
    #[error(transparent)]
    Dkim(#[from] DkimSetupError),
}

/// The configured application: settings, store, the shared reply context and
/// the intake's policy.
#[derive(Clone)]
pub struct App {
    pub settings: Settings,
    pub store: Store,
    pub replies: Arc<ReplyContext>,
    pub policy: Arc<Policy>,
    /// The mailbox as the daemon last saw it, for readiness.
    pub health: Arc<Health>,
}

impl App {
    /// Connects to the configured database (applying pending migrations) and
    /// loads the reply templates.
    pub async fn build(settings: Settings) -> Result<App, AppError> {
        let store = open_store(&settings).await?;
        App::with_store(settings, store)
    }

    /// As [`App::build`], on a store that is already open (tests bring their own).
    pub fn with_store(settings: Settings, store: Store) -> Result<App, AppError> {
        let replies = Arc::new(reply_context(&settings)?);
        let dkim = settings.trust.verify_dkim.then(|| DkimVerifier::new(&settings.trust.dns_servers)).transpose()?;
        Self::with_parts(settings, store, replies, dkim)
    }

    /// As [`App::with_store`], with the DKIM verifier given (tests inject DNS answers).
    pub fn with_parts(
        settings: Settings,
        store: Store,
        replies: Arc<ReplyContext>,
        dkim: Option<DkimVerifier>,
    ) -> Result<App, AppError> {
        let policy = Arc::new(Policy::from_settings(&settings, dkim));
        Ok(App { settings, store, replies, policy, health: Arc::new(Health::new()) })
    }

    /// Says at start-up what the trust checks will not do: authentication
    /// off, or a required registry that is empty (nothing is accepted
    /// automatically then).
    pub async fn warn_about_trust(&self) {
        let s = &self.settings;
        if s.trust.sender_authentication == crate::config::SenderAuthentication::Off {
            tracing::warn!(
                "trust.sender_authentication = off: terminations are recorded without an authenticated sender"
            );
        } else if s.trust.authserv_ids.is_empty() && !s.trust.exchange_online && !s.trust.verify_dkim {
            tracing::warn!(
                "no trust.authserv_ids, trust.exchange_online or trust.verify_dkim: no sender can be \
                 authenticated, so every termination goes to an officer"
            );
        }
        if s.registry.mode == crate::config::RegistryMode::Required {
            match self.store.subscriber_count().await {
                Ok(0) => tracing::warn!(
                    "the subscriber registry is empty and registry.mode = required: nothing is accepted \
                     automatically until it is imported (lefi-intake subscribers import)"
                ),
                Ok(n) => tracing::info!(subscribers = n, "subscriber registry loaded"),
                Err(e) => tracing::warn!(error = %e, "the subscriber registry could not be counted"),
            }
        }
        if s.intake.mode == crate::config::IntakeMode::Shadow {
            tracing::info!("intake.mode = shadow: every accept is held for an officer's confirmation");
        }
    }

    pub fn intake(&self) -> Intake {
        Intake::new(self.store.clone(), self.replies.clone(), self.policy.clone())
    }

    pub fn reviewer(&self) -> Reviewer {
        Reviewer::new(self.store.clone(), self.replies.clone())
    }

    pub fn web_state(&self) -> Arc<AppState> {
        let checks = crate::web::Checks {
            sender_authentication: self.settings.trust.sender_authentication,
            registry: self.settings.registry.mode,
            mode: self.settings.intake.mode,
        };
        let signin =
            crate::web::signin::SignInGuard::new(crate::web::signin::Throttle::from_settings(&self.settings.web));
        Arc::new(AppState {
            reviewer: self.reviewer(),
            web: self.settings.web.clone(),
            checks,
            signin,
            signin_key: tokio::sync::OnceCell::new(),
        })
    }

    /// What the health and metrics endpoints read. Installs the metrics
    /// recorder: what is counted before it exists is lost, so this comes
    /// before the daemon starts.
    pub fn ops_state(&self) -> Arc<OpsState> {
        crate::ops::prometheus::handle();
        Arc::new(OpsState {
            store: self.store.clone(),
            health: self.health.clone(),
            settings: self.settings.ops.clone(),
        })
    }

    /// The mail source `source.kind` names.
    pub fn source(&self) -> Result<source::Configured, AppError> {
        let s = &self.settings;
        Ok(match s.source.kind {
            SourceKind::Maildir => source::Configured::Maildir(
                Maildir::open(&s.source.maildir, s.source.max_message_bytes)?
                    .with_poll_interval(Duration::from_secs(s.source.poll_interval_secs)),
            ),
            SourceKind::Imap => source::Configured::Imap(Box::new(Imap::new(s.imap.clone())?)),
        })
    }

    /// The reply transport `reply.transport` names.
    pub fn transport(&self) -> Result<transport::Configured, AppError> {
        Ok(transport::Configured::from_settings(&self.settings)?)
    }

    /// The daemon over the given source and transport.
    pub fn daemon<S: source::MailSource, D: Deliver>(&self, source: S, deliver: D) -> Daemon<S, D> {
        let s = &self.settings;
        let reconnect_max = match s.source.kind {
            SourceKind::Imap => s.imap.reconnect_max_secs,
            SourceKind::Maildir => 60,
        };
        Daemon {
            intake: self.intake(),
            source,
            outbox: OutboxWorker::new(self.store.clone(), deliver, self.replies.from.clone(), s.outbox.clone())
                .with_concurrency(s.smtp.pool_size as usize),
            pacing: Pacing {
                batch_size: s.source.batch_size,
                retry: Backoff::new(Duration::from_secs(1), Duration::from_secs(reconnect_max)),
                lease: Duration::from_secs(s.outbox.lease_secs),
                retention_days: s.retention.raw_days,
            },
            health: self.health.clone(),
            fence: crate::source::lease::Fence::default(),
        }
    }

    /// The daemon over the configured source and transport.
    pub fn configured_daemon(&self) -> Result<Daemon<source::Configured, transport::Configured>, AppError> {
        Ok(self.daemon(self.source()?, self.transport()?))
    }
}

/// Connects to the database and applies pending migrations.
pub async fn open_store(settings: &Settings) -> Result<Store, AppError> {
    let url = crate::store::redact(&settings.database.url);
    let store = Store::connect(&settings.database.url, settings.database.max_connections)
        .await
        .map_err(|source| AppError::Store { url: url.clone(), source })?;
    store.migrate().await.map_err(|source| AppError::Store { url, source })?;
    Ok(store)
}

/// The reply context from the configuration: templates (built in, or from
/// `reply.templates_dir`), our address, our aliases, the time zone.
pub fn reply_context(settings: &Settings) -> Result<ReplyContext, TemplateError> {
    let templates = if settings.reply.templates_dir.as_os_str().is_empty() {
        Templates::builtin()
    } else {
        Templates::load(&settings.reply.templates_dir)?
    };
    let address = settings.reply.from.parse().expect("reply.from is validated at load");
    Ok(ReplyContext {
        templates,
        from: Mailbox::new(Some(settings.reply.from_name.clone()), address),
        own_addresses: settings.own_addresses(),
        timezone: settings.timezone(),
        answer_quarantine: settings.reply.answer_quarantine,
        answer_period: chrono::Duration::hours(i64::try_from(settings.reply.answer_period_hours).unwrap_or(i64::MAX)),
    })
}
