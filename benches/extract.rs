//! Bare mail-parser parse vs the whole of parse + extract + decide, over every
//! fixture mail. Criterion reports each; the summary at the end measures both
//! interleaved in one run and prints the ratio and mails per second, because
//! ratios across separate runs on a noisy machine mean little.

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use mail_parser::MessageParser;

fn fixtures() -> Vec<Vec<u8>> {
    fn walk(dir: &Path, out: &mut Vec<Vec<u8>>) {
        for entry in std::fs::read_dir(dir).expect("fixtures") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "eml") {
                out.push(std::fs::read(&path).expect("read"));
            }
        }
    }
    let mut out = Vec::new();
    walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures"), &mut out);
    out
}

fn bare_parse(mails: &[Vec<u8>]) {
    let parser = MessageParser::default();
    for raw in mails {
        black_box(parser.parse(black_box(raw)));
    }
}

fn whole(mails: &[Vec<u8>], own: &[String]) {
    for raw in mails {
        black_box(lefi_intake::analyse::analyse(black_box(raw), None, own));
    }
}

fn summary(mails: &[Vec<u8>], own: &[String]) {
    // One unmeasured round first: run alone (`cargo bench --bench extract -- summary`)
    // the first round would also pay for compiling the extractors' expressions.
    bare_parse(mails);
    whole(mails, own);
    // The machine's speed drifts from second to second: the two are measured
    // in alternating rounds, and in blocks, so that the spread of the blocks'
    // ratios shows how far one figure can be trusted.
    let (blocks, rounds) = (7, 40);
    let (mut parse_time, mut whole_time) = (Duration::ZERO, Duration::ZERO);
    let mut ratios = Vec::with_capacity(blocks);
    for _ in 0..blocks {
        let (mut block_parse, mut block_whole) = (Duration::ZERO, Duration::ZERO);
        for _ in 0..rounds {
            let t = Instant::now();
            bare_parse(mails);
            block_parse += t.elapsed();
            let t = Instant::now();
            whole(mails, own);
            block_whole += t.elapsed();
        }
        ratios.push(block_whole.as_secs_f64() / block_parse.as_secs_f64());
        parse_time += block_parse;
        whole_time += block_whole;
    }
    ratios.sort_by(f64::total_cmp);
    let n = (mails.len() * blocks * rounds) as f64;
    let per_parse = parse_time.as_secs_f64() / n;
    let per_whole = whole_time.as_secs_f64() / n;
    println!("\n=== summary over {} fixture mails x {} rounds, one thread ===", mails.len(), blocks * rounds);
    println!("bare mail-parser parse:        {:>8.2} us/mail  {:>9.0} mails/s", per_parse * 1e6, 1.0 / per_parse);
    println!("parse + extract + decide:      {:>8.2} us/mail  {:>9.0} mails/s", per_whole * 1e6, 1.0 / per_whole);
    println!("ratio whole / bare parse:      {:>8.2}x   (target <= 3x, >= 10000 mails/s)", per_whole / per_parse);
    println!(
        "ratio in {blocks} blocks of {rounds} rounds: median {:.2}x, {:.2}x to {:.2}x",
        ratios[blocks / 2],
        ratios[0],
        ratios[blocks - 1]
    );
}

fn main() {
    let mails = fixtures();
    let own = vec![lefi_intake::MAILBOX_ADDRESS.to_string()];
    let mut c = Criterion::default().configure_from_args();
    let mut group = c.benchmark_group("fixtures");
    group.throughput(Throughput::Elements(mails.len() as u64));
    group.bench_function("bare_parse", |b| b.iter(|| bare_parse(&mails)));
    group.bench_function("parse_extract_decide", |b| b.iter(|| whole(&mails, &own)));
    group.finish();
    c.final_summary();
    summary(&mails, &own);
}
