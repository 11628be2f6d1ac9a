#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| driftctl::fuzzing::compare_objects(data));
