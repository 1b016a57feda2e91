//! Personal data out of everything but the raw mail: personal identity
//! numbers are masked (`YYMMDD-****`) in evidence, stored extractions and
//! subjects, and — as a last line of defence, whatever a dependency logs at
//! debug — in every log line written.
//!
//! The raw mail keeps them for the audit until `retention.raw_days` purges it.

pub mod redact;

use std::io::{self, Write};

pub use crate::extract::mask_personal_numbers;

/// A log destination that masks personal identity numbers in what it is
/// given. The formatter writes one event per `write`, so a number is never
/// split between two calls.
pub struct Redacting<W> {
    inner: W,
}

impl<W: Write> Redacting<W> {
    pub fn new(inner: W) -> Redacting<W> {
        Redacting { inner }
    }
}

impl<W: Write> Write for Redacting<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match std::str::from_utf8(buf) {
            Ok(text) => {
                let masked = mask_personal_numbers(text.to_string());
                self.inner.write_all(masked.as_bytes())?;
            }
            // The formatter writes UTF-8; anything else is written as it is
            // with its digits replaced, which cannot carry a number.
            Err(_) => {
                let digits_hidden: Vec<u8> = buf.iter().map(|b| if b.is_ascii_digit() { b'#' } else { *b }).collect();
                self.inner.write_all(&digits_hidden)?;
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::domain::luhn_check_digit;

    /// A personal identity number (or a coordination number: day + 60) in one
    /// of the ways people write it.
    fn personal_number() -> impl Strategy<Value = (String, String)> {
        (
            0u32..100,
            1u32..13,
            1u32..29,
            any::<bool>(),
            0u32..1000,
            prop::sample::select(vec!["-", "", " ", "+"]),
            any::<bool>(),
        )
            .prop_map(|(yy, mm, dd, coordination, serial, sep, century)| {
                let day = if coordination { dd + 60 } else { dd };
                let nine: Vec<u8> = format!("{yy:02}{mm:02}{day:02}{serial:03}").bytes().map(|b| b - b'0').collect();
                let check = luhn_check_digit(&nine);
                let date = format!("{yy:02}{mm:02}{day:02}");
                // The long form has a century, never with "+" (a person over 100).
                let long = century && sep != " " && sep != "+";
                let written = format!("{}{date}{sep}{serial:03}{check}", if long { "19" } else { "" });
                (written, date)
            })
    }

    proptest! {
        #[test]
        fn no_personal_number_survives_masking(
            (number, date) in personal_number(),
            before in "[a-zåäö :,.\n]{0,20}",
            after in "[a-zåäö :,.\n]{0,20}",
        ) {
            let text = format!("{before}{number}{after}");
            let masked = mask_personal_numbers(text.clone());
            prop_assert!(!masked.contains(&number), "{masked:?}");
            prop_assert!(masked.contains(&format!("{date}-****")), "{masked:?}");
            let digits: String = masked.chars().filter(char::is_ascii_digit).collect();
            prop_assert_eq!(digits, date);
        }

        #[test]
        fn organisation_numbers_are_left_alone(
            nine in prop::array::uniform9(0u8..10),
        ) {
            let mut digits = nine;
            digits[0] = 2;
            digits[2] = 2 + digits[2] % 8;
            let check = luhn_check_digit(&digits);
            let text: String = digits.iter().map(|d| char::from(b'0' + d)).collect();
            let number = format!("Org.nr {}-{}{check}", &text[..6], &text[6..]);
            prop_assert_eq!(mask_personal_numbers(number.clone()), number);
        }
    }

    #[test]
    fn log_lines_are_masked_as_written() {
        let mut out = Redacting::new(Vec::new());
        out.write_all(b"WARN reading 19811228-9874, 811288 9874 and 121212+1212\n").unwrap();
        assert_eq!(String::from_utf8(out.inner).unwrap(), "WARN reading 811228-****, 811288-**** and 121212-****\n");
    }
}
