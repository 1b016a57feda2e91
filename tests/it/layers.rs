//! The module graph stays a ladder: docs/architecture.md lists every entry of
//! `src/` in its layer, bottom to top, and code imports only from its own
//! entry or the entries listed before it. Test code is exempt (a test may
//! build its fixtures with anything); doc comments are not code.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The entries of `src/` in the order of the table under "## The layers" in
/// docs/architecture.md, as module names (`store/` and `app.rs` give
/// `store` and `app`).
fn documented_order() -> Vec<String> {
    let doc = std::fs::read_to_string(root().join("docs/architecture.md")).expect("docs/architecture.md");
    let section = doc.split("\n## The layers").nth(1).expect("a section \"## The layers\" in docs/architecture.md");
    let section = section.split("\n## ").next().unwrap_or(section);
    section
        .lines()
        .filter(|l| l.starts_with('|') && !l.starts_with("|---"))
        .filter_map(|l| l.split('|').nth(2))
        .filter_map(|cell| cell.trim().strip_prefix('`')?.strip_suffix('`').map(str::to_string))
        .map(|entry| entry.trim_end_matches('/').trim_end_matches(".rs").to_string())
        .collect()
}

fn src_entries() -> BTreeSet<String> {
    std::fs::read_dir(root().join("src"))
        .expect("src/")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|name| name != "lib.rs" && name != "main.rs")
        .map(|name| name.trim_end_matches(".rs").to_string())
        .collect()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable directory") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The lines of `text` that are code outside tests: items under
/// `#[cfg(test)]` are left out up to their closing brace (rustfmt puts it
/// at the attribute's indentation), and comment lines are left out.
fn code_lines(text: &str) -> Vec<(usize, &str)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if line.trim() == "#[cfg(test)]" {
            let indent = &line[..line.len() - line.trim_start().len()];
            let item = lines.get(i + 1).copied().unwrap_or_default();
            i += 2;
            if item.trim_end().ends_with('{') {
                let close = format!("{indent}}}");
                while i < lines.len() && lines[i] != close {
                    i += 1;
                }
                i += 1;
            }
            continue;
        }
        if !line.trim_start().starts_with("//") {
            out.push((i + 1, line));
        }
        i += 1;
    }
    out
}

/// The top-level modules a line names after `crate::`, also inside
/// `crate::{a, b::{c, d}}` groups (which may span lines: `rest` is the file
/// from this line on).
fn named_modules(rest: &str, line_len: usize) -> Vec<String> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(at) = rest[from..line_len].find("crate::") {
        let start = from + at + "crate::".len();
        let tail = &rest[start..];
        if let Some(group) = tail.strip_prefix('{') {
            // At depth 1 a name follows the `{` and each comma.
            let (mut depth, mut expecting, mut word) = (1, true, String::new());
            for c in group.chars() {
                if c.is_alphanumeric() || c == '_' {
                    if expecting && depth == 1 {
                        word.push(c);
                    }
                    continue;
                }
                if !word.is_empty() {
                    found.push(std::mem::take(&mut word));
                    expecting = false;
                }
                match c {
                    '{' => depth += 1,
                    '}' if depth == 1 => break,
                    '}' => depth -= 1,
                    ',' if depth == 1 => expecting = true,
                    _ => {}
                }
            }
        } else {
            let word: String = tail.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            found.push(word);
        }
        from = start;
    }
    found
}

#[test]
fn the_layer_table_lists_exactly_what_is_in_src() {
    let documented: BTreeSet<String> = documented_order().into_iter().collect();
    let actual = src_entries();
    let undocumented: Vec<_> = actual.difference(&documented).collect();
    let gone: Vec<_> = documented.difference(&actual).collect();
    assert!(
        undocumented.is_empty() && gone.is_empty(),
        "docs/architecture.md's layer table and `ls src` differ: in src/ but not in the table {undocumented:?}; \
         in the table but not in src/ {gone:?}"
    );
}

#[test]
fn no_module_imports_from_a_layer_above_it() {
    let order = documented_order();
    let rank = |name: &str| order.iter().position(|n| n == name);
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    let mut upward = Vec::new();
    for file in files {
        let rel = file.strip_prefix(root().join("src")).expect("under src").to_string_lossy().replace('\\', "/");
        if rel == "lib.rs" || rel == "main.rs" || rel.ends_with("/tests.rs") || rel.contains("/tests/") {
            continue;
        }
        let top = rel.split('/').next().expect("a first component").trim_end_matches(".rs").to_string();
        let Some(own) = rank(&top) else { continue };
        let text = std::fs::read_to_string(&file).expect("readable source");
        let line_starts: Vec<usize> = std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
        for (number, line) in code_lines(&text) {
            let start = line_starts[number - 1];
            for module in named_modules(&text[start..], line.len()) {
                // Items of the crate root (lib.rs) are below everything.
                if let Some(theirs) = rank(&module)
                    && theirs > own
                {
                    upward.push(format!("src/{rel}:{number} ({top}) imports {module}, a layer above it"));
                }
            }
        }
    }
    assert!(upward.is_empty(), "imports running up the layers:\n{}", upward.join("\n"));
}

#[test]
fn the_scanner_reads_grouped_and_nested_paths() {
    let text = "use crate::{domain::{Code, Reason}, mail,\n    store::Store};\nlet x = crate::reply::reference(1);";
    let first = text.lines().next().unwrap().len();
    assert_eq!(named_modules(text, first), ["domain", "mail", "store"]);
    let third_start = text.rfind("let").unwrap();
    assert_eq!(named_modules(&text[third_start..], text.len() - third_start), ["reply"]);
    let code = "fn a() {}\n#[cfg(test)]\nmod tests {\n    use crate::app;\n}\n// crate::web\nfn b() {}";
    let kept: Vec<&str> = code_lines(code).into_iter().map(|(_, l)| l).collect();
    assert_eq!(kept, ["fn a() {}", "fn b() {}"]);
}
