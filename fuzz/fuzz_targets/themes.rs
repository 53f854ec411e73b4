//! Fuzz target: arbitrary text through the cluster themes-file parser.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = threadlens::analyze::cluster::Themes::parse(text, "themes.toml");
    }
});
