//! Typed configuration: compiled-in defaults (`config/default.toml`), then a
//! TOML file, then `LEFI_INTAKE__SECTION__KEY` environment variables. Loaded
//! once at start; a bad value is reported with the key that holds it.

pub mod oauth2;

use std::path::{Path, PathBuf};

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer};
use strum::{Display, EnumString, IntoStaticStr, VariantArray};

use crate::domain::{Code, parse_code};

const DEFAULTS: &str = include_str!("../../config/default.toml");
pub const ENV_PREFIX: &str = "LEFI_INTAKE";

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("reading configuration: {0}")]
    Load(#[from] config::ConfigError),
    #[error("configuration key {key}: {message}")]
    Invalid { key: &'static str, message: String },
    #[error("configuration key {key}: reading {path}: {source}")]
    SecretFile { key: &'static str, path: PathBuf, source: std::io::Error },
}

/// A setting that is one of a few words: a wrong word is refused with the
/// valid ones (`"pop3" is not one of maildir, imap`).
fn code<'de, D: Deserializer<'de>, T: Code>(d: D) -> Result<T, D::Error> {
    let word = String::deserialize(d)?;
    parse_code(&word).map_err(serde::de::Error::custom)
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub database: DatabaseSettings,
    pub source: SourceSettings,
    pub imap: ImapSettings,
    pub smtp: SmtpSettings,
    pub reply: ReplySettings,
    pub outbox: OutboxSettings,
    pub web: WebSettings,
    pub intake: IntakeSettings,
    pub trust: TrustSettings,
    pub registry: RegistrySettings,
    pub retention: RetentionSettings,
    pub ops: OpsSettings,
    pub ha: HaSettings,
    pub log: LogSettings,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    pub url: String,
    #[serde(default)]
    pub url_file: Option<PathBuf>,
    pub max_connections: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, IntoStaticStr, EnumString, VariantArray, Display)]
#[strum(serialize_all = "lowercase")]
pub enum SourceKind {
    Maildir,
    Imap,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceSettings {
    #[serde(deserialize_with = "code")]
    pub kind: SourceKind,
    pub maildir: PathBuf,
    pub poll_interval_secs: u64,
    pub batch_size: usize,
    pub max_message_bytes: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, IntoStaticStr, EnumString, VariantArray, Display)]
#[strum(serialize_all = "lowercase")]
pub enum Security {
    Tls,
    Starttls,
    Plain,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, IntoStaticStr, EnumString, VariantArray, Display)]
#[strum(serialize_all = "lowercase")]
pub enum ImapAuth {
    Login,
    Plain,
    Xoauth2,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImapSettings {
    pub host: String,
    pub port: u16,
    #[serde(deserialize_with = "code")]
    pub security: Security,
    pub tls_ca_file: PathBuf,
    pub username: String,
    pub password: SecretString,
    pub password_file: PathBuf,
    #[serde(deserialize_with = "code")]
    pub auth: ImapAuth,
    pub oauth2_token_file: PathBuf,
    pub oauth2_token_command: String,
    pub mailbox: String,
    pub processed_folder: String,
    pub quarantine_folder: String,
    pub ignored_folder: String,
    pub idle: bool,
    pub idle_timeout_secs: u64,
    pub poll_interval_secs: u64,
    pub batch_size: usize,
    pub batch_max_bytes: usize,
    pub max_message_bytes: usize,
    pub timeout_secs: u64,
    pub reconnect_max_secs: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    #[serde(deserialize_with = "code")]
    pub security: Security,
    pub tls_ca_file: PathBuf,
    pub username: String,
    pub password: SecretString,
    pub password_file: PathBuf,
    pub timeout_secs: u64,
    pub pool_size: u32,
    pub hello_name: String,
    #[serde(deserialize_with = "code")]
    pub auth: SmtpAuth,
    pub oauth2_token_command: String,
    pub oauth2_token_file: PathBuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, IntoStaticStr, EnumString, VariantArray, Display)]
