//! The front door and the documents behind it: the README names the test
//! command CI runs and only commands the binary has; every relative link
//! resolves; the reason codes and the configuration keys are documented
//! exactly as the code and `config/default.toml` have them.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).expect(rel)
}

/// README.md and every Markdown file under docs/.
fn documents() -> Vec<PathBuf> {
    let mut out = vec![root().join("README.md")];
    let mut dirs = vec![root().join("docs")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("docs/") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "md") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn the_extraction_guide_documents_every_reason_code() {
    let guide = read("docs/extraction.md");
    let officers = read("docs/officers.md");
    use lefi_intake::domain::Code;
    use strum::VariantArray;
    let codes: Vec<&str> = lefi_intake::domain::Reason::VARIANTS.iter().map(|r| r.as_str()).collect();
    let missing: Vec<&&str> = codes.iter().filter(|c| !guide.contains(&format!("| `{c}` |"))).collect();
    assert!(missing.is_empty(), "reason codes missing from docs/extraction.md's table: {missing:?}");
    let missing: Vec<&&str> = codes.iter().filter(|c| !officers.contains(&format!("`{c}`"))).collect();
    assert!(missing.is_empty(), "reason codes the officers' guide does not explain: {missing:?}");
}

#[test]
fn ci_runs_the_test_command_the_readme_gives() {
    let readme = read("README.md");
    let ci = read(".ci/run");
    let command = readme
        .split("Run all tests")
        .nth(1)
        .and_then(|rest| rest.split("```sh\n").nth(1))
        .and_then(|block| block.lines().next())
        .expect("a test command after 'Run all tests'");
    assert!(ci.lines().any(|l| l.trim() == command), "`.ci/run` does not run `{command}`");
    let script = command.trim_start_matches("./");
    assert!(root().join(script).is_file(), "the README's test command `{command}` is not a file of the repository");
}

#[test]
fn the_readme_stays_a_front_door() {
    let lines = read("README.md").lines().count();
    assert!(lines <= 250, "README.md has {lines} lines; the front door holds at most 250, the rest goes to docs/");
}

/// `[text](target)` links of a Markdown text, but not inside code spans or
/// blocks, and not to other sites or to anchors of the same page.
fn relative_links(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_block = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_block = !in_block;
            continue;
        }
        if in_block {
            continue;
        }
        let outside_code: String = line.split('`').step_by(2).collect::<Vec<_>>().join(" ");
        let mut rest = outside_code.as_str();
        while let Some(at) = rest.find("](") {
            let after = &rest[at + 2..];
            let Some(end) = after.find(')') else { break };
            let target = after[..end].trim();
            if !target.contains("://") && !target.starts_with('#') && !target.starts_with("mailto:") {
                out.push(target.split('#').next().unwrap_or(target).to_string());
            }
            rest = &after[end..];
        }
    }
    out
}

#[test]
fn every_relative_link_in_the_documents_resolves() {
    let mut broken = Vec::new();
    for doc in documents() {
        let text = std::fs::read_to_string(&doc).expect("readable");
        let dir = doc.parent().expect("a directory");
        for target in relative_links(&text) {
            if !dir.join(&target).exists() {
                broken.push(format!("{}: {target}", doc.strip_prefix(root()).unwrap().display()));
            }
        }
    }
    assert!(broken.is_empty(), "links that lead nowhere:\n{}", broken.join("\n"));
}

/// The names a `--help` lists under "Commands:".
fn subcommands(help: &str) -> BTreeSet<String> {
    help.split("Commands:")
        .nth(1)
        .map(|rest| rest.split("\n\n").next().unwrap_or(rest))
        .into_iter()
        .flat_map(str::lines)
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_string)
        .collect()
}

fn help(path: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_lefi-intake")).args(path).arg("--help").output().expect("the binary");
    assert!(out.status.success(), "`lefi-intake {} --help` failed", path.join(" "));
    String::from_utf8(out.stdout).expect("UTF-8 help")
}

