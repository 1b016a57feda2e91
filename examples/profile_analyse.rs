//! Runs the whole analysis (or, with `bare`, mail-parser alone) over the
//! fixtures in a loop, for profilers:
//!
//! ```sh
//! cargo build --release --example profile_analyse
//! perf record --call-graph dwarf target/release/examples/profile_analyse whole 200
//! valgrind --tool=cachegrind --cache-sim=yes target/release/examples/profile_analyse bare 25
//! ```
//!
//! Cachegrind's counts do not vary with the machine's load: the difference
//! between a run of 25 rounds and one of 5 is the steady-state cost of 20.

mod support;
fn main() {
    let mut args = std::env::args().skip(1);
    let what = args.next().unwrap_or_else(|| "whole".to_string());
    let rounds: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(200);
    let mails: Vec<Vec<u8>> = support::fixture_paths().into_iter().map(|p| std::fs::read(p).unwrap()).collect();
    let own = vec![lefi_intake::MAILBOX_ADDRESS.to_string()];
    let parser = mail_parser::MessageParser::default();
    for _ in 0..rounds {
        for m in &mails {
            if what == "bare" {
                std::hint::black_box(parser.parse(m));
            } else {
                std::hint::black_box(lefi_intake::analyse::analyse(m, None, &own));
            }
        }
    }
}
