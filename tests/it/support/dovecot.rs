//! A private Dovecot for the tests: its own configuration, users, mail and
//! TLS certificate in a temporary directory, listening on free loopback ports,
//! stopped when dropped. Requires the `dovecot` binary (Debian's
//! dovecot-imapd); without it the test is skipped with a warning on a
//! developer machine and fails under CI (`CI=true`).

use super::{in_ci, start_on_fresh_ports};
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use lefi_intake::config::{ImapAuth, ImapSettings, Security};
use lefi_intake::source::imap::client::{self, ImapSession};

pub const USER: &str = "registeruttag";
/// With a space and a quote: the client must quote and escape it.
pub const PASSWORD: &str = "hemligt \"losen\"";

#[derive(Default, Clone)]
pub struct Options {
    /// Replaces the capabilities Dovecot announces (to test servers without MOVE...).
    pub capabilities: Option<String>,
    /// Accept XOAUTH2, checking tokens at this OAuth2 introspection URL.
    pub oauth2_introspection: Option<String>,
    /// Also accept mail over LMTP (for a Postfix in front), on `lmtp_port`,
    /// and offer Postfix SASL authentication on `auth_port`.
    pub lmtp: bool,
}

pub struct Dovecot {
    pub dir: tempfile::TempDir,
    pub imap_port: u16,
    pub lmtp_port: u16,
    pub auth_port: u16,
    pub imaps_port: u16,
    pub ca_file: PathBuf,
    child: Option<Child>,
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

/// The uid and gid mail processes run as: `nobody` when we are root (Dovecot
/// refuses root), else ourselves.
fn mail_ids() -> (u32, u32) {
    let uid = id_of("-u");
    if uid == 0 { (65534, 65534) } else { (uid, id_of("-g")) }
}

fn id_of(flag: &str) -> u32 {
    let out = Command::new("id").arg(flag).output().expect("id");
    String::from_utf8_lossy(&out.stdout).trim().parse().expect("numeric id")
}

impl Dovecot {
    /// Starts a Dovecot, or returns `None` when it is not installed (outside CI).
    pub fn start(options: Options) -> Option<Dovecot> {
        if Command::new("dovecot").arg("--version").output().is_err() {
            assert!(!in_ci(), "dovecot is required in CI (Debian package dovecot-imapd)");
            eprintln!("WARNING: dovecot not installed; IMAP test skipped");
            return None;
        }
        let dir = tempfile::tempdir().expect("temp dir");
        // Owned: `dir` moves into the Dovecot before the tries that write here.
        let root_path = dir.path().to_path_buf();
        let root = root_path.as_path();
        for sub in ["run", "state", "mail"] {
            std::fs::create_dir_all(root.join(sub)).unwrap();
        }
        let (uid, gid) = mail_ids();
        chown(&root.join("mail"), uid, gid);
        std::fs::write(
            root.join("users"),
            format!("{USER}:{{PLAIN}}{PASSWORD}::::::\nauthority:{{PLAIN}}secret::::::\nvictim:{{PLAIN}}secret::::::\nregistrator:{{PLAIN}}secret::::::\nblocked:{{PLAIN}}secret::::::\n"),
        )
        .unwrap();
        let ca_file = write_certificates(root);
        let whoami = String::from_utf8(Command::new("id").arg("-un").output().unwrap().stdout).unwrap();
        let run_as = if uid == 65534 {
            String::new()
        } else {
            format!("default_internal_user = {0}\ndefault_login_user = {0}\n", whoami.trim())
        };
        let capability = options.capabilities.map(|c| format!("imap_capability = {c}\n")).unwrap_or_default();
        let (mechanisms, oauth2_passdb) = match &options.oauth2_introspection {
            Some(url) => {
                std::fs::write(
                    root.join("oauth2.conf.ext"),
                    format!(
                        "introspection_url = {url}\nintrospection_mode = post\nusername_attribute = username\n\
                         active_attribute = active\nactive_value = true\n"
                    ),
                )
                .unwrap();
                (
                    "plain login xoauth2 oauthbearer",
                    format!(
                        "passdb {{\n  driver = oauth2\n  mechanisms = xoauth2 oauthbearer\n  args = {}/oauth2.conf.ext\n}}\n",
                        root.display()
                    ),
                )
            }
            None => ("plain login", String::new()),
        };
        let r = root.display();
        let mut d = Dovecot { dir, imap_port: 0, imaps_port: 0, lmtp_port: 0, auth_port: 0, ca_file, child: None };
        start_on_fresh_ports("dovecot", || {
            let (imap_port, imaps_port, lmtp_port, auth_port) = (free_port(), free_port(), free_port(), free_port());
            (d.imap_port, d.imaps_port, d.lmtp_port, d.auth_port) = (imap_port, imaps_port, lmtp_port, auth_port);
            let (protocols, lmtp_service) = if options.lmtp {
                (
                    "imap lmtp",
                    format!(
                        "service lmtp {{\n  inet_listener lmtp {{\n    address = 127.0.0.1\n    port = {lmtp_port}\n  }}\n}}\n\
                     service auth {{\n  inet_listener {{\n    address = 127.0.0.1\n    port = {auth_port}\n  }}\n}}\n\
                     postmaster_address = postmaster@test.invalid\nlmtp_save_to_detail_mailbox = no\n"
                    ),
                )
            } else {
                ("imap", String::new())
            };
            let config = format!(
                "base_dir = {r}/run\nstate_dir = {r}/state\nlog_path = {r}/dovecot.log\n\
             protocols = {protocols}\nlisten = 127.0.0.1\n{run_as}{lmtp_service}\
             auth_username_format = %Ln\n\
             ssl = yes\nssl_cert = <{r}/server.pem\nssl_key = <{r}/server.key\n\
             disable_plaintext_auth = no\nauth_mechanisms = {mechanisms}\n{oauth2_passdb}\
             first_valid_uid = 1\nmail_location = maildir:{r}/mail/%u\n{capability}\
             imap_idle_notify_interval = 1 secs\nlogin_greeting = {greeting}\n\
             passdb {{\n  driver = passwd-file\n  args = scheme=PLAIN username_format=%u {r}/users\n}}\n\
             userdb {{\n  driver = static\n  args = uid={uid} gid={gid} home={r}/mail/%u\n}}\n\
             service imap-login {{\n  inet_listener imap {{\n    address = 127.0.0.1\n    port = {imap_port}\n  }}\n\
               inet_listener imaps {{\n    address = 127.0.0.1\n    port = {imaps_port}\n  }}\n}}\n\
             service stats {{\n  unix_listener stats-writer {{\n    mode = 0666\n  }}\n}}\n",
                greeting = greeting(root)
            );
            std::fs::write(root.join("dovecot.conf"), config).unwrap();
            // A failed try's log would be read as this one's.
            let _ = std::fs::remove_file(root.join("dovecot.log"));
            d.launch()
        });
        Some(d)
    }

