//! See `quire_fuzz_targets::parsers`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| quire_fuzz_targets::parsers(data));
