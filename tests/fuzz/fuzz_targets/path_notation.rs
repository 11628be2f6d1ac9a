#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| driftctl::fuzzing::path_notation(data));
