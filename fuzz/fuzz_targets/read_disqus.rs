//! Fuzz target: arbitrary bytes through the `disqus` reader and the tree linker, strict and
//! lenient. Errors are fine; panics, hangs and runaway memory are not.
#![no_main]

use libfuzzer_sys::fuzz_target;
use threadlens::Format;
use threadlens::ingest::read_bytes;

fuzz_target!(|data: &[u8]| {
    for lenient in [false, true] {
        if let Ok(corpus) = read_bytes(Format::Disqus, "disqus.xml", data.to_vec(), lenient) {
            let s = &corpus.stats;
            assert_eq!(s.read, s.parsed + s.skipped, "read != parsed + skipped: {s:?}");
            for t in &corpus.threads {
                t.check_integrity().expect("a linked thread passes its integrity check");
            }
        }
    }
});
