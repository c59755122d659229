//! Label selectors: the string syntax and `LabelSelector` objects.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| upstream_first_rules::fuzzing::label_selector(data));
