//! What a termination must be to be recorded — the same rules whether the
//! intake reads it or an officer enters it: a public body's number (not
//! Försäkringskassan's own), a name on one line, a date from the day the mail
//! was received to five years after it.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::OrgNumber;

/// How far ahead an effective date may lie, in years after the receipt day.
pub const MAX_YEARS_AHEAD: i32 = 5;
/// The longest organisation name.
pub const MAX_NAME_CHARS: usize = 200;

/// The facts of an accepted termination.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Termination {
    pub org_number: OrgNumber,
    pub org_name: String,
    pub effective_date: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TerminationError {
    #[error("not a public body (organisation numbers of authorities start with 2)")]
    NotAPublicBody,
    #[error("this is Försäkringskassan's own organisation number")]
    Forsakringskassan,
    #[error("the organisation's name is required")]
    EmptyName,
    #[error("the name is longer than {MAX_NAME_CHARS} characters")]
    NameTooLong,
    #[error("the name holds a line break, another control character or a text-direction control")]
    NameNotOneLine,
    #[error("{date} is before the mail was received ({received})")]
    DateInPast { date: NaiveDate, received: NaiveDate },
    #[error("{date} is more than {MAX_YEARS_AHEAD} years after the mail was received ({received})")]
    DateTooFarAhead { date: NaiveDate, received: NaiveDate },
}

impl TerminationError {
    /// The field the error is about.
    pub fn field(&self) -> super::Field {
        use super::Field;
        match self {
            TerminationError::NotAPublicBody | TerminationError::Forsakringskassan => Field::OrgNumber,
            TerminationError::EmptyName | TerminationError::NameTooLong | TerminationError::NameNotOneLine => {
                Field::OrgName
            }
            TerminationError::DateInPast { .. } | TerminationError::DateTooFarAhead { .. } => Field::EffectiveDate,
        }
    }
}

impl Termination {
    /// The termination, when each fact passes its rule; `received` is the day
    /// the mail was received.
    pub fn checked(
        org_number: OrgNumber,
        org_name: &str,
        effective_date: NaiveDate,
        received: NaiveDate,
    ) -> Result<Termination, TerminationError> {
        check_org_number(org_number)?;
        let org_name = check_org_name(org_name)?;
        check_effective_date(effective_date, received)?;
        Ok(Termination { org_number, org_name, effective_date })
    }
}

pub fn check_org_number(n: OrgNumber) -> Result<(), TerminationError> {
    if n.is_forsakringskassan() {
        return Err(TerminationError::Forsakringskassan);
    }
    if !n.is_public_body() {
        return Err(TerminationError::NotAPublicBody);
    }
    Ok(())
}

/// A bidirectional embedding, override or isolate control (U+202A–U+202E,
/// U+2066–U+2069), or a directional mark that may pair with one: each
/// reorders on screen what follows it.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// The name trimmed, when it is one.
pub fn check_org_name(name: &str) -> Result<String, TerminationError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(TerminationError::EmptyName);
    }
    // A direction control shows the name otherwise than it is stored.
    if name.chars().any(|c| c.is_control() || is_bidi_control(c)) {
        return Err(TerminationError::NameNotOneLine);
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(TerminationError::NameTooLong);
    }
    Ok(name.to_string())
}

pub fn check_effective_date(date: NaiveDate, received: NaiveDate) -> Result<(), TerminationError> {
    if date < received {
        return Err(TerminationError::DateInPast { date, received });
    }
    if date > latest_effective_date(received) {
        return Err(TerminationError::DateTooFarAhead { date, received });
    }
    Ok(())
}

/// The last day an effective date may be: five years after the receipt day.
pub fn latest_effective_date(received: NaiveDate) -> NaiveDate {
    let year = received.year() + MAX_YEARS_AHEAD;
    NaiveDate::from_ymd_opt(year, received.month(), received.day())
        .or_else(|| NaiveDate::from_ymd_opt(year, 2, 28))
        .expect("a valid day five years on")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn what_the_intake_refuses_an_officer_cannot_enter() {
        let uppsala = OrgNumber::parse("212000-3005").unwrap();
        let received = day("2026-11-16");
        assert!(Termination::checked(uppsala, " Uppsala kommun ", day("2027-01-01"), received).is_ok());
        let fk = OrgNumber::parse("202100-5521").unwrap();
        assert_eq!(
            Termination::checked(fk, "X", day("2027-01-01"), received),
            Err(TerminationError::Forsakringskassan)
        );
        let company = OrgNumber::parse("556036-0793").unwrap();
        assert_eq!(check_org_number(company), Err(TerminationError::NotAPublicBody));
        assert_eq!(check_org_name("  "), Err(TerminationError::EmptyName));
        assert_eq!(check_org_name("Uppsala\nkommun"), Err(TerminationError::NameNotOneLine));
        assert_eq!(check_org_name("Uppsala \u{202e}nummok"), Err(TerminationError::NameNotOneLine));
        assert_eq!(check_org_name(&"x".repeat(201)), Err(TerminationError::NameTooLong));
        assert!(matches!(
            check_effective_date(day("9999-12-31"), received),
            Err(TerminationError::DateTooFarAhead { .. })
        ));
        assert!(check_effective_date(day("2031-11-16"), received).is_ok());
        assert!(check_effective_date(day("2031-11-17"), received).is_err());
        assert!(matches!(check_effective_date(day("2026-11-15"), received), Err(TerminationError::DateInPast { .. })));
        assert_eq!(latest_effective_date(day("2028-02-29")), day("2033-02-28"));
    }
}
