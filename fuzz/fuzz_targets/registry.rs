//! A subscriber registry CSV (as `subscribers import` reads it) → rows or a
//! clear error naming the line and column.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = lefi_intake::trust::registry::import::parse(data);
});
