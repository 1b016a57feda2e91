//! Names of public bodies in running text: "Uppsala kommun", "Region Skåne",
//! "Västra Götalandsregionen", "Länsstyrelsen i Uppsala län", the state
//! agencies; and insurers' names, to recognise them.

use std::sync::LazyLock;

use regex::Regex;

use crate::extract::gazetteer::{AGENCIES, INSURER_BRANDS};
use crate::extract::insurer::{INSURER_BRAND, INSURER_GENERIC};
use crate::extract::keywords::Words;
use crate::extract::municipal;
use crate::extract::pattern;
use crate::extract::text::Text;

/// Names of public bodies (and insurers, to recognise them) in running text,
/// one search per form. Each form is only searched for when one of its key
/// words occurs in the text (lower case). Names may start with Å, Ä or Ö,
/// so the word start is checked by the caller.
pub static PUBLIC_BODY: LazyLock<Vec<(Words, Form)>> = LazyLock::new(|| {
    let agencies = AGENCIES.join("|");
    // The agency and brand lists are gated by their names in lower case.
    let lower_names = |names: &[&str]| names.iter().map(|n| n.to_lowercase()).collect::<Vec<_>>();
    let expressions: Vec<(Words, String)> = vec![
        (
            Words::new(&["region"]),
            r"\bRegion[ \t]+[A-ZÅÄÖ][\w\-]+(?:[ \t]+[A-ZÅÄÖ][\w\-]+)?(?:[ \t]+län\b)?".to_string(),
        ),
        (Words::new(&["regionen"]), r"(?:[A-ZÅÄÖ]\w+[ \t]+)?[A-ZÅÄÖ]\w+regionen\b".to_string()),
        (Words::new(&["landsting"]), r"[A-ZÅÄÖ]\w+[ \t]+läns[ \t]+landsting\b".to_string()),
        (
            Words::new(&["länsstyrelsen"]),
            r"\bLänsstyrelsen[ \t]+(?:i[ \t]+[A-ZÅÄÖ]\w+(?:[ \t]+[A-ZÅÄÖ]\w+)?[ \t]+län\b|[A-ZÅÄÖ]\w+)".to_string(),
        ),
        (Words::new(&lower_names(AGENCIES)), format!(r"(?:{agencies})\b")),
        // "Räddningstjänsten Syd", "Dalslands kommunalförbund": federations.
        (
            Words::new(&["räddningstjänsten", "förbund"]),
            // Any kind of federation: kommunal-, räddningstjänst-, socialtjänst-, samordnings-, utbildningsförbund.
            r"\bRäddningstjänsten[ \t]+[A-ZÅÄÖ]\w+(?:[ \t]+[A-ZÅÄÖ]\w+)?|(?:[A-ZÅÄÖ]\w+[ \t]+)?[A-ZÅÄÖ]\w+[ \t]+\w*förbund\b"
                .to_string(),
        ),
        // "Kommunalförbundet Norrbottens e-nämnd": a federation's name may hold
        // a lower-case compound with a hyphen.
        (
            Words::new(&["förbundet"]),
            r"\b(?:Kommunalförbundet|Samordningsförbundet|Räddningstjänstförbundet)[ \t]+[A-ZÅÄÖ][\w\-]*(?:[ \t]+(?:[A-ZÅÄÖ][\w\-]*|\w+-[\w\-]+)){0,3}".to_string(),
        ),
        (
            Words::new(&["livförsäkring", "skadeförsäkring", " försäkring", "\tförsäkring", " pension", "\tpension"]),
            INSURER_GENERIC.to_string(),
        ),
        (Words::new(&lower_names(INSURER_BRANDS)), INSURER_BRAND.to_string()),
    ];
    let local = Words::new(&[" kommun", "\tkommun", " stad", "\tstad", " samordningsförbund", "\tsamordningsförbund"]);
    std::iter::once((local, Form::Municipal))
        .chain(expressions.into_iter().map(|(keys, p)| (keys, Form::Expression(pattern::compile(&p)))))
        .collect()
});

/// How a form of [`PUBLIC_BODY`] is searched for.
pub enum Form {
    /// "Uppsala kommun", "Malmö stad": [`municipal::names`].
    Municipal,
    Expression(Regex),
}

impl Form {
    /// The byte ranges of the form's matches in `text.original`, in order.
    pub fn matches(&self, text: &Text) -> Vec<(usize, usize)> {
        match self {
            Form::Municipal => municipal::names(&text.original, &text.lower),
            Form::Expression(re) => re.find_iter(&text.original).map(|m| (m.start(), m.end())).collect(),
        }
    }
}
