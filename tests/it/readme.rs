//! The README is the front door: it must document every reason code and name
//! the test command that CI runs.

use std::path::Path;

fn read(rel: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)).expect(rel)
}

#[test]
fn the_readme_documents_every_reason_code() {
    let readme = read("README.md");
    use lefi_intake::domain::Code;
    use strum::VariantArray;
    let undocumented: Vec<&str> = lefi_intake::domain::Reason::VARIANTS
        .iter()
        .map(|r| r.as_str())
        .filter(|code| !readme.contains(&format!("| `{code}` |")))
        .collect();
    assert!(undocumented.is_empty(), "reason codes missing from the README table: {undocumented:?}");
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
}
