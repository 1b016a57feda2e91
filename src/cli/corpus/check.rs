//! `corpus check DIR`: the intake's reading of every mail of a corpus
//! against the result written beside it.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::analyse::analyse;
use crate::cli::extract::report::{self, Report};
use crate::mail::visible::for_terminal;
use anyhow::{Context as _, Result};
use serde::Serialize;
use serde_json::Value;

/// The facts an accept is recorded with.
const FACTS: [&str; 3] = ["org_number", "org_name", "effective_date"];

#[derive(Debug, Default, Serialize)]
struct Score {
    mails: usize,
    verdicts_right: usize,
    /// Per fact: how many mails the intake read as the corpus has it.
    facts_right: std::collections::BTreeMap<&'static str, usize>,
    reasons_right: usize,
    /// Mails the corpus accepts, and how many the intake accepts with every fact right.
    ordinary: usize,
    ordinary_accepted: usize,
    /// Accepts where the corpus does not accept, or with a fact wrong.
    wrong_terminations: Vec<Wrong>,
    /// Other verdicts the intake gives otherwise.
    other_misses: Vec<Wrong>,
}

#[derive(Debug, Serialize)]
struct Wrong {
    file: String,
    expected: Value,
    got: Value,
    /// How the mail was read (`extract --explain`), for a wrong termination.
    #[serde(skip_serializing_if = "Option::is_none")]
    explain: Option<String>,
}

pub fn run(dir: &Path, min_verdicts: f64, json: bool) -> Result<ExitCode> {
    let mails = corpus(dir).with_context(|| format!("reading the corpus {}", dir.display()))?;
    anyhow::ensure!(!mails.is_empty(), "{} holds no .eml file with a .json beside it", dir.display());
    let own = vec![crate::MAILBOX_ADDRESS.to_string()];
    let mut score = Score { mails: mails.len(), ..Score::default() };
    for eml in &mails {
        let name = eml.strip_prefix(dir).unwrap_or(eml).display().to_string();
        let json_path = eml.with_extension("json");
        let expected: Value = serde_json::from_str(
            &std::fs::read_to_string(&json_path).with_context(|| format!("reading {}", json_path.display()))?,
        )
        .with_context(|| format!("{} is not JSON", json_path.display()))?;
        let raw = std::fs::read(eml).with_context(|| format!("reading {}", eml.display()))?;
        let analysis = analyse(&raw, None, &own);
        let got = serde_json::to_value(Report::from_analysis(&name, &analysis))?;
        let field = |v: &Value, k: &str| v.get(k).cloned().unwrap_or(Value::Null);
        let facts_ok: Vec<bool> = FACTS.iter().map(|k| field(&expected, k) == field(&got, k)).collect();
        for (k, ok) in FACTS.iter().zip(&facts_ok) {
            *score.facts_right.entry(k).or_default() += usize::from(*ok);
        }
        let sorted = |v: &Value| {
            let mut items: Vec<String> =
                v.get("reasons").and_then(Value::as_array).into_iter().flatten().map(|r| r.to_string()).collect();
            items.sort();
            items
        };
        score.reasons_right += usize::from(sorted(&expected) == sorted(&got));
        let (want, have) = (field(&expected, "verdict"), field(&got, "verdict"));
        let accept = Value::from("accept");
        let all_facts = facts_ok.iter().all(|ok| *ok);
        let right = want == have && (want != accept || all_facts);
        score.verdicts_right += usize::from(right);
        if want == accept {
            score.ordinary += 1;
            score.ordinary_accepted += usize::from(right);
        }
        let wrong = Wrong { file: name, expected: summary(&expected), got: summary(&got), explain: None };
        if have == accept && !right {
            score.wrong_terminations.push(Wrong { explain: Some(report::explain(&analysis)), ..wrong });
        } else if !right {
            score.other_misses.push(wrong);
        }
    }
    let verdict_share = 100.0 * score.verdicts_right as f64 / score.mails as f64;
    if json {
        println!("{}", serde_json::to_string_pretty(&score)?);
    } else {
        print!("{}", for_terminal(&text(&score, verdict_share)));
    }
    let passed = score.wrong_terminations.is_empty() && verdict_share >= min_verdicts;
    Ok(if passed { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// The verdict, facts and reasons of a result.
fn summary(v: &Value) -> Value {
    let mut out = serde_json::Map::new();
    for k in ["verdict", "org_number", "org_name", "effective_date", "reasons"] {
        out.insert(k.into(), v.get(k).cloned().unwrap_or(Value::Null));
    }
    Value::Object(out)
}

fn text(score: &Score, verdict_share: f64) -> String {
    use std::fmt::Write;
    let share = |n: usize, of: usize| if of == 0 { 100.0 } else { 100.0 * n as f64 / of as f64 };
    let mut out = String::new();
    let _ = writeln!(out, "mails: {}", score.mails);
    let _ = writeln!(out, "verdicts right: {} ({verdict_share:.1} %)", score.verdicts_right);
    for (k, n) in &score.facts_right {
        let _ = writeln!(out, "{k} right: {n} ({:.1} %)", share(*n, score.mails));
    }
    let _ = writeln!(out, "reasons right: {} ({:.1} %)", score.reasons_right, share(score.reasons_right, score.mails));
    let _ = writeln!(
        out,
        "ordinary mails accepted: {} of {} ({:.1} %)",
        score.ordinary_accepted,
        score.ordinary,
        share(score.ordinary_accepted, score.ordinary)
    );
    let _ = writeln!(out, "wrong automatic terminations: {}", score.wrong_terminations.len());
    for w in &score.wrong_terminations {
        let _ = writeln!(out, "\nWRONG TERMINATION {}: expected {}, got {}", w.file, w.expected, w.got);
        if let Some(explain) = &w.explain {
            out.push_str(explain);
        }
    }
    if !score.other_misses.is_empty() {
        let _ = writeln!(out, "\nother verdicts read otherwise:");
        for w in &score.other_misses {
            let _ = writeln!(out, "  {}: expected {}, got {}", w.file, w.expected, w.got);
        }
    }
    out
}

/// Every .eml below `dir` that has a .json beside it, in order.
fn corpus(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
        for entry in std::fs::read_dir(dir)? {
            let path = entry?.path();
            if path.is_dir() {
                walk(&path, out)?;
            } else if path.extension().is_some_and(|e| e == "eml") && path.with_extension("json").exists() {
                out.push(path);
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(dir, &mut out)?;
    out.sort();
    Ok(out)
}
