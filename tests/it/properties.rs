//! Properties that must hold for every input, not just the fixtures.

use lefi_intake::analyse::analyse;
use lefi_intake::domain::{OrgNumber, OrgNumberError, luhn_check_digit};
use proptest::prelude::*;

use crate::fixtures::all_fixtures;

fn fixture_bytes() -> Vec<Vec<u8>> {
    all_fixtures().iter().map(|p| std::fs::read(p).expect("fixture")).collect()
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip { at: usize, byte: u8 },
    Insert { at: usize, bytes: Vec<u8> },
    Delete { at: usize, len: usize },
    Truncate { at: usize },
    Duplicate { at: usize, len: usize },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Mutation::Flip { at, byte }),
        (any::<usize>(), prop::collection::vec(any::<u8>(), 1..40))
            .prop_map(|(at, bytes)| Mutation::Insert { at, bytes }),
        (any::<usize>(), 1usize..200).prop_map(|(at, len)| Mutation::Delete { at, len }),
        any::<usize>().prop_map(|at| Mutation::Truncate { at }),
        (any::<usize>(), 1usize..400).prop_map(|(at, len)| Mutation::Duplicate { at, len }),
    ]
}

fn apply(mut bytes: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for m in mutations {
        let n = bytes.len().max(1);
        match m {
            Mutation::Flip { at, byte } => {
                if !bytes.is_empty() {
                    bytes[at % n] = *byte;
                }
            }
            Mutation::Insert { at, bytes: new } => {
                let at = at % (bytes.len() + 1);
                bytes.splice(at..at, new.iter().copied());
            }
            Mutation::Delete { at, len } => {
                let at = at % n;
                let end = (at + len).min(bytes.len());
                if at < end {
                    bytes.drain(at..end);
                }
            }
            Mutation::Truncate { at } => bytes.truncate(at % n),
            Mutation::Duplicate { at, len } => {
                let at = at % n;
                let end = (at + len).min(bytes.len());
                let copy: Vec<u8> = bytes.get(at..end).map(<[u8]>::to_vec).unwrap_or_default();
                bytes.splice(at..at, copy);
            }
        }
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn analysing_arbitrary_bytes_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..4096)) {
        let _ = analyse(&bytes, None, &[]);
    }

    #[test]
    fn analysing_mutated_fixtures_never_panics(pick in any::<prop::sample::Index>(), mutations in prop::collection::vec(mutation(), 1..8)) {
        let fixtures = fixture_bytes();
        let original = fixtures[pick.index(fixtures.len())].clone();
        let mutated = apply(original, &mutations);
        let analysis = analyse(&mutated, None, &[]);
        // Whatever happened, an accepted termination carries its facts.
        if analysis.decision.verdict == lefi_intake::domain::Verdict::Accept {
            prop_assert!(analysis.decision.termination.is_some());
        }
    }

    #[test]
    fn text_that_looks_like_mail_never_panics(body in "\\PC{0,2000}", subject in "\\PC{0,200}") {
        let raw = format!("From: a@b.se\r\nSubject: {subject}\r\nContent-Type: text/html; charset=utf-8\r\n\r\n{body}");
        let _ = analyse(raw.as_bytes(), None, &[]);
    }

    #[test]
    fn org_number_formats_and_parses_back(body in prop::array::uniform9(0u8..10)) {
        let mut digits = [0u8; 10];
        digits[..9].copy_from_slice(&body);
        digits[9] = luhn_check_digit(&body);
        if let Ok(n) = OrgNumber::from_digits(digits) {
            prop_assert_eq!(OrgNumber::parse(&n.to_string()), Ok(n));
            let plain: String = digits.iter().map(|d| char::from(b'0' + d)).collect();
            prop_assert_eq!(OrgNumber::parse(&plain), Ok(n));
            prop_assert_eq!(OrgNumber::parse(&format!("16{plain}")), Ok(n));
        } else {
            // Only the personal-number shape is refused when the check digit is right.
            prop_assert!(digits[2] < 2);
        }
    }

    #[test]
    fn changing_one_digit_of_a_valid_number_breaks_the_check(at in 0usize..10, delta in 1u8..10) {
        for known in ["212000-0142", "202100-5521", "212000-3005", "232100-0255"] {
            let n = OrgNumber::parse(known).expect("known valid");
            let mut digits = *n.digits();
            digits[at] = (digits[at] + delta) % 10;
            match OrgNumber::from_digits(digits) {
                Err(OrgNumberError::Checksum | OrgNumberError::Personal) => {}
                other => prop_assert!(false, "{known} with digit {at} changed by {delta} gave {other:?}"),
            }
        }
    }
}

#[test]
fn a_huge_mail_is_read_without_panic_its_text_is_bounded_and_an_officer_decides() {
    let mut raw = b"From: a@uppsala.se\r\nSubject: Uppsagning\r\nDate: Mon, 16 Nov 2026 10:00:00 +0100\r\n\
Content-Type: text/plain; charset=utf-8\r\n\r\nUppsala kommun s\xc3\xa4ger upp LEFI Prenumeration fr\xc3\xa5n och med \
2027-01-01.\r\nOrganisationsnummer: 212000-3005\r\n"
        .to_vec();
    let filler = "Lorem ipsum dolor sit amet 0123456789.\r\n".repeat(500_000); // about 20 MB
    raw.extend_from_slice(filler.as_bytes());
    let analysis = analyse(&raw, None, &[]);
    let mail = analysis.mail.expect("a mail");
    assert!(mail.full_text().len() <= lefi_intake::mail::MAX_TEXT_CHARS + 1024);
    // The four facts stand before the cut, but what came after it was not
    // read (a withdrawal, another date): an officer decides.
    assert!(mail.text_truncated);
    assert_eq!(analysis.decision.verdict, lefi_intake::domain::Verdict::Quarantine);
    assert!(analysis.decision.reasons.contains(&lefi_intake::domain::Reason::TextTruncated));
}
