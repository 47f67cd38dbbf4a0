//! See `quire_fuzz_targets::pipeline`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| quire_fuzz_targets::pipeline(data));
