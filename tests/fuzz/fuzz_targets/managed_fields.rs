#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| driftctl::fuzzing::managed_fields_parser(data));