    /// Starts Dovecot on the configured ports and waits until it answers;
    /// on failure says why (its exit status, log and standard error).
    fn launch(&mut self) -> Result<(), String> {
        let root = self.dir.path().to_path_buf();
        let _ = std::fs::remove_file(root.join("run/master.pid"));
        let stderr = std::fs::File::create(root.join("dovecot.stderr")).expect("dovecot.stderr");
        let child = Command::new("dovecot")
            // Its own process group, so that all its processes can be stopped at once.
            .process_group(0)
            .arg("-F")
            .arg("-c")
            .arg(root.join("dovecot.conf"))
            .stdout(Stdio::null())
            // Errors before its log is open (configuration) go to standard error.
            .stderr(stderr)
            .spawn()
            .expect("start dovecot");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(15);
        // Answered with our own greeting: a port picked as free can be taken by
        // another test's server before ours binds it, and that one answers too.
        while !greets(self.imap_port, &greeting(&root)) {
            let exited = self.child.as_mut().and_then(|c| c.try_wait().ok().flatten());
            if exited.is_some() || Instant::now() > deadline {
                let how = exited.map_or("still not listening after 15 s".to_string(), |s| format!("exited: {s}"));
                self.stop();
                let stderr = std::fs::read_to_string(root.join("dovecot.stderr")).unwrap_or_default();
                return Err(format!("{how}; log: {:?}; stderr: {stderr:?}", self.log()));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(())
    }

    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            signal_group(&child, "TERM");
            let deadline = Instant::now() + Duration::from_secs(10);
            while child.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
            if child.try_wait().ok().flatten().is_none() {
                signal_group(&child, "KILL");
            }
            let _ = child.wait();
        }
    }

