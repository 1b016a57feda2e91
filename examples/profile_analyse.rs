//! Runs the whole analysis over the fixtures in a loop, for profilers.
fn main() {
    let mut mails = Vec::new();
    for entry in walkdir("fixtures") {
        mails.push(std::fs::read(entry).unwrap());
    }
    let own = vec![lefi_intake::MAILBOX_ADDRESS.to_string()];
    let rounds: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(200);
    for _ in 0..rounds {
        for m in &mails {
            std::hint::black_box(lefi_intake::analyse::analyse(m, None, &own));
        }
    }
}

fn walkdir(dir: &str) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walkdir(p.to_str().unwrap()));
        } else if p.extension().is_some_and(|x| x == "eml") {
            out.push(p);
        }
    }
    out
}
