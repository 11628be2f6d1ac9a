#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| driftctl::fuzzing::manifest_loader(data));