/// The commands the README shows: code lines and code spans that start
/// with `lefi-intake` or `cargo run --release --`, and code spans that start
/// with one of the binary's subcommands (`quarantine list`).
fn readme_commands(readme: &str, top: &BTreeSet<String>) -> Vec<Vec<String>> {
    let mut shown = Vec::new();
    let mut in_block = false;
    for line in readme.lines() {
        if line.trim_start().starts_with("```") {
            in_block = !in_block;
            continue;
        }
        let mut candidates: Vec<(&str, bool)> = Vec::new();
        if in_block {
            candidates.push((line, false));
        } else {
            candidates.extend(line.split('`').skip(1).step_by(2).map(|span| (span, true)));
        }
        for (text, is_span) in candidates {
            let text = text.split('#').next().unwrap_or(text).trim();
            let words: Vec<&str> = text.split_whitespace().collect();
            let rest: &[&str] = match words.as_slice() {
                ["lefi-intake", rest @ ..] => rest,
                ["cargo", "run", "--release", "--", rest @ ..] => rest,
                [first, ..] if is_span && top.contains(*first) && words.len() > 1 => &words,
                _ => continue,
            };
            shown.push(rest.iter().map(|w| w.to_string()).collect());
        }
    }
    shown
}

#[test]
fn every_command_the_readme_shows_exists_in_help() {
    let readme = read("README.md");
    let top_help = help(&[]);
    let top = subcommands(&top_help);
    let shown = readme_commands(&readme, &top);
    assert!(shown.len() >= 3, "the README shows its commands (found {shown:?})");
    let mut unknown = Vec::new();
    for words in shown {
        // The global option and its value come before the subcommand.
        let mut words: Vec<&str> = words.iter().map(String::as_str).collect();
        if words.first() == Some(&"--config") {
            words.drain(..2.min(words.len()));
        }
        let Some((&first, args)) = words.split_first() else { continue };
        if !top.contains(first) {
            unknown.push(format!("`{}`: no subcommand {first}", words.join(" ")));
            continue;
        }
        let mut path = vec![first];
        let mut text = help(&path);
        if let Some(&second) = args.first() {
            let nested = subcommands(&text);
            if !nested.is_empty() && !second.starts_with('-') {
                // `list|show`: each alternative must exist.
                for alt in second.split('|') {
                    if !nested.contains(alt) {
                        unknown.push(format!("`{}`: {first} has no subcommand {alt}", words.join(" ")));
                    }
                }
                path.push(second.split('|').next().unwrap_or(second));
                if nested.contains(path[1]) {
                    text = help(&path);
                }
            }
        }
        for flag in args.iter().filter(|a| a.starts_with("--")) {
            let flag = flag.split('=').next().unwrap_or(flag).trim_end_matches([',', ')', '.']);
            if !text.contains(flag) {
                unknown.push(format!("`{}`: `{}` has no option {flag}", words.join(" "), path.join(" ")));
            }
        }
    }
    assert!(unknown.is_empty(), "commands the README shows that the binary does not have:\n{}", unknown.join("\n"));
}

/// `section.key` for every key set in a TOML text (comments are not keys).
fn default_keys(toml: &str) -> BTreeSet<String> {
    let mut section = String::new();
    let mut keys = BTreeSet::new();
    for line in toml.lines().map(str::trim) {
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.to_string();
        } else if let Some((key, _)) = line.split_once('=')
            && !line.starts_with('#')
            && key.trim().chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            keys.insert(format!("{section}.{}", key.trim()));
        }
    }
    keys
}

#[test]
fn the_configuration_guide_lists_exactly_the_keys_of_the_defaults() {
    let defaults = default_keys(&read("config/default.toml"));
    let guide = read("docs/configuration.md");
    let documented: BTreeSet<String> = guide
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split('`').next())
        .filter(|k| k.contains('.'))
        .map(str::to_string)
        .collect();
    assert!(defaults.len() > 40, "read the keys of config/default.toml (got {})", defaults.len());
    let undocumented: Vec<_> = defaults.difference(&documented).collect();
    let unknown: Vec<_> = documented.difference(&defaults).collect();
    assert!(
        undocumented.is_empty() && unknown.is_empty(),
        "docs/configuration.md and config/default.toml differ: keys without a row {undocumented:?}; \
         rows for keys the defaults do not have {unknown:?}"
    );
}
