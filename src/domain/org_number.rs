//! The Swedish organisation number (organisationsnummer) as a parsed value.
//!
//! Only [`OrgNumber::parse`] builds one, so a value of this type has passed the Luhn
//! check and is a legal entity's number, never a personal identity number.

use std::fmt;
use std::str::FromStr;

/// Försäkringskassan's own number. It appears in many mails (addresses, quoted
/// signatures, agreements) and is never the party that terminates.
pub const FORSAKRINGSKASSAN: OrgNumber = OrgNumber([2, 0, 2, 1, 0, 0, 5, 5, 2, 1]);

/// A valid organisation number: ten digits, Luhn-checked, third digit 2 or more.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OrgNumber([u8; 10]);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum OrgNumberError {
    #[error("not an organisation number: expected ten digits as NNNNNN-NNNN")]
    Format,
    /// The digits have the shape of a personal identity number (personnummer or
    /// samordningsnummer). The digits themselves are deliberately not carried.
    #[error("this is a personal identity number, not an organisation number")]
    Personal,
    #[error("the check digit does not match (Luhn over the first nine digits)")]
    Checksum,
}

impl OrgNumber {
    /// Parses `NNNNNN-NNNN`, `NNNNNNNNNN`, `NNNNNN NNNN`, any dash, and the 12-digit
    /// form with the prefix `16` (with or without separator).
    pub fn parse(input: &str) -> Result<Self, OrgNumberError> {
        let mut digits = [0u8; 12];
        let mut count = 0usize;
        // Where separators stood, counted in digits before them.
        let mut separator_at = [usize::MAX; 2];
        let mut separators = 0usize;
        for c in input.trim().chars() {
            if let Some(d) = c.to_digit(10) {
                if count == 12 {
                    return Err(OrgNumberError::Format);
                }
                digits[count] = d as u8;
                count += 1;
            } else if is_separator(c) && separators < 2 && separator_at[..separators].last() != Some(&count) {
                separator_at[separators] = count;
                separators += 1;
            } else {
                return Err(OrgNumberError::Format);
            }
        }
        // A separator may only stand where people write one: before the last four
        // digits, or after the "16" (or century) prefix of the long form.
        let allowed: &[usize] = match count {
            10 => &[6],
            12 => &[2, 8],
            _ => return Err(OrgNumberError::Format),
        };
        if separator_at[..separators].iter().any(|at| !allowed.contains(at)) {
            return Err(OrgNumberError::Format);
        }
        let ten: [u8; 10] = if count == 10 {
            digits[..10].try_into().expect("ten digits")
        } else if (digits[0], digits[1]) == (1, 6) {
            digits[2..12].try_into().expect("ten digits")
        } else if matches!((digits[0], digits[1]), (1, 8) | (1, 9) | (2, 0)) {
            // Century + ten digits is the long form of a personnummer.
            return Err(OrgNumberError::Personal);
        } else {
            return Err(OrgNumberError::Format);
        };
        Self::from_digits(ten)
    }

    /// Checks ten digits in the order the rules are applied: the shape of a
    /// personal number first (so that a personnummer with a typo is still never
    /// reported as "an organisation number with a bad check digit"), then Luhn.
    pub fn from_digits(digits: [u8; 10]) -> Result<Self, OrgNumberError> {
        if digits.iter().any(|d| *d > 9) {
            return Err(OrgNumberError::Format);
        }
        // A legal entity has 20 or more in the "month" position; 01-12 (and the
        // rest of 00-19) is a person's birth month.
        if digits[2] < 2 {
            return Err(OrgNumberError::Personal);
        }
        if luhn_check_digit(&digits[..9]) != digits[9] {
            return Err(OrgNumberError::Checksum);
        }
        Ok(OrgNumber(digits))
    }

    /// The first digit tells the legal form; 2 is the state, regions, municipalities
    /// and other public bodies.
    pub fn group(&self) -> u8 {
        self.0[0]
    }

    /// True for public bodies (group 2): the only kind that terminates by mail.
    pub fn is_public_body(&self) -> bool {
        self.group() == 2
    }

    pub fn is_forsakringskassan(&self) -> bool {
        *self == FORSAKRINGSKASSAN
    }

    pub fn digits(&self) -> &[u8; 10] {
        &self.0
    }
}

/// The Luhn check digit for `body` (weights 2,1,2,1,... from the left, as for
/// Swedish organisation and personal numbers).
pub fn luhn_check_digit(body: &[u8]) -> u8 {
    let sum: u32 = body
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let p = u32::from(*d) * if i % 2 == 0 { 2 } else { 1 };
            p / 10 + p % 10
        })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

fn is_separator(c: char) -> bool {
    matches!(c, '-' | ' ' | '\u{00a0}' | '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2212}')
}

impl fmt::Display for OrgNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.0[..6] {
            write!(f, "{d}")?;
        }
        f.write_str("-")?;
        for d in &self.0[6..] {
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for OrgNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OrgNumber({self})")
    }
}

impl FromStr for OrgNumber {
    type Err = OrgNumberError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl serde::Serialize for OrgNumber {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for OrgNumber {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        OrgNumber::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_public_bodies_pass_luhn() {
        for n in ["212000-0142", "202100-5521", "212000-3005", "232100-0016"] {
            assert!(OrgNumber::parse(n).is_ok(), "{n}");
        }
    }

    #[test]
    fn every_written_form_gives_the_same_number() {
        let canonical = OrgNumber::parse("212000-0142").unwrap();
        for form in [
            "2120000142",
            "212000 0142",
            "212000–0142",
            "212000—0142",
            "16212000-0142",
            "162120000142",
            " 212000-0142 ",
        ] {
            assert_eq!(OrgNumber::parse(form), Ok(canonical), "{form}");
        }
        assert_eq!(canonical.to_string(), "212000-0142");
    }

    #[test]
    fn a_changed_check_digit_is_a_checksum_error() {
        assert_eq!(OrgNumber::parse("212000-0143"), Err(OrgNumberError::Checksum));
    }

    #[test]
    fn a_personnummer_is_never_an_organisation_number() {
        // 811228-9874 is the Skatteverket test personnummer (valid Luhn).
        assert_eq!(OrgNumber::parse("811228-9874"), Err(OrgNumberError::Personal));
        assert_eq!(OrgNumber::parse("19811228-9874"), Err(OrgNumberError::Personal));
        // A personnummer with a wrong check digit is still reported as personal.
        assert_eq!(OrgNumber::parse("811228-9875"), Err(OrgNumberError::Personal));
    }

    #[test]
    fn malformed_input_is_a_format_error() {
        for s in [
            "",
            "21200-0142",
            "2120000-0142",
            "212000-01422",
            "abc",
            "212000--0142",
            "2120-000142",
            "212000-0142-",
            "172120000142",
        ] {
            assert_eq!(OrgNumber::parse(s), Err(OrgNumberError::Format), "{s:?}");
        }
    }

    #[test]
    fn only_group_two_is_a_public_body() {
        assert!(OrgNumber::parse("212000-0142").unwrap().is_public_body());
        // 502006-1619 has the shape of a mutual insurance company's number.
        let n = OrgNumber::parse(&format!("50200616{}{}", 1, luhn_check_digit(&[5, 0, 2, 0, 0, 6, 1, 6, 1]))).unwrap();
        assert!(!n.is_public_body());
    }
}
