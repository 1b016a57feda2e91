//! What the examples share: the fixture mails.

use std::path::{Path, PathBuf};

/// Every `.eml` file under `fixtures/`, in sorted order.
pub fn fixture_paths() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("fixtures directory") {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|x| x == "eml") {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(Path::new("fixtures"), &mut out);
    out.sort();
    out
}
