//! Fuzz target: arbitrary text through the stance lexicon parser.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = threadlens::analyze::stance::Lexicon::parse(text, "lexicon.toml");
    }
});
