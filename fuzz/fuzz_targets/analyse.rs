//! Raw mail bytes → the whole pure analysis (parse, extract, decide): must
//! never panic, whatever the bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|raw: &[u8]| {
    let received = chrono::NaiveDate::from_ymd_opt(2026, 11, 16);
    let own = ["registeruttag@forsakringskassan.se".to_string()];
    let analysis = lefi_intake::analyse::analyse(raw, received, &own);
    // An accept always carries a complete, checked termination.
    if analysis.decision.verdict == lefi_intake::domain::Verdict::Accept {
        assert!(analysis.decision.termination.is_some());
    }
});
