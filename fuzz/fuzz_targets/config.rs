//! A configuration file's text → settings or a clear error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = lefi_intake::config::Settings::from_toml(text);
    }
});
