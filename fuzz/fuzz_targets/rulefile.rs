//! Fuzz target: arbitrary text through the moderation rule-file parser (TOML, regexes).
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        // A small regex size limit keeps each run fast; the parser must still never panic.
        let _ = threadlens::moderate::rulefile::parse(text, Path::new("rules.toml"), 1 << 20);
    }
});
