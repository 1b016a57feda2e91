//! The daemon as a process of its own (`lefi-intake run`) on a scratch
//! directory, serving the officers' pages on a port of its own: for tests
//! that must reach the real listener with real sockets.

use std::io::Write;
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::http::request as http;

pub struct Served {
    pub dir: tempfile::TempDir,
    pub port: u16,
    /// The operators' endpoint, when asked for.
    pub ops_port: Option<u16>,
    pub maildir: PathBuf,
    pub daemon: Child,
    settings: Vec<(String, String)>,
}

impl Served {
    /// Starts `lefi-intake run` with `settings` (environment overrides) on a
    /// fresh SQLite database and Maildir, with the officers `officers` (each
    /// with `password`), and waits until the pages answer.
    pub fn start(settings: &[(&str, &str)], officers: &[&str], password: &str, with_ops: bool) -> Served {
        let dir = tempfile::tempdir().unwrap();
        let port = crate::support::dovecot::free_port();
        let ops_port = with_ops.then(crate::support::dovecot::free_port);
        let maildir = dir.path().join("maildir");
        lefi_intake::source::maildir::Maildir::open(&maildir, 1 << 20).unwrap();
        let mut all: Vec<(String, String)> = vec![
            ("LEFI_INTAKE__DATABASE__URL".into(), format!("sqlite://{}/lefi.db", dir.path().display())),
            ("LEFI_INTAKE__SOURCE__MAILDIR".into(), maildir.display().to_string()),
            ("LEFI_INTAKE__SOURCE__POLL_INTERVAL_SECS".into(), "1".into()),
            ("LEFI_INTAKE__REPLY__DIR".into(), dir.path().join("outbox").display().to_string()),
            ("LEFI_INTAKE__WEB__LISTEN".into(), format!("127.0.0.1:{port}")),
            ("LEFI_INTAKE__OPS__LISTEN".into(), ops_port.map(|p| format!("127.0.0.1:{p}")).unwrap_or_default()),
        ];
        all.extend(crate::support::WITHOUT_TRUST.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        all.extend(settings.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let mut served = Served { dir, port, ops_port, maildir, daemon: placeholder(), settings: all };
        for name in officers {
            let mut add = served.command();
            let mut add = add.args(["officer", "add", name, "--password-stdin"]).stdin(Stdio::piped()).spawn().unwrap();
            add.stdin.take().unwrap().write_all(password.as_bytes()).unwrap();
            assert!(add.wait().unwrap().success(), "officer add {name}");
        }
        served.daemon = served.command().arg("run").stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "the pages did not come up");
            std::thread::sleep(Duration::from_millis(50));
        }
        served
    }

    /// The binary with this daemon's settings and nothing else of the test's environment.
    pub fn command(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_lefi-intake"));
        cmd.current_dir(self.dir.path())
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .envs(self.settings.iter().map(|(k, v)| (k, v)));
        cmd
    }

    pub fn database_url(&self) -> String {
        format!("sqlite://{}/lefi.db", self.dir.path().display())
    }

    /// A sign-in form: its cookie's value and its token.
    pub fn sign_in_form(&self) -> (String, String) {
        let port = self.port;
        let (_, head, page) =
            http(port, &format!("GET /login HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"));
        let cookie = head
            .lines()
            .find_map(|l| l.strip_prefix("set-cookie: lefi_login="))
            .and_then(|v| v.split(';').next())
            .expect("login cookie")
            .to_string();
        (cookie, crate::web::csrf_of(&page))
    }

    /// Resident memory of the daemon, its peak and now, in KiB.
    pub fn memory_kib(&self) -> (u64, u64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.daemon.id())).unwrap();
        let kb = |key: &str| {
            status
                .lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1))
                .unwrap()
                .parse::<u64>()
                .unwrap()
        };
        (kb("VmHWM:"), kb("VmRSS:"))
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
    }
}

/// A child that has already ended, until the daemon is spawned.
fn placeholder() -> Child {
    Command::new("true").spawn().unwrap()
}

/// A sign-in request as a browser sends it, closing the connection after.
pub fn login_post(port: u16, cookie: &str, csrf: &str, name: &str, password: &str) -> String {
    use crate::web::url_encode;
    let body = format!("csrf={}&name={}&password={}", url_encode(csrf), url_encode(name), url_encode(password));
    format!(
        "POST /login HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nCookie: lefi_login={cookie}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}