    /// Kills every Dovecot process at once (SIGKILL to the group): a crash,
    /// with open connections dropped on the spot.
    pub fn crash(&mut self) {
        if let Some(mut child) = self.child.take() {
            signal_group(&child, "KILL");
            let _ = child.wait();
        }
        // A killed Dovecot leaves the Maildir's `dovecot-uidlist.lock` dotlock
        // behind when it died inside a MOVE; a new Dovecot overrides it only
        // after its stale timeout (about a minute: every SELECT waits until
        // then, and the daemon under test did recover on its own after it).
        // The tests are about the daemon's recovery, not Dovecot's, so the
        // stale lock goes the way an operator's restart script would remove it.
        for lock in lock_files(&self.dir.path().join("mail")) {
            eprintln!("NOTE: removing {} left by the killed dovecot", lock.display());
            let _ = std::fs::remove_file(lock);
        }
    }

    pub fn restart(&mut self) {
        self.stop();
        if let Err(why) = self.launch() {
            panic!("dovecot did not start again: {why}");
        }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("dovecot.log")).unwrap_or_default()
    }

    /// Settings for our IMAP source against this server.
    pub fn settings(&self, security: Security) -> ImapSettings {
        ImapSettings {
            host: if security == Security::Plain { "127.0.0.1".into() } else { "localhost".into() },
            port: if security == Security::Tls { self.imaps_port } else { self.imap_port },
            security,
            tls_ca_file: self.ca_file.clone(),
            username: USER.into(),
            password: PASSWORD.to_string().into(),
            password_file: PathBuf::new(),
            auth: ImapAuth::Login,
            oauth2_token_file: PathBuf::new(),
            oauth2_token_command: String::new(),
            mailbox: "INBOX".into(),
            processed_folder: "Processed".into(),
            quarantine_folder: "Quarantine".into(),
            ignored_folder: "Ignored".into(),
            idle: true,
            idle_timeout_secs: 60,
            poll_interval_secs: 1,
            batch_size: 25,
            batch_max_bytes: 64 << 20,
            max_message_bytes: 25 << 20,
            timeout_secs: 10,
            reconnect_max_secs: 2,
        }
    }

    /// The server certificate and key (for "localhost", signed by `ca_file`).
    pub fn server_certificate(&self) -> (PathBuf, PathBuf) {
        (self.dir.path().join("server.pem"), self.dir.path().join("server.key"))
    }

    /// A session of the test's own (to append mails, look at folders).
    pub async fn session(&self) -> ImapSession {
        self.session_as(USER, PASSWORD).await
    }

    /// A session as another user (the authorities that receive our replies).
    pub async fn session_as(&self, user: &str, password: &str) -> ImapSession {
        let mut s = self.settings(Security::Plain);
        s.username = user.into();
        s.password = password.to_string().into();
        client::open(&s, &client::tls_config(Path::new("")).unwrap()).await.expect("test session")
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Sends `signal` to Dovecot's whole process group (it runs in its own).
fn signal_group(child: &Child, signal: &str) {
    let _ =
        Command::new("kill").args(["-s", signal, "--"]).arg(format!("-{}", child.id())).stderr(Stdio::null()).status();
}

fn chown(path: &Path, uid: u32, gid: u32) {
    let status = Command::new("chown").arg("-R").arg(format!("{uid}:{gid}")).arg(path).status().expect("chown");
    assert!(status.success());
}

/// A CA and a certificate for "localhost" signed by it; returns the CA file.
fn write_certificates(root: &Path) -> PathBuf {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.distinguished_name.push(rcgen::DnType::CommonName, "lefi-intake test CA");
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let key = KeyPair::generate().unwrap();
    let params = CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    let cert = params.signed_by(&key, &issuer).unwrap();
    std::fs::write(root.join("server.pem"), cert.pem()).unwrap();
    std::fs::write(root.join("server.key"), key.serialize_pem()).unwrap();
    let ca_file = root.join("ca.pem");
    std::fs::write(&ca_file, ca_cert.pem()).unwrap();
    ca_file
}

/// Dotlock files under a directory, at any depth.
fn lock_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else { return found };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(lock_files(&path));
        } else if path.extension().is_some_and(|e| e == "lock") {
            found.push(path);
        }
    }
    found
}

/// The greeting that tells this test's server from any other on the machine.
pub fn greeting(root: &std::path::Path) -> String {
    format!("lefi-test {}", root.file_name().unwrap_or_default().to_string_lossy())
}

/// Whether the server on the port answers with the greeting (its first line).
pub fn greets(port: u16, greeting: &str) -> bool {
    use std::io::BufRead;
    let Ok(stream) = std::net::TcpStream::connect(("127.0.0.1", port)) else { return false };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let mut line = String::new();
    let _ = std::io::BufReader::new(stream).read_line(&mut line);
    line.contains(greeting)
}
