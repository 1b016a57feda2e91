//! A private Postfix for the tests: its own configuration and queue in a
//! temporary directory, an SMTP listener on a free loopback port, delivering
//! the domains uppsala.se and example.se over LMTP to a test Dovecot. One
//! address, blocked@example.se, is refused with a 5xx answer. Requires the
//! `postfix` package and root (Postfix's master runs as root); without them
//! the test is skipped with a warning outside CI and fails with `CI=true`.

use super::{in_ci, start_on_fresh_ports};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use super::dovecot::free_port;

pub struct Postfix {
    pub dir: tempfile::TempDir,
    /// SMTP with STARTTLS offered (when set up with TLS).
    pub port: u16,
    /// Implicit TLS ("smtps").
    pub tls_port: u16,
    running: bool,
}

/// What the test Postfix offers besides plain SMTP.
pub struct Extras<'a> {
    /// Certificate and key for STARTTLS and implicit TLS.
    pub tls: Option<(&'a Path, &'a Path)>,
    /// Dovecot's auth service (inet port) for SASL AUTH PLAIN/LOGIN.
    pub sasl_port: Option<u16>,
    /// Accept mail for any domain and discard it (a sink for the load harness).
    pub sink: bool,
}

impl Postfix {
    pub fn start_with(lmtp_port: u16, extras: Extras<'_>) -> Option<Postfix> {
        let usable =
            Command::new("postconf").arg("mail_version").output().is_ok_and(|o| o.status.success()) && super::is_root();
        if !usable {
            assert!(!in_ci(), "postfix (and root) are required in CI");
            eprintln!("WARNING: postfix not installed or not root; SMTP test skipped");
            return None;
        }
        let dir = tempfile::Builder::new().prefix("lefi-pf").tempdir().expect("temp dir");
        let root = dir.path();
        for sub in ["etc", "queue", "data"] {
            std::fs::create_dir_all(root.join(sub)).unwrap();
        }
        let status = Command::new("chown").args(["postfix:postfix"]).arg(root.join("data")).status().unwrap();
        assert!(status.success());
        // The smtpd processes run as postfix and must read the TLS files.
        std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o755)).unwrap();
        let r = root.display();
        let mut extra = String::new();
        if extras.sink {
            extra += "default_transport = discard:\nrelay_transport = discard:\n";
        }
        if let Some((cert, key)) = extras.tls {
            std::fs::copy(cert, root.join("etc/server.pem")).unwrap();
            std::fs::copy(key, root.join("etc/server.key")).unwrap();
            extra += &format!(
                "smtpd_tls_cert_file = {r}/etc/server.pem\nsmtpd_tls_key_file = {r}/etc/server.key\n\
                 smtpd_tls_security_level = may\n"
            );
        }
        if let Some(sasl) = extras.sasl_port {
            extra += &format!(
                "smtpd_sasl_auth_enable = yes\nsmtpd_sasl_type = dovecot\nsmtpd_sasl_path = inet:127.0.0.1:{sasl}\n\
                 smtpd_tls_auth_only = yes\n"
            );
        }
        std::fs::write(
            root.join("etc/main.cf"),
            format!(
                "compatibility_level = 3.6\nqueue_directory = {r}/queue\ndata_directory = {r}/data\n\
                 mail_owner = postfix\nsetgid_group = postdrop\nmyhostname = mx.test.invalid\n\
                 mydomain = test.invalid\nmyorigin = test.invalid\nmydestination =\n\
                 inet_interfaces = 127.0.0.1\ninet_protocols = ipv4\nmynetworks = 127.0.0.0/8\n\
                 smtputf8_enable = yes\nvirtual_mailbox_domains = uppsala.se, example.se\n\
                 virtual_transport = lmtp:inet:127.0.0.1:{lmtp_port}\n\
                 smtpd_recipient_restrictions = check_recipient_access texthash:{r}/etc/access, permit_mynetworks, reject\n\
                 maillog_file = {r}/maillog\nmaillog_file_prefixes = {r}\n\
                 queue_run_delay = 1s\nminimal_backoff_time = 1s\nmaximal_backoff_time = 2s\n\
                 shlib_directory = /usr/lib/postfix\ndaemon_directory = /usr/lib/postfix/sbin\n\
                 meta_directory = /etc/postfix\nsmtpd_banner = $myhostname ESMTP {greeting}\n{extra}",
                greeting = super::dovecot::greeting(dir.path())
            ),
        )
        .unwrap();
        std::fs::write(root.join("etc/access"), "blocked@example.se REJECT 5.1.1 no such user here\n").unwrap();
        let services = [
            "pickup unix n - n 60 1 pickup",
            "cleanup unix n - n - 0 cleanup",
            "qmgr unix n - n 300 1 qmgr",
            "rewrite unix - - n - - trivial-rewrite",
            "bounce unix - - n - 0 bounce",
            "defer unix - - n - 0 bounce",
            "trace unix - - n - 0 bounce",
            "verify unix - - n - 1 verify",
            "flush unix n - n 1000? 0 flush",
            "proxymap unix - - n - - proxymap",
            "smtp unix - - n - - smtp",
            "relay unix - - n - - smtp",
            "showq unix n - n - - showq",
            "error unix - - n - - error",
            "retry unix - - n - - error",
            "discard unix - - n - - discard",
            "local unix - n n - - local",
            "virtual unix - n n - - virtual",
            "lmtp unix - - n - - lmtp",
            "anvil unix - - n - 1 anvil",
            "scache unix - - n - 1 scache",
            "postlog unix-dgram n - n - 1 postlogd",
            "tlsmgr unix - - n 1000? 1 tlsmgr",
        ];
        let mut p = Postfix { dir, port: 0, tls_port: 0, running: false };
        start_on_fresh_ports("postfix", || {
            (p.port, p.tls_port) = (free_port(), free_port());
            let smtps = if extras.tls.is_some() {
                format!("127.0.0.1:{} inet n - n - - smtpd -o smtpd_tls_wrappermode=yes\n", p.tls_port)
            } else {
                String::new()
            };
            let master = format!("127.0.0.1:{} inet n - n - - smtpd\n{smtps}{}\n", p.port, services.join("\n"));
            std::fs::write(p.dir.path().join("etc/master.cf"), master).unwrap();
            p.try_up()
        });
        Some(p)
    }

    fn postfix(&self, action: &str) -> std::process::Output {
        Command::new("postfix").arg("-c").arg(self.dir.path().join("etc")).arg(action).output().expect("postfix")
    }

    /// Starts again on the same ports and waits for the SMTP port.
    pub fn up(&mut self) {
        if let Err(why) = self.try_up() {
            panic!("{why}");
        }
    }

    /// Starts and waits for the SMTP port; on failure stops it again and says why.
    fn try_up(&mut self) -> Result<(), String> {
        let out = self.postfix("start");
        if !out.status.success() {
            return Err(format!("postfix start failed: {}\n{}", String::from_utf8_lossy(&out.stderr), self.log()));
        }
        self.running = true;
        let deadline = Instant::now() + Duration::from_secs(20);
        // Answered with our own banner: a port picked as free can be taken by
        // another test's server before ours binds it, and that one answers too.
        while !super::dovecot::greets(self.port, &super::dovecot::greeting(self.dir.path())) {
            if Instant::now() > deadline {
                self.down();
                return Err(format!("postfix did not listen: {}", self.log()));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(())
    }

    /// Stops it; the SMTP port refuses connections afterwards.
    pub fn down(&mut self) {
        if self.running {
            let _ = self.postfix("stop");
            self.running = false;
            let deadline = Instant::now() + Duration::from_secs(20);
            while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("maillog")).unwrap_or_default()
    }
}

impl Drop for Postfix {
    fn drop(&mut self) {
        self.down();
    }
}
