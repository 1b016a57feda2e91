//! An officer's corrections (organisation number, name, effective date, as
//! typed into the approve form) → a checked termination or a field error.
#![no_main]

use lefi_intake::review::{Corrections, corrected};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // Three fields separated by newlines; a missing one is the proposal's.
    let mut fields = text.splitn(3, '\n').map(str::to_string);
    let given = Corrections { org_number: fields.next(), org_name: fields.next(), effective_date: fields.next() };
    let proposal = Corrections {
        org_number: Some("212000-3005".into()),
        org_name: Some("Uppsala kommun".into()),
        effective_date: Some("2027-01-01".into()),
    };
    let received = chrono::NaiveDate::from_ymd_opt(2026, 11, 16).expect("a date");
    if let Ok(t) = corrected(&proposal, &given, received) {
        // Whatever was typed, what is recorded passed the intake's rules.
        assert!(!t.org_name.trim().is_empty());
    }
});
