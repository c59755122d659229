//! SQL classification in each client dialect, and MongoDB scripts.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| job_scripts::fuzzing::sql_classification(data));
