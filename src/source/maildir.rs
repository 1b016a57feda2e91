//! A local Maildir as mail source (the embedded default).
//!
//! Mails are read from `new/` and `cur/`. A handled mail is renamed into the
//! Maildir++ sub-folder for its outcome (`.Processed`, `.Quarantine`,
//! `.Ignored`, each with `cur/ new/ tmp/`), which is atomic on one file system.
//! The key of a mail is its file name without the `:2,` flags, so it stays the
//! same when a mail client moves it from `new/` to `cur/`.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use tokio_util::sync::CancellationToken;

use super::{Folder, MailSource, SourceError, SourceMail};
use crate::domain::SourceKey;

pub struct Maildir {
    root: PathBuf,
    max_bytes: usize,
    poll_interval: Duration,
    /// Where each handed-out mail currently is.
    paths: HashMap<SourceKey, PathBuf>,
    /// Mails in the inbox at the last look, less those handed out.
    not_handed_out: usize,
}

fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> SourceError {
    let what = what.into();
    move |source| SourceError::Io { what, source }
}

impl Maildir {
    /// Opens (and creates when missing) the Maildir at `root` with its folders.
    pub fn open(root: impl Into<PathBuf>, max_bytes: usize) -> Result<Maildir, SourceError> {
        let root = root.into();
        for dir in ["", ".Processed", ".Quarantine", ".Ignored"] {
            for sub in ["cur", "new", "tmp"] {
                let path = root.join(dir).join(sub);
                std::fs::create_dir_all(&path).map_err(io(format!("creating {}", path.display())))?;
            }
        }
        Ok(Maildir { root, max_bytes, poll_interval: Duration::from_secs(2), paths: HashMap::new(), not_handed_out: 0 })
    }

    /// How often `wait` looks again.
    pub fn with_poll_interval(mut self, every: Duration) -> Self {
        self.poll_interval = every;
        self
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Delivers a mail into `new/` the way an MTA does (write to `tmp/`, then
    /// rename), for tests and the demo.
    pub fn deliver(root: &Path, name: &str, raw: &[u8]) -> std::io::Result<PathBuf> {
        let tmp = root.join("tmp").join(name);
        std::fs::write(&tmp, raw)?;
        let new = root.join("new").join(name);
        std::fs::rename(&tmp, &new)?;
        Ok(new)
    }

    fn inbox(&self) -> Result<Vec<PathBuf>, SourceError> {
        let mut files = Vec::new();
        for sub in ["new", "cur"] {
            let dir = self.root.join(sub);
            let entries = std::fs::read_dir(&dir).map_err(io(format!("listing {}", dir.display())))?;
            for entry in entries.flatten() {
                let name = entry.file_name();
                let is_file = entry.file_type().is_ok_and(|t| t.is_file());
                if is_file && !name.to_string_lossy().starts_with('.') {
                    files.push(entry.path());
                }
            }
        }
        // Maildir names start with the delivery time: name order is arrival order.
        files.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
        Ok(files)
    }

    fn read(&self, path: &Path) -> std::io::Result<(Vec<u8>, Option<usize>)> {
        let mut file = std::fs::File::open(path)?;
        let size = file.metadata()?.len() as usize;
        if size <= self.max_bytes {
            let mut raw = Vec::with_capacity(size);
            file.read_to_end(&mut raw)?;
            return Ok((raw, None));
        }
        // Too large to load: the header block is enough to record and quarantine it.
        let mut head = vec![0u8; 64 * 1024];
        let n = file.read(&mut head)?;
        head.truncate(n);
        if let Some(end) = crate::mail::raw::header_end(&head) {
            head.truncate(end);
        }
        Ok((head, Some(size)))
    }
}

impl Maildir {
    /// Moves one recorded mail to `.Folder/cur`, marked seen.
    fn file_one(&mut self, key: &SourceKey, folder: Folder) -> Result<(), SourceError> {
        let Some(from) = self.paths.remove(key) else { return Ok(()) };
        let name = from.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let name = if name.contains(":2,") { name } else { format!("{name}:2,S") };
        let to = self.root.join(format!(".{folder}")).join("cur").join(name);
        match std::fs::rename(&from, &to) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => {
                Err(SourceError::Io { what: format!("moving {} to {}", from.display(), to.display()), source: e })
            }
        }
    }
}

fn key_of(path: &Path) -> SourceKey {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    SourceKey::Maildir(name.split(":2,").next().unwrap_or(&name).to_string())
}

/// The delivery time: Maildir names start with it (seconds since the epoch);
/// otherwise the file's modification time.
fn received_at(path: &Path) -> DateTime<Utc> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let leading: String = name.chars().take_while(char::is_ascii_digit).collect();
    if let Ok(secs) = leading.parse::<i64>() {
        // Between 2001 and 2100: anything else is not a timestamp.
        if (1_000_000_000..4_102_444_800).contains(&secs)
            && let Some(t) = Utc.timestamp_opt(secs, 0).single()
        {
            return t;
        }
    }
    std::fs::metadata(path).and_then(|m| m.modified()).map(DateTime::<Utc>::from).unwrap_or_else(|_| Utc::now())
}

