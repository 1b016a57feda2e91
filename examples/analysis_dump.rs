//! Prints the full analysis (extraction with evidence, and decision) of every
//! fixture and of a few thousand deterministic recombinations of their texts,
//! one JSON line each. Diff two runs to check that a change to the extraction
//! code changed nothing it should not:
//!
//! ```sh
//! cargo run --example analysis_dump > before.jsonl
//! # change the code
//! cargo run --example analysis_dump > after.jsonl && cmp before.jsonl after.jsonl
//! ```

mod support;
use lefi_intake::analyse::analyse;

fn main() {
    let recombined: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(3000);
    let own = vec![lefi_intake::MAILBOX_ADDRESS.to_string()];
    let paths = support::fixture_paths();
    let mails: Vec<Vec<u8>> = paths.iter().map(|p| std::fs::read(p).unwrap()).collect();
    let mut texts: Vec<(String, Vec<String>)> = Vec::new();
    for (path, raw) in paths.iter().zip(&mails) {
        let a = analyse(raw, None, &own);
        print_line(&path.display().to_string(), &a);
        if let Some(m) = &a.mail {
            texts.push((m.subject.clone(), m.full_text().lines().map(str::to_string).collect()));
        }
    }
    let mut rng = XorShift(12345);
    for i in 0..recombined {
        let (sa, la) = &texts[rng.below(texts.len())];
        let (sb, lb) = &texts[rng.below(texts.len())];
        let subject = if rng.below(2) == 0 { sa } else { sb };
        let mut lines: Vec<&str> = Vec::new();
        let cut_a = rng.below(la.len() + 1);
        let from_b = rng.below(lb.len() + 1);
        lines.extend(la[..cut_a].iter().map(String::as_str));
        lines.extend(lb[from_b..].iter().map(String::as_str));
        for _ in 0..rng.below(4) {
            if lines.len() > 1 {
                let (x, y) = (rng.below(lines.len()), rng.below(lines.len()));
                lines.swap(x, y);
            }
        }
        if rng.below(3) == 0 && !lines.is_empty() {
            // Cut one line short, inside a word or a number.
            let k = rng.below(lines.len());
            let line = lines[k];
            let mut at = rng.below(line.len() + 1);
            while !line.is_char_boundary(at) {
                at -= 1;
            }
            lines[k] = &line[..at];
        }
        let raw = format!(
            "From: Test <test@example.se>\r\nTo: {}\r\nSubject: {subject}\r\nDate: Mon, 2 Nov 2026 10:00:00 +0100\r\n\
             Message-ID: <r{i}@example.se>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\
             Content-Transfer-Encoding: 8bit\r\n\r\n{}\r\n",
            lefi_intake::MAILBOX_ADDRESS,
            lines.join("\r\n")
        );
        print_line(&format!("recombined {i}"), &analyse(raw.as_bytes(), None, &own));
    }
}

fn print_line(name: &str, a: &lefi_intake::analyse::Analysis) {
    let line = serde_json::json!({ "mail": name, "extraction": a.extraction, "decision": a.decision });
    println!("{line}");
}

struct XorShift(u64);

impl XorShift {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        if n == 0 { 0 } else { (self.0 % n as u64) as usize }
    }
}
