//! Kubernetes quantities.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| upstream_first_rules::fuzzing::quantity(data));
