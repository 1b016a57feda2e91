//! A private PostgreSQL for the tests that restart it: its own cluster in a
//! temporary directory, on a free loopback port, run as the `postgres` user
//! (the server refuses root). Requires Debian's PostgreSQL binaries and
//! root; without them the test is skipped outside CI and fails in CI.

use std::path::PathBuf;
use std::process::Command;

use super::dovecot::free_port;
use super::in_ci;

pub struct PrivatePostgres {
    pub dir: tempfile::TempDir,
    pub port: u16,
    bin: PathBuf,
}

fn as_postgres(bin: &std::path::Path, tool: &str, args: &[&str]) -> std::process::Output {
    Command::new("runuser").args(["-u", "postgres", "--"]).arg(bin.join(tool)).args(args).output().expect("runuser")
}

impl PrivatePostgres {
    pub fn start() -> Option<PrivatePostgres> {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .ok()
            .and_then(|d| d.flatten().map(|e| e.path().join("bin")).find(|b| b.join("initdb").exists()));
        let Some(bin) = bin.filter(|_| super::is_root()) else {
            assert!(!in_ci(), "PostgreSQL's binaries (and root) are required in CI");
            eprintln!("WARNING: no PostgreSQL binaries or not root; test skipped");
            return None;
        };
        let dir = tempfile::Builder::new().prefix("lefi-pg").tempdir().expect("temp dir");
        let status = Command::new("chown").arg("postgres:postgres").arg(dir.path()).status().unwrap();
        assert!(status.success());
        let data = dir.path().join("data");
        let out = as_postgres(&bin, "initdb", &["-D", &data.display().to_string(), "-U", "postgres", "-A", "trust"]);
        assert!(out.status.success(), "initdb: {}", String::from_utf8_lossy(&out.stderr));
        let pg = PrivatePostgres { dir, port: free_port(), bin };
        pg.ctl("start");
        Some(pg)
    }

    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn ctl(&self, action: &str) {
        let data = self.dir.path().join("data").display().to_string();
        let log = self.dir.path().join("server.log").display().to_string();
        let options = format!("-p {} -k {} -c listen_addresses=127.0.0.1", self.port, self.dir.path().display());
        let out =
            as_postgres(&self.bin, "pg_ctl", &["-D", &data, "-l", &log, "-o", &options, "-m", "fast", "-w", action]);
        assert!(out.status.success(), "pg_ctl {action}: {}", String::from_utf8_lossy(&out.stderr));
    }

    /// Stops the server (fast: open sessions are ended) and starts it again.
    pub fn restart(&self) {
        self.ctl("restart");
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        let data = self.dir.path().join("data").display().to_string();
        let _ = as_postgres(&self.bin, "pg_ctl", &["-D", &data, "-m", "immediate", "stop"]);
    }
}
