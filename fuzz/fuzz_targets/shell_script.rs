//! Shell scripts run by a Job container (`sh -c`), with a secret in its env.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| job_scripts::fuzzing::shell_script(data));
