//! What a number is labelled as: the organisation number, or another kind of
//! number (an invoice, an OCR reference, a customer, a case, a phone…). A
//! number under another kind's label is never the organisation's, however
//! valid its check digit: "Fakturanummer: 2026110177" passes Luhn.

use std::sync::LazyLock;

use regex::Regex;

use crate::extract::pattern;
use crate::extract::text::{self, Text};

/// What the label before a number says it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Labelled {
    /// "Organisationsnummer:", "Org.nr", "Organisation number".
    OrgNumber,
    /// Another kind of number, with the label's word as written (lower case).
    Other(&'static str),
    None,
}

/// Labels that say "the next number is the organisation number", matched at the
/// end of the text before a number (lower case).
static LABEL: LazyLock<Regex> = LazyLock::new(|| {
    pattern::compile(
        r"(?x)
        (?:organisations?\s*(?:nummer|nr\.?|-?nr\.?)|organisationsnumret|org\.?\s*(?:-|\s)?\s*(?:nr|nummer|no|number)\.?|orgnr\.?|orgnummer
          |organi[sz]ation\s+(?:number|no\.?|id)|corporate\s+identity\s+(?:number|no\.?)|company\s+(?:registration\s+)?(?:number|no\.?)
          |registration\s+(?:number|no\.?)|reg\.?\s*no\.?|identitetsnummer)
        # A remark in brackets may stand between the label and its value:
        # Organisationsnummer (enligt vårt ekonomisystem): 16212000-2197.
        (?:\s*\([^()\n]{1,50}\))?
        \s*(?:[:=.\-–|]|är|is|\s)*$",
    )
});

/// The kinds of number that are not the organisation's, each as the word
/// that starts its label. Longer words first where one begins another.
pub(crate) const OTHER_KINDS: &[&str] = &[
    "fakturanummer",
    "fakturanr",
    "faktura",
    "fakt.nr",
    "fakt nr",
    "ocr-nummer",
    "ocr",
    "kundnummer",
    "kundnr",
    "kund-nr",
    "kund",
    "avtalsnummer",
    "avtalsnr",
    "avtals-id",
    "avtal",
    "kontraktsnummer",
    "ärendenummer",
    "ärendenr",
    "ärende",
    "diarienummer",
    "diarienr",
    "diarie-nr",
    "dnr",
    "referensnummer",
    "referens",
    "ref.nr",
    "ref",
    "beställningsnummer",
    "beställningsnr",
    "beställning",
    "ordernummer",
    "ordernr",
    "order",
    "bankgironummer",
    "bankgiro",
    "bg",
    "plusgironummer",
    "plusgiro",
    "postgiro",
    "pg",
    "kontonummer",
    "kontonr",
    "konto",
    "clearingnummer",
    "iban",
    "telefonnummer",
    "telefon",
    "tel",
    "tfn",
    "mobilnummer",
    "mobil",
    "mob",
    "växel",
    "fax",
    "direkt",
    "postnummer",
    "postnr",
    "personnummer",
    "personnr",
    "person-nr",
    "pnr",
    "samordningsnummer",
    "samordningsnr",
    "anställningsnummer",
    "anställningsnr",
    "anst.nr",
    "medarbetarnummer",
    "personalnummer",
    "invoice",
    "customer",
    "account",
    "reference",
    "your ref",
    "our ref",
    "case",
    "ticket",
    "contract",
    "agreement",
    "telephone",
    "phone",
    "mobile",
    "cell",
    "zip code",
    "zip",
    "postcode",
    "postal code",
    "employee",
    "social security",
    "ssn",
    "swift",
    "bic",
];

/// Another kind's label right before the number: its word, then what may
/// follow a label word ("-nummer", " nr", " no.", "#", ":", "är"). The word
/// starts the text or follows a non-letter (an ASCII `\b` cannot stand before
/// "ärende").
static OTHER_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    let kinds: Vec<String> = OTHER_KINDS.iter().map(|k| regex::escape(k).replace(' ', r"\s+")).collect();
    pattern::compile(&format!(
        r"(?x)(?:^|[^\w])(?:er\s+|vår\s+)?({})(?:[\s.\-]*(?:nummer|nr|no|number|id|kod|code|\#))?\.?
          (?:\s+(?:hos\s+\S+|with\s+\S+|at\s+your\s+end))?\s*(?:[:=\#\-–]\s*)?(?:är\s+|is\s+)?$",
        kinds.join("|")
    ))
});

/// What the label before the number at `start` says: on the same line right
/// before it, or alone on the line before a number that starts its line
/// ("Organisationsnummer\n212000-0142", a table's "Fakturanummer" cell).
pub fn label_before(text: &Text, start: usize) -> Labelled {
    let lower = &text.lower;
    let line_start = text::line_start(lower, start);
    let mut from = start.saturating_sub(80).max(line_start);
    while !lower.is_char_boundary(from) {
        from += 1;
    }
    let before = &lower[from..start];
    let read = |before: &str| {
        if LABEL.is_match(before) {
            Labelled::OrgNumber
        } else if let Some(caps) = OTHER_LABEL.captures(before) {
            let word = caps.get(1).map_or("", |m| m.as_str());
            let kind = OTHER_KINDS.iter().find(|k| k.split_whitespace().eq(word.split_whitespace())).copied();
            Labelled::Other(kind.unwrap_or("another number"))
        } else {
            Labelled::None
        }
    };
    match read(before) {
        Labelled::None if before.trim().is_empty() && line_start > 0 => {
            let prev_end = line_start - 1;
            let prev_start = text::line_start(lower, prev_end);
            read(lower[prev_start..prev_end].trim_end())
        }
        found => found,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::TextOrigin;

    fn label(line: &str) -> Labelled {
        let text = Text::new("", line, TextOrigin::Body);
        let at = text.lower.find("2120").expect("a number");
        label_before(&text, at)
    }

    #[test]
    fn the_organisation_numbers_labels() {
        for line in ["Organisationsnummer: 2120003005", "Org.nr 2120003005", "Organisation number: 2120003005"] {
            assert_eq!(label(line), Labelled::OrgNumber, "{line}");
        }
        assert_eq!(label("Organisationsnummer\n2120003005"), Labelled::OrgNumber);
    }

    #[test]
    fn other_kinds_of_number_are_told_apart() {
        for (line, kind) in [
            ("Fakturanummer: 2120003005", "fakturanummer"),
            ("Faktura nr 2120003005", "faktura"),
            ("OCR-nummer 2120003005", "ocr-nummer"),
            ("Kundnr: 2120003005", "kundnr"),
            ("Er referens: 2120003005", "referens"),
            ("Dnr 2120003005", "dnr"),
            ("Bankgiro: 2120003005", "bankgiro"),
            ("Tel. 2120003005", "tel"),
            ("Invoice no. 2120003005", "invoice"),
            ("Customer number: 2120003005", "customer"),
            ("Your ref: 2120003005", "your ref"),
            ("Anställningsnummer\n2120003005", "anställningsnummer"),
        ] {
            assert_eq!(label(line), Labelled::Other(kind), "{line}");
        }
        assert_eq!(label("Org.nr: 2026110177, fakturanr: 2120003005"), Labelled::Other("fakturanr"));
        assert_eq!(label("Uppsala kommun 2120003005"), Labelled::None);
        assert_eq!(label("vårt kundnummer hos er är 2120003005"), Labelled::Other("kundnummer"));
    }

    #[test]
    fn every_kind_is_recognised_as_written() {
        for kind in OTHER_KINDS {
            assert_eq!(label(&format!("{kind}: 2120003005")), Labelled::Other(kind), "{kind}");
        }
    }
}