impl MailSource for Maildir {
    async fn fetch(&mut self, limit: usize) -> Result<Vec<SourceMail>, SourceError> {
        let mut out = Vec::new();
        let listed = self.inbox()?;
        let in_inbox = listed.len();
        for path in listed {
            if out.len() == limit {
                break;
            }
            // Handed out already (the batch being recorded while this one is read).
            if self.paths.contains_key(&key_of(&path)) {
                continue;
            }
            let (raw, truncated_from) = match self.read(&path) {
                Ok(r) => r,
                // Moved away by someone else meanwhile: not ours any more.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(SourceError::Io { what: format!("reading {}", path.display()), source: e }),
            };
            let key = key_of(&path);
            out.push(SourceMail { key: key.clone(), raw, received_at: received_at(&path), truncated_from });
            self.paths.insert(key, path);
        }
        self.not_handed_out = in_inbox.saturating_sub(self.paths.len());
        Ok(out)
    }

    async fn file(&mut self, mails: &[(SourceKey, Folder)]) -> Result<(), SourceError> {
        // Each mail is moved on its own; one that cannot be moved does not
        // keep the others in the inbox.
        let mut first_error = None;
        for (key, folder) in mails {
            if let Err(e) = self.file_one(key, *folder) {
                first_error.get_or_insert(e);
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    fn waiting(&self) -> Option<usize> {
        Some(self.not_handed_out)
    }

    fn reset(&mut self) {
        self.paths.clear();
    }

    async fn wait(&mut self, shutdown: &CancellationToken) {
        tokio::select! {
            _ = tokio::time::sleep(self.poll_interval) => {}
            _ = shutdown.cancelled() => {}
        }
    }

    fn describe(&self) -> String {
        format!("maildir {}", self.root.display())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_ignore_flags_and_times_come_from_names() {
        let key = SourceKey::Maildir("1700000000.M1P2.host".into());
        assert_eq!(key_of(Path::new("/m/cur/1700000000.M1P2.host:2,S")), key);
        assert_eq!(key_of(Path::new("/m/new/1700000000.M1P2.host")), key);
        assert_eq!(received_at(Path::new("/m/new/1700000000.M1P2.host")).timestamp(), 1_700_000_000);
    }

    #[tokio::test]
    async fn a_filed_mail_leaves_the_inbox_and_a_large_one_is_read_to_its_headers() {
        let dir = tempfile::tempdir().unwrap();
        let mut md = Maildir::open(dir.path(), 1000).unwrap();
        Maildir::deliver(dir.path(), "1700000001.a.host", b"Subject: a\r\n\r\nbody").unwrap();
        let mut big = b"Subject: big\r\n\r\n".to_vec();
        big.extend(std::iter::repeat_n(b'x', 5000));
        Maildir::deliver(dir.path(), "1700000002.b.host", &big).unwrap();
        let mails = md.fetch(10).await.unwrap();
        assert_eq!(mails.len(), 2);
        assert_eq!(mails[1].truncated_from, Some(big.len()));
        assert_eq!(mails[1].raw, b"Subject: big\r\n\r\n");
        md.file(&[(mails[0].key.clone(), Folder::Processed), (mails[1].key.clone(), Folder::Quarantine)])
            .await
            .unwrap();
        assert!(md.fetch(10).await.unwrap().is_empty());
        assert!(dir.path().join(".Processed/cur/1700000001.a.host:2,S").exists());
        assert!(dir.path().join(".Quarantine/cur/1700000002.b.host:2,S").exists());
    }

    #[tokio::test]
    async fn it_counts_what_waits_beyond_the_mails_handed_out() {
        let dir = tempfile::tempdir().unwrap();
        let mut md = Maildir::open(dir.path(), 1000).unwrap();
        assert_eq!(md.waiting(), Some(0), "nothing seen yet");
        for i in 0..12 {
            Maildir::deliver(dir.path(), &format!("17000000{i:02}.m{i}.host"), b"Subject: a\r\n\r\nbody").unwrap();
        }
        let first = md.fetch(5).await.unwrap();
        assert_eq!(md.waiting(), Some(7));
        let second = md.fetch(5).await.unwrap();
        assert_eq!(md.waiting(), Some(2), "the first five are handed out, not waiting");
        let filed: Vec<_> = first.iter().chain(&second).map(|m| (m.key.clone(), Folder::Processed)).collect();
        md.file(&filed).await.unwrap();
        md.fetch(5).await.unwrap();
        assert_eq!(md.waiting(), Some(0));
    }
}