#[strum(serialize_all = "lowercase")]
pub enum SmtpAuth {
    /// AUTH PLAIN or LOGIN with smtp.username and smtp.password (none without a username).
    Password,
    /// AUTH XOAUTH2 with smtp.username and an OAuth2 access token (Exchange Online).
    Xoauth2,
}

impl SmtpSettings {
    /// smtp's own XOAUTH2 token command or file.
    pub fn own_token_source(&self) -> crate::config::oauth2::TokenSource {
        crate::config::oauth2::TokenSource {
            command: self.oauth2_token_command.clone(),
            file: self.oauth2_token_file.clone(),
            keys: "smtp.oauth2_token",
        }
    }

    /// Where XOAUTH2 tokens come from: smtp's own command or file, else the
    /// IMAP source's (one app registration usually serves both).
    pub fn token_source(&self, imap: &ImapSettings) -> crate::config::oauth2::TokenSource {
        let own = self.own_token_source();
        if !own.is_unset() {
            return own;
        }
        crate::config::oauth2::TokenSource {
            command: imap.oauth2_token_command.clone(),
            file: imap.oauth2_token_file.clone(),
            keys: "imap.oauth2_token",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, IntoStaticStr, EnumString, VariantArray, Display)]
#[strum(serialize_all = "lowercase")]
pub enum TransportKind {
    File,
    Smtp,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplySettings {
    #[serde(deserialize_with = "code")]
    pub transport: TransportKind,
    pub dir: PathBuf,
    pub from: String,
    pub from_name: String,
    pub answer_quarantine: bool,
    pub answer_period_hours: u64,
    pub templates_dir: PathBuf,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutboxSettings {
    pub max_attempts: u32,
    pub retry_base_secs: u64,
    pub retry_max_secs: u64,
    pub lease_secs: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebSettings {
    pub listen: String,
    pub secure_cookies: bool,
    pub session_hours: u64,
    pub session_idle_minutes: u64,
    pub trusted_user_header: String,
    pub signin_delay_secs: u64,
    pub signin_lock_after: u32,
    pub signin_lock_minutes: u64,
    pub client_address_header: String,
    pub header_timeout_secs: u64,
    pub request_timeout_secs: u64,
    pub max_connections: usize,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntakeSettings {
    pub own_addresses: Vec<String>,
    pub timezone: String,
    #[serde(deserialize_with = "code")]
    pub mode: IntakeMode,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, IntoStaticStr, EnumString, VariantArray, Display)]
#[strum(serialize_all = "lowercase")]
pub enum IntakeMode {
    Automatic,
    /// Decide as usual, but hold every accept for an officer's confirmation.
    Shadow,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrustSettings {
    #[serde(deserialize_with = "code")]
    pub sender_authentication: SenderAuthentication,
    pub authserv_ids: Vec<String>,
    pub border_hosts: Vec<String>,
    pub results_below_received: bool,
    pub exchange_online: bool,
    pub verify_dkim: bool,
    pub dns_servers: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, IntoStaticStr, EnumString, VariantArray, Display)]
#[strum(serialize_all = "lowercase")]
pub enum SenderAuthentication {
    Required,
    Off,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistrySettings {
    #[serde(deserialize_with = "code")]
    pub mode: RegistryMode,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, IntoStaticStr, EnumString, VariantArray, Display)]
#[strum(serialize_all = "lowercase")]
pub enum RegistryMode {
    Required,
    Advisory,
    Off,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionSettings {
    pub raw_days: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, IntoStaticStr, EnumString, VariantArray, Display)]
#[strum(serialize_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpsSettings {
    pub listen: String,
    pub mailbox_down_secs: u64,
    pub outbox_stuck_secs: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HaSettings {
    pub lease_secs: u64,
    pub instance: String,
}

impl HaSettings {
    /// The name this instance holds the lease under: `ha.instance`, else the host's name.
    pub fn instance_name(&self) -> String {
        if self.instance.trim().is_empty() {
            gethostname::gethostname().to_string_lossy().into_owned()
        } else {
            self.instance.trim().to_string()
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    pub level: String,
    #[serde(deserialize_with = "code")]
    pub format: LogFormat,
}

fn defaults() -> config::ConfigBuilder<config::builder::DefaultState> {
    config::Config::builder().add_source(config::File::from_str(DEFAULTS, config::FileFormat::Toml))
}

impl Settings {
    /// Loads the defaults, then `file` (which must exist when given), then the
    /// environment.
    pub fn load(file: Option<&Path>) -> Result<Settings, ConfigError> {
        Self::load_with_env(file, std::env::vars())
    }

    /// As [`Settings::load`], with the environment given (for tests).
    pub fn load_with_env(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Settings, ConfigError> {
        let mut builder = defaults();
        if let Some(path) = file {
            builder = builder.add_source(config::File::from(path).format(config::FileFormat::Toml).required(true));
        }
        Self::finish(builder, env)
    }

    /// The defaults with `text` (a configuration file's TOML) on top, and no
    /// environment: what `load` makes of a file with this text.
    pub fn from_toml(text: &str) -> Result<Settings, ConfigError> {
        let builder = defaults().add_source(config::File::from_str(text, config::FileFormat::Toml));
        Self::finish(builder, std::iter::empty())
    }

    /// The environment on top of the files, then secrets read and the whole checked.
    fn finish(
        mut builder: config::ConfigBuilder<config::builder::DefaultState>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Settings, ConfigError> {
        let env: config::Map<String, String> =
            env.into_iter().filter(|(k, _)| k.starts_with(&format!("{ENV_PREFIX}__"))).collect();
        builder = builder.add_source(
            config::Environment::with_prefix(ENV_PREFIX)
                .prefix_separator("__")
                .separator("__")
                .list_separator(",")
                .with_list_parse_key("intake.own_addresses")
                .with_list_parse_key("trust.authserv_ids")
                .with_list_parse_key("trust.border_hosts")
                .with_list_parse_key("trust.dns_servers")
                .try_parsing(true)
                .source(Some(env)),
        );
        let mut settings: Settings = builder.build()?.try_deserialize()?;
        settings.read_secret_files()?;
        settings.validate()?;
        Ok(settings)
    }

    fn read_secret_files(&mut self) -> Result<(), ConfigError> {
        if let Some(path) = &self.database.url_file {
            self.database.url = read_secret("database.url_file", path)?;
        }
        if !self.smtp.password_file.as_os_str().is_empty() {
            self.smtp.password = read_secret("smtp.password_file", &self.smtp.password_file)?.into();
        }
        if !self.imap.password_file.as_os_str().is_empty() {
            self.imap.password = read_secret("imap.password_file", &self.imap.password_file)?.into();
        }
        Ok(())
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |key, message: &str| Err(ConfigError::Invalid { key, message: message.to_string() });
        if !(self.database.url.starts_with("sqlite:") || self.database.url.starts_with("postgres")) {
            return invalid("database.url", "expected sqlite://… or postgres://…");
        }
        if self.database.max_connections == 0 {
            return invalid("database.max_connections", "must be at least 1");
        }
        if self.reply.from.parse::<lettre::Address>().is_err() {
            return invalid("reply.from", &format!("{:?} is not a mail address", self.reply.from));
        }
        for a in &self.intake.own_addresses {
            if a.parse::<lettre::Address>().is_err() {
                return invalid("intake.own_addresses", &format!("{a:?} is not a mail address"));
            }
        }
        if self.intake.timezone.parse::<chrono_tz::Tz>().is_err() {
            return invalid("intake.timezone", &format!("unknown time zone {:?}", self.intake.timezone));
        }
        if self.source.batch_size == 0 {
            return invalid("source.batch_size", "must be at least 1");
        }
        if self.source.poll_interval_secs == 0 {
            return invalid("source.poll_interval_secs", "must be at least 1");
        }
        if self.outbox.max_attempts == 0 {
            return invalid("outbox.max_attempts", "must be at least 1");
        }
        if self.source.kind == SourceKind::Imap {
            self.validate_imap()?;
        }
        for ip in &self.trust.dns_servers {
            if ip.parse::<std::net::IpAddr>().is_err() {
                return invalid("trust.dns_servers", &format!("{ip:?} is not an IP address"));
            }
        }
        if self.trust.authserv_ids.iter().any(|id| id.trim().is_empty() || id.contains([';', ' '])) {
            return invalid("trust.authserv_ids", "an authserv-id is a host name, without spaces or ';'");
        }
        if self.trust.border_hosts.iter().any(|h| h.trim().is_empty() || h.contains([';', ' ', '('])) {
            return invalid(
                "trust.border_hosts",
                "a border host is a host name, as in its Received headers' by clause",
            );
        }
        if self.web.signin_lock_after == 0 {
            return invalid("web.signin_lock_after", "must be at least 1");
        }
        if self.retention.raw_days == 0 {
            return invalid("retention.raw_days", "must be at least 1");
        }
        if self.reply.transport == TransportKind::Smtp {
            if self.smtp.host.trim().is_empty() {
                return invalid("smtp.host", "must name the SMTP server");
            }
            if self.smtp.timeout_secs == 0 || self.smtp.pool_size == 0 {
                return invalid("smtp.timeout_secs", "timeout and pool size must be at least 1");
            }
            if self.smtp.auth == SmtpAuth::Xoauth2 {
                if self.smtp.username.trim().is_empty() {
                    return invalid("smtp.username", "XOAUTH2 needs the mailbox's address as the user name");
                }
                if self.smtp.token_source(&self.imap).is_unset() {
                    return invalid(
                        "smtp.oauth2_token_command",
                        "smtp.auth = xoauth2 needs a token source (smtp.oauth2_token_command or _file, or imap's)",
                    );
                }
            } else if !self.smtp.username.is_empty() && self.smtp.password.expose_secret().is_empty() {
                return invalid("smtp.password", "must be set when smtp.username is (or smtp.password_file)");
            }
            if self.smtp.security == Security::Plain && !is_loopback(&self.smtp.host) {
                tracing::warn!(host = %self.smtp.host, "smtp.security = plain: replies cross the network unencrypted");
            }
        }
        if !self.web.listen.is_empty() && self.web.listen.parse::<std::net::SocketAddr>().is_err() {
            return invalid("web.listen", &format!("{:?} is not an address:port", self.web.listen));
        }
        if !self.ops.listen.is_empty() && self.ops.listen.parse::<std::net::SocketAddr>().is_err() {
            return invalid("ops.listen", &format!("{:?} is not an address:port", self.ops.listen));
        }
        if !self.ops.listen.is_empty() && self.ops.listen == self.web.listen {
            return invalid("ops.listen", "must differ from web.listen");
        }
        if self.ops.mailbox_down_secs == 0 || self.ops.outbox_stuck_secs == 0 {
            return invalid("ops.mailbox_down_secs", "readiness limits must be at least 1 second");
        }
        if !(3..=300).contains(&self.ha.lease_secs) {
            return invalid("ha.lease_secs", "must be between 3 and 300");
        }
        if self.ha.instance.contains('/') {
            return invalid("ha.instance", "a name without '/'");
        }
        if self.web.session_hours == 0 {
            return invalid("web.session_hours", "must be at least 1");
        }
        if self.web.session_idle_minutes == 0 {
            return invalid("web.session_idle_minutes", "must be at least 1");
        }
        if !(1..=60).contains(&self.web.header_timeout_secs) {
            return invalid("web.header_timeout_secs", "must be between 1 and 60");
        }
        if self.web.request_timeout_secs == 0 {
            return invalid("web.request_timeout_secs", "must be at least 1");
        }
        if self.web.max_connections == 0 {
            return invalid("web.max_connections", "must be at least 1");
        }
        if !self.web.trusted_user_header.is_empty()
            && axum::http::HeaderName::from_bytes(self.web.trusted_user_header.as_bytes()).is_err()
        {
            return invalid("web.trusted_user_header", "not a valid header name");
        }
        if self.log.level.parse::<tracing_subscriber::EnvFilter>().is_err() {
            return invalid("log.level", &format!("not a tracing filter: {:?}", self.log.level));
        }
        Ok(())
    }

    fn validate_imap(&self) -> Result<(), ConfigError> {
        let imap = &self.imap;
        let invalid = |key, message: &str| Err(ConfigError::Invalid { key, message: message.to_string() });
        if imap.host.trim().is_empty() {
            return invalid("imap.host", "must name the IMAP server");
        }
        if imap.username.trim().is_empty() {
            return invalid("imap.username", "must be set");
        }
        match imap.auth {
            ImapAuth::Login | ImapAuth::Plain if imap.password.expose_secret().is_empty() => {
                return invalid("imap.password", "must be set (or imap.password_file)");
            }
            ImapAuth::Xoauth2
                if imap.oauth2_token_file.as_os_str().is_empty() && imap.oauth2_token_command.trim().is_empty() =>
            {
                return invalid("imap.oauth2_token_file", "xoauth2 needs a token file or imap.oauth2_token_command");
            }
            _ => {}
        }
        if !(1..=1740).contains(&imap.idle_timeout_secs) {
            return invalid("imap.idle_timeout_secs", "must be between 1 and 1740 (29 minutes, RFC 2177)");
        }
        for (key, value) in [
            ("imap.poll_interval_secs", imap.poll_interval_secs),
            ("imap.timeout_secs", imap.timeout_secs),
            ("imap.reconnect_max_secs", imap.reconnect_max_secs),
            ("imap.batch_size", imap.batch_size as u64),
        ] {
            if value == 0 {
                return invalid(key, "must be at least 1");
            }
        }
        let folders = [&imap.mailbox, &imap.processed_folder, &imap.quarantine_folder, &imap.ignored_folder];
        if folders.iter().any(|f| f.trim().is_empty() || f.contains(['"', '\\', '\r', '\n'])) {
            return invalid(
                "imap.mailbox",
                "mailbox and folder names must be non-empty, without quotes or line breaks",
            );
        }
        if imap.security == Security::Plain && !is_loopback(&imap.host) {
            tracing::warn!(host = %imap.host, "imap.security = plain: the password crosses the network unencrypted");
        }
        Ok(())
    }

    /// Our addresses: the reply address and its aliases.
    pub fn own_addresses(&self) -> Vec<String> {
        let mut own = vec![self.reply.from.clone()];
        own.extend(self.intake.own_addresses.iter().cloned());
        own
    }

    pub fn timezone(&self) -> chrono_tz::Tz {
        self.intake.timezone.parse().expect("validated at load")
    }
}

fn is_loopback(host: &str) -> bool {
    host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Reads a secret from a file, without its trailing newline.
pub fn read_secret(key: &'static str, path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path)
        .map(|s| s.trim_end_matches(['\r', '\n']).to_string())
        .map_err(|source| ConfigError::SecretFile { key, path: path.to_path_buf(), source })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn the_defaults_are_the_embedded_default() {
        let s = Settings::load_with_env(None, env(&[])).unwrap();
        assert_eq!(s.database.url, "sqlite://data/lefi-intake.db");
        assert_eq!(s.source.kind, SourceKind::Maildir);
        assert_eq!(s.reply.transport, TransportKind::File);
        assert_eq!(s.reply.from, "registeruttag@forsakringskassan.se");
    }

    #[test]
    fn environment_variables_override_every_key() {
        let s = Settings::load_with_env(
            None,
            env(&[
                ("LEFI_INTAKE__DATABASE__URL", "postgres://lefi@db/lefi"),
                ("LEFI_INTAKE__SOURCE__POLL_INTERVAL_SECS", "7"),
                ("LEFI_INTAKE__SOURCE__MAILDIR", "/var/mail/lefi"),
                ("LEFI_INTAKE__REPLY__DIR", "/var/spool/replies"),
                ("LEFI_INTAKE__INTAKE__OWN_ADDRESSES", "a@fk.se,b@fk.se"),
            ]),
        )
        .unwrap();
        assert_eq!(s.database.url, "postgres://lefi@db/lefi");
        assert_eq!(s.source.poll_interval_secs, 7);
        assert_eq!(s.source.maildir, PathBuf::from("/var/mail/lefi"));
        assert_eq!(s.reply.dir, PathBuf::from("/var/spool/replies"));
        assert_eq!(s.intake.own_addresses, vec!["a@fk.se", "b@fk.se"]);
    }

    #[test]
    fn a_bad_value_names_its_key() {
        let e = Settings::load_with_env(None, env(&[("LEFI_INTAKE__SOURCE__POLL_INTERVAL_SECS", "soon")]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("poll_interval_secs"), "{e}");
        let e = Settings::load_with_env(None, env(&[("LEFI_INTAKE__REPLY__FROM", "not an address")]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("reply.from"), "{e}");
        let e = Settings::load_with_env(None, env(&[("LEFI_INTAKE__SOURCE__KIND", "pop3")])).unwrap_err().to_string();
        assert!(e.contains("source.kind") && e.contains("\"pop3\" is not one of maildir, imap"), "{e}");
    }

    #[test]
    fn secrets_can_come_from_files() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("url");
        std::fs::write(&file, "postgres://lefi:secret@db/lefi\n").unwrap();
        let s =
            Settings::load_with_env(None, env(&[("LEFI_INTAKE__DATABASE__URL_FILE", file.to_str().unwrap())])).unwrap();
        assert_eq!(s.database.url, "postgres://lefi:secret@db/lefi");
    }

    #[test]
    fn the_imap_source_needs_its_server_and_credentials() {
        let base = [("LEFI_INTAKE__SOURCE__KIND", "imap")];
        let e = Settings::load_with_env(None, env(&base)).unwrap_err().to_string();
        assert!(e.contains("imap.username"), "{e}");
        let ok = Settings::load_with_env(
            None,
            env(&[
                ("LEFI_INTAKE__SOURCE__KIND", "imap"),
                ("LEFI_INTAKE__IMAP__USERNAME", "registeruttag"),
                ("LEFI_INTAKE__IMAP__PASSWORD", "secret"),
                ("LEFI_INTAKE__IMAP__PORT", "143"),
                ("LEFI_INTAKE__IMAP__SECURITY", "starttls"),
            ]),
        )
        .unwrap();
        assert_eq!(ok.imap.port, 143);
        assert_eq!(ok.imap.security, Security::Starttls);
        assert!(!format!("{:?}", ok.imap).contains("secret"), "the password never shows in debug output");
        let e = Settings::load_with_env(
            None,
            env(&[
                ("LEFI_INTAKE__SOURCE__KIND", "imap"),
                ("LEFI_INTAKE__IMAP__USERNAME", "u"),
                ("LEFI_INTAKE__IMAP__PASSWORD", "p"),
                ("LEFI_INTAKE__IMAP__IDLE_TIMEOUT_SECS", "3600"),
            ]),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("imap.idle_timeout_secs"), "{e}");
    }

    #[test]
    fn a_missing_config_file_is_an_error() {
        assert!(Settings::load_with_env(Some(Path::new("/nonexistent/lefi.toml")), env(&[])).is_err());
    }
}
