//! Reply texts, from template files: `templates/*.txt` compiled in, or the same
//! file names in the configured `reply.templates_dir`. Placeholders are
//! `{{name}}`; a value never contains a placeholder of its own, so rendering is
//! one pass and a sender cannot inject text into another field.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use strum::VariantArray;

use super::ReplyKind;
use crate::domain::Code;

#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("reading reply template {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("reply template {name} uses unknown placeholder {{{{{placeholder}}}}}")]
    UnknownPlaceholder { name: &'static str, placeholder: String },
}

const PLACEHOLDERS: &[&str] = &["reference", "org_number", "org_name", "effective_date", "missing_list", "note"];

#[derive(Debug, Clone)]
pub struct Templates {
    texts: HashMap<ReplyKind, Arc<str>>,
}

impl Templates {
    /// The templates compiled into the binary.
    pub fn builtin() -> Templates {
        let texts = ReplyKind::VARIANTS.iter().map(|k| (*k, Arc::from(builtin_text(*k)))).collect();
        Templates { texts }
    }

    /// Templates from `dir`, each file named `<kind>.txt`; a missing file falls
    /// back to the built-in text. Placeholders are checked now, not at send time.
    pub fn load(dir: &Path) -> Result<Templates, TemplateError> {
        let mut texts = HashMap::new();
        for kind in ReplyKind::VARIANTS {
            let path = dir.join(format!("{}.txt", kind.as_str()));
            let text = match std::fs::read_to_string(&path) {
                Ok(t) => t,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => builtin_text(*kind).to_string(),
                Err(source) => return Err(TemplateError::Read { path: path.display().to_string(), source }),
            };
            check(kind.as_str(), &text)?;
            texts.insert(*kind, Arc::from(text));
        }
        Ok(Templates { texts })
    }

    /// The template of one kind of answer.
    pub fn text(&self, kind: ReplyKind) -> Arc<str> {
        self.texts[&kind].clone()
    }

    pub fn render(&self, kind: ReplyKind, values: &HashMap<&str, String>) -> String {
        render(&self.texts[&kind], values)
    }
}

/// Fills a template's placeholders; a value is inserted as it is, never
/// scanned for placeholders of its own.
pub fn render(text: &str, values: &HashMap<&str, String>) -> String {
    let mut out = String::with_capacity(text.len() + 200);
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        let after = &rest[open + 2..];
        match after.find("}}") {
            Some(close) => {
                let name = after[..close].trim();
                out.push_str(values.get(name).map_or("", String::as_str));
                rest = &after[close + 2..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

fn builtin_text(kind: ReplyKind) -> &'static str {
    match kind {
        ReplyKind::Confirmation => include_str!("../../templates/confirmation.txt"),
        ReplyKind::Incomplete => include_str!("../../templates/incomplete.txt"),
        ReplyKind::AlreadyRegistered => include_str!("../../templates/already_registered.txt"),
        ReplyKind::ManualReview => include_str!("../../templates/manual_review.txt"),
        ReplyKind::Rejected => include_str!("../../templates/rejected.txt"),
    }
}

fn check(name: &'static str, text: &str) -> Result<(), TemplateError> {
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else { break };
        let placeholder = after[..close].trim();
        if !PLACEHOLDERS.contains(&placeholder) {
            return Err(TemplateError::UnknownPlaceholder { name, placeholder: placeholder.to_string() });
        }
        rest = &after[close + 2..];
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_templates_use_only_known_placeholders() {
        for kind in ReplyKind::VARIANTS {
            check(kind.as_str(), builtin_text(*kind)).unwrap();
        }
    }

    #[test]
    fn values_are_inserted_once_and_never_expanded_again() {
        let t = Templates::builtin();
        let values = HashMap::from([
            ("reference", "LEFI-000001".to_string()),
            ("org_name", "{{reference}} AB".to_string()),
            ("org_number", "212000-0142".to_string()),
            ("effective_date", "2027-01-01".to_string()),
        ]);
        let text = t.render(ReplyKind::Confirmation, &values);
        assert!(text.contains("Organisationsnamn: {{reference}} AB"));
        assert!(text.contains("Referens: LEFI-000001"));
    }

    #[test]
    fn a_template_directory_overrides_and_is_checked() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("manual_review.txt"), "Tack. {{reference}}").unwrap();
        let t = Templates::load(dir.path()).unwrap();
        let text = t.render(ReplyKind::ManualReview, &HashMap::from([("reference", "LEFI-7".to_string())]));
        assert_eq!(text, "Tack. LEFI-7");
        std::fs::write(dir.path().join("confirmation.txt"), "{{password}}").unwrap();
        assert!(Templates::load(dir.path()).is_err());
    }
}
